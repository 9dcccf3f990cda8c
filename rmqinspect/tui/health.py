"""Overview content derived from what the parsers returned: identity rows, summary rows, health verdicts.

Every number here is a count or extreme of a parser/analysis frame; thresholds are named constants so
a verdict can be traced to the rule that produced it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, is_dataclass
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


def identity_rows(app: RmqInspectApp) -> list[tuple[Any, ...]]:
    """host, role, cluster, broker, address, version, source — from store summaries and boot events."""
    rows: list[tuple[Any, ...]] = []
    for st in app.stores:
        s = as_dict(st.summary.value) if st.summary.ready else {}
        ident = as_dict(s.get("identity")) or s
        if not ident:
            continue
        rows.append(
            (
                st.label,
                pick(ident, "broker_role", "role"),
                pick(ident, "cluster", "broker_cluster_name", "cluster_name"),
                pick(ident, "broker_name"),
                pick(ident, "broker_addr", "store_host", "address"),
                pick(ident, "version_guess", "version", "rocketmq_version"),
                "store",
            )
        )
    events = _events(app)
    if events is not None and events.height and "type" in events.columns:
        import polars as pl

        boots = events.filter(pl.col("type").is_in(["broker_boot", "namesrv_boot"]))
        for host in sorted(set(boots["host"].drop_nulls().to_list())) if "host" in boots.columns else []:
            last = boots.filter(pl.col("host") == host).tail(1).to_dicts()[0]
            role = "nameserver" if last["type"] == "namesrv_boot" else None
            rows.append(
                (
                    host,
                    role or pick(last, "role", "broker_role"),
                    pick(last, "cluster"),
                    pick(last, "broker_name"),
                    pick(last, "broker_addr", "bind_addr"),
                    pick(last, "version"),
                    "logs (last boot)",
                )
            )
    return rows


def summary_rows(app: RmqInspectApp) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for st in app.stores:
        msgs = st.messages
        if msgs is not None:
            rows.append((st.label, "messages", msgs.height))
            if "topic" in msgs.columns:
                rows.append((st.label, "topics", msgs["topic"].n_unique()))
            if "store_ts" in msgs.columns and msgs.height:
                rows.append((st.label, "first store time", fmt_value(msgs["store_ts"].min())))
                rows.append((st.label, "last store time", fmt_value(msgs["store_ts"].max())))
        scan = st.scan.value
        if scan is not None:
            files = getattr(scan, "files", None)
            if files is not None and hasattr(files, "height"):
                rows.append((st.label, "commitlog files", files.height))
            if getattr(scan, "valid_end", None) is not None:
                rows.append((st.label, "valid end (phy offset)", scan.valid_end))
        elif st.scan.message:
            rows.append((st.label, "commitlog", st.scan.message))
        if st.summary.ready:
            for k, v in as_dict(st.summary.value).items():
                if k == "identity" or hasattr(v, "height"):
                    continue
                if isinstance(v, dict | list) or is_dataclass(v):
                    v = asdict(v) if is_dataclass(v) and not isinstance(v, type) else v
                rows.append((st.label, k, fmt_value(v) if not isinstance(v, list) else ", ".join(map(str, v))))
        elif st.summary.message and not st.problem:
            rows.append((st.label, "summary", st.summary.message))
    return rows


def verdicts(app: RmqInspectApp) -> list[Verdict]:
    out: list[Verdict] = []
    # Integrity
    for st in app.stores:
        f = st.findings
        name = f"integrity ({st.label})" if len(app.stores) > 1 else "integrity"
        if st.problem:
            out.append(Verdict(name, "bad", "unusable", st.problem, "integrity"))
        elif not f.ready:
            out.append(Verdict(name, "n/a", "scanning…" if f.status == "pending" else "n/a", f.message, "integrity"))
        else:
            df = f.value
            counts = {s: int((df["severity"] == s).sum()) for s in ("error", "warning", "info")} if df.height else {}
            level = "bad" if counts.get("error") else "warn" if counts.get("warning") else "ok"
            detail = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no findings"
            out.append(Verdict(name, level, {"bad": "damaged", "warn": "suspicious", "ok": "clean"}[level], detail, "integrity"))
        r = st.recovery
        rname = f"recovery ({st.label})" if len(app.stores) > 1 else "recovery"
        if r.ready:
            d = as_dict(r.value)
            verdict = pick(d, "verdict", "state", "mode") or "predicted"
            detail = pick(d, "detail", "summary", "reason") or ""
            lost = pick(d, "bytes_lost", "truncated_bytes", "lost_bytes")
            if lost:
                detail = f"{detail} ({lost} bytes would be dropped)".strip()
            level = "warn" if lost or "abnormal" in str(verdict) else "ok"
            out.append(Verdict(rname, level, str(verdict), str(detail), "integrity"))
        elif not st.problem:
            out.append(Verdict(rname, "n/a", "n/a" if r.status != "pending" else "…", r.message, "integrity"))
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
            worst = puts["ms"].max() if puts.height else None
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
