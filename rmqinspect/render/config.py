"""Rich rendering for ``rmqinspect config`` (and the findings table the other issue-7 commands reuse).

Every string that came from a file or a log passes through :func:`rmqinspect.render.safe.inert`; tables
are built from ``Text`` cells, never from markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .safe import inert

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _t(value: Any, style: str = "") -> Any:
    from rich.text import Text

    return Text(inert("" if value is None else str(value)), style=style)


def findings_table(df: pl.DataFrame, title: str = "Findings", *, short_paths: bool = True) -> Any:
    """Findings frame → Rich table (file shown by name only when ``short_paths``; the JSON has the full path)."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", expand=False, show_lines=False)
    for col in ("severity", "check", "file", "line/offset", "detail"):
        table.add_column(col, overflow="fold")
    for r in df.iter_rows(named=True):
        f = r["file"] or ""
        if short_paths and "/" in f:
            f = f.rsplit("/", 1)[1]
        table.add_row(
            _t(r["severity"], SEVERITY_STYLE.get(r["severity"], "")), _t(r["check"]), _t(f),
            _t(r["offset"]), _t(r["detail"]),
        )
    return table


def kv_table(rows: list[tuple[str, Any]], title: str) -> Any:
    """Two-column key/value table for summaries."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for k, v in rows:
        table.add_row(_t(k), _t(v))
    return table


def render_config(console: Console, brokers: list[dict[str, Any]], findings: pl.DataFrame, version_note: str) -> None:
    from rich.table import Table

    table = Table(title="Brokers as configured (after the broker's own overrides)", title_justify="left")
    cols = ("host", "file", "cluster", "broker_name", "broker_id", "role", "listen_port", "ha_port",
            "fast_port", "store_root")
    heads = ("host", "file", "cluster", "name", "id", "role", "port", "ha", "fast", "store root")
    for h in heads:
        table.add_column(h, overflow="fold")
    for b in brokers:
        row = dict(b)
        row["file"] = str(row["file"]).rsplit("/", 1)[-1]
        table.add_row(*(_t(row.get(c)) for c in cols))
    console.print(table)
    console.print(_t(version_note, "dim"))
    if findings.height:
        console.print(findings_table(findings))
    else:
        console.print(_t("No findings.", "green"))
