"""Master vs slave store: replication lag, the first byte where the commitlogs differ, consume-queue and
config differences, and a verdict (issue 7, item 2).

Why a byte compare is meaningful: HA replication (``HAService``/``HAConnection``, 4.x–5.x default mode)
ships the master's commitlog *bytes* and the slave appends them at the **same physical offsets**; a slave's
commitlog is therefore a prefix of the master's, possibly starting later (an empty slave is fed from the
start of the master's last file). Any differing byte inside the range both hold means the two stores no
longer describe one history (a master that lost its tail and took new writes, a wrong pair, damage).

Lag (when the slave is a prefix): bytes = master end − slave end (ends = the scanner's ``valid_end``, where
the broker's own recovery would stop); messages = master records starting at or after the slave's end;
seconds = master's last STORETIMESTAMP − STORETIMESTAMP of the last message both hold.

Consume queues: per ``topic/queue`` the unit count of each store (binary search for the queue's end) and
whether the last common unit is identical; the slave builds its own queues from the replicated bytes, so
they should agree up to its end. Config: the JSON files the slave copies from the master every 10 s
(``SlaveSynchronize``: topics, consumer offsets, delay offsets, subscription groups).

Memory: commitlogs are compared in fixed chunks (``CHUNK`` bytes, ``numpy`` vectorised) and scanned with
``iter_commitlog`` keeping a few columns; nothing holds a whole store. Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import UsageError
from ..findings import Finding
from .lookup import Store, _queue_files, _queue_len, cq_unit, open_store

if TYPE_CHECKING:
    import polars as pl

CHUNK = 8 << 20
KEEP = [
    "phy_offset",
    "size",
    "store_ts",
    "store_host",
    "topic",
    "queue_id",
    "queue_offset",
    "msg_id",
    "beyond_valid_end",
]
SYNCED_CONFIG = ("topics.json", "consumerOffset.json", "delayOffset.json", "subscriptionGroup.json")


@dataclass
class Side:
    store: Store
    messages: pl.DataFrame
    valid_end: int | None
    first_offset: int | None  # start of the first commitlog file
    findings: list[Finding]


@dataclass
class DiffResult:
    master: str
    slave: str
    master_end: int | None
    slave_end: int | None
    master_first: int | None
    slave_first: int | None
    compared: tuple[int, int] | None  # [start, end) of the byte range both hold
    first_difference: int | None
    lag_bytes: int | None
    lag_messages: int | None
    lag_seconds: float | None
    last_common: dict[str, Any] | None
    master_last: dict[str, Any] | None
    slave_only_messages: int
    verdict: str
    queues: pl.DataFrame
    config: list[dict[str, Any]]
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "master",
                "slave",
                "verdict",
                "master_first",
                "master_end",
                "slave_first",
                "slave_end",
                "compared",
                "first_difference",
                "lag_bytes",
                "lag_messages",
                "lag_seconds",
                "last_common",
                "master_last",
                "slave_only_messages",
            )
        }


def _scan(store: Store) -> Side:
    import polars as pl

    from ..parsers import fileio
    from ..parsers.commitlog import iter_commitlog

    it = iter_commitlog(store.commitlog, properties=False)
    frames = [f.select(KEEP) for f in it]
    res = it.result(pl.concat(frames) if frames else None)
    msgs = (
        res.messages.select(KEEP)
        if res.messages.height
        else pl.DataFrame(schema={k: res.messages.schema[k] for k in KEEP})
    )
    listing = fileio.list_mapped_files(store.commitlog, check_prefix="commitlog_file", rel_root=store.root)
    first = listing[0].offset if len(listing) else None
    return Side(
        store, msgs.filter(~pl.col("beyond_valid_end").fill_null(False)), res.valid_end, first, res.findings
    )


def first_difference(a: Store, b: Store, start: int, end: int, chunk: int = CHUNK) -> int | None:
    """First global offset in [start, end) where the two commitlogs' bytes differ; chunked numpy compare."""
    from ..parsers import fileio

    la = fileio.list_mapped_files(a.commitlog, check_prefix="commitlog_file", rel_root=a.root)
    lb = fileio.list_mapped_files(b.commitlog, check_prefix="commitlog_file", rel_root=b.root)
    pos = start
    while pos < end:
        fa, fb = la.locate(pos), lb.locate(pos)
        if fa is None or fb is None:
            return pos  # one side has a hole here: the stores cannot agree
        n = min(chunk, end - pos, fa.end - pos, fb.end - pos)
        with fileio.open_ro(fa.path) as da, fileio.open_ro(fb.path) as db:
            ba = fileio.pread_exact(da, n, pos - fa.offset)
            bb = fileio.pread_exact(db, n, pos - fb.offset)
        m = min(len(ba), len(bb))
        if m == 0:
            return pos
        x = np.frombuffer(ba, dtype=np.uint8, count=m)
        y = np.frombuffer(bb, dtype=np.uint8, count=m)
        neq = np.flatnonzero(x != y)
        if neq.size:
            return pos + int(neq[0])
        if m < n:
            return pos + m  # short read on one side (file shorter than its name promises)
        pos += n
    return None


def _row(df: pl.DataFrame, i: int) -> dict[str, Any] | None:
    if df.height == 0:
        return None
    r = df.row(i, named=True)
    return {
        k: r[k] for k in ("phy_offset", "size", "store_ts", "topic", "queue_id", "queue_offset", "msg_id")
    }


def diff_queues(m: Store, s: Store) -> pl.DataFrame:
    """Per queue present on either side: units on each, and whether the last common unit is identical."""
    import polars as pl

    from ..parsers.consumequeue import iter_queue_dirs

    keys = {(q.topic, q.queue_id) for q in iter_queue_dirs(m.root)} | {
        (q.topic, q.queue_id) for q in iter_queue_dirs(s.root)
    }
    rows = []
    for topic, qid in sorted(keys):
        fm, fs = _queue_files(m, topic, qid), _queue_files(s, topic, qid)
        nm, ns = _queue_len(fm) if fm is not None else 0, _queue_len(fs) if fs is not None else 0
        common = min(nm, ns)
        same = None
        if common > 0:
            um, us = cq_unit(m, topic, qid, common - 1, fm), cq_unit(s, topic, qid, common - 1, fs)
            same = (
                um is not None
                and us is not None
                and (um["phy_offset"], um["size"], um["tags_code"])
                == (us["phy_offset"], us["size"], us["tags_code"])
            )
        state = (
            "same"
            if nm == ns and same is not False
            else (
                "slave_missing_queue"
                if fs is None
                else "master_missing_queue"
                if fm is None
                else "differs"
                if same is False
                else "slave_behind"
                if ns < nm
                else "slave_ahead"
            )
        )
        rows.append(
            {
                "topic": topic,
                "queue_id": qid,
                "master_units": nm,
                "slave_units": ns,
                "units_behind": nm - ns,
                "last_common_unit_equal": same,
                "state": state,
            }
        )
    schema = {
        "topic": pl.Utf8,
        "queue_id": pl.Int32,
        "master_units": pl.Int64,
        "slave_units": pl.Int64,
        "units_behind": pl.Int64,
        "last_common_unit_equal": pl.Boolean,
        "state": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def diff_config(m: Store, s: Store) -> list[dict[str, Any]]:
    """The JSON files a slave copies from its master: same or not, and how (counts of entries)."""
    from ..parsers.configjson import read_config

    cm, cs = read_config(m.root), read_config(s.root)
    out = []
    for name in SYNCED_CONFIG:
        a, b = cm.get(name), cs.get(name)
        if a is None and b is None:
            continue
        ta, tb = _table(a), _table(b)
        only_m = sorted(set(ta) - set(tb))
        only_s = sorted(set(tb) - set(ta))
        changed = sorted(k for k in set(ta) & set(tb) if ta[k] != tb[k])
        out.append(
            {
                "file": f"config/{name}",
                "same": not (only_m or only_s or changed),
                "only_master": only_m[:20],
                "only_slave": only_s[:20],
                "differing": changed[:20],
                "counts": [len(only_m), len(only_s), len(changed)],
            }
        )
    return out


def _table(doc: Any) -> dict[str, Any]:
    """The main map of a config file (topicConfigTable, offsetTable, subscriptionGroupTable …)."""
    if not isinstance(doc, dict):
        return {}
    for k in ("topicConfigTable", "offsetTable", "subscriptionGroupTable"):
        if isinstance(doc.get(k), dict):
            return {str(x): y for x, y in doc[k].items()}
    return {str(k): v for k, v in doc.items() if k not in ("dataVersion",)}


def check_pair(m: Side, s: Side, start: int | None) -> None:
    """Refuse stores that are not a master and its slave: the record at the start of the common range
    must carry the same store host on both (HA copies bytes, so even the slave's records name the master)."""
    if start is None or m.messages.height == 0 or s.messages.height == 0:
        return
    import polars as pl

    hm = m.messages.filter(pl.col("phy_offset") >= start).head(1)["store_host"].to_list()
    hs = s.messages.filter(pl.col("phy_offset") >= start).head(1)["store_host"].to_list()
    if hm and hs and hm[0] != hs[0]:
        raise UsageError(
            f"not a master/slave pair: at offset {start} the master's records were stored by {hm[0]}, "
            f"the slave's by {hs[0]} (two different brokers' stores, e.g. two masters)"
        )


def sibling_properties(store: Store) -> Path | None:
    """``broker.properties`` next to the store root (the lab's and many installs' layout), if any."""
    p = store.root.parent / "broker.properties"
    return p if p.is_file() else None


def check_roles(ms: Store, ss: Store) -> list[Finding]:
    """With both brokers' .properties beside their stores: refuse two masters or two broker groups; say
    when MASTER_STORE is configured as the slave (arguments swapped)."""
    from ..parsers.properties import read_properties
    from .config_lint import MASTER_ROLES, build

    pm, ps = sibling_properties(ms), sibling_properties(ss)
    if pm is None or ps is None:
        return []
    bm, _ = build(read_properties(pm), None, (5, 3, 3))
    bs, _ = build(read_properties(ps), None, (5, 3, 3))
    if bm.role in MASTER_ROLES and bs.role in MASTER_ROLES:
        raise UsageError(f"not a master/slave pair: {pm} and {ps} are both masters ({bm.role}, {bs.role})")
    if bm.name != bs.name:
        raise UsageError(f"not a master/slave pair: brokerName {bm.name} ({pm}) vs {bs.name} ({ps})")
    out = []
    if bm.role == "SLAVE" and bs.role in MASTER_ROLES:
        out.append(Finding("warning", "diff_swapped", str(pm), bm.line("brokerRole"),
                           "MASTER_STORE's broker.properties says SLAVE and SLAVE_STORE's says master: arguments swapped?"))
    return out


def diff_stores(master: str | Path, slave: str | Path, *, chunk: int = CHUNK) -> DiffResult:
    import polars as pl

    ms, ss = open_store(master), open_store(slave)
    if ms.root.resolve() == ss.root.resolve():
        raise UsageError("MASTER_STORE and SLAVE_STORE are the same directory")
    findings: list[Finding] = check_roles(ms, ss)
    m, s = _scan(ms), _scan(ss)
    me, se = m.valid_end or 0, s.valid_end or 0
    start = max(m.first_offset or 0, s.first_offset or 0)
    end = min(me, se)
    compared = (start, end) if end > start else None
    check_pair(m, s, start if compared else None)
    diff_at = first_difference(ms, ss, start, end, chunk) if compared else None
    mm = m.messages
    # the last message both hold: ends at or before the common end (and before any difference)
    common_end = diff_at if diff_at is not None else end
    common = mm.filter((pl.col("phy_offset") + pl.col("size").cast(pl.Int64)) <= common_end)
    last_common = _row(common, common.height - 1) if common.height else None
    master_last = _row(mm, mm.height - 1) if mm.height else None
    lag_bytes = lag_msgs = None
    lag_s = None
    slave_only = 0
    if diff_at is None:
        lag_bytes = me - se
        lag_msgs = mm.filter(pl.col("phy_offset") >= se).height if se < me else 0
        slave_only = s.messages.filter(pl.col("phy_offset") >= me).height if se > me else 0
        if master_last and last_common:
            lag_s = max(0.0, (master_last["store_ts"] - last_common["store_ts"]).total_seconds())
        elif master_last and not last_common:
            lag_s = None
    if diff_at is not None:
        verdict = (
            f"DIVERGED: the commitlogs differ from offset {diff_at}; messages after it on either side "
            "are not the same history"
        )
        findings.append(Finding("error", "diff_diverged", "commitlog", diff_at, verdict))
    elif se > me:
        verdict = (
            f"SLAVE AHEAD by {se - me} bytes ({slave_only} messages): the master lacks data its slave holds "
            "(master lost unflushed data?)"
        )
        findings.append(Finding("error", "diff_slave_ahead", "commitlog", me, verdict))
    elif me == se:
        verdict = "IN SYNC: the slave holds every byte of the master's commitlog"
    elif compared is None and se == 0:
        verdict = "SLAVE EMPTY: nothing replicated"
        findings.append(Finding("warning", "diff_slave_empty", "commitlog", None, verdict))
    else:
        verdict = f"SLAVE BEHIND by {lag_bytes} bytes, {lag_msgs} messages" + (
            f", {lag_s:.3f} s" if lag_s is not None else ""
        )
        findings.append(Finding("warning", "diff_lag", "commitlog", se, verdict))
    queues = diff_queues(ms, ss)
    for r in queues.filter(
        pl.col("state").is_in(["differs", "slave_ahead", "master_missing_queue"])
    ).iter_rows(named=True):
        findings.append(
            Finding(
                "warning",
                "diff_consume_queue",
                f"consumequeue/{r['topic']}/{r['queue_id']}",
                None,
                f"{r['state']}: master {r['master_units']} units, slave {r['slave_units']}",
            )
        )
    config = diff_config(ms, ss)
    for c in config:
        if not c["same"]:
            n_m, n_s, n_d = c["counts"]
            findings.append(
                Finding(
                    "info",
                    "diff_config",
                    c["file"],
                    None,
                    f"only on master {n_m}, only on slave {n_s}, differing {n_d} "
                    "(the slave copies these every 10 s; a stopped slave keeps old values)",
                )
            )
    return DiffResult(
        str(ms.root),
        str(ss.root),
        me,
        se,
        m.first_offset,
        s.first_offset,
        compared,
        diff_at,
        lag_bytes,
        lag_msgs,
        lag_s,
        last_common,
        master_last,
        slave_only,
        verdict,
        queues,
        config,
        findings,
    )
