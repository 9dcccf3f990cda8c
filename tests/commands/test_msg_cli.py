"""``rmqinspect msg``: each route from the command line against manifest.json, JSON field names, errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rmqinspect.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import load_manifest, sample_run_dirs

RUNS = sample_run_dirs()
pytestmark = pytest.mark.skipif(not RUNS, reason="no lab samples yet")
FRAME_FIELDS = {"phy_offset", "queue_offset", "queue_id", "msg_id", "uniq_key", "topic", "store_ts", "born_ts",
                "store_host", "born_host", "sysflag", "body_len", "tags", "keys", "properties"}


def run(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    out = capsys.readouterr()
    return int(e.value.code or 0), out.out, out.err


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: p.name)
def send(request):
    m = load_manifest(request.param)
    s = next(x for x in m["sends"] if x["status"] == "SEND_OK" and x["kind"] == "normal" and x["keys"])
    return request.param / s["broker"] / "store", s


@pytest.mark.parametrize("how", ["id", "offset-id", "uniq", "key", "queue"])
def test_routes_find_the_same_message(send, how, capsys) -> None:
    store, s = send
    args = {"id": ["--id", s["msg_id"]], "offset-id": ["--id", s["offset_msg_id"]], "uniq": ["--uniq-key", s["msg_id"]],
            "key": ["--key", s["keys"][0], "--topic", s["topic"]],
            "queue": ["--topic", s["topic"], "--queue", str(s["queue_id"]), "--offset", str(s["queue_offset"])]}[how]
    code, out, _ = run(["msg", str(store), *args, "--json", "--no-recovery"], capsys)
    doc = json.loads(out)
    assert code == 0
    hit = [x for x in doc["messages"] if x["msg_id"] == s["offset_msg_id"]]
    assert hit and FRAME_FIELDS <= set(hit[0]) and hit[0]["body_sha256"] == s["body_sha256"]
    assert hit[0]["cq_entry_matches"] is True


def test_text_output_and_recovery(send, capsys) -> None:
    store, s = send
    code, out, _ = run(["msg", str(store), "--id", s["offset_msg_id"]], capsys)
    assert code == 0 and s["offset_msg_id"] in out and "Recovery point" in out and "within" in out


def test_time_range_json(send, capsys) -> None:
    store, _ = send
    code, out, _ = run(["msg", str(store), "--from", "0", "--to", str(2**62), "--limit", "5", "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["count"] == 5 and {"msg_id", "store_ts", "queue_offset"} <= set(doc["messages"][0])


@pytest.mark.parametrize("argv,needle", [
    (["--id", "nothex"], "malformed message id"),
    (["--id", "7F00000100002A9F00000000DEADBEEF", "--no-scan"], "no message"),
    (["--key", "k"], "needs --topic"),
    (["--id", "AA", "--phy-offset", "1"], "exactly one"),
    (["--phy-offset", "3"], "no record starts"),
])
def test_one_line_errors(send, argv, needle, capsys) -> None:
    store, _ = send
    code, _, err = run(["msg", str(store), *argv], capsys)
    assert code == 2 and needle in err and err.count("\n") == 1
