/*
 * test_hpa: gwscale's HPA decision against the cases of the Kubernetes
 * HPA controller's own unit tests (kubernetes/kubernetes
 * pkg/controller/podautoscaler/horizontal_test.go and
 * replica_calculator_test.go).  Each table row names the Go test (and
 * case name) it comes from; "derived" rows are ours, computed by hand
 * from the Go code.  Scale events and recommendations are given as ages
 * in seconds, as generateEventsUniformDistribution places them.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../gwscale/hpa.h"
#include "t.h"

#define NEV_MAX		8

/* generateScalingRules(pods, podsPeriod, percent, percentPeriod,
 * stabilizationWindow) with selectPolicy Max; set = 0 means nil (the
 * defaults of GenerateHPAScale{Up,Down}Rules). */
struct rules_spec {
	int		 set;
	int32_t		 pods, pods_p, pct, pct_p, stab;
};

/* generateEventsUniformDistribution(ev[0..n), period). */
struct events_spec {
	int		 n;
	int		 ev[4];
	int		 period;
};

static void	make_rules(const struct rules_spec *, struct gw_hpa_rules *);
static size_t	make_events(const struct events_spec *, int,
		    struct hpa_event *, size_t);
static void	test_scaling_with_rules(void);
static void	test_convert_legacy(void);
static void	test_normalize_legacy(void);
static void	test_normalize_behavior(void);
static void	test_limits(void);
static void	test_metric_replicas(void);
static void	test_decide(void);
static void	test_defaults(void);

static void
make_rules(const struct rules_spec *s, struct gw_hpa_rules *r)
{
	if (!s->set)
		return;
	memset(r, 0, sizeof(*r));
	r->hr_stabilization_s = s->stab;
	r->hr_select = GW_HPA_SELECT_MAX;
	r->hr_tolerance = -1;
	if (s->pods != 0)
		r->hr_policies[r->hr_npolicies++] = (struct gw_hpa_policy){
		    GW_HPA_POLICY_PODS, s->pods, s->pods_p };
	if (s->pct != 0)
		r->hr_policies[r->hr_npolicies++] = (struct gw_hpa_policy){
		    GW_HPA_POLICY_PERCENT, s->pct, s->pct_p };
}

/* Appends the events of *s with the sign of a scale-up (+1) or down. */
static size_t
make_events(const struct events_spec *s, int sign, struct hpa_event *ev,
    size_t nev)
{
	double	 seg;
	int	 i;

	if (s->n == 0)
		return nev;
	seg = (double)s->period / s->n;
	for (i = 0; i < s->n && nev < NEV_MAX; i++) {
		/* time.Duration(float64) truncates, then * time.Second. */
		ev[nev].he_age_s = (int64_t)((double)s->period -
		    seg * (i + 1) + seg / 2);
		ev[nev].he_change = sign * s->ev[i];
		nev++;
	}
	return nev;
}

/* horizontal_test.go TestScalingWithRules: convertDesiredReplicasWith-
 * BehaviorRate through hpa_normalize (no recommendations, so the
 * stabilization returns the prenormalized count). */
static void
test_scaling_with_rules(void)
{
	static const struct {
		const char		*name;
		struct events_spec	 up_ev, down_ev;
		int32_t			 min, max;
		struct rules_spec	 up, down;
		int32_t			 current, pre, want;
		const char		*cond;
	} tc[] = {
		{ "prenormalized desired replicas within range",
		    { 0 }, { 0 }, 3, 8, { 0 }, { 0 }, 5, 7, 7,
		    "DesiredWithinRange" },
		{ "prenormalized desired replicas < minReplicas",
		    { 0 }, { 0 }, 2, 8, { 0 }, { 0 }, 3, 1, 2,
		    "TooFewReplicas" },
		{ "prenormalized desired replicas within range when "
		    "minReplicas is 0",
		    { 0 }, { 0 }, 0, 10, { 0 }, { 0 }, 1, 0, 0,
		    "DesiredWithinRange" },
		{ "maxReplicas is the limit because maxReplicas < "
		    "scaleUpLimit",
		    { 0 }, { 0 }, 1, 10, { 0 }, { 0 }, 20, 1000, 10,
		    "TooManyReplicas" },
		{ "desired replica count is more than the maximum replica "
		    "count",
		    { 0 }, { 0 }, 100, 150, { 0 }, { 0 }, 100, 1000, 150,
		    "TooManyReplicas" },
		{ "scaleUpLimit is the limit because scaleUpLimit < "
		    "maxReplicas with user policies",
		    { 0 }, { 0 }, 1, 2000, { 1, 0, 0, 1, 60, 0 }, { 0 },
		    3, 1000, 4, "ScaleUpLimit" },
		/* Skipped in Go (testThis), checked here. */
		{ "scaleDownLimit is the limit because scaleDownLimit > "
		    "minReplicas with user defined policies",
		    { 0 }, { 0 }, 3, 2000, { 0 }, { 1, 20, 60, 0, 0, 0 },
		    1000, 3, 980, "ScaleDownLimit" },
		{ "scaleUp with default behavior",
		    { 0 }, { 0 }, 1, 1000, { 0 }, { 0 }, 10, 50, 20,
		    "ScaleUpLimit" },
		{ "scaleUp with pods policy larger than percent policy",
		    { 0 }, { 0 }, 1, 1000, { 1, 100, 60, 100, 60, 0 }, { 0 },
		    10, 500, 110, "ScaleUpLimit" },
		{ "scaleUp with percent policy larger than pods policy",
		    { 0 }, { 0 }, 1, 1000, { 1, 2, 60, 100, 60, 0 }, { 0 },
		    10, 500, 20, "ScaleUpLimit" },
		{ "scaleUp with spec MaxReplicas limitation with large pod "
		    "policy",
		    { 0 }, { 0 }, 1, 1000, { 1, 100, 60, 0, 0, 0 }, { 0 },
		    10, 50, 50, "DesiredWithinRange" },
		{ "scaleUp with spec MaxReplicas limitation with large "
		    "percent policy",
		    { 0 }, { 0 }, 1, 1000, { 1, 10000, 60, 0, 0, 0 }, { 0 },
		    10, 50, 50, "DesiredWithinRange" },
		{ "scaleUp with pod policy limitation",
		    { 0 }, { 0 }, 1, 1000, { 1, 30, 60, 0, 0, 0 }, { 0 },
		    10, 50, 40, "ScaleUpLimit" },
		{ "scaleUp with percent policy limitation",
		    { 0 }, { 0 }, 1, 1000, { 1, 0, 0, 200, 60, 0 }, { 0 },
		    10, 50, 30, "ScaleUpLimit" },
		{ "scaleDown with percent policy larger than pod policy",
		    { 0 }, { 0 }, 1, 1000, { 0 }, { 1, 20, 60, 1, 60, 300 },
		    100, 2, 80, "ScaleDownLimit" },
		{ "scaleDown with pod policy larger than percent policy",
		    { 0 }, { 0 }, 1, 1000, { 0 }, { 1, 2, 60, 1, 60, 300 },
		    100, 2, 98, "ScaleDownLimit" },
		{ "scaleDown with spec MinReplicas=nil limitation with "
		    "large pod policy",
		    { 0 }, { 0 }, 1, 1000, { 0 }, { 1, 100, 60, 0, 0, 300 },
		    10, 0, 1, "TooFewReplicas" },
		{ "scaleDown with spec MinReplicas limitation with large "
		    "percent policy",
		    { 0 }, { 0 }, 5, 1000, { 0 }, { 1, 0, 0, 100, 60, 300 },
		    10, 2, 5, "TooFewReplicas" },
		{ "scaleDown with pod policy limitation",
		    { 0 }, { 0 }, 1, 1000, { 0 }, { 1, 5, 60, 0, 0, 300 },
		    10, 2, 5, "ScaleDownLimit" },
		{ "scaleDown with percent policy limitation",
		    { 0 }, { 0 }, 1, 1000, { 0 }, { 1, 0, 0, 50, 60, 300 },
		    10, 5, 5, "DesiredWithinRange" },
		{ "scaleUp with spec MaxReplicas limitation with large pod "
		    "policy and events",
		    { 3, { 1, 5, 9 }, 120 }, { 0 }, 1, 200,
		    { 1, 300, 60, 0, 0, 0 }, { 0 }, 100, 500, 200,
		    "TooManyReplicas" },
		{ "scaleUp with spec MaxReplicas limitation with large "
		    "percent policy and events",
		    { 3, { 1, 5, 9 }, 120 }, { 0 }, 1, 200,
		    { 1, 0, 0, 10000, 60, 0 }, { 0 }, 100, 500, 200,
		    "TooManyReplicas" },
		{ "scaleUp with currentReplicas limitation with "
		    "rate.PeriodSeconds with a lot of recent scale up events",
		    { 3, { 1, 5, 9 }, 120 }, { 0 }, 1, 1000,
		    { 1, 5, 120, 0, 0, 0 }, { 0 }, 100, 500, 100,
		    "ScaleUpLimit" },
		{ "scaleUp with pod policy and previous scale up events",
		    { 3, { 1, 5, 9 }, 120 }, { 0 }, 1, 1000,
		    { 1, 150, 120, 0, 0, 0 }, { 0 }, 100, 500, 235,
		    "ScaleUpLimit" },
		{ "scaleUp with percent policy and previous scale up events",
		    { 3, { 1, 5, 9 }, 120 }, { 0 }, 1, 1000,
		    { 1, 0, 0, 200, 120, 0 }, { 0 }, 100, 500, 255,
		    "ScaleUpLimit" },
		{ "scaleUp with percent policy and previous scale up and "
		    "down events",
		    { 1, { 4 }, 120 }, { 1, { 2 }, 120 }, 1, 1000,
		    { 1, 0, 0, 300, 300, 0 }, { 0 }, 6, 24, 16,
		    "ScaleUpLimit" },
		{ "scaleDown with default policy and previous events",
		    { 0 }, { 3, { 1, 5, 9 }, 120 }, 1, 1000, { 0 }, { 0 },
		    10, 5, 5, "DesiredWithinRange" },
		{ "scaleDown with spec MinReplicas=nil limitation with "
		    "large pod policy and previous events",
		    { 0 }, { 3, { 1, 5, 9 }, 120 }, 1, 1000, { 0 },
		    { 1, 115, 120, 0, 0, 300 }, 100, 0, 1,
		    "TooFewReplicas" },
		{ "scaleDown with spec MinReplicas limitation with large "
		    "pod policy and previous events",
		    { 0 }, { 3, { 1, 5, 9 }, 120 }, 5, 1000, { 0 },
		    { 1, 130, 120, 0, 0, 300 }, 100, 0, 5,
		    "TooFewReplicas" },
		{ "scaleDown with spec MinReplicas limitation with large "
		    "percent policy and previous events",
		    { 0 }, { 3, { 1, 5, 9 }, 120 }, 5, 1000, { 0 },
		    { 1, 0, 0, 100, 120, 300 }, 100, 2, 5,
		    "TooFewReplicas" },
		{ "scaleDown with pod policy limitation and previous events",
		    { 0 }, { 3, { 1, 5, 9 }, 120 }, 1, 1000, { 0 },
		    { 1, 5, 120, 0, 0, 300 }, 100, 2, 100,
		    "ScaleDownLimit" },
		{ "scaleDown with percent policy limitation and previous "
		    "events",
		    { 0 }, { 3, { 2, 4, 6 }, 120 }, 1, 1000, { 0 },
		    { 1, 0, 0, 50, 120, 300 }, 100, 0, 56,
		    "ScaleDownLimit" },
		{ "scaleDown with percent policy and previous scale up and "
		    "down events",
		    { 1, { 2 }, 120 }, { 1, { 4 }, 120 }, 1, 1000, { 0 },
		    { 1, 0, 0, 50, 180, 0 }, 10, 1, 6, "ScaleDownLimit" },
		{ "scaleDown with previous events preventing further scale "
		    "down",
		    { 0 }, { 3, { 10, 10, 10 }, 120 }, 1, 1000, { 0 },
		    { 1, 0, 0, 10, 120, 300 }, 100, 0, 100,
		    "ScaleDownLimit" },
		{ "scaleDown with with previous events still allowing more "
		    "scale down",
		    { 0 }, { 3, { 10, 10, 10 }, 120 }, 1, 1000, { 0 },
		    { 1, 0, 0, 1000, 120, 300 }, 10, 5, 5,
		    "DesiredWithinRange" },
		{ "check 'outdated' flag for events for one behavior for up",
		    { 4, { 8, 12, 9, 11 }, 120 }, { 0 }, 1, 1000,
		    { 1, 1000, 60, 0, 0, 0 }, { 0 }, 100, 200, 200,
		    "DesiredWithinRange" },
		{ "check that events were not marked 'outdated' for two "
		    "different policies in the behavior for up",
		    { 4, { 8, 12, 9, 11 }, 120 }, { 0 }, 1, 1000,
		    { 1, 1000, 120, 100, 60, 0 }, { 0 }, 100, 200, 200,
		    "DesiredWithinRange" },
		{ "check that events were marked 'outdated' for two "
		    "different policies in the behavior for up",
		    { 4, { 8, 12, 9, 11 }, 120 }, { 0 }, 1, 1000,
		    { 1, 1000, 30, 100, 60, 0 }, { 0 }, 100, 200, 200,
		    "DesiredWithinRange" },
		{ "check 'outdated' flag for events for one behavior for "
		    "down",
		    { 0 }, { 4, { 8, 12, 9, 11 }, 120 }, 1, 1000, { 0 },
		    { 1, 1000, 60, 0, 0, 300 }, 100, 5, 5,
		    "DesiredWithinRange" },
		{ "check that events were not marked 'outdated' for two "
		    "different policies in the behavior for down",
		    { 0 }, { 4, { 8, 12, 9, 11 }, 120 }, 1, 1000, { 0 },
		    { 1, 1000, 120, 100, 60, 300 }, 100, 5, 5,
		    "DesiredWithinRange" },
		{ "check that events were marked 'outdated' for two "
		    "different policies in the behavior for down",
		    { 0 }, { 4, { 8, 12, 9, 11 }, 120 }, 1, 1000, { 0 },
		    { 1, 1000, 30, 100, 60, 300 }, 100, 5, 5,
		    "DesiredWithinRange" },
	};
	struct gw_hpa_behavior	 b;
	struct hpa_event	 ev[NEV_MAX];
	struct hpa_input	 in;
	struct hpa_output	 out;
	size_t			 i, nev;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		gw_hpa_default_behavior(&b);
		make_rules(&tc[i].up, &b.hb_up);
		make_rules(&tc[i].down, &b.hb_down);
		nev = make_events(&tc[i].up_ev, 1, ev, 0);
		nev = make_events(&tc[i].down_ev, -1, ev, nev);
		memset(&in, 0, sizeof(in));
		in.hi_current = tc[i].current;
		in.hi_min = tc[i].min;
		in.hi_max = tc[i].max;
		in.hi_downscale_s = -1;
		in.hi_behavior = &b;
		in.hi_events = ev;
		in.hi_nevents = nev;
		memset(&out, 0, sizeof(out));
		hpa_normalize(&in, tc[i].pre, &out);
		T_INTEQ(out.ho_desired, tc[i].want,
		    "TestScalingWithRules: %s", tc[i].name);
		T_STREQ(out.ho_reason, tc[i].cond,
		    "TestScalingWithRules: %s: condition", tc[i].name);
	}
}

/* horizontal_test.go TestConvertDesiredReplicasWithRules, with the real
 * scaleUpLimitFactor 2 (the Go test does not change it here). */
static void
test_convert_legacy(void)
{
	static const struct {
		const char	*name;
		int32_t		 current, desired, min, max, want;
		const char	*cond;
	} tc[] = {
		{ "prenormalized desired replicas within range",
		    5, 7, 3, 8, 7, "DesiredWithinRange" },
		{ "prenormalized desired replicas < minReplicas",
		    3, 1, 2, 8, 2, "TooFewReplicas" },
		{ "prenormalized desired zeroed replicas within range",
		    1, 0, 0, 10, 0, "DesiredWithinRange" },
		{ "maxReplicas is the limit because maxReplicas < "
		    "scaleUpLimit",
		    20, 1000, 1, 10, 10, "TooManyReplicas" },
		/* calculateScaleUpLimit(3) = max(2 * 3, 4) = 6. */
		{ "scaleUpLimit is the limit because scaleUpLimit < "
		    "maxReplicas",
		    3, 1000, 1, 2000, 6, "ScaleUpLimit" },
		/* derived: scaleUpLimitMinimum 4 from 1 replica. */
		{ "derived: scaleUpLimitMinimum", 1, 10, 1, 20, 4,
		    "ScaleUpLimit" },
		/* derived: max above the limit but desired below both. */
		{ "derived: within the scale-up limit", 5, 9, 1, 20, 9,
		    "DesiredWithinRange" },
	};
	const char	*reason;
	size_t		 i;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		reason = NULL;
		T_INTEQ(hpa_convert_legacy(tc[i].current, tc[i].desired,
		    tc[i].min, tc[i].max, &reason), tc[i].want,
		    "TestConvertDesiredReplicasWithRules: %s", tc[i].name);
		T_STREQ(reason, tc[i].cond,
		    "TestConvertDesiredReplicasWithRules: %s: condition",
		    tc[i].name);
	}
}

/* horizontal_test.go TestNormalizeDesiredReplicas: stabilizeRecommendation
 * with a 5 minute downscale window. */
static void
test_normalize_legacy(void)
{
	static const struct {
		const char	*name;
		int		 nrec;
		struct hpa_rec	 rec[4];
		int32_t		 pre, want;
	} tc[] = {
		{ "empty log", 0, { { 0, 0 } }, 5, 5 },
		{ "stabilize", 2, { { 120, 4 }, { 60, 5 } }, 3, 5 },
		{ "no stabilize", 2, { { 120, 1 }, { 60, 2 } }, 3, 3 },
		{ "no stabilize - old recommendations", 2,
		    { { 600, 10 }, { 540, 9 } }, 3, 3 },
		{ "stabilize - old recommendations", 4,
		    { { 600, 10 }, { 60, 4 }, { 120, 5 }, { 540, 9 } }, 3, 5 },
	};
	struct hpa_input	 in;
	struct hpa_output	 out;
	size_t			 i;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		memset(&in, 0, sizeof(in));
		in.hi_current = 10;
		in.hi_min = 1;
		in.hi_max = 100;
		in.hi_downscale_s = 300;
		in.hi_recs = tc[i].rec;
		in.hi_nrecs = (size_t)tc[i].nrec;
		hpa_normalize(&in, tc[i].pre, &out);
		T_INTEQ(out.ho_stabilized, tc[i].want,
		    "TestNormalizeDesiredReplicas: %s", tc[i].name);
		T_INTEQ(out.ho_record, tc[i].pre,
		    "TestNormalizeDesiredReplicas: %s: records the "
		    "prenormalized count", tc[i].name);
		T_STREQ(out.ho_stabilization, tc[i].want != tc[i].pre ?
		    "ScaleDownStabilized" : "ReadyForNewScale",
		    "TestNormalizeDesiredReplicas: %s: AbleToScale reason",
		    tc[i].name);
	}
}

/* horizontal_test.go TestNormalizeDesiredReplicasWithBehavior:
 * stabilizeRecommendationWithBehaviors. */
static void
test_normalize_behavior(void)
{
	static const struct {
		const char	*name;
		int		 nrec;
		struct hpa_rec	 rec[4];
		int32_t		 current, pre, want, upw, downw;
	} tc[] = {
		{ "empty recommendations for scaling down", 0, { { 0, 0 } },
		    100, 5, 5, 0, 0 },
		{ "simple scale down stabilization", 2,
		    { { 120, 4 }, { 60, 5 } }, 100, 3, 5, 0, 180 },
		{ "simple scale up stabilization", 2,
		    { { 120, 4 }, { 60, 5 } }, 1, 7, 4, 300, 0 },
		{ "no scale down stabilization", 2,
		    { { 120, 1 }, { 60, 2 } }, 100, 3, 3, 300, 0 },
		{ "no scale up stabilization", 2,
		    { { 120, 4 }, { 60, 5 } }, 1, 3, 3, 0, 300 },
		{ "no scale down stabilization, reuse recommendation "
		    "element", 2, { { 600, 10 }, { 540, 9 } },
		    100, 3, 3, 0, 0 },
		{ "no scale up stabilization, reuse recommendation element",
		    2, { { 600, 10 }, { 540, 9 } }, 1, 100, 100, 0, 0 },
		{ "scale down stabilization, reuse one of obsolete "
		    "recommendation element", 4,
		    { { 600, 10 }, { 60, 4 }, { 120, 5 }, { 540, 9 } },
		    100, 3, 5, 0, 180 },
		{ "scale up stabilization, reuse one of obsolete "
		    "recommendation element", 4,
		    { { 6000, 10 }, { 60, 6 }, { 120, 5 }, { 180, 9 } },
		    1, 100, 5, 300, 0 },
		{ "scale up and down stabilization, do not scale up when "
		    "prenormalized rec goes down", 2,
		    { { 6000, 2 }, { 180, 3 } }, 2, 1, 2, 300, 300 },
		{ "scale up and down stabilization, do not scale down when "
		    "prenormalized rec goes up", 2,
		    { { 6000, 2 }, { 180, 1 } }, 2, 3, 2, 300, 300 },
	};
	struct gw_hpa_behavior	 b;
	struct hpa_input	 in;
	struct hpa_output	 out;
	size_t			 i;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		gw_hpa_default_behavior(&b);
		b.hb_up.hr_stabilization_s = tc[i].upw;
		b.hb_down.hr_stabilization_s = tc[i].downw;
		memset(&in, 0, sizeof(in));
		in.hi_current = tc[i].current;
		in.hi_min = 1;
		in.hi_max = 1000;
		in.hi_downscale_s = -1;
		in.hi_behavior = &b;
		in.hi_recs = tc[i].rec;
		in.hi_nrecs = (size_t)tc[i].nrec;
		hpa_normalize(&in, tc[i].pre, &out);
		T_INTEQ(out.ho_stabilized, tc[i].want,
		    "TestNormalizeDesiredReplicasWithBehavior: %s",
		    tc[i].name);
	}
}

/* TestCalculateScaleUpLimitWithScalingRules,
 * TestCalculateScaleDownLimitWithBehaviors (selectPolicy Min), the
 * issue's Percent case in floating point, Disabled. */
static void
test_limits(void)
{
	struct gw_hpa_rules	 r;
	struct hpa_event	 ev[2];

	memset(&r, 0, sizeof(r));
	r.hr_stabilization_s = 300;
	r.hr_select = GW_HPA_SELECT_MIN;
	r.hr_npolicies = 2;
	r.hr_policies[0] = (struct gw_hpa_policy){ GW_HPA_POLICY_PODS, 2, 60 };
	r.hr_policies[1] = (struct gw_hpa_policy){ GW_HPA_POLICY_PERCENT, 50, 60 };
	T_INTEQ(hpa_scale_up_limit(1, NULL, 0, &r), 2,
	    "TestCalculateScaleUpLimitWithScalingRules");
	T_INTEQ(hpa_scale_down_limit(5, NULL, 0, &r), 3,
	    "TestCalculateScaleDownLimitWithBehaviors");

	/* derived: the same rules with Max: up max(3, ceil(1.5)) = 3,
	 * down min(3, int32(2.5)) = 2. */
	r.hr_select = GW_HPA_SELECT_MAX;
	T_INTEQ(hpa_scale_up_limit(1, NULL, 0, &r), 3,
	    "derived: scale-up limit, selectPolicy Max");
	T_INTEQ(hpa_scale_down_limit(5, NULL, 0, &r), 2,
	    "derived: scale-down limit, selectPolicy Max truncates");

	/* Issue 5: 25 replicas with +12% allow 29, since 25 * 1.12 is
	 * 28.000000000000004 in float64 and math.Ceil rounds it up. */
	r.hr_npolicies = 1;
	r.hr_policies[0] = (struct gw_hpa_policy){ GW_HPA_POLICY_PERCENT, 12, 60 };
	T_INTEQ(hpa_scale_up_limit(25, NULL, 0, &r), 29,
	    "issue 5: 25 replicas +12%% allows 29 (float64)");

	/* derived: events at the period's edge do not count (After). */
	ev[0] = (struct hpa_event){ 60, 5 };
	ev[1] = (struct hpa_event){ 59, 2 };
	r.hr_policies[0] = (struct gw_hpa_policy){ GW_HPA_POLICY_PODS, 4, 60 };
	T_INTEQ(hpa_scale_up_limit(10, ev, 2, &r), 12,
	    "derived: an event exactly periodSeconds old is outside");

	r.hr_select = GW_HPA_SELECT_DISABLED;
	T_INTEQ(hpa_scale_up_limit(10, NULL, 0, &r), 10,
	    "derived: selectPolicy Disabled keeps the current count (up)");
	T_INTEQ(hpa_scale_down_limit(10, NULL, 0, &r), 10,
	    "derived: selectPolicy Disabled keeps the current count "
	    "(down)");
}

/* replica_calculator_test.go: the usage ratio and tolerance cases that
 * need no per-pod data.  Values in units (the Go tests give milli-units:
 * 20000 is 20.0). */
static void
test_metric_replicas(void)
{
	static const struct {
		const char	*name;
		int		 type;
		double		 current, target;
		int32_t		 replicas, status, ready, want;
	} tc[] = {
		/* levels 300,500,700 of requests 1.0: 50%. */
		{ "TestReplicaCalcScaleUp", HPA_UTILIZATION, 50, 30,
		    3, 3, 3, 5 },
		/* levels 100,300,500,250,250: 28%. */
		{ "TestReplicaCalcScaleDown", HPA_UTILIZATION, 28, 50,
		    5, 5, 5, 3 },
		/* 1010+1030+1020 over 900+1000+1100: 102%. */
		{ "TestReplicaCalcTolerance", HPA_UTILIZATION, 102, 100,
		    3, 3, 3, 3 },
		{ "TestReplicaCalcScaleUpCM", HPA_PODS_AVERAGE_VALUE,
		    20.0, 15.0, 3, 3, 3, 4 },
		/* levels 20000,21000,21000: average 20666m. */
		{ "TestReplicaCalcToleranceCM", HPA_PODS_AVERAGE_VALUE,
		    20.666, 20.0, 3, 3, 3, 3 },
		{ "TestReplicaCalcScaleDownCM", HPA_PODS_AVERAGE_VALUE,
		    12.0, 20.0, 5, 5, 5, 3 },
		{ "TestReplicaCalcScaleUpCMObject", HPA_VALUE, 20.0, 15.0,
		    3, 3, 3, 4 },
		{ "TestReplicaCalcScaleDownCMObject", HPA_VALUE, 12.0, 20.0,
		    5, 5, 5, 3 },
		{ "TestReplicaCalcToleranceCMObject", HPA_VALUE, 20.666,
		    20.0, 3, 3, 3, 3 },
		{ "TestReplicaCalcScaleUpCMExternal", HPA_VALUE, 8.6, 4.4,
		    1, 1, 1, 2 },
		{ "TestReplicaCalcScaleDownCMExternal", HPA_VALUE, 8.6,
		    14.334, 5, 5, 5, 3 },
		{ "TestReplicaCalcToleranceCMExternal", HPA_VALUE, 8.6,
		    8.888, 3, 3, 3, 3 },
		/* 1 of 3 pods ready: Value targets multiply ready pods. */
		{ "TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods",
		    HPA_VALUE, 8.6, 4.4, 3, 3, 1, 2 },
		{ "TestReplicaCalcScaleUpPerPodCMExternal",
		    HPA_AVERAGE_VALUE, 8.6, 2.15, 3, 3, 3, 4 },
		{ "TestReplicaCalcScaleDownPerPodCMExternal",
		    HPA_AVERAGE_VALUE, 8.6, 2.867, 5, 5, 5, 3 },
		{ "TestReplicaCalcTolerancePerPodCMExternal",
		    HPA_AVERAGE_VALUE, 8.6, 2.9, 3, 3, 3, 3 },
		/* derived: getUsageRatioReplicaCount from zero replicas is
		 * ceil(usageRatio), with no tolerance. */
		{ "derived: Value target from 0 replicas", HPA_VALUE, 2.5,
		    1.0, 0, 0, 0, 3 },
		{ "derived: Value target from 0 replicas, no usage",
		    HPA_VALUE, 0.0, 1.0, 0, 0, 0, 0 },
		/* derived: the ready pod count multiplies, not replicas. */
		{ "derived: Value target multiplies the ready pods",
		    HPA_VALUE, 20.0, 10.0, 5, 5, 3, 6 },
		/* derived: AverageValue against statusReplicas. */
		{ "derived: AverageValue uses statusReplicas",
		    HPA_AVERAGE_VALUE, 10.0, 2.0, 3, 5, 5, 5 },
		/* derived: the band edge 1.1 is within (<=). */
		{ "derived: ratio 1.1 is within the tolerance",
		    HPA_UTILIZATION, 55, 50, 4, 4, 4, 4 },
		{ "derived: ratio 1.12 is outside the tolerance",
		    HPA_UTILIZATION, 56, 50, 4, 4, 4, 5 },
	};
	/* TestReplicaCalcConfigurableTolerance* (Tolerances{scaleDown,
	 * scaleUp} there; up, down here). */
	static const struct {
		const char	*name;
		int		 type;
		double		 current, target, up, down;
		int32_t		 replicas, want;
	} tol[] = {
		{ "TestReplicaCalcConfigurableTolerance: Outside of a 0% "
		    "tolerance", HPA_UTILIZATION, 101, 100, 0, 0, 3, 4 },
		{ "TestReplicaCalcConfigurableTolerance: Within a 200% "
		    "scale-up tolerance", HPA_UTILIZATION, 190, 100, 2, 0.1,
		    3, 3 },
		{ "TestReplicaCalcConfigurableTolerance: Outside 8% "
		    "scale-up tolerance", HPA_UTILIZATION, 109, 100, 0.08, 2,
		    3, 4 },
		{ "TestReplicaCalcConfigurableTolerance: Within a 36% "
		    "scale-down tolerance", HPA_UTILIZATION, 65, 100, 0.1,
		    0.36, 3, 3 },
		{ "TestReplicaCalcConfigurableTolerance: Outside a 34% "
		    "scale-down tolerance", HPA_UTILIZATION, 65, 100, 0.1,
		    0.34, 3, 2 },
		{ "TestReplicaCalcConfigurableToleranceCM",
		    HPA_PODS_AVERAGE_VALUE, 20.666, 20.0, 0.01, 0.1, 3, 4 },
		{ "TestReplicaCalcConfigurableToleranceCMObject", HPA_VALUE,
		    20.666, 20.0, 0.01, 0.1, 3, 4 },
		{ "TestReplicaCalcConfigurableToleranceCMExternal",
		    HPA_VALUE, 8.9, 8.8, 0.01, 0.1, 3, 4 },
		{ "TestReplicaCalcConfigurableTolerancePerPodCMExternal",
		    HPA_AVERAGE_VALUE, 8.6, 2.8, 0.01, 0.1, 3, 4 },
	};
	struct hpa_metric	 m;
	size_t			 i;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		m.hm_type = tc[i].type;
		m.hm_available = 1;
		m.hm_current = tc[i].current;
		m.hm_target = tc[i].target;
		T_INTEQ(hpa_metric_replicas(&m, tc[i].replicas, tc[i].status,
		    tc[i].ready, HPA_DEFAULT_TOLERANCE, HPA_DEFAULT_TOLERANCE),
		    tc[i].want, "%s", tc[i].name);
	}
	for (i = 0; i < sizeof(tol) / sizeof(tol[0]); i++) {
		m.hm_type = tol[i].type;
		m.hm_available = 1;
		m.hm_current = tol[i].current;
		m.hm_target = tol[i].target;
		T_INTEQ(hpa_metric_replicas(&m, tol[i].replicas,
		    tol[i].replicas, tol[i].replicas, tol[i].up, tol[i].down),
		    tol[i].want, "%s", tol[i].name);
	}
	m.hm_type = HPA_VALUE;
	m.hm_available = 0;
	m.hm_current = 1;
	m.hm_target = 1;
	T_INTEQ(hpa_metric_replicas(&m, 3, 3, 3, 0.1, 0.1), -1,
	    "derived: an unavailable metric is invalid, not zero");
	/* Configurable tolerance (HPAConfigurableTolerance): a 5% rise
	 * with a 1% scale-up tolerance scales up. */
	m.hm_type = HPA_UTILIZATION;
	m.hm_available = 1;
	m.hm_current = 105;
	m.hm_target = 100;
	T_INTEQ(hpa_metric_replicas(&m, 10, 10, 10, 0.01, 0.1), 11,
	    "derived: scaleUp tolerance 0.01");
}

/* horizontal_test.go reconcile cases that need no per-pod data. */
static void
test_decide(void)
{
	struct hpa_metric	 m[2];
	struct hpa_input	 in;
	struct hpa_output	 out;
	struct gw_hpa_behavior	 b;

#define DECIDE_INIT(cur, mn, mx) do {					\
	memset(&in, 0, sizeof(in));					\
	memset(m, 0, sizeof(m));					\
	in.hi_current = (cur);						\
	in.hi_status = -1;						\
	in.hi_ready = -1;						\
	in.hi_min = (mn);						\
	in.hi_max = (mx);						\
	in.hi_tolerance = -1;						\
	in.hi_downscale_s = -1;						\
	in.hi_metrics = m;						\
	in.hi_nmetrics = 1;						\
	m[0].hm_available = m[1].hm_available = 1;			\
} while (0)

	DECIDE_INIT(3, 2, 6);
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 50, 30 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 5, "TestScaleUp");
	T_STREQ(out.ho_reason, "DesiredWithinRange", "TestScaleUp: reason");

	DECIDE_INIT(5, 2, 6);
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 28, 50 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 3, "TestScaleDown");
	T_INTEQ(out.ho_record, 3, "TestScaleDown: records 3");

	DECIDE_INIT(3, 1, 5);
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 102, 100 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 3, "TestTolerance");

	/* levels 10,95,10 of 1.0: 3% against 90: ceil(0.033 * 3) = 1,
	 * kept at minReplicas 2. */
	DECIDE_INIT(3, 2, 5);
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 3, 90 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 2, "TestMinReplicas");
	T_STREQ(out.ho_reason, "TooFewReplicas",
	    "TestMinReplicas: TooFewReplicas");

	DECIDE_INIT(3, 0, 5);
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 0, 90 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 0, "TestZeroMinReplicasDesiredZero");
	T_STREQ(out.ho_reason, "DesiredWithinRange",
	    "TestZeroMinReplicasDesiredZero: DesiredWithinRange");

	/* levels 8000,9500,1000: 616%. */
	DECIDE_INIT(3, 2, 5);
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 616, 90 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 5, "TestMaxReplicas");
	T_STREQ(out.ho_reason, "TooManyReplicas",
	    "TestMaxReplicas: TooManyReplicas");

	DECIDE_INIT(1, 2, 6);
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 50, 30 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 2, "TestScaleUpRCImmediately");

	DECIDE_INIT(6, 2, 5);
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 50, 30 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 5, "TestScaleDownRCImmediately");

	DECIDE_INIT(0, 1, 5);
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 50, 30 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 0,
	    "derived: spec.replicas 0 with minReplicas 1 is left alone");
	T_STREQ(out.ho_reason, "ScalingDisabled",
	    "spec.replicas 0: ScalingDisabled");

	DECIDE_INIT(3, 2, 6);
	m[0] = (struct hpa_metric){ HPA_PODS_AVERAGE_VALUE, 1, 20, 15 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 4, "TestScaleUpCM");

	DECIDE_INIT(3, 2, 6);
	m[0] = (struct hpa_metric){ HPA_VALUE, 1, 20, 15 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 4, "TestScaleUpCMObject");

	DECIDE_INIT(3, 2, 6);
	m[0] = (struct hpa_metric){ HPA_VALUE, 1, 8.6, 6.666 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 4, "TestScaleUpCMExternal");

	DECIDE_INIT(5, 0, 6);
	m[0] = (struct hpa_metric){ HPA_VALUE, 1, 0, 14.4 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 0, "TestScaleDownToZeroCMExternal");

	DECIDE_INIT(5, 2, 6);
	m[0] = (struct hpa_metric){ HPA_VALUE, 1, 8.6, 14.4 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 3, "TestScaleDownCMExternal");

	DECIDE_INIT(3, 2, 6);
	m[0] = (struct hpa_metric){ HPA_AVERAGE_VALUE, 1, 8.6, 2.15 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 4, "TestScaleUpPerPodCMExternal");

	DECIDE_INIT(5, 2, 6);
	m[0] = (struct hpa_metric){ HPA_AVERAGE_VALUE, 1, 8.6, 3.0 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 3, "TestScaleDownPerPodCMExternal");

	/* One metric fails: scale up goes ahead on the other. */
	DECIDE_INIT(3, 2, 6);
	in.hi_nmetrics = 2;
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 40, 30 };
	m[1] = (struct hpa_metric){ HPA_VALUE, 0, NAN, 0.1 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 4, "TestScaleUpOneMetricEmpty");
	T_OK(!out.ho_error, "TestScaleUpOneMetricEmpty: no error");
	T_INTEQ(out.ho_proposals[1], -1,
	    "TestScaleUpOneMetricEmpty: the failed proposal is -1");

	/* One metric fails and the other would scale down: no scale. */
	DECIDE_INIT(5, 2, 6);
	in.hi_nmetrics = 2;
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 28, 50 };
	m[1] = (struct hpa_metric){ HPA_VALUE, 0, NAN, 1.0 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 5, "TestNoScaleDownOneMetricEmpty");
	T_OK(out.ho_error, "TestNoScaleDownOneMetricEmpty: error");
	T_INTEQ(out.ho_record, -1,
	    "TestNoScaleDownOneMetricEmpty: nothing recorded");

	DECIDE_INIT(5, 2, 6);
	m[0] = (struct hpa_metric){ HPA_VALUE, 0, NAN, 1.0 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 5, "derived: every metric unavailable");
	T_OK(out.ho_error, "derived: every metric unavailable: error");
	T_STREQ(out.ho_reason, "InvalidMetrics",
	    "derived: every metric unavailable: reason");

	/* The maximum over metrics. */
	DECIDE_INIT(3, 1, 20);
	in.hi_nmetrics = 2;
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 50, 30 };
	m[1] = (struct hpa_metric){ HPA_VALUE, 1, 30, 10 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 6, "derived: the max over metrics "
	    "(5 and 9, legacy scale-up limit 6)");
	T_INTEQ(out.ho_metric, 1, "derived: the second metric wins");
	T_STREQ(out.ho_reason, "ScaleUpLimit",
	    "derived: legacy ScaleUpLimit");

	/* Legacy downscale stabilization through hpa_decide. */
	{
		struct hpa_rec rec[2] = { { 100, 5 }, { 400, 9 } };

		DECIDE_INIT(5, 1, 10);
		m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 20, 50 };
		in.hi_recs = rec;
		in.hi_nrecs = 2;
		hpa_decide(&in, &out);
		T_INTEQ(out.ho_desired, 5,
		    "derived: legacy downscale stabilization holds 5");
		T_STREQ(out.ho_stabilization, "ScaleDownStabilized",
		    "derived: legacy ScaleDownStabilized");
		T_INTEQ(out.ho_record, 2, "derived: records 2");
		in.hi_downscale_s = 60;
		hpa_decide(&in, &out);
		T_INTEQ(out.ho_desired, 2,
		    "derived: downscale_stabilization_s 60 lets it go");
	}

	/* Behavior path through hpa_decide: default behavior, 10 -> 50
	 * limited to 20 (Percent 100 wins over Pods 4). */
	DECIDE_INIT(10, 1, 100);
	gw_hpa_default_behavior(&b);
	in.hi_behavior = &b;
	m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 250, 50 };
	hpa_decide(&in, &out);
	T_INTEQ(out.ho_desired, 20,
	    "TestScalingWithRules \"scaleUp with default behavior\" "
	    "through hpa_decide");
	T_STREQ(out.ho_reason, "ScaleUpLimit",
	    "behavior path: ScaleUpLimit");
	/* The default scale-down window (300 s) holds a recent 10. */
	{
		struct hpa_rec rec[1] = { { 100, 10 } };

		DECIDE_INIT(10, 1, 100);
		in.hi_behavior = &b;
		in.hi_recs = rec;
		in.hi_nrecs = 1;
		m[0] = (struct hpa_metric){ HPA_UTILIZATION, 1, 10, 50 };
		hpa_decide(&in, &out);
		T_INTEQ(out.ho_desired, 10,
		    "derived: default scaleDown window holds 10");
		T_STREQ(out.ho_stabilization, "ScaleDownStabilized",
		    "derived: behavior ScaleDownStabilized");
	}

	DECIDE_INIT(3, 5, 2);
	T_INTEQ(hpa_decide(&in, &out), -1, "derived: min > max is refused");
	T_OK(out.ho_error && out.ho_desired == 3,
	    "derived: refused input keeps the current count");
#undef DECIDE_INIT
}

/* defaults.go SetDefaults_HorizontalPodAutoscalerBehavior. */
static void
test_defaults(void)
{
	struct gw_hpa_behavior	 b;

	gw_hpa_default_behavior(&b);
	T_OK(b.hb_up.hr_stabilization_s == 0 &&
	    b.hb_up.hr_select == GW_HPA_SELECT_MAX &&
	    b.hb_up.hr_npolicies == 2 &&
	    b.hb_up.hr_policies[0].hp_type == GW_HPA_POLICY_PODS &&
	    b.hb_up.hr_policies[0].hp_value == 4 &&
	    b.hb_up.hr_policies[0].hp_period_s == 15 &&
	    b.hb_up.hr_policies[1].hp_type == GW_HPA_POLICY_PERCENT &&
	    b.hb_up.hr_policies[1].hp_value == 100 &&
	    b.hb_up.hr_policies[1].hp_period_s == 15,
	    "defaults.go: scaleUp rules");
	T_OK(b.hb_down.hr_stabilization_s == -1 &&
	    b.hb_down.hr_select == GW_HPA_SELECT_MAX &&
	    b.hb_down.hr_npolicies == 1 &&
	    b.hb_down.hr_policies[0].hp_type == GW_HPA_POLICY_PERCENT &&
	    b.hb_down.hr_policies[0].hp_value == 100 &&
	    b.hb_down.hr_policies[0].hp_period_s == 15,
	    "defaults.go: scaleDown rules (window from the flag)");
}

int
main(void)
{
	test_scaling_with_rules();
	test_convert_legacy();
	test_normalize_legacy();
	test_normalize_behavior();
	test_limits();
	test_metric_replicas();
	test_decide();
	test_defaults();
	return t_done();
}
