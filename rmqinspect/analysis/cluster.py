"""One cluster from many hosts' evidence: topology, registrations, HA pairs, incidents, a merged timeline
(issue 7, item 3).

Each host directory may hold RocketMQ log directories, store roots and ``.properties`` files, in any
layout; :func:`discover_host` finds them (a log dir holds ``broker.log``/``namesrv.log``; a store root holds
``commitlog/``). Sources and what each proves:

* **logs** (``analysis.events``): ``namesrv_boot`` (port), ``broker_boot`` (name, address, NameServer list),
  ``broker_config`` (the boot-time config dump: id, role, cluster), NameServer-side ``broker_registered`` /
  ``broker_unregistered`` / ``broker_expired`` / ``broker_channel_destroyed``, broker-side
  ``broker_register_ok`` / ``broker_register_failed``, HA ``ha_slave_connected`` / ``ha_connection_expired`` /
  ``ha_lag_bytes``, shutdowns, ``abnormal_shutdown_detected``, recovery truncations;
* **properties** (``analysis.config_lint``): the configured identity, after the broker's own overrides;
* **stores** (``analysis.diff``): for every broker group with a master and a slave store, the byte-level lag.

Time zones: log times are read in ``tz`` per host (RocketMQ's pattern prints GMT+8 without a marker; a host
whose JVM was configured otherwise needs its own ``tz``); everything is UTC from then on, so one timeline
can be sorted across hosts. Ties keep (host, file, line) order.

NameServer identity: a NameServer's log does not print its own IP, only its port; brokers name NameServers
by ``ip:port``. A NameServer is matched to an address by port when exactly one host runs a NameServer on
that port (``matched_by`` says so).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..findings import Finding

if TYPE_CHECKING:
    import polars as pl

MAX_DEPTH = 4
STORE_SUBDIRS = {
    "commitlog",
    "consumequeue",
    "index",
    "config",
    "batchconsumequeue",
    "timerlog",
    "rocksdbstore",
}
TIMELINE_TYPES = (
    "namesrv_boot",
    "namesrv_shutdown",
    "broker_boot",
    "broker_shutdown",
    "broker_registered",
    "broker_unregistered",
    "broker_expired",
    "broker_channel_destroyed",
    "broker_master_changed",
    "broker_role_change",
    "ha_slave_connected",
    "ha_connection_expired",
    "abnormal_shutdown_detected",
    "recovery_truncated",
    "crc_error",
    "magic_code_error",
    "store_bug",
    "disk_warning",
    "broker_register_failed",
)
# Fields worth showing per event in the timeline's detail column, in order.
DETAIL_FIELDS = (
    "broker_name",
    "broker_addr",
    "cluster",
    "ha_addr",
    "namesrv_addr",
    "namesrv_list",
    "port",
    "phase",
    "status",
    "slave_addr",
    "peer_addr",
    "request_offset",
    "old_addr",
    "new_addr",
    "role",
    "shutdown_ms",
    "store_root",
    "phy_offset",
    "max_phy_offset",
    "exception",
    "result",
    "success",
)


@dataclass
class HostEvidence:
    host: str
    dir: Path
    log_dirs: list[Path] = field(default_factory=list)
    stores: list[Path] = field(default_factory=list)
    properties: list[Path] = field(default_factory=list)


def parse_host_specs(specs: list[str]) -> list[tuple[str, Path]]:
    """``host=DIR`` (or a bare DIR, named after itself); duplicate host names are a usage error."""
    out: list[tuple[str, Path]] = []
    for spec in specs:
        name, sep, d = spec.partition("=")
        if sep and name and d and not os.path.exists(spec):
            host, path = name, Path(d)
        else:
            host, path = Path(spec).name or spec, Path(spec)
        if not path.is_dir():
            raise UsageError(
                f"{path}: not a directory (give HOST=DIR with the host's logs/stores/.properties)"
            )
        if host in {h for h, _ in out}:
            raise UsageError(f"host {host!r} given twice")
        out.append((host, path))
    if not out:
        raise UsageError("give at least one HOST=DIR")
    return out


def discover_host(host: str, root: Path) -> HostEvidence:
    """Walk ``root`` (≤ MAX_DEPTH levels, no symlinks) for log dirs, store roots and .properties files."""
    ev = HostEvidence(host, root)
    stack = [(root, 0)]
    while stack:
        d, depth = stack.pop()
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError:
            continue
        names = {e.name for e in entries}
        if "commitlog" in names:
            ev.stores.append(Path(d))
        if names & {"broker.log", "namesrv.log"}:
            ev.log_dirs.append(Path(d))
        for e in entries:
            if e.is_file(follow_symlinks=False) and e.name.endswith(".properties"):
                ev.properties.append(Path(e.path))
            elif (
                e.is_dir(follow_symlinks=False)
                and depth < MAX_DEPTH
                and e.name not in STORE_SUBDIRS
                and e.name != "otherdays"
            ):
                stack.append((Path(e.path), depth + 1))
    for lst in (ev.log_dirs, ev.stores, ev.properties):
        lst.sort()
    return ev


def _detail(r: dict[str, Any]) -> str:
    return " ".join(f"{k}={r[k]}" for k in DETAIL_FIELDS if r.get(k) is not None)


def read_events(
    hosts: list[HostEvidence], tz_of: dict[str, str], default_tz: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events of every host, plus every log line's (host, ts) — to know when a process last wrote anything."""
    import polars as pl

    from ..parsers.logs import read_lines
    from .events import events_schema, extract_events

    frames, stamps = [], []
    for h in hosts:
        if not h.log_dirs:
            continue
        lines = read_lines([str(d) for d in h.log_dirs], host=h.host, tz=tz_of.get(h.host, default_tz))
        frames.append(extract_events(lines))
        stamps.append(lines.select("host", "ts").drop_nulls())
    if not frames:
        return pl.DataFrame(schema=events_schema()), pl.DataFrame(
            schema={"host": pl.Utf8, "ts": pl.Datetime("ms", "UTC")}
        )
    return pl.concat(frames, how="diagonal_relaxed"), pl.concat(stamps)


# ---------------------------------------------------------------- topology


def _broker_rows(
    hosts: list[HostEvidence], ev: pl.DataFrame, version: tuple[int, int, int]
) -> list[dict[str, Any]]:
    """One row per (host, broker address): identity merged from properties, boot lines and config dumps."""
    import polars as pl

    from ..parsers.properties import read_properties
    from .config_lint import build

    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(host: str, addr: str) -> dict[str, Any]:
        return rows.setdefault(
            (host, addr),
            {
                "host": host,
                "broker_addr": addr,
                "cluster": None,
                "broker_name": None,
                "broker_id": None,
                "role": None,
                "ha_addr": None,
                "sources": [],
            },
        )

    for h in hosts:
        for p in h.properties:
            try:
                props = read_properties(p)
            except Exception:  # unreadable file: it is evidence we do not have, not a reason to stop
                continue
            if "brokerName" not in props.values and "brokerRole" not in props.values:
                continue  # namesrv.properties and friends
            b, _ = build(props, h.host, version)
            ip = props.values.get("brokerIP1", "").strip() or h.host
            r = row(h.host, f"{ip}:{b.listen_port}")
            r.update(
                cluster=b.cluster,
                broker_name=b.name,
                broker_id=b.broker_id,
                role=b.role,
                ha_addr=f"{ip}:{b.ha_port}",
            )
            r["sources"].append(f"properties:{p.name}")
    boots = ev.filter(pl.col("type") == "broker_boot")
    for r0 in boots.iter_rows(named=True):
        if r0.get("broker_addr"):
            r = row(r0["host"], r0["broker_addr"])
            r["broker_name"] = r["broker_name"] or r0.get("broker_name")
            if "log:broker_boot" not in r["sources"]:
                r["sources"].append("log:broker_boot")
    cfg = ev.filter(pl.col("type") == "broker_config")
    for host in cfg["host"].unique().to_list():
        dump = {k: v for k, v in cfg.filter(pl.col("host") == host).select("key", "value").iter_rows()}
        ip = (dump.get("brokerIP1") or "").strip()
        port = dump.get("listenPort")
        if not (ip and port):
            continue
        r = row(host, f"{ip}:{port}")
        r["cluster"] = r["cluster"] or dump.get("brokerClusterName")
        r["broker_name"] = r["broker_name"] or dump.get("brokerName")
        role = dump.get("brokerRole")
        r["role"] = r["role"] or role
        if r["broker_id"] is None and dump.get("brokerId") is not None:
            r["broker_id"] = 0 if role in ("ASYNC_MASTER", "SYNC_MASTER") else int(dump["brokerId"])
        r["sources"].append("log:config_dump")
    for h in hosts:
        # A store's records carry the STOREHOST of the broker that first wrote them; a slave's replicated
        # records name its master. So a store only identifies a broker on a host with no other evidence.
        if any(r["host"] == h.host for r in rows.values()):
            continue
        for root in [x for x in h.stores if x.name == "store"] or h.stores[:1]:
            addr = _store_host(root)
            if addr:
                row(h.host, addr)["sources"].append(f"store:{root.name} (STOREHOST; a slave's names its master)")
    reg = ev.filter(pl.col("type") == "broker_registered")
    for r0 in reg.iter_rows(named=True):
        for r in rows.values():
            if r["broker_addr"] == r0.get("broker_addr"):
                r["cluster"] = r["cluster"] or r0.get("cluster")
                r["ha_addr"] = r["ha_addr"] or r0.get("ha_addr")
    return sorted(
        rows.values(),
        key=lambda r: (r["cluster"] or "", r["broker_name"] or "", r["broker_id"] or 0, r["host"]),
    )


def _store_host(root: Path) -> str | None:
    """STOREHOST (ip:port) of the first record of the store's last data file, or None."""
    from .lookup import open_store

    try:
        st = open_store(root)
        files = st.reader.listing
        for k in range(len(files) - 1, -1, -1):
            try:
                return str(st.reader.read(files[k].offset)["store_host"])
            except Exception:  # an empty/zero file: try the one before
                continue
    except Exception:  # not a readable store: no evidence from it
        return None
    return None


def _namesrvs(
    hosts: list[HostEvidence], ev: pl.DataFrame, brokers: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    import polars as pl

    from ..parsers.properties import read_properties

    out: dict[str, dict[str, Any]] = {}
    for h in hosts:
        for p in h.properties:
            if p.name.startswith("namesrv"):
                try:
                    port = read_properties(p).values.get("listenPort", "9876").strip()
                except Exception:
                    continue
                out.setdefault(
                    h.host,
                    {
                        "host": h.host,
                        "port": int(port) if port.isdigit() else None,
                        "boots": 0,
                        "first_seen": None,
                        "last_seen": None,
                    },
                )
    boots = ev.filter(pl.col("type") == "namesrv_boot")
    for r0 in boots.iter_rows(named=True):
        n = out.setdefault(
            r0["host"], {"host": r0["host"], "port": None, "boots": 0, "first_seen": None, "last_seen": None}
        )
        n["port"] = n["port"] or r0.get("port")
        n["boots"] += 1
    for host, n in out.items():
        hev = ev.filter(pl.col("host") == host)
        if hev.height:
            n["first_seen"], n["last_seen"] = hev["ts"].min(), hev["ts"].max()
    addrs = set()
    for r0 in ev.filter(pl.col("type") == "broker_boot").iter_rows(named=True):
        addrs |= {a for a in (r0.get("namesrv_list") or "").split(";") if a}
    for r0 in ev.filter(pl.col("type").is_in(["broker_register_ok", "broker_register_failed"])).iter_rows(
        named=True
    ):
        if r0.get("namesrv_addr"):
            addrs.add(r0["namesrv_addr"])
    by_port: dict[int, list[str]] = {}
    for host, n in out.items():
        if n["port"]:
            by_port.setdefault(int(n["port"]), []).append(host)
    for n in out.values():
        n["addresses"] = (
            sorted(a for a in addrs if a.rpartition(":")[2] == str(n["port"]))
            if n["port"] and len(by_port.get(int(n["port"]), [])) == 1
            else []
        )
        n["matched_by"] = "port" if n["addresses"] else None
    return sorted(out.values(), key=lambda n: n["host"])


def _registrations(
    ev: pl.DataFrame, namesrvs: list[dict[str, Any]], brokers: list[dict[str, Any]]
) -> pl.DataFrame:
    """Per broker address × NameServer: from the NameServer's log (registered/lost) and the broker's own
    (register OK / failed), first and last times and counts."""
    import polars as pl

    host_of_ns = {a: n["host"] for n in namesrvs for a in n["addresses"]}
    addr_of_host: dict[str, str] = {}
    for b in brokers:
        addr_of_host.setdefault(b["host"], b["broker_addr"])
    ns_side = ev.filter(
        pl.col("type").is_in(["broker_registered", "broker_unregistered", "broker_expired"])
    ).select(pl.col("host").alias("namesrv_host"), "broker_addr", "type", "ts")
    br_side = (
        ev.filter(pl.col("type").is_in(["broker_register_ok", "broker_register_failed"]))
        .with_columns(
            pl.col("namesrv_addr")
            .replace_strict(host_of_ns, default=pl.col("namesrv_addr"))
            .alias("namesrv_host"),
            pl.col("host").replace_strict(addr_of_host, default=None).alias("broker_addr"),
        )
        .select("namesrv_host", "broker_addr", "type", "ts")
    )
    both = pl.concat([ns_side, br_side]).filter(pl.col("broker_addr").is_not_null())
    if both.height == 0:
        return pl.DataFrame(schema={"broker_addr": pl.Utf8, "namesrv_host": pl.Utf8})
    agg = both.group_by("broker_addr", "namesrv_host").agg(
        pl.col("ts").filter(pl.col("type") == "broker_registered").min().alias("first_registered"),
        pl.col("ts").filter(pl.col("type") == "broker_registered").max().alias("last_registered"),
        (pl.col("type") == "broker_registered").sum().alias("registrations"),
        pl.col("ts")
        .filter(pl.col("type").is_in(["broker_unregistered", "broker_expired"]))
        .max()
        .alias("last_lost"),
        pl.col("ts").filter(pl.col("type") == "broker_register_ok").min().alias("first_register_ok"),
        pl.col("ts").filter(pl.col("type") == "broker_register_ok").max().alias("last_register_ok"),
        (pl.col("type") == "broker_register_failed").sum().alias("register_failures"),
        pl.col("ts").filter(pl.col("type") == "broker_register_failed").max().alias("last_register_failed"),
    )
    return agg.sort("broker_addr", "namesrv_host")


# ---------------------------------------------------------------- incidents


def _runs(ts: list[Any], gap_s: float) -> list[tuple[Any, Any, int]]:
    """Group sorted times into runs separated by more than ``gap_s``: (first, last, count)."""
    out: list[tuple[Any, Any, int]] = []
    for t in ts:
        if out and (t - out[-1][1]).total_seconds() <= gap_s:
            out[-1] = (out[-1][0], t, out[-1][2] + 1)
        else:
            out.append((t, t, 1))
    return out


def incidents(ev: pl.DataFrame, stamps: pl.DataFrame | None = None) -> list[dict[str, Any]]:
    """What happened, derived from event sequences per host (each row cites the evidence it rests on).
    ``stamps`` (host, ts of every log line) sharpens "last line before a restart"; events alone would do."""
    import polars as pl

    out: list[dict[str, Any]] = []
    for host in sorted(ev["host"].unique().to_list()):
        h = ev.filter(pl.col("host") == host)
        lines = stamps.filter(pl.col("host") == host) if stamps is not None else h.select("ts")
        boots = h.filter(pl.col("type").is_in(["broker_boot", "namesrv_boot"])).sort("ts")
        downs = h.filter(
            (pl.col("type").is_in(["broker_shutdown", "namesrv_shutdown"]))
            & (pl.col("phase").is_null() | (pl.col("phase") != "unregister"))
        ).sort("ts")
        abn = h.filter(pl.col("type") == "abnormal_shutdown_detected").sort("ts")
        prev_boot = None
        for boot in boots.iter_rows(named=True):
            if prev_boot is not None:
                between = downs.filter((pl.col("ts") >= prev_boot["ts"]) & (pl.col("ts") <= boot["ts"]))
                if between.height:
                    out.append(
                        {
                            "ts": between["ts"][0],
                            "host": host,
                            "kind": "clean_restart",
                            "detail": f"shutdown at {between['ts'][0]}, booted again at {boot['ts']}",
                            "evidence": f"{between['file'][0]}:{between['line_no'][0]}, {boot['file']}:{boot['line_no']}",
                        }
                    )
                else:
                    # the new process starts with its config dump; the old one's last line precedes it
                    dump = h.filter(
                        (pl.col("type") == "broker_config")
                        & (pl.col("ts") > prev_boot["ts"])
                        & (pl.col("ts") <= boot["ts"])
                    )
                    start: Any = dump["ts"].min() if dump.height else boot["ts"]
                    last = lines.filter((pl.col("ts") >= prev_boot["ts"]) & (pl.col("ts") < start))
                    seen: Any = last["ts"].max() if last.height else prev_boot["ts"]
                    # the store's own verdict: abnormal recovery by the new process means the old one died
                    abn_after = abn.filter(
                        (pl.col("ts") >= start) & (pl.col("ts") <= boot["ts"] + timedelta(minutes=5))
                    )
                    kind = "crash_restart" if abn_after.height else "restart"
                    why = (
                        "the store recovered abnormally (abort file left: the process was killed)"
                        if abn_after.height
                        else "no shutdown line logged (killed, or the stop was not logged)"
                    )
                    out.append(
                        {
                            "ts": seen,
                            "host": host,
                            "kind": kind,
                            "last_seen": seen,
                            "restart_began": start,
                            "booted": boot["ts"],
                            "detail": f"last line at {seen}, restart began {start}, booted {boot['ts']}; {why}",
                            "evidence": f"{boot['file']}:{boot['line_no']}"
                            + (
                                f", {abn_after['file'][0]}:{abn_after['line_no'][0]}"
                                if abn_after.height
                                else ""
                            ),
                        }
                    )
            prev_boot = boot
        final = downs.filter(pl.col("ts") >= (boots["ts"].max() if boots.height else downs["ts"].min()))
        if final.height:
            out.append(
                {
                    "ts": final["ts"][0],
                    "host": host,
                    "kind": "shutdown",
                    "detail": "clean shutdown logged",
                    "evidence": f"{final['file'][0]}:{final['line_no'][0]}",
                }
            )
        exp = h.filter(pl.col("type") == "ha_connection_expired").sort("ts")
        for e in exp.iter_rows(named=True):
            out.append(
                {
                    "ts": e["ts"],
                    "host": host,
                    "kind": "ha_connection_lost",
                    "detail": f"HA connection with {e.get('peer_addr')} lost ({e.get('phase')})",
                    "evidence": f"{e['file']}:{e['line_no']}",
                }
            )
        resync = h.filter(
            (pl.col("type") == "ha_slave_connected")
            & (pl.col("phase") == "request")
            & (pl.col("request_offset") > 0)
        ).sort("ts")
        for e in resync.iter_rows(named=True):
            out.append(
                {
                    "ts": e["ts"],
                    "host": host,
                    "kind": "ha_slave_resumed",
                    "detail": f"slave {e.get('slave_addr')} (re)connected asking for offset {e['request_offset']}: "
                    "it held the commitlog up to there",
                    "evidence": f"{e['file']}:{e['line_no']}",
                }
            )
        fails = h.filter(pl.col("type") == "broker_register_failed").sort("ts")
        for ns in sorted(x for x in fails["namesrv_addr"].unique().to_list() if x):
            f = fails.filter(pl.col("namesrv_addr") == ns)
            for a, b, n in _runs(f["ts"].to_list(), 60):
                out.append(
                    {
                        "ts": a,
                        "host": host,
                        "kind": "namesrv_unreachable",
                        "detail": f"{n} failed registration(s) with {ns} from {a} to {b}",
                        "evidence": f"{f['file'][0]}",
                    }
                )
        lost = (
            h.filter(
                pl.col("type").is_in(["broker_unregistered", "broker_expired"])
                & pl.col("broker_addr").is_not_null()
            )
            .unique(subset=["ts", "type", "broker_addr"], keep="first", maintain_order=True)
            .sort("ts")
        )
        for r in lost.iter_rows(named=True):
            out.append(
                {
                    "ts": r["ts"],
                    "host": host,
                    "kind": "broker_" + r["type"].split("_")[1],
                    "detail": f"NameServer dropped {r.get('broker_addr')} ({r['type']})",
                    "evidence": f"{r['file']}:{r['line_no']}",
                }
            )
    return sorted(out, key=lambda x: (x["ts"] is None, x["ts"], x["host"]))


def timeline(ev: pl.DataFrame, limit: int | None = None) -> pl.DataFrame:
    """Notable events of all hosts in one UTC order (periodic ones like register_ok are left to the
    registrations table)."""
    import polars as pl

    t = ev.filter(pl.col("type").is_in(TIMELINE_TYPES))
    if "old_addr" in t.columns:  # the slave re-logs its (unchanged) master address every 10 s
        t = t.filter(
            ~(
                (pl.col("type") == "broker_master_changed") & (pl.col("old_addr") == pl.col("new_addr"))
            ).fill_null(False)
        )
    if "broker_addr" in t.columns:  # N12'/N14 log one unregistration twice
        t = t.unique(
            subset=["ts", "host", "type", "broker_addr", "broker_name"], keep="first", maintain_order=True
        )
    cols = [c for c in DETAIL_FIELDS if c in t.columns]
    rows = [
        {
            "ts": r["ts"],
            "host": r["host"],
            "type": r["type"],
            "detail": _detail(r),
            "file": r["file"],
            "line_no": r["line_no"],
        }
        for r in t.select("ts", "host", "type", "file", "line_no", *cols).iter_rows(named=True)
    ]
    schema: dict[str, Any] = {
        "ts": pl.Datetime("ms", "UTC"),
        "host": pl.Utf8,
        "type": pl.Utf8,
        "detail": pl.Utf8,
        "file": pl.Utf8,
        "line_no": pl.Int64,
    }
    df = pl.DataFrame(rows, schema=schema, orient="row").sort("ts", maintain_order=True)
    return df.head(limit) if limit else df


# ---------------------------------------------------------------- HA pairs


def ha_pairs(
    hosts: list[HostEvidence], brokers: list[dict[str, Any]], ev: pl.DataFrame, *, stores: bool = True
) -> list[dict[str, Any]]:
    """Per broker group: master and slaves, with store-based lag when both stores are here and the last
    HA lag the master logged."""
    import polars as pl

    from .diff import diff_stores

    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for b in brokers:
        if b["broker_name"]:
            groups.setdefault((b["cluster"] or "?", b["broker_name"]), []).append(b)
    store_of = {}
    for h in hosts:
        main = [s for s in h.stores if s.name == "store"] or h.stores
        if main:
            store_of[h.host] = main[0]
    out = []
    for (cluster, name), members in sorted(groups.items()):
        masters = [m for m in members if m["broker_id"] == 0]
        slaves = [m for m in members if (m["broker_id"] or 0) > 0]
        for s in slaves:
            m = masters[0] if masters else None
            row: dict[str, Any] = {
                "cluster": cluster,
                "broker_name": name,
                "master": m and m["broker_addr"],
                "master_host": m and m["host"],
                "slave": s["broker_addr"],
                "slave_host": s["host"],
                "slave_id": s["broker_id"],
                "verdict": None,
                "lag_bytes": None,
                "lag_messages": None,
                "lag_seconds": None,
                "last_logged_ha_lag_bytes": None,
                "max_logged_ha_lag_bytes": None,
                "max_logged_ha_lag_at": None,
            }
            if m is not None:
                lagev = (
                    ev.filter(
                        (pl.col("host") == m["host"])
                        & (pl.col("type") == "ha_lag_bytes")
                        & (pl.col("kind") != "dispatch")
                    )
                    if "kind" in ev.columns
                    else ev.clear()
                )
                if lagev.height:  # the master's periodic "slave fall behind" bytes (H11): the lag over time
                    lagev = lagev.sort("ts")
                    row["last_logged_ha_lag_bytes"] = int(lagev["bytes"][-1])
                    worst = lagev.row(int(lagev["bytes"].arg_max() or 0), named=True)
                    row["max_logged_ha_lag_bytes"], row["max_logged_ha_lag_at"] = int(worst["bytes"]), worst["ts"]
                if stores and m["host"] in store_of and s["host"] in store_of:
                    try:
                        r = diff_stores(store_of[m["host"]], store_of[s["host"]])
                        row.update(
                            verdict=r.verdict,
                            lag_bytes=r.lag_bytes,
                            lag_messages=r.lag_messages,
                            lag_seconds=r.lag_seconds,
                        )
                    except Exception as e:  # a pair we cannot compare is a finding of the report, not a crash
                        row["verdict"] = f"not compared: {e}"
            out.append(row)
    return out


@dataclass
class ClusterReport:
    hosts: list[HostEvidence]
    namesrvs: list[dict[str, Any]]
    brokers: list[dict[str, Any]]
    pairs: list[dict[str, Any]]
    registrations: pl.DataFrame
    incidents: list[dict[str, Any]]
    timeline: pl.DataFrame
    findings: list[Finding]

    def to_doc(self) -> dict[str, Any]:
        return {
            "hosts": [
                {
                    "host": h.host,
                    "dir": str(h.dir),
                    "log_dirs": [str(p) for p in h.log_dirs],
                    "stores": [str(p) for p in h.stores],
                    "properties": [str(p) for p in h.properties],
                }
                for h in self.hosts
            ],
            "namesrvs": self.namesrvs,
            "brokers": self.brokers,
            "ha_pairs": self.pairs,
            "registrations": self.registrations,
            "incidents": self.incidents,
            "timeline": self.timeline,
            "findings": self.findings,
        }


def build_cluster(
    specs: list[str],
    *,
    tz: str = "GMT+8",
    tz_of: dict[str, str] | None = None,
    version: tuple[int, int, int] = (5, 3, 3),
    stores: bool = True,
) -> ClusterReport:
    hosts = [discover_host(h, d) for h, d in parse_host_specs(specs)]
    if not any(h.log_dirs or h.stores or h.properties for h in hosts):
        raise UsageError("no RocketMQ logs, stores or .properties found under the directories given")
    ev, stamps = read_events(hosts, tz_of or {}, tz)
    brokers = _broker_rows(hosts, ev, version)
    namesrvs = _namesrvs(hosts, ev, brokers)
    findings: list[Finding] = []
    for h in hosts:
        if not (h.log_dirs or h.stores or h.properties):
            findings.append(
                Finding(
                    "warning",
                    "cluster_empty_host",
                    str(h.dir),
                    None,
                    f"host {h.host}: no logs, stores or .properties found",
                )
            )
    findings += _config_findings(hosts, version)
    groups: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for b in brokers:
        if b["broker_id"] == 0:
            groups.setdefault((b["cluster"], b["broker_name"]), []).append(b)
    for (cluster, name), ms in groups.items():
        if len(ms) > 1:
            findings.append(
                Finding(
                    "error",
                    "cluster_two_masters",
                    None,
                    None,
                    f"{cluster}/{name} has {len(ms)} masters: {', '.join(m['host'] + ' ' + m['broker_addr'] for m in ms)}",
                )
            )
    return ClusterReport(
        hosts,
        namesrvs,
        brokers,
        ha_pairs(hosts, brokers, ev, stores=stores),
        _registrations(ev, namesrvs, brokers),
        incidents(ev, stamps),
        timeline(ev),
        findings,
    )


def _config_findings(hosts: list[HostEvidence], version: tuple[int, int, int]) -> list[Finding]:
    """``config`` lint over every broker .properties found, each labelled with its host (so shared store
    paths and port clashes are checked per host); warnings and errors only."""
    from ..errors import RmqInspectError
    from ..parsers.properties import read_properties
    from .config_lint import lint

    files: list[tuple[str | None, Any]] = []
    out: list[Finding] = []
    for h in hosts:
        for p in h.properties:
            try:
                props = read_properties(p)
            except RmqInspectError as e:  # an unreadable file is a finding here, not the end of the report
                out.append(Finding("warning", "cluster_properties_unreadable", str(p), None, str(e)))
                continue
            if "brokerName" in props.values or "brokerRole" in props.values:
                files.append((h.host, props))
    if files:
        _, fs = lint(files, version)
        out += [f for f in fs if f.severity != "info"]
    return out
