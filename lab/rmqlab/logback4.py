"""Logback configuration for 4.x NameServers and Brokers.

4.x servers read ``$ROCKETMQ_HOME/conf/logback_broker.xml`` / ``logback_namesrv.xml`` from the binary
distribution, which is not published on Maven Central. The lab therefore writes its own copies that
reproduce the distribution's patterns, file names and rolling exactly as recorded in
/work/shared/spec/log-catalogue.md §1.2 (patterns), §1.3 (logger → file routing), §1.4 (names,
``otherdays/`` rolling, sizes, maxIndex, the 4.9.3+ ``${brokerLogDir}`` path) and §1.5 (which
appenders are async; namesrv appenders never discard). The tables below are that catalogue, as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FULL = "%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n"
NO_THREAD = "%d{yyy-MM-dd HH:mm:ss,GMT+8} %p - %m%n"
NO_LEVEL = "%d{yyy-MM-dd HH:mm:ss,GMT+8} - %m%n"


@dataclass(frozen=True)
class LogFile:
    """One rolling file appender: ``name`` is the file stem (``broker`` → broker.log)."""

    name: str
    loggers: tuple[str, ...]  # empty tuple = root logger
    max_size: str
    max_index: int
    pattern: str | None = FULL  # None: the distribution declares no <encoder> (commercial.log)
    is_async: bool = True


BROKER_FILES: tuple[LogFile, ...] = (
    LogFile("broker_default", (), "100MB", 10, is_async=False),
    LogFile("broker", ("RocketmqBroker", "RocketmqCommon"), "128MB", 20),
    LogFile("store", ("RocketmqStore",), "128MB", 10),
    LogFile("storeerror", ("RocketmqStoreError",), "100MB", 10),
    LogFile("remoting", ("RocketmqRemoting",), "100MB", 10),
    LogFile("transaction", ("RocketmqTransaction",), "100MB", 10),
    LogFile("filter", ("RocketmqFilter",), "100MB", 10),
    LogFile("watermark", ("RocketmqWaterMark",), "100MB", 10, NO_LEVEL),
    LogFile("protection", ("RocketmqProtection",), "100MB", 10, NO_LEVEL),
    LogFile("lock", ("RocketmqRebalanceLock",), "100MB", 5),
    LogFile("stats", ("RocketmqStats",), "100MB", 5, NO_THREAD, is_async=False),
    LogFile("commercial", ("RocketmqCommercial",), "500MB", 10, None, is_async=False),
)

NAMESRV_FILES: tuple[LogFile, ...] = (
    LogFile("namesrv_default", (), "100MB", 5),
    LogFile("namesrv", ("RocketmqNamesrv", "RocketmqCommon", "RocketmqRemoting"), "100MB", 5),
)

_ROOT = "${user.home}/logs/rocketmqlogs"


def _appender(f: LogFile, *, broker_log_dir: bool, never_discard: bool) -> str:
    # 4.9.3+ brokers: live file under ${brokerLogDir}, rolled files under otherdays/${brokerLogDir}
    # (§1.4); before 4.9.3 there is no per-broker directory and BrokerStartup sets no brokerLogDir.
    sub = "${brokerLogDir}/" if broker_log_dir else ""
    rolled_sub = "otherdays/${brokerLogDir}/" if broker_log_dir else "otherdays/"
    encoder = ""
    if f.pattern is not None:
        encoder = (
            "        <encoder>\n"
            f"            <pattern>{f.pattern}</pattern>\n"
            '            <charset class="java.nio.charset.Charset">UTF-8</charset>\n'
            "        </encoder>\n"
        )
    inner = "_inner" if f.is_async else ""
    text = (
        f'    <appender name="{f.name}Appender{inner}" class="ch.qos.logback.core.rolling.RollingFileAppender">\n'
        f"        <file>{_ROOT}/{sub}{f.name}.log</file>\n"
        "        <append>true</append>\n"
        '        <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">\n'
        f"            <fileNamePattern>{_ROOT}/{rolled_sub}{f.name}.%i.log.gz</fileNamePattern>\n"
        "            <minIndex>1</minIndex>\n"
        f"            <maxIndex>{f.max_index}</maxIndex>\n"
        "        </rollingPolicy>\n"
        '        <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">\n'
        f"            <maxFileSize>{f.max_size}</maxFileSize>\n"
        "        </triggeringPolicy>\n"
        f"{encoder}"
        "    </appender>\n"
    )
    if f.is_async:
        threshold = "        <discardingThreshold>0</discardingThreshold>\n" if never_discard else ""
        text += (
            f'    <appender name="{f.name}Appender" class="ch.qos.logback.classic.AsyncAppender">\n'
            f"{threshold}"
            f'        <appender-ref ref="{f.name}Appender_inner"/>\n'
            "    </appender>\n"
        )
    return text


def _config(files: tuple[LogFile, ...], console_logger: str, *, broker: bool, broker_log_dir: bool) -> str:
    parts = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
             "<!-- Written by rmqlab from log-catalogue.md §1.2-1.5 (RocketMQ 4.x distribution layout). -->\n",
             "<configuration>\n"]
    for f in files:
        parts.append(_appender(f, broker_log_dir=broker and broker_log_dir, never_discard=not broker))
    parts.append(
        '    <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">\n'
        "        <append>true</append>\n"
        f"        <encoder><pattern>{FULL}</pattern><charset class=\"java.nio.charset.Charset\">UTF-8</charset></encoder>\n"
        "    </appender>\n"
    )
    for f in files:
        for logger in f.loggers:
            parts.append(
                f'    <logger name="{logger}" additivity="false">\n'
                '        <level value="INFO"/>\n'
                f'        <appender-ref ref="{f.name}Appender"/>\n'
                "    </logger>\n"
            )
    parts.append(
        f'    <logger name="{console_logger}" additivity="false">\n'
        '        <level value="INFO"/>\n'
        '        <appender-ref ref="STDOUT"/>\n'
        "    </logger>\n"
    )
    root = next(f for f in files if not f.loggers)
    parts.append(f'    <root>\n        <level value="INFO"/>\n        <appender-ref ref="{root.name}Appender"/>\n    </root>\n')
    parts.append("</configuration>\n")
    return "".join(parts)


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:3] if p.isdigit())


def write_conf(conf_dir: Path, version: str = "4.9.7") -> None:
    """Writes logback_broker.xml and logback_namesrv.xml into ``conf_dir`` (= $ROCKETMQ_HOME/conf)."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    per_broker_dir = _version_tuple(version) >= (4, 9, 3)
    (conf_dir / "logback_broker.xml").write_text(
        _config(BROKER_FILES, "RocketmqConsole", broker=True, broker_log_dir=per_broker_dir))
    (conf_dir / "logback_namesrv.xml").write_text(
        _config(NAMESRV_FILES, "RocketmqNamesrvConsole", broker=False, broker_log_dir=False))
