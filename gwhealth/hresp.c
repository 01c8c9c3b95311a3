/*
 * hresp: status sets and the body search of http checks; see hresp.h.
 */
#define _GNU_SOURCE		/* memmem(3) */
#include <stdlib.h>
#include <string.h>

#include "hresp.h"
#include "str.h"

/* First allocation of the body buffer; it doubles up to HRESP_BODY_MAX. */
#define HRESP_BUF_MIN		4096

/* Chunked decoding states (RFC 9112 7.1), over bytes already checked. */
enum {
	CS_SIZE,	/* chunk-size hex digits */
	CS_EXT,		/* chunk extensions, up to CR */
	CS_SIZE_LF,
	CS_DATA,
	CS_DATA_CR,
	CS_DATA_LF,
	CS_TRAILER	/* last chunk seen: the rest carries no data */
};

static int
hresp_num(const char **s, int *out)
{
	int	v = 0, n = 0;

	while (**s >= '0' && **s <= '9' && n < 4) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	if (n == 0 || n > 3 || v < HRESP_STATUS_MIN || v > HRESP_STATUS_MAX)
		return -1;
	*out = v;
	return 0;
}

int
hresp_status_parse(const char *text, struct hresp_status_set *set,
    const char **errstr)
{
	const char	*s = text;
	int		 lo, hi, i;

	memset(set, 0, sizeof(*set));
	if (s == NULL || *s == '\0') {
		*errstr = "empty status list";
		return -1;
	}
	for (;;) {
		if (hresp_num(&s, &lo) == -1)
			goto bad;
		hi = lo;
		if (*s == '-') {
			s++;
			if (hresp_num(&s, &hi) == -1 || hi < lo)
				goto bad;
		}
		for (i = lo; i <= hi; i++)
			set->ss_bits[i / 8] |= (uint8_t)(1u << (i % 8));
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			goto bad;
	}
bad:
	*errstr = "invalid status list";
	return -1;
}

int
hresp_status_ok(const struct hresp_status_set *set, int status)
{
	if (status < HRESP_STATUS_MIN || status > HRESP_STATUS_MAX)
		return 0;
	return (set->ss_bits[status / 8] >> (status % 8)) & 1;
}

void
hresp_body_init(struct hresp_body *rb, const struct gw_http1_head *hd,
    enum http_method req_method, const char *needle)
{
	memset(rb, 0, sizeof(*rb));
	gw_http1_body_init(&rb->rb_fr, hd, req_method);
	rb->rb_needle = needle;
	rb->rb_nlen = strlen(needle);
	rb->rb_cstate = CS_SIZE;
}

void
hresp_body_free(struct hresp_body *rb)
{
	free(rb->rb_buf);
	rb->rb_buf = NULL;
	rb->rb_len = rb->rb_cap = 0;
}

/* Appends decoded body bytes (what fits under the bound); 1 when found. */
static int
hresp_append(struct hresp_body *rb, const char *p, size_t n)
{
	size_t	old = rb->rb_len, start;

	if (n > HRESP_BODY_MAX - rb->rb_len)
		n = HRESP_BODY_MAX - rb->rb_len;
	if (n == 0)
		return 0;
	if (rb->rb_len + n > rb->rb_cap) {
		if (rb->rb_cap == 0)
			rb->rb_cap = HRESP_BUF_MIN;
		while (rb->rb_cap < rb->rb_len + n)
			rb->rb_cap *= 2;
		if (rb->rb_cap > HRESP_BODY_MAX)
			rb->rb_cap = HRESP_BODY_MAX;
		rb->rb_buf = gw_reallocarray(rb->rb_buf, rb->rb_cap, 1);
	}
	memcpy(rb->rb_buf + rb->rb_len, p, n);
	rb->rb_len += n;
	/* Only where the new bytes can complete a match. */
	start = old >= rb->rb_nlen - 1 ? old - (rb->rb_nlen - 1) : 0;
	return memmem(rb->rb_buf + start, rb->rb_len - start, rb->rb_needle,
	    rb->rb_nlen) != NULL;
}

/* The data of chunked bytes p[0..n) (already checked by rb_fr). */
static int
hresp_dechunk(struct hresp_body *rb, const char *p, size_t n)
{
	size_t	i = 0, take;
	int	c, v;

	while (i < n) {
		c = (unsigned char)p[i];
		switch (rb->rb_cstate) {
		case CS_SIZE:
			v = c >= '0' && c <= '9' ? c - '0' :
			    c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (v >= 0 && rb->rb_cleft < (UINT64_MAX >> 4))
				rb->rb_cleft = rb->rb_cleft * 16 + (uint64_t)v;
			else if (c == '\r')
				rb->rb_cstate = CS_SIZE_LF;
			else if (v < 0)
				rb->rb_cstate = CS_EXT;
			i++;
			break;
		case CS_EXT:
			if (c == '\r')
				rb->rb_cstate = CS_SIZE_LF;
			i++;
			break;
		case CS_SIZE_LF:
			rb->rb_cstate = rb->rb_cleft == 0 ? CS_TRAILER :
			    CS_DATA;
			i++;
			break;
		case CS_DATA:
			take = n - i;
			if ((uint64_t)take > rb->rb_cleft)
				take = (size_t)rb->rb_cleft;
			if (hresp_append(rb, p + i, take))
				return 1;
			rb->rb_cleft -= take;
			i += take;
			if (rb->rb_cleft == 0)
				rb->rb_cstate = CS_DATA_CR;
			break;
		case CS_DATA_CR:
			rb->rb_cstate = CS_DATA_LF;
			i++;
			break;
		case CS_DATA_LF:
			rb->rb_cstate = CS_SIZE;
			i++;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

enum hresp_verdict
hresp_body_feed(struct hresp_body *rb, const char *p, size_t n)
{
	ssize_t	taken;
	int	found;

	if (rb->rb_fr.bd_done)
		return HRESP_MISMATCH;
	if ((taken = gw_http1_body_feed(&rb->rb_fr, p, n)) < 0)
		return HRESP_BAD;
	if (rb->rb_fr.bd_framing == GW_HTTP1_BODY_CHUNKED)
		found = hresp_dechunk(rb, p, (size_t)taken);
	else
		found = hresp_append(rb, p, (size_t)taken);
	if (found)
		return HRESP_FOUND;
	if (rb->rb_len >= HRESP_BODY_MAX || rb->rb_fr.bd_done)
		return HRESP_MISMATCH;
	return HRESP_MORE;
}

enum hresp_verdict
hresp_body_eof(struct hresp_body *rb)
{
	if (rb->rb_fr.bd_done ||
	    rb->rb_fr.bd_framing == GW_HTTP1_BODY_CLOSE)
		return HRESP_MISMATCH;
	return HRESP_BAD;
}

void
hresp_end_init(struct hresp_end *re, const struct gw_http1_head *hd,
    enum http_method req_method)
{
	memset(re, 0, sizeof(*re));
	gw_http1_body_init(&re->re_fr, hd, req_method);
	/*
	 * http1 clears hd_keep_alive for a body delimited by close; bodyless
	 * responses (HEAD, 1xx, 204, 304) keep it.
	 */
	re->re_persist = hd->hd_keep_alive &&
	    re->re_fr.bd_framing != GW_HTTP1_BODY_CLOSE;
	re->re_state = !re->re_persist ? HRESP_REUSE_NO :
	    re->re_fr.bd_done ? HRESP_REUSE_YES : HRESP_REUSE_MORE;
}

enum hresp_reuse
hresp_end_feed(struct hresp_end *re, const char *p, size_t n)
{
	ssize_t	taken;

	if (n == 0 || re->re_state == HRESP_REUSE_NO)
		return re->re_state;
	/* A byte after the end: not ours to judge, so not ours to keep. */
	if (re->re_state == HRESP_REUSE_YES)
		return re->re_state = HRESP_REUSE_NO;
	if ((taken = gw_http1_body_feed(&re->re_fr, p, n)) < 0)
		return re->re_state = HRESP_REUSE_NO;
	re->re_len += (uint64_t)taken;
	if (re->re_len > HRESP_BODY_MAX)
		re->re_state = HRESP_REUSE_NO;
	else if (re->re_fr.bd_done)
		re->re_state = (size_t)taken < n ? HRESP_REUSE_NO :
		    HRESP_REUSE_YES;
	return re->re_state;
}
