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

static int64_t
store_generation(sqlite3 *db)
{
	sqlite3_stmt	*st;
	int64_t		 gen = -1;

	if (sqlite3_prepare_v2(db, "SELECT max(generation) FROM generations",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		gen = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return gen;
}

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
		gen = store_generation(db);
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
