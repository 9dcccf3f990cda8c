"""Rendering for ``rmqinspect msg``: one message in full, or a list (time ranges, several hits).

Bodies, topics, keys and properties are producer data: all shown through :mod:`rmqinspect.render.safe`.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from .config import _t, kv_table

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console

BODY_MODES = ("auto", "text", "hex", "json", "none")
HEAD_FIELDS = (
    "msg_id", "uniq_key", "topic", "queue_id", "queue_offset", "phy_offset", "size", "file", "store_ts",
    "store_host", "born_ts", "born_host", "tags", "keys", "sysflag", "flag", "reconsume_times",
    "prepared_tx_offset", "body_len", "compression", "body_crc", "crc_ok", "magic",
)


def body_view(body: bytes, mode: str = "auto", max_bytes: int = 4096) -> dict[str, Any]:
    """``{body_encoding, body, body_sha256, body_truncated}``: text when it is UTF-8, JSON when it parses,
    hex otherwise (or as asked). The hash is over the whole (decompressed) body."""
    if mode not in BODY_MODES:
        from ..errors import UsageError

        raise UsageError(f"--body must be one of {', '.join(BODY_MODES)}")
    out: dict[str, Any] = {"body_sha256": hashlib.sha256(body).hexdigest(), "body_truncated": len(body) > max_bytes}
    if mode == "none":
        return out | {"body_encoding": None, "body": None}
    part = body[:max_bytes]
    text = None
    if mode in ("auto", "text", "json"):
        try:
            text = part.decode("utf-8")
        except UnicodeDecodeError:
            text = None if mode == "auto" else part.decode("utf-8", "replace")
    if text is not None and mode in ("auto", "json"):
        try:
            return out | {"body_encoding": "json", "body": json.loads(body.decode("utf-8"))}
        except (ValueError, UnicodeDecodeError):
            if mode == "json":
                from ..errors import UsageError

                raise UsageError("the body is not JSON; use --body text or hex") from None
    if text is not None and mode != "hex":
        return out | {"body_encoding": "text", "body": text}
    return out | {"body_encoding": "hex", "body": part.hex()}


def _hexdump(hexstr: str) -> str:
    b = bytes.fromhex(hexstr)
    lines = []
    for i in range(0, len(b), 16):
        chunk = b[i : i + 16]
        asc = "".join(chr(c) if 32 <= c < 127 else "." for c in chunk)
        lines.append(f"{i:08x}  {chunk.hex(' '):<47}  |{asc}|")
    return "\n".join(lines)


def render_message(console: Console, doc: dict[str, Any]) -> None:
    rows = [(k, doc.get(k)) for k in HEAD_FIELDS if k in doc]
    rows.append(("found via", doc.get("found_via")))
    if doc.get("problems"):
        rows.append(("problems", "; ".join(doc["problems"])))
    console.print(kv_table(rows, f"Message at commitlog offset {doc.get('phy_offset')}"))
    props = doc.get("properties") or {}
    if props:
        console.print(kv_table(sorted(props.items()), "Properties"))
    cq = doc.get("cq_entry")
    if cq:
        mark = "matches" if doc.get("cq_entry_matches") else "DOES NOT point at this record"
        console.print(_t(f"Consume queue: {cq['file']} unit @{cq['offset_in_file']}: phy_offset {cq['phy_offset']} "
                         f"size {cq['size']} tags_code {cq['tags_code']} ({mark})"))
    else:
        console.print(_t("Consume queue: no unit at this queue offset (not dispatched, or lost)", "yellow"))
    idx = doc.get("index_entries") or []
    if idx:
        for e in idx:
            console.print(_t(f"Index: {e['file']} entry {e['entry_no']} for {e['key_kind']} {e['key']!r}"))
    else:
        console.print(_t("Index: no entry points at this record", "yellow"))
    rp = doc.get("recovery_point")
    if rp is None:
        console.print(_t(f"Recovery point: not predicted ({doc.get('recovery_point_source')})", "dim"))
    else:
        style = "bold red" if doc.get("beyond_recovery_point") else "green"
        verdict = "BEYOND: a restart's recovery would drop it" if doc.get("beyond_recovery_point") else "within"
        console.print(_t(f"Recovery point {rp} ({doc.get('recovery_point_source')}): {verdict}", style))
    enc = doc.get("body_encoding")
    if enc is None:
        return
    head = f"Body ({enc}, sha256 {doc.get('body_sha256')}{', truncated' if doc.get('body_truncated') else ''})"
    console.print(_t(head, "bold"))
    if enc == "json":
        console.print(_t(json.dumps(doc["body"], ensure_ascii=False, indent=2)))
    elif enc == "hex":
        console.print(_t(_hexdump(doc["body"])))
    else:
        console.print(_t(doc["body"]))


def render_list(console: Console, df: pl.DataFrame, title: str) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for c in df.columns:
        table.add_column(c, overflow="fold")
    for r in df.iter_rows():
        table.add_row(*(_t(v) for v in r))
    console.print(table)
