"""Follow every log file under a directory, safely across logback rotation, truncation and deletion.

Why it looks like this:

* **Strictly read-only.** Files are opened ``O_RDONLY|O_NONBLOCK`` (a FIFO named ``*.log`` must not hang
  us) with ``O_NOATIME`` where the kernel allows it; nothing is ever created, locked or written under the
  followed directory. Reads are ``os.pread`` on a kept-open descriptor, never ``mmap``: RocketMQ's logback
  truncates/deletes files under us and an mmapped read past the new end is a SIGBUS (toolong #9).
* **Rotation the logback way** (catalogue §1.4, ``FixedWindowRollingPolicy``): the live ``broker.log`` is
  closed, renamed (or gzipped into ``otherdays/broker.1.log.gz`` and unlinked) and a fresh ``broker.log``
  is created. We hold the old inode open, so when the path names a different inode we first read the old
  one to EOF, then start the new file at offset 0: no line lost, none duplicated. A path that vanishes
  (deleted, renamed away) is drained and kept open for ``orphan_grace`` seconds in case a writer still
  appends to the unlinked inode.
* **Truncation** (same inode, size below our position) restarts at 0 and says so (a :class:`Notice`).
* **Bounded memory.** At most ``read_budget`` bytes per file per cycle, one overlong line is cut at
  ``max_line_bytes`` (the rest skipped up to its newline), and batches go through a bounded queue: a slow
  consumer makes the reader wait — the files themselves are the buffer.
* **Multi-line records stay together.** With a ``record_start`` predicate, the last record read from a
  file is held back until its next record starts or the file is quiet for ``settle`` seconds, so a stack
  trace written in two ``write(2)`` calls is not interleaved with another file's lines.
* **Wake-ups**: watchdog (inotify) wakes the reader as soon as a file changes; every cycle still checks all
  files, and a timed poll is the safety net (and the whole mechanism where inotify is unavailable, e.g.
  exhausted watches or a network filesystem).

Two ways to drive it (not both at once):

* threaded: ``start()`` runs one reader thread; a consumer calls :meth:`DirFollower.get_all` (or iterates
  :meth:`DirFollower.batches`) from any thread; ``stop()`` is idempotent and closes every descriptor.
* by hand: call :meth:`DirFollower.poll_once` when you like (a UI timer, a test) and ``close()`` at the end.

Known limit: if a path is rotated *twice* between two cycles, the middle file (gzipped and unlinked by
logback before we ever opened it) is not read. With logback's 100-128 MB windows that needs >400 MB/s of
logging to one file; a ``rotated`` notice is still emitted.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import queue
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from .items import Batch, Chunk, Item, Notice, WarningCounter, coalesce


def _record_start_re() -> re.Pattern[bytes]:
    """The log side's record-start rule (``parsers.logs.layouts.HEAD_RE``, catalogue §1.5), on bytes.

    One rule for both: if the follower cut records where ``parse_text`` does not, a chunk could begin
    with a line the parser treats as a continuation of nothing. Anchored, fixed-length: no backtracking.
    """
    from ..parsers.logs.layouts import HEAD_RE

    return re.compile(HEAD_RE.encode())


_RECORD_START = _record_start_re()


def looks_like_record_start(line: bytes) -> bool:
    """True if ``line`` begins a logback record (timestamp first); continuation lines do not."""
    return _RECORD_START.match(line) is not None


DEFAULT_PATTERNS: tuple[str, ...] = ("*.log",)
#: Rolled files live under ``otherdays/`` (catalogue §1.4): their content was read when it was live.
SKIP_DIRS: frozenset[str] = frozenset({"otherdays"})


class _Tracked:
    """One followed path and the descriptor of the inode we are reading (maybe no longer at that path)."""

    __slots__ = (
        "backlog_end",
        "dev",
        "fd",
        "file",
        "ino",
        "last_data",
        "next_line_no",
        "orphan_since",
        "partial",
        "partial_len",
        "path",
        "pending",
        "pos",
        "skipping",
    )

    def __init__(self, file: str, path: str, fd: int, st: os.stat_result, pos: int, line_no: int) -> None:
        self.file = file
        self.path = path
        self.fd = fd
        self.dev = st.st_dev
        self.ino = st.st_ino
        self.pos = pos
        self.next_line_no = line_no  # number of the next line to *emit*
        self.partial: list[bytes] = []  # bytes of an unterminated last line
        self.partial_len = 0
        self.skipping = False  # inside an overlong line: drop bytes up to the next newline
        self.pending: list[bytes] = []  # complete lines held back (last, maybe unfinished, record)
        self.last_data = 0.0
        self.orphan_since: float | None = None
        self.backlog_end = 0  # bytes below this offset are backlog (existed at start)


def _open_ro(path: str) -> int:
    """Open read-only without side effects: no atime update where allowed, never block on a FIFO."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    if noatime:
        try:
            return os.open(path, flags | noatime)
        except PermissionError:
            pass  # O_NOATIME needs ownership; fall back to a plain read-only open
    return os.open(path, flags)


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _start_of_last_records(
    fd: int,
    size: int,
    n: int,
    record_start: Callable[[bytes], bool] | None,
    *,
    block: int = 1 << 16,
    max_bytes: int = 64 << 20,
) -> int:
    """Offset where the last ``n`` records (lines, without ``record_start``) of ``[0, size)`` begin.

    Scans backwards from the end in blocks (toolong's trick: the tail of a huge file costs only its tail)
    and never looks further back than ``max_bytes``. Counting *records* means a backlog never starts in
    the middle of a stack trace.
    """
    if n <= 0 or size == 0:
        return size
    found = 0
    best = size
    pos = size
    carry = b""  # the first bytes after ``pos``: a line starting at the end of a block continues there
    while pos > 0 and size - pos < max_bytes:
        start = max(0, pos - block)
        data = os.pread(fd, pos - start, start) + carry
        idx = pos - start
        while True:
            idx = data.rfind(b"\n", 0, idx)
            if idx < 0:
                break
            line_at = start + idx + 1
            if line_at >= size:
                continue  # the final newline ends the last line; it does not start one
            if record_start is None or record_start(data[idx + 1 : idx + 65]):
                best = line_at
                found += 1
                if found == n:
                    return line_at
        carry = data[:64]
        pos = start
    return 0 if pos == 0 else best


def _count_newlines(fd: int, end: int, block: int = 1 << 20) -> int:
    """Number of newlines in ``[0, end)``, read in blocks (bounded memory) so line numbers match the file."""
    count = 0
    pos = 0
    while pos < end:
        data = os.pread(fd, min(block, end - pos), pos)
        if not data:
            break
        count += data.count(b"\n")
        pos += len(data)
    return count


class DirFollower:
    """Follow every log file under ``root`` (recursively, including files created later).

    ``root`` may also be a single file. ``backlog`` is the number of last records (lines if
    ``record_start`` is None) of each file present at start to deliver first (flagged ``Chunk.backlog``);
    files appearing later are read from offset 0.
    ``include`` is an optional glob matched against the relative path or the file name (``--file``).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        backlog: int = 0,
        include: str | None = None,
        patterns: tuple[str, ...] = DEFAULT_PATTERNS,
        record_start: Callable[[bytes], bool] | None = looks_like_record_start,
        settle: float = 0.01,
        poll_interval: float = 0.25,
        min_cycle: float = 0.005,
        use_watchdog: bool = True,
        max_line_bytes: int = 1 << 20,
        read_budget: int = 4 << 20,
        max_pending_lines: int = 2000,
        orphan_grace: float = 5.0,
        queue_batches: int = 8,
        line_numbers: bool = True,
        warnings: WarningCounter | None = None,
    ) -> None:
        p = Path(root).expanduser()
        self._only: str | None = None
        try:
            single = stat.S_ISREG(p.stat().st_mode)
        except OSError:  # missing or unreachable: followed as a directory that may appear later
            single = False
        if single:
            self._only = p.name
            p = p.parent
        self.root = os.path.abspath(p)
        self.backlog = max(0, backlog)
        self.include = include
        self.patterns = patterns
        self.record_start = record_start
        self.settle = settle
        self.poll_interval = poll_interval
        self.min_cycle = min_cycle
        self.use_watchdog = use_watchdog
        self.max_line_bytes = max_line_bytes
        self.read_budget = read_budget
        self.max_pending_lines = max_pending_lines
        self.orphan_grace = orphan_grace
        self.line_numbers = line_numbers
        self.warnings = warnings if warnings is not None else WarningCounter()
        self.mode: Literal["inotify", "poll", "manual"] = "manual"

        self._tracked: dict[str, _Tracked] = {}  # by relative path (the live name)
        self._orphans: list[_Tracked] = []  # vanished paths whose inode we still drain
        self._failed: dict[str, tuple[int, int, int]] = {}  # path -> (dev, ino, mtime_ns) of a failed open
        self._conditions: set[tuple[str, str]] = set()
        self._more = False  # a file had more to read than this cycle's budget: don't sleep
        self._inotify_failed = False
        self._root_id: tuple[int, int] | None = None
        self._root_lost = False
        self.watch_starts = 0  # how many times an inotify watch was set up (root appeared/replaced)
        self._started = False
        self._backlog_done = False
        self._rescan_due = True
        self._last_scan = 0.0
        self._out: list[Item] = []
        self._q: queue.Queue[Batch] = queue.Queue(maxsize=max(1, queue_batches))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer: Any = None
        self._error: BaseException | None = None

    # ------------------------------------------------------------------ public API

    def start(self) -> DirFollower:
        """Start the reader thread (and the watchdog observer unless disabled or unavailable)."""
        if self._thread is not None:
            return self
        self.mode = "poll"
        if self.use_watchdog:
            self._start_observer()
        self._thread = threading.Thread(target=self._run, name="rmqinspect-follow", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the reader and the observer and close every descriptor. Safe to call twice."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._observer is not None:  # after the reader: it may (re)start the observer until it stops
            with contextlib.suppress(Exception):
                self._observer.stop()
                self._observer.join(timeout)
            self._observer = None
        self.close()

    def close(self) -> None:
        for t in [*self._tracked.values(), *self._orphans]:
            _close(t.fd)
        self._tracked.clear()
        self._orphans.clear()

    def __enter__(self) -> DirFollower:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def get(self, timeout: float | None = None) -> Batch:
        """Next batch of items (in arrival order), or ``[]`` after ``timeout`` seconds without one."""
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        try:
            return self._q.get(timeout=timeout)
        except queue.Empty:
            return []

    def get_all(self, timeout: float | None = None) -> Batch:
        """Everything queued so far as one coalesced batch (waits up to ``timeout`` for the first).

        A consumer that parses per batch pays a fixed cost per call (a Polars parse is ~2 ms); taking all
        that queued while it was busy keeps that cost per *consumer turn*, not per file write, so a slow
        turn makes the next one bigger instead of making the queue longer.
        """
        items = self.get(timeout)
        if not items:
            return items
        items = list(items)
        while True:
            try:
                items += self._q.get_nowait()
            except queue.Empty:
                break
        return coalesce(items)

    def batches(
        self,
        timeout: float = 0.1,
        min_interval: float = 0.0,
        busy_interval: float | None = None,
        busy_lines: int = 500,
    ) -> Iterator[Batch]:
        """Yield non-empty coalesced batches until :meth:`stop` is called (from another thread or a signal).

        Pacing, for a consumer that pays a fixed cost per turn (a Polars parse: ~5 ms and more, per file)
        however few lines arrived: turns as fast as lines trickle in would burn half a core on a quiet log,
        so a small turn starts ``min_interval`` after the previous one at the earliest. A big turn
        (``busy_lines`` or more) has its cost spread over many lines: then only ``busy_interval`` (default
        ``min_interval``) applies, so a fast stream is not held back. (Capping the consumer's CPU share
        instead was tried: on a loaded host it made turns rarer exactly when they were slow, and the tail
        fell seconds behind.)
        """
        while not self._stop.is_set():
            b = self.get_all(timeout)
            if not b:
                continue
            t0 = time.monotonic()
            yield b
            n = sum(c.n_lines for c in b if isinstance(c, Chunk))
            period = busy_interval if busy_interval is not None and n >= busy_lines else min_interval
            wait = t0 + period - time.monotonic()
            if wait > 0:
                self._stop.wait(wait)

    @property
    def followed(self) -> list[str]:
        """Relative paths currently followed (for status lines and tests)."""
        return sorted(self._tracked)

    def poll_once(self, *, final: bool = False) -> Batch:
        """One read cycle: rescan if due, read every file, return what arrived. ``final`` flushes all held lines."""
        now = time.monotonic()
        out = self._out  # may already hold a notice from start() (e.g. "polling instead of inotify")
        self._more = False
        if not self._started:
            self._scan(initial=True)
            self._started = True
            self._last_scan = now
        elif self._rescan_due or self.mode != "inotify" or now - self._last_scan >= 1.0:
            self._rescan_due = False
            self._watch_root()
            self._scan(initial=False)
            self._last_scan = now
        for t in list(self._orphans):
            self._drain_orphan(t, now)
        for rel in list(self._tracked):
            tracked = self._tracked.get(rel)
            if tracked is not None:
                self._check(tracked, now)
        if final:
            for t in [*self._tracked.values(), *self._orphans]:
                self._flush(t, partial=True)
        if not self._backlog_done and all(t.pos >= t.backlog_end for t in self._tracked.values()):
            self._backlog_done = True
            for t in self._tracked.values():
                self._flush(t, partial=False)  # backlog records are complete: don't hold them back
            out.append(Notice("backlog_end", "", f"{len(self._tracked)} files"))
        self._out = []
        return out

    def next_deadline(self) -> float:
        """Seconds until a held-back record must be flushed (the reader never sleeps past it)."""
        if self._more:
            return 0.0
        now = time.monotonic()
        wait = self.poll_interval
        for t in self._tracked.values():
            if t.pending:
                wait = min(wait, max(0.0, t.last_data + self.settle - now))
        return wait

    # ------------------------------------------------------------------ reader thread

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._wake.clear()  # before reading: a change during the cycle wakes the next one
                batch = self.poll_once()
                if batch:
                    self._put(batch)
                    # a busy file: let a few more writes land so one cycle reads them all (CPU per line)
                    self._stop.wait(self.min_cycle)
                self._wake.wait(self.next_deadline())
            batch = self.poll_once(final=True)
            if batch:
                with contextlib.suppress(queue.Full):
                    self._q.put_nowait(batch)
        except BaseException as e:  # surfaced to the consumer by get(); never lost in a thread
            self._error = e
            with contextlib.suppress(queue.Full):
                self._q.put_nowait([Notice("warning", "", f"follower stopped: {e}", "internal")])

    def _put(self, batch: Batch) -> None:
        while not self._stop.is_set():
            try:
                self._q.put(batch, timeout=0.1)
                return
            except queue.Full:
                continue

    def _watch_root(self) -> None:
        """(Re)start inotify when the root appears or is replaced (a recreated directory is a new inode
        whose events the old watch never sees); until then the timed poll covers it."""
        if not self.use_watchdog or self._inotify_failed or self._thread is None or self._stop.is_set():
            return
        try:
            st = os.stat(self.root)
        except OSError:
            return
        if self._observer is not None and self._root_id == (st.st_dev, st.st_ino) and not self._root_lost:
            return  # (inode numbers are reused: a deleted root is also known from its own event)
        if self._observer is not None:
            with contextlib.suppress(Exception):
                self._observer.stop()
            self._observer = None
        self._start_observer()

    def _start_observer(self) -> None:
        """inotify via watchdog; any failure (no inotify, watch limit, odd filesystem) means polling."""
        self.mode = "poll"
        try:
            st = os.stat(self.root)
        except OSError:
            return  # not there yet: polled until it appears, then watched (see _watch_root)
        try:
            from watchdog.events import (
                DirCreatedEvent,
                DirDeletedEvent,
                DirMovedEvent,
                FileClosedEvent,
                FileCreatedEvent,
                FileDeletedEvent,
                FileModifiedEvent,
                FileMovedEvent,
                FileSystemEventHandler,
            )
            from watchdog.observers.inotify import InotifyObserver

            follower = self

            class _Wake(FileSystemEventHandler):
                def on_any_event(self, event: Any) -> None:
                    if event.event_type in ("created", "deleted", "moved"):
                        follower._rescan_due = True
                        if event.event_type != "created" and os.fsdecode(event.src_path) == follower.root:
                            follower._root_lost = True  # this watch is dead; _watch_root starts a new one
                    follower._wake.set()

            obs = InotifyObserver()
            obs.daemon = True
            obs.schedule(
                _Wake(),
                self.root,
                recursive=True,
                event_filter=[
                    FileModifiedEvent,
                    FileCreatedEvent,
                    FileDeletedEvent,
                    FileMovedEvent,
                    FileClosedEvent,
                    DirCreatedEvent,
                    DirDeletedEvent,
                    DirMovedEvent,
                ],
            )
            obs.start()
        except Exception as e:  # ImportError, OSError (ENOSPC watches, ENOSYS), watchdog internals
            self._inotify_failed = True
            self.poll_interval = min(self.poll_interval, 0.1)
            self._warn("no_inotify", "", f"inotify unavailable ({e}); polling every {self.poll_interval:g}s")
            return
        self._observer = obs
        self._root_id = (st.st_dev, st.st_ino)
        self._root_lost = False
        self.watch_starts += 1
        self.mode = "inotify"

    # ------------------------------------------------------------------ discovery

    def _wanted(self, rel: str, name: str) -> bool:
        if self._only is not None:
            return rel == self._only
        if not any(fnmatch.fnmatch(name, p) for p in self.patterns):
            return False
        if self.include and not (fnmatch.fnmatch(rel, self.include) or fnmatch.fnmatch(name, self.include)):
            return False
        return True

    def _walk(self) -> Iterator[tuple[str, str]]:
        """(relative path, absolute path) of candidate files, skipping ``otherdays`` and unreadable dirs."""
        stack = [""]
        while stack:
            rel_dir = stack.pop()
            abs_dir = os.path.join(self.root, rel_dir) if rel_dir else self.root
            try:
                with os.scandir(abs_dir) as it:
                    entries = list(it)
            except FileNotFoundError:
                if not rel_dir:
                    self._warn_once("root_missing", "", f"{self.root} does not exist (waiting for it)")
                continue
            except NotADirectoryError:
                continue
            except OSError as e:
                self._warn_once("unreadable_dir", rel_dir or ".", f"cannot list {abs_dir}: {e.strerror or e}")
                continue
            for ent in sorted(entries, key=lambda e: e.name):
                rel = f"{rel_dir}/{ent.name}" if rel_dir else ent.name
                try:
                    is_dir = ent.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    if ent.name not in SKIP_DIRS and self._only is None:
                        stack.append(rel)
                elif self._wanted(rel, ent.name):
                    yield rel, ent.path

    def _scan(self, *, initial: bool) -> None:
        for rel, path in self._walk():
            if rel not in self._tracked:
                self._open(rel, path, initial=initial)

    def _open(self, rel: str, path: str, *, initial: bool, notice: bool = True) -> _Tracked | None:
        """Start following ``path``: from its end (minus backlog) at start, from 0 if it appeared later."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        sig = (st.st_dev, st.st_ino, st.st_mtime_ns)
        if self._failed.get(path) == sig:
            return None  # same failure as last time: don't retry (or re-warn) every cycle
        if not stat.S_ISREG(st.st_mode):
            self._failed[path] = sig
            self._warn("not_a_file", rel, f"{rel} is not a regular file; not followed")
            return None
        try:
            fd = _open_ro(path)
            fst = os.fstat(fd)
        except OSError as e:
            self._failed[path] = sig
            kind = "permission_denied" if e.errno in (errno.EACCES, errno.EPERM) else "open_failed"
            self._warn(kind, rel, f"cannot read {rel}: {e.strerror or e}")
            return None
        if not stat.S_ISREG(fst.st_mode):
            _close(fd)
            self._failed[path] = sig
            self._warn("not_a_file", rel, f"{rel} is not a regular file; not followed")
            return None
        self._failed.pop(path, None)
        pos, line_no, backlog_end = 0, 1, 0
        if initial:
            size = fst.st_size
            try:
                pos = _start_of_last_records(fd, size, self.backlog, self.record_start)
                line_no = _count_newlines(fd, pos) + 1 if self.line_numbers else 0
            except OSError as e:
                self._warn("read_failed", rel, f"cannot read {rel}: {e.strerror or e}")
                pos, line_no = size, 0
            backlog_end = size
        t = _Tracked(rel, path, fd, fst, pos, line_no)
        t.backlog_end = backlog_end
        self._tracked[rel] = t
        if notice and not self._waiting_for_orphan(rel):  # else "rotated" once the old file is done
            self._out.append(Notice("opened", rel, "from start" if not initial else f"at byte {pos}"))
        return t

    # ------------------------------------------------------------------ per-file cycle

    def _check(self, t: _Tracked, now: float) -> None:
        """Detect rotation/deletion/replacement/truncation of ``t.path``, then read what is new."""
        try:
            st: os.stat_result | None = os.stat(t.path)
        except FileNotFoundError:
            st = None
        except OSError:
            st = None  # e.g. a parent became unreadable: treat like a vanished path
        if st is None or (st.st_dev, st.st_ino) != (t.dev, t.ino):
            # Rotated, deleted or replaced. The old inode stays open and is read to its end first (over
            # several cycles if it is big: bounded memory); the path's new file waits for it.
            del self._tracked[t.file]
            t.orphan_since = now
            self._orphans.append(t)
            if st is not None and stat.S_ISREG(st.st_mode):
                self._open(t.file, t.path, initial=False, notice=False)
            elif st is not None:
                self._warn("replaced", t.file, f"{t.file} was replaced by a non-regular file; stopped")
            self._drain_orphan(t, now)
            return
        if self._waiting_for_orphan(t.file):
            return  # the previous file at this path is not read to its end yet
        try:
            size = os.fstat(t.fd).st_size
        except OSError:
            size = t.pos
        if size < t.pos:
            self._flush(t, partial=True)
            t.pos = 0
            t.next_line_no = 1 if self.line_numbers else 0
            t.skipping = False
            self._out.append(Notice("truncated", t.file, f"file shrank to {size} bytes; reading from 0"))
        self._read(t)
        if t.pending and (now - t.last_data >= self.settle or len(t.pending) > self.max_pending_lines):
            self._flush(t, partial=False)

    def _waiting_for_orphan(self, rel: str) -> bool:
        return any(o.file == rel for o in self._orphans)

    def _drain_orphan(self, t: _Tracked, now: float) -> None:
        """Read a file that left its path; close it at its end once a successor exists, or after the grace.

        Logback closes the old file before rolling, so its end is final; a writer that still appends to
        a deleted file (``rm`` under a running process) keeps it alive for ``orphan_grace`` seconds.
        """
        if self._read(t) >= self.read_budget:
            return  # not at its end yet (the next cycle comes at once: see _more)
        successor = t.file in self._tracked
        if successor or now - max(t.orphan_since or 0.0, t.last_data) >= self.orphan_grace:
            self._finish(t)
            self._orphans.remove(t)
            if successor:
                self._out.append(Notice("rotated", t.file, "old file read to its end; new file from 0"))
                new = self._tracked[t.file]
                if not self._waiting_for_orphan(t.file):
                    self._read(new)
            else:
                self._out.append(Notice("deleted", t.file, "file removed; it was read to its end"))

    def _finish(self, t: _Tracked) -> None:
        self._flush(t, partial=True)
        _close(t.fd)

    def _read(self, t: _Tracked) -> int:
        """Read up to ``read_budget`` new bytes of ``t`` into lines; returns the number of bytes read."""
        budget = self.read_budget
        total = 0
        lines: list[bytes] = []
        backlog = t.pos < t.backlog_end
        while budget > 0:
            want = min(1 << 20, budget)
            if backlog:
                want = min(want, t.backlog_end - t.pos)
            try:
                data = os.pread(t.fd, want, t.pos)
            except OSError as e:
                self._warn("read_failed", t.file, f"cannot read {t.file}: {e.strerror or e}")
                break
            if not data:
                break
            t.pos += len(data)
            total += len(data)
            budget -= len(data)
            if budget <= 0:
                self._more = True  # more may be waiting: the reader runs the next cycle at once
            t.last_data = time.monotonic()
            self._split(t, data, lines)
            if backlog and t.pos >= t.backlog_end:
                break  # emit the backlog as its own chunk(s) before live data
        if lines:
            self._emit(t, lines, backlog=backlog)
        return total

    def _split(self, t: _Tracked, data: bytes, lines: list[bytes]) -> None:
        start = 0
        if t.skipping:
            nl = data.find(b"\n")
            if nl < 0:
                return
            t.skipping = False
            start = nl + 1
        while True:
            nl = data.find(b"\n", start)
            if nl < 0:
                break
            if t.partial:
                t.partial.append(data[start:nl])
                line = b"".join(t.partial)
                t.partial.clear()
                t.partial_len = 0
                if len(line) > self.max_line_bytes:
                    line = self._cut(t, line)
                lines.append(line)
                start = nl + 1
                continue
            # fast path: everything up to the last newline in one split
            last = data.rfind(b"\n")
            block = data[start:last].split(b"\n")
            if max(map(len, block)) > self.max_line_bytes:
                block = [self._cut(t, x) if len(x) > self.max_line_bytes else x for x in block]
            lines.extend(block)
            start = last + 1
            break
        rest = data[start:]
        if rest:
            t.partial.append(rest)
            t.partial_len += len(rest)
            if t.partial_len > self.max_line_bytes:
                line = b"".join(t.partial)
                t.partial.clear()
                t.partial_len = 0
                lines.append(self._cut(t, line))
                t.skipping = True

    def _cut(self, t: _Tracked, line: bytes) -> bytes:
        self._warn("long_line", t.file, f"a line in {t.file} is over {self.max_line_bytes} bytes; cut")
        return line[: self.max_line_bytes]

    def _emit(self, t: _Tracked, lines: list[bytes], *, backlog: bool) -> None:
        """Emit complete records; hold the last one back when it may still grow (see module doc)."""
        if self.record_start is not None and not backlog:
            combined = t.pending + lines if t.pending else lines
            cut = 0
            for i in range(len(combined) - 1, -1, -1):
                if self.record_start(combined[i]):
                    cut = i
                    break
            t.pending = combined[cut:]
            if cut == 0:
                if len(t.pending) > self.max_pending_lines:
                    self._flush(t, partial=False)
                return
            self._chunk(t, combined[:cut], backlog=False)
            return
        if t.pending:
            lines = t.pending + lines
            t.pending = []
        self._chunk(t, lines, backlog=backlog)

    def _flush(self, t: _Tracked, *, partial: bool) -> None:
        """Emit held-back lines (and, when the file is finished, an unterminated last line)."""
        if partial and t.partial and not t.skipping:
            t.pending.append(b"".join(t.partial))
        if partial:
            t.partial.clear()
            t.partial_len = 0
        if t.pending:
            lines, t.pending = t.pending, []
            self._chunk(t, lines, backlog=False)

    def _chunk(self, t: _Tracked, lines: list[bytes], *, backlog: bool) -> None:
        raw = b"\n".join(lines)
        if b"\r" in raw:  # CRLF line ends (4.x client log, catalogue §1.5): the CR is part of the terminator
            raw = b"\n".join(x[:-1] if x.endswith(b"\r") else x for x in lines)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            bad = sum(1 for x in lines if not _valid_utf8(x))
            self._warn("invalid_utf8", t.file, f"{t.file}: invalid UTF-8 (shown as \ufffd)", n=bad)
        if "\x00" in text:
            self._warn(
                "binary", t.file, f"{t.file}: binary data (NUL bytes) in a log line", n=text.count("\x00")
            )
        first = t.next_line_no
        if t.next_line_no:
            t.next_line_no += len(lines)
        self._out.append(Chunk(t.file, t.path, first, text, len(lines), time.monotonic(), backlog))

    def _warn(self, kind: str, file: str, detail: str, n: int = 1) -> None:
        if self.warnings.add(kind, file, n):
            self._out.append(Notice("warning", file, detail, kind))

    def _warn_once(self, kind: str, file: str, detail: str) -> None:
        """A persistent condition (missing root, unreadable dir) counts once, not once per cycle."""
        if (kind, file) not in self._conditions:
            self._conditions.add((kind, file))
            self._warn(kind, file, detail)


def _valid_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
