"""``rmqinspect tail [DIR]``: one live, merged view of a broker host's log directory.

The pieces: :class:`rmqinspect.live.follow.DirFollower` (rotation-safe reading), the log side's
``parse_text``/``extract_events`` via :mod:`rmqinspect.live.records`, and :mod:`rmqinspect.render.tail`.
Everything on stdout is data (text lines or NDJSON); status and bad-input warnings go to stderr, each
kind reported once per file and counted, with a summary when the tail stops. Ctrl-C (or SIGTERM) stops
it cleanly with exit status 0.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from ..errors import UnusableInputError

if TYPE_CHECKING:
    from ..live.follow import DirFollower
    from ..live.items import Chunk, Notice
    from ..live.records import Parsed, RecordFilter, RecordParser
    from ..render.tail import TailRenderer

#: With a filter, the backlog is searched in this many last lines per file for ``--lines`` matches.
FILTERED_BACKLOG_LINES = 20_000
#: Pacing of output turns (see DirFollower.batches): a turn costs ≥ ~5 ms of parsing per file whatever
#: its size, so a trickle is gathered for 40 ms, while a fast stream (big turns) is only spaced by 15 ms
#: (latency first; the cost is per line there).
TURN_INTERVAL = 0.04
BUSY_TURN_INTERVAL = 0.015


def command(
    directory: Annotated[
        Path | None,
        typer.Argument(
            metavar="DIR", help="Log directory (default ~/logs/rocketmqlogs) or a single log file."
        ),
    ] = None,
    lines: Annotated[
        int,
        typer.Option("--lines", "-n", metavar="N", min=0, help="Show the last N records first (0: none)."),
    ] = 10,
    level: Annotated[
        str | None,
        typer.Option(
            "--level",
            "-l",
            metavar="LEVEL",
            help="Minimum level: DEBUG, INFO, WARN, ERROR (level-less files are left out).",
        ),
    ] = None,
    grep: Annotated[
        str | None,
        typer.Option(
            "--grep",
            "-g",
            metavar="REGEX",
            help="Only records matching this regex (Rust syntax, linear time; (?i) for case).",
        ),
    ] = None,
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            "-t",
            metavar="EVENT",
            help="Only records with an event of this type (glob; repeat or comma-separate).",
        ),
    ] = None,
    file: Annotated[
        str | None,
        typer.Option("--file", metavar="GLOB", help="Only files matching this glob (name or relative path)."),
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
        str | None,
        typer.Option("--host", metavar="NAME", help="Host name for the host column (default: this host)."),
    ] = None,
    log_tz: Annotated[
        str | None,
        typer.Option("--log-tz", metavar="TZ", help="Zone the logs are written in (default GMT+8)."),
    ] = None,
    color: Annotated[
        bool | None, typer.Option("--color/--no-color", help="Colour (default: if stdout is a terminal).")
    ] = None,
    poll: Annotated[bool, typer.Option("--poll", help="Poll for changes instead of using inotify.")] = False,
) -> None:
    """Follow a broker host's logs live: every file merged, events highlighted. Ctrl-C stops."""
    from ..live.follow import DirFollower
    from ..live.records import RecordFilter, RecordParser
    from ..parsers.logs.layouts import DEFAULT_LOG_DIR
    from ..render.tail import TailRenderer

    root = Path(directory if directory is not None else DEFAULT_LOG_DIR).expanduser()
    try:
        root.stat()
    except FileNotFoundError:
        raise UnusableInputError(f"{root}: no such directory") from None
    except OSError as e:
        raise UnusableInputError(f"{root}: cannot access: {e.strerror or e}") from None
    flt = RecordFilter.build(level=level, grep=grep, types=types or [], events_only=events_only)
    wanted = flt.expand_types(_known_event_types()) if flt.types else None
    parser = RecordParser(host=host or _default_host(root, directory is None), tz=log_tz, types=wanted)
    renderer = TailRenderer(color_system=_color_system(color))
    err = _Stderr(TailRenderer(color_system=_color_system(color, stream=sys.stderr)))
    if parser.events_unavailable:
        err.line(
            "rmqinspect: warning: event recognition is not available in this build; showing lines only\n"
        )
        if flt.types or flt.events_only:
            raise UnusableInputError("--type/--events-only need event recognition, which is not available")
    per_file = 0 if lines == 0 else (max(lines, FILTERED_BACKLOG_LINES) if flt.active else lines)
    follower = DirFollower(root, backlog=per_file, include=file, use_watchdog=not poll)
    session = _Session(follower, parser, flt, renderer, err, lines=lines, json=json, follow=follow, root=root)
    with contextlib.suppress(AttributeError, ValueError):  # a non-UTF-8 terminal must not crash the tail
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    try:
        with _sigterm_as_interrupt():
            session.run()
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:  # ``tail | head``: the reader is gone, which is a normal way to stop
        # (handled here: Click's standalone mode would turn EPIPE into exit status 1)
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
    finally:
        follower.stop()
        err.summary(follower.warnings.counts)


class _Session:
    """One tail run: batches from the follower → parsed, filtered → stdout; notices → stderr.

    The backlog (records that existed at start) is collected until the follower says it is complete,
    cut to the last ``--lines`` records over all files in time order as it comes (bounded memory), and
    printed before anything that arrived meanwhile.
    """

    def __init__(
        self,
        follower: DirFollower,
        parser: RecordParser,
        flt: RecordFilter,
        renderer: TailRenderer,
        err: _Stderr,
        *,
        lines: int,
        json: bool,
        follow: bool,
        root: Path,
    ) -> None:
        self.follower, self.parser, self.flt, self.renderer, self.err = follower, parser, flt, renderer, err
        self.lines, self.json, self.follow, self.root = lines, json, follow, root
        self.in_backlog = True
        self.backlog: Parsed | None = None
        self.held: list[Parsed] = []  # live records that arrived before the backlog was complete

    def run(self) -> None:
        from ..live.items import Chunk, Notice

        self.follower.start()
        for batch in self.follower.batches(
            timeout=0.1,
            min_interval=TURN_INTERVAL,
            busy_interval=BUSY_TURN_INTERVAL,
        ):
            self._notices([i for i in batch if isinstance(i, Notice)])
            self._records([i for i in batch if isinstance(i, Chunk)])
            if not self.in_backlog and not self.follow:
                return

    def _notices(self, notices: list[Notice]) -> None:
        for n in notices:
            if n.kind == "backlog_end":
                self.in_backlog = False
                self.renderer.note_files(self.follower.followed)
                if not self.follower.followed:
                    more = "yet; waiting for some" if self.follow else "to show"
                    self.err.line(f"rmqinspect: no log files under {self.root} {more}\n")
            elif n.kind != "opened" or not self.in_backlog:
                self.err.notice(n)

    def _records(self, chunks: list[Chunk]) -> None:
        old = [c for c in chunks if c.backlog]
        new = [c for c in chunks if not c.backlog]
        if old:
            part = self.flt.apply(self.parser.parse(old))
            from ..live.records import merge_backlog

            self.backlog = merge_backlog([p for p in (self.backlog, part) if p is not None], self.lines)
        if new:
            part = self.flt.apply(self.parser.parse(new))
            if self.in_backlog:
                self.held.append(part)
            else:
                self._emit(part)
        if not self.in_backlog and (self.backlog is not None or self.held):
            for p in [*([self.backlog] if self.backlog is not None else []), *self.held]:
                self._emit(p)
            self.backlog, self.held = None, []

    def _emit(self, p: Parsed) -> None:
        if p.empty:
            return
        if self.json:
            from ..render.tail import ndjson

            text = ndjson(p, lines=not (self.flt.events_only or self.flt.types))
        else:
            text = self.renderer.render(p)
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()


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


def _color_system(color: bool | None, stream: TextIO | None = None) -> str | None:
    """Rich decides (terminal, NO_COLOR, FORCE_COLOR, TERM); ``--color`` forces at least 16 colours."""
    from rich.console import Console

    if color is False:
        return None
    system = Console(file=stream or sys.stdout).color_system
    if color and system is None:
        return "standard"
    return system


class _Stderr:
    """Status lines on stderr; bad input is reported once per (kind, file) and summarised at exit."""

    def __init__(self, renderer: TailRenderer) -> None:
        self.renderer = renderer

    def line(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(text)
            sys.stderr.flush()

    def notice(self, n: Notice) -> None:
        self.line(self.renderer.notice(n))

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
