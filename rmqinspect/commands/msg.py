"""``rmqinspect msg STORE (--id ID | --uniq-key K | --key K --topic T | --topic T --queue Q --offset N |
--phy-offset N | --from T1 --to T2)``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..errors import UsageError


def command(
    store: Annotated[str, typer.Argument(help="Store root (the folder holding commitlog/, consumequeue/, index/).")],
    msg_id: Annotated[str | None, typer.Option("--id", help="Offset msgId or client msgId (UNIQ_KEY), as mqadmin queryMsgById.")] = None,
    uniq_key: Annotated[str | None, typer.Option("--uniq-key", help="UNIQ_KEY (the client's message id).")] = None,
    key: Annotated[str | None, typer.Option("--key", help="One of the message KEYS (needs --topic).")] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="Topic (for --key, --queue/--offset, or to narrow a search).")] = None,
    queue: Annotated[int | None, typer.Option("--queue", help="Queue id (with --topic and --offset).")] = None,
    offset: Annotated[int | None, typer.Option("--offset", help="Queue offset (with --topic and --queue).")] = None,
    phy_offset: Annotated[int | None, typer.Option("--phy-offset", help="Commitlog offset of the record.")] = None,
    time_from: Annotated[str | None, typer.Option("--from", help="Start of a store-time range (ISO-8601 or epoch ms).")] = None,
    time_to: Annotated[str | None, typer.Option("--to", help="End of a store-time range (ISO-8601 or epoch ms).")] = None,
    tz: Annotated[str, typer.Option("--tz", help="Zone of --from/--to without an offset.")] = "UTC",
    limit: Annotated[int, typer.Option("--limit", help="Most messages to list for a time range or a key.")] = 200,
    body: Annotated[str, typer.Option("--body", help="Body as auto|text|hex|json|none.")] = "auto",
    max_body: Annotated[int, typer.Option("--max-body", help="Body bytes to show.")] = 4096,
    no_recovery: Annotated[bool, typer.Option("--no-recovery", help="Skip the recovery prediction (it reads the whole store).")] = False,
    version: Annotated[str | None, typer.Option("--version", "-V", help="RocketMQ version for the recovery rules (default 5.3.3).")] = None,
    no_scan: Annotated[bool, typer.Option("--no-scan", help="Do not fall back to a commitlog scan when the index has nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON: field names as in the messages frame.")] = False,
) -> None:
    """Find a message and show all of it: header, properties, body (decompressed), the consume-queue unit and
    index entries pointing at it, and whether it lies beyond the predicted recovery point."""
    from ..analysis import lookup as L
    from ..errors import NotFoundError
    from ..render.msg import body_view

    modes = {"--id": msg_id is not None, "--uniq-key": uniq_key is not None, "--key": key is not None,
             "--queue/--offset": queue is not None or offset is not None, "--phy-offset": phy_offset is not None,
             "--from/--to": time_from is not None or time_to is not None}
    chosen = [m for m, on in modes.items() if on]
    if len(chosen) != 1:
        raise UsageError("give exactly one of --id, --uniq-key, --key, --topic/--queue/--offset, --phy-offset, --from/--to"
                         + (f" (got {', '.join(chosen)})" if chosen else ""))
    st = L.open_store(store)
    query: dict[str, Any] = {"store": str(st.root), "mode": chosen[0].lstrip("-")}
    records: list[dict[str, Any]] = []
    via = ""
    if msg_id is not None:
        mid = L.check_id(msg_id)
        query["id"] = mid
        rec = L.by_offset_msg_id(st, mid)
        if rec is not None:
            records, via = [rec], "offset_msg_id"
        else:
            hits = L.by_key(st, mid, kind="uniq", topic=topic, scan=not no_scan, max_hits=limit)
            records, via = hits.records, f"uniq_key/{hits.found_via}"
    elif uniq_key is not None:
        k = L.check_key(uniq_key)
        query["uniq_key"] = k
        hits = L.by_key(st, k, kind="uniq", topic=topic, scan=not no_scan, max_hits=limit)
        records, via = hits.records, hits.found_via
    elif key is not None:
        if topic is None:
            raise UsageError("--key needs --topic (the index key is topic#key)")
        k = L.check_key(key)
        query |= {"key": k, "topic": topic}
        hits = L.by_key(st, k, kind="keys", topic=topic, scan=not no_scan, max_hits=limit)
        records, via = hits.records, hits.found_via
    elif queue is not None or offset is not None:
        if topic is None or queue is None or offset is None:
            raise UsageError("--queue and --offset go together with --topic")
        query |= {"topic": topic, "queue_id": queue, "queue_offset": offset}
        _, rec = L.by_queue_offset(st, topic, queue, offset)
        records, via = [rec], "consume_queue"
    elif phy_offset is not None:
        query["phy_offset"] = phy_offset
        rec = L._record(st, phy_offset)
        if rec is None:
            raise NotFoundError(f"no record starts at commitlog offset {phy_offset} in {st.root}")
        records, via = [rec], "phy_offset"
    else:
        if time_from is None or time_to is None:
            raise UsageError("--from and --to go together")
        b, e = L.parse_time(time_from, tz), L.parse_time(time_to, tz)
        query |= {"from_ms": b, "to_ms": e, "topic": topic}
        df = L.by_time(st, b, e, topic=topic, limit=limit)
        _print_range(df, query, as_json)
        return
    if not records:
        what = next(v for k, v in query.items() if k not in ("store", "mode"))
        raise NotFoundError(f"no message with {query['mode']} {what} in {st.root}" + _id_hint(st, msg_id))
    rp, src = (None, "skipped (--no-recovery)") if no_recovery else L.recovery_point(st, version)
    docs = []
    for rec in records[:limit]:
        d = L.describe(st, rec, found_via=via, recovery=rp, recovery_source=src)
        d |= body_view(d.pop("_body"), body, max_body)
        docs.append(d)
    if as_json:
        from ..output import print_json

        print_json({"query": query, "count": len(docs), "messages": docs})
        return
    from rich.console import Console

    from ..render.msg import render_message

    console = Console()
    for d in docs:
        render_message(console, d)


def _print_range(df: Any, query: dict[str, Any], as_json: bool) -> None:
    if as_json:
        from ..output import print_json

        print_json({"query": query, "count": df.height, "messages": df})
        return
    from rich.console import Console

    from ..render.msg import render_list

    render_list(Console(), df, f"{df.height} message(s) by store time (consume-queue binary search)")


def _id_hint(st: Any, msg_id: str | None) -> str:
    """For an --id that decodes as an offset msgId: which broker and offset it names, vs this store."""
    if not msg_id:
        return ""
    from ..parsers.commitlog import decode_offset_msg_id

    try:
        d = decode_offset_msg_id(msg_id)
    except Exception:
        return ""
    first = st.reader.listing[0].offset if len(st.reader.listing) else None
    from ..analysis.lookup import _record

    rec = _record(st, first) if first is not None else None
    here = f"; this store's records were stored by {rec['store_host']}" if rec else ""
    return f" (read as an offset msgId it names {d.store_host}, commitlog offset {d.phy_offset}{here})"
