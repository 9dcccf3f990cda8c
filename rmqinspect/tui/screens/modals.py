"""Small modal screens shared by the workbench: pick one of a list, type a value, read a text panel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...render.safe import inert


class PickScreen(ModalScreen[str | None]):
    """Choose one of ``choices`` (value, label); Escape returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    PickScreen { align: center middle; }
    PickScreen > Vertical { width: 70; max-width: 95%; height: auto; max-height: 80%; border: round $accent;
        background: $surface; }
    PickScreen OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, title: str, choices: Sequence[tuple[str | None, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(inert(self.title_text), style="bold"))
            yield OptionList(*(Option(Text(inert(label)), id=str(i)) for i, (_, label) in enumerate(self.choices)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        self.dismiss(self.choices[index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


class AskScreen(ModalScreen[str | None]):
    """Ask for one line of text; Enter returns it, Escape returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen > Vertical { width: 76; max-width: 95%; height: auto; border: round $accent; background: $surface;
        padding: 0 1; }
    AskScreen .hint { color: $text-muted; }
    """

    def __init__(self, prompt: str, *, value: str = "", hint: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.value = value
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(inert(self.prompt), style="bold"))
            yield Input(value=self.value, id="ask-input")
            if self.hint:
                yield Static(Text(inert(self.hint)), classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextScreen(ModalScreen[None]):
    """A scrollable read-only text panel (a record in full, an event's fields)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "close", "Close")]
    DEFAULT_CSS = """
    TextScreen { align: center middle; }
    TextScreen > VerticalScroll { width: 95%; height: 90%; border: round $accent; background: $surface;
        padding: 0 1; }
    """

    def __init__(self, title: str, body: Text) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll() as v:
            v.border_title = Text(inert(self.title_text))
            yield Static(self.body, id="text-body")

    def action_close(self) -> None:
        self.dismiss(None)
