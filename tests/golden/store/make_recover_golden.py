"""Remake ``recover-*.json``: restart a REAL broker (``lab/run recover``) on damaged copies of a lab crash store.

Usage (slow: one broker start per case; needs Java/Maven like the lab)::

    .venv/bin/python tests/golden/store/make_recover_golden.py samples/rmq-5.3.3 [plain crc zeropage]

The damage is made by the same helpers the tests use (``tests/analysis/test_recovery.py``), in a temporary
copy; the samples are never touched. What the broker did is parsed from its store.log: the recovered max
physical offset, the file it recovered from, and the index / commitlog / consume-queue files it deleted.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOP = HERE.parents[2]
sys.path.insert(0, str(TOP / "tests" / "analysis"))
sys.path.insert(0, str(TOP))


def _damage(case: str, root: Path, version: str) -> str:
    import test_recovery as tr  # the tests' own damage helpers

    if case == "plain":
        return "none (the crash copy as it is)"
    msgs = tr._records(root)
    if case == "crc":
        v = tr.crc_victim(msgs)
        tr._flip_body_byte(root, v)
        return f"body byte at {v['body_offset']} XOR 0x01 (record at {v['phy_offset']})"
    if case == "zeropage":
        start = tr._predict(root, version).start_file
        f, page, hit = tr.zero_page(msgs, start)
        b = bytearray((root / f).read_bytes())
        b[page : page + 4096] = bytes(4096)
        (root / f).write_bytes(bytes(b))
        return f"4096 zero bytes at {f}+{page} (inside the body of the record at {hit['phy_offset']})"
    raise SystemExit(f"unknown case {case}")


def _names(log: list[str], pat: str) -> list[str]:
    return sorted({m.group(1) for line in log for m in [re.search(pat, line)] if m})


def make(run: Path, case: str) -> Path:
    manifest = json.loads((run / "manifest.json").read_text())
    version = manifest["rocketmq_version"]
    with tempfile.TemporaryDirectory(prefix="rmq-golden-") as tmp:
        root = Path(tmp) / "store-at-crash"
        shutil.copytree(run / "broker-a" / "store-at-crash", root)
        (root / "lock").unlink(missing_ok=True)
        shutil.copy(run / "broker-a" / "broker.properties", Path(tmp) / "broker.properties")
        damage = _damage(case, root, version)
        out = subprocess.run([str(TOP / "lab" / "run"), "recover", "--version", version, "--store", str(root)],
                             check=True, capture_output=True, text=True).stdout
    d = json.loads(out)
    log = d["store_log"]
    first = [m.group(1) for line in log for m in [re.search(r"recover from this mapped file .*/commitlog/(\d{20})", line)] if m]
    g = {
        "provenance": f"lab/run recover --version {version} on a damaged copy of {run.name}/broker-a/store-at-crash",
        "damage": damage,
        "sample_created_utc": manifest["created_utc"],
        "rocketmq_version": version,
        "max_phy_offset": d["max_phy_offset"],
        # abnormal recovery logs its start file; normal recovery does not (then null)
        "recover_from_file": f"commitlog/{first[0]}" if first else None,
        "index_files_deleted": ["index/" + n for n in _names(log, r"delete file\[REF:\d+\] .*/index/(\d{17}) OK")],
        "commitlog_files_deleted": ["commitlog/" + n
                                    for n in _names(log, r"delete file\[REF:\d+\] .*/commitlog/(\d{20}) OK")],
        "cq_files_deleted": ["consumequeue/" + n
                             for n in _names(log, r"destroy a logic mapped file .*/consumequeue/(\S+)$")],
        "store_log_excerpt": [re.sub(r"/tmp/\S+?/store/", "", line) for line in log
                              if re.search(r"recover from|CRC|physics file end|max phy offset|truncate dirty|"
                                           r"last shutdown|illegal magic", line)],
    }
    path = HERE / f"recover-{case}-{run.name}.json"
    path.write_text(json.dumps(g, indent=1) + "\n")
    return path


if __name__ == "__main__":
    run_dir = Path(sys.argv[1]).resolve()
    for c in sys.argv[2:] or ["plain", "crc", "zeropage"]:
        print(make(run_dir, c))
