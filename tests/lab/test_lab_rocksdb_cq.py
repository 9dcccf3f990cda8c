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


def test_crash_recovery_prediction_equals_a_real_restart(tmp_path: Path) -> None:
    """kill -9 of a REAL 5.3.3 broker with RocksDB consume queues, then the prediction on a copy of its store
    against the same broker version restarted on another copy. Abnormal recovery (5.2+ with RocksDB) starts at
    the newest commitlog file whose first record's PHYSICALOFFSET is at or below the RocksDB queues' max offset.
    The queues are written without a WAL: what a kill -9 catches in memory is lost (a crash right after start-up
    leaves them empty: the first file). So: 1500 messages over several 128 KiB files, a clean stop (the queues
    are flushed), a restart, 200 more, kill -9 — the start file is then a later one, and 5.3.3 logs which."""
    import os
    import signal
    import time

    from rmqlab.recover import recover

    work = tmp_path / "live"
    with running_broker("5.3.3", work, store_overrides={"storeType": "defaultRocksDB"}) as live:
        first = live.send(1500)
    with running_broker("5.3.3", work, store_overrides={"storeType": "defaultRocksDB"}) as live:
        second = live.send(200)
        assert live.pid is not None
        os.kill(live.pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                os.kill(live.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        crash = tmp_path / "store-at-crash"
        shutil.copytree(live.store_dir, crash, symlinks=True)
    assert (crash / "abort").exists(), "kill -9 leaves the abort file"
    # (sends can time out on a loaded machine; the client's result file of the second run also lists the first's)
    first_ok = {s["offset_msg_id"] for s in first if s["status"] == "SEND_OK"}
    assert len(first_ok) >= 1000
    assert len({s["offset_msg_id"] for s in second if s["status"] == "SEND_OK"} - first_ok) >= 100
    files = sorted(p.name for p in (crash / "commitlog").iterdir())
    assert len(files) >= 3
    fs: list = []
    assert read_rocksdb_cq(crash, fs).height >= len(first_ok), "the clean stop flushed the first run's units"
    (tmp_path / "broker.properties").write_text("storeType=defaultRocksDB\n")
    rec = analyse_store(load_store(crash), version="5.3.3").recovery
    assert rec.mode == "abnormal" and "RocksDB" in rec.start_reason
    assert rec.start_file is not None and not rec.start_file.endswith(files[0]), rec.start_reason
    real = recover("5.3.3", crash, keep=tmp_path / "work", properties=tmp_path / "broker.properties")
    assert real["config"].get("storeType") == "defaultRocksDB" and real["abort_present"] is True
    assert rec.recovered_offset == real["max_phy_offset"], (rec.start_reason, real["store_log"])
    # 5.3.3 names the file its abnormal recovery starts from (its "recover mode: normal" line means "not
    # concurrent", not normal recovery)
    started = [ln.rsplit("/", 1)[-1] for ln in real["store_log"] if "recover from this mapped file" in ln]
    assert started and rec.start_file.endswith(started[-1]), (rec.start_file, started)
