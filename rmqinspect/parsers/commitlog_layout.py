"""CommitLog record layout: every byte-level fact about ``commitlog/<20-digit>`` files, in one place.

Source: /work/shared/spec/store-format.md §3 (checked against ``store/.../CommitLog.java``
``checkMessageAndReturnSize`` and ``common/.../message/MessageDecoder.java`` of apache/rocketmq, 4.4.0 … 5.3.3).
All integers are big-endian and signed (Java ``ByteBuffer``).

Record (offsets for IPv4 born/store hosts; ``bh``/``sh`` = 8, or 20 when the v6 sysflag bit is set)::

    0  TOTALSIZE i32      4  MAGICCODE i32     8  BODYCRC i32      12 QUEUEID i32    16 FLAG i32
    20 QUEUEOFFSET i64    28 PHYSICALOFFSET i64                    36 SYSFLAG i32    40 BORNTIMESTAMP i64
    48 BORNHOST bh        48+bh STORETIMESTAMP i64                 56+bh STOREHOST sh
    56+bh+sh RECONSUMETIMES i32   60+bh+sh PREPAREDTXOFFSET i64   68+bh+sh BODYLEN i32   72+bh+sh BODY
    then TOPICLEN (i8 for magic v1, i16 for v2) + TOPIC, then PROPLEN i16 + PROPERTIES

Invariant the broker enforces (``calMsgLength``)::

    TOTALSIZE == 4+4+4+4+4+8+8+4+8+bh+8+sh+4+8 + 4+bodyLen + tl+topicLen + 2+propLen

The compiled kernels (``_commitlog_kernels``) bake these constants into their machine code, and numba's on-disk
cache is keyed on that module's file only: after editing a constant here, delete
``rmqinspect/parsers/__pycache__/_commitlog_kernels.*.nb[ic]`` (a fresh checkout has no cache).
"""

from __future__ import annotations

import numpy as np

# --- magic codes (§3.3) ------------------------------------------------------------------------------
MAGIC_V1 = -626843481  # 0xDAA320A7: 1-byte topic length; all versions
MAGIC_V2 = -626843477  # 0xDAA320AB: 2-byte topic length; 5.0.0+ for topics > 127 bytes
BLANK_MAGIC = -875286124  # 0xCBD43194: end-of-file filler
MAGIC_V1_BYTES = bytes.fromhex("daa320a7")
MAGIC_V2_BYTES = bytes.fromhex("daa320ab")
BLANK_MAGIC_BYTES = bytes.fromhex("cbd43194")

# --- fixed field offsets (independent of host widths) -------------------------------------------------
OFF_TOTALSIZE = 0
OFF_MAGIC = 4
OFF_BODYCRC = 8
OFF_QUEUEID = 12
OFF_FLAG = 16
OFF_QUEUEOFFSET = 20
OFF_PHYSICALOFFSET = 28
OFF_SYSFLAG = 36
OFF_BORNTIMESTAMP = 40
OFF_BORNHOST = 48
# Offsets below depend on host widths: base + bh (+ sh).
REL_STORETIMESTAMP = 48  # + bh
REL_STOREHOST = 56  # + bh
REL_RECONSUMETIMES = 56  # + bh + sh
REL_PREPAREDTXOFFSET = 60  # + bh + sh
REL_BODYLEN = 68  # + bh + sh
REL_BODY = 72  # + bh + sh

HOST_V4_LEN = 8  # 4-byte address + i32 port
HOST_V6_LEN = 20  # 16-byte address + i32 port

# Fixed header bytes excluding the two hosts, up to and including BODYLEN (= REL_BODY), so that
# TOTALSIZE = REL_BODY + bh + sh + bodyLen + tl + topicLen + 2 + propLen.
HEADER_NO_HOSTS = REL_BODY
MIN_RECORD_V4 = REL_BODY + 2 * HOST_V4_LEN + 1 + 2  # 91: empty body, empty topic, no properties
MIN_BLANK = 8  # filler header: TOTALSIZE + BLANK_MAGIC

# --- SYSFLAG bits (§3.5, MessageSysFlag.java) -------------------------------------------------------
FLAG_COMPRESSED = 0x001
FLAG_MULTI_TAGS = 0x002
MASK_TRANSACTION = 0x00C
TRAN_NOT_TYPE = 0x0
TRAN_PREPARED = 0x4
TRAN_COMMIT = 0x8
TRAN_ROLLBACK = 0xC
FLAG_BORNHOST_V6 = 0x010
FLAG_STOREHOST_V6 = 0x020
FLAG_NEED_UNWRAP = 0x040
FLAG_INNER_BATCH = 0x080
MASK_COMPRESSION = 0x700
SHIFT_COMPRESSION = 8
TRAN_NAMES = {TRAN_NOT_TYPE: "NOT_TYPE", TRAN_PREPARED: "PREPARED", TRAN_COMMIT: "COMMIT", TRAN_ROLLBACK: "ROLLBACK"}
# (sysflag & 0x700) >> 8: 0 = zlib (legacy, 4.4–4.9.3 and default), 1 = LZ4, 2 = ZSTD, 3 = ZLIB.
COMPRESSION_NAMES = {0: "zlib", 1: "lz4", 2: "zstd", 3: "zlib"}

# --- properties (§3.8) ---------------------------------------------------------------------------------
NAME_VALUE_SEPARATOR = 0x01
PROPERTY_SEPARATOR = 0x02
PROP_KEYS = "KEYS"  # space-separated user keys
PROP_TAGS = "TAGS"
PROP_UNIQ_KEY = "UNIQ_KEY"
PROP_CRC32 = "__CRC32#"  # 5.2.0+: CRC of record[0:TOTALSIZE-20], 10 decimal digits least-significant first
PROP_CRC32_RESERVED_LEN = 20
MAX_PROPERTIES_LEN = 32767

# Largest body the broker accepts is maxMessageSize (default 4 MiB, configurable); a TOTALSIZE above this
# cap is treated as absurd even if it would fit in the file (§3.2: > 4 GiB can never be valid anyway).
MAX_SANE_TOTALSIZE = 1 << 30

# Fixed leading header as a big-endian structured dtype: fields 1..9 sit at the same offsets whatever the
# host widths, so they decode as whole columns straight from gathered 48-byte rows.
HEAD_DTYPE = np.dtype(
    [
        ("total_size", ">i4"),
        ("magic", ">i4"),
        ("body_crc", ">i4"),
        ("queue_id", ">i4"),
        ("flag", ">i4"),
        ("queue_offset", ">i8"),
        ("stored_phy_offset", ">i8"),
        ("sysflag", ">i4"),
        ("born_ts", ">i8"),
    ]
)
assert HEAD_DTYPE.itemsize == OFF_BORNHOST


def host_len(sysflag: int, v6_bit: int) -> int:
    """Width of a host field: the v6 bits were added in 4.6.0; older readers that ignore them misparse."""
    return HOST_V6_LEN if sysflag & v6_bit else HOST_V4_LEN


def expected_total_size(bh: int, sh: int, body_len: int, topic_len_width: int, topic_len: int, prop_len: int) -> int:
    """``calMsgLength``: the broker rejects a record whose TOTALSIZE differs from this."""
    return HEADER_NO_HOSTS + bh + sh + body_len + topic_len_width + topic_len + 2 + prop_len

#: Python's datetime range (years 1–9999) in epoch ms: a damaged record's garbage time outside it would make
#: every consumer that turns rows into Python objects (JSON, the TUI) fail, so it becomes null instead.
TS_MIN_MS, TS_MAX_MS = -62_135_596_800_000, 253_402_300_799_999
