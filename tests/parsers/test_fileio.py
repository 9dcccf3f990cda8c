"""fileio: read-only access that survives files shrinking/vanishing, and the mapped-file-queue rules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import sample_run_dirs

from rmqinspect.parsers import fileio
from rmqinspect.parsers.commitlog import scan_commitlog

SIZE = 4096


def _q(tmp_path: Path, names_sizes: list[tuple[str, int]], sub: str = "commitlog") -> Path:
    d = tmp_path / sub
    d.mkdir(parents=True, exist_ok=True)
    for name, size in names_sizes:
        (d / name).write_bytes(b"\x01" * size)
    return d


def _checks(lst: fileio.MappedFileList) -> list[tuple[str, str]]:
    return sorted((f.check, f.file) for f in lst.findings)


def test_sorted_by_offset_with_queue_file_size(tmp_path: Path) -> None:
    d = _q(tmp_path, [(f"{i * SIZE:020d}", SIZE) for i in (2, 0, 1)])
    lst = fileio.list_mapped_files(d, check_prefix="commitlog_file")
    assert [f.offset for f in lst] == [0, SIZE, 2 * SIZE]
    assert lst.file_size == SIZE and lst.findings == []
    assert lst.locate(SIZE + 5).offset == SIZE and lst.locate(3 * SIZE) is None
    assert lst[0].rel == "commitlog/00000000000000000000"


def test_gap_odd_name_wrong_size_and_empty_last_file(tmp_path: Path) -> None:
    d = _q(tmp_path, [(f"{0:020d}", SIZE), (f"{2 * SIZE:020d}", SIZE - 1), (f"{3 * SIZE:020d}", SIZE),
                      (f"{4 * SIZE:020d}", 0), ("notes.txt", 3), ("123", 3)])
    lst = fileio.list_mapped_files(d, check_prefix="x")
    assert _checks(lst) == [
        ("x_gap", f"commitlog/{2 * SIZE:020d}"),
        ("x_name", "commitlog/123"),
        ("x_name", "commitlog/notes.txt"),
        ("x_size", f"commitlog/{2 * SIZE:020d}"),
        ("x_size", f"commitlog/{4 * SIZE:020d}"),
    ]
    sev = {(f.check, f.file): f.severity for f in lst.findings}
    assert sev[("x_size", f"commitlog/{4 * SIZE:020d}")] == "info"  # the broker deletes an empty last file
    assert sev[("x_gap", f"commitlog/{2 * SIZE:020d}")] == "error"


def test_multi_dir_union_and_duplicates(tmp_path: Path) -> None:
    a = _q(tmp_path / "a", [(f"{0:020d}", SIZE), (f"{2 * SIZE:020d}", SIZE)])
    b = _q(tmp_path / "b", [(f"{SIZE:020d}", SIZE), (f"{2 * SIZE:020d}", SIZE)])
    lst = fileio.list_mapped_files(f"{a},{b}", check_prefix="c")
    assert [f.offset for f in lst] == [0, SIZE, 2 * SIZE, 2 * SIZE]
    assert [f.check for f in lst.findings] == ["c_duplicate"]
    lst2 = fileio.list_mapped_files([a, tmp_path / "missing"], check_prefix="c")
    assert [f.check for f in lst2.findings] == ["c_dir", "c_gap"]


def test_reads_are_short_not_fatal_when_a_file_shrinks(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(bytes(range(256)) * 16)
    with fileio.open_ro(p) as fd:
        assert fileio.pread_exact(fd, 10, 5) == bytes(range(5, 15))
        os.truncate(p, 100)  # another process truncates the file under us
        assert fileio.pread_exact(fd, 50, 80) == bytes(range(80, 100))
        buf = bytearray(64)
        assert fileio.read_into(fd, buf, 90) == 10
        assert fileio.pread_exact(fd, 10, 4000) == b""
    assert fileio.read_file(p) == bytes(range(100))
    assert fileio.read_file(p, max_bytes=7) == bytes(range(7))
    with pytest.raises(OSError):
        fileio.read_file(tmp_path / "gone")


def test_open_is_read_only(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(b"abc")
    with fileio.open_ro(p) as fd, pytest.raises(OSError):
        os.write(fd, b"x")


def test_scan_reports_a_file_that_shrinks_mid_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = sample_run_dirs()
    if not runs:
        pytest.skip("no samples")
    src = sorted((runs[0] / "broker-b" / "store" / "commitlog").iterdir())[:2]
    d = tmp_path / "commitlog"
    d.mkdir()
    for f in src:
        (d / f.name).write_bytes(f.read_bytes())
    victim = d / src[0].name
    real = fileio.read_into

    def shrinking(fd: int, buf, off: int) -> int:  # the broker deletes/truncates the file after we opened it
        if os.fstat(fd).st_size == os.path.getsize(victim) and os.path.getsize(victim) > 5000 and off == 0:
            os.truncate(victim, 5000)
        return real(fd, buf, off)

    monkeypatch.setattr(fileio, "read_into", shrinking)
    scan = scan_commitlog(d, verify_crc=True, chunk_bytes=1 << 16)
    assert any(f.check == "commitlog_read_short" and f.offset == 5000 for f in scan.findings)
    assert scan.valid_end is not None and scan.valid_end <= 5000


def test_scan_never_writes_to_the_store(tmp_path: Path) -> None:
    runs = sample_run_dirs()
    if not runs:
        pytest.skip("no samples")
    store = runs[0] / "broker-a" / "store"
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in store.rglob("*")}
    scan_commitlog(store, verify_crc=True)
    after = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in store.rglob("*")}
    assert before == after


def test_fifo_or_directory_is_refused_not_hung(tmp_path: Path) -> None:
    fifo = tmp_path / "topics.json"
    os.mkfifo(fifo)
    with pytest.raises(OSError):  # would block forever without O_NONBLOCK
        fileio.read_file(fifo)
    with pytest.raises(OSError):
        fileio.read_file(tmp_path)
    d = tmp_path / "commitlog"
    d.mkdir()
    os.mkfifo(d / ("0" * 20))
    scan = scan_commitlog(d)
    assert [f.check for f in scan.findings] == ["commitlog_file_name", "commitlog_empty"]
