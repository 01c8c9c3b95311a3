/*
 * check: one probe on the event loop; see check.h.
 *
 * A check is a small state machine over one struct event, re-armed for
 * each step with what is left of the deadline: RESOLVE (a timer while a
 * named backend is looked up), CONNECT (writable), SEND (writable), HEAD
 * and BODY (readable), and DRAIN (readable: the check passed, the rest of
 * the body is read only so the connection can be kept).  Every end goes
 * through check_finish(), which frees the check and then calls back; an
 * end found inside check_start() (ck_inside) is deferred through the same
 * event, so the caller never sees its callback before check_start()
 * returned.
 *
 * A kept connection (struct check_conn) has an event of its own, EV_READ
 * and persistent for the connection's whole life: a check on it waits for
 * its answer through that event (its own is then the deadline only), and
 * between checks the same event sees the backend close it.  Handing the
 * connection from check to check thus costs no epoll_ctl(2).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "addr.h"
#include "check.h"
#include "hresp.h"
#include "resolve.h"
#include "str.h"

/* Bytes read from the socket at a time once the head is in. */
#define CHECK_READ_CHUNK	(16 * 1024)

enum check_phase {
	CK_RESOLVE,
	CK_CONNECT,
	CK_SEND,
	CK_HEAD,
	CK_BODY,
	CK_DRAIN
};

/* A kept connection; see check.h.  Owned by its holder. */
struct check_conn {
	int			 cc_fd;		/* -1: closed while idle */
	struct event		 cc_ev;		/* EV_READ, persistent */
	struct check		*cc_check;	/* using it; NULL: idle */
};

/* One check in flight; owned by the caller until it ends or is aborted. */
struct check {
	struct hc_spec		*ck_sp;		/* referenced */
	check_cb		 ck_cb;
	void			*ck_arg;
	enum check_phase	 ck_phase;
	int			 ck_fd;		/* -1: none yet */
	int			 ck_port;
	int64_t			 ck_start_us;
	int64_t			 ck_deadline_us;
	int64_t			 ck_verdict_us;	/* DRAIN: when it passed */
	struct event		 ck_ev;		/* of every step */
	int			 ck_ev_set;	/* ck_ev was assigned */
	int			 ck_inside;	/* in check_start() */
	short			 ck_what;	/* what ck_ev waits for */
	struct resolve		*ck_resolve;	/* lookup in flight, or NULL */
	struct check_result	 ck_out;	/* a deferred end's verdict */
	char			*ck_req;	/* http: the request, owned */
	size_t			 ck_reqlen;
	size_t			 ck_reqoff;	/* bytes sent */
	char			*ck_buf;	/* http: the head, owned */
	size_t			 ck_len;
	size_t			 ck_rcvd;	/* bytes of answer, any */
	struct hresp_body	 ck_body;	/* BODY: the text search */
	int			 ck_body_on;
	/* Connection reuse. */
	int			 ck_reuse;	/* may keep its connection */
	struct check_conn	*ck_conn;	/* the kept one in use; owned */
	int			 ck_reused;	/* ck_conn came from a check */
	int			 ck_keep;	/* the verdict keeps it */
	int			 ck_connects;	/* connections opened */
	struct hresp_end	 ck_end;	/* where the response ends */
	struct sockaddr_storage	 ck_ss;		/* the address, if given */
	socklen_t		 ck_sslen;
	char			 ck_name[GW_ADDR_STR_MAX]; /* Host default */
};

static struct event_base	*check_base;
static struct evdns_base	*check_dns;
static int			 check_reuse;

static void	check_io(evutil_socket_t, short, void *);
static void	check_defer(struct check *, int, enum hs_reason, int, int);
static void	check_connect(struct check *, const struct sockaddr *,
		    socklen_t);
static void	check_recv(struct check *);

void
check_init(struct event_base *base, struct evdns_base *dns, int reuse)
{
	check_base = base;
	check_dns = dns;
	check_reuse = reuse;
}

static int64_t
check_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Kept connections.
 */

static void	check_conn_io(evutil_socket_t, short, void *);

/* fd, connected and idle, as a kept connection watched for reading. */
static struct check_conn *
check_conn_new(int fd)
{
	struct check_conn *cn;

	cn = gw_calloc(1, sizeof(*cn));
	cn->cc_fd = fd;
	event_assign(&cn->cc_ev, check_base, fd, EV_READ | EV_PERSIST,
	    check_conn_io, cn);
	event_add(&cn->cc_ev, NULL);
	return cn;
}

/* Closes the socket (SO_LINGER 0: a RST); cn stays, as closed. */
static void
check_conn_shut(struct check_conn *cn)
{
	if (cn->cc_fd == -1)
		return;
	event_del(&cn->cc_ev);
	close(cn->cc_fd);
	cn->cc_fd = -1;
}

void
check_conn_close(struct check_conn *cn)
{
	if (cn == NULL)
		return;
	check_conn_shut(cn);
	free(cn);
}

/*
 * The end of a check: frees everything, then calls back (inside
 * check_start(): later, from the loop).  A check that passed with
 * ck_keep set hands its connection over.  The caller must return at
 * once: the check may be gone.
 */
static void
check_finish(struct check *ck, int pass, enum hs_reason reason, int status,
    int err)
{
	struct check_result	 res;
	check_cb		 cb = ck->ck_cb;
	void			*arg = ck->ck_arg;
	int64_t			 end;

	if (ck->ck_inside) {
		check_defer(ck, pass, reason, status, err);
		return;
	}
	end = ck->ck_verdict_us != 0 ? ck->ck_verdict_us : check_now_us();
	memset(&res, 0, sizeof(res));
	res.cr_pass = pass;
	res.cr_reason = pass ? HS_R_NONE : reason;
	res.cr_status = status;
	res.cr_errno = err;
	res.cr_latency_us = end - ck->ck_start_us;
	res.cr_connects = ck->ck_connects;
	if (pass && ck->ck_keep && ck->ck_fd != -1) {
		if (ck->ck_conn == NULL)
			ck->ck_conn = check_conn_new(ck->ck_fd);
		ck->ck_conn->cc_check = NULL;
		res.cr_conn = ck->ck_conn;
		ck->ck_conn = NULL;
		ck->ck_fd = -1;
	}
	check_abort(ck);
	cb(arg, &res);
}

void
check_abort(struct check *ck)
{
	if (ck->ck_ev_set)
		event_del(&ck->ck_ev);
	if (ck->ck_resolve != NULL)
		resolve_cancel(ck->ck_resolve);
	if (ck->ck_conn != NULL)
		check_conn_close(ck->ck_conn);
	else if (ck->ck_fd != -1)
		close(ck->ck_fd);	/* SO_LINGER 0: a RST, no TIME_WAIT */
	if (ck->ck_body_on)
		hresp_body_free(&ck->ck_body);
	free(ck->ck_req);
	free(ck->ck_buf);
	spec_unref(ck->ck_sp);
	free(ck);
}

static void
check_deferred(evutil_socket_t fd, short what, void *arg)
{
	struct check *ck = arg;

	(void)fd;
	(void)what;
	check_finish(ck, ck->ck_out.cr_pass, ck->ck_out.cr_reason,
	    ck->ck_out.cr_status, ck->ck_out.cr_errno);
}

/* An end found where the caller may not be called back yet. */
static void
check_defer(struct check *ck, int pass, enum hs_reason reason, int status,
    int err)
{
	ck->ck_out.cr_pass = pass;
	ck->ck_out.cr_reason = reason;
	ck->ck_out.cr_status = status;
	ck->ck_out.cr_errno = err;
	if (ck->ck_ev_set)
		event_del(&ck->ck_ev);
	event_assign(&ck->ck_ev, check_base, -1, 0, check_deferred, ck);
	ck->ck_ev_set = 1;
	event_active(&ck->ck_ev, EV_TIMEOUT, 1);
}

/*
 * Waits for what (EV_READ, EV_WRITE or 0: the deadline only).  On a kept
 * connection its own event watches for reading: ck_ev keeps the time.
 */
static void
check_wait(struct check *ck, short what)
{
	struct timeval	tv;
	int64_t		left = ck->ck_deadline_us - check_now_us();
	short		ev = what;

	if (left < 0)
		left = 0;
	tv.tv_sec = left / 1000000;
	tv.tv_usec = left % 1000000;
	if (ev == EV_READ && ck->ck_conn != NULL)
		ev = 0;
	if (ck->ck_ev_set)
		event_del(&ck->ck_ev);
	ck->ck_what = what;
	event_assign(&ck->ck_ev, check_base, ev ? ck->ck_fd : -1, ev,
	    check_io, ck);
	ck->ck_ev_set = 1;
	event_add(&ck->ck_ev, &tv);
}

/* The reason a failed connect gives. */
static enum hs_reason
check_connect_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return HS_R_REFUSED;
	case ETIMEDOUT:
		return HS_R_CONNECT_TIMEOUT;
	case ECONNRESET:
		return HS_R_RESET;
	default:
		return HS_R_CONNECT_FAILED;
	}
}

/*
 * A kept connection that ended before a byte of the answer came: the
 * backend closed it while idle (its keep-alive timeout) as the request
 * went out, which says nothing of its health.  Goes again at once on a
 * new connection, within the same deadline, once.  Returns 1 when it did
 * (ck may then be gone: the connect can end the check), 0 when this is
 * the check's failure.
 */
static int
check_retry(struct check *ck)
{
	if (!ck->ck_reused || ck->ck_rcvd > 0)
		return 0;
	ck->ck_reused = 0;
	check_conn_close(ck->ck_conn);
	ck->ck_conn = NULL;
	ck->ck_fd = -1;
	ck->ck_reqoff = 0;
	free(ck->ck_buf);
	ck->ck_buf = NULL;
	ck->ck_len = 0;
	check_connect(ck, (struct sockaddr *)&ck->ck_ss, ck->ck_sslen);
	return 1;
}

/*
 * The request.  RFC 9112 9.3: an HTTP/1.1 connection persists unless
 * either side says "close", which a check that will not keep it does.
 */
static void
check_request(struct check *ck)
{
	struct hc_spec	*sp = ck->ck_sp;

	ck->ck_req = gw_asprintf("%s %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: gwhealth/%s\r\nAccept: */*\r\n%s\r\n",
	    sp->sp_method, sp->sp_path,
	    sp->sp_host != NULL ? sp->sp_host : ck->ck_name,
	    GWHEALTH_VERSION, ck->ck_reuse ? "" : "Connection: close\r\n");
	ck->ck_reqlen = strlen(ck->ck_req);
}

/*
 * Sends (what is left of) the request, then waits for the answer.  Called
 * once connected; may end the check.
 */
static void
check_send(struct check *ck)
{
	ssize_t	n;
	int	err;

	ck->ck_phase = CK_SEND;
	if (ck->ck_req == NULL)
		check_request(ck);
	while (ck->ck_reqoff < ck->ck_reqlen) {
		n = send(ck->ck_fd, ck->ck_req + ck->ck_reqoff,
		    ck->ck_reqlen - ck->ck_reqoff, MSG_NOSIGNAL);
		if (n >= 0) {
			ck->ck_reqoff += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			check_wait(ck, EV_WRITE);
			return;
		}
		err = errno;
		if (!check_retry(ck))
			check_finish(ck, 0, HS_R_RESET, 0, err);
		return;
	}
	ck->ck_phase = CK_HEAD;
	ck->ck_buf = gw_malloc(CHECK_HEAD_MAX);
	check_wait(ck, EV_READ);
}

/* What the end of the response says of reuse; NO when not followed. */
static enum hresp_reuse
check_end(struct check *ck, const char *p, size_t n)
{
	if (!ck->ck_reuse)
		return HRESP_REUSE_NO;
	return hresp_end_feed(&ck->ck_end, p, n);
}

/*
 * The check passed with status; r says whether its connection can be
 * kept, or that the rest of the body must be read first (DRAIN: the
 * verdict stands whatever comes).  Returns 1 when the check ended (and
 * is gone), 0 when it reads on.
 */
static int
check_passed(struct check *ck, int status, enum hresp_reuse r)
{
	if (r == HRESP_REUSE_MORE) {
		ck->ck_phase = CK_DRAIN;
		ck->ck_out.cr_status = status;
		if (ck->ck_verdict_us == 0)
			ck->ck_verdict_us = check_now_us();
		return 0;
	}
	ck->ck_keep = r == HRESP_REUSE_YES;
	check_finish(ck, 1, HS_R_NONE, status, 0);
	return 1;
}

/*
 * Judges body bytes (r: what they say of reuse); returns 1 when the
 * check ended (and is gone), 0 when more is needed.
 */
static int
check_verdict(struct check *ck, enum hresp_verdict v, int status,
    enum hresp_reuse r)
{
	switch (v) {
	case HRESP_FOUND:
		return check_passed(ck, status, r);
	case HRESP_MISMATCH:
		check_finish(ck, 0, HS_R_BODY_MISMATCH, status, 0);
		return 1;
	case HRESP_BAD:
		check_finish(ck, 0, HS_R_PROTOCOL, status, 0);
		return 1;
	case HRESP_MORE:
		break;
	}
	return 0;
}

/*
 * Looks for a complete head in ck_buf; returns 1 when the check ended,
 * 0 when more bytes are needed.
 */
static int
check_head(struct check *ck)
{
	struct gw_http1_limits	 lim = gw_http1_default_limits;
	struct gw_http1_head	 hd;
	enum gw_http1_err	 e;
	enum http_method	 m;
	enum hresp_reuse	 r;
	const char		*body;
	size_t			 rest;

	lim.lm_head_max = CHECK_HEAD_MAX;
	for (;;) {
		e = gw_http1_parse_head(ck->ck_buf, ck->ck_len,
		    GW_HTTP1_RESPONSE, &lim, &hd);
		if (e == GW_HTTP1_NEED_MORE && ck->ck_len < CHECK_HEAD_MAX)
			return 0;
		if (e != GW_HTTP1_OK) {
			check_finish(ck, 0, HS_R_PROTOCOL, 0, 0);
			return 1;
		}
		/* 1xx but 101 are interim (RFC 9110 15.2): the next head. */
		if (hd.hd_status >= 200 || hd.hd_status == 101)
			break;
		ck->ck_len -= hd.hd_len;
		memmove(ck->ck_buf, ck->ck_buf + hd.hd_len, ck->ck_len);
	}
	if (hd.hd_status == 101) {
		check_finish(ck, 0, HS_R_PROTOCOL, hd.hd_status, 0);
		return 1;
	}
	if (!hresp_status_ok(&ck->ck_sp->sp_status, hd.hd_status)) {
		check_finish(ck, 0, HS_R_BAD_STATUS, hd.hd_status, 0);
		return 1;
	}
	m = ck->ck_sp->sp_head ? HTTP_HEAD : HTTP_GET;
	body = ck->ck_buf + hd.hd_len;
	rest = ck->ck_len - hd.hd_len;
	if (ck->ck_reuse)
		hresp_end_init(&ck->ck_end, &hd, m);
	r = check_end(ck, body, rest);
	if (ck->ck_sp->sp_body == NULL)
		return check_passed(ck, hd.hd_status, r);
	hresp_body_init(&ck->ck_body, &hd, m, ck->ck_sp->sp_body);
	ck->ck_body_on = 1;
	ck->ck_phase = CK_BODY;
	ck->ck_out.cr_status = hd.hd_status;
	return check_verdict(ck, hresp_body_feed(&ck->ck_body, body, rest),
	    hd.hd_status, r);
}

/*
 * Bytes after the head: judged (BODY), or only followed to the end of
 * the response (DRAIN).  Returns 1 when the check ended.
 */
static int
check_body(struct check *ck, const char *p, size_t n, int status)
{
	enum hresp_reuse r = check_end(ck, p, n);

	if (ck->ck_phase == CK_BODY)
		return check_verdict(ck, hresp_body_feed(&ck->ck_body, p, n),
		    status, r);
	if (r == HRESP_REUSE_MORE)
		return 0;
	return check_passed(ck, status, r);
}

/* The connection ended (err: why, 0 at EOF); ends the check. */
static void
check_closed(struct check *ck, int status, int err)
{
	if (check_retry(ck))
		return;
	switch (ck->ck_phase) {
	case CK_DRAIN:
		check_passed(ck, status, HRESP_REUSE_NO);
		break;
	case CK_BODY:
		if (err == 0) {
			check_verdict(ck, hresp_body_eof(&ck->ck_body),
			    status, HRESP_REUSE_NO);
			break;
		}
		check_finish(ck, 0, HS_R_RESET, status, err);
		break;
	default:
		check_finish(ck, 0, err == 0 ? HS_R_PROTOCOL : HS_R_RESET,
		    status, err);
		break;
	}
}

/* Reads what the backend sent; may end the check. */
static void
check_recv(struct check *ck)
{
	char	 chunk[CHECK_READ_CHUNK], *p;
	size_t	 room;
	ssize_t	 n;
	int	 status = ck->ck_out.cr_status;

	for (;;) {
		if (ck->ck_phase == CK_HEAD) {
			p = ck->ck_buf + ck->ck_len;
			room = CHECK_HEAD_MAX - ck->ck_len;
		} else {
			p = chunk;
			room = sizeof(chunk);
		}
		n = recv(ck->ck_fd, p, room, 0);
		if (n > 0)
			ck->ck_rcvd += (size_t)n;
		if (n > 0 && ck->ck_phase == CK_HEAD) {
			ck->ck_len += (size_t)n;
			if (check_head(ck))
				return;		/* ended: ck is gone */
			status = ck->ck_out.cr_status;
			continue;
		}
		if (n > 0) {
			if (check_body(ck, p, (size_t)n, status))
				return;
			continue;
		}
		if (n == 0) {
			check_closed(ck, status, 0);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			check_wait(ck, EV_READ);
			return;
		}
		check_closed(ck, status, errno);
		return;
	}
}

/*
 * The event of a kept connection.  Idle, anything readable (the
 * backend's FIN or RST, or bytes nobody asked for) closes it, without a
 * verdict.  In use, it is the answer to the check on it.
 */
static void
check_conn_io(evutil_socket_t fd, short what, void *arg)
{
	struct check_conn	*cn = arg;
	struct check		*ck = cn->cc_check;
	ssize_t			 n;
	char			 c;
	int			 err;

	(void)what;
	if (ck == NULL) {
		check_conn_shut(cn);
		return;
	}
	if (ck->ck_phase != CK_SEND) {
		check_recv(ck);
		return;
	}
	/* Readable before the request is out: closed, or talking first. */
	n = recv(fd, &c, 1, MSG_PEEK);
	if (n == -1 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK))
		return;
	err = n == -1 ? errno : 0;
	if (n <= 0)
		check_closed(ck, 0, err);
	else
		check_finish(ck, 0, HS_R_PROTOCOL, 0, 0);
}

/* Connected: a tcp check passes, an http check sends its request. */
static void
check_connected(struct check *ck)
{
	if (ck->ck_sp->sp_type == GW_HC_HTTP)
		check_send(ck);
	else
		check_finish(ck, 1, HS_R_NONE, 0, 0);
}

static void
check_io(evutil_socket_t fd, short what, void *arg)
{
	struct check	*ck = arg;
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	if (what & EV_TIMEOUT) {
		/*
		 * libevent counts from the time it cached when the loop woke,
		 * which may be before the deadline was set: not yet.
		 */
		if (check_now_us() < ck->ck_deadline_us) {
			check_wait(ck, ck->ck_what);
			return;
		}
		/* Passed already: the body did not end in time, no reuse. */
		if (ck->ck_phase == CK_DRAIN) {
			check_passed(ck, ck->ck_out.cr_status, HRESP_REUSE_NO);
			return;
		}
		check_finish(ck, 0, ck->ck_phase == CK_RESOLVE ? HS_R_RESOLVE :
		    ck->ck_phase == CK_CONNECT ? HS_R_CONNECT_TIMEOUT :
		    HS_R_TIMEOUT, ck->ck_out.cr_status, ETIMEDOUT);
		return;
	}
	switch (ck->ck_phase) {
	case CK_CONNECT:
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			check_finish(ck, 0, check_connect_reason(err), 0, err);
			return;
		}
		check_connected(ck);
		break;
	case CK_SEND:
		check_send(ck);
		break;
	case CK_HEAD:
	case CK_BODY:
	case CK_DRAIN:
		check_recv(ck);
		break;
	case CK_RESOLVE:
		break;
	}
}

/*
 * 1 when the connect of fd has ended, its error (or 0) in *err: one
 * TCP_INFO read tells an established connection from one in progress.
 */
static int
check_ready(int fd, int *err)
{
	struct tcp_info	ti;
	socklen_t	len = sizeof(ti);

	*err = 0;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    ti.tcpi_state == TCP_SYN_SENT)
		return 0;
	if (ti.tcpi_state == TCP_ESTABLISHED)
		return 1;
	len = sizeof(*err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) == -1)
		*err = errno;
	return *err != 0;
}

/*
 * Opens the socket and connects; from check_start(), a lookup's answer or
 * a retry.
 */
static void
check_connect(struct check *ck, const struct sockaddr *sa, socklen_t salen)
{
	struct linger	lg = { 1, 0 };
	int		err;

	ck->ck_phase = CK_CONNECT;
	ck->ck_connects++;
	ck->ck_fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (ck->ck_fd == -1) {
		err = errno;
		check_finish(ck, 0, check_connect_reason(err), 0, err);
		return;
	}
	setsockopt(ck->ck_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (connect(ck->ck_fd, sa, salen) == 0) {
		check_connected(ck);
		return;
	}
	err = errno;
	if (err != EINPROGRESS) {
		check_finish(ck, 0, check_connect_reason(err), 0, err);
		return;
	}
	/*
	 * A backend on this host has often answered by now (the kernel runs
	 * the handshake inside connect()): one look saves registering with
	 * epoll and a loop round trip.
	 */
	if (!check_ready(ck->ck_fd, &err))
		check_wait(ck, EV_WRITE);
	else if (err != 0)
		check_finish(ck, 0, check_connect_reason(err), 0, err);
	else
		check_connected(ck);
}

static void
check_resolved(void *arg, int err, const struct evutil_addrinfo *ai)
{
	struct check		*ck = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 len;

	ck->ck_resolve = NULL;
	if (err != 0 || ai == NULL || ai->ai_addrlen > sizeof(ss)) {
		check_finish(ck, 0, HS_R_RESOLVE, 0, 0);
		return;
	}
	len = (socklen_t)ai->ai_addrlen;
	memcpy(&ss, ai->ai_addr, len);
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port =
		    htons((uint16_t)ck->ck_port);
	else
		((struct sockaddr_in *)&ss)->sin_port =
		    htons((uint16_t)ck->ck_port);
	check_connect(ck, (struct sockaddr *)&ss, len);
}

struct check *
check_start(struct hc_spec *sp, const char *host, int port,
    const struct sockaddr *sa, socklen_t salen, const char *name,
    struct check_conn *cn, check_cb cb, void *arg)
{
	struct check	*ck;

	ck = gw_calloc(1, sizeof(*ck));
	spec_ref(sp);
	ck->ck_sp = sp;
	ck->ck_cb = cb;
	ck->ck_arg = arg;
	ck->ck_fd = -1;
	ck->ck_port = port;
	gw_strlcpy(ck->ck_name, name, sizeof(ck->ck_name));
	if (sa != NULL && salen <= sizeof(ck->ck_ss)) {
		memcpy(&ck->ck_ss, sa, salen);
		ck->ck_sslen = salen;
		ck->ck_reuse = check_reuse && sp->sp_type == GW_HC_HTTP;
	}
	ck->ck_start_us = check_now_us();
	ck->ck_deadline_us = ck->ck_start_us + sp->sp_timeout_ms * 1000;
	if (cn != NULL && (cn->cc_fd == -1 || !ck->ck_reuse)) {
		check_conn_close(cn);	/* closed while idle, or unusable */
		cn = NULL;
	}
	/* Ends found from here to the return are deferred to the loop. */
	ck->ck_inside = 1;
	if (cn != NULL) {
		cn->cc_check = ck;
		ck->ck_conn = cn;
		ck->ck_fd = cn->cc_fd;
		ck->ck_reused = 1;
		check_send(ck);
	} else if (sa != NULL)
		check_connect(ck, sa, salen);
	else {
		ck->ck_phase = CK_RESOLVE;
		ck->ck_resolve = resolve_start(check_dns, host,
		    check_resolved, ck);
		/* Not answered yet: the deadline runs while it looks. */
		if (ck->ck_resolve != NULL)
			check_wait(ck, 0);
	}
	ck->ck_inside = 0;
	return ck;
}

/*
 * Specs.
 */

struct hc_spec *
spec_new(const struct gw_service *sv, const char **errstr)
{
	struct hc_spec	*sp;

	sp = gw_calloc(1, sizeof(*sp));
	if (sv->sv_hc_type == GW_HC_HTTP &&
	    hresp_status_parse(sv->sv_hc_expect, &sp->sp_status, errstr) ==
	    -1) {
		free(sp);
		return NULL;
	}
	sp->sp_refs = 1;
	sp->sp_service = gw_strdup(sv->sv_name);
	sp->sp_type = sv->sv_hc_type;
	sp->sp_method = gw_strdup(sv->sv_hc_method);
	sp->sp_path = gw_strdup(sv->sv_hc_path);
	sp->sp_host = gw_strdup_null(sv->sv_hc_host);
	sp->sp_expect = gw_strdup(sv->sv_hc_expect);
	sp->sp_body = gw_strdup_null(sv->sv_hc_body);
	sp->sp_head = strcmp(sv->sv_hc_method, "HEAD") == 0;
	sp->sp_interval_ms = sv->sv_hc_interval_ms;
	sp->sp_fast_ms = sv->sv_hc_fast_interval_ms;
	sp->sp_timeout_ms = sv->sv_hc_timeout_ms;
	sp->sp_rise = sv->sv_hc_rise;
	sp->sp_fall = sv->sv_hc_fall;
	sp->sp_jitter_pct = sv->sv_hc_jitter_pct;
	return sp;
}

void
spec_ref(struct hc_spec *sp)
{
	sp->sp_refs++;
}

void
spec_unref(struct hc_spec *sp)
{
	if (sp == NULL || --sp->sp_refs > 0)
		return;
	free(sp->sp_service);
	free(sp->sp_method);
	free(sp->sp_path);
	free(sp->sp_host);
	free(sp->sp_expect);
	free(sp->sp_body);
	free(sp);
}

int
spec_equal(const struct hc_spec *a, const struct hc_spec *b)
{
	return a->sp_type == b->sp_type &&
	    strcmp(a->sp_method, b->sp_method) == 0 &&
	    strcmp(a->sp_path, b->sp_path) == 0 &&
	    gw_streq_null(a->sp_host, b->sp_host) &&
	    strcmp(a->sp_expect, b->sp_expect) == 0 &&
	    gw_streq_null(a->sp_body, b->sp_body) &&
	    a->sp_interval_ms == b->sp_interval_ms &&
	    a->sp_fast_ms == b->sp_fast_ms &&
	    a->sp_timeout_ms == b->sp_timeout_ms &&
	    a->sp_rise == b->sp_rise && a->sp_fall == b->sp_fall &&
	    a->sp_jitter_pct == b->sp_jitter_pct;
}
