"""``ROOT/checkpoint``: the 4 KiB file where the broker records how far its data is known flushed.

Layout (spec store-format.md §7; ``StoreCheckpoint.java`` @ 4.4.0, 5.0.0, 5.1.1, 5.3.3), all big-endian i64:

=====  ======================  =================================================================  ==========
 off    field                   meaning                                                             versions
=====  ======================  =================================================================  ==========
 0      physic_msg_ts           store time (ms) of the last commitlog record known flushed          all
 8      logics_msg_ts           store time of the last record written to a consume queue            all
 16     index_msg_ts            endTimestamp of the last index file that *filled up* and flushed    all
 24     master_flushed_offset   HA slave: the master's flushed offset                               5.0.0+
 32     confirm_phy_offset      controller/HA confirm offset                                         5.1.1+
=====  ======================  =================================================================  ==========

Fields a version does not write read as 0 (the file is zero-filled); we report them as read and leave the
interpretation to the caller (``version_hint``). Derived, as the broker computes them for abnormal recovery:
``min_timestamp = max(0, min(physic, logics) - 3000)``, ``min_timestamp_index = min(min_timestamp, index)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..findings import Finding

CHECKPOINT_FILE = "checkpoint"
#: StoreCheckpoint maps OS_PAGE_SIZE bytes.
CHECKPOINT_SIZE = 4096
CHECKPOINT = np.dtype(
    [
        ("physic_msg_ts", ">i8"),
        ("logics_msg_ts", ">i8"),
        ("index_msg_ts", ">i8"),
        ("master_flushed_offset", ">i8"),
        ("confirm_phy_offset", ">i8"),
    ]
)
FIELDS: tuple[str, ...] = tuple(CHECKPOINT.names or ())
#: Fields and the first version that writes them (older files hold zeros there).
SINCE = {"master_flushed_offset": "5.0.0", "confirm_phy_offset": "5.1.1"}


@dataclass(frozen=True, slots=True)
class Checkpoint:
    physic_msg_ts: int
    logics_msg_ts: int
    index_msg_ts: int
    master_flushed_offset: int
    confirm_phy_offset: int
    file_size: int

    @property
    def min_timestamp(self) -> int:
        """``StoreCheckpoint.getMinTimestamp``: the abnormal-recovery cut-off (3 s of slack)."""
        m = min(self.physic_msg_ts, self.logics_msg_ts) - 3000
        return max(m, 0)

    @property
    def min_timestamp_index(self) -> int:
        """``StoreCheckpoint.getMinTimestampIndex`` (used when ``messageIndexSafe=true``)."""
        return min(self.min_timestamp, self.index_msg_ts)

    @property
    def version_hint(self) -> str:
        """Which generation wrote it, from the fields that are non-zero (zeros prove nothing)."""
        if self.confirm_phy_offset:
            return "5.1.1+"
        if self.master_flushed_offset:
            return "5.0.0+"
        return "any"

    def as_dict(self) -> dict[str, int | str]:
        return {
            **{f: getattr(self, f) for f in FIELDS},
            "file_size": self.file_size,
            "min_timestamp": self.min_timestamp,
            "min_timestamp_index": self.min_timestamp_index,
        }


def decode_checkpoint(buf: bytes, *, file: str = CHECKPOINT_FILE, findings: list[Finding] | None = None) -> Checkpoint | None:
    """Decode checkpoint bytes; damage (short file, negative or far-future times) becomes findings."""
    need = CHECKPOINT.itemsize
    n = len(buf)
    if n < need:
        if findings is not None:
            findings.append(Finding("error", "checkpoint_truncated", file, len(buf),
                                    f"checkpoint is {len(buf)} bytes, needs at least {need}"))
        if len(buf) < 24:
            return None
        buf = bytes(buf) + bytes(need - len(buf))
    rec = np.frombuffer(buf, dtype=CHECKPOINT, count=1)[0]
    cp = Checkpoint(*(int(rec[f]) for f in FIELDS), file_size=n)
    if findings is not None:
        if n != CHECKPOINT_SIZE and n >= need:
            findings.append(Finding("warning", "checkpoint_size", file, None,
                                    f"checkpoint is {n} bytes; the broker maps {CHECKPOINT_SIZE}"))
        for i, f in enumerate(FIELDS):
            v = getattr(cp, f)
            if v < 0:
                findings.append(Finding("error", "checkpoint_value", file, i * 8, f"{f} is negative ({v})"))
        if n > need and any(buf[need:]):
            findings.append(Finding("info", "checkpoint_extra", file, need,
                                    "non-zero bytes after the known fields (newer version or damage)"))
    return cp


def read_checkpoint(root: Path, findings: list[Finding] | None = None) -> Checkpoint | None:
    """``ROOT/checkpoint`` or ``None`` (missing → an ``info`` finding: a never-started or foreign store)."""
    from . import fileio

    p = Path(root) / CHECKPOINT_FILE
    if not p.exists():
        if findings is not None:
            findings.append(Finding("warning", "checkpoint_missing", CHECKPOINT_FILE, None, "no checkpoint file"))
        return None
    try:
        buf = fileio.read_file(p, max_bytes=CHECKPOINT_SIZE * 4)
    except OSError as e:
        if findings is not None:
            findings.append(Finding("error", "checkpoint_unreadable", CHECKPOINT_FILE, None, str(e)))
        return None
    return decode_checkpoint(buf, findings=findings)
