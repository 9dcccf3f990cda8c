"""Rich rendering of a :class:`~rmqinspect.analysis.store_summary.StoreReport` (the ``rmqinspect store`` view).

Presentation only: every string that came from disk (topics, groups, file names, finding details) goes
through :mod:`rmqinspect.render.safe` so a hostile topic name cannot drive the terminal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .safe import inert, inert_text

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console, RenderableType

    from ..analysis.store_summary import StoreReport

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
VERDICT_STYLE = {"intact": "bold green", "attention": "bold yellow", "damaged": "bold red"}
MAX_ROWS = 30


def _ts(v: Any) -> str:
    if isinstance(v, datetime):
        return v.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(v, int) and v > 0:  # epoch ms (checkpoint fields): shown in UTC like every other time
        return datetime.fromtimestamp(v / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return "—" if v in (None, 0) else str(v)


def _n(v: Any) -> str:
    return "—" if v is None else f"{v:,}" if isinstance(v, int) else str(v)


def _table(title: str, df: pl.DataFrame, cols: list[tuple[str, str]], *, limit: int = MAX_ROWS) -> RenderableType:
    from rich.table import Table

    t = Table(title=title, title_justify="left", show_lines=False, pad_edge=False)
    for _, head in cols:
        t.add_column(head, overflow="fold")
    for row in df.head(limit).iter_rows(named=True):
        cells = []
        for c, _ in cols:
            v = row.get(c)
            if isinstance(v, str):
                cells.append(inert_text(v))
            elif isinstance(v, datetime):
                cells.append(_ts(v))
            else:
                cells.append(_n(v))
        t.add_row(*cells)
    if df.height > limit:
        t.caption = f"{df.height - limit} more rows (use --json or rmqinspect export)"
    return t


def render_report(report: StoreReport, console: Console) -> None:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    doc = report.to_doc()
    d = report.data
    cl = doc["commitlog"]
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("store", inert_text(str(d.root)))
    head.add_row("verdict", Text(report.verdict, style=VERDICT_STYLE[report.verdict]))
    head.add_row("commitlog", f"{d.scan.files.height} files of {_n(cl['file_size'])} B, "
                 f"offsets {_n(cl['first_offset'])} … {_n(cl['valid_end'])} (valid end)")
    head.add_row("messages", f"{_n(cl['messages'])} valid, {_n(cl['records_beyond_valid_end'])} beyond the valid end"
                 + ("" if d.crc_verified else " (CRC not verified)"))
    head.add_row("time range", f"{_ts(cl['first_store_ts'])} → {_ts(cl['last_store_ts'])}")
    head.add_row("consume queues", f"{report.ranges.height} queues, {_n(report.units)} units")
    head.add_row("index", f"{len(d.index_files)} files, {_n(d.n_index_entries)} entries")
    if d.layout.variants:
        head.add_row("layout", inert(", ".join(d.layout.variants)))
    cp = d.checkpoint
    if cp:
        head.add_row("checkpoint", f"physic {_ts(cp.physic_msg_ts)}, logics {_ts(cp.logics_msg_ts)}, "
                     f"index {_ts(cp.index_msg_ts)}")
    ab = d.abort
    head.add_row("abort", Text("present: last shutdown not clean" + (f" (pid {ab.pid})" if ab.pid else ""),
                               style="yellow") if ab.present else Text("absent: clean shutdown", style="green"))
    if d.lock.held_by_pid:
        head.add_row("lock", Text(f"held by pid {d.lock.held_by_pid}: a broker is running", style="bold yellow"))
    console.print(Panel(head, title="rmqinspect store", expand=False))

    console.print(_table("Topics", report.topics, [
        ("topic", "topic"), ("messages", "messages"), ("consume_queues", "queues"), ("cq_units", "CQ units"),
        ("first_store_ts", "first"), ("last_store_ts", "last")]))
    console.print(_table("Consume queues", report.ranges, [
        ("topic", "topic"), ("queue_id", "queue"), ("min_offset", "min"), ("max_offset", "max"),
        ("max_phy_end", "max phy end")]))

    r = report.recovery
    rt = Table.grid(padding=(0, 2))
    rt.add_column(style="bold")
    rt.add_column()
    rt.add_row("mode", f"{r.mode} ({'version ' + inert(r.version)}{', assumed' if r.version_assumed else ''})")
    if r.refuses_to_start:
        rt.add_row("outcome", Text(inert(r.refuses_to_start), style="bold red"))
    rt.add_row("start file", inert(f"{r.start_file or '—'} — {r.start_reason}"))
    rt.add_row("keeps up to", f"{_n(r.recovered_offset)} (disk data ends at {_n(r.disk_data_end)})")
    rt.add_row("drops", Text(f"{_n(r.dropped_bytes)} bytes, {_n(r.dropped_messages)} messages",
                             style="bold red" if r.dropped_messages else ""))
    rt.add_row("consume queues", (f"{r.cq_truncations.height} truncated" if r.cq_truncated else "not truncated")
               + f"; {_n(r.to_dispatch)} records to (re)dispatch")
    if r.index_files_deleted:
        rt.add_row("index", inert(f"deletes {', '.join(r.index_files_deleted)}"))
    for note in r.notes:
        rt.add_row("note", inert(note))
    console.print(Panel(rt, title="Recovery prediction (if restarted now)", expand=False))

    if report.lag.height:
        console.print(_table("Consumer lag", report.lag, [
            ("group", "group"), ("topic", "topic"), ("queue_id", "queue"), ("consumer_offset", "offset"),
            ("max_offset", "max"), ("lag", "lag"), ("lag_ms", "lag ms"), ("status", "status")]))
    render_findings(report.findings, console)


def render_findings(findings: pl.DataFrame, console: Console, limit: int = 50) -> None:
    from rich.table import Table
    from rich.text import Text

    if findings.height == 0:
        console.print(Text("No findings.", style="green"))
        return
    t = Table(title=f"Findings ({findings.height})", title_justify="left")
    for h in ("severity", "check", "file", "offset", "detail"):
        t.add_column(h, overflow="fold")
    for row in findings.head(limit).iter_rows(named=True):
        t.add_row(Text(row["severity"], style=SEVERITY_STYLE.get(row["severity"], "")), inert_text(row["check"]),
                  inert_text(row["file"] or "—"), _n(row["offset"]), inert_text(row["detail"]))
    if findings.height > limit:
        t.caption = f"{findings.height - limit} more (use --json)"
    console.print(t)
