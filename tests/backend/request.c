/*
 * request: reading one request with http-parser, and looking into it.
 *
 * The callbacks fill the connection's struct backend_req; the last one
 * pauses the parser, so conn_run() answers one request before it parses
 * the next.  Limits are the few a test server needs (head size, target
 * length, field count); strict hygiene is common/http1's job.
 */
#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <http_parser.h>

#include "backend.h"
#include "str.h"

static uint64_t
req_fnv1a(uint64_t h, const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
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
	rq->rq_fnv = req_fnv1a(rq->rq_fnv, at, len);
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

const http_parser_settings req_parser_settings = {
	.on_message_begin = req_on_begin,
	.on_url = req_on_url,
	.on_header_field = req_on_field,
	.on_header_value = req_on_value,
	.on_headers_complete = req_on_headers,
	.on_body = req_on_body,
	.on_message_complete = req_on_complete,
};

static int
req_hexval(int ch)
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
req_url_decode(const char *s, size_t n)
{
	char	*out = gw_malloc(n + 1), *o = out;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%' && i + 2 < n &&
		    req_hexval(s[i + 1]) >= 0 && req_hexval(s[i + 2]) >= 0) {
			*o = (char)(req_hexval(s[i + 1]) << 4 |
			    req_hexval(s[i + 2]));
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
int
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
		rq->rq_params[n].p_key = req_url_decode(q,
		    (size_t)((eq != NULL ? eq : amp) - q));
		rq->rq_params[n].p_value = eq == NULL ? gw_strdup("") :
		    req_url_decode(eq + 1, (size_t)(amp - eq - 1));
		if (rq->rq_params[n].p_key == NULL ||
		    rq->rq_params[n].p_value == NULL)
			return -1;
	}
	return 0;
}

/* The first value of parameter key, or NULL. */
const char *
req_param(const struct backend_req *rq, const char *key)
{
	size_t	i;

	for (i = 0; i < rq->rq_nparams; i++)
		if (strcmp(rq->rq_params[i].p_key, key) == 0)
			return rq->rq_params[i].p_value;
	return NULL;
}

int
req_flag(const struct backend_req *rq, const char *key)
{
	const char	*v = req_param(rq, key);

	return v != NULL && strcmp(v, "1") == 0;
}

/*
 * A number parameter: def when absent (def < 0: required).  0, or -1
 * with *why set for the 400 body.
 */
int
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
const char *
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
int
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
