"""``rmqinspect export DIR --what W --format F -o PATH``: any frame the tool builds, as Parquet / CSV / NDJSON.

:data:`EXPORTS` is the table ``what → function(path) -> frame``; another part of the tool adds its own rows by
providing ``export_frame_for(what, dirs)`` (the logs parser: ``lines``, ``events``), which are wired in when
that module exists. Column names are the frames' documented names (same as ``--json``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import polars as pl


def _messages(path: Path) -> Iterator[pl.DataFrame]:
    """Every record, a commitlog chunk at a time (bounded memory), from commitlog/ or a DLedger store's entries."""
    from ..analysis.store_summary import resolve_root
    from ..parsers.commitlog import messages_schema
    from ..parsers.dledger import iter_store

    return _or_empty(iter_store(resolve_root(path), verify_crc=True), messages_schema())


def _or_empty(frames: Iterator[pl.DataFrame], schema: dict) -> Iterator[pl.DataFrame]:
    """``frames``, or one empty frame of ``schema`` if there are none (so an export still carries the columns)."""
    import polars as pl

    seen = False
    for f in frames:
        seen = True
        yield f
    if not seen:
        yield pl.DataFrame(schema=schema)


def _consumequeue(path: Path) -> pl.DataFrame:
    from ..analysis.store_summary import resolve_root
    from ..parsers.consumequeue import read_consumequeues

    return read_consumequeues(resolve_root(path))


def _index(path: Path) -> pl.DataFrame:
    from ..analysis.store_summary import resolve_root
    from ..parsers.index import read_index

    return read_index(resolve_root(path))[1]


def _findings(path: Path) -> pl.DataFrame:
    from ..analysis.store_summary import stream_store

    return stream_store(path).findings


def _logs(what: str) -> Callable[[Path], pl.DataFrame]:
    def f(path: Path) -> pl.DataFrame:
        from ..parsers import logs

        return logs.export_frame_for(what, [path])  # type: ignore[attr-defined]

    return f


EXPORTS: dict[str, Callable[[Path], pl.DataFrame | Iterator[pl.DataFrame]]] = {
    "messages": _messages,
    "consumequeue": _consumequeue,
    "index": _index,
    "findings": _findings,
}


def _available() -> dict[str, Callable[[Path], pl.DataFrame | Iterator[pl.DataFrame]]]:
    """The table, plus ``lines``/``events`` when the logs parser provides ``export_frame_for``."""
    table = dict(EXPORTS)
    try:
        from ..parsers import logs

        if hasattr(logs, "export_frame_for"):
            table |= {"lines": _logs("lines"), "events": _logs("events")}
    except ImportError:
        pass
    return table


def command(
    path: Annotated[
        Path, typer.Argument(metavar="DIR", help="Store root (or a log directory for lines/events).")
    ],
    what: Annotated[
        str, typer.Option("--what", help="messages | consumequeue | index | findings (| lines | events).")
    ],
    out: Annotated[str, typer.Option("-o", "--output", help="Output file (csv/ndjson: '-' for stdout).")],
    fmt: Annotated[str, typer.Option("--format", help="parquet | csv | ndjson.")] = "parquet",
) -> None:
    """Export a frame (messages, consume-queue units, index entries, findings, …) to Parquet, CSV or NDJSON."""
    import polars as pl

    from ..errors import UsageError
    from ..output import EXPORT_FORMATS, export_frames

    table = _available()
    if what not in table:
        raise UsageError(f"--what must be one of {', '.join(table)}, not {what!r}")
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    _refuse_inside(path, out)
    got = table[what](path)
    rows = export_frames([got] if isinstance(got, pl.DataFrame) else got, fmt, out)
    if out != "-":
        typer.echo(f"wrote {rows} rows to {out}", err=True)


def _refuse_inside(src: Path, out: str) -> None:
    """Never write into the directory being analysed (read-only promise)."""
    from ..errors import UsageError

    if out == "-":
        return
    try:
        o = Path(out).expanduser().resolve()
        s = Path(src).expanduser().resolve()
    except OSError:
        return
    if s == o or s in o.parents:
        raise UsageError(f"refusing to write {out} inside the analysed directory {src}")
