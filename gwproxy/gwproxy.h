/*
 * gwproxy: internal interfaces between gwproxy's files.
 *
 *   main.c      options, start-up, signals, drain, the reload thread
 *   snapshot.c  an immutable, reference-counted view of config + health
 *   store.c     all of gwproxy's SQL (loading, health, stats)
 *   worker.c    one thread: event_base, listeners, sessions, upstream pools
 *   session.c   one client connection: requests in order, streaming
 *   upstream.c  connections to backends and their keep-alive pools
 *   reply.c     composing heads: the request upstream, the response back,
 *               the errors gwproxy generates
 *   lb.c        the balancers (pure)      route.c  the route matcher (pure)
 *
 * Threads: N workers, each with its own event_base, listener
 * (SO_REUSEPORT), sessions, pools and balancer state; one reload thread
 * that builds snapshots off the event loops.  What workers share is the
 * current snapshot (immutable; taken under px_snap_mtx only when
 * px_snap_seq moved, so never on the steady-state request path) and
 * atomics.
 */
#ifndef GWPROXY_H
#define GWPROXY_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <event2/event.h>

#include "config.h"
#include "http1.h"
#include "lb.h"
#include "route.h"

struct breaker;
struct outlier;

#define GWPROXY_VERSION		"0.1.0"

#define PX_LISTEN_MAX		16	/* --listen given at most this often */
/* Default time limits on the client side, in milliseconds. */
#define PX_HEADER_TIMEOUT_MS	10000	/* whole request head: slowloris */
#define PX_IDLE_TIMEOUT_MS	60000	/* keep-alive wait for a next request */
#define PX_DRAIN_TIMEOUT_MS	30000
#define PX_POLL_MS		1000	/* PRAGMA data_version polling */
/*
 * Bytes buffered towards a peer before reading from the other side stops:
 * a slow client or backend holds at most this much per direction.
 */
#define PX_BUF_HIGH		(256 * 1024)
/*
 * An idempotent request's body is kept while it may have to go out again
 * (a retry after a reset, a timeout or a 5xx), up to this many bytes;
 * a longer body is streamed without a copy and the request not retried.
 */
#define PX_RETRY_BODY_MAX	(64 * 1024)
/*
 * Idle upstream connections kept per backend per worker: as many as a busy
 * worker has requests in flight to it, so a steady load never reconnects
 * (NGINX's keepalive 1024 in the benchmark's configuration).
 */
#define PX_POOL_MAX_IDLE	1024

/* Health of a backend as the snapshot sees it. */
enum px_health {
	PX_HEALTH_UNKNOWN,
	PX_HEALTH_UP,
	PX_HEALTH_DOWN
};

struct snap_backend {
	const struct gw_backend	*sb_be;		/* in the snapshot's config */
	char			 sb_name[280];	/* "10.0.0.1:80", for logs */
	struct sockaddr_storage	 sb_addr;
	socklen_t		 sb_addrlen;	/* 0: did not resolve */
	int			 sb_health;	/* enum px_health */
	int			 sb_usable;	/* may get new requests */
	uint64_t		 sb_key;	/* lb_hash of sb_name */
};

struct snap_service {
	const struct gw_service	*ss_sv;
	struct snap_backend	*ss_be;		/* owned */
	size_t			 ss_nbe;
	size_t			 ss_nenabled;	/* admin enabled, resolved */
	size_t			 ss_nhealthy;	/* of those, healthy */
	/*
	 * Fewer healthy than the service's panic threshold: every enabled
	 * backend is usable, health and ejections notwithstanding.
	 */
	int			 ss_panic;
};

/* An immutable view of config and health; freed with its last reference. */
struct snapshot {
	atomic_int		 sn_refs;
	int64_t			 sn_generation;	/* config generation */
	int64_t			 sn_built_at;	/* ms since the epoch */
	struct gw_config	 sn_cf;		/* owned */
	struct snap_service	*sn_services;	/* parallel to sn_cf services */
	long			*sn_route_service; /* per route: service index */
	struct route_table	*sn_routes;	/* owned */
};

struct snapshot	*snapshot_build(struct gw_config *cf, int64_t generation,
		    const int *health, char *errbuf, size_t errlen);
void		 snapshot_ref(struct snapshot *sn);
/* Whether healthy of enabled backends is under sv's panic threshold. */
int		 snapshot_panics(const struct gw_service *sv, size_t healthy,
		    size_t enabled);
void		 snapshot_unref(struct snapshot *sn);

/* Global state, set up by main() before the workers start. */
struct proxy {
	const char		*px_db_path;
	char			*px_control_path;
	struct sockaddr_storage	 px_listen[PX_LISTEN_MAX];
	socklen_t		 px_listen_len[PX_LISTEN_MAX];
	int			 px_nlisten;
	int			 px_nworkers;
	struct worker		*px_workers;
	int64_t			 px_drain_timeout_ms;
	int64_t			 px_header_timeout_ms;
	int64_t			 px_idle_timeout_ms;
	int			 px_access_fd;	/* -1: off */

	pthread_mutex_t		 px_snap_mtx;	/* guards px_snap */
	struct snapshot		*px_snap;	/* current; holds a reference */
	atomic_uint_fast64_t	 px_snap_seq;	/* bumped on every swap */
	atomic_int		 px_draining;
	atomic_uint_fast64_t	 px_reloads;	/* snapshots taken */
	atomic_uint_fast64_t	 px_reload_failures;
};
extern struct proxy px;

/* Asks the reload thread for a new snapshot now (thread-safe). */
uint64_t	 proxy_reload(void);
/*
 * Asks for a reload and waits until one that began after the ask has
 * finished, at most timeout_ms: 0 when it installed a snapshot, -1 when it
 * was rejected or did not finish in time.  Not for worker threads.
 */
int		 proxy_reload_wait(int64_t timeout_ms);
/* admin.c: the admin HTTP listener and the control socket. */
/*
 * admin_start binds the admin listener and the control socket (before
 * the workers start, so a second gwproxy on the same socket stops before
 * it takes any traffic); admin_run starts serving them.
 */
int		 admin_start(const char *admin, char *errbuf, size_t errlen);
int		 admin_run(char *errbuf, size_t errlen);
void		 admin_stop(void);

/* Takes a reference to the current snapshot. */
struct snapshot	*proxy_snapshot(void);
/* Installs sn (taking over the caller's reference) as current. */
void		 proxy_snapshot_set(struct snapshot *sn);

/*
 * One worker's balancer state for one snapshot.  Sessions of a request
 * hold it (ws_users) so a request finishes on the snapshot it started
 * with; the worker drops it when it is not current and unused.
 */
struct wsnap {
	struct snapshot		*ws_snap;	/* holds a reference */
	/*
	 * The worker's own route table: glibc's regexec() locks each
	 * compiled regex, so sharing one table would make workers take
	 * turns on regex routes.
	 */
	struct route_table	*ws_routes;	/* owned */
	struct lb		*ws_lb;		/* per service */
	struct lb_backend	**ws_lbbe;	/* per service, per backend */
	/* Stats entries per service, per backend; filled on first use. */
	struct stats_ref	**ws_sref;
	/* Passive health entries per service, per backend (shared). */
	struct outlier		***ws_out;
	/* Circuit breakers per service (shared). */
	struct breaker		**ws_brk;
	int			 ws_users;
	int			 ws_current;
};

struct breaker;
struct outlier;
struct pool;
struct session;
TAILQ_HEAD(session_list, session);

struct worker {
	int			 w_id;
	pthread_t		 w_thread;
	struct event_base	*w_base;
	struct evconnlistener	*w_listeners[PX_LISTEN_MAX];
	int			 w_nlisteners;
	struct wsnap		*w_ws;		/* current */
	uint64_t		 w_snap_seq;
	struct session_list	 w_sessions;
	size_t			 w_nsessions;
	struct pool		**w_pools;	/* hash table by backend name */
	size_t			 w_npools;
	struct event		*w_wake;	/* on w_wakefd */
	int			 w_wakefd;	/* eventfd: other threads wake us */
	atomic_int		 w_stop;	/* leave the event loop */
	uint64_t		 w_rng;
	/* Counters, read racily (relaxed atomics) by the stats thread. */
	atomic_uint_fast64_t	 w_requests;
	atomic_uint_fast64_t	 w_active;
};

int		 worker_init(struct worker *w, int id, char *errbuf,
		    size_t errlen);
void		*worker_main(void *arg);
/* The worker's state for the current snapshot (switching if needed). */
struct wsnap	*worker_wsnap(struct worker *w);
void		 wsnap_release(struct worker *w, struct wsnap *ws);
/* Asks the worker to drain (thread-safe). */
void		 worker_drain(struct worker *w);
/* Asks the worker to leave its event loop (thread-safe). */
void		 worker_stop(struct worker *w);
/* Adds a listening socket (bound and listening) to the worker. */
int		 worker_listen(struct worker *w, int fd, char *errbuf,
		    size_t errlen);

/* session.c */
void		 session_accept(struct worker *w, int fd,
		    const struct sockaddr *sa, int salen);
void		 session_drain(struct session *se);
/* Drains every session of the worker. */
void		 session_drain_all(struct worker *w);
void		 session_abort(struct session *se);
/* Frees what the calling worker thread kept for requests (at its end). */
void		 session_thread_end(void);

/* upstream.c */
struct upconn;
/*
 * Gets a connection to backend sb: an idle pooled one (*reused = 1, ready
 * to write) or a new one whose connect has started (*reused = 0; the
 * caller's event callback sees BEV_EVENT_CONNECTED, or an error or a
 * timeout after connect_timeout_ms).  With fresh, always a new one.  The
 * caller sets the callbacks.  NULL when no socket could be made, or
 * (*overloaded set) when a new one would take the service over its
 * max_connections breaker (brk, counted until upconn_free()).
 */
struct upconn	*upconn_get(struct worker *w, const struct snap_backend *sb,
		    int64_t connect_timeout_ms, int fresh, int *reused,
		    struct breaker *brk, int64_t max_connections,
		    int *overloaded);
void		 upconn_release(struct worker *w, struct upconn *uc,
		    int reusable, int64_t idle_timeout_ms);
struct bufferevent *upconn_bev(struct upconn *uc);
/* The connection's reader (rd.h): reads go through it, not the bev. */
struct rd	*upconn_rd(struct upconn *uc);
void		 upconn_free(struct upconn *uc);
void		 pools_free(struct worker *w);

/* Monotonic clock in nanoseconds. */
int64_t		 px_now_ns(void);
/*
 * CLOCK_MONOTONIC_COARSE in ns: a few ms of resolution, no TSC read; for
 * the timers, which only need to be right to a few ms.
 */
int64_t		 px_coarse_ns(void);
/*
 * CLOCK_REALTIME_COARSE in ms since the epoch: passive-health ejections,
 * whose times also go to the DB.
 */
int64_t		 px_wall_ms(void);

#endif /* GWPROXY_H */
