/*
 * http1: strict HTTP/1.x heads and body framing over http-parser 2.9.4.
 * The contract is in http1.h.
 *
 * A head goes through four steps, each refusing what it can see:
 *   1. framing (http1_frame): find CRLF CRLF with memchr, refuse a bare
 *      LF and enforce the size limits before the head is complete, so a
 *      client that never ends its head is stopped at the limit;
 *   2. syntax (http1_scan): our own line-by-line grammar of RFC 9112:
 *      start line, field names (tokens), values, obs-fold;
 *   3. meaning (http1_derive): Content-Length, Transfer-Encoding, Host,
 *      Connection, Upgrade, Expect;
 *   4. agreement (http1_crosscheck): http-parser reads the same bytes and
 *      must report the same method, target, version, status, number of
 *      fields and framing.  A message the two read differently is
 *      refused: that difference is what request smuggling is made of.
 * Debian builds libhttp_parser with HTTP_PARSER_STRICT=0, which is why
 * steps 1 to 3 exist: that build takes bare LF, "Name : value",
 * "Na me: value", obs-fold, any HTTP/d.d version, statuses like 20 or 600,
 * several Host fields, Transfer-Encoding in HTTP/1.0, and in chunked
 * bodies any two bytes after chunk data, a bare LF inside a chunk
 * extension and anything in trailers (tests/unit/test_http1.c shows each).
 *
 * Decisions the RFCs leave open:
 *   - Content-Length must appear once with one decimal value.  RFC 9112
 *     6.3 lets a recipient either reject "5, 5" or a repeated identical
 *     field, or fold them into one; http-parser rejects both, and so do
 *     we, so the two parsers never disagree on a length.
 *   - Transfer-Encoding list elements may not be empty ("chunked," is
 *     refused, as http-parser does); any Transfer-Encoding in an HTTP/1.0
 *     message is refused (RFC 9112 6.1 calls its framing faulty), and in
 *     a response too, a last coding other than chunked is refused rather
 *     than read until close.
 *   - Empty lines before a request line are skipped (RFC 9112 2.2); they
 *     count towards hd_len and the head limit.  Before a status line they
 *     are an error: a backend that sends them has broken framing.
 *   - The start line of a response obeys lm_line_max as well.
 *   - CONNECT sets hd_upgrade, as http-parser does: after it the
 *     connection no longer carries HTTP/1.1 messages.
 */
#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "http1.h"

/*
 * A chunk-size line (size and extensions) longer than this is refused:
 * RFC 9112 7.1.1 sets no limit, http-parser none either, and a few
 * hundred bytes of extensions are already unusual.
 */
#define HTTP1_CHUNK_LINE_MAX	4096
/* Trailer section bytes: the same bound as a head (RFC 9112 7.1.2). */
#define HTTP1_TRAILER_MAX	GW_HTTP1_HEAD_MAX

const struct gw_http1_limits gw_http1_default_limits = {
	.lm_head_max = GW_HTTP1_HEAD_MAX,
	.lm_headers_max = GW_HTTP1_HEADERS_MAX,
	.lm_line_max = GW_HTTP1_LINE_MAX,
	.lm_crosscheck = 1
};

/* The methods http-parser knows, by name, from its own table. */
static const struct {
	const char		*m_name;
	enum http_method	 m_method;
} http1_methods[] = {
#define XX(num, name, string) { #string, HTTP_##name },
	HTTP_METHOD_MAP(XX)
#undef XX
};

static const char *const http1_err_strs[] = {
	[GW_HTTP1_OK] = "ok",
	[GW_HTTP1_NEED_MORE] = "incomplete head",
	[GW_HTTP1_E_SYNTAX] = "malformed message",
	[GW_HTTP1_E_BARE_LF] = "bare LF",
	[GW_HTTP1_E_SPACE_BEFORE_COLON] = "space before colon",
	[GW_HTTP1_E_OBS_FOLD] = "obs-fold",
	[GW_HTTP1_E_FIELD_NAME] = "invalid field name",
	[GW_HTTP1_E_FIELD_VALUE] = "invalid field value",
	[GW_HTTP1_E_VERSION] = "unsupported HTTP version",
	[GW_HTTP1_E_METHOD] = "unknown method",
	[GW_HTTP1_E_CL_TE] = "Content-Length with Transfer-Encoding",
	[GW_HTTP1_E_CONTENT_LENGTH] = "invalid Content-Length",
	[GW_HTTP1_E_TRANSFER_ENCODING] = "invalid Transfer-Encoding",
	[GW_HTTP1_E_HOST] = "missing or repeated Host",
	[GW_HTTP1_E_LINE_TOO_LONG] = "request line too long",
	[GW_HTTP1_E_HEAD_TOO_LARGE] = "header block too large",
	[GW_HTTP1_E_TOO_MANY_HEADERS] = "too many header fields",
	[GW_HTTP1_E_STATUS] = "invalid status",
	[GW_HTTP1_E_BODY] = "invalid chunked body"
};

/* What http-parser reported while it read a head (step 4). */
struct http1_hp {
	const char	*hp_url;
	size_t		 hp_url_len;
	int		 hp_url_split;	/* url came in two separate pieces */
	size_t		 hp_nfields;
	int		 hp_in_field;	/* last callback was a field name */
	int		 hp_headers_done;
	int		 hp_keep_alive;
};

/* States of the strict chunked scan (RFC 9112 7.1), in bd_state. */
enum http1_cs {
	CS_SIZE0,	/* the first HEXDIG of a chunk-size */
	CS_SIZE,	/* more HEXDIG, BWS, ";" or CR */
	CS_BWS,		/* BWS after the size: only ";" may follow */
	CS_EXT,		/* chunk-ext up to CR */
	CS_SIZE_LF,
	CS_DATA,	/* bd_left bytes of chunk-data */
	CS_DATA_CR,
	CS_DATA_LF,
	CS_TRAILER,	/* start of a trailer field line or the last CRLF */
	CS_TNAME,
	CS_TVALUE,
	CS_TLF,
	CS_END_LF,
	CS_DONE
};

/* What on_message_complete saw while a body was fed. */
struct http1_body_ctx {
	int	bc_complete;
};

/*
 * tchar of RFC 9110 5.6.2, as a table: a field name is checked byte by
 * byte on every head.
 */
#define T1(c)	[(unsigned char)(c)] = 1
static const unsigned char http1_tchar[256] = {
	T1('!'), T1('#'), T1('$'), T1('%'), T1('&'), T1('\''), T1('*'),
	T1('+'), T1('-'), T1('.'), T1('^'), T1('_'), T1('`'), T1('|'), T1('~'),
	T1('0'), T1('1'), T1('2'), T1('3'), T1('4'), T1('5'), T1('6'), T1('7'),
	T1('8'), T1('9'),
	T1('A'), T1('B'), T1('C'), T1('D'), T1('E'), T1('F'), T1('G'), T1('H'),
	T1('I'), T1('J'), T1('K'), T1('L'), T1('M'), T1('N'), T1('O'), T1('P'),
	T1('Q'), T1('R'), T1('S'), T1('T'), T1('U'), T1('V'), T1('W'), T1('X'),
	T1('Y'), T1('Z'),
	T1('a'), T1('b'), T1('c'), T1('d'), T1('e'), T1('f'), T1('g'), T1('h'),
	T1('i'), T1('j'), T1('k'), T1('l'), T1('m'), T1('n'), T1('o'), T1('p'),
	T1('q'), T1('r'), T1('s'), T1('t'), T1('u'), T1('v'), T1('w'), T1('x'),
	T1('y'), T1('z')
};
#undef T1

static int
http1_is_tchar(unsigned char c)
{
	return http1_tchar[c];
}

/* field-vchar, SP or HTAB (RFC 9110 5.5): no CTL but HTAB, no NUL. */
static int
http1_is_vchar_ws(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
http1_is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int
http1_is_hex(unsigned char c, int *v)
{
	if (c >= '0' && c <= '9')
		*v = c - '0';
	else if (c >= 'a' && c <= 'f')
		*v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		*v = c - 'A' + 10;
	else
		return 0;
	return 1;
}

static unsigned char
http1_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* ASCII case-insensitive equality of two counted strings. */
static int
http1_ci_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (http1_lower((unsigned char)a[i]) !=
		    http1_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* The names gw_http1_field_kind() knows, by kind. */
static const char *const http1_field_names[] = {
	[GW_HF_CONNECTION] = "Connection",
	[GW_HF_CONTENT_LENGTH] = "Content-Length",
	[GW_HF_EXPECT] = "Expect",
	[GW_HF_HOST] = "Host",
	[GW_HF_KEEP_ALIVE] = "Keep-Alive",
	[GW_HF_PROXY_CONNECTION] = "Proxy-Connection",
	[GW_HF_TE] = "TE",
	[GW_HF_TRAILER] = "Trailer",
	[GW_HF_TRANSFER_ENCODING] = "Transfer-Encoding",
	[GW_HF_UPGRADE] = "Upgrade",
	[GW_HF_X_FORWARDED_FOR] = "X-Forwarded-For",
	[GW_HF_X_FORWARDED_HOST] = "X-Forwarded-Host",
	[GW_HF_X_FORWARDED_PROTO] = "X-Forwarded-Proto",
	[GW_HF_X_REQUEST_ID] = "X-Request-Id"
};

/*
 * By length and first letter, at most one comparison: this runs for every
 * field line of every head.
 */
enum gw_http1_field
gw_http1_field_kind(const char *name, size_t len)
{
	enum gw_http1_field	k;

	if (len < 2)
		return GW_HF_OTHER;
	switch (len) {
	case 2:
		k = GW_HF_TE;
		break;
	case 4:
		k = GW_HF_HOST;
		break;
	case 6:
		k = GW_HF_EXPECT;
		break;
	case 7:
		k = http1_lower(name[0]) == 'u' ? GW_HF_UPGRADE :
		    GW_HF_TRAILER;
		break;
	case 10:
		k = http1_lower(name[0]) == 'c' ? GW_HF_CONNECTION :
		    GW_HF_KEEP_ALIVE;
		break;
	case 12:
		k = GW_HF_X_REQUEST_ID;
		break;
	case 14:
		k = GW_HF_CONTENT_LENGTH;
		break;
	case 15:
		k = GW_HF_X_FORWARDED_FOR;
		break;
	case 16:
		k = http1_lower(name[0]) == 'p' ? GW_HF_PROXY_CONNECTION :
		    GW_HF_X_FORWARDED_HOST;
		break;
	case 17:
		k = http1_lower(name[0]) == 't' ? GW_HF_TRANSFER_ENCODING :
		    GW_HF_X_FORWARDED_PROTO;
		break;
	default:
		return GW_HF_OTHER;
	}
	return http1_ci_eq(name, len, http1_field_names[k], len) ? k :
	    GW_HF_OTHER;
}

/* RFC 9110 7.6.1, plus Proxy-Connection and Keep-Alive of old. */
static int
http1_kind_is_hop(enum gw_http1_field k)
{
	switch (k) {
	case GW_HF_CONNECTION:
	case GW_HF_KEEP_ALIVE:
	case GW_HF_PROXY_CONNECTION:
	case GW_HF_TE:
	case GW_HF_TRAILER:
	case GW_HF_TRANSFER_ENCODING:
	case GW_HF_UPGRADE:
		return 1;
	default:
		return 0;
	}
}

/*
 * Calls back for each element of the comma-separated list v[0..len)
 * (RFC 9110 5.6.1) with OWS around it removed, empty ones included;
 * stops early when fn returns nonzero and returns that value.
 */
static int
http1_list_each(const char *v, size_t len,
    int (*fn)(const char *, size_t, void *), void *arg)
{
	size_t	 i, s, e;
	int	 r;

	for (i = 0; i <= len; i++) {
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (s < e && http1_is_ows((unsigned char)v[s]))
			s++;
		while (e > s && http1_is_ows((unsigned char)v[e - 1]))
			e--;
		if ((r = fn(v + s, e - s, arg)) != 0)
			return r;
	}
	return 0;
}

struct http1_tok {
	const char	*tk_s;
	size_t		 tk_len;
};

static int
http1_tok_match(const char *el, size_t len, void *arg)
{
	const struct http1_tok *tk = arg;

	return http1_ci_eq(el, len, tk->tk_s, tk->tk_len);
}

static int
http1_list_has(const char *v, size_t len, const char *tok, size_t toklen)
{
	struct http1_tok tk = { tok, toklen };

	return http1_list_each(v, len, http1_tok_match, &tk);
}

const char *
gw_http1_err_str(enum gw_http1_err e)
{
	if ((size_t)e >= sizeof(http1_err_strs) / sizeof(http1_err_strs[0]) ||
	    http1_err_strs[e] == NULL)
		return "unknown error";
	return http1_err_strs[e];
}

/* 0 for GW_HTTP1_OK and GW_HTTP1_NEED_MORE: nothing to answer. */
int
gw_http1_err_status(enum gw_http1_err e)
{
	switch (e) {
	case GW_HTTP1_OK:
	case GW_HTTP1_NEED_MORE:
		return 0;
	case GW_HTTP1_E_VERSION:
		return 505;
	case GW_HTTP1_E_METHOD:
		return 501;
	case GW_HTTP1_E_LINE_TOO_LONG:
		return 414;
	case GW_HTTP1_E_HEAD_TOO_LARGE:
	case GW_HTTP1_E_TOO_MANY_HEADERS:
		return 431;
	default:
		return 400;
	}
}

/*
 * Step 1.  Finds the end of the head in buf[0..len) looking at no more
 * than lm_head_max bytes, and refuses as early as it can: a bare LF, a
 * start line over lm_line_max (even while its CRLF has not come), more
 * than lm_headers_max field lines.  On GW_HTTP1_OK *hd_len is the head
 * length, final CRLF CRLF included.
 */
static enum gw_http1_err
http1_frame(const char *buf, size_t len, enum gw_http1_type type,
    const struct gw_http1_limits *lim, size_t *hd_len)
{
	const char	*lf;
	size_t		 end, pos, j, linelen, partial, nfields;
	int		 seen_start;

	end = len < lim->lm_head_max ? len : lim->lm_head_max;
	pos = nfields = 0;
	seen_start = 0;
	while (pos < end && (lf = memchr(buf + pos, '\n', end - pos)) != NULL) {
		j = lf - buf;
		/* RFC 9112 2.2 lets a recipient take a bare LF; we don't. */
		if (j == pos || buf[j - 1] != '\r')
			return GW_HTTP1_E_BARE_LF;
		linelen = j - 1 - pos;
		if (!seen_start) {
			if (linelen == 0) {
				/* RFC 9112 2.2: a server SHOULD skip these. */
				if (type == GW_HTTP1_RESPONSE)
					return GW_HTTP1_E_SYNTAX;
				pos = j + 1;
				continue;
			}
			if (linelen > lim->lm_line_max)
				return GW_HTTP1_E_LINE_TOO_LONG;
			seen_start = 1;
		} else if (linelen == 0) {
			*hd_len = j + 1;
			return GW_HTTP1_OK;
		} else if (++nfields > lim->lm_headers_max)
			return GW_HTTP1_E_TOO_MANY_HEADERS;
		pos = j + 1;
	}
	if (!seen_start) {
		/* A CR at the end may be the start of the line's CRLF. */
		partial = end - pos;
		if (partial > 0 && buf[end - 1] == '\r')
			partial--;
		if (partial > lim->lm_line_max)
			return GW_HTTP1_E_LINE_TOO_LONG;
	}
	if (len > lim->lm_head_max)
		return GW_HTTP1_E_HEAD_TOO_LARGE;
	return GW_HTTP1_NEED_MORE;
}

/*
 * HTTP-version (RFC 9112 2.3): "HTTP/" DIGIT "." DIGIT, of which we take
 * 1.0 and 1.1.  Something that looks like a version but is another one
 * (HTTP/2.0, HTTP/1.10) is GW_HTTP1_E_VERSION; anything else is syntax.
 */
static enum gw_http1_err
http1_version(const char *v, size_t len, int *major, int *minor)
{
	size_t	i;

	if (len < 5 || memcmp(v, "HTTP/", 5) != 0)
		return GW_HTTP1_E_SYNTAX;
	if (len == 8 && memcmp(v + 5, "1.", 2) == 0 &&
	    (v[7] == '0' || v[7] == '1')) {
		*major = 1;
		*minor = v[7] - '0';
		return GW_HTTP1_OK;
	}
	if (len == 5)
		return GW_HTTP1_E_SYNTAX;
	for (i = 5; i < len; i++)
		if (!(v[i] >= '0' && v[i] <= '9') && v[i] != '.')
			return GW_HTTP1_E_SYNTAX;
	return GW_HTTP1_E_VERSION;
}

/*
 * request-line = method SP request-target SP HTTP-version (RFC 9112 3),
 * single spaces, a target of visible ASCII only (RFC 9112 3.2: it is a
 * URI; raw UTF-8, HTAB and the like are refused, as HAProxy does).
 */
static enum gw_http1_err
http1_request_line(const char *l, size_t n, struct gw_http1_head *hd)
{
	size_t			 i, mlen, t, k;
	unsigned char		 c;
	enum gw_http1_err	 e;

	for (i = 0; i < n && http1_is_tchar((unsigned char)l[i]); i++)
		;
	if (i == 0 || i == n || l[i] != ' ')
		return GW_HTTP1_E_SYNTAX;
	mlen = i++;
	for (t = i; i < n; i++) {
		c = (unsigned char)l[i];
		if (c <= 0x20 || c >= 0x7f)
			break;
	}
	if (i == t || i == n || l[i] != ' ')
		return GW_HTTP1_E_SYNTAX;
	hd->hd_target = l + t;
	hd->hd_target_len = i - t;
	i++;
	/* Syntax first, then the method, then the version. */
	if ((e = http1_version(l + i, n - i, &hd->hd_major,
	    &hd->hd_minor)) == GW_HTTP1_E_SYNTAX)
		return e;
	for (k = 0; k < sizeof(http1_methods) / sizeof(http1_methods[0]); k++)
		if (strlen(http1_methods[k].m_name) == mlen &&
		    memcmp(http1_methods[k].m_name, l, mlen) == 0)
			break;
	if (k == sizeof(http1_methods) / sizeof(http1_methods[0]))
		return GW_HTTP1_E_METHOD;
	hd->hd_method = http1_methods[k].m_method;
	return e;
}

/*
 * status-line = HTTP-version SP status-code SP [ reason-phrase ]
 * (RFC 9112 4).  A missing SP after the code is taken: servers omit it
 * when there is no reason, and a client SHOULD ignore the reason anyway.
 */
static enum gw_http1_err
http1_status_line(const char *l, size_t n, struct gw_http1_head *hd)
{
	const char		*sp;
	size_t			 i, s;
	enum gw_http1_err	 e;

	if ((sp = memchr(l, ' ', n)) == NULL)
		return GW_HTTP1_E_SYNTAX;
	i = sp - l;
	if ((e = http1_version(l, i, &hd->hd_major, &hd->hd_minor)) !=
	    GW_HTTP1_OK)
		return e;
	for (s = ++i; i < n && l[i] != ' '; i++)
		if (l[i] < '0' || l[i] > '9')
			return GW_HTTP1_E_STATUS;
	if (i - s != 3)
		return GW_HTTP1_E_STATUS;
	hd->hd_status = (l[s] - '0') * 100 + (l[s + 1] - '0') * 10 +
	    (l[s + 2] - '0');
	if (hd->hd_status < 100 || hd->hd_status > 599)
		return GW_HTTP1_E_STATUS;
	for (; i < n; i++)
		if (!http1_is_vchar_ws((unsigned char)l[i]))
			return GW_HTTP1_E_SYNTAX;
	return GW_HTTP1_OK;
}

/*
 * field-line = field-name ":" OWS field-value OWS (RFC 9112 5).  No
 * whitespace before the colon (5.1), no obs-fold (5.2), a token for the
 * name, and a value of field-vchar, SP and HTAB only (RFC 9110 5.5).
 */
static enum gw_http1_err
http1_field_line(const char *l, size_t n, struct gw_http1_hdr *h)
{
	size_t	i, s, e;

	if (http1_is_ows((unsigned char)l[0]))
		return GW_HTTP1_E_OBS_FOLD;
	for (i = 0; i < n && http1_is_tchar((unsigned char)l[i]); i++)
		;
	if (i == n)
		return GW_HTTP1_E_SYNTAX;	/* no colon */
	if (l[i] != ':' || i == 0) {
		if (i == 0 || !http1_is_ows((unsigned char)l[i]))
			return GW_HTTP1_E_FIELD_NAME;
		for (s = i; s < n && http1_is_ows((unsigned char)l[s]); s++)
			;
		return s < n && l[s] == ':' ? GW_HTTP1_E_SPACE_BEFORE_COLON :
		    GW_HTTP1_E_FIELD_NAME;
	}
	h->h_name = l;
	h->h_name_len = i;
	h->h_kind = gw_http1_field_kind(l, i);
	/*
	 * http-parser 2.9.4 takes a trailing HTAB as part of these values:
	 * "4<HTAB>" is an invalid length to it, "chunked<HTAB>" not chunked
	 * and "upgrade<HTAB>" no upgrade.  The two readings must agree (the fuzzer found this), and
	 * no sender needs a tab here.
	 */
	switch (h->h_kind) {
	case GW_HF_CONTENT_LENGTH:
	case GW_HF_TRANSFER_ENCODING:
	case GW_HF_CONNECTION:
	case GW_HF_PROXY_CONNECTION:
		if (memchr(l + i + 1, '\t', n - i - 1) == NULL)
			break;
		return h->h_kind == GW_HF_CONTENT_LENGTH ?
		    GW_HTTP1_E_CONTENT_LENGTH :
		    h->h_kind == GW_HF_TRANSFER_ENCODING ?
		    GW_HTTP1_E_TRANSFER_ENCODING : GW_HTTP1_E_FIELD_VALUE;
	default:
		break;
	}
	for (s = i + 1; s < n; s++)
		if (!http1_is_vchar_ws((unsigned char)l[s]))
			return GW_HTTP1_E_FIELD_VALUE;
	for (s = i + 1; s < n && http1_is_ows((unsigned char)l[s]); s++)
		;
	for (e = n; e > s && http1_is_ows((unsigned char)l[e - 1]); e--)
		;
	h->h_value = l + s;
	h->h_value_len = e - s;
	return GW_HTTP1_OK;
}

/*
 * Step 2.  buf[0..hd_len) is a framed head (step 1: every LF follows a
 * CR, the last line is empty, no more than the field limit).
 */
static enum gw_http1_err
http1_scan(const char *buf, size_t hd_len, struct gw_http1_head *hd)
{
	const char		*lf;
	size_t			 pos, n;
	int			 start;
	enum gw_http1_err	 e;

	start = 1;
	for (pos = 0; pos < hd_len; pos = lf - buf + 1) {
		lf = memchr(buf + pos, '\n', hd_len - pos);
		n = lf - buf - 1 - pos;
		if (n == 0) {
			if (!start)
				break;			/* end of head */
			continue;			/* RFC 9112 2.2 */
		}
		if (start) {
			e = hd->hd_type == GW_HTTP1_REQUEST ?
			    http1_request_line(buf + pos, n, hd) :
			    http1_status_line(buf + pos, n, hd);
			start = 0;
		} else if (hd->hd_nhdrs == GW_HTTP1_HDRS_CAP)
			e = GW_HTTP1_E_TOO_MANY_HEADERS;	/* step 1 */
		else
			e = http1_field_line(buf + pos, n,
			    &hd->hd_hdrs[hd->hd_nhdrs++]);
		if (e != GW_HTTP1_OK)
			return e;
	}
	return GW_HTTP1_OK;
}

/*
 * Content-Length (RFC 9110 8.6): 1*DIGIT, no sign, no list, within
 * int64_t.  -1 when invalid.
 */
static int64_t
http1_content_length(const char *v, size_t len)
{
	int64_t	n;
	size_t	i;

	if (len == 0)
		return -1;
	for (n = 0, i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		if (n > (INT64_MAX - (v[i] - '0')) / 10)
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	return n;
}

/* The state of a walk over every Transfer-Encoding list element. */
struct http1_te {
	int	te_nchunked;
	int	te_last_chunked;
};

/*
 * One transfer-coding (RFC 9112 7): a token and maybe parameters.
 * Empty elements are refused, as http-parser refuses them.
 */
static int
http1_te_element(const char *el, size_t len, void *arg)
{
	struct http1_te	*te = arg;
	size_t		 i;

	for (i = 0; i < len && http1_is_tchar((unsigned char)el[i]); i++)
		;
	if (i == 0)
		return 1;
	if (i < len) {
		/* Parameters: chunked takes none (RFC 9112 7.1). */
		while (i < len && http1_is_ows((unsigned char)el[i]))
			i++;
		if (i == len || el[i] != ';')
			return 1;
		te->te_last_chunked = 0;
		return 0;
	}
	/*
	 * http-parser 2.9.4 swallows the comma right after a part of
	 * "chunked" ("ch, chunked") and then misses the real chunked: it
	 * would read such a body to the close (the fuzzer found this).
	 * el[len] is in the head: a value is followed by at least CRLF.
	 */
	if (len < 7 && el[len] == ',' && http1_ci_eq(el, len, "chunked", len))
		return 1;
	te->te_last_chunked = http1_ci_eq(el, len, "chunked", 7);
	te->te_nchunked += te->te_last_chunked;
	return 0;
}

/* Host (RFC 9110 7.2): uri-host [ ":" port ], empty allowed. */
static int
http1_host_ok(const char *v, size_t len)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    strchr("-._~%!$&'()*+,;=:[]", c) != NULL))
			return 0;
	}
	return 1;
}

/* What the Connection fields say (RFC 9110 7.6.1), in one pass. */
struct http1_conn {
	int	cn_close;
	int	cn_keep_alive;
	int	cn_upgrade;
	int	cn_names;	/* names a field not hop-by-hop anyway */
	int	cn_bad;		/* a list http-parser reads otherwise */
};

/* 1 when el[0..len) is a proper, non-empty prefix of word (any case). */
static int
http1_part_of(const char *el, size_t len, const char *word)
{
	size_t	wlen = strlen(word);

	return len > 0 && len < wlen && http1_ci_eq(el, len, word, len);
}

static int
http1_conn_element(const char *el, size_t len, void *arg)
{
	struct http1_conn	*cn = arg;

	/*
	 * http-parser 2.9.4 stops reading the list at an empty element
	 * (",,upgrade" is no upgrade to it) and swallows the comma right
	 * after a part of close, keep-alive or upgrade ("c,upgrade"): the
	 * fuzzer found both.  Such lists are refused.  el[len] is in the
	 * head: a value is followed by at least CRLF.
	 */
	if (len == 0 || (el[len] == ',' && (http1_part_of(el, len, "close") ||
	    http1_part_of(el, len, "keep-alive") ||
	    http1_part_of(el, len, "upgrade")))) {
		cn->cn_bad = 1;
		return 1;
	}
	if (http1_ci_eq(el, len, "close", 5))
		cn->cn_close = cn->cn_names = 1;	/* a "Close" field too */
	else if (http1_ci_eq(el, len, "keep-alive", 10))
		cn->cn_keep_alive = 1;	/* also names the field */
	else if (http1_ci_eq(el, len, "upgrade", 7))
		cn->cn_upgrade = 1;	/* also names the field */
	else if (!http1_kind_is_hop(gw_http1_field_kind(el, len)))
		cn->cn_names = 1;
	return 0;
}

/* Step 3.  What the fields say about the message. */
static enum gw_http1_err
http1_derive(struct gw_http1_head *hd)
{
	const struct gw_http1_hdr	*h;
	struct http1_te			 te = { 0, 0 };
	struct http1_conn		 cn = { 0, 0, 0, 0, 0 };
	size_t				 i, ncl, nte, nhost;
	int64_t				 cl = -1;
	int				 cl_bad, te_bad, c_close, c_ka, c_up;
	int				 has_upgrade, req, nobody, te_like = 0;

	req = hd->hd_type == GW_HTTP1_REQUEST;
	ncl = nte = nhost = 0;
	cl_bad = te_bad = c_close = c_ka = c_up = has_upgrade = 0;
	for (i = 0; i < hd->hd_nhdrs; i++) {
		h = &hd->hd_hdrs[i];
		switch (h->h_kind) {
		case GW_HF_CONTENT_LENGTH:
			if (ncl++ > 0 || (cl = http1_content_length(h->h_value,
			    h->h_value_len)) < 0)
				cl_bad = 1;
			break;
		case GW_HF_TRANSFER_ENCODING:
			/* Several fields make one list (RFC 9110 5.3). */
			nte++;
			if (http1_list_each(h->h_value, h->h_value_len,
			    http1_te_element, &te) != 0)
				te_bad = 1;
			break;
		case GW_HF_HOST:
			if (nhost++ == 0)
				hd->hd_host = h;
			break;
		case GW_HF_CONNECTION:
		case GW_HF_PROXY_CONNECTION:
			/*
			 * Proxy-Connection is not in RFC 9110, but
			 * http-parser reads it as Connection (close,
			 * keep-alive, upgrade): so do we.
			 */
			if (h->h_value_len > 0)
				(void)http1_list_each(h->h_value,
				    h->h_value_len, http1_conn_element, &cn);
			break;
		case GW_HF_UPGRADE:
			/* Empty, it names no protocol (nor for http-parser). */
			if (hd->hd_upgrade_hdr == NULL && h->h_value_len > 0)
				hd->hd_upgrade_hdr = h;
			break;
		case GW_HF_EXPECT:
			/* RFC 9110 10.1.1: ignored in an HTTP/1.0 request. */
			if (req && hd->hd_minor == 1)
				hd->hd_expect_continue |=
				    gw_http1_hdr_has_token(h, "100-continue");
			break;
		default:
			/*
			 * http-parser 2.9.4 marks a message as using
			 * Transfer-Encoding as soon as a field name begins
			 * with it ("Transfer-EncodingX"), and then refuses a
			 * Content-Length (the fuzzer found this): so do we.
			 */
			if (h->h_name_len > 17 && http1_ci_eq(h->h_name, 17,
			    "Transfer-Encoding", 17))
				te_like = 1;
			break;
		}
	}
	if (te_like && ncl > 0)
		return GW_HTTP1_E_CL_TE;
	if (cn.cn_bad)
		return GW_HTTP1_E_FIELD_VALUE;
	c_close = cn.cn_close;
	c_ka = cn.cn_keep_alive;
	c_up = cn.cn_upgrade;
	has_upgrade = hd->hd_upgrade_hdr != NULL;
	hd->hd_conn_names = cn.cn_names;

	/* RFC 9112 6.1, 6.3: every one of these is a smuggling vector. */
	if (nte > 0 && ncl > 0)
		return GW_HTTP1_E_CL_TE;
	if (nte > 0 && (hd->hd_minor == 0 || te_bad ||
	    te.te_nchunked != 1 || !te.te_last_chunked))
		return GW_HTTP1_E_TRANSFER_ENCODING;
	if (cl_bad)
		return GW_HTTP1_E_CONTENT_LENGTH;
	/* RFC 9112 3.2: exactly one Host in 1.1, never several. */
	if (req && (nhost > 1 || (nhost == 0 && hd->hd_minor == 1)))
		return GW_HTTP1_E_HOST;
	if (req && hd->hd_host != NULL &&
	    !http1_host_ok(hd->hd_host->h_value, hd->hd_host->h_value_len))
		return GW_HTTP1_E_FIELD_VALUE;

	hd->hd_content_length = cl;
	hd->hd_chunked = nte > 0;
	/* RFC 9112 9.3: persistence by version and Connection. */
	hd->hd_keep_alive = !c_close && (hd->hd_minor == 1 || c_ka);
	if (!req) {
		/* RFC 9112 6.3 item 8: read until close, so no reuse. */
		nobody = hd->hd_status < 200 || hd->hd_status == 204 ||
		    hd->hd_status == 304;
		if (!nobody && !hd->hd_chunked && cl < 0)
			hd->hd_keep_alive = 0;
	}
	/* RFC 9110 7.8: Upgrade takes effect with 101 only. */
	hd->hd_upgrade = c_up && has_upgrade && (req || hd->hd_status == 101);
	if (req && hd->hd_method == HTTP_CONNECT)
		hd->hd_upgrade = 1;
	return GW_HTTP1_OK;
}

static struct http1_hp *
http1_hp(http_parser *p)
{
	return p->data;
}

static int
http1_hp_url(http_parser *p, const char *at, size_t len)
{
	struct http1_hp	*hp = http1_hp(p);

	if (hp->hp_url == NULL) {
		hp->hp_url = at;
		hp->hp_url_len = len;
	} else if (hp->hp_url + hp->hp_url_len == at)
		hp->hp_url_len += len;
	else
		hp->hp_url_split = 1;
	return 0;
}

static int
http1_hp_field(http_parser *p, const char *at, size_t len)
{
	struct http1_hp	*hp = http1_hp(p);

	(void)at;
	(void)len;
	if (!hp->hp_in_field)
		hp->hp_nfields++;
	hp->hp_in_field = 1;
	return 0;
}

static int
http1_hp_value(http_parser *p, const char *at, size_t len)
{
	(void)at;
	(void)len;
	http1_hp(p)->hp_in_field = 0;
	return 0;
}

static int
http1_hp_headers_complete(http_parser *p)
{
	struct http1_hp	*hp = http1_hp(p);

	hp->hp_headers_done = 1;
	/* As its header says: valid in on_headers_complete. */
	hp->hp_keep_alive = http_should_keep_alive(p);
	return 0;
}

static const http_parser_settings http1_hp_settings = {
	.on_url = http1_hp_url,
	.on_header_field = http1_hp_field,
	.on_header_value = http1_hp_value,
	.on_headers_complete = http1_hp_headers_complete
};

static enum gw_http1_err
http1_hp_errno(enum http_errno e)
{
	switch (e) {
	case HPE_INVALID_METHOD:
		return GW_HTTP1_E_METHOD;
	case HPE_INVALID_VERSION:
		return GW_HTTP1_E_VERSION;
	case HPE_INVALID_STATUS:
		return GW_HTTP1_E_STATUS;
	case HPE_INVALID_CONTENT_LENGTH:
	case HPE_UNEXPECTED_CONTENT_LENGTH:
		return GW_HTTP1_E_CONTENT_LENGTH;
	case HPE_INVALID_TRANSFER_ENCODING:
		return GW_HTTP1_E_TRANSFER_ENCODING;
	case HPE_HEADER_OVERFLOW:
		/* Its own limit, 80 KiB, if lm_head_max is set above it. */
		return GW_HTTP1_E_HEAD_TOO_LARGE;
	default:
		return GW_HTTP1_E_SYNTAX;
	}
}

/*
 * Step 4.  http-parser reads the head we accepted; it must accept it too
 * and see the same message.  Only the head is given to it, so whatever
 * follows is never looked at here.
 */
static enum gw_http1_err
http1_crosscheck(const char *buf, struct gw_http1_head *hd)
{
	http_parser	p;
	struct http1_hp	hp;
	size_t		n;
	int		chunked, has_cl;

	memset(&hp, 0, sizeof(hp));
	http_parser_init(&p, hd->hd_type == GW_HTTP1_REQUEST ? HTTP_REQUEST :
	    HTTP_RESPONSE);
	p.data = &hp;
	n = http_parser_execute(&p, &http1_hp_settings, buf, hd->hd_len);
	if (HTTP_PARSER_ERRNO(&p) != HPE_OK)
		return http1_hp_errno(HTTP_PARSER_ERRNO(&p));
	if (n != hd->hd_len || !hp.hp_headers_done ||
	    hp.hp_nfields != hd->hd_nhdrs)
		return GW_HTTP1_E_SYNTAX;
	if (p.http_major != hd->hd_major || p.http_minor != hd->hd_minor)
		return GW_HTTP1_E_VERSION;
	if (hd->hd_type == GW_HTTP1_REQUEST) {
		if (p.method != hd->hd_method)
			return GW_HTTP1_E_METHOD;
		if (hp.hp_url_split || hp.hp_url != hd->hd_target ||
		    hp.hp_url_len != hd->hd_target_len)
			return GW_HTTP1_E_SYNTAX;
	} else if ((int)p.status_code != hd->hd_status)
		return GW_HTTP1_E_STATUS;
	chunked = (p.flags & F_CHUNKED) != 0;
	if (chunked != hd->hd_chunked)
		return GW_HTTP1_E_TRANSFER_ENCODING;
	/* No body byte was given, so content_length is still the value. */
	has_cl = (p.flags & F_CONTENTLENGTH) != 0;
	if (has_cl != (hd->hd_content_length >= 0) || (has_cl &&
	    p.content_length != (uint64_t)hd->hd_content_length))
		return GW_HTTP1_E_CONTENT_LENGTH;
	if ((int)p.upgrade != hd->hd_upgrade)
		return GW_HTTP1_E_SYNTAX;
	/*
	 * Both must say keep-alive: http-parser lets "Connection: close,
	 * keep-alive" keep an HTTP/1.0 connection open, we don't.
	 */
	hd->hd_keep_alive = hd->hd_keep_alive && hp.hp_keep_alive;
	return GW_HTTP1_OK;
}

enum gw_http1_err
gw_http1_parse_head(const char *buf, size_t len, enum gw_http1_type type,
    const struct gw_http1_limits *lim, struct gw_http1_head *hd)
{
	struct gw_http1_limits	 l;
	enum gw_http1_err	 e;
	size_t			 hd_len = 0;

	l = lim != NULL ? *lim : gw_http1_default_limits;
	if (l.lm_headers_max > GW_HTTP1_HDRS_CAP)
		l.lm_headers_max = GW_HTTP1_HDRS_CAP;
	/* Not the hd_hdrs array: 4 KiB to clear on every read is waste. */
	hd->hd_type = type;
	hd->hd_len = 0;
	hd->hd_major = hd->hd_minor = 0;
	hd->hd_method = HTTP_GET;
	hd->hd_target = NULL;
	hd->hd_target_len = 0;
	hd->hd_status = 0;
	hd->hd_nhdrs = 0;
	hd->hd_content_length = -1;
	hd->hd_chunked = hd->hd_keep_alive = hd->hd_upgrade = 0;
	hd->hd_expect_continue = 0;
	hd->hd_host = NULL;
	hd->hd_upgrade_hdr = NULL;
	hd->hd_conn_names = 0;

	if (len == 0)
		return GW_HTTP1_NEED_MORE;
	if ((e = http1_frame(buf, len, type, &l, &hd_len)) != GW_HTTP1_OK)
		return e;
	hd->hd_len = hd_len;
	if ((e = http1_scan(buf, hd_len, hd)) != GW_HTTP1_OK ||
	    (e = http1_derive(hd)) != GW_HTTP1_OK ||
	    (l.lm_crosscheck &&
	    (e = http1_crosscheck(buf, hd)) != GW_HTTP1_OK)) {
		hd->hd_len = 0;
		hd->hd_nhdrs = 0;
		hd->hd_host = NULL;
		hd->hd_upgrade_hdr = NULL;
		return e;
	}
	return GW_HTTP1_OK;
}

const struct gw_http1_hdr *
gw_http1_find(const struct gw_http1_head *hd, const char *name)
{
	size_t	i, len;

	len = strlen(name);
	for (i = 0; i < hd->hd_nhdrs; i++)
		if (http1_ci_eq(hd->hd_hdrs[i].h_name,
		    hd->hd_hdrs[i].h_name_len, name, len))
			return &hd->hd_hdrs[i];
	return NULL;
}

const struct gw_http1_hdr *
gw_http1_find_kind(const struct gw_http1_head *hd, enum gw_http1_field kind)
{
	size_t	i;

	for (i = 0; i < hd->hd_nhdrs; i++)
		if (hd->hd_hdrs[i].h_kind == kind)
			return &hd->hd_hdrs[i];
	return NULL;
}

int
gw_http1_hdr_has_token(const struct gw_http1_hdr *h, const char *token)
{
	if (h == NULL)
		return 0;
	return http1_list_has(h->h_value, h->h_value_len, token,
	    strlen(token));
}

/* 1 when a Connection field of hd lists name[0..len). */
static int
http1_conn_lists(const struct gw_http1_head *hd, const char *name, size_t len)
{
	const struct gw_http1_hdr	*h;
	size_t				 i;

	for (i = 0; i < hd->hd_nhdrs; i++) {
		h = &hd->hd_hdrs[i];
		if (h->h_kind == GW_HF_CONNECTION &&
		    http1_list_has(h->h_value, h->h_value_len, name, len))
			return 1;
	}
	return 0;
}

int
gw_http1_is_hop_by_hop(const struct gw_http1_head *hd, const char *name,
    size_t name_len)
{
	if (http1_kind_is_hop(gw_http1_field_kind(name, name_len)))
		return 1;
	return hd != NULL && http1_conn_lists(hd, name, name_len);
}

int
gw_http1_hdr_is_hop(const struct gw_http1_head *hd,
    const struct gw_http1_hdr *h)
{
	if (http1_kind_is_hop(h->h_kind))
		return 1;
	/* A listed name that is hop-by-hop anyway set no hd_conn_names. */
	return hd->hd_conn_names &&
	    http1_conn_lists(hd, h->h_name, h->h_name_len);
}

static int
http1_body_complete(http_parser *p)
{
	struct http1_body_ctx	*bc = p->data;

	if (bc != NULL)
		bc->bc_complete = 1;
	/* Stop right here: what follows is the next message's. */
	http_parser_pause(p, 1);
	return 0;
}

/*
 * The parser of a chunked body starts from this head, so that it waits
 * for a chunk-size whatever the real head looked like.
 */
static const char http1_chunked_head[] =
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

void
gw_http1_body_init(struct gw_http1_body *bd, const struct gw_http1_head *hd,
    enum http_method req_method)
{
	size_t	n;
	int	status = hd->hd_status;

	memset(bd, 0, sizeof(*bd));
	bd->bd_err = GW_HTTP1_OK;
	bd->bd_left = 0;
	/* RFC 9112 6.3, items 1 to 3, 7 and 8, in that order. */
	if (hd->hd_type == GW_HTTP1_RESPONSE && (req_method == HTTP_HEAD ||
	    status < 200 || status == 204 || status == 304))
		bd->bd_framing = GW_HTTP1_BODY_NONE;
	else if (hd->hd_chunked)
		bd->bd_framing = GW_HTTP1_BODY_CHUNKED;
	else if (hd->hd_content_length >= 0) {
		bd->bd_framing = GW_HTTP1_BODY_LENGTH;
		bd->bd_left = hd->hd_content_length;
	} else if (hd->hd_type == GW_HTTP1_RESPONSE)
		bd->bd_framing = GW_HTTP1_BODY_CLOSE;
	else
		bd->bd_framing = GW_HTTP1_BODY_NONE;

	switch (bd->bd_framing) {
	case GW_HTTP1_BODY_NONE:
		bd->bd_done = 1;
		break;
	case GW_HTTP1_BODY_LENGTH:
		bd->bd_done = bd->bd_left == 0;
		break;
	case GW_HTTP1_BODY_CHUNKED:
		bd->bd_state = CS_SIZE0;
		bd->bd_settings.on_message_complete = http1_body_complete;
		http_parser_init(&bd->bd_parser, HTTP_REQUEST);
		bd->bd_parser.data = NULL;
		n = http_parser_execute(&bd->bd_parser, &bd->bd_settings,
		    http1_chunked_head, sizeof(http1_chunked_head) - 1);
		if (n != sizeof(http1_chunked_head) - 1 ||
		    HTTP_PARSER_ERRNO(&bd->bd_parser) != HPE_OK)
			bd->bd_err = GW_HTTP1_E_BODY;	/* cannot happen */
		break;
	case GW_HTTP1_BODY_CLOSE:
		break;
	}
}

/*
 * Our own scan of chunked framing (RFC 9112 7.1), one byte at a time
 * except in chunk-data: how many bytes of p[0..n) belong to the message,
 * bd->bd_state == CS_DONE when it ended in them, -1 when the framing is
 * broken.  It refuses what http-parser's lax build takes: anything but
 * CRLF after chunk-data or a chunk-size, a bare LF in an extension, and
 * trailer fields that would be refused in a head.
 */
static ssize_t
http1_chunked_scan(struct gw_http1_body *bd, const char *p, size_t n)
{
	size_t		i, take;
	unsigned char	c;
	int		v;

	for (i = 0; i < n && bd->bd_state != CS_DONE; i++) {
		c = (unsigned char)p[i];
		switch (bd->bd_state) {
		case CS_SIZE0:
			if (!http1_is_hex(c, &v))
				return -1;
			bd->bd_left = v;
			bd->bd_count = 1;
			bd->bd_state = CS_SIZE;
			continue;
		case CS_DATA:
			take = n - i;
			if ((uint64_t)bd->bd_left < take)
				take = bd->bd_left;
			bd->bd_left -= take;
			i += take - 1;
			if (bd->bd_left == 0)
				bd->bd_state = CS_DATA_CR;
			continue;
		case CS_DATA_CR:
			if (c != '\r')
				return -1;
			bd->bd_state = CS_DATA_LF;
			continue;
		case CS_DATA_LF:
			if (c != '\n')
				return -1;
			bd->bd_state = CS_SIZE0;
			continue;
		default:
			break;
		}
		/* The rest are lines whose length is bounded. */
		if (++bd->bd_count > (bd->bd_state >= CS_TRAILER ?
		    HTTP1_TRAILER_MAX : HTTP1_CHUNK_LINE_MAX))
			return -1;
		switch (bd->bd_state) {
		case CS_SIZE:
			if (http1_is_hex(c, &v)) {
				if (bd->bd_left > (INT64_MAX >> 4))
					return -1;
				bd->bd_left = bd->bd_left << 4 | v;
			} else if (c == ';')
				bd->bd_state = CS_EXT;
			else if (http1_is_ows(c))
				bd->bd_state = CS_BWS;
			else if (c == '\r')
				bd->bd_state = CS_SIZE_LF;
			else
				return -1;
			break;
		case CS_BWS:
			if (c == ';')
				bd->bd_state = CS_EXT;
			else if (!http1_is_ows(c))
				return -1;
			break;
		case CS_EXT:
			if (c == '\r')
				bd->bd_state = CS_SIZE_LF;
			else if (!http1_is_vchar_ws(c))
				return -1;
			break;
		case CS_SIZE_LF:
			if (c != '\n')
				return -1;
			if (bd->bd_left == 0) {
				bd->bd_state = CS_TRAILER;
				bd->bd_count = 0;
			} else
				bd->bd_state = CS_DATA;
			break;
		case CS_TRAILER:
			if (c == '\r')
				bd->bd_state = CS_END_LF;
			else if (http1_is_tchar(c))
				bd->bd_state = CS_TNAME;
			else
				return -1;	/* obs-fold, bad name */
			break;
		case CS_TNAME:
			if (c == ':')
				bd->bd_state = CS_TVALUE;
			else if (!http1_is_tchar(c))
				return -1;	/* space before colon, ... */
			break;
		case CS_TVALUE:
			if (c == '\r')
				bd->bd_state = CS_TLF;
			else if (!http1_is_vchar_ws(c))
				return -1;
			break;
		case CS_TLF:
			if (c != '\n')
				return -1;
			bd->bd_state = CS_TRAILER;
			break;
		case CS_END_LF:
			if (c != '\n')
				return -1;
			bd->bd_state = CS_DONE;
			break;
		default:
			return -1;
		}
	}
	return (ssize_t)i;
}

/*
 * Chunked: our scan decides, http-parser is fed the same bytes and must
 * end the message at the same byte (it pauses itself there, so the next
 * message is left alone) or the body is refused.
 */
static ssize_t
http1_chunked_feed(struct gw_http1_body *bd, const char *p, size_t n)
{
	struct http1_body_ctx	 bc = { 0 };
	ssize_t			 k;
	size_t			 got;
	enum http_errno		 he;

	if ((k = http1_chunked_scan(bd, p, n)) < 0)
		goto bad;
	bd->bd_parser.data = &bc;
	got = http_parser_execute(&bd->bd_parser, &bd->bd_settings, p, n);
	he = HTTP_PARSER_ERRNO(&bd->bd_parser);
	bd->bd_parser.data = NULL;
	if (bd->bd_state == CS_DONE) {
		if (!bc.bc_complete || he != HPE_PAUSED || got != (size_t)k)
			goto bad;
		bd->bd_done = 1;
		return k;
	}
	if (bc.bc_complete || he != HPE_OK || got != n)
		goto bad;
	return k;
 bad:
	bd->bd_err = GW_HTTP1_E_BODY;
	return -1;
}

ssize_t
gw_http1_body_feed(struct gw_http1_body *bd, const char *p, size_t n)
{
	size_t	take;

	if (bd->bd_err != GW_HTTP1_OK)
		return -1;
	if (bd->bd_done)
		return 0;
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	switch (bd->bd_framing) {
	case GW_HTTP1_BODY_LENGTH:
		take = (uint64_t)bd->bd_left < n ? (size_t)bd->bd_left : n;
		bd->bd_left -= take;
		bd->bd_done = bd->bd_left == 0;
		return (ssize_t)take;
	case GW_HTTP1_BODY_CHUNKED:
		/* Never 0 bytes: to http-parser that means end of stream. */
		if (n == 0)
			return 0;
		return http1_chunked_feed(bd, p, n);
	case GW_HTTP1_BODY_CLOSE:
		return (ssize_t)n;
	case GW_HTTP1_BODY_NONE:
	default:
		bd->bd_done = 1;
		return 0;
	}
}
