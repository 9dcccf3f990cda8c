"""Timeline: lifecycle, registration, role, HA, recovery, disk and busy events of every host on one axis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from ...render.safe import inert
from ..widgets.frame_view import Col, FrameView, fmt_value
from .base import Notice, WorkbenchScreen, part_notice
from .modals import PickScreen

if TYPE_CHECKING:
    import polars as pl

#: Event type → timeline category (catalogue §3). Types not listed are high-volume series (latency,
#: stats, watermark, channel traffic) that belong to Charts/Logs, not to the timeline.
CATEGORIES: dict[str, str] = {
    "namesrv_boot": "lifecycle",
    "broker_boot": "lifecycle",
    "broker_shutdown": "lifecycle",
    "namesrv_shutdown": "lifecycle",
    "abnormal_shutdown_detected": "lifecycle",
    "broker_registered": "registration",
    "broker_register_ok": "registration",
    "broker_register_failed": "registration",
    "broker_expired": "registration",
    "broker_channel_destroyed": "registration",
    "broker_unregistered": "registration",
    "broker_master_changed": "role",
    "broker_role_change": "role",
    "ha_slave_connected": "ha",
    "ha_connection_expired": "ha",
    "ha_sync_timeout": "ha",
    "ha_flow_control": "ha",
    "recovery_progress": "recovery",
    "recovery_truncated": "recovery",
    "crc_error": "recovery",
    "magic_code_error": "recovery",
    "store_bug": "recovery",
    "mapped_file_error": "recovery",
    "index_error": "recovery",
    "disk_warning": "disk",
    "disk_ok": "disk",
    "file_deleted": "disk",
    "broker_busy": "busy",
    "consumer_disabled": "busy",
}
#: Glyph per category on the lane chart, in priority order (a bucket shows its most important category).
GLYPHS: dict[str, str] = {
    "recovery": "R",
    "lifecycle": "B",
    "role": "M",
    "ha": "H",
    "disk": "D",
    "busy": "!",
    "registration": "r",
}
BASE_COLUMNS = ("ts", "type", "host", "file", "line_no", "category")


def summarize(row: dict[str, Any]) -> str:
    """The typed fields of an event as ``key=value`` (inert), skipping the common columns."""
    parts = []
    for k, v in row.items():
        if k in BASE_COLUMNS or k in ("detail", "level", "message", "statement") or v is None or v == "":
            continue
        parts.append(f"{k}={fmt_value(v)}")
    return " ".join(parts)


def timeline_frame(events: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    df = events.filter(pl.col("type").is_in(list(CATEGORIES)))
    df = df.with_columns(pl.col("type").replace_strict(CATEGORIES, default=None).alias("category"))
    details = [summarize(r) for r in df.to_dicts()] if df.height <= 200_000 else [""] * df.height
    df = df.with_columns(pl.Series("detail", details, dtype=pl.Utf8))
    return df.sort(["ts", "host"], nulls_last=True, maintain_order=True)


class LaneChart(Static):
    """One row per host; each column a time bucket showing the most important category that happened."""

    DEFAULT_CSS = "LaneChart { height: auto; padding: 0 1; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.frame: pl.DataFrame | None = None

    def set_frame(self, df: pl.DataFrame | None) -> None:
        self.frame = df
        self.refresh(layout=True)

    def render(self) -> Text:
        df = self.frame
        out = Text(no_wrap=True, overflow="crop")
        if df is None or not df.height or df["ts"].drop_nulls().len() == 0:
            out.append("(no timeline events)", style="dim italic")
            return out
        ts = df["ts"].drop_nulls()
        t0: Any = ts.min()
        t1: Any = ts.max()
        hosts = sorted(h for h in df["host"].unique().to_list() if h is not None)
        label_w = min(12, max(len(h) for h in hosts) + 1) if hosts else 6
        width = max(10, self.size.width - label_w - 4)
        span = max(1.0, (t1 - t0).total_seconds())
        prio = list(GLYPHS)
        for host in hosts:
            cells = [" "] * width
            rank = [len(prio)] * width
            sub = df.filter(df["host"] == host)
            for t, cat in zip(sub["ts"].to_list(), sub["category"].to_list(), strict=True):
                if t is None or cat not in GLYPHS:
                    continue
                i = min(width - 1, int((t - t0).total_seconds() / span * (width - 1)))
                r = prio.index(cat)
                if r < rank[i]:
                    rank[i], cells[i] = r, GLYPHS[cat]
            out.append(f"{inert(host)[: label_w - 1]:<{label_w}}", style="bold")
            out.append("│")
            for c in cells:
                style = {"R": "red", "B": "cyan", "M": "magenta", "H": "green", "D": "yellow", "!": "red"}.get(c, "dim")
                out.append(c if c != " " else "·", style=style if c != " " else "dim")
            out.append("\n")
        left, right = fmt_value(t0)[:19], fmt_value(t1)[:19]
        pad = max(1, width - len(left) - len(right))
        out.append(" " * (label_w + 1) + left + " " * pad + right + "\n", style="dim")
        out.append(" " * (label_w + 1), style="dim")
        out.append("  ".join(f"{g}={c}" for c, g in GLYPHS.items()), style="dim")
        return out


class TimelineScreen(WorkbenchScreen):
    MODE = "timeline"
    TITLE_TEXT = "Timeline"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_lines", "Log lines"),
        Binding("c", "pick_category", "Category"),
        Binding("h", "pick_host", "Host"),
        Binding("x", "clear", "Clear filter", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield Notice(id="timeline-notice")
        yield LaneChart(id="lanes")
        yield Static(id="timeline-status")
        yield FrameView(
            [
                Col("ts", "time (UTC)", 19, fmt=lambda v: fmt_value(v)[:19]),
                Col("host", "host", 10),
                Col("type", "event", 24),
                Col("detail", "detail", 0),
            ],
            row_class=lambda r: "error" if r.get("category") == "recovery" else "warn"
            if r.get("type") in ("broker_expired", "broker_register_failed", "ha_connection_expired", "disk_warning",
                                  "abnormal_shutdown_detected", "broker_busy")
            else None,
            empty_text="(no events)",
            id="timeline-table",
        )

    def on_mount(self) -> None:
        self.all: pl.DataFrame | None = None
        self.category: str | None = None
        self.host: str | None = None
        self.query_one("#timeline-table", FrameView).focus()

    def refresh_data(self, kind: str) -> None:
        if kind not in ("logs", "all", "live"):
            return
        ev = self.wb.logs.events
        notice = self.query_one("#timeline-notice", Notice)
        if not ev.ready:
            text, err = part_notice(ev, "events")
            notice.say(text, error=err)
            return
        notice.say("")
        self._build(ev.value)

    @work(thread=True, exclusive=True, group="timeline")
    def _build(self, events: pl.DataFrame) -> None:
        df = timeline_frame(events)
        self.app.call_from_thread(self._set_all, df)

    def _set_all(self, df: pl.DataFrame) -> None:
        self.all = df
        self._apply()

    def _apply(self) -> None:
        import polars as pl

        if self.all is None:
            return
        df = self.all
        if self.category:
            df = df.filter(pl.col("category") == self.category)
        if self.host:
            df = df.filter(pl.col("host") == self.host)
        self.query_one("#lanes", LaneChart).set_frame(df)
        table = self.query_one("#timeline-table", FrameView)
        table.set_frame(df, cursor=0)
        flt = " ".join(x for x in (self.category and f"category={self.category}", self.host and f"host={self.host}") if x)
        status = Text(f" {df.height}/{self.all.height} events ", style="bold")
        status.append(inert(flt or "all categories"))
        self.query_one("#timeline-status", Static).update(status)

    def action_pick_category(self) -> None:
        cats = sorted(set(CATEGORIES.values()))
        choices: list[tuple[str | None, str]] = [(None, "(all)")] + [(c, c) for c in cats]

        def done(v: str | None) -> None:
            self.category = v
            self._apply()

        self.app.push_screen(PickScreen("Show category", choices), done)

    def action_pick_host(self) -> None:
        hosts = sorted(h for h in self.all["host"].unique().to_list() if h) if self.all is not None else []
        choices: list[tuple[str | None, str]] = [(None, "(all)")] + [(h, h) for h in hosts]

        def done(v: str | None) -> None:
            self.host = v
            self._apply()

        self.app.push_screen(PickScreen("Show host", choices), done)

    def action_clear(self) -> None:
        self.category = self.host = None
        self._apply()

    async def action_open_lines(self) -> None:
        row = self.query_one("#timeline-table", FrameView).current
        if row is not None:
            await self.wb.goto_log_line(row.get("host"), row.get("file"), row.get("line_no"))

    async def on_frame_view_selected(self, event: FrameView.Selected) -> None:
        await self.action_open_lines()
