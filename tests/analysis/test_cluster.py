"""Cluster view of a whole lab run (each process folder taken as a host), checked against manifest.json."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rmqinspect.analysis.cluster import build_cluster, discover_host, parse_host_specs
from rmqinspect.errors import UsageError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import load_manifest, sample_run_dirs

RUNS = sample_run_dirs()
pytestmark = pytest.mark.skipif(not RUNS, reason="no lab samples yet")
SLACK = timedelta(seconds=1)  # log timestamps have 1 s resolution


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: p.name)
def lab(request: pytest.FixtureRequest):
    run_dir: Path = request.param
    m = load_manifest(run_dir)
    specs = [f"{p['name']}={run_dir / p['name']}" for p in m["processes"]]
    return m, build_cluster(specs, version=tuple(int(x) for x in m["rocketmq_version"].split(".")))


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def test_topology_matches_the_manifest(lab) -> None:
    m, rep = lab
    want = {(p["broker_name"], p["broker_id"], p["role"], f"127.0.0.1:{p['listen_port']}", f"127.0.0.1:{p['ha_port']}")
            for p in m["processes"] if p["kind"] == "broker"}
    got = {(b["broker_name"], b["broker_id"], b["role"], b["broker_addr"], b["ha_addr"]) for b in rep.brokers}
    assert got == want
    assert {b["cluster"] for b in rep.brokers} == {m["cluster"]}
    ns = {n["host"]: n for n in rep.namesrvs}
    for p in m["processes"]:
        if p["kind"] == "namesrv":
            assert ns[p["name"]]["port"] == p["listen_port"]
            assert ns[p["name"]]["addresses"] == [f"127.0.0.1:{p['listen_port']}"]
    assert not [f for f in rep.findings if f.severity == "error"]


def test_ha_pairs_and_final_lag(lab) -> None:
    m, rep = lab
    pairs = {(p["broker_name"], p["master"], p["slave"]) for p in rep.pairs}
    procs = {p["name"]: p for p in m["processes"]}
    want = set()
    for p in procs.values():
        if p["kind"] == "broker" and p["role"] == "SLAVE":
            master = next(q for q in procs.values() if q["broker_name"] == p["broker_name"] and q["broker_id"] == 0)
            want.add((p["broker_name"], f"127.0.0.1:{master['listen_port']}", f"127.0.0.1:{p['listen_port']}"))
    assert pairs == want
    for p in rep.pairs:  # slaves were stopped after their masters went quiet: fully caught up
        assert p["verdict"].startswith("IN SYNC") and p["lag_bytes"] == 0


def test_every_broker_registered_with_every_namesrv(lab) -> None:
    m, rep = lab
    reg = rep.registrations
    brokers = {f"127.0.0.1:{p['listen_port']}" for p in m["processes"] if p["kind"] == "broker"}
    nss = {p["name"] for p in m["processes"] if p["kind"] == "namesrv"}
    seen = {(r["broker_addr"], r["namesrv_host"]) for r in reg.iter_rows(named=True) if r["first_registered"] is not None}
    assert seen == {(b, n) for b in brokers for n in nss}


def test_incidents_bracket_the_staged_events(lab) -> None:
    """Each staged stop/kill lies between the process's last log line and the start of its next boot."""
    m, rep = lab
    restarts = {i["host"]: i for i in rep.incidents if i["kind"] in ("restart", "crash_restart", "clean_restart")}
    for inc in m["incidents"]:
        if inc["type"] in ("kill_master", "stop_slave", "stop_namesrv"):
            r = restarts[inc["process"]]
            t = _utc(inc["ts_ms"])
            assert r.get("last_seen", r["ts"]) - SLACK <= t
            if "restart_began" in r:
                assert t <= r["restart_began"] + SLACK
        if inc["type"] == "kill_master":
            assert restarts[inc["process"]]["kind"] == "crash_restart"


def test_slave_resumes_at_the_recovered_offset(lab) -> None:
    """After the master's kill -9 and restart, its slave asks for the offset the restarted master recovered to."""
    m, rep = lab
    killed = next(i["process"] for i in m["incidents"] if i["type"] == "kill_master")
    res = [i for i in rep.incidents if i["kind"] == "ha_slave_resumed" and i["host"] == killed]
    assert res and f"offset {m['recovered_max_phy_offset']}" in res[0]["detail"]


def test_timeline_is_utc_and_ordered(lab) -> None:
    m, rep = lab
    ts = rep.timeline["ts"].to_list()
    assert ts == sorted(ts)
    first = min(_utc(p) for p in [s["send_ts_ms"] for s in m["sends"]])
    boots = rep.timeline.filter(rep.timeline["type"] == "broker_boot")["ts"].to_list()
    assert min(boots) < first  # brokers booted before the first send (GMT+8 read correctly)
    assert all(abs((b - first).total_seconds()) < 3600 for b in boots)


def test_wrong_time_zone_shifts_everything(lab) -> None:
    m, _ = lab
    run_dir = next(r for r in RUNS if load_manifest(r)["created_utc"] == m["created_utc"])
    a = build_cluster([f"x={run_dir / 'broker-c'}"], stores=False)
    b = build_cluster([f"x={run_dir / 'broker-c'}"], tz="UTC", stores=False)
    assert (b.timeline["ts"][0] - a.timeline["ts"][0]) == timedelta(hours=8)


def test_host_spec_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        parse_host_specs([f"h={tmp_path / 'missing'}"])
    with pytest.raises(UsageError):
        parse_host_specs([f"h={tmp_path}", f"h={tmp_path}"])
    with pytest.raises(UsageError):
        build_cluster([f"h={tmp_path}"])
    (tmp_path / "x" / "logs" / "rocketmqlogs").mkdir(parents=True)
    (tmp_path / "x" / "logs" / "rocketmqlogs" / "broker.log").write_text("")
    ev = discover_host("h", tmp_path)
    assert ev.log_dirs == [tmp_path / "x" / "logs" / "rocketmqlogs"]


def test_staged_slave_outage_shows_in_the_logged_ha_lag(lab) -> None:
    """The master of the slave that was stopped logs a non-zero "slave fall behind" after the stop (the
    catch-up); the other pair stays at zero."""
    m, rep = lab
    stop = next(i for i in m["incidents"] if i["type"] == "stop_slave")
    name = next(p["broker_name"] for p in m["processes"] if p["name"] == stop["process"])
    pair = next(p for p in rep.pairs if p["broker_name"] == name)
    assert pair["max_logged_ha_lag_bytes"] > 0
    assert pair["max_logged_ha_lag_at"] >= _utc(stop["ts_ms"]) - SLACK


def test_a_store_alone_names_its_broker(lab) -> None:
    m, _ = lab
    run_dir = next(r for r in RUNS if load_manifest(r)["created_utc"] == m["created_utc"])
    c = next(p for p in m["processes"] if p["name"] == "broker-c")
    rep = build_cluster([f"h={run_dir / 'broker-c' / 'store'}"], stores=False)
    assert [b["broker_addr"] for b in rep.brokers] == [f"127.0.0.1:{c['listen_port']}"]
