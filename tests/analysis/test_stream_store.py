"""``stream_store`` (bounded memory, window by window) on the cases its windows make hard — each compared with the
whole-frame analysis (``store_equivalence``) — and ``UnitWindows`` against the units ``read_consumequeues`` reads."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import polars as pl
import pytest
from store_equivalence import assert_stream_equal

from rmqinspect.analysis.store_summary import StoreReport, analyse_store, load_store, stream_store
from rmqinspect.parsers import consumequeue as cqm
from rmqinspect.parsers.cq_stream import UnitWindows

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
STORES = sorted(SAMPLES.glob("rmq-*/broker-a/store"))
pytestmark = pytest.mark.skipif(not STORES, reason="no lab samples under samples/")


@pytest.fixture(params=STORES, ids=lambda p: p.parents[1].name)
def store_copy(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    dst = tmp_path / "store"
    shutil.copytree(request.param, dst)
    (dst / "lock").unlink(missing_ok=True)
    return dst


def _queue_file(root: Path, topic: str = "LabTopic", qid: int = 0) -> Path:
    return sorted((root / "consumequeue" / topic / str(qid)).iterdir())[0]


def _units(f: Path) -> list[bytes]:
    b = f.read_bytes()
    out = []
    for i in range(0, len(b) - 19, 20):
        u = b[i : i + 20]
        if struct.unpack_from(">qi", u)[1] <= 0:
            break
        out.append(u)
    return out


def _both(root: Path, **kw: object) -> StoreReport:
    full = analyse_store(load_store(root), **kw)  # type: ignore[arg-type]
    assert_stream_equal(root, full, **kw)
    return full


@pytest.mark.parametrize("window", [1, 3, 50, 10**9])
def test_unit_windows_hand_out_every_unit_once_in_its_window(store_copy: Path, window: int) -> None:
    f = _queue_file(store_copy)
    units = _units(f)
    # a queue that goes backwards (two units swapped) is kept whole, the others are read through cursors
    b = bytearray(f.read_bytes())
    b[20:40], b[60:80] = units[3], units[1]
    f.write_bytes(bytes(b))
    whole = cqm.read_consumequeues(store_copy)
    uw = UnitWindows(block_budget=window * 8)
    for qd in cqm.iter_queue_dirs(store_copy):
        parts: list = []
        f = cqm.read_queue(qd, store_copy, parts_out=parts)
        phy = f["phy_offset"]
        if f.height and (phy.diff().drop_nulls() < 0).any():
            uw.hold(f)
        elif f.height:
            uw.add_queue(qd.topic, qd.queue_id, parts, phy[0], f.height)
    assert uw.held_units == whole.filter((pl.col("topic") == "LabTopic") & (pl.col("queue_id") == 0)).height
    phys = sorted(set(whole["phy_offset"].to_list()))
    bounds = [*phys[::window][1:], None]
    got, lo = [], -1
    for hi in bounds:
        w = uw.take_below(hi)
        assert w.schema == whole.schema
        assert w.filter((pl.col("phy_offset") < lo) | (pl.col("phy_offset") >= (hi or 1 << 62))).height == 0
        got.append(w)
        lo = hi
    cols = ["topic", "queue_id", "queue_offset", "phy_offset", "size", "tags_code", "filler", "file"]
    key = ["topic", "queue_id", "queue_offset"]
    a = pl.concat(got).with_columns(pl.col("topic", "file").cast(pl.Utf8)).select(cols).sort(key)
    e = whole.with_columns(pl.col("topic", "file").cast(pl.Utf8)).select(cols).sort(key)
    assert a.equals(e)


def test_swapped_units_same_report(store_copy: Path) -> None:
    f = _queue_file(store_copy)
    units = _units(f)
    b = bytearray(f.read_bytes())
    b[20:40], b[60:80] = units[3], units[1]
    f.write_bytes(bytes(b))
    fs = _both(store_copy, index_sample=None).findings
    assert fs.filter(pl.col("check") == "cq_order").height > 0


def test_unit_far_ahead_does_not_hold_back_its_queue(store_copy: Path) -> None:
    """A unit pointing far past the commitlog in the middle of a queue: the queue goes backwards after it, so it
    is kept whole; the units after it still meet their records (no false dangling units)."""
    f = _queue_file(store_copy)
    b = bytearray(f.read_bytes())
    b[40:48] = struct.pack(">q", 1 << 40)
    f.write_bytes(bytes(b))
    fs = _both(store_copy, index_sample=None).findings
    assert fs.filter(pl.col("check") == "cq_beyond_valid_end")["offset"].to_list() == [40]
    assert fs.filter(pl.col("check") == "cq_dangling").height == 0


def test_missing_middle_commitlog_file(store_copy: Path) -> None:
    """A hole in the file sequence: every later record is beyond the valid end."""
    files = sorted((store_copy / "commitlog").iterdir())
    assert len(files) >= 3
    files[1].unlink()
    r = _both(store_copy)
    assert r.stats.beyond > 0 and r.stats.valid > 0


def test_damage_before_the_start_file(store_copy: Path) -> None:
    """5.3.3's normal recovery starts at the last file the queues reach into: damage in the first file is not seen
    by the broker, which stops at later damage instead — past the valid end, so the dropped rows are read again
    from there (the kept head of records past the valid end starts lower)."""
    from robustness_helpers import records

    (store_copy / "abort").unlink(missing_ok=True)
    files = sorted((store_copy / "commitlog").iterdir())
    b = bytearray(files[0].read_bytes())
    b[4:8] = bytes(4)  # magic of the first record
    files[0].write_bytes(bytes(b))
    last = records(files[-1])
    rec = last[len(last) // 2]
    b = bytearray(files[-1].read_bytes())
    b[rec.pos + 4 : rec.pos + 8] = bytes(4)
    files[-1].write_bytes(bytes(b))
    full = analyse_store(load_store(store_copy), version="5.3.3")
    ve = full.data.scan.valid_end
    assert ve is not None and full.recovery.recovered_offset is not None
    assert full.recovery.recovered_offset > ve and full.recovery.dropped_messages > 0
    assert full.stats.beyond > full.recovery.dropped_messages
    assert_stream_equal(store_copy, full, version="5.3.3")


def test_no_commitlog_dir(store_copy: Path) -> None:
    shutil.rmtree(store_copy / "commitlog")
    _both(store_copy)


def test_stream_store_keeps_no_records_or_units(store_copy: Path) -> None:
    r = stream_store(store_copy, index_sample=100)
    assert r.data.scan.messages.height == 0 and r.data.cq.height == 0
    assert r.units > 0 and r.data.n_index_entries > r.data.index_entries.height == 100


def test_record_swallowing_its_neighbours_at_a_window_end(store_copy: Path) -> None:
    """A TOTALSIZE enlarged over the next two records: the scan resyncs inside it, so the window must end at the
    bad record's start + 1 (else the swallowed records' units land in the wrong window)."""
    from robustness_helpers import records

    f = sorted((store_copy / "commitlog").iterdir())[-1]
    recs = records(f)
    r, n2 = recs[-4], recs[-2]
    b = bytearray(f.read_bytes())
    struct.pack_into(">i", b, r.pos, n2.pos + n2.total - r.pos)
    f.write_bytes(bytes(b))
    full = _both(store_copy)
    assert full.findings.filter(pl.col("check") == "commitlog_length").height >= 1


def test_deleted_commitlog_file_named_the_same_way(store_copy: Path) -> None:
    """Units below the oldest record (retention deleted it): the finding names the smallest CQ file, whatever
    order the units come in (topic order whole, offset order streamed)."""
    sorted((store_copy / "commitlog").iterdir())[0].unlink()
    shutil.copytree(store_copy / "consumequeue" / "LabTopic" / "1", store_copy / "consumequeue" / "AAA" / "0")
    full = _both(store_copy)
    got = full.findings.filter(pl.col("check") == "cq_points_to_deleted")
    assert got["file"].to_list() == ["consumequeue/AAA/0/" + "0" * 20]
