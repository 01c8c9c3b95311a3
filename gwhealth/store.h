/*
 * store: gwhealth's SQL (store.c is the only file of gwhealth that runs
 * any) and the batches of results it writes.
 *
 * Reads (main thread): the config through cfgdb with each backend's id
 * and health row, and a fingerprint of the config tables.  Writes (the
 * writer thread, or --once at its end): a batch of health rows and
 * transitions in one transaction, pruning, and the backends DNS
 * discovery found, as one config generation with its history.
 */
#ifndef GWHEALTH_STORE_H
#define GWHEALTH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "addr.h"
#include "config.h"
#include "hstate.h"

/*
 * A backend of the loaded config (same index as in cf_backends) with its
 * id and its health row as stored.
 */
struct store_backend {
	int64_t	sb_id;			/* backends.id */
	int	sb_has_health;		/* a backend_health row exists */
	int	sb_state;		/* enum hs_state */
	int64_t	sb_since_at;
	int64_t	sb_checked_at;		/* 0: never */
	int64_t	sb_latency_us;		/* -1: none */
	int64_t	sb_pass;
	int64_t	sb_fail;
	char	sb_reason[HS_REASON_MAX];
};

/*
 * Loads the config (validated by the caller), its generation and a
 * struct store_backend per backend, in one read transaction.  0, or -1
 * with errbuf set and nothing to free.
 */
int	 store_load(sqlite3 *db, struct gw_config *cf,
	    struct store_backend **bes, int64_t *gen, char *errbuf,
	    size_t errlen);

/*
 * A 64-bit hash of what store_load() reads of the config: the generation
 * and every row of services and backends.  PRAGMA data_version moves for
 * every commit of another connection (gwproxy's stats, our own writer);
 * this tells whether the check set can have changed.  0, or -1.
 */
int	 store_fingerprint(sqlite3 *db, uint64_t *fp, char *errbuf,
	    size_t errlen);

/* One backend_health row to write. */
struct store_row {
	int64_t	sr_id;			/* backends.id */
	char	sr_service[GW_NAME_MAX + 1];
	char	sr_host[GW_ADDR_HOST_MAX + 1];
	int	sr_port;
	int	sr_state;		/* enum hs_state */
	int64_t	sr_since_at;
	int64_t	sr_checked_at;
	int64_t	sr_latency_us;
	int64_t	sr_pass;
	int64_t	sr_fail;
	char	sr_reason[HS_REASON_MAX];	/* "": NULL */
};

/* One health_transitions row. */
struct store_trans {
	int64_t	st_at;
	char	st_service[GW_NAME_MAX + 1];
	char	st_backend[GW_ADDR_STR_MAX];	/* "10.0.0.1:80" */
	int	st_from;		/* enum hs_state */
	int	st_to;
	char	st_reason[HS_REASON_MAX];
};

/* What one transaction writes.  Zero it to start; arrays grow. */
struct store_batch {
	struct store_row	*bt_rows;
	size_t			 bt_nrows;
	size_t			 bt_caprows;
	struct store_trans	*bt_trans;
	size_t			 bt_ntrans;
	size_t			 bt_captrans;
};

/* A new zeroed slot at the end (pointers into the array then move). */
struct store_row	*store_batch_row(struct store_batch *bt);
struct store_trans	*store_batch_trans(struct store_batch *bt);
/* Empties the batch, keeping its memory. */
void	 store_batch_clear(struct store_batch *bt);
/* Appends src to dst (rows of the same backend: the later wins). */
void	 store_batch_append(struct store_batch *dst,
	    const struct store_batch *src);
void	 store_batch_free(struct store_batch *bt);

/*
 * Writes the batch in one write transaction: each row replaces its
 * backend's health (skipped when the backend is no longer the one the
 * row is about: deleted, or its id reused), each transition is added.
 * 0, or -1 with errbuf set and nothing written; *busy says the database
 * was locked (worth retrying as it is).
 */
int	 store_write(sqlite3 *db, const struct store_batch *bt, int *busy,
	    char *errbuf, size_t errlen);

/*
 * Deletes up to GH_PRUNE_BATCH transitions older than before (ms since
 * the epoch).  The number deleted, or -1 with errbuf set.
 */
int64_t	 store_prune(sqlite3 *db, int64_t before, char *errbuf,
	    size_t errlen);

/* A discovery answer: the addresses DNS gave a service's name. */
struct store_disc {
	char	*sd_service;
	char	*sd_dns;		/* the name asked; NULL: none now */
	int	 sd_port;		/* the service's discovery port */
	char	**sd_addrs;		/* IP literals, no brackets, sorted */
	size_t	 sd_naddrs;
};

void	 store_disc_free(struct store_disc *sd);

/*
 * Makes the service's dns backends the addresses of sd, under the write
 * lock: adds the missing ones (weight 1, enabled, source dns; an address
 * a static backend has already is left to it), deletes the dns backends
 * not in sd, and records it as one generation (user, "gwhealth
 * discovery") with a changes row each, as gwctl does.  Nothing happens
 * when the service is gone or names another DNS name or port now.  An
 * sd_dns of NULL (and no addresses) removes the dns backends of a service
 * that names no DNS name any more.
 * *added and *removed get the counts.  Returns the new generation, 0 when
 * nothing changed, or -1 with errbuf set (*busy: the database was
 * locked).
 */
int64_t	 store_discover(sqlite3 *db, const struct store_disc *sd,
	    const char *user, size_t *added, size_t *removed, int *busy,
	    char *errbuf, size_t errlen);

#endif /* GWHEALTH_STORE_H */
