"""abort / lock / layout detection."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from rmqinspect.findings import Finding
from rmqinspect.parsers import storefiles as sf


def test_abort_absent_empty_and_pid(tmp_path: Path) -> None:
    assert sf.read_abort(tmp_path) == sf.AbortState(False)
    (tmp_path / "abort").write_bytes(b"")
    fs: list[Finding] = []
    a = sf.read_abort(tmp_path, fs)
    assert (a.present, a.content, a.pid) == (True, "empty", None)  # 4.x style
    assert [f.check for f in fs] == ["abort_present"]
    (tmp_path / "abort").write_bytes(b"12345")
    a = sf.read_abort(tmp_path)
    assert (a.content, a.pid) == ("pid", 12345)  # 5.x style
    (tmp_path / "abort").write_bytes(b"\x1b[31mzz")
    fs = []
    assert sf.read_abort(tmp_path, fs).content == "other"
    assert {f.check for f in fs} == {"abort_present", "abort_content"}


def test_lock_holder_sees_a_live_lock_without_taking_one(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    lock.write_bytes(b"lock")
    assert sf.lock_holder(lock) is None
    code = (
        "import fcntl,os,sys,time;fd=os.open(sys.argv[1],os.O_RDWR);fcntl.lockf(fd,fcntl.LOCK_EX,1,0);"
        "print('ok',flush=True);time.sleep(30)"
    )
    p = subprocess.Popen([sys.executable, "-c", code, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "ok"
        fs: list[Finding] = []
        st = sf.read_lock(tmp_path, fs)
        assert st.held_by_pid == p.pid and st.content_ok
        assert [f.check for f in fs] == ["store_in_use"]
    finally:
        p.kill()
        p.wait()
    time.sleep(0.05)
    assert sf.lock_holder(lock) is None


def test_layout_detects_variants(tmp_path: Path) -> None:
    (tmp_path / "commitlog").mkdir()
    (tmp_path / "consumequeue").mkdir()
    (tmp_path / "consumequeue" / "CURRENT").write_text("MANIFEST-000001\n")
    (tmp_path / "RaftNode00-n0" / "data").mkdir(parents=True)
    (tmp_path / "RaftNode00-n0" / "data" / ("0" * 20)).write_bytes(b"")
    (tmp_path / "timerwheel").write_bytes(b"")
    fs: list[Finding] = []
    lay = sf.detect_layout(tmp_path, fs)
    assert lay.dledger == ["RaftNode00-n0"] and lay.rocksdb_cq and lay.timer
    assert set(lay.variants) == {"dledger", "rocksdb-cq", "timer"}
    assert all(f.check == "layout" and f.severity == "info" for f in fs)
    assert lay.looks_like_store
    assert not sf.detect_layout(tmp_path / "commitlog").looks_like_store
