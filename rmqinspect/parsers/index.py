"""Index files: ``ROOT/index/<yyyyMMddHHmmssSSS>`` — the broker's hash index from ``topic#key`` to commitlog offset.

Layout (spec store-format.md §6; ``IndexFile.java``, ``IndexHeader.java`` @ 4.4.0, 4.7.1, 5.3.3, HEAD)::

    header (40 B)   i64 beginTimestamp, i64 endTimestamp, i64 beginPhyOffset, i64 endPhyOffset,
                    i32 hashSlotCount, i32 indexCount (next free entry; entry 0 is never used)
    slots           hashSlotNum × i32: the newest entry number whose key hashes there (0 = empty)
    entries (20 B)  i32 keyHash, i64 phyOffset, i32 timeDiff (s since beginTimestamp), i32 prevIndex

File size = 40 + 4·hashSlotNum + 20·indexNum (defaults 5 000 000 / 20 000 000 → 420 000 040 bytes). The file does
not record its geometry; :func:`geometry` derives it (explicit values > defaults > the 1:4 default ratio).

**Headers and crashes.** The header's setters write straight into the mapped file (``IndexHeader.incIndexCount``
/ ``setEndTimestamp`` call ``byteBuffer.put*`` @ 4.4.0, 4.9.7, 5.3.3), so after ``kill -9`` the on-disk header is
current (seen in the lab's 4.9.7 and 5.3.3 crash copies). Spec §6.2's "stale or zero header of the active file"
needs lost page cache (power loss, OS crash) since the last msync. :func:`open_index_file` therefore does not
trust ``indexCount``: entries are appended from 1 upward, so the used ones are a prefix, and a binary search over
20-byte preads finds the first all-zero entry; a header that disagrees becomes a finding.

**Lookup** (:func:`lookup`) follows ``IndexFile.selectPhyOffset`` exactly: ``keyHash = abs(jhash(topic#key))``
(``Integer.MIN_VALUE`` → 0), ``slot = keyHash % hashSlotNum``, walk ``prevIndex`` from the slot, keep entries
whose keyHash matches and whose ``beginTimestamp + timeDiff*1000`` lies in [begin, end]; stop at prevIndex ≤ 0,
> indexCount, == the current entry, or time < begin. Files are searched newest first, as ``IndexService.queryOffset``
does. Hash collisions are possible: callers verify each hit against the commitlog record (its KEYS / UNIQ_KEY).
``strict=True`` uses the on-disk header's indexCount, as a broker reloading this file would; the default uses
the entry count found on disk, so keys in an unflushed active file are found too.

Single lookups pread only the slot and the chain entries (≈ a few KiB), never the whole file.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..findings import Finding
from . import fileio

if TYPE_CHECKING:
    import polars as pl

# --- layouts -------------------------------------------------------------------------------------------------

INDEX_HEADER = np.dtype(
    [
        ("begin_ts", ">i8"),
        ("end_ts", ">i8"),
        ("begin_phy_offset", ">i8"),
        ("end_phy_offset", ">i8"),
        ("hash_slot_count", ">i4"),
        ("index_count", ">i4"),
    ]
)
INDEX_ENTRY = np.dtype([("key_hash", ">i4"), ("phy_offset", ">i8"), ("time_diff", ">i4"), ("prev_index", ">i4")])
SLOT = np.dtype(">i4")
_ENTRY = struct.Struct(">iqii")  # INDEX_ENTRY, for single-entry reads on the lookup path
HEADER_SIZE = INDEX_HEADER.itemsize  # IndexHeader.INDEX_HEADER_SIZE = 40
ENTRY_SIZE = INDEX_ENTRY.itemsize  # IndexFile.indexSize = 20
SLOT_SIZE = SLOT.itemsize  # IndexFile.hashSlotSize = 4
assert HEADER_SIZE == 40 and ENTRY_SIZE == 20

DEFAULT_HASH_SLOT_NUM = 5_000_000  # MessageStoreConfig.maxHashSlotNum
DEFAULT_INDEX_NUM = 20_000_000  # MessageStoreConfig.maxIndexNum
INDEX_DIR = "index"
#: UtilAll.timeMillisToHumanString: yyyyMMddHHmmssSSS in the broker's local zone.
NAME_RE = re.compile(r"^\d{17}$")
_I32_MASK = 0xFFFFFFFF


def index_schema() -> dict[str, pl.DataType]:
    """Entry frame columns: ``file (Categorical), entry_no, key_hash, phy_offset, time_diff, prev_index, store_ts``.

    ``store_ts`` (ms) is ``beginTimestamp + timeDiff*1000`` (second resolution), null when the header's
    beginTimestamp is 0 (never flushed).
    """
    import polars as pl

    return {
        "file": pl.Categorical(),
        "entry_no": pl.Int32(),
        "key_hash": pl.Int32(),
        "phy_offset": pl.Int64(),
        "time_diff": pl.Int32(),
        "prev_index": pl.Int32(),
        "store_ts": pl.Int64(),
    }


# --- hashing (Java semantics) --------------------------------------------------------------------------------


def java_string_hash(s: str) -> int:
    """Java ``String.hashCode()`` over UTF-16 code units, as a signed 32-bit int."""
    h = 0
    data = s.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & _I32_MASK
    return h - (1 << 32) if h & 0x80000000 else h


def index_key_hash(key: str) -> int:
    """``IndexFile.indexKeyHashMethod``: ``abs(hashCode)``, with ``abs(Integer.MIN_VALUE)`` (negative) → 0."""
    h = abs(java_string_hash(key))
    return 0 if h > 0x7FFFFFFF else h


def build_key(topic: str, key: str) -> str:
    """``IndexService.buildKey``: ``topic + "#" + key``."""
    return f"{topic}#{key}"


# --- geometry and header ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Geometry:
    hash_slot_num: int
    index_num: int

    @property
    def entries_at(self) -> int:
        return HEADER_SIZE + self.hash_slot_num * SLOT_SIZE

    @property
    def file_size(self) -> int:
        return self.entries_at + self.index_num * ENTRY_SIZE


def geometry(file_size: int, hash_slot_num: int | None = None, index_num: int | None = None) -> Geometry | None:
    """The (hashSlotNum, indexNum) that explain ``file_size``; ``None`` if nothing does.

    Order: both given; one given (solve for the other); the defaults; the default 1:4 ratio.
    """
    body = file_size - HEADER_SIZE
    if hash_slot_num and index_num:
        g = Geometry(hash_slot_num, index_num)
        return g if g.file_size == file_size else None
    if hash_slot_num:
        rest = body - hash_slot_num * SLOT_SIZE
        return Geometry(hash_slot_num, rest // ENTRY_SIZE) if rest > 0 and rest % ENTRY_SIZE == 0 else None
    if index_num:
        rest = body - index_num * ENTRY_SIZE
        return Geometry(rest // SLOT_SIZE, index_num) if rest > 0 and rest % SLOT_SIZE == 0 else None
    d = Geometry(DEFAULT_HASH_SLOT_NUM, DEFAULT_INDEX_NUM)
    if d.file_size == file_size:
        return d
    if body > 0 and body % 84 == 0:  # 4 + 4*20 bytes per slot at the default ratio indexNum = 4*hashSlotNum
        return Geometry(body // 84, 4 * (body // 84))
    return None


@dataclass(frozen=True, slots=True)
class IndexHeader:
    begin_ts: int
    end_ts: int
    begin_phy_offset: int
    end_phy_offset: int
    hash_slot_count: int
    index_count: int

    @classmethod
    def from_bytes(cls, b: bytes) -> IndexHeader:
        h = np.frombuffer(b, dtype=INDEX_HEADER, count=1)[0]
        return cls(*(int(h[n]) for n in INDEX_HEADER.names or ()))


@dataclass(frozen=True, slots=True)
class IndexFileInfo:
    """One index file: its header as on disk, geometry, and the entry count found on disk."""

    file: str  # name relative to the store root, e.g. ``index/20240101120000000``
    path: Path
    size: int
    header: IndexHeader | None
    geometry: Geometry | None
    used_entries: int  # entries 1..used_entries hold data (found by scanning, not from the header)

    @property
    def effective_count(self) -> int:
        """indexCount to use for chains: the larger of the header's and the one found on disk."""
        hc = self.header.index_count if self.header else 0
        return max(hc, self.used_entries + 1)


# --- I/O helpers (read-only; short reads tolerated) ----------------------------------------------------------


def _pread(fd: int, n: int, off: int) -> bytes:
    return fileio.pread_exact(fd, n, off)


def _entry_is_zero(fd: int, g: Geometry, i: int) -> bool:
    b = _pread(fd, ENTRY_SIZE, g.entries_at + i * ENTRY_SIZE)
    return len(b) < ENTRY_SIZE or not any(b)


def _count_used(fd: int, g: Geometry) -> int:
    """Number of used entries (1..n non-zero), by binary search: entries are appended, so used ones are a prefix."""
    if g.index_num <= 1 or _entry_is_zero(fd, g, 1):
        return 0
    lo, hi = 1, g.index_num - 1  # invariant: entry lo is used; entries > hi are free
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _entry_is_zero(fd, g, mid):
            hi = mid - 1
        else:
            lo = mid
    return lo


def list_index_files(root: Path, findings: list[Finding] | None = None) -> list[Path]:
    """Index files in name (= creation time) order; files with other names become findings."""
    d = root / INDEX_DIR
    try:
        entries = sorted(os.scandir(d), key=lambda e: e.name)
    except OSError:
        return []
    out = []
    for e in entries:
        if not e.is_file(follow_symlinks=False):
            continue
        if NAME_RE.match(e.name):
            out.append(Path(e.path))
        elif findings is not None:
            findings.append(Finding("warning", "index_name", f"{INDEX_DIR}/{e.name}", None,
                                    "not a yyyyMMddHHmmssSSS index file name"))
    return out


def open_index_file(
    path: Path,
    *,
    rel: str | None = None,
    hash_slot_num: int | None = None,
    index_num: int | None = None,
    findings: list[Finding] | None = None,
) -> IndexFileInfo:
    """Header, geometry and used-entry count of one file, reading only a few hundred bytes."""
    rel = rel or f"{INDEX_DIR}/{path.name}"
    with fileio.open_ro(path) as fd:
        size = os.fstat(fd).st_size
        head = _pread(fd, HEADER_SIZE, 0)
        header = IndexHeader.from_bytes(head) if len(head) == HEADER_SIZE else None
        g = geometry(size, hash_slot_num, index_num)
        used = _count_used(fd, g) if g else 0
    if findings is not None:
        if header is None:
            findings.append(Finding("error", "index_truncated", rel, 0, f"file is {size} bytes, shorter than a header"))
        if g is None and header is not None:
            findings.append(Finding("warning", "index_geometry", rel, None,
                                    f"size {size} fits neither the default nor a 1:4 slot/entry geometry; "
                                    "pass maxHashSlotNum/maxIndexNum"))
        if header is not None and g is not None and header.index_count != used + 1:
            stale = header.index_count in (0, 1) or header.index_count < used + 1
            findings.append(Finding("info" if stale else "warning", "index_header_stale", rel, 36,
                                    f"header indexCount {header.index_count}, entries on disk {used} "
                                    "(header not on disk: page cache lost since the last flush?)"))
    return IndexFileInfo(rel, path, size, header, g, used)


def read_index_entries(info: IndexFileInfo) -> pl.DataFrame:
    """All used entries of one file as an entry frame: one read of the entry region into a numpy buffer (no
    slot table, no ``bytes`` copies), one big-endian → native conversion per column."""
    import polars as pl

    g = info.geometry
    n = info.used_entries
    if g is None or n <= 0:
        return pl.DataFrame(schema=index_schema())
    buf = np.empty(n * ENTRY_SIZE, dtype=np.uint8)
    with fileio.open_ro(info.path) as fd:
        got = fileio.read_into(fd, memoryview(buf), g.entries_at + ENTRY_SIZE)
    n = got // ENTRY_SIZE
    return _entries_frame(info, np.frombuffer(buf, dtype=INDEX_ENTRY, count=n), np.arange(1, n + 1, dtype=np.int32))


def _entries_frame(info: IndexFileInfo, arr: np.ndarray, entry_nos: np.ndarray) -> pl.DataFrame:
    """The entry frame of raw ``INDEX_ENTRY`` rows ``arr`` numbered ``entry_nos``; ``store_ts`` from the header's
    beginTimestamp + timeDiff seconds (null without a header time)."""
    import polars as pl

    n = len(arr)
    begin = info.header.begin_ts if info.header else 0
    df = pl.DataFrame(
        {
            "file": pl.Series([info.file], dtype=pl.Categorical).new_from_index(0, n),
            "entry_no": entry_nos.astype(np.int32),
            "key_hash": arr["key_hash"].astype(np.int32),
            "phy_offset": arr["phy_offset"].astype(np.int64),
            "time_diff": arr["time_diff"].astype(np.int32),
            "prev_index": arr["prev_index"].astype(np.int32),
        }
    )
    ts = pl.lit(None, dtype=pl.Int64) if begin <= 0 else pl.lit(begin) + pl.col("time_diff").cast(pl.Int64) * 1000
    return df.with_columns(ts.alias("store_ts")).cast(index_schema())  # type: ignore[arg-type]


def read_index_entries_at(info: IndexFileInfo, entry_nos: np.ndarray) -> pl.DataFrame:
    """Entries ``entry_nos`` (1-based, ascending, ≤ ``used_entries``) of one file, as :func:`read_index_entries`
    rows: one small read each (a sample of a big file without reading it all). Short reads end the list."""
    import polars as pl

    g = info.geometry
    if g is None or not len(entry_nos):
        return pl.DataFrame(schema=index_schema())
    raw = bytearray()
    got_nos = []
    with fileio.open_ro(info.path) as fd:
        for no in entry_nos.tolist():
            b = _pread(fd, ENTRY_SIZE, g.entries_at + int(no) * ENTRY_SIZE)
            if len(b) < ENTRY_SIZE:
                break
            raw += b
            got_nos.append(no)
    arr = np.frombuffer(bytes(raw), dtype=INDEX_ENTRY, count=len(got_nos))
    return _entries_frame(info, arr, np.asarray(got_nos, dtype=np.int32))


def read_index(
    root: Path,
    *,
    hash_slot_num: int | None = None,
    index_num: int | None = None,
    findings: list[Finding] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[IndexFileInfo], pl.DataFrame]:
    """Every index file's info and all their entries (one frame, file order then entry order).

    ``progress(done_files, total_files)`` is called after each file."""
    import polars as pl

    infos: list[IndexFileInfo] = []
    frames = []
    paths = list_index_files(root, findings)
    for i, p in enumerate(paths, 1):
        try:
            info = open_index_file(p, hash_slot_num=hash_slot_num, index_num=index_num, findings=findings)
        except OSError as e:
            if findings is not None:
                findings.append(Finding("error", "index_unreadable", f"{INDEX_DIR}/{p.name}", None, str(e)))
            continue
        infos.append(info)
        frames.append(read_index_entries(info))
        if progress is not None:
            progress(i, len(paths))
    entries = pl.concat(frames, rechunk=False) if frames else pl.DataFrame(schema=index_schema())
    return infos, entries


# --- lookup --------------------------------------------------------------------------------------------------

class IndexReader:
    """Index files opened once for many lookups (headers, geometry, entry counts cached).

    ``with IndexReader(root) as r: r.lookup(topic, key)`` — same semantics as :func:`lookup`. Files up to
    ``cache_bytes`` are read into memory once (small lab/test geometries: a lookup then costs no syscalls);
    bigger ones (the default 420 MB) keep an fd and pread only the slot and the chain entries.
    """

    def __init__(self, index_dir: Path, *, hash_slot_num: int | None = None, index_num: int | None = None,
                 cache_bytes: int = 16 << 20) -> None:
        d = Path(index_dir)
        root = d.parent if d.name == INDEX_DIR else d
        self._fds: list[int] = []
        self._files: list[tuple[str, Callable[[int, int], bytes], Geometry, IndexHeader, int]] = []  # newest first
        for p in reversed(list_index_files(root)):
            try:
                fd = fileio._open_fd(p)
            except OSError:
                continue
            size = os.fstat(fd).st_size
            g = geometry(size, hash_slot_num, index_num)
            head = _pread(fd, HEADER_SIZE, 0)
            if g is None or len(head) < HEADER_SIZE:
                os.close(fd)
                continue
            used = _count_used(fd, g)
            if size <= cache_bytes:
                data = _pread(fd, size, 0)
                os.close(fd)
                get: Callable[[int, int], bytes] = lambda off, n, data=data: data[off : off + n]  # noqa: E731
            else:
                self._fds.append(fd)
                get = lambda off, n, fd=fd: _pread(fd, n, off)  # noqa: E731
            self._files.append((f"{INDEX_DIR}/{p.name}", get, g, IndexHeader.from_bytes(head), used))

    def close(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []
        self._files = []

    def __enter__(self) -> IndexReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lookup(
        self,
        topic: str,
        key: str,
        *,
        begin_ms: int = 0,
        end_ms: int = (1 << 63) - 1,
        max_hits: int | None = None,
        strict: bool = False,
    ) -> pl.DataFrame:
        """Hits as a frame ``file, entry_no, phy_offset, store_ts`` (see :func:`lookup`)."""
        import polars as pl

        return pl.DataFrame(
            self.hits(topic, key, begin_ms=begin_ms, end_ms=end_ms, max_hits=max_hits, strict=strict),
            schema={"file": pl.Utf8, "entry_no": pl.Int32, "phy_offset": pl.Int64, "store_ts": pl.Int64},
            orient="row",
        )

    def hits(
        self,
        topic: str,
        key: str,
        *,
        begin_ms: int = 0,
        end_ms: int = (1 << 63) - 1,
        max_hits: int | None = None,
        strict: bool = False,
    ) -> list[tuple[str, int, int, int | None]]:
        """Hits as ``(file, entry_no, phy_offset, store_ts)`` tuples, newest file first (no frame: bulk use)."""
        kh = index_key_hash(build_key(topic, key))
        rows: list[tuple[str, int, int, int | None]] = []
        for rel, get, g, h, used in self._files:
            if max_hits is not None and len(rows) >= max_hits:
                break
            if h.begin_ts > 0 and h.end_ts > 0 and not _time_matched(h, begin_ms, end_ms):
                continue
            count = h.index_count if strict else max(h.index_count, used + 1)
            try:
                rows.extend(_select(get, g, h, kh, count, begin_ms, end_ms, rel, max_hits, len(rows)))
            except OSError:
                continue
            if 0 < h.begin_ts < begin_ms:
                break  # IndexService.queryOffset: older files cannot match
        return rows


def lookup(
    index_dir: Path,
    topic: str,
    key: str,
    *,
    begin_ms: int = 0,
    end_ms: int = (1 << 63) - 1,
    max_hits: int | None = None,
    strict: bool = False,
    hash_slot_num: int | None = None,
    index_num: int | None = None,
) -> pl.DataFrame:
    """Candidate commitlog offsets for ``key`` (a KEYS item or a UNIQ_KEY) in ``topic``, newest file first.

    ``index_dir`` is ``ROOT/index`` (or ROOT itself). Returns columns ``file, entry_no, phy_offset, store_ts``
    (``store_ts`` ms at second resolution, null if the header was never flushed). Hits only match the key's
    hash: verify each against the record. See the module docstring for the exact broker semantics. For many
    lookups use :class:`IndexReader`.
    """
    with IndexReader(index_dir, hash_slot_num=hash_slot_num, index_num=index_num) as r:
        return r.lookup(topic, key, begin_ms=begin_ms, end_ms=end_ms, max_hits=max_hits, strict=strict)


def _time_matched(h: IndexHeader, begin: int, end: int) -> bool:
    """``IndexFile.isTimeMatched``."""
    return (
        (begin < h.begin_ts and end > h.end_ts)
        or (h.begin_ts <= begin <= h.end_ts)
        or (h.begin_ts <= end <= h.end_ts)
    )


def _select(
    get: Callable[[int, int], bytes], g: Geometry, h: IndexHeader, kh: int, count: int, begin: int, end: int,
    rel: str, max_hits: int | None, have: int,
) -> list[tuple[str, int, int, int | None]]:
    """``IndexFile.selectPhyOffset`` over ``get(offset, n)`` reads; bounded by ``count`` steps so a corrupt
    cycle cannot hang."""
    slot_b = get(HEADER_SIZE + (kh % g.hash_slot_num) * SLOT_SIZE, SLOT_SIZE)
    if len(slot_b) < SLOT_SIZE:
        return []
    cur = int.from_bytes(slot_b, "big", signed=True)
    out: list[tuple[str, int, int, int | None]] = []
    if cur <= 0 or cur > count or count <= 1:
        return out
    for _ in range(min(count, g.index_num)):
        if max_hits is not None and have + len(out) >= max_hits:
            break
        b = get(g.entries_at + cur * ENTRY_SIZE, ENTRY_SIZE)
        if len(b) < ENTRY_SIZE:
            break
        key_hash, phy, td, prev = _ENTRY.unpack(b)
        if td < 0:
            break
        t = h.begin_ts + td * 1000
        timed = h.begin_ts > 0  # an unflushed header has no time base: do not filter on time
        ok_time = (begin <= t <= end) if timed else True
        if key_hash == kh and ok_time:
            out.append((rel, cur, phy, t if timed else None))
        if prev <= 0 or prev > count or prev == cur or (timed and t < begin):
            break
        cur = prev
    return out
