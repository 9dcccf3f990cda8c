"""Presentation of the live tail: file-prefixed lines, coloured levels, highlighted events, NDJSON.

Why not ``rich.Console.print`` per line: at 100 k lines/s Rich's per-line layout costs more than a core.
Styles are still Rich's (``Style.parse`` → ANSI once, at start-up), but a batch is formatted with plain
string operations and written with one ``write``. Every untrusted string (log text, file names) goes
through :func:`rmqinspect.render.safe.inert` first, so escapes in a log line cannot drive the terminal
and ``[bold]``-style markup is printed literally (nothing here interprets markup).
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .safe import inert

if TYPE_CHECKING:
    import polars as pl

    from ..live.items import Notice
    from ..live.records import Parsed

#: Same character class :func:`inert` replaces; searched first so clean lines (nearly all) skip the sub.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")

LEVEL_STYLES: Mapping[str, str] = {
    "FATAL": "bold white on red",
    "ERROR": "bold red",
    "WARN": "bold yellow",
    "INFO": "green",
    "DEBUG": "dim",
    "TRACE": "dim",
}
FILE_PALETTE: tuple[str, ...] = (
    "cyan",
    "magenta",
    "blue",
    "yellow",
    "green",
    "bright_cyan",
    "bright_magenta",
)
EVENT_STYLE = "bold reverse magenta"
NOTICE_STYLE = "dim"
#: Columns of an events row that are not the event's own fields.
EVENT_BASE: frozenset[str] = frozenset(
    {"ts", "type", "host", "file", "line_no", "seq", "level", "thread", "statement"}
)


def _ansi(style: str, color_system: str | None) -> tuple[str, str]:
    """(start, end) escape codes for a Rich style string, or ("", "") without colour."""
    if not color_system:
        return "", ""
    from rich.color import ColorSystem
    from rich.style import Style

    systems = {
        "standard": ColorSystem.STANDARD,
        "256": ColorSystem.EIGHT_BIT,
        "truecolor": ColorSystem.TRUECOLOR,
        "windows": ColorSystem.WINDOWS,
    }
    rendered = Style.parse(style).render("\x00", color_system=systems.get(color_system, ColorSystem.STANDARD))
    start, _, end = rendered.partition("\x00")
    return start, end


def human_bytes(n: float) -> str:
    """Decimal units (1 MB = 10⁶ B): what the catalogue's byte counts mean without guessing KiB vs KB."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "?"
    v = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(v) < 1000 or unit == "TB":
            return f"{int(v)} B" if unit == "B" else f"{v:.1f} {unit}"
        v /= 1000
    return f"{v:.1f} TB"  # pragma: no cover


def format_field(key: str, value: Any) -> str:
    """One event field for a person: bytes humanised, milliseconds with a unit, floats short."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and (key == "bytes" or key.endswith("_bytes") or key.endswith("bytes")):
        return human_bytes(value)
    if isinstance(value, int | float) and (key == "ms" or key.endswith("_ms")):
        return f"{value:g} ms"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, list | tuple):
        return ",".join(str(x) for x in value[:8]) + ("…" if len(value) > 8 else "")
    return str(value)


def event_label(row: Mapping[str, Any], *, max_fields: int = 6, max_chars: int = 160) -> str:
    """``ha_lag_bytes 1.2 MB`` / ``flush_cost_ms 850 ms`` / ``broker_register_ok namesrv_addr=…``.

    The event's own (non-null) fields follow its type. When the type names a quantity (``…_bytes``,
    ``…_ms``) and the row has that single quantity, it is shown bare, as an operator would say it.
    """
    etype = str(row.get("type") or "event")
    fields = [(k, v) for k, v in row.items() if k not in EVENT_BASE and v is not None and v != ""]
    parts = [etype]
    unit = "bytes" if etype.endswith("_bytes") else "ms" if etype.endswith("_ms") else None
    if unit:
        prim = [kv for kv in fields if kv[0] == unit or kv[0].endswith("_" + unit)]
        if prim:
            k, v = prim[0]
            parts.append(format_field(unit, v))
            fields.remove(prim[0])
    kv = dict(fields)
    if "key" in kv and "value" in kv:  # config-style events: ``brokerIP1=10.0.0.1``
        parts.append(f"{kv['key']}={format_field('value', kv['value'])}")
        fields = [f for f in fields if f[0] not in ("key", "value")]
    for k, v in fields[:max_fields]:
        parts.append(f"{k}={format_field(k, v)}")
    text = " ".join(parts)
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return inert(text)


class TailRenderer:
    """Formats :class:`~rmqinspect.live.records.Parsed` batches as terminal text (colour optional)."""

    def __init__(
        self, *, color_system: str | None = None, max_line_chars: int = 4096, prefix_width: int = 0
    ) -> None:
        self.color_system = color_system
        self.max_line_chars = max_line_chars
        self.width = prefix_width
        self._levels = {lvl: _ansi(s, color_system) for lvl, s in LEVEL_STYLES.items()}
        self._event = _ansi(EVENT_STYLE, color_system)
        self._notice = _ansi(NOTICE_STYLE, color_system)
        self._file_styles = [_ansi(s, color_system) for s in FILE_PALETTE]
        self._prefix_cache: dict[str, tuple[str, str]] = {}

    def note_files(self, files: Iterable[str]) -> None:
        """Widen the file column to fit ``files`` (capped: one long path must not push every line right)."""
        w = max((len(f) for f in files), default=0)
        if min(w, 28) > self.width:
            self.width = min(w, 28)
            self._prefix_cache.clear()

    def _prefix(self, file: str) -> tuple[str, str]:
        p = self._prefix_cache.get(file)
        if p is None:
            name = inert(file)
            if len(name) > self.width:
                self.width = min(len(name), 28)
                self._prefix_cache.clear()
            shown = name if len(name) <= self.width else "…" + name[-(self.width - 1) :]
            start, end = self._file_styles[zlib.crc32(file.encode()) % len(self._file_styles)]
            head = f"{start}{shown.ljust(self.width)}{end} "
            # continuation lines carry their file too (grep-able output), dimmed so the record reads as one
            dim, dim_end = self._notice
            cont = f"{dim}{shown.ljust(self.width)}{dim_end} "
            p = (head, cont)
            self._prefix_cache[file] = p
        return p

    def _clip(self, s: str) -> str:
        if len(s) > self.max_line_chars:
            s = f"{s[: self.max_line_chars]}… (+{len(s) - self.max_line_chars} chars)"
        return inert(s) if _CONTROL.search(s) else s

    def _colour_level(self, line: str, level: str | None) -> str:
        if not level or not self.color_system:
            return line
        start, end = self._levels.get(level, ("", ""))
        if not start:
            return line
        i = 20 if line.startswith(level, 20) else line.find(f" {level} ", 0, 48) + 1
        if i <= 0:
            return line
        return f"{line[:i]}{start}{level}{end}{line[i + len(level) :]}"

    def labels(self, events: pl.DataFrame) -> dict[int, str]:
        """``seq`` of a record → the highlighted labels of its events."""
        if not events.height or "seq" not in events.columns:
            return {}
        start, end = self._event
        out: dict[int, str] = {}
        for row in events.iter_rows(named=True):
            seq = row.get("seq")
            if seq is None:
                continue
            lab = f"{start}◆ {event_label(row)}{end}"
            out[seq] = f"{out[seq]} {lab}" if seq in out else lab
        return out

    def render(self, parsed: Parsed) -> str:
        """The batch as text: one line per physical log line, each prefixed with its file; '' if empty.

        The common case (clean single-line records, no colour) is joined without a per-line Python
        call; only rows that need it (controls, over-long, continuation, colour, an event) take the
        per-row path. Finding those rows is one vectorised regex over the column.
        """
        import operator

        recs = parsed.records
        if not recs.height:
            return ""
        files = recs["file"].to_list()
        self.note_files(set(files))
        raw = recs["raw"].fill_null("")
        bad = raw.str.contains(_CONTROL.pattern) | (raw.str.len_chars() > self.max_line_chars)
        raws = raw.to_list()
        if bad.any():
            for i in bad.arg_true().to_list():
                raws[i] = self._clip(raws[i])
        heads = {f: self._prefix(f)[0] for f in set(files)}
        labels = self.labels(parsed.events)
        conts = recs["continuation"]
        if not labels and not self.color_system and conts.null_count() == len(conts):
            return "\n".join(map(operator.add, map(heads.__getitem__, files), raws)) + "\n"
        out: list[str] = []
        append = out.append
        colour, prefix, clip = self._colour_level, self._prefix, self._clip
        for file, line, level, cont, seq in zip(
            files, raws, recs["level"].to_list(), conts.to_list(), recs["seq"].to_list(), strict=True
        ):
            head, cpre = prefix(file)
            line = colour(line, level)
            lab = labels.get(seq)
            append(f"{head}{line}  {lab}" if lab else f"{head}{line}")
            if cont:
                for c in cont.split("\n"):
                    append(f"{cpre}{clip(c)}")
        return "\n".join(out) + "\n"

    def notice(self, n: Notice) -> str:
        """A one-line status message (rotation, truncation, bad input) for stderr."""
        start, end = self._notice
        where = f"{inert(n.file)}: " if n.file else ""
        tag = f" [{n.warning_kind}]" if n.warning_kind else ""
        word = "warning" if n.kind == "warning" else n.kind
        return f"{start}rmqinspect: {word}: {where}{inert(n.detail)}{tag}{end}\n"


def ndjson(parsed: Parsed, *, lines: bool = True, events: bool = True) -> str:
    """NDJSON: each record as a lines-frame row, followed by its events as events-frame rows.

    Field names are exactly the frames' (``rmqinspect.output`` conventions: ISO-8601 times with
    milliseconds and offset); an event row is the one with a ``type`` field. An event row carries the
    events frame's fixed columns plus the typed fields its type sets (the ~100 null fields of other
    types are left out: a stream line per event, not a sparse table row).
    """
    import json

    from ..live.records import EXTRA_COLUMNS
    from ..output import frame_records, json_inert

    recs, evs = parsed.records, parsed.events
    seqs = recs["seq"].to_list() if recs.height else []
    pos = {seq: i for i, seq in enumerate(seqs)}  # the records' order (arrival, or time for a backlog)
    rows: list[tuple[int, int, str]] = []
    if lines and recs.height:
        # Rust-side serialisation (json.dumps per row caps out near 30 k lines/s); times formatted
        # exactly as rmqinspect.output does (ISO-8601, milliseconds, offset).
        text = _frame_ndjson(recs.drop(EXTRA_COLUMNS))
        # split on "\n" only: str.splitlines() would also cut at U+0085 and U+2028 inside strings
        rows += [(i, -1, line) for i, line in enumerate(text.rstrip("\n").split("\n"))]
    if events and evs.height:
        ev_seqs = evs["seq"].to_list() if "seq" in evs.columns else [None] * evs.height
        ev = evs.drop("seq") if "seq" in evs.columns else evs
        keep = _EVENT_KEEP
        for j, (seq, rec) in enumerate(zip(ev_seqs, frame_records(ev), strict=True)):
            rec = {k: v for k, v in rec.items() if v is not None or k in keep}  # a type's own fields only
            rows.append((pos.get(seq, len(seqs)), j, json.dumps(rec, ensure_ascii=False)))
    if not rows:
        return ""
    rows.sort(key=lambda r: (r[0], r[1]))
    return json_inert("\n".join(r[2] for r in rows) + "\n")


def _frame_ndjson(df: pl.DataFrame) -> str:
    import polars as pl

    fmt = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Datetime):
            pattern = "%Y-%m-%dT%H:%M:%S%.3f%:z" if dtype.time_zone else "%Y-%m-%dT%H:%M:%S%.3f"
            fmt.append(pl.col(name).dt.strftime(pattern))
    return (df.with_columns(fmt) if fmt else df).write_ndjson()


#: Event columns kept even when null (the events frame's fixed part); typed fields appear when set.
_EVENT_KEEP = frozenset({"ts", "type", "host", "file", "line_no", "level", "statement"})
