"""Runs the lab's Java client (lab/java/src/rmqlab/LabClient.java) and reads what it reported."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from .dist import Dist
from .errors import LabError
from .procs import CLIENT_JVM_OPTS, JAVA17_OPENS


class Client:
    """The Java client of one lab run; every command appends JSON lines to a file under ``work``."""

    def __init__(self, dist: Dist, namesrv_addr: str, work: Path, prefix: list[str]) -> None:
        self.dist = dist
        self.namesrv_addr = namesrv_addr
        self.work = work
        self.prefix = prefix
        self.children: list[subprocess.Popen[bytes]] = []
        work.mkdir(parents=True, exist_ok=True)

    def command(self, cmd: str, out: Path, *args: str, sysprops: dict[str, str] | None = None) -> list[str]:
        props = [f"-D{k}={v}" for k, v in {"user.home": str(self.work), **(sysprops or {})}.items()]
        return [*self.prefix, "java", *CLIENT_JVM_OPTS, *JAVA17_OPENS, *props, "-cp",
                self.dist.client_classpath, "rmqlab.LabClient", cmd, self.namesrv_addr, str(out), *args]

    def start(self, cmd: str, out: Path, *args: str, sysprops: dict[str, str] | None = None
              ) -> subprocess.Popen[bytes]:
        with open(self.work / f"{out.stem}.stderr", "ab") as log:
            child = subprocess.Popen(self.command(cmd, out, *args, sysprops=sysprops), stdout=log, stderr=log,
                                     start_new_session=True)
        self.children.append(child)
        return child

    def kill_all(self) -> None:
        """Kills client JVMs still running (a background sender when a run fails half-way)."""
        for child in self.children:
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait()

    def run(self, cmd: str, name: str, *args: str, timeout: float = 600,
            sysprops: dict[str, str] | None = None) -> list[dict[str, Any]]:
        out = self.work / f"{name}.jsonl"
        proc = self.start(cmd, out, *args, sysprops=sysprops)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise LabError(f"lab client '{cmd}' did not finish within {timeout:.0f}s") from None
        if rc != 0:
            tail = (self.work / f"{out.stem}.stderr").read_text(errors="replace").strip().splitlines()[-1:]
            raise LabError(f"lab client '{cmd}' failed (exit {rc}): {tail[0] if tail else 'no output'}")
        return read_jsonl(out)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by a killed client
    return rows
