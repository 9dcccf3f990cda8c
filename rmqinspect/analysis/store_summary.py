"""One store, read and judged: :func:`load_store` reads every artefact, :func:`analyse_store` adds integrity
findings, the recovery prediction and consumer lag, and :meth:`StoreReport.to_doc` gives the ``--json``
document (keys exactly :data:`DOC_KEYS`).

This is the only place that knows the order of the work, so ``store``, ``export`` and the TUI share it.
:func:`predict` (= :func:`recovery_inputs` + ``analysis.recovery.predict_recovery`` with the version inferred
by :func:`infer_version`) is the one way to get a recovery prediction from loaded data.
Progress goes to an optional ``progress(stage, done, total)`` callback (bytes for the commitlog, counts
elsewhere) so the CLI can draw a bar without this module importing rich.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UnusableInputError
from ..findings import Finding

if TYPE_CHECKING:
    import polars as pl

    from ..parsers.checkpoint import Checkpoint
    from ..parsers.commitlog import CommitLogScan
    from ..parsers.configjson import StoreConfig
    from ..parsers.fileio import MappedFile
    from ..parsers.index import IndexFileInfo
    from ..parsers.storefiles import AbortState, LockState, StoreLayout
    from .recovery import RecoveryInputs, RecoveryPrediction

Progress = Callable[[str, int, int], None]
DOC_KEYS = (
    "commitlog",
    "topics",
    "consumequeues",
    "index",
    "checkpoint",
    "abort",
    "recovery",
    "consumer_lag",
    "findings",
)


@dataclass
class StoreData:
    root: Path
    layout: StoreLayout
    scan: CommitLogScan
    cq: pl.DataFrame
    cq_files: list[MappedFile]
    bcq: pl.DataFrame | None
    index_files: list[IndexFileInfo]
    index_entries: pl.DataFrame
    checkpoint: Checkpoint | None
    abort: AbortState
    lock: LockState
    config: StoreConfig
    crc_verified: bool
    findings: list[Finding] = field(default_factory=list)  # from the parsers
    cq_ext: pl.DataFrame | None = None  # consumequeue_ext units, when the store has them


@dataclass
class StoreReport:
    data: StoreData
    ranges: pl.DataFrame
    topics: pl.DataFrame
    lag: pl.DataFrame
    recovery: RecoveryPrediction
    findings: pl.DataFrame

    @property
    def verdict(self) -> str:
        from ..findings import worst_severity

        w = worst_severity(self.findings)
        return {"error": "damaged", "warning": "attention", "info": "intact", None: "intact"}[w]

    def to_doc(self) -> dict[str, Any]:
        d = self.data
        s = d.scan
        msgs = s.messages
        # only store_ts of the valid records is needed: no copy of the whole frame
        ts = msgs.get_column("store_ts").filter(~msgs.get_column("beyond_valid_end").fill_null(False))
        n_valid = ts.len()
        ts = ts if n_valid else None
        commitlog = {
            "dirs": [str(p) for p in s.dirs],
            "file_size": s.file_size,
            "files": s.files,
            "first_offset": int(s.files["start_offset"].min()) if s.files.height else None,  # type: ignore[arg-type]
            "valid_end": s.valid_end,
            "messages": n_valid,
            "records_beyond_valid_end": msgs.height - n_valid,
            "first_store_ts": ts.min() if ts is not None else None,
            "last_store_ts": ts.max() if ts is not None else None,
            "crc_verified": d.crc_verified,
            "layout": d.layout.variants,
            "verdict": self.verdict,
        }
        index = {
            "files": [
                {
                    "file": i.file,
                    "size": i.size,
                    "hash_slot_num": i.geometry.hash_slot_num if i.geometry else None,
                    "index_num": i.geometry.index_num if i.geometry else None,
                    "header": i.header,
                    "entries": i.used_entries,
                }
                for i in d.index_files
            ],
            "entries": d.index_entries.height,
        }
        cp = d.checkpoint.as_dict() if d.checkpoint else None
        ab = d.abort
        abort = {
            "present": ab.present,
            "content": ab.content,
            "pid": ab.pid,
            "size": ab.size,
            "bak_present": ab.bak_present,
            "lock_held_by_pid": d.lock.held_by_pid,
        }
        return {
            "commitlog": commitlog,
            "topics": self.topics,
            "consumequeues": self.ranges,
            "index": index,
            "checkpoint": cp,
            "abort": abort,
            "recovery": self.recovery.as_dict(),
            "consumer_lag": self.lag,
            "findings": self.findings,
        }


def resolve_root(path: str | Path) -> Path:
    """The store root for ``path`` (a root, or its ``commitlog/`` dir); ``UnusableInputError`` if it is not a store."""
    from ..parsers.storefiles import detect_layout

    p = Path(path).expanduser()
    if not p.exists():
        raise UnusableInputError(f"{p}: no such directory")
    if not p.is_dir():
        raise UnusableInputError(f"{p}: not a directory (give the store root, e.g. ~/store)")
    if p.name == "commitlog" and not detect_layout(p).looks_like_store:
        p = p.parent
    if not detect_layout(p).looks_like_store:
        raise UnusableInputError(
            f"{p}: not a RocketMQ store (no commitlog/, consumequeue/, index/ or checkpoint)"
        )
    return p


def _stage(progress: Progress | None, stage: str) -> Callable[[int, int], None] | None:
    return (lambda done, total: progress(stage, done, total)) if progress else None


#: The messages-frame columns :func:`analyse_store`, :meth:`StoreReport.to_doc` and the ``store`` renderer read
#: (integrity, recovery — ``msg_id`` for its dropped records —, lag, topics_summary, infer_version).
#: ``load_store(lean=True)`` keeps only these.
LEAN_COLUMNS = (
    "file",
    "phy_offset",
    "size",
    "magic",
    "queue_id",
    "queue_offset",
    "store_ts",
    "body_len",
    "topic",
    "tags",
    "keys",
    "uniq_key",
    "msg_id",
    "tran_type",
    "inner_batch",
    "length_ok",
    "beyond_valid_end",
)
#: Optional (costly) string columns no analysis reads: not decoded at all when ``lean``.
_LEAN_SKIP = ("client_uniq_key", "born_host", "store_host", "properties")


def _scan_lean(root: Path, *, verify_crc: bool, progress: Callable[[int, int], None] | None) -> CommitLogScan:
    """``scan_commitlog`` keeping only :data:`LEAN_COLUMNS`, chunk by chunk (same rows, findings, valid_end)."""
    import polars as pl

    from ..parsers.commitlog import iter_commitlog

    it = iter_commitlog(root, verify_crc=verify_crc, progress=progress, properties=False, skip=_LEAN_SKIP)
    frames = [f.select(LEAN_COLUMNS) for f in it]
    msgs = pl.concat(frames, rechunk=False) if frames else None
    del frames
    scan = it.result(msgs)
    if msgs is None:
        scan.messages = scan.messages.select(LEAN_COLUMNS)
    return scan


def load_store(
    path: str | Path, *, verify_crc: bool = True, progress: Progress | None = None, lean: bool = False
) -> StoreData:
    """Read every artefact of the store at ``path`` (read-only). Damage → findings; unusable → error.

    ``lean``: the messages frame holds only :data:`LEAN_COLUMNS` (what :func:`analyse_store` and the ``store``
    output read), built chunk by chunk — far less memory; the default keeps every column (TUI, lookups).
    """
    from ..parsers import checkpoint as cpm
    from ..parsers import configjson, consumequeue, index, storefiles
    from ..parsers.commitlog import messages_schema, scan_commitlog

    root = resolve_root(path)
    fs: list[Finding] = []
    layout = storefiles.detect_layout(root, fs)
    lock = storefiles.read_lock(root, fs)
    abort = storefiles.read_abort(root, fs)
    cb = _stage(progress, "commitlog")
    if layout.commitlog and lean:
        scan = _scan_lean(root, verify_crc=verify_crc, progress=cb)
    elif layout.commitlog:
        # properties=False: KEYS/TAGS/UNIQ_KEY stay decoded; the full property list (memory) is not needed here
        scan = scan_commitlog(root, verify_crc=verify_crc, progress=cb, properties=False)
    else:
        import polars as pl

        from ..parsers.commitlog import CommitLogScan, files_schema

        empty = pl.DataFrame(schema=messages_schema())
        scan = CommitLogScan(
            empty.select(LEAN_COLUMNS) if lean else empty,
            pl.DataFrame(schema=files_schema()),
            [],
            None,
            None,
            [],
        )
        fs.append(Finding("warning", "commitlog_missing", "commitlog", None, "no commitlog directory"))
    cq_files: list[MappedFile] = []
    cq = consumequeue.read_consumequeues(root, findings=fs, files_out=cq_files, progress=_stage(progress, "consumequeue"))
    bcq = consumequeue.read_consumequeues(root, batch=True, findings=fs) if layout.batchconsumequeue else None
    cq_ext = consumequeue.read_cq_ext(root, fs) if layout.consumequeue_ext else None
    infos, entries = index.read_index(root, findings=fs, progress=_stage(progress, "index"))
    cp = cpm.read_checkpoint(root, fs)
    cfg = configjson.read_config(root, fs)
    return StoreData(
        root,
        layout,
        scan,
        cq,
        cq_files,
        bcq,
        infos,
        entries,
        cp,
        abort,
        lock,
        cfg,
        verify_crc,
        fs + scan.findings,
        cq_ext,
    )


def topics_summary(data: StoreData, ranges: pl.DataFrame) -> pl.DataFrame:
    """Per topic: queues, messages in the commitlog, CQ units, time range, and the configured queue counts."""
    import polars as pl

    from ..parsers.configjson import topics_frame

    # lazy: only the five columns used are filtered (not a copy of the whole messages frame)
    m = (
        data.scan.messages.lazy()
        .filter(~pl.col("beyond_valid_end").fill_null(False))
        .group_by("topic")
        .agg(
            pl.len().alias("messages"),
            pl.col("queue_id").n_unique().alias("queues_in_commitlog"),
            pl.col("body_len").cast(pl.Int64).sum().alias("body_bytes"),
            pl.col("store_ts").min().alias("first_store_ts"),
            pl.col("store_ts").max().alias("last_store_ts"),
        )
        .collect()
    )
    q = ranges.group_by("topic").agg(
        pl.len().cast(pl.UInt32).alias("consume_queues"),
        (pl.col("units") - pl.col("fillers")).sum().alias("cq_units"),
    )
    t = topics_frame(data.config).select("topic", "read_queue_nums", "write_queue_nums", "perm")
    out = m.join(q, on="topic", how="full", coalesce=True).join(t, on="topic", how="full", coalesce=True)
    return out.with_columns(pl.col("messages").fill_null(0), pl.col("cq_units").fill_null(0)).sort("topic")


def infer_version(data: StoreData) -> str | None:
    """The RocketMQ line that wrote the store, from traces only one line leaves; None if nothing tells.

    5.x: ``abort`` holds a PID, magic-v2 records, topic configs with ``attributes``. 4.x: an empty ``abort``, or
    topic configs without ``attributes``. (Recovery rules differ by line: see ``analysis.recovery``.)
    """
    from ..parsers.commitlog_layout import MAGIC_V2

    if data.abort.content == "pid" or (
        data.scan.messages.height and (data.scan.messages["magic"] == MAGIC_V2).any()
    ):
        return "5.x"
    if data.abort.content == "empty":
        return "4.x"
    topics = data.config.get("topics.json")
    table = topics.get("topicConfigTable") if isinstance(topics, dict) else None
    if isinstance(table, dict) and table:
        return "5.x" if any(isinstance(t, dict) and "attributes" in t for t in table.values()) else "4.x"
    return None


def recovery_inputs(data: StoreData) -> RecoveryInputs:
    """What :func:`analysis.recovery.predict_recovery` needs, from loaded ``data`` (one place builds it)."""
    from . import integrity as ig
    from .recovery import RecoveryInputs

    cq_size_errors = len(ig.check_cq_file_sizes(data.cq_files)) + sum(
        1 for f in data.findings if f.check == "cq_size" and f.severity == "error")
    return RecoveryInputs(data.root, data.scan, data.cq, data.index_files, data.checkpoint, data.abort,
                          data.crc_verified, cq_size_errors, data.bcq, data.layout.rocksdb_cq)


def predict(data: StoreData, version: str | None = None) -> RecoveryPrediction:
    """The recovery prediction for loaded ``data``; ``version`` None → inferred from the store (marked assumed)."""
    from .recovery import predict_recovery

    return predict_recovery(recovery_inputs(data), version=version or infer_version(data), assumed=version is None)


def analyse_store(
    data: StoreData, *, version: str | None = None, index_sample: int | None = 5000
) -> StoreReport:
    """Integrity checks, recovery prediction and consumer lag over loaded ``data``."""
    from ..findings import findings_frame
    from ..parsers.configjson import consumer_offsets_frame
    from ..parsers.consumequeue import queue_ranges
    from . import integrity as ig
    from .lag import consumer_lag

    msgs = data.scan.messages
    ranges = queue_ranges(data.cq)
    fs = list(data.findings)
    size_findings = ig.check_cq_file_sizes(data.cq_files)
    fs += size_findings
    fs += ig.check_cq_vs_commitlog(data.cq, msgs, data.scan.valid_end)
    fs += ig.check_cq_order(data.cq)
    fs += ig.check_missing_units(data.cq, msgs, ranges, data.bcq)
    fs += ig.check_dispatch_end(ranges, data.scan.valid_end)
    fs += ig.check_index(data.index_files, data.index_entries, msgs, data.scan.valid_end, sample=index_sample)
    fs += ig.check_checkpoint(data.checkpoint, msgs)
    lag = consumer_lag(consumer_offsets_frame(data.config), data.cq, ranges, msgs)
    fs += ig.check_consumer_offsets(lag)
    rec = predict(data, version)
    if rec.refuses_to_start:
        fs.append(Finding("error", "recovery_refuses_start", rec.start_file, None, rec.refuses_to_start))
    elif rec.recovered_offset is not None and (rec.dropped_messages or rec.dropped_bytes):
        file, pos = _locate(data.scan.files, rec.recovered_offset)
        fs.append(
            Finding(
                "error" if rec.dropped_messages else "warning",
                "recovery_drops_data",
                file,
                pos,
                f"a restart keeps the commitlog up to offset {rec.recovered_offset} and drops "
                f"{rec.dropped_bytes} bytes / {rec.dropped_messages} decodable messages after it",
            )
        )
    return StoreReport(data, ranges, topics_summary(data, ranges), lag, rec, findings_frame(fs))


def _locate(files: pl.DataFrame, offset: int) -> tuple[str | None, int | None]:
    """(commitlog file, position in it) holding global ``offset``."""
    for f, start, size in files.select("file", "start_offset", "size").iter_rows():
        if start <= offset < start + max(size, 1):
            return f, offset - start
    return None, offset
