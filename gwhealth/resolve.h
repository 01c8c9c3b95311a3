/*
 * resolve: one cancellable DNS lookup on the event loop (libevent's evdns,
 * A and AAAA), for the checks of backends named by a DNS name and for
 * discovery.
 *
 * evdns_getaddrinfo() may answer before it returns, and a cancelled
 * lookup still calls back (with EVUTIL_EAI_CANCEL, perhaps later); this
 * wrapper hides both: resolve_start() returns NULL when it already
 * called back, and after resolve_cancel() the callback never runs, so
 * the caller can free its own state at once.
 */
#ifndef GWHEALTH_RESOLVE_H
#define GWHEALTH_RESOLVE_H

#include <event2/dns.h>
#include <event2/util.h>

struct resolve;

/*
 * err is 0 and ai the answer (freed after the callback returns), or err
 * an EVUTIL_EAI_* code (evutil_gai_strerror() says it in words) and ai
 * NULL.
 */
typedef void	(*resolve_cb)(void *arg, int err,
		    const struct evutil_addrinfo *ai);

/*
 * Looks up name's addresses of every family (port 0, stream sockets).
 * Returns the pending lookup, or NULL when cb has run already.
 */
struct resolve	*resolve_start(struct evdns_base *dns, const char *name,
		    resolve_cb cb, void *arg);
/* Abandons a pending lookup: cb will not run.  Not after cb has run. */
void		 resolve_cancel(struct resolve *r);

#endif /* GWHEALTH_RESOLVE_H */
