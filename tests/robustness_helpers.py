"""Helpers for tests/test_cli_robustness.py: run the real CLI, damage COPIES of real samples, check promises.

Nothing here writes under samples/: every damaging helper takes a path inside pytest's tmp_path.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
_VENV_BIN = ROOT / ".venv" / "bin" / "rmqinspect"
CLI: list[str] = [str(_VENV_BIN)] if _VENV_BIN.exists() else [sys.executable, "-m", "rmqinspect"]

# Payloads that must come out inert: an OSC title change + BEL, a CSI colour, a C1 CSI, and Rich markup.
ESC_PAYLOAD = "\x1b]0;pwned\x07\x1b[31mRED\x1b[0m"
C1_PAYLOAD = "\u009b2JRMQC1"  # C1 CSI + "2J" (clear screen on terminals that honour 8-bit C1 controls)
MARKUP_PAYLOAD = "[bold red]RMQMARK[/]"
LINK_PAYLOAD = "[link=file:///etc/passwd]RMQLINK[/link]"
# Raw bytes that must never reach stdout/stderr: ESC and BEL; and the C1 CSI (U+009B, UTF-8 C2 9B), which
# render/safe.py itself treats as a terminal control ("some terminals treat [C1] as CSI").
FORBIDDEN_BYTES = (b"\x1b", b"\x07")
C1_CSI = b"\xc2\x9b"

MAGIC_V1 = bytes.fromhex("daa320a7")


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("RMQINSPECT_DEBUG", None)
    env.pop("FORCE_COLOR", None)
    env.update(
        NO_COLOR="1", TERM="dumb", COLUMNS="300", LINES="50", PYTHONIOENCODING="utf-8", LC_ALL="C.UTF-8"
    )
    return env


@dataclass
class Result:
    argv: list[str]
    rc: int
    out: bytes
    err: bytes

    def describe(self) -> str:
        out = self.out.decode("utf-8", "replace")
        try:  # a --json document: show its findings, not 2000 characters of file tables
            doc = json.loads(out)
            if isinstance(doc, dict) and "findings" in doc:
                out = "findings: " + json.dumps(doc["findings"][:12], ensure_ascii=True)[:2500]
        except ValueError:
            pass
        return (
            f"argv={self.argv}\nrc={self.rc}\n--- stderr (tail) ---\n{self.err[-2000:].decode('utf-8', 'replace')}"
            f"\n--- stdout (head) ---\n{out[:2500]}"
        )


def run_cli(argv: list[str], *, cwd: Path, timeout: float = 90) -> Result:
    try:
        p = subprocess.run(
            [*CLI, *argv],
            cwd=cwd,
            env=cli_env(),
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as e:
        raise AssertionError(
            f"timed out after {timeout}s: {argv}\nstderr: {(e.stderr or b'')[-1500:]!r}"
        ) from None
    return Result(argv, p.returncode, p.stdout, p.stderr)


def check_result(r: Result, allowed: set[int], *, json_out: bool = False, c1: bool = True) -> None:
    """The universal promises: documented exit code (never 3), no traceback, short error, no raw escapes."""
    info = r.describe()
    assert r.rc != 3, "internal error (exit 3):\n" + info
    assert r.rc in allowed, f"exit {r.rc} not in {sorted(allowed)}:\n" + info
    assert b"Traceback" not in r.err and b"Traceback" not in r.out, "traceback:\n" + info
    for bad in FORBIDDEN_BYTES:
        assert bad not in r.out, f"raw {bad!r} on stdout:\n" + info
        assert bad not in r.err, f"raw {bad!r} on stderr:\n" + info
    if c1:
        assert C1_CSI not in r.out and C1_CSI not in r.err, "raw C1 CSI (U+009B) in output:\n" + info
    err_lines = r.err.decode("utf-8", "replace").strip().splitlines()
    if r.rc == 2:
        assert err_lines, "exit 2 without a message on stderr:\n" + info
        if err_lines[0].startswith("rmqinspect:"):
            assert len(err_lines) <= 3, "long error message:\n" + info
        else:
            # typer/click usage error: "Usage: …", "Try …", and a small boxed message
            assert err_lines[0].startswith("Usage:"), "exit 2 message not 'rmqinspect: …' nor usage:\n" + info
            assert len(err_lines) <= 12, "long usage error:\n" + info
    if json_out and r.rc in (0, 1):
        try:
            json.loads(r.out)
        except ValueError as e:
            raise AssertionError(f"--json output is not one JSON document ({e}):\n" + info) from None


def assert_markup_inert(text: str, inner: str, openings: tuple[str, ...]) -> None:
    """Every shown ``inner`` is still preceded by one of its literal opening tags (Rich did not eat them)."""
    start = 0
    while (i := text.find(inner, start)) >= 0:
        ok = any(text[max(0, i - len(o)) : i] == o for o in openings)
        assert ok, f"markup {openings} + {inner!r} was interpreted near: {text[max(0, i - 80) : i + 60]!r}"
        start = i + len(inner)


# --- snapshots (read-only promise) -------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, tuple]:
    """Listing + mode + size + mtime_ns + sha256 of everything under root (root itself included)."""
    snap: dict[str, tuple] = {}
    if not root.exists():
        return {".": None}  # type: ignore[dict-item]
    st = root.lstat()
    if root.is_file():
        return {".": (st.st_mode, st.st_size, st.st_mtime_ns, hashlib.sha256(root.read_bytes()).hexdigest())}
    snap["."] = (st.st_mode, st.st_mtime_ns)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            digest = (
                hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() and not p.is_symlink() else None
            )
            snap[str(p.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return snap


def snapshot_diff(before: dict, after: dict) -> list[str]:
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) != after.get(k))


# --- commitlog records (own minimal decoder, independent of the product's) ---------------------------


@dataclass
class Rec:
    file: Path
    pos: int  # position inside the file
    total: int
    topic_at: int  # position of the topic bytes inside the file
    topic: bytes
    props_at: int
    props: bytes


def records(cl_file: Path, limit: int = 10_000) -> list[Rec]:
    b = cl_file.read_bytes()
    out: list[Rec] = []
    pos = 0
    while pos + 8 <= len(b) and len(out) < limit:
        total, magic = struct.unpack_from(">i4s", b, pos)
        if magic != MAGIC_V1 or total <= 0:
            break
        sysflag = struct.unpack_from(">i", b, pos + 36)[0]
        bh = 20 if sysflag & 0x10 else 8
        sh = 20 if sysflag & 0x20 else 8
        body_len = struct.unpack_from(">i", b, pos + 68 + bh + sh)[0]
        t = pos + 72 + bh + sh + body_len
        tl = b[t]
        topic_at = t + 1
        plen = struct.unpack_from(">h", b, topic_at + tl)[0]
        props_at = topic_at + tl + 2
        out.append(
            Rec(
                cl_file,
                pos,
                total,
                topic_at,
                b[topic_at : topic_at + tl],
                props_at,
                b[props_at : props_at + plen],
            )
        )
        pos += total
    return out


def patch(path: Path, at: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(at)
        f.write(data)


def commitlog_files(store: Path) -> list[Path]:
    return sorted((store / "commitlog").iterdir())


def replace_keep_length(value: bytes, payload: str) -> bytes:
    """``payload`` as UTF-8, cut or padded with '_' to exactly len(value) bytes."""
    p = payload.encode()
    if len(p) > len(value):
        raise ValueError(f"payload {payload!r} longer than {len(value)} bytes")
    return p + b"_" * (len(value) - len(p))


def set_property(rec: Rec, key: bytes, payload: str) -> None:
    parts = rec.props.split(b"\x02")
    at = rec.props_at
    for part in parts:
        name, _, val = part.partition(b"\x01")
        if name == key:
            patch(rec.file, at + len(name) + 1, replace_keep_length(val, payload))
            return
        at += len(part) + 1
    raise KeyError(key)


# --- logs ------------------------------------------------------------------------------------------------


def gzip_truncated(src: Path, dst: Path) -> None:
    data = gzip.compress(src.read_bytes())
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data[: len(data) // 2])


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst
