"""Benchmark ``rmqinspect tail``: append→printed latency and sustained throughput, against ``tail -F``.

A writer process appends RocketMQ-shaped lines to ``broker.log`` at a fixed rate (10 k / 50 k / 100 k
lines/s by default), each line carrying its sequence number and the writer's ``CLOCK_MONOTONIC`` time.
The tool under test runs as a subprocess with its stdout on a pipe; this process reads that pipe,
and for every printed line computes ``now - t`` (CLOCK_MONOTONIC is system-wide, so the clocks agree).

Reported per tool and rate: lines written / printed / lost / duplicated, latency p50 / p99 / max,
the achieved write and print rates, the drain time after the writer stops (how far behind the tool
was), the tool's CPU use (``/proc/<pid>/stat``) and peak RSS (``VmHWM``).

    .venv/bin/python bench/bench_tail.py                       # all tools, 10k/50k/100k, 8 s each
    .venv/bin/python bench/bench_tail.py --rates 100000 --seconds 20 --tools rmqinspect
    .venv/bin/python bench/bench_tail.py --files 4     # the stream spread over broker/store/remoting/stats

The writer batches the lines due in each 1 ms tick into one ``write(2)`` (logback's AsyncAppender
also flushes in bursts); at 100 k lines/s that is ~100 lines per write.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAD = "x" * 60

WRITER = r"""
import os, sys, time
paths, rate, seconds, pad = sys.argv[1].split(","), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
fds = [os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) for p in paths]
tick = 0
mono = time.monotonic_ns
start = mono()
end = start + int(seconds * 1e9)
n = 0
while True:
    now = mono()
    if now >= end:
        break
    due = int((now - start) * rate / 1e9)
    if due > n:
        ts = time.strftime("%Y-%m-%d %H:%M:%S")
        parts = []
        for i in range(n, due):
            parts.append(f"{ts} INFO SendMessageThread_1 - bench seq={i} t={now} putMessage ok {pad}\n")
        os.write(fds[tick % len(fds)], "".join(parts).encode())  # files take turns, tick by tick
        tick += 1
        n = due
    time.sleep(0.001)
for fd in fds:
    os.close(fd)
print(n, (mono() - start) / 1e9)
"""


def log_names(files: int) -> list[str]:
    """broker.log, store.log, … : the busiest RocketMQ files first."""
    names = ["broker.log", "store.log", "remoting.log", "stats.log", "watermark.log", "pop.log"]
    return names[:files] + [f"extra{i}.log" for i in range(max(0, files - len(names)))]


def tool_cmd(tool: str, d: Path, files: int = 1) -> list[str]:
    if tool == "rmqinspect":
        return [sys.executable, "-m", "rmqinspect", "tail", str(d), "-n", "0", "--no-color"]
    if tool == "rmqinspect-poll":
        return [sys.executable, "-m", "rmqinspect", "tail", str(d), "-n", "0", "--no-color", "--poll"]
    if tool == "rmqinspect-json":
        return [sys.executable, "-m", "rmqinspect", "tail", str(d), "-n", "0", "--json"]
    if tool == "tail-F":
        return ["tail", "-F", "-n", "0", *(str(d / n) for n in log_names(files))]
    raise SystemExit(f"unknown tool {tool}")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident memory (bounded memory shows here, not in a profile)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def pct(sorted_vals: list[float], q: float) -> float:
    if not sorted_vals:
        return float("nan")
    return sorted_vals[min(len(sorted_vals) - 1, int(q * len(sorted_vals)))]


def run_one(tool: str, rate: int, seconds: float, files: int = 1) -> dict:
    d = Path(tempfile.mkdtemp(prefix="bench-tail-"))
    logs = [d / n for n in log_names(files)]
    for f in logs:
        f.write_text("")
    log = logs[0]
    env = {**os.environ, "NO_COLOR": "1"}
    p = subprocess.Popen(
        tool_cmd(tool, d, files), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT, env=env
    )
    assert p.stdout is not None
    fd = p.stdout.fileno()
    os.set_blocking(fd, False)
    # ready: a probe line must come through before the measured stream starts
    buf = b""
    deadline = time.monotonic() + 30
    with open(log, "a") as f:
        while b"probe" not in buf:
            if time.monotonic() > deadline:
                p.kill()
                raise SystemExit(f"{tool} never printed the probe line")
            f.write(time.strftime("%Y-%m-%d %H:%M:%S") + " INFO main - probe\n")
            f.flush()
            t_end = time.monotonic() + 0.3
            while time.monotonic() < t_end and b"probe" not in buf:
                try:
                    buf += os.read(fd, 1 << 16)
                except BlockingIOError:
                    time.sleep(0.005)
    cpu0 = cpu_seconds(p.pid)
    w = subprocess.Popen(
        [sys.executable, "-c", WRITER, ",".join(map(str, logs)), str(rate), str(seconds), PAD],
        stdout=subprocess.PIPE,
    )
    lat: list[float] = []
    seen: set[int] = set()
    dups = 0
    partial = b""
    written = None
    first_rx = last_rx = None
    w_done_at = None
    idle_deadline = None
    while True:
        try:
            data = os.read(fd, 1 << 20)
        except BlockingIOError:
            data = b""
        now = time.monotonic_ns()
        if data:
            lines = (partial + data).split(b"\n")
            partial = lines.pop()
            for ln in lines:
                i = ln.find(b" seq=")
                if i < 0:
                    continue
                j = ln.find(b" t=", i)
                seq = int(ln[i + 5 : j])
                t = int(ln[j + 3 : ln.find(b" ", j + 3)])
                if seq in seen:
                    dups += 1
                    continue
                seen.add(seq)
                lat.append((now - t) / 1e6)
            first_rx = first_rx or now
            last_rx = now
            idle_deadline = None
        else:
            time.sleep(0.0005)
        if written is None and w.poll() is not None:
            out = w.stdout.read().split() if w.stdout else [b"0", b"0"]
            written, w_secs = int(out[0]), float(out[1])
            w_done_at = time.monotonic_ns()
        if written is not None:
            if len(seen) >= written:
                break
            if idle_deadline is None:
                idle_deadline = time.monotonic() + 5
            elif time.monotonic() > idle_deadline:
                break  # 5 s without progress after the writer finished: the rest is lost
    cpu = cpu_seconds(p.pid) - cpu0
    rss = peak_rss_mb(p.pid)
    p.terminate()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
    shutil.rmtree(d, ignore_errors=True)
    lat.sort()
    drain_ms = ((last_rx or 0) - (w_done_at or 0)) / 1e6 if last_rx and w_done_at else float("nan")
    span = ((last_rx or 0) - (first_rx or 0)) / 1e9 or float("nan")
    return {
        "tool": tool,
        "rate": rate,
        "written": written,
        "write_rate": written / w_secs if w_secs else float("nan"),
        "printed": len(seen),
        "lost": (written or 0) - len(seen),
        "dups": dups,
        "p50_ms": pct(lat, 0.50),
        "p99_ms": pct(lat, 0.99),
        "max_ms": lat[-1] if lat else float("nan"),
        "print_rate": len(seen) / span,
        "drain_ms": max(drain_ms, 0.0),
        "cpu_pct": 100 * cpu / (w_secs or 1),
        "rss_mb": rss,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rates", default="10000,50000,100000")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--tools", default="rmqinspect,tail-F")
    ap.add_argument("--files", type=int, default=1, help="spread the stream over this many log files")
    a = ap.parse_args()
    print(
        f"# {os.cpu_count()} CPUs visible; writer, tool and this reader share them; "
        f"load1 = other work on the machine (1-minute load average after the run)",
        flush=True,
    )
    hdr = (
        f"{'tool':<16}{'rate/s':>8}{'written':>9}{'w/s':>9}{'printed':>9}{'lost':>6}{'dup':>5}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'print/s':>9}{'drain ms':>9}{'cpu %':>7}{'rss MB':>8}{'load1':>7}"
    )
    print(hdr, flush=True)
    for rate in (int(x) for x in a.rates.split(",")):
        for tool in a.tools.split(","):
            r = run_one(tool, rate, a.seconds, a.files)
            print(
                f"{r['tool']:<16}{r['rate']:>8}{r['written']:>9}{r['write_rate']:>9.0f}{r['printed']:>9}"
                f"{r['lost']:>6}{r['dups']:>5}{r['p50_ms']:>8.1f}{r['p99_ms']:>8.1f}{r['max_ms']:>8.1f}"
                f"{r['print_rate']:>9.0f}{r['drain_ms']:>9.0f}{r['cpu_pct']:>7.0f}{r['rss_mb']:>8.0f}"
                f"{os.getloadavg()[0]:>7.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
