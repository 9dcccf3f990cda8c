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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from robustness_helpers import (
    C1_PAYLOAD,
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
    shows: tuple[str, ...] = ()  # words of the injected data that must reach stdout (the path is exercised)
    c1: bool = True  # also forbid the raw C1 CSI (U+009B); off where the data has none on purpose


Builder = Callable[[Path, Pristine], Run]
CASES: list = []


def case(case_id: str, xfail: str | None = None) -> Callable[[Builder], Builder]:
    def deco(fn: Builder) -> Builder:
        marks = [pytest.mark.xfail(reason=f"BUG: {xfail}", strict=True)] if xfail else []
        CASES.append(pytest.param(fn, id=case_id, marks=marks))
        return fn

    return deco


def damaged_store(
    tmp: Path, P: Pristine, damage: Callable[[Path], None], *, extra: tuple[str, ...] = ()
) -> Run:
    s = copy_tree(P.master, tmp / "store")
    damage(s)
    return Run(["store", str(s), "--json", *extra], {0, 1, 2}, [s], json_out=True, needs_finding=True)


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
    return damaged_store(
        tmp, P, lambda s: patch(_mid_file(s), _rec(s).pos + 68 + 16, struct.pack(">i", 0x7FFFFFF0))
    )


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
    return damaged_store(
        tmp, P, lambda s: os.truncate(s / "consumequeue/LabTopic/0/00000000000000000000", 1993)
    )


@case("cq-random-units")
def _(tmp: Path, P: Pristine) -> Run:
    rnd = random.Random(7)
    return damaged_store(
        tmp,
        P,
        lambda s: (s / "consumequeue/LabTopic/1/00000000000000000000").write_bytes(rnd.randbytes(2000)),
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
    return damaged_store(
        tmp, P, lambda s: os.truncate(sorted((s / "index").iterdir())[0], 30), extra=("--index-check", "full")
    )


@case("index-garbage-header")
def _(tmp: Path, P: Pristine) -> Run:
    rnd = random.Random(11)
    return damaged_store(
        tmp,
        P,
        lambda s: patch(sorted((s / "index").iterdir())[1], 0, rnd.randbytes(40)),
        extra=("--index-check", "full"),
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


@case("store-fifo-in-config")  # hung in open() until fileio opened O_NONBLOCK + S_ISREG (fixed this session)
def _(tmp: Path, P: Pristine) -> Run:
    def dmg(s: Path) -> None:
        (s / "config/topics.json").unlink()
        os.mkfifo(s / "config/topics.json")

    run = damaged_store(tmp, P, dmg)
    run.timeout = 20
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
    c1_phy: int


def inject_store(tmp: Path, P: Pristine) -> Injected:
    s = copy_tree(P.master, tmp / "store")
    f0 = commitlog_files(s)[0]
    base = int(f0.name)
    recs = records(f0)
    with_keys = [
        r
        for r in recs
        if b"KEYS\x01" in r.props and len(r.props.split(b"KEYS\x01")[1].split(b"\x02")[0]) >= 24
    ]
    k = with_keys[0]
    set_property(k, b"KEYS", "\x1b]0;pwn\x07[bold]RMQMARK[/]")
    u = recs[-3]
    set_property(u, b"UNIQ_KEY", "\x1b]0;pw\x07[b]RMQUNIQ[/]")
    c1 = next(r for r in with_keys if r is not k)
    set_property(c1, b"KEYS", C1_PAYLOAD)
    t1, t2, b = recs[-4], recs[-5], recs[-6]
    assert len(t1.topic) == len(t2.topic) == 8, (t1.topic, t2.topic)
    patch(f0, t1.topic_at, b"\x1b]0;pw\x07Z")
    patch(f0, t2.topic_at, b"[i]Zq[/]")
    body = (ESC_PAYLOAD + MARKUP_PAYLOAD + LINK_PAYLOAD).encode()
    bh_sh = 16
    (body_len,) = struct.unpack_from(">i", f0.read_bytes(), b.pos + 68 + bh_sh)
    patch(f0, b.pos + 72 + bh_sh, body[:body_len])
    return Injected(s, base + k.pos, base + u.pos, base + t1.pos, base + t2.pos, base + b.pos, base + c1.pos)


def _inj(
    argv: Callable[[Injected], list[str]], *, json_out: bool, allowed: set[int], shows: tuple[str, ...]
) -> Builder:
    def build(tmp: Path, P: Pristine) -> Run:
        inj = inject_store(tmp, P)
        return Run(
            argv(inj), allowed, [inj.store], json_out=json_out, inert=not json_out, c1=False, shows=shows
        )

    return build


for _cid, _argv, _json, _shows in [
    ("inject-store-human", lambda i: ["store", str(i.store)], False, ()),
    ("inject-store-json", lambda i: ["store", str(i.store), "--json"], True, ()),
    (
        "inject-msg-keys-human",
        lambda i: ["msg", str(i.store), "--phy-offset", str(i.keys_phy), "--no-recovery"],
        False,
        ("RMQMARK",),
    ),
    (
        "inject-msg-uniq-human",
        lambda i: ["msg", str(i.store), "--phy-offset", str(i.uniq_phy), "--no-recovery"],
        False,
        ("RMQUNIQ",),
    ),
    (
        "inject-msg-topic-esc-human",
        lambda i: ["msg", str(i.store), "--phy-offset", str(i.topic_esc_phy)],
        False,
        ("]0;pw",),
    ),
    (
        "inject-msg-topic-markup-human",
        lambda i: ["msg", str(i.store), "--phy-offset", str(i.topic_markup_phy)],
        False,
        ("Zq",),
    ),
    (
        "inject-msg-body-text-human",
        lambda i: ["msg", str(i.store), "--phy-offset", str(i.body_phy), "--body", "text", "--no-recovery"],
        False,
        ("RMQMARK", "RMQLINK"),
    ),
    (
        "inject-msg-body-json",
        lambda i: ["msg", str(i.store), "--phy-offset", str(i.body_phy), "--json"],
        True,
        (),
    ),
    (
        "inject-msg-by-key-human",
        lambda i: ["msg", str(i.store), "--key", "RMQMARK", "--topic", "LabTopic"],
        False,
        (),
    ),
    (
        "inject-export-ndjson-stdout",
        lambda i: ["export", str(i.store), "--what", "messages", "--format", "ndjson", "-o", "-"],
        False,
        ("RMQMARK", "RMQUNIQ", "Zq"),
    ),
]:
    CASES.append(
        pytest.param(
            _inj(_argv, json_out=_json, allowed={0, 1, 2} if "by-key" in _cid else {0, 1}, shows=_shows),
            id=_cid,
        )
    )


def inject_names(tmp: Path, P: Pristine) -> Path:
    """Consumer groups, topics.json topics and a consume-queue directory named with escapes and markup."""
    s = copy_tree(P.master, tmp / "store")
    co = s / "config/consumerOffset.json"
    co.write_text(
        co.read_text().replace(
            '"offsetTable":{',
            '"offsetTable":{\n"LabTopic@[bold red]RMQMARK[/]\\u001b]0;pwned\\u0007":{0:3,1:2},\n"[i]Zq[/]\\u001b[2J@grp":{0:5},',
            1,
        )
    )
    tp = s / "config/topics.json"
    name = "[link=file:///etc/passwd]RMQLINK[/link]\\u001b]0;pwned\\u0007"
    tp.write_text(
        tp.read_text().replace(
            '"topicConfigTable":{',
            f'"topicConfigTable":{{\n"{name}":{{"perm":6,"readQueueNums":4,"topicName":"{name}","writeQueueNums":4}},',
            1,
        )
    )
    shutil.copytree(s / "consumequeue/LabTopic", s / f"consumequeue/{MARKUP_PAYLOAD}{ESC_PAYLOAD}")
    return s


@case("inject-config-names-store-human")
def _(tmp: Path, P: Pristine) -> Run:
    s = inject_names(tmp, P)
    return Run(["store", str(s)], {0, 1}, [s], inert=True, shows=("Zq", "RMQMARK"))


@case("inject-config-names-store-json")
def _(tmp: Path, P: Pristine) -> Run:
    s = inject_names(tmp, P)
    return Run(["store", str(s), "--json"], {0, 1}, [s], json_out=True, shows=("Zq", "RMQMARK"))


def _c1(argv: Callable[[Injected], list[str]], json_out: bool) -> Builder:
    def build(tmp: Path, P: Pristine) -> Run:
        inj = inject_store(tmp, P)
        return Run(argv(inj), {0, 1}, [inj.store], json_out=json_out, shows=("RMQC1",))

    return build


CASES += [
    pytest.param(
        _c1(lambda i: ["msg", str(i.store), "--phy-offset", str(i.c1_phy), "--no-recovery"], False),
        id="c1-msg-human",
    ),
    pytest.param(
        _c1(lambda i: ["msg", str(i.store), "--phy-offset", str(i.c1_phy), "--no-recovery", "--json"], True),
        id="c1-msg-json",
    ),
]


# msg: bad selectors on a shared, intact store copy


def _msg(*args: str, allowed: set[int] = {2}) -> Builder:  # noqa: B006
    def build(tmp: Path, P: Pristine) -> Run:
        return Run(["msg", str(P.master), *args], allowed, [P.master])

    return build


for _cid, _builder in [
    ("msg-malformed-id", _msg("--id", "zzzz-not-an-id")),
    ("msg-malformed-id-odd-hex", _msg("--id", "7F0000010000")),
    (
        "msg-unknown-uniq-key",
        _msg("--id", "0123456789ABCDEF0123456789ABCDEF", "--no-recovery", allowed={1, 2}),
    ),
    (
        "msg-unknown-offset-msgid",
        _msg("--id", "7F00000100002A9F000000E8D4A51000", "--no-recovery", allowed={1, 2}),
    ),
    ("msg-phy-offset-negative", _msg("--phy-offset", "-1", allowed={1, 2})),
    ("msg-phy-offset-mid-record", _msg("--phy-offset", "123", "--no-recovery", allowed={1, 2})),
    ("msg-phy-offset-huge", _msg("--phy-offset", str(1 << 62), "--no-recovery", allowed={1, 2})),
    ("msg-no-selector", _msg()),
    ("msg-key-without-topic", _msg("--key", "k5")),
    ("msg-bad-from", _msg("--from", "yesterday-ish", "--to", "now")),
    ("msg-bad-tz", _msg("--from", "2026-11-28T00:00", "--to", "2026-11-28T01:00", "--tz", "Not/AZone")),
    (
        "msg-queue-offset-beyond",
        _msg("--topic", "LabTopic", "--queue", "0", "--offset", "99999999", allowed={1, 2}),
    ),
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
    return Run(
        ["msg", str(s), "--phy-offset", str(int(r.file.name) + r.pos), "--json"], {1, 2}, [s], json_out=True
    )


# diff


@case("diff-two-masters")
def _(tmp: Path, P: Pristine) -> Run:
    return Run(
        ["diff", str(P.master), str(P.master_b), "--json"], {1, 2}, [P.master, P.master_b], json_out=True
    )


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


@case("c1-config-human")
def _(tmp: Path, P: Pristine) -> Run:
    f = tmp / "c1.properties"
    f.write_text(f"brokerName={C1_PAYLOAD}\nbrokerId=0\nbrokerRole={C1_PAYLOAD}\n", encoding="utf-8")
    return Run(["config", str(f)], {0, 1}, [f], shows=("RMQC1",))


@case("c1-config-json")
def _(tmp: Path, P: Pristine) -> Run:
    f = tmp / "c1.properties"
    f.write_text(f"brokerName={C1_PAYLOAD}\nbrokerId=0\nbrokerRole={C1_PAYLOAD}\n", encoding="utf-8")
    return Run(["config", str(f), "--json"], {0, 1}, [f], json_out=True, shows=("RMQC1",))


# export




def _export(*args: str, allowed: set[int] = {2}) -> Builder:  # noqa: B006
    def build(tmp: Path, P: Pristine) -> Run:
        (tmp / "f").write_text("a regular file where a directory is expected\n")
        argv = ["export", str(P.master), *[a.replace("{tmp}", str(tmp)) for a in args]]
        return Run(argv, allowed, [P.master])

    return build


for _cid, _builder, _marks in [
    ("export-bad-format", _export("--what", "messages", "--format", "xml", "-o", "{tmp}/x.xml"), []),
    ("export-bad-what", _export("--what", "bogus", "-o", "{tmp}/x.parquet"), []),
    ("export-parquet-to-stdout", _export("--what", "messages", "--format", "parquet", "-o", "-"), []),
    (
        "export-to-missing-parent",
        _export("--what", "messages", "-o", "{tmp}/no/such/dir/x.parquet", allowed={0, 2}),
        [],
    ),
    ("export-to-existing-dir", _export("--what", "findings", "--format", "csv", "-o", "{tmp}"), []),
    ("export-parent-is-a-file", _export("--what", "index", "--format", "csv", "-o", "{tmp}/f/x.csv"), []),
    ("export-to-dev-full", _export("--what", "messages", "--format", "ndjson", "-o", "/dev/full"), []),
    (
        "export-to-proc",
        _export("--what", "messages", "--format", "csv", "-o", "/proc/rmq-not-writable.csv"),
        [],
    ),
]:
    CASES.append(pytest.param(_builder, id=_cid, marks=_marks))


@case("export-into-the-store")
def _(tmp: Path, P: Pristine) -> Run:
    s = copy_tree(P.master, tmp / "store")
    return Run(
        ["export", str(s), "--what", "messages", "--format", "csv", "-o", str(s / "config" / "x.csv")],
        {2},
        [s],
    )


@case("export-into-the-store-via-symlink")
def _(tmp: Path, P: Pristine) -> Run:
    s = copy_tree(P.master, tmp / "store")
    (tmp / "link").symlink_to(s / "index")
    return Run(
        ["export", str(s), "--what", "index", "--format", "ndjson", "-o", str(tmp / "link" / "x.ndjson")],
        {2},
        [s],
    )


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
            b"".join(
                ln[:-1] + b" \xff\xfe\xc3\x28\xed\xa0\x80\n" if i % 7 == 0 else ln
                for i, ln in enumerate(lines)
            )
        )

    def huge_line(d: Path) -> None:
        with open(d / "broker.log", "ab") as f:
            f.write(b"2026-11-28 08:35:00 INFO main - " + b"A" * (5 << 20))

    def huge_line_no_ts(d: Path) -> None:
        (d / "broker.log").write_bytes(b"B" * (5 << 20) + b"\n")

    def no_ts(d: Path) -> None:
        (d / "broker.log").write_text(
            "".join(f"just some text line {i} without a time\n" for i in range(2000))
        )

    def gz_truncated(d: Path) -> None:
        gzip_truncated(d / "broker.log", d / "otherdays" / "broker.1.log.gz")

    def gz_garbage(d: Path) -> None:
        (d / "otherdays").mkdir()
        (d / "otherdays" / "broker.2.log.gz").write_bytes(random.Random(9).randbytes(5000))
        (d / "otherdays" / "store.1.log.gz").write_bytes(b"")

    def inject(d: Path) -> None:
        with open(d / "broker.log", "a", encoding="utf-8") as f:
            f.write(INJECTED_LOG_LINES)

    def inject_c1(d: Path) -> None:
        with open(d / "broker.log", "a", encoding="utf-8") as f:
            f.write(f"2026-11-28 08:35:04 ERROR main - c1 {C1_PAYLOAD} brokerName={C1_PAYLOAD}\n")

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
        "injected-c1": inject_c1,
        "dir-symlink-fifo-as-logs": weird_files,
    }


def _logs_case(
    mutate: Callable[[Path], None], cmd: str, *, inert: bool, shows: tuple[str, ...] = ()
) -> Builder:
    def build(tmp: Path, P: Pristine) -> Run:
        run = _logs_run(log_dir(tmp, P, mutate), cmd, inert)
        run.shows = shows
        return run

    return build


def _logs_run(d: Path, cmd: str, inert: bool) -> Run:
    if cmd == "logs-json":
        return Run(["logs", str(d), "--json"], {0, 1}, [d], json_out=True, timeout=120)
    if cmd == "logs-human":
        return Run(["logs", str(d)], {0, 1}, [d], inert=inert, timeout=120)
    if cmd == "tail-human":
        return Run(
            ["tail", str(d), "--no-follow", "-n", "40", "--file", "broker.log"],
            {0},
            [d],
            inert=inert,
            timeout=120,
        )
    if cmd == "tail-json":
        return Run(
            ["tail", str(d), "--no-follow", "-n", "40", "--file", "broker.log", "--json"],
            {0},
            [d],
            timeout=120,
        )
    if cmd == "export-lines":
        return Run(
            ["export", str(d), "--what", "lines", "--format", "ndjson", "-o", "-"], {0, 1}, [d], timeout=120
        )
    if cmd == "cluster-human":
        return Run(["cluster", f"h1={d}"], {0, 1}, [d], inert=inert, timeout=120)
    raise AssertionError(cmd)


_LOG_CMDS = {
    "injected-escapes-markup": [
        "logs-json",
        "logs-human",
        "tail-human",
        "tail-json",
        "export-lines",
        "cluster-human",
    ],
    "injected-c1": ["logs-json", "logs-human", "tail-human", "tail-json", "export-lines"],
}
_LOG_SHOWS = {
    ("injected-escapes-markup", "logs-json"): ("RMQMARK",),
    ("injected-escapes-markup", "tail-human"): ("RMQMARK", "RMQLINK"),
    ("injected-escapes-markup", "tail-json"): ("RMQMARK", "RMQLINK"),
    ("injected-escapes-markup", "export-lines"): ("RMQMARK", "RMQLINK"),
    ("injected-c1", "logs-json"): ("RMQC1",),
    ("injected-c1", "tail-human"): ("RMQC1",),
    ("injected-c1", "tail-json"): ("RMQC1",),
    ("injected-c1", "export-lines"): ("RMQC1",),
}
_LOG_XFAIL = {
}
for _name, _mut in _log_mutations().items():
    for _cmd in _LOG_CMDS.get(_name, ["logs-json", "tail-human"]):
        _x = _LOG_XFAIL.get((_name, _cmd))
        CASES.append(
            pytest.param(
                _logs_case(
                    _mut, _cmd, inert=_name.startswith("injected"), shows=_LOG_SHOWS.get((_name, _cmd), ())
                ),
                id=f"logs-{_name}-{_cmd}",
                marks=[pytest.mark.xfail(reason=f"BUG: {_x}", strict=True)] if _x else [],
            )
        )


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
    return Run(
        ["tail", str(P.logs), "--no-follow", "--grep", "(unclosed[", "--json"], {2}, [P.logs], timeout=30
    )


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


@dataclass
class Outcome:
    run: Run | None = None
    result: object = None
    changed: dict = field(default_factory=dict)
    error: BaseException | None = None
    seconds: float = 0.0


def _execute(build: Builder, tmp: Path, P: Pristine) -> Outcome:
    o = Outcome()
    t0 = time.monotonic()
    try:
        work = tmp / "work"
        work.mkdir()
        o.run = run = build(tmp, P)
        before = {w: snapshot(w) for w in run.watch}
        o.result = run_cli(run.argv, cwd=work, timeout=run.timeout)
        o.changed = {w: d for w, snap in before.items() if (d := snapshot_diff(snap, snapshot(w)))}
    except BaseException as e:
        o.error = e
    o.seconds = time.monotonic() - t0
    return o


@pytest.fixture(scope="session")
def outcomes(
    request: pytest.FixtureRequest, pristine: Pristine, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    """Run every SELECTED case's CLI once, a few at a time (the machine is shared: parallel runs get their
    fair share of CPU instead of queueing); each test id then only checks its own outcome."""
    wanted = {
        item.callspec.id
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_bad_input" and hasattr(item, "callspec")
    }
    todo = [(p.id, p.values[0]) for p in CASES if p.id in wanted]
    workers = int(os.environ.get("RMQ_ROBUST_WORKERS", "5"))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as ex:
        futs = {cid: ex.submit(_execute, fn, tmp_path_factory.mktemp(cid[:30]), pristine) for cid, fn in todo}
        done = {cid: f.result() for cid, f in futs.items()}
    if os.environ.get("RMQ_ROBUST_TIMES"):
        with open(os.environ["RMQ_ROBUST_TIMES"], "w") as fh:
            for cid, o in sorted(done.items(), key=lambda kv: -kv[1].seconds):
                fh.write(f"{o.seconds:7.1f} {cid}\n")
    return done


@pytest.mark.parametrize("build", CASES)
def test_bad_input(
    build: Builder, request: pytest.FixtureRequest, outcomes: dict, pristine: Pristine
) -> None:
    o: Outcome = outcomes[request.node.callspec.id]
    if o.error is not None:
        raise o.error
    run, r = o.run, o.result
    assert run is not None and r is not None
    check_result(r, run.allowed, json_out=run.json_out, c1=run.c1)
    if run.needs_finding and r.rc in (0, 1):
        findings = json.loads(r.out)["findings"]
        new = {(f["check"], f["file"]) for f in findings} - pristine.baseline_findings
        assert new, "damage went unreported (no new finding):\n" + r.describe()
    if run.inert:
        text = r.out.decode("utf-8", "replace")
        for inner, openings in INERT_MARKERS:
            assert_markup_inert(text, inner, openings)
    for word in run.shows:
        assert word.encode() in r.out, (
            f"injected {word!r} not shown, the case tests nothing:\n" + r.describe()
        )
    assert not o.changed, f"{run.argv} changed the input: {o.changed}"


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
        argv,
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
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


# --- Ctrl-C inside a command, and files changing under a running scan ----------------------------------


def _polars_loaded(pid: int) -> bool:
    """The command body is running once polars' native library is mapped (rmqinspect.cli imports it lazily)."""
    try:
        return "polars" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def test_sigint_during_store_scan_exits_130(tmp_path: Path, pristine: Pristine) -> None:
    s = copy_tree(pristine.master, tmp_path / "store")
    before = snapshot(s)
    argv = [*CLI, "store", str(s), "--json", "--index-check", "full"]
    proc = subprocess.Popen(
        argv,
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and not _polars_loaded(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if proc.poll() is not None:
            pytest.skip("the command finished before it could be interrupted")
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    info = f"rc={proc.returncode}\nstderr: {err[-2000:].decode('utf-8', 'replace')}"
    if proc.returncode in (0, 1):
        pytest.skip("the scan completed before SIGINT was delivered")
    assert proc.returncode == 130, info
    assert b"Traceback" not in err, info
    assert len(err.decode("utf-8", "replace").strip().splitlines()) <= 3, info
    assert not snapshot_diff(before, snapshot(s))


def test_store_scan_while_files_shrink_and_grow(tmp_path: Path, pristine: Pristine) -> None:
    """No SIGBUS, no traceback while commitlog/consume-queue/index files shrink, grow and vanish mid-scan."""
    s = copy_tree(pristine.master, tmp_path / "store")
    cl = commitlog_files(s)
    cq = s / "consumequeue/LabTopic/0/00000000000000000000"
    ix = sorted((s / "index").iterdir())
    originals = {p: p.read_bytes() for p in [*cl, cq, *ix]}
    argv = [*CLI, "store", str(s), "--json", "--index-check", "full"]
    proc = subprocess.Popen(
        argv,
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    rnd = random.Random(2)
    try:
        deadline = time.monotonic() + 90
        while proc.poll() is None and time.monotonic() < deadline:
            for p, data in originals.items():
                if not p.exists() or rnd.random() < 0.5:
                    p.write_bytes(data[: rnd.randrange(0, len(data) + 1)])  # shrink (maybe to 0)
                else:
                    with open(p, "ab") as f:
                        f.write(b"\0" * rnd.randrange(1, 4096))  # grow
            victim = rnd.choice(cl[1:])
            if victim.exists():
                victim.unlink()  # vanish
            time.sleep(0.01)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    info = f"rc={proc.returncode}\nstderr: {err[-2000:].decode('utf-8', 'replace')}"
    assert proc.returncode != -signal.SIGBUS, "SIGBUS:\n" + info
    assert proc.returncode in (0, 1, 2), info
    assert b"Traceback" not in err, info
    if proc.returncode in (0, 1):
        json.loads(out)
    else:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        assert lines and lines[0].startswith("rmqinspect:") and len(lines) <= 3, info
