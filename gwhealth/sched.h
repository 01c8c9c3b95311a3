/*
 * sched: when the next check of a backend runs, and how late checks ran.
 *
 * The next check is armed when the previous one ends, after the service's
 * interval (its fast interval while a change of state is pending) moved
 * by a random amount of up to jitter percent either way, so that checks of
 * many backends started together drift apart instead of hitting the
 * backends (and gwhealth's loop) in bursts.  sched_delay_us() is that
 * choice as a pure function of a random number the caller draws.
 *
 * Lateness is how long after its scheduled time a check really started
 * (timer slack, a busy loop, the in-flight cap).  struct sched_hist is a
 * log-linear histogram of it: exact below 16 us, then 8 buckets per power
 * of two, so a percentile is reported within 12.5 % of the truth, with no
 * allocation and O(1) adds.  Pure: no clock, no I/O.
 */
#ifndef GWHEALTH_SCHED_H
#define GWHEALTH_SCHED_H

#include <stdint.h>

/* Buckets: 16 exact ones, then 8 per power of two up to 2^40 us. */
#define SCHED_HIST_EXACT	16
#define SCHED_HIST_SUB		8
#define SCHED_HIST_MAXLOG	40
#define SCHED_HIST_N		(SCHED_HIST_EXACT + \
	(SCHED_HIST_MAXLOG - 4) * SCHED_HIST_SUB)

/*
 * The delay before the next check, in microseconds: interval_ms (>= 1)
 * plus or minus up to jitter_pct (0..50) percent of it, rnd (uniform over
 * 32 bits) picking where in [interval - j, interval + j], both ends
 * included (rnd 0 and UINT32_MAX).
 */
int64_t		 sched_delay_us(int64_t interval_ms, int64_t jitter_pct,
		    uint32_t rnd);

struct sched_hist {
	uint64_t	sh_n;		/* samples */
	uint64_t	sh_max;		/* largest sample, us */
	uint64_t	sh_sum;		/* for the mean, us */
	uint64_t	sh_b[SCHED_HIST_N];
};

void		 sched_hist_reset(struct sched_hist *h);
void		 sched_hist_add(struct sched_hist *h, uint64_t us);
/* Adds every sample of src to dst. */
void		 sched_hist_merge(struct sched_hist *dst,
		    const struct sched_hist *src);
/*
 * The pct-th percentile (0 < pct <= 100), in microseconds: the upper end
 * of the bucket holding it, never more than the largest sample.  0 when
 * there is no sample.
 */
uint64_t	 sched_hist_pct(const struct sched_hist *h, double pct);
/* The bucket of a value and a bucket's upper end (for the tests). */
int		 sched_hist_bucket(uint64_t us);
uint64_t	 sched_hist_upper(int bucket);

#endif /* GWHEALTH_SCHED_H */
