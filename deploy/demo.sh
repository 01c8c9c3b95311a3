#!/bin/bash
# shellcheck disable=SC2317 # functions run from traps and wait_for
# deploy/demo.sh: a gw gateway on this machine, for trying it out; what
# `make demo` runs after installing what is missing and building.
#
# In a temporary directory it creates a database with gwctl (services web,
# with two backends, and api, with one; a host route, a prefix route with
# a rewrite and a route with header edits), starts a gwbackend for each
# backend on a free port of 127.0.0.1, and runs gwproxy on
# 127.0.0.1:$GW_DEMO_PORT (8080) with its admin listener on
# 127.0.0.1:$GW_DEMO_ADMIN (9901), an access log and its control socket,
# and gwhealth next to it, checking every backend each second and telling
# gwproxy through that socket when one goes down or comes back.
# It prints curl lines to try and gwctl commands that change the
# configuration live, then waits.  Ctrl-C (or SIGTERM, or gwproxy
# exiting) stops every process it started and removes the directory.
#
# Environment: GW_DEMO_PORT, GW_DEMO_ADMIN (the ports), GW_BIN (where
# gwctl, gwproxy, gwhealth and gwbackend are; default bin/ of this tree).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${GW_BIN:-$ROOT/bin}
PORT=${GW_DEMO_PORT:-8080}
ADMIN=${GW_DEMO_ADMIN:-9901}
HOST=127.0.0.1
# Polls are 50 ms apart: 100 of them give a process 5 s to come up.
TRIES=100

pids=()		# every process we started
proxy_pid=
health_pid=
dir=

say() {
	printf '%s\n' "$*"
}

die() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

# stop PID TRIES: SIGTERM, then up to TRIES polls 50 ms apart, then
# SIGKILL; reaps it.
stop() {
	local tries=$2

	kill -TERM "$1" 2>/dev/null || true
	while kill -0 "$1" 2>/dev/null && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# Stops what we started, by pid only (gwproxy first, so that it drains
# while its backends still answer), and removes the directory.  Runs
# once, on any exit.
cleanup() {
	local pid

	trap - EXIT INT TERM HUP
	set +e
	# gwproxy drains for up to 5 s (--drain-timeout): allow 7.
	[ -n "$proxy_pid" ] && stop "$proxy_pid" 140
	for pid in "${pids[@]}"; do
		[ "$pid" = "$proxy_pid" ] || stop "$pid" "$TRIES"
	done
	[ -n "$dir" ] && rm -rf "$dir"
	say "demo: stopped${dir:+; removed $dir}"
}

# wait_for CMD...: runs CMD every 50 ms until it succeeds, at most TRIES
# times.
wait_for() {
	local tries=$TRIES

	while ! "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.05
	done
}

# 0 when something accepts TCP connections on $HOST:$1.
port_busy() {
	(exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

port_file_ready() {
	[ -s "$1" ]
}

health_ready() {
	kill -0 "$health_pid" 2>/dev/null ||
	    die "gwhealth exited; its log: $(cat "$dir/gwhealth.log")"
	grep -q ' info: gwhealth [^ ]*: generation' "$dir/gwhealth.log"
}

proxy_ready() {
	kill -0 "$proxy_pid" 2>/dev/null ||
	    die "gwproxy exited; its log: $(cat "$dir/gwproxy.log")"
	curl -sf -o /dev/null "http://$HOST:$ADMIN/ready"
}

gwctl() {
	"$BIN/gwctl" --db "$dir/gw.db" "$@"
}

for p in gwctl gwproxy gwhealth gwbackend; do
	[ -x "$BIN/$p" ] || die "no $BIN/$p: run make first"
done
command -v curl >/dev/null || die "curl is missing: run make deps"
# gwproxy binds with SO_REUSEPORT, which would let it share a port with
# another program doing the same instead of failing: look first.
for p in "$PORT" "$ADMIN"; do
	! port_busy "$p" || die "$HOST:$p is in use; set GW_DEMO_PORT and" \
	    "GW_DEMO_ADMIN to free ports"
done

trap cleanup EXIT
trap 'exit 0' INT TERM HUP
dir=$(mktemp -d "${TMPDIR:-/tmp}/gw-demo.XXXXXX")

# The backends, each on a port the kernel picks, reported in a file.
declare -A bport bpid
for b in web-1 web-2 api-1; do
	"$BIN/gwbackend" --name "$b" --listen "$HOST:0" \
	    --port-file "$dir/$b.port" >"$dir/$b.log" 2>&1 &
	pids+=($!)
	bpid[$b]=$!
	wait_for port_file_ready "$dir/$b.port" ||
	    die "gwbackend $b did not start: $(cat "$dir/$b.log")"
	bport[$b]=$(head -n 1 "$dir/$b.port")
done
web1=$HOST:${bport[web-1]}
web2=$HOST:${bport[web-2]}
api1=$HOST:${bport[api-1]}

# The configuration.  gwhealth checks web over HTTP and api over TCP,
# every second; two failures in a row mark a backend down, two passes
# bring it back.
gwctl init -q
gwctl service add web --lb weighted --check http \
    --check-interval 1s --check-fast-interval 500ms --check-timeout 500ms \
    --check-rise 2 --check-fall 2
gwctl backend add web "$web1" --weight 2
gwctl backend add web "$web2"
gwctl service add api --request-timeout 5s --check tcp \
    --check-interval 1s --check-timeout 500ms
gwctl backend add api "$api1"
gwctl route add www --service web --host www.demo.test
gwctl route add api --service api --prefix /api/ --rewrite /
gwctl route add echo --service web --path /echo \
    --set-header X-Demo=1 --remove-header User-Agent \
    --add-response-header X-Served-By=gw-demo

# One worker, so the weighted sequence is the one you see.
"$BIN/gwproxy" --db "$dir/gw.db" --listen "$HOST:$PORT" \
    --admin "$HOST:$ADMIN" --access-log "$dir/access.log" --workers 1 \
    --drain-timeout 5s 2>"$dir/gwproxy.log" &
proxy_pid=$!
pids+=("$proxy_pid")
wait_for proxy_ready || die "gwproxy did not get ready: $(cat "$dir/gwproxy.log")"

# gwhealth tells gwproxy about each change on its control socket, which
# both find next to the database.
"$BIN/gwhealth" --db "$dir/gw.db" --stats-interval 1m \
    2>"$dir/gwhealth.log" &
health_pid=$!
pids+=("$health_pid")
wait_for health_ready || die "gwhealth did not start: $(cat "$dir/gwhealth.log")"

P=http://$HOST:$PORT
cat <<EOF

gw demo: gwproxy on $P, admin on http://$HOST:$ADMIN, gwhealth beside it
  services: web ($web1 weight 2, $web2), api ($api1)
  routes:   www   host www.demo.test         -> web
            api   prefix /api/, rewrite /    -> api
            echo  path /echo, header edits   -> web
  files:    $dir (database, logs; removed at the end)

Try, in another terminal:
  # three times: web-1, web-2, web-1 (smooth weighted round-robin, 2:1)
  curl -H 'Host: www.demo.test' $P/hello
  # api-1 gets /users?id=7 (prefix /api/ rewritten to /)
  curl '$P/api/users?id=7'
  # what web got (X-Forwarded-*, X-Request-Id, X-Demo), X-Served-By back
  curl -i $P/echo
  # no route: 404 with X-Gw-Error: no_route and a JSON body
  curl -i $P/nothing
  curl -s http://$HOST:$ADMIN/metrics | grep ^gwproxy_http_requests_total
  tail -f $dir/access.log

Change the configuration live (gwproxy picks each change up within a
second; no restart):
  export PATH=$BIN:\$PATH GW_DB=$dir/gw.db
  gwctl backend drain web $web2
  curl -H 'Host: www.demo.test' $P/hello     # now always web-1
  gwctl route set api --timeout 1s
  curl -i '$P/api/delay?ms=2000'             # 504 upstream_timeout
  gwctl route add hello --service api --path /hello
  curl -H 'Host: www.demo.test' $P/hello     # api-1: an exact path wins
  gwctl proxy info; gwctl proxy stats; gwctl history

Health: kill a backend and watch gwhealth mark it down and gwproxy stop
sending it traffic at once (web-2 is pid ${bpid[web-2]}):
  kill ${bpid[web-2]}
  gwctl get health; gwctl get events; gwctl proxy backends
  curl -H 'Host: www.demo.test' $P/hello     # web-1 only from now on
  tail -f $dir/gwhealth.log

Ctrl-C stops everything.  gwproxy's and gwhealth's logs follow.

EOF
tail -n +1 -f "$dir/gwproxy.log" "$dir/gwhealth.log" &
pids=("$!" "${pids[@]}")

# Returns when gwproxy exits, or a signal's trap interrupts it.
set +e
wait "$proxy_pid"
rc=$?
say "demo: gwproxy exited with status $rc"
exit "$rc"
