"""Bytes of log text → the lines frame, whole columns at a time.

Why this shape: a broker writes hundreds of MB of logs a day and the analyser must read them at
≥200 MB/s on one core. So there is no per-line Python: newlines are found with numpy on the raw
bytes, the lines become one Arrow string array over the *same* buffer (zero copy), and the header
is cut positionally with Polars string kernels (``find(" - ")`` + ``slice``) for the standard layout.
Only the rare other layouts (milliseconds, brackets) go through a capture regex.

Records: a physical line that does not start with a timestamp continues the previous record
(stack traces, config dumps, ``toString`` with newlines); such lines stay together, as they are in
the file, in the head row's ``continuation``. Lines before the first head of an input (a file that
starts mid-record, or a tail chunk) become one row with a null ``ts`` holding them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from .layouts import (
    CLIENT5_THREAD_RE,
    HEAD_RE,
    LEVELS,
    NO_THREAD_FILES,
    SLOW_HEAD_RE,
    TS_FORMAT,
    TS_LEN,
)
from .timezone import LogTz, resolve_tz, to_utc

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

#: Column order of the lines frame (public: tail, TUI, export rely on it).
LINE_COLUMNS: tuple[str, ...] = (
    "host",
    "file",
    "line_no",
    "ts",
    "level",
    "thread",
    "message",
    "continuation",
)

_HEAD_BYTES = re.compile(HEAD_RE.encode())

_NEWLINE_BLOCK = 1 << 22  # find newlines 4 MiB at a time: big temporaries page-fault (10x slower)


def lines_schema() -> dict[str, pl.DataType]:
    """The lines frame schema: ts is UTC, millisecond precision (server logs have 1 s resolution)."""
    import polars as pl

    return {
        "host": pl.Utf8(),
        "file": pl.Utf8(),
        "line_no": pl.Int64(),
        "ts": pl.Datetime("ms", "UTC"),
        "level": pl.Utf8(),
        "thread": pl.Utf8(),
        "message": pl.Utf8(),
        "continuation": pl.Utf8(),
    }


def empty_lines_frame() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema=lines_schema())


@dataclass(slots=True)
class ChunkStats:
    """What one parse saw, for counted warnings (never exceptions)."""

    lines: int = 0
    records: int = 0
    bad_utf8: int = 0
    headless_lines: int = 0


def _newline_positions(arr: np.ndarray) -> np.ndarray:
    import numpy as np

    parts = [
        np.flatnonzero(arr[i : i + _NEWLINE_BLOCK] == 10) + i for i in range(0, len(arr), _NEWLINE_BLOCK)
    ]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _valid_utf8(data: bytes | memoryview, stats: ChunkStats | None) -> bytes | memoryview:
    """``data`` itself if it is valid UTF-8 (checked by Arrow, no copy), else a replaced copy (counted)."""
    import numpy as np
    import pyarrow as pa

    one = pa.StringArray.from_buffers(
        1, pa.py_buffer(np.array([0, len(data)], dtype=np.int32)), pa.py_buffer(data)
    )
    try:
        one.validate(full=True)
        return data
    except pa.ArrowInvalid:
        raw = bytes(data)
        text = raw.decode("utf-8", errors="replace")
        if stats is not None:
            stats.bad_utf8 += max(text.count("\ufffd") - raw.count(b"\xef\xbf\xbd"), 0)
        return text.encode("utf-8")


def _swar_check(words: np.ndarray, template: str) -> np.ndarray:
    """8 bytes per line (little-endian u64) against a template: ``d`` = digit, ``?`` = any, else exact."""
    import numpy as np

    dm = em = ev = 0
    for i, c in enumerate(template):
        if c == "d":
            dm |= 0xFF << (8 * i)
        elif c != "?":
            em |= 0xFF << (8 * i)
            ev |= ord(c) << (8 * i)
    y = (words ^ np.uint64(0x3030303030303030)) & np.uint64(dm)
    # a digit byte becomes 0..9; adding 0x76 keeps it below 0x80, anything else sets (or had) bit 7
    bad = (y | (y + (np.uint64(0x7676767676767676) & np.uint64(dm)))) & (
        np.uint64(0x8080808080808080) & np.uint64(dm)
    )
    return (bad == 0) & ((words & np.uint64(em)) == np.uint64(ev))


def _head_mask(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which lines start with a timestamp (HEAD_RE) and which of those have the standard layout.

    No regex per line: three unaligned 8-byte loads per line checked against ``dddd-dd-``,
    ``dd?dd:dd`` and ``d:dd:dd?`` (SWAR), after an optional ``[``. "fast" = no bracket, a space
    between date and time, and a space right after the seconds.
    """
    import numpy as np

    n = len(arr)
    ok = np.zeros(len(starts), dtype=bool)
    fast = np.zeros(len(starts), dtype=bool)
    if len(starts) == 0:
        return ok, fast
    bracket = arr[np.minimum(starts, n - 1)] == 0x5B
    b = starts + bracket
    if n >= 20:
        room = (ends - b) >= TS_LEN
        # u64 view at every byte offset (stride 1): valid for offsets <= n - 8
        words = np.ndarray(shape=(n - 7,), dtype="<u8", buffer=arr, offset=0, strides=(1,))
        bc = np.minimum(b, n - 20)  # lines too close to the end are redone below
        w0, w1, w2 = words[bc], words[bc + 8], words[bc + 12]
        ok = room & _swar_check(w0, "dddd-dd-") & _swar_check(w1, "dd?dd:dd") & _swar_check(w2, "d:dd:dd?")
        sep = (w1 >> np.uint64(16)) & np.uint64(0xFF)
        after = w2 >> np.uint64(56)
        ok &= (sep == 0x20) | (sep == 0x54)
        fast = ok & ~bracket & (sep == 0x20) & ((ends - starts) > TS_LEN) & (after == 0x20)
    for i in np.flatnonzero(b > n - 20):  # the last line or two: too close to the end for 8-byte loads
        line = bytes(arr[starts[i] : ends[i]])
        ok[i] = _HEAD_BYTES.match(line) is not None
        fast[i] = (
            ok[i] and not bracket[i] and len(line) > TS_LEN and line[10] == 0x20 and line[TS_LEN] == 0x20
        )
    return ok, fast


@cache
def _level_tables() -> tuple[pl.Series, np.ndarray]:
    """Level strings by code (last = null) and their lengths (heavy imports stay lazy)."""
    import numpy as np
    import polars as pl

    return pl.Series("level", [*LEVELS, None], dtype=pl.Utf8), np.array([len(lv) for lv in LEVELS] + [0])


def _level_codes(arr: np.ndarray, hs: np.ndarray, line_len: np.ndarray) -> np.ndarray:
    """Index into LEVELS of the word at column 20 of each head (``-1`` if none), by one unaligned 8-byte
    load per head compared with ``"INFO "``, ``"ERROR "`` … (cheaper than slicing strings)."""
    import numpy as np

    n = len(arr)
    code = np.full(len(hs), -1, dtype=np.int64)
    if n < 8 or len(hs) == 0:
        return code
    words = np.ndarray(shape=(n - 7,), dtype="<u8", buffer=arr, offset=0, strides=(1,))
    at = np.minimum(hs + TS_LEN + 1, n - 8)
    w = words[at]
    for k, lv in enumerate(LEVELS):
        pat = (lv + " ").encode()
        mask = np.uint64((1 << (8 * len(pat))) - 1)
        val = np.uint64(int.from_bytes(pat, "little"))
        hit = ((w & mask) == val) & (line_len >= TS_LEN + 1 + len(pat)) & (hs + TS_LEN + 1 == at)
        code[hit] = k
    return code


def split_records(
    data: bytes | memoryview, stats: ChunkStats | None = None
) -> tuple[pl.Series, pl.Series, np.ndarray, np.ndarray, str | None, int, np.ndarray]:
    """Cut ``data`` into records without touching lines one by one.

    Returns ``(head_lines, continuations, head_line_index, fast_mask, prefix_text, n_lines, level_code)``.
    A record's bytes run from its head line to the next head; as each head line and its continuation
    block are adjacent, one Arrow string array with alternating (head, continuation) offsets covers the
    buffer with no copy, and even/odd gathers split them.
    """
    import numpy as np
    import polars as pl
    import pyarrow as pa

    empty = pl.Series("line", [], dtype=pl.Utf8)
    if not len(data):
        return empty, empty, np.empty(0, np.int64), np.empty(0, bool), None, 0, np.empty(0, np.int64)
    data = _valid_utf8(data, stats)
    arr = np.frombuffer(data, dtype=np.uint8)
    nl = _newline_positions(arr)
    size = len(arr)
    trailing = size > 0 and arr[-1] != 10
    n_lines = len(nl) + (1 if trailing else 0)
    starts = np.empty(n_lines, dtype=np.int64)
    starts[0] = 0
    starts[1:] = nl[: n_lines - 1] + 1
    ends = np.empty(n_lines, dtype=np.int64)  # exclusive, without the newline
    ends[: len(nl)] = nl
    if trailing:
        ends[-1] = size
    is_head, fast = _head_mask(arr, starts, ends)
    head_idx = np.flatnonzero(is_head)
    if stats is not None:
        stats.lines += n_lines
    if len(head_idx) == 0:
        return empty, empty, head_idx, fast[head_idx], _text(data, 0, size), n_lines, np.empty(0, np.int64)
    hs = starts[head_idx]
    he = np.minimum(ends[head_idx] + 1, size)  # head line incl. its newline
    offsets = np.empty(2 * len(hs) + 1, dtype=np.int64)
    offsets[0:-1:2] = hs
    offsets[1:-1:2] = he
    offsets[-1] = size
    prefix = _text(data, 0, int(hs[0])) if hs[0] > 0 else None
    base = int(hs[0])
    offsets -= base
    body = memoryview(data)[base:] if base else data
    if size - base < 2**31 - 1:
        both = pa.StringArray.from_buffers(
            len(offsets) - 1, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(body)
        )
    else:  # pragma: no cover - chunks are far smaller
        both = pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(body))
    s = pl.from_arrow(both)
    assert isinstance(s, pl.Series)
    crlf = _has_byte(arr, 13)
    heads = s.gather_every(2).str.strip_suffix("\n")
    conts = s.gather_every(2, offset=1).str.strip_suffix("\n")
    if crlf:
        heads = heads.str.strip_suffix("\r")
        conts = conts.str.replace_all("\r\n", "\n", literal=True).str.strip_suffix("\r")
    conts = pl.select(pl.when(conts.str.len_bytes() > 0).then(conts)).to_series()
    codes = _level_codes(arr, hs, ends[head_idx] - hs)
    return heads.rename("line"), conts.rename("continuation"), head_idx, fast[head_idx], prefix, n_lines, codes


def _has_byte(arr: np.ndarray, byte: int) -> bool:
    return any(bool((arr[i : i + _NEWLINE_BLOCK] == byte).any()) for i in range(0, len(arr), _NEWLINE_BLOCK))


def _text(data: bytes | memoryview, a: int, b: int) -> str:
    return bytes(memoryview(data)[a:b]).decode("utf-8", errors="replace").replace("\r\n", "\n").rstrip("\n")


def _fast_heads(df: pl.LazyFrame) -> pl.LazyFrame:
    """The standard layout ``<ts> [LEVEL ][thread ]- msg`` cut with one literal find and slices.

    The level and where the thread starts come precomputed from the bytes (``_level_codes``: levels
    are not padded in server layouts); the thread is whatever lies between them and the first `` - ``.
    """
    import polars as pl

    line = pl.col("line")
    idx = line.str.find(" - ", literal=True)
    tstart = pl.col("_tstart")
    return df.with_columns(
        _ts=line.str.slice(0, TS_LEN).str.strptime(pl.Datetime("ms"), TS_FORMAT, strict=False),
        level=pl.col("_lvl"),
        thread=pl.when(idx > tstart).then(line.str.slice(tstart, idx - tstart)),
        message=line.str.slice((idx + 3).fill_null(TS_LEN + 1)),
    )


def _slow_heads(df: pl.LazyFrame) -> pl.LazyFrame:
    """Other head layouts (client logs with ms, bracketed headers): one capture regex."""
    import polars as pl

    g = pl.col("line").str.extract_groups(SLOW_HEAD_RE)
    ms = g.struct.field("ms").str.pad_end(3, "0").cast(pl.Int64, strict=False).fill_null(0)
    ts = pl.concat_str([g.struct.field("ts"), g.struct.field("tm")], separator=" ").str.strptime(
        pl.Datetime("ms"), TS_FORMAT, strict=False
    ) + pl.duration(milliseconds=ms)
    thread = g.struct.field("thread").str.strip_chars()
    client5 = thread.str.extract(CLIENT5_THREAD_RE, 1)
    return df.with_columns(
        _ts=ts,
        message=g.struct.field("message").str.strip_chars_start(" "),
        level=g.struct.field("level"),
        thread=pl.coalesce(client5, thread),
    )


def parse_records(
    data: bytes | memoryview,
    *,
    file: str,
    host: str,
    tz: LogTz,
    first_line_no: int = 1,
    stats: ChunkStats | None = None,
) -> tuple[pl.DataFrame, str | None]:
    """Bytes (whole lines) → records frame, plus the text before the first head (or None).

    The prefix is returned, not emitted: the caller knows whether it continues an earlier record
    (next chunk of the same file) or starts a file mid-record.
    """
    import numpy as np
    import polars as pl

    stats = stats if stats is not None else ChunkStats()
    heads, conts, head_idx, fast, prefix, _, codes = split_records(data, stats)
    if heads.len() == 0:
        return empty_lines_frame(), prefix
    known = codes >= 0
    names, lengths = _level_tables()
    lvl = names.gather(np.where(known, codes, len(LEVELS)))
    tstart = np.where(known, TS_LEN + 2 + lengths[codes], TS_LEN + 1)
    df = pl.DataFrame(
        {"line": heads, "i": head_idx, "continuation": conts, "_fast": fast, "_lvl": lvl, "_tstart": tstart}
    )
    if bool(fast.all()):
        parsed = _fast_heads(df.lazy()).collect()
    else:
        parsed = pl.concat(
            [
                _fast_heads(df.lazy().filter(pl.col("_fast"))).collect(),
                _slow_heads(df.lazy().filter(~pl.col("_fast")))
                .collect()
                .select(_fast_heads(df.lazy()).collect_schema().names()),
            ],
            how="vertical",
        ).sort("i")
    stats.records += parsed.height
    thread = pl.lit(None, pl.Utf8) if _basename(file) in NO_THREAD_FILES else pl.col("thread")
    out = parsed.select(
        pl.lit(host, pl.Utf8).alias("host"),
        pl.lit(file, pl.Utf8).alias("file"),
        (pl.col("i").cast(pl.Int64) + first_line_no).alias("line_no"),
        to_utc(pl.col("_ts"), tz).alias("ts"),
        pl.col("level"),
        pl.when(thread != "").then(thread).alias("thread"),
        pl.col("message"),
        pl.col("continuation"),
    )
    return out, prefix


def headless_row(text: str, *, file: str, host: str, line_no: int) -> pl.DataFrame:
    """Text with no timestamped head (start of a file or chunk) as one null-``ts`` record."""
    import polars as pl

    first, _, rest = text.partition("\n")
    return pl.DataFrame(
        {
            "host": [host],
            "file": [file],
            "line_no": [line_no],
            "ts": [None],
            "level": [None],
            "thread": [None],
            "message": [first],
            "continuation": [rest or None],
        },
        schema=lines_schema(),
    )


def _basename(file: str) -> str:
    from .layouts import logical_name

    base = file.rsplit("/", 1)[-1]
    ln = logical_name(base)
    return ln[0] if ln else base


def parse_text(
    text: str | bytes,
    *,
    file: str,
    host: str,
    tz: str | LogTz | None = None,
    first_line_no: int = 1,
) -> pl.DataFrame:
    """A chunk of log text (e.g. newly appended bytes seen by the tail) → lines frame.

    Lines before the first timestamped line become one row with a null ``ts`` (their head record is in
    an earlier chunk); the caller may append that text to its previous record.
    """
    import polars as pl

    data = text.encode("utf-8", errors="replace") if isinstance(text, str) else bytes(text)
    df, prefix = parse_records(data, file=file, host=host, tz=resolve_tz(tz), first_line_no=first_line_no)
    if prefix is not None:
        df = pl.concat(
            [headless_row(prefix, file=file, host=host, line_no=first_line_no), df], how="vertical"
        )
    return df
