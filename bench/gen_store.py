"""Generate a large SYNTHETIC RocketMQ store for speed measurements only (never a test fixture, never "real").

    .venv/bin/python bench/gen_store.py /tmp/rmqbench/b1k --body 1024 --gib 1
    .venv/bin/python bench/gen_store.py /tmp/rmqbench/b128 --body 128 --gib 1 [--file-mib 1024] [--no-index]

Writes ``commitlog/`` (1 GiB files by default, each closed by an end-of-file filler, the last one ending in
zeros like an active broker file), ``consumequeue/<topic>/<qid>/`` (6 000 000-byte files) and one
``index/<yyyyMMddHHmmssSSS>`` file (5 M slots, 20 M entries, keys ``topic#UNIQ_KEY`` and ``topic#KEYS``), laid
out per /work/shared/spec/store-format.md §3, §5, §6 (4.6+/5.x v1 records, IPv4 hosts). Every record of a
file has the same size (fixed-width topic and properties), which lets numpy build a whole file as one
(records × size) matrix. Refuses to write inside the repository. A ``SYNTHETIC.txt`` marker says what it is.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
MAGIC_V1 = 0xDAA320A7
BLANK_MAGIC = 0xCBD43194
CQ_FILE = 300_000 * 20
SLOTS, ENTRIES = 5_000_000, 20_000_000
BASE_TS = 1_764_000_000_000  # 2025-11-24, arbitrary
STORE_IP, STORE_PORT = bytes([10, 0, 0, 1]), 10911
BORN_IP, BORN_PORT = bytes([10, 0, 0, 2]), 50123


def _put(m: np.ndarray, off: int, values: np.ndarray, fmt: str) -> None:
    w = np.dtype(fmt).itemsize
    m[:, off : off + w] = np.asarray(values).astype(fmt).view(np.uint8).reshape(len(m), w)


def _digits(v: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII decimal digits of ``v``, zero-padded."""
    out = np.empty((len(v), width), np.uint8)
    x = v.astype(np.int64).copy()
    for j in range(width - 1, -1, -1):
        out[:, j] = 48 + x % 10
        x //= 10
    return out


def _hex(m: np.ndarray) -> np.ndarray:
    lut = np.frombuffer(b"0123456789ABCDEF", np.uint8)
    out = np.empty((m.shape[0], m.shape[1] * 2), np.uint8)
    out[:, 0::2], out[:, 1::2] = lut[m >> 4], lut[m & 15]
    return out


def jhash_rows(m: np.ndarray) -> np.ndarray:
    """Java ``String.hashCode`` of ASCII rows, vectorised (uint32 arithmetic wraps like Java int)."""
    h = np.zeros(len(m), np.uint32)
    for j in range(m.shape[1]):
        h = h * np.uint32(31) + m[:, j].astype(np.uint32)
    return h.view(np.int32)


def build_file(g0: int, n: int, body: int, topics: int, queues: int, rng: np.random.Generator, base: int):
    """Records g0..g0+n-1 as an (n, size) matrix, plus per-record topic index, queue, queue offset, keys."""
    g = np.arange(g0, g0 + n, dtype=np.int64)
    t = g % topics
    q = (g // topics) % queues
    qo = g // (topics * queues)
    topic = np.frombuffer(b"BenchTopic00", np.uint8)[None, :].repeat(n, 0).copy()
    topic[:, 10:12] = _digits(t, 2)
    uniq_raw = np.zeros((n, 16), np.uint8)
    uniq_raw[:, 0:4] = np.frombuffer(BORN_IP, np.uint8)
    uniq_raw[:, 4:6] = np.frombuffer(b"\x12\x34", np.uint8)
    uniq_raw[:, 6:10] = np.frombuffer(b"\x5a\x5a\x5a\x5a", np.uint8)
    _put(uniq_raw, 10, (g * 7) % 2_000_000_000, ">i4")
    _put(uniq_raw, 14, g & 0xFFFF, ">u2")
    uniq = _hex(uniq_raw)
    keys = np.concatenate([np.frombuffer(b"k", np.uint8)[None, :].repeat(n, 0), _digits(g, 12)], axis=1)
    props = np.concatenate(
        [
            np.frombuffer(b"KEYS\x01", np.uint8)[None, :].repeat(n, 0), keys,
            np.frombuffer(b"\x02UNIQ_KEY\x01", np.uint8)[None, :].repeat(n, 0), uniq,
            np.frombuffer(b"\x02TAGS\x01TagA\x02WAIT\x01true\x02CLUSTER\x01BenchCluster\x02", np.uint8)[None, :].repeat(n, 0),
        ],
        axis=1,
    )
    size = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + body + 1 + topic.shape[1] + 2 + props.shape[1]
    m = np.zeros((n, size), np.uint8)
    bodies = rng.integers(0, 256, (n, body), dtype=np.uint8)
    flat = memoryview(bodies.reshape(-1))
    crc = np.fromiter((zlib.crc32(flat[i * body : (i + 1) * body]) & 0x7FFFFFFF for i in range(n)), np.int64, n)
    _put(m, 0, np.full(n, size), ">i4")
    _put(m, 4, np.full(n, MAGIC_V1, np.uint32), ">u4")
    _put(m, 8, crc, ">i4")
    _put(m, 12, q, ">i4")
    _put(m, 20, qo, ">i8")
    phy = base + np.arange(n, dtype=np.int64) * size
    _put(m, 28, phy, ">i8")
    _put(m, 40, BASE_TS + g, ">i8")
    m[:, 48:52] = np.frombuffer(BORN_IP, np.uint8)
    _put(m, 52, np.full(n, BORN_PORT), ">i4")
    _put(m, 56, BASE_TS + g + 3, ">i8")
    m[:, 64:68] = np.frombuffer(STORE_IP, np.uint8)
    _put(m, 68, np.full(n, STORE_PORT), ">i4")
    _put(m, 84, np.full(n, body), ">i4")
    m[:, 88 : 88 + body] = bodies
    o = 88 + body
    m[:, o] = topic.shape[1]
    m[:, o + 1 : o + 1 + topic.shape[1]] = topic
    o += 1 + topic.shape[1]
    _put(m, o, np.full(n, props.shape[1]), ">i2")
    m[:, o + 2 :] = props
    return m, size, topic, t, q, qo, phy, uniq, keys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--body", type=int, default=1024)
    ap.add_argument("--gib", type=float, default=1.0, help="commitlog bytes to fill, in GiB")
    ap.add_argument("--file-mib", type=int, default=1024, help="commitlog file size (broker default 1024)")
    ap.add_argument("--topics", type=int, default=4)
    ap.add_argument("--queues", type=int, default=8)
    ap.add_argument("--no-index", action="store_true")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    out = a.out.resolve()
    if out == REPO or REPO in out.parents:
        print("refusing to write a synthetic store inside the repository", file=sys.stderr)
        return 2
    (out / "commitlog").mkdir(parents=True, exist_ok=True)
    (out / "SYNTHETIC.txt").write_text(
        "Synthetic store generated by rmqinspect bench/gen_store.py for speed measurements only.\n"
        f"body={a.body} gib={a.gib} file_mib={a.file_mib} seed={a.seed}\n"
    )
    rng = np.random.default_rng(a.seed)
    fsize = a.file_mib << 20
    target = int(a.gib * (1 << 30))
    t0 = time.perf_counter()
    g0 = 0
    base = 0
    cq: dict[tuple[int, int], list[np.ndarray]] = {}
    idx_hash: list[np.ndarray] = []
    idx_phy: list[np.ndarray] = []
    idx_ts: list[np.ndarray] = []
    topic_names = [f"BenchTopic{i:02d}" for i in range(a.topics)]
    tag_code = int(jhash_rows(np.frombuffer(b"TagA", np.uint8)[None, :])[0])
    while base < target:
        probe_size = build_file(0, 1, a.body, a.topics, a.queues, rng, 0)[1]
        remaining_target = target - base
        per_file = (fsize - 8) // probe_size
        last = remaining_target < fsize
        n = per_file if not last else max(1, min(per_file, remaining_target // probe_size))
        m, size, topic, t, q, _qo, phy, uniq, keys = build_file(g0, n, a.body, a.topics, a.queues, rng, base)
        path = out / "commitlog" / f"{base:020d}"
        with open(path, "wb") as f:
            f.write(m.tobytes())
            used = n * size
            if not last:
                f.write((fsize - used).to_bytes(4, "big") + BLANK_MAGIC.to_bytes(4, "big"))
            f.truncate(fsize)
        for ti in range(a.topics):
            for qi in range(a.queues):
                sel = np.flatnonzero((t == ti) & (q == qi))
                cq.setdefault((ti, qi), []).append(phy[sel])
        if not a.no_index:
            hsh = []
            for keym in (uniq, keys):
                full = np.concatenate([topic, np.full((n, 1), ord("#"), np.uint8), keym], axis=1)
                h = jhash_rows(full).astype(np.int64)
                h = np.where(h == -(1 << 31), 0, np.abs(h))
                hsh.append(h)
            # Broker order per message: UNIQ_KEY first, then each KEYS item.
            idx_hash.append(np.stack(hsh, axis=1).ravel())
            idx_phy.append(np.repeat(phy, 2))
            idx_ts.append(np.repeat(BASE_TS + np.arange(g0, g0 + n) + 3, 2))
        print(f"{path.name}: {n} records of {size} B", file=sys.stderr)
        g0 += n
        base += fsize
    # consume queues: 20-byte units (phy i64, size i32, tag code i64)
    for (ti, qi), parts in cq.items():
        phys = np.concatenate(parts)
        u = np.zeros(len(phys), dtype=[("phy", ">i8"), ("size", ">i4"), ("tag", ">i8")])
        u["phy"], u["size"], u["tag"] = phys, size, tag_code
        d = out / "consumequeue" / topic_names[ti] / str(qi)
        d.mkdir(parents=True, exist_ok=True)
        raw = u.tobytes()
        for k in range(0, max(len(raw), 1), CQ_FILE):
            with open(d / f"{k:020d}", "wb") as f:
                f.write(raw[k : k + CQ_FILE])
                f.truncate(CQ_FILE)
    if not a.no_index:
        _write_index(out, np.concatenate(idx_hash), np.concatenate(idx_phy), np.concatenate(idx_ts))
    print(f"done in {time.perf_counter() - t0:.1f}s: {g0} messages, {base} commitlog bytes", file=sys.stderr)
    return 0


def _write_index(out: Path, key_hash: np.ndarray, phy: np.ndarray, ts: np.ndarray) -> None:
    """One index file (spec §6): entries 1..n appended in order, each chained to the previous in its slot."""
    n = min(len(key_hash), ENTRIES - 1)
    key_hash, phy, ts = key_hash[:n], phy[:n], ts[:n]
    entry_no = np.arange(1, n + 1, dtype=np.int64)
    slot = key_hash % SLOTS
    order = np.lexsort((entry_no, slot))
    prev = np.zeros(n, np.int64)
    same = slot[order][1:] == slot[order][:-1]
    prev[order[1:][same]] = entry_no[order[:-1][same]]
    slots = np.zeros(SLOTS, ">i4")
    slots[slot[order]] = entry_no[order]  # last write per slot = newest entry
    begin = int(ts[0])
    e = np.zeros(n, dtype=[("h", ">i4"), ("phy", ">i8"), ("td", ">i4"), ("prev", ">i4")])
    e["h"], e["phy"], e["td"], e["prev"] = key_hash, phy, (ts - begin) // 1000, prev
    header = np.zeros(1, dtype=[("b", ">i8"), ("e", ">i8"), ("bp", ">i8"), ("ep", ">i8"), ("hc", ">i4"), ("ic", ">i4")])
    header["b"], header["e"], header["bp"], header["ep"] = begin, int(ts[-1]), int(phy[0]), int(phy[-1])
    header["hc"], header["ic"] = int(np.count_nonzero(slots)), n + 1
    (out / "index").mkdir(exist_ok=True)
    name = datetime.fromtimestamp(begin / 1000, UTC).strftime("%Y%m%d%H%M%S%f")[:17]
    with open(out / "index" / name, "wb") as f:
        f.write(header.tobytes())
        f.write(slots.tobytes())
        f.write(bytes(20))  # entry 0 is never used
        f.write(e.tobytes())
        f.truncate(40 + 4 * SLOTS + 20 * ENTRIES)
    os.utime(out / "index" / name)


if __name__ == "__main__":
    raise SystemExit(main())
