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
        try:
            mod = importlib.import_module(f"rmqinspect.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"rmqinspect.commands.{name}":
                continue  # not built yet in this checkout
            raise
        app.command(name, help=mod.command.__doc__)(mod.command)


_register()


def _err(msg: str) -> None:
    from .render.safe import inert

    sys.stderr.write(f"rmqinspect: {inert(msg)}\n")


def main(argv: list[str] | None = None) -> None:
    """Entry point. Typer (standalone mode) handles usage errors (exit 2) and ``typer.Exit``."""
    import signal

    # Like grep or cat: a closed pipe (``rmqinspect … | head``) ends the process quietly instead of
    # surfacing as an error exit that scripts would read as "findings".
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app(args=argv, prog_name="rmqinspect")
        code = 0
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
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
