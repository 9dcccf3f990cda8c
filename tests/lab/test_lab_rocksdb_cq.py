"""RocksDB stores (5.2+, ``storeType=defaultRocksDB``) on a REAL 5.3.3 broker: every SEND_OK has its consume-queue
unit (topic, queue, queue offset → the record's offset), the consumer offsets a real consumer committed come back
from ``config/consumerOffsets/`` (consumer lag), the store is intact with the units cross-checked, the streamed
report equals the whole-frame one, and reading the RocksDB databases changes nothing in the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from rmqlab.live import running_broker
from robustness_helpers import snapshot, snapshot_diff
from store_equivalence import assert_stream_equal

from rmqinspect.analysis.store_summary import analyse_store, load_store
from rmqinspect.parsers.commitlog import decode_offset_msg_id
from rmqinspect.parsers.cq_rocksdb import read_rocksdb_cq

pytestmark = [
    pytest.mark.lab,
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("java") and shutil.which("javac") and shutil.which("mvn")),
                       reason="the lab needs java, javac and mvn on PATH"),
]


@pytest.fixture(scope="module")
def rocks_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict], list[dict]]:
    with running_broker("5.3.3", tmp_path_factory.mktemp("rocksdb-cq"),
                        store_overrides={"storeType": "defaultRocksDB"}) as live:
        sent = live.send(40)
        committed = live.client.run("consume", "consume-1", "LabGroup", "LiveTopic", "3", timeout=180)
        store = live.store_dir
    return store, sent, committed


def test_every_send_ok_has_its_unit(rocks_run: tuple[Path, list[dict], list[dict]]) -> None:
    store, sent, _ = rocks_run
    assert (store / "consumequeue" / "CURRENT").is_file()
    fs: list = []
    units = read_rocksdb_cq(store, fs)
    assert fs == []
    got = {(r["topic"], r["queue_id"], r["queue_offset"]): r for r in units.to_dicts()}
    ok = [s for s in sent if s["status"] == "SEND_OK"]
    assert len(ok) == 40 and units.height == 40
    for s in ok:
        u = got[(s["topic"], s["queue_id"], s["queue_offset"])]
        assert u["phy_offset"] == decode_offset_msg_id(s["offset_msg_id"]).phy_offset


def test_store_intact_streaming_agrees_and_nothing_written(rocks_run: tuple[Path, list[dict], list[dict]]) -> None:
    store, _, committed = rocks_run
    before = snapshot(store)
    full = analyse_store(load_store(store))
    assert full.verdict == "intact", full.findings
    assert full.units == 40 and full.stats.valid == 40
    lag = {r["queue_id"]: r for r in full.lag.filter(pl.col("group") == "LabGroup").to_dicts()}
    assert {q: r["consumer_offset"] for q, r in lag.items()} == {c["queue_id"]: c["broker_offset"] for c in committed}
    assert all(r["status"] == "ok" and r["lag"] == r["max_offset"] - r["consumer_offset"] for r in lag.values())
    assert_stream_equal(store, full)
    assert snapshot_diff(before, snapshot(store)) == []
