"""Store browser: topics → queues → messages (virtual table), search, and the message detail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from ...render.safe import inert
from .. import storeview
from ..widgets.frame_view import Col, FrameView, fmt_value
from .base import Notice, WorkbenchScreen, part_notice
from .modals import AskScreen

if TYPE_CHECKING:
    import polars as pl

ALL = "(all topics)"


def _t(v: Any, style: str = "") -> Text:
    return Text(inert("" if v is None else str(v)), style=style)


class StoreScreen(WorkbenchScreen):
    MODE = "store"
    TITLE_TEXT = "Store"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "search", "Search"),
        Binding("enter", "open_message", "Message detail", show=False),
        Binding("x", "clear_search", "Clear search", show=False),
        Binding("tab", "focus_next", "Next pane", show=False),
        Binding("right_square_bracket", "next_store(1)", "Next store", key_display="]", show=False),
        Binding("left_square_bracket", "next_store(-1)", "Prev store", key_display="[", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield Notice(id="store-notice")
        with Horizontal(id="store-panes"):
            with Vertical(id="store-left"):
                yield DataTable(id="topics", cursor_type="row")
                yield DataTable(id="queues", cursor_type="row")
            with Vertical(id="store-right"):
                yield Static(id="store-status")
                yield FrameView(
                    [
                        Col("phy_offset", "phy offset", 12, align_right=True),
                        Col("queue_id", "q", 3, align_right=True),
                        Col("queue_offset", "q offset", 8, align_right=True),
                        Col("store_ts", "store time (UTC)", 19, fmt=lambda v: fmt_value(v)[:19]),
                        Col("topic", "topic", 16, hide_below=90),
                        Col("tags", "tags", 10, hide_below=70),
                        Col("keys", "keys", 0),
                    ],
                    row_class=lambda r: "error" if r.get("body_crc_ok") is False else None,
                    empty_text="(no messages)",
                    id="messages",
                )

    def on_mount(self) -> None:
        self.query_one("#topics", DataTable).add_columns("topic", "msgs")
        self.query_one("#queues", DataTable).add_columns("queue", "msgs", "first", "last")
        self.topics: pl.DataFrame | None = None
        self.topic: str | None = None
        self.queue_id: int | None = None
        self.search_text = ""
        self.shown_for: int | None = None

    @property
    def messages_view(self) -> FrameView:
        return self.query_one("#messages", FrameView)

    # ---- data ------------------------------------------------------------------------------------------------
    def refresh_data(self, kind: str) -> None:
        if kind not in ("store", "all"):
            return
        notice = self.query_one("#store-notice", Notice)
        st = self.wb.store
        if st is None:
            notice.say("no store directory given (use --store DIR)")
            return
        label = f"store {st.label}: " if len(self.wb.stores) > 1 else ""
        if st.problem:
            notice.say(st.problem, error=True)
            return
        if not st.scan.ready or st.messages is None:
            text, err = part_notice(st.scan, "commitlog")
            notice.say(label + text, error=err)
            return
        notice.say(f"{label}{inert(str(st.path))}" if len(self.wb.stores) > 1 else "")
        if self.shown_for == self.wb.current_store:
            return
        self.shown_for = self.wb.current_store
        self._load_topics(st.messages)

    @work(thread=True, exclusive=True, group="store-topics")
    def _load_topics(self, messages: pl.DataFrame) -> None:
        topics = storeview.topics_frame(messages)
        self.app.call_from_thread(self._show_topics, topics)

    def _show_topics(self, topics: pl.DataFrame) -> None:
        self.topics = topics
        table = self.query_one("#topics", DataTable)
        table.clear()
        total = int(topics["messages"].sum()) if topics.height else 0
        table.add_row(_t(ALL, "italic"), _t(total), key="__all__")
        for i, r in enumerate(topics.iter_rows(named=True)):
            table.add_row(_t(r["topic"]), _t(r["messages"]), key=str(i))
        self.topic = None
        self.queue_id = None
        self._select()
        self.messages_view.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "topics":
            key = event.row_key.value
            topic = None
            if key not in (None, "__all__") and self.topics is not None:
                topic = self.topics["topic"][int(key)]
            if topic != self.topic or key == "__all__":
                self.topic = topic
                self.queue_id = None
                self._select()
        elif event.data_table.id == "queues":
            key = event.row_key.value
            qid = None if key in (None, "__all__") else int(key)
            if qid != self.queue_id:
                self.queue_id = qid
                self._select(queues=False)

    def _select(self, queues: bool = True) -> None:
        st = self.wb.store
        if st is None or st.messages is None:
            return
        self.search_text = ""
        self._select_worker(st.messages, self.topic, self.queue_id, queues)

    @work(thread=True, exclusive=True, group="store-select")
    def _select_worker(self, messages: pl.DataFrame, topic: str | None, queue_id: int | None, queues: bool) -> None:
        qf = storeview.queues_frame(messages, topic) if queues and topic is not None else None
        df = storeview.select_messages(messages, topic, queue_id)
        self.app.call_from_thread(self._show_messages, df, qf, queues)

    def _show_messages(self, df: pl.DataFrame, qf: pl.DataFrame | None, update_queues: bool) -> None:
        if update_queues:
            table = self.query_one("#queues", DataTable)
            table.clear()
            if qf is not None:
                table.add_row(_t("(all)", "italic"), _t(int(qf["messages"].sum())), _t(""), _t(""), key="__all__")
                for r in qf.iter_rows(named=True):
                    table.add_row(_t(r["queue_id"]), _t(r["messages"]), _t(r["first"]), _t(r["last"]), key=str(r["queue_id"]))
        self.messages_view.set_frame(df, cursor=0)
        self._status(df.height)

    def _status(self, n: int, note: str = "", error: bool = False) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {n} messages ", style="bold")
        where = self.topic or ALL
        if self.queue_id is not None:
            where += f" / queue {self.queue_id}"
        text.append(inert(where))
        if self.search_text:
            text.append(f"  search: {inert(self.search_text)}", style="bold")
        if note:
            text.append("  " + inert(note), style="red" if error else "")
        self.query_one("#store-status", Static).update(text)

    # ---- actions ---------------------------------------------------------------------------------------------
    def action_search(self) -> None:
        def done(value: str | None) -> None:
            if not value:
                return
            st = self.wb.store
            if st is None or st.messages is None:
                return
            try:
                q = storeview.parse_query(value)
            except ValueError as e:
                self._status(self.messages_view.row_count, str(e), error=True)
                return
            cur = self.messages_view.current
            self._search_worker(st.messages, q, cur.get("store_ts") if cur else None)

        self.app.push_screen(AskScreen("Find message", value=self.search_text, hint=storeview.SEARCH_HINT), done)

    @work(thread=True, exclusive=True, group="store-search")
    def _search_worker(self, messages: pl.DataFrame, q: storeview.Query, ref: Any) -> None:
        try:
            df = storeview.search(messages, q, ref)
            err = ""
        except (ValueError, TypeError) as e:
            df, err = None, str(e)
        self.app.call_from_thread(self._show_search, q, df, err)

    def _show_search(self, q: storeview.Query, df: pl.DataFrame | None, err: str) -> None:
        if df is None:
            self._status(self.messages_view.row_count, err, error=True)
            return
        self.search_text = q.describe()
        self.messages_view.set_frame(df, cursor=0)
        self._status(df.height, "" if df.height else "not found")

    def action_clear_search(self) -> None:
        self._select(queues=False)

    def action_next_store(self, step: int) -> None:
        if len(self.wb.stores) > 1:
            self.wb.current_store = (self.wb.current_store + step) % len(self.wb.stores)
            self.refresh_data("store")

    def action_open_message(self) -> None:
        row = self.messages_view.current
        st = self.wb.store
        if row is not None and st is not None:
            from .message import MessageScreen

            self.app.push_screen(MessageScreen(st.path, row))

    def on_frame_view_selected(self, event: FrameView.Selected) -> None:
        self.action_open_message()
