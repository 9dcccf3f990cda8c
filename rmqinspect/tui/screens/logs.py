"""Logs: every host's log lines merged on one time axis; filter, search, jump, fold; stays live."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from ...render.safe import inert
from .. import logview
from ..logview import LEVEL_CYCLE, LogFilter
from ..widgets.frame_view import Col, FrameView, fmt_value
from .base import Notice, WorkbenchScreen, part_notice
from .modals import AskScreen, PickScreen, TextScreen

if TYPE_CHECKING:
    import polars as pl


def _time(v: Any) -> str:
    return fmt_value(v)[:19] if v is not None else ""


def row_class(row: dict[str, Any]) -> str | None:
    if row.get("cont"):
        return "dim"
    if row.get("event"):
        return "event"
    level = row.get("level")
    if level == "ERROR":
        return "error"
    if level == "WARN":
        return "warn"
    return None


def _message(row_msg: Any) -> str:
    return inert("" if row_msg is None else str(row_msg))


class LogsScreen(WorkbenchScreen):
    MODE = "logs"
    TITLE_TEXT = "Logs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "search_next(1)", "Next match"),
        Binding("N", "search_next(-1)", "Prev match", key_display="N"),
        Binding("f", "filter", "Filter regex"),
        Binding("l", "cycle_level", "Level"),
        Binding("F", "pick_file", "File", key_display="F"),
        Binding("H", "pick_host", "Host", key_display="H", show=False),
        Binding("e", "pick_event", "Event type"),
        Binding("g", "goto_time", "Go to time"),
        Binding("z", "toggle_fold", "Fold/unfold"),
        Binding("x", "clear_filters", "Clear filters", show=False),
        Binding("L", "toggle_follow", "Live on/off", key_display="L", show=False),
        Binding("enter", "detail", "Detail", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield Notice(id="logs-notice")
        yield Static(id="logs-status")
        yield FrameView(
            [
                Col("ts", "time (UTC)", 19, fmt=_time),
                Col("host", "host", 10),
                Col("file", "file", 14, hide_below=100),
                Col("level", "level", 5),
                Col("text", "message", 0),
            ],
            row_class=row_class,
            empty_text="(no lines match)",
            id="log-lines",
        )

    def on_mount(self) -> None:
        self.flt = LogFilter()
        self.annotated: pl.DataFrame | None = None
        self.view: pl.DataFrame | None = None
        self.search_pattern = ""
        self.hits: list[int] = []
        self.status_note = ""
        self._pending_goto: tuple[str | None, str | None, int | None] | None = None
        self.table.focus()

    @property
    def table(self) -> FrameView:
        return self.query_one("#log-lines", FrameView)

    # ---- data ------------------------------------------------------------------------------------------------
    def refresh_data(self, kind: str) -> None:
        if kind not in ("logs", "all", "live"):
            return
        logs = self.wb.logs
        notice = self.query_one("#logs-notice", Notice)
        if not logs.lines.ready:
            text, err = part_notice(logs.lines, "logs")
            notice.say(text, error=err)
            self._status()
            return
        msg = "; ".join(logs.problems)
        if not msg and logs.events.status in ("error", "unavailable"):
            msg = part_notice(logs.events, "events")[0]
        notice.say(msg, error=bool(logs.problems))
        self._annotate(keep_tail=kind == "live")

    @work(thread=True, exclusive=True, group="logs-annotate")
    def _annotate(self, keep_tail: bool = False) -> None:
        logs = self.wb.logs
        events = logs.events.value if logs.events.ready else None
        annotated = logview.annotate(logs.lines.value, events)
        self.app.call_from_thread(self._set_annotated, annotated, keep_tail)

    def _set_annotated(self, annotated: pl.DataFrame, keep_tail: bool) -> None:
        self.annotated = annotated
        self._refilter(keep_tail=keep_tail)

    def _refilter(self, *, keep_tail: bool = False) -> None:
        if self.annotated is not None:
            self._filter_worker(self.annotated, self.flt, self.search_pattern, keep_tail)

    @work(thread=True, exclusive=True, group="logs-filter")
    def _filter_worker(self, annotated: pl.DataFrame, flt: LogFilter, pattern: str, keep_tail: bool) -> None:
        import polars as pl

        view = logview.apply_filter(annotated, flt)
        marker = pl.when(pl.col("more") > 0).then(pl.format(" [+{}]", pl.col("more"))).otherwise(pl.lit(""))
        text = (
            pl.when(pl.col("cont"))
            .then(pl.lit("  ↳ ") + pl.col("message").fill_null(""))
            .otherwise(pl.col("message").fill_null("") + (marker if flt.folded else pl.lit("")))
        )
        view = view.with_columns(text.alias("text"))
        hits = logview.search_rows(view, pattern) if pattern else []
        self.app.call_from_thread(self._show, view, hits, keep_tail)

    def _show(self, view: pl.DataFrame, hits: list[int], keep_tail: bool) -> None:
        table = self.table
        old = table.current
        at_end = table.row_count == 0 or table.cursor >= table.row_count - 1
        self.view = view
        self.hits = hits
        cursor = 0
        if keep_tail and at_end and self.wb.follow:
            cursor = max(0, view.height - 1)
        elif old is not None and view.height:
            cursor = self._index_of(view, old.get("row"))
        elif self.wb.follow and keep_tail:
            cursor = max(0, view.height - 1)
        table.set_frame(view, cursor=cursor, marks=set(hits))
        table.go_to(table.cursor)
        if self._pending_goto is not None:
            target, self._pending_goto = self._pending_goto, None
            self.go_to_line(*target)
        self._status()

    @staticmethod
    def _index_of(view: pl.DataFrame, row: Any) -> int:
        import polars as pl

        if row is None:
            return 0
        idx = view.select((pl.col("row") >= row).arg_true().first()).item()
        return int(idx) if idx is not None else max(0, view.height - 1)

    def _status(self) -> None:
        total = self.annotated.height if self.annotated is not None else 0
        shown = self.view.height if self.view is not None else 0
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {shown}/{total} lines ", style="bold")
        text.append(inert(self.flt.describe()))
        if self.search_pattern:
            text.append(f"  search /{inert(self.search_pattern)}/: {len(self.hits)} matches")
        text.append("  live" if self.wb.follow else "  paused", style="green" if self.wb.follow else "yellow")
        live = self.wb.live
        if live is not None and live.notes:
            text.append("  " + inert(live.notes[-1]), style="dim")
        if self.status_note:
            text.append("  " + inert(self.status_note), style="red")
        self.query_one("#logs-status", Static).update(text)

    # ---- navigation from elsewhere ---------------------------------------------------------------------------
    def go_to_line(self, host: str | None, file: str | None, line_no: int | None) -> None:
        """Put the cursor on the record at (host, file, line_no), clearing filters that hide it."""
        import polars as pl

        if self.view is None:
            self._pending_goto = (host, file, line_no)
            return
        cond = pl.lit(True)
        if host is not None:
            cond = cond & (pl.col("host") == host)
        if file is not None:
            cond = cond & (pl.col("file") == file)
        if line_no is not None:
            cond = cond & (pl.col("line_no") == line_no)
        idx = self.view.select(cond.arg_true().first()).item()
        if idx is None and self.flt != LogFilter(folded=self.flt.folded):
            self.flt = LogFilter(folded=self.flt.folded)
            self._pending_goto = (host, file, line_no)
            self._refilter()
            return
        if idx is not None:
            self.table.go_to(int(idx))
        else:
            self.status_note = f"line {line_no} of {file} not found"
            self._status()

    # ---- actions ---------------------------------------------------------------------------------------------
    def _set_filter(self, **changes: Any) -> None:
        self.flt = replace(self.flt, **changes)
        self.status_note = ""
        self._refilter()

    def action_cycle_level(self) -> None:
        i = LEVEL_CYCLE.index(self.flt.min_level) if self.flt.min_level in LEVEL_CYCLE else 0
        self._set_filter(min_level=LEVEL_CYCLE[(i + 1) % len(LEVEL_CYCLE)])

    def action_toggle_fold(self) -> None:
        self._set_filter(folded=not self.flt.folded)

    def action_clear_filters(self) -> None:
        self.flt = LogFilter(folded=self.flt.folded)
        self.search_pattern = ""
        self._refilter()

    def action_toggle_follow(self) -> None:
        self.wb.set_follow(not self.wb.follow)
        self._status()

    def _ask_pattern(self, prompt: str, current: str, apply: Any) -> None:
        def done(value: str | None) -> None:
            if value is None:
                return
            problem = logview.check_pattern(value)
            if problem:
                self.status_note = problem
                self._status()
                return
            apply(value)

        self.app.push_screen(AskScreen(prompt, value=current, hint="a regular expression; empty = none"), done)

    def action_filter(self) -> None:
        self._ask_pattern("Show only lines matching", self.flt.pattern, lambda v: self._set_filter(pattern=v))

    def action_search(self) -> None:
        def apply(value: str) -> None:
            self.search_pattern = value
            self.status_note = ""
            self._search_worker(value)

        self._ask_pattern("Search (regex)", self.search_pattern, apply)

    @work(thread=True, exclusive=True, group="logs-search")
    def _search_worker(self, pattern: str) -> None:
        view = self.view
        hits = logview.search_rows(view, pattern) if view is not None else []
        self.app.call_from_thread(self._set_hits, hits)

    def _set_hits(self, hits: list[int]) -> None:
        self.hits = hits
        self.table.set_marks(set(hits))
        if hits:
            nxt = logview.next_hit(hits, self.table.cursor - 1, 1)
            if nxt is not None:
                self.table.go_to(nxt)
        self._status()

    def action_search_next(self, direction: int) -> None:
        nxt = logview.next_hit(self.hits, self.table.cursor, direction)
        if nxt is not None:
            self.table.go_to(nxt)

    def _choices(self, column: str) -> list[str]:
        if self.annotated is None or column not in self.annotated.columns:
            return []
        return sorted(v for v in self.annotated[column].unique().to_list() if v is not None)

    def action_pick_file(self) -> None:
        choices: list[tuple[str | None, str]] = [(None, "(all files)")] + [(f, f) for f in self._choices("file")]
        self.app.push_screen(PickScreen("Show file", choices), lambda v: self._set_filter(file=v))

    def action_pick_host(self) -> None:
        choices: list[tuple[str | None, str]] = [(None, "(all hosts)")] + [(h, h) for h in self._choices("host")]
        self.app.push_screen(PickScreen("Show host", choices), lambda v: self._set_filter(host=v))

    def action_pick_event(self) -> None:
        choices: list[tuple[str | None, str]] = [(None, "(all lines)"), ("*", "(any event)")]
        choices += [(t, t) for t in self._choices("event")]
        self.app.push_screen(PickScreen("Show event type", choices), lambda v: self._set_filter(event_type=v))

    def action_goto_time(self) -> None:
        def done(value: str | None) -> None:
            if not value or self.view is None:
                return
            current = self.table.current
            try:
                when = logview.parse_when(value, current.get("ts") if current else None)
            except ValueError as e:
                self.status_note = str(e)
                self._status()
                return
            self.status_note = ""
            self.table.go_to(logview.time_index(self.view, when))
            self._status()

        self.app.push_screen(AskScreen("Go to time (UTC)", hint="YYYY-MM-DD HH:MM:SS or HH:MM:SS"), done)

    def action_detail(self) -> None:
        row = self.table.current
        if row is None:
            return
        self.app.push_screen(TextScreen(f"{row.get('host')} {row.get('file')}:{row.get('line_no')}", self._detail(row)))

    def on_frame_view_selected(self, event: FrameView.Selected) -> None:
        self.action_detail()

    def _detail(self, row: dict[str, Any]) -> Text:
        import polars as pl

        out = Text()
        for key in ("host", "file", "line_no", "ts", "level", "thread", "event"):
            out.append(f"{key:<8}", style="bold")
            out.append(fmt_value(row.get(key)) + "\n")
        out.append("\n")
        src = row
        if row.get("cont") and self.annotated is not None:
            with contextlib.suppress(Exception):
                src = self.annotated.row(int(row["row"]), named=True)
        out.append(_message(src.get("message")) + "\n")
        if src.get("continuation"):
            for line in str(src["continuation"]).split("\n"):
                out.append(inert(line) + "\n", style="dim")
        events = self.wb.logs.events.value if self.wb.logs.events.ready else None
        if events is not None and src.get("event") and {"host", "file", "line_no"} <= set(events.columns):
            match = events.filter(
                (pl.col("host") == src.get("host")) & (pl.col("file") == src.get("file")) & (pl.col("line_no") == src.get("line_no"))
            )
            for ev in match.to_dicts():
                out.append("\nevent fields\n", style="bold")
                for k, v in ev.items():
                    if v is not None and k not in ("host", "file", "line_no"):
                        out.append(f"  {inert(k):<20}", style="bold")
                        out.append(fmt_value(v) + "\n")
        return out
