# proxy_helpers.bash: running gwproxy with real backends in bats tests.
#
# Load after helpers and the backend helpers:
#	load helpers
#	load ../backend/backend
#	load proxy_helpers
# and use proxy_setup / proxy_teardown as setup() and teardown().
#
#   start_backend NAME [ARG...]	gwbackend NAME on an ephemeral port;
#				sets ${NAME}_port (b1 -> $b1_port)
#   start_proxy [ARG...]	gwproxy on 127.0.0.1:0 with an admin port
#				on 127.0.0.1:0 (unless ARGs give --listen,
#				--admin); sets PROXY_PID, PROXY_PORT,
#				ADMIN_PORT, PROXY_LOG; the control socket is
#				the default one, $CONTROL
#   stop_proxy [SIGNAL]	SIGTERM (or SIGNAL), then its exit status in
#				$status (fails when it still runs 5 s later)
#   start_fake NAME MODE [REPLY]
#				a python3 backend that misbehaves, after
#				reading a request head: MODE garbage answers
#				bytes that are not HTTP, reset closes with a
#				RST, reply sends REPLY (backslash escapes
#				as in Python) and closes, hang answers
#				nothing for 5 s; sets ${NAME}_port
#   dead_port			a port on 127.0.0.1 nothing listens on
#   purl PATH			http://127.0.0.1:$PROXY_PORT PATH
#   pcurl ARG...		curl, bounded, errors on stderr
#   hcurl ARG...		curl -i with the CRs of the head removed
#   praw FMT [ARG...]		printf FMT sent in one write to gwproxy;
#				all it answers until it closes, in $output
#				when run (gwclient raw's exit status)
#   ctl LINE			one control-socket command: the reply without
#				its terminating empty line
#   resp_header NAME, resp_body	of the response in $output
#   assert_gw_error STATUS REASON CODE
#				$output (from hcurl or praw) is gwproxy's own
#				error response with that status and cause
#   assert_gw_error_new_id ...	and its X-Request-Id is one gwproxy made
#   web_config NAME...		service web, each backend NAME (started)
#				in it, route all (prefix /) to it
#   pattern N, fnv1a FILE	what /bytes sends, what /echo reports
#   track_pid PID		a background process of the test's own, to
#				be killed in the teardown
#
# Every process started here is killed in proxy_teardown, by PID only:
# others run tests on the same machine.  Background processes close fd 3
# (3>&-) or bats waits for them.  A loop variable must not be called i:
# bats 1.8's run (bats_any_in) changes $i.

GWPROXY=$GW_BIN/gwproxy

proxy_setup()
{
	gw_setup
	[ -x "$GWPROXY" ] || fail "no gwproxy at $GWPROXY (run make first)"
	gw_init
	CONTROL=$BATS_TEST_TMPDIR/gwproxy.sock
	PROXY_LOG=$BATS_TEST_TMPDIR/proxy.log
	: >"$BATS_TEST_TMPDIR/pids"
}

# PIDs of the test's own background processes, for the teardown.
track_pid()
{
	echo "$1" >>"$BATS_TEST_TMPDIR/pids"
}

# Kills one PID of ours: TERM, a bounded wait, then KILL.
kill_bounded()
{
	local pid=$1 tries=${2:-100}

	kill -TERM "$pid" 2>/dev/null || return 0
	while [ "$tries" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		tries=$((tries - 1))
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

proxy_teardown()
{
	local pid

	# Newest first: clients before the gwproxy they hold in its drain.
	if [ -f "$BATS_TEST_TMPDIR/pids" ]; then
		while read -r pid; do
			[ -n "$pid" ] && kill_bounded "$pid"
		done < <(tac "$BATS_TEST_TMPDIR/pids")
	fi
	backend_stop_all
	# What gwproxy logged, shown by bats when the test failed.
	if [ -s "$PROXY_LOG" ] && [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		echo "gwproxy log:"
		tail -20 "$PROXY_LOG"
	fi
}

start_backend()
{
	local name=$1

	backend_start "$@"
	printf -v "${name}_port" '%s' "$(backend_port "$name")"
}

# The port of the first "listening on" line of gwproxy's log.
proxy_log_port()
{
	sed -n "s/^.* info: $1 127\.0\.0\.1:\([0-9][0-9]*\)\$/\1/p" \
	    "$PROXY_LOG" | head -1
}

start_proxy()
{
	local -a extra=()
	local a listen=1 admin=1 tries=200

	for a in "$@"; do
		case $a in
		--listen|--listen=*)	listen=0 ;;
		--admin|--admin=*)	admin=0 ;;
		esac
	done
	[ "$listen" = 1 ] && extra+=(--listen 127.0.0.1:0)
	[ "$admin" = 1 ] && extra+=(--admin 127.0.0.1:0)
	: >"$PROXY_LOG"
	# fd 3 is bats' own: a background child holding it stalls bats.
	"$GWPROXY" "${extra[@]}" "$@" >"$BATS_TEST_TMPDIR/proxy.out" \
	    2>"$PROXY_LOG" 3>&- &
	PROXY_PID=$!
	track_pid "$PROXY_PID"
	# Its last start-up line comes once every listener is open.
	wait_started "$PROXY_PID" "$PROXY_LOG" \
	    ' info: gwproxy [^ ]*: generation [0-9]*, [0-9]* workers$' \
	    gwproxy "$tries"
	PROXY_PORT=$(proxy_log_port 'listening on')
	ADMIN_PORT=$(proxy_log_port 'admin listening on')
	[ -n "$PROXY_PORT" ] || [ "$listen" = 0 ] ||
	    fail "no listening port in the log: $(cat "$PROXY_LOG")"
}

stop_proxy()
{
	stop_daemon "$PROXY_PID" "${1:-TERM}" gwproxy 100
}

start_fake()
{
	local name=$1 mode=$2 dir=$BATS_TEST_TMPDIR/fake.$1

	mkdir -p "$dir" || fail "cannot create $dir"
	python3 -c '
import os, socket, struct, sys, threading
mode, portfile = sys.argv[1], sys.argv[2]
reply = sys.argv[3].encode("latin-1").decode("unicode_escape").encode(
    "latin-1") if len(sys.argv) > 3 else b""
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
def serve(c):
    c.settimeout(5)
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            b = c.recv(65536)
            if not b:
                return
            data += b
        if mode == "garbage":
            c.sendall(b"this is not HTTP at all\r\n\r\n")
        elif mode == "reply":
            c.sendall(reply)
            c.shutdown(socket.SHUT_WR)
            while c.recv(65536):
                pass
        elif mode == "reset":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        elif mode == "hang":
            c.recv(65536)      # blocks until the peer closes, or 5 s
    except OSError:
        pass
    finally:
        c.close()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$mode" "$dir/port" "${3:-}" >"$dir/stdout" 2>"$dir/stderr" 3>&- &
	track_pid $!
	wait_for 200 test -s "$dir/port" ||
	    fail "fake backend $name did not start: $(cat "$dir/stderr")"
	printf -v "${name}_port" '%s' "$(cat "$dir/port")"
}

# A port nothing listens on: bound once by the kernel's choice, closed.
dead_port()
{
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

purl()
{
	echo "http://127.0.0.1:$PROXY_PORT$1"
}

pcurl()
{
	curl -sS --max-time 5 "$@"
}

hcurl()
(
	set -o pipefail
	curl -sS --max-time 5 -i "$@" | tr -d '\r'
)

praw()
{
	# shellcheck disable=SC2059
	printf "$@" >"$BATS_TEST_TMPDIR/req" || fail "cannot write req"
	gwclient raw "$PROXY_PORT" <"$BATS_TEST_TMPDIR/req"
}

ctl()
{
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(3)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
data = b""
while not (data == b"\n" or data.endswith(b"\n\n")):
    b = s.recv(65536)
    if not b:
        sys.exit("control socket closed before the end of the reply")
    data += b
sys.stdout.write(data[:-1].decode())
' "$CONTROL" "$1"
}

# The first N bytes of what /bytes sends: byte i is 'a' + i % 26.
pattern()
{
	python3 -c 'import sys
n = int(sys.argv[1])
sys.stdout.write(("abcdefghijklmnopqrstuvwxyz" * (n // 26 + 1))[:n])' "$1"
}

# FNV-1a 64 of a file, as /echo reports it.
fnv1a()
{
	python3 -c 'import sys
h = 0xcbf29ce484222325
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("%016x" % h)' "$1"
}

# The body of a response in $output (after the first empty line).
resp_body()
{
	printf '%s\n' "$output" | tr -d '\r' | sed '1,/^$/d'
}

# The value of header NAME in the head of $output (first one).
resp_header()
{
	printf '%s\n' "$output" | tr -d '\r' | sed '/^$/q' |
	    sed -n "s/^$1: //Ip" | head -1
}

assert_gw_error()
{
	local status=$1 reason=$2 code=$3 id body first

	first=$(printf '%s\n' "$output" | head -1 | tr -d '\r')
	assert_equal "$first" "HTTP/1.1 $status $reason"
	[ "$(resp_header X-Gw-Error)" = "$code" ] ||
	    fail "X-Gw-Error is not $code in: $output"
	[ "$(resp_header Content-Type)" = application/json ] ||
	    fail "Content-Type is not application/json in: $output"
	id=$(resp_header X-Request-Id)
	[ -n "$id" ] || fail "no X-Request-Id in: $output"
	body=$(resp_body)
	assert_equal "$body" \
	    "{\"error\":\"$code\",\"status\":$status,\"request_id\":\"$id\"}"
	assert_equal "$(resp_header Content-Length)" "$((${#body} + 1))"
}

# assert_gw_error, and the request id is one gwproxy made up.
assert_gw_error_new_id()
{
	assert_gw_error "$@"
	[[ $(resp_header X-Request-Id) =~ ^[0-9a-f]{32}$ ]] ||
	    fail "not a generated X-Request-Id in: $output"
}

web_config()
{
	local b

	gwctl -q service add web || fail "service web"
	for b in "$@"; do
		gwctl -q backend add web "127.0.0.1:$(backend_port "$b")" ||
		    fail "backend $b"
	done
	gwctl -q route add all --service web || fail "route all"
}
