"""Bad input never breaks the real CLI.

Runs the installed ``rmqinspect`` in a subprocess over a matrix of damaged COPIES of the real samples
(samples/ is never touched) and checks, for every case, the product's promises:

- the exit code is documented (0, 1, 2; 130 only on Ctrl-C) and never 3 (internal error = a bug);
- no "Traceback" anywhere; an exit-2 message is short (``rmqinspect: …`` or typer's usage error);
- no raw ESC/BEL/C1 byte on stdout or stderr (NO_COLOR=1, TERM=dumb so our own styling emits none), and
  injected Rich markup comes out literally;
- ``--json`` output parses; a damaged store yields a finding (or a one-line error);
- the analysed directory is byte-for-byte, mtime-for-mtime and listing-for-listing unchanged.

Each case is one CLI run (one test id) so a product bug marks exactly one case ``xfail(strict=True)``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import struct
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from robustness_helpers import (
    CLI,
    ESC_PAYLOAD,
    LINK_PAYLOAD,
    MARKUP_PAYLOAD,
    SAMPLES,
    assert_markup_inert,
    check_result,
    cli_env,
    commitlog_files,
    copy_tree,
    gzip_truncated,
    patch,
    records,
    run_cli,
    set_property,
    snapshot,
    snapshot_diff,
)

V5 = SAMPLES / "rmq-5.3.3"
V4 = SAMPLES / "rmq-4.9.7"

pytestmark = pytest.mark.skipif(not (V5 / "manifest.json").is_file(), reason="samples/rmq-5.3.3 missing")


# --- pristine copies (session) -------------------------------------------------------------------------


@dataclass
class Pristine:
    root: Path
    master: Path  # 5.3.3 broker-a/store (clean shutdown)
    slave: Path  # 5.3.3 broker-a-s/store
    master_b: Path  # 5.3.3 broker-b/store
    v4: Path  # 4.9.7 broker-a/store
    logs: Path  # a small log dir: broker.log + store.log of 5.3.3 broker-a
    props: Path  # 5.3.3 broker-a/broker.properties
    baseline_findings: set[tuple[str, str]] = field(default_factory=set)


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Pristine:
    root = tmp_path_factory.mktemp("robust-pristine")
    logs = root / "logs"
    logs.mkdir()
    for name in ("broker.log", "store.log"):
        shutil.copy2(V5 / "broker-a/logs/rocketmqlogs" / name, logs / name)
    p = Pristine(
        root=root,
        master=copy_tree(V5 / "broker-a/store", root / "master"),
        slave=copy_tree(V5 / "broker-a-s/store", root / "slave"),
        master_b=copy_tree(V5 / "broker-b/store", root / "master_b"),
        v4=copy_tree(V4 / "broker-a/store", root / "v4") if (V4 / "broker-a/store").is_dir() else root / "v4",
        logs=logs,
        props=Path(shutil.copy2(V5 / "broker-a/broker.properties", root / "broker.properties")),
    )
    r = run_cli(["store", str(p.master), "--json"], cwd=root)
    check_result(r, {0, 1}, json_out=True)
    p.baseline_findings = {(f["check"], f["file"]) for f in json.loads(r.out)["findings"]}
    return p


# --- the case table ------------------------------------------------------------------------------------


@dataclass
class Run:
    argv: list[str]
    allowed: set[int]
    watch: list[Path]  # directories/files that must not change
    json_out: bool = False
    needs_finding: bool = False  # store --json: damage must show as a new finding (or exit 2)
    inert: bool = False  # injected markup must come out literally
    timeout: float = 90


Builder = Callable[[Path, Pristine], Run]
CASES: list = []


def case(case_id: str, xfail: str | None = None) -> Callable[[Builder], Builder]:
    def deco(fn: Builder) -> Builder:
        marks = [pytest.mark.xfail(reason=f"BUG: {xfail}", strict=True)] if xfail else []
        CASES.append(pytest.param(fn, id=case_id, marks=marks))
        return fn

    return deco


def damaged_store(tmp: Path, P: Pristine, damage: Callable[[Path], None], *, extra: tuple[str, ...] = ()) -> Run:
    s = copy_tree(P.master, tmp / "store")
    damage(s)
    return Run(["store", str(s), "--json", *extra], {1, 2}, [s], json_out=True, needs_finding=True)


def _mid_file(s: Path) -> Path:
    return commitlog_files(s)[1]


def _rec(s: Path, i: int = 5):
    return records(_mid_file(s))[i]


# store: unusable paths


@case("store-missing-path")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["store", str(tmp / "nope")], {2}, [tmp])


@case("store-file-not-dir")
def _(tmp: Path, P: Pristine) -> Run:
    f = tmp / "afile"
    f.write_bytes(b"not a store\n")
    return Run(["store", str(f), "--json"], {2}, [f])


@case("store-empty-dir")
def _(tmp: Path, P: Pristine) -> Run:
    d = tmp / "empty"
    d.mkdir()
    return Run(["store", str(d), "--json"], {1, 2}, [d], json_out=True)


@case("store-not-a-store")
def _(tmp: Path, P: Pristine) -> Run:
    d = tmp / "junk"
    (d / "sub").mkdir(parents=True)
    (d / "hello.txt").write_text("hi")
    (d / "sub" / "x.bin").write_bytes(os.urandom(1000))
    return Run(["store", str(d), "--json"], {1, 2}, [d], json_out=True)


@case("store-commitlog-is-a-file")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        shutil.rmtree(s / "commitlog")
        (s / "commitlog").write_bytes(b"\0" * 100)

    return damaged_store(tmp, P, dmg)


@case("store-commitlog-empty-dir")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        for f in commitlog_files(s):
            f.unlink()

    return damaged_store(tmp, P, dmg)


# store: commitlog damage


@case("cl-truncated-mid-record")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        r = _rec(s)
        os.truncate(r.file, r.pos + r.total // 2)

    return damaged_store(tmp, P, dmg)


@case("cl-last-file-truncated-mid-record")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        r = records(commitlog_files(s)[-1])[3]
        os.truncate(r.file, r.pos + 30)

    return damaged_store(tmp, P, dmg)


@case("cl-file-wrong-length-longer")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        with open(_mid_file(s), "ab") as f:
            f.write(b"\0" * 100)

    return damaged_store(tmp, P, dmg)


@case("cl-file-zero-length")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: os.truncate(_mid_file(s), 0))


@case("cl-zeroed-4k-page")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: patch(_mid_file(s), 8192, b"\0" * 4096))


@case("cl-wrong-magic")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: patch(_mid_file(s), _rec(s).pos + 4, bytes.fromhex("deadbeef")))


@case("cl-totalsize-negative")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: patch(_mid_file(s), _rec(s).pos, struct.pack(">i", -5)))


@case("cl-totalsize-huge")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: patch(_mid_file(s), _rec(s).pos, struct.pack(">i", 0x7FFFFFFF)))


@case("cl-totalsize-zero")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: patch(_mid_file(s), _rec(s).pos, struct.pack(">i", 0)))


@case("cl-totalsize-tiny")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: patch(_mid_file(s), _rec(s).pos, struct.pack(">i", 9)))


@case("cl-stale-record-phyoffset")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        r = _rec(s)
        (phy,) = struct.unpack_from(">q", r.file.read_bytes(), r.pos + 28)
        patch(r.file, r.pos + 28, struct.pack(">q", phy + (1 << 20)))

    return damaged_store(tmp, P, dmg)


@case("cl-bodylen-absurd")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: patch(_mid_file(s), _rec(s).pos + 68 + 16, struct.pack(">i", 0x7FFFFFF0)))


@case("cl-topiclen-absurd")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: patch(_mid_file(s), _rec(s).topic_at - 1, b"\xff"))


@case("cl-proplen-negative")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: patch(_mid_file(s), _rec(s).props_at - 2, struct.pack(">h", -7)))


@case("cl-garbage-filenames")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        (s / "commitlog" / "notanumber").write_bytes(b"x" * 10)
        (s / "commitlog" / "00000000000000000001").write_bytes(os.urandom(4096))
        (s / "commitlog" / "subdir").mkdir()

    return damaged_store(tmp, P, dmg)


@case("cl-dangling-symlink")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        last = commitlog_files(s)[-1]
        nxt = int(last.name) + last.stat().st_size
        (s / "commitlog" / f"{nxt:020d}").symlink_to(tmp / "does-not-exist")

    return damaged_store(tmp, P, dmg)


@case("cl-v497-zeroed-page")
def _(tmp: Path, P: Pristine) -> Run:
    if not P.v4.is_dir():
        pytest.skip("no 4.9.7 sample")
    s = copy_tree(P.v4, tmp / "store4")
    patch(commitlog_files(s)[0], 4096, b"\0" * 4096)
    return Run(["store", str(s), "--json", "--broker-version", "4.9.7"], {1, 2}, [s], json_out=True)


# store: consume queue, index, checkpoint, config, abort/lock


@case("cq-truncated-non-multiple-of-20")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: os.truncate(s / "consumequeue/LabTopic/0/00000000000000000000", 1993))


@case("cq-random-units")
def _(tmp: Path, P: Pristine) -> Run:
    rnd = random.Random(7)
    return damaged_store(
        tmp, P, lambda s: (s / "consumequeue/LabTopic/1/00000000000000000000").write_bytes(rnd.randbytes(2000))
    )


@case("cq-bad-layout")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        (s / "consumequeue/LabTopic/notanumber").mkdir()
        (s / "consumequeue/LabTopic/notanumber/zzz").write_bytes(b"\1" * 20)
        (s / "consumequeue/stray-file").write_bytes(b"\2" * 7)
        (s / "consumequeue/LabTopic/2/garbage-name").write_bytes(b"\3" * 20)

    return damaged_store(tmp, P, dmg)


@case("index-truncated")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: os.truncate(sorted((s / "index").iterdir())[0], 30), extra=("--index-check", "full"))


@case("index-garbage-header")
def _(tmp: Path, P: Pristine) -> Run:
    rnd = random.Random(11)
    return damaged_store(
        tmp, P, lambda s: patch(sorted((s / "index").iterdir())[1], 0, rnd.randbytes(40)), extra=("--index-check", "full")
    )


@case("index-all-garbage")
def _(tmp: Path, P: Pristine) -> Run:
    rnd = random.Random(12)

    def dmg(s: Path) -> None:
        f = sorted((s / "index").iterdir())[2]
        f.write_bytes(rnd.randbytes(f.stat().st_size))

    return damaged_store(tmp, P, dmg, extra=("--index-check", "full"))


@case("checkpoint-truncated")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: os.truncate(s / "checkpoint", 10))


@case("checkpoint-empty")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: os.truncate(s / "checkpoint", 0))


@case("checkpoint-all-ff")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: (s / "checkpoint").write_bytes(b"\xff" * 4096))


@case("checkpoint-huge-timestamps")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, lambda s: patch(s / "checkpoint", 0, b"\x7f" * 24))


def _garbage_config(s: Path) -> None:
    cfg = s / "config"
    (cfg / "topics.json").write_bytes(b'{"topicConfigTable": {"LabTopic": {"readQueueNums": ')
    (cfg / "topics.json.bak").write_bytes(b"\xff\xfe\x00garbage\x1b[31m")
    (cfg / "consumerOffset.json").write_bytes(b"\x00" * 64)
    (cfg / "consumerOffset.json.bak").write_bytes(b"{{{{")


@case("config-garbage-json-and-bak")
def _(tmp: Path, P: Pristine) -> Run:
    return damaged_store(tmp, P, _garbage_config)


@case("config-wrong-json-types")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        cfg = s / "config"
        (cfg / "topics.json").write_text("[1, 2, 3]")
        (cfg / "consumerOffset.json").write_text(
            '{"offsetTable": {"LabTopic@g": {"0": "notanumber", "x": -5, "1": 1e400}, "noat": 5}}'
        )
        (cfg / "subscriptionGroup.json").write_text("null")
        (cfg / "delayOffset.json").write_text('{"offsetTable": 5}')

    return damaged_store(tmp, P, dmg)


@case("config-json-is-a-dir")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        (s / "config/topics.json").unlink()
        (s / "config/topics.json").mkdir()
        (s / "config/consumerOffset.json").unlink()
        (s / "config/consumerOffset.json").symlink_to(tmp / "nowhere")

    return damaged_store(tmp, P, dmg)


@case("abort-and-lock-garbage")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        (s / "abort").write_bytes(os.urandom(33))
        if (s / "lock").exists():
            (s / "lock").unlink()
        (s / "lock").mkdir()

    run = damaged_store(tmp, P, dmg)
    run.needs_finding = False  # an abort file is news, but garbage in it need not be
    return run


@case("store-fifo-in-config")
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        (s / "config/topics.json").unlink()
        os.mkfifo(s / "config/topics.json")

    run = damaged_store(tmp, P, dmg)
    run.timeout = 40
    run.needs_finding = False
    return run


# store/msg/export: injected terminal escapes and Rich markup in real records


@dataclass
class Injected:
    store: Path
    keys_phy: int
    uniq_phy: int
    topic_esc_phy: int
    topic_markup_phy: int
    body_phy: int


def inject_store(tmp: Path, P: Pristine) -> Injected:
    s = copy_tree(P.master, tmp / "store")
    f0 = commitlog_files(s)[0]
    base = int(f0.name)
    recs = records(f0)
    with_keys = [r for r in recs if b"KEYS\x01" in r.props and len(r.props.split(b"KEYS\x01")[1].split(b"\x02")[0]) >= 24]
    k = with_keys[0]
    set_property(k, b"KEYS", "\x1b]0;pwn\x07[bold]RMQMARK[/]")
    u = recs[-3]
    set_property(u, b"UNIQ_KEY", ESC_PAYLOAD[:20] + "[b]RMQUNIQ[/]")
    t1, t2, b = recs[-4], recs[-5], recs[-6]
    assert len(t1.topic) == len(t2.topic) == 8, (t1.topic, t2.topic)
    patch(f0, t1.topic_at, b"\x1b]0;pw\x07Z")
    patch(f0, t2.topic_at, b"[i]Zq[/]")
    body = (ESC_PAYLOAD + MARKUP_PAYLOAD + LINK_PAYLOAD).encode()
    bh_sh = 16
    (body_len,) = struct.unpack_from(">i", f0.read_bytes(), b.pos + 68 + bh_sh)
    patch(f0, b.pos + 72 + bh_sh, body[:body_len])
    return Injected(s, base + k.pos, base + u.pos, base + t1.pos, base + t2.pos, base + b.pos)


def _inj(argv: Callable[[Injected], list[str]], *, json_out: bool = False, allowed: set[int] = {0, 1}) -> Builder:  # noqa: B006
    def build(tmp: Path, P: Pristine) -> Run:
        inj = inject_store(tmp, P)
        return Run(argv(inj), allowed, [inj.store], json_out=json_out, inert=not json_out)

    return build


for _cid, _argv, _json in [
    ("inject-store-human", lambda i: ["store", str(i.store)], False),
    ("inject-store-json", lambda i: ["store", str(i.store), "--json"], True),
    ("inject-msg-keys-human", lambda i: ["msg", str(i.store), "--phy-offset", str(i.keys_phy), "--no-recovery"], False),
    ("inject-msg-uniq-human", lambda i: ["msg", str(i.store), "--phy-offset", str(i.uniq_phy), "--no-recovery"], False),
    ("inject-msg-topic-esc-human", lambda i: ["msg", str(i.store), "--phy-offset", str(i.topic_esc_phy)], False),
    ("inject-msg-topic-markup-human", lambda i: ["msg", str(i.store), "--phy-offset", str(i.topic_markup_phy)], False),
    (
        "inject-msg-body-text-human",
        lambda i: ["msg", str(i.store), "--phy-offset", str(i.body_phy), "--body", "text", "--no-recovery"],
        False,
    ),
    ("inject-msg-body-json", lambda i: ["msg", str(i.store), "--phy-offset", str(i.body_phy), "--json"], True),
    ("inject-msg-by-key-human", lambda i: ["msg", str(i.store), "--key", "RMQMARK", "--topic", "LabTopic"], False),
    (
        "inject-export-ndjson-stdout",
        lambda i: ["export", str(i.store), "--what", "messages", "--format", "ndjson", "-o", "-"],
        False,
    ),
]:
    CASES.append(pytest.param(_inj(_argv, json_out=_json, allowed={0, 1, 2} if "by-key" in _cid else {0, 1}), id=_cid))


# msg: bad selectors on a shared, intact store copy


def _msg(*args: str, allowed: set[int] = {2}) -> Builder:  # noqa: B006
    def build(tmp: Path, P: Pristine) -> Run:
        return Run(["msg", str(P.master), *args], allowed, [P.master])

    return build


for _cid, _builder in [
    ("msg-malformed-id", _msg("--id", "zzzz-not-an-id")),
    ("msg-malformed-id-odd-hex", _msg("--id", "7F0000010000")),
    ("msg-unknown-uniq-key", _msg("--id", "0123456789ABCDEF0123456789ABCDEF", "--no-recovery", allowed={1, 2})),
    ("msg-unknown-offset-msgid", _msg("--id", "7F00000100002A9F000000E8D4A51000", "--no-recovery", allowed={1, 2})),
    ("msg-phy-offset-negative", _msg("--phy-offset", "-1", allowed={1, 2})),
    ("msg-phy-offset-mid-record", _msg("--phy-offset", "123", "--no-recovery", allowed={1, 2})),
    ("msg-phy-offset-huge", _msg("--phy-offset", str(1 << 62), "--no-recovery", allowed={1, 2})),
    ("msg-no-selector", _msg()),
    ("msg-key-without-topic", _msg("--key", "k5")),
    ("msg-bad-from", _msg("--from", "yesterday-ish", "--to", "now")),
    ("msg-bad-tz", _msg("--from", "2026-11-28T00:00", "--to", "2026-11-28T01:00", "--tz", "Not/AZone")),
    ("msg-queue-offset-beyond", _msg("--topic", "LabTopic", "--queue", "0", "--offset", "99999999", allowed={1, 2})),
    ("msg-unknown-topic-queue", _msg("--topic", "NoSuch", "--queue", "77", "--offset", "0", allowed={1, 2})),
    ("msg-bad-body-mode", _msg("--phy-offset", "0", "--body", "bogus")),
]:
    CASES.append(pytest.param(_builder, id=_cid))


@case("msg-missing-store")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["msg", str(tmp / "nope"), "--id", "0123456789ABCDEF0123456789ABCDEF"], {2}, [tmp])


@case("msg-damaged-store-json")
def _(tmp: Path, P: Pristine) -> Run:
    s = copy_tree(P.master, tmp / "store")
    r = _rec(s)
    patch(r.file, r.pos, struct.pack(">i", -5))
    return Run(["msg", str(s), "--phy-offset", str(int(r.file.name) + r.pos), "--json"], {1, 2}, [s], json_out=True)


# diff


@case("diff-two-masters")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["diff", str(P.master), str(P.master_b), "--json"], {1, 2}, [P.master, P.master_b], json_out=True)


@case("diff-same-dir")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["diff", str(P.master), str(P.master), "--json"], {0, 1, 2}, [P.master], json_out=True)


@case("diff-missing-dir")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["diff", str(P.master), str(tmp / "nope")], {2}, [P.master])


@case("diff-slave-is-a-file")
def _(tmp: Path, P: Pristine) -> Run:
    f = tmp / "afile"
    f.write_text("x")
    return Run(["diff", str(P.master), str(f)], {2}, [P.master, f])


@case("diff-damaged-slave")
def _(tmp: Path, P: Pristine) -> Run:
    s = copy_tree(P.slave, tmp / "slave")
    patch(commitlog_files(s)[0], 8192, b"\0" * 4096)
    os.truncate(s / "checkpoint", 7)
    return Run(["diff", str(P.master), str(s), "--json"], {1, 2}, [P.master, s], json_out=True)


# config


@case("config-garbage-text")
def _(tmp: Path, P: Pristine) -> Run:
    f = tmp / "garbage.properties"
    f.write_bytes(
        b"=\n:::\n\\\nkey=\\uZZZZ\nbrokerId=abc\nlistenPort=999999999999999999999999\nbrokerRole=KING\n"
        b"mappedFileSizeCommitLog=-1\nflushDiskType=\nstorePathRootDir\n\\u0000=\\"
    )
    return Run(["config", str(f), "--json"], {0, 1, 2}, [f], json_out=True)


@case("config-binary-file")
def _(tmp: Path, P: Pristine) -> Run:
    f = tmp / "bin.properties"
    f.write_bytes(random.Random(3).randbytes(8192))
    return Run(["config", str(f), "--json"], {0, 1, 2}, [f], json_out=True)


@case("config-directory")
def _(tmp: Path, P: Pristine) -> Run:
    d = tmp / "adir"
    d.mkdir()
    return Run(["config", str(d)], {2}, [d])


@case("config-missing-file")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["config", str(tmp / "nope.properties")], {2}, [tmp])


@case("config-empty-file")
def _(tmp: Path, P: Pristine) -> Run:
    f = tmp / "empty.properties"
    f.write_bytes(b"")
    return Run(["config", str(f), "--json"], {0, 1, 2}, [f], json_out=True)


@case("config-bad-logs-dir")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["config", str(P.props), "--logs", str(tmp / "nope")], {1, 2}, [P.props])


def _inj_props(tmp: Path) -> Path:
    f = tmp / "evil.properties"
    f.write_text(
        f"brokerClusterName={ESC_PAYLOAD}\nbrokerName={MARKUP_PAYLOAD}\n{LINK_PAYLOAD}=1\nbrokerId=0\n"
        f"brokerRole={MARKUP_PAYLOAD}\nlistenPort=\x1b[31m10911\n",
        encoding="utf-8",
    )
    return f


@case("inject-config-human")
def _(tmp: Path, P: Pristine) -> Run:
    f = _inj_props(tmp)
    return Run(["config", str(f), f"[red]h1[/]=\x1b[2J{P.props}"], {0, 1, 2}, [f, P.props], inert=True)


@case("inject-config-json")
def _(tmp: Path, P: Pristine) -> Run:
    f = _inj_props(tmp)
    return Run(["config", str(f), "--json"], {0, 1}, [f], json_out=True)


# export


def _export(*args: str, allowed: set[int] = {2}) -> Builder:  # noqa: B006
    def build(tmp: Path, P: Pristine) -> Run:
        argv = ["export", str(P.master), *[a.replace("{tmp}", str(tmp)) for a in args]]
        return Run(argv, allowed, [P.master])

    return build


for _cid, _builder in [
    ("export-bad-format", _export("--what", "messages", "--format", "xml", "-o", "{tmp}/x.xml")),
    ("export-bad-what", _export("--what", "bogus", "-o", "{tmp}/x.parquet")),
    ("export-parquet-to-stdout", _export("--what", "messages", "--format", "parquet", "-o", "-")),
    ("export-to-missing-parent", _export("--what", "messages", "-o", "{tmp}/no/such/dir/x.parquet", allowed={0, 2})),
    ("export-to-existing-dir", _export("--what", "findings", "--format", "csv", "-o", "{tmp}")),
    ("export-parent-is-a-file", _export("--what", "index", "--format", "csv", "-o", "{tmp}/f/x.csv")),
    ("export-to-dev-full", _export("--what", "messages", "--format", "ndjson", "-o", "/dev/full")),
    ("export-to-proc", _export("--what", "messages", "--format", "csv", "-o", "/proc/rmq-not-writable.csv")),
]:
    CASES.append(pytest.param(_builder, id=_cid))


@case("export-missing-store")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["export", str(tmp / "nope"), "--what", "messages", "-o", str(tmp / "o.parquet")], {2}, [tmp])


@case("export-damaged-store-findings")
def _(tmp: Path, P: Pristine) -> Run:
    s = copy_tree(P.master, tmp / "store")
    patch(_mid_file(s), 8192, b"\0" * 4096)
    _garbage_config(s)
    return Run(["export", str(s), "--what", "findings", "--format", "ndjson", "-o", "-"], {0, 1}, [s])


# logs / tail / cluster


INJECTED_LOG_LINES = (
    f"2026-11-28 08:35:00 INFO main - brokerName={MARKUP_PAYLOAD}{ESC_PAYLOAD}\n"
    f"2026-11-28 08:35:01 INFO main - The broker[{MARKUP_PAYLOAD}\x1b]0;pwned\x07, 127.0.0.1:10911] boot success. "
    "serializeType=JSON and name server is 127.0.0.1:9876\n"
    f"2026-11-28 08:35:02 ERROR {MARKUP_PAYLOAD} - evil {ESC_PAYLOAD} {MARKUP_PAYLOAD} {LINK_PAYLOAD}\n"
    f"java.lang.IllegalStateException: {ESC_PAYLOAD}{MARKUP_PAYLOAD}\n"
    f"\tat {MARKUP_PAYLOAD}.x(X.java:1)\n"
    f"2026-11-28 08:35:03 WARN main - [/] [/bold] [[ ]] {LINK_PAYLOAD}\n"
)


def log_dir(tmp: Path, P: Pristine, mutate: Callable[[Path], None]) -> Path:
    d = copy_tree(P.logs, tmp / "rocketmqlogs")
    mutate(d)
    return d


def _log_mutations() -> dict[str, Callable[[Path], None]]:
    def binary(d: Path) -> None:
        (d / "broker.log").write_bytes(random.Random(5).randbytes(65536))

    def bad_utf8(d: Path) -> None:
        lines = (d / "broker.log").read_bytes().splitlines(keepends=True)
        (d / "broker.log").write_bytes(
            b"".join(ln[:-1] + b" \xff\xfe\xc3\x28\xed\xa0\x80\n" if i % 7 == 0 else ln for i, ln in enumerate(lines))
        )

    def huge_line(d: Path) -> None:
        with open(d / "broker.log", "ab") as f:
            f.write(b"2026-11-28 08:35:00 INFO main - " + b"A" * (5 << 20))

    def huge_line_no_ts(d: Path) -> None:
        (d / "broker.log").write_bytes(b"B" * (5 << 20) + b"\n")

    def no_ts(d: Path) -> None:
        (d / "broker.log").write_text("".join(f"just some text line {i} without a time\n" for i in range(2000)))

    def gz_truncated(d: Path) -> None:
        gzip_truncated(d / "broker.log", d / "otherdays" / "broker.1.log.gz")

    def gz_garbage(d: Path) -> None:
        (d / "otherdays").mkdir()
        (d / "otherdays" / "broker.2.log.gz").write_bytes(random.Random(9).randbytes(5000))
        (d / "otherdays" / "store.1.log.gz").write_bytes(b"")

    def inject(d: Path) -> None:
        with open(d / "broker.log", "a", encoding="utf-8") as f:
            f.write(INJECTED_LOG_LINES)

    def weird_files(d: Path) -> None:
        (d / "namesrv.log").mkdir()
        (d / "remoting.log").symlink_to(d / "nowhere")
        os.mkfifo(d / "stats.log")

    return {
        "binary-broker-log": binary,
        "invalid-utf8": bad_utf8,
        "5mb-single-line": huge_line,
        "5mb-line-no-ts": huge_line_no_ts,
        "no-timestamps": no_ts,
        "truncated-gz": gz_truncated,
        "garbage-gz": gz_garbage,
        "injected-escapes-markup": inject,
        "dir-symlink-fifo-as-logs": weird_files,
    }


def _logs_case(mutate: Callable[[Path], None], cmd: str, *, inert: bool) -> Builder:
    def build(tmp: Path, P: Pristine) -> Run:
        d = log_dir(tmp, P, mutate)
        if cmd == "logs-json":
            return Run(["logs", str(d), "--json"], {0, 1}, [d], json_out=True, timeout=120)
        if cmd == "logs-human":
            return Run(["logs", str(d)], {0, 1}, [d], inert=inert, timeout=120)
        if cmd == "tail-human":
            return Run(["tail", str(d), "--no-follow", "-n", "40"], {0}, [d], inert=inert, timeout=120)
        if cmd == "tail-json":
            return Run(["tail", str(d), "--no-follow", "-n", "40", "--json"], {0}, [d], timeout=120)
        if cmd == "export-lines":
            return Run(["export", str(d), "--what", "events", "--format", "ndjson", "-o", "-"], {0, 1}, [d], timeout=120)
        if cmd == "cluster-human":
            return Run(["cluster", f"h1={d}"], {0, 1}, [d], inert=inert, timeout=120)
        raise AssertionError(cmd)

    return build


_LOG_CMDS = {
    "injected-escapes-markup": ["logs-json", "logs-human", "tail-human", "tail-json", "export-lines", "cluster-human"],
}
for _name, _mut in _log_mutations().items():
    for _cmd in _LOG_CMDS.get(_name, ["logs-json", "tail-human"]):
        CASES.append(pytest.param(_logs_case(_mut, _cmd, inert=_name.startswith("injected")), id=f"logs-{_name}-{_cmd}"))


@case("logs-missing-dir")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["logs", str(tmp / "nope")], {2}, [tmp])


@case("logs-empty-dir")
def _(tmp: Path, P: Pristine) -> Run:
    d = tmp / "empty"
    d.mkdir()
    return Run(["logs", str(d), "--json"], {0, 1, 2}, [d], json_out=True)


@case("logs-bad-since")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["logs", str(P.logs), "--since", "last tuesday"], {2}, [P.logs])


@case("logs-bad-tz")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["logs", str(P.logs), "--log-tz", "Mars/Olympus"], {2}, [P.logs])


@case("tail-missing-dir-follow")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["tail", str(tmp / "nope")], {2}, [tmp], timeout=30)


@case("tail-missing-dir-no-follow")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["tail", str(tmp / "nope"), "--no-follow"], {2}, [tmp], timeout=30)


@case("tail-bad-regex")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["tail", str(P.logs), "--no-follow", "--grep", "(unclosed[", "--json"], {2}, [P.logs], timeout=30)


@case("tail-bad-level")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["tail", str(P.logs), "--no-follow", "--level", "LOUD"], {2}, [P.logs], timeout=30)


@case("cluster-missing-host-dir")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["cluster", f"h1={tmp / 'nope'}"], {2}, [tmp])


@case("cluster-arg-without-host")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(["cluster", str(P.logs)], {0, 1, 2}, [P.logs])


@case("cluster-garbage-host-dir")
def _(tmp: Path, P: Pristine) -> Run:
    d = tmp / "host"
    (d / "logs/rocketmqlogs").mkdir(parents=True)
    (d / "logs/rocketmqlogs/broker.log").write_bytes(random.Random(1).randbytes(4096))
    (d / "broker.properties").write_bytes(b"\xff\xfe brokerName=\x1b[31m\nbrokerId=x\n")
    s = copy_tree(P.master, d / "store")
    patch(commitlog_files(s)[0], 4096, b"\xee" * 4096)
    _garbage_config(s)
    return Run(["cluster", f"h1={d}", "--json"], {0, 1, 2}, [d], json_out=True)


# Marker words of the injected markup and the literal tags that must still precede them when shown.
INERT_MARKERS = [
    ("RMQMARK", ("[bold red]", "[bold]")),
    ("RMQLINK", ("[link=file:///etc/passwd]",)),
    ("RMQUNIQ", ("[b]",)),
    ("Zq", ("[i]",)),
]


# --- the test ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", CASES)
def test_bad_input(build: Builder, tmp_path: Path, pristine: Pristine) -> None:
    work = tmp_path / "work"
    work.mkdir()
    run = build(tmp_path, pristine)
    before = {w: snapshot(w) for w in run.watch}
    r = run_cli(run.argv, cwd=work, timeout=run.timeout)
    check_result(r, run.allowed, json_out=run.json_out)
    if run.needs_finding and r.rc in (0, 1):
        findings = json.loads(r.out)["findings"]
        new = {(f["check"], f["file"]) for f in findings} - pristine.baseline_findings
        assert new, "damage went unreported (no new finding):\n" + r.describe()
    if run.inert:
        text = r.out.decode("utf-8", "replace")
        for inner, openings in INERT_MARKERS:
            assert_markup_inert(text, inner, openings)
    for w, snap in before.items():
        changed = snapshot_diff(snap, snapshot(w))
        assert not changed, f"{run.argv} changed {w}: {changed[:10]}"


# --- tail under Ctrl-C while the files grow, shrink and rotate -----------------------------------------


def _read_some(proc: subprocess.Popen, deadline: float) -> bytes:
    import select

    buf = b""
    assert proc.stdout is not None
    while time.monotonic() < deadline and not buf:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            buf += os.read(proc.stdout.fileno(), 65536)
        if proc.poll() is not None:
            break
    return buf


@pytest.mark.parametrize("json_mode", [False, True], ids=["human", "json"])
def test_tail_sigint_while_rotating(json_mode: bool, tmp_path: Path, pristine: Pristine) -> None:
    d = copy_tree(pristine.logs, tmp_path / "rocketmqlogs")
    argv = [*CLI, "tail", str(d), "-n", "5", "--poll"] + (["--json"] if json_mode else [])
    proc = subprocess.Popen(
        argv, cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    try:
        out = _read_some(proc, time.monotonic() + 60)
        assert proc.poll() is None, f"tail exited early rc={proc.returncode}: {proc.stderr.read()[-1500:]!r}"  # type: ignore[union-attr]
        log = d / "broker.log"
        with open(log, "a", encoding="utf-8") as f:  # grow, with an injected line
            f.write(INJECTED_LOG_LINES)
        time.sleep(1.5)
        os.truncate(log, 100)  # shrink
        time.sleep(1.0)
        log.rename(d / "broker.log.1")  # rotate
        log.write_text("2026-11-28 08:40:00 INFO main - after rotation [bold]RMQMARK[/]\n")
        (d / "store.log").unlink()  # vanish
        time.sleep(1.5)
        out += _read_some(proc, time.monotonic() + 2)
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out += rest
    info = f"rc={proc.returncode}\nstderr: {err[-2000:].decode('utf-8', 'replace')}\nstdout: {out[-1500:]!r}"
    assert proc.returncode == 0, "tail must exit 0 on Ctrl-C:\n" + info
    assert b"Traceback" not in err, info
    for bad in (b"\x1b", b"\x07", b"\xc2\x9b"):
        assert bad not in out and bad not in err, f"raw {bad!r}:\n" + info
    if not json_mode:
        for inner, openings in INERT_MARKERS:
            assert_markup_inert(out.decode("utf-8", "replace"), inner, openings)
