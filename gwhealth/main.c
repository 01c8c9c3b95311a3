/*
 * gwhealth: the active health checker of gw.  main() parses the options,
 * loads and validates the config (refusing to start without a valid
 * one), then either runs one round (--once, once.c) or runs the daemon:
 * one event loop with every check (hce.c), the DB poll, DNS discovery
 * and gwproxy notification, and the writer thread.  SIGHUP reloads,
 * SIGTERM and SIGINT stop, SIGUSR1 logs the stats since the last one.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "addr.h"
#include "cfgdb.h"
#include "check.h"
#include "config.h"
#include "ctl.h"
#include "db.h"
#include "discover.h"
#include "duration.h"
#include "gwhealth.h"
#include "hce.h"
#include "log.h"
#include "notify.h"
#include "once.h"
#include "store.h"
#include "str.h"
#include "writer.h"

static const char usage_text[] =
"usage: gwhealth [--db PATH] [--once [-o text|json]] [--control PATH|off]\n"
"                [--poll D] [--retention D|off] [--stats-interval D|off]\n"
"                [--max-checks N] [--http-reuse on|off] [--resolv-conf PATH]\n"
"                [--dns-server ADDR:PORT] [--log-format text|json] [-nv]\n"
"       gwhealth -h | --help | --version\n"
"options:\n"
"  --db PATH               the database (default $GW_DB, else ./gw.db)\n"
"  --once                  check every backend once, write, exit 0 when\n"
"                          every service has a healthy backend, else 1\n"
"  -o text|json            with --once: print a summary (default none)\n"
"  --control PATH|off      gwproxy's control socket, told to reload on\n"
"                          each change (default gwproxy.sock next to the\n"
"                          database)\n"
"  --poll D                how often to check the database for config\n"
"                          changes (default 1s)\n"
"  --retention D|off       how long transitions are kept (default 7d)\n"
"  --stats-interval D|off  how often to log the stats line (default 1m)\n"
"  --max-checks N          checks in flight at once (default 1024)\n"
"  --http-reuse on|off     keep the connection of an http check for the\n"
"                          backend's next check (default on)\n"
"  --resolv-conf PATH      resolver configuration for backend names and\n"
"                          discovery (default /etc/resolv.conf)\n"
"  --dns-server ADDR:PORT  ask this name server only, instead\n"
"  --log-format text|json  log lines on stderr (default text)\n"
"  -n                      check the configuration and exit\n"
"  -v                      log every check (debug level)\n";

#define usage(status, ...) \
	gw_usage("gwhealth", usage_text, (status), __VA_ARGS__)

enum {
	O_DB = 256, O_ONCE, O_CONTROL, O_POLL, O_RETENTION, O_STATS,
	O_MAX_CHECKS, O_HTTP_REUSE, O_RESOLV, O_DNS_SERVER, O_LOGFMT,
	O_VERSION
};

static const struct option longopts[] = {
	{ "db",			required_argument,	NULL,	O_DB },
	{ "once",		no_argument,		NULL,	O_ONCE },
	{ "control",		required_argument,	NULL,	O_CONTROL },
	{ "poll",		required_argument,	NULL,	O_POLL },
	{ "retention",		required_argument,	NULL,	O_RETENTION },
	{ "stats-interval",	required_argument,	NULL,	O_STATS },
	{ "max-checks",		required_argument,	NULL,	O_MAX_CHECKS },
	{ "http-reuse",		required_argument,	NULL,	O_HTTP_REUSE },
	{ "resolv-conf",	required_argument,	NULL,	O_RESOLV },
	{ "dns-server",		required_argument,	NULL,	O_DNS_SERVER },
	{ "log-format",		required_argument,	NULL,	O_LOGFMT },
	{ "help",		no_argument,		NULL,	'h' },
	{ "version",		no_argument,		NULL,	O_VERSION },
	{ NULL,			0,			NULL,	0 }
};

/* The options, and the state of the daemon's loop. */
struct gh {
	const char		*g_db_path;
	const char		*g_control_opt;
	char			*g_control;	/* NULL: off */
	const char		*g_resolv;
	const char		*g_dns_server;
	const char		*g_output;	/* --once -o, or NULL */
	enum gw_log_format	 g_logfmt;
	int64_t			 g_poll_ms;
	int64_t			 g_retention_ms;	/* 0: keep */
	int64_t			 g_stats_ms;	/* 0: off */
	size_t			 g_max_checks;
	size_t			 g_max_kept;	/* kept connections */
	int			 g_reuse;	/* --http-reuse */
	int			 g_once;
	int			 g_check;
	int			 g_verbose;

	sqlite3			*g_db;
	struct event_base	*g_base;
	struct evdns_base	*g_dns;
	struct hce		*g_hce;
	struct writer		*g_writer;
	struct notify		*g_notify;
	struct discover		*g_disc;
	int64_t			 g_seen;	/* data_version polled */
	uint64_t		 g_fp;		/* fingerprint loaded */
	int64_t			 g_gen;		/* generation loaded */
	int64_t			 g_stats_at;	/* mono ms of the last line */
	int64_t			 g_mark_at;	/* mono ms of SIGUSR1 */
	int64_t			 g_start_ms;	/* mono */
};

static int64_t
duration_opt(const char *name, const char *arg, int off_ok)
{
	const char	*errstr;
	int64_t		 ms;

	if (off_ok && strcmp(arg, "off") == 0)
		return 0;
	if (gw_duration_parse(arg, &ms, &errstr) == -1)
		errx(1, "invalid --%s \"%s\": %s", name, arg, errstr);
	if (ms < 1)
		errx(1, "invalid --%s \"%s\": must be at least 1ms", name, arg);
	return ms;
}

static void
parse_opts(int argc, char **argv, struct gh *g)
{
	const char	*errstr;
	int		 c;

	while ((c = getopt_long(argc, argv, ":hno:v", longopts, NULL)) != -1) {
		switch (c) {
		case O_DB:
			g->g_db_path = optarg;
			break;
		case O_ONCE:
			g->g_once = 1;
			break;
		case 'o':
			if (strcmp(optarg, "text") != 0 &&
			    strcmp(optarg, "json") != 0)
				usage(2, "invalid -o \"%s\": expected text or "
				    "json", optarg);
			g->g_output = optarg;
			break;
		case O_CONTROL:
			g->g_control_opt = optarg;
			break;
		case O_POLL:
			g->g_poll_ms = duration_opt("poll", optarg, 0);
			break;
		case O_RETENTION:
			g->g_retention_ms = duration_opt("retention", optarg,
			    1);
			break;
		case O_STATS:
			g->g_stats_ms = duration_opt("stats-interval", optarg,
			    1);
			break;
		case O_MAX_CHECKS:
			g->g_max_checks = (size_t)gw_strtonum(optarg, 1,
			    1000000, &errstr);
			if (errstr != NULL)
				errx(1, "invalid --max-checks \"%s\": %s "
				    "(1..1000000)", optarg, errstr);
			break;
		case O_HTTP_REUSE:
			if (strcmp(optarg, "on") != 0 &&
			    strcmp(optarg, "off") != 0)
				usage(2, "invalid --http-reuse \"%s\": "
				    "expected on or off", optarg);
			g->g_reuse = strcmp(optarg, "on") == 0;
			break;
		case O_RESOLV:
			g->g_resolv = optarg;
			break;
		case O_DNS_SERVER:
			g->g_dns_server = optarg;
			break;
		case O_LOGFMT:
			if (gw_log_format_parse(optarg, &g->g_logfmt,
			    &errstr) == -1)
				errx(1, "invalid --log-format \"%s\": %s",
				    optarg, errstr);
			break;
		case 'n':
			g->g_check = 1;
			break;
		case 'v':
			g->g_verbose = 1;
			break;
		case 'h':
			usage(0, NULL);
		case O_VERSION:
			printf("gwhealth %s\n", GWHEALTH_VERSION);
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
	if (g->g_output != NULL && !g->g_once)
		usage(2, "-o needs --once");
	if (g->g_resolv != NULL && g->g_dns_server != NULL)
		usage(2, "--resolv-conf and --dns-server exclude each other");
}

/* libevent's own messages (evdns's above all) as our log lines. */
static void
gh_event_log(int severity, const char *msg)
{
	gw_log(severity == EVENT_LOG_ERR ? GW_LOG_ERROR :
	    severity == EVENT_LOG_WARN ? GW_LOG_WARNING :
	    severity == EVENT_LOG_MSG ? GW_LOG_INFO : GW_LOG_DEBUG,
	    "libevent: %s", msg);
}

/* The first problem validation found, and how many there were. */
struct gh_report {
	const struct gw_config	*gr_cf;
	char			*gr_buf;
	size_t			 gr_len;
	int			 gr_n;
};

static void
gh_report_one(void *arg, enum gw_kind kind, size_t index, const char *field,
    const char *msg)
{
	struct gh_report	*gr = arg;
	char			 id[GW_ADDR_STR_MAX + 80];
	const char		*name;

	if (gr->gr_n++ > 0)
		return;
	if (kind == GW_KIND_SERVICE)
		name = gr->gr_cf->cf_services[index].sv_name;
	else if (kind == GW_KIND_BACKEND)
		name = gw_backend_id(&gr->gr_cf->cf_backends[index], id,
		    sizeof(id));
	else
		name = gr->gr_cf->cf_routes[index].rt_name;
	snprintf(gr->gr_buf, gr->gr_len, "%s \"%s\": %s%s%s",
	    gw_kind_names[kind], name ? name : "", field ? field : "",
	    field ? ": " : "", msg);
}

int
gh_load(sqlite3 *db, struct gw_config *cf, struct store_backend **bes,
    int64_t *gen, char *errbuf, size_t errlen)
{
	struct gh_report	 gr = { cf, errbuf, errlen, 0 };
	struct gw_report	 rp = { gh_report_one, &gr };
	char			 more[32];

	if (store_load(db, cf, bes, gen, errbuf, errlen) == -1)
		return -1;
	if (gw_config_validate(cf, &rp) == 0 && gr.gr_n == 0)
		return 0;
	if (gr.gr_n > 1) {
		snprintf(more, sizeof(more), " (and %d more)", gr.gr_n - 1);
		gw_strlcat(errbuf, more, errlen);
	}
	gw_config_free(cf);
	free(*bes);
	*bes = NULL;
	return -1;
}

/*
 * Room for max_checks sockets, and with --http-reuse on for up to
 * GH_KEPT_MAX kept connections besides: the soft limit raised (up to the
 * hard one), or the caps lowered.  Kept connections get what is left.
 */
static void
fd_limit(struct gh *g)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)g->g_max_checks + GH_FD_RESERVE;
	rlim_t		want = need + (g->g_reuse ? GH_KEPT_MAX : 0);

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max >= want ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return;
	}
	if (rl.rlim_cur < need) {
		g->g_max_checks = rl.rlim_cur > GH_FD_RESERVE + 1 ?
		    (size_t)(rl.rlim_cur - GH_FD_RESERVE) : 1;
		gw_log(GW_LOG_WARNING, "descriptor limit %llu: at most %zu "
		    "checks at once", (unsigned long long)rl.rlim_cur,
		    g->g_max_checks);
	} else if (g->g_reuse)
		g->g_max_kept = (size_t)(rl.rlim_cur - need);
}

static struct evdns_base *
dns_open(struct gh *g)
{
	struct evdns_base	*dns;
	const char		*conf;
	int			 rc;

	if ((dns = evdns_base_new(g->g_base, 0)) == NULL)
		errx(1, "cannot start the DNS resolver");
	if (g->g_dns_server != NULL) {
		if (evdns_base_nameserver_ip_add(dns, g->g_dns_server) != 0)
			errx(1, "invalid --dns-server \"%s\": expected an IP "
			    "address and a port", g->g_dns_server);
		return dns;
	}
	conf = g->g_resolv != NULL ? g->g_resolv : "/etc/resolv.conf";
	rc = evdns_base_resolv_conf_parse(dns, DNS_OPTIONS_ALL, conf);
	/* 1: no such file; then evdns asks 127.0.0.1, as libc would. */
	if (rc != 0 && (g->g_resolv != NULL || rc != 1))
		gw_log(GW_LOG_WARNING, "resolver configuration %s unusable "
		    "(error %d); asking 127.0.0.1", conf, rc);
	return dns;
}

static void
gh_stats_line(struct gh *g, const char *what, const struct hce_count *ct,
    int64_t ms)
{
	char d[32];

	gw_log(GW_LOG_INFO, "stats %s %s: %llu checks, %llu failed, %llu "
	    "transitions, %llu connects; lateness p50 %.1f ms, p99 %.1f ms, "
	    "max %.1f ms; %zu backends, %zu checks in flight, %zu waiting, %zu "
	    "connections kept", what, gw_duration_fmt(ms, d, sizeof(d)),
	    (unsigned long long)ct->ct_checks,
	    (unsigned long long)ct->ct_failed,
	    (unsigned long long)ct->ct_transitions,
	    (unsigned long long)ct->ct_connects,
	    (double)sched_hist_pct(&ct->ct_late, 50) / 1000.0,
	    (double)sched_hist_pct(&ct->ct_late, 99) / 1000.0,
	    (double)ct->ct_late.sh_max / 1000.0, hce_ntargets(g->g_hce),
	    hce_inflight(g->g_hce), hce_waiting(g->g_hce),
	    hce_kept(g->g_hce));
}

/* Reads the config again; keeps the checks running on failure. */
static void
gh_reload(struct gh *g, const char *why)
{
	struct gw_config	 cf;
	struct store_backend	*bes;
	char			 errbuf[1024];
	int64_t			 gen;
	uint64_t		 fp;

	if (store_fingerprint(g->g_db, &fp, errbuf, sizeof(errbuf)) == -1)
		fp = 0;
	if (gh_load(g->g_db, &cf, &bes, &gen, errbuf, sizeof(errbuf)) == -1) {
		gw_log(GW_LOG_ERROR, "reload (%s) rejected, still checking "
		    "generation %lld: %s", why, (long long)g->g_gen, errbuf);
		g->g_fp = fp;
		return;
	}
	g->g_fp = fp;
	g->g_gen = gen;
	hce_load(g->g_hce, &cf, bes, 0);
	discover_sync(g->g_disc, &cf);
	gw_log(GW_LOG_INFO, "reload (%s): generation %lld, %zu backends "
	    "checked", why, (long long)gen, hce_ntargets(g->g_hce));
	gw_config_free(&cf);
	free(bes);
}

/*
 * The poll: PRAGMA data_version moves with any commit of another
 * connection (a hand edit included); the fingerprint tells whether the
 * config is what moved, and not gwproxy's stats or our own writes.
 */
static void
gh_poll(evutil_socket_t fd, short what, void *arg)
{
	struct gh	*g = arg;
	char		 errbuf[256];
	int64_t		 v;
	uint64_t	 fp;

	(void)fd;
	(void)what;
	v = gw_db_data_version(g->g_db);
	if (v == g->g_seen)
		return;
	g->g_seen = v;
	if (store_fingerprint(g->g_db, &fp, errbuf, sizeof(errbuf)) == 0 &&
	    fp == g->g_fp)
		return;
	gh_reload(g, "database changed");
}

static int
gh_offer(void *arg, struct store_batch *bt)
{
	return writer_offer(arg, bt);
}

static void
gh_flush(evutil_socket_t fd, short what, void *arg)
{
	struct gh *g = arg;

	(void)fd;
	(void)what;
	hce_flush(g->g_hce, gh_offer, g->g_writer);
}

static void
gh_stats(evutil_socket_t fd, short what, void *arg)
{
	struct gh		*g = arg;
	struct hce_count	 ct;
	int64_t			 now = gw_mono_ms();

	(void)fd;
	(void)what;
	hce_counts(g->g_hce, HCE_WINDOW, &ct);
	gh_stats_line(g, "for the last", &ct, now - g->g_stats_at);
	g->g_stats_at = now;
}

/*
 * The writer committed transitions (gwproxy should serve them now), or
 * discovery changed backends (load them now, not at the next poll), or
 * it is free again while transitions wait (hand them over now).
 */
static void
gh_writer(evutil_socket_t fd, short what, void *arg)
{
	struct gh	*g = arg;
	int		 ev;

	(void)fd;
	(void)what;
	ev = writer_events(g->g_writer);
	if (ev & WRITER_WRITTEN)
		notify_reload(g->g_notify);
	if (ev & WRITER_CHANGED)
		gh_poll(-1, 0, g);
	if ((ev & WRITER_DONE) && hce_batch(g->g_hce)->bt_ntrans > 0)
		hce_flush(g->g_hce, gh_offer, g->g_writer);
}

static void
gh_discovered(void *arg, struct store_disc *sd)
{
	struct gh *g = arg;

	writer_discover(g->g_writer, sd);
}

static void
gh_signal(evutil_socket_t sig, short what, void *arg)
{
	struct gh		*g = arg;
	struct hce_count	 ct;

	(void)what;
	switch (sig) {
	case SIGHUP:
		gh_reload(g, "SIGHUP");
		break;
	case SIGUSR1:
		hce_counts(g->g_hce, HCE_MARK, &ct);
		gh_stats_line(g, "for the last", &ct,
		    gw_mono_ms() - g->g_mark_at);
		g->g_mark_at = gw_mono_ms();
		break;
	default:
		gw_log(GW_LOG_INFO, "%s: stopping",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT");
		event_base_loopbreak(g->g_base);
		break;
	}
}

static struct event *
timer_every(struct gh *g, int64_t ms, event_callback_fn fn)
{
	struct event	*ev;
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	ev = event_new(g->g_base, -1, EV_PERSIST, fn, g);
	event_add(ev, &tv);
	return ev;
}

static int
run_daemon(struct gh *g, struct gw_config *cf, struct store_backend *bes)
{
	static const int	 sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	struct event		*evs[4], *ev_poll, *ev_flush, *ev_stats = NULL;
	struct event		*ev_writer, *ev_urgent;
	struct hce_count	 total;
	sqlite3			*wdb;
	const char		*path = gw_db_path(g->g_db_path);
	char			 errbuf[1024], *user;
	size_t			 i;

	if ((wdb = gw_db_open(path, 0, errbuf, sizeof(errbuf))) == NULL)
		errx(1, "%s: %s", path, errbuf);
	user = gw_config_change_user();
	g->g_writer = writer_start(wdb, g->g_retention_ms, user);
	free(user);
	if (g->g_writer == NULL)
		errx(1, "cannot start the writer thread");
	ev_writer = event_new(g->g_base, writer_fd(g->g_writer),
	    EV_READ | EV_PERSIST, gh_writer, g);
	event_add(ev_writer, NULL);
	g->g_notify = notify_new(g->g_base, g->g_control);
	g->g_hce = hce_new(g->g_base, g->g_max_checks, g->g_max_kept, 0);
	g->g_disc = discover_new(g->g_base, g->g_dns, 0, gh_discovered, g);
	/* A transition is written (and gwproxy told) without waiting. */
	ev_urgent = event_new(g->g_base, -1, 0, gh_flush, g);
	hce_on_transition(g->g_hce, ev_urgent);
	hce_load(g->g_hce, cf, bes, 1);
	discover_sync(g->g_disc, cf);
	gw_config_free(cf);
	free(bes);

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 4; i++) {
		evs[i] = evsignal_new(g->g_base, sigs[i], gh_signal, g);
		evsignal_add(evs[i], NULL);
	}
	g->g_seen = gw_db_data_version(g->g_db);
	ev_poll = timer_every(g, g->g_poll_ms, gh_poll);
	ev_flush = timer_every(g, GH_FLUSH_MS, gh_flush);
	g->g_start_ms = g->g_stats_at = g->g_mark_at = gw_mono_ms();
	if (g->g_stats_ms > 0)
		ev_stats = timer_every(g, g->g_stats_ms, gh_stats);
	gw_log(GW_LOG_INFO, "gwhealth %s: generation %lld, %zu backends "
	    "checked", GWHEALTH_VERSION, (long long)g->g_gen,
	    hce_ntargets(g->g_hce));

	event_base_dispatch(g->g_base);

	hce_counts(g->g_hce, HCE_TOTAL, &total);
	gh_stats_line(g, "since the start,", &total,
	    gw_mono_ms() - g->g_start_ms);
	hce_stop(g->g_hce);
	event_free(ev_writer);
	writer_stop(g->g_writer, hce_batch(g->g_hce), GH_STOP_WAIT_MS);
	for (i = 0; i < 4; i++)
		event_free(evs[i]);
	event_free(ev_poll);
	event_free(ev_flush);
	if (ev_stats != NULL)
		event_free(ev_stats);
	event_free(ev_urgent);
	discover_free(g->g_disc);
	notify_free(g->g_notify);
	hce_free(g->g_hce);
	gw_log(GW_LOG_INFO, "stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	struct gh		 g;
	struct gw_config	 cf;
	struct store_backend	*bes;
	struct event_config	*evcfg;
	const char		*path;
	char			 errbuf[1024];
	int			 rc;

	memset(&g, 0, sizeof(g));
	g.g_poll_ms = GH_POLL_MS;
	g.g_retention_ms = GH_RETENTION_MS;
	g.g_stats_ms = GH_STATS_MS;
	g.g_max_checks = GH_MAX_CHECKS;
	g.g_reuse = 1;
	parse_opts(argc, argv, &g);
	/* --once checks each backend one time: nothing to keep. */
	if (g.g_once)
		g.g_reuse = 0;
	gw_log_init("gwhealth", g.g_logfmt, g.g_verbose ? GW_LOG_DEBUG :
	    GW_LOG_INFO);
	event_set_log_callback(gh_event_log);

	path = gw_db_path(g.g_db_path);
	if ((g.g_db = gw_db_open(path, 0, errbuf, sizeof(errbuf))) == NULL)
		errx(1, "%s: %s", path, errbuf);
	if (store_fingerprint(g.g_db, &g.g_fp, errbuf, sizeof(errbuf)) == -1)
		g.g_fp = 0;
	if (gh_load(g.g_db, &cf, &bes, &g.g_gen, errbuf, sizeof(errbuf)) ==
	    -1)
		errx(1, "%s: configuration rejected: %s", path, errbuf);
	if (g.g_check) {
		printf("configuration OK\n");
		gw_config_free(&cf);
		free(bes);
		gw_db_close(g.g_db);
		return 0;
	}
	if (g.g_control_opt == NULL)
		g.g_control = gw_ctl_default_path(path);
	else if (strcmp(g.g_control_opt, "off") != 0)
		g.g_control = gw_strdup(g.g_control_opt);
	fd_limit(&g);
	/*
	 * One thread uses the base: no locks.  Timers keep epoll's
	 * millisecond: checks due within the same millisecond start in one
	 * wake-up (EVENT_BASE_FLAG_PRECISE_TIMER would cost a timerfd update
	 * and a wake-up per check, for lateness nobody needs below 1 ms).
	 */
	if ((evcfg = event_config_new()) == NULL ||
	    event_config_set_flag(evcfg, EVENT_BASE_FLAG_NOLOCK) == -1 ||
	    (g.g_base = event_base_new_with_config(evcfg)) == NULL)
		errx(1, "cannot start the event loop");
	event_config_free(evcfg);
	g.g_dns = dns_open(&g);
	check_init(g.g_base, g.g_dns, g.g_reuse);

	if (g.g_once)
		rc = once_run(g.g_base, g.g_dns, g.g_db, &cf, bes,
		    g.g_max_checks, g.g_control, g.g_output);
	else
		rc = run_daemon(&g, &cf, bes);

	/*
	 * Cancelled lookups call back later: let them, then fail what is
	 * left and let those call back too, so nothing of evdns leaks.
	 */
	event_base_loop(g.g_base, EVLOOP_NONBLOCK);
	evdns_base_free(g.g_dns, 1);
	event_base_loop(g.g_base, EVLOOP_NONBLOCK);
	event_base_free(g.g_base);
	gw_db_close(g.g_db);
	free(g.g_control);
	libevent_global_shutdown();
	return rc;
}
