"""Findings: damage, inconsistency or notable state, as rows rather than exceptions.

One schema everywhere (store checks, log checks, diff, config lint): ``severity, check, file, offset, detail``.
``offset`` is a byte offset within ``file`` (or a line number for text files, documented per check), null
where not applicable. Severities, worst first: ``error`` (data is wrong or lost), ``warning`` (suspicious,
or lost only if something else happens), ``info`` (worth knowing).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import polars as pl

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    check: str
    file: str | None
    offset: int | None
    detail: str


def findings_schema() -> dict[str, pl.DataType]:
    import polars as pl

    return {
        "severity": pl.Utf8(),
        "check": pl.Utf8(),
        "file": pl.Utf8(),
        "offset": pl.Int64(),
        "detail": pl.Utf8(),
    }


def findings_frame(findings: list[Finding] | tuple[Finding, ...]) -> pl.DataFrame:
    """Findings as a frame with the stable schema, sorted worst first, then by file and offset."""
    import polars as pl

    df = pl.DataFrame([asdict(f) for f in findings], schema=findings_schema())
    rank = pl.col("severity").replace_strict(
        {s: i for i, s in enumerate(SEVERITIES)}, default=len(SEVERITIES), return_dtype=pl.Int8
    )
    return df.sort([rank, pl.col("file"), pl.col("offset")], nulls_last=True, maintain_order=True)


def worst_severity(findings_df: pl.DataFrame) -> Severity | None:
    for s in SEVERITIES:
        if findings_df.height and (findings_df["severity"] == s).any():
            return s
    return None
