"""config/*.json: fastjson's bare integer keys, .bak fallback and differences, garbage → findings."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rmqinspect.findings import Finding
from rmqinspect.parsers import configjson as cj

# what fastjson 1.x writes for consumerOffset.json: integer map keys without quotes, tab indentation
FASTJSON_OFFSETS = '{\n\t"offsetTable":{\n\t\t"TopicTest@GroupA":{0:12,1:13\n\t\t},\n\t\t"%RETRY%GroupA@GroupA":{0:0}\n\t}\n}'


def _cfg(tmp: Path, files: dict[str, str | bytes]) -> Path:
    d = tmp / "config"
    d.mkdir(parents=True, exist_ok=True)
    for n, v in files.items():
        (d / n).write_bytes(v.encode() if isinstance(v, str) else v)
    return tmp


def test_loads_lenient_quotes_bare_keys_but_not_inside_strings() -> None:
    assert cj.loads_lenient(FASTJSON_OFFSETS)["offsetTable"]["TopicTest@GroupA"] == {"0": 12, "1": 13}
    tricky = '{"expr":"a {1:2}, ,3:", 7:{-1:5}}'
    assert cj.loads_lenient(tricky) == {"expr": "a {1:2}, ,3:", "7": {"-1": 5}}


def test_consumer_offsets_frame(tmp_path: Path) -> None:
    cfg = cj.read_config(_cfg(tmp_path, {"consumerOffset.json": FASTJSON_OFFSETS}))
    df = cj.consumer_offsets_frame(cfg)
    assert df.rows() == [("GroupA", "%RETRY%GroupA", 0, 0), ("GroupA", "TopicTest", 0, 12), ("GroupA", "TopicTest", 1, 13)]


def test_garbage_main_falls_back_to_bak(tmp_path: Path) -> None:
    bak = json.dumps({"offsetTable": {"T@G": {"0": 5}}})
    root = _cfg(tmp_path, {"consumerOffset.json": b"{\x00\xff garbage", "consumerOffset.json.bak": bak})
    fs: list[Finding] = []
    cfg = cj.read_config(root, fs)
    assert {f.check for f in fs} == {"config_garbage", "config_fallback_bak"}
    assert cfg.files["consumerOffset.json"].used == "bak"
    assert cj.consumer_offsets_frame(cfg).rows() == [("G", "T", 0, 5)]


def test_differs_from_bak_ignores_dataversion_and_names_the_table(tmp_path: Path) -> None:
    a = {"dataVersion": {"counter": 2}, "offsetTable": {"T@G": {"0": 9}}}
    b = {"dataVersion": {"counter": 1}, "offsetTable": {"T@G": {"0": 5}}}
    root = _cfg(tmp_path, {"consumerOffset.json": json.dumps(a), "consumerOffset.json.bak": json.dumps(b),
                           "delayOffset.json": json.dumps({"dataVersion": {"counter": 3}, "offsetTable": {"1": 2}}),
                           "delayOffset.json.bak": json.dumps({"dataVersion": {"counter": 2}, "offsetTable": {"1": 2}}),
                           "topics.json.tmp": "{}"})
    fs: list[Finding] = []
    cj.read_config(root, fs)
    got = {(f.check, f.file) for f in fs}
    assert got == {("config_differs_from_bak", "config/consumerOffset.json"),
                   ("config_tmp_left", "config/topics.json.tmp")}


def test_topics_and_delay_frames(tmp_path: Path) -> None:
    topics = {"topicConfigTable": {"TopicTest": {"readQueueNums": 4, "writeQueueNums": 4, "perm": 6, "order": False,
                                                 "topicSysFlag": 0, "attributes": {"queue.type": "BatchCQ"}},
                                   "bad": "notadict"}}
    root = _cfg(tmp_path, {"topics.json": json.dumps(topics), "delayOffset.json": '{"offsetTable":{1:12,3:40}}'})
    cfg = cj.read_config(root)
    t = cj.topics_frame(cfg)
    assert t.filter(t["topic"] == "TopicTest").row(0)[1:5] == (4, 4, 6, False)
    assert cj.delay_offsets_frame(cfg).rows() == [(1, 0, 12), (3, 2, 40)]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_never_raise(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    root = _cfg(tmp_path_factory.mktemp("c"), {"consumerOffset.json": data, "topics.json": data,
                                               "subscriptionGroup.json": data})
    cfg = cj.read_config(root, [])
    cj.consumer_offsets_frame(cfg)
    cj.topics_frame(cfg)
    cj.subscription_groups_frame(cfg)
