/*
 * cmd_get: gwctl get, describe and export: the config as tables for people
 * and as JSON or YAML for scripts (get health and get events are in
 * cmd_health.c, get scale in cmd_scale.c).  The JSON and YAML shapes are
 * those of conv.c, the same that apply reads, so output can be fed back.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "addr.h"
#include "config.h"
#include "db.h"
#include "duration.h"
#include "gwctl.h"
#include "opt.h"
#include "str.h"

/*
 * get and describe show everything there is, each backend with its
 * source; their output still reads back with apply, which leaves out
 * the backends found by DNS.
 */
#define GET_FLAGS	(CONV_SOURCE | CONV_DNS)

/* Loads the whole config read-only; exits 1 on failure. */
static void
load_config(struct gw_config *cf, sqlite3 **dbp)
{
	sqlite3		*db = store_open(0);
	char		 errbuf[512];

	if (gw_db_exec(db, "BEGIN", errbuf, sizeof(errbuf)) == -1 ||
	    store_load(db, cf, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s: %s", gw_db_path(gwctl.g_db_path), errbuf);
	gw_db_rollback(db);
	if (dbp != NULL)
		*dbp = db;
	else
		gw_db_close(db);
}

static size_t
count_backends(const struct gw_config *cf, const char *service)
{
	size_t i, n = 0;

	for (i = 0; i < cf->cf_nbackends; i++)
		n += strcmp(cf->cf_backends[i].be_service, service) == 0;
	return n;
}

static size_t
count_routes(const struct gw_config *cf, const char *service)
{
	size_t i, n = 0;

	for (i = 0; i < cf->cf_nroutes; i++)
		n += strcmp(cf->cf_routes[i].rt_service, service) == 0;
	return n;
}

static void
table_services(const struct gw_config *cf, const char *name,
    const char *service)
{
	const struct gw_service	*sv;
	struct table		*t;
	char			 nb[32], nr[32], chk[96], ct[32], rq[32];
	char			 re[32];
	size_t			 i;

	t = table_new(8, "NAME", "LB", "BACKENDS", "ROUTES", "CHECK",
	    "CONNECT-TIMEOUT", "REQUEST-TIMEOUT", "RETRIES");
	for (i = 0; i < cf->cf_nservices; i++) {
		sv = &cf->cf_services[i];
		if ((name != NULL && strcmp(name, sv->sv_name) != 0) ||
		    (service != NULL && strcmp(service, sv->sv_name) != 0))
			continue;
		snprintf(nb, sizeof(nb), "%zu",
		    count_backends(cf, sv->sv_name));
		snprintf(nr, sizeof(nr), "%zu", count_routes(cf, sv->sv_name));
		if (sv->sv_hc_type == GW_HC_HTTP)
			snprintf(chk, sizeof(chk), "http %s %s",
			    sv->sv_hc_method, sv->sv_hc_path);
		else
			snprintf(chk, sizeof(chk), "%s",
			    gw_hc_type_names[sv->sv_hc_type]);
		gw_duration_fmt(sv->sv_connect_timeout_ms, ct, sizeof(ct));
		gw_duration_fmt(sv->sv_request_timeout_ms, rq, sizeof(rq));
		snprintf(re, sizeof(re), "%lld", (long long)sv->sv_retries);
		table_add(t, sv->sv_name, gw_lb_names[sv->sv_lb], nb, nr, chk,
		    ct, rq, re);
	}
	table_print(t, stdout);
	table_free(t);
}

static void
table_backends(const struct gw_config *cf, const char *service)
{
	const struct gw_backend	*be;
	struct table		*t;
	char			 addr[GW_ADDR_STR_MAX], w[16];
	size_t			 i;

	t = table_new(5, "SERVICE", "ADDRESS", "WEIGHT", "STATE", "SOURCE");
	for (i = 0; i < cf->cf_nbackends; i++) {
		be = &cf->cf_backends[i];
		if (service != NULL && strcmp(service, be->be_service) != 0)
			continue;
		snprintf(w, sizeof(w), "%d", be->be_weight);
		table_add(t, be->be_service, gw_addr_fmt(be->be_host,
		    be->be_port, addr, sizeof(addr)), w,
		    gw_admin_names[be->be_state],
		    gw_be_source_names[be->be_source]);
	}
	table_print(t, stdout);
	table_free(t);
}

static void
table_routes(const struct gw_config *cf, const char *name,
    const char *service)
{
	const struct gw_route	*rt;
	struct gw_buf		 hdrs = { 0 };
	struct table		*t;
	char			 prio[32], *match;
	size_t			 i, k;

	t = table_new(8, "NAME", "PRIORITY", "HOST", "MATCH", "METHODS",
	    "HEADERS", "SERVICE", "REWRITE");
	for (i = 0; i < cf->cf_nroutes; i++) {
		rt = &cf->cf_routes[i];
		if ((name != NULL && strcmp(name, rt->rt_name) != 0) ||
		    (service != NULL && strcmp(service, rt->rt_service) != 0))
			continue;
		snprintf(prio, sizeof(prio), "%lld",
		    (long long)rt->rt_priority);
		match = gw_asprintf("%s %s",
		    gw_path_type_names[rt->rt_path_type], rt->rt_path);
		for (k = 0; k < rt->rt_nheaders; k++)
			gw_buf_printf(&hdrs, "%s%s%s%s", k ? "," : "",
			    rt->rt_headers[k].hm_name,
			    rt->rt_headers[k].hm_value ? "=" : "",
			    rt->rt_headers[k].hm_value ?
			    rt->rt_headers[k].hm_value : "");
		table_add(t, rt->rt_name, prio, rt->rt_host ? rt->rt_host :
		    "*", match, rt->rt_methods ? rt->rt_methods : "*",
		    gw_buf_str(&hdrs), rt->rt_service, rt->rt_rewrite);
		free(match);
		gw_buf_free(&hdrs);
	}
	table_print(t, stdout);
	table_free(t);
}

/* The JSON of one kind: a list, or one object when name is given. */
static json_t *
json_of(const struct gw_config *cf, enum gw_kind kind, const char *name,
    const char *service)
{
	json_t	*list = json_array();
	size_t	 i;

	switch (kind) {
	case GW_KIND_SERVICE:
		for (i = 0; i < cf->cf_nservices; i++)
			if ((name == NULL ||
			    strcmp(name, cf->cf_services[i].sv_name) == 0) &&
			    (service == NULL ||
			    strcmp(service, cf->cf_services[i].sv_name) == 0))
				json_array_append_new(list, conv_service_json(
				    &cf->cf_services[i], cf, GET_FLAGS));
		break;
	case GW_KIND_BACKEND:
		for (i = 0; i < cf->cf_nbackends; i++)
			if (service == NULL || strcmp(service,
			    cf->cf_backends[i].be_service) == 0)
				json_array_append_new(list, conv_backend_json(
				    &cf->cf_backends[i], GET_FLAGS |
				    CONV_SERVICE));
		break;
	default:
		for (i = 0; i < cf->cf_nroutes; i++)
			if ((name == NULL ||
			    strcmp(name, cf->cf_routes[i].rt_name) == 0) &&
			    (service == NULL ||
			    strcmp(service, cf->cf_routes[i].rt_service) == 0))
				json_array_append_new(list,
				    conv_route_json(&cf->cf_routes[i]));
		break;
	}
	if (name != NULL && kind != GW_KIND_BACKEND) {
		json_t *one = json_incref(json_array_get(list, 0));
		json_decref(list);
		return one;
	}
	return list;
}

/* Singular, plural and short names of the kinds, as kubectl takes them. */
static int
kind_parse(const char *word, enum gw_kind *kind)
{
	static const struct {
		const char	*k_word;
		enum gw_kind	 k_kind;
	} words[] = {
		{ "service", GW_KIND_SERVICE },
		{ "services", GW_KIND_SERVICE },
		{ "svc", GW_KIND_SERVICE },
		{ "backend", GW_KIND_BACKEND },
		{ "backends", GW_KIND_BACKEND },
		{ "be", GW_KIND_BACKEND },
		{ "route", GW_KIND_ROUTE },
		{ "routes", GW_KIND_ROUTE },
		{ "rt", GW_KIND_ROUTE },
		{ "scale", GW_KIND_SCALE },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(word, words[i].k_word) == 0) {
			*kind = words[i].k_kind;
			return 0;
		}
	return -1;
}

int
cmd_get(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "service",	required_argument,	NULL,	's' },
		{ "since",	required_argument,	NULL,	'S' },
		{ "limit",	required_argument,	NULL,	'l' },
		{ NULL,		0,			NULL,	0 }
	};
	struct gw_config	 cf;
	enum gw_kind		 kind = GW_KIND_SERVICE;
	const char		*service = NULL, *name = NULL, *what;
	const char		*since = NULL, *limit = NULL;
	json_t			*j;
	int			 c, all = 0;

	opt_reset();
	while ((c = opt_next(argc, argv, "get", "", opts)) != -1) {
		if (c == 's')
			service = optarg;
		else if (c == 'S')
			since = optarg;
		else if (c == 'l')
			limit = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage_error("get", "missing kind: services, backends, routes, "
		    "all, health or events");
	what = argv[0];
	if (strcmp(what, "events") == 0) {
		if (argc > 1)
			usage_error("get", "unexpected argument \"%s\"",
			    argv[1]);
		return get_events(since, service, limit);
	}
	if (since != NULL || limit != NULL)
		usage_error("get", "--since and --limit are for get events");
	if (strcmp(what, "scale") == 0) {
		if (argc > 1)
			usage_error("get", "unexpected argument \"%s\"",
			    argv[1]);
		if (service != NULL)
			usage_error("get", "get scale takes no --service");
		return get_scale();
	}
	if (strcmp(what, "health") == 0) {
		if (argc > 2)
			usage_error("get", "unexpected argument \"%s\"",
			    argv[2]);
		return get_health(argc == 2 ? argv[1] : service);
	}
	if (strcmp(what, "all") == 0)
		all = 1;
	else if (kind_parse(what, &kind) == -1)
		usage_error("get", "unknown kind \"%s\"", what);
	if (argc > 2)
		usage_error("get", "unexpected argument \"%s\"", argv[2]);
	if (argc == 2) {
		if (all)
			usage_error("get", "get all takes no name");
		name = argv[1];
	}
	if (kind == GW_KIND_BACKEND && name != NULL)
		usage_error("get", "get backends takes --service, not a name");
	load_config(&cf, NULL);
	if (name != NULL && ((kind == GW_KIND_SERVICE &&
	    gw_config_find_service(&cf, name) < 0) ||
	    (kind == GW_KIND_ROUTE && gw_config_find_route(&cf, name) < 0))) {
		gw_config_free(&cf);
		errx(1, "%s \"%s\" not found", gw_kind_names[kind], name);
	}
	if (service != NULL && gw_config_find_service(&cf, service) < 0) {
		gw_config_free(&cf);
		errx(1, "service \"%s\" not found", service);
	}
	if (gwctl.g_output != OUT_TABLE) {
		if (all && service != NULL)
			usage_error("get", "get all -o %s takes no --service",
			    gwctl.g_output == OUT_JSON ? "json" : "yaml");
		j = all ? conv_config_json(&cf, GET_FLAGS) :
		    json_of(&cf, kind, name, service);
		print_json_or_yaml(j);
		json_decref(j);
	} else if (all) {
		table_services(&cf, NULL, service);
		putchar('\n');
		table_backends(&cf, service);
		putchar('\n');
		table_routes(&cf, NULL, service);
		if (cf.cf_nscale_targets > 0 && service == NULL) {
			putchar('\n');
			table_scale(&cf);
		}
	} else if (kind == GW_KIND_SERVICE)
		table_services(&cf, name, service);
	else if (kind == GW_KIND_BACKEND)
		table_backends(&cf, service);
	else
		table_routes(&cf, name, service);
	gw_config_free(&cf);
	return 0;
}

void
print_yaml_indented(json_t *j)
{
	char	*buf = NULL, *line, *save = NULL;
	size_t	 len = 0;
	FILE	*mem;

	if ((mem = open_memstream(&buf, &len)) == NULL)
		err(1, "open_memstream");
	yamlio_emit(mem, j);
	fclose(mem);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strcmp(line, "---") != 0 && strcmp(line, "...") != 0)
			printf("  %s\n", line);
	free(buf);
}

static void
describe_history(sqlite3 *db, enum gw_kind kind, const char *name)
{
	struct hist_change	*hc;
	struct hist_gen		*hg;
	struct table		*t;
	char			 errbuf[512], gen[32], when[32];
	size_t			 n, ng, i, k;

	if (store_changes_for(db, kind, name, 10, &hc, &n, errbuf,
	    sizeof(errbuf)) == -1 ||
	    store_history(db, 0, &hg, &ng, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s: %s", gw_db_path(gwctl.g_db_path), errbuf);
	printf("History:\n");
	t = table_new(4, "  GENERATION", "TIME", "USER", "CHANGE");
	for (i = 0; i < n; i++) {
		snprintf(gen, sizeof(gen), "  %lld",
		    (long long)hc[i].hc_generation);
		when[0] = '\0';
		for (k = 0; k < ng; k++)
			if (hg[k].hg_generation == hc[i].hc_generation)
				break;
		if (k < ng)
			fmt_time(hg[k].hg_created_at, when, sizeof(when));
		table_add(t, gen, when, k < ng ? hg[k].hg_user : NULL,
		    change_op_names[hc[i].hc_op]);
	}
	table_print(t, stdout);
	table_free(t);
	hist_change_free(hc, n);
	hist_gen_free(hg, ng);
}

int
cmd_describe(int argc, char **argv)
{
	struct gw_config	 cf;
	struct gw_addr		 a;
	enum gw_kind		 kind;
	sqlite3			*db;
	const char		*name, *slash, *errstr;
	char			*svc, id[GW_ADDR_STR_MAX + GW_NAME_MAX + 2];
	json_t			*j = NULL;
	long			 i = -1;
	size_t			 k;

	opt_reset();
	while (opt_next(argc, argv, "describe", NULL, NULL) != -1)
		;
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage_error("describe", "missing kind or name");
	if (argc > 2)
		usage_error("describe", "unexpected argument \"%s\"", argv[2]);
	if (kind_parse(argv[0], &kind) == -1)
		usage_error("describe", "unknown kind \"%s\"", argv[0]);
	name = argv[1];
	load_config(&cf, &db);
	if (kind == GW_KIND_SERVICE) {
		if ((i = gw_config_find_service(&cf, name)) >= 0)
			j = conv_service_json(&cf.cf_services[i], &cf,
			    GET_FLAGS);
	} else if (kind == GW_KIND_ROUTE) {
		if ((i = gw_config_find_route(&cf, name)) >= 0)
			j = conv_route_json(&cf.cf_routes[i]);
	} else if (kind == GW_KIND_SCALE) {
		if ((i = gw_config_find_scale_target(&cf, name)) >= 0)
			j = conv_scale_json(&cf.cf_scale_targets[i]);
	} else {
		if ((slash = strchr(name, '/')) == NULL)
			errx(1, "invalid backend \"%s\": expected "
			    "SERVICE/ADDRESS", name);
		if (gw_addr_parse(slash + 1, 0, &a, &errstr) == -1)
			errx(1, "invalid backend address \"%s\": %s",
			    slash + 1, errstr);
		svc = gw_strndup(name, (size_t)(slash - name));
		if ((i = gw_config_find_backend(&cf, svc, a.ad_host,
		    a.ad_port)) >= 0) {
			j = conv_backend_json(&cf.cf_backends[i],
			    GET_FLAGS | CONV_SERVICE);
			name = gw_backend_id(&cf.cf_backends[i], id,
			    sizeof(id));
		}
		free(svc);
	}
	if (j == NULL)
		errx(1, "%s \"%s\" not found", kind == GW_KIND_SCALE ?
		    "scale target" : gw_kind_names[kind], name);
	if (gwctl.g_output != OUT_TABLE) {
		print_json_or_yaml(j);
	} else {
		printf("Kind: %s\nName: %s\nSettings:\n", gw_kind_names[kind],
		    name);
		json_object_del(j, "name");
		print_yaml_indented(j);
		if (kind == GW_KIND_SERVICE) {
			printf("Routes:");
			for (k = 0; k < cf.cf_nroutes; k++)
				if (strcmp(cf.cf_routes[k].rt_service,
				    name) == 0)
					printf(" %s", cf.cf_routes[k].rt_name);
			printf("%s\n", count_routes(&cf, name) ? "" :
			    " <none>");
		}
		describe_history(db, kind, name);
	}
	json_decref(j);
	gw_config_free(&cf);
	gw_db_close(db);
	return 0;
}

int
cmd_export(int argc, char **argv)
{
	struct gw_config	 cf;
	json_t			*j;

	opt_reset();
	while (opt_next(argc, argv, "export", NULL, NULL) != -1)
		;
	if (optind != argc)
		usage_error("export", "unexpected argument \"%s\"",
		    argv[optind]);
	/* YAML unless -o json was asked for: export is for files. */
	if (gwctl.g_output == OUT_TABLE)
		gwctl.g_output = OUT_YAML;
	load_config(&cf, NULL);
	/* Only what a file may say: discovery keeps its own backends. */
	j = conv_config_json(&cf, 0);
	print_json_or_yaml(j);
	json_decref(j);
	gw_config_free(&cf);
	return 0;
}
