"""Field spans of one commitlog record for the annotated hex view.

Offsets come from ``parsers.commitlog_layout`` (the one place the layout lives); lengths of the variable
parts come from the values ``read_record`` decoded. Nothing here reads a field from the bytes.
"""

from __future__ import annotations

from typing import Any

from .widgets.frame_view import fmt_value
from .widgets.hexview import Span


def record_spans(rec: dict[str, Any]) -> list[Span]:
    """Spans (absolute offsets = ``phy_offset`` + position) for the record dict of ``read_record``."""
    from ..parsers import commitlog_layout as L

    base = int(rec["phy_offset"])
    sysflag = int(rec.get("sysflag") or 0)
    bh = L.host_len(sysflag, L.FLAG_BORNHOST_V6)
    sh = L.host_len(sysflag, L.FLAG_STOREHOST_V6)
    body_len = max(0, int(rec.get("body_len") or 0))
    size = int(rec.get("size") or 0)

    def v(key: str) -> str:
        return fmt_value(rec.get(key))

    fixed: list[tuple[int, int, str, str]] = [
        (L.OFF_TOTALSIZE, 4, "TOTALSIZE", v("size")),
        (L.OFF_MAGIC, 4, "MAGICCODE", f"0x{int(rec.get('magic') or 0) & 0xFFFFFFFF:08X}"),
        (L.OFF_BODYCRC, 4, "BODYCRC", f"{v('body_crc')} ({'ok' if rec.get('crc_ok') else 'MISMATCH'})"),
        (L.OFF_QUEUEID, 4, "QUEUEID", v("queue_id")),
        (L.OFF_FLAG, 4, "FLAG", v("flag")),
        (L.OFF_QUEUEOFFSET, 8, "QUEUEOFFSET", v("queue_offset")),
        (L.OFF_PHYSICALOFFSET, 8, "PHYSICALOFFSET", v("stored_phy_offset")),
        (L.OFF_SYSFLAG, 4, "SYSFLAG", f"0x{sysflag:X}"),
        (L.OFF_BORNTIMESTAMP, 8, "BORNTIMESTAMP", v("born_ts")),
        (L.OFF_BORNHOST, bh, "BORNHOST", v("born_host")),
        (L.REL_STORETIMESTAMP + bh, 8, "STORETIMESTAMP", v("store_ts")),
        (L.REL_STOREHOST + bh, sh, "STOREHOSTADDRESS", v("store_host")),
        (L.REL_RECONSUMETIMES + bh + sh, 4, "RECONSUMETIMES", v("reconsume_times")),
        (L.REL_PREPAREDTXOFFSET + bh + sh, 8, "PREPARED TX OFFSET", v("prepared_tx_offset")),
        (L.REL_BODYLEN + bh + sh, 4, "BODY length", str(body_len)),
    ]
    body_at = L.REL_BODY + bh + sh
    spans = [Span(base + off, ln, name, val) for off, ln, name, val in fixed]
    spans.append(Span(base + body_at, body_len, "BODY", f"{body_len} bytes" + (f", {rec['compression']}" if rec.get("compression") else "")))
    if rec.get("length_ok", True):
        tlw = 2 if rec.get("magic") == L.MAGIC_V2 else 1
        props_len = len(rec.get("properties_raw") or b"")
        topic_at = body_at + body_len
        topic_len = size - (topic_at + tlw + 2 + props_len)
        spans.append(Span(base + topic_at, tlw, "TOPIC length", str(topic_len)))
        spans.append(Span(base + topic_at + tlw, max(0, topic_len), "TOPIC", v("topic")))
        props_at = topic_at + tlw + max(0, topic_len)
        spans.append(Span(base + props_at, 2, "PROPERTIES length", str(props_len)))
        spans.append(Span(base + props_at + 2, props_len, "PROPERTIES", f"{len(rec.get('properties') or {})} entries"))
    return spans
