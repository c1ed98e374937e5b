#!/bin/sh
# codec.sh: the codec benchmark, C against Baileys on one corpus.
# Needs scripts/build release and tests/node_modules (cd tests && npm ci).
# Usage: tests/bench/codec.sh [SECONDS_EACH]
set -eu
cd "$(dirname "$0")/.."
exec node bench/codec-baileys.js "${1:-2}"
