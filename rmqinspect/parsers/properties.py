"""Broker ``.properties`` files, read the way the broker reads them.

``BrokerStartup`` loads the ``-c`` file with ``java.util.Properties.load(InputStream)`` (4.4.0 … 5.3.3), so:

* bytes are decoded as **ISO-8859-1** (a UTF-8 BOM becomes part of the first key; non-ASCII values arrive
  as mojibake);
* a line whose first non-blank character is ``#`` or ``!`` is a comment;
* the key ends at the first unescaped ``=``, ``:`` or white space; white space around the separator is
  skipped; the value keeps its *trailing* white space (``listenPort=10911␠`` then fails ``Integer.parseInt``
  and the broker silently keeps its default — see :mod:`rmqinspect.analysis.config_lint`);
* a line ending in an odd number of backslashes continues on the next line (whose leading blanks are dropped);
* escapes ``\\t \\n \\r \\f \\uXXXX`` are decoded, any other ``\\x`` is ``x``;
* a repeated key: the last one wins.

Read-only, bounded: files over :data:`MAX_BYTES` are refused (a broker config is a few KiB).
Line numbers are 1-based physical line numbers of the line where the entry *starts*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UnusableInputError

MAX_BYTES = 4 * 1024 * 1024
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_UNICODE = re.compile(r"\\u([0-9a-fA-F]{4})")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class PropEntry:
    """One ``key=value`` as ``Properties.load`` sees it; ``raw`` is the logical line before unescaping."""

    key: str
    value: str
    line_no: int
    raw: str


@dataclass(slots=True)
class PropertiesFile:
    path: str
    entries: list[PropEntry] = field(default_factory=list)

    @property
    def values(self) -> dict[str, str]:
        """The effective mapping (last occurrence of a key wins, as in ``java.util.Properties``)."""
        return {e.key: e.value for e in self.entries}

    def entry(self, key: str) -> PropEntry | None:
        """The entry that is in effect for ``key`` (its last occurrence)."""
        found = None
        for e in self.entries:
            if e.key == key:
                found = e
        return found

    def line_of(self, key: str) -> int | None:
        e = self.entry(key)
        return e.line_no if e else None


def _unescape(s: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\" or i + 1 >= len(s):
            out.append(c)
            i += 1
            continue
        nxt = s[i + 1]
        if nxt == "u":
            m = _UNICODE.match(s, i)
            if m:
                out.append(chr(int(m.group(1), 16)))
                i = m.end()
                continue
            # Java throws "Malformed \\uxxxx encoding" here and the broker fails to start; keep the text.
            out.append("u")
            i += 2
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        i += 2
    return "".join(out)


def _split_key(logical: str) -> tuple[str, str]:
    """Key/value split of ``Properties.load``: the first unescaped ``=``/``:``/blank ends the key."""
    i, n = 0, len(logical)
    while i < n:
        c = logical[i]
        if c == "\\":
            i += 2
            continue
        if c in "=: \t\f":
            break
        i += 1
    key = logical[:i]
    j = i
    while j < n and logical[j] in " \t\f":
        j += 1
    if j < n and logical[j] in "=:":
        j += 1
        while j < n and logical[j] in " \t\f":
            j += 1
    return key, logical[j:]


def _continues(s: str) -> bool:
    """An odd number of trailing backslashes joins the next line."""
    return (len(s) - len(s.rstrip("\\"))) % 2 == 1


def parse_properties_text(text: str, path: str = "<text>") -> PropertiesFile:
    """Parse already-decoded text (tests and the log comparison use this)."""
    pf = PropertiesFile(path=path)
    lines = _LINE_BREAK.split(text)
    i = 0
    while i < len(lines):
        start = i
        logical = lines[i].lstrip(" \t\f")
        i += 1
        if not logical or logical[0] in "#!":
            continue
        while _continues(logical):
            logical = logical[:-1]
            if i >= len(lines):
                break
            logical += lines[i].lstrip(" \t\f")
            i += 1
        key, value = _split_key(logical)
        pf.entries.append(PropEntry(_unescape(key), _unescape(value), start + 1, logical))
    return pf


def read_properties(path: str | Path) -> PropertiesFile:
    """Read a broker ``.properties`` file (ISO-8859-1, like the broker). Unreadable → UnusableInputError."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except IsADirectoryError as e:
        raise UnusableInputError(f"{p}: is a directory, not a .properties file") from e
    except OSError as e:
        raise UnusableInputError(f"{p}: cannot read ({e.strerror or e})") from e
    if len(data) > MAX_BYTES:
        raise UnusableInputError(f"{p}: larger than {MAX_BYTES} bytes; not a broker .properties file")
    if b"\x00" in data:
        raise UnusableInputError(f"{p}: contains NUL bytes; not a .properties text file")
    return parse_properties_text(data.decode("latin-1"), str(p))
