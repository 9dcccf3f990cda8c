"""RocketMQ logs → typed frames. The public, stable API of the log side (tail, TUI, cluster, export use it).

``discover(dir) -> list[LogFile]``
    Live ``*.log`` and rolled ``otherdays/**/<name>.<N>.log[.gz]`` under ``dir`` (also isolated
    per-broker directories), ordered oldest → newest per logical file: rolled N … 1, then the live file.
    ``LogFile`` fields: ``path, rel, name, rotation, compressed, subdir, size, mtime``.

``read_lines(paths_or_dirs, *, host, tz="GMT+8") -> pl.DataFrame``
    The **lines frame**, one row per record, in file order (discover order, then line order):

    ========== ========================= ==========================================================
    host       Utf8                      the host name given by the caller
    file       Utf8                      path relative to the directory given (``otherdays/broker.2.log.gz``)
    line_no    Int64                     1-based physical line of the record's first line in its file
    ts         Datetime("ms", "UTC")     the header time read in ``tz`` (server logs: 1 s resolution);
                                         null only for text before a file's first timestamped line
    level      Utf8                      INFO/WARN/ERROR… (null for watermark.log/protection.log)
    thread     Utf8                      Java thread (null for stats/watermark/protection; the logger
                                         name for 4.x client logs)
    message    Utf8                      the text after `` - `` on the first line
    continuation Utf8                    following lines without a timestamp (stack traces, config
                                         dumps), joined by ``\\n``; null if none
    ========== ========================= ==========================================================

    Many records share a second: never sort by ``ts`` alone, keep ``(file order, line_no)`` as tie-break.

``read_log_set(...) -> LogRead``  (``.lines``, ``.files``, ``.findings``)
    Same read plus a per-file frame and the counted damage (``Finding`` rows: invalid UTF-8, truncated
    gzip, unreadable files, files without timestamps, files that shrank while read).

``parse_text(text, *, file, host, tz="GMT+8", first_line_no=1) -> pl.DataFrame``
    Same schema for a chunk of text (the tail / TUI on appended bytes). Lines before the chunk's first
    timestamp come back as one row with a null ``ts`` (they continue the caller's previous record).

``export_frame_for(what, dirs, *, tz=None) -> pl.DataFrame``
    ``what`` in ``lines|events`` for ``rmqinspect export --what``; ``dirs`` are paths or ``NAME=DIR``.

``host_dirs(["NAME=DIR", "DIR"]) -> [(host, dir)]``
    How the CLI names hosts (``…/<proc>/logs/rocketmqlogs`` → ``<proc>``).

Events: ``rmqinspect.analysis.events.extract_events(lines_df, types=None)`` → ``ts, type, host, file,
line_no, level, statement`` + every typed field (``events_schema()``; null where a type has none).
Cheap on small batches (a 100-line tail chunk costs milliseconds). On big frames, project with
``events.type_fields(types)`` before filtering, so only those types' fields are materialised.
Time zones: ``tz`` accepts Java-style offsets (``GMT+8`` = UTC+08:00), ``+05:30``, ``UTC`` or an IANA name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .discover import LogFile, discover
from .frame import LINE_COLUMNS, lines_schema, parse_text
from .layouts import DEFAULT_LOG_DIR, DEFAULT_TZ
from .reader import LogRead, read_lines, read_log_set
from .timezone import LogTz, resolve_tz

if TYPE_CHECKING:
    import polars as pl

EXPORT_WHAT: tuple[str, ...] = ("lines", "events")


def host_dirs(specs: Iterable[str]) -> list[tuple[str, str]]:
    """``["NAME=DIR", "DIR"]`` → ``[(host, dir)]``; an unnamed dir is named after its host-ish folder.

    For ``…/<proc>/logs/rocketmqlogs`` the ``<proc>`` folder names the host (the lab layout and a
    copied ``~`` alike); otherwise the directory's own name.
    """
    from pathlib import Path

    out: list[tuple[str, str]] = []
    for spec in specs:
        name, sep, d = spec.partition("=")
        if sep and name and not os.path.exists(spec):
            out.append((name, d))
            continue
        p = Path(spec).expanduser()
        parts = p.resolve().parts if p.exists() else p.parts
        host = p.name or str(p)
        if len(parts) >= 3 and parts[-1] == "rocketmqlogs" and parts[-2] == "logs":
            host = parts[-3]
        out.append((host, spec))
    return out


def export_frame_for(what: str, dirs: Iterable[str] | str, *, tz: str | None = None) -> pl.DataFrame:
    """The frame ``rmqinspect export --what lines|events`` writes, over one or more ``[NAME=]DIR``."""
    import polars as pl

    from ...errors import UsageError

    if what not in EXPORT_WHAT:
        raise UsageError(f"unknown log export {what!r}; use one of {', '.join(EXPORT_WHAT)}")
    specs = [dirs] if isinstance(dirs, str | os.PathLike) else list(dirs)
    frames = [read_lines(d, host=h, tz=tz) for h, d in host_dirs([str(s) for s in specs])]
    lines = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=lines_schema())
    if what == "lines":
        return lines
    from ...analysis.events import extract_events

    return extract_events(lines)


__all__ = [
    "DEFAULT_LOG_DIR",
    "DEFAULT_TZ",
    "EXPORT_WHAT",
    "LINE_COLUMNS",
    "LogFile",
    "LogRead",
    "LogTz",
    "discover",
    "export_frame_for",
    "host_dirs",
    "lines_schema",
    "parse_text",
    "read_lines",
    "read_log_set",
    "resolve_tz",
]
