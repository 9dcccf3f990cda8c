"""Measure the TUI's two promises: the Overview appears fast on a big store, and keys are answered fast.

    .venv/bin/python bench/bench_tui.py                       # /tmp/rmqbench/b128 (bench/gen_store.py) if present
    .venv/bin/python bench/bench_tui.py --store /tmp/rmqbench/b1k --logs samples/rmq-5.3.3/broker-a/logs/rocketmqlogs

Reports (also as one JSON line with --json):

* ``first_paint_s``: from starting the app to the Overview showing its Sources section (the store is still
  being scanned in a worker at that moment) — the "Overview within 2 s" promise;
* ``loaded_s``: until every loader (scan, analysis, logs) has finished — background work, not waited for;
* per-key latency on the Store (messages table) and Logs screens: median / p95 / max of the time Pilot
  needs for one key press, and the same for a key bound to nothing (``baseline``: Pilot's own overhead on
  this machine); ``*_net`` = key − baseline median, the app's share, to compare with the 50 ms budget;
* ``peak_rss_mib`` after loading.

Headless (Textual's ``run_test``), so numbers exclude the terminal emulator's drawing time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_STORES = (Path("/tmp/rmqbench/b128"), Path("/tmp/rmqbench/b1k"))
DEFAULT_LOGS = REPO / "samples" / "rmq-5.3.3" / "broker-a" / "logs" / "rocketmqlogs"


def _stats(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {
        "median_ms": round(statistics.median(xs) * 1000, 1),
        "p95_ms": round(xs[max(0, int(len(xs) * 0.95) - 1)] * 1000, 1),
        "max_ms": round(xs[-1] * 1000, 1),
    }


async def _presses(pilot: Any, keys: list[str]) -> list[float]:
    out = []
    for k in keys:
        t0 = time.perf_counter()
        await pilot.press(k)
        out.append(time.perf_counter() - t0)
    return out


async def run(store: Path | None, logs: Path | None, size: tuple[int, int]) -> dict[str, Any]:
    from rmqinspect.tui.app import make_app
    from rmqinspect.tui.screens.overview import OverviewScreen
    from rmqinspect.tui.widgets.frame_view import FrameView

    result: dict[str, Any] = {"store": str(store) if store else None, "logs": str(logs) if logs else None}
    t_start = time.perf_counter()
    app = make_app([logs] if logs else [], [store] if store else [], follow=False)
    async with app.run_test(size=size) as pilot:
        while not (isinstance(app.screen, OverviewScreen) and app.screen.query("#sources")):
            await pilot.pause(0.01)
        await pilot.pause()
        result["first_paint_s"] = round(time.perf_counter() - t_start, 3)
        result["scan_done_at_first_paint"] = all(s.done for s in app.stores)
        baseline_during_scan = await _presses(pilot, ["f12"] * 10)
        result["key_during_scan"] = _stats(baseline_during_scan)
        await app.workers.wait_for_complete()
        result["loaded_s"] = round(time.perf_counter() - t_start, 3)
        if app.stores:
            msgs = app.stores[0].messages
            result["messages"] = msgs.height if msgs is not None else None
            scan = app.stores[0].scan
            result["store_status"] = scan.status + (f": {scan.message}" if scan.message else "")
        result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

        baseline = await _presses(pilot, ["f12"] * 30)  # bound to nothing: Pilot's own cost per key
        result["baseline"] = _stats(baseline)
        base_med = statistics.median(baseline)
        for mode, table_id in (("store", "#messages"), ("logs", "#log-lines")):
            await pilot.press({"store": "4", "logs": "2"}[mode])
            await app.workers.wait_for_complete()
            await pilot.pause()
            table = app.screen.query_one(table_id, FrameView)
            keys = ["down"] * 30 + ["pagedown"] * 10 + ["end", "home"] * 5
            lat = await _presses(pilot, keys)
            s = _stats(lat)
            s["net_median_ms"] = round((statistics.median(lat) - base_med) * 1000, 1)
            s["rows"] = table.row_count
            result[f"{mode}_keys"] = s
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=None, help="store root (default: a bench/gen_store.py store in /tmp)")
    ap.add_argument("--logs", type=Path, default=None, help="log dir (default: the lab sample's broker-a logs)")
    ap.add_argument("--size", default="120x36")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    store = args.store or next((p for p in DEFAULT_STORES if p.is_dir()), None)
    logs = args.logs or (DEFAULT_LOGS if DEFAULT_LOGS.is_dir() else None)
    if store is None:
        print("no store: run bench/gen_store.py /tmp/rmqbench/b128 --body 128 --gib 1 first, or pass --store")
    w, h = (int(x) for x in args.size.split("x"))
    res = asyncio.run(run(store, logs, (w, h)))
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:>26}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
