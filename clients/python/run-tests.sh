#!/usr/bin/env bash
# The Python client's tests (pytest) against the real server jar, in a virtual environment this
# script creates (clients/python/.venv) from the machine's configured pip index. Needs the server jar
# that `./mvnw -B verify` (or `package`) builds.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=clients/python/.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# --retries 0: an index that cannot be reached (no network) is skipped at once, not retried for minutes
"$VENV/bin/pip" install -q --disable-pip-version-check --retries 0 --timeout 20 \
  "torch==2.13.0" "trl>=1.13" datasets torchdata pytest matplotlib
GOLDILOCKS_SERVER_JAR="$PWD/goldilocks-server/target/goldilocks-server.jar" \
GOLDILOCKS_EXAMPLES_JAR="$PWD/examples/target/goldilocks-examples.jar" \
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider clients/python/tests
