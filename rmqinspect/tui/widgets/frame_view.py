"""A virtual table over a Polars frame: only the visible rows are ever formatted.

Why not ``DataTable``: it materialises every row as Python objects, which does not scale to stores with
10 M+ messages. ``FrameView`` keeps the frame as is and reads it in pages of ``PAGE`` rows
(``df.slice(...).rows()``), with an LRU cache of pages and of rendered lines (toolong's approach). Every value
is passed through :func:`rmqinspect.render.safe.inert` before it reaches the terminal, and is emitted as a
plain Segment, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...render.safe import inert

if TYPE_CHECKING:
    import polars as pl

PAGE = 256


def fmt_value(value: Any) -> str:
    """One cell's text: stable, inert, no locale or clock dependence."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") + (
            f".{value.microsecond // 1000:03d}" if value.microsecond else ""
        )
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)[:64].hex()
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    return inert(str(value))


@dataclass(frozen=True, slots=True)
class Col:
    """One column: the frame column ``name``, a header ``title`` and a fixed cell ``width`` (0 = rest)."""

    name: str
    title: str = ""
    width: int = 10
    align_right: bool = False
    fmt: Callable[[Any], str] | None = None
    hide_below: int = 0  # hide this column when the view is narrower than this (80×24 terminals)

    @property
    def header(self) -> str:
        return self.title or self.name


RowClass = Callable[[dict[str, Any]], str | None]


class FrameView(ScrollView, can_focus=True):
    """Scrollable, cursor-driven view of a frame; posts ``Highlighted`` and ``Selected`` messages."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "frame-view--header",
        "frame-view--cursor",
        "frame-view--error",
        "frame-view--warn",
        "frame-view--event",
        "frame-view--match",
        "frame-view--dim",
        "frame-view--empty",
    }

    DEFAULT_CSS = """
    FrameView { height: 1fr; background: $surface; }
    FrameView > .frame-view--header { text-style: bold; background: $panel; color: $foreground; }
    FrameView > .frame-view--cursor { background: $block-cursor-blurred-background; }
    FrameView:focus > .frame-view--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    FrameView > .frame-view--error { color: $error; }
    FrameView > .frame-view--warn { color: $warning; }
    FrameView > .frame-view--event { color: $accent; text-style: bold; }
    FrameView > .frame-view--match { background: $warning 30%; }
    FrameView > .frame-view--dim { color: $text-muted; }
    FrameView > .frame-view--empty { color: $text-muted; text-style: italic; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        def __init__(self, view: FrameView, row: int) -> None:
            super().__init__()
            self.view = view
            self.row = row

        @property
        def control(self) -> FrameView:
            return self.view

    class Selected(Message):
        def __init__(self, view: FrameView, row: int) -> None:
            super().__init__()
            self.view = view
            self.row = row

        @property
        def control(self) -> FrameView:
            return self.view

    def __init__(
        self,
        columns: Sequence[Col],
        *,
        row_class: RowClass | None = None,
        empty_text: str = "(no rows)",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.all_columns = list(columns)
        self.columns = list(columns)
        self.row_class = row_class
        self.empty_text = empty_text
        self._df: pl.DataFrame | None = None
        self._pages: LRUCache[int, list[dict[str, Any]]] = LRUCache(64)
        self._texts: LRUCache[int, tuple[str, str | None]] = LRUCache(4096)
        self._style_cache: dict[str, Style] = {}
        self._marks: set[int] = set()

    # ---- data -------------------------------------------------------------------------------------------
    @property
    def frame(self) -> pl.DataFrame | None:
        return self._df

    @property
    def row_count(self) -> int:
        return 0 if self._df is None else self._df.height

    def set_frame(
        self, df: pl.DataFrame | None, *, cursor: int | None = None, marks: set[int] | None = None
    ) -> None:
        """Show ``df`` (``None`` → empty). ``cursor`` keeps/sets the cursor row (clamped)."""
        self._df = df
        self._pages.clear()
        self._texts.clear()
        self._marks = marks or set()
        self._update_virtual_size()
        new = self.cursor if cursor is None else cursor
        self.cursor = max(0, min(new, self.row_count - 1)) if self.row_count else 0
        self.refresh()

    def set_marks(self, marks: set[int]) -> None:
        self._marks = marks
        self.refresh()

    def row(self, index: int) -> dict[str, Any] | None:
        if self._df is None or not (0 <= index < self._df.height):
            return None
        page_no, pos = divmod(index, PAGE)
        page = self._pages.get(page_no)
        if page is None:
            page = self._df.slice(page_no * PAGE, PAGE).to_dicts()
            self._pages[page_no] = page
        return page[pos]

    @property
    def current(self) -> dict[str, Any] | None:
        return self.row(self.cursor)

    # ---- geometry -----------------------------------------------------------------------------------------
    def _fixed_width(self) -> int:
        return sum(c.width + 1 for c in self.columns if c.width)

    def _rest_width(self) -> int:
        return max(20, self.size.width - self._fixed_width())

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self._fixed_width() + self._rest_width(), self.row_count + 1)

    def on_resize(self, event: events.Resize) -> None:
        self.columns = [c for c in self.all_columns if event.size.width >= c.hide_below]
        self._texts.clear()
        self._update_virtual_size()

    # ---- cursor -------------------------------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.row_count - 1)) if self.row_count else 0

    def watch_cursor(self, old: int, new: int) -> None:
        top = int(self.scroll_y)
        self._scroll_cursor_visible()
        if int(self.scroll_y) == top:
            # only the two rows whose highlight changed: a full repaint costs several times more
            self.refresh_line(old + 1)  # virtual line: the header is line 0
            self.refresh_line(new + 1)
        else:
            self.refresh()
        if self.row_count:
            self.post_message(self.Highlighted(self, new))

    def _scroll_cursor_visible(self) -> None:
        body = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(1, self.size.height - 2)

    def action_edge(self, end: int) -> None:
        self.cursor = self.row_count - 1 if end else 0

    def action_select(self) -> None:
        if self.row_count:
            self.post_message(self.Selected(self, self.cursor))

    def go_to(self, index: int) -> None:
        """Move the cursor to ``index`` and scroll it to the middle of the view."""
        self.cursor = index
        body = max(1, self.size.height - 1)
        self.scroll_to(y=max(0, self.cursor - body // 2), animate=False, immediate=True)

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < self.row_count:
            self.cursor = index
            if event.chain >= 2:
                self.post_message(self.Selected(self, index))

    # ---- rendering ----------------------------------------------------------------------------------------
    def _cells(self, values: Sequence[str], widths: Sequence[int], rights: Sequence[bool]) -> str:
        parts = []
        for text, width, right in zip(values, widths, rights, strict=True):
            if cell_len(text) > width:
                text = (
                    set_cell_size(text, max(0, width - 1)) + "…" if width > 1 else set_cell_size(text, width)
                )
            parts.append(text.rjust(width) if right else set_cell_size(text, width))
        return " ".join(parts)

    def _widths(self) -> list[int]:
        rest = self._rest_width()
        return [c.width or rest for c in self.columns]

    def _style(self, name: str) -> Style:
        """Component styles, cached until the CSS/theme changes (``notify_style_update``)."""
        style = self._style_cache.get(name)
        if style is None:
            style = self.rich_style if name == "base" else self.get_component_rich_style(name)
            self._style_cache[name] = style
        return style

    def notify_style_update(self) -> None:
        self._style_cache.clear()
        super().notify_style_update()

    def on_focus(self) -> None:
        self._style_cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._style_cache.clear()
        self.refresh()

    def _row_text(self, index: int) -> tuple[str, str | None]:
        """The formatted cells of row ``index`` and its row class; cached (formatting is the costly part)."""
        cached = self._texts.get(index)
        if cached is None:
            row = self.row(index) or {}
            values = [(c.fmt or fmt_value)(row.get(c.name)) for c in self.columns]
            text = self._cells(values, self._widths(), [c.align_right for c in self.columns])
            cached = (text, self.row_class(row) if self.row_class else None)
            self._texts[index] = cached
        return cached

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self._style("base")
        if y == 0:
            style = base + self._style("frame-view--header")
            text = self._cells(
                [c.header for c in self.columns], self._widths(), [c.align_right for c in self.columns]
            )
            return Strip([Segment(text, style)]).crop_extend(scroll_x, scroll_x + width, style)
        index = scroll_y + y - 1
        if self.row_count == 0:
            if y == 1:
                style = base + self._style("frame-view--empty")
                return Strip([Segment(" " + self.empty_text, style)]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        if index >= self.row_count:
            return Strip.blank(width, base)
        text, kind = self._row_text(index)
        style = base
        if kind:
            style = style + self._style(f"frame-view--{kind}")
        if index in self._marks:
            style = style + self._style("frame-view--match")
        if index == self.cursor:
            style = style + self._style("frame-view--cursor")
        return Strip([Segment(text, style)]).crop_extend(scroll_x, scroll_x + width, style)

    def refresh_lines_cache(self) -> None:
        self._texts.clear()
        self.refresh()
