"""The read-only promise: running every store command on a REAL sample store changes nothing in it.

Before/after each command we take the store's full listing (every path, type, size, mtime in ns, mode) and
a SHA-256 of every file, and compare. Outputs go to tmp_path. Access times are not compared (the readers ask
for O_NOATIME where allowed, but a kernel may still update atime; it is not a write).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from rmqinspect.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
STORES = sorted(SAMPLES.glob("rmq-*/broker-a/store-at-crash")) + sorted(SAMPLES.glob("rmq-*/broker-a/store"))


def snapshot(root: Path) -> dict[str, tuple]:
    snap: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
            snap[str(p.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    st = root.lstat()
    snap["."] = (st.st_mode, st.st_mtime_ns)
    return snap


COMMANDS = [
    ["store", "{root}"],
    ["store", "{root}", "--json"],
    ["store", "{root}", "--json", "--no-crc", "--index-check", "full", "--broker-version", "4.9.7"],
    ["export", "{root}", "--what", "messages", "--format", "parquet", "-o", "{tmp}/m.parquet"],
    ["export", "{root}", "--what", "consumequeue", "--format", "csv", "-o", "{tmp}/cq.csv"],
    ["export", "{root}", "--what", "index", "--format", "ndjson", "-o", "{tmp}/ix.ndjson"],
    ["export", "{root}", "--what", "findings", "--format", "csv", "-o", "{tmp}/f.csv"],
]


@pytest.mark.parametrize("root", STORES, ids=[f"{p.parents[1].name}-{p.name}" for p in STORES])
def test_no_store_command_changes_the_store(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(root)
    for argv in COMMANDS:
        args = [a.format(root=root, tmp=tmp_path) for a in argv]
        with pytest.raises(SystemExit) as e:
            main(args)
        assert e.value.code in (0, 1), (args, capsys.readouterr().err)
        after = snapshot(root)
        assert after == before, f"{args} changed {sorted(set(after.items()) ^ set(before.items()))[:5]}"
    capsys.readouterr()
