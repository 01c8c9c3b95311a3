/*
 * store: all of gwproxy's SQL.  Reads the config (through cfgdb) and the
 * health gwhealth wrote, in one read transaction so the two agree; runs
 * only in the reload thread, never on an event loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cfgdb.h"
#include "config.h"
#include "db.h"
#include "gwproxy.h"
#include "store.h"
#include "str.h"

/*
 * Health per backend of cf, parallel to cf_backends.  Both lists are in
 * (service, host, port) order, so one merge pass pairs them.
 */
static int *
store_health(sqlite3 *db, const struct gw_config *cf, char *errbuf,
    size_t errlen)
{
	const struct gw_backend	*be;
	sqlite3_stmt		*st;
	const char		*svc, *host;
	int			*health, port, c;
	size_t			 i = 0;

	health = gw_calloc(cf->cf_nbackends + 1, sizeof(*health));
	if (sqlite3_prepare_v2(db, "SELECT s.name, b.host, b.port, h.state "
	    "FROM backend_health h JOIN backends b ON b.id = h.backend_id "
	    "JOIN services s ON s.id = b.service_id "
	    "ORDER BY s.name, b.host, b.port", -1, &st, NULL) != SQLITE_OK) {
		snprintf(errbuf, errlen, "%s", sqlite3_errmsg(db));
		free(health);
		return NULL;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		svc = gw_db_col_text(st, 0);
		host = gw_db_col_text(st, 1);
		port = sqlite3_column_int(st, 2);
		for (; i < cf->cf_nbackends; i++) {
			be = &cf->cf_backends[i];
			if ((c = strcmp(be->be_service, svc)) == 0 &&
			    (c = strcmp(be->be_host, host)) == 0)
				c = (be->be_port > port) - (be->be_port < port);
			if (c >= 0)
				break;
		}
		if (i < cf->cf_nbackends && c == 0) {
			switch (gw_db_col_enum(st, 3, (const char *const[])
			    { "unknown", "up", "down", NULL })) {
			case 1:
				health[i] = PX_HEALTH_UP;
				break;
			case 2:
				health[i] = PX_HEALTH_DOWN;
				break;
			default:
				health[i] = PX_HEALTH_UNKNOWN;
				break;
			}
		}
	}
	sqlite3_finalize(st);
	return health;
}

struct snapshot *
store_snapshot(sqlite3 *db, char *errbuf, size_t errlen)
{
	struct gw_config	 cf;
	struct snapshot		*sn = NULL;
	int64_t			 gen;
	int			*health = NULL;

	if (gw_db_exec(db, "BEGIN", errbuf, errlen) == -1)
		return NULL;
	if (gw_config_load(db, &cf, errbuf, errlen) == 0) {
		gen = gw_config_generation(db);
		health = store_health(db, &cf, errbuf, errlen);
		gw_db_rollback(db);
		if (health == NULL) {
			gw_config_free(&cf);
			return NULL;
		}
		/* Builds outside the transaction: DNS may take a while. */
		sn = snapshot_build(&cf, gen, health, errbuf, errlen);
		free(health);
		return sn;
	}
	gw_db_rollback(db);
	return NULL;
}

int
store_fingerprint(sqlite3 *db, uint64_t *fp, char *errbuf, size_t errlen)
{
	/*
	 * What gw_config_load() and store_health() read.  A table added to
	 * the config must be added here, or a hand edit of it alone would
	 * wait for the next gwctl change (which moves the generation).
	 */
	static const char *const queries[] = {
		"SELECT max(generation) FROM generations",
		"SELECT * FROM services ORDER BY rowid",
		"SELECT * FROM backends ORDER BY rowid",
		"SELECT * FROM routes ORDER BY rowid",
		"SELECT * FROM route_headers ORDER BY rowid",
		"SELECT * FROM route_header_edits ORDER BY rowid",
		"SELECT backend_id, state FROM backend_health "
		    "ORDER BY backend_id",
	};

	return gw_db_fingerprint(db, queries,
	    sizeof(queries) / sizeof(queries[0]), fp, errbuf, errlen);
}

/* Binds an int64, or NULL for -1 (a percentile of no requests). */
static void
bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

int
store_stats_write(sqlite3 *db, const struct store_stat_row *rows, size_t n,
    int64_t at, int64_t interval_ms, const char *instance,
    int64_t prune_before, int64_t *pruned, char *errbuf, size_t errlen)
{
	const struct store_stat_row	*r;
	sqlite3_stmt			*st = NULL;
	size_t				 i;
	int				 k;

	*pruned = 0;
	if (gw_db_begin(db, errbuf, errlen) == -1)
		goto fail;
	if (n > 0 && sqlite3_prepare_v2(db, "INSERT INTO traffic_stats "
	    "(at, interval_ms, instance, service, backend, requests, "
	    "responses_2xx, responses_3xx, responses_4xx, responses_5xx, "
	    "gateway_errors, in_flight, bytes_in, bytes_out, latency_p50_us, "
	    "latency_p90_us, latency_p99_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)", -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		r = &rows[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, at);
		sqlite3_bind_int64(st, 2, interval_ms);
		sqlite3_bind_text(st, 3, instance, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, r->st_service, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, r->st_backend, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, r->st_requests);
		for (k = 0; k < 4; k++)
			sqlite3_bind_int64(st, 7 + k, r->st_responses[k]);
		sqlite3_bind_int64(st, 11, r->st_gateway_errors);
		sqlite3_bind_int64(st, 12, r->st_in_flight);
		sqlite3_bind_int64(st, 13, r->st_bytes_in);
		sqlite3_bind_int64(st, 14, r->st_bytes_out);
		bind_opt(st, 15, r->st_p50_us);
		bind_opt(st, 16, r->st_p90_us);
		bind_opt(st, 17, r->st_p99_us);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (prune_before > 0) {
		/* Bounded, so a long backlog never holds the lock for long. */
		if (sqlite3_prepare_v2(db, "DELETE FROM traffic_stats WHERE "
		    "rowid IN (SELECT rowid FROM traffic_stats WHERE at < ?1 "
		    "LIMIT ?2)", -1, &st, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(st, 1, prune_before);
		sqlite3_bind_int(st, 2, STORE_PRUNE_BATCH);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
		*pruned = sqlite3_changes(db);
		sqlite3_finalize(st);
		st = NULL;
	}
	if (gw_db_commit(db, errbuf, errlen) == 0)
		return 0;
fail:
	snprintf(errbuf, errlen, "traffic_stats: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	gw_db_rollback(db);
	return -1;
}

int
store_heartbeat(sqlite3 *db, const char *instance, int64_t started_at,
    int64_t now, int64_t interval_ms, int stopping, char *errbuf,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db, stopping ? "DELETE FROM gateway_instances "
	    "WHERE instance = ?1" : "INSERT INTO gateway_instances (instance, "
	    "started_at, seen_at, interval_ms) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (instance) DO UPDATE SET seen_at = excluded.seen_at, "
	    "interval_ms = excluded.interval_ms", -1, &st, NULL) != SQLITE_OK) {
		snprintf(errbuf, errlen, "gateway_instances: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
	if (!stopping) {
		sqlite3_bind_int64(st, 2, started_at);
		sqlite3_bind_int64(st, 3, now < started_at ? started_at : now);
		sqlite3_bind_int64(st, 4, interval_ms);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	/* The rows of gateways that died without removing theirs. */
	if (rc == SQLITE_DONE && !stopping) {
		if (sqlite3_prepare_v2(db, "DELETE FROM gateway_instances "
		    "WHERE seen_at < ?1", -1, &st, NULL) != SQLITE_OK)
			rc = SQLITE_ERROR;
		else {
			sqlite3_bind_int64(st, 1, now - STORE_INSTANCE_KEEP_MS);
			rc = sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	if (rc == SQLITE_DONE)
		return 0;
	snprintf(errbuf, errlen, "gateway_instances: %s", sqlite3_errmsg(db));
	return -1;
}

/* The health state of a backend by names, 'unknown' when none. */
#define STORE_HEALTH_OF							\
	"COALESCE((SELECT h.state FROM backend_health h JOIN backends b "	\
	"ON b.id = h.backend_id JOIN services s ON s.id = b.service_id "	\
	"WHERE s.name = ?1 AND b.host = ?2 AND b.port = ?3), 'unknown')"

int
store_outlier_write(sqlite3 *db, const struct store_outlier_ev *ev, size_t n,
    const char *instance, char *errbuf, size_t errlen)
{
	static const char *const sql[] = {
		/* Ejected. */
		"INSERT INTO health_transitions (at, service, backend, "
		"from_state, to_state, reason, source) VALUES (?4, ?1, ?5, "
		STORE_HEALTH_OF ", 'ejected', ?6, 'gwproxy')",
		"INSERT OR REPLACE INTO backend_ejections (backend_id, "
		"instance, ejected_at, until_at, ejections, reason) "
		"SELECT b.id, ?7, ?4, ?8, ?9, ?6 FROM backends b JOIN "
		"services s ON s.id = b.service_id WHERE s.name = ?1 AND "
		"b.host = ?2 AND b.port = ?3",
		/* Over. */
		"INSERT INTO health_transitions (at, service, backend, "
		"from_state, to_state, reason, source) VALUES (?4, ?1, ?5, "
		"'ejected', " STORE_HEALTH_OF ", ?6, 'gwproxy')",
		"DELETE FROM backend_ejections WHERE instance = ?7 AND "
		"backend_id IN (SELECT b.id FROM backends b JOIN services s "
		"ON s.id = b.service_id WHERE s.name = ?1 AND b.host = ?2 AND "
		"b.port = ?3)"
	};
	sqlite3_stmt	*st[4] = { NULL, NULL, NULL, NULL };
	const struct store_outlier_ev *e;
	size_t		 i;
	int		 k, j;

	if (gw_db_begin(db, errbuf, errlen) == -1)
		return -1;
	for (k = 0; k < 4; k++)
		if (sqlite3_prepare_v2(db, sql[k], -1, &st[k], NULL) !=
		    SQLITE_OK)
			goto fail;
	for (i = 0; i < n; i++) {
		e = &ev[i];
		for (j = 0; j < 2; j++) {
			k = (e->oe_end ? 2 : 0) + j;
			sqlite3_reset(st[k]);
			sqlite3_clear_bindings(st[k]);
			sqlite3_bind_text(st[k], 1, e->oe_service, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(st[k], 2, e->oe_host, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int(st[k], 3, e->oe_port);
			if (sqlite3_bind_parameter_index(st[k], "?4") > 0)
				sqlite3_bind_int64(st[k], 4, e->oe_at);
			if (sqlite3_bind_parameter_index(st[k], "?5") > 0)
				sqlite3_bind_text(st[k], 5, e->oe_backend, -1,
				    SQLITE_STATIC);
			if (sqlite3_bind_parameter_index(st[k], "?6") > 0)
				sqlite3_bind_text(st[k], 6, e->oe_reason, -1,
				    SQLITE_STATIC);
			sqlite3_bind_text(st[k], 7, instance, -1,
			    SQLITE_STATIC);
			if (sqlite3_bind_parameter_index(st[k], "?8") > 0) {
				sqlite3_bind_int64(st[k], 8, e->oe_until);
				sqlite3_bind_int(st[k], 9, e->oe_ejections);
			}
			if (sqlite3_step(st[k]) != SQLITE_DONE)
				goto fail;
		}
	}
	for (k = 0; k < 4; k++) {
		sqlite3_finalize(st[k]);
		st[k] = NULL;
	}
	if (gw_db_commit(db, errbuf, errlen) == 0)
		return 0;
fail:
	snprintf(errbuf, errlen, "passive health: %s", sqlite3_errmsg(db));
	for (k = 0; k < 4; k++)
		sqlite3_finalize(st[k]);
	gw_db_rollback(db);
	return -1;
}
