"""Compiled (numba) kernels for the commitlog's per-record work, with the numpy code as fallback and oracle.

The TOTALSIZE chain is sequential; numpy can only find it by searching every byte for a magic
(``commitlog_decode.find_candidates``: ~5 ms per 16 MiB, most of the scan). A compiled walk visits only the
record headers (~0.5 ms per 16 MiB of 1 KiB records). Same for fields, property values and string columns:
numpy needs a gather per field, several passes over every property byte and an Arrow take per string column;
the compiled decode (``_commitlog_kernels.decode_all``) makes three passes over each block of records, each
touching one region of every record, and writes the string columns as Arrow string-views, which Polars takes
without a copy.

What made the decode kernel fast, on 128 B messages (ns per record, kernel alone): one unaligned load + byte
swap per field instead of numba's byte-at-a-time loads (intrinsics; 260 → 150); prefetching each record's header
and tail lines ahead of use (the chunk is out of the caches by the time it is decoded; → 140); compiling without
numba's reference counting (``_nrt=False``: every inlined helper that took an array paid an atomic incref/decref
pair, several per property entry; → 78–85). bench/README.md has the whole account.

Every kernel here has a numpy twin that stays the reference: tests run both on the lab's real stores and on
mutated records (hypothesis) and require identical results. Which one runs:

* ``RMQINSPECT_JIT=0`` — numpy only; ``=1`` — compiled whenever numba imports;
* default (``auto``) — compiled for scans of at least :data:`AUTO_MIN_BYTES` (the one-off cost of importing
  numba and loading the cached machine code, ~0.4 s, is then under a tenth of the scan), numpy below.

The first run compiles (~2 s) and caches the machine code next to this module (``__pycache__``, numba's
``cache=True``), never in a store.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

import numpy as np

from .commitlog_layout import MIN_RECORD_V4

#: Scans at least this big use the compiled kernels in ``auto`` mode.
AUTO_MIN_BYTES = 256 << 20

#: Chain stop reasons, as the numpy walk names them (index = the kernel's code).
REASONS = ("end", "more", "size", "blank", "zero", "magic")


def wanted(scan_bytes: int) -> bool:
    """Whether a scan of ``scan_bytes`` should use the compiled kernels (and they are available)."""
    mode = os.environ.get("RMQINSPECT_JIT", "auto").strip().lower()
    if mode in ("0", "no", "off", "false", "numpy"):
        return False
    if mode not in ("1", "yes", "on", "true", "numba") and scan_bytes < AUTO_MIN_BYTES:
        return False
    return kernels() is not None


@functools.cache
def kernels() -> Any:
    """The compiled kernels (the ``_commitlog_kernels`` module), or None when numba is not importable."""
    try:
        from . import _commitlog_kernels
    except Exception:  # numba missing or broken: numpy does the work
        return None
    return _commitlog_kernels


_local = threading.local()


def _scratch(name: str, size: int, dtype: type[np.generic] = np.uint8) -> np.ndarray:
    """A per-thread reusable buffer of at least ``size`` elements (kernels write into it, callers copy out what was
    used): fresh multi-MiB outputs per chunk cost an mmap and page faults each time (measured ~8 % of a scan)."""
    bufs = _local.__dict__.setdefault("bufs", {})
    b = bufs.get(name)
    if b is None or len(b) < size:
        b = bufs[name] = np.empty(max(size, 1), dtype=dtype)
    return b


def walk_chain(a: np.ndarray, start: int, n: int, room: int) -> tuple[np.ndarray, np.ndarray, int, str, int, int]:
    """Compiled ``walk_chain``: (starts, sizes, stop, reason, total_size, magic). Requires :func:`kernels`."""
    k = kernels()
    cap = max((n - start) // MIN_RECORD_V4 + 1, 1)
    starts = _scratch("starts", cap, np.int64)
    sizes = _scratch("sizes", cap, np.int64)
    cnt, stop, reason, ts, mg = k.walk(a, start, n, room, starts, sizes)
    return starts[:cnt].copy(), sizes[:cnt].copy(), int(stop), REASONS[reason], int(ts), int(mg)


#: String columns of :func:`decode_records`, in order.
STRING_ROWS = ("topic", "tags", "keys", "uniq_key", "client_uniq_key", "msg_id")
#: Longest msgId (IPv6 store host): 56 hex digits; whole 8-byte words are stored.
_MSGID_ROOM = 56 + 8
#: The property-separator bitmap of one record: PROPERTIES_LENGTH is at most 32767 bytes, plus a sentinel bit.
_BITMAP_WORDS = (32767 + 1) // 64 + 1


def decode_records(a: np.ndarray, R: np.ndarray, sizes: np.ndarray, base: int = 0) -> dict[str, Any] | None:
    """Compiled decode of the records ``a[R[i] : R[i]+sizes[i]]`` (``a`` must have ``commitlog_decode.PAD``
    readable bytes after the last record; ``base``: the commitlog offset of ``a[0]``).

    Returns
    - ``i32`` rows: magic, body_crc, queue_id, flag, sysflag, reconsume_times, topic-length width, size, body_len;
    - ``i64`` rows: queue_offset, stored_phy, born_ts, store_ts, prepared_tx_offset, phy_offset, body_offset
      (both commitlog offsets);
    - ``tmp`` rows (a reused buffer, valid until the next call): body_len, topic start, topic_len,
      properties-length position, prop_len, born host and store host as big-endian u64 address+port keys, body
      offset in ``a``;
    - ``i8`` rows: tran_type, compression_type; ``flags`` rows: compressed, inner_batch, phy_offset_ok;
    - ``counts``: records with an IPv6 born host, with an IPv6 store host, with a timestamp outside Python's
      range; ``length_ok``;
    - the string columns of :data:`STRING_ROWS` as Arrow string-views: ``views`` (a row per column, 16 bytes per
      record), ``heaps`` (their long strings, a buffer per column), ``valid``, ``ascii`` (per column);
      client_uniq_key only where a record holds several UNIQ_KEYs (elsewhere it is uniq_key);
    - ``crc`` ((start, length) of ``__CRC32#`` values, start -1 where absent) and ``uniq_count`` (UNIQ_KEY
      entries per record).

    None when the strings could not be addressed by Arrow's 32-bit view offsets (a chunk of over ~1.2 GiB, i.e.
    a giant record): the caller decodes with numpy then."""
    n = len(R)
    R = R.astype(np.int64, copy=False)
    sizes = sizes.astype(np.int64, copy=False)
    span = int((R[-1] + sizes[-1]) - R[0]) if n else 0
    # No string is longer than its record, so a column's strings fit in the records' span; msgIds take at most
    # _MSGID_ROOM each; 8 bytes of slack for the word stores.
    if max(span, _MSGID_ROOM * n) + 8 >= 1 << 31:
        return None
    i32o = np.empty((9, n), dtype=np.int32)
    i64o = np.empty((7, n), dtype=np.int64)
    tmp = _scratch("tmp", 8 * n, np.int64)[: 8 * n].reshape(8, n)
    i8o = np.empty((2, n), dtype=np.int8)
    flags = np.empty((3, n), dtype=np.bool_)
    counts = np.zeros(3, dtype=np.int64)
    ok = np.empty(n, dtype=np.bool_)
    views = np.empty((6, 2 * n), dtype=np.uint64)
    heaps = [_scratch(f"heap{c}", span + 8) for c in range(5)] + [_scratch("heap5", _MSGID_ROOM * n + 8)]
    used = np.zeros(6, dtype=np.int64)
    svalid = np.zeros((6, n), dtype=np.bool_)
    ascii_or = np.zeros(6, dtype=np.uint64)
    crc = np.empty((2, n), dtype=np.int64)
    uniq_count = np.empty(n, dtype=np.int64)
    kernels().decode_all(a, R, sizes, base, i32o, i64o, tmp, i8o, flags, counts, ok, views, *heaps, used, svalid,
                         ascii_or, crc, uniq_count, _scratch("bits", _BITMAP_WORDS, np.uint64))
    return {"i32": i32o, "i64": i64o, "tmp": tmp, "i8": i8o, "flags": flags, "counts": counts, "length_ok": ok,
            "views": views, "heaps": [h[:u].copy() for h, u in zip(heaps, used.tolist(), strict=True)],
            "valid": svalid, "ascii": (ascii_or & 0x8080808080808080) == 0, "crc": crc, "uniq_count": uniq_count}


def body_crcs(a: np.ndarray, offs: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """``zlib.crc32`` of each ``a[offs[i] : offs[i]+lens[i]]``, from one compiled loop: the system zlib's
    ``crc32`` called directly (2.1 GB/s on 1 KiB bodies here, vs 0.9 GB/s through Python calls), or a slice-by-8
    kernel (1.25 GB/s) when libz cannot be loaded."""
    out = np.empty(len(offs), dtype=np.int64)
    offs = offs.astype(np.int64, copy=False)
    lens = lens.astype(np.int64, copy=False)
    z = _libz_crcs()
    if z is not None:
        z(a.ctypes.data, offs, lens, out)
    else:
        kernels().body_crcs(a, offs, lens, out)
    return out


@functools.cache
def _libz_crcs() -> Any:
    """A compiled loop calling libz's ``crc32(crc, buf, len)`` per body, or None. Not cached on disk (numba
    cannot cache a foreign function pointer): compiled once per process, ~0.25 s, only for CRC-verified scans."""
    import ctypes
    import ctypes.util

    try:
        import numba

        lib = ctypes.CDLL(ctypes.util.find_library("z") or "libz.so.1")
        # the buffer address is passed as an integer (same register as a pointer in the C ABI)
        zcrc = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_ulong, ctypes.c_size_t, ctypes.c_uint)(("crc32", lib))
    except Exception:  # no numba or no libz: the slice-by-8 kernel
        return None

    @numba.njit(nogil=True)
    def crcs(base, offs, lens, out):  # type: ignore[no-untyped-def]
        for i in range(len(offs)):
            out[i] = zcrc(0, base + offs[i], lens[i])

    return crcs
