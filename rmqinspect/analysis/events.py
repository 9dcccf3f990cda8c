"""Lines frame → events frame: typed rows for the statements an incident analysis needs.

Why this shape: most log lines are no event at all, and the ones that are come from ~130 wordings
(``event_patterns``). Rows reach their pattern without a regex per line: messages whose first
``PREFIX_LEN`` bytes are the literal start of a ``^``-anchored pattern are routed by a hash join on
that prefix; the rest pass one Aho-Corasick scan (``str.contains_any``) over the other patterns'
literal anchors, and ``str.extract_many`` says which. Only then each pattern's regex runs, on its own
rows; the highest-volume statement (watermark) is cut with literal finds instead. The same function
serves a whole log set and the tail's small batches (no per-line Python either way).

Events schema (stable; every column is present whatever types occur):
``ts, type, host, file, line_no, level, statement`` then the typed fields of :func:`fields` in order,
null where a type does not carry them. ``type`` and field names are the catalogue's §3 names (plus
``perf_counter``, a 5.x statement the catalogue lacks, see docs/log-findings.md); ``statement`` is the
catalogue id of the wording. Rows keep the lines frame's order (file order, then line order; several
events of one line in pattern order), never re-sorted by ``ts``.

Memory: the frame is wide but sparse. Extraction runs per file segment and fills absent fields with
literal nulls, which Polars keeps as scalars; project with :func:`type_fields` before filtering a
large frame so only the fields of the wanted types are materialised.
"""

from __future__ import annotations

import itertools
from functools import cache
from typing import TYPE_CHECKING

from .event_patterns import (
    BUSY_SLOW_MS,
    CONFIG_LINE_RE,
    CONFIG_THREAD,
    PATTERNS,
    PERF_COUNTER_NO_MAX,
    EventPattern,
)
from .event_routing import candidate_pairs

if TYPE_CHECKING:
    import polars as pl

#: Every §3 event type this module can emit (``broker_config`` comes from config-dump lines).
EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(["broker_config", *(p.type for p in PATTERNS)]))
for _p in PATTERNS:
    EVENT_TYPES = tuple(dict.fromkeys([*EVENT_TYPES, *_p.type_by_file.values()]))

_BASE_COLUMNS = ("ts", "type", "host", "file", "line_no", "level", "statement")


@cache
def fields() -> dict[str, pl.DataType]:
    """Typed event fields (name → dtype), in output order."""
    import polars as pl

    i, f, s, b = pl.Int64(), pl.Float64(), pl.Utf8(), pl.Boolean()
    return {
        "phase": s, "stage": s, "mode": s, "kind": s, "side": s, "service": s, "status": s, "result": s,
        "broker_name": s, "broker_addr": s, "broker_id": i, "cluster": s, "ha_addr": s, "namesrv_addr": s,
        "namesrv_list": s, "serialize_type": s, "bind_addr": s, "port": i,
        "old_addr": s, "new_addr": s, "min_broker_id": i, "role": s, "store_role": s, "term": i, "epoch": i,
        "success": b, "cost": i, "count": i, "shutdown_ms": i, "timeout_ms": i,
        "topic": s, "read_queue_nums": i, "write_queue_nums": i, "perm": i, "namespace": s, "key": s, "value": s,
        "slave_addr": s, "peer_addr": s, "request_offset": i, "transfer_from": i, "idle_ms": i, "bytes": i,
        "next_offset": i, "acks": i, "tags": s, "client_addr": s, "max_kbps": f, "cur_kbps": f,
        "ms": i, "body_len": i, "wrote_offset": i, "total_put": i, "bucket_counts": pl.List(pl.Int64()),
        "p50": f, "p99": f, "p999": f, "min_ms": i, "max_ms": i, "put_tps": f, "get_found_tps": f, "get_miss_tps": f, "get_transferred_tps": f,
        "store_root": s, "file": s, "pos": i, "max_phy_offset": i, "cost_ms": i, "phy_offset": i,
        "max_phy_offset_cq": i, "computed_crc": i, "stored_crc": i, "magic_hex": s, "offsets": pl.List(pl.Int64()),
        "files": s, "qid": i, "length": i, "ratio": f, "path": s, "basename": s, "ok": b, "wrote_pos": i,
        "flushed_pos": i, "elapsed": i, "reserved_hours": i, "timeup": b, "spacefull": b, "clean_at_once": b,
        "queue": s, "size": i, "slow_ms": i, "name": s, "key_parts": pl.List(pl.Utf8()), "window": s, "sum": i,
        "tps": f, "avgpt": f, "times": i, "avgrt": f, "group": s, "lag_bytes": i,
        "remote_addr": s, "remote_ip": s, "remote_port": i, "local_addr": s, "exception": s, "detail": s,
    }  # fmt: skip


# ``file`` is both a base column (the log file) and a typed field (a store file named in the line):
# the typed one is called ``store_file`` in the frame to keep names unique.
_RENAMED = {"file": "store_file"}


#: Fields computed from others for every type that has their inputs (see ``_derive``).
_DERIVED = (
    "exception",
    "remote_ip",
    "remote_port",
    "basename",
    "key_parts",
    "offsets",
    "topic",
    "qid",
    "files",
)


@cache
def type_fields(types: tuple[str, ...]) -> tuple[str, ...]:
    """Base columns plus the fields the given event types can carry, in schema order.

    Use it to project before filtering a big events frame (``ev.lazy().filter(...).select(...)``): the
    other fields of those rows are null by construction, so they need not be materialised.
    """
    want = set(types)
    names: set[str] = set()
    for p in PATTERNS:
        if p.type in want or want & set(p.type_by_file.values()):
            names.update(g.split("__", 1)[0] for g in _group_names(p.regex))
            names.update(p.const)
    if "broker_config" in want:
        names.update(("key", "value"))
    if want & {"put_latency_histogram", "perf_counter"}:
        names.update(("bucket_counts", "p99", "p999"))
    if "broker_busy" in want:
        names.update(("queue", "size", "slow_ms"))
    names.update(_DERIVED)
    schema = events_schema()
    fields_ = {_RENAMED.get(n, n) for n in names}
    return tuple(c for c in schema if c in _BASE_COLUMNS or c in fields_)


def events_schema() -> dict[str, pl.DataType]:
    import polars as pl

    base: dict[str, pl.DataType] = {
        "ts": pl.Datetime("ms", "UTC"),
        "type": pl.Utf8(),
        "host": pl.Utf8(),
        "file": pl.Utf8(),
        "line_no": pl.Int64(),
        "level": pl.Utf8(),
        "statement": pl.Utf8(),
    }
    return base | {_RENAMED.get(k, k): v for k, v in fields().items()}


def empty_events_frame() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema=events_schema())


def _group_names(regex: str) -> list[str]:
    import re

    return re.findall(r"\(\?P?<([a-zA-Z_][a-zA-Z0-9_]*)>", regex)


def _typed(name: str, expr: pl.Expr) -> pl.Expr:
    """Cast a captured string to the field's dtype (decimal commas from non-English JVM locales too)."""
    import polars as pl

    dt = fields()[name]
    if dt == pl.Utf8:
        return expr
    if dt == pl.Boolean:
        low = expr.str.to_lowercase()
        return pl.when(low.is_in(["true", "ok"])).then(True).when(low.is_in(["false", "failed"])).then(False)
    if dt == pl.Float64:
        return expr.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    return expr.cast(dt, strict=False)


def _apply(p: EventPattern, rows: pl.DataFrame) -> pl.DataFrame:
    """One pattern over its candidate rows → typed rows (non-matching candidates dropped)."""
    import polars as pl

    groups = _group_names(p.regex)
    # one regex pass: a wrapping group tells whether the row matched at all (all groups may be optional)
    wrapped = f"(?P<_m>{p.regex})"
    extracted = rows.with_columns(_g=pl.col("message").str.extract_groups(wrapped)).filter(
        pl.col("_g").struct.field("_m").is_not_null()
    )
    merged: dict[str, list[pl.Expr]] = {}
    for name in groups:
        base = name.split("__", 1)[0]
        merged.setdefault(base, []).append(pl.col("_g").struct.field(name))
    cols: list[pl.Expr] = []
    special: dict[str, pl.Expr] = {}
    for base, exprs in merged.items():
        raw = pl.coalesce(exprs) if len(exprs) > 1 else exprs[0]
        if base in fields():
            cols.append(_typed(base, raw).alias(_RENAMED.get(base, base)))
        else:
            special[base] = raw
    for k, v in p.const.items():
        if not any(c.meta.output_name() == k for c in cols):
            cols.append(pl.lit(v, dtype=fields()[k]).alias(_RENAMED.get(k, k)))
    cols.extend(_special(p, special))
    type_expr = pl.lit(p.type)
    for prefix, t in p.type_by_file.items():
        type_expr = (
            pl.when(pl.col("file").str.split("/").list.last().str.starts_with(prefix))
            .then(pl.lit(t))
            .otherwise(type_expr)
        )
    return extracted.select(
        pl.col("_row"),
        pl.col("ts"),
        type_expr.alias("type"),
        pl.col("host"),
        pl.col("file"),
        pl.col("line_no"),
        pl.col("level"),
        pl.lit(p.stmt).alias("statement"),
        pl.col("continuation"),
        *cols,
    )


def _special(p: EventPattern, special: dict[str, pl.Expr]) -> list[pl.Expr]:
    """Captures that are not fields as such: PAGECACHERT buckets, percentile lines, flags."""
    import polars as pl

    out: list[pl.Expr] = []
    if "buckets" in special:
        out.append(
            special["buckets"]
            .str.extract_all(r"\]:-?\d+")
            .list.eval(pl.element().str.slice(2).cast(pl.Int64, strict=False))
            .alias("bucket_counts")
        )
    if "px" in special:
        ms = special["px_ms"].str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
        out.append(pl.when(special["px"] == "0.99").then(ms).alias("p99"))
        out.append(pl.when(special["px"] == "0.999").then(ms).alias("p999"))
    if "perf_buckets" in special:
        out.append(
            special["perf_buckets"]
            .str.extract_all(r":-?\d+")
            .list.eval(pl.element().str.slice(1).cast(pl.Int64, strict=False))
            .alias("bucket_counts")
        )
    if "failed" in special:
        out.append(special["failed"].is_null().alias("success"))
    return out


def _config_events(lines: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    cand = lines.filter((pl.col("thread") == CONFIG_THREAD) & pl.col("message").str.contains(CONFIG_LINE_RE))
    if cand.height == 0:
        return cand.select(pl.col("_row")).clear()
    g = pl.col("message").str.extract_groups(CONFIG_LINE_RE)
    return cand.select(
        pl.col("_row"),
        pl.col("ts"),
        pl.lit("broker_config").alias("type"),
        pl.col("host"),
        pl.col("file"),
        pl.col("line_no"),
        pl.col("level"),
        pl.lit("§1.6").alias("statement"),
        pl.col("continuation"),
        g.struct.field("key").alias("key"),
        g.struct.field("value").alias("value"),
    )


def _derive(part: pl.DataFrame) -> pl.DataFrame:
    """Fields derived from others (exception class, address parts, basenames, list fields), per part,
    only where their inputs exist — so a part never grows columns it has no values for."""
    import polars as pl

    from ..parsers.logs.layouts import EXCEPTION_HEAD_RE

    cols = set(part.columns)
    ex: list[pl.Expr] = []
    exc = pl.col("continuation").str.extract(EXCEPTION_HEAD_RE, 1)
    ex.append((pl.coalesce(pl.col("exception"), exc) if "exception" in cols else exc).alias("exception"))
    if "remote_addr" in cols:
        addr = pl.col("remote_addr").str.strip_chars_start("/")
        ex += [
            addr.str.replace(r":\d+$", "").alias("remote_ip"),
            addr.str.extract(r":(\d+)$", 1).cast(pl.Int64, strict=False).alias("remote_port"),
        ]
    if "path" in cols:
        ex.append(pl.col("path").str.split("/").list.last().alias("basename"))
    if "key" in cols and part["type"][0] == "stats":
        ex.append(pl.col("key").str.split("@").alias("key_parts"))
    if "max_ms" in cols:
        ex.append(pl.when(pl.col("max_ms") != PERF_COUNTER_NO_MAX).then(pl.col("max_ms")).alias("max_ms"))
    if "kind" in cols:
        ex.append(pl.col("kind").replace({"commitLog": "physic", "consumeQueue": "logics", "ha ": "ha"}))
    if "detail" in cols and part["type"][0] == "store_bug":
        d = pl.col("detail")
        ex += [
            d.str.extract_all(r"(?:[=:(]|: )-?\d+")
            .list.eval(pl.element().str.extract(r"(-?\d+)", 1).cast(pl.Int64, strict=False))
            .alias("offsets"),
            d.str.extract(r"Topic: (\S+)", 1).alias("topic"),
            d.str.extract(r"QID: (\d+)", 1).cast(pl.Int64, strict=False).alias("qid"),
            d.str.extract(r"pre file (.+)$", 1).alias("files"),
        ]
    return part.with_columns(ex).drop("continuation")


def _finish(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Parts → the events frame: derived fields, busy rows, file order, the full stable schema.

    Memory: only the union of columns that occur is materialised by the concat; every other schema
    column is added afterwards as a literal null (Polars keeps those as scalars, not N-row buffers).
    """
    import polars as pl

    schema = events_schema()
    parts = [_derive(p) for p in parts]
    busy = [
        p.filter(pl.col("slow_ms") > BUSY_SLOW_MS).with_columns(
            type=pl.lit("broker_busy"), _pat=pl.lit(1 << 30, pl.Int32)
        )
        for p in parts
        if p.height and p["type"][0] == "watermark"
    ]
    df = pl.concat([*parts, *[b for b in busy if b.height]], how="diagonal_relaxed")
    # file order, and one line's events in pattern order: one u64 key sorts faster than two columns
    key = pl.col("_row").cast(pl.UInt64) * (1 << 31) + (pl.col("_pat") + 1).cast(pl.UInt64)
    df = df.with_columns(_k=key).sort("_k").drop("_row", "_pat", "_k")
    missing = [pl.lit(None, dtype=dt).alias(n) for n, dt in schema.items() if n not in df.columns]
    df = df.with_columns(missing).select(list(schema))
    have = df.schema
    mismatched = {n: dt for n, dt in schema.items() if have[n] != dt}
    return df.cast(mismatched) if mismatched else df  # type: ignore[arg-type]


def _watermark_fast(p: EventPattern, rows: pl.DataFrame) -> pl.DataFrame:
    """``[WATERMARK] <queue> Queue Size: <n> SlowTimeMills: <m>`` cut with two literal finds (the
    highest-volume statement: one line per queue per second); other [WATERMARK] shapes fall back."""
    import polars as pl

    m = pl.col("message")
    q = m.str.find(" Queue Size: ", literal=True)
    w = m.str.find(" SlowTimeMills: ", literal=True)
    size = m.str.slice(q + 13, w - q - 13).cast(pl.Int64, strict=False)
    slow = m.str.slice(w + 16).cast(pl.Int64, strict=False)
    got = rows.with_columns(queue=m.str.slice(12, q - 12), size=size, slow_ms=slow).filter(
        pl.col("size").is_not_null() & pl.col("slow_ms").is_not_null()
    )
    return got.select(
        "_row", "ts", pl.lit(p.type).alias("type"), "host", "file", "line_no", "level",
        pl.lit(p.stmt).alias("statement"), "continuation", "queue", "size", "slow_ms",
    )  # fmt: skip


_FAST = {"W1": _watermark_fast}


def _wanted(p: EventPattern, want: set[str] | None) -> bool:
    if want is None or p.type in want or want & set(p.type_by_file.values()):
        return True
    return p.type == "watermark" and "broker_busy" in want


def _extract(lines: pl.DataFrame, want: set[str] | None) -> pl.DataFrame:
    """One segment (rows of one file): the events frame, in line order."""
    import polars as pl

    base = lines.select(
        "ts", "host", "file", "line_no", "level", "thread", "message", "continuation"
    ).with_row_index("_row")
    parts: list[pl.DataFrame] = []
    pairs = candidate_pairs(base)
    if pairs.height:
        for (pat,), rows in pairs.partition_by("pat", as_dict=True).items():
            p = PATTERNS[int(pat)]  # type: ignore[call-overload]
            if not _wanted(p, want):
                continue
            sub = base[rows["_row"].sort()]
            got = _FAST[p.stmt](p, sub) if p.stmt in _FAST else _apply(p, sub)
            if got.height:
                parts.append(got.with_columns(_pat=pl.lit(int(pat), pl.Int32)))
    if want is None or "broker_config" in want:
        cfg = _config_events(base)
        if cfg.height:
            parts.append(cfg.with_columns(_pat=pl.lit(-1, pl.Int32)))
    if not parts:
        return empty_events_frame()
    out = _finish(parts)
    if want is not None:
        out = out.filter(pl.col("type").is_in(list(want)))
    return out


#: Rows per extraction segment: sorting a segment materialises only the fields its own types use,
#: so memory stays proportional to the segment, not to rows × every field of every type.
SEGMENT_ROWS = 1_000_000


def _segments(lines: pl.DataFrame) -> list[tuple[int, int]]:
    """(offset, length) slices of a big input: one file at a time (its rows are contiguous), at most
    SEGMENT_ROWS each. Inputs up to SEGMENT_ROWS stay whole: their sort is cheap whatever the mix."""
    import polars as pl

    if lines.height <= SEGMENT_ROWS:  # small inputs (tail batches): one segment, no boundary scan
        return [(0, lines.height)]
    bounds = (
        lines.select(pl.col("host"), pl.col("file"))
        .with_row_index("_i")
        .filter((pl.col("host") != pl.col("host").shift(1)) | (pl.col("file") != pl.col("file").shift(1))
                | (pl.col("_i") == 0))["_i"]
        .to_list()
    )  # fmt: skip
    bounds.append(lines.height)
    out: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(bounds):
        out.extend((i, min(SEGMENT_ROWS, b - i)) for i in range(a, b, SEGMENT_ROWS))
    return out


def extract_events(lines: pl.DataFrame, *, types: list[str] | tuple[str, ...] | None = None) -> pl.DataFrame:
    """Typed events from a lines frame (``read_lines``/``parse_text`` schema); see module doc.

    Works segment by segment (a file, or a million rows of one): each segment's events are put in line
    order on their own, and segments are concatenated in order, so no sort ever spans the whole set.
    """
    import polars as pl

    if lines.height == 0:
        return empty_events_frame()
    want = set(types) if types else None
    segs = _segments(lines)
    if len(segs) == 1:
        return _extract(lines, want)
    outs = [_extract(lines.slice(a, n), want) for a, n in segs]
    return pl.concat([o for o in outs if o.height] or [empty_events_frame()], how="vertical")


__all__ = ["EVENT_TYPES", "empty_events_frame", "events_schema", "extract_events", "fields", "type_fields"]
