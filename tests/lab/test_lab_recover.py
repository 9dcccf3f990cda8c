"""``lab/run recover`` asks a real broker what it recovers from a copy of a store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import load_manifest, sample_run_dirs
from rmqlab.recover import recover, store_overrides

RUNS = [r for r in sample_run_dirs() if (r / "broker-a" / "store-at-crash").is_dir()]
HAVE_JAVA = bool(shutil.which("java") and shutil.which("javac") and shutil.which("mvn"))


@pytest.mark.skipif(not RUNS, reason="no sample with a crash copy")
@pytest.mark.parametrize("run_dir", RUNS, ids=[r.name for r in RUNS])
def test_overrides_come_from_the_broker_properties_beside_the_store(run_dir: Path) -> None:
    doc = load_manifest(run_dir)
    broker = next(p for p in doc["processes"] if p["name"] == "broker-a")
    got = store_overrides(run_dir / "broker-a" / "store-at-crash", None)
    assert int(got["mappedFileSizeCommitLog"]) == broker["mapped_file_size_commitlog"]
    assert int(got["mappedFileSizeConsumeQueue"]) == broker["mapped_file_size_consume_queue"]
    assert got["maxIndexNum"] == broker["properties"]["maxIndexNum"]


@pytest.mark.skipif(not RUNS, reason="no sample with a crash copy")
def test_overrides_measured_from_files_when_no_properties(tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(RUNS[0] / "broker-a" / "store-at-crash", store)
    got = store_overrides(store, None)
    assert got["mappedFileSizeCommitLog"] == str(next((store / "commitlog").iterdir()).stat().st_size)
    assert "maxIndexNum" not in got


@pytest.mark.lab
@pytest.mark.slow
@pytest.mark.skipif(not (RUNS and HAVE_JAVA), reason="needs a sample crash copy and java/javac/mvn")
def test_recovering_the_crash_copy_again_gives_what_the_live_restart_logged(tmp_path: Path) -> None:
    """Recovery is a function of the files: the crash copy taken before the live restart must
    recover to the same max physical offset the restarted broker logged during the lab run."""
    run_dir = RUNS[-1]
    doc = load_manifest(run_dir)
    crash = run_dir / "broker-a" / "store-at-crash"
    before = sorted(p.name for p in crash.rglob("*"))
    result = recover(doc["rocketmq_version"], crash, keep=tmp_path / "work")
    assert result["abort_present"] is True
    assert result["max_phy_offset"] == doc["recovered_max_phy_offset"]
    # The admin API can answer with no per-queue offsets right after a restart (seen with 5.3.3); when it
    # does answer, LabTopic's queues must be among them.
    if result["queues"]:
        assert any(q["topic"] == "LabTopic" for q in result["queues"])
    assert sorted(p.name for p in crash.rglob("*")) == before, "recover must not touch the given store"
    assert not (tmp_path / "work" / "broker" / "store" / "abort").exists(), "recovered broker did not stop cleanly"
