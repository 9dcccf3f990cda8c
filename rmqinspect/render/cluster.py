"""Rendering for ``rmqinspect cluster``: topology tables, HA pairs, registrations, incidents, timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import _t, findings_table

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console


def _table(title: str, cols: tuple[str, ...], rows: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for c in cols:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*(_t(", ".join(map(str, r.get(c) or [])) if isinstance(r.get(c), list) else r.get(c)) for c in cols))
    return t


def render_cluster(console: Console, doc: dict[str, Any], timeline: pl.DataFrame, registrations: pl.DataFrame,
                   findings: pl.DataFrame, timeline_limit: int) -> None:
    console.print(_table("Hosts", ("host", "dir", "log_dirs", "stores", "properties"), doc["hosts"]))
    console.print(_table("NameServers", ("host", "port", "addresses", "boots", "first_seen", "last_seen"), doc["namesrvs"]))
    console.print(_table("Brokers", ("cluster", "broker_name", "broker_id", "role", "broker_addr", "ha_addr", "host",
                                     "sources"), doc["brokers"]))
    console.print(_table("HA pairs", ("broker_name", "master", "slave", "verdict", "lag_bytes", "lag_messages",
                                      "lag_seconds", "last_logged_ha_lag_bytes"), doc["ha_pairs"]))
    console.print(_table("Registrations (broker × NameServer)",
                         tuple(c for c in ("broker_addr", "namesrv_host", "first_registered", "registrations",
                                           "last_lost", "last_register_ok", "register_failures") if c in registrations.columns),
                         list(registrations.iter_rows(named=True))))
    console.print(_table("Incidents", ("ts", "host", "kind", "detail", "evidence"), doc["incidents"]))
    shown = timeline.head(timeline_limit)
    console.print(_table(f"Timeline (UTC; {shown.height} of {timeline.height} events)",
                         ("ts", "host", "type", "detail"), list(shown.iter_rows(named=True))))
    if findings.height:
        console.print(findings_table(findings, short_paths=False))
