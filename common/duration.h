/*
 * duration: durations and byte sizes as operators write them, and the clock.
 *
 * Durations are sums of a decimal number and a unit, Go-style: "250ms",
 * "5s", "1m30s", "1.5h"; units ms, s, m, h, d.  A bare "0" is zero; any
 * other number needs a unit (is "30" seconds or milliseconds?).  Values are
 * integer milliseconds; finer parts are rejected, not rounded.
 * Sizes are a decimal integer and an optional unit: B, k/KiB, m/MiB,
 * g/GiB (powers of 1024, the k/m/g spelling as NGINX reads it), and KB, MB,
 * GB (powers of 1000).  Points in time are RFC 3339 date-times.  Parsing
 * is pure; errors say why in words.
 */
#ifndef GW_DURATION_H
#define GW_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Longest duration gw accepts anywhere: 30 days, in milliseconds. */
#define GW_DURATION_MAX_MS	(30LL * 24 * 3600 * 1000)

/*
 * Parses s into *ms.  Returns 0, or -1 with *errstr set to a static
 * description ("missing unit", "unknown unit", "too large", ...).
 */
int		 gw_duration_parse(const char *s, int64_t *ms,
		    const char **errstr);
/*
 * Formats ms (>= 0) in the shortest canonical form that parses back to
 * the same value: 0 -> "0s", 1500 -> "1.5s", 90000 -> "1m30s",
 * 250 -> "250ms".  Returns buf.
 */
char		*gw_duration_fmt(int64_t ms, char *buf, size_t len);

/* Largest size accepted: 1 TiB. */
#define GW_SIZE_MAX_BYTES	(1LL << 40)

int		 gw_size_parse(const char *s, int64_t *bytes,
		    const char **errstr);
/* "64KiB", "1MiB", "100B"; exact (never rounds).  Returns buf. */
char		*gw_size_fmt(int64_t bytes, char *buf, size_t len);

/*
 * Parses an RFC 3339 date-time ("2026-11-26T09:30:00Z",
 * "2026-11-26 10:30:00.250+01:00"; T or a space, Z or an offset, any
 * fraction of a second, finer than a millisecond dropped) into
 * milliseconds since the Unix epoch.  Times before the epoch are refused.
 * Returns 0, or -1 with *errstr a static reason.
 */
int		 gw_time_parse(const char *s, int64_t *ms, const char **errstr);
/* Wall clock in milliseconds since the Unix epoch. */
int64_t		 gw_now_ms(void);
/* Monotonic clock in milliseconds, for timeouts. */
int64_t		 gw_mono_ms(void);

#endif /* GW_DURATION_H */
