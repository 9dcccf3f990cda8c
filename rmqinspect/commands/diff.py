"""``rmqinspect diff MASTER_STORE SLAVE_STORE [--json]``."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import EXIT_FINDINGS, EXIT_OK


def command(
    master: Annotated[str, typer.Argument(help="The master's store root (holding commitlog/).")],
    slave: Annotated[str, typer.Argument(help="The slave's store root.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document: summary, queues, config, findings.")] = False,
) -> None:
    """Compare a master's store with its slave's: replication lag (bytes, messages, seconds), the first
    commitlog offset where they differ, consume-queue and config differences, and a verdict.
    Exit 0 in sync, 1 lagging/diverged or a warning, 2 unusable input (e.g. not a master/slave pair)."""
    from ..analysis.diff import diff_stores
    from ..findings import findings_frame

    r = diff_stores(master, slave)
    fdf = findings_frame(r.findings)
    if as_json:
        from ..output import print_json

        print_json({"summary": r.summary(), "queues": r.queues, "config": r.config, "findings": fdf})
    else:
        from rich.console import Console

        from ..render.diff import render_diff

        render_diff(Console(), r.summary(), r.queues, r.config, fdf)
    from ..findings import worst_severity

    clean = r.verdict.startswith("IN SYNC") and worst_severity(fdf) in (None, "info")
    raise typer.Exit(EXIT_OK if clean else EXIT_FINDINGS)
