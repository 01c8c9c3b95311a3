/*
 * once: gwhealth --once; see once.h.  It runs on the same loop, engine
 * and writes as the daemon, in order: discovery (and a reload when it
 * changed backends), the checks, the write, gwproxy's notification.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <event2/event.h>

#include "addr.h"
#include "cfgdb.h"
#include "config.h"
#include "discover.h"
#include "duration.h"
#include "gwhealth.h"
#include "hce.h"
#include "hstate.h"
#include "log.h"
#include "notify.h"
#include "once.h"
#include "store.h"
#include "str.h"
#include "writer.h"

/* Tries of the final write while the database stays locked. */
#define ONCE_WRITE_TRIES	3
/* Room between columns of the text summary, as gwctl's tables. */
#define ONCE_GAP		3

/* What the summary says about one backend. */
struct once_be {
	const struct gw_backend	*ob_be;
	int			 ob_checked;
	int			 ob_state;	/* enum hs_state */
	int64_t			 ob_latency_us;	/* -1: none */
	const char		*ob_reason;	/* "" when none */
};

struct once_jobs {
	struct store_disc	**oj_v;
	size_t			  oj_n;
};

static void
once_discovered(void *arg, struct store_disc *sd)
{
	struct once_jobs *oj = arg;

	oj->oj_v = gw_reallocarray(oj->oj_v, oj->oj_n + 1, sizeof(*oj->oj_v));
	oj->oj_v[oj->oj_n++] = sd;
}

/*
 * One discovery round; reloads cf and bes when it changed backends.
 * -1 when the reloaded config is rejected.
 */
static int
once_discover(struct event_base *base, struct evdns_base *dns, sqlite3 *db,
    struct gw_config *cf, struct store_backend **bes)
{
	struct once_jobs	 oj = { NULL, 0 };
	struct discover		*d;
	char			 errbuf[1024], *user;
	int64_t			 gen;
	size_t			 i;
	int			 changed, any = 0, tries;

	for (i = 0; i < cf->cf_nservices; i++)
		if (cf->cf_services[i].sv_dns_name != NULL)
			break;
	if (i == cf->cf_nservices)
		return 0;
	d = discover_new(base, dns, 1, once_discovered, &oj);
	discover_sync(d, cf);
	while (discover_pending(d) > 0)
		event_base_loop(base, EVLOOP_ONCE);
	discover_free(d);
	user = gw_config_change_user();
	for (i = 0; i < oj.oj_n; i++) {
		for (tries = 0; tries < ONCE_WRITE_TRIES; tries++)
			if (writer_disc_apply(db, oj.oj_v[i], user,
			    &changed) == 0)
				break;
		any |= changed;
		store_disc_free(oj.oj_v[i]);
	}
	free(oj.oj_v);
	free(user);
	if (!any)
		return 0;
	gw_config_free(cf);
	free(*bes);
	if (gh_load(db, cf, bes, &gen, errbuf, sizeof(errbuf)) == -1) {
		gw_log(GW_LOG_ERROR, "configuration rejected after discovery: "
		    "%s", errbuf);
		gw_config_init(cf);
		*bes = NULL;
		return -1;
	}
	return 0;
}

static void
once_late(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	gw_log(GW_LOG_ERROR, "checks did not end in time");
	event_base_loopbreak(arg);
}

/* Runs every check once; 0, or -1 when they did not all end. */
static int
once_checks(struct event_base *base, struct hce *h,
    const struct gw_config *cf)
{
	struct event	*guard;
	struct timeval	 tv;
	int64_t		 ms = 0;
	size_t		 i;

	if (hce_ntargets(h) == 0)
		return 0;
	/* Every check has its deadline; this is in case one has not. */
	for (i = 0; i < cf->cf_nservices; i++)
		if (cf->cf_services[i].sv_hc_timeout_ms > ms)
			ms = cf->cf_services[i].sv_hc_timeout_ms;
	ms += GH_ONCE_SLACK_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	guard = evtimer_new(base, once_late, base);
	evtimer_add(guard, &tv);
	event_base_dispatch(base);
	event_free(guard);
	return hce_once_done(h) ? 0 : -1;
}

static int
once_write(sqlite3 *db, const struct store_batch *bt)
{
	char	errbuf[512];
	int	tries, busy;

	for (tries = 0; tries < ONCE_WRITE_TRIES; tries++) {
		if (store_write(db, bt, &busy, errbuf, sizeof(errbuf)) == 0)
			return 0;
		if (!busy)
			break;
	}
	gw_log(GW_LOG_ERROR, "cannot write health: %s", errbuf);
	return -1;
}

static void
once_notify(struct event_base *base, const char *control)
{
	struct notify *nt;

	nt = notify_new(base, control);
	notify_reload(nt);
	while (notify_busy(nt))
		event_base_loop(base, EVLOOP_ONCE);
	notify_free(nt);
}

static int
once_row_cmp(const void *a, const void *b)
{
	int64_t x = (*(const struct store_row *const *)a)->sr_id;
	int64_t y = (*(const struct store_row *const *)b)->sr_id;

	return (x > y) - (x < y);
}

/* The summary of each backend of cf, parallel to cf_backends. */
static struct once_be *
once_results(const struct gw_config *cf, const struct store_backend *bes,
    const struct store_batch *bt)
{
	const struct store_row	**rows, *key, **found, *r;
	struct store_row	  k;
	struct once_be		 *ob;
	size_t			  i;

	rows = gw_calloc(bt->bt_nrows + 1, sizeof(*rows));
	for (i = 0; i < bt->bt_nrows; i++)
		rows[i] = &bt->bt_rows[i];
	qsort(rows, bt->bt_nrows, sizeof(*rows), once_row_cmp);
	ob = gw_calloc(cf->cf_nbackends + 1, sizeof(*ob));
	for (i = 0; i < cf->cf_nbackends; i++) {
		ob[i].ob_be = &cf->cf_backends[i];
		k.sr_id = bes[i].sb_id;
		key = &k;
		found = bt->bt_nrows == 0 ? NULL : bsearch(&key, rows,
		    bt->bt_nrows, sizeof(*rows), once_row_cmp);
		if (found != NULL) {
			r = *found;
			ob[i].ob_checked = 1;
			ob[i].ob_state = r->sr_state;
			ob[i].ob_latency_us = r->sr_latency_us;
			ob[i].ob_reason = r->sr_reason;
		} else {
			ob[i].ob_state = bes[i].sb_state;
			ob[i].ob_latency_us = -1;
			ob[i].ob_reason = "";
		}
	}
	free(rows);
	return ob;
}

static void
once_text_row(char cells[][GW_ADDR_STR_MAX], size_t *width, int print)
{
	int c;

	for (c = 0; c < 5; c++) {
		if (!print) {
			if (strlen(cells[c]) > width[c])
				width[c] = strlen(cells[c]);
			continue;
		}
		if (c < 4)
			printf("%-*s", (int)(width[c] + ONCE_GAP), cells[c]);
		else
			printf("%s\n", cells[c]);
	}
}

static void
once_text(const struct gw_config *cf, const struct once_be *ob)
{
	char	cells[5][GW_ADDR_STR_MAX];
	size_t	width[5] = { 0 }, i;
	int	pass;

	for (pass = 0; pass < 2; pass++) {
		snprintf(cells[0], sizeof(cells[0]), "SERVICE");
		snprintf(cells[1], sizeof(cells[1]), "BACKEND");
		snprintf(cells[2], sizeof(cells[2]), "STATE");
		snprintf(cells[3], sizeof(cells[3]), "LATENCY");
		snprintf(cells[4], sizeof(cells[4]), "REASON");
		once_text_row(cells, width, pass);
		for (i = 0; i < cf->cf_nbackends; i++) {
			snprintf(cells[0], sizeof(cells[0]), "%s",
			    ob[i].ob_be->be_service);
			gw_addr_fmt(ob[i].ob_be->be_host,
			    ob[i].ob_be->be_port, cells[1], sizeof(cells[1]));
			snprintf(cells[2], sizeof(cells[2]), "%s",
			    hs_state_names[ob[i].ob_state]);
			if (ob[i].ob_latency_us >= 0 && ob[i].ob_checked)
				snprintf(cells[3], sizeof(cells[3]),
				    "%lld.%lldms",
				    (long long)ob[i].ob_latency_us / 1000,
				    (long long)ob[i].ob_latency_us % 1000 /
				    100);
			else
				snprintf(cells[3], sizeof(cells[3]), "-");
			snprintf(cells[4], sizeof(cells[4]), "%s",
			    !ob[i].ob_checked ? "not checked" :
			    *ob[i].ob_reason ? ob[i].ob_reason : "-");
			once_text_row(cells, width, pass);
		}
	}
}

static json_t *
once_json_be(const struct once_be *ob)
{
	json_t	*o;
	char	 addr[GW_ADDR_STR_MAX];

	o = json_object();
	json_object_set_new(o, "address", json_string(gw_addr_fmt(
	    ob->ob_be->be_host, ob->ob_be->be_port, addr, sizeof(addr))));
	json_object_set_new(o, "checked", json_boolean(ob->ob_checked));
	json_object_set_new(o, "state",
	    json_string(hs_state_names[ob->ob_state]));
	json_object_set_new(o, "latency_us", ob->ob_checked &&
	    ob->ob_latency_us >= 0 ? json_integer(ob->ob_latency_us) :
	    json_null());
	json_object_set_new(o, "reason", ob->ob_checked && *ob->ob_reason ?
	    json_string(ob->ob_reason) : json_null());
	return o;
}

/*
 * The verdict per service, printed as JSON when json is set.  Returns 1
 * when every service with a checked backend has one up.
 */
static int
once_verdict(const struct gw_config *cf, const struct once_be *ob,
    int json)
{
	json_t	*top = NULL, *svcs = NULL, *s = NULL, *list = NULL;
	size_t	 i, b = 0, checked, up;
	int	 ok, all = 1;

	if (json) {
		top = json_object();
		svcs = json_array();
	}
	for (i = 0; i < cf->cf_nservices; i++) {
		checked = up = 0;
		if (json)
			list = json_array();
		for (; b < cf->cf_nbackends && strcmp(ob[b].ob_be->be_service,
		    cf->cf_services[i].sv_name) == 0; b++) {
			if (ob[b].ob_checked) {
				checked++;
				up += ob[b].ob_state == HS_UP;
			}
			if (json)
				json_array_append_new(list,
				    once_json_be(&ob[b]));
		}
		ok = checked == 0 || up > 0;
		all &= ok;
		if (!json)
			continue;
		s = json_object();
		json_object_set_new(s, "name",
		    json_string(cf->cf_services[i].sv_name));
		json_object_set_new(s, "ok", json_boolean(ok));
		json_object_set_new(s, "checked", json_integer((json_int_t)
		    checked));
		json_object_set_new(s, "up", json_integer((json_int_t)up));
		json_object_set_new(s, "backends", list);
		json_array_append_new(svcs, s);
	}
	if (json) {
		json_object_set_new(top, "ok", json_boolean(all));
		json_object_set_new(top, "services", svcs);
		json_dumpf(top, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(top);
	}
	return all;
}

int
once_run(struct event_base *base, struct evdns_base *dns, sqlite3 *db,
    struct gw_config *cf, struct store_backend *bes, size_t max_checks,
    const char *control, const char *output)
{
	struct hce	*h;
	struct once_be	*ob;
	int		 rc = 0, ok;

	if (once_discover(base, dns, db, cf, &bes) == -1)
		return 1;
	h = hce_new(base, max_checks, 0, 1);
	hce_load(h, cf, bes, 1);
	if (once_checks(base, h, cf) == -1)
		rc = 1;
	hce_stop(h);
	if (once_write(db, hce_batch(h)) == -1)
		rc = 1;
	else if (hce_batch(h)->bt_ntrans > 0 && control != NULL)
		once_notify(base, control);
	ob = once_results(cf, bes, hce_batch(h));
	if (output != NULL && strcmp(output, "text") == 0)
		once_text(cf, ob);
	ok = once_verdict(cf, ob, output != NULL &&
	    strcmp(output, "json") == 0);
	fflush(stdout);
	free(ob);
	hce_free(h);
	gw_config_free(cf);
	free(bes);
	return rc != 0 || !ok ? 1 : 0;
}
