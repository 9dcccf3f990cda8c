"""Log benchmarks: lines → frame and lines → events throughput on one core, next to ``grep -c``.

Run ``python bench/gen_logs.py`` first (≈1.1 GB of replayed real lines in /tmp), then
``python bench/bench_logs.py [DIR]``. The process pins itself to one CPU and sets POLARS_MAX_THREADS=1
before importing polars, so the numbers are single-core. Each step is timed on a warm page cache
(the files are read once by ``grep`` first) and the best of ``--repeat`` runs is reported.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _grep(args: list[str], files: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user+sys of the child) of one grep over the files."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    # stdout to a pipe, not /dev/null: GNU grep stops at the first match when it sees /dev/null
    subprocess.run(["grep", *args, *files], stdout=subprocess.PIPE, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", type=Path, default=Path("/tmp/rmqinspect-bench/logs"))
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    import polars as pl

    from rmqinspect.analysis.events import extract_events
    from rmqinspect.parsers.logs import discover, read_log_set

    files = discover(a.dir)
    paths = [str(f.path) for f in files]
    size = sum(f.size for f in files)
    mb = size / 1e6
    print(f"{len(files)} files, {mb:.0f} MB, polars {pl.__version__}, threads {pl.thread_pool_size()}, "
          f"cpus allowed {sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}")  # fmt: skip
    g_lines = min(_grep(["-c", "^"], paths) for _ in range(a.repeat))
    g_fixed = min(_grep(["-c", "-F", "fall behind"], paths) for _ in range(a.repeat))
    g_regex = min(_grep(["-c", "-E", r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} (INFO|WARN|ERROR) "], paths)
                  for _ in range(a.repeat))  # fmt: skip
    best_lines = best_events = cpu_lines = cpu_events = float("inf")
    lines = events = None
    for _ in range(a.repeat):
        lines = events = None
        t, c = time.perf_counter(), time.process_time()
        lines = read_log_set(files, host="bench").lines
        best_lines = min(best_lines, time.perf_counter() - t)
        cpu_lines = min(cpu_lines, time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        events = extract_events(lines)
        best_events = min(best_events, time.perf_counter() - t)
        cpu_events = min(cpu_events, time.process_time() - c)
    assert lines is not None and events is not None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("grep -c '^' (count lines)", *g_lines),
        ("grep -c -F 'fall behind'", *g_fixed),
        ("grep -c -E '<header regex>'", *g_regex),
        ("read_log_set → lines frame", best_lines, cpu_lines),
        ("extract_events(lines)", best_events, cpu_events),
        ("lines + events", best_lines + best_events, cpu_lines + cpu_events),
    ]
    print(f"{'step':32} {'wall s':>8} {'MB/s':>8} {'cpu s':>8} {'MB/cpu-s':>9}  (1-min load {os.getloadavg()[0]:.1f})")
    for name, s, c in rows:
        cs = f"{c:8.2f} {mb / c:9.0f}" if c else f"{'':8} {'':9}"
        print(f"{name:32} {s:8.2f} {mb / s:8.0f} {cs}")
    print(f"records {lines.height:,}, events {events.height:,}, peak RSS {rss:,.0f} MB")


if __name__ == "__main__":
    main()
