/*
 * test_step: gwscale's decision for one target (gwscale/step.c): the HPA
 * with KEDA's scale to zero around it, what is recorded after it, and
 * how far back the history matters; and the Prometheus answer parser of
 * gwscale/metrics.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../gwscale/metrics.h"
#include "../../gwscale/step.h"
#include "t.h"

static struct gw_scale_metric	metrics[2];
static struct gw_scale_target	target;

/* A target on requests per second, 10 per replica, min..max, with
 * activation 0 on both metrics; the second metric only when n == 2. */
static void
make_target(int32_t min, int32_t max, size_t n)
{
	size_t i;

	gw_scale_target_init(&target);
	target.st_min = min;
	target.st_max = max;
	target.st_cooldown_ms = 300000;
	for (i = 0; i < 2; i++) {
		gw_scale_metric_init(&metrics[i]);
		metrics[i].sm_metric = (char *)(uintptr_t)"requests_per_second";
		metrics[i].sm_service = (char *)(uintptr_t)"web";
		metrics[i].sm_target = 10;
	}
	target.st_metrics = metrics;
	target.st_nmetrics = n;
}

static void
decide(int32_t current, const double *v, const int *avail, int64_t idle_ms,
    struct step_out *so)
{
	struct step_in si;

	memset(&si, 0, sizeof(si));
	si.si_target = &target;
	si.si_values = v;
	si.si_available = avail;
	si.si_current = current;
	si.si_status_replicas = -1;
	si.si_idle_ms = idle_ms;
	step_decide(&si, so);
}

static void
test_zero(void)
{
	struct step_out	 so;
	double		 v[2] = { 0, 0 };
	int		 a[2] = { 1, 1 };

	make_target(1, 10, 1);
	v[0] = 35;
	decide(2, v, a, 0, &so);
	T_INTEQ(so.so_zero, STEP_ZERO_NONE, "min 1: the HPA alone");
	T_INTEQ(so.so_desired, 4, "35/s at 10 per replica, legacy limit 4");
	T_OK(so.so_hpa_ran, "the HPA ran");
	T_STREQ(so.so_hpa.ho_reason, "DesiredWithinRange", "within the limit");
	T_OK(strstr(so.so_reason, "requests_per_second of web = 35 "
	    "(average_value target 10) proposes 4") != NULL,
	    "the reason names the metric (%s)", so.so_reason);

	make_target(0, 10, 2);
	v[0] = 0.5;
	v[1] = 0;
	decide(0, v, a, 0, &so);
	T_INTEQ(so.so_zero, STEP_ZERO_ACTIVATE, "at zero, active: activate");
	T_INTEQ(so.so_desired, 1, "to 1");
	T_INTEQ(so.so_active, 1, "active");
	T_OK(!so.so_hpa_ran, "the HPA is off at zero");
	T_INTEQ(step_record(&so), -1, "no recommendation recorded");
	T_OK(strncmp(so.so_reason, "Activated: ", 11) == 0, "%s",
	    so.so_reason);

	v[0] = 0;
	decide(0, v, a, 999999, &so);
	T_INTEQ(so.so_zero, STEP_ZERO_IDLE, "at zero, idle: stay");
	T_INTEQ(so.so_desired, 0, "0");
	T_INTEQ(so.so_active, 0, "idle");

	a[1] = 0;
	decide(0, v, a, 0, &so);
	T_INTEQ(so.so_active, -1, "a failed read and no activity: unknown");
	T_INTEQ(so.so_desired, 0, "unknown does not leave zero");
	T_OK(strstr(so.so_reason, "unavailable") != NULL, "%s", so.so_reason);
	a[1] = 1;

	decide(3, v, a, 300000, &so);
	T_INTEQ(so.so_zero, STEP_ZERO_DEACTIVATE, "idle for the cooldown");
	T_INTEQ(so.so_desired, 0, "to zero");
	T_OK(!so.so_hpa_ran, "no HPA recommendation");
	T_STREQ(so.so_reason, "Deactivated: every metric has been at or "
	    "below its activation threshold for 300s (cooldown 300s); "
	    "scaling to zero", "the reason");

	decide(3, v, a, 299999, &so);
	T_INTEQ(so.so_zero, STEP_ZERO_HPA, "idle within the cooldown: HPA");
	T_INTEQ(so.so_hpa.ho_desired, 1, "the HPA with a minimum of 1");
	T_INTEQ(step_record(&so), 0, "records its raw recommendation, 0");

	a[1] = 0;
	decide(3, v, a, 999999, &so);
	T_INTEQ(so.so_zero, STEP_ZERO_HPA, "a failed read: never to zero");
	T_INTEQ(so.so_desired, 3, "and the HPA does not scale down");
	T_STREQ(so.so_hpa.ho_reason, "InvalidMetrics",
	    "some metrics missing, the rest would scale down");
	a[1] = 1;

	metrics[0].sm_activation = 5;
	v[0] = 5;
	decide(0, v, a, 0, &so);
	T_INTEQ(so.so_desired, 0, "at the activation threshold: not active");
	v[0] = 5.01;
	decide(0, v, a, 0, &so);
	T_INTEQ(so.so_desired, 1, "above it: active");
}

static void
test_records(void)
{
	struct step_in	 si;
	struct step_out	 so;
	double		 v[1] = { 100 };
	int		 a[1] = { 1 };

	make_target(1, 20, 1);
	memset(&si, 0, sizeof(si));
	si.si_target = &target;
	si.si_values = v;
	si.si_available = a;
	si.si_current = 2;
	si.si_status_replicas = -1;
	step_decide(&si, &so);
	T_INTEQ(so.so_desired, 4, "legacy: 10 wanted, 4 allowed");
	T_INTEQ(step_record(&so), 10, "records the unlimited recommendation");
	T_INTEQ(step_event(&si, &so), 0, "legacy path: no scale event");
	T_INTEQ(step_keep_ms(&target), 300000, "legacy: the downscale window");

	target.st_has_behavior = 1;
	target.st_behavior.hb_down.hr_policies[0].hp_period_s = 600;
	step_decide(&si, &so);
	T_INTEQ(so.so_desired, 6, "default behavior: max(2 + 4 pods, "
	    "2 x 100%%) = 6");
	T_INTEQ(step_event(&si, &so), so.so_desired - 2,
	    "behavior path: the change is an event");
	T_INTEQ(step_keep_ms(&target), 600000, "the longest policy period");
	target.st_behavior.hb_down.hr_stabilization_s = 900;
	T_INTEQ(step_keep_ms(&target), 900000, "the longest window");
}

static void
test_prom(void)
{
	char	err[256];
	double	v = -1;
	int	rc;

	static const char vec[] = "{\"status\":\"success\",\"data\":{"
	    "\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
	    "\"value\":[1764000000.5,\"42.5\"]}]}}";
	static const char sca[] = "{\"status\":\"success\",\"data\":{"
	    "\"resultType\":\"scalar\",\"result\":[1764000000,\"7\"]}}";

	rc = metrics_prom_parse(vec, strlen(vec), &v, err, sizeof(err));
	T_OK(rc == 0 && v == 42.5, "a vector of one sample (%s)",
	    rc == 0 ? "" : err);
	rc = metrics_prom_parse(sca, strlen(sca), &v, err, sizeof(err));
	T_OK(rc == 0 && v == 7, "a scalar (%s)", rc == 0 ? "" : err);
#define PROM_ERR(body, want, what) do {					\
	rc = metrics_prom_parse(body, strlen(body), &v, err, sizeof(err)); \
	T_OK(rc == -1 && strstr(err, want) != NULL, what " (%s)", err);	\
} while (0)
	PROM_ERR("{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"vector\",\"result\":[]}}", "empty result",
	    "no series is unavailable, not zero");
	PROM_ERR("{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"vector\",\"result\":[{\"value\":[1,\"1\"]},{\"value\":"
	    "[1,\"2\"]}]}}", "2 series", "two series are ambiguous");
	PROM_ERR("{\"status\":\"error\",\"errorType\":\"bad_data\","
	    "\"error\":\"parse error at char 5\"}",
	    "bad_data: parse error at char 5", "an error answer");
	PROM_ERR("{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"vector\",\"result\":[{\"value\":[1,\"NaN\"]}]}}",
	    "not a finite number", "NaN");
	PROM_ERR("{\"status\":\"success\",\"data\":{\"resultType\":"
	    "\"matrix\",\"result\":[]}}", "must give a vector or a scalar",
	    "a range query's matrix");
	PROM_ERR("<html>", "not JSON", "not JSON");
}

int
main(void)
{
	test_zero();
	test_records();
	test_prom();
	return t_done();
}
