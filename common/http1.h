/*
 * http1: HTTP/1.x message heads and body framing, strictly.
 *
 * A pure wrapper (no I/O, no allocation on the request path) around
 * http-parser 2.9.4 that adds the checks it lacks, so that gwproxy never
 * forwards a message two parsers could read differently (request
 * smuggling, RFC 9112 section 11.2).  It is the fuzz target.
 *
 * Heads: gw_http1_parse_head() takes the bytes received so far on a
 * connection and either finds a complete, valid head (every header located
 * by pointers into those bytes) or says more bytes are needed or why the
 * head is refused.  On top of http-parser's own checks it refuses:
 *   - a bare LF as line end (RFC 9112 2.2: only CRLF here);
 *   - whitespace between a field name and the colon (RFC 9112 5.1);
 *   - obs-fold, a field line starting with SP or HTAB (RFC 9112 5.2);
 *   - field names that are not tokens, values with CTLs other than HTAB
 *     (RFC 9110 5.5), NUL anywhere;
 *   - Content-Length with Transfer-Encoding; several Content-Length
 *     values that differ or are not all digits (RFC 9112 6.3);
 *   - a HTAB in a Content-Length, Transfer-Encoding, Connection or
 *     Proxy-Connection field (http-parser reads "chunked<HTAB>" as not
 *     chunked), and Content-Length with a
 *     field whose name begins with Transfer-Encoding (http-parser takes
 *     "Transfer-EncodingX" for Transfer-Encoding there), and a coding
 *     that is a part of "chunked" right before a comma ("ch, chunked",
 *     where http-parser misses the chunked), and in a Connection list an
 *     empty element or a part of close, keep-alive or upgrade right
 *     before a comma;
 *   - a Transfer-Encoding whose last coding is not chunked, or that
 *     names chunked twice (RFC 9112 6.3, 7);
 *   - several Host fields, or none in an HTTP/1.1 request (RFC 9112 3.2);
 *   - a request line longer than lim->lm_line_max (414), a head longer than
 *     lim->lm_head_max or with more than lim->lm_headers_max fields (431);
 *   - HTTP versions other than 1.0 and 1.1.
 *
 * Proxy-Connection is read as Connection (close, keep-alive, upgrade), as
 * http-parser reads it.
 *
 * Bodies: struct gw_http1_body follows the framing of the message whose
 * head was parsed (Content-Length, chunked, none, or until close for a
 * response) over the raw bytes that follow, without copying them, so the
 * caller can forward those bytes unchanged and knows where the message
 * ends (pipelining, keep-alive).
 */
#ifndef GW_HTTP1_H
#define GW_HTTP1_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <http_parser.h>

/* Defaults of struct gw_http1_limits, as RFC 9110 21 and the issue ask. */
#define GW_HTTP1_HEAD_MAX	(64 * 1024)	/* whole head, bytes: 431 */
#define GW_HTTP1_HEADERS_MAX	100		/* field lines: 431 */
#define GW_HTTP1_LINE_MAX	(8 * 1024)	/* request line, bytes: 414 */
/* Room in struct gw_http1_head; lm_headers_max may not exceed it. */
#define GW_HTTP1_HDRS_CAP	128

struct gw_http1_limits {
	size_t	lm_head_max;
	size_t	lm_headers_max;
	size_t	lm_line_max;
	/*
	 * 1 (the default): after our strict scan, http-parser reads the head
	 * too and must see the same message, a second opinion against a bug
	 * in the scan.  It doubles the cost of a head; a caller that trusts
	 * the sender more than a client (gwproxy, for its backends' responses)
	 * may turn it off and keep every check of the scan.
	 */
	int	lm_crosscheck;
};

/* The limits above, ready to use. */
extern const struct gw_http1_limits gw_http1_default_limits;

enum gw_http1_type {
	GW_HTTP1_REQUEST,
	GW_HTTP1_RESPONSE
};

/* Outcomes of parsing; the strings are in gw_http1_err_str(). */
enum gw_http1_err {
	GW_HTTP1_OK = 0,
	GW_HTTP1_NEED_MORE,		/* no end of head yet, within limits */
	GW_HTTP1_E_SYNTAX,		/* malformed line or field: 400 */
	GW_HTTP1_E_BARE_LF,		/* LF without CR: 400 */
	GW_HTTP1_E_SPACE_BEFORE_COLON,	/* 400 */
	GW_HTTP1_E_OBS_FOLD,		/* 400 */
	GW_HTTP1_E_FIELD_NAME,		/* not a token: 400 */
	GW_HTTP1_E_FIELD_VALUE,		/* CTL or NUL in a value: 400 */
	GW_HTTP1_E_VERSION,		/* not HTTP/1.0 or 1.1: 505 */
	GW_HTTP1_E_METHOD,		/* unknown method: 501 for a request */
	GW_HTTP1_E_CL_TE,		/* Content-Length and Transfer-Encoding */
	GW_HTTP1_E_CONTENT_LENGTH,	/* malformed or differing values */
	GW_HTTP1_E_TRANSFER_ENCODING,	/* last coding not chunked, ... */
	GW_HTTP1_E_HOST,		/* several Host, or none in 1.1 */
	GW_HTTP1_E_LINE_TOO_LONG,	/* request line: 414 */
	GW_HTTP1_E_HEAD_TOO_LARGE,	/* head bytes: 431 */
	GW_HTTP1_E_TOO_MANY_HEADERS,	/* field lines: 431 */
	GW_HTTP1_E_STATUS,		/* response status not 100..599 */
	GW_HTTP1_E_BODY			/* body framing broken (bad chunk) */
};

/* A short phrase for logs and the X-Gw-Error detail: "bare LF". */
const char	*gw_http1_err_str(enum gw_http1_err e);
/* The status gwproxy answers a request head error with: 400, 414, 431... */
int		 gw_http1_err_status(enum gw_http1_err e);

/*
 * The fields the parser and a proxy act on, recognised once per field
 * line while it is scanned, so that nobody compares names again.
 */
enum gw_http1_field {
	GW_HF_OTHER = 0,
	GW_HF_CONNECTION,
	GW_HF_CONTENT_LENGTH,
	GW_HF_EXPECT,
	GW_HF_HOST,
	GW_HF_KEEP_ALIVE,
	GW_HF_PROXY_CONNECTION,
	GW_HF_TE,
	GW_HF_TRAILER,
	GW_HF_TRANSFER_ENCODING,
	GW_HF_UPGRADE,
	GW_HF_X_FORWARDED_FOR,
	GW_HF_X_FORWARDED_HOST,
	GW_HF_X_FORWARDED_PROTO,
	GW_HF_X_REQUEST_ID
};

/* One field line; pointers into the parsed buffer, not terminated. */
struct gw_http1_hdr {
	const char		*h_name;
	size_t			 h_name_len;
	const char		*h_value;	/* leading and trailing OWS removed */
	size_t			 h_value_len;
	enum gw_http1_field	 h_kind;
};

struct gw_http1_head {
	enum gw_http1_type	 hd_type;
	size_t			 hd_len;	/* bytes, final CRLF CRLF included */
	int			 hd_major;
	int			 hd_minor;
	/* Requests. */
	enum http_method	 hd_method;
	const char		*hd_target;	/* request-target as sent */
	size_t			 hd_target_len;
	/* Responses. */
	int			 hd_status;
	/* Fields in order; Host etc. are also found by gw_http1_find(). */
	struct gw_http1_hdr	 hd_hdrs[GW_HTTP1_HDRS_CAP];
	size_t			 hd_nhdrs;
	/* What the fields say about the message, derived once. */
	int64_t			 hd_content_length;	/* -1: none */
	int			 hd_chunked;	/* Transfer-Encoding: chunked */
	int			 hd_keep_alive;	/* by version and Connection */
	int			 hd_upgrade;	/* Connection: upgrade + Upgrade */
	int			 hd_expect_continue; /* Expect: 100-continue */
	const struct gw_http1_hdr *hd_host;	/* NULL: none */
	const struct gw_http1_hdr *hd_upgrade_hdr; /* first Upgrade, or NULL */
	/*
	 * A Connection field names something other than close, keep-alive
	 * or a field that is hop-by-hop anyway: each field must then be
	 * looked up in those lists.
	 */
	int			 hd_conn_names;
};

/*
 * Parses the head at the start of buf[0..len) as a request or a response.
 * On GW_HTTP1_OK, hd describes it (pointers into buf; hd->hd_len bytes are
 * the head).  GW_HTTP1_NEED_MORE when the head is not complete yet and no
 * limit is exceeded so far.  Any other value: the head is refused.
 * lim may be NULL for the defaults.  Pure; safe on any bytes.
 */
enum gw_http1_err gw_http1_parse_head(const char *buf, size_t len,
		    enum gw_http1_type type, const struct gw_http1_limits *lim,
		    struct gw_http1_head *hd);

/* The first field named name (case-insensitive), or NULL. */
const struct gw_http1_hdr *gw_http1_find(const struct gw_http1_head *hd,
		    const char *name);
/* The first field of that kind (not GW_HF_OTHER), or NULL. */
const struct gw_http1_hdr *gw_http1_find_kind(const struct gw_http1_head *hd,
		    enum gw_http1_field kind);
/* 1 when the comma-separated list value of h holds token (any case). */
int		 gw_http1_hdr_has_token(const struct gw_http1_hdr *h,
		    const char *token);
/* The kind of field name[0..len), any case: GW_HF_OTHER when none. */
enum gw_http1_field gw_http1_field_kind(const char *name, size_t len);
/*
 * 1 when field h of hd is hop-by-hop for a proxy: as
 * gw_http1_is_hop_by_hop(), without comparing names in the common case.
 */
int		 gw_http1_hdr_is_hop(const struct gw_http1_head *hd,
		    const struct gw_http1_hdr *h);
/*
 * 1 when a field of that name is hop-by-hop for a proxy: the fixed set of
 * RFC 9110 7.6.1 (Connection, Keep-Alive, Proxy-Connection, TE, Trailer,
 * Transfer-Encoding, Upgrade) or a name listed in any Connection field of
 * hd.  A proxy drops them when it forwards the head.
 */
int		 gw_http1_is_hop_by_hop(const struct gw_http1_head *hd,
		    const char *name, size_t name_len);

/*
 * Body framing of one message.  Initialise from its parsed head: for a
 * response, req_method is the method of the request it answers (HEAD
 * means no body whatever the fields say) and 1xx, 204 and 304 have none.
 */
enum gw_http1_framing {
	GW_HTTP1_BODY_NONE,
	GW_HTTP1_BODY_LENGTH,	/* Content-Length bytes */
	GW_HTTP1_BODY_CHUNKED,
	GW_HTTP1_BODY_CLOSE	/* response until the connection closes */
};

struct gw_http1_body {
	enum gw_http1_framing	 bd_framing;
	int64_t			 bd_left;	/* LENGTH: bytes still to come */
	int			 bd_done;	/* the message is complete */
	enum gw_http1_err	 bd_err;
	http_parser		 bd_parser;	/* CHUNKED: tracks the chunks */
	http_parser_settings	 bd_settings;
	/* CHUNKED: our stricter scan of the same bytes; private. */
	int			 bd_state;
	size_t			 bd_count;	/* size line or trailer bytes */
};

void		 gw_http1_body_init(struct gw_http1_body *bd,
		    const struct gw_http1_head *hd, enum http_method req_method);
/*
 * Consumes body bytes from p[0..n): returns how many belong to this
 * message (the caller forwards exactly those), setting bd->bd_done when
 * the message ended inside them; bytes after it belong to the next
 * message.  Returns -1 with bd->bd_err set on broken framing.  For
 * GW_HTTP1_BODY_CLOSE every byte belongs to the message; the caller ends
 * it at close.
 */
ssize_t		 gw_http1_body_feed(struct gw_http1_body *bd, const char *p,
		    size_t n);

#endif /* GW_HTTP1_H */
