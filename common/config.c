/*
 * config: the configuration model and the table of service settings.
 * Contracts are in config.h; the checks of single values are in confval.c,
 * the validation of a whole configuration in validate.c.
 *
 * The defaults and ranges in gw_service_fields are those of the services
 * table in the schema (schema.c, versions 1 to 3): the DB's DEFAULT
 * clauses and CHECK constraints and this table must say the same, and
 * tests/unit/test_config.c holds them to it.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "config.h"
#include "duration.h"
#include "str.h"

/* Durations in the schema (MS_OK): 1 ms to one day. */
#define CF_DAY_MS	86400000
#define CF_PORT_MAX	65535

const char *const gw_lb_names[] = {
	"round_robin", "weighted", "least_request", "random", "hash",
	"latency", NULL
};
const char *const gw_hc_type_names[] = { "none", "tcp", "http", NULL };
const char *const gw_hc_initial_names[] = { "up", "down", NULL };
const char *const gw_admin_names[] = {
	"enabled", "drain", "disabled", NULL
};
const char *const gw_be_source_names[] = { "static", "dns", NULL };
const char *const gw_path_type_names[] = {
	"prefix", "exact", "regex", NULL
};
const char *const gw_phase_names[] = { "request", "response", NULL };
const char *const gw_edit_op_names[] = { "set", "add", "remove", NULL };
const char *const gw_kind_names[] = { "service", "backend", "route", "scale",
	NULL };

/* Largest value of an enum from its NULL-terminated name table. */
#define CF_ENUM_MAX(names)	((long long)(sizeof(names) / \
				    sizeof((names)[0])) - 2)
#define CF_OFF(m)		offsetof(struct gw_service, m)

/* An ENUM field's range is its index range, so one range check fits all. */
#define CF_ENUM(g, k, fl, col, m, names, def, help) \
	{ g, k, fl, col, GW_FT_ENUM, CF_OFF(m), 0, CF_ENUM_MAX(names), \
	  names, NULL, 0, def, help }
#define CF_NUM(g, k, fl, col, type, m, min, max, def, help) \
	{ g, k, fl, col, type, CF_OFF(m), min, max, NULL, NULL, 0, def, help }
#define CF_STR(g, k, fl, col, m, norm, flags, def, help) \
	{ g, k, fl, col, GW_FT_STR, CF_OFF(m), 0, 0, NULL, norm, flags, def, \
	  help }

const struct gw_field gw_service_fields[] = {
	CF_ENUM(NULL, "lb", "lb", "lb_policy", sv_lb, gw_lb_names,
	    "round_robin", "load-balancing policy"),
	CF_STR(NULL, "hash_key", "hash-key", "hash_key", sv_hash_key,
	    gw_hash_key_norm, 0, "ip",
	    "hash key: ip, header:NAME or cookie:NAME"),
	CF_NUM("timeouts", "connect", "connect-timeout", "connect_timeout_ms",
	    GW_FT_DURATION, sv_connect_timeout_ms, 1, CF_DAY_MS, "3s",
	    "time to connect to a backend"),
	CF_NUM("timeouts", "request", "request-timeout", "request_timeout_ms",
	    GW_FT_DURATION, sv_request_timeout_ms, 1, CF_DAY_MS, "15s",
	    "time for a whole request to a backend"),
	CF_NUM("timeouts", "response", "response-timeout",
	    "response_timeout_ms", GW_FT_DURATION, sv_response_timeout_ms, 0,
	    CF_DAY_MS, "0s", "time to a backend's response head, 0s: none"),
	CF_NUM("timeouts", "idle", "idle-timeout", "idle_timeout_ms",
	    GW_FT_DURATION, sv_idle_timeout_ms, 1, CF_DAY_MS, "1m",
	    "keep-alive of idle backend connections"),
	CF_NUM("retries", "count", "retries", "retries", GW_FT_INT,
	    sv_retries, 0, 10, "1", "retries of a failed request, 0..10"),
	CF_STR("retries", "retry_on", "retry-on", "retry_on", sv_retry_on,
	    gw_retry_on_norm, 0, "connect-failure,reset",
	    "failures to retry: connect-failure,reset,timeout,5xx"),
	CF_NUM("circuit_breaker", "max_connections", "max-connections",
	    "cb_max_connections", GW_FT_INT, sv_max_connections, 1, 1000000,
	    "1024", "most connections open to the backends"),
	CF_NUM("circuit_breaker", "max_pending", "max-pending",
	    "cb_max_pending", GW_FT_INT, sv_max_pending, 0, 1000000, "1024",
	    "most requests waiting for a connection"),
	CF_NUM("circuit_breaker", "max_requests", "max-requests",
	    "cb_max_requests", GW_FT_INT, sv_max_requests, 1, 1000000, "1024",
	    "most requests in flight"),
	CF_NUM("circuit_breaker", "max_retries", "max-retries",
	    "cb_max_retries", GW_FT_INT, sv_max_retries, 0, 1000000, "3",
	    "most retries in flight"),
	CF_ENUM("health_check", "type", "check", "hc_type", sv_hc_type,
	    gw_hc_type_names, "tcp", "type of health check"),
	CF_STR("health_check", "method", "check-method", "hc_method",
	    sv_hc_method, gw_hc_method_norm, 0, "GET",
	    "method of the http check"),
	CF_STR("health_check", "path", "check-path", "hc_path", sv_hc_path,
	    gw_hc_path_norm, 0, "/", "path (and query) of the http check"),
	CF_STR("health_check", "host", "check-host", "hc_host", sv_hc_host,
	    gw_hc_host_norm, GW_FF_NULLABLE, NULL,
	    "Host header of the http check"),
	CF_STR("health_check", "expect", "check-expect", "hc_expect_status",
	    sv_hc_expect, gw_status_ranges_norm, 0, "200-399",
	    "statuses that pass the http check"),
	CF_STR("health_check", "body", "check-body", "hc_expect_body",
	    sv_hc_body, gw_hc_body_norm, GW_FF_NULLABLE, NULL,
	    "text the http response must contain"),
	CF_NUM("health_check", "interval", "check-interval", "hc_interval_ms",
	    GW_FT_DURATION, sv_hc_interval_ms, 100, CF_DAY_MS, "5s",
	    "time between checks"),
	CF_NUM("health_check", "fast_interval", "check-fast-interval",
	    "hc_fast_interval_ms", GW_FT_DURATION, sv_hc_fast_interval_ms,
	    100, CF_DAY_MS, "1s",
	    "interval while a backend changes state"),
	CF_NUM("health_check", "timeout", "check-timeout", "hc_timeout_ms",
	    GW_FT_DURATION, sv_hc_timeout_ms, 1, CF_DAY_MS, "1s",
	    "time limit of a check, under the interval"),
	CF_NUM("health_check", "rise", "check-rise", "hc_rise", GW_FT_INT,
	    sv_hc_rise, 1, 100, "2", "passes in a row to mark a backend up"),
	CF_NUM("health_check", "fall", "check-fall", "hc_fall", GW_FT_INT,
	    sv_hc_fall, 1, 100, "3",
	    "failures in a row to mark a backend down"),
	CF_NUM("health_check", "jitter", "check-jitter", "hc_jitter_pct",
	    GW_FT_PERCENT, sv_hc_jitter_pct, 0, 50, "10%",
	    "random spread of the interval, 0..50%"),
	CF_ENUM("health_check", "initial", "check-initial", "hc_initial",
	    sv_hc_initial, gw_hc_initial_names, "up",
	    "health of a backend not checked yet"),
	CF_NUM(NULL, "panic_threshold", "panic-threshold",
	    "panic_threshold_pct", GW_FT_PERCENT, sv_panic_pct, 0, 100, "0%",
	    "under this % healthy, use all backends"),
	CF_STR("discovery", "dns", "dns", "discovery_dns", sv_dns_name,
	    gw_dns_name_norm, GW_FF_NULLABLE, NULL,
	    "DNS name whose addresses are backends"),
	CF_NUM("discovery", "port", "dns-port", "discovery_port", GW_FT_INT,
	    sv_dns_port, 1, CF_PORT_MAX, "80",
	    "port of the backends found by DNS"),
	CF_NUM("outlier_detection", "consecutive_5xx", "eject-5xx",
	    "outlier_5xx", GW_FT_INT, sv_eject_5xx, 0, 1000, "5",
	    "5xx in a row that eject a backend, 0: off"),
	CF_NUM("outlier_detection", "consecutive_gateway_failures",
	    "eject-gateway-failures", "outlier_gateway", GW_FT_INT,
	    sv_eject_gateway, 0, 1000, "5",
	    "gateway failures in a row that eject, 0: off"),
	CF_NUM("outlier_detection", "base_ejection_time", "eject-time",
	    "outlier_base_ms", GW_FT_DURATION, sv_eject_base_ms, 1, CF_DAY_MS,
	    "30s", "base ejection time, times n for the n-th"),
	CF_NUM("outlier_detection", "max_ejection_time", "eject-max-time",
	    "outlier_max_ms", GW_FT_DURATION, sv_eject_max_ms, 1, CF_DAY_MS,
	    "5m", "longest ejection, not under --eject-time"),
	CF_NUM("outlier_detection", "max_ejection_percent",
	    "eject-max-percent", "outlier_max_pct", GW_FT_PERCENT,
	    sv_eject_max_pct, 0, 100, "50%",
	    "most backends ejected at once, in %"),
};
const size_t gw_service_nfields =
    sizeof(gw_service_fields) / sizeof(gw_service_fields[0]);

/* The table or a caller broke an invariant no input can break. */
static void cf_bug(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
cf_bug(const char *fmt, ...)
{
	va_list ap;

	fputs("gw: config: bug: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* The YAML key path of a field: "health_check.timeout" or "lb". */
const char *
gw_field_path(const struct gw_field *f, char *buf, size_t len)
{
	if (f->f_group == NULL)
		return f->f_key;
	snprintf(buf, len, "%s.%s", f->f_group, f->f_key);
	return buf;
}

const struct gw_field *
gw_service_field_by_flag(const char *flag)
{
	const struct gw_field	*f;
	char			 path[64];
	size_t			 i;

	for (i = 0; i < gw_service_nfields; i++) {
		f = &gw_service_fields[i];
		if (strcmp(f->f_flag, flag) == 0 ||
		    strcmp(gw_field_path(f, path, sizeof(path)), flag) == 0)
			return f;
	}
	return NULL;
}

const struct gw_field *
gw_service_field_by_key(const char *group, const char *key)
{
	const struct gw_field	*f;
	size_t			 i;

	for (i = 0; i < gw_service_nfields; i++) {
		f = &gw_service_fields[i];
		if (gw_streq_null(f->f_group, group) &&
		    strcmp(f->f_key, key) == 0)
			return f;
	}
	return NULL;
}

int64_t *
gw_field_i64(const struct gw_field *f, struct gw_service *sv)
{
	assert(f->f_type == GW_FT_INT || f->f_type == GW_FT_DURATION ||
	    f->f_type == GW_FT_PERCENT);
	return (int64_t *)(void *)((char *)sv + f->f_off);
}

int *
gw_field_enum(const struct gw_field *f, struct gw_service *sv)
{
	assert(f->f_type == GW_FT_ENUM);
	return (int *)(void *)((char *)sv + f->f_off);
}

char **
gw_field_str(const struct gw_field *f, struct gw_service *sv)
{
	assert(f->f_type == GW_FT_STR);
	return (char **)(void *)((char *)sv + f->f_off);
}

/* Read-only twins of the above, for const services. */
int64_t
gw_field_i64_get(const struct gw_field *f, const struct gw_service *sv)
{
	return *(const int64_t *)(const void *)((const char *)sv + f->f_off);
}

int
gw_field_enum_get(const struct gw_field *f, const struct gw_service *sv)
{
	return *(const int *)(const void *)((const char *)sv + f->f_off);
}

const char *
gw_field_str_get(const struct gw_field *f, const struct gw_service *sv)
{
	return *(const char *const *)(const void *)((const char *)sv +
	    f->f_off);
}

int
gw_field_set(const struct gw_field *f, struct gw_service *sv,
    const char *text, const char **errstr)
{
	char		 num[32], **sp, *s;
	long long	 v;
	int64_t		 ms;
	size_t		 len;
	int		 e;

	/* An empty value unsets an optional setting: --check-host ''. */
	if (text == NULL || (text[0] == '\0' && f->f_type == GW_FT_STR &&
	    (f->f_flags & GW_FF_NULLABLE))) {
		if (f->f_type != GW_FT_STR || !(f->f_flags & GW_FF_NULLABLE)) {
			*errstr = "a value is required";
			return -1;
		}
		sp = gw_field_str(f, sv);
		free(*sp);
		*sp = NULL;
		return 0;
	}
	switch (f->f_type) {
	case GW_FT_INT:
		if (gw_int_parse(text, f->f_min, f->f_max, &v, errstr) == -1)
			return -1;
		*gw_field_i64(f, sv) = v;
		return 0;
	case GW_FT_PERCENT:
		/* "10%" or "10": the sign is optional, the unit is fixed. */
		len = strlen(text);
		if (len > 0 && text[len - 1] == '%')
			len--;
		if (len >= sizeof(num)) {
			*errstr = "not a percentage";
			return -1;
		}
		memcpy(num, text, len);
		num[len] = '\0';
		if (gw_int_parse(num, f->f_min, f->f_max, &v, errstr) == -1)
			return -1;
		*gw_field_i64(f, sv) = v;
		return 0;
	case GW_FT_DURATION:
		if (gw_duration_parse(text, &ms, errstr) == -1)
			return -1;
		if (ms < f->f_min || ms > f->f_max) {
			static _Thread_local char range[64];
			char lo[32], hi[32];

			snprintf(range, sizeof(range), "out of range %s..%s",
			    gw_duration_fmt(f->f_min, lo, sizeof(lo)),
			    gw_duration_fmt(f->f_max, hi, sizeof(hi)));
			*errstr = range;
			return -1;
		}
		*gw_field_i64(f, sv) = ms;
		return 0;
	case GW_FT_ENUM:
		if (gw_enum_parse(f->f_enum, text, &e, errstr) == -1)
			return -1;
		*gw_field_enum(f, sv) = e;
		return 0;
	case GW_FT_STR:
		if ((s = f->f_norm(text, errstr)) == NULL)
			return -1;
		sp = gw_field_str(f, sv);
		free(*sp);
		*sp = s;
		return 0;
	}
	cf_bug("field %s has type %d", f->f_key, (int)f->f_type);
}

/*
 * A string field's text is the member itself rather than a copy into buf:
 * paths run to GW_PATH_MAX bytes and a short buf must not cut them.
 */
const char *
gw_field_get(const struct gw_field *f, const struct gw_service *sv,
    char *buf, size_t len)
{
	int e;

	switch (f->f_type) {
	case GW_FT_INT:
		snprintf(buf, len, "%lld", (long long)gw_field_i64_get(f, sv));
		return buf;
	case GW_FT_PERCENT:
		snprintf(buf, len, "%lld%%", (long long)gw_field_i64_get(f, sv));
		return buf;
	case GW_FT_DURATION:
		return gw_duration_fmt(gw_field_i64_get(f, sv), buf, len);
	case GW_FT_ENUM:
		e = gw_field_enum_get(f, sv);
		if (e >= 0 && e <= f->f_max)
			gw_strlcpy(buf, f->f_enum[e], len);
		else
			snprintf(buf, len, "%d", e);
		return buf;
	case GW_FT_STR:
		return gw_field_str_get(f, sv);
	}
	cf_bug("field %s has type %d", f->f_key, (int)f->f_type);
}

int
gw_field_equal(const struct gw_field *f, const struct gw_service *a,
    const struct gw_service *b)
{
	switch (f->f_type) {
	case GW_FT_INT:
	case GW_FT_PERCENT:
	case GW_FT_DURATION:
		return gw_field_i64_get(f, a) == gw_field_i64_get(f, b);
	case GW_FT_ENUM:
		return gw_field_enum_get(f, a) == gw_field_enum_get(f, b);
	case GW_FT_STR:
		return gw_streq_null(gw_field_str_get(f, a), gw_field_str_get(f, b));
	}
	cf_bug("field %s has type %d", f->f_key, (int)f->f_type);
}

/*
 * Services: every setting is in the table, so init, copy, free and equal
 * walk it and a new setting needs no code here.
 */
void
gw_service_init(struct gw_service *sv, const char *name)
{
	const char	*errstr;
	size_t		 i;

	memset(sv, 0, sizeof(*sv));
	sv->sv_name = gw_strdup_null(name);
	for (i = 0; i < gw_service_nfields; i++)
		if (gw_field_set(&gw_service_fields[i], sv,
		    gw_service_fields[i].f_default, &errstr) == -1)
			cf_bug("default of %s: %s",
			    gw_service_fields[i].f_key, errstr);
}

void
gw_service_copy(struct gw_service *dst, const struct gw_service *src)
{
	const struct gw_field	*f;
	size_t			 i;

	*dst = *src;
	dst->sv_name = gw_strdup_null(src->sv_name);
	for (i = 0; i < gw_service_nfields; i++) {
		f = &gw_service_fields[i];
		if (f->f_type == GW_FT_STR)
			*gw_field_str(f, dst) = gw_strdup_null(gw_field_str_get(f, src));
	}
}

void
gw_service_free(struct gw_service *sv)
{
	const struct gw_field	*f;
	size_t			 i;

	free(sv->sv_name);
	for (i = 0; i < gw_service_nfields; i++) {
		f = &gw_service_fields[i];
		if (f->f_type == GW_FT_STR)
			free(*gw_field_str(f, sv));
	}
	memset(sv, 0, sizeof(*sv));
}

int
gw_service_equal(const struct gw_service *a, const struct gw_service *b)
{
	size_t i;

	if (!gw_streq_null(a->sv_name, b->sv_name))
		return 0;
	for (i = 0; i < gw_service_nfields; i++)
		if (!gw_field_equal(&gw_service_fields[i], a, b))
			return 0;
	return 1;
}

void
gw_backend_init(struct gw_backend *be, const char *service,
    const char *host, int port)
{
	memset(be, 0, sizeof(*be));
	be->be_service = gw_strdup_null(service);
	be->be_host = gw_strdup_null(host);
	be->be_port = port;
	be->be_weight = GW_WEIGHT_DEFAULT;
	be->be_state = GW_ADMIN_ENABLED;
	be->be_source = GW_BE_STATIC;
}

void
gw_backend_copy(struct gw_backend *dst, const struct gw_backend *src)
{
	*dst = *src;
	dst->be_service = gw_strdup_null(src->be_service);
	dst->be_host = gw_strdup_null(src->be_host);
}

void
gw_backend_free(struct gw_backend *be)
{
	free(be->be_service);
	free(be->be_host);
	memset(be, 0, sizeof(*be));
}

int
gw_backend_equal(const struct gw_backend *a, const struct gw_backend *b)
{
	return gw_streq_null(a->be_service, b->be_service) &&
	    gw_streq_null(a->be_host, b->be_host) &&
	    a->be_port == b->be_port && a->be_weight == b->be_weight &&
	    a->be_state == b->be_state && a->be_source == b->be_source;
}

char *
gw_backend_id(const struct gw_backend *be, char *buf, size_t len)
{
	char addr[GW_ADDR_STR_MAX];

	gw_addr_fmt(be->be_host, be->be_port, addr, sizeof(addr));
	snprintf(buf, len, "%s/%s",
	    be->be_service != NULL ? be->be_service : "", addr);
	return buf;
}

void
gw_route_init(struct gw_route *rt, const char *name, const char *service)
{
	memset(rt, 0, sizeof(*rt));
	rt->rt_name = gw_strdup_null(name);
	rt->rt_service = gw_strdup_null(service);
	/* The schema's defaults: every path. */
	rt->rt_path_type = GW_PATH_PREFIX;
	rt->rt_path = gw_strdup("/");
}

void
gw_route_copy(struct gw_route *dst, const struct gw_route *src)
{
	size_t i;

	*dst = *src;
	dst->rt_name = gw_strdup_null(src->rt_name);
	dst->rt_host = gw_strdup_null(src->rt_host);
	dst->rt_path = gw_strdup_null(src->rt_path);
	dst->rt_methods = gw_strdup_null(src->rt_methods);
	dst->rt_service = gw_strdup_null(src->rt_service);
	dst->rt_rewrite = gw_strdup_null(src->rt_rewrite);
	dst->rt_headers = NULL;
	dst->rt_edits = NULL;
	if (src->rt_nheaders > 0)
		dst->rt_headers = gw_reallocarray(NULL, src->rt_nheaders,
		    sizeof(*dst->rt_headers));
	for (i = 0; i < src->rt_nheaders; i++) {
		dst->rt_headers[i].hm_name =
		    gw_strdup_null(src->rt_headers[i].hm_name);
		dst->rt_headers[i].hm_value =
		    gw_strdup_null(src->rt_headers[i].hm_value);
	}
	if (src->rt_nedits > 0)
		dst->rt_edits = gw_reallocarray(NULL, src->rt_nedits,
		    sizeof(*dst->rt_edits));
	for (i = 0; i < src->rt_nedits; i++) {
		dst->rt_edits[i] = src->rt_edits[i];
		dst->rt_edits[i].he_name =
		    gw_strdup_null(src->rt_edits[i].he_name);
		dst->rt_edits[i].he_value =
		    gw_strdup_null(src->rt_edits[i].he_value);
	}
}

void
gw_route_clear_matches(struct gw_route *rt)
{
	size_t i;

	for (i = 0; i < rt->rt_nheaders; i++) {
		free(rt->rt_headers[i].hm_name);
		free(rt->rt_headers[i].hm_value);
	}
	free(rt->rt_headers);
	rt->rt_headers = NULL;
	rt->rt_nheaders = 0;
}

void
gw_route_clear_edits(struct gw_route *rt, int phase)
{
	size_t i, n = 0;

	for (i = 0; i < rt->rt_nedits; i++) {
		if (rt->rt_edits[i].he_phase == phase) {
			free(rt->rt_edits[i].he_name);
			free(rt->rt_edits[i].he_value);
		} else
			rt->rt_edits[n++] = rt->rt_edits[i];
	}
	rt->rt_nedits = n;
	if (n == 0) {
		free(rt->rt_edits);
		rt->rt_edits = NULL;
	}
}

void
gw_route_free(struct gw_route *rt)
{
	size_t i;

	free(rt->rt_name);
	free(rt->rt_host);
	free(rt->rt_path);
	free(rt->rt_methods);
	free(rt->rt_service);
	free(rt->rt_rewrite);
	gw_route_clear_matches(rt);
	for (i = 0; i < rt->rt_nedits; i++) {
		free(rt->rt_edits[i].he_name);
		free(rt->rt_edits[i].he_value);
	}
	free(rt->rt_edits);
	memset(rt, 0, sizeof(*rt));
}

int
gw_route_equal(const struct gw_route *a, const struct gw_route *b)
{
	const struct gw_hdr_match	*ma, *mb;
	const struct gw_hdr_edit	*ea, *eb;
	size_t				 i;

	if (!gw_streq_null(a->rt_name, b->rt_name) ||
	    a->rt_priority != b->rt_priority ||
	    !gw_streq_null(a->rt_host, b->rt_host) ||
	    a->rt_path_type != b->rt_path_type ||
	    !gw_streq_null(a->rt_path, b->rt_path) ||
	    !gw_streq_null(a->rt_methods, b->rt_methods) ||
	    !gw_streq_null(a->rt_service, b->rt_service) ||
	    !gw_streq_null(a->rt_rewrite, b->rt_rewrite) ||
	    a->rt_timeout_ms != b->rt_timeout_ms ||
	    a->rt_response_timeout_ms != b->rt_response_timeout_ms ||
	    a->rt_nheaders != b->rt_nheaders || a->rt_nedits != b->rt_nedits)
		return 0;
	for (i = 0; i < a->rt_nheaders; i++) {
		ma = &a->rt_headers[i];
		mb = &b->rt_headers[i];
		if (!gw_streq_null(ma->hm_name, mb->hm_name) ||
		    !gw_streq_null(ma->hm_value, mb->hm_value))
			return 0;
	}
	for (i = 0; i < a->rt_nedits; i++) {
		ea = &a->rt_edits[i];
		eb = &b->rt_edits[i];
		if (ea->he_phase != eb->he_phase || ea->he_op != eb->he_op ||
		    !gw_streq_null(ea->he_name, eb->he_name) ||
		    !gw_streq_null(ea->he_value, eb->he_value))
			return 0;
	}
	return 1;
}

/* NULL sorts first, so a half-built object still sorts. */
static int
cf_strcmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

void
gw_route_add_match(struct gw_route *rt, const char *name, const char *value)
{
	struct gw_hdr_match	*hm;
	char			*lname;
	size_t			 i;
	int			 c = 1;

	/* Header names are case-insensitive (RFC 9110, section 5.1). */
	lname = gw_str_lower(gw_strdup(name));
	for (i = 0; i < rt->rt_nheaders; i++)
		if ((c = cf_strcmp_null(rt->rt_headers[i].hm_name, lname)) >= 0)
			break;
	if (i < rt->rt_nheaders && c == 0) {
		hm = &rt->rt_headers[i];
		free(lname);
		free(hm->hm_value);
		hm->hm_value = gw_strdup_null(value);
		return;
	}
	rt->rt_headers = gw_reallocarray(rt->rt_headers, rt->rt_nheaders + 1,
	    sizeof(*rt->rt_headers));
	memmove(&rt->rt_headers[i + 1], &rt->rt_headers[i],
	    (rt->rt_nheaders - i) * sizeof(*rt->rt_headers));
	rt->rt_nheaders++;
	rt->rt_headers[i].hm_name = lname;
	rt->rt_headers[i].hm_value = gw_strdup_null(value);
}

/* Canonical edit order: phase, op (set, add, remove), name ignoring case. */
int
gw_hdr_edit_cmp(const struct gw_hdr_edit *a, const struct gw_hdr_edit *b)
{
	if (a->he_phase != b->he_phase)
		return a->he_phase < b->he_phase ? -1 : 1;
	if (a->he_op != b->he_op)
		return a->he_op < b->he_op ? -1 : 1;
	if (a->he_name == NULL || b->he_name == NULL)
		return cf_strcmp_null(a->he_name, b->he_name);
	return strcasecmp(a->he_name, b->he_name);
}

/*
 * Edits with an equal key go after the ones already there rather than
 * replace them: two sets of one header are a mistake validation reports,
 * not one to hide by keeping the last.
 */
void
gw_route_add_edit(struct gw_route *rt, int phase, int op, const char *name,
    const char *value)
{
	struct gw_hdr_edit	 he;
	size_t			 i;

	he.he_phase = phase;
	he.he_op = op;
	he.he_name = gw_strdup(name);
	he.he_value = gw_strdup_null(value);
	for (i = rt->rt_nedits; i > 0; i--)
		if (gw_hdr_edit_cmp(&rt->rt_edits[i - 1], &he) <= 0)
			break;
	rt->rt_edits = gw_reallocarray(rt->rt_edits, rt->rt_nedits + 1,
	    sizeof(*rt->rt_edits));
	memmove(&rt->rt_edits[i + 1], &rt->rt_edits[i],
	    (rt->rt_nedits - i) * sizeof(*rt->rt_edits));
	rt->rt_nedits++;
	rt->rt_edits[i] = he;
}

void
gw_config_init(struct gw_config *cf)
{
	memset(cf, 0, sizeof(*cf));
}

void
gw_config_free(struct gw_config *cf)
{
	size_t i;

	for (i = 0; i < cf->cf_nservices; i++)
		gw_service_free(&cf->cf_services[i]);
	for (i = 0; i < cf->cf_nbackends; i++)
		gw_backend_free(&cf->cf_backends[i]);
	for (i = 0; i < cf->cf_nroutes; i++)
		gw_route_free(&cf->cf_routes[i]);
	for (i = 0; i < cf->cf_nscale_targets; i++)
		gw_scale_target_free(&cf->cf_scale_targets[i]);
	free(cf->cf_services);
	free(cf->cf_backends);
	free(cf->cf_routes);
	free(cf->cf_scale_targets);
	memset(cf, 0, sizeof(*cf));
}

void
gw_config_copy(struct gw_config *dst, const struct gw_config *src)
{
	size_t i;

	gw_config_init(dst);
	for (i = 0; i < src->cf_nservices; i++)
		gw_service_copy(gw_config_new_service(dst),
		    &src->cf_services[i]);
	for (i = 0; i < src->cf_nbackends; i++)
		gw_backend_copy(gw_config_new_backend(dst),
		    &src->cf_backends[i]);
	for (i = 0; i < src->cf_nroutes; i++)
		gw_route_copy(gw_config_new_route(dst), &src->cf_routes[i]);
	for (i = 0; i < src->cf_nscale_targets; i++)
		if (gw_scale_target_copy(gw_config_new_scale_target(dst),
		    &src->cf_scale_targets[i]) == -1) {
			/* As str.c's allocators do. */
			fputs("gw: out of memory\n", stderr);
			abort();
		}
}

/*
 * One slot more each time: configs hold hundreds of objects, not
 * millions, and realloc usually grows in place.
 */
static void *
cf_append(void *arr, size_t *n, size_t size)
{
	char *p;

	p = gw_reallocarray(arr, *n + 1, size);
	memset(p + *n * size, 0, size);
	(*n)++;
	return p;
}

struct gw_service *
gw_config_new_service(struct gw_config *cf)
{
	cf->cf_services = cf_append(cf->cf_services, &cf->cf_nservices,
	    sizeof(*cf->cf_services));
	return &cf->cf_services[cf->cf_nservices - 1];
}

struct gw_backend *
gw_config_new_backend(struct gw_config *cf)
{
	cf->cf_backends = cf_append(cf->cf_backends, &cf->cf_nbackends,
	    sizeof(*cf->cf_backends));
	return &cf->cf_backends[cf->cf_nbackends - 1];
}

struct gw_route *
gw_config_new_route(struct gw_config *cf)
{
	cf->cf_routes = cf_append(cf->cf_routes, &cf->cf_nroutes,
	    sizeof(*cf->cf_routes));
	return &cf->cf_routes[cf->cf_nroutes - 1];
}

struct gw_scale_target *
gw_config_new_scale_target(struct gw_config *cf)
{
	cf->cf_scale_targets = cf_append(cf->cf_scale_targets,
	    &cf->cf_nscale_targets, sizeof(*cf->cf_scale_targets));
	return &cf->cf_scale_targets[cf->cf_nscale_targets - 1];
}

long
gw_config_find_service(const struct gw_config *cf, const char *name)
{
	size_t i;

	for (i = 0; i < cf->cf_nservices; i++)
		if (gw_streq_null(cf->cf_services[i].sv_name, name))
			return (long)i;
	return -1;
}

/* Hosts compare ignoring case: DNS names do (RFC 4343). */
long
gw_config_find_backend(const struct gw_config *cf, const char *service,
    const char *host, int port)
{
	const struct gw_backend	*be;
	size_t			 i;

	for (i = 0; i < cf->cf_nbackends; i++) {
		be = &cf->cf_backends[i];
		if (be->be_port == port &&
		    gw_streq_null(be->be_service, service) &&
		    be->be_host != NULL && host != NULL &&
		    strcasecmp(be->be_host, host) == 0)
			return (long)i;
	}
	return -1;
}

long
gw_config_find_route(const struct gw_config *cf, const char *name)
{
	size_t i;

	for (i = 0; i < cf->cf_nroutes; i++)
		if (gw_streq_null(cf->cf_routes[i].rt_name, name))
			return (long)i;
	return -1;
}

long
gw_config_find_scale_target(const struct gw_config *cf, const char *name)
{
	size_t i;

	for (i = 0; i < cf->cf_nscale_targets; i++)
		if (gw_streq_null(cf->cf_scale_targets[i].st_name, name))
			return (long)i;
	return -1;
}

void
gw_config_remove_service(struct gw_config *cf, size_t i)
{
	if (i >= cf->cf_nservices)
		cf_bug("remove_service: index %zu of %zu", i,
		    cf->cf_nservices);
	gw_service_free(&cf->cf_services[i]);
	memmove(&cf->cf_services[i], &cf->cf_services[i + 1],
	    (cf->cf_nservices - i - 1) * sizeof(*cf->cf_services));
	cf->cf_nservices--;
}

void
gw_config_remove_backend(struct gw_config *cf, size_t i)
{
	if (i >= cf->cf_nbackends)
		cf_bug("remove_backend: index %zu of %zu", i,
		    cf->cf_nbackends);
	gw_backend_free(&cf->cf_backends[i]);
	memmove(&cf->cf_backends[i], &cf->cf_backends[i + 1],
	    (cf->cf_nbackends - i - 1) * sizeof(*cf->cf_backends));
	cf->cf_nbackends--;
}

void
gw_config_remove_route(struct gw_config *cf, size_t i)
{
	if (i >= cf->cf_nroutes)
		cf_bug("remove_route: index %zu of %zu", i, cf->cf_nroutes);
	gw_route_free(&cf->cf_routes[i]);
	memmove(&cf->cf_routes[i], &cf->cf_routes[i + 1],
	    (cf->cf_nroutes - i - 1) * sizeof(*cf->cf_routes));
	cf->cf_nroutes--;
}

void
gw_config_remove_scale_target(struct gw_config *cf, size_t i)
{
	if (i >= cf->cf_nscale_targets)
		cf_bug("remove_scale_target: index %zu of %zu", i,
		    cf->cf_nscale_targets);
	gw_scale_target_free(&cf->cf_scale_targets[i]);
	memmove(&cf->cf_scale_targets[i], &cf->cf_scale_targets[i + 1],
	    (cf->cf_nscale_targets - i - 1) * sizeof(*cf->cf_scale_targets));
	cf->cf_nscale_targets--;
}

static int
cf_service_cmp(const void *a, const void *b)
{
	return cf_strcmp_null(((const struct gw_service *)a)->sv_name,
	    ((const struct gw_service *)b)->sv_name);
}

static int
cf_backend_cmp(const void *a, const void *b)
{
	const struct gw_backend	*x = a, *y = b;
	int			 c;

	if ((c = cf_strcmp_null(x->be_service, y->be_service)) != 0 ||
	    (c = cf_strcmp_null(x->be_host, y->be_host)) != 0)
		return c;
	return (x->be_port > y->be_port) - (x->be_port < y->be_port);
}

static int
cf_route_cmp(const void *a, const void *b)
{
	return cf_strcmp_null(((const struct gw_route *)a)->rt_name,
	    ((const struct gw_route *)b)->rt_name);
}

static int
cf_scale_cmp(const void *a, const void *b)
{
	return cf_strcmp_null(((const struct gw_scale_target *)a)->st_name,
	    ((const struct gw_scale_target *)b)->st_name);
}

void
gw_config_sort(struct gw_config *cf)
{
	if (cf->cf_nservices > 1)
		qsort(cf->cf_services, cf->cf_nservices,
		    sizeof(*cf->cf_services), cf_service_cmp);
	if (cf->cf_nbackends > 1)
		qsort(cf->cf_backends, cf->cf_nbackends,
		    sizeof(*cf->cf_backends), cf_backend_cmp);
	if (cf->cf_nroutes > 1)
		qsort(cf->cf_routes, cf->cf_nroutes, sizeof(*cf->cf_routes),
		    cf_route_cmp);
	if (cf->cf_nscale_targets > 1)
		qsort(cf->cf_scale_targets, cf->cf_nscale_targets,
		    sizeof(*cf->cf_scale_targets), cf_scale_cmp);
}
