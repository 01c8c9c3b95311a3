/*
 * snapshot: an immutable view of the config and the health of its
 * backends, built off the event loops by the reload thread and shared by
 * every worker through reference counting.  A config that fails validation
 * never becomes a snapshot: the caller keeps serving the last good one.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "duration.h"
#include "gwproxy.h"
#include "lb.h"
#include "log.h"
#include "override.h"
#include "route.h"
#include "str.h"

/* The first validation problem, for the log line of a rejected config. */
struct first_problem {
	const struct gw_config	*fp_cf;
	char			 fp_msg[512];
	int			 fp_n;
};

static void
first_problem(void *arg, enum gw_kind kind, size_t index, const char *field,
    const char *msg)
{
	struct first_problem	*fp = arg;
	const struct gw_config	*cf = fp->fp_cf;
	const char		*name;
	char			 id[GW_ADDR_STR_MAX + GW_NAME_MAX + 2];

	(void)field;
	if (fp->fp_n++ > 0)
		return;
	/* Named as gwctl names it: route "api": ... */
	if (kind == GW_KIND_SERVICE)
		name = cf->cf_services[index].sv_name;
	else if (kind == GW_KIND_ROUTE)
		name = cf->cf_routes[index].rt_name;
	else
		name = gw_backend_id(&cf->cf_backends[index], id, sizeof(id));
	snprintf(fp->fp_msg, sizeof(fp->fp_msg), "%s \"%s\": %s",
	    gw_kind_names[kind], name ? name : "", msg);
}

/*
 * Resolves a backend's address.  Literals never touch DNS; a name is looked
 * up here, in the reload thread, so no event loop ever blocks on it.
 */
static void
resolve(struct snap_backend *sb)
{
	struct addrinfo	 hints, *res = NULL;
	char		 port[16];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", sb->sb_be->be_port);
	sb->sb_addrlen = 0;
	if (getaddrinfo(sb->sb_be->be_host, port, &hints, &res) != 0 ||
	    res == NULL)
		return;
	memcpy(&sb->sb_addr, res->ai_addr, res->ai_addrlen);
	sb->sb_addrlen = res->ai_addrlen;
	freeaddrinfo(res);
}

static int
backend_enabled(const struct snap_backend *sb)
{
	return sb->sb_be->be_state == GW_ADMIN_ENABLED && sb->sb_addrlen > 0;
}

static int
backend_usable(const struct gw_service *sv, const struct snap_backend *sb)
{
	if (!backend_enabled(sb))
		return 0;
	if (sv->sv_hc_type == GW_HC_NONE)
		return 1;
	switch (sb->sb_health) {
	case PX_HEALTH_UP:
		return 1;
	case PX_HEALTH_DOWN:
		return 0;
	default:
		return sv->sv_hc_initial == GW_HC_INITIAL_UP;
	}
}

/*
 * Envoy's panic threshold: when fewer than panic_threshold % of the
 * enabled backends are healthy, the few left would take all the load and
 * fall over too, so every enabled backend takes requests again.
 */
static void
panic_check(struct snap_service *ss)
{
	size_t	k;

	if (!snapshot_panics(ss->ss_sv, ss->ss_nhealthy, ss->ss_nenabled))
		return;
	ss->ss_panic = 1;
	for (k = 0; k < ss->ss_nbe; k++)
		ss->ss_be[k].sb_usable = backend_enabled(&ss->ss_be[k]);
	gw_log(GW_LOG_WARNING, "service %s: panic: %zu of %zu backends "
	    "healthy, under %d%%: balancing over all of them",
	    ss->ss_sv->sv_name, ss->ss_nhealthy, ss->ss_nenabled,
	    (int)ss->ss_sv->sv_panic_pct);
}

int
snapshot_panics(const struct gw_service *sv, size_t healthy, size_t enabled)
{
	return sv->sv_panic_pct > 0 && enabled > 0 &&
	    (uint64_t)healthy * 100 < (uint64_t)sv->sv_panic_pct * enabled;
}

static void
snapshot_free(struct snapshot *sn)
{
	size_t i;

	if (sn->sn_services != NULL)
		for (i = 0; i < sn->sn_cf.cf_nservices; i++)
			free(sn->sn_services[i].ss_be);
	free(sn->sn_services);
	free(sn->sn_route_service);
	if (sn->sn_routes != NULL)
		route_table_free(sn->sn_routes);
	gw_config_free(&sn->sn_cf);
	free(sn);
}

struct snapshot *
snapshot_build(struct gw_config *cf, int64_t generation, const int *health,
    char *errbuf, size_t errlen)
{
	struct first_problem	 fp = { cf, "", 0 };
	struct gw_report	 rp = { first_problem, &fp };
	struct snapshot		*sn;
	struct snap_service	*ss;
	struct snap_backend	*sb;
	const struct gw_backend	*be;
	long			 k;
	size_t			 i;

	/* Runtime overrides first: the snapshot serves them validated. */
	override_apply(cf);
	if (gw_config_validate(cf, &rp) > 0) {
		snprintf(errbuf, errlen, "%d problems, first: %s", fp.fp_n,
		    fp.fp_msg);
		gw_config_free(cf);
		return NULL;
	}
	sn = gw_calloc(1, sizeof(*sn));
	atomic_init(&sn->sn_refs, 1);
	sn->sn_generation = generation;
	sn->sn_built_at = gw_now_ms();
	sn->sn_cf = *cf;		/* takes over the arrays */
	gw_config_init(cf);
	cf = &sn->sn_cf;
	sn->sn_services = gw_calloc(cf->cf_nservices + 1,
	    sizeof(*sn->sn_services));
	for (i = 0; i < cf->cf_nservices; i++) {
		sn->sn_services[i].ss_sv = &cf->cf_services[i];
		sn->sn_services[i].ss_be = gw_calloc(1,
		    sizeof(struct snap_backend));
	}
	/* Backends are sorted by service, so each service's are together. */
	for (i = 0; i < cf->cf_nbackends; i++) {
		be = &cf->cf_backends[i];
		k = gw_config_find_service(cf, be->be_service);
		ss = &sn->sn_services[k];
		ss->ss_be = gw_reallocarray(ss->ss_be, ss->ss_nbe + 1,
		    sizeof(*ss->ss_be));
		sb = &ss->ss_be[ss->ss_nbe++];
		memset(sb, 0, sizeof(*sb));
		sb->sb_be = be;
		gw_addr_fmt(be->be_host, be->be_port, sb->sb_name,
		    sizeof(sb->sb_name));
		sb->sb_health = health != NULL ? health[i] : PX_HEALTH_UNKNOWN;
		sb->sb_key = lb_hash(sb->sb_name, strlen(sb->sb_name));
		resolve(sb);
		sb->sb_usable = backend_usable(ss->ss_sv, sb);
		ss->ss_nenabled += backend_enabled(sb);
		ss->ss_nhealthy += sb->sb_usable;
	}
	for (i = 0; i < cf->cf_nservices; i++)
		panic_check(&sn->sn_services[i]);
	sn->sn_route_service = gw_calloc(cf->cf_nroutes + 1, sizeof(long));
	for (i = 0; i < cf->cf_nroutes; i++)
		sn->sn_route_service[i] = gw_config_find_service(cf,
		    cf->cf_routes[i].rt_service);
	if ((sn->sn_routes = route_table_build(cf, errbuf, errlen)) == NULL) {
		snapshot_free(sn);
		return NULL;
	}
	return sn;
}

void
snapshot_ref(struct snapshot *sn)
{
	atomic_fetch_add_explicit(&sn->sn_refs, 1, memory_order_relaxed);
}

void
snapshot_unref(struct snapshot *sn)
{
	if (sn != NULL && atomic_fetch_sub_explicit(&sn->sn_refs, 1,
	    memory_order_acq_rel) == 1)
		snapshot_free(sn);
}
