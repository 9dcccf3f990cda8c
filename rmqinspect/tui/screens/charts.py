"""Charts: slave lag, put/flush latency, messages per minute per topic, registrations per NameServer."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from ...render.safe import inert
from .. import charts
from ..widgets.frame_view import fmt_value
from .base import WorkbenchScreen

if TYPE_CHECKING:
    import polars as pl

TABS: tuple[tuple[str, str], ...] = (
    ("lag", "Slave lag"),
    ("latency", "Put/flush latency"),
    ("topics", "Msgs/min per topic"),
    ("registrations", "Registrations"),
)


class ChartsScreen(WorkbenchScreen):
    MODE = "charts"
    TITLE_TEXT = "Charts"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "tab('lag')", "Lag"),
        Binding("p", "tab('latency')", "Latency"),
        Binding("m", "tab('topics')", "Msgs/min"),
        Binding("r", "tab('registrations')", "Registrations"),
    ]

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="chart-tabs"):
            for key, title in TABS:
                with TabPane(title, id=f"tab-{key}"):
                    yield Static(id=f"note-{key}", classes="chart-note")
                    yield PlotextPlot(id=f"plot-{key}")

    def action_tab(self, key: str) -> None:
        self.query_one("#chart-tabs", TabbedContent).active = f"tab-{key}"

    def refresh_data(self, kind: str) -> None:
        if kind == "progress":
            return
        events = self.wb.logs.events.value if self.wb.logs.events.ready else None
        st = self.wb.store
        messages = st.messages if st is not None and st.scan.ready else None
        self._compute(events, messages, self.wb.logs.done, st is None or st.done)

    @work(thread=True, exclusive=True, group="charts")
    def _compute(self, events: pl.DataFrame | None, messages: pl.DataFrame | None, logs_done: bool, store_done: bool) -> None:
        result = {
            "lag": charts.lag_chart(events),
            "latency": charts.latency_chart(events),
            "topics": charts.topic_rate_chart(messages),
            "registrations": charts.registrations_chart(events),
        }
        if not logs_done:
            for k in ("lag", "latency", "registrations"):
                result[k].note = "reading logs…"
        if not store_done:
            result["topics"].note = "scanning store…"
        self.app.call_from_thread(self._draw, result)

    def _draw(self, result: dict[str, charts.Chart]) -> None:
        for key, chart in result.items():
            note = self.query_one(f"#note-{key}", Static)
            header = Text(inert(chart.title), style="bold")
            if chart.t0 is not None:
                header.append(f"   x = minutes since {fmt_value(chart.t0)[:16]} UTC", style="dim")
            if chart.note:
                header.append("\n" + inert(chart.note), style="dim italic")
            note.update(header)
            widget = self.query_one(f"#plot-{key}", PlotextPlot)
            plt = widget.plt
            plt.clear_data()
            plt.clear_figure()
            plt.ylabel(chart.y_label)
            plt.xlabel("minutes")
            for name, xs, ys in chart.series:
                if not xs:
                    continue
                if chart.counts:
                    plt.plot(xs, ys, label=inert(name)[:24], marker="braille")
                else:  # measurements: only where a log line reported one, no invented in-between values
                    plt.scatter(xs, ys, label=inert(name)[:24], marker="dot")
            widget.refresh()
