/*
 * store: all of gwscale's SQL.  See store.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cfgdb.h"
#include "config.h"
#include "db.h"
#include "scale.h"
#include "store.h"
#include "str.h"

#define ERR(db)	snprintf(err, errlen, "%s", sqlite3_errmsg(db))

/*
 * A gwproxy is alive while its heartbeat (gateway_instances.seen_at, one
 * per stats flush) is younger than this many of its intervals, plus a
 * second of slack for a slow flush.
 */
#define STORE_ALIVE_INTERVALS	3
#define STORE_ALIVE_SLACK_MS	1000

static int
store_wanted(const char *name, char *const *names, int n, char *seen)
{
	int i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0) {
			seen[i] = 1;
			return 1;
		}
	return 0;
}

/* The targets of cf that are wanted, moved (not copied) into tgs. */
static struct store_target *
store_targets_take(struct gw_config *cf, const int64_t *ids,
    char *const *names, int n, char *seen, size_t *nout)
{
	struct store_target	*tgs, *tg;
	size_t			 i;

	tgs = gw_calloc(cf->cf_nscale_targets + 1, sizeof(*tgs));
	*nout = 0;
	for (i = 0; i < cf->cf_nscale_targets; i++) {
		if (!store_wanted(cf->cf_scale_targets[i].st_name, names, n,
		    seen)) {
			gw_scale_target_free(&cf->cf_scale_targets[i]);
			continue;
		}
		tg = &tgs[(*nout)++];
		tg->tg_id = ids[i];
		tg->tg_t = cf->cf_scale_targets[i];
		/* A hand edit gwctl would have refused: skipped, said why. */
		gw_scale_target_validate(&tg->tg_t, tg->tg_err,
		    sizeof(tg->tg_err));
	}
	free(cf->cf_scale_targets);
	cf->cf_scale_targets = NULL;
	cf->cf_nscale_targets = 0;
	return tgs;
}

int
store_targets_load(sqlite3 *db, char *const *names, int n,
    struct store_target **out, size_t *nout, char *err, size_t errlen)
{
	struct gw_config	 cf;
	struct store_target	*tgs;
	int64_t			*ids = NULL;
	char			*seen;
	size_t			 nt;
	int			 k;

	memset(&cf, 0, sizeof(cf));
	if (gw_config_load_scale(db, &cf, &ids, err, errlen) == -1) {
		gw_config_free(&cf);
		return -1;
	}
	seen = gw_calloc((size_t)n + 1, 1);
	tgs = store_targets_take(&cf, ids, names, n, seen, &nt);
	free(ids);
	gw_config_free(&cf);
	for (k = 0; k < n; k++)
		if (!seen[k]) {
			snprintf(err, errlen, "scale target \"%s\": no such "
			    "target (see gwctl get scale)", names[k]);
			free(seen);
			store_targets_free(tgs, nt);
			return -1;
		}
	free(seen);
	*out = tgs;
	*nout = nt;
	return 0;
}

void
store_targets_free(struct store_target *tgs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gw_scale_target_free(&tgs[i].tg_t);
	free(tgs);
}

int
store_state_get(sqlite3 *db, int64_t id, struct store_state *ss, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(ss, 0, sizeof(*ss));
	ss->ss_active_at = -1;
	if ((st = gw_db_prepare(db, "SELECT seeded_at, active_at FROM "
	    "scale_state WHERE target_id = ?1", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ss->ss_seeded = 1;
		ss->ss_seeded_at = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			ss->ss_active_at = sqlite3_column_int64(st, 1);
	} else if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Ages in whole seconds, as the HPA's time.Since(...) compared with
 * windows of whole seconds. */
static int64_t
store_age_s(int64_t now, int64_t at)
{
	return now > at ? (now - at) / 1000 : 0;
}

int
store_history(sqlite3 *db, int64_t id, int64_t now, int64_t max_age_ms,
    struct hpa_rec **recs, size_t *nrecs, struct hpa_event **evs,
    size_t *nevs, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	*recs = NULL;
	*evs = NULL;
	*nrecs = *nevs = 0;
	if ((st = gw_db_prepare(db, "SELECT at, replicas FROM "
	    "scale_recommendations WHERE target_id = ?1 AND at >= ?2 ORDER BY "
	    "at", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now - max_age_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*recs = gw_reallocarray(*recs, *nrecs + 1, sizeof(**recs));
		(*recs)[(*nrecs)++] = (struct hpa_rec){ store_age_s(now,
		    sqlite3_column_int64(st, 0)), sqlite3_column_int(st, 1) };
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE && (st = gw_db_prepare(db, "SELECT at, "
	    "from_replicas, to_replicas FROM scale_events WHERE target_id = ?1 "
	    "AND at >= ?2 ORDER BY at", err, errlen)) != NULL) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, now - max_age_ms);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			*evs = gw_reallocarray(*evs, *nevs + 1,
			    sizeof(**evs));
			(*evs)[(*nevs)++] = (struct hpa_event){
			    store_age_s(now, sqlite3_column_int64(st, 0)),
			    sqlite3_column_int(st, 2) -
			    sqlite3_column_int(st, 1) };
		}
		sqlite3_finalize(st);
	} else if (rc == SQLITE_DONE)
		return -1;
	if (rc != SQLITE_DONE) {
		ERR(db);
		free(*recs);
		free(*evs);
		*recs = NULL;
		*evs = NULL;
		return -1;
	}
	return 0;
}

/* Runs one statement: ni int64 parameters ?1.., then nt text ones. */
static int
store_run(sqlite3 *db, const char *sql, const int64_t *iv, int ni,
    const char *const *tv, int nt, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 i, rc;

	if ((st = gw_db_prepare(db, sql, err, errlen)) == NULL)
		return -1;
	for (i = 0; i < ni; i++)
		sqlite3_bind_int64(st, i + 1, iv[i]);
	for (i = 0; i < nt; i++)
		sqlite3_bind_text(st, ni + i + 1, tv[i], -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
store_decision_state(sqlite3 *db, const struct store_decision *sd,
    char *err, size_t errlen)
{
	int64_t	 v[2] = { sd->sd_id, sd->sd_at };

	int64_t	 seed[3] = { sd->sd_id, sd->sd_at, sd->sd_current };

	/* First sight: the HPA's recommendations start with the current
	 * count. */
	if (sd->sd_seed && (store_run(db, "INSERT OR IGNORE INTO scale_state "
	    "(target_id, seeded_at, active_at) VALUES (?1, ?2, ?2)", v, 2,
	    NULL, 0, err, errlen) == -1 || store_run(db, "INSERT INTO "
	    "scale_recommendations (target_id, at, replicas) VALUES (?1, ?2, "
	    "?3)", seed, 3, NULL, 0, err, errlen) == -1))
		return -1;
	if (store_run(db, "UPDATE scale_state SET decided_at = ?2 WHERE "
	    "target_id = ?1", v, 2, NULL, 0, err, errlen) == -1)
		return -1;
	v[1] = sd->sd_active_at;
	if (sd->sd_active_at >= 0 && store_run(db, "UPDATE scale_state SET "
	    "active_at = ?2 WHERE target_id = ?1", v, 2, NULL, 0, err,
	    errlen) == -1)
		return -1;
	return 0;
}

static int
store_decision_history(sqlite3 *db, const struct store_decision *sd,
    char *err, size_t errlen)
{
	int64_t	 v[4] = { sd->sd_id, sd->sd_at, sd->sd_record, 0 };

	if (sd->sd_record >= 0 && store_run(db, "INSERT INTO "
	    "scale_recommendations (target_id, at, replicas) VALUES (?1, ?2, "
	    "?3)", v, 3, NULL, 0, err, errlen) == -1)
		return -1;
	v[2] = sd->sd_event_from;
	v[3] = sd->sd_event_to;
	if (sd->sd_event_from != sd->sd_event_to && store_run(db, "INSERT "
	    "INTO scale_events (target_id, at, from_replicas, to_replicas) "
	    "VALUES (?1, ?2, ?3, ?4)", v, 4, NULL, 0, err, errlen) == -1)
		return -1;
	/* What no window or policy period can reach any more. */
	v[1] = sd->sd_at - sd->sd_keep_ms;
	if (store_run(db, "DELETE FROM scale_recommendations WHERE "
	    "target_id = ?1 AND at < ?2", v, 2, NULL, 0, err, errlen) == -1 ||
	    store_run(db, "DELETE FROM scale_events WHERE target_id = ?1 AND "
	    "at < ?2", v, 2, NULL, 0, err, errlen) == -1)
		return -1;
	return 0;
}

int
store_decision_write(sqlite3 *db, const struct store_decision *sd,
    char *err, size_t errlen)
{
	const char	*tv[3] = { sd->sd_metrics, sd->sd_mode, sd->sd_reason };
	int64_t		 v[4] = { sd->sd_id, sd->sd_at, sd->sd_current,
	    sd->sd_desired };

	if (gw_db_begin(db, err, errlen) == -1)
		return -1;
	if (store_decision_state(db, sd, err, errlen) == -1 ||
	    store_decision_history(db, sd, err, errlen) == -1 ||
	    store_run(db, "INSERT INTO scale_decisions (target_id, at, "
	    "current_replicas, desired_replicas, metrics, mode, reason) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", v, 4, tv, 3, err,
	    errlen) == -1)
		goto fail;
	v[1] = sd->sd_at - sd->sd_retention_ms;
	if (sd->sd_retention_ms > 0 && store_run(db, "DELETE FROM "
	    "scale_decisions WHERE target_id = ?1 AND at < ?2", v, 2, NULL, 0,
	    err, errlen) == -1)
		goto fail;
	if (gw_db_commit(db, err, errlen) == 0)
		return 0;
fail:
	gw_db_rollback(db);
	return -1;
}

/* The live gwproxy instances: how many, and the earliest start. */
static int
store_gateway_alive(sqlite3 *db, int64_t now, int *n, int64_t *started,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = gw_db_prepare(db, "SELECT count(*), min(started_at) FROM "
	    "gateway_instances WHERE seen_at >= ?1 - ?2 * interval_ms - ?3",
	    err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, STORE_ALIVE_INTERVALS);
	sqlite3_bind_int(st, 3, STORE_ALIVE_SLACK_MS);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*n = sqlite3_column_int(st, 0);
		*started = sqlite3_column_int64(st, 1);
	} else
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * The SQL of each gateway metric over the rows of one service (backend
 * '') in the window (?2 < at), as one number.  Rates divide by the
 * window (?3 seconds); percentiles are the request-weighted mean of the
 * intervals' percentiles; in-flight is the latest row of each live
 * instance, whatever its age (gwproxy writes one when it drops to 0).
 * The 3 and 1000 of in-flight are STORE_ALIVE_INTERVALS and _SLACK_MS.
 */
static const char *const store_gw_sql[] = {
	[GW_SCALE_RPS] = "SELECT total(requests) / ?3 FROM traffic_stats "
	    "WHERE service = ?1 AND backend = '' AND at > ?2",
	[GW_SCALE_IN_FLIGHT] = "SELECT total(t.in_flight) FROM traffic_stats "
	    "t JOIN (SELECT instance, max(at) AS at FROM traffic_stats WHERE "
	    "service = ?1 AND backend = '' GROUP BY instance) l ON "
	    "l.instance = t.instance AND l.at = t.at JOIN gateway_instances g "
	    "ON g.instance = t.instance WHERE t.service = ?1 AND t.backend = "
	    "'' AND g.seen_at >= ?4 - 3 * g.interval_ms - 1000",
	[GW_SCALE_P50] = "SELECT coalesce(total(latency_p50_us * requests) / "
	    "nullif(total(requests), 0) / 1000, 0) FROM traffic_stats WHERE "
	    "service = ?1 AND backend = '' AND at > ?2 AND latency_p50_us IS "
	    "NOT NULL",
	[GW_SCALE_P90] = "SELECT coalesce(total(latency_p90_us * requests) / "
	    "nullif(total(requests), 0) / 1000, 0) FROM traffic_stats WHERE "
	    "service = ?1 AND backend = '' AND at > ?2 AND latency_p90_us IS "
	    "NOT NULL",
	[GW_SCALE_P99] = "SELECT coalesce(total(latency_p99_us * requests) / "
	    "nullif(total(requests), 0) / 1000, 0) FROM traffic_stats WHERE "
	    "service = ?1 AND backend = '' AND at > ?2 AND latency_p99_us IS "
	    "NOT NULL",
	[GW_SCALE_ERROR_RATE] = "SELECT coalesce(100.0 * total(responses_5xx "
	    "+ gateway_errors) / nullif(total(requests), 0), 0) FROM "
	    "traffic_stats WHERE service = ?1 AND backend = '' AND at > ?2"
};

int
store_gateway_metric(sqlite3 *db, const char *service, int metric,
    int64_t now, int64_t window_ms, double *value, int *avail, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int64_t		 started, w = window_ms;
	int		 n, rc;

	*avail = 0;
	if (metric < 0 || metric > GW_SCALE_ERROR_RATE) {
		snprintf(err, errlen, "unknown gateway metric %d", metric);
		return -1;
	}
	if (store_gateway_alive(db, now, &n, &started, err, errlen) == -1)
		return -1;
	if (n == 0) {
		snprintf(err, errlen, "no gwproxy has written its heartbeat "
		    "to gateway_instances lately (is gwproxy running with "
		    "--stats-interval on this database?)");
		return 0;
	}
	/* A gateway younger than the window has counted for less. */
	if (now - started < w)
		w = now - started;
	if (w < 1000)
		w = 1000;
	if ((st = gw_db_prepare(db, store_gw_sql[metric], err, errlen)) ==
	    NULL)
		return -1;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now - w);
	sqlite3_bind_double(st, 3, (double)w / 1000);
	sqlite3_bind_int64(st, 4, now);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*value = sqlite3_column_double(st, 0);
		*avail = 1;
	} else
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}
