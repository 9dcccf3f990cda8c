"""The lab's bad conditions end as one clear line and exit 2, never a traceback (no JVM is started)."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest
from rmqlab import cli, dist, logback4


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("lab: error: ")
    assert "Traceback" not in err[0]
    return err[0]


def test_missing_java_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    rc = cli.main(["--version", "5.3.3", "--out", str(tmp_path / "out"), "--no-netns", "--base-port", "41000"])
    assert rc == 2
    assert "'java' not found" in _one_error_line(capsys)


def test_failing_maven_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    mvn = fake_bin / "mvn"
    mvn.write_text("#!/bin/sh\necho '[ERROR] Failed to execute goal: Could not resolve dependencies (offline)'\nexit 1\n")
    mvn.chmod(mvn.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake_bin}:{os.environ['PATH']}")
    monkeypatch.setattr(dist, "CACHE_DIR", tmp_path / "cache")
    rc = cli.main(["--version", "9.9.9", "fetch"])
    assert rc == 2
    line = _one_error_line(capsys)
    assert "mvn could not resolve RocketMQ 9.9.9" in line and "Could not resolve dependencies" in line
    assert not (tmp_path / "cache" / "9.9.9" / "lib.complete").exists()


def test_port_in_use_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        rc = cli.main(["--version", "5.3.3", "--out", str(tmp_path / "out"), "--no-netns", "--base-port", str(busy)])
    assert rc == 2
    assert f"port {busy} is in use" in _one_error_line(capsys)
    assert not (tmp_path / "out").exists()


def test_non_empty_output_directory_is_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "keep.txt").write_text("x")
    rc = cli.main(["--out", str(tmp_path)])
    assert rc == 2
    assert "is not empty" in _one_error_line(capsys)


def test_recover_refuses_a_directory_that_is_no_store(tmp_path: Path, capsys) -> None:
    rc = cli.main(["recover", "--version", "5.3.3", "--store", str(tmp_path)])
    assert rc == 2
    assert "not a RocketMQ store" in _one_error_line(capsys)


def test_4x_logback_config_reproduces_the_distribution_layout(tmp_path: Path) -> None:
    """Patterns, file names and rolling of log-catalogue.md §1.2-1.4, as the 4.x servers will read them."""
    import xml.etree.ElementTree as ET

    logback4.write_conf(tmp_path)
    broker = ET.parse(tmp_path / "logback_broker.xml").getroot()
    files = {a.findtext("file"): a for a in broker.iter("appender") if a.findtext("file")}
    live = "${user.home}/logs/rocketmqlogs/${brokerLogDir}/broker.log"
    assert live in files
    rolling = files[live].find("rollingPolicy")
    assert rolling is not None
    assert rolling.findtext("fileNamePattern") == "${user.home}/logs/rocketmqlogs/otherdays/${brokerLogDir}/broker.%i.log.gz"
    assert rolling.findtext("maxIndex") == "20"
    patterns = {Path(f).name: a.findtext("encoder/pattern") for f, a in files.items()}
    assert patterns["store.log"] == "%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n"
    assert patterns["stats.log"] == "%d{yyy-MM-dd HH:mm:ss,GMT+8} %p - %m%n"
    assert patterns["watermark.log"] == "%d{yyy-MM-dd HH:mm:ss,GMT+8} - %m%n"
    assert patterns["commercial.log"] is None
    namesrv = ET.parse(tmp_path / "logback_namesrv.xml").getroot()
    routed = {lg.get("name"): lg.find("appender-ref").get("ref") for lg in namesrv.iter("logger")}
    assert routed["RocketmqRemoting"] == routed["RocketmqNamesrv"] == "namesrvAppender"
    assert all(a.findtext("discardingThreshold") == "0" for a in namesrv.iter("appender")
               if a.get("class", "").endswith("AsyncAppender"))
