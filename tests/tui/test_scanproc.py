"""The TUI's scan child (``tui.scanproc.analyse``) streams: the messages frame it writes, a chunk at a time, is the
whole store's frame (all columns but ``properties``), and its summary is ``rmqinspect store``'s."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmqinspect.analysis.store_summary import analyse_store, load_store
from rmqinspect.tui.scanproc import analyse, map_frame

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
STORES = sorted(SAMPLES.glob("rmq-*/broker-a/store*"))


@pytest.mark.parametrize("store", STORES, ids=lambda p: f"{p.parents[1].name}/{p.name}")
def test_streamed_messages_file_is_the_whole_frame(store: Path, tmp_path: Path) -> None:
    res = analyse(str(store), str(tmp_path))
    assert res.data_error == ""
    got = map_frame(res.messages_file)
    data = load_store(store)
    want = data.scan.messages.drop("properties")
    assert got.height > 0 and got.equals(want)
    full = analyse_store(data)
    assert res.verdict == full.verdict and res.findings.equals(full.findings)
    assert res.recovery.recovered_offset == full.recovery.recovered_offset


def test_empty_store_still_gets_a_messages_file(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (store / "commitlog").mkdir(parents=True)
    res = analyse(str(store), str(tmp_path))
    assert res.data_error == "" and map_frame(res.messages_file).height == 0
    assert "msg_id" in map_frame(res.messages_file).columns
