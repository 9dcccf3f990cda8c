"""Lint broker ``.properties`` files, one by one and as a set (issue 7, item 4).

What the broker really does with a file (verified with ``javap`` on the released jars, see
``scripts/gen_known_keys.py``): ``MixAll.properties2Object`` sets every key that matches a public setter of
BrokerConfig / NettyServerConfig / NettyClientConfig / MessageStoreConfig (5.3.x: also AuthConfig), converts
the value by the setter's type and *swallows* every failure, and ignores every other key. So a typo, a
renamed key or ``listenPort=10911␠`` (trailing blank → ``Integer.parseInt`` fails) leaves the default in
force without a word in any log. ``BrokerStartup`` then forces: ``listenPort`` default 10911; brokerId 0 for
a master, exit for a SLAVE with brokerId ≤ 0; ``haListenPort`` = listenPort+1 (always before 5.1.1, only when
≤ 0 from 5.1.1); ``BrokerController`` opens the "fast" remoting port listenPort−2. The store takes a file lock
on ``ROOT/lock``: a second broker on the same storePathRootDir fails with ``Lock failed,MQ already started``.

Findings: ``file`` = the .properties path, ``offset`` = **1-based line number** of the entry in effect
(null when the finding is about a key that is absent). Check names are ``config.<what>``.
"""

from __future__ import annotations

import difflib
import posixpath
from dataclasses import dataclass, field
from typing import Any

from ..data import KnownKeys, fmt_version, known_keys
from ..findings import Finding, Severity
from ..parsers.properties import PropertiesFile

INT_TYPES = {
    "int": (-(2**31), 2**31 - 1),
    "Integer": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
    "Long": (-(2**63), 2**63 - 1),
}
MASTER_ROLES = ("ASYNC_MASTER", "SYNC_MASTER")
DEFAULT_ROOT = "${user.home}/store"
CQ_UNIT = 20  # ConsumeQueue.CQ_STORE_UNIT_SIZE
# Smallest record around a body: 91-byte v1 header with IPv4 hosts + 1-byte topic length + 2-byte properties
# length (store spec §1) + END_FILE_MIN_BLANK_LENGTH 8 that must stay free at the end of a file; 1-char topic.
MIN_RECORD_OVERHEAD = 91 + 1 + 1 + 2 + 8
# Keys people write that no version reads: where the broker really puts the file (store spec §11).
NOT_PROPERTIES = {
    "storePathConsumeQueue": "consumequeue",
    "storePathIndex": "index",
    "storeCheckpoint": "checkpoint",
    "abortFile": "abort",
}
TX_KNOBS = "transactionTimeOut, transactionCheckMax, transactionCheckInterval"
RENAME_VERSION = (4, 5, 2)  # mapedFileSize* → mappedFileSize* (store spec §11/§13)


@dataclass
class BrokerConf:
    """A broker as its file configures it, after the broker's own conversions and start-up overrides."""

    path: str
    host: str | None
    kk: KnownKeys
    props: PropertiesFile
    effective: dict[str, Any] = field(default_factory=dict)
    cluster: str = "DefaultCluster"
    name: str | None = None
    broker_id: int = 0
    configured_id: int = 0
    role: str = "ASYNC_MASTER"
    flush: str = "ASYNC_FLUSH"
    listen_port: int = 10911
    ha_port: int = 10912
    fast_port: int = 10909
    store_root: str = DEFAULT_ROOT
    commitlog_dirs: tuple[str, ...] = ()
    namesrv: tuple[str, ...] | None = None
    dledger: bool = False
    controller: bool = False

    @property
    def label(self) -> str:
        ident = f"{self.name or '?'}#{self.broker_id}"
        return f"{self.host}:{ident}" if self.host else ident

    def line(self, key: str) -> int | None:
        return self.props.line_of(key)

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "host": self.host,
            "cluster": self.cluster,
            "broker_name": self.name,
            "broker_id": self.broker_id,
            "role": self.role,
            "flush_disk_type": self.flush,
            "listen_port": self.listen_port,
            "ha_port": self.ha_port,
            "fast_port": self.fast_port,
            "store_root": self.store_root,
            "commitlog_dirs": list(self.commitlog_dirs),
            "namesrv_addr": ";".join(self.namesrv) if self.namesrv is not None else None,
            "checked_against": fmt_version(self.kk.version),
        }


# ---------------------------------------------------------------- value conversion (Java semantics)


def convert(value: str, types: list[str], enums: dict[str, list[str]]) -> tuple[bool, Any, str]:
    """Convert like ``properties2Object``: (ok, value, why-not). String setters of enums use ``valueOf``."""
    enum_type = next((t for t in types if t in enums), None)
    if "String" in types and enum_type:
        if value in enums[enum_type]:
            return True, value, ""
        return False, None, f"not one of {'/'.join(enums[enum_type])} ({enum_type}.valueOf is exact)"
    for t in types:
        if t in INT_TYPES:
            lo, hi = INT_TYPES[t]
            body = value[1:] if value[:1] in "+-" else value
            if body.isascii() and body.isdigit():
                n = int(value)
                if lo <= n <= hi:
                    return True, n, ""
                return False, None, f"outside the {t} range"
            hint = " (trailing white space)" if value != value.rstrip() else ""
            return False, None, f"not an integer for {t}.parseInt{hint}"
        if t in ("double", "Double", "float", "Float"):
            try:
                return True, float(value.strip()), ""
            except ValueError:
                return False, None, f"not a number for {t}"
        if t in ("boolean", "Boolean"):
            if value.lower() not in ("true", "false"):
                return True, False, "Boolean.parseBoolean reads anything but 'true' as false"
            return True, value.lower() == "true", ""
        if t == "String":
            return True, value, ""
    return False, None, f"setter takes {'/'.join(types)}, which properties2Object skips"


# ---------------------------------------------------------------- per-file


def _f(sev: str, check: str, b: BrokerConf, key: str | None, detail: str, line: int | None = None) -> Finding:
    return Finding(sev, check, b.path, line if line is not None else (b.line(key) if key else None), detail)  # type: ignore[arg-type]


def _unknown_key(b: BrokerConf, key: str, value: str, line: int) -> Finding:
    kk, ver = b.kk, fmt_version(b.kk.version)
    root = b.store_root
    if key in NOT_PROPERTIES:
        real = posixpath.join(root, NOT_PROPERTIES[key])
        same = posixpath.normpath(value) == posixpath.normpath(real) if root != DEFAULT_ROOT else False
        why = (
            "harmless here (same path), but changing it would move nothing"
            if same
            else "the setting has no effect"
        )
        return Finding(
            "info" if same else "warning",
            "config.ignored_key",
            b.path,
            line,
            f"{key} is not a broker property in any version: the broker always uses {real}; {why}",
        )
    if key.startswith("mapedFileSize") and "mapped" + key[5:] in kk.keys:
        new = "mapped" + key[5:]
        default = kk.keys[new].get("default")
        eff = b.props.values.get(new)
        used = eff if eff is not None else default
        tail = f"the broker uses {new}={used}" + (f", not {value}" if value.strip() != str(used) else "")
        sev: Severity = "info" if eff is None and value.strip() == str(default) else "warning"
        return Finding(
            sev,
            "config.renamed_key",
            b.path,
            line,
            f"{key} was renamed {new} in 4.5.2; {ver} ignores it: {tail}",
        )
    if key.startswith("mappedFileSize") and "maped" + key[6:] in kk.keys:
        old = "maped" + key[6:]
        return Finding(
            "warning",
            "config.renamed_key",
            b.path,
            line,
            f"{key} is spelt {old} before 4.5.2; {ver} ignores {key}",
        )
    if key == "checkTransactionMessageEnable":
        return Finding(
            "warning",
            "config.unknown_key",
            b.path,
            line,
            f"{key} is not a broker property in any version (ignored); the real knobs are {TX_KNOBS}",
        )
    detail = f"{key} is not a property of RocketMQ {ver}: ignored"
    if key.startswith("\xef\xbb\xbf"):
        detail += (
            " (the file starts with a UTF-8 byte-order mark, read as ISO-8859-1 it becomes part of the key)"
        )
    else:
        close = difflib.get_close_matches(key, list(kk.keys), n=1, cutoff=0.85)
        if close:
            detail += f"; did you mean {close[0]}?"
    return Finding("warning", "config.unknown_key", b.path, line, detail)


def build(
    props: PropertiesFile, host: str | None, version: tuple[int, int, int]
) -> tuple[BrokerConf, list[Finding]]:
    """Effective configuration of one file and the findings about that file alone."""
    kk = known_keys(version)
    b = BrokerConf(path=props.path, host=host, kk=kk, props=props)
    out: list[Finding] = []
    seen: dict[str, int] = {}
    for e in props.entries:
        if e.key in seen:
            out.append(
                Finding(
                    "warning",
                    "config.duplicate_key",
                    props.path,
                    seen[e.key],
                    f"{e.key} is set again on line {e.line_no}; the later value wins",
                )
            )
        seen[e.key] = e.line_no
    vals = props.values
    root_raw = vals.get("storePathRootDir")
    b.store_root = root_raw if root_raw else DEFAULT_ROOT
    for key, value in vals.items():
        line = props.line_of(key) or 0
        spec = kk.keys.get(key)
        if spec is None:
            out.append(_unknown_key(b, key, value, line))
            continue
        ok, conv, why = convert(value, spec["types"], kk.enums)
        if ok:
            b.effective[key] = conv
            if why:
                out.append(
                    Finding("warning", "config.bad_value", props.path, line, f"{key}={value!r}: {why}")
                )
        else:
            default = spec.get("default", "its built-in default")
            out.append(
                Finding(
                    "error",
                    "config.bad_value",
                    props.path,
                    line,
                    f"{key}={value!r}: {why}; the broker silently keeps {default}",
                )
            )
        if any(ord(c) > 0x7E for c in value):
            out.append(
                Finding(
                    "warning",
                    "config.encoding",
                    props.path,
                    line,
                    f"{key} has non-ASCII text; the broker reads the file as ISO-8859-1",
                )
            )
    _resolve(b, out)
    out += _value_checks(b)
    return b, out


def _resolve(b: BrokerConf, out: list[Finding]) -> None:
    """Apply BrokerStartup's overrides to get the identity, ports and paths the broker really uses."""
    eff, v = b.effective, b.kk.requested
    b.cluster = str(eff.get("brokerClusterName", "DefaultCluster"))
    b.name = eff.get("brokerName")
    b.role = str(eff.get("brokerRole", "ASYNC_MASTER"))
    b.flush = str(eff.get("flushDiskType", "ASYNC_FLUSH"))
    b.dledger = bool(eff.get("enableDLegerCommitLog", False))
    b.controller = bool(eff.get("enableControllerMode", False))
    b.listen_port = int(eff.get("listenPort", 10911))
    b.configured_id = int(eff.get("brokerId", 0))
    b.broker_id = b.configured_id
    if b.role in MASTER_ROLES and not b.controller:
        b.broker_id = 0
        if b.configured_id != 0:
            out.append(
                _f(
                    "warning",
                    "config.broker_id_role",
                    b,
                    "brokerId",
                    f"brokerRole={b.role} but brokerId={b.configured_id}: BrokerStartup forces brokerId 0",
                )
            )
    elif b.role == "SLAVE" and b.configured_id <= 0 and not b.controller:
        out.append(
            _f(
                "error",
                "config.broker_id_role",
                b,
                "brokerRole",
                f"brokerRole=SLAVE with brokerId={b.configured_id}: the broker exits at start-up "
                '("Slave\'s brokerId must be > 0")',
                line=b.line("brokerId") or b.line("brokerRole"),
            )
        )
    if b.dledger:
        b.broker_id = -1
    ha_cfg = eff.get("haListenPort")
    if v < (5, 1, 1):
        b.ha_port = b.listen_port + 1
        if ha_cfg is not None and ha_cfg != b.ha_port:
            out.append(
                _f(
                    "warning",
                    "config.ignored_key",
                    b,
                    "haListenPort",
                    f"haListenPort={ha_cfg} is overwritten with listenPort+1={b.ha_port} before 5.1.1",
                )
            )
    else:
        b.ha_port = ha_cfg if isinstance(ha_cfg, int) and ha_cfg > 0 else b.listen_port + 1
    b.fast_port = b.listen_port - 2
    if v >= (5, 0, 0):
        b.fast_port = max(b.fast_port, 0)
    cl = eff.get("storePathCommitLog")
    if cl:
        b.commitlog_dirs = tuple(p for p in str(cl).split(",") if p) if v >= (5, 0, 0) else (str(cl),)
    elif b.kk.commitlog_follows_root:
        b.commitlog_dirs = (posixpath.join(b.store_root, "commitlog"),)
    else:
        b.commitlog_dirs = (DEFAULT_ROOT + "/commitlog",)
        if b.store_root != DEFAULT_ROOT:
            out.append(
                _f(
                    "warning",
                    "config.commitlog_path",
                    b,
                    "storePathRootDir",
                    f"storePathRootDir is set but storePathCommitLog is not: in {fmt_version(b.kk.version)} "
                    f"the commitlog stays in {DEFAULT_ROOT}/commitlog",
                )
            )
    ns = eff.get("namesrvAddr")
    b.namesrv = tuple(a for a in str(ns).split(";")) if ns else None
    if b.namesrv is not None:
        while b.namesrv and b.namesrv[-1] == "":
            b.namesrv = b.namesrv[:-1]  # Java's String.split drops trailing empty strings


def _value_checks(b: BrokerConf) -> list[Finding]:
    out: list[Finding] = []
    eff = b.effective
    if b.name is None:
        out.append(
            _f(
                "warning",
                "config.missing_key",
                b,
                None,
                "brokerName is not set: the broker names itself after the local host name",
            )
        )
    if b.namesrv is None:
        out.append(
            _f(
                "info",
                "config.missing_key",
                b,
                None,
                "namesrvAddr is not set: taken from -n, NAMESRV_ADDR or rocketmq.namesrv.addr (not visible here)",
            )
        )
    else:
        for a in b.namesrv:
            host, _, port = a.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                out.append(
                    _f(
                        "error",
                        "config.bad_value",
                        b,
                        "namesrvAddr",
                        f"namesrvAddr entry {a!r} is not host:port: the broker exits at start-up "
                        '("The Name Server Address[...] illegal")',
                    )
                )
    for pkey, pnum in (("listenPort", b.listen_port), ("haListenPort", b.ha_port)):
        if not 0 < pnum < 65536:
            out.append(
                _f("error", "config.out_of_range", b, "listenPort", f"{pkey} {pnum} is not a TCP port")
            )
    if b.fast_port <= 0:
        out.append(
            _f(
                "warning",
                "config.out_of_range",
                b,
                "listenPort",
                f"listenPort {b.listen_port}: the fast remoting port listenPort-2 = {b.listen_port - 2} is unusable",
            )
        )
    cq_key = (
        "mappedFileSizeConsumeQueue"
        if "mappedFileSizeConsumeQueue" in b.kk.keys
        else "mapedFileSizeConsumeQueue"
    )
    cq = eff.get(cq_key)
    if isinstance(cq, int):
        if cq <= 0:
            out.append(_f("error", "config.out_of_range", b, cq_key, f"{cq_key}={cq} must be positive"))
        else:
            used = -(-cq // CQ_UNIT) * CQ_UNIT
            units = used // CQ_UNIT
            if cq % CQ_UNIT:
                out.append(
                    _f(
                        "warning",
                        "config.cq_file_size",
                        b,
                        cq_key,
                        f"{cq_key}={cq} is not a multiple of {CQ_UNIT} (the CQ unit): the broker rounds it up to {used}",
                    )
                )
            default = b.kk.keys[cq_key].get("default", 6000000)
            if used != default:
                out.append(
                    _f(
                        "info",
                        "config.cq_file_size",
                        b,
                        cq_key,
                        f"{cq_key} is in bytes: {used} bytes = {units} entries per file "
                        f"(default {default} = {default // CQ_UNIT} entries)",
                    )
                )
    ratio = eff.get("diskMaxUsedSpaceRatio")
    if isinstance(ratio, int) and not 10 <= ratio <= 95:
        out.append(
            _f(
                "warning",
                "config.out_of_range",
                b,
                "diskMaxUsedSpaceRatio",
                f"diskMaxUsedSpaceRatio={ratio} is clamped to {10 if ratio < 10 else 95} by the getter",
            )
        )
    mms = eff.get("maxMessageSize")
    cl_key = "mappedFileSizeCommitLog" if "mappedFileSizeCommitLog" in b.kk.keys else "mapedFileSizeCommitLog"
    cls = eff.get(cl_key, b.kk.keys.get(cl_key, {}).get("default"))
    if isinstance(mms, int) and mms <= 0:
        out.append(
            _f(
                "error",
                "config.out_of_range",
                b,
                "maxMessageSize",
                f"maxMessageSize={mms}: every send is rejected",
            )
        )
    if isinstance(cls, int) and cls <= 0:
        out.append(_f("error", "config.out_of_range", b, cl_key, f"{cl_key}={cls} must be positive"))
    elif isinstance(cls, int) and isinstance(mms, int) and mms + MIN_RECORD_OVERHEAD > cls:
        out.append(
            _f(
                "warning",
                "config.out_of_range",
                b,
                "maxMessageSize",
                f"maxMessageSize={mms} but a commitlog file holds {cls} bytes and a record needs at least "
                f"{MIN_RECORD_OVERHEAD} bytes beyond its body (header, topic, properties, the file's 8-byte end "
                f"blank): bodies above {cls - MIN_RECORD_OVERHEAD} bytes can never be stored, although "
                "maxMessageSize suggests they can",
            )
        )
    for key in ("fileReservedTime", "defaultTopicQueueNums"):
        val = eff.get(key)
        if isinstance(val, int) and val <= 0:
            out.append(_f("warning", "config.out_of_range", b, key, f"{key}={val} should be positive"))
    when = eff.get("deleteWhen")
    if isinstance(when, str):
        bad = [w for w in when.split(";") if not (w.isdigit() and 0 <= int(w) <= 23)]
        if bad:
            out.append(
                _f(
                    "warning",
                    "config.out_of_range",
                    b,
                    "deleteWhen",
                    f"deleteWhen={when!r}: {', '.join(map(repr, bad))} never matches an hour of the day",
                )
            )
    for key in ("storePathRootDir", "storePathCommitLog"):
        val = eff.get(key)
        if isinstance(val, str) and val.startswith("~"):
            out.append(
                _f(
                    "warning",
                    "config.path",
                    b,
                    key,
                    f"{key}={val}: Java does not expand '~'; this is a directory named '~' in the working directory",
                )
            )
        elif isinstance(val, str) and val and not val.startswith("/") and not val[1:3] == ":\\":
            out.append(
                _f(
                    "info",
                    "config.path",
                    b,
                    key,
                    f"{key}={val} is relative to the broker's working directory",
                )
            )
    return out


# ---------------------------------------------------------------- the set


def _norm(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


def set_checks(brokers: list[BrokerConf]) -> list[Finding]:
    """Checks across files: per host (paths, ports) and per broker group (pairs, roles)."""
    out: list[Finding] = []
    by_host: dict[str, list[BrokerConf]] = {}
    for b in brokers:
        if b.host:
            by_host.setdefault(b.host, []).append(b)
    for host, group in by_host.items():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                out += _host_pair(host, a, b)
    groups: dict[str, list[BrokerConf]] = {}
    for b in brokers:
        if b.name:
            groups.setdefault(b.name, []).append(b)
    for name, group in groups.items():
        out += _group_checks(name, group)
    return out


def _host_pair(host: str, a: BrokerConf, b: BrokerConf) -> list[Finding]:
    out: list[Finding] = []
    if _norm(a.store_root) == _norm(b.store_root):
        shared = a.store_root
        assumed = " (both default to it; assuming one OS user)" if shared == DEFAULT_ROOT else ""
        for x, y in ((a, b), (b, a)):
            out.append(
                _f(
                    "error",
                    "config.shared_store_path",
                    x,
                    "storePathRootDir",
                    f"host {host}: {x.label} and {y.label} ({posixpath.basename(y.path)}) share storePathRootDir {shared}{assumed}: "
                    "the second to start fails with 'Lock failed,MQ already started' (ROOT/lock), "
                    "and consumequeue/index/checkpoint/config would be mixed",
                )
            )
    else:
        common = {_norm(p) for p in a.commitlog_dirs} & {_norm(p) for p in b.commitlog_dirs}
        for d in sorted(common):
            out.append(
                _f(
                    "error",
                    "config.shared_store_path",
                    a,
                    "storePathCommitLog",
                    f"host {host}: {a.label} and {b.label} ({posixpath.basename(b.path)}) write the same commitlog directory {d}",
                )
            )
    ports_a = {"listenPort": a.listen_port, "HA port": a.ha_port, "fast remoting port": a.fast_port}
    ports_b = {"listenPort": b.listen_port, "HA port": b.ha_port, "fast remoting port": b.fast_port}
    for ka, pa in ports_a.items():
        for kb, pb in ports_b.items():
            if pa == pb:
                out.append(
                    _f(
                        "error",
                        "config.port_clash",
                        a,
                        "listenPort",
                        f"host {host}: {a.label} {ka} {pa} = {b.label} ({posixpath.basename(b.path)}) {kb}: the second broker cannot bind it",
                    )
                )
    return out


def _group_checks(name: str, group: list[BrokerConf]) -> list[Finding]:
    out: list[Finding] = []
    clusters = {b.cluster for b in group}
    if len(clusters) > 1:
        for b in group:
            out.append(
                _f(
                    "error",
                    "config.pair_mismatch",
                    b,
                    "brokerClusterName",
                    f"broker group {name} is split across clusters {sorted(clusters)}: this file says {b.cluster}",
                )
            )
    ns_sets = {frozenset(b.namesrv) for b in group if b.namesrv is not None}
    if len(ns_sets) > 1:
        for b in group:
            out.append(
                _f(
                    "warning",
                    "config.pair_mismatch",
                    b,
                    "namesrvAddr",
                    f"broker group {name}: members register with different NameServers; this file: "
                    f"{';'.join(b.namesrv or ())}",
                )
            )
    if any(b.dledger or b.controller for b in group):
        return out  # roles are elected, not configured
    masters = [b for b in group if b.role in MASTER_ROLES]
    slaves = [b for b in group if b.role == "SLAVE"]
    if len(masters) > 1:
        for b in masters:
            out.append(
                _f(
                    "error",
                    "config.two_masters",
                    b,
                    "brokerRole",
                    f"broker group {name} has {len(masters)} masters: {', '.join(posixpath.basename(m.path) for m in masters)}",
                )
            )
    ids: dict[int, list[BrokerConf]] = {}
    for b in slaves:
        ids.setdefault(b.broker_id, []).append(b)
    for bid, same in ids.items():
        if len(same) > 1:
            for b in same:
                out.append(
                    _f(
                        "error",
                        "config.duplicate_broker_id",
                        b,
                        "brokerId",
                        f"broker group {name}: brokerId {bid} is used by {', '.join(posixpath.basename(s.path) for s in same)}",
                    )
                )
    for m in masters:
        if m.role == "SYNC_MASTER" and not slaves:
            out.append(
                _f(
                    "warning",
                    "config.sync_master_without_slave",
                    m,
                    "brokerRole",
                    f"{name} is SYNC_MASTER but none of the files given is its SLAVE: "
                    "sends answer SLAVE_NOT_AVAILABLE until one connects",
                )
            )
    if slaves and not masters:
        for s in slaves:
            out.append(
                _f(
                    "info",
                    "config.slave_without_master",
                    s,
                    "brokerRole",
                    f"none of the files given is the master of {name}",
                )
            )
    return out


def lint(
    files: list[tuple[str | None, PropertiesFile]], version: tuple[int, int, int]
) -> tuple[list[BrokerConf], list[Finding]]:
    """Lint ``(host, parsed file)`` pairs against ``version``; host None = unknown (no per-host checks)."""
    brokers: list[BrokerConf] = []
    findings: list[Finding] = []
    for host, props in files:
        b, fs = build(props, host, version)
        brokers.append(b)
        findings += fs
    findings += set_checks(brokers)
    return brokers, findings


# ---------------------------------------------------------------- compare with the boot-time dump (§1.6)


def _logged_snapshot(events: Any) -> list[dict[str, Any]]:
    """Split ``broker_config`` events into boot dumps: a dump is a run in one file within 10 s."""
    import polars as pl

    cfg = events.filter(pl.col("type") == "broker_config").sort(["file", "line_no"])
    dumps: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    for r in cfg.iter_rows(named=True):
        new = (
            cur is None
            or r["file"] != cur["file"]
            or r["ts"] is None
            or cur["last_ts"] is None
            or (r["ts"] - cur["last_ts"]).total_seconds() > 10
        )
        if new:
            cur = {
                "file": r["file"],
                "host": r.get("host"),
                "first_line": r["line_no"],
                "ts": r["ts"],
                "last_ts": r["ts"],
                "values": {},
                "lines": {},
            }
            dumps.append(cur)
        assert cur is not None
        cur["values"][r["key"]] = r["value"]
        cur["lines"][r["key"]] = r["line_no"]
        cur["last_ts"] = r["ts"]
    return dumps


def _same(effective: Any, logged: str) -> bool:
    logged = logged.strip()
    if isinstance(effective, bool):
        return logged.lower() == str(effective).lower()
    if isinstance(effective, int | float):
        try:
            return float(logged) == float(effective)
        except ValueError:
            return False
    return str(effective) == logged


def compare_with_logs(brokers: list[BrokerConf], log_dirs: list[str], *, tz: str = "GMT+8") -> list[Finding]:
    """Compare each file with the last configuration dump of the broker it matches (by brokerName, then
    listenPort). The dump is what the broker really ran with; a difference means the file on disk is not
    the file the broker was started with (or was edited since). Offsets are the file's line numbers."""
    from ..analysis.events import extract_events
    from ..parsers.logs import host_dirs, read_lines

    out: list[Finding] = []
    dumps: list[dict[str, Any]] = []
    for host, d in host_dirs(log_dirs):
        lines = read_lines([d], host=host, tz=tz)
        for dump in _logged_snapshot(extract_events(lines)):
            dump["dir"] = d
            dumps.append(dump)
    for b in brokers:
        # 5.x dumps only each config class's own fields: brokerName/brokerId (BrokerIdentity) are absent,
        # so a dump is matched by listenPort, and by brokerName where it is present.
        cands = [
            x
            for x in dumps
            if _same(b.listen_port, str(x["values"].get("listenPort", "")))
            and x["values"].get("brokerName", b.name) == b.name
        ]
        if not cands:
            out.append(
                _f(
                    "info",
                    "config.boot_unknown",
                    b,
                    None,
                    f"no configuration dump for listenPort={b.listen_port} in the logs given",
                )
            )
            continue
        dump = max(cands, key=lambda x: (x["ts"] is not None, x["ts"]))
        where = f"{dump['dir']}/{dump['file']}"
        for key, eff in b.effective.items():
            if key not in dump["values"] or key == "brokerId":
                continue
            logged = dump["values"][key]
            if not _same(eff, logged):
                out.append(
                    _f(
                        "warning",
                        "config.boot_differs",
                        b,
                        key,
                        f"file says {key}={eff}; the broker booted with {key}={logged} "
                        f"({where} line {dump['lines'][key]}, {dump['ts']})",
                    )
                )
        logged_id = dump["values"].get("brokerId")
        if (
            logged_id is not None
            and not _same(b.broker_id, logged_id)
            and not _same(b.configured_id, logged_id)
        ):
            out.append(
                _f(
                    "warning",
                    "config.boot_differs",
                    b,
                    "brokerId",
                    f"file gives brokerId {b.broker_id}; the broker booted with brokerId={logged_id} ({where})",
                )
            )
    return out
