/*
 * http1_check.h: the invariants of common/http1.c that hold on any
 * input, shared by the libFuzzer target (fuzz_http1.c) and the replay
 * test (tests/unit/test_http1_regress.c), so a crash the fuzzer finds is
 * checked the same way by `make check` once its input is in regress/.
 *
 * http1_check() parses the input as a request and as a response, with
 * the default limits and with small ones; for every head it accepts it
 * checks the head, then runs the body framing over the bytes that follow
 * fed at once, byte by byte and in two pieces, and goes on to the next
 * pipelined message.  It returns NULL when every invariant holds, else
 * which one broke.  http1_verdict() says whether the input is a valid
 * stream of messages (the corpus file names promise one or the other).
 *
 * Header-only on purpose: both programs include it once.
 */
#ifndef GW_HTTP1_CHECK_H
#define GW_HTTP1_CHECK_H

#include <stdint.h>
#include <string.h>

#include "http1.h"

/* Pipelined messages followed per input: enough to reach a third. */
#define HTTP1_CHECK_MSGS	4

/* Small limits, so short inputs reach the limit paths too. */
static const struct gw_http1_limits http1_check_small = {
	.lm_head_max = 256,
	.lm_headers_max = 6,
	.lm_line_max = 48,
	.lm_crosscheck = 1
};

static int
http1_check_within(const char *p, size_t n, const char *buf, size_t len)
{
	return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

static int
http1_check_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* The head invariants; *ep is the outcome. */
static const char *
http1_check_head(const char *buf, size_t len, enum gw_http1_type type,
    const struct gw_http1_limits *lim, struct gw_http1_head *hd,
    enum gw_http1_err *ep)
{
	struct gw_http1_head		 again;
	const struct gw_http1_limits	*l = lim != NULL ? lim :
					    &gw_http1_default_limits;
	const struct gw_http1_hdr	*h;
	const char			*s;
	enum gw_http1_err		 e;
	size_t				 i, max;
	int				 st;

	*ep = e = gw_http1_parse_head(buf, len, type, lim, hd);
	/*
	 * For a response our scan alone must decide as the scan with
	 * http-parser's second opinion: gwproxy reads responses with the scan
	 * alone, so a head only http-parser refuses is a gap in the scan.
	 * (Requests keep both readings; there http-parser alone refuses some
	 * request-targets, "GET d HTTP/1.0" for one.)
	 */
	if (l->lm_crosscheck && type == GW_HTTP1_RESPONSE) {
		struct gw_http1_limits	alone = *l;

		alone.lm_crosscheck = 0;
		if (gw_http1_parse_head(buf, len, type, &alone, &again) != e ||
		    (e == GW_HTTP1_OK && (again.hd_len != hd->hd_len ||
		    again.hd_keep_alive != hd->hd_keep_alive ||
		    again.hd_chunked != hd->hd_chunked ||
		    again.hd_content_length != hd->hd_content_length ||
		    again.hd_upgrade != hd->hd_upgrade)))
			return "the scan alone and http-parser disagree";
	}
	if ((int)e < (int)GW_HTTP1_OK || (int)e > (int)GW_HTTP1_E_STATUS)
		return "parse_head returned an unknown or body outcome";
	if ((s = gw_http1_err_str(e)) == NULL || *s == '\0')
		return "an outcome without a phrase";
	st = gw_http1_err_status(e);
	if (e <= GW_HTTP1_NEED_MORE ? st != 0 : st != 400 && st != 414 &&
	    st != 431 && st != 501 && st != 505)
		return "an outcome with an unexpected status";
	if (e == GW_HTTP1_NEED_MORE && len > l->lm_head_max)
		return "NEED_MORE beyond the head limit";
	if (e != GW_HTTP1_OK)
		return NULL;

	if (hd->hd_len < 4 || hd->hd_len > len || hd->hd_len > l->lm_head_max)
		return "hd_len out of bounds";
	if (memcmp(buf + hd->hd_len - 4, "\r\n\r\n", 4) != 0)
		return "the head does not end in CRLF CRLF";
	max = l->lm_headers_max < GW_HTTP1_HDRS_CAP ? l->lm_headers_max :
	    GW_HTTP1_HDRS_CAP;
	if (hd->hd_nhdrs > max)
		return "more fields than the limit";
	for (i = 0; i < hd->hd_nhdrs; i++) {
		h = &hd->hd_hdrs[i];
		if (h->h_name_len == 0 ||
		    !http1_check_within(h->h_name, h->h_name_len, buf,
		    hd->hd_len) ||
		    !http1_check_within(h->h_value, h->h_value_len, buf,
		    hd->hd_len))
			return "a field outside the head";
		if (memchr(h->h_name, ':', h->h_name_len) != NULL ||
		    memchr(h->h_value, '\n', h->h_value_len) != NULL ||
		    memchr(h->h_value, '\r', h->h_value_len) != NULL ||
		    memchr(h->h_value, '\0', h->h_value_len) != NULL)
			return "a field with a colon, CR, LF or NUL in it";
		if (h->h_value_len > 0 &&
		    (http1_check_ows(h->h_value[0]) ||
		    http1_check_ows(h->h_value[h->h_value_len - 1])))
			return "a value with OWS left around it";
		if ((h == gw_http1_find(hd, "connection") ||
		    h == gw_http1_find(hd, "transfer-encoding")) &&
		    !gw_http1_is_hop_by_hop(hd, h->h_name, h->h_name_len))
			return "Connection or Transfer-Encoding not hop-by-hop";
	}
	if (hd->hd_major != 1 || (hd->hd_minor != 0 && hd->hd_minor != 1))
		return "a version other than 1.0 or 1.1";
	if (hd->hd_content_length < -1 ||
	    (hd->hd_chunked && hd->hd_content_length >= 0))
		return "Content-Length and chunked together";
	if (hd->hd_chunked && hd->hd_minor != 1)
		return "chunked in HTTP/1.0";
	if (type == GW_HTTP1_REQUEST) {
		if (hd->hd_target_len == 0 ||
		    !http1_check_within(hd->hd_target, hd->hd_target_len, buf,
		    hd->hd_len))
			return "a target outside the head";
		if (hd->hd_host != gw_http1_find(hd, "host"))
			return "hd_host is not the Host field";
		if (hd->hd_minor == 1 && hd->hd_host == NULL)
			return "an HTTP/1.1 request without Host";
	} else if (hd->hd_status < 100 || hd->hd_status > 599)
		return "a status out of 100..599";

	/* What follows the head changes nothing; one byte less is short. */
	if (gw_http1_parse_head(buf, hd->hd_len, type, lim, &again) !=
	    GW_HTTP1_OK || again.hd_len != hd->hd_len ||
	    again.hd_nhdrs != hd->hd_nhdrs)
		return "the head alone parses differently";
	if (gw_http1_parse_head(buf, hd->hd_len - 1, type, lim, &again) !=
	    GW_HTTP1_NEED_MORE)
		return "a prefix of a valid head is not NEED_MORE";
	return NULL;
}

/* Feeds p[0..n) in pieces of step bytes (0: at once); -1 on error. */
static ssize_t
http1_check_feed(const struct gw_http1_head *hd, enum http_method m,
    const char *p, size_t n, size_t step, int *done, const char **why)
{
	struct gw_http1_body	bd;
	size_t			off = 0, k;
	ssize_t			r, total = 0;

	gw_http1_body_init(&bd, hd, m);
	do {
		k = step == 0 || n - off < step ? n - off : step;
		r = gw_http1_body_feed(&bd, p + off, k);
		if (r < 0) {
			if (bd.bd_err == GW_HTTP1_OK)
				*why = "body_feed failed without bd_err";
			*done = bd.bd_done;
			return -1;
		}
		if ((size_t)r > k)
			*why = "body_feed consumed more than it was given";
		if ((size_t)r < k && !bd.bd_done)
			*why = "body_feed stopped short of the end";
		total += r;
		off += k;
	} while (off < n && (size_t)r == k && !bd.bd_done);
	if (bd.bd_done && gw_http1_body_feed(&bd, p, n) != 0)
		*why = "body_feed took bytes after the end";
	*done = bd.bd_done;
	return total;
}

/*
 * The body invariants: the outcome does not depend on how the bytes are
 * split, and fits the framing.  *used is what belongs to the message, or
 * -1.
 */
static const char *
http1_check_body(const struct gw_http1_head *hd, enum http_method m,
    const char *p, size_t n, ssize_t *used, int *done)
{
	struct gw_http1_body	 bd;
	const char		*why = NULL;
	ssize_t			 r, r1, r2;
	int			 d1, d2;
	size_t			 split;

	gw_http1_body_init(&bd, hd, m);
	r = http1_check_feed(hd, m, p, n, 0, done, &why);
	if (why != NULL)
		return why;
	if (r < -1 || r > (ssize_t)n)
		return "body_feed consumed out of bounds";
	r1 = http1_check_feed(hd, m, p, n, 1, &d1, &why);
	if (why != NULL)
		return why;
	split = n / 2 + 1;
	r2 = http1_check_feed(hd, m, p, n, split, &d2, &why);
	if (why != NULL)
		return why;
	if (r1 != r || d1 != *done || r2 != r || d2 != *done)
		return "body framing depends on how the bytes are split";
	switch (bd.bd_framing) {
	case GW_HTTP1_BODY_NONE:
		if (r != 0 || !*done)
			return "NONE consumed bytes or is not done";
		break;
	case GW_HTTP1_BODY_LENGTH:
		if (hd->hd_content_length < 0 ||
		    r != (hd->hd_content_length < (int64_t)n ?
		    hd->hd_content_length : (int64_t)n) ||
		    *done != (hd->hd_content_length <= (int64_t)n))
			return "LENGTH did not count down";
		break;
	case GW_HTTP1_BODY_CHUNKED:
		if (!hd->hd_chunked || (r >= 0 && !*done && r != (ssize_t)n))
			return "CHUNKED stopped before the end";
		break;
	case GW_HTTP1_BODY_CLOSE:
		if (r != (ssize_t)n || *done)
			return "CLOSE did not take every byte";
		break;
	}
	*used = r;
	return NULL;
}

/* Heads and bodies of up to HTTP1_CHECK_MSGS pipelined messages. */
static const char *
http1_check_stream(const char *buf, size_t len, enum gw_http1_type type,
    enum http_method m)
{
	static struct gw_http1_head	 hd;
	const char			*why;
	enum gw_http1_err		 e;
	size_t				 off = 0;
	ssize_t				 used;
	int				 i, done;

	for (i = 0; i < HTTP1_CHECK_MSGS && off < len; i++) {
		if ((why = http1_check_head(buf + off, len - off, type, NULL,
		    &hd, &e)) != NULL)
			return why;
		if (e != GW_HTTP1_OK)
			break;
		off += hd.hd_len;
		if ((why = http1_check_body(&hd, m, buf + off, len - off,
		    &used, &done)) != NULL)
			return why;
		if (used < 0 || !done)
			break;
		off += (size_t)used;
	}
	return NULL;
}

static const char *
http1_check(const uint8_t *data, size_t size)
{
	static struct gw_http1_head	 hd;
	const char			*buf = (const char *)data;
	const char			*why;
	enum gw_http1_err		 e;

	if ((why = http1_check_head(buf, size, GW_HTTP1_REQUEST,
	    &http1_check_small, &hd, &e)) != NULL ||
	    (why = http1_check_head(buf, size, GW_HTTP1_RESPONSE,
	    &http1_check_small, &hd, &e)) != NULL ||
	    (why = http1_check_stream(buf, size, GW_HTTP1_REQUEST,
	    HTTP_GET)) != NULL ||
	    (why = http1_check_stream(buf, size, GW_HTTP1_RESPONSE,
	    HTTP_GET)) != NULL ||
	    (why = http1_check_stream(buf, size, GW_HTTP1_RESPONSE,
	    HTTP_HEAD)) != NULL)
		return why;
	return NULL;
}

/*
 * 1 when buf[0..len) is a stream of valid, complete messages of that
 * type (responses answer GET), 0 when one is refused, 2 when the last
 * one is not complete.
 */
static int __attribute__((unused))
http1_verdict(const char *buf, size_t len, enum gw_http1_type type)
{
	static struct gw_http1_head	hd;
	struct gw_http1_body		bd;
	enum gw_http1_err		e;
	size_t				off = 0;
	ssize_t				r;

	while (off < len) {
		e = gw_http1_parse_head(buf + off, len - off, type, NULL, &hd);
		if (e == GW_HTTP1_NEED_MORE)
			return 2;
		if (e != GW_HTTP1_OK)
			return 0;
		off += hd.hd_len;
		gw_http1_body_init(&bd, &hd, HTTP_GET);
		if ((r = gw_http1_body_feed(&bd, buf + off, len - off)) < 0)
			return 0;
		off += (size_t)r;
		if (bd.bd_framing == GW_HTTP1_BODY_CLOSE)
			return 1;
		if (!bd.bd_done)
			return 2;
	}
	return 1;
}

#endif /* GW_HTTP1_CHECK_H */
