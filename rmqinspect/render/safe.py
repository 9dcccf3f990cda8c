"""Render untrusted text inert.

Topics, bodies, properties and log lines come from producers and from disk: they may carry terminal
escape sequences (ESC, CSI, OSC, C1 controls) or Rich markup (``[bold red]…``). Everything shown to a
person passes through :func:`inert` (plain ``str`` for Rich ``Text``/Textual cells) or :func:`inert_markup`
(for places that interpret markup).
"""

from __future__ import annotations

import re

# C0 controls except TAB, plus DEL and the C1 range (0x80-0x9f, which some terminals treat as CSI etc.).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _visible(m: re.Match[str]) -> str:
    c = ord(m.group())
    if c == 0x0A:
        return "\u240a"  # ␊ : a newline inside a single cell/row
    if c < 0x20:
        return chr(0x2400 + c)  # Unicode "control pictures": ␛ for ESC, ␀ for NUL …
    if c == 0x7F:
        return "\u2421"
    return f"\\x{c:02x}"


def inert(text: str) -> str:
    """Replace every control character with a visible stand-in; the result cannot drive a terminal."""
    return _CONTROL.sub(_visible, text)


def inert_markup(text: str) -> str:
    """:func:`inert` plus Rich/Textual markup escaping, for strings embedded in markup."""
    from rich.markup import escape

    return escape(inert(text))


def inert_text(text: str, style: str = "") -> object:
    """A Rich ``Text`` holding ``text`` literally (no markup parsing), controls made visible."""
    from rich.text import Text

    return Text(inert(text), style=style)
