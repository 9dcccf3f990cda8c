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

Memory and I/O: commitlogs are compared in fixed chunks (``CHUNK`` bytes, ``numpy`` vectorised); records are
decoded only from the file before the earlier of the two stores' last data files (``iter_commitlog`` with
``start``, numeric columns only): the ends, the lag and the last common message all lie there, and every
earlier byte both hold is covered by the compare. Nothing holds a whole store. Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import UsageError
from ..findings import Finding
from .lookup import CQ_UNIT_SIZE, Store, _queue_files, _queue_len, open_store

if TYPE_CHECKING:
    import polars as pl

CHUNK = 8 << 20
KEEP = ["phy_offset", "size", "store_ts", "beyond_valid_end"]  # numeric only: bounded memory
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


def _listing(store: Store) -> Any:
    from ..parsers import fileio

    return fileio.list_mapped_files(store.commitlog, check_prefix="commitlog_file", rel_root=store.root)


def _last_data_file(listing: Any) -> int | None:
    """Index of the last file whose first record slot is not zero (a new, empty file follows a full one)."""
    from ..parsers import fileio

    for k in range(len(listing) - 1, -1, -1):
        with fileio.open_ro(listing[k].path) as fd:
            if any(fileio.pread_exact(fd, 8, 0)):
                return k
    return None


def _scan(store: Store, start: int | None) -> Side:
    """Records from ``start`` (a file's first byte) to where the broker's recovery scan would stop.

    Only the tail is scanned: every earlier byte both stores hold is checked by the byte compare instead,
    so a 10 GiB pair costs one compare pass plus one or two files of decoding per side."""
    import polars as pl

    from ..parsers.commitlog import iter_commitlog

    it = iter_commitlog(store.commitlog, properties=False, start=start)
    frames = [f.select(KEEP) for f in it]
    res = it.result(pl.concat(frames) if frames else None)
    msgs = res.messages.select(KEEP) if res.messages.height else pl.DataFrame(
        schema={k: res.messages.schema[k] for k in KEEP})
    listing = _listing(store)
    first = listing[0].offset if len(listing) else None
    return Side(store, msgs.filter(~pl.col("beyond_valid_end").fill_null(False)), res.valid_end, first, res.findings)


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


def _row(store: Store, df: pl.DataFrame, i: int) -> dict[str, Any] | None:
    """Row ``i`` of a numeric frame, with its topic/queue/msgId read from the record itself."""
    if df.height == 0:
        return None
    r = df.row(i, named=True)
    rec = store.reader.read(r["phy_offset"])
    return {"phy_offset": r["phy_offset"], "size": r["size"], "store_ts": r["store_ts"],
            **{k: rec[k] for k in ("topic", "queue_id", "queue_offset", "msg_id", "store_host")}}


def first_unit_difference(fm: Any, fs: Any, first: int, end: int) -> int | None:
    """First queue offset in [first, end) whose 20-byte units differ between the two queues (file by file,
    numpy compare of the raw bytes; memory bounded by one CQ file per side)."""
    from ..parsers import fileio

    pos, stop = first * CQ_UNIT_SIZE, end * CQ_UNIT_SIZE
    while pos < stop:
        a, b = fm.locate(pos), fs.locate(pos)
        if a is None or b is None:
            return pos // CQ_UNIT_SIZE
        n = min(stop, a.end, b.end) - pos
        with fileio.open_ro(a.path) as da, fileio.open_ro(b.path) as db:
            x = np.frombuffer(fileio.pread_exact(da, n, pos - a.offset), np.uint8)
            y = np.frombuffer(fileio.pread_exact(db, n, pos - b.offset), np.uint8)
        k = min(len(x), len(y))
        neq = np.flatnonzero(x[:k] != y[:k])
        if neq.size or k < n:
            return (pos + (int(neq[0]) if neq.size else k)) // CQ_UNIT_SIZE
        pos += n
    return None


def diff_queues(m: Store, s: Store) -> pl.DataFrame:
    """Per queue present on either side: units on each, and the first queue offset (within the units both
    hold) where they differ. The slave builds its queues from the replicated bytes, so they should agree."""
    import polars as pl

    from ..parsers.consumequeue import iter_queue_dirs

    keys = {(q.topic, q.queue_id) for q in iter_queue_dirs(m.root)} | {
        (q.topic, q.queue_id) for q in iter_queue_dirs(s.root)
    }
    rows = []
    for topic, qid in sorted(keys):
        fm, fs = _queue_files(m, topic, qid), _queue_files(s, topic, qid)
        nm, ns = _queue_len(fm) if fm is not None else 0, _queue_len(fs) if fs is not None else 0
        differs_at = None
        if fm is not None and fs is not None and len(fm) and len(fs):
            first = max(fm[0].offset, fs[0].offset) // CQ_UNIT_SIZE
            if min(nm, ns) > first:
                differs_at = first_unit_difference(fm, fs, first, min(nm, ns))
        if fs is None:
            state = "slave_missing_queue"
        elif fm is None:
            state = "master_missing_queue"
        elif differs_at is not None:
            state = "differs"
        else:
            state = "same" if nm == ns else "slave_behind" if ns < nm else "slave_ahead"
        rows.append({"topic": topic, "queue_id": qid, "master_units": nm, "slave_units": ns,
                     "units_behind": nm - ns, "first_differing_offset": differs_at, "state": state})
    schema = {"topic": pl.Utf8, "queue_id": pl.Int32, "master_units": pl.Int64, "slave_units": pl.Int64,
              "units_behind": pl.Int64, "first_differing_offset": pl.Int64, "state": pl.Utf8}
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


def check_pair(ms: Store, ss: Store, start: int | None) -> None:
    """Refuse stores that are not a master and its slave: the record at the start of the common range
    must carry the same store host on both (HA copies bytes, so even the slave's records name the master)."""
    from ..errors import NotFoundError

    if start is None:
        return
    try:
        hm, hs = ms.reader.read(start)["store_host"], ss.reader.read(start)["store_host"]
    except NotFoundError:
        return  # no record at the start on one side: the byte compare will say where they differ
    if hm != hs:
        raise UsageError(f"not a master/slave pair: at offset {start} the master's records were stored by {hm}, "
                         f"the slave's by {hs} (two different brokers' stores, e.g. two masters)")


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
        out.append(
            Finding(
                "warning",
                "diff_swapped",
                str(pm),
                bm.line("brokerRole"),
                "MASTER_STORE's broker.properties says SLAVE and SLAVE_STORE's says master: arguments swapped?",
            )
        )
    return out


def _scan_file_of(store: Store, offset: int) -> pl.DataFrame:
    """Records of the one file holding ``offset - 1`` (for the last message before an early divergence)."""
    import polars as pl

    from ..parsers.commitlog import iter_commitlog

    f = _listing(store).locate(max(offset - 1, 0))
    if f is None:
        return pl.DataFrame(schema={"phy_offset": pl.Int64, "size": pl.Int32, "store_ts": pl.Datetime("ms", "UTC")})
    frames = [x.select(KEEP) for x in iter_commitlog(store.commitlog, properties=False, start=f.offset, end=f.end)]
    return pl.concat(frames) if frames else pl.DataFrame(schema={"phy_offset": pl.Int64, "size": pl.Int32})


def diff_stores(master: str | Path, slave: str | Path, *, chunk: int = CHUNK) -> DiffResult:
    import polars as pl

    ms, ss = open_store(master), open_store(slave)
    if ms.root.resolve() == ss.root.resolve():
        raise UsageError("MASTER_STORE and SLAVE_STORE are the same directory")
    findings: list[Finding] = check_roles(ms, ss)
    lm, ls_ = _listing(ms), _listing(ss)
    if len(lm) and len(ls_):
        check_pair(ms, ss, max(lm[0].offset, ls_[0].offset))
    # decode only the tail: from the file before the earlier of the two last data files
    km, ks = _last_data_file(lm), _last_data_file(ls_)
    tails = [lm[k].offset for k in (km,) if k is not None] + [ls_[k].offset for k in (ks,) if k is not None]
    tail = min(tails) if tails else None
    if tail is not None:
        prev = [f.offset for f in lm if f.offset < tail] + [f.offset for f in ls_ if f.offset < tail]
        tail = max(prev) if prev else tail
    m, s = _scan(ms, tail), _scan(ss, tail)
    me, se = m.valid_end or 0, s.valid_end or 0
    start = max(m.first_offset or 0, s.first_offset or 0)
    end = min(me, se)
    compared = (start, end) if end > start else None
    diff_at = first_difference(ms, ss, start, end, chunk) if compared else None
    mm = m.messages
    # the last message both hold: ends at or before the common end (and before any difference)
    common_end = diff_at if diff_at is not None else end
    if tail is not None and common_end < tail:
        mm_early = _scan_file_of(ms, common_end)
        common = mm_early.filter((pl.col("phy_offset") + pl.col("size").cast(pl.Int64)) <= common_end)
    else:
        common = mm.filter((pl.col("phy_offset") + pl.col("size").cast(pl.Int64)) <= common_end)
    last_common = _row(ms, common, common.height - 1) if common.height else None
    master_last = _row(ms, mm, mm.height - 1) if mm.height else None
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
                f"{r['state']}: master {r['master_units']} units, slave {r['slave_units']}"
                + (f"; first differing unit at queue offset {r['first_differing_offset']}"
                   if r["first_differing_offset"] is not None else ""),
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
