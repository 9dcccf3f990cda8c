"""Message detail: header fields, properties, body (text / hex / JSON) and the annotated raw record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from ...render.safe import inert
from ..data import api, describe_error
from ..record_spans import record_spans
from ..widgets.frame_view import fmt_value
from ..widgets.hexview import HexView, hex_text

SKIP_FIELDS = ("raw", "body", "body_stored", "properties", "properties_raw")
BODY_MODES = ("text", "hex", "json")


def kv_text(items: list[tuple[str, Any]]) -> Text:
    out = Text()
    width = max((len(k) for k, _ in items), default=0) + 2
    for k, v in items:
        out.append(f"{inert(k):<{width}}", style="bold")
        out.append(fmt_value(v) if not isinstance(v, list) else ", ".join(map(fmt_value, v)))
        out.append("\n")
    return out


def body_text(body: bytes, mode: str) -> Text:
    """The body as text (UTF-8, invalid bytes replaced), hex dump, or pretty JSON — always inert."""
    if mode == "hex":
        return hex_text(body, 0)
    text = body.decode("utf-8", errors="replace")
    if mode == "json":
        try:
            doc = json.loads(text)
        except ValueError as e:
            return Text(f"not JSON: {e}", style="italic")
        return Text(inert(json.dumps(doc, indent=2, ensure_ascii=False)).replace("\u240a", "\n"))
    return Text("\n".join(inert(line) for line in text.split("\n")))


class MessageScreen(Screen[None]):
    """One message, read again from disk with ``read_record`` (so body and raw bytes are exact)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back"),
        Binding("f", "tab('fields')", "Fields"),
        Binding("p", "tab('props')", "Properties"),
        Binding("b", "tab('body')", "Body"),
        Binding("r", "tab('raw')", "Raw hex"),
        Binding("t", "body_mode('text')", "Body text", show=False),
        Binding("x", "body_mode('hex')", "Body hex", show=False),
        Binding("j", "body_mode('json')", "Body JSON", show=False),
    ]
    TITLE_TEXT = "Message"
    PALETTE_BINDINGS = True  # the command palette lists this screen's actions while it is shown

    def __init__(self, store: Path, row: dict[str, Any]) -> None:
        super().__init__()
        self.store = store
        self.row = row
        self.record: dict[str, Any] | None = None
        self.body_mode = "text"

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        with TabbedContent(id="msg-tabs"):
            with TabPane("Fields", id="tab-fields"), VerticalScroll():
                yield Static(id="msg-fields")
            with TabPane("Properties", id="tab-props"), VerticalScroll():
                yield Static(id="msg-props")
            with TabPane("Body", id="tab-body"), VerticalScroll():
                yield Static(id="msg-body-mode")
                yield Static(id="msg-body")
            with TabPane("Raw record", id="tab-raw"):
                yield HexView(id="msg-hex")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"message at phy offset {self.row.get('phy_offset')}"
        self._show_fields(self.row, note="from the scan; reading the record…")
        self._read(self.store, int(self.row["phy_offset"]))

    @work(thread=True, exclusive=True, group="message")
    def _read(self, store: Path, phy_offset: int) -> None:
        try:
            rec = api("parsers.commitlog", "read_record")(store, phy_offset)
            err = ""
        except Exception as e:
            rec, err = None, describe_error(e)
        self.app.call_from_thread(self._loaded, rec, err)

    def _loaded(self, rec: dict[str, Any] | None, err: str) -> None:
        self.record = rec
        hexv = self.query_one("#msg-hex", HexView)
        if rec is None:
            self._show_fields(self.row, note=f"cannot read the record: {err}")
            self.query_one("#msg-body", Static).update(Text(inert(err), style="red"))
            hexv.show_message(err)
            return
        problems = rec.get("problems") or []
        self._show_fields(rec, note="problems: " + "; ".join(problems) if problems else "")
        props = rec.get("properties") or {}
        self.query_one("#msg-props", Static).update(kv_text(sorted(props.items())) if props else Text("(none)"))
        self._show_body()
        hexv.show(bytes(rec.get("raw") or b""), int(rec["phy_offset"]), record_spans(rec))

    def _show_fields(self, src: dict[str, Any], note: str = "") -> None:
        items = [(k, v) for k, v in src.items() if k not in SKIP_FIELDS]
        text = kv_text(items)
        if note:
            text = Text(inert(note) + "\n\n", style="yellow") + text
        self.query_one("#msg-fields", Static).update(text)

    def _show_body(self) -> None:
        if self.record is None:
            return
        body = bytes(self.record.get("body") or b"")
        mode = Text(" ".join(f"[{m}]" if m == self.body_mode else m for m in BODY_MODES), style="bold")
        mode.append(f"   {len(body)} bytes   t text · x hex · j JSON", style="dim")
        self.query_one("#msg-body-mode", Static).update(mode)
        self.query_one("#msg-body", Static).update(body_text(body, self.body_mode))

    def action_tab(self, tab: str) -> None:
        self.query_one("#msg-tabs", TabbedContent).active = f"tab-{tab}"

    def action_body_mode(self, mode: str) -> None:
        self.body_mode = mode
        self.action_tab("body")
        self._show_body()

    def action_close(self) -> None:
        self.app.pop_screen()

    def _fmt(self, v: Any) -> str:
        return fmt_value(v)
