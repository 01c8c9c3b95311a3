/*
 * override: runtime backend overrides; see override.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "override.h"
#include "str.h"

/* Backends one gwproxy can override: far more than any service has. */
#define OVERRIDE_MAX	4096

struct override {
	char	*ov_service;
	char	*ov_host;
	int	 ov_port;
	int	 ov_state;	/* -1: not overridden */
	int	 ov_weight;	/* -1: not overridden */
};

static pthread_mutex_t	 ov_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct override	*ov_v;
static size_t		 ov_n;

int
override_set(const struct gw_config *cf, const char *service,
    const char *addr, int state, int weight, char *errbuf, size_t errlen)
{
	struct override	*ov = NULL;
	struct gw_addr	 a;
	const char	*errstr;
	size_t		 i;
	int		 rc = 0;

	if (gw_addr_parse(addr, 0, &a, &errstr) == -1) {
		snprintf(errbuf, errlen, "invalid backend address \"%s\": %s",
		    addr, errstr);
		return -1;
	}
	if (gw_config_find_backend(cf, service, a.ad_host, a.ad_port) < 0) {
		snprintf(errbuf, errlen, "no backend %s in service \"%s\"",
		    addr, service);
		return -1;
	}
	pthread_mutex_lock(&ov_mtx);
	for (i = 0; i < ov_n; i++)
		if (strcmp(ov_v[i].ov_service, service) == 0 &&
		    strcmp(ov_v[i].ov_host, a.ad_host) == 0 &&
		    ov_v[i].ov_port == a.ad_port)
			ov = &ov_v[i];
	if (ov == NULL && ov_n == OVERRIDE_MAX) {
		snprintf(errbuf, errlen, "too many overrides (%d)",
		    OVERRIDE_MAX);
		rc = -1;
	} else if (ov == NULL) {
		ov_v = gw_reallocarray(ov_v, ov_n + 1, sizeof(*ov_v));
		ov = &ov_v[ov_n++];
		ov->ov_service = gw_strdup(service);
		ov->ov_host = gw_strdup(a.ad_host);
		ov->ov_port = a.ad_port;
		ov->ov_state = ov->ov_weight = -1;
	}
	if (ov != NULL) {
		if (state != -1)
			ov->ov_state = state;
		if (weight != -1)
			ov->ov_weight = weight;
	}
	pthread_mutex_unlock(&ov_mtx);
	return rc;
}

void
override_apply(struct gw_config *cf)
{
	struct gw_backend	*be;
	long			 k;
	size_t			 i;

	pthread_mutex_lock(&ov_mtx);
	for (i = 0; i < ov_n; i++) {
		k = gw_config_find_backend(cf, ov_v[i].ov_service,
		    ov_v[i].ov_host, ov_v[i].ov_port);
		if (k < 0)
			continue;	/* gone from the DB: nothing to do */
		be = &cf->cf_backends[k];
		if (ov_v[i].ov_state != -1)
			be->be_state = ov_v[i].ov_state;
		if (ov_v[i].ov_weight != -1)
			be->be_weight = ov_v[i].ov_weight;
	}
	pthread_mutex_unlock(&ov_mtx);
}

void
override_show(struct gw_buf *text, struct gw_buf *json)
{
	char	addr[GW_ADDR_STR_MAX];
	size_t	i;

	gw_buf_puts(json, "\"overrides\":[");
	pthread_mutex_lock(&ov_mtx);
	for (i = 0; i < ov_n; i++) {
		gw_addr_fmt(ov_v[i].ov_host, ov_v[i].ov_port, addr,
		    sizeof(addr));
		gw_buf_printf(text, "%s %s state=%s weight=%s%d\n",
		    ov_v[i].ov_service, addr, ov_v[i].ov_state == -1 ?
		    "(db)" : gw_admin_names[ov_v[i].ov_state],
		    ov_v[i].ov_weight == -1 ? "(db)" : "",
		    ov_v[i].ov_weight == -1 ? 0 : ov_v[i].ov_weight);
		gw_buf_printf(json, "%s{\"service\":", i ? "," : "");
		gw_buf_json_str(json, ov_v[i].ov_service);
		gw_buf_puts(json, ",\"address\":");
		gw_buf_json_str(json, addr);
		gw_buf_puts(json, ",\"state\":");
		gw_buf_json_str(json, ov_v[i].ov_state == -1 ? NULL :
		    gw_admin_names[ov_v[i].ov_state]);
		if (ov_v[i].ov_weight == -1)
			gw_buf_puts(json, ",\"weight\":null}");
		else
			gw_buf_printf(json, ",\"weight\":%d}",
			    ov_v[i].ov_weight);
	}
	pthread_mutex_unlock(&ov_mtx);
	gw_buf_puts(json, "]");
}
