/*
 * gwproxy: the data plane of gw.  main() parses the options, loads the
 * first snapshot (refusing to start without a valid one), binds the
 * listeners, starts the workers, the reload thread and the admin thread,
 * then waits for signals: SIGHUP reloads, SIGTERM and SIGINT drain.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/thread.h>
#include <sodium.h>

#include "addr.h"
#include "ctl.h"
#include "db.h"
#include "duration.h"
#include "gwproxy.h"
#include "log.h"
#include "stats.h"
#include "store.h"
#include "str.h"

struct proxy px;

/* The reload thread's wake-up: SIGHUP, the control socket, or the poll. */
static pthread_mutex_t	reload_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	reload_cond = PTHREAD_COND_INITIALIZER;
static int		reload_asked;
static uint64_t		reload_ask_seq;		/* guarded by reload_mtx */
static atomic_uint_fast64_t reload_done_seq;	/* asks answered so far */
static atomic_int	reload_last_ok;		/* the last attempt's result */
static int		reload_quit;
static int64_t		poll_ms = PX_POLL_MS;
/*
 * store_fingerprint() read just before the current snapshot was built:
 * the reload thread rebuilds on a data_version change only when it moved.
 * Reload thread (and main before it starts) only.
 */
static uint64_t		reload_fp;

static const char usage_text[] =
"usage: gwproxy [--db PATH] --listen ADDR:PORT [--listen ADDR:PORT]...\n"
"               [--workers N] [--admin ADDR:PORT] [--control PATH|off]\n"
"               [--access-log -|PATH|off] [--drain-timeout D]\n"
"               [--header-timeout D] [--idle-timeout D] [--poll D]\n"
"               [--stats-interval D|off] [--log-format text|json] [-n]\n"
"       gwproxy -h | --help | --version\n"
"options:\n"
"  --db PATH               the database (default $GW_DB, else ./gw.db)\n"
"  --listen ADDR:PORT      accept clients there; repeatable; port 0 picks\n"
"                          a free one (logged)\n"
"  --workers N             worker threads (default: the number of CPUs)\n"
"  --admin ADDR:PORT       /metrics, /ready and /healthz (default off)\n"
"  --control PATH|off      control socket (default gwproxy.sock next to\n"
"                          the database)\n"
"  --access-log -|PATH|off JSON lines per request (default off)\n"
"  --drain-timeout D       how long SIGTERM waits for requests (default 30s)\n"
"  --header-timeout D      time for a whole request head (default 10s)\n"
"  --idle-timeout D        keep-alive wait for a next request (default 1m)\n"
"  --poll D                how often to check the database (default 1s)\n"
"  --stats-interval D|off  how often to write traffic_stats (default 5s)\n"
"  --log-format text|json  log lines on stderr (default text)\n"
"  -n                      check the configuration and exit\n";

#define usage(status, ...) \
	gw_usage("gwproxy", usage_text, (status), __VA_ARGS__)

struct snapshot *
proxy_snapshot(void)
{
	struct snapshot *sn;

	pthread_mutex_lock(&px.px_snap_mtx);
	sn = px.px_snap;
	snapshot_ref(sn);
	pthread_mutex_unlock(&px.px_snap_mtx);
	return sn;
}

void
proxy_snapshot_set(struct snapshot *sn)
{
	struct snapshot *old;

	pthread_mutex_lock(&px.px_snap_mtx);
	old = px.px_snap;
	px.px_snap = sn;
	atomic_fetch_add_explicit(&px.px_snap_seq, 1, memory_order_release);
	pthread_mutex_unlock(&px.px_snap_mtx);
	if (old != NULL)
		snapshot_unref(old);
}

/*
 * Asks the reload thread for a new snapshot now (thread-safe).  Returns
 * the ask's number: once reload_done_seq reaches it, an attempt that
 * began after the ask has finished (reload_last_ok says how).
 */
uint64_t
proxy_reload(void)
{
	uint64_t seq;

	pthread_mutex_lock(&reload_mtx);
	reload_asked = 1;
	seq = ++reload_ask_seq;
	pthread_cond_signal(&reload_cond);
	pthread_mutex_unlock(&reload_mtx);
	return seq;
}

/*
 * Builds and installs a new snapshot.  The fingerprint is read first, so
 * a commit that lands between it and the build is seen again at the next
 * poll (one extra build), never missed.  A snapshot that fails validation
 * keeps its fingerprint too: the same content is not retried at every
 * unrelated commit, only when it changes or a reload is asked for.
 */
static int
load_snapshot(sqlite3 *db, const char *why)
{
	struct snapshot	*sn;
	char		 errbuf[1024];

	if (store_fingerprint(db, &reload_fp, errbuf, sizeof(errbuf)) == -1)
		reload_fp = 0;
	atomic_fetch_add(&px.px_reloads, 1);
	if ((sn = store_snapshot(db, errbuf, sizeof(errbuf))) == NULL) {
		atomic_fetch_add(&px.px_reload_failures, 1);
		gw_log(GW_LOG_ERROR, "reload (%s) rejected, still serving "
		    "generation %lld: %s", why, (long long)px.px_snap->
		    sn_generation, errbuf);
		return -1;
	}
	gw_log(GW_LOG_INFO, "reload (%s): generation %lld, %zu services, "
	    "%zu backends, %zu routes", why, (long long)sn->sn_generation,
	    sn->sn_cf.cf_nservices, sn->sn_cf.cf_nbackends,
	    sn->sn_cf.cf_nroutes);
	proxy_snapshot_set(sn);
	return 0;
}

int
proxy_reload_wait(int64_t timeout_ms)
{
	struct timespec	ts = { 0, 2 * 1000 * 1000 };
	uint64_t	seq = proxy_reload();
	int64_t		deadline = gw_mono_ms() + timeout_ms;

	while (atomic_load(&reload_done_seq) < seq &&
	    gw_mono_ms() < deadline)
		nanosleep(&ts, NULL);
	if (atomic_load(&reload_done_seq) < seq)
		return -1;
	return atomic_load(&reload_last_ok) ? 0 : -1;
}

/*
 * Whether what the snapshot is built from changed.  data_version moves
 * for every commit of another connection, and most are not about the
 * config: our own stats flush every few seconds, other gwproxy
 * instances' flushes, gwhealth's probe times.  Rebuilding for those would
 * reset every worker's balancer state each time.  When the fingerprint
 * cannot be read, rebuild: that is the safe side.
 */
static int
config_changed(sqlite3 *db)
{
	uint64_t	fp;
	char		errbuf[256];

	if (store_fingerprint(db, &fp, errbuf, sizeof(errbuf)) == -1)
		return 1;
	return fp != reload_fp;
}

/*
 * The reload thread: wakes every poll interval to compare PRAGMA
 * data_version (any commit by another connection, a hand edit included)
 * and then the fingerprint, or at once when asked.  It owns its DB
 * connection.  seen starts unknown, so the first poll also catches a
 * commit made while main() was starting up after the first snapshot.
 */
static void *
reload_main(void *arg)
{
	sqlite3		*db = arg;
	struct timespec	 ts;
	int64_t		 seen = -1, v;
	uint64_t	 taken;
	int		 asked;

	for (;;) {
		pthread_mutex_lock(&reload_mtx);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += poll_ms / 1000;
		ts.tv_nsec += (poll_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		while (!reload_asked && !reload_quit &&
		    pthread_cond_timedwait(&reload_cond, &reload_mtx, &ts) == 0)
			;
		asked = reload_asked;
		taken = reload_ask_seq;
		reload_asked = 0;
		pthread_mutex_unlock(&reload_mtx);
		if (reload_quit)
			break;
		v = gw_db_data_version(db);
		if (asked) {
			atomic_store(&reload_last_ok,
			    load_snapshot(db, "asked") == 0);
			atomic_store(&reload_done_seq, taken);
		} else if (v != seen && config_changed(db))
			load_snapshot(db, "database changed");
		seen = v;
	}
	return NULL;
}

/* Binds one listening socket; port 0 is resolved by the first bind. */
static int
listen_socket(struct sockaddr_storage *ss, socklen_t len, char *errbuf,
    size_t errlen)
{
	int fd, one = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1 ||
	    (ss->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) == -1) ||
	    bind(fd, (struct sockaddr *)ss, len) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		snprintf(errbuf, errlen, "%s", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (getsockname(fd, (struct sockaddr *)ss, &len) == -1) {
		snprintf(errbuf, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
listen_parse(const char *arg)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	struct sockaddr_storage	*ss;
	struct gw_addr		 a;
	const char		*errstr;

	if (px.px_nlisten == PX_LISTEN_MAX)
		usage(2, "more than %d --listen", PX_LISTEN_MAX);
	if (gw_addr_parse(arg, GW_ADDR_LISTEN, &a, &errstr) == -1)
		errx(1, "invalid --listen \"%s\": %s", arg, errstr);
	ss = &px.px_listen[px.px_nlisten];
	memset(ss, 0, sizeof(*ss));
	if (a.ad_family == GW_ADDR_INET6) {
		sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)a.ad_port);
		inet_pton(AF_INET6, a.ad_host, &sin6->sin6_addr);
		px.px_listen_len[px.px_nlisten] = sizeof(*sin6);
	} else if (a.ad_family == GW_ADDR_INET || a.ad_family == GW_ADDR_ANY) {
		sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)a.ad_port);
		if (a.ad_family == GW_ADDR_INET)
			inet_pton(AF_INET, a.ad_host, &sin->sin_addr);
		px.px_listen_len[px.px_nlisten] = sizeof(*sin);
	} else
		errx(1, "invalid --listen \"%s\": an IP address is needed, "
		    "not a name", arg);
	px.px_nlisten++;
}

static void
fmt_sockaddr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)ss)->sin6_addr, host, sizeof(host));
		gw_addr_fmt(host, ntohs(((const struct sockaddr_in6 *)
		    (const void *)ss)->sin6_port), buf, len);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)ss)->sin_addr, host, sizeof(host));
		gw_addr_fmt(host, ntohs(((const struct sockaddr_in *)
		    (const void *)ss)->sin_port), buf, len);
	}
}

static int64_t
duration_opt(const char *name, const char *arg)
{
	const char	*errstr;
	int64_t		 ms;

	if (gw_duration_parse(arg, &ms, &errstr) == -1)
		errx(1, "invalid --%s \"%s\": %s", name, arg, errstr);
	if (ms < 1)
		errx(1, "invalid --%s \"%s\": must be at least 1ms", name, arg);
	return ms;
}

enum {
	O_DB = 256, O_LISTEN, O_WORKERS, O_ADMIN, O_CONTROL, O_ACCESS,
	O_DRAIN, O_HEADER, O_IDLE, O_POLL, O_STATS, O_LOGFMT, O_VERSION
};

static const struct option longopts[] = {
	{ "db",			required_argument,	NULL,	O_DB },
	{ "listen",		required_argument,	NULL,	O_LISTEN },
	{ "workers",		required_argument,	NULL,	O_WORKERS },
	{ "admin",		required_argument,	NULL,	O_ADMIN },
	{ "control",		required_argument,	NULL,	O_CONTROL },
	{ "access-log",		required_argument,	NULL,	O_ACCESS },
	{ "drain-timeout",	required_argument,	NULL,	O_DRAIN },
	{ "header-timeout",	required_argument,	NULL,	O_HEADER },
	{ "idle-timeout",	required_argument,	NULL,	O_IDLE },
	{ "poll",		required_argument,	NULL,	O_POLL },
	{ "stats-interval",	required_argument,	NULL,	O_STATS },
	{ "log-format",		required_argument,	NULL,	O_LOGFMT },
	{ "help",		no_argument,		NULL,	'h' },
	{ "version",		no_argument,		NULL,	O_VERSION },
	{ NULL,			0,			NULL,	0 }
};

/* Parsed options that main() acts on after parsing. */
struct opts {
	const char		*o_db;
	const char		*o_admin;
	const char		*o_control;
	const char		*o_access;
	enum gw_log_format	 o_logfmt;
	int64_t			 o_stats_ms;	/* 0: off */
	int			 o_check;
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	const char	*errstr;
	int		 c;

	while ((c = getopt_long(argc, argv, ":hn", longopts, NULL)) != -1) {
		switch (c) {
		case O_DB:
			o->o_db = optarg;
			break;
		case O_LISTEN:
			listen_parse(optarg);
			break;
		case O_WORKERS:
			px.px_nworkers = (int)gw_strtonum(optarg, 1, 256,
			    &errstr);
			if (errstr != NULL)
				errx(1, "invalid --workers \"%s\": %s (1..256)",
				    optarg, errstr);
			break;
		case O_ADMIN:
			o->o_admin = optarg;
			break;
		case O_CONTROL:
			o->o_control = optarg;
			break;
		case O_ACCESS:
			o->o_access = optarg;
			break;
		case O_DRAIN:
			px.px_drain_timeout_ms = duration_opt("drain-timeout",
			    optarg);
			break;
		case O_HEADER:
			px.px_header_timeout_ms = duration_opt(
			    "header-timeout", optarg);
			break;
		case O_IDLE:
			px.px_idle_timeout_ms = duration_opt("idle-timeout",
			    optarg);
			break;
		case O_POLL:
			poll_ms = duration_opt("poll", optarg);
			break;
		case O_STATS:
			o->o_stats_ms = strcmp(optarg, "off") == 0 ? 0 :
			    duration_opt("stats-interval", optarg);
			break;
		case O_LOGFMT:
			if (gw_log_format_parse(optarg, &o->o_logfmt,
			    &errstr) == -1)
				errx(1, "invalid --log-format \"%s\": %s",
				    optarg, errstr);
			break;
		case 'n':
			o->o_check = 1;
			break;
		case 'h':
			usage(0, NULL);
		case O_VERSION:
			printf("gwproxy %s\n", GWPROXY_VERSION);
			exit(0);
		case ':':
			usage(2, "option %s needs an argument",
			    argv[optind - 1]);
		default:
			usage(2, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc)
		usage(2, "unexpected argument \"%s\"", argv[optind]);
}

static void
open_access_log(const char *arg)
{
	px.px_access_fd = -1;
	if (arg == NULL || strcmp(arg, "off") == 0)
		return;
	if (strcmp(arg, "-") == 0) {
		px.px_access_fd = STDOUT_FILENO;
		return;
	}
	px.px_access_fd = open(arg, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640);
	if (px.px_access_fd == -1)
		err(1, "--access-log %s", arg);
}

static void
start_workers(void)
{
	char	errbuf[256], name[GW_ADDR_STR_MAX];
	int	i, l, fd;

	px.px_workers = gw_calloc((size_t)px.px_nworkers,
	    sizeof(*px.px_workers));
	for (i = 0; i < px.px_nworkers; i++)
		if (worker_init(&px.px_workers[i], i, errbuf,
		    sizeof(errbuf)) == -1)
			errx(1, "worker %d: %s", i, errbuf);
	/* One socket per listener per worker: SO_REUSEPORT spreads load. */
	for (l = 0; l < px.px_nlisten; l++) {
		for (i = 0; i < px.px_nworkers; i++) {
			fd = listen_socket(&px.px_listen[l],
			    px.px_listen_len[l], errbuf, sizeof(errbuf));
			fmt_sockaddr(&px.px_listen[l], name, sizeof(name));
			if (fd == -1)
				errx(1, "--listen %s: %s", name, errbuf);
			if (worker_listen(&px.px_workers[i], fd, errbuf,
			    sizeof(errbuf)) == -1)
				errx(1, "--listen %s: %s", name, errbuf);
		}
		gw_log(GW_LOG_INFO, "listening on %s", name);
	}
	for (i = 0; i < px.px_nworkers; i++)
		if (pthread_create(&px.px_workers[i].w_thread, NULL,
		    worker_main, &px.px_workers[i]) != 0)
			errx(1, "cannot start worker %d", i);
}

/*
 * SIGTERM: /ready fails, listeners stop, idle connections close, requests
 * in flight finish (with Connection: close) until the drain timeout.
 */
static void
drain(void)
{
	struct timespec	ts = { 0, 20 * 1000 * 1000 };
	int64_t		deadline = gw_mono_ms() + px.px_drain_timeout_ms;
	int		i;

	atomic_store(&px.px_draining, 1);
	for (i = 0; i < px.px_nworkers; i++)
		worker_drain(&px.px_workers[i]);
	while (stats_connections() > 0 && gw_mono_ms() < deadline)
		nanosleep(&ts, NULL);
	if (stats_connections() > 0)
		gw_log(GW_LOG_WARNING, "drain timeout: closing %llu "
		    "connections", (unsigned long long)stats_connections());
	for (i = 0; i < px.px_nworkers; i++)
		worker_stop(&px.px_workers[i]);
	for (i = 0; i < px.px_nworkers; i++)
		pthread_join(px.px_workers[i].w_thread, NULL);
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	pthread_t	 reload_thread;
	sigset_t	 set;
	sqlite3		*db;
	const char	*path;
	char		 errbuf[1024];
	long		 ncpu;
	int		 sig;

	memset(&o, 0, sizeof(o));
	o.o_stats_ms = STATS_INTERVAL_MS;
	px.px_drain_timeout_ms = PX_DRAIN_TIMEOUT_MS;
	px.px_header_timeout_ms = PX_HEADER_TIMEOUT_MS;
	px.px_idle_timeout_ms = PX_IDLE_TIMEOUT_MS;
	parse_opts(argc, argv, &o);
	gw_log_init("gwproxy", o.o_logfmt, GW_LOG_INFO);
	if (px.px_nlisten == 0 && !o.o_check)
		usage(2, "missing --listen");
	if (px.px_nworkers == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		px.px_nworkers = ncpu > 0 ? (int)ncpu : 1;
	}
	if (sodium_init() == -1)
		errx(1, "libsodium cannot start");
	if (evthread_use_pthreads() == -1)
		errx(1, "libevent has no thread support");
	pthread_mutex_init(&px.px_snap_mtx, NULL);

	path = gw_db_path(o.o_db);
	px.px_db_path = path;
	if ((db = gw_db_open(path, 0, errbuf, sizeof(errbuf))) == NULL)
		errx(1, "%s: %s", path, errbuf);
	if (store_fingerprint(db, &reload_fp, errbuf, sizeof(errbuf)) == -1)
		reload_fp = 0;
	if ((px.px_snap = store_snapshot(db, errbuf, sizeof(errbuf))) == NULL)
		errx(1, "%s: configuration rejected: %s", path, errbuf);
	if (o.o_check) {
		printf("configuration OK\n");
		snapshot_unref(px.px_snap);
		gw_db_close(db);
		return 0;
	}
	open_access_log(o.o_access);
	if (o.o_control == NULL)
		px.px_control_path = gw_ctl_default_path(path);
	else if (strcmp(o.o_control, "off") != 0)
		px.px_control_path = gw_strdup(o.o_control);

	/* Signals go to main only; every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	stats_init(px.px_nworkers);
	if (admin_start(o.o_admin, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	start_workers();
	if (admin_run(errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	if (stats_flush_start(path, o.o_stats_ms, errbuf, sizeof(errbuf)) ==
	    -1)
		errx(1, "%s: %s", path, errbuf);
	if (pthread_create(&reload_thread, NULL, reload_main, db) != 0)
		errx(1, "cannot start the reload thread");
	gw_log(GW_LOG_INFO, "gwproxy %s: generation %lld, %d workers",
	    GWPROXY_VERSION, (long long)px.px_snap->sn_generation,
	    px.px_nworkers);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			proxy_reload();
			continue;
		}
		gw_log(GW_LOG_INFO, "%s: draining (up to %lld ms)",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT",
		    (long long)px.px_drain_timeout_ms);
		break;
	}
	drain();
	admin_stop();
	/* After the workers stopped: the last flush has every request. */
	stats_flush_stop();
	pthread_mutex_lock(&reload_mtx);
	reload_quit = 1;
	pthread_cond_signal(&reload_cond);
	pthread_mutex_unlock(&reload_mtx);
	pthread_join(reload_thread, NULL);
	gw_db_close(db);
	snapshot_unref(px.px_snap);
	gw_log(GW_LOG_INFO, "stopped");
	return 0;
}
