"""Follower chunks → records and events frames, and the tail's filters, as whole-frame operations.

Parsing and event recognition are *not* done here: each chunk goes through the log side's
``parse_text`` and each batch through ``extract_events`` (one parser, one extractor for the whole
product). This module only adds what a live view needs on top: the head line exactly as written
(``raw``, for display), an arrival order (``seq``), and filters that stay linear on huge lines
(Polars' Rust regex engine never backtracks, and ``--grep`` looks at a bounded prefix of each record).
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import UsageError
from .items import Chunk

if TYPE_CHECKING:
    import polars as pl

#: ``--grep`` looks at most this many characters of a record (head + continuation): a 100 MB line
#: must not stall the stream, and a match beyond 64 KiB of one record is not what a live view is for.
GREP_WINDOW = 64 * 1024

#: Columns a live view adds to the lines frame (dropped again for ``--json``).
EXTRA_COLUMNS: tuple[str, ...] = ("raw", "arrival", "seq")


@dataclass(frozen=True, slots=True)
class Parsed:
    """One batch: ``records`` = lines frame + ``raw`` (head line as written), ``arrival`` (monotonic time
    read) and ``seq`` (arrival order, unique per run); ``events`` = ``extract_events`` rows + ``seq``."""

    records: pl.DataFrame
    events: pl.DataFrame

    @property
    def empty(self) -> bool:
        return self.records.height == 0


class RecordParser:
    """Turns follower chunks into :class:`Parsed` batches for one host."""

    def __init__(
        self, *, host: str, tz: str | None = None, events: bool = True, types: Sequence[str] | None = None
    ) -> None:
        from ..parsers.logs import resolve_tz

        self.host = host
        self.tz = resolve_tz(tz)
        self.want_events = events
        self.types = list(types) if types else None  # only these event types are extracted (cheaper)
        self.events_unavailable = False
        self._seq = 0
        if events:
            try:
                importlib.import_module("rmqinspect.analysis.events")
            except ModuleNotFoundError as e:  # a checkout without the events module: lines only
                if e.name != "rmqinspect.analysis.events":
                    raise
                self.want_events = False
                self.events_unavailable = True

    def parse(self, chunks: Sequence[Chunk]) -> Parsed:
        """Parse a batch. ``(file, line_no)`` is not unique across a rotation (line numbers restart), so
        the batch is cut into segments where it is, and events get the ``seq`` of their record."""
        import polars as pl

        if not chunks:
            return Parsed(self._empty_records(), self._empty_events())
        cut: list[list[Chunk]] = [[]]
        ranges: dict[str, int] = {}  # file -> first line number not yet used in this segment
        for c in chunks:
            if c.first_line_no < ranges.get(c.file, 0):
                cut.append([])
                ranges = {}
            ranges[c.file] = c.first_line_no + c.n_lines
            cut[-1].append(c)
        recs_parts, ev_parts = [], []
        for seg_chunks in cut:
            seg = [df for group in _parse_groups(seg_chunks) if (df := self._parse_group(group)).height]
            if not seg:
                continue
            recs = pl.concat(seg, how="vertical")
            # events first, on file-contiguous rows (extract_events works one file run at a time) …
            ev = self._events(recs)
            # … then one stream in arrival order (stable: a file's own order is kept)
            recs = recs.sort("arrival", maintain_order=True)
            recs = recs.with_columns(seq=pl.int_range(self._seq, self._seq + recs.height, dtype=pl.Int64))
            self._seq += recs.height
            recs_parts.append(recs)
            if ev.height:
                ev_parts.append(
                    ev.join(recs.select("file", "line_no", "seq"), on=["file", "line_no"], how="left")
                )
        records = pl.concat(recs_parts, how="vertical") if recs_parts else self._empty_records()
        events = pl.concat(ev_parts, how="diagonal_relaxed") if ev_parts else self._empty_events()
        return Parsed(records, events)

    def _parse_group(self, group: list[Chunk]) -> pl.DataFrame:
        """One ``parse_text`` call for several files' chunks (its cost is mostly fixed, ~2–8 ms a call),
        then ``file``/``line_no`` put back per chunk; plus ``raw`` and ``arrival`` for each record."""
        import numpy as np
        import polars as pl

        from ..parsers.logs import parse_text

        first = group[0]
        text = first.text if len(group) == 1 else "\n".join(c.text for c in group)
        df = parse_text(text, file=first.file, host=self.host, tz=self.tz, first_line_no=1)
        if not df.height:
            return df
        g = df["line_no"].to_numpy() - 1  # 0-based line index in ``text``
        n = np.array([c.n_lines for c in group], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(n)[:-1]])
        k = np.clip(np.searchsorted(starts, g, side="right") - 1, 0, len(group) - 1)
        first_nos = np.array([c.first_line_no for c in group], dtype=np.int64)
        # arrival: every piece of every chunk, as (0-based line index in ``text``, time read)
        mark_at, mark_t = [], []
        for c, s0 in zip(group, starts.tolist(), strict=True):
            for line_no, t in c.arrival_marks():
                mark_at.append(s0 + max(line_no - c.first_line_no, 0))
                mark_t.append(t)
        m = np.clip(np.searchsorted(np.array(mark_at), g, side="right") - 1, 0, len(mark_t) - 1)
        lines = pl.Series("l", text.split("\n"), dtype=pl.Utf8)
        return df.with_columns(
            file=pl.Series([c.file for c in group], dtype=pl.Utf8).gather(k),
            line_no=pl.Series(first_nos[k] + (g - starts[k]), dtype=pl.Int64),
            raw=lines.gather(np.clip(g, 0, len(lines) - 1)),
            arrival=pl.Series(np.array(mark_t, dtype=np.float64)[m]),
        )

    @staticmethod
    @functools.cache
    def _empty_records() -> pl.DataFrame:
        import polars as pl

        from ..parsers.logs import lines_schema

        return pl.DataFrame(
            schema={**lines_schema(), "raw": pl.Utf8(), "arrival": pl.Float64(), "seq": pl.Int64()}
        )

    @staticmethod
    @functools.cache
    def _empty_events() -> pl.DataFrame:
        """The events frame's own schema (plus ``seq``), so a batch without events looks like one with."""
        import polars as pl

        try:
            from ..analysis.events import empty_events_frame
        except ImportError:  # no event recognition in this build
            schema = {"ts": pl.Datetime("ms", "UTC"), "type": pl.Utf8(), "host": pl.Utf8(), "file": pl.Utf8(),
                      "line_no": pl.Int64()}  # fmt: skip
            return pl.DataFrame(schema={**schema, "seq": pl.Int64()})
        return empty_events_frame().with_columns(seq=pl.lit(None, pl.Int64))

    def _events(self, records: pl.DataFrame) -> pl.DataFrame:
        if not self.want_events or not records.height:
            return self._empty_events().drop("seq")
        from ..analysis.events import extract_events

        return extract_events(records.drop(EXTRA_COLUMNS, strict=False), types=self.types)


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """``--level`` (minimum), ``--grep`` (regex on head + continuation), ``--type`` (globs), ``--events-only``."""

    min_level: str | None = None
    grep: str | None = None
    types: tuple[str, ...] = ()
    events_only: bool = False

    @classmethod
    def build(
        cls, *, level: str | None, grep: str | None, types: Sequence[str], events_only: bool
    ) -> RecordFilter:
        """Validate user input once, up front: a bad level or regex is a usage error, not a crash later."""
        import polars as pl

        from ..parsers.logs.layouts import LEVELS

        lvl = None
        if level:
            lvl = level.strip().upper()
            if lvl == "WARNING":
                lvl = "WARN"
            if lvl not in LEVELS:
                raise UsageError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
        if grep is not None:
            try:
                pl.select(pl.lit("probe").str.contains(grep))
            except Exception as e:  # polars ComputeError: regex parse error / size limit
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise UsageError(f"bad --grep regex {grep!r}: {first}") from None
        flat = tuple(t.strip() for spec in types for t in spec.split(",") if t.strip())
        return cls(lvl, grep, flat, events_only)

    @property
    def active(self) -> bool:
        return bool(self.min_level or self.grep is not None or self.types or self.events_only)

    def type_matches(self, type_name: str) -> bool:
        return not self.types or any(fnmatch.fnmatchcase(type_name, t) for t in self.types)

    def expand_types(self, known: Sequence[str]) -> list[str]:
        """The known event types ``--type`` names (globs allowed); a name matching none is a usage error."""
        out: list[str] = []
        for t in self.types:
            hit = [k for k in known if fnmatch.fnmatchcase(k, t)]
            if not hit:
                raise UsageError(f"unknown event type {t!r}; known types: {', '.join(sorted(known))}")
            out += [h for h in hit if h not in out]
        return out

    def apply(self, p: Parsed) -> Parsed:
        import polars as pl

        from ..parsers.logs.layouts import LEVELS

        recs, evs = p.records, p.events
        if not self.active or not recs.height:
            return p
        if self.types and evs.height:
            keep = [t for t in evs["type"].unique().to_list() if t is not None and self.type_matches(t)]
            evs = evs.filter(pl.col("type").is_in(keep))
        if self.min_level:
            allowed = list(LEVELS[LEVELS.index(self.min_level) :])
            recs = recs.filter(pl.col("level").is_in(allowed))
        if self.grep is not None:
            hay = pl.concat_str([pl.col("raw"), pl.col("continuation")], separator="\n", ignore_nulls=True)
            recs = recs.filter(hay.str.slice(0, GREP_WINDOW).str.contains(self.grep).fill_null(False))
        if self.types or self.events_only:
            recs = recs.filter(pl.col("seq").is_in(evs["seq"].implode()))
        if evs.height:
            evs = evs.filter(pl.col("seq").is_in(recs["seq"].implode()))
        return Parsed(recs, evs)


def _parse_groups(chunks: Sequence[Chunk]) -> list[list[Chunk]]:
    """Chunks that can share one ``parse_text`` call, in order.

    Safe to join: chunks that begin with a record head (the follower cuts at record starts, so text of
    one file can never run into another's record) and whose files share a header layout (the parser's
    only per-file rule: thread-less files, ``layouts.NO_THREAD_FILES``). A chunk starting mid-record
    (its head was shown earlier) is parsed alone, so its lines stay a headless row of its own file.
    ``test_grouped_parse_equals_per_file_parse`` guards the equivalence on real lab logs.
    """
    from ..parsers.logs.layouts import NO_THREAD_FILES, logical_name
    from .follow import looks_like_record_start

    groups: dict[bool, list[Chunk]] = {}
    alone: list[list[Chunk]] = []
    for c in chunks:
        if not looks_like_record_start(c.text[:64].encode("utf-8", errors="replace")):
            alone.append([c])
            continue
        base = c.file.rsplit("/", 1)[-1]
        ln = logical_name(base)
        groups.setdefault((ln[0] if ln else base) in NO_THREAD_FILES, []).append(c)
    return [*groups.values(), *alone]


def merge_backlog(parts: Sequence[Parsed], n: int) -> Parsed:
    """The last ``n`` records over all files, in time order (per-file order kept for equal seconds).

    Records with no timestamp (text before a file's first head) take their file's previous time so they
    stay next to their neighbours.
    """
    import polars as pl

    if not parts:
        return Parsed(RecordParser._empty_records(), RecordParser._empty_events())
    recs = pl.concat([p.records for p in parts], how="vertical_relaxed")
    evs = pl.concat([p.events for p in parts], how="diagonal_relaxed")
    recs = (
        recs.with_columns(_t=pl.col("ts").forward_fill().backward_fill().over("file", order_by="seq"))
        .sort(["_t", "seq"], nulls_last=False, maintain_order=True)
        .tail(max(n, 0))
        .drop("_t")
    )
    if evs.height:
        evs = evs.filter(pl.col("seq").is_in(recs["seq"].implode()))
    return Parsed(recs, evs)
