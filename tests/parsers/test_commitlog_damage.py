"""Damage injected into copies of REAL commitlog files (lab samples): each corruption must yield the right
finding at the exact byte offset, the scan must go on past it, and nothing may raise.

Source bytes: the first two files of a sample broker's commitlog (both closed by a filler) and its active
last file. Offsets in findings are file-relative.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import sample_run_dirs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmqinspect.errors import NotFoundError
from rmqinspect.parsers.commitlog import read_record, scan_commitlog

RUNS = sample_run_dirs()
pytestmark = pytest.mark.skipif(not RUNS, reason="no lab samples yet")
HS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@cache
def _source() -> tuple[Path, list[Path]]:
    """A real broker commitlog with ≥ 3 files (two closed ones + the active one)."""
    for run in RUNS:
        for b in ("broker-b", "broker-a", "broker-c"):
            d = run / b / "store" / "commitlog"
            files = sorted(p for p in d.glob("0" * 5 + "*")) if d.is_dir() else []
            if len(files) >= 3:
                return d, files
    pytest.skip("no sample commitlog with 3 files")


@cache
def _clean(n_files: int = 2):
    _, files = _source()
    base = Path(tempfile.mkdtemp(prefix="rmq-clean-"))
    atexit.register(shutil.rmtree, base, True)
    tmp = base / "commitlog"
    tmp.mkdir()
    for f in files[:n_files]:
        shutil.copy(f, tmp / f.name)
    return scan_commitlog(tmp, verify_crc=True)


def _copy(tmp: Path, n_files: int = 2) -> tuple[Path, list[bytearray]]:
    _, files = _source()
    d = tmp / "commitlog"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d, [bytearray(f.read_bytes()) for f in files[:n_files]]


def _write(d: Path, datas: list[bytearray]) -> None:
    _, files = _source()
    for f, data in zip(files, datas, strict=False):
        (d / f.name).write_bytes(bytes(data))


def _checks_at(scan, offset: int, file_index: int = 0) -> set[str]:
    name = scan.files["file"][file_index]
    return {f.check for f in scan.findings if f.offset == offset and f.file == name}


def _records_file0() -> pl.DataFrame:
    clean = _clean()
    return clean.messages.filter(pl.col("file") == clean.files["file"][0])


def test_clean_copy_is_clean() -> None:
    clean = _clean()
    assert clean.findings == []
    assert clean.messages["body_crc_ok"].all()


# --- single bit flips in one record ------------------------------------------------------------------

# (first byte, last byte excl., expected checks) for an IPv4/v1 record; None = no structural finding.
def _field_expectation(rec: dict, k: int) -> set[str] | None:
    body_end = 88 + rec["body_len"]
    topic_len_at = body_end
    props_len_at = body_end + 1 + len(rec["topic"].encode())
    if k < 4:
        return {"commitlog_total_size", "commitlog_length"}
    if k < 8:
        return {"commitlog_magic"}
    if k < 12:
        return {"commitlog_body_crc"}
    if 28 <= k < 36:
        return {"commitlog_phy_offset"}
    if 84 <= k < 88 or k == topic_len_at or props_len_at <= k < props_len_at + 2:
        return {"commitlog_length"}
    if 88 <= k < body_end:
        return {"commitlog_body_crc"}
    return None


@HS
@given(data=st.data())
def test_bit_flip_is_reported_at_the_records_offset(tmp_path: Path, data: st.DataObject) -> None:
    recs = _records_file0()
    i = data.draw(st.integers(0, recs.height - 1), label="record")
    rec = recs.row(i, named=True)
    p = rec["phy_offset"]  # file 0 starts at 0
    k = data.draw(st.integers(0, rec["size"] - 1), label="byte")
    bit = data.draw(st.integers(0, 7), label="bit")
    d, datas = _copy(tmp_path)
    datas[0][p + k] ^= 1 << bit
    _write(d, datas)
    scan = scan_commitlog(d, verify_crc=True)  # must not raise
    want = _field_expectation(rec, k)
    try:  # reading the damaged record alone must not raise either (only "no record here"), and says why
        one = read_record(d, p)
        assert one["problems"] or want is None, (k, bit)
    except NotFoundError:
        assert want is not None and want & {"commitlog_magic", "commitlog_total_size"}
    if 36 <= k < 40 and (k, bit) in {(39, 4), (39, 5)}:
        want = {"commitlog_length"}  # a v6 host bit changes both host widths
    clean_offsets = set(_records_file0()["phy_offset"].to_list())
    got_offsets = set(scan.messages["phy_offset"].to_list())
    if want is None:
        assert p in got_offsets
        assert not [f for f in scan.findings if f.severity == "error"] or 36 <= k < 40
        return
    assert _checks_at(scan, p) & want, (k, bit, [(f.check, f.offset) for f in scan.findings])
    if want == {"commitlog_phy_offset"}:
        assert scan.valid_end == _clean().valid_end  # the broker does not check it
        assert not scan.messages.filter(pl.col("phy_offset") == p)["phy_offset_ok"][0]
    else:
        assert scan.valid_end == p  # the broker's scan stops at the damaged record
        after = scan.messages.filter(pl.col("phy_offset") > p)
        assert after["beyond_valid_end"].all()
    # the scan goes on: every other record of the file is still found (resync)
    assert clean_offsets - {p} <= got_offsets


def test_stale_record_with_wrong_physical_offset(tmp_path: Path) -> None:
    recs = _records_file0()
    rec = recs.row(recs.height // 2, named=True)
    p = rec["phy_offset"]
    d, datas = _copy(tmp_path)
    datas[0][p + 28 : p + 36] = (p + (1 << 30)).to_bytes(8, "big")
    _write(d, datas)
    scan = scan_commitlog(d, verify_crc=True)
    assert _checks_at(scan, p) == {"commitlog_phy_offset"}
    row = scan.messages.filter(pl.col("phy_offset") == p).row(0, named=True)
    assert row["stored_phy_offset"] == p + (1 << 30) and row["body_crc_ok"] and row["length_ok"]
    assert scan.valid_end == _clean().valid_end


# --- truncation, zeroed pages, stale tails -----------------------------------------------------------


@HS
@given(data=st.data())
def test_truncated_file_reports_size_and_the_cut_record(tmp_path: Path, data: st.DataObject) -> None:
    recs = _records_file0()
    cut = data.draw(st.integers(1, int(recs["phy_offset"].max())), label="cut")
    d, datas = _copy(tmp_path)
    datas[0] = datas[0][:cut]
    _write(d, datas)
    scan = scan_commitlog(d, verify_crc=True)
    f0 = scan.files["file"][0]
    assert any(f.check == "commitlog_file_size" and f.file == f0 for f in scan.findings)
    starts = recs["phy_offset"].to_numpy()
    ends = starts + recs["size"].to_numpy()
    inside = np.flatnonzero((starts < cut) & (ends > cut))
    if len(inside):
        r = int(starts[inside[0]])
        assert "commitlog_truncated_record" in _checks_at(scan, r)
        assert scan.valid_end == r
    else:  # cut exactly between records: the file just ends, with no filler
        assert "commitlog_no_blank" in _checks_at(scan, cut)
        assert scan.valid_end == cut
    # everything in the next file lies after the broker's stop point
    assert scan.messages.filter(pl.col("file") == scan.files["file"][1])["beyond_valid_end"].all()


@HS
@given(page=st.integers(0, 29))
def test_zeroed_page_stops_the_scan_and_later_data_is_recovered(tmp_path: Path, page: int) -> None:
    recs = _records_file0()
    lo, hi = page * 4096, page * 4096 + 4096
    d, datas = _copy(tmp_path)
    datas[0][lo:hi] = bytes(4096)
    _write(d, datas)
    scan = scan_commitlog(d, verify_crc=True)
    starts = recs["phy_offset"].to_numpy()
    ends = starts + recs["size"].to_numpy()
    hit = np.flatnonzero((starts < hi) & (ends > lo))
    if not len(hit):
        return  # page lies in the filler: nothing to see
    first_hit = int(starts[hit[0]])
    # The broker stops at the first touched record if its CRC/length fails, else at the first record start
    # inside the zeros (a record whose zeroed part is only properties passes: they carry no CRC, #7437).
    in_page = starts[(starts >= lo) & (starts < hi)]
    latest = int(in_page[0]) if len(in_page) else int(starts[hit[-1]])
    assert scan.valid_end is not None and first_hit <= scan.valid_end <= latest
    zero_stop = [f for f in scan.findings if f.check == "commitlog_data_after_end"]
    if scan.valid_end >= lo:  # the scan ran into the zeros
        a = np.frombuffer(bytes(datas[0]), dtype=np.uint8)
        first_nz = scan.valid_end + int(np.flatnonzero(a[scan.valid_end :])[0])
        assert [f.offset for f in zero_stop] == [first_nz]
    # every record that starts after the page is still decoded, flagged beyond the valid end
    later = set(starts[starts >= hi].tolist())
    got = scan.messages.filter(pl.col("phy_offset").is_in(list(later)))
    assert set(got["phy_offset"].to_list()) == later
    assert got["beyond_valid_end"].all()


def test_stale_records_after_the_end_of_data_are_decoded_and_flagged(tmp_path: Path) -> None:
    """Truncation does not erase bytes (spec §2): records left past the end must surface."""
    _, files = _source()
    last = files[-1]
    d = tmp_path / "commitlog"
    d.mkdir()
    clean_last = scan_commitlog(last.parent, verify_crc=True)
    tail_from = int(clean_last.files["zero_tail_from"][-1])
    data = bytearray(last.read_bytes())
    donor = bytearray(files[0].read_bytes())
    recs = _records_file0().head(5)
    blob = donor[: int(recs["phy_offset"][-1] + recs["size"][-1])]
    at = tail_from + 1000
    assert at + len(blob) < len(data)
    data[at : at + len(blob)] = blob
    shutil.copy(files[-2], d / files[-2].name)  # keep the file sequence (and its size) realistic
    (d / last.name).write_bytes(bytes(data))
    scan = scan_commitlog(d, verify_crc=True)
    name = last.name
    rel = f"commitlog/{name}"
    first_nz = at + next(i for i, b in enumerate(blob) if b)  # TOTALSIZE's high bytes are zero
    assert [f.offset for f in scan.findings if f.check == "commitlog_data_after_end" and f.file == rel] == [first_nz]
    stale = scan.messages.filter((pl.col("file") == rel) & (pl.col("phy_offset") >= int(name) + at))
    assert stale.height == 5
    assert stale["beyond_valid_end"].all() and not stale["phy_offset_ok"].any() and stale["body_crc_ok"].all()
    assert stale["msg_id"].to_list() == recs["msg_id"].to_list()  # ids come from the stored fields
    assert scan.valid_end == int(name) + tail_from


def test_wrong_filler_size_is_reported(tmp_path: Path) -> None:
    clean = _clean()
    at = int(clean.files["blank_filler_at"][0])
    d, datas = _copy(tmp_path)
    datas[0][at : at + 4] = (123).to_bytes(4, "big")
    _write(d, datas)
    scan = scan_commitlog(d, verify_crc=True)
    assert _checks_at(scan, at) == {"commitlog_blank_size"}


@settings(max_examples=40, deadline=None)
@given(blob=st.binary(min_size=0, max_size=6000), seed_magic=st.booleans())
def test_garbage_never_raises(blob: bytes, seed_magic: bool) -> None:
    data = bytearray(blob)
    if seed_magic and len(data) > 16:  # plant message magics so the chain logic is exercised
        for i in range(0, len(data) - 8, 97):
            data[i + 4 : i + 8] = bytes.fromhex("daa320a7")
    with tempfile.TemporaryDirectory() as t:
        d = Path(t) / "commitlog"
        d.mkdir()
        (d / ("0" * 20)).write_bytes(bytes(data) + bytes(8192 - len(data)) if len(data) < 8192 else bytes(data))
        scan = scan_commitlog(d, verify_crc=True)
        assert scan.valid_end is not None and 0 <= scan.valid_end <= max(len(data), 8192)
        assert len(scan.findings) < 100
