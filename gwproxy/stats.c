/*
 * stats: gwproxy's counters, the /metrics page, "show stats" and the
 * flush thread that writes traffic_stats.
 *
 * Each worker owns three open-addressing hash tables keyed by name:
 * services, (service, backend) and (service, route, backend).  An entry is
 * made on the first request that names it and lives as long as gwproxy,
 * so counts go on across reloads and a reader may keep pointers to keys.
 * Only the owning worker writes a table or its counters; readers (the
 * admin thread, the flush thread) load the slot array and the entries with
 * acquire and the counters relaxed.  A table grows by publishing a bigger
 * slot array; the old one is kept (it is at most as big as the new one)
 * because a reader may still walk it.  Nothing on the request path locks.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "duration.h"
#include "gwproxy.h"
#include "breaker.h"
#include "log.h"
#include "outlier.h"
#include "stats.h"
#include "store.h"
#include "str.h"

/* The px_errors codes; keep in step with the last entry of enum px_error. */
#define STATS_NERRORS	(PX_E_SHUTTING_DOWN + 1)
/* Slots of a new table: a power of two; grows at 3/4 full. */
#define STATS_SLOTS_MIN	16
/* How often the flush also deletes old traffic_stats rows, ms. */
#define STATS_PRUNE_EVERY_MS	(3600 * 1000)

/* Status classes of a finished request. */
enum stats_class {
	SC_1XX, SC_2XX, SC_3XX, SC_4XX, SC_5XX,
	SC_ERROR,	/* gwproxy answered itself (px_errors) */
	SC_ABORTED,	/* no answer: the client went away first */
	SC_N
};
static const char *const sc_names[SC_N] = {
	"1xx", "2xx", "3xx", "4xx", "5xx", "error", "aborted"
};

/*
 * Counters of a service or backend entry, by index.  Histograms have
 * STATS_NBUCKETS + 1 non-cumulative buckets and a sum in nanoseconds.
 * K_INFLIGHT goes up and down; it is read as signed.
 */
enum {
	K_REQUESTS,
	K_CLASS,
	K_ERRORS = K_CLASS + SC_N,
	K_BYTES_IN = K_ERRORS + STATS_NERRORS,
	K_BYTES_OUT,
	K_INFLIGHT,
	K_CONNFAIL,
	K_HIST,					/* request latency */
	K_HIST_SUM = K_HIST + STATS_NBUCKETS + 1,
	K_UHIST,				/* upstream latency */
	K_UHIST_SUM = K_UHIST + STATS_NBUCKETS + 1,
	K_FULL
};

/* The tables of a worker; route entries count only the SC_N classes. */
enum { T_SVC, T_BE, T_RT, T_N };
static const int table_counters[T_N] = { K_FULL, K_FULL, SC_N };

struct stats_ent {
	uint64_t		 e_hash;
	char			*e_key;		/* owned: NUL-ended parts */
	size_t			 e_keylen;	/* with the NULs */
	atomic_uint_fast64_t	 e_c[];		/* table_counters[] of them */
};

struct stats_slots {
	size_t			 ss_size;	/* power of two */
	struct stats_slots	*ss_old;	/* retired, smaller; owned */
	_Atomic(struct stats_ent *) ss_v[];
};

struct stats_table {
	_Atomic(struct stats_slots *) tb_slots;	/* owned */
	size_t			 tb_count;	/* owner's thread only */
	int			 tb_ncounters;
};

/* One worker's tables, on their own cache lines. */
struct stats_worker {
	struct stats_table	sw_t[T_N];
} __attribute__((aligned(64)));

static struct stats_worker	*stats_w;
static int			 stats_nw;

/* A key being looked up: up to three name parts. */
struct stats_key {
	const char	*k_part[3];
	size_t		 k_len[3];
	int		 k_n;
	uint64_t	 k_hash;
};

/* Latency bounds: nanoseconds, and as "le" prints them. */
static const int64_t bound_ns[STATS_NBUCKETS] = {
	500000, 1000000, 2500000, 5000000, 10000000, 25000000, 50000000,
	100000000, 250000000, 500000000, 1000000000, 2500000000LL,
	5000000000LL, 10000000000LL
};
static const char *const bound_le[STATS_NBUCKETS] = {
	"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
	"0.1", "0.25", "0.5", "1", "2.5", "5", "10"
};

/* The flush thread's state. */
static pthread_t	 flush_thread;
static int		 flush_running;
static pthread_mutex_t	 flush_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 flush_cond = PTHREAD_COND_INITIALIZER;
static int		 flush_quit;
static int64_t		 flush_interval_ms;
static int64_t		 flush_started_ms;	/* gateway_instances */
static sqlite3		*flush_db;	/* the flush thread's connection */

int
stats_bucket(int64_t ns)
{
	int i;

	for (i = 0; i < STATS_NBUCKETS; i++)
		if (ns <= bound_ns[i])
			break;
	return i;
}

double
stats_quantile(const uint64_t *b, double q)
{
	uint64_t	total = 0, cum = 0;
	double		rank, lo;
	int		i;

	for (i = 0; i <= STATS_NBUCKETS; i++)
		total += b[i];
	if (total == 0)
		return -1;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = q * (double)total;
	for (i = 0; i < STATS_NBUCKETS; i++) {
		if (b[i] > 0 && (double)(cum + b[i]) >= rank) {
			lo = i == 0 ? 0 : bound_ns[i - 1] / 1e9;
			return lo + (bound_ns[i] / 1e9 - lo) *
			    (rank - (double)cum) / (double)b[i];
		}
		cum += b[i];
	}
	/* In +Inf: nothing is known above the last bound. */
	return bound_ns[STATS_NBUCKETS - 1] / 1e9;
}

void
stats_label_escape(struct gw_buf *out, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\\')
			gw_buf_puts(out, "\\\\");
		else if (*p == '"')
			gw_buf_puts(out, "\\\"");
		else if (*p == '\n')
			gw_buf_puts(out, "\\n");
		else
			gw_buf_append(out, p, 1);
	}
}

/* FNV-1a over the parts, each followed by a NUL as stored. */
static void
key_make(struct stats_key *k, int n, const char *a, const char *b,
    const char *c)
{
	const char	*parts[3] = { a, b, c };
	uint64_t	 h = 0xcbf29ce484222325ULL;
	const char	*p;
	int		 i;

	k->k_n = n;
	for (i = 0; i < n; i++) {
		k->k_part[i] = parts[i] != NULL ? parts[i] : "";
		for (p = k->k_part[i]; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
		h *= 0x100000001b3ULL;		/* the NUL */
		k->k_len[i] = (size_t)(p - k->k_part[i]);
	}
	k->k_hash = h;
}

static int
key_eq(const struct stats_ent *e, const struct stats_key *k)
{
	const char	*p = e->e_key, *end = e->e_key + e->e_keylen;
	int		 i;

	for (i = 0; i < k->k_n; i++) {
		if ((size_t)(end - p) < k->k_len[i] + 1 ||
		    memcmp(p, k->k_part[i], k->k_len[i]) != 0 ||
		    p[k->k_len[i]] != '\0')
			return 0;
		p += k->k_len[i] + 1;
	}
	return p == end;
}

static struct stats_slots *
slots_new(size_t size)
{
	struct stats_slots	*ss;
	size_t			 i;

	ss = gw_malloc(sizeof(*ss) + size * sizeof(ss->ss_v[0]));
	ss->ss_size = size;
	ss->ss_old = NULL;
	for (i = 0; i < size; i++)
		atomic_init(&ss->ss_v[i], NULL);
	return ss;
}

/* Places e in ss, which no reader sees yet or whose slot is free. */
static void
slots_put(struct stats_slots *ss, struct stats_ent *e)
{
	size_t mask = ss->ss_size - 1, i;

	for (i = e->e_hash & mask;
	    atomic_load_explicit(&ss->ss_v[i], memory_order_relaxed) != NULL;
	    i = (i + 1) & mask)
		;
	atomic_store_explicit(&ss->ss_v[i], e, memory_order_release);
}

/* A new entry for k in tb (the owner's thread), growing tb first. */
static struct stats_ent *
table_insert(struct stats_table *tb, const struct stats_key *k)
{
	struct stats_slots	*ss, *big;
	struct stats_ent	*e, *o;
	size_t			 i, len = 0;
	char			*p;
	int			 j;

	ss = atomic_load_explicit(&tb->tb_slots, memory_order_relaxed);
	if ((tb->tb_count + 1) * 4 > ss->ss_size * 3) {
		big = slots_new(ss->ss_size * 2);
		for (i = 0; i < ss->ss_size; i++) {
			o = atomic_load_explicit(&ss->ss_v[i],
			    memory_order_relaxed);
			if (o != NULL)
				slots_put(big, o);
		}
		big->ss_old = ss;
		atomic_store_explicit(&tb->tb_slots, big,
		    memory_order_release);
		ss = big;
	}
	e = gw_malloc(sizeof(*e) + (size_t)tb->tb_ncounters *
	    sizeof(e->e_c[0]));
	for (j = 0; j < tb->tb_ncounters; j++)
		atomic_init(&e->e_c[j], 0);
	for (j = 0; j < k->k_n; j++)
		len += k->k_len[j] + 1;
	e->e_key = p = gw_malloc(len);
	for (j = 0; j < k->k_n; j++) {
		memcpy(p, k->k_part[j], k->k_len[j] + 1);
		p += k->k_len[j] + 1;
	}
	e->e_keylen = len;
	e->e_hash = k->k_hash;
	/* Release: a reader that sees e sees its key and zeroed counters. */
	slots_put(ss, e);
	tb->tb_count++;
	return e;
}

/* The entry of k in tb, made on first use (the owner's thread only). */
static struct stats_ent *
table_get(struct stats_table *tb, const struct stats_key *k)
{
	struct stats_slots	*ss;
	struct stats_ent	*e;
	size_t			 mask, i;

	ss = atomic_load_explicit(&tb->tb_slots, memory_order_relaxed);
	mask = ss->ss_size - 1;
	for (i = k->k_hash & mask; ; i = (i + 1) & mask) {
		e = atomic_load_explicit(&ss->ss_v[i], memory_order_relaxed);
		if (e == NULL)
			return table_insert(tb, k);
		if (e->e_hash == k->k_hash && key_eq(e, k))
			return e;
	}
}

/*
 * Adds n to a counter only this thread writes: a plain load and store
 * (no locked instruction) is enough, and being atomic keeps readers from
 * seeing half a value.
 */
static inline void
ctr_add(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c,
	    memory_order_relaxed) + n, memory_order_relaxed);
}

void
stats_init(int nworkers)
{
	int i, t;

	stats_nw = nworkers;
	stats_w = aligned_alloc(64, (size_t)nworkers * sizeof(*stats_w));
	if (stats_w == NULL)
		gw_fatalx("stats: out of memory");
	for (i = 0; i < nworkers; i++)
		for (t = 0; t < T_N; t++) {
			atomic_init(&stats_w[i].sw_t[t].tb_slots,
			    slots_new(STATS_SLOTS_MIN));
			stats_w[i].sw_t[t].tb_count = 0;
			stats_w[i].sw_t[t].tb_ncounters = table_counters[t];
		}
}

static enum stats_class
req_class(const struct stats_req *sr)
{
	if (sr->sr_error != PX_E_NONE)
		return SC_ERROR;
	if (sr->sr_status >= 100 && sr->sr_status < 600)
		return (enum stats_class)(sr->sr_status / 100 - 1);
	return SC_ABORTED;
}

/* Counts sr into a service or backend entry. */
static void
count_full(struct stats_ent *e, const struct stats_req *sr,
    enum stats_class sc, int upstream)
{
	ctr_add(&e->e_c[K_REQUESTS], 1);
	ctr_add(&e->e_c[K_CLASS + sc], 1);
	if (sr->sr_error != PX_E_NONE && sr->sr_error < STATS_NERRORS)
		ctr_add(&e->e_c[K_ERRORS + sr->sr_error], 1);
	ctr_add(&e->e_c[K_BYTES_IN], sr->sr_bytes_in);
	ctr_add(&e->e_c[K_BYTES_OUT], sr->sr_bytes_out);
	ctr_add(&e->e_c[K_HIST + stats_bucket(sr->sr_total_ns)], 1);
	ctr_add(&e->e_c[K_HIST_SUM], (uint64_t)sr->sr_total_ns);
	if (upstream && sr->sr_upstream_ns > 0) {
		ctr_add(&e->e_c[K_UHIST + stats_bucket(sr->sr_upstream_ns)],
		    1);
		ctr_add(&e->e_c[K_UHIST_SUM], (uint64_t)sr->sr_upstream_ns);
	}
}

void
stats_request(struct worker *w, const struct stats_req *sr)
{
	struct stats_worker	*sw = &stats_w[w->w_id];
	struct stats_key	 k;
	struct stats_ent	*e;
	enum stats_class	 sc = req_class(sr);

	if (sr->sr_ref != NULL && sr->sr_ref->sf_svc != NULL)
		e = sr->sr_ref->sf_svc;
	else {
		key_make(&k, 1, sr->sr_service, NULL, NULL);
		e = table_get(&sw->sw_t[T_SVC], &k);
	}
	count_full(e, sr, sc, 0);
	if (sr->sr_connect_failures > 0)
		ctr_add(&e->e_c[K_CONNFAIL], (uint64_t)sr->sr_connect_failures);
	if (sr->sr_backend != NULL) {
		if (sr->sr_ref != NULL && sr->sr_ref->sf_be != NULL)
			e = sr->sr_ref->sf_be;
		else {
			key_make(&k, 2, sr->sr_service, sr->sr_backend, NULL);
			e = table_get(&sw->sw_t[T_BE], &k);
		}
		count_full(e, sr, sc, 1);
	}
	key_make(&k, 3, sr->sr_service, sr->sr_route, sr->sr_backend);
	ctr_add(&table_get(&sw->sw_t[T_RT], &k)->e_c[sc], 1);
}

void
stats_inflight(struct worker *w, const char *service, const char *backend,
    int delta)
{
	struct stats_worker	*sw = &stats_w[w->w_id];
	struct stats_key	 k;

	/* Two's complement: adding (uint64_t)-1 takes one away. */
	key_make(&k, 1, service, NULL, NULL);
	ctr_add(&table_get(&sw->sw_t[T_SVC], &k)->e_c[K_INFLIGHT],
	    (uint64_t)(int64_t)delta);
	if (backend == NULL)
		return;
	key_make(&k, 2, service, backend, NULL);
	ctr_add(&table_get(&sw->sw_t[T_BE], &k)->e_c[K_INFLIGHT],
	    (uint64_t)(int64_t)delta);
}

void
stats_ref_get(struct worker *w, const char *service, const char *backend,
    struct stats_ref *r)
{
	struct stats_worker	*sw = &stats_w[w->w_id];
	struct stats_key	 k;

	key_make(&k, 1, service, NULL, NULL);
	r->sf_svc = table_get(&sw->sw_t[T_SVC], &k);
	r->sf_be = NULL;
	if (backend != NULL) {
		key_make(&k, 2, service, backend, NULL);
		r->sf_be = table_get(&sw->sw_t[T_BE], &k);
	}
}

void
stats_inflight_ref(const struct stats_ref *r, int delta)
{
	/* Two's complement: adding (uint64_t)-1 takes one away. */
	ctr_add(&r->sf_svc->e_c[K_INFLIGHT], (uint64_t)(int64_t)delta);
	if (r->sf_be != NULL)
		ctr_add(&r->sf_be->e_c[K_INFLIGHT], (uint64_t)(int64_t)delta);
}

void
stats_connect_failed(struct worker *w, const char *service,
    const char *backend)
{
	struct stats_key k;

	key_make(&k, 2, service, backend, NULL);
	ctr_add(&table_get(&stats_w[w->w_id].sw_t[T_BE], &k)->e_c[K_CONNFAIL],
	    1);
}

uint64_t
stats_requests_total(void)
{
	uint64_t	n = 0;
	int		i;

	for (i = 0; i < px.px_nworkers; i++)
		n += atomic_load_explicit(&px.px_workers[i].w_requests,
		    memory_order_relaxed);
	return n;
}

uint64_t
stats_connections(void)
{
	uint64_t	n = 0;
	int		i;

	for (i = 0; i < px.px_nworkers; i++)
		n += atomic_load_explicit(&px.px_workers[i].w_active,
		    memory_order_relaxed);
	return n;
}

/*
 * Reading: one row per key, the sum over the workers.  r_key points at an
 * entry's key, which lives as long as gwproxy.
 */
struct stats_row {
	const char	*r_key;
	size_t		 r_keylen;
	uint64_t	 r_c[K_FULL];
};

static int
ent_cmp(const void *a, const void *b)
{
	const struct stats_ent	*x = *(struct stats_ent *const *)a;
	const struct stats_ent	*y = *(struct stats_ent *const *)b;
	size_t			 n = x->e_keylen < y->e_keylen ?
				    x->e_keylen : y->e_keylen;
	int			 c;

	if ((c = memcmp(x->e_key, y->e_key, n)) != 0)
		return c;
	return (x->e_keylen > y->e_keylen) - (x->e_keylen < y->e_keylen);
}

static int
row_keycmp(const struct stats_row *x, const struct stats_row *y)
{
	size_t	n = x->r_keylen < y->r_keylen ? x->r_keylen : y->r_keylen;
	int	c;

	if ((c = memcmp(x->r_key, y->r_key, n)) != 0)
		return c;
	return (x->r_keylen > y->r_keylen) - (x->r_keylen < y->r_keylen);
}

/* The rows of table t, in key order; *n of them (caller frees). */
static struct stats_row *
collect(int t, size_t *n)
{
	struct stats_slots	*ss;
	struct stats_ent	**v = NULL, *e;
	struct stats_row	*rows, *r = NULL;
	size_t			 nv = 0, cap = 0, i, nr = 0;
	int			 w, j, nc = table_counters[t];

	for (w = 0; w < stats_nw; w++) {
		ss = atomic_load_explicit(&stats_w[w].sw_t[t].tb_slots,
		    memory_order_acquire);
		for (i = 0; i < ss->ss_size; i++) {
			e = atomic_load_explicit(&ss->ss_v[i],
			    memory_order_acquire);
			if (e == NULL)
				continue;
			if (nv == cap) {
				cap = cap ? cap * 2 : 64;
				v = gw_reallocarray(v, cap, sizeof(*v));
			}
			v[nv++] = e;
		}
	}
	if (nv > 0)
		qsort(v, nv, sizeof(*v), ent_cmp);
	rows = gw_calloc(nv + 1, sizeof(*rows));
	for (i = 0; i < nv; i++) {
		e = v[i];
		if (r == NULL || r->r_keylen != e->e_keylen ||
		    memcmp(r->r_key, e->e_key, e->e_keylen) != 0) {
			r = &rows[nr++];
			r->r_key = e->e_key;
			r->r_keylen = e->e_keylen;
		}
		for (j = 0; j < nc; j++)
			r->r_c[j] += atomic_load_explicit(&e->e_c[j],
			    memory_order_relaxed);
	}
	free(v);
	*n = nr;
	return rows;
}

/* Part i (0-based) of a row's key. */
static const char *
row_part(const struct stats_row *r, int i)
{
	const char *p = r->r_key;

	while (i-- > 0)
		p += strlen(p) + 1;
	return p;
}

static int64_t
row_inflight(const struct stats_row *r)
{
	int64_t v = (int64_t)r->r_c[K_INFLIGHT];

	return v > 0 ? v : 0;
}

/* Quantile q of a histogram at off in r, in microseconds; -1: none. */
static int64_t
row_quantile_us(const uint64_t *c, int off, double q)
{
	double s = stats_quantile(&c[off], q);

	return s < 0 ? -1 : (int64_t)llround(s * 1e6);
}

/* Prometheus text format 0.0.4. */
static void
prom_family(struct gw_buf *b, const char *name, const char *type,
    const char *help)
{
	gw_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

/* name{k1="v1",...} with n label pairs from kv (names, values). */
static void
prom_name(struct gw_buf *b, const char *name, const char *const *kv,
    int n)
{
	int i;

	gw_buf_puts(b, name);
	if (n == 0)
		return;
	gw_buf_puts(b, "{");
	for (i = 0; i < n; i++) {
		gw_buf_printf(b, "%s%s=\"", i ? "," : "", kv[2 * i]);
		stats_label_escape(b, kv[2 * i + 1]);
		gw_buf_puts(b, "\"");
	}
	gw_buf_puts(b, "}");
}

static void
prom_u64(struct gw_buf *b, const char *name, const char *const *kv, int n,
    uint64_t v)
{
	prom_name(b, name, kv, n);
	gw_buf_printf(b, " %llu\n", (unsigned long long)v);
}

static void
prom_breaker(struct gw_buf *b, const char *name, const struct breaker *bk,
    int overflows)
{
	const char	*kv[4];
	long		 v;
	int		 k;

	kv[0] = "service";
	kv[1] = bk->bk_service;
	kv[2] = "breaker";
	for (k = 0; k < BRK_NKINDS; k++) {
		kv[3] = breaker_kind_names[k];
		if (overflows) {
			prom_u64(b, name, kv, 2, atomic_load_explicit(
			    &bk->bk_tripped[k], memory_order_relaxed));
			continue;
		}
		v = atomic_load_explicit(&bk->bk_count[k],
		    memory_order_relaxed);
		prom_u64(b, name, kv, 2, v > 0 ? (uint64_t)v : 0);
	}
}

static void
prom_breaker_current(const struct breaker *bk, void *arg)
{
	prom_breaker(arg, "gwproxy_circuit_breaker_current", bk, 0);
}

static void
prom_breaker_overflows(const struct breaker *bk, void *arg)
{
	prom_breaker(arg, "gwproxy_circuit_breaker_overflows_total", bk, 1);
}

/* The _bucket, _sum and _count lines of one histogram at c[off]. */
static void
prom_histogram(struct gw_buf *b, const char *base, const char *const *kv,
    int n, const uint64_t *c, int off, int sumoff)
{
	const char	*lkv[8];
	char		 name[128];
	uint64_t	 cum = 0;
	int		 i;

	memcpy(lkv, kv, (size_t)n * 2 * sizeof(*kv));
	lkv[2 * n] = "le";
	snprintf(name, sizeof(name), "%s_bucket", base);
	for (i = 0; i <= STATS_NBUCKETS; i++) {
		cum += c[off + i];
		lkv[2 * n + 1] = i < STATS_NBUCKETS ? bound_le[i] : "+Inf";
		prom_u64(b, name, lkv, n + 1, cum);
	}
	snprintf(name, sizeof(name), "%s_sum", base);
	prom_name(b, name, kv, n);
	gw_buf_printf(b, " %.6f\n", c[sumoff] / 1e9);
	snprintf(name, sizeof(name), "%s_count", base);
	prom_u64(b, name, kv, n, cum);
}

static void
metrics_process(struct gw_buf *b)
{
	struct snapshot *sn = proxy_snapshot();

	prom_family(b, "gwproxy_requests_total", "counter",
	    "Requests received.");
	prom_u64(b, "gwproxy_requests_total", NULL, 0,
	    stats_requests_total());
	prom_family(b, "gwproxy_active_connections", "gauge",
	    "Client connections open.");
	prom_u64(b, "gwproxy_active_connections", NULL, 0,
	    stats_connections());
	prom_family(b, "gwproxy_config_generation", "gauge",
	    "Config generation served.");
	gw_buf_printf(b, "gwproxy_config_generation %lld\n",
	    (long long)sn->sn_generation);
	prom_family(b, "gwproxy_reloads_total", "counter",
	    "Snapshots built or attempted.");
	prom_u64(b, "gwproxy_reloads_total", NULL, 0,
	    atomic_load(&px.px_reloads));
	prom_family(b, "gwproxy_reload_failures_total", "counter",
	    "Snapshots rejected.");
	prom_u64(b, "gwproxy_reload_failures_total", NULL, 0,
	    atomic_load(&px.px_reload_failures));
	snapshot_unref(sn);
}

void
stats_metrics(struct gw_buf *b)
{
	struct stats_row	*sv, *be, *rt;
	const char		*kv[8];
	size_t			 nsv, nbe, nrt, i;
	int			 c, e;

	metrics_process(b);
	sv = collect(T_SVC, &nsv);
	be = collect(T_BE, &nbe);
	rt = collect(T_RT, &nrt);

	prom_family(b, "gwproxy_http_requests_total", "counter",
	    "Requests answered, by service, route, backend and status "
	    "class (error: gwproxy answered itself; aborted: the client "
	    "left first).");
	kv[0] = "service", kv[2] = "route", kv[4] = "backend";
	kv[6] = "class";
	for (i = 0; i < nrt; i++) {
		kv[1] = row_part(&rt[i], 0);
		kv[3] = row_part(&rt[i], 1);
		kv[5] = row_part(&rt[i], 2);
		for (c = 0; c < SC_N; c++) {
			if (rt[i].r_c[c] == 0)
				continue;
			kv[7] = sc_names[c];
			prom_u64(b, "gwproxy_http_requests_total", kv, 4,
			    rt[i].r_c[c]);
		}
	}

	prom_family(b, "gwproxy_gateway_errors_total", "counter",
	    "Answers gwproxy generated, by service and error code.");
	kv[2] = "code";
	for (i = 0; i < nsv; i++) {
		kv[1] = row_part(&sv[i], 0);
		for (e = PX_E_NONE + 1; e < STATS_NERRORS; e++) {
			kv[3] = px_errors[e].pe_code;
			prom_u64(b, "gwproxy_gateway_errors_total", kv, 2,
			    sv[i].r_c[K_ERRORS + e]);
		}
	}

	prom_family(b, "gwproxy_request_duration_seconds", "histogram",
	    "Time from the request head to the end of the response.");
	for (i = 0; i < nsv; i++) {
		if (*row_part(&sv[i], 0) == '\0')
			continue;	/* no service: no route, bad request */
		kv[1] = row_part(&sv[i], 0);
		prom_histogram(b, "gwproxy_request_duration_seconds", kv, 1,
		    sv[i].r_c, K_HIST, K_HIST_SUM);
	}

	prom_family(b, "gwproxy_upstream_duration_seconds", "histogram",
	    "Time from the first connect to a backend to the end of its "
	    "response.");
	kv[2] = "backend";
	for (i = 0; i < nbe; i++) {
		kv[1] = row_part(&be[i], 0);
		kv[3] = row_part(&be[i], 1);
		prom_histogram(b, "gwproxy_upstream_duration_seconds", kv, 2,
		    be[i].r_c, K_UHIST, K_UHIST_SUM);
	}

	prom_family(b, "gwproxy_upstream_connect_failures_total", "counter",
	    "Connects to a backend that failed or timed out.");
	for (i = 0; i < nbe; i++) {
		kv[1] = row_part(&be[i], 0);
		kv[3] = row_part(&be[i], 1);
		prom_u64(b, "gwproxy_upstream_connect_failures_total", kv, 2,
		    be[i].r_c[K_CONNFAIL]);
	}

	prom_family(b, "gwproxy_backend_in_flight_requests", "gauge",
	    "Requests sent to a backend and not yet answered.");
	for (i = 0; i < nbe; i++) {
		kv[1] = row_part(&be[i], 0);
		kv[3] = row_part(&be[i], 1);
		prom_name(b, "gwproxy_backend_in_flight_requests", kv, 2);
		gw_buf_printf(b, " %lld\n", (long long)row_inflight(&be[i]));
	}

	prom_family(b, "gwproxy_in_flight_requests", "gauge",
	    "Requests of a service sent to a backend and not yet answered.");
	for (i = 0; i < nsv; i++) {
		if (*row_part(&sv[i], 0) == '\0')
			continue;
		kv[1] = row_part(&sv[i], 0);
		prom_name(b, "gwproxy_in_flight_requests", kv, 1);
		gw_buf_printf(b, " %lld\n", (long long)row_inflight(&sv[i]));
	}

	prom_family(b, "gwproxy_received_bytes_total", "counter",
	    "Bytes received from clients.");
	for (i = 0; i < nsv; i++) {
		kv[1] = row_part(&sv[i], 0);
		prom_u64(b, "gwproxy_received_bytes_total", kv, 1,
		    sv[i].r_c[K_BYTES_IN]);
	}
	prom_family(b, "gwproxy_sent_bytes_total", "counter",
	    "Bytes sent to clients.");
	for (i = 0; i < nsv; i++) {
		kv[1] = row_part(&sv[i], 0);
		prom_u64(b, "gwproxy_sent_bytes_total", kv, 1,
		    sv[i].r_c[K_BYTES_OUT]);
	}
	prom_family(b, "gwproxy_circuit_breaker_current", "gauge",
	    "What each circuit breaker of a service counts now.");
	breaker_each(prom_breaker_current, b);
	prom_family(b, "gwproxy_circuit_breaker_overflows_total", "counter",
	    "Requests a full circuit breaker refused (503 overloaded).");
	breaker_each(prom_breaker_overflows, b);
	free(sv);
	free(be);
	free(rt);
}

/* "p50=1.25ms" or "p50=-" for a quantile in microseconds. */
static void
show_ms(struct gw_buf *text, const char *name, int64_t us)
{
	if (us < 0)
		gw_buf_printf(text, " %s=-", name);
	else
		gw_buf_printf(text, " %s=%.3fms", name, us / 1e3);
}

static void
show_json_us(struct gw_buf *json, const char *name, int64_t us)
{
	if (us < 0)
		gw_buf_printf(json, ",\"%s\":null", name);
	else
		gw_buf_printf(json, ",\"%s\":%lld", name, (long long)us);
}

/* One service or backend line and JSON object. */
static void
show_row(struct gw_buf *text, struct gw_buf *json, const struct stats_row *r,
    int backend)
{
	const uint64_t	*c = r->r_c;
	const char	*svc = row_part(r, 0);
	int64_t		 p50, p99;

	p50 = row_quantile_us(c, K_HIST, 0.5);
	p99 = row_quantile_us(c, K_HIST, 0.99);
	if (backend)
		gw_buf_printf(text, "backend %s %s", svc, row_part(r, 1));
	else
		gw_buf_printf(text, "service %s", *svc ? svc : "-");
	gw_buf_printf(text, " requests=%llu 2xx=%llu 3xx=%llu 4xx=%llu "
	    "5xx=%llu errors=%llu in_flight=%lld",
	    (unsigned long long)c[K_REQUESTS],
	    (unsigned long long)c[K_CLASS + SC_2XX],
	    (unsigned long long)c[K_CLASS + SC_3XX],
	    (unsigned long long)c[K_CLASS + SC_4XX],
	    (unsigned long long)c[K_CLASS + SC_5XX],
	    (unsigned long long)c[K_CLASS + SC_ERROR],
	    (long long)row_inflight(r));
	show_ms(text, "p50", p50);
	show_ms(text, "p99", p99);
	gw_buf_puts(text, "\n");

	gw_buf_puts(json, "{\"service\":");
	gw_buf_json_str(json, *svc ? svc : NULL);
	if (backend) {
		gw_buf_puts(json, ",\"backend\":");
		gw_buf_json_str(json, row_part(r, 1));
	}
	gw_buf_printf(json, ",\"requests\":%llu,\"responses_1xx\":%llu,"
	    "\"responses_2xx\":%llu,\"responses_3xx\":%llu,"
	    "\"responses_4xx\":%llu,\"responses_5xx\":%llu,"
	    "\"gateway_errors\":%llu,\"aborted\":%llu,\"in_flight\":%lld,"
	    "\"connect_failures\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu",
	    (unsigned long long)c[K_REQUESTS],
	    (unsigned long long)c[K_CLASS + SC_1XX],
	    (unsigned long long)c[K_CLASS + SC_2XX],
	    (unsigned long long)c[K_CLASS + SC_3XX],
	    (unsigned long long)c[K_CLASS + SC_4XX],
	    (unsigned long long)c[K_CLASS + SC_5XX],
	    (unsigned long long)c[K_CLASS + SC_ERROR],
	    (unsigned long long)c[K_CLASS + SC_ABORTED],
	    (long long)row_inflight(r), (unsigned long long)c[K_CONNFAIL],
	    (unsigned long long)c[K_BYTES_IN],
	    (unsigned long long)c[K_BYTES_OUT]);
	show_json_us(json, "latency_p50_us", p50);
	show_json_us(json, "latency_p99_us", p99);
	gw_buf_puts(json, "}");
}

void
stats_show(struct gw_buf *text, struct gw_buf *json)
{
	struct stats_row	*sv, *be;
	size_t			 nsv, nbe, i;

	sv = collect(T_SVC, &nsv);
	be = collect(T_BE, &nbe);
	gw_buf_puts(json, "\"services\":[");
	for (i = 0; i < nsv; i++) {
		gw_buf_puts(json, i ? "," : "");
		show_row(text, json, &sv[i], 0);
	}
	gw_buf_puts(json, "],\"backends\":[");
	for (i = 0; i < nbe; i++) {
		gw_buf_puts(json, i ? "," : "");
		show_row(text, json, &be[i], 1);
	}
	gw_buf_puts(json, "]");
	free(sv);
	free(be);
}

/*
 * The flush.  It remembers the totals it last wrote (flush_prev, sorted
 * like collect()'s rows) and writes the differences; when a write fails
 * they stay, so the next flush writes both intervals as one.  Only one
 * thread flushes at a time (the flush thread, or a test).
 */
static struct stats_row	*flush_prev[2];		/* T_SVC, T_BE */
static size_t		 flush_nprev[2];
static int64_t		 flush_last_ms;		/* end of the last write */
static int64_t		 flush_pruned_ms;	/* last prune; 0: never */
static int		 flush_prune_more;	/* the last one was full */

/* The row of prev with r's key, or NULL; *pi walks prev once. */
static const struct stats_row *
prev_find(const struct stats_row *prev, size_t nprev, size_t *pi,
    const struct stats_row *r)
{
	int c;

	for (; *pi < nprev; (*pi)++) {
		if ((c = row_keycmp(&prev[*pi], r)) == 0)
			return &prev[*pi];
		if (c > 0)
			break;
	}
	return NULL;
}

/* The traffic_stats row of cur minus prev (which may be NULL). */
static int
delta_row(const struct stats_row *cur, const struct stats_row *prev,
    int backend, struct store_stat_row *out)
{
	uint64_t	d[K_FULL];
	int		i;

	for (i = 0; i < K_FULL; i++)
		d[i] = cur->r_c[i] - (prev != NULL ? prev->r_c[i] : 0);
	/* Idle and was idle: no row (a reader counts a missing row as 0). */
	if (d[K_REQUESTS] == 0 && row_inflight(cur) == 0 &&
	    (prev == NULL || row_inflight(prev) == 0))
		return 0;
	memset(out, 0, sizeof(*out));
	out->st_service = row_part(cur, 0);
	out->st_backend = backend ? row_part(cur, 1) : "";
	out->st_requests = (int64_t)d[K_REQUESTS];
	for (i = 0; i < 4; i++)
		out->st_responses[i] = (int64_t)d[K_CLASS + SC_2XX + i];
	out->st_gateway_errors = (int64_t)d[K_CLASS + SC_ERROR];
	out->st_in_flight = row_inflight(cur);
	out->st_bytes_in = (int64_t)d[K_BYTES_IN];
	out->st_bytes_out = (int64_t)d[K_BYTES_OUT];
	out->st_p50_us = row_quantile_us(d, K_HIST, 0.5);
	out->st_p90_us = row_quantile_us(d, K_HIST, 0.9);
	out->st_p99_us = row_quantile_us(d, K_HIST, 0.99);
	return 1;
}

/* "host:pid": which gwproxy wrote a row. */
static const char *
flush_instance(void)
{
	static char	instance[300];
	char		host[256];

	if (instance[0] == '\0') {
		if (gethostname(host, sizeof(host)) == -1)
			gw_strlcpy(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		snprintf(instance, sizeof(instance), "%s:%d", host,
		    (int)getpid());
	}
	return instance;
}

int
stats_flush_now(struct sqlite3 *db, int64_t now_ms, char *errbuf,
    size_t errlen)
{
	struct store_stat_row	*out;
	struct stats_row	*cur[2];
	size_t			 ncur[2], nout = 0, i, pi;
	int64_t			 prune = 0, pruned = 0, interval;
	int			 t, rc = 0;

	cur[0] = collect(T_SVC, &ncur[0]);
	cur[1] = collect(T_BE, &ncur[1]);
	out = gw_calloc(ncur[0] + ncur[1] + 1, sizeof(*out));
	for (t = 0; t < 2; t++) {
		for (i = pi = 0; i < ncur[t]; i++) {
			/* Requests without a service have no row. */
			if (*row_part(&cur[t][i], 0) == '\0')
				continue;
			nout += (size_t)delta_row(&cur[t][i], prev_find(
			    flush_prev[t], flush_nprev[t], &pi, &cur[t][i]),
			    t == 1, &out[nout]);
		}
	}
	if (flush_last_ms == 0)
		flush_last_ms = now_ms - flush_interval_ms;
	interval = now_ms - flush_last_ms > 0 ? now_ms - flush_last_ms : 1;
	if (flush_prune_more || now_ms - flush_pruned_ms >=
	    STATS_PRUNE_EVERY_MS)
		prune = now_ms - STATS_RETENTION_MS;
	/* Nothing to say: no transaction, no commit for others to notice. */
	if (nout > 0 || prune > 0)
		rc = store_stats_write(db, out, nout, now_ms, interval,
		    flush_instance(), prune, &pruned, errbuf, errlen);
	free(out);
	if (rc == -1) {
		free(cur[0]);
		free(cur[1]);
		return -1;
	}
	if (prune > 0) {
		flush_pruned_ms = now_ms;
		flush_prune_more = pruned >= STORE_PRUNE_BATCH;
	}
	for (t = 0; t < 2; t++) {
		free(flush_prev[t]);
		flush_prev[t] = cur[t];
		flush_nprev[t] = ncur[t];
	}
	flush_last_ms = now_ms;
	return 0;
}

static void *
flush_main(void *arg)
{
	struct timespec	ts;
	char		errbuf[512];
	int64_t		failures = 0;
	int		quit;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&flush_mtx);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += flush_interval_ms / 1000;
		ts.tv_nsec += (flush_interval_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		while (!flush_quit && pthread_cond_timedwait(&flush_cond,
		    &flush_mtx, &ts) != ETIMEDOUT)
			;
		quit = flush_quit;
		pthread_mutex_unlock(&flush_mtx);
		/* Passive health first: its events are the more urgent. */
		if (outlier_flush(flush_db, gw_now_ms(), flush_instance(),
		    errbuf, sizeof(errbuf)) == -1)
			gw_log(GW_LOG_WARNING, "passive health events wait for "
			    "the next flush: %s", errbuf);
		if (stats_flush_now(flush_db, gw_now_ms(), errbuf,
		    sizeof(errbuf)) == -1) {
			/* Once per streak, not at every tick of a locked DB. */
			if (failures++ == 0)
				gw_log(GW_LOG_WARNING, "stats flush failed, "
				    "the counts wait for the next one: %s",
				    errbuf);
		} else if (failures > 0) {
			gw_log(GW_LOG_INFO, "stats flush written again after "
			    "%lld failures", (long long)failures);
			failures = 0;
		}
		if (store_heartbeat(flush_db, flush_instance(),
		    flush_started_ms, gw_now_ms(), flush_interval_ms, quit,
		    errbuf, sizeof(errbuf)) == -1 && failures++ == 0)
			gw_log(GW_LOG_WARNING, "heartbeat not written: %s",
			    errbuf);
		if (quit)
			break;
	}
	return NULL;
}

int
stats_flush_start(const char *db_path, int64_t interval_ms, char *errbuf,
    size_t errlen)
{
	if (interval_ms <= 0)
		return 0;
	flush_interval_ms = interval_ms;
	flush_db = gw_db_open(db_path, 0, errbuf, errlen);
	if (flush_db == NULL)
		return -1;
	flush_last_ms = flush_started_ms = gw_now_ms();
	if (pthread_create(&flush_thread, NULL, flush_main, NULL) != 0) {
		snprintf(errbuf, errlen, "cannot start the stats thread");
		gw_db_close(flush_db);
		flush_db = NULL;
		return -1;
	}
	flush_running = 1;
	return 0;
}

void
stats_flush_stop(void)
{
	if (!flush_running)
		return;
	pthread_mutex_lock(&flush_mtx);
	flush_quit = 1;
	pthread_cond_signal(&flush_cond);
	pthread_mutex_unlock(&flush_mtx);
	pthread_join(flush_thread, NULL);
	gw_db_close(flush_db);
	flush_db = NULL;
	flush_running = 0;
}
