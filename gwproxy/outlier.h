/*
 * outlier: passive health, what Envoy calls outlier detection.
 *
 * Every answer a backend gives (or fails to give) is reported here:
 * outlier_report() counts consecutive 5xx responses and consecutive
 * gateway failures (connect failure, reset, timeout, an unreadable
 * response) per backend over all workers.  When one streak reaches the
 * service's threshold (outlier_detection.consecutive_5xx,
 * .consecutive_gateway_failures; 0 turns one off) the backend is ejected:
 * the balancers pass it over until the ejection ends.  The n-th ejection
 * in a row lasts n x base_ejection_time, at most max_ejection_time; the
 * count starts again once the backend has gone max_ejection_time without
 * one.  At most max_ejection_percent of a service's backends are ejected
 * at once, and always at least one may be.
 *
 * State is one struct outlier per service and backend name, shared by
 * the workers and kept for the life of the process (it survives reloads,
 * as the stats do).  The request path reads and writes atomics only;
 * an ejection decision (rare) takes a mutex so that two workers cannot
 * both eject past the cap.  Ejections and their ends are queued and
 * written to the DB (health_transitions, source gwproxy, and
 * backend_ejections) by the stats flush thread through outlier_flush().
 */
#ifndef GWPROXY_OUTLIER_H
#define GWPROXY_OUTLIER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct gw_service;
struct gw_backend;

enum outlier_result {
	OUT_OK,		/* a response below 500 */
	OUT_5XX,	/* a response of 500 or more from the backend */
	OUT_GATEWAY	/* no usable response: connect, reset, timeout */
};

struct outlier {
	atomic_int	 o_5xx;		/* 5xx in a row */
	atomic_int	 o_gateway;	/* gateway failures in a row */
	atomic_llong	 o_until_ms;	/* ejected while now < this; 0 none */
	/* Under the module's mutex. */
	int		 o_ejections;	/* in a row, for the duration */
	int64_t		 o_end_ms;	/* when the last ejection ended */
	char		 o_service[64];
	char		 o_backend[280];	/* "host:port" */
	char		 o_host[256];
	int		 o_port;
	struct outlier	*o_next;	/* hash chain */
};

/* The entry of backend be (named name) of service; created on first use. */
struct outlier	*outlier_get(const char *service, const struct gw_backend *be,
		    const char *name);

/* Whether o is ejected at now_ms (any thread, no lock). */
static inline int
outlier_ejected(const struct outlier *o, int64_t now_ms)
{
	return o != NULL && atomic_load_explicit(&o->o_until_ms,
	    memory_order_relaxed) > now_ms;
}

/*
 * Reports one result of backend i of service sv, whose entries are
 * out[0..n).  Ejects it (and queues the event) when a streak reaches its
 * threshold and the cap allows.  Any worker thread.
 */
void		 outlier_report(struct outlier *const *out, size_t n, size_t i,
		    const struct gw_service *sv, enum outlier_result r,
		    int64_t now_ms);

/* How many of out[0..n) are ejected at now_ms. */
size_t		 outlier_count(struct outlier *const *out, size_t n,
		    int64_t now_ms);

/*
 * Ends the ejections that are over at now_ms and writes every queued
 * event to db (the stats thread).  Events that could not be written wait
 * for the next call.  0, or -1 with errbuf set.
 */
int		 outlier_flush(sqlite3 *db, int64_t now_ms, const char *instance,
		    char *errbuf, size_t errlen);

/* Ejected backends as text lines and a JSON array (control socket). */
struct gw_buf;
void		 outlier_show(struct gw_buf *text, struct gw_buf *json,
		    int64_t now_ms);

/*
 * Pure parts, for the unit tests.  outlier_duration_ms(): the n-th
 * ejection in a row (n >= 1) lasts n x base, at most max.
 * outlier_cap(): how many of n backends may be ejected at once with
 * max_pct: floor(n x pct / 100), but at least 1.
 */
int64_t		 outlier_duration_ms(int n, int64_t base_ms, int64_t max_ms);
size_t		 outlier_cap(size_t n, int64_t max_pct);

#endif /* GWPROXY_OUTLIER_H */
