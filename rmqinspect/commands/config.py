"""``rmqinspect config [HOST=]FILE ... [--version V] [--one-host] [--logs DIR] [--json]``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ..errors import EXIT_FINDINGS, EXIT_OK, UsageError


def _split_label(spec: str) -> tuple[str | None, str]:
    """``HOST=FILE`` → (HOST, FILE); a path that itself exists wins over the label reading."""
    name, sep, path = spec.partition("=")
    if sep and name and path and not os.path.exists(spec):
        return name, path
    return None, spec


def command(
    files: Annotated[list[str], typer.Argument(metavar="[HOST=]FILE...", help="Broker .properties files; prefix HOST= to say which host runs it.")],
    version: Annotated[str, typer.Option("--version", "-V", help="RocketMQ version the brokers run (e.g. 4.4.0, 4.9.7, 5.3.3).")] = "5.3.3",
    one_host: Annotated[bool, typer.Option("--one-host", help="Treat files without a HOST= label as running on one host.")] = False,
    logs: Annotated[list[str] | None, typer.Option("--logs", help="A broker's log dir (…/logs/rocketmqlogs; NAME=DIR allowed): compare with the config it booted with.")] = None,
    tz: Annotated[str, typer.Option("--log-tz", "--tz", help="Time zone of the log timestamps (RocketMQ's default pattern is GMT+8).")] = "GMT+8",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document: brokers, findings.")] = False,
) -> None:
    """Lint broker .properties files: ignored/unknown keys for the version, bad values, and across the set
    shared store paths and port clashes per host, master/slave pairs, roles and ids.

    Hosts: label files HOST=FILE (e.g. the 2m-2s guide: h1=broker-a.properties h1=broker-b-s.properties
    h2=broker-b.properties h2=broker-a-s.properties). Unlabelled files use brokerIP1 if set, else --one-host,
    else no per-host checks. Exit 1 when there is a warning or an error.
    """
    from ..analysis.config_lint import lint
    from ..data import fmt_version, known_keys, parse_version
    from ..findings import findings_frame, worst_severity
    from ..parsers.properties import read_properties

    want = parse_version(version)
    parsed = []
    for spec in files:
        host, path = _split_label(spec)
        if not Path(path).exists():
            raise UsageError(f"{path}: no such file")
        props = read_properties(path)
        if host is None:
            ip = props.values.get("brokerIP1", "").strip()
            host = ip or ("localhost" if one_host else None)
        parsed.append((host, props))
    brokers, findings = lint(parsed, want)
    if logs:
        from ..analysis.config_lint import compare_with_logs

        findings += compare_with_logs(brokers, logs, tz=tz)
    df = findings_frame(findings)
    used = known_keys(want)
    note = f"keys checked against RocketMQ {fmt_version(used.version)} (jars, scripts/gen_known_keys.py)"
    if not used.exact:
        if used.version > want:
            note += f" (the oldest generated release; {fmt_version(want)} is older)"
        else:
            note += f" (the nearest generated release not newer than {fmt_version(want)})"
    summaries = [b.summary() for b in brokers]
    if as_json:
        from ..output import print_json

        print_json({"version": fmt_version(want), "keys_from": fmt_version(used.version),
                    "brokers": summaries, "findings": df})
    else:
        from rich.console import Console

        from ..render.config import render_config

        render_config(Console(), summaries, df, note)
    worst = worst_severity(df)
    raise typer.Exit(EXIT_FINDINGS if worst in ("error", "warning") else EXIT_OK)
