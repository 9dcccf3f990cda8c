"""Which lines can be which statements: (row, pattern) candidates without a regex per line.

Two routes, both vectorised. Patterns anchored at the message start (``^`` + a literal of at least
``PREFIX_LEN`` characters) are matched by a hash join of each message's first ``PREFIX_LEN`` bytes
against those literals. All other patterns go through one Aho-Corasick scan over their literal
anchors (``str.contains_any``) and ``str.extract_many`` on the hits. The regexes themselves run later,
per pattern, on their candidates only (``events._apply``).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from .event_patterns import PATTERNS

if TYPE_CHECKING:
    import polars as pl

#: Message prefix length used to route rows straight to their pattern (a hash join, no string search).
PREFIX_LEN = 10
_META = set(".^$*+?()[]{}|\\")


def _literal_prefix(regex: str) -> str:
    """The literal text a ``^``-anchored regex starts with (escapes resolved), up to the first metachar."""
    if not regex.startswith("^"):
        return ""
    out, i = [], 1
    while i < len(regex):
        c = regex[i]
        if c == "\\" and i + 1 < len(regex) and not regex[i + 1].isalnum():
            out.append(regex[i + 1])
            i += 2
            continue
        if c in _META:
            break
        out.append(c)
        i += 1
    lit = "".join(out)
    # a quantifier after the last literal char makes that char optional: drop it
    if i < len(regex) and regex[i] in "?*{" and lit:
        lit = lit[:-1]
    return lit


@cache
def _routing() -> tuple[dict[str, list[int]], list[str], dict[str, list[int]]]:
    """(prefix key → patterns) for ``^``-anchored patterns with a long literal start; anchors for the rest."""
    by_prefix: dict[str, list[int]] = {}
    by_anchor: dict[str, list[int]] = {}
    for i, p in enumerate(PATTERNS):
        lit = _literal_prefix(p.regex)
        if len(lit) >= PREFIX_LEN:
            by_prefix.setdefault(lit[:PREFIX_LEN], []).append(i)
        else:
            for a in p.anchors:
                by_anchor.setdefault(a, []).append(i)
    return by_prefix, list(by_anchor), by_anchor


def candidate_pairs(base: pl.DataFrame) -> pl.DataFrame:
    """(row, pattern) candidates: prefix-routed rows by a join, the rest by one Aho-Corasick pass."""
    import polars as pl

    by_prefix, anchors, by_anchor = _routing()
    ptable = pl.DataFrame(
        [(k, i) for k, idxs in by_prefix.items() for i in idxs],
        schema={"_k": pl.Utf8, "pat": pl.UInt32},
        orient="row",
    )
    routed = (
        base.select(pl.col("_row"), pl.col("message").str.slice(0, PREFIX_LEN).alias("_k"))
        .join(ptable, on="_k", how="inner")
        .select("_row", "pat")
    )
    cand = base.select("_row", "message").filter(pl.col("message").str.contains_any(anchors))
    if cand.height:
        atable = pl.DataFrame(
            [(a, i) for a, idxs in by_anchor.items() for i in idxs],
            schema={"a": pl.Utf8, "pat": pl.UInt32},
            orient="row",
        )
        hits = (
            cand.select(
                pl.col("_row"), pl.col("message").str.extract_many(anchors, overlapping=True).alias("a")
            )
            .explode("a")
            .drop_nulls("a")
            .join(atable, on="a", how="inner")
            .select("_row", "pat")
            .unique()  # an anchor can occur twice in one line; prefix-routed pairs are unique already
        )
        routed = pl.concat([routed, hits], how="vertical")
    return routed
