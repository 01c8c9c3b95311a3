/*
 * cmd_hist: gwctl history and rollback.
 *
 * Every generation records the before and after of each object it changed
 * (conv.c's JSON form).  Rolling back to generation G undoes, newest
 * first, every recorded change after G on the current config, and commits
 * the result as a new generation, so a rollback is itself in the history
 * and can be rolled back.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "config.h"
#include "db.h"
#include "gwctl.h"
#include "opt.h"
#include "str.h"

void
fmt_time(int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t
gen_parse(const char *cmd, const char *s)
{
	const char	*errstr;
	long long	 g;

	g = gw_strtonum(s, 0, INT64_MAX, &errstr);
	if (errstr != NULL)
		usage_error(cmd, "invalid generation \"%s\": %s", s, errstr);
	return g;
}

static json_t *
gen_json(const struct hist_gen *hg)
{
	char when[32];

	fmt_time(hg->hg_created_at, when, sizeof(when));
	return json_pack("{s:I, s:s, s:s, s:s, s:s}", "generation",
	    (json_int_t)hg->hg_generation, "time", when, "user",
	    hg->hg_user, "command", hg->hg_command, "summary",
	    hg->hg_summary);
}

static json_t *
parse_or_null(const char *text)
{
	if (text == NULL)
		return NULL;
	return json_loads(text, 0, NULL);
}

/* One generation and its changes. */
static int
history_show(sqlite3 *db, int64_t gen)
{
	struct hist_change	*hc;
	struct hist_gen		*hg, *g = NULL;
	json_t			*j, *list, *b, *a;
	char			 errbuf[512], when[32];
	size_t			 n, ng, i;

	if (store_history(db, 0, &hg, &ng, errbuf, sizeof(errbuf)) == -1 ||
	    store_changes_of(db, gen, &hc, &n, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s: %s", gw_db_path(gwctl.g_db_path), errbuf);
	for (i = 0; i < ng; i++)
		if (hg[i].hg_generation == gen)
			g = &hg[i];
	if (g == NULL)
		errx(1, "generation %lld not found (latest is %lld)",
		    (long long)gen, ng ? (long long)hg[0].hg_generation : 0LL);
	if (gwctl.g_output != OUT_TABLE) {
		j = gen_json(g);
		list = json_array();
		for (i = 0; i < n; i++) {
			b = parse_or_null(hc[i].hc_before);
			a = parse_or_null(hc[i].hc_after);
			json_array_append_new(list, json_pack("{s:s, s:s, "
			    "s:s, s:o?, s:o?}", "kind",
			    gw_kind_names[hc[i].hc_kind], "name",
			    hc[i].hc_name, "op", change_op_names[hc[i].hc_op],
			    "before", b, "after", a));
		}
		json_object_set_new(j, "changes", list);
		print_json_or_yaml(j);
		json_decref(j);
	} else {
		fmt_time(g->hg_created_at, when, sizeof(when));
		printf("Generation: %lld\nTime:       %s\nUser:       %s\n"
		    "Command:    %s\nSummary:    %s\nChanges:\n",
		    (long long)g->hg_generation, when, g->hg_user,
		    g->hg_command, g->hg_summary);
		for (i = 0; i < n; i++) {
			printf("  %s/%s %s\n", gw_kind_names[hc[i].hc_kind],
			    hc[i].hc_name, hc[i].hc_op == 0 ? "created" :
			    hc[i].hc_op == 1 ? "configured" : "deleted");
			if (hc[i].hc_op == 2)
				continue;
			b = parse_or_null(hc[i].hc_before);
			a = parse_or_null(hc[i].hc_after);
			json_field_diff(stdout, b, a);
			json_decref(b);
			json_decref(a);
		}
	}
	hist_change_free(hc, n);
	hist_gen_free(hg, ng);
	return 0;
}

int
cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit",	required_argument,	NULL,	'l' },
		{ NULL,		0,			NULL,	0 }
	};
	struct hist_gen	*hg;
	struct table	*t;
	sqlite3		*db;
	json_t		*list;
	const char	*errstr;
	char		 errbuf[512], gen[32], when[32];
	int64_t		 limit = 0;
	size_t		 n, i;
	int		 c, rc = 0;

	opt_reset();
	while ((c = opt_next(argc, argv, "history", "", opts)) != -1) {
		limit = gw_strtonum(optarg, 1, INT64_MAX, &errstr);
		if (errstr != NULL)
			usage_error("history", "invalid --limit \"%s\": %s",
			    optarg, errstr);
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage_error("history", "unexpected argument \"%s\"", argv[1]);
	db = store_open(0);
	if (argc == 1) {
		rc = history_show(db, gen_parse("history", argv[0]));
		gw_db_close(db);
		return rc;
	}
	if (store_history(db, limit, &hg, &n, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s: %s", gw_db_path(gwctl.g_db_path), errbuf);
	if (gwctl.g_output != OUT_TABLE) {
		list = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(list, gen_json(&hg[i]));
		print_json_or_yaml(list);
		json_decref(list);
	} else {
		t = table_new(4, "GENERATION", "TIME", "USER", "SUMMARY");
		for (i = 0; i < n; i++) {
			snprintf(gen, sizeof(gen), "%lld",
			    (long long)hg[i].hg_generation);
			fmt_time(hg[i].hg_created_at, when, sizeof(when));
			table_add(t, gen, when, hg[i].hg_user,
			    hg[i].hg_summary);
		}
		table_print(t, stdout);
		table_free(t);
	}
	hist_gen_free(hg, n);
	gw_db_close(db);
	return 0;
}

/* Puts the object of one history record into cf, replacing its twin. */
static int
undo_put(struct gw_config *cf, int kind, json_t *j, char *errbuf,
    size_t errlen)
{
	struct gw_service	sv;
	struct gw_backend	be;
	struct gw_route		rt;
	struct gw_scale_target	st;
	long			k;

	switch (kind) {
	case GW_KIND_SERVICE:
		if (conv_service_from_json(j, &sv, errbuf, errlen) == -1)
			return -1;
		if ((k = gw_config_find_service(cf, sv.sv_name)) >= 0)
			gw_service_free(&cf->cf_services[k]);
		else
			k = (long)(gw_config_new_service(cf) -
			    cf->cf_services);
		cf->cf_services[k] = sv;
		return 0;
	case GW_KIND_BACKEND:
		if (conv_backend_from_json(j, &be, errbuf, errlen) == -1)
			return -1;
		if ((k = gw_config_find_backend(cf, be.be_service,
		    be.be_host, be.be_port)) >= 0)
			gw_backend_free(&cf->cf_backends[k]);
		else
			k = (long)(gw_config_new_backend(cf) -
			    cf->cf_backends);
		cf->cf_backends[k] = be;
		return 0;
	case GW_KIND_SCALE:
		if (conv_scale_from_json(j, &st, errbuf, errlen) == -1)
			return -1;
		if ((k = gw_config_find_scale_target(cf, st.st_name)) >= 0)
			gw_scale_target_free(&cf->cf_scale_targets[k]);
		else
			k = (long)(gw_config_new_scale_target(cf) -
			    cf->cf_scale_targets);
		cf->cf_scale_targets[k] = st;
		return 0;
	default:
		if (conv_route_from_json(j, &rt, errbuf, errlen) == -1)
			return -1;
		if ((k = gw_config_find_route(cf, rt.rt_name)) >= 0)
			gw_route_free(&cf->cf_routes[k]);
		else
			k = (long)(gw_config_new_route(cf) - cf->cf_routes);
		cf->cf_routes[k] = rt;
		return 0;
	}
}

/* Removes the object a history record describes, if present. */
static int
undo_remove(struct gw_config *cf, int kind, json_t *j, char *errbuf,
    size_t errlen)
{
	struct gw_backend	be;
	const char		*name;
	long			k;

	if (kind == GW_KIND_BACKEND) {
		if (conv_backend_from_json(j, &be, errbuf, errlen) == -1)
			return -1;
		k = gw_config_find_backend(cf, be.be_service, be.be_host,
		    be.be_port);
		gw_backend_free(&be);
		if (k >= 0)
			gw_config_remove_backend(cf, (size_t)k);
		return 0;
	}
	if ((name = json_string_value(json_object_get(j, "name"))) == NULL) {
		snprintf(errbuf, errlen, "history record without a name");
		return -1;
	}
	if (kind == GW_KIND_SERVICE &&
	    (k = gw_config_find_service(cf, name)) >= 0)
		gw_config_remove_service(cf, (size_t)k);
	else if (kind == GW_KIND_ROUTE &&
	    (k = gw_config_find_route(cf, name)) >= 0)
		gw_config_remove_route(cf, (size_t)k);
	else if (kind == GW_KIND_SCALE &&
	    (k = gw_config_find_scale_target(cf, name)) >= 0)
		gw_config_remove_scale_target(cf, (size_t)k);
	return 0;
}

static int
rollback_edit(sqlite3 *db, struct gw_config *cf, void *arg)
{
	const int64_t		*gen = arg;
	struct hist_change	*hc;
	json_t			*j;
	char			 errbuf[512];
	int64_t			 latest;
	size_t			 n, i;
	int			 rc = 0;

	latest = store_generation(db);
	if (*gen > latest) {
		warnx("generation %lld not found (latest is %lld)",
		    (long long)*gen, (long long)latest);
		return -1;
	}
	if (store_changes_after(db, *gen, &hc, &n, errbuf,
	    sizeof(errbuf)) == -1) {
		warnx("%s: %s", gw_db_path(gwctl.g_db_path), errbuf);
		return -1;
	}
	/* Newest first: each step restores what the change replaced. */
	for (i = 0; i < n && rc == 0; i++) {
		j = parse_or_null(hc[i].hc_before ? hc[i].hc_before :
		    hc[i].hc_after);
		if (j == NULL) {
			snprintf(errbuf, sizeof(errbuf), "unreadable record");
			rc = -1;
		} else if (hc[i].hc_before != NULL)
			rc = undo_put(cf, hc[i].hc_kind, j, errbuf,
			    sizeof(errbuf));
		else
			rc = undo_remove(cf, hc[i].hc_kind, j, errbuf,
			    sizeof(errbuf));
		if (rc == -1)
			warnx("generation %lld: %s/%s: %s",
			    (long long)hc[i].hc_generation,
			    gw_kind_names[hc[i].hc_kind], hc[i].hc_name,
			    errbuf);
		json_decref(j);
	}
	hist_change_free(hc, n);
	return rc;
}

int
cmd_rollback(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run",	no_argument,	NULL,	'n' },
		{ NULL,		0,		NULL,	0 }
	};
	struct commit_opts	co;
	int64_t			gen;
	int			c;

	memset(&co, 0, sizeof(co));
	co.co_print = 1;
	opt_reset();
	while ((c = opt_next(argc, argv, "rollback", "", opts)) != -1)
		if (c == 'n')
			co.co_dry_run = co.co_verbose = 1;
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage_error("rollback", "missing generation");
	if (argc > 1)
		usage_error("rollback", "unexpected argument \"%s\"", argv[1]);
	gen = gen_parse("rollback", argv[0]);
	return commit_config(rollback_edit, &gen, &co);
}
