"""The ``rmqinspect`` command line: thin. Each sub-command lives in ``rmqinspect.commands.<name>``.

Errors are handled once, here: an :class:`~rmqinspect.errors.RmqInspectError` becomes one line on stderr
and its exit code; anything unexpected becomes one line too (``RMQINSPECT_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from . import __version__
from .errors import EXIT_INTERRUPTED, RmqInspectError

EXIT_INTERNAL = 3

app = typer.Typer(
    name="rmqinspect",
    help="Forensic analyser for Apache RocketMQ hosts: broker/namesrv logs and the store, read-only.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

# Sub-commands in help order. Each module defines ``command`` (a typer command function).
COMMANDS: tuple[str, ...] = ("store", "msg", "export", "logs", "tail", "tui", "diff", "cluster", "config")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rmqinspect {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Forensic analyser for Apache RocketMQ hosts."""


def _register() -> None:
    for name in COMMANDS:
        mod = importlib.import_module(f"rmqinspect.commands.{name}")
        app.command(name, help=mod.command.__doc__)(mod.command)


_register()


def _err(msg: str) -> None:
    from .render.safe import inert

    sys.stderr.write(f"rmqinspect: {inert(msg)}\n")


def _quiet_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's final flush does not complain about the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except OSError:
        pass


def _fd_identity(fd: int) -> tuple[int, int, int] | None:
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_rdev)


def _stdout_became_devnull(before: tuple[int, int, int] | None) -> bool:
    now = _fd_identity(1)
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return now is not None and now != before and now == (null.st_dev, null.st_ino, null.st_rdev)


def main(argv: list[str] | None = None) -> None:
    """Entry point. Typer (standalone mode) handles usage errors (exit 2) and ``typer.Exit``."""
    from .memtune import tune_malloc

    tune_malloc()
    stdout_id = _fd_identity(1)
    try:
        app(args=argv, prog_name="rmqinspect")
        code = 0
    except SystemExit:
        # Click (EPIPE) and Rich (``Console.on_broken_pipe``) turn a closed stdout (``rmqinspect … | head``)
        # into exit 1, which scripts would read as "findings"; the reader stopping early is a normal end,
        # as for ``tail``. Rich leaves fd 1 pointing at /dev/null, Click wraps sys.stdout.
        if not (type(sys.stdout).__name__ == "PacifyFlushWrapper" or _stdout_became_devnull(stdout_id)):
            raise
        _quiet_stdout()
        code = 0
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        code = 0
    except RmqInspectError as e:
        _err(str(e))
        code = e.exit_code
    except Exception as e:  # the promise: never a traceback
        if os.environ.get("RMQINSPECT_DEBUG"):
            raise
        _err(f"internal error: {type(e).__name__}: {e} (set RMQINSPECT_DEBUG=1 for details)")
        code = EXIT_INTERNAL
    sys.exit(code)


if __name__ == "__main__":
    main()
