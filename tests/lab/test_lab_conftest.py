"""The shared test helpers of tests/conftest.py stay importable after a subdirectory conftest loads."""

from __future__ import annotations

import importlib.util
import types
from pathlib import Path

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def _root_conftest() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("rmq_root_conftest_probe", ROOT_CONFTEST)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_subdirectory_conftest_receives_missing_helpers_but_keeps_its_own(tmp_path: Path) -> None:
    root = _root_conftest()
    sub = types.ModuleType("conftest")
    sub.__file__ = str(tmp_path / "tui" / "conftest.py")
    sub.ROOT = "the subdirectory's own ROOT"  # type: ignore[attr-defined]
    root.pytest_plugin_registered(sub, None)
    assert sub.load_manifest is root.load_manifest  # type: ignore[attr-defined]
    assert sub.sample_run_dirs is root.sample_run_dirs  # type: ignore[attr-defined]
    assert sub.ROOT == "the subdirectory's own ROOT"


def test_other_plugins_are_left_alone(tmp_path: Path) -> None:
    root = _root_conftest()
    plugin = types.ModuleType("someplugin")
    plugin.__file__ = str(tmp_path / "someplugin.py")
    root.pytest_plugin_registered(plugin, None)
    assert not hasattr(plugin, "load_manifest")
