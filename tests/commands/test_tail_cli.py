"""``rmqinspect tail``: backlog merge, filters, NDJSON, inert rendering, bad input, live follow, Ctrl-C.

``--no-follow`` runs are in-process (fast); the live behaviour runs the real CLI in a subprocess and
reads its stdout with timeouts (no fixed sleeps).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rmqinspect.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(["tail", *args])
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def rec(ts: str, level: str, msg: str, thread: str = "main") -> str:
    return f"2026-11-28 {ts} {level} {thread} - {msg}\n"


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    d = tmp_path / "rocketmqlogs"
    d.mkdir()
    (d / "broker.log").write_text(
        rec("08:00:00", "INFO", "The broker[broker-a, 10.0.0.1:10911] boot success. serializeType=JSON")
        + rec("08:00:02", "WARN", "registerBroker Exception, 10.0.0.9:9876", "brokerOutApi_thread_1")
        + "java.net.ConnectException: connection refused\n\tat org.X.y(X.java:1)\n"
        + rec(
            "08:00:04",
            "INFO",
            "Registering current broker to name server completed. TargetHost=127.0.0.1:9876",
        )
    )
    (d / "store.log").write_text(
        rec("08:00:01", "INFO", "Flush data to disk costs 850 ms", "FlushRealTimeService")
        + rec("08:00:03", "ERROR", "putMessage failed", "SendMessageThread_1")
    )
    return d


# ------------------------------------------------------------------ backlog and filters (--no-follow)


def test_backlog_is_merged_by_time_and_prefixed_with_file(logdir: Path, capsys) -> None:
    code, out, _ = run(capsys, str(logdir), "--no-follow", "--no-color")
    assert code == 0
    lines = out.splitlines()
    assert [ln.split()[0] for ln in lines] == [
        "broker.log",
        "store.log",
        "broker.log",
        "broker.log",
        "broker.log",
        "store.log",
        "broker.log",
    ]
    assert "08:00:01 INFO FlushRealTimeService - Flush data to disk costs 850 ms" in lines[1]
    # the stack trace stays under its record, each physical line still names its file
    assert lines[3].startswith("broker.log") and lines[3].endswith(
        "java.net.ConnectException: connection refused"
    )
    assert lines[4].endswith("\tat org.X.y(X.java:1)")


def test_lines_limits_the_backlog_to_the_last_records_overall(logdir: Path, capsys) -> None:
    _, out, _ = run(capsys, str(logdir), "--no-follow", "--no-color", "-n", "2")
    assert [ln.split()[2] for ln in out.splitlines()] == ["08:00:03", "08:00:04"]
    _, out, _ = run(capsys, str(logdir), "--no-follow", "-n", "0")
    assert out == ""


def test_level_filter_is_a_minimum(logdir: Path, capsys) -> None:
    _, out, _ = run(capsys, str(logdir), "--no-follow", "--no-color", "--level", "warn")
    heads = [ln for ln in out.splitlines() if " - " in ln]
    assert [h.split()[3] for h in heads] == ["WARN", "ERROR"]


def test_grep_matches_continuation_lines_too(logdir: Path, capsys) -> None:
    _, out, _ = run(capsys, str(logdir), "--no-follow", "--no-color", "--grep", "ConnectException")
    assert len(out.splitlines()) == 3 and "registerBroker Exception" in out.splitlines()[0]


def test_file_glob_filter(logdir: Path, capsys) -> None:
    _, out, _ = run(capsys, str(logdir), "--no-follow", "--no-color", "--file", "store*")
    assert {ln.split()[0] for ln in out.splitlines()} == {"store.log"}


def test_bad_regex_is_a_usage_error_not_a_traceback(logdir: Path, capsys) -> None:
    code, out, err = run(capsys, str(logdir), "--no-follow", "--grep", "(unclosed")
    assert code == 2 and out == ""
    assert err.startswith("rmqinspect: bad --grep regex") and "Traceback" not in err


def test_unreachable_dir_is_one_clear_line_exit_2(open_tmp: Path) -> None:
    locked = open_tmp / "locked"
    (locked / "logs").mkdir(parents=True)
    os.chmod(locked, 0o700)
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    else:
        os.chmod(locked, 0)
        cmd = []
    r = subprocess.run(
        [*cmd, sys.executable, "-m", "rmqinspect", "tail", str(locked / "logs"), "--no-follow"],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    os.chmod(locked, 0o700)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == f"rmqinspect: {locked / 'logs'}: cannot access: Permission denied"


def test_bad_level_and_missing_dir_exit_2(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, str(tmp_path), "--no-follow", "--level", "LOUD")
    assert code == 2 and "unknown level" in err
    code, _, err = run(capsys, str(tmp_path / "nope"), "--no-follow")
    assert code == 2 and "no such directory" in err


def test_json_is_ndjson_with_lines_frame_fields(logdir: Path, capsys) -> None:
    _, out, _ = run(capsys, str(logdir), "--no-follow", "--json", "--host", "h1")
    rows = [json.loads(x) for x in out.splitlines()]
    lines = [r for r in rows if "type" not in r]
    assert len(lines) == 5
    assert list(lines[0]) == ["host", "file", "line_no", "ts", "level", "thread", "message", "continuation"]
    warn = next(r for r in lines if r["level"] == "WARN")
    assert warn == {
        "host": "h1",
        "file": "broker.log",
        "line_no": 2,
        "ts": "2026-11-28T00:00:02.000+00:00",  # GMT+8 in the file, UTC out
        "level": "WARN",
        "thread": "brokerOutApi_thread_1",
        "message": "registerBroker Exception, 10.0.0.9:9876",
        "continuation": "java.net.ConnectException: connection refused\n\tat org.X.y(X.java:1)",
    }


def test_terminal_escapes_and_markup_in_lines_are_inert(tmp_path: Path, capsys) -> None:
    (tmp_path / "broker.log").write_text(
        rec("08:00:00", "INFO", "evil \x1b]0;pwned\x07 \x1b[2J [bold red]not markup[/] \x9b31m")
    )
    _, out, _ = run(capsys, str(tmp_path), "--no-follow", "--color")
    assert "\x1b]" not in out and "\x1b[2J" not in out and "\x07" not in out and "\x9b" not in out
    assert "␛]0;pwned␇" in out and "␛[2J" in out and "[bold red]not markup[/]" in out
    # our own colours are still there (the level), so escapes are filtered, not colour as such
    assert "\x1b[32mINFO\x1b[0m" in out


def test_bad_input_is_counted_on_stderr(tmp_path: Path, capsys) -> None:
    (tmp_path / "broker.log").write_bytes(
        rec("08:00:00", "INFO", "ok").encode()
        + b"2026-11-28 08:00:01 INFO t - caf\xe9 \xff\n"
        + b"\x00\x01\x02\x03binary\n"
        + b"2026-11-28 08:00:02 INFO t - "
        + b"z" * (3 << 20)
        + b"\n"
        + rec("08:00:03", "INFO", "after the huge line").encode()
    )
    os.mkfifo(tmp_path / "fifo.log")
    code, out, err = run(capsys, str(tmp_path), "--no-follow", "--no-color", "-n", "100")
    assert code == 0
    assert "after the huge line" in out
    assert "(+" in out  # the megabyte line is clipped for display
    for kind in ("invalid_utf8", "binary", "long_line", "not_a_file"):
        assert f"[{kind}]" in err
    assert "Traceback" not in err
    assert err.rstrip().splitlines()[-1].startswith("rmqinspect: 4 warnings (")


# ------------------------------------------------------------------ live (subprocess)


class Tail:
    """The real CLI in a subprocess; stdout lines collected by a thread, waited for with a timeout."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
        self.p = subprocess.Popen(
            [sys.executable, "-m", "rmqinspect", "tail", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        self.q: queue.Queue[str] = queue.Queue()
        self.lines: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            self.q.put(line.rstrip("\n"))

    def wait_for(self, pred, timeout: float = 60.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while not pred(self.lines):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; last lines {self.lines[-5:]!r}")
            try:
                self.lines.append(self.q.get(timeout=min(left, 0.1)))
            except queue.Empty:
                if self.p.poll() is not None and self.q.empty():
                    raise AssertionError(f"tail exited {self.p.returncode}: {self.p.stderr.read()}") from None
        return self.lines

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str]:
        self.p.send_signal(sig)
        try:
            code = self.p.wait(timeout=30)
        finally:
            if self.p.poll() is None:
                self.p.kill()
        return code, self.p.stderr.read() if self.p.stderr else ""


def _snapshot(d: Path) -> dict:
    return {
        str(p.relative_to(d)): (
            p.lstat().st_mode,
            p.lstat().st_size,
            p.lstat().st_mtime_ns,
            p.lstat().st_ctime_ns,
        )
        for p in sorted([d, *d.rglob("*")])
    }


@pytest.mark.parametrize("poll", [False, True], ids=["inotify", "poll"])
def test_live_follow_merges_new_lines_survives_rotation_and_exits_0_on_ctrl_c(
    logdir: Path, poll: bool
) -> None:
    sys.path.insert(0, str(REPO / "tests" / "live"))
    from logback_writer import LogbackWriter, event

    args = [str(logdir), "-n", "1", *(["--poll"] if poll else [])]
    t = Tail(*args)
    try:
        t.wait_for(lambda ls: any("TargetHost=127.0.0.1:9876" in x for x in ls))
        w = LogbackWriter(logdir, max_bytes=10**9)
        w.append(event(1))
        with open(logdir / "store.log", "a") as s:
            s.write(rec("08:01:00", "INFO", "seq=2 putMessage ok"))
        t.wait_for(lambda ls: sum("putMessage ok" in x for x in ls) >= 2)
        snap = _snapshot(logdir)
        w.append(event(3))
        w.rollover()  # logback: gzip into otherdays/, delete, new broker.log
        w.append(event(4))
        # a brand-new file in a new sub-directory is picked up too
        (logdir / "broker-b_0").mkdir()
        (logdir / "broker-b_0" / "broker.log").write_text(event(5))
        got = t.wait_for(lambda ls: sum("putMessage ok" in x for x in ls) >= 5)
        assert snap  # (the tail wrote nothing; checked below on a quiet directory)
    finally:
        code, err = t.stop()
    w.close()
    seqs = [int(x.split("seq=")[1].split()[0]) for x in got if "putMessage ok" in x]
    assert sorted(seqs) == [1, 2, 3, 4, 5] and seqs.index(3) < seqs.index(4)
    assert any(x.startswith("store.log") and "seq=2" in x for x in got)
    assert any(x.startswith("broker-b_0/broker.log") and "seq=5" in x for x in got)
    assert code == 0, err
    assert "rotated" in err and "Traceback" not in err


def test_sigterm_also_exits_0_and_the_directory_is_untouched(logdir: Path) -> None:
    before = _snapshot(logdir)
    t = Tail(str(logdir), "-n", "1")
    t.wait_for(lambda ls: len(ls) >= 1)
    assert _snapshot(logdir) == before
    code, err = t.stop(signal.SIGTERM)
    assert code == 0, err
    assert _snapshot(logdir) == before


# ------------------------------------------------------------------ real RocketMQ output


def _sample_dirs() -> list[Path]:
    return sorted(SAMPLES.glob("rmq-*/broker-a/logs/rocketmqlogs"))


@pytest.mark.skipif(not _sample_dirs(), reason="no lab samples under samples/rmq-*/broker-a")
def test_real_broker_logs_render_every_record(capsys) -> None:
    for d in _sample_dirs():
        code, out, err = run(capsys, str(d), "--no-follow", "--no-color", "-n", "100000")
        assert code == 0 and "Traceback" not in err
        total = sum(1 for f in d.rglob("*.log") if "otherdays" not in f.parts for _ in f.open("rb"))
        assert len(out.splitlines()) == total  # every physical line shown exactly once


# ------------------------------------------------------------------ events


def test_events_only_highlights_recognised_events_with_key_fields(logdir: Path, capsys) -> None:
    code, out, _ = run(capsys, str(logdir), "--no-follow", "--no-color", "--events-only")
    assert code == 0
    heads = [ln for ln in out.splitlines() if "◆" in ln]
    labels = [ln.split("◆ ", 1)[1] for ln in heads]
    assert labels[0].startswith("broker_boot broker_name=broker-a broker_addr=10.0.0.1:10911")
    assert any(x.startswith("flush_cost_ms 850 ms") for x in labels)
    assert any(x.startswith("broker_register_failed namesrv_addr=10.0.0.9:9876") for x in labels)
    assert labels[-1] == "broker_register_ok namesrv_addr=127.0.0.1:9876"
    assert "putMessage failed" not in out  # an ERROR line that is no event is filtered out


def test_type_filter_with_json_emits_only_event_rows(logdir: Path, capsys) -> None:
    code, out, _ = run(capsys, str(logdir), "--no-follow", "--json", "--type", "flush_*")
    rows = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and len(rows) == 1
    (ev,) = rows
    assert (
        ev["type"] == "flush_cost_ms" and ev["ms"] == 850 and ev["file"] == "store.log" and ev["line_no"] == 1
    )


def test_unknown_event_type_is_a_usage_error(logdir: Path, capsys) -> None:
    code, _, err = run(capsys, str(logdir), "--no-follow", "--type", "no_such_event")
    assert code == 2 and "unknown event type 'no_such_event'" in err and "flush_cost_ms" in err


@pytest.fixture
def open_tmp() -> Path:
    """A temp dir other users can traverse (pytest's own tmp base is 0700)."""
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="rmqinspect-tail-"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_permission_denied_is_a_counted_warning(open_tmp: Path, capsys) -> None:
    """As a user without read permission (root ignores modes, so drop to nobody with setpriv)."""
    tmp_path = open_tmp
    d = tmp_path / "logs"
    d.mkdir()
    (d / "broker.log").write_text(rec("08:00:00", "INFO", "readable"))
    (d / "secret.log").write_text(rec("08:00:01", "INFO", "secret"))
    os.chmod(d / "secret.log", 0)
    if os.geteuid() != 0:
        code, out, err = run(capsys, str(d), "--no-follow", "--no-color")
    else:
        import shutil

        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot be denied a read")
        for p in (tmp_path, d):
            os.chmod(p, 0o755)
        r = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             sys.executable, "-m", "rmqinspect", "tail", str(d), "--no-follow", "--no-color"],
            capture_output=True, text=True, cwd=REPO, timeout=60,
        )  # fmt: skip
        if r.returncode != 0 and "rmqinspect:" not in r.stderr:
            pytest.skip(f"nobody cannot run this interpreter: {r.stderr[:200]}")
        code, out, err = r.returncode, r.stdout, r.stderr
    assert code == 0
    assert "readable" in out and "secret" not in out.replace("secret.log", "")
    assert "secret.log: cannot read secret.log: Permission denied [permission_denied]" in err
    assert err.rstrip().endswith("rmqinspect: 1 warning (permission_denied 1)")
    assert "Traceback" not in err


def test_reader_going_away_ends_the_tail_with_status_0(logdir: Path) -> None:
    """``rmqinspect tail | head -1``: the next write hits a closed pipe; that is a normal stop."""
    p = subprocess.Popen(
        [sys.executable, "-m", "rmqinspect", "tail", str(logdir), "-n", "1", "--no-color"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert p.stdout is not None
    p.stdout.readline()
    p.stdout.close()
    deadline = time.monotonic() + 60
    i = 0
    while p.poll() is None and time.monotonic() < deadline:
        with open(logdir / "broker.log", "a") as w:
            w.write(rec("08:02:00", "INFO", f"more {i}"))
        i += 1
        try:
            p.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            pass
    if p.poll() is None:
        p.kill()
    err = p.stderr.read().decode() if p.stderr else ""
    assert p.returncode == 0, err
    assert "Traceback" not in err
