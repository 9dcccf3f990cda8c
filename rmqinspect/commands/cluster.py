"""``rmqinspect cluster HOST=DIR ... [--tz Z] [--tz-of HOST=Z] [--version V] [--no-stores] [--json]``."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import UsageError


def command(
    hosts: Annotated[list[str], typer.Argument(metavar="HOST=DIR...", help="Each host's directory (logs, stores, .properties in any layout).")],
    tz: Annotated[str, typer.Option("--log-tz", "--tz", help="Zone of log timestamps (RocketMQ prints GMT+8 without a marker).")] = "GMT+8",
    tz_of: Annotated[list[str] | None, typer.Option("--tz-of", help="HOST=ZONE for a host whose logs use another zone.")] = None,
    version: Annotated[str, typer.Option("--version", "-V", help="RocketMQ version, for reading .properties.")] = "5.3.3",
    no_stores: Annotated[bool, typer.Option("--no-stores", help="Skip the store comparison of HA pairs (it reads both commitlogs).")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Timeline rows to print (the JSON has all).")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
) -> None:
    """Merge many hosts' evidence into one cluster: NameServers, brokers by cluster/name/id with roles and
    addresses, HA pairs with lag, registrations with each NameServer, incidents and a UTC timeline."""
    from ..analysis.cluster import build_cluster
    from ..data import parse_version
    from ..findings import findings_frame

    zones = {}
    for spec in tz_of or []:
        h, sep, z = spec.partition("=")
        if not sep or not h or not z:
            raise UsageError(f"--tz-of wants HOST=ZONE, got {spec!r}")
        zones[h] = z
    rep = build_cluster(hosts, tz=tz, tz_of=zones, version=parse_version(version), stores=not no_stores)
    doc = rep.to_doc()
    fdf = findings_frame(rep.findings)
    if as_json:
        from ..output import print_json

        doc["findings"] = fdf
        print_json(doc)
        return
    from rich.console import Console

    from ..render.cluster import render_cluster

    render_cluster(Console(), doc, rep.timeline, rep.registrations, fdf, limit)
