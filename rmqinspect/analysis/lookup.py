"""Find messages in a store the way the broker does, and describe one message completely (issue 7, item 1).

* **offset msgId** (``MessageDecoder.createMessageId``: store IP + port + commitlog offset) → decoded, the
  record at that offset is read and must carry the same msgId (else: not this store, or overwritten).
* **UNIQ_KEY / KEYS** → ``parsers.index.lookup`` (``IndexFile.selectPhyOffset``: ``topic#key`` hash slot →
  ``prevIndex`` chain, newest file first), then each hit is **verified** against the commitlog record (topic
  and UNIQ_KEY or one of the space-separated KEYS), because the index only stores a 32-bit hash. With no
  topic, every topic that has a consume queue is tried. If the index yields nothing (no index files, a
  crashed broker whose index lost its tail, ``messageIndexEnable=false``) the commitlog is scanned chunk by
  chunk (``iter_commitlog``: bounded memory) and ``found_via`` says ``scan``.
* **topic/queue/offset** → one 20-byte consume-queue unit (``queue_offset × 20`` located by file name).
* **time range** → per queue, a binary search over the consume queue reading each probed unit's commitlog
  STORETIMESTAMP, as ``ConsumeQueue.getOffsetInQueueByTime`` does: O(log n) preads per queue, no full scan.

The client's "message ID" (``SendResult.getMsgId()``) is the UNIQ_KEY; ``getOffsetMsgId()`` is the offset
msgId. ``--id`` accepts either, like ``mqadmin queryMsgById``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError, UnusableInputError, UsageError

if TYPE_CHECKING:
    import polars as pl

CQ_UNIT_SIZE = 20
HEX = set("0123456789abcdefABCDEF")


@dataclass
class Store:
    """A store root (``storePathRootDir``) with its commitlog directories resolved.

    Readers are opened lazily and kept: the commitlog listing (``CommitLogReader``) and the index files'
    headers, geometry and entry counts (``IndexReader``) are read once per command, not once per lookup."""

    root: Path
    commitlog: list[Path]
    hash_slot_num: int | None = None
    index_num: int | None = None
    dledger: bool = False  # ``commitlog`` is a DLedger data dir: records sit at their offsets inside the entries
    _reader: Any = field(default=None, repr=False)
    _index: Any = field(default=None, repr=False)

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def reader(self) -> Any:
        if self._reader is None:
            from ..parsers.commitlog import CommitLogReader

            self._reader = CommitLogReader(self.commitlog)
        return self._reader

    @property
    def index(self) -> Any:
        if self._index is None:
            from ..parsers.index import IndexReader

            self._index = IndexReader(
                self.index_dir, hash_slot_num=self.hash_slot_num, index_num=self.index_num
            )
        return self._index


def open_store(path: str | Path, *, hash_slot_num: int | None = None, index_num: int | None = None) -> Store:
    """``path`` is a store root (has ``commitlog/``) or a commitlog dir. Missing → one-line error."""
    from ..parsers.commitlog import resolve_commitlog_dirs

    p = Path(path)
    if not p.exists():
        raise UnusableInputError(f"{p}: no such store directory")
    if not p.is_dir():
        raise UnusableInputError(f"{p}: not a directory (give the store root, the folder holding commitlog/)")
    root = p.parent if p.name == "commitlog" else p
    if not (root / "commitlog").is_dir():
        from ..parsers.storefiles import detect_layout

        dl = detect_layout(root).dledger
        if dl:  # a wrapped record lies at its own offset in the data files (entry pos + 48): read it there
            return Store(root, [root / dl[0] / "data"], hash_slot_num, index_num, dledger=True)
        raise UnusableInputError(f"{p}: no commitlog/ here; not a RocketMQ store root")
    return Store(root, resolve_commitlog_dirs(root), hash_slot_num, index_num)


# ---------------------------------------------------------------- ids and keys


def is_hex_id(s: str) -> bool:
    return len(s) in (32, 56) and set(s) <= HEX


def check_id(s: str) -> str:
    s = s.strip()
    if not is_hex_id(s):
        raise UsageError(f"malformed message id {s!r}: expected 32 (IPv4) or 56 (IPv6) hex characters")
    return s.upper()


def check_key(s: str) -> str:
    if not s or any(c in s for c in "\x00\x01\x02") or len(s) > 4096:
        raise UsageError(f"malformed key {s!r}: empty, too long, or containing property separators")
    return s


def _record(store: Store, phy: int) -> dict[str, Any] | None:
    try:
        return store.reader.read(phy)  # type: ignore[no-any-return]
    except NotFoundError:
        return None


def by_offset_msg_id(store: Store, msg_id: str) -> dict[str, Any] | None:
    """Decode and read; ``None`` unless the record there really carries this msgId."""
    from ..parsers.commitlog import decode_offset_msg_id

    try:
        dec = decode_offset_msg_id(msg_id)
    except (UsageError, ValueError):
        return None
    rec = _record(store, dec.phy_offset)
    if rec is not None and rec.get("msg_id") == msg_id.upper():
        return rec
    return None


def store_topics(store: Store) -> list[str]:
    """Topics that have a consume queue here (directory names; untrusted strings)."""
    from ..parsers.consumequeue import iter_queue_dirs

    seen: list[str] = []
    for qd in iter_queue_dirs(store.root):
        if not seen or seen[-1] != qd.topic:
            seen.append(qd.topic)
    return seen


def _matches(rec: dict[str, Any], key: str, kind: str, topic: str | None) -> bool:
    if topic is not None and rec.get("topic") != topic:
        return False
    if kind == "uniq":
        return key in (rec.get("uniq_key"), rec.get("client_uniq_key")) or shadowed_uniq_key(rec, key)
    return key in (rec.get("keys") or "").split(" ")


def shadowed_uniq_key(rec: dict[str, Any], key: str) -> bool:
    """``key`` is a UNIQ_KEY entry of the record that a later entry hides from the broker's property map
    (and so from its index): 5.x batches carry the message's own id, then the batch's."""
    raw = rec.get("properties_raw") or b""
    broker_key = rec.get("uniq_key", (rec.get("properties") or {}).get("UNIQ_KEY"))
    return broker_key != key and f"UNIQ_KEY\x01{key}\x02".encode() in raw


@dataclass
class KeyHits:
    records: list[dict[str, Any]] = field(default_factory=list)
    index_entries: list[dict[str, Any]] = field(
        default_factory=list
    )  # every index candidate, verified or not
    found_via: str = "index"


def by_key(
    store: Store, key: str, *, kind: str, topic: str | None = None, scan: bool = True, max_hits: int = 64
) -> KeyHits:
    """UNIQ_KEY (``kind='uniq'``) or KEYS item (``kind='keys'``) → verified records, index first."""
    out = KeyHits()
    seen: set[int] = set()
    for t in [topic] if topic is not None else store_topics(store):
        hits = store.index.lookup(t, key, max_hits=max_hits)
        for h in hits.iter_rows(named=True):
            rec = _record(store, h["phy_offset"])
            ok = rec is not None and _matches(rec, key, kind, t)
            out.index_entries.append({**h, "topic": t, "verified": ok})
            if ok and h["phy_offset"] not in seen:
                seen.add(h["phy_offset"])
                out.records.append(rec)  # type: ignore[arg-type]
    if not out.records and scan:
        out.found_via = "scan"
        for phy in scan_for(store, key, kind=kind, topic=topic, limit=max_hits):
            rec = _record(store, phy)
            if rec is not None:
                out.records.append(rec)
        if kind == "uniq" and out.records and all(shadowed_uniq_key(r, key) for r in out.records):
            out.found_via = "scan/shadowed_uniq_key"
    out.records.sort(key=lambda r: r["phy_offset"])
    return out


def scan_for(store: Store, key: str, *, kind: str, topic: str | None = None, limit: int = 64) -> list[int]:
    """Fallback: stream the commitlog (bounded chunks, no property maps) and filter each chunk as columns."""
    import polars as pl

    from ..parsers.commitlog_decode import messages_schema

    if kind == "uniq":
        cond = pl.col("uniq_key") == key
        if "client_uniq_key" in messages_schema():
            cond = cond | (pl.col("client_uniq_key") == key)
    else:
        cond = pl.col("keys").str.split(" ").list.contains(key)
    if topic is not None:
        cond = cond & (pl.col("topic") == topic)
    found = _scan(store, cond, limit, properties=False)
    if not found and kind == "uniq":
        # A repeated UNIQ_KEY property (5.x batches: each inner message keeps its own id, then the batch's
        # is appended; the broker's map, and so its index, keep the last) hides the first one from the broker.
        shadowed = (
            pl.col("properties")
            .list.eval(
                (pl.element().struct.field("key") == "UNIQ_KEY") & (pl.element().struct.field("value") == key)
            )
            .list.any()
        )
        if topic is not None:
            shadowed = shadowed & (pl.col("topic") == topic)
        found = _scan(store, shadowed, limit, properties=True)
    return found


def _scan(store: Store, cond: pl.Expr, limit: int, *, properties: bool) -> list[int]:
    from ..parsers.dledger import iter_store

    found: list[int] = []
    for chunk in iter_store(store.root, properties=properties):
        found += chunk.filter(cond.fill_null(False))["phy_offset"].to_list()
        if len(found) >= limit:
            break
    return found[:limit]


# ---------------------------------------------------------------- consume queues


def _queue_files(store: Store, topic: str, queue_id: int) -> Any:
    from ..parsers import fileio

    qdir = store.root / "consumequeue" / topic / str(queue_id)
    if not qdir.is_dir():
        return None
    return fileio.list_mapped_files(qdir, check_prefix="cq", rel_root=store.root)


def cq_unit(
    store: Store, topic: str, queue_id: int, queue_offset: int, files: Any = None
) -> dict[str, Any] | None:
    """The consume-queue unit at ``queue_offset`` (None if absent or past the queue's end)."""
    from ..parsers import fileio

    files = files if files is not None else _queue_files(store, topic, queue_id)
    if files is None or queue_offset < 0:
        return None
    byte = queue_offset * CQ_UNIT_SIZE
    mf = files.locate(byte)
    if mf is None:
        return None
    with fileio.open_ro(mf.path) as fd:
        b = fileio.pread_exact(fd, CQ_UNIT_SIZE, byte - mf.offset)
    if len(b) < CQ_UNIT_SIZE:
        return None
    phy, size, tags_code = struct.unpack(">qiq", b)
    if phy < 0 or size <= 0:
        return None  # ConsumeQueue: the first invalid unit ends the queue
    return {
        "topic": topic,
        "queue_id": queue_id,
        "queue_offset": queue_offset,
        "phy_offset": phy,
        "size": size,
        "tags_code": tags_code,
        "file": mf.rel,
        "offset_in_file": byte - mf.offset,
    }


def by_queue_offset(
    store: Store, topic: str, queue_id: int, queue_offset: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    unit = cq_unit(store, topic, queue_id, queue_offset)
    if unit is None:
        raise NotFoundError(f"no consume-queue unit {topic}/{queue_id} offset {queue_offset} in {store.root}")
    if unit["size"] == 0x7FFFFFFF:
        raise NotFoundError(f"{topic}/{queue_id} offset {queue_offset} is a pre-blank filler (no message)")
    rec = _record(store, unit["phy_offset"])
    if rec is None:
        raise NotFoundError(
            f"the unit {topic}/{queue_id}@{queue_offset} points at commitlog offset "
            f"{unit['phy_offset']}, where no record starts (deleted or truncated)"
        )
    return unit, rec


def _store_ts_at(store: Store, phy: int, files: Any) -> int | None:
    """STORETIMESTAMP (ms) of the record at ``phy``: sysflag decides where it lies (IPv6 born host)."""
    from ..parsers import fileio
    from ..parsers.commitlog_layout import FLAG_BORNHOST_V6, REL_STORETIMESTAMP

    mf = files.locate(phy)
    if mf is None:
        return None
    with fileio.open_ro(mf.path) as fd:
        b = fileio.pread_exact(fd, REL_STORETIMESTAMP + 20 + 8, phy - mf.offset)
    if len(b) < 40:
        return None
    sysflag = struct.unpack_from(">i", b, 36)[0]
    bh = 20 if sysflag & FLAG_BORNHOST_V6 else 8
    if len(b) < REL_STORETIMESTAMP + bh + 8:
        return None
    return int(struct.unpack_from(">q", b, REL_STORETIMESTAMP + bh)[0])


def _queue_len(files: Any) -> int:
    """Units up to the first invalid one (``ConsumeQueue.recover``): the last file whose first unit is valid,
    then a binary search inside it (units are written in order, so valid ones are a prefix)."""
    from ..parsers import fileio

    if not files or not len(files):
        return 0

    def valid(fd: int, i: int) -> bool:
        b = fileio.pread_exact(fd, CQ_UNIT_SIZE, i * CQ_UNIT_SIZE)
        if len(b) < CQ_UNIT_SIZE:
            return False
        phy, size, _ = struct.unpack(">qiq", b)
        return phy >= 0 and size > 0

    for k in range(len(files) - 1, -1, -1):
        mf = files[k]
        with fileio.open_ro(mf.path) as fd:
            if not valid(fd, 0):
                continue
            lo, hi = 1, mf.size // CQ_UNIT_SIZE  # first invalid unit in [lo, hi]
            while lo < hi:
                mid = (lo + hi) // 2
                if valid(fd, mid):
                    lo = mid + 1
                else:
                    hi = mid
        return mf.offset // CQ_UNIT_SIZE + lo
    return files[0].offset // CQ_UNIT_SIZE


def by_time(
    store: Store, begin_ms: int, end_ms: int, *, topic: str | None = None, limit: int = 200
) -> pl.DataFrame:
    """Messages with ``begin_ms <= store_ts <= end_ms``: per queue, binary search the consume queue on
    the commitlog timestamps of the probed units (``getOffsetInQueueByTime``), then walk the range."""
    import polars as pl

    from ..parsers import fileio
    from ..parsers.consumequeue import iter_queue_dirs

    if end_ms < begin_ms:
        raise UsageError("--to is before --from")
    cl_files = fileio.list_mapped_files(store.commitlog, check_prefix="commitlog_file", rel_root=store.root)
    rows: list[dict[str, Any]] = []
    for qd in iter_queue_dirs(store.root):
        if topic is not None and qd.topic != topic:
            continue
        files = _queue_files(store, qd.topic, qd.queue_id)
        n = _queue_len(files)
        first = files[0].offset // CQ_UNIT_SIZE if files and len(files) else 0

        def ts_of(i: int, _qd: Any = qd, _files: Any = files) -> int:
            u = cq_unit(store, _qd.topic, _qd.queue_id, i, _files)
            if u is None or u["size"] == 0x7FFFFFFF:
                return -1  # fillers sort first
            t = _store_ts_at(store, u["phy_offset"], cl_files)
            return -1 if t is None else t  # deleted commitlog: before everything still present

        lo, hi = first, n
        while lo < hi:
            mid = (lo + hi) // 2
            if ts_of(mid) < begin_ms:
                lo = mid + 1
            else:
                hi = mid
        i = lo
        while i < n and i - lo < limit:  # the first ``limit`` of each queue suffice for the global top-limit
            u = cq_unit(store, qd.topic, qd.queue_id, i, files)
            if u is None:
                break
            t = _store_ts_at(store, u["phy_offset"], cl_files)
            if t is None or t > end_ms:
                break
            rows.append(
                {
                    "topic": qd.topic,
                    "queue_id": qd.queue_id,
                    "queue_offset": i,
                    "phy_offset": u["phy_offset"],
                    "size": u["size"],
                    "store_ts": t,
                }
            )
            i += 1
    schema = {
        "topic": pl.Utf8,
        "queue_id": pl.Int32,
        "queue_offset": pl.Int64,
        "phy_offset": pl.Int64,
        "size": pl.Int32,
        "store_ts": pl.Int64,
    }
    df = pl.DataFrame(rows, schema=schema, orient="row").sort(["store_ts", "phy_offset"]).head(limit)
    extra: dict[str, list[Any]] = {"msg_id": [], "uniq_key": [], "tags": [], "keys": [], "body_len": []}
    for phy in df["phy_offset"].to_list():  # at most ``limit`` records: one pread each
        rec = _record(store, phy) or {}
        for k, v in extra.items():
            v.append(rec.get(k))
    df = df.with_columns(
        pl.Series(k, v, dtype=pl.Int32 if k == "body_len" else pl.Utf8) for k, v in extra.items()
    )
    return df.with_columns(pl.col("store_ts").cast(pl.Datetime("ms", "UTC")))


# ---------------------------------------------------------------- one message, fully described


def index_entries_for(store: Store, rec: dict[str, Any]) -> list[dict[str, Any]]:
    """Index entries (for its UNIQ_KEY and each KEYS item) that point at this record."""
    out = []
    uniq = dict.fromkeys(x for x in (rec.get("uniq_key"), rec.get("client_uniq_key")) if x)
    keys = [("uniq_key", u) for u in uniq] + [("keys", k) for k in (rec.get("keys") or "").split(" ") if k]
    for kind, k in keys:
        if not k:
            continue
        hits = store.index.lookup(rec["topic"], k)
        for h in hits.filter(hits["phy_offset"] == rec["phy_offset"]).iter_rows(named=True):
            ts = h.pop("store_ts")  # index time: header beginTimestamp + timeDiff (1 s resolution)
            h["index_ts"] = None if ts is None else datetime.fromtimestamp(ts / 1000, UTC)
            out.append({"key_kind": kind, "key": k, **h})
    return out


def recovery_point(store: Store, version: str | None = None) -> tuple[int | None, str]:
    """Where a restart would cut the commitlog (``analysis.recovery.predict_recovery``, which reads the
    whole store with CRCs, as the broker's recovery does). Returns (offset, how it was predicted)."""
    from .store_summary import stream_store

    # version None: from the store itself, marked assumed; streamed, so a big store needs bounded memory
    pred = stream_store(store.root, version=version, index_sample=0).recovery
    if pred.refuses_to_start:
        return None, f"broker would refuse to start: {pred.refuses_to_start}"
    return pred.recovered_offset, f"{pred.mode} recovery, RocketMQ {pred.version}" + (
        " (version assumed)" if pred.version_assumed else ""
    )


def describe(
    store: Store,
    rec: dict[str, Any],
    *,
    found_via: str,
    recovery: int | None = None,
    recovery_source: str = "unavailable",
) -> dict[str, Any]:
    """Everything about one record, with the messages-frame field names."""
    unit = cq_unit(store, rec["topic"], rec["queue_id"], rec["queue_offset"])
    cq_ok = unit is not None and unit["phy_offset"] == rec["phy_offset"]
    doc = {k: v for k, v in rec.items() if k not in ("raw", "body", "body_stored", "properties_raw")}
    doc["found_via"] = found_via
    doc["cq_entry"] = unit
    doc["cq_entry_matches"] = cq_ok
    doc["index_entries"] = index_entries_for(store, rec)
    doc["record_end"] = rec["phy_offset"] + rec["size"]
    doc["recovery_point"] = recovery
    doc["recovery_point_source"] = recovery_source
    doc["beyond_recovery_point"] = None if recovery is None else doc["record_end"] > recovery
    doc["_body"] = rec.get("body") or b""
    return doc


def parse_time(text: str, tz: str = "UTC") -> int:
    """ISO-8601 (naive = ``tz``) or epoch milliseconds → epoch ms."""
    t = text.strip()
    if t.isdigit():
        return int(t)
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError as e:
        raise UsageError(f"not a time: {text!r} (use ISO-8601 like 2026-11-28T00:55:00 or epoch ms)") from e
    if dt.tzinfo is None:
        from datetime import timedelta, timezone
        from zoneinfo import ZoneInfo

        from ..parsers.logs import resolve_tz

        zone = resolve_tz(tz)
        if zone.offset_min is not None:
            dt = dt.replace(tzinfo=timezone(timedelta(minutes=zone.offset_min)))
        else:
            dt = dt.replace(tzinfo=ZoneInfo(zone.zone or "UTC"))
    return int(dt.timestamp() * 1000)
