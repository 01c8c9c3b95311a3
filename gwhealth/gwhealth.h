/*
 * gwhealth: what the files of gwhealth share.
 *
 *   main.c      options, start-up, signals, the DB poll, the stats line
 *   hce.c       the health check engine: one target per probed backend,
 *               its schedule, its health, the batch of results
 *   check.c     one probe on the event loop (tcp, http)
 *   hresp.c     judging an http response (pure)
 *   hstate.c    the state machine and the failure vocabulary (pure)
 *   sched.c     jitter and the lateness histogram (pure)
 *   resolve.c   cancellable evdns lookups
 *   discover.c  DNS discovery of a service's backends
 *   notify.c    "reload" to gwproxy's control socket
 *   writer.c    the thread that writes results and discoveries
 *   store.c     all of gwhealth's SQL
 *   once.c      --once: one round, a summary, an exit status
 *
 * Threads: the main thread runs one event_base with every check, the DB
 * poll, discovery and notification; the writer thread owns a second DB
 * connection and does every write, so a slow or locked database never
 * delays a check.  They share only the writer's mailbox (writer.c).
 */
#ifndef GWHEALTH_H
#define GWHEALTH_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "config.h"
#include "hresp.h"

#define GWHEALTH_VERSION	"0.1.0"

/* How often the DB is checked for config changes (--poll). */
#define GH_POLL_MS		1000
/* How long transitions are kept (--retention): 7 days. */
#define GH_RETENTION_MS		(7LL * 24 * 3600 * 1000)
/* How often the stats line is logged (--stats-interval): 1 minute. */
#define GH_STATS_MS		60000
/*
 * Checks in flight at once (--max-checks): a check on a LAN lasts about a
 * millisecond, so 1024 covers a million checks a second; the cap keeps a
 * burst of new backends from taking every descriptor.
 */
#define GH_MAX_CHECKS		1024
/* Descriptors kept for the DB, the control socket, DNS and logs. */
#define GH_FD_RESERVE		64
/*
 * Connections kept between http checks (--http-reuse) at most, one per
 * backend: the open files limit is raised for as many (up to the hard
 * limit); those that do not fit are closed after their check.
 */
#define GH_KEPT_MAX		100000
/*
 * Results wait up to this long to be written together, one transaction a
 * second: 10,000 checks a second rewrite each page of backend_health
 * once, not ten times.  A result with a transition is written at once.
 */
#define GH_FLUSH_MS		1000
/*
 * First checks of new backends start at most this many per second, so
 * 10,000 backends added at once (or at start) spread over a second
 * instead of connecting in one burst; a handful start at once.
 */
#define GH_START_RATE		10000
/* How long gwproxy may take to answer "reload" (its own limit is 5 s). */
#define GH_NOTIFY_TIMEOUT_MS	6000
/* How often old transitions are pruned, and at most how many at a time. */
#define GH_PRUNE_EVERY_MS	60000
#define GH_PRUNE_BATCH		10000
/* How long SIGTERM waits for the last results to be written. */
#define GH_STOP_WAIT_MS		15000
/* The extra time --once allows after the longest check timeout. */
#define GH_ONCE_SLACK_MS	5000

/*
 * A service's check as the engine runs it, built from its config at each
 * load.  Reference counted: targets and checks in flight hold it, so a
 * check that started before a config change finishes with the spec it
 * started with.  Every string is owned.
 */
struct hc_spec {
	int			 sp_refs;
	char			*sp_service;
	int			 sp_type;	/* enum gw_hc_type */
	char			*sp_method;
	char			*sp_path;
	char			*sp_host;	/* NULL: the backend's */
	char			*sp_expect;	/* canonical status ranges */
	char			*sp_body;	/* NULL: any body */
	struct hresp_status_set	 sp_status;	/* sp_expect as a set */
	int			 sp_head;	/* method is HEAD: no body */
	int64_t			 sp_interval_ms;
	int64_t			 sp_fast_ms;
	int64_t			 sp_timeout_ms;
	int64_t			 sp_rise;
	int64_t			 sp_fall;
	int64_t			 sp_jitter_pct;
};

/* NULL with *errstr when the service's check cannot run as stored. */
struct hc_spec	*spec_new(const struct gw_service *sv, const char **errstr);
void		 spec_ref(struct hc_spec *sp);
void		 spec_unref(struct hc_spec *sp);
/* 1 when two specs probe the same way. */
int		 spec_equal(const struct hc_spec *a, const struct hc_spec *b);

struct store_backend;

/*
 * Loads the config with store_load() and validates it.  0, or -1 with
 * errbuf naming the first problem (and how many more there are).
 */
int		 gh_load(sqlite3 *db, struct gw_config *cf,
		    struct store_backend **bes, int64_t *gen, char *errbuf,
		    size_t errlen);

#endif /* GWHEALTH_H */
