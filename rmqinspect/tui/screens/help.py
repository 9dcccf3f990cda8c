"""The help screen: every key of every screen, generated from the bindings so it cannot go stale."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.frame_view import FrameView

INTRO = (
    "rmqinspect tui — a read-only forensic workbench for RocketMQ hosts.\n"
    "Keys work everywhere; the mouse works too (click a row, double-click to open).\n"
    "Ctrl+P opens the command palette: every action below is there by name.\n"
)


def binding_rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
    rows = []
    for b in bindings:
        if isinstance(b, Binding):
            rows.append((b.key_display or b.key, b.description or b.action))
        elif isinstance(b, tuple) and len(b) >= 3:
            rows.append((b[0], b[2]))
    return rows


def help_text() -> Text:
    from ..app import RmqInspectApp, screen_classes

    text = Text(INTRO + "\n")
    sections: list[tuple[str, list[BindingType]]] = [("Everywhere", list(RmqInspectApp.BINDINGS))]
    from .message import MessageScreen

    for mode, cls in screen_classes().items():
        sections.append((f"{cls.TITLE_TEXT or mode}", list(cls.BINDINGS)))
    sections.append(("Message detail (Enter on a message)", list(MessageScreen.BINDINGS)))
    sections.append(("Tables", [b for b in FrameView.BINDINGS if isinstance(b, Binding)]))
    for title, bindings in sections:
        rows = binding_rows(bindings)
        if not rows:
            continue
        text.append(f"{title}\n", style="bold underline")
        for key, desc in rows:
            text.append(f"  {key:<16}", style="bold")
            text.append(f"{desc}\n")
        text.append("\n")
    return text


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: round $accent;
        background: $surface; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_text(), id="help-text")

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)
