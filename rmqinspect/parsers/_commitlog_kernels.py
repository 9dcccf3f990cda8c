"""The numba kernels behind ``commitlog_jit`` (imported only through ``commitlog_jit.kernels()``, which falls
back to numpy when this module cannot be imported). Module-level functions, so numba's on-disk cache
(``cache=True``, in ``__pycache__``) is reused across processes."""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

from .commitlog_layout import (
    BLANK_MAGIC,
    FLAG_BORNHOST_V6,
    FLAG_COMPRESSED,
    FLAG_INNER_BATCH,
    FLAG_STOREHOST_V6,
    HOST_V4_LEN,
    HOST_V6_LEN,
    MAGIC_V1,
    MAGIC_V2,
    MASK_COMPRESSION,
    MASK_TRANSACTION,
    MAX_SANE_TOTALSIZE,
    MIN_RECORD_V4,
    NAME_VALUE_SEPARATOR,
    PROP_CRC32,
    PROP_KEYS,
    PROP_TAGS,
    PROP_UNIQ_KEY,
    PROPERTY_SEPARATOR,
    REL_BODY,
    REL_BODYLEN,
    REL_PREPAREDTXOFFSET,
    REL_RECONSUMETIMES,
    REL_STORETIMESTAMP,
    SHIFT_COMPRESSION,
    TS_MAX_MS,
    TS_MIN_MS,
)

njit = numba.njit(cache=True, nogil=True, boundscheck=False, _nrt=False)
inline = numba.njit(cache=True, nogil=True, boundscheck=False, inline="always", _nrt=False)
magic_v1, magic_v2, blank = np.int64(MAGIC_V1), np.int64(MAGIC_V2), np.int64(BLANK_MAGIC)
min_rec, max_rec = np.int64(MIN_RECORD_V4), np.int64(MAX_SANE_TOTALSIZE)

def _load(width: int, big_endian: bool, signed: bool):  # type: ignore[no-untyped-def]
    """An intrinsic ``f(a, p)``: the ``width``-bit integer at ``a[p:]`` (a uint8 array) as int64 (signed or not),
    or, for 64 bits little-endian, as uint64. One unaligned load (and a byte swap): written byte by byte, numba
    emits a negative-index check and a load per byte, which LLVM does not merge (measured 3.4x slower)."""

    @intrinsic
    def load(typingctx, arr, idx):  # type: ignore[no-untyped-def]
        ret = types.uint64 if (width == 64 and not big_endian) else types.int64

        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            ary = context.make_array(signature.args[0])(context, builder, args[0])
            ptr = builder.bitcast(builder.gep(ary.data, [args[1]]), ir.IntType(width).as_pointer())
            v = builder.load(ptr, align=1)
            if big_endian:
                v = builder.bswap(v)
            if width < 64:
                v = builder.sext(v, ir.IntType(64)) if signed else builder.zext(v, ir.IntType(64))
            return v

        return ret(arr, idx), codegen

    return load


#: Big-endian signed integers at ``a[p:]`` (RocketMQ's header fields), as int64.
be_i16 = _load(16, True, True)
be_i32 = _load(32, True, True)
be_i64 = _load(64, True, True)
#: ``a[p : p+8]`` as a little-endian u64. Reads past a string's end stay inside the chunk: the reader keeps
#: ``commitlog_decode.PAD`` (128) bytes after it.
ld8 = _load(64, False, False)


@intrinsic
def st8(typingctx, arr, idx, val):  # type: ignore[no-untyped-def]
    """Store the u64 ``val`` little-endian at ``arr[idx : idx+8]`` (one unaligned store)."""

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.bitcast(builder.gep(ary.data, [args[1]]), ir.IntType(64).as_pointer())
        builder.store(args[2], ptr, align=1)
        return context.get_dummy_value()

    return types.void(arr, idx, types.uint64), codegen


@intrinsic
def prefetch(typingctx, arr, idx):  # type: ignore[no-untyped-def]
    """Hint the CPU to load the cache line of ``arr[idx]`` (``llvm.prefetch``: a read, kept in all levels). Never
    faults, whatever the address."""

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.gep(ary.data, [args[1]])
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32]),
                                            "llvm.prefetch.p0")
        builder.call(fn, [ptr, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(arr, idx), codegen


@njit
def walk(a: np.ndarray, start: int, n: int, room: int, out_starts: np.ndarray, out_sizes: np.ndarray):
    """The sequential walk of ``commitlog_decode.walk_chain``: (records, stop, reason code, TOTALSIZE, magic)."""
    p = np.int64(start)
    k = 0
    while True:
        if p >= n:
            return k, p, (0 if p >= room else 1), 0, 0
        if p + 8 > n:
            return k, p, (1 if p + 8 <= room else 2), 0, 0
        prefetch(a, p + 2048)  # a dependent chain through memory: ask for the lines ahead of it
        ts = be_i32(a, p)
        mg = be_i32(a, p + 4)
        if mg == magic_v1 or mg == magic_v2:
            if ts < min_rec or ts > max_rec or p + ts > room:
                return k, p, 2, ts, mg
            if p + ts > n:
                return k, p, 1, ts, 0
            out_starts[k] = p
            out_sizes[k] = ts
            k += 1
            p += ts
        elif mg == blank:
            return k, p, 3, ts, mg
        elif ts == 0 and mg == 0:
            return k, p, 4, ts, mg
        else:
            return k, p, 5, ts, mg

v6_born, v6_store = np.int64(FLAG_BORNHOST_V6), np.int64(FLAG_STOREHOST_V6)
host_v4, host_v6 = np.int64(HOST_V4_LEN), np.int64(HOST_V6_LEN)
rel_ts, rel_rc, rel_tx = np.int64(REL_STORETIMESTAMP), np.int64(REL_RECONSUMETIMES), np.int64(REL_PREPAREDTXOFFSET)
rel_bl, rel_body = np.int64(REL_BODYLEN), np.int64(REL_BODY)

mask_tx, mask_comp, shift_comp = np.int64(MASK_TRANSACTION), np.int64(MASK_COMPRESSION), np.int64(SHIFT_COMPRESSION)
flag_comp, flag_batch = np.int64(FLAG_COMPRESSED), np.int64(FLAG_INNER_BATCH)
ts_min, ts_max = np.int64(TS_MIN_MS), np.int64(TS_MAX_MS)
nv = np.uint8(NAME_VALUE_SEPARATOR)
pv_word = np.uint64(PROPERTY_SEPARATOR * 0x0101010101010101)  # the separator in every byte

hexd = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8).copy()
#: Two upper-case hex digits of a byte, as a little-endian u16 (first digit in the low byte).
hex2 = np.array([hexd[c >> 4] | (np.uint64(hexd[c & 15]) << 8) for c in range(256)], dtype=np.uint64)

u7, u16, u32, u48, u56 = np.uint64(7), np.uint64(16), np.uint64(32), np.uint64(48), np.uint64(56)
low7 = np.uint64(0x7F7F7F7F7F7F7F7F)
all64 = np.uint64(0xFFFFFFFFFFFFFFFF)
low32 = np.uint64(0xFFFFFFFF)


@inline
def mask(nbytes):
    """The low ``nbytes`` bytes of a u64 (0 ≤ nbytes; 8 or more: all of it)."""
    return all64 if nbytes >= 8 else (np.uint64(1) << np.uint64(8 * nbytes)) - np.uint64(1)


@inline
def zero_bytes(v):
    """0x80 in every byte of ``v`` that is zero, nothing elsewhere (exact: no carries between bytes)."""
    return ~(((v & low7) + low7) | v | low7)


#: ``((m >> 7) * gather) >> 56`` packs the top bits of the 8 bytes of ``m`` into one byte (byte q → bit q).
gather = np.uint64(0x0102040810204080)


@inline
def pv_bits(a, s, ln, bits):
    """Set bit ``q`` of the bitmap ``bits`` (64 positions a word) where ``a[s+q]`` = 0x02, the properties' entry
    separator, for ``q < ln``, and bit ``ln`` as a sentinel (the last entry ends there). Branch-free over eight
    bytes a step: the entries are then found from the bitmap, without a data-dependent search per entry."""
    last = ln >> 6
    for w in range(last + 1):
        bits[w] = 0
    acc = np.uint64(0)
    nw8 = (ln + 7) >> 3
    for w8 in range(nw8):
        m = zero_bytes(ld8(a, s + 8 * w8) ^ pv_word)
        acc |= (((m >> u7) * gather) >> u56) << np.uint64(8 * (w8 & 7))
        if w8 & 7 == 7:
            bits[w8 >> 3] = acc
            acc = np.uint64(0)
    if nw8 & 7:
        bits[nw8 >> 3] = acc
    sb = np.uint64(ln & 63)
    bits[last] = (bits[last] & ((np.uint64(1) << sb) - np.uint64(1))) | (np.uint64(1) << sb)
    return last + 1


@inline
def view(a, s, ln, views, i, heap, h):
    """Write the Arrow string-view of ``a[s : s+ln]`` at ``views[2i : 2i+2]``: up to 12 bytes inline, longer ones
    copied to ``heap[h:]`` (the column's buffer 0) and referenced; an empty view for an absent string (``s`` < 0).
    Returns (next heap position, the OR of the string's bytes — its 0x80 bits say whether it is all ASCII)."""
    if s < 0:
        views[2 * i] = views[2 * i + 1] = 0
        return h, np.uint64(0)
    lo = ld8(a, s) & mask(ln)
    if ln <= 12:
        hi = ld8(a, s + 4) & mask(ln - 4) if ln > 4 else np.uint64(0)
        views[2 * i] = np.uint64(ln) | ((lo & low32) << u32)
        views[2 * i + 1] = hi
        return h, lo | hi
    views[2 * i] = np.uint64(ln) | ((lo & low32) << u32)
    views[2 * i + 1] = np.uint64(h) << u32
    acc = np.uint64(0)
    q = 0
    while q < ln:  # whole words; the last one's bytes past the string are overwritten by the next string
        w = ld8(a, s + q)
        st8(heap, h + q, w)
        acc |= w & mask(ln - q)
        q += 8
    return h + ln, acc


def _word(raw: bytes) -> np.uint64:
    return np.uint64(int.from_bytes(raw, "little"))


# The wanted property names, picked out by comparing a record's entry with whole words: TAGS and KEYS (4 bytes)
# with their 0x01 in one 5-byte compare, UNIQ_KEY and __CRC32# (8 bytes) in one word plus the byte after.
assert len(PROP_TAGS) == len(PROP_KEYS) == 4 and len(PROP_UNIQ_KEY) == len(PROP_CRC32) == 8
tags_sep, keys_sep = _word(PROP_TAGS.encode() + b"\x01"), _word(PROP_KEYS.encode() + b"\x01")
uniq_word, crc_word = _word(PROP_UNIQ_KEY.encode()), _word(PROP_CRC32.encode())
low40 = np.uint64((1 << 40) - 1)


@inline
def name_index(a, seg, j):
    """Which wanted name the entry ``a[seg:j]`` holds: 0 TAGS, 1 KEYS, 2 UNIQ_KEY, 3 __CRC32#, or -1.
    ``MessageDecoder`` splits an entry at its first 0x01 and skips it if it is under 3 bytes or its name or value
    is empty; a wanted name (no 0x01/0x02 in it) therefore matches when the entry is that name, 0x01 and at least
    one more byte."""
    w = ld8(a, seg)
    if j - seg >= 6:
        w5 = w & low40
        if w5 == tags_sep:
            return 0
        if w5 == keys_sep:
            return 1
    if j - seg >= 10 and a[seg + 8] == nv:
        if w == uniq_word:
            return 2
        if w == crc_word:
            return 3
    return -1


#: Records per block: the three passes run over one block at a time, so the bytes stay in the core's caches.
BLOCK = 512
#: How many records ahead pass 1 prefetches.
PREFETCH = 8


@njit
def decode_all(a, R, sizes, base, i32o, i64o, tmp, i8o, flags, counts, ok, views, heap0, heap1, heap2, heap3, heap4,
               heap5, used, svalid, ascii_or, crc_pos, uniq_count, bits):
    """Fixed fields, the calMsgLength invariant and the string columns of every record ``a[R[i] : R[i]+sizes[i]]``.

    ``i64o`` (frame columns, fresh) and ``tmp`` (intermediates, a reused buffer: fresh memory costs a read per
    line written) are laid out as ``commitlog_jit.decode_records`` says; ``base`` is the commitlog offset of
    ``a[0]``. ``views[c]`` is column ``c`` as Arrow string-views (16 bytes per row; long strings in ``heap<c>``,
    its own buffer: Arrow IPC and Parquet write each column's buffers, so a shared one would be written once per
    column), ``used[c]`` the bytes of that heap used. Columns: topic, TAGS, KEYS, last UNIQ_KEY, first UNIQ_KEY
    (only where a record has several), offset msgId; ``svalid[c]`` their validity, ``ascii_or[c]`` the OR of
    their bytes. ``crc_pos`` is the (start, length) of a ``__CRC32#`` value (start -1 if none), ``uniq_count``
    the UNIQ_KEY entries per record, ``counts`` the IPv6 born/store hosts and out-of-range timestamps.
    Module-level names are constants: a local of the same name would silently shadow one (it happened).

    Blocks of :data:`BLOCK` records, three passes each, each touching one region of every record (header, end of
    body, properties): the loads of one pass do not depend on each other, so cache misses overlap (one dependent
    chain per record measured 2x slower on 1 KiB records)."""
    n = len(R)
    hp0 = hp1 = hp2 = hp3 = hp4 = hp5 = 0
    or0 = or1 = or2 = or3 = or4 = np.uint64(0)
    n6b = n6s = nts = 0  # (locals: a += on an array element per record is a store-to-load chain)
    for b0 in range(0, n, BLOCK):
        b1 = min(n, b0 + BLOCK)
        # pass 1: header fields, and the msgId from the store host and the stored PHYSICALOFFSET
        for i in range(b0, b1):
            # The records are far out of the caches by now (the chunk was read 16 MiB ago): fetch the header
            # and tail lines (topic, properties) of the record PREFETCH ahead, so that passes 1-3 find them.
            f = R[min(i + PREFETCH, n - 1)]
            fe = f + sizes[min(i + PREFETCH, n - 1)]
            prefetch(a, f)
            prefetch(a, f + 64)
            for q in range(max(f + 128, fe - 256), fe, 64):
                prefetch(a, q)
            prefetch(a, fe - 1)
            r = R[i]
            magic = be_i32(a, r + 4)
            sysflag = be_i32(a, r + 36)
            bh = host_v6 if sysflag & v6_born else host_v4
            sh = host_v6 if sysflag & v6_store else host_v4
            hb = r + bh + sh
            stored_phy = be_i64(a, r + 28)
            i32o[0, i] = magic
            i32o[1, i] = be_i32(a, r + 8)
            i32o[2, i] = be_i32(a, r + 12)
            i32o[3, i] = be_i32(a, r + 16)
            i32o[4, i] = sysflag
            i32o[5, i] = be_i32(a, hb + rel_rc)
            i32o[6, i] = 2 if magic == magic_v2 else 1
            i64o[0, i] = be_i64(a, r + 20)
            i64o[1, i] = stored_phy
            i64o[2, i] = be_i64(a, r + 40)
            i64o[3, i] = be_i64(a, r + rel_ts + bh)
            i64o[4, i] = be_i64(a, hb + rel_tx)
            tmp[0, i] = be_i32(a, hb + rel_bl)
            tmp[1, i] = hb + rel_body  # body offset until pass 2
            tmp[5, i] = be_i64(a, r + 48)  # born host: 4-byte address + port (v4; v6 rows are redone in numpy)
            tmp[6, i] = be_i64(a, r + rel_ts + bh + 8)  # store host
            tmp[7, i] = hb + rel_body
            i64o[5, i] = base + r
            i64o[6, i] = base + hb + rel_body
            # columns numpy would otherwise derive (one pass over each column per chunk, ~8 of them)
            i32o[7, i] = sizes[i]
            i32o[8, i] = tmp[0, i]
            i8o[0, i] = sysflag & mask_tx
            i8o[1, i] = (sysflag & mask_comp) >> shift_comp
            flags[0, i] = (sysflag & flag_comp) != 0
            flags[1, i] = (sysflag & flag_batch) != 0
            flags[2, i] = stored_phy == base + r
            n6b += bh == host_v6
            n6s += sh == host_v6
            born, stored = i64o[2, i], i64o[3, i]
            nts += born < ts_min or born > ts_max or stored < ts_min or stored > ts_max
            # msgId: hex of the store host's bytes then of the 8 PHYSICALOFFSET bytes (the header's own bytes);
            # 8 digits per word
            sho = r + rel_ts + bh + 8
            ln = 2 * (sh + 8)
            first = np.uint64(0)
            for q in range(0, sh + 8, 4):
                src = sho + q if q < sh else r + 28 + (q - sh)
                w = (hex2[a[src]] | (hex2[a[src + 1]] << u16) | (hex2[a[src + 2]] << u32)
                     | (hex2[a[src + 3]] << u48))
                st8(heap5, hp5 + 2 * q, w)
                if q == 0:
                    first = w
            views[5, 2 * i] = np.uint64(ln) | ((first & low32) << u32)
            views[5, 2 * i + 1] = np.uint64(hp5) << u32
            hp5 += ln
            svalid[5, i] = True
        # pass 2: topic and properties lengths (the end of the body), the calMsgLength invariant
        for i in range(b0, b1):
            r = R[i]
            end = r + sizes[i]
            body_len = tmp[0, i]
            tlw = i32o[6, i]
            body_off = tmp[1, i]
            t_off = body_off + body_len
            fits = body_len >= 0 and t_off + tlw <= end
            t_safe = t_off if fits else r
            if tlw == 2:
                topic_len = be_i16(a, t_safe)
            else:
                topic_len = np.int64(a[t_safe])
                if topic_len >= 128:
                    topic_len -= 256
            p_off = t_safe + tlw + topic_len
            fits = fits and topic_len >= 0 and p_off + 2 <= end
            p_safe = p_off if fits else r
            prop_len = be_i16(a, p_safe)
            fits = fits and prop_len >= 0
            ok[i] = fits and body_off - r + body_len + tlw + topic_len + 2 + prop_len == sizes[i]
            tmp[1, i] = t_safe
            tmp[2, i] = topic_len
            tmp[3, i] = p_safe
            tmp[4, i] = prop_len
        # pass 3: strings of the valid records; properties in one scan each
        for i in range(b0, b1):
            crc_pos[0, i] = -1
            crc_pos[1, i] = 0
            uniq_count[i] = 0
            if not ok[i]:
                for c in range(5):
                    views[c, 2 * i] = 0
                    views[c, 2 * i + 1] = 0
                continue
            svalid[0, i] = True
            hp0, acc = view(a, tmp[1, i] + i32o[6, i], tmp[2, i], views[0], i, heap0, hp0)
            or0 |= acc
            ls0 = ls1 = ls2 = -1
            ll0 = ll1 = ll2 = 0
            fs0 = -1
            fl0 = 0
            seg = tmp[3, i] + 2
            pend = seg + tmp[4, i]
            nbits = pv_bits(a, seg, pend - seg, bits)
            seg0 = seg
            for wi in range(nbits):
                bw = bits[wi]
                while bw != np.uint64(0):  # one entry per set bit: a[seg:j], j its 0x02 (or the end)
                    j = seg0 + 64 * wi + np.int64(trailing_zeros(bw))
                    bw &= bw - np.uint64(1)
                    m = name_index(a, seg, j)
                    if m >= 0:
                        k = seg + (4 if m < 2 else 8)  # the 0x01 after the name
                        if m == 0:
                            ls0, ll0 = k + 1, j - k - 1
                        elif m == 1:
                            ls1, ll1 = k + 1, j - k - 1
                        elif m == 2:
                            ls2, ll2 = k + 1, j - k - 1
                            if uniq_count[i] == 0:
                                fs0, fl0 = k + 1, j - k - 1
                            uniq_count[i] += 1
                        else:
                            crc_pos[0, i] = k + 1
                            crc_pos[1, i] = j - k - 1
                    seg = j + 1
            if fs0 == ls2:  # one UNIQ_KEY (or none): the first is the last; column 4 holds only the others
                fs0 = -1
            hp1, acc = view(a, ls0, ll0, views[1], i, heap1, hp1)
            or1 |= acc
            hp2, acc = view(a, ls1, ll1, views[2], i, heap2, hp2)
            or2 |= acc
            hp3, acc = view(a, ls2, ll2, views[3], i, heap3, hp3)
            or3 |= acc
            hp4, acc = view(a, fs0, fl0, views[4], i, heap4, hp4)
            or4 |= acc
            svalid[1, i], svalid[2, i], svalid[3, i], svalid[4, i] = ls0 >= 0, ls1 >= 0, ls2 >= 0, fs0 >= 0
    ascii_or[0], ascii_or[1], ascii_or[2], ascii_or[3], ascii_or[4] = or0, or1, or2, or3, or4
    counts[0], counts[1], counts[2] = n6b, n6s, nts
    used[0], used[1], used[2], used[3], used[4], used[5] = hp0, hp1, hp2, hp3, hp4, hp5


def _crc_tables() -> np.ndarray:
    """Slice-by-8 tables of the CRC-32 of ``java.util.zip.CRC32`` / ``zlib.crc32`` (reflected 0xEDB88320)."""
    t = np.zeros((8, 256), dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        t[0, i] = c
    for k in range(1, 8):
        t[k] = (t[k - 1] >> 8) ^ t[0][t[k - 1] & 0xFF]
    return t


crc_tables = _crc_tables()


@inline
def crc32(a, p, n):
    """``zlib.crc32(a[p:p+n])``, slice-by-8."""
    t = crc_tables
    c = np.uint32(0xFFFFFFFF)
    end = p + n
    while p + 8 <= end:
        lo = c ^ (np.uint32(a[p]) | (np.uint32(a[p + 1]) << 8) | (np.uint32(a[p + 2]) << 16) | (np.uint32(a[p + 3]) << 24))
        c = (t[7, lo & 0xFF] ^ t[6, (lo >> 8) & 0xFF] ^ t[5, (lo >> 16) & 0xFF] ^ t[4, lo >> 24]
             ^ t[3, a[p + 4]] ^ t[2, a[p + 5]] ^ t[1, a[p + 6]] ^ t[0, a[p + 7]])
        p += 8
    while p < end:
        c = t[0, (c ^ a[p]) & 0xFF] ^ (c >> 8)
        p += 1
    return c ^ np.uint32(0xFFFFFFFF)


@njit
def body_crcs(a, offs, lens, out):
    """``out[i] = zlib.crc32(a[offs[i] : offs[i]+lens[i]])`` (as int64)."""
    for i in range(len(offs)):
        out[i] = np.int64(crc32(a, offs[i], lens[i]))


@njit
def walk_dledger(a, n, room, min_size, out_starts, out_sizes):
    """The DLedger entry chain through ``a[:n]`` (``parsers.dledger``): (entries, stop, reason code, magic, size);
    reasons as ``dledger.REASONS``."""
    p = np.int64(0)
    k = 0
    while True:
        if p >= room:
            return k, p, 0, 0, 0
        if p + 8 > n:  # (a filler needs only 8 bytes, so the magic is judged before a whole header is there)
            if p + 8 <= room:
                return k, p, 1, 0, 0
            for q in range(p, room):  # under 8 bytes left in the file: zeros end it, anything else is damage
                if a[q] != 0:
                    return k, p, 2, 0, 0
            return k, p, 4, 0, 0
        magic = be_i32(a, p)
        size = be_i32(a, p + 4)
        if magic != 1:
            if magic == -1:
                return k, p, 3, magic, size
            if magic == 0 and size == 0:
                return k, p, 4, magic, size
            return k, p, 5, magic, size
        if p + 48 > n:
            return k, p, (1 if p + 48 <= room else 2), magic, size
        if size < min_size or p + size > room:
            return k, p, 2, magic, size
        if p + size > n:
            return k, p, 1, magic, size
        out_starts[k] = p
        out_sizes[k] = size
        k += 1
        p += size
