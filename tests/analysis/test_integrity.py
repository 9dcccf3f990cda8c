"""Integrity checks on REAL lab stores: an intact copy has no errors, and each corruption injected into a copy
(tmp_path; the samples are never touched) yields the right finding at the exact file and byte offset."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import polars as pl
import pytest
from store_equivalence import assert_stream_equal

from rmqinspect.analysis.store_summary import StoreReport, analyse_store, load_store
from rmqinspect.parsers.index import ENTRY_SIZE

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
STORES = sorted(SAMPLES.glob("rmq-*/broker-a/store"))


def _ids(p: Path) -> str:
    return p.parents[1].name


@pytest.fixture(params=STORES or [None], ids=_ids if STORES else None)
def store_copy(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param is None:
        pytest.skip("no lab samples under samples/")
    dst = tmp_path / "store"
    shutil.copytree(request.param, dst)
    (dst / "lock").unlink(missing_ok=True)  # a copy has no live broker
    return dst


def _report(root: Path) -> StoreReport:
    r = analyse_store(load_store(root), index_sample=None)
    assert_stream_equal(root, r, index_sample=None)
    return r


def _find(r: StoreReport, check: str) -> pl.DataFrame:
    return r.findings.filter(pl.col("check") == check)


def test_intact_copy_has_no_errors(store_copy: Path) -> None:
    r = _report(store_copy)
    assert r.findings.filter(pl.col("severity") == "error").height == 0, r.findings
    assert r.data.cq.height > 0 and r.data.index_entries.height > 0


def _cq_unit(root: Path, topic: str = "LabTopic", qid: int = 0, n: int = 1) -> tuple[Path, int, tuple[int, int, int]]:
    """Path, byte position and (phy, size, tags) of unit ``n`` of a real queue (first CQ file)."""
    f = sorted((root / "consumequeue" / topic / str(qid)).iterdir())[0]
    pos = n * 20
    return f, pos, struct.unpack_from(">qiq", f.read_bytes(), pos)


def _patch(path: Path, pos: int, data: bytes) -> None:
    b = bytearray(path.read_bytes())
    b[pos : pos + len(data)] = data
    path.write_bytes(bytes(b))


def test_cq_unit_pointing_into_a_record_is_dangling(store_copy: Path) -> None:
    f, pos, (phy, _size, _tags) = _cq_unit(store_copy)
    _patch(f, pos, struct.pack(">q", phy + 7))
    got = _find(_report(store_copy), "cq_dangling")
    rel = str(f.relative_to(store_copy))
    assert got.select("file", "offset").rows() == [(rel, pos)]
    assert str(phy + 7) in got["detail"][0]


def test_cq_size_and_tag_mismatch_named_exactly(store_copy: Path) -> None:
    f, pos, (_phy, size, tags) = _cq_unit(store_copy, n=2)
    _patch(f, pos + 8, struct.pack(">iq", size + 1, tags ^ 0x5A))
    got = _find(_report(store_copy), "cq_mismatch")
    assert got.select("file", "offset").rows() == [(str(f.relative_to(store_copy)), pos)]
    assert f"size {size + 1}≠{size}" in got["detail"][0] and f"tags code {tags ^ 0x5A}≠{tags}" in got["detail"][0]


def test_zeroed_cq_unit_ends_queue_and_orphans_later_records(store_copy: Path) -> None:
    f, pos, _ = _cq_unit(store_copy, n=1)
    _patch(f, pos, bytes(20))
    r = _report(store_copy)
    after = _find(r, "cq_data_after_end")
    assert after.select("file", "offset").rows() == [(str(f.relative_to(store_copy)), pos + 20)]
    # the records of units 1.. of that queue now have no unit: a hole, not dispatch lag
    assert _find(r, "cq_missing_unit").height > 0


def test_truncated_cq_file_blocks_broker_start(store_copy: Path) -> None:
    f, _, _ = _cq_unit(store_copy)
    with f.open("r+b") as fh:
        fh.truncate(f.stat().st_size - 20)
    r = _report(store_copy)
    assert _find(r, "cq_file_size")["file"].to_list() == [str(f.relative_to(store_copy))]
    assert r.recovery.refuses_to_start is not None


def test_index_entry_damage(store_copy: Path) -> None:
    d = load_store(store_copy)
    info = d.index_files[0]
    assert info.geometry is not None
    p = store_copy / info.file
    e3 = info.geometry.entries_at + 3 * ENTRY_SIZE
    e5 = info.geometry.entries_at + 5 * ENTRY_SIZE
    (kh,) = struct.unpack_from(">i", p.read_bytes(), e5)
    _patch(p, e3 + 4, struct.pack(">q", 5))  # phy offset 5: inside the first record
    _patch(p, e5, struct.pack(">i", kh ^ 1))  # key hash no key of that record has
    r = _report(store_copy)
    assert _find(r, "index_dangling").select("file", "offset").rows() == [(info.file, e3)]
    assert _find(r, "index_key_mismatch").select("file", "offset").rows() == [(info.file, e5)]


def test_checkpoint_from_the_future_means_lost_data(store_copy: Path) -> None:
    cp = store_copy / "checkpoint"
    (ts,) = struct.unpack_from(">q", cp.read_bytes(), 0)
    _patch(cp, 0, struct.pack(">q", ts + 3_600_000))
    got = _find(_report(store_copy), "checkpoint_ahead")
    assert got.select("file", "offset").rows() == [("checkpoint", 0)]


def test_garbage_config_json(store_copy: Path) -> None:
    (store_copy / "config" / "consumerOffset.json").write_bytes(b'{"offsetTable": {"a@b": {0: \xff\xfe')
    got = _find(_report(store_copy), "config_garbage")
    assert got["file"].to_list() == ["config/consumerOffset.json"]


def test_consumer_offset_beyond_queue(store_copy: Path) -> None:
    r0 = _report(store_copy)
    q = r0.ranges.row(0, named=True)
    doc = {"offsetTable": {f"{q['topic']}@LabGroupX": {str(q["queue_id"]): q["max_offset"] + 5}}}
    (store_copy / "config" / "consumerOffset.json").write_text(json.dumps(doc))
    (store_copy / "config" / "consumerOffset.json.bak").unlink(missing_ok=True)
    r = _report(store_copy)
    got = _find(r, "consumer_offset_ahead")
    assert got.height == 1 and "LabGroupX" in got["detail"][0]
    lag = r.lag.filter(pl.col("group") == "LabGroupX")
    assert lag["status"].to_list() == ["ahead"] and lag["lag"].to_list() == [0]


def test_units_missing_after_a_point_are_dispatch_lag_not_damage(store_copy: Path) -> None:
    """A crash before the reput thread caught up: every unit pointing at ≥ P is missing, in all queues."""
    d = load_store(store_copy)
    phys = d.cq.filter(~pl.col("filler")).sort("phy_offset")["phy_offset"]
    p = int(phys[phys.len() * 3 // 4])
    for f in (store_copy / "consumequeue").glob("*/*/" + "[0-9]" * 20):
        b = bytearray(f.read_bytes())
        for pos in range(0, len(b) - 19, 20):
            (phy, size, _) = struct.unpack_from(">qiq", b, pos)
            if size > 0 and phy >= p:
                b[pos : pos + 20] = bytes(20)
        f.write_bytes(bytes(b))
    r = _report(store_copy)
    lagging = r.data.scan.messages.filter((pl.col("phy_offset") >= p) & pl.col("tran_type").is_in([0, 8]))
    got = _find(r, "cq_dispatch_lag")
    assert got.height == 1 and got["detail"][0].startswith(f"{lagging.height} valid records from commitlog offset {p}")
    assert _find(r, "cq_missing_unit").height == 0
    assert r.recovery.to_dispatch == lagging.height
