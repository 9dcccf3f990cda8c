"""Message properties (spec §3.8): ``name 0x01 value 0x02 …`` decoded for many records at once.

Semantics follow ``MessageDecoder.string2messageProperties`` at 5.x/HEAD (checked in apache/rocketmq):
split on 0x02; a segment shorter than 3 is skipped; the name ends at the *first* 0x01 at or after the segment
start, which must leave a non-empty name and a non-empty value inside the segment, else the segment is
skipped (a value may itself contain 0x01). Repeated names: the Java map keeps the *last*; the
``properties`` column keeps every entry in stored order, and the lookups here (tags, keys, …) take the last.
Differences: Java counts the "≥ 3" in UTF-16 chars, we count bytes (only differs for 1–2 char segments of
non-ASCII text, which carry no real property); 4.4.0 also dropped segments containing a second 0x01.

The property blocks of a chunk are first cut out into one contiguous buffer (Arrow ``take``); separators are
then found with numpy over property bytes only, and strings are cut out again by ``take`` over a zero-copy
view of that buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .commitlog_layout import NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True, slots=True)
class Entries:
    """Property entries of many records; positions index the buffer given to :func:`split_entries`."""

    rec: np.ndarray  # int64 record index of each entry
    key_start: np.ndarray
    key_len: np.ndarray
    val_start: np.ndarray
    val_len: np.ndarray
    n_records: int
    key8: np.ndarray | None = None  # first ≤ 8 name bytes as a big-endian u64, zero-filled past the name


def split_entries(a: np.ndarray, offs: np.ndarray) -> Entries:
    """Entries of property blocks laid end to end in ``a``: block i is ``a[offs[i] : offs[i+1]]``.

    Blocks are contiguous (one Arrow take cuts them out of a chunk), so the separator search touches only
    property bytes, never bodies.
    """
    n = len(offs) - 1
    z = np.zeros(0, np.int64)
    if n <= 0 or offs[-1] == offs[0]:
        return Entries(z, z, z, z, z, max(n, 0))
    lo, hi = int(offs[0]), int(offs[-1])
    window = a[lo:hi]
    sep2 = np.flatnonzero(window == PROPERTY_SEPARATOR) + lo
    ends = offs[1:].astype(np.int64, copy=False)
    # Segment boundaries: every 0x02 plus every block end, merged in order (an end sorts before a 0x02 at the
    # same position, which belongs to the next block). A boundary after a 0x02 skips that byte.
    ins = np.searchsorted(sep2, ends, side="left")
    bound = np.insert(sep2, ins, ends)
    skip = np.insert(np.ones(len(sep2), np.int64), ins, 0)
    seg_e = bound
    seg_s = np.empty_like(bound)
    seg_s[0] = lo
    seg_s[1:] = bound[:-1] + skip[:-1]
    keep = (seg_e - seg_s) >= 3
    seg_s, seg_e = seg_s[keep], seg_e[keep]
    sep1 = np.flatnonzero(window == NAME_VALUE_SEPARATOR) + lo
    if len(sep1) == 0 or len(seg_s) == 0:
        return Entries(z, z, z, z, z, n)
    k = np.searchsorted(sep1, seg_s)
    kv = sep1[np.minimum(k, len(sep1) - 1)]
    ok = (k < len(sep1)) & (kv > seg_s) & (kv < seg_e - 1)
    seg_s, seg_e, kv = seg_s[ok], seg_e[ok], kv[ok]
    rec = np.searchsorted(offs, seg_s, side="right") - 1
    klen = kv - seg_s
    key8 = _gather_u8x8(a, seg_s)
    short = klen < 8
    key8[short] &= ~(np.uint64(0xFFFFFFFFFFFFFFFF) >> (8 * klen[short]).astype(np.uint64))
    return Entries(rec, seg_s, klen, kv + 1, seg_e - kv - 1, n, key8)


def key_mask(a: np.ndarray, e: Entries, name: str) -> np.ndarray:
    """Entries whose name is exactly ``name``: length check, then one 8-byte gather per entry compared under a
    mask (names longer than 8 bytes compare the rest byte by byte on the few survivors)."""
    nb = name.encode()
    m = e.key_len == len(nb)
    idx = np.flatnonzero(m)
    if len(idx) == 0:
        return m
    head = int.from_bytes(nb[:8].ljust(8, b"\0"), "big")
    got = e.key8[idx] if e.key8 is not None else _gather_u8x8(a, e.key_start[idx])
    if e.key8 is None and len(nb) < 8:
        got = got & ~(np.uint64(0xFFFFFFFFFFFFFFFF) >> np.uint64(8 * len(nb)))
    idx = idx[got == np.uint64(head)]
    for j in range(8, len(nb)):
        if len(idx) == 0:
            break
        idx = idx[a[e.key_start[idx] + j] == nb[j]]
    out = np.zeros(len(e.rec), dtype=bool)
    out[idx] = True
    return out


def _gather_u8x8(a: np.ndarray, offs: np.ndarray) -> np.ndarray:
    """Big-endian u64 of the 8 bytes at each offset (bytes past ``a``'s end read as zero)."""
    pad = np.zeros(len(a) + 8, dtype=np.uint8)
    pad[: len(a)] = a
    v = np.ndarray((len(a),), dtype=np.dtype((np.void, 8)), buffer=pad, offset=0, strides=(1,))
    return v[offs].view(">u8").astype(np.uint64)


def lookup(a: np.ndarray, e: Entries, name: str, *, first: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each record, (has, value_start, value_len) of the last (or ``first``) entry named ``name``."""
    m = np.flatnonzero(key_mask(a, e, name))
    if first:
        m = m[::-1]
    has = np.zeros(e.n_records, dtype=bool)
    vs = np.zeros(e.n_records, dtype=np.int64)
    vl = np.zeros(e.n_records, dtype=np.int64)
    if len(m):
        r = e.rec[m]
        # Fancy assignment with repeated indices keeps the last write (entries are in stored order).
        has[r] = True
        vs[r] = e.val_start[m]
        vl[r] = e.val_len[m]
    return has, vs, vl


def segments(buf: pa.Buffer, starts: np.ndarray, lens: np.ndarray, *, utf8: bool = True) -> pa.Array:
    """Cut sorted, non-overlapping byte ranges out of ``buf`` as an Arrow ``large_string`` array.

    Zero-copy view with interleaved (segment, gap) elements, then one C++ ``take`` of the segments. Invalid
    UTF-8 is replaced by U+FFFD per element, as Java's ``new String(bytes, UTF_8)`` does.
    """
    import pyarrow as pa

    n = len(starts)
    starts = starts.astype(np.int64, copy=False)
    ends = starts + lens.astype(np.int64, copy=False)
    offs = np.empty(2 * n + 1, dtype=np.int64)
    offs[0 : 2 * n : 2] = starts
    offs[1 : 2 * n : 2] = ends
    offs[2 * n] = ends[-1] if n else 0
    if n and np.any(np.diff(offs) < 0):
        raise ValueError("segments must be sorted and non-overlapping")
    view = pa.LargeBinaryArray.from_buffers(pa.large_binary(), 2 * n, [None, pa.py_buffer(offs), buf])
    taken = view.take(pa.array(np.arange(0, 2 * n, 2, dtype=np.int64)))
    return to_utf8(taken) if utf8 else taken


def contiguous(arr: pa.Array) -> tuple[pa.Buffer, np.ndarray, np.ndarray]:
    """(data buffer, bytes as uint8, offsets int64 (n+1)) of a freshly taken ``large_binary`` array."""
    bufs = arr.buffers()
    offs = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = bufs[2] if bufs[2] is not None else __import__("pyarrow").py_buffer(b"")
    return data, np.frombuffer(data, dtype=np.uint8), offs


def to_utf8(arr: pa.Array) -> pa.Array:
    import pyarrow as pa

    try:
        return arr.cast(pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(
            [None if v is None else v.decode("utf-8", "replace") for v in arr.to_pylist()], pa.large_string()
        )


def properties_column(buf: pa.Buffer, a: np.ndarray, e: Entries) -> pa.Array:
    """``List[Struct{key: str, value: str}]`` per record, entries in stored order."""
    import pyarrow as pa

    counts = np.bincount(e.rec, minlength=e.n_records) if len(e.rec) else np.zeros(e.n_records, np.int64)
    list_offs = np.zeros(e.n_records + 1, dtype=np.int32)
    np.cumsum(counts, out=list_offs[1:])
    m = len(e.rec)
    if m:
        # One zero-copy view whose elements alternate key, separator, value, gap; take keys and values from it.
        offs = np.empty(4 * m + 1, dtype=np.int64)
        offs[0:-1:4] = e.key_start
        offs[1:-1:4] = e.key_start + e.key_len
        offs[2:-1:4] = e.val_start
        offs[3:-1:4] = e.val_start + e.val_len
        offs[-1] = offs[-2]
        view = pa.LargeBinaryArray.from_buffers(pa.large_binary(), 4 * m, [None, pa.py_buffer(offs), buf])
        keys = to_utf8(view.take(pa.array(np.arange(0, 4 * m, 4, dtype=np.int64))))
        vals = to_utf8(view.take(pa.array(np.arange(2, 4 * m, 4, dtype=np.int64))))
    else:
        keys = vals = pa.array([], pa.large_string())
    struct = pa.StructArray.from_arrays([keys, vals], names=["key", "value"])
    return pa.ListArray.from_arrays(pa.array(list_offs), struct)


def parse_properties(raw: bytes) -> dict[str, str]:
    """One record's properties as the broker's map (last value wins); for ``read_record``."""
    a = np.frombuffer(raw, dtype=np.uint8)
    e = split_entries(a, np.array([0, len(raw)]))
    out: dict[str, str] = {}
    for ks, kl, vs, vl in zip(e.key_start, e.key_len, e.val_start, e.val_len, strict=True):
        out[raw[ks : ks + kl].decode("utf-8", "replace")] = raw[vs : vs + vl].decode("utf-8", "replace")
    return out


def parse_crc32_property(value: str) -> int | None:
    """5.2.0+ ``__CRC32#``: 10 decimal digits, least-significant first (``MessageDecoder.createCrc32``)."""
    if len(value) != 10 or not value.isdigit():
        return None
    return int(value[::-1])
