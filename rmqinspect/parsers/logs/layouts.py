"""RocketMQ log line layouts and file naming, as data.

Every fact about how a RocketMQ log *file* looks lives here (statement wordings live in
``rmqinspect.analysis.event_patterns``). Source: ``log-catalogue.md`` §1 (logback configs of
4.4.0 … 5.3.3), checked against the lab's 4.9.7 / 5.3.3 samples (see ``docs/log-findings.md``).

Server layouts (all versions, 3.x included): ``%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n`` and its
thread-less / level-less variants (stats.log: ``<ts> <LEVEL> - ``; watermark.log, protection.log:
``<ts> - ``; proxy_watermark.log: ``<ts> <msg>``). The timestamp has **second resolution, no zone
marker, and is written in GMT+8** whatever the host's zone. Client logs add milliseconds
(4.x ``yyyy-MM-dd HH:mm:ss,SSS <LEVEL> <logger> - `` in host-local time; 5.x
``yyyy-MM-dd HH:mm:ss.SSS <LEVEL padded> [pid] [thread] [logger#method:line] - ``). Some
hand-edited or 3.x-era configs wrap the timestamp / level in brackets (``[ts] [LEVEL] …``); the
general header regex tolerates that.
"""

from __future__ import annotations

import re

#: Zone the server logback configs write in (``,GMT+8`` in every ``%d{…}``); override with ``--log-tz``.
DEFAULT_TZ = "GMT+8"

LEVELS: tuple[str, ...] = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")

#: A physical line starting like this begins a record; anything else continues the previous record.
#: ASCII digits only (``[0-9]``, not ``\d``, which is Unicode in both Python and Rust regex).
#: (catalogue §1.5 rule; optional ``[`` for bracketed headers, ``T`` for ISO edits.)
HEAD_RE = r"^\[?[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}"

#: The common server layout: timestamp at 0..19, a space at 19. Parsed positionally (fast path).
FAST_HEAD_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} "
TS_LEN = 19
TS_FORMAT = "%Y-%m-%d %H:%M:%S"

#: Everything else that passed HEAD_RE (milliseconds, brackets, ``T``, no space): one regex, few lines.
SLOW_HEAD_RE = (
    r"^\[?(?<ts>[0-9]{4}-[0-9]{2}-[0-9]{2})[ T](?<tm>[0-9]{2}:[0-9]{2}:[0-9]{2})(?:[,.](?<ms>[0-9]{1,3}))?\]?"
    r"(?:\s*\[?(?<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\b\]?\s*)?"
    r"(?:(?<thread>.*?) ?- )?(?<message>.*)$"
)

#: 5.x client header part ``[pid] [thread] [logger#method:line]`` → the thread is the middle bracket.
CLIENT5_THREAD_RE = r"^\[\d+\] \[(.*?)\] \[[^\]]*\]$"

#: Stack-trace style continuation (kept as-is inside ``continuation``; used to find exception classes).
EXCEPTION_HEAD_RE = r"^(?:Caused by: )?((?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable))\b"

#: Rolled file: ``otherdays/<base>.<N>.log[.gz]`` (FixedWindowRollingPolicy; higher N is older).
ROLLED_NAME = re.compile(r"^(?P<base>.+?)\.(?P<index>\d+)\.log(?P<gz>\.gz)?$")
ROLLED_DIR = "otherdays"

#: Files whose layout has no thread (``thread`` is null for them even if something precedes `` - ``).
NO_THREAD_FILES: frozenset[str] = frozenset(
    {"stats.log", "watermark.log", "protection.log", "proxy_watermark.log", "proxy_metric.log"}
)

#: The base directory every server config writes to (``${user.home}/logs/rocketmqlogs``).
DEFAULT_LOG_DIR = "~/logs/rocketmqlogs"


def logical_name(filename: str) -> tuple[str, int, bool] | None:
    """``broker.3.log.gz`` → (``broker.log``, 3, True); ``broker.log`` → (``broker.log``, 0, False).

    None for names that are not RocketMQ logs (``*.log`` only; a rolled index needs the ``.N.log`` form).
    """
    m = ROLLED_NAME.match(filename)
    if m:
        return f"{m['base']}.log", int(m["index"]), bool(m["gz"])
    if filename.endswith(".log"):
        return filename, 0, False
    if filename.endswith(".log.gz"):
        return filename[:-3], 0, True
    return None
