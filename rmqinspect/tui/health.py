"""Overview content derived from what the parsers returned: identity rows, summary rows, health verdicts.

Every number here is a count or extreme of a parser/analysis frame; thresholds are named constants so
a verdict can be traced to the rule that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, is_dataclass
from typing import TYPE_CHECKING, Any

from .widgets.frame_view import fmt_value

if TYPE_CHECKING:
    import polars as pl

    from .app import RmqInspectApp

PUT_SLOW_MS = 500  # a put that held the lock this long is reported by the broker itself as slow ([NOTIFYME])

SCREEN_TITLES = {
    "overview": "1 Overview",
    "logs": "2 Logs",
    "timeline": "3 Timeline",
    "store": "4 Store",
    "integrity": "5 Integrity",
    "charts": "6 Charts",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    check: str
    level: str  # ok | warn | bad | n/a
    verdict: str
    detail: str
    screen: str

    @property
    def screen_title(self) -> str:
        return SCREEN_TITLES.get(self.screen, self.screen)


def as_dict(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f: getattr(obj, f) for f in obj.__dataclass_fields__}
    if hasattr(obj, "_asdict"):
        return dict(obj._asdict())
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")} if hasattr(obj, "__dict__") else {}


def pick(d: dict[str, Any], *names: str) -> Any:
    for n in names:
        v = d.get(n)
        if v not in (None, ""):
            return v
    return None


def _events(app: RmqInspectApp) -> pl.DataFrame | None:
    ev = app.logs.events
    return ev.value if ev.ready else None


def _count(events: pl.DataFrame | None, *types: str) -> int:
    if events is None or "type" not in events.columns:
        return 0
    return int(events["type"].is_in(list(types)).sum())


IDENTITY_KEYS = {
    "cluster": "brokerClusterName",
    "broker": "brokerName",
    "role": "brokerRole",
    "broker_id": "brokerId",
    "ip": "brokerIP1",
    "port": "listenPort",
}


def log_identities(events: pl.DataFrame | None) -> dict[str, dict[str, Any]]:
    """Per host: the identity its logs state — the last boot's config dump (``broker_config`` key/value
    events) and boot lines (``broker_boot`` / ``namesrv_boot``)."""
    import polars as pl

    out: dict[str, dict[str, Any]] = {}
    if events is None or not events.height or "type" not in events.columns:
        return out
    cfg = events.filter(pl.col("type") == "broker_config")
    if cfg.height and {"key", "value"} <= set(cfg.columns):
        wanted = list(IDENTITY_KEYS.values())
        last = cfg.filter(pl.col("key").is_in(wanted)).group_by(["host", "key"], maintain_order=True).last()
        for host, key, value in last.select("host", "key", "value").iter_rows():
            out.setdefault(host, {})[key] = value
    boots = events.filter(pl.col("type").is_in(["broker_boot", "namesrv_boot"]))
    for row in boots.group_by("host", maintain_order=True).last().to_dicts():
        d = out.setdefault(row["host"], {})
        d["_boot"] = row
    return out


def _role_evidence(events: pl.DataFrame, host: str, addr: str | None) -> str | None:
    """Role as the HA lines show it: a slave is told its master's address, a master accepts slaves."""
    import polars as pl

    mine = events.filter(pl.col("host") == host)
    told = mine.filter((pl.col("type") == "broker_master_changed") & pl.col("new_addr").is_not_null())
    if told.height and (addr is None or told["new_addr"][-1] != addr):
        return "slave (HA lines)"
    if mine.filter(pl.col("type") == "ha_slave_connected").height:
        return "master (HA lines)"
    return None


def identity_rows(app: RmqInspectApp) -> list[tuple[Any, ...]]:
    """host, role, cluster, broker, address, version, source — each from a line or a file that says so:
    boot lines and the config dump (broker logs), registrations (namesrv logs), HA lines (role),
    the checkpoint's fields (version generation) and the records' store host (store)."""
    import polars as pl

    events = _events(app)
    ids = log_identities(events)
    store_by_host = {st.label: st for st in app.stores}
    regs = (
        events.filter(pl.col("type") == "broker_registered")
        if events is not None and "type" in events.columns
        else None
    )
    rows: list[tuple[Any, ...]] = []
    for host in sorted(set(ids) | set(store_by_host)):
        d = ids.get(host, {})
        boot = d.get("_boot") or {}
        sources = ["logs"] if d else []
        role = d.get("brokerRole")
        addr = None
        if d.get("brokerIP1") and d.get("listenPort"):
            addr = f"{d['brokerIP1']}:{d['listenPort']}"
        addr = addr or boot.get("broker_addr")
        if boot.get("type") == "namesrv_boot":
            role = "nameserver"
            if boot.get("bind_addr"):
                addr = f"{boot['bind_addr']}:{boot['port']}" if boot.get("port") else boot["bind_addr"]
        version = None
        st = store_by_host.get(host)
        if st is not None and st.quick.ready:
            cp = st.quick.value.get("checkpoint")
            if cp is not None and getattr(cp, "version_hint", "any") != "any":
                version = f"{cp.version_hint} (checkpoint)"
            msgs = st.messages
            if addr is None and msgs is not None and msgs.height and "store_host" in msgs.columns:
                addr = msgs["store_host"].mode().sort()[0]
            sources.append("store")
        if role is None and events is not None and "type" in events.columns:
            role = _role_evidence(events, host, addr)
        cluster = d.get("brokerClusterName")
        if cluster is None and regs is not None and addr is not None and regs.height:
            hit = regs.filter(pl.col("broker_addr") == addr)
            if hit.height and hit["cluster"][-1]:
                cluster = hit["cluster"][-1]
                sources.append("namesrv")
        name = d.get("brokerName") or boot.get("broker_name")
        if not (role or addr or name or version):
            continue
        rows.append((host, role, cluster, name, addr, version, "+".join(sources)))
    return rows


def summary_rows(app: RmqInspectApp) -> list[tuple[Any, ...]]:
    """What each store holds, from ``StoreReport.to_doc()`` (the same numbers ``rmqinspect store`` prints)."""
    rows: list[tuple[Any, ...]] = []
    for st in app.stores:
        name = st.label
        if st.problem:
            rows.append((name, "store", st.problem))
            continue
        if st.quick.ready:
            q = st.quick.value
            ab = q.get("abort")
            if ab is not None:
                rows.append((name, "abort file", "present (last shutdown not clean, or running)" if ab.present else "absent"))
            lock = q.get("lock")
            if lock is not None and lock.held_by_pid:
                rows.append((name, "lock", f"held by process {lock.held_by_pid}: a broker is running"))
            if q.get("layout"):
                rows.append((name, "layout", q["layout"]))
        elif st.quick.message:
            rows.append((name, "store", st.quick.message))
        scan = st.scan
        if not scan.ready:
            if scan.status == "pending":
                rows.append((name, "commitlog", f"scanning… {st.stage}".strip()))
            elif scan.message:
                rows.append((name, "commitlog", scan.message))
            continue
        res = st.result.value
        cl = res.commitlog_doc
        if res.report_error:
            rows.append((name, "analysis", res.report_error))
        rows.append((name, "messages", cl.get("messages", res.messages.height if res.messages is not None else None)))
        if cl.get("records_beyond_valid_end"):
            rows.append((name, "records beyond valid end", cl["records_beyond_valid_end"]))
        if res.topics is not None:
            rows.append((name, "topics", res.topics.height))
        rows.append((name, "consume queues", res.queues))
        files = res.files
        if files is not None and hasattr(files, "height"):
            rows.append((name, "commitlog files", f"{files.height} × {res.file_size} bytes"))
            rows.append((name, "commitlog disk use", f"{int(files['size'].sum())} bytes (file lengths)"))
        rows.append((name, "valid end (phy offset)", res.valid_end))
        if cl.get("first_store_ts") is not None:
            rows.append((name, "store time", f"{fmt_value(cl.get('first_store_ts'))} … {fmt_value(cl.get('last_store_ts'))} UTC"))
        if "crc_verified" in cl:
            rows.append((name, "body CRC verified", "yes" if cl.get("crc_verified") else "no"))
    return rows


def verdicts(app: RmqInspectApp) -> list[Verdict]:
    out: list[Verdict] = []
    # Integrity and recovery, per store
    for st in app.stores:
        name = f"integrity ({st.label})" if len(app.stores) > 1 else "integrity"
        rname = f"recovery ({st.label})" if len(app.stores) > 1 else "recovery"
        if st.problem:
            out.append(Verdict(name, "bad", "unusable", st.problem, "integrity"))
            continue
        f = st.findings
        if not f.ready:
            pending = f.status == "pending"
            out.append(Verdict(name, "n/a", "scanning…" if pending else "n/a", f.message, "integrity"))
        else:
            df = f.value
            counts = {s: int((df["severity"] == s).sum()) for s in ("error", "warning", "info")} if df.height else {}
            level = "bad" if counts.get("error") else "warn" if counts.get("warning") else "ok"
            detail = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no findings"
            verdict = st.result.value.verdict or {"bad": "damaged", "warn": "attention", "ok": "intact"}[level]
            out.append(Verdict(name, level, verdict, detail, "integrity"))
        r = st.recovery
        if r.ready:
            rec = r.value
            if rec.refuses_to_start:
                out.append(Verdict(rname, "bad", "broker would not start", rec.refuses_to_start, "integrity"))
            else:
                lost = rec.dropped_bytes or rec.dropped_messages
                detail = f"{rec.mode} recovery; keeps up to offset {rec.recovered_offset}"
                if lost:
                    detail += f", drops {rec.dropped_bytes} bytes / {rec.dropped_messages} messages"
                out.append(Verdict(rname, "bad" if rec.dropped_messages else "warn" if lost else "ok",
                                   "would drop data" if lost else "nothing lost", detail, "integrity"))
        else:
            out.append(Verdict(rname, "n/a", "…" if r.status == "pending" else "n/a", r.message, "integrity"))
    # Logs-derived
    lines = app.logs.lines
    events = _events(app)
    if lines.ready and lines.value is not None:
        import polars as pl

        df = lines.value
        n_err = int((df["level"] == "ERROR").sum()) if "level" in df.columns else 0
        n_warn = int((df["level"] == "WARN").sum()) if "level" in df.columns else 0
        level = "bad" if n_err else "warn" if n_warn else "ok"
        out.append(Verdict("log errors", level, f"{n_err} ERROR", f"{n_warn} WARN in {df.height} lines", "logs"))
        ha_bad = _count(events, "ha_connection_expired", "ha_sync_timeout")
        ha_ok = _count(events, "ha_slave_connected")
        lag = _count(events, "ha_lag_bytes")
        level = "warn" if ha_bad else "ok" if (ha_ok or lag) else "n/a"
        out.append(
            Verdict(
                "replication",
                level,
                f"{ha_bad} HA problems" if ha_bad else ("connected" if ha_ok else "no HA events"),
                f"{ha_ok} slave connects, {lag} lag reports",
                "charts",
            )
        )
        if events is not None and "type" in events.columns and "ms" in events.columns:
            puts = events.filter(pl.col("type") == "put_cost_ms")
            worst: Any = puts["ms"].max() if puts.height else None
            slow = int((puts["ms"] >= PUT_SLOW_MS).sum()) if puts.height else 0
            out.append(
                Verdict(
                    "put latency",
                    "warn" if slow else "ok" if puts.height else "n/a",
                    f"max {worst} ms" if worst is not None else "no reports",
                    f"{slow} puts ≥ {PUT_SLOW_MS} ms of {puts.height}",
                    "charts",
                )
            )
        reg_bad = _count(events, "broker_expired", "broker_register_failed", "broker_channel_destroyed")
        regs = _count(events, "broker_registered", "broker_register_ok")
        out.append(
            Verdict(
                "registrations",
                "warn" if reg_bad else "ok" if regs else "n/a",
                f"{reg_bad} expiries/failures",
                f"{regs} registrations",
                "timeline",
            )
        )
        disk = _count(events, "disk_warning")
        out.append(Verdict("disk", "warn" if disk else "ok", f"{disk} disk warnings", "", "timeline"))
        boots = _count(events, "broker_boot", "namesrv_boot")
        abn = _count(events, "abnormal_shutdown_detected")
        out.append(
            Verdict("restarts", "warn" if abn else "ok", f"{boots} boots", f"{abn} abnormal shutdowns detected", "timeline")
        )
    else:
        out.append(Verdict("logs", "n/a", "n/a" if lines.status != "pending" else "…", lines.message, "logs"))
    return out
