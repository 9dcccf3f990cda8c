"""``rmqinspect store [DIR]``: what is in a broker store, is it intact, what would a restart keep.

Exit codes: 0 intact (no error findings), 1 findings of severity ``error``, 2 unusable input.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_STORE = "~/store"
_DEFAULT_PATH = Path(DEFAULT_STORE)


def command(
    store_dir: Annotated[Path, typer.Argument(metavar="[DIR]", help="Store root (storePathRootDir).",
                                              show_default=DEFAULT_STORE)] = _DEFAULT_PATH,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of the summary.")] = False,
    no_crc: Annotated[bool, typer.Option("--no-crc", help="Skip body CRC verification (faster; the recovery "
                                                          "prediction then assumes CRCs are intact).")] = False,
    broker_version: Annotated[str | None, typer.Option(
        "--version", "-V", "--broker-version", metavar="X.Y.Z",
        help="RocketMQ version whose recovery rules to predict (default 5.3.3).")] = None,
    index_check: Annotated[str, typer.Option(
        "--index-check", metavar="sample|full|none",
        help="Check index entries against the commitlog: a sample, all, or none.")] = "sample",
    width: Annotated[int | None, typer.Option("--width", hidden=True, help="Console width (tests).")] = None,
) -> None:
    """Summarise and verify a broker store: files, offsets, topics, health, recovery prediction, consumer lag."""
    from ..analysis.store_summary import stream_store
    from ..errors import EXIT_FINDINGS, UsageError

    if index_check not in ("sample", "full", "none"):
        raise UsageError(f"--index-check must be sample, full or none, not {index_check!r}")
    sample = {"sample": 5000, "full": None, "none": 0}[index_check]
    if broker_version is not None and not re.fullmatch(r"\d+(\.(\d+|x)){0,2}", broker_version):
        raise UsageError(f"--broker-version must look like 5.3.3, 4.9 or 5.x, not {broker_version!r}")
    with _Progress(enabled=not json_out) as progress:
        # bounded memory: the commitlog is streamed once and checked window by window
        report = stream_store(store_dir, verify_crc=not no_crc, progress=progress, version=broker_version,
                              index_sample=sample)
    if json_out:
        from ..output import print_json

        print_json(report.to_doc())
    else:
        from rich.console import Console

        from ..render.store import render_report

        render_report(report, Console(width=width) if width else Console())
    if report.verdict == "damaged":
        raise typer.Exit(EXIT_FINDINGS)


class _Progress:
    """A rich progress bar on stderr while the store is read (only on a terminal; silent for --json)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._p = None
        self._tasks: dict[str, int] = {}

    def __enter__(self):  # type: ignore[no-untyped-def]
        import sys

        if not (self.enabled and sys.stderr.isatty()):
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        # stages count bytes (commitlog) or queues/files (consume queues, index): show percentages, not units
        self._p = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                           console=Console(stderr=True), transient=True)
        self._p.__enter__()
        return self._update

    def _update(self, stage: str, done: int, total: int) -> None:
        assert self._p is not None
        if stage not in self._tasks:
            self._tasks[stage] = self._p.add_task(f"reading {stage}", total=total or None)
        self._p.update(self._tasks[stage], completed=done, total=total or None)

    def __exit__(self, *exc: object) -> None:
        if self._p is not None:
            self._p.__exit__(None, None, None)
