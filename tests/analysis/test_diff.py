"""Master/slave diff on the lab's real pairs, and on copies of them cut or damaged in known ways."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from rmqinspect.analysis.diff import diff_stores, first_difference
from rmqinspect.analysis.lookup import open_store
from rmqinspect.errors import UnusableInputError, UsageError
from rmqinspect.parsers.commitlog import scan_commitlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import sample_run_dirs

RUNS = sample_run_dirs()
pytestmark = pytest.mark.skipif(not RUNS, reason="no lab samples yet")


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: p.name)
def run_dir(request: pytest.FixtureRequest) -> Path:
    return request.param


def _held_during_outage(run_dir: Path) -> int:
    """What broker-b-s held while it was down, from real log lines: the offset it asked broker-b for when HA
    resumed (master's "slave request offset"), else the max offset its own restart recovered (store.log)."""
    import polars as pl

    from rmqinspect.analysis.events import extract_events
    from rmqinspect.parsers.logs import read_lines

    ev = extract_events(read_lines([run_dir / "broker-b" / "logs" / "rocketmqlogs"], host="broker-b"))
    req = ev.filter((pl.col("type") == "ha_slave_connected") & (pl.col("request_offset").fill_null(0) > 0))
    if req.height:
        return int(req["request_offset"][0])
    ev = extract_events(read_lines([run_dir / "broker-b-s" / "logs" / "rocketmqlogs"], host="broker-b-s"))
    boots = ev.filter(pl.col("type") == "broker_boot")["ts"].sort()
    rec = ev.filter((pl.col("type") == "recovery_truncated") & pl.col("phy_offset").is_not_null()
                    & (pl.col("ts") > boots[0]))
    return int(rec["phy_offset"][0])


def _cut_store(src: Path, dst: Path, cut: int) -> None:
    """Copy a store and erase everything at or after commitlog offset ``cut`` (and CQ units pointing there),
    as the store looked when it had replicated exactly up to ``cut``."""
    shutil.copytree(src, dst)
    for f in sorted((dst / "commitlog").iterdir()):
        start = int(f.name)
        data = bytearray(f.read_bytes())
        if start >= cut:
            f.unlink() if start > cut else f.write_bytes(bytes(len(data)))
        elif start + len(data) > cut:
            data[cut - start:] = bytes(len(data) - (cut - start))
            f.write_bytes(bytes(data))
    unit = np.dtype([("phy", ">i8"), ("size", ">i4"), ("tags", ">i8")])
    for f in [p for p in (dst / "consumequeue").rglob("*") if p.is_file() and len(p.name) == 20]:
        a = np.frombuffer(f.read_bytes(), dtype=unit).copy()
        bad = a["phy"] >= cut
        if bad.any():
            a[np.argmax(bad):] = np.zeros(1, dtype=unit)
            f.write_bytes(a.tobytes())


@pytest.mark.parametrize("pair", [("broker-a", "broker-a-s"), ("broker-b", "broker-b-s")])
def test_final_pairs_are_in_sync(run_dir: Path, pair: tuple[str, str]) -> None:
    m, s = (run_dir / p / "store" for p in pair)
    r = diff_stores(m, s)
    end = scan_commitlog(open_store(m).commitlog, properties=False).valid_end
    assert r.verdict.startswith("IN SYNC")
    assert (r.master_end, r.slave_end, r.first_difference, r.lag_bytes, r.lag_messages) == (end, end, None, 0, 0)
    assert r.compared == (0, end)
    assert set(r.queues["state"].to_list()) == {"same"}
    assert not [f for f in r.findings if f.severity != "info"]


def test_staged_slave_outage_lag(run_dir: Path, tmp_path: Path) -> None:
    cut = _held_during_outage(run_dir)
    master = run_dir / "broker-b" / "store"
    slave = tmp_path / "broker-b-s-during-outage"
    _cut_store(run_dir / "broker-b-s" / "store", slave, cut)
    r = diff_stores(master, slave)
    msgs = scan_commitlog(open_store(master).commitlog, properties=False).messages
    import polars as pl

    behind = msgs.filter(pl.col("phy_offset") >= cut)
    held = msgs.filter(pl.col("phy_offset") + pl.col("size") <= cut)
    assert r.verdict.startswith("SLAVE BEHIND")
    assert r.slave_end == cut and r.first_difference is None
    assert r.lag_bytes == r.master_end - cut and r.lag_messages == behind.height > 0
    assert r.last_common["phy_offset"] == held["phy_offset"][-1]
    want_s = (msgs["store_ts"][-1] - held["store_ts"][-1]).total_seconds()
    assert r.lag_seconds == pytest.approx(want_s)
    from rmqinspect.parsers.consumequeue import read_consumequeues

    cq = read_consumequeues(master)
    assert r.queues["units_behind"].sum() == cq.filter(pl.col("phy_offset") >= cut).height > 0
    assert set(r.queues.filter(pl.col("units_behind") > 0)["state"].to_list()) == {"slave_behind"}


def test_first_difference_is_exact_across_chunks(run_dir: Path, tmp_path: Path) -> None:
    slave = tmp_path / "s"
    shutil.copytree(run_dir / "broker-a-s" / "store", slave)
    f = sorted((slave / "commitlog").iterdir())[1]  # second file: offsets beyond the first chunk
    data = bytearray(f.read_bytes())
    at = 70001
    data[at] ^= 0x5A
    f.write_bytes(bytes(data))
    m = open_store(run_dir / "broker-a" / "store")
    s = open_store(slave)
    assert first_difference(m, s, 0, int(f.name) + len(data), chunk=4096) == int(f.name) + at
    r = diff_stores(m.root, s.root)
    assert r.first_difference == int(f.name) + at and r.verdict.startswith("DIVERGED")
    assert r.lag_bytes is None and any(x.check == "diff_diverged" and x.offset == r.first_difference for x in r.findings)


def test_two_masters_are_refused(run_dir: Path) -> None:
    with pytest.raises(UsageError, match="not a master/slave pair"):
        diff_stores(run_dir / "broker-a" / "store", run_dir / "broker-b" / "store")


def test_bad_paths(run_dir: Path, tmp_path: Path) -> None:
    a = run_dir / "broker-a" / "store"
    with pytest.raises(UsageError):
        diff_stores(a, a)
    with pytest.raises(UnusableInputError):
        diff_stores(a, tmp_path / "missing")


def test_swapped_arguments_are_flagged_from_the_properties(run_dir: Path) -> None:
    r = diff_stores(run_dir / "broker-a-s" / "store", run_dir / "broker-a" / "store")
    assert [f.check for f in r.findings if f.severity == "warning"] == ["diff_swapped"]


def test_crash_copy_is_a_prefix_of_its_slave(run_dir: Path) -> None:
    """The master's store copied right after kill -9 vs its SYNC slave's final store: no byte differs, the
    crashed master ends exactly where its restart recovered to, and the slave holds everything after."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from conftest import load_manifest

    m = load_manifest(run_dir)
    crash = run_dir / "broker-a" / "store-at-crash"
    if not crash.is_dir():
        pytest.skip("no crash copy")
    r = diff_stores(crash, run_dir / "broker-a-s" / "store")
    assert r.first_difference is None and r.master_end == m["recovered_max_phy_offset"]
    assert r.verdict.startswith(("SLAVE AHEAD", "IN SYNC"))


def test_consume_queue_difference_is_located(run_dir: Path, tmp_path: Path) -> None:
    slave = tmp_path / "s"
    shutil.copytree(run_dir / "broker-b-s" / "store", slave)
    qdir = slave / "consumequeue" / "LabTopic" / "0"
    f = sorted(qdir.iterdir())[0]
    data = bytearray(f.read_bytes())
    data[7 * 20 + 12] ^= 0x01  # unit 7's tags code
    f.write_bytes(bytes(data))
    r = diff_stores(run_dir / "broker-b" / "store", slave)
    import polars as pl

    q = r.queues.filter((pl.col("topic") == "LabTopic") & (pl.col("queue_id") == 0)).row(0, named=True)
    assert q["state"] == "differs" and q["first_differing_offset"] == int(f.name) // 20 + 7
    assert r.first_difference is None  # the commitlogs themselves still agree
    assert any(x.check == "diff_consume_queue" and "queue offset" in x.detail for x in r.findings)
