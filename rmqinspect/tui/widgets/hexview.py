"""Annotated hex view: bytes coloured by the field they belong to, with a legend of decoded values.

The spans (``start, length, name, value``) come from the parser (``read_record``); this module only draws
them. Offsets shown are absolute (file or commitlog offsets) so they can be matched with findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from ...render.safe import inert

PALETTE = ("cyan", "magenta", "green", "dark_orange", "blue", "red", "bright_magenta", "dark_cyan")


@dataclass(frozen=True, slots=True)
class Span:
    start: int  # absolute offset
    length: int
    name: str
    value: str = ""


def _printable(b: int) -> str:
    return chr(b) if 0x20 <= b < 0x7F else "."


def hex_text(
    data: bytes,
    base: int,
    spans: Sequence[Span] = (),
    *,
    focus: int | None = None,
    per_row: int = 16,
) -> Text:
    """Hex dump of ``data`` (whose first byte is at absolute ``base``), coloured by ``spans``.

    ``focus`` marks one absolute offset (e.g. a finding's offset) in reverse video.
    """
    style_at: dict[int, str] = {}
    for i, span in enumerate(spans):
        colour = PALETTE[i % len(PALETTE)]
        for off in range(max(span.start, base), min(span.start + span.length, base + len(data))):
            style_at[off] = colour
    width = max(8, len(f"{base + len(data):x}"))
    out = Text(no_wrap=True)
    for row_start in range(0, len(data), per_row):
        chunk = data[row_start : row_start + per_row]
        out.append(f"{base + row_start:0{width}x}  ", style="dim")
        for j in range(per_row):
            if j == per_row // 2:
                out.append(" ")
            if j < len(chunk):
                off = base + row_start + j
                style = style_at.get(off, "")
                if focus is not None and off == focus:
                    style = (style + " reverse").strip()
                out.append(f"{chunk[j]:02x}", style=style)
                out.append(" ")
            else:
                out.append("   ")
        out.append("|", style="dim")
        for j, b in enumerate(chunk):
            out.append(_printable(b), style=style_at.get(base + row_start + j, ""))
        out.append("|\n", style="dim")
    if not data:
        out.append("(no bytes)\n", style="dim italic")
    return out


def legend_text(spans: Sequence[Span]) -> Text:
    """One line per span: colour key, absolute offset, length, field name and decoded value (inert)."""
    out = Text(no_wrap=True)
    for i, span in enumerate(spans):
        colour = PALETTE[i % len(PALETTE)]
        out.append("■ ", style=colour)
        out.append(f"{span.start:>10} {span.length:>5} ", style="dim")
        out.append(f"{inert(span.name):<18} ", style=colour)
        value = inert(span.value)
        if len(value) > 120:
            value = value[:119] + "…"
        out.append(value + "\n")
    return out


class HexView(VerticalScroll):
    """A scrollable hex dump plus its legend: side by side when wide enough, stacked when narrow."""

    DEFAULT_CSS = """
    HexView { height: 1fr; }
    HexView > Horizontal { height: auto; }
    HexView.-narrow > Horizontal { layout: vertical; }
    HexView .hex-dump { width: auto; }
    HexView .hex-legend { width: 1fr; padding-left: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    HexView.-narrow .hex-legend { width: auto; margin-top: 1; padding-left: 0; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._dump = Static("", classes="hex-dump")
        self._legend = Static("", classes="hex-legend")
        self._per_row = 16
        self._shown: tuple[bytes, int, Sequence[Span], int | None] | None = None

    def compose(self) -> Any:
        with Horizontal():
            yield self._dump
            yield self._legend

    def on_resize(self, event: events.Resize) -> None:
        self._layout_for(event.size.width)

    def _layout_for(self, width: int) -> None:
        """Side by side with 16 bytes a row when very wide, 8 a row when medium; stacked when narrow."""
        narrow = width < 100
        spans = self._shown[2] if self._shown is not None else ()
        per_row = 16 if (narrow or width >= 150 or not spans) else 8
        self.set_class(narrow, "-narrow")
        if per_row != self._per_row:
            self._per_row = per_row
            self._render_dump()

    def _render_dump(self) -> None:
        if self._shown is not None:
            data, base, spans, focus = self._shown
            self._dump.update(hex_text(data, base, spans, focus=focus, per_row=self._per_row))

    @property
    def legend(self) -> Static:
        return self._legend

    def show(self, data: bytes, base: int, spans: Sequence[Span] = (), *, focus: int | None = None) -> None:
        self._shown = (data, base, spans, focus)
        self._per_row = 0
        self._layout_for(self.size.width)
        self._legend.update(legend_text(spans))

    def show_message(self, message: str) -> None:
        self._shown = None
        self._dump.update(Text(inert(message), style="italic"))
        self._legend.update("")
