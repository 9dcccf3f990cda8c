"""Small store files and layout detection: ``abort``, ``lock``, and which store variant a directory holds.

* ``abort`` (spec §8.2; ``DefaultMessageStore.createTempFile`` @ 4.4.0, 5.0.0, HEAD): created when the store
  starts, deleted on a clean shutdown (only if dispatch caught up). **4.x writes it empty; 5.0.0+ writes the
  broker PID** as ASCII decimal (``MixAll.string2File``, which may also leave ``abort.bak``). Present at
  start-up ⇒ the broker runs *abnormal* recovery.
* ``lock`` (§8.1): opened "rw" and locked with a POSIX record lock on byte range [0,1) by a running broker; it
  contains ``lock`` and stays after shutdown, so its presence means nothing. :func:`lock_holder` asks the
  kernel (``F_GETLK`` on a read-only descriptor: it tests, it never takes a lock) whether a process holds it.
* Layout (§1, §3.11, §5.7, §10): DLedger ``<group>-<selfId>/{data,index}``, RocksDB consume queue files in
  ``consumequeue/``, batch CQ, CQ ext, timer wheel/log, compaction, controller files, tiered index, RocksDB
  config stores. Detected variants are reported so nobody mistakes "not decoded" for "empty".
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Finding

ABORT_FILE = "abort"
LOCK_FILE = "lock"
_TWENTY = re.compile(r"^\d{20}$")
#: struct flock on Linux (x86_64/aarch64): short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid.
_FLOCK = struct.Struct("@hhqqi4x")


@dataclass(frozen=True, slots=True)
class AbortState:
    """``present`` = last shutdown not clean (or the broker is running). ``pid`` only from 5.x content."""

    present: bool
    size: int | None = None
    pid: int | None = None
    content: str | None = None  # "empty" (4.x style), "pid" (5.x style) or "other"
    mtime_ms: int | None = None
    bak_present: bool = False


@dataclass(frozen=True, slots=True)
class LockState:
    present: bool
    content_ok: bool | None = None  # starts with b"lock"
    held_by_pid: int | None = None  # a live process holds the broker's lock right now


def read_abort(root: Path, findings: list[Finding] | None = None) -> AbortState:
    from . import fileio

    p = Path(root) / ABORT_FILE
    bak = (Path(root) / (ABORT_FILE + ".bak")).exists()
    try:
        st = p.stat()
    except FileNotFoundError:
        return AbortState(False, bak_present=bak)
    except OSError as e:
        if findings is not None:
            findings.append(Finding("warning", "abort_unreadable", ABORT_FILE, None, str(e)))
        return AbortState(True, bak_present=bak)
    try:
        data = fileio.read_file(p, max_bytes=64)
    except OSError:
        data = b""
    text = data.strip()
    if not data:
        kind, pid = "empty", None
    elif text.isdigit() and len(text) <= 10:
        kind, pid = "pid", int(text)
    else:
        kind, pid = "other", None
    state = AbortState(True, st.st_size, pid, kind, int(st.st_mtime * 1000), bak)
    if findings is not None:
        who = f" (broker pid {pid})" if pid else ""
        findings.append(Finding("warning", "abort_present", ABORT_FILE, None,
                                f"abort file present{who}: the last shutdown was not clean, or the broker is "
                                "running; a restart runs abnormal recovery"))
        if kind == "other":
            findings.append(Finding("info", "abort_content", ABORT_FILE, 0,
                                    "abort holds neither nothing (4.x) nor a pid (5.x)"))
    return state


def lock_holder(path: Path) -> int | None:
    """PID of a process holding a POSIX lock on byte 0 of ``path``, else None. Never takes a lock itself."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        req = _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 1, 0)
        res = fcntl.fcntl(fd, fcntl.F_GETLK, req)
        l_type, _w, _s, _l, pid = _FLOCK.unpack(res)
        return pid if l_type != fcntl.F_UNLCK and pid > 0 else None
    except OSError:
        return None
    finally:
        os.close(fd)


def read_lock(root: Path, findings: list[Finding] | None = None) -> LockState:
    from . import fileio

    p = Path(root) / LOCK_FILE
    if not p.exists():
        return LockState(False)
    try:
        ok = fileio.read_file(p, max_bytes=16).startswith(b"lock")
    except OSError:
        ok = None
    pid = lock_holder(p)
    if pid and findings is not None:
        findings.append(Finding("warning", "store_in_use", LOCK_FILE, None,
                                f"process {pid} holds the store lock: a broker is running; its files are changing "
                                "while we read them"))
    return LockState(True, ok, pid)


# --- layout --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class StoreLayout:
    """Which parts and variants exist under ROOT. ``variants`` are short names shown in the summary."""

    root: Path
    commitlog: bool = False
    consumequeue: bool = False
    batchconsumequeue: bool = False
    consumequeue_ext: bool = False
    index: bool = False
    checkpoint: bool = False
    config: bool = False
    dledger: list[str] = field(default_factory=list)  # "<group>-<selfId>" dirs
    rocksdb_cq: bool = False
    timer: bool = False
    compaction: bool = False
    controller: bool = False
    tiered: bool = False
    rocksdb_config: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)

    @property
    def looks_like_store(self) -> bool:
        return any((self.commitlog, self.consumequeue, self.checkpoint, self.index, bool(self.dledger)))


def _has_twenty(d: Path) -> bool:
    try:
        return any(_TWENTY.match(e.name) for e in os.scandir(d))
    except OSError:
        return False


def _non_empty_dir(d: Path) -> bool:
    try:
        return any(True for _ in os.scandir(d))
    except OSError:
        return False


def detect_layout(root: Path, findings: list[Finding] | None = None) -> StoreLayout:
    """Look (names only, no reads) at what ROOT holds; add ``info`` findings for variants we do not decode."""
    root = Path(root)
    lay = StoreLayout(root)
    lay.commitlog = (root / "commitlog").is_dir()
    lay.consumequeue = (root / "consumequeue").is_dir()
    lay.batchconsumequeue = (root / "batchconsumequeue").is_dir()
    lay.consumequeue_ext = (root / "consumequeue_ext").is_dir()
    lay.index = (root / "index").is_dir()
    lay.checkpoint = (root / "checkpoint").is_file()
    lay.config = (root / "config").is_dir()
    try:
        entries = list(os.scandir(root))
    except OSError:
        entries = []
    for e in entries:
        if e.is_dir(follow_symlinks=False) and "-" in e.name and e.name not in ("store-at-crash",):
            p = Path(e.path)
            if (p / "data").is_dir() and _has_twenty(p / "data"):
                lay.dledger.append(e.name)
    if lay.consumequeue:
        try:
            names = [e.name for e in os.scandir(root / "consumequeue") if e.is_file()]
        except OSError:
            names = []
        lay.rocksdb_cq = any(n.startswith(m) for n in names for m in ("CURRENT", "MANIFEST-", "OPTIONS-")) or any(
            n.endswith(".sst") for n in names
        )
    lay.timer = (root / "timerwheel").exists() or (root / "timerlog").is_dir()
    # 5.x always creates compaction/position-checkpoint; only compacted data makes it a variant worth naming
    lay.compaction = _non_empty_dir(root / "compaction" / "compactionLog")
    lay.controller = (root / "epochFileCheckpoint").exists() or (root / "brokerIdentity").exists()
    lay.tiered = (root / "tiered_index_file").is_dir()
    lay.rocksdb_config = [n for n in ("topics", "subscriptionGroups", "consumerOffsets", "rdb")
                          if (root / "config" / n).is_dir()]

    notes: list[tuple[str, str, str]] = []  # (variant, file, detail)
    if lay.dledger:
        notes.append(("dledger", lay.dledger[0],
                      f"DLedger commitlog in {', '.join(lay.dledger)}/data: its entries wrap the commitlog records "
                      "read here; no recovery prediction for DLedger"))
    if lay.rocksdb_cq:
        notes.append(("rocksdb-cq", "consumequeue",
                      "RocksDB consume queue in consumequeue/ (storeType=defaultRocksDB): read through RocksDB "
                      "(read-only, via a private directory of links; nothing is written in the store)"))
    if lay.batchconsumequeue:
        notes.append(("batch-cq", "batchconsumequeue", "batch consume queues (46-byte units) present"))
    if lay.consumequeue_ext:
        notes.append(("cq-ext", "consumequeue_ext", "consumequeue_ext present (enableConsumeQueueExt=true)"))
    if lay.timer:
        notes.append(("timer", "timerwheel", "5.x timer wheel/log present (timer messages); not decoded"))
    if lay.compaction:
        notes.append(("compaction", "compaction", "5.x compaction store present (compacted topics); not decoded"))
    if lay.controller:
        notes.append(("controller", "epochFileCheckpoint", "controller-mode HA files present"))
    if lay.tiered:
        notes.append(("tiered", "tiered_index_file", "tiered-store index present; not decoded"))
    if lay.rocksdb_config:
        rdb = [n for n in lay.rocksdb_config if n == "rdb"]
        notes.append(("rocksdb-config", "config",
                      f"RocksDB config stores in config/{{{','.join(lay.rocksdb_config)}}}: topics, subscription "
                      "groups and consumer offsets read through RocksDB"
                      + ("; config/rdb (5.3.3+ v2 storage) not decoded" if rdb else "")))
    for variant, f, detail in notes:
        lay.variants.append(variant)
        if findings is not None:
            findings.append(Finding("info", "layout", f, None, detail))
    return lay
