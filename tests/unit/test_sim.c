/*
 * test_sim: `gwscale simulate`'s series parser, its replay and its SVG
 * chart.  The replays' expected counts are computed by hand from the HPA
 * rules (hpa.h) and KEDA's scale to zero (step.h); each case says how.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../gwscale/sim.h"
#include "../../gwscale/svg.h"
#include "scale.h"
#include "str.h"
#include "t.h"

/* A target "web" with nm gateway metrics of requests_per_second,
 * average_value 100 each, and the given bounds; legacy HPA path. */
static char	 s_web[] = "web", s_default[] = "default",
		 s_rps[] = "requests_per_second",
		 s_url[] = "http://prometheus:9090";

static void
target(struct gw_scale_target *t, struct gw_scale_metric *m, size_t nm,
    int32_t min, int32_t max)
{
	size_t	 i;

	gw_scale_target_init(t);
	t->st_name = s_web;
	t->st_namespace = s_default;
	t->st_workload = s_web;
	t->st_min = min;
	t->st_max = max;
	for (i = 0; i < nm; i++) {
		gw_scale_metric_init(&m[i]);
		m[i].sm_metric = s_rps;
		m[i].sm_service = s_web;
		m[i].sm_target = 100;
	}
	t->st_metrics = m;
	t->st_nmetrics = nm;
}

static int
parse(const char *csv, size_t nm, struct sim_series *ss, char *err,
    size_t errlen)
{
	return sim_csv_parse(csv, strlen(csv), nm, ss, err, errlen);
}

/* Case i: the parse of csv fails with exactly want. */
static void
parse_fails(size_t i, const char *csv, size_t len, size_t nm,
    const char *want)
{
	struct sim_series	 ss;
	char			 err[512] = "";

	T_INTEQ(sim_csv_parse(csv, len, nm, &ss, err, sizeof(err)), -1,
	    "error case %zu refused", i);
	T_STREQ(err, want, "error case %zu: the message", i);
	T_INTEQ(ss.ss_nrows, 0, "error case %zu: nothing kept", i);
}

static void
test_parse(void)
{
	struct sim_series	 ss;
	char			 err[512] = "";
	const char		*csv;

	csv = "# requests per second and p99 of web\n"
	    "\"time\", \"rps\", \"p99\"\r\n"
	    "\r\n"
	    "0, 100, 20\r\n"
	    "  # an indented comment\n"
	    "15,,null\r\n"
	    "30,NaN,1.5e2\n"
	    "45.5,\"7\",-3";
	T_INTEQ(parse(csv, 2, &ss, err, sizeof(err)), 0,
	    "header, comments, blanks, CRLF, quotes, no final newline");
	T_STREQ(err, "", "no error");
	T_INTEQ(ss.ss_nrows, 4, "4 rows");
	T_INTEQ(ss.ss_nmetrics, 2, "2 metrics");
	T_INTEQ(ss.ss_timestamps, 0, "seconds, not timestamps");
	T_INTEQ(ss.ss_times[0], 0, "time 0");
	T_INTEQ(ss.ss_times[1], 15000, "time 15 s");
	T_INTEQ(ss.ss_times[3], 45500, "time 45.5 s in ms");
	T_OK(ss.ss_available[0] && ss.ss_values[0] == 100, "100");
	T_OK(ss.ss_available[1] && ss.ss_values[1] == 20, "20");
	T_OK(!ss.ss_available[2], "an empty cell is unavailable");
	T_OK(!ss.ss_available[3], "null is unavailable");
	T_OK(!ss.ss_available[4], "NaN is unavailable");
	T_OK(ss.ss_available[5] && ss.ss_values[5] == 150, "1.5e2");
	T_OK(ss.ss_available[6] && ss.ss_values[6] == 7, "a quoted 7");
	T_OK(ss.ss_available[7] && ss.ss_values[7] == -3,
	    "a negative value (a Prometheus query may give one)");
	sim_series_free(&ss);

	csv = "2026-11-26T09:30:00Z,1\n"
	    "2026-11-26T09:30:15.250Z,2\n"
	    "2026-11-26 10:30:30+01:00,3\n";
	T_INTEQ(parse(csv, 1, &ss, err, sizeof(err)), 0,
	    "RFC 3339 timestamps, no header");
	T_INTEQ(ss.ss_timestamps, 1, "timestamps");
	T_INTEQ(ss.ss_times[0], 1795685400000LL, "2026-11-26T09:30:00Z");
	T_INTEQ(ss.ss_times[1] - ss.ss_times[0], 15250, "+15.25 s");
	T_INTEQ(ss.ss_times[2] - ss.ss_times[0], 30000,
	    "an offset is taken into account");
	sim_series_free(&ss);

	csv = "0,1\n7.0009,2\n";
	T_INTEQ(parse(csv, 1, &ss, err, sizeof(err)), 0,
	    "a fraction finer than a millisecond");
	T_INTEQ(ss.ss_times[1], 7000, "is dropped, as in gw_time_parse");
	sim_series_free(&ss);

	csv = "\xef\xbb\xbf" "0,1\n15,2\n";
	T_INTEQ(parse(csv, 1, &ss, err, sizeof(err)), 0,
	    "a byte order mark");
	T_INTEQ(ss.ss_nrows, 2, "is not taken for a header");
	sim_series_free(&ss);

	csv = "time,a,b,c\n0,1,2,3\n";
	T_INTEQ(parse(csv, 3, &ss, err, sizeof(err)), 0, "3 metrics");
	T_OK(ss.ss_values[2] == 3, "the third metric");
	sim_series_free(&ss);
}

static void
test_parse_errors(void)
{
	static const struct {
		const char	*csv;
		size_t		 nm;
		const char	*err;
	} tc[] = {
		{ "0,abc\n", 1, "line 1: column 2: invalid number \"abc\"" },
		{ "time,rps,p99\n# c\n0,1,x\n", 2,
		    "line 3: column 3: invalid number \"x\"" },
		{ "0,inf\n", 1, "line 1: column 2: invalid number \"inf\"" },
		{ "0,0x10\n", 1,
		    "line 1: column 2: invalid number \"0x10\"" },
		{ "0,1-2\n", 1, "line 1: column 2: invalid number \"1-2\"" },
		{ "0,1e999\n", 1, "line 1: column 2: invalid number "
		    "\"1e999\": out of range" },
		{ "0,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 1,
		    "line 1: column 2: invalid number "
		    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"" },
		{ "0,\"a\tb\"\n", 1,
		    "line 1: column 2: invalid number \"a?b\"" },
		{ "time,rps\n0,1,2\n", 1,
		    "line 2: 3 columns, expected 2 (the time and 1 metric)" },
		{ "0\n", 2,
		    "line 1: 1 column, expected 3 (the time and 2 metrics)" },
		{ "time,a,b\n0,1\n", 1, "line 1: header has 3 columns, "
		    "expected 2 (the time and 1 metric)" },
		{ "0,1\n15,1\n15,2\n", 1, "line 3: column 1: time \"15\" is "
		    "not after the previous row's \"15\"" },
		{ "0,1\n15,1\n# c\n10,2\n", 1, "line 4: column 1: time \"10\" "
		    "is not after the previous row's \"15\"" },
		{ "0,1\n2026-11-26T09:30:00Z,1\n", 1, "line 2: column 1: time "
		    "\"2026-11-26T09:30:00Z\" is a timestamp, and the rows "
		    "before give seconds" },
		{ "2026-11-26T09:30:00Z,1\n15,1\n", 1, "line 2: column 1: "
		    "time \"15\" is seconds, and the rows before give "
		    "timestamps" },
		{ "time,rps\nabc,1\n", 1, "line 2: column 1: invalid time "
		    "\"abc\": expected seconds from the start (such as 15 or "
		    "7.5) or an RFC 3339 time (such as 2026-11-26T09:30:00Z)" },
		{ "1.2.3,1\n", 1, "line 1: column 1: invalid time \"1.2.3\": "
		    "expected seconds from the start (such as 15 or 7.5) or "
		    "an RFC 3339 time (such as 2026-11-26T09:30:00Z)" },
		{ "2026-13-01T00:00:00Z,1\n", 1, "line 1: column 1: invalid "
		    "time \"2026-13-01T00:00:00Z\": no such date or time" },
		{ "2026-11-26T09:30:00,1\n", 1, "line 1: column 1: invalid "
		    "time \"2026-11-26T09:30:00\": expected a time such as "
		    "2026-11-26T09:30:00Z" },
		{ "-5,1\n", 1, "line 1: column 1: invalid time \"-5\": "
		    "negative" },
		{ "99999999999,1\n", 1, "line 1: column 1: invalid time "
		    "\"99999999999\": more than 3162240000 seconds" },
		{ "0,1\n,2\n", 1, "line 2: column 1: missing time" },
		{ "0,\"1\n", 1, "line 1: column 2: unterminated quote" },
		{ "0,\"1\"x\n", 1, "line 1: column 2: text after the closing "
		    "quote of \"1\"" },
		{ "# nothing\n\n", 1,
		    "no rows: expected lines of a time and 1 metric" },
		{ "time,a,b\n", 2,
		    "no rows: expected lines of a time and 2 metrics" },
		{ "", 1, "no rows: expected lines of a time and 1 metric" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++)
		parse_fails(i, tc[i].csv, strlen(tc[i].csv), tc[i].nm,
		    tc[i].err);
	/* A NUL: not a text file. */
	parse_fails(i, "0,1\n1,\0\n", 8, 1,
	    "line 2: NUL byte: not a text file");
}

/* One row more than SIM_MAX_ROWS. */
static void
test_parse_limit(void)
{
	struct sim_series	 ss;
	char			 err[512] = "", *csv, *p;
	size_t			 i;

	p = csv = malloc((size_t)(SIM_MAX_ROWS + 1) * 12 + 1);
	if (csv == NULL) {
		T_OK(0, "malloc");
		return;
	}
	for (i = 0; i <= SIM_MAX_ROWS; i++)
		p += sprintf(p, "%zu,1\n", i);
	T_INTEQ(sim_csv_parse(csv, (size_t)(p - csv), 1, &ss, err,
	    sizeof(err)), -1, "more than SIM_MAX_ROWS rows are refused");
	T_STREQ(err, "line 1000001: more than 1000000 rows",
	    "the message names the limit");
	/* The limit itself is fine. */
	for (p = csv + strlen(csv) - 1; p > csv && p[-1] != '\n'; p--)
		;
	p--;	/* the end of the last row but one */
	T_INTEQ(sim_csv_parse(csv, (size_t)(p - csv + 1), 1, &ss, err,
	    sizeof(err)), 0, "SIM_MAX_ROWS rows are read");
	T_INTEQ(ss.ss_nrows, SIM_MAX_ROWS, "all of them");
	sim_series_free(&ss);
	free(csv);
}

/* Replays csv; the desired counts must be want[0..nwant). */
static void
replay(const char *name, const struct gw_scale_target *t, const char *csv,
    int32_t start, int64_t interval_ms, const int32_t *want, size_t nwant,
    struct sim_series *ss, struct sim_row **rows, size_t *n)
{
	char	 err[512] = "";
	size_t	 i;
	int	 ok = 1;

	*rows = NULL;
	*n = 0;
	if (parse(csv, t->st_nmetrics, ss, err, sizeof(err)) == -1 ||
	    sim_replay(t, ss, start, interval_ms, rows, n, err,
	    sizeof(err)) == -1) {
		T_OK(0, "%s: %s", name, err);
		return;
	}
	T_INTEQ(*n, nwant, "%s: decisions", name);
	for (i = 0; i < *n && i < nwant; i++) {
		if ((*rows)[i].sr_desired == want[i] &&
		    (i == 0 ? start : (*rows)[i - 1].sr_desired) ==
		    (*rows)[i].sr_current)
			continue;
		printf("#   decision %zu (t %llds): %d -> %d, want %d (%s)\n",
		    i, (long long)((*rows)[i].sr_t_ms / 1000),
		    (*rows)[i].sr_current, (*rows)[i].sr_desired, want[i],
		    (*rows)[i].sr_reason);
		ok = 0;
	}
	T_OK(ok, "%s: replica counts", name);
}

/*
 * The legacy path (no behavior), average_value 100, min 1, max 10, from
 * 1 replica, a decision every 15 s; the series holds each value until
 * its next row.
 *   0 s: 100/(100*1) = 1.0, within tolerance: 1.
 *  15 s: 1000 proposes 10; convertDesiredReplicasWithRules limits a
 *        scale-up to max(2*current, 4) = 4 (ScaleUpLimit).
 *  30 s: 10, limited to max(2*4, 4) = 8 (ScaleUpLimit).
 *  45 s: 10, the limit is 16: 10.
 *  60 s: 100 proposes 1; the recommendations of the last 300 s (10 at 15,
 *        30 and 45 s) hold 10 (ScaleDownStabilized) ...
 * 345 s: the last 10, recorded at 45 s, is 300 s old: still in the
 *        window (the controller drops a recommendation only when it is
 *        Before(now - window); store_history() loads at >= now - 300 s).
 * 360 s: it is 315 s old and gone: 1 goes through.
 */
static void
test_replay_legacy(void)
{
	static const int32_t want[] = {
		1, 4, 8, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
		10, 10, 10, 10, 10, 10, 10, 10, 1
	};
	struct gw_scale_target	 t;
	struct gw_scale_metric	 m;
	struct sim_series	 ss;
	struct sim_row		*rows;
	size_t			 n;

	target(&t, &m, 1, 1, 10);
	replay("legacy", &t, "time,rps\n0,100\n15,1000\n60,100\n360,100\n",
	    1, 15000, want, sizeof(want) / sizeof(want[0]), &ss, &rows, &n);
	if (n != sizeof(want) / sizeof(want[0]))
		return;
	T_STREQ(rows[0].sr_word, "DesiredWithinRange", "legacy: 0 s word");
	T_STREQ(rows[1].sr_word, "ScaleUpLimit", "legacy: 15 s word");
	T_STREQ(rows[2].sr_word, "ScaleUpLimit", "legacy: 30 s word");
	T_STREQ(rows[3].sr_word, "DesiredWithinRange", "legacy: 45 s word");
	T_OK(strstr(rows[4].sr_reason, "ScaleDownStabilized") != NULL,
	    "legacy: 60 s held by the stabilization window: %s",
	    rows[4].sr_reason);
	T_OK(strstr(rows[23].sr_reason, "ScaleDownStabilized") != NULL,
	    "legacy: 345 s: still held: %s", rows[23].sr_reason);
	T_OK(strstr(rows[24].sr_reason, "proposes 1") != NULL,
	    "legacy: 360 s: %s", rows[24].sr_reason);
	T_INTEQ(rows[3].sr_t_ms, 45000, "legacy: t of decision 3");
	T_INTEQ(rows[3].sr_at_ms, -1, "legacy: no timestamps");
	/* 15..45 s take the row of 15 s; 60 s its own. */
	T_OK(rows[3].sr_values == &ss.ss_values[1] &&
	    rows[4].sr_values == &ss.ss_values[2],
	    "legacy: the latest row at or before each decision");
	sim_rows_free(rows, n);
	sim_series_free(&ss);
}

/*
 * A behavior whose scaleDown is Pods 1 per 60 s, window 0 (scaleUp the
 * defaults), from 5 replicas, 100 req/s (proposes 1) throughout:
 *   0 s: 5 -> 4 (ScaleDownLimit; event -1 at 0 s).
 *  15-45 s: the event is in the period: 5 - 1 = 4 is all that is
 *        allowed, 4 stays.
 *  60 s: the event is 60 s old, out of the period (After): 3.
 * 120 s: 2.  180 s: 1, the minimum; then it stays.
 */
static void
test_replay_behavior(void)
{
	static const int32_t want[] = {
		4, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1
	};
	struct gw_scale_target	 t;
	struct gw_scale_metric	 m;
	struct sim_series	 ss;
	struct sim_row		*rows;
	size_t			 n;

	target(&t, &m, 1, 1, 10);
	t.st_has_behavior = 1;
	gw_hpa_default_behavior(&t.st_behavior);
	t.st_behavior.hb_down.hr_stabilization_s = 0;
	t.st_behavior.hb_down.hr_npolicies = 1;
	t.st_behavior.hb_down.hr_policies[0] = (struct gw_hpa_policy){
	    GW_HPA_POLICY_PODS, 1, 60 };
	replay("behavior Pods 1/60s", &t, "0,100\n240,100\n", 5, 15000,
	    want, sizeof(want) / sizeof(want[0]), &ss, &rows, &n);
	if (n == sizeof(want) / sizeof(want[0])) {
		T_STREQ(rows[0].sr_word, "ScaleDownLimit",
		    "behavior: 0 s limited");
		T_STREQ(rows[1].sr_word, "ScaleDownLimit",
		    "behavior: 15 s limited by the event of 0 s");
	}
	sim_rows_free(rows, n);
	sim_series_free(&ss);
}

/*
 * Scale to zero: min 0, max 5, cooldown 60 s, activation 0, from 1:
 *   0 s: 50 is active: the HPA with min 1: 1.
 *  15-45 s: 0 is idle for 15, 30, 45 s < 60 s: the HPA: 1.
 *  60 s: idle for 60 s, the cooldown: 0 (Deactivated).
 *  75-120 s: at zero and idle: 0 (Idle).
 * 135 s: 30 is active: 1 (Activated).
 * 150 s: the HPA: 30 proposes 1.
 * 165 s: the metric is unavailable: at 1 the HPA refuses
 *        (InvalidMetrics), never a reason to go to zero.
 */
static void
test_replay_zero(void)
{
	static const int32_t want[] = {
		1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1
	};
	struct gw_scale_target	 t;
	struct gw_scale_metric	 m;
	struct sim_series	 ss;
	struct sim_row		*rows;
	size_t			 n;

	target(&t, &m, 1, 0, 5);
	t.st_cooldown_ms = 60000;
	replay("scale to zero", &t,
	    "0,50\n15,0\n135,30\n165,null\n180,null\n", 1, 15000, want,
	    sizeof(want) / sizeof(want[0]), &ss, &rows, &n);
	if (n == sizeof(want) / sizeof(want[0])) {
		T_STREQ(rows[4].sr_word, "Deactivated", "zero: 60 s word");
		T_STREQ(rows[5].sr_word, "Idle", "zero: 75 s word");
		T_STREQ(rows[9].sr_word, "Activated", "zero: 135 s word");
		T_STREQ(rows[10].sr_word, "DesiredWithinRange",
		    "zero: 150 s word");
		T_STREQ(rows[11].sr_word, "InvalidMetrics",
		    "zero: 165 s word");
	}
	sim_rows_free(rows, n);
	sim_series_free(&ss);

	/* Unknown at zero: stay there, Idle. */
	{
		static const int32_t want0[] = { 0, 0, 0 };

		replay("scale to zero, unknown at zero", &t, "0,\n30,\n", 0,
		    15000, want0, 3, &ss, &rows, &n);
		if (n == 3)
			T_OK(strstr(rows[2].sr_reason, "unavailable") != NULL,
			    "zero: unknown is no activity: %s",
			    rows[2].sr_reason);
		sim_rows_free(rows, n);
		sim_series_free(&ss);
	}
}

/*
 * Two metrics, the second never read: the HPA never scales down on the
 * first alone (InvalidMetrics: some invalid, the others would scale
 * down), however long; it does scale up on it (315 s: 800 proposes 8,
 * the legacy limit max(2*4, 4) = 8).
 */
static void
test_replay_missing(void)
{
	static const int32_t want[] = {
		4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
		4, 8
	};
	struct gw_scale_target	 t;
	struct gw_scale_metric	 m[2];
	struct sim_series	 ss;
	struct sim_row		*rows;
	size_t			 n, i;
	int			 ok = 1;

	target(&t, m, 2, 1, 10);
	replay("missing metric", &t, "0,100,\n15,100,null\n300,100,NaN\n"
	    "315,800,\n", 4, 15000, want, sizeof(want) / sizeof(want[0]), &ss,
	    &rows, &n);
	for (i = 0; i + 1 < n; i++)
		ok &= strcmp(rows[i].sr_word, "InvalidMetrics") == 0 &&
		    rows[i].sr_available[0] && !rows[i].sr_available[1];
	T_OK(n > 0 && ok, "missing metric: InvalidMetrics throughout");
	sim_rows_free(rows, n);
	sim_series_free(&ss);
}

/* Timestamps, rows between decisions, the last row's time. */
static void
test_replay_times(void)
{
	static const int32_t want[] = { 1, 2, 2 };
	struct gw_scale_target	 t;
	struct gw_scale_metric	 m;
	struct sim_series	 ss;
	struct sim_row		*rows;
	size_t			 n;
	char			 err[256] = "", buf[64];

	target(&t, &m, 1, 1, 10);
	/* Decisions at 0, 15 and 30 s (the last row, 40 s, is no decision
	 * time); 15 s takes the row of 10 s. */
	replay("timestamps", &t, "2026-11-26T09:30:00Z,100\n"
	    "2026-11-26T09:30:10Z,200\n2026-11-26T09:30:40Z,200\n", 1, 15000,
	    want, 3, &ss, &rows, &n);
	if (n == 3) {
		T_INTEQ(rows[1].sr_at_ms, 1795685415000LL,
		    "timestamps: the absolute time");
		T_STREQ(sim_time_fmt(rows[1].sr_at_ms, buf, sizeof(buf)),
		    "2026-11-26T09:30:15Z", "timestamps: formatted");
		T_INTEQ(rows[1].sr_t_ms, 15000, "timestamps: relative time");
	}
	sim_rows_free(rows, n);

	T_INTEQ(sim_replay(&t, &ss, 1, 0, &rows, &n, err, sizeof(err)), -1,
	    "interval 0 is refused");
	t.st_nmetrics = 0;
	T_INTEQ(sim_replay(&t, &ss, 1, 15000, &rows, &n, err, sizeof(err)),
	    -1, "a series of other metrics is refused");
	T_STREQ(err, "the series has 1 metric, scale target \"web\" 0",
	    "the message says so");
	t.st_nmetrics = 1;
	sim_series_free(&ss);

	T_INTEQ(parse("0,1\n3000000,1\n", 1, &ss, err, sizeof(err)), 0,
	    "a long series");
	T_INTEQ(sim_replay(&t, &ss, 1, 15000, &rows, &n, err, sizeof(err)),
	    -1, "too many decisions are refused");
	T_STREQ(err, "the series spans 833h20m: one decision every 15s "
	    "makes more than 200000; give a longer --interval",
	    "the message names the limit");
	T_INTEQ(sim_replay(&t, &ss, 1, 16000, &rows, &n, err, sizeof(err)),
	    0, "a longer interval is fine");
	T_INTEQ(n, 187501, "3000000 / 16 + 1 decisions");
	sim_rows_free(rows, n);
	sim_series_free(&ss);

	T_STREQ(sim_time_fmt(1795685400250LL, buf, sizeof(buf)),
	    "2026-11-26T09:30:00.250Z", "sim_time_fmt: milliseconds");
	T_STREQ(sim_secs_fmt(7500, buf, sizeof(buf)), "7.5",
	    "sim_secs_fmt: 7.5");
	T_STREQ(sim_secs_fmt(15000, buf, sizeof(buf)), "15",
	    "sim_secs_fmt: 15");
	T_STREQ(sim_secs_fmt(1250, buf, sizeof(buf)), "1.25",
	    "sim_secs_fmt: 1.25");
}

/*
 * Well formed: every start tag closed in order, no stray '<' or '&'.
 * Returns NULL or what is wrong.
 */
static const char *
xml_check(const char *s)
{
	const char	*stack[32], *p, *e;
	size_t		 depth = 0, n;

	for (p = s; *p != '\0'; p++) {
		if (*p == '&') {
			n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz");
			if (n == 0 || p[1 + n] != ';')
				return "a bare &";
			continue;
		}
		if (*p != '<')
			continue;
		if ((e = strchr(p, '>')) == NULL)
			return "a tag without >";
		if (memchr(p + 1, '<', (size_t)(e - p - 1)) != NULL)
			return "< inside a tag";
		if (p[1] == '/') {
			n = strcspn(p + 2, " >");
			if (depth == 0 || strncmp(stack[depth - 1], p + 2,
			    n) != 0 || strcspn(stack[depth - 1], " />") != n)
				return "an end tag that does not match";
			depth--;
		} else if (e[-1] != '/') {
			if (depth == 32)
				return "too deep";
			stack[depth++] = p + 1;
		}
		p = e;
	}
	return depth == 0 ? NULL : "an element left open";
}

static size_t
count(const char *s, const char *what)
{
	size_t	 n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s++;
	}
	return n;
}

static void
test_svg(void)
{
	static const int32_t want[] = {
		1, 4, 8, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
		10, 10, 10, 10, 10, 10, 10, 10, 1
	};
	struct gw_scale_target	 t;
	struct gw_scale_metric	 m[2];
	struct sim_series	 ss;
	struct sim_row		*rows;
	size_t			 n, len;
	char			*a, *b, name[] = "a<b&\"c'";
	char			 query[] = "sum(rate(x{a=\"<&>\"}[1m])) \xff "
	    "and a long tail to be cut";
	const char		*why;

	target(&t, m, 1, 1, 10);
	replay("svg", &t, "time,rps\n0,100\n15,1000\n60,100\n360,100\n", 1,
	    15000, want, sizeof(want) / sizeof(want[0]), &ss, &rows, &n);
	a = svg_render(&t, rows, n, 15000);
	b = svg_render(&t, rows, n, 15000);
	len = strlen(a);
	T_OK(gw_str_has_prefix(a, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "version=\"1.1\" width=\"960\" height=\"480\" "),
	    "svg: starts with <svg, SVG 1.1, 960x480");
	T_OK(len > 7 && strcmp(a + len - 7, "</svg>\n") == 0,
	    "svg: ends with </svg>");
	why = xml_check(a);
	T_STREQ(why, NULL, "svg: well formed");
	T_STREQ(a, b, "svg: the same replay gives the same bytes");
	T_INTEQ(count(a, "<path "), 2, "svg: a path per metric and replicas");
	T_INTEQ(count(a, "<path id=\"metric-1\""), 1, "svg: metric-1");
	T_INTEQ(count(a, "<path id=\"replicas\""), 1, "svg: replicas");
	T_OK(strstr(a, "<title>gwscale simulate: web</title>") != NULL,
	    "svg: the title names the target");
	T_OK(strstr(a, ">requests_per_second@web (average_value, target "
	    "100)</text>") != NULL, "svg: the legend names the metric");
	T_OK(strstr(a, ">replicas (min 1, max 10)</text>") != NULL,
	    "svg: the legend names the replicas");
	T_OK(strstr(a, ">max 10</text>") != NULL &&
	    strstr(a, ">min 1</text>") != NULL,
	    "svg: min and max replicas lines");
	T_OK(strstr(a, "pods taken as ready at once") != NULL,
	    "svg: says what the replay assumes");
	T_OK(strstr(a, ">6min</text>") != NULL,
	    "svg: the time axis in minutes over 6 minutes");
	/* Replicas: up at 15 s, 30 s, 45 s, down at 345 s; held to 360. */
	T_OK(strstr(a, "d=\"M72.0 353.7 V353.7 H106.0 V274.7 H140.0 V169.3 "
	    "H174.0 V116.7 H208.0 V116.7 ") != NULL,
	    "svg: the replicas as a step line");
	free(a);
	free(b);
	sim_rows_free(rows, n);
	sim_series_free(&ss);

	/* Gaps, a dot between gaps, a metric never read, escaping. */
	target(&t, m, 2, 1, 10);
	t.st_name = name;
	m[1].sm_source = GW_SCALE_PROMETHEUS;
	m[1].sm_metric = query;
	m[1].sm_service = NULL;
	m[1].sm_url = s_url;
	{
		static const int32_t want2[] = { 4, 4, 4, 4, 4 };

		replay("svg gaps", &t, "0,100,\n15,,\n30,100,\n45,,\n"
		    "60,100,\n", 4, 15000, want2, 5, &ss, &rows, &n);
	}
	a = svg_render(&t, rows, n, 15000);
	why = xml_check(a);
	T_STREQ(why, NULL, "svg gaps: well formed");
	T_INTEQ(count(a, "<path "), 3, "svg gaps: 2 metrics and replicas");
	T_OK(strstr(a, "<path id=\"metric-1\"") != NULL &&
	    count(strstr(a, "<path id=\"metric-1\""), "M") >= 3,
	    "svg gaps: a new segment after each gap");
	T_OK(strstr(a, " m-2.5 0 h5") != NULL,
	    "svg gaps: a lone value is a dash");
	T_OK(strstr(a, "stroke-linejoin=\"round\" d=\"\"/>") != NULL,
	    "svg gaps: a metric never read draws nothing");
	T_OK(strstr(a, "<title>gwscale simulate: "
	    "a&lt;b&amp;&quot;c&apos;</title>") != NULL,
	    "svg: the name escaped");
	T_OK(strstr(a, ">prometheus: sum(rate(x{a=&quot;&lt;&amp;&gt;&quot;"
	    "}[1m])) ? and a long t... (average_value, target 100)</text>") !=
	    NULL, "svg: the query escaped, invalid UTF-8 as ?, cut at 40");
	T_OK(strstr(a, "\xff") == NULL,
	    "svg: no invalid UTF-8");
	free(a);
	sim_rows_free(rows, n);
	sim_series_free(&ss);

	/* One decision: still a time axis, still well formed. */
	target(&t, m, 1, 1, 10);
	{
		static const int32_t want1[] = { 1 };

		replay("svg one row", &t, "0,100\n", 1, 15000, want1, 1, &ss,
		    &rows, &n);
	}
	a = svg_render(&t, rows, n, 15000);
	why = xml_check(a);
	T_STREQ(why, NULL, "svg one row: well formed");
	T_OK(strstr(a, ">14s</text>") != NULL,
	    "svg one row: the axis spans one interval");
	free(a);
	sim_rows_free(rows, n);
	sim_series_free(&ss);
}

int
main(void)
{
	test_parse();
	test_parse_errors();
	test_parse_limit();
	test_replay_legacy();
	test_replay_behavior();
	test_replay_zero();
	test_replay_missing();
	test_replay_times();
	test_svg();
	return t_done();
}
