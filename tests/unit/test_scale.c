/*
 * test_scale: the scale target model (common/scale.c): the HPA v2
 * behavior in its JSON form (the defaults of the API server's
 * defaults.go, the limits of its validation.go, the round trip through
 * the stored text), gwctl's --metric SPEC and its formatted form, and the
 * validation of whole targets with the key path of each problem.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scale.h"
#include "str.h"
#include "t.h"

/* The stored text of the defaults: what "{}" and an HPA without one get. */
#define DEFAULT_JSON \
	"{\"scaleUp\":{\"stabilizationWindowSeconds\":0,\"selectPolicy\":" \
	"\"Max\",\"policies\":[{\"type\":\"Pods\",\"value\":4," \
	"\"periodSeconds\":15},{\"type\":\"Percent\",\"value\":100," \
	"\"periodSeconds\":15}]},\"scaleDown\":{\"selectPolicy\":\"Max\"," \
	"\"policies\":[{\"type\":\"Percent\",\"value\":100," \
	"\"periodSeconds\":15}]}}"

static char err[1024];

/* gw_hpa_behavior_parse() of json; its status, err set. */
static int
beh(const char *json, struct gw_hpa_behavior *b)
{
	err[0] = '\0';
	return gw_hpa_behavior_parse(json, b, err, sizeof(err));
}

/* json fails with exactly want. */
static void
beh_bad(const char *json, const char *want)
{
	struct gw_hpa_behavior b;

	T_INTEQ(beh(json, &b), -1, "refused: %s", json);
	T_STREQ(err, want, "message of %s", json);
}

static void
test_behavior_defaults(void)
{
	struct gw_hpa_behavior	 b, d;
	char			*s;

	T_INTEQ(beh("{}", &b), 0, "{} parses");
	T_INTEQ(b.hb_up.hr_stabilization_s, 0, "scaleUp window 0");
	T_INTEQ(b.hb_up.hr_select, GW_HPA_SELECT_MAX, "scaleUp Max");
	T_INTEQ(b.hb_up.hr_npolicies, 2, "scaleUp two policies");
	T_OK(b.hb_up.hr_policies[0].hp_type == GW_HPA_POLICY_PODS &&
	    b.hb_up.hr_policies[0].hp_value == 4 &&
	    b.hb_up.hr_policies[0].hp_period_s == 15, "scaleUp Pods 4/15s");
	T_OK(b.hb_up.hr_policies[1].hp_type == GW_HPA_POLICY_PERCENT &&
	    b.hb_up.hr_policies[1].hp_value == 100 &&
	    b.hb_up.hr_policies[1].hp_period_s == 15,
	    "scaleUp Percent 100/15s");
	T_INTEQ(b.hb_down.hr_stabilization_s, -1,
	    "scaleDown window unset (the controller's)");
	T_INTEQ(b.hb_down.hr_npolicies, 1, "scaleDown one policy");
	T_OK(b.hb_down.hr_policies[0].hp_type == GW_HPA_POLICY_PERCENT &&
	    b.hb_down.hr_policies[0].hp_value == 100 &&
	    b.hb_down.hr_policies[0].hp_period_s == 15,
	    "scaleDown Percent 100/15s");
	T_OK(b.hb_up.hr_tolerance < 0 && b.hb_down.hr_tolerance < 0,
	    "tolerances unset");
	s = gw_hpa_behavior_json(&b);
	T_STREQ(s, DEFAULT_JSON, "stored text of the defaults");
	free(s);
	gw_hpa_default_behavior(&d);
	s = gw_hpa_behavior_json(&d);
	T_STREQ(s, DEFAULT_JSON, "gw_hpa_default_behavior is {}");
	free(s);

	/* One side given: the other keeps every default. */
	T_INTEQ(beh("{\"scaleDown\":{\"stabilizationWindowSeconds\":60}}",
	    &b), 0, "scaleDown window only");
	T_INTEQ(b.hb_down.hr_stabilization_s, 60, "window taken");
	T_INTEQ(b.hb_down.hr_npolicies, 1, "scaleDown policies defaulted");
	T_INTEQ(b.hb_up.hr_npolicies, 2, "scaleUp untouched");
	T_INTEQ(beh("{\"scaleUp\":null,\"scaleDown\":{\"selectPolicy\":"
	    "\"Disabled\"}}", &b), 0, "null rules and Disabled");
	T_INTEQ(b.hb_down.hr_select, GW_HPA_SELECT_DISABLED, "Disabled");
	T_INTEQ(b.hb_up.hr_npolicies, 2, "null scaleUp is the default");

	/* Policies given replace the default list. */
	T_INTEQ(beh("{\"scaleUp\":{\"selectPolicy\":\"Min\",\"policies\":"
	    "[{\"type\":\"Pods\",\"value\":1,\"periodSeconds\":60}]}}", &b),
	    0, "scaleUp policies");
	T_INTEQ(b.hb_up.hr_npolicies, 1, "one policy left");
	T_INTEQ(b.hb_up.hr_select, GW_HPA_SELECT_MIN, "Min");
	T_INTEQ(b.hb_up.hr_policies[0].hp_period_s, 60, "its period");

	/* Tolerance: a number or a quantity string. */
	T_INTEQ(beh("{\"scaleUp\":{\"tolerance\":\"50m\"},\"scaleDown\":"
	    "{\"tolerance\":0.05}}", &b), 0, "tolerances");
	T_OK(fabs(b.hb_up.hr_tolerance - 0.05) < 1e-12, "50m is 0.05");
	T_OK(b.hb_down.hr_tolerance == 0.05, "0.05");
	T_INTEQ(beh("{\"scaleDown\":{\"stabilizationWindowSeconds\":3600,"
	    "\"policies\":[{\"type\":\"Percent\",\"value\":1,"
	    "\"periodSeconds\":1800}]}}", &b), 0, "the limits themselves");
}

static void
test_behavior_errors(void)
{
	char	 many[2048];
	size_t	 i;

	beh_bad("{\"scaleUp\":{\"selectPolicy\":\"Fastest\"}}",
	    "behavior.scaleUp.selectPolicy \"Fastest\": must be Max, Min or "
	    "Disabled");
	beh_bad("{\"scaleDown\":{\"selectPolicy\":1}}",
	    "behavior.scaleDown.selectPolicy 1: must be Max, Min or Disabled");
	beh_bad("{\"scaleUp\":{\"policies\":[{\"type\":\"Pods\",\"value\":1,"
	    "\"periodSeconds\":1801}]}}",
	    "behavior.scaleUp.policies[0].periodSeconds 1801: must be an "
	    "integer from 1 to 1800");
	beh_bad("{\"scaleUp\":{\"policies\":[{\"type\":\"Pods\",\"value\":1,"
	    "\"periodSeconds\":0}]}}",
	    "behavior.scaleUp.policies[0].periodSeconds 0: must be an "
	    "integer from 1 to 1800");
	beh_bad("{\"scaleDown\":{\"stabilizationWindowSeconds\":3601}}",
	    "behavior.scaleDown.stabilizationWindowSeconds 3601: must be an "
	    "integer from 0 to 3600");
	beh_bad("{\"scaleDown\":{\"stabilizationWindowSeconds\":-1}}",
	    "behavior.scaleDown.stabilizationWindowSeconds -1: must be an "
	    "integer from 0 to 3600");
	beh_bad("{\"scaleDown\":{\"stabilizationWindowSeconds\":\"60\"}}",
	    "behavior.scaleDown.stabilizationWindowSeconds \"60\": must be an "
	    "integer from 0 to 3600");
	beh_bad("{\"scaleDown\":{\"stabilizationWindowSeconds\":1.5}}",
	    "behavior.scaleDown.stabilizationWindowSeconds 1.5: must be an "
	    "integer from 0 to 3600");
	beh_bad("{\"scaleSideways\":{}}",
	    "behavior: unknown field \"scaleSideways\"");
	beh_bad("{\"scaleDown\":{\"foo\":1}}",
	    "behavior.scaleDown: unknown field \"foo\"");
	beh_bad("{\"scaleUp\":{\"policies\":[{\"type\":\"Pods\",\"value\":1,"
	    "\"periodSeconds\":1,\"extra\":2}]}}",
	    "behavior.scaleUp.policies[0]: unknown field \"extra\"");
	beh_bad("{\"scaleUp\":{\"policies\":[{\"type\":\"Pod\",\"value\":1,"
	    "\"periodSeconds\":1}]}}",
	    "behavior.scaleUp.policies[0].type \"Pod\": must be Pods or "
	    "Percent");
	beh_bad("{\"scaleUp\":{\"policies\":[{\"type\":\"Pods\",\"value\":0,"
	    "\"periodSeconds\":1}]}}",
	    "behavior.scaleUp.policies[0].value 0: must be an integer greater "
	    "than 0");
	beh_bad("{\"scaleUp\":{\"policies\":[{\"type\":\"Pods\","
	    "\"value\":1}]}}",
	    "behavior.scaleUp.policies[0]: periodSeconds is required");
	beh_bad("{\"scaleUp\":{\"policies\":[{\"value\":1,"
	    "\"periodSeconds\":1}]}}",
	    "behavior.scaleUp.policies[0]: type is required");
	beh_bad("{\"scaleUp\":{\"policies\":[]}}",
	    "behavior.scaleUp.policies: must specify at least one Policy");
	beh_bad("{\"scaleUp\":{\"policies\":{}}}",
	    "behavior.scaleUp.policies: must be a list");
	beh_bad("{\"scaleUp\":{\"tolerance\":-0.1}}",
	    "behavior.scaleUp.tolerance -0.1: must be a quantity of at least "
	    "0");
	beh_bad("{\"scaleUp\":{\"tolerance\":\"5%\"}}",
	    "behavior.scaleUp.tolerance \"5%\": must be a quantity of at "
	    "least 0");
	beh_bad("{\"scaleUp\":[]}", "behavior.scaleUp: must be an object");
	beh_bad("[]", "behavior: must be an object");
	beh_bad("{\"scaleUp\":{},\"scaleUp\":{}}",
	    "behavior: invalid JSON: duplicate object key near '\"scaleUp\"' "
	    "(line 1, column 23)");
	beh_bad("{", "behavior: invalid JSON: string or '}' expected near "
	    "end of file (line 1, column 1)");

	/* More policies than the array holds. */
	gw_strlcpy(many, "{\"scaleUp\":{\"policies\":[", sizeof(many));
	for (i = 0; i <= GW_HPA_MAX_POLICIES; i++)
		gw_strlcat(many, i ? ",{\"type\":\"Pods\",\"value\":1,"
		    "\"periodSeconds\":1}" : "{\"type\":\"Pods\",\"value\":1,"
		    "\"periodSeconds\":1}", sizeof(many));
	gw_strlcat(many, "]}}", sizeof(many));
	beh_bad(many, "behavior.scaleUp.policies: at most 10 policies");
}

static void
test_behavior_round_trip(void)
{
	static const char *const texts[] = {
		"{}",
		"{\"scaleDown\":{\"stabilizationWindowSeconds\":60,"
		    "\"policies\":[{\"type\":\"Pods\",\"value\":1,"
		    "\"periodSeconds\":60}]}}",
		"{\"scaleUp\":{\"selectPolicy\":\"Disabled\",\"tolerance\":"
		    "0.05},\"scaleDown\":{\"selectPolicy\":\"Min\","
		    "\"policies\":[{\"type\":\"Percent\",\"value\":10,"
		    "\"periodSeconds\":60},{\"type\":\"Pods\",\"value\":3,"
		    "\"periodSeconds\":120}],\"tolerance\":\"100m\"}}",
	};
	struct gw_hpa_behavior	 a, b;
	struct gw_scale_target	 x, y;
	char			*s1, *s2;
	size_t			 i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		T_INTEQ(beh(texts[i], &a), 0, "round trip %zu parses", i);
		s1 = gw_hpa_behavior_json(&a);
		T_INTEQ(beh(s1, &b), 0, "its stored text parses (%s)", s1);
		s2 = gw_hpa_behavior_json(&b);
		T_STREQ(s2, s1, "stored text is a fixed point %zu", i);
		gw_scale_target_init(&x);
		gw_scale_target_init(&y);
		x.st_has_behavior = y.st_has_behavior = 1;
		x.st_behavior = a;
		y.st_behavior = b;
		T_OK(gw_scale_target_equal(&x, &y), "same behavior %zu", i);
		free(s1);
		free(s2);
	}
	T_INTEQ(beh("{\"scaleUp\":{\"tolerance\":0.05}}", &a), 0, "0.05");
	s1 = gw_hpa_behavior_json(&a);
	T_OK(strstr(s1, "\"tolerance\":0.05}") != NULL,
	    "0.05 stored as 0.05, not 0.050000000000000003 (%s)", s1);
	free(s1);
	T_INTEQ(gw_scale_real_digits(0.1), 15, "0.1 needs 15 digits");
	T_INTEQ(gw_scale_real_digits(0.1 + 0.2), 17, "0.1 + 0.2 needs 17");
}

/* gw_scale_metric_parse() of spec; its status, err set. */
static int
metric(const char *spec, struct gw_scale_metric *m)
{
	err[0] = '\0';
	return gw_scale_metric_parse(spec, m, err, sizeof(err));
}

static void
metric_bad(const char *spec, const char *want)
{
	struct gw_scale_metric m;

	T_INTEQ(metric(spec, &m), -1, "refused: %s", spec);
	T_STREQ(err, want, "message of %s", spec);
}

/* spec parses, formats as want, and want parses back to the same. */
static void
metric_round_trip(const char *spec, const char *want)
{
	struct gw_scale_metric	 m, n;
	struct gw_scale_target	 a, b;
	char			 buf[1024];

	T_INTEQ(metric(spec, &m), 0, "parses: %s (%s)", spec, err);
	T_INTEQ(gw_scale_metric_format(&m, buf, sizeof(buf)), 0, "formats");
	T_STREQ(buf, want, "format of %s", spec);
	T_INTEQ(metric(buf, &n), 0, "format parses back: %s", buf);
	gw_scale_target_init(&a);
	gw_scale_target_init(&b);
	a.st_metrics = &m;
	b.st_metrics = &n;
	a.st_nmetrics = b.st_nmetrics = 1;
	T_OK(gw_scale_target_equal(&a, &b), "same metric after the round "
	    "trip: %s", spec);
	gw_scale_metric_free(&m);
	gw_scale_metric_free(&n);
}

static void
test_metric_spec(void)
{
	struct gw_scale_metric	m;
	char			buf[16];

	T_INTEQ(metric("service=web,metric=requests_per_second,target=100",
	    &m), 0, "a gateway metric");
	T_INTEQ(m.sm_source, GW_SCALE_GATEWAY, "source gateway by default");
	T_INTEQ(m.sm_ttype, GW_SCALE_AVERAGE_VALUE, "average_value default");
	T_INTEQ(m.sm_window_ms, GW_SCALE_WINDOW_MS, "window 1m default");
	T_OK(m.sm_activation == 0, "activation 0 default");
	T_OK(m.sm_target == 100, "target");
	T_STREQ(m.sm_service, "web", "service");
	T_STREQ(m.sm_url, NULL, "no url");
	T_INTEQ(gw_scale_metric_format(&m, buf, sizeof(buf)), -1,
	    "format says when the buffer is short");
	gw_scale_metric_free(&m);

	T_INTEQ(metric("url=http://p:9090,target=5,query=sum(rate(x{a=\"b\","
	    "c=\"d\"}[1m]))", &m), 0, "a prometheus metric");
	T_INTEQ(m.sm_source, GW_SCALE_PROMETHEUS, "a url implies prometheus");
	T_STREQ(m.sm_metric, "sum(rate(x{a=\"b\",c=\"d\"}[1m]))",
	    "query takes the rest, commas included");
	gw_scale_metric_free(&m);
	T_INTEQ(metric("target=1,query=up", &m), 0, "query alone");
	T_INTEQ(m.sm_source, GW_SCALE_PROMETHEUS, "a query implies it too");
	gw_scale_metric_free(&m);

	metric_round_trip("service=web,metric=requests_per_second,target=100",
	    "type=average_value,target=100,service=web,"
	    "metric=requests_per_second,window=1m,activation=0");
	metric_round_trip("type=value,target=0.1,service=api,metric=in_flight,"
	    "window=90s,activation=2.5",
	    "type=value,target=0.1,service=api,metric=in_flight,"
	    "window=1m30s,activation=2.5");
	metric_round_trip("source=prometheus,type=utilization,target=80,"
	    "url=https://prom.example:9090/,query=avg(x{a=\"b\",c=\"d\"})",
	    "type=utilization,target=80,url=https://prom.example:9090/,"
	    "activation=0,query=avg(x{a=\"b\",c=\"d\"})");

	metric_bad("type=fast,target=1", "type=fast: must be value, "
	    "average_value or utilization");
	metric_bad("target=abc", "target=abc: not a number");
	metric_bad("target=1e999", "target=1e999: not a number");
	metric_bad("activation=", "activation=: not a number");
	metric_bad("window=5", "window=5: missing unit");
	metric_bad("source=statsd", "source=statsd: must be gateway or "
	    "prometheus");
	metric_bad("colour=red", "colour=red: unknown key (type, target, "
	    "source, service, metric, url, window, activation, query)");
	metric_bad("service=web,target", "\"target\": expected KEY=VALUE");
	metric_bad("source=gateway,query=up", "query: only a prometheus "
	    "metric has a query (a gateway metric takes metric=NAME)");
}

/* A valid target to break one setting of: web, one gateway metric. */
static void
target_init(struct gw_scale_target *t, struct gw_scale_metric *m)
{
	gw_scale_target_init(t);
	gw_scale_metric_init(m);
	t->st_name = gw_strdup("web");
	t->st_namespace = gw_strdup("default");
	t->st_workload = gw_strdup("web");
	t->st_max = 10;
	m->sm_metric = gw_strdup("requests_per_second");
	m->sm_service = gw_strdup("web");
	m->sm_target = 100;
	t->st_metrics = m;
	t->st_nmetrics = 1;
}

static void
target_done(struct gw_scale_target *t)
{
	/* The metric is the caller's, on the stack. */
	gw_scale_metric_free(&t->st_metrics[0]);
	t->st_metrics = NULL;
	t->st_nmetrics = 0;
	gw_scale_target_free(t);
}

/* t fails with the message want and the key path field. */
static void
target_bad(const struct gw_scale_target *t, const char *field,
    const char *want)
{
	char f[64], full[1100];

	err[0] = '\0';
	T_INTEQ(gw_scale_target_check(t, f, sizeof(f), err, sizeof(err)), -1,
	    "refused: %s", want);
	T_STREQ(err, want, "message");
	T_STREQ(f, field, "field of %s", want);
	snprintf(full, sizeof(full), "scale target \"%s\": %s",
	    t->st_name != NULL ? t->st_name : "", want);
	T_INTEQ(gw_scale_target_validate(t, err, sizeof(err)), -1,
	    "validate refuses too");
	T_STREQ(err, full, "validate names the target");
}

#define SET_STR(p, s)	do { free(p); (p) = gw_strdup(s); } while (0)

static void
test_target_validate(void)
{
	struct gw_scale_target	t;
	struct gw_scale_metric	m;
	char			f[64];

	target_init(&t, &m);
	T_INTEQ(gw_scale_target_check(&t, f, sizeof(f), err, sizeof(err)), 0,
	    "the base target is valid (%s)", err);
	T_INTEQ(gw_scale_target_validate(&t, err, sizeof(err)), 0, "valid");
	t.st_min = 0;
	t.st_max = 1;
	T_INTEQ(gw_scale_target_validate(&t, err, sizeof(err)), 0,
	    "min 0 (scale to zero) is valid");
	target_done(&t);

	target_init(&t, &m);
	SET_STR(t.st_name, "Web");
	target_bad(&t, "name", "name \"Web\": must start with a lowercase "
	    "letter or a digit");
	target_done(&t);

	target_init(&t, &m);
	SET_STR(t.st_namespace, "kube.system");
	target_bad(&t, "namespace", "namespace \"kube.system\": must be a "
	    "DNS label (lowercase letters, digits, '-', at most 63)");
	SET_STR(t.st_namespace, "Default");
	target_bad(&t, "namespace", "namespace \"Default\": must be a DNS "
	    "label (lowercase letters, digits, '-', at most 63)");
	target_done(&t);

	target_init(&t, &m);
	SET_STR(t.st_workload, "web_1");
	target_bad(&t, "workload", "workload \"web_1\": must be a DNS "
	    "subdomain (lowercase letters, digits, '-', '.', at most 253)");
	SET_STR(t.st_workload, "web.v1");
	t.st_kind = -1;
	target_bad(&t, "workload", "kind: must be deployment, statefulset or "
	    "replicaset");
	target_done(&t);

	target_init(&t, &m);
	t.st_min = 5;
	t.st_max = 3;
	target_bad(&t, "max_replicas", "max_replicas 3: must be at least "
	    "min_replicas 5");
	t.st_min = -1;
	target_bad(&t, "min_replicas", "min_replicas -1: must be from 0 to "
	    "100000");
	t.st_min = 1;
	t.st_max = 0;
	target_bad(&t, "max_replicas", "max_replicas 0: must be from 1 to "
	    "100000");
	t.st_max = 100001;
	target_bad(&t, "max_replicas", "max_replicas 100001: must be from 1 "
	    "to 100000");
	t.st_max = 10;
	t.st_tolerance = 1;
	target_bad(&t, "tolerance", "tolerance 1: must be at least 0 and less "
	    "than 1");
	t.st_tolerance = -0.5;
	target_bad(&t, "tolerance", "tolerance -0.5: must be at least 0 and "
	    "less than 1");
	t.st_tolerance = NAN;
	target_bad(&t, "tolerance", "tolerance nan: must be at least 0 and "
	    "less than 1");
	t.st_tolerance = 0;
	t.st_downscale_ms = 3600001;
	target_bad(&t, "downscale_stabilization", "downscale_stabilization "
	    "1h0.001s: must be from 0s to 1h");
	t.st_downscale_ms = 0;
	t.st_cooldown_ms = 86400001;
	target_bad(&t, "cooldown", "cooldown 24h0.001s: must be from 0s to "
	    "24h");
	t.st_cooldown_ms = 0;
	T_INTEQ(gw_scale_target_validate(&t, err, sizeof(err)), 0,
	    "zero tolerance and windows are valid (%s)", err);
	t.st_nmetrics = 0;
	target_bad(&t, "metrics", "metrics: must have 1 to 16 metrics");
	t.st_nmetrics = 1;
	target_done(&t);

	/* A behavior the model holds but the API would refuse. */
	target_init(&t, &m);
	t.st_has_behavior = 1;
	t.st_behavior.hb_down.hr_npolicies = 0;
	target_bad(&t, "behavior", "behavior.scaleDown.policies: must specify "
	    "1 to 10 policies");
	t.st_behavior.hb_down.hr_npolicies = 1;
	t.st_behavior.hb_up.hr_stabilization_s = 3601;
	target_bad(&t, "behavior", "behavior.scaleUp.stabilizationWindow"
	    "Seconds 3601: must be from 0 to 3600");
	t.st_behavior.hb_up.hr_stabilization_s = 0;
	t.st_behavior.hb_up.hr_policies[1].hp_period_s = 1801;
	target_bad(&t, "behavior", "behavior.scaleUp.policies[1]: type must "
	    "be Pods or Percent, value greater than 0 and periodSeconds from "
	    "1 to 1800");
	t.st_behavior.hb_up.hr_policies[1].hp_period_s = 15;
	t.st_has_behavior = 0;
	t.st_behavior.hb_up.hr_stabilization_s = 9999;
	T_INTEQ(gw_scale_target_validate(&t, err, sizeof(err)), 0,
	    "without a behavior its fields are not looked at");
	t.st_load_err = gw_strdup("stored behavior: must be an object");
	target_bad(&t, "behavior", "stored behavior: must be an object");
	target_done(&t);
}

static void
test_metric_validate(void)
{
	struct gw_scale_target	t;
	struct gw_scale_metric	m;

	target_init(&t, &m);
	m.sm_target = 0;
	target_bad(&t, "metrics.0.target", "metric 1: target 0: must be "
	    "greater than 0");
	m.sm_target = 1;
	m.sm_activation = -1;
	target_bad(&t, "metrics.0.activation", "metric 1: activation -1: "
	    "must be 0 or more");
	m.sm_activation = 0;
	m.sm_window_ms = 500;
	target_bad(&t, "metrics.0.window", "metric 1: window 500ms: must be "
	    "from 1s to 24h");
	m.sm_window_ms = GW_SCALE_WINDOW_MS;
	SET_STR(m.sm_metric, "rps");
	target_bad(&t, "metrics.0.metric", "metric 1: metric \"rps\": unknown "
	    "gateway metric (requests_per_second, in_flight, latency_p50_ms, "
	    "latency_p90_ms, latency_p99_ms, error_rate)");
	SET_STR(m.sm_metric, "latency_p99_ms");
	free(m.sm_service);
	m.sm_service = NULL;
	target_bad(&t, "metrics.0.service", "metric 1: metric "
	    "\"latency_p99_ms\": a gateway metric needs a service");
	SET_STR(m.sm_service, "Web");
	target_bad(&t, "metrics.0.service", "metric 1: service \"Web\": must "
	    "start with a lowercase letter or a digit");
	SET_STR(m.sm_service, "web");
	SET_STR(m.sm_url, "http://p:9090");
	target_bad(&t, "metrics.0.url", "metric 1: url \"http://p:9090\": "
	    "only a prometheus metric has a URL");
	free(m.sm_url);
	m.sm_url = NULL;
	m.sm_ttype = GW_SCALE_UTILIZATION;
	target_bad(&t, "metrics.0.type", "metric 1: metric \"latency_p99_ms\": "
	    "type utilization needs a prometheus metric");
	m.sm_ttype = 7;
	target_bad(&t, "metrics.0.type", "metric 1: type: must be value, "
	    "average_value or utilization");
	m.sm_ttype = GW_SCALE_VALUE;

	/* Prometheus. */
	m.sm_source = GW_SCALE_PROMETHEUS;
	SET_STR(m.sm_metric, "sum(up)");
	target_bad(&t, "metrics.0.url", "metric 1: a prometheus metric needs "
	    "a url");
	SET_STR(m.sm_url, "prometheus:9090");
	target_bad(&t, "metrics.0.url", "metric 1: url \"prometheus:9090\": "
	    "must be an http:// or https:// URL");
	SET_STR(m.sm_url, "http://");
	target_bad(&t, "metrics.0.url", "metric 1: url \"http://\": must be "
	    "an http:// or https:// URL");
	SET_STR(m.sm_url, "http://p:9090");
	target_bad(&t, "metrics.0.service", "metric 1: service \"web\": only "
	    "a gateway metric names a service");
	free(m.sm_service);
	m.sm_service = NULL;
	m.sm_window_ms = 120000;
	target_bad(&t, "metrics.0.window", "metric 1: window 2m: only a "
	    "gateway metric has a window (a PromQL query gives its own "
	    "range)");
	m.sm_window_ms = GW_SCALE_WINDOW_MS;
	SET_STR(m.sm_metric, "");
	target_bad(&t, "metrics.0.query", "metric 1: query: is required");
	SET_STR(m.sm_metric, "sum(up)");
	T_INTEQ(gw_scale_target_validate(&t, err, sizeof(err)), 0,
	    "a prometheus metric is valid (%s)", err);
	m.sm_source = 5;
	target_bad(&t, "metrics.0.source", "metric 1: source: must be gateway "
	    "or prometheus");
	m.sm_source = GW_SCALE_PROMETHEUS;
	target_done(&t);
}

static void
test_copy_equal(void)
{
	struct gw_scale_target	a, b;
	struct gw_scale_metric	ms[2];

	gw_scale_target_init(&a);
	a.st_name = gw_strdup("web");
	a.st_namespace = gw_strdup("prod");
	a.st_workload = gw_strdup("web");
	a.st_max = 4;
	a.st_has_behavior = 1;
	T_INTEQ(gw_scale_metric_parse("service=web,metric=in_flight,target=3",
	    &ms[0], err, sizeof(err)), 0, "metric 1");
	T_INTEQ(gw_scale_metric_parse("url=http://p,target=3,query=up",
	    &ms[1], err, sizeof(err)), 0, "metric 2");
	a.st_metrics = gw_calloc(2, sizeof(*a.st_metrics));
	a.st_metrics[0] = ms[0];
	a.st_metrics[1] = ms[1];
	a.st_nmetrics = 2;
	T_INTEQ(gw_scale_target_copy(&b, &a), 0, "copy");
	T_OK(gw_scale_target_equal(&a, &b), "a copy is equal");
	T_OK(b.st_metrics != a.st_metrics &&
	    b.st_metrics[1].sm_metric != a.st_metrics[1].sm_metric,
	    "a deep copy");
	b.st_metrics[1].sm_target = 4;
	T_OK(!gw_scale_target_equal(&a, &b), "a metric's target differs");
	b.st_metrics[1].sm_target = 3;
	b.st_behavior.hb_down.hr_policies[0].hp_value = 50;
	T_OK(!gw_scale_target_equal(&a, &b), "a behavior differs");
	b.st_has_behavior = a.st_has_behavior = 0;
	T_OK(gw_scale_target_equal(&a, &b),
	    "without a behavior its fields do not count");
	SET_STR(b.st_namespace, "default");
	T_OK(!gw_scale_target_equal(&a, &b), "the namespace differs");
	gw_scale_target_free(&a);
	gw_scale_target_free(&b);
	T_OK(a.st_name == NULL && a.st_metrics == NULL && a.st_nmetrics == 0,
	    "free resets");
}

static void
test_workload(void)
{
	char	*name;
	int	 kind;

	T_INTEQ(gw_scale_workload_parse("web", &kind, &name, err,
	    sizeof(err)), 0, "NAME alone");
	T_INTEQ(kind, GW_SCALE_DEPLOYMENT, "is a deployment");
	T_STREQ(name, "web", "its name");
	free(name);
	T_INTEQ(gw_scale_workload_parse("StatefulSet/db", &kind, &name, err,
	    sizeof(err)), 0, "the kind in any case");
	T_INTEQ(kind, GW_SCALE_STATEFULSET, "statefulset");
	T_STREQ(name, "db", "its name");
	free(name);
	T_INTEQ(gw_scale_workload_parse("rs/x", &kind, &name, err,
	    sizeof(err)), 0, "kubectl's short name");
	T_INTEQ(kind, GW_SCALE_REPLICASET, "replicaset");
	free(name);
	T_INTEQ(gw_scale_workload_parse("deploy/x", &kind, &name, err,
	    sizeof(err)), 0, "deploy");
	T_INTEQ(kind, GW_SCALE_DEPLOYMENT, "deployment");
	free(name);
	T_INTEQ(gw_scale_workload_parse("daemonset/x", &kind, &name, err,
	    sizeof(err)), -1, "a daemonset has no scale subresource");
	T_STREQ(err, "unknown kind \"daemonset\": must be deployment, "
	    "statefulset or replicaset", "its message");
	T_STREQ(name, NULL, "no name");
}

int
main(void)
{
	test_behavior_defaults();
	test_behavior_errors();
	test_behavior_round_trip();
	test_metric_spec();
	test_target_validate();
	test_metric_validate();
	test_copy_equal();
	test_workload();
	return t_done();
}
