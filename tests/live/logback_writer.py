"""A writer that appends and rolls a log file exactly the way RocketMQ's logback does.

``FixedWindowRollingPolicy`` + ``SizeBasedTriggeringPolicy`` (catalogue §1.4): before appending an event,
if the active file has reached ``max_bytes``, the appender closes it, deletes ``otherdays/<name>.<max>.log.gz``,
shifts ``i → i+1`` for ``i = max-1 … 1``, then either gzips the active file into ``otherdays/<name>.1.log.gz``
and deletes it (``.gz`` patterns; logback's ``Compressor``) or renames it there (``pop.log``: no ``.gz``),
and finally opens a fresh active file. One ``write(2)`` per event (``immediateFlush``), stack traces included.
"""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path


class LogbackWriter:
    def __init__(
        self,
        log_dir: Path,
        name: str = "broker.log",
        *,
        max_bytes: int = 4096,
        max_index: int = 3,
        gz: bool = True,
    ) -> None:
        self.dir = Path(log_dir)
        self.name = name
        self.stem = name[: -len(".log")] if name.endswith(".log") else name
        self.max_bytes = max_bytes
        self.max_index = max_index
        self.gz = gz
        self.rollovers = 0
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "otherdays").mkdir(exist_ok=True)
        self._fd = os.open(self.live, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    @property
    def live(self) -> Path:
        return self.dir / self.name

    def rolled(self, i: int) -> Path:
        return self.dir / "otherdays" / (f"{self.stem}.{i}.log" + (".gz" if self.gz else ""))

    def append(self, event: str) -> None:
        """Append one event (which may span several lines); roll first if the size trigger fires."""
        if os.fstat(self._fd).st_size >= self.max_bytes:
            self.rollover()
        data = event.encode() if event.endswith("\n") else (event + "\n").encode()
        os.write(self._fd, data)

    def rollover(self) -> None:
        os.close(self._fd)
        oldest = self.rolled(self.max_index)
        if oldest.exists():
            oldest.unlink()
        for i in range(self.max_index - 1, 0, -1):
            if self.rolled(i).exists():
                os.rename(self.rolled(i), self.rolled(i + 1))
        if self.gz:
            with open(self.live, "rb") as src, gzip.open(self.rolled(1), "wb") as dst:
                shutil.copyfileobj(src, dst)
            self.live.unlink()
        else:
            os.rename(self.live, self.rolled(1))
        self._fd = os.open(self.live, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.rollovers += 1

    def close(self) -> None:
        os.close(self._fd)


def event(seq: int, *, stack: int = 0, ts: str = "2026-11-28 08:00:00") -> str:
    """A RocketMQ-shaped record carrying ``seq``; ``stack`` adds that many continuation lines."""
    lines = [f"{ts} INFO SendMessageThread_1 - seq={seq} putMessage ok"]
    if stack:
        lines.append(f"java.lang.IllegalStateException: seq={seq}")
        lines += [
            f"\tat org.apache.rocketmq.store.CommitLog.put(CommitLog.java:{i})" for i in range(stack - 1)
        ]
    return "\n".join(lines) + "\n"
