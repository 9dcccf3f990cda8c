"""Consume-queue units one commitlog window at a time, so a store can be checked in bounded memory.

The cross checks (unit ↔ record, record without a unit, index ↔ record) are joins on the commitlog offset.
Streaming the commitlog in offset order, each window ``[lo, hi)`` of records needs exactly the units whose
``phy_offset`` falls in ``[lo, hi)``. :class:`UnitWindows` hands them out without holding every unit:

* every queue is read once up front (``consumequeue.read_queue``, a file at a time: ranges, order checks and
  findings come from that pass) and remembered as its file parts, not its units;
* a queue whose offsets never decrease (every healthy queue: the dispatcher appends in commitlog order) is read
  again block by block through a cursor, and :meth:`UnitWindows.take_below` takes the prefix below ``hi``;
* a queue whose offsets go backwards (damage) is kept whole and filtered per window, so every unit still lands in
  the window of its offset — the result equals one join over all units.

Memory: the kept damaged queues, plus at most one partly used block per queue (``block_budget`` units shared).
Files changed since the first pass end their queue early (a short read is never an error here). Read-only.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import fileio
from .consumequeue import CQ_UNIT, FILLER_SIZE, cq_schema

if TYPE_CHECKING:
    import polars as pl

#: Decoded units kept across all queues' partly used blocks (≈ 24 B each).
DEFAULT_BLOCK_BUDGET = 2_000_000


@dataclass
class _Queue:
    qi: int
    parts: list[tuple[Path, str, int, int]]  # (path, rel, first queue offset, units), in queue order
    part: int = 0
    pos: int = 0  # next unit to read inside parts[part]
    block: np.ndarray | None = None  # read but not yet handed out: structured CQ_UNIT (big-endian)
    block_qoff: int = 0  # queue offset of block[0]
    block_part: int = 0  # index of the file part block came from
    held: list[pl.DataFrame] = field(default_factory=list)


class UnitWindows:
    """Units of many queues, handed out by ascending commitlog offset; see the module docstring."""

    def __init__(self, block_budget: int = DEFAULT_BLOCK_BUDGET) -> None:
        self.block_budget = block_budget
        self._topics: list[str] = []
        self._qids: list[int] = []
        self._queues: list[_Queue] = []
        self._held: list[pl.DataFrame] = []
        self._heap: list[tuple[int, int]] = []  # (phy of the next unit, queue index) of cursor queues
        self._lo: int | None = None  # lower bound of the next window (None: from the start)
        self.units = 0  # units registered

    def add_queue(self, topic: str, queue_id: int, parts: list[tuple[Path, str, int, int]], first_phy: int,
                  units: int) -> None:
        """Register a queue whose commitlog offsets never decrease: its ``parts`` (``read_queue(parts_out=)``),
        the offset of its first unit and its unit count. It is read again through a cursor."""
        if units <= 0:
            return
        self.units += units
        q = _Queue(len(self._queues), list(parts))
        self._topics.append(topic)
        self._qids.append(queue_id)
        self._queues.append(q)
        heapq.heappush(self._heap, (int(first_phy), q.qi))

    def hold(self, frame: pl.DataFrame) -> None:
        """Keep a queue whose offsets go backwards whole (its frame from ``read_queue``)."""
        if frame.height:
            self.units += frame.height
            self._held.append(frame)

    @property
    def held_units(self) -> int:
        """Units of queues whose offsets go backwards (kept in memory whole)."""
        return sum(f.height for f in self._held)

    # --- reading ------------------------------------------------------------------------------------------------
    def _block_units(self) -> int:
        return int(min(65_536, max(16, self.block_budget // max(len(self._queues), 1))))

    def _read_block(self, q: _Queue) -> bool:
        """Fill ``q.block`` from the cursor; False when the queue has no more units."""
        while q.part < len(q.parts):
            path, _rel, base, n = q.parts[q.part]
            if q.pos >= n:
                q.part, q.pos = q.part + 1, 0
                continue
            want = min(self._block_units(), n - q.pos)
            try:
                with fileio.open_ro(path) as fd:
                    raw = fileio.pread_exact(fd, want * CQ_UNIT.itemsize, q.pos * CQ_UNIT.itemsize)
            except OSError:
                raw = b""
            arr = np.frombuffer(raw, dtype=CQ_UNIT, count=len(raw) // CQ_UNIT.itemsize)
            bad = np.flatnonzero((arr["size"] <= 0) | (arr["phy_offset"] < 0))
            if bad.size:
                arr = arr[: int(bad[0])]
            if len(arr) == 0:  # changed since the first pass: the queue ends here
                q.part = len(q.parts)
                return False
            q.block, q.block_qoff, q.block_part = arr, base + q.pos, q.part
            q.pos += len(arr)
            if len(arr) < want:  # short or invalid: nothing after this block is trusted
                q.part = len(q.parts)
            return True
        return False

    def take_below(self, hi: int | None) -> pl.DataFrame:
        """Units with ``lo <= phy_offset < hi`` (``lo`` = the previous call's ``hi``; ``hi`` None = the rest),
        in the consume-queue frame schema."""
        import polars as pl

        lo, self._lo = self._lo, hi
        cols: dict[str, list[np.ndarray]] = {k: [] for k in ("qi", "part", "qoff", "phy", "size", "tags")}
        heap = self._heap
        while heap and (hi is None or heap[0][0] < hi):
            _, qi = heapq.heappop(heap)
            q = self._queues[qi]
            if q.block is None and not self._read_block(q):
                continue
            while True:
                b = q.block
                assert b is not None
                phy = b["phy_offset"]
                k = len(b) if hi is None else int(np.searchsorted(phy, hi, side="left"))
                if k:
                    cols["qi"].append(np.full(k, qi, dtype=np.int32))
                    cols["part"].append(np.full(k, q.block_part, dtype=np.int32))
                    cols["qoff"].append(np.arange(q.block_qoff, q.block_qoff + k, dtype=np.int64))
                    cols["phy"].append(phy[:k].astype(np.int64))
                    cols["size"].append(b["size"][:k].astype(np.int32))
                    cols["tags"].append(b["tags_code"][:k].astype(np.int64))
                if k < len(b):
                    q.block, q.block_qoff = b[k:], q.block_qoff + k
                    heapq.heappush(heap, (int(b["phy_offset"][k]), qi))
                    break
                q.block = None
                if not self._read_block(q):
                    break
        frames = []
        if cols["qi"]:
            frames.append(self._frame(cols))
        for f in self._held:
            phy = pl.col("phy_offset")
            cond = phy < hi if hi is not None else pl.lit(True)
            if lo is not None:
                cond = cond & (phy >= lo)
            frames.append(f.filter(cond))
        frames = [f for f in frames if f.height]
        if not frames:
            return pl.DataFrame(schema=cq_schema())
        return pl.concat(frames, how="vertical_relaxed", rechunk=False) if len(frames) > 1 else frames[0]

    def _frame(self, cols: dict[str, list[np.ndarray]]) -> pl.DataFrame:
        import polars as pl

        qi = np.concatenate(cols["qi"])
        part = np.concatenate(cols["part"])
        # file names: one category per (queue, part) seen in this window
        key = qi.astype(np.int64) << 32 | part
        uniq, inv = np.unique(key, return_inverse=True)
        names = [self._queues[int(k >> 32)].parts[int(k & 0xFFFFFFFF)][1] for k in uniq]
        size = np.concatenate(cols["size"])
        schema = cq_schema()
        return pl.DataFrame(
            [
                pl.Series("topic", self._topics, dtype=pl.Categorical).gather(qi),
                pl.Series("queue_id", np.asarray(self._qids, dtype=np.int32)[qi]),
                pl.Series("queue_offset", np.concatenate(cols["qoff"])),
                pl.Series("phy_offset", np.concatenate(cols["phy"])),
                pl.Series("size", size),
                pl.Series("tags_code", np.concatenate(cols["tags"])),
                pl.Series("filler", size == FILLER_SIZE),
                pl.Series("file", names, dtype=pl.Categorical).gather(inv.astype(np.int64)),
            ]
        ).cast(schema)  # type: ignore[arg-type]
