"""DLedger entry walking on entries built around REAL commitlog records (the lab's 4.9.7 sample) — the shapes a
broker writes that a short lab run does not reach: end-of-file fillers of 8..48 bytes (DLedger fills whenever
``len + 8 > remaining``), a zero tail under 8 bytes, a wrapped record with a broken magic. Real DLedger brokers are
in tests/lab/test_lab_dledger.py."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from robustness_helpers import records

from rmqinspect.parsers import commitlog_jit
from rmqinspect.parsers.dledger import scan_dledger

SRC = Path(__file__).resolve().parents[2] / "samples" / "rmq-4.9.7" / "broker-a" / "store" / "commitlog"
pytestmark = pytest.mark.skipif(not SRC.is_dir(), reason="no lab samples")


def _records(n: int) -> list[bytes]:
    f = sorted(SRC.iterdir())[0]
    raw = f.read_bytes()
    return [raw[r.pos : r.pos + r.total] for r in records(f)][:n]


def _entry(rec: bytes, index: int, pos: int) -> bytes:
    r = bytearray(rec)
    struct.pack_into(">q", r, 28, pos + 48)  # the wrapped record's PHYSICALOFFSET = entry pos + 48
    return struct.pack(">iiqqqiiii", 1, 48 + len(r), index, 1, pos, 0, 0, 0, len(r)) + bytes(r)


def _store(tmp: Path, tail: bytes) -> tuple[Path, int]:
    """Two data files: 10 entries then ``tail`` (filler or zeros); 10 more entries and a zero tail."""
    recs = _records(20)
    f0 = bytearray()
    for i, rec in enumerate(recs[:10]):
        f0 += _entry(rec, i, len(f0))
    f0 += tail
    size = len(f0)
    f1 = bytearray()
    for i, rec in enumerate(recs[10:], 10):
        f1 += _entry(rec, i, size + len(f1))
    f1 += bytes(size - len(f1))
    d = tmp / "dledger-n0" / "data"
    d.mkdir(parents=True)
    (d / f"{0:020d}").write_bytes(bytes(f0))
    (d / f"{size:020d}").write_bytes(bytes(f1))
    return d, size


def _both(d: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    a = scan_dledger(d, verify_crc=True)
    monkeypatch.setattr(commitlog_jit, "kernels", lambda: None)
    b = scan_dledger(d, verify_crc=True)
    monkeypatch.undo()
    assert a.messages.equals(b.messages) and a.findings == b.findings and a.valid_end == b.valid_end
    return a


@pytest.mark.parametrize("filler", [8, 9, 20, 47, 48, 100])
def test_short_fillers_end_a_file_cleanly(tmp_path: Path, filler: int, monkeypatch: pytest.MonkeyPatch) -> None:
    d, _ = _store(tmp_path, struct.pack(">ii", -1, filler) + bytes(filler - 8))
    s = _both(d, monkeypatch)
    assert s.findings == [] and s.messages.height == 20
    assert not s.messages["beyond_valid_end"].any() and s.messages["phy_offset_ok"].all()
    assert s.files["status"].to_list()[0] == "full" and (s.files["valid_bytes"] >= 0).all()


@pytest.mark.parametrize("zeros", [0, 3, 7])
def test_zero_tail_under_a_header(tmp_path: Path, zeros: int, monkeypatch: pytest.MonkeyPatch) -> None:
    d, size = _store(tmp_path, bytes(zeros))
    s = _both(d, monkeypatch)
    assert [f.check for f in s.findings if f.severity == "error"] == []
    assert s.messages.height == 20 if zeros == 0 else s.valid_end == size - zeros


def test_broken_wrapped_magic_is_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d, _ = _store(tmp_path, struct.pack(">ii", -1, 8))
    f0 = sorted(d.iterdir())[0]
    b = bytearray(f0.read_bytes())
    second = struct.unpack_from(">i", b, 4)[0]
    b[second + 48 + 4 : second + 48 + 8] = bytes(4)  # the wrapped record's MAGIC
    f0.write_bytes(bytes(b))
    s = _both(d, monkeypatch)
    assert [(f.check, f.offset) for f in s.findings] == [("dledger_body", second)]
    assert s.messages.height == 19
