/*
 * db: opening the shared gw database; see db.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "db.h"
#include "schema.h"
#include "str.h"

const char *
gw_db_path(const char *opt)
{
	const char *env;

	if (opt != NULL)
		return opt;
	if ((env = getenv(GW_DB_ENV)) != NULL && *env != '\0')
		return env;
	return GW_DB_DEFAULT_PATH;
}

static int
db_pragma_text(sqlite3 *db, const char *sql, char *out, size_t len)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, len, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

sqlite3 *
gw_db_open(const char *path, int flags, char *errbuf, size_t errlen)
{
	sqlite3		*db = NULL;
	struct stat	 sb;
	char		 mode[32];
	int		 oflags;

	if (!(flags & GW_DB_CREATE) && stat(path, &sb) == -1) {
		if (errno == ENOENT)
			snprintf(errbuf, errlen, "no such database; "
			    "run 'gwctl init' to create it");
		else
			snprintf(errbuf, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (flags & GW_DB_READONLY)
		oflags = SQLITE_OPEN_READONLY;
	else
		oflags = SQLITE_OPEN_READWRITE |
		    (flags & GW_DB_CREATE ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &db, oflags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		snprintf(errbuf, errlen, "%s",
		    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, GW_DB_BUSY_TIMEOUT_MS);
	/*
	 * Reading the schema is the first access: a file that is not a
	 * database at all fails here ("file is not a database").
	 */
	if (gw_db_exec(db, "PRAGMA foreign_keys = ON", errbuf, errlen) == -1 ||
	    db_pragma_text(db, "PRAGMA journal_mode", mode, sizeof(mode)) ==
	    -1) {
		snprintf(errbuf, errlen, "%s", sqlite3_errmsg(db));
		goto fail;
	}
	if (!(flags & GW_DB_CREATE) &&
	    gw_schema_check(db, errbuf, errlen) == -1)
		goto fail;
	/*
	 * WAL lets the daemons read while gwctl writes.  Switching needs the
	 * write lock, so only do it when the file is not in WAL yet, and not
	 * for a read-only open (or a read-only file: keep its mode).
	 */
	if (!(flags & GW_DB_READONLY) && strcmp(mode, "wal") != 0 &&
	    !sqlite3_db_readonly(db, "main")) {
		if (db_pragma_text(db, "PRAGMA journal_mode = WAL", mode,
		    sizeof(mode)) == -1) {
			snprintf(errbuf, errlen, "%s", sqlite3_errmsg(db));
			goto fail;
		}
	}
	/* In WAL mode NORMAL is durable against crashes of gw, not of power. */
	if (gw_db_exec(db, "PRAGMA synchronous = NORMAL", errbuf, errlen) == -1)
		goto fail;
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}

void
gw_db_close(sqlite3 *db)
{
	sqlite3_close(db);
}

int
gw_db_exec(sqlite3 *db, const char *sql, char *errbuf, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(errbuf, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

sqlite3_stmt *
gw_db_prepare(sqlite3 *db, const char *sql, char *errbuf, size_t errlen)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
		return st;
	snprintf(errbuf, errlen, "%s", sqlite3_errmsg(db));
	return NULL;
}

int
gw_db_begin(sqlite3 *db, char *errbuf, size_t errlen)
{
	return gw_db_exec(db, "BEGIN IMMEDIATE", errbuf, errlen);
}

int
gw_db_commit(sqlite3 *db, char *errbuf, size_t errlen)
{
	return gw_db_exec(db, "COMMIT", errbuf, errlen);
}

void
gw_db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int64_t
gw_db_data_version(sqlite3 *db)
{
	sqlite3_stmt	*st;
	int64_t		 v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

const char *
gw_db_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

char *
gw_db_col_strdup(sqlite3_stmt *st, int i)
{
	return gw_strdup_null(gw_db_col_text(st, i));
}

int
gw_db_col_enum(sqlite3_stmt *st, int i, const char *const *names)
{
	const char	*s = gw_db_col_text(st, i);
	int		 v;

	for (v = 0; s != NULL && names[v] != NULL; v++)
		if (strcmp(s, names[v]) == 0)
			return v;
	return -1;
}

#define DB_FNV_PRIME	0x100000001b3ULL

/* FNV-1a 64 over one column's type and bytes. */
static uint64_t
db_fp_column(uint64_t h, sqlite3_stmt *st, int i)
{
	const unsigned char	*p;
	unsigned char		 tag, num[8];
	int64_t			 v;
	double			 d;
	int			 n, k;

	tag = (unsigned char)sqlite3_column_type(st, i);
	h = (h ^ tag) * DB_FNV_PRIME;
	switch (tag) {
	case SQLITE_INTEGER:
		v = sqlite3_column_int64(st, i);
		memcpy(num, &v, sizeof(num));
		p = num;
		n = sizeof(num);
		break;
	case SQLITE_FLOAT:
		d = sqlite3_column_double(st, i);
		memcpy(num, &d, sizeof(num));
		p = num;
		n = sizeof(num);
		break;
	case SQLITE_NULL:
		return h;
	default:
		/* Text, blob: the length keeps "ab","c" from "a","bc". */
		p = sqlite3_column_blob(st, i);
		n = sqlite3_column_bytes(st, i);
		for (k = 0; k < 4; k++)
			h = (h ^ (unsigned char)(n >> (8 * k))) * DB_FNV_PRIME;
		break;
	}
	for (k = 0; k < n; k++)
		h = (h ^ p[k]) * DB_FNV_PRIME;
	return h;
}

int
gw_db_fingerprint(sqlite3 *db, const char *const *queries, size_t nqueries,
    uint64_t *fp, char *errbuf, size_t errlen)
{
	sqlite3_stmt	*st;
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 q;
	int		 i, ncol, rc;

	if (gw_db_exec(db, "BEGIN", errbuf, errlen) == -1)
		return -1;
	for (q = 0; q < nqueries; q++) {
		if (sqlite3_prepare_v2(db, queries[q], -1, &st, NULL) !=
		    SQLITE_OK) {
			snprintf(errbuf, errlen, "%s", sqlite3_errmsg(db));
			gw_db_rollback(db);
			return -1;
		}
		ncol = sqlite3_column_count(st);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			for (i = 0; i < ncol; i++)
				h = db_fp_column(h, st, i);
		/* A query boundary, so rows cannot slide between them. */
		h = (h ^ 0xff) * DB_FNV_PRIME;
		if (rc != SQLITE_DONE)
			snprintf(errbuf, errlen, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			gw_db_rollback(db);
			return -1;
		}
	}
	gw_db_rollback(db);
	*fp = h;
	return 0;
}
