#!/usr/bin/env bash
# Media: our decrypt + verify in memory (build/tests/bench_media) beside
# Baileys 7's downloadContentFromMessage from loopback HTTP, then the whole
# download path through the simulator's https CDN for both in the same run
# (tests/bench/media-cdn.js: verified plaintext fsync'ed to disk on both
# sides). MEDIA_BENCH_MIB and MEDIA_BENCH_RUNS size the CDN run.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${WALINK_RELEASE_BUILD:-build}
"$build/tests/bench_media"
node tests/bench/media-baileys.js
WALINK_RELEASE_BUILD="$build" node tests/bench/media-cdn.js
