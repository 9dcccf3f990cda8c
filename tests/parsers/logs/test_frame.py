"""The line parser: every header layout, multi-line records, time zones — and properties (hypothesis)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmqinspect.parsers.logs import LINE_COLUMNS, lines_schema, parse_text
from rmqinspect.parsers.logs.frame import split_records
from rmqinspect.parsers.logs.layouts import HEAD_RE

# Real lines from the lab's 5.3.3 run (samples/rmq-5.3.3/*/logs/rocketmqlogs), one per server layout.
BROKER = "2026-11-28 08:11:24 INFO main - The broker[broker-a, 127.0.0.1:10911] boot success. serializeType=JSON and name server is 127.0.0.1:9876;127.0.0.1:9877"
STATS = "2026-11-28 08:12:22 INFO - [TOPIC_PUT_NUMS] [LabTopic] Stats In One Minute, SUM: 1200 TPS: 20.00 AVGPT: 1.00"
WATERMARK = "2026-11-28 08:12:22 - [WATERMARK] Send Queue Size: 0 SlowTimeMills: 0"
# 4.x client inner logging (apache/rocketmq#1959): milliseconds, logger name instead of thread.
CLIENT4 = "2020-04-24 15:21:30,030 INFO RocketmqClient - user specified name server address: 127.0.0.1:9876"
# 5.x client pattern from rmq.client.logback.xml (catalogue §1.7) — synthetic values, real layout.
CLIENT5 = "2024-03-05 14:07:31.123 INFO  [12345] [main] [c.x.Y#m:12] - client msg - with dash"


def one(text: str, file: str = "broker.log", **kw: object) -> dict[str, object]:
    df = parse_text(text, file=file, host="h", **kw)  # type: ignore[arg-type]
    assert df.height == 1, df
    return df.row(0, named=True)


def test_schema_is_the_published_one() -> None:
    df = parse_text(BROKER, file="broker.log", host="h")
    assert tuple(df.columns) == LINE_COLUMNS
    assert df.schema == pl.Schema(lines_schema())


def test_standard_layout_fields_and_gmt8() -> None:
    r = one(BROKER)
    assert r["ts"] == datetime(2026, 11, 28, 0, 11, 24, tzinfo=UTC)  # 08:11:24 GMT+8
    assert (r["level"], r["thread"]) == ("INFO", "main")
    assert r["message"].startswith("The broker[broker-a, 127.0.0.1:10911] boot success.")
    assert r["continuation"] is None


def test_stats_layout_has_level_but_no_thread() -> None:
    r = one(STATS, file="stats.log")
    assert (r["level"], r["thread"]) == ("INFO", None)
    assert r["message"].startswith("[TOPIC_PUT_NUMS]")


def test_watermark_layout_has_neither_level_nor_thread() -> None:
    r = one(WATERMARK, file="watermark.log")
    assert (r["level"], r["thread"]) == (None, None)
    assert r["message"] == "[WATERMARK] Send Queue Size: 0 SlowTimeMills: 0"


def test_proxy_watermark_layout_without_dash() -> None:
    r = one("2024-03-05 14:07:31 [WATERMARK] x", file="proxy_watermark.log")
    assert r["message"] == "[WATERMARK] x" and r["level"] is None


def test_client4_milliseconds_and_logger() -> None:
    r = one(CLIENT4, file="rocketmq_client.log", tz="+08:00")
    assert r["ts"] == datetime(2020, 4, 24, 7, 21, 30, 30000, tzinfo=UTC)
    assert (r["level"], r["thread"]) == ("INFO", "RocketmqClient")


def test_client5_padded_level_and_bracketed_thread() -> None:
    r = one(CLIENT5, file="rocketmq_client.log")
    assert (r["level"], r["thread"], r["message"]) == ("INFO", "main", "client msg - with dash")
    assert r["ts"].microsecond == 123000


def test_bracketed_header_synthetic() -> None:
    # No real bracketed 3.x line was found in public issues; this is a synthetic shape test.
    r = one("[2016-03-05 14:07:31] [WARN] main - bracketed")
    assert (r["level"], r["thread"], r["message"]) == ("WARN", "main", "bracketed")


def test_thread_names_with_spaces_and_dashes() -> None:
    r = one("2024-03-05 14:07:31 INFO Signal Dispatcher - x - y")
    assert (r["thread"], r["message"]) == ("Signal Dispatcher", "x - y")
    r = one("2022-07-26 22:23:13 WARN QuorumAckChecker-n1 - putMessage not in lock elapsed time(ms)=38044, bodyLength=179")
    assert r["thread"] == "QuorumAckChecker-n1"


def test_empty_message_keeps_the_record() -> None:
    r = one("2024-03-05 14:07:31 INFO main - ")
    assert r["message"] == "" and r["thread"] == "main"


def test_stack_trace_is_attached_to_its_head() -> None:
    text = (
        "2026-11-28 08:13:17 ERROR brokerOutApi_thread_1 - Failed to register current broker to name server. TargetHost=127.0.0.1:9877\n"
        "org.apache.rocketmq.remoting.exception.RemotingConnectException: connect to 127.0.0.1:9877 failed\n"
        "\tat org.apache.rocketmq.remoting.netty.NettyRemotingClient.invokeSync(NettyRemotingClient.java:1)\n"
        "2026-11-28 08:13:18 INFO main - next\n"
    )
    df = parse_text(text, file="broker.log", host="h")
    assert df["line_no"].to_list() == [1, 4]
    assert df["continuation"][0].splitlines() == text.splitlines()[1:3]
    assert df["continuation"][1] is None


def test_headless_prefix_becomes_a_null_ts_row() -> None:
    df = parse_text("\tat a.B.c(B.java:1)\n\tat d\n2024-03-05 14:07:31 INFO main - x\n", file="broker.log", host="h")
    assert df["ts"].to_list()[0] is None
    assert (df["message"][0], df["continuation"][0]) == ("\tat a.B.c(B.java:1)", "\tat d")
    assert df["line_no"].to_list() == [1, 3]


def test_crlf_line_ends_are_stripped() -> None:
    df = parse_text("2020-04-24 15:21:30,030 INFO RocketmqClient - a\r\nmore\r\n2020-04-24 15:21:31,000 INFO X - b\r\n", file="c.log", host="h")
    assert df["message"].to_list() == ["a", "b"]
    assert df["continuation"][0] == "more"


@pytest.mark.parametrize(
    ("tz", "hour"),
    [("GMT+8", 0), ("UTC", 8), ("+05:30", 3), ("GMT-3", 11), ("Asia/Shanghai", 0)],
)
def test_log_tz_override(tz: str, hour: int) -> None:
    r = one("2024-03-05 08:30:00 INFO main - x", tz=tz)
    assert r["ts"].hour == hour


def test_bad_tz_is_a_usage_error() -> None:
    from rmqinspect.errors import UsageError

    with pytest.raises(UsageError):
        parse_text(BROKER, file="broker.log", host="h", tz="Mars/Olympus")


def test_invalid_utf8_and_control_bytes_do_not_break_parsing() -> None:
    data = b"2024-03-05 14:07:31 INFO main - bad \xff\xfe bytes \x1b[31m\x00\n2024-03-05 14:07:32 INFO main - ok\n"
    df = parse_text(data, file="broker.log", host="h")
    assert df.height == 2
    assert "\ufffd" in df["message"][0] and "\x1b[31m" in df["message"][0]


# --- properties --------------------------------------------------------------------------------------

_levels = st.sampled_from(["INFO", "WARN", "ERROR", "DEBUG"])
_thread = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,20}", fullmatch=True)
_msg = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=80)
_cont = st.lists(st.from_regex(r"\t(at|\.\.\.) [a-z.]{0,30}", fullmatch=True), max_size=3)
_record = st.tuples(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1)), _levels, _thread, _msg, _cont
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_record, min_size=1, max_size=30))
def test_roundtrip_records(records: list[tuple[datetime, str, str, str, list[str]]]) -> None:
    """Whatever the message text, a written record comes back with the same fields and line numbers."""
    lines, expect_no = [], []
    for ts, lvl, thread, msg, cont in records:
        expect_no.append(len(lines) + 1)
        lines.append(f"{ts:%Y-%m-%d %H:%M:%S} {lvl} {thread} - {msg}")
        lines.extend(cont)
    df = parse_text("\n".join(lines) + "\n", file="broker.log", host="h", tz="UTC")
    assert df["line_no"].to_list() == expect_no
    assert df["level"].to_list() == [r[1] for r in records]
    assert df["thread"].to_list() == [r[2] for r in records]
    assert df["message"].to_list() == [r[3] for r in records]
    assert df["continuation"].to_list() == ["\n".join(r[4]) or None for r in records]
    assert df["ts"].to_list() == [r[0].replace(microsecond=0, tzinfo=UTC) for r in records]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=40), st.from_regex(HEAD_RE + r".{0,10}", fullmatch=True).map(str.encode)), max_size=40))
def test_head_detection_matches_the_regex(chunks: list[bytes]) -> None:
    """The byte-gather head detector agrees with HEAD_RE on arbitrary (binary) lines."""
    data = b"\n".join(c.replace(b"\n", b" ").replace(b"\r", b" ") for c in chunks) + b"\n"
    _heads, _, head_idx, _, _, n_lines, _ = split_records(data)
    text_lines = data.decode("utf-8", errors="replace").split("\n")[:-1]
    expected = [i for i, line in enumerate(text_lines) if re.match(HEAD_RE, line, re.ASCII)]
    assert head_idx.tolist() == expected
    assert n_lines == len(text_lines)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    df = parse_text(data, file="broker.log", host="h")
    assert df.schema == pl.Schema(lines_schema())
