"""Pure frame operations behind the Logs screen (filter, fold, search, jump to time), kept apart so they
can be tested without a terminal and run in thread workers.

Input is the lines frame of ``parsers.logs.read_lines`` (``host, file, line_no, ts, level, thread, message,
continuation``) and the events frame of ``analysis.events.extract_events``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

LEVELS: tuple[str, ...] = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
LEVEL_CYCLE: tuple[str | None, ...] = (None, "INFO", "WARN", "ERROR")
MAX_PATTERN = 500  # characters; longer filters are refused rather than risk a pathological regex


@dataclass(frozen=True, slots=True)
class LogFilter:
    min_level: str | None = None
    file: str | None = None
    host: str | None = None
    pattern: str = ""
    event_type: str | None = None  # "*" = any event
    folded: bool = True

    def describe(self) -> str:
        parts = []
        if self.min_level:
            parts.append(f"level≥{self.min_level}")
        if self.host:
            parts.append(f"host={self.host}")
        if self.file:
            parts.append(f"file={self.file}")
        if self.event_type:
            parts.append("events" if self.event_type == "*" else f"event={self.event_type}")
        if self.pattern:
            parts.append(f"/{self.pattern}/")
        if not self.folded:
            parts.append("unfolded")
        return " ".join(parts) or "all lines"


def check_pattern(pattern: str) -> str:
    """'' if ``pattern`` is a usable regex, else why not (shown on screen)."""
    if len(pattern) > MAX_PATTERN:
        return f"pattern longer than {MAX_PATTERN} characters"
    try:
        re.compile(pattern)
    except re.error as e:
        return f"bad regex: {e}"
    return ""


def annotate(lines: pl.DataFrame, events: pl.DataFrame | None) -> pl.DataFrame:
    """Lines plus ``row`` (position in the merged frame), ``event`` (event type on that line, if any) and
    ``more`` (number of continuation lines folded into the record)."""
    import polars as pl

    df = lines.with_row_index("row")
    if events is not None and events.height and {"host", "file", "line_no", "type"} <= set(events.columns):
        ev = (
            events.select(["host", "file", "line_no", pl.col("type").alias("event")])
            .unique(subset=["host", "file", "line_no"], keep="first", maintain_order=True)
            .with_columns(pl.col("line_no").cast(df.schema["line_no"]))
        )
        df = df.join(ev, on=["host", "file", "line_no"], how="left", maintain_order="left")
    else:
        df = df.with_columns(pl.lit(None, dtype=pl.Utf8).alias("event"))
    more = (
        pl.when(pl.col("continuation").is_null())
        .then(0)
        .otherwise(pl.col("continuation").str.count_matches("\n") + 1)
        .cast(pl.Int64)
    )
    return df.with_columns(more.alias("more"), pl.lit(False).alias("cont"))


def apply_filter(df: pl.DataFrame, f: LogFilter) -> pl.DataFrame:
    """Rows of the annotated frame that pass ``f``; when not folded, continuation lines become rows."""
    import polars as pl

    cond = pl.lit(True)
    if f.min_level:
        cond = cond & pl.col("level").is_in(list(LEVELS[LEVELS.index(f.min_level) :]))
    if f.host:
        cond = cond & (pl.col("host") == f.host)
    if f.file:
        cond = cond & (pl.col("file") == f.file)
    if f.event_type == "*":
        cond = cond & pl.col("event").is_not_null()
    elif f.event_type:
        cond = cond & (pl.col("event") == f.event_type)
    if f.pattern:
        cond = cond & (
            pl.col("message").fill_null("").str.contains(f.pattern)
            | pl.col("continuation").fill_null("").str.contains(f.pattern)
        )
    out = df.filter(cond)
    return out if f.folded else unfold(out)


def unfold(df: pl.DataFrame) -> pl.DataFrame:
    """One row per physical line: each continuation line after its record (``cont`` true, no ts/level)."""
    import polars as pl

    if not df.height or df["more"].sum() == 0:
        return df
    conts = (
        df.filter(pl.col("more") > 0)
        .with_columns(pl.col("continuation").str.split("\n").alias("message"))
        .explode("message")
        .with_columns(
            (pl.int_range(pl.len()).over("row") + 1).alias("_k"),
            pl.lit(None, dtype=df.schema["level"]).alias("level"),
            pl.lit(None, dtype=df.schema["thread"]).alias("thread"),
            pl.lit(None, dtype=pl.Utf8).alias("event"),
            pl.lit(True).alias("cont"),
            pl.lit(0, dtype=pl.Int64).alias("more"),
        )
        .with_columns((pl.col("line_no") + pl.col("_k")).alias("line_no"))
    )
    heads = df.with_columns(pl.lit(0, dtype=conts.schema["_k"]).alias("_k"))
    return pl.concat([heads, conts.select(heads.columns)]).sort(["row", "_k"], maintain_order=True).drop("_k")


def search_rows(df: pl.DataFrame, pattern: str) -> list[int]:
    """Row positions (in ``df``) whose message matches ``pattern``."""
    import polars as pl

    if not pattern or not df.height:
        return []
    hits = df.select(pl.col("message").fill_null("").str.contains(pattern).arg_true())
    return hits.to_series().to_list()


def next_hit(hits: list[int], cursor: int, direction: int) -> int | None:
    """The next (direction=1) or previous (-1) hit strictly after/before ``cursor``, wrapping around."""
    import bisect

    if not hits:
        return None
    if direction > 0:
        i = bisect.bisect_right(hits, cursor)
        return hits[i] if i < len(hits) else hits[0]
    i = bisect.bisect_left(hits, cursor) - 1
    return hits[i] if i >= 0 else hits[-1]


_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def parse_when(text: str, ref: datetime | None) -> datetime:
    """A user-typed time. ``HH:MM[:SS]`` takes its date from ``ref`` (the current row). Naive input is in
    the zone of ``ref`` (the frame's own zone), so what is typed matches what is shown."""
    text = text.strip()
    tz = ref.tzinfo if ref is not None else None
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            pass
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            t = datetime.strptime(text, fmt).time()
        except ValueError:
            continue
        if ref is None:
            raise ValueError("a bare time needs a date: no current row")
        return datetime.combine(ref.date(), t, tzinfo=tz)
    raise ValueError(f"not a time: {text!r} (use YYYY-MM-DD HH:MM:SS or HH:MM:SS)")


def _zone(name: str) -> tzinfo:
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        m = re.fullmatch(r"([+-])(\d\d):?(\d\d)", name)
        if not m:
            raise
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return timezone(-delta if m.group(1) == "-" else delta)


def time_index(df: pl.DataFrame, when: datetime, *, clamp: bool = True) -> int:
    """First row whose ``ts`` is ≥ ``when``; if none, the last row (``clamp``) or ``df.height``."""
    import polars as pl

    if not df.height:
        return 0
    ts = df["ts"]
    dtype = ts.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None and when.tzinfo is not None:
        when = when.replace(tzinfo=None)
    elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None and when.tzinfo is None:
        when = when.replace(tzinfo=_zone(dtype.time_zone))
    idx = df.select((pl.col("ts") >= pl.lit(when)).fill_null(False).arg_true().first()).item()
    if idx is not None:
        return int(idx)
    return max(0, df.height - 1) if clamp else df.height
