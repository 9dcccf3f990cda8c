"""One full lab run: start the cluster, drive traffic, stage incidents, shut down, write the manifest.

Timeline (full run; ``--quick`` shortens the waits and the traffic):
  start 2 NameServers and 5 brokers → create topics → varied traffic → partial consume →
  steady traffic in the background while: kill -9 broker-a (store copied to store-at-crash before
  the restart) → restart broker-a → stop broker-b-s → start broker-b-s → stop namesrv-2 → start
  namesrv-2 → steady traffic ends → clean shutdown of every process (slaves, masters, NameServers).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import cluster, manifest
from .client import Client, read_jsonl
from .dist import Dist, prepare
from .errors import LabError
from .procs import NetNamespace, check_ports_free, reaped, wait_port

MAIN_TOPIC = "LabTopic"
# 150 characters: above 127, so 5.x must write the record with the 2-byte topic length (magic v2)
LONG_TOPIC = "LabTopicLong_" + "".join(f"{i:03d}x" for i in range(35))[:137]
CONSUMER_GROUP = "lab_consumer_group"
RETRY_TOPIC = "LabTopicRetry"
# 140 characters: its retry topic %RETRY%<group> is longer than 127 characters
RETRY_GROUP = "lab_retry_group_" + "".join(f"{i:03d}g" for i in range(31))[:124]
RECOVERY_LINES = (
    re.compile(r"message store recover end, and the max phy offset = (-?\d+)"),
    re.compile(r"load over, and the max phy offset = (-?\d+)"),
)


def now_ms() -> int:
    return int(time.time() * 1000)


def say(text: str) -> None:
    print(f"[lab {time.strftime('%H:%M:%S', time.gmtime())}Z] {text}", file=sys.stderr, flush=True)


class Run:
    """State of one lab run; ``execute`` does the whole scenario and returns the manifest."""

    def __init__(self, version: str, out: Path, *, quick: bool, base_port: int, use_netns: bool) -> None:
        self.version = version
        self.out = out
        self.quick = quick
        self.base_port = base_port
        self.use_netns = use_netns
        self.incidents: list[dict[str, Any]] = []
        self.sends: list[dict[str, Any]] = []
        self.extra: dict[str, Any] = {}

    def incident(self, type_: str, process: str, detail: str, ts: int | None = None) -> int:
        ts = now_ms() if ts is None else ts
        self.incidents.append({"type": type_, "process": process, "ts_ms": ts, "detail": detail})
        say(f"incident {type_} {process}: {detail}")
        return ts

    def execute(self) -> dict[str, Any]:
        if self.out.exists() and any(self.out.iterdir()):
            raise LabError(f"output directory {self.out} is not empty")
        if not self.use_netns:
            check_ports_free(cluster.planned_ports(self.base_port))
        dist = prepare(self.version)
        self.out.mkdir(parents=True, exist_ok=True)
        netns = NetNamespace() if self.use_netns else None
        members = cluster.build(self.out, dist, self.base_port, bind_loopback=netns is None)
        if netns is not None:
            netns.start()
        prefix = netns.prefix() if netns is not None else []
        with reaped([m.proc for m in members], netns):
            self._scenario(dist, members, prefix)
        shutil.rmtree(self.out / "_client", ignore_errors=True)
        doc = manifest.build(self.version, members, self.sends, self.incidents, self.extra)
        manifest.write(self.out, doc)
        return doc

    # ------------------------------------------------------------------ steps

    def _start(self, member: cluster.Member, prefix: list[str], timeout: float = 90) -> None:
        member.proc.start(prefix)
        wait_port(prefix, member.listen_port, timeout, member.proc)

    def _scenario(self, dist: Dist, members: list[cluster.Member], prefix: list[str]) -> None:
        by_name = {m.name: m for m in members}
        namesrvs = [m for m in members if m.kind == "namesrv"]
        brokers = [m for m in members if m.kind == "broker"]
        masters = [m for m in brokers if m.spec is not None and m.spec.broker_id == 0]
        say(f"RocketMQ {self.version}: starting {len(namesrvs)} NameServers and {len(brokers)} brokers in {self.out}")
        for m in namesrvs:
            self._start(m, prefix)
        for m in brokers:
            self._start(m, prefix)
        self.extra["pids"] = {m.name: [m.proc.pid] for m in members}
        time.sleep(4)
        client = Client(dist, namesrvs[0].addr + ";" + namesrvs[1].addr, self.out / "_client", prefix)
        try:
            self._traffic_and_incidents(client, by_name, masters, prefix)
        finally:
            client.kill_all()
        self._shutdown(members)

    def _traffic_and_incidents(self, client: Client, by_name: dict[str, cluster.Member],
                               masters: list[cluster.Member], prefix: list[str]) -> None:
        topics = [f"{MAIN_TOPIC}:4", f"{MAIN_TOPIC}Order:4", f"{MAIN_TOPIC}Tx:2", f"{RETRY_TOPIC}:2", f"{LONG_TOPIC}:2"]
        self.extra["topic_creation"] = client.run("create-topics", "create-topics",
                                                  ",".join(m.addr for m in masters), *topics)
        time.sleep(3)  # let the new routes reach the NameServers with the next registration
        say("varied traffic, and a consumer with a long group name that asks for redelivery")
        retry_out = client.work / "retry.jsonl"
        retry = client.start("retry", retry_out, RETRY_GROUP, RETRY_TOPIC, "4", "25000")
        rows = client.run("traffic", "traffic", MAIN_TOPIC, LONG_TOPIC,
                          sysprops={"lab.txLingerMs": "3000" if self.quick else "12000"})
        self._add_sends(rows, "traffic")
        say("partial consume")
        offsets = client.run("consume", "consume", CONSUMER_GROUP, MAIN_TOPIC, "40")
        self.extra["consumer"] = {"group": CONSUMER_GROUP, "topic": MAIN_TOPIC, "offsets": offsets}
        try:
            retry.wait(timeout=120)
        except subprocess.TimeoutExpired:
            retry.kill()
            retry.wait()
        retry_rows = read_jsonl(retry_out)
        self._add_sends([r for r in retry_rows if not r.get("delivery")], "retry")
        self.extra["retry_consumer"] = {
            "group": RETRY_GROUP, "topic": RETRY_TOPIC, "retry_topic": "%RETRY%" + RETRY_GROUP,
            "deliveries": [r for r in retry_rows if r.get("delivery")],
        }
        self._incidents(client, by_name, prefix)
        self.extra["runtime_before_shutdown"] = {
            m.name: self._runtime(client, m, f"runtime-final-{m.name}") for m in masters
        }

    def _add_sends(self, rows: list[dict[str, Any]], phase: str) -> None:
        for r in rows:
            r["phase"] = phase
            self.sends.append(r)

    def _runtime(self, client: Client, member: cluster.Member, name: str) -> dict[str, Any] | None:
        try:
            rows = client.run("runtime", name, member.addr, MAIN_TOPIC, timeout=120)
        except LabError as exc:
            say(f"runtime query of {member.name} failed: {exc}")
            return None
        return rows[0] if rows else None

    def _incidents(self, client: Client, by_name: dict[str, cluster.Member], prefix: list[str]) -> None:
        q = self.quick
        steady_ms = 45_000 if q else 100_000
        steady_out = client.work / "steady.jsonl"
        steady = client.start("steady", steady_out, MAIN_TOPIC, str(steady_ms), "40", "steady")
        t0 = time.monotonic()

        def at(seconds: float) -> None:
            delay = t0 + seconds - time.monotonic()
            if delay > 0:
                time.sleep(delay)

        try:
            at(6)
            a = by_name["broker-a"]
            store_log = a.proc.home / "logs" / "rocketmqlogs" / "store.log"
            seen_before = _recovery_values(store_log)
            a.proc.kill9()
            self.incident("kill_master", "broker-a", f"kill -9 of pid {a.proc.pid} during steady traffic")
            crash = a.proc.home / "store-at-crash"
            subprocess.run(["cp", "-a", "--sparse=always", str(a.proc.home / "store"), str(crash)], check=True)
            if not (crash / "abort").exists():
                raise LabError("broker-a's store has no abort file after kill -9; the crash copy would be wrong")
            at(12)
            ts = now_ms()
            self._start(a, prefix)
            self.extra["pids"]["broker-a"].append(a.proc.pid)
            self.incident("restart", "broker-a", f"restarted as pid {a.proc.pid} on the crashed store", ts)
            self.extra["recovered_max_phy_offset"] = _wait_recovery(store_log, len(seen_before))
            self.extra["runtime_after_restart"] = self._runtime(client, a, "runtime-after-restart")
            say(f"broker-a recovered max phy offset {self.extra['recovered_max_phy_offset']}")

            at(20 if q else 30)
            bs = by_name["broker-b-s"]
            clean = bs.proc.stop()
            self.incident("stop_slave", "broker-b-s", "SIGTERM" + ("" if clean else " (needed kill -9)"))
            at(30 if q else 50)
            ts = now_ms()
            self._start(bs, prefix)
            self.extra["pids"]["broker-b-s"].append(bs.proc.pid)
            self.incident("start_slave", "broker-b-s", f"started as pid {bs.proc.pid}; HA catch-up follows", ts)

            at(34 if q else 58)
            ns2 = by_name["namesrv-2"]
            clean = ns2.proc.stop()
            self.incident("stop_namesrv", "namesrv-2", "SIGTERM" + ("" if clean else " (needed kill -9)"))
            at(44 if q else 88)
            ts = now_ms()
            self._start(ns2, prefix)
            self.extra["pids"]["namesrv-2"].append(ns2.proc.pid)
            self.incident("start_namesrv", "namesrv-2", f"started as pid {ns2.proc.pid}; brokers re-register", ts)
        finally:
            try:
                steady.wait(timeout=steady_ms / 1000 + 60)
            except subprocess.TimeoutExpired:
                steady.kill()
                steady.wait()
            self._add_sends(read_jsonl(steady_out), "steady")
        time.sleep(12 if q else 15)  # one more registration round with namesrv-2, HA catch-up

    def _shutdown(self, members: list[cluster.Member]) -> None:
        order = (
            [m for m in members if m.kind == "broker" and m.spec is not None and m.spec.broker_id != 0]
            + [m for m in members if m.kind == "broker" and m.spec is not None and m.spec.broker_id == 0]
            + [m for m in members if m.kind == "namesrv"]
        )
        for m in order:
            clean = m.proc.stop()
            self.incident("clean_shutdown", m.name, "SIGTERM, shutdown hook ran" if clean
                          else "SIGTERM timed out, killed with -9")


def _recovery_values(store_log: Path) -> list[int]:
    if not store_log.exists():
        return []
    text = store_log.read_text(errors="replace")
    for pattern in RECOVERY_LINES:
        values = [int(v) for v in pattern.findall(text)]
        if values:
            return values
    return []


def _wait_recovery(store_log: Path, seen: int, timeout: float = 60) -> int | None:
    """The max physical offset the restarted broker logged after recovery (store.log, R26)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        values = _recovery_values(store_log)
        if len(values) > seen:
            return values[-1]
        time.sleep(0.5)
    return None


def run(version: str, out: Path, *, quick: bool, base_port: int, use_netns: bool) -> dict[str, Any]:
    doc = Run(version, out, quick=quick, base_port=base_port, use_netns=use_netns).execute()
    say(f"done: {len(doc['sends'])} sends, {len(doc['incidents'])} incidents, manifest at {out / 'manifest.json'}")
    return doc

