/*
 * test_hsched: gwhealth's check delays (jitter bounds, both ends reached,
 * no jitter, the spread of a sweep) and the lateness histogram (bucket
 * edges, relative error, percentiles, merge).
 */
#include <stdint.h>
#include <stdio.h>

#include "../../gwhealth/sched.h"
#include "t.h"

static void
test_jitter(void)
{
	static const struct {
		int64_t	interval_ms, jitter_pct;
	} v[] = {
		{ 100, 0 }, { 100, 10 }, { 1000, 10 }, { 5000, 10 },
		{ 5000, 50 }, { 86400000, 50 }, { 1, 50 }, { 333, 7 },
	};
	size_t		i;
	uint64_t	k;
	int64_t		lo, hi, d, min, max;
	double		sum;
	int		inside;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		lo = v[i].interval_ms * 1000 -
		    v[i].interval_ms * 1000 * v[i].jitter_pct / 100;
		hi = v[i].interval_ms * 1000 +
		    v[i].interval_ms * 1000 * v[i].jitter_pct / 100;
		T_INTEQ(sched_delay_us(v[i].interval_ms, v[i].jitter_pct, 0),
		    lo, "%lld ms +-%lld%%: rnd 0 is the low end",
		    (long long)v[i].interval_ms, (long long)v[i].jitter_pct);
		T_INTEQ(sched_delay_us(v[i].interval_ms, v[i].jitter_pct,
		    UINT32_MAX), hi, "%lld ms +-%lld%%: rnd max: the high end",
		    (long long)v[i].interval_ms, (long long)v[i].jitter_pct);
		inside = 1;
		min = INT64_MAX;
		max = INT64_MIN;
		sum = 0;
		/* A sweep of the 32-bit range, 65537 points. */
		for (k = 0; k <= UINT32_MAX; k += 65535) {
			d = sched_delay_us(v[i].interval_ms, v[i].jitter_pct,
			    (uint32_t)k);
			if (d < lo || d > hi)
				inside = 0;
			if (d < min)
				min = d;
			if (d > max)
				max = d;
			sum += (double)d;
		}
		T_OK(inside, "%lld ms +-%lld%%: every delay in [%lld, %lld] us",
		    (long long)v[i].interval_ms, (long long)v[i].jitter_pct,
		    (long long)lo, (long long)hi);
		T_OK(min == lo && max == hi, "%lld ms: the sweep reaches both "
		    "ends", (long long)v[i].interval_ms);
		sum /= 65537.0;
		T_OK(sum > (double)v[i].interval_ms * 1000 * 0.999 &&
		    sum < (double)v[i].interval_ms * 1000 * 1.001,
		    "%lld ms +-%lld%%: centred on the interval (mean %.0f us)",
		    (long long)v[i].interval_ms, (long long)v[i].jitter_pct,
		    sum);
	}
	T_INTEQ(sched_delay_us(100, 0, 12345), 100000,
	    "no jitter: exactly the interval");
	T_OK(sched_delay_us(100, 50, 0) > 0, "the delay stays positive");
}

static void
test_buckets(void)
{
	uint64_t	v, up;
	int		b, prev = -1, ok = 1, mono = 1, err = 1;

	for (v = 0; v < 16; v++)
		T_INTEQ(sched_hist_upper(sched_hist_bucket(v)), v,
		    "%llu us has its own bucket", (unsigned long long)v);
	/* Every value fits its bucket; buckets grow with values. */
	for (v = 0; v < (1ULL << 30); v = v < 100 ? v + 1 : v + v / 7) {
		b = sched_hist_bucket(v);
		up = sched_hist_upper(b);
		if (b < prev)
			mono = 0;
		prev = b;
		if (up < v || (b > 0 && sched_hist_upper(b - 1) >= v))
			ok = 0;
		/* Upper end within 12.5 % of the value. */
		if ((double)up > (double)v * 1.125 + 1)
			err = 0;
	}
	T_OK(ok, "each value is in (upper(b-1), upper(b)]");
	T_OK(mono, "buckets never go down as values go up");
	T_OK(err, "a bucket's upper end is within 12.5 %% of its values");
	T_INTEQ(sched_hist_bucket(UINT64_MAX), SCHED_HIST_N - 1,
	    "huge values land in the last bucket");
}

static void
test_percentiles(void)
{
	struct sched_hist	h, g;
	uint64_t		p;
	int			i;

	sched_hist_reset(&h);
	T_INTEQ(sched_hist_pct(&h, 99), 0, "no samples: 0");
	for (i = 1; i <= 1000; i++)
		sched_hist_add(&h, (uint64_t)i * 100);	/* 0.1 .. 100 ms */
	T_INTEQ(h.sh_n, 1000, "1000 samples");
	T_INTEQ(h.sh_max, 100000, "max kept exactly");
	p = sched_hist_pct(&h, 50);
	T_OK(p >= 50000 && p <= 50000 * 1.125, "p50 of 0.1..100 ms is "
	    "about 50 ms (%llu us)", (unsigned long long)p);
	p = sched_hist_pct(&h, 99);
	T_OK(p >= 99000 && p <= 100000, "p99 is about 99 ms, never above "
	    "the max (%llu us)", (unsigned long long)p);
	T_INTEQ(sched_hist_pct(&h, 100), 100000, "p100 is the max");
	sched_hist_reset(&g);
	for (i = 0; i < 99; i++)
		sched_hist_add(&g, 10);
	sched_hist_add(&g, 1000000);
	T_INTEQ(sched_hist_pct(&g, 99), 10, "one late outlier in 100: p99 "
	    "is the rest");
	T_INTEQ(sched_hist_pct(&g, 99.5), 1000000, "p99.5 is the outlier");
	sched_hist_merge(&g, &h);
	T_INTEQ(g.sh_n, 1100, "merge adds counts");
	T_INTEQ(g.sh_max, 1000000, "merge keeps the max");
	T_INTEQ(g.sh_sum, h.sh_sum + 99 * 10 + 1000000, "merge adds sums");
}

int
main(void)
{
	test_jitter();
	test_buckets();
	test_percentiles();
	return t_done();
}
