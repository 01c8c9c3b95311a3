/*
 * sync: `gwscale once` and `gwscale run`.  One sync of a target is the
 * HPA controller's reconcileAutoscaler: read the scale, read the metrics,
 * decide (step.c), write the new count when it changed, record.  All that
 * the next sync needs (the recommendations, the scale events, when the
 * target was last active) is in the DB, so a run from cron every 15 s
 * decides exactly as the long-running loop does.
 */
#include <sys/select.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "db.h"
#include "duration.h"
#include "gwscale.h"
#include "kube.h"
#include "log.h"
#include "metrics.h"
#include "scale.h"
#include "step.h"
#include "store.h"
#include "str.h"

/* Set by `run`'s signal handler (sync_onsig). */
static volatile sig_atomic_t	sync_stop, sync_hup;

struct sync {
	struct gs	*sy_g;
	sqlite3		*sy_db;
	struct kube	*sy_kube;
	struct metrics	*sy_metrics;
};

/* One target's sync in progress. */
struct sync_target {
	const struct store_target *st_tg;
	double		 st_values[GW_SCALE_MAX_METRICS];
	int		 st_avail[GW_SCALE_MAX_METRICS];
	char		 st_errs[GW_SCALE_MAX_METRICS][256];
	struct kube_scale st_scale;
	struct store_state st_state;
	struct hpa_rec	*st_recs;
	size_t		 st_nrecs;
	struct hpa_event *st_events;
	size_t		 st_nevents;
};

static const char *
sync_kind(const struct gw_scale_target *t)
{
	return gw_scale_kind_names[t->st_kind];
}

static void
sync_read_metrics(struct sync *sy, struct sync_target *st, int64_t now)
{
	const struct gw_scale_target	*t = &st->st_tg->tg_t;
	size_t				 i;

	for (i = 0; i < t->st_nmetrics; i++) {
		st->st_errs[i][0] = '\0';
		st->st_avail[i] = metrics_read(sy->sy_metrics,
		    &t->st_metrics[i], now, &st->st_values[i], st->st_errs[i],
		    sizeof(st->st_errs[i])) == 0;
		if (!st->st_avail[i])
			gw_log(GW_LOG_WARNING, "scale target %s: metric %zu "
			    "unavailable: %s", t->st_name, i + 1,
			    st->st_errs[i]);
		else
			gw_log(GW_LOG_DEBUG, "scale target %s: metric %zu = "
			    "%.6g", t->st_name, i + 1, st->st_values[i]);
	}
}

/* The metrics column of scale_decisions (gw-schema(5)). */
static char *
sync_metrics_json(const struct sync_target *st, const struct step_out *so)
{
	const struct gw_scale_target	*t = &st->st_tg->tg_t;
	const struct gw_scale_metric	*m;
	json_t				*a, *o;
	char				*s;
	size_t				 i;

	a = json_array();
	for (i = 0; i < t->st_nmetrics; i++) {
		m = &t->st_metrics[i];
		o = json_object();
		json_object_set_new(o, "source",
		    json_string(gw_scale_source_names[m->sm_source]));
		json_object_set_new(o, "metric", json_string(m->sm_metric));
		if (m->sm_service != NULL)
			json_object_set_new(o, "service",
			    json_string(m->sm_service));
		if (m->sm_url != NULL)
			json_object_set_new(o, "url", json_string(m->sm_url));
		json_object_set_new(o, "type",
		    json_string(gw_scale_ttype_names[m->sm_ttype]));
		json_object_set_new(o, "target", json_real(m->sm_target));
		json_object_set_new(o, "value", st->st_avail[i] ?
		    json_real(st->st_values[i]) : json_null());
		json_object_set_new(o, "proposal", so->so_hpa_ran &&
		    so->so_hpa.ho_proposals[i] >= 0 ?
		    json_integer(so->so_hpa.ho_proposals[i]) : json_null());
		if (!st->st_avail[i])
			json_object_set_new(o, "error",
			    json_string(st->st_errs[i]));
		json_array_append_new(a, o);
	}
	s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(a);
	return s;
}

/* Writes the new count; 0 or the exit status of the failure. */
static int
sync_apply(struct sync *sy, struct sync_target *st, int32_t desired,
    char *err, size_t errlen)
{
	const struct gw_scale_target	*t = &st->st_tg->tg_t;
	struct kube_scale		 out;
	int				 r;

	r = kube_patch_scale(sy->sy_kube, (enum kube_kind)t->st_kind,
	    t->st_namespace, t->st_workload, desired,
	    st->st_scale.ks_resource_version, &out, err, errlen);
	return gs_exit_of_kube(r);
}

/* The input of step_decide from what the sync read. */
static void
sync_step_in(const struct sync_target *st, int64_t now, struct step_in *si)
{
	const struct gw_scale_target *t = &st->st_tg->tg_t;

	memset(si, 0, sizeof(*si));
	si->si_target = t;
	si->si_values = st->st_values;
	si->si_available = st->st_avail;
	si->si_current = st->st_scale.ks_replicas;
	si->si_status_replicas = st->st_scale.ks_status_replicas;
	si->si_recs = st->st_recs;
	si->si_nrecs = st->st_nrecs;
	si->si_events = st->st_events;
	si->si_nevents = st->st_nevents;
	si->si_idle_ms = st->st_state.ss_seeded ? now -
	    (st->st_state.ss_active_at >= 0 ? st->st_state.ss_active_at :
	    st->st_state.ss_seeded_at) : 0;
}

/* Reads the history (seeding a target seen for the first time). */
static int
sync_history(struct sync *sy, struct sync_target *st, int64_t now,
    char *err, size_t errlen)
{
	const struct store_target *tg = st->st_tg;

	if (store_state_get(sy->sy_db, tg->tg_id, &st->st_state, err,
	    errlen) == -1 || store_history(sy->sy_db, tg->tg_id, now,
	    step_keep_ms(&tg->tg_t), &st->st_recs, &st->st_nrecs,
	    &st->st_events, &st->st_nevents, err, errlen) == -1)
		return -1;
	if (!st->st_state.ss_seeded) {
		st->st_recs = gw_reallocarray(st->st_recs, st->st_nrecs + 1,
		    sizeof(*st->st_recs));
		st->st_recs[st->st_nrecs++] = (struct hpa_rec){ 0,
		    st->st_scale.ks_replicas };
	}
	return 0;
}

static const char *
sync_mode(struct sync *sy, const struct step_out *so, int32_t current)
{
	if (so->so_desired == current || so->so_error)
		return "unchanged";
	return sy->sy_g->gs_dry_run ? "dry-run" : "applied";
}

/* Records the decision; -n prints it instead. */
static int
sync_record(struct sync *sy, struct sync_target *st, const struct step_in *si,
    const struct step_out *so, const char *mode, const char *reason,
    int64_t now)
{
	const struct gw_scale_target	*t = &st->st_tg->tg_t;
	struct store_decision		 sd;
	char				 err[512], *mj;
	int				 rc = 0, applied;

	if (sy->sy_g->gs_print) {
		printf("%s: %s %s/%s: %d -> %d (%s): %s\n", t->st_name,
		    sync_kind(t), t->st_namespace, t->st_workload,
		    si->si_current, so->so_desired, so->so_desired ==
		    si->si_current ? "unchanged" : "would scale", reason);
		return 0;
	}
	applied = strcmp(mode, "applied") == 0;
	memset(&sd, 0, sizeof(sd));
	mj = sync_metrics_json(st, so);
	sd.sd_id = st->st_tg->tg_id;
	sd.sd_at = now;
	sd.sd_seed = !st->st_state.ss_seeded;
	sd.sd_active_at = so->so_active == 1 ? now : -1;
	sd.sd_record = step_record(so);
	sd.sd_event_from = sd.sd_event_to = 0;
	if (applied && step_event(si, so) != 0) {
		sd.sd_event_from = si->si_current;
		sd.sd_event_to = so->so_desired;
	}
	sd.sd_metrics = mj;
	sd.sd_current = si->si_current;
	sd.sd_desired = so->so_desired;
	sd.sd_mode = mode;
	sd.sd_reason = reason;
	sd.sd_keep_ms = step_keep_ms(t);
	sd.sd_retention_ms = sy->sy_g->gs_retention_ms;
	if (store_decision_write(sy->sy_db, &sd, err, sizeof(err)) == -1) {
		gw_log(GW_LOG_ERROR, "scale target %s: decision not recorded: "
		    "%s", t->st_name, err);
		rc = GS_EXIT_FAIL;
	}
	free(mj);
	return rc;
}

/* Decides, writes and records; returns the target's exit status. */
static int
sync_decide(struct sync *sy, struct sync_target *st, int64_t now)
{
	const struct gw_scale_target	*t = &st->st_tg->tg_t;
	struct step_in			 si;
	struct step_out			 so;
	const char			*mode;
	char				 err[1024], reason[1600];
	int				 rc = GS_EXIT_OK, rrc;

	sync_step_in(st, now, &si);
	step_decide(&si, &so);
	mode = sync_mode(sy, &so, si.si_current);
	gw_strlcpy(reason, so.so_reason, sizeof(reason));
	if (strcmp(mode, "applied") == 0 && !sy->sy_g->gs_print &&
	    (rc = sync_apply(sy, st, so.so_desired, err, sizeof(err))) != 0) {
		mode = "failed";
		snprintf(reason, sizeof(reason), "%s; not written: %s",
		    so.so_reason, err);
		gw_log(GW_LOG_ERROR, "scale target %s: %s", t->st_name, err);
	}
	if (so.so_error && rc == GS_EXIT_OK)
		rc = GS_EXIT_FAIL;
	if ((rrc = sync_record(sy, st, &si, &so, mode, reason, now)) != 0 &&
	    rc == GS_EXIT_OK)
		rc = rrc;
	if (!sy->sy_g->gs_print)
		gw_log(so.so_error ? GW_LOG_WARNING : GW_LOG_INFO, "scale "
		    "target %s: %s %s/%s: %d -> %d %s: %s", t->st_name,
		    sync_kind(t), t->st_namespace, t->st_workload,
		    si.si_current, so.so_desired, mode, so.so_reason);
	return rc;
}

static int
sync_target(struct sync *sy, const struct store_target *tg)
{
	const struct gw_scale_target	*t = &tg->tg_t;
	struct sync_target		 st;
	char				 err[1024];
	int64_t				 now = gw_now_ms();
	int				 rc;

	if (tg->tg_err[0] != '\0') {
		gw_log(GW_LOG_ERROR, "%s; skipped", tg->tg_err);
		return GS_EXIT_FAIL;
	}
	memset(&st, 0, sizeof(st));
	st.st_tg = tg;
	rc = gs_exit_of_kube(kube_get_scale(sy->sy_kube,
	    (enum kube_kind)t->st_kind, t->st_namespace, t->st_workload,
	    &st.st_scale, err, sizeof(err)));
	if (rc != GS_EXIT_OK) {
		gw_log(GW_LOG_ERROR, "scale target %s: %s", t->st_name, err);
		return rc;
	}
	if (sync_history(sy, &st, now, err, sizeof(err)) == -1) {
		gw_log(GW_LOG_ERROR, "scale target %s: %s", t->st_name, err);
		rc = GS_EXIT_FAIL;
	} else {
		sync_read_metrics(sy, &st, now);
		rc = sync_decide(sy, &st, now);
	}
	free(st.st_recs);
	free(st.st_events);
	return rc;
}

/* One pass over the targets; the first failure's exit status. */
static int
sync_pass(struct sync *sy)
{
	struct store_target	*tgs;
	size_t			 n, i;
	char			 err[512];
	int			 rc = GS_EXIT_OK, r;

	if (store_targets_load(sy->sy_db, sy->sy_g->gs_targets,
	    sy->sy_g->gs_ntargets, &tgs, &n, err, sizeof(err)) == -1) {
		gw_log(GW_LOG_ERROR, "%s", err);
		return GS_EXIT_FAIL;
	}
	if (n == 0)
		gw_log(GW_LOG_INFO, "no scale targets (see gwctl scale add)");
	/* A stop asked for by `run`'s signals waits for no more targets. */
	for (i = 0; i < n && !sync_stop; i++)
		if ((r = sync_target(sy, &tgs[i])) != GS_EXIT_OK &&
		    rc == GS_EXIT_OK)
			rc = r;
	store_targets_free(tgs, n);
	return rc;
}

/*
 * Signals of `run`: SIGTERM and SIGINT stop it after the target in hand
 * (they also cut a Kubernetes retry's backoff short), SIGHUP starts the
 * next pass at once.  Handled by flags, without SA_RESTART.
 */
static void
sync_onsig(int sig)
{
	if (sig == SIGHUP)
		sync_hup = 1;
	else
		sync_stop = 1;
}

/*
 * Waits until the next pass is due, or a signal.  The signals are blocked
 * from the check of the flags to pselect(), which unblocks them
 * atomically: one that comes in between is not missed.
 */
static void
sync_wait(int64_t due)
{
	struct timespec	 ts;
	sigset_t	 block, orig;
	int64_t		 left;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);
	while (!sync_stop && !sync_hup && (left = due - gw_mono_ms()) > 0) {
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		pselect(0, NULL, NULL, NULL, &ts, &orig);
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
}

static int
sync_loop(struct sync *sy)
{
	struct sigaction sa;
	int64_t		 due;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sync_onsig;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	gw_log(GW_LOG_INFO, "deciding every %llds",
	    (long long)(sy->sy_g->gs_interval_ms / 1000));
	due = gw_mono_ms();
	while (!sync_stop) {
		sync_pass(sy);
		due += sy->sy_g->gs_interval_ms;
		if (due < gw_mono_ms())
			due = gw_mono_ms();
		sync_wait(due);
		if (sync_hup) {
			gw_log(GW_LOG_INFO, "SIGHUP: deciding now");
			sync_hup = 0;
			due = gw_mono_ms();
		}
	}
	gw_log(GW_LOG_INFO, "stopping");
	return GS_EXIT_OK;
}

int
sync_main(struct gs *g, int loop)
{
	struct sync	 sy;
	char		 err[1024];
	const char	*path = gw_db_path(g->gs_db_path);
	int		 kr, rc;

	memset(&sy, 0, sizeof(sy));
	sy.sy_g = g;
	sy.sy_db = gw_db_open(path, g->gs_print ? GW_DB_READONLY : 0, err,
	    sizeof(err));
	if (sy.sy_db == NULL) {
		gw_log(GW_LOG_ERROR, "%s: %s", path, err);
		return GS_EXIT_FAIL;
	}
	sy.sy_kube = kube_open(&g->gs_kube, &kr, err, sizeof(err));
	if (sy.sy_kube == NULL) {
		gw_log(GW_LOG_ERROR, "%s", err);
		gw_db_close(sy.sy_db);
		return gs_exit_of_kube(kr);
	}
	gw_log(GW_LOG_DEBUG, "Kubernetes API %s (%s)", kube_server(sy.sy_kube),
	    kube_source(sy.sy_kube));
	sy.sy_metrics = metrics_open(sy.sy_db, (long)g->gs_timeout_ms);
	rc = loop ? sync_loop(&sy) : sync_pass(&sy);
	metrics_close(sy.sy_metrics);
	kube_close(sy.sy_kube);
	gw_db_close(sy.sy_db);
	return rc;
}
