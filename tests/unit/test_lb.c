/*
 * test_lb: gwproxy's balancers as pure functions: the exact smooth WRR
 * sequences, round robin, skip flags and unusable backends under every
 * policy, the spread of random and power-of-two choices (fixed seeds, so
 * deterministic), consistent-hash disruption and spread, peak EWMA
 * updates and decay, and the latency policy's preferences.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "../../gwproxy/lb.h"
#include "t.h"

#define NBE_MAX		16
#define MS		(1000LL * 1000)
#define SEED		UINT64_C(12345)

/* Named here, not with gw_lb_names, so the test links with lb.c alone. */
static const struct {
	int		 policy;
	const char	*name;
} policies[] = {
	{ GW_LB_ROUND_ROBIN, "round_robin" },
	{ GW_LB_WEIGHTED, "weighted" },
	{ GW_LB_LEAST_REQUEST, "least_request" },
	{ GW_LB_RANDOM, "random" },
	{ GW_LB_HASH, "hash" },
	{ GW_LB_LATENCY, "latency" }
};
#define NPOLICIES	(sizeof(policies) / sizeof(policies[0]))

static void	be_setup(struct lb_backend *, size_t, const uint32_t *);
static uint64_t	key_of(unsigned long);
static void	seq(struct lb *, int, const uint8_t *, char *);
static int	within(long, double, double);
static void	p2c_loop(struct lb *, int, int, long *);
static void	ring_map(struct lb *, uint64_t *, unsigned long);

/* Backends named 10.0.0.i:8080, usable, fresh state; weights 1 or w[]. */
static void
be_setup(struct lb_backend *be, size_t n, const uint32_t *w)
{
	char	 addr[64];
	size_t	 i;

	memset(be, 0, n * sizeof(*be));
	for (i = 0; i < n; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%zu:8080", i + 1);
		be[i].lb_weight = w != NULL ? w[i] : 1;
		be[i].lb_usable = 1;
		be[i].lb_key = lb_hash(addr, strlen(addr));
	}
}

/* A request key as the proxy makes one: the hash of a client address. */
static uint64_t
key_of(unsigned long i)
{
	char	 ip[64];

	snprintf(ip, sizeof(ip), "192.168.%lu.%lu", (i >> 8) & 0xffff,
	    i & 0xff);
	if (i >> 24)
		snprintf(ip, sizeof(ip), "k%lu", i);
	return lb_hash(ip, strlen(ip));
}

/* k picks as letters ('a' for backend 0, '-' for none). */
static void
seq(struct lb *lb, int k, const uint8_t *skip, char *out)
{
	long	 i;
	int	 j;

	for (j = 0; j < k; j++) {
		i = lb_pick(lb, 0, skip, 0);
		out[j] = i < 0 ? '-' : (char)('a' + i);
	}
	out[k] = '\0';
}

/* |got - want| <= tol * want. */
static int
within(long got, double want, double tol)
{
	return fabs((double)got - want) <= tol * want;
}

static void
test_hash(void)
{
	unsigned char	 buf[8];
	uint64_t	 h, d, flips = 0, i;
	int		 b;

	/* FNV-1a 64 of "" and "a" (the FNV reference vectors), then fmix64. */
	T_OK(lb_hash("", 0) == UINT64_C(0xefd01f60ba992926),
	    "lb_hash(\"\") is fmix64(FNV-1a offset basis)");
	T_OK(lb_hash("a", 1) == UINT64_C(0x82a2a958a9bece5b),
	    "lb_hash(\"a\") is fmix64(0xaf63dc4c8601ec8c)");
	T_OK(lb_hash("10.0.0.1:8080", 13) == UINT64_C(0xe8c721156ed52b14),
	    "lb_hash of an address is stable");
	/* Avalanche: flipping one input bit flips about half the output. */
	for (i = 0; i < 1000; i++) {
		for (b = 0; b < 8; b++)
			buf[b] = (unsigned char)(i >> (8 * b));
		h = lb_hash(buf, sizeof(buf));
		buf[(i % 64) / 8] ^= (unsigned char)(1u << (i % 8));
		for (d = h ^ lb_hash(buf, sizeof(buf)); d != 0; d &= d - 1)
			flips++;
	}
	T_OK(flips > 31000 && flips < 33000,
	    "one flipped input bit flips ~32 output bits (%.2f)",
	    flips / 1000.0);
}

static void
test_init(void)
{
	struct lb_backend	 be[2];
	struct lb		 lb;

	be_setup(be, 2, NULL);
	T_INTEQ(lb_init(&lb, GW_LB_ROUND_ROBIN, be, 0, SEED), -1,
	    "lb_init refuses no backends");
	T_INTEQ(lb_init(&lb, 99, be, 2, SEED), -1,
	    "lb_init refuses an unknown policy");
	lb_free(&lb);
	T_INTEQ(lb_init(&lb, GW_LB_HASH, be, 2, 0), 0,
	    "lb_init with seed 0");
	T_OK(lb.lb_rng != 0, "seed 0 gives a non-zero RNG state");
	T_INTEQ(lb.lb_nring, 2 * LB_RING_VNODES, "ring has 64 points each");
	lb_free(&lb);
	lb_free(&lb);
	T_OK(lb.lb_ring == NULL, "lb_free twice is harmless");
}

static void
test_swrr(void)
{
	static const uint32_t	 w511[] = { 5, 1, 1 }, w32[] = { 3, 2 };
	struct lb_backend	 be[3];
	struct lb		 lb;
	uint8_t			 skip[3] = { 0, 1, 0 };
	char			 got[64];
	long			 cnt[3] = { 0, 0, 0 }, i;
	int			 j, cycles_ok = 1;

	be_setup(be, 3, w511);
	lb_init(&lb, GW_LB_WEIGHTED, be, 3, SEED);
	seq(&lb, 28, NULL, got);
	T_STREQ(got, "aabacaa" "aabacaa" "aabacaa" "aabacaa",
	    "weights 5,1,1: a a b a c a a, four cycles");

	/* 1000 picks: every cycle of 7 holds exactly 5, 1, 1. */
	be_setup(be, 3, w511);
	for (j = 0; j < 1000; j++) {
		i = lb_pick(&lb, 0, NULL, 0);
		if (i >= 0)
			cnt[i]++;
		if (j % 7 == 6 && (cnt[0] != 5 * (j / 7 + 1) ||
		    cnt[1] != j / 7 + 1 || cnt[2] != j / 7 + 1))
			cycles_ok = 0;
	}
	T_OK(cycles_ok, "weights 5,1,1: every cycle of 7 is exactly 5,1,1");
	T_OK(cnt[0] == 714 && cnt[1] == 143 && cnt[2] == 143,
	    "weights 5,1,1: 1000 picks are 714,143,143 (%ld,%ld,%ld)",
	    cnt[0], cnt[1], cnt[2]);

	be_setup(be, 2, w32);
	lb_init(&lb, GW_LB_WEIGHTED, be, 2, SEED);
	seq(&lb, 20, NULL, got);
	T_STREQ(got, "ababa" "ababa" "ababa" "ababa",
	    "weights 3,2: a b a b a, four cycles");
	cnt[0] = cnt[1] = 0;
	for (j = 0; j < 1000; j++)
		cnt[lb_pick(&lb, 0, NULL, 0)]++;
	T_OK(cnt[0] == 600 && cnt[1] == 400,
	    "weights 3,2: 1000 picks are 600,400 (%ld,%ld)", cnt[0], cnt[1]);

	/* Unusable and skipped backends are left out of the round. */
	be_setup(be, 3, w511);
	be[0].lb_usable = 0;
	lb_init(&lb, GW_LB_WEIGHTED, be, 3, SEED);
	seq(&lb, 6, NULL, got);
	T_STREQ(got, "bcbcbc", "weights 5,1,1, a unusable: b c b c b c");
	be_setup(be, 3, w511);
	seq(&lb, 12, skip, got);
	T_STREQ(got, "aaacaa" "aaacaa",
	    "weights 5,1,1, b skipped: the round of 5,1 (a a a c a a)");
	be_setup(be, 3, w511);
	be[2].lb_weight = 0;
	seq(&lb, 7, NULL, got);
	T_STREQ(got, "aabacaa", "weight 0 counts as the minimum, 1");
}

static void
test_rr(void)
{
	static const uint32_t	 w[] = { 5, 1, 1 };
	struct lb_backend	 be[3];
	struct lb		 lb;
	uint8_t			 skip[3] = { 0, 0, 1 };
	char			 got[32];

	be_setup(be, 3, w);
	lb_init(&lb, GW_LB_ROUND_ROBIN, be, 3, SEED);
	seq(&lb, 9, NULL, got);
	T_STREQ(got, "abcabcabc", "round robin: each in turn, weights ignored");
	be[1].lb_usable = 0;
	seq(&lb, 6, NULL, got);
	T_STREQ(got, "acacac", "round robin: unusable b is passed over");
	be[1].lb_usable = 1;
	seq(&lb, 3, NULL, got);
	T_STREQ(got, "abc", "round robin: b back in turn once usable");
	seq(&lb, 4, skip, got);
	T_STREQ(got, "abab", "round robin: skipped c is passed over");
}

/* Every policy: only eligible backends, -1 when there is none. */
static void
test_eligible(void)
{
	struct lb_backend	 be[4];
	struct lb		 lb;
	uint8_t			 skip[4] = { 0, 1, 0, 0 };
	uint8_t			 all[4] = { 1, 1, 1, 1 };
	uint8_t			 but3[4] = { 1, 1, 1, 0 };
	long			 cnt[4], i;
	size_t			 p;
	int			 j, bad, none;

	for (p = 0; p < NPOLICIES; p++) {
		be_setup(be, 4, NULL);
		be[3].lb_usable = 0;
		lb_init(&lb, policies[p].policy, be, 4, SEED);
		memset(cnt, 0, sizeof(cnt));
		for (j = 0; j < 1000; j++) {
			i = lb_pick(&lb, key_of((unsigned long)j), skip, 0);
			if (i >= 0 && i < 4)
				cnt[i]++;
		}
		T_OK(cnt[0] > 0 && cnt[2] > 0 && cnt[0] + cnt[2] == 1000,
		    "%s: skipped and unusable never chosen (%ld,%ld,%ld,%ld)",
		    policies[p].name, cnt[0], cnt[1], cnt[2], cnt[3]);

		be[3].lb_usable = 1;
		for (j = 0, bad = 0; j < 100; j++) {
			i = lb_pick(&lb, key_of((unsigned long)j), but3, 0);
			bad += i != 3;
		}
		T_INTEQ(bad, 0, "%s: the one backend left is always chosen",
		    policies[p].name);

		none = lb_pick(&lb, 7, all, 0) == -1;
		for (j = 0; j < 4; j++)
			be[j].lb_usable = 0;
		none = none && lb_pick(&lb, 7, NULL, 0) == -1;
		be[1].lb_usable = be[2].lb_usable = 1;
		skip[2] = 1;
		none = none && lb_pick(&lb, 7, skip, 0) == -1;
		skip[2] = 0;
		T_OK(none, "%s: -1 when all skipped, all unusable, or a mix",
		    policies[p].name);
		lb_free(&lb);
	}
}

static void
test_random(void)
{
	static const uint32_t	 w[] = { 5, 1, 1, 1 };
	struct lb_backend	 be[4];
	struct lb		 lb, lb2;
	long			 cnt[4] = { 0, 0, 0, 0 };
	int			 j, ok = 1, same = 1;

	be_setup(be, 4, w);
	lb_init(&lb, GW_LB_RANDOM, be, 4, SEED);
	for (j = 0; j < 100000; j++)
		cnt[lb_pick(&lb, 0, NULL, 0)]++;
	for (j = 0; j < 4; j++)
		ok = ok && within(cnt[j], 25000, 0.03);
	T_OK(ok, "random: uniform within 3%%, weights ignored "
	    "(%ld,%ld,%ld,%ld)", cnt[0], cnt[1], cnt[2], cnt[3]);

	lb_init(&lb, GW_LB_RANDOM, be, 4, 42);
	lb_init(&lb2, GW_LB_RANDOM, be, 4, 42);
	for (j = 0; j < 100; j++)
		same = same && lb_pick(&lb, 0, NULL, 0) ==
		    lb_pick(&lb2, 0, NULL, 0);
	T_OK(same, "random: one seed, one sequence");
	lb_init(&lb2, GW_LB_RANDOM, be, 4, 43);
	for (j = 0, same = 1; j < 100; j++)
		same = same && lb_pick(&lb, 0, NULL, 0) ==
		    lb_pick(&lb2, 0, NULL, 0);
	T_OK(!same, "random: another seed, another sequence");
}

/*
 * Closed loop: conc requests in flight, each lasting conc picks (FIFO),
 * so a backend's share of picks is its share of the in-flight requests.
 */
static void
p2c_loop(struct lb *lb, int conc, int picks, long *cnt)
{
	long	 fifo[256], i;
	int	 j, head = 0;

	for (j = 0; j < conc + picks; j++) {
		if (j >= conc)
			lb_done(lb, (size_t)fifo[head], 1 * MS, 0);
		i = lb_pick(lb, 0, NULL, 0);
		lb_start(lb, (size_t)i);
		fifo[head] = i;
		head = (head + 1) % conc;
		if (j >= conc)
			cnt[i]++;
	}
}

static void
test_least_request(void)
{
	static const uint32_t	 w31[] = { 3, 1 }, w3111[] = { 3, 1, 1, 1 };
	struct lb_backend	 be[4];
	struct lb		 lb;
	long			 cnt[4] = { 0, 0, 0, 0 };
	int			 j, ok = 1;

	be_setup(be, 4, NULL);
	lb_init(&lb, GW_LB_LEAST_REQUEST, be, 4, SEED);
	for (j = 0; j < 100000; j++)
		cnt[lb_pick(&lb, 0, NULL, 0)]++;
	for (j = 0; j < 4; j++)
		ok = ok && within(cnt[j], 25000, 0.03);
	T_OK(ok, "least_request, all idle: uniform within 3%% "
	    "(%ld,%ld,%ld,%ld)", cnt[0], cnt[1], cnt[2], cnt[3]);

	/* Two candidates are always distinct: the busy one never wins. */
	be_setup(be, 3, NULL);
	be[0].lb_inflight = 10;
	lb_init(&lb, GW_LB_LEAST_REQUEST, be, 3, SEED);
	memset(cnt, 0, sizeof(cnt));
	for (j = 0; j < 10000; j++)
		cnt[lb_pick(&lb, 0, NULL, 0)]++;
	T_OK(cnt[0] == 0 && within(cnt[1], 5000, 0.05) &&
	    within(cnt[2], 5000, 0.05),
	    "least_request: busy backend never chosen, others ~half "
	    "(%ld,%ld,%ld)", cnt[0], cnt[1], cnt[2]);
	be_setup(be, 2, NULL);
	be[0].lb_inflight = 5;
	lb_init(&lb, GW_LB_LEAST_REQUEST, be, 2, SEED);
	memset(cnt, 0, sizeof(cnt));
	for (j = 0; j < 1000; j++)
		cnt[lb_pick(&lb, 0, NULL, 0)]++;
	T_INTEQ(cnt[1], 1000, "least_request: 5 in flight loses to 0");

	/* Weights: in flight per unit of weight. */
	be_setup(be, 2, w31);
	be[0].lb_inflight = be[1].lb_inflight = 2;
	lb_init(&lb, GW_LB_LEAST_REQUEST, be, 2, SEED);
	T_INTEQ(lb_pick(&lb, 0, NULL, 0), 0,
	    "least_request: same in flight, weight 3 wins over weight 1");
	be[0].lb_inflight = 7;
	T_INTEQ(lb_pick(&lb, 0, NULL, 0), 1,
	    "least_request: 7/3 in flight loses to 2/1");
	be[0].lb_inflight = 5;
	T_INTEQ(lb_pick(&lb, 0, NULL, 0), 0,
	    "least_request: 5/3 in flight wins over 2/1");

	/* Idle (a tie), candidates drawn by weight: shares follow weights. */
	be_setup(be, 2, w31);
	lb_init(&lb, GW_LB_LEAST_REQUEST, be, 2, SEED);
	memset(cnt, 0, sizeof(cnt));
	for (j = 0; j < 100000; j++)
		cnt[lb_pick(&lb, 0, NULL, 0)]++;
	T_OK(within(cnt[0], 75000, 0.02) && within(cnt[1], 25000, 0.03),
	    "least_request, weights 3,1, idle: 3:1 (%ld,%ld)", cnt[0], cnt[1]);
	be_setup(be, 4, w3111);
	lb_init(&lb, GW_LB_LEAST_REQUEST, be, 4, SEED);
	memset(cnt, 0, sizeof(cnt));
	for (j = 0; j < 100000; j++)
		cnt[lb_pick(&lb, 0, NULL, 0)]++;
	T_OK(within(cnt[0], 50000, 0.03) && within(cnt[1], 16667, 0.05) &&
	    within(cnt[2], 16667, 0.05) && within(cnt[3], 16667, 0.05),
	    "least_request, weights 3,1,1,1, idle: 3:1:1:1 (%ld,%ld,%ld,%ld)",
	    cnt[0], cnt[1], cnt[2], cnt[3]);

	/* Under load a weight-3 backend carries three times the requests. */
	be_setup(be, 2, w31);
	lb_init(&lb, GW_LB_LEAST_REQUEST, be, 2, SEED);
	memset(cnt, 0, sizeof(cnt));
	p2c_loop(&lb, 40, 40000, cnt);
	T_OK(within(cnt[0], 30000, 0.05) && within(cnt[1], 10000, 0.05),
	    "least_request, weights 3,1, 40 in flight: 3:1 (%ld,%ld)",
	    cnt[0], cnt[1]);
	be_setup(be, 4, w3111);
	lb_init(&lb, GW_LB_LEAST_REQUEST, be, 4, SEED);
	memset(cnt, 0, sizeof(cnt));
	p2c_loop(&lb, 60, 60000, cnt);
	T_OK(within(cnt[0], 30000, 0.05) && within(cnt[1], 10000, 0.05) &&
	    within(cnt[2], 10000, 0.05) && within(cnt[3], 10000, 0.05),
	    "least_request, weights 3,1,1,1, 60 in flight: 3:1:1:1 within "
	    "5%% (%ld,%ld,%ld,%ld)", cnt[0], cnt[1], cnt[2], cnt[3]);
	T_OK(be[0].lb_inflight + be[1].lb_inflight + be[2].lb_inflight +
	    be[3].lb_inflight == 60, "least_request: in-flight counts add up");
}

/* Which backend each of nkeys keys maps to, as the backend's lb_key. */
static void
ring_map(struct lb *lb, uint64_t *owner, unsigned long nkeys)
{
	unsigned long	 k;
	long		 i;

	for (k = 0; k < nkeys; k++) {
		i = lb_pick(lb, key_of(k), NULL, 0);
		owner[k] = i < 0 ? 0 : lb->lb_be[i].lb_key;
	}
}

static void
test_hash_ring(void)
{
	static const uint32_t	 w[] = { 1, 2, 3, 4 };
	enum { NKEYS = 100000, N = 10, GONE = 3 };
	struct lb_backend	 be[N], be9[N - 1], rev[N];
	struct lb		 lb, lb9, lbr;
	uint64_t		*before, *after;
	unsigned long		 k, moved_other = 0, owned = 0, moved = 0;
	long			 cnt[N], lo, hi;
	uint8_t			 skip[N] = { 0 };
	size_t			 i;
	int			 ok, sorted = 1;

	before = calloc(NKEYS, sizeof(*before));
	after = calloc(NKEYS, sizeof(*after));
	if (before == NULL || after == NULL)
		abort();

	be_setup(be, N, NULL);
	T_INTEQ(lb_init(&lb, GW_LB_HASH, be, N, SEED), 0, "hash: lb_init");
	for (i = 1; i < lb.lb_nring; i++)
		sorted = sorted &&
		    lb.lb_ring[i - 1].rp_hash <= lb.lb_ring[i].rp_hash;
	T_OK(sorted && lb.lb_nring == N * LB_RING_VNODES,
	    "hash: ring of 640 points, sorted");

	/* Spread: each backend within 25% of the mean. */
	memset(cnt, 0, sizeof(cnt));
	for (k = 0; k < NKEYS; k++)
		cnt[lb_pick(&lb, key_of(k), NULL, 0)]++;
	lo = hi = cnt[0];
	for (i = 0, ok = 1; i < N; i++) {
		ok = ok && within(cnt[i], NKEYS / N, 0.25);
		lo = cnt[i] < lo ? cnt[i] : lo;
		hi = cnt[i] > hi ? cnt[i] : hi;
	}
	T_OK(ok, "hash: 10 backends, 100k keys, each within 25%% of the mean "
	    "(%ld..%ld)", lo, hi);

	/* Removing a backend moves exactly the keys it owned. */
	ring_map(&lb, before, NKEYS);
	memcpy(be9, be, GONE * sizeof(*be));
	memcpy(be9 + GONE, be + GONE + 1, (N - GONE - 1) * sizeof(*be));
	lb_init(&lb9, GW_LB_HASH, be9, N - 1, SEED);
	ring_map(&lb9, after, NKEYS);
	for (k = 0; k < NKEYS; k++) {
		if (before[k] == be[GONE].lb_key) {
			owned++;
			if (after[k] != before[k])
				moved++;
		} else if (after[k] != before[k])
			moved_other++;
	}
	T_INTEQ(moved_other, 0, "hash: removing 1 of 10 moves no other key");
	T_OK(owned > 0 && moved == owned,
	    "hash: all %lu keys of the removed backend moved", owned);

	/* Unusable, or skipped, is the same as removed. */
	be[GONE].lb_usable = 0;
	ring_map(&lb, before, NKEYS);
	T_OK(memcmp(before, after, NKEYS * sizeof(*before)) == 0,
	    "hash: an unusable backend's keys go where removal sends them");
	be[GONE].lb_usable = 1;
	skip[GONE] = 1;
	for (k = 0, ok = 1; k < NKEYS; k++) {
		i = (size_t)lb_pick(&lb, key_of(k), skip, 0);
		ok = ok && be[i].lb_key == after[k];
	}
	T_OK(ok, "hash: a skipped backend's keys go where removal sends them");

	/* The ring depends on the backends, not on their order. */
	for (i = 0; i < N; i++)
		rev[i] = be[N - 1 - i];
	lb_init(&lbr, GW_LB_HASH, rev, N, SEED);
	ring_map(&lb, before, NKEYS);
	ring_map(&lbr, after, NKEYS);
	T_OK(memcmp(before, after, NKEYS * sizeof(*before)) == 0,
	    "hash: same backends in another order, same mapping");
	T_OK(lb_pick(&lb, 77, NULL, 0) == lb_pick(&lb, 77, NULL, 0),
	    "hash: a key maps to one backend every time");
	lb_free(&lb);
	lb_free(&lb9);
	lb_free(&lbr);

	/*
	 * Weights 1,2,3,4: shares 10%, 20%, 30%, 40%.  A backend's share is
	 * the sum of the arcs before its k = 64 * weight points, whose
	 * relative spread is about 1 / sqrt(k): allow three times that.
	 */
	be_setup(be, 4, w);
	lb_init(&lb, GW_LB_HASH, be, 4, SEED);
	T_INTEQ(lb.lb_nring, 10 * LB_RING_VNODES, "hash: 64 points per weight");
	memset(cnt, 0, sizeof(cnt));
	for (k = 0; k < NKEYS; k++)
		cnt[lb_pick(&lb, key_of(k), NULL, 0)]++;
	for (i = 0, ok = 1; i < 4; i++)
		ok = ok && within(cnt[i], NKEYS * w[i] / 10.0,
		    3 / sqrt(LB_RING_VNODES * w[i]));
	T_OK(ok, "hash: weights 1,2,3,4 spread keys 1:2:3:4 within 3 sigma "
	    "(%ld,%ld,%ld,%ld)", cnt[0], cnt[1], cnt[2], cnt[3]);
	lb_free(&lb);
	free(before);
	free(after);
}

static void
test_ewma(void)
{
	struct lb_backend	 be[2];
	struct lb		 lb;
	double			 want;
	int64_t			 t;
	int			 j;

	be_setup(be, 2, NULL);
	lb_init(&lb, GW_LB_LATENCY, be, 2, SEED);
	lb_start(&lb, 0);
	lb_start(&lb, 0);
	T_INTEQ(be[0].lb_inflight, 2, "lb_start counts in-flight requests");
	lb_done(&lb, 0, 10 * MS, 1000);
	lb_done(&lb, 0, 10 * MS, 1000);
	lb_done(&lb, 0, 10 * MS, 1000);
	T_INTEQ(be[0].lb_inflight, 0, "lb_done never underflows");
	lb_start(&lb, 5);
	lb_done(&lb, 5, 1, 0);
	T_OK(be[0].lb_inflight == 0 && be[1].lb_inflight == 0,
	    "an index out of range is ignored");

	be_setup(be, 2, NULL);
	lb_done(&lb, 0, 2 * MS, 1000);
	T_OK(be[0].lb_ewma_ns == 2 * MS && be[0].lb_ewma_at == 1000,
	    "first sample becomes the EWMA");
	lb_done(&lb, 0, 50 * MS, 2000);
	T_OK(be[0].lb_ewma_ns == 50 * MS, "a slow sample is taken at once");
	lb_done(&lb, 0, 1 * MS, 2000);
	T_OK(be[0].lb_ewma_ns == 50 * MS,
	    "a fast sample with no time elapsed changes nothing");

	/* At t = tau the old value weighs e^-1. */
	be_setup(be, 2, NULL);
	lb_done(&lb, 0, 10 * MS, 0);
	lb_done(&lb, 0, 1 * MS, LB_EWMA_DECAY_NS);
	want = 10 * MS * exp(-1) + 1 * MS * (1 - exp(-1));
	T_OK(fabs(be[0].lb_ewma_ns - want) < 1,
	    "after one decay constant: 10ms*e^-1 + 1ms*(1-e^-1) = %.0f ns "
	    "(%.0f)", want, be[0].lb_ewma_ns);
	for (j = 1, t = LB_EWMA_DECAY_NS; j <= 90; j++)
		lb_done(&lb, 0, 1 * MS, t + j * 1000LL * MS);
	T_OK(be[0].lb_ewma_ns > 1 * MS && be[0].lb_ewma_ns < 1.001 * MS,
	    "fast samples over 10 decay constants bring it to ~1ms (%.0f)",
	    be[0].lb_ewma_ns);

	/* Failures. */
	be_setup(be, 2, NULL);
	lb_start(&lb, 0);
	lb_done(&lb, 0, -1, 0);
	T_OK(be[0].lb_ewma_ns == 10 * LB_EWMA_DEFAULT_NS &&
	    be[0].lb_inflight == 0,
	    "a failure with no history counts as 10x the default");
	lb_done(&lb, 1, 2 * MS, 0);
	lb_done(&lb, 1, -1, 0);
	T_OK(be[1].lb_ewma_ns == 20 * MS, "a failure counts as 10x the EWMA");
	for (j = 0; j < 10; j++)
		lb_done(&lb, 1, -1, 0);
	T_OK(be[1].lb_ewma_ns == 15000.0 * MS,
	    "repeated failures stop at 15 s (%.0f)", be[1].lb_ewma_ns);

	/* Other policies do not track latency. */
	be_setup(be, 2, NULL);
	lb_init(&lb, GW_LB_LEAST_REQUEST, be, 2, SEED);
	lb_done(&lb, 0, 5 * MS, 0);
	T_OK(be[0].lb_ewma_ns == 0, "least_request keeps no EWMA");
}

static void
test_latency(void)
{
	struct lb_backend	 be[3];
	struct lb		 lb;
	long			 cnt[3] = { 0, 0, 0 };
	int64_t			 t = 100 * LB_EWMA_DECAY_NS;
	int			 j;

	be_setup(be, 2, NULL);
	lb_init(&lb, GW_LB_LATENCY, be, 2, SEED);
	lb_done(&lb, 0, 1 * MS, t);
	lb_done(&lb, 1, 10 * MS, t);
	for (j = 0; j < 1000; j++)
		cnt[lb_pick(&lb, 0, NULL, t)]++;
	T_INTEQ(cnt[0], 1000, "latency: 1ms beats 10ms");
	be[0].lb_inflight = 20;
	T_INTEQ(lb_pick(&lb, 0, NULL, t), 1,
	    "latency: 1ms x 21 in flight loses to 10ms x 1");
	be[0].lb_inflight = 5;
	T_INTEQ(lb_pick(&lb, 0, NULL, t), 0,
	    "latency: 1ms x 6 in flight wins over 10ms x 1");
	be[0].lb_inflight = 0;

	be_setup(be, 2, NULL);
	lb_done(&lb, 1, 2 * MS, t);
	T_INTEQ(lb_pick(&lb, 0, NULL, t), 0,
	    "latency: no sample (1ms default) beats 2ms");
	lb_done(&lb, 1, MS / 2, t + LB_EWMA_DECAY_NS * 10);
	T_INTEQ(lb_pick(&lb, 0, NULL, t + LB_EWMA_DECAY_NS * 10), 1,
	    "latency: 0.5ms beats no sample");

	be_setup(be, 2, NULL);
	be[1].lb_weight = 4;
	lb_done(&lb, 0, 1 * MS, t);
	lb_done(&lb, 1, 3 * MS, t);
	T_INTEQ(lb_pick(&lb, 0, NULL, t), 1,
	    "latency: 3ms at weight 4 beats 1ms at weight 1");

	/* A backend penalised long ago and left alone is probed again. */
	be_setup(be, 2, NULL);
	lb_done(&lb, 0, -1, 0);
	lb_done(&lb, 1, 1 * MS, 5 * LB_EWMA_DECAY_NS);
	T_INTEQ(lb_pick(&lb, 0, NULL, LB_EWMA_DECAY_NS), 1,
	    "latency: just after a failure the other backend wins");
	T_INTEQ(lb_pick(&lb, 0, NULL, 5 * LB_EWMA_DECAY_NS), 0,
	    "latency: 5 decay constants later the failed one is probed");

	/* Closed loop: a 1ms and two 5ms backends. */
	be_setup(be, 3, NULL);
	lb_init(&lb, GW_LB_LATENCY, be, 3, SEED);
	memset(cnt, 0, sizeof(cnt));
	for (j = 0; j < 30000; j++) {
		long	 i = lb_pick(&lb, 0, NULL, j * MS);

		lb_start(&lb, (size_t)i);
		lb_done(&lb, (size_t)i, i == 0 ? 1 * MS : 5 * MS, j * MS);
		cnt[i]++;
	}
	T_OK(cnt[0] > cnt[1] + cnt[2],
	    "latency: the fast backend gets most requests (%ld,%ld,%ld)",
	    cnt[0], cnt[1], cnt[2]);
}

int
main(void)
{
	test_hash();
	test_init();
	test_swrr();
	test_rr();
	test_eligible();
	test_random();
	test_least_request();
	test_hash_ring();
	test_ewma();
	test_latency();
	return t_done();
}
