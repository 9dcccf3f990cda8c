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

import numpy as np

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
    from .integrity import RowCap, WindowChecks
    from .recovery import RecoveryInputs, RecoveryPrediction, StoreFacts

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
    #: entries in the index files; None: ``index_entries`` holds them all (``stream_store`` keeps only the
    #: sample it checks)
    index_entry_count: int | None = None

    @property
    def n_index_entries(self) -> int:
        return self.index_entries.height if self.index_entry_count is None else self.index_entry_count


@dataclass
class StoreReport:
    data: StoreData
    ranges: pl.DataFrame
    topics: pl.DataFrame
    lag: pl.DataFrame
    recovery: RecoveryPrediction
    findings: pl.DataFrame
    stats: RecordStats

    @property
    def units(self) -> int:
        """Consume-queue units (fillers included) in all queues."""
        return int(self.ranges["units"].sum()) if self.ranges.height else 0

    @property
    def verdict(self) -> str:
        from ..findings import worst_severity

        w = worst_severity(self.findings)
        return {"error": "damaged", "warning": "attention", "info": "intact", None: "intact"}[w]

    def to_doc(self) -> dict[str, Any]:
        d = self.data
        s = d.scan
        st = self.stats
        commitlog = {
            "dirs": [str(p) for p in s.dirs],
            "file_size": s.file_size,
            "files": s.files,
            "first_offset": int(s.files["start_offset"].min()) if s.files.height else None,  # type: ignore[arg-type]
            "valid_end": s.valid_end,
            "messages": st.valid,
            "records_beyond_valid_end": st.beyond,
            "first_store_ts": st.first_ts,
            "last_store_ts": st.last_ts,
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
            "entries": d.n_index_entries,
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
#: :func:`stream_store` keeps only these of each window.
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
#: Optional (costly) string columns no analysis reads: :func:`stream_store` does not decode them at all.
_LEAN_SKIP = ("client_uniq_key", "born_host", "store_host", "properties")


def load_store(
    path: str | Path, *, verify_crc: bool = True, progress: Progress | None = None
) -> StoreData:
    """Read every artefact of the store at ``path`` (read-only). Damage → findings; unusable → error.

    Holds every record and unit (the TUI, lookups); :func:`stream_store` reports in bounded memory.
    """
    from ..parsers import checkpoint as cpm
    from ..parsers import configjson, consumequeue, index, storefiles
    from ..parsers.commitlog import messages_schema

    root = resolve_root(path)
    fs: list[Finding] = []
    layout = storefiles.detect_layout(root, fs)
    lock = storefiles.read_lock(root, fs)
    abort = storefiles.read_abort(root, fs)
    cb = _stage(progress, "commitlog")
    if layout.commitlog or layout.dledger:
        from ..parsers.commitlog import collect
        from ..parsers.dledger import iter_store

        # properties=False: KEYS/TAGS/UNIQ_KEY stay decoded; the full property list (memory) is not needed here
        scan = collect(iter_store(root, fs, verify_crc=verify_crc, progress=cb, properties=False))
    else:
        import polars as pl

        from ..parsers.commitlog import CommitLogScan, files_schema

        empty = pl.DataFrame(schema=messages_schema())
        scan = CommitLogScan(
            empty,
            pl.DataFrame(schema=files_schema()),
            [],
            None,
            None,
            [],
        )
        fs.append(Finding("warning", "commitlog_missing", "commitlog", None, "no commitlog directory"))
    cq_files: list[MappedFile] = []
    cq = consumequeue.read_consumequeues(root, findings=fs, files_out=cq_files, progress=_stage(progress, "consumequeue"))
    if layout.rocksdb_cq:
        import polars as pl

        from ..parsers.cq_rocksdb import read_rocksdb_cq

        cq = pl.concat([cq, read_rocksdb_cq(root, fs)], how="vertical_relaxed")
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


class RecordStats:
    """What the report shows of the records, added a frame at a time (one whole frame, or window by window):
    counts, time range, per-topic figures, the last record's end, and the records at/after the valid end
    (their offsets, and the first ``DROPPED_ROWS`` of them) for the recovery prediction."""

    def __init__(self) -> None:
        self.valid = 0
        self.beyond = 0
        self.first_ts: Any = None
        self.last_ts: Any = None
        self.any_v2 = False
        self.disk_end: int | None = None
        self._topics: list[pl.DataFrame] = []
        self._pairs: list[pl.DataFrame] = []
        self._beyond_phys: list[Any] = []
        self.beyond_head: pl.DataFrame | None = None

    def add(self, msgs: pl.DataFrame) -> None:
        import polars as pl

        from ..parsers.commitlog_layout import MAGIC_V2
        from .recovery import DROPPED_COLUMNS, DROPPED_ROWS

        if msgs.height == 0:
            return
        bv = pl.col("beyond_valid_end").fill_null(False)
        lz = msgs.lazy()
        n_valid, first, last, v2, end = lz.select(
            (~bv).sum().alias("n"),
            pl.col("store_ts").filter(~bv).min().alias("first"),
            pl.col("store_ts").filter(~bv).max().alias("last"),
            (pl.col("magic") == MAGIC_V2).any().alias("v2"),
            (pl.col("phy_offset") + pl.col("size").cast(pl.Int64)).max().alias("end"),
        ).collect().row(0)
        self.valid += n_valid
        self.beyond += msgs.height - n_valid
        if first is not None:
            self.first_ts = first if self.first_ts is None else min(self.first_ts, first)
            self.last_ts = last if self.last_ts is None else max(self.last_ts, last)
        self.any_v2 = self.any_v2 or bool(v2)
        if end is not None:
            self.disk_end = end if self.disk_end is None else max(self.disk_end, end)
        valid = lz.filter(~bv)
        self._topics.append(
            valid.group_by("topic")
            .agg(
                pl.len().alias("messages"),
                pl.col("body_len").cast(pl.Int64).sum().alias("body_bytes"),
                pl.col("store_ts").min().alias("first_store_ts"),
                pl.col("store_ts").max().alias("last_store_ts"),
            )
            .collect()
        )
        self._pairs.append(valid.select("topic", "queue_id").unique().collect())
        if self.beyond:
            beyond = lz.filter(bv)
            self._beyond_phys.append(beyond.select("phy_offset").collect().to_series().to_numpy())
            have = self.beyond_head.height if self.beyond_head is not None else 0
            if have < DROPPED_ROWS:
                more = beyond.select(DROPPED_COLUMNS).head(DROPPED_ROWS - have).collect()
                self.beyond_head = more if self.beyond_head is None else pl.concat([self.beyond_head, more])
        if len(self._topics) > 64:  # keep the partial results small
            self._topics, self._pairs = [self._merge_topics()], [pl.concat(self._pairs).unique()]

    def _merge_topics(self) -> pl.DataFrame:
        import polars as pl

        return (
            pl.concat(self._topics)
            .group_by("topic")
            .agg(
                pl.col("messages").sum(),
                pl.col("body_bytes").sum(),
                pl.col("first_store_ts").min(),
                pl.col("last_store_ts").max(),
            )
        )

    def topics(self) -> pl.DataFrame:
        """Per topic: messages, queues_in_commitlog, body_bytes, first/last store time (valid records)."""
        import polars as pl

        if not self._topics:
            return pl.DataFrame(schema={"topic": pl.Utf8, "messages": pl.UInt32, "queues_in_commitlog": pl.UInt32,
                                        "body_bytes": pl.Int64, "first_store_ts": pl.Datetime("ms", "UTC"),
                                        "last_store_ts": pl.Datetime("ms", "UTC")})
        queues = pl.concat(self._pairs).unique().group_by("topic").agg(pl.len().alias("queues_in_commitlog"))
        t = self._merge_topics().join(queues, on="topic", how="left", nulls_equal=True)
        return t.select("topic", pl.col("messages").cast(pl.UInt32), "queues_in_commitlog", "body_bytes",
                        "first_store_ts", "last_store_ts")

    def beyond_phys(self) -> Any:
        import numpy as np

        return np.concatenate(self._beyond_phys) if self._beyond_phys else np.empty(0, dtype=np.int64)


def topics_summary(stats: RecordStats, ranges: pl.DataFrame, config: StoreConfig) -> pl.DataFrame:
    """Per topic: queues, messages in the commitlog, CQ units, time range, and the configured queue counts."""
    import polars as pl

    from ..parsers.configjson import topics_frame

    m = stats.topics()
    q = ranges.group_by("topic").agg(
        pl.len().cast(pl.UInt32).alias("consume_queues"),
        (pl.col("units") - pl.col("fillers")).sum().alias("cq_units"),
    )
    t = topics_frame(config).select("topic", "read_queue_nums", "write_queue_nums", "perm")
    out = m.join(q, on="topic", how="full", coalesce=True).join(t, on="topic", how="full", coalesce=True)
    return out.with_columns(pl.col("messages").fill_null(0), pl.col("cq_units").fill_null(0)).sort("topic")


def infer_version(data: StoreData, any_v2: bool | None = None) -> str | None:
    """The RocketMQ line that wrote the store, from traces only one line leaves; None if nothing tells.

    5.x: ``abort`` holds a PID, magic-v2 records, topic configs with ``attributes``. 4.x: an empty ``abort``, or
    topic configs without ``attributes``. (Recovery rules differ by line: see ``analysis.recovery``.)
    ``any_v2``: whether any record has magic v2 (default: looked up in ``data.scan.messages``).
    """
    from ..parsers.commitlog_layout import MAGIC_V2

    if any_v2 is None:
        m = data.scan.messages
        any_v2 = bool(m.height and (m["magic"] == MAGIC_V2).any())
    if data.abort.content == "pid" or any_v2:
        return "5.x"
    if data.abort.content == "empty":
        return "4.x"
    topics = data.config.get("topics.json")
    table = topics.get("topicConfigTable") if isinstance(topics, dict) else None
    if isinstance(table, dict) and table:
        return "5.x" if any(isinstance(t, dict) and "attributes" in t for t in table.values()) else "4.x"
    return None


def _cq_size_errors(data: StoreData) -> int:
    from . import integrity as ig

    return len(ig.check_cq_file_sizes(data.cq_files)) + sum(
        1 for f in data.findings if f.check == "cq_size" and f.severity == "error")


def recovery_inputs(data: StoreData, facts: StoreFacts | None = None) -> RecoveryInputs:
    """What :func:`analysis.recovery.predict_recovery` needs, from loaded ``data`` (one place builds it)."""
    from .recovery import RecoveryInputs, facts_from_frames

    facts = facts or facts_from_frames(data.scan, data.cq, data.bcq)
    return RecoveryInputs(data.root, facts, data.index_files, data.checkpoint, data.abort, data.crc_verified,
                          _cq_size_errors(data), data.layout.rocksdb_cq, bool(data.layout.dledger))


def predict(data: StoreData, version: str | None = None, facts: StoreFacts | None = None,
            any_v2: bool | None = None) -> RecoveryPrediction:
    """The recovery prediction for loaded ``data``; ``version`` None → inferred from the store (marked assumed)."""
    from .recovery import predict_recovery

    return predict_recovery(recovery_inputs(data, facts), version=version or infer_version(data, any_v2),
                            assumed=version is None)


def analyse_store(
    data: StoreData, *, version: str | None = None, index_sample: int | None = 5000
) -> StoreReport:
    """Integrity checks, recovery prediction and consumer lag over loaded ``data`` (all of it as one window of
    the checks :func:`stream_store` runs window by window)."""
    from ..parsers.configjson import consumer_offsets_frame
    from ..parsers.consumequeue import queue_ranges
    from . import integrity as ig
    from .lag import lag_times, unit_times
    from .recovery import facts_from_frames

    msgs = data.scan.messages
    ranges = queue_ranges(data.cq)
    entries = None
    if data.index_entries.height and index_sample != 0:
        pos = ig.index_sample_positions(data.index_entries.height, index_sample)
        entries = ig.index_check_entries(data.index_files, data.index_entries[pos])
    checks = ig.WindowChecks(ranges, data.bcq, entries)
    checks.window(data.cq, msgs, data.scan.valid_end)
    stats = RecordStats()
    stats.add(msgs)
    order = ig.RowCap("warning", "cq_order")
    order.add(ig.cq_order_rows(data.cq))
    offsets = consumer_offsets_frame(data.config)
    ts = lag_times(unit_times(data.cq, msgs, offsets), offsets) if msgs.height and data.cq.height else None
    facts = facts_from_frames(data.scan, data.cq, data.bcq, checks.unit_less)
    return _report(data, ranges, checks, order, stats, offsets, ts, facts, version)


def _report(data: StoreData, ranges: pl.DataFrame, checks: WindowChecks, order: RowCap, stats: RecordStats,
            offsets: pl.DataFrame, ts: pl.DataFrame | None, facts: StoreFacts, version: str | None) -> StoreReport:
    """Findings, lag and recovery from what the windows collected (shared by both ways of reading a store)."""
    from ..findings import findings_frame
    from . import integrity as ig
    from .lag import consumer_lag

    fs = list(data.findings)
    fs += ig.check_cq_file_sizes(data.cq_files)
    fs += checks.findings()
    fs += order.findings()
    fs += ig.check_dispatch_end(ranges, data.scan.valid_end)
    fs += ig.check_index_files(data.index_files)
    fs += ig.check_checkpoint(data.checkpoint, checks.newest_ms)
    lag = consumer_lag(offsets, ranges, ts)
    fs += ig.check_consumer_offsets(lag)
    rec = predict(data, version, facts, stats.any_v2)
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
    topics = topics_summary(stats, ranges, data.config)
    return StoreReport(data, ranges, topics, lag, rec, findings_frame(fs), stats)


#: Records per window of :func:`stream_store` (a window is checked once it holds at least this many).
WINDOW_RECORDS = 100_000


def stream_store(
    path: str | Path,
    *,
    verify_crc: bool = True,
    progress: Progress | None = None,
    version: str | None = None,
    index_sample: int | None = 5000,
    chunk_bytes: int | None = None,
    window_records: int = WINDOW_RECORDS,
    on_frame: Callable[[pl.DataFrame], None] | None = None,
    frame_skip: frozenset[str] = frozenset(_LEAN_SKIP),
) -> StoreReport:
    """:func:`analyse_store` of :func:`load_store` in bounded memory: the same report, built while the commitlog
    is streamed once, window by window (:class:`~rmqinspect.analysis.integrity.WindowChecks`), with consume-queue
    units handed out per window by ``parsers.cq_stream.UnitWindows``. Nothing per record or per unit is kept
    but the records at/after the valid end (offsets only) and queues whose offsets go backwards.

    ``report.data`` holds no messages or units (empty frames) and only the index entries that were checked.
    ``index_sample`` None (check every entry) reads every entry into memory. ``on_frame`` receives every decoded
    chunk of records, in order, with all columns but ``frame_skip`` (optional string columns; the TUI writes them
    to a file) before the checks keep their few columns.
    """
    import polars as pl

    from ..parsers import checkpoint as cpm
    from ..parsers import configjson, consumequeue, storefiles
    from ..parsers import index as ix
    from ..parsers.commitlog import (
        DEFAULT_CHUNK,
        CommitLogScan,
        files_schema,
        messages_schema,
    )
    from ..parsers.configjson import consumer_offsets_frame
    from ..parsers.cq_stream import UnitWindows
    from . import integrity as ig
    from .lag import lag_times, unit_times

    root = resolve_root(path)
    fs: list[Finding] = []
    layout = storefiles.detect_layout(root, fs)
    lock = storefiles.read_lock(root, fs)
    abort = storefiles.read_abort(root, fs)
    empty_msgs = pl.DataFrame(schema=messages_schema()).select(LEAN_COLUMNS)

    # 1. consume queues, a file at a time: ranges, order, facts; units come back per window later
    cqp = _stage(progress, "consumequeue")
    windows = UnitWindows()
    order = ig.RowCap("warning", "cq_order")
    cq_files: list[MappedFile] = []
    ranges_parts, firsts_parts, qmax = [], [], []
    max_real_phy: int | None = None
    scratch = consumequeue._Scratch()
    queues = list(consumequeue.iter_queue_dirs(root, consumequeue.CQ_DIR, fs))
    qp = None
    for i, qd in enumerate(queues, 1):
        parts: list[tuple[Path, str, int, int]] = []
        qp = _QueuePass(order)
        consumequeue.read_queue(qd, root, findings=fs, files_out=cq_files, scratch=scratch, parts_out=parts,
                                each=qp.file)
        if qp.units:
            ranges_parts.append(qp.ranges())
            firsts_parts += qp.firsts
            qmax.append((qd, qp.max_phy))
            if qp.max_real is not None:
                max_real_phy = qp.max_real if max_real_phy is None else max(max_real_phy, qp.max_real)
            if qp.monotonic:
                windows.add_queue(qd.topic, qd.queue_id, parts, qp.first_phy, qp.units)
            else:  # damaged: kept whole (read again, without findings: they are in already)
                windows.hold(consumequeue.read_queue(qd, root, scratch=scratch))
        if cqp:
            cqp(i, len(queues))
    rocks = None
    if layout.rocksdb_cq:  # RocksDB CQ store (5.2+): its units are kept whole, like a damaged queue
        from ..parsers.cq_rocksdb import read_rocksdb_cq

        rocks = read_rocksdb_cq(root, fs)
        if rocks.height:
            ranges_parts.append(consumequeue.queue_ranges(rocks))
            order.add(ig.cq_order_rows(rocks))
            m = rocks.filter(~pl.col("filler"))["phy_offset"].max()
            if m is not None:
                max_real_phy = int(m) if max_real_phy is None else max(max_real_phy, int(m))  # type: ignore[arg-type]
            windows.hold(rocks)
    ranges = (pl.concat(ranges_parts).sort("topic", "queue_id") if ranges_parts
              else consumequeue.queue_ranges(pl.DataFrame(schema=consumequeue.cq_schema())))
    del scratch, qp, ranges_parts
    _release_freed_memory()
    bcq = consumequeue.read_consumequeues(root, batch=True, findings=fs) if layout.batchconsumequeue else None
    cq_ext = consumequeue.read_cq_ext(root, fs) if layout.consumequeue_ext else None

    # 2. index: headers, and only the entries the check reads
    infos: list[IndexFileInfo] = []
    paths = ix.list_index_files(root, fs)
    for p in paths:
        try:
            infos.append(ix.open_index_file(p, findings=fs))
        except OSError as e:
            fs.append(Finding("error", "index_unreadable", f"{ix.INDEX_DIR}/{p.name}", None, str(e)))
    total_entries = sum(i.used_entries for i in infos)
    ixp = _stage(progress, "index")
    if index_sample is None:
        entries_parts = []
        for k, info in enumerate(infos, 1):
            entries_parts.append(ix.read_index_entries(info))
            if ixp:
                ixp(k, len(infos))
        sampled = pl.concat(entries_parts) if entries_parts else pl.DataFrame(schema=ix.index_schema())
    else:
        pos = ig.index_sample_positions(total_entries, index_sample)
        starts = np.cumsum([0] + [i.used_entries for i in infos])
        sampled_parts = []
        for k, info in enumerate(infos):
            mine = pos[(pos >= starts[k]) & (pos < starts[k + 1])] - starts[k] + 1
            if len(mine):
                sampled_parts.append(ix.read_index_entries_at(info, mine))
            if ixp:
                ixp(k + 1, len(infos))
        sampled = pl.concat(sampled_parts) if sampled_parts else pl.DataFrame(schema=ix.index_schema())
    entries = ig.index_check_entries(infos, sampled) if sampled.height and index_sample != 0 else None
    cp = cpm.read_checkpoint(root, fs)
    cfg = configjson.read_config(root, fs)
    offsets = consumer_offsets_frame(cfg)

    # 3. the commitlog, once, window by window
    checks = ig.WindowChecks(ranges, bcq, entries)
    stats = RecordStats()
    lag_parts: list[pl.DataFrame] = []
    lo: int | None = None

    def check(frames: list[pl.DataFrame], hi: int | None, valid_end: int | None) -> None:
        nonlocal lo
        msgs = pl.concat(frames) if len(frames) > 1 else frames[0] if frames else empty_msgs
        units = windows.take_below(hi)
        checks.window(units, msgs, valid_end, lo, hi)
        stats.add(msgs)
        if offsets.height and msgs.height and units.height:
            lag_parts.append(lag_times(unit_times(units, msgs, offsets), offsets))
            if len(lag_parts) > 32:  # keep them small: reducing reduced parts gives the same rows
                lag_parts[:] = [lag_times(pl.concat(lag_parts), offsets)]
        lo = hi

    if layout.commitlog or layout.dledger:
        from ..parsers.dledger import iter_store

        it = iter_store(root, fs, verify_crc=verify_crc, progress=_stage(progress, "commitlog"), properties=False,
                        skip=frame_skip, chunk_bytes=chunk_bytes or DEFAULT_CHUNK)
        pending: list[pl.DataFrame] = []
        rows = 0
        for frame in it:
            if frame.height == 0:
                continue
            if on_frame is not None:
                on_frame(frame)
            pending.append(frame.select(LEAN_COLUMNS))
            rows += frame.height
            if rows >= window_records:
                # Records come in offset order: the window ends where its last record does — but a record failing
                # the length invariant ends at its start + 1 (the scan resyncs from there, so records inside its
                # claimed TOTALSIZE come next and belong to the next window).
                end = pending[-1].select(
                    (pl.col("phy_offset")
                     + pl.when(pl.col("length_ok")).then(pl.col("size").cast(pl.Int64)).otherwise(1)).max()
                ).item()
                check(pending, int(end), it.valid_end if it.stopped else ig.NOT_YET)
                pending, rows = [], 0
        scan = it.result(empty_msgs)
        check(pending, None, scan.valid_end)
        fs += scan.findings
    else:
        scan = CommitLogScan(empty_msgs, pl.DataFrame(schema=files_schema()), [], None, None, [])
        fs.append(Finding("warning", "commitlog_missing", "commitlog", None, "no commitlog directory"))
        check([], None, None)
    has_units = windows.units > 0

    data = StoreData(root, layout, scan, pl.DataFrame(schema=consumequeue.cq_schema()), cq_files, bcq, infos,
                     sampled, cp, abort, lock, cfg, verify_crc, fs, cq_ext, index_entry_count=total_entries)
    ts = pl.concat(lag_parts) if lag_parts else None
    facts = _streamed_facts(data, ranges, bcq, stats, checks, qmax, max_real_phy, firsts_parts, has_units, rocks)
    return _report(data, ranges, checks, order, stats, offsets, ts, facts, version)


def _release_freed_memory() -> None:
    """Give freed heap memory back to the OS (glibc ``malloc_trim``): the consume-queue pass frees many
    file-sized buffers that would otherwise stay resident through the commitlog pass. No-op elsewhere."""
    import ctypes
    import ctypes.util

    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class _QueuePass:
    """The first pass of :func:`stream_store` over one queue, fed a file's frame at a time (``read_queue(each=)``):
    its ranges, ``cq_order`` rows, first unit per file, largest offsets, and whether offsets never decrease."""

    def __init__(self, order: RowCap) -> None:
        self.order = order
        self.units = 0
        self.first_phy = 0
        self.last_phy: int | None = None
        self.max_phy = -1
        self.max_real: int | None = None
        self.monotonic = True
        self.firsts: list[pl.DataFrame] = []
        self._ranges: list[pl.DataFrame] = []
        self._prev_real: pl.DataFrame | None = None  # the last real unit so far: the order check spans files

    def file(self, f: pl.DataFrame) -> None:
        import polars as pl

        from ..parsers.consumequeue import queue_ranges
        from . import integrity as ig

        phy = f.get_column("phy_offset").to_numpy()
        if self.last_phy is None:
            self.first_phy = int(phy[0])
        elif phy[0] < self.last_phy:
            self.monotonic = False
        if phy.size > 1 and bool((np.diff(phy) < 0).any()):
            self.monotonic = False
        self.last_phy = int(phy[-1])
        self.units += f.height
        self.max_phy = max(self.max_phy, int(phy.max()))
        self._ranges.append(queue_ranges(f))
        self.firsts.append(_first_units(f))
        real = f.filter(~pl.col("filler"))
        if real.height:
            m = int(real["phy_offset"].max())  # type: ignore[arg-type]
            self.max_real = m if self.max_real is None else max(self.max_real, m)
        with_prev = real if self._prev_real is None else pl.concat([self._prev_real, real])
        self.order.add(ig.cq_order_rows(with_prev))
        if real.height:
            self._prev_real = real.tail(1)

    def ranges(self) -> pl.DataFrame:
        """``queue_ranges`` of the whole queue, from its files' ranges."""
        import polars as pl

        r = pl.concat(self._ranges)
        return r.group_by("topic", "queue_id", maintain_order=True).agg(
            pl.col("min_offset").min(),
            pl.col("max_offset").max(),
            pl.col("units").sum(),
            pl.col("fillers").sum(),
            pl.col("max_phy_end").max(),
        ).cast(dict(r.schema))  # type: ignore[arg-type]


def _first_units(cq: pl.DataFrame) -> pl.DataFrame:
    """Per CQ file: ``file`` (Utf8) and the ``phy_offset`` of its first unit (by queue offset)."""
    import polars as pl

    return (
        cq.sort("queue_offset")
        .group_by("file", maintain_order=True)
        .agg(pl.col("phy_offset").first())
        .with_columns(pl.col("file").cast(pl.Utf8))
    )


def _streamed_facts(data: StoreData, ranges: pl.DataFrame, bcq: pl.DataFrame | None, stats: RecordStats,
                    checks: WindowChecks, qmax: list[tuple[Any, int]], max_real_phy: int | None,
                    firsts_parts: list[pl.DataFrame], has_units: bool, rocks: pl.DataFrame | None) -> StoreFacts:
    """:class:`~rmqinspect.analysis.recovery.StoreFacts` from what :func:`stream_store` kept."""
    import polars as pl

    from ..parsers import consumequeue
    from ..parsers.commitlog import iter_commitlog, messages_schema
    from .recovery import DROPPED_COLUMNS, DROPPED_ROWS, StoreFacts

    scan = data.scan
    max_end = ranges["max_phy_end"].max() if ranges.height else None
    if bcq is not None and bcq.height:
        firsts_parts.append(_first_units(bcq))
        br = consumequeue.queue_ranges(bcq)
        b_end = br["max_phy_end"].max() if br.height else None
        if b_end is not None:
            max_end = b_end if max_end is None else max(max_end, b_end)  # type: ignore[type-var]
        b_phy = bcq.filter(~pl.col("filler"))["phy_offset"].max()
        if b_phy is not None:
            max_real_phy = int(b_phy) if max_real_phy is None else max(max_real_phy, int(b_phy))  # type: ignore[arg-type]
    beyond = stats.beyond_phys()
    head = stats.beyond_head

    def dropped(offset: int) -> tuple[int, pl.DataFrame]:
        n = int((beyond >= offset).sum())
        rows = (head.filter(pl.col("phy_offset") >= offset) if head is not None
                else pl.DataFrame(schema=messages_schema()).select(DROPPED_COLUMNS))
        if rows.height < min(n, DROPPED_ROWS):  # the kept head starts lower: read the rows again from there
            it = iter_commitlog(scan.dirs or data.root, verify_crc=data.crc_verified, start=offset,
                                properties=False, skip=_LEAN_SKIP)
            got: list[pl.DataFrame] = []
            have = 0
            for f in it:
                f = f.filter(pl.col("phy_offset") >= offset).select(DROPPED_COLUMNS)
                got.append(f)
                have += f.height
                if have >= DROPPED_ROWS:
                    break
            rows = pl.concat(got).head(DROPPED_ROWS) if got else rows
        return n, rows.head(DROPPED_ROWS)

    def cut_units(offset: int) -> pl.DataFrame:
        parts = [consumequeue.read_queue(qd, data.root) for qd, mx in qmax if mx >= offset]
        parts += [f.select(consumequeue.cq_schema().keys()) for f in (bcq, rocks) if f is not None]
        cut = [p.filter(pl.col("phy_offset") >= offset).select("topic", "queue_id", "queue_offset") for p in parts]
        return (pl.concat(cut, how="vertical_relaxed") if cut
                else pl.DataFrame(schema=consumequeue.cq_schema()).select("topic", "queue_id", "queue_offset"))

    firsts = pl.concat(firsts_parts) if firsts_parts else pl.DataFrame(schema={"file": pl.Utf8,
                                                                                 "phy_offset": pl.Int64})
    return StoreFacts(
        scan.files,
        scan.file_size,
        scan.valid_end,
        scan.dirs,
        max_real_phy,
        int(max_end) if max_end is not None else None,  # type: ignore[arg-type]
        has_units or (bcq is not None and bcq.height > 0),
        stats.disk_end,
        checks.unit_less,
        dropped,
        cut_units,
        firsts,
    )


def _locate(files: pl.DataFrame, offset: int) -> tuple[str | None, int | None]:
    """(commitlog file, position in it) holding global ``offset``."""
    for f, start, size in files.select("file", "start_offset", "size").iter_rows():
        if start <= offset < start + max(size, 1):
            return f, offset - start
    return None, offset
