/*
 * upstream: connections to backends and the per-worker keep-alive pools.
 *
 * A pool is the idle connections of one worker to one backend address,
 * most recently used first: the one that idled least is the least likely
 * to have been closed by the backend's own idle timer.  While idle a
 * connection is read-enabled, so a close or stray bytes from the backend
 * remove it at once instead of failing the next request.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "breaker.h"
#include "gwproxy.h"
#include "lb.h"
#include "rd.h"
#include "str.h"

#define POOL_BUCKETS	256

struct pool {
	char			 p_name[280];	/* backend "host:port" */
	struct sockaddr_storage	 p_addr;
	socklen_t		 p_addrlen;
	TAILQ_HEAD(, upconn)	 p_idle;
	int			 p_nidle;
	struct pool		*p_next;	/* hash chain */
};

struct upconn {
	struct bufferevent	*uc_bev;	/* owned */
	struct rd		 uc_rd;		/* reads uc_bev's socket */
	/*
	 * Idle expiry: a timer of its own, not a read timeout, so taking a
	 * connection from the pool and putting it back costs no epoll_ctl;
	 * and armed lazily (uc_due_ns: when the idle time ends; uc_armed_ns:
	 * when the pending event fires, 0 none), so that it costs no
	 * event_add(3) either while the connection is busy.
	 */
	struct event		*uc_idle_timer;	/* owned */
	int64_t			 uc_due_ns;
	int64_t			 uc_armed_ns;
	struct worker		*uc_w;
	struct pool		*uc_pool;
	struct breaker		*uc_brk;	/* counts it; may be NULL */
	TAILQ_ENTRY(upconn)	 uc_entry;	/* while idle */
	int			 uc_idle;
};

static struct pool *
pool_find(struct worker *w, const struct snap_backend *sb)
{
	struct pool	*p;
	size_t		 h;

	if (w->w_pools == NULL) {
		w->w_pools = gw_calloc(POOL_BUCKETS, sizeof(*w->w_pools));
		w->w_npools = POOL_BUCKETS;
	}
	h = (size_t)(sb->sb_key % POOL_BUCKETS);
	for (p = w->w_pools[h]; p != NULL; p = p->p_next)
		if (p->p_addrlen == sb->sb_addrlen &&
		    memcmp(&p->p_addr, &sb->sb_addr, sb->sb_addrlen) == 0 &&
		    strcmp(p->p_name, sb->sb_name) == 0)
			return p;
	p = gw_calloc(1, sizeof(*p));
	gw_strlcpy(p->p_name, sb->sb_name, sizeof(p->p_name));
	memcpy(&p->p_addr, &sb->sb_addr, sb->sb_addrlen);
	p->p_addrlen = sb->sb_addrlen;
	TAILQ_INIT(&p->p_idle);
	p->p_next = w->w_pools[h];
	w->w_pools[h] = p;
	return p;
}

struct bufferevent *
upconn_bev(struct upconn *uc)
{
	return uc->uc_bev;
}

struct rd *
upconn_rd(struct upconn *uc)
{
	return &uc->uc_rd;
}

void
upconn_free(struct upconn *uc)
{
	if (uc->uc_idle) {
		TAILQ_REMOVE(&uc->uc_pool->p_idle, uc, uc_entry);
		uc->uc_pool->p_nidle--;
	}
	if (uc->uc_idle_timer != NULL)
		event_free(uc->uc_idle_timer);
	breaker_give(uc->uc_brk, BRK_CONNECTIONS);
	rd_fini(&uc->uc_rd);
	bufferevent_free(uc->uc_bev);
	free(uc);
}

static void
idle_arm(struct upconn *uc, int64_t now)
{
	struct timeval	tv;
	int64_t		us = (uc->uc_due_ns - now) / 1000;

	if (us < 0)
		us = 0;
	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	evtimer_add(uc->uc_idle_timer, &tv);
	uc->uc_armed_ns = uc->uc_due_ns;
}

/* Early by no more than this (libevent's coarse clock), it is due. */
#define IDLE_SLACK_NS	(5 * 1000000)

static void
idle_expired(evutil_socket_t fd, short what, void *arg)
{
	struct upconn	*uc = arg;
	int64_t		 now;

	(void)fd;
	(void)what;
	uc->uc_armed_ns = 0;
	if (!uc->uc_idle)
		return;			/* in use; re-armed when released */
	now = px_coarse_ns();
	if (uc->uc_due_ns - now > IDLE_SLACK_NS) {
		idle_arm(uc, now);	/* released again since armed */
		return;
	}
	upconn_free(uc);
}

/* An idle connection spoke or closed: it cannot carry a request now. */
static void
idle_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	upconn_free(arg);
}

static void
idle_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	upconn_free(arg);
}

struct upconn *
upconn_get(struct worker *w, const struct snap_backend *sb,
    int64_t connect_timeout_ms, int fresh, int *reused, struct breaker *brk,
    int64_t max_connections, int *overloaded)
{
	struct pool	*p = pool_find(w, sb);
	struct upconn	*uc;
	struct timeval	 tv;
	int		 one = 1;

	if (!fresh && (uc = TAILQ_FIRST(&p->p_idle)) != NULL) {
		TAILQ_REMOVE(&p->p_idle, uc, uc_entry);
		p->p_nidle--;
		uc->uc_idle = 0;
		bufferevent_setcb(uc->uc_bev, NULL, NULL, NULL, NULL);
		/* The idle timer stays pending: see uc_armed_ns. */
		*reused = 1;
		return uc;
	}
	*reused = 0;
	*overloaded = 0;
	if (!breaker_take(brk, BRK_CONNECTIONS, max_connections)) {
		*overloaded = 1;
		return NULL;
	}
	uc = gw_calloc(1, sizeof(*uc));
	uc->uc_w = w;
	uc->uc_pool = p;
	uc->uc_brk = brk;
	uc->uc_bev = bufferevent_socket_new(w->w_base, -1,
	    BEV_OPT_CLOSE_ON_FREE);
	if (uc->uc_bev == NULL) {
		breaker_give(brk, BRK_CONNECTIONS);
		free(uc);
		return NULL;
	}
	/* Before connect, a write timeout bounds the connect itself. */
	tv.tv_sec = connect_timeout_ms / 1000;
	tv.tv_usec = (connect_timeout_ms % 1000) * 1000;
	bufferevent_set_timeouts(uc->uc_bev, NULL, &tv);
	if (bufferevent_socket_connect(uc->uc_bev,
	    (struct sockaddr *)&p->p_addr, (int)p->p_addrlen) == -1 ||
	    rd_init(&uc->uc_rd, w->w_base, uc->uc_bev) == -1 ||
	    (uc->uc_idle_timer = evtimer_new(w->w_base, idle_expired,
	    uc)) == NULL) {
		rd_fini(&uc->uc_rd);
		bufferevent_free(uc->uc_bev);
		breaker_give(brk, BRK_CONNECTIONS);
		free(uc);
		return NULL;
	}
	setsockopt(bufferevent_getfd(uc->uc_bev), IPPROTO_TCP, TCP_NODELAY,
	    &one, sizeof(one));
	return uc;
}

void
upconn_release(struct worker *w, struct upconn *uc, int reusable,
    int64_t idle_timeout_ms)
{
	struct pool	*p = uc->uc_pool;
	int64_t		 now;

	if (!reusable || p->p_nidle >= PX_POOL_MAX_IDLE ||
	    atomic_load_explicit(&px.px_draining, memory_order_relaxed) ||
	    evbuffer_get_length(bufferevent_get_input(uc->uc_bev)) > 0) {
		upconn_free(uc);
		return;
	}
	(void)w;
	now = px_coarse_ns();
	uc->uc_due_ns = now + idle_timeout_ms * 1000000;
	bufferevent_setcb(uc->uc_bev, NULL, NULL, idle_event, uc);
	bufferevent_setwatermark(uc->uc_bev, EV_WRITE, 0, 0);
	rd_setcb(&uc->uc_rd, idle_read, idle_event, uc);
	rd_enable(&uc->uc_rd);
	if (uc->uc_armed_ns == 0 || uc->uc_armed_ns > uc->uc_due_ns)
		idle_arm(uc, now);
	uc->uc_idle = 1;
	TAILQ_INSERT_HEAD(&p->p_idle, uc, uc_entry);
	p->p_nidle++;
}

void
pools_free(struct worker *w)
{
	struct pool	*p, *next;
	size_t		 i;

	for (i = 0; i < w->w_npools; i++) {
		for (p = w->w_pools[i]; p != NULL; p = next) {
			next = p->p_next;
			while (!TAILQ_EMPTY(&p->p_idle))
				upconn_free(TAILQ_FIRST(&p->p_idle));
			free(p);
		}
	}
	free(w->w_pools);
	w->w_pools = NULL;
	w->w_npools = 0;
}
