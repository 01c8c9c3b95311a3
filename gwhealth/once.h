/*
 * once: gwhealth --once, for cron: one round of discovery, one check of
 * every probed backend (all at once, within max_checks), rise and fall
 * applied to the streaks stored in the DB, one write, a notification to
 * gwproxy, and an exit status that says whether every service with a
 * probed backend has a healthy one.
 */
#ifndef GWHEALTH_ONCE_H
#define GWHEALTH_ONCE_H

#include <stddef.h>

#include <sqlite3.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "config.h"
#include "store.h"

/*
 * Runs the round on the loaded config cf and bes (both freed here).
 * control: gwproxy's control socket, or NULL; output: "text", "json" or
 * NULL for no summary.  Returns the exit status: 0 when every service
 * with a probed backend has one up, 1 otherwise or on failure.
 */
int	 once_run(struct event_base *base, struct evdns_base *dns,
	    sqlite3 *db, struct gw_config *cf, struct store_backend *bes,
	    size_t max_checks, const char *control, const char *output);

#endif /* GWHEALTH_ONCE_H */
