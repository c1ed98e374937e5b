#!/usr/bin/env bash
# Messages benchmark: Signal encrypt/decrypt with durable session writes
# (build/tests/bench_sig), then round trips through the release worker and
# a bot hook against the simulator (messages-bench.js), then the inbound
# burst (messages-burst.js). Usage: messages.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${WALINK_RELEASE_BUILD:-build}
export WALINK_BUILD=$build
echo "| metric | walink | reference | note |"
echo "|---|---|---|---|"
"$build/tests/bench_sig" | sed -n 's/^{"bench":"sig","store":"\([a-z]*\)","messages":\([0-9]*\),"ms_per_message":\([0-9.]*\)}$/| Signal encrypt+decrypt, \1 store, 2 durable writes (ms per message) | \3 | | \2 messages |/p'
node tests/bench/messages-bench.js "${1:-30}" | tail -n +3
# Inbound burst, syncs per message, keepalive RTT under load, memory with
# many sessions; vs Baileys 7 (messages-burst.js). MESSAGES_BURST="N
# CONTACTS SESSIONS" scales it (default 10000 10 1000).
# shellcheck disable=SC2086
burst=$(node tests/bench/messages-burst.js ${MESSAGES_BURST:-10000 10 1000})
printf '%s\n' "$burst" | grep '^| ' | grep -v '^| metric |'
