"""DLedger commitlog on REAL brokers: a single-node DLedger group (``enableDLegerCommitLog=true``) of 4.9.7 and
5.3.3 takes messages through the real Java client, stops cleanly, and every SEND_OK must come back from its
``dledger-<selfId>/data`` entries exactly (offset msgId, UNIQ_KEY, topic, queue, queue offset, keys), with the
whole store intact and the streamed report equal to the whole-frame one. Also: damage inside an entry."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import polars as pl
import pytest
from rmqlab.live import running_broker
from robustness_helpers import snapshot, snapshot_diff
from store_equivalence import assert_stream_equal

from rmqinspect.analysis.store_summary import analyse_store, load_store
from rmqinspect.parsers import commitlog_jit
from rmqinspect.parsers.dledger import scan_dledger

pytestmark = [
    pytest.mark.lab,
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("java") and shutil.which("javac") and shutil.which("mvn")),
                       reason="the lab needs java, javac and mvn on PATH"),
]
DLEDGER = {"enableDLegerCommitLog": "true", "dLegerGroup": "RaftNode00", "dLegerPeers": "n0-127.0.0.1:40911",
           "dLegerSelfId": "n0"}


@pytest.fixture(scope="module", params=["4.9.7", "5.3.3"])
def dledger_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    work = tmp_path_factory.mktemp(f"dledger-{request.param}")
    with running_broker(request.param, work, store_overrides=DLEDGER) as live:
        sent = live.send(40) + live.send(25)
        store = live.store_dir
    return store, sent


def test_layout_is_dledger_n0(dledger_run: tuple[Path, list[dict]]) -> None:
    store, _ = dledger_run
    assert (store / "dledger-n0" / "data").is_dir()  # not <group>-<selfId>, as the spec had it
    assert not (store / "commitlog").exists() or not any((store / "commitlog").iterdir())


def test_every_send_ok_decodes_from_the_entries(dledger_run: tuple[Path, list[dict]]) -> None:
    store, sent = dledger_run
    ok = [s for s in sent if s["status"] == "SEND_OK"]
    assert len(ok) == 65
    scan = scan_dledger(store / "dledger-n0" / "data", verify_crc=True)
    assert scan.findings == [] and scan.valid_end is not None
    m = scan.messages
    assert m["body_crc_ok"].all() and m["phy_offset_ok"].all() and m["length_ok"].all()
    got = {r["msg_id"]: r for r in m.to_dicts()}
    for s in ok:
        r = got[s["offset_msg_id"]]
        assert (r["uniq_key"], r["topic"], r["queue_id"], r["queue_offset"]) == (
            s["msg_id"], s["topic"], s["queue_id"], s["queue_offset"])
        assert r["keys"] == " ".join(s["keys"]) and r["tags"] == s["tags"] and r["body_len"] == s["body_len"]


def test_store_is_intact_and_streaming_agrees(dledger_run: tuple[Path, list[dict]]) -> None:
    store, sent = dledger_run
    full = analyse_store(load_store(store))
    assert full.verdict == "intact", full.findings
    assert full.stats.valid == len(sent) and full.units == len(sent)
    assert full.recovery.recovered_offset is None and "DLedger" in full.recovery.start_reason
    assert_stream_equal(store, full)


def test_damaged_entries_are_found_at_their_offsets(dledger_run: tuple[Path, list[dict]], tmp_path: Path) -> None:
    """Entry 1's pos rewritten (stale bytes: reported, the chain goes on); entry 3's magic zeroed by a bit flip
    (the chain stops there: everything after it is beyond the valid end)."""
    src, _ = dledger_run
    store = tmp_path / "store"
    shutil.copytree(src, store)
    data = sorted((store / "dledger-n0" / "data").iterdir())[0]
    b = bytearray(data.read_bytes())
    starts = [0]
    for _ in range(4):
        starts.append(starts[-1] + struct.unpack_from(">i", b, starts[-1] + 4)[0])
    b[starts[1] + 24 : starts[1] + 32] = struct.pack(">q", 12345)
    b[starts[3] + 3] ^= 0x40
    data.write_bytes(bytes(b))
    rel = str(data.relative_to(store))
    for compiled in (True, False):  # the compiled entry walk and the Python one agree
        with pytest.MonkeyPatch.context() as mp:
            if not compiled:
                mp.setattr(commitlog_jit, "kernels", lambda: None)
            scan = scan_dledger(store / "dledger-n0" / "data")
        assert [(f.check, f.file, f.offset) for f in scan.findings] == [
            ("dledger_magic", rel, starts[3]), ("dledger_pos", rel, starts[1])]
        assert scan.valid_end == starts[3] and scan.messages.height == 3
    r = analyse_store(load_store(store))
    assert r.verdict == "damaged"
    assert set(r.findings.filter(pl.col("severity") == "error")["check"]) >= {"dledger_pos", "dledger_magic",
                                                                               "cq_beyond_valid_end"}


def test_msg_lookups_on_a_dledger_store(dledger_run: tuple[Path, list[dict]]) -> None:
    """``msg`` reads a wrapped record at its own offset in the data files: by offset msgId, UNIQ_KEY (index),
    queue offset (consume queue) and, with the index out of the way, by the scan fallback."""
    from rmqinspect.analysis import lookup

    store, sent = dledger_run
    st = lookup.open_store(store)
    assert st.dledger
    for s in sent[::7]:
        rec = lookup.by_offset_msg_id(st, s["offset_msg_id"])
        assert rec is not None and rec["uniq_key"] == s["msg_id"]
        hits = lookup.by_key(st, s["msg_id"], kind="uniq", topic=s["topic"])
        assert [r["msg_id"] for r in hits.records] == [s["offset_msg_id"]] and hits.found_via != "scan"
        _, rec2 = lookup.by_queue_offset(st, s["topic"], s["queue_id"], s["queue_offset"])
        assert rec2["msg_id"] == s["offset_msg_id"]
        assert lookup.scan_for(st, s["keys"][0], kind="keys", topic=s["topic"]) == [rec["phy_offset"]]


def test_commands_leave_the_dledger_store_untouched(dledger_run: tuple[Path, list[dict]], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from rmqinspect.cli import main

    store, sent = dledger_run
    before = snapshot(store)
    for argv in (["store", str(store), "--json"], ["msg", str(store), "--id", sent[0]["offset_msg_id"]],
                 ["export", str(store), "--what", "messages", "-o", str(tmp_path / "m.parquet")]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code in (0, None), capsys.readouterr().err
    assert snapshot_diff(before, snapshot(store)) == []
