"""SVG snapshots of every screen on a real lab sample (pytest-textual-snapshot).

Paths are given relative to the repository root (the test chdirs there) so the SVGs do not depend on where
the checkout lives. Nothing on screen depends on a clock; workers are awaited before each capture.
Update after an intended change: ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from conftest import ROOT, SAMPLE
from textual.pilot import Pilot
from tui_helpers import settle

from rmqinspect.tui.app import make_app

REL = SAMPLE.relative_to(ROOT)
LOGS = [str(REL / p / "logs" / "rocketmqlogs") for p in ("broker-a", "broker-a-s", "namesrv-1")]
STORE = [str(REL / "broker-a" / "store"), str(REL / "broker-a" / "store-at-crash")]
BIG = (120, 36)

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="lab sample not present")


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def keys(*presses: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Settle, then press each key and settle again (so every worker it starts has finished)."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)

    return run


def app(logs: list[str] | None = None, stores: list[str] | None = None, **kw: Any) -> Any:
    return make_app(LOGS if logs is None else logs, STORE if stores is None else stores, follow=False, **kw)


def test_overview(snap_compare: Any) -> None:
    assert snap_compare(app(), terminal_size=BIG, run_before=keys())


def test_overview_80x24(snap_compare: Any) -> None:
    assert snap_compare(app(), terminal_size=(80, 24), run_before=keys())


def test_logs_warn_and_above(snap_compare: Any) -> None:
    assert snap_compare(app(stores=[]), terminal_size=BIG, run_before=keys("2", "l", "l"))


def test_logs_80x24_light(snap_compare: Any) -> None:
    # light theme, 80 columns, only lines that are events
    run = keys("2", "e", "down", "enter")
    assert snap_compare(app(stores=[], dark=False), terminal_size=(80, 24), run_before=run)


def test_timeline(snap_compare: Any) -> None:
    assert snap_compare(app(stores=[]), terminal_size=BIG, run_before=keys("3"))


def test_store_browser(snap_compare: Any) -> None:
    # focus the topics list, pick the second topic, then back to its messages
    run = keys("4", "shift+tab", "shift+tab", "down", "down", "tab", "tab")
    assert snap_compare(app(logs=[], stores=STORE[:1]), terminal_size=BIG, run_before=run)


def test_message_raw_hex(snap_compare: Any) -> None:
    run = keys("4", "enter", "r")
    assert snap_compare(app(logs=[], stores=STORE[:1]), terminal_size=BIG, run_before=run)


def test_integrity_crash_snapshot(snap_compare: Any) -> None:
    # the store copied after kill -9: abnormal recovery predicted, abort file reported
    assert snap_compare(app(logs=[], stores=STORE[1:]), terminal_size=BIG, run_before=keys("5"))


def test_integrity_bytes_at_finding(snap_compare: Any, tmp_path: Any) -> None:
    """A copy of the lab store with one record's magic zeroed: the finding, its bytes, its neighbours."""
    import shutil

    from rmqinspect.parsers.commitlog import scan_commitlog

    store = tmp_path / "store"
    shutil.copytree(ROOT / STORE[0], store)
    victim = scan_commitlog(store).messages.row(10, named=True)
    path = store / victim["file"]
    data = bytearray(path.read_bytes())
    at = victim["phy_offset"] - int(path.name) + 4
    data[at : at + 4] = bytes(4)
    path.write_bytes(bytes(data))
    assert snap_compare(app(logs=[], stores=[str(store)]), terminal_size=BIG, run_before=keys("5", "down", "enter"))


def test_charts(snap_compare: Any) -> None:
    assert snap_compare(app(stores=STORE[:1]), terminal_size=BIG, run_before=keys("6"))


def test_help(snap_compare: Any) -> None:
    assert snap_compare(app(logs=[], stores=[]), terminal_size=BIG, run_before=keys("question_mark"))
