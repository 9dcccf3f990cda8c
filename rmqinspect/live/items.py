"""The follower's stream vocabulary: chunks of lines, notices, counted warnings, and coalescing.

Kept apart from the follower itself so consumers (the tail, the TUI, tests) can build and inspect items
without the reading machinery.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

NoticeKind = Literal[
    "opened",  # a file is now followed (at start: from its end / backlog; later: from offset 0)
    "rotated",  # path now names a new file; the old one was read to EOF first
    "truncated",  # same file, shorter than what we had read: restarted at 0
    "deleted",  # path vanished; the old inode was drained
    "backlog_end",  # every file present at start has been read up to its size at start
    "warning",  # bad input: see ``warning_kind``
]


@dataclass(frozen=True, slots=True)
class Chunk:
    """Complete lines appended to one file, in file order. ``text`` has no trailing newline."""

    file: str  # path relative to the followed root, POSIX separators (the ``file`` column)
    path: str  # absolute path
    first_line_no: int  # 1-based line number of the first line within the current file
    text: str
    n_lines: int
    read_at: float  # time.monotonic() when the last byte of this chunk was read
    backlog: bool = False
    #: for a coalesced chunk: (first line number, read_at) of each part, so arrival order survives
    arrivals: tuple[tuple[int, float], ...] = ()

    def lines(self) -> list[str]:
        return self.text.split("\n")

    def arrival_marks(self) -> tuple[tuple[int, float], ...]:
        """(first line number, time read) of each piece of this chunk, in order."""
        return self.arrivals or ((self.first_line_no, self.read_at),)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a person should know about the stream: rotation, truncation, bad input …"""

    kind: NoticeKind
    file: str
    detail: str = ""
    warning_kind: str = ""  # for kind == "warning": short machine name (invalid_utf8, long_line, …)


Item = Chunk | Notice
Batch = list[Item]


@dataclass
class WarningCounter:
    """Counts bad-input warnings by kind; the first of each (kind, file) is worth showing, the rest counted."""

    counts: dict[str, int] = field(default_factory=dict)
    _seen: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, file: str, n: int = 1) -> bool:
        """Count ``n`` occurrences; return True if this (kind, file) is new (i.e. should be reported)."""
        with self._lock:
            self.counts[kind] = self.counts.get(kind, 0) + n
            key = (kind, file)
            if key in self._seen:
                return False
            self._seen.add(key)
            return True

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def coalesce(items: Batch) -> Batch:
    """Join consecutive chunks of one file (contiguous lines, same backlog flag) into one chunk.

    Order within a file is kept; a notice (rotation, truncation …) is a barrier, so nothing moves across
    it. Parsing then costs one call per file per turn instead of one per read; the pieces' read times
    travel along (``Chunk.arrivals``) so records can be put back in arrival order across files.
    """
    out: Batch = []
    group: dict[tuple[str, bool], list[Chunk]] = {}

    def flush() -> None:
        for parts in group.values():
            if len(parts) == 1:
                out.append(parts[0])
            else:
                first, last = parts[0], parts[-1]
                text = "\n".join(p.text for p in parts)
                n = sum(p.n_lines for p in parts)
                marks = tuple(m for p in parts for m in p.arrival_marks())
                out.append(
                    Chunk(
                        first.file,
                        first.path,
                        first.first_line_no,
                        text,
                        n,
                        last.read_at,
                        first.backlog,
                        marks,
                    )
                )
        group.clear()

    for it in items:
        if isinstance(it, Notice):
            flush()
            out.append(it)
            continue
        key = (it.file, it.backlog)
        parts = group.get(key)
        if parts and parts[-1].first_line_no + parts[-1].n_lines != it.first_line_no and it.first_line_no:
            flush()
            parts = None
        if parts is None:
            group[key] = [it]
        else:
            parts.append(it)
    flush()
    return out
