"""The row of screen names under the header: shows where you are, clickable to go elsewhere."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

SCREENS: tuple[tuple[str, str, str], ...] = (
    ("1", "overview", "Overview"),
    ("2", "logs", "Logs"),
    ("3", "timeline", "Timeline"),
    ("4", "store", "Store"),
    ("5", "integrity", "Integrity"),
    ("6", "charts", "Charts"),
)


class NavBar(Static):
    """``1 Overview  2 Logs …`` with the current screen highlighted; a click switches screen."""

    DEFAULT_CSS = """
    NavBar { height: 1; background: $panel; color: $text-muted; }
    """

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        for key, mode, title in SCREENS:
            style = "bold reverse" if mode == self.current else ""
            text.append(f" {key} {title} ", style=style)
            text.append(" ")
        text.append(" ? Help", style="dim")
        return text

    def on_click(self, event: object) -> None:
        x = getattr(event, "x", -1)
        pos = 0
        for _key, mode, title in SCREENS:
            width = len(title) + 4 + 1
            if pos <= x < pos + width:
                self.app.switch_mode(mode)
                return
            pos += width
