/*
 * sched: check delays with jitter, and the lateness histogram; see
 * sched.h.
 */
#include <string.h>

#include "sched.h"

int64_t
sched_delay_us(int64_t interval_ms, int64_t jitter_pct, uint32_t rnd)
{
	int64_t		base = interval_ms * 1000, span;
	uint64_t	width, q, r;

	if (jitter_pct <= 0)
		return base;
	span = base * jitter_pct / 100;
	/*
	 * rnd * 2 span / UINT32_MAX spreads 0 .. UINT32_MAX over 0 .. 2 span,
	 * both ends included; the width is divided first so the product
	 * never overflows (2 span is below 2^38).
	 */
	width = (uint64_t)(2 * span);
	q = width / UINT32_MAX;
	r = width % UINT32_MAX;
	return base - span + (int64_t)((uint64_t)rnd * q +
	    (uint64_t)rnd * r / UINT32_MAX);
}

void
sched_hist_reset(struct sched_hist *h)
{
	memset(h, 0, sizeof(*h));
}

int
sched_hist_bucket(uint64_t us)
{
	int	e;

	if (us < SCHED_HIST_EXACT)
		return (int)us;
	e = 63 - __builtin_clzll(us);
	if (e >= SCHED_HIST_MAXLOG)
		return SCHED_HIST_N - 1;
	return SCHED_HIST_EXACT + (e - 4) * SCHED_HIST_SUB +
	    (int)((us >> (e - 3)) & (SCHED_HIST_SUB - 1));
}

uint64_t
sched_hist_upper(int bucket)
{
	int		e, sub;
	uint64_t	lower;

	if (bucket < SCHED_HIST_EXACT)
		return (uint64_t)bucket;
	e = (bucket - SCHED_HIST_EXACT) / SCHED_HIST_SUB + 4;
	sub = (bucket - SCHED_HIST_EXACT) % SCHED_HIST_SUB;
	lower = (uint64_t)(SCHED_HIST_SUB + sub) << (e - 3);
	return lower + (1ULL << (e - 3)) - 1;
}

void
sched_hist_add(struct sched_hist *h, uint64_t us)
{
	h->sh_n++;
	h->sh_sum += us;
	if (us > h->sh_max)
		h->sh_max = us;
	h->sh_b[sched_hist_bucket(us)]++;
}

void
sched_hist_merge(struct sched_hist *dst, const struct sched_hist *src)
{
	int	i;

	dst->sh_n += src->sh_n;
	dst->sh_sum += src->sh_sum;
	if (src->sh_max > dst->sh_max)
		dst->sh_max = src->sh_max;
	for (i = 0; i < SCHED_HIST_N; i++)
		dst->sh_b[i] += src->sh_b[i];
}

uint64_t
sched_hist_pct(const struct sched_hist *h, double pct)
{
	uint64_t	rank, seen = 0, up;
	int		i;

	if (h->sh_n == 0)
		return 0;
	/* The smallest value with at least pct % of samples at or below. */
	rank = (uint64_t)((double)h->sh_n * pct / 100.0 + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > h->sh_n)
		rank = h->sh_n;
	for (i = 0; i < SCHED_HIST_N; i++) {
		seen += h->sh_b[i];
		if (seen >= rank)
			break;
	}
	up = sched_hist_upper(i < SCHED_HIST_N ? i : SCHED_HIST_N - 1);
	return up < h->sh_max ? up : h->sh_max;
}
