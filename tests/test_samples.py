"""Each bundled sample agrees with its own manifest, file by file.

These tests guard the samples every other test builds on: a sample that was trimmed, half-copied,
or regenerated with different settings must fail here, not as a puzzling parser result elsewhere.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES_DIR, load_manifest, sample_run_dirs

RUNS = sample_run_dirs()
REQUIRED_KEYS = {"rocketmq_version", "created_utc", "cluster", "processes", "sends", "consumer", "incidents",
                 "recovered_max_phy_offset"}
PROCESS_KEYS = {"name", "kind", "broker_name", "broker_id", "role", "flush", "listen_port", "ha_port",
                "namesrv_addr", "store_dir", "log_dir", "properties", "mapped_file_size_commitlog",
                "mapped_file_size_consume_queue", "pid"}
SEND_KEYS = {"status", "msg_id", "offset_msg_id", "topic", "queue_id", "queue_offset", "broker", "keys", "tags",
             "body_len", "body_sha256", "send_ts_ms", "kind", "delay_level", "transaction_id"}
EXPECTED_PROCESSES = {"namesrv-1", "namesrv-2", "broker-a", "broker-a-s", "broker-b", "broker-b-s", "broker-c"}
OFFSET_NAME = re.compile(r"^\d{20}$")
SAMPLES_BUDGET = 30 * 1024 * 1024

pytestmark = pytest.mark.skipif(not RUNS, reason="no samples/rmq-*/manifest.json present")


def _ids(runs: list[Path]) -> list[str]:
    return [r.name for r in runs]


@pytest.fixture(params=RUNS, ids=_ids(RUNS))
def run(request: pytest.FixtureRequest) -> tuple[Path, dict[str, Any]]:
    return request.param, load_manifest(request.param)


def _brokers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in doc["processes"] if p["kind"] == "broker"]


def _store_dirs(run_dir: Path, doc: dict[str, Any]) -> list[tuple[dict[str, Any], Path]]:
    """Every store of the run: each broker's final store and its crash copies."""
    dirs = []
    for p in _brokers(doc):
        dirs.append((p, run_dir / p["store_dir"]))
        crash = run_dir / p["name"] / "store-at-crash"
        if crash.exists():
            dirs.append((p, crash))
    return dirs


def test_manifest_has_documented_keys_and_version_matches_directory(run):
    run_dir, doc = run
    assert REQUIRED_KEYS <= doc.keys()
    assert run_dir.name == f"rmq-{doc['rocketmq_version']}"
    assert doc["cluster"] == "rocketmq-cluster"
    assert {p["name"] for p in doc["processes"]} == EXPECTED_PROCESSES
    for p in doc["processes"]:
        assert PROCESS_KEYS <= p.keys(), p["name"]
    for s in doc["sends"]:
        assert SEND_KEYS <= s.keys()


def test_every_process_has_its_log_directory_with_the_main_log(run):
    run_dir, doc = run
    for p in doc["processes"]:
        log_dir = run_dir / p["log_dir"]
        assert log_dir.is_dir(), log_dir
        main = "namesrv.log" if p["kind"] == "namesrv" else "broker.log"
        assert (log_dir / main).stat().st_size > 0, f"{p['name']}: {main} missing or empty"
        if p["kind"] == "broker":
            assert (log_dir / "store.log").stat().st_size > 0


def test_broker_properties_file_matches_manifest(run):
    run_dir, doc = run
    for p in _brokers(doc):
        text = (run_dir / p["name"] / "broker.properties").read_text()
        props = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
        assert props == p["properties"]
        # 4.4.0 spells the keys mapedFileSize… (as the reference guide does), later versions mappedFileSize…
        commitlog = props.get("mappedFileSizeCommitLog", props.get("mapedFileSizeCommitLog"))
        consume_queue = props.get("mappedFileSizeConsumeQueue", props.get("mapedFileSizeConsumeQueue"))
        assert commitlog is not None and int(commitlog) == p["mapped_file_size_commitlog"]
        assert consume_queue is not None and int(consume_queue) == p["mapped_file_size_consume_queue"]
        assert props["brokerRole"] == p["role"] and props["flushDiskType"] == p["flush"]
        assert int(props["listenPort"]) == p["listen_port"]


def test_commitlog_files_have_the_configured_size_and_contiguous_names(run):
    run_dir, doc = run
    for p, store in _store_dirs(run_dir, doc):
        size = p["mapped_file_size_commitlog"]
        files = sorted((store / "commitlog").iterdir())
        assert files, f"{store}: no commitlog files"
        for f in files:
            assert OFFSET_NAME.match(f.name), f
            assert f.stat().st_size == size, f"{f}: {f.stat().st_size} != {size}"
        starts = [int(f.name) for f in files]
        assert all(b - a == size for a, b in itertools.pairwise(starts)), starts


def test_consume_queue_files_have_the_configured_size(run):
    run_dir, doc = run
    for p, store in _store_dirs(run_dir, doc):
        files = [f for f in (store / "consumequeue").glob("*/*/*") if f.is_file()]
        assert files, store
        for f in files:
            assert f.stat().st_size == p["mapped_file_size_consume_queue"], f


def test_small_files_really_rolled_over(run):
    """The lab exists to show rolled files; a sample with one file per kind would hide bugs."""
    run_dir, doc = run
    for p in _brokers(doc):
        store = run_dir / p["store_dir"]
        assert len(list((store / "commitlog").iterdir())) >= 3, p["name"]
        assert len(list((store / "index").iterdir())) >= 2, p["name"]
        rolled = [d for d in (store / "consumequeue").glob("*/*") if len(list(d.iterdir())) >= 2]
        assert rolled, f"{p['name']}: no consume queue rolled over"


def test_abort_file_exists_exactly_where_a_crash_was_staged(run):
    run_dir, doc = run
    killed = {i["process"] for i in doc["incidents"] if i["type"] == "kill_master"}
    assert killed, "no crash staged"
    cleanly_stopped = {i["process"] for i in doc["incidents"] if i["type"] == "clean_shutdown"}
    for p in _brokers(doc):
        crash = run_dir / p["name"] / "store-at-crash"
        if p["name"] in killed:
            assert (crash / "abort").is_file(), f"{crash}: abort missing"
        else:
            assert not crash.exists()
        if p["name"] in cleanly_stopped:
            assert not (run_dir / p["store_dir"] / "abort").exists(), f"{p['name']}: abort after clean shutdown"


def test_incident_timeline_is_complete_and_ordered(run):
    _, doc = run
    types = [i["type"] for i in doc["incidents"]]
    for needed in ("kill_master", "restart", "stop_slave", "start_slave", "stop_namesrv", "start_namesrv",
                   "clean_shutdown"):
        assert needed in types, needed
    ts = [i["ts_ms"] for i in doc["incidents"]]
    assert ts == sorted(ts)
    assert types.index("kill_master") < types.index("restart")
    assert sum(t == "clean_shutdown" for t in types) == len(EXPECTED_PROCESSES)


def test_recovered_max_phy_offset_lies_inside_the_crash_copy(run):
    run_dir, doc = run
    killed = next(i["process"] for i in doc["incidents"] if i["type"] == "kill_master")
    p = next(b for b in _brokers(doc) if b["name"] == killed)
    files = sorted((run_dir / p["name"] / "store-at-crash" / "commitlog").iterdir())
    end = int(files[-1].name) + p["mapped_file_size_commitlog"]
    recovered = doc["recovered_max_phy_offset"]
    assert isinstance(recovered, int)
    assert 0 < recovered <= end


def test_traffic_covers_every_send_kind_and_size_class(run):
    _, doc = run
    ok = [s for s in doc["sends"] if s["status"] == "SEND_OK"]
    kinds = {s["kind"] for s in ok}
    assert {"normal", "delay", "tx_commit", "tx_rollback", "tx_unknown", "batch", "ordered", "large"} <= kinds
    assert any(s["body_len"] > 64 * 1024 for s in ok)
    assert any(s["body_len"] <= 1 for s in ok)
    assert any(len(s["keys"]) >= 3 for s in ok)
    assert len({s["topic"] for s in ok}) >= 3
    for s in ok:
        assert s["msg_id"] and s["broker"] and s["queue_offset"] is not None
        # a TransactionSendResult does not carry the half message's offsetMsgId (the client drops it)
        assert s["offset_msg_id"] or s["kind"].startswith("tx_")
        assert len(s["body_sha256"]) == 64
    assert any(s["topic"] and len(s["topic"]) > 127 for s in doc["sends"]), "long-topic attempt not recorded"


def _fastjson_loads(text: str) -> Any:
    """consumerOffset.json is fastjson output: its per-queue maps have bare integer keys ({0:40})."""
    return json.loads(re.sub(r"([{,]\s*)(\d+):", r'\1"\2":', text))


def test_consumer_offsets_in_manifest_match_consumer_offset_json(run):
    """The offsets the client committed are the ones the masters persisted in consumerOffset.json."""
    run_dir, doc = run
    consumer = doc["consumer"]
    key = f"{consumer['topic']}@{consumer['group']}"
    masters = {p["broker_name"]: p for p in _brokers(doc) if p["broker_id"] == 0}
    assert consumer["offsets"]
    for o in consumer["offsets"]:
        master = masters[o["broker"]]
        table = _fastjson_loads((run_dir / master["store_dir"] / "config" / "consumerOffset.json").read_text())
        assert table["offsetTable"][key][str(o["queue_id"])] == o["committed_offset"]


def test_samples_fit_the_size_budget():
    total = sum(f.stat().st_size for f in SAMPLES_DIR.rglob("*") if f.is_file())
    assert total <= SAMPLES_BUDGET, f"samples/ holds {total} bytes"
