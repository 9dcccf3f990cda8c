"""Series for the Charts screen, computed from the events and messages frames (pure Polars).

Each series is ``(name, xs, ys)`` with ``xs`` as minutes since ``t0`` so plots of different sources share
one axis; labels carry the UTC wall time. Values are the parser's numbers (bytes, ms, counts) aggregated
per minute — percentiles are of the reported values in that minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

TOP_TOPICS = 5


@dataclass
class Chart:
    title: str
    y_label: str
    series: list[tuple[str, list[float], list[float]]] = field(default_factory=list)
    t0: datetime | None = None
    note: str = ""
    counts: bool = False  # counts per minute (gaps are true zeros, drawn as lines) vs. measurements (points)

    @property
    def empty(self) -> bool:
        return not any(xs for _, xs, _ in self.series)


def _per_minute(df: pl.DataFrame, ts_col: str) -> pl.DataFrame:
    import polars as pl

    return df.filter(pl.col(ts_col).is_not_null()).with_columns(pl.col(ts_col).dt.truncate("1m").alias("_min"))


def _first(minutes: pl.Series) -> datetime:
    t0: Any = minutes.min()
    assert isinstance(t0, datetime)
    return t0


def _filled(g: pl.DataFrame, t0: datetime, t1: datetime) -> pl.DataFrame:
    """Per-minute counts with the minutes that had none as 0 (a count of zero is a fact, not a gap)."""
    import polars as pl

    dtype = g.schema["_min"]
    minutes = pl.datetime_range(t0, t1, "1m", eager=True, time_unit=getattr(dtype, "time_unit", "ms"),
                                time_zone=getattr(dtype, "time_zone", None)).alias("_min")
    return pl.DataFrame(minutes).join(g, on="_min", how="left").with_columns(pl.col("len").fill_null(0))


def _xs(minutes: pl.Series, t0: datetime) -> list[float]:
    return [(m - t0).total_seconds() / 60.0 for m in minutes.to_list()]


def _events_of(events: pl.DataFrame | None, *types: str) -> pl.DataFrame | None:
    import polars as pl

    if events is None or "type" not in events.columns:
        return None
    df = events.filter(pl.col("type").is_in(list(types)))
    return df if df.height else None


def lag_chart(events: pl.DataFrame | None) -> Chart:
    import polars as pl

    chart = Chart("Slave lag (bytes behind master, from HA log lines)", "bytes")
    df = _events_of(events, "ha_lag_bytes")
    if df is None or "bytes" not in df.columns:
        chart.note = "no ha_lag_bytes events in these logs"
        return chart
    df = _per_minute(df, "ts")
    chart.t0 = t0 = _first(df["_min"])
    for host in sorted(h for h in df["host"].unique().to_list() if h):
        g = df.filter(pl.col("host") == host).group_by("_min").agg(pl.col("bytes").max()).sort("_min")
        chart.series.append((f"{host} max", _xs(g["_min"], t0), [float(v or 0) for v in g["bytes"].to_list()]))
    return chart


def latency_chart(events: pl.DataFrame | None) -> Chart:
    import polars as pl

    chart = Chart("Put / flush latency per minute (ms, from store.log)", "ms")
    df = _events_of(events, "put_cost_ms", "flush_cost_ms")
    if df is None or "ms" not in df.columns:
        chart.note = "no put_cost_ms / flush_cost_ms events in these logs"
        return chart
    df = _per_minute(df, "ts")
    chart.t0 = t0 = _first(df["_min"])
    for typ, label in (("put_cost_ms", "put"), ("flush_cost_ms", "flush")):
        g = (
            df.filter(pl.col("type") == typ)
            .group_by("_min")
            .agg(pl.col("ms").quantile(0.5).alias("p50"), pl.col("ms").quantile(0.99).alias("p99"))
            .sort("_min")
        )
        if not g.height:
            continue
        xs = _xs(g["_min"], t0)
        chart.series.append((f"{label} p50", xs, [float(v) for v in g["p50"].to_list()]))
        chart.series.append((f"{label} p99", xs, [float(v) for v in g["p99"].to_list()]))
    return chart


def topic_rate_chart(messages: pl.DataFrame | None) -> Chart:
    import polars as pl

    chart = Chart(f"Messages per minute, top {TOP_TOPICS} topics (store time)", "messages", counts=True)
    if messages is None or not messages.height or "store_ts" not in messages.columns:
        chart.note = "no store scanned"
        return chart
    df = _per_minute(messages.select("topic", "store_ts"), "store_ts")
    chart.t0 = t0 = _first(df["_min"])
    top = df.group_by("topic").len().sort(["len", "topic"], descending=[True, False]).head(TOP_TOPICS)["topic"]
    t1: Any = df["_min"].max()
    for topic in top.to_list():
        g = _filled(df.filter(pl.col("topic") == topic).group_by("_min").len(), t0, t1)
        chart.series.append((str(topic), _xs(g["_min"], t0), [float(v) for v in g["len"].to_list()]))
    return chart


def registrations_chart(events: pl.DataFrame | None) -> Chart:
    import polars as pl

    chart = Chart("Broker registrations per minute, per NameServer", "registrations", counts=True)
    df = _events_of(events, "broker_registered")
    if df is None:
        chart.note = "no broker_registered events (namesrv.log) in these logs"
        return chart
    df = _per_minute(df, "ts")
    chart.t0 = t0 = _first(df["_min"])
    t1: Any = df["_min"].max()
    for host in sorted(h for h in df["host"].unique().to_list() if h):
        g = _filled(df.filter(pl.col("host") == host).group_by("_min").len(), t0, t1)
        chart.series.append((host, _xs(g["_min"], t0), [float(v) for v in g["len"].to_list()]))
    return chart
