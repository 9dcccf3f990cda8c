"""Events (+ lines) → the incident report behind ``rmqinspect logs``: frames only, no presentation.

Each section answers one operator question from the events frame; every number is a count, quantile
or extreme over event rows, so each can be traced back to ``(host, file, line_no)`` rows.

Sections: ``topology`` (boots, shutdowns clean or not, registrations, heartbeat cadence and gaps,
namesrv-side registrations/expiries/unregistrations, flapping), ``replication`` (HA connections,
slave lag over time, sync timeouts, role/master changes), ``latency`` (put/flush cost, PerfCounter
windows, PAGECACHERT histograms, watermark queues), ``recovery`` (abnormal shutdowns, recovery steps,
truncation, magic/CRC/[BUG]), ``disk``, ``busy`` and ``errors`` (WARN/ERROR grouped by exception class).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..findings import Finding, Severity

if TYPE_CHECKING:
    import polars as pl

#: A broker re-registers every 30 s (registerNameServerPeriod); a silence longer than this is a gap.
REGISTER_GAP_S = 90
#: register → expire cycles of one broker on one namesrv within the log that count as flapping.
FLAP_CYCLES = 3

RECOVERY_TYPES = (
    "abnormal_shutdown_detected", "recovery_progress", "recovery_truncated", "magic_code_error", "crc_error",
    "store_bug", "mapped_file_error", "index_error",
)  # fmt: skip


def _of(ev: pl.DataFrame, *types: str) -> pl.DataFrame:
    """Rows of these types with only the columns they can carry: filtering a big, mostly-null events
    frame with every column would materialise rows × all fields; projecting first does not."""
    import polars as pl

    from .events import type_fields

    return (
        ev.lazy()
        .filter(pl.col("type").is_in(list(types)))
        .select(type_fields(tuple(sorted(types))))
        .collect()
    )


def _q(col: str, q: float, name: str) -> pl.Expr:
    import polars as pl

    return pl.col(col).quantile(q, "nearest").alias(name)


# --- topology -------------------------------------------------------------------------------------------


def boots(ev: pl.DataFrame) -> pl.DataFrame:
    """One row per broker/namesrv start: who, when, and whether the stop before it was clean.

    Clean = a shutdown hook ran on that host after the previous boot (no previous boot in the logs:
    unknown); the store's own verdict (``last shutdown abnormally``, logged up to 120 s before the
    boot line while the store loads) is reported separately because it is what decided recovery.
    """
    import polars as pl

    b = _of(ev, "broker_boot", "namesrv_boot").select(
        "host", "ts", "type", "file", "line_no", "broker_name", "broker_addr", "bind_addr", "port"
    )
    if b.height == 0:
        return b.with_columns(
            pl.lit(None, pl.Utf8).alias("previous_stop"), pl.lit(None, pl.Boolean).alias("store_abnormal")
        )
    stops = (
        _of(ev, "broker_shutdown", "namesrv_shutdown")
        .filter(pl.col("phase") == "invoked")
        .select("host", pl.col("ts").alias("stop_ts"))
        .sort("stop_ts")
    )
    abn = (
        _of(ev, "abnormal_shutdown_detected")
        .filter(pl.col("statement") == "R1")
        .select("host", pl.col("ts").alias("abn_ts"))
        .sort("abn_ts")
    )
    b = b.with_row_index("_i").sort("ts", "_i")
    b = b.with_columns(prev_boot=pl.col("ts").shift(1).over("host"))
    # latest shutdown hook at or before each boot, and latest R1 at or before it (R1 precedes B1)
    b = b.join_asof(
        stops, left_on="ts", right_on="stop_ts", by="host", strategy="backward", check_sortedness=False
    )
    b = b.join_asof(
        abn,
        left_on="ts",
        right_on="abn_ts",
        by="host",
        strategy="backward",
        tolerance="120s",
        check_sortedness=False,
    )
    stop = (
        pl.when(pl.col("prev_boot").is_null())
        .then(pl.lit("first in logs"))
        .when(pl.col("stop_ts").is_not_null() & (pl.col("stop_ts") > pl.col("prev_boot")))
        .then(pl.lit("clean (shutdown hook)"))
        .otherwise(pl.lit("crash (no shutdown hook)"))
    )
    return (
        b.with_columns(previous_stop=stop, store_abnormal=pl.col("abn_ts").is_not_null())
        .sort("_i")
        .drop("_i", "prev_boot", "stop_ts", "abn_ts")
    )


def broker_identity(ev: pl.DataFrame) -> pl.DataFrame:
    """Per host: cluster, broker name, id, role and address, from the boot line and the config dump."""
    import polars as pl

    cfg = _of(ev, "broker_config").filter(
        pl.col("key").is_in(
            ["brokerClusterName", "brokerName", "brokerId", "brokerRole", "listenPort", "brokerIP1"]
        )
    )
    wide = (
        cfg.group_by("host", "key").agg(pl.col("value").last()).pivot(on="key", index="host", values="value")
        if cfg.height
        else pl.DataFrame({"host": []}, schema={"host": pl.Utf8})
    )
    boot = (
        _of(ev, "broker_boot")
        .group_by("host")
        .agg(pl.col("broker_name").last(), pl.col("broker_addr").last(), pl.len().alias("boots"))
    )
    inferred = (
        ev.lazy()
        .group_by("host")
        .agg(
            pl.when(pl.col("statement").is_in(["H9", "B-upd"]).any() | (pl.col("phase") == "connect").any())
            .then(pl.lit("SLAVE (inferred)"))
            .when(pl.col("statement").is_in(["H1", "H11", "H11'"]).any())
            .then(pl.lit("MASTER (inferred)"))
            .first()
            .alias("_role"),
            pl.col("broker_id").filter(pl.col("statement") == "B2'").last().cast(pl.Utf8).alias("_id"),
        )
        .collect()
    )
    out = boot.join(wide, on="host", how="left").join(inferred, on="host", how="left")
    for c in ("brokerClusterName", "brokerId", "brokerRole"):
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Utf8).alias(c))
    return out.select(
        "host",
        pl.col("brokerClusterName").alias("cluster"),
        "broker_name",
        pl.coalesce("brokerId", "_id").alias("broker_id"),
        pl.coalesce("brokerRole", "_role").alias("role"),
        "broker_addr",
        pl.col("boots").fill_null(0),
    ).sort("host")


def registrations(ev: pl.DataFrame) -> pl.DataFrame:
    """Broker view: per (host, name server), OK count, cadence (median interval), longest gap, failures."""
    import polars as pl

    ok = _of(ev, "broker_register_ok").sort("host", "namesrv_addr", "ts", maintain_order=True)
    fail = _of(ev, "broker_register_failed")
    okg = ok.group_by("host", "namesrv_addr", maintain_order=True).agg(
        pl.len().alias("ok"),
        pl.col("ts").min().alias("first_ok"),
        pl.col("ts").max().alias("last_ok"),
        pl.col("ts").diff().dt.total_seconds().median().alias("cadence_s"),
        pl.col("ts").diff().dt.total_seconds().max().alias("max_gap_s"),
    )
    fg = fail.group_by("host", "namesrv_addr", maintain_order=True).agg(
        pl.len().alias("failures"),
        pl.col("ts").min().alias("first_failure"),
        pl.col("ts").max().alias("last_failure"),
        pl.col("exception").drop_nulls().first().alias("exception"),
    )
    out = okg.join(fg, on=["host", "namesrv_addr"], how="full", coalesce=True)
    return out.with_columns(pl.col("ok").fill_null(0), pl.col("failures").fill_null(0)).sort(
        "host", "namesrv_addr"
    )


def register_gaps(ev: pl.DataFrame, gap_s: int = REGISTER_GAP_S) -> pl.DataFrame:
    """Intervals where a broker did not re-register with a name server for longer than ``gap_s``."""
    import polars as pl

    ok = _of(ev, "broker_register_ok").sort("host", "namesrv_addr", "ts", maintain_order=True)
    return (
        ok.with_columns(prev=pl.col("ts").shift(1).over("host", "namesrv_addr"))
        .with_columns(gap_s=(pl.col("ts") - pl.col("prev")).dt.total_seconds())
        .filter(pl.col("gap_s") > gap_s)
        .select("host", "namesrv_addr", pl.col("prev").alias("from"), pl.col("ts").alias("to"), "gap_s")
    )


def namesrv_view(ev: pl.DataFrame) -> pl.DataFrame:
    """Name-server view per (namesrv host, broker address): registered, expired, unregistered, destroyed."""
    import polars as pl

    t = _of(
        ev, "broker_registered", "broker_expired", "broker_unregistered", "broker_channel_destroyed"
    ).filter(pl.col("broker_addr").is_not_null())
    if t.height == 0:
        return pl.DataFrame(schema={"host": pl.Utf8, "broker_addr": pl.Utf8})
    return (
        t.group_by("host", "broker_addr")
        .agg(
            pl.col("cluster").drop_nulls().first(),
            (pl.col("type") == "broker_registered").sum().alias("registered"),
            (pl.col("type") == "broker_expired").sum().alias("expired"),
            ((pl.col("type") == "broker_unregistered") & (pl.col("phase").is_null()))
            .sum()
            .alias("unregistered"),
            (pl.col("type") == "broker_channel_destroyed").sum().alias("destroyed"),
            pl.col("ts").filter(pl.col("type") == "broker_registered").min().alias("first_registered"),
            pl.col("ts").filter(pl.col("type") == "broker_registered").max().alias("last_registered"),
            pl.col("ts").filter(pl.col("type") == "broker_expired").max().alias("last_expired"),
            pl.col("ts").filter(pl.col("type") == "broker_unregistered").max().alias("last_unregistered"),
        )
        .with_columns(
            flapping=pl.min_horizontal("registered", pl.col("expired") + pl.col("unregistered"))
            >= FLAP_CYCLES
        )
        .sort("host", "broker_addr")
    )


def namesrv_timeline(ev: pl.DataFrame) -> pl.DataFrame:
    """Every registration-state change seen by a name server, in order (the "when present/absent" log)."""
    import polars as pl

    t = _of(ev, "broker_registered", "broker_expired", "broker_unregistered").filter(
        pl.col("broker_addr").is_not_null() & (pl.col("phase").is_null())
    )
    return t.select("ts", "host", "type", "broker_addr", "cluster", "timeout_ms", "result").sort(
        "ts", maintain_order=True
    )


# --- replication ----------------------------------------------------------------------------------------


def lag(ev: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Slave lag (master side, bytes) — summary per host and the series for plots."""
    import polars as pl

    s = _of(ev, "ha_lag_bytes").filter(pl.col("kind") == "slave").select("host", "ts", "bytes")
    summary = s.group_by("host", maintain_order=True).agg(
        pl.len().alias("samples"),
        pl.col("bytes").max().alias("max_bytes"),
        pl.col("ts").filter(pl.col("bytes") == pl.col("bytes").max()).first().alias("max_at"),
        pl.col("bytes").last().alias("last_bytes"),
        pl.col("ts").filter(pl.col("bytes") > 0).min().alias("first_behind"),
        pl.col("ts").filter(pl.col("bytes") > 0).max().alias("last_behind"),
    )
    # 4.x prints the lag line even when no slave ever connected (then it is just the commitlog size)
    accepts = (
        _of(ev, "ha_slave_connected")
        .filter(pl.col("statement") == "H1")
        .group_by("host")
        .agg(pl.len().alias("slave_connections"))
    )
    summary = summary.join(accepts, on="host", how="left").with_columns(
        pl.col("slave_connections").fill_null(0)
    )
    return summary.sort("host"), s


def ha_outages(ev: pl.DataFrame) -> pl.DataFrame:
    """Master side: from a slave connection ending (read error, expiry) to the next accepted connection.

    This is the replication outage window; 5.x prints no lag line while no slave is connected, so
    for a stopped slave this (and the catch-up offsets at reconnect) is the evidence.
    """
    import polars as pl

    t = _of(ev, "ha_slave_connected", "ha_connection_expired").filter(
        pl.col("statement").is_in(["H1", "H5", "H6"]) & pl.col("slave_addr").is_not_null()
        | pl.col("statement").is_in(["H5", "H6"])
    )
    t = t.with_columns(down=pl.col("type") == "ha_connection_expired").sort("host", "ts", maintain_order=True)
    rows = []
    for (host,), g in t.group_by("host", maintain_order=True):
        start = None
        for r in g.iter_rows(named=True):
            if r["down"] and start is None:
                start = r
            elif not r["down"] and start is not None:
                rows.append(
                    {
                        "host": host,
                        "from": start["ts"],
                        "to": r["ts"],
                        "reason": start["statement"],
                        "peer": start["peer_addr"],
                        "seconds": (r["ts"] - start["ts"]).total_seconds(),
                    }
                )
                start = None
        if start is not None:
            rows.append(
                {
                    "host": host,
                    "from": start["ts"],
                    "to": None,
                    "reason": start["statement"],
                    "peer": start["peer_addr"],
                    "seconds": None,
                }
            )
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "host": pl.Utf8,
        "from": pl.Datetime("ms", "UTC"),
        "to": pl.Datetime("ms", "UTC"),
        "reason": pl.Utf8,
        "peer": pl.Utf8,
        "seconds": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def ha_connections(ev: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    t = _of(ev, "ha_slave_connected", "ha_connection_expired")
    return t.select(
        "ts", "host", "type", "statement", "phase", "status",
        pl.coalesce("slave_addr", "peer_addr").alias("peer"), "request_offset", "transfer_from", "idle_ms",
    ).sort("ts", maintain_order=True)  # fmt: skip


def role_changes(ev: pl.DataFrame) -> pl.DataFrame:
    """Role changes and master-address changes; 5.3.3 repeats H9 every 10 s with OLD == NEW, dropped here."""
    import polars as pl

    t = _of(ev, "broker_role_change", "broker_master_changed").filter(
        pl.col("old_addr").is_null()
        | pl.col("new_addr").is_null()
        | (pl.col("old_addr") != pl.col("new_addr"))
    )
    return t.select(
        "ts", "host", "type", "statement", "phase", "role", "broker_name", "broker_id", "old_addr", "new_addr",
        "term", "epoch", "success",
    )  # fmt: skip


# --- latency --------------------------------------------------------------------------------------------


def cost_summary(ev: pl.DataFrame) -> pl.DataFrame:
    """Slow put/flush statements (each only printed above 500 ms): count, p50, p99, max per host."""
    import polars as pl

    t = _of(ev, "put_cost_ms", "flush_cost_ms").filter(pl.col("ms").is_not_null())
    return (
        t.group_by("host", "type", pl.coalesce("service", "phase").alias("what"))
        .agg(pl.len().alias("count"), _q("ms", 0.5, "p50_ms"), _q("ms", 0.99, "p99_ms"), pl.col("ms").max().alias("max_ms"),
             pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"))
        .sort("host", "type", "what")
    )  # fmt: skip


def perf_counters(ev: pl.DataFrame) -> pl.DataFrame:
    """5.x PerfCounter windows (10 s): per host and counter, samples, median p50, worst p99/p999/max."""
    import polars as pl

    t = _of(ev, "perf_counter")
    return (
        t.group_by("host", "name")
        .agg(pl.len().alias("windows"), pl.col("count").sum().alias("samples"),
             pl.col("p50").median().alias("p50_ms"), pl.col("p99").max().alias("worst_p99_ms"),
             pl.col("p999").max().alias("worst_p999_ms"), pl.col("max_ms").max().alias("max_ms"),
             pl.col("ts").filter(pl.col("p99") == pl.col("p99").max()).first().alias("worst_p99_at"))
        .sort("host", "name")
    )  # fmt: skip


def pagecache_histogram(ev: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """PAGECACHERT: per host, bucket counts summed over the minute lines; plus F10 percentiles."""
    import polars as pl

    from .event_patterns import PAGECACHERT_BUCKETS

    h = _of(ev, "put_latency_histogram").filter(pl.col("bucket_counts").is_not_null())
    rows = []
    for (host,), g in h.group_by("host", maintain_order=True):
        sums = [0] * len(PAGECACHERT_BUCKETS)
        for counts in g["bucket_counts"].to_list():
            for i, c in enumerate((counts or [])[: len(sums)]):
                sums[i] += c or 0
        rows.append({"host": host, "minutes": g.height, "total_put": int(g["total_put"].sum()),
                     **dict(zip(PAGECACHERT_BUCKETS, sums, strict=True))})  # fmt: skip
    hist = pl.DataFrame(rows) if rows else pl.DataFrame(schema={"host": pl.Utf8})
    px = (
        _of(ev, "put_latency_histogram").filter(pl.col("statement") == "F10")
        .group_by("host").agg(pl.col("p99").max().alias("max_p99_ms"), pl.col("p999").max().alias("max_p999_ms"))
        .sort("host")
    )  # fmt: skip
    return hist.sort("host") if rows else hist, px


def watermarks(ev: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    t = _of(ev, "watermark")
    return (
        t.group_by("host", "queue")
        .agg(pl.len().alias("samples"), pl.col("size").max().alias("max_size"), _q("slow_ms", 0.99, "p99_slow_ms"),
             pl.col("slow_ms").max().alias("max_slow_ms"),
             pl.col("ts").filter(pl.col("slow_ms") == pl.col("slow_ms").max()).first().alias("max_slow_at"))
        .sort("host", "queue")
    )  # fmt: skip


# --- recovery, disk, busy, errors -------------------------------------------------------------------------


def type_summary(ev: pl.DataFrame, types: tuple[str, ...] | list[str]) -> pl.DataFrame:
    """count / first / last per (host, type, statement) — the index into the detail rows."""
    import polars as pl

    return (
        _of(ev, *types)
        .group_by("host", "type", "statement")
        .agg(pl.len().alias("count"), pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"),
             pl.col("line_no").first().alias("first_line"), pl.col("file").first().alias("file"))
        .sort("host", "first", "file", "first_line", "type", "statement")
    )  # fmt: skip


def recovery_detail(ev: pl.DataFrame) -> pl.DataFrame:
    return _of(ev, *RECOVERY_TYPES).select(
        "ts", "host", "type", "statement", "stage", "mode", "store_file", "pos", "max_phy_offset", "phy_offset",
        "max_phy_offset_cq", "magic_hex", "computed_crc", "stored_crc", "cost_ms", "detail",
    )  # fmt: skip


def disk(ev: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    t = _of(ev, "disk_warning", "disk_ok", "retention_round", "file_deleted")
    return (
        t.group_by("host", "type", "phase", "kind")
        .agg(pl.len().alias("count"), pl.col("ratio").max().alias("max_ratio"), pl.col("ts").min().alias("first"),
             pl.col("ts").max().alias("last"), (pl.col("ok") == False).sum().alias("failed"))  # noqa: E712
        .sort("host", "first", "type", "phase", "kind", nulls_last=True)
    )  # fmt: skip


def busy(ev: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    t = _of(ev, "broker_busy")
    return (
        t.group_by("host", "queue", "statement")
        .agg(pl.len().alias("count"), pl.col("slow_ms").max().alias("max_slow_ms"),
             pl.col("size").max().alias("max_size"), pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"))
        .sort("host", "first", "queue", "statement", nulls_last=True)
    )  # fmt: skip


def errors(lines: pl.DataFrame, limit: int = 40) -> pl.DataFrame:
    """WARN/ERROR records grouped by exception class (from the stack trace) or, without one, by the
    message with its numbers masked; first/last/count and one example each."""
    import polars as pl

    from ..parsers.logs.layouts import EXCEPTION_HEAD_RE

    t = lines.filter(pl.col("level").is_in(["WARN", "ERROR", "FATAL"]))
    if t.height == 0:
        return pl.DataFrame(schema={"level": pl.Utf8, "exception": pl.Utf8, "count": pl.UInt32})
    t = t.with_columns(
        exception=pl.coalesce(
            pl.col("continuation").str.extract(EXCEPTION_HEAD_RE, 1),
            pl.col("message").str.extract(EXCEPTION_HEAD_RE.replace("^", "(?:^|\\s)", 1), 1),
        ),
        shape=pl.col("message").str.slice(0, 200).str.replace_all(r"\d+", "N"),
    )
    key = pl.when(pl.col("exception").is_not_null()).then(pl.col("exception")).otherwise(pl.col("shape"))
    return (
        t.group_by("level", key.alias("group"))
        .agg(pl.col("exception").first(), pl.len().alias("count"), pl.col("host").n_unique().alias("hosts"),
             pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"),
             pl.col("message").first().str.slice(0, 300).alias("example"),
             pl.col("file").first(), pl.col("line_no").first())
        .sort(["count", "first", "group"], descending=[True, False, False])
        .head(limit)
    )  # fmt: skip


# --- findings and the whole report --------------------------------------------------------------------------


def report_findings(ev: pl.DataFrame, boots_df: pl.DataFrame) -> list[Finding]:
    """What deserves attention, as findings (``offset`` = line number in ``file``)."""
    import polars as pl

    out: list[Finding] = []
    sev: dict[str, Severity] = {
        "magic_code_error": "warning", "crc_error": "error", "store_bug": "error", "recovery_truncated": "warning",
        "abnormal_shutdown_detected": "warning", "broker_register_failed": "warning", "broker_expired": "warning",
        "ha_sync_timeout": "warning", "disk_warning": "warning", "mapped_file_error": "warning", "broker_busy": "info",
    }  # fmt: skip
    first = (
        _of(ev, *sev)
        .group_by("host", "type", maintain_order=True)
        .agg(pl.len(), pl.col("file").first(), pl.col("line_no").first(), pl.col("ts").first())
    )
    for r in first.iter_rows(named=True):
        out.append(
            Finding(sev[r["type"]], f"log-{r['type'].replace('_', '-')}", f"{r['host']}:{r['file']}", r["line_no"],
                    f"{r['len']} × {r['type']} on {r['host']}, first at {r['ts']:%Y-%m-%d %H:%M:%S}Z")
        )  # fmt: skip
    crashes = (
        boots_df.filter(pl.col("previous_stop") == "crash (no shutdown hook)")
        .group_by("host", maintain_order=True)
        .agg(pl.len(), pl.col("file").first(), pl.col("line_no").first(), pl.col("ts").first())
    )
    for r in crashes.iter_rows(named=True):
        out.append(
            Finding(
                "warning",
                "log-unclean-stop",
                f"{r['host']}:{r['file']}",
                r["line_no"],
                f"{r['len']} boot(s) of {r['host']} without a shutdown hook since the previous boot, "
                f"first at {r['ts']:%Y-%m-%d %H:%M:%S}Z",
            )
        )
    return out


def build_report(events: pl.DataFrame, lines: pl.DataFrame | None = None) -> dict[str, Any]:
    """The whole report: ``{section: {table: frame | value}}`` plus ``findings``."""
    boots_df = boots(events)
    lag_summary, lag_series = lag(events)
    hist, px = pagecache_histogram(events)
    report: dict[str, Any] = {
        "topology": {
            "brokers": broker_identity(events),
            "boots": boots_df,
            "registrations": registrations(events),
            "register_gaps": register_gaps(events),
            "namesrv_view": namesrv_view(events),
            "namesrv_timeline": namesrv_timeline(events),
        },
        "replication": {
            "lag": lag_summary,
            "lag_series": lag_series,
            "outages": ha_outages(events),
            "connections": ha_connections(events),
            "sync_timeouts": type_summary(events, ["ha_sync_timeout", "ha_flow_control"]),
            "role_changes": role_changes(events),
        },
        "latency": {
            "slow_statements": cost_summary(events),
            "perf_counters": perf_counters(events),
            "perf_series": _of(events, "perf_counter").select("host", "name", "ts", "p99", "max_ms"),
            "pagecachert": hist,
            "put_percentiles": px,
            "watermarks": watermarks(events),
        },
        "recovery": {
            "summary": type_summary(events, RECOVERY_TYPES),
            "detail": recovery_detail(events),
        },
        "disk": disk(events),
        "busy": busy(events),
        "errors": errors(lines) if lines is not None else None,
    }
    report["findings"] = report_findings(events, boots_df)
    return report
