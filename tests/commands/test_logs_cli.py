"""``rmqinspect logs``: JSON document, filters, exit codes, one-line errors, inert rendering, golden report."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from rmqinspect.cli import main

REPO = Path(__file__).resolve().parents[2]
PUBLIC = REPO / "tests" / "fixtures" / "public_lines"
GOLDEN = REPO / "tests" / "golden" / "logs"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(["logs", *args])
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def public(tmp_path: Path) -> Path:
    d = tmp_path / "pub"
    shutil.copytree(PUBLIC, d, ignore=shutil.ignore_patterns("*.json"))
    return d


def test_json_is_one_document_with_files_events_report(capsys: pytest.CaptureFixture[str], public: Path) -> None:
    code, out, err = run(capsys, f"pub={public}", "--json")
    doc = json.loads(out)
    assert set(doc) == {"files", "events", "report"}
    assert {f["file"] for f in doc["files"]} == {p.name for p in PUBLIC.glob("*.log")}
    assert all(e["host"] == "pub" for e in doc["events"])
    lag = [e["bytes"] for e in doc["events"] if e["type"] == "ha_lag_bytes" and e["statement"] == "H11"]
    assert 1362 in lag and 668 in lag  # apache/rocketmq#1767
    assert doc["events"][0]["ts"].endswith("+00:00")
    assert {"topology", "replication", "latency", "recovery", "disk", "busy", "errors", "findings"} <= set(doc["report"])
    checks = {f["check"] for f in doc["report"]["findings"]}
    assert "log-magic-code-error" in checks and "log-headless-prefix" in checks
    assert code == 1  # warnings present (magic code, truncation)
    assert err == ""


def test_type_host_and_time_filters(capsys: pytest.CaptureFixture[str], public: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "broker.log").write_text("2021-08-24 20:21:17 INFO X - Slave fall behind master: 5 bytes\n")
    _code, out, _ = run(capsys, f"pub={public}", f"b={other}", "--json", "--type", "ha_lag_bytes", "--host", "pub",
                       "--since", "2021-08-24 20:21:00", "--until", "2021-08-24T12:22:30Z")  # fmt: skip
    events = json.loads(out)["events"]
    assert {e["type"] for e in events} == {"ha_lag_bytes"}
    assert {e["host"] for e in events} == {"pub"}
    # 20:21:00..20:22:30 GMT+8: the lines of apache/rocketmq#1767 at 20:21:17 and 20:22:17 only
    assert sorted({e["ts"] for e in events}) == ["2021-08-24T12:21:17.000+00:00", "2021-08-24T12:22:17.000+00:00"]


def test_log_tz_override_changes_timestamps(capsys: pytest.CaptureFixture[str], public: Path) -> None:
    _, out, _ = run(capsys, str(public / "apache-rocketmq-1767-broker.log"), "--json", "--log-tz", "UTC", "--type", "ha_lag_bytes")
    assert json.loads(out)["events"][0]["ts"] == "2021-08-24T20:21:17.000+00:00"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["/nonexistent/dir"], "not found"),
        (["--type", "no_such_type"], "unknown event type"),
        (["--since", "yesterday-ish"], "cannot read time"),
        (["--log-tz", "Mars/Base"], "unknown log time zone"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], public: Path, args: list[str], needle: str) -> None:
    full = args if args[0].startswith("/") else [str(public), *args]
    code, out, err = run(capsys, *full)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_empty_dir_is_not_found(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2 and "no RocketMQ log files" in err


def test_log_text_is_rendered_inert(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "broker.log").write_bytes(
        b"2024-03-05 14:07:31 ERROR main - \x1b]0;pwned\x07 [bold red]markup[/] \x1b[2J boom\n"
        b"java.lang.IllegalStateException: \x1b[31mred\n"
    )
    _code, out, _ = run(capsys, f"evil={tmp_path}", "--width", "200")
    assert "\x1b]0;" not in out and "\x1b[2J" not in out and "\x07" not in out
    assert "[bold red]markup[/]" in out  # shown literally, not interpreted
    assert "java.lang.IllegalStateException" in out


def test_golden_report_on_public_issue_lines(capsys: pytest.CaptureFixture[str], public: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "160")
    _, out, _ = run(capsys, f"pub={public}", "--width", "160")
    golden = GOLDEN / "public_lines_report.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out)
    assert out == golden.read_text()
