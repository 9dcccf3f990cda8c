"""Compressed message bodies (spec §3.9.6): decoded on demand only, never during a scan.

SYSFLAG bit 0 says "compressed"; bits 8–10 say how (4.9.4+/5.x): 1 = LZ4, 2 = ZSTD, 3 = ZLIB and 0 = ZLIB
(legacy: 4.4–4.9.3 always used ``java.util.zip.Deflater``, a zlib stream). BODYCRC covers the compressed bytes.
The Java libraries write standard frames (zstd-jni: ``28 B5 2F FD``; lz4-java ``LZ4FrameOutputStream``:
``04 22 4D 18``); we sniff the frame magic first so a mislabelled body still decodes, and say which we used.
"""

from __future__ import annotations

import zlib

from .commitlog_layout import COMPRESSION_NAMES, FLAG_COMPRESSED, MASK_COMPRESSION, SHIFT_COMPRESSION

ZSTD_MAGIC = bytes.fromhex("28b52ffd")
LZ4_FRAME_MAGIC = bytes.fromhex("04224d18")
# A cap for what one body may inflate to: the broker's maxMessageSize is 4 MiB by default; a bomb should
# become an error, not an out-of-memory kill.
MAX_INFLATED = 256 << 20


class DecompressError(ValueError):
    """The body says it is compressed but does not decode (damage, or an unknown type)."""


def compression_of(sysflag: int) -> str | None:
    """``None`` when the body is not compressed, else ``zlib``/``lz4``/``zstd``/``unknown(<n>)``."""
    if not sysflag & FLAG_COMPRESSED:
        return None
    t = (sysflag & MASK_COMPRESSION) >> SHIFT_COMPRESSION
    return COMPRESSION_NAMES.get(t, f"unknown({t})")


def decompress(body: bytes, sysflag: int) -> tuple[bytes, str]:
    """Decoded body and the codec used. Raises :class:`DecompressError`."""
    kind = compression_of(sysflag) or "none"
    if kind == "none":
        return body, kind
    if body[:4] == ZSTD_MAGIC:
        kind = "zstd"
    elif body[:4] == LZ4_FRAME_MAGIC:
        kind = "lz4"
    try:
        if kind == "zstd":
            import zstandard

            return zstandard.ZstdDecompressor().decompress(body, max_output_size=MAX_INFLATED), kind
        if kind == "lz4":
            import lz4.frame

            return lz4.frame.decompress(body), kind
        if kind == "zlib":
            d = zlib.decompressobj()
            out = d.decompress(body, MAX_INFLATED)
            if d.unconsumed_tail:
                raise DecompressError(f"zlib body inflates beyond {MAX_INFLATED} bytes")
            return out, kind
    except DecompressError:
        raise
    except Exception as e:  # codec libraries raise their own types
        raise DecompressError(f"{kind} body does not decode: {e}") from None
    raise DecompressError(f"unknown compression type in sysflag 0x{sysflag:x}")
