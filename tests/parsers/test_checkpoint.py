"""Checkpoint parser: the five i64 fields, derived recovery timestamps, damage as findings."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmqinspect.findings import Finding
from rmqinspect.parsers.checkpoint import CHECKPOINT_SIZE, decode_checkpoint


def _cp(*vals: int) -> bytes:
    b = struct.pack(">5q", *vals)
    return b + bytes(CHECKPOINT_SIZE - len(b))


def test_fields_and_derived_min_timestamps() -> None:
    fs: list[Finding] = []
    cp = decode_checkpoint(_cp(1_700_000_010_000, 1_700_000_009_000, 1_700_000_000_000, 777, 888), findings=fs)
    assert cp is not None and fs == []
    assert (cp.physic_msg_ts, cp.logics_msg_ts, cp.index_msg_ts) == (1_700_000_010_000, 1_700_000_009_000,
                                                                       1_700_000_000_000)
    assert (cp.master_flushed_offset, cp.confirm_phy_offset) == (777, 888)
    assert cp.min_timestamp == 1_700_000_006_000  # min(physic, logics) - 3000
    assert cp.min_timestamp_index == 1_700_000_000_000
    assert cp.version_hint == "5.1.1+"


def test_zero_checkpoint_min_timestamp_clamps_to_zero() -> None:
    cp = decode_checkpoint(_cp(0, 0, 0, 0, 0))
    assert cp is not None and cp.min_timestamp == 0 and cp.version_hint == "any"


def test_short_and_negative_become_findings() -> None:
    fs: list[Finding] = []
    cp = decode_checkpoint(struct.pack(">3q", -1, 5, 6), findings=fs)
    assert cp is not None and cp.physic_msg_ts == -1 and cp.confirm_phy_offset == 0
    assert {(f.check, f.offset) for f in fs} == {("checkpoint_truncated", 24), ("checkpoint_value", 0)}
    fs.clear()
    assert decode_checkpoint(b"\x00" * 10, findings=fs) is None
    assert fs[0].check == "checkpoint_truncated"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=5000))
def test_any_bytes_never_raise(buf: bytes) -> None:
    decode_checkpoint(buf, findings=[])


SAMPLES = Path(__file__).resolve().parents[2] / "samples"
REAL_CPS = sorted(SAMPLES.glob("rmq-*/broker-*/store*/checkpoint"))


@pytest.mark.parametrize("path", REAL_CPS, ids=[str(p.relative_to(SAMPLES)) for p in REAL_CPS])
def test_real_checkpoints_decode_cleanly(path: Path) -> None:
    fs: list[Finding] = []
    cp = decode_checkpoint(path.read_bytes(), findings=fs)
    assert cp is not None and fs == []
    assert cp.file_size == CHECKPOINT_SIZE
    assert 1_600_000_000_000 < cp.physic_msg_ts < 2_000_000_000_000  # a real epoch-ms store time


@pytest.mark.skipif(not REAL_CPS, reason="no lab samples")
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_mutated_real_checkpoint_never_raises(data: st.DataObject) -> None:
    buf = bytearray(REAL_CPS[0].read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        buf[data.draw(st.integers(0, 63))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(buf)))
    decode_checkpoint(bytes(buf[:cut]), findings=[])


def _runs() -> list[Path]:
    return sorted(p.parent for p in SAMPLES.glob("rmq-*/manifest.json"))


@pytest.mark.parametrize("run", _runs(), ids=[r.name for r in _runs()])
def test_real_checkpoint_values_match_the_data(run: Path) -> None:
    """Observed on every lab broker, both lines: after a clean shutdown physicMsgTimestamp and
    logicsMsgTimestamp equal the newest record's store time; indexMsgTimestamp is the end time of the newest
    *full* index file (IndexService.flush only moves it when a file fills), also in crash copies."""
    from rmqinspect.analysis.store_summary import load_store

    stores = [run / b / "store" for b in ("broker-a", "broker-b", "broker-c")] + [run / "broker-a" / "store-at-crash"]
    for root in stores:
        d = load_store(root)
        cp = d.checkpoint
        assert cp is not None
        newest = int(d.scan.messages["store_ts"].dt.epoch("ms").max())  # type: ignore[arg-type]
        if not d.abort.present:
            assert cp.physic_msg_ts == cp.logics_msg_ts == newest, root
        else:
            assert cp.physic_msg_ts <= newest
        full = [i.header.end_ts for i in d.index_files
                if i.header and i.geometry and i.used_entries == i.geometry.index_num - 1]
        assert full and cp.index_msg_ts == max(full), root
