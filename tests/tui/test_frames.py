"""Pure frame logic behind the screens, on real lab output: filters, fold, search, time jumps, store search."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from rmqinspect.tui import logview, storeview
from rmqinspect.tui.data import read_lines_api
from rmqinspect.tui.widgets.frame_view import fmt_value
from rmqinspect.tui.widgets.hexview import Span, hex_text, legend_text


@pytest.fixture
def lines(broker_logs: Path) -> pl.DataFrame:
    return read_lines_api()([broker_logs], host="broker-a")


def test_annotate_counts_continuation_lines(lines: pl.DataFrame) -> None:
    ann = logview.annotate(lines, None)
    expected = lines["continuation"].fill_null("").map_elements(
        lambda s: s.count("\n") + 1 if s else 0, return_dtype=pl.Int64
    )
    assert ann["more"].to_list() == expected.to_list()
    assert ann["row"].to_list() == list(range(lines.height))


def test_level_filter_keeps_only_that_level_and_above(lines: pl.DataFrame) -> None:
    ann = logview.annotate(lines, None)
    out = logview.apply_filter(ann, logview.LogFilter(min_level="WARN"))
    assert set(out["level"].unique().to_list()) <= {"WARN", "ERROR"}
    assert out.height == lines.filter(pl.col("level").is_in(["WARN", "ERROR"])).height


def test_regex_filter_matches_message_or_continuation(lines: pl.DataFrame) -> None:
    ann = logview.annotate(lines, None)
    out = logview.apply_filter(ann, logview.LogFilter(pattern="(?i)broker"))
    expected = lines.filter(
        pl.col("message").fill_null("").str.contains("(?i)broker")
        | pl.col("continuation").fill_null("").str.contains("(?i)broker")
    )
    assert out.height == expected.height > 0


def test_unfold_adds_one_row_per_continuation_line(lines: pl.DataFrame) -> None:
    ann = logview.annotate(lines, None)
    folded = logview.apply_filter(ann, logview.LogFilter(folded=True))
    unfolded = logview.apply_filter(ann, logview.LogFilter(folded=False))
    assert folded.height == lines.height
    assert unfolded.height == lines.height + int(ann["more"].sum())
    # continuation rows follow their record and carry the next physical line numbers
    conts = unfolded.filter(pl.col("cont"))
    if conts.height:
        first = conts.row(0, named=True)
        head = unfolded.filter((pl.col("row") == first["row"]) & ~pl.col("cont")).row(0, named=True)
        assert first["line_no"] == head["line_no"] + 1


def test_bad_regex_is_reported_not_raised() -> None:
    assert "bad regex" in logview.check_pattern("([")
    assert logview.check_pattern("a+b") == ""


def test_search_next_prev_wraps() -> None:
    hits = [3, 10, 42]
    assert logview.next_hit(hits, 3, 1) == 10
    assert logview.next_hit(hits, 42, 1) == 3
    assert logview.next_hit(hits, 3, -1) == 42
    assert logview.next_hit([], 0, 1) is None


def test_time_index_finds_first_line_at_or_after(lines: pl.DataFrame) -> None:
    ts = lines["ts"].drop_nulls()
    target = ts[ts.len() // 2]
    idx = logview.time_index(lines, target)
    assert lines["ts"][idx] >= target
    assert idx == 0 or lines["ts"][idx - 1] is None or lines["ts"][idx - 1] < target


def test_parse_when_bare_time_takes_date_and_zone_of_reference() -> None:
    ref = datetime.fromisoformat("2024-03-05T14:07:31+00:00")
    got = logview.parse_when("15:00:00", ref)
    assert got == datetime.fromisoformat("2024-03-05T15:00:00+00:00")
    with pytest.raises(ValueError):
        logview.parse_when("yesterday", ref)


def test_parse_query_kinds() -> None:
    assert storeview.parse_query("#12") == storeview.Query("queue_offset", "12")
    assert storeview.parse_query("@4096") == storeview.Query("phy_offset", "4096")
    assert storeview.parse_query("t 2024-01-01 00:00:00").kind == "time"
    assert storeview.parse_query("7F00000100002A9F0000000000000000").kind == "msg_id"
    assert storeview.parse_query("order-1001") == storeview.Query("key", "order-1001")


def test_store_search_by_msgid_key_and_phy_offset(broker_store: Path) -> None:
    from rmqinspect.parsers.commitlog import scan_commitlog

    msgs = scan_commitlog(broker_store).messages
    if not msgs.height:
        pytest.skip("sample store has no messages yet")
    row = msgs.row(msgs.height // 2, named=True)
    by_id = storeview.search(msgs, storeview.parse_query(row["msg_id"]))
    assert row["phy_offset"] in by_id["phy_offset"].to_list()
    inside = storeview.search(msgs, storeview.parse_query(f"@{row['phy_offset'] + row['size'] - 1}"))
    assert inside["phy_offset"].to_list() == [row["phy_offset"]]
    if row["keys"]:
        key = row["keys"].split(" ")[0]
        by_key = storeview.search(msgs, storeview.Query("key", key))
        assert row["phy_offset"] in by_key["phy_offset"].to_list()
        assert all(key in k.split(" ") for k in by_key["keys"].to_list())
    topics = storeview.topics_frame(msgs)
    assert int(topics["messages"].sum()) == msgs.height


def test_untrusted_text_is_made_inert() -> None:
    assert fmt_value("a\x1b[31mred") == "a\u241b[31mred"
    text = legend_text([Span(0, 4, "TOPIC", "\x1b]0;pwned\x07")])
    assert "\x1b" not in text.plain and "\x07" not in text.plain


def test_hex_text_colours_spans_and_marks_focus() -> None:
    data = bytes(range(32))
    text = hex_text(data, 4096, [Span(4096, 4, "TOTALSIZE", "32")], focus=4100)
    assert text.plain.splitlines()[0].startswith("00001000  00 01 02 03 04")
    styles = {str(s.style) for s in text.spans}
    assert any("reverse" in s for s in styles)


def test_store_search_by_time_starts_at_first_message_at_or_after(broker_store: Path) -> None:
    from rmqinspect.parsers.commitlog import scan_commitlog

    msgs = scan_commitlog(broker_store).messages
    if not msgs.height:
        pytest.skip("sample store has no messages")
    ts = msgs["store_ts"].sort()
    target = ts[ts.len() // 2].replace(microsecond=0)
    out = storeview.search(msgs, storeview.parse_query("t " + target.strftime("%Y-%m-%d %H:%M:%S")), ts[0])
    assert out.height == int((msgs["store_ts"] >= target).sum())
    assert out["store_ts"].min() >= target


def test_store_search_after_the_last_message_finds_nothing(broker_store: Path) -> None:
    from rmqinspect.parsers.commitlog import scan_commitlog

    msgs = scan_commitlog(broker_store).messages
    out = storeview.search(msgs, storeview.parse_query("t 2999-01-01 00:00:00"), None)
    assert out.height == 0


def test_record_spans_tile_the_whole_record(broker_store: Path) -> None:
    """The hex view's field spans cover every byte of a real record exactly once, in order."""
    from rmqinspect.parsers.commitlog import read_record, scan_commitlog
    from rmqinspect.tui.record_spans import record_spans

    msgs = scan_commitlog(broker_store).messages
    if not msgs.height:
        pytest.skip("sample store has no messages")
    for phy in msgs["phy_offset"].head(20).to_list():
        rec = read_record(broker_store, phy)
        spans = record_spans(rec)
        pos = phy
        for sp in spans:
            assert sp.start == pos, sp
            pos += sp.length
        assert pos == phy + rec["size"]
        names = [sp.name for sp in spans]
        assert names[0] == "TOTALSIZE" and names[-1] == "PROPERTIES"
        topic = next(sp for sp in spans if sp.name == "TOPIC")
        assert rec["raw"][topic.start - phy : topic.start - phy + topic.length].decode() == rec["topic"]


def test_body_views_are_inert() -> None:
    from rmqinspect.tui.screens.message import body_text

    body = b'{"a": "\\u001b[31m", "b": [1, 2]}'
    js = body_text(body, "json").plain
    assert '"b": [' in js and "\x1b" not in js
    assert "\x1b" not in body_text(b"x\x1b[2Jy", "text").plain
    assert body_text(b"not json", "json").plain.startswith("not JSON")
    assert body_text(b"AB", "hex").plain.startswith("00000000  41 42")
