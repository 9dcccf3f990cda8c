"""``rmqinspect diff`` on the lab's pairs: exit codes, JSON shape, refusal of a non-pair."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rmqinspect.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import sample_run_dirs

RUNS = sample_run_dirs()
pytestmark = pytest.mark.skipif(not RUNS, reason="no lab samples yet")


def run(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    out = capsys.readouterr()
    return int(e.value.code or 0), out.out, out.err


@pytest.mark.parametrize("run_dir", RUNS, ids=lambda p: p.name)
def test_in_sync_pair_json(run_dir: Path, capsys) -> None:
    code, out, _ = run(["diff", str(run_dir / "broker-a" / "store"), str(run_dir / "broker-a-s" / "store"), "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["summary"]["verdict"].startswith("IN SYNC")
    assert set(doc) == {"summary", "queues", "config", "findings"}
    assert all(q["state"] == "same" for q in doc["queues"])


@pytest.mark.parametrize("run_dir", RUNS, ids=lambda p: p.name)
def test_text_and_not_a_pair(run_dir: Path, capsys) -> None:
    code, out, _ = run(["diff", str(run_dir / "broker-b" / "store"), str(run_dir / "broker-b-s" / "store")], capsys)
    assert code == 0 and "IN SYNC" in out and "Replication" in out
    code, _, err = run(["diff", str(run_dir / "broker-a" / "store"), str(run_dir / "broker-c" / "store")], capsys)
    assert code == 2 and "not a master/slave pair" in err and err.count("\n") == 1


def test_missing_store(tmp_path: Path, capsys) -> None:
    code, _, err = run(["diff", str(tmp_path / "a"), str(tmp_path / "b")], capsys)
    assert code == 2 and "no such store directory" in err
