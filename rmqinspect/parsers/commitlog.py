"""CommitLog scanner: every record of ``commitlog/<20-digit>`` files as a Polars frame, plus findings.

Public API (stable; other modules build on it)::

    scan_commitlog(dir, *, verify_crc=False, progress=None, start=None, end=None,
                   chunk_bytes=16 MiB, properties=True, skip=()) -> CommitLogScan
    iter_commitlog(dir, *, …same…) -> CommitLogIter      # yields message frames chunk by chunk; after the
                                                          # loop, .result() gives files/findings/valid_end
    read_record(dir, phy_offset, *, decompress=True) -> dict   # one record, fully decoded, with raw bytes
    CommitLogReader(dir).read(phy_offset)                      # same, listing cached, for many lookups
    decode_record(raw_bytes, phy_offset) -> dict               # same, from bytes you already have
    decode_offset_msg_id / encode_offset_msg_id / decode_uniq_key  (re-exported from .msgid)

``dir`` is a commitlog directory, a store root that has ``commitlog/``, or a 5.x multi-path string
``"/a/commitlog,/b/commitlog"`` (or a list): files of all directories are merged by name (spec §1).

**messages frame** (``CommitLogScan.messages``; schema ``messages_schema()``), one row per record found:

=====================  ===============  ====================================================================
column                 dtype            meaning
=====================  ===============  ====================================================================
file                   str              ``commitlog/<20-digit name>`` (relative to the store root)
phy_offset             i64              global commitlog offset where the record really is (file + position)
size                   i32              TOTALSIZE
magic                  i32              MAGICCODE (−626843481 v1, −626843477 v2)
body_crc               i32              BODYCRC as stored (crc32(body) & 0x7FFFFFFF)
body_crc_ok            bool             verified CRC (null unless ``verify_crc``); empty body → true
queue_id, flag         i32              QUEUEID, FLAG
queue_offset           i64              QUEUEOFFSET (0 for PREPARED/ROLLBACK; base offset for inner batches)
sysflag                i32              SYSFLAG (bits in ``commitlog_layout``)
born_ts, store_ts      datetime[ms,UTC] BORNTIMESTAMP, STORETIMESTAMP
born_host, store_host  str              ``ip:port``; IPv6 as ``[ip]:port``
reconsume_times        i32              RECONSUMETIMES
prepared_tx_offset     i64              PREPARED TRANSACTION OFFSET
body_len               i32              BODY length as stored (compressed length if compressed)
topic                  str              TOPIC (invalid UTF-8 replaced by U+FFFD, as Java does)
tags, keys             str              TAGS, KEYS (raw, space-separated) properties (null if absent)
uniq_key               str              UNIQ_KEY as the broker's property map has it (the *last* entry):
                                        what its index and consumers use
client_uniq_key        str              the *first* UNIQ_KEY entry: the producer's own id for this message
                                        (its SendResult msgId). The two differ for 5.x producer batches: the
                                        broker appends the batch's properties (with the batch's own UNIQ_KEY)
                                        after each message's (seen in the 5.3.3 lab samples); elsewhere equal
msg_id                 str              offset msgId = hex(store host + port + PHYSICALOFFSET field)
properties             list[struct{key: str, value: str}]  every property entry in stored order (the
                                        broker's map keeps the last of a repeated key); null if undecodable
tran_type              i8               sysflag & 0x0C: 0 NOT_TYPE, 4 PREPARED, 8 COMMIT, 12 ROLLBACK
compressed             bool             sysflag bit 0
compression_type       i8               (sysflag & 0x700) >> 8: 0/3 zlib, 1 lz4, 2 zstd (only if compressed)
inner_batch            bool             sysflag bit 7 (5.x BatchCQ inner batch: body packs many messages)
body_offset            i64              global offset of the first body byte (for ``read_record``-free reads)
stored_phy_offset      i64              PHYSICALOFFSET field as written
phy_offset_ok          bool             stored == real position (false: stale bytes, e.g. issue #10017)
length_ok              bool             the broker's ``calMsgLength`` invariant holds (false → fields after
                                        the body are null; the broker would stop here)
beyond_valid_end       bool             at or after ``valid_end``: the broker's recovery would drop it
=====================  ===============  ====================================================================

**files frame** (``CommitLogScan.files``): ``file, start_offset, size, valid_bytes, records,
beyond_end_records, blank_filler_at, zero_tail_from, data_after_end_at, status`` — positions are
file-relative; ``valid_bytes`` is how much of the file the broker's scan accepts; ``status`` one of
``full`` (ends with its filler), ``active`` (data then zeros), ``empty`` (all zero), ``damaged``,
``beyond_end`` (lies wholly after ``valid_end``), ``unreadable``.

**valid_end**: the global offset where the broker's recovery scan (``checkMessageAndReturnSize`` from the
first file) would stop: the first zero/invalid magic, absurd TOTALSIZE, length-invariant mismatch, or —
only when ``verify_crc`` — body CRC mismatch (``checkCRCOnRecover`` defaults to true). Blank fillers move to
the next file. ``None`` when there are no files.

**Resync after damage** (so one bad record does not hide the rest): at a bad magic, an absurd TOTALSIZE,
or a record that fails the length invariant (whose TOTALSIZE is then not trusted either), the scan searches
forward in the same file, from the byte after the bad record's start, for the next position whose record
passes magic + TOTALSIZE + the full length invariant, and continues the chain there (an ``info``
``commitlog_resync`` finding marks the spot). A CRC or PHYSICALOFFSET mismatch does not break the chain.
After zeros, the rest of the file is checked for non-zero bytes (``SEEK_DATA`` skips sparse holes); the
first one is reported (``commitlog_data_after_end``) and the records there are decoded with the same resync.
Records at or after ``valid_end`` are flagged ``beyond_valid_end``: truncation does not erase bytes
(spec §2), so they are what a crash or a recovery left behind.

**Findings** (``check`` names): ``commitlog_magic``, ``commitlog_total_size``, ``commitlog_truncated_record``,
``commitlog_length``, ``commitlog_body_crc``, ``commitlog_prop_crc`` (5.2+ ``__CRC32#`` property),
``commitlog_phy_offset``, ``commitlog_data_after_end``,
``commitlog_blank_size``, ``commitlog_blank_stale`` (info; 4.4–4.9.0 fillers hold stale encode-buffer
bytes), ``commitlog_no_blank``, ``commitlog_resync`` (info), ``commitlog_read_short`` (file shrank while
read), ``commitlog_unreadable``, ``commitlog_empty`` (no files), plus ``commitlog_file_*`` from the
directory listing. Offsets are
file-relative byte positions. Each check reports at most ``MAX_FINDINGS_PER_CHECK`` rows per file, then one
summary row.

Speed: ``skip`` leaves costly string columns null (any of ``OPTIONAL_COLUMNS``: topic, tags, keys, uniq_key,
client_uniq_key, msg_id, born_host, store_host, properties); ``properties=False`` = skip the property map.
The schema never changes. Memory: ``scan_commitlog`` keeps the whole frame; for big stores use
``iter_commitlog`` (bounded by ``chunk_bytes`` plus one frame: 160 MB peak RSS on a 10 GB store).
Timestamps outside Python's datetime range (damage) are null. One-record access: ``commitlog_record``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import UnusableInputError, UsageError
from ..findings import Finding
from . import commitlog_decode as dec
from . import fileio
from .commitlog_decode import messages_schema
from .commitlog_layout import (
    MIN_BLANK,
)
from .msgid import decode_offset_msg_id, decode_uniq_key, encode_offset_msg_id

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "CommitLogIter",
    "CommitLogReader",
    "CommitLogScan",
    "collect",
    "decode_offset_msg_id",
    "decode_record",
    "decode_uniq_key",
    "encode_offset_msg_id",
    "files_schema",
    "iter_commitlog",
    "messages_schema",
    "read_record",
    "resolve_commitlog_dirs",
    "scan_commitlog",
]

DEFAULT_CHUNK = 16 << 20
MAX_FINDINGS_PER_CHECK = 20
Progress = Callable[[int, int], None]


@dataclass
class CommitLogScan:
    messages: pl.DataFrame
    files: pl.DataFrame
    findings: list[Finding]
    valid_end: int | None
    file_size: int | None
    dirs: list[Path] = field(default_factory=list)


def files_schema() -> dict[str, pl.DataType]:
    import polars as pl

    return {
        "file": pl.Utf8(),
        "start_offset": pl.Int64(),
        "size": pl.Int64(),
        "valid_bytes": pl.Int64(),
        "records": pl.Int64(),
        "beyond_end_records": pl.Int64(),
        "blank_filler_at": pl.Int64(),
        "zero_tail_from": pl.Int64(),
        "data_after_end_at": pl.Int64(),
        "status": pl.Utf8(),
    }


def resolve_commitlog_dirs(path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Commitlog directories named by ``path`` (see module docstring). Raises ``UnusableInputError``."""
    dirs = fileio.split_store_paths(path)
    out: list[Path] = []
    for d in dirs:
        if not d.exists():
            raise UnusableInputError(f"{d}: no such directory")
        if not d.is_dir():
            raise UnusableInputError(f"{d}: not a directory")
        sub = d / "commitlog"
        if sub.is_dir() and not any(fileio.NAME_RE.match(p.name) for p in d.iterdir()):
            out.append(sub)
        else:
            out.append(d)
    return out


class _Findings:
    """Findings with a per (check, file) cap, so a garbage file yields a summary, not a million rows."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self._counts: dict[tuple[str, str | None], int] = {}

    def add(self, severity: str, check: str, file: str | None, offset: int | None, detail: str) -> None:
        k = (check, file)
        c = self._counts.get(k, 0) + 1
        self._counts[k] = c
        if c <= MAX_FINDINGS_PER_CHECK:
            self.items.append(Finding(severity, check, file, offset, detail))  # type: ignore[arg-type]

    def finish(self) -> list[Finding]:
        for (check, file), c in self._counts.items():
            if c > MAX_FINDINGS_PER_CHECK:
                sev = next(f.severity for f in self.items if f.check == check and f.file == file)
                self.items.append(
                    Finding(
                        sev,
                        check,
                        file,
                        None,
                        f"{c - MAX_FINDINGS_PER_CHECK} more {check} findings in this file not listed",
                    )
                )
        return self.items


@dataclass
class _FileInfo:
    file: str
    start_offset: int
    size: int
    valid_bytes: int | None = None
    records: int = 0
    beyond_end_records: int = 0
    blank_filler_at: int | None = None
    zero_tail_from: int | None = None
    data_after_end_at: int | None = None
    status: str = "active"


class CommitLogIter:
    """Iterator of message frames (one per chunk that held records); ``result()`` once exhausted.

    Bounded memory: one chunk buffer (``chunk_bytes``, larger only for a single record that big) plus the
    frame being yielded.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        *,
        verify_crc: bool = False,
        progress: Progress | None = None,
        start: int | None = None,
        end: int | None = None,
        chunk_bytes: int = DEFAULT_CHUNK,
        properties: bool = True,
        skip: Iterable[str] = (),
    ) -> None:
        self.dirs = resolve_commitlog_dirs(path)
        root = self.dirs[0].parent
        self.listing = fileio.list_mapped_files(self.dirs, check_prefix="commitlog_file", rel_root=root)
        self.verify_crc = verify_crc
        self.progress = progress
        self.start = start
        self.end = end
        self.chunk = max(int(chunk_bytes), 1 << 16)
        self.properties = properties
        self.skip = frozenset(skip)
        if self.skip - dec.OPTIONAL_COLUMNS:
            raise UsageError(f"cannot skip {sorted(self.skip - dec.OPTIONAL_COLUMNS)}; "
                             f"optional columns are {sorted(dec.OPTIONAL_COLUMNS)}")
        self.findings = _Findings()
        for f in self.listing.findings:
            self.findings.items.append(f)
        if not self.listing.files:
            self.findings.add("warning", "commitlog_empty", ",".join(str(d) for d in self.dirs), None,
                              "no commitlog files (20-digit names) here: nothing to scan")
        self.valid_end: int | None = None
        self._stopped = False  # the broker's scan has stopped (valid_end is final)
        self.file_infos: list[_FileInfo] = []
        self._buf = bytearray(self.chunk + dec.PAD)
        self._scratch = np.empty(self.chunk + dec.PAD, dtype=bool)
        self._done = False
        from . import commitlog_jit

        self.jit = commitlog_jit.wanted(sum(f.size for f in self.listing.files))
        self._gen = self._run()

    def __iter__(self) -> Iterator[pl.DataFrame]:
        return self

    def __next__(self) -> pl.DataFrame:
        return next(self._gen)

    @property
    def stopped(self) -> bool:
        """The broker's scan has stopped: ``valid_end`` is final, and every later record is beyond it."""
        return self._stopped

    # --- results ------------------------------------------------------------------------------------
    def result(self, messages: pl.DataFrame | None = None) -> CommitLogScan:
        import polars as pl

        if not self._done:
            for _ in self._gen:
                pass
        files = pl.DataFrame([vars(fi) for fi in self.file_infos], schema=files_schema())
        msgs = messages if messages is not None else pl.DataFrame(schema=messages_schema())
        return CommitLogScan(
            msgs, files, self.findings.finish(), self.valid_end, self.listing.file_size, self.dirs
        )

    # --- the walk -----------------------------------------------------------------------------------
    def _stop_at(self, offset: int) -> None:
        """Record the broker's stop point (first one wins: the broker never scans past it)."""
        if not self._stopped:
            self.valid_end = offset
            self._stopped = True

    def _run(self) -> Iterator[pl.DataFrame]:
        total = sum(f.size for f in self.listing.files)
        done = 0
        prev_end: int | None = None
        for mf in self.listing.files:
            if self.end is not None and mf.offset >= self.end:
                break
            if self.start is not None and mf.end <= self.start:
                done += mf.size
                continue
            if prev_end is not None and mf.offset != prev_end and not self._stopped:
                # A hole in the file sequence: the broker's scan has nowhere to continue from.
                self._stop_at(prev_end)
            fi = _FileInfo(mf.rel, mf.offset, mf.size)
            self.file_infos.append(fi)
            yield from self._scan_file(mf, fi)
            prev_end = mf.end
            done += mf.size
            if self.progress:
                self.progress(done, total)
        if not self._stopped and prev_end is not None:
            self._stop_at(prev_end)
        self._done = True

    def _fit(self, n: int) -> None:
        """Make the reusable buffer (and the numpy walk's scratch) hold ``n`` bytes plus the zero PAD."""
        if n + dec.PAD > len(self._buf):
            self._buf = bytearray(n + dec.PAD)
            self._scratch = np.empty(n + dec.PAD, dtype=bool)

    def _read(self, fd: int, pos: int, want: int, walk_room: int | None = None
              ) -> tuple[np.ndarray, int, dec.Chain | None]:
        """Read ``want`` bytes at file position ``pos`` into the reusable buffer (grown for a big record), one
        ``fileio.READ_PIECE`` at a time. With ``walk_room`` (compiled path: the room from ``pos`` to the file's
        end) the chain is walked after each piece, while those bytes are still in the CPU's caches (one walk
        after the whole chunk finds the headers of its start in memory again); it is the chain a single walk
        over the chunk gives: the walk pauses with ``more`` at the end of what has been read and resumes there.
        The chain is None without ``walk_room`` and when the file ended early (the caller walks again with the
        smaller room)."""
        self._fit(want)
        mv = memoryview(self._buf)
        a = np.frombuffer(self._buf, dtype=np.uint8)
        got = stop = total = magic = 0
        reason = "more"
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        while got < want:
            piece = min(fileio.READ_PIECE, want - got)
            n = fileio.read_into(fd, mv[got : got + piece], pos + got)
            got += n
            if n < piece:
                break
            if walk_room is not None and reason == "more":
                from . import commitlog_jit

                st, sz, stop, reason, total, magic = commitlog_jit.walk_chain(a, stop, got, walk_room)
                parts.append((st, sz))
        a[got : got + dec.PAD] = 0
        if walk_room is None or got < want:
            return a, got, None
        starts = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        sizes = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
        return a, got, dec.Chain(starts, sizes, stop, reason, total, magic)

    def _grow(self, need: int) -> None:
        """A single record larger than the chunk: make the buffer hold it (bounded by the file size)."""
        self._fit(need)
        self.chunk = max(self.chunk, need)

    def _scan_file(self, mf: fileio.MappedFile, fi: _FileInfo) -> Iterator[pl.DataFrame]:
        import pyarrow as pa

        F = self.findings
        try:
            fd = fileio._open_fd(mf.path)
        except OSError as e:
            F.add("error", "commitlog_unreadable", mf.rel, None, str(e))
            fi.status = "unreadable"
            self._stop_at(mf.offset)
            fi.valid_bytes = 0
            return
        damaged = False
        try:
            size = os.fstat(fd).st_size
            limit = size if self.end is None else min(size, self.end - mf.offset)
            pos = self.start - mf.offset if self.start is not None and self.start > mf.offset else 0
            mode = "chain"
            while pos < limit:
                want = min(self.chunk, limit - pos)
                walk = self.jit and mode == "chain"
                a, got, walked = self._read(fd, pos, want, limit - pos if walk else None)
                if got < want:
                    F.add(
                        "warning",
                        "commitlog_read_short",
                        mf.rel,
                        pos + got,
                        f"file ended at {pos + got} while reading (it was {size} bytes when opened): "
                        "it shrank or was deleted during the scan",
                    )
                    limit = size = pos + got
                    if got == 0:
                        break
                room = limit - pos
                if mode == "resync":
                    nxt, valid = self._resync(a, got, room, pos, mf)
                    if nxt is None:
                        # Nothing valid here; keep 7 bytes of overlap so a magic straddling the boundary is seen.
                        pos += max(got - 7, 1)
                    else:
                        pos = nxt
                        mode = "chain" if valid else "resync"
                    continue
                ch = walked or dec.walk_chain(a, 0, got, room, self._scratch, jit=self.jit)
                if len(ch.starts):
                    frame, resync = self._decode(a, pa.py_buffer(self._buf), ch.starts, ch.sizes, mf, pos, fi)
                    yield frame
                    if resync is not None:
                        damaged = True
                        pos += resync
                        mode = "resync"
                        continue
                stop = pos + ch.stop
                if ch.reason == "more":
                    if ch.stop == 0:
                        self._grow(ch.total_size)
                    pos = stop
                    continue
                if ch.reason == "end":
                    if stop == size and self.end is None:
                        F.add(
                            "warning",
                            "commitlog_no_blank",
                            mf.rel,
                            stop,
                            "records fill the file to its last byte with no end-of-file filler "
                            "(the broker always leaves ≥ 8 bytes); its scan stops here",
                        )
                        self._stop_at(mf.offset + stop)
                    break
                if ch.reason == "blank":
                    self._blank(fd, mf, fi, stop, ch.total_size, size)
                    break
                if ch.reason == "zero":
                    self._stop_at(mf.offset + stop)
                    if fi.zero_tail_from is None:
                        fi.zero_tail_from = stop
                    r = fileio.first_nonzero(fd, stop, limit)
                    if r is None:
                        break
                    if fi.data_after_end_at is None:
                        fi.data_after_end_at = r
                        F.add(
                            "warning",
                            "commitlog_data_after_end",
                            mf.rel,
                            r,
                            f"non-zero bytes at {r} after the end of data at {stop} (left by a truncation, "
                            "a crash or a zeroed page); decoded and flagged beyond_valid_end",
                        )
                    pos = max(stop, r - 7)  # the record may start with zero TOTALSIZE bytes before r
                    mode = "resync"
                    continue
                # Damage at a chain position: report it precisely, then resync.
                self._report_stop(ch, mf, pos, size)
                self._stop_at(mf.offset + stop)
                damaged = True
                pos = stop + 1
                mode = "resync"
        finally:
            os.close(fd)
        self._finish_file(mf, fi, damaged)

    def _finish_file(self, mf: fileio.MappedFile, fi: _FileInfo, damaged: bool) -> None:
        ve = self.valid_end if self._stopped else None
        if ve is None or ve >= mf.end:
            fi.valid_bytes = mf.size
        else:
            fi.valid_bytes = max(ve - mf.offset, 0)
        if fi.records == 0 and fi.zero_tail_from == 0:
            fi.status = "empty"
        elif damaged or (ve is not None and mf.offset <= ve < mf.end and fi.zero_tail_from != ve - mf.offset):
            fi.status = "damaged"
        elif ve is not None and ve <= mf.offset:
            fi.status = "beyond_end"
        elif fi.blank_filler_at is not None:
            fi.status = "full"
        else:
            fi.status = "active"

    def _report_stop(self, ch: dec.Chain, mf: fileio.MappedFile, pos: int, size: int) -> None:
        F = self.findings
        stop = pos + ch.stop
        if ch.reason == "magic":
            F.add(
                "error",
                "commitlog_magic",
                mf.rel,
                stop,
                f"MAGICCODE 0x{ch.magic & 0xFFFFFFFF:08X} (TOTALSIZE {ch.total_size}) is neither a message "
                "nor the blank magic: the broker's scan stops here",
            )
            return
        ts = ch.total_size
        expected = self.listing.file_size or size
        if size < expected and (stop + 8 > size or (ts >= 91 and stop + ts > size)):
            F.add(
                "error",
                "commitlog_truncated_record",
                mf.rel,
                stop,
                f"the record here (TOTALSIZE {ts}) runs past the end of the file, which is {size} bytes "
                f"instead of {expected}: the file was truncated",
            )
        else:
            F.add(
                "error",
                "commitlog_total_size",
                mf.rel,
                stop,
                f"absurd TOTALSIZE {ts} (a record is ≥ 91 bytes and ends inside its file; "
                f"{size - stop} bytes left): the broker's scan stops here",
            )

    def _blank(self, fd: int, mf: fileio.MappedFile, fi: _FileInfo, stop: int, ts: int, size: int) -> None:
        """End-of-file filler: must cover exactly the rest of the file; its body may hold stale bytes (4.x)."""
        F = self.findings
        fi.blank_filler_at = stop
        if ts != size - stop:
            F.add(
                "error",
                "commitlog_blank_size",
                mf.rel,
                stop,
                f"end-of-file filler says {ts} bytes but {size - stop} remain in the file",
            )
        r = fileio.first_nonzero(fd, stop + MIN_BLANK, size)
        if r is not None:
            F.add(
                "info",
                "commitlog_blank_stale",
                mf.rel,
                r,
                "the filler's body holds non-zero bytes: stale encode-buffer contents, normal for 4.4–4.9.0 "
                "brokers (fragments of recent records)",
            )

    def _resync(
        self, a: np.ndarray, got: int, room: int, pos: int, mf: fileio.MappedFile
    ) -> tuple[int | None, bool]:
        """(file position of the next structurally valid record in this chunk, validated?) or (None, False).

        A candidate that does not fit in the chunk is returned unvalidated so the caller re-reads from it.
        """
        for c in dec.find_candidates(a, 0, got, self._scratch).tolist():
            v = dec.validate_at(a, c, got, room)
            if v.ok:
                self.findings.add(
                    "info",
                    "commitlog_resync",
                    mf.rel,
                    pos + c,
                    "scan resumed at the next structurally valid record after damage or zeros",
                )
                return pos + c, True
            if v.reason == "more":
                if c == 0:
                    self._grow(v.total_size)
                return pos + c, False
        return None, False

    def _decode(
        self,
        a: np.ndarray,
        buf: Any,
        starts: np.ndarray,
        sizes: np.ndarray,
        mf: fileio.MappedFile,
        pos: int,
        fi: _FileInfo,
    ) -> tuple[pl.DataFrame, int | None]:
        """Decode a chain; returns the frame and, when a record fails the length invariant, the chunk-relative
        position to resync from (its TOTALSIZE is then not trusted: the records the chain took after it are
        dropped here and found again by the resync, so one bad length cannot hide its neighbours)."""
        import polars as pl

        d = dec.decode(a, buf, starts, sizes, mf.offset + pos, mf.rel,
                       verify_crc=self.verify_crc, properties=self.properties, skip=self.skip, jit=self.jit)
        frame = d.frame
        length_ok, crc_ok, phy_ok = d.length_ok, d.crc_ok, d.phy_ok
        resync: int | None = None
        if not length_ok.all():
            cut = int(np.flatnonzero(~length_ok)[0]) + 1
            resync = int(starts[cut - 1]) + 1
            frame = frame.head(cut)
            starts, length_ok, phy_ok = starts[:cut], length_ok[:cut], phy_ok[:cut]
            crc_ok = crc_ok[:cut] if crc_ok is not None else None
        F = self.findings
        phy = mf.offset + pos + starts
        bad = ~length_ok if crc_ok is None else ~length_ok | ~crc_ok
        if bad.any():
            self._stop_at(int(phy[int(np.flatnonzero(bad)[0])]))
        if resync is not None:
            detail = d.length_detail[0] if d.length_detail else ""
            F.add("error", "commitlog_length", mf.rel, int(pos + starts[-1]),
                  f"length invariant fails ({detail}): the broker treats the record as invalid")
        if crc_ok is not None:
            for i in np.flatnonzero(~crc_ok & length_ok)[: MAX_FINDINGS_PER_CHECK + 1].tolist():
                F.add("error", "commitlog_body_crc", mf.rel, int(pos + starts[i]),
                      f"body CRC mismatch (stored {int(frame['body_crc'][i])}): recovery with "
                      "checkCRCOnRecover treats the record as invalid")
        for i in np.flatnonzero(~phy_ok)[: MAX_FINDINGS_PER_CHECK + 1].tolist():
            F.add("error", "commitlog_phy_offset", mf.rel, int(pos + starts[i]),
                  f"PHYSICALOFFSET field {int(frame['stored_phy_offset'][i])} ≠ real position "
                  f"{int(phy[i])}: stale bytes from another position (magic and CRC pass anyway)")
        for i, stored, got in d.prop_crc_bad[: MAX_FINDINGS_PER_CHECK + 1]:
            if i < len(starts):
                F.add("error", "commitlog_prop_crc", mf.rel, int(pos + starts[i]),
                      f"__CRC32# property says {stored}, the record's bytes give {got} (5.2+ enabledAppendPropCRC; "
                      "a broker with forceVerifyPropCRC would reject it)")
        if self._stopped and self.valid_end is not None:
            beyond = phy >= self.valid_end
            if beyond.any():
                frame = frame.with_columns(pl.Series("beyond_valid_end", beyond))
                fi.beyond_end_records += int(beyond.sum())
        fi.records += frame.height
        return frame, resync


def iter_commitlog(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    verify_crc: bool = False,
    progress: Progress | None = None,
    start: int | None = None,
    end: int | None = None,
    chunk_bytes: int = DEFAULT_CHUNK,
    properties: bool = True,
    skip: Iterable[str] = (),
) -> CommitLogIter:
    """Message frames chunk by chunk (bounded memory); call ``.result()`` afterwards for files/findings."""
    return CommitLogIter(
        path,
        verify_crc=verify_crc,
        progress=progress,
        start=start,
        end=end,
        chunk_bytes=chunk_bytes,
        properties=properties,
        skip=skip,
    )


def scan_commitlog(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    verify_crc: bool = False,
    progress: Progress | None = None,
    start: int | None = None,
    end: int | None = None,
    chunk_bytes: int = DEFAULT_CHUNK,
    properties: bool = True,
    skip: Iterable[str] = (),
) -> CommitLogScan:
    """Scan every commitlog file into one frame (see module docstring). Raises only for unusable input."""
    return collect(
        iter_commitlog(
            path,
            verify_crc=verify_crc,
            progress=progress,
            start=start,
            end=end,
            chunk_bytes=chunk_bytes,
            properties=properties,
            skip=skip,
        )
    )


def collect(it: Any) -> CommitLogScan:
    """Every frame of a record iterator (``CommitLogIter``, ``dledger.DLedgerIter``) in one messages frame, and the
    iterator's result."""
    import polars as pl

    frames = list(it)
    msgs = pl.concat(frames, rechunk=True) if frames else pl.DataFrame(schema=messages_schema())
    return it.result(msgs)


# One-record access lives in commitlog_record (re-exported here: part of this module's API).
from .commitlog_record import CommitLogReader, decode_record, read_record  # noqa: E402
