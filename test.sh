#!/usr/bin/env bash
# The whole test suite: the Java modules (Maven), then the Python client against the real server
# jar (clients/python/run-tests.sh: pytest in a virtual environment created from the machine's
# configured pip index). Nothing is downloaded at test time beyond what Maven and pip install.
set -euo pipefail
cd "$(dirname "$0")"
export DJL_OFFLINE=true
export OPT_OUT_TRACKING=true
./mvnw -B verify
clients/python/run-tests.sh
