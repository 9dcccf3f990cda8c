"""The commitlog scanner against REAL broker output (samples/rmq-<version>/, written by lab/).

Every successful send in manifest.json must be found and decoded exactly as the producer saw it, and the
scanner's ``valid_end`` must equal what the real broker reported (``commitLogMaxOffset`` before shutdown)
and what it recovered after the staged kill -9 (``recovered_max_phy_offset`` from its store.log).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import polars as pl
import pytest
from conftest import load_manifest, sample_run_dirs

from rmqinspect.parsers.commitlog import CommitLogReader, decode_offset_msg_id, read_record, scan_commitlog

RUNS = sample_run_dirs()
pytestmark = pytest.mark.skipif(not RUNS, reason="no lab samples yet (samples/rmq-*/manifest.json)")


@cache
def _scan(store: Path):
    return scan_commitlog(store, verify_crc=True)


@cache
def _reader(store: Path) -> CommitLogReader:
    return CommitLogReader(store)


@cache
def _by_id(store: Path) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """Rows by offset msgId and by UNIQ_KEY (in phy_offset order)."""
    by_msg: dict[str, list[dict]] = {}
    by_uniq: dict[str, list[dict]] = {}
    for row in _scan(store).messages.sort("phy_offset").iter_rows(named=True):
        by_msg.setdefault(row["msg_id"], []).append(row)
        if row["client_uniq_key"]:
            by_uniq.setdefault(row["client_uniq_key"], []).append(row)
    return by_msg, by_uniq


def _brokers(run: Path, manifest: dict) -> list[str]:
    return [p["name"] for p in manifest["processes"] if p["kind"] == "broker" and (run / p["name"] / "store" / "commitlog").is_dir()]


def _sends(run: Path):
    m = load_manifest(run)
    return [s for s in m["sends"] if s["status"] == "SEND_OK"]


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_every_send_is_decoded_as_the_producer_saw_it(run: Path) -> None:
    sends = _sends(run)
    assert sends, "manifest has no successful sends"
    mismatches: list[str] = []
    for s in sends:
        store = run / s["broker"] / "store"
        by_msg, by_uniq = _by_id(store)
        if s["offset_msg_id"]:
            hit = by_msg.get(s["offset_msg_id"], [])
            assert len(hit) == 1, f"{s['offset_msg_id']}: {len(hit)} records"
            row = hit[0]
            assert row["phy_offset"] == decode_offset_msg_id(s["offset_msg_id"]).phy_offset
        else:  # transactions: the producer gets no offset id; the half message is the first record
            hit = by_uniq.get(s["msg_id"], [])
            assert hit, f"uniq key {s['msg_id']} not found"
            row = hit[0]
        props = {p["key"]: p["value"] for p in row["properties"]}
        got = {
            "msg_id": row["client_uniq_key"],
            "topic": props.get("REAL_TOPIC", row["topic"]),
            "queue_id": int(props.get("REAL_QID", row["queue_id"])),
            "queue_offset": row["queue_offset"],
            "keys": row["keys"],
            "tags": row["tags"],
        }
        rec = _reader(store).read(row["phy_offset"])
        got["body_len"] = len(rec["body"])
        got["body_sha256"] = hashlib.sha256(rec["body"]).hexdigest()
        want = {k: s[k] for k in ("msg_id", "topic", "queue_id", "queue_offset", "tags", "body_len", "body_sha256")}
        want["keys"] = " ".join(s["keys"]) if s["keys"] else None
        if got != want:
            mismatches.append(f"{s['kind']} {s['msg_id']}: {({k: (got[k], want[k]) for k in want if got[k] != want[k]})}")
        assert rec["crc_ok"] and rec["length_ok"] and rec["problems"] == []
    assert not mismatches, f"{len(mismatches)} sends differ, e.g. {mismatches[:3]}"


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_batch_records_carry_two_uniq_keys_and_the_broker_keeps_the_batchs(run: Path) -> None:
    """Real 5.x batches: own UNIQ_KEY first, the batch's (SendResult transactionId) appended last."""
    batch = [s for s in _sends(run) if s["kind"] == "batch" and s["offset_msg_id"]]
    if not batch:
        pytest.skip("no batch sends")
    for s in batch:
        row = _by_id(run / s["broker"] / "store")[0][s["offset_msg_id"]][0]
        assert row["client_uniq_key"] == s["msg_id"]
        n_uniq = sum(p["key"] == "UNIQ_KEY" for p in row["properties"])
        if n_uniq == 2:
            assert row["uniq_key"] == s["transaction_id"] != s["msg_id"]
        else:  # one entry (4.x): both columns agree
            assert n_uniq == 1 and row["uniq_key"] == s["msg_id"]


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_special_kinds_have_their_documented_shape(run: Path) -> None:
    """Delay → SCHEDULE_TOPIC_XXXX queue level-1; committed tx → a COMMIT record pointing at its half message."""
    for s in _sends(run):
        df = _scan(run / s["broker"] / "store").messages
        if s["kind"] == "delay" and s["offset_msg_id"]:
            row = df.filter(pl.col("msg_id") == s["offset_msg_id"]).row(0, named=True)
            assert row["topic"] == "SCHEDULE_TOPIC_XXXX"
            assert row["queue_id"] == s["delay_level"] - 1
        if s["kind"] == "tx_commit":
            recs = df.filter(pl.col("client_uniq_key") == s["msg_id"]).sort("phy_offset")
            half = recs.row(0, named=True)
            assert half["topic"] == "RMQ_SYS_TRANS_HALF_TOPIC" and half["tran_type"] == 0
            commit = recs.filter(pl.col("tran_type") == 8)
            assert commit.height == 1
            assert commit["topic"][0] == s["topic"]
            assert commit["prepared_tx_offset"][0] == half["phy_offset"]


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_valid_end_equals_the_brokers_own_max_offset(run: Path) -> None:
    m = load_manifest(run)
    runtime = m.get("runtime_before_shutdown") or {}
    checked = 0
    for b, doc in runtime.items():
        want = int(doc["runtime"]["commitLogMaxOffset"])
        scan = _scan(run / b / "store")
        assert scan.valid_end == want, b
        assert not [f for f in scan.findings if f.severity == "error"], b
        assert scan.messages["body_crc_ok"].all() and scan.messages["length_ok"].all()
        assert scan.messages["phy_offset_ok"].all()
        assert not scan.messages["beyond_valid_end"].any()
        checked += 1
    assert checked, "manifest has no runtime_before_shutdown"


def test_read_record_one_shot_equals_reader() -> None:
    run = RUNS[0]
    s = _sends(run)[1]
    store = run / s["broker"] / "store"
    off = decode_offset_msg_id(s["offset_msg_id"]).phy_offset
    assert read_record(store, off) == _reader(store).read(off)


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_crash_copy_valid_end_is_where_the_restarted_broker_recovered(run: Path) -> None:
    m = load_manifest(run)
    if not m.get("crash_copies") or m.get("recovered_max_phy_offset") is None:
        pytest.skip("no crash copy in this run")
    scan = _scan(run / m["crash_copies"][0])
    assert scan.valid_end == int(m["recovered_max_phy_offset"])


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_slave_commitlog_is_the_masters_prefix(run: Path) -> None:
    m = load_manifest(run)
    procs = {p["name"]: p for p in m["processes"]}
    pairs = [(n, p["broker_name"]) for n, p in procs.items()
             if p["kind"] == "broker" and (p.get("broker_id") or 0) > 0 and p["broker_name"] in procs]
    if not pairs:
        pytest.skip("no slaves")
    for slave, master in pairs:
        sm, mm = _scan(run / slave / "store").messages, _scan(run / master / "store").messages
        n = min(sm.height, mm.height)
        assert n > 0
        assert sm["msg_id"][:n].to_list() == mm["msg_id"][:n].to_list()
        assert sm["body_crc"][:n].to_list() == mm["body_crc"][:n].to_list()


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_files_frame_accounts_for_every_byte_up_to_valid_end(run: Path) -> None:
    for b in _brokers(run, load_manifest(run)):
        scan = _scan(run / b / "store")
        f = scan.files
        assert f["valid_bytes"].sum() >= (scan.valid_end or 0) - f["start_offset"].min()
        full = f.filter(pl.col("status") == "full")
        # a closed file ends with a filler of ≥ 8 bytes covering the rest of the file (spec §3.4)
        assert (full["blank_filler_at"] <= full["size"] - 8).all()
        # records of a full file end exactly where its filler starts
        for row in full.iter_rows(named=True):
            recs = scan.messages.filter(pl.col("file") == row["file"])
            last_end = int((recs["phy_offset"] + recs["size"]).max()) - row["start_offset"]
            assert last_end == row["blank_filler_at"]
