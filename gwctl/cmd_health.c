/*
 * cmd_health: gwctl get health, get events and status: what gwhealth
 * (active checks, DNS discovery) and gwproxy (passive health, ejections)
 * recorded of the backends, read from the database only.  Read-only; the
 * SQL is in store.c.
 *
 * A backend's health here is the one gwproxy acts on: without a check
 * (type none) a backend is up; a backend never checked is what its
 * service's health_check.initial says; else the state gwhealth recorded.
 * It is usable when also enabled and not ejected by any gwproxy.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "addr.h"
#include "config.h"
#include "db.h"
#include "duration.h"
#include "gwctl.h"
#include "opt.h"
#include "str.h"

/* What get events shows without --limit: a screenful and some. */
#define EVENTS_LIMIT_DEFAULT	100

/*
 * Reads the config and the health of service's backends (NULL: all) in
 * one read transaction, at one now; exits 1 on failure.
 */
static void
health_load(const char *service, struct gw_config *cf,
    struct health_row **rows, size_t *n, int64_t *now)
{
	const char	*path = gw_db_path(gwctl.g_db_path);
	sqlite3		*db = store_open(0);
	char		 errbuf[512];

	*now = gw_now_ms();
	if (gw_db_exec(db, "BEGIN", errbuf, sizeof(errbuf)) == -1 ||
	    store_load(db, cf, errbuf, sizeof(errbuf)) == -1 ||
	    store_health(db, service, *now, rows, n, errbuf,
	    sizeof(errbuf)) == -1)
		errx(1, "%s: %s", path, errbuf);
	gw_db_rollback(db);
	gw_db_close(db);
	if (service != NULL && gw_config_find_service(cf, service) < 0) {
		gw_config_free(cf);
		errx(1, "service \"%s\" not found", service);
	}
}

static int
health_checked(const struct health_row *hr)
{
	return hr->hr_hc_type != GW_HC_NONE && hr->hr_checked_at >= 0;
}

/* The state gwproxy acts on: "up", "down" or, by hand edit, another. */
static const char *
health_state(const struct health_row *hr)
{
	if (hr->hr_hc_type == GW_HC_NONE)
		return "up";
	if (hr->hr_state == NULL || (!health_checked(hr) &&
	    strcmp(hr->hr_state, "unknown") == 0))
		return hr->hr_initial == GW_HC_INITIAL_DOWN ? "down" : "up";
	return hr->hr_state;
}

static int
health_up(const struct health_row *hr)
{
	return strcmp(health_state(hr), "up") == 0;
}

static const char *
enum_name(const char *const *names, int max, int v)
{
	return v >= 0 && v <= max ? names[v] : "?";
}

static json_t *
json_time_or_null(int64_t ms)
{
	char buf[32];

	if (ms < 0)
		return json_null();
	fmt_time(ms, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
json_int_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *
json_str_or_null(const char *s)
{
	return s == NULL ? json_null() : json_string(s);
}

static json_t *
health_json(const struct health_row *hr, int64_t now)
{
	json_t	*o = json_object();
	char	 addr[GW_ADDR_STR_MAX];
	int	 ejected = hr->hr_eject_until_at > now;

	json_object_set_new(o, "service", json_string(hr->hr_service));
	json_object_set_new(o, "backend", json_string(gw_addr_fmt(
	    hr->hr_host, hr->hr_port, addr, sizeof(addr))));
	json_object_set_new(o, "source", json_string(enum_name(
	    gw_be_source_names, GW_BE_DNS, hr->hr_source)));
	json_object_set_new(o, "admin_state", json_string(enum_name(
	    gw_admin_names, GW_ADMIN_DISABLED, hr->hr_admin)));
	json_object_set_new(o, "state", json_string(health_state(hr)));
	json_object_set_new(o, "checked", json_boolean(health_checked(hr)));
	json_object_set_new(o, "since", json_time_or_null(hr->hr_since_at));
	json_object_set_new(o, "since_ms", json_int_or_null(hr->hr_since_at));
	json_object_set_new(o, "last_check",
	    json_time_or_null(hr->hr_checked_at));
	json_object_set_new(o, "last_check_ms",
	    json_int_or_null(hr->hr_checked_at));
	json_object_set_new(o, "latency_us",
	    json_int_or_null(hr->hr_latency_us));
	json_object_set_new(o, "reason", json_str_or_null(hr->hr_reason));
	json_object_set_new(o, "pass_streak",
	    json_integer(hr->hr_pass_streak > 0 ? hr->hr_pass_streak : 0));
	json_object_set_new(o, "fail_streak",
	    json_integer(hr->hr_fail_streak > 0 ? hr->hr_fail_streak : 0));
	json_object_set_new(o, "ejected", json_boolean(ejected));
	json_object_set_new(o, "ejected_until",
	    json_time_or_null(ejected ? hr->hr_eject_until_at : -1));
	json_object_set_new(o, "ejected_until_ms",
	    json_int_or_null(ejected ? hr->hr_eject_until_at : -1));
	json_object_set_new(o, "ejection_reason",
	    json_str_or_null(ejected ? hr->hr_eject_reason : NULL));
	return o;
}

static void
health_table(const struct health_row *rows, size_t n, int64_t now)
{
	const struct health_row	*hr;
	struct table		*t;
	char			 addr[GW_ADDR_STR_MAX], since[32], last[32];
	char			 lat[32], streak[32], ej[48], left[32];
	size_t			 i;

	t = table_new(9, "SERVICE", "BACKEND", "STATE", "EJECTED", "SINCE",
	    "LAST-CHECK", "LATENCY", "STREAK", "REASON");
	for (i = 0; i < n; i++) {
		hr = &rows[i];
		since[0] = lat[0] = streak[0] = '\0';
		if (hr->hr_hc_type == GW_HC_NONE)
			gw_strlcpy(last, "no health check", sizeof(last));
		else if (!health_checked(hr))
			gw_strlcpy(last, "never checked", sizeof(last));
		else
			fmt_time(hr->hr_checked_at, last, sizeof(last));
		if (health_checked(hr) && hr->hr_since_at >= 0)
			fmt_time(hr->hr_since_at, since, sizeof(since));
		/* Microseconds as milliseconds, exactly: "1.250ms". */
		if (health_checked(hr) && hr->hr_latency_us >= 0)
			snprintf(lat, sizeof(lat), "%lld.%03lldms",
			    (long long)(hr->hr_latency_us / 1000),
			    (long long)(hr->hr_latency_us % 1000));
		if (health_checked(hr) && hr->hr_fail_streak > 0)
			snprintf(streak, sizeof(streak), "%lld fail",
			    (long long)hr->hr_fail_streak);
		else if (health_checked(hr))
			snprintf(streak, sizeof(streak), "%lld pass",
			    (long long)(hr->hr_pass_streak > 0 ?
			    hr->hr_pass_streak : 0));
		/* Whole seconds left, rounded up: "ejected" never says 0s. */
		if (hr->hr_eject_until_at > now)
			snprintf(ej, sizeof(ej), "%s left", gw_duration_fmt(
			    (hr->hr_eject_until_at - now + 999) / 1000 * 1000,
			    left, sizeof(left)));
		else
			gw_strlcpy(ej, "no", sizeof(ej));
		table_add(t, hr->hr_service, gw_addr_fmt(hr->hr_host,
		    hr->hr_port, addr, sizeof(addr)), health_state(hr), ej,
		    since, last, lat, streak,
		    health_checked(hr) ? hr->hr_reason : NULL);
	}
	table_print(t, stdout);
	table_free(t);
}

int
get_health(const char *service)
{
	struct gw_config	 cf;
	struct health_row	*rows;
	json_t			*list;
	int64_t			 now;
	size_t			 n, i;

	health_load(service, &cf, &rows, &n, &now);
	if (gwctl.g_output != OUT_TABLE) {
		list = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(list, health_json(&rows[i], now));
		print_json_or_yaml(list);
		json_decref(list);
	} else
		health_table(rows, n, now);
	health_row_free(rows, n);
	gw_config_free(&cf);
	return 0;
}

/*
 * --since: a duration back from now ("1h"), or an RFC 3339 time.  NULL
 * is the beginning of the log.
 */
int64_t
since_parse(const char *command, const char *since, int64_t now)
{
	const char	*errstr;
	int64_t		 v;

	if (since == NULL)
		return 0;
	if (gw_duration_parse(since, &v, &errstr) == 0)
		return v < now ? now - v : 0;
	if (gw_time_parse(since, &v, &errstr) == 0)
		return v;
	usage_error(command, "invalid --since \"%s\": expected a duration "
	    "such as 1h or a time such as 2026-11-26T09:30:00Z", since);
}

int
get_events(const char *since, const char *service, const char *limit)
{
	struct health_event	*ev;
	struct table		*t;
	sqlite3			*db;
	json_t			*list;
	const char		*errstr;
	char			 errbuf[512], when[32];
	int64_t			 lim = EVENTS_LIMIT_DEFAULT, from;
	size_t			 n, i;

	if (limit != NULL) {
		lim = gw_strtonum(limit, 0, INT64_MAX, &errstr);
		if (errstr != NULL)
			usage_error("get", "invalid --limit \"%s\": %s", limit,
			    errstr);
	}
	from = since_parse("get", since, gw_now_ms());
	/* The log outlives services: any name may be asked for. */
	db = store_open(0);
	if (store_events(db, from, service, lim, &ev, &n, errbuf,
	    sizeof(errbuf)) == -1)
		errx(1, "%s: %s", gw_db_path(gwctl.g_db_path), errbuf);
	gw_db_close(db);
	if (gwctl.g_output != OUT_TABLE) {
		list = json_array();
		for (i = 0; i < n; i++) {
			fmt_time(ev[i].ev_at, when, sizeof(when));
			json_array_append_new(list, json_pack("{s:s, s:I, "
			    "s:s, s:s, s:s, s:s, s:s, s:s}", "time", when,
			    "time_ms", (json_int_t)ev[i].ev_at, "service",
			    ev[i].ev_service, "backend", ev[i].ev_backend,
			    "from", ev[i].ev_from, "to", ev[i].ev_to,
			    "reason", ev[i].ev_reason, "source",
			    ev[i].ev_source));
		}
		print_json_or_yaml(list);
		json_decref(list);
	} else {
		t = table_new(7, "TIME", "SERVICE", "BACKEND", "FROM", "TO",
		    "SOURCE", "REASON");
		for (i = 0; i < n; i++) {
			fmt_time(ev[i].ev_at, when, sizeof(when));
			table_add(t, when, ev[i].ev_service, ev[i].ev_backend,
			    ev[i].ev_from, ev[i].ev_to, ev[i].ev_source,
			    ev[i].ev_reason);
		}
		table_print(t, stdout);
		table_free(t);
	}
	health_event_free(ev, n);
	return 0;
}

/* The backends of one service, counted for status. */
struct svc_count {
	const char	*sc_name;
	long long	 sc_backends;
	long long	 sc_healthy;	/* up, or unknown taken as initial */
	long long	 sc_ejected;	/* by some gwproxy, now */
	long long	 sc_draining;
	long long	 sc_disabled;
	long long	 sc_usable;	/* enabled, healthy and not ejected */
};

static void
status_count(struct svc_count *sc, const struct health_row *hr, int64_t now)
{
	int ejected = hr->hr_eject_until_at > now;

	sc->sc_backends++;
	sc->sc_healthy += health_up(hr);
	sc->sc_ejected += ejected;
	sc->sc_draining += hr->hr_admin == GW_ADMIN_DRAIN;
	sc->sc_disabled += hr->hr_admin == GW_ADMIN_DISABLED;
	sc->sc_usable += hr->hr_admin == GW_ADMIN_ENABLED && health_up(hr) &&
	    !ejected;
}

/*
 * Exit status 0 when every service has a backend that can take traffic,
 * 1 otherwise, naming each service that has none: a check for cron.
 */
int
cmd_status(int argc, char **argv)
{
	struct gw_config	 cf;
	struct health_row	*rows;
	struct svc_count	*sc;
	struct table		*t;
	json_t			*list, *o;
	char			 c[5][48];
	int64_t			 now;
	size_t			 n, i, k;
	int			 ok = 1;

	opt_reset();
	while (opt_next(argc, argv, "status", NULL, NULL) != -1)
		;
	if (optind != argc)
		usage_error("status", "unexpected argument \"%s\"",
		    argv[optind]);
	health_load(NULL, &cf, &rows, &n, &now);
	sc = gw_calloc(cf.cf_nservices + 1, sizeof(*sc));
	/* Both sorted by service name: one merge pass. */
	for (i = k = 0; i < cf.cf_nservices; i++) {
		sc[i].sc_name = cf.cf_services[i].sv_name;
		for (; k < n && strcmp(rows[k].hr_service, sc[i].sc_name) == 0;
		    k++)
			status_count(&sc[i], &rows[k], now);
		if (sc[i].sc_usable == 0) {
			ok = 0;
			warnx("service \"%s\" has no usable backend",
			    sc[i].sc_name);
		}
	}
	if (gwctl.g_output != OUT_TABLE) {
		list = json_array();
		for (i = 0; i < cf.cf_nservices; i++)
			json_array_append_new(list, json_pack("{s:s, s:I, s:I, "
			    "s:I, s:I, s:I, s:I}", "service", sc[i].sc_name,
			    "backends", (json_int_t)sc[i].sc_backends,
			    "healthy", (json_int_t)sc[i].sc_healthy,
			    "ejected", (json_int_t)sc[i].sc_ejected,
			    "draining", (json_int_t)sc[i].sc_draining,
			    "disabled", (json_int_t)sc[i].sc_disabled,
			    "usable", (json_int_t)sc[i].sc_usable));
		o = json_pack("{s:b, s:o}", "ok", ok, "services", list);
		print_json_or_yaml(o);
		json_decref(o);
	} else {
		t = table_new(6, "SERVICE", "HEALTHY", "EJECTED", "DRAINING",
		    "DISABLED", "USABLE");
		for (i = 0; i < cf.cf_nservices; i++) {
			snprintf(c[0], sizeof(c[0]), "%lld/%lld",
			    sc[i].sc_healthy, sc[i].sc_backends);
			snprintf(c[1], sizeof(c[1]), "%lld", sc[i].sc_ejected);
			snprintf(c[2], sizeof(c[2]), "%lld",
			    sc[i].sc_draining);
			snprintf(c[3], sizeof(c[3]), "%lld",
			    sc[i].sc_disabled);
			snprintf(c[4], sizeof(c[4]), "%lld", sc[i].sc_usable);
			table_add(t, sc[i].sc_name, c[0], c[1], c[2], c[3],
			    c[4]);
		}
		table_print(t, stdout);
		table_free(t);
	}
	free(sc);
	health_row_free(rows, n);
	gw_config_free(&cf);
	return ok ? 0 : 1;
}
