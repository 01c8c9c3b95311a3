/*
 * breaker: circuit breakers per service, Envoy's four (max_connections,
 * max_pending, max_requests, max_retries), counted over all workers.
 *
 * One struct breaker per service name, shared by the workers and kept for
 * the life of the process (it survives reloads).  A request takes a slot
 * with breaker_take() and gives it back with breaker_give(); a full
 * breaker means the request is answered at once with 503 overloaded
 * (X-Gw-Error: overloaded): gwproxy keeps no queue of waiting requests,
 * so "pending" counts the requests waiting for a new connection to a
 * backend to be made.  Atomics only: no lock on the request path.
 */
#ifndef GWPROXY_BREAKER_H
#define GWPROXY_BREAKER_H

#include <stdatomic.h>
#include <stdint.h>

enum breaker_kind {
	BRK_CONNECTIONS,	/* connections open to the service's backends */
	BRK_PENDING,		/* requests waiting for a new connection */
	BRK_REQUESTS,		/* requests in flight */
	BRK_RETRIES,		/* retries in flight */
	BRK_NKINDS
};

struct breaker {
	atomic_long	 bk_count[BRK_NKINDS];
	atomic_ullong	 bk_tripped[BRK_NKINDS];	/* refusals, ever */
	char		 bk_service[64];
	struct breaker	*bk_next;	/* hash chain */
};

/* The breaker of service; created on first use (takes a mutex). */
struct breaker	*breaker_get(const char *service);

/*
 * Takes one slot of kind under limit: 1, or 0 when the breaker is full
 * (and counts the refusal).  A NULL breaker always gives a slot.
 */
int		 breaker_take(struct breaker *b, enum breaker_kind kind,
		    int64_t limit);
/* Gives one slot of kind back. */
void		 breaker_give(struct breaker *b, enum breaker_kind kind);

/* The names of the kinds, as the config and the metrics call them. */
extern const char *const breaker_kind_names[BRK_NKINDS];

/*
 * Calls fn for every breaker (the admin thread: metrics and "show
 * breakers").
 */
void		 breaker_each(void (*fn)(const struct breaker *, void *),
		    void *arg);

#endif /* GWPROXY_BREAKER_H */
