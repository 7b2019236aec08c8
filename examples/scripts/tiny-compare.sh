#!/usr/bin/env bash
# The benchmark's small transformer: PyTorch vs Goldilocks DJL (djl-bench), side by side in one run.
# Makes examples/scripts/.venv from the machine's configured pip index (torch 2.13 CPU);
# run ./mvnw -B -q -DskipTests install first. Prints one JSON object.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=examples/scripts/.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check --retries 0 --timeout 20 "torch==2.13.0"
exec "$VENV/bin/python" examples/scripts/tiny_compare.py --jar examples/target/goldilocks-examples.jar "$@"
