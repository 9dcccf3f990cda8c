"""Integrity: the findings of the store checks, the recovery prediction, and the bytes at a finding."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from ...render.safe import inert
from ..health import as_dict
from ..neighbourhood import Neighbourhood, neighbourhood
from ..widgets.frame_view import Col, FrameView, fmt_value
from ..widgets.hexview import HexView
from .base import Notice, WorkbenchScreen, part_notice

if TYPE_CHECKING:
    import polars as pl


def severity_class(row: dict[str, Any]) -> str | None:
    return {"error": "error", "warning": "warn"}.get(str(row.get("severity")))


def recovery_text(rec: Any) -> Text:
    """The prediction in a few sentences; every number is a field of ``RecoveryPrediction``."""
    d = as_dict(rec)
    out = Text()
    version = f"RocketMQ {d.get('version')}" + (" (assumed)" if d.get("version_assumed") else "")
    if d.get("refuses_to_start"):
        out.append(f"{version}: the broker would refuse to start — {inert(str(d['refuses_to_start']))}", style="bold red")
        return out
    out.append(f"{version}, {d.get('mode')} recovery from {inert(str(d.get('start_file')))}")
    out.append(f" → keeps the commitlog up to offset {d.get('recovered_offset')}; ")
    lost = d.get("dropped_bytes") or d.get("dropped_messages")
    out.append(
        f"drops {d.get('dropped_bytes')} bytes / {d.get('dropped_messages')} messages",
        style="bold red" if lost else "green",
    )
    out.append(f"; consume queues truncated: {fmt_value(d.get('cq_truncated'))}; to re-dispatch: {d.get('to_dispatch')}")
    if d.get("index_files_deleted"):
        out.append(f"; index files deleted: {len(d['index_files_deleted'])}")
    for note in d.get("notes") or []:
        out.append("\n  " + inert(str(note)), style="dim")
    out.append(f"\n  why this start file: {inert(str(d.get('start_reason')))}", style="dim")
    return out


class IntegrityScreen(WorkbenchScreen):
    MODE = "integrity"
    TITLE_TEXT = "Integrity"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "show_bytes", "Bytes at finding"),
        Binding("escape", "hide_bytes", "Hide bytes", show=False),
        Binding("right_square_bracket", "next_store(1)", "Next store", key_display="]", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield Notice(id="integrity-notice")
        yield Static(id="recovery")
        yield FrameView(
            [
                Col("severity", "severity", 8),
                Col("check", "check", 22),
                Col("file", "file", 28),
                Col("offset", "offset", 12, align_right=True),
                Col("detail", "detail", 0),
            ],
            row_class=severity_class,
            empty_text="(no findings)",
            id="findings",
        )
        with Vertical(id="bytes-pane"):
            yield Static(id="neighbours")
            yield HexView(id="finding-hex")

    def on_mount(self) -> None:
        self.query_one("#bytes-pane").display = False
        self.query_one("#findings", FrameView).focus()

    def refresh_data(self, kind: str) -> None:
        if kind not in ("store", "all"):
            return
        notice = self.query_one("#integrity-notice", Notice)
        st = self.wb.store
        table = self.query_one("#findings", FrameView)
        if st is None:
            notice.say("no store directory given (use --store DIR)")
            return
        if st.problem:
            notice.say(st.problem, error=True)
            return
        if not st.findings.ready:
            text, err = part_notice(st.findings, "findings")
            notice.say(text, error=err)
        else:
            notice.say(f"store {st.label}: {inert(str(st.path))}" if len(self.wb.stores) > 1 else "")
            table.set_frame(st.findings.value)
        self.query_one("#recovery", Static).update(self._recovery_text())

    def _recovery_text(self) -> Text:
        st = self.wb.store
        out = Text()
        out.append("Recovery prediction: ", style="bold")
        if st is None:
            return out
        if not st.recovery.ready:
            out.append(inert(part_notice(st.recovery, "recovery")[0] or "n/a"), style="dim")
            return out
        return out + recovery_text(st.recovery.value)

    def action_show_bytes(self) -> None:
        st = self.wb.store
        row = self.query_one("#findings", FrameView).current
        if st is None or row is None:
            return
        self.query_one("#bytes-pane").display = True
        hexv = self.query_one("#finding-hex", HexView)
        if row.get("offset") is None or not row.get("file"):
            hexv.show_message("this finding has no byte offset")
            self.query_one("#neighbours", Static).update(Text(inert(str(row.get("detail"))), style="bold"))
            return
        hexv.show_message("reading…")
        self._read_worker(st.path, st.messages, str(row["file"]), int(row["offset"]))

    def on_frame_view_selected(self, event: FrameView.Selected) -> None:
        self.action_show_bytes()

    @work(thread=True, exclusive=True, group="integrity-bytes")
    def _read_worker(self, root: Any, messages: pl.DataFrame | None, file: str, offset: int) -> None:
        nb = neighbourhood(root, messages, file, offset)
        self.app.call_from_thread(self._show, nb)

    def _show(self, nb: Neighbourhood) -> None:
        row = self.query_one("#findings", FrameView).current
        detail = Text(inert(str(row.get("detail"))) + "\n", style="bold") if row else Text()
        hexv = self.query_one("#finding-hex", HexView)
        if nb.error:
            hexv.show_message(nb.error)
        else:
            hexv.show(nb.data, nb.base, nb.spans, focus=nb.focus)
        self.query_one("#neighbours", Static).update(detail + nb.summary())

    def action_hide_bytes(self) -> None:
        self.query_one("#bytes-pane").display = False

    def action_next_store(self, step: int) -> None:
        if len(self.wb.stores) > 1:
            self.wb.current_store = (self.wb.current_store + step) % len(self.wb.stores)
            self.refresh_data("store")
