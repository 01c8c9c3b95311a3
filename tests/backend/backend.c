/*
 * gwbackend: the test and demo backend of gw.
 *
 * An HTTP/1.1 origin server whose behaviour each request chooses: the path
 * picks an endpoint and the query string its parameters, so the bats tests
 * of gwproxy and `make demo` get backends that echo what reached them,
 * stream, stall, fail or reset on demand.  It sits on bufferevents rather
 * than evhttp because the tests need what evhttp hides: pipelined requests
 * answered in order, bodies delimited by close, a RST, a request never
 * answered, a WebSocket after 101.
 *
 * Requests go through http-parser directly with the few limits a test
 * server needs; refusing ambiguous requests is common/http1's job and is
 * tested there, not here.  One request is handled at a time per
 * connection: the parser pauses at the end of each message and resumes
 * when its response is complete, which keeps pipelined answers in order
 * and leaves later requests in the input buffer (bounded by a read
 * watermark) until then.
 *
 * Endpoints; "close=1" on any of them makes its response the last one on
 * the connection (Connection: close):
 *   /echo			200, JSON: the request as received
 *   /bytes?n=N			N bytes of the pattern; chunked=1 sends chunks
 *				of piece=P bytes (1000), close=1 alone ends the
 *				body by closing instead of Content-Length
 *   /slowbody?n=N&ms=M		N bytes, piece=P (16) every M ms (100)
 *   /delay?ms=N		the default answer after N ms
 *   /hang			no answer ever; the connection stays open
 *   /status?code=N		status N, a one-line body (none for 204, 304)
 *   /reset			closes the connection with a RST
 *   /headers?h=Name:Value	the default answer with those headers added
 *   /ws			WebSocket echo (RFC 6455)
 *   anything else		200, "NAME METHOD TARGET\n"
 * The pattern's byte i (from 0) is 'a' + i % 26.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <http_parser.h>

#include "addr.h"
#include "str.h"
#include "ws.h"

/* Request line and header bytes; more is 431 (gwproxy's default too). */
#define BACKEND_HEAD_MAX	(64 * 1024)
/* Request target bytes; more is 414. */
#define BACKEND_TARGET_MAX	(8 * 1024)
/* Header and trailer fields per request; more is 431. */
#define BACKEND_FIELDS_MAX	100
/*
 * Input bytes buffered before reading pauses: what a client pipelining
 * behind a slow answer, or talking to /hang, can make us hold.
 */
#define BACKEND_IN_MAX		(256 * 1024)
/* Output bytes queued before bodies and pipelined answers wait. */
#define BACKEND_OUT_HIGH	(256 * 1024)
/* Output bytes left when the write callback refills (bufferevent low mark). */
#define BACKEND_OUT_LOW		(64 * 1024)
/* /echo returns the body itself up to this many bytes, else null. */
#define BACKEND_ECHO_BODY_MAX	4096
/* Bytes per write of a body sent with Content-Length or until close. */
#define BACKEND_BLOCK		(16 * 1024)
/* Largest piece=; the pattern buffer holds one from any offset. */
#define BACKEND_PIECE_MAX	(64 * 1024)
#define BACKEND_PATTERN_LEN	(BACKEND_PIECE_MAX + 26)
/* Largest n= (1 TiB) and ms= (one hour): enough for any test. */
#define BACKEND_N_MAX		(1LL << 40)
#define BACKEND_MS_MAX		(3600 * 1000)
/* WebSocket frames up to 1 MiB are echoed; larger ones close with 1009. */
#define BACKEND_WS_FRAME_MAX	(1024 * 1024)

#define BACKEND_NAME_MAX	64
#define BACKEND_LISTEN_MAX	16

enum backend_state {
	BACKEND_READING,	/* parsing the next request */
	BACKEND_WAITING,	/* /delay: the timer answers */
	BACKEND_HANGING,	/* /hang: nothing answers */
	BACKEND_STREAMING,	/* /bytes, /slowbody: the body is being made */
	BACKEND_WEBSOCKET,	/* after 101 */
	BACKEND_RESETTING,	/* flushing earlier answers, then RST */
	BACKEND_CLOSING		/* flushing the output, then close */
};

enum backend_framing {
	BACKEND_LENGTH,		/* Content-Length */
	BACKEND_CHUNKED,	/* Transfer-Encoding: chunked */
	BACKEND_EOF,		/* neither: the body ends when we close */
	BACKEND_RAW		/* neither: /headers supplied its own */
};

struct backend_field {
	struct gw_buf	f_name;
	struct gw_buf	f_value;
};

/* A query parameter, percent-decoded; both strings owned. */
struct backend_param {
	char	*p_key;
	char	*p_value;
};

/* The request being read or answered; owned by its connection. */
struct backend_req {
	struct gw_buf		 rq_target;
	struct backend_field	*rq_fields;	/* headers, then trailers */
	size_t			 rq_nfields;
	size_t			 rq_capfields;
	size_t			 rq_nheaders;	/* fields before the body */
	size_t			 rq_headbytes;
	int			 rq_in_name;	/* last callback: a field name */
	int			 rq_refuse;	/* 414 or 431 from a callback */
	const char		*rq_refuse_why;
	int			 rq_method;	/* enum http_method, -1: none */
	int			 rq_minor;	/* HTTP/1.x */
	int			 rq_keepalive;
	uint64_t		 rq_bodylen;
	uint64_t		 rq_fnv;	/* FNV-1a 64 of the body */
	struct gw_buf		 rq_body;	/* its first bytes, for /echo */
	char			*rq_path;	/* the target before '?' */
	struct backend_param	*rq_params;
	size_t			 rq_nparams;
};

struct backend_server;

/* One client connection; owned by the server's list. */
struct backend_conn {
	TAILQ_ENTRY(backend_conn) c_entry;
	struct backend_server	*c_srv;
	struct bufferevent	*c_bev;		/* owned; closes the socket */
	struct event		*c_timer;	/* owned; /delay, /slowbody */
	http_parser		 c_parser;
	struct backend_req	 c_req;
	enum backend_state	 c_state;
	int			 c_eof;		/* the client shut its side */
	int			 c_keepalive;	/* for the current answer */
	int			 c_head;	/* HEAD: no body */
	int			 c_ws_frag;	/* inside a fragmented message */
	uint64_t		 c_gen_left;	/* body bytes still to make */
	uint64_t		 c_gen_off;
	size_t			 c_gen_piece;
	int			 c_gen_ms;
	enum backend_framing	 c_gen_framing;
	char			 c_peer[GW_ADDR_STR_MAX];
};

struct backend_server {
	struct event_base	*s_base;
	const char		*s_name;
	int			 s_verbose;
	int			 s_idle_ms;	/* 0: keep idle connections */
	TAILQ_HEAD(, backend_conn) s_conns;
};

struct backend_endpoint {
	const char	*ep_path;
	int		(*ep_fn)(struct backend_conn *);
};

static char	backend_pattern[BACKEND_PATTERN_LEN];

static void	conn_run(struct backend_conn *);
static int	ws_run(struct backend_conn *);

static const struct {
	int		 r_status;
	const char	*r_text;
} backend_reasons[] = {
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

static const char *
backend_reason(int status)
{
	size_t	i;

	for (i = 0; i < sizeof(backend_reasons) / sizeof(backend_reasons[0]);
	    i++)
		if (backend_reasons[i].r_status == status)
			return backend_reasons[i].r_text;
	return "Status";
}

/* RFC 9110 6.4.1: these responses never have content. */
static int
backend_bodyless(int status)
{
	return status < 200 || status == 204 || status == 304;
}

static uint64_t
backend_fnv1a(uint64_t h, const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * A JSON string of n bytes: each byte is one code point (Latin-1), so any
 * bytes survive the trip; a test recovers them with .encode('latin-1').
 */
static void
json_str(struct evbuffer *b, const char *s, size_t n)
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
json_fields(struct evbuffer *b, const struct backend_field *f, size_t n)
{
	size_t	i;

	evbuffer_add(b, "[", 1);
	for (i = 0; i < n; i++) {
		evbuffer_add(b, i > 0 ? ",[" : "[", i > 0 ? 2 : 1);
		json_str(b, gw_buf_str(&f[i].f_name), f[i].f_name.b_len);
		evbuffer_add(b, ",", 1);
		json_str(b, gw_buf_str(&f[i].f_value), f[i].f_value.b_len);
		evbuffer_add(b, "]", 1);
	}
	evbuffer_add(b, "]", 1);
}

static void
req_reset(struct backend_req *rq)
{
	size_t	i;

	gw_buf_free(&rq->rq_target);
	for (i = 0; i < rq->rq_nfields; i++) {
		gw_buf_free(&rq->rq_fields[i].f_name);
		gw_buf_free(&rq->rq_fields[i].f_value);
	}
	free(rq->rq_fields);
	gw_buf_free(&rq->rq_body);
	free(rq->rq_path);
	for (i = 0; i < rq->rq_nparams; i++) {
		free(rq->rq_params[i].p_key);
		free(rq->rq_params[i].p_value);
	}
	free(rq->rq_params);
	memset(rq, 0, sizeof(*rq));
	rq->rq_method = -1;
	rq->rq_fnv = 0xcbf29ce484222325ULL;
}

/* Counts head bytes against the limit; -1 refuses the request (431). */
static int
req_count(struct backend_req *rq, size_t len)
{
	rq->rq_headbytes += len;
	if (rq->rq_headbytes > BACKEND_HEAD_MAX) {
		rq->rq_refuse = 431;
		rq->rq_refuse_why = "request head too large";
		return -1;
	}
	return 0;
}

static int
req_on_begin(http_parser *p)
{
	struct backend_conn	*c = p->data;

	req_reset(&c->c_req);
	return 0;
}

static int
req_on_url(http_parser *p, const char *at, size_t len)
{
	struct backend_req	*rq = &((struct backend_conn *)p->data)->c_req;

	if (rq->rq_target.b_len + len > BACKEND_TARGET_MAX) {
		rq->rq_refuse = 414;
		rq->rq_refuse_why = "request target too long";
		return -1;
	}
	gw_buf_append(&rq->rq_target, at, len);
	return req_count(rq, len);
}

static int
req_on_field(http_parser *p, const char *at, size_t len)
{
	struct backend_req	*rq = &((struct backend_conn *)p->data)->c_req;

	/* http-parser may hand one name over in several calls. */
	if (!rq->rq_in_name) {
		if (rq->rq_nfields == BACKEND_FIELDS_MAX) {
			rq->rq_refuse = 431;
			rq->rq_refuse_why = "too many header fields";
			return -1;
		}
		if (rq->rq_nfields == rq->rq_capfields) {
			rq->rq_capfields = rq->rq_capfields ?
			    rq->rq_capfields * 2 : 16;
			rq->rq_fields = gw_reallocarray(rq->rq_fields,
			    rq->rq_capfields, sizeof(*rq->rq_fields));
		}
		memset(&rq->rq_fields[rq->rq_nfields++], 0,
		    sizeof(*rq->rq_fields));
		rq->rq_in_name = 1;
	}
	gw_buf_append(&rq->rq_fields[rq->rq_nfields - 1].f_name, at, len);
	return req_count(rq, len);
}

static int
req_on_value(http_parser *p, const char *at, size_t len)
{
	struct backend_req	*rq = &((struct backend_conn *)p->data)->c_req;

	rq->rq_in_name = 0;
	gw_buf_append(&rq->rq_fields[rq->rq_nfields - 1].f_value, at, len);
	return req_count(rq, len);
}

static int
req_on_headers(http_parser *p)
{
	struct backend_conn	*c = p->data;
	struct backend_req	*rq = &c->c_req;
	size_t			 i;
	int			 body;

	rq->rq_in_name = 0;
	rq->rq_nheaders = rq->rq_nfields;
	rq->rq_method = p->method;
	rq->rq_minor = p->http_minor;
	rq->rq_keepalive = http_should_keep_alive(p);
	if (p->http_major != 1 || p->http_minor > 1) {
		rq->rq_refuse = 505;
		rq->rq_refuse_why = "only HTTP/1.0 and 1.1";
		return -1;
	}
	/*
	 * RFC 9110 10.1.1: a client that sent Expect: 100-continue waits
	 * for this before the body.  Answers stay in order: this is the
	 * request being answered, earlier ones are done.
	 */
	body = (p->flags & F_CHUNKED) ||
	    (p->content_length > 0 && p->content_length != ULLONG_MAX);
	if (!body || rq->rq_minor != 1)
		return 0;
	for (i = 0; i < rq->rq_nheaders; i++)
		if (strcasecmp(gw_buf_str(&rq->rq_fields[i].f_name),
		    "Expect") == 0 &&
		    strcasecmp(gw_buf_str(&rq->rq_fields[i].f_value),
		    "100-continue") == 0) {
			evbuffer_add_printf(bufferevent_get_output(c->c_bev),
			    "HTTP/1.1 100 Continue\r\n\r\n");
			break;
		}
	return 0;
}

static int
req_on_body(http_parser *p, const char *at, size_t len)
{
	struct backend_req	*rq = &((struct backend_conn *)p->data)->c_req;
	size_t			 keep;

	rq->rq_bodylen += len;
	rq->rq_fnv = backend_fnv1a(rq->rq_fnv, at, len);
	if (rq->rq_body.b_len < BACKEND_ECHO_BODY_MAX + 1) {
		keep = BACKEND_ECHO_BODY_MAX + 1 - rq->rq_body.b_len;
		gw_buf_append(&rq->rq_body, at, len < keep ? len : keep);
	}
	return 0;
}

/* The request is whole: stop here until its answer is complete. */
static int
req_on_complete(http_parser *p)
{
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings backend_parser_settings = {
	.on_message_begin = req_on_begin,
	.on_url = req_on_url,
	.on_header_field = req_on_field,
	.on_header_value = req_on_value,
	.on_headers_complete = req_on_headers,
	.on_body = req_on_body,
	.on_message_complete = req_on_complete,
};

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes n bytes of s, '+' as a space (HTML form encoding);
 * malformed escapes stay as they are.  NULL when the result holds a NUL.
 */
static char *
url_decode(const char *s, size_t n)
{
	char	*out = gw_malloc(n + 1), *o = out;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			*o = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			if (*o++ == '\0') {
				free(out);
				return NULL;
			}
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

/*
 * Splits the target into rq_path and decoded parameters.  -1 when a
 * parameter decodes to something holding a NUL.
 */
static int
req_parse_target(struct backend_req *rq)
{
	const char	*t = gw_buf_str(&rq->rq_target), *q, *amp, *eq;
	size_t		 n;

	q = strchr(t, '?');
	rq->rq_path = gw_strndup(t, q != NULL ? (size_t)(q - t) : strlen(t));
	if (q == NULL)
		return 0;
	for (q++; *q != '\0'; q = *amp != '\0' ? amp + 1 : amp) {
		amp = strchr(q, '&');
		if (amp == NULL)
			amp = q + strlen(q);
		if (amp == q)
			continue;
		eq = memchr(q, '=', (size_t)(amp - q));
		n = rq->rq_nparams++;
		rq->rq_params = gw_reallocarray(rq->rq_params, rq->rq_nparams,
		    sizeof(*rq->rq_params));
		rq->rq_params[n].p_key = url_decode(q,
		    (size_t)((eq != NULL ? eq : amp) - q));
		rq->rq_params[n].p_value = eq != NULL ?
		    url_decode(eq + 1, (size_t)(amp - eq - 1)) : gw_strdup("");
		if (rq->rq_params[n].p_key == NULL ||
		    rq->rq_params[n].p_value == NULL)
			return -1;
	}
	return 0;
}

/* The first value of parameter key, or NULL. */
static const char *
req_param(const struct backend_req *rq, const char *key)
{
	size_t	i;

	for (i = 0; i < rq->rq_nparams; i++)
		if (strcmp(rq->rq_params[i].p_key, key) == 0)
			return rq->rq_params[i].p_value;
	return NULL;
}

static int
req_flag(const struct backend_req *rq, const char *key)
{
	const char	*v = req_param(rq, key);

	return v != NULL && strcmp(v, "1") == 0;
}

/*
 * A number parameter: def when absent (def < 0: required).  0, or -1
 * with *why set for the 400 body.
 */
static int
req_num(const struct backend_req *rq, const char *key, long long def,
    long long min, long long max, long long *out, const char **why)
{
	const char	*v = req_param(rq, key), *errstr;

	if (v == NULL) {
		*out = def;
		*why = "missing";
		return def < 0 ? -1 : 0;
	}
	*out = gw_strtonum(v, min, max, &errstr);
	*why = errstr;
	return errstr != NULL ? -1 : 0;
}

/* The first header named name (case-insensitive), or NULL. */
static const char *
req_header(const struct backend_req *rq, const char *name)
{
	size_t	i;

	for (i = 0; i < rq->rq_nheaders; i++)
		if (strcasecmp(gw_buf_str(&rq->rq_fields[i].f_name),
		    name) == 0)
			return gw_buf_str(&rq->rq_fields[i].f_value);
	return NULL;
}

/* Whether a comma-separated header named name lists token (RFC 9110 5.6.1). */
static int
req_has_token(const struct backend_req *rq, const char *name,
    const char *token)
{
	const char	*v, *e;
	size_t		 i, tlen = strlen(token), n;

	for (i = 0; i < rq->rq_nheaders; i++) {
		if (strcasecmp(gw_buf_str(&rq->rq_fields[i].f_name),
		    name) != 0)
			continue;
		for (v = gw_buf_str(&rq->rq_fields[i].f_value); *v != '\0';
		    v = *e != '\0' ? e + 1 : e) {
			v += strspn(v, " \t");
			e = v + strcspn(v, ",");
			n = (size_t)(e - v);
			while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			if (n == tlen && strncasecmp(v, token, n) == 0)
				return 1;
		}
	}
	return 0;
}

static void
conn_log(struct backend_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* -v: one line per answer, "NAME PEER METHOD TARGET WHAT". */
static void
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

static void
conn_free(struct backend_conn *c)
{
	TAILQ_REMOVE(&c->c_srv->s_conns, c, c_entry);
	bufferevent_free(c->c_bev);
	if (c->c_timer != NULL)
		event_free(c->c_timer);
	req_reset(&c->c_req);
	free(c);
}

/* Idle keep-alive connections time out (--idle-timeout) only while read. */
static void
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

/*
 * Closes c once its output is written.  Always returns -1: the caller is
 * done with c, which may already be freed.
 */
static int
conn_close_flush(struct backend_conn *c)
{
	conn_set_state(c, BACKEND_CLOSING);
	bufferevent_disable(c->c_bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->c_bev)) == 0)
		conn_free(c);
	return -1;
}

/* Closes c with a RST: SO_LINGER 0 makes close(2) abort.  Frees c. */
static void
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
static int
conn_done(struct backend_conn *c)
{
	if (!c->c_keepalive)
		return conn_close_flush(c);
	conn_set_state(c, BACKEND_READING);
	return 0;
}

/* Writes the status line and headers of the answer. */
static void
conn_head(struct backend_conn *c, int status, const char *extra,
    enum backend_framing framing, uint64_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->c_bev);

	if (framing == BACKEND_EOF)
		c->c_keepalive = 0;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nX-Backend: %s\r\n", status,
	    backend_reason(status), c->c_srv->s_name);
	if (extra != NULL)
		evbuffer_add(out, extra, strlen(extra));
	if (!backend_bodyless(status) && framing == BACKEND_LENGTH)
		evbuffer_add_printf(out, "Content-Length: %" PRIu64 "\r\n", len);
	else if (!backend_bodyless(status) && framing == BACKEND_CHUNKED)
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
static int
conn_respond(struct backend_conn *c, int status, const char *extra,
    struct evbuffer *body, enum backend_framing framing)
{
	size_t	len = body != NULL ? evbuffer_get_length(body) : 0;

	conn_head(c, status, extra, framing, len);
	if (body != NULL && !c->c_head && !backend_bodyless(status))
		evbuffer_add_buffer(bufferevent_get_output(c->c_bev), body);
	return conn_done(c);
}

static int
conn_text(struct backend_conn *c, int status, const char *extra,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Answers with a text/plain body; returns what conn_done() returns. */
static int
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
	if (!backend_bodyless(status))
		gw_buf_puts(&hdr, "Content-Type: text/plain\r\n");
	if (extra != NULL)
		gw_buf_puts(&hdr, extra);
	r = conn_respond(c, status, gw_buf_str(&hdr), body, BACKEND_LENGTH);
	evbuffer_free(body);
	gw_buf_free(&hdr);
	return r;
}

static int
conn_bad_param(struct backend_conn *c, const char *key, const char *why)
{
	return conn_text(c, 400, NULL, "%s: parameter %s: %s\n",
	    c->c_srv->s_name, key, why);
}

/* The default answer: who we are and what was asked. */
static int
backend_root(struct backend_conn *c)
{
	return conn_text(c, 200, NULL, "%s %s %s\n", c->c_srv->s_name,
	    http_method_str((enum http_method)c->c_req.rq_method),
	    gw_buf_str(&c->c_req.rq_target));
}

static int
backend_echo(struct backend_conn *c)
{
	struct backend_req	*rq = &c->c_req;
	struct evbuffer		*b = evbuffer_new();
	const char		*m;
	int			 r;

	if (b == NULL)
		errx(1, "out of memory");
	m = http_method_str((enum http_method)rq->rq_method);
	evbuffer_add_printf(b, "{\"backend\":");
	json_str(b, c->c_srv->s_name, strlen(c->c_srv->s_name));
	evbuffer_add_printf(b, ",\"peer\":");
	json_str(b, c->c_peer, strlen(c->c_peer));
	evbuffer_add_printf(b, ",\"method\":");
	json_str(b, m, strlen(m));
	evbuffer_add_printf(b, ",\"target\":");
	json_str(b, gw_buf_str(&rq->rq_target), rq->rq_target.b_len);
	evbuffer_add_printf(b, ",\"path\":");
	json_str(b, rq->rq_path, strlen(rq->rq_path));
	evbuffer_add_printf(b, ",\"version\":\"HTTP/1.%d\",\"headers\":",
	    rq->rq_minor);
	json_fields(b, rq->rq_fields, rq->rq_nheaders);
	evbuffer_add_printf(b, ",\"trailers\":");
	json_fields(b, rq->rq_fields + rq->rq_nheaders,
	    rq->rq_nfields - rq->rq_nheaders);
	evbuffer_add_printf(b, ",\"body_length\":%" PRIu64
	    ",\"body_fnv1a64\":\"%016" PRIx64 "\",\"body\":", rq->rq_bodylen,
	    rq->rq_fnv);
	if (rq->rq_bodylen <= BACKEND_ECHO_BODY_MAX)
		json_str(b, gw_buf_str(&rq->rq_body), rq->rq_body.b_len);
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
gen_piece(struct backend_conn *c)
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
		evbuffer_add_reference(out, backend_pattern + c->c_gen_off % 26,
		    m, NULL, NULL);
		c->c_gen_off += m;
		k -= m;
	}
	if (c->c_gen_framing == BACKEND_CHUNKED)
		evbuffer_add(out, "\r\n", 2);
}

/* The body is out: the last chunk, then what conn_done() does. */
static int
gen_end(struct backend_conn *c)
{
	if (c->c_gen_framing == BACKEND_CHUNKED)
		evbuffer_add_printf(bufferevent_get_output(c->c_bev),
		    "0\r\n\r\n");
	return conn_done(c);
}

/* Fills the output up to the high mark; the write callback calls again. */
static int
gen_fill(struct backend_conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->c_bev);

	while (c->c_gen_left > 0 && evbuffer_get_length(out) < BACKEND_OUT_HIGH)
		gen_piece(c);
	if (c->c_gen_left == 0)
		return gen_end(c);
	return 0;
}

static void
conn_timer_add(struct backend_conn *c, int ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = ms % 1000 * 1000;
	evtimer_add(c->c_timer, &tv);
}

/*
 * Starts a body of n pattern bytes, in pieces of piece bytes every ms
 * milliseconds (0: as fast as the client reads).
 */
static int
gen_start(struct backend_conn *c, uint64_t n, size_t piece, int ms,
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
	return gen_fill(c);
}

static int
backend_bytes(struct backend_conn *c)
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
		return gen_start(c, (uint64_t)n, (size_t)piece, 0,
		    BACKEND_CHUNKED);
	return gen_start(c, (uint64_t)n, BACKEND_BLOCK, 0,
	    req_flag(rq, "close") ? BACKEND_EOF : BACKEND_LENGTH);
}

static int
backend_slowbody(struct backend_conn *c)
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
	return gen_start(c, (uint64_t)n, (size_t)piece, (int)ms,
	    req_flag(rq, "chunked") ? BACKEND_CHUNKED :
	    req_flag(rq, "close") ? BACKEND_EOF : BACKEND_LENGTH);
}

static int
backend_delay(struct backend_conn *c)
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
backend_hang(struct backend_conn *c)
{
	conn_log(c, "hang");
	conn_set_state(c, BACKEND_HANGING);
	return 0;
}

static int
backend_status(struct backend_conn *c)
{
	const char	*why;
	long long	 code;

	/* A final status: 1xx would leave the request unanswered. */
	if (req_num(&c->c_req, "code", -1, 200, 599, &code, &why) == -1)
		return conn_bad_param(c, "code", why);
	return conn_text(c, (int)code, NULL, "%s %lld %s\n", c->c_srv->s_name,
	    code, backend_reason((int)code));
}

/* Earlier pipelined answers go out first, then the RST. */
static int
backend_reset(struct backend_conn *c)
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
backend_token(const char *s, size_t n)
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
backend_headers(struct backend_conn *c)
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
		    !backend_token(v, (size_t)(colon - v)) ||
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
ws_send(struct backend_conn *c, int fin, int opcode, const void *p,
    size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->c_bev);
	uint8_t		 head[WS_HEAD_MAX];

	evbuffer_add(out, head, ws_frame_head(head, fin, opcode, len));
	evbuffer_add(out, p, len);
}

/* Sends a close frame with code and closes (RFC 6455 7.1.7).  Returns -1. */
static int
ws_fail(struct backend_conn *c, int code)
{
	uint8_t	p[2] = { (uint8_t)(code >> 8), (uint8_t)code };

	ws_send(c, 1, WS_OP_CLOSE, p, sizeof(p));
	return conn_close_flush(c);
}

/* The close code for a frame this echo refuses, or 0 (RFC 6455 5.2-5.5). */
static int
ws_check(const struct backend_conn *c, const struct ws_frame *f)
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
static int
ws_run(struct backend_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->c_bev);
	struct evbuffer	*out = bufferevent_get_output(c->c_bev);
	struct ws_frame	 f;
	uint8_t		*p, code[2];
	size_t		 len, n;
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
			return ws_fail(c, WS_CLOSE_PROTOCOL);
		if ((r = ws_check(c, &f)) != 0)
			return ws_fail(c, r);
		if (len < f.wf_hlen + f.wf_len)
			break;
		n = f.wf_hlen + (size_t)f.wf_len;
		p = evbuffer_pullup(in, (ev_ssize_t)n) + f.wf_hlen;
		ws_unmask(p, (size_t)f.wf_len, f.wf_mask);
		switch (f.wf_opcode) {
		case WS_OP_PING:
			ws_send(c, 1, WS_OP_PONG, p, (size_t)f.wf_len);
			break;
		case WS_OP_PONG:
			break;
		case WS_OP_CLOSE:
			/* Echo the status code alone; a 1-byte body is bad. */
			if (f.wf_len == 1)
				return ws_fail(c, WS_CLOSE_PROTOCOL);
			memcpy(code, p, f.wf_len >= 2 ? 2 : 0);
			ws_send(c, 1, WS_OP_CLOSE, code, f.wf_len >= 2 ? 2 : 0);
			conn_log(c, "ws close");
			return conn_close_flush(c);
		default:
			ws_send(c, f.wf_fin, f.wf_opcode, p, (size_t)f.wf_len);
			c->c_ws_frag = !f.wf_fin;
			break;
		}
		evbuffer_drain(in, n);
	}
	return 0;
}

/* The opening handshake, RFC 6455 4.2. */
static int
backend_ws(struct backend_conn *c)
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
	return ws_run(c);
}

static const struct backend_endpoint backend_endpoints[] = {
	{ "/echo", backend_echo },
	{ "/bytes", backend_bytes },
	{ "/slowbody", backend_slowbody },
	{ "/delay", backend_delay },
	{ "/hang", backend_hang },
	{ "/status", backend_status },
	{ "/reset", backend_reset },
	{ "/headers", backend_headers },
	{ "/ws", backend_ws },
	{ NULL, NULL }
};

/* Answers the request just read.  Returns -1 when c is closing. */
static int
conn_dispatch(struct backend_conn *c)
{
	struct backend_req		*rq = &c->c_req;
	const struct backend_endpoint	*ep;

	c->c_keepalive = rq->rq_keepalive;
	c->c_head = rq->rq_method == HTTP_HEAD;
	if (req_parse_target(rq) == -1)
		return conn_text(c, 400, NULL, "%s: bad query string\n",
		    c->c_srv->s_name);
	if (req_flag(rq, "close"))
		c->c_keepalive = 0;
	for (ep = backend_endpoints; ep->ep_path != NULL; ep++)
		if (strcmp(rq->rq_path, ep->ep_path) == 0)
			return ep->ep_fn(c);
	return backend_root(c);
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
		n = http_parser_execute(&c->c_parser, &backend_parser_settings,
		    v.iov_base, v.iov_len);
		evbuffer_drain(in, n);
		switch (HTTP_PARSER_ERRNO(&c->c_parser)) {
		case HPE_OK:
			break;
		case HPE_PAUSED:
			http_parser_pause(&c->c_parser, 0);
			if (conn_dispatch(c) == -1)
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

	(void)bev;
	if (c->c_state == BACKEND_WEBSOCKET)
		(void)ws_run(c);
	else
		conn_run(c);
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
			conn_free(c);
		return;
	case BACKEND_RESETTING:
		if (len == 0)
			conn_reset(c);
		return;
	case BACKEND_WEBSOCKET:
		(void)ws_run(c);
		return;
	case BACKEND_STREAMING:
		if (c->c_gen_ms == 0 && gen_fill(c) == -1)
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
	if (c->c_state == BACKEND_WAITING) {
		if (backend_root(c) == -1)
			return;			/* c may be freed */
	} else if (c->c_state == BACKEND_STREAMING) {
		gen_piece(c);
		if (c->c_gen_left > 0) {
			conn_timer_add(c, c->c_gen_ms);
			return;
		}
		if (gen_end(c) == -1)
			return;			/* c may be freed */
	}
	conn_run(c);
}

/* Formats a socket address as "1.2.3.4:80" or "[::1]:80". */
static void
backend_sockaddr_fmt(const struct sockaddr *sa, socklen_t salen, char *buf,
    size_t len, int *port)
{
	char	host[NI_MAXHOST], serv[NI_MAXSERV];
	int	e;

	e = getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV);
	if (e != 0) {
		gw_strlcpy(buf, "?", len);
		*port = 0;
		return;
	}
	*port = atoi(serv);
	gw_addr_fmt(host, *port, buf, len);
}

static void
backend_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
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
	backend_sockaddr_fmt(sa, (socklen_t)salen, c->c_peer,
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

/* Out of descriptors and the like: the listener retries on its own. */
static void
backend_accept_error_cb(struct evconnlistener *l, void *arg)
{
	(void)l;
	(void)arg;
	warn("accept");
}

static void
backend_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

/* Binds spec (checked by gw_addr_parse()); exits on failure. */
static struct evconnlistener *
backend_listen(struct backend_server *s, const char *spec,
    const struct gw_addr *a, char *bound, size_t boundlen, int *port)
{
	struct evconnlistener	*l;
	struct addrinfo		 hints, *res;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 serv[16];
	int			 e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (a->ad_family == GW_ADDR_ANY)
		hints.ai_family = AF_INET;
	if (a->ad_family == GW_ADDR_INET || a->ad_family == GW_ADDR_INET6)
		hints.ai_flags |= AI_NUMERICHOST;
	snprintf(serv, sizeof(serv), "%d", a->ad_port);
	e = getaddrinfo(a->ad_family == GW_ADDR_ANY ? NULL : a->ad_host, serv,
	    &hints, &res);
	if (e != 0)
		errx(1, "listen %s: %s", spec, gai_strerror(e));
	l = evconnlistener_new_bind(s->s_base, backend_accept_cb, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    -1, res->ai_addr, (int)res->ai_addrlen);
	freeaddrinfo(res);
	if (l == NULL)
		err(1, "listen %s", spec);
	evconnlistener_set_error_cb(l, backend_accept_error_cb);
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss,
	    &sslen) == -1)
		err(1, "listen %s: getsockname", spec);
	backend_sockaddr_fmt((struct sockaddr *)&ss, sslen, bound, boundlen,
	    port);
	return l;
}

/* Writes the ports, one a line, to path through a rename: never half. */
static void
backend_port_file(const char *path, const int *ports, size_t n)
{
	char	*tmp = gw_asprintf("%s.tmp.%ld", path, (long)getpid());
	FILE	*fp;
	size_t	 i;

	if ((fp = fopen(tmp, "w")) == NULL)
		err(1, "%s", tmp);
	for (i = 0; i < n; i++)
		fprintf(fp, "%d\n", ports[i]);
	if (fclose(fp) == EOF)
		err(1, "%s", tmp);
	if (rename(tmp, path) == -1)
		err(1, "rename %s to %s", tmp, path);
	free(tmp);
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: gwbackend [-hv] [--listen addr:port]... "
	    "[--name name] [--port-file path]\n"
	    "                 [--idle-timeout ms]\n");
}

static void
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));

static void
usage_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	usage(stderr);
	exit(2);
}

static int
backend_name_valid(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= BACKEND_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help",		no_argument,		NULL, 'h' },
		{ "idle-timeout",	required_argument,	NULL, 'i' },
		{ "listen",		required_argument,	NULL, 'l' },
		{ "name",		required_argument,	NULL, 'N' },
		{ "port-file",		required_argument,	NULL, 'p' },
		{ "verbose",		no_argument,		NULL, 'v' },
		{ NULL,			0,			NULL, 0 }
	};
	struct backend_server	 srv;
	struct backend_conn	*c;
	struct evconnlistener	*ls[BACKEND_LISTEN_MAX];
	struct event		*sigs[2];
	struct gw_addr		 addrs[BACKEND_LISTEN_MAX];
	const char		*specs[BACKEND_LISTEN_MAX];
	const char		*port_file = NULL, *errstr;
	char			 bound[GW_ADDR_STR_MAX];
	int			 ports[BACKEND_LISTEN_MAX];
	size_t			 nl = 0, i;
	int			 ch;

	memset(&srv, 0, sizeof(srv));
	srv.s_name = "backend";
	TAILQ_INIT(&srv.s_conns);
	while ((ch = getopt_long(argc, argv, "hl:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'i':
			srv.s_idle_ms = (int)gw_strtonum(optarg, 0,
			    BACKEND_MS_MAX, &errstr);
			if (errstr != NULL)
				usage_error("invalid --idle-timeout \"%s\": %s",
				    optarg, errstr);
			break;
		case 'l':
			if (nl == BACKEND_LISTEN_MAX)
				usage_error("more than %d --listen",
				    BACKEND_LISTEN_MAX);
			if (gw_addr_parse(optarg, GW_ADDR_LISTEN, &addrs[nl],
			    &errstr) == -1)
				usage_error("invalid --listen \"%s\": %s",
				    optarg, errstr);
			specs[nl++] = optarg;
			break;
		case 'N':
			if (!backend_name_valid(optarg))
				usage_error("invalid --name \"%s\": want 1 to "
				    "%d letters, digits, '.', '_' or '-'",
				    optarg, BACKEND_NAME_MAX);
			srv.s_name = optarg;
			break;
		case 'p':
			port_file = optarg;
			break;
		case 'v':
			srv.s_verbose = 1;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc)
		usage_error("unexpected argument \"%s\"", argv[optind]);
	if (nl == 0) {
		specs[nl] = "127.0.0.1:0";
		if (gw_addr_parse(specs[nl], GW_ADDR_LISTEN, &addrs[nl],
		    &errstr) == -1)
			errx(1, "default listen address: %s", errstr);
		nl++;
	}

	for (i = 0; i < sizeof(backend_pattern); i++)
		backend_pattern[i] = (char)('a' + i % 26);
	/* A client gone mid-write is one closed connection, not our end. */
	signal(SIGPIPE, SIG_IGN);
	if ((srv.s_base = event_base_new()) == NULL)
		errx(1, "event_base_new failed");
	for (i = 0; i < nl; i++) {
		ls[i] = backend_listen(&srv, specs[i], &addrs[i], bound,
		    sizeof(bound), &ports[i]);
		printf("listening on %s\n", bound);
	}
	fflush(stdout);
	if (port_file != NULL)
		backend_port_file(port_file, ports, nl);
	sigs[0] = evsignal_new(srv.s_base, SIGTERM, backend_signal_cb,
	    srv.s_base);
	sigs[1] = evsignal_new(srv.s_base, SIGINT, backend_signal_cb,
	    srv.s_base);
	if (sigs[0] == NULL || sigs[1] == NULL ||
	    evsignal_add(sigs[0], NULL) == -1 ||
	    evsignal_add(sigs[1], NULL) == -1)
		errx(1, "cannot handle signals");

	if (event_base_dispatch(srv.s_base) == -1)
		errx(1, "event loop failed");

	while ((c = TAILQ_FIRST(&srv.s_conns)) != NULL)
		conn_free(c);
	for (i = 0; i < nl; i++)
		evconnlistener_free(ls[i]);
	event_free(sigs[0]);
	event_free(sigs[1]);
	event_base_free(srv.s_base);
	return 0;
}
