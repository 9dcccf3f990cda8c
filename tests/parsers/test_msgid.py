"""Message ids: offset msgId (broker) and UNIQ_KEY (client), checked on the spec's worked example and on
every id the real lab producers received (manifest.json)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import load_manifest, sample_run_dirs
from hypothesis import given
from hypothesis import strategies as st

from rmqinspect.errors import UsageError
from rmqinspect.parsers.msgid import decode_offset_msg_id, decode_uniq_key, encode_offset_msg_id

RUNS = sample_run_dirs()


def test_spec_offset_msg_id() -> None:
    assert encode_offset_msg_id("192.168.1.20", 10911, 0) == "C0A8011400002A9F0000000000000000"
    d = decode_offset_msg_id("C0A8011400002A9F0000000000000000")
    assert (d.host, d.port, d.phy_offset, d.store_host) == ("192.168.1.20", 10911, 0, "192.168.1.20:10911")


def test_spec_uniq_key() -> None:
    u = decode_uniq_key("C0A8010A30391B6D35860A1B2C3D0001")
    assert (u.ip, u.pid, u.class_loader_hash, u.ms_in_month, u.counter) == ("192.168.1.10", 12345, 0x1B6D3586, 169552957, 1)
    # 169552957 ms ≈ 1 d 23 h 5 m after the start of the month
    born = int(datetime(2023, 11, 14, tzinfo=UTC).timestamp() * 1000)
    assert u.approx_born(born) == datetime(2023, 11, 2, 23, 5, 52, 957000, tzinfo=UTC)


def test_ipv6_ids_are_56_hex_chars() -> None:
    mid = encode_offset_msg_id("2001:db8::1", 10911, 1 << 40)
    assert len(mid) == 56
    d = decode_offset_msg_id(mid.lower())
    assert (d.host, d.port, d.phy_offset, d.store_host) == ("2001:db8::1", 10911, 1 << 40, "[2001:db8::1]:10911")
    u = decode_uniq_key("20010DB8000000000000000000000001" + "3039" + "1B6D3586" + "0A1B2C3D" + "FFFF")
    assert (u.ip, u.pid, u.counter) == ("2001:db8::1", 12345, 65535)


@pytest.mark.parametrize("bad", ["", "XYZ", "C0A8", "C0A8011400002A9F00000000000000", "G" * 32])
def test_malformed_ids_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        decode_offset_msg_id(bad)
    with pytest.raises(UsageError):
        decode_uniq_key(bad)


@given(a=st.integers(0, 2**32 - 1), port=st.integers(0, 65535), off=st.integers(0, 2**63 - 1))
def test_offset_msg_id_round_trips(a: int, port: int, off: int) -> None:
    import ipaddress

    host = str(ipaddress.IPv4Address(a))
    d = decode_offset_msg_id(encode_offset_msg_id(host, port, off))
    assert (d.host, d.port, d.phy_offset) == (host, port, off)


@pytest.mark.skipif(not RUNS, reason="no lab samples yet")
@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_real_ids_decode_to_the_lab_hosts(run) -> None:
    m = load_manifest(run)
    ports = {p["name"]: p["listen_port"] for p in m["processes"]}
    n = 0
    for s in m["sends"]:
        if s["status"] != "SEND_OK":
            continue
        u = decode_uniq_key(s["msg_id"])
        assert u.ip == "127.0.0.1"
        assert 0 <= u.ms_in_month < 31 * 86_400_000
        if s["offset_msg_id"]:
            d = decode_offset_msg_id(s["offset_msg_id"])
            assert d.port == ports[s["broker"]] and d.host == "127.0.0.1"
            assert encode_offset_msg_id(d.host, d.port, d.phy_offset) == s["offset_msg_id"]
            n += 1
    assert n > 0
