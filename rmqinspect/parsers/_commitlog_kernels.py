"""The numba kernels behind ``commitlog_jit`` (imported only through ``commitlog_jit.kernels()``, which falls
back to numpy when this module cannot be imported). Module-level functions, so numba's on-disk cache
(``cache=True``, in ``__pycache__``) is reused across processes."""

from __future__ import annotations

import numba
import numpy as np

from .commitlog_layout import (
    BLANK_MAGIC,
    FLAG_BORNHOST_V6,
    FLAG_STOREHOST_V6,
    HOST_V4_LEN,
    HOST_V6_LEN,
    MAGIC_V1,
    MAGIC_V2,
    MAX_SANE_TOTALSIZE,
    MIN_RECORD_V4,
    NAME_VALUE_SEPARATOR,
    PROPERTY_SEPARATOR,
    REL_BODY,
    REL_BODYLEN,
    REL_PREPAREDTXOFFSET,
    REL_RECONSUMETIMES,
    REL_STORETIMESTAMP,
)

njit = numba.njit(cache=True, nogil=True, boundscheck=False)
inline = numba.njit(cache=True, nogil=True, boundscheck=False, inline="always")
magic_v1, magic_v2, blank = np.int64(MAGIC_V1), np.int64(MAGIC_V2), np.int64(BLANK_MAGIC)
min_rec, max_rec = np.int64(MIN_RECORD_V4), np.int64(MAX_SANE_TOTALSIZE)

@inline
def be_i32(a: np.ndarray, p: int) -> int:
    v = (np.int64(a[p]) << 24) | (np.int64(a[p + 1]) << 16) | (np.int64(a[p + 2]) << 8) | np.int64(a[p + 3])
    return v - (np.int64(1) << 32) if v >= (np.int64(1) << 31) else v

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

@inline
def be_i64(a: np.ndarray, p: int) -> int:
    hi = be_i32(a, p)
    lo = be_i32(a, p + 4)
    return (hi << 32) | (lo & 0xFFFFFFFF)

@inline
def be_i16(a: np.ndarray, p: int) -> int:
    v = (np.int64(a[p]) << 8) | np.int64(a[p + 1])
    return v - 65536 if v >= 32768 else v

v6_born, v6_store = np.int64(FLAG_BORNHOST_V6), np.int64(FLAG_STOREHOST_V6)
h4, h6 = np.int64(HOST_V4_LEN), np.int64(HOST_V6_LEN)
rel_ts, rel_rc, rel_tx = np.int64(REL_STORETIMESTAMP), np.int64(REL_RECONSUMETIMES), np.int64(REL_PREPAREDTXOFFSET)
rel_bl, rel_body = np.int64(REL_BODYLEN), np.int64(REL_BODY)

nv, pv = np.uint8(NAME_VALUE_SEPARATOR), np.uint8(PROPERTY_SEPARATOR)

hexd = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8).copy()

@inline
def put(a, src, ln, out, pos):
    out[pos : pos + ln] = a[src : src + ln]
    return pos + ln

@inline
def match(a, seg, k, j, names, name_offs):
    """Index of the wanted name of the entry ``a[seg:k] = a[k+1:j]`` (``MessageDecoder`` rules), or -1."""
    if j - seg < 3 or k <= seg or k >= j - 1:
        return -1
    klen = k - seg
    for m in range(len(name_offs) - 1):
        n0 = name_offs[m]
        if name_offs[m + 1] - n0 != klen:
            continue
        same = True
        for q in range(klen):
            if a[seg + q] != names[n0 + q]:
                same = False
                break
        if same:
            return m
    return -1

@njit
def decode_all(a, R, sizes, names, name_offs, i32o, i64o, ok, soffs, d0, d1, d2, d3, d4, d5, svalid, crc_pos,
               uniq_count):
    """Everything :func:`fields` gives, plus property values and the string columns: ``soffs/sdata/svalid``
    rows are topic, TAGS, KEYS, last UNIQ_KEY, first UNIQ_KEY, offset msgId; ``crc_pos`` the (start, length)
    of a ``__CRC32#`` value. Three passes over the records, each touching one region of every record
    (header, end of body, properties): the loads of one pass do not depend on each other, so cache misses
    overlap (one dependent chain per record measured 2x slower on 1 KiB records)."""
    n = len(R)
    # pass 1: header fields, and the msgId from the store host and the stored PHYSICALOFFSET
    w = 0
    for i in range(n):
        r = R[i]
        magic = be_i32(a, r + 4)
        sysflag = be_i32(a, r + 36)
        bh = h6 if sysflag & v6_born else h4
        sh = h6 if sysflag & v6_store else h4
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
        i64o[5, i] = be_i32(a, hb + rel_bl)
        i64o[6, i] = hb + rel_body  # body offset until pass 2
        i64o[10, i] = be_i64(a, r + 48)  # born host: 4-byte address + port (v4; v6 rows are redone in numpy)
        i64o[11, i] = be_i64(a, r + rel_ts + bh + 8)  # store host
        sho = r + rel_ts + bh + 8
        for q in range(sh):
            c = a[sho + q]
            d5[w] = hexd[c >> 4]
            d5[w + 1] = hexd[c & 15]
            w += 2
        for q in range(8):
            c = (stored_phy >> (56 - 8 * q)) & 255
            d5[w] = hexd[c >> 4]
            d5[w + 1] = hexd[c & 15]
            w += 2
        soffs[5, i + 1] = w
        svalid[5, i] = True
    # pass 2: topic and properties lengths (the end of the body), the calMsgLength invariant
    for i in range(n):
        r = R[i]
        end = r + sizes[i]
        body_len = i64o[5, i]
        tlw = i32o[6, i]
        body_off = i64o[6, i]
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
        i64o[6, i] = t_safe
        i64o[7, i] = topic_len
        i64o[8, i] = p_safe
        i64o[9, i] = prop_len
    # pass 3: strings of the valid records; properties in one scan each (first 0x01 of a segment, 0x02 ends it)
    p0 = p1 = p2 = p3 = p4 = 0
    for i in range(n):
        crc_pos[0, i] = -1
        uniq_count[i] = 0
        if ok[i]:
            svalid[0, i] = True
            t0 = i64o[6, i] + i32o[6, i]
            p0 = put(a, t0, i64o[7, i], d0, p0)
            ls0 = ls1 = ls2 = ls3 = -1
            ll0 = ll1 = ll2 = ll3 = 0
            fs0 = -1
            fl0 = 0
            seg = i64o[8, i] + 2
            pend = seg + i64o[9, i]
            while seg <= pend:  # one entry per turn: name up to the first 0x01, value up to 0x02
                k = seg
                while k < pend and a[k] != nv and a[k] != pv:
                    k += 1
                if k < pend and a[k] == nv:
                    j = k + 1
                    while j < pend and a[j] != pv:
                        j += 1
                    m = match(a, seg, k, j, names, name_offs)
                else:
                    j = k
                    m = -1
                if m == 0:
                    ls0, ll0 = k + 1, j - k - 1
                elif m == 1:
                    ls1, ll1 = k + 1, j - k - 1
                elif m == 2:
                    ls2, ll2 = k + 1, j - k - 1
                    if uniq_count[i] == 0:
                        fs0, fl0 = k + 1, j - k - 1
                    uniq_count[i] += 1
                elif m == 3:
                    ls3, ll3 = k + 1, j - k - 1
                seg = j + 1
            if ls0 >= 0:
                svalid[1, i] = True
                p1 = put(a, ls0, ll0, d1, p1)
            if ls1 >= 0:
                svalid[2, i] = True
                p2 = put(a, ls1, ll1, d2, p2)
            if ls2 >= 0:
                svalid[3, i] = True
                p3 = put(a, ls2, ll2, d3, p3)
            if fs0 >= 0:
                svalid[4, i] = True
                p4 = put(a, fs0, fl0, d4, p4)
            if ls3 >= 0:
                crc_pos[0, i] = ls3
                crc_pos[1, i] = ll3
        soffs[0, i + 1] = p0
        soffs[1, i + 1] = p1
        soffs[2, i + 1] = p2
        soffs[3, i + 1] = p3
        soffs[4, i + 1] = p4


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
