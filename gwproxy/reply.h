/*
 * reply: the heads gwproxy writes.  The request it sends upstream and the
 * response it sends back are the received heads with the hop-by-hop fields
 * dropped (RFC 9110 7.6.1), X-Forwarded-For/-Proto/-Host and X-Request-Id
 * set, and the route's header edits applied (remove, then set, then add,
 * each in the stored order).  The body is not touched: its framing field
 * (Content-Length or Transfer-Encoding: chunked) is kept, and its bytes
 * are relayed as received.  Errors gwproxy generates itself are one table
 * (px_errors), listed in gwproxy(8) DIAGNOSTICS.
 */
#ifndef GWPROXY_REPLY_H
#define GWPROXY_REPLY_H

#include <stddef.h>

#include "config.h"
#include "http1.h"
#include "str.h"

enum px_error {
	PX_E_NONE,
	PX_E_NO_ROUTE,			/* 404 */
	PX_E_NO_HEALTHY_BACKEND,	/* 503 */
	PX_E_UPSTREAM_CONNECT_FAILED,	/* 502 */
	PX_E_UPSTREAM_RESET,		/* 502 */
	PX_E_UPSTREAM_PROTOCOL_ERROR,	/* 502 */
	PX_E_UPSTREAM_TIMEOUT,		/* 504 */
	PX_E_CLIENT_TIMEOUT,		/* 408 */
	PX_E_BAD_REQUEST,		/* 400, 501, 505 */
	PX_E_TOO_LARGE,			/* 431, 414 */
	PX_E_OVERLOADED,		/* 503: circuit breaker open */
	PX_E_SHUTTING_DOWN		/* 503: draining */
};

struct px_error_info {
	const char	*pe_code;	/* "no_route": X-Gw-Error and JSON */
	int		 pe_status;
	const char	*pe_text;	/* one line for people */
};
extern const struct px_error_info px_errors[];

/* The reason phrase of a status code, "Unknown" for others. */
const char	*reply_reason(int status);

/* What reply_request_head() needs besides the head itself. */
struct reply_req {
	const struct gw_http1_head	*rr_head;	/* the client's */
	const struct gw_route		*rr_route;	/* edits, rewrite */
	const char			*rr_client_ip;
	const char			*rr_request_id;
	int				 rr_add_request_id; /* absent */
	const char			*rr_target;	/* origin form */
	size_t				 rr_target_len;
	/* An absolute-form target's host: replaces Host, or NULL. */
	const char			*rr_host;
	size_t				 rr_host_len;
};

/* Appends the request head to send upstream to out. */
void	reply_request_head(struct gw_buf *out, const struct reply_req *rr);

/*
 * Appends the response head to send to the client: hd is the backend's
 * head (hd_len bytes at raw), close says the client connection closes
 * after this response, keep10 that an HTTP/1.0 client keeps it open.
 */
void	reply_response_head(struct gw_buf *out, const char *raw,
	    const struct gw_http1_head *hd, const struct gw_route *rt,
	    const char *request_id, int close, int keep10);

/*
 * Appends a complete error response: a JSON body
 * {"error":"CODE","status":N,"request_id":"..."}, the X-Gw-Error and
 * X-Request-Id fields.  status overrides the table's when not 0 (414 and
 * 431 for too_large, 501 and 505 for bad_request).
 */
void	reply_error(struct gw_buf *out, enum px_error e, int status,
	    const char *request_id, int close);

#endif /* GWPROXY_REPLY_H */
