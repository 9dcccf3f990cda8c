"""One commitlog record at a time: random access by offset (``read_record``, ``CommitLogReader``) and full
decoding of one record's bytes (``decode_record``), including the body (decompressed on demand), the property
map, the 5.2+ ``__CRC32#`` check and a 5.x inner batch's packed messages. Re-exported by ``commitlog``.

Plain Python per record on purpose: lookups touch one record, where numpy's per-call overhead would dominate.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import NotFoundError, UnusableInputError
from . import commitlog_decode as dec
from . import fileio
from .commitlog_layout import (
    BLANK_MAGIC,
    FLAG_BORNHOST_V6,
    FLAG_INNER_BATCH,
    FLAG_STOREHOST_V6,
    HEAD_DTYPE,
    MAGIC_V1,
    MAGIC_V2,
    MIN_RECORD_V4,
    REL_BODY,
    REL_BODYLEN,
    REL_PREPAREDTXOFFSET,
    REL_RECONSUMETIMES,
    REL_STOREHOST,
    REL_STORETIMESTAMP,
)


class CommitLogReader:
    """Random access to single records (file listing cached; one fd per file, opened per read).

    For many lookups (msgId search, CQ cross-checks) use one reader; :func:`read_record` is the one-shot form.
    """

    def __init__(self, path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> None:
        from .commitlog import resolve_commitlog_dirs

        self.dirs = resolve_commitlog_dirs(path)
        self.listing = fileio.list_mapped_files(
            self.dirs, check_prefix="commitlog_file", rel_root=self.dirs[0].parent
        )

    def read(self, phy_offset: int, *, decompress: bool = True) -> dict[str, Any]:
        """See :func:`read_record`."""
        mf = self.listing.locate(phy_offset)
        if mf is None:
            raise NotFoundError(f"no commitlog file holds offset {phy_offset}")
        pos = phy_offset - mf.offset
        try:
            with fileio.open_ro(mf.path) as fd:
                head = fileio.pread_exact(fd, 8, pos)
                if len(head) < 8:
                    raise NotFoundError(f"offset {phy_offset} is past the end of {mf.rel}")
                total, magic = struct.unpack(">ii", head)
                if magic not in (MAGIC_V1, MAGIC_V2):
                    what = (
                        "an end-of-file filler"
                        if magic == BLANK_MAGIC
                        else f"magic 0x{magic & 0xFFFFFFFF:08X}"
                    )
                    raise NotFoundError(f"no record starts at offset {phy_offset} ({mf.rel}+{pos}: {what})")
                if total < MIN_RECORD_V4 or total > mf.size - pos:
                    raise NotFoundError(f"record at offset {phy_offset} has absurd TOTALSIZE {total}")
                raw = fileio.pread_exact(fd, total, pos)
        except OSError as e:
            raise UnusableInputError(f"{mf.path}: {e}") from None
        return decode_record(raw, phy_offset, mf.rel, decompress=decompress)


def read_record(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    phy_offset: int,
    *,
    decompress: bool = True,
) -> dict[str, Any]:
    """One record at global ``phy_offset``, fully decoded: every field, ``properties`` (dict, last value
    wins), ``raw`` (the record's bytes), ``body`` (decompressed when the sysflag says so and ``decompress``),
    ``body_stored`` (bytes as stored), ``compression`` and ``crc_ok`` (always verified here), ``length_ok``,
    ``phy_offset_ok``, ``inner_messages`` (for a 5.x inner batch: its packed messages, else ``None``) and
    ``problems`` (list of strings; empty when the record is sound).

    Raises ``NotFoundError`` when no commitlog file holds the offset or no record starts there.
    """
    return CommitLogReader(path).read(phy_offset, decompress=decompress)


def decode_record(raw: bytes, phy_offset: int, file: str = "", *, decompress: bool = True) -> dict[str, Any]:
    """Decode one record's bytes (``raw`` starts at the record; see :func:`read_record` for the keys)."""
    import ipaddress
    import zlib
    from datetime import UTC, datetime, timedelta

    from . import msgprops
    from .compression import DecompressError, compression_of
    from .compression import decompress as _decompress
    from .msgid import format_host

    total, magic = struct.unpack_from(">ii", raw, 0)
    problems: list[str] = []
    if len(raw) < total:
        problems.append(f"file ends after {len(raw)} of {total} bytes")
        raw = raw + bytes(total - len(raw))
    h = np.frombuffer(raw, dtype=HEAD_DTYPE, count=1)[0]
    sysflag = int(h["sysflag"])
    bh = 20 if sysflag & FLAG_BORNHOST_V6 else 8
    sh = 20 if sysflag & FLAG_STOREHOST_V6 else 8

    def host(off: int, w: int) -> str:
        alen = w - 4
        ip = str(ipaddress.ip_address(raw[off : off + alen]))
        return format_host(ip, struct.unpack_from(">i", raw, off + alen)[0])

    def ts(ms: int) -> datetime | None:
        if not dec.TS_MIN_MS <= ms <= dec.TS_MAX_MS:
            return None  # garbage from damage: not representable (same rule as the scan's frame)
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)

    exp, why = dec._expected_len(raw[:total], magic)
    length_ok = exp == total
    if not length_ok:
        problems.append(f"length invariant fails: {why}")
    b = REL_BODYLEN + bh + sh
    body_len = struct.unpack_from(">i", raw, b)[0]
    body_stored = raw[b + 4 : b + 4 + max(body_len, 0)] if length_ok else b""
    topic = ""
    entries: list[tuple[str, str]] = []
    props_raw = b""
    if length_ok:
        t = REL_BODY + bh + sh + body_len
        tlw = 2 if magic == MAGIC_V2 else 1
        tl = struct.unpack_from(">h" if tlw == 2 else ">b", raw, t)[0]
        topic = raw[t + tlw : t + tlw + tl].decode("utf-8", "replace")
        p = t + tlw + tl
        plen = struct.unpack_from(">h", raw, p)[0]
        props_raw = raw[p + 2 : p + 2 + plen]
        entries = msgprops.parse_entries(props_raw)
    props = dict(entries)
    crc_ok = body_len <= 0 or (zlib.crc32(body_stored) & 0x7FFFFFFF) == int(h["body_crc"])
    if not crc_ok:
        problems.append("body CRC mismatch")
    stored_phy = int(h["stored_phy_offset"])
    if stored_phy != phy_offset:
        problems.append(f"PHYSICALOFFSET field {stored_phy} ≠ position {phy_offset}")
    body = body_stored
    compression = compression_of(sysflag) if length_ok else None
    if compression and decompress:
        try:
            body, compression = _decompress(body_stored, sysflag)
        except DecompressError as e:
            problems.append(str(e))
    if "__CRC32#" in props:
        stored_pc = msgprops.parse_crc32_property(props["__CRC32#"])
        got_pc = zlib.crc32(raw[: total - 20]) & 0x7FFFFFFF
        if stored_pc != got_pc:
            problems.append(f"__CRC32# property says {stored_pc}, record bytes give {got_pc}")
    inner = None
    if sysflag & FLAG_INNER_BATCH and length_ok:
        inner = _inner_messages(body, problems)
    store_host_off = REL_STOREHOST + bh
    return {
        "file": file,
        "phy_offset": phy_offset,
        "size": total,
        "magic": magic,
        "body_crc": int(h["body_crc"]),
        "crc_ok": crc_ok,
        "queue_id": int(h["queue_id"]),
        "flag": int(h["flag"]),
        "queue_offset": int(h["queue_offset"]),
        "stored_phy_offset": stored_phy,
        "phy_offset_ok": stored_phy == phy_offset,
        "sysflag": sysflag,
        "born_ts": ts(int(h["born_ts"])),
        "born_host": host(48, bh),
        "store_ts": ts(struct.unpack_from(">q", raw, REL_STORETIMESTAMP + bh)[0]),
        "store_host": host(store_host_off, sh),
        "reconsume_times": struct.unpack_from(">i", raw, REL_RECONSUMETIMES + bh + sh)[0],
        "prepared_tx_offset": struct.unpack_from(">q", raw, REL_PREPAREDTXOFFSET + bh + sh)[0],
        "body_len": body_len,
        "topic": topic,
        "properties": props,
        "properties_list": entries,
        "properties_raw": props_raw,
        "tags": props.get("TAGS"),
        "keys": props.get("KEYS"),
        "uniq_key": props.get("UNIQ_KEY"),
        "client_uniq_key": next((v for k, v in entries if k == "UNIQ_KEY"), None),
        "msg_id": (raw[store_host_off : store_host_off + sh] + raw[28:36]).hex().upper(),
        "compression": compression,
        "body_stored": body_stored,
        "body": body,
        "raw": raw[:total],
        "length_ok": length_ok,
        "inner_messages": inner,
        "problems": problems,
    }


def _inner_messages(body: bytes, problems: list[str]) -> list[dict[str, Any]]:
    """An inner-batch body (sysflag 0x80, spec §3.9.5): the client's mini-records
    ``i32 TOTALSIZE, i32 MAGIC, i32 BODYCRC, i32 FLAG, i32 bodyLen, body, i16 propLen, props``."""
    from . import msgprops

    out: list[dict[str, Any]] = []
    pos = 0
    while pos + 20 <= len(body):
        total, _magic, _crc, flag, blen = struct.unpack_from(">iiiii", body, pos)
        end = pos + total
        if total < 22 or end > len(body) or blen < 0 or pos + 20 + blen + 2 > end:
            problems.append(f"inner batch: bad mini-record at body offset {pos} (TOTALSIZE {total})")
            break
        b = body[pos + 20 : pos + 20 + blen]
        plen = struct.unpack_from(">h", body, pos + 20 + blen)[0]
        praw = body[pos + 22 + blen : pos + 22 + blen + max(plen, 0)]
        out.append({"flag": flag, "body": b, "properties": msgprops.parse_properties(praw)})
        pos = end
    if pos != len(body) and not problems:
        problems.append(f"inner batch: {len(body) - pos} trailing bytes")
    return out
