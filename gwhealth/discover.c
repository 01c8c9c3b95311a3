/*
 * discover: DNS discovery of backends; see discover.h.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "discover.h"
#include "log.h"
#include "resolve.h"
#include "store.h"
#include "str.h"

/* One service followed; owned by the discover's list. */
struct disc_svc {
	struct discover	*ds_d;
	char		*ds_service;
	char		*ds_dns;
	int		 ds_port;
	int64_t		 ds_interval_ms;
	char		**ds_cur;	/* its dns backends now, sorted */
	size_t		 ds_ncur;
	int		 ds_stale;	/* a dns backend on another port */
	struct event	*ds_timer;
	struct resolve	*ds_res;	/* lookup in flight */
	int		 ds_failing;	/* a failure was logged */
	int		 ds_seen;	/* in the last config */
};

struct discover {
	struct event_base	*d_base;
	struct evdns_base	*d_dns;
	int			 d_once;
	discover_cb		 d_cb;
	void			*d_arg;
	struct disc_svc		**d_svcs;
	size_t			 d_nsvcs;
	size_t			 d_pending;
};

static void	disc_lookup(evutil_socket_t, short, void *);

struct discover *
discover_new(struct event_base *base, struct evdns_base *dns, int once,
    discover_cb cb, void *arg)
{
	struct discover *d;

	d = gw_calloc(1, sizeof(*d));
	d->d_base = base;
	d->d_dns = dns;
	d->d_once = once;
	d->d_cb = cb;
	d->d_arg = arg;
	return d;
}

static void
disc_strs_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
disc_svc_free(struct disc_svc *ds)
{
	if (ds->ds_res != NULL) {
		resolve_cancel(ds->ds_res);
		ds->ds_d->d_pending--;
	}
	event_free(ds->ds_timer);
	disc_strs_free(ds->ds_cur, ds->ds_ncur);
	free(ds->ds_service);
	free(ds->ds_dns);
	free(ds);
}

void
discover_free(struct discover *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->d_nsvcs; i++)
		disc_svc_free(d->d_svcs[i]);
	free(d->d_svcs);
	free(d);
}

size_t
discover_pending(const struct discover *d)
{
	return d->d_pending;
}

static int
disc_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The addresses of an answer, as IP literals, sorted, without repeats. */
static char **
disc_addrs(const struct evutil_addrinfo *ai, size_t *n)
{
	char	**v = NULL, buf[INET6_ADDRSTRLEN];
	size_t	  i, k;

	*n = 0;
	for (; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)
			    (const void *)ai->ai_addr)->sin_addr, buf,
			    sizeof(buf));
		else if (ai->ai_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
			    (const void *)ai->ai_addr)->sin6_addr, buf,
			    sizeof(buf));
		else
			continue;
		v = gw_reallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = gw_strdup(buf);
	}
	if (*n == 0)
		return v;
	qsort(v, *n, sizeof(*v), disc_strcmp);
	for (i = 1, k = 1; i < *n; i++) {
		if (strcmp(v[i], v[k - 1]) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	*n = k;
	return v;
}

static int
disc_same(char **a, size_t na, char **b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

static void
disc_arm(struct disc_svc *ds)
{
	struct timeval tv;

	if (ds->ds_d->d_once)
		return;
	tv.tv_sec = ds->ds_interval_ms / 1000;
	tv.tv_usec = (ds->ds_interval_ms % 1000) * 1000;
	evtimer_add(ds->ds_timer, &tv);
}

static void
disc_answer(void *arg, int err, const struct evutil_addrinfo *ai)
{
	struct disc_svc		*ds = arg;
	struct store_disc	*sd;
	char			**addrs;
	size_t			 n;

	ds->ds_res = NULL;
	ds->ds_d->d_pending--;
	addrs = err == 0 ? disc_addrs(ai, &n) : NULL;
	if (addrs == NULL) {
		if (!ds->ds_failing)
			gw_log(GW_LOG_WARNING, "discovery of service \"%s\": "
			    "%s: resolve failed (%s); keeping its %zu "
			    "backends", ds->ds_service, ds->ds_dns,
			    err != 0 ? evutil_gai_strerror(err) :
			    "no addresses", ds->ds_ncur);
		ds->ds_failing = 1;
		disc_arm(ds);
		return;
	}
	if (ds->ds_failing)
		gw_log(GW_LOG_INFO, "discovery of service \"%s\": %s "
		    "resolves again", ds->ds_service, ds->ds_dns);
	ds->ds_failing = 0;
	if (!ds->ds_stale && disc_same(addrs, n, ds->ds_cur, ds->ds_ncur)) {
		disc_strs_free(addrs, n);
		disc_arm(ds);
		return;
	}
	sd = gw_calloc(1, sizeof(*sd));
	sd->sd_service = gw_strdup(ds->ds_service);
	sd->sd_dns = gw_strdup(ds->ds_dns);
	sd->sd_port = ds->ds_port;
	sd->sd_addrs = addrs;
	sd->sd_naddrs = n;
	disc_arm(ds);
	ds->ds_d->d_cb(ds->ds_d->d_arg, sd);
}

static void
disc_lookup(evutil_socket_t fd, short what, void *arg)
{
	struct disc_svc *ds = arg;

	(void)fd;
	(void)what;
	if (ds->ds_res != NULL)
		return;
	ds->ds_d->d_pending++;
	ds->ds_res = resolve_start(ds->ds_d->d_dns, ds->ds_dns, disc_answer,
	    ds);
}

/* The service's dns backends in cf, for comparing answers with. */
static void
disc_current(struct disc_svc *ds, const struct gw_config *cf)
{
	const struct gw_backend	*be;
	size_t			 i;

	disc_strs_free(ds->ds_cur, ds->ds_ncur);
	ds->ds_cur = NULL;
	ds->ds_ncur = 0;
	ds->ds_stale = 0;
	for (i = 0; i < cf->cf_nbackends; i++) {
		be = &cf->cf_backends[i];
		if (be->be_source != GW_BE_DNS ||
		    strcmp(be->be_service, ds->ds_service) != 0)
			continue;
		if (be->be_port != ds->ds_port) {
			ds->ds_stale = 1;
			continue;
		}
		ds->ds_cur = gw_reallocarray(ds->ds_cur, ds->ds_ncur + 1,
		    sizeof(*ds->ds_cur));
		ds->ds_cur[ds->ds_ncur++] = gw_strdup(be->be_host);
	}
	if (ds->ds_ncur > 1)
		qsort(ds->ds_cur, ds->ds_ncur, sizeof(*ds->ds_cur),
		    disc_strcmp);
}

static struct disc_svc *
disc_find(struct discover *d, const char *service)
{
	size_t i;

	for (i = 0; i < d->d_nsvcs; i++)
		if (strcmp(d->d_svcs[i]->ds_service, service) == 0)
			return d->d_svcs[i];
	return NULL;
}

/*
 * A service that names no DNS name (any more) but still has dns backends:
 * they go, as discovery's own change.  Not in --once mode, which changes
 * no backends it was not asked to find.
 */
static void
disc_orphans(struct discover *d, const struct gw_config *cf,
    const struct gw_service *sv)
{
	struct store_disc	*sd;
	size_t			 i;

	if (d->d_once)
		return;
	for (i = 0; i < cf->cf_nbackends; i++)
		if (cf->cf_backends[i].be_source == GW_BE_DNS &&
		    strcmp(cf->cf_backends[i].be_service, sv->sv_name) == 0)
			break;
	if (i == cf->cf_nbackends)
		return;
	gw_log(GW_LOG_INFO, "discovery of service \"%s\": no DNS name any "
	    "more, removing its discovered backends", sv->sv_name);
	sd = gw_calloc(1, sizeof(*sd));
	sd->sd_service = gw_strdup(sv->sv_name);
	d->d_cb(d->d_arg, sd);
}

void
discover_sync(struct discover *d, const struct gw_config *cf)
{
	const struct gw_service	*sv;
	struct disc_svc		*ds;
	size_t			 i, k;
	int			 now;

	for (i = 0; i < d->d_nsvcs; i++)
		d->d_svcs[i]->ds_seen = 0;
	for (i = 0; i < cf->cf_nservices; i++) {
		sv = &cf->cf_services[i];
		if (sv->sv_dns_name == NULL) {
			disc_orphans(d, cf, sv);
			continue;
		}
		now = 0;
		if ((ds = disc_find(d, sv->sv_name)) == NULL) {
			ds = gw_calloc(1, sizeof(*ds));
			ds->ds_d = d;
			ds->ds_service = gw_strdup(sv->sv_name);
			ds->ds_timer = evtimer_new(d->d_base, disc_lookup, ds);
			d->d_svcs = gw_reallocarray(d->d_svcs, d->d_nsvcs + 1,
			    sizeof(*d->d_svcs));
			d->d_svcs[d->d_nsvcs++] = ds;
			now = 1;
		} else if (strcmp(ds->ds_dns, sv->sv_dns_name) != 0 ||
		    ds->ds_port != sv->sv_dns_port) {
			/* Another name or port: ask again at once. */
			if (ds->ds_res != NULL) {
				resolve_cancel(ds->ds_res);
				ds->ds_res = NULL;
				d->d_pending--;
			}
			evtimer_del(ds->ds_timer);
			ds->ds_failing = 0;
			now = 1;
		}
		free(ds->ds_dns);
		ds->ds_dns = gw_strdup(sv->sv_dns_name);
		ds->ds_port = (int)sv->sv_dns_port;
		ds->ds_interval_ms = sv->sv_hc_interval_ms;
		ds->ds_seen = 1;
		disc_current(ds, cf);
		if (now)
			disc_lookup(-1, 0, ds);
	}
	for (i = 0, k = 0; i < d->d_nsvcs; i++) {
		if (d->d_svcs[i]->ds_seen)
			d->d_svcs[k++] = d->d_svcs[i];
		else
			disc_svc_free(d->d_svcs[i]);
	}
	d->d_nsvcs = k;
}
