/*
 * gwscale: what the commands share: the options and the exit statuses.
 *
 * `once` and `run` (sync.c) decide for every scale target and call the
 * Kubernetes API (kube.c); `decide` (decide.c) exposes the HPA decision
 * to scripts; `simulate` (simulate.c) replays a metric series through a
 * target's policy.  All decisions go through step_decide() (step.c).
 */
#ifndef GWSCALE_GWSCALE_H
#define GWSCALE_GWSCALE_H

#include <stddef.h>
#include <stdint.h>

#include "kube.h"

/* Exit statuses, gwscale(8) EXIT STATUS. */
enum gs_exit {
	GS_EXIT_OK = 0,
	GS_EXIT_FAIL = 1,	/* DB, metrics, anything else */
	GS_EXIT_USAGE = 2,
	GS_EXIT_CONFIG = 3,	/* no usable Kubernetes configuration */
	GS_EXIT_UNAUTHORIZED = 4, /* 401 */
	GS_EXIT_FORBIDDEN = 5,	/* 403 */
	GS_EXIT_NOT_FOUND = 6,	/* 404 */
	GS_EXIT_CONFLICT = 7,	/* 409 */
	GS_EXIT_INVALID = 8,	/* 422 and other 4xx */
	GS_EXIT_UNAVAILABLE = 9	/* 429, 5xx, network, after the retries */
};

/* Default interval of `run` and of `simulate`'s decisions, ms: the HPA
 * controller's --horizontal-pod-autoscaler-sync-period. */
#define GS_INTERVAL_MS		15000
/* Default timeout of one Kubernetes or Prometheus request, ms. */
#define GS_TIMEOUT_MS		10000
/* Default retention of scale_decisions, ms (7 days, like the health
 * transitions). */
#define GS_RETENTION_MS		(7LL * 24 * 3600 * 1000)

struct gs {
	const char	*gs_db_path;
	struct kube_opts gs_kube;
	int64_t		 gs_interval_ms;
	int64_t		 gs_timeout_ms;
	int64_t		 gs_retention_ms;	/* 0: keep */
	int		 gs_dry_run;	/* --dry-run: record, never write */
	int		 gs_print;	/* -n: print, write nothing */
	int		 gs_verbose;
	int32_t		 gs_replicas;	/* simulate --replicas; -1 unset */
	const char	*gs_output;	/* simulate -o */
	char *const	*gs_targets;	/* operands: target names */
	int		 gs_ntargets;
};

/* The exit status of a Kubernetes client result. */
int	gs_exit_of_kube(int kube_result);

int	decide_main(void);
int	sync_main(struct gs *, int loop);
int	simulate_main(struct gs *, const char *target, const char *file);

#endif /* GWSCALE_GWSCALE_H */
