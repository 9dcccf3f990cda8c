"""The zone log timestamps are written in, and how naive log times become UTC.

Logback's ``%d{…,GMT+8}`` uses *Java* zone ids: ``GMT+8`` means UTC+08:00 (the opposite sign of the
POSIX/IANA ``Etc/GMT+8``). So offsets are parsed here by hand; anything else is tried as an IANA name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import UsageError

if TYPE_CHECKING:
    import polars as pl

_OFFSET = re.compile(r"^(?:GMT|UTC|Z)?\s*(?:(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?)?$", re.I)


@dataclass(frozen=True, slots=True)
class LogTz:
    """Either a fixed offset (``offset_min``) or an IANA zone name (``zone``)."""

    text: str
    offset_min: int | None = None
    zone: str | None = None


def resolve_tz(tz: str | LogTz | None) -> LogTz:
    """``"GMT+8"``, ``"+08:00"``, ``"UTC"``, ``"-0530"`` or an IANA name such as ``"Asia/Shanghai"``."""
    from .layouts import DEFAULT_TZ

    if isinstance(tz, LogTz):
        return tz
    text = (tz or DEFAULT_TZ).strip()
    m = _OFFSET.match(text)
    if m and text:
        if not m["sign"]:
            return LogTz(text, 0)
        h, mi = int(m["h"]), int(m["m"] or 0)
        if h > 14 or mi >= 60:
            raise UsageError(f"bad log time zone offset {text!r}")
        return LogTz(text, (h * 60 + mi) * (-1 if m["sign"] == "-" else 1))
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(text)
    except Exception as e:
        raise UsageError(
            f"unknown log time zone {text!r} (use e.g. GMT+8, +05:30, UTC, Asia/Shanghai)"
        ) from e
    return LogTz(text, zone=text)


def to_utc(naive: pl.Expr, tz: LogTz) -> pl.Expr:
    """Naive ``Datetime("ms")`` wall-clock times in ``tz`` → ``Datetime("ms", "UTC")``."""
    import polars as pl

    if tz.offset_min is not None:
        return (naive - pl.duration(minutes=tz.offset_min)).dt.replace_time_zone("UTC")
    return naive.dt.replace_time_zone(
        tz.zone, ambiguous="earliest", non_existent="null"
    ).dt.convert_time_zone("UTC")
