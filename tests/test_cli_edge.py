"""The CLI edge: every command registered, errors become one line + exit code, closed pipes end quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rmqinspect import __version__, cli
from rmqinspect.errors import UnusableInputError

REPO = Path(__file__).resolve().parents[1]
STORE = REPO / "samples" / "rmq-5.3.3" / "broker-a" / "store"


def run(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmqinspect", *args], capture_output=True, text=True, cwd=REPO, timeout=300, **kw
    )


def test_version_and_every_command_in_help() -> None:
    assert run("--version").stdout.strip() == f"rmqinspect {__version__}"
    out = run("--help").stdout
    for name in cli.COMMANDS:
        assert f" {name} " in out, name


def test_unusable_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    r = run("store", str(tmp_path / "missing"))
    assert r.returncode == 2
    assert r.stderr.startswith("rmqinspect: ") and r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr


def test_unexpected_exception_is_one_line_exit_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def boom(*a: object, **k: object) -> None:
        raise ValueError("\x1b[31mboom")

    monkeypatch.setattr(cli, "app", boom)
    monkeypatch.delenv("RMQINSPECT_DEBUG", raising=False)
    with pytest.raises(SystemExit) as e:
        cli.main([])
    assert e.value.code == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: ValueError" in err
    assert "\x1b" not in err  # the message itself is made inert


def test_typed_error_keeps_its_exit_code(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def unusable(*a: object, **k: object) -> None:
        raise UnusableInputError("not a RocketMQ store: /x")

    monkeypatch.setattr(cli, "app", unusable)
    with pytest.raises(SystemExit) as e:
        cli.main([])
    assert e.value.code == 2
    assert capsys.readouterr().err == "rmqinspect: not a RocketMQ store: /x\n"


@pytest.mark.parametrize("args", [["store", str(STORE)], ["store", str(STORE), "--json"]])
def test_reader_closing_the_pipe_is_a_normal_end(args: list[str]) -> None:
    """``rmqinspect store … | head -1``: Rich/Click would exit 1 (= "findings"); we exit 0, silently."""
    p = subprocess.Popen([sys.executable, "-m", "rmqinspect", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=REPO)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # before the command writes anything (it needs a second to start): its writes hit EPIPE
    err = p.stderr.read().decode()
    assert p.wait(timeout=300) == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err
