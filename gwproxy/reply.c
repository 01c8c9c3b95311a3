/*
 * reply: composing the heads gwproxy writes; see reply.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>


#include "config.h"
#include "http1.h"
#include "reply.h"
#include "route.h"
#include "str.h"

const struct px_error_info px_errors[] = {
	[PX_E_NONE] = { "none", 200, "no error" },
	[PX_E_NO_ROUTE] = { "no_route", 404, "no route matches the request" },
	[PX_E_NO_HEALTHY_BACKEND] = { "no_healthy_backend", 503,
	    "the service has no healthy backend" },
	[PX_E_UPSTREAM_CONNECT_FAILED] = { "upstream_connect_failed", 502,
	    "no backend accepted the connection" },
	[PX_E_UPSTREAM_RESET] = { "upstream_reset", 502,
	    "the backend closed the connection before responding" },
	[PX_E_UPSTREAM_PROTOCOL_ERROR] = { "upstream_protocol_error", 502,
	    "the backend's response is not valid HTTP/1.1" },
	[PX_E_UPSTREAM_TIMEOUT] = { "upstream_timeout", 504,
	    "the backend did not respond in time" },
	[PX_E_CLIENT_TIMEOUT] = { "client_timeout", 408,
	    "the request head did not arrive in time" },
	[PX_E_BAD_REQUEST] = { "bad_request", 400,
	    "the request is not valid HTTP/1.1" },
	[PX_E_TOO_LARGE] = { "too_large", 431,
	    "the request line or head is too large" },
	[PX_E_OVERLOADED] = { "overloaded", 503,
	    "the service's circuit breaker is open" },
	[PX_E_SHUTTING_DOWN] = { "shutting_down", 503,
	    "gwproxy is shutting down" },
};

const char *
reply_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/*
 * Appends the pieces of a field line without printf(3): on the request
 * path formatting was a tenth of the work.
 */
#define PUTS(out, s)	gw_buf_append((out), (s), sizeof(s) - 1)

static void
put_field(struct gw_buf *out, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	gw_buf_append(out, name, nlen);
	PUTS(out, ": ");
	gw_buf_append(out, value, vlen);
	PUTS(out, "\r\n");
}

static int
name_is(const struct gw_http1_hdr *h, const char *name)
{
	return strlen(name) == h->h_name_len &&
	    strncasecmp(h->h_name, name, h->h_name_len) == 0;
}

/* 1 when a route edit of phase sets or removes the field h. */
static int
edited_away(const struct gw_route *rt, int phase, const struct gw_http1_hdr *h)
{
	const struct gw_hdr_edit	*he;
	size_t				 i;

	if (rt == NULL || rt->rt_nedits == 0)
		return 0;
	for (i = 0; i < rt->rt_nedits; i++) {
		he = &rt->rt_edits[i];
		if (he->he_phase == phase && he->he_op != GW_EDIT_ADD &&
		    name_is(h, he->he_name))
			return 1;
	}
	return 0;
}

static void
add_edits(struct gw_buf *out, const struct gw_route *rt, int phase)
{
	const struct gw_hdr_edit	*he;
	size_t				 i;

	for (i = 0; rt != NULL && i < rt->rt_nedits; i++) {
		he = &rt->rt_edits[i];
		if (he->he_phase == phase && he->he_op != GW_EDIT_REMOVE)
			put_field(out, he->he_name, strlen(he->he_name),
			    he->he_value, strlen(he->he_value));
	}
}

/*
 * Fields a proxy drops (RFC 9110 7.6.1), except Transfer-Encoding: the
 * body goes through as received, so its framing field must too.
 */
static int
drop_hop(const struct gw_http1_head *hd, const struct gw_http1_hdr *h)
{
	return h->h_kind != GW_HF_TRANSFER_ENCODING &&
	    gw_http1_hdr_is_hop(hd, h);
}

/*
 * Field lines forwarded as received go out in runs: lines that follow
 * each other in the received head are one memcpy, not four appends each
 * (name, colon, value, CRLF).  A run holds whole lines, CRLF included.
 */
struct run {
	const char	*ru_start;	/* NULL: empty */
	const char	*ru_end;
};

static void
run_flush(struct gw_buf *out, struct run *ru)
{
	if (ru->ru_start != NULL)
		gw_buf_append(out, ru->ru_start,
		    (size_t)(ru->ru_end - ru->ru_start));
	ru->ru_start = NULL;
}

/* Adds field line h, a line of a head gw_http1_parse_head() accepted. */
static void
run_add(struct gw_buf *out, struct run *ru, const struct gw_http1_hdr *h)
{
	const char	*e = h->h_value + h->h_value_len;

	/* Only trailing OWS lies between the value and CRLF (http1.c). */
	while (*e != '\r')
		e++;
	e += 2;
	if (ru->ru_start != NULL && ru->ru_end == h->h_name) {
		ru->ru_end = e;
		return;
	}
	run_flush(out, ru);
	ru->ru_start = h->h_name;
	ru->ru_end = e;
}

/* Whether reply_request_head() forwards field h as it came. */
static int
req_keep(const struct reply_req *rr, const struct gw_http1_hdr *h)
{
	switch (h->h_kind) {
	case GW_HF_X_FORWARDED_PROTO:
	case GW_HF_X_FORWARDED_HOST:
		return 0;
	case GW_HF_X_REQUEST_ID:
		if (rr->rr_add_request_id)
			return 0;
		break;
	case GW_HF_HOST:
		if (rr->rr_host != NULL)
			return 0;
		break;
	default:
		break;
	}
	return !drop_hop(rr->rr_head, h) &&
	    !edited_away(rr->rr_route, GW_PHASE_REQUEST, h);
}

void
reply_request_head(struct gw_buf *out, const struct reply_req *rr)
{
	const struct gw_http1_head	*hd = rr->rr_head;
	const struct gw_http1_hdr	*h, *up;
	/* The longest target, plus the longest rewrite. */
	char				 path[GW_HTTP1_LINE_MAX + GW_PATH_MAX];
	struct run			 ru = { NULL, NULL };
	size_t				 i, plen;
	int				 xff = 0;

	plen = route_rewrite(rr->rr_route, rr->rr_target, rr->rr_target_len,
	    path, sizeof(path));
	if (plen > sizeof(path))
		plen = sizeof(path);	/* cannot happen: see path's size */
	/*
	 * An HTTP/1.0 client's request goes up as 1.0 too, so the backend
	 * never answers it with chunked coding it could not take (RFC 9112
	 * 7.1), and asks to keep the connection.
	 */
	gw_buf_puts(out, http_method_str(hd->hd_method));
	PUTS(out, " ");
	gw_buf_append(out, path, plen);
	if (hd->hd_minor == 0)
		PUTS(out, " HTTP/1.0\r\n");
	else
		PUTS(out, " HTTP/1.1\r\n");
	for (i = 0; i < hd->hd_nhdrs; i++) {
		h = &hd->hd_hdrs[i];
		if (!req_keep(rr, h))
			continue;
		if (h->h_kind == GW_HF_X_FORWARDED_FOR) {
			xff = 1;	/* joined below */
			continue;
		}
		run_add(out, &ru, h);
	}
	run_flush(out, &ru);
	if (xff) {
		/* One field: the earlier hops in order, then this client. */
		PUTS(out, "X-Forwarded-For: ");
		for (i = 0; i < hd->hd_nhdrs; i++) {
			h = &hd->hd_hdrs[i];
			if (h->h_kind != GW_HF_X_FORWARDED_FOR ||
			    !req_keep(rr, h))
				continue;
			gw_buf_append(out, h->h_value, h->h_value_len);
			PUTS(out, ", ");
		}
		gw_buf_puts(out, rr->rr_client_ip);
		PUTS(out, "\r\n");
	} else
		put_field(out, "X-Forwarded-For", 15, rr->rr_client_ip,
		    strlen(rr->rr_client_ip));
	if (rr->rr_host != NULL)
		put_field(out, "Host", 4, rr->rr_host, rr->rr_host_len);
	PUTS(out, "X-Forwarded-Proto: http\r\n");
	if (hd->hd_host != NULL)
		put_field(out, "X-Forwarded-Host", 16, hd->hd_host->h_value,
		    hd->hd_host->h_value_len);
	if (rr->rr_add_request_id)
		put_field(out, "X-Request-Id", 12, rr->rr_request_id,
		    strlen(rr->rr_request_id));
	if (hd->hd_upgrade && (up = hd->hd_upgrade_hdr) != NULL)
		gw_buf_printf(out, "Connection: upgrade\r\n"
		    "Upgrade: %.*s\r\n", (int)up->h_value_len, up->h_value);
	else if (hd->hd_minor == 0)
		PUTS(out, "Connection: keep-alive\r\n");
	add_edits(out, rr->rr_route, GW_PHASE_REQUEST);
	gw_buf_append(out, "\r\n", 2);
}

void
reply_response_head(struct gw_buf *out, const char *raw,
    const struct gw_http1_head *hd, const struct gw_route *rt,
    const char *request_id, int close, int keep10)
{
	const struct gw_http1_hdr	*h, *up;
	const char			*sp, *eol;
	struct run			 ru = { NULL, NULL };
	size_t				 i;
	int				 has_id = 0;

	/* The status line as sent, but in our version. */
	sp = memchr(raw, ' ', hd->hd_len);
	eol = memchr(raw, '\r', hd->hd_len);
	if (sp == NULL || eol == NULL || sp > eol)
		gw_buf_printf(out, "HTTP/1.1 %d %s\r\n", hd->hd_status,
		    reply_reason(hd->hd_status));
	else {
		PUTS(out, "HTTP/1.1");
		/* With its CRLF, the start of the first run. */
		ru.ru_start = sp;
		ru.ru_end = eol + 2;
	}
	for (i = 0; i < hd->hd_nhdrs; i++) {
		h = &hd->hd_hdrs[i];
		if (drop_hop(hd, h) || edited_away(rt, GW_PHASE_RESPONSE, h))
			continue;
		if (h->h_kind == GW_HF_X_REQUEST_ID)
			has_id = 1;
		run_add(out, &ru, h);
	}
	run_flush(out, &ru);
	if (!has_id)
		put_field(out, "X-Request-Id", 12, request_id,
		    strlen(request_id));
	if (hd->hd_status == 101 && (up = hd->hd_upgrade_hdr) != NULL)
		gw_buf_printf(out, "Connection: upgrade\r\n"
		    "Upgrade: %.*s\r\n", (int)up->h_value_len, up->h_value);
	else if (close)
		PUTS(out, "Connection: close\r\n");
	else if (keep10)
		PUTS(out, "Connection: keep-alive\r\n");
	add_edits(out, rt, GW_PHASE_RESPONSE);
	gw_buf_append(out, "\r\n", 2);
}

void
reply_error(struct gw_buf *out, enum px_error e, int status,
    const char *request_id, int close)
{
	const struct px_error_info	*pe = &px_errors[e];
	char				 body[256];
	int				 n;

	if (status == 0)
		status = pe->pe_status;
	n = snprintf(body, sizeof(body), "{\"error\":\"%s\",\"status\":%d,"
	    "\"request_id\":\"%s\"}\n", pe->pe_code, status, request_id);
	gw_buf_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %d\r\n"
	    "X-Gw-Error: %s\r\n"
	    "X-Request-Id: %s\r\n"
	    "%s"
	    "\r\n%s", status, reply_reason(status), n, pe->pe_code,
	    request_id, close ? "Connection: close\r\n" : "", body);
}
