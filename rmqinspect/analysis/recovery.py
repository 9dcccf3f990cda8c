"""Recovery prediction: what a broker of a given version would keep if it were restarted on this store now.

Public API (used by ``rmqinspect store`` and by ``msg``/``diff``)::

    predict_recovery(inputs: RecoveryInputs, *, version=None) -> RecoveryPrediction
    RecoveryPrediction.as_dict()        # JSON-ready (frames as records)

The rules, read in apache/rocketmq (``DefaultMessageStore.load/recover``, ``CommitLog.recoverNormally/
recoverAbnormally/isMappedFileMatchedRecover``, ``ConsumeQueue.recover/truncateDirtyLogicFiles``,
``IndexService.load``, ``MappedFileQueue.doLoad``) at 4.4.0, 4.7.1, 4.9.7, 5.3.1, 5.3.2 and 5.3.3:

1. **Load.** Every commitlog / consume-queue file must be exactly the configured size, else ``load()`` fails
   and the broker exits ("length not matched message store config value"); a zero-length *last* file is
   deleted. → ``refuses_to_start``.
2. **Mode.** ``abort`` exists ⇒ abnormal recovery, else normal.
3. **Consume queues** are recovered first: each is cut at its first invalid unit; ``maxPhyOffsetOfConsumeQueue``
   is the largest ``offset + size`` of a last unit (4.4.0–4.7.0: ``offset``).
4. **Start file.** Normal, ≤ 5.3.1: the third-to-last commitlog file. Normal, 5.3.2+: the last file whose start
   offset ≤ maxPhyOffsetOfConsumeQueue. Abnormal: walking back from the last file, the first whose first record
   has a message magic (4.x: v1 only), a non-zero store time, and store time ≤ ``checkpoint.minTimestamp``
   (``min(physic, logics) − 3 s``); none ⇒ the first file.
5. **Scan** from there with ``checkMessageAndReturnSize(checkCRC=checkCRCOnRecover=true)``: the first invalid
   record (bad/zero magic, CRC mismatch, length invariant, running past the file) ends the log; the broker does
   not skip over it. Stale records with a wrong PHYSICALOFFSET *pass* (the broker never checks it).
   ``recovered_offset`` = that position = the broker's max physical offset after the restart.
6. **Truncation.** Commitlog files starting after ``recovered_offset`` are deleted. If
   maxPhyOffsetOfConsumeQueue ≥ recovered_offset, units pointing at ≥ recovered_offset are removed from every
   queue, and CQ files whose first unit is ≥ recovered_offset are deleted. Valid records after the queues' end
   are (re-)dispatched.
7. **Index** (abnormal only): index files whose header endTimestamp > ``checkpoint.indexMsgTimestamp`` are deleted.

Bytes after ``recovered_offset`` stay on disk (truncation only moves the write pointer) until overwritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from ..parsers.checkpoint import Checkpoint
    from ..parsers.commitlog import CommitLogScan
    from ..parsers.index import IndexFileInfo
    from ..parsers.storefiles import AbortState

DEFAULT_VERSION = "5.3.3"


def parse_version(v: str | None) -> tuple[int, int, int]:
    """``"4.9.7"`` → (4, 9, 7); ``"5.x"``/``"5"`` → (5, 99, 99) (latest rules of that line)."""
    if not v:
        return parse_version(DEFAULT_VERSION)
    nums = [int(x) for x in re.findall(r"\d+", v)[:3]]
    while len(nums) < 3:
        nums.append(99)
    return nums[0], nums[1], nums[2]


#: Dropped records listed in a prediction (``RecoveryPrediction.dropped``); the count is always exact.
DROPPED_ROWS = 1000
DROPPED_COLUMNS = ("phy_offset", "size", "topic", "queue_id", "queue_offset", "msg_id", "uniq_key", "store_ts")


@dataclass
class StoreFacts:
    """What the prediction needs from the records and the consume queues (normal + batch), without holding them.

    Built from whole frames by :func:`facts_from_frames`, or while streaming a store
    (``analysis.store_summary.stream_store``): both give the same numbers.
    """

    files: pl.DataFrame  # commitlog files (``CommitLogScan.files``)
    file_size: int | None
    valid_end: int | None
    dirs: list[Path]
    max_cq_phy: int | None  # largest phy_offset of a real unit (the 4.4.0–4.7.0 rule)
    max_cq_end: int | None  # largest phy_offset + size of a real unit
    has_units: bool
    disk_end: int | None  # end of the last record found on disk (also past damage)
    unit_less: int  # valid dispatchable records without a unit: a restart dispatches them
    dropped: Callable[[int], tuple[int, pl.DataFrame]]  # offset → (records at/after it, first DROPPED_ROWS of them)
    cut_units: Callable[[int], pl.DataFrame]  # offset → units at/after it: topic, queue_id, queue_offset
    first_units: pl.DataFrame  # per CQ file: file, phy_offset of its first unit


def facts_from_frames(scan: CommitLogScan, cq: pl.DataFrame, bcq: pl.DataFrame | None = None,
                      unit_less: int | None = None) -> StoreFacts:
    """:class:`StoreFacts` of a whole messages frame and whole consume-queue frames (``unit_less``: already counted
    by ``integrity.WindowChecks``, else counted here)."""
    import polars as pl

    from ..parsers.consumequeue import queue_ranges
    from .integrity import dispatchable

    cq_all = cq if bcq is None else pl.concat([cq, bcq.select(cq.columns)], how="vertical_relaxed")
    msgs = scan.messages
    real = cq_all.filter(~pl.col("filler"))
    r = queue_ranges(cq_all) if cq_all.height else None
    ends = msgs.select((pl.col("phy_offset") + pl.col("size").cast(pl.Int64)).max()).item() if msgs.height else None
    if unit_less is None:
        unit_less = dispatchable(msgs).join(cq_all.select("phy_offset"), on="phy_offset", how="anti").height

    def dropped(offset: int) -> tuple[int, pl.DataFrame]:
        d = msgs.filter(pl.col("phy_offset") >= offset)
        return d.height, d.select(DROPPED_COLUMNS).head(DROPPED_ROWS)

    from ..parsers.cq_rocksdb import ROCKSDB_FILE

    firsts = (  # files a truncation may delete: RocksDB units have none
        cq_all.filter(pl.col("file").cast(pl.Utf8) != ROCKSDB_FILE)
        .sort("queue_offset").group_by("file", maintain_order=True).agg(pl.col("phy_offset").first())
    )
    return StoreFacts(
        scan.files,
        scan.file_size,
        scan.valid_end,
        scan.dirs,
        real["phy_offset"].max() if real.height else None,  # type: ignore[arg-type]
        r["max_phy_end"].max() if r is not None and r.height else None,  # type: ignore[arg-type]
        cq_all.height > 0,
        int(ends) if ends is not None else None,
        unit_less,
        dropped,
        lambda offset: cq_all.filter(pl.col("phy_offset") >= offset).select("topic", "queue_id", "queue_offset"),
        firsts.with_columns(pl.col("file").cast(pl.Utf8)),
    )


@dataclass
class RecoveryInputs:
    """What the prediction reads: facts of the commitlog scan (with CRC verified, as the broker recovers) and of
    the consume queues, index files, checkpoint and abort state."""

    root: Path
    facts: StoreFacts
    index_files: list[IndexFileInfo]
    checkpoint: Checkpoint | None
    abort: AbortState
    crc_verified: bool = True
    cq_file_size_errors: int = 0
    rocksdb_cq: bool = False  # 5.2+ storeType=defaultRocksDB: units come from the RocksDB CQ store
    dledger: bool = False  # the messages are DLedger entries: DLedgerCommitLog's recovery, not modelled


@dataclass
class RecoveryPrediction:
    version: str
    version_assumed: bool
    mode: str  # "normal" | "abnormal"
    refuses_to_start: str | None
    start_file: str | None
    start_reason: str
    recovered_offset: int | None  # the broker's max physical offset after the restart
    valid_end_from_first_file: int | None
    disk_data_end: int | None  # end of the last record found on disk (also past damage)
    dropped_bytes: int
    dropped_messages: int
    max_phy_offset_of_cq: int | None
    cq_truncated: bool
    cq_truncations: pl.DataFrame  # topic, queue_id, units_dropped, first_dropped_queue_offset
    to_dispatch: int  # valid records the restart would add to consume queues
    index_files_deleted: list[str] = field(default_factory=list)
    commitlog_files_deleted: list[str] = field(default_factory=list)  # wholly after recovered_offset
    cq_files_deleted: list[str] = field(default_factory=list)  # whose first unit is ≥ recovered_offset
    crc_verified: bool = True
    notes: list[str] = field(default_factory=list)
    dropped: pl.DataFrame | None = None  # the records that would be cut (phy_offset, topic, queue…, msg_id)

    def as_dict(self) -> dict[str, Any]:
        """Fields as a dict (frames stay frames; ``rmqinspect.output`` turns them into records)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _first_record_head(path: Path) -> tuple[int, int, int] | None:
    """(magic, store timestamp, PHYSICALOFFSET) of a file's first record, read where ``isMappedFileMatchedRecover``
    does."""
    import struct

    from ..parsers import fileio
    from ..parsers.commitlog_layout import (
        FLAG_BORNHOST_V6,
        HOST_V4_LEN,
        HOST_V6_LEN,
        OFF_MAGIC,
        OFF_PHYSICALOFFSET,
        OFF_SYSFLAG,
        REL_STORETIMESTAMP,
    )

    try:
        with fileio.open_ro(path) as fd:
            b = fileio.pread_exact(fd, REL_STORETIMESTAMP + HOST_V6_LEN + 8, 0)
    except OSError:
        return None
    if len(b) < OFF_SYSFLAG + 4:
        return None
    magic = struct.unpack_from(">i", b, OFF_MAGIC)[0]
    sysflag = struct.unpack_from(">i", b, OFF_SYSFLAG)[0]
    phy = struct.unpack_from(">q", b, OFF_PHYSICALOFFSET)[0]
    at = REL_STORETIMESTAMP + (HOST_V6_LEN if sysflag & FLAG_BORNHOST_V6 else HOST_V4_LEN)
    if len(b) < at + 8:
        return magic, 0, phy
    return magic, struct.unpack_from(">q", b, at)[0], phy


def predict_recovery(
    inp: RecoveryInputs, *, version: str | None = None, assumed: bool | None = None
) -> RecoveryPrediction:
    """Apply the rules of the module docstring for ``version`` (``"5.3.3"``, ``"4.x"``; None → 5.3.3).

    ``assumed`` marks a version that was inferred rather than given (default: ``version is None``).
    """
    import polars as pl

    from ..parsers.commitlog import iter_commitlog
    from ..parsers.commitlog_decode import OPTIONAL_COLUMNS
    from ..parsers.commitlog_layout import MAGIC_V1, MAGIC_V2

    ver = parse_version(version)
    notes: list[str] = []
    facts = inp.facts
    files = facts.files.sort("start_offset")
    mode = "abnormal" if inp.abort.present else "normal"
    empty_trunc = pl.DataFrame(
        schema={
            "topic": pl.Utf8,
            "queue_id": pl.Int32,
            "units_dropped": pl.UInt32,
            "first_dropped_queue_offset": pl.Int64,
        }
    )

    # 1. load: wrong-sized files
    refuses = None
    if facts.file_size is not None and files.height:
        sizes = files["size"].to_list()
        bad = [
            f
            for i, (f, s) in enumerate(zip(files["file"].to_list(), sizes, strict=True))
            if s != facts.file_size and not (s == 0 and i == len(sizes) - 1)
        ]
        if bad:
            refuses = (
                f"{bad[0]} is not {facts.file_size} bytes: MappedFileQueue.load fails "
                '("length not matched message store config value") and the broker does not start'
            )
    if refuses is None and inp.cq_file_size_errors:
        refuses = (
            "a consume-queue file has the wrong size: ConsumeQueue.load fails and the broker does not start"
        )

    # 3. consume queues: max phy offset (5.x/4.7.1+: offset+size of the last unit)
    max_cq = facts.max_cq_phy if ver < (4, 7, 1) else facts.max_cq_end
    max_cq_i = int(max_cq) if max_cq is not None else -1

    version_assumed = version is None if assumed is None else assumed

    def no_scan(**fields: Any) -> RecoveryPrediction:
        """A prediction made without scanning (no commitlog files; DLedger)."""
        base: dict[str, Any] = dict(
            version=version or DEFAULT_VERSION, version_assumed=version_assumed, mode=mode, start_file=None,
            valid_end_from_first_file=facts.valid_end, dropped_bytes=0, dropped_messages=0,
            max_phy_offset_of_cq=max_cq_i if max_cq is not None else None, cq_truncations=empty_trunc,
            crc_verified=inp.crc_verified,
        )
        return RecoveryPrediction(**(base | fields))

    if files.height == 0:
        return no_scan(refuses_to_start=refuses, start_reason="no commitlog files: the broker destroys all consume queues",
                       recovered_offset=0 if refuses is None else None, disk_data_end=None,
                       cq_truncated=facts.has_units, to_dispatch=0, notes=["no commitlog files"])
    if inp.dledger:
        return no_scan(refuses_to_start=None,
                       start_reason="DLedger commitlog: the broker recovers through DLedgerCommitLog / "
                       "DLedgerMmapFileStore, whose rules are not modelled here",
                       recovered_offset=None, disk_data_end=facts.disk_end, cq_truncated=False,
                       to_dispatch=facts.unit_less,
                       notes=["DLedger store: no recovery prediction (the entry chain's valid end is "
                              f"{facts.valid_end}; raft commit state is in dledger-*/checkpoint)"])
    names = files["file"].to_list()
    starts = files["start_offset"].to_list()
    n = len(names)
    # 4. start file
    if mode == "normal":
        if ver >= (5, 3, 2):
            idx = n - 1
            while idx > 0 and starts[idx] > max_cq_i:
                idx -= 1
            reason = f"normal recovery (5.3.2+): last file starting at or before the consume queues' end {max_cq_i}"
        else:
            idx = max(0, n - 3)
            reason = "normal recovery: third-to-last commitlog file"
    else:
        idx = -1
        cp_min = inp.checkpoint.min_timestamp if inp.checkpoint else 0
        magics = (MAGIC_V1, MAGIC_V2) if ver >= (5, 0, 0) else (MAGIC_V1,)
        # 5.2.0+ with the RocksDB CQ store: the first record's PHYSICALOFFSET against the CQ store's max offset
        rocks = inp.rocksdb_cq and ver >= (5, 2, 0)
        cq_phy = facts.max_cq_phy if facts.max_cq_phy is not None else -1
        for i in range(n - 1, -1, -1):
            head = _first_record_head(inp.root / names[i])
            if not head or head[0] not in magics:
                continue
            if (head[2] <= cq_phy) if rocks else (head[1] != 0 and head[1] <= cp_min):
                idx = i
                break
        rule = (f"whose first record's PHYSICALOFFSET ≤ the RocksDB consume queues' max offset {cq_phy} (5.2+)"
                if rocks else f"whose first record is ≤ checkpoint minTimestamp {cp_min}")
        if idx < 0:
            idx = 0
            reason = f"abnormal recovery: no file {rule}; first file"
        else:
            reason = f"abnormal recovery: newest file {rule}"
        if inp.checkpoint is None:
            notes.append("no checkpoint: minTimestamp taken as 0")
    start_off = int(starts[idx])

    # 5. scan from the start file
    ve = facts.valid_end
    if ve is not None and ve >= start_off:
        recovered = ve
    else:
        # only the stop point is needed: no frame is kept
        sub = iter_commitlog(facts.dirs or inp.root, verify_crc=inp.crc_verified, start=start_off,
                             properties=False, skip=OPTIONAL_COLUMNS)
        for _ in sub:
            pass
        recovered = sub.valid_end if sub.valid_end is not None else start_off
        notes.append(
            f"damage before the start file (first-file scan stops at {ve}) is not seen by the broker"
        )
    if inp.rocksdb_cq:
        notes.append("consume queues read from the RocksDB CQ store (storeType=defaultRocksDB)")
    if not inp.crc_verified:
        notes.append(
            "body CRCs were not verified: the prediction assumes they are intact (checkCRCOnRecover)"
        )

    ends = facts.disk_end
    disk_end = max(ends, recovered) if ends is not None else recovered
    n_dropped, dropped = facts.dropped(recovered)
    # 6. consume-queue truncation and re-dispatch
    truncated = max_cq is not None and max_cq_i >= recovered
    if truncated:
        trunc = (
            facts.cut_units(recovered)
            .with_columns(pl.col("topic").cast(pl.Utf8))
            .group_by("topic", "queue_id")
            .agg(
                pl.len().alias("units_dropped"),
                pl.col("queue_offset").min().alias("first_dropped_queue_offset"),
            )
            .sort("topic", "queue_id")
        )
    else:
        trunc = empty_trunc
    # every valid record is below the recovered offset (which is at or after the valid end)
    to_dispatch = facts.unit_less
    # MappedFileQueue.truncateDirtyFiles: files starting after the offset are deleted
    cl_deleted = [f for f, st in zip(names, starts, strict=True) if st > recovered]
    # ConsumeQueue.truncateDirtyLogicFiles: from the last file back, files whose first unit is ≥ the offset go
    cq_deleted: list[str] = []
    if truncated:
        firsts = facts.first_units
        cq_deleted = sorted(firsts.filter(pl.col("phy_offset") >= recovered)["file"].to_list())
    # 7. index files deleted by an abnormal restart
    deleted: list[str] = []
    if mode == "abnormal":
        ix_ts = inp.checkpoint.index_msg_ts if inp.checkpoint else 0
        deleted = [i.file for i in inp.index_files if i.header is not None and i.header.end_ts > ix_ts]
    return RecoveryPrediction(
        version=version or DEFAULT_VERSION,
        version_assumed=version_assumed,
        mode=mode,
        refuses_to_start=refuses,
        start_file=names[idx],
        start_reason=reason,
        recovered_offset=recovered,
        valid_end_from_first_file=ve,
        disk_data_end=disk_end,
        dropped_bytes=max(0, disk_end - recovered),
        dropped_messages=n_dropped,
        max_phy_offset_of_cq=int(max_cq) if max_cq is not None else None,  # type: ignore[arg-type]
        cq_truncated=bool(truncated and trunc.height),
        cq_truncations=trunc,
        to_dispatch=to_dispatch,
        index_files_deleted=deleted,
        commitlog_files_deleted=cl_deleted,
        cq_files_deleted=cq_deleted,
        crc_verified=inp.crc_verified,
        notes=notes,
        dropped=dropped,
    )
