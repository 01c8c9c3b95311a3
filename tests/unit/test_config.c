/*
 * test_config: the configuration model, its field table, the value
 * canonicalisers and validation (common/config.c, common/confval.c).
 *
 * The expected defaults and ranges below are copied from the services
 * table of the schema, versions 1 to 3 (common/schema.c), not from
 * config.c, so a table that drifts from the schema fails here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "str.h"
#include "t.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Reports collected from gw_config_validate(). */
#define REC_MAX	128
struct rec {
	enum gw_kind	 r_kind;
	size_t		 r_index;
	char		*r_field;
	char		*r_msg;
};
static struct rec	recs[REC_MAX];
static size_t		nrecs;

static void
rec_fn(void *arg, enum gw_kind kind, size_t index, const char *field,
    const char *msg)
{
	(void)arg;
	if (nrecs < REC_MAX) {
		recs[nrecs].r_kind = kind;
		recs[nrecs].r_index = index;
		recs[nrecs].r_field = gw_strdup_null(field);
		recs[nrecs].r_msg = gw_strdup(msg);
	}
	nrecs++;
}

static void
recs_clear(void)
{
	size_t i;

	for (i = 0; i < nrecs && i < REC_MAX; i++) {
		free(recs[i].r_field);
		free(recs[i].r_msg);
	}
	nrecs = 0;
}

static void
recs_print(void)
{
	size_t i;

	for (i = 0; i < nrecs && i < REC_MAX; i++)
		printf("#   %s[%zu] %s: %s\n", gw_kind_names[recs[i].r_kind],
		    recs[i].r_index, recs[i].r_field ? recs[i].r_field : "-",
		    recs[i].r_msg);
}

/* Validates cf, checks the count agrees with the reports, returns it. */
static int
validate(const struct gw_config *cf)
{
	struct gw_report	rp = { rec_fn, NULL };
	int			n;

	recs_clear();
	n = gw_config_validate(cf, &rp);
	T_INTEQ(n, nrecs, "validate returns the number of reports");
	return n;
}

/*
 * Whether a problem was reported for object (kind, index) with that field
 * (NULL: the whole object) and a message containing text.
 */
static int
has(enum gw_kind kind, size_t index, const char *field, const char *text)
{
	size_t i;

	for (i = 0; i < nrecs && i < REC_MAX; i++)
		if (recs[i].r_kind == kind && recs[i].r_index == index &&
		    gw_streq_null(recs[i].r_field, field) &&
		    strstr(recs[i].r_msg, text) != NULL)
			return 1;
	printf("# no %s[%zu] %s report containing \"%s\" among:\n",
	    gw_kind_names[kind], index, field ? field : "-", text);
	recs_print();
	return 0;
}

static void
test_enum_names(void)
{
	T_STREQ(gw_lb_names[GW_LB_ROUND_ROBIN], "round_robin", "lb names");
	T_STREQ(gw_lb_names[GW_LB_LEAST_REQUEST], "least_request",
	    "lb least_request");
	T_STREQ(gw_lb_names[GW_LB_LATENCY], "latency", "lb latency");
	T_OK(gw_lb_names[GW_LB_LATENCY + 1] == NULL, "lb names end");
	T_STREQ(gw_hc_type_names[GW_HC_HTTP], "http", "hc type names");
	T_OK(gw_hc_type_names[GW_HC_HTTP + 1] == NULL, "hc type names end");
	T_STREQ(gw_hc_initial_names[GW_HC_INITIAL_DOWN], "down",
	    "hc initial names");
	T_STREQ(gw_admin_names[GW_ADMIN_DRAIN], "drain", "admin names");
	T_OK(gw_admin_names[GW_ADMIN_DISABLED + 1] == NULL,
	    "admin names end");
	T_STREQ(gw_path_type_names[GW_PATH_REGEX], "regex", "path types");
	T_STREQ(gw_phase_names[GW_PHASE_RESPONSE], "response", "phases");
	T_STREQ(gw_edit_op_names[GW_EDIT_REMOVE], "remove", "edit ops");
	T_STREQ(gw_kind_names[GW_KIND_ROUTE], "route", "kind names");
	T_STREQ(gw_kind_names[GW_KIND_SCALE], "scale", "kind names");
	T_OK(gw_kind_names[GW_KIND_SCALE + 1] == NULL, "kind names end");
}

/* The services table of schema v3: column, DEFAULT, CHECK range. */
static const struct {
	const char	*column;
	const char	*dflt;		/* as gw_field_get prints it */
	long long	 min, max;	/* numeric columns only */
} schema_cols[] = {
	{ "lb_policy",		"round_robin",		0, 0 },
	{ "hash_key",		"ip",			0, 0 },
	{ "connect_timeout_ms",	"3s",			1, 86400000 },
	{ "request_timeout_ms",	"15s",			1, 86400000 },
	{ "response_timeout_ms", "0s",			0, 86400000 },
	{ "idle_timeout_ms",	"1m",			1, 86400000 },
	{ "retries",		"1",			0, 10 },
	{ "retry_on",		"connect-failure,reset", 0, 0 },
	{ "cb_max_connections",	"1024",			1, 1000000 },
	{ "cb_max_pending",	"1024",			0, 1000000 },
	{ "cb_max_requests",	"1024",			1, 1000000 },
	{ "cb_max_retries",	"3",			0, 1000000 },
	{ "hc_type",		"tcp",			0, 0 },
	{ "hc_method",		"GET",			0, 0 },
	{ "hc_path",		"/",			0, 0 },
	{ "hc_host",		NULL,			0, 0 },
	{ "hc_expect_status",	"200-399",		0, 0 },
	{ "hc_expect_body",	NULL,			0, 0 },
	{ "hc_interval_ms",	"5s",			100, 86400000 },
	{ "hc_fast_interval_ms", "1s",			100, 86400000 },
	{ "hc_timeout_ms",	"1s",			1, 86400000 },
	{ "hc_rise",		"2",			1, 100 },
	{ "hc_fall",		"3",			1, 100 },
	{ "hc_jitter_pct",	"10%",			0, 50 },
	{ "hc_initial",		"up",			0, 0 },
	{ "panic_threshold_pct", "0%",			0, 100 },
	{ "discovery_dns",	NULL,			0, 0 },
	{ "discovery_port",	"80",			1, 65535 },
	{ "outlier_5xx",	"5",			0, 1000 },
	{ "outlier_gateway",	"5",			0, 1000 },
	{ "outlier_base_ms",	"30s",			1, 86400000 },
	{ "outlier_max_ms",	"5m",			1, 86400000 },
	{ "outlier_max_pct",	"50%",			0, 100 },
};

static void
test_field_table(void)
{
	const struct gw_field	*f, *g;
	struct gw_service	 sv, sv2;
	const char		*errstr, *got;
	char			 buf[64], flag[64];
	size_t			 i, j;
	int			 ok;

	T_INTEQ(gw_service_nfields, NELEM(schema_cols),
	    "one field per settings column");
	for (i = 0; i < gw_service_nfields && i < NELEM(schema_cols); i++) {
		f = &gw_service_fields[i];
		T_STREQ(f->f_column, schema_cols[i].column, "field %zu column",
		    i);
		T_STREQ(f->f_default, schema_cols[i].dflt, "%s default",
		    f->f_column);
		if (f->f_type == GW_FT_INT || f->f_type == GW_FT_DURATION ||
		    f->f_type == GW_FT_PERCENT) {
			T_INTEQ(f->f_min, schema_cols[i].min, "%s minimum",
			    f->f_column);
			T_INTEQ(f->f_max, schema_cols[i].max, "%s maximum",
			    f->f_column);
		}
	}

	ok = 1;
	for (i = 0; i < gw_service_nfields; i++)
		for (j = i + 1; j < gw_service_nfields; j++) {
			f = &gw_service_fields[i];
			g = &gw_service_fields[j];
			if (strcmp(f->f_flag, g->f_flag) == 0 ||
			    f->f_off == g->f_off ||
			    (gw_streq_null(f->f_group, g->f_group) &&
			    strcmp(f->f_key, g->f_key) == 0))
				ok = 0;
		}
	T_OK(ok, "flags, keys and members are unique");

	/* A flag longer than the usage column gets a line of its own. */
	ok = 1;
	for (i = 0; i < gw_service_nfields; i++) {
		f = &gw_service_fields[i];
		snprintf(flag, sizeof(flag), "--%s D", f->f_flag);
		if (f->f_help == NULL || *f->f_help == '\0' ||
		    strchr(f->f_help, '\n') != NULL || strlen(flag) > 40 ||
		    strlen(f->f_help) > 80 - 2 - 23 - 1 ||
		    (f->f_type == GW_FT_ENUM) != (f->f_enum != NULL) ||
		    (f->f_type == GW_FT_STR) != (f->f_norm != NULL) ||
		    ((f->f_flags & GW_FF_NULLABLE) && f->f_type != GW_FT_STR))
			ok = 0;
	}
	T_OK(ok, "help is one line that fits the usage, flags are not "
	    "too long, types are consistent");

	/* Defaults: in range, what init sets, and they parse back. */
	gw_service_init(&sv, "web");
	for (i = 0; i < gw_service_nfields; i++) {
		f = &gw_service_fields[i];
		got = gw_field_get(f, &sv, buf, sizeof(buf));
		T_STREQ(got, f->f_default, "init sets the %s default",
		    f->f_key);
		if (f->f_type == GW_FT_ENUM)
			T_OK(*gw_field_enum(f, &sv) >= f->f_min &&
			    *gw_field_enum(f, &sv) <= f->f_max &&
			    f->f_enum[f->f_max + 1] == NULL,
			    "%s default within its names", f->f_key);
		else if (f->f_type != GW_FT_STR)
			T_OK(*gw_field_i64(f, &sv) >= f->f_min &&
			    *gw_field_i64(f, &sv) <= f->f_max,
			    "%s default within %lld..%lld", f->f_key,
			    f->f_min, f->f_max);
		memset(&sv2, 0, sizeof(sv2));
		errstr = NULL;
		T_INTEQ(gw_field_set(f, &sv2, f->f_default, &errstr), 0,
		    "%s default parses", f->f_key);
		T_OK(gw_field_equal(f, &sv, &sv2), "%s default parses back "
		    "to the same value", f->f_key);
		if (f->f_type == GW_FT_STR)
			free(*gw_field_str(f, &sv2));
	}

	/* The same defaults, as literals from schema.c. */
	T_INTEQ(sv.sv_lb, GW_LB_ROUND_ROBIN, "default lb");
	T_STREQ(sv.sv_hash_key, "ip", "default hash key");
	T_INTEQ(sv.sv_connect_timeout_ms, 3000, "default connect timeout");
	T_INTEQ(sv.sv_request_timeout_ms, 15000, "default request timeout");
	T_INTEQ(sv.sv_idle_timeout_ms, 60000, "default idle timeout");
	T_INTEQ(sv.sv_retries, 1, "default retries");
	T_STREQ(sv.sv_retry_on, "connect-failure,reset", "default retry on");
	T_INTEQ(sv.sv_max_connections, 1024, "default max connections");
	T_INTEQ(sv.sv_max_pending, 1024, "default max pending");
	T_INTEQ(sv.sv_max_requests, 1024, "default max requests");
	T_INTEQ(sv.sv_max_retries, 3, "default max retries");
	T_INTEQ(sv.sv_hc_type, GW_HC_TCP, "default check type");
	T_STREQ(sv.sv_hc_method, "GET", "default check method");
	T_STREQ(sv.sv_hc_path, "/", "default check path");
	T_OK(sv.sv_hc_host == NULL, "default check host");
	T_STREQ(sv.sv_hc_expect, "200-399", "default expected status");
	T_OK(sv.sv_hc_body == NULL, "default expected body");
	T_INTEQ(sv.sv_hc_interval_ms, 5000, "default check interval");
	T_INTEQ(sv.sv_hc_fast_interval_ms, 1000, "default fast interval");
	T_INTEQ(sv.sv_hc_timeout_ms, 1000, "default check timeout");
	T_INTEQ(sv.sv_hc_rise, 2, "default rise");
	T_INTEQ(sv.sv_hc_fall, 3, "default fall");
	T_INTEQ(sv.sv_hc_jitter_pct, 10, "default jitter");
	T_INTEQ(sv.sv_hc_initial, GW_HC_INITIAL_UP, "default initial");
	T_INTEQ(sv.sv_panic_pct, 0, "default panic threshold");
	T_OK(sv.sv_dns_name == NULL, "default: no discovery");
	T_INTEQ(sv.sv_dns_port, 80, "default discovery port");
	T_INTEQ(sv.sv_eject_5xx, 5, "default consecutive 5xx");
	T_INTEQ(sv.sv_eject_gateway, 5, "default consecutive gateway "
	    "failures");
	T_INTEQ(sv.sv_eject_base_ms, 30000, "default base ejection time");
	T_INTEQ(sv.sv_eject_max_ms, 300000, "default max ejection time");
	T_INTEQ(sv.sv_eject_max_pct, 50, "default max ejection percent");
	T_STREQ(sv.sv_name, "web", "init sets the name");

	/* Lookups. */
	f = gw_service_field_by_key("health_check", "timeout");
	T_OK(f != NULL && strcmp(f->f_column, "hc_timeout_ms") == 0,
	    "by key health_check.timeout");
	T_OK(gw_service_field_by_flag("check-timeout") == f,
	    "by flag check-timeout");
	T_OK(gw_service_field_by_flag("health_check.timeout") == f,
	    "by path health_check.timeout");
	T_OK(f != NULL && gw_field_i64(f, &sv) == &sv.sv_hc_timeout_ms,
	    "gw_field_i64 points at the member");
	f = gw_service_field_by_key(NULL, "lb");
	T_OK(f != NULL && gw_service_field_by_flag("lb") == f &&
	    gw_field_enum(f, &sv) == &sv.sv_lb, "lb by key, flag, member");
	f = gw_service_field_by_flag("check-host");
	T_OK(f != NULL && gw_field_str(f, &sv) == &sv.sv_hc_host,
	    "gw_field_str points at the member");
	T_OK(gw_service_field_by_flag("retries.count") ==
	    gw_service_field_by_flag("retries"), "retries by path and flag");
	T_OK(gw_service_field_by_flag("panic_threshold") ==
	    gw_service_field_by_flag("panic-threshold"),
	    "ungrouped field by its key");
	T_OK(gw_service_field_by_flag("nope") == NULL, "unknown flag");
	T_OK(gw_service_field_by_key(NULL, "timeout") == NULL,
	    "grouped key without its group");
	T_OK(gw_service_field_by_key("health_check", "lb") == NULL,
	    "ungrouped key in a group");
	gw_service_free(&sv);
}

/* Input, then the canonical text back (NULL: must be refused). */
static const struct {
	const char	*flag;
	const char	*in;
	const char	*want;
} set_cases[] = {
	{ "lb", "hash", "hash" },
	{ "lb", "least_request", "least_request" },
	{ "lb", "Hash", NULL },
	{ "lb", "", NULL },
	{ "hash-key", "header:X-User", "header:x-user" },
	{ "hash-key", "cookie:SID", "cookie:SID" },
	{ "hash-key", "ip", "ip" },
	{ "hash-key", "header:", NULL },
	{ "hash-key", "header:a b", NULL },
	{ "hash-key", "query:x", NULL },
	{ "connect-timeout", "1500ms", "1.5s" },
	{ "connect-timeout", "1ms", "1ms" },
	{ "connect-timeout", "1d", "1d" },
	{ "connect-timeout", "0", NULL },
	{ "connect-timeout", "24h1ms", NULL },
	{ "connect-timeout", "3", NULL },
	{ "request-timeout", "90s", "1m30s" },
	{ "response-timeout", "0", "0s" },
	{ "response-timeout", "2s", "2s" },
	{ "response-timeout", "-1s", NULL },
	{ "idle-timeout", "2m", "2m" },
	{ "retries", "10", "10" },
	{ "retries", "0", "0" },
	{ "retries", "11", NULL },
	{ "retries", "-1", NULL },
	{ "retries", " 1", NULL },
	{ "retries", "1x", NULL },
	{ "retry-on", "5xx, connect-failure", "connect-failure,5xx" },
	{ "retry-on", "timeout,reset,timeout", "reset,timeout" },
	{ "retry-on", "", NULL },
	{ "retry-on", "reset,,5xx", NULL },
	{ "retry-on", "reset,", NULL },
	{ "retry-on", "4xx", NULL },
	{ "max-connections", "1000000", "1000000" },
	{ "max-connections", "0", NULL },
	{ "max-pending", "0", "0" },
	{ "max-pending", "1000001", NULL },
	{ "max-requests", "7", "7" },
	{ "max-requests", "0", NULL },
	{ "max-retries", "0", "0" },
	{ "check", "http", "http" },
	{ "check", "none", "none" },
	{ "check", "udp", NULL },
	{ "check-method", "head", "HEAD" },
	{ "check-method", "OPTIONS", "OPTIONS" },
	{ "check-method", "", NULL },
	{ "check-method", "GE T", NULL },
	{ "check-method", "M-SEARCH", NULL },
	{ "check-method", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG", NULL },
	{ "check-path", "/healthz?full=1", "/healthz?full=1" },
	{ "check-path", "healthz", NULL },
	{ "check-path", "/a b", NULL },
	{ "check-path", "", NULL },
	{ "check-host", "API.Example.com", "api.example.com" },
	{ "check-host", "10.0.0.1", "10.0.0.1" },
	{ "check-host", "bad host", NULL },
	{ "check-expect", "200-399,500, 204", "200-399,500" },
	{ "check-expect", "204,200-203", "200-204" },
	{ "check-expect", "100-599", "100-599" },
	{ "check-expect", "404,200", "200,404" },
	{ "check-expect", "99", NULL },
	{ "check-expect", "600", NULL },
	{ "check-expect", "300-200", NULL },
	{ "check-expect", "2xx", NULL },
	{ "check-expect", "200,,300", NULL },
	{ "check-expect", "-200", NULL },
	{ "check-expect", "", NULL },
	{ "check-body", "ok", "ok" },
	{ "check-interval", "100ms", "100ms" },
	{ "check-interval", "99ms", NULL },
	{ "check-fast-interval", "2s", "2s" },
	{ "check-fast-interval", "2d", NULL },
	{ "check-timeout", "250ms", "250ms" },
	{ "check-rise", "100", "100" },
	{ "check-rise", "101", NULL },
	{ "check-fall", "1", "1" },
	{ "check-fall", "0", NULL },
	{ "check-jitter", "25%", "25%" },
	{ "check-jitter", "25", "25%" },
	{ "check-jitter", "50%", "50%" },
	{ "check-jitter", "51%", NULL },
	{ "check-jitter", "%", NULL },
	{ "check-jitter", "10%%", NULL },
	{ "check-jitter", "ten", NULL },
	{ "check-initial", "down", "down" },
	{ "check-initial", "unknown", NULL },
	{ "panic-threshold", "100%", "100%" },
	{ "panic-threshold", "101", NULL },
	{ "dns", "Web.Default.SVC.cluster.local",
	  "web.default.svc.cluster.local" },
	{ "dns", "web-headless", "web-headless" },
	{ "dns", "10.0.0.1", NULL },
	{ "dns", "::1", NULL },
	{ "dns", "bad name", NULL },
	{ "dns", "-web", NULL },
	{ "dns-port", "8080", "8080" },
	{ "dns-port", "65535", "65535" },
	{ "dns-port", "0", NULL },
	{ "dns-port", "65536", NULL },
	{ "eject-5xx", "0", "0" },
	{ "eject-5xx", "1000", "1000" },
	{ "eject-5xx", "1001", NULL },
	{ "eject-5xx", "-1", NULL },
	{ "eject-gateway-failures", "3", "3" },
	{ "eject-gateway-failures", "1001", NULL },
	{ "eject-time", "10s", "10s" },
	{ "eject-time", "1500ms", "1.5s" },
	{ "eject-time", "0", NULL },
	{ "eject-time", "30", NULL },
	{ "eject-max-time", "1h", "1h" },
	{ "eject-max-time", "2d", NULL },
	{ "eject-max-percent", "100%", "100%" },
	{ "eject-max-percent", "0", "0%" },
	{ "eject-max-percent", "101%", NULL },
};

static void
test_field_set_get(void)
{
	const struct gw_field	*f;
	struct gw_service	 sv, sv2;
	const char		*errstr, *got;
	char			 buf[64], big[2100], **sp;
	size_t			 i, j;
	int			 rc, covered;

	for (i = 0; i < NELEM(set_cases); i++) {
		f = gw_service_field_by_flag(set_cases[i].flag);
		T_OK(f != NULL, "flag %s exists", set_cases[i].flag);
		if (f == NULL)
			continue;
		gw_service_init(&sv, "web");
		errstr = NULL;
		rc = gw_field_set(f, &sv, set_cases[i].in, &errstr);
		if (set_cases[i].want == NULL) {
			T_OK(rc == -1 && errstr != NULL, "--%s \"%s\" refused "
			    "(%s)", set_cases[i].flag, set_cases[i].in,
			    errstr ? errstr : "no reason");
			T_STREQ(gw_field_get(f, &sv, buf, sizeof(buf)),
			    f->f_default, "--%s \"%s\" leaves the value",
			    set_cases[i].flag, set_cases[i].in);
		} else {
			T_INTEQ(rc, 0, "--%s \"%s\" accepted",
			    set_cases[i].flag, set_cases[i].in);
			got = gw_field_get(f, &sv, buf, sizeof(buf));
			T_STREQ(got, set_cases[i].want, "--%s \"%s\" reads "
			    "back canonical", set_cases[i].flag,
			    set_cases[i].in);
			/* The canonical text parses to the same value. */
			gw_service_init(&sv2, "web");
			T_OK(got != NULL && gw_field_set(f, &sv2, got,
			    &errstr) == 0 && gw_field_equal(f, &sv, &sv2),
			    "--%s \"%s\" round trip", set_cases[i].flag,
			    got ? got : "(null)");
			gw_service_free(&sv2);
		}
		gw_service_free(&sv);
	}

	/* Every field has a non-default value among the cases above. */
	for (i = 0; i < gw_service_nfields; i++) {
		f = &gw_service_fields[i];
		covered = 0;
		for (j = 0; j < NELEM(set_cases); j++)
			if (strcmp(set_cases[j].flag, f->f_flag) == 0 &&
			    set_cases[j].want != NULL &&
			    !gw_streq_null(set_cases[j].want, f->f_default))
				covered = 1;
		T_OK(covered || f->f_flags & GW_FF_NULLABLE,
		    "--%s has a set/get case", f->f_flag);
	}

	gw_service_init(&sv, "web");
	f = gw_service_field_by_flag("connect-timeout");
	T_OK(gw_field_set(f, &sv, "0", &errstr) == -1 &&
	    strcmp(errstr, "out of range 1ms..1d") == 0,
	    "duration range error names the range");
	f = gw_service_field_by_flag("retries");
	T_OK(gw_field_set(f, &sv, "11", &errstr) == -1 &&
	    strcmp(errstr, "out of range 0..10") == 0,
	    "integer range error names the range");
	T_OK(gw_field_set(f, &sv, NULL, &errstr) == -1,
	    "NULL refused for a number");
	f = gw_service_field_by_flag("check-rise");
	T_INTEQ(gw_field_set(f, &sv, "7", &errstr), 0, "set rise");
	T_INTEQ(sv.sv_hc_rise, 7, "set rise writes sv_hc_rise");
	f = gw_service_field_by_flag("check-initial");
	T_INTEQ(gw_field_set(f, &sv, "down", &errstr), 0, "set initial");
	T_INTEQ(sv.sv_hc_initial, GW_HC_INITIAL_DOWN,
	    "set initial writes sv_hc_initial");
	f = gw_service_field_by_flag("retry-on");
	T_OK(gw_field_set(f, &sv, NULL, &errstr) == -1 &&
	    strcmp(sv.sv_retry_on, "connect-failure,reset") == 0,
	    "NULL refused for a required string");

	/* Nullable strings: set, read, clear. */
	f = gw_service_field_by_flag("check-body");
	T_INTEQ(gw_field_set(f, &sv, "status: ok", &errstr), 0, "set body");
	T_STREQ(sv.sv_hc_body, "status: ok", "body set");
	T_STREQ(gw_field_get(f, &sv, buf, sizeof(buf)), "status: ok",
	    "body reads back");
	T_INTEQ(gw_field_set(f, &sv, NULL, &errstr), 0, "clear body");
	T_OK(sv.sv_hc_body == NULL &&
	    gw_field_get(f, &sv, buf, sizeof(buf)) == NULL,
	    "a cleared body reads back as NULL");
	memset(big, 'x', sizeof(big));
	big[1024] = '\0';
	T_INTEQ(gw_field_set(f, &sv, big, &errstr), 0, "1024-byte body");
	big[1024] = 'x';
	big[1025] = '\0';
	T_INTEQ(gw_field_set(f, &sv, big, &errstr), -1, "1025-byte body");
	T_INTEQ(strlen(sv.sv_hc_body), 1024, "a refused body leaves the "
	    "old one");
	f = gw_service_field_by_flag("check-host");
	T_INTEQ(gw_field_set(f, &sv, "Probe.Example", &errstr), 0,
	    "set check host");
	sp = gw_field_str(f, &sv);
	T_STREQ(*sp, "probe.example", "check host lowercased");
	T_INTEQ(gw_field_set(f, &sv, NULL, &errstr), 0, "clear check host");
	T_OK(sv.sv_hc_host == NULL, "check host cleared");
	T_INTEQ(gw_field_set(f, &sv, "probe.example", &errstr), 0,
	    "set check host again");
	T_INTEQ(gw_field_set(f, &sv, "", &errstr), 0,
	    "an empty value clears a nullable field");
	T_OK(sv.sv_hc_host == NULL, "check host cleared by \"\"");
	f = gw_service_field_by_flag("check-path");
	T_INTEQ(gw_field_set(f, &sv, "", &errstr), -1,
	    "an empty value is refused for a required field");

	/* A long path is not cut by a short buffer. */
	memset(big, 'p', 2000);
	big[0] = '/';
	big[2000] = '\0';
	f = gw_service_field_by_flag("check-path");
	T_INTEQ(gw_field_set(f, &sv, big, &errstr), 0, "long check path");
	got = gw_field_get(f, &sv, buf, 8);
	T_OK(got != NULL && strlen(got) == 2000, "long path read in full");

	/* Out-of-table values still format (they come from bad DB rows). */
	sv.sv_lb = 42;
	f = gw_service_field_by_flag("lb");
	T_STREQ(gw_field_get(f, &sv, buf, sizeof(buf)), "42",
	    "unknown enum value prints as a number");
	gw_service_free(&sv);
}

static void
test_values(void)
{
	const char	*e;
	char		*c, errbuf[128], longname[80], longpath[2100];
	char		 post[] = "POST", get[] = "GET", del[] = "DELETE";
	char		*methods[] = { post, get, post, del };
	int		 w;
	int64_t		 prio;
	long long	 ll;

	/* Names. */
	T_INTEQ(gw_name_check("web", &e), 0, "name web");
	T_INTEQ(gw_name_check("0api.v2_x-y", &e), 0, "name with . _ -");
	T_INTEQ(gw_name_check("", &e), -1, "empty name");
	T_INTEQ(gw_name_check(NULL, &e), -1, "NULL name");
	T_INTEQ(gw_name_check("Web", &e), -1, "uppercase name");
	T_INTEQ(gw_name_check("-web", &e), -1, "name starting with -");
	T_INTEQ(gw_name_check(".web", &e), -1, "name starting with .");
	T_INTEQ(gw_name_check("we b", &e), -1, "name with a space");
	memset(longname, 'a', 63);
	longname[63] = '\0';
	T_INTEQ(gw_name_check(longname, &e), 0, "63-character name");
	longname[63] = 'a';
	longname[64] = '\0';
	T_INTEQ(gw_name_check(longname, &e), -1, "64-character name");
	T_STREQ(e, "longer than 63 characters", "long name reason");

	/* Integers, weights, priorities. */
	T_OK(gw_int_parse("-12", -100, 100, &ll, &e) == 0 && ll == -12,
	    "int -12");
	T_OK(gw_int_parse("+7", 0, 100, &ll, &e) == 0 && ll == 7, "int +7");
	T_OK(gw_int_parse("", 0, 1, &ll, &e) == -1 &&
	    strcmp(e, "not an integer") == 0, "empty int");
	T_OK(gw_int_parse("-", 0, 1, &ll, &e) == -1, "sign alone");
	T_OK(gw_int_parse("99999999999999999999", 0, 1, &ll, &e) == -1 &&
	    strcmp(e, "out of range 0..1") == 0, "huge int is out of range");
	T_OK(gw_weight_parse("256", &w, &e) == 0 && w == 256, "weight 256");
	T_OK(gw_weight_parse("1", &w, &e) == 0 && w == 1, "weight 1");
	T_INTEQ(gw_weight_parse("0", &w, &e), -1, "weight 0");
	T_INTEQ(gw_weight_parse("257", &w, &e), -1, "weight 257");
	T_INTEQ(gw_weight_parse("1.5", &w, &e), -1, "weight 1.5");
	T_OK(gw_priority_parse("-1000000", &prio, &e) == 0 &&
	    prio == -1000000, "priority -1000000");
	T_INTEQ(gw_priority_parse("1000001", &prio, &e), -1,
	    "priority 1000001");
	T_INTEQ(gw_priority_parse("high", &prio, &e), -1, "priority high");

	/* Enums. */
	T_OK(gw_enum_parse(gw_admin_names, "drain", &w, &e) == 0 &&
	    w == GW_ADMIN_DRAIN, "enum drain");
	T_INTEQ(gw_enum_parse(gw_admin_names, "Drain", &w, &e), -1,
	    "enum is exact");
	T_INTEQ(gw_enum_parse(gw_admin_names, NULL, &w, &e), -1,
	    "enum NULL");

	/* Route hosts. */
	c = gw_route_host_norm("API.Example.COM", &e);
	T_STREQ(c, "api.example.com", "route host lowercased");
	free(c);
	c = gw_route_host_norm("*.Example.com", &e);
	T_STREQ(c, "*.example.com", "wildcard route host");
	free(c);
	c = gw_route_host_norm("api.example.com.", &e);
	T_STREQ(c, "api.example.com", "trailing dot dropped");
	free(c);
	c = gw_route_host_norm("10.1.2.3", &e);
	T_STREQ(c, "10.1.2.3", "IPv4 route host");
	free(c);
	T_OK(gw_route_host_norm("*", &e) == NULL, "* alone refused");
	T_OK(gw_route_host_norm("*.", &e) == NULL, "*. refused");
	T_OK(gw_route_host_norm("*example.com", &e) == NULL,
	    "*example.com refused");
	T_OK(gw_route_host_norm("api.*.com", &e) == NULL,
	    "inner wildcard refused");
	T_OK(gw_route_host_norm("*.*.com", &e) == NULL,
	    "double wildcard refused");
	T_OK(gw_route_host_norm("api.example.com:8080", &e) == NULL,
	    "host with port refused");
	T_OK(gw_route_host_norm("::1", &e) == NULL, "IPv6 route host refused");
	T_OK(gw_route_host_norm("*.10.0.0.1", &e) == NULL,
	    "wildcard over an address refused");
	T_OK(gw_route_host_norm("bad host", &e) == NULL, "space refused");
	T_OK(gw_route_host_norm("", &e) == NULL, "empty host refused");

	/* Paths. */
	T_INTEQ(gw_path_check("/", &e), 0, "path /");
	T_INTEQ(gw_path_check("/api/v1/users?x=1", &e), 0, "path with query");
	T_INTEQ(gw_path_check("api", &e), -1, "relative path");
	T_INTEQ(gw_path_check("", &e), -1, "empty path");
	T_INTEQ(gw_path_check(NULL, &e), -1, "NULL path");
	T_INTEQ(gw_path_check("/a b", &e), -1, "path with a space");
	T_INTEQ(gw_path_check("/a\tb", &e), -1, "path with a tab");
	T_INTEQ(gw_path_check("/a\x7f", &e), -1, "path with DEL");
	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	longpath[GW_PATH_MAX] = '\0';
	T_INTEQ(gw_path_check(longpath, &e), 0, "path of GW_PATH_MAX bytes");
	longpath[GW_PATH_MAX] = 'a';
	longpath[GW_PATH_MAX + 1] = '\0';
	T_INTEQ(gw_path_check(longpath, &e), -1, "path too long");
	c = gw_hc_path_norm("/health?deep=1", &e);
	T_STREQ(c, "/health?deep=1", "check path");
	free(c);
	T_OK(gw_hc_path_norm("health", &e) == NULL, "relative check path");

	/* Regexes. */
	T_INTEQ(gw_regex_check("/api/v[0-9]+/.*", errbuf, sizeof(errbuf)), 0,
	    "regex compiles");
	T_INTEQ(gw_regex_check("/(a|b)/\\)", errbuf, sizeof(errbuf)), 0,
	    "escaped paren");
	T_INTEQ(gw_regex_check("/[)]x", errbuf, sizeof(errbuf)), 0,
	    "paren in brackets");
	T_INTEQ(gw_regex_check("/[]a)]x", errbuf, sizeof(errbuf)), 0,
	    "leading ] in brackets");
	T_INTEQ(gw_regex_check("/[[:alpha:])]", errbuf, sizeof(errbuf)), 0,
	    "class in brackets");
	errbuf[0] = '\0';
	T_INTEQ(gw_regex_check("(", errbuf, sizeof(errbuf)), -1, "regex (");
	T_OK(strstr(errbuf, "nmatched") != NULL, "regerror text: %s", errbuf);
	T_INTEQ(gw_regex_check("[", errbuf, sizeof(errbuf)), -1, "regex [");
	T_INTEQ(gw_regex_check("*a", errbuf, sizeof(errbuf)), -1, "regex *a");
	T_INTEQ(gw_regex_check("a)|(b", errbuf, sizeof(errbuf)), -1,
	    "regex escaping the anchors with )|(");
	T_INTEQ(gw_regex_check("/a)|/b", errbuf, sizeof(errbuf)), -1,
	    "regex escaping the anchors with )|");
	T_INTEQ(gw_regex_check("", errbuf, sizeof(errbuf)), -1, "empty regex");
	T_INTEQ(gw_regex_check("/a\nb", errbuf, sizeof(errbuf)), -1,
	    "regex with a newline");

	/* Methods. */
	c = gw_method_norm("get", &e);
	T_STREQ(c, "GET", "method uppercased");
	free(c);
	T_OK(gw_method_norm("", &e) == NULL, "empty method");
	T_OK(gw_method_norm("GET ", &e) == NULL, "method with a space");
	T_OK(gw_method_norm("M-SEARCH", &e) == NULL,
	    "method the schema cannot store");
	c = gw_methods_join(methods, NELEM(methods));
	T_STREQ(c, "DELETE,GET,POST", "methods sorted and unique");
	free(c);
	T_OK(gw_methods_join(methods, 0) == NULL, "no methods: NULL");
	c = gw_hc_method_norm("options", &e);
	T_STREQ(c, "OPTIONS", "check method uppercased");
	free(c);

	/* Header names and values. */
	T_INTEQ(gw_header_name_check("X-Request-Id", &e), 0, "header name");
	T_INTEQ(gw_header_name_check("a!#$%&'*+.^_`|~9", &e), 0,
	    "every tchar");
	T_INTEQ(gw_header_name_check("X Y", &e), -1, "header name with space");
	T_INTEQ(gw_header_name_check("X:Y", &e), -1, "header name with :");
	T_INTEQ(gw_header_name_check("", &e), -1, "empty header name");
	T_INTEQ(gw_header_value_check("a b\tc", &e), 0, "value with HTAB");
	T_INTEQ(gw_header_value_check("", &e), 0, "empty value");
	T_INTEQ(gw_header_value_check("a\r\nX: y", &e), -1,
	    "value with CRLF");
	T_INTEQ(gw_header_value_check(NULL, &e), -1, "NULL value");

	/* Check hosts and bodies. */
	c = gw_hc_host_norm("Health.Example", &e);
	T_STREQ(c, "health.example", "check host lowercased");
	free(c);
	c = gw_hc_host_norm("::1", &e);
	T_STREQ(c, "::1", "IPv6 check host");
	free(c);
	T_OK(gw_hc_host_norm("a..b", &e) == NULL, "empty label");
	T_OK(gw_hc_host_norm(NULL, &e) == NULL, "NULL check host");
	c = gw_hc_body_norm("alive", &e);
	T_STREQ(c, "alive", "check body");
	free(c);

	/* Status ranges, hash keys, retry conditions. */
	c = gw_status_ranges_norm("500,200-399, 204", &e);
	T_STREQ(c, "200-399,500", "status ranges merged");
	free(c);
	c = gw_status_ranges_norm("201,200,202", &e);
	T_STREQ(c, "200-202", "adjacent statuses merged");
	free(c);
	c = gw_status_ranges_norm("599,100", &e);
	T_STREQ(c, "100,599", "bounds kept");
	free(c);
	T_OK(gw_status_ranges_norm("200-", &e) == NULL, "open range");
	T_OK(gw_status_ranges_norm("200-+300", &e) == NULL, "signed end");
	T_OK(gw_status_ranges_norm(" , ", &e) == NULL, "blank items");
	c = gw_hash_key_norm("header:X-Tenant", &e);
	T_STREQ(c, "header:x-tenant", "hash key header lowercased");
	free(c);
	c = gw_hash_key_norm("cookie:Session", &e);
	T_STREQ(c, "cookie:Session", "hash key cookie keeps case");
	free(c);
	T_OK(gw_hash_key_norm("IP", &e) == NULL, "hash key IP");
	T_OK(gw_hash_key_norm("cookie:", &e) == NULL, "cookie without name");
	c = gw_retry_on_norm("5xx,timeout,reset,connect-failure", &e);
	T_STREQ(c, "connect-failure,reset,timeout,5xx",
	    "retry conditions in canonical order");
	free(c);
	T_OK(gw_retry_on_norm(",", &e) == NULL, "retry on ,");
}

static void
test_route_model(void)
{
	struct gw_route	 rt, cp;
	struct gw_backend be;
	char		 buf[GW_ADDR_STR_MAX + 80];

	gw_route_init(&rt, "api", "web");
	T_OK(rt.rt_path_type == GW_PATH_PREFIX &&
	    strcmp(rt.rt_path, "/") == 0 && rt.rt_host == NULL &&
	    rt.rt_methods == NULL && rt.rt_priority == 0 &&
	    rt.rt_timeout_ms == 0 && strcmp(rt.rt_service, "web") == 0,
	    "route init: prefix /, any host, any method");

	gw_route_add_match(&rt, "x-b", "2");
	gw_route_add_match(&rt, "X-A", NULL);
	gw_route_add_match(&rt, "x-c", "3");
	gw_route_add_match(&rt, "x-b", "two");
	T_INTEQ(rt.rt_nheaders, 3, "same name replaces");
	T_OK(rt.rt_nheaders == 3 &&
	    strcmp(rt.rt_headers[0].hm_name, "x-a") == 0 &&
	    rt.rt_headers[0].hm_value == NULL &&
	    strcmp(rt.rt_headers[1].hm_name, "x-b") == 0 &&
	    strcmp(rt.rt_headers[1].hm_value, "two") == 0 &&
	    strcmp(rt.rt_headers[2].hm_name, "x-c") == 0,
	    "matches sorted by lowercase name");

	gw_route_add_edit(&rt, GW_PHASE_RESPONSE, GW_EDIT_SET, "Server", "gw");
	gw_route_add_edit(&rt, GW_PHASE_REQUEST, GW_EDIT_REMOVE, "Cookie",
	    NULL);
	gw_route_add_edit(&rt, GW_PHASE_REQUEST, GW_EDIT_SET, "x-b", "1");
	gw_route_add_edit(&rt, GW_PHASE_REQUEST, GW_EDIT_ADD, "Via", "gw");
	gw_route_add_edit(&rt, GW_PHASE_REQUEST, GW_EDIT_SET, "X-A", "1");
	T_INTEQ(rt.rt_nedits, 5, "five edits");
	T_OK(rt.rt_nedits == 5 &&
	    strcmp(rt.rt_edits[0].he_name, "X-A") == 0 &&
	    strcmp(rt.rt_edits[1].he_name, "x-b") == 0 &&
	    strcmp(rt.rt_edits[2].he_name, "Via") == 0 &&
	    strcmp(rt.rt_edits[3].he_name, "Cookie") == 0 &&
	    rt.rt_edits[3].he_value == NULL &&
	    strcmp(rt.rt_edits[4].he_name, "Server") == 0,
	    "edits by phase, op, then name ignoring case");

	gw_route_copy(&cp, &rt);
	T_OK(gw_route_equal(&rt, &cp), "route copy is equal");
	T_OK(cp.rt_headers != rt.rt_headers && cp.rt_edits != rt.rt_edits &&
	    cp.rt_name != rt.rt_name, "route copy is deep");
	cp.rt_priority = 5;
	T_OK(!gw_route_equal(&rt, &cp), "priority differs");
	cp.rt_priority = 0;
	free(cp.rt_edits[2].he_value);
	cp.rt_edits[2].he_value = gw_strdup("other");
	T_OK(!gw_route_equal(&rt, &cp), "edit value differs");
	free(cp.rt_edits[2].he_value);
	cp.rt_edits[2].he_value = gw_strdup("gw");
	T_OK(gw_route_equal(&rt, &cp), "equal again");
	cp.rt_headers[0].hm_value = gw_strdup("");
	T_OK(!gw_route_equal(&rt, &cp), "present differs from empty value");
	gw_route_clear_matches(&cp);
	T_OK(cp.rt_nheaders == 0 && cp.rt_headers == NULL, "matches cleared");
	cp.rt_rewrite = gw_strdup("/v2");
	T_OK(!gw_route_equal(&rt, &cp), "rewrite differs");

	gw_route_clear_edits(&rt, GW_PHASE_REQUEST);
	T_OK(rt.rt_nedits == 1 && rt.rt_edits[0].he_phase ==
	    GW_PHASE_RESPONSE, "request edits cleared, response kept");
	gw_route_clear_edits(&rt, GW_PHASE_RESPONSE);
	T_OK(rt.rt_nedits == 0 && rt.rt_edits == NULL, "all edits cleared");
	gw_route_free(&rt);
	gw_route_free(&cp);
	T_OK(cp.rt_name == NULL && cp.rt_nedits == 0, "free resets");

	gw_backend_init(&be, "web", "10.0.0.1", 8080);
	T_OK(be.be_weight == GW_WEIGHT_DEFAULT &&
	    be.be_state == GW_ADMIN_ENABLED, "backend defaults");
	T_STREQ(gw_backend_id(&be, buf, sizeof(buf)), "web/10.0.0.1:8080",
	    "backend id");
	gw_backend_free(&be);
	gw_backend_init(&be, "web", "2001:db8::1", 443);
	T_STREQ(gw_backend_id(&be, buf, sizeof(buf)), "web/[2001:db8::1]:443",
	    "IPv6 backend id bracketed");
	gw_backend_free(&be);
}

/* Builds a valid config with two services, three backends, two routes. */
static void
build_config(struct gw_config *cf)
{
	struct gw_route *rt;

	gw_config_init(cf);
	gw_service_init(gw_config_new_service(cf), "web");
	gw_service_init(gw_config_new_service(cf), "api");
	gw_backend_init(gw_config_new_backend(cf), "web", "10.0.0.2", 80);
	gw_backend_init(gw_config_new_backend(cf), "web", "10.0.0.1", 80);
	gw_backend_init(gw_config_new_backend(cf), "api", "::1", 8080);
	rt = gw_config_new_route(cf);
	gw_route_init(rt, "web", "web");
	rt = gw_config_new_route(cf);
	gw_route_init(rt, "api", "api");
	free(rt->rt_path);
	rt->rt_path = gw_strdup("/api");
	rt->rt_host = gw_strdup("*.example.com");
	rt->rt_methods = gw_strdup("GET,POST");
	rt->rt_rewrite = gw_strdup("/");
	rt->rt_timeout_ms = 30000;
	rt->rt_priority = 10;
	gw_route_add_match(rt, "x-tenant", "a");
	gw_route_add_edit(rt, GW_PHASE_REQUEST, GW_EDIT_SET, "X-Gw", "1");
	gw_route_add_edit(rt, GW_PHASE_RESPONSE, GW_EDIT_REMOVE, "Server",
	    NULL);
}

static void
test_config_model(void)
{
	struct gw_config	 cf, cp;
	struct gw_service	*sv;

	build_config(&cf);
	T_INTEQ(validate(&cf), 0, "the sample config is valid");

	gw_config_copy(&cp, &cf);
	T_OK(cp.cf_nservices == 2 && cp.cf_nbackends == 3 &&
	    cp.cf_nroutes == 2, "copy has every object");
	T_OK(gw_service_equal(&cf.cf_services[0], &cp.cf_services[0]) &&
	    gw_backend_equal(&cf.cf_backends[2], &cp.cf_backends[2]) &&
	    gw_route_equal(&cf.cf_routes[1], &cp.cf_routes[1]),
	    "copies are equal");
	T_OK(cp.cf_services[0].sv_hash_key != cf.cf_services[0].sv_hash_key,
	    "service copy is deep");
	sv = &cp.cf_services[0];
	free(sv->sv_hc_expect);
	sv->sv_hc_expect = gw_strdup("200");
	T_OK(!gw_service_equal(&cf.cf_services[0], sv),
	    "expected status differs");
	gw_service_free(sv);
	gw_service_init(sv, "web");
	sv->sv_hc_jitter_pct = 11;
	T_OK(!gw_service_equal(&cf.cf_services[0], sv), "jitter differs");
	sv->sv_hc_jitter_pct = 10;
	sv->sv_hc_initial = GW_HC_INITIAL_DOWN;
	T_OK(!gw_service_equal(&cf.cf_services[0], sv), "initial differs");
	sv->sv_hc_initial = GW_HC_INITIAL_UP;
	T_OK(gw_service_equal(&cf.cf_services[0], sv), "equal again");
	free(sv->sv_name);
	sv->sv_name = gw_strdup("www");
	T_OK(!gw_service_equal(&cf.cf_services[0], sv), "name differs");
	cp.cf_backends[0].be_weight = 2;
	T_OK(!gw_backend_equal(&cf.cf_backends[0], &cp.cf_backends[0]),
	    "weight differs");
	cp.cf_backends[0].be_weight = 1;
	cp.cf_backends[0].be_state = GW_ADMIN_DRAIN;
	T_OK(!gw_backend_equal(&cf.cf_backends[0], &cp.cf_backends[0]),
	    "state differs");
	cp.cf_backends[0].be_state = GW_ADMIN_ENABLED;
	cp.cf_backends[0].be_port = 81;
	T_OK(!gw_backend_equal(&cf.cf_backends[0], &cp.cf_backends[0]),
	    "port differs");

	T_INTEQ(gw_config_find_service(&cf, "api"), 1, "find service");
	T_INTEQ(gw_config_find_service(&cf, "nope"), -1, "no such service");
	T_INTEQ(gw_config_find_backend(&cf, "web", "10.0.0.1", 80), 1,
	    "find backend");
	T_INTEQ(gw_config_find_backend(&cf, "api", "10.0.0.1", 80), -1,
	    "backend of another service");
	T_INTEQ(gw_config_find_backend(&cf, "web", "10.0.0.1", 81), -1,
	    "backend on another port");
	T_INTEQ(gw_config_find_route(&cf, "api"), 1, "find route");

	gw_config_sort(&cf);
	T_OK(strcmp(cf.cf_services[0].sv_name, "api") == 0 &&
	    strcmp(cf.cf_services[1].sv_name, "web") == 0,
	    "services sorted by name");
	T_OK(strcmp(cf.cf_backends[0].be_service, "api") == 0 &&
	    strcmp(cf.cf_backends[1].be_host, "10.0.0.1") == 0 &&
	    strcmp(cf.cf_backends[2].be_host, "10.0.0.2") == 0,
	    "backends sorted by service, host");
	T_OK(strcmp(cf.cf_routes[0].rt_name, "api") == 0,
	    "routes sorted by name");
	gw_backend_init(gw_config_new_backend(&cf), "web", "10.0.0.1", 79);
	gw_config_sort(&cf);
	T_OK(cf.cf_backends[1].be_port == 79 && cf.cf_backends[2].be_port ==
	    80, "backends of one host sorted by port");

	gw_config_remove_backend(&cf, 0);
	T_OK(cf.cf_nbackends == 3 &&
	    strcmp(cf.cf_backends[0].be_host, "10.0.0.1") == 0 &&
	    cf.cf_backends[0].be_port == 79 &&
	    strcmp(cf.cf_backends[2].be_host, "10.0.0.2") == 0,
	    "remove keeps the order");
	gw_config_remove_route(&cf, 1);
	T_OK(cf.cf_nroutes == 1 && strcmp(cf.cf_routes[0].rt_name, "api") == 0,
	    "remove the last route");
	gw_config_remove_service(&cf, 0);
	T_OK(cf.cf_nservices == 1 &&
	    strcmp(cf.cf_services[0].sv_name, "web") == 0,
	    "remove the first service");
	T_INTEQ(validate(&cf), 1, "the removed service is now unknown");
	T_OK(has(GW_KIND_ROUTE, 0, "service", "unknown service \"api\""),
	    "route of the removed service reported");

	gw_config_free(&cf);
	T_OK(cf.cf_services == NULL && cf.cf_nroutes == 0, "free resets");
	gw_config_free(&cp);
}

/* Every kind of problem at once: each is reported, none stops the rest. */
static void
test_validate_many(void)
{
	struct gw_config	 cf;
	struct gw_service	*sv;
	struct gw_backend	*be;
	struct gw_route		*rt;
	int			 n;

	gw_config_init(&cf);
	/* service 0: five bad settings and a check timeout too long. */
	sv = gw_config_new_service(&cf);
	gw_service_init(sv, "web");
	sv->sv_retries = 11;
	sv->sv_hc_interval_ms = 50;
	sv->sv_hc_timeout_ms = 5000;
	free(sv->sv_retry_on);
	sv->sv_retry_on = gw_strdup("5xx,reset");
	free(sv->sv_hc_method);
	sv->sv_hc_method = gw_strdup("g t");
	sv->sv_lb = 9;
	/* service 1: bad name; 2: duplicate of 0. */
	gw_service_init(gw_config_new_service(&cf), "Bad_Name");
	gw_service_init(gw_config_new_service(&cf), "web");
	/* service 3: a required string missing. */
	sv = gw_config_new_service(&cf);
	gw_service_init(sv, "api");
	free(sv->sv_hc_expect);
	sv->sv_hc_expect = NULL;

	/* backend 0: unknown service, bad host, port, weight, state. */
	be = gw_config_new_backend(&cf);
	gw_backend_init(be, "nope", "bad host", 0);
	be->be_weight = 0;
	be->be_state = 7;
	/* backends 1 and 2: the same address. */
	gw_backend_init(gw_config_new_backend(&cf), "web", "10.0.0.1", 80);
	gw_backend_init(gw_config_new_backend(&cf), "web", "10.0.0.1", 80);
	gw_backend_init(gw_config_new_backend(&cf), "web", "::1", 65536);

	/* route 0: bad in every field. */
	rt = gw_config_new_route(&cf);
	gw_route_init(rt, "r0", "nope");
	rt->rt_path_type = GW_PATH_REGEX;
	free(rt->rt_path);
	rt->rt_path = gw_strdup("(");
	rt->rt_host = gw_strdup("*");
	rt->rt_methods = gw_strdup("GET,,POST");
	rt->rt_rewrite = gw_strdup("/x");
	rt->rt_timeout_ms = -1;
	rt->rt_priority = 2000000;
	gw_route_add_match(rt, "bad name", "v");
	gw_route_add_match(rt, "x-ok", "a\nb");
	gw_route_add_edit(rt, GW_PHASE_REQUEST, GW_EDIT_SET, "X-A", "1");
	gw_route_add_edit(rt, GW_PHASE_REQUEST, GW_EDIT_SET, "x-a", "2");
	gw_route_add_edit(rt, GW_PHASE_RESPONSE, GW_EDIT_REMOVE, "Server",
	    "v");
	gw_route_add_edit(rt, GW_PHASE_RESPONSE, GW_EDIT_ADD, "X-B", NULL);
	/* route 1: bad name, relative prefix, uppercase host. */
	rt = gw_config_new_route(&cf);
	gw_route_init(rt, "-r1", "web");
	free(rt->rt_path);
	rt->rt_path = gw_strdup("api");
	rt->rt_host = gw_strdup("API.example.com");
	rt->rt_methods = gw_strdup("POST,GET");
	/* route 2: same name as route 3, bad exact path and rewrite. */
	rt = gw_config_new_route(&cf);
	gw_route_init(rt, "r2", "web");
	rt->rt_path_type = GW_PATH_EXACT;
	free(rt->rt_path);
	rt->rt_path = gw_strdup("/a b");
	rt->rt_rewrite = gw_strdup("v2");
	rt = gw_config_new_route(&cf);
	gw_route_init(rt, "r2", "web");
	rt->rt_path_type = 9;

	n = validate(&cf);
	T_OK(has(GW_KIND_SERVICE, 0, "retries.count",
	    "retries.count 11 out of range 0..10"), "retries range");
	T_OK(has(GW_KIND_SERVICE, 0, "health_check.interval",
	    "50ms out of range 100ms..1d"), "interval range in durations");
	T_OK(has(GW_KIND_SERVICE, 0, "retries.retry_on",
	    "\"5xx,reset\" is not in canonical form \"reset,5xx\""),
	    "non-canonical retry conditions");
	T_OK(has(GW_KIND_SERVICE, 0, "health_check.method",
	    "invalid health_check.method \"g t\""), "bad check method");
	T_OK(has(GW_KIND_SERVICE, 0, "lb", "invalid lb value 9"),
	    "lb out of its names");
	T_OK(has(GW_KIND_SERVICE, 0, "health_check.timeout",
	    "check timeout 5s must be shorter than the check interval 50ms"),
	    "check timeout not below the interval");
	T_OK(has(GW_KIND_SERVICE, 1, "name",
	    "invalid service name \"Bad_Name\""), "bad service name");
	T_OK(has(GW_KIND_SERVICE, 2, "name", "duplicate service \"web\""),
	    "duplicate service reported on the later one");
	T_OK(has(GW_KIND_SERVICE, 3, "health_check.expect",
	    "health_check.expect is missing"), "missing required string");

	T_OK(has(GW_KIND_BACKEND, 0, "service", "unknown service \"nope\""),
	    "backend of an unknown service");
	T_OK(has(GW_KIND_BACKEND, 0, "address", "invalid host \"bad host\""),
	    "bad backend host");
	T_OK(has(GW_KIND_BACKEND, 0, "address", "port 0 out of range 1..65535"),
	    "port 0");
	T_OK(has(GW_KIND_BACKEND, 0, "weight", "weight 0 out of range 1..256"),
	    "weight 0");
	T_OK(has(GW_KIND_BACKEND, 0, "state", "invalid state 7"), "state 7");
	T_OK(has(GW_KIND_BACKEND, 2, NULL,
	    "duplicate backend address 10.0.0.1:80"), "duplicate backend");
	T_OK(has(GW_KIND_BACKEND, 3, "address", "port 65536 out of range"),
	    "port 65536");

	T_OK(has(GW_KIND_ROUTE, 0, "service", "unknown service \"nope\""),
	    "route of an unknown service");
	T_OK(has(GW_KIND_ROUTE, 0, "regex", "regex \"(\" does not compile: "),
	    "regex that does not compile");
	T_OK(has(GW_KIND_ROUTE, 0, "host", "invalid host \"*\""),
	    "host * alone");
	T_OK(has(GW_KIND_ROUTE, 0, "methods",
	    "invalid method \"\" in \"GET,,POST\""), "empty method");
	T_OK(has(GW_KIND_ROUTE, 0, "rewrite",
	    "cannot be used with a regex match"), "rewrite with a regex");
	T_OK(has(GW_KIND_ROUTE, 0, "timeout", "timeout -1ms out of range"),
	    "negative route timeout");
	T_OK(has(GW_KIND_ROUTE, 0, "priority",
	    "priority 2000000 out of range -1000000..1000000"),
	    "priority out of range");
	T_OK(has(GW_KIND_ROUTE, 0, "headers",
	    "invalid header name \"bad name\""), "bad header match name");
	T_OK(has(GW_KIND_ROUTE, 0, "headers",
	    "invalid value for header \"x-ok\": contains a control"),
	    "header match value with a newline");
	T_OK(has(GW_KIND_ROUTE, 0, "request_headers",
	    "more than one \"set\" edit of request header \"x-a\""),
	    "two sets of one header, names differing in case");
	T_OK(has(GW_KIND_ROUTE, 0, "response_headers",
	    "removal of header \"Server\" has a value"), "remove with value");
	T_OK(has(GW_KIND_ROUTE, 0, "response_headers",
	    "add of header \"X-B\" has no value"), "add without value");
	T_OK(has(GW_KIND_ROUTE, 1, "name", "invalid route name \"-r1\""),
	    "bad route name");
	T_OK(has(GW_KIND_ROUTE, 1, "prefix", "invalid path \"api\""),
	    "relative prefix");
	T_OK(has(GW_KIND_ROUTE, 1, "host", "host \"API.example.com\" is not "
	    "in canonical form \"api.example.com\""), "uppercase route host");
	T_OK(has(GW_KIND_ROUTE, 1, "methods", "methods \"POST,GET\" are not "
	    "in canonical form \"GET,POST\""), "unsorted methods");
	T_OK(has(GW_KIND_ROUTE, 2, "path", "invalid path \"/a b\""),
	    "exact path with a space");
	T_OK(has(GW_KIND_ROUTE, 2, "rewrite", "invalid rewrite \"v2\""),
	    "relative rewrite");
	T_OK(has(GW_KIND_ROUTE, 3, "name", "duplicate route \"r2\""),
	    "duplicate route name");
	T_OK(has(GW_KIND_ROUTE, 3, NULL, "invalid path type 9"),
	    "bad path type");
	T_INTEQ(n, 36, "every problem reported, nothing more");
	if (n != 36)
		recs_print();

	/* No reporter: still counted. */
	T_INTEQ(gw_config_validate(&cf, NULL), n, "count without a reporter");
	recs_clear();
	gw_config_free(&cf);
}

static void
test_backend_dups(void)
{
	struct gw_config cf;

	gw_config_init(&cf);
	gw_service_init(gw_config_new_service(&cf), "web");
	gw_service_init(gw_config_new_service(&cf), "api");
	gw_backend_init(gw_config_new_backend(&cf), "web", "b.example", 80);
	gw_backend_init(gw_config_new_backend(&cf), "api", "b.example", 80);
	gw_backend_init(gw_config_new_backend(&cf), "web", "b.example", 81);
	gw_backend_init(gw_config_new_backend(&cf), "web", "B.Example", 80);
	gw_backend_init(gw_config_new_backend(&cf), "web", "b.example", 80);
	T_INTEQ(validate(&cf), 2, "two copies of one address");
	T_OK(has(GW_KIND_BACKEND, 3, NULL,
	    "duplicate backend address B.Example:80"),
	    "host names compare ignoring case");
	T_OK(has(GW_KIND_BACKEND, 4, NULL,
	    "duplicate backend address b.example:80"), "exact copy");
	T_INTEQ(gw_config_find_backend(&cf, "web", "B.EXAMPLE", 80), 0,
	    "find_backend ignores the case of the host");
	gw_config_free(&cf);
	recs_clear();
}

static struct gw_route *
add_route(struct gw_config *cf, const char *name, int type, const char *path)
{
	struct gw_route *rt = gw_config_new_route(cf);

	gw_route_init(rt, name, "web");
	rt->rt_path_type = type;
	free(rt->rt_path);
	rt->rt_path = gw_strdup(path);
	return rt;
}

static void
test_identical_routes(void)
{
	struct gw_config	 cf;
	struct gw_route		*rt;

	gw_config_init(&cf);
	gw_service_init(gw_config_new_service(&cf), "web");
	gw_service_init(gw_config_new_service(&cf), "api");
	/* 0 and 1 differ only in priority and service: identical. */
	rt = add_route(&cf, "a", GW_PATH_PREFIX, "/api");
	rt->rt_methods = gw_strdup("GET");
	gw_route_add_match(rt, "x-v", "1");
	rt = add_route(&cf, "b", GW_PATH_PREFIX, "/api");
	rt->rt_methods = gw_strdup("GET");
	rt->rt_priority = 100;
	free(rt->rt_service);
	rt->rt_service = gw_strdup("api");
	gw_route_add_match(rt, "x-v", "1");
	/* Differ from 0 in one matching field each: not identical. */
	rt = add_route(&cf, "c", GW_PATH_PREFIX, "/api");
	rt->rt_methods = gw_strdup("POST");
	gw_route_add_match(rt, "x-v", "1");
	rt = add_route(&cf, "d", GW_PATH_PREFIX, "/api");
	rt->rt_methods = gw_strdup("GET");
	gw_route_add_match(rt, "x-v", "2");
	rt = add_route(&cf, "e", GW_PATH_PREFIX, "/api");
	rt->rt_methods = gw_strdup("GET");
	gw_route_add_match(rt, "x-v", NULL);
	rt = add_route(&cf, "f", GW_PATH_PREFIX, "/api");
	rt->rt_methods = gw_strdup("GET");
	rt = add_route(&cf, "g", GW_PATH_EXACT, "/api");
	rt->rt_methods = gw_strdup("GET");
	gw_route_add_match(rt, "x-v", "1");
	rt = add_route(&cf, "h", GW_PATH_PREFIX, "/api");
	rt->rt_methods = gw_strdup("GET");
	rt->rt_host = gw_strdup("api.example.com");
	gw_route_add_match(rt, "x-v", "1");
	rt = add_route(&cf, "i", GW_PATH_PREFIX, "/api/");
	rt->rt_methods = gw_strdup("GET");
	gw_route_add_match(rt, "x-v", "1");
	rt = add_route(&cf, "j", GW_PATH_PREFIX, "/api");
	gw_route_add_match(rt, "x-v", "1");
	/* 10 repeats 0 too, and 11 repeats 7 with the host in capitals. */
	rt = add_route(&cf, "k", GW_PATH_PREFIX, "/api");
	rt->rt_methods = gw_strdup("GET");
	gw_route_add_match(rt, "X-V", "1");
	rt = add_route(&cf, "l", GW_PATH_PREFIX, "/api");
	rt->rt_methods = gw_strdup("GET");
	rt->rt_host = gw_strdup("API.example.com");
	gw_route_add_match(rt, "x-v", "1");
	/* Header order does not matter: 12 and 13 are identical. */
	rt = add_route(&cf, "m", GW_PATH_REGEX, "/v[0-9]+");
	gw_route_add_match(rt, "x-a", "1");
	gw_route_add_match(rt, "x-b", "2");
	rt = add_route(&cf, "n", GW_PATH_REGEX, "/v[0-9]+");
	gw_route_add_match(rt, "x-b", "2");
	gw_route_add_match(rt, "x-a", "1");
	/* A value with the key's separators cannot fake a match. */
	rt = add_route(&cf, "o", GW_PATH_PREFIX, "/p");
	gw_route_add_match(rt, "x-a", "1:x");
	rt = add_route(&cf, "p", GW_PATH_PREFIX, "/p");
	gw_route_add_match(rt, "x-a", "1");
	gw_route_add_match(rt, "x", NULL);

	T_INTEQ(validate(&cf), 5, "four identical pairs and one bad host");
	T_OK(has(GW_KIND_ROUTE, 1, NULL,
	    "matches exactly the same requests as route \"a\""),
	    "priority and service do not make routes differ");
	T_OK(has(GW_KIND_ROUTE, 10, NULL,
	    "matches exactly the same requests as route \"a\""),
	    "a third copy names the first");
	T_OK(has(GW_KIND_ROUTE, 11, NULL,
	    "matches exactly the same requests as route \"h\""),
	    "hosts compare in canonical form");
	T_OK(has(GW_KIND_ROUTE, 11, "host", "not in canonical form"),
	    "and the capitals are reported");
	T_OK(has(GW_KIND_ROUTE, 13, NULL,
	    "matches exactly the same requests as route \"m\""),
	    "header order does not matter");
	gw_config_free(&cf);
	recs_clear();
}

static void
test_check_rules(void)
{
	struct gw_config	 cf;
	struct gw_service	*sv;

	gw_config_init(&cf);
	sv = gw_config_new_service(&cf);
	gw_service_init(sv, "web");
	sv->sv_hc_timeout_ms = sv->sv_hc_interval_ms;
	T_INTEQ(validate(&cf), 1, "check timeout equal to the interval");
	T_OK(has(GW_KIND_SERVICE, 0, "health_check.timeout",
	    "check timeout 5s must be shorter than the check interval 5s"),
	    "the message names both values");
	sv->sv_hc_type = GW_HC_NONE;
	T_INTEQ(validate(&cf), 0, "no check, no timeout rule");
	sv->sv_hc_type = GW_HC_HTTP;
	sv->sv_hc_timeout_ms = sv->sv_hc_interval_ms - 1;
	T_INTEQ(validate(&cf), 0, "timeout just below the interval");

	/* Values from the DB in any spelling the schema allows. */
	free(sv->sv_hash_key);
	sv->sv_hash_key = gw_strdup("header:X-User");
	free(sv->sv_hc_expect);
	sv->sv_hc_expect = gw_strdup("200,201");
	sv->sv_hc_host = gw_strdup("Probe");
	T_INTEQ(validate(&cf), 3, "non-canonical values from the DB");
	T_OK(has(GW_KIND_SERVICE, 0, "hash_key", "\"header:x-user\""),
	    "hash key canonical form");
	T_OK(has(GW_KIND_SERVICE, 0, "health_check.expect", "\"200-201\""),
	    "status canonical form");
	T_OK(has(GW_KIND_SERVICE, 0, "health_check.host", "\"probe\""),
	    "check host canonical form");
	gw_config_free(&cf);
	recs_clear();
}

static void
test_outlier_rules(void)
{
	struct gw_config	 cf;
	struct gw_service	*sv;
	struct gw_backend	*be;

	gw_config_init(&cf);
	sv = gw_config_new_service(&cf);
	gw_service_init(sv, "web");
	T_INTEQ(validate(&cf), 0, "the defaults are valid");
	sv->sv_eject_max_ms = 10000;
	T_INTEQ(validate(&cf), 1, "max ejection time under the base");
	T_OK(has(GW_KIND_SERVICE, 0, "outlier_detection.max_ejection_time",
	    "outlier_detection.max_ejection_time 10s is shorter than "
	    "base_ejection_time 30s"), "the message names both values");
	sv->sv_eject_max_ms = sv->sv_eject_base_ms;
	T_INTEQ(validate(&cf), 0, "max equal to base: every ejection the "
	    "same time");
	sv->sv_eject_5xx = 1001;
	sv->sv_eject_gateway = -1;
	sv->sv_eject_max_pct = 101;
	sv->sv_dns_port = 0;
	T_INTEQ(validate(&cf), 4, "out-of-range values from the DB");
	T_OK(has(GW_KIND_SERVICE, 0, "outlier_detection.consecutive_5xx",
	    "1001 out of range 0..1000"), "consecutive 5xx range");
	T_OK(has(GW_KIND_SERVICE, 0,
	    "outlier_detection.consecutive_gateway_failures",
	    "-1 out of range 0..1000"), "gateway failures range");
	T_OK(has(GW_KIND_SERVICE, 0, "outlier_detection.max_ejection_percent",
	    "101% out of range 0%..100%"), "percent range");
	T_OK(has(GW_KIND_SERVICE, 0, "discovery.port", "0 out of range "
	    "1..65535"), "discovery port range");
	sv->sv_eject_5xx = sv->sv_eject_gateway = 0;
	sv->sv_eject_max_pct = 50;
	sv->sv_dns_port = 80;
	sv->sv_dns_name = gw_strdup("10.0.0.1");
	T_INTEQ(validate(&cf), 1, "an address for discovery (hand edit)");
	T_OK(has(GW_KIND_SERVICE, 0, "discovery.dns", "invalid discovery.dns "
	    "\"10.0.0.1\": an IP address, not a DNS name"),
	    "discovery names the address");
	free(sv->sv_dns_name);
	sv->sv_dns_name = gw_strdup("Web.NS.svc");
	T_INTEQ(validate(&cf), 1, "a DNS name not in canonical form");
	T_OK(has(GW_KIND_SERVICE, 0, "discovery.dns", "\"web.ns.svc\""),
	    "discovery canonical form");
	free(sv->sv_dns_name);
	sv->sv_dns_name = gw_strdup("web.ns.svc");
	T_INTEQ(validate(&cf), 0, "a DNS name");

	/* Backends: the source, static by default, and its range. */
	be = gw_config_new_backend(&cf);
	gw_backend_init(be, "web", "10.0.0.1", 80);
	T_INTEQ(be->be_source, GW_BE_STATIC, "a new backend is static");
	T_STREQ(gw_be_source_names[GW_BE_DNS], "dns", "source names");
	T_OK(gw_be_source_names[GW_BE_DNS + 1] == NULL, "source names end");
	be->be_source = GW_BE_DNS;
	T_INTEQ(validate(&cf), 0, "a backend found by DNS");
	be->be_source = 7;
	T_INTEQ(validate(&cf), 1, "an unknown source");
	T_OK(has(GW_KIND_BACKEND, 0, "source", "invalid source 7"),
	    "the source is named");
	gw_config_free(&cf);
	recs_clear();
}

static void
test_backend_source(void)
{
	struct gw_backend	a, b;

	gw_backend_init(&a, "web", "10.0.0.1", 80);
	gw_backend_copy(&b, &a);
	T_OK(gw_backend_equal(&a, &b), "a copy is equal");
	b.be_source = GW_BE_DNS;
	T_OK(!gw_backend_equal(&a, &b), "the source makes a difference");
	gw_backend_free(&b);
	a.be_source = GW_BE_DNS;
	gw_backend_copy(&b, &a);
	T_INTEQ(b.be_source, GW_BE_DNS, "copy keeps the source");
	gw_backend_free(&a);
	gw_backend_free(&b);
}

int
main(void)
{
	test_enum_names();
	test_field_table();
	test_field_set_get();
	test_values();
	test_route_model();
	test_config_model();
	test_validate_many();
	test_backend_dups();
	test_identical_routes();
	test_check_rules();
	test_outlier_rules();
	test_backend_source();
	return t_done();
}
