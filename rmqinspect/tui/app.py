"""The workbench app and its factory ``make_app`` (used by ``rmqinspect tui`` and by the tests).

Loading happens in thread workers (one per store, one for the logs); each posts a small signal
(``data_changed``) when it finishes, and screens re-read the shared state then. Nothing slow runs on the
UI thread, so keys are answered while a 10 GB store is still being scanned.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.signal import Signal

from .commands import WorkbenchCommands
from .data import LogsState, StoreState, load_logs, load_store, store_label
from .live import LiveLogs

if TYPE_CHECKING:
    from .screens.base import WorkbenchScreen

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


def screen_classes() -> dict[str, type[WorkbenchScreen]]:
    """Mode name → screen class, in screen-bar order."""
    from .screens.charts import ChartsScreen
    from .screens.integrity import IntegrityScreen
    from .screens.logs import LogsScreen
    from .screens.overview import OverviewScreen
    from .screens.store import StoreScreen
    from .screens.timeline import TimelineScreen

    return {
        "overview": OverviewScreen,
        "logs": LogsScreen,
        "timeline": TimelineScreen,
        "store": StoreScreen,
        "integrity": IntegrityScreen,
        "charts": ChartsScreen,
    }


class RmqInspectApp(App[None]):
    """``rmqinspect tui``: Overview, Logs, Timeline, Store, Integrity and Charts over one host's files."""

    CSS_PATH = "app.tcss"
    TITLE = "rmqinspect"
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {WorkbenchCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('overview')", "Overview", show=False),
        Binding("2", "switch_mode('logs')", "Logs", show=False),
        Binding("3", "switch_mode('timeline')", "Timeline", show=False),
        Binding("4", "switch_mode('store')", "Store", show=False),
        Binding("5", "switch_mode('integrity')", "Integrity", show=False),
        Binding("6", "switch_mode('charts')", "Charts", show=False),
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("ctrl+t", "toggle_theme", "Dark/light theme", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        logs_dirs: Sequence[Path | str] = (),
        store_dirs: Sequence[Path | str] = (),
        *,
        follow: bool = True,
        dark: bool = True,
        autoload: bool = True,
        poll_interval: float = 0.5,
        tz: str | None = None,
    ) -> None:
        super().__init__()
        self.poll_interval = poll_interval
        self.live: LiveLogs | None = None
        self.logs = LogsState([Path(d) for d in logs_dirs], tz=tz)
        self.stores = [StoreState(Path(d), store_label(Path(d))) for d in store_dirs]
        self.follow = follow
        self.autoload = autoload
        self.current_store = 0
        self.data_changed: Signal[str] = Signal(self, "data_changed")
        self._dark = dark
        for mode, cls in screen_classes().items():
            self.add_mode(mode, cls)

    # ---- lifecycle ----------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.theme = DARK_THEME if self._dark else LIGHT_THEME
        self.switch_mode("overview")
        if self.autoload:
            self.start_loading()

    def start_loading(self) -> None:
        if self.logs.dirs:
            self.run_worker(self._load_logs, thread=True, group="load", name="logs")
        else:
            self.logs.lines.status = self.logs.events.status = "error"
            self.logs.lines.message = self.logs.events.message = "no log directory given (use --logs DIR)"
            self.logs.done = True
        for i in range(len(self.stores)):
            self.run_worker(self._store_loader(i), thread=True, group="load", name=f"store-{i}")

    def _load_logs(self) -> None:
        live = LiveLogs(self.logs) if self.follow else None
        if live is not None:
            live.start()  # positions taken before the read: nothing appended meanwhile is lost
        load_logs(self.logs)
        self.call_from_thread(self._logs_loaded, live)

    def _logs_loaded(self, live: LiveLogs | None) -> None:
        self.data_changed.publish("logs")
        if live is not None and self.logs.lines.ready:
            self.live = live
            self.set_interval(self.poll_interval, self._live_tick, name="live-logs")

    def set_follow(self, on: bool) -> None:
        self.follow = on

    def _live_tick(self) -> None:
        if self.follow and self.live is not None and not self.live.busy:
            self.live.busy = True
            self.run_worker(self._live_poll, thread=True, group="live", exclusive=True, name="live")

    def _live_poll(self) -> None:
        assert self.live is not None
        try:
            changed = self.live.poll()
        finally:
            self.live.busy = False
        if changed:
            self.call_from_thread(self.data_changed.publish, "live")

    def _store_loader(self, index: int) -> Callable[[], None]:
        state = self.stores[index]
        last = [0.0, -1.0]

        def progress(frac: float) -> None:
            now = time.monotonic()
            if frac - last[1] >= 0.01 and now - last[0] >= 0.2:
                last[0], last[1] = now, frac
                state.progress = frac
                self.call_from_thread(self.data_changed.publish, "progress")

        def run() -> None:
            load_store(state, progress)
            state.progress = 1.0
            self.call_from_thread(self.data_changed.publish, "store")

        return run

    def on_unmount(self) -> None:
        """Stop child readers and followers; remove the private temporary files."""
        for st in self.stores:
            if st.proc is not None:
                st.proc.stop()
        if self.live is not None:
            self.live.stop()
        from .scanproc import stop_all

        stop_all()

    async def loaded(self) -> None:
        """Wait until every loader has finished (tests, bench)."""
        await self.workers.wait_for_complete()

    # ---- actions --------------------------------------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME

    async def run_screen_action(self, mode: str, action: str) -> None:
        """Run ``action`` on the screen of ``mode`` (switching to it first); used by the command palette."""
        if self.current_mode != mode:
            await self.switch_mode(mode)
        await self.run_action(action, default_namespace=self.screen)

    async def goto_log_line(self, host: str | None, file: str | None, line_no: int | None) -> None:
        """Show the Logs screen with the cursor on (host, file, line_no)."""
        from .screens.logs import LogsScreen

        await self.switch_mode("logs")
        screen = self.screen
        if isinstance(screen, LogsScreen):
            screen.go_to_line(host, file, line_no)

    @property
    def store(self) -> StoreState | None:
        return self.stores[self.current_store] if self.stores else None


def make_app(
    logs_dirs: Sequence[Path | str] = (),
    store_dirs: Sequence[Path | str] = (),
    *,
    follow: bool = True,
    dark: bool = True,
    autoload: bool = True,
    poll_interval: float = 0.5,
    tz: str | None = None,
) -> RmqInspectApp:
    """The one way to build the workbench (CLI and tests). ``tz``: the zone log times are written in
    (default: the parser's, GMT+8 as RocketMQ's logback configuration hard-codes)."""
    return RmqInspectApp(
        logs_dirs, store_dirs, follow=follow, dark=dark, autoload=autoload, poll_interval=poll_interval, tz=tz
    )
