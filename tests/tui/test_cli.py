"""``rmqinspect tui``: registered, documented, and defaulting to the RocketMQ directories when they exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rmqinspect.cli import app as cli_app
from rmqinspect.commands.tui import default_dirs


def test_tui_command_is_registered_with_help() -> None:
    result = CliRunner().invoke(cli_app, ["tui", "--help"])
    assert result.exit_code == 0
    assert "--logs" in result.output and "--store" in result.output


def test_defaults_are_used_only_when_they_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_dirs(None, None) == ([], [])
    (tmp_path / "logs" / "rocketmqlogs").mkdir(parents=True)
    (tmp_path / "store").mkdir()
    logs, store = default_dirs(None, None)
    assert logs == [tmp_path / "logs" / "rocketmqlogs"] and store == [tmp_path / "store"]
    given = tmp_path / "elsewhere"
    assert default_dirs([given], None)[0] == [given]
