"""Fixtures for the TUI tests: real lab samples (skipped when absent) and copies for live tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "rmq-5.3.3"


def sample(*parts: str) -> Path:
    path = SAMPLE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"lab sample not present: {path}")
    return path


@pytest.fixture
def broker_logs() -> Path:
    return sample("broker-a", "logs", "rocketmqlogs")


@pytest.fixture
def namesrv_logs() -> Path:
    return sample("namesrv-1", "logs", "rocketmqlogs")


@pytest.fixture
def broker_store() -> Path:
    return sample("broker-a", "store")


@pytest.fixture
def logs_copy(tmp_path: Path, broker_logs: Path) -> Path:
    """A copy of broker-a's logs we may append to (the sample itself is never written)."""
    dst = tmp_path / "broker-a" / "logs" / "rocketmqlogs"
    shutil.copytree(broker_logs, dst)
    return dst
