#!/usr/bin/env bash
# Media download crypto: our decrypt + verify (build/tests/bench_media)
# beside Baileys 7's downloadContentFromMessage on the same size of file.
# The CDN path (download through the simulator) is not in this figure yet.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${WALINK_RELEASE_BUILD:-build}
"$build/tests/bench_media"
node tests/bench/media-baileys.js
