"""Shared test fixtures: the lab package on sys.path and the bundled samples.

Kept small and stable on purpose; other test modules depend on these names:
``samples_dir`` (fixture), ``sample_runs`` (fixture: list of sample run dirs, may be empty),
``load_manifest(run_dir)`` (helper, also importable as ``from conftest import load_manifest``).
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAB_DIR = ROOT / "lab"
# RMQ_SAMPLES_DIR points the suite at other lab runs (e.g. a fresh `lab/run` before it replaces samples/)
SAMPLES_DIR = Path(os.environ.get("RMQ_SAMPLES_DIR", ROOT / "samples"))

if str(LAB_DIR) not in sys.path:
    sys.path.insert(0, str(LAB_DIR))


def sample_run_dirs() -> list[Path]:
    """Every ``samples/rmq-<version>/`` that holds a manifest.json, oldest version name first."""
    if not SAMPLES_DIR.is_dir():
        return []
    return sorted(p for p in SAMPLES_DIR.iterdir() if (p / "manifest.json").is_file())


def load_manifest(run_dir: Path) -> dict[str, Any]:
    """The parsed manifest.json of a sample run (schema: lab/README.md)."""
    from rmqlab.manifest import load

    return load(run_dir)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def sample_runs() -> list[Path]:
    return sample_run_dirs()


_SHARED = ("ROOT", "LAB_DIR", "SAMPLES_DIR", "sample_run_dirs", "load_manifest")


def pytest_plugin_registered(plugin: object, manager: object) -> None:
    """Keeps ``from conftest import load_manifest`` working everywhere.

    Pytest imports every non-package conftest.py as the module ``conftest``, so once a subdirectory's
    conftest (e.g. tests/tui/conftest.py) is loaded, a later ``from conftest import …`` — at module
    level or inside a test — finds that module instead of this one. The shared helpers are therefore
    added to any such module that does not define them itself (its own names are never replaced).
    """
    file = getattr(plugin, "__file__", None) if isinstance(plugin, types.ModuleType) else None
    if file and Path(file).name == "conftest.py" and file != __file__:
        for name in _SHARED:
            if not hasattr(plugin, name):
                setattr(plugin, name, globals()[name])
