"""The lab topology: the reference 2m-2s-sync cluster plus an ASYNC_MASTER, on loopback.

Roles and flush types follow /work/shared/reference/2m-2s-sync/*.properties (broker-a and broker-b:
SYNC_MASTER + SYNC_FLUSH, their slaves SLAVE + ASYNC_FLUSH). Deviations from the reference, and why:
  * ports/paths are the lab's own (everything on 127.0.0.1, one directory per process);
  * store files are tiny so commitlog, consumequeue and index files roll over with little traffic;
    the size keys are spelt as the version spells them: ``mapedFileSize…`` (4.4.0, as in the
    reference files) or ``mappedFileSize…`` (4.9.x, 5.x) — a wrong spelling is silently ignored;
  * maxMessageSize is 128 KiB instead of 64 KiB so bodies just above 64 KiB can be stored;
  * registerNameServerPeriod is 10 s (default 30 s) so registration incidents fit in a short run;
  * transactionTimeOut 3 s / transactionCheckInterval 5 s (defaults 6 s / 60 s) so the broker's
    checks of unresolved transactions happen within the run;
  * 5.x: timerWheelEnable=false, because the timer wheel preallocates a ~38 MB file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .dist import Dist
from .procs import JavaProc

CLUSTER = "rocketmq-cluster"
COMMITLOG_FILE_SIZE = 128 * 1024
CQ_UNITS_PER_FILE = 100
CQ_UNIT_SIZE = 20  # ConsumeQueue.CQ_STORE_UNIT_SIZE
CONSUME_QUEUE_FILE_SIZE = CQ_UNITS_PER_FILE * CQ_UNIT_SIZE
MAX_HASH_SLOT_NUM = 64
MAX_INDEX_NUM = 256


@dataclass(frozen=True)
class BrokerSpec:
    name: str  # process name, e.g. broker-a-s
    broker_name: str
    broker_id: int
    role: str
    flush: str
    port_offset: int  # listen port = base + offset


# namesrv-1 = base, namesrv-2 = base+1; with base 9876 the masters listen on 10911/10921/10931
BROKERS: tuple[BrokerSpec, ...] = (
    BrokerSpec("broker-a", "broker-a", 0, "SYNC_MASTER", "SYNC_FLUSH", 1035),
    BrokerSpec("broker-a-s", "broker-a", 1, "SLAVE", "ASYNC_FLUSH", 1135),
    BrokerSpec("broker-b", "broker-b", 0, "SYNC_MASTER", "SYNC_FLUSH", 1045),
    BrokerSpec("broker-b-s", "broker-b", 1, "SLAVE", "ASYNC_FLUSH", 1145),
    BrokerSpec("broker-c", "broker-c", 0, "ASYNC_MASTER", "ASYNC_FLUSH", 1055),
)
NAMESRVS = ("namesrv-1", "namesrv-2")


@dataclass
class Member:
    """A process of the lab with everything the manifest says about it."""

    proc: JavaProc
    kind: str  # namesrv | broker
    listen_port: int
    namesrv_addr: str | None = None
    spec: BrokerSpec | None = None
    properties: dict[str, str] | None = None

    @property
    def name(self) -> str:
        return self.proc.name

    @property
    def ha_port(self) -> int | None:
        return self.listen_port + 1 if self.kind == "broker" else None

    @property
    def addr(self) -> str:
        return f"127.0.0.1:{self.listen_port}"

    def ports(self) -> list[int]:
        """Every port the process listens on (brokers: fast remoting = listen-2, HA = listen+1)."""
        if self.kind == "broker":
            return [self.listen_port - 2, self.listen_port, self.listen_port + 1]
        return [self.listen_port]


def write_properties(path: Path, props: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))


def broker_properties(spec: BrokerSpec, home: Path, port: int, namesrv_addr: str, dist: Dist,
                      bind_loopback: bool, overrides: dict[str, str] | None = None) -> dict[str, str]:
    store = home / "store"
    props = {
        "brokerClusterName": CLUSTER,
        "brokerName": spec.broker_name,
        "brokerId": str(spec.broker_id),
        "namesrvAddr": namesrv_addr,
        "brokerIP1": "127.0.0.1",
        "brokerIP2": "127.0.0.1",
        "listenPort": str(port),
        "haListenPort": str(port + 1),
        "defaultTopicQueueNums": "4",
        "autoCreateTopicEnable": "true",
        "autoCreateSubscriptionGroup": "true",
        "deleteWhen": "04",
        "fileReservedTime": "120",
        "mappedFileSizeCommitLog": str(COMMITLOG_FILE_SIZE),
        "mappedFileSizeConsumeQueue": str(CONSUME_QUEUE_FILE_SIZE),
        "maxHashSlotNum": str(MAX_HASH_SLOT_NUM),
        "maxIndexNum": str(MAX_INDEX_NUM),
        "diskMaxUsedSpaceRatio": "88",
        "storePathRootDir": str(store),
        "storePathCommitLog": str(store / "commitlog"),
        "storePathConsumeQueue": str(store / "consumequeue"),
        "storePathIndex": str(store / "index"),
        "storeCheckpoint": str(store / "checkpoint"),
        "abortFile": str(store / "abort"),
        "maxMessageSize": "131072",
        "brokerRole": spec.role,
        "flushDiskType": spec.flush,
        "registerNameServerPeriod": "10000",
        "transactionTimeOut": "3000",
        "transactionCheckInterval": "5000",
    }
    props.update(overrides or {})
    if dist.mapped_file_key_prefix == "maped":
        props = {k.replace("mappedFileSize", "mapedFileSize"): v for k, v in props.items()}
    if dist.major >= 5:
        props["timerWheelEnable"] = "false"
    if bind_loopback and dist.major >= 5:
        props["bindAddress"] = "127.0.0.1"
    return props


def _sysprops(dist: Dist, kind: str) -> dict[str, str]:
    props = {"rocketmq.home.dir": str(dist.home)}
    if dist.major >= 5:
        props["rmq.logback.configurationFile"] = str(dist.home / "conf" / f"rmq.{kind}.logback.xml")
    return props


def namesrv_member(name: str, home: Path, port: int, dist: Dist, bind_loopback: bool) -> Member:
    props = {"listenPort": str(port)}
    if bind_loopback and dist.major >= 5:
        props["bindAddress"] = "127.0.0.1"
    conf = home / "namesrv.properties"
    write_properties(conf, props)
    proc = JavaProc(name, "org.apache.rocketmq.namesrv.NamesrvStartup", ["-c", str(conf)], home,
                    dist.classpath, _sysprops(dist, "namesrv"), dist.major,
                    env={"ROCKETMQ_HOME": str(dist.home)})
    return Member(proc, "namesrv", port, properties=props)


def broker_member(spec: BrokerSpec, home: Path, port: int, namesrv_addr: str, dist: Dist,
                  bind_loopback: bool, overrides: dict[str, str] | None = None) -> Member:
    props = broker_properties(spec, home, port, namesrv_addr, dist, bind_loopback, overrides)
    conf = home / "broker.properties"
    write_properties(conf, props)
    proc = JavaProc(spec.name, "org.apache.rocketmq.broker.BrokerStartup", ["-c", str(conf)], home,
                    dist.classpath, _sysprops(dist, "broker"), dist.major,
                    env={"ROCKETMQ_HOME": str(dist.home)})
    return Member(proc, "broker", port, namesrv_addr, spec, props)


def planned_ports(base_port: int, brokers: tuple[BrokerSpec, ...] = BROKERS,
                  namesrvs: tuple[str, ...] = NAMESRVS) -> list[int]:
    """Every port a lab run will listen on, known before anything is downloaded or started."""
    ports = [base_port + i for i in range(len(namesrvs))]
    for spec in brokers:
        listen = base_port + spec.port_offset
        ports += [listen - 2, listen, listen + 1]
    return ports


def build(out: Path, dist: Dist, base_port: int, bind_loopback: bool,
          brokers: tuple[BrokerSpec, ...] = BROKERS, namesrvs: tuple[str, ...] = NAMESRVS) -> list[Member]:
    members = [namesrv_member(n, out / n, base_port + i, dist, bind_loopback) for i, n in enumerate(namesrvs)]
    namesrv_addr = ";".join(m.addr for m in members)
    for spec in brokers:
        members.append(broker_member(spec, out / spec.name, base_port + spec.port_offset, namesrv_addr, dist,
                                     bind_loopback))
    return members
