"""Time single-message lookups on a large store (target: ≤ 50 ms per lookup via the index, issue 7).

    .venv/bin/python bench/gen_store.py /tmp/rmqbench/b1k-10g --body 1024 --gib 10     # SYNTHETIC store
    .venv/bin/python bench/bench_lookup.py /tmp/rmqbench/b1k-10g [--n 200] [--seed 1]

Samples ``--n`` messages at random consume-queue positions (so the sample costs O(n) preads, not a scan),
then times each route of ``rmqinspect.analysis.lookup`` for each of them: offset msgId, UNIQ_KEY via the
index (with topic), a KEYS item via the index (with topic), UNIQ_KEY without topic (every topic's chain),
and topic/queue/offset. Reports median, p95 and max in ms per route, first (cold page cache for that
record) and repeated. Numbers are wall-clock on this machine: say which store and machine when quoting them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rmqinspect.analysis import lookup as L
from rmqinspect.parsers.consumequeue import iter_queue_dirs


def sample(st: L.Store, n: int, rng: random.Random) -> list[dict]:
    queues = list(iter_queue_dirs(st.root))
    out = []
    while len(out) < n:
        qd = rng.choice(queues)
        files = L._queue_files(st, qd.topic, qd.queue_id)
        qlen = L._queue_len(files)
        if qlen == 0:
            continue
        off = rng.randrange(files[0].offset // L.CQ_UNIT_SIZE, qlen)
        _unit, rec = L.by_queue_offset(st, qd.topic, qd.queue_id, off)
        out.append({"topic": qd.topic, "queue_id": qd.queue_id, "queue_offset": off, "msg_id": rec["msg_id"],
                    "uniq_key": rec["uniq_key"], "key": (rec["keys"] or "").split(" ")[0], "phy": rec["phy_offset"]})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fresh", action="store_true",
                    help="open the store anew for every lookup (what one CLI call pays: listing + index headers)")
    a = ap.parse_args(argv)
    st0 = L.open_store(a.store)
    st = st0
    size = sum(p.stat().st_size for d in st0.commitlog for p in d.iterdir())
    msgs = sample(st0, a.n, random.Random(a.seed))

    routes = {
        "offset_msg_id": lambda m: L.by_offset_msg_id(st, m["msg_id"]),
        "uniq_key+topic (index)": lambda m: L.by_key(st, m["uniq_key"], kind="uniq", topic=m["topic"], scan=False),
        "key+topic (index)": lambda m: L.by_key(st, m["key"], kind="keys", topic=m["topic"], scan=False, max_hits=64),
        "uniq_key, no topic (index)": lambda m: L.by_key(st, m["uniq_key"], kind="uniq", scan=False),
        "topic/queue/offset": lambda m: L.by_queue_offset(st, m["topic"], m["queue_id"], m["queue_offset"]),
    }
    print(f"store {a.store} ({size / 2**30:.2f} GiB commitlog), {len(msgs)} sampled messages"
          + (", fresh store per lookup" if a.fresh else ", one store (readers reused)"))
    print(f"{'route':30} {'median':>8} {'p95':>8} {'max':>8}  (ms; 'found' must be {len(msgs)})")
    for name, fn in routes.items():
        times, found = [], 0
        for m in msgs:
            t = time.perf_counter()
            if a.fresh:
                st = L.open_store(a.store)
            r = fn(m)
            times.append((time.perf_counter() - t) * 1000)
            recs = r.records if hasattr(r, "records") else [r[1]] if isinstance(r, tuple) else [r]
            found += any(x is not None and x["phy_offset"] == m["phy"] for x in recs)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"{name:30} {statistics.median(times):8.2f} {p95:8.2f} {times[-1]:8.2f}  found {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
