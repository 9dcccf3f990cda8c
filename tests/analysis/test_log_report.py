"""The report answers the incident questions from events: registrations/absences, lag, latency, recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from rmqinspect.analysis.events import extract_events
from rmqinspect.analysis.log_report import (
    boots,
    build_report,
    errors,
    ha_outages,
    lag,
    namesrv_view,
    perf_counters,
    register_gaps,
    registrations,
    role_changes,
)
from rmqinspect.parsers.logs import parse_text, read_lines

PUBLIC = Path(__file__).resolve().parents[1] / "fixtures" / "public_lines"


def ev_of(text: str, file: str = "broker.log", host: str = "h") -> pl.DataFrame:
    return extract_events(parse_text(text, file=file, host=host))


def test_registration_cadence_gap_and_failures() -> None:
    # 4.x wording (B2', B3); a 5-minute silence towards one name server between 00:01 and 00:06
    text = "\n".join([
        "2024-03-05 08:00:00 INFO brokerOutApi_thread_1 - register broker[0]to name server ns1:9876 OK",
        "2024-03-05 08:00:30 INFO brokerOutApi_thread_1 - register broker[0]to name server ns1:9876 OK",
        "2024-03-05 08:01:00 INFO brokerOutApi_thread_1 - register broker[0]to name server ns1:9876 OK",
        "2024-03-05 08:01:30 WARN brokerOutApi_thread_2 - registerBroker Exception, ns1:9876",
        "org.apache.rocketmq.remoting.exception.RemotingConnectException: connect to ns1:9876 failed",
        "2024-03-05 08:06:00 INFO brokerOutApi_thread_1 - register broker[0]to name server ns1:9876 OK",
    ])  # fmt: skip
    ev = ev_of(text)
    r = registrations(ev).row(0, named=True)
    assert (r["ok"], r["failures"], r["cadence_s"], r["max_gap_s"]) == (4, 1, 30.0, 300)
    assert r["exception"] == "org.apache.rocketmq.remoting.exception.RemotingConnectException"
    g = register_gaps(ev).row(0, named=True)
    assert (g["from"], g["to"], g["gap_s"]) == (
        datetime(2024, 3, 5, 0, 1, tzinfo=UTC), datetime(2024, 3, 5, 0, 6, tzinfo=UTC), 300)  # fmt: skip


def test_boots_clean_vs_crash() -> None:
    b1 = "The broker[broker-a, 10.0.0.1:10911] boot success. serializeType=JSON"
    text = "\n".join([
        f"2024-03-05 08:00:00 INFO main - {b1}",
        "2024-03-05 09:00:00 INFO ShutdownHook - Shutdown hook was invoked, 1",
        f"2024-03-05 09:01:00 INFO main - {b1}",
        f"2024-03-05 10:00:00 INFO main - {b1}",
    ])  # fmt: skip
    store = "2024-03-05 10:00:00 INFO main - last shutdown abnormally"
    ev = pl.concat([ev_of(text), ev_of(store, file="store.log")])
    assert boots(ev)["previous_stop"].to_list() == ["first in logs", "clean (shutdown hook)", "crash (no shutdown hook)"]
    assert boots(ev)["store_abnormal"].to_list() == [False, False, True]


def test_namesrv_view_and_flapping() -> None:
    lines = []
    for i in range(3):
        lines.append(f"2024-03-05 08:{i * 5:02d}:00 INFO X - new broker registered, 10.0.0.1:10911 HAServer: 10.0.0.1:10912")
        lines.append(f"2024-03-05 08:{i * 5 + 2:02d}:00 WARN NSScheduledThread1 - The broker channel expired, 10.0.0.1:10911 120000ms")
    v = namesrv_view(ev_of("\n".join(lines), file="namesrv.log", host="ns")).row(0, named=True)
    assert (v["registered"], v["expired"], v["flapping"]) == (3, 3, True)


def test_lag_series_from_public_issue_lines() -> None:
    ev = extract_events(read_lines(PUBLIC / "apache-rocketmq-1767-broker.log", host="h"))  # apache/rocketmq#1767
    summary, series = lag(ev)
    r = summary.row(0, named=True)
    assert series["bytes"].to_list() == [668, 1015, 1362]
    assert (r["max_bytes"], r["max_at"]) == (1362, datetime(2021, 8, 24, 12, 23, 17, tzinfo=UTC))


def test_outage_window_from_ha_lines() -> None:
    text = "\n".join([
        "2020-11-10 18:47:17 WARN ReadSocketService - ha housekeeping, found this connection[/10.8.130.121:58620] expired, 20020",
        "2020-11-10 18:47:27 INFO AcceptSocketService - HAService receive new connection, /10.8.130.121:59356",
    ])  # fmt: skip  (first line: apache/rocketmq#2427; second shifted by 10 s)
    o = ha_outages(ev_of(text, file="store.log")).row(0, named=True)
    assert (o["reason"], o["seconds"], o["peer"]) == ("H5", 10.0, "/10.8.130.121:58620")


def test_role_changes_drop_no_change_repeats() -> None:
    text = "\n".join([
        "2026-11-28 08:11:40 INFO X - update master address, OLD: null NEW: 127.0.0.1:10911",
        "2026-11-28 08:11:50 INFO X - update master address, OLD: 127.0.0.1:10911 NEW: 127.0.0.1:10911",
    ])  # fmt: skip
    assert role_changes(ev_of(text, file="store.log")).height == 1


def test_perf_counter_worst_p99_and_sentinel() -> None:
    text = "\n".join([
        "2026-11-28 08:12:41 INFO FlushRealTimeService - PERF_COUNTER_FLUSH_DATA_TIME_MS[2026-11-28 00:12:41.447] num:20 cost:10187 tps:1.9731 min:0 max:164 tp50:0 tp80:0 tp90:0 tp99:164 tp999:164 0_1:19 2_5:0 6_10:0 11_50:0 51_100:0 101_500:1 501_999:0 1000_:0",
        "2026-11-28 08:12:49 INFO FlushRealTimeService - PERF_COUNTER_FLUSH_DATA_TIME_MS[2026-11-28 00:12:49.688] num:20 cost:10060 tps:1.9980 min:0 max:99999999 tp50:0 tp80:0 tp90:0 tp99:0 tp999:0 0_1:20 2_5:0 6_10:0 11_50:0 51_100:0 101_500:0 501_999:0 1000_:0",
    ])  # fmt: skip  (lab 5.3.3)
    r = perf_counters(ev_of(text, file="store.log")).row(0, named=True)
    assert (r["windows"], r["samples"], r["worst_p99_ms"], r["max_ms"]) == (2, 40, 164.0, 164)


def test_errors_grouped_by_exception_class() -> None:
    lines = read_lines(PUBLIC, host="pub")
    e = errors(lines)
    got = dict(zip(e["exception"].to_list(), e["count"].to_list(), strict=True))
    assert got["java.io.IOException"] == 1  # alibaba/rocketmq#388
    assert got["org.apache.rocketmq.remoting.exception.RemotingConnectException"] == 1  # rocketmq-clients#742
    top = e.row(0, named=True)
    assert top["count"] == 12 and top["example"].startswith("putMessage not in lock eclipse time(ms)=4128")


@pytest.mark.skipif(not list((Path(__file__).resolve().parents[2] / "samples").glob("rmq-4.9.7/manifest.json")),
                    reason="no 4.9.7 lab sample")  # fmt: skip
def test_report_answers_the_three_questions_on_the_497_sample() -> None:
    """When was each broker registered/absent, how far did the slave fall behind and when, what were p99s."""
    from conftest import load_manifest

    run = Path(__file__).resolve().parents[2] / "samples" / "rmq-4.9.7"
    m = load_manifest(run)
    lines = pl.concat([read_lines(run / p["log_dir"], host=p["name"]) for p in m["processes"]])
    rep = build_report(extract_events(lines), lines)
    regs = rep["topology"]["registrations"]
    assert set(regs["host"]) == {p["name"] for p in m["processes"] if p["kind"] == "broker"}
    stop = next(i for i in m["incidents"] if i["type"] == "stop_namesrv")
    ns = next(p for p in m["processes"] if p["name"] == stop["process"])
    down = regs.filter(pl.col("namesrv_addr") == f"127.0.0.1:{ns['listen_port']}")
    t_stop = datetime.fromtimestamp(stop["ts_ms"] / 1000, UTC)
    assert (down["failures"] > 0).all()
    assert ((down["first_failure"] - t_stop).abs() < timedelta(seconds=35)).all()
    lag_tbl = rep["replication"]["lag"]
    slave_stop = next(i for i in m["incidents"] if i["type"] == "stop_slave")
    master = next(p["name"] for p in m["processes"]
                  if p["broker_name"] == next(q for q in m["processes"] if q["name"] == slave_stop["process"])["broker_name"]
                  and p["broker_id"] == 0)  # fmt: skip
    row = lag_tbl.filter(pl.col("host") == master).row(0, named=True)
    assert row["max_bytes"] > 0
    pc = rep["latency"]["put_percentiles"]
    assert pc.height >= 1 and (pc["max_p99_ms"] >= 0).all()
