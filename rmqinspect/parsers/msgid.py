"""Message ids (spec §4): the broker's *offset msgId* and the client's ``UNIQ_KEY``.

* Offset msgId (``MessageDecoder.createMessageId``): STOREHOST address (4 bytes, or 16 when the store host is
  IPv6) + i32 port + i64 commitlog offset, uppercase hex → 32 or 56 characters. It points straight at a record.
* ``UNIQ_KEY`` (``MessageClientIDSetter``): client IP (4/16) + i16 pid + i32 class-loader hash +
  i32 ms since the start of the month (client JVM's zone) + i16 counter → 32 or 56 hex characters.

Scalar helpers here; the commitlog scan computes msg ids as a whole column (``offset_msg_id_column``).
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

import numpy as np

from ..errors import UsageError

# byte value → its two uppercase hex digits, as one native u16 (so a row of n bytes becomes 2n chars in one take)
_HEX_PAIRS = np.frombuffer(b"".join(f"{i:02X}".encode() for i in range(256)), dtype=np.uint16)


@dataclass(frozen=True, slots=True)
class OffsetMsgId:
    host: str  # address only
    port: int
    phy_offset: int

    @property
    def store_host(self) -> str:
        """``ip:port`` (``[v6]:port``), the form the messages frame uses."""
        return format_host(self.host, self.port)


@dataclass(frozen=True, slots=True)
class UniqKey:
    ip: str
    pid: int  # low 16 bits of the client pid, as an unsigned value
    class_loader_hash: int
    ms_in_month: int  # ms since day 1 00:00 of the client's month (client JVM's zone); unsigned, see decode
    counter: int  # unsigned 16-bit

    def approx_born(self, born_ts_ms: int, tz: tzinfo = UTC) -> datetime:
        """Creation time: month start taken from ``born_ts_ms`` (in ``tz``) + ``ms_in_month``.

        The library guesses "this month or last" (``getNearlyTimeFromID``); a forensic tool has the record's
        BORNTIMESTAMP, so it uses that month instead and the caller can compare the two.
        """
        born = datetime.fromtimestamp(born_ts_ms / 1000, tz)
        start = born.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return start + timedelta(milliseconds=self.ms_in_month)


def format_host(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _hex_bytes(s: str, what: str) -> bytes:
    s = s.strip()
    try:
        return bytes.fromhex(s)
    except ValueError:
        raise UsageError(f"{what} {s!r} is not hexadecimal") from None


def encode_offset_msg_id(host: str, port: int, phy_offset: int) -> str:
    """``MessageDecoder.createMessageId``: uppercase hex of address + i32 port + i64 offset."""
    addr = ipaddress.ip_address(host.strip("[]")).packed
    return (addr + struct.pack(">iq", port, phy_offset)).hex().upper()


def decode_offset_msg_id(msg_id: str) -> OffsetMsgId:
    """Inverse of :func:`encode_offset_msg_id`; 32 hex chars = IPv4, 56 = IPv6 (as the library decides)."""
    raw = _hex_bytes(msg_id, "offset msgId")
    if len(raw) == 16:
        alen = 4
    elif len(raw) == 28:
        alen = 16
    else:
        raise UsageError(f"offset msgId {msg_id!r} has {len(msg_id.strip())} hex characters; expected 32 or 56")
    port, off = struct.unpack_from(">iq", raw, alen)
    return OffsetMsgId(str(ipaddress.ip_address(raw[:alen])), port, off)


def decode_uniq_key(uniq_key: str) -> UniqKey:
    """Split a client ``UNIQ_KEY`` (32 or 56 hex chars) into its parts (spec §4.2)."""
    raw = _hex_bytes(uniq_key, "UNIQ_KEY")
    if len(raw) == 16:
        alen = 4
    elif len(raw) == 28:
        alen = 16
    else:
        raise UsageError(f"UNIQ_KEY {uniq_key!r} has {len(uniq_key.strip())} hex characters; expected 32 or 56")
    # The time field is written as (int)(now - monthStart): after ~24.8 days into a month it exceeds 2^31
    # and wraps negative (seen in the lab's real ids on day 28), so read it as unsigned 32-bit.
    pid, clh, ms, counter = struct.unpack_from(">HiIH", raw, alen)
    return UniqKey(str(ipaddress.ip_address(raw[:alen])), pid, clh, ms, counter)


def hex_upper_rows(mat: np.ndarray) -> np.ndarray:
    """(n, w) uint8 → (n, 2w) uint8 ASCII uppercase hex, vectorised (``UtilAll.bytes2string``)."""
    return np.ascontiguousarray(_HEX_PAIRS[mat]).view(np.uint8).reshape(mat.shape[0], mat.shape[1] * 2)
