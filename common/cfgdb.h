/*
 * cfgdb: the configuration tables of the gw database read into the model
 * (config.h), for every program.  Reads only; gwctl writes.
 */
#ifndef GW_CFGDB_H
#define GW_CFGDB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "config.h"

/*
 * Loads every service, backend and route of db into cf (initialised here;
 * sorted with gw_config_sort()).  Call inside a transaction for a
 * consistent view.  Returns 0, or -1 with errbuf set and cf empty.
 */
int	gw_config_load(sqlite3 *db, struct gw_config *cf, char *errbuf,
	    size_t errlen);

/*
 * Loads every scale target of db, with its metrics, into cf's
 * cf_scale_targets in name order (gw_config_load() leaves them out: only
 * gwctl and gwscale need them).  A stored behavior that does not parse
 * is kept as the target's st_load_err, for validation to report.  When
 * ids is not NULL, *ids gets the targets' row ids in the same order
 * (malloc'd).  Returns 0, or -1 with errbuf set.
 */
int	gw_config_load_scale(sqlite3 *db, struct gw_config *cf, int64_t **ids,
	    char *errbuf, size_t errlen);

/* The config generation (max of generations), or -1 on error. */
int64_t	gw_config_generation(sqlite3 *db);

/*
 * Who a config change is recorded as in generations.user: the sudo caller
 * when run as root through sudo, else our user name (or "uid N").
 * malloc'd.
 */
char	*gw_config_change_user(void);

#endif /* GW_CFGDB_H */
