"""Reading log directories: discovery and rotation order, gzip, damage as counted findings, read-only."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import pytest

from rmqinspect.errors import NotFoundError
from rmqinspect.parsers.logs import discover, read_lines, read_log_set
from rmqinspect.parsers.logs import reader as reader_mod

L = "{ts} INFO BrokerControllerScheduledThread1 - register broker[0]to name server 127.0.0.1:9876 OK\n"


def _line(sec: int) -> str:
    return L.format(ts=f"2024-03-05 14:{sec // 60:02d}:{sec % 60:02d}")


def _write(p: Path, text: str | bytes, gz: bool = False) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    p.write_bytes(gzip.compress(data) if gz else data)
    return p


def test_rotation_order_oldest_first_and_isolated_dirs(tmp_path: Path) -> None:
    _write(tmp_path / "broker.log", _line(40))
    _write(tmp_path / "otherdays" / "broker.1.log.gz", _line(30), gz=True)
    _write(tmp_path / "otherdays" / "broker.10.log.gz", _line(10), gz=True)
    _write(tmp_path / "otherdays" / "broker.2.log.gz", _line(20), gz=True)
    _write(tmp_path / "otherdays" / "pop.1.log", _line(1))  # pop.log rolls without gzip
    _write(tmp_path / "broker-a_0" / "broker.log", _line(50))  # 4.9.3+ isolateLogEnable
    _write(tmp_path / "otherdays" / "broker-a_0" / "broker.3.log.gz", _line(45), gz=True)
    _write(tmp_path / "nohup.out", "not a log\n")
    files = discover(tmp_path)
    rel = [f.rel for f in files]
    assert rel == [
        "otherdays/broker.10.log.gz",
        "otherdays/broker.2.log.gz",
        "otherdays/broker.1.log.gz",
        "broker.log",
        "otherdays/pop.1.log",
        "otherdays/broker-a_0/broker.3.log.gz",
        "broker-a_0/broker.log",
    ]
    assert {f.subdir for f in files} == {"", "broker-a_0"}
    df = read_lines(tmp_path, host="h")
    top = df.filter(df["file"].str.starts_with("otherdays/broker.") | (df["file"] == "broker.log"))
    assert top["ts"].is_sorted()  # oldest rotation first, then the live file


def test_missing_dir_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        discover(tmp_path / "nope")


def test_truncated_gzip_keeps_prefix_and_warns(tmp_path: Path) -> None:
    body = "".join(_line(i) for i in range(3000)).encode()
    gz = gzip.compress(body)
    _write(tmp_path / "otherdays" / "broker.1.log.gz", gz[: len(gz) // 2])
    r = read_log_set(tmp_path, host="h")
    checks = {f.check for f in r.findings}
    assert "log-gzip-truncated" in checks
    assert 0 < r.lines.height < 3000
    assert r.lines["message"].str.starts_with("register broker[0]").all()


def test_corrupt_gzip_is_a_finding(tmp_path: Path) -> None:
    _write(tmp_path / "otherdays" / "broker.1.log.gz", b"\x1f\x8b\x08\x00garbage-garbage-garbage")
    r = read_log_set(tmp_path, host="h")
    assert {f.check for f in r.findings} & {"log-gzip-corrupt", "log-gzip-truncated"}
    assert r.lines.height == 0


def test_invalid_utf8_counted(tmp_path: Path) -> None:
    _write(tmp_path / "broker.log", _line(1).encode() + b"2024-03-05 14:00:02 INFO main - \xff\xfe\xfd\n")
    r = read_log_set(tmp_path, host="h")
    (f,) = [f for f in r.findings if f.check == "log-invalid-utf8"]
    assert f.detail.startswith("3 invalid")
    assert r.lines.height == 2


def test_file_without_timestamps_is_skipped_with_warning(tmp_path: Path) -> None:
    _write(tmp_path / "broker.log", os.urandom(5000).replace(b"2", b"x"))
    r = read_log_set(tmp_path, host="h")
    assert [f.check for f in r.findings if f.severity == "warning"][-1] == "log-no-timestamps"
    assert r.lines.height == 0


def test_unreadable_entry_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "broker.log").mkdir()  # a directory named like a log: open() fails
    _write(tmp_path / "store.log", _line(1))
    files = [f for f in discover(tmp_path)]
    r = read_log_set([*files, reader_mod.LogFile(tmp_path / "broker.log", "broker.log", "broker.log", 0, False, "", 0, 0.0)], host="h")
    assert any(f.check == "log-unreadable" for f in r.findings)
    assert r.lines.height == 1


def test_file_that_shrinks_while_read(tmp_path: Path) -> None:
    p = _write(tmp_path / "broker.log", "".join(_line(i) for i in range(10)))
    findings: list = []
    fd = os.open(p, os.O_RDONLY)
    try:
        pieces = list(reader_mod._plain_pieces(fd, p.stat().st_size + 1000, findings, "broker.log"))
    finally:
        os.close(fd)
    assert b"".join(bytes(x) for x in pieces) == p.read_bytes()
    assert [f.check for f in findings] == ["log-file-shrank"]


def test_megabyte_line_and_chunk_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_mod, "CHUNK", 4096)  # force many chunks and a line longer than one
    big = "x" * 3_000_000
    text = _line(1) + f"2024-03-05 14:00:02 WARN main - {big}\n" + "\tat a.b.C(C.java:1)\n" * 500 + _line(3)
    _write(tmp_path / "broker.log", text)
    r = read_log_set(tmp_path, host="h")
    assert r.lines["line_no"].to_list() == [1, 2, 503]
    assert len(r.lines["message"][1]) == len(big)
    assert r.lines["continuation"][1].count("\n") == 499  # 500 stack lines kept together across chunks
    assert not [f for f in r.findings if f.severity != "info"]


def test_headless_file_start_is_kept_and_reported(tmp_path: Path) -> None:
    _write(tmp_path / "broker.log", "\tat x.Y(Y.java:1)\n" + _line(5))
    r = read_log_set(tmp_path, host="h")
    assert r.lines["ts"].null_count() == 1 and r.lines.height == 2
    assert [f.check for f in r.findings] == ["log-headless-prefix"]


def _snapshot(root: Path) -> dict[str, tuple[int, float, str]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            st = p.stat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime, digest)
    return out


def test_reading_never_writes_into_the_log_dir(tmp_path: Path) -> None:
    _write(tmp_path / "broker.log", "".join(_line(i) for i in range(50)))
    _write(tmp_path / "otherdays" / "broker.1.log.gz", _line(1), gz=True)
    _write(tmp_path / "otherdays" / "broker.2.log.gz", gzip.compress(b"x" * 1000)[:20])
    before = _snapshot(tmp_path)
    dir_mtime = tmp_path.stat().st_mtime
    from rmqinspect.analysis.events import extract_events
    from rmqinspect.analysis.log_report import build_report

    r = read_log_set(tmp_path, host="h")
    build_report(extract_events(r.lines), r.lines)
    assert _snapshot(tmp_path) == before
    assert tmp_path.stat().st_mtime == dir_mtime
