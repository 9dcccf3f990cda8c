"""The compiled commitlog kernels (``commitlog_jit``, numba) against the numpy code they replace: on the lab's
real stores, and on real records mutated by hypothesis (bytes anywhere, or in the properties where the parsing
rules are subtle), the chain walk and the decoded frame must be identical."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmqinspect.parsers import commitlog_decode as dec
from rmqinspect.parsers import commitlog_jit
from rmqinspect.parsers.commitlog import scan_commitlog

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
STORES = sorted(SAMPLES.glob("rmq-*/broker-*/store*"))
pytestmark = pytest.mark.skipif(commitlog_jit.kernels() is None, reason="numba not importable")


def _scan(store: Path, jit: str, monkeypatch: pytest.MonkeyPatch, chunk: int = 1 << 16, **kw: object):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RMQINSPECT_JIT", jit)
    return scan_commitlog(store, chunk_bytes=chunk, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("store", STORES, ids=lambda p: f"{p.parents[1].name}/{p.parent.name}/{p.name}")
@pytest.mark.parametrize("kw", [{"verify_crc": True}, {"properties": False}], ids=["crc+props", "lean"])
@pytest.mark.parametrize("chunk", [1 << 16, 4 << 20], ids=["64KiB", "4MiB"])
def test_same_scan_on_real_stores(store: Path, kw: dict, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small chunks (many chunk edges) and big ones (a chunk of over 512 records spans several of the kernel's
    blocks: a variable carried wrongly from one block to the next shows only there)."""
    a = _scan(store, "0", monkeypatch, chunk, **kw)
    b = _scan(store, "1", monkeypatch, chunk, **kw)
    assert a.messages.height > 0
    assert a.messages.equals(b.messages)
    assert a.findings == b.findings and a.files.equals(b.files) and a.valid_end == b.valid_end


def test_auto_mode_picks_by_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMQINSPECT_JIT", "auto")
    assert not commitlog_jit.wanted(1 << 20)
    assert commitlog_jit.wanted(commitlog_jit.AUTO_MIN_BYTES)
    monkeypatch.setenv("RMQINSPECT_JIT", "0")
    assert not commitlog_jit.wanted(1 << 40)


def _chunk() -> bytes:
    f = sorted((STORES[0] / "commitlog").iterdir())[0]
    return f.read_bytes()[: 48 << 10]


CHUNK = _chunk() if STORES else b""


def _both(buf: bytearray, crc: bool) -> None:
    n = len(buf)
    b = buf + bytearray(dec.PAD)
    a = np.frombuffer(b, dtype=np.uint8)
    c0 = dec.walk_chain(a, 0, n, n)
    c1 = dec.walk_chain(a, 0, n, n, jit=True)
    assert (c0.starts.tolist(), c0.sizes.tolist(), c0.stop, c0.reason, c0.total_size, c0.magic) == (
        c1.starts.tolist(), c1.sizes.tolist(), c1.stop, c1.reason, c1.total_size, c1.magic)
    if not len(c0.starts):
        return
    for props in (True, False):
        d0 = dec.decode(a, pa.py_buffer(b), c0.starts, c0.sizes, 0, "f", verify_crc=crc, properties=props)
        d1 = dec.decode(a, pa.py_buffer(b), c0.starts, c0.sizes, 0, "f", verify_crc=crc, properties=props, jit=True)
        assert d0.frame.equals(d1.frame)
        assert d0.length_ok.tolist() == d1.length_ok.tolist() and d0.length_detail == d1.length_detail
        assert d0.prop_crc_bad == d1.prop_crc_bad


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flips=st.lists(st.tuples(st.integers(0, len(CHUNK) - 1), st.integers(0, 255)), min_size=1, max_size=8),
       crc=st.booleans())
def test_mutated_bytes_anywhere(flips: list[tuple[int, int]], crc: bool) -> None:
    buf = bytearray(CHUNK)
    for pos, v in flips:
        buf[pos] = v
    _both(buf, crc)


TOKENS = [b"\x01", b"\x02", b"\x02\x02", b"\x00", b"TAGS", b"KEYS", b"UNIQ_KEY", b"__CRC32#", b"TAG", b"KEYS2",
          b"a", b"v", b"k1 k2", b"\xc3", b"\xff", b"0123456789"]


def _props_region(buf: bytearray, start: int, size: int) -> tuple[int, int]:
    """(start, length) of the properties of the record at ``start`` (magic v1/v2, any host widths)."""
    import struct

    magic, = struct.unpack_from(">i", buf, start + 4)
    sysflag, = struct.unpack_from(">i", buf, start + 36)
    bh = 20 if sysflag & 0x10 else 8
    sh = 20 if sysflag & 0x20 else 8
    body_len, = struct.unpack_from(">i", buf, start + 68 + bh + sh)
    t = start + 72 + bh + sh + body_len
    v2 = magic == dec.MAGIC_V2
    tl = struct.unpack_from(">h" if v2 else ">b", buf, t)[0]
    p = t + (2 if v2 else 1) + tl
    plen, = struct.unpack_from(">h", buf, p)
    return p + 2, plen


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_properties(data: st.DataObject) -> None:
    """Properties rewritten (same length, so the record stays valid) from separators, empty names and values,
    repeated, truncated and look-alike names, invalid UTF-8: the MessageDecoder rules are subtle here."""
    buf = bytearray(CHUNK)
    b = buf + bytearray(dec.PAD)
    a = np.frombuffer(b, dtype=np.uint8)
    ch = dec.walk_chain(a, 0, len(buf), len(buf))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(ch.starts) - 1))
        p, plen = _props_region(buf, int(ch.starts[i]), int(ch.sizes[i]))
        blob = b"".join(data.draw(st.lists(st.sampled_from(TOKENS), min_size=0, max_size=40)))
        blob = (blob + b"x" * plen)[:plen]
        buf[p : p + plen] = blob
    _both(buf, data.draw(st.booleans()))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_properties(data: st.DataObject) -> None:
    """Separators, empty names/values, repeated and truncated names inside the properties of real records."""
    buf = bytearray(CHUNK)
    b = buf + bytearray(dec.PAD)
    a = np.frombuffer(b, dtype=np.uint8)
    ch = dec.walk_chain(a, 0, len(buf), len(buf))
    ends = (ch.starts + ch.sizes).tolist()
    alphabet = [1, 2, 0, 0x41, 0x4B, 0x53, 0x54, 0x55, 0x5F, 0x23, *b"TAGSKEYSUNIQ_KEY__CRC32#"]
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(ends) - 1))
        pos = data.draw(st.integers(max(ends[i] - 120, 0), ends[i] - 1))  # a record ends with its properties
        buf[pos] = data.draw(st.sampled_from(alphabet))
    _both(buf, data.draw(st.booleans()))


@pytest.mark.parametrize("ln", range(0, 41))
def test_string_view_lengths(ln: int) -> None:
    """The compiled decode stores strings as Arrow string-views: up to 12 bytes inline, longer ones in a heap,
    copied eight bytes at a time. Every length across those boundaries in each of TAGS, KEYS and UNIQ_KEY, ASCII
    and not, and records with two UNIQ_KEYs (the first and the last differ), must decode exactly as numpy does."""
    buf = bytearray(CHUNK)
    a = np.frombuffer(buf + bytearray(dec.PAD), dtype=np.uint8)
    ch = dec.walk_chain(a, 0, len(buf), len(buf))
    tags_ascii = 0
    for k, (s, z) in enumerate(zip(ch.starts.tolist(), ch.sizes.tolist(), strict=True)):
        p, plen = _props_region(buf, s, z)
        ascii = (k // 3) % 2 == 0
        value = (b"v%d" % k * 20)[:ln] if ascii else ("é" * 20).encode()[:ln]
        vals = [value if k % 3 == c else b"s" for c in range(3)]
        blob = b"TAGS\x01" + vals[0] + b"\x02KEYS\x01" + vals[1] + b"\x02UNIQ_KEY\x01" + vals[2] + b"\x02"
        if k % 4 == 0:
            blob += b"UNIQ_KEY\x01u2\x02"
        assert len(blob) <= plen
        buf[p : p + plen] = (blob + b"WAIT\x01" + b"x" * plen)[:plen]
        tags_ascii += ascii and k % 3 == 0
    _both(buf, crc=False)
    b = buf + bytearray(dec.PAD)
    d = dec.decode(np.frombuffer(b, dtype=np.uint8), pa.py_buffer(b), ch.starts, ch.sizes, 0, "f", jit=True).frame
    assert tags_ascii > 0 and (d["tags"].str.len_bytes() == ln).sum() >= (tags_ascii if ln else 0)


def _damaged_copy(tmp: Path, how: str) -> Path:
    """A copy of the first sample store's commitlog with one kind of damage."""
    src = sorted((STORES[0] / "commitlog").iterdir())[0]
    data = bytearray(src.read_bytes())
    used = len(data.rstrip(b"\0"))
    if how == "zero page":
        data[used // 3 : used // 3 + 4096] = bytes(4096)
    elif how == "garbage":
        data[used // 2 : used // 2 + 40] = b"\xff" * 40
    elif how == "truncated":
        data = data[: used * 2 // 3]
    d = tmp / "store" / "commitlog"
    d.mkdir(parents=True)
    (d / src.name).write_bytes(bytes(data))
    return tmp / "store"


@pytest.mark.parametrize("how", ["intact", "zero page", "garbage", "truncated"])
@pytest.mark.parametrize("piece", [333, 4096])
def test_walk_per_read_piece_equals_one_walk(how: str, piece: int, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled reader walks the chain after each read piece (``fileio.READ_PIECE``) and resumes where the
    piece ended; with pieces much smaller than the 64 KiB chunks (records straddle them) the scan must equal
    numpy's single walk per chunk, on intact and damaged files."""
    from rmqinspect.parsers import fileio

    store = _damaged_copy(tmp_path, how)
    monkeypatch.setattr(fileio, "READ_PIECE", piece)
    a = _scan(store, "0", monkeypatch, verify_crc=True)
    b = _scan(store, "1", monkeypatch, verify_crc=True)
    assert a.messages.height > 0
    assert a.messages.equals(b.messages)
    assert a.findings == b.findings and a.files.equals(b.files) and a.valid_end == b.valid_end
    if how != "intact":
        assert a.findings


def test_more_records_than_one_kernel_block() -> None:
    """The kernel decodes 512 records a block; a chunk of real records repeated to well over that (their stored
    PHYSICALOFFSETs are then stale: both decoders must say so identically) checks what crosses blocks."""
    a = np.frombuffer(bytes(CHUNK) + bytes(dec.PAD), dtype=np.uint8)
    whole = bytes(CHUNK[: dec.walk_chain(a, 0, len(CHUNK), len(CHUNK)).stop])
    buf = bytearray(whole * (2 * 512 // 80 + 1))
    n = len(dec.walk_chain(np.frombuffer(buf + bytearray(dec.PAD), dtype=np.uint8), 0, len(buf), len(buf)).starts)
    assert n > 2 * 512
    _both(buf, crc=True)
