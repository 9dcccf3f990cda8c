"""Consume-queue parser: unit decoding, the broker's end-of-queue rule, fillers, damage → findings."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmqinspect.findings import Finding
from rmqinspect.parsers import consumequeue as cq


def _units(rows: list[tuple[int, int, int]]) -> bytes:
    return b"".join(struct.pack(">qiq", *r) for r in rows)


def _write_queue(root: Path, topic: str, qid: int, files: dict[int, bytes]) -> Path:
    d = root / "consumequeue" / topic / str(qid)
    d.mkdir(parents=True, exist_ok=True)
    for start, data in files.items():
        (d / f"{start:020d}").write_bytes(data)
    return d


def test_decode_stops_at_first_invalid_unit_and_reports_trailing_data() -> None:
    buf = _units([(0, 100, 7), (100, 120, -5), (0, 0, 0), (300, 50, 1)]) + bytes(20)
    d = cq.decode_units(buf)
    assert d.n_valid == 2
    assert d.columns["phy_offset"].tolist() == [0, 100]
    assert d.columns["tags_code"].tolist() == [7, -5]  # sign-extended tag hash survives
    assert d.trailing_nonzero == 3
    assert d.partial_bytes == 0


def test_negative_offset_ends_the_queue_like_the_broker() -> None:
    d = cq.decode_units(_units([(5, 10, 0), (-1, 10, 0), (20, 10, 0)]))
    assert d.n_valid == 1


def test_read_queue_offsets_fillers_and_file_boundaries(tmp_path: Path) -> None:
    unit = 20
    per_file = 4
    # queue re-created at offset 2: two pre-blank fillers first (fillPreBlank), then data across two files
    f0 = _units([(0, cq.FILLER_SIZE, 0)] * 2 + [(1000, 90, 1), (1090, 90, 2)])
    f1 = _units([(1180, 90, 3)]) + bytes(unit * 3)
    _write_queue(tmp_path, "TopicA", 1, {0: f0, per_file * unit: f1})
    fs: list[Finding] = []
    df = cq.read_consumequeues(tmp_path, findings=fs)
    assert df["queue_offset"].to_list() == [0, 1, 2, 3, 4]
    assert df["filler"].to_list() == [True, True, False, False, False]
    assert df["file"].to_list()[-1] == "consumequeue/TopicA/1/00000000000000000080"
    assert dict(df.schema) == cq.cq_schema()
    assert fs == []
    r = cq.queue_ranges(df).row(0, named=True)
    assert (r["min_offset"], r["max_offset"], r["fillers"], r["max_phy_end"]) == (2, 5, 2, 1270)


def test_gap_and_partial_unit_become_findings(tmp_path: Path) -> None:
    f0 = _units([(0, 90, 0), (0, 0, 0), (0, 0, 0)])  # ends after 1 unit although not full
    f1 = _units([(500, 90, 0)]) + b"\x01\x02\x03"  # data after the end + a partial unit
    _write_queue(tmp_path, "T", 0, {0: f0, 60: f1})
    fs: list[Finding] = []
    df = cq.read_consumequeues(tmp_path, findings=fs)
    checks = {(f.check, f.file, f.offset) for f in fs}
    assert ("cq_gap", "consumequeue/T/0/00000000000000000060", 0) in checks
    assert ("cq_partial_unit", "consumequeue/T/0/00000000000000000060", 20) in checks
    assert df["phy_offset"].to_list() == [0]  # units after the gap are not the queue: the broker truncates them


def test_odd_directory_entries_are_findings_not_errors(tmp_path: Path) -> None:
    _write_queue(tmp_path, "T", 0, {0: _units([(0, 90, 0)])})
    (tmp_path / "consumequeue" / "T" / "notanumber").mkdir()
    (tmp_path / "consumequeue" / "T" / "0" / "garbage.txt").write_text("x")
    fs: list[Finding] = []
    df = cq.read_consumequeues(tmp_path, findings=fs)
    assert df.height == 1
    assert {f.check for f in fs} == {"cq_layout", "cq_name"}


def test_batch_units_decode() -> None:
    raw = struct.pack(">qiqqqhii", 4096, 300, 11, 1_700_000_000_000, 40, 10, -1, 0)
    d = cq.decode_units(raw, batch=True)
    assert d.n_valid == 1
    assert d.columns["msg_base_offset"].tolist() == [40]
    assert d.columns["batch_size"].tolist() == [10]
    assert d.columns["store_ts"].tolist() == [1_700_000_000_000]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_decode_without_raising(buf: bytes) -> None:
    d = cq.decode_units(buf)
    assert d.n_valid <= d.n_total == len(buf) // 20
    assert np.all(d.columns["size"] > 0)


# --- real lab samples --------------------------------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
RUNS = sorted(p.parent for p in SAMPLES.glob("rmq-*/manifest.json"))  # as tests/conftest.sample_run_dirs
# (not imported: "conftest" is ambiguous once tests/tui/conftest.py is loaded in the same session)


def _expected_queue(send: dict) -> tuple[str, int]:
    """Where the broker put the send's consume-queue unit (the SendResult offsets refer to it)."""
    if send["kind"] == "delay":  # parked in SCHEDULE_TOPIC_XXXX, queue delayLevel-1 (spec §3.9.2)
        return "SCHEDULE_TOPIC_XXXX", send["delay_level"] - 1
    if send["kind"].startswith("tx_"):  # half message: RMQ_SYS_TRANS_HALF_TOPIC queue 0 (spec §3.9.1)
        return "RMQ_SYS_TRANS_HALF_TOPIC", 0
    return send["topic"], send["queue_id"]


def _stored_uniq_key(send: dict) -> str:
    """UNIQ_KEY the record carries. Observed in the lab runs: with the 5.3.3 client every record of a producer
    batch stores the *batch's* id (the SendResult's transactionId), not the per-message msgId it reports; with
    4.9.7 each record keeps its own msgId (transactionId is null)."""
    return send["transaction_id"] if send["kind"] == "batch" and send["transaction_id"] else send["msg_id"]


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_every_send_has_its_unit_pointing_at_its_record(run: Path) -> None:
    import json

    import polars as pl

    from rmqinspect.parsers.commitlog import decode_offset_msg_id, scan_commitlog
    from rmqinspect.parsers.index import java_string_hash

    manifest = json.loads((run / "manifest.json").read_text())
    checked = 0
    for broker in ("broker-a", "broker-b", "broker-c"):
        root = run / broker / "store"
        if not root.is_dir():
            continue
        units = cq.read_consumequeues(root).with_columns(pl.col("topic").cast(pl.Utf8))
        msgs = scan_commitlog(root, properties=False).messages
        sends = [s for s in manifest["sends"] if s["status"] == "SEND_OK" and s["broker"] == broker]
        exp = pl.DataFrame(
            {
                "topic": [_expected_queue(s)[0] for s in sends],
                "queue_id": [_expected_queue(s)[1] for s in sends],
                "queue_offset": [s["queue_offset"] for s in sends],
                "uniq_key": [_stored_uniq_key(s) for s in sends],
                "exp_phy": [decode_offset_msg_id(s["offset_msg_id"]).phy_offset if s["offset_msg_id"] else None
                            for s in sends],
            },
            schema_overrides={"queue_id": pl.Int32, "exp_phy": pl.Int64},
        )
        j = exp.join(units, on=["topic", "queue_id", "queue_offset"], how="left").join(
            msgs.select("phy_offset", pl.col("uniq_key").alias("r_uniq"), pl.col("size").alias("r_size"),
                        pl.col("tags").alias("r_tags"), pl.col("topic").alias("r_topic")),
            on="phy_offset", how="left")
        assert j["phy_offset"].null_count() == 0, j.filter(pl.col("phy_offset").is_null())
        with_off = j.filter(pl.col("exp_phy").is_not_null())
        assert (with_off["phy_offset"] == with_off["exp_phy"]).all()
        assert (j["r_uniq"] == j["uniq_key"]).all()  # the unit leads to exactly the message that was sent
        assert (j["size"] == j["r_size"]).all()
        normal = j.filter(pl.col("topic") != "SCHEDULE_TOPIC_XXXX")
        assert normal["tags_code"].to_list() == [java_string_hash(t) if t else 0 for t in normal["r_tags"].to_list()]
        checked += j.height
    assert checked == sum(1 for s in manifest["sends"] if s["status"] == "SEND_OK")


def _real_cq_file() -> bytes | None:
    files = sorted(SAMPLES.glob("rmq-*/broker-a/store/consumequeue/LabTopic/0/" + "[0-9]" * 20))
    return files[0].read_bytes() if files else None


REAL_CQ = _real_cq_file()


@pytest.mark.skipif(REAL_CQ is None, reason="no lab samples")
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_mutated_real_cq_file_never_raises(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    assert REAL_CQ is not None
    buf = bytearray(REAL_CQ)
    for _ in range(data.draw(st.integers(1, 10))):
        buf[data.draw(st.integers(0, len(buf) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.one_of(st.none(), st.integers(0, len(buf))))
    raw = bytes(buf[:cut] if cut is not None else buf)
    d = cq.decode_units(raw)
    assert d.n_valid <= d.n_total
    root = tmp_path_factory.mktemp("cq")
    _write_queue(root, "T", 0, {0: raw, len(REAL_CQ): raw})
    fs: list[Finding] = []
    df = cq.read_consumequeues(root, findings=fs)
    assert df.height <= 2 * d.n_total
    cq.queue_ranges(df)


def test_cq_ext_units_walk_and_stop() -> None:
    u1 = struct.pack(">hqqh", 20 + 8, 77, 1_700_000_000_000, 8) + bytes(8)
    u2 = struct.pack(">hqqh", 20, -5, 1_700_000_000_001, 0)
    units, bad = cq.decode_ext_units(u1 + u2 + struct.pack(">h", -1) + bytes(30))
    assert units == [(0, 77, 1_700_000_000_000, 8), (28, -5, 1_700_000_000_001, 0)] and bad is None
    units, bad = cq.decode_ext_units(u1 + struct.pack(">hqqh", 20, 1, 2, 9))  # bitmap size disagrees
    assert len(units) == 1 and bad == 28


def test_read_cq_ext_addresses(tmp_path: Path) -> None:
    d = tmp_path / "consumequeue_ext" / "T" / "0"
    d.mkdir(parents=True)
    (d / ("0" * 20)).write_bytes(struct.pack(">hqqh", 20, 9, 10, 0) + struct.pack(">h", -1))
    df = cq.read_cq_ext(tmp_path)
    assert df.rows() == [("T", 0, -(1 << 63), 9, 10, 0, "consumequeue_ext/T/0/" + "0" * 20)]
    assert df["address"][0] <= cq.EXT_ADDR_MAX  # a CQ unit pointing here holds this tag code


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_cq_ext_any_bytes(buf: bytes) -> None:
    cq.decode_ext_units(buf)
