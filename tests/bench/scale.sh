#!/bin/sh
# scale.sh: N wa-workers (release build) behind one wa-control against
# wa-sim: pairing, start -> all connected, heartbeats and idle CPU over a
# window, PSS, GET /api/sessions p99, the dashboard overview, killing some
# (see scale.js). Prints a markdown table; never asserts on figures.
# Needs scripts/build release and tests/node_modules (cd tests && npm ci).
# Usage: tests/bench/scale.sh [N] [OBSERVE_S] [KILL]   (defaults 1000 600 100)
#   SCALE_PER_SIM accounts per simulator process (default 250: one Node
#   process would use one core only).
set -eu
cd "$(dirname "$0")/.."
export SCALE_PER_SIM="${SCALE_PER_SIM:-250}"
exec node bench/scale.js "${1:-1000}" "${2:-600}" "${3:-100}"
