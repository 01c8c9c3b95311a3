/*
 * test_http1: the strict HTTP/1 wrapper on raw bytes.  Every check of
 * common/http1.h, good and bad; each gap of http-parser 2.9.4 (as Debian
 * builds it) shown twice: http-parser alone accepts the bytes, and
 * gw_http1_parse_head() or gw_http1_body_feed() refuses them.  Limits at
 * and just over their bounds, every prefix of a valid head, body framing
 * fed whole, in two pieces at every split and byte by byte, pipelining,
 * and the response framing rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "http1.h"
#include "t.h"

/* A string literal as (pointer, length): NUL bytes inside count. */
#define S(lit)	(lit), (sizeof(lit) - 1)

#define REQ	GW_HTTP1_REQUEST
#define RESP	GW_HTTP1_RESPONSE

/* Compares two outcomes by their phrases, so a failure reads well. */
#define T_ERR(got, want, ...)						\
	T_STREQ(gw_http1_err_str(got), gw_http1_err_str(want), __VA_ARGS__)

static struct gw_http1_head hd;

static enum gw_http1_err
parse(const char *s, size_t n, enum gw_http1_type type)
{
	return gw_http1_parse_head(s, n, type, NULL, &hd);
}

static int hp_completed;

static int
hp_on_complete(http_parser *p)
{
	(void)p;
	hp_completed++;
	return 0;
}

/*
 * http-parser alone, as the library is built: 1 when it takes all of
 * s[0..n) without an error.  *complete counts the messages it ended.
 */
static int
hp_accepts(const char *s, size_t n, enum gw_http1_type type, int *complete)
{
	http_parser		p;
	http_parser_settings	st;
	size_t			got;

	memset(&st, 0, sizeof(st));
	st.on_message_complete = hp_on_complete;
	hp_completed = 0;
	http_parser_init(&p, type == REQ ? HTTP_REQUEST : HTTP_RESPONSE);
	got = http_parser_execute(&p, &st, s, n);
	if (complete != NULL)
		*complete = hp_completed;
	return got == n && HTTP_PARSER_ERRNO(&p) == HPE_OK;
}

/* The counted string a header field points at, as a C string. */
static const char *
str(const char *p, size_t n)
{
	static char	buf[4][256];
	static int	k;
	char		*b = buf[k++ % 4];

	if (p == NULL)
		return NULL;
	if (n >= sizeof(buf[0]))
		n = sizeof(buf[0]) - 1;
	memcpy(b, p, n);
	b[n] = '\0';
	return b;
}

static const char *
value_of(const char *name)
{
	const struct gw_http1_hdr *h = gw_http1_find(&hd, name);

	return h == NULL ? NULL : str(h->h_value, h->h_value_len);
}

/*
 * Feeds body bytes p[0..n) to a fresh framing of the current head in
 * pieces of step bytes (0: all at once).  Returns the bytes consumed, or
 * -1 on an error; *done says whether the message ended.
 */
static ssize_t
feed_steps(const char *p, size_t n, enum http_method req_method,
    size_t step, int *done)
{
	struct gw_http1_body	bd;
	size_t			off = 0, k;
	ssize_t			r, total = 0;

	gw_http1_body_init(&bd, &hd, req_method);
	do {
		k = step == 0 || n - off < step ? n - off : step;
		if ((r = gw_http1_body_feed(&bd, p + off, k)) < 0) {
			*done = bd.bd_done;
			return -1;
		}
		total += r;
		off += k;
	} while (off < n && (size_t)r == k && !bd.bd_done);
	*done = bd.bd_done;
	return total;
}

static void
test_strings(void)
{
	int	e, f, bad = 0;

	T_STREQ(gw_http1_err_str(GW_HTTP1_E_BARE_LF), "bare LF", "bare LF");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_SPACE_BEFORE_COLON),
	    "space before colon", "space before colon");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_OBS_FOLD), "obs-fold", "obs-fold");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_FIELD_NAME), "invalid field name",
	    "invalid field name");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_FIELD_VALUE),
	    "invalid field value", "invalid field value");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_VERSION),
	    "unsupported HTTP version", "unsupported HTTP version");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_METHOD), "unknown method",
	    "unknown method");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_CL_TE),
	    "Content-Length with Transfer-Encoding", "CL with TE");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_CONTENT_LENGTH),
	    "invalid Content-Length", "invalid Content-Length");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_TRANSFER_ENCODING),
	    "invalid Transfer-Encoding", "invalid Transfer-Encoding");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_HOST), "missing or repeated Host",
	    "missing or repeated Host");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_LINE_TOO_LONG),
	    "request line too long", "request line too long");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_HEAD_TOO_LARGE),
	    "header block too large", "header block too large");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_TOO_MANY_HEADERS),
	    "too many header fields", "too many header fields");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_STATUS), "invalid status",
	    "invalid status");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_BODY), "invalid chunked body",
	    "invalid chunked body");
	T_STREQ(gw_http1_err_str(GW_HTTP1_E_SYNTAX), "malformed message",
	    "malformed message");
	for (e = GW_HTTP1_OK; e <= GW_HTTP1_E_BODY; e++)
		for (f = e + 1; f <= GW_HTTP1_E_BODY; f++)
			if (strcmp(gw_http1_err_str(e),
			    gw_http1_err_str(f)) == 0)
				bad++;
	T_INTEQ(bad, 0, "every outcome has its own phrase");

	T_INTEQ(gw_http1_err_status(GW_HTTP1_OK), 0, "OK answers nothing");
	T_INTEQ(gw_http1_err_status(GW_HTTP1_NEED_MORE), 0,
	    "NEED_MORE answers nothing");
	T_INTEQ(gw_http1_err_status(GW_HTTP1_E_LINE_TOO_LONG), 414,
	    "request line too long: 414");
	T_INTEQ(gw_http1_err_status(GW_HTTP1_E_HEAD_TOO_LARGE), 431,
	    "header block too large: 431");
	T_INTEQ(gw_http1_err_status(GW_HTTP1_E_TOO_MANY_HEADERS), 431,
	    "too many header fields: 431");
	T_INTEQ(gw_http1_err_status(GW_HTTP1_E_METHOD), 501,
	    "unknown method: 501");
	T_INTEQ(gw_http1_err_status(GW_HTTP1_E_VERSION), 505,
	    "unsupported version: 505");
	for (e = GW_HTTP1_E_SYNTAX, bad = 0; e <= GW_HTTP1_E_BODY; e++) {
		f = gw_http1_err_status(e);
		if (e == GW_HTTP1_E_LINE_TOO_LONG ||
		    e == GW_HTTP1_E_HEAD_TOO_LARGE ||
		    e == GW_HTTP1_E_TOO_MANY_HEADERS ||
		    e == GW_HTTP1_E_METHOD || e == GW_HTTP1_E_VERSION)
			continue;
		if (f != 400)
			bad++;
	}
	T_INTEQ(bad, 0, "every other error: 400");
}

static void
test_good_request(void)
{
	static const char	m[] = "GET /a/b?c=d HTTP/1.1\r\n"
	    "Host: example.com:8080\r\n"
	    "X-Pad:   spaced value \t \r\n"
	    "Empty:\r\n"
	    "Obs-Text: caf\xc3\xa9\r\n"
	    "Accept: */*\r\n"
	    "\r\n"
	    "NEXT";

	T_ERR(parse(S(m), REQ), GW_HTTP1_OK, "a plain GET parses");
	T_INTEQ(hd.hd_len, sizeof(m) - 1 - 4, "hd_len ends at CRLF CRLF");
	T_INTEQ(hd.hd_method, HTTP_GET, "method GET");
	T_STREQ(str(hd.hd_target, hd.hd_target_len), "/a/b?c=d", "target");
	T_OK(hd.hd_major == 1 && hd.hd_minor == 1, "version 1.1");
	T_INTEQ(hd.hd_nhdrs, 5, "five fields");
	T_STREQ(str(hd.hd_hdrs[0].h_name, hd.hd_hdrs[0].h_name_len), "Host",
	    "first field name");
	T_STREQ(value_of("x-pad"), "spaced value",
	    "OWS trimmed on both sides, inner spaces kept");
	T_STREQ(value_of("EMPTY"), "", "an empty value");
	T_STREQ(value_of("obs-text"), "caf\xc3\xa9", "obs-text in a value");
	T_OK(hd.hd_host != NULL && hd.hd_host == gw_http1_find(&hd, "host"),
	    "hd_host is the Host field");
	T_STREQ(str(hd.hd_host->h_value, hd.hd_host->h_value_len),
	    "example.com:8080", "Host value");
	T_INTEQ(hd.hd_content_length, -1, "no Content-Length");
	T_OK(!hd.hd_chunked && !hd.hd_upgrade && !hd.hd_expect_continue,
	    "not chunked, no upgrade, no expect");
	T_INTEQ(hd.hd_keep_alive, 1, "HTTP/1.1 keeps alive by default");
	T_OK(gw_http1_find(&hd, "Cookie") == NULL, "find: absent field");

	T_ERR(parse(S("GET / HTTP/1.0\r\n\r\n"), REQ), GW_HTTP1_OK,
	    "HTTP/1.0 without Host");
	T_OK(hd.hd_minor == 0 && hd.hd_keep_alive == 0 && hd.hd_host == NULL,
	    "1.0 closes by default");
	T_ERR(parse(S("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
	    REQ), GW_HTTP1_OK, "1.0 with keep-alive");
	T_INTEQ(hd.hd_keep_alive, 1, "1.0 keep-alive token keeps alive");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, "
	    "CLOSE\r\n\r\n"), REQ), GW_HTTP1_OK, "Connection list with close");
	T_INTEQ(hd.hd_keep_alive, 0, "close token ends keep-alive");

	T_ERR(parse(S("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_OK, "empty lines before the request line are skipped");
	T_INTEQ(hd.hd_len, 31, "they count in hd_len");
	T_STREQ(str(hd.hd_target, hd.hd_target_len), "/",
	    "target after the empty lines");

	T_ERR(parse(S("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_OK, "asterisk-form");
	T_INTEQ(hd.hd_method, HTTP_OPTIONS, "OPTIONS");
	T_ERR(parse(S("GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_OK, "absolute-form");
	T_ERR(parse(S("M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_OK, "a method with a dash");
	T_INTEQ(hd.hd_method, HTTP_MSEARCH, "M-SEARCH");
	T_ERR(parse(S("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 005"
	    "\r\n\r\n"), REQ), GW_HTTP1_OK, "POST with Content-Length");
	T_OK(hd.hd_method == HTTP_POST && hd.hd_content_length == 5,
	    "Content-Length 005 is 5");
	T_ERR(parse(S("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "9223372036854775807\r\n\r\n"), REQ), GW_HTTP1_OK,
	    "the largest Content-Length");
	T_OK(hd.hd_content_length == INT64_MAX, "INT64_MAX");

	T_ERR(parse(S("PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n"
	    "Content-Length: 3\r\n\r\n"), REQ), GW_HTTP1_OK, "Expect");
	T_INTEQ(hd.hd_expect_continue, 1, "Expect: 100-continue, any case");
	T_ERR(parse(S("PUT /x HTTP/1.0\r\nExpect: 100-continue\r\n"
	    "Content-Length: 3\r\n\r\n"), REQ), GW_HTTP1_OK, "Expect in 1.0");
	T_INTEQ(hd.hd_expect_continue, 0,
	    "Expect ignored in HTTP/1.0 (RFC 9110 10.1.1)");

	T_ERR(parse(S("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, "
	    "Upgrade\r\nUpgrade: websocket\r\n\r\n"), REQ), GW_HTTP1_OK,
	    "WebSocket upgrade");
	T_INTEQ(hd.hd_upgrade, 1, "Connection: upgrade with Upgrade");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n"
	    "\r\n"), REQ), GW_HTTP1_OK, "Connection: upgrade alone");
	T_INTEQ(hd.hd_upgrade, 0, "no Upgrade field: no upgrade");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\n"),
	    REQ), GW_HTTP1_OK, "Upgrade alone");
	T_INTEQ(hd.hd_upgrade, 0, "Upgrade without Connection: no upgrade");
	T_ERR(parse(S("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"), REQ),
	    GW_HTTP1_OK, "CONNECT");
	T_INTEQ(hd.hd_upgrade, 1, "CONNECT leaves HTTP: hd_upgrade");

	T_ERR(parse(S("GET / HTTP/1.1\r\nHost:\r\n\r\n"), REQ), GW_HTTP1_OK,
	    "empty Host (RFC 9110 7.2)");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"), REQ),
	    GW_HTTP1_OK, "IPv6 literal Host");
}

static void
test_find_tokens(void)
{
	struct gw_http1_hdr	h;
	static const char	m[] = "GET / HTTP/1.1\r\nHost: a\r\n"
	    "Connection: X-Hop , keep-alive\r\nconnection: Other\r\n"
	    "X-Hop: 1\r\nTE: trailers\r\n\r\n";

	h.h_name = "Connection";
	h.h_name_len = 10;
	h.h_value = "Keep-Alive,  Upgrade ,,close";
	h.h_value_len = strlen(h.h_value);
	T_OK(gw_http1_hdr_has_token(&h, "keep-alive"), "token first");
	T_OK(gw_http1_hdr_has_token(&h, "upgrade"), "token with OWS");
	T_OK(gw_http1_hdr_has_token(&h, "CLOSE"), "token last, any case");
	T_OK(!gw_http1_hdr_has_token(&h, "clos"), "no prefix match");
	T_OK(!gw_http1_hdr_has_token(&h, "keep"), "no partial match");
	T_OK(!gw_http1_hdr_has_token(NULL, "close"), "NULL field: 0");

	T_ERR(parse(S(m), REQ), GW_HTTP1_OK, "head with Connection names");
	T_OK(gw_http1_find(&hd, "CONNECTION") == &hd.hd_hdrs[1],
	    "find returns the first of two");
	T_OK(gw_http1_is_hop_by_hop(&hd, S("x-hop")),
	    "a name listed in Connection is hop-by-hop");
	T_OK(gw_http1_is_hop_by_hop(&hd, S("OTHER")),
	    "a name listed in the second Connection field too");
	T_OK(!gw_http1_is_hop_by_hop(&hd, S("Host")), "Host is end-to-end");
	T_OK(!gw_http1_is_hop_by_hop(&hd, S("X-Ho")), "no prefix match");
	T_OK(gw_http1_is_hop_by_hop(&hd, S("Connection")), "Connection");
	T_OK(gw_http1_is_hop_by_hop(&hd, S("keep-alive")), "Keep-Alive");
	T_OK(gw_http1_is_hop_by_hop(&hd, S("Proxy-Connection")),
	    "Proxy-Connection");
	T_OK(gw_http1_is_hop_by_hop(&hd, S("te")), "TE");
	T_OK(gw_http1_is_hop_by_hop(&hd, S("Trailer")), "Trailer");
	T_OK(gw_http1_is_hop_by_hop(&hd, S("Transfer-Encoding")),
	    "Transfer-Encoding");
	T_OK(gw_http1_is_hop_by_hop(&hd, S("Upgrade")), "Upgrade");
	T_OK(!gw_http1_is_hop_by_hop(&hd, S("Trailers")),
	    "Trailers is not Trailer");
	T_OK(gw_http1_is_hop_by_hop(NULL, S("TE")), "fixed set without hd");
	T_OK(!gw_http1_is_hop_by_hop(NULL, S("X-Hop")), "no hd, no list");
}

/* Field kinds, and hop-by-hop decided from them. */
static void
test_field_kinds(void)
{
	static const struct {
		const char		*name;
		enum gw_http1_field	 kind;
	} k[] = {
		{ "connection", GW_HF_CONNECTION },
		{ "CONTENT-LENGTH", GW_HF_CONTENT_LENGTH },
		{ "Expect", GW_HF_EXPECT },
		{ "host", GW_HF_HOST },
		{ "Keep-Alive", GW_HF_KEEP_ALIVE },
		{ "proxy-connection", GW_HF_PROXY_CONNECTION },
		{ "Te", GW_HF_TE },
		{ "trailer", GW_HF_TRAILER },
		{ "Transfer-encoding", GW_HF_TRANSFER_ENCODING },
		{ "upgrade", GW_HF_UPGRADE },
		{ "x-forwarded-for", GW_HF_X_FORWARDED_FOR },
		{ "X-Forwarded-Host", GW_HF_X_FORWARDED_HOST },
		{ "x-forwarded-PROTO", GW_HF_X_FORWARDED_PROTO },
		{ "x-request-id", GW_HF_X_REQUEST_ID },
		/* Same length and first letter, another name. */
		{ "Hosx", GW_HF_OTHER },
		{ "Trailers", GW_HF_OTHER },
		{ "Connectiox", GW_HF_OTHER },
		{ "Keep-Alivf", GW_HF_OTHER },
		{ "Transfer-Encodinh", GW_HF_OTHER },
		{ "X-Forwarded-Prot0", GW_HF_OTHER },
		{ "Proxy-Connectiom", GW_HF_OTHER },
		{ "X", GW_HF_OTHER },
		{ "", GW_HF_OTHER }
	};
	const char	*m;
	size_t		 i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		T_INTEQ(gw_http1_field_kind(k[i].name, strlen(k[i].name)),
		    k[i].kind, "field kind of \"%s\"", k[i].name);

	m = "GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\n"
	    "Upgrade: websocket\r\nConnection: upgrade\r\n\r\n";
	T_ERR(parse(m, strlen(m), REQ), GW_HTTP1_OK, "head with an Upgrade");
	T_INTEQ(hd.hd_hdrs[1].h_kind, GW_HF_X_REQUEST_ID, "kinds are set");
	T_OK(gw_http1_find_kind(&hd, GW_HF_X_REQUEST_ID) == &hd.hd_hdrs[1],
	    "find_kind");
	T_OK(gw_http1_find_kind(&hd, GW_HF_EXPECT) == NULL,
	    "find_kind: absent");
	T_OK(hd.hd_upgrade_hdr == &hd.hd_hdrs[2], "the Upgrade field");
	T_OK(gw_http1_find_kind(&hd, GW_HF_CONNECTION) != NULL &&
	    !hd.hd_conn_names,
	    "Connection: upgrade names no other field");
	T_OK(gw_http1_hdr_is_hop(&hd, &hd.hd_hdrs[2]), "Upgrade is hop");
	T_OK(!gw_http1_hdr_is_hop(&hd, &hd.hd_hdrs[1]), "X-Request-Id not");

	m = "GET / HTTP/1.1\r\nHost: a\r\nClose: 1\r\nX-A: 1\r\n"
	    "Connection: close\r\n\r\n";
	T_ERR(parse(m, strlen(m), REQ), GW_HTTP1_OK, "head with Connection: close");
	T_OK(gw_http1_hdr_is_hop(&hd, &hd.hd_hdrs[1]),
	    "a Close field is named by Connection: close");
	T_OK(!gw_http1_hdr_is_hop(&hd, &hd.hd_hdrs[2]), "X-A is not");

	m = "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nKeep-Alive: 5\r\n"
	    "Connection: keep-alive, x-a\r\n\r\n";
	T_ERR(parse(m, strlen(m), REQ), GW_HTTP1_OK, "head naming X-A");
	T_OK(hd.hd_conn_names, "a name beyond the fixed set");
	T_OK(gw_http1_hdr_is_hop(&hd, &hd.hd_hdrs[1]), "X-A named: hop");
	T_OK(gw_http1_hdr_is_hop(&hd, &hd.hd_hdrs[2]), "Keep-Alive: hop");
	T_OK(!gw_http1_hdr_is_hop(&hd, &hd.hd_hdrs[0]), "Host: not");
}

static void
test_syntax(void)
{
	T_ERR(parse(S("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "space after the version");
	T_ERR(parse(S("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "HTAB between method and target");
	T_ERR(parse(S("GET / http/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "the version is case-sensitive");
	T_ERR(parse(S("GET / HTTP/\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "HTTP/ without digits");
	T_ERR(parse(S("GET / HTTP/1.x\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "HTTP/1.x");
	T_ERR(parse(S(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "space before the method");
	T_ERR(parse(S("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "CTL in the target");
	T_ERR(parse(S("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "NUL in the target");
	T_ERR(parse(S("GET a HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "a target http-parser cannot read");
	T_ERR(parse(S("GET / HTTP/1.1\rXHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "CR without LF in the request line");
	T_ERR(parse(S("get / HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_METHOD, "methods are case-sensitive");
	T_ERR(parse(S("BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_METHOD, "an unknown method");
	T_ERR(parse(S("G@T / HTTP/1.1\r\nHost: a\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "a method that is no token");

	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n"), REQ),
	    GW_HTTP1_E_FIELD_NAME, "empty field name");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nX@Y: v\r\n\r\n"), REQ),
	    GW_HTTP1_E_FIELD_NAME, "@ in a field name");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nX\xff: v\r\n\r\n"), REQ),
	    GW_HTTP1_E_FIELD_NAME, "a high byte in a field name");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nX\0Y: v\r\n\r\n"), REQ),
	    GW_HTTP1_E_FIELD_NAME, "NUL in a field name");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), REQ),
	    GW_HTTP1_E_SYNTAX, "a field line without a colon");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"), REQ),
	    GW_HTTP1_E_FIELD_VALUE, "NUL in a value");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n"), REQ),
	    GW_HTTP1_E_FIELD_VALUE, "CTL in a value");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n"), REQ),
	    GW_HTTP1_E_FIELD_VALUE, "DEL in a value");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n"), REQ),
	    GW_HTTP1_E_FIELD_VALUE, "bare CR in a value");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n"), REQ),
	    GW_HTTP1_OK, "HTAB in a value is fine");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\nX\t: v\r\n\r\n"), REQ),
	    GW_HTTP1_E_SPACE_BEFORE_COLON, "HTAB before the colon");
}

/*
 * What http-parser 2.9.4 lets through in a head.  For each: the library
 * alone takes the bytes, we refuse them.
 */
#define GAP(bytes, type, want, what) do {				\
	T_OK(hp_accepts(S(bytes), (type), NULL),			\
	    "gap: http-parser alone accepts %s", (what));		\
	T_ERR(parse(S(bytes), (type)), (want), "gap closed: %s", (what));\
} while (0)

static void
test_gaps(void)
{
	http_parser		p;
	http_parser_settings	st;
	static const char	cl_space[] = "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length : 5\r\n\r\n";
	static const char	ka10[] =
	    "GET / HTTP/1.0\r\nConnection: close, keep-alive\r\n\r\n";

	GAP("GET / HTTP/1.1\r\nHost : a\r\n\r\n", REQ,
	    GW_HTTP1_E_SPACE_BEFORE_COLON, "space before colon");
	GAP("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n"
	    "\r\n", REQ, GW_HTTP1_E_SPACE_BEFORE_COLON,
	    "Transfer-Encoding with a space before the colon");
	GAP("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n", REQ,
	    GW_HTTP1_E_SPACE_BEFORE_COLON,
	    "Content-Length with a space before the colon");
	/* Worse: the library even takes that field as the length. */
	memset(&st, 0, sizeof(st));
	http_parser_init(&p, HTTP_REQUEST);
	http_parser_execute(&p, &st, S(cl_space));
	T_OK((p.flags & F_CONTENTLENGTH) && p.content_length == 5,
	    "gap: http-parser uses \"Content-Length :\" as the length");
	GAP("GET / HTTP/1.1\r\nHost: a\r\nX Y: v\r\n\r\n", REQ,
	    GW_HTTP1_E_FIELD_NAME, "a space inside a field name");
	GAP("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", REQ,
	    GW_HTTP1_E_OBS_FOLD, "obs-fold with SP");
	GAP("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", REQ,
	    GW_HTTP1_E_OBS_FOLD, "obs-fold with HTAB");
	GAP("GET / HTTP/1.1\r\n Host: a\r\n\r\n", REQ, GW_HTTP1_E_OBS_FOLD,
	    "whitespace before the first field line");
	GAP("GET / HTTP/1.1\nHost: a\n\n", REQ, GW_HTTP1_E_BARE_LF,
	    "bare LF line ends");
	GAP("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", REQ,
	    GW_HTTP1_E_BARE_LF, "one bare LF in a field line");
	GAP("GET / HTTP/1.1\r\nHost: a\r\n\n", REQ, GW_HTTP1_E_BARE_LF,
	    "a bare LF as the end of the head");
	GAP("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", REQ, GW_HTTP1_E_BARE_LF,
	    "a bare LF before the request line");
	GAP("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", REQ,
	    GW_HTTP1_E_HOST, "two Host fields");
	GAP("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", REQ,
	    GW_HTTP1_E_HOST, "two Host fields in HTTP/1.0");
	GAP("GET / HTTP/1.1\r\n\r\n", REQ, GW_HTTP1_E_HOST,
	    "no Host in HTTP/1.1");
	GAP("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", REQ,
	    GW_HTTP1_E_FIELD_VALUE, "a space in Host");
	GAP("GET / HTTP/1.1\r\nHost: a/b@c\r\n\r\n", REQ,
	    GW_HTTP1_E_FIELD_VALUE, "a Host that is no uri-host");
	GAP("GET / HTTP/1.2\r\nHost: a\r\n\r\n", REQ, GW_HTTP1_E_VERSION,
	    "HTTP/1.2");
	GAP("GET / HTTP/2.0\r\nHost: a\r\n\r\n", REQ, GW_HTTP1_E_VERSION,
	    "HTTP/2.0");
	GAP("GET / HTTP/0.9\r\nHost: a\r\n\r\n", REQ, GW_HTTP1_E_VERSION,
	    "HTTP/0.9 with a version");
	GAP("GET /\r\nHost: a\r\n\r\n", REQ, GW_HTTP1_E_SYNTAX,
	    "a request line without a version");
	GAP("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", REQ, GW_HTTP1_E_SYNTAX,
	    "two spaces after the method");
	GAP("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", REQ, GW_HTTP1_E_SYNTAX,
	    "two spaces after the target");
	GAP("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", REQ, GW_HTTP1_E_SYNTAX,
	    "HTAB in the target");
	GAP("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", REQ,
	    GW_HTTP1_E_SYNTAX, "raw UTF-8 in the target");
	GAP("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", REQ,
	    GW_HTTP1_E_TRANSFER_ENCODING, "chunked twice, in two fields");
	GAP("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", REQ,
	    GW_HTTP1_E_TRANSFER_ENCODING, "Transfer-Encoding in HTTP/1.0");
	GAP("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "9223372036854775808\r\n\r\n", REQ, GW_HTTP1_E_CONTENT_LENGTH,
	    "a Content-Length over INT64_MAX");
	GAP("HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", RESP,
	    GW_HTTP1_E_STATUS, "a two-digit status");
	GAP("HTTP/1.1 099 OK\r\nContent-Length: 0\r\n\r\n", RESP,
	    GW_HTTP1_E_STATUS, "status 099");
	GAP("HTTP/1.1 600 OK\r\nContent-Length: 0\r\n\r\n", RESP,
	    GW_HTTP1_E_STATUS, "status 600");
	GAP("HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n", RESP,
	    GW_HTTP1_E_SYNTAX, "CTL in the reason phrase");
	GAP("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", RESP,
	    GW_HTTP1_E_TRANSFER_ENCODING,
	    "a response whose last coding is not chunked");
	GAP("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", RESP,
	    GW_HTTP1_E_TRANSFER_ENCODING, "Transfer-Encoding in HTTP/1.0 "
	    "response");
	GAP("HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
	    RESP, GW_HTTP1_E_OBS_FOLD, "obs-fold in a response");
	GAP("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", RESP,
	    GW_HTTP1_E_SPACE_BEFORE_COLON, "space before colon in a response");
	GAP("HTTP/1.1 200 OK\nContent-Length: 0\n\n", RESP,
	    GW_HTTP1_E_BARE_LF, "bare LF in a response");
	GAP("\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", RESP,
	    GW_HTTP1_E_SYNTAX, "an empty line before a status line");

	/* Not a refusal but a disagreement we settle the safe way. */
	memset(&st, 0, sizeof(st));
	http_parser_init(&p, HTTP_REQUEST);
	http_parser_execute(&p, &st, S(ka10));
	T_OK(http_should_keep_alive(&p),
	    "gap: http-parser keeps 1.0 \"close, keep-alive\" alive");
	T_ERR(parse(S(ka10), REQ), GW_HTTP1_OK, "1.0 close, keep-alive");
	T_INTEQ(hd.hd_keep_alive, 0, "gap closed: close wins");
}

/*
 * What http-parser already refuses: we refuse it too, with our own,
 * more precise reason.
 */
#define BOTH(bytes, type, want, what) do {				\
	T_OK(!hp_accepts(S(bytes), (type), NULL),			\
	    "http-parser refuses %s too", (what));			\
	T_ERR(parse(S(bytes), (type)), (want), "refused: %s", (what));	\
} while (0)

static void
test_framing_fields(void)
{
	struct gw_http1_limits	alone = gw_http1_default_limits;

	/*
	 * A HTAB after a length or a coding: http-parser reads "4<HTAB>" as
	 * an invalid length and "chunked<HTAB>" as not chunked; the scan
	 * refuses both, also alone (how gwproxy reads responses).
	 */
	alone.lm_crosscheck = 0;
	T_ERR(gw_http1_parse_head(S("HTTP/1.1 101 OK\r\nUpgrade: x\r\n"
	    "Connection: upgrade\t\r\n\r\n"), RESP, &alone, &hd),
	    GW_HTTP1_E_FIELD_VALUE, "a HTAB in Connection, scan alone");
	T_ERR(gw_http1_parse_head(S("HTTP/1.1 101 OK\r\nUpgrade: x\r\n"
	    "Connection: ,,upgrade\r\n\r\n"), RESP, &alone, &hd),
	    GW_HTTP1_E_FIELD_VALUE, "empty elements in Connection");
	T_ERR(gw_http1_parse_head(S("HTTP/1.1 101 OK\r\nUpgrade: x\r\n"
	    "Connection: c,upgrade\r\n\r\n"), RESP, &alone, &hd),
	    GW_HTTP1_E_FIELD_VALUE, "a part of close right before a comma");
	T_ERR(gw_http1_parse_head(S("HTTP/1.1 101 OK\r\nUpgrade: x\r\n"
	    "Connection: cx,upgrade\r\n\r\n"), RESP, &alone, &hd),
	    GW_HTTP1_OK, "another token before the comma: fine");
	T_OK(hd.hd_upgrade, "and an upgrade");
	T_ERR(gw_http1_parse_head(S("HTTP/1.1 200 OK\r\n"
	    "Proxy-Connection: close\r\n\r\n"), RESP, &alone, &hd),
	    GW_HTTP1_OK, "Proxy-Connection: close");
	T_OK(!hd.hd_keep_alive, "is read as Connection: close");
	T_ERR(gw_http1_parse_head(S("HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: ch, chunked\r\n\r\n"), RESP, &alone, &hd),
	    GW_HTTP1_E_TRANSFER_ENCODING,
	    "a part of chunked right before a comma, scan alone");
	T_ERR(gw_http1_parse_head(S("HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: ch , chunked\r\n\r\n"), RESP, &alone, &hd),
	    GW_HTTP1_OK, "the same with a space before the comma: fine");
	BOTH("HTTP/1.1 200 OK\r\nTransfer-EncodingX: a\r\n"
	    "Content-Length: 2\r\n\r\n", RESP, GW_HTTP1_E_CL_TE,
	    "a field named Transfer-Encoding and more, with a length");
	BOTH("HTTP/1.1 200 OK\r\nContent-Length: 4\t\r\n\r\n", RESP,
	    GW_HTTP1_E_CONTENT_LENGTH, "a HTAB after Content-Length");
	T_ERR(gw_http1_parse_head(S("HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\t\r\n\r\n"), RESP, &alone, &hd),
	    GW_HTTP1_E_TRANSFER_ENCODING, "a HTAB after chunked, scan alone");
	T_ERR(gw_http1_parse_head(S("HTTP/1.1 200 OK\r\n"
	    "Content-Length:\t4\r\n\r\n"), RESP, &alone, &hd),
	    GW_HTTP1_E_CONTENT_LENGTH, "a HTAB before a length, scan alone");
	T_ERR(gw_http1_parse_head(S("HTTP/1.1 200 OK\r\n"
	    "Content-Length: 4 \r\nX-A:\tb\t\r\n\r\n"), RESP, &alone, &hd),
	    GW_HTTP1_OK, "spaces there, tabs elsewhere: fine");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", REQ, GW_HTTP1_E_CL_TE,
	    "Content-Length then Transfer-Encoding");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", REQ, GW_HTTP1_E_CL_TE,
	    "Transfer-Encoding then Content-Length");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n", REQ, GW_HTTP1_E_CL_TE,
	    "Content-Length with a non-chunked coding");
	BOTH("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 3\r\n\r\n", RESP, GW_HTTP1_E_CL_TE,
	    "CL with TE in a response");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n", REQ, GW_HTTP1_E_CONTENT_LENGTH,
	    "two differing Content-Length");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n", REQ, GW_HTTP1_E_CONTENT_LENGTH,
	    "two equal Content-Length (refused on purpose)");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", REQ,
	    GW_HTTP1_E_CONTENT_LENGTH,
	    "the list form 5, 5 (refused on purpose)");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,6\r\n\r\n", REQ,
	    GW_HTTP1_E_CONTENT_LENGTH, "a list of differing lengths");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", REQ,
	    GW_HTTP1_E_CONTENT_LENGTH, "Content-Length +5");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", REQ,
	    GW_HTTP1_E_CONTENT_LENGTH, "Content-Length -1");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n", REQ,
	    GW_HTTP1_E_CONTENT_LENGTH, "Content-Length 5 5");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", REQ,
	    GW_HTTP1_E_CONTENT_LENGTH, "Content-Length 0x5");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", REQ,
	    GW_HTTP1_E_CONTENT_LENGTH, "an empty Content-Length");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "18446744073709551616\r\n\r\n", REQ, GW_HTTP1_E_CONTENT_LENGTH,
	    "Content-Length 2^64");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip"
	    "\r\n\r\n", REQ, GW_HTTP1_E_TRANSFER_ENCODING,
	    "chunked not last");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
	    REQ, GW_HTTP1_E_TRANSFER_ENCODING, "gzip alone in a request");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, "
	    "chunked\r\n\r\n", REQ, GW_HTTP1_E_TRANSFER_ENCODING,
	    "chunked twice in one field");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n", REQ,
	    GW_HTTP1_E_TRANSFER_ENCODING, "a second field ending in gzip");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n"
	    "\r\n", REQ, GW_HTTP1_E_TRANSFER_ENCODING, "xchunked");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;a=b"
	    "\r\n\r\n", REQ, GW_HTTP1_E_TRANSFER_ENCODING,
	    "chunked with a parameter");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,chunked\r\n"
	    "\r\n", REQ, GW_HTTP1_E_TRANSFER_ENCODING, "an empty element");
	/* OWS allows the HTAB, http-parser does not: its reading wins. */
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t\r\n"
	    "\r\n", REQ, GW_HTTP1_E_TRANSFER_ENCODING, "chunked then HTAB");
	BOTH("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", REQ,
	    GW_HTTP1_E_TRANSFER_ENCODING, "an empty Transfer-Encoding");

	T_ERR(parse(S("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
	    "gzip, CHUNKED \r\n\r\n"), REQ), GW_HTTP1_OK,
	    "gzip, chunked in any case");
	T_OK(hd.hd_chunked && hd.hd_content_length == -1, "chunked, no CL");
	T_ERR(parse(S("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip"
	    "\r\nTransfer-Encoding: chunked\r\n\r\n"), REQ), GW_HTTP1_OK,
	    "two fields make one list ending in chunked");
	T_INTEQ(hd.hd_chunked, 1, "chunked across two fields");
	T_ERR(parse(S("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"),
	    RESP), GW_HTTP1_OK, "a response with Content-Length");
	T_INTEQ(hd.hd_content_length, 12, "its length");
	T_ERR(parse(S("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), REQ),
	    GW_HTTP1_E_HOST, "two Host in 1.0");
}

static void
test_responses(void)
{
	T_ERR(parse(S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), RESP),
	    GW_HTTP1_OK, "200 OK");
	T_OK(hd.hd_status == 200 && hd.hd_keep_alive == 1,
	    "status 200, keep-alive");
	T_ERR(parse(S("HTTP/1.1 204\r\n\r\n"), RESP), GW_HTTP1_OK,
	    "no reason, no SP");
	T_ERR(parse(S("HTTP/1.1 404 \r\n\r\n"), RESP), GW_HTTP1_OK,
	    "empty reason");
	T_ERR(parse(S("HTTP/1.0 200 OK\r\n\r\n"), RESP), GW_HTTP1_OK,
	    "a 1.0 response without length");
	T_INTEQ(hd.hd_keep_alive, 0, "read until close: no keep-alive");
	T_ERR(parse(S("HTTP/1.1 200 OK\r\n\r\n"), RESP), GW_HTTP1_OK,
	    "a 1.1 response without length");
	T_INTEQ(hd.hd_keep_alive, 0, "close-delimited 1.1: no keep-alive");
	T_ERR(parse(S("HTTP/1.1 101 Switching Protocols\r\nConnection: "
	    "Upgrade\r\nUpgrade: websocket\r\n\r\n"), RESP), GW_HTTP1_OK,
	    "101");
	T_INTEQ(hd.hd_upgrade, 1, "101 with Upgrade: hd_upgrade");
	T_ERR(parse(S("HTTP/1.1 200 OK\r\nConnection: upgrade\r\n"
	    "Upgrade: websocket\r\nContent-Length: 0\r\n\r\n"), RESP),
	    GW_HTTP1_OK, "200 announcing Upgrade");
	T_INTEQ(hd.hd_upgrade, 0, "no upgrade without 101");
	T_ERR(parse(S("HTTP/1.1 2000 OK\r\n\r\n"), RESP), GW_HTTP1_E_STATUS,
	    "four-digit status");
	T_ERR(parse(S("HTTP/1.1 2x0 OK\r\n\r\n"), RESP), GW_HTTP1_E_STATUS,
	    "status with a letter");
	T_ERR(parse(S("HTTP/1.1  200 OK\r\n\r\n"), RESP), GW_HTTP1_E_STATUS,
	    "two spaces before the status");
	T_ERR(parse(S("HTTP/2.0 200 OK\r\n\r\n"), RESP), GW_HTTP1_E_VERSION,
	    "HTTP/2.0 status line");
	T_ERR(parse(S("HTTP/1.1\r\n\r\n"), RESP), GW_HTTP1_E_SYNTAX,
	    "no status");
	T_ERR(parse(S("ICY 200 OK\r\n\r\n"), RESP), GW_HTTP1_E_SYNTAX,
	    "not HTTP");
	T_ERR(parse(S("HTTP/1.1 200 OK\r\nServer: caf\xc3\xa9\r\n\r\n"),
	    RESP), GW_HTTP1_OK, "obs-text in a response field");
	T_ERR(parse(S("HTTP/1.1 200 OK\r\n\r\n"), REQ), GW_HTTP1_E_SYNTAX,
	    "a status line is no request line");
	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), RESP),
	    GW_HTTP1_E_SYNTAX, "a request line is no status line");
}

static char *
mkhead(size_t *lenp, const char *first, size_t line_pad, size_t nfields,
    size_t value_pad, int complete)
{
	size_t	 cap, n = 0, i;
	char	*b;

	cap = 64 + line_pad + nfields * 16 + value_pad + strlen(first);
	if ((b = malloc(cap)) == NULL)
		abort();
	/* "GET /aaaa HTTP/1.1" with line_pad a's after the slash. */
	n += (size_t)snprintf(b + n, cap - n, "%s /", first);
	memset(b + n, 'a', line_pad);
	n += line_pad;
	n += (size_t)snprintf(b + n, cap - n, " HTTP/1.1\r\nHost: a\r\n");
	for (i = 1; i < nfields; i++)
		n += (size_t)snprintf(b + n, cap - n, "X-%03zu: y\r\n", i);
	if (value_pad > 0) {
		n += (size_t)snprintf(b + n, cap - n, "X: ");
		memset(b + n, 'v', value_pad);
		n += value_pad;
		n += (size_t)snprintf(b + n, cap - n, "\r\n");
	}
	if (complete)
		n += (size_t)snprintf(b + n, cap - n, "\r\n");
	*lenp = n;
	return b;
}

static void
test_limits(void)
{
	struct gw_http1_limits	 lim;
	char			*b;
	size_t			 n, pad;

	/* Request line of exactly 8192 bytes: "GET /" pad " HTTP/1.1". */
	pad = GW_HTTP1_LINE_MAX - 14;
	b = mkhead(&n, "GET", pad, 1, 0, 1);
	T_ERR(parse(b, n, REQ), GW_HTTP1_OK, "request line of 8192 bytes");
	T_INTEQ(hd.hd_target_len, pad + 1, "its target");
	free(b);
	b = mkhead(&n, "GET", pad + 1, 1, 0, 1);
	T_ERR(parse(b, n, REQ), GW_HTTP1_E_LINE_TOO_LONG,
	    "request line of 8193 bytes: 414");
	T_ERR(parse(b, 8193, REQ), GW_HTTP1_E_LINE_TOO_LONG,
	    "8193 bytes and no CRLF yet: 414 already");
	T_ERR(parse(b, 8192, REQ), GW_HTTP1_NEED_MORE,
	    "8192 bytes and no CRLF yet: more");
	free(b);
	b = mkhead(&n, "GET", pad, 1, 0, 1);
	T_ERR(parse(b, 8193, REQ), GW_HTTP1_NEED_MORE,
	    "8192 bytes and the CR: more");
	free(b);
	b = mkhead(&n, "GET", pad, 1, 0, 1);
	b[GW_HTTP1_LINE_MAX] = 'z';
	T_ERR(parse(b, 8193, REQ), GW_HTTP1_E_LINE_TOO_LONG,
	    "8193 bytes, the last not a CR: 414");
	free(b);
	b = mkhead(&n, "GET", 20000, 1, 0, 1);
	T_ERR(parse(b, n, REQ), GW_HTTP1_E_LINE_TOO_LONG,
	    "a 20 KB request line is 414, not 431");
	free(b);

	/* Head of exactly 64 KiB: 32 bytes of frame around the value. */
	pad = GW_HTTP1_HEAD_MAX - 32;
	b = mkhead(&n, "GET", 0, 1, pad, 1);
	T_INTEQ(n, GW_HTTP1_HEAD_MAX, "test head is 65536 bytes");
	T_ERR(parse(b, n, REQ), GW_HTTP1_OK, "head of 65536 bytes");
	T_INTEQ(hd.hd_len, GW_HTTP1_HEAD_MAX, "hd_len 65536");
	T_ERR(parse(b, n - 1, REQ), GW_HTTP1_NEED_MORE,
	    "65535 bytes without the end: more");
	free(b);
	b = mkhead(&n, "GET", 0, 1, pad + 1, 1);
	T_ERR(parse(b, n, REQ), GW_HTTP1_E_HEAD_TOO_LARGE,
	    "head of 65537 bytes: 431");
	T_ERR(parse(b, n - 1, REQ), GW_HTTP1_NEED_MORE,
	    "65536 bytes without the end: more");
	free(b);
	b = mkhead(&n, "GET", 0, 1, 100000, 0);
	T_ERR(parse(b, n, REQ), GW_HTTP1_E_HEAD_TOO_LARGE,
	    "100 KB never ending: 431");
	free(b);

	b = mkhead(&n, "GET", 0, GW_HTTP1_HEADERS_MAX, 0, 1);
	T_ERR(parse(b, n, REQ), GW_HTTP1_OK, "100 fields");
	T_INTEQ(hd.hd_nhdrs, GW_HTTP1_HEADERS_MAX, "all 100 kept");
	T_STREQ(value_of("X-099"), "y", "the last one is found");
	free(b);
	b = mkhead(&n, "GET", 0, GW_HTTP1_HEADERS_MAX + 1, 0, 1);
	T_ERR(parse(b, n, REQ), GW_HTTP1_E_TOO_MANY_HEADERS, "101 fields");
	T_ERR(parse(b, n - 2, REQ), GW_HTTP1_E_TOO_MANY_HEADERS,
	    "101 fields and no end yet: 431 already");
	free(b);

	lim = gw_http1_default_limits;
	lim.lm_head_max = 64;
	lim.lm_headers_max = 2;
	lim.lm_line_max = 24;
	T_ERR(gw_http1_parse_head(S("GET /0123456789 HTTP/1.1\r\nHost: a\r\n"
	    "\r\n"), REQ, &lim, &hd), GW_HTTP1_OK, "custom limits: at bound");
	T_ERR(gw_http1_parse_head(S("GET /01234567890 HTTP/1.1\r\nHost: a\r\n"
	    "\r\n"), REQ, &lim, &hd), GW_HTTP1_E_LINE_TOO_LONG,
	    "custom line limit");
	T_ERR(gw_http1_parse_head(S("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\n"
	    "B: 2\r\n\r\n"), REQ, &lim, &hd), GW_HTTP1_E_TOO_MANY_HEADERS,
	    "custom field limit");
	T_ERR(gw_http1_parse_head(S("GET / HTTP/1.1\r\nHost: a\r\nA: "
	    "0123456789012345678901234567890123\r\n\r\n"), REQ, &lim, &hd),
	    GW_HTTP1_E_HEAD_TOO_LARGE, "custom head limit");
	T_ERR(gw_http1_parse_head(S("HTTP/1.1 200 0123456789ab\r\n\r\n"), RESP,
	    &lim, &hd), GW_HTTP1_E_LINE_TOO_LONG,
	    "the line limit holds for status lines too");

	lim = gw_http1_default_limits;
	lim.lm_head_max = 200 * 1024;
	lim.lm_headers_max = 1000;
	lim.lm_line_max = GW_HTTP1_LINE_MAX;
	b = mkhead(&n, "GET", 0, GW_HTTP1_HDRS_CAP + 1, 0, 1);
	T_ERR(gw_http1_parse_head(b, n, REQ, &lim, &hd),
	    GW_HTTP1_E_TOO_MANY_HEADERS, "lm_headers_max is capped at %d",
	    GW_HTTP1_HDRS_CAP);
	free(b);
	b = mkhead(&n, "GET", 0, 1, 90 * 1024, 1);
	T_ERR(gw_http1_parse_head(b, n, REQ, &lim, &hd),
	    GW_HTTP1_E_HEAD_TOO_LARGE,
	    "over http-parser's own 80 KiB: still 431");
	free(b);
}

/* Every prefix of a valid head is NEED_MORE, the whole head is OK. */
static void
prefixes(const char *m, size_t n, enum gw_http1_type type, const char *what)
{
	size_t			i, bad = 0;
	enum gw_http1_err	e;

	for (i = 0; i < n; i++)
		if ((e = parse(m, i, type)) != GW_HTTP1_NEED_MORE) {
			if (bad++ == 0)
				printf("# prefix %zu: %s\n", i,
				    gw_http1_err_str(e));
		}
	T_INTEQ(bad, 0, "%s: all %zu prefixes need more", what, n);
	T_ERR(parse(m, n, type), GW_HTTP1_OK, "%s: the whole head parses",
	    what);
	T_INTEQ(hd.hd_len, n, "%s: hd_len is the whole", what);
}

static void
test_need_more(void)
{
	static const char	r1[] = "POST /up?x=1 HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: gzip, chunked\r\nX-Empty:\r\n"
	    "Connection: keep-alive\r\n\r\n";
	static const char	r2[] = "\r\n\r\nGET / HTTP/1.0\r\n\r\n";
	static const char	r3[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 5\r\nSet-Cookie: a=b\r\n\r\n";

	prefixes(S(r1), REQ, "chunked POST");
	prefixes(S(r2), REQ, "1.0 GET after empty lines");
	prefixes(S(r3), RESP, "200 response");
	T_ERR(parse(NULL, 0, REQ), GW_HTTP1_NEED_MORE, "no bytes: more");
}

static void
test_body_length(void)
{
	static const char	m[] = "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 10\r\n\r\n0123456789GET / HTTP/1.1\r\n";
	struct gw_http1_body	bd;
	const char		*body;
	size_t			i, n;
	ssize_t			r;
	int			ok = 1, done;

	T_ERR(parse(S(m), REQ), GW_HTTP1_OK, "POST with 10 bytes");
	body = m + hd.hd_len;
	n = sizeof(m) - 1 - hd.hd_len;
	gw_http1_body_init(&bd, &hd, HTTP_GET);
	T_INTEQ(bd.bd_framing, GW_HTTP1_BODY_LENGTH, "LENGTH framing");
	for (i = 0; i < 10; i++) {
		r = gw_http1_body_feed(&bd, body + i, 1);
		if (r != 1 || bd.bd_done != (i == 9))
			ok = 0;
	}
	T_OK(ok, "byte by byte: one each, done at the tenth");
	T_INTEQ(gw_http1_body_feed(&bd, body + 10, n - 10), 0,
	    "after the end: nothing more belongs to it");
	T_INTEQ(feed_steps(body, n, HTTP_GET, 0, &done), 10,
	    "all at once: stops at 10 (pipelined bytes follow)");
	T_INTEQ(done, 1, "and is done");
	T_INTEQ(feed_steps(body, 4, HTTP_GET, 0, &done), 4,
	    "part of it: all consumed");
	T_INTEQ(done, 0, "not done yet");

	T_ERR(parse(S("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n"
	    "\r\n"), REQ), GW_HTTP1_OK, "Content-Length 0");
	gw_http1_body_init(&bd, &hd, HTTP_GET);
	T_OK(bd.bd_framing == GW_HTTP1_BODY_LENGTH && bd.bd_done,
	    "length 0 is done at once");
	T_INTEQ(gw_http1_body_feed(&bd, S("GET")), 0, "and takes nothing");

	T_ERR(parse(S("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), REQ), GW_HTTP1_OK,
	    "GET");
	gw_http1_body_init(&bd, &hd, HTTP_GET);
	T_OK(bd.bd_framing == GW_HTTP1_BODY_NONE && bd.bd_done,
	    "a request without CL or TE has no body");
	T_INTEQ(gw_http1_body_feed(&bd, S("GET / HTTP/1.1\r\n")), 0,
	    "NONE consumes nothing");
}

/* The same body fed at once, at every split in two and byte by byte. */
static void
chunked_splits(const char *b, size_t n, ssize_t want, const char *what)
{
	struct gw_http1_body	bd;
	size_t			i, bad = 0;
	ssize_t			r1, r2, r;
	int			done;

	r = feed_steps(b, n, HTTP_GET, 0, &done);
	T_INTEQ(r, want, "%s: at once", what);
	T_INTEQ(done, want >= 0, "%s: done at once", what);
	r = feed_steps(b, n, HTTP_GET, 1, &done);
	T_INTEQ(r, want, "%s: byte by byte", what);
	T_INTEQ(done, want >= 0, "%s: done byte by byte", what);
	for (i = 1; i < n; i++) {
		gw_http1_body_init(&bd, &hd, HTTP_GET);
		r1 = gw_http1_body_feed(&bd, b, i);
		if (r1 < 0) {
			if (want >= 0)
				bad++;
			continue;
		}
		r2 = bd.bd_done ? 0 : gw_http1_body_feed(&bd, b + r1, n - r1);
		if (want >= 0 ? r2 < 0 || r1 + r2 != want || !bd.bd_done :
		    r2 >= 0)
			bad++;
	}
	T_INTEQ(bad, 0, "%s: every split in two agrees", what);
}

static void
test_body_chunked(void)
{
	static const char	head[] = "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	static const char	body[] = "5;name=val;q=\"a b\"\r\nhello\r\n"
	    "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n"
	    "0000a ;x\r\n0123456789\r\n"
	    "0\r\nX-Trailer: v\r\nChecksum: \t1 2\r\n\r\n";
	static const char	piped[] = "5\r\nhello\r\n0\r\n\r\n"
	    "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct gw_http1_body	bd;
	char			*big;
	size_t			n;
	int			done;

	T_ERR(parse(S(head), REQ), GW_HTTP1_OK, "chunked POST");
	gw_http1_body_init(&bd, &hd, HTTP_GET);
	T_INTEQ(bd.bd_framing, GW_HTTP1_BODY_CHUNKED, "CHUNKED framing");
	T_INTEQ(bd.bd_done, 0, "not done before any byte");
	T_INTEQ(gw_http1_body_feed(&bd, "", 0), 0, "0 bytes: nothing, "
	    "and no end of stream for http-parser");
	T_OK(bd.bd_err == GW_HTTP1_OK && !bd.bd_done, "still fine");

	chunked_splits(S(body), sizeof(body) - 1,
	    "extensions, hex sizes, trailers");
	chunked_splits(S(piped), 15, "pipelined request after the body");
	chunked_splits(S("0\r\n\r\n"), 5, "an empty body");

	/* What http-parser's lax build takes in a chunked body. */
#define BODY_GAP(bytes, what) do {					\
	static const char m_[] = "POST / HTTP/1.1\r\nHost: a\r\n"	\
	    "Transfer-Encoding: chunked\r\n\r\n" bytes;			\
	int c_;								\
	T_OK(hp_accepts(S(m_), REQ, &c_) && c_ == 1,			\
	    "gap: http-parser alone takes a body with %s", (what));	\
	chunked_splits(S(bytes), -1, "gap closed: " what);		\
} while (0)
	BODY_GAP("5\r\nhelloXX0\r\n\r\n", "no CRLF after chunk-data");
	BODY_GAP("5\r\nhello\rX0\r\n\r\n", "CR and no LF after chunk-data");
	BODY_GAP("5\rXhello\r\n0\r\n\r\n", "CR and no LF after the size");
	BODY_GAP("5;a\nb\r\nhello\r\n0\r\n\r\n", "a bare LF in an extension");
	BODY_GAP("5;a\x01\r\nhello\r\n0\r\n\r\n", "a CTL in an extension");
	BODY_GAP("5 \r\nhello\r\n0\r\n\r\n", "a space after the size, no ;");
	BODY_GAP("0\r\nX : y\r\n\r\n", "space before colon in a trailer");
	BODY_GAP("0\r\nX: y\n\n", "bare LF in trailers");
	BODY_GAP("0\r\nX: a\r\n b\r\n\r\n", "obs-fold in a trailer");
	BODY_GAP("0\r\nX Y: a\r\n\r\n", "a space in a trailer name");
#undef BODY_GAP

	/* What both refuse. */
	chunked_splits(S("x\r\n\r\n"), -1, "a size that is no hex");
	chunked_splits(S("0x5\r\nhello\r\n0\r\n\r\n"), -1, "0x5");
	chunked_splits(S("5\nhello\r\n0\r\n\r\n"), -1, "bare LF after size");
	chunked_splits(S("\r\n0\r\n\r\n"), -1, "an empty size");
	chunked_splits(S("-5\r\nhello\r\n0\r\n\r\n"), -1, "a negative size");
	chunked_splits(S("ffffffffffffffffff\r\n"), -1, "a size overflow");
	chunked_splits(S("8000000000000000\r\n"), -1, "a size of 2^63");
	chunked_splits(S("0\r\n\n"), -1, "bare LF at the end");

	/* Limits on lines: extensions and trailers. */
	n = 5000;
	if ((big = malloc(n + 16)) == NULL)
		abort();
	memcpy(big, "1;", 2);
	memset(big + 2, 'e', n);
	memcpy(big + 2 + n, "\r\nx\r\n", 5);
	T_INTEQ(feed_steps(big, n + 7, HTTP_GET, 0, &done), -1,
	    "a chunk-size line of 5 KB is refused");
	free(big);
	n = 70000;
	if ((big = malloc(n + 16)) == NULL)
		abort();
	memcpy(big, "0\r\nX: ", 6);
	memset(big + 6, 'v', n);
	memcpy(big + 6 + n, "\r\n\r\n", 4);
	T_INTEQ(feed_steps(big, n + 10, HTTP_GET, 0, &done), -1,
	    "trailers over 64 KiB are refused");
	free(big);

	gw_http1_body_init(&bd, &hd, HTTP_GET);
	T_INTEQ(gw_http1_body_feed(&bd, S("zz")), -1, "a bad byte: -1");
	T_ERR(bd.bd_err, GW_HTTP1_E_BODY, "bd_err says why");
	T_INTEQ(gw_http1_body_feed(&bd, S("0\r\n\r\n")), -1,
	    "and it sticks");
}

static void
test_pipelining(void)
{
	static const char	m[] = "POST /1 HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 3\r\n\r\nabc"
	    "POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\ndef\r\n0\r\n\r\n"
	    "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n"
	    "GET /4 HT";
	const char		*targets[] = { "/1", "/2", "/3" };
	struct gw_http1_body	bd;
	size_t			off = 0, i;
	ssize_t			r;

	for (i = 0; i < 3; i++) {
		T_ERR(parse(m + off, sizeof(m) - 1 - off, REQ), GW_HTTP1_OK,
		    "pipelined request %zu", i + 1);
		T_STREQ(str(hd.hd_target, hd.hd_target_len), targets[i],
		    "request %zu target", i + 1);
		off += hd.hd_len;
		gw_http1_body_init(&bd, &hd, HTTP_GET);
		r = gw_http1_body_feed(&bd, m + off, sizeof(m) - 1 - off);
		T_OK(r >= 0 && bd.bd_done, "request %zu body ends", i + 1);
		off += r;
	}
	T_ERR(parse(m + off, sizeof(m) - 1 - off, REQ), GW_HTTP1_NEED_MORE,
	    "the fourth is not complete yet");
	T_STREQ(str(m + off, 9), "GET /4 HT", "and starts where it should");
}

static void
test_response_framing(void)
{
	static const char	cl[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 4\r\n\r\n";
	static const char	ch[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n";
	struct gw_http1_body	bd;
	int			done;

	T_ERR(parse(S(cl), RESP), GW_HTTP1_OK, "200 with length");
	gw_http1_body_init(&bd, &hd, HTTP_HEAD);
	T_OK(bd.bd_framing == GW_HTTP1_BODY_NONE && bd.bd_done,
	    "answer to HEAD: no body whatever CL says");
	T_INTEQ(gw_http1_body_feed(&bd, S("HTTP/1.1 200 OK\r\n")), 0,
	    "HEAD answer consumes nothing");
	gw_http1_body_init(&bd, &hd, HTTP_GET);
	T_OK(bd.bd_framing == GW_HTTP1_BODY_LENGTH && bd.bd_left == 4,
	    "answer to GET: 4 bytes");
	T_INTEQ(feed_steps(S("abcdHTTP/1.1"), HTTP_GET, 1, &done), 4,
	    "4 bytes, byte by byte");

	T_ERR(parse(S(ch), RESP), GW_HTTP1_OK, "200 chunked");
	gw_http1_body_init(&bd, &hd, HTTP_HEAD);
	T_INTEQ(bd.bd_framing, GW_HTTP1_BODY_NONE, "chunked answer to HEAD");
	gw_http1_body_init(&bd, &hd, HTTP_POST);
	T_INTEQ(bd.bd_framing, GW_HTTP1_BODY_CHUNKED, "chunked answer to POST");
	chunked_splits(S("4\r\nabcd\r\n0\r\n\r\nHTTP/1.1 200"), 14,
	    "chunked response then the next");

	T_ERR(parse(S("HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\n"),
	    RESP), GW_HTTP1_OK, "204 with a length");
	gw_http1_body_init(&bd, &hd, HTTP_GET);
	T_OK(bd.bd_framing == GW_HTTP1_BODY_NONE && bd.bd_done, "204: none");
	T_ERR(parse(S("HTTP/1.1 304 Not Modified\r\nContent-Length: 4\r\n"
	    "\r\n"), RESP), GW_HTTP1_OK, "304 with a length");
	gw_http1_body_init(&bd, &hd, HTTP_GET);
	T_OK(bd.bd_framing == GW_HTTP1_BODY_NONE && bd.bd_done, "304: none");
	T_ERR(parse(S("HTTP/1.1 100 Continue\r\n\r\n"), RESP), GW_HTTP1_OK,
	    "100 Continue");
	gw_http1_body_init(&bd, &hd, HTTP_PUT);
	T_OK(bd.bd_framing == GW_HTTP1_BODY_NONE && bd.bd_done, "1xx: none");
	T_ERR(parse(S("HTTP/1.1 103 Early Hints\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n"), RESP), GW_HTTP1_OK, "103 claiming chunked");
	gw_http1_body_init(&bd, &hd, HTTP_GET);
	T_INTEQ(bd.bd_framing, GW_HTTP1_BODY_NONE, "1xx: none even so");

	T_ERR(parse(S("HTTP/1.0 200 OK\r\nServer: x\r\n\r\n"), RESP),
	    GW_HTTP1_OK, "200 without length");
	gw_http1_body_init(&bd, &hd, HTTP_GET);
	T_OK(bd.bd_framing == GW_HTTP1_BODY_CLOSE && !bd.bd_done,
	    "close-delimited");
	T_INTEQ(gw_http1_body_feed(&bd, S("everything, HTTP/1.1 200 too")),
	    28, "CLOSE takes every byte");
	T_INTEQ(bd.bd_done, 0, "and ends only at close");
	T_INTEQ(gw_http1_body_feed(&bd, "", 0), 0, "0 bytes: 0");
}

int
main(void)
{
	test_strings();
	test_good_request();
	test_find_tokens();
	test_field_kinds();
	test_syntax();
	test_gaps();
	test_framing_fields();
	test_responses();
	test_limits();
	test_need_more();
	test_body_length();
	test_body_chunked();
	test_pipelining();
	test_response_framing();
	return t_done();
}
