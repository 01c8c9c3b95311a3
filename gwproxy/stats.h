/*
 * stats: what gwproxy counts, where it shows it, and the flush to the DB.
 *
 * Each worker counts into its own struct stats_worker (no lock, no shared
 * cache line on the request path); readers (the admin thread for
 * /metrics and "show stats", the flush thread for the traffic_stats table)
 * sum the workers' counters with relaxed atomic loads, so a reading may
 * be a request behind, never torn.  Counters are keyed by the names of
 * service, route and backend, not by snapshot indexes, so they survive
 * reloads and go on counting across config changes.
 */
#ifndef GWPROXY_STATS_H
#define GWPROXY_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "reply.h"

struct worker;
struct gw_buf;
struct sqlite3;

/*
 * Latency histogram: STATS_NBUCKETS finite bounds (0.5 ms to 10 s, the
 * Prometheus "le" values) and one +Inf bucket after them.
 */
#define STATS_NBUCKETS	14
/* Flush interval of the traffic_stats writer when not given, ms. */
#define STATS_INTERVAL_MS	5000
/*
 * traffic_stats rows older than this are deleted by the flush (the
 * autoscaler looks back minutes; a week is for operators' questions).
 */
#define STATS_RETENTION_MS	(7LL * 24 * 3600 * 1000)

/*
 * A worker's counters of one service and one of its backends, found once
 * and kept (by the worker's snapshot state) so the request path does not
 * hash names: entries live as long as gwproxy.  sf_be is NULL for the
 * service alone.
 */
struct stats_ent;
struct stats_ref {
	struct stats_ent	*sf_svc;
	struct stats_ent	*sf_be;
};

/* One finished request, as session.c reports it. */
struct stats_req {
	const char	*sr_service;	/* NULL: none (no route, bad request) */
	const char	*sr_route;	/* NULL: none */
	const char	*sr_backend;	/* "host:port"; NULL: none */
	int		 sr_status;	/* sent to the client; 0: none */
	enum px_error	 sr_error;	/* PX_E_NONE when the backend answered */
	int64_t		 sr_total_ns;	/* head received to response done */
	int64_t		 sr_upstream_ns; /* connect start to response done, 0 */
	uint64_t	 sr_bytes_in;
	uint64_t	 sr_bytes_out;
	int		 sr_connect_failures;	/* connects that failed */
	/* The service's and backend's entries when known, else NULL. */
	const struct stats_ref *sr_ref;
};

/* Sets up the per-worker counters (before the workers start). */
void	 stats_init(int nworkers);
/* Fills r with worker w's entries of service and backend (may be NULL). */
void	 stats_ref_get(struct worker *w, const char *service,
	    const char *backend, struct stats_ref *r);
/* In-flight requests through a kept reference (the worker's thread). */
void	 stats_inflight_ref(const struct stats_ref *r, int delta);

/* Counts one request on worker w (the worker's thread only). */
void	 stats_request(struct worker *w, const struct stats_req *sr);
/* In-flight requests per service/backend (the worker's thread only). */
void	 stats_inflight(struct worker *w, const char *service,
	    const char *backend, int delta);
/*
 * One failed connect to backend of service (the worker's thread only).
 * sr_connect_failures cannot say which backend failed when a retry went
 * elsewhere, so the per-backend count comes from here; sr's count goes
 * to the service.
 */
void	 stats_connect_failed(struct worker *w, const char *service,
	    const char *backend);

/* Requests received and client connections open, all workers. */
uint64_t stats_requests_total(void);
uint64_t stats_connections(void);

/* Appends the whole /metrics page (Prometheus text format 0.0.4). */
void	 stats_metrics(struct gw_buf *out);
/* "show stats" of the control socket: text and JSON object fields. */
void	 stats_show(struct gw_buf *text, struct gw_buf *json);

/*
 * Starts the thread that writes per-service and per-backend counters of
 * the last interval to the traffic_stats table every interval_ms, on its
 * own DB connection (path).  0, or -1 with errbuf set.
 */
int	 stats_flush_start(const char *db_path, int64_t interval_ms,
	    char *errbuf, size_t errlen);
/* Flushes once more and stops the thread (at shutdown). */
void	 stats_flush_stop(void);
/*
 * One flush on db at now_ms: the flush thread's step, for the tests.
 * After a failure (a busy database) the counts stay for the next one.
 * 0, or -1 with errbuf set.
 */
int	 stats_flush_now(struct sqlite3 *db, int64_t now_ms, char *errbuf,
	    size_t errlen);

/*
 * Pure parts, exposed for the unit tests.  stats_bucket() is the bucket
 * of a latency (the first bound it does not exceed; STATS_NBUCKETS for
 * +Inf).  stats_quantile() estimates quantile q (0..1) of a histogram of
 * STATS_NBUCKETS + 1 non-cumulative counts as Prometheus'
 * histogram_quantile() does (linear within the bucket; the largest
 * finite bound for +Inf), in seconds, or -1 when it is empty.
 * stats_label_escape() appends s as a label value of the text format
 * (backslash, double quote and newline escaped).
 */
int	 stats_bucket(int64_t ns);
double	 stats_quantile(const uint64_t *buckets, double q);
void	 stats_label_escape(struct gw_buf *out, const char *s);

#endif /* GWPROXY_STATS_H */
