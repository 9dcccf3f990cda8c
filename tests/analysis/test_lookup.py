"""Message lookup against the lab's real stores: every send in manifest.json must be found, by each route."""

from __future__ import annotations

import hashlib
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from rmqinspect.analysis import lookup as L
from rmqinspect.errors import NotFoundError, UnusableInputError, UsageError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import load_manifest, sample_run_dirs

RUNS = sample_run_dirs()
pytestmark = pytest.mark.skipif(not RUNS, reason="no lab samples yet")
BROKERS = ("broker-a", "broker-b", "broker-c")


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: p.name)
def run(request: pytest.FixtureRequest) -> tuple[Path, dict, dict[str, L.Store]]:
    run_dir: Path = request.param
    m = load_manifest(run_dir)
    stores = {b: L.open_store(run_dir / b / "store") for b in BROKERS if (run_dir / b / "store").is_dir()}
    return run_dir, m, stores


def ok_sends(m: dict) -> list[dict]:
    return [s for s in m["sends"] if s["status"] == "SEND_OK"]


def stored_at(s: dict) -> tuple[str, int, int]:
    """Where the send's offset msgId points. A delayed send is stored first in SCHEDULE_TOPIC_XXXX, queue
    delayLevel-1, and its SendResult reports that queue's offset (with the real queue id)."""
    if s["kind"] == "delay":
        return "SCHEDULE_TOPIC_XXXX", s["delay_level"] - 1, s["queue_offset"]
    return s["topic"], s["queue_id"], s["queue_offset"]


def test_every_offset_msg_id_resolves_to_its_record_and_body(run) -> None:
    _, m, stores = run
    n = 0
    for s in ok_sends(m):
        if not s["offset_msg_id"]:
            continue  # transactional sends report no offset msgId
        rec = L.by_offset_msg_id(stores[s["broker"]], s["offset_msg_id"])
        assert rec is not None, s
        assert (rec["topic"], rec["queue_id"], rec["queue_offset"]) == stored_at(s)
        if s["kind"] == "delay":
            assert rec["properties"]["REAL_TOPIC"] == s["topic"] and rec["properties"]["REAL_QID"] == str(s["queue_id"])
        assert hashlib.sha256(rec["body"]).hexdigest() == s["body_sha256"], s  # decompressed body
        assert rec["keys"] == (" ".join(s["keys"]) if s["keys"] else None)
        n += 1
    assert n > 100


def test_every_uniq_key_is_found_the_broker_way_or_explained(run) -> None:
    """Index for ordinary sends; a repeated UNIQ_KEY (5.x batches) only by scan; rolled-back or unresolved
    transactions only as half messages in RMQ_SYS_TRANS_HALF_TOPIC."""
    _, m, stores = run
    via: dict[str, set[str]] = defaultdict(set)
    batch = [s for s in ok_sends(m) if s["kind"] == "batch"]
    sample = [s for s in ok_sends(m) if s["kind"] != "batch"] + batch[:4]  # batch: each is a full scan
    for s in sample:
        st = stores[s["broker"]]
        half = s["kind"] in ("tx_rollback", "tx_unknown")
        anywhere = half or s["kind"] == "delay"  # a delayed message has two records: schedule copy + delivery
        hits = L.by_key(st, s["msg_id"], kind="uniq", topic=None if anywhere else s["topic"])
        assert hits.records, s
        via[s["kind"]].add(hits.found_via)
        if half:
            # half message; after transactionCheckMax checks the broker moves it to TRANS_CHECK_MAX_TIME_TOPIC
            topics = {r["topic"] for r in hits.records}
            assert "RMQ_SYS_TRANS_HALF_TOPIC" in topics and topics <= {"RMQ_SYS_TRANS_HALF_TOPIC", "TRANS_CHECK_MAX_TIME_TOPIC"}
            assert all(r["properties"]["REAL_TOPIC"] == s["topic"] for r in hits.records)
        elif s["offset_msg_id"]:
            assert s["offset_msg_id"] in {r["msg_id"] for r in hits.records}
        if s["kind"] == "delay":
            assert {r["topic"] for r in hits.records} <= {"SCHEDULE_TOPIC_XXXX", s["topic"]}
    assert via["normal"] == {"index"}
    if "batch" in via:
        assert via["batch"] <= {"index", "scan/shadowed_uniq_key"}


def test_every_key_finds_all_its_messages(run) -> None:
    _, m, stores = run
    want: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for s in ok_sends(m):
        if s["offset_msg_id"]:
            for k in s["keys"] or []:
                want[(s["broker"], stored_at(s)[0], k)].add(s["offset_msg_id"])
    for (broker, topic, key), ids in want.items():
        hits = L.by_key(stores[broker], key, kind="keys", topic=topic, max_hits=100_000, scan=False)
        assert ids <= {r["msg_id"] for r in hits.records}, (broker, topic, key)
        assert all(e["verified"] == (e["phy_offset"] in {r["phy_offset"] for r in hits.records})
                   for e in hits.index_entries)


def test_consume_queue_route(run) -> None:
    _, m, stores = run
    for s in ok_sends(m):
        if s["offset_msg_id"] and s["queue_offset"] is not None:
            unit, rec = L.by_queue_offset(stores[s["broker"]], *stored_at(s))
            assert rec["msg_id"] == s["offset_msg_id"] and unit["phy_offset"] == rec["phy_offset"]


def test_describe_links_cq_and_index_entries(run) -> None:
    _, m, stores = run
    s = next(x for x in ok_sends(m) if x["kind"] == "normal" and x["keys"])
    st = stores[s["broker"]]
    rec = L.by_offset_msg_id(st, s["offset_msg_id"])
    d = L.describe(st, rec, found_via="offset_msg_id")
    assert d["cq_entry_matches"] is True
    kinds = {(e["key_kind"], e["key"]) for e in d["index_entries"]}
    assert ("uniq_key", s["msg_id"]) in kinds
    assert {("keys", k) for k in s["keys"]} <= kinds
    assert all(e["phy_offset"] == rec["phy_offset"] for e in d["index_entries"])


def test_time_range_binary_search_matches_a_known_message(run) -> None:
    _, m, stores = run
    s = next(x for x in ok_sends(m) if x["kind"] == "normal" and x["broker"] == "broker-b")
    st = stores["broker-b"]
    rec = L.by_offset_msg_id(st, s["offset_msg_id"])
    t = int(rec["store_ts"].timestamp() * 1000)
    df = L.by_time(st, t, t, limit=1000)
    assert s["offset_msg_id"] in df["msg_id"].to_list()
    assert all(int(x.timestamp() * 1000) == t for x in df["store_ts"].to_list())
    wide = L.by_time(st, 0, 2**62, topic=s["topic"], limit=10**6)
    ts = wide["store_ts"].to_list()
    assert ts == sorted(ts) and wide.height >= sum(1 for x in ok_sends(m) if x["broker"] == "broker-b" and x["topic"] == s["topic"] and x["offset_msg_id"])


def test_crash_copy_recovery_point_is_what_the_restarted_broker_logged(run) -> None:
    run_dir, m, _ = run
    crash = run_dir / "broker-a" / "store-at-crash"
    if not crash.is_dir() or m.get("recovered_max_phy_offset") is None:
        pytest.skip("no crash copy in this run")
    rp, how = L.recovery_point(L.open_store(crash))
    assert rp == m["recovered_max_phy_offset"], how


def test_damaged_last_record_is_reported_beyond_recovery(run, tmp_path: Path) -> None:
    """Flip one body byte of the last record of a copy of a real store: the CRC check of recovery stops
    before it, so describe() must say it lies beyond the recovery point."""
    run_dir, _, _ = run
    src = run_dir / "broker-c" / "store"
    dst = tmp_path / "store"
    shutil.copytree(src, dst)
    st = L.open_store(dst)
    from rmqinspect.parsers.commitlog import scan_commitlog

    last = scan_commitlog(st.commitlog, properties=False).messages.filter(lambda_true()).tail(1).row(0, named=True)
    rec = L._record(st, last["phy_offset"])
    body_at = last["phy_offset"] + rec["size"] - len(rec["properties_raw"]) - 2 - len(rec["topic"].encode()) - 1 - rec["body_len"]
    f = dst / rec["file"]
    data = bytearray(f.read_bytes())
    pos = body_at - int(f.name)
    data[pos] ^= 0xFF
    f.write_bytes(bytes(data))
    rp, _ = L.recovery_point(st)
    d = L.describe(st, L._record(st, last["phy_offset"]), found_via="t", recovery=rp)
    assert rp == last["phy_offset"] and d["beyond_recovery_point"] is True and d["crc_ok"] is False


def lambda_true():  # all rows (keeps the call site readable)
    import polars as pl

    return pl.lit(True)


def test_bad_input_is_one_line_errors(run, tmp_path: Path) -> None:
    _, _, stores = run
    st = stores["broker-a"]
    with pytest.raises(UsageError):
        L.check_id("xyz")
    with pytest.raises(UsageError):
        L.check_key("")
    with pytest.raises(UnusableInputError):
        L.open_store(tmp_path / "nope")
    with pytest.raises(UnusableInputError):
        L.open_store(tmp_path)
    assert L.by_offset_msg_id(st, "7F00000100002A9F00000000DEADBEEF") is None
    with pytest.raises(NotFoundError):
        L.by_queue_offset(st, "LabTopic", 0, 10**9)
    with pytest.raises(UsageError):
        L.by_time(st, 10, 5)
    assert L.by_key(st, "no-such-key-anywhere", kind="keys", topic="LabTopic").records == []
