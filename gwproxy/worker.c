/*
 * worker: one thread with its own event_base, its own SO_REUSEPORT
 * listening sockets (the kernel spreads connections over the workers), its
 * sessions, upstream pools and balancer state.  Nothing here is shared
 * with other workers except the snapshot (read-only) and atomics.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "gwproxy.h"
#include "lb.h"
#include "breaker.h"
#include "log.h"
#include "outlier.h"
#include "route.h"
#include "stats.h"
#include "str.h"

static void
wsnap_free(struct wsnap *ws)
{
	size_t i, n = ws->ws_snap->sn_cf.cf_nservices;

	for (i = 0; i < n; i++) {
		if (ws->ws_lbbe[i] != NULL)
			lb_free(&ws->ws_lb[i]);
		free(ws->ws_lbbe[i]);
		free(ws->ws_sref[i]);
		free(ws->ws_out[i]);
	}
	free(ws->ws_sref);
	free(ws->ws_out);
	free(ws->ws_brk);
	free(ws->ws_lb);
	free(ws->ws_lbbe);
	route_table_free(ws->ws_routes);
	snapshot_unref(ws->ws_snap);
	free(ws);
}

static struct wsnap *
wsnap_new(struct worker *w, struct snapshot *sn)
{
	struct wsnap			*ws;
	const struct snap_service	*ss;
	struct lb_backend		*lbe;
	char				 errbuf[512];
	size_t				 i, k, n = sn->sn_cf.cf_nservices;

	ws = gw_calloc(1, sizeof(*ws));
	ws->ws_snap = sn;
	/* The snapshot's table compiled, so this one does too. */
	if ((ws->ws_routes = route_table_build(&sn->sn_cf, errbuf,
	    sizeof(errbuf))) == NULL)
		gw_fatalx("worker %d: %s", w->w_id, errbuf);
	ws->ws_lb = gw_calloc(n + 1, sizeof(*ws->ws_lb));
	ws->ws_lbbe = gw_calloc(n + 1, sizeof(*ws->ws_lbbe));
	ws->ws_sref = gw_calloc(n + 1, sizeof(*ws->ws_sref));
	ws->ws_out = gw_calloc(n + 1, sizeof(*ws->ws_out));
	ws->ws_brk = gw_calloc(n + 1, sizeof(*ws->ws_brk));
	for (i = 0; i < n; i++) {
		ss = &sn->sn_services[i];
		ws->ws_brk[i] = breaker_get(ss->ss_sv->sv_name);
		if (ss->ss_nbe == 0)
			continue;
		ws->ws_sref[i] = gw_calloc(ss->ss_nbe, sizeof(**ws->ws_sref));
		ws->ws_out[i] = gw_calloc(ss->ss_nbe, sizeof(**ws->ws_out));
		for (k = 0; k < ss->ss_nbe; k++)
			ws->ws_out[i][k] = outlier_get(ss->ss_sv->sv_name,
			    ss->ss_be[k].sb_be, ss->ss_be[k].sb_name);
		lbe = gw_calloc(ss->ss_nbe, sizeof(*lbe));
		for (k = 0; k < ss->ss_nbe; k++) {
			lbe[k].lb_weight = (uint32_t)ss->ss_be[k].sb_be->
			    be_weight;
			lbe[k].lb_usable = ss->ss_be[k].sb_usable;
			lbe[k].lb_key = ss->ss_be[k].sb_key;
		}
		if (lb_init(&ws->ws_lb[i], ss->ss_sv->sv_lb, lbe, ss->ss_nbe,
		    w->w_rng++ * 0x9e3779b97f4a7c15ULL + (uint64_t)w->w_id + 1)
		    == -1) {
			free(lbe);
			continue;
		}
		ws->ws_lbbe[i] = lbe;
	}
	ws->ws_current = 1;
	return ws;
}

struct wsnap *
worker_wsnap(struct worker *w)
{
	struct snapshot	*sn;
	uint64_t	 seq;

	seq = atomic_load_explicit(&px.px_snap_seq, memory_order_acquire);
	if (w->w_ws != NULL && w->w_snap_seq == seq)
		return w->w_ws;
	/* The snapshot moved: once per reload, not per request. */
	pthread_mutex_lock(&px.px_snap_mtx);
	sn = px.px_snap;
	snapshot_ref(sn);
	seq = atomic_load_explicit(&px.px_snap_seq, memory_order_relaxed);
	pthread_mutex_unlock(&px.px_snap_mtx);
	if (w->w_ws != NULL) {
		w->w_ws->ws_current = 0;
		if (w->w_ws->ws_users == 0)
			wsnap_free(w->w_ws);
	}
	w->w_ws = wsnap_new(w, sn);
	w->w_snap_seq = seq;
	return w->w_ws;
}

void
wsnap_release(struct worker *w, struct wsnap *ws)
{
	(void)w;
	if (--ws->ws_users == 0 && !ws->ws_current)
		wsnap_free(ws);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	(void)l;
	session_accept(arg, fd, sa, salen);
}

static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	int e = EVUTIL_SOCKET_ERROR();

	(void)l;
	(void)arg;
	/* EMFILE and friends: log and keep going; the loop retries. */
	gw_log(GW_LOG_WARNING, "accept: %s", evutil_socket_error_to_string(e));
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	uint64_t	 n;
	int		 i;

	(void)what;
	/* EAGAIN: a wake another turn already took; nothing to do. */
	(void)!read(fd, &n, sizeof(n));
	if (atomic_load(&w->w_stop)) {
		event_base_loopbreak(w->w_base);
		return;
	}
	if (!atomic_load(&px.px_draining))
		return;
	/*
	 * Closed, not just disabled: a disabled socket still completes
	 * handshakes into its backlog that no one would ever serve.
	 */
	for (i = 0; i < w->w_nlisteners; i++)
		evconnlistener_free(w->w_listeners[i]);
	w->w_nlisteners = 0;
	session_drain_all(w);
}

/*
 * Wakes the worker from another thread.  The worker's event_base has no
 * lock (EVENT_BASE_FLAG_NOLOCK: one thread uses it), so other threads
 * touch it only through this eventfd.
 */
static void
worker_wake(struct worker *w)
{
	uint64_t one = 1;

	if (write(w->w_wakefd, &one, sizeof(one)) == -1)
		gw_log(GW_LOG_WARNING, "worker %d: wake: %s", w->w_id,
		    strerror(errno));
}

void
worker_drain(struct worker *w)
{
	worker_wake(w);
}

void
worker_stop(struct worker *w)
{
	atomic_store(&w->w_stop, 1);
	worker_wake(w);
}

int
worker_listen(struct worker *w, int fd, char *errbuf,
    size_t errlen)
{
	struct evconnlistener *l;

	l = evconnlistener_new(w->w_base, on_accept, w,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (l == NULL) {
		snprintf(errbuf, errlen, "cannot listen: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return -1;
	}
	evconnlistener_set_error_cb(l, on_accept_error);
	w->w_listeners[w->w_nlisteners++] = l;
	return 0;
}

int
worker_init(struct worker *w, int id, char *errbuf, size_t errlen)
{
	struct event_config *cfg;

	memset(w, 0, sizeof(*w));
	w->w_id = id;
	w->w_rng = (uint64_t)id + 1;
	TAILQ_INIT(&w->w_sessions);
	/*
	 * No lock: only this worker's thread uses the base, and the locks
	 * evthread_use_pthreads() would add cost a mutex pair per event.
	 */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK) == -1 ||
	    (w->w_base = event_base_new_with_config(cfg)) == NULL) {
		snprintf(errbuf, errlen, "cannot create an event base");
		if (cfg != NULL)
			event_config_free(cfg);
		return -1;
	}
	event_config_free(cfg);
	if ((w->w_wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(errbuf, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	w->w_wake = event_new(w->w_base, w->w_wakefd, EV_READ | EV_PERSIST,
	    on_wake, w);
	if (w->w_wake != NULL)
		event_add(w->w_wake, NULL);
	if (w->w_wake == NULL) {
		snprintf(errbuf, errlen, "cannot create an event");
		return -1;
	}
	return 0;
}

void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	int		 i;

	/* Take the snapshot before the first request needs it. */
	worker_wsnap(w);
	event_base_dispatch(w->w_base);
	for (i = 0; i < w->w_nlisteners; i++)
		evconnlistener_free(w->w_listeners[i]);
	while (!TAILQ_EMPTY(&w->w_sessions))
		session_abort(TAILQ_FIRST(&w->w_sessions));
	pools_free(w);
	session_thread_end();
	if (w->w_ws != NULL) {
		w->w_ws->ws_current = 0;
		if (w->w_ws->ws_users == 0)
			wsnap_free(w->w_ws);
		w->w_ws = NULL;
	}
	event_free(w->w_wake);
	close(w->w_wakefd);
	event_base_free(w->w_base);
	return NULL;
}
