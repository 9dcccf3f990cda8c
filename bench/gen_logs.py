"""Generate a large, realistic RocketMQ log set for the log benchmarks — into /tmp, never the repo.

Realism: the content *is* the lab's real broker/namesrv output (samples/rmq-*/…/logs/rocketmqlogs):
each real file is repeated with its calendar date shifted by one day per repetition (a C-speed
``bytes.replace`` of ``YYYY-MM-DD ``), so line shapes, lengths, stack traces, the mix of files and the
share of event lines are those of a real broker; timestamps stay increasing across repetitions.

Usage: ``python bench/gen_logs.py [--out /tmp/rmqinspect-bench] [--gb 1.1]``
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The files that make up a broker host's volume, with their rough share in the lab samples.
FILES = ("broker.log", "store.log", "watermark.log", "stats.log", "remoting.log", "storeerror.log", "namesrv.log")


def templates() -> dict[str, bytes]:
    """Concatenated real content per file name, over every sample run and process."""
    out: dict[str, bytearray] = {}
    for run in sorted((REPO / "samples").glob("rmq-*")):
        for f in sorted(run.glob("*/logs/rocketmqlogs/*.log")):
            if f.name in FILES:
                out.setdefault(f.name, bytearray()).extend(f.read_bytes())
    if not out:
        sys.exit("no samples under samples/rmq-*/ — the generator only replays real lines")
    return {k: bytes(v) for k, v in out.items()}


def generate(out: Path, gb: float) -> dict[str, int]:
    if REPO in out.resolve().parents or out.resolve() == REPO:
        sys.exit("refusing to write inside the repository")
    tpl = templates()
    total_tpl = sum(len(v) for v in tpl.values())
    reps = max(1, int(gb * 1e9 / total_tpl) + 1)
    out.mkdir(parents=True, exist_ok=True)
    dates = sorted({m.group() for v in tpl.values() for m in re.finditer(rb"^\d{4}-\d{2}-\d{2}(?= )", v[:4096], re.M)})
    base = dates[0] if dates else b"2026-11-28"
    y, mo, d = (int(x) for x in base.split(b"-"))
    sizes: dict[str, int] = {}
    for name, body in tpl.items():
        with open(out / name, "wb") as fh:
            for k in range(reps):
                new = (date(y, mo, d) - timedelta(days=reps - k)).isoformat().encode()
                fh.write(body.replace(base + b" ", new + b" "))
        sizes[name] = (out / name).stat().st_size
    return sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/rmqinspect-bench/logs"))
    ap.add_argument("--gb", type=float, default=1.1)
    a = ap.parse_args()
    sizes = generate(a.out, a.gb)
    for k, v in sorted(sizes.items()):
        print(f"{v / 1e6:10.1f} MB  {a.out / k}")
    print(f"{sum(sizes.values()) / 1e9:10.2f} GB total")


if __name__ == "__main__":
    main()
