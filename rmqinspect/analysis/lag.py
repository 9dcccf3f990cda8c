"""Offline consumer lag: ``config/consumerOffset.json`` (what each group committed) vs consume-queue ranges.

The committed offset is the *next* queue offset the group will consume (``ConsumerOffsetManager``), and a
queue's max offset is one past its last unit (``getMaxOffsetInQueue``), so ``lag = max_offset − offset``
messages. The time lag uses the store time of the oldest unconsumed message (the unit at ``offset`` → its
record) and of the queue's newest message, joined through the CQ frame — no per-row Python.

Frame (:func:`consumer_lag`), stable columns::

    group: Utf8, topic: Utf8, queue_id: Int32, consumer_offset: Int64, min_offset: Int64, max_offset: Int64,
    lag: Int64 (messages, ≥ 0), oldest_unconsumed_ts: Datetime(ms, UTC), newest_ts: Datetime(ms, UTC),
    lag_ms: Int64, status: Utf8

``status``: ``ok``; ``ahead`` (offset > max: messages lost or the CQ truncated); ``behind_min`` (offset < the
first unit: messages deleted before they were consumed); ``no_queue`` (offset > 0 but no CQ data here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


def unit_times(units: pl.DataFrame, msgs: pl.DataFrame, offsets: pl.DataFrame) -> pl.DataFrame:
    """``topic (Utf8), queue_id, queue_offset, store_ts``: the units of the queues some group has an offset for,
    with the store time of the record each points at (null where none starts there)."""
    import polars as pl

    return (
        units.select(pl.col("topic").cast(pl.Utf8), "queue_id", "queue_offset", "phy_offset")
        .join(offsets.select("topic", "queue_id").unique(), on=["topic", "queue_id"], how="semi")
        .join(msgs.select("phy_offset", "store_ts"), on="phy_offset", how="left")
        .drop("phy_offset")
    )


def lag_times(ts: pl.DataFrame, offsets: pl.DataFrame) -> pl.DataFrame:
    """The rows of :func:`unit_times` that :func:`consumer_lag` reads: the units at the committed offsets and,
    per queue, the newest unit with a store time. Reducing parts of ``ts`` and then the concatenation gives
    the same rows as reducing all of it."""
    import polars as pl

    at = ts.join(
        offsets.select("topic", "queue_id", pl.col("offset").alias("queue_offset")).unique(),
        on=["topic", "queue_id", "queue_offset"],
        how="semi",
    )
    newest = ts.filter(pl.col("store_ts").is_not_null()).sort("queue_offset").group_by("topic", "queue_id").last()
    return pl.concat([at, newest.select(at.columns)]).unique(maintain_order=True)


def consumer_lag(offsets: pl.DataFrame, ranges: pl.DataFrame, ts: pl.DataFrame | None) -> pl.DataFrame:
    """``offsets`` from ``configjson.consumer_offsets_frame``; ``ranges`` from ``consumequeue.queue_ranges``;
    ``ts`` from :func:`unit_times` (or its :func:`lag_times`), None when no record times are known."""
    import polars as pl

    ts_dtype = pl.Datetime("ms", "UTC")
    j = offsets.rename({"offset": "consumer_offset"}).join(
        ranges.select("topic", "queue_id", "min_offset", "max_offset"), on=["topic", "queue_id"], how="left"
    )
    if ts is not None and ts.height:
        oldest = ts.rename({"queue_offset": "consumer_offset", "store_ts": "oldest_unconsumed_ts"})
        newest = (
            ts.sort("queue_offset")
            .group_by("topic", "queue_id")
            .agg(pl.col("store_ts").drop_nulls().last().alias("newest_ts"))
        )
        j = j.join(oldest, on=["topic", "queue_id", "consumer_offset"], how="left").join(
            newest, on=["topic", "queue_id"], how="left"
        )
    else:
        j = j.with_columns(
            pl.lit(None, dtype=ts_dtype).alias("oldest_unconsumed_ts"),
            pl.lit(None, dtype=ts_dtype).alias("newest_ts"),
        )
    status = (
        pl.when(pl.col("max_offset").is_null())
        .then(pl.when(pl.col("consumer_offset") > 0).then(pl.lit("no_queue")).otherwise(pl.lit("ok")))
        .when(pl.col("consumer_offset") > pl.col("max_offset"))
        .then(pl.lit("ahead"))
        .when(pl.col("min_offset").is_not_null() & (pl.col("consumer_offset") < pl.col("min_offset")))
        .then(pl.lit("behind_min"))
        .otherwise(pl.lit("ok"))
    )
    return (
        j.with_columns(
            (pl.col("max_offset") - pl.col("consumer_offset")).clip(lower_bound=0).fill_null(0).alias("lag"),
            (pl.col("newest_ts") - pl.col("oldest_unconsumed_ts")).dt.total_milliseconds().alias("lag_ms"),
            status.alias("status"),
        )
        .select(
            "group",
            "topic",
            "queue_id",
            "consumer_offset",
            "min_offset",
            "max_offset",
            "lag",
            pl.col("oldest_unconsumed_ts").cast(ts_dtype),
            pl.col("newest_ts").cast(ts_dtype),
            "lag_ms",
            "status",
        )
        .sort("group", "topic", "queue_id", nulls_last=True)
    )
