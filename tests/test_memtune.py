"""The allocator tuning the CLI applies: chunk-sized blocks freed by one chunk are reused by the next instead of
being faulted in again (measured in child processes, so the test process keeps glibc's defaults)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rmqinspect.memtune import tune_malloc

CHILD = """
import json, resource, sys
import numpy as np
from rmqinspect.memtune import tune_malloc
applied = tune_malloc() if sys.argv[1] == "1" else False
sizes = [4_800_000, 5_200_000, 1_800_000, 5_500_000, 800_000, 400_000]  # one decoded chunk's columns
def chunk():
    return [np.ones(s, dtype=np.uint8) for s in sizes]
prev, cur = chunk(), chunk()
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):  # a chunk is freed when the one after next is decoded (a window holds the previous)
    prev, cur = cur, chunk()
print(json.dumps({"applied": applied, "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0}))
"""

def _child(tuned: bool) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, "1" if tuned else "0"], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def test_tuned_allocator_reuses_freed_chunks() -> None:
    tuned = _child(True)
    if not tuned["applied"]:
        pytest.skip("not glibc: tune_malloc is a no-op")
    plain = _child(False)
    # 20 chunks of 18.5 MB (90 k pages): glibc's defaults unmap or trim much of it on free (measured ~20 k
    # faults), tuned it is reused (~2.5 k)
    assert plain["faults"] > 10_000
    assert tuned["faults"] < plain["faults"] / 4


def test_tune_is_idempotent() -> None:
    assert tune_malloc() == tune_malloc()
