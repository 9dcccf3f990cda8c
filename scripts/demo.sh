#!/usr/bin/env bash
# Set up (no Java needed) and run rmqinspect's main jobs on the bundled samples/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-java
.venv/bin/rmqinspect --help
