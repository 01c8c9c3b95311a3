/*
 * store: all of gwscale's SQL.  Reads scale targets (written by gwctl) and
 * the gateway's traffic (written by gwproxy); reads and writes gwscale's
 * own tables: scale_state, scale_recommendations, scale_events and
 * scale_decisions.  Functions return 0 or -1 with err saying why; none
 * logs.
 */
#ifndef GWSCALE_STORE_H
#define GWSCALE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "hpa.h"
#include "scale.h"

/* A target with its row id. */
struct store_target {
	int64_t			 tg_id;
	struct gw_scale_target	 tg_t;
	/* Set when the row fails validation (a hand edit): the caller
	 * skips the target with this reason. */
	char			 tg_err[320];
};

/* Every target (names NULL/n 0) or the named ones, in name order; a name
 * that is no target is an error naming it. */
int	store_targets_load(sqlite3 *, char *const *names, int n,
	    struct store_target **, size_t *, char *err, size_t errlen);
void	store_targets_free(struct store_target *, size_t);

/* gwscale's memory of a target between runs. */
struct store_state {
	int		 ss_seeded;	/* 0: a target never seen */
	int64_t		 ss_seeded_at;
	int64_t		 ss_active_at;	/* -1: never */
};
int	store_state_get(sqlite3 *, int64_t id, struct store_state *,
	    char *err, size_t errlen);

/* The recommendations and scale events younger than max_age_ms, as ages
 * in seconds at now (malloc'd arrays, NULL when empty). */
int	store_history(sqlite3 *, int64_t id, int64_t now, int64_t max_age_ms,
	    struct hpa_rec **, size_t *, struct hpa_event **, size_t *,
	    char *err, size_t errlen);

/* One decision, written in one transaction: the state (seeded, active),
 * the recommendation (record >= 0), the scale event (from != to), the
 * decision row, and pruning of what no window can need any more. */
struct store_decision {
	int64_t		 sd_id;
	int64_t		 sd_at;
	int		 sd_seed;	/* insert the state row at sd_at */
	int64_t		 sd_active_at;	/* new active_at, or -1 unchanged */
	int32_t		 sd_record;	/* recommendation, or -1 */
	int32_t		 sd_event_from;	/* scale event when from != to */
	int32_t		 sd_event_to;
	const char	*sd_metrics;	/* JSON */
	int32_t		 sd_current;
	int32_t		 sd_desired;
	const char	*sd_mode;	/* applied, dry-run, unchanged, failed */
	const char	*sd_reason;
	int64_t		 sd_keep_ms;	/* history needed: longest window */
	int64_t		 sd_retention_ms; /* decisions; 0: keep */
};
int	store_decision_write(sqlite3 *, const struct store_decision *,
	    char *err, size_t errlen);

/* The gateway's metric of a service over the window ending at now: see
 * metrics.c.  *avail 0 when no gwproxy is alive (err says why). */
int	store_gateway_metric(sqlite3 *, const char *service, int metric,
	    int64_t now, int64_t window_ms, double *value, int *avail,
	    char *err, size_t errlen);

#endif /* GWSCALE_STORE_H */
