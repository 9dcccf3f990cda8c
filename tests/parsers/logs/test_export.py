"""``export_frame_for``: the frames ``rmqinspect export --what lines|events`` writes, named hosts."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rmqinspect.analysis.events import events_schema
from rmqinspect.errors import UsageError
from rmqinspect.parsers.logs import export_frame_for, host_dirs, lines_schema

PUBLIC = Path(__file__).resolve().parents[2] / "fixtures" / "public_lines"


def test_lines_and_events_frames_have_the_published_schemas() -> None:
    lines = export_frame_for("lines", [f"pub={PUBLIC}"])
    events = export_frame_for("events", PUBLIC)
    assert lines.schema == pl.Schema(lines_schema()) and set(lines["host"]) == {"pub"}
    assert events.schema == pl.Schema(events_schema()) and set(events["host"]) == {"public_lines"}
    assert lines.height == 81 and events.height == 50


def test_unknown_what_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        export_frame_for("bytes", PUBLIC)


def test_host_names_from_specs(tmp_path: Path) -> None:
    d = tmp_path / "broker-a" / "logs" / "rocketmqlogs"
    d.mkdir(parents=True)
    assert host_dirs([str(d), f"x={tmp_path}", str(tmp_path)]) == [
        ("broker-a", str(d)), ("x", str(tmp_path)), (tmp_path.name, str(tmp_path))]  # fmt: skip
