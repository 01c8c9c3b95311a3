/*
 * endpoint: what each path answers, and the WebSocket echo after 101.
 *
 * Every function that answers returns what conn_done() returns: -1 when
 * the connection is closing (or freed), so the caller returns at once.
 * An endpoint that answers later (/delay, /slowbody, /hang) sets the
 * connection's state; conn.c's callbacks come back through ep_timer(),
 * ep_gen_fill() and ep_ws_run().
 */
#include <sys/types.h>

#include <err.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <http_parser.h>

#include "backend.h"
#include "str.h"
#include "ws.h"

/* A piece starts anywhere in the pattern: one period more than a piece. */
#define EP_PATTERN_LEN	(BACKEND_PIECE_MAX + 26)

struct ep_endpoint {
	const char	*ep_path;
	int		(*ep_fn)(struct backend_conn *);
};

static char	ep_pattern[EP_PATTERN_LEN];

/*
 * A JSON string of n bytes: each byte is one code point (Latin-1), so any
 * bytes survive the trip; a test recovers them with .encode('latin-1').
 */
static void
ep_json_str(struct evbuffer *b, const char *s, size_t n)
{
	unsigned char	ch;
	size_t		i;

	evbuffer_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			evbuffer_add_printf(b, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			evbuffer_add_printf(b, "\\u%04x", ch);
		else
			evbuffer_add(b, &ch, 1);
	}
	evbuffer_add(b, "\"", 1);
}

static void
ep_json_fields(struct evbuffer *b, const struct backend_field *f, size_t n)
{
	size_t	i;

	evbuffer_add(b, "[", 1);
	for (i = 0; i < n; i++) {
		evbuffer_add(b, i > 0 ? ",[" : "[", i > 0 ? 2 : 1);
		ep_json_str(b, gw_buf_str(&f[i].f_name), f[i].f_name.b_len);
		evbuffer_add(b, ",", 1);
		ep_json_str(b, gw_buf_str(&f[i].f_value), f[i].f_value.b_len);
		evbuffer_add(b, "]", 1);
	}
	evbuffer_add(b, "]", 1);
}

/* The default answer: who we are and what was asked. */
static int
ep_default(struct backend_conn *c)
{
	return conn_text(c, 200, NULL, "%s %s %s\n", c->c_srv->s_name,
	    http_method_str((enum http_method)c->c_req.rq_method),
	    gw_buf_str(&c->c_req.rq_target));
}

static int
ep_echo(struct backend_conn *c)
{
	struct backend_req	*rq = &c->c_req;
	struct evbuffer		*b = evbuffer_new();
	const char		*m;
	int			 r;

	if (b == NULL)
		errx(1, "out of memory");
	m = http_method_str((enum http_method)rq->rq_method);
	evbuffer_add_printf(b, "{\"backend\":");
	ep_json_str(b, c->c_srv->s_name, strlen(c->c_srv->s_name));
	evbuffer_add_printf(b, ",\"peer\":");
	ep_json_str(b, c->c_peer, strlen(c->c_peer));
	evbuffer_add_printf(b, ",\"method\":");
	ep_json_str(b, m, strlen(m));
	evbuffer_add_printf(b, ",\"target\":");
	ep_json_str(b, gw_buf_str(&rq->rq_target), rq->rq_target.b_len);
	evbuffer_add_printf(b, ",\"path\":");
	ep_json_str(b, rq->rq_path, strlen(rq->rq_path));
	evbuffer_add_printf(b, ",\"version\":\"HTTP/1.%d\",\"headers\":",
	    rq->rq_minor);
	ep_json_fields(b, rq->rq_fields, rq->rq_nheaders);
	evbuffer_add_printf(b, ",\"trailers\":");
	ep_json_fields(b, rq->rq_fields + rq->rq_nheaders,
	    rq->rq_nfields - rq->rq_nheaders);
	evbuffer_add_printf(b, ",\"body_length\":%" PRIu64
	    ",\"body_fnv1a64\":\"%016" PRIx64 "\",\"body\":", rq->rq_bodylen,
	    rq->rq_fnv);
	if (rq->rq_bodylen <= BACKEND_ECHO_BODY_MAX)
		ep_json_str(b, gw_buf_str(&rq->rq_body), rq->rq_body.b_len);
	else
		evbuffer_add_printf(b, "null");
	evbuffer_add_printf(b, "}\n");
	r = conn_respond(c, 200, "Content-Type: application/json\r\n", b,
	    BACKEND_LENGTH);
	evbuffer_free(b);
	return r;
}

/* Appends up to one piece of the body; chunked, one chunk. */
static void
ep_gen_piece(struct backend_conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->c_bev);
	size_t		 k, m;

	k = c->c_gen_left < c->c_gen_piece ? (size_t)c->c_gen_left :
	    c->c_gen_piece;
	if (k == 0)
		return;
	if (c->c_gen_framing == BACKEND_CHUNKED)
		evbuffer_add_printf(out, "%zx\r\n", k);
	c->c_gen_left -= k;
	while (k > 0) {
		m = k < BACKEND_PIECE_MAX ? k : BACKEND_PIECE_MAX;
		/* Static memory: no copy. */
		evbuffer_add_reference(out, ep_pattern + c->c_gen_off % 26,
		    m, NULL, NULL);
		c->c_gen_off += m;
		k -= m;
	}
	if (c->c_gen_framing == BACKEND_CHUNKED)
		evbuffer_add(out, "\r\n", 2);
}

/* The body is out: the last chunk, then what conn_done() does. */
static int
ep_gen_end(struct backend_conn *c)
{
	if (c->c_gen_framing == BACKEND_CHUNKED)
		evbuffer_add_printf(bufferevent_get_output(c->c_bev),
		    "0\r\n\r\n");
	return conn_done(c);
}

/* Fills the output up to the high mark; the write callback calls again. */
int
ep_gen_fill(struct backend_conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->c_bev);

	while (c->c_gen_left > 0 && evbuffer_get_length(out) < BACKEND_OUT_HIGH)
		ep_gen_piece(c);
	if (c->c_gen_left == 0)
		return ep_gen_end(c);
	return 0;
}

/*
 * Starts a body of n pattern bytes, in pieces of piece bytes every ms
 * milliseconds (0: as fast as the client reads).
 */
static int
ep_gen_start(struct backend_conn *c, uint64_t n, size_t piece, int ms,
    enum backend_framing framing)
{
	/* RFC 9112 6.1: no chunked to an HTTP/1.0 client. */
	if (framing == BACKEND_CHUNKED && c->c_req.rq_minor == 0)
		framing = BACKEND_EOF;
	c->c_gen_left = n;
	c->c_gen_off = 0;
	c->c_gen_piece = piece;
	c->c_gen_ms = ms;
	c->c_gen_framing = framing;
	conn_head(c, 200, "Content-Type: application/octet-stream\r\n",
	    framing, n);
	if (c->c_head)
		return conn_done(c);
	conn_set_state(c, BACKEND_STREAMING);
	if (ms > 0 && n > 0) {
		conn_timer_add(c, ms);
		return 0;
	}
	c->c_gen_ms = 0;
	return ep_gen_fill(c);
}

static int
ep_bytes(struct backend_conn *c)
{
	const struct backend_req	*rq = &c->c_req;
	const char			*why;
	long long			 n, piece;
	int				 chunked = req_flag(rq, "chunked");

	if (req_num(rq, "n", -1, 0, BACKEND_N_MAX, &n, &why) == -1)
		return conn_bad_param(c, "n", why);
	if (req_num(rq, "piece", 1000, 1, BACKEND_PIECE_MAX, &piece,
	    &why) == -1)
		return conn_bad_param(c, "piece", why);
	if (chunked)
		return ep_gen_start(c, (uint64_t)n, (size_t)piece, 0,
		    BACKEND_CHUNKED);
	return ep_gen_start(c, (uint64_t)n, BACKEND_BLOCK, 0,
	    req_flag(rq, "close") ? BACKEND_EOF : BACKEND_LENGTH);
}

static int
ep_slowbody(struct backend_conn *c)
{
	const struct backend_req	*rq = &c->c_req;
	const char			*why;
	long long			 n, ms, piece;

	if (req_num(rq, "n", -1, 0, BACKEND_N_MAX, &n, &why) == -1)
		return conn_bad_param(c, "n", why);
	if (req_num(rq, "ms", 100, 0, BACKEND_MS_MAX, &ms, &why) == -1)
		return conn_bad_param(c, "ms", why);
	if (req_num(rq, "piece", 16, 1, BACKEND_PIECE_MAX, &piece,
	    &why) == -1)
		return conn_bad_param(c, "piece", why);
	return ep_gen_start(c, (uint64_t)n, (size_t)piece, (int)ms,
	    req_flag(rq, "chunked") ? BACKEND_CHUNKED :
	    req_flag(rq, "close") ? BACKEND_EOF : BACKEND_LENGTH);
}

static int
ep_delay(struct backend_conn *c)
{
	const char	*why;
	long long	 ms;

	if (req_num(&c->c_req, "ms", -1, 0, BACKEND_MS_MAX, &ms, &why) == -1)
		return conn_bad_param(c, "ms", why);
	conn_set_state(c, BACKEND_WAITING);
	conn_timer_add(c, (int)ms);
	return 0;
}

static int
ep_hang(struct backend_conn *c)
{
	conn_log(c, "hang");
	conn_set_state(c, BACKEND_HANGING);
	return 0;
}

static int
ep_status(struct backend_conn *c)
{
	const char	*why;
	long long	 code;

	/* A final status: 1xx would leave the request unanswered. */
	if (req_num(&c->c_req, "code", -1, 200, 599, &code, &why) == -1)
		return conn_bad_param(c, "code", why);
	return conn_text(c, (int)code, NULL, "%s %lld %s\n", c->c_srv->s_name,
	    code, conn_reason((int)code));
}

/* Earlier pipelined answers go out first, then the RST. */
static int
ep_reset(struct backend_conn *c)
{
	conn_log(c, "reset");
	if (evbuffer_get_length(bufferevent_get_output(c->c_bev)) > 0) {
		conn_set_state(c, BACKEND_RESETTING);
		bufferevent_disable(c->c_bev, EV_READ);
		return -1;
	}
	conn_reset(c);
	return -1;
}

/* A header name is a token (RFC 9110 5.6.2). */
static int
ep_token(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("!#$%&'*+-.^_`|~", s[i]) == NULL &&
		    !(s[i] >= '0' && s[i] <= '9') &&
		    !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z'))
			return 0;
	return 1;
}

/*
 * Adds each h=Name:Value as a response header.  A Content-Length or
 * Transfer-Encoding given this way replaces ours, and the body is sent as
 * it is: a way to make a backend that lies about its framing.
 */
static int
ep_headers(struct backend_conn *c)
{
	const struct backend_req	*rq = &c->c_req;
	const char			*v, *colon;
	struct gw_buf			 hdr = { 0 };
	struct evbuffer			*body;
	enum backend_framing		 framing = BACKEND_LENGTH;
	size_t				 i, nlen;
	int				 r;

	for (i = 0; i < rq->rq_nparams; i++) {
		if (strcmp(rq->rq_params[i].p_key, "h") != 0)
			continue;
		v = rq->rq_params[i].p_value;
		if ((colon = strchr(v, ':')) == NULL ||
		    !ep_token(v, (size_t)(colon - v)) ||
		    strpbrk(v, "\r\n") != NULL) {
			gw_buf_free(&hdr);
			return conn_bad_param(c, "h", "want Name:Value");
		}
		nlen = (size_t)(colon - v);
		colon += strspn(colon + 1, " \t") + 1;
		gw_buf_printf(&hdr, "%.*s: %s\r\n", (int)nlen, v, colon);
		if ((nlen == 14 && strncasecmp(v, "Content-Length", 14) == 0) ||
		    (nlen == 17 &&
		    strncasecmp(v, "Transfer-Encoding", 17) == 0))
			framing = BACKEND_RAW;
	}
	if ((body = evbuffer_new()) == NULL)
		errx(1, "out of memory");
	evbuffer_add_printf(body, "%s %s %s\n", c->c_srv->s_name,
	    http_method_str((enum http_method)rq->rq_method),
	    gw_buf_str(&rq->rq_target));
	r = conn_respond(c, 200, gw_buf_str(&hdr), body, framing);
	evbuffer_free(body);
	gw_buf_free(&hdr);
	return r;
}

/* Sends one unmasked frame. */
static void
ep_ws_send(struct backend_conn *c, int fin, int opcode, const void *p,
    size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->c_bev);
	uint8_t		 head[WS_HEAD_MAX];

	evbuffer_add(out, head, ws_frame_head(head, fin, opcode, len));
	evbuffer_add(out, p, len);
}

/* Sends a close frame with code and closes (RFC 6455 7.1.7).  Returns -1. */
static int
ep_ws_fail(struct backend_conn *c, int code)
{
	uint8_t	p[2] = { (uint8_t)(code >> 8), (uint8_t)code };

	ep_ws_send(c, 1, WS_OP_CLOSE, p, sizeof(p));
	return conn_close_flush(c);
}

/* The close code for a frame this echo refuses, or 0 (RFC 6455 5.2-5.5). */
static int
ep_ws_check(const struct backend_conn *c, const struct ws_frame *f)
{
	if (f->wf_rsv != 0 || !f->wf_masked)
		return WS_CLOSE_PROTOCOL;
	switch (f->wf_opcode) {
	case WS_OP_CONT:
		return c->c_ws_frag ? 0 : WS_CLOSE_PROTOCOL;
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		if (c->c_ws_frag)
			return WS_CLOSE_PROTOCOL;
		return f->wf_len > BACKEND_WS_FRAME_MAX ? WS_CLOSE_TOO_BIG : 0;
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		return f->wf_fin && f->wf_len <= 125 ? 0 : WS_CLOSE_PROTOCOL;
	default:
		return WS_CLOSE_PROTOCOL;
	}
}

/*
 * Echoes the frames in the input: data frames as they came (so fragments
 * stay fragments), ping with pong, close with close.  Returns -1 when c is
 * closing.
 */
int
ep_ws_run(struct backend_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->c_bev);
	struct evbuffer	*out = bufferevent_get_output(c->c_bev);
	struct ws_frame	 f;
	uint8_t		*p, code[2];
	size_t		 len, n, clen;
	int		 r;

	while (c->c_state == BACKEND_WEBSOCKET &&
	    evbuffer_get_length(out) < BACKEND_OUT_HIGH) {
		len = evbuffer_get_length(in);
		n = len < WS_HEAD_MAX ? len : WS_HEAD_MAX;
		if (n == 0 || (p = evbuffer_pullup(in, (ev_ssize_t)n)) == NULL)
			break;
		if ((r = ws_frame_parse(p, n, &f)) == 0)
			break;
		if (r == -1)
			return ep_ws_fail(c, WS_CLOSE_PROTOCOL);
		if ((r = ep_ws_check(c, &f)) != 0)
			return ep_ws_fail(c, r);
		if (len < f.wf_hlen + f.wf_len)
			break;
		n = f.wf_hlen + (size_t)f.wf_len;
		p = evbuffer_pullup(in, (ev_ssize_t)n) + f.wf_hlen;
		ws_unmask(p, (size_t)f.wf_len, f.wf_mask);
		switch (f.wf_opcode) {
		case WS_OP_PING:
			ep_ws_send(c, 1, WS_OP_PONG, p, (size_t)f.wf_len);
			break;
		case WS_OP_PONG:
			break;
		case WS_OP_CLOSE:
			/* Echo the status code alone; a 1-byte body is bad. */
			if (f.wf_len == 1)
				return ep_ws_fail(c, WS_CLOSE_PROTOCOL);
			clen = f.wf_len >= 2 ? 2 : 0;
			memcpy(code, p, clen);
			ep_ws_send(c, 1, WS_OP_CLOSE, code, clen);
			conn_log(c, "ws close");
			return conn_close_flush(c);
		default:
			ep_ws_send(c, f.wf_fin, f.wf_opcode, p,
			    (size_t)f.wf_len);
			c->c_ws_frag = !f.wf_fin;
			break;
		}
		evbuffer_drain(in, n);
	}
	return 0;
}

/* The opening handshake, RFC 6455 4.2. */
static int
ep_ws(struct backend_conn *c)
{
	const struct backend_req	*rq = &c->c_req;
	const char			*key, *ver;
	char				 acc[WS_ACCEPT_LEN];

	if (rq->rq_method != HTTP_GET || rq->rq_minor != 1 ||
	    !req_has_token(rq, "Upgrade", "websocket") ||
	    !req_has_token(rq, "Connection", "upgrade") ||
	    (key = req_header(rq, "Sec-WebSocket-Key")) == NULL ||
	    !ws_key_valid(key))
		return conn_text(c, 400, NULL,
		    "%s: not a WebSocket handshake\n", c->c_srv->s_name);
	ver = req_header(rq, "Sec-WebSocket-Version");
	if (ver == NULL || strcmp(ver, "13") != 0)
		return conn_text(c, 426, "Upgrade: websocket\r\n"
		    "Sec-WebSocket-Version: 13\r\n",
		    "%s: WebSocket version 13 only\n", c->c_srv->s_name);
	ws_accept(key, acc);
	evbuffer_add_printf(bufferevent_get_output(c->c_bev),
	    "HTTP/1.1 101 Switching Protocols\r\nX-Backend: %s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", c->c_srv->s_name, acc);
	conn_log(c, "101");
	c->c_ws_frag = 0;
	bufferevent_setwatermark(c->c_bev, EV_READ, 0,
	    BACKEND_WS_FRAME_MAX + WS_HEAD_MAX);
	conn_set_state(c, BACKEND_WEBSOCKET);
	return ep_ws_run(c);
}

static const struct ep_endpoint ep_table[] = {
	{ "/echo", ep_echo },
	{ "/bytes", ep_bytes },
	{ "/slowbody", ep_slowbody },
	{ "/delay", ep_delay },
	{ "/hang", ep_hang },
	{ "/status", ep_status },
	{ "/reset", ep_reset },
	{ "/headers", ep_headers },
	{ "/ws", ep_ws },
	{ NULL, NULL }
};

/* Answers the request just read.  Returns -1 when c is closing. */
int
ep_dispatch(struct backend_conn *c)
{
	struct backend_req		*rq = &c->c_req;
	const struct ep_endpoint	*ep;

	c->c_keepalive = rq->rq_keepalive;
	c->c_head = rq->rq_method == HTTP_HEAD;
	if (req_parse_target(rq) == -1)
		return conn_text(c, 400, NULL, "%s: bad query string\n",
		    c->c_srv->s_name);
	if (req_flag(rq, "close"))
		c->c_keepalive = 0;
	for (ep = ep_table; ep->ep_path != NULL; ep++)
		if (strcmp(rq->rq_path, ep->ep_path) == 0)
			return ep->ep_fn(c);
	return ep_default(c);
}

/* The pattern of /bytes and /slowbody: byte i is 'a' + i % 26. */
void
ep_init(void)
{
	size_t	i;

	for (i = 0; i < sizeof(ep_pattern); i++)
		ep_pattern[i] = (char)('a' + i % 26);
}

/* The timer of /delay (answer now) or /slowbody (the next piece). */
int
ep_timer(struct backend_conn *c)
{
	if (c->c_state == BACKEND_WAITING)
		return ep_default(c);
	if (c->c_state != BACKEND_STREAMING)
		return 0;
	ep_gen_piece(c);
	if (c->c_gen_left > 0) {
		conn_timer_add(c, c->c_gen_ms);
		return 0;
	}
	return ep_gen_end(c);
}
