/*
 * test_stats: gwproxy/stats.c without sockets or a database.  The pure
 * parts (histogram buckets, quantile estimates, label escaping), then the
 * counters through two fake workers: the /metrics page, "show stats" and
 * the flush deltas, with store_stats_write() replaced by a recorder that
 * can play a busy database.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "../../gwproxy/gwproxy.h"
#include "../../gwproxy/stats.h"
#include "../../gwproxy/store.h"
#include "t.h"

/* What stats.c needs from the rest of gwproxy. */
struct proxy px;
static struct snapshot fake_snap = { .sn_generation = 7 };

struct snapshot *
proxy_snapshot(void)
{
	return &fake_snap;
}

void
snapshot_unref(struct snapshot *sn)
{
	(void)sn;
}

/* Passive health is tested in test_outlier.c. */
int
store_outlier_write(sqlite3 *db, const struct store_outlier_ev *ev, size_t n,
    const char *instance, char *errbuf, size_t errlen)
{
	(void)db;
	(void)ev;
	(void)n;
	(void)instance;
	(void)errbuf;
	(void)errlen;
	return 0;
}

/* The heartbeat is written by the flush thread, not tested here (the
 * bats tests of gwscale read it from a real gwproxy). */
int
store_heartbeat(sqlite3 *db, const char *instance, int64_t started_at,
    int64_t now, int64_t interval_ms, int stopping, char *errbuf,
    size_t errlen)
{
	(void)db;
	(void)instance;
	(void)started_at;
	(void)now;
	(void)interval_ms;
	(void)stopping;
	(void)errbuf;
	(void)errlen;
	return 0;
}

/* The recorder standing in for the database. */
#define REC_MAX	16
static struct store_stat_row	rec_rows[REC_MAX];
static char			rec_names[REC_MAX][2][64];
static size_t			rec_n;
static int			rec_calls, rec_busy;
static int64_t			rec_at, rec_interval, rec_prune;

int
store_stats_write(sqlite3 *db, const struct store_stat_row *rows, size_t n,
    int64_t at, int64_t interval_ms, const char *instance,
    int64_t prune_before, int64_t *pruned, char *errbuf, size_t errlen)
{
	size_t i;

	(void)db;
	(void)instance;
	rec_calls++;
	*pruned = 0;
	if (rec_busy) {
		rec_busy--;
		snprintf(errbuf, errlen, "database is locked");
		return -1;
	}
	rec_n = n < REC_MAX ? n : REC_MAX;
	for (i = 0; i < rec_n; i++) {
		rec_rows[i] = rows[i];
		/* The row's names point into stats.c's keys: copy anyway. */
		gw_strlcpy(rec_names[i][0], rows[i].st_service, 64);
		gw_strlcpy(rec_names[i][1], rows[i].st_backend, 64);
	}
	rec_at = at;
	rec_interval = interval_ms;
	rec_prune = prune_before;
	return 0;
}

static const struct store_stat_row *
rec_find(const char *service, const char *backend)
{
	size_t i;

	for (i = 0; i < rec_n; i++)
		if (strcmp(rec_names[i][0], service) == 0 &&
		    strcmp(rec_names[i][1], backend) == 0)
			return &rec_rows[i];
	return NULL;
}

static void
test_bucket(void)
{
	T_INTEQ(stats_bucket(0), 0, "0 s is in the first bucket");
	T_INTEQ(stats_bucket(500000), 0, "0.5 ms is le=0.0005 (inclusive)");
	T_INTEQ(stats_bucket(500001), 1, "just above goes to le=0.001");
	T_INTEQ(stats_bucket(3000000), 3, "3 ms is le=0.005");
	T_INTEQ(stats_bucket(10000000000LL), STATS_NBUCKETS - 1,
	    "10 s is the last finite bucket");
	T_INTEQ(stats_bucket(10000000001LL), STATS_NBUCKETS,
	    "above 10 s is +Inf");
}

static int
near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void
test_quantile(void)
{
	uint64_t b[STATS_NBUCKETS + 1];

	memset(b, 0, sizeof(b));
	T_OK(stats_quantile(b, 0.5) < 0, "an empty histogram has none");
	b[0] = 10;
	T_OK(near(stats_quantile(b, 0.5), 0.00025),
	    "p50 of one bucket interpolates from 0: %g",
	    stats_quantile(b, 0.5));
	memset(b, 0, sizeof(b));
	b[3] = 50;	/* (2.5 ms, 5 ms] */
	T_OK(near(stats_quantile(b, 0.5), 0.00375),
	    "p50 halfway through (2.5ms, 5ms]: %g", stats_quantile(b, 0.5));
	T_OK(near(stats_quantile(b, 1), 0.005), "p100 is the upper bound");
	b[1] = 50;	/* (0.5 ms, 1 ms] */
	T_OK(near(stats_quantile(b, 0.5), 0.001),
	    "p50 at the top of the lower half: %g", stats_quantile(b, 0.5));
	T_OK(near(stats_quantile(b, 0.99), 0.0025 + 0.0025 * 0.98),
	    "p99 in the upper bucket: %g", stats_quantile(b, 0.99));
	memset(b, 0, sizeof(b));
	b[STATS_NBUCKETS] = 3;
	T_OK(near(stats_quantile(b, 0.5), 10),
	    "+Inf answers the largest finite bound");
}

static void
test_escape(void)
{
	struct gw_buf b = { NULL, 0, 0 };

	stats_label_escape(&b, "plain-name:80");
	T_STREQ(gw_buf_str(&b), "plain-name:80", "nothing to escape");
	gw_buf_free(&b);
	stats_label_escape(&b, "a\"b\\c\nd");
	T_STREQ(gw_buf_str(&b), "a\\\"b\\\\c\\nd",
	    "quote, backslash and newline escaped");
	gw_buf_free(&b);
}

static void
req(struct worker *w, const char *svc, const char *rt, const char *be,
    int status, enum px_error err, int64_t ms)
{
	struct stats_req sr;

	memset(&sr, 0, sizeof(sr));
	sr.sr_service = svc;
	sr.sr_route = rt;
	sr.sr_backend = be;
	sr.sr_status = status;
	sr.sr_error = err;
	sr.sr_total_ns = ms * 1000000;
	sr.sr_upstream_ns = be != NULL ? ms * 1000000 : 0;
	sr.sr_bytes_in = 100;
	sr.sr_bytes_out = 1000;
	stats_request(w, &sr);
}

/* Number of lines of page equal to line. */
static int
count_lines(const char *page, const char *line)
{
	const char	*p = page, *nl;
	size_t		 n = strlen(line);
	int		 c = 0;

	for (; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		if ((size_t)(nl - p) == n && memcmp(p, line, n) == 0)
			c++;
	}
	return c;
}

/* Each family has exactly one TYPE line, before its samples. */
static int
families_once(const char *page)
{
	char		 seen[64][96], name[96];
	const char	*p;
	int		 n = 0, i;

	for (p = page; (p = strstr(p, "# TYPE ")) != NULL; p++) {
		if (sscanf(p, "# TYPE %95s", name) != 1)
			return 0;
		for (i = 0; i < n; i++)
			if (strcmp(seen[i], name) == 0)
				return 0;
		if (n == 64)
			return 0;
		gw_strlcpy(seen[n++], name, sizeof(seen[0]));
	}
	return n;
}

/* Two workers: px.px_workers points here for the whole run. */
static struct worker	w[2];

static void
test_counters(void)
{
	struct gw_buf	 page = { NULL, 0, 0 }, text = { NULL, 0, 0 };
	struct gw_buf	 json = { NULL, 0, 0 };
	const char	*s;
	int		 i;

	memset(w, 0, sizeof(w));
	w[0].w_id = 0;
	w[1].w_id = 1;
	px.px_workers = w;
	px.px_nworkers = 2;
	stats_init(2);

	/* Enough names to make the tables grow past their first size. */
	for (i = 0; i < 40; i++) {
		char be[32];

		snprintf(be, sizeof(be), "10.0.0.%d:80", i);
		req(&w[i % 2], "bulk", "bulk", be, 200, PX_E_NONE, 1);
	}
	req(&w[0], "web", "api", "10.0.0.1:80", 200, PX_E_NONE, 3);
	req(&w[1], "web", "api", "10.0.0.1:80", 200, PX_E_NONE, 3);
	req(&w[1], "web", "api", "10.0.0.1:80", 503, PX_E_NONE, 20);
	req(&w[0], "web", "api", NULL, 503, PX_E_NO_HEALTHY_BACKEND, 0);
	req(&w[0], NULL, NULL, NULL, 404, PX_E_NO_ROUTE, 0);
	req(&w[1], "we\"ird", "r\\1", "x\ny:1", 200, PX_E_NONE, 1);
	stats_inflight(&w[0], "web", "10.0.0.1:80", 1);
	stats_inflight(&w[1], "web", "10.0.0.1:80", 1);
	stats_inflight(&w[1], "web", "10.0.0.1:80", -1);
	stats_connect_failed(&w[0], "web", "10.0.0.2:80");

	stats_metrics(&page);
	s = gw_buf_str(&page);
	T_INTEQ(families_once(s), 16, "16 families, each TYPE once");
	T_INTEQ(count_lines(s, "gwproxy_config_generation 7"), 1,
	    "the process metrics are on the page");
	T_INTEQ(count_lines(s, "gwproxy_http_requests_total{service=\"web\","
	    "route=\"api\",backend=\"10.0.0.1:80\",class=\"2xx\"} 2"), 1,
	    "2xx of one backend summed over the workers");
	T_INTEQ(count_lines(s, "gwproxy_http_requests_total{service=\"web\","
	    "route=\"api\",backend=\"\",class=\"error\"} 1"), 1,
	    "a gateway answer is class error, not 5xx");
	T_INTEQ(count_lines(s, "gwproxy_gateway_errors_total{service=\"\","
	    "code=\"no_route\"} 1"), 1, "no_route has no service");
	T_INTEQ(count_lines(s, "gwproxy_request_duration_seconds_bucket{"
	    "service=\"web\",le=\"0.0025\"} 1"), 1,
	    "buckets are cumulative (the 0 ms error)");
	T_INTEQ(count_lines(s, "gwproxy_request_duration_seconds_bucket{"
	    "service=\"web\",le=\"0.005\"} 3"), 1,
	    "buckets are cumulative (two 3 ms)");
	T_INTEQ(count_lines(s, "gwproxy_request_duration_seconds_bucket{"
	    "service=\"web\",le=\"+Inf\"} 4"), 1, "+Inf holds all four");
	T_INTEQ(count_lines(s, "gwproxy_request_duration_seconds_count{"
	    "service=\"web\"} 4"), 1, "_count is the +Inf bucket");
	T_INTEQ(count_lines(s, "gwproxy_request_duration_seconds_sum{"
	    "service=\"web\"} 0.026000"), 1, "_sum in seconds");
	T_INTEQ(count_lines(s, "gwproxy_backend_in_flight_requests{"
	    "service=\"web\",backend=\"10.0.0.1:80\"} 1"), 1,
	    "in flight: +1 +1 -1 over two workers");
	T_INTEQ(count_lines(s, "gwproxy_upstream_connect_failures_total{"
	    "service=\"web\",backend=\"10.0.0.2:80\"} 1"), 1,
	    "connect failures by backend");
	T_OK(strstr(s, "{service=\"we\\\"ird\",route=\"r\\\\1\","
	    "backend=\"x\\ny:1\",class=\"2xx\"} 1\n") != NULL,
	    "label values escaped");
	T_OK(strstr(s, "_total{service=\"bulk\",route=\"bulk\","
	    "backend=\"10.0.0.39:80\",class=\"2xx\"} 1\n") != NULL,
	    "the 40th name survived the tables growing");
	gw_buf_free(&page);

	stats_show(&text, &json);
	s = gw_buf_str(&text);
	T_OK(strstr(s, "service web requests=4 2xx=2 3xx=0 4xx=0 5xx=1 "
	    "errors=1 in_flight=1 p50=") != NULL, "show stats: service line");
	T_OK(strstr(s, "backend web 10.0.0.1:80 requests=3 ") != NULL,
	    "show stats: backend line");
	T_OK(strstr(s, "service - requests=1 ") != NULL,
	    "requests without a service show as \"-\"");
	T_OK(strstr(gw_buf_str(&json), "\"services\":[") != NULL &&
	    strstr(gw_buf_str(&json), "\"backend\":\"10.0.0.1:80\","
	    "\"requests\":3,") != NULL, "show stats: JSON fields");
	gw_buf_free(&text);
	gw_buf_free(&json);
}

/* A flush time: ms since the epoch, late 2026. */
#define T0	1795000000000LL

static void
test_flush(void)
{
	const struct store_stat_row	*r;
	char				 errbuf[128];
	int				 rc;

	/* The counts of test_counters() so far, as one first interval. */
	rc = stats_flush_now(NULL, T0, errbuf, sizeof(errbuf));
	T_INTEQ(rc, 0, "first flush");
	T_OK((r = rec_find("web", "")) != NULL && r->st_requests == 4 &&
	    r->st_responses[0] == 2 && r->st_responses[3] == 1 &&
	    r->st_gateway_errors == 1 && r->st_in_flight == 1,
	    "service row: requests, classes, gateway errors, in flight");
	T_OK(rec_find("", "") == NULL, "no row without a service");
	T_OK(r != NULL && r->st_p50_us > 0 && r->st_p50_us <= r->st_p90_us &&
	    r->st_p90_us <= r->st_p99_us, "percentiles ordered");
	T_INTEQ(rec_prune, T0 - STATS_RETENTION_MS,
	    "the first flush prunes a week back");

	/* A busy database: the counts wait for the next flush. */
	req(&w[0], "web", "api", "10.0.0.1:80", 200, PX_E_NONE, 1);
	rec_busy = 1;
	rc = stats_flush_now(NULL, T0 + 5000, errbuf, sizeof(errbuf));
	T_OK(rc == -1 && strcmp(errbuf, "database is locked") == 0,
	    "a busy flush fails with the reason");
	req(&w[1], "web", "api", "10.0.0.1:80", 404, PX_E_NONE, 1);
	rc = stats_flush_now(NULL, T0 + 10000, errbuf, sizeof(errbuf));
	T_INTEQ(rc, 0, "the next flush goes through");
	T_OK((r = rec_find("web", "10.0.0.1:80")) != NULL &&
	    r->st_requests == 2 && r->st_responses[0] == 1 &&
	    r->st_responses[2] == 1, "it holds both intervals' requests");
	T_INTEQ(rec_interval, 10000, "over both intervals' length");
	T_INTEQ(rec_prune, 0, "and prunes only hourly");
	T_OK(rec_find("bulk", "") == NULL, "idle services write no row");

	/* Nothing new, nothing in flight: no transaction at all. */
	stats_inflight(&w[0], "web", "10.0.0.1:80", -1);
	rc = stats_flush_now(NULL, T0 + 15000, errbuf, sizeof(errbuf));
	T_INTEQ(rc, 0, "an idle flush");
	T_OK(rec_n == 2 && (r = rec_find("web", "")) != NULL &&
	    r->st_requests == 0 && r->st_in_flight == 0 &&
	    r->st_p50_us == -1, "writes the drop to 0 in flight ...");
	rec_calls = 0;
	rc = stats_flush_now(NULL, T0 + 20000, errbuf, sizeof(errbuf));
	T_INTEQ(rec_calls, 0, "... and then does not touch the database");
}

int
main(void)
{
	test_bucket();
	test_quantile();
	test_escape();
	test_counters();
	test_flush();
	return t_done();
}
