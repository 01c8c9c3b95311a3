/*
 * step: one decision for one scale target (the HPA plus KEDA's scale to
 * zero).  See step.h.
 */
#include <stdio.h>
#include <string.h>

#include "hpa.h"
#include "scale.h"
#include "step.h"

static const int step_hpa_type[] = {
	[GW_SCALE_VALUE] = HPA_VALUE,
	[GW_SCALE_AVERAGE_VALUE] = HPA_AVERAGE_VALUE,
	[GW_SCALE_UTILIZATION] = HPA_UTILIZATION
};

void
step_hpa_input(const struct step_in *si, struct hpa_metric *hm,
    struct hpa_input *hi)
{
	const struct gw_scale_target	*t = si->si_target;
	size_t				 i;

	memset(hi, 0, sizeof(*hi));
	for (i = 0; i < t->st_nmetrics && i < HPA_MAX_METRICS; i++) {
		hm[i].hm_type = step_hpa_type[t->st_metrics[i].sm_ttype];
		hm[i].hm_available = si->si_available[i];
		hm[i].hm_current = si->si_available[i] ? si->si_values[i] : 0;
		hm[i].hm_target = t->st_metrics[i].sm_target;
	}
	hi->hi_current = si->si_current;
	hi->hi_status = si->si_status_replicas;
	hi->hi_ready = -1;
	hi->hi_min = t->st_min;
	hi->hi_max = t->st_max;
	hi->hi_nmetrics = i;
	hi->hi_metrics = hm;
	hi->hi_tolerance = t->st_tolerance;
	hi->hi_downscale_s = (int32_t)(t->st_downscale_ms / 1000);
	hi->hi_behavior = t->st_has_behavior ? &t->st_behavior : NULL;
	hi->hi_nrecs = si->si_nrecs;
	hi->hi_recs = si->si_recs;
	hi->hi_nevents = si->si_nevents;
	hi->hi_events = si->si_events;
}

/* 1 active, 0 idle, -1 unknown; *which the first active metric. */
static int
step_activity(const struct step_in *si, size_t *which)
{
	const struct gw_scale_target	*t = si->si_target;
	size_t				 i;
	int				 unknown = 0;

	for (i = 0; i < t->st_nmetrics; i++) {
		if (!si->si_available[i]) {
			unknown = 1;
			continue;
		}
		if (si->si_values[i] > t->st_metrics[i].sm_activation) {
			*which = i;
			return 1;
		}
	}
	return unknown ? -1 : 0;
}

static void
step_label(const struct gw_scale_metric *m, char *buf, size_t len)
{
	if (m->sm_source == GW_SCALE_GATEWAY)
		snprintf(buf, len, "%s of %s", m->sm_metric, m->sm_service);
	else
		snprintf(buf, len, "prometheus query \"%.60s%s\"",
		    m->sm_metric, strlen(m->sm_metric) > 60 ? "..." : "");
}

static void
step_hpa(const struct step_in *si, int32_t min, struct step_out *so)
{
	struct hpa_metric	 hm[HPA_MAX_METRICS];
	struct hpa_input	 hi;
	char			 label[128];
	const struct gw_scale_metric *m;
	const char		*stab;
	int			 w;

	step_hpa_input(si, hm, &hi);
	hi.hi_min = min;
	hpa_decide(&hi, &so->so_hpa);
	so->so_hpa_ran = 1;
	so->so_error = so->so_hpa.ho_error;
	so->so_desired = so->so_hpa.ho_desired;
	w = so->so_hpa.ho_metric;
	if (w < 0) {
		snprintf(so->so_reason, sizeof(so->so_reason), "%s: %s",
		    so->so_hpa.ho_reason, so->so_hpa.ho_message);
		return;
	}
	m = &si->si_target->st_metrics[w];
	step_label(m, label, sizeof(label));
	/* A stabilization that changed the count is worth saying. */
	stab = so->so_hpa.ho_stabilization;
	if (stab != NULL && strcmp(stab, "ReadyForNewScale") == 0)
		stab = NULL;
	snprintf(so->so_reason, sizeof(so->so_reason), "%s: %s; %s = %.6g "
	    "(%s target %.6g) proposes %d%s%s", so->so_hpa.ho_reason,
	    so->so_hpa.ho_message, label, si->si_values[w],
	    gw_scale_ttype_names[m->sm_ttype], m->sm_target,
	    so->so_hpa.ho_proposals[w], stab != NULL ? "; " : "",
	    stab != NULL ? stab : "");
}

void
step_decide(const struct step_in *si, struct step_out *so)
{
	const struct gw_scale_target	*t = si->si_target;
	char				 label[128];
	size_t				 which = 0;

	memset(so, 0, sizeof(*so));
	so->so_hpa.ho_record = -1;
	so->so_active = step_activity(si, &which);
	if (t->st_min > 0) {
		so->so_zero = STEP_ZERO_NONE;
		step_hpa(si, t->st_min, so);
		return;
	}
	if (so->so_active == 1)
		step_label(&t->st_metrics[which], label, sizeof(label));
	if (si->si_current == 0) {
		/* KEDA: at zero the HPA is off; activity brings 1 back. */
		if (so->so_active == 1) {
			so->so_zero = STEP_ZERO_ACTIVATE;
			so->so_desired = 1;
			snprintf(so->so_reason, sizeof(so->so_reason),
			    "Activated: %s = %.6g is above its activation "
			    "threshold %.6g; scaling from zero", label,
			    si->si_values[which],
			    t->st_metrics[which].sm_activation);
		} else {
			so->so_zero = STEP_ZERO_IDLE;
			so->so_desired = 0;
			snprintf(so->so_reason, sizeof(so->so_reason),
			    so->so_active == 0 ? "Idle: every metric is at or "
			    "below its activation threshold; staying at zero" :
			    "Idle: a metric is unavailable and none is above "
			    "its activation threshold; staying at zero");
		}
		return;
	}
	if (so->so_active == 0 && si->si_idle_ms >= t->st_cooldown_ms) {
		so->so_zero = STEP_ZERO_DEACTIVATE;
		so->so_desired = 0;
		snprintf(so->so_reason, sizeof(so->so_reason), "Deactivated: "
		    "every metric has been at or below its activation "
		    "threshold for %llds (cooldown %llds); scaling to zero",
		    (long long)(si->si_idle_ms / 1000),
		    (long long)(t->st_cooldown_ms / 1000));
		return;
	}
	so->so_zero = STEP_ZERO_HPA;
	step_hpa(si, 1, so);
}

int32_t
step_record(const struct step_out *so)
{
	return so->so_hpa_ran ? so->so_hpa.ho_record : -1;
}

int32_t
step_event(const struct step_in *si, const struct step_out *so)
{
	if (!so->so_hpa_ran || so->so_error ||
	    !si->si_target->st_has_behavior)
		return 0;
	return so->so_desired - si->si_current;
}

static int64_t
step_rules_keep_s(const struct gw_hpa_rules *r)
{
	int64_t	 k = r->hr_stabilization_s;
	size_t	 i;

	for (i = 0; i < r->hr_npolicies; i++)
		if (r->hr_policies[i].hp_period_s > k)
			k = r->hr_policies[i].hp_period_s;
	return k;
}

int64_t
step_keep_ms(const struct gw_scale_target *t)
{
	int64_t	 k = t->st_downscale_ms, up, down;

	if (t->st_has_behavior) {
		up = step_rules_keep_s(&t->st_behavior.hb_up) * 1000;
		down = step_rules_keep_s(&t->st_behavior.hb_down) * 1000;
		k = up > k ? up : k;
		k = down > k ? down : k;
	}
	return k;
}
