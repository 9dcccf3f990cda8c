"""``rmqinspect config``: exit codes, JSON, golden text on the guide's files, one-line errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rmqinspect.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from analysis.test_config_lint import NAMES, guide_file
from conftest import sample_run_dirs

GOLDEN = Path(__file__).parent / "golden" / "issue7_config_guide_4.9.7.txt"


def run(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", "160")
    with pytest.raises(SystemExit) as e:
        main(argv)
    out = capsys.readouterr()
    return int(e.value.code or 0), out.out, out.err


@pytest.fixture
def guide(tmp_path: Path) -> list[str]:
    hosts = {"broker-a": "h135", "broker-b-s": "h135", "broker-b": "h138", "broker-a-s": "h138"}
    args = []
    for n in NAMES:
        (tmp_path / f"{n}.properties").write_bytes(guide_file(n).encode("utf-8"))
        args.append(f"{hosts[n]}={tmp_path / n}.properties")
    return args


def test_guide_json_and_exit_code(guide, capsys, monkeypatch) -> None:
    code, out, _ = run(["config", "--version", "4.9.7", "--json", *guide], capsys, monkeypatch)
    doc = json.loads(out)
    assert code == 1 and doc["keys_from"] == "4.9.7"
    checks = {(f["check"], Path(f["file"]).name, f["offset"]) for f in doc["findings"]}
    assert ("config.shared_store_path", "broker-a.properties", 30) in checks
    assert ("config.ignored_key", "broker-b-s.properties", 34) in checks
    assert {b["host"] for b in doc["brokers"]} == {"h135", "h138"}


def test_guide_text_matches_golden(guide, capsys, monkeypatch) -> None:
    code, out, _ = run(["config", "--version", "4.9.7", *guide], capsys, monkeypatch)
    assert code == 1
    got = out.replace(str(Path(guide[0].split("=", 1)[1]).parent), "<dir>")
    if not GOLDEN.exists():
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(got)
        pytest.fail(f"golden file written to {GOLDEN}: review it, then rerun")
    assert got == GOLDEN.read_text()


@pytest.mark.skipif(not sample_run_dirs(), reason="no lab samples yet")
@pytest.mark.parametrize("run_dir", sample_run_dirs(), ids=lambda p: p.name)
def test_lab_properties_are_clean_apart_from_known_lab_choices(run_dir, capsys, monkeypatch) -> None:
    files = sorted(str(p) for p in run_dir.glob("broker-*/broker.properties"))
    version = run_dir.name.removeprefix("rmq-")
    _code, out, _ = run(["config", "--version", version, "--json", *files], capsys, monkeypatch)
    doc = json.loads(out)
    assert not [f for f in doc["findings"] if f["severity"] == "error"]
    assert {b["host"] for b in doc["brokers"]} == {"127.0.0.1"}  # brokerIP1 groups them on one host
    checks = {f["check"] for f in doc["findings"]}
    assert "config.ignored_key" in checks  # the lab writes storePathConsumeQueue & co. like the guide
    assert not checks & {"config.port_clash", "config.shared_store_path", "config.two_masters", "config.unknown_key"}


def test_errors_are_one_line(tmp_path, capsys, monkeypatch) -> None:
    code, _out, err = run(["config", str(tmp_path / "nope.properties")], capsys, monkeypatch)
    assert code == 2 and err.count("\n") == 1 and "no such file" in err
    code, _, err = run(["config", str(tmp_path)], capsys, monkeypatch)
    assert code == 2 and "is a directory" in err
    f = tmp_path / "a.properties"
    f.write_text("brokerName=a\n")
    code, _, err = run(["config", "--version", "latest", str(f)], capsys, monkeypatch)
    assert code == 2 and "not a RocketMQ version" in err


@pytest.mark.skipif(not sample_run_dirs(), reason="no lab samples yet")
@pytest.mark.parametrize("run_dir", sample_run_dirs(), ids=lambda p: p.name)
def test_logs_option_finds_no_difference_for_the_real_files(run_dir, capsys, monkeypatch) -> None:
    version = run_dir.name.removeprefix("rmq-")
    args = ["config", "--version", version, "--json"]
    for b in ("broker-b", "broker-b-s"):
        args += [str(run_dir / b / "broker.properties"), "--logs", f"{b}={run_dir / b / 'logs' / 'rocketmqlogs'}"]
    _code, out, _ = run(args, capsys, monkeypatch)
    checks = {f["check"] for f in json.loads(out)["findings"]}
    assert "config.boot_differs" not in checks and "config.boot_unknown" not in checks
