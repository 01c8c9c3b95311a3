/*
 * test_outlier: gwproxy's passive health (gwproxy/outlier.c) without
 * sockets: streaks, thresholds, growing ejection times, the cap on
 * ejected backends, the end of an ejection, and the events handed to the
 * DB writer (replaced here by a recorder that can fail on demand).
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "../../gwproxy/outlier.h"
#include "../../gwproxy/store.h"
#include "t.h"

#define REC_MAX	64
static struct store_outlier_ev	rec[REC_MAX];
static size_t			rec_n;
static int			rec_fail;

int
store_outlier_write(sqlite3 *db, const struct store_outlier_ev *ev, size_t n,
    const char *instance, char *errbuf, size_t errlen)
{
	size_t i;

	(void)db;
	(void)instance;
	if (rec_fail) {
		snprintf(errbuf, errlen, "database is locked");
		return -1;
	}
	for (i = 0; i < n && rec_n < REC_MAX; i++)
		rec[rec_n++] = ev[i];
	return 0;
}

static void
test_pure(void)
{
	T_INTEQ(outlier_duration_ms(1, 30000, 300000), 30000, "first: base");
	T_INTEQ(outlier_duration_ms(2, 30000, 300000), 60000, "second: 2x");
	T_INTEQ(outlier_duration_ms(10, 30000, 300000), 300000, "10th: max");
	T_INTEQ(outlier_duration_ms(11, 30000, 300000), 300000, "capped");
	T_INTEQ(outlier_duration_ms(2000000000, 86400000, 300000), 300000,
	    "no overflow");
	T_INTEQ(outlier_duration_ms(0, 1000, 5000), 1000, "n below 1 is 1");
	T_INTEQ(outlier_cap(4, 50), 2, "half of 4");
	T_INTEQ(outlier_cap(3, 50), 1, "half of 3, rounded down");
	T_INTEQ(outlier_cap(1, 50), 1, "one always");
	T_INTEQ(outlier_cap(10, 0), 1, "0 percent: still one");
	T_INTEQ(outlier_cap(10, 100), 10, "100 percent: all");
}

static char			 host[] = "127.0.0.1";
static struct gw_backend	be[4];
static struct outlier		*out[4];
static struct gw_service	 sv;

static void
setup(const char *svc)
{
	char	name[32];
	int	i;

	memset(&sv, 0, sizeof(sv));
	sv.sv_eject_5xx = 3;
	sv.sv_eject_gateway = 2;
	sv.sv_eject_base_ms = 1000;
	sv.sv_eject_max_ms = 2500;
	sv.sv_eject_max_pct = 50;
	for (i = 0; i < 4; i++) {
		memset(&be[i], 0, sizeof(be[i]));
		be[i].be_host = host;
		be[i].be_port = 8000 + i;
		snprintf(name, sizeof(name), "127.0.0.1:%d", 8000 + i);
		out[i] = outlier_get(svc, &be[i], name);
	}
}

static void
test_streaks(void)
{
	int64_t	t = 1000000;

	setup("streaks");
	T_OK(out[0] == outlier_get("streaks", &be[0], "127.0.0.1:8000"),
	    "one entry per service and backend");
	outlier_report(out, 4, 0, &sv, OUT_5XX, t);
	outlier_report(out, 4, 0, &sv, OUT_5XX, t);
	outlier_report(out, 4, 0, &sv, OUT_OK, t);
	outlier_report(out, 4, 0, &sv, OUT_5XX, t);
	outlier_report(out, 4, 0, &sv, OUT_5XX, t);
	T_OK(!outlier_ejected(out[0], t), "a success resets the 5xx streak");
	outlier_report(out, 4, 0, &sv, OUT_5XX, t);
	T_OK(outlier_ejected(out[0], t), "3 x 5xx in a row: ejected");
	T_OK(outlier_ejected(out[0], t + 999), "for the base time");
	T_OK(!outlier_ejected(out[0], t + 1000), "not after it");

	/* A gateway failure is a 5xx to the client too. */
	outlier_report(out, 4, 1, &sv, OUT_GATEWAY, t);
	outlier_report(out, 4, 1, &sv, OUT_5XX, t);
	T_OK(!outlier_ejected(out[1], t), "2 of 3 5xx");
	outlier_report(out, 4, 1, &sv, OUT_GATEWAY, t);
	T_OK(outlier_ejected(out[1], t),
	    "the 5xx streak counts gateway failures");
	T_INTEQ(outlier_count(out, 4, t), 2, "two ejected");
	T_OK(!outlier_ejected(out[1], t + 1000), "ended");
	sv.sv_eject_5xx = 100;
	outlier_report(out, 4, 1, &sv, OUT_GATEWAY, t + 1000);
	outlier_report(out, 4, 1, &sv, OUT_5XX, t + 1000);
	outlier_report(out, 4, 1, &sv, OUT_GATEWAY, t + 1000);
	T_OK(!outlier_ejected(out[1], t + 1000),
	    "a 5xx answer breaks the gateway streak");
	outlier_report(out, 4, 1, &sv, OUT_GATEWAY, t + 1000);
	T_OK(outlier_ejected(out[1], t + 1000),
	    "2 gateway failures in a row");
	sv.sv_eject_5xx = 3;

	sv.sv_eject_5xx = sv.sv_eject_gateway = 0;
	outlier_report(out, 4, 3, &sv, OUT_GATEWAY, t + 5000);
	outlier_report(out, 4, 3, &sv, OUT_GATEWAY, t + 5000);
	outlier_report(out, 4, 3, &sv, OUT_5XX, t + 5000);
	outlier_report(out, 4, 3, &sv, OUT_5XX, t + 5000);
	T_OK(!outlier_ejected(out[3], t + 5000), "thresholds 0: off");
}

static void
test_cap(void)
{
	int64_t	t = 3000000;
	int	i;

	setup("cap");	/* 50% of 4 is 2 */
	for (i = 0; i < 3; i++) {
		outlier_report(out, 4, (size_t)i, &sv, OUT_GATEWAY, t + i);
		outlier_report(out, 4, (size_t)i, &sv, OUT_GATEWAY, t + i);
	}
	T_OK(outlier_ejected(out[0], t + 2) && outlier_ejected(out[1], t + 2),
	    "two ejected");
	T_OK(!outlier_ejected(out[2], t + 2), "a third one is over the cap");
	T_INTEQ(outlier_count(out, 4, t + 2), 2, "still two");
	outlier_report(out, 4, 2, &sv, OUT_GATEWAY, t + 1000);
	outlier_report(out, 4, 2, &sv, OUT_GATEWAY, t + 1000);
	T_OK(outlier_ejected(out[2], t + 1000),
	    "once one ended, there is room");
	setup("cap1");
	sv.sv_eject_max_pct = 10;
	outlier_report(out, 4, 3, &sv, OUT_GATEWAY, t);
	outlier_report(out, 4, 3, &sv, OUT_GATEWAY, t);
	T_OK(outlier_ejected(out[3], t), "10 percent of 4: one is always allowed");
}

static void
test_growth_and_flush(void)
{
	int64_t	t = 2000000;
	char	err[128];

	/* What test_streaks left queued goes first. */
	T_INTEQ(outlier_flush(NULL, t, "i", err, sizeof(err)), 0, "flush");
	setup("growth");
	rec_n = 0;
	outlier_report(out, 4, 0, &sv, OUT_GATEWAY, t);
	outlier_report(out, 4, 0, &sv, OUT_GATEWAY, t);
	T_OK(outlier_ejected(out[0], t + 999) &&
	    !outlier_ejected(out[0], t + 1000), "first ejection: 1 s");
	T_INTEQ(outlier_flush(NULL, t + 500, "i", err, sizeof(err)), 0,
	    "flush");
	T_INTEQ(rec_n, 1, "one event written");
	T_OK(rec_n == 1 && !rec[0].oe_end && rec[0].oe_until == t + 1000 &&
	    rec[0].oe_ejections == 1 && rec[0].oe_port == 8000 &&
	    strcmp(rec[0].oe_service, "growth") == 0 &&
	    strcmp(rec[0].oe_backend, "127.0.0.1:8000") == 0 &&
	    strcmp(rec[0].oe_reason, "2 consecutive gateway failures") == 0,
	    "the ejection, with its reason");
	T_INTEQ(outlier_flush(NULL, t + 1000, "i", err, sizeof(err)), 0,
	    "flush at the end");
	T_OK(rec_n == 2 && rec[1].oe_end && rec[1].oe_at == t + 1000,
	    "the end, at the time it ended");

	/* Soon again: the second in a row lasts 2 s, the third 2.5 s. */
	t += 1500;
	outlier_report(out, 4, 0, &sv, OUT_GATEWAY, t);
	outlier_report(out, 4, 0, &sv, OUT_GATEWAY, t);
	T_OK(outlier_ejected(out[0], t + 1999) &&
	    !outlier_ejected(out[0], t + 2000), "second: 2 x base");
	t += 2100;
	outlier_report(out, 4, 0, &sv, OUT_GATEWAY, t);
	outlier_report(out, 4, 0, &sv, OUT_GATEWAY, t);
	T_OK(outlier_ejected(out[0], t + 2499) &&
	    !outlier_ejected(out[0], t + 2500), "third: the max");

	/* An unwritable DB keeps the events, in order, for the next flush. */
	rec_n = 0;
	rec_fail = 1;
	T_INTEQ(outlier_flush(NULL, t + 10, "i", err, sizeof(err)), -1,
	    "a failed flush says so");
	T_STREQ(err, "database is locked", "with the DB's error");
	rec_fail = 0;
	T_INTEQ(outlier_flush(NULL, t + 2500, "i", err, sizeof(err)), 0,
	    "the next one writes");
	T_INTEQ(rec_n, 4, "ejection 2's end was written when 3 began, "
	    "then 3, then 3's end: none lost");
	T_OK(rec_n == 4 && rec[0].oe_ejections == 2 && !rec[0].oe_end &&
	    rec[1].oe_end && !rec[2].oe_end && rec[2].oe_ejections == 3 &&
	    rec[3].oe_end, "in order");

	/* Good for longer than the max time: the count starts again. */
	t += 2500 + 2600;
	outlier_report(out, 4, 0, &sv, OUT_GATEWAY, t);
	outlier_report(out, 4, 0, &sv, OUT_GATEWAY, t);
	T_OK(outlier_ejected(out[0], t + 999) &&
	    !outlier_ejected(out[0], t + 1000), "back to the base time");
}

int
main(void)
{
	test_pure();
	test_streaks();
	test_cap();
	test_growth_and_flush();
	return t_done();
}
