"""What the workbench knows: the state of each store and of the logs, filled by background loaders.

This module never parses anything itself: it calls the parsers and analyses named in docs/CONTRACTS.md
(imported lazily) and records either their result or a one-line reason why there is none. A missing API
(another engineer's module not landed yet) is recorded as ``unavailable`` with the missing name, so the
screen can say "not available" instead of raising.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RmqInspectError

if TYPE_CHECKING:
    import polars as pl


class Unavailable(Exception):
    """The API this view needs is not present in this build."""


def api(module: str, name: str) -> Any:
    """``rmqinspect.<module>.<name>`` or :class:`Unavailable` (never ImportError/AttributeError)."""
    try:
        mod = importlib.import_module(f"rmqinspect.{module}")
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith("rmqinspect"):
            raise Unavailable(f"rmqinspect.{module}.{name} is not available in this build") from e
        raise
    try:
        return getattr(mod, name)
    except AttributeError as e:
        raise Unavailable(f"rmqinspect.{module}.{name} is not available in this build") from e


def api_any(*candidates: tuple[str, str]) -> Any:
    """The first of several places an API may live (the contract's name first)."""
    last: Unavailable | None = None
    for module, name in candidates:
        try:
            return api(module, name)
        except Unavailable as e:
            last = last or e
    assert last is not None
    raise last


def read_lines_api() -> Any:
    return api_any(("parsers.logs", "read_lines"), ("parsers.logs.reader", "read_lines"))


def parse_text_api() -> Any:
    return api_any(("parsers.logs", "parse_text"), ("parsers.logs.frame", "parse_text"))


def describe_error(e: BaseException) -> str:
    """One line for the screen: our own errors verbatim, anything else with its type."""
    if isinstance(e, Unavailable | RmqInspectError):
        return str(e)
    if isinstance(e, OSError):
        return f"{e.strerror or type(e).__name__}: {e.filename or ''}".strip()
    return f"internal error: {type(e).__name__}: {e}"


@dataclass
class Part:
    """One piece of loaded data: its value, or why there is none."""

    value: Any = None
    status: str = "pending"  # pending | ready | error | unavailable
    message: str = ""

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    def run(self, fn: Callable[[], Any]) -> Any:
        try:
            self.value = fn()
            self.status = "ready"
        except Unavailable as e:
            self.status, self.message = "unavailable", str(e)
        except Exception as e:  # shown on screen, never a traceback
            self.status, self.message = "error", describe_error(e)
        return self.value


def host_of(path: Path) -> str:
    """A host label for a directory: ``…/broker-a/logs/rocketmqlogs`` → ``broker-a``; ``…/broker-a/store`` too."""
    parts = path.resolve().parts
    if len(parts) >= 3 and parts[-1] == "rocketmqlogs" and parts[-2] == "logs":
        return parts[-3]
    if parts and parts[-1] in ("store", "logs", "store-at-crash") and len(parts) >= 2:
        return parts[-2]
    return parts[-1] if parts else str(path)


def store_label(path: Path) -> str:
    """``…/broker-a/store`` → ``broker-a``; ``…/broker-a/store-at-crash`` → ``broker-a/store-at-crash``."""
    host = host_of(path)
    name = path.resolve().name if path.exists() else path.name
    return host if name in ("store", host) else f"{host}/{name}"


@dataclass
class StoreState:
    """One store: ``quick`` facts (layout, abort, lock, checkpoint — milliseconds), then ``result``
    (a :class:`~rmqinspect.tui.scanproc.StoreResult`: the full read and analysis, made in a child process)."""

    path: Path
    label: str
    problem: str = ""  # set when the directory cannot be used at all
    quick: Part = field(default_factory=Part)
    result: Part = field(default_factory=Part)
    progress: float | None = None
    stage: str = ""
    done: bool = False
    proc: Any = None

    @property
    def scan(self) -> Part:
        """The commitlog read: ready with the StoreResult, or why not."""
        if not self.result.ready:
            return self.result
        if self.result.value.data_error:
            return Part(None, "error", self.result.value.data_error)
        return Part(self.result.value, "ready")

    @property
    def messages(self) -> pl.DataFrame | None:
        return self.result.value.messages if self.scan.ready else None

    @property
    def findings(self) -> Part:
        scan = self.scan
        if not scan.ready:
            return scan
        return Part(self.result.value.findings, "ready")

    @property
    def recovery(self) -> Part:
        scan = self.scan
        if not scan.ready:
            return scan
        res = self.result.value
        if res.recovery is None:
            return Part(None, "error", res.report_error or "no recovery prediction")
        return Part(res.recovery, "ready")


@dataclass
class LogsState:
    dirs: list[Path]
    tz: str | None = None  # zone the log timestamps were written in (None: the parser's default, GMT+8)
    problems: list[str] = field(default_factory=list)
    lines: Part = field(default_factory=Part)
    events: Part = field(default_factory=Part)
    done: bool = False


def check_dir(path: Path, kind: str) -> str:
    """Why ``path`` cannot be used as a ``kind`` directory ('' when it can)."""
    if not path.exists():
        return f"{kind} directory not found: {path}"
    if not path.is_dir():
        return f"{kind} path is not a directory: {path}"
    try:
        next(iter(path.iterdir()), None)
    except OSError as e:
        return f"{kind} directory cannot be read: {path} ({e.strerror})"
    return ""


def load_store(state: StoreState, progress: Callable[[float], None] | None = None) -> StoreState:
    """Read and analyse one store (slow; run in a thread worker) through ``analysis.store_summary``, the
    same sequence ``rmqinspect store`` uses. Fills ``quick`` first so the Overview has something at once."""
    state.problem = check_dir(state.path, "store")
    if state.problem:
        for part in (state.quick, state.result):
            part.status, part.message = "error", state.problem
        state.done = True
        return state

    def _progress(*args: Any) -> None:
        nums = [a for a in args if isinstance(a, int | float)]
        if args and isinstance(args[0], str):
            state.stage = args[0]
        if progress is None or not nums:
            return
        frac = nums[0] / nums[1] if len(nums) >= 2 and nums[1] else nums[0]
        if state.stage and state.stage != "commitlog":
            frac = 1.0
        progress(max(0.0, min(1.0, float(frac))))

    state.quick.run(lambda: quick_facts(state.path))
    if state.quick.status == "error":  # not a store at all: say so, do not start a reader
        state.problem = state.quick.message
        state.result.status, state.result.message = "error", state.quick.message
        state.done = True
        return state

    def _read() -> Any:
        from .scanproc import StoreProcess

        state.proc = StoreProcess(state.path)
        return state.proc.run(_progress)

    state.result.run(_read)
    state.done = True
    return state


def quick_facts(path: Path) -> dict[str, Any]:
    """Layout, abort/lock state and checkpoint: small files only, so this returns in milliseconds."""
    root = api("analysis.store_summary", "resolve_root")(path)
    facts: dict[str, Any] = {"root": root}
    layout = api("parsers.storefiles", "detect_layout")(root)
    facts["layout"] = ", ".join(getattr(layout, "variants", []) or [])
    facts["abort"] = api("parsers.storefiles", "read_abort")(root)
    facts["lock"] = api("parsers.storefiles", "read_lock")(root)
    try:
        facts["checkpoint"] = api("parsers.checkpoint", "read_checkpoint")(root, [])
    except Exception as e:
        facts["checkpoint_error"] = describe_error(e)
    return facts


def load_logs(state: LogsState, *, isolate: bool = True) -> LogsState:
    """Read and merge every log directory, then extract events (slow; run in a thread worker).

    With ``isolate`` the reading happens in a child process (:mod:`rmqinspect.tui.scanproc`): measured on
    200 MB of logs, reading in a thread held the GIL so long that keys took 1.7 s to answer."""
    usable = []
    for d in state.dirs:
        problem = check_dir(d, "logs")
        if problem:
            state.problems.append(problem)
        else:
            usable.append(d)
    if not usable:
        msg = "; ".join(state.problems) or "no log directory given"
        for part in (state.lines, state.events):
            part.status, part.message = "error", msg
        state.done = True
        return state
    if not isolate:
        read_logs(state, usable)
        state.done = True
        return state
    from .scanproc import LogsResult, run_child

    res = run_child(["logs", state.tz or "-", *map(str, usable)])
    if not isinstance(res, LogsResult):
        err = getattr(res, "error", "") or "the log reader gave no result"
        for part in (state.lines, state.events):
            part.status, part.message = "error", err
    else:
        state.problems.extend(res.problems)
        for part, frame, status, message in (
            (state.lines, res.lines, res.lines_status, res.lines_message),
            (state.events, res.events, res.events_status, res.events_message),
        ):
            part.value, part.status, part.message = frame, status, message
    state.done = True
    return state


def read_logs(state: LogsState, usable: list[Path]) -> None:
    """The reading itself: one ``read_lines`` per directory (its host label), merged on time, then events."""
    import polars as pl

    def _read() -> pl.DataFrame:
        read_lines = read_lines_api()
        frames = []
        for d in usable:
            df = read_lines([d], host=host_of(d), tz=state.tz)
            if not df.height:
                state.problems.append(f"no RocketMQ log lines under {d} (looked for broker.log, store.log, namesrv.log …)")
            frames.append(df)
        frames = [f for f in frames if f.height]
        if not frames:
            return read_lines([usable[0]], host=host_of(usable[0]), tz=state.tz)
        df = pl.concat(frames, how="diagonal_relaxed")
        return df.sort(["ts", "host", "file", "line_no"], nulls_last=True, maintain_order=True)

    lines = state.lines.run(_read)
    if lines is not None:
        state.events.run(lambda: api("analysis.events", "extract_events")(lines))
    else:
        state.events.status, state.events.message = state.lines.status, state.lines.message
