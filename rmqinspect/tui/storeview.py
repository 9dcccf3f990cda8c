"""Pure frame operations behind the Store browser: topic/queue rollups and message search.

Input is ``CommitLogScan.messages`` (one row per record; columns per docs/CONTRACTS.md). Everything is
vectorised Polars so it stays fast on 10 M+ rows; the screen runs these in thread workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .logview import parse_when, time_index

if TYPE_CHECKING:
    import polars as pl

HEX32 = re.compile(r"[0-9A-Fa-f]{32}([0-9A-Fa-f]{8})?")


def topics_frame(messages: pl.DataFrame) -> pl.DataFrame:
    import polars as pl

    return (
        messages.group_by("topic")
        .agg(pl.len().alias("messages"), pl.col("queue_id").n_unique().alias("queues"))
        .sort("topic", nulls_last=True)
    )


def queues_frame(messages: pl.DataFrame, topic: str) -> pl.DataFrame:
    import polars as pl

    return (
        messages.filter(pl.col("topic") == topic)
        .group_by("queue_id")
        .agg(
            pl.len().alias("messages"),
            pl.col("queue_offset").min().alias("first"),
            pl.col("queue_offset").max().alias("last"),
        )
        .sort("queue_id")
    )


def select_messages(messages: pl.DataFrame, topic: str | None, queue_id: int | None) -> pl.DataFrame:
    import polars as pl

    df = messages
    if topic is not None:
        df = df.filter(pl.col("topic") == topic)
    if queue_id is not None:
        df = df.filter(pl.col("queue_id") == queue_id)
    return df


@dataclass(frozen=True, slots=True)
class Query:
    kind: str  # msg_id | key | queue_offset | phy_offset | time
    value: str

    def describe(self) -> str:
        return f"{self.kind.replace('_', ' ')} {self.value}"


SEARCH_HINT = (
    "msgId or uniq key (32 hex), key text, #N = queue offset, @N = physical offset, "
    "t YYYY-MM-DD HH:MM:SS = store time (UTC)"
)


def parse_query(text: str) -> Query:
    """What the user typed in the search box → a typed query (see SEARCH_HINT)."""
    text = text.strip()
    if not text:
        raise ValueError("empty search")
    if text.startswith("#") and text[1:].strip().isdigit():
        return Query("queue_offset", text[1:].strip())
    if text.startswith("@") and text[1:].strip().isdigit():
        return Query("phy_offset", text[1:].strip())
    if text[:2].lower() == "t ":
        return Query("time", text[2:].strip())
    if HEX32.fullmatch(text):
        return Query("msg_id", text.upper())
    return Query("key", text)


def search(messages: pl.DataFrame, q: Query, ref: datetime | None = None) -> pl.DataFrame:
    """Rows of ``messages`` matching ``q`` (for time: rows from the first store time ≥ the given one)."""
    import polars as pl

    cols = set(messages.columns)
    if q.kind == "msg_id":
        cond = pl.lit(False)
        for c in ("msg_id", "uniq_key"):
            if c in cols:
                cond = cond | (pl.col(c).str.to_uppercase() == q.value)
        return messages.filter(cond)
    if q.kind == "key":
        cond = pl.lit(False)
        if "keys" in cols:
            cond = cond | pl.col("keys").fill_null("").str.split(" ").list.contains(q.value)
        if "uniq_key" in cols:
            cond = cond | (pl.col("uniq_key") == q.value)
        return messages.filter(cond)
    if q.kind == "queue_offset":
        return messages.filter(pl.col("queue_offset") == int(q.value))
    if q.kind == "phy_offset":
        n = int(q.value)
        # the record containing that byte: phy_offset <= n < phy_offset + size
        return messages.filter((pl.col("phy_offset") <= n) & (pl.col("phy_offset") + pl.col("size") > n))
    if q.kind == "time":
        when = parse_when(q.value, ref)
        by_time = messages.sort("store_ts", maintain_order=True).rename({"store_ts": "ts"})
        idx = time_index(by_time, when, clamp=False)
        return by_time.slice(idx).rename({"ts": "store_ts"})
    raise ValueError(f"unknown query kind {q.kind}")
