"""``rmqinspect logs [DIR ...]``: read RocketMQ logs, extract events, report (tables or one JSON document)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import typer

from ..errors import EXIT_FINDINGS, EXIT_OK, NotFoundError, UsageError

if TYPE_CHECKING:
    import polars as pl

    from ..parsers.logs.timezone import LogTz

PROGRESS_MIN_BYTES = 64 << 20  # show a progress bar (stderr) only for reads this large


def parse_when(text: str, tz: LogTz) -> datetime:
    """``--since/--until``: ISO date/time; without an offset it is read in the log zone (as printed in the logs)."""
    t = text.strip().replace("T", " ").replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(t)
    except ValueError as e:
        raise UsageError(f"cannot read time {text!r}; use e.g. '2024-03-05 14:07:31' or '2024-03-05T06:07:31Z'") from e
    if dt.tzinfo is None:
        if tz.offset_min is not None:
            dt = dt.replace(tzinfo=timezone(timedelta(minutes=tz.offset_min)))
        else:
            from zoneinfo import ZoneInfo

            dt = dt.replace(tzinfo=ZoneInfo(tz.zone or "UTC"))
    return dt.astimezone(UTC)


def gather(
    specs: list[str], *, tz: str, hosts: list[str] | None, show_progress: bool
) -> tuple[pl.DataFrame, pl.DataFrame, list[Any]]:
    """Read every ``[NAME=]DIR`` as one host: lines, files and read findings."""
    import polars as pl

    from ..parsers.logs import discover, host_dirs, read_log_set

    pairs = host_dirs(specs)
    if hosts:
        pairs = [(h, d) for h, d in pairs if h in set(hosts)]
        if not pairs:
            raise UsageError(f"no log directory is named {', '.join(hosts)}")
    planned = [(h, discover(d)) for h, d in pairs]
    total = sum(max(f.size, 0) for _, fs in planned for f in fs)
    if not any(fs for _, fs in planned):
        raise NotFoundError(f"no RocketMQ log files (*.log, otherdays/*.log.gz) under {', '.join(d for _, d in pairs)}")
    lines, files, findings = [], [], []
    progress_ctx = _progress(total) if show_progress and total >= PROGRESS_MIN_BYTES else None
    try:
        for host, fs in planned:
            r = read_log_set(fs, host=host, tz=tz, progress=progress_ctx[1] if progress_ctx else None)
            lines.append(r.lines)
            files.append(r.files)
            findings.extend(r.findings)
    finally:
        if progress_ctx:
            progress_ctx[0].stop()
    return pl.concat(lines, how="vertical"), pl.concat(files, how="vertical"), findings


def _progress(total: int) -> tuple[Any, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    p = Progress("reading logs", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                 console=Console(stderr=True), transient=True)  # fmt: skip
    task = p.add_task("read", total=total)
    p.start()
    return p, lambda n: p.advance(task, n)


def build_document(
    specs: list[str],
    *,
    tz: str = "GMT+8",
    since: str | None = None,
    until: str | None = None,
    types: list[str] | None = None,
    hosts: list[str] | None = None,
    show_progress: bool = False,
) -> dict[str, Any]:
    """Everything ``rmqinspect logs`` prints: ``files``, ``events``, ``report`` (+ ``summary`` for people)."""
    import polars as pl

    from ..analysis.events import EVENT_TYPES, extract_events
    from ..analysis.log_report import build_report
    from ..findings import findings_frame
    from ..parsers.logs import resolve_tz

    ltz = resolve_tz(tz)
    bad = [t for t in types or [] if t not in EVENT_TYPES]
    if bad:
        raise UsageError(f"unknown event type(s) {', '.join(bad)}; known: {', '.join(sorted(EVENT_TYPES))}")
    lines, files, read_findings = gather(specs, tz=tz, hosts=hosts, show_progress=show_progress)
    if since:
        lines = lines.filter(pl.col("ts") >= parse_when(since, ltz))
    if until:
        lines = lines.filter(pl.col("ts") <= parse_when(until, ltz))
    events = extract_events(lines)
    if types:
        events = events.filter(pl.col("type").is_in(types))
    report = build_report(events, lines)
    report["findings"] = findings_frame([*read_findings, *report["findings"]])
    summary = {
        "hosts": sorted(files["host"].unique().to_list()),
        "files": files.height,
        "records": lines.height,
        "events": events.height,
        "first": lines["ts"].min(),
        "last": lines["ts"].max(),
    }
    return {"files": files, "events": events, "report": report, "summary": summary}


def command(
    dirs: list[str] = typer.Argument(  # noqa: B008
        None, help="Log directories, one per host; NAME=DIR names the host. Default: ~/logs/rocketmqlogs."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document with keys files, events, report."),
    since: str = typer.Option(None, "--since", help="Only records at/after this time (log zone unless an offset is given)."),
    until: str = typer.Option(None, "--until", help="Only records at/before this time."),
    types: list[str] = typer.Option(None, "--type", help="Only these event types (repeatable)."),  # noqa: B008
    hosts: list[str] = typer.Option(None, "--host", help="Only these hosts (repeatable)."),  # noqa: B008
    log_tz: str = typer.Option("GMT+8", "--log-tz", help="Zone the log timestamps are written in (logback default GMT+8)."),
    width: int = typer.Option(0, "--width", help="Terminal width for tables (0 = auto)."),
) -> None:
    """Broker/namesrv logs → registrations, replication lag, latency, recovery, disk and error report."""
    from ..findings import worst_severity

    specs = list(dirs) if dirs else [os.path.expanduser("~/logs/rocketmqlogs")]
    doc = build_document(specs, tz=log_tz, since=since, until=until, types=types, hosts=hosts,
                         show_progress=os.isatty(2))  # fmt: skip
    if json_out:
        from ..output import print_json

        print_json({"files": doc["files"], "events": doc["events"], "report": doc["report"]})
    else:
        from rich.console import Console

        from ..render.logs import render_report

        render_report(Console(width=width or None, highlight=False), doc)
    worst = worst_severity(doc["report"]["findings"])
    raise typer.Exit(EXIT_FINDINGS if worst in ("error", "warning") else EXIT_OK)
