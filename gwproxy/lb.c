/*
 * lb: gwproxy's load-balancing policies (see lb.h for the contract).
 *
 * Every policy considers only the eligible backends: lb_usable set and not
 * flagged in the caller's skip array.  Apart from lb_init(), which builds
 * the hash ring, nothing here allocates, blocks or reads a clock: the
 * caller passes the time in.
 *
 * lb_init() leaves the backends' state (lb_current, lb_inflight, the EWMA)
 * as it finds it: zero it for new backends; a worker carrying backends
 * over a reload keeps their in-flight counts and latency history.  Call
 * lb_init() again (after lb_free()) when weights or keys change under the
 * hash policy: the ring is built from them.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "lb.h"

/*
 * A failed request (no response) counts as a sample this many times the
 * backend's current EWMA: a connection refused fails fast, and a fast
 * failure must not make a backend look fast (Finagle feeds failures in
 * with their real, often tiny, round-trip time and leans on failure
 * accrual instead; we have no such layer here).
 */
#define LB_EWMA_FAIL_FACTOR	10
/*
 * ...but at most this much (or the EWMA itself, if higher): 15 s,
 * gwproxy's default total request timeout, so a failure weighs no more
 * than a request that ran into that timeout and repeated failures do not
 * push the cost so high that decay takes minutes to forgive them.
 */
#define LB_EWMA_FAIL_MAX_NS	(15LL * 1000 * 1000 * 1000)

static uint32_t	lb_weight(const struct lb_backend *);
static int	lb_eligible(const struct lb *, const uint8_t *, size_t);
static size_t	lb_count(const struct lb *, const uint8_t *);
static size_t	lb_nth(const struct lb *, const uint8_t *, size_t, size_t);
static uint64_t	lb_rand(struct lb *);
static size_t	lb_rand_below(struct lb *, size_t);
static uint64_t	lb_fmix64(uint64_t);
static int	lb_ring_cmp(const void *, const void *);
static int	lb_ring_build(struct lb *);
static long	lb_rr_pick(struct lb *, const uint8_t *);
static long	lb_swrr_pick(struct lb *, const uint8_t *);
static long	lb_random_pick(struct lb *, const uint8_t *);
static double	lb_ewma_cost(const struct lb_backend *, int64_t);
static int	lb_p2c_better(const struct lb *, size_t, size_t, int64_t);
static size_t	lb_p2c_draw(struct lb *, const uint8_t *, size_t, size_t);
static long	lb_p2c_pick(struct lb *, const uint8_t *, int64_t);
static long	lb_ring_pick(struct lb *, uint64_t, const uint8_t *);

/*
 * config validation keeps weights in GW_WEIGHT_MIN..GW_WEIGHT_MAX; the
 * clamp keeps the arithmetic below bounded (inflight * weight fits in 64
 * bits, the ring size is known) whatever a runtime override wrote.
 */
static uint32_t
lb_weight(const struct lb_backend *be)
{
	if (be->lb_weight < GW_WEIGHT_MIN)
		return GW_WEIGHT_MIN;
	if (be->lb_weight > GW_WEIGHT_MAX)
		return GW_WEIGHT_MAX;
	return be->lb_weight;
}

static int
lb_eligible(const struct lb *lb, const uint8_t *skip, size_t i)
{
	return lb->lb_be[i].lb_usable && (skip == NULL || !skip[i]);
}

static size_t
lb_count(const struct lb *lb, const uint8_t *skip)
{
	size_t	 i, m = 0;

	for (i = 0; i < lb->lb_n; i++)
		if (lb_eligible(lb, skip, i))
			m++;
	return m;
}

/* The index of the k-th (from 0) of the m eligible backends. */
static size_t
lb_nth(const struct lb *lb, const uint8_t *skip, size_t m, size_t k)
{
	size_t	 i;

	if (m == lb->lb_n)
		return k;
	for (i = 0; i < lb->lb_n; i++)
		if (lb_eligible(lb, skip, i) && k-- == 0)
			break;
	return i;
}

/*
 * xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift
 * generators, scrambled", 2016): a 64-bit state that must never be 0, the
 * 12/25/27 shifts and the multiplier from that paper.  Good enough to
 * choose backends; not for anything secret.
 */
static uint64_t
lb_rand(struct lb *lb)
{
	uint64_t	 x = lb->lb_rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	lb->lb_rng = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

/* Uniform in [0, m), m > 0: rejects the few values that would bias r % m. */
static size_t
lb_rand_below(struct lb *lb, size_t m)
{
	uint64_t	 r, floor;

	floor = -(uint64_t)m % m;
	do
		r = lb_rand(lb);
	while (r < floor);
	return (size_t)(r % m);
}

/* MurmurHash3's 64-bit finalizer (fmix64): every input bit avalanches. */
static uint64_t
lb_fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

/*
 * FNV-1a 64 (offset basis and prime from the FNV reference) followed by
 * fmix64.  FNV-1a alone mixes the last bytes of short keys poorly into
 * the high bits, which a ring compares first; the finalizer fixes that.
 * Byte oriented, so the same on every machine.
 */
uint64_t
lb_hash(const void *p, size_t n)
{
	const unsigned char	*s = p;
	uint64_t		 h = UINT64_C(0xcbf29ce484222325);

	while (n-- > 0) {
		h ^= *s++;
		h *= UINT64_C(0x100000001b3);
	}
	return lb_fmix64(h);
}

/*
 * Ties on the hash (a 64-bit collision, or two backends with one key) fall
 * back to the index, which keeps its order when a backend is removed.
 */
static int
lb_ring_cmp(const void *a, const void *b)
{
	const struct lb_ring_point	*pa = a, *pb = b;

	if (pa->rp_hash != pb->rp_hash)
		return pa->rp_hash < pb->rp_hash ? -1 : 1;
	if (pa->rp_backend != pb->rp_backend)
		return pa->rp_backend < pb->rp_backend ? -1 : 1;
	return 0;
}

/*
 * ketama: LB_RING_VNODES points per unit of weight, each hashed from the
 * backend's key and the point's number (both little-endian 64-bit, 16
 * bytes), so a backend's points depend on nothing but itself: removing
 * another backend leaves them where they were, and raising its weight
 * adds points without moving the old ones.
 */
static int
lb_ring_build(struct lb *lb)
{
	struct lb_ring_point	*ring;
	unsigned char		 buf[16];
	uint64_t		 total = 0, key, v, nv;
	size_t			 i, j, k;

	for (i = 0; i < lb->lb_n; i++)
		total += (uint64_t)lb_weight(&lb->lb_be[i]) * LB_RING_VNODES;
	if (total > SIZE_MAX / sizeof(*ring)) {
		errno = EOVERFLOW;
		return -1;
	}
	if ((ring = calloc((size_t)total, sizeof(*ring))) == NULL)
		return -1;
	k = 0;
	for (i = 0; i < lb->lb_n; i++) {
		key = lb->lb_be[i].lb_key;
		nv = (uint64_t)lb_weight(&lb->lb_be[i]) * LB_RING_VNODES;
		for (v = 0; v < nv; v++) {
			for (j = 0; j < 8; j++) {
				buf[j] = (key >> (8 * j)) & 0xff;
				buf[8 + j] = (v >> (8 * j)) & 0xff;
			}
			ring[k].rp_hash = lb_hash(buf, sizeof(buf));
			ring[k].rp_backend = (uint32_t)i;
			k++;
		}
	}
	qsort(ring, k, sizeof(*ring), lb_ring_cmp);
	lb->lb_ring = ring;
	lb->lb_nring = k;
	return 0;
}

int
lb_init(struct lb *lb, int policy, struct lb_backend *be, size_t n,
    uint64_t seed)
{
	memset(lb, 0, sizeof(*lb));
	if (policy < GW_LB_ROUND_ROBIN || policy > GW_LB_LATENCY) {
		errno = EINVAL;
		return -1;
	}
	/* rp_backend is 32 bits and lb_pick() returns a long. */
	if (n == 0 || (uint64_t)n > UINT32_MAX || (uint64_t)n > LONG_MAX) {
		errno = EINVAL;
		return -1;
	}
	lb->lb_policy = policy;
	lb->lb_be = be;
	lb->lb_n = n;
	/*
	 * splitmix64's output step: a bijection, so distinct seeds give
	 * distinct streams and only one seed maps to the forbidden 0.
	 */
	seed += UINT64_C(0x9e3779b97f4a7c15);
	seed = (seed ^ (seed >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	seed = (seed ^ (seed >> 27)) * UINT64_C(0x94d049bb133111eb);
	seed ^= seed >> 31;
	lb->lb_rng = seed != 0 ? seed : UINT64_C(0x9e3779b97f4a7c15);
	if (policy == GW_LB_HASH && lb_ring_build(lb) == -1) {
		memset(lb, 0, sizeof(*lb));
		return -1;
	}
	return 0;
}

void
lb_free(struct lb *lb)
{
	free(lb->lb_ring);
	lb->lb_ring = NULL;
	lb->lb_nring = 0;
}

/* The cursor moves past the chosen backend, so unusable ones cost a scan. */
static long
lb_rr_pick(struct lb *lb, const uint8_t *skip)
{
	size_t	 i, j;

	for (j = 0; j < lb->lb_n; j++) {
		i = (lb->lb_rr + j) % lb->lb_n;
		if (lb_eligible(lb, skip, i)) {
			lb->lb_rr = (uint32_t)((i + 1) % lb->lb_n);
			return (long)i;
		}
	}
	return -1;
}

/*
 * ngx_http_upstream_get_peer(): every eligible backend's current weight
 * grows by its weight, the largest (the first of equals) wins and gives
 * back the total.  NGINX skips down and already tried peers before adding
 * their weight, and so do we with unusable and skipped ones.  NGINX's
 * effective_weight (lowered on failures, then recovering) is the weight
 * here: health checks and lb_usable do that job.
 */
static long
lb_swrr_pick(struct lb *lb, const uint8_t *skip)
{
	struct lb_backend	*be, *best = NULL;
	int64_t			 total = 0;
	size_t			 i;

	for (i = 0; i < lb->lb_n; i++) {
		if (!lb_eligible(lb, skip, i))
			continue;
		be = &lb->lb_be[i];
		be->lb_current += lb_weight(be);
		total += lb_weight(be);
		if (best == NULL || be->lb_current > best->lb_current)
			best = be;
	}
	if (best == NULL)
		return -1;
	best->lb_current -= total;
	return (long)(best - lb->lb_be);
}

static long
lb_random_pick(struct lb *lb, const uint8_t *skip)
{
	size_t	 m;

	if ((m = lb_count(lb, skip)) == 0)
		return -1;
	return (long)lb_nth(lb, skip, m, lb_rand_below(lb, m));
}

/*
 * The peak EWMA as seen now: decayed toward 0 since its last update, as
 * Finagle's PeakEwma.get() does with observe(0.0), so a backend penalised
 * long ago and then left alone gets probed again.  Computed, not stored:
 * only lb_done() moves the EWMA.
 */
static double
lb_ewma_cost(const struct lb_backend *be, int64_t now_ns)
{
	int64_t	 td;

	if (be->lb_ewma_ns <= 0)
		return (double)LB_EWMA_DEFAULT_NS;
	td = now_ns > be->lb_ewma_at ? now_ns - be->lb_ewma_at : 0;
	return be->lb_ewma_ns * exp(-(double)td / (double)LB_EWMA_DECAY_NS);
}

/*
 * Whether candidate a should win over b.  least_request compares requests
 * in flight per unit of weight by cross-multiplying (exact: 2^32 * 256
 * fits); latency compares EWMA * (in flight + 1) / weight, Finagle's cost
 * with the weight added.  A tie goes to a, the first draw.
 */
static int
lb_p2c_better(const struct lb *lb, size_t a, size_t b, int64_t now_ns)
{
	const struct lb_backend	*ba = &lb->lb_be[a], *bb = &lb->lb_be[b];
	uint64_t		 ia, ib;
	double			 ca, cb;

	if (lb->lb_policy == GW_LB_LATENCY) {
		ca = lb_ewma_cost(ba, now_ns) * ((double)ba->lb_inflight + 1) /
		    lb_weight(ba);
		cb = lb_ewma_cost(bb, now_ns) * ((double)bb->lb_inflight + 1) /
		    lb_weight(bb);
		return ca <= cb;
	}
	ia = (uint64_t)ba->lb_inflight * lb_weight(bb);
	ib = (uint64_t)bb->lb_inflight * lb_weight(ba);
	return ia <= ib;
}

/*
 * An eligible backend other than except (SIZE_MAX: none), drawn with
 * probability weight / total, total being the weight of those candidates.
 */
static size_t
lb_p2c_draw(struct lb *lb, const uint8_t *skip, size_t total, size_t except)
{
	size_t	 i, r, w;

	r = lb_rand_below(lb, total);
	for (i = 0; i < lb->lb_n; i++) {
		if (i == except || !lb_eligible(lb, skip, i))
			continue;
		if (r < (w = lb_weight(&lb->lb_be[i])))
			break;
		r -= w;
	}
	return i;
}

/*
 * Power of two choices (Mitzenmacher; Envoy's least_request with
 * choice_count 2): two distinct eligible backends, the better one wins.
 * Looking at two rather than all avoids the herd a stale "least loaded"
 * view sends to one backend.  The candidates are drawn in proportion to
 * weight: drawn uniformly, a backend is a candidate in only 2 picks out
 * of n whatever its weight, which caps its share (with weights 3,1,1,1
 * the first could get at most half the requests, and gets less);
 * drawn by weight, idle backends (a tie, won by the first draw) get
 * requests in proportion to weight, and under load the comparison keeps
 * in-flight requests in proportion to weight.  Envoy gets there with an
 * EDF scheduler when weights differ.
 */
static long
lb_p2c_pick(struct lb *lb, const uint8_t *skip, int64_t now_ns)
{
	size_t	 i, m = 0, total = 0, a, b;

	for (i = 0; i < lb->lb_n; i++) {
		if (lb_eligible(lb, skip, i)) {
			m++;
			total += lb_weight(&lb->lb_be[i]);
		}
	}
	if (m == 0)
		return -1;
	a = lb_p2c_draw(lb, skip, total, SIZE_MAX);
	if (m == 1)
		return (long)a;
	b = lb_p2c_draw(lb, skip, total - lb_weight(&lb->lb_be[a]), a);
	return (long)(lb_p2c_better(lb, a, b, now_ns) ? a : b);
}

/*
 * The first point at or after key, wrapping around, then clockwise to
 * the first point of an eligible backend: what removing the ineligible
 * backends from the ring would give, so a key moves only when its owner
 * goes away.
 */
static long
lb_ring_pick(struct lb *lb, uint64_t key, const uint8_t *skip)
{
	size_t	 lo, hi, mid, j, i;

	if (lb->lb_nring == 0 || lb_count(lb, skip) == 0)
		return -1;
	lo = 0;
	hi = lb->lb_nring;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (lb->lb_ring[mid].rp_hash < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Every backend has points, so an eligible one is found. */
	for (j = 0; j < lb->lb_nring; j++) {
		i = lb->lb_ring[(lo + j) % lb->lb_nring].rp_backend;
		if (lb_eligible(lb, skip, i))
			return (long)i;
	}
	return -1;
}

long
lb_pick(struct lb *lb, uint64_t key, const uint8_t *skip, int64_t now_ns)
{
	switch (lb->lb_policy) {
	case GW_LB_ROUND_ROBIN:
		return lb_rr_pick(lb, skip);
	case GW_LB_WEIGHTED:
		return lb_swrr_pick(lb, skip);
	case GW_LB_LEAST_REQUEST:
	case GW_LB_LATENCY:
		return lb_p2c_pick(lb, skip, now_ns);
	case GW_LB_RANDOM:
		return lb_random_pick(lb, skip);
	case GW_LB_HASH:
		return lb_ring_pick(lb, key, skip);
	}
	return -1;
}

void
lb_start(struct lb *lb, size_t i)
{
	if (i < lb->lb_n && lb->lb_be[i].lb_inflight < UINT32_MAX)
		lb->lb_be[i].lb_inflight++;
}

/*
 * Finagle's PeakEwma.observe(): a sample above the EWMA replaces it at
 * once (the peak); a lower one is blended in with the weight
 * exp(-elapsed / tau), tau = LB_EWMA_DECAY_NS, which accounts for the
 * uneven spacing of samples.  Only the latency policy pays for the exp().
 * Samples are at least 1 ns so that a 0 EWMA keeps meaning "no sample".
 */
void
lb_done(struct lb *lb, size_t i, int64_t latency_ns, int64_t now_ns)
{
	struct lb_backend	*be;
	double			 sample, cap, w;
	int64_t			 td;

	if (i >= lb->lb_n)
		return;
	be = &lb->lb_be[i];
	if (be->lb_inflight > 0)
		be->lb_inflight--;
	if (lb->lb_policy != GW_LB_LATENCY)
		return;
	if (latency_ns < 0) {
		sample = be->lb_ewma_ns > 0 ? be->lb_ewma_ns :
		    (double)LB_EWMA_DEFAULT_NS;
		sample *= LB_EWMA_FAIL_FACTOR;
		cap = (double)LB_EWMA_FAIL_MAX_NS;
		if (be->lb_ewma_ns > cap)
			cap = be->lb_ewma_ns;
		if (sample > cap)
			sample = cap;
	} else
		sample = latency_ns > 0 ? (double)latency_ns : 1;
	if (sample > be->lb_ewma_ns)
		be->lb_ewma_ns = sample;
	else {
		td = now_ns > be->lb_ewma_at ? now_ns - be->lb_ewma_at : 0;
		w = exp(-(double)td / (double)LB_EWMA_DECAY_NS);
		be->lb_ewma_ns = be->lb_ewma_ns * w + sample * (1 - w);
	}
	be->lb_ewma_at = now_ns;
}
