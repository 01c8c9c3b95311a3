/*
 * hpa: the Kubernetes HorizontalPodAutoscaler decision as a pure function.
 *
 * hpa_decide() takes what the HPA controller knows at one sync (the scale
 * subresource's replicas, the metric values, the spec, the behavior, the
 * recorded recommendations and scale events) and returns the replica count
 * the controller would write, with the condition reason it would set.  It
 * follows kubernetes/kubernetes pkg/controller/podautoscaler:
 * horizontal.go (reconcileAutoscaler, computeReplicasForMetrics,
 * normalizeDesiredReplicas{,WithBehaviors}, stabilizeRecommendation
 * {,WithBehaviors}, convertDesiredReplicasWithBehaviorRate,
 * calculateScale{Up,Down}Limit*) and replica_calculator.go (the usage
 * ratio, the tolerance band, the proportional formula), in float64 and
 * math.Ceil where they use them.
 *
 * It does no I/O, no allocation and keeps no state: the caller stores the
 * recommendation to record (ho_record) and, when it scales, the scale
 * event (desired - current), and passes them back at the next sync as
 * ages in seconds.  What it does not model: per-pod readiness and missing
 * pods (the HPA's unready/missing pod corrections need per-pod samples;
 * we take ready_replicas as the ready pod count), the CPU initialization
 * period, and metric selectors.
 */
#ifndef GWSCALE_HPA_H
#define GWSCALE_HPA_H

#include <stddef.h>
#include <stdint.h>

#include "scale.h"

/* The controller's --horizontal-pod-autoscaler-tolerance default. */
#define HPA_DEFAULT_TOLERANCE		0.1
/* --horizontal-pod-autoscaler-downscale-stabilization default, seconds. */
#define HPA_DEFAULT_DOWNSCALE_S		300
/* horizontal.go scaleUpLimitFactor, scaleUpLimitMinimum (legacy path). */
#define HPA_SCALE_UP_LIMIT_FACTOR	2.0
#define HPA_SCALE_UP_LIMIT_MINIMUM	4.0
/* Limits of our arrays; the API server allows at most 10 policies. */
#define HPA_MAX_METRICS			16
#define HPA_MAX_POLICIES		GW_HPA_MAX_POLICIES

/* Metric types of the issue's `gwscale decide` input. */
enum hpa_metric_type {
	/* Resource metric, Utilization target (percent of the request):
	 * GetResourceReplicas. */
	HPA_UTILIZATION,
	/* Pods metric, AverageValue target: GetMetricReplicas. */
	HPA_PODS_AVERAGE_VALUE,
	/* Object or External metric, Value target: GetObjectMetricReplicas,
	 * GetExternalMetricReplicas (getUsageRatioReplicaCount). */
	HPA_VALUE,
	/* External metric, AverageValue target: the total and a per-replica
	 * target, GetExternalPerPodMetricReplicas. */
	HPA_AVERAGE_VALUE
};

struct hpa_metric {
	int		 hm_type;	/* enum hpa_metric_type */
	/* 0 when the metric could not be read (a failed read is never
	 * zero): the HPA's "invalid metric". */
	int		 hm_available;
	/*
	 * Current value: utilization in percent (truncated to an integer as
	 * GetResourceUtilizationRatio does), the per-pod average, the object
	 * value, or the external total.  Values other than utilization are
	 * taken in milli-units rounded to nearest, as the HPA's
	 * Quantity.MilliValue() int64s.
	 */
	double		 hm_current;
	/* Target: averageUtilization, averageValue or value. */
	double		 hm_target;
};

/* A recorded unstabilized recommendation (timestampedRecommendation). */
struct hpa_rec {
	int64_t		 hr_age_s;	/* now - timestamp, seconds */
	int32_t		 hr_replicas;	/* recommendation */
};

/* A recorded scale (timestampedScaleEvent): change > 0 is a scale-up
 * event, change < 0 a scale-down event of -change replicas. */
struct hpa_event {
	int64_t		 he_age_s;
	int32_t		 he_change;
};

struct hpa_input {
	/* current_replicas: scale.Spec.Replicas. */
	int32_t		 hi_current;
	/* status_replicas: scale.Status.Replicas; -1: same as current. */
	int32_t		 hi_status;
	int32_t		 hi_ready;	/* ready_replicas: ready pod count;
					   -1: same as current */
	int32_t		 hi_min;	/* min_replicas: spec.minReplicas */
	int32_t		 hi_max;	/* max_replicas: spec.maxReplicas */
	size_t		 hi_nmetrics;	/* metrics: spec.metrics + values */
	const struct hpa_metric *hi_metrics;
	double		 hi_tolerance;	/* tolerance; < 0: 0.1 */
	/* downscale_stabilization_s (the controller's flag); < 0: 300. */
	int32_t		 hi_downscale_s;
	/* behavior: NULL for the legacy path (spec.behavior == nil).  Fill
	 * with gw_hpa_default_behavior() then change fields, as defaults.go
	 * does for a partial behavior. */
	const struct gw_hpa_behavior *hi_behavior;
	size_t		 hi_nrecs;	/* recommendation_history */
	const struct hpa_rec *hi_recs;
	size_t		 hi_nevents;	/* scale_events */
	const struct hpa_event *hi_events;
};

struct hpa_output {
	/* The replica count to write; equals hi_current when no rescale. */
	int32_t		 ho_desired;
	/* 1 when the HPA refuses to act (FailedComputeMetricsReplicas):
	 * ho_desired is then hi_current. */
	int		 ho_error;
	/* Short reason: an HPA condition reason ("DesiredWithinRange",
	 * "ScaleUpLimit", "ScaleDownLimit", "TooManyReplicas",
	 * "TooFewReplicas", "ScalingDisabled", "InvalidMetrics", ...). */
	const char	*ho_reason;
	/* The condition message the HPA would show with it. */
	const char	*ho_message;
	/* AbleToScale reason: "ScaleUpStabilized", "ScaleDownStabilized" or
	 * "ReadyForNewScale"; NULL when normalization did not run. */
	const char	*ho_stabilization;
	/* Per metric proposal (replicaCountProposal); -1 when invalid. */
	int32_t		 ho_proposals[HPA_MAX_METRICS];
	int		 ho_metric;	/* index of the winning metric, or -1 */
	int32_t		 ho_metric_replicas; /* the max over metrics */
	int32_t		 ho_stabilized;	/* after stabilization */
	/* The recommendation the HPA would record (the prenormalized
	 * desired count), or -1 when it records none. */
	int32_t		 ho_record;
};

/*
 * One sync of the HPA.  Returns 0, or -1 when the input is malformed
 * (too many metrics or policies, min > max, a negative count); *out is
 * filled either way, with ho_error set on -1.
 */
int	hpa_decide(const struct hpa_input *, struct hpa_output *);

/*
 * The normalization alone (normalizeDesiredReplicas, or
 * normalizeDesiredReplicasWithBehaviors when hi_behavior is set) of a
 * prenormalized desired count: stabilization, rate limits, min/max.  Only
 * the counts, bounds, windows, history and events of *in are read; sets
 * ho_desired, ho_reason, ho_message, ho_stabilization, ho_stabilized,
 * ho_record.
 */
void	hpa_normalize(const struct hpa_input *, int32_t, struct hpa_output *);

/* Pieces, exposed for the tests: the proposal of one metric (-1 when
 * invalid), legacy convertDesiredReplicasWithRules, and the behavior
 * rate limits. */
int32_t	hpa_metric_replicas(const struct hpa_metric *, int32_t, int32_t,
	    int32_t, double, double);
int32_t	hpa_convert_legacy(int32_t, int32_t, int32_t, int32_t,
	    const char **);
int32_t	hpa_scale_up_limit(int32_t, const struct hpa_event *, size_t,
	    const struct gw_hpa_rules *);
int32_t	hpa_scale_down_limit(int32_t, const struct hpa_event *, size_t,
	    const struct gw_hpa_rules *);

#endif /* GWSCALE_HPA_H */
