#!/usr/bin/env bash
# Set up (.venv; no Java needed) and run rmqinspect's main jobs on the bundled real lab samples:
# the crashed master's store (integrity + recovery prediction), its logs (events and reports),
# the master/slave diff and the config lint. Exit 1 from an analysis means "findings of severity
# error were reported", which is what a crash sample is for; anything else non-zero fails the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-java
run=${1:-samples/rmq-5.3.3}
ri() {
  echo
  echo "\$ rmqinspect $*"
  set +e
  .venv/bin/rmqinspect "$@"
  rc=$?
  set -e
  if [ "$rc" -gt 1 ]; then echo "demo: 'rmqinspect $*' failed with exit $rc" >&2; exit "$rc"; fi
}
ri store "$run/broker-a/store-at-crash"
ri logs "broker-a=$run/broker-a/logs/rocketmqlogs" "namesrv-1=$run/namesrv-1/logs/rocketmqlogs"
ri diff "$run/broker-a/store" "$run/broker-a-s/store"
ri config "$run"/broker-*/broker.properties
