"""``rmqinspect cluster`` on a whole lab run: JSON document and text sections."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rmqinspect.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import load_manifest, sample_run_dirs

RUNS = sample_run_dirs()
pytestmark = pytest.mark.skipif(not RUNS, reason="no lab samples yet")


def run(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    out = capsys.readouterr()
    return int(e.value.code or 0), out.out, out.err


@pytest.mark.parametrize("run_dir", RUNS, ids=lambda p: p.name)
def test_cluster_json_and_text(run_dir: Path, capsys, monkeypatch) -> None:
    m = load_manifest(run_dir)
    specs = [f"{p['name']}={run_dir / p['name']}" for p in m["processes"]]
    code, out, _ = run(["cluster", *specs, "--json", "--no-stores"], capsys)
    doc = json.loads(out)
    assert code == 0
    assert {"hosts", "namesrvs", "brokers", "ha_pairs", "registrations", "incidents", "timeline", "findings"} <= set(doc)
    assert len(doc["brokers"]) == sum(p["kind"] == "broker" for p in m["processes"])
    assert all(t["ts"].endswith("+00:00") for t in doc["timeline"])
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run(["cluster", *specs, "--limit", "3"], capsys)
    for section in ("NameServers", "Brokers", "HA pairs", "Registrations", "Incidents", "Timeline"):
        assert section in out


def test_cluster_bad_input(tmp_path: Path, capsys) -> None:
    code, _, err = run(["cluster", f"h={tmp_path / 'missing'}"], capsys)
    assert code == 2 and "not a directory" in err
    code, _, err = run(["cluster", f"h={tmp_path}", "--tz-of", "bad"], capsys)
    assert code == 2 and "HOST=ZONE" in err
