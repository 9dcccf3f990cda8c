"""``lab/run recover``: what a real broker recovers from a copy of a store.

The store engineer predicts recovery (max physical offset, per-queue max offsets) from the files;
this asks RocketMQ itself. The given store is copied first and never touched. The broker needs the
same file sizes the store was written with, so they are taken from a ``broker.properties`` (by
default the one next to the store, as in a lab sample: ``broker-a/broker.properties`` beside
``broker-a/store-at-crash``), else measured from the files.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from . import cluster
from .errors import LabError
from .live import running_broker
from .scenario import RECOVERY_LINES

SIZE_KEYS = ("mappedFileSizeCommitLog", "mappedFileSizeConsumeQueue", "maxHashSlotNum", "maxIndexNum",
             "maxMessageSize", "brokerName", "brokerId", "brokerRole", "flushDiskType",
             "storeType")  # (5.2+: defaultRocksDB keeps the consume queues in RocksDB)
STORE_LOG_RECOVERY = re.compile(r"recover|max phy offset|abort|truncate|illegal|CRC", re.IGNORECASE)


def _read_properties(path: Path) -> dict[str, str]:
    props = {}
    for line in path.read_text(errors="replace").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            props[k.strip()] = v.strip()
    return props


def _measured_sizes(store: Path) -> dict[str, str]:
    """File sizes of the store itself, for stores without a broker.properties next to them."""
    sizes: dict[str, str] = {}
    commitlogs = sorted((store / "commitlog").glob("[0-9]" * 20))
    if commitlogs:
        sizes["mappedFileSizeCommitLog"] = str(commitlogs[0].stat().st_size)
    cqs = sorted((store / "consumequeue").glob("*/*/" + "[0-9]" * 20))
    if cqs:
        sizes["mappedFileSizeConsumeQueue"] = str(max(f.stat().st_size for f in cqs))
    return sizes


def store_overrides(store: Path, properties: Path | None) -> dict[str, str]:
    if properties is None and (store.parent / "broker.properties").exists():
        properties = store.parent / "broker.properties"
    overrides = _measured_sizes(store)
    if properties is not None:
        props = {k.replace("mapedFileSize", "mappedFileSize"): v for k, v in _read_properties(properties).items()}
        overrides.update({k: props[k] for k in SIZE_KEYS if k in props})
    # alone, a slave would only wait for a master; recovery itself does not depend on the role
    if overrides.get("brokerRole") == "SLAVE":
        overrides["brokerRole"] = "ASYNC_MASTER"
        overrides["brokerId"] = "0"
    return overrides


def recover(version: str, store: Path, *, keep: Path | None = None, properties: Path | None = None,
            use_netns: bool | None = None) -> dict[str, Any]:
    store = store.resolve()
    if not (store / "commitlog").is_dir():
        raise LabError(f"{store} is not a RocketMQ store (no commitlog/ directory)")
    overrides = store_overrides(store, properties)
    work = keep.resolve() if keep is not None else Path(tempfile.mkdtemp(prefix="rmqlab-recover-"))
    if keep is not None and work.exists() and any(work.iterdir()):
        raise LabError(f"--keep directory {work} is not empty")
    spec = cluster.BrokerSpec("broker", overrides.get("brokerName", "broker-recover"), 0, "ASYNC_MASTER",
                              overrides.get("flushDiskType", "ASYNC_FLUSH"), 1035)
    home = work / spec.name
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", "--sparse=always", str(store), str(home / "store")], check=True)
    abort_before = (home / "store" / "abort").exists()
    topics = sorted(p.name for p in (home / "store" / "consumequeue").glob("*") if p.is_dir())
    result: dict[str, Any] = {"rocketmq_version": version, "store": str(store), "abort_present": abort_before,
                              "config": overrides}
    try:
        with running_broker(version, work, store_overrides=overrides, spec=spec, use_netns=use_netns) as live:
            store_log = live.log_dir / "store.log"
            value = None
            deadline = time.monotonic() + 60
            while value is None and time.monotonic() < deadline:
                text = store_log.read_text(errors="replace") if store_log.exists() else ""
                for pattern in RECOVERY_LINES:
                    found = pattern.findall(text)
                    if found:
                        value = int(found[-1])
                        break
                if value is None:
                    time.sleep(0.5)
            result["max_phy_offset"] = value
            rt = live.runtime(*[t for t in topics if not t.startswith("%")] or ["TBW102"])
            runtime = rt.get("runtime", {})
            result["runtime_commitlog_max_offset"] = _int(runtime.get("commitLogMaxOffset"))
            result["runtime_commitlog_min_offset"] = _int(runtime.get("commitLogMinOffset"))
            result["queues"] = [q for q in rt.get("queues", []) if q.get("broker") == spec.broker_name]
            result["store_log"] = [ln for ln in (store_log.read_text(errors="replace").splitlines()
                                                 if store_log.exists() else []) if STORE_LOG_RECOVERY.search(ln)]
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            result["work_dir"] = str(work)
    return result


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
