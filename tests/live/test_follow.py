"""The directory follower: merge, logback rotation, truncation, deletion, bad input, read-only.

Most tests drive ``DirFollower.poll_once()`` by hand (no threads, no sleeps, deterministic); a few run the
real reader thread with inotify and with polling and wait for results with a timeout.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from logback_writer import LogbackWriter, event

from rmqinspect.live.follow import Chunk, DirFollower, Notice, looks_like_record_start

SEQ = re.compile(r"seq=(\d+) putMessage")


def chunks(items: list) -> list[Chunk]:
    return [i for i in items if isinstance(i, Chunk)]


def notices(items: list, kind: str | None = None) -> list[Notice]:
    return [i for i in items if isinstance(i, Notice) and (kind is None or i.kind == kind)]


def seqs(items: list, file: str | None = None) -> list[int]:
    out = []
    for c in chunks(items):
        if file is None or c.file == file:
            out += [int(m) for m in SEQ.findall(c.text)]
    return out


def drain(f: DirFollower, *, settle: bool = True) -> list:
    """Poll until nothing more arrives; ``settle`` then flushes held-back records (as quiet time would)."""
    out = f.poll_once()
    while True:
        more = f.poll_once()
        if not more:
            break
        out += more
    if settle:
        out += f.poll_once(final=True)
    return out


def wait_for(f: DirFollower, pred, timeout: float = 30.0) -> list:
    """Collect batches from a started follower until ``pred(items)`` holds (or fail after ``timeout``)."""
    got: list = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got += f.get(timeout=0.05)
        if pred(got):
            return got
    raise AssertionError(f"timed out; got {got[-5:]!r}")


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    d = tmp_path / "rocketmqlogs"
    d.mkdir()
    return d


# ------------------------------------------------------------------ start, backlog, merge


def test_backlog_gives_last_n_lines_with_true_line_numbers(logdir: Path) -> None:
    (logdir / "broker.log").write_text("".join(event(i) for i in range(100)))
    f = DirFollower(logdir, backlog=5)
    items = f.poll_once()
    (c,) = chunks(items)
    assert c.backlog and c.first_line_no == 96 and c.n_lines == 5
    assert seqs(items) == [95, 96, 97, 98, 99]
    assert notices(items, "backlog_end")
    f.close()


def test_no_backlog_starts_at_end_and_new_lines_follow(logdir: Path) -> None:
    (logdir / "broker.log").write_text(event(0))
    f = DirFollower(logdir)
    assert not chunks(f.poll_once())
    with open(logdir / "broker.log", "a") as w:
        w.write(event(1))
    items = drain(f)
    assert seqs(items) == [1]
    assert chunks(items)[0].first_line_no == 2
    f.close()


def test_files_in_subdirs_and_new_files_followed_but_otherdays_skipped(logdir: Path) -> None:
    (logdir / "otherdays").mkdir()
    (logdir / "otherdays" / "broker.1.log").write_text(event(999))
    (logdir / "namesrv.log").write_text("")
    f = DirFollower(logdir, backlog=10)
    f.poll_once()
    assert f.followed == ["namesrv.log"]
    (logdir / "broker-a_0").mkdir()
    (logdir / "broker-a_0" / "broker.log").write_text(event(1))  # isolateLogEnable layout, appears later
    (logdir / "store.log").write_text(event(2))
    (logdir / "notes.txt").write_text("not a log")
    items = drain(f)
    assert f.followed == ["broker-a_0/broker.log", "namesrv.log", "store.log"]
    assert seqs(items, "broker-a_0/broker.log") == [1]  # a file that appears later is read from 0
    assert seqs(items, "store.log") == [2]
    assert 999 not in seqs(items)
    f.close()


def test_lines_of_several_files_arrive_interleaved_in_arrival_order(logdir: Path) -> None:
    a, b = logdir / "broker.log", logdir / "store.log"
    a.write_text("")
    b.write_text("")
    f = DirFollower(logdir)
    f.poll_once()
    order = []
    for i in range(6):
        target = a if i % 2 == 0 else b
        with open(target, "a") as w:
            w.write(event(i))
        order += seqs(drain(f))
    assert order == [0, 1, 2, 3, 4, 5]
    f.close()


def test_include_glob_limits_files(logdir: Path) -> None:
    for n in ("broker.log", "store.log", "remoting.log"):
        (logdir / n).write_text(event(1))
    f = DirFollower(logdir, include="st*.log", backlog=1)
    f.poll_once()
    assert f.followed == ["store.log"]
    f.close()


def test_single_file_root(logdir: Path) -> None:
    (logdir / "broker.log").write_text(event(1))
    (logdir / "store.log").write_text(event(2))
    f = DirFollower(logdir / "store.log", backlog=1)
    assert seqs(f.poll_once()) == [2]
    assert f.followed == ["store.log"]
    f.close()


# ------------------------------------------------------------------ multi-line records


def test_record_split_across_writes_is_delivered_in_one_chunk(logdir: Path) -> None:
    p = logdir / "broker.log"
    p.write_text("")
    f = DirFollower(logdir)
    f.poll_once()
    with open(p, "a") as w:
        w.write("2026-11-28 08:00:00 WARN t - registerBroker Exception, 10.0.0.1:9876\n")
        w.flush()
        assert not chunks(f.poll_once())  # held back: its stack trace may still be coming
        w.write("java.net.ConnectException: refused\n\tat x.y(Z.java:1)\n")
        w.flush()
        assert not chunks(f.poll_once())
        w.write("2026-11-28 08:00:01 INFO t - next record\n")
    items = f.poll_once()
    (c,) = chunks(items)
    assert c.n_lines == 3 and c.text.endswith("\tat x.y(Z.java:1)")
    (c2,) = chunks(f.poll_once(final=True))
    assert c2.first_line_no == 4 and c2.text == "2026-11-28 08:00:01 INFO t - next record"
    f.close()


def test_held_record_is_released_after_settle_time(logdir: Path) -> None:
    p = logdir / "broker.log"
    p.write_text("")
    f = DirFollower(logdir, settle=0.01)
    f.poll_once()
    with open(p, "a") as w:
        w.write(event(7))
    assert not chunks(f.poll_once())
    deadline = time.monotonic() + 5
    got: list = []
    while not got and time.monotonic() < deadline:
        time.sleep(0.005)
        got = chunks(f.poll_once())
    assert seqs(got) == [7]
    f.close()


def test_record_start_matches_catalogue_layouts() -> None:
    assert looks_like_record_start(b"2024-03-05 14:07:31 INFO main - x")
    assert looks_like_record_start(b"2024-03-05 14:07:31,123 INFO main - x")  # edited config, ms
    assert not looks_like_record_start(b"\tat org.apache.X.y(X.java:1)")
    assert not looks_like_record_start(b"Caused by: java.io.IOException")
    assert not looks_like_record_start(b"")


# ------------------------------------------------------------------ rotation, truncation, deletion


@pytest.mark.parametrize("gz", [True, False], ids=["gzip-and-delete", "rename"])
def test_logback_rotation_loses_and_duplicates_nothing(logdir: Path, gz: bool) -> None:
    w = LogbackWriter(logdir, max_bytes=2000, max_index=3, gz=gz)
    f = DirFollower(logdir)
    items = f.poll_once()
    n = 0
    for burst in range(40):
        for _ in range(burst % 7 + 1):
            w.append(event(n, stack=2 if n % 5 == 0 else 0))
            n += 1
        items += drain(f, settle=False)
    items += f.poll_once(final=True)
    w.close()
    assert w.rollovers >= 5
    assert seqs(items) == list(range(n))
    assert len(notices(items, "rotated")) == w.rollovers and not notices(items, "deleted")
    # line numbers restart with each new file and never skip
    expect = 1
    for c in chunks(items):
        if c.first_line_no == 1:
            expect = 1
        assert c.first_line_no == expect
        expect += c.n_lines
    f.close()


def test_old_inode_is_read_to_eof_when_rotation_happens_between_polls(logdir: Path) -> None:
    w = LogbackWriter(logdir, max_bytes=10**9, gz=True)
    f = DirFollower(logdir)
    f.poll_once()
    for i in range(50):
        w.append(event(i))
    w.rollover()  # rotated before we ever read those 50 lines
    for i in range(50, 60):
        w.append(event(i))
    items = f.poll_once()  # one cycle: old file to its end, then the new one (no extra wait)
    assert seqs(items) == list(range(59))  # the last record is held back (it may still grow)
    items += f.poll_once(final=True)
    w.close()
    assert seqs(items) == list(range(60))
    assert notices(items, "rotated")
    f.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("write"), st.integers(1, 30), st.integers(0, 4)),
            st.tuples(st.just("poll"), st.just(0), st.just(0)),
            st.tuples(st.just("rotate"), st.just(0), st.just(0)),
        ),
        max_size=40,
    ),
    gz=st.booleans(),
)
def test_any_schedule_of_writes_rotations_and_polls_is_lossless(tmp_path_factory, ops, gz) -> None:
    """Invariant: with at most one rotation between two reads, every record arrives once, in order."""
    logdir = tmp_path_factory.mktemp("logs")
    w = LogbackWriter(logdir, max_bytes=1500, max_index=2, gz=gz)
    f = DirFollower(logdir)
    items = f.poll_once()
    n = 0
    rotated_since_poll = False
    for op, k, stack in ops:
        if op == "write":
            for _ in range(k):
                if os.fstat(w._fd).st_size >= w.max_bytes:
                    if rotated_since_poll:
                        items += f.poll_once()
                    rotated_since_poll = True
                w.append(event(n, stack=stack))
                n += 1
        elif op == "rotate":
            if rotated_since_poll:
                items += f.poll_once()
            w.rollover()
            rotated_since_poll = True
        else:
            items += f.poll_once()
            rotated_since_poll = False
    items += f.poll_once() + f.poll_once(final=True)
    w.close()
    f.close()
    assert seqs(items) == list(range(n))


def test_truncation_restarts_at_zero_and_says_so(logdir: Path) -> None:
    p = logdir / "broker.log"
    p.write_text("".join(event(i) for i in range(10)))
    f = DirFollower(logdir)
    f.poll_once()
    with open(p, "r+") as w:
        w.truncate(0)
    with open(p, "a") as w:
        w.write(event(100))
    items = drain(f)
    assert notices(items, "truncated")
    (c,) = chunks(items)
    assert c.first_line_no == 1 and seqs(items) == [100]
    f.close()


def test_deleted_file_still_written_by_its_writer_is_drained(logdir: Path) -> None:
    p = logdir / "broker.log"
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    f = DirFollower(logdir, orphan_grace=60)
    f.poll_once()
    os.write(fd, event(1).encode())
    p.unlink()
    os.write(fd, event(2).encode())  # the writer does not know: lines go to the unlinked inode
    items = drain(f)
    os.write(fd, event(3).encode())
    items += drain(f)
    os.close(fd)
    assert seqs(items) == [1, 2, 3]
    p.write_text(event(4))  # recreated: followed from 0
    items = drain(f)
    assert seqs(items) == [4]
    assert notices(items, "rotated")
    f.close()


def test_deleted_file_is_reported_after_the_grace_period(logdir: Path) -> None:
    p = logdir / "broker.log"
    p.write_text(event(1))
    f = DirFollower(logdir, orphan_grace=0.0)
    f.poll_once()
    with open(p, "a") as w:
        w.write(event(2))
    p.unlink()
    items = drain(f)
    assert seqs(items) == [2]
    assert [n.file for n in notices(items, "deleted")] == ["broker.log"]
    assert f.followed == [] and not f._orphans
    f.close()


def test_file_replaced_by_directory_is_a_warning_not_a_crash(logdir: Path) -> None:
    p = logdir / "broker.log"
    p.write_text(event(1))
    f = DirFollower(logdir)
    f.poll_once()
    with open(p, "a") as w:
        w.write(event(2))
    os.rename(p, logdir / "moved.tmp")
    p.mkdir()
    items = drain(f)
    assert seqs(items) == [2]  # the old inode was drained first
    assert [n.warning_kind for n in notices(items, "warning")] == ["replaced"]
    assert f.warnings.counts == {"replaced": 1}
    drain(f)
    assert f.warnings.counts == {"replaced": 1}  # counted once, not once per poll
    f.close()


# ------------------------------------------------------------------ bad input


def test_invalid_utf8_and_nul_bytes_are_counted_and_replaced(logdir: Path) -> None:
    p = logdir / "broker.log"
    p.write_text("")
    f = DirFollower(logdir, record_start=None)
    f.poll_once()
    p.write_bytes(b"2026-11-28 08:00:00 INFO t - caf\xc3 \xff\xfe\n" + b"\x00\x01\x02 garbage\n")
    items = drain(f)
    (c,) = chunks(items)
    assert "\ufffd" in c.text and "\x00" in c.text
    assert f.warnings.counts == {"invalid_utf8": 1, "binary": 1}
    assert {n.warning_kind for n in notices(items, "warning")} == {"invalid_utf8", "binary"}
    f.close()


def test_megabyte_lines_are_cut_with_bounded_memory(logdir: Path) -> None:
    p = logdir / "broker.log"
    p.write_text("")
    f = DirFollower(logdir, max_line_bytes=64 * 1024, read_budget=256 * 1024)
    f.poll_once()
    with open(p, "ab") as w:
        w.write(b"2026-11-28 08:00:00 INFO t - " + b"x" * (3 << 20) + b"\n")
        w.write(event(1).encode())
        w.write(b"y" * (2 << 20))  # unterminated: still being written
    items = []
    for _ in range(40):
        items += f.poll_once()
        t = f._tracked["broker.log"]
        assert t.partial_len <= 64 * 1024
    items += f.poll_once(final=True)
    lines = [ln for c in chunks(items) for ln in c.lines()]
    assert len(lines[0]) == 64 * 1024 and lines[0].startswith("2026-11-28 08:00:00 INFO t - xxx")
    assert seqs(items) == [1]
    assert f.warnings.counts["long_line"] >= 2
    f.close()


def test_fifo_named_like_a_log_does_not_hang(logdir: Path) -> None:
    os.mkfifo(logdir / "weird.log")
    (logdir / "broker.log").write_text(event(1))
    f = DirFollower(logdir, backlog=1)
    items = f.poll_once()
    assert seqs(items) == [1]
    assert f.warnings.counts == {"not_a_file": 1}
    f.close()


def test_unreadable_file_is_a_counted_warning(logdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root ignores permission bits, so the denial is simulated at the open call."""
    import rmqinspect.live.follow as follow

    (logdir / "broker.log").write_text(event(1))
    (logdir / "secret.log").write_text(event(2))
    real = follow._open_ro

    def deny(path: str) -> int:
        if path.endswith("secret.log"):
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(follow, "_open_ro", deny)
    f = DirFollower(logdir, backlog=1)
    items = f.poll_once() + f.poll_once() + f.poll_once()
    assert seqs(items) == [1]
    assert f.warnings.counts == {"permission_denied": 1}
    f.close()


def test_missing_root_waits_for_it(tmp_path: Path) -> None:
    root = tmp_path / "later"
    f = DirFollower(root)
    f.poll_once()
    f.poll_once()
    assert f.warnings.counts == {"root_missing": 1}
    root.mkdir()
    (root / "broker.log").write_text(event(5))
    assert seqs(drain(f)) == [5]
    f.close()


# ------------------------------------------------------------------ read-only


def _snapshot(d: Path) -> dict:
    out = {}
    for p in sorted(d.rglob("*")):
        s = p.lstat()
        out[str(p.relative_to(d))] = (s.st_mode, s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino)
    s = d.lstat()
    out["."] = (s.st_mode, s.st_mtime_ns, s.st_ctime_ns)
    return out


@pytest.mark.parametrize("use_watchdog", [True, False], ids=["inotify", "poll"])
def test_follower_never_touches_the_log_directory(logdir: Path, use_watchdog: bool) -> None:
    w = LogbackWriter(logdir, max_bytes=1500, max_index=2)
    for i in range(40):
        w.append(event(i))
    before = _snapshot(logdir)
    with DirFollower(logdir, backlog=100, use_watchdog=use_watchdog) as f:
        wait_for(f, lambda got: bool(notices(got, "backlog_end")))
        assert _snapshot(logdir) == before
    assert _snapshot(logdir) == before
    w.close()
    # and no descriptor is left open on it
    fds = os.listdir("/proc/self/fd")
    assert not [x for x in fds if os.path.realpath(f"/proc/self/fd/{x}").startswith(str(logdir))]


# ------------------------------------------------------------------ threaded, both wake-up modes


class GatedWriter(LogbackWriter):
    """Rolls only after the reader has seen everything written so far.

    The follower's one limit: if a file is rotated away *twice* between two reads, the middle file is gone
    (gzipped and unlinked) before it could be opened. Logback rolls at 100-128 MB, so that needs > 400 MB/s
    of logging; this gate keeps the threaded test to that real-world condition, deterministically.
    """

    def __init__(self, *a, **k) -> None:
        super().__init__(*a, **k)
        self.written = 0
        self.seen = 0
        self.cond = threading.Condition()

    def rollover(self) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: self.seen >= self.written, timeout=30)
        super().rollover()


@pytest.mark.parametrize("use_watchdog", [True, False], ids=["inotify", "poll"])
def test_threaded_follow_through_rotations(logdir: Path, use_watchdog: bool) -> None:
    w = GatedWriter(logdir, max_bytes=3000, max_index=3, gz=True)
    total = 600
    with DirFollower(logdir, use_watchdog=use_watchdog, poll_interval=0.02) as f:
        assert f.mode == ("inotify" if use_watchdog else "poll")
        wait_for(f, lambda got: bool(notices(got, "backlog_end")))

        def write() -> None:
            for i in range(total):
                w.append(event(i, stack=1 if i % 9 == 0 else 0))
                with w.cond:
                    w.written = i + 1

        th = threading.Thread(target=write)
        th.start()
        got: list = []
        deadline = time.monotonic() + 60
        while len(seqs(got)) < total and time.monotonic() < deadline:
            got += f.get(timeout=0.05)
            with w.cond:
                w.seen = len(seqs(got))
                w.cond.notify_all()
        th.join()
    w.close()
    assert w.rollovers >= 10
    assert seqs(got) == list(range(total))


def test_stop_is_prompt_and_idempotent(logdir: Path) -> None:
    f = DirFollower(logdir).start()
    t0 = time.monotonic()
    f.stop()
    f.stop()
    assert time.monotonic() - t0 < 2


def test_mode_falls_back_to_polling_when_inotify_fails(logdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import watchdog.observers.inotify as ino

    def boom(*a, **k):
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(ino, "InotifyObserver", boom)
    (logdir / "broker.log").write_text("")
    with DirFollower(logdir, poll_interval=0.05) as f:
        assert f.mode == "poll"
        got = wait_for(f, lambda g: bool(notices(g, "backlog_end")))
        assert [n.warning_kind for n in notices(got, "warning")] == ["no_inotify"]
        with open(logdir / "broker.log", "a") as w:
            w.write(event(3))
        got = wait_for(f, lambda g: seqs(g) == [3])


def test_permissions_of_log_files_are_unchanged(logdir: Path) -> None:
    p = logdir / "broker.log"
    p.write_text(event(1))
    os.chmod(p, 0o440)
    f = DirFollower(logdir, backlog=1)
    assert seqs(f.poll_once()) == [1]
    f.close()
    assert stat.S_IMODE(p.stat().st_mode) == 0o440


def test_a_big_unread_rotated_file_is_drained_in_bounded_steps_before_its_successor(logdir: Path) -> None:
    w = LogbackWriter(logdir, max_bytes=10**9, gz=False)
    f = DirFollower(logdir, read_budget=256 * 1024)
    f.poll_once()
    n = 40_000  # ~2.7 MB unread when the rotation happens
    for i in range(n):
        w.append(event(i))
    w.rollover()
    w.append(event(n))
    items: list = []
    for _ in range(200):
        got = f.poll_once()
        text = sum(len(c.text) for c in chunks(got))
        assert text <= 256 * 1024 + 200  # one cycle never holds more than the budget (+ one line)
        items += got
        if seqs(items)[-1:] == [n]:
            break
    items += f.poll_once(final=True)
    w.close()
    assert seqs(items) == list(range(n + 1))
    rot = notices(items, "rotated")
    assert len(rot) == 1
    assert items.index(rot[0]) < next(
        i for i, c in enumerate(items) if isinstance(c, Chunk) and f"seq={n} " in c.text
    )
    f.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(
        st.one_of(
            st.text(
                alphabet=st.characters(blacklist_characters="\n\r", blacklist_categories=["Cs"]), max_size=40
            ),
            st.integers(100, 300).map(lambda n: "L" * n),  # over max_line_bytes below
        ),
        min_size=1,
        max_size=30,
    ),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
)
def test_bytes_split_anywhere_come_back_as_the_same_lines(tmp_path_factory, lines, cuts) -> None:
    """Whatever the write boundaries (mid-line, mid-UTF-8 sequence), lines arrive whole, once, in order."""
    logdir = tmp_path_factory.mktemp("split")
    p = logdir / "x.log"
    p.write_bytes(b"")
    max_line = 128
    f = DirFollower(logdir, record_start=None, max_line_bytes=max_line)
    f.poll_once()
    data = "".join(x + "\n" for x in lines).encode()
    bounds = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    got: list = []
    with open(p, "ab") as w:
        for a, b in itertools.pairwise(bounds):
            w.write(data[a:b])
            w.flush()
            got += f.poll_once()
    got += f.poll_once(final=True)
    f.close()
    out = [ln for c in chunks(got) for ln in c.lines()]
    expect = [x.encode()[:max_line].decode("utf-8", errors="replace") for x in lines]
    assert out == expect


def test_a_slow_consumer_makes_the_reader_wait_instead_of_buffering(logdir: Path) -> None:
    """Bounded memory: unread batches are capped (queue × budget); the file is the buffer, not RAM."""
    line = event(0).encode()
    with open(logdir / "broker.log", "wb") as w:
        w.write(line * (40 * 1024 * 1024 // len(line)))  # 40 MB, all of it backlog below
    budget, qsize = 512 * 1024, 3
    f = DirFollower(logdir, backlog=10**9, read_budget=budget, queue_batches=qsize, use_watchdog=False)
    f.start()
    try:
        t_end = time.monotonic() + 1.0
        while time.monotonic() < t_end:  # nobody consumes: the reader must stall at the cap
            t = f._tracked.get("broker.log")
            assert t is None or t.pos <= (qsize + 2) * budget
            time.sleep(0.02)
        got = 0
        deadline = time.monotonic() + 60
        while got < 40 * 1024 * 1024 // len(line) and time.monotonic() < deadline:
            got += sum(c.n_lines for c in chunks(f.get_all(timeout=0.5)))
        assert got == 40 * 1024 * 1024 // len(line)  # and once consumed, everything arrives
    finally:
        f.stop()


def test_root_created_later_or_replaced_is_watched_again(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "rocketmqlogs"
    with DirFollower(root, poll_interval=0.05) as f:
        assert f.mode == "poll"  # nothing to watch yet; no "inotify unavailable" warning for that
        wait_for(f, lambda g: bool(notices(g, "backlog_end")))  # started: what appears now is new
        root.mkdir()
        (root / "broker.log").write_text(event(1))
        got = wait_for(f, lambda g: seqs(g) == [1])
        assert not [n for n in notices(got, "warning") if n.warning_kind == "no_inotify"]
        wait_for(f, lambda g: f.mode == "inotify")
        starts = f.watch_starts
        shutil.rmtree(root)  # e.g. a lab re-run regenerating the directory
        root.mkdir()
        (root / "broker.log").write_text(event(2))
        wait_for(f, lambda g: seqs(g) == [2])
        wait_for(f, lambda g: f.watch_starts > starts and f.mode == "inotify")
        (root / "broker.log").open("a").write(event(3))
        wait_for(f, lambda g: seqs(g) == [3])
