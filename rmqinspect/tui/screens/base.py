"""Shared shape of every workbench screen: header, screen bar, body, footer; data arrives by signal."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...render.safe import inert
from ..widgets.nav import NavBar

if TYPE_CHECKING:
    from ..app import RmqInspectApp
    from ..data import Part


class Notice(Static):
    """A one-line message in place of data: "not available", "loading…", an error."""

    DEFAULT_CSS = """
    Notice { color: $text-muted; padding: 0 1; height: auto; }
    Notice.-error { color: $error; }
    """

    def say(self, message: str, *, error: bool = False) -> None:
        self.set_class(error, "-error")
        self.display = bool(message)
        self.update(Text(inert(message)))


def part_notice(part: Part, what: str) -> tuple[str, bool]:
    """The notice for a data part that is not ready: (text, is_error)."""
    if part.status == "pending":
        return f"{what}: loading…", False
    if part.status == "unavailable":
        return f"{what}: not available — {part.message}", False
    if part.status == "error":
        return f"{what}: {part.message}", True
    return "", False


class WorkbenchScreen(Screen[None]):
    """Base class: subclasses set ``MODE`` and implement ``compose_body`` and ``refresh_data``."""

    MODE: ClassVar[str] = ""
    TITLE_TEXT: ClassVar[str] = ""

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield NavBar(self.MODE)
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    @property
    def wb(self) -> RmqInspectApp:
        from ..app import RmqInspectApp

        assert isinstance(self.app, RmqInspectApp)
        return self.app

    def on_mount(self) -> None:
        self.sub_title = self.TITLE_TEXT
        self.wb.data_changed.subscribe(self, self.refresh_data)
        self.refresh_data("all")

    def refresh_data(self, kind: str) -> None:
        """Called on mount and whenever a loader finishes (``kind``: 'logs', 'store', 'live', 'all')."""
