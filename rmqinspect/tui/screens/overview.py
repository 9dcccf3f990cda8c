"""Overview: what these files are (identity), what the store holds, and health verdicts that link onwards."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, ProgressBar, Static

from ...render.safe import inert
from ..data import StoreState
from ..health import Verdict, identity_rows, summary_rows, verdicts
from .base import WorkbenchScreen


def t(value: Any, style: str = "", limit: int = 0) -> Text:
    text = inert("" if value is None else str(value))
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return Text(text, style=style)


class OverviewScreen(WorkbenchScreen):
    MODE = "overview"
    TITLE_TEXT = "Overview"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_verdict", "Open check"),
        Binding("r", "reload", "Reload"),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="overview-body"):
            yield Static(Text("Sources", style="bold"), classes="section-title")
            yield Static(id="sources")
            yield ProgressBar(total=1.0, show_eta=False, id="scan-progress")
            yield Static(Text("Health", style="bold"), classes="section-title")
            yield DataTable(id="health", cursor_type="row")
            yield Static(Text("Identity", style="bold"), classes="section-title")
            yield DataTable(id="identity", cursor_type="none", zebra_stripes=False)
            yield Static(Text("Store summary", style="bold"), classes="section-title")
            yield DataTable(id="summary", cursor_type="none")

    def on_mount(self) -> None:
        ident = self.query_one("#identity", DataTable)
        ident.add_columns("host", "role", "cluster", "broker", "address", "version", "source")
        health = self.query_one("#health", DataTable)
        health.add_columns("go to", "check", "verdict", "detail")
        summ = self.query_one("#summary", DataTable)
        summ.add_columns("store", "item", "value")
        self._verdicts: list[Verdict] = []
        health.focus(scroll_visible=False)

    def _sources_text(self) -> Text:
        wb = self.wb
        out = Text()
        for st in wb.stores:
            out.append("store ", style="bold")
            out.append(inert(str(st.path)))
            out.append("  ")
            out.append_text(_store_status(st))
            out.append("\n")
        if not wb.stores:
            out.append("store ", style="bold")
            out.append("none given (use --store DIR)\n", style="dim")
        for d in wb.logs.dirs:
            out.append("logs  ", style="bold")
            out.append(inert(str(d)) + "\n")
        if not wb.logs.dirs:
            out.append("logs  ", style="bold")
            out.append("none given (use --logs DIR)\n", style="dim")
        for p in wb.logs.problems:
            out.append(inert(p) + "\n", style="red")
        lines = wb.logs.lines
        if lines.ready and lines.value is not None:
            out.append(f"      {lines.value.height} log lines", style="dim")
            ev = wb.logs.events
            if ev.ready and ev.value is not None:
                out.append(f", {ev.value.height} events", style="dim")
            out.append("\n")
        elif lines.status == "pending":
            out.append("      reading logs…\n", style="dim")
        elif lines.message and wb.logs.dirs:
            out.append("      " + inert(lines.message) + "\n", style="red" if lines.status == "error" else "dim")
        return out

    def refresh_data(self, kind: str) -> None:
        wb = self.wb
        self.query_one("#sources", Static).update(self._sources_text())
        bar = self.query_one("#scan-progress", ProgressBar)
        scanning = [s for s in wb.stores if not s.done]
        bar.display = bool(scanning)
        if scanning:
            bar.update(progress=min(s.progress or 0.0 for s in scanning))
        if kind == "progress":
            return
        ident = self.query_one("#identity", DataTable)
        ident.clear()
        for row in identity_rows(wb):
            ident.add_row(*(t(v) for v in row))
        self._verdicts = verdicts(wb)
        health = self.query_one("#health", DataTable)
        cursor = health.cursor_row
        health.clear()
        for v in self._verdicts:
            style = {"bad": "bold red", "warn": "yellow", "ok": "green"}.get(v.level, "dim")
            health.add_row(
                t(v.screen_title, "underline"), t(v.check), t(v.verdict, style, 28), t(v.detail, "", 60)
            )
        if self._verdicts:
            health.move_cursor(row=min(cursor, len(self._verdicts) - 1))
        summ = self.query_one("#summary", DataTable)
        summ.clear()
        for row in summary_rows(wb):
            summ.add_row(*(t(v) for v in row))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "health":
            self._open(event.cursor_row)

    def action_open_verdict(self) -> None:
        self._open(self.query_one("#health", DataTable).cursor_row)

    def _open(self, index: int) -> None:
        if 0 <= index < len(self._verdicts):
            self.app.switch_mode(self._verdicts[index].screen)

    def action_reload(self) -> None:
        self.refresh_data("all")


def _store_status(st: StoreState) -> Text:
    if st.problem:
        return Text(inert(st.problem), style="bold red")
    if not st.done:
        pct = f" {st.progress * 100:.0f}%" if st.progress is not None else ""
        return Text(f"scanning…{pct}", style="dim")
    if st.scan.ready:
        n = st.messages.height if st.messages is not None else 0
        return Text(f"scanned: {n} messages", style="green")
    return Text(inert(st.scan.message), style="red" if st.scan.status == "error" else "dim")
