"""``rmqinspect logs`` for people: rich tables and sparklines over the report frames.

Every string that came from a log (hosts, addresses, messages, exception names) goes through
``inert``: log lines are untrusted (a producer's topic or a remote address can carry escapes).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .safe import inert

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console
    from rich.table import Table

_BLOCKS = "▁▂▃▄▅▆▇█"
_MAX_ROWS = 40


def sparkline(values: list[float | int | None], width: int = 40) -> str:
    """Max-per-bucket sparkline (a spike must stay visible when many samples share a cell)."""
    vals = [0.0 if v is None else float(v) for v in values]
    if not vals:
        return ""
    if len(vals) > width:
        step = len(vals) / width
        vals = [max(vals[int(i * step) : max(int((i + 1) * step), int(i * step) + 1)]) for i in range(width)]
    hi = max(vals)
    if hi <= 0:
        return _BLOCKS[0] * len(vals)
    return "".join(_BLOCKS[min(len(_BLOCKS) - 1, int(v / hi * (len(_BLOCKS) - 1) + 0.5))] for v in vals)


def _cell(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, float):
        if v != v:  # NaN
            return "–"
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.3f}".rstrip("0").rstrip(".")
    if isinstance(v, list):
        return inert(", ".join(str(x) for x in v))
    return inert(str(v))


def frame_table(
    df: pl.DataFrame, title: str, *, columns: list[str] | None = None, max_rows: int = _MAX_ROWS
) -> Table:
    """A frame as a rich Table, values rendered inert, long frames cut with a visible note."""
    from rich.table import Table
    from rich.text import Text

    cols = [c for c in (columns or df.columns) if c in df.columns]
    t = Table(
        title=Text(title, style="bold"), title_justify="left", show_lines=False, header_style="bold cyan"
    )
    for c in cols:
        t.add_column(c, overflow="fold")
    for row in df.select(cols).head(max_rows).iter_rows():
        t.add_row(*(Text(_cell(v)) for v in row))
    if df.height > max_rows:
        t.caption = f"… {df.height - max_rows} more rows (use --json for all)"
    return t


def _print(console: Console, df: pl.DataFrame, title: str, **kw: Any) -> None:
    """A table, or one dim line saying there is nothing (an empty table says less than "none")."""
    if df.height:
        console.print(frame_table(df, title, **kw))
    else:
        console.print(f"[dim]{title}: none[/dim]")


def _section(console: Console, name: str) -> None:
    from rich.rule import Rule

    console.print(Rule(f"[bold]{name}[/bold]", align="left"))


def _lag_table(summary: pl.DataFrame, series: pl.DataFrame) -> Table:
    import polars as pl
    from rich.table import Table
    from rich.text import Text

    t = Table(title=Text("slave lag (master side, bytes behind)", style="bold"), title_justify="left",
              header_style="bold cyan")  # fmt: skip
    for c in (*summary.columns, "over time"):
        t.add_column(c)
    for r in summary.iter_rows(named=True):
        vals = series.filter(pl.col("host") == r["host"])["bytes"].to_list()
        t.add_row(*(Text(_cell(r[c])) for c in summary.columns), Text(sparkline(vals)))
    return t


def _perf_table(summary: pl.DataFrame, series: pl.DataFrame) -> Table:
    """PerfCounter summary with the p99 of each 10 s window as a sparkline (time order)."""
    import polars as pl
    from rich.table import Table
    from rich.text import Text

    t = Table(title=Text("PerfCounter windows (5.x, ms per 10 s window)", style="bold"), title_justify="left",
              header_style="bold cyan")  # fmt: skip
    for c in (*summary.columns, "p99 over time"):
        t.add_column(c)
    for r in summary.head(_MAX_ROWS).iter_rows(named=True):
        s = series.filter((pl.col("host") == r["host"]) & (pl.col("name") == r["name"])).sort(
            "ts", maintain_order=True
        )
        t.add_row(*(Text(_cell(r[c])) for c in summary.columns), Text(sparkline(s["p99"].to_list())))
    return t


def _histogram(hist: pl.DataFrame) -> Table:
    from rich.table import Table
    from rich.text import Text

    from ..analysis.event_patterns import PAGECACHERT_BUCKETS

    t = Table(title=Text("PAGECACHERT put latency buckets (sum over minutes)", style="bold"), title_justify="left",
              header_style="bold cyan")  # fmt: skip
    for c in ("host", "minutes", "total_put", "distribution"):
        t.add_column(c)
    for r in hist.iter_rows(named=True):
        counts = [r.get(b) or 0 for b in PAGECACHERT_BUCKETS]
        nz = [f"{b}:{c}" for b, c in zip(PAGECACHERT_BUCKETS, counts, strict=True) if c]
        t.add_row(Text(_cell(r["host"])), Text(_cell(r["minutes"])), Text(_cell(r["total_put"])),
                  Text(sparkline(counts, width=len(counts)) + "  " + " ".join(nz)))  # fmt: skip
    return t


def render_report(console: Console, doc: dict[str, Any]) -> None:
    """Print the whole report (``doc`` as built by ``commands.logs``: files, events, report, summary)."""
    import polars as pl

    from ..analysis.log_report import REGISTER_GAP_S

    rep = doc["report"]
    s = doc["summary"]
    console.print(
        f"[bold]rmqinspect logs[/bold]  hosts: {inert(', '.join(s['hosts']))}  files: {s['files']}  "
        f"records: {s['records']}  events: {s['events']}  "
        f"span: {_cell(s['first'])} → {_cell(s['last'])} UTC"
    )
    findings = rep["findings"]
    if findings.height:
        console.print(
            frame_table(findings, "findings", columns=["severity", "check", "file", "offset", "detail"])
        )
    topo = rep["topology"]
    _section(console, "topology & registrations")
    _print(console, topo["brokers"], "brokers")
    _print(console, topo["boots"], "boots (previous stop: clean = shutdown hook ran)",
           columns=["host", "ts", "type", "broker_name", "broker_addr", "previous_stop", "store_abnormal"])  # fmt: skip
    _print(console, topo["registrations"], "broker → name server registrations")
    _print(
        console, topo["register_gaps"], f"registration gaps (> {REGISTER_GAP_S} s without a re-registration)"
    )
    _print(console, topo["namesrv_view"], "name server view")
    rep_ = rep["replication"]
    _section(console, "replication")
    if rep_["lag"].height:
        console.print(_lag_table(rep_["lag"], rep_["lag_series"]))
    else:
        console.print("[dim]slave lag: no lag lines[/dim]")
    if rep_["outages"].height:
        console.print(
            frame_table(rep_["outages"], "replication outages (slave connection lost → next accepted)")
        )
    conns = rep_["connections"]
    if conns.height:
        console.print(frame_table(conns.group_by("host", "type", "statement", "phase").agg(
            pl.len().alias("count"), pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"),
            pl.col("peer").drop_nulls().unique().sort().str.join(" ").alias("peers")).sort("host", "first", "statement", "phase", nulls_last=True),
            "HA connections"))  # fmt: skip
    if rep_["sync_timeouts"].height:
        console.print(frame_table(rep_["sync_timeouts"], "sync replication timeouts / HA flow control"))
    if rep_["role_changes"].height:
        console.print(frame_table(rep_["role_changes"], "role and master changes"))
    lat = rep["latency"]
    _section(console, "latency")
    if lat["perf_counters"].height:
        console.print(_perf_table(lat["perf_counters"], lat["perf_series"]))
    for key, title in (("slow_statements", "slow put/flush statements (logged only above 500 ms)"),
                       ("put_percentiles", "put latency percentiles (findPutMessageEntireTimePX)")):  # fmt: skip
        if lat[key].height:
            console.print(frame_table(lat[key], title))
    if lat["pagecachert"].height:
        console.print(_histogram(lat["pagecachert"]))
    if lat["watermarks"].height:
        console.print(frame_table(lat["watermarks"], "watermark queues"))
    _section(console, "recovery & corruption")
    _print(console, rep["recovery"]["summary"], "recovery events")
    for key, title in (("disk", "disk & retention"), ("busy", "busy / flow control")):
        if rep[key].height:
            _section(console, title)
            console.print(frame_table(rep[key], title))
    if rep.get("errors") is not None and rep["errors"].height:
        _section(console, "errors")
        console.print(frame_table(rep["errors"], "WARN/ERROR grouped by exception class (or message shape)",
                                  columns=["level", "exception", "count", "hosts", "first", "last", "example"]))  # fmt: skip
