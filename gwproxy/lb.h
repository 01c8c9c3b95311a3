/*
 * lb: gwproxy's load-balancing policies, as pure functions of their state.
 *
 * One struct lb per service per worker thread: workers never share it, so
 * it needs no lock.  It borrows an array of struct lb_backend (also the
 * worker's), whose lb_usable says whether the backend may get new requests
 * (healthy, or not checked yet and the service counts that as healthy;
 * admin state enabled).  Policies (enum gw_lb in config.h):
 *
 *   round_robin    each usable backend in turn, weights ignored;
 *   weighted       smooth weighted round-robin as NGINX does it
 *                  (ngx_http_upstream_round_robin.c): weights 5,1,1 give
 *                  a a b a c a a;
 *   least_request  power of two random choices among usable backends,
 *                  the one with fewer requests in flight per unit of weight
 *                  wins (Envoy's least_request);
 *   random         uniform over usable backends, weights ignored;
 *   hash           consistent hashing of a request key on a ring with
 *                  weight-proportional virtual nodes (ketama): removing a
 *                  backend, or it becoming unusable, moves only the keys it
 *                  owned; the key comes from the caller (client IP, header,
 *                  cookie: see lb_hash());
 *   latency        peak EWMA (Finagle, Linkerd): two random choices, the
 *                  lower of (EWMA of response time, rising at once on a
 *                  slow response and decaying over LB_EWMA_DECAY_NS) times
 *                  (requests in flight + 1), divided by weight.
 *
 * No allocation happens in lb_pick(); lb_init() builds the ring.
 */
#ifndef GWPROXY_LB_H
#define GWPROXY_LB_H

#include <stddef.h>
#include <stdint.h>

/* Virtual nodes on the hash ring per unit of weight. */
#define LB_RING_VNODES		64
/* Peak EWMA decay time constant: 10 s, Finagle's default. */
#define LB_EWMA_DECAY_NS	(10LL * 1000 * 1000 * 1000)
/* Latency assumed for a backend with no sample yet, so it gets tried. */
#define LB_EWMA_DEFAULT_NS	(1LL * 1000 * 1000)

struct lb_backend {
	uint32_t	 lb_weight;	/* 1..256 */
	int		 lb_usable;	/* may get new requests */
	uint64_t	 lb_key;	/* stable hash of its address (ring) */
	/* State, changed by lb_pick(), lb_start(), lb_done(). */
	int64_t		 lb_current;	/* smooth WRR current weight */
	uint32_t	 lb_inflight;
	double		 lb_ewma_ns;	/* peak EWMA of latency */
	int64_t		 lb_ewma_at;	/* time of its last update, ns */
};

struct lb_ring_point {
	uint64_t	 rp_hash;
	uint32_t	 rp_backend;	/* index into the backends */
};

struct lb {
	int			 lb_policy;	/* enum gw_lb */
	struct lb_backend	*lb_be;		/* borrowed */
	size_t			 lb_n;
	uint32_t		 lb_rr;		/* round-robin cursor */
	uint64_t		 lb_rng;	/* xorshift64* state, never 0 */
	struct lb_ring_point	*lb_ring;	/* owned; hash policy only */
	size_t			 lb_nring;
};

/*
 * Sets lb up over be[0..n) with policy; seed feeds the random choices
 * (any value).  Returns 0, or -1 when n is 0 or too large for the ring.
 */
int		 lb_init(struct lb *lb, int policy, struct lb_backend *be,
		    size_t n, uint64_t seed);
void		 lb_free(struct lb *lb);

/*
 * Picks a backend for a new request: an index into the backends, or -1
 * when none is usable.  key is the request's hash (hash policy only).
 * skip, when not NULL, holds n flags: backends already tried by this
 * request (a retry goes elsewhere when it can).  now_ns is a monotonic
 * clock (latency policy only).
 */
long		 lb_pick(struct lb *lb, uint64_t key, const uint8_t *skip,
		    int64_t now_ns);
/* A request starts on backend i (in-flight count). */
void		 lb_start(struct lb *lb, size_t i);
/*
 * A request on backend i ended after latency_ns (negative: it failed
 * without a response; counts as slow for the latency policy).
 */
void		 lb_done(struct lb *lb, size_t i, int64_t latency_ns,
		    int64_t now_ns);

/* A 64-bit hash of p[0..n), stable across runs and machines. */
uint64_t	 lb_hash(const void *p, size_t n);

#endif /* GWPROXY_LB_H */
