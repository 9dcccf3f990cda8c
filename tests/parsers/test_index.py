"""Index parser: header/entries decoding, Java hashing, and lookup semantics of IndexFile.selectPhyOffset.

Synthetic files here are built by ``_put`` which follows ``IndexFile.putKey`` (5.3.3) step by step; the
real-sample tests at the bottom check keys from the lab's manifest against real broker index files.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmqinspect.findings import Finding
from rmqinspect.parsers import index as ix

SLOTS, NUM = 8, 32  # tiny geometry, ratio 1:4 so geometry() finds it from the size


class _Writer:
    """IndexFile.putKey, for building small index files in tests (header kept in memory like the broker)."""

    def __init__(self, slots: int = SLOTS, num: int = NUM) -> None:
        self.g = ix.Geometry(slots, num)
        self.buf = bytearray(self.g.file_size)
        self.begin_ts = self.end_ts = self.begin_phy = self.end_phy = 0
        self.slot_count = 0
        self.count = 1

    def put(self, key: str, phy: int, ts: int) -> None:
        kh = ix.index_key_hash(key)
        slot_pos = ix.HEADER_SIZE + (kh % self.g.hash_slot_num) * 4
        (slot_value,) = struct.unpack_from(">i", self.buf, slot_pos)
        if slot_value <= 0 or slot_value > self.count:
            slot_value = 0
        td = 0 if self.begin_ts <= 0 else max(0, min((ts - self.begin_ts) // 1000, 2**31 - 1))
        pos = self.g.entries_at + self.count * 20
        struct.pack_into(">iqii", self.buf, pos, kh, phy, td, slot_value)
        struct.pack_into(">i", self.buf, slot_pos, self.count)
        if self.count <= 1:
            self.begin_phy, self.begin_ts = phy, ts
        if slot_value == 0:
            self.slot_count += 1
        self.count += 1
        self.end_phy, self.end_ts = phy, ts

    def flush_header(self) -> None:
        struct.pack_into(">qqqqii", self.buf, 0, self.begin_ts, self.end_ts, self.begin_phy, self.end_phy,
                         self.slot_count, self.count)

    def write(self, root: Path, name: str = "20250101000000000") -> Path:
        d = root / "index"
        d.mkdir(parents=True, exist_ok=True)
        p = d / name
        p.write_bytes(bytes(self.buf))
        return p


def test_java_string_hash_matches_java_for_known_values() -> None:
    assert ix.java_string_hash("hello") == 99162322
    assert ix.java_string_hash("") == 0
    # a supplementary character hashes as two UTF-16 code units (Java semantics, not code points)
    assert ix.java_string_hash("\U0001F600") == 31 * 0xD83D + 0xDE00
    assert ix.java_string_hash("polygenelubricants") == -(2**31)
    assert ix.index_key_hash("polygenelubricants") == 0  # Math.abs(MIN_VALUE) < 0 -> 0


def test_geometry_defaults_ratio_and_explicit() -> None:
    assert ix.geometry(420_000_040) == ix.Geometry(5_000_000, 20_000_000)
    assert ix.geometry(40 + 84 * 100) == ix.Geometry(100, 400)
    assert ix.geometry(40 + 4 * 10 + 20 * 7, hash_slot_num=10) == ix.Geometry(10, 7)
    assert ix.geometry(41) is None


def test_lookup_follows_chain_and_separates_collisions(tmp_path: Path) -> None:
    w = _Writer()
    # many keys into 8 slots: chains are long and collide on slots (not on hashes)
    for i in range(20):
        w.put(f"T#k{i}", 1000 + i * 100, 1_700_000_000_000 + i * 1500)
    w.put("T#k3", 9999, 1_700_000_040_000)  # the same key twice: both hits, newest first
    w.flush_header()
    w.write(tmp_path)
    hits = ix.lookup(tmp_path / "index", "T", "k3")
    assert hits["phy_offset"].to_list() == [9999, 1300]
    assert ix.lookup(tmp_path, "T", "nope").height == 0
    assert ix.lookup(tmp_path, "U", "k3").height == 0  # the topic is part of the key


def test_lookup_time_range_stops_like_the_broker(tmp_path: Path) -> None:
    w = _Writer()
    base = 1_700_000_000_000
    w.put("T#a", 100, base)
    w.put("T#a", 200, base + 10_000)
    w.put("T#a", 300, base + 20_000)
    w.flush_header()
    w.write(tmp_path)
    got = ix.lookup(tmp_path, "T", "a", begin_ms=base + 5_000, end_ms=base + 15_000)
    assert got["phy_offset"].to_list() == [200]
    assert got["store_ts"].to_list() == [base + 10_000]


def test_unflushed_header_still_found_unless_strict(tmp_path: Path) -> None:
    w = _Writer()
    w.put("T#x", 42, 1_700_000_000_000)
    w.put("T#y", 43, 1_700_000_001_000)
    w.write(tmp_path)  # header never flushed: all zeros, as after kill -9 on 4.x
    assert ix.lookup(tmp_path, "T", "y")["phy_offset"].to_list() == [43]
    assert ix.lookup(tmp_path, "T", "y", strict=True).height == 0  # indexCount 0 <= 1: the broker finds nothing
    fs: list[Finding] = []
    info = ix.open_index_file(tmp_path / "index" / "20250101000000000", findings=fs)
    assert info.used_entries == 2
    assert [f.check for f in fs] == ["index_header_stale"]


def test_read_index_entries_decodes_all_columns(tmp_path: Path) -> None:
    w = _Writer()
    base = 1_700_000_000_000
    for i in range(5):
        w.put(f"T#k{i}", 10 * i, base + 2000 * i)
    w.flush_header()
    w.write(tmp_path)
    infos, df = ix.read_index(tmp_path)
    assert infos[0].header is not None and infos[0].header.index_count == 6
    assert df["entry_no"].to_list() == [1, 2, 3, 4, 5]
    assert df["phy_offset"].to_list() == [0, 10, 20, 30, 40]
    assert df["time_diff"].to_list() == [0, 2, 4, 6, 8]
    assert df["store_ts"].to_list() == [base + 2000 * i for i in range(5)]
    assert df["key_hash"].to_list() == [ix.index_key_hash(f"T#k{i}") for i in range(5)]
    assert dict(df.schema) == ix.index_schema()


def test_slot_cycle_does_not_hang(tmp_path: Path) -> None:
    w = _Writer()
    w.put("T#a", 1, 1_700_000_000_000)
    w.put("T#a", 2, 1_700_000_000_000)
    w.flush_header()
    # make entry 1 point to entry 2 and entry 2 to entry 1: a cycle
    struct.pack_into(">i", w.buf, w.g.entries_at + 1 * 20 + 16, 2)
    w.write(tmp_path)
    got = ix.lookup(tmp_path, "T", "a")
    assert got.height <= NUM


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_index_never_raises(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    w = _Writer()
    for i in range(10):
        w.put(f"T#k{i}", 100 * i, 1_700_000_000_000 + 1000 * i)
    w.flush_header()
    buf = bytearray(w.buf)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(buf) - 1))
        buf[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.one_of(st.none(), st.integers(0, len(buf))))
    if cut is not None:
        buf = buf[:cut]
    root = tmp_path_factory.mktemp("ix")
    (root / "index").mkdir()
    (root / "index" / "20250101000000000").write_bytes(bytes(buf))
    fs: list[Finding] = []
    ix.read_index(root, findings=fs)
    ix.lookup(root, "T", "k3")


# --- real lab samples --------------------------------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
RUNS = sorted(p.parent for p in SAMPLES.glob("rmq-*/manifest.json"))  # as tests/conftest.sample_run_dirs
# (not imported: "conftest" is ambiguous once tests/tui/conftest.py is loaded in the same session)


def _stored(send: dict) -> tuple[str, int, str]:
    """(record topic, queue id, UNIQ_KEY) as the broker stored the send (see test_consumequeue)."""
    uniq = send["transaction_id"] if send["kind"] == "batch" and send["transaction_id"] else send["msg_id"]
    if send["kind"] == "delay":
        return "SCHEDULE_TOPIC_XXXX", send["delay_level"] - 1, uniq
    if send["kind"].startswith("tx_"):
        return "RMQ_SYS_TRANS_HALF_TOPIC", 0, uniq
    return send["topic"], send["queue_id"], uniq


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_every_key_and_uniq_key_of_every_send_is_found(run: Path) -> None:
    import json

    from rmqinspect.parsers.consumequeue import read_consumequeues

    manifest = json.loads((run / "manifest.json").read_text())
    looked = 0
    for broker in ("broker-a", "broker-b", "broker-c"):
        root = run / broker / "store"
        if not (root / "index").is_dir():
            continue
        units = read_consumequeues(root)
        pos = {(t, q, o): p for t, q, o, p in units.select("topic", "queue_id", "queue_offset", "phy_offset").rows()}
        reader = ix.IndexReader(root / "index")
        for s in manifest["sends"]:
            if s["status"] != "SEND_OK" or s["broker"] != broker:
                continue
            topic, qid, uniq = _stored(s)
            phy = pos[(topic, qid, s["queue_offset"])]
            for key in [*s["keys"], uniq]:
                hits = reader.hits(topic, key)
                assert phy in [h[2] for h in hits], (broker, topic, key, phy, hits)
                looked += 1
        reader.close()
    assert looked > 1000


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_real_index_headers_agree_with_entries_after_clean_shutdown(run: Path) -> None:
    # brokers were stopped with SIGTERM at the end of the run: 5.x flushes every index header at shutdown
    fs: list[Finding] = []
    infos, entries = ix.read_index(run / "broker-b" / "store", findings=fs)
    assert infos and entries.height == sum(i.used_entries for i in infos)
    assert all(i.header is not None and i.header.index_count == i.used_entries + 1 for i in infos)
    assert [f for f in fs if f.check == "index_header_stale"] == []


def _real_index_file() -> bytes | None:
    files = sorted(SAMPLES.glob("rmq-*/broker-a/store/index/" + "[0-9]" * 17))
    return files[0].read_bytes() if files else None


REAL_INDEX = _real_index_file()


@pytest.mark.skipif(REAL_INDEX is None, reason="no lab samples")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_real_index_file_never_raises(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    assert REAL_INDEX is not None
    buf = bytearray(REAL_INDEX)
    for _ in range(data.draw(st.integers(1, 12))):
        buf[data.draw(st.integers(0, len(buf) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.one_of(st.none(), st.integers(0, len(buf))))
    root = tmp_path_factory.mktemp("ix")
    (root / "index").mkdir()
    (root / "index" / "20250101000000000").write_bytes(bytes(buf[:cut] if cut is not None else buf))
    fs: list[Finding] = []
    _, entries = ix.read_index(root, findings=fs)
    assert entries.height <= 256
    ix.lookup(root, "LabTopic", data.draw(st.sampled_from(["size-1", "order-1001", "nope", ""])))
