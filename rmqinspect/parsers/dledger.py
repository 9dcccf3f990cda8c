"""DLedger commitlog (``enableDLegerCommitLog=true``, 4.5+): entries that wrap commitlog records → the messages frame.

Layout (spec §3.11, checked on real 4.9.7 and 5.3.3 brokers by ``tests/lab/test_dledger.py``): files with 20-digit
names in ``ROOT/dledger-<selfId>/data`` (**not** ``<group>-<selfId>`` as the spec had it: the real brokers write
``dledger-n0``; ``storefiles.detect_layout`` accepts any ``*-*`` directory holding ``data/``), each a chain of
entries::

    i32 magic = 1 | i32 size = 48 + bodyLen | i64 index | i64 term | i64 pos | i32 channel | i32 chainCrc
    | i32 bodyCrc | i32 bodyLen | body = one commitlog record (or a batch of them)

ended by a filler (magic ``-1``) or zeros. ``pos`` is the entry's global offset (file name + position), and the
wrapped record's PHYSICALOFFSET is ``pos + 48`` — the offset consume queues and offset msgIds use, so the frame's
``phy_offset`` is that too and every commitlog check applies unchanged. The 4.9.7/5.3.3 brokers leave
``chainCrc`` and ``bodyCrc`` 0 (DLedger computes neither), so body integrity comes from the wrapped record's own
BODYCRC.

Findings: ``dledger_magic`` (damage where an entry should start: the chain stops), ``dledger_size`` (absurd
entry size or an entry running past the file), ``dledger_pos`` (``pos`` ≠ real offset: stale bytes),
``dledger_index`` (raft index not consecutive), ``dledger_body`` (bodyLen ≠ size − 48, or the wrapped records do
not fill the body), ``dledger_data_after_end`` (non-zero bytes after the end of the chain). Files are read with
``pread`` in chunks (bounded memory, no SIGBUS), read-only.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..findings import Finding
from . import commitlog_decode as dec
from . import fileio
from .commitlog import DEFAULT_CHUNK

if TYPE_CHECKING:
    import polars as pl

    from .commitlog import CommitLogIter, CommitLogScan

ENTRY_HEAD = struct.Struct(">iiqqqiiii")  # magic, size, index, term, pos, channel, chainCrc, bodyCrc, bodyLen
HEADER = 48  # DLedgerEntry.BODY_OFFSET
MAGIC = 1
FILLER = -1
MAX_FINDINGS = 20


#: Why an entry walk stopped (index = the compiled walk's code).
REASONS = ("end", "more", "size", "filler", "zero", "magic")


@dataclass
class _Walk:
    starts: np.ndarray  # chunk-relative entry starts
    sizes: np.ndarray
    stop: int  # chunk-relative position where the walk stopped
    reason: str  # "more" (next entry not in the chunk), "end" (file end), "filler", "zero", "magic", "size"


class DLedgerIter:
    """Message frames of the wrapped records, chunk by chunk; ``result()`` once exhausted (as ``CommitLogIter``)."""

    def __init__(self, data_dir: Path, *, verify_crc: bool = False, progress: Callable[[int, int], None] | None = None,
                 chunk_bytes: int = DEFAULT_CHUNK, properties: bool = True, skip: Iterable[str] = ()) -> None:
        self.dirs = [data_dir]
        root = data_dir.parent.parent
        self.listing = fileio.list_mapped_files([data_dir], check_prefix="dledger_file", rel_root=root)
        self.verify_crc, self.progress, self.properties = verify_crc, progress, properties
        self.skip = frozenset(skip)
        self.chunk = max(int(chunk_bytes), 1 << 16)
        self.findings: list[Finding] = list(self.listing.findings)
        self._counts: dict[str, int] = {}
        self.valid_end: int | None = None
        self._stopped = False
        self._last_index: int | None = None
        self.file_rows: list[dict] = []
        self._gen = self._run()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def __iter__(self) -> Iterator[pl.DataFrame]:
        return self

    def __next__(self) -> pl.DataFrame:
        return next(self._gen)

    def result(self, messages: pl.DataFrame | None = None) -> CommitLogScan:
        import polars as pl

        from .commitlog import CommitLogScan, files_schema, messages_schema

        for _ in self._gen:
            pass
        for check, c in self._counts.items():
            if c > MAX_FINDINGS:
                self.findings.append(Finding("error", check, None, None, f"{c - MAX_FINDINGS} more {check} findings not listed"))
        files = pl.DataFrame(self.file_rows, schema=files_schema())
        msgs = messages if messages is not None else pl.DataFrame(schema=messages_schema())
        return CommitLogScan(msgs, files, self.findings, self.valid_end, self.listing.file_size, self.dirs)

    # --- walking ----------------------------------------------------------------------------------------------
    def _add(self, severity: str, check: str, file: str | None, offset: int | None, detail: str) -> None:
        c = self._counts[check] = self._counts.get(check, 0) + 1
        if c <= MAX_FINDINGS:
            self.findings.append(Finding(severity, check, file, offset, detail))  # type: ignore[arg-type]

    def _stop_at(self, offset: int) -> None:
        if not self._stopped:
            self.valid_end, self._stopped = offset, True

    def _run(self) -> Iterator[pl.DataFrame]:
        total = sum(f.size for f in self.listing.files)
        done = 0
        prev_end: int | None = None
        for mf in self.listing.files:
            if prev_end is not None and mf.offset != prev_end:
                self._stop_at(prev_end)
            yield from self._scan_file(mf)
            prev_end = mf.end
            done += mf.size
            if self.progress:
                self.progress(done, total)
        if prev_end is not None:
            self._stop_at(prev_end)

    def _scan_file(self, mf: fileio.MappedFile) -> Iterator[pl.DataFrame]:

        row = {"file": mf.rel, "start_offset": mf.offset, "size": mf.size, "valid_bytes": None, "records": 0,
               "beyond_end_records": 0, "blank_filler_at": None, "zero_tail_from": None, "data_after_end_at": None,
               "status": "active"}
        self.file_rows.append(row)
        try:
            fd = fileio._open_fd(mf.path)
        except OSError as e:
            self._add("error", "dledger_unreadable", mf.rel, None, str(e))
            row["status"] = "unreadable"
            self._stop_at(mf.offset)
            return
        try:
            size = os.fstat(fd).st_size
            pos = 0
            while pos < size:
                want = min(self.chunk, size - pos)
                buf = bytearray(want + dec.PAD)
                got = fileio.read_into(fd, memoryview(buf)[:want], pos)
                if got < want:
                    self._add("warning", "dledger_read_short", mf.rel, pos + got,
                              f"file ended at {pos + got} while reading (it was {size} bytes): it shrank")
                    size = pos + got
                a = np.frombuffer(buf, dtype=np.uint8)
                w = self._walk(buf, got, size - pos, mf, pos)
                if len(w.starts):
                    frame = self._decode(a, buf, w, mf, pos)
                    row["records"] += frame.height
                    yield frame
                if w.reason == "more":
                    if w.stop == 0:  # one entry larger than the chunk
                        self.chunk = max(self.chunk * 2, int(ENTRY_HEAD.unpack_from(buf, 0)[1]) + HEADER)
                    pos += w.stop
                    continue
                end = pos + w.stop
                if w.reason == "filler":
                    row["blank_filler_at"] = end
                    row["status"] = "full"
                elif w.reason == "zero":
                    row["zero_tail_from"] = end
                    self._stop_at(mf.offset + end)
                    nz = fileio.first_nonzero(fd, end, size)
                    if nz is not None:
                        row["data_after_end_at"] = nz
                        self._add("warning", "dledger_data_after_end", mf.rel, nz,
                                  f"non-zero bytes at {nz} after the end of the entries at {end}")
                elif w.reason in ("magic", "size"):
                    self._stop_at(mf.offset + end)
                    row["status"] = "damaged"
                elif w.reason == "end":
                    pass
                break
            row["valid_bytes"] = (max(self.valid_end - mf.offset, 0) if self._stopped and self.valid_end is not None
                                  and self.valid_end < mf.end else mf.size)
        finally:
            os.close(fd)

    def _walk(self, buf: bytearray, n: int, room: int, mf: fileio.MappedFile, base: int) -> _Walk:
        """The entry chain through ``buf[:n]`` (``room`` = bytes to the file's end), then every header checked
        at once: pos = real offset, consecutive raft index, bodyLen = size − 48."""
        a = np.frombuffer(buf, dtype=np.uint8)
        starts, sizes, stop, reason, magic, size = _chain(a, n, room)
        if reason == "magic":
            self._add("error", "dledger_magic", mf.rel, base + stop,
                      f"entry magic {magic} (expected 1, or -1 for the end-of-file filler): the chain stops here")
        elif reason == "size":
            self._add("error", "dledger_size", mf.rel, base + stop,
                      f"entry size {size} at offset {mf.offset + base + stop}: below "
                      f"{HEADER + dec.MIN_RECORD_V4} or past the file end")
        if len(starts):
            index = dec.gather(a, starts + 8, ">i8").astype(np.int64)
            epos = dec.gather(a, starts + 24, ">i8").astype(np.int64)
            blen = dec.gather(a, starts + 44, ">i4").astype(np.int64)
            here = mf.offset + base + starts
            for i in np.flatnonzero(epos != here)[: MAX_FINDINGS + 1].tolist():
                self._add("error", "dledger_pos", mf.rel, base + int(starts[i]),
                          f"entry pos {int(epos[i])} ≠ its real offset {int(here[i])}: stale bytes from another position")
            prev = np.concatenate([[index[0] - 1 if self._last_index is None else self._last_index], index[:-1]])
            for i in np.flatnonzero(index != prev + 1)[: MAX_FINDINGS + 1].tolist():
                self._add("warning", "dledger_index", mf.rel, base + int(starts[i]),
                          f"raft index {int(index[i])} follows {int(prev[i])} (not consecutive)")
            for i in np.flatnonzero(blen != sizes - HEADER)[: MAX_FINDINGS + 1].tolist():
                self._add("error", "dledger_body", mf.rel, base + int(starts[i]),
                          f"bodyLen {int(blen[i])} ≠ entry size {int(sizes[i])} − 48")
            self._last_index = int(index[-1])
        return _Walk(starts, sizes, stop, reason)

    def _decode(self, a: np.ndarray, buf: bytearray, w: _Walk, mf: fileio.MappedFile, base: int) -> pl.DataFrame:
        """The wrapped records: one per entry (TOTALSIZE = body), batches walked by the commitlog chain."""
        import polars as pl
        import pyarrow as pa

        es, ez = w.starts, w.sizes
        body = es + HEADER
        inner = dec.gather(a, body, ">i4").astype(np.int64)
        magic = dec.gather(a, body + 4, ">i4").astype(np.int64)
        single = (inner == ez - HEADER) & ((magic == dec.MAGIC_V1) | (magic == dec.MAGIC_V2))
        rs, rz = [body[single]], [inner[single]]
        for i in np.flatnonzero(~single).tolist():  # batch bodies (or damage): the inner record chain
            b0, b1 = int(body[i]), int(es[i] + ez[i])
            ch = dec.walk_chain(a, b0, b1, b1)
            if ch.stop != b1 or not len(ch.starts):
                self._add("error", "dledger_body", mf.rel, base + int(es[i]),
                          f"the wrapped commitlog records end at {base + ch.stop}, not at the entry's end "
                          f"{base + b1} ({ch.reason})")
            rs.append(ch.starts)
            rz.append(ch.sizes)
        starts = np.concatenate(rs)
        sizes = np.concatenate(rz)
        order = np.argsort(starts, kind="stable")
        starts, sizes = starts[order], sizes[order]
        d = dec.decode(a, pa.py_buffer(buf), starts, sizes, mf.offset + base, mf.rel, verify_crc=self.verify_crc,
                       properties=self.properties, skip=self.skip)
        frame = d.frame
        phy = mf.offset + base + starts
        for i in np.flatnonzero(~d.length_ok)[:MAX_FINDINGS].tolist():
            self._add("error", "commitlog_length", mf.rel, base + int(starts[i]),
                      f"wrapped record at {int(phy[i])}: {d.length_detail[i] if i < len(d.length_detail) else ''}")
        if d.crc_ok is not None:
            for i in np.flatnonzero(~d.crc_ok & d.length_ok)[:MAX_FINDINGS].tolist():
                self._add("error", "commitlog_crc", mf.rel, base + int(starts[i]),
                          f"wrapped record at {int(phy[i])}: body CRC mismatch")
        for i in np.flatnonzero(~d.phy_ok)[:MAX_FINDINGS].tolist():
            self._add("error", "commitlog_phy_offset", mf.rel, base + int(starts[i]),
                      f"wrapped record's PHYSICALOFFSET is not its position {int(phy[i])} (= entry pos + 48)")
        if self._stopped and self.valid_end is not None:
            beyond = phy >= self.valid_end
            if beyond.any():
                frame = frame.with_columns(pl.Series("beyond_valid_end", beyond))
        return frame


def _chain(a: np.ndarray, n: int, room: int) -> tuple[np.ndarray, np.ndarray, int, str, int, int]:
    """(starts, sizes, stop, reason, magic, size at the stop) of the entry chain through ``a[:n]``: compiled
    when numba is there (``commitlog_jit``), else a Python walk (the headers only)."""
    from . import commitlog_jit

    min_size = HEADER + dec.MIN_RECORD_V4
    k = commitlog_jit.kernels()
    if k is not None:
        cap = n // min_size + 1
        st = np.empty(cap, dtype=np.int64)
        sz = np.empty(cap, dtype=np.int64)
        cnt, stop, code, magic, size = k.walk_dledger(a, n, room, min_size, st, sz)
        return st[:cnt].copy(), sz[:cnt].copy(), int(stop), REASONS[code], int(magic), int(size)
    starts: list[int] = []
    sizes: list[int] = []
    p = 0
    head = struct.Struct(">ii")
    magic = size = 0
    while True:
        if p >= room:
            reason = "end"
            break
        if p + 8 > n:  # a filler needs only 8 bytes: the magic is judged before a whole header is there
            reason = "more" if p + 8 <= room else ("zero" if not a[p:room].any() else "size")
            break
        magic, size = head.unpack_from(a, p)
        if magic != MAGIC:
            reason = "filler" if magic == FILLER else ("zero" if magic == 0 and size == 0 else "magic")
            break
        if p + HEADER > n:
            reason = "more" if p + HEADER <= room else "size"
            break
        if size < min_size or p + size > room:
            reason = "size"
            break
        if p + size > n:
            reason = "more"
            break
        starts.append(p)
        sizes.append(size)
        p += size
    return np.asarray(starts, dtype=np.int64), np.asarray(sizes, dtype=np.int64), p, reason, magic, size


def iter_dledger(data_dir: Path, **kw: object) -> DLedgerIter:
    """:class:`DLedgerIter` over one ``<dledger dir>/data`` directory."""
    return DLedgerIter(data_dir, **kw)  # type: ignore[arg-type]


def scan_dledger(data_dir: Path, **kw: object) -> CommitLogScan:
    """Every wrapped record of a DLedger data directory in one messages frame (a ``CommitLogScan``)."""
    from .commitlog import collect

    return collect(iter_dledger(data_dir, **kw))


def iter_store(root: Path, findings: list[Finding] | None = None, **kw: object) -> DLedgerIter | CommitLogIter:
    """A store's records chunk by chunk: the entries of its (first) DLedger directory when it has one, else
    ``commitlog/`` (``kw``: the iterators' shared options). ``findings`` gets what a DLedger store leaves unread."""
    from .commitlog import iter_commitlog
    from .storefiles import detect_layout

    dl = detect_layout(root).dledger
    if not dl:
        return iter_commitlog(root, **kw)  # type: ignore[arg-type]
    if findings is not None:
        if len(dl) > 1:
            findings.append(Finding("warning", "dledger_many", dl[1], None,
                                    f"several DLedger directories ({', '.join(dl)}): only {dl[0]} is read"))
        try:
            legacy = any(p.name.isdigit() for p in (root / "commitlog").iterdir())
        except OSError:
            legacy = False
        if legacy:
            findings.append(Finding("info", "dledger_legacy_commitlog", "commitlog", None,
                                    "commitlog/ files from before the switch to DLedger are not read (offsets below "
                                    "dividedCommitlogOffset live there)"))
    return iter_dledger(root / dl[0] / "data", **kw)
