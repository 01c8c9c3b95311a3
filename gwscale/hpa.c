/*
 * hpa.c: the HorizontalPodAutoscaler decision (see hpa.h).  Each function
 * names the Go function of kubernetes/kubernetes
 * pkg/controller/podautoscaler it follows.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hpa.h"

static int32_t	f2i32(double);
static int64_t	milli(double);
static int	within(double, double, double);
static int32_t	ratio_replicas(double, int32_t, int32_t, double, double);
static int32_t	change_in_period(int32_t, const struct hpa_event *, size_t,
		    int);
static int32_t	imin(int32_t, int32_t);
static int32_t	imax(int32_t, int32_t);
static void	normalize_legacy(const struct hpa_input *, int32_t,
		    struct hpa_output *);
static void	normalize_behavior(const struct hpa_input *, int32_t,
		    struct hpa_output *);
static const char *message_of(const char *);

static int32_t
imin(int32_t a, int32_t b)
{
	return a < b ? a : b;
}

static int32_t
imax(int32_t a, int32_t b)
{
	return a > b ? a : b;
}

/* Go's int32(float64), kept defined in C for out-of-range values. */
static int32_t
f2i32(double d)
{
	if (isnan(d))
		return 0;
	if (d >= (double)INT32_MAX)
		return INT32_MAX;
	if (d <= (double)INT32_MIN)
		return INT32_MIN;
	return (int32_t)d;
}

/* resource.Quantity.MilliValue() of a value given as a double. */
static int64_t
milli(double d)
{
	return (int64_t)llround(d * 1000.0);
}

/* Tolerances.isWithin (replica_calculator.go). */
static int
within(double ratio, double tol_up, double tol_down)
{
	return 1.0 - tol_down <= ratio && ratio <= 1.0 + tol_up;
}

/* getUsageRatioReplicaCount (Object and External Value targets). */
static int32_t
ratio_replicas(double ratio, int32_t current, int32_t ready, double tol_up,
    double tol_down)
{
	if (current != 0) {
		if (within(ratio, tol_up, tol_down))
			return current;
		return f2i32(ceil(ratio * (double)ready));
	}
	/* Scale to zero or n pods depending on usageRatio. */
	return f2i32(ceil(ratio));
}

/*
 * computeReplicasForMetric: GetResourceReplicas, GetMetricReplicas,
 * GetObjectMetricReplicas / GetExternalMetricReplicas and
 * GetExternalPerPodMetricReplicas, for samples that are aggregates.
 * current is spec.replicas, status scale.Status.Replicas, ready the ready
 * pod count.  Returns -1 for an invalid metric.
 */
int32_t
hpa_metric_replicas(const struct hpa_metric *m, int32_t current,
    int32_t status, int32_t ready, double tol_up, double tol_down)
{
	double	 ratio;
	int64_t	 usage, target;

	if (!m->hm_available || isnan(m->hm_current) || isnan(m->hm_target))
		return -1;
	switch (m->hm_type) {
	case HPA_UTILIZATION:
		/* GetResourceUtilizationRatio: int32 percent over int32
		 * target; no ready pod with metrics is an error. */
		if (ready <= 0 || (int32_t)m->hm_target <= 0)
			return -1;
		ratio = (double)(int32_t)m->hm_current /
		    (double)(int32_t)m->hm_target;
		if (within(ratio, tol_up, tol_down))
			return current;
		return f2i32(ceil(ratio * (double)ready));
	case HPA_PODS_AVERAGE_VALUE:
		/* GetMetricUsageRatio: int64 milli average over target. */
		target = milli(m->hm_target);
		if (ready <= 0 || target <= 0)
			return -1;
		ratio = (double)milli(m->hm_current) / (double)target;
		if (within(ratio, tol_up, tol_down))
			return current;
		return f2i32(ceil(ratio * (double)ready));
	case HPA_VALUE:
		target = milli(m->hm_target);
		if (target <= 0)
			return -1;
		ratio = (double)milli(m->hm_current) / (double)target;
		return ratio_replicas(ratio, current, ready, tol_up, tol_down);
	case HPA_AVERAGE_VALUE:
		/* GetExternalPerPodMetricReplicas: against statusReplicas. */
		usage = milli(m->hm_current);
		target = milli(m->hm_target);
		if (target <= 0)
			return -1;
		ratio = (double)usage / ((double)target * (double)status);
		if (!within(ratio, tol_up, tol_down))
			return f2i32(ceil((double)usage / (double)target));
		return status;
	default:
		return -1;
	}
}

/* calculateScaleUpLimit and convertDesiredReplicasWithRules (legacy). */
int32_t
hpa_convert_legacy(int32_t current, int32_t desired, int32_t min,
    int32_t max, const char **reason)
{
	int32_t	 up, maximum;
	const char *cond;

	up = f2i32(fmax(HPA_SCALE_UP_LIMIT_FACTOR * (double)current,
	    HPA_SCALE_UP_LIMIT_MINIMUM));
	if (max > up) {
		maximum = up;
		cond = "ScaleUpLimit";
	} else {
		maximum = max;
		cond = "TooManyReplicas";
	}
	if (desired < min) {
		*reason = "TooFewReplicas";
		return min;
	} else if (desired > maximum) {
		*reason = cond;
		return maximum;
	}
	*reason = "DesiredWithinRange";
	return desired;
}

/*
 * getReplicasChangePerPeriod over the up (up = 1) or down events: an
 * event counts when its timestamp is After(now - period), age < period.
 */
static int32_t
change_in_period(int32_t period, const struct hpa_event *ev, size_t nev,
    int up)
{
	int32_t	 sum = 0;
	size_t	 i;

	for (i = 0; i < nev; i++) {
		if (ev[i].he_age_s >= period)
			continue;
		if (up && ev[i].he_change > 0)
			sum += ev[i].he_change;
		else if (!up && ev[i].he_change < 0)
			sum += -ev[i].he_change;
	}
	return sum;
}

/* calculateScaleUpLimitWithScalingRules. */
int32_t
hpa_scale_up_limit(int32_t current, const struct hpa_event *ev, size_t nev,
    const struct gw_hpa_rules *r)
{
	int32_t	 result, proposed = 0, start;
	size_t	 i;

	if (r->hr_select == GW_HPA_SELECT_DISABLED)
		return current;
	result = r->hr_select == GW_HPA_SELECT_MIN ? INT32_MAX : INT32_MIN;
	for (i = 0; i < r->hr_npolicies; i++) {
		const struct gw_hpa_policy *p = &r->hr_policies[i];

		start = current - change_in_period(p->hp_period_s, ev, nev, 1)
		    + change_in_period(p->hp_period_s, ev, nev, 0);
		if (p->hp_type == GW_HPA_POLICY_PODS)
			proposed = start + p->hp_value;
		else if (p->hp_type == GW_HPA_POLICY_PERCENT)
			/* Rounded up, or a small change never scales up. */
			proposed = f2i32(ceil((double)start *
			    (1 + (double)p->hp_value / 100)));
		result = r->hr_select == GW_HPA_SELECT_MIN ?
		    imin(result, proposed) : imax(result, proposed);
	}
	return result;
}

/* calculateScaleDownLimitWithBehaviors. */
int32_t
hpa_scale_down_limit(int32_t current, const struct hpa_event *ev,
    size_t nev, const struct gw_hpa_rules *r)
{
	int32_t	 result, proposed = 0, start;
	size_t	 i;

	if (r->hr_select == GW_HPA_SELECT_DISABLED)
		return current;
	result = r->hr_select == GW_HPA_SELECT_MIN ? INT32_MIN : INT32_MAX;
	for (i = 0; i < r->hr_npolicies; i++) {
		const struct gw_hpa_policy *p = &r->hr_policies[i];

		start = current - change_in_period(p->hp_period_s, ev, nev, 1)
		    + change_in_period(p->hp_period_s, ev, nev, 0);
		if (p->hp_type == GW_HPA_POLICY_PODS)
			proposed = start - p->hp_value;
		else if (p->hp_type == GW_HPA_POLICY_PERCENT)
			/* Truncated, as int32(float64) in Go. */
			proposed = f2i32((double)start *
			    (1 - (double)p->hp_value / 100));
		result = r->hr_select == GW_HPA_SELECT_MIN ?
		    imax(result, proposed) : imin(result, proposed);
	}
	return result;
}


/*
 * normalizeDesiredReplicas: stabilizeRecommendation (the max of the
 * recommendations not Before(now - window), so age <= window, and this
 * one), then convertDesiredReplicasWithRules.
 */
static void
normalize_legacy(const struct hpa_input *in, int32_t pre,
    struct hpa_output *out)
{
	int32_t	 window, stab = pre;
	size_t	 i;

	window = in->hi_downscale_s < 0 ? HPA_DEFAULT_DOWNSCALE_S :
	    in->hi_downscale_s;
	for (i = 0; i < in->hi_nrecs; i++)
		if (in->hi_recs[i].hr_age_s <= window &&
		    in->hi_recs[i].hr_replicas > stab)
			stab = in->hi_recs[i].hr_replicas;
	out->ho_stabilization = stab != pre ? "ScaleDownStabilized" :
	    "ReadyForNewScale";
	out->ho_stabilized = stab;
	out->ho_record = pre;
	out->ho_desired = hpa_convert_legacy(in->hi_current, stab, in->hi_min,
	    in->hi_max, &out->ho_reason);
}

/*
 * normalizeDesiredReplicasWithBehaviors: stabilizeRecommendation-
 * WithBehaviors (the lowest recommendation of the scale-up window and the
 * highest of the scale-down window, both After(cutoff), age < window,
 * bound the current count), then convertDesiredReplicasWithBehaviorRate.
 */
static void
normalize_behavior(const struct hpa_input *in, int32_t pre,
    struct hpa_output *out)
{
	const struct gw_hpa_behavior *b = in->hi_behavior;
	int32_t	 upw, downw, up, down, rec, lim, allowed;
	size_t	 i;

	upw = b->hb_up.hr_stabilization_s < 0 ? 0 :
	    b->hb_up.hr_stabilization_s;
	downw = b->hb_down.hr_stabilization_s >= 0 ?
	    b->hb_down.hr_stabilization_s : in->hi_downscale_s < 0 ?
	    HPA_DEFAULT_DOWNSCALE_S : in->hi_downscale_s;
	up = down = pre;
	for (i = 0; i < in->hi_nrecs; i++) {
		if (in->hi_recs[i].hr_age_s < upw)
			up = imin(in->hi_recs[i].hr_replicas, up);
		if (in->hi_recs[i].hr_age_s < downw)
			down = imax(in->hi_recs[i].hr_replicas, down);
	}
	rec = in->hi_current;
	if (rec < up)
		rec = up;
	if (rec > down)
		rec = down;
	out->ho_record = pre;
	out->ho_stabilized = rec;
	if (rec != pre)
		out->ho_stabilization = pre >= in->hi_current ?
		    "ScaleUpStabilized" : "ScaleDownStabilized";
	else
		out->ho_stabilization = "ReadyForNewScale";

	out->ho_desired = rec;
	out->ho_reason = "DesiredWithinRange";
	if (rec > in->hi_current) {
		lim = hpa_scale_up_limit(in->hi_current, in->hi_events,
		    in->hi_nevents, &b->hb_up);
		/* No further scale-up until the events age out. */
		if (lim < in->hi_current)
			lim = in->hi_current;
		allowed = in->hi_max;
		if (allowed > lim) {
			allowed = lim;
			out->ho_reason = "ScaleUpLimit";
		} else
			out->ho_reason = "TooManyReplicas";
		if (rec > allowed)
			out->ho_desired = allowed;
		else
			out->ho_reason = "DesiredWithinRange";
	} else if (rec < in->hi_current) {
		lim = hpa_scale_down_limit(in->hi_current, in->hi_events,
		    in->hi_nevents, &b->hb_down);
		if (lim > in->hi_current)
			lim = in->hi_current;
		allowed = in->hi_min;
		if (allowed < lim) {
			allowed = lim;
			out->ho_reason = "ScaleDownLimit";
		} else
			out->ho_reason = "TooFewReplicas";
		if (rec < allowed)
			out->ho_desired = allowed;
		else
			out->ho_reason = "DesiredWithinRange";
	}
}

static const struct {
	const char	*reason;
	const char	*message;
} messages[] = {
	{ "DesiredWithinRange",
	    "the desired count is within the acceptable range" },
	{ "ScaleUpLimit", "the desired replica count is increasing faster "
	    "than the maximum scale rate" },
	{ "ScaleDownLimit", "the desired replica count is decreasing faster "
	    "than the maximum scale rate" },
	{ "TooManyReplicas", "the desired replica count is more than the "
	    "maximum replica count" },
	{ "TooFewReplicas", "the desired replica count is less than the "
	    "minimum replica count" },
	{ "ScalingDisabled", "scaling is disabled since the replica count of "
	    "the target is zero" },
	{ "AboveMaxReplicas",
	    "Current number of replicas above Spec.MaxReplicas" },
	{ "BelowMinReplicas",
	    "Current number of replicas below Spec.MinReplicas" },
	{ "InvalidMetrics", "invalid metrics: all metrics are unavailable, "
	    "or some are and the others would scale down" },
	{ "InvalidInput", "invalid input" }
};

static const char *
message_of(const char *reason)
{
	size_t	 i;

	for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (strcmp(messages[i].reason, reason) == 0)
			return messages[i].message;
	return "";
}

void
hpa_normalize(const struct hpa_input *in, int32_t pre, struct hpa_output *out)
{
	if (in->hi_behavior == NULL)
		normalize_legacy(in, pre, out);
	else
		normalize_behavior(in, pre, out);
	out->ho_message = message_of(out->ho_reason);
}

/* reconcileAutoscaler, from the scale read to the replica count written. */
int
hpa_decide(const struct hpa_input *in, struct hpa_output *out)
{
	double	 tol, tol_up, tol_down;
	int32_t	 status, ready, replicas = 0, p;
	size_t	 i, invalid = 0;

	memset(out, 0, sizeof(*out));
	out->ho_desired = in->hi_current;
	out->ho_metric = -1;
	out->ho_metric_replicas = -1;
	out->ho_stabilized = -1;
	out->ho_record = -1;
	for (i = 0; i < HPA_MAX_METRICS; i++)
		out->ho_proposals[i] = -1;
	if (in->hi_nmetrics > HPA_MAX_METRICS || in->hi_current < 0 ||
	    in->hi_min < 0 || in->hi_max < in->hi_min || in->hi_max < 1 ||
	    (in->hi_nmetrics > 0 && in->hi_metrics == NULL) ||
	    (in->hi_behavior != NULL &&
	    (in->hi_behavior->hb_up.hr_npolicies > HPA_MAX_POLICIES ||
	    in->hi_behavior->hb_down.hr_npolicies > HPA_MAX_POLICIES))) {
		out->ho_error = 1;
		out->ho_reason = "InvalidInput";
		out->ho_message = message_of(out->ho_reason);
		return -1;
	}

	if (in->hi_current == 0 && in->hi_min != 0) {
		/* Autoscaling is disabled for this resource. */
		out->ho_desired = 0;
		out->ho_reason = "ScalingDisabled";
		goto done;
	}
	if (in->hi_current > in->hi_max) {
		out->ho_desired = in->hi_max;
		out->ho_reason = "AboveMaxReplicas";
		goto done;
	}
	if (in->hi_current < in->hi_min) {
		out->ho_desired = in->hi_min;
		out->ho_reason = "BelowMinReplicas";
		goto done;
	}

	tol = in->hi_tolerance < 0 ? HPA_DEFAULT_TOLERANCE : in->hi_tolerance;
	tol_up = tol_down = tol;
	if (in->hi_behavior != NULL) {
		if (in->hi_behavior->hb_up.hr_tolerance >= 0)
			tol_up = in->hi_behavior->hb_up.hr_tolerance;
		if (in->hi_behavior->hb_down.hr_tolerance >= 0)
			tol_down = in->hi_behavior->hb_down.hr_tolerance;
	}
	status = in->hi_status < 0 ? in->hi_current : in->hi_status;
	ready = in->hi_ready < 0 ? in->hi_current : in->hi_ready;

	/* computeReplicasForMetrics: the max over the valid metrics. */
	for (i = 0; i < in->hi_nmetrics; i++) {
		p = hpa_metric_replicas(&in->hi_metrics[i], in->hi_current,
		    status, ready, tol_up, tol_down);
		out->ho_proposals[i] = p;
		if (p < 0) {
			invalid++;
			continue;
		}
		if (replicas == 0 || p > replicas) {
			replicas = p;
			out->ho_metric = (int)i;
		}
	}
	/* All invalid, or some invalid and the others would scale down. */
	if (invalid >= in->hi_nmetrics ||
	    (invalid > 0 && replicas < in->hi_current)) {
		out->ho_error = 1;
		out->ho_metric = -1;
		out->ho_desired = in->hi_current;
		out->ho_reason = "InvalidMetrics";
		goto done;
	}
	out->ho_metric_replicas = replicas;
	hpa_normalize(in, replicas, out);
	return 0;
 done:
	out->ho_message = message_of(out->ho_reason);
	return 0;
}
