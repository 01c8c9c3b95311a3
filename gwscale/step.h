/*
 * step: one decision for one scale target, as a pure function.
 *
 * step_decide() is what `gwscale once`, `gwscale run` and `gwscale
 * simulate` all call, so that a replay decides exactly as the live loop
 * would.  It adds to the HPA decision (hpa.h) what KEDA adds to the HPA:
 * scale to zero.  A target with min_replicas 0 is active while any metric
 * is above its activation threshold; at zero, the first activity brings
 * it to 1 (and the HPA takes over from there); above zero, a target idle
 * for its cooldown goes to 0.  Between those, the HPA decides with a
 * minimum of 1.  A metric that could not be read makes the activity
 * unknown: never a reason to go to zero, never a reason to leave it.
 *
 * It does no I/O and keeps no state: the caller keeps the history (the
 * recommendations and scale events the HPA path asks to record, and when
 * the target was last active) and passes it back as ages.
 */
#ifndef GWSCALE_STEP_H
#define GWSCALE_STEP_H

#include <stddef.h>
#include <stdint.h>

#include "hpa.h"
#include "scale.h"

/* What the caller knows at one sync. */
struct step_in {
	const struct gw_scale_target *si_target;
	/* Per metric of the target: the value, and 0 when it could not be
	 * read (then si_values[i] is ignored). */
	const double	*si_values;
	const int	*si_available;
	int32_t		 si_current;	/* the scale's spec.replicas */
	int32_t		 si_status_replicas; /* status.replicas; -1: current */
	const struct hpa_rec *si_recs;	/* recorded recommendations */
	size_t		 si_nrecs;
	const struct hpa_event *si_events; /* recorded HPA scale events */
	size_t		 si_nevents;
	/* ms since the target was last active (or seeded); only read when
	 * min_replicas is 0. */
	int64_t		 si_idle_ms;
};

enum step_zero {
	STEP_ZERO_NONE,		/* min_replicas > 0: the HPA alone */
	STEP_ZERO_HPA,		/* active or cooling down: the HPA, min 1 */
	STEP_ZERO_ACTIVATE,	/* at zero, active: to 1 */
	STEP_ZERO_IDLE,		/* at zero, not active: stay */
	STEP_ZERO_DEACTIVATE	/* idle for the cooldown: to 0 */
};

struct step_out {
	int32_t		 so_desired;	/* the count to write */
	int		 so_error;	/* the HPA refused to act */
	/* 1: some metric is above its activation; 0: every metric was
	 * read and none is; -1: unknown (a read failed, none active). */
	int		 so_active;
	int		 so_zero;	/* enum step_zero */
	/* 1 when the HPA path ran: record hpa.ho_record (if >= 0) and,
	 * when so_desired != si_current, the scale event. */
	int		 so_hpa_ran;
	struct hpa_output so_hpa;
	/* One line for an operator: why this count. */
	char		 so_reason[512];
};

/* Fills an HPA input from a target (its metrics' types and targets, the
 * bounds, tolerance, windows and behavior). */
void	step_hpa_input(const struct step_in *, struct hpa_metric *,
	    struct hpa_input *);
void	step_decide(const struct step_in *, struct step_out *);

/*
 * What the caller records after a decision, as the HPA controller does:
 * the recommendation (storeRecommendation; -1: none) and the scale event
 * (storeScaleEvent: only on the behavior path, only when the count
 * changed and was written; 0: none).  A target seen for the first time
 * is seeded, before its first decision, with a recommendation of its
 * current count (reconcileAutoscaler's first-sight initialisation).
 */
int32_t	step_record(const struct step_out *);
int32_t	step_event(const struct step_in *, const struct step_out *);
/* How far back the history matters for a target: its longest
 * stabilization window or policy period, ms. */
int64_t	step_keep_ms(const struct gw_scale_target *);

#endif /* GWSCALE_STEP_H */
