"""Command palette provider: one entry per action of the app and of every screen.

Entries are generated from the same ``BINDINGS`` the footer and help screen use, so a new key binding
is in the palette without further work. Choosing an entry for another screen switches to it first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from .app import RmqInspectApp


def palette_entries(app: RmqInspectApp) -> list[tuple[str, str, Callable[[], object]]]:
    """(title, help, callback) for every action."""
    from .app import screen_classes

    entries: list[tuple[str, str, Callable[[], object]]] = []
    seen: set[str] = set()
    for b in app.BINDINGS:
        if isinstance(b, Binding) and b.description and b.action not in seen:
            seen.add(b.action)
            entries.append((b.description, f"key: {b.key_display or b.key}", partial(app.run_action, b.action)))
    for mode, cls in screen_classes().items():
        for b in cls.BINDINGS:
            if not isinstance(b, Binding) or not b.description:
                continue
            title = f"{cls.TITLE_TEXT}: {b.description}"
            if title in seen:
                continue
            seen.add(title)
            entries.append((title, f"key: {b.key_display or b.key}", partial(app.run_screen_action, mode, b.action)))
    screen = app.screen
    extra = getattr(screen, "PALETTE_BINDINGS", None)
    if extra is not None:  # a pushed screen (message detail): its own actions, run on it
        for b in screen.BINDINGS:
            if isinstance(b, Binding) and b.description:
                title = f"{getattr(screen, 'TITLE_TEXT', 'Screen')}: {b.description}"
                entries.append((title, f"key: {b.key_display or b.key}", partial(screen.run_action, b.action)))
    return entries


class WorkbenchCommands(Provider):
    """Every workbench action by name."""

    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        from .app import RmqInspectApp

        app = self.app
        return palette_entries(app) if isinstance(app, RmqInspectApp) else []

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
