/*
 * cfgdb: reading the configuration tables (services, backends, routes and
 * their children; gw-schema(5)) into the model of config.h.
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
