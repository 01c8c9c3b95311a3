# gwhealth_helpers.bash: running gwhealth against real backends in bats.
#
# Load after helpers, the backend helpers and proxy_helpers:
#	load helpers
#	load ../backend/backend
#	load proxy_helpers
#	load gwhealth_helpers
# and use health_setup / health_teardown as setup() and teardown().
#
#   start_health [ARG...]	gwhealth -v in the background (--control off
#				unless ARGs give --control); sets
#				HEALTH_PID, HEALTH_LOG; returns once it logged
#				its start
#   stop_health [SIGNAL]	SIGTERM (or SIGNAL), then its exit status in
#				$status
#   fast_service NAME [ARG...]	gwctl service add NAME with checks every
#				100 ms (fast 100 ms), timeout 80 ms, rise 2,
#				fall 3, no jitter, and ARGs
#   state SERVICE ADDR		the stored state of the backend ("" if none)
#   health_row SERVICE ADDR	state|reason|pass_streak|fail_streak
#   wait_state SERVICE ADDR STATE [TRIES]
#				polls until the stored state is STATE
#   streak_ge SERVICE ADDR pass|fail N
#				the stored streak is at least N
#   logged_ge TEXT N		the log has N lines with TEXT or more
#   transitions SERVICE ADDR	its transitions, oldest first, as
#				from|to|reason|source lines
#   checks_logged SERVICE ADDR	the -v lines of its checks, "pass" or
#				"fail: REASON", one a line, oldest first
#   log_ms FILE TEXT [AFTER]	the time (ms) of the first log line with
#				TEXT stamped at or after AFTER
#   start_dnsmasq NAME		dnsmasq on 127.0.0.1, a free port
#				($DNS_PORT), answering from the hosts file
#				$BATS_TEST_TMPDIR/dns.hosts; NAME's zone is
#				local (names not in the file do not exist)
#   dns_hosts LINE...		rewrites the hosts file, makes dnsmasq read it
#   peers NAME [TARGET]		the client address of each request gwbackend
#				NAME (started with -v) answered [for
#				TARGET], one a line: one address per
#				connection
#   nconns NAME [TARGET]	how many connections carried them
#   nreqs NAME [TARGET]		how many requests there were
#   one_per_req NAME [TARGET]	each request came on a connection of its
#				own (read in one go: requests may go on)
#   reqs_ge NAME N [TARGET]	there were N or more
#   start_ka_fake NAME MODE	a python3 keep-alive backend answering
#				"200 ok"; MODE ok answers every request,
#				close2 and reset2 close (FIN, or RST)
#				each connection when its second request
#				comes, unanswered; it logs "CONN REQ
#				CONNECTION" a request (CONNECTION: the
#				field's value, or -) to $NAME_log;
#				sets ${NAME}_port
#
# Every process started here is tracked (track_pid) and killed by PID in
# the teardown.

GWHEALTH=$GW_BIN/gwhealth

health_setup()
{
	proxy_setup
	[ -x "$GWHEALTH" ] || fail "no gwhealth at $GWHEALTH (run make first)"
	HEALTH_LOG=$BATS_TEST_TMPDIR/health.log
}

health_teardown()
{
	proxy_teardown
	if [ -s "$HEALTH_LOG" ] && [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		echo "gwhealth log:"
		tail -30 "$HEALTH_LOG"
	fi
}

start_health()
{
	local -a extra=(--control off)
	local a tries=200

	for a in "$@"; do
		case $a in
		--control|--control=*)	extra=() ;;
		esac
	done
	: >"$HEALTH_LOG"
	# fd 3 is bats' own: a background child holding it stalls bats.
	"$GWHEALTH" -v "${extra[@]}" "$@" >"$BATS_TEST_TMPDIR/health.out" \
	    2>"$HEALTH_LOG" 3>&- &
	HEALTH_PID=$!
	track_pid "$HEALTH_PID"
	wait_started "$HEALTH_PID" "$HEALTH_LOG" \
	    ' info: gwhealth [^ ]*: generation [0-9]*, [0-9]* backends checked$' \
	    gwhealth "$tries"
}

stop_health()
{
	stop_daemon "$HEALTH_PID" "${1:-TERM}" gwhealth 200
}

fast_service()
{
	local name=$1

	shift
	gwctl -q service add "$name" --check-interval 100ms \
	    --check-fast-interval 100ms --check-timeout 80ms --check-rise 2 \
	    --check-fall 3 --check-jitter 0 "$@" || fail "service $name"
}

# The SQL condition for backend ADDR (host:port) of SERVICE.
be_where()
{
	local host=${2%:*} port=${2##*:}

	host=${host#[}
	host=${host%]}
	echo "s.name = '$1' AND b.host = '$host' AND b.port = $port"
}

state()
{
	db_query "SELECT h.state FROM backend_health h
	    JOIN backends b ON b.id = h.backend_id
	    JOIN services s ON s.id = b.service_id WHERE $(be_where "$1" "$2")"
}

health_row()
{
	db_query "SELECT h.state, ifnull(h.reason, ''), h.pass_streak,
	    h.fail_streak FROM backend_health h
	    JOIN backends b ON b.id = h.backend_id
	    JOIN services s ON s.id = b.service_id WHERE $(be_where "$1" "$2")"
}

# streak_ge SERVICE ADDR pass|fail N: that streak is at least N.
streak_ge()
{
	local f=3

	[ "$3" = fail ] && f=4
	[ "$(health_row "$1" "$2" | cut -d'|' -f$f)" -ge "$4" ] 2>/dev/null
}

# logged_ge TEXT N: the log has at least N lines with TEXT.
logged_ge()
{
	[ "$(grep -c -- "$1" "$HEALTH_LOG")" -ge "$2" ]
}

# no_backend HOST: no backend has that host.
no_backend()
{
	[ -z "$(db_query "SELECT 1 FROM backends WHERE host = '$1'")" ]
}

state_is()
{
	[ "$(state "$1" "$2")" = "$3" ]
}

wait_state()
{
	wait_for "${4:-100}" state_is "$1" "$2" "$3" ||
	    fail "$1/$2 is \"$(state "$1" "$2")\", not $3"
}

transitions()
{
	db_query "SELECT from_state, to_state, reason, source
	    FROM health_transitions WHERE service = '$1' AND backend = '$2'
	    ORDER BY id"
}

checks_logged()
{
	sed -n "s|^.* debug: check $1/$2: passed in [0-9]* us\$|pass|p
	    s|^.* debug: check $1/$2: failed: \\(.*\\) in [0-9]* us\$|fail: \\1|p
	    s|^.*: backend $1/$2 is \\([a-z]*\\) (was .*\$|=\\1|p" \
	    "$HEALTH_LOG"
}

# log_ms FILE TEXT [AFTER]: the time (ms since the epoch) of the first
# line of log FILE with TEXT, stamped at or after AFTER (ms).
log_ms()
{
	python3 -c '
import datetime, sys
after = int(sys.argv[3]) if len(sys.argv) > 3 else 0
for line in open(sys.argv[1]):
    if sys.argv[2] not in line:
        continue
    t = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
    ms = int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
    if ms >= after:
        print(ms)
        break
' "$@"
}

# A port of 127.0.0.1 free a moment ago for both TCP and UDP (dnsmasq
# binds both).
free_dns_port()
{
	python3 -c 'import socket
for _ in range(20):
    t = socket.socket()
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close()
        continue
    u.close()
    t.close()
    print(port)
    break'
}

# dns_up PID: dnsmasq PID logged that it started (0), died (1), or
# neither yet (2).
dns_up()
{
	grep -q 'started' "$BATS_TEST_TMPDIR/dnsmasq.log" 2>/dev/null &&
	    return 0
	kill -0 "$1" 2>/dev/null || return 1
	return 2
}

start_dnsmasq()
{
	local zone=$1 try n pid= rc

	command -v dnsmasq >/dev/null ||
	    skip "dnsmasq is missing (apt-get install dnsmasq-base)"
	: >"$BATS_TEST_TMPDIR/dns.hosts"
	for try in 1 2 3 4 5; do
		DNS_PORT=$(free_dns_port)
		: >"$BATS_TEST_TMPDIR/dnsmasq.log"
		dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
		    --listen-address=127.0.0.1 --port="$DNS_PORT" \
		    --addn-hosts="$BATS_TEST_TMPDIR/dns.hosts" \
		    --local="/$zone/" --pid-file= --user="$(id -un)" \
		    --log-facility=- \
		    >>"$BATS_TEST_TMPDIR/dnsmasq.log" 2>&1 3>&- &
		pid=$!
		track_pid "$pid"
		# It logs "started" once bound, or exits (a port taken
		# meanwhile: then another port).
		rc=2
		for ((n = 0; n < 100 && rc == 2; n++)); do
			rc=0
			dns_up "$pid" || rc=$?
			[ "$rc" != 2 ] || sleep 0.05
		done
		[ "$rc" = 0 ] && break
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	done
	[ -n "$pid" ] ||
	    fail "dnsmasq did not start: $(cat "$BATS_TEST_TMPDIR/dnsmasq.log")"
	DNS_PID=$pid
}

# How often dnsmasq has read the hosts file so far.
dns_reads()
{
	grep -c 'dnsmasq[^:]*: read ' "$BATS_TEST_TMPDIR/dnsmasq.log" || true
}

dns_read_since()
{
	[ "$(dns_reads)" -gt "$1" ]
}

dns_hosts()
{
	local before

	before=$(dns_reads)
	printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/dns.hosts"
	kill -HUP "$DNS_PID"
	# dnsmasq logs each read of the file.
	wait_for 100 dns_read_since "$before" ||
	    fail "dnsmasq did not read the hosts file again"
}

peers()
{
	awk -v t="${2:-}" '(t == "" || $4 == t) { print $2 }' \
	    "$BATS_TEST_TMPDIR/backend.$1/stderr"
}

nconns()
{
	peers "$@" | sort -u | wc -l
}

nreqs()
{
	peers "$@" | wc -l
}

one_per_req()
{
	local c r

	read -r c r < <(peers "$@" | awk '!seen[$0]++ { c++ } END {
	    print c + 0, NR }')
	[ "$c" -eq "$r" ] || fail "$1: $c connections for $r requests"
}

reqs_ge()
{
	[ "$(nreqs "$1" "${3:-}")" -ge "$2" ]
}

start_ka_fake()
{
	local name=$1 mode=$2 dir=$BATS_TEST_TMPDIR/fake.$1

	mkdir -p "$dir" || fail "cannot create $dir"
	: >"$dir/log"
	python3 -c '
import os, socket, struct, sys, threading
mode, portfile, logfile = sys.argv[1:4]
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
log = open(logfile, "a", buffering=1)
lock = threading.Lock()
def serve(c, conn):
    c.settimeout(10)
    buf, req = b"", 0
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                b = c.recv(65536)
                if not b:
                    return
                buf += b
            head, buf = buf.split(b"\r\n\r\n", 1)
            req += 1
            hdr = "-"
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"connection":
                    hdr = value.strip().decode("latin-1")
            with lock:
                log.write("%d %d %s\n" % (conn, req, hdr))
            if req > 1 and mode in ("close2", "reset2"):
                if mode == "reset2":
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
                return
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
    except OSError:
        pass
    finally:
        c.close()
conn = 0
while True:
    c, _ = ls.accept()
    conn += 1
    threading.Thread(target=serve, args=(c, conn), daemon=True).start()
' "$mode" "$dir/port" "$dir/log" >"$dir/stdout" 2>"$dir/stderr" 3>&- &
	track_pid $!
	wait_for 200 test -s "$dir/port" ||
	    fail "fake backend $name did not start: $(cat "$dir/stderr")"
	printf -v "${name}_port" '%s' "$(cat "$dir/port")"
	printf -v "${name}_log" '%s' "$dir/log"
}
