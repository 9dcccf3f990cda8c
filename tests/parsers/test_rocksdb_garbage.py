"""Garbage where a RocksDB database should be (consumequeue/, config/topics/): findings, never a traceback, and
nothing created in the store (the opener links RocksDB's own file names only). Real RocksDB stores are read in
tests/lab/test_lab_rocksdb_cq.py."""

from __future__ import annotations

from pathlib import Path

from robustness_helpers import snapshot, snapshot_diff

from rmqinspect.analysis.store_summary import stream_store


def test_garbage_rocksdb_is_a_finding(tmp_path: Path) -> None:
    for d in ("consumequeue", "config/topics"):
        (tmp_path / d).mkdir(parents=True)
        (tmp_path / d / "CURRENT").write_text("MANIFEST-000099\n")
        (tmp_path / d / "rocksdict-config.json").write_text("{}")  # must not be touched
    (tmp_path / "commitlog").mkdir()
    before = snapshot(tmp_path)
    r = stream_store(tmp_path)
    checks = set(r.findings["check"])
    assert {"cq_rocksdb_unreadable", "config_rocksdb_unreadable"} <= checks
    assert r.verdict == "damaged"
    assert snapshot_diff(before, snapshot(tmp_path)) == []
