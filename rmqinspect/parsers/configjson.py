"""``ROOT/config/*.json`` (+ ``.bak``/``.tmp``): topics, consumer offsets, delay offsets, groups, filters, ….

Format facts (spec store-format.md §9; ``ConfigManager.persist``, ``MixAll.string2File`` @ 4.4.0 … 5.3.3):

* fastjson pretty output, tab-indented. **Integer map keys are written bare** (``{0:12,1:13}`` in
  consumerOffset.json / delayOffset.json), which is not JSON: :func:`loads_lenient` quotes bare integer keys
  (outside strings) before ``json.loads``.
* ``<f>.bak`` holds the previous generation (one persist behind). A leftover ``<f>.tmp`` (≤ 5.0.0) means a
  crash mid-write. An empty or unparsable ``<f>`` makes the broker load ``<f>.bak`` instead.
* Everything is read leniently: unknown keys are ignored; garbage becomes a finding, never an exception.

Frames (stable names): :func:`topics_frame` ``topic, read_queue_nums, write_queue_nums, perm, order,
topic_sys_flag, attributes``; :func:`consumer_offsets_frame` ``group, topic, queue_id, offset``;
:func:`delay_offsets_frame` ``delay_level, queue_id, offset``; :func:`subscription_groups_frame`
``group, consume_enable, consume_broadcast_enable, retry_max_times, retry_queue_nums, broker_id``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..findings import Finding

if TYPE_CHECKING:
    import polars as pl

CONFIG_DIR = "config"
#: Known JSON files (BrokerPathConfigHelper, StorePathConfigHelper @ HEAD); others are read if they end in .json.
KNOWN = (
    "topics.json",
    "consumerOffset.json",
    "delayOffset.json",
    "subscriptionGroup.json",
    "consumerFilter.json",
    "consumerOrderInfo.json",
    "messageRequestMode.json",
    "topicQueueMapping.json",
    "lmqConsumerOffset.json",
    "timermetrics",
    "tieredStoreMetadata.json",
)
MAX_CONFIG_BYTES = 256 * 1024 * 1024
# A JSON string, or a bare (possibly negative) integer object key after '{' or ','.
_BARE_KEY = re.compile(r'("(?:[^"\\]|\\.)*")|([{,]\s*)(-?\d+)(\s*:)', re.S)


def loads_lenient(text: str) -> Any:
    """``json.loads`` after quoting fastjson's bare integer keys; raises ``ValueError`` on garbage."""

    def fix(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return m.group(1)
        return f'{m.group(2)}"{m.group(3)}"{m.group(4)}'

    try:
        return json.loads(text)
    except ValueError:
        return json.loads(_BARE_KEY.sub(fix, text))


@dataclass(slots=True)
class ConfigFile:
    name: str  # e.g. "consumerOffset.json"
    data: Any | None = None  # parsed main file (None if missing/unreadable)
    bak: Any | None = None  # parsed .bak
    present: bool = False
    bak_present: bool = False
    tmp_present: bool = False
    used: str | None = None  # "main" or "bak": which the broker would load


@dataclass(slots=True)
class StoreConfig:
    files: dict[str, ConfigFile] = field(default_factory=dict)

    def get(self, name: str) -> Any | None:
        """What the broker would load: the main file, else its .bak."""
        f = self.files.get(name)
        if f is None:
            return None
        return f.data if f.data is not None else f.bak


def _read_json(path: Path, rel: str, findings: list[Finding]) -> tuple[bool, Any | None]:
    from . import fileio

    if not path.exists():
        return False, None
    try:
        raw = fileio.read_file(path, max_bytes=MAX_CONFIG_BYTES)
    except OSError as e:
        findings.append(Finding("error", "config_unreadable", rel, None, str(e)))
        return True, None
    if not raw.strip():
        findings.append(Finding("warning", "config_empty", rel, None, "empty file (the broker falls back to .bak)"))
        return True, None
    try:
        text = raw.decode("utf-8")
        return True, loads_lenient(text)
    except (UnicodeDecodeError, ValueError) as e:
        pos = getattr(e, "pos", None) if isinstance(e, json.JSONDecodeError) else getattr(e, "start", None)
        findings.append(Finding("error", "config_garbage", rel, pos,
                                f"not valid JSON ({type(e).__name__}: {str(e)[:120]})"))
        return True, None


def read_config(root: Path, findings: list[Finding] | None = None) -> StoreConfig:
    """Parse every config JSON and its .bak; flag garbage, leftovers (.tmp) and main ≠ .bak."""
    fs: list[Finding] = findings if findings is not None else []
    d = Path(root) / CONFIG_DIR
    cfg = StoreConfig()
    if not d.is_dir():
        return cfg
    names = set(KNOWN)
    try:
        for p in d.iterdir():
            n = p.name
            for suf in (".bak", ".tmp"):
                if n.endswith(suf):
                    n = n[: -len(suf)]
            if n.endswith(".json") and p.is_file():
                names.add(n)
    except OSError as e:
        fs.append(Finding("error", "config_unreadable", CONFIG_DIR, None, str(e)))
    for n in sorted(names):
        cf = ConfigFile(n)
        cf.present, cf.data = _read_json(d / n, f"{CONFIG_DIR}/{n}", fs)
        cf.bak_present, cf.bak = _read_json(d / f"{n}.bak", f"{CONFIG_DIR}/{n}.bak", fs)
        cf.tmp_present = (d / f"{n}.tmp").exists()
        if not (cf.present or cf.bak_present or cf.tmp_present):
            continue
        cf.used = "main" if cf.data is not None else ("bak" if cf.bak is not None else None)
        rel = f"{CONFIG_DIR}/{n}"
        if cf.tmp_present:
            fs.append(Finding("warning", "config_tmp_left", rel + ".tmp", None,
                              "leftover .tmp: the broker crashed while persisting this file (≤ 5.0.0 protocol)"))
        if cf.present and cf.data is None and cf.bak is not None:
            fs.append(Finding("warning", "config_fallback_bak", rel, None,
                              "main file unusable: the broker would load the .bak (one persist older)"))
        if cf.data is not None and cf.bak is not None and _content(cf.data) != _content(cf.bak):
            fs.append(Finding("info", "config_differs_from_bak", rel, None,
                              f"differs from .bak in {_diff_summary(cf.data, cf.bak)}"))
        cfg.files[n] = cf
    _read_rocksdb_stores(d, cfg, fs)
    return cfg


#: RocksDB config stores (5.1.4+, e.g. with ``storeType=defaultRocksDB``): directory → (the JSON file it replaces,
#: the table name in that file). Keys are names (``topic@group`` for offsets), values the JSON of one entry
#: (checked on a real 5.3.3 broker); consumer offsets hold ``{"offsetTable": {queueId: offset}}``.
ROCKSDB_STORES = {
    "topics": ("topics.json", "topicConfigTable"),
    "subscriptionGroups": ("subscriptionGroup.json", "subscriptionGroupTable"),
    "consumerOffsets": ("consumerOffset.json", "offsetTable"),
}


def _read_rocksdb_stores(d: Path, cfg: StoreConfig, fs: list[Finding]) -> None:
    """RocksDB config stores, read read-only and presented as the JSON documents they replace (``used`` =
    ``"rocksdb"``); the broker reads these instead of the JSON files when they exist."""
    from .rocksdb_ro import items

    for sub, (name, table_name) in ROCKSDB_STORES.items():
        db = d / sub
        if not (db / "CURRENT").is_file():
            continue
        rel = f"{CONFIG_DIR}/{sub}"
        table: dict[str, Any] = {}
        bad = 0
        try:
            for k, v in items(db):
                try:
                    val = json.loads(v.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    bad += 1
                    continue
                key = k.decode("utf-8", "replace")
                table[key] = (val.get("offsetTable", val) if sub == "consumerOffsets" and isinstance(val, dict)
                              else val)
        except Exception as e:  # the foreign reader's failures are findings, never tracebacks
            fs.append(Finding("error", "config_rocksdb_unreadable", rel, None, f"{type(e).__name__}: {e}"))
            continue
        if bad:
            fs.append(Finding("warning", "config_rocksdb_value", rel, None, f"{bad} entries are not JSON (skipped)"))
        old = cfg.files.get(name)
        if old is not None and (old.present or old.bak_present):
            fs.append(Finding("info", "config_rocksdb_shadows_json", f"{CONFIG_DIR}/{name}", None,
                              f"{rel}/ (RocksDB) holds this table: the JSON file is not what the broker loads"))
        cfg.files[name] = ConfigFile(name, {table_name: table}, None, True, False, False, "rocksdb")


def _content(doc: Any) -> Any:
    """A document without its dataVersion (which changes on every persist)."""
    if isinstance(doc, dict):
        return {k: v for k, v in doc.items() if k != "dataVersion"}
    return doc


def _diff_summary(a: Any, b: Any) -> str:
    a, b = _content(a), _content(b)
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return "content"
    keys = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k), b.get(k)
        if va != vb:
            if isinstance(va, dict) and isinstance(vb, dict):
                changed = sum(1 for x in set(va) | set(vb) if va.get(x) != vb.get(x))
                keys.append(f"{k} ({changed} entries)")
            else:
                keys.append(k)
    return ", ".join(keys) or "content"


# --- frames --------------------------------------------------------------------------------------------------


def _bool(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


def _table(doc: Any, key: str) -> dict[Any, Any]:
    """``doc[key]`` if both are objects, else empty: config files are read leniently."""
    t = doc.get(key) if isinstance(doc, dict) else None
    return t if isinstance(t, dict) else {}


def _int(v: Any, bits: int = 64) -> int | None:
    """An integer that fits a signed ``bits`` column, else None (lenient: "12", 12.0 and 12 all work)."""
    try:
        i = int(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return i if -(1 << (bits - 1)) <= i < (1 << (bits - 1)) else None


def topics_frame(cfg: StoreConfig) -> pl.DataFrame:
    import polars as pl

    table = _table(cfg.get("topics.json"), "topicConfigTable")
    rows = []
    for name, t in table.items():
        t = t if isinstance(t, dict) else {}
        rows.append({
            "topic": str(name),
            "read_queue_nums": _int(t.get("readQueueNums"), 32),
            "write_queue_nums": _int(t.get("writeQueueNums"), 32),
            "perm": _int(t.get("perm"), 32),
            "order": bool(t.get("order")) if t.get("order") is not None else None,
            "topic_sys_flag": _int(t.get("topicSysFlag"), 32),
            "attributes": json.dumps(t.get("attributes") or {}, sort_keys=True),
        })
    schema = {"topic": pl.Utf8, "read_queue_nums": pl.Int32, "write_queue_nums": pl.Int32, "perm": pl.Int32,
              "order": pl.Boolean, "topic_sys_flag": pl.Int32, "attributes": pl.Utf8}
    return pl.DataFrame(rows, schema=schema).sort("topic")


def consumer_offsets_frame(cfg: StoreConfig, name: str = "consumerOffset.json") -> pl.DataFrame:
    """``offsetTable`` ``"topic@group": {queueId: offset}`` → rows. Keys without ``@`` are kept with group null."""
    import polars as pl

    table = _table(cfg.get(name), "offsetTable")
    rows = []
    for tg, queues in table.items():
        topic, sep, group = str(tg).rpartition("@")
        if not sep:
            topic, group = str(tg), None
        if not isinstance(queues, dict):
            continue
        for q, off in queues.items():
            rows.append({"group": group, "topic": topic, "queue_id": _int(q, 32), "offset": _int(off)})
    schema = {"group": pl.Utf8, "topic": pl.Utf8, "queue_id": pl.Int32, "offset": pl.Int64}
    return pl.DataFrame(rows, schema=schema).sort("group", "topic", "queue_id", nulls_last=True)


def delay_offsets_frame(cfg: StoreConfig) -> pl.DataFrame:
    """delayOffset.json: level → next CQ offset of ``SCHEDULE_TOPIC_XXXX`` queue ``level-1``."""
    import polars as pl

    table = _table(cfg.get("delayOffset.json"), "offsetTable")
    rows = []
    for lvl, off in table.items():
        lv = _int(lvl, 31)
        rows.append({"delay_level": lv, "queue_id": None if lv is None else lv - 1, "offset": _int(off)})
    return pl.DataFrame(rows, schema={"delay_level": pl.Int32, "queue_id": pl.Int32, "offset": pl.Int64}).sort(
        "delay_level")


def subscription_groups_frame(cfg: StoreConfig) -> pl.DataFrame:
    import polars as pl

    table = _table(cfg.get("subscriptionGroup.json"), "subscriptionGroupTable")
    rows = []
    for g, v in table.items():
        v = v if isinstance(v, dict) else {}
        rows.append({
            "group": str(g),
            "consume_enable": _bool(v.get("consumeEnable")),
            "consume_broadcast_enable": _bool(v.get("consumeBroadcastEnable")),
            "retry_max_times": _int(v.get("retryMaxTimes"), 32),
            "retry_queue_nums": _int(v.get("retryQueueNums"), 32),
            "broker_id": _int(v.get("brokerId")),
        })
    schema = {"group": pl.Utf8, "consume_enable": pl.Boolean, "consume_broadcast_enable": pl.Boolean,
              "retry_max_times": pl.Int32, "retry_queue_nums": pl.Int32, "broker_id": pl.Int64}
    return pl.DataFrame(rows, schema=schema, strict=False).sort("group")
