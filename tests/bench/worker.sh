#!/bin/sh
# worker.sh: wa-worker (release build) against an unmodified Baileys 7 on
# one simulator: login time from stored credentials and resident memory
# over 10,000 fast keepalive cycles. Prints figures; never asserts on time.
# Needs scripts/build release and tests/node_modules (cd tests && npm ci).
# Usage: tests/bench/worker.sh [RESTARTS] [CYCLES] [INTERVAL_MS]
#   (defaults 10 10000 2; WALINK_RELEASE_BUILD overrides <repo>/build)
set -eu
cd "$(dirname "$0")/.."
exec node bench/worker-bench.js "${1:-10}" "${2:-10000}" "${3:-2}"
