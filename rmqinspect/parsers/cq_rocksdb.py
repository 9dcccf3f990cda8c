"""RocksDB consume queue (5.2+, ``storeType=defaultRocksDB``; spec §5.7) → the consume-queue frame.

The database directory is ``ROOT/consumequeue`` itself. Column family ``default`` holds one key per unit::

    key   = i32 len(topic) | 0x01 | topic | 0x01 | i32 queueId | 0x01 | i64 cqOffset
    value = i64 phyOffset | i32 size | i64 tagsCode | i64 storeTimestamp

(checked on a real 5.3.3 broker by ``tests/lab/test_lab_rocksdb_cq.py``); ``offset`` holds each queue's min/max.
SST files are compressed, so this reads through RocksDB itself (``rocksdict``, opened read-only).

Read-only through ``parsers.rocksdb_ro`` (nothing is created or changed in the store). Findings: ``cq_rocksdb_unreadable`` (error: the database cannot be opened), ``cq_rocksdb_key`` (a key or value of
an unexpected shape, skipped).
"""

from __future__ import annotations

import struct
from array import array
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..findings import Finding
from .consumequeue import CQ_DIR, FILLER_SIZE, cq_schema
from .rocksdb_ro import items

if TYPE_CHECKING:
    import polars as pl

#: The ``file`` value of RocksDB units (they have no file; the directory names the store they come from).
ROCKSDB_FILE = "consumequeue (RocksDB)"
_VALUE = struct.Struct(">qiqq")


def read_rocksdb_cq(root: Path, findings: list[Finding] | None = None) -> pl.DataFrame:
    """Every unit of the RocksDB consume queue under ``root/consumequeue`` (the ``consumequeue`` frame schema)."""
    import polars as pl

    src = root / CQ_DIR
    # compact as we go: a topic index per unit (keys are sorted, so a topic's units are contiguous), and the
    # queue id / offset and value bytes in flat buffers — not Python objects per unit
    names: list[str] = []
    tix = array("i")
    qids = array("i")
    qoffs = array("q")
    vals = bytearray()
    bad = 0
    last = b""
    try:
        for k, v in items(src):
            n = len(k) - 19
            if n < 0 or len(v) != _VALUE.size or struct.unpack_from(">i", k, 0)[0] != n:
                bad += 1
                continue
            t = k[5 : 5 + n]
            if t != last:
                names.append(t.decode("utf-8", "replace"))
                last = t
            tix.append(len(names) - 1)
            qids.append(struct.unpack_from(">i", k, 6 + n)[0])
            qoffs.append(struct.unpack_from(">q", k, 11 + n)[0])
            vals += v
    except Exception as e:  # any failure of the foreign reader is a finding, never a traceback
        if findings is not None:
            findings.append(Finding("error", "cq_rocksdb_unreadable", CQ_DIR, None,
                                    f"RocksDB consume queue cannot be read: {type(e).__name__}: {e}"))
        return pl.DataFrame(schema=cq_schema())
    if bad and findings is not None:
        findings.append(Finding("warning", "cq_rocksdb_key", CQ_DIR, None,
                                f"{bad} RocksDB entries have an unexpected key or value shape (skipped)"))
    arr = np.frombuffer(bytes(vals), dtype=np.dtype([("phy", ">i8"), ("size", ">i4"), ("tags", ">i8"), ("ts", ">i8")]))
    size = arr["size"].astype(np.int32)
    n = len(arr)
    return pl.DataFrame(
        [
            pl.Series("topic", names, dtype=pl.Categorical).gather(np.frombuffer(tix, dtype=np.int32)),
            pl.Series("queue_id", np.frombuffer(qids, dtype=np.int32)),
            pl.Series("queue_offset", np.frombuffer(qoffs, dtype=np.int64)),
            pl.Series("phy_offset", arr["phy"].astype(np.int64)),
            pl.Series("size", size),
            pl.Series("tags_code", arr["tags"].astype(np.int64)),
            pl.Series("filler", size == FILLER_SIZE),
            pl.Series("file", [ROCKSDB_FILE], dtype=pl.Categorical).new_from_index(0, n),
        ]
    ).sort("topic", "queue_id", "queue_offset").cast(cq_schema())  # type: ignore[arg-type]
