/*
 * scale: the scale target model, its validation, and the HPA v2 behavior
 * in its Kubernetes JSON form.  See scale.h.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "confval.h"
#include "duration.h"
#include "scale.h"
#include "str.h"

const char *const gw_hpa_policy_names[] = { "Pods", "Percent", NULL };
const char *const gw_hpa_select_names[] = { "Max", "Min", "Disabled",
    NULL };
const char *const gw_scale_kind_names[] = { "deployment", "statefulset",
    "replicaset", NULL };
const char *const gw_scale_source_names[] = { "gateway", "prometheus",
    NULL };
const char *const gw_scale_ttype_names[] = { "value", "average_value",
    "utilization", NULL };
const char *const gw_scale_gwmetric_names[] = { "requests_per_second",
    "in_flight", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms",
    "error_rate", NULL };

/* A PromQL expression or URL longer than this is surely a mistake. */
#define SCALE_TEXT_MAX	4096

int
gw_scale_name_index(const char *const *names, const char *name)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

void
gw_hpa_default_behavior(struct gw_hpa_behavior *b)
{
	memset(b, 0, sizeof(*b));
	b->hb_up.hr_stabilization_s = 0;
	b->hb_up.hr_select = GW_HPA_SELECT_MAX;
	b->hb_up.hr_npolicies = 2;
	b->hb_up.hr_policies[0] = (struct gw_hpa_policy){ GW_HPA_POLICY_PODS,
	    4, 15 };
	b->hb_up.hr_policies[1] = (struct gw_hpa_policy){
	    GW_HPA_POLICY_PERCENT, 100, 15 };
	b->hb_up.hr_tolerance = -1;
	b->hb_down.hr_stabilization_s = -1;
	b->hb_down.hr_select = GW_HPA_SELECT_MAX;
	b->hb_down.hr_npolicies = 1;
	b->hb_down.hr_policies[0] = (struct gw_hpa_policy){
	    GW_HPA_POLICY_PERCENT, 100, 15 };
	b->hb_down.hr_tolerance = -1;
}

/*
 * A resource.Quantity as the tolerance field takes it: a JSON number, or
 * a string such as "0.05" or "50m" (milli).  Only the decimal forms a
 * tolerance can sensibly have.
 */
static int
beh_quantity(const json_t *v, double *out)
{
	const char	*s;
	char		*end;
	double		 d;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return isfinite(*out) ? 0 : -1;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(d))
		return -1;
	if (strcmp(end, "m") == 0)
		d /= 1000;
	else if (*end != '\0')
		return -1;
	*out = d;
	return 0;
}

/*
 * The bad value v as messages show it: its compact JSON text (strings
 * quoted), cut short when long.  Returns buf.
 */
static const char *
beh_text(const json_t *v, char *buf, size_t len)
{
	char	*s;

	if ((s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT |
	    JSON_REAL_PRECISION(json_is_real(v) ?
	    gw_scale_real_digits(json_real_value(v)) : 17))) == NULL) {
		snprintf(buf, len, "?");
		return buf;
	}
	/* Cut with "..." when too long: copy, then overwrite the tail. */
	gw_strlcpy(buf, s, len);
	if (strlen(s) >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	free(s);
	return buf;
}

static int
beh_int(const json_t *v, long long lo, long long hi, int32_t *out)
{
	json_int_t n;

	if (!json_is_integer(v))
		return -1;
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return -1;
	*out = (int32_t)n;
	return 0;
}

static int
beh_policy(json_t *o, const char *where, struct gw_hpa_policy *p,
    char *err, size_t errlen)
{
	const char	*k;
	json_t		*v;
	char		 bad[64];
	int		 t, seen = 0;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: must be an object", where);
		return -1;
	}
	json_object_foreach(o, k, v) {
		if (strcmp(k, "type") == 0) {
			t = json_is_string(v) ? gw_scale_name_index(
			    gw_hpa_policy_names, json_string_value(v)) : -1;
			if (t == -1) {
				snprintf(err, errlen, "%s.type %s: must be "
				    "Pods or Percent", where,
				    beh_text(v, bad, sizeof(bad)));
				return -1;
			}
			p->hp_type = t;
			seen |= 1;
		} else if (strcmp(k, "value") == 0) {
			if (beh_int(v, 1, INT32_MAX, &p->hp_value) == -1) {
				snprintf(err, errlen, "%s.value %s: must be "
				    "an integer greater than 0", where,
				    beh_text(v, bad, sizeof(bad)));
				return -1;
			}
			seen |= 2;
		} else if (strcmp(k, "periodSeconds") == 0) {
			if (beh_int(v, 1, GW_HPA_MAX_PERIOD_S,
			    &p->hp_period_s) == -1) {
				snprintf(err, errlen, "%s.periodSeconds %s: "
				    "must be an integer from 1 to %d", where,
				    beh_text(v, bad, sizeof(bad)),
				    GW_HPA_MAX_PERIOD_S);
				return -1;
			}
			seen |= 4;
		} else {
			snprintf(err, errlen, "%s: unknown field \"%s\"",
			    where, k);
			return -1;
		}
	}
	if (seen != 7) {
		snprintf(err, errlen, "%s: %s is required", where,
		    !(seen & 1) ? "type" : !(seen & 2) ? "value" :
		    "periodSeconds");
		return -1;
	}
	return 0;
}

static int
beh_policies(json_t *a, const char *where, struct gw_hpa_rules *r,
    char *err, size_t errlen)
{
	char	 w[64];
	size_t	 i;

	if (!json_is_array(a)) {
		snprintf(err, errlen, "%s.policies: must be a list", where);
		return -1;
	}
	if (json_array_size(a) == 0) {
		snprintf(err, errlen, "%s.policies: must specify at least one "
		    "Policy", where);
		return -1;
	}
	if (json_array_size(a) > GW_HPA_MAX_POLICIES) {
		snprintf(err, errlen, "%s.policies: at most %d policies",
		    where, GW_HPA_MAX_POLICIES);
		return -1;
	}
	for (i = 0; i < json_array_size(a); i++) {
		snprintf(w, sizeof(w), "%s.policies[%zu]", where, i);
		if (beh_policy(json_array_get(a, i), w, &r->hr_policies[i],
		    err, errlen) == -1)
			return -1;
	}
	r->hr_npolicies = json_array_size(a);
	return 0;
}

/* One HPAScalingRules object over the defaults already in *r. */
static int
beh_rules(json_t *o, const char *where, struct gw_hpa_rules *r,
    char *err, size_t errlen)
{
	const char	*k;
	json_t		*v;
	char		 bad[64];
	int		 s;

	if (json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: must be an object", where);
		return -1;
	}
	json_object_foreach(o, k, v) {
		if (strcmp(k, "stabilizationWindowSeconds") == 0) {
			if (beh_int(v, 0, GW_HPA_MAX_WINDOW_S,
			    &r->hr_stabilization_s) == -1) {
				snprintf(err, errlen, "%s.stabilizationWindow"
				    "Seconds %s: must be an integer from 0 to "
				    "%d", where, beh_text(v, bad, sizeof(bad)),
				    GW_HPA_MAX_WINDOW_S);
				return -1;
			}
		} else if (strcmp(k, "selectPolicy") == 0) {
			s = json_is_string(v) ? gw_scale_name_index(
			    gw_hpa_select_names, json_string_value(v)) : -1;
			if (s == -1) {
				snprintf(err, errlen, "%s.selectPolicy %s: "
				    "must be Max, Min or Disabled", where,
				    beh_text(v, bad, sizeof(bad)));
				return -1;
			}
			r->hr_select = s;
		} else if (strcmp(k, "policies") == 0) {
			if (beh_policies(v, where, r, err, errlen) == -1)
				return -1;
		} else if (strcmp(k, "tolerance") == 0) {
			if (beh_quantity(v, &r->hr_tolerance) == -1 ||
			    r->hr_tolerance < 0) {
				snprintf(err, errlen, "%s.tolerance %s: must "
				    "be a quantity of at least 0", where,
				    beh_text(v, bad, sizeof(bad)));
				return -1;
			}
		} else {
			snprintf(err, errlen, "%s: unknown field \"%s\"",
			    where, k);
			return -1;
		}
	}
	return 0;
}

int
gw_hpa_behavior_from_json(void *obj, struct gw_hpa_behavior *b,
    char *err, size_t errlen)
{
	json_t		*o = obj;
	const char	*k;
	json_t		*v;

	gw_hpa_default_behavior(b);
	if (!json_is_object(o)) {
		snprintf(err, errlen, "behavior: must be an object");
		return -1;
	}
	json_object_foreach(o, k, v) {
		if (strcmp(k, "scaleUp") == 0) {
			if (beh_rules(v, "behavior.scaleUp", &b->hb_up, err,
			    errlen) == -1)
				return -1;
		} else if (strcmp(k, "scaleDown") == 0) {
			if (beh_rules(v, "behavior.scaleDown", &b->hb_down,
			    err, errlen) == -1)
				return -1;
		} else {
			snprintf(err, errlen, "behavior: unknown field \"%s\"",
			    k);
			return -1;
		}
	}
	return 0;
}

int
gw_hpa_behavior_parse(const char *s, struct gw_hpa_behavior *b, char *err,
    size_t errlen)
{
	json_error_t	 je;
	json_t		*o;
	int		 rc;

	o = json_loads(s, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		gw_hpa_default_behavior(b);
		snprintf(err, errlen, "behavior: invalid JSON: %s (line %d, "
		    "column %d)", je.text, je.line, je.column);
		return -1;
	}
	rc = gw_hpa_behavior_from_json(o, b, err, errlen);
	json_decref(o);
	return rc;
}

static json_t *
beh_rules_json(const struct gw_hpa_rules *r)
{
	json_t	*o, *a, *p;
	size_t	 i;

	o = json_object();
	if (r->hr_stabilization_s >= 0)
		json_object_set_new(o, "stabilizationWindowSeconds",
		    json_integer(r->hr_stabilization_s));
	json_object_set_new(o, "selectPolicy",
	    json_string(gw_hpa_select_names[r->hr_select]));
	a = json_array();
	for (i = 0; i < r->hr_npolicies; i++) {
		p = json_object();
		json_object_set_new(p, "type", json_string(
		    gw_hpa_policy_names[r->hr_policies[i].hp_type]));
		json_object_set_new(p, "value",
		    json_integer(r->hr_policies[i].hp_value));
		json_object_set_new(p, "periodSeconds",
		    json_integer(r->hr_policies[i].hp_period_s));
		json_array_append_new(a, p);
	}
	json_object_set_new(o, "policies", a);
	if (r->hr_tolerance >= 0)
		json_object_set_new(o, "tolerance",
		    json_real(r->hr_tolerance));
	return o;
}

/*
 * The fewest significant digits, 15 to 17, that print d so that it reads
 * back the same: 0.05 stays "0.05", not "0.050000000000000003".
 */
int
gw_scale_real_digits(double d)
{
	char	buf[64];
	int	p;

	for (p = 15; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, d);
		if (strtod(buf, NULL) == d)
			return p;
	}
	return 17;
}

char *
gw_hpa_behavior_json(const struct gw_hpa_behavior *b)
{
	json_t	*o;
	char	*s;
	int	 p = 15, q;

	o = json_object();
	json_object_set_new(o, "scaleUp", beh_rules_json(&b->hb_up));
	json_object_set_new(o, "scaleDown", beh_rules_json(&b->hb_down));
	if (b->hb_up.hr_tolerance >= 0 &&
	    (q = gw_scale_real_digits(b->hb_up.hr_tolerance)) > p)
		p = q;
	if (b->hb_down.hr_tolerance >= 0 &&
	    (q = gw_scale_real_digits(b->hb_down.hr_tolerance)) > p)
		p = q;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(p));
	json_decref(o);
	return s;
}

void
gw_scale_target_init(struct gw_scale_target *t)
{
	memset(t, 0, sizeof(*t));
	t->st_kind = GW_SCALE_DEPLOYMENT;
	t->st_min = 1;
	t->st_tolerance = GW_SCALE_TOLERANCE;
	t->st_downscale_ms = GW_SCALE_DOWNSCALE_MS;
	t->st_cooldown_ms = GW_SCALE_COOLDOWN_MS;
	gw_hpa_default_behavior(&t->st_behavior);
}

void
gw_scale_metric_init(struct gw_scale_metric *m)
{
	memset(m, 0, sizeof(*m));
	m->sm_source = GW_SCALE_GATEWAY;
	m->sm_ttype = GW_SCALE_AVERAGE_VALUE;
	m->sm_window_ms = GW_SCALE_WINDOW_MS;
}

void
gw_scale_metric_free(struct gw_scale_metric *m)
{
	free(m->sm_metric);
	free(m->sm_service);
	free(m->sm_url);
	m->sm_metric = m->sm_service = m->sm_url = NULL;
}

void
gw_scale_target_free(struct gw_scale_target *t)
{
	size_t i;

	free(t->st_name);
	free(t->st_namespace);
	free(t->st_workload);
	free(t->st_load_err);
	for (i = 0; i < t->st_nmetrics; i++)
		gw_scale_metric_free(&t->st_metrics[i]);
	free(t->st_metrics);
	t->st_name = t->st_namespace = t->st_workload = NULL;
	t->st_load_err = NULL;
	t->st_metrics = NULL;
	t->st_nmetrics = 0;
}

static char *
scale_dup(const char *s, int *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = 1;
	return d;
}

int
gw_scale_target_copy(struct gw_scale_target *dst,
    const struct gw_scale_target *src)
{
	const struct gw_scale_metric	*sm;
	struct gw_scale_metric		*dm;
	size_t				 i;
	int				 fail = 0;

	*dst = *src;
	dst->st_name = scale_dup(src->st_name, &fail);
	dst->st_namespace = scale_dup(src->st_namespace, &fail);
	dst->st_workload = scale_dup(src->st_workload, &fail);
	dst->st_load_err = scale_dup(src->st_load_err, &fail);
	dst->st_metrics = NULL;
	dst->st_nmetrics = 0;
	if (src->st_nmetrics > 0 && (dst->st_metrics = calloc(
	    src->st_nmetrics, sizeof(*dst->st_metrics))) == NULL)
		fail = 1;
	for (i = 0; !fail && i < src->st_nmetrics; i++) {
		sm = &src->st_metrics[i];
		dm = &dst->st_metrics[i];
		*dm = *sm;
		dm->sm_metric = scale_dup(sm->sm_metric, &fail);
		dm->sm_service = scale_dup(sm->sm_service, &fail);
		dm->sm_url = scale_dup(sm->sm_url, &fail);
		dst->st_nmetrics = i + 1;
	}
	if (fail) {
		gw_scale_target_free(dst);
		return -1;
	}
	return 0;
}

static int
scale_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
scale_rules_equal(const struct gw_hpa_rules *a, const struct gw_hpa_rules *b)
{
	size_t i;

	if (a->hr_stabilization_s != b->hr_stabilization_s ||
	    a->hr_select != b->hr_select ||
	    a->hr_npolicies != b->hr_npolicies ||
	    !((a->hr_tolerance < 0 && b->hr_tolerance < 0) ||
	    a->hr_tolerance == b->hr_tolerance))
		return 0;
	for (i = 0; i < a->hr_npolicies && i < GW_HPA_MAX_POLICIES; i++)
		if (a->hr_policies[i].hp_type != b->hr_policies[i].hp_type ||
		    a->hr_policies[i].hp_value != b->hr_policies[i].hp_value ||
		    a->hr_policies[i].hp_period_s !=
		    b->hr_policies[i].hp_period_s)
			return 0;
	return 1;
}

static int
scale_metric_equal(const struct gw_scale_metric *a,
    const struct gw_scale_metric *b)
{
	return a->sm_source == b->sm_source && a->sm_ttype == b->sm_ttype &&
	    a->sm_target == b->sm_target &&
	    a->sm_activation == b->sm_activation &&
	    a->sm_window_ms == b->sm_window_ms &&
	    scale_str_eq(a->sm_metric, b->sm_metric) &&
	    scale_str_eq(a->sm_service, b->sm_service) &&
	    scale_str_eq(a->sm_url, b->sm_url);
}

int
gw_scale_target_equal(const struct gw_scale_target *a,
    const struct gw_scale_target *b)
{
	size_t i;

	if (!scale_str_eq(a->st_name, b->st_name) ||
	    !scale_str_eq(a->st_namespace, b->st_namespace) ||
	    a->st_kind != b->st_kind ||
	    !scale_str_eq(a->st_workload, b->st_workload) ||
	    a->st_min != b->st_min || a->st_max != b->st_max ||
	    a->st_tolerance != b->st_tolerance ||
	    a->st_downscale_ms != b->st_downscale_ms ||
	    a->st_cooldown_ms != b->st_cooldown_ms ||
	    a->st_has_behavior != b->st_has_behavior ||
	    !scale_str_eq(a->st_load_err, b->st_load_err) ||
	    a->st_nmetrics != b->st_nmetrics)
		return 0;
	if (a->st_has_behavior && (!scale_rules_equal(&a->st_behavior.hb_up,
	    &b->st_behavior.hb_up) || !scale_rules_equal(
	    &a->st_behavior.hb_down, &b->st_behavior.hb_down)))
		return 0;
	for (i = 0; i < a->st_nmetrics; i++)
		if (!scale_metric_equal(&a->st_metrics[i], &b->st_metrics[i]))
			return 0;
	return 1;
}

/* kubectl's short names of the kinds, beside our own. */
static const struct {
	const char	*sk_word;
	int		 sk_kind;
} scale_kind_words[] = {
	{ "deploy", GW_SCALE_DEPLOYMENT },
	{ "sts", GW_SCALE_STATEFULSET },
	{ "rs", GW_SCALE_REPLICASET },
};

int
gw_scale_workload_parse(const char *s, int *kind, char **name, char *err,
    size_t errlen)
{
	const char	*slash = strchr(s, '/');
	char		*k;
	size_t		 i;
	int		 found;

	*kind = GW_SCALE_DEPLOYMENT;
	*name = NULL;
	if (slash == NULL) {
		*name = gw_strdup(s);
		return 0;
	}
	k = gw_strndup(s, (size_t)(slash - s));
	found = gw_scale_name_index(gw_scale_kind_names, k);
	for (i = 0; found == -1 && i < sizeof(scale_kind_words) /
	    sizeof(scale_kind_words[0]); i++)
		if (strcasecmp(k, scale_kind_words[i].sk_word) == 0)
			found = scale_kind_words[i].sk_kind;
	for (i = 0; found == -1 && gw_scale_kind_names[i] != NULL; i++)
		if (strcasecmp(k, gw_scale_kind_names[i]) == 0)
			found = (int)i;
	if (found == -1) {
		snprintf(err, errlen, "unknown kind \"%s\": must be "
		    "deployment, statefulset or replicaset", k);
		free(k);
		return -1;
	}
	free(k);
	*kind = found;
	*name = gw_strdup(slash + 1);
	return 0;
}

/* A Kubernetes object name: a DNS subdomain (RFC 1123), at most 253. */
static int
scale_subdomain_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 253 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '-' ||
		    s[i] == '.'))
			return 0;
	return 1;
}

/* A namespace: a DNS label (RFC 1123), at most 63. */
static int
scale_label_ok(const char *s)
{
	return strlen(s) <= 63 && strchr(s, '.') == NULL &&
	    scale_subdomain_ok(s);
}

static int
scale_url_ok(const char *u)
{
	size_t i;

	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
		return 0;
	if (strlen(u) <= (u[4] == 's' ? 8 : 7) || strlen(u) > SCALE_TEXT_MAX)
		return 0;
	for (i = 0; u[i] != '\0'; i++)
		if ((unsigned char)u[i] <= ' ' || u[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * One metric.  *key is the metric's YAML key the problem is about
 * ("target", "query", ...).
 */
static int
scale_metric_validate(const struct gw_scale_metric *m, const char **key,
    char *err, size_t errlen)
{
	char		 win[32];
	const char	*why;

	*key = NULL;
	if (m->sm_source < GW_SCALE_GATEWAY ||
	    m->sm_source > GW_SCALE_PROMETHEUS)
		return *key = "source", snprintf(err, errlen, "source: must "
		    "be gateway or prometheus"), -1;
	if (m->sm_ttype < GW_SCALE_VALUE || m->sm_ttype > GW_SCALE_UTILIZATION)
		return *key = "type", snprintf(err, errlen, "type: must be "
		    "value, average_value or utilization"), -1;
	if (!(m->sm_target > 0) || !isfinite(m->sm_target))
		return *key = "target", snprintf(err, errlen, "target %g: must "
		    "be greater than 0", m->sm_target), -1;
	if (!(m->sm_activation >= 0) || !isfinite(m->sm_activation))
		return *key = "activation", snprintf(err, errlen, "activation "
		    "%g: must be 0 or more", m->sm_activation), -1;
	if (m->sm_window_ms < 1000 || m->sm_window_ms > 86400000)
		return *key = "window", snprintf(err, errlen, "window %s: must "
		    "be from 1s to 24h", gw_duration_fmt(m->sm_window_ms, win,
		    sizeof(win))), -1;
	if (m->sm_metric == NULL || *m->sm_metric == '\0')
		return *key = m->sm_source == GW_SCALE_GATEWAY ? "metric" :
		    "query", snprintf(err, errlen, "%s: is required", *key),
		    -1;
	if (m->sm_source == GW_SCALE_GATEWAY) {
		if (gw_scale_name_index(gw_scale_gwmetric_names,
		    m->sm_metric) == -1)
			return *key = "metric", snprintf(err, errlen, "metric "
			    "\"%s\": unknown gateway metric "
			    "(requests_per_second, in_flight, latency_p50_ms, "
			    "latency_p90_ms, latency_p99_ms, error_rate)",
			    m->sm_metric), -1;
		if (m->sm_service == NULL)
			return *key = "service", snprintf(err, errlen, "metric "
			    "\"%s\": a gateway metric needs a service",
			    m->sm_metric), -1;
		if (gw_name_check(m->sm_service, &why) == -1)
			return *key = "service", snprintf(err, errlen,
			    "service \"%s\": %s", m->sm_service, why), -1;
		if (m->sm_url != NULL)
			return *key = "url", snprintf(err, errlen,
			    "url \"%s\": only a prometheus metric has a URL",
			    m->sm_url), -1;
		if (m->sm_ttype == GW_SCALE_UTILIZATION)
			return *key = "type", snprintf(err, errlen, "metric "
			    "\"%s\": type utilization needs a prometheus "
			    "metric", m->sm_metric), -1;
		return 0;
	}
	if (m->sm_url == NULL)
		return *key = "url", snprintf(err, errlen, "a prometheus "
		    "metric needs a url"), -1;
	if (!scale_url_ok(m->sm_url))
		return *key = "url", snprintf(err, errlen, "url \"%s\": must "
		    "be an http:// or https:// URL", m->sm_url), -1;
	if (m->sm_service != NULL)
		return *key = "service", snprintf(err, errlen, "service "
		    "\"%s\": only a gateway metric names a service",
		    m->sm_service), -1;
	if (strlen(m->sm_metric) > SCALE_TEXT_MAX)
		return *key = "query", snprintf(err, errlen, "query: longer "
		    "than %d bytes", SCALE_TEXT_MAX), -1;
	/* The query says its own range ([1m]); a window would be ignored. */
	if (m->sm_window_ms != GW_SCALE_WINDOW_MS)
		return *key = "window", snprintf(err, errlen, "window %s: only "
		    "a gateway metric has a window (a PromQL query gives its "
		    "own range)", gw_duration_fmt(m->sm_window_ms, win,
		    sizeof(win))), -1;
	return 0;
}

static int
scale_rules_validate(const struct gw_hpa_rules *r, const char *where,
    char *err, size_t errlen)
{
	const struct gw_hpa_policy	*p;
	size_t				 i;

	if (r->hr_stabilization_s > GW_HPA_MAX_WINDOW_S)
		return snprintf(err, errlen, "behavior.%s.stabilizationWindow"
		    "Seconds %d: must be from 0 to %d", where,
		    r->hr_stabilization_s, GW_HPA_MAX_WINDOW_S), -1;
	if (r->hr_select < GW_HPA_SELECT_MAX ||
	    r->hr_select > GW_HPA_SELECT_DISABLED)
		return snprintf(err, errlen, "behavior.%s.selectPolicy: must "
		    "be Max, Min or Disabled", where), -1;
	if (r->hr_npolicies == 0 || r->hr_npolicies > GW_HPA_MAX_POLICIES)
		return snprintf(err, errlen, "behavior.%s.policies: must "
		    "specify 1 to %d policies", where, GW_HPA_MAX_POLICIES), -1;
	for (i = 0; i < r->hr_npolicies; i++) {
		p = &r->hr_policies[i];
		if (p->hp_type < GW_HPA_POLICY_PODS ||
		    p->hp_type > GW_HPA_POLICY_PERCENT || p->hp_value <= 0 ||
		    p->hp_period_s <= 0 || p->hp_period_s > GW_HPA_MAX_PERIOD_S)
			return snprintf(err, errlen, "behavior.%s.policies"
			    "[%zu]: type must be Pods or Percent, value "
			    "greater than 0 and periodSeconds from 1 to %d",
			    where, i, GW_HPA_MAX_PERIOD_S), -1;
	}
	return 0;
}

/* The bounds; *key as for scale_metric_validate. */
static int
scale_bounds_validate(const struct gw_scale_target *t, const char **key,
    char *err, size_t errlen)
{
	char	d[32];

	if (t->st_min < 0 || t->st_min > GW_SCALE_REPLICAS_MAX)
		return *key = "min_replicas", snprintf(err, errlen,
		    "min_replicas %d: must be from 0 to %d", t->st_min,
		    GW_SCALE_REPLICAS_MAX), -1;
	if (t->st_max < 1 || t->st_max > GW_SCALE_REPLICAS_MAX)
		return *key = "max_replicas", snprintf(err, errlen,
		    "max_replicas %d: must be from 1 to %d", t->st_max,
		    GW_SCALE_REPLICAS_MAX), -1;
	if (t->st_max < t->st_min)
		return *key = "max_replicas", snprintf(err, errlen,
		    "max_replicas %d: must be at least min_replicas %d",
		    t->st_max, t->st_min), -1;
	if (!(t->st_tolerance >= 0 && t->st_tolerance < 1))
		return *key = "tolerance", snprintf(err, errlen, "tolerance "
		    "%g: must be at least 0 and less than 1", t->st_tolerance),
		    -1;
	if (t->st_downscale_ms < 0 || t->st_downscale_ms > 3600000)
		return *key = "downscale_stabilization", snprintf(err, errlen,
		    "downscale_stabilization %s: must be from 0s to 1h",
		    gw_duration_fmt(t->st_downscale_ms, d, sizeof(d))), -1;
	if (t->st_cooldown_ms < 0 || t->st_cooldown_ms > 86400000)
		return *key = "cooldown", snprintf(err, errlen, "cooldown %s: "
		    "must be from 0s to 24h", gw_duration_fmt(t->st_cooldown_ms,
		    d, sizeof(d))), -1;
	return 0;
}

int
gw_scale_target_check(const struct gw_scale_target *t, char *field,
    size_t fieldlen, char *err, size_t errlen)
{
	const char	*e, *key = NULL;
	char		 why[400];
	size_t		 i;

	snprintf(field, fieldlen, "%s", "");
	if (gw_name_check(t->st_name != NULL ? t->st_name : "", &e) == -1)
		return snprintf(field, fieldlen, "name"),
		    snprintf(err, errlen, "name \"%s\": %s",
		    t->st_name != NULL ? t->st_name : "", e), -1;
	if (t->st_load_err != NULL)
		return snprintf(field, fieldlen, "behavior"),
		    snprintf(err, errlen, "%s", t->st_load_err), -1;
	if (t->st_namespace == NULL || !scale_label_ok(t->st_namespace))
		return snprintf(field, fieldlen, "namespace"),
		    snprintf(err, errlen, "namespace \"%s\": must be a DNS "
		    "label (lowercase letters, digits, '-', at most 63)",
		    t->st_namespace != NULL ? t->st_namespace : ""), -1;
	if (t->st_workload == NULL || !scale_subdomain_ok(t->st_workload))
		return snprintf(field, fieldlen, "workload"),
		    snprintf(err, errlen, "workload \"%s\": must be a DNS "
		    "subdomain (lowercase letters, digits, '-', '.', at most "
		    "253)", t->st_workload != NULL ? t->st_workload : ""), -1;
	if (t->st_kind < GW_SCALE_DEPLOYMENT ||
	    t->st_kind > GW_SCALE_REPLICASET)
		return snprintf(field, fieldlen, "workload"),
		    snprintf(err, errlen, "kind: must be deployment, "
		    "statefulset or replicaset"), -1;
	if (scale_bounds_validate(t, &key, err, errlen) == -1)
		return snprintf(field, fieldlen, "%s", key), -1;
	if (t->st_nmetrics == 0 || t->st_nmetrics > GW_SCALE_MAX_METRICS)
		return snprintf(field, fieldlen, "metrics"),
		    snprintf(err, errlen, "metrics: must have 1 to %d metrics",
		    GW_SCALE_MAX_METRICS), -1;
	if (t->st_has_behavior && (scale_rules_validate(&t->st_behavior.hb_up,
	    "scaleUp", err, errlen) == -1 || scale_rules_validate(
	    &t->st_behavior.hb_down, "scaleDown", err, errlen) == -1))
		return snprintf(field, fieldlen, "behavior"), -1;
	for (i = 0; i < t->st_nmetrics; i++) {
		if (scale_metric_validate(&t->st_metrics[i], &key, why,
		    sizeof(why)) == 0)
			continue;
		/* Metrics are numbered from 1 for people, paths from 0. */
		snprintf(field, fieldlen, "metrics.%zu.%s", i, key);
		snprintf(err, errlen, "metric %zu: %s", i + 1, why);
		return -1;
	}
	return 0;
}

int
gw_scale_target_validate(const struct gw_scale_target *t, char *err,
    size_t errlen)
{
	char	field[64], why[512];

	if (gw_scale_target_check(t, field, sizeof(field), why,
	    sizeof(why)) == 0)
		return 0;
	snprintf(err, errlen, "scale target \"%s\": %s",
	    t->st_name != NULL ? t->st_name : "", why);
	return -1;
}

/* A decimal number for a metric field: finite, no trailing junk. */
static int
scale_number(const char *s, double *out)
{
	char	*end;
	double	 d;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d))
		return -1;
	*out = d;
	return 0;
}

static int
scale_metric_kv(struct gw_scale_metric *m, const char *k, const char *v,
    char *err, size_t errlen)
{
	const char	*e;
	int		 i;

	if (strcmp(k, "type") == 0) {
		if ((i = gw_scale_name_index(gw_scale_ttype_names, v)) == -1)
			return snprintf(err, errlen, "type=%s: must be value, "
			    "average_value or utilization", v), -1;
		m->sm_ttype = i;
	} else if (strcmp(k, "source") == 0) {
		if ((i = gw_scale_name_index(gw_scale_source_names, v)) == -1)
			return snprintf(err, errlen, "source=%s: must be "
			    "gateway or prometheus", v), -1;
		m->sm_source = i;
	} else if (strcmp(k, "target") == 0 || strcmp(k, "activation") == 0) {
		if (scale_number(v, k[0] == 't' ? &m->sm_target :
		    &m->sm_activation) == -1)
			return snprintf(err, errlen, "%s=%s: not a number", k,
			    v), -1;
	} else if (strcmp(k, "window") == 0) {
		if (gw_duration_parse(v, &m->sm_window_ms, &e) == -1)
			return snprintf(err, errlen, "window=%s: %s", v, e), -1;
	} else if (strcmp(k, "service") == 0 || strcmp(k, "metric") == 0 ||
	    strcmp(k, "url") == 0) {
		char **dst = k[0] == 's' ? &m->sm_service : k[0] == 'm' ?
		    &m->sm_metric : &m->sm_url;

		free(*dst);
		*dst = gw_strdup(v);
	} else
		return snprintf(err, errlen, "%s=%s: unknown key (type, "
		    "target, source, service, metric, url, window, "
		    "activation, query)", k, v), -1;
	return 0;
}

int
gw_scale_metric_parse(const char *spec, struct gw_scale_metric *m,
    char *err, size_t errlen)
{
	const char	*p = spec, *eq, *comma;
	char		*k, *v;
	int		 rc, saw_query = 0, saw_source = 0;

	gw_scale_metric_init(m);
	while (*p != '\0') {
		if ((eq = strchr(p, '=')) == NULL) {
			snprintf(err, errlen, "\"%s\": expected KEY=VALUE", p);
			goto fail;
		}
		k = gw_strndup(p, (size_t)(eq - p));
		if (strcmp(k, "query") == 0) {
			free(m->sm_metric);
			m->sm_metric = gw_strdup(eq + 1);
			free(k);
			saw_query = 1;
			break;
		}
		comma = strchr(eq + 1, ',');
		v = gw_strndup(eq + 1, comma != NULL ?
		    (size_t)(comma - eq - 1) : strlen(eq + 1));
		saw_source |= strcmp(k, "source") == 0;
		rc = scale_metric_kv(m, k, v, err, errlen);
		free(k);
		free(v);
		if (rc == -1)
			goto fail;
		p = comma != NULL ? comma + 1 : eq + 1 + strlen(eq + 1);
	}
	/* A query or a URL implies prometheus unless source said otherwise. */
	if (!saw_source && (saw_query || m->sm_url != NULL))
		m->sm_source = GW_SCALE_PROMETHEUS;
	if (saw_query && m->sm_source == GW_SCALE_GATEWAY) {
		snprintf(err, errlen, "query: only a prometheus metric has a "
		    "query (a gateway metric takes metric=NAME)");
		goto fail;
	}
	return 0;
fail:
	gw_scale_metric_free(m);
	return -1;
}

/* The shortest of %.15g and %.17g that reads back as the same double. */
static const char *
scale_fmt_num(double d, char *buf, size_t len)
{
	snprintf(buf, len, "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, len, "%.17g", d);
	return buf;
}

int
gw_scale_metric_format(const struct gw_scale_metric *m, char *buf,
    size_t len)
{
	char	win[32], tg[32], ac[32];
	int	n;

	scale_fmt_num(m->sm_target, tg, sizeof(tg));
	scale_fmt_num(m->sm_activation, ac, sizeof(ac));
	gw_duration_fmt(m->sm_window_ms, win, sizeof(win));
	if (m->sm_source == GW_SCALE_GATEWAY)
		n = snprintf(buf, len, "type=%s,target=%s,service=%s,"
		    "metric=%s,window=%s,activation=%s",
		    gw_scale_ttype_names[m->sm_ttype], tg,
		    m->sm_service != NULL ? m->sm_service : "",
		    m->sm_metric != NULL ? m->sm_metric : "", win, ac);
	else
		n = snprintf(buf, len, "type=%s,target=%s,url=%s,"
		    "activation=%s,query=%s",
		    gw_scale_ttype_names[m->sm_ttype], tg,
		    m->sm_url != NULL ? m->sm_url : "", ac,
		    m->sm_metric != NULL ? m->sm_metric : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
