/*
 * decide: `gwscale decide`, the HPA decision (hpa.c) for scripts.  Reads
 * one JSON document on stdin, prints one on stdout.  The input's field
 * names are a public interface (gwscale(8), "DECIDE"): unknown fields are
 * refused, so that a typo is not silently a default.
 */
#include <err.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gwscale.h"
#include "hpa.h"
#include "scale.h"

/* Longest history a script may pass: far more than any window holds. */
#define DECIDE_MAX_HISTORY	10000

struct decide {
	struct hpa_input	 d_in;
	struct hpa_metric	 d_metrics[HPA_MAX_METRICS];
	struct gw_hpa_behavior	 d_behavior;
	struct hpa_rec		*d_recs;
	struct hpa_event	*d_events;
	char			 d_err[512];
};

static int	dec_fail(struct decide *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* The reason into d_err; returns -1. */
static int
dec_fail(struct decide *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->d_err, sizeof(d->d_err), fmt, ap);
	va_end(ap);
	return -1;
}

/* An integer field in lo..hi; absent: *out = dflt (or an error when
 * dflt is INT64_MIN, required). */
static int
dec_int(struct decide *d, json_t *o, const char *k, int64_t lo, int64_t hi,
    int64_t dflt, int64_t *out)
{
	json_t	*v = json_object_get(o, k);
	double	 x;

	if (v == NULL || json_is_null(v)) {
		if (dflt == INT64_MIN)
			return dec_fail(d, "%s: required", k);
		*out = dflt;
		return 0;
	}
	if (!json_is_number(v))
		return dec_fail(d, "%s: must be a number", k);
	x = floor(json_number_value(v));
	if (!(x >= (double)lo && x <= (double)hi)) {
		snprintf(d->d_err, sizeof(d->d_err), "%s: %g: must be from "
		    "%lld to %lld", k, json_number_value(v), (long long)lo,
		    (long long)hi);
		return -1;
	}
	*out = (int64_t)x;
	return 0;
}

static int
dec_keys(struct decide *d, json_t *o, const char *where,
    const char *const *keys)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	if (!json_is_object(o))
		return dec_fail(d, "%s: must be an object", where);
	json_object_foreach(o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i] == NULL) {
			snprintf(d->d_err, sizeof(d->d_err), "%s: unknown "
			    "field \"%s\"", where, k);
			return -1;
		}
	}
	return 0;
}

static const char *const metric_types[] = { "utilization",
    "pods_average_value", "value", "average_value", NULL };

static int
dec_metric(struct decide *d, json_t *o, size_t i)
{
	static const char *const keys[] = { "type", "current", "target",
	    NULL };
	struct hpa_metric	*m = &d->d_metrics[i];
	json_t			*t, *c, *g;
	char			 where[32];

	snprintf(where, sizeof(where), "metrics[%zu]", i);
	if (dec_keys(d, o, where, keys) == -1)
		return -1;
	t = json_object_get(o, "type");
	c = json_object_get(o, "current");
	g = json_object_get(o, "target");
	if (!json_is_string(t) || (m->hm_type = gw_scale_name_index(
	    metric_types, json_string_value(t))) == -1)
		return dec_fail(d, "%s.type: must be utilization, "
		    "pods_average_value, value or average_value", where);
	if (!json_is_number(g) || !(json_number_value(g) > 0))
		return dec_fail(d, "%s.target: must be a number greater than "
		    "0", where);
	m->hm_target = json_number_value(g);
	if (c != NULL && !json_is_null(c) && !json_is_number(c))
		return dec_fail(d, "%s.current: must be a number or null",
		    where);
	m->hm_available = c != NULL && !json_is_null(c);
	m->hm_current = m->hm_available ? json_number_value(c) : 0;
	return 0;
}

static int
dec_metrics(struct decide *d, json_t *root)
{
	json_t	*a = json_object_get(root, "metrics");
	size_t	 i;

	if (!json_is_array(a))
		return dec_fail(d, "%s: required, a list", "metrics");
	if (json_array_size(a) > HPA_MAX_METRICS) {
		snprintf(d->d_err, sizeof(d->d_err), "metrics: at most %d",
		    HPA_MAX_METRICS);
		return -1;
	}
	for (i = 0; i < json_array_size(a); i++)
		if (dec_metric(d, json_array_get(a, i), i) == -1)
			return -1;
	d->d_in.hi_nmetrics = json_array_size(a);
	d->d_in.hi_metrics = d->d_metrics;
	return 0;
}

/* recommendation_history or scale_events: a list of {age_s, KEY}. */
static int
dec_history(struct decide *d, json_t *root, const char *name,
    const char *key, size_t *n)
{
	const char *const keys[] = { "age_s", key, NULL };
	json_t	*a = json_object_get(root, name), *e;
	int64_t	 age, val;
	char	 where[48];
	size_t	 i;
	int	 rec = key[0] == 'r';

	*n = 0;
	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > DECIDE_MAX_HISTORY)
		return dec_fail(d, "%s: must be a list of at most 10000",
		    name);
	if (rec)
		d->d_recs = calloc(json_array_size(a) + 1,
		    sizeof(*d->d_recs));
	else
		d->d_events = calloc(json_array_size(a) + 1,
		    sizeof(*d->d_events));
	if (rec ? d->d_recs == NULL : d->d_events == NULL)
		err(1, NULL);
	json_array_foreach(a, i, e) {
		snprintf(where, sizeof(where), "%s[%zu]", name, i);
		if (dec_keys(d, e, where, keys) == -1 ||
		    dec_int(d, e, "age_s", 0, INT32_MAX, INT64_MIN,
		    &age) == -1 ||
		    dec_int(d, e, key, rec ? 0 : -INT32_MAX, INT32_MAX,
		    INT64_MIN, &val) == -1)
			return -1;
		if (rec)
			d->d_recs[i] = (struct hpa_rec){ age, (int32_t)val };
		else
			d->d_events[i] = (struct hpa_event){ age,
			    (int32_t)val };
	}
	*n = json_array_size(a);
	return 0;
}

static int
dec_input(struct decide *d, json_t *root)
{
	static const char *const keys[] = { "current_replicas",
	    "status_replicas", "ready_replicas", "min_replicas",
	    "max_replicas", "metrics", "tolerance",
	    "downscale_stabilization_s", "behavior", "recommendation_history",
	    "scale_events", NULL };
	struct hpa_input	*in = &d->d_in;
	json_t			*v;
	int64_t			 cur, st, rd, mn, mx, ds;

	if (dec_keys(d, root, "input", keys) == -1 ||
	    dec_int(d, root, "current_replicas", 0, INT32_MAX, INT64_MIN,
	    &cur) == -1 ||
	    dec_int(d, root, "status_replicas", 0, INT32_MAX, -1, &st) == -1 ||
	    dec_int(d, root, "ready_replicas", 0, INT32_MAX, -1, &rd) == -1 ||
	    dec_int(d, root, "min_replicas", 0, INT32_MAX, 1, &mn) == -1 ||
	    dec_int(d, root, "max_replicas", 1, INT32_MAX, INT64_MIN,
	    &mx) == -1 ||
	    dec_int(d, root, "downscale_stabilization_s", 0, 86400,
	    HPA_DEFAULT_DOWNSCALE_S, &ds) == -1 ||
	    dec_metrics(d, root) == -1 ||
	    dec_history(d, root, "recommendation_history", "replicas",
	    &in->hi_nrecs) == -1 ||
	    dec_history(d, root, "scale_events", "change",
	    &in->hi_nevents) == -1)
		return -1;
	if (mn > mx) {
		snprintf(d->d_err, sizeof(d->d_err), "min_replicas %lld: more "
		    "than max_replicas %lld", (long long)mn, (long long)mx);
		return -1;
	}
	in->hi_current = (int32_t)cur;
	in->hi_status = (int32_t)st;
	in->hi_ready = (int32_t)rd;
	in->hi_min = (int32_t)mn;
	in->hi_max = (int32_t)mx;
	in->hi_downscale_s = (int32_t)ds;
	in->hi_recs = d->d_recs;
	in->hi_events = d->d_events;
	in->hi_tolerance = HPA_DEFAULT_TOLERANCE;
	v = json_object_get(root, "tolerance");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_number(v) || !(json_number_value(v) >= 0))
			return dec_fail(d, "%s: must be a number of at least 0",
			    "tolerance");
		in->hi_tolerance = json_number_value(v);
	}
	v = json_object_get(root, "behavior");
	if (v != NULL && !json_is_null(v)) {
		if (gw_hpa_behavior_from_json(v, &d->d_behavior, d->d_err,
		    sizeof(d->d_err)) == -1)
			return -1;
		in->hi_behavior = &d->d_behavior;
	}
	return 0;
}

static json_t *
dec_int_or_null(int32_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *
dec_output(const struct hpa_input *in, const struct hpa_output *out)
{
	json_t	*o, *p;
	size_t	 i;

	o = json_object();
	json_object_set_new(o, "desired_replicas",
	    json_integer(out->ho_desired));
	json_object_set_new(o, "error", json_boolean(out->ho_error));
	json_object_set_new(o, "reason", json_string(out->ho_reason));
	json_object_set_new(o, "message", json_string(out->ho_message));
	p = json_array();
	for (i = 0; i < in->hi_nmetrics; i++)
		json_array_append_new(p, dec_int_or_null(
		    out->ho_proposals[i]));
	json_object_set_new(o, "proposals", p);
	json_object_set_new(o, "metric", out->ho_metric < 0 ? json_null() :
	    json_integer(out->ho_metric));
	json_object_set_new(o, "metric_replicas",
	    dec_int_or_null(out->ho_metric_replicas));
	json_object_set_new(o, "stabilized_replicas",
	    dec_int_or_null(out->ho_stabilized));
	json_object_set_new(o, "stabilization", out->ho_stabilization ==
	    NULL ? json_null() : json_string(out->ho_stabilization));
	json_object_set_new(o, "record_recommendation",
	    dec_int_or_null(out->ho_record));
	/* storeScaleEvent: only with a behavior, only on a rescale. */
	json_object_set_new(o, "scale_event", in->hi_behavior != NULL &&
	    !out->ho_error && out->ho_desired != in->hi_current ?
	    json_integer(out->ho_desired - in->hi_current) : json_null());
	return o;
}

int
decide_main(void)
{
	struct decide		 d;
	struct hpa_output	 out;
	json_error_t		 je;
	json_t			*root, *o;
	int			 rc = GS_EXIT_FAIL;

	memset(&d, 0, sizeof(d));
	root = json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		warnx("decide: invalid JSON on stdin: %s (line %d, column %d)",
		    je.text, je.line, je.column);
		return GS_EXIT_FAIL;
	}
	if (dec_input(&d, root) == -1) {
		warnx("decide: %s", d.d_err);
		goto out;
	}
	hpa_decide(&d.d_in, &out);
	o = dec_output(&d.d_in, &out);
	if (json_dumpf(o, stdout, JSON_PRESERVE_ORDER) == -1 ||
	    putchar('\n') == EOF || fflush(stdout) == EOF)
		warn("decide: stdout");
	else
		rc = GS_EXIT_OK;
	json_decref(o);
out:
	json_decref(root);
	free(d.d_recs);
	free(d.d_events);
	return rc;
}
