/*
 * session: one client connection and the requests on it, one at a time in
 * arrival order (pipelined requests wait in the input buffer, so answers
 * go out in order).
 *
 *   HEAD     reading a request head (the header deadline runs: slowloris
 *            gets 408); between requests the idle deadline runs instead
 *   CONNECT  the head is parsed, routed and balanced; a backend connection
 *            is being opened (a failed connect tries another backend)
 *   FORWARD  the request body streams up, the response streams back; each
 *            direction stops reading when the other side has PX_BUF_HIGH
 *            bytes queued and resumes when they drain (watermarks)
 *   TUNNEL   after a 101 answer to an Upgrade: bytes both ways
 *   CLOSING  a last response is being flushed; then the session ends
 *
 * Every path that ends the session goes through session_close(), which
 * frees everything; callers return at once after it (the session is gone).
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sodium.h>

#include "config.h"
#include "duration.h"
#include "gwproxy.h"
#include "http1.h"
#include "lb.h"
#include "breaker.h"
#include "log.h"
#include "outlier.h"
#include "rd.h"
#include "reply.h"
#include "route.h"
#include "stats.h"
#include "str.h"

enum se_state {
	SE_HEAD,
	SE_CONNECT,
	SE_FORWARD,
	SE_TUNNEL,
	SE_CLOSING
};

enum se_timer {
	T_NONE,
	T_IDLE,		/* keep-alive: waiting for a next request */
	T_HEADER,	/* a request head is arriving */
	T_REQUEST,	/* the whole exchange with the backend */
	T_RESPHEAD,	/* request sent, the response head is due */
	T_LINGER	/* closing: reading what the client still sends */
};

/*
 * After its last response a closing connection is half-closed and read
 * (and discarded) this long: closing with unread bytes would send a RST
 * that can destroy the response in the client's kernel before it is read
 * (RFC 9112 9.6; NGINX's lingering_close).
 */
#define PX_LINGER_MS	2000

/*
 * What only a request in flight needs: the two parsed heads (4 KiB each,
 * for their field arrays) and the buffers holding their bytes.  Taken
 * from the worker's free list when a head starts arriving and given back
 * when the request ends, so an idle keep-alive connection holds none of
 * it, and a busy one allocates nothing per request.
 */
struct rstate {
	struct gw_http1_head	 rs_req;
	struct gw_http1_head	 rs_resp;
	struct gw_buf		 rs_reqbuf;	/* the request head's bytes */
	struct gw_buf		 rs_respbuf;	/* the response head's */
	struct gw_buf		 rs_upreq;	/* the head sent upstream */
	struct gw_buf		 rs_out;	/* heads for the client */
	uint8_t			*rs_tried;	/* backends tried, a byte each */
	size_t			 rs_ntried;	/* room in rs_tried */
	struct gw_http1_body	 rs_reqbody;	/* framing of the request body */
	/*
	 * The body bytes sent so far, kept while the request may have to go
	 * out again (an idempotent one, up to PX_RETRY_BODY_MAX bytes).
	 */
	struct gw_buf		 rs_body;
	struct gw_http1_body	 rs_respbody;
	struct rstate		*rs_next;	/* on the free list */
};

struct session {
	struct worker		*se_w;
	struct bufferevent	*se_c;		/* client; owned */
	struct rd		 se_crd;	/* reads se_c's socket */
	char			 se_ip[INET6_ADDRSTRLEN];
	enum se_state		 se_state;
	/*
	 * One timer per session, re-armed lazily: se_due_ns is when the
	 * current kind expires, se_armed_ns when the event fires (0: not
	 * pending).  A later deadline leaves the event as it is and
	 * on_timer() re-arms it for the rest, so the usual keep-alive cycle
	 * (header, request, idle: each deadline later than the last) costs
	 * no event_add(3) per request.
	 */
	struct event		*se_timer;	/* owned */
	enum se_timer		 se_timer_kind;
	int64_t			 se_due_ns;
	int64_t			 se_armed_ns;
	struct event		*se_kick;	/* owned: next pipelined request */
	TAILQ_ENTRY(session)	 se_entry;
	int			 se_close;	/* close after this response */

	/* The request in flight; reset by request_end(). */
	struct wsnap		*se_ws;		/* a use of the worker's */
	char			*se_reqraw;	/* head bytes, in rs_reqbuf */
	struct rstate		*se_rs;		/* while a request is in flight */
	const struct gw_route	*se_route;
	long			 se_svc;
	long			 se_be;		/* backend index in the service */
	uint8_t			*se_tried;	/* per backend, in rs_tried */
	int64_t			 se_retries;	/* left */
	struct upconn		*se_up;		/* owned while not pooled */
	int			 se_up_reused;
	int			 se_fresh_retry; /* stale pooled conn retried */
	int			 se_up_wfail;	/* the backend stopped reading */
	int			 se_keep_body;	/* body bytes go to rs_body */
	/* Circuit breaker slots this request holds (breaker.h). */
	struct breaker		*se_brk;
	int			 se_brk_req;
	int			 se_brk_pending;
	int			 se_brk_retries;
	int			 se_body_lost;	/* more than it holds went out */

	int			 se_req_done;	/* request body all forwarded */
	char			*se_respraw;	/* in rs_respbuf */
	int			 se_have_resp;
	int			 se_resp_started; /* head sent to the client */
	int			 se_c_throttled;
	int			 se_u_throttled;
	char			 se_reqid[65];
	const char		*se_target;	/* origin form, into se_reqraw */
	size_t			 se_tlen;
	const char		*se_abs_host;	/* absolute form's host, or NULL */
	size_t			 se_abs_hostlen;
	int64_t			 se_t0;		/* ns */
	int64_t			 se_deadline;	/* of the whole request, ns */
	int64_t			 se_t_up;	/* first connect started */
	int			 se_conn_failures;
	int64_t			 se_t_conn;
	int64_t			 se_t_first;
	uint64_t		 se_bytes_in;
	uint64_t		 se_bytes_out;
	int			 se_status;
	enum px_error		 se_err;
};

static void	c_read(struct bufferevent *, void *);

/* Free request states of each worker thread, capped. */
#define RSTATE_FREE_MAX	256
static _Thread_local struct rstate	*rs_free;
static _Thread_local int		 rs_nfree;

static struct rstate *
rstate_get(void)
{
	struct rstate *rs;

	if ((rs = rs_free) != NULL) {
		rs_free = rs->rs_next;
		rs_nfree--;
		return rs;
	}
	return gw_calloc(1, sizeof(*rs));
}

/* Frees the calling thread's free list (a worker that ends). */
void
session_thread_end(void)
{
	struct rstate *rs;

	while ((rs = rs_free) != NULL) {
		rs_free = rs->rs_next;
		gw_buf_free(&rs->rs_reqbuf);
		gw_buf_free(&rs->rs_respbuf);
		gw_buf_free(&rs->rs_upreq);
		gw_buf_free(&rs->rs_out);
		gw_buf_free(&rs->rs_body);
		free(rs->rs_tried);
		free(rs);
	}
	rs_nfree = 0;
}

static void
rstate_put(struct rstate *rs)
{
	if (rs_nfree >= RSTATE_FREE_MAX) {
		gw_buf_free(&rs->rs_reqbuf);
		gw_buf_free(&rs->rs_respbuf);
		gw_buf_free(&rs->rs_upreq);
		gw_buf_free(&rs->rs_out);
		free(rs->rs_tried);
		free(rs);
		return;
	}
	rs->rs_next = rs_free;
	rs_free = rs;
	rs_nfree++;
}
static void	c_write(struct bufferevent *, void *);
static void	c_event(struct bufferevent *, short, void *);
static void	u_read(struct bufferevent *, void *);
static void	u_write(struct bufferevent *, void *);
static void	u_event(struct bufferevent *, short, void *);
static void	head_try(struct session *);
static void	connect_backend(struct session *, int);
static void	up_drop(struct session *, int64_t);
static void	resp_pump(struct session *);
static void	out_flush(struct session *);
static void	up_done(struct session *, int64_t);
static const struct stats_ref *up_sref(struct session *);
static int	retry_reset(struct session *);
static int	idempotent(const struct session *);
static int	resendable(const struct session *);
static int	retry_on(struct session *, const char *);
static int	retry_elsewhere(struct session *);
static int	retry_5xx(struct session *);
static void	pending_done(struct session *);
static void	brk_release(struct session *);
static int	retry_slot(struct session *);
static void	outlier_note(struct session *, enum outlier_result);
static void	kick(evutil_socket_t, short, void *);
static void	resphead_arm(struct session *);

int64_t
px_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
px_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
px_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
timer_arm(struct session *se, int64_t now, int64_t due)
{
	struct timeval	tv;
	int64_t		us = (due - now) / 1000;

	if (us < 0)
		us = 0;
	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	evtimer_add(se->se_timer, &tv);
	se->se_armed_ns = due;
}

static void
timer_set(struct session *se, enum se_timer kind, int64_t ms)
{
	int64_t	now = px_coarse_ns();

	se->se_timer_kind = kind;
	se->se_due_ns = now + ms * 1000000;
	if (se->se_armed_ns == 0 || se->se_armed_ns > se->se_due_ns)
		timer_arm(se, now, se->se_due_ns);
}

/* Milliseconds left until the request's deadline, at least 1. */
static int64_t
deadline_ms(const struct session *se)
{
	int64_t left = (se->se_deadline - px_now_ns()) / 1000000;

	return left > 0 ? left : 1;
}

/* The event may stay pending: on_timer() ignores T_NONE. */
static void
timer_clear(struct session *se)
{
	se->se_timer_kind = T_NONE;
}

/*
 * Random bytes for request ids, drawn from libsodium a page at a time per
 * worker thread: one getrandom(2) per 256 requests, not per request.
 */
#define REQID_BYTES	16
#define RND_POOL	4096
static _Thread_local unsigned char	rnd_pool[RND_POOL];
static _Thread_local size_t		rnd_left;

/* A new request id: 16 random bytes in hex. */
static void
session_new_reqid(struct session *se)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	if (rnd_left < REQID_BYTES) {
		randombytes_buf(rnd_pool, sizeof(rnd_pool));
		rnd_left = sizeof(rnd_pool);
	}
	rnd_left -= REQID_BYTES;
	/* Not sodium_bin2hex(): constant time is for secrets, not ids. */
	for (i = 0; i < REQID_BYTES; i++) {
		se->se_reqid[2 * i] = hex[rnd_pool[rnd_left + i] >> 4];
		se->se_reqid[2 * i + 1] = hex[rnd_pool[rnd_left + i] & 15];
	}
	se->se_reqid[2 * REQID_BYTES] = '\0';
	/* Used bytes are wiped: an id never repeats from a stale pool. */
	sodium_memzero(rnd_pool + rnd_left, REQID_BYTES);
}

/* One JSON line per request on the access log, when there is one. */
static void
access_log(struct session *se)
{
	struct snapshot	*sn = se->se_ws != NULL ? se->se_ws->ws_snap : NULL;
	struct gw_buf	 b = { NULL, 0, 0 };
	char		 when[40], path[512];
	int64_t		 now = px_now_ns(), ms = gw_now_ms();
	time_t		 t = (time_t)(ms / 1000);
	struct tm	 tm;
	size_t		 plen;

	if (px.px_access_fd == -1)
		return;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	plen = 0;
	if (se->se_reqraw != NULL) {
		plen = se->se_rs->rs_req.hd_target_len < sizeof(path) - 1 ?
		    se->se_rs->rs_req.hd_target_len : sizeof(path) - 1;
		memcpy(path, se->se_rs->rs_req.hd_target, plen);
	}
	path[plen] = '\0';
	gw_buf_printf(&b, "{\"time\":\"%s.%03dZ\",\"request_id\":", when,
	    (int)(ms % 1000));
	gw_buf_json_str(&b, se->se_reqid);
	gw_buf_puts(&b, ",\"client\":");
	gw_buf_json_str(&b, se->se_ip);
	gw_buf_printf(&b, ",\"method\":\"%s\",\"path\":",
	    se->se_reqraw ? http_method_str(se->se_rs->rs_req.hd_method) :
	    "");
	gw_buf_json_str(&b, se->se_reqraw ? path : "");
	gw_buf_puts(&b, ",\"route\":");
	gw_buf_json_str(&b, se->se_route ? se->se_route->rt_name : NULL);
	gw_buf_puts(&b, ",\"service\":");
	gw_buf_json_str(&b, sn && se->se_svc >= 0 ?
	    sn->sn_cf.cf_services[se->se_svc].sv_name : NULL);
	gw_buf_puts(&b, ",\"backend\":");
	gw_buf_json_str(&b, sn && se->se_svc >= 0 && se->se_be >= 0 ?
	    sn->sn_services[se->se_svc].ss_be[se->se_be].sb_name : NULL);
	gw_buf_printf(&b, ",\"status\":%d,\"bytes_in\":%llu,"
	    "\"bytes_out\":%llu,\"connect_ms\":%.3f,\"first_byte_ms\":%.3f,"
	    "\"total_ms\":%.3f,\"error\":", se->se_status,
	    (unsigned long long)se->se_bytes_in,
	    (unsigned long long)se->se_bytes_out,
	    se->se_t_conn ? (se->se_t_conn - se->se_t0) / 1e6 : 0.0,
	    se->se_t_first ? (se->se_t_first - se->se_t0) / 1e6 : 0.0,
	    (now - se->se_t0) / 1e6);
	gw_buf_json_str(&b, se->se_err != PX_E_NONE ?
	    px_errors[se->se_err].pe_code : NULL);
	gw_buf_puts(&b, "}\n");
	/*
	 * One write(2) per line, so concurrent workers never interleave; a
	 * failure (a full disk) must not stop the traffic, so it is ignored.
	 */
	(void)!write(px.px_access_fd, gw_buf_str(&b), b.b_len);
	gw_buf_free(&b);
}

/* Forgets the request in flight (the upstream connection must be gone). */
/* Counts the finished request (stats.c) and logs it. */
static void
request_account(struct session *se)
{
	struct snapshot		*sn = se->se_ws != NULL ? se->se_ws->ws_snap :
				    NULL;
	struct stats_req	 sr;
	int64_t			 now = px_now_ns();

	memset(&sr, 0, sizeof(sr));
	if (sn != NULL && se->se_svc >= 0) {
		sr.sr_service = sn->sn_cf.cf_services[se->se_svc].sv_name;
		if (se->se_be >= 0) {
			sr.sr_backend = sn->sn_services[se->se_svc].
			    ss_be[se->se_be].sb_name;
			sr.sr_ref = up_sref(se);
		}
	}
	sr.sr_route = se->se_route != NULL ? se->se_route->rt_name : NULL;
	sr.sr_status = se->se_status;
	sr.sr_error = se->se_err;
	sr.sr_total_ns = now - se->se_t0;
	sr.sr_upstream_ns = se->se_t_up != 0 ? now - se->se_t_up : 0;
	sr.sr_bytes_in = se->se_bytes_in;
	sr.sr_bytes_out = se->se_bytes_out;
	sr.sr_connect_failures = se->se_conn_failures;
	stats_request(se->se_w, &sr);
	access_log(se);
}

static void
request_end(struct session *se)
{
	if (se->se_t0 != 0)
		request_account(se);
	brk_release(se);
	if (se->se_rs != NULL)
		rstate_put(se->se_rs);
	se->se_rs = NULL;
	if (se->se_ws != NULL)
		wsnap_release(se->se_w, se->se_ws);
	se->se_ws = NULL;
	/* The buffers stay for the next request: no malloc per request. */
	se->se_reqraw = NULL;
	se->se_respraw = NULL;
	se->se_tried = NULL;
	se->se_route = NULL;
	se->se_svc = se->se_be = -1;
	se->se_have_resp = se->se_resp_started = se->se_req_done = 0;
	se->se_up_reused = se->se_fresh_retry = se->se_up_wfail = 0;
	se->se_keep_body = se->se_body_lost = 0;
	se->se_c_throttled = se->se_u_throttled = 0;
	se->se_t0 = se->se_t_conn = se->se_t_first = se->se_t_up = 0;
	se->se_conn_failures = 0;
	se->se_bytes_in = se->se_bytes_out = 0;
	se->se_status = 0;
	se->se_err = PX_E_NONE;
	se->se_reqid[0] = '\0';
}

static void
session_close(struct session *se)
{
	struct worker *w = se->se_w;

	up_drop(se, -1);
	request_end(se);
	TAILQ_REMOVE(&w->w_sessions, se, se_entry);
	w->w_nsessions--;
	atomic_fetch_sub_explicit(&w->w_active, 1, memory_order_relaxed);
	event_free(se->se_timer);
	if (se->se_kick != NULL)
		event_free(se->se_kick);
	rd_fini(&se->se_crd);
	bufferevent_free(se->se_c);
	free(se);
}

/* The last response is out: half-close and read until the client closes. */
static void
linger_read(struct session *se)
{
	struct evbuffer *in = bufferevent_get_input(se->se_c);

	shutdown(bufferevent_getfd(se->se_c), SHUT_WR);
	timer_set(se, T_LINGER, PX_LINGER_MS);
	evbuffer_drain(in, evbuffer_get_length(in));
	rd_enable(&se->se_crd);
}

/* Flushes what is queued for the client, then closes (lingering). */
static void
session_linger(struct session *se)
{
	se->se_state = SE_CLOSING;
	timer_set(se, T_REQUEST, px.px_header_timeout_ms);
	rd_disable(&se->se_crd);
	bufferevent_setwatermark(se->se_c, EV_WRITE, 0, 0);
	if (evbuffer_get_length(bufferevent_get_output(se->se_c)) == 0)
		linger_read(se);
	else
		bufferevent_enable(se->se_c, EV_WRITE);
}

/* Ready for the next request on the connection, or closing it. */
static void
session_next(struct session *se)
{
	request_end(se);
	if (se->se_close ||
	    atomic_load_explicit(&px.px_draining, memory_order_relaxed)) {
		session_linger(se);
		return;
	}
	se->se_state = SE_HEAD;
	bufferevent_setwatermark(se->se_c, EV_WRITE, PX_BUF_HIGH / 4, 0);
	rd_enable(&se->se_crd);
	timer_set(se, T_IDLE, px.px_idle_timeout_ms);
	/* Pipelined bytes already here: parse them on a fresh stack. */
	if (evbuffer_get_length(bufferevent_get_input(se->se_c)) > 0) {
		/* Made on first use: most connections never pipeline. */
		if (se->se_kick == NULL &&
		    (se->se_kick = event_new(se->se_w->w_base, -1, 0, kick,
		    se)) == NULL)
			gw_fatalx("out of memory for a session");
		event_active(se->se_kick, EV_TIMEOUT, 0);
	}
}

/*
 * Answers the request with an error of gwproxy's own.  The connection
 * closes after it when the request body was not all read (its bytes
 * cannot be told from a next request's) or the head was bad.
 */
static void
session_error(struct session *se, enum px_error e, int status)
{
	if (e == PX_E_UPSTREAM_RESET || e == PX_E_UPSTREAM_TIMEOUT ||
	    e == PX_E_UPSTREAM_PROTOCOL_ERROR)
		outlier_note(se, OUT_GATEWAY);
	up_drop(se, -1);
	/* Refused before a request began (bad head, 408): count it too. */
	if (se->se_t0 == 0)
		se->se_t0 = px_now_ns();
	se->se_err = e;
	if (se->se_resp_started) {
		/* Half a response went out: only closing can say so. */
		session_close(se);
		return;
	}
	timer_clear(se);
	if (!se->se_req_done || e == PX_E_BAD_REQUEST || e == PX_E_TOO_LARGE ||
	    e == PX_E_CLIENT_TIMEOUT)
		se->se_close = 1;
	se->se_status = status ? status : px_errors[e].pe_status;
	if (se->se_reqid[0] == '\0')
		session_new_reqid(se);
	if (se->se_rs == NULL)
		se->se_rs = rstate_get();	/* for rs_out */
	reply_error(&se->se_rs->rs_out, e, status, se->se_reqid, se->se_close);
	se->se_bytes_out += se->se_rs->rs_out.b_len;
	out_flush(se);
	session_next(se);
}

/* A request goes to the backend se_be: balancer and stats count it. */
/* The worker's stats entries of the request's service and backend. */
static const struct stats_ref *
up_sref(struct session *se)
{
	struct snapshot		*sn = se->se_ws->ws_snap;
	struct stats_ref	*r = &se->se_ws->ws_sref[se->se_svc][se->se_be];

	if (r->sf_svc == NULL)
		stats_ref_get(se->se_w, sn->sn_cf.cf_services[se->se_svc].
		    sv_name, sn->sn_services[se->se_svc].ss_be[se->se_be].
		    sb_name, r);
	return r;
}

static void
up_start(struct session *se)
{
	lb_start(&se->se_ws->ws_lb[se->se_svc], (size_t)se->se_be);
	stats_inflight_ref(up_sref(se), 1);
	if (se->se_t_up == 0)
		se->se_t_up = px_now_ns();
}

/* It ended after latency_ns (-1: failed without an answer). */
static void
up_done(struct session *se, int64_t latency_ns)
{
	struct lb	*lb = &se->se_ws->ws_lb[se->se_svc];

	/* The clock only for the policy that keeps an EWMA of latencies. */
	lb_done(lb, (size_t)se->se_be, latency_ns,
	    lb->lb_policy == GW_LB_LATENCY ? px_now_ns() : 0);
	stats_inflight_ref(up_sref(se), -1);
}

/*
 * Lets go of the backend connection, if any: the balancer and stats learn
 * it ended (latency_ns as for up_done), the connection is closed.
 */
static void
up_drop(struct session *se, int64_t latency_ns)
{
	pending_done(se);
	if (se->se_up == NULL)
		return;
	if (se->se_ws != NULL && se->se_svc >= 0 && se->se_be >= 0)
		up_done(se, latency_ns);
	upconn_free(se->se_up);
	se->se_up = NULL;
}

/*
 * Points a head parsed in from[] at the same bytes copied to to[]: cheaper
 * than parsing the copy again.
 */
static void
head_rebase(struct gw_http1_head *hd, const char *from, const char *to)
{
	size_t i;

	if (hd->hd_target != NULL)
		hd->hd_target = to + (hd->hd_target - from);
	for (i = 0; i < hd->hd_nhdrs; i++) {
		hd->hd_hdrs[i].h_name = to + (hd->hd_hdrs[i].h_name - from);
		hd->hd_hdrs[i].h_value = to + (hd->hd_hdrs[i].h_value - from);
	}
}

/*
 * A backend's response head gets every check of the strict scan but not
 * http-parser's second reading, which would double its cost: a client is
 * who tries to smuggle, and requests keep both readings.  The fuzzer
 * checks the scan alone decides as the two together (tests/fuzz).
 */
static const struct gw_http1_limits resp_limits = {
	.lm_head_max = GW_HTTP1_HEAD_MAX,
	.lm_headers_max = GW_HTTP1_HEADERS_MAX,
	.lm_line_max = GW_HTTP1_LINE_MAX,
	.lm_crosscheck = 0
};

/* Most pieces one send_now() hands to sendmsg(2). */
#define SEND_IOV	16

/*
 * Sends head[0..hlen) and then n bytes taken from src over bev's socket.
 * When nothing is queued on bev yet, they go straight to the kernel in
 * one sendmsg(2): no event-loop round trip and no epoll_ctl(2) to arm and
 * disarm a write event, which is most of a small request's cost.  What
 * the kernel does not take (or everything, when bytes are queued already)
 * is queued on bev in order; a socket error is left for bev to find on
 * its own next write.
 */
static void
send_now(struct bufferevent *bev, const char *head, size_t hlen,
    struct evbuffer *src, size_t n)
{
	struct evbuffer		*out = bufferevent_get_output(bev);
	struct evbuffer_iovec	 ev[SEND_IOV];
	struct iovec		 iov[SEND_IOV + 1];
	struct msghdr		 msg;
	size_t			 left = n, hw, bw;
	ssize_t			 w = 0;
	int			 niov = 0, nev, i;

	if (evbuffer_get_length(out) == 0 && bufferevent_getfd(bev) != -1) {
		if (hlen > 0) {
			iov[niov].iov_base = (void *)(uintptr_t)head;
			iov[niov++].iov_len = hlen;
		}
		nev = n > 0 ? evbuffer_peek(src, (ssize_t)n, NULL, ev,
		    SEND_IOV) : 0;
		for (i = 0; i < nev && i < SEND_IOV && left > 0; i++) {
			iov[niov].iov_base = ev[i].iov_base;
			iov[niov].iov_len = ev[i].iov_len < left ?
			    ev[i].iov_len : left;
			left -= iov[niov++].iov_len;
		}
		/* sendmsg(2), not writev(2): no VFS layer (see rd.c). */
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)niov;
		if (niov > 0 && (w = sendmsg(bufferevent_getfd(bev), &msg,
		    MSG_NOSIGNAL)) < 0)
			w = 0;
	}
	hw = (size_t)w < hlen ? (size_t)w : hlen;
	bw = (size_t)w - hw;
	if (hw < hlen)
		evbuffer_add(out, head + hw, hlen - hw);
	if (bw > 0)
		evbuffer_drain(src, bw);
	if (n > bw)
		evbuffer_remove_buffer(src, out, n - bw);
}

/* Sends the scratch head to the client. */
static void
out_flush(struct session *se)
{
	send_now(se->se_c, se->se_rs->rs_out.b_data, se->se_rs->rs_out.b_len, NULL, 0);
	se->se_rs->rs_out.b_len = 0;
}

/* The value of header name (lowercase) in the client's request. */
static const char *
req_header(void *arg, const char *name, size_t *len)
{
	const struct gw_http1_hdr *h;

	if ((h = gw_http1_find(arg, name)) == NULL)
		return NULL;
	*len = h->h_value_len;
	return h->h_value;
}

/* The key the hash policy hashes: client IP, a header or a cookie. */
static uint64_t
hash_key(struct session *se, const struct gw_service *sv)
{
	const struct gw_http1_hdr	*h;
	const char			*k = sv->sv_hash_key, *p, *end, *eq;
	size_t				 n;

	if (strncmp(k, "header:", 7) == 0 &&
	    (h = gw_http1_find(&se->se_rs->rs_req, k + 7)) != NULL)
		return lb_hash(h->h_value, h->h_value_len);
	if (strncmp(k, "cookie:", 7) == 0 &&
	    (h = gw_http1_find(&se->se_rs->rs_req, "cookie")) != NULL) {
		n = strlen(k + 7);
		end = h->h_value + h->h_value_len;
		/* cookie-string: name=value pairs split by "; " (RFC 6265). */
		for (p = h->h_value; p < end; p++) {
			while (p < end && (*p == ' ' || *p == ';'))
				p++;
			eq = memchr(p, '=', (size_t)(end - p));
			if (eq == NULL)
				break;
			if ((size_t)(eq - p) == n && memcmp(p, k + 7, n) == 0) {
				for (p = eq + 1; p < end && *p != ';'; p++)
					;
				return lb_hash(eq + 1, (size_t)(p - eq - 1));
			}
			p = memchr(eq, ';', (size_t)(end - eq));
			if (p == NULL)
				break;
		}
	}
	return lb_hash(se->se_ip, strlen(se->se_ip));
}

/* The request's new connection is made, or given up. */
static void
pending_done(struct session *se)
{
	if (se->se_brk_pending) {
		breaker_give(se->se_brk, BRK_PENDING);
		se->se_brk_pending = 0;
	}
}

/* A slot of the service's max_retries breaker for one more retry. */
static int
retry_slot(struct session *se)
{
	if (!breaker_take(se->se_brk, BRK_RETRIES, se->se_ws->ws_snap->
	    sn_services[se->se_svc].ss_sv->sv_max_retries))
		return 0;
	se->se_brk_retries++;
	return 1;
}

/* Every breaker slot the request holds goes back. */
static void
brk_release(struct session *se)
{
	pending_done(se);
	if (se->se_brk_req)
		breaker_give(se->se_brk, BRK_REQUESTS);
	for (; se->se_brk_retries > 0; se->se_brk_retries--)
		breaker_give(se->se_brk, BRK_RETRIES);
	se->se_brk_req = 0;
	se->se_brk = NULL;
}

/* Whether the service's retry_on names what (a fixed vocabulary). */
static int
retry_on(struct session *se, const char *what)
{
	const char	*l = se->se_ws->ws_snap->sn_services[se->se_svc].ss_sv->
			    sv_retry_on;
	size_t		 n = strlen(what);

	for (; (l = strstr(l, what)) != NULL; l += n)
		if (l[n] == '\0' || l[n] == ',')
			return 1;
	return 0;
}

/* RFC 9110 9.2.2: methods whose requests may be sent again. */
static int
idempotent(const struct session *se)
{
	switch (se->se_rs->rs_req.hd_method) {
	case HTTP_GET:
	case HTTP_HEAD:
	case HTTP_OPTIONS:
	case HTTP_PUT:
	case HTTP_DELETE:
	case HTTP_TRACE:
		return 1;
	default:
		return 0;
	}
}

/* An idempotent request whose body, if any, is all still at hand. */
static int
resendable(const struct session *se)
{
	return idempotent(se) && !se->se_body_lost &&
	    (se->se_rs->rs_reqbody.bd_framing == GW_HTTP1_BODY_NONE ||
	    se->se_keep_body);
}

/*
 * Picks a backend not tried yet; -1 when none is usable.  An ejected
 * backend (passive health) is passed over unless the service is in panic
 * or nothing else is left: better an ejected backend than a 503.
 */
static long
pick_backend(struct session *se)
{
	struct snapshot			*sn = se->se_ws->ws_snap;
	const struct snap_service	*ss = &sn->sn_services[se->se_svc];
	const struct gw_service		*sv = ss->ss_sv;
	struct outlier *const		*out = se->se_ws->ws_out[se->se_svc];
	struct lb			*lb = &se->se_ws->ws_lb[se->se_svc];
	uint64_t			 key = 0;
	int64_t				 now_ms = 0;
	long				 i, first = -1;
	size_t				 k;

	if (sv->sv_lb == GW_LB_HASH)
		key = hash_key(se, sv);
	for (;;) {
		i = lb_pick(lb, key, se->se_tried, sv->sv_lb ==
		    GW_LB_LATENCY || sv->sv_lb == GW_LB_LEAST_REQUEST ?
		    px_now_ns() : 0);
		if (i < 0 || ss->ss_panic)
			break;
		if (now_ms == 0)
			now_ms = px_wall_ms();
		if (!outlier_ejected(out[i], now_ms))
			break;
		/* Ejections can tip a service into panic too. */
		if (snapshot_panics(sv, ss->ss_nhealthy - outlier_count(out,
		    ss->ss_nbe, now_ms), ss->ss_nenabled))
			break;
		if (first < 0)
			first = i;
		se->se_tried[i] = 2;	/* ejected: cleared below */
	}
	if (first >= 0) {
		for (k = 0; k < ss->ss_nbe; k++)
			if (se->se_tried[k] == 2)
				se->se_tried[k] = 0;
		if (i < 0)
			i = first;
	}
	return i;
}

/* Passive health: what backend se_be just did. */
static void
outlier_note(struct session *se, enum outlier_result r)
{
	const struct snap_service *ss;

	if (se->se_ws == NULL || se->se_svc < 0 || se->se_be < 0)
		return;
	ss = &se->se_ws->ws_snap->sn_services[se->se_svc];
	outlier_report(se->se_ws->ws_out[se->se_svc], ss->ss_nbe,
	    (size_t)se->se_be, ss->ss_sv, r, px_wall_ms());
}

/*
 * The origin-form part of the request-target and the host to route by.
 * An absolute-form target ("http://api.example.com/x?y") names the host
 * itself, which a server uses instead of Host (RFC 9112 3.2.2); the
 * backend gets the origin form, "/x?y", with that host.
 */
static void
target_split(struct session *se, struct route_req *rq)
{
	const char	*t = se->se_rs->rs_req.hd_target, *auth, *slash;
	size_t		 n = se->se_rs->rs_req.hd_target_len;

	se->se_target = t;
	se->se_tlen = n;
	se->se_abs_host = NULL;
	se->se_abs_hostlen = 0;
	if (n > 7 && strncasecmp(t, "http://", 7) == 0) {
		auth = t + 7;
		slash = memchr(auth, '/', n - 7);
		se->se_abs_host = auth;
		se->se_abs_hostlen = slash != NULL ? (size_t)(slash - auth) :
		    n - 7;
		se->se_target = slash != NULL ? slash : "/";
		se->se_tlen = slash != NULL ? n - (size_t)(slash - t) : 1;
		rq->rq_host = se->se_abs_host;
		rq->rq_host_len = se->se_abs_hostlen;
	}
	rq->rq_path = se->se_target;
}

/* The request head is parsed: route it, balance it, connect. */
static void
request_start(struct session *se)
{
	struct snapshot			*sn;
	const struct gw_http1_hdr	*id;
	const struct gw_service		*sv;
	struct route_req		 rq;
	struct reply_req		 rr;
	const char			*q;
	long				 r;
	int64_t				 ms;
	size_t				 n;

	se->se_t0 = px_now_ns();
	atomic_fetch_add_explicit(&se->se_w->w_requests, 1,
	    memory_order_relaxed);
	if (atomic_load_explicit(&px.px_draining, memory_order_relaxed))
		se->se_close = 1;
	if (!se->se_rs->rs_req.hd_keep_alive)
		se->se_close = 1;
	/*
	 * The client's X-Request-Id is kept when it fits; a longer one is
	 * replaced, upstream too, so logs and both sides agree on one id.
	 */
	id = gw_http1_find_kind(&se->se_rs->rs_req, GW_HF_X_REQUEST_ID);
	if (id != NULL && id->h_value_len > 0 &&
	    id->h_value_len < sizeof(se->se_reqid)) {
		memcpy(se->se_reqid, id->h_value, id->h_value_len);
		se->se_reqid[id->h_value_len] = '\0';
	} else {
		id = NULL;
		session_new_reqid(se);
	}
	se->se_ws = worker_wsnap(se->se_w);
	se->se_ws->ws_users++;
	sn = se->se_ws->ws_snap;

	memset(&rq, 0, sizeof(rq));
	rq.rq_method = http_method_str(se->se_rs->rs_req.hd_method);
	rq.rq_method_len = strlen(rq.rq_method);
	if (se->se_rs->rs_req.hd_host != NULL) {
		rq.rq_host = se->se_rs->rs_req.hd_host->h_value;
		rq.rq_host_len = se->se_rs->rs_req.hd_host->h_value_len;
	} else
		rq.rq_host = "";
	target_split(se, &rq);
	q = memchr(rq.rq_path, '?', se->se_tlen);
	rq.rq_path_len = q != NULL ? (size_t)(q - rq.rq_path) : se->se_tlen;
	rq.rq_header = req_header;
	rq.rq_arg = &se->se_rs->rs_req;
	gw_http1_body_init(&se->se_rs->rs_reqbody, &se->se_rs->rs_req,
	    HTTP_GET);
	se->se_req_done = se->se_rs->rs_reqbody.bd_framing ==
	    GW_HTTP1_BODY_NONE;
	se->se_rs->rs_body.b_len = 0;
	se->se_keep_body = !se->se_req_done && idempotent(se);

	/* A reverse proxy opens no tunnels to where clients ask. */
	if (se->se_rs->rs_req.hd_method == HTTP_CONNECT) {
		se->se_req_done = 0;
		session_error(se, PX_E_BAD_REQUEST, 501);
		return;
	}
	if ((r = route_match(se->se_ws->ws_routes, &rq)) < 0) {
		session_error(se, PX_E_NO_ROUTE, 0);
		return;
	}
	se->se_route = &sn->sn_cf.cf_routes[r];
	se->se_svc = sn->sn_route_service[r];
	sv = sn->sn_services[se->se_svc].ss_sv;
	/* One flag per backend, in room kept across requests. */
	n = sn->sn_services[se->se_svc].ss_nbe + 1;
	if (se->se_rs->rs_ntried < n) {
		se->se_rs->rs_tried = gw_reallocarray(se->se_rs->rs_tried, n, 1);
		se->se_rs->rs_ntried = n;
	}
	se->se_tried = se->se_rs->rs_tried;
	memset(se->se_tried, 0, n);
	se->se_retries = sv->sv_retries;
	se->se_brk = se->se_ws->ws_brk[se->se_svc];
	if (!breaker_take(se->se_brk, BRK_REQUESTS, sv->sv_max_requests)) {
		session_error(se, PX_E_OVERLOADED, 0);
		return;
	}
	se->se_brk_req = 1;
	if ((se->se_be = pick_backend(se)) < 0) {
		session_error(se, PX_E_NO_HEALTHY_BACKEND, 0);
		return;
	}
	ms = se->se_route->rt_timeout_ms > 0 ? se->se_route->rt_timeout_ms :
	    sv->sv_request_timeout_ms;
	se->se_deadline = se->se_t0 + ms * 1000000;
	timer_set(se, T_REQUEST, ms);

	memset(&rr, 0, sizeof(rr));
	rr.rr_head = &se->se_rs->rs_req;
	rr.rr_route = se->se_route;
	rr.rr_client_ip = se->se_ip;
	rr.rr_request_id = se->se_reqid;
	rr.rr_add_request_id = id == NULL;
	rr.rr_target = se->se_target;
	rr.rr_target_len = se->se_tlen;
	rr.rr_host = se->se_abs_host;
	rr.rr_host_len = se->se_abs_hostlen;
	se->se_rs->rs_upreq.b_len = 0;
	reply_request_head(&se->se_rs->rs_upreq, &rr);
	/*
	 * Client reading stays on: body bytes that arrive while connecting
	 * stop it in c_read(), which saves two epoll_ctl(2) calls per
	 * request on the common path where nothing arrives.
	 */
	connect_backend(se, 0);
}

static void
head_try(struct session *se)
{
	struct evbuffer		*in = bufferevent_get_input(se->se_c);
	struct gw_http1_head	*hd;
	enum gw_http1_err	 e;
	size_t			 len = evbuffer_get_length(in), n;
	unsigned char		*p;

	if (len == 0)
		return;
	if (se->se_rs == NULL)
		se->se_rs = rstate_get();
	hd = &se->se_rs->rs_req;
	if (se->se_timer_kind != T_HEADER)
		timer_set(se, T_HEADER, px.px_header_timeout_ms);
	/* One more byte than the limit lets the parser tell "too large". */
	n = len < GW_HTTP1_HEAD_MAX + 1 ? len : GW_HTTP1_HEAD_MAX + 1;
	p = evbuffer_pullup(in, (ssize_t)n);
	e = gw_http1_parse_head((const char *)p, n, GW_HTTP1_REQUEST, NULL,
	    hd);
	if (e == GW_HTTP1_NEED_MORE)
		return;
	if (e != GW_HTTP1_OK) {
		se->se_req_done = 0;
		session_error(se, gw_http1_err_status(e) == 414 ||
		    gw_http1_err_status(e) == 431 ? PX_E_TOO_LARGE :
		    PX_E_BAD_REQUEST, gw_http1_err_status(e));
		return;
	}
	/*
	 * Keep a copy: the head must outlive the input buffer's bytes.  The
	 * NUL is for regexec(3) with REG_STARTEND, which reads no further
	 * than the path but whose sanitizer interceptor runs strlen(3).
	 */
	se->se_rs->rs_reqbuf.b_len = 0;
	gw_buf_append(&se->se_rs->rs_reqbuf, (const char *)p, hd->hd_len);
	/* gw_buf ends it with a NUL. */
	se->se_reqraw = se->se_rs->rs_reqbuf.b_data;
	head_rebase(hd, (const char *)p, se->se_reqraw);
	evbuffer_drain(in, hd->hd_len);
	se->se_bytes_in = hd->hd_len;
	se->se_state = SE_CONNECT;
	request_start(se);
}

static void
kick(evutil_socket_t fd, short what, void *arg)
{
	struct session *se = arg;

	(void)fd;
	(void)what;
	if (se->se_state == SE_HEAD)
		head_try(se);
}

/* Moves request body bytes up until the body ends or the backend lags. */
/*
 * Keeps the next n body bytes of in for a retry, or gives up on retrying
 * the request when the body outgrows PX_RETRY_BODY_MAX.
 */
static void
body_keep(struct session *se, struct evbuffer *in, size_t n)
{
	struct gw_buf	*b = &se->se_rs->rs_body;
	size_t		 had = b->b_len;

	if (had + n > PX_RETRY_BODY_MAX) {
		se->se_keep_body = 0;
		se->se_body_lost = 1;
		b->b_len = 0;
		return;
	}
	if (b->b_cap < had + n + 1) {
		b->b_cap = PX_RETRY_BODY_MAX + 1;	/* once: the most */
		b->b_data = gw_reallocarray(b->b_data, b->b_cap, 1);
	}
	if (evbuffer_copyout(in, b->b_data + had, n) != (ssize_t)n) {
		se->se_keep_body = 0;
		se->se_body_lost = 1;
		return;
	}
	b->b_len = had + n;
	b->b_data[b->b_len] = '\0';
}

static void
pump_req(struct session *se)
{
	struct evbuffer	*in = bufferevent_get_input(se->se_c);
	struct evbuffer	*out = bufferevent_get_output(upconn_bev(se->se_up));
	struct evbuffer_iovec v;
	ssize_t		 n;

	if (se->se_up_wfail)
		return;		/* the backend takes no more of it */
	while (!se->se_req_done && evbuffer_get_length(in) > 0) {
		if (evbuffer_get_length(out) > PX_BUF_HIGH) {
			rd_disable(&se->se_crd);
			se->se_c_throttled = 1;
			return;
		}
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		n = gw_http1_body_feed(&se->se_rs->rs_reqbody, v.iov_base,
		    v.iov_len);
		if (n < 0) {
			session_error(se, PX_E_BAD_REQUEST, 0);
			return;
		}
		if (se->se_keep_body)
			body_keep(se, in, (size_t)n);
		send_now(upconn_bev(se->se_up), NULL, 0, in, (size_t)n);
		se->se_bytes_in += (uint64_t)n;
		if (se->se_rs->rs_reqbody.bd_done) {
			se->se_req_done = 1;
			resphead_arm(se);
		}
	}
	/*
	 * The next request waits until this one is answered: c_read() stops
	 * reading if its bytes come early.
	 */
	if (!se->se_req_done)
		rd_enable(&se->se_crd);
}

/*
 * The request is all sent: its response head is due within the response
 * timeout (the route's, else the service's; 0: none), never past the
 * request's deadline.  It starts when the request is sent, so a long
 * upload does not count against it.
 */
static void
resphead_arm(struct session *se)
{
	int64_t ms;

	if (se->se_have_resp)
		return;
	ms = se->se_route->rt_response_timeout_ms > 0 ?
	    se->se_route->rt_response_timeout_ms : se->se_ws->ws_snap->
	    sn_services[se->se_svc].ss_sv->sv_response_timeout_ms;
	if (ms > 0 && ms < deadline_ms(se))
		timer_set(se, T_RESPHEAD, ms);
}

static void
on_connected(struct session *se)
{
	struct bufferevent	*u = upconn_bev(se->se_up);

	if (se->se_t_conn == 0)
		se->se_t_conn = px_now_ns();
	pending_done(se);
	bufferevent_set_timeouts(u, NULL, NULL);	/* the connect's */
	bufferevent_setwatermark(u, EV_WRITE, PX_BUF_HIGH / 4, 0);
	/* Not consumed: a stale pooled connection may need it again. */
	send_now(u, se->se_rs->rs_upreq.b_data, se->se_rs->rs_upreq.b_len, NULL, 0);
	/* A retry: the body bytes the last backend got go again first. */
	if (se->se_rs->rs_body.b_len > 0)
		send_now(u, se->se_rs->rs_body.b_data,
		    se->se_rs->rs_body.b_len, NULL, 0);
	se->se_state = SE_FORWARD;
	if (se->se_req_done)
		resphead_arm(se);
	/*
	 * Writing is enabled since the bufferevent was made; enabling it
	 * again would arm a write event for nothing (two epoll_ctl calls).
	 */
	rd_enable(upconn_rd(se->se_up));
	pump_req(se);
}

static void
connect_backend(struct session *se, int fresh)
{
	struct snapshot			*sn = se->se_ws->ws_snap;
	const struct snap_service	*ss = &sn->sn_services[se->se_svc];
	int				 overloaded;

	se->se_up = upconn_get(se->se_w, &ss->ss_be[se->se_be],
	    ss->ss_sv->sv_connect_timeout_ms, fresh, &se->se_up_reused,
	    se->se_brk, ss->ss_sv->sv_max_connections, &overloaded);
	if (se->se_up == NULL) {
		session_error(se, overloaded ? PX_E_OVERLOADED :
		    PX_E_UPSTREAM_CONNECT_FAILED, 0);
		return;
	}
	/* A new connection: the request waits for it (max_pending). */
	if (!se->se_up_reused) {
		if (!breaker_take(se->se_brk, BRK_PENDING,
		    ss->ss_sv->sv_max_pending)) {
			upconn_free(se->se_up);
			se->se_up = NULL;
			session_error(se, PX_E_OVERLOADED, 0);
			return;
		}
		se->se_brk_pending = 1;
	}
	up_start(se);
	se->se_up_wfail = 0;
	bufferevent_setcb(upconn_bev(se->se_up), NULL, u_write, u_event, se);
	rd_setcb(upconn_rd(se->se_up), u_read, u_event, se);
	se->se_state = SE_CONNECT;
	if (se->se_up_reused)
		on_connected(se);
}

/*
 * The backend connection failed before any answer: it is dropped and,
 * within the service's retry count, the request goes to a backend it has
 * not tried.  1 when it did; else the caller answers with an error.
 */
static int
retry_elsewhere(struct session *se)
{
	up_drop(se, -1);
	se->se_tried[se->se_be] = 1;
	if (se->se_retries-- > 0 && retry_slot(se) &&
	    (se->se_be = pick_backend(se)) >= 0) {
		connect_backend(se, 0);
		return 1;
	}
	se->se_be = -1;
	return 0;
}

/* A connect failed: another backend if the service allows a retry. */
static void
connect_failed(struct session *se)
{
	struct snapshot *sn = se->se_ws->ws_snap;

	stats_connect_failed(se->se_w, sn->sn_cf.cf_services[se->se_svc].
	    sv_name, sn->sn_services[se->se_svc].ss_be[se->se_be].sb_name);
	se->se_conn_failures++;
	outlier_note(se, OUT_GATEWAY);
	if (!retry_on(se, "connect-failure") || !retry_elsewhere(se))
		session_error(se, PX_E_UPSTREAM_CONNECT_FAILED, 0);
}

/* The response ended: account, pool the connection, next request. */
static void
response_done(struct session *se)
{
	struct bufferevent	*u = upconn_bev(se->se_up);
	int			 reusable;

	reusable = se->se_rs->rs_resp.hd_keep_alive && se->se_req_done &&
	    se->se_rs->rs_respbody.bd_framing != GW_HTTP1_BODY_CLOSE &&
	    evbuffer_get_length(bufferevent_get_input(u)) == 0;
	up_done(se, px_now_ns() - se->se_t0);
	upconn_release(se->se_w, se->se_up, reusable,
	    se->se_ws->ws_snap->sn_services[se->se_svc].ss_sv->
	    sv_idle_timeout_ms);
	se->se_up = NULL;
	timer_clear(se);
	if (!se->se_req_done)
		se->se_close = 1;
	session_next(se);
}

static void
tunnel_start(struct session *se)
{
	struct bufferevent *u = upconn_bev(se->se_up);

	se->se_state = SE_TUNNEL;
	timer_clear(se);
	bufferevent_setwatermark(se->se_c, EV_WRITE, PX_BUF_HIGH / 4, 0);
	rd_enable(&se->se_crd);
	rd_enable(upconn_rd(se->se_up));
	/* Bytes the client sent after its head are the first of the tunnel. */
	send_now(u, NULL, 0, bufferevent_get_input(se->se_c),
	    evbuffer_get_length(bufferevent_get_input(se->se_c)));
	send_now(se->se_c, NULL, 0, bufferevent_get_input(u),
	    evbuffer_get_length(bufferevent_get_input(u)));
}

/* Moves bytes from one side to the other, stopping at the high mark. */
static void
tunnel_move(struct bufferevent *from, struct rd *fromrd,
    struct bufferevent *to, int *throttled)
{
	send_now(to, NULL, 0, bufferevent_get_input(from),
	    evbuffer_get_length(bufferevent_get_input(from)));
	if (evbuffer_get_length(bufferevent_get_output(to)) > PX_BUF_HIGH) {
		rd_disable(fromrd);
		*throttled = 1;
	}
}

/* Parses a response head; 1 when one is ready, 0 for more, -1 on error. */
static int
resp_head(struct session *se)
{
	struct evbuffer		*in = bufferevent_get_input(upconn_bev(
				    se->se_up));
	struct gw_http1_head	*hd = &se->se_rs->rs_resp;
	enum gw_http1_err	 e;
	size_t			 len = evbuffer_get_length(in), n;
	unsigned char		*p;

	if (len == 0)
		return 0;
	n = len < GW_HTTP1_HEAD_MAX + 1 ? len : GW_HTTP1_HEAD_MAX + 1;
	p = evbuffer_pullup(in, (ssize_t)n);
	e = gw_http1_parse_head((const char *)p, n, GW_HTTP1_RESPONSE,
	    &resp_limits, hd);
	if (e == GW_HTTP1_NEED_MORE)
		return 0;
	if (e != GW_HTTP1_OK)
		return -1;
	se->se_rs->rs_respbuf.b_len = 0;
	gw_buf_append(&se->se_rs->rs_respbuf, (const char *)p, hd->hd_len);
	se->se_respraw = se->se_rs->rs_respbuf.b_data;
	head_rebase(hd, (const char *)p, se->se_respraw);
	evbuffer_drain(in, hd->hd_len);
	return 1;
}

static void
resp_pump(struct session *se)
{
	struct bufferevent	*u = upconn_bev(se->se_up);
	struct evbuffer		*in = bufferevent_get_input(u);
	struct evbuffer		*out = bufferevent_get_output(se->se_c);
	struct evbuffer_iovec	 v;
	ssize_t			 n;
	int			 rc, keep10;

	while (!se->se_have_resp) {
		if ((rc = resp_head(se)) == 0)
			return;
		if (rc == -1) {
			session_error(se, PX_E_UPSTREAM_PROTOCOL_ERROR, 0);
			return;
		}
		if (se->se_t_first == 0)
			se->se_t_first = px_now_ns();
		if (se->se_rs->rs_resp.hd_status == 101 &&
		    se->se_rs->rs_req.hd_upgrade) {
			se->se_status = 101;
			se->se_resp_started = 1;
			reply_response_head(&se->se_rs->rs_out, se->se_respraw,
			    &se->se_rs->rs_resp, se->se_route, se->se_reqid,
			    0, 0);
			out_flush(se);
			tunnel_start(se);
			return;
		}
		if (se->se_rs->rs_resp.hd_status == 101) {
			/* A switch the client did not ask for (RFC 9110 15.2.2). */
			session_error(se, PX_E_UPSTREAM_PROTOCOL_ERROR, 0);
			return;
		}
		if (se->se_rs->rs_resp.hd_status < 200) {
			/* Interim (100 Continue...): relay, wait for more. */
			reply_response_head(&se->se_rs->rs_out, se->se_respraw,
			    &se->se_rs->rs_resp, se->se_route, se->se_reqid,
			    0, 0);
			out_flush(se);
			continue;
		}
		se->se_have_resp = 1;
		outlier_note(se, se->se_rs->rs_resp.hd_status >= 500 ?
		    OUT_5XX : OUT_OK);
		if (retry_5xx(se))
			return;
		if (se->se_timer_kind == T_RESPHEAD)
			timer_set(se, T_REQUEST, deadline_ms(se));
		se->se_status = se->se_rs->rs_resp.hd_status;
		gw_http1_body_init(&se->se_rs->rs_respbody, &se->se_rs->rs_resp,
		    se->se_rs->rs_req.hd_method);
		if (se->se_rs->rs_respbody.bd_framing == GW_HTTP1_BODY_CLOSE ||
		    !se->se_req_done)
			se->se_close = 1;
		keep10 = se->se_rs->rs_req.hd_minor == 0 && !se->se_close;
		/* Sent below with the first body bytes, in one sendmsg. */
		reply_response_head(&se->se_rs->rs_out, se->se_respraw,
		    &se->se_rs->rs_resp, se->se_route, se->se_reqid,
		    se->se_close, keep10);
		se->se_bytes_out += se->se_rs->rs_out.b_len;
		se->se_resp_started = 1;
	}
	while (!se->se_rs->rs_respbody.bd_done &&
	    evbuffer_get_length(in) > 0) {
		if (evbuffer_get_length(out) > PX_BUF_HIGH) {
			if (se->se_rs->rs_out.b_len > 0)
				out_flush(se);
			rd_disable(upconn_rd(se->se_up));
			se->se_u_throttled = 1;
			return;
		}
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		n = gw_http1_body_feed(&se->se_rs->rs_respbody, v.iov_base,
		    v.iov_len);
		if (n < 0) {
			session_close(se);	/* mid-body: only close says it */
			return;
		}
		send_now(se->se_c, se->se_rs->rs_out.b_data, se->se_rs->rs_out.b_len, in,
		    (size_t)n);
		se->se_rs->rs_out.b_len = 0;
		se->se_bytes_out += (uint64_t)n;
	}
	if (se->se_rs->rs_out.b_len > 0)
		out_flush(se);	/* no body (yet): the head alone */
	if (se->se_rs->rs_respbody.bd_done)
		response_done(se);
}

/*
 * Client side callbacks.
 */
static void
c_read(struct bufferevent *bev, void *arg)
{
	struct session *se = arg;

	(void)bev;
	switch (se->se_state) {
	case SE_HEAD:
		head_try(se);
		break;
	case SE_FORWARD:
		if (se->se_req_done)
			rd_disable(&se->se_crd);
		else
			pump_req(se);
		break;
	case SE_TUNNEL:
		tunnel_move(se->se_c, &se->se_crd, upconn_bev(se->se_up),
		    &se->se_c_throttled);
		break;
	case SE_CLOSING:
		/* Lingering: what the client still sends goes nowhere. */
		evbuffer_drain(bufferevent_get_input(se->se_c),
		    evbuffer_get_length(bufferevent_get_input(se->se_c)));
		break;
	default:
		/* Not consuming now: stop reading (bounded buffering). */
		rd_disable(&se->se_crd);
		break;
	}
}

static void
c_write(struct bufferevent *bev, void *arg)
{
	struct session *se = arg;

	(void)bev;
	if (se->se_state == SE_CLOSING) {
		if (evbuffer_get_length(bufferevent_get_output(se->se_c)) ==
		    0 && se->se_timer_kind != T_LINGER)
			linger_read(se);
		return;
	}
	if (se->se_u_throttled && se->se_up != NULL) {
		se->se_u_throttled = 0;
		rd_enable(upconn_rd(se->se_up));
		if (se->se_state == SE_FORWARD)
			resp_pump(se);
		else if (se->se_state == SE_TUNNEL)
			tunnel_move(upconn_bev(se->se_up),
			    upconn_rd(se->se_up), se->se_c,
			    &se->se_u_throttled);
	}
}

static void
c_event(struct bufferevent *bev, short what, void *arg)
{
	struct session *se = arg;

	(void)bev;
	(void)what;
	/*
	 * The client went away (or its socket failed).  Whatever was in
	 * flight for it has no one to go to.
	 */
	if (se->se_state == SE_TUNNEL && se->se_up != NULL) {
		/* Let what the client said last reach the backend. */
		bufferevent_flush(upconn_bev(se->se_up), EV_WRITE, BEV_FLUSH);
	}
	session_close(se);
}

/*
 * Upstream side callbacks.
 */
static void
u_read(struct bufferevent *bev, void *arg)
{
	struct session *se = arg;

	(void)bev;
	if (se->se_state == SE_FORWARD)
		resp_pump(se);
	else if (se->se_state == SE_TUNNEL)
		tunnel_move(upconn_bev(se->se_up), upconn_rd(se->se_up),
		    se->se_c, &se->se_u_throttled);
}

static void
u_write(struct bufferevent *bev, void *arg)
{
	struct session *se = arg;

	(void)bev;
	if (!se->se_c_throttled)
		return;
	se->se_c_throttled = 0;
	rd_enable(&se->se_crd);
	if (se->se_state == SE_FORWARD)
		pump_req(se);
	else if (se->se_state == SE_TUNNEL)
		tunnel_move(se->se_c, &se->se_crd, upconn_bev(se->se_up),
		    &se->se_c_throttled);
}

static void
u_event(struct bufferevent *bev, short what, void *arg)
{
	struct session *se = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		on_connected(se);
		return;
	}
	if (se->se_state == SE_CONNECT) {
		connect_failed(se);
		return;
	}
	if (se->se_state == SE_TUNNEL) {
		upconn_free(se->se_up);
		se->se_up = NULL;
		session_linger(se);
		return;
	}
	if ((what & BEV_EVENT_WRITING) && !se->se_up_wfail) {
		/*
		 * The backend stopped taking the request, perhaps because it
		 * answered early (a 401 or 413 before the upload ends, as
		 * RFC 9112 9.6 allows) and closed.  Its answer may still be in
		 * the socket: only the read side decides what happened.  The
		 * rest of the upload has nowhere to go, so the client's
		 * connection closes after the answer.
		 */
		se->se_up_wfail = 1;
		se->se_close = 1;
		bufferevent_disable(upconn_bev(se->se_up), EV_WRITE);
		evbuffer_drain(bufferevent_get_output(upconn_bev(se->se_up)),
		    evbuffer_get_length(bufferevent_get_output(upconn_bev(
		    se->se_up))));
		rd_disable(&se->se_crd);
		return;
	}
	/* SE_FORWARD: the backend closed or failed. */
	if (se->se_have_resp &&
	    se->se_rs->rs_respbody.bd_framing == GW_HTTP1_BODY_CLOSE &&
	    (what & BEV_EVENT_EOF)) {
		/* A response delimited by close: this is its end. */
		resp_pump(se);
		if (se->se_state == SE_FORWARD && se->se_up != NULL) {
			se->se_rs->rs_respbody.bd_done = 1;
			response_done(se);
		}
		return;
	}
	if (!se->se_have_resp && se->se_up_reused && !se->se_fresh_retry &&
	    (se->se_rs->rs_reqbody.bd_framing == GW_HTTP1_BODY_NONE ||
	    (se->se_keep_body && !se->se_body_lost)) &&
	    evbuffer_get_length(bufferevent_get_input(upconn_bev(
	    se->se_up))) == 0) {
		/*
		 * A pooled connection the backend had closed: nothing of
		 * ours was processed, so the request goes again on a fresh
		 * connection to the same backend.
		 */
		up_drop(se, 0);
		se->se_fresh_retry = 1;
		connect_backend(se, 1);
		return;
	}
	if (retry_reset(se))
		return;
	session_error(se, PX_E_UPSTREAM_RESET, 0);
}

/*
 * The backend reset or closed before any byte of an answer: with "reset"
 * in the service's retry_on, a request that can go out again goes to
 * another backend, within the retry count.  1 when it did.
 */
static int
retry_reset(struct session *se)
{
	if (se->se_have_resp || se->se_retries <= 0 || !retry_on(se, "reset") ||
	    !resendable(se) || evbuffer_get_length(bufferevent_get_input(
	    upconn_bev(se->se_up))) > 0)
		return 0;
	outlier_note(se, OUT_GATEWAY);
	return retry_elsewhere(se);
}

/*
 * A 5xx response head, nothing of it sent yet: with "5xx" in retry_on a
 * request that can go out again goes to another backend (the answer is
 * dropped with its connection).  1 when it did.
 */
static int
retry_5xx(struct session *se)
{
	long	nb;

	if (se->se_rs->rs_resp.hd_status < 500 || se->se_retries <= 0 ||
	    !se->se_req_done || !retry_on(se, "5xx") || !resendable(se))
		return 0;
	se->se_tried[se->se_be] = 1;
	if ((nb = pick_backend(se)) < 0 || !retry_slot(se))
		return 0;	/* nobody else to ask: this answer goes out */
	up_drop(se, -1);
	se->se_retries--;
	se->se_have_resp = 0;
	se->se_be = nb;
	connect_backend(se, 0);
	return 1;
}

/*
 * The response head is late (the response timeout): with "timeout" in
 * retry_on, a request that can go out again goes to another backend if
 * the request's deadline leaves time.  1 when it did.
 */
static int
retry_timeout(struct session *se)
{
	if (se->se_have_resp || se->se_up == NULL || se->se_retries <= 0 ||
	    !retry_on(se, "timeout") || !resendable(se) ||
	    deadline_ms(se) <= 1)
		return 0;
	outlier_note(se, OUT_GATEWAY);
	timer_set(se, T_REQUEST, deadline_ms(se));
	return retry_elsewhere(se);
}

/* Early by no more than this, a timer counts as due (see on_timer()). */
#define TIMER_SLACK_NS	(5 * 1000000)

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session	*se = arg;
	int64_t		 now;

	(void)fd;
	(void)what;
	se->se_armed_ns = 0;
	if (se->se_timer_kind == T_NONE)
		return;
	/*
	 * Armed for an earlier deadline than the current one: wait for the
	 * rest.  libevent's clock is coarse (CLOCK_MONOTONIC_COARSE, a few
	 * ms), so less than that left counts as expired.
	 */
	now = px_coarse_ns();
	if (se->se_due_ns - now > TIMER_SLACK_NS) {
		timer_arm(se, now, se->se_due_ns);
		return;
	}
	switch (se->se_timer_kind) {
	case T_IDLE:
		session_close(se);
		break;
	case T_HEADER:
		se->se_req_done = 0;
		session_error(se, PX_E_CLIENT_TIMEOUT, 0);
		break;
	case T_REQUEST:
	case T_RESPHEAD:
		if (se->se_state == SE_CLOSING) {
			session_close(se);
			break;
		}
		if (se->se_timer_kind == T_RESPHEAD && retry_timeout(se))
			break;
		session_error(se, PX_E_UPSTREAM_TIMEOUT, 0);
		break;
	case T_LINGER:
		session_close(se);
		break;
	case T_NONE:
		break;
	}
}

void
session_accept(struct worker *w, int fd, const struct sockaddr *sa,
    int salen)
{
	struct session	*se;
	int		 one = 1;

	(void)salen;
	se = gw_calloc(1, sizeof(*se));
	se->se_w = w;
	se->se_svc = se->se_be = -1;
	if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, se->se_ip, sizeof(se->se_ip));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, se->se_ip, sizeof(se->se_ip));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	se->se_c = bufferevent_socket_new(w->w_base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	se->se_timer = evtimer_new(w->w_base, on_timer, se);
	if (se->se_c == NULL || se->se_timer == NULL)
		gw_fatalx("out of memory for a session");
	TAILQ_INSERT_TAIL(&w->w_sessions, se, se_entry);
	w->w_nsessions++;
	atomic_fetch_add_explicit(&w->w_active, 1, memory_order_relaxed);
	bufferevent_setcb(se->se_c, NULL, c_write, c_event, se);
	if (rd_init(&se->se_crd, w->w_base, se->se_c) == -1)
		gw_fatalx("out of memory for a session");
	rd_setcb(&se->se_crd, c_read, c_event, se);
	bufferevent_setwatermark(se->se_c, EV_WRITE, PX_BUF_HIGH / 4, 0);
	se->se_state = SE_HEAD;
	timer_set(se, T_HEADER, px.px_header_timeout_ms);
	rd_enable(&se->se_crd);
}

/*
 * Drain: a connection waiting between requests closes now; one with a
 * request in flight answers it with Connection: close, then closes.
 */
void
session_drain(struct session *se)
{
	se->se_close = 1;
	if (se->se_state == SE_HEAD &&
	    evbuffer_get_length(bufferevent_get_input(se->se_c)) == 0)
		session_close(se);
}

void
session_drain_all(struct worker *w)
{
	struct session *se, *next;

	for (se = TAILQ_FIRST(&w->w_sessions); se != NULL; se = next) {
		next = TAILQ_NEXT(se, se_entry);
		session_drain(se);	/* may free se */
	}
}

/* Ends the session whatever it is doing (shutdown after the drain). */
void
session_abort(struct session *se)
{
	session_close(se);
}
