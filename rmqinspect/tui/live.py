"""Keep the merged lines frame growing as log files grow and rotate (``rmqinspect.live.follow``).

The followers are positioned *before* the initial read, so a line written during that read is seen by
both; such lines are dropped here by (host, file, line_no) against what the read returned. New text is
parsed with ``parsers.logs.parse_text`` and events extracted from the new lines only.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .data import Unavailable, api, check_dir, describe_error, host_of, parse_text_api

if TYPE_CHECKING:
    import polars as pl

    from .data import LogsState


@dataclass
class LiveLogs:
    logs: LogsState
    followers: list[tuple[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    busy: bool = False
    appended: int = 0
    skip_upto: dict[tuple[str, str], int] | None = None

    def start(self) -> None:
        try:
            follower_cls = api("live.follow", "DirFollower")
        except Unavailable as e:
            self.notes.append(str(e))
            return
        for d in self.logs.dirs:
            if check_dir(d, "logs"):
                continue
            try:
                fol = follower_cls(d, backlog=0, use_watchdog=False)
                fol.poll_once()
            except Exception as e:
                self.notes.append(f"cannot follow {d}: {describe_error(e)}")
                continue
            self.followers.append((host_of(d), fol))

    def stop(self) -> None:
        for _, fol in self.followers:
            with contextlib.suppress(Exception):
                fol.close()
        self.followers.clear()

    def poll(self) -> bool:
        """Read what arrived; append it to the logs state. True if anything was added."""
        import polars as pl

        if self.skip_upto is None:
            self.skip_upto = self._known_ends()
        new_frames: list[pl.DataFrame] = []
        for host, fol in self.followers:
            try:
                items = fol.poll_once()
            except Exception as e:
                self.notes.append(f"follow {host}: {describe_error(e)}")
                continue
            for item in items:
                text = getattr(item, "text", None)
                if text is None:
                    kind = getattr(item, "kind", "")
                    if kind in ("rotated", "truncated"):
                        # the path now starts again at line 1: nothing of it was in the initial read
                        self.skip_upto.pop((host, item.file), None)
                    if kind in ("rotated", "truncated", "deleted", "warning"):
                        self.notes.append(f"{host} {item.file}: {kind} {item.detail}".strip())
                    continue
                try:
                    df = parse_text_api()(text, file=item.file, host=host, tz=self.logs.tz, first_line_no=item.first_line_no)
                except Exception as e:
                    self.notes.append(f"parse {item.file}: {describe_error(e)}")
                    continue
                upto = self.skip_upto.get((host, item.file))
                if upto is not None:
                    df = df.filter(pl.col("line_no") > upto)
                if df.height:
                    new_frames.append(df)
        if not new_frames:
            return False
        return self._append(pl.concat(new_frames, how="diagonal_relaxed"))

    def _known_ends(self) -> dict[tuple[str, str], int]:
        """Last line number per (host, file) in the initial read: the follower, positioned before that
        read, may deliver those lines again."""
        import polars as pl

        lines = self.logs.lines.value
        if lines is None or not lines.height:
            return {}
        ends = lines.group_by(["host", "file"]).agg(pl.col("line_no").max())
        return {(h, f): int(n) for h, f, n in ends.iter_rows() if n is not None}

    def _append(self, new: pl.DataFrame) -> bool:
        import polars as pl

        lines = self.logs.lines.value
        self.logs.lines.value = (
            pl.concat([lines, new.select(lines.columns)], how="vertical_relaxed") if lines is not None else new
        )
        self.appended += new.height
        if self.logs.events.ready:
            with contextlib.suppress(Exception):
                ev = api("analysis.events", "extract_events")(new)
                old = self.logs.events.value
                self.logs.events.value = pl.concat([old, ev], how="diagonal_relaxed") if old is not None else ev
        return True
