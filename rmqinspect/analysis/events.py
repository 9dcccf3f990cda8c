"""Lines frame → events frame: typed rows for the statements an incident analysis needs.

Why this shape: most log lines are no event at all, and the ones that are come from ~130 wordings.
So one Aho-Corasick pass (``str.contains_any`` over every pattern's literal anchors) selects the
candidate lines, ``str.extract_many`` says which anchors each contains, and only then each pattern's
regex runs, on its own few rows. The same function serves a whole log set and the tail's small
batches (it does no per-line Python either way).

Events schema (stable; every column is present whatever types occur):
``ts, type, host, file, line_no, level, statement`` then the typed fields of ``FIELDS`` in order,
null where a type does not carry them. ``type`` and field names are the catalogue's §3 names;
``statement`` the catalogue id of the wording (see ``event_patterns``). Rows keep the lines frame's
order (file order, then line order), never re-sorted by ``ts``.
"""

from __future__ import annotations

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


@cache
def _anchor_table() -> tuple[list[str], dict[str, list[int]]]:
    by_anchor: dict[str, list[int]] = {}
    for i, p in enumerate(PATTERNS):
        for a in p.anchors:
            by_anchor.setdefault(a, []).append(i)
    return list(by_anchor), by_anchor


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
    extracted = rows.filter(pl.col("message").str.contains(p.regex))
    if groups:
        extracted = extracted.with_columns(_g=pl.col("message").str.extract_groups(p.regex))
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


def _finish(df: pl.DataFrame) -> pl.DataFrame:
    """Derived fields shared by many types: exception class, address parts, basenames, busy rows."""
    import polars as pl

    from ..parsers.logs.layouts import EXCEPTION_HEAD_RE

    schema = events_schema()
    for name, dt in schema.items():
        if name not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=dt).alias(name))
    addr = pl.col("remote_addr").str.strip_chars_start("/")
    df = df.with_columns(
        exception=pl.coalesce(pl.col("exception"), pl.col("continuation").str.extract(EXCEPTION_HEAD_RE, 1)),
        remote_ip=pl.coalesce(pl.col("remote_ip"), addr.str.replace(r":\d+$", "")),
        remote_port=pl.coalesce(
            pl.col("remote_port"), addr.str.extract(r":(\d+)$", 1).cast(pl.Int64, strict=False)
        ),
        basename=pl.coalesce(pl.col("basename"), pl.col("path").str.split("/").list.last()),
        key_parts=pl.when(pl.col("type") == "stats")
        .then(pl.col("key").str.split("@"))
        .otherwise(pl.col("key_parts")),
        max_ms=pl.when(pl.col("max_ms") != PERF_COUNTER_NO_MAX).then(pl.col("max_ms")),
        kind=pl.col("kind").replace({"commitLog": "physic", "consumeQueue": "logics", "ha ": "ha"}),
        offsets=pl.when(pl.col("type") == "store_bug")
        .then(
            pl.col("detail")
            .str.extract_all(r"(?:[=:(]|: )-?\d+")
            .list.eval(pl.element().str.extract(r"(-?\d+)", 1).cast(pl.Int64, strict=False))
        )
        .otherwise(pl.col("offsets")),
        topic=pl.coalesce(pl.col("topic"), pl.col("detail").str.extract(r"Topic: (\S+)", 1)),
        qid=pl.coalesce(
            pl.col("qid"), pl.col("detail").str.extract(r"QID: (\d+)", 1).cast(pl.Int64, strict=False)
        ),
        files=pl.coalesce(pl.col("files"), pl.col("detail").str.extract(r"pre file (.+)$", 1)),
    )
    busy = df.filter((pl.col("type") == "watermark") & (pl.col("slow_ms") > BUSY_SLOW_MS)).with_columns(
        type=pl.lit("broker_busy"), _row=pl.col("_row")
    )
    if busy.height:
        df = pl.concat([df, busy], how="vertical_relaxed")
    return df.sort("_row", "type", maintain_order=True).select(list(schema)).cast(schema)  # type: ignore[arg-type]


def extract_events(lines: pl.DataFrame, *, types: list[str] | tuple[str, ...] | None = None) -> pl.DataFrame:
    """Typed events from a lines frame (``read_lines``/``parse_text`` schema); see module doc."""
    import polars as pl

    if lines.height == 0:
        return empty_events_frame()
    want = set(types) if types else None
    anchors, by_anchor = _anchor_table()
    base = lines.select(
        "ts", "host", "file", "line_no", "level", "thread", "message", "continuation"
    ).with_row_index("_row")
    cand = base.filter(pl.col("message").str.contains_any(anchors))
    parts: list[pl.DataFrame] = []
    if cand.height:
        hits = cand.select(
            pl.col("_row"), pl.col("message").str.extract_many(anchors, overlapping=True).alias("a")
        )
        hits = hits.explode("a").drop_nulls("a").unique(maintain_order=True)
        table = pl.DataFrame(
            [(a, i) for a, idxs in by_anchor.items() for i in idxs],
            schema={"a": pl.Utf8, "pat": pl.Int64},
            orient="row",
        )
        pairs = hits.join(table, on="a", how="inner").select("_row", "pat").unique(maintain_order=True)
        for (pat,), rows in pairs.partition_by("pat", as_dict=True, maintain_order=True).items():
            p = PATTERNS[int(pat)]  # type: ignore[call-overload]
            if want is not None and p.type not in want and not (want & set(p.type_by_file.values())):
                if not (p.type == "watermark" and "broker_busy" in want):
                    continue
            sub = cand.join(rows.select("_row"), on="_row", how="semi")
            got = _apply(p, sub)
            if got.height:
                parts.append(got)
    if want is None or "broker_config" in want:
        cfg = _config_events(base)
        if cfg.height:
            parts.append(cfg)
    if not parts:
        return empty_events_frame()
    out = _finish(pl.concat(parts, how="diagonal_relaxed"))
    if want is not None:
        out = out.filter(pl.col("type").is_in(list(want)))
    return out


__all__ = ["EVENT_TYPES", "empty_events_frame", "events_schema", "extract_events", "fields"]
