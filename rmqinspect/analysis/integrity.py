"""Cross-file integrity checks of a broker store → :class:`~rmqinspect.findings.Finding` rows.

Each check is a function over frames (no I/O), vectorised as joins; each returns a list of findings with the
file and byte offset of the thing that is wrong. Offsets: for consume-queue findings the byte position of the
unit inside its CQ file; for index findings the entry's byte position in its index file; for config findings
null. Checks and their ``check`` names:

* ``cq_file_size`` — CQ files whose length differs from the other queues' (the broker refuses to load them).
* ``cq_dangling`` / ``cq_mismatch`` / ``cq_beyond_valid_end`` / ``cq_duplicate`` — each CQ unit must point at
  the start of a record with the same topic, queue id, queue offset, size and tag hash (``jhash(TAGS)``, 0
  without tags; ``SCHEDULE_TOPIC_XXXX`` stores the delivery time instead and is not tag-checked; LMQ queues
  ``%LMQ%…`` point at records of other topics and are checked for size only).
* ``cq_order`` — physical offsets must grow with queue offsets.
* ``cq_missing_unit`` — a dispatchable record (transaction type NOT_TYPE/COMMIT, not an inner batch) inside
  its queue's range has no unit; ``cq_dispatch_lag`` — valid records after the queues' newest unit (the
  broker re-dispatches them on restart; a crash leaves this normally).
* ``index_dangling`` / ``index_key_mismatch`` / ``index_beyond_valid_end`` — index entries must point at a
  record one of whose keys (``topic#UNIQ_KEY``, ``topic#<each KEYS item>``) has the entry's hash. Sampled by
  default (``index_sample``), full on request.
* ``index_file_size`` — index files of different sizes (the broker maps every file with one geometry);
  ``index_order`` — a file whose header starts before the previous file's ends (time or offset).
* ``checkpoint_ahead`` (error) / ``checkpoint_logics_ahead`` / ``checkpoint_index_ahead`` (warnings) — the
  checkpoint claims flushed data newer than any valid record; ``checkpoint_behind`` (info).
* ``consumer_offset_ahead`` / ``consumer_offset_behind_min`` / ``consumer_offset_no_queue`` — committed
  offsets outside their queue's range (from :mod:`rmqinspect.analysis.lag`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from ..findings import Finding, Severity
from ..parsers.consumequeue import EXT_ADDR_MAX

if TYPE_CHECKING:
    import polars as pl

    from ..parsers.checkpoint import Checkpoint
    from ..parsers.fileio import MappedFile
    from ..parsers.index import IndexFileInfo

MAX_ROWS_PER_CHECK = 20
SCHEDULE_TOPIC = "SCHEDULE_TOPIC_XXXX"
LMQ_PREFIX = "%LMQ%"
#: sysflag transaction types that get consume-queue units (spec §3.9.1): NOT_TYPE (0) and COMMIT (8).
DISPATCHED_TRAN_TYPES = (0, 8)


def capped(
    severity: Severity,
    check: str,
    rows: pl.DataFrame,
    detail_col: str = "detail",
    limit: int = MAX_ROWS_PER_CHECK,
) -> list[Finding]:
    """Findings from a frame with ``file, offset, detail``; beyond ``limit`` one summary row says how many more."""
    out = [
        Finding(severity, check, r["file"], r["offset"], r[detail_col])
        for r in rows.head(limit).iter_rows(named=True)
    ]
    if rows.height > limit:
        out.append(
            Finding(severity, check, None, None, f"{rows.height - limit} more {check} findings not listed")
        )
    return out


def _tags_code_expr(tags: pl.Series) -> pl.Expr:
    """jhash(TAGS) (Java String.hashCode, sign-extended to i64), 0 without tags: hashed once per distinct tag of
    ``tags`` (a per-row ``map_elements`` cost ~1 µs a record) and mapped onto the column."""
    import polars as pl

    from ..parsers.index import java_string_hash

    codes = {t: java_string_hash(t) for t in tags.drop_nulls().unique().to_list()}
    return pl.col("tags").replace_strict(codes, default=0, return_dtype=pl.Int64).alias("exp_tags_code")


def _unit_pos(unit: int) -> pl.Expr:
    """Byte position of a unit inside its file: queue_offset*unit − file start (the 20-digit file name)."""
    import polars as pl

    return (pl.col("queue_offset") * unit - pl.col("file").str.slice(-20).cast(pl.Int64, strict=False)).alias(
        "offset"
    )


def as_strings(df: pl.DataFrame, *cols: str) -> pl.DataFrame:
    """Categorical name columns (CQ/index frames) as Utf8, for joins and string ops against other frames."""
    import polars as pl

    return df.with_columns(pl.col(c).cast(pl.Utf8) for c in cols if c in df.columns)


def check_cq_file_sizes(files: Iterable[MappedFile]) -> list[Finding]:
    files = list(files)
    sizes = Counter(f.size for f in files if f.size > 0)
    if len(sizes) <= 1:
        return []
    common = max(sizes.items(), key=lambda kv: (kv[1], kv[0]))[0]
    out = [
        Finding(
            "error",
            "cq_file_size",
            f.rel,
            None,
            f"{f.size} bytes, other consume-queue files {common} (mappedFileSizeConsumeQueue): the broker "
            "refuses to load this queue",
        )
        for f in files
        if f.size not in (0, common)
    ]
    return out[:MAX_ROWS_PER_CHECK]


#: valid_end to pass to :meth:`WindowChecks.window` while the commitlog scan has not stopped yet: the stop, when it
#: comes, is after every record of the window.
NOT_YET = 1 << 62


class RowCap:
    """The rows of one check: the first ``limit`` by (file, offset, detail) and how many there were in all, so
    rows added window by window give the findings one call over all rows gives (:func:`capped`)."""

    def __init__(self, severity: Severity, check: str, limit: int = MAX_ROWS_PER_CHECK) -> None:
        self.severity, self.check, self.limit = severity, check, limit
        self.total = 0
        self.rows: pl.DataFrame | None = None

    def add(self, rows: pl.DataFrame) -> None:
        import polars as pl

        if rows.height == 0:
            return
        self.total += rows.height
        r = rows.select(pl.col("file").cast(pl.Utf8), pl.col("offset").cast(pl.Int64), pl.col("detail"))
        r = r if self.rows is None else pl.concat([self.rows, r])
        self.rows = _first_rows(r, self.limit)

    def findings(self) -> list[Finding]:
        if self.rows is None:
            return []
        out = [Finding(self.severity, self.check, f, o, d) for f, o, d in self.rows.iter_rows()]
        if self.total > self.limit:
            out.append(Finding(self.severity, self.check, None, None,
                               f"{self.total - self.limit} more {self.check} findings not listed"))
        return out


def _first_rows(rows: pl.DataFrame, limit: int) -> pl.DataFrame:
    return rows.sort("file", "offset", "detail", nulls_last=True).head(limit)


def cq_order_rows(cq: pl.DataFrame, unit: int = 20) -> pl.DataFrame:
    """``cq_order`` rows (``file, offset, detail``) of whole queues: commitlog offsets must grow with queue
    offsets (the dispatcher appends in order)."""
    import polars as pl

    real = as_strings(cq.filter(~pl.col("filler")), "topic")
    bad = real.with_columns(pl.col("phy_offset").shift(1).over("topic", "queue_id").alias("prev_phy")).filter(
        pl.col("phy_offset") <= pl.col("prev_phy")
    )
    bad = as_strings(bad, "file").with_columns(_unit_pos(unit))  # file names only for the rows reported
    return bad.select(
        "file",
        "offset",
        pl.format(
            "unit {}/{}#{} points at {}, not after the previous unit's {}",
            "topic",
            "queue_id",
            "queue_offset",
            "phy_offset",
            "prev_phy",
        ).alias("detail"),
    )


def dispatchable(msgs: pl.DataFrame) -> pl.DataFrame:
    """Valid records the dispatcher puts into a (normal) consume queue."""
    import polars as pl

    return msgs.filter(
        pl.col("tran_type").is_in(DISPATCHED_TRAN_TYPES)
        & ~pl.col("inner_batch").fill_null(False)
        & pl.col("length_ok").fill_null(False)
        & ~pl.col("beyond_valid_end").fill_null(False)
    )


class WindowChecks:
    """The record-level cross checks, fed one commitlog window at a time (or once with everything).

    A window is the records whose ``phy_offset`` lies in ``[lo, hi)`` and the units (and sampled index entries)
    pointing into the same range; each unit's or entry's record, if any, is in its window, so the joins per
    window give what one join over the whole store gives. Windows come in ascending offset order, and the
    first one holds the lowest record. ``ranges`` (``queue_ranges`` of every queue) and ``batch_queues`` are
    whole-store inputs. Checks (see the module docstring): ``cq_dangling``, ``cq_mismatch``,
    ``cq_beyond_valid_end``, ``cq_duplicate``, ``cq_points_to_deleted``, ``cq_missing_unit``, ``cq_dispatch_lag``,
    ``cq_head_deleted``, ``index_dangling``, ``index_key_mismatch``, ``index_beyond_valid_end``. Also counted
    on the way: ``unit_less`` (valid dispatchable records without a unit in ``units`` ∪ ``batch units``) and
    the newest valid store time (for :func:`check_checkpoint`).
    """

    def __init__(self, ranges: pl.DataFrame, batch_units: pl.DataFrame | None = None,
                 index_entries: pl.DataFrame | None = None, unit: int = 20) -> None:
        import polars as pl

        self.unit = unit
        self.ranges = ranges.select("topic", "queue_id", "min_offset", "max_offset")
        mx = ranges["max_phy_end"].max() if ranges.height else None
        self.max_cq_end: int = int(mx) if mx is not None else 0  # type: ignore[arg-type]
        self.batch_units = batch_units if batch_units is not None and batch_units.height else None
        self.batch_queues = (
            as_strings(self.batch_units.select("topic", "queue_id").unique(), "topic")
            if self.batch_units is not None else None
        )
        self.index_entries = index_entries  # with ``offset`` (byte position in its file) and Utf8 ``file``
        self.min_phy: int | None = None
        self.caps = {
            c: RowCap(sev, c)
            for sev, c in (
                ("error", "cq_beyond_valid_end"),
                ("error", "cq_dangling"),
                ("error", "cq_mismatch"),
                ("error", "cq_duplicate"),
                ("error", "cq_missing_unit"),
                ("warning", "index_beyond_valid_end"),
                ("error", "index_dangling"),
                ("error", "index_key_mismatch"),
            )
        }
        self.deleted = 0
        self.deleted_file: str | None = None
        self.lag_rows = 0
        self.lag_first: dict | None = None
        self.head_deleted = 0
        self.unit_less = 0
        self.newest_ms: int | None = None
        self._pl = pl

    # --- one window ---------------------------------------------------------------------------------------------
    def window(self, units: pl.DataFrame, msgs: pl.DataFrame, valid_end: int | None,
               lo: int | None = None, hi: int | None = None) -> None:
        """Check the records ``msgs`` and the ``units`` pointing into their window ``[lo, hi)`` (None: open).

        ``valid_end``: the final valid end, :data:`NOT_YET` while the scan has not stopped, None without a
        commitlog.
        """
        pl = self._pl
        if self.min_phy is None and msgs.height:
            self.min_phy = int(msgs["phy_offset"].min())  # type: ignore[arg-type]
        ve = valid_end if valid_end is not None else -1
        self._units_vs_records(units, msgs, ve)
        self._missing_units(units, msgs)
        if self.index_entries is not None and self.index_entries.height:
            e = self.index_entries
            if lo is not None:
                e = e.filter(pl.col("phy_offset") >= lo)
            if hi is not None:
                e = e.filter(pl.col("phy_offset") < hi)
            if e.height:
                self._index(e, msgs, ve)
        if msgs.height:
            v = msgs.select(
                pl.col("store_ts").filter(
                    ~pl.col("beyond_valid_end").fill_null(False) & pl.col("length_ok").fill_null(False)
                ).max().dt.epoch("ms")
            ).item()
            if v is not None:
                self.newest_ms = v if self.newest_ms is None else max(self.newest_ms, v)

    def _units_vs_records(self, cq: pl.DataFrame, msgs: pl.DataFrame, ve: int) -> None:
        pl = self._pl
        if cq.height == 0:
            return
        # file stays Categorical (one string per file, not per unit): only its name reaches the findings
        units = as_strings(cq.filter(~pl.col("filler")), "topic").with_columns(
            (
                pl.col("queue_offset") * self.unit
                - pl.col("file").cast(pl.Utf8).str.slice(-20).cast(pl.Int64, strict=False)
            ).alias("offset")
        )
        recs = msgs.select(
            "phy_offset",
            pl.col("size").alias("r_size"),
            pl.col("topic").alias("r_topic"),
            pl.col("queue_id").alias("r_queue_id"),
            pl.col("queue_offset").alias("r_queue_offset"),
            pl.col("beyond_valid_end").fill_null(False).alias("r_beyond"),
            pl.col("length_ok").alias("r_length_ok"),
            _tags_code_expr(msgs.get_column("tags")),
        )
        j = units.join(recs, on="phy_offset", how="left")
        min_phy = self.min_phy if self.min_phy is not None else 0
        unit_txt = ("unit {}/{}#{} points at commitlog offset {}", "topic", "queue_id", "queue_offset",
                    "phy_offset")

        no_rec = j.filter(pl.col("r_size").is_null())
        beyond = pl.concat([no_rec.filter(pl.col("phy_offset") >= ve), j.filter(pl.col("r_beyond"))],
                           how="vertical_relaxed")
        deleted = no_rec.filter(pl.col("phy_offset") < min_phy)
        dangling = no_rec.filter((pl.col("phy_offset") < ve) & (pl.col("phy_offset") >= min_phy))
        ve_txt = f", at or past the valid end {ve} (recovery truncates it)"
        self.caps["cq_beyond_valid_end"].add(
            beyond.with_columns(pl.format(unit_txt[0] + ve_txt, *unit_txt[1:]).alias("detail")))
        self.caps["cq_dangling"].add(
            dangling.with_columns(pl.format(unit_txt[0] + " where no record starts", *unit_txt[1:]).alias("detail")))
        if deleted.height:
            self.deleted += deleted.height
            first = str(deleted["file"].cast(pl.Utf8).min())  # the smallest name: independent of row order
            self.deleted_file = first if self.deleted_file is None else min(self.deleted_file, first)

        lmq = pl.col("topic").str.starts_with(LMQ_PREFIX)
        bad_size = pl.col("size") != pl.col("r_size")
        bad_topic = ~lmq & (pl.col("topic") != pl.col("r_topic"))
        bad_qid = ~lmq & (pl.col("queue_id") != pl.col("r_queue_id"))
        bad_qoff = ~lmq & (pl.col("queue_offset") != pl.col("r_queue_offset"))
        # tag codes ≤ EXT_ADDR_MAX are consumequeue_ext addresses (enableConsumeQueueExt), not tag hashes
        bad_tags = (
            ~lmq
            & (pl.col("topic") != SCHEDULE_TOPIC)
            & (pl.col("tags_code") > EXT_ADDR_MAX)
            & (pl.col("tags_code") != pl.col("exp_tags_code"))
        )
        # only rows with a difference get a diff text (the rest would be filtered out as "" anyway)
        m = j.filter(
            pl.col("r_size").is_not_null()
            & ~pl.col("r_beyond")
            & (bad_size | bad_topic | bad_qid | bad_qoff | bad_tags)
        )
        mm = m.with_columns(
            pl.concat_str(
                [
                    pl.when(bad_size).then(pl.format("size {}≠{}", "size", "r_size")),
                    pl.when(bad_topic).then(pl.format("topic {}≠{}", "topic", "r_topic")),
                    pl.when(bad_qid).then(pl.format("queue {}≠{}", "queue_id", "r_queue_id")),
                    pl.when(bad_qoff).then(pl.format("queue offset {}≠{}", "queue_offset", "r_queue_offset")),
                    pl.when(bad_tags).then(pl.format("tags code {}≠{}", "tags_code", "exp_tags_code")),
                ],
                separator=", ",
                ignore_nulls=True,
            ).alias("diff")
        ).filter(pl.col("diff") != "")
        self.caps["cq_mismatch"].add(
            mm.with_columns(
                pl.format("unit {}/{}#{} → record at {}: {} (unit vs record)", "topic", "queue_id",
                          "queue_offset", "phy_offset", "diff").alias("detail")
            )
        )
        dup = units.filter(~pl.col("topic").str.starts_with(LMQ_PREFIX)).filter(
            pl.col("phy_offset").is_duplicated()
        )
        self.caps["cq_duplicate"].add(
            dup.with_columns(pl.format(unit_txt[0] + " like another unit", *unit_txt[1:]).alias("detail")))

    def _missing_units(self, cq: pl.DataFrame, msgs: pl.DataFrame) -> None:
        """Dispatchable records without a CQ unit: holes inside a queue (error) vs. dispatch lag at the tail."""
        pl = self._pl
        d = dispatchable(msgs)
        if d.height == 0:
            return
        phys = cq.select("phy_offset")
        if self.batch_units is not None:
            b = self.batch_units.select("phy_offset")
            self.unit_less += d.join(pl.concat([phys, b]), on="phy_offset", how="anti").height
            assert self.batch_queues is not None
            d = d.join(self.batch_queues, on=["topic", "queue_id"], how="anti")
            missing = d.join(phys, on="phy_offset", how="anti")
        else:
            missing = d.join(phys, on="phy_offset", how="anti")
            self.unit_less += missing.height
        if missing.height == 0:
            return
        missing = missing.join(self.ranges, on=["topic", "queue_id"], how="left").with_columns(
            (pl.col("phy_offset") - pl.col("file").str.slice(-20).cast(pl.Int64, strict=False)).alias("offset"),
            pl.format(
                "record {}/{}#{} at {} has no consume-queue unit (queue range {}..{})",
                "topic",
                "queue_id",
                "queue_offset",
                "phy_offset",
                "min_offset",
                "max_offset",
            ).alias("detail"),
        )
        in_range = pl.col("max_offset").is_not_null() & pl.col("queue_offset").is_between(
            pl.col("min_offset"), pl.col("max_offset"), closed="left"
        )
        tail = ~in_range & (pl.col("phy_offset") >= self.max_cq_end)
        below = ~in_range & ~tail & pl.col("min_offset").is_not_null() & (pl.col("queue_offset") < pl.col("min_offset"))
        self.caps["cq_missing_unit"].add(missing.filter(in_range | (~tail & ~below)))
        lag = missing.filter(tail)
        if lag.height:
            first = lag.sort("phy_offset").row(0, named=True)
            self.lag_rows += lag.height
            if self.lag_first is None or first["phy_offset"] < self.lag_first["phy_offset"]:
                self.lag_first = first
        self.head_deleted += missing.filter(below).height

    def _index(self, e: pl.DataFrame, msgs: pl.DataFrame, ve: int) -> None:
        from ..parsers.index import index_key_hash

        pl = self._pl
        j = e.join(
            msgs.select(
                "phy_offset",
                "topic",
                "keys",
                "uniq_key",
                pl.col("beyond_valid_end").fill_null(False).alias("r_beyond"),
            ),
            on="phy_offset",
            how="left",
        )
        min_phy = self.min_phy if self.min_phy is not None else 0
        no_rec = j.filter(pl.col("topic").is_null())
        self.caps["index_beyond_valid_end"].add(
            pl.concat(
                [no_rec.filter(pl.col("phy_offset") >= ve), j.filter(pl.col("r_beyond"))], how="vertical_relaxed"
            ).with_columns(
                pl.format(
                    "entry {} points at commitlog offset {}, at or past the valid end", "entry_no", "phy_offset"
                ).alias("detail")
            )
        )
        self.caps["index_dangling"].add(
            no_rec.filter((pl.col("phy_offset") < ve) & (pl.col("phy_offset") >= min_phy)).with_columns(
                pl.format(
                    "entry {} points at commitlog offset {} where no record starts", "entry_no", "phy_offset"
                ).alias("detail")
            )
        )
        m = j.filter(pl.col("topic").is_not_null() & ~pl.col("r_beyond"))

        def hashes(row: dict) -> list[int]:
            t = row["topic"]
            keys = [k for k in (row["keys"] or "").split(" ") if k]
            if row["uniq_key"]:
                keys.append(row["uniq_key"])
            return [index_key_hash(f"{t}#{k}") for k in keys]

        # at most the sampled entries (5000 by default): a Python check per row is fine here
        ok = [r["key_hash"] in hashes(r) for r in m.select("topic", "keys", "uniq_key", "key_hash").iter_rows(named=True)]
        self.caps["index_key_mismatch"].add(
            m.filter(~pl.Series(ok, dtype=pl.Boolean)).with_columns(
                pl.format(
                    "entry {} (keyHash {}) points at a record of topic {} none of whose keys hash to it",
                    "entry_no",
                    "key_hash",
                    "topic",
                ).alias("detail")
            )
        )

    # --- all windows --------------------------------------------------------------------------------------------
    def findings(self) -> list[Finding]:
        out: list[Finding] = []
        for c in ("cq_beyond_valid_end", "cq_dangling"):
            out += self.caps[c].findings()
        if self.deleted:
            out.append(
                Finding(
                    "info",
                    "cq_points_to_deleted",
                    self.deleted_file,
                    None,
                    f"{self.deleted} units point below the oldest commitlog record "
                    f"({self.min_phy}): commitlog files already deleted",
                )
            )
        for c in ("cq_mismatch", "cq_duplicate", "cq_missing_unit"):
            out += self.caps[c].findings()
        if self.lag_first is not None:
            first = self.lag_first
            out.append(
                Finding(
                    "warning",
                    "cq_dispatch_lag",
                    first["file"],
                    first["offset"],
                    f"{self.lag_rows} valid records from commitlog offset {first['phy_offset']} on are not in "
                    f"any consume queue yet (queues end at {self.max_cq_end}); a restart re-dispatches them",
                )
            )
        if self.head_deleted:
            out.append(
                Finding(
                    "info",
                    "cq_head_deleted",
                    None,
                    None,
                    f"{self.head_deleted} records are below their queue's first unit (old CQ files deleted)",
                )
            )
        for c in ("index_beyond_valid_end", "index_dangling", "index_key_mismatch"):
            out += self.caps[c].findings()
        return out


def check_dispatch_end(ranges: pl.DataFrame, valid_end: int | None) -> list[Finding]:
    """Consume queues pointing past the commitlog's valid end (data lost from the commitlog)."""
    if not ranges.height or valid_end is None:
        return []
    mx = ranges["max_phy_end"].max()
    if mx is not None and mx > valid_end:
        return [
            Finding(
                "error",
                "cq_ahead_of_commitlog",
                None,
                None,
                f"consume queues reach commitlog offset {mx}, past the valid end {valid_end}: "
                f"{mx - valid_end} bytes of dispatched messages are gone or invalid",
            )
        ]
    return []


def check_index_files(infos: list[IndexFileInfo]) -> list[Finding]:
    """Index files of different sizes, and files whose header starts before the previous file's ends."""
    out: list[Finding] = []
    sizes = Counter(i.size for i in infos)
    if len(sizes) > 1:
        common = sizes.most_common(1)[0][0]
        out += [
            Finding("warning", "index_file_size", i.file, None, f"{i.size} bytes, other index files {common}")
            for i in infos
            if i.size != common
        ]
    heads = [i for i in infos if i.header is not None and i.header.index_count > 1]
    for a, b in pairwise(heads):
        ha, hb = a.header, b.header
        assert ha is not None and hb is not None
        if hb.begin_ts < ha.end_ts or hb.begin_phy_offset < ha.end_phy_offset:
            out.append(
                Finding(
                    "warning",
                    "index_order",
                    b.file,
                    0,
                    f"starts at time {hb.begin_ts} / offset {hb.begin_phy_offset}, before the previous "
                    f"file {a.file} ends ({ha.end_ts} / {ha.end_phy_offset}): clock step or a foreign file",
                )
            )
    return out


def index_sample_positions(total: int, sample: int | None) -> np.ndarray:
    """Which entries (0-based, over all files in order) the index check reads: all of them (``sample`` None or
    ``total`` ≤ ``sample``), else ``sample`` evenly spread ones — by position, so a whole entries frame and
    a file-by-file read pick the same entries."""
    if sample is None or total <= sample:
        return np.arange(total, dtype=np.int64)
    if sample <= 0:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.linspace(0, total - 1, sample).astype(np.int64))


def index_check_entries(infos: list[IndexFileInfo], entries: pl.DataFrame) -> pl.DataFrame:
    """Entries (a frame of :func:`parsers.index.read_index` rows) ready for :class:`WindowChecks`: Utf8 ``file``
    and ``offset``, the entry's byte position in its index file."""
    import polars as pl

    from ..parsers.index import ENTRY_SIZE

    e = as_strings(entries, "file")
    ent_at = {i.file: (i.geometry.entries_at if i.geometry else 0) for i in infos}
    return e.with_columns(
        (
            pl.col("file").replace_strict(ent_at, default=0, return_dtype=pl.Int64)
            + pl.col("entry_no").cast(pl.Int64) * ENTRY_SIZE
        ).alias("offset")
    )


def check_checkpoint(cp: Checkpoint | None, newest: int | None, file: str = "checkpoint") -> list[Finding]:
    """Checkpoint times vs ``newest``, the newest valid record's store time (ms; :class:`WindowChecks`)."""
    if cp is None or newest is None:
        return []
    out = []
    if cp.physic_msg_ts > newest:
        out.append(
            Finding(
                "error",
                "checkpoint_ahead",
                file,
                0,
                f"physicMsgTimestamp {cp.physic_msg_ts} is newer than the newest valid record "
                f"({newest}): messages the broker had flushed are missing from the commitlog",
            )
        )
    if cp.logics_msg_ts > newest:
        out.append(
            Finding(
                "warning",
                "checkpoint_logics_ahead",
                file,
                8,
                f"logicsMsgTimestamp {cp.logics_msg_ts} is newer than the newest valid record ({newest})",
            )
        )
    if cp.index_msg_ts > newest:
        out.append(
            Finding(
                "warning",
                "checkpoint_index_ahead",
                file,
                16,
                f"indexMsgTimestamp {cp.index_msg_ts} is newer than the newest valid record ({newest})",
            )
        )
    if 0 < cp.physic_msg_ts < newest:
        out.append(
            Finding(
                "info",
                "checkpoint_behind",
                file,
                0,
                f"newest record is {(newest - cp.physic_msg_ts) / 1000:.1f} s after physicMsgTimestamp "
                "(written after the last checkpoint flush)",
            )
        )
    return out


def check_consumer_offsets(lag: pl.DataFrame, file: str = "config/consumerOffset.json") -> list[Finding]:
    """Committed offsets outside their queue's range (lag frame from :func:`analysis.lag.consumer_lag`)."""
    import polars as pl

    if lag.height == 0:
        return []
    base = lag.with_columns(pl.lit(file).alias("file"), pl.lit(None, dtype=pl.Int64).alias("offset"))
    out = capped(
        "error",
        "consumer_offset_ahead",
        base.filter(pl.col("status") == "ahead").with_columns(
            pl.format(
                "group {} {}/{} committed offset {} > queue max offset {} (messages lost or CQ truncated)",
                "group",
                "topic",
                "queue_id",
                "consumer_offset",
                "max_offset",
            ).alias("detail")
        ),
    )
    out += capped(
        "warning",
        "consumer_offset_behind_min",
        base.filter(pl.col("status") == "behind_min").with_columns(
            pl.format(
                "group {} {}/{} committed offset {} < queue min offset {} (messages deleted before consumption)",
                "group",
                "topic",
                "queue_id",
                "consumer_offset",
                "min_offset",
            ).alias("detail")
        ),
    )
    out += capped(
        "warning",
        "consumer_offset_no_queue",
        base.filter(pl.col("status") == "no_queue").with_columns(
            pl.format(
                "group {} {}/{} committed offset {} but the queue has no consume-queue data here",
                "group",
                "topic",
                "queue_id",
                "consumer_offset",
            ).alias("detail")
        ),
    )
    return out
