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

from dataclasses import dataclass, field
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
    key4: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))  # first ≤ 4 name bytes, BE u32


def split_entries(a: np.ndarray, offs: np.ndarray) -> Entries:
    """Entries of property blocks laid end to end in ``a``: block i is ``a[offs[i] : offs[i+1]]``.

    Blocks are contiguous (one Arrow take cuts them out of a chunk), so the separator search touches only
    property bytes, never bodies. Fast path for well-formed blocks (separators alternate 0x01, 0x02 and every
    non-empty block ends with 0x02: what brokers write); anything else takes the general path.
    """
    n = len(offs) - 1
    z = np.zeros(0, np.int64)
    if n <= 0 or offs[-1] == offs[0]:
        return Entries(z, z, z, z, z, max(n, 0))
    offs = offs.astype(np.int64, copy=False)
    lo, hi = int(offs[0]), int(offs[-1])
    window = a[lo:hi]
    sep = np.flatnonzero(window < 3) + lo  # 0x00 never occurs in well-formed text; it sends us to the general path
    kinds = a[sep]
    fast = _split_fast(a, offs, sep, kinds)
    if fast is not None:
        return fast
    return _split_general(a, offs, sep[kinds == PROPERTY_SEPARATOR], sep[kinds == NAME_VALUE_SEPARATOR])


def _split_fast(a: np.ndarray, offs: np.ndarray, sep: np.ndarray, kinds: np.ndarray) -> Entries | None:
    n = len(offs) - 1
    if len(sep) % 2 or not len(sep):
        return None
    kv, se = sep[0::2], sep[1::2]
    if not ((kinds[0::2] == NAME_VALUE_SEPARATOR).all() and (kinds[1::2] == PROPERTY_SEPARATOR).all()):
        return None
    # every non-empty block must end right after one of the 0x02 (so no entry spans two blocks)
    ends, starts = offs[1:], offs[:-1]
    nonempty = ends > starts
    k = np.searchsorted(se, ends[nonempty] - 1)
    if (k >= len(se)).any() or (se[k] != ends[nonempty] - 1).any():
        return None
    ks = np.empty_like(kv)
    ks[0] = offs[0]
    ks[1:] = se[:-1] + 1
    counts = np.diff(np.concatenate([[0], np.searchsorted(se, ends, side="left")]))
    rec = np.repeat(np.arange(n, dtype=np.int64), counts)
    keep = ((se - ks) >= 3) & (kv > ks) & (kv < se - 1)  # the broker's filters (see module docstring)
    if not keep.all():
        ks, kv, se, rec = ks[keep], kv[keep], se[keep], rec[keep]
    return _entries(a, rec, ks, kv, se, n)


def _split_general(a: np.ndarray, offs: np.ndarray, sep2: np.ndarray, sep1: np.ndarray) -> Entries:
    n = len(offs) - 1
    z = np.zeros(0, np.int64)
    lo = int(offs[0])
    ends = offs[1:]
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
    if len(sep1) == 0 or len(seg_s) == 0:
        return Entries(z, z, z, z, z, n)
    k = np.searchsorted(sep1, seg_s)
    kv = sep1[np.minimum(k, len(sep1) - 1)]
    ok = (k < len(sep1)) & (kv > seg_s) & (kv < seg_e - 1)
    seg_s, seg_e, kv = seg_s[ok], seg_e[ok], kv[ok]
    rec = np.searchsorted(offs, seg_s, side="right") - 1
    return _entries(a, rec, seg_s, kv, seg_e, n)


def _entries(a: np.ndarray, rec: np.ndarray, ks: np.ndarray, kv: np.ndarray, se: np.ndarray, n: int) -> Entries:
    klen = kv - ks
    # First 4 name bytes as a u32, zeroed past the name. A 4-byte read at ks can pass the buffer's end only
    # for an entry in the last 3 bytes; those few are read through a small zero-padded copy of the tail.
    key4 = np.zeros(len(ks), dtype=np.uint32)
    inside = ks + 4 <= len(a)
    if inside.any():
        view = np.ndarray((len(a) - 3,), dtype=np.dtype((np.void, 4)), buffer=a, offset=0, strides=(1,))
        key4[inside] = view[ks[inside]].view(">u4").astype(np.uint32)
    if not inside.all():
        tail = np.zeros(8, dtype=np.uint8)
        t0 = max(len(a) - 4, 0)
        tail[: len(a) - t0] = a[t0:]
        for i in np.flatnonzero(~inside).tolist():
            j = int(ks[i]) - t0
            key4[i] = int.from_bytes(bytes(tail[j : j + 4]), "big")
    short = klen < 4
    if short.any():
        key4[short] &= ~(np.uint32(0xFFFFFFFF) >> (8 * klen[short]).astype(np.uint32))
    return Entries(rec, ks, klen, kv + 1, se - kv - 1, n, key4)


def key_mask(a: np.ndarray, e: Entries, name: str) -> np.ndarray:
    """Entries whose name is exactly ``name``: length check, first 4 bytes as one u32 compare, then the rest
    byte by byte on the few survivors."""
    nb = name.encode()
    idx = np.flatnonzero(e.key_len == len(nb))
    head = int.from_bytes(nb[:4].ljust(4, b"\0"), "big")
    if len(idx):
        idx = idx[e.key4[idx] == np.uint32(head)]
    for j in range(4, len(nb)):
        if len(idx) == 0:
            break
        idx = idx[a[e.key_start[idx] + j] == nb[j]]
    out = np.zeros(len(e.rec), dtype=bool)
    out[idx] = True
    return out


def lookup(
    a: np.ndarray, e: Entries, name: str, *, first: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


@dataclass(frozen=True, slots=True)
class Values:
    """Where property ``name`` has a value, per record (positions index the entries' buffer)."""

    has: np.ndarray  # bool per record
    start: np.ndarray  # value start of the last entry (the broker's map keeps the last)
    length: np.ndarray
    first_start: np.ndarray  # … of the first entry (differs only where the name repeats)
    first_length: np.ndarray
    count: np.ndarray  # entries with this name per record


def values_from_entries(a: np.ndarray, e: Entries, name: str) -> Values:
    """:class:`Values` of property ``name`` per record, from split entries (one name match for all four)."""
    m = np.flatnonzero(key_mask(a, e, name))
    n = e.n_records
    has = np.zeros(n, dtype=bool)
    vs, vl, fs, fl = (np.zeros(n, dtype=np.int64) for _ in range(4))
    r = e.rec[m]
    has[r] = True
    vs[r], vl[r] = e.val_start[m], e.val_len[m]  # repeated indices: the last write wins
    fs[r[::-1]], fl[r[::-1]] = e.val_start[m][::-1], e.val_len[m][::-1]
    return Values(has, vs, vl, fs, fl, np.bincount(r, minlength=n))


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


def parse_entries(raw: bytes) -> list[tuple[str, str]]:
    """One record's property entries in stored order (same rules as :func:`split_entries`, in plain Python:
    for a single record that is ~50x cheaper than numpy's per-call overhead)."""
    out: list[tuple[str, str]] = []
    for seg in raw.split(b"\x02"):
        if len(seg) < 3:
            continue
        kv = seg.find(b"\x01")
        if 0 < kv < len(seg) - 1:
            out.append((seg[:kv].decode("utf-8", "replace"), seg[kv + 1 :].decode("utf-8", "replace")))
    return out


def parse_properties(raw: bytes) -> dict[str, str]:
    """One record's properties as the broker's map (last value wins); for ``read_record``."""
    return dict(parse_entries(raw))


def parse_crc32_property(value: str) -> int | None:
    """5.2.0+ ``__CRC32#``: 10 decimal digits, least-significant first (``MessageDecoder.createCrc32``)."""
    if len(value) != 10 or not value.isdigit():
        return None
    return int(value[::-1])
