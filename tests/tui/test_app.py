"""Interaction tests: drive the workbench with key presses (Pilot) on real lab samples."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import polars as pl
import pytest
from tui_helpers import screen_text, settle

from rmqinspect.tui.app import LIGHT_THEME, make_app, screen_classes
from rmqinspect.tui.commands import palette_entries
from rmqinspect.tui.screens.help import HelpScreen
from rmqinspect.tui.screens.logs import LogsScreen
from rmqinspect.tui.screens.message import MessageScreen
from rmqinspect.tui.widgets.frame_view import FrameView
from rmqinspect.tui.widgets.hexview import HexView

SIZE = (120, 36)


async def test_missing_dirs_are_explained_on_screen(tmp_path: Path) -> None:
    app = make_app([tmp_path / "no-logs"], [tmp_path / "no-store"], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "store directory not found" in text
        assert "logs directory not found" in text
        for key in "23456":
            await pilot.press(key)
            await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert "store directory not found" in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        assert "not found" in screen_text(app)


async def test_a_file_given_as_store_is_a_message_not_a_crash(tmp_path: Path) -> None:
    f = tmp_path / "notadir"
    f.write_text("x")
    app = make_app([], [f], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "store path is not a directory" in screen_text(app)


async def test_log_text_is_inert(tmp_path: Path) -> None:
    d = tmp_path / "h1" / "logs" / "rocketmqlogs"
    d.mkdir(parents=True)
    (d / "broker.log").write_bytes(
        b"2024-03-05 14:07:31 WARN main - odd [bold red]markup[/] and \x1b[31mescape\x1b[0m\n"
    )
    app = make_app([d], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        text = screen_text(app)
        assert "odd [bold red]markup[/] and ␛[31mescape␛[0m" in text


async def test_filter_logs_by_regex_and_level(broker_logs: Path) -> None:
    app = make_app([broker_logs], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = app.logs.lines.value  # what the parser returned is what must be shown
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#log-lines", FrameView)
        assert table.row_count == lines.height
        await pilot.press("f", *"(?i)register", "enter")
        await settle(pilot)
        expected = lines.filter(
            pl.col("message").fill_null("").str.contains("(?i)register")
            | pl.col("continuation").fill_null("").str.contains("(?i)register")
        )
        assert table.row_count == expected.height
        assert f"{expected.height}/{lines.height} lines" in screen_text(app)
        await pilot.press("x")  # clear
        await settle(pilot)
        await pilot.press("l", "l")  # all → INFO → WARN
        await settle(pilot)
        warn = lines.filter(pl.col("level").is_in(["WARN", "ERROR"]))
        assert table.row_count == warn.height
        assert "level≥WARN" in screen_text(app)


async def test_bad_regex_says_so(broker_logs: Path) -> None:
    app = make_app([broker_logs], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("f", "(", "[", "enter")
        await settle(pilot)
        assert "bad regex" in screen_text(app)


async def test_search_moves_cursor_to_next_and_previous_match(broker_logs: Path) -> None:
    app = make_app([broker_logs], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        await pilot.press("slash", *"WARN|store", "enter")
        await settle(pilot)
        table = screen.query_one("#log-lines", FrameView)
        assert screen.hits, "the sample has matching lines"
        first = table.cursor
        assert first == screen.hits[0]
        await pilot.press("n")
        assert table.cursor == (screen.hits[1] if len(screen.hits) > 1 else screen.hits[0])
        await pilot.press("N")
        assert table.cursor == first


async def test_jump_to_time(broker_logs: Path) -> None:
    app = make_app([broker_logs], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ts = app.logs.lines.value["ts"].drop_nulls().sort()
        target = ts[ts.len() // 2]
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("g", *target.strftime("%Y-%m-%d %H:%M:%S"), "enter")
        await settle(pilot)
        row = app.screen.query_one("#log-lines", FrameView).current
        assert row is not None and row["ts"] >= target


async def test_follow_a_live_appended_line(logs_copy: Path) -> None:
    app = make_app([logs_copy], [], follow=True, poll_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#log-lines", FrameView)
        before = table.row_count
        table.action_edge(1)
        with (logs_copy / "broker.log").open("a") as f:
            f.write("2099-01-01 00:00:00 WARN main - appended by the live test\n")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and table.row_count == before:
            await pilot.pause(0.1)
        await settle(pilot)
        assert table.row_count == before + 1
        assert table.current is not None and table.current["message"] == "appended by the live test"
        assert "appended by the live test" in screen_text(app)


async def test_navigate_to_message_and_open_hex_view(broker_store: Path) -> None:
    app = make_app([], [broker_store], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        msgs = app.stores[0].messages
        assert msgs is not None
        if not msgs.height:
            pytest.skip("sample store has no messages yet")
        row = msgs.row(msgs.height // 2, named=True)
        await pilot.press("4")
        await settle(pilot)
        table = app.screen.query_one("#messages", FrameView)
        assert table.row_count == msgs.height
        await pilot.press("s", *f"@{row['phy_offset']}", "enter")
        await settle(pilot)
        assert table.row_count == 1 and table.current["phy_offset"] == row["phy_offset"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageScreen)
        await pilot.press("r")
        await settle(pilot)
        text = screen_text(app)
        assert f"{row['phy_offset']:08x}  " in text  # hex rows start at the record's offset
        assert "TOTALSIZE" in text and "STORETIMESTAMP" in text  # legend beside the dump at 120 columns
        legend = app.screen.query_one(HexView).legend.render().plain  # type: ignore[union-attr]
        assert re.search(rf"TOTALSIZE +{row['size']}\n", legend)
        assert row["topic"] in legend
        await pilot.press("escape")
        assert not isinstance(app.screen, MessageScreen)


async def test_damaged_store_shows_finding_and_bytes(tmp_path: Path, broker_store: Path) -> None:
    from rmqinspect.parsers.commitlog import scan_commitlog

    store = tmp_path / "store"
    shutil.copytree(broker_store, store)
    msgs = scan_commitlog(store).messages
    if msgs.height < 3:
        pytest.skip("sample store has too few messages")
    victim = msgs.row(1, named=True)
    path = store / victim["file"]
    data = bytearray(path.read_bytes())
    pos = victim["phy_offset"] - int(path.name) + 4
    data[pos : pos + 4] = b"\x00\x00\x00\x00"  # wipe the magic of the second record
    path.write_bytes(bytes(data))
    app = make_app([], [store], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "damaged" in screen_text(app) or "suspicious" in screen_text(app)
        await pilot.press("5")
        await settle(pilot)
        findings = app.screen.query_one("#findings", FrameView)
        assert findings.row_count >= 1
        # move to a finding that has an offset, open its bytes
        for i in range(findings.row_count):
            if findings.row(i)["offset"] is not None:
                findings.cursor = i
                break
        await pilot.press("enter")
        await settle(pilot)
        offset = findings.current["offset"]
        assert app.screen.query_one("#bytes-pane").display
        assert f"@ {offset}" in screen_text(app)


async def test_help_lists_every_screen_binding(broker_logs: Path) -> None:
    app = make_app([broker_logs], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_plain = app.screen.query_one("#help-text").render().plain  # type: ignore[union-attr]
        for cls in screen_classes().values():
            for b in cls.BINDINGS:
                assert b.description in help_plain  # type: ignore[union-attr]
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_has_an_entry_for_every_action(broker_logs: Path) -> None:
    app = make_app([broker_logs], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {t for t, _, _ in palette_entries(app)}
        for cls in screen_classes().values():
            for b in cls.BINDINGS:
                assert f"{cls.TITLE_TEXT}: {b.description}" in titles  # type: ignore[union-attr]
        for name in ("Overview", "Logs", "Timeline", "Store", "Integrity", "Charts", "Help"):
            assert name in titles
        # a palette entry runs on its screen: "Logs: Level" switches to Logs and applies the filter
        entry = next(cb for t, _, cb in palette_entries(app) if t == "Logs: Level")
        await entry()  # type: ignore[misc]
        await settle(pilot)
        assert isinstance(app.screen, LogsScreen) and app.screen.flt.min_level == "INFO"


async def test_theme_toggles_between_dark_and_light() -> None:
    app = make_app([], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        assert app.theme == LIGHT_THEME
        await pilot.press("ctrl+t")
        assert app.theme != LIGHT_THEME


async def test_ui_answers_while_a_store_scan_is_still_running(
    monkeypatch: pytest.MonkeyPatch, broker_store: Path
) -> None:
    """The scan runs in a worker: with it held mid-way, screens switch and the Overview says 'scanning'."""
    import threading

    import rmqinspect.tui.app as app_mod

    release = threading.Event()
    real = app_mod.load_store

    def slow_load(state, progress=None):  # type: ignore[no-untyped-def]
        if progress is not None:
            progress(0.5)
        release.wait(10)
        return real(state, progress)

    monkeypatch.setattr(app_mod, "load_store", slow_load)
    app = make_app([], [broker_store], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        assert "scanning" in screen_text(app)
        await pilot.press("2")
        assert isinstance(app.screen, LogsScreen)
        await pilot.press("1")
        assert not app.stores[0].done
        release.set()
        await settle(pilot)
        assert app.stores[0].done
        assert "scanned:" in screen_text(app)


async def test_identity_and_recovery_match_the_lab_manifest() -> None:
    """Roles/cluster derived from the logs and the crash store's predicted recovery point are what the lab
    recorded (manifest.json: configured roles; the restarted broker's recovered max physical offset)."""
    import json

    from conftest import sample

    manifest = json.loads(sample("manifest.json").read_text())
    logs = [sample(p, "logs", "rocketmqlogs") for p in ("broker-a", "broker-a-s", "namesrv-1")]
    crash = sample("broker-a", "store-at-crash")
    app = make_app(logs, [crash], follow=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        from rmqinspect.tui.health import identity_rows

        rows = {r[0]: r for r in identity_rows(app)}
        procs = {p["name"]: p for p in manifest["processes"]}
        for host in ("broker-a", "broker-a-s"):
            configured = procs[host]["role"]  # e.g. SYNC_MASTER / SLAVE
            # shown as the config dump says it, or derived from HA lines when the dump omits it
            derived = "slave (HA lines)" if configured == "SLAVE" else "master (HA lines)"
            assert rows[host][1] in (configured, derived)
            assert rows[host][2] == manifest["cluster"]
            assert rows[host][3] == procs[host]["broker_name"]
        assert rows["namesrv-1"][1] == "nameserver"
        recovered = manifest["recovered_max_phy_offset"]
        assert app.stores[0].recovery.value.recovered_offset == recovered
        assert f"keeps up to offset {recovered}" in screen_text(app)


async def test_timeline_event_opens_its_log_line(broker_logs: Path) -> None:
    app = make_app([broker_logs], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one("#timeline-table", FrameView)
        assert table.row_count > 0
        table.cursor = table.row_count // 2
        event = table.current
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LogsScreen)
        line = app.screen.query_one("#log-lines", FrameView).current
        assert line is not None
        assert (line["host"], line["file"], line["line_no"]) == (event["host"], event["file"], event["line_no"])


async def test_follow_survives_rotation(logs_copy: Path) -> None:
    """logback rolls broker.log (rename, new empty file): lines of the new file appear, numbered from 1."""
    app = make_app([logs_copy], [], follow=True, poll_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#log-lines", FrameView)
        before = table.row_count
        live = logs_copy / "broker.log"
        live.rename(logs_copy / "broker.log.rolled")  # any name the follower does not watch
        live.write_text("2099-01-01 00:00:01 INFO main - first line after rotation\n")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and table.row_count == before:
            await pilot.pause(0.1)
        await settle(pilot)
        assert table.row_count == before + 1
        last = table.row(table.row_count - 1)
        assert last is not None
        assert (last["file"], last["line_no"], last["message"]) == ("broker.log", 1, "first line after rotation")


async def test_mouse_click_on_screen_bar_and_rows(broker_logs: Path) -> None:
    from rmqinspect.tui.widgets.nav import NavBar

    app = make_app([broker_logs], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(NavBar, offset=(15, 0))  # " 2 Logs " is the second item
        await settle(pilot)
        assert isinstance(app.screen, LogsScreen)
        table = app.screen.query_one("#log-lines", FrameView)
        await pilot.click("#log-lines", offset=(5, 4))  # header is row 0: row 4 is the 4th line
        assert table.cursor == 3


async def test_command_palette_runs_a_screen_action(broker_logs: Path) -> None:
    app = make_app([broker_logs], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Logs: Level")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LogsScreen)
        assert app.screen.flt.min_level == "INFO"


async def test_a_directory_that_is_not_a_store_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    app = make_app([], [tmp_path / "empty"], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "not a RocketMQ store" in screen_text(app)
        await pilot.press("4")
        await settle(pilot)
        assert "not a RocketMQ store" in screen_text(app)


async def test_a_log_dir_without_rocketmq_logs_says_so(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "notes.txt").write_text("not a log\n")
    app = make_app([tmp_path / "logs"], [], follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert "no RocketMQ log lines under" in screen_text(app)


async def test_log_time_zone_option_shifts_times(tmp_path: Path) -> None:
    d = tmp_path / "h" / "logs" / "rocketmqlogs"
    d.mkdir(parents=True)
    (d / "broker.log").write_text("2024-03-05 14:07:31 INFO main - hello\n")
    for tz, shown in ((None, "2024-03-05 06:07:31"), ("UTC", "2024-03-05 14:07:31")):
        app = make_app([d], [], follow=False, tz=tz)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
            assert f"{shown} h" in screen_text(app)
