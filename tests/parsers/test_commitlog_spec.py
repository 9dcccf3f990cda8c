"""The spec's worked example (store-format.md §12), byte for byte, plus record variants the lab cannot
produce on demand (IPv6 hosts, magic v2, compressed bodies, zero-length body). The variant records are
built here from the §3.2 layout: they are synthetic and only test decoding rules, never stand in for real data.
"""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmqinspect.errors import NotFoundError, UnusableInputError
from rmqinspect.parsers.commitlog import read_record, scan_commitlog

SPEC_RECORD = bytes.fromhex(
    "000000afdaa320a73610a68600000000"
    "00000000000000000000000000000000"
    "0000000000000000000001 8bcfe56800".replace(" ", "")
    + "c0a8010a0000d4310000018bcfe5687b"
    "c0a8011400002a9f0000000000000000"
    "0000000000000005 68656c6c6f09546f".replace(" ", "")
    + "706963546573740046 4b455953016b31".replace(" ", "")
    + "02554e49515f4b4559014330413830 31".replace(" ", "")
    + "30413330333931423644333538363041"
    "3142324333443030303102574149 5401".replace(" ", "")
    + "747275650254414753015461674102"
)
FILE_SIZE = 4096


@pytest.fixture(params=["0", "1"], ids=["numpy", "compiled"])
def jit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both decoders: numpy, and the compiled kernels where numba imports (IPv6 hosts, flags and garbage
    timestamps take separate paths in each)."""
    from rmqinspect.parsers import commitlog_jit

    if request.param == "1" and commitlog_jit.kernels() is None:
        pytest.skip("numba not importable")
    monkeypatch.setenv("RMQINSPECT_JIT", request.param)
    return str(request.param)


def _store(tmp_path: Path, data: bytes, name: int = 0, size: int = FILE_SIZE) -> Path:
    d = tmp_path / "store" / "commitlog"
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name:020d}").write_bytes(data + bytes(size - len(data)))
    return tmp_path / "store"


def test_spec_record_is_175_bytes_as_documented() -> None:
    assert len(SPEC_RECORD) == 175
    assert SPEC_RECORD[:8] == bytes.fromhex("000000afdaa320a7")


def test_worked_example_decodes_to_every_documented_value(tmp_path: Path) -> None:
    scan = scan_commitlog(_store(tmp_path, SPEC_RECORD), verify_crc=True)
    assert scan.messages.height == 1
    r = scan.messages.row(0, named=True)
    assert r["size"] == 175 and r["magic"] == -626843481
    assert r["body_crc"] == 907060870 and r["body_crc_ok"] is True
    assert (r["queue_id"], r["flag"], r["queue_offset"], r["phy_offset"], r["sysflag"]) == (0, 0, 0, 0, 0)
    assert r["born_ts"] == datetime.fromtimestamp(1700000000, UTC)
    assert r["store_ts"] == datetime.fromtimestamp(1700000000.123, UTC)
    assert r["born_host"] == "192.168.1.10:54321"
    assert r["store_host"] == "192.168.1.20:10911"
    assert r["body_len"] == 5 and r["topic"] == "TopicTest"
    assert (r["tags"], r["keys"]) == ("TagA", "k1")
    assert r["uniq_key"] == r["client_uniq_key"] == "C0A8010A30391B6D35860A1B2C3D0001"
    assert [(p["key"], p["value"]) for p in r["properties"]] == [
        ("KEYS", "k1"), ("UNIQ_KEY", "C0A8010A30391B6D35860A1B2C3D0001"), ("WAIT", "true"), ("TAGS", "TagA")]
    assert r["msg_id"] == "C0A8011400002A9F0000000000000000"
    assert r["body_offset"] == 88
    assert r["length_ok"] and r["phy_offset_ok"] and not r["beyond_valid_end"]
    # the next record would start at 175; zeros there end the log
    assert scan.valid_end == 175
    f = scan.files.row(0, named=True)
    assert (f["valid_bytes"], f["zero_tail_from"], f["status"]) == (175, 175, "active")
    assert scan.findings == []


def test_read_record_returns_body_and_raw_bytes(tmp_path: Path) -> None:
    rec = read_record(_store(tmp_path, SPEC_RECORD), 0)
    assert rec["raw"] == SPEC_RECORD and rec["body"] == b"hello" and rec["crc_ok"]
    assert rec["properties"] == {"KEYS": "k1", "UNIQ_KEY": "C0A8010A30391B6D35860A1B2C3D0001",
                                 "WAIT": "true", "TAGS": "TagA"}
    assert rec["problems"] == []


def test_read_record_at_a_non_record_offset_is_not_found(tmp_path: Path) -> None:
    store = _store(tmp_path, SPEC_RECORD)
    with pytest.raises(NotFoundError):
        read_record(store, 1)
    with pytest.raises(NotFoundError):
        read_record(store, 175)  # zeros
    with pytest.raises(NotFoundError):
        read_record(store, 10 * FILE_SIZE)


def test_missing_directory_is_unusable_input(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError):
        scan_commitlog(tmp_path / "nope")


# --- variants built from the §3.2 layout (synthetic) ---------------------------------------------------


def record(*, phy: int = 0, body: bytes = b"hello", topic: str = "TopicTest", props: bytes = b"TAGS\x01T\x02",
           sysflag: int = 0, v2: bool = False, born: bytes = bytes([10, 0, 0, 2]), store: bytes = bytes([10, 0, 0, 1]),
           crc: int | None = None, queue_offset: int = 0) -> bytes:
    """One record per spec §3.2 (hosts given as 4- or 16-byte addresses; the v6 sysflag bits follow them)."""
    if len(born) == 16:
        sysflag |= 0x10
    if len(store) == 16:
        sysflag |= 0x20
    t = topic.encode()
    tl = struct.pack(">h", len(t)) if v2 else struct.pack(">b", len(t))
    tail = (struct.pack(">i", 0) + struct.pack(">q", 0) + struct.pack(">i", len(body)) + body + tl + t
            + struct.pack(">h", len(props)) + props)
    head_rest = (struct.pack(">iiqqiq", 1, 0, queue_offset, phy, sysflag, 1_700_000_000_000)
                 + born + struct.pack(">i", 40000) + struct.pack(">q", 1_700_000_000_001) + store + struct.pack(">i", 10911))
    total = 4 + 4 + 4 + len(head_rest) + len(tail)
    c = (zlib.crc32(body) & 0x7FFFFFFF) if crc is None else crc
    magic = 0xDAA320AB if v2 else 0xDAA320A7
    return struct.pack(">iIi", total, magic, c) + head_rest + tail


def test_ipv6_hosts_shift_every_later_field_and_the_msg_id(tmp_path: Path, jit: str) -> None:
    v6 = bytes.fromhex("20010db8000000000000000000000001")
    rec = record(born=v6, store=v6)
    scan = scan_commitlog(_store(tmp_path, rec), verify_crc=True)
    r = scan.messages.row(0, named=True)
    assert r["sysflag"] == 0x30 and r["length_ok"] and r["body_crc_ok"]
    assert r["born_host"] == "[2001:db8::1]:40000" and r["store_host"] == "[2001:db8::1]:10911"
    assert r["topic"] == "TopicTest" and r["tags"] == "T"
    assert r["msg_id"] == (v6 + struct.pack(">iq", 10911, 0)).hex().upper() and len(r["msg_id"]) == 56


def test_magic_v2_reads_a_two_byte_topic_length(tmp_path: Path, jit: str) -> None:
    topic = "T" * 200
    scan = scan_commitlog(_store(tmp_path, record(topic=topic, v2=True)))
    r = scan.messages.row(0, named=True)
    assert r["magic"] == -626843477 and r["topic"] == topic and r["length_ok"]


@pytest.mark.parametrize("kind,flag", [("zlib", 0x301), ("zlib", 0x001), ("lz4", 0x101), ("zstd", 0x201)])
def test_compressed_bodies_decode_on_demand(tmp_path: Path, jit: str, kind: str, flag: int) -> None:
    plain = b"forensic " * 1000
    if kind == "zlib":
        body = zlib.compress(plain, 5)
    elif kind == "lz4":
        import lz4.frame

        body = lz4.frame.compress(plain)
    else:
        import zstandard

        body = zstandard.ZstdCompressor().compress(plain)
    store = _store(tmp_path, record(body=body, sysflag=flag), size=16384)
    scan = scan_commitlog(store, verify_crc=True)
    r = scan.messages.row(0, named=True)
    assert r["compressed"] and r["body_len"] == len(body) and r["body_crc_ok"]  # CRC covers stored bytes
    rec = read_record(store, 0)
    assert rec["body"] == plain and rec["compression"] == kind and rec["body_stored"] == body
    assert read_record(store, 0, decompress=False)["body"] == body


def test_empty_body_and_crc_zero_are_valid(tmp_path: Path, jit: str) -> None:
    # An empty body has CRC 0 and is not checked by the broker; a stored CRC of 0 is an ordinary value.
    scan = scan_commitlog(_store(tmp_path, record(body=b"")), verify_crc=True)
    r = scan.messages.row(0, named=True)
    assert r["body_crc"] == 0 and r["body_crc_ok"] is True and r["body_len"] == 0
    assert scan.findings == []


def test_property_rules_follow_the_broker(tmp_path: Path, jit: str) -> None:
    # segments < 3 bytes dropped; the name ends at the first 0x01; a value may hold 0x01; repeated keys kept
    props = b"ab\x02KEYS\x01k1 k2\x02X\x01a\x01b\x02\x01nokey\x02novalue\x01\x02TAGS\x01A\x02TAGS\x01B"
    scan = scan_commitlog(_store(tmp_path, record(props=props)))
    r = scan.messages.row(0, named=True)
    assert [(p["key"], p["value"]) for p in r["properties"]] == [
        ("KEYS", "k1 k2"), ("X", "a\x01b"), ("TAGS", "A"), ("TAGS", "B")]
    assert r["keys"] == "k1 k2" and r["tags"] == "B"  # the broker's map keeps the last TAGS
    rec = read_record(tmp_path / "store", 0)
    assert rec["properties"] == {"KEYS": "k1 k2", "X": "a\x01b", "TAGS": "B"}


def test_invalid_utf8_topic_is_replaced_like_java(tmp_path: Path, jit: str) -> None:
    raw = record(topic="TopicX", props=b"")
    raw = raw.replace(b"TopicX", b"Topic\xff")
    scan = scan_commitlog(_store(tmp_path, raw))
    assert scan.messages["topic"][0] == "Topic\ufffd"


def _with_prop_crc(props: bytes, corrupt: bool = False, phy: int = 0) -> bytes:
    """A record carrying the 5.2+ ``__CRC32#`` property, built as the broker does (spec §3.7)."""
    base = record(phy=phy, props=props + b"__CRC32#\x01" + b"0" * 10 + b"\x02")
    crc = zlib.crc32(base[:-20]) & 0x7FFFFFFF
    if corrupt:
        crc ^= 1
    digits = f"{crc:010d}"[::-1].encode()
    return base[:-11] + digits + b"\x02"


def test_property_crc_is_verified(tmp_path: Path, jit: str) -> None:
    good = _with_prop_crc(b"TAGS\x01T\x02")
    bad = _with_prop_crc(b"TAGS\x01T\x02", corrupt=True, phy=len(good))
    scan = scan_commitlog(_store(tmp_path, good + bad), verify_crc=True)
    assert scan.messages.height == 2
    assert [(f.check, f.offset) for f in scan.findings if f.severity == "error"] == [("commitlog_prop_crc", len(good))]
    assert read_record(tmp_path / "store", 0)["problems"] == []
    assert "__CRC32#" in read_record(tmp_path / "store", len(good))["problems"][0]


def test_inner_batch_body_is_unpacked_by_read_record(tmp_path: Path) -> None:
    def mini(body: bytes, props: bytes) -> bytes:
        total = 20 + len(body) + 2 + len(props)
        return struct.pack(">iiiii", total, 0, 0, 7, len(body)) + body + struct.pack(">h", len(props)) + props

    body = mini(b"one", b"KEYS\x01a\x02") + mini(b"two!", b"")
    store = _store(tmp_path, record(body=body, sysflag=0x80, props=b"INNER_NUM\x012\x02INNER_BASE\x0110\x02"))
    scan = scan_commitlog(store, verify_crc=True)
    assert scan.messages["inner_batch"][0] and scan.findings == []
    rec = read_record(store, 0)
    assert [(m["flag"], m["body"], m["properties"]) for m in rec["inner_messages"]] == [
        (7, b"one", {"KEYS": "a"}), (7, b"two!", {})]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.lists(st.integers(0, 290), max_size=8), st.booleans())
def test_candidate_search_equals_a_naive_scan(blob: bytes, at: list[int], v2: bool) -> None:
    import numpy as np

    from rmqinspect.parsers.commitlog_decode import PAD, find_candidates

    a = np.zeros(len(blob) + PAD, np.uint8)
    a[: len(blob)] = np.frombuffer(blob, np.uint8)
    for p in at:
        if p + 8 <= len(blob):
            a[p + 4 : p + 8] = list(bytes.fromhex("daa320ab" if v2 else "daa320a7"))
    n = len(blob)
    magics = (bytes.fromhex("daa320a7"), bytes.fromhex("daa320ab"))
    naive = [p for p in range(max(n - 7, 0)) if bytes(a[p + 4 : p + 8]) in magics]
    assert find_candidates(a, 0, n).tolist() == naive


_PROP_BYTES = st.lists(st.sampled_from([b"\x01", b"\x02", b"\x00", b"K", b"EY", b"TAGS", b"\xc3\xa9", b"v", b"x" * 70]),
                       max_size=30)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PROP_BYTES.map(b"".join), min_size=1, max_size=12))
def test_vectorised_property_split_equals_the_per_record_rules(blocks: list[bytes]) -> None:
    """Fast and general paths of ``split_entries`` agree with the plain per-record implementation."""
    import numpy as np

    from rmqinspect.parsers import msgprops

    buf = b"".join(blocks)
    offs = np.cumsum([0] + [len(b) for b in blocks])
    a = np.frombuffer(buf, np.uint8) if buf else np.zeros(0, np.uint8)
    e = msgprops.split_entries(a, offs)
    got: list[list[tuple[bytes, bytes]]] = [[] for _ in blocks]
    for r, ks, kl, vs, vl in zip(e.rec, e.key_start, e.key_len, e.val_start, e.val_len, strict=True):
        got[r].append((buf[ks : ks + kl], buf[vs : vs + vl]))
    want = [[(k.encode("utf-8", "surrogateescape"), v.encode("utf-8", "surrogateescape"))
             for k, v in _ref_entries(b)] for b in blocks]
    assert got == want
    for name in ("TAGS", "KEY", "K"):
        has, vs, vl = msgprops.lookup(a, e, name)
        fv = msgprops.values_from_entries(a, e, name)
        for i, b in enumerate(blocks):
            vals = [v for k, v in _ref_entries(b) if k == name]
            assert has[i] == bool(vals) == fv.has[i]
            assert fv.count[i] == len(vals)
            if vals:
                assert buf[vs[i] : vs[i] + vl[i]].decode("utf-8", "surrogateescape") == vals[-1]
                assert buf[fv.start[i] : fv.start[i] + fv.length[i]].decode("utf-8", "surrogateescape") == vals[-1]
                first = buf[fv.first_start[i] : fv.first_start[i] + fv.first_length[i]]
                assert first.decode("utf-8", "surrogateescape") == vals[0]


def _ref_entries(raw: bytes) -> list[tuple[str, str]]:
    """``MessageDecoder.string2messageProperties`` transcribed on bytes (reference for the test)."""
    out = []
    index = 0
    while index < len(raw):
        new = raw.find(b"\x02", index)
        if new < 0:
            new = len(raw)
        if new - index >= 3:
            kv = raw.find(b"\x01", index)
            if index < kv < new - 1:
                out.append((raw[index:kv].decode("utf-8", "surrogateescape"),
                            raw[kv + 1 : new].decode("utf-8", "surrogateescape")))
        index = new + 1
    return out


def test_skip_leaves_costly_columns_null_and_keeps_the_schema(tmp_path: Path) -> None:
    from rmqinspect.errors import UsageError
    from rmqinspect.parsers.commitlog import messages_schema

    store = _store(tmp_path, SPEC_RECORD)
    full = scan_commitlog(store).messages
    lean = scan_commitlog(store, skip={"msg_id", "born_host", "properties", "keys"}).messages
    assert lean.schema == full.schema == messages_schema()
    assert lean.select("msg_id", "born_host", "properties", "keys").null_count().row(0) == (1, 1, 1, 1)
    assert lean.drop("msg_id", "born_host", "properties", "keys").equals(full.drop("msg_id", "born_host", "properties", "keys"))
    with pytest.raises(UsageError):
        scan_commitlog(store, skip={"phy_offset"})


def test_iterator_yields_chunks_and_reports_progress(tmp_path: Path) -> None:
    from rmqinspect.parsers.commitlog import iter_commitlog

    recs = b"".join(record(phy=i * 112, props=b"TAGS\x01T\x02") for i in range(200))
    assert len(recs) == 200 * 112
    seen: list[tuple[int, int]] = []
    it = iter_commitlog(_store(tmp_path, recs, size=32768), chunk_bytes=1 << 16, progress=lambda d, t: seen.append((d, t)))
    frames = list(it)
    res = it.result()
    assert sum(f.height for f in frames) == 200 and res.valid_end == len(recs) and res.findings == []
    assert seen[-1] == (32768, 32768)
    # a window: start/end at record boundaries
    part = scan_commitlog(tmp_path / "store", start=112 * 10, end=112 * 20)
    assert part.messages["phy_offset"].to_list() == [112 * i for i in range(10, 20)]


def test_filler_with_stale_bytes_is_info_and_the_next_file_continues(tmp_path: Path) -> None:
    """4.4–4.9.0 fillers carry stale encode-buffer bytes after their 8-byte header (spec §3.4)."""
    rec = record(phy=0)
    filler_at = len(rec)
    stale = record(phy=12345)[:60]
    first = rec + struct.pack(">iI", FILE_SIZE - filler_at, 0xCBD43194) + stale
    d = _store(tmp_path, first)
    (d / "commitlog" / f"{FILE_SIZE:020d}").write_bytes(record(phy=FILE_SIZE) + bytes(FILE_SIZE - len(rec)))
    scan = scan_commitlog(d, verify_crc=True)
    first_nz = filler_at + 8 + next(i for i, b in enumerate(stale) if b)  # the first non-zero stale byte
    assert [(f.severity, f.check, f.offset) for f in scan.findings] == [("info", "commitlog_blank_stale", first_nz)]
    assert scan.messages["phy_offset"].to_list() == [0, FILE_SIZE]
    assert scan.files["status"].to_list() == ["full", "active"]
    assert scan.files["blank_filler_at"].to_list() == [filler_at, None]
    assert scan.valid_end == FILE_SIZE + len(rec)


def test_empty_commitlog_dir_is_a_warning_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "commitlog").mkdir()
    scan = scan_commitlog(tmp_path)
    assert scan.messages.height == 0 and scan.valid_end is None
    assert [f.check for f in scan.findings] == ["commitlog_empty"]


def test_garbage_timestamps_become_null_not_unrepresentable(tmp_path: Path, jit: str) -> None:
    raw = bytearray(record())
    raw[40:48] = (2**62).to_bytes(8, "big")  # BORNTIMESTAMP far past year 9999 (damage)
    scan = scan_commitlog(_store(tmp_path, bytes(raw)))
    assert scan.messages["born_ts"][0] is None and scan.messages["store_ts"][0] is not None
    scan.messages.rows()  # every row converts to Python objects
    rec = read_record(tmp_path / "store", 0)
    assert rec["born_ts"] is None and rec["store_ts"] == datetime.fromtimestamp(1700000000.001, UTC)
