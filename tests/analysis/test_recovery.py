"""Recovery prediction vs REAL broker restarts.

* The lab killed broker-a with ``kill -9`` and restarted it; ``manifest.json`` holds the max physical offset
  the real broker recovered (``recovered_max_phy_offset``); the prediction on ``store-at-crash`` must equal it.
* Damaged copies: the expected values in ``tests/golden/store/recover-*.json`` were produced by restarting a
  real broker (``lab/run recover``) on a copy damaged exactly as the test damages it.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import polars as pl
import pytest
from store_equivalence import assert_stream_equal

from rmqinspect.analysis.store_summary import analyse_store, load_store

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "store"
RUNS = sorted(p.parent for p in SAMPLES.glob("rmq-*/manifest.json")
              if (p.parent / "broker-a" / "store-at-crash").is_dir())


def _manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text())


def _copy(run: Path, tmp: Path, which: str = "store-at-crash") -> Path:
    dst = tmp / which
    shutil.copytree(run / "broker-a" / which, dst)
    (dst / "lock").unlink(missing_ok=True)
    return dst


def _predict(root: Path, version: str):  # type: ignore[no-untyped-def]
    r = analyse_store(load_store(root), version=version)
    assert_stream_equal(root, r, version=version)
    return r.recovery


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_crash_copy_prediction_equals_real_restart(run: Path) -> None:
    m = _manifest(run)
    rec = _predict(run / "broker-a" / "store-at-crash", m["rocketmq_version"])
    assert rec.mode == "abnormal"  # kill -9 leaves the abort file
    assert rec.recovered_offset == m["recovered_max_phy_offset"]
    assert rec.refuses_to_start is None
    if (GOLDEN / f"recover-plain-{run.name}.json").exists():
        _assert_like_real_broker(rec, GOLDEN / f"recover-plain-{run.name}.json", run)


def _assert_like_real_broker(rec, golden: Path, run: Path) -> None:  # type: ignore[no-untyped-def]
    """Compare with what a real broker did on the same damage (parsed from its store.log by the lab run).

    Goldens name the sample run they were made from (manifest ``created_utc``); after the lab regenerates the
    samples, ``tests/golden/store/make_recover_golden.py`` remakes them with a real broker.
    """
    if not golden.exists():
        pytest.skip(f"no real-broker golden {golden.name}")
    g = json.loads(golden.read_text())
    if g["sample_created_utc"] != _manifest(run)["created_utc"]:
        pytest.skip(f"{golden.name} was made from another lab run; remake it")
    assert rec.recovered_offset == g["max_phy_offset"]
    assert rec.start_file == g["recover_from_file"]
    assert rec.index_files_deleted == g["index_files_deleted"]
    assert rec.commitlog_files_deleted == g["commitlog_files_deleted"]
    assert rec.cq_files_deleted == g["cq_files_deleted"]


def _records(root: Path) -> pl.DataFrame:
    return load_store(root).scan.messages.sort("phy_offset")


def crc_victim(msgs: pl.DataFrame) -> dict:
    """The record whose body gets one bit flipped: a middle record with a body in the last file with data."""
    last_file = msgs["file"].max()
    cands = msgs.filter((pl.col("file") == last_file) & (pl.col("body_len") > 0))
    return cands.row(min(10, cands.height // 2), named=True)


def zero_page(msgs: pl.DataFrame, from_file: str) -> tuple[str, int, dict]:
    """(file, page position, record it hits) for zeroing one 4 KiB page, as a lost page would: the page
    boundary must fall inside a record's *body* (zeroing only topic/properties bytes keeps the record valid
    for the broker: the CRC covers the body, the length fields stay), in a file the recovery scans."""
    rel = msgs.filter(pl.col("file") >= from_file).with_columns(
        (pl.col("phy_offset") - pl.col("file").str.slice(-20).cast(pl.Int64)).alias("pos"),
        (pl.col("body_offset") - pl.col("file").str.slice(-20).cast(pl.Int64)).alias("body_pos"),
    ).with_columns(((pl.col("pos") // 4096 + 1) * 4096).alias("page"))
    crossing = rel.filter((pl.col("body_pos") <= pl.col("page")) & (pl.col("page") < pl.col("body_pos") + pl.col("body_len")))
    hit = crossing.row(crossing.height // 2, named=True)
    return hit["file"], hit["page"], hit


def _flip_body_byte(root: Path, rec: dict) -> None:
    f = root / rec["file"]
    b = bytearray(f.read_bytes())
    b[rec["body_offset"] - int(rec["file"][-20:])] ^= 0x01
    f.write_bytes(bytes(b))


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_body_crc_damage_in_active_file_cuts_there(run: Path, tmp_path: Path) -> None:
    m = _manifest(run)
    root = _copy(run, tmp_path)
    msgs = _records(root)
    victim = crc_victim(msgs)
    _flip_body_byte(root, victim)
    r = analyse_store(load_store(root), version=m["rocketmq_version"])
    rec = r.recovery
    assert rec.recovered_offset == victim["phy_offset"]
    assert rec.dropped_messages == msgs.filter(pl.col("phy_offset") >= victim["phy_offset"]).height
    assert rec.cq_truncated  # units pointing at the dropped records are removed
    dropped_units = r.data.cq.filter(pl.col("phy_offset") >= victim["phy_offset"]).height
    assert int(rec.cq_truncations["units_dropped"].sum()) == dropped_units
    got = r.findings.filter(pl.col("check") == "recovery_drops_data")
    assert got.select("file", "offset").rows() == [(victim["file"], victim["phy_offset"] - int(victim["file"][-20:]))]
    _assert_like_real_broker(rec, GOLDEN / f"recover-crc-{run.name}.json", run)


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_damage_before_the_abnormal_start_file_is_not_seen(run: Path, tmp_path: Path) -> None:
    m = _manifest(run)
    root = _copy(run, tmp_path)
    msgs = _records(root)
    first_file = msgs["file"].min()
    # a checkpoint newer than every record makes the newest file whose first record is a message the start
    cp = root / "checkpoint"
    b = bytearray(cp.read_bytes())
    struct.pack_into(">qq", b, 0, 2**62, 2**62)
    cp.write_bytes(bytes(b))
    before = _predict(root, m["rocketmq_version"])
    assert before.start_file == msgs.filter(pl.col("phy_offset") == pl.col("file").str.slice(-20).cast(pl.Int64))[
        "file"].max()
    assert before.start_file != first_file
    _flip_body_byte(root, msgs.filter(pl.col("file") == first_file).row(3, named=True))
    after = _predict(root, m["rocketmq_version"])
    assert after.recovered_offset == before.recovered_offset
    assert any("not seen by the broker" in n for n in after.notes)


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_stale_physicaloffset_passes_the_broker(run: Path, tmp_path: Path) -> None:
    m = _manifest(run)
    root = _copy(run, tmp_path)
    before = _predict(root, m["rocketmq_version"])
    victim = _records(root).row(-5, named=True)
    f = root / victim["file"]
    b = bytearray(f.read_bytes())
    struct.pack_into(">q", b, victim["phy_offset"] - int(victim["file"][-20:]) + 28, victim["phy_offset"] + 4096)
    f.write_bytes(bytes(b))
    r = analyse_store(load_store(root), version=m["rocketmq_version"])
    assert r.recovery.recovered_offset == before.recovered_offset  # the broker never checks PHYSICALOFFSET
    stale = r.findings.filter(pl.col("check") == "commitlog_phy_offset")
    assert stale.select("file", "offset").rows() == [(victim["file"], victim["phy_offset"] - int(victim["file"][-20:]))]


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_zeroed_page_cuts_at_the_record_it_hits(run: Path, tmp_path: Path) -> None:
    m = _manifest(run)
    root = _copy(run, tmp_path)
    before = _predict(root, m["rocketmq_version"])
    last_file, page, hit = zero_page(_records(root), before.start_file)
    f = root / last_file
    b = bytearray(f.read_bytes())
    assert any(b[page : hit["body_pos"] + hit["body_len"]])  # the zeroed body bytes were not already zero
    b[page : page + 4096] = bytes(4096)
    f.write_bytes(bytes(b))
    rec = _predict(root, m["rocketmq_version"])
    assert rec.recovered_offset == hit["phy_offset"]
    _assert_like_real_broker(rec, GOLDEN / f"recover-zeropage-{run.name}.json", run)


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_truncated_commitlog_file_refuses_start(run: Path, tmp_path: Path) -> None:
    m = _manifest(run)
    root = _copy(run, tmp_path)
    f = sorted((root / "commitlog").iterdir())[-1]
    with f.open("r+b") as fh:
        fh.truncate(f.stat().st_size // 2)
    rec = _predict(root, m["rocketmq_version"])
    assert rec.refuses_to_start and "not" in rec.refuses_to_start


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_normal_mode_start_file_rules_by_version(run: Path, tmp_path: Path) -> None:
    root = _copy(run, tmp_path, "store")
    (root / "abort").unlink(missing_ok=True)
    files = sorted(p.name for p in (root / "commitlog").iterdir())
    old = _predict(root, "4.9.7")
    assert old.mode == "normal" and old.start_file == f"commitlog/{files[max(0, len(files) - 3)]}"
    new = _predict(root, "5.3.3")
    # 5.3.2+: the last file starting at or before the consume queues' max physical offset
    assert new.max_phy_offset_of_cq is not None
    exp = max(f for f in files if int(f) <= new.max_phy_offset_of_cq)
    assert new.start_file == f"commitlog/{exp}"
    assert old.recovered_offset == new.recovered_offset


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_version_line_is_inferred_from_real_traces(run: Path) -> None:
    from rmqinspect.analysis.store_summary import infer_version

    line = _manifest(run)["rocketmq_version"].split(".")[0] + ".x"
    for which in ("store", "store-at-crash"):
        d = load_store(run / "broker-a" / which)
        assert infer_version(d) == line  # 4.x: empty abort / no topic attributes; 5.x: pid in abort, attributes
        rec = analyse_store(d).recovery
        assert rec.version == line and rec.version_assumed
    # with the inferred line the crash prediction still equals the real restart
    assert analyse_store(load_store(run / "broker-a" / "store-at-crash")).recovery.recovered_offset == _manifest(
        run)["recovered_max_phy_offset"]
