"""manifest.json and the run's README.md: what the lab did, in the schema documented in lab/README.md.

Paths in the manifest are relative to the run directory, so a sample can be moved or cloned; the
broker.properties files keep the absolute paths the brokers really ran with.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from . import cluster

SCHEMA_VERSION = 1


def _size(props: dict[str, str] | None, suffix: str) -> int | None:
    """A file size as the broker was configured (key spelt ``mapped…`` or, in 4.4.0, ``maped…``)."""
    props = props or {}
    value = props.get(f"mapped{suffix}", props.get(f"maped{suffix}"))
    return int(value) if value is not None else None


def _process(m: cluster.Member, pids: list[int]) -> dict[str, Any]:
    spec = m.spec
    is_broker = m.kind == "broker"
    return {
        "name": m.name,
        "kind": m.kind,
        "broker_name": spec.broker_name if spec else None,
        "broker_id": spec.broker_id if spec else None,
        "role": spec.role if spec else None,
        "flush": spec.flush if spec else None,
        "listen_port": m.listen_port,
        "ha_port": m.ha_port,
        "namesrv_addr": m.namesrv_addr,
        "store_dir": f"{m.name}/store" if is_broker else None,
        "log_dir": f"{m.name}/logs/rocketmqlogs",
        "properties": m.properties or {},
        "mapped_file_size_commitlog": _size(m.properties, "FileSizeCommitLog") if is_broker else None,
        "mapped_file_size_consume_queue": _size(m.properties, "FileSizeConsumeQueue") if is_broker else None,
        "pid": pids[0] if pids else None,
        "pids": pids,
    }


_SEND_KEYS = ("status", "msg_id", "offset_msg_id", "topic", "queue_id", "queue_offset", "broker", "keys",
              "tags", "body_len", "body_sha256", "send_ts_ms", "kind", "delay_level", "transaction_id")


def _send(row: dict[str, Any]) -> dict[str, Any]:
    doc = {k: row.get(k) for k in _SEND_KEYS}
    for k in ("phase", "error", "local_tx_state"):
        if k in row:
            doc[k] = row[k]
    return doc


def build(version: str, members: list[cluster.Member], sends: list[dict[str, Any]],
          incidents: list[dict[str, Any]], extra: dict[str, Any]) -> dict[str, Any]:
    pids: dict[str, list[int]] = extra.get("pids", {})
    crash_copies = [f"{i['process']}/store-at-crash" for i in incidents if i["type"] == "kill_master"]
    return {
        "schema_version": SCHEMA_VERSION,
        "rocketmq_version": version,
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cluster": cluster.CLUSTER,
        "processes": [_process(m, pids.get(m.name, [])) for m in members],
        "sends": [_send(r) for r in sends],
        "consumer": extra.get("consumer"),
        "retry_consumer": extra.get("retry_consumer"),
        "incidents": incidents,
        "recovered_max_phy_offset": extra.get("recovered_max_phy_offset"),
        "crash_copies": crash_copies,
        "topic_creation": extra.get("topic_creation", []),
        "runtime_after_restart": extra.get("runtime_after_restart"),
        "runtime_before_shutdown": extra.get("runtime_before_shutdown"),
    }


def write(out: Path, doc: dict[str, Any]) -> None:
    (out / "manifest.json").write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")
    (out / "README.md").write_text(readme(doc))


def _utc(ts_ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts_ms / 1000)) + f".{ts_ms % 1000:03d}Z"


def readme(doc: dict[str, Any]) -> str:
    """A short human summary of one run: topology, ports, traffic, incident times."""
    lines = [
        f"# RocketMQ {doc['rocketmq_version']} lab run ({doc['created_utc']})",
        "",
        "Real output of Apache RocketMQ NameServers and Brokers started by `lab/run` from the Maven Central",
        "jars, on 127.0.0.1 only. `manifest.json` records every send and every incident; its schema is in",
        "`lab/README.md`. Log timestamps are GMT+8 (the RocketMQ logback pattern); manifest times are UTC ms.",
        "",
        "## Topology",
        "",
        "| process | kind | broker | id | role | flush | port | HA port |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in doc["processes"]:
        lines.append(
            f"| {p['name']} | {p['kind']} | {p['broker_name'] or ''} | {'' if p['broker_id'] is None else p['broker_id']}"
            f" | {p['role'] or ''} | {p['flush'] or ''} | {p['listen_port']} | {p['ha_port'] or ''} |"
        )
    brokers = [p for p in doc["processes"] if p["kind"] == "broker"]
    if brokers:
        b = brokers[0]
        lines += ["", f"Store files: commitlog {b['mapped_file_size_commitlog']} B, consume queue "
                  f"{b['mapped_file_size_consume_queue']} B, index maxHashSlotNum={b['properties'].get('maxHashSlotNum')}"
                  f" maxIndexNum={b['properties'].get('maxIndexNum')}."]
    sends = doc["sends"]
    kinds = Counter(s["kind"] for s in sends)
    statuses = Counter(s["status"] for s in sends)
    topics = Counter(s["topic"] for s in sends)
    lines += ["", "## Traffic", "",
              f"{len(sends)} sends. Kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ".",
              "Statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) + ".",
              "Topics: " + ", ".join(f"`{k}` ({len(k)} chars) {v}" for k, v in sorted(topics.items())) + "."]
    if sends:
        lines.append(f"Body sizes {min(s['body_len'] for s in sends)} B … {max(s['body_len'] for s in sends)} B.")
    failures = Counter(
        (s["status"], (s.get("error") or "").splitlines()[0][:120] if s.get("error") else "")
        for s in sends if s["status"] != "SEND_OK"
    )
    if failures:
        lines += ["", "Sends not SEND_OK (status, first line of the client's error):", ""]
        lines += [f"* {n} × {status}" + (f": {err}" if err else "") for (status, err), n in sorted(failures.items())]
        lines.append("")
    consumer = doc.get("consumer")
    if consumer:
        lines.append(f"Consumer group `{consumer['group']}` pulled part of `{consumer['topic']}` and committed "
                     + ", ".join(f"{o['broker']}/{o['queue_id']}={o['committed_offset']}" for o in consumer["offsets"])
                     + ".")
    retry = doc.get("retry_consumer")
    if retry:
        redelivered = sum(1 for d in retry["deliveries"] if d["reconsume_times"] > 0)
        lines.append(f"Push consumer group of {len(retry['group'])} characters answered RECONSUME_LATER once per "
                     f"message of `{retry['topic']}`; its retry topic `%RETRY%…` has {len(retry['retry_topic'])} "
                     f"characters; {len(retry['deliveries'])} deliveries, {redelivered} of them redeliveries.")
    lines += ["", "## Incidents (UTC)", "", "| time | type | process | detail |", "|---|---|---|---|"]
    for i in doc["incidents"]:
        lines.append(f"| {_utc(i['ts_ms'])} | {i['type']} | {i['process']} | {i['detail']} |")
    lines += ["", f"Recovered max physical offset of the restarted broker (its store.log): "
              f"{doc['recovered_max_phy_offset']}.",
              "Crash snapshots (copied after kill -9, before the restart): "
              + (", ".join(f"`{c}`" for c in doc["crash_copies"]) or "none") + ".", ""]
    return "\n".join(lines)


def load(run_dir: Path) -> dict[str, Any]:
    """Reads ``run_dir/manifest.json`` (a lab run or a sample)."""
    doc: dict[str, Any] = json.loads((Path(run_dir) / "manifest.json").read_text(encoding="utf-8"))
    return doc
