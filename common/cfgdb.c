/*
 * cfgdb: reading the configuration tables (services, backends, routes and
 * their children, scale targets and their metrics; gw-schema(5)) into the
 * model of config.h.
 *
 * The one reader every program shares, so gwctl and the daemons can never
 * disagree on what the tables mean; each program's own SQL (gwctl's writes,
 * the daemons' state tables) stays in its store.c.  Values are taken as
 * stored: a hand edit that slipped past the CHECK constraints shows up in
 * gw_config_validate(), not here.  Enum words this build does not know
 * load as -1, which validation reports.
 */
#include <pwd.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cfgdb.h"
#include "config.h"
#include "db.h"
#include "scale.h"
#include "str.h"

#define ERR(db)	snprintf(errbuf, errlen, "%s", sqlite3_errmsg(db))

static int
load_services(sqlite3 *db, struct gw_config *cf, char *errbuf, size_t errlen)
{
	const struct gw_field	*f;
	struct gw_service	*sv;
	struct gw_buf		 sql = { 0 };
	sqlite3_stmt		*st;
	size_t			 i;
	int			 rc;

	gw_buf_puts(&sql, "SELECT name");
	for (i = 0; i < gw_service_nfields; i++)
		gw_buf_printf(&sql, ", %s", gw_service_fields[i].f_column);
	gw_buf_puts(&sql, " FROM services ORDER BY name");
	rc = sqlite3_prepare_v2(db, gw_buf_str(&sql), -1, &st, NULL);
	gw_buf_free(&sql);
	if (rc != SQLITE_OK) {
		ERR(db);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sv = gw_config_new_service(cf);
		gw_service_init(sv, gw_db_col_text(st, 0));
		for (i = 0; i < gw_service_nfields; i++) {
			f = &gw_service_fields[i];
			switch (f->f_type) {
			case GW_FT_INT:
			case GW_FT_DURATION:
			case GW_FT_PERCENT:
				*gw_field_i64(f, sv) =
				    sqlite3_column_int64(st, (int)i + 1);
				break;
			case GW_FT_ENUM:
				*gw_field_enum(f, sv) =
				    gw_db_col_enum(st, (int)i + 1, f->f_enum);
				break;
			case GW_FT_STR:
				free(*gw_field_str(f, sv));
				*gw_field_str(f, sv) =
				    gw_db_col_strdup(st, (int)i + 1);
				break;
			}
		}
	}
	if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
load_backends(sqlite3 *db, struct gw_config *cf, char *errbuf, size_t errlen)
{
	struct gw_backend	*be;
	sqlite3_stmt		*st;
	int			 rc;

	if (sqlite3_prepare_v2(db, "SELECT s.name, b.host, b.port, b.weight, "
	    "b.admin_state, b.source FROM backends b JOIN services s "
	    "ON s.id = b.service_id ORDER BY s.name, b.host, b.port", -1, &st,
	    NULL) != SQLITE_OK) {
		ERR(db);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		be = gw_config_new_backend(cf);
		gw_backend_init(be, gw_db_col_text(st, 0), gw_db_col_text(st, 1),
		    sqlite3_column_int(st, 2));
		be->be_weight = sqlite3_column_int(st, 3);
		be->be_state = gw_db_col_enum(st, 4, gw_admin_names);
		be->be_source = gw_db_col_enum(st, 5, gw_be_source_names);
	}
	if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Route ids and their index in cf_routes, sorted by id for bsearch. */
struct route_id {
	int64_t	ri_id;
	size_t	ri_index;
};

struct route_ids {
	struct route_id	*ri_v;
	size_t		 ri_n;
};

static int
route_id_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct route_id *)a)->ri_id;
	int64_t y = ((const struct route_id *)b)->ri_id;

	return (x > y) - (x < y);
}

static long
route_index(const struct route_ids *ri, int64_t id)
{
	struct route_id	 key = { id, 0 }, *found;

	found = bsearch(&key, ri->ri_v, ri->ri_n, sizeof(*ri->ri_v),
	    route_id_cmp);
	return found != NULL ? (long)found->ri_index : -1;
}

static int
load_route_children(sqlite3 *db, struct gw_config *cf,
    const struct route_ids *ri, char *errbuf, size_t errlen)
{
	sqlite3_stmt	*st;
	long		 i;
	int		 rc;

	if (sqlite3_prepare_v2(db, "SELECT route_id, name, value "
	    "FROM route_headers ORDER BY route_id, name", -1, &st, NULL) !=
	    SQLITE_OK) {
		ERR(db);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((i = route_index(ri, sqlite3_column_int64(st, 0))) >= 0)
			gw_route_add_match(&cf->cf_routes[i], gw_db_col_text(st, 1),
			    gw_db_col_text(st, 2));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ERR(db);
		return -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT route_id, phase, op, name, value "
	    "FROM route_header_edits ORDER BY route_id, seq", -1, &st, NULL) !=
	    SQLITE_OK) {
		ERR(db);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((i = route_index(ri, sqlite3_column_int64(st, 0))) >= 0)
			gw_route_add_edit(&cf->cf_routes[i],
			    gw_db_col_enum(st, 1, gw_phase_names),
			    gw_db_col_enum(st, 2, gw_edit_op_names),
			    gw_db_col_text(st, 3), gw_db_col_text(st, 4));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ERR(db);
		return -1;
	}
	return 0;
}

static int
load_routes(sqlite3 *db, struct gw_config *cf, char *errbuf, size_t errlen)
{
	struct route_ids	 ri = { NULL, 0 };
	struct gw_route		*rt;
	sqlite3_stmt		*st;
	int			 rc;

	if (sqlite3_prepare_v2(db, "SELECT r.id, r.name, s.name, r.priority, "
	    "r.host, r.path_type, r.path, r.methods, r.rewrite, r.timeout_ms, "
	    "r.response_timeout_ms "
	    "FROM routes r JOIN services s ON s.id = r.service_id "
	    "ORDER BY r.name", -1, &st, NULL) != SQLITE_OK) {
		ERR(db);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rt = gw_config_new_route(cf);
		gw_route_init(rt, gw_db_col_text(st, 1), gw_db_col_text(st, 2));
		rt->rt_priority = sqlite3_column_int64(st, 3);
		rt->rt_host = gw_db_col_strdup(st, 4);
		rt->rt_path_type = gw_db_col_enum(st, 5, gw_path_type_names);
		free(rt->rt_path);
		rt->rt_path = gw_db_col_strdup(st, 6);
		rt->rt_methods = gw_db_col_strdup(st, 7);
		rt->rt_rewrite = gw_db_col_strdup(st, 8);
		rt->rt_timeout_ms = sqlite3_column_int64(st, 9);
		rt->rt_response_timeout_ms = sqlite3_column_int64(st, 10);
		ri.ri_v = gw_reallocarray(ri.ri_v, ri.ri_n + 1,
		    sizeof(*ri.ri_v));
		ri.ri_v[ri.ri_n].ri_id = sqlite3_column_int64(st, 0);
		ri.ri_v[ri.ri_n].ri_index = cf->cf_nroutes - 1;
		ri.ri_n++;
	}
	if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	if (ri.ri_n > 0)
		qsort(ri.ri_v, ri.ri_n, sizeof(*ri.ri_v), route_id_cmp);
	if (rc == SQLITE_DONE)
		rc = load_route_children(db, cf, &ri, errbuf, errlen) == 0 ?
		    SQLITE_DONE : SQLITE_ERROR;
	free(ri.ri_v);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Scale target ids and their index in cf_scale_targets, by id. */
struct scale_id {
	int64_t	si_id;
	size_t	si_index;
};

static int
scale_id_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct scale_id *)a)->si_id;
	int64_t y = ((const struct scale_id *)b)->si_id;

	return (x > y) - (x < y);
}

/* A stored behavior into t; one that does not parse is kept as a problem. */
static void
load_behavior(struct gw_scale_target *t, const char *text)
{
	char why[256];

	if (text == NULL)
		return;
	t->st_has_behavior = 1;
	if (gw_hpa_behavior_parse(text, &t->st_behavior, why,
	    sizeof(why)) == -1)
		t->st_load_err = gw_asprintf("stored %s", why);
}

static int
load_scale_metrics(sqlite3 *db, struct gw_config *cf, struct scale_id *ids,
    size_t nids, char *errbuf, size_t errlen)
{
	struct gw_scale_target	*t;
	struct gw_scale_metric	*m;
	struct scale_id		 key = { 0, 0 }, *found;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = gw_db_prepare(db, "SELECT target_id, source, metric, service, "
	    "prometheus_url, target_type, target_value, window_ms, activation "
	    "FROM scale_metrics ORDER BY target_id, seq", errbuf, errlen)) ==
	    NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		key.si_id = sqlite3_column_int64(st, 0);
		if ((found = bsearch(&key, ids, nids, sizeof(*ids),
		    scale_id_cmp)) == NULL)
			continue;
		t = &cf->cf_scale_targets[found->si_index];
		t->st_metrics = gw_reallocarray(t->st_metrics,
		    t->st_nmetrics + 1, sizeof(*t->st_metrics));
		m = &t->st_metrics[t->st_nmetrics++];
		gw_scale_metric_init(m);
		/* Unknown words load as -1, which validation reports. */
		m->sm_source = gw_db_col_enum(st, 1, gw_scale_source_names);
		m->sm_metric = gw_db_col_strdup(st, 2);
		m->sm_service = gw_db_col_strdup(st, 3);
		m->sm_url = gw_db_col_strdup(st, 4);
		m->sm_ttype = gw_db_col_enum(st, 5, gw_scale_ttype_names);
		m->sm_target = sqlite3_column_double(st, 6);
		m->sm_window_ms = sqlite3_column_int64(st, 7);
		m->sm_activation = sqlite3_column_double(st, 8);
	}
	if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
gw_config_load_scale(sqlite3 *db, struct gw_config *cf, int64_t **idsp,
    char *errbuf, size_t errlen)
{
	struct gw_scale_target	*t;
	struct scale_id		*ids = NULL;
	sqlite3_stmt		*st;
	size_t			 n = 0, i;
	int			 rc;

	if ((st = gw_db_prepare(db, "SELECT id, name, namespace, workload_kind, "
	    "workload, min_replicas, max_replicas, tolerance, behavior, "
	    "downscale_stabilization_ms, cooldown_ms FROM scale_targets "
	    "ORDER BY name", errbuf, errlen)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = gw_config_new_scale_target(cf);
		gw_scale_target_init(t);
		t->st_name = gw_db_col_strdup(st, 1);
		t->st_namespace = gw_db_col_strdup(st, 2);
		t->st_kind = gw_db_col_enum(st, 3, gw_scale_kind_names);
		t->st_workload = gw_db_col_strdup(st, 4);
		t->st_min = sqlite3_column_int(st, 5);
		t->st_max = sqlite3_column_int(st, 6);
		t->st_tolerance = sqlite3_column_double(st, 7);
		load_behavior(t, gw_db_col_text(st, 8));
		t->st_downscale_ms = sqlite3_column_int64(st, 9);
		t->st_cooldown_ms = sqlite3_column_int64(st, 10);
		ids = gw_reallocarray(ids, n + 1, sizeof(*ids));
		ids[n].si_id = sqlite3_column_int64(st, 0);
		ids[n].si_index = cf->cf_nscale_targets - 1;
		n++;
	}
	if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	if (n > 1)
		qsort(ids, n, sizeof(*ids), scale_id_cmp);
	if (rc == SQLITE_DONE && load_scale_metrics(db, cf, ids, n, errbuf,
	    errlen) == -1)
		rc = SQLITE_ERROR;
	if (rc == SQLITE_DONE && idsp != NULL) {
		*idsp = gw_calloc(n + 1, sizeof(**idsp));
		for (i = 0; i < n; i++)
			(*idsp)[ids[i].si_index] = ids[i].si_id;
	}
	free(ids);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
gw_config_load(sqlite3 *db, struct gw_config *cf, char *errbuf, size_t errlen)
{
	gw_config_init(cf);
	if (load_services(db, cf, errbuf, errlen) == -1 ||
	    load_backends(db, cf, errbuf, errlen) == -1 ||
	    load_routes(db, cf, errbuf, errlen) == -1) {
		gw_config_free(cf);
		return -1;
	}
	gw_config_sort(cf);
	return 0;
}


int64_t
gw_config_generation(sqlite3 *db)
{
	sqlite3_stmt	*st;
	int64_t		 gen = -1;

	if (sqlite3_prepare_v2(db, "SELECT max(generation) FROM generations",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		gen = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return gen;
}

char *
gw_config_change_user(void)
{
	struct passwd	*pw;
	const char	*s;

	if (geteuid() == 0 && (s = getenv("SUDO_USER")) != NULL && *s != '\0')
		return gw_strdup(s);
	if ((pw = getpwuid(getuid())) != NULL)
		return gw_strdup(pw->pw_name);
	return gw_asprintf("uid %u", (unsigned)getuid());
}
