/*
 * store: gwproxy's SQL (store.c is the only file of gwproxy that runs
 * any).  Called from the reload and stats threads only.
 */
#ifndef GWPROXY_STORE_H
#define GWPROXY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct snapshot;

/*
 * Reads config, generation and health in one read transaction and builds
 * a snapshot.  NULL with errbuf set when reading fails or the config is
 * invalid (the current snapshot then keeps serving).
 */
struct snapshot	*store_snapshot(sqlite3 *db, char *errbuf, size_t errlen);

/*
 * A 64-bit hash of everything store_snapshot() reads: the generation,
 * every row of the config tables (so a hand edit counts too) and each
 * backend's health state, but not the health columns that change on
 * every probe nor any other table.  The reload thread compares it before
 * building: PRAGMA data_version also moves for commits the snapshot does
 * not depend on (the stats flush, another gwproxy's flush, gwhealth's
 * probe times).  0, or -1 with errbuf set.
 */
int		 store_fingerprint(sqlite3 *db, uint64_t *fp, char *errbuf,
		    size_t errlen);

/* One traffic_stats row (see gw-schema(5)). */
struct store_stat_row {
	const char	*st_service;
	const char	*st_backend;	/* "": the service's total */
	int64_t		 st_requests;
	int64_t		 st_responses[4];	/* 2xx, 3xx, 4xx, 5xx */
	int64_t		 st_gateway_errors;
	int64_t		 st_in_flight;
	int64_t		 st_bytes_in;
	int64_t		 st_bytes_out;
	int64_t		 st_p50_us;	/* -1: NULL (no requests) */
	int64_t		 st_p90_us;
	int64_t		 st_p99_us;
};

/*
 * Writes n rows for the interval of interval_ms ending at `at` (ms since
 * the epoch) by instance and, when prune_before is not 0, deletes at most
 * STORE_PRUNE_BATCH rows older than it (*pruned gets how many), all in
 * one write transaction.  0, or -1 with errbuf set and nothing written.
 */
#define STORE_PRUNE_BATCH	10000	/* rows per flush: bounds the lock */
/*
 * The heartbeat of this gwproxy in gateway_instances, one per flush, so
 * that gwscale can tell an idle gateway (no traffic_stats rows) from a
 * stopped one; stopping removes the row, and the rows of gateways silent
 * for STORE_INSTANCE_KEEP_MS (killed, crashed) go with a heartbeat.
 */
#define STORE_INSTANCE_KEEP_MS	(24LL * 3600 * 1000)
int		 store_heartbeat(sqlite3 *db, const char *instance,
		    int64_t started_at, int64_t now, int64_t interval_ms,
		    int stopping, char *errbuf, size_t errlen);
int		 store_stats_write(sqlite3 *db,
		    const struct store_stat_row *rows, size_t n, int64_t at,
		    int64_t interval_ms, const char *instance,
		    int64_t prune_before, int64_t *pruned, char *errbuf,
		    size_t errlen);

/* One passive-health event for store_outlier_write(). */
struct store_outlier_ev {
	int64_t		 oe_at;		/* ms since the epoch */
	int		 oe_end;	/* 0: ejected; 1: ejection over */
	char		 oe_service[64];
	char		 oe_backend[280];	/* "host:port" */
	char		 oe_host[256];
	int		 oe_port;
	int64_t		 oe_until;	/* ejected until, ms since the epoch */
	int		 oe_ejections;
	char		 oe_reason[96];
};

/*
 * Writes events in one transaction: a health_transitions row each
 * (source gwproxy; to 'ejected' from the backend's health state, or
 * back), and the backend_ejections row of this instance set or removed.
 * A backend no longer in the DB gets its transitions row only.  0, or -1
 * with errbuf set (nothing written).
 */
int		 store_outlier_write(sqlite3 *db,
		    const struct store_outlier_ev *ev, size_t n,
		    const char *instance, char *errbuf, size_t errlen);

#endif /* GWPROXY_STORE_H */
