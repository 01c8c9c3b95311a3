/*
 * hce: the health check engine (relayd's hce.c): the set of targets, one
 * per backend that is probed, each with its schedule, its health and its
 * check in flight, all on one event loop.
 *
 * hce_load() makes the set that of a config: targets of unchanged
 * backends keep their health and schedule (a changed check spec is
 * probed at once), new ones take the health stored in the DB and are
 * probed at once (at most GH_START_RATE first checks a second, so
 * thousands of new backends do not connect in one burst), vanished ones
 * stop.  Backends not probed: those of services whose check type is
 * none, and disabled ones; their stored health stays as it is.
 *
 * A check's end runs the state machine (hstate.c) and records the result
 * in the current batch, one row per backend (a later result replaces an
 * earlier one still waiting) and one row per transition, then arms the
 * next check: the interval, or the fast interval while a change is
 * pending, with jitter (sched.c).  At most max_checks run at once; the
 * others wait in order and their wait counts as lateness.
 *
 * A target keeps the connection its last http check handed out
 * (check.h, --http-reuse) for its next check, at most max_kept of them
 * over all targets (each is a descriptor; beyond, they are closed after
 * their check).  A failure, a change of the target's spec, its removal
 * and hce_stop() close it.
 *
 * In once mode (--once) every target is checked one time, all at once
 * (within max_checks), nothing is re-armed, and the loop is broken when
 * the last check ends.
 */
#ifndef GWHEALTH_HCE_H
#define GWHEALTH_HCE_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "config.h"
#include "sched.h"
#include "store.h"

struct hce;

/* The spans counts are kept over; each check counts in all. */
enum hce_span {
	HCE_WINDOW,		/* since the last stats line */
	HCE_MARK,		/* since the last SIGUSR1 */
	HCE_TOTAL,		/* since the start */
	HCE_NSPANS
};

/* Counts over a span. */
struct hce_count {
	uint64_t		ct_checks;
	uint64_t		ct_failed;
	uint64_t		ct_transitions;
	uint64_t		ct_connects;	/* connections opened */
	struct sched_hist	ct_late;	/* lateness, us */
};

struct hce	*hce_new(struct event_base *base, size_t max_checks,
		    size_t max_kept, int once);
/*
 * Makes the target set cf's (cf validated; bes as store_load() gave
 * them).  first: the first load of the process, whose targets with a
 * stored state spread their first checks over one interval instead of
 * starting at once.
 */
void		 hce_load(struct hce *h, const struct gw_config *cf,
		    const struct store_backend *bes, int first);
/*
 * Stops every check, closes every kept connection and drops every
 * target; the batch stays.
 */
void		 hce_stop(struct hce *h);
void		 hce_free(struct hce *h);

/*
 * ev (of the engine's base) is activated whenever a transition is
 * recorded, so the batch holding it can be written at once rather than
 * at the next flush.
 */
void		 hce_on_transition(struct hce *h, struct event *ev);
/* The batch results are being recorded in. */
struct store_batch *hce_batch(struct hce *h);
/*
 * Hands the batch to offer(), which returns 1 when it took the contents
 * (leaving the batch empty); 0 leaves it to grow.
 */
void		 hce_flush(struct hce *h,
		    int (*offer)(void *, struct store_batch *), void *arg);

/* Targets, checks in flight, checks waiting for a slot, connections kept. */
size_t		 hce_ntargets(const struct hce *h);
size_t		 hce_inflight(const struct hce *h);
size_t		 hce_waiting(const struct hce *h);
size_t		 hce_kept(const struct hce *h);
/* The counts of a span; a span other than HCE_TOTAL starts again. */
void		 hce_counts(struct hce *h, enum hce_span span,
		    struct hce_count *out);
/* Once mode: 1 when every target has its result. */
int		 hce_once_done(const struct hce *h);

#endif /* GWHEALTH_HCE_H */
