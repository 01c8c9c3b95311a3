/*
 * store: all of gwhealth's SQL; see store.h.  The tables and columns are
 * gw-schema(5)'s; gwhealth is the one writer of backend_health and of
 * the gwhealth rows of health_transitions, and writes backends only for
 * DNS discovery, the way gwctl writes a change (a generation and its
 * history).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "addr.h"
#include "cfgdb.h"
#include "config.h"
#include "db.h"
#include "duration.h"
#include "gwhealth.h"
#include "hstate.h"
#include "log.h"
#include "store.h"
#include "str.h"

#define ERR(db)	snprintf(errbuf, errlen, "%s", sqlite3_errmsg(db))

static int
store_is_busy(sqlite3 *db)
{
	int rc = sqlite3_errcode(db) & 0xff;

	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* Orders like gw_config_sort(): service, host, port. */
static int
store_cmp(const struct gw_backend *be, const char *svc, const char *host,
    int port)
{
	int c;

	if ((c = strcmp(be->be_service, svc)) != 0)
		return c;
	if ((c = strcmp(be->be_host, host)) != 0)
		return c;
	return (be->be_port > port) - (be->be_port < port);
}

static void
store_health_row(sqlite3_stmt *st, struct store_backend *sb)
{
	const char *reason;

	sb->sb_id = sqlite3_column_int64(st, 0);
	sb->sb_has_health = sqlite3_column_type(st, 4) != SQLITE_NULL;
	sb->sb_state = HS_UNKNOWN;
	sb->sb_latency_us = -1;
	if (!sb->sb_has_health)
		return;
	sb->sb_state = gw_db_col_enum(st, 5, hs_state_names);
	if (sb->sb_state < 0)
		sb->sb_state = HS_UNKNOWN;
	sb->sb_since_at = sqlite3_column_int64(st, 6);
	sb->sb_checked_at = sqlite3_column_int64(st, 7);
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		sb->sb_latency_us = sqlite3_column_int64(st, 8);
	if ((reason = gw_db_col_text(st, 9)) != NULL)
		gw_strlcpy(sb->sb_reason, reason, sizeof(sb->sb_reason));
	sb->sb_pass = sqlite3_column_int64(st, 10);
	sb->sb_fail = sqlite3_column_int64(st, 11);
	/* The schema keeps one of them 0; stay sane on a hand edit. */
	if (sb->sb_pass < 0 || sb->sb_fail < 0 ||
	    (sb->sb_pass > 0 && sb->sb_fail > 0))
		sb->sb_pass = sb->sb_fail = 0;
}

/* Ids and health of cf's backends: one merge pass, both sorted. */
static struct store_backend *
store_backends(sqlite3 *db, const struct gw_config *cf, char *errbuf,
    size_t errlen)
{
	struct store_backend	*bes;
	sqlite3_stmt		*st;
	size_t			 i = 0;
	int			 c = 1, rc;

	bes = gw_calloc(cf->cf_nbackends + 1, sizeof(*bes));
	for (i = 0; i < cf->cf_nbackends; i++) {
		bes[i].sb_id = -1;
		bes[i].sb_latency_us = -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT b.id, s.name, b.host, b.port, "
	    "h.backend_id, h.state, h.since_at, h.checked_at, h.latency_us, "
	    "h.reason, h.pass_streak, h.fail_streak FROM backends b "
	    "JOIN services s ON s.id = b.service_id "
	    "LEFT JOIN backend_health h ON h.backend_id = b.id "
	    "ORDER BY s.name, b.host, b.port", -1, &st, NULL) != SQLITE_OK) {
		ERR(db);
		free(bes);
		return NULL;
	}
	i = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (; i < cf->cf_nbackends; i++)
			if ((c = store_cmp(&cf->cf_backends[i],
			    gw_db_col_text(st, 1), gw_db_col_text(st, 2),
			    sqlite3_column_int(st, 3))) >= 0)
				break;
		if (i < cf->cf_nbackends && c == 0)
			store_health_row(st, &bes[i]);
	}
	if (rc != SQLITE_DONE) {
		ERR(db);
		free(bes);
		bes = NULL;
	}
	sqlite3_finalize(st);
	return bes;
}

int
store_load(sqlite3 *db, struct gw_config *cf, struct store_backend **bes,
    int64_t *gen, char *errbuf, size_t errlen)
{
	if (gw_db_exec(db, "BEGIN", errbuf, errlen) == -1)
		return -1;
	if (gw_config_load(db, cf, errbuf, errlen) == -1) {
		gw_db_rollback(db);
		return -1;
	}
	*gen = gw_config_generation(db);
	*bes = store_backends(db, cf, errbuf, errlen);
	gw_db_rollback(db);
	if (*bes == NULL) {
		gw_config_free(cf);
		return -1;
	}
	return 0;
}

int
store_fingerprint(sqlite3 *db, uint64_t *fp, char *errbuf, size_t errlen)
{
	/* What store_load() reads that decides the checks. */
	static const char *const queries[] = {
		"SELECT max(generation) FROM generations",
		"SELECT * FROM services ORDER BY rowid",
		"SELECT * FROM backends ORDER BY rowid",
	};

	return gw_db_fingerprint(db, queries,
	    sizeof(queries) / sizeof(queries[0]), fp, errbuf, errlen);
}

/*
 * Batches.
 */

struct store_row *
store_batch_row(struct store_batch *bt)
{
	if (bt->bt_nrows == bt->bt_caprows) {
		bt->bt_caprows = bt->bt_caprows ? bt->bt_caprows * 2 : 64;
		bt->bt_rows = gw_reallocarray(bt->bt_rows, bt->bt_caprows,
		    sizeof(*bt->bt_rows));
	}
	memset(&bt->bt_rows[bt->bt_nrows], 0, sizeof(*bt->bt_rows));
	return &bt->bt_rows[bt->bt_nrows++];
}

struct store_trans *
store_batch_trans(struct store_batch *bt)
{
	if (bt->bt_ntrans == bt->bt_captrans) {
		bt->bt_captrans = bt->bt_captrans ? bt->bt_captrans * 2 : 16;
		bt->bt_trans = gw_reallocarray(bt->bt_trans, bt->bt_captrans,
		    sizeof(*bt->bt_trans));
	}
	memset(&bt->bt_trans[bt->bt_ntrans], 0, sizeof(*bt->bt_trans));
	return &bt->bt_trans[bt->bt_ntrans++];
}

void
store_batch_clear(struct store_batch *bt)
{
	bt->bt_nrows = 0;
	bt->bt_ntrans = 0;
}

void
store_batch_append(struct store_batch *dst, const struct store_batch *src)
{
	size_t i;

	for (i = 0; i < src->bt_nrows; i++)
		*store_batch_row(dst) = src->bt_rows[i];
	for (i = 0; i < src->bt_ntrans; i++)
		*store_batch_trans(dst) = src->bt_trans[i];
}

void
store_batch_free(struct store_batch *bt)
{
	free(bt->bt_rows);
	free(bt->bt_trans);
	memset(bt, 0, sizeof(*bt));
}

/*
 * Writes.
 */

static void
store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL || *s == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/*
 * A row lands only when its backend is still the one it is about (that
 * id with that host and port): one deleted meanwhile is skipped, and so
 * is a new one that reused the id.  Once written, a backend's row is
 * updated in place, so the update goes first; the insert is for its
 * first result.
 */
#define STORE_ROW_SAME \
"EXISTS (SELECT 1 FROM backends WHERE id = ?1 AND host = ?2 AND port = ?3)"

static const char store_update_sql[] =
"UPDATE backend_health SET state = ?4, since_at = ?5, checked_at = ?6,\n"
"    latency_us = ?7, reason = ?8, pass_streak = ?9, fail_streak = ?10\n"
"WHERE backend_id = ?1 AND " STORE_ROW_SAME;

static const char store_insert_sql[] =
"INSERT OR IGNORE INTO backend_health (backend_id, state, since_at,\n"
"    checked_at, latency_us, reason, pass_streak, fail_streak)\n"
"SELECT ?1, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE " STORE_ROW_SAME;

static const char store_trans_sql[] =
"INSERT INTO health_transitions (at, service, backend, from_state,\n"
"    to_state, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/* Binds row r to st, a statement of store_update_sql's parameters. */
static void
store_bind_row(sqlite3_stmt *st, const struct store_row *r)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, r->sr_id);
	sqlite3_bind_text(st, 2, r->sr_host, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->sr_port);
	sqlite3_bind_text(st, 4, hs_state_names[r->sr_state], -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, r->sr_since_at);
	if (r->sr_checked_at > 0)
		sqlite3_bind_int64(st, 6, r->sr_checked_at);
	else
		sqlite3_bind_null(st, 6);
	if (r->sr_latency_us >= 0)
		sqlite3_bind_int64(st, 7, r->sr_latency_us);
	else
		sqlite3_bind_null(st, 7);
	store_bind_text(st, 8, r->sr_reason);
	sqlite3_bind_int64(st, 9, r->sr_pass);
	sqlite3_bind_int64(st, 10, r->sr_fail);
}

static int
store_rows(sqlite3 *db, const struct store_batch *bt)
{
	sqlite3_stmt	*up = NULL, *ins = NULL;
	size_t		 i;
	int		 rc = -1;

	if (bt->bt_nrows == 0)
		return 0;
	if (sqlite3_prepare_v2(db, store_update_sql, -1, &up, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(db, store_insert_sql, -1, &ins, NULL) !=
	    SQLITE_OK)
		goto out;
	for (i = 0; i < bt->bt_nrows; i++) {
		store_bind_row(up, &bt->bt_rows[i]);
		if (sqlite3_step(up) != SQLITE_DONE)
			goto out;
		if (sqlite3_changes(db) > 0)
			continue;
		store_bind_row(ins, &bt->bt_rows[i]);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(up);
	sqlite3_finalize(ins);
	return rc;
}

static int
store_transitions(sqlite3 *db, const struct store_batch *bt)
{
	const struct store_trans	*t;
	sqlite3_stmt			*st;
	size_t				 i;

	if (bt->bt_ntrans == 0)
		return 0;
	if (sqlite3_prepare_v2(db, store_trans_sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	for (i = 0; i < bt->bt_ntrans; i++) {
		t = &bt->bt_trans[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, t->st_at);
		sqlite3_bind_text(st, 2, t->st_service, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, t->st_backend, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, hs_state_names[t->st_from], -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 5, hs_state_names[t->st_to], -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 6, t->st_reason, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

int
store_write(sqlite3 *db, const struct store_batch *bt, int *busy,
    char *errbuf, size_t errlen)
{
	*busy = 0;
	if (bt->bt_nrows == 0 && bt->bt_ntrans == 0)
		return 0;
	if (gw_db_begin(db, errbuf, errlen) == -1) {
		*busy = store_is_busy(db);
		return -1;
	}
	if (store_rows(db, bt) == -1 || store_transitions(db, bt) == -1) {
		*busy = store_is_busy(db);
		ERR(db);
		gw_db_rollback(db);
		return -1;
	}
	if (gw_db_commit(db, errbuf, errlen) == -1) {
		*busy = store_is_busy(db);
		gw_db_rollback(db);
		return -1;
	}
	return 0;
}

int64_t
store_prune(sqlite3 *db, int64_t before, char *errbuf, size_t errlen)
{
	sqlite3_stmt	*st;
	int64_t		 n;

	/* Bounded, so a long backlog never holds the lock for long. */
	if (sqlite3_prepare_v2(db, "DELETE FROM health_transitions WHERE id IN "
	    "(SELECT id FROM health_transitions WHERE at < ?1 LIMIT ?2)", -1,
	    &st, NULL) != SQLITE_OK) {
		ERR(db);
		return -1;
	}
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int(st, 2, GH_PRUNE_BATCH);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ERR(db);
		sqlite3_finalize(st);
		return -1;
	}
	n = sqlite3_changes(db);
	sqlite3_finalize(st);
	return n;
}

/*
 * Discovery.
 */

void
store_disc_free(struct store_disc *sd)
{
	size_t i;

	if (sd == NULL)
		return;
	free(sd->sd_service);
	free(sd->sd_dns);
	for (i = 0; i < sd->sd_naddrs; i++)
		free(sd->sd_addrs[i]);
	free(sd->sd_addrs);
	free(sd);
}

/* A backend row of the service, as discovery compares and records it. */
struct store_be {
	int64_t	 id;
	char	*host;
	int	 port;
	int	 weight;
	char	*state;
	int	 dns;		/* source 'dns' */
	int	 keep;		/* in the answer */
};

/* The history record of a backend, as gwctl writes one (conv.c). */
static char *
store_be_json(const char *service, const char *host, int port, int weight,
    const char *state)
{
	json_t	*o;
	char	 addr[GW_ADDR_STR_MAX], *s;

	o = json_object();
	json_object_set_new(o, "service", json_string(service));
	json_object_set_new(o, "address", json_string(gw_addr_fmt(host, port,
	    addr, sizeof(addr))));
	json_object_set_new(o, "weight", json_integer(weight));
	json_object_set_new(o, "state", json_string(state));
	json_object_set_new(o, "source", json_string("dns"));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		gw_fatalx("out of memory");
	return s;
}

static int
store_step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One changes row; after (or before) is NULL for a delete (create). */
static int
store_change(sqlite3 *db, int64_t gen, const char *service, const char *host,
    int port, const char *op, const char *before, const char *after)
{
	sqlite3_stmt	*st;
	char		 addr[GW_ADDR_STR_MAX], name[GW_ADDR_STR_MAX + 80];

	snprintf(name, sizeof(name), "%s/%s", service, gw_addr_fmt(host, port,
	    addr, sizeof(addr)));
	if (sqlite3_prepare_v2(db, "INSERT INTO changes (generation, kind, "
	    "name, op, before_json, after_json) VALUES (?, 'backend', ?, ?, "
	    "?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, gen);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, op, -1, SQLITE_STATIC);
	store_bind_text(st, 4, before);
	store_bind_text(st, 5, after);
	return store_step_done(st);
}

static int
store_in_answer(const struct store_disc *sd, const char *host, int port)
{
	size_t i;

	if (port != sd->sd_port)
		return 0;
	for (i = 0; i < sd->sd_naddrs; i++)
		if (strcmp(sd->sd_addrs[i], host) == 0)
			return 1;
	return 0;
}

static int
store_has_be(const struct store_be *v, size_t n, const char *host, int port)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].port == port && strcmp(v[i].host, host) == 0)
			return 1;
	return 0;
}

static void
store_bes_free(struct store_be *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].host);
		free(v[i].state);
	}
	free(v);
}

/* The service's id, or 0 when it no longer asks for sd's name and port. */
static int
store_disc_service(sqlite3 *db, const struct store_disc *sd, int64_t *id)
{
	sqlite3_stmt	*st;
	int		 rc;

	*id = 0;
	/* No name: the service stopped naming one (its dns rows go). */
	if (sqlite3_prepare_v2(db, sd->sd_dns != NULL ?
	    "SELECT id FROM services WHERE name = ?1 AND discovery_dns = ?2 "
	    "AND discovery_port = ?3" :
	    "SELECT id FROM services WHERE name = ?1 AND discovery_dns IS NULL",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, sd->sd_service, -1, SQLITE_STATIC);
	if (sd->sd_dns != NULL) {
		sqlite3_bind_text(st, 2, sd->sd_dns, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, sd->sd_port);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static struct store_be *
store_disc_backends(sqlite3 *db, int64_t sid, size_t *n)
{
	struct store_be	*v = NULL;
	sqlite3_stmt	*st;
	int		 rc;

	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT id, host, port, weight, "
	    "admin_state, source = 'dns' FROM backends WHERE service_id = ? "
	    "ORDER BY host, port", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, sid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = gw_reallocarray(v, *n + 1, sizeof(*v));
		v[*n].id = sqlite3_column_int64(st, 0);
		v[*n].host = gw_db_col_strdup(st, 1);
		v[*n].port = sqlite3_column_int(st, 2);
		v[*n].weight = sqlite3_column_int(st, 3);
		v[*n].state = gw_db_col_strdup(st, 4);
		v[*n].dns = sqlite3_column_int(st, 5);
		v[*n].keep = 0;
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_bes_free(v, *n);
		*n = 0;
		return NULL;
	}
	/* Callers tell an empty service from an error by v. */
	return v != NULL ? v : gw_calloc(1, sizeof(*v));
}

/* The generation row; its summary as gwctl words one. */
static int
store_generation(sqlite3 *db, int64_t gen, const char *user,
    const char *first, size_t n)
{
	sqlite3_stmt	*st;
	char		*summary;
	int		 rc;

	if (n == 1)
		summary = gw_asprintf("%s", first);
	else
		summary = gw_asprintf("%s and %zu more", first, n - 1);
	if (sqlite3_prepare_v2(db, "INSERT INTO generations (generation, "
	    "created_at, user, command, summary) VALUES (?, ?, ?, "
	    "'gwhealth discovery', ?)", -1, &st, NULL) != SQLITE_OK) {
		free(summary);
		return -1;
	}
	sqlite3_bind_int64(st, 1, gen);
	sqlite3_bind_int64(st, 2, gw_now_ms());
	sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, summary, -1, SQLITE_TRANSIENT);
	rc = store_step_done(st);
	free(summary);
	return rc;
}

/* Adds the answer's new addresses and deletes the vanished ones. */
static int
store_disc_apply(sqlite3 *db, const struct store_disc *sd, int64_t sid,
    struct store_be *cur, size_t ncur, int64_t gen, size_t *added,
    size_t *removed)
{
	sqlite3_stmt	*st;
	char		*js;
	size_t		 i;
	int		 rc;

	for (i = 0; i < ncur; i++) {
		if (!cur[i].dns || store_in_answer(sd, cur[i].host,
		    cur[i].port))
			continue;
		if (sqlite3_prepare_v2(db, "DELETE FROM backends WHERE id = ?",
		    -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_int64(st, 1, cur[i].id);
		if (store_step_done(st) == -1)
			return -1;
		js = store_be_json(sd->sd_service, cur[i].host, cur[i].port,
		    cur[i].weight, cur[i].state);
		rc = store_change(db, gen, sd->sd_service, cur[i].host,
		    cur[i].port, "delete", js, NULL);
		free(js);
		if (rc == -1)
			return -1;
		(*removed)++;
	}
	for (i = 0; i < sd->sd_naddrs; i++) {
		if (store_has_be(cur, ncur, sd->sd_addrs[i], sd->sd_port))
			continue;
		if (sqlite3_prepare_v2(db, "INSERT INTO backends (service_id, "
		    "host, port, weight, admin_state, source) VALUES (?, ?, ?, "
		    "1, 'enabled', 'dns')", -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_int64(st, 1, sid);
		sqlite3_bind_text(st, 2, sd->sd_addrs[i], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, sd->sd_port);
		if (store_step_done(st) == -1)
			return -1;
		js = store_be_json(sd->sd_service, sd->sd_addrs[i],
		    sd->sd_port, 1, "enabled");
		rc = store_change(db, gen, sd->sd_service, sd->sd_addrs[i],
		    sd->sd_port, "create", NULL, js);
		free(js);
		if (rc == -1)
			return -1;
		(*added)++;
	}
	return 0;
}

/* The summary's first change, as gwctl words it ("backend/web/... created"). */
static char *
store_disc_first(const struct store_disc *sd, const struct store_be *cur,
    size_t ncur)
{
	char	addr[GW_ADDR_STR_MAX];
	size_t	i;

	for (i = 0; i < ncur; i++)
		if (cur[i].dns && !store_in_answer(sd, cur[i].host,
		    cur[i].port))
			return gw_asprintf("backend/%s/%s deleted",
			    sd->sd_service, gw_addr_fmt(cur[i].host,
			    cur[i].port, addr, sizeof(addr)));
	for (i = 0; i < sd->sd_naddrs; i++)
		if (!store_has_be(cur, ncur, sd->sd_addrs[i], sd->sd_port))
			return gw_asprintf("backend/%s/%s created",
			    sd->sd_service, gw_addr_fmt(sd->sd_addrs[i],
			    sd->sd_port, addr, sizeof(addr)));
	return NULL;
}

static size_t
store_disc_count(const struct store_disc *sd, const struct store_be *cur,
    size_t ncur)
{
	size_t	i, n = 0;

	for (i = 0; i < ncur; i++)
		if (cur[i].dns && !store_in_answer(sd, cur[i].host,
		    cur[i].port))
			n++;
	for (i = 0; i < sd->sd_naddrs; i++)
		if (!store_has_be(cur, ncur, sd->sd_addrs[i], sd->sd_port))
			n++;
	return n;
}

int64_t
store_discover(sqlite3 *db, const struct store_disc *sd, const char *user,
    size_t *added, size_t *removed, int *busy, char *errbuf, size_t errlen)
{
	struct store_be	*cur = NULL;
	size_t		 ncur = 0, n;
	int64_t		 sid, gen = 0;
	char		*first = NULL;

	*added = *removed = 0;
	*busy = 0;
	if (gw_db_begin(db, errbuf, errlen) == -1) {
		*busy = store_is_busy(db);
		return -1;
	}
	if (store_disc_service(db, sd, &sid) == -1)
		goto fail;
	if (sid == 0)
		goto unchanged;
	if ((cur = store_disc_backends(db, sid, &ncur)) == NULL)
		goto fail;
	if ((n = store_disc_count(sd, cur, ncur)) == 0)
		goto unchanged;
	first = store_disc_first(sd, cur, ncur);
	if ((gen = gw_config_generation(db)) < 0)
		goto fail;
	gen++;
	if (store_generation(db, gen, user, first, n) == -1 ||
	    store_disc_apply(db, sd, sid, cur, ncur, gen, added,
	    removed) == -1)
		goto fail;
	if (gw_db_commit(db, errbuf, errlen) == -1) {
		*busy = store_is_busy(db);
		gw_db_rollback(db);
		*added = *removed = 0;
		gen = -1;
	}
	free(first);
	store_bes_free(cur, ncur);
	return gen;
unchanged:
	gw_db_rollback(db);
	store_bes_free(cur, ncur);
	return 0;
fail:
	*busy = store_is_busy(db);
	ERR(db);
	gw_db_rollback(db);
	free(first);
	store_bes_free(cur, ncur);
	*added = *removed = 0;
	return -1;
}
