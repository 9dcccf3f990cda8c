"""``lab/run``: the lab's one entry point. Bad conditions end as one line on stderr and exit 2."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from .errors import LabError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lab/run", description="Run real RocketMQ on loopback and record it.")
    p.add_argument("--version", default="5.3.3", help="RocketMQ version from Maven Central (5.3.3, 4.9.7, …)")
    p.add_argument("--out", type=Path, help="empty output directory for the run")
    p.add_argument("--quick", action="store_true", help="shorter traffic and incident waits")
    p.add_argument("--base-port", type=int, default=9876, help="namesrv-1 port; the others are offsets of it")
    p.add_argument("--no-netns", action="store_true",
                   help="use the host network (ports must be free) instead of a private loopback namespace")
    sub = p.add_subparsers(dest="command")
    r = sub.add_parser("recover", help="start a broker on a COPY of a store, let it recover, report, stop")
    r.add_argument("--version", dest="rversion", default=None)
    r.add_argument("--store", type=Path, required=True, help="a store directory (it is copied, never modified)")
    r.add_argument("--keep", type=Path, default=None, help="keep the recovered copy and logs here")
    r.add_argument("--properties", type=Path, default=None,
                   help="broker.properties the store was written with (default: the one beside the store)")
    sub.add_parser("fetch", help="only resolve jars and compile the client for --version")
    return p


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (a CI timeout, a parent test runner) unwinds like Ctrl-C, so every lab JVM is reaped."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        from .procs import NetNamespace

        use_netns = not args.no_netns and NetNamespace.available()
        if args.command == "recover":
            from .recover import recover

            version = args.rversion or args.version
            print(json.dumps(recover(version, args.store, keep=args.keep, properties=args.properties,
                                     use_netns=use_netns), indent=1))
            return 0
        if args.command == "fetch":
            from .dist import prepare

            d = prepare(args.version)
            print(f"RocketMQ {d.version}: jars in {d.lib}, ROCKETMQ_HOME {d.home}")
            return 0
        if args.out is None:
            raise LabError("--out DIR is required for a lab run")
        from .scenario import run

        run(args.version, args.out.resolve(), quick=args.quick, base_port=args.base_port, use_netns=use_netns)
        return 0
    except LabError as exc:
        print(f"lab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lab: interrupted; all lab processes were stopped", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"lab: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
