/*
 * store: all of gwctl's SQL.  Loads the config model from the database
 * (the daemons' reader, cfgdb.c, plus the scale targets), writes a change
 * set with its history, and reads the state the daemons write (health,
 * gwscale's decisions); see gw-schema(5) for the tables.
 * The service columns come from gw_service_fields, so a new service
 * setting needs no change here.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cfgdb.h"
#include "config.h"
#include "db.h"
#include "duration.h"
#include "gwctl.h"
#include "str.h"

#define ERR(db)	snprintf(errbuf, errlen, "%s", sqlite3_errmsg(db))

sqlite3 *
store_open(int flags)
{
	const char	*path = gw_db_path(gwctl.g_db_path);
	char		 errbuf[512];
	sqlite3		*db;

	if ((db = gw_db_open(path, flags, errbuf, sizeof(errbuf))) == NULL)
		errx(1, "%s: %s", path, errbuf);
	return db;
}

int64_t
store_generation(sqlite3 *db)
{
	return gw_config_generation(db);
}

/* Prepares sql or fills errbuf; the statement is the caller's. */
/* Steps a statement that returns no row, then finalizes it. */
static int
run(sqlite3 *db, sqlite3_stmt *st, char *errbuf, size_t errlen)
{
	int rc;

	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * run() for an UPDATE or DELETE of one object that the loaded config
 * holds: touching no row means the SQL and the model disagree, and the
 * history must not record a change that did not happen.
 */
static int
run_one(sqlite3 *db, sqlite3_stmt *st, const char *what, char *errbuf,
    size_t errlen)
{
	if (run(db, st, errbuf, errlen) == -1)
		return -1;
	if (sqlite3_changes(db) != 1) {
		snprintf(errbuf, errlen, "%s: %d rows changed, expected 1",
		    what, sqlite3_changes(db));
		return -1;
	}
	return 0;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

int
store_load(sqlite3 *db, struct gw_config *cf, char *errbuf, size_t errlen)
{
	if (gw_config_load(db, cf, errbuf, errlen) == -1)
		return -1;
	if (gw_config_load_scale(db, cf, NULL, errbuf, errlen) == -1) {
		gw_config_free(cf);
		return -1;
	}
	gw_config_sort(cf);
	return 0;
}

static int
write_service(sqlite3 *db, const struct change *ch, char *errbuf,
    size_t errlen)
{
	const struct gw_service	*sv;
	const struct gw_field	*f;
	struct gw_buf		 sql = { 0 };
	sqlite3_stmt		*st;
	size_t			 i;

	if (ch->ch_op == CHANGE_DELETE) {
		sv = ch->ch_before;
		if ((st = gw_db_prepare(db, "DELETE FROM services WHERE name = ?",
		    errbuf, errlen)) == NULL)
			return -1;
		bind_text(st, 1, sv->sv_name);
		return run_one(db, st, ch->ch_name, errbuf, errlen);
	}
	sv = ch->ch_after;
	if (ch->ch_op == CHANGE_CREATE) {
		gw_buf_puts(&sql, "INSERT INTO services (");
		for (i = 0; i < gw_service_nfields; i++)
			gw_buf_printf(&sql, "%s, ",
			    gw_service_fields[i].f_column);
		gw_buf_puts(&sql, "name) VALUES (");
		for (i = 0; i < gw_service_nfields; i++)
			gw_buf_puts(&sql, "?, ");
		gw_buf_puts(&sql, "?)");
	} else {
		gw_buf_puts(&sql, "UPDATE services SET ");
		for (i = 0; i < gw_service_nfields; i++)
			gw_buf_printf(&sql, "%s%s = ?", i ? ", " : "",
			    gw_service_fields[i].f_column);
		gw_buf_puts(&sql, " WHERE name = ?");
	}
	st = gw_db_prepare(db, gw_buf_str(&sql), errbuf, errlen);
	gw_buf_free(&sql);
	if (st == NULL)
		return -1;
	for (i = 0; i < gw_service_nfields; i++) {
		f = &gw_service_fields[i];
		switch (f->f_type) {
		case GW_FT_INT:
		case GW_FT_DURATION:
		case GW_FT_PERCENT:
			sqlite3_bind_int64(st, (int)i + 1,
			    gw_field_i64_get(f, sv));
			break;
		case GW_FT_ENUM:
			bind_text(st, (int)i + 1,
			    f->f_enum[gw_field_enum_get(f, sv)]);
			break;
		case GW_FT_STR:
			bind_text(st, (int)i + 1, gw_field_str_get(f, sv));
			break;
		}
	}
	bind_text(st, (int)gw_service_nfields + 1, sv->sv_name);
	return run_one(db, st, ch->ch_name, errbuf, errlen);
}

#define SERVICE_ID	"(SELECT id FROM services WHERE name = ?1)"

static int
write_backend(sqlite3 *db, const struct change *ch, char *errbuf,
    size_t errlen)
{
	const struct gw_backend	*be;
	sqlite3_stmt		*st;

	switch (ch->ch_op) {
	case CHANGE_DELETE:
		be = ch->ch_before;
		st = gw_db_prepare(db, "DELETE FROM backends WHERE service_id = "
		    SERVICE_ID " AND host = ?2 AND port = ?3", errbuf, errlen);
		break;
	case CHANGE_CREATE:
		be = ch->ch_after;
		st = gw_db_prepare(db, "INSERT INTO backends (service_id, host, port, "
		    "weight, admin_state, source) VALUES (" SERVICE_ID ", ?2, "
		    "?3, ?4, ?5, ?6)", errbuf, errlen);
		break;
	default:
		be = ch->ch_after;
		st = gw_db_prepare(db, "UPDATE backends SET weight = ?4, "
		    "admin_state = ?5, source = ?6 WHERE service_id = "
		    SERVICE_ID " AND host = ?2 AND port = ?3", errbuf, errlen);
		break;
	}
	if (st == NULL)
		return -1;
	bind_text(st, 1, be->be_service);
	bind_text(st, 2, be->be_host);
	sqlite3_bind_int(st, 3, be->be_port);
	if (ch->ch_op != CHANGE_DELETE) {
		sqlite3_bind_int(st, 4, be->be_weight);
		bind_text(st, 5, gw_admin_names[be->be_state]);
		bind_text(st, 6, gw_be_source_names[be->be_source]);
	}
	return run_one(db, st, ch->ch_name, errbuf, errlen);
}

static int
write_route_children(sqlite3 *db, const struct gw_route *rt, char *errbuf,
    size_t errlen)
{
	const struct gw_hdr_edit	*he;
	sqlite3_stmt			*st;
	size_t				 i;

	if ((st = gw_db_prepare(db, "DELETE FROM route_headers WHERE route_id = "
	    "(SELECT id FROM routes WHERE name = ?)", errbuf, errlen)) ==
	    NULL)
		return -1;
	bind_text(st, 1, rt->rt_name);
	if (run(db, st, errbuf, errlen) == -1)
		return -1;
	if ((st = gw_db_prepare(db, "DELETE FROM route_header_edits WHERE route_id = "
	    "(SELECT id FROM routes WHERE name = ?)", errbuf, errlen)) ==
	    NULL)
		return -1;
	bind_text(st, 1, rt->rt_name);
	if (run(db, st, errbuf, errlen) == -1)
		return -1;
	for (i = 0; i < rt->rt_nheaders; i++) {
		if ((st = gw_db_prepare(db, "INSERT INTO route_headers (route_id, "
		    "name, value) VALUES ((SELECT id FROM routes WHERE "
		    "name = ?), ?, ?)", errbuf, errlen)) == NULL)
			return -1;
		bind_text(st, 1, rt->rt_name);
		bind_text(st, 2, rt->rt_headers[i].hm_name);
		bind_text(st, 3, rt->rt_headers[i].hm_value);
		if (run(db, st, errbuf, errlen) == -1)
			return -1;
	}
	for (i = 0; i < rt->rt_nedits; i++) {
		he = &rt->rt_edits[i];
		if ((st = gw_db_prepare(db, "INSERT INTO route_header_edits (route_id, "
		    "seq, phase, op, name, value) VALUES ((SELECT id FROM "
		    "routes WHERE name = ?), ?, ?, ?, ?, ?)", errbuf,
		    errlen)) == NULL)
			return -1;
		bind_text(st, 1, rt->rt_name);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		bind_text(st, 3, gw_phase_names[he->he_phase]);
		bind_text(st, 4, gw_edit_op_names[he->he_op]);
		bind_text(st, 5, he->he_name);
		bind_text(st, 6, he->he_value);
		if (run(db, st, errbuf, errlen) == -1)
			return -1;
	}
	return 0;
}

static int
write_route(sqlite3 *db, const struct change *ch, char *errbuf,
    size_t errlen)
{
	const struct gw_route	*rt;
	sqlite3_stmt		*st;

	if (ch->ch_op == CHANGE_DELETE) {
		rt = ch->ch_before;
		if ((st = gw_db_prepare(db, "DELETE FROM routes WHERE name = ?",
		    errbuf, errlen)) == NULL)
			return -1;
		bind_text(st, 1, rt->rt_name);
		return run_one(db, st, ch->ch_name, errbuf, errlen);
	}
	rt = ch->ch_after;
	if (ch->ch_op == CHANGE_CREATE)
		st = gw_db_prepare(db, "INSERT INTO routes (name, service_id, "
		    "priority, host, path_type, path, methods, rewrite, "
		    "timeout_ms, response_timeout_ms) VALUES (?1, (SELECT id "
		    "FROM services WHERE name = ?2), ?3, ?4, ?5, ?6, ?7, ?8, "
		    "?9, ?10)", errbuf, errlen);
	else
		st = gw_db_prepare(db, "UPDATE routes SET service_id = (SELECT id "
		    "FROM services WHERE name = ?2), priority = ?3, "
		    "host = ?4, path_type = ?5, path = ?6, methods = ?7, "
		    "rewrite = ?8, timeout_ms = ?9, response_timeout_ms = ?10 "
		    "WHERE name = ?1", errbuf, errlen);
	if (st == NULL)
		return -1;
	bind_text(st, 1, rt->rt_name);
	bind_text(st, 2, rt->rt_service);
	sqlite3_bind_int64(st, 3, rt->rt_priority);
	bind_text(st, 4, rt->rt_host);
	bind_text(st, 5, gw_path_type_names[rt->rt_path_type]);
	bind_text(st, 6, rt->rt_path);
	bind_text(st, 7, rt->rt_methods);
	bind_text(st, 8, rt->rt_rewrite);
	if (rt->rt_timeout_ms > 0)
		sqlite3_bind_int64(st, 9, rt->rt_timeout_ms);
	else
		sqlite3_bind_null(st, 9);
	if (rt->rt_response_timeout_ms > 0)
		sqlite3_bind_int64(st, 10, rt->rt_response_timeout_ms);
	else
		sqlite3_bind_null(st, 10);
	if (run_one(db, st, ch->ch_name, errbuf, errlen) == -1)
		return -1;
	return write_route_children(db, rt, errbuf, errlen);
}

#define SCALE_ID	"(SELECT id FROM scale_targets WHERE name = ?1)"

/* The metrics of a target, replaced whole: they have no identity. */
static int
write_scale_metrics(sqlite3 *db, const struct gw_scale_target *t,
    char *errbuf, size_t errlen)
{
	const struct gw_scale_metric	*m;
	sqlite3_stmt			*st;
	size_t				 i;

	if ((st = gw_db_prepare(db, "DELETE FROM scale_metrics WHERE target_id = "
	    SCALE_ID, errbuf, errlen)) == NULL)
		return -1;
	bind_text(st, 1, t->st_name);
	if (run(db, st, errbuf, errlen) == -1)
		return -1;
	for (i = 0; i < t->st_nmetrics; i++) {
		m = &t->st_metrics[i];
		if ((st = gw_db_prepare(db, "INSERT INTO scale_metrics (target_id, seq, "
		    "source, metric, service, prometheus_url, target_type, "
		    "target_value, window_ms, activation) VALUES (" SCALE_ID
		    ", ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", errbuf,
		    errlen)) == NULL)
			return -1;
		bind_text(st, 1, t->st_name);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		bind_text(st, 3, gw_scale_source_names[m->sm_source]);
		bind_text(st, 4, m->sm_metric);
		bind_text(st, 5, m->sm_service);
		bind_text(st, 6, m->sm_url);
		bind_text(st, 7, gw_scale_ttype_names[m->sm_ttype]);
		sqlite3_bind_double(st, 8, m->sm_target);
		sqlite3_bind_int64(st, 9, m->sm_window_ms);
		sqlite3_bind_double(st, 10, m->sm_activation);
		if (run(db, st, errbuf, errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * A scale target.  An update keeps the row, and with it gwscale's state
 * and decisions of the target; a delete takes them along (ON DELETE
 * CASCADE).  The behavior is stored as the API server stores an HPA's:
 * every default filled in.
 */
static int
write_scale(sqlite3 *db, const struct change *ch, char *errbuf,
    size_t errlen)
{
	const struct gw_scale_target	*t;
	sqlite3_stmt			*st;
	char				*beh = NULL;
	int				 rc;

	if (ch->ch_op == CHANGE_DELETE) {
		t = ch->ch_before;
		if ((st = gw_db_prepare(db, "DELETE FROM scale_targets WHERE name = ?1",
		    errbuf, errlen)) == NULL)
			return -1;
		bind_text(st, 1, t->st_name);
		return run_one(db, st, ch->ch_name, errbuf, errlen);
	}
	t = ch->ch_after;
	if (ch->ch_op == CHANGE_CREATE)
		st = gw_db_prepare(db, "INSERT INTO scale_targets (name, namespace, "
		    "workload_kind, workload, min_replicas, max_replicas, "
		    "tolerance, behavior, downscale_stabilization_ms, "
		    "cooldown_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
		    "?10)", errbuf, errlen);
	else
		st = gw_db_prepare(db, "UPDATE scale_targets SET namespace = ?2, "
		    "workload_kind = ?3, workload = ?4, min_replicas = ?5, "
		    "max_replicas = ?6, tolerance = ?7, behavior = ?8, "
		    "downscale_stabilization_ms = ?9, cooldown_ms = ?10 "
		    "WHERE name = ?1", errbuf, errlen);
	if (st == NULL)
		return -1;
	if (t->st_has_behavior &&
	    (beh = gw_hpa_behavior_json(&t->st_behavior)) == NULL)
		errx(1, "out of memory");
	bind_text(st, 1, t->st_name);
	bind_text(st, 2, t->st_namespace);
	bind_text(st, 3, gw_scale_kind_names[t->st_kind]);
	bind_text(st, 4, t->st_workload);
	sqlite3_bind_int(st, 5, t->st_min);
	sqlite3_bind_int(st, 6, t->st_max);
	sqlite3_bind_double(st, 7, t->st_tolerance);
	bind_text(st, 8, beh);
	sqlite3_bind_int64(st, 9, t->st_downscale_ms);
	sqlite3_bind_int64(st, 10, t->st_cooldown_ms);
	rc = run_one(db, st, ch->ch_name, errbuf, errlen);
	free(beh);
	if (rc == -1)
		return -1;
	return write_scale_metrics(db, t, errbuf, errlen);
}

/* The JSON text of an object as history keeps it, or NULL. */
static char *
change_json(enum gw_kind kind, const void *obj)
{
	json_t	*j;
	char	*s;

	if ((j = change_object_json(kind, obj)) == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT | json_real_flags(j));
	json_decref(j);
	if (s == NULL)
		errx(1, "out of memory");
	return s;
}

static int
write_history(sqlite3 *db, const struct changeset *cs, int64_t gen,
    const char *summary, char *errbuf, size_t errlen)
{
	const struct change	*ch;
	sqlite3_stmt		*st;
	char			*before, *after;
	size_t			 i;
	int			 rc;

	if ((st = gw_db_prepare(db, "INSERT INTO generations (generation, created_at, "
	    "user, command, summary) VALUES (?, ?, ?, ?, ?)", errbuf,
	    errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, gen);
	sqlite3_bind_int64(st, 2, gw_now_ms());
	bind_text(st, 3, gwctl.g_user);
	bind_text(st, 4, gwctl.g_command);
	bind_text(st, 5, summary);
	if (run(db, st, errbuf, errlen) == -1)
		return -1;
	for (i = 0; i < cs->cs_n; i++) {
		ch = &cs->cs_v[i];
		if ((st = gw_db_prepare(db, "INSERT INTO changes (generation, kind, "
		    "name, op, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?)",
		    errbuf, errlen)) == NULL)
			return -1;
		before = change_json(ch->ch_kind, ch->ch_before);
		after = change_json(ch->ch_kind, ch->ch_after);
		sqlite3_bind_int64(st, 1, gen);
		bind_text(st, 2, gw_kind_names[ch->ch_kind]);
		bind_text(st, 3, ch->ch_name);
		bind_text(st, 4, change_op_names[ch->ch_op]);
		bind_text(st, 5, before);
		bind_text(st, 6, after);
		rc = run(db, st, errbuf, errlen);
		free(before);
		free(after);
		if (rc == -1)
			return -1;
	}
	return 0;
}

int64_t
store_write(sqlite3 *db, const struct changeset *cs, const char *summary,
    char *errbuf, size_t errlen)
{
	const struct change	*ch;
	int64_t			 gen;
	size_t			 i;
	int			 rc;

	if ((gen = store_generation(db)) < 0) {
		ERR(db);
		return -1;
	}
	gen++;
	for (i = 0; i < cs->cs_n; i++) {
		ch = &cs->cs_v[i];
		switch (ch->ch_kind) {
		case GW_KIND_SERVICE:
			rc = write_service(db, ch, errbuf, errlen);
			break;
		case GW_KIND_BACKEND:
			rc = write_backend(db, ch, errbuf, errlen);
			break;
		case GW_KIND_SCALE:
			rc = write_scale(db, ch, errbuf, errlen);
			break;
		default:
			rc = write_route(db, ch, errbuf, errlen);
			break;
		}
		if (rc == -1)
			return -1;
	}
	if (write_history(db, cs, gen, summary, errbuf, errlen) == -1)
		return -1;
	return gen;
}

int
store_history(sqlite3 *db, int64_t limit, struct hist_gen **out, size_t *n,
    char *errbuf, size_t errlen)
{
	struct hist_gen	*hg;
	sqlite3_stmt	*st;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((st = gw_db_prepare(db, "SELECT generation, created_at, user, command, "
	    "summary FROM generations ORDER BY generation DESC LIMIT ?",
	    errbuf, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = gw_reallocarray(*out, *n + 1, sizeof(**out));
		hg = &(*out)[(*n)++];
		hg->hg_generation = sqlite3_column_int64(st, 0);
		hg->hg_created_at = sqlite3_column_int64(st, 1);
		hg->hg_user = gw_db_col_strdup(st, 2);
		hg->hg_command = gw_db_col_strdup(st, 3);
		hg->hg_summary = gw_db_col_strdup(st, 4);
	}
	if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
hist_gen_free(struct hist_gen *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].hg_user);
		free(v[i].hg_command);
		free(v[i].hg_summary);
	}
	free(v);
}

static int
changes_query(sqlite3 *db, sqlite3_stmt *st, struct hist_change **out,
    size_t *n, char *errbuf, size_t errlen)
{
	struct hist_change	*hc;
	int			 rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = gw_reallocarray(*out, *n + 1, sizeof(**out));
		hc = &(*out)[(*n)++];
		hc->hc_generation = sqlite3_column_int64(st, 0);
		hc->hc_kind = gw_db_col_enum(st, 1, gw_kind_names);
		hc->hc_op = gw_db_col_enum(st, 2, change_op_names);
		hc->hc_name = gw_db_col_strdup(st, 3);
		hc->hc_before = gw_db_col_strdup(st, 4);
		hc->hc_after = gw_db_col_strdup(st, 5);
	}
	if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

#define CHANGE_COLS "SELECT generation, kind, op, name, before_json, " \
	"after_json FROM changes "

/* The changes that sql selects with one generation bound to it. */
static int
changes_by_gen(sqlite3 *db, const char *sql, int64_t gen,
    struct hist_change **out, size_t *n, char *errbuf, size_t errlen)
{
	sqlite3_stmt *st;

	if ((st = gw_db_prepare(db, sql, errbuf, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, gen);
	return changes_query(db, st, out, n, errbuf, errlen);
}

int
store_changes_after(sqlite3 *db, int64_t gen, struct hist_change **out,
    size_t *n, char *errbuf, size_t errlen)
{
	return changes_by_gen(db, CHANGE_COLS "WHERE generation > ? "
	    "ORDER BY id DESC", gen, out, n, errbuf, errlen);
}

int
store_changes_of(sqlite3 *db, int64_t gen, struct hist_change **out,
    size_t *n, char *errbuf, size_t errlen)
{
	return changes_by_gen(db, CHANGE_COLS "WHERE generation = ? "
	    "ORDER BY id", gen, out, n, errbuf, errlen);
}

int
store_changes_for(sqlite3 *db, int kind, const char *name, int64_t limit,
    struct hist_change **out, size_t *n, char *errbuf, size_t errlen)
{
	sqlite3_stmt *st;

	if ((st = gw_db_prepare(db, CHANGE_COLS "WHERE kind = ? AND name = ? "
	    "ORDER BY id DESC LIMIT ?", errbuf, errlen)) == NULL)
		return -1;
	bind_text(st, 1, gw_kind_names[kind]);
	bind_text(st, 2, name);
	sqlite3_bind_int64(st, 3, limit > 0 ? limit : -1);
	return changes_query(db, st, out, n, errbuf, errlen);
}

void
hist_change_free(struct hist_change *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].hc_name);
		free(v[i].hc_before);
		free(v[i].hc_after);
	}
	free(v);
}

/* Column i as an integer, or -1 for NULL. */
static int64_t
col_int_or(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return -1;
	return sqlite3_column_int64(st, i);
}

int
store_health(sqlite3 *db, const char *service, int64_t now,
    struct health_row **out, size_t *n, char *errbuf, size_t errlen)
{
	struct health_row	*hr;
	sqlite3_stmt		*st;
	int			 rc;

	*out = NULL;
	*n = 0;
	/*
	 * Each gwproxy instance ejects on its own: a backend is ejected
	 * while any instance has it out, until the latest end.
	 */
	if ((st = gw_db_prepare(db, "SELECT s.name, b.host, b.port, b.admin_state, "
	    "b.source, s.hc_type, s.hc_initial, h.state, h.since_at, "
	    "h.checked_at, h.latency_us, h.reason, h.pass_streak, "
	    "h.fail_streak, e.until_at, e.reason "
	    "FROM backends b JOIN services s ON s.id = b.service_id "
	    "LEFT JOIN backend_health h ON h.backend_id = b.id "
	    "LEFT JOIN backend_ejections e ON e.rowid = "
	    "(SELECT rowid FROM backend_ejections WHERE backend_id = b.id "
	    "AND until_at > ?1 ORDER BY until_at DESC LIMIT 1) "
	    "WHERE ?2 IS NULL OR s.name = ?2 "
	    "ORDER BY s.name, b.host, b.port", errbuf, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	bind_text(st, 2, service);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = gw_reallocarray(*out, *n + 1, sizeof(**out));
		hr = &(*out)[(*n)++];
		hr->hr_service = gw_db_col_strdup(st, 0);
		hr->hr_host = gw_db_col_strdup(st, 1);
		hr->hr_port = sqlite3_column_int(st, 2);
		hr->hr_admin = gw_db_col_enum(st, 3, gw_admin_names);
		hr->hr_source = gw_db_col_enum(st, 4, gw_be_source_names);
		hr->hr_hc_type = gw_db_col_enum(st, 5, gw_hc_type_names);
		hr->hr_initial = gw_db_col_enum(st, 6, gw_hc_initial_names);
		hr->hr_state = gw_db_col_strdup(st, 7);
		hr->hr_since_at = col_int_or(st, 8);
		hr->hr_checked_at = col_int_or(st, 9);
		hr->hr_latency_us = col_int_or(st, 10);
		hr->hr_reason = gw_db_col_strdup(st, 11);
		hr->hr_pass_streak = col_int_or(st, 12);
		hr->hr_fail_streak = col_int_or(st, 13);
		hr->hr_eject_until_at = col_int_or(st, 14);
		hr->hr_eject_reason = gw_db_col_strdup(st, 15);
	}
	if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
health_row_free(struct health_row *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].hr_service);
		free(v[i].hr_host);
		free(v[i].hr_state);
		free(v[i].hr_reason);
		free(v[i].hr_eject_reason);
	}
	free(v);
}

int
store_events(sqlite3 *db, int64_t since, const char *service, int64_t limit,
    struct health_event **out, size_t *n, char *errbuf, size_t errlen)
{
	struct health_event	*ev;
	sqlite3_stmt		*st;
	int			 rc;

	*out = NULL;
	*n = 0;
	/* id breaks ties: two transitions of one millisecond, in order. */
	if ((st = gw_db_prepare(db, "SELECT at, service, backend, from_state, "
	    "to_state, reason, source FROM health_transitions "
	    "WHERE at >= ?1 AND (?2 IS NULL OR service = ?2) "
	    "ORDER BY at DESC, id DESC LIMIT ?3", errbuf, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	bind_text(st, 2, service);
	sqlite3_bind_int64(st, 3, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = gw_reallocarray(*out, *n + 1, sizeof(**out));
		ev = &(*out)[(*n)++];
		ev->ev_at = sqlite3_column_int64(st, 0);
		ev->ev_service = gw_db_col_strdup(st, 1);
		ev->ev_backend = gw_db_col_strdup(st, 2);
		ev->ev_from = gw_db_col_strdup(st, 3);
		ev->ev_to = gw_db_col_strdup(st, 4);
		ev->ev_reason = gw_db_col_strdup(st, 5);
		ev->ev_source = gw_db_col_strdup(st, 6);
	}
	if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
health_event_free(struct health_event *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].ev_service);
		free(v[i].ev_backend);
		free(v[i].ev_from);
		free(v[i].ev_to);
		free(v[i].ev_reason);
		free(v[i].ev_source);
	}
	free(v);
}

/* One row of scale_decisions (the columns of the query below) into sd. */
static void
decision_row(sqlite3_stmt *st, struct scale_decision *sd)
{
	sd->sd_id = sqlite3_column_int64(st, 0);
	sd->sd_target_id = sqlite3_column_int64(st, 1);
	sd->sd_target = gw_db_col_strdup(st, 2);
	sd->sd_at = col_int_or(st, 3);
	sd->sd_metrics = gw_db_col_strdup(st, 4);
	sd->sd_current = col_int_or(st, 5);
	sd->sd_desired = col_int_or(st, 6);
	sd->sd_mode = gw_db_col_strdup(st, 7);
	sd->sd_reason = gw_db_col_strdup(st, 8);
}

static int
decisions_query(sqlite3 *db, sqlite3_stmt *st, struct scale_decision **out,
    size_t *n, char *errbuf, size_t errlen)
{
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = gw_reallocarray(*out, *n + 1, sizeof(**out));
		decision_row(st, &(*out)[(*n)++]);
	}
	if (rc != SQLITE_DONE)
		ERR(db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_scale_latest(sqlite3 *db, struct scale_decision **out, size_t *n,
    char *errbuf, size_t errlen)
{
	sqlite3_stmt *st;

	/* id breaks ties: two decisions of one millisecond, the later. */
	if ((st = gw_db_prepare(db, "SELECT d.id, t.id, t.name, d.at, d.metrics, "
	    "d.current_replicas, d.desired_replicas, d.mode, d.reason "
	    "FROM scale_targets t LEFT JOIN scale_decisions d ON d.id = "
	    "(SELECT id FROM scale_decisions WHERE target_id = t.id "
	    "ORDER BY at DESC, id DESC LIMIT 1) ORDER BY t.name", errbuf,
	    errlen)) == NULL)
		return -1;
	return decisions_query(db, st, out, n, errbuf, errlen);
}

int
store_scale_decisions(sqlite3 *db, const char *target, int64_t since,
    int64_t limit, struct scale_decision **out, size_t *n, char *errbuf,
    size_t errlen)
{
	sqlite3_stmt *st;

	if ((st = gw_db_prepare(db, "SELECT d.id, t.id, t.name, d.at, d.metrics, "
	    "d.current_replicas, d.desired_replicas, d.mode, d.reason "
	    "FROM scale_decisions d JOIN scale_targets t "
	    "ON t.id = d.target_id WHERE t.name = ?1 AND d.at >= ?2 "
	    "ORDER BY d.at DESC, d.id DESC LIMIT ?3", errbuf, errlen)) ==
	    NULL)
		return -1;
	bind_text(st, 1, target);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, limit > 0 ? limit : -1);
	return decisions_query(db, st, out, n, errbuf, errlen);
}

void
scale_decision_free(struct scale_decision *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].sd_target);
		free(v[i].sd_metrics);
		free(v[i].sd_mode);
		free(v[i].sd_reason);
	}
	free(v);
}
