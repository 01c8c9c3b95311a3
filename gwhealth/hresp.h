/*
 * hresp: judging the response to an http check, as pure functions over
 * the bytes received so far.
 *
 * The head is parsed by common/http1 (strict: what gwproxy would refuse
 * is a protocol error here too).  hresp adds what a check needs on top:
 * the expected status ranges as a set, and the search for the expected
 * text in the body: the body is followed with the framing of its head
 * (gw_http1_body_feed(): Content-Length, chunked or until close), chunked
 * data is decoded so a text split across chunks is found, and the search
 * looks at the first HRESP_BODY_MAX bytes only, so a huge or endless body
 * costs a bounded amount of memory and time.  And it tells where the
 * response ends and whether its connection may carry the next check
 * (hresp_end_*).  No I/O here: check.c reads the socket and feeds what it
 * got.
 */
#ifndef GWHEALTH_HRESP_H
#define GWHEALTH_HRESP_H

#include <stddef.h>
#include <stdint.h>

#include "http1.h"

/*
 * Body bytes searched for the expected text: health endpoints answer a
 * few hundred bytes; a body that does not say it in 64 KiB fails.
 */
#define HRESP_BODY_MAX		(64 * 1024)
/* Statuses a check can expect: 100..599 (confval.c's range). */
#define HRESP_STATUS_MIN	100
#define HRESP_STATUS_MAX	599

/* A set of statuses, one bit each. */
struct hresp_status_set {
	uint8_t	ss_bits[(HRESP_STATUS_MAX + 1 + 7) / 8];
};

/*
 * Fills set from status ranges text as the config keeps it ("200-399",
 * "200,204,300-302").  Returns 0, or -1 with *errstr for text that is not
 * such a list (validation keeps it from the DB; a hand edit may not).
 */
int	 hresp_status_parse(const char *text, struct hresp_status_set *set,
	    const char **errstr);
int	 hresp_status_ok(const struct hresp_status_set *set, int status);

/* Outcome of feeding body bytes. */
enum hresp_verdict {
	HRESP_MORE,		/* not decided; feed more, or call _eof */
	HRESP_FOUND,		/* the expected text is in the body */
	HRESP_MISMATCH,		/* the body (or its first part) lacks it */
	HRESP_BAD		/* broken framing, or the body cut short */
};

/* The body search of one response.  Zero it with hresp_body_init(). */
struct hresp_body {
	struct gw_http1_body	 rb_fr;		/* framing, from the head */
	const char		*rb_needle;	/* borrowed; not empty */
	size_t			 rb_nlen;
	char			*rb_buf;	/* owned; decoded body bytes */
	size_t			 rb_len;
	size_t			 rb_cap;
	/* Chunked decoding of the bytes rb_fr accepted: private. */
	int			 rb_cstate;
	uint64_t		 rb_cleft;	/* chunk bytes left */
};

/*
 * Starts the search for needle (borrowed for the search's life, length
 * 1..HRESP_BODY_MAX) in the body of the response whose head is hd, to a
 * request made with req_method.
 */
void	 hresp_body_init(struct hresp_body *rb,
	    const struct gw_http1_head *hd, enum http_method req_method,
	    const char *needle);
/* Feeds the next n body bytes (any split); the verdict so far. */
enum hresp_verdict hresp_body_feed(struct hresp_body *rb, const char *p,
	    size_t n);
/* The connection closed: the verdict on what came. */
enum hresp_verdict hresp_body_eof(struct hresp_body *rb);
void	 hresp_body_free(struct hresp_body *rb);

/* Whether the connection of a response can carry the next check. */
enum hresp_reuse {
	HRESP_REUSE_MORE,	/* the body is not all in yet: feed more */
	HRESP_REUSE_YES,	/* complete, and the connection persists */
	HRESP_REUSE_NO		/* it does not: close it */
};

/*
 * The end of one response, followed to tell whether its connection can
 * be kept (RFC 9112 9.3 and 9.6): it can when the response lets it
 * persist (HTTP/1.1 without "close", or HTTP/1.0 with "keep-alive"), its
 * body is delimited by Content-Length or chunked (or it has none) and has
 * been read to its end, no byte follows it, and the body is at most
 * HRESP_BODY_MAX bytes (more is not read: the connection is closed).
 * Keeps no body bytes.
 */
struct hresp_end {
	struct gw_http1_body	 re_fr;		/* framing, from the head */
	int			 re_persist;	/* the head allows reuse */
	uint64_t		 re_len;	/* body bytes so far */
	enum hresp_reuse	 re_state;
};

void	 hresp_end_init(struct hresp_end *re, const struct gw_http1_head *hd,
	    enum http_method req_method);
/*
 * Feeds the next n bytes after the head (any split; n may be 0); the
 * answer so far.  Once YES or NO, it stays so (bytes fed after YES make
 * it NO: something follows the response).
 */
enum hresp_reuse hresp_end_feed(struct hresp_end *re, const char *p,
	    size_t n);

#endif /* GWHEALTH_HRESP_H */
