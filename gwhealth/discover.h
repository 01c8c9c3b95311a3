/*
 * discover: following a service's DNS name (a Kubernetes headless
 * Service, say) to keep its backends in sync with the addresses it
 * resolves to.
 *
 * Each service with a discovery name is looked up (A and AAAA, evdns)
 * at once when it appears or its name or port changes, then every check
 * interval of the service.  An answer whose addresses differ from the
 * service's dns backends in the config is handed to the callback as a
 * struct store_disc (the writer turns it into a config generation).  A
 * failed lookup, or an answer without addresses, changes nothing: a DNS
 * blip never empties a service; it is logged once until the name
 * resolves again.  Static backends are not discovery's business.
 */
#ifndef GWHEALTH_DISCOVER_H
#define GWHEALTH_DISCOVER_H

#include <stddef.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "config.h"
#include "store.h"

struct discover;

/* An answer that differs from the config; sd is the callee's. */
typedef void	(*discover_cb)(void *arg, struct store_disc *sd);

/* once: look each name up one time, no timers (--once). */
struct discover	*discover_new(struct event_base *base,
		    struct evdns_base *dns, int once, discover_cb cb,
		    void *arg);
/* Follows the services of cf (call after every load). */
void		 discover_sync(struct discover *d, const struct gw_config *cf);
/* Lookups in flight. */
size_t		 discover_pending(const struct discover *d);
void		 discover_free(struct discover *d);

#endif /* GWHEALTH_DISCOVER_H */
