"""Chunks → records/events, the filters, coalescing, and how a batch is rendered (text and NDJSON)."""

from __future__ import annotations

import json
import time

import polars as pl
import pytest

from rmqinspect.errors import UsageError
from rmqinspect.live.items import Chunk, Notice, coalesce
from rmqinspect.live.records import GREP_WINDOW, RecordFilter, RecordParser, merge_backlog
from rmqinspect.render.tail import TailRenderer, event_label, human_bytes, ndjson


def chunk(file: str, first: int, *lines: str, backlog: bool = False) -> Chunk:
    return Chunk(file, f"/x/{file}", first, "\n".join(lines), len(lines), time.monotonic(), backlog)


LAG = "2026-11-28 08:00:00 INFO BrokerControllerScheduledThread1 - CommitLog: slave fall behind master 1234567bytes"
FLUSH = "2026-11-28 08:00:01 INFO FlushRealTimeService - Flush data to disk costs 850 ms"
PLAIN = "2026-11-28 08:00:02 INFO main - nothing to see"
WARN = "2026-11-28 08:00:03 WARN PopReviveService_0 - skip revive topic because timerWheelEnable is false"


@pytest.fixture(scope="module")
def parser() -> RecordParser:
    return RecordParser(host="h")


def test_records_keep_raw_head_and_events_get_their_record_seq(parser: RecordParser) -> None:
    p = parser.parse([chunk("broker.log", 10, LAG, PLAIN), chunk("store.log", 3, FLUSH)])
    assert p.records["raw"].to_list() == [LAG, PLAIN, FLUSH]
    assert p.records["line_no"].to_list() == [10, 11, 3]
    ev = {r["type"]: r for r in p.events.iter_rows(named=True)}
    assert ev["ha_lag_bytes"]["bytes"] == 1234567 and ev["flush_cost_ms"]["ms"] == 850
    seq = dict(zip(p.records["raw"].to_list(), p.records["seq"].to_list(), strict=True))
    assert ev["ha_lag_bytes"]["seq"] == seq[LAG] and ev["flush_cost_ms"]["seq"] == seq[FLUSH]


def test_events_stay_with_the_right_record_across_a_rotation_in_one_batch(parser: RecordParser) -> None:
    """After a rotation line numbers restart: (file, line_no) repeats inside one batch."""
    p = parser.parse([chunk("broker.log", 1, PLAIN), chunk("broker.log", 1, LAG)])
    (lag_seq,) = p.events.filter(p.events["type"] == "ha_lag_bytes")["seq"].to_list()
    assert p.records.filter(p.records["seq"] == lag_seq)["raw"].item() == LAG


def test_event_labels_show_key_fields_as_an_operator_reads_them(parser: RecordParser) -> None:
    p = parser.parse([chunk("broker.log", 1, LAG, FLUSH)])
    labels = [event_label(r) for r in p.events.iter_rows(named=True)]
    assert labels[0].startswith("ha_lag_bytes 1.2 MB")
    assert labels[1].startswith("flush_cost_ms 850 ms")
    assert human_bytes(999) == "999 B" and human_bytes(1_500_000_000) == "1.5 GB"
    assert event_label({"type": "broker_config", "key": "brokerIP1", "value": "10.0.0.1"}) == (
        "broker_config brokerIP1=10.0.0.1"
    )


def test_filters_level_grep_type_events_only(parser: RecordParser) -> None:
    p = parser.parse([chunk("broker.log", 1, LAG, FLUSH, PLAIN, WARN)])

    def raws(f: RecordFilter) -> list[str]:
        return f.apply(p).records["raw"].to_list()

    build = RecordFilter.build
    assert raws(build(level="warn", grep=None, types=[], events_only=False)) == [WARN]
    assert raws(build(level=None, grep="(?i)FLUSH", types=[], events_only=False)) == [FLUSH]
    assert raws(build(level=None, grep=None, types=["flush_*"], events_only=False)) == [FLUSH]
    assert raws(build(level=None, grep=None, types=["ha_lag_bytes,flush_cost_ms"], events_only=False)) == [
        LAG,
        FLUSH,
    ]
    assert raws(build(level=None, grep=None, types=[], events_only=True)) == [LAG, FLUSH]
    f = build(level=None, grep=None, types=["flush_cost_ms"], events_only=False)
    assert f.apply(p).events["type"].to_list() == ["flush_cost_ms"]
    with pytest.raises(UsageError):
        f.expand_types(["ha_lag_bytes"])
    assert f.expand_types(["flush_cost_ms", "ha_lag_bytes"]) == ["flush_cost_ms"]


def test_grep_on_a_huge_line_is_bounded_and_does_not_backtrack(parser: RecordParser) -> None:
    huge = "2026-11-28 08:00:00 INFO t - " + "a" * (8 << 20) + "NEEDLE"
    p = parser.parse([chunk("broker.log", 1, huge, PLAIN)])
    t0 = time.monotonic()
    # a pattern that is catastrophic for a backtracking engine on a run of "a"s
    out = RecordFilter.build(level=None, grep=r"(a+)+b", types=[], events_only=False).apply(p)
    assert out.records.height == 0
    assert time.monotonic() - t0 < 5
    # beyond GREP_WINDOW characters of one record, nothing is searched
    far = RecordFilter.build(level=None, grep="NEEDLE", types=[], events_only=False).apply(p)
    assert far.records.height == 0 and len(huge) > GREP_WINDOW


def test_backlog_merge_orders_by_time_then_arrival_and_keeps_last_n(parser: RecordParser) -> None:
    a = parser.parse([chunk("broker.log", 1, LAG, WARN, backlog=True)])  # 08:00:00, 08:00:03
    b = parser.parse([chunk("store.log", 1, FLUSH, PLAIN, backlog=True)])  # 08:00:01, 08:00:02
    m = merge_backlog([a, b], 3)
    assert m.records["raw"].to_list() == [FLUSH, PLAIN, WARN]
    assert m.events["type"].to_list() == ["flush_cost_ms"]


def test_coalesce_joins_contiguous_chunks_per_file_but_not_across_notices() -> None:
    items = [
        chunk("a.log", 1, "1", "2"),
        chunk("b.log", 1, "x"),
        chunk("a.log", 3, "3"),
        Notice("rotated", "a.log"),
        chunk("a.log", 1, "new"),
    ]
    out = coalesce(items)
    assert [(c.file, c.first_line_no, c.text) for c in out if isinstance(c, Chunk)] == [
        ("a.log", 1, "1\n2\n3"),
        ("b.log", 1, "x"),
        ("a.log", 1, "new"),
    ]
    assert isinstance(out[2], Notice)


def test_render_plain_and_coloured(parser: RecordParser) -> None:
    p = parser.parse([chunk("broker.log", 1, WARN, "java.net.ConnectException: x", "\tat a.B(B.java:1)")])
    text = TailRenderer().render(p)
    assert text == (
        f"broker.log {WARN}\nbroker.log java.net.ConnectException: x\nbroker.log \tat a.B(B.java:1)\n"
    )
    col = TailRenderer(color_system="standard").render(p)
    assert "\x1b[1;33mWARN\x1b[0m" in col


def test_render_highlights_events_and_is_inert(parser: RecordParser) -> None:
    evil = "2026-11-28 08:00:00 INFO main - \x1b[2J\x1b]8;;http://x\x07[red]x[/red]\x9b"
    p = parser.parse([chunk("broker.log", 1, LAG, evil), chunk("evil\x1b[31m.log", 1, PLAIN)])
    text = TailRenderer(color_system="standard").render(p)
    assert "◆ ha_lag_bytes 1.2 MB" in text
    for bad in ("\x1b[2J", "\x1b]8", "\x07", "\x9b", "\x1b[31m.log"):
        assert bad not in text
    assert "␛[2J" in text and "[red]x[/red]" in text and "evil␛[31m.log" in text


def test_render_clips_megabyte_lines_for_display(parser: RecordParser) -> None:
    long = "2026-11-28 08:00:00 INFO main - " + "z" * 100_000
    text = TailRenderer(max_line_chars=1000).render(parser.parse([chunk("b.log", 1, long)]))
    assert len(text) < 1100 and text.rstrip().endswith(f"… (+{len(long) - 1000} chars)")


def test_ndjson_lines_then_their_events_with_frame_field_names(parser: RecordParser) -> None:
    p = parser.parse([chunk("broker.log", 1, PLAIN, LAG)])
    rows = [json.loads(x) for x in ndjson(p).splitlines()]
    assert [("type" in r, r["line_no"]) for r in rows] == [(False, 1), (False, 2), (True, 2)]
    ev = rows[2]
    assert ev["type"] == "ha_lag_bytes" and ev["bytes"] == 1234567 and ev["file"] == "broker.log"
    assert {"ts", "type", "host", "file", "line_no", "level", "statement"} <= set(ev)
    assert "seq" not in ev and "raw" not in rows[0] and "seq" not in rows[0]
    only_events = [json.loads(x) for x in ndjson(p, lines=False).splitlines()]
    assert [r["type"] for r in only_events] == ["ha_lag_bytes"]


def test_ndjson_rows_survive_unicode_line_separators_in_messages(parser: RecordParser) -> None:
    odd = "2026-11-28 08:00:00 INFO main - a\u0085b\u2028c\u2029d\x1ce"
    p = parser.parse([chunk("broker.log", 1, odd, PLAIN)])
    out = ndjson(p)
    rows = [json.loads(x) for x in out.rstrip("\n").split("\n")]
    assert [r["line_no"] for r in rows] == [1, 2]
    assert rows[0]["message"] == "a\u0085b\u2028c\u2029d\x1ce"


def test_records_of_several_files_come_out_in_arrival_order_after_coalescing(parser: RecordParser) -> None:
    """Coalescing parses one chunk per file; the pieces' read times put the records back in order."""
    t = time.monotonic()
    items = [
        Chunk("a.log", "/x/a.log", 1, rec_line(1), 1, t + 0.001),
        Chunk("b.log", "/x/b.log", 1, rec_line(2), 1, t + 0.002),
        Chunk("a.log", "/x/a.log", 2, rec_line(3), 1, t + 0.003),
        Chunk("b.log", "/x/b.log", 2, rec_line(4) + "\n" + rec_line(5), 2, t + 0.004),
    ]
    merged = coalesce(items)
    assert [c.file for c in merged] == ["a.log", "b.log"]  # two parse calls, not four
    p = parser.parse(merged)
    assert [int(m.split("n=")[1]) for m in p.records["message"].to_list()] == [1, 2, 3, 4, 5]
    assert p.records["seq"].is_sorted()


def rec_line(n: int) -> str:
    return f"2026-11-28 08:00:00 INFO main - n={n}"


def test_events_are_extracted_on_file_contiguous_rows(parser: RecordParser, monkeypatch) -> None:
    """extract_events works one file run at a time: interleaved rows would cost one call per row."""
    import rmqinspect.analysis.events as events

    seen: list[list[str]] = []
    real = events.extract_events

    def spy(lines, **kw):
        seen.append(lines["file"].to_list())
        return real(lines, **kw)

    monkeypatch.setattr(events, "extract_events", spy)
    t = time.monotonic()
    items = []
    for i in range(3):  # a.log and b.log written alternately, lines 1..3 each
        items.append(Chunk("a.log", "/x/a.log", i + 1, LAG, 1, t + 2 * i))
        items.append(Chunk("b.log", "/x/b.log", i + 1, FLUSH, 1, t + 2 * i + 1))
    p = parser.parse(coalesce(items))
    assert p.records["file"].to_list() == ["a.log", "b.log"] * 3  # shown in arrival order
    (files,) = seen
    runs = [f for i, f in enumerate(files) if i == 0 or files[i - 1] != f]
    assert sorted(runs) == sorted(set(runs))  # each file is one contiguous run
    assert sorted(p.events["type"].to_list()) == ["flush_cost_ms"] * 3 + ["ha_lag_bytes"] * 3


def _sample_chunks(limit_lines: int = 300) -> list[Chunk]:
    """The last records of every live log of the lab samples' broker-a/namesrv-1, as tail chunks."""
    from pathlib import Path

    from rmqinspect.live.follow import looks_like_record_start

    root = Path(__file__).resolve().parents[2] / "samples"
    out = []
    for d in sorted(root.glob("rmq-*/*/logs/rocketmqlogs")):
        if d.parts[-3] not in ("broker-a", "namesrv-1"):
            continue
        for f in sorted(d.glob("*.log")):
            lines = f.read_bytes().decode("utf-8", errors="replace").split("\n")[:-1][-limit_lines:]
            while lines and not looks_like_record_start(lines[0].encode()):
                lines.pop(0)
            if lines:
                first = 1000  # any line number: the same for both parses
                out.append(Chunk(f"{d.parts[-4]}/{d.parts[-3]}/{f.name}", str(f), first, "\n".join(lines),
                                 len(lines), time.monotonic()))  # fmt: skip
    return out


def test_grouped_parse_equals_per_file_parse() -> None:
    """Several files share one parse_text call; the result must be what parsing each file alone gives."""
    chunks = _sample_chunks()
    if len(chunks) < 3:
        pytest.skip("no lab samples")
    files_by_layout = {c.file.rsplit("/", 1)[-1] for c in chunks}
    assert {"stats.log", "broker.log"} & files_by_layout  # both header layouts are exercised
    together = RecordParser(host="h").parse(chunks)
    alone = [RecordParser(host="h").parse([c]) for c in chunks]
    key = ["file", "line_no"]
    cols = ["host", "file", "line_no", "ts", "level", "thread", "message", "continuation", "raw"]
    a = together.records.select(cols).sort(key)
    b = pl.concat([p.records.select(cols) for p in alone]).sort(key)
    assert a.equals(b)
    ev_cols = [c for c in together.events.columns if c != "seq"]
    # one line can carry two events of one type (namesrv watermark: Client and Default queue): sort by
    # every plain column so ties have one order
    order = [c for c, t in together.events.schema.items() if c in ev_cols and not isinstance(t, pl.List)]
    ea = together.events.select(ev_cols).sort(order, nulls_last=True)
    eb = pl.concat([p.events.select(ev_cols) for p in alone], how="vertical").sort(order, nulls_last=True)
    assert ea.equals(eb)
    assert together.events.height > 10
