"""CI smoke of the lab: a real 5.3.3 NameServer + broker start, take a few messages, and stop.

Downloads the jars on first use (Maven cache reused afterwards); skipped when Java or Maven is
missing, because then the lab cannot run at all (the one-line errors are tested in test_lab_cli).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from rmqlab import cluster
from rmqlab.live import running_broker

pytestmark = [
    pytest.mark.lab,
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("java") and shutil.which("javac") and shutil.which("mvn")),
                       reason="the lab needs java, javac and mvn on PATH"),
]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def test_single_broker_takes_messages_and_writes_store_and_logs(tmp_path: Path) -> None:
    with running_broker("5.3.3", tmp_path) as live:
        pid = live.pid
        assert pid is not None and _alive(pid)
        results = live.send(5)
        assert [r["status"] for r in results] == ["SEND_OK"] * 5, [r.get("error") for r in results]
        assert {r["broker"] for r in results} == {"broker-live"}
        assert all(r["offset_msg_id"] and len(r["msg_id"]) == 32 for r in results)
        # the queue offsets of each queue count up from 0 without gaps
        by_queue: dict[int, list[int]] = {}
        for r in results:
            by_queue.setdefault(r["queue_id"], []).append(r["queue_offset"])
        assert all(offsets == list(range(len(offsets))) for offsets in by_queue.values())
        commitlogs = sorted((live.store_dir / "commitlog").iterdir())
        assert commitlogs and commitlogs[0].name == "0" * 20
        assert commitlogs[0].stat().st_size == cluster.COMMITLOG_FILE_SIZE
        assert (live.store_dir / "abort").exists()  # a running broker holds its abort file
        assert (live.log_dir / "broker.log").stat().st_size > 0
        assert (live.log_dir / "store.log").stat().st_size > 0
    assert not _alive(pid)
    assert not (live.store_dir / "abort").exists(), "clean stop must remove the abort file"
