/*
 * resolve: cancellable evdns lookups; see resolve.h.
 *
 * The struct resolve lives until evdns calls back, whatever happens: a
 * cancelled one only loses its caller (rs_cb NULL), so a late callback
 * finds valid memory and frees it.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/util.h>

#include "resolve.h"
#include "str.h"

struct resolve {
	struct evdns_getaddrinfo_request *rs_req;	/* NULL once answered */
	resolve_cb			 rs_cb;		/* NULL: cancelled */
	void				*rs_arg;
	int				 rs_started;	/* _start returned */
	int				 rs_done;	/* evdns called back */
};

static void
resolve_done(int err, struct evutil_addrinfo *ai, void *arg)
{
	struct resolve	*r = arg;
	resolve_cb	 cb = r->rs_cb;

	r->rs_done = 1;
	r->rs_req = NULL;
	if (cb != NULL && err != EVUTIL_EAI_CANCEL)
		cb(r->rs_arg, err, err == 0 ? ai : NULL);
	if (ai != NULL)
		evutil_freeaddrinfo(ai);
	/* Answered inside evdns_getaddrinfo(): resolve_start() frees it. */
	if (r->rs_started)
		free(r);
}

struct resolve *
resolve_start(struct evdns_base *dns, const char *name, resolve_cb cb,
    void *arg)
{
	struct evutil_addrinfo	 hints;
	struct resolve		*r;

	r = gw_calloc(1, sizeof(*r));
	r->rs_cb = cb;
	r->rs_arg = arg;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	r->rs_req = evdns_getaddrinfo(dns, name, NULL, &hints, resolve_done,
	    r);
	if (r->rs_done) {
		free(r);
		return NULL;
	}
	if (r->rs_req == NULL) {
		/* Refused without a callback: answer as a failure. */
		cb(arg, EVUTIL_EAI_FAIL, NULL);
		free(r);
		return NULL;
	}
	r->rs_started = 1;
	return r;
}

void
resolve_cancel(struct resolve *r)
{
	r->rs_cb = NULL;
	/* Calls back with EVUTIL_EAI_CANCEL, now or later; that frees r. */
	if (!r->rs_done)
		evdns_getaddrinfo_cancel(r->rs_req);
}
