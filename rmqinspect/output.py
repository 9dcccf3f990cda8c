"""Output for scripts: one JSON convention and frame exports (Parquet / CSV / NDJSON).

The same column names are used in ``--json`` documents, exports and the TUI. Datetimes are ISO-8601 with
milliseconds and an explicit offset; binary columns are hex strings in JSON/CSV/NDJSON (Parquet keeps bytes).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import RmqInspectError, UsageError

if TYPE_CHECKING:
    import polars as pl

ExportFormat = Literal["parquet", "csv", "ndjson"]
EXPORT_FORMATS: tuple[str, ...] = ("parquet", "csv", "ndjson")


def _jsonable(v: Any) -> Any:
    import polars as pl

    if isinstance(v, pl.DataFrame):
        return frame_records(v)
    if isinstance(v, datetime):
        return v.isoformat(timespec="milliseconds")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v).hex()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, Sequence) and not isinstance(v, str):
        return [_jsonable(x) for x in v]
    if hasattr(v, "__dataclass_fields__"):
        from dataclasses import asdict

        return _jsonable(asdict(v))
    if hasattr(v, "item") and callable(v.item):  # numpy scalars
        return v.item()
    return v


def frame_records(df: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``df`` as JSON-ready dicts (the ``--json`` convention)."""
    return [_jsonable(r) for r in df.iter_rows(named=True)]


_C1 = re.compile("[\x7f-\x9f]")


def json_inert(text: str) -> str:
    """Escape DEL and the C1 controls (U+007F-U+009F) in serialised JSON as ``\\uXXXX``.

    ``json.dumps`` already escapes C0 controls (ESC becomes ``\\u001b``) but, with ``ensure_ascii=False``,
    writes U+009B raw, and some terminals read that as CSI. In JSON text these characters can only stand
    inside strings, so the escape keeps the document valid and the data lossless.
    """
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps(doc: Any) -> str:
    """The one JSON document a ``--json`` command prints."""
    return json_inert(json.dumps(_jsonable(doc), ensure_ascii=False, indent=2))


def print_json(doc: Any) -> None:
    sys.stdout.write(dumps(doc) + "\n")


def _text_safe(df: pl.DataFrame) -> pl.DataFrame:
    """Binary → hex and nested → JSON text, for formats that cannot hold them (CSV, NDJSON)."""
    import polars as pl

    out = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if dtype == pl.Binary:
            out.append(col.bin.encode("hex").alias(name))
        elif isinstance(dtype, pl.Datetime):
            out.append(col.dt.strftime("%Y-%m-%dT%H:%M:%S%.3f%:z" if dtype.time_zone else "%Y-%m-%dT%H:%M:%S%.3f").alias(name))
        else:
            out.append(col)
    return df.select(out)


def export_frame(df: pl.DataFrame, fmt: str, path: str | Path) -> Path:
    """Write ``df`` to ``path`` in ``fmt``; ``-`` means stdout (csv/ndjson only)."""
    export_frames([df], fmt, path)
    return Path(path)


def export_frames(frames: Iterable[pl.DataFrame], fmt: str, path: str | Path) -> int:
    """Write frames of one schema, one after the other, to ``path`` in ``fmt`` (``-``: stdout, csv/ndjson only);
    returns the rows written. One frame is held at a time (Parquet: one row group per frame), so a whole
    store's messages export in bounded memory."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    stdout = str(path) == "-"
    if stdout and fmt == "parquet":
        raise UsageError("parquet cannot be written to stdout; give -o FILE")
    p = Path(path)
    rows = 0
    try:
        with contextlib.ExitStack() as stack:
            out = None if stdout or fmt == "parquet" else stack.enter_context(p.open("w", encoding="utf-8"))
            writer = None
            first = True
            for df in frames:
                if fmt == "parquet":
                    import pyarrow.parquet as pq

                    t = df.to_arrow()
                    if writer is None:
                        writer = stack.enter_context(pq.ParquetWriter(p, t.schema))
                    writer.write_table(t)
                else:
                    text = _text_safe(df)
                    chunk = (_csv_ready(text).write_csv(include_header=first) if fmt == "csv"
                             else json_inert(text.write_ndjson()))
                    (sys.stdout if stdout else out).write(chunk)  # type: ignore[union-attr]
                rows += df.height
                first = False
            if fmt == "parquet" and writer is None:  # no frame at all: an empty file is still a valid answer
                import polars as pl

                pl.DataFrame().write_parquet(p)
    except OSError as e:
        raise RmqInspectError(f"cannot write {p}: {e.strerror or e}") from e
    return rows


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """CSV holds no nested values: encode List/Struct/Array columns as JSON text (same values as ``--json``)."""
    import polars as pl

    nested = [n for n, t in df.schema.items() if isinstance(t, pl.List | pl.Struct | pl.Array)]
    if not nested:
        return df
    # vectorised: wrap each value in a one-field struct, encode, and cut the wrapper off again
    return df.with_columns(
        pl.struct(pl.col(n).alias("v")).struct.json_encode().str.slice(5).str.head(-1).alias(n) for n in nested
    )
