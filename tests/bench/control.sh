#!/bin/sh
# control.sh: issue 6's control-plane benchmark. wrk on loopback against
# wa-control's GET /api/whatsapp/state and GET /api/whitelist (10 000
# numbers, bearer token), and the same two routes served by a minimal
# Express 4 app reading the same data (express-baseline.js): req/s, p99
# and ratios. Then a 100 000-number whitelist: list and export times
# (target < 200 ms) and wa-control's RSS under that load. The data comes
# from session-worker/fake-ipc-worker (the worker's real IPC side) loading
# a media-auth-config.json. Prints figures only; never asserts on time.
#
# Needs scripts/build release (binaries from $WALINK_RELEASE_BUILD, default
# <repo>/build), tests/node_modules (cd tests && npm ci) and wrk.
# Usage: tests/bench/control.sh [SECONDS_EACH [CONNECTIONS]]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${WALINK_RELEASE_BUILD:-$repo/build}
secs=${1:-5}
conns=${2:-16}
threads=2
token=bench-token-$$
ctl_bin=$build/control-plane/wa-control
fake_bin=$build/session-worker/fake-ipc-worker

for b in "$ctl_bin" "$fake_bin"; do
	[ -x "$b" ] || { echo "control.sh: $b missing (scripts/build release)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "control.sh: wrk not installed" >&2; exit 1; }

tmp=$(mktemp -d /tmp/walink-bench-control.XXXXXX)
data=$tmp/data
mkdir -p "$data"
fake_pid= ctl_pid= exp_pid=
cleanup() {
	for p in $fake_pid $ctl_pid $exp_pid; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

free_port() {
	node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# wait_for SECONDS CMD...: poll a condition until a deadline
wait_for() {
	end=$(( $(date +%s) + $1 )); shift
	until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.1; done
}

# whitelist_file N: N distinct 11-digit numbers as the worker stores them
whitelist_file() {
	awk -v n="$1" 'BEGIN { printf "["; for (i = 0; i < n; i++)
	    printf "%s\"%.0f\"", (i ? "," : ""), 15550000000 + i; print "]" }' \
	    > "$data/media-auth-config.json"
}

start_fake() {
	"$fake_bin" --data "$data" --state connected --number 15550001111 \
	    --heartbeat-every 30s --events-every 0 \
	    --whitelist-file "$data/media-auth-config.json" > "$tmp/fake.out" 2>&1 &
	fake_pid=$!
	wait_for 10 grep -q '^ready$' "$tmp/fake.out"
}

start_express() {
	node "$here/express-baseline.js" "$exp_port" "$data" "$token" \
	    > "$tmp/express.out" 2>&1 &
	exp_pid=$!
	wait_for 10 grep -q '^ready$' "$tmp/express.out"
}

stop() {	# stop PID
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

get() {	# get URL: body to stdout
	curl -sf -H "Authorization: Bearer $token" "$1"
}

count_is() {	# count_is BASE N: the API lists N numbers
	get "$1/api/whitelist" 2>/dev/null | grep -Eq "\"count\": ?$2[,}]"
}

# bench URL: "req/s p99_ms non2xx" from one wrk run
bench() {
	out=$(wrk -t"$threads" -c"$1" -d"${secs}s" --latency \
	    -H "Authorization: Bearer $token" "$2")
	printf '%s\n' "$out" | awk '
	/^Requests\/sec:/ { rps = $2 }
	/Non-2xx/ { bad = $NF }
	$1 == "99%" { v = $2
		if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
		else if (v ~ /ms$/) sub(/ms$/, "", v)
		else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
		p99 = v }
	END { printf "%.0f %.2f %d\n", rps, p99, bad }'
}

# timed URL RUNS: "median_ms max_ms bytes" of RUNS sequential GETs
timed() {
	i=0
	while [ "$i" -lt "$2" ]; do
		curl -s -o /dev/null -H "Authorization: Bearer $token" \
		    -w '%{time_total} %{size_download}\n' "$1"
		i=$((i + 1))
	done | sort -n | awk '{ t[NR] = $1 * 1000; b = $2 }
	END { printf "%.1f %.1f %d\n", t[int((NR + 1) / 2)], t[NR], b }'
}

rss() {	# rss PID: "VmRSS VmHWM" in MiB
	awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 }
	END { printf "%.1f %.1f\n", r / 1024, h / 1024 }' "/proc/$1/status"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), a / b }'; }

ctl_port=$(free_port)
exp_port=$(free_port)
ctl=http://127.0.0.1:$ctl_port
exp=http://127.0.0.1:$exp_port

# --- 10 000 numbers ---------------------------------------------------
whitelist_file 10000
start_fake
WA_ADMIN_PASSWORD=bench-pass WA_API_TOKEN=$token WA_LOG_LEVEL=warn \
    "$ctl_bin" --data "$data" --listen "127.0.0.1:$ctl_port" \
    > "$tmp/ctl.out" 2>&1 &
ctl_pid=$!
start_express
wait_for 10 count_is "$ctl" 10000
rss_idle=$(rss "$ctl_pid")

set -- $(bench "$conns" "$ctl/api/whatsapp/state"); c_st_rps=$1 c_st_p99=$2 c_st_bad=$3
set -- $(bench "$conns" "$exp/api/whatsapp/state"); e_st_rps=$1 e_st_p99=$2 e_st_bad=$3
set -- $(bench "$conns" "$ctl/api/whitelist"); c_wl_rps=$1 c_wl_p99=$2 c_wl_bad=$3
set -- $(bench "$conns" "$exp/api/whitelist"); e_wl_rps=$1 e_wl_p99=$2 e_wl_bad=$3
rss_10k=$(rss "$ctl_pid")
exp_rss_10k=$(rss "$exp_pid")

# --- 100 000 numbers --------------------------------------------------
stop "$fake_pid"
stop "$exp_pid"
whitelist_file 100000
start_fake
start_express
wait_for 15 count_is "$ctl" 100000
set -- $(timed "$ctl/api/whitelist" 9); c_l_med=$1 c_l_max=$2 c_l_bytes=$3
set -- $(timed "$ctl/api/whitelist/export" 9); c_x_med=$1 c_x_max=$2 c_x_bytes=$3
set -- $(timed "$exp/api/whitelist" 9); e_l_med=$1 e_l_max=$2
set -- $(timed "$exp/api/whitelist/export" 9); e_x_med=$1 e_x_max=$2
exported=$(get "$ctl/api/whitelist/export" | wc -l)
big_conns=4
set -- $(bench "$big_conns" "$ctl/api/whitelist"); c_big_rps=$1 c_big_p99=$2 c_big_bad=$3
set -- $(bench "$big_conns" "$exp/api/whitelist"); e_big_rps=$1 e_big_p99=$2 e_big_bad=$3
rss_100k=$(rss "$ctl_pid")
exp_rss_100k=$(rss "$exp_pid")

under() { awk -v t="$1" 'BEGIN { print (t < 200 ? "yes" : "NO") }'; }

cat <<EOF
wa-control benchmark (issue 6): loopback, wrk -t$threads, ${secs}s per run,
bearer token; wa-control from $build; Express 4 baseline in one Node process
($(node --version)); $(nproc) cores shared by server, baseline and wrk.

10 000-number whitelist, $conns connections
route                     server       req/s   p99 ms  non-2xx
GET /api/whatsapp/state   wa-control  $(printf '%8s %8s %8s' "$c_st_rps" "$c_st_p99" "$c_st_bad")
GET /api/whatsapp/state   express     $(printf '%8s %8s %8s' "$e_st_rps" "$e_st_p99" "$e_st_bad")
GET /api/whitelist        wa-control  $(printf '%8s %8s %8s' "$c_wl_rps" "$c_wl_p99" "$c_wl_bad")
GET /api/whitelist        express     $(printf '%8s %8s %8s' "$e_wl_rps" "$e_wl_p99" "$e_wl_bad")
ratios wa-control / express:  state req/s x$(ratio "$c_st_rps" "$e_st_rps"), p99 x$(ratio "$c_st_p99" "$e_st_p99");  whitelist req/s x$(ratio "$c_wl_rps" "$e_wl_rps"), p99 x$(ratio "$c_wl_p99" "$e_wl_p99")

100 000-number whitelist (9 sequential GETs each; target < 200 ms)
route                       server      median ms   max ms   < 200 ms
GET /api/whitelist          wa-control  $(printf '%9s %8s %10s' "$c_l_med" "$c_l_max" "$(under "$c_l_max")")   ($c_l_bytes bytes)
GET /api/whitelist/export   wa-control  $(printf '%9s %8s %10s' "$c_x_med" "$c_x_max" "$(under "$c_x_max")")   ($c_x_bytes bytes, $exported lines)
GET /api/whitelist          express     $(printf '%9s %8s' "$e_l_med" "$e_l_max")
GET /api/whitelist/export   express     $(printf '%9s %8s' "$e_x_med" "$e_x_max")
wrk, $big_conns connections, GET /api/whitelist:  wa-control $c_big_rps req/s p99 $c_big_p99 ms (non-2xx $c_big_bad);  express $e_big_rps req/s p99 $e_big_p99 ms (non-2xx $e_big_bad)

memory (MiB)                      VmRSS    VmHWM
wa-control idle, 10k listed      $(printf '%6s %8s' $rss_idle)
wa-control after 10k wrk runs    $(printf '%6s %8s' $rss_10k)
wa-control after 100k runs       $(printf '%6s %8s' $rss_100k)
express after 10k wrk runs       $(printf '%6s %8s' $exp_rss_10k)
express after 100k runs          $(printf '%6s %8s' $exp_rss_100k)
(wa-control's VmHWM includes the 64 MiB argon2id hash of the admin
password at start-up: libsodium's interactive memory limit.)
EOF
