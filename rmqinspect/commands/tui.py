"""``rmqinspect tui``: the interactive workbench (Overview, Logs, Timeline, Store, Integrity, Charts)."""

from __future__ import annotations

from pathlib import Path

import typer

DEFAULT_LOGS = Path("~/logs/rocketmqlogs")
DEFAULT_STORE = Path("~/store")


def default_dirs(logs: list[Path] | None, store: list[Path] | None) -> tuple[list[Path], list[Path]]:
    """The dirs given, or the RocketMQ defaults (``~/logs/rocketmqlogs``, ``~/store``) when they exist."""
    logs_dirs = [p.expanduser() for p in logs] if logs else []
    store_dirs = [p.expanduser() for p in store] if store else []
    if not logs and DEFAULT_LOGS.expanduser().is_dir():
        logs_dirs = [DEFAULT_LOGS.expanduser()]
    if not store and DEFAULT_STORE.expanduser().is_dir():
        store_dirs = [DEFAULT_STORE.expanduser()]
    return logs_dirs, store_dirs


def command(
    logs: list[Path] = typer.Option(  # noqa: B008
        None, "--logs", "-l", help="A log directory (repeatable). Default: ~/logs/rocketmqlogs if it exists."
    ),
    store: list[Path] = typer.Option(  # noqa: B008
        None, "--store", "-s", help="A broker store root (repeatable). Default: ~/store if it exists."
    ),
    no_follow: bool = typer.Option(False, "--no-follow", help="Do not follow the logs as they grow."),
    light: bool = typer.Option(False, "--light", help="Start with the light theme (Ctrl+T toggles)."),
    tz: str = typer.Option(
        None, "--log-tz", "--tz", help="Zone the log timestamps were written in (default GMT+8, RocketMQ's logback setting)."
    ),
) -> None:
    """Interactive forensic workbench: overview, logs, timeline, store browser, integrity, charts."""
    from ..tui.app import make_app

    logs_dirs, store_dirs = default_dirs(logs, store)
    if tz is not None:
        from ..parsers.logs import resolve_tz

        resolve_tz(tz)  # a bad zone is a usage error on the command line, before the screen opens
    make_app(logs_dirs, store_dirs, follow=not no_follow, dark=not light, tz=tz).run()
