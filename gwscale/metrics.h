/*
 * metrics: reads the current value of a target's metrics, from the
 * gateway's own stats in the DB (store.c) or from a Prometheus server's
 * HTTP API (an instant query, /api/v1/query).
 *
 * A read that fails is reported as unavailable with its reason, never as
 * zero: no gwproxy alive, a Prometheus that is down, answers an error,
 * an empty result (write `or vector(0)` in the query to mean zero), more
 * than one series, or a value that is not a finite number.
 */
#ifndef GWSCALE_METRICS_H
#define GWSCALE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "scale.h"

/* The largest Prometheus answer read: an instant query of one series is
 * a few hundred bytes. */
#define METRICS_BODY_MAX	(1024 * 1024)

struct metrics;

struct metrics	*metrics_open(sqlite3 *, long timeout_ms);
void		 metrics_close(struct metrics *);

/* One metric at now: 0 with *value, or -1 with err (unavailable). */
int	metrics_read(struct metrics *, const struct gw_scale_metric *,
	    int64_t now, double *value, char *err, size_t errlen);

/*
 * The value of a Prometheus /api/v1/query answer: a vector of exactly one
 * sample or a scalar.  Pure, for the tests.  0, or -1 with err.
 */
int	metrics_prom_parse(const char *body, size_t len, double *value,
	    char *err, size_t errlen);

#endif /* GWSCALE_METRICS_H */
