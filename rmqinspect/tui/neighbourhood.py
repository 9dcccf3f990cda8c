"""The bytes around a finding's offset, and the decoded records that lie there.

Bytes are read with ``parsers.fileio`` (read-only pread, tolerant of short reads); the records come from the
scan's messages frame (``file`` + ``phy_offset`` + ``size``), so each coloured span is a record the parser
decoded — nothing is re-parsed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from ..render.safe import inert
from .data import api, describe_error
from .widgets.hexview import Span

if TYPE_CHECKING:
    import polars as pl

BEFORE = 64  # bytes shown before the finding (keeps its row in view)
AFTER = 448


@dataclass
class Neighbourhood:
    file: str
    offset: int
    base: int = 0
    data: bytes = b""
    spans: list[Span] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    units: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (label, decoded unit)
    error: str = ""

    @property
    def focus(self) -> int:
        return self.offset

    def summary(self) -> Text:
        out = Text()
        out.append(f"{inert(self.file)} @ {self.offset}", style="bold")
        out.append(f"  bytes {self.base}…{self.base + len(self.data)}\n", style="dim")
        for label, unit in self.units:
            out.append(f"  {label}: ", style="bold" if label == "unit at finding" else "")
            out.append(" ".join(f"{k}={v}" for k, v in unit.items()) + "\n")
        if not self.records and not self.units:
            out.append("no decoded record in this window\n", style="dim")
        for r in self.records:
            out.append(
                f"  record at file offset {r['_pos']} (phy {r.get('phy_offset')}) size {r.get('size')} "
                f"topic {inert(str(r.get('topic')))} q{r.get('queue_id')}#{r.get('queue_offset')}\n"
            )
        return out


def _resolve(root: Path, file: str) -> Path:
    p = Path(file)
    if p.is_absolute():
        return p
    for cand in (root / file, root / "commitlog" / file):
        if cand.exists():
            return cand
    return root / file


def neighbourhood(root: Path, messages: pl.DataFrame | None, file: str, offset: int) -> Neighbourhood:
    nb = Neighbourhood(file, offset)
    path = _resolve(Path(root), file)
    nb.base = max(0, offset - BEFORE)
    try:
        open_ro = api("parsers.fileio", "open_ro")
        pread_exact = api("parsers.fileio", "pread_exact")
        with open_ro(path) as fd:
            nb.data = pread_exact(fd, offset + AFTER - nb.base, nb.base)
    except Exception as e:
        nb.error = f"cannot read {file}: {describe_error(e)}"
        return nb
    _annotate_units(nb, file)
    if messages is None or not {"file", "phy_offset", "size"} <= set(messages.columns):
        _mark_focus(nb)
        return nb
    import polars as pl

    name = path.name
    try:
        file_start = int(name)
    except ValueError:
        return nb
    lo, hi = nb.base, nb.base + len(nb.data)
    rows = messages.filter(
        (pl.col("file").str.ends_with(name))
        & (pl.col("phy_offset") - file_start < hi)
        & (pl.col("phy_offset") - file_start + pl.col("size") > lo)
    ).head(16)
    for r in rows.to_dicts():
        pos = int(r["phy_offset"]) - file_start
        r["_pos"] = pos
        nb.records.append(r)
        nb.spans.append(Span(pos, int(r["size"]), f"record phy {r['phy_offset']}", f"topic={r.get('topic')}"))
    _mark_focus(nb)
    return nb


def _mark_focus(nb: Neighbourhood) -> None:
    """If no decoded record covers the finding's offset, mark the 8 bytes there (TOTALSIZE + MAGIC of a
    would-be record) so the eye finds them."""
    if any(sp.start <= nb.offset < sp.start + sp.length for sp in nb.spans):
        return
    nb.spans.insert(0, Span(nb.offset, 8, "at finding (undecoded)", f"offset {nb.offset}"))


def unit_dtype(file: str) -> Any:
    """The fixed-size unit layout of a queue/index file (from its parser module), or None."""
    parts = file.replace("\\", "/").split("/")
    if parts[-1] == "checkpoint":
        return api("parsers.checkpoint", "CHECKPOINT")
    if "batchconsumequeue" in parts:
        return api("parsers.consumequeue", "BCQ_UNIT")
    if "consumequeue" in parts:
        return api("parsers.consumequeue", "CQ_UNIT")
    if "index" in parts:
        return api("parsers.index", "INDEX_ENTRY")
    return None


def _annotate_units(nb: Neighbourhood, file: str) -> None:
    """Spans for the unit at the finding's offset (one per field) and the decoded units around it."""
    import numpy as np

    try:
        dtype = unit_dtype(file)
    except Exception:
        return
    if dtype is None:
        return
    size = dtype.itemsize
    around = [("unit before", nb.offset - size), ("unit at finding", nb.offset), ("unit after", nb.offset + size)]
    if file.replace("\\", "/").split("/")[-1] == "checkpoint":
        around = [("unit at finding", 0)]  # one record at the start of the file
    for label, start in around:
        rel = start - nb.base
        if start < 0 or rel < 0 or rel + size > len(nb.data):
            continue
        rec = np.frombuffer(nb.data, dtype=dtype, count=1, offset=rel)[0]
        values = {name: int(rec[name]) for name in dtype.names}
        nb.units.append((label, values))
        if label == "unit at finding":
            for name in dtype.names:
                field_dtype, off = dtype.fields[name][:2]
                nb.spans.append(Span(start + off, field_dtype.itemsize, name, str(values[name])))
