"""Offline consumer lag on REAL stores: the lab's consumer committed known offsets (manifest ``consumer``)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from rmqinspect.analysis.lag import consumer_lag
from rmqinspect.analysis.store_summary import analyse_store, load_store
from rmqinspect.parsers.consumequeue import queue_ranges

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
RUNS = sorted(p.parent for p in SAMPLES.glob("rmq-*/manifest.json"))  # as tests/conftest.sample_run_dirs
# (not imported: "conftest" is ambiguous once tests/tui/conftest.py is loaded in the same session)


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_committed_offsets_and_lag_match_the_lab_consumer(run: Path) -> None:
    m = json.loads((run / "manifest.json").read_text())
    c = m["consumer"]
    checked = 0
    for broker in ("broker-a", "broker-b", "broker-c"):
        r = analyse_store(load_store(run / broker / "store"))
        lag = r.lag.filter((pl.col("group") == c["group"]) & (pl.col("topic") == c["topic"]))
        expect = {o["queue_id"]: o["committed_offset"] for o in c["offsets"] if o["broker"] == broker}
        assert dict(zip(lag["queue_id"].to_list(), lag["consumer_offset"].to_list(), strict=True)) == expect
        for row in lag.iter_rows(named=True):
            q = r.ranges.filter((pl.col("topic") == c["topic"]) & (pl.col("queue_id") == row["queue_id"])).row(
                0, named=True)
            assert row["max_offset"] == q["max_offset"]
            assert row["lag"] == q["max_offset"] - row["consumer_offset"]
            assert row["status"] == "ok"
            # the oldest unconsumed message is the record behind the unit at the committed offset
            unit = r.data.cq.filter((pl.col("topic") == c["topic"]) & (pl.col("queue_id") == row["queue_id"])
                                    & (pl.col("queue_offset") == row["consumer_offset"]))
            rec = r.data.scan.messages.filter(pl.col("phy_offset") == unit["phy_offset"][0])
            assert row["oldest_unconsumed_ts"] == rec["store_ts"][0]
            assert row["lag_ms"] >= 0
            checked += 1
    assert checked == len(c["offsets"])


def test_status_rules() -> None:
    offsets = pl.DataFrame({"group": ["g"] * 4, "topic": ["T", "T", "T", "U"], "queue_id": [0, 1, 2, 0],
                            "offset": [5, 50, 1, 3]}, schema_overrides={"queue_id": pl.Int32})
    cq = pl.DataFrame({"topic": ["T"] * 6, "queue_id": [0, 0, 1, 1, 2, 2], "queue_offset": [3, 9, 0, 9, 4, 5],
                       "phy_offset": [1, 2, 3, 4, 5, 6], "size": [1] * 6, "tags_code": [0] * 6,
                       "filler": [False] * 6, "file": ["f"] * 6},
                      schema_overrides={"queue_id": pl.Int32, "size": pl.Int32})
    lag = consumer_lag(offsets, queue_ranges(cq), None)
    assert lag.select("topic", "queue_id", "lag", "status").rows() == [
        ("T", 0, 5, "ok"), ("T", 1, 0, "ahead"), ("T", 2, 5, "behind_min"), ("U", 0, 0, "no_queue")]
