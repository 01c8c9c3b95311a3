/*
 * outlier: passive health; see outlier.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "outlier.h"
#include "store.h"
#include "str.h"

/* Hash buckets of the entries: a few thousand backends stay short. */
#define OUTLIER_BUCKETS	1024
/* Events waiting for the DB; beyond this the oldest are dropped (logged). */
#define OUTLIER_QUEUE_MAX	4096

static pthread_mutex_t	 out_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct outlier	*out_tab[OUTLIER_BUCKETS];	/* under out_mtx */
/* Queued events, under out_mtx. */
static struct store_outlier_ev *out_q;
static size_t		 out_nq, out_capq;
static uint64_t		 out_dropped;

int64_t
outlier_duration_ms(int n, int64_t base_ms, int64_t max_ms)
{
	if (n < 1)
		n = 1;
	/* n x base without overflow: base is at most a day. */
	if (base_ms > 0 && n > max_ms / base_ms)
		return max_ms;
	return n * base_ms < max_ms ? n * base_ms : max_ms;
}

size_t
outlier_cap(size_t n, int64_t max_pct)
{
	size_t cap = (size_t)((uint64_t)n * (uint64_t)max_pct / 100);

	return cap > 0 ? cap : 1;
}

static size_t
outlier_hash(const char *service, const char *backend)
{
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */
	const char	*p;

	for (p = service; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ '/') * 1099511628211ULL;
	for (p = backend; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (size_t)(h % OUTLIER_BUCKETS);
}

struct outlier *
outlier_get(const char *service, const struct gw_backend *be,
    const char *name)
{
	struct outlier	*o;
	size_t		 h = outlier_hash(service, name);

	pthread_mutex_lock(&out_mtx);
	for (o = out_tab[h]; o != NULL; o = o->o_next)
		if (strcmp(o->o_service, service) == 0 &&
		    strcmp(o->o_backend, name) == 0)
			break;
	if (o == NULL) {
		o = gw_calloc(1, sizeof(*o));
		atomic_init(&o->o_5xx, 0);
		atomic_init(&o->o_gateway, 0);
		atomic_init(&o->o_until_ms, 0);
		gw_strlcpy(o->o_service, service, sizeof(o->o_service));
		gw_strlcpy(o->o_backend, name, sizeof(o->o_backend));
		gw_strlcpy(o->o_host, be->be_host, sizeof(o->o_host));
		o->o_port = (int)be->be_port;
		o->o_next = out_tab[h];
		out_tab[h] = o;
	}
	pthread_mutex_unlock(&out_mtx);
	return o;
}

/* Queues an event of o (under out_mtx). */
static void
outlier_queue(const struct outlier *o, int64_t at, int end, int64_t until,
    const char *reason)
{
	struct store_outlier_ev	*e;

	if (out_nq == OUTLIER_QUEUE_MAX) {
		/* The DB is unwritable for long: keep the newest. */
		memmove(out_q, out_q + 1, (out_nq - 1) * sizeof(*out_q));
		out_nq--;
		out_dropped++;
	}
	if (out_nq == out_capq) {
		out_capq = out_capq > 0 ? out_capq * 2 : 16;
		out_q = gw_reallocarray(out_q, out_capq, sizeof(*out_q));
	}
	e = &out_q[out_nq++];
	memset(e, 0, sizeof(*e));
	e->oe_at = at;
	e->oe_end = end;
	gw_strlcpy(e->oe_service, o->o_service, sizeof(e->oe_service));
	gw_strlcpy(e->oe_backend, o->o_backend, sizeof(e->oe_backend));
	gw_strlcpy(e->oe_host, o->o_host, sizeof(e->oe_host));
	e->oe_port = o->o_port;
	e->oe_until = until;
	e->oe_ejections = o->o_ejections;
	gw_strlcpy(e->oe_reason, reason, sizeof(e->oe_reason));
}

size_t
outlier_count(struct outlier *const *out, size_t n, int64_t now_ms)
{
	size_t	i, c = 0;

	for (i = 0; i < n; i++)
		c += outlier_ejected(out[i], now_ms);
	return c;
}

/* Ejects out[i] for reason unless the cap says no (under out_mtx). */
static void
outlier_eject(struct outlier *const *out, size_t n, size_t i,
    const struct gw_service *sv, int64_t now_ms, const char *reason)
{
	struct outlier	*o = out[i];
	int64_t		 ms, until, old;

	if (outlier_ejected(o, now_ms))
		return;
	if (outlier_count(out, n, now_ms) >= outlier_cap(n,
	    sv->sv_eject_max_pct)) {
		gw_log(GW_LOG_WARNING, "service %s backend %s: not ejected "
		    "(%s): %d%% of the backends are ejected already",
		    o->o_service, o->o_backend, reason,
		    (int)sv->sv_eject_max_pct);
		return;
	}
	/* The last ejection is over, but outlier_flush() has not said so. */
	old = atomic_load_explicit(&o->o_until_ms, memory_order_relaxed);
	if (old != 0) {
		o->o_end_ms = old;
		outlier_queue(o, old, 1, old, "ejection over");
	}
	/* A backend good for a whole max time starts the count again. */
	if (o->o_end_ms > 0 && now_ms - o->o_end_ms > sv->sv_eject_max_ms)
		o->o_ejections = 0;
	o->o_ejections++;
	ms = outlier_duration_ms(o->o_ejections, sv->sv_eject_base_ms,
	    sv->sv_eject_max_ms);
	until = now_ms + ms;
	atomic_store_explicit(&o->o_until_ms, until, memory_order_relaxed);
	gw_log(GW_LOG_WARNING, "service %s backend %s: ejected for %lld ms "
	    "(%s; ejection %d in a row)", o->o_service, o->o_backend,
	    (long long)ms, reason, o->o_ejections);
	outlier_queue(o, now_ms, 0, until, reason);
}

void
outlier_report(struct outlier *const *out, size_t n, size_t i,
    const struct gw_service *sv, enum outlier_result r, int64_t now_ms)
{
	struct outlier		*o;
	enum outlier_result	 hit;
	char			 reason[96];
	int			 s5xx, sgw;

	if (i >= n || (o = out[i]) == NULL)
		return;
	if (r == OUT_OK) {
		/* Read first: the usual case writes no shared cache line. */
		if (atomic_load_explicit(&o->o_5xx, memory_order_relaxed) != 0)
			atomic_store_explicit(&o->o_5xx, 0,
			    memory_order_relaxed);
		if (atomic_load_explicit(&o->o_gateway,
		    memory_order_relaxed) != 0)
			atomic_store_explicit(&o->o_gateway, 0,
			    memory_order_relaxed);
		return;
	}
	if (sv->sv_eject_5xx == 0 && sv->sv_eject_gateway == 0)
		return;
	/*
	 * The streaks of all workers together: each result is one atomic
	 * step, so concurrent reports are all counted.
	 */
	if (r == OUT_5XX) {
		atomic_store_explicit(&o->o_gateway, 0, memory_order_relaxed);
		sgw = 0;
	} else
		sgw = atomic_fetch_add_explicit(&o->o_gateway, 1,
		    memory_order_relaxed) + 1;
	s5xx = atomic_fetch_add_explicit(&o->o_5xx, 1,
	    memory_order_relaxed) + 1;
	hit = OUT_OK;
	if (sv->sv_eject_gateway > 0 && sgw >= sv->sv_eject_gateway)
		hit = OUT_GATEWAY;
	else if (sv->sv_eject_5xx > 0 && s5xx >= sv->sv_eject_5xx)
		hit = OUT_5XX;
	if (hit == OUT_OK)
		return;
	snprintf(reason, sizeof(reason), "%d consecutive %s",
	    hit == OUT_GATEWAY ? sgw : s5xx,
	    hit == OUT_GATEWAY ? "gateway failures" : "5xx");
	atomic_store_explicit(&o->o_5xx, 0, memory_order_relaxed);
	atomic_store_explicit(&o->o_gateway, 0, memory_order_relaxed);
	pthread_mutex_lock(&out_mtx);
	outlier_eject(out, n, i, sv, now_ms, reason);
	pthread_mutex_unlock(&out_mtx);
}

int
outlier_flush(sqlite3 *db, int64_t now_ms, const char *instance,
    char *errbuf, size_t errlen)
{
	struct store_outlier_ev	*q;
	struct outlier		*o;
	size_t			 i, nq;
	int64_t			 until;
	int			 rc;

	pthread_mutex_lock(&out_mtx);
	for (i = 0; i < OUTLIER_BUCKETS; i++)
		for (o = out_tab[i]; o != NULL; o = o->o_next) {
			until = atomic_load_explicit(&o->o_until_ms,
			    memory_order_relaxed);
			if (until == 0 || until > now_ms)
				continue;
			atomic_store_explicit(&o->o_until_ms, 0,
			    memory_order_relaxed);
			o->o_end_ms = until;
			gw_log(GW_LOG_INFO, "service %s backend %s: ejection "
			    "over", o->o_service, o->o_backend);
			outlier_queue(o, until, 1, until, "ejection over");
		}
	if (out_dropped > 0) {
		gw_log(GW_LOG_WARNING, "passive health: %llu events could "
		    "not be written to the database and were dropped",
		    (unsigned long long)out_dropped);
		out_dropped = 0;
	}
	q = out_q;
	nq = out_nq;
	out_q = NULL;
	out_nq = out_capq = 0;
	pthread_mutex_unlock(&out_mtx);
	if (nq == 0)
		return 0;
	rc = store_outlier_write(db, q, nq, instance, errbuf, errlen);
	if (rc == -1) {
		/* Back in front of what came meanwhile, in order. */
		pthread_mutex_lock(&out_mtx);
		q = gw_reallocarray(q, nq + out_nq + 1, sizeof(*q));
		if (out_nq > 0)
			memcpy(q + nq, out_q, out_nq * sizeof(*q));
		free(out_q);
		out_q = q;
		out_nq += nq;
		out_capq = out_nq + 1;
		while (out_nq > OUTLIER_QUEUE_MAX) {
			memmove(out_q, out_q + 1, (out_nq - 1) * sizeof(*q));
			out_nq--;
			out_dropped++;
		}
		pthread_mutex_unlock(&out_mtx);
		return -1;
	}
	free(q);
	return 0;
}

void
outlier_show(struct gw_buf *text, struct gw_buf *json, int64_t now_ms)
{
	struct outlier	*o;
	size_t		 i;
	int64_t		 until;
	int		 first = 1;

	gw_buf_puts(json, "[");
	pthread_mutex_lock(&out_mtx);
	for (i = 0; i < OUTLIER_BUCKETS; i++)
		for (o = out_tab[i]; o != NULL; o = o->o_next) {
			until = atomic_load_explicit(&o->o_until_ms,
			    memory_order_relaxed);
			if (until <= now_ms)
				continue;
			gw_buf_printf(text, "ejected service=%s backend=%s "
			    "left_ms=%lld ejections=%d\n", o->o_service,
			    o->o_backend, (long long)(until - now_ms),
			    o->o_ejections);
			gw_buf_printf(json, "%s{\"service\":", first ? "" :
			    ",");
			gw_buf_json_str(json, o->o_service);
			gw_buf_puts(json, ",\"backend\":");
			gw_buf_json_str(json, o->o_backend);
			gw_buf_printf(json, ",\"left_ms\":%lld,"
			    "\"ejections\":%d}", (long long)(until - now_ms),
			    o->o_ejections);
			first = 0;
		}
	pthread_mutex_unlock(&out_mtx);
	gw_buf_puts(json, "]");
}
