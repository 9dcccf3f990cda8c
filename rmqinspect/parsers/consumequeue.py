"""Consume queues: ``ROOT/consumequeue/<topic>/<queueId>/<20-digit>`` (and the 5.x batch / ext variants).

Layouts (spec store-format.md §5; ``ConsumeQueue.java``, ``BatchConsumeQueue.java``, ``ConsumeQueueExt.java``
@ 4.4.0 … 5.3.3):

* **CQ unit, 20 bytes** (all versions): i64 commitlog offset, i32 record size, i64 tag code.
* **Batch CQ unit, 46 bytes** (5.0.0+, topics with ``queue.type=BatchCQ``): the above + i64 store timestamp,
  i64 msgBaseOffset, i16 batchSize, i32 compactedOffset, 4 reserved bytes.
* File names are the *byte* offset of the file's first unit in the queue, so the queue offset of unit *i* of
  file *F* is ``F / unit_size + i``.

Validity is the broker's (``ConsumeQueue.recover``): a unit is valid while ``phy_offset >= 0 && size > 0``;
the first invalid unit ends the queue, even if non-zero bytes follow (they are reported, not returned).
Units with ``size == 0x7FFFFFFF`` are *pre-blank fillers* written by ``fillPreBlank`` when a queue starts at an
offset > 0; they are valid to the broker but point at no message (``filler`` column).

Frame schema (:data:`CQ_SCHEMA`, stable; same names in ``--json`` and exports)::

    topic: Categorical, queue_id: Int32, queue_offset: Int64, phy_offset: Int64, size: Int32, tags_code: Int64,
    filler: Boolean, file: Categorical

``topic`` and ``file`` are Categorical because they repeat for every unit: building millions of equal strings
cost more than decoding the units (measured: 0.3 s per 15 M rows vs ~0 for categories). Compare them with
string literals freely; cast to ``Utf8`` before joining with string columns of other frames.

Batch CQ frames add ``store_ts: Int64 (ms), msg_base_offset: Int64, batch_size: Int16``.

Decoding is one ``numpy.frombuffer`` per file with a big-endian structured dtype; no per-unit Python.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..findings import Finding
from . import fileio

if TYPE_CHECKING:
    import polars as pl

# --- layouts (one place) -------------------------------------------------------------------------------------

#: ConsumeQueue.CQ_STORE_UNIT_SIZE = 20 (ConsumeQueue.java @ 4.4.0, HEAD)
CQ_UNIT = np.dtype([("phy_offset", ">i8"), ("size", ">i4"), ("tags_code", ">i8")])
#: BatchConsumeQueue.CQ_STORE_UNIT_SIZE = 46 (BatchConsumeQueue.java @ 5.0.0, HEAD)
BCQ_UNIT = np.dtype(
    [
        ("phy_offset", ">i8"),
        ("size", ">i4"),
        ("tags_code", ">i8"),
        ("store_ts", ">i8"),
        ("msg_base_offset", ">i8"),
        ("batch_size", ">i2"),
        ("compacted_offset", ">i4"),
        ("reserved", ">i4"),
    ]
)
assert CQ_UNIT.itemsize == 20 and BCQ_UNIT.itemsize == 46

#: ``fillPreBlank`` unit size (Integer.MAX_VALUE): a placeholder before the queue's first real unit.
FILLER_SIZE = 0x7FFFFFFF
#: Default ``mappedFileSizeConsumeQueue`` = 300000 * 20 (MessageStoreConfig @ 4.4.0, HEAD).
DEFAULT_CQ_FILE_SIZE = 300_000 * 20
#: Default ``mapperFileSizeBatchConsumeQueue`` = 300000 * 46.
DEFAULT_BCQ_FILE_SIZE = 300_000 * 46
#: Tag codes ≤ this are consumequeue_ext addresses (ConsumeQueueExt.isExtAddr: ``address <= MAX_ADDRESS``).
EXT_ADDR_MAX = -2_147_483_649

CQ_DIR = "consumequeue"
BCQ_DIR = "batchconsumequeue"
CQ_EXT_DIR = "consumequeue_ext"

#: Files in ``consumequeue/`` that belong to the 5.2+ RocksDB consume-queue store (spec §5.7).
ROCKSDB_MARKERS = ("CURRENT", "IDENTITY", "LOCK", "OPTIONS-", "MANIFEST-")


def cq_schema(batch: bool = False) -> dict[str, pl.DataType]:
    import polars as pl

    s: dict[str, pl.DataType] = {
        "topic": pl.Categorical(),
        "queue_id": pl.Int32(),
        "queue_offset": pl.Int64(),
        "phy_offset": pl.Int64(),
        "size": pl.Int32(),
        "tags_code": pl.Int64(),
        "filler": pl.Boolean(),
        "file": pl.Categorical(),
    }
    if batch:
        s |= {"store_ts": pl.Int64(), "msg_base_offset": pl.Int64(), "batch_size": pl.Int16()}
    return s


# --- decoding (pure: bytes in, arrays out) --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecodedUnits:
    """Units of one file up to the broker's end (``n_valid``), as native-endian numpy columns."""

    columns: dict[str, np.ndarray]
    n_valid: int  # units before the first invalid one
    n_total: int  # whole units in the buffer
    trailing_nonzero: int  # index (in units) of the first non-zero unit after the end, or -1
    partial_bytes: int  # bytes of a trailing partial unit (file length not a multiple of the unit)


def decode_units(buf: bytes | bytearray | memoryview, *, batch: bool = False) -> DecodedUnits:
    """Decode whole units of ``buf``; stop where the broker's recovery stops (``offset < 0 || size <= 0``)."""
    dt = BCQ_UNIT if batch else CQ_UNIT
    n_total = len(buf) // dt.itemsize
    partial = len(buf) - n_total * dt.itemsize
    arr = np.frombuffer(buf, dtype=dt, count=n_total)
    size = arr["size"]
    phy = arr["phy_offset"]
    bad = np.flatnonzero((size <= 0) | (phy < 0))
    n_valid = int(bad[0]) if bad.size else n_total
    trailing = -1
    if n_valid < n_total:
        raw = np.frombuffer(buf, dtype=np.uint8, count=n_total * dt.itemsize)[n_valid * dt.itemsize :]
        nz = np.flatnonzero(raw)
        if nz.size:
            trailing = n_valid + int(nz[0]) // dt.itemsize
    v = arr[:n_valid]
    cols = {
        "phy_offset": v["phy_offset"].astype(np.int64),
        "size": v["size"].astype(np.int32),
        "tags_code": v["tags_code"].astype(np.int64),
    }
    if batch:
        cols["store_ts"] = v["store_ts"].astype(np.int64)
        cols["msg_base_offset"] = v["msg_base_offset"].astype(np.int64)
        cols["batch_size"] = v["batch_size"].astype(np.int16)
    return DecodedUnits(cols, n_valid, n_total, trailing, partial)


# --- directory walking ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueDir:
    topic: str
    queue_id: int
    path: Path


def iter_queue_dirs(root: Path, sub: str = CQ_DIR, findings: list[Finding] | None = None) -> Iterator[QueueDir]:
    """``<root>/<sub>/<topic>/<queueId>`` directories, sorted; odd entries become findings, not errors.

    Topic names come from directory names (untrusted: render them via ``render.safe``).
    """
    base = root / sub
    try:
        topics = sorted(os.scandir(base), key=lambda e: e.name)
    except OSError:
        return
    for t in topics:
        if not t.is_dir(follow_symlinks=False):
            continue  # RocksDB CQ files sit here in 5.2+ RocksDB mode: see storefiles.detect_layout
        try:
            qdirs = sorted(os.scandir(t.path), key=lambda e: e.name)
        except OSError as e:
            if findings is not None:
                findings.append(Finding("warning", "cq_unreadable", f"{sub}/{t.name}", None, str(e)))
            continue
        for q in qdirs:
            if q.is_dir(follow_symlinks=False) and q.name.isdigit():
                yield QueueDir(t.name, int(q.name), Path(q.path))
            elif findings is not None:
                findings.append(
                    Finding("warning", "cq_layout", f"{sub}/{t.name}/{q.name}", None, "unexpected entry in topic dir")
                )


class _Scratch:
    """One reusable read buffer: CQ files are read whole, and a fresh buffer per file costs a page fault per 4 KiB
    (measured: half the time of a warm-cache read). Decoded columns are copies, so reuse is safe."""

    def __init__(self) -> None:
        self.buf = np.empty(0, dtype=np.uint8)
        self.tail = np.empty(0, dtype=np.uint8)
        self.arena = _Arena()

    def _ensure(self, size: int) -> None:
        if len(self.buf) < size:
            self.buf = np.empty(max(size, 0), dtype=np.uint8)

    def read(self, path: Path, size: int) -> np.ndarray:
        self._ensure(size)
        with fileio.open_ro(path) as fd:
            got = fileio.read_into(fd, memoryview(self.buf)[: max(size, 0)], 0)
        return self.buf[:got]

    def read_cq(self, path: Path, size: int, unit: int, batch: bool) -> tuple[DecodedUnits, int]:
        """``decode_units`` of the file's first ``size`` bytes, and the byte count read, skipping holes.

        Consume-queue files are created sparse (``setLength``) and are mostly unwritten: the holes after the
        queue's end read as zeros by definition, so only the data extents the kernel reports
        (``SEEK_DATA``/``SEEK_HOLE``) are read. Anything unusual (no hole support, a short read, a file that
        changed under us, a valid unit past the first extent) falls back to reading the whole file.
        """
        size = max(size, 0)
        with fileio.open_ro(path) as fd:
            d = self._read_sparse(fd, size, unit, batch)
            if d is not None:
                return d
            self._ensure(size)
            got = fileio.read_into(fd, memoryview(self.buf)[:size], 0)
        return decode_units(self.buf[:got], batch=batch), got

    def _read_sparse(self, fd: int, size: int, unit: int, batch: bool) -> tuple[DecodedUnits, int] | None:
        try:
            length = min(size, os.fstat(fd).st_size)
            extents = _data_extents(fd, length)
        except OSError:
            return None
        n_total = length // unit
        body = n_total * unit
        prefix = extents[0][1] if extents and extents[0][0] == 0 else 0
        if prefix >= body:
            return None  # (almost) no holes: the plain whole-file read is as cheap
        # units starting inside the first extent, plus one more that (a hole following) must be invalid
        head = min(body, (-(-prefix // unit) + 1) * unit)
        self._ensure(head)
        got = fileio.read_into(fd, memoryview(self.buf)[:head], 0)
        if got != head:
            return None
        dt = BCQ_UNIT if batch else CQ_UNIT
        arr = np.frombuffer(self.buf, dtype=dt, count=head // unit)
        take = self.arena.take
        cols = {"phy_offset": take(np.int64, len(arr)), "size": take(np.int32, len(arr))}
        for k, col in cols.items():
            np.copyto(col, arr[k])  # big-endian -> native; comparing native copies is twice as fast
        bad = np.flatnonzero((cols["size"] <= 0) | (cols["phy_offset"] < 0))
        if not bad.size:
            return None
        n_valid = int(bad[0])
        trailing = -1
        start = n_valid * unit
        nz = np.flatnonzero(self.buf[start:head])
        if nz.size:
            trailing = n_valid + int(nz[0]) // unit
        else:
            for s, e in extents:
                s, e = max(s, head), min(e, body)
                if s >= e:
                    continue
                hit = self._first_nonzero(fd, s, e)
                if hit is None:
                    return None
                if hit >= 0:
                    trailing = hit // unit
                    break
        v = arr[:n_valid]
        cols = {"phy_offset": cols["phy_offset"][:n_valid], "size": cols["size"][:n_valid]}
        more = {"tags_code": np.int64}
        if batch:
            more |= {"store_ts": np.int64, "msg_base_offset": np.int64, "batch_size": np.int16}
        for k, typ in more.items():
            cols[k] = take(typ, n_valid)
            np.copyto(cols[k], v[k])
        return DecodedUnits(cols, n_valid, n_total, trailing, length - body), length

    def _first_nonzero(self, fd: int, start: int, end: int, chunk: int = 4 << 20) -> int | None:
        """File offset of the first non-zero byte in ``[start, end)``, -1 if all zero, None on a short read."""
        if len(self.tail) < chunk:
            self.tail = np.empty(chunk, dtype=np.uint8)
        pos = start
        while pos < end:
            n = min(chunk, end - pos)
            got = fileio.read_into(fd, memoryview(self.tail)[:n], pos)
            if got != n:
                return None
            nz = np.flatnonzero(self.tail[:n])
            if nz.size:
                return pos + int(nz[0])
            pos += n
        return -1


class _Arena:
    """Output columns carved from a few large arrays instead of one small allocation per file and column.

    Fresh small arrays cost a page fault per 4 KiB as they are filled (measured: most of the decode time);
    numpy asks for transparent huge pages on allocations of 4 MiB and more. Slices are handed out once and
    never written again, so frames may share (zero-copy) the blocks they came from.
    """

    BLOCK_BYTES = 8 << 20

    def __init__(self) -> None:
        self.blocks: dict[np.dtype, tuple[np.ndarray, int]] = {}
        self.iota = np.arange(0, dtype=np.int64)

    def take(self, dtype: type[np.generic] | np.dtype, n: int) -> np.ndarray:
        dt = np.dtype(dtype)
        block, used = self.blocks.get(dt, (None, 0))
        if block is None or used + n > len(block):
            block, used = np.empty(max(n, self.BLOCK_BYTES // dt.itemsize), dtype=dt), 0
        self.blocks[dt] = (block, used + n)
        return block[used : used + n]

    def full(self, dtype: type[np.generic], n: int, value: int) -> np.ndarray:
        out = self.take(dtype, n)
        out.fill(value)
        return out

    def arange(self, start: int, n: int) -> np.ndarray:
        if len(self.iota) < n:
            self.iota = np.arange(max(n, 1 << 16), dtype=np.int64)
        return np.add(self.iota[:n], start, out=self.take(np.int64, n))

    def equal(self, a: np.ndarray, value: int) -> np.ndarray:
        return np.equal(a, value, out=self.take(np.bool_, len(a)))


def _data_extents(fd: int, length: int) -> list[tuple[int, int]]:
    """``[(start, end)]`` of the data regions of ``[0, length)`` (bytes outside them read as zeros).

    Without hole support the kernel reports the whole file as data (one extent)."""
    out: list[tuple[int, int]] = []
    seek_data, seek_hole = getattr(os, "SEEK_DATA", None), getattr(os, "SEEK_HOLE", None)
    if seek_data is None or seek_hole is None:
        return [(0, length)] if length else []
    off = 0
    while off < length:
        try:
            s = os.lseek(fd, off, seek_data)
        except OSError as e:
            if e.errno == errno.ENXIO:  # no data after off
                break
            raise
        if s >= length:
            break
        e = min(os.lseek(fd, s, seek_hole), length)
        out.append((s, e))
        off = e
    return out

def read_queue(
    qd: QueueDir,
    root: Path,
    *,
    batch: bool = False,
    findings: list[Finding] | None = None,
    files_out: list[fileio.MappedFile] | None = None,
    scratch: _Scratch | None = None,
    parts_out: list[tuple[Path, str, int, int]] | None = None,
    each: Callable[[pl.DataFrame], None] | None = None,
) -> pl.DataFrame:
    """All units of one queue as a CQ frame, up to where the broker's ``ConsumeQueue.recover`` stops.

    Files are walked in name order; the queue ends at the first invalid unit, and units in later files are
    *not* returned (the broker truncates them) but reported as ``cq_gap``. ``findings`` also receives the
    directory listing's findings (names, sizes, gaps), partial units, and non-zero data after the end.
    ``files_out`` collects the queue's files (for cross-queue size checks); ``parts_out`` gets one
    ``(path, rel, first queue offset, units)`` per file the frame's rows come from, in row order (so the rows can
    be read again later, a block at a time: ``parsers.cq_stream``). ``each``: called with each file's frame
    instead of returning them all (memory bounded by one file; the return value is then empty).
    """
    import polars as pl

    scratch = scratch or _Scratch()
    unit = (BCQ_UNIT if batch else CQ_UNIT).itemsize
    out: list[pl.DataFrame] = []
    files = fileio.list_mapped_files(qd.path, check_prefix="bcq" if batch else "cq", rel_root=root)
    if findings is not None:
        findings.extend(files.findings)
    if files_out is not None:
        files_out.extend(files)
    ended_at: str | None = None
    for mf in files:
        rel = mf.rel
        try:
            d, nbytes = scratch.read_cq(mf.path, mf.size, unit, batch)
        except OSError as e:
            if findings is not None:
                findings.append(Finding("error", "cq_unreadable", rel, None, str(e)))
            continue
        if findings is not None:
            if d.partial_bytes:
                findings.append(
                    Finding("warning", "cq_partial_unit", rel, d.n_total * unit,
                            f"file length {nbytes} is not a multiple of {unit}")
                )
            if d.trailing_nonzero >= 0:
                findings.append(
                    Finding("warning", "cq_data_after_end", rel, d.trailing_nonzero * unit,
                            f"non-zero units after the queue's end at unit {d.n_valid} "
                            "(the broker ignores them)")
                )
            if ended_at is not None and d.n_valid:
                findings.append(
                    Finding("error", "cq_gap", rel, 0,
                            f"units follow a queue that already ended in {ended_at} "
                            "(the broker stops at the first invalid unit)")
                )
        if ended_at is not None or d.n_valid == 0:
            ended_at = ended_at or rel
            continue  # the broker's recovery stops at the first invalid unit: later files are not the queue
        if d.n_valid < d.n_total or d.partial_bytes:
            ended_at = rel
        base = mf.offset // unit
        cols = d.columns
        if parts_out is not None:
            parts_out.append((mf.path, rel, base, d.n_valid))
        frame = {
            "topic": pl.Series([qd.topic], dtype=pl.Categorical).new_from_index(0, d.n_valid),
            "queue_id": scratch.arena.full(np.int32, d.n_valid, qd.queue_id),
            "queue_offset": scratch.arena.arange(base, d.n_valid),
            "phy_offset": cols["phy_offset"],
            "size": cols["size"],
            "tags_code": cols["tags_code"],
            "filler": scratch.arena.equal(cols["size"], FILLER_SIZE),
            "file": pl.Series([rel], dtype=pl.Categorical).new_from_index(0, d.n_valid),
        }
        if batch:
            frame |= {k: cols[k] for k in ("store_ts", "msg_base_offset", "batch_size")}
        # Series already of the schema's dtypes (numpy int32/int64/bool, Categorical): half the cost of a
        # dict + schema per file
        df = pl.DataFrame([v.alias(k) if isinstance(v, pl.Series) else pl.Series(k, v) for k, v in frame.items()])
        if each is not None:
            each(df)
        else:
            out.append(df)
    if not out:
        return pl.DataFrame(schema=cq_schema(batch))
    return pl.concat(out, rechunk=False)


def read_consumequeues(
    root: Path,
    *,
    batch: bool = False,
    findings: list[Finding] | None = None,
    progress: Callable[[int, int], None] | None = None,
    files_out: list[fileio.MappedFile] | None = None,
) -> pl.DataFrame:
    """Every queue under ``ROOT/consumequeue`` (or ``batchconsumequeue`` with ``batch=True``) in one frame.

    ``progress(done_queues, total_queues)`` is called after each queue.
    """
    import polars as pl

    sub = BCQ_DIR if batch else CQ_DIR
    scratch = _Scratch()
    frames = []
    queues = list(iter_queue_dirs(root, sub, findings))
    for i, qd in enumerate(queues, 1):
        f = read_queue(qd, root, batch=batch, findings=findings, files_out=files_out, scratch=scratch)
        if f.height:
            frames.append(f)
        if progress is not None:
            progress(i, len(queues))
    if not frames:
        return pl.DataFrame(schema=cq_schema(batch))
    return pl.concat(frames, rechunk=False)


def queue_ranges(cq: pl.DataFrame) -> pl.DataFrame:
    """Per queue: ``topic (Utf8), queue_id, min_offset, max_offset, units, fillers, max_phy_end``.

    ``min_offset`` is the first real (non-filler) unit; ``max_offset`` is one past the last unit (the broker's
    ``getMaxOffsetInQueue``). ``max_phy_end`` is ``phy_offset + size`` of the last real unit (5.x
    ``maxPhysicOffset``).
    """
    import polars as pl

    real = ~pl.col("filler")
    return (
        cq.with_columns(pl.col("topic").cast(pl.Utf8))
        .group_by("topic", "queue_id", maintain_order=True)
        .agg(
            pl.col("queue_offset").filter(real).min().alias("min_offset"),
            (pl.col("queue_offset").max() + 1).alias("max_offset"),
            pl.len().alias("units"),
            pl.col("filler").sum().cast(pl.Int64).alias("fillers"),
            (pl.col("phy_offset") + pl.col("size").cast(pl.Int64)).filter(real).max().alias("max_phy_end"),
        )
        .sort("topic", "queue_id")
    )


# --- consumequeue_ext (enableConsumeQueueExt=true; rare) ----------------------------------------------------

#: ConsumeQueueExt.CqExtUnit header: i16 size, i64 tagsCode, i64 msgStoreTime, i16 bitMapSize (then the bitmap).
CQ_EXT_HEAD = np.dtype([("size", ">i2"), ("tags_code", ">i8"), ("store_ts", ">i8"), ("bitmap_size", ">i2")])
CQ_EXT_END = -1  # ConsumeQueueExt.END_BLANK_DATA_LENGTH marker: i16 -1 at the write position


def cq_ext_schema() -> dict[str, pl.DataType]:
    """``topic, queue_id, address, tags_code, store_ts, bitmap_size, file``; ``address`` is the value a CQ unit's
    tag code holds for this ext unit (``file offset + Long.MIN_VALUE``, spec §5.5)."""
    import polars as pl

    return {"topic": pl.Utf8(), "queue_id": pl.Int32(), "address": pl.Int64(), "tags_code": pl.Int64(),
            "store_ts": pl.Int64(), "bitmap_size": pl.Int16(), "file": pl.Utf8()}


def decode_ext_units(buf: bytes | memoryview | np.ndarray) -> tuple[list[tuple[int, int, int, int]], int | None]:
    """Walk variable-length ext units: ``[(position, tags_code, store_ts, bitmap_size)]`` and the position where
    the walk stopped on damage (None: clean end at the -1 marker, zeros, or the file end).

    A per-unit loop: ext units chain by their size field, and the feature is off by default (rarely seen)."""
    b = bytes(buf)
    head = CQ_EXT_HEAD.itemsize
    out: list[tuple[int, int, int, int]] = []
    pos = 0
    while pos + 2 <= len(b):
        size = int.from_bytes(b[pos : pos + 2], "big", signed=True)
        if size in (CQ_EXT_END, 0):
            return out, None
        if size < head or pos + size > len(b):
            return out, pos
        u = np.frombuffer(b, dtype=CQ_EXT_HEAD, count=1, offset=pos)[0]
        if int(u["bitmap_size"]) != size - head:
            return out, pos
        out.append((pos, int(u["tags_code"]), int(u["store_ts"]), int(u["bitmap_size"])))
        pos += size
    return out, None


def read_cq_ext(root: Path, findings: list[Finding] | None = None) -> pl.DataFrame:
    """Every ``consumequeue_ext/<topic>/<queueId>`` file's units (see :func:`decode_ext_units`)."""
    import polars as pl

    rows = []
    scratch = _Scratch()
    for qd in iter_queue_dirs(root, CQ_EXT_DIR, findings):
        files = fileio.list_mapped_files(qd.path, check_prefix="cq_ext", rel_root=root)
        if findings is not None:
            findings.extend(files.findings)
        for mf in files:
            try:
                units, bad = decode_ext_units(scratch.read(mf.path, mf.size))
            except OSError as e:
                if findings is not None:
                    findings.append(Finding("error", "cq_ext_unreadable", mf.rel, None, str(e)))
                continue
            if bad is not None and findings is not None:
                findings.append(Finding("error", "cq_ext_unit", mf.rel, bad, "ext unit size/bitmap size inconsistent"))
            rows += [(qd.topic, qd.queue_id, mf.offset + p - (1 << 63), t, s, n, mf.rel) for p, t, s, n in units]
    return pl.DataFrame(rows, schema=cq_ext_schema(), orient="row")
