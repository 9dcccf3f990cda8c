#!/usr/bin/env python3
"""Regenerate ``rmqinspect/data/known_keys_<version>.json`` from RocketMQ's real jars.

Why from the jars: a broker reads its ``.properties`` file with ``MixAll.properties2Object`` (rocketmq-common),
which walks ``getClass().getMethods()`` of each config object, takes every public ``setXxx`` method, turns
``Xxx`` into the key ``xxx`` (first letter lower-cased) and converts the value by the setter's parameter type:
``int/Integer``, ``long/Long``, ``double/Double``, ``boolean/Boolean``, ``float/Float`` or ``String``. Any other
parameter type is skipped, and any exception while parsing/invoking (e.g. ``Integer.parseInt("10911 ")``) is
swallowed (``catch Throwable``). Keys that match no setter are silently ignored. So the set of keys a version
honours is exactly the set of public one-argument setters of the objects ``BrokerStartup`` passes to
``properties2Object``; we read those with ``javap`` (JDK) rather than copying lists by hand.

The config classes are found from ``BrokerStartup``'s bytecode: every ``new org/apache/rocketmq/...Config``
(4.x: BrokerConfig, NettyServerConfig, NettyClientConfig, MessageStoreConfig; 5.3.x adds auth's AuthConfig).
Superclasses are followed (5.x ``BrokerConfig extends BrokerIdentity``).

Usage::

    python scripts/gen_known_keys.py 4.4.0 4.5.2 4.9.7 5.3.3      # jars from ~/.m2 (mvn dependency:get ...)

Verified against: ``javap -c MixAll.class`` (rocketmq-common 4.9.7), ``properties2Object`` branch list above.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

M2 = Path.home() / ".m2/repository/org/apache/rocketmq"
OUT = Path(__file__).resolve().parent.parent / "rmqinspect/data"
ARTIFACTS = ("common", "store", "remoting", "broker", "auth", "srvutil")
SUPPORTED = {"int", "Integer", "long", "Long", "double", "Double", "boolean", "Boolean", "float", "Float", "String"}
_SETTER = re.compile(r"public \S+ set(\w+)\(([\w.$<>]+)\);")
_EXTENDS = re.compile(r"class ([\w.$]+) extends ([\w.$]+)")
_NEW_CONFIG = re.compile(r"// class (org/apache/rocketmq/[\w/$]+Config)\b")


def _jars(version: str) -> list[Path]:
    jars = []
    for a in ARTIFACTS:
        j = M2 / f"rocketmq-{a}/{version}/rocketmq-{a}-{version}.jar"
        if j.exists():
            jars.append(j)
    if not any("broker" in j.name for j in jars):
        raise SystemExit(f"no rocketmq-broker {version} jar under {M2}; run: mvn dependency:get "
                         f"-Dartifact=org.apache.rocketmq:rocketmq-broker:{version} -Dtransitive=false (and common, store, remoting)")
    return jars


def _javap(cp: str, *args: str) -> str:
    return subprocess.run(["javap", "-cp", cp, *args], check=True, capture_output=True, text=True).stdout


def _config_classes(cp: str) -> list[str]:
    code = _javap(cp, "-c", "-p", "org.apache.rocketmq.broker.BrokerStartup")
    seen: list[str] = []
    for m in _NEW_CONFIG.finditer(code):
        name = m.group(1).replace("/", ".")
        if name not in seen:
            seen.append(name)
    return seen


_INSN = re.compile(r"^\s*\d+: (\w+)\s*(.*)$")
_CONST = re.compile(r"// (?:int|long|float|double|String) (.*)$")


def _constructor_defaults(cp: str, cls: str) -> dict[str, object]:
    """Field defaults assigned from a constant in the no-arg constructor (``this.x = <constant>``).

    Fields initialised from an expression (``user.home``, ``Runtime.availableProcessors()``, ``null``) are left
    out on purpose: their value depends on the host, and the lint says so instead of guessing.
    """
    code = _javap(cp, "-c", "-p", cls)
    start = code.find(f"public {cls}();")
    if start < 0:
        return {}
    body = code[start:code.find("\n\n", start)]
    out: dict[str, object] = {}
    last: object = None
    for line in body.splitlines():
        m = _INSN.match(line)
        if not m:
            continue
        op, rest = m.groups()
        if op == "aload_0":
            continue
        if op.startswith("iconst_"):
            last = -1 if op == "iconst_m1" else int(op[7:])
        elif op in ("lconst_0", "lconst_1"):
            last = int(op[-1])
        elif op in ("bipush", "sipush"):
            last = int(rest.split()[0])
        elif op in ("ldc", "ldc_w", "ldc2_w"):
            c = _CONST.search(rest)
            last = c.group(1) if c else None
            if c and not rest.split("//")[1].strip().startswith("String"):
                num = c.group(1).rstrip("lfdLFD")
                last = float(num) if "." in num or "E" in num else int(num)
        elif op == "putfield" and last is not None:
            f = re.search(r"// Field (\w+):(\S+)", rest)
            if f:
                name, desc = f.groups()
                if desc == "Z":
                    out[name] = bool(last)
                elif desc in ("I", "J", "D", "F", "Ljava/lang/String;"):
                    out[name] = last
            last = None
        else:
            last = None
    return out


def _setters(cp: str, cls: str) -> dict[str, list[str]]:
    """Public one-argument setters of ``cls`` and its RocketMQ superclasses, key → parameter simple type names."""
    keys: dict[str, list[str]] = {}
    while cls.startswith("org.apache.rocketmq."):
        text = _javap(cp, "-public", cls)
        for m in _SETTER.finditer(text):
            name, ptype = m.group(1), m.group(2).rsplit(".", 1)[-1].split("<")[0]
            key = name[:1].lower() + name[1:]
            keys.setdefault(key, [])
            if ptype not in keys[key]:
                keys[key].append(ptype)
        ext = _EXTENDS.search(text)
        cls = ext.group(2) if ext else ""
    return keys


def generate(version: str) -> dict:
    jars = _jars(version)
    cp = ":".join(str(j) for j in jars)
    classes = _config_classes(cp)
    keys: dict[str, dict] = {}
    for cls in classes:
        short = cls.rsplit(".", 1)[-1]
        defaults: dict[str, object] = {}
        parent = cls
        while parent.startswith("org.apache.rocketmq."):
            defaults = {**_constructor_defaults(cp, parent), **defaults}
            ext = _EXTENDS.search(_javap(cp, "-public", parent))
            parent = ext.group(2) if ext else ""
        for key, types in _setters(cp, cls).items():
            entry = keys.setdefault(key, {"types": [], "classes": []})
            entry["types"] += [t for t in types if t not in entry["types"]]
            entry["classes"].append(short)
            if key in defaults and "default" not in entry:
                entry["default"] = defaults[key]
    enums: dict[str, list[str]] = {}
    for entry in keys.values():
        entry["settable"] = any(t in SUPPORTED for t in entry["types"])
        for t in entry["types"]:
            if t not in SUPPORTED and t not in enums:
                consts = _enum_constants(cp, t)
                if consts:
                    enums[t] = consts
    return {
        "version": version,
        "generated_by": "scripts/gen_known_keys.py (javap on the released jars; see its docstring)",
        "jars": {j.name: hashlib.sha1(j.read_bytes()).hexdigest() for j in jars},
        "config_classes": classes,
        "enums": enums,
        "commitlog_follows_root": _commitlog_follows_root(cp),
        "keys": dict(sorted(keys.items())),
    }


_ENUM_PACKAGES = ("org.apache.rocketmq.store.config", "org.apache.rocketmq.common", "org.apache.rocketmq.common.message")


def _enum_constants(cp: str, simple: str) -> list[str]:
    """Constants of a RocketMQ enum (``BrokerRole``, ``FlushDiskType`` …): a String setter for it calls
    ``Enum.valueOf``, which throws on anything else, and ``properties2Object`` swallows that."""
    for pkg in _ENUM_PACKAGES:
        try:
            text = _javap(cp, "-public", f"{pkg}.{simple}")
        except subprocess.CalledProcessError:
            continue
        if " extends java.lang.Enum<" not in text:
            return []
        return re.findall(r"public static final [\w.]+\." + simple + r" (\w+);", text)
    return []


def _commitlog_follows_root(cp: str) -> bool:
    """True when ``storePathCommitLog`` defaults to null (then ``getStorePathCommitLog`` derives
    ``storePathRootDir/commitlog``); false when the constructor fixes it to ``${user.home}/store/commitlog``
    (4.4.0, 4.5.2: setting only storePathRootDir leaves the commitlog in the home directory)."""
    code = _javap(cp, "-c", "-p", "org.apache.rocketmq.store.config.MessageStoreConfig")
    return re.search(r"aconst_null\s+\d+: putfield\s+#\d+\s+// Field storePathCommitLog:", code) is not None


def _dump(doc: dict) -> str:
    """One key per line: small diffs when a version is regenerated."""
    head = {k: v for k, v in doc.items() if k != "keys"}
    body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in doc["keys"].items())
    text = json.dumps(head, indent=1)
    return text[:-2] + ',\n "keys": {\n' + body + "\n }\n}\n"


def main(argv: list[str]) -> int:
    versions = argv or ["4.4.0", "4.5.2", "4.9.7", "5.3.3"]
    OUT.mkdir(parents=True, exist_ok=True)
    for v in versions:
        doc = generate(v)
        path = OUT / f"known_keys_{v}.json"
        path.write_text(_dump(doc), encoding="utf-8")
        print(f"{path}: {len(doc['keys'])} keys from {', '.join(c.rsplit('.', 1)[-1] for c in doc['config_classes'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
