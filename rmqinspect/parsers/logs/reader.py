"""Read log files (plain or ``.gz``) in big chunks into the lines frame, damage as findings.

Read-only by construction: files are opened with ``parsers.fileio.open_ro`` (``O_RDONLY`` plus
``O_NOATIME`` where allowed) and read with ``pread``; nothing else is touched. A file is read up to
the size it had when opened, so a live file that keeps growing does not make the read chase it, and a
file that shrinks or is rotated while read yields what was there plus a counted warning. A truncated
``.gz`` (logback compresses on roll; a crash mid-roll leaves one) yields its readable prefix plus a
warning. Lines longer than ``MAX_LINE`` are cut into pieces (counted) so memory stays bounded.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...findings import Finding
from ..fileio import open_ro
from .discover import LogFile, discover
from .frame import ChunkStats, empty_lines_frame, headless_row, parse_records
from .timezone import LogTz, resolve_tz

if TYPE_CHECKING:
    import polars as pl

CHUNK = 32 << 20  # raw bytes per parse: big enough to amortise, small enough to bound memory
MAX_LINE = 64 << 20  # a "line" longer than this is split (garbage / binary without newlines)
MAX_ORPHAN_KEEP = 1000  # lines kept from a headless prefix (the rest are counted only)

Progress = Callable[[int], None]


@dataclass(slots=True)
class LogRead:
    """Result of reading a set of logs: the lines frame, per-file stats, and counted damage."""

    lines: pl.DataFrame
    files: pl.DataFrame
    findings: list[Finding] = field(default_factory=list)


def _plain_pieces(
    fd: int, limit: int, findings: list[Finding], rel: str
) -> Iterator[bytes | memoryview]:
    """Whole-line pieces of a plain file, ~CHUNK each, read with ``pread`` up to ``limit`` bytes.

    Each read restarts at the last newline of the previous one, so nothing is concatenated; a line
    longer than a chunk makes the read grow (up to MAX_LINE, then the line is split and counted).
    """
    pos, want = 0, CHUNK
    while pos < limit:
        b = os.pread(fd, min(want, limit - pos), pos)
        if not b:
            findings.append(
                Finding(
                    "warning",
                    "log-file-shrank",
                    rel,
                    pos,
                    f"file ended at {pos} bytes but had {limit} when opened (rotated or truncated while read)",
                )
            )
            return
        end = pos + len(b)
        cut = b.rfind(b"\n") + 1
        if end >= limit or len(b) < min(want, limit - pos):
            cut = len(b)  # last piece (or the file shrank): take everything
        elif cut == 0:
            if want < MAX_LINE:
                want *= 2
                continue
            findings.append(
                Finding("warning", "log-line-too-long", rel, pos, f"a line over {MAX_LINE} bytes was split")
            )
            cut = len(b)
        want = CHUNK
        pos += cut
        yield memoryview(b)[:cut] if cut < len(b) else b


def _gzip_chunks(fd: int, findings: list[Finding], rel: str) -> Iterator[bytes]:
    """Decompressed bytes of a gzip file; a truncated or corrupt stream keeps its readable prefix."""
    d = zlib.decompressobj(wbits=31)
    read = 0
    while True:
        b = os.pread(fd, CHUNK // 4, read)
        if not b:
            break
        read += len(b)
        try:
            while b:
                out = d.decompress(b, CHUNK)
                if out:
                    yield out
                b = d.unconsumed_tail
                if d.eof and d.unused_data:  # concatenated gzip members
                    b = d.unused_data
                    d = zlib.decompressobj(wbits=31)
        except zlib.error as e:
            findings.append(Finding("warning", "log-gzip-corrupt", rel, read, f"gzip data corrupt: {e}"))
            return
    tail = d.flush()
    if tail:
        yield tail
    if not d.eof:
        findings.append(
            Finding(
                "warning",
                "log-gzip-truncated",
                rel,
                read,
                f"gzip stream ends early after {read} compressed bytes; kept the readable prefix",
            )
        )


def _whole_lines(chunks: Iterator[bytes], findings: list[Finding], rel: str) -> Iterator[bytes | memoryview]:
    """Regroup a stream of decompressed chunks into whole-line pieces (gzip cannot ``pread``)."""
    pending = b""
    for raw in chunks:
        buf = pending + raw if pending else raw
        cut = buf.rfind(b"\n") + 1
        if cut == 0 and len(buf) > MAX_LINE:
            findings.append(
                Finding("warning", "log-line-too-long", rel, None, f"a line over {MAX_LINE} bytes was split")
            )
            cut = len(buf)
        if cut:
            yield memoryview(buf)[:cut]
        pending = buf[cut:]
    if pending:
        yield pending


def _attach(prev: pl.DataFrame, extra: str) -> pl.DataFrame:
    """Append continuation text that arrived in the next chunk to ``prev``'s last record."""
    import polars as pl

    last = prev.height - 1
    cur = prev["continuation"][last]
    joined = f"{cur}\n{extra}" if cur is not None else extra
    col = prev["continuation"].scatter([last], pl.Series([joined], dtype=pl.Utf8))
    return prev.with_columns(col)


class _FileParse:
    """Per-file state across chunks: line numbering, the headless prefix, records so far."""

    def __init__(self, lf: LogFile, host: str, tz: LogTz) -> None:
        self.lf, self.host, self.tz = lf, host, tz
        self.stats = ChunkStats()
        self.frames: list[pl.DataFrame] = []
        self.line_no = 1
        self.headless: list[str] = []

    def feed(self, buf: bytes | memoryview) -> None:
        before = self.stats.lines
        df, prefix = parse_records(
            buf, file=self.lf.rel, host=self.host, tz=self.tz, first_line_no=self.line_no, stats=self.stats
        )
        if prefix is not None:
            if self.frames:
                self.frames[-1] = _attach(self.frames[-1], prefix)
            else:
                self.stats.headless_lines += prefix.count("\n") + 1
                if len(self.headless) < MAX_ORPHAN_KEEP:
                    self.headless.append(prefix)
        if df.height:
            if not self.frames and self.headless:
                text = "\n".join(self.headless)
                self.frames.append(headless_row(text, file=self.lf.rel, host=self.host, line_no=1))
            self.frames.append(df)
        self.line_no += self.stats.lines - before


def read_file(
    lf: LogFile,
    *,
    host: str,
    tz: LogTz,
    findings: list[Finding],
    progress: Progress | None = None,
) -> tuple[pl.DataFrame, ChunkStats]:
    """One file → lines frame (records in file order), with its stats; damage goes to ``findings``."""
    import polars as pl

    fp = _FileParse(lf, host, tz)
    try:
        with open_ro(lf.path) as fd:  # O_RDONLY | O_NOATIME: a forensic read leaves no trace
            size = os.fstat(fd).st_size
            if lf.compressed:
                pieces: Iterable[bytes | memoryview] = _whole_lines(
                    _gzip_chunks(fd, findings, lf.rel), findings, lf.rel
                )
            else:
                pieces = _plain_pieces(fd, size, findings, lf.rel)
            for piece in pieces:
                if progress is not None and not lf.compressed:
                    progress(len(piece))
                fp.feed(piece)
    except OSError as e:
        findings.append(Finding("warning", "log-unreadable", lf.rel, None, f"cannot read: {e.strerror or e}"))
    if lf.compressed and progress is not None:
        progress(max(lf.size, 0))
    stats = fp.stats
    if stats.bad_utf8:
        findings.append(
            Finding(
                "warning",
                "log-invalid-utf8",
                lf.rel,
                None,
                f"{stats.bad_utf8} invalid UTF-8 sequence(s) replaced by U+FFFD",
            )
        )
    if stats.lines and not fp.frames:
        findings.append(
            Finding(
                "warning",
                "log-no-timestamps",
                lf.rel,
                None,
                f"no timestamped line in {stats.lines} line(s); file skipped",
            )
        )
        return empty_lines_frame(), stats
    if stats.headless_lines:
        findings.append(
            Finding(
                "info",
                "log-headless-prefix",
                lf.rel,
                1,
                f"{stats.headless_lines} line(s) before the first timestamp (file starts mid-record)",
            )
        )
    out = pl.concat(fp.frames, how="vertical") if fp.frames else empty_lines_frame()
    return out, stats


def _as_files(
    paths_or_dirs: Iterable[str | os.PathLike[str] | LogFile] | str | os.PathLike[str],
) -> list[LogFile]:
    if isinstance(paths_or_dirs, str | os.PathLike):
        paths_or_dirs = [paths_or_dirs]
    out: list[LogFile] = []
    for p in paths_or_dirs:
        out.extend([p] if isinstance(p, LogFile) else discover(p))
    return out


def files_frame(files: list[LogFile], host: str, stats: list[ChunkStats]) -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(
        {
            "host": [host] * len(files),
            "file": [f.rel for f in files],
            "name": [f.name for f in files],
            "rotation": [f.rotation for f in files],
            "compressed": [f.compressed for f in files],
            "size": [f.size for f in files],
            "lines": [s.lines for s in stats],
            "records": [s.records for s in stats],
        },
        schema={
            "host": pl.Utf8,
            "file": pl.Utf8,
            "name": pl.Utf8,
            "rotation": pl.Int32,
            "compressed": pl.Boolean,
            "size": pl.Int64,
            "lines": pl.Int64,
            "records": pl.Int64,
        },
    )


def read_log_set(
    paths_or_dirs: Iterable[str | os.PathLike[str] | LogFile] | str | os.PathLike[str],
    *,
    host: str,
    tz: str | LogTz | None = None,
    progress: Progress | None = None,
    name_filter: Callable[[LogFile], bool] | None = None,
) -> LogRead:
    """Discover and read logs; the lines frame plus a ``files`` frame and findings."""
    import polars as pl

    ltz = resolve_tz(tz)
    files = _as_files(paths_or_dirs)
    if name_filter is not None:
        files = [f for f in files if name_filter(f)]
    findings: list[Finding] = []
    frames, stats = [], []
    for lf in files:
        df, st = read_file(lf, host=host, tz=ltz, findings=findings, progress=progress)
        frames.append(df)
        stats.append(st)
    lines = pl.concat(frames, how="vertical") if frames else empty_lines_frame()
    return LogRead(lines=lines, files=files_frame(files, host, stats), findings=findings)


def read_lines(
    paths_or_dirs: Iterable[str | os.PathLike[str] | LogFile] | str | os.PathLike[str],
    *,
    host: str,
    tz: str | LogTz | None = None,
) -> pl.DataFrame:
    """The lines frame of every log under ``paths_or_dirs`` (files oldest → newest, file order kept)."""
    return read_log_set(paths_or_dirs, host=host, tz=tz).lines


__all__ = ["LogRead", "read_file", "read_lines", "read_log_set"]
