/*
 * test_hresp: judging http check responses: status sets (parsing,
 * membership, refusals), and the body search under each framing
 * (Content-Length, chunked with the text split across chunks, until
 * close), fed whole and a byte at a time, with its bound, HEAD and 204
 * (no body), and bodies cut short; and whether a response's connection
 * can carry the next check (RFC 9112 9.3: version, Connection, framing,
 * read to the end, nothing after it, the bound).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "../../gwhealth/hresp.h"
#include "t.h"

static void
test_status(void)
{
	struct hresp_status_set	 s;
	const char		*errstr = NULL;

	T_INTEQ(hresp_status_parse("200-399", &s, &errstr), 0, "200-399");
	T_OK(hresp_status_ok(&s, 200) && hresp_status_ok(&s, 399) &&
	    hresp_status_ok(&s, 302), "200-399: both ends and inside");
	T_OK(!hresp_status_ok(&s, 199) && !hresp_status_ok(&s, 400) &&
	    !hresp_status_ok(&s, 503), "200-399: outside");
	T_INTEQ(hresp_status_parse("200,204,300-302,404", &s, &errstr), 0,
	    "a list");
	T_OK(hresp_status_ok(&s, 204) && hresp_status_ok(&s, 301) &&
	    hresp_status_ok(&s, 404) && !hresp_status_ok(&s, 201) &&
	    !hresp_status_ok(&s, 303), "a list: members only");
	T_OK(!hresp_status_ok(&s, 0) && !hresp_status_ok(&s, 600) &&
	    !hresp_status_ok(&s, -1) && !hresp_status_ok(&s, 99999),
	    "out of range statuses are never ok");
	T_INTEQ(hresp_status_parse("100-599", &s, &errstr), 0, "100-599");
	T_OK(hresp_status_ok(&s, 100) && hresp_status_ok(&s, 599),
	    "100-599: the ends");
	T_INTEQ(hresp_status_parse("", &s, &errstr), -1, "empty refused");
	T_INTEQ(hresp_status_parse(NULL, &s, &errstr), -1, "NULL refused");
	T_INTEQ(hresp_status_parse("300-200", &s, &errstr), -1,
	    "a backward range refused");
	T_INTEQ(hresp_status_parse("99", &s, &errstr), -1, "99 refused");
	T_INTEQ(hresp_status_parse("600", &s, &errstr), -1, "600 refused");
	T_INTEQ(hresp_status_parse("200,", &s, &errstr), -1,
	    "a trailing comma refused");
	T_INTEQ(hresp_status_parse("2000", &s, &errstr), -1,
	    "four digits refused");
	T_STREQ(errstr, "invalid status list", "the reason");
}

/*
 * Parses the head of resp, then feeds the rest as a body in pieces of
 * step bytes (0: whole), and the close when eof.  The final verdict.
 */
static enum hresp_verdict
judge(const char *resp, const char *needle, enum http_method m, size_t step,
    int eof)
{
	struct gw_http1_head	hd;
	struct hresp_body	rb;
	enum hresp_verdict	v = HRESP_MORE;
	size_t			len = strlen(resp), off, n;

	if (gw_http1_parse_head(resp, len, GW_HTTP1_RESPONSE, NULL, &hd) !=
	    GW_HTTP1_OK)
		return (enum hresp_verdict)-1;
	hresp_body_init(&rb, &hd, m, needle);
	for (off = hd.hd_len; off < len && v == HRESP_MORE; off += n) {
		n = step == 0 ? len - off : step;
		if (n > len - off)
			n = len - off;
		v = hresp_body_feed(&rb, resp + off, n);
	}
	if (off == hd.hd_len && v == HRESP_MORE)
		v = hresp_body_feed(&rb, "", 0);
	if (v == HRESP_MORE && eof)
		v = hresp_body_eof(&rb);
	hresp_body_free(&rb);
	return v;
}

struct body_case {
	const char		*name;
	const char		*resp;
	const char		*needle;
	enum http_method	 method;
	int			 eof;
	enum hresp_verdict	 want;
};

static const struct body_case body_cases[] = {
	{ "length: found", "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"
	    "status: ok\n", "ok", HTTP_GET, 0, HRESP_FOUND },
	{ "length: absent", "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n"
	    "status: fail\n", "ok", HTTP_GET, 0, HRESP_MISMATCH },
	{ "length: empty body", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
	    "\r\n", "ok", HTTP_GET, 0, HRESP_MISMATCH },
	{ "length: text at the very end", "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 6\r\n\r\nabc ok", "ok", HTTP_GET, 0,
	    HRESP_FOUND },
	{ "length: only bytes of this message count", "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 3\r\n\r\nabcok", "ok", HTTP_GET, 0,
	    HRESP_MISMATCH },
	{ "length: cut short is a protocol error", "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 100\r\n\r\nabc", "ok", HTTP_GET, 1, HRESP_BAD },
	{ "chunked: found", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "world",
	    HTTP_GET, 0, HRESP_FOUND },
	{ "chunked: text split across chunks", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3\r\nhea\r\n4;x=y\r\nlthy"
	    "\r\n0\r\n\r\n", "healthy", HTTP_GET, 0, HRESP_FOUND },
	{ "chunked: sizes and CRLFs are not body", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n"
	    "\r\n", "b\r\n2", HTTP_GET, 0, HRESP_MISMATCH },
	{ "chunked: hex sizes", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n", "789", HTTP_GET,
	    0, HRESP_FOUND },
	{ "chunked: absent", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "bye", HTTP_GET, 0,
	    HRESP_MISMATCH },
	{ "chunked: broken framing", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", "hello", HTTP_GET, 0,
	    HRESP_BAD },
	{ "chunked: cut short", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n5\r\nhel", "hello", HTTP_GET, 1, HRESP_BAD },
	{ "close: found", "HTTP/1.1 200 OK\r\n\r\nall good", "good",
	    HTTP_GET, 0, HRESP_FOUND },
	{ "close: absent at the close", "HTTP/1.1 200 OK\r\n\r\nall bad",
	    "good", HTTP_GET, 1, HRESP_MISMATCH },
	{ "HEAD: no body to search", "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 10\r\n\r\n", "ok", HTTP_HEAD, 0,
	    HRESP_MISMATCH },
	{ "204: no body", "HTTP/1.1 204 No Content\r\n\r\n", "ok", HTTP_GET,
	    0, HRESP_MISMATCH },
};

static void
test_bodies(void)
{
	const struct body_case	*c;
	size_t			 i, step;

	for (i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
		c = &body_cases[i];
		T_INTEQ(judge(c->resp, c->needle, c->method, 0, c->eof),
		    c->want, "%s (whole)", c->name);
		for (step = 1; step <= 3; step++)
			T_INTEQ(judge(c->resp, c->needle, c->method, step,
			    c->eof), c->want, "%s (%zu bytes at a time)",
			    c->name, step);
	}
}

static void
test_bound(void)
{
	char	*resp, *p;
	size_t	 body = HRESP_BODY_MAX + 1000, head;

	resp = malloc(body + 128);
	head = (size_t)snprintf(resp, 128, "HTTP/1.1 200 OK\r\n"
	    "Content-Length: %zu\r\n\r\n", body);
	p = resp + head;
	memset(p, 'x', body);
	p[body] = '\0';
	memcpy(p + HRESP_BODY_MAX - 4, "GOOD", 4);
	T_INTEQ(judge(resp, "GOOD", HTTP_GET, 0, 0), HRESP_FOUND,
	    "text ending at the bound is found");
	T_INTEQ(judge(resp, "GOOD", HTTP_GET, 4096, 0), HRESP_FOUND,
	    "... also read in pieces");
	memset(p, 'x', body);
	memcpy(p + HRESP_BODY_MAX - 2, "GOOD", 4);
	T_INTEQ(judge(resp, "GOOD", HTTP_GET, 0, 0), HRESP_MISMATCH,
	    "text across the bound is not looked at");
	memcpy(p + body - 4, "DONE", 4);
	T_INTEQ(judge(resp, "DONE", HTTP_GET, 1000, 0), HRESP_MISMATCH,
	    "past the bound: a mismatch before the end of the body");
	free(resp);
}

/*
 * The reuse answer for resp: its head parsed, the rest fed in pieces of
 * step bytes (0: whole) until the answer is not MORE.
 */
static enum hresp_reuse
reuse(const char *resp, enum http_method m, size_t step)
{
	struct gw_http1_head	hd;
	struct hresp_end	re;
	enum hresp_reuse	r;
	size_t			len = strlen(resp), off, n;

	if (gw_http1_parse_head(resp, len, GW_HTTP1_RESPONSE, NULL, &hd) !=
	    GW_HTTP1_OK)
		return (enum hresp_reuse)-1;
	hresp_end_init(&re, &hd, m);
	r = hresp_end_feed(&re, resp + hd.hd_len, 0);
	for (off = hd.hd_len; off < len && r == HRESP_REUSE_MORE; off += n) {
		n = step == 0 ? len - off : step;
		if (n > len - off)
			n = len - off;
		r = hresp_end_feed(&re, resp + off, n);
	}
	/* Whatever is left follows the response. */
	if (off < len)
		r = hresp_end_feed(&re, resp + off, len - off);
	return r;
}

struct reuse_case {
	const char		*name;
	const char		*resp;
	enum http_method	 method;
	enum hresp_reuse	 want;
};

static const struct reuse_case reuse_cases[] = {
	{ "1.1, length, complete", "HTTP/1.1 200 OK\r\nContent-Length: 3"
	    "\r\n\r\nok\n", HTTP_GET, HRESP_REUSE_YES },
	{ "1.1, length 0", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
	    "\r\n", HTTP_GET, HRESP_REUSE_YES },
	{ "1.1, length, not all in", "HTTP/1.1 200 OK\r\nContent-Length: "
	    "10\r\n\r\nabc", HTTP_GET, HRESP_REUSE_MORE },
	{ "1.1, bytes after the body", "HTTP/1.1 200 OK\r\nContent-Length: "
	    "2\r\n\r\nokHTTP/1.1", HTTP_GET, HRESP_REUSE_NO },
	{ "1.1, Connection: close", "HTTP/1.1 200 OK\r\nConnection: close"
	    "\r\nContent-Length: 3\r\n\r\nok\n", HTTP_GET,
	    HRESP_REUSE_NO },
	{ "1.1, close among other options", "HTTP/1.1 200 OK\r\n"
	    "Connection: x-foo, close\r\nContent-Length: 3\r\n\r\nok\n",
	    HTTP_GET, HRESP_REUSE_NO },
	{ "1.1, delimited by close", "HTTP/1.1 200 OK\r\n\r\nok\n",
	    HTTP_GET, HRESP_REUSE_NO },
	{ "1.1, chunked, complete", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", HTTP_GET,
	    HRESP_REUSE_YES },
	{ "1.1, chunked, trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n", HTTP_GET,
	    HRESP_REUSE_YES },
	{ "1.1, chunked, no last chunk yet", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n", HTTP_GET,
	    HRESP_REUSE_MORE },
	{ "1.1, chunked, broken", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n", HTTP_GET,
	    HRESP_REUSE_NO },
	{ "1.0, no keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n"
	    "\r\nok\n", HTTP_GET, HRESP_REUSE_NO },
	{ "1.0, keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	    "Content-Length: 3\r\n\r\nok\n", HTTP_GET, HRESP_REUSE_YES },
	{ "HEAD: no body whatever the length", "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 10\r\n\r\n", HTTP_HEAD, HRESP_REUSE_YES },
	{ "204: no body", "HTTP/1.1 204 No Content\r\n\r\n", HTTP_GET,
	    HRESP_REUSE_YES },
	{ "304: no body", "HTTP/1.1 304 Not Modified\r\n\r\n", HTTP_GET,
	    HRESP_REUSE_YES },
};

static void
test_reuse(void)
{
	const struct reuse_case	*c;
	char			*resp, *p;
	size_t			 i, step, body = HRESP_BODY_MAX + 1, head;

	for (i = 0; i < sizeof(reuse_cases) / sizeof(reuse_cases[0]); i++) {
		c = &reuse_cases[i];
		T_INTEQ(reuse(c->resp, c->method, 0), c->want, "reuse: %s "
		    "(whole)", c->name);
		for (step = 1; step <= 3; step++)
			T_INTEQ(reuse(c->resp, c->method, step), c->want,
			    "reuse: %s (%zu bytes at a time)", c->name, step);
	}
	/* The bound: a body is followed up to HRESP_BODY_MAX bytes. */
	resp = malloc(body + 128);
	head = (size_t)snprintf(resp, 128, "HTTP/1.1 200 OK\r\n"
	    "Content-Length: %zu\r\n\r\n", body - 1);
	p = resp + head;
	memset(p, 'x', body - 1);
	p[body - 1] = '\0';
	T_INTEQ(reuse(resp, HTTP_GET, 4096), HRESP_REUSE_YES,
	    "reuse: a body of HRESP_BODY_MAX bytes is followed to its end");
	head = (size_t)snprintf(resp, 128, "HTTP/1.1 200 OK\r\n"
	    "Content-Length: %zu\r\n\r\n", body);
	p = resp + head;
	memset(p, 'x', body);
	p[body] = '\0';
	T_INTEQ(reuse(resp, HTTP_GET, 4096), HRESP_REUSE_NO,
	    "reuse: one byte more is not");
	free(resp);
}

int
main(void)
{
	test_status();
	test_bodies();
	test_bound();
	test_reuse();
	return t_done();
}
