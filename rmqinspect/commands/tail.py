"""``rmqinspect tail [DIR]``: one live, merged view of a broker host's log directory.

The pieces: :class:`rmqinspect.live.follow.DirFollower` (rotation-safe reading), the log side's
``parse_text``/``extract_events`` via :mod:`rmqinspect.live.records`, and :mod:`rmqinspect.render.tail`.
Everything on stdout is data (text lines or NDJSON); status and bad-input warnings go to stderr, each
kind reported once per file and counted, with a summary when the tail stops. Ctrl-C (or SIGTERM) stops
it cleanly with exit status 0.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from ..errors import UnusableInputError

#: With a filter, the backlog is searched in this many last lines per file for ``--lines`` matches.
FILTERED_BACKLOG_LINES = 20_000
#: Minimum time between two output turns (each costs a parse of a few ms; see DirFollower.batches).
TURN_INTERVAL = 0.015


def command(
    directory: Annotated[
        Path | None,
        typer.Argument(
            metavar="[DIR]", help="Log directory (default ~/logs/rocketmqlogs) or a single log file."
        ),
    ] = None,
    lines: Annotated[
        int, typer.Option("--lines", "-n", min=0, help="Show the last N records first (0: none).")
    ] = 10,
    level: Annotated[
        str | None, typer.Option("--level", "-l", help="Minimum level: DEBUG, INFO, WARN, ERROR.")
    ] = None,
    grep: Annotated[
        str | None,
        typer.Option(
            "--grep", "-g", help="Only records matching this regex (Rust syntax, linear time; (?i) for case)."
        ),
    ] = None,
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--type", "-t", help="Only records with an event of this type (glob; repeat or comma-separate)."
        ),
    ] = None,
    file: Annotated[
        str | None,
        typer.Option("--file", "-f", help="Only files matching this glob (name or relative path)."),
    ] = None,
    events_only: Annotated[
        bool, typer.Option("--events-only", "-e", help="Only records that are recognised events.")
    ] = False,
    json: Annotated[
        bool,
        typer.Option("--json", help="NDJSON: lines-frame rows, and events-frame rows (those with a type)."),
    ] = False,
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", help="--no-follow prints the backlog and exits.")
    ] = True,
    host: Annotated[
        str | None, typer.Option("--host", help="Host name for the host column (default: this host).")
    ] = None,
    log_tz: Annotated[
        str | None, typer.Option("--log-tz", help="Zone the logs are written in (default GMT+8).")
    ] = None,
    color: Annotated[
        bool | None, typer.Option("--color/--no-color", help="Colour (default: if stdout is a terminal).")
    ] = None,
    poll: Annotated[bool, typer.Option("--poll", help="Poll for changes instead of using inotify.")] = False,
) -> None:
    """Follow a broker host's logs live: every file merged, events highlighted. Ctrl-C stops."""
    from ..live.follow import Chunk, DirFollower, Notice
    from ..live.records import Parsed, RecordFilter, RecordParser, merge_backlog
    from ..parsers.logs.layouts import DEFAULT_LOG_DIR
    from ..render.tail import TailRenderer, ndjson

    root = Path(directory if directory is not None else DEFAULT_LOG_DIR).expanduser()
    if not root.exists():
        raise UnusableInputError(f"{root}: no such directory")
    flt = RecordFilter.build(level=level, grep=grep, types=types or [], events_only=events_only)
    wanted = flt.expand_types(_known_event_types()) if flt.types else None
    parser = RecordParser(host=host or _default_host(root, directory is None), tz=log_tz, types=wanted)
    renderer = TailRenderer(color_system=_color_system(color))
    err = _Stderr(renderer)
    if parser.events_unavailable:
        err.line(
            "rmqinspect: warning: event recognition is not available in this build; showing lines only\n"
        )
        if flt.types or flt.events_only:
            raise UnusableInputError("--type/--events-only need event recognition, which is not available")
    per_file = 0 if lines == 0 else (max(lines, FILTERED_BACKLOG_LINES) if flt.active else lines)
    follower = DirFollower(root, backlog=per_file, include=file, use_watchdog=not poll)

    def emit(p: Parsed) -> None:
        if p.empty:
            return
        text = ndjson(p, lines=not (flt.events_only or flt.types)) if json else renderer.render(p)
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()

    backlog: Parsed | None = None
    live_during_backlog: list[Parsed] = []
    in_backlog = True
    try:
        with _sigterm_as_interrupt():
            follower.start()
            for batch in follower.batches(timeout=0.1, min_interval=TURN_INTERVAL):
                chunks = [i for i in batch if isinstance(i, Chunk)]
                for n in batch:
                    if isinstance(n, Notice):
                        if n.kind == "backlog_end":
                            in_backlog = False
                            renderer.note_files(follower.followed)
                            if not follower.followed:
                                err.line(f"rmqinspect: no log files under {root} yet; waiting\n")
                        elif n.kind != "opened" or not in_backlog:
                            err.notice(n)
                old_chunks = [c for c in chunks if c.backlog]
                new_chunks = [c for c in chunks if not c.backlog]
                if old_chunks:  # the backlog is cut to --lines records as it comes: bounded memory
                    old = flt.apply(parser.parse(old_chunks))
                    backlog = merge_backlog([p for p in (backlog, old) if p is not None], lines)
                if new_chunks:
                    new = flt.apply(parser.parse(new_chunks))
                    if in_backlog:
                        live_during_backlog.append(new)
                    else:
                        emit(new)
                if not in_backlog and (backlog is not None or live_during_backlog):
                    if backlog is not None:
                        emit(backlog)
                    for p in live_during_backlog:
                        emit(p)
                    backlog, live_during_backlog = None, []
                if not in_backlog and not follow:
                    break
    except KeyboardInterrupt:
        pass
    finally:
        follower.stop()
        err.summary(follower.warnings.counts)


def _known_event_types() -> tuple[str, ...]:
    try:
        from ..analysis.events import EVENT_TYPES
    except ImportError:  # no event recognition in this build: reported by the caller
        return ()
    return EVENT_TYPES


def _default_host(root: Path, is_default_dir: bool) -> str:
    """The live host's name for its own logs; a copied tree is named the way ``logs`` names it."""
    if is_default_dir:
        return socket.gethostname()
    from ..parsers.logs import host_dirs

    return host_dirs([str(root)])[0][0]


def _color_system(color: bool | None) -> str | None:
    """Rich decides (terminal, NO_COLOR, FORCE_COLOR, TERM); ``--color`` forces at least 16 colours."""
    from rich.console import Console

    if color is False:
        return None
    system = Console(file=sys.stdout).color_system
    if color and system is None:
        return "standard"
    return system


class _Stderr:
    """Status lines on stderr; bad input is reported once per (kind, file) and summarised at exit."""

    def __init__(self, renderer: object) -> None:
        self.renderer = renderer

    def line(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(text)
            sys.stderr.flush()

    def notice(self, n: object) -> None:
        self.line(self.renderer.notice(n))  # type: ignore[attr-defined]

    def summary(self, counts: dict[str, int]) -> None:
        total = sum(counts.values())
        if total:
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            self.line(f"rmqinspect: {total} warning{'s' if total != 1 else ''} ({kinds})\n")


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (systemd, ``timeout``, a closing tmux pane) stops the tail as cleanly as Ctrl-C does."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. embedded): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
