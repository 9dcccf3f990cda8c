"""``rmqinspect tail`` against a real, running RocketMQ broker (the lab's ``running_broker``).

The tail starts with no backlog (``-n 0``) after the broker is up, so every event it prints was written
while it was following. The broker re-registers with its NameServer every 30 s
(``registerNameServerPeriod``), which is the event we wait for.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.lab,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("java") and shutil.which("javac") and shutil.which("mvn")),
        reason="the lab needs java, javac and mvn on PATH",
    ),
]

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("version", ["4.9.7", "5.3.3"])  # B2' and B2'' wordings (catalogue §2b)
def test_tail_sees_a_live_broker_register_with_its_name_server(tmp_path: Path, version: str) -> None:
    rmqlab_live = pytest.importorskip("rmqlab.live", reason="lab package (lab/rmqlab) not importable")
    with rmqlab_live.running_broker(version, tmp_path) as live:
        p = subprocess.Popen(
            [sys.executable, "-m", "rmqinspect", "tail", str(live.log_dir), "-n", "0", "--json",
             "--type", "broker_register_ok"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
        q: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [q.put(x) for x in p.stdout], daemon=True).start()  # type: ignore[union-attr]
        try:
            live.send(3)  # some live traffic in the other files meanwhile
            deadline = time.monotonic() + 75  # two registration periods
            row = None
            while row is None and time.monotonic() < deadline:
                try:
                    row = json.loads(q.get(timeout=1))
                except queue.Empty:
                    assert p.poll() is None, p.stderr.read() if p.stderr else ""
        finally:
            p.send_signal(signal.SIGINT)
            code = p.wait(timeout=15)
        err = p.stderr.read() if p.stderr else ""
    assert row is not None, f"no broker_register_ok within 75 s; stderr: {err}"
    assert row["type"] == "broker_register_ok" and row["file"] == "broker.log"
    assert row["namesrv_addr"] == live.namesrv_addr
    assert code == 0 and "Traceback" not in err
