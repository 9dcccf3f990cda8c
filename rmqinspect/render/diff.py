"""Rendering for ``rmqinspect diff``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import _t, findings_table, kv_table

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console


def _msg(m: dict[str, Any] | None) -> str:
    if not m:
        return "—"
    return f"{m['msg_id']} @ {m['phy_offset']} ({m['topic']}/{m['queue_id']}#{m['queue_offset']}) stored {m['store_ts']}"


def render_diff(console: Console, s: dict[str, Any], queues: pl.DataFrame, config: list[dict[str, Any]],
                findings: pl.DataFrame) -> None:
    style = "green" if s["verdict"].startswith("IN SYNC") else "bold red" if s["verdict"].startswith(("DIVERGED", "SLAVE AHEAD")) else "yellow"
    console.print(_t(s["verdict"], style))
    rows = [
        ("master", s["master"]), ("slave", s["slave"]),
        ("master commitlog", f"{s['master_first']} … {s['master_end']}"),
        ("slave commitlog", f"{s['slave_first']} … {s['slave_end']}"),
        ("compared bytes", "—" if not s["compared"] else f"{s['compared'][0]} … {s['compared'][1]}"),
        ("first difference", s["first_difference"] if s["first_difference"] is not None else "none"),
        ("lag bytes", s["lag_bytes"]), ("lag messages", s["lag_messages"]),
        ("lag seconds", None if s["lag_seconds"] is None else f"{s['lag_seconds']:.3f}"),
        ("last common message", _msg(s["last_common"])), ("master's last message", _msg(s["master_last"])),
    ]
    console.print(kv_table(rows, "Replication"))
    bad = queues.filter(queues["state"] != "same")
    console.print(_t(f"Consume queues: {queues.height} compared, {bad.height} differ"))
    if bad.height:
        from .msg import render_list

        render_list(console, bad, "Queues that differ")
    for c in config:
        n_m, n_s, n_d = c["counts"]
        console.print(_t(f"{c['file']}: " + ("same" if c["same"] else f"only master {n_m}, only slave {n_s}, differing {n_d}")))
    if findings.height:
        console.print(findings_table(findings, short_paths=False))
