/*
 * conn: one client connection, from accept to close.
 *
 * The request loop (conn_run) parses a request, hands it to endpoint.c
 * and resumes parsing only when the answer is complete, so pipelined
 * requests are answered in order and wait, bounded by the read watermark,
 * in the input buffer.  Answers are written here (conn_head and friends);
 * closing is staged (conn_close_flush) so that unread input never turns
 * our close into a RST.  A connection is freed in conn_free() only.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <http_parser.h>

#include "backend.h"
#include "str.h"

static void	conn_run(struct backend_conn *);

static const struct {
	int		 r_status;
	const char	*r_text;
} conn_reasons[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 417, "Expectation Failed" },
	{ 426, "Upgrade Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
};

const char *
conn_reason(int status)
{
	size_t	i;

	for (i = 0; i < sizeof(conn_reasons) / sizeof(conn_reasons[0]);
	    i++)
		if (conn_reasons[i].r_status == status)
			return conn_reasons[i].r_text;
	return "Status";
}

/* RFC 9110 6.4.1: these responses never have content. */
int
conn_bodyless(int status)
{
	return status < 200 || status == 204 || status == 304;
}

/* -v: one line per answer, "NAME PEER METHOD TARGET WHAT". */
void
conn_log(struct backend_conn *c, const char *fmt, ...)
{
	va_list	ap;
	int	m = c->c_req.rq_method;

	if (!c->c_srv->s_verbose)
		return;
	fprintf(stderr, "%s %s %s %s ", c->c_srv->s_name, c->c_peer,
	    m >= 0 ? http_method_str((enum http_method)m) : "-",
	    c->c_req.rq_target.b_len > 0 ? gw_buf_str(&c->c_req.rq_target) :
	    "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
conn_free(struct backend_conn *c)
{
	TAILQ_REMOVE(&c->c_srv->s_conns, c, c_entry);
	bufferevent_free(c->c_bev);
	if (c->c_timer != NULL)
		event_free(c->c_timer);
	req_reset(&c->c_req);
	free(c);
}

void
conn_timer_add(struct backend_conn *c, int ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = ms % 1000 * 1000;
	evtimer_add(c->c_timer, &tv);
}

/* Idle keep-alive connections time out (--idle-timeout) only while read. */
void
conn_set_state(struct backend_conn *c, enum backend_state st)
{
	struct timeval	tv;

	c->c_state = st;
	if (st == BACKEND_READING && c->c_srv->s_idle_ms > 0) {
		tv.tv_sec = c->c_srv->s_idle_ms / 1000;
		tv.tv_usec = c->c_srv->s_idle_ms % 1000 * 1000;
		bufferevent_set_timeouts(c->c_bev, &tv, NULL);
	} else
		bufferevent_set_timeouts(c->c_bev, NULL, NULL);
}

/* The output is written: send FIN, then read until EOF or the bound. */
static void
conn_linger(struct backend_conn *c)
{
	if (c->c_eof) {
		conn_free(c);
		return;
	}
	(void)shutdown(bufferevent_getfd(c->c_bev), SHUT_WR);
	conn_set_state(c, BACKEND_LINGERING);
	conn_timer_add(c, BACKEND_LINGER_MS);
}

/*
 * Closes c once its output is written, in stages (RFC 9112 9.6): input
 * left unread at close(2) would make the kernel send a RST, which can
 * destroy the answer in the client's receive buffer (pipelined requests
 * after a last answer, the rest of a refused request).  Always returns
 * -1: the caller is done with c, which may already be freed.
 */
int
conn_close_flush(struct backend_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->c_bev);

	conn_set_state(c, BACKEND_CLOSING);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (evbuffer_get_length(bufferevent_get_output(c->c_bev)) == 0)
		conn_linger(c);
	return -1;
}

/* Closes c with a RST: SO_LINGER 0 makes close(2) abort.  Frees c. */
void
conn_reset(struct backend_conn *c)
{
	struct linger	l = { 1, 0 };

	(void)setsockopt(bufferevent_getfd(c->c_bev), SOL_SOCKET, SO_LINGER,
	    &l, sizeof(l));
	conn_free(c);
}

/*
 * The answer to the current request is complete.  Returns 0 when c reads
 * the next request, -1 when c is closing (and may be freed).
 */
int
conn_done(struct backend_conn *c)
{
	if (!c->c_keepalive)
		return conn_close_flush(c);
	conn_set_state(c, BACKEND_READING);
	return 0;
}

/* Writes the status line and headers of the answer. */
void
conn_head(struct backend_conn *c, int status, const char *extra,
    enum backend_framing framing, uint64_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->c_bev);

	if (framing == BACKEND_EOF)
		c->c_keepalive = 0;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nX-Backend: %s\r\n", status,
	    conn_reason(status), c->c_srv->s_name);
	if (extra != NULL)
		evbuffer_add(out, extra, strlen(extra));
	if (!conn_bodyless(status) && framing == BACKEND_LENGTH)
		evbuffer_add_printf(out, "Content-Length: %" PRIu64 "\r\n",
		    len);
	else if (!conn_bodyless(status) && framing == BACKEND_CHUNKED)
		evbuffer_add_printf(out, "Transfer-Encoding: chunked\r\n");
	/* RFC 9112 9.3: 1.1 persists unless told, 1.0 only when told. */
	if (!c->c_keepalive)
		evbuffer_add_printf(out, "Connection: close\r\n");
	else if (c->c_req.rq_minor == 0)
		evbuffer_add_printf(out, "Connection: keep-alive\r\n");
	evbuffer_add(out, "\r\n", 2);
	conn_log(c, "%d", status);
}

/*
 * Answers with the contents of body (moved out of it; NULL: none).
 * Returns what conn_done() returns.
 */
int
conn_respond(struct backend_conn *c, int status, const char *extra,
    struct evbuffer *body, enum backend_framing framing)
{
	size_t	len = body != NULL ? evbuffer_get_length(body) : 0;

	conn_head(c, status, extra, framing, len);
	if (body != NULL && !c->c_head && !conn_bodyless(status))
		evbuffer_add_buffer(bufferevent_get_output(c->c_bev), body);
	return conn_done(c);
}

/* Answers with a text/plain body; returns what conn_done() returns. */
int
conn_text(struct backend_conn *c, int status, const char *extra,
    const char *fmt, ...)
{
	struct evbuffer	*body = evbuffer_new();
	struct gw_buf	 hdr = { 0 };
	va_list		 ap;
	int		 r;

	if (body == NULL)
		errx(1, "out of memory");
	va_start(ap, fmt);
	evbuffer_add_vprintf(body, fmt, ap);
	va_end(ap);
	if (!conn_bodyless(status))
		gw_buf_puts(&hdr, "Content-Type: text/plain\r\n");
	if (extra != NULL)
		gw_buf_puts(&hdr, extra);
	r = conn_respond(c, status, gw_buf_str(&hdr), body, BACKEND_LENGTH);
	evbuffer_free(body);
	gw_buf_free(&hdr);
	return r;
}

int
conn_bad_param(struct backend_conn *c, const char *key, const char *why)
{
	return conn_text(c, 400, NULL, "%s: parameter %s: %s\n",
	    c->c_srv->s_name, key, why);
}

/* A request http-parser or our limits refused: say why and close. */
static int
conn_refuse(struct backend_conn *c)
{
	struct backend_req	*rq = &c->c_req;
	enum http_errno		 e = HTTP_PARSER_ERRNO(&c->c_parser);
	int			 status = 400;
	const char		*why = http_errno_description(e);

	if (rq->rq_refuse != 0) {
		status = rq->rq_refuse;
		why = rq->rq_refuse_why;
	} else if (e == HPE_HEADER_OVERFLOW)
		status = 431;
	c->c_keepalive = 0;
	c->c_head = 0;
	return conn_text(c, status, NULL, "%s: %s\n", c->c_srv->s_name, why);
}

/*
 * Parses and answers requests from the input while c is reading and its
 * output has room.  c may be freed on return.
 */
static void
conn_run(struct backend_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->c_bev);
	struct evbuffer		*out = bufferevent_get_output(c->c_bev);
	struct evbuffer_iovec	 v;
	size_t			 n;

	while (c->c_state == BACKEND_READING) {
		/* Backpressure: the write callback calls again. */
		if (evbuffer_get_length(out) >= BACKEND_OUT_HIGH)
			return;
		if (evbuffer_get_length(in) == 0 ||
		    evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		n = http_parser_execute(&c->c_parser, &req_parser_settings,
		    v.iov_base, v.iov_len);
		evbuffer_drain(in, n);
		switch (HTTP_PARSER_ERRNO(&c->c_parser)) {
		case HPE_OK:
			break;
		case HPE_PAUSED:
			http_parser_pause(&c->c_parser, 0);
			if (ep_dispatch(c) == -1)
				return;		/* c may be freed */
			break;
		default:
			(void)conn_refuse(c);
			return;			/* c may be freed */
		}
	}
	/* A client that shut its side gets its answers, then the close. */
	if (c->c_state == BACKEND_READING && c->c_eof)
		(void)conn_close_flush(c);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct backend_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);

	switch (c->c_state) {
	case BACKEND_WEBSOCKET:
		(void)ep_ws_run(c);
		break;
	case BACKEND_CLOSING:
	case BACKEND_LINGERING:
		evbuffer_drain(in, evbuffer_get_length(in));
		break;
	default:
		conn_run(c);
		break;
	}
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct backend_conn	*c = arg;
	size_t			 len;

	len = evbuffer_get_length(bufferevent_get_output(bev));
	switch (c->c_state) {
	case BACKEND_CLOSING:
		if (len == 0)
			conn_linger(c);
		return;
	case BACKEND_RESETTING:
		if (len == 0)
			conn_reset(c);
		return;
	case BACKEND_WEBSOCKET:
		(void)ep_ws_run(c);
		return;
	case BACKEND_STREAMING:
		if (c->c_gen_ms == 0 && ep_gen_fill(c) == -1)
			return;			/* c may be freed */
		break;
	default:
		break;
	}
	conn_run(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct backend_conn	*c = arg;

	(void)bev;
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		c->c_eof = 1;
		switch (c->c_state) {
		case BACKEND_READING:
			conn_run(c);
			return;
		case BACKEND_WAITING:
		case BACKEND_STREAMING:
		case BACKEND_RESETTING:
		case BACKEND_CLOSING:
			return;		/* finish the answer first */
		case BACKEND_HANGING:
		case BACKEND_WEBSOCKET:
		case BACKEND_LINGERING:
			break;
		}
	}
	/* Errors, EOF where nothing is left to say, idle timeout. */
	conn_free(c);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct backend_conn	*c = arg;

	(void)fd;
	(void)what;
	if (c->c_state == BACKEND_LINGERING) {
		conn_free(c);
		return;
	}
	if (ep_timer(c) == -1)
		return;				/* c may be freed */
	conn_run(c);
}

void
conn_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct backend_server	*s = arg;
	struct backend_conn	*c;
	int			 one = 1, port;

	(void)l;
	/* Bodies go out in small pieces: /slowbody must not wait. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = gw_calloc(1, sizeof(*c));
	c->c_srv = s;
	c->c_bev = bufferevent_socket_new(s->s_base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->c_timer = evtimer_new(s->s_base, conn_timer_cb, c);
	if (c->c_bev == NULL || c->c_timer == NULL)
		errx(1, "out of memory");
	backend_addr_fmt(sa, (socklen_t)salen, c->c_peer,
	    sizeof(c->c_peer), &port);
	req_reset(&c->c_req);
	http_parser_init(&c->c_parser, HTTP_REQUEST);
	c->c_parser.data = c;
	TAILQ_INSERT_TAIL(&s->s_conns, c, c_entry);
	bufferevent_setcb(c->c_bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	bufferevent_setwatermark(c->c_bev, EV_READ, 0, BACKEND_IN_MAX);
	bufferevent_setwatermark(c->c_bev, EV_WRITE, BACKEND_OUT_LOW, 0);
	conn_set_state(c, BACKEND_READING);
	bufferevent_enable(c->c_bev, EV_READ | EV_WRITE);
}
