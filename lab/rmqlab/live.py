"""A single real NameServer + Broker for tests: ``running_broker(version, workdir)``.

Used by the lab smoke test and by other engineers' tests that need a live broker (e.g. tailing its
logs while it writes them). Everything stops when the ``with`` block ends, also on errors.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cluster
from .client import Client
from .dist import prepare
from .procs import NetNamespace, check_ports_free, port_free, reaped, wait_port

SINGLE = cluster.BrokerSpec("broker", "broker-live", 0, "ASYNC_MASTER", "ASYNC_FLUSH", 1035)
LIVE_TOPIC = "LiveTopic"


def free_base_port(start: int = 20000, stop: int = 60000, step: int = 1200) -> int:
    """A base port whose namesrv port and broker ports (base+1033..base+1036) are free on this host."""
    for base in range(start, stop, step):
        if all(port_free(p) for p in (base, base + 1033, base + 1035, base + 1036)):
            return base
    raise RuntimeError("no free port range found")


@dataclass
class LiveBroker:
    """What a running single broker offers to a test."""

    namesrv_addr: str
    broker_addr: str
    log_dir: Path
    store_dir: Path
    home: Path
    client: Client
    pid: int | None
    sent: list[dict[str, Any]] = field(default_factory=list)
    _batches: int = 0

    def send(self, n: int, topic: str = LIVE_TOPIC) -> list[dict[str, Any]]:
        """Sends ``n`` messages through the real Java client; returns their SendResults (manifest schema)."""
        deadline = time.monotonic() + 90
        while True:
            self._batches += 1
            # a generous send timeout: tests run this on loaded CI machines, where 5 s was seen to expire
            rows = self.client.run("send", f"send-{self._batches}", topic, str(n), f"live{self._batches}",
                                   timeout=180, sysprops={"lab.sendTimeoutMs": "20000"})
            # A new topic's route reaches the NameServer with the broker's next registration; under load that
            # can take longer than the wait after creating it. Nothing was stored then, so sending again is safe.
            no_route = rows and all("No route info" in str(r.get("error") or "") for r in rows)
            if not no_route or time.monotonic() > deadline:
                break
            time.sleep(3)
        self.sent.extend(rows)
        return rows

    def runtime(self, *topics: str) -> dict[str, Any]:
        """The broker's runtime stats (admin API) and per-queue min/max offsets of ``topics``."""
        self._batches += 1
        rows = self.client.run("runtime", f"runtime-{self._batches}", self.broker_addr, *topics, timeout=120)
        return rows[0] if rows else {}


@contextlib.contextmanager
def running_broker(version: str, workdir: Path, *, store_overrides: dict[str, str] | None = None,
                   spec: cluster.BrokerSpec = SINGLE, use_netns: bool | None = None) -> Iterator[LiveBroker]:
    """Starts one NameServer and one broker of ``version`` under ``workdir`` and yields a LiveBroker.

    ``workdir/broker`` is the broker's user.home (logs in ``logs/rocketmqlogs``, store in ``store``);
    a store placed there beforehand is used as is (that is how ``recover`` works).
    """
    dist = prepare(version)
    workdir.mkdir(parents=True, exist_ok=True)
    if use_netns is None:
        use_netns = NetNamespace.available()
    netns = NetNamespace() if use_netns else None
    base = 9876 if netns is not None else free_base_port()
    ns = cluster.namesrv_member("namesrv", workdir / "namesrv", base, dist, bind_loopback=netns is None)
    broker = cluster.broker_member(spec, workdir / spec.name, base + spec.port_offset, ns.addr, dist,
                                   bind_loopback=netns is None, overrides=store_overrides)
    procs = [ns.proc, broker.proc]
    if netns is None:
        check_ports_free(ns.ports() + broker.ports())
    else:
        netns.start()
    prefix = netns.prefix() if netns is not None else []
    with reaped(procs, netns):
        ns.proc.start(prefix)
        wait_port(prefix, ns.listen_port, 60, ns.proc)
        broker.proc.start(prefix)
        wait_port(prefix, broker.listen_port, 120, broker.proc)
        live = LiveBroker(
            namesrv_addr=ns.addr, broker_addr=broker.addr, log_dir=broker.proc.home / "logs" / "rocketmqlogs",
            store_dir=broker.proc.home / "store", home=broker.proc.home,
            client=Client(dist, ns.addr, workdir / "_client", prefix), pid=broker.proc.pid,
        )
        try:
            # Create the topic on the broker instead of relying on auto-creation through TBW102, whose
            # route reaches the NameServer only with the broker's first registration (slow under load).
            live.client.run("create-topics", "create-topics", live.broker_addr, f"{LIVE_TOPIC}:4", timeout=120)
            time.sleep(2)  # the broker reports the new topic to the NameServer
            yield live
        finally:
            live.client.kill_all()
        broker.proc.stop()
        ns.proc.stop()
