#!/usr/bin/env bash
# Build and run the Java baseline (RocketMQ's own MessageDecoder) over a commitlog directory.
#   bench/java/run.sh /tmp/rmqbench/b1k/commitlog [true|false] [repeat]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${RMQ_BENCH_OUT:-/tmp/rmqinspect-java-bench}"
mkdir -p "$out/classes"
if [ ! -s "$out/cp.txt" ]; then
  mvn -q -f "$here/pom.xml" dependency:build-classpath -Dmdep.outputFile="$out/cp.txt" >&2
fi
cp="$(cat "$out/cp.txt")"
javac -d "$out/classes" -cp "$cp" "$here/src/main/java/rmqbench/DecodeCommitLog.java" >&2
exec java -Xms2g -Xmx2g -cp "$out/classes:$cp" rmqbench.DecodeCommitLog "$1" "${2:-false}" "${3:-3}"
