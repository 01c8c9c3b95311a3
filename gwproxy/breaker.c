/*
 * breaker: circuit breakers per service; see breaker.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "breaker.h"
#include "str.h"

#define BREAKER_BUCKETS	256

static pthread_mutex_t	 brk_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct breaker	*brk_tab[BREAKER_BUCKETS];	/* under brk_mtx */

const char *const breaker_kind_names[BRK_NKINDS] = {
	[BRK_CONNECTIONS] = "max_connections",
	[BRK_PENDING] = "max_pending",
	[BRK_REQUESTS] = "max_requests",
	[BRK_RETRIES] = "max_retries"
};

struct breaker *
breaker_get(const char *service)
{
	struct breaker	*b;
	const char	*p;
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */
	int		 k;

	for (p = service; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h %= BREAKER_BUCKETS;
	pthread_mutex_lock(&brk_mtx);
	for (b = brk_tab[h]; b != NULL; b = b->bk_next)
		if (strcmp(b->bk_service, service) == 0)
			break;
	if (b == NULL) {
		b = gw_calloc(1, sizeof(*b));
		for (k = 0; k < BRK_NKINDS; k++) {
			atomic_init(&b->bk_count[k], 0);
			atomic_init(&b->bk_tripped[k], 0);
		}
		gw_strlcpy(b->bk_service, service, sizeof(b->bk_service));
		b->bk_next = brk_tab[h];
		brk_tab[h] = b;
	}
	pthread_mutex_unlock(&brk_mtx);
	return b;
}

int
breaker_take(struct breaker *b, enum breaker_kind kind, int64_t limit)
{
	long	n;

	if (b == NULL)
		return 1;
	/*
	 * Add first, then look: two workers racing for the last slot both
	 * see the sum, and at most the limit get through.
	 */
	n = atomic_fetch_add_explicit(&b->bk_count[kind], 1,
	    memory_order_relaxed);
	if (n < limit)
		return 1;
	atomic_fetch_sub_explicit(&b->bk_count[kind], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&b->bk_tripped[kind], 1,
	    memory_order_relaxed);
	return 0;
}

void
breaker_give(struct breaker *b, enum breaker_kind kind)
{
	if (b != NULL)
		atomic_fetch_sub_explicit(&b->bk_count[kind], 1,
		    memory_order_relaxed);
}

void
breaker_each(void (*fn)(const struct breaker *, void *), void *arg)
{
	struct breaker	*b;
	size_t		 i;

	pthread_mutex_lock(&brk_mtx);
	for (i = 0; i < BREAKER_BUCKETS; i++)
		for (b = brk_tab[i]; b != NULL; b = b->bk_next)
			fn(b, arg);
	pthread_mutex_unlock(&brk_mtx);
}
