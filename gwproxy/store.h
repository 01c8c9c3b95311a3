/*
 * store: gwproxy's SQL (store.c is the only file of gwproxy that runs
 * any).  Called from the reload and stats threads only.
 */
#ifndef GWPROXY_STORE_H
#define GWPROXY_STORE_H

#include <stddef.h>

#include <sqlite3.h>

struct snapshot;

/*
 * Reads config, generation and health in one read transaction and builds
 * a snapshot.  NULL with errbuf set when reading fails or the config is
 * invalid (the current snapshot then keeps serving).
 */
struct snapshot	*store_snapshot(sqlite3 *db, char *errbuf, size_t errlen);

#endif /* GWPROXY_STORE_H */
