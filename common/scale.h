/*
 * scale: the model of a scale target (what gwscale scales, on which
 * metrics, within which bounds, with which HPA behavior), its validation,
 * and the HPA v2 behavior object in its Kubernetes JSON shape.
 *
 * One model for gwctl (which builds it from flags and YAML and stores it)
 * and gwscale (which loads it from the DB and decides with it), so gwctl
 * never stores what gwscale would reject.  The behavior follows
 * k8s.io/api/autoscaling/v2 HorizontalPodAutoscalerBehavior: field names,
 * the defaults of pkg/apis/autoscaling/v2/defaults.go and the limits of
 * pkg/apis/autoscaling/validation.  This module does no I/O and runs no
 * SQL; strings in the model are owned by the object holding them.
 */
#ifndef GW_SCALE_H
#define GW_SCALE_H

#include <stddef.h>
#include <stdint.h>

/* validation.go: MaxStabilizationWindowSeconds, MaxPeriodSeconds. */
#define GW_HPA_MAX_WINDOW_S	3600
#define GW_HPA_MAX_PERIOD_S	1800
/* Our array limit; the API server takes any number, 10 is plenty. */
#define GW_HPA_MAX_POLICIES	10
/* Metrics per target: the HPA takes the maximum over them. */
#define GW_SCALE_MAX_METRICS	16
/* The HPA controller's --horizontal-pod-autoscaler-tolerance default. */
#define GW_SCALE_TOLERANCE	0.1
/* --horizontal-pod-autoscaler-downscale-stabilization default, ms. */
#define GW_SCALE_DOWNSCALE_MS	300000
/* KEDA's cooldownPeriod default, ms. */
#define GW_SCALE_COOLDOWN_MS	300000
/* Default window of a gateway metric's rate, ms: the HPA's own resource
 * metrics are 1-minute averages too. */
#define GW_SCALE_WINDOW_MS	60000
#define GW_SCALE_REPLICAS_MAX	100000	/* a sanity bound, not a policy */

enum gw_hpa_policy_type {
	GW_HPA_POLICY_PODS,	/* HPAScalingPolicy type Pods */
	GW_HPA_POLICY_PERCENT	/* type Percent */
};

struct gw_hpa_policy {
	int		 hp_type;	/* enum gw_hpa_policy_type */
	int32_t		 hp_value;	/* value */
	int32_t		 hp_period_s;	/* periodSeconds */
};

enum gw_hpa_select {
	GW_HPA_SELECT_MAX,	/* selectPolicy Max (the default) */
	GW_HPA_SELECT_MIN,	/* Min */
	GW_HPA_SELECT_DISABLED	/* Disabled */
};

/* HPAScalingRules. */
struct gw_hpa_rules {
	/* stabilizationWindowSeconds; -1 when unset (scaleDown then takes
	 * the controller's downscale stabilization, scaleUp defaults to
	 * 0). */
	int32_t		 hr_stabilization_s;
	int		 hr_select;	/* selectPolicy, enum gw_hpa_select */
	size_t		 hr_npolicies;	/* policies */
	struct gw_hpa_policy hr_policies[GW_HPA_MAX_POLICIES];
	/* tolerance (HPAConfigurableTolerance); < 0 when unset: the
	 * target's tolerance. */
	double		 hr_tolerance;
};

/* HorizontalPodAutoscalerBehavior. */
struct gw_hpa_behavior {
	struct gw_hpa_rules hb_up;	/* scaleUp */
	struct gw_hpa_rules hb_down;	/* scaleDown */
};

enum gw_scale_kind {
	GW_SCALE_DEPLOYMENT,
	GW_SCALE_STATEFULSET,
	GW_SCALE_REPLICASET
};
enum gw_scale_source {
	GW_SCALE_GATEWAY,	/* traffic_stats in the DB */
	GW_SCALE_PROMETHEUS	/* an instant query of the HTTP API */
};
/* How a metric's value is compared with its target (the HPA's
 * MetricTarget types). */
enum gw_scale_ttype {
	GW_SCALE_VALUE,		/* Value: the total against the target */
	GW_SCALE_AVERAGE_VALUE,	/* AverageValue: total / replicas */
	GW_SCALE_UTILIZATION	/* Utilization: an average percentage */
};
/* The gateway's metrics of one service (GW_SCALE_GATEWAY). */
enum gw_scale_gwmetric {
	GW_SCALE_RPS,		/* requests_per_second over the window */
	GW_SCALE_IN_FLIGHT,	/* in_flight: requests in flight, latest */
	GW_SCALE_P50,		/* latency_p50_ms over the window */
	GW_SCALE_P90,		/* latency_p90_ms */
	GW_SCALE_P99,		/* latency_p99_ms */
	GW_SCALE_ERROR_RATE	/* error_rate: % of requests 5xx or failed */
};

/* NULL-terminated names of each enum, indexed by value; also DB values
 * (the behavior's names are the Kubernetes API's). */
extern const char *const gw_hpa_policy_names[];
extern const char *const gw_hpa_select_names[];
extern const char *const gw_scale_kind_names[];
extern const char *const gw_scale_source_names[];
extern const char *const gw_scale_ttype_names[];
extern const char *const gw_scale_gwmetric_names[];

struct gw_scale_metric {
	int	 sm_source;	/* enum gw_scale_source */
	/* gateway: a gw_scale_gwmetric_names name; prometheus: PromQL */
	char	*sm_metric;
	char	*sm_service;	/* gateway: the service; else NULL */
	char	*sm_url;	/* prometheus: the server's URL; else NULL */
	int	 sm_ttype;	/* enum gw_scale_ttype */
	double	 sm_target;	/* > 0 */
	/* KEDA's activationThreshold: the target is active (scale from or
	 * stay above zero) while the value is above it. */
	double	 sm_activation;
	int64_t	 sm_window_ms;	/* gateway rates and percentiles */
};

struct gw_scale_target {
	char	*st_name;
	char	*st_namespace;
	int	 st_kind;		/* enum gw_scale_kind */
	char	*st_workload;
	int32_t	 st_min;		/* 0: scale to zero (KEDA) */
	int32_t	 st_max;
	double	 st_tolerance;
	int64_t	 st_downscale_ms;	/* legacy path's stabilization */
	int64_t	 st_cooldown_ms;	/* idle time before scaling to 0 */
	int	 st_has_behavior;	/* 0: the HPA's legacy path */
	struct gw_hpa_behavior st_behavior; /* defaults filled */
	struct gw_scale_metric *st_metrics;
	size_t	 st_nmetrics;
	/*
	 * Why a stored behavior did not parse (a hand edit of the DB), or
	 * NULL; validation reports it, so the target can still be loaded,
	 * shown and fixed.
	 */
	char	*st_load_err;
};

/* defaults.go: scaleUp window 0, Max of Pods 4/15s and Percent 100/15s;
 * scaleDown window unset, Max, Percent 100/15s; tolerances unset. */
void	gw_hpa_default_behavior(struct gw_hpa_behavior *);

/*
 * Parses a HorizontalPodAutoscalerBehavior in its JSON form (as in an HPA
 * manifest: {"scaleUp": {...}, "scaleDown": {...}}), fills what is
 * missing with the defaults as the API server does, and validates it as
 * the API server does.  Unknown fields are errors.  Returns 0, or -1 with
 * err naming the field and value.
 */
int	gw_hpa_behavior_parse(const char *json, struct gw_hpa_behavior *,
	    char *err, size_t errlen);
/* The same from a parsed jansson object (json_t *, void * here so that
 * this header does not need jansson's). */
int	gw_hpa_behavior_from_json(void *obj, struct gw_hpa_behavior *,
	    char *err, size_t errlen);
/* The behavior, defaults included, as compact JSON with the API's field
 * names and keys in a fixed order; malloc'd, NULL on allocation failure. */
char	*gw_hpa_behavior_json(const struct gw_hpa_behavior *);

/* Defaults for a new target (min 1, tolerance, windows, no behavior). */
void	gw_scale_target_init(struct gw_scale_target *);
/* Defaults for a new metric (gateway, average value, window). */
void	gw_scale_metric_init(struct gw_scale_metric *);
/*
 * Validates a whole target: names, bounds, metrics (a gateway metric
 * names a known metric and a service; a prometheus one a URL and a
 * query), behavior.  Returns 0, or -1 with err naming the bad value
 * (`scale target "web": max_replicas 0: must be at least 1`).
 */
int	gw_scale_target_validate(const struct gw_scale_target *, char *err,
	    size_t errlen);
/*
 * The same, for callers that name the target themselves: err without the
 * "scale target" prefix, and field the YAML key path of the bad value
 * ("max_replicas", "metrics.0.target": metrics counted from 0 here, from
 * 1 in err), "" for the target as a whole.
 */
int	gw_scale_target_check(const struct gw_scale_target *, char *field,
	    size_t fieldlen, char *err, size_t errlen);
/* 1 when a and b are the same target with the same settings. */
int	gw_scale_target_equal(const struct gw_scale_target *a,
	    const struct gw_scale_target *b);
/*
 * A workload as "[KIND/]NAME": KIND deployment (the default),
 * statefulset or replicaset, any case, or kubectl's deploy, sts or rs.
 * *name is malloc'd and not checked (validation does).  0, or -1 with
 * err naming the kind (the caller names the workload).
 */
int	gw_scale_workload_parse(const char *s, int *kind, char **name,
	    char *err, size_t errlen);
/* The fewest digits (15 to 17) with which %.*g reads back as d. */
int	gw_scale_real_digits(double d);
/* Deep copy; 0 or -1 on allocation failure (*dst then freed). */
int	gw_scale_target_copy(struct gw_scale_target *dst,
	    const struct gw_scale_target *src);
void	gw_scale_target_free(struct gw_scale_target *);
void	gw_scale_metric_free(struct gw_scale_metric *);

/*
 * A metric as gwctl's --metric takes it: comma separated KEY=VALUE pairs,
 * keys type, target, source, service, metric, url, window, activation and
 * query; query must come last and takes the rest of the string, commas
 * included (PromQL has them).  Returns 0, or -1 with err naming the bad
 * pair.  gw_scale_metric_format writes the same form back.
 */
int	gw_scale_metric_parse(const char *spec, struct gw_scale_metric *,
	    char *err, size_t errlen);
int	gw_scale_metric_format(const struct gw_scale_metric *, char *buf,
	    size_t len);

/* Index of name in a NULL-terminated name table, or -1. */
int	gw_scale_name_index(const char *const *names, const char *name);

#endif /* GW_SCALE_H */
