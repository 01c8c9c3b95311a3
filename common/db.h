/*
 * db: opening the shared gw database the way every program must.
 *
 * gw_db_open() resolves the path (--db, else $GW_DB, else ./gw.db), opens
 * it, sets busy_timeout, foreign_keys and WAL, and (unless asked to create)
 * checks the schema with gw_schema_check(), so a program never runs against
 * a database it does not understand.  Writers take the write lock up front
 * with gw_db_begin() (BEGIN IMMEDIATE): a deferred transaction that later
 * upgrades can fail with SQLITE_BUSY without waiting, which busy_timeout
 * cannot fix.  This module knows no table; the SQL of a program lives in its
 * store.c.
 */
#ifndef GW_DB_H
#define GW_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define GW_DB_DEFAULT_PATH	"gw.db"
#define GW_DB_ENV		"GW_DB"
/*
 * How long a statement waits for another writer's lock, in milliseconds.
 * Long enough to ride out a slow transaction of another gw program or an
 * operator's sqlite3 session; short enough that a stuck lock is reported.
 */
#define GW_DB_BUSY_TIMEOUT_MS	10000

#define GW_DB_CREATE	0x01	/* create the file if missing, skip check */
#define GW_DB_READONLY	0x02	/* open read-only (no WAL switch) */

/* The path to use: opt when not NULL, else $GW_DB, else gw.db. */
const char	*gw_db_path(const char *opt);

/*
 * Opens path with flags.  Returns the handle, or NULL with errbuf holding
 * an operator-facing reason (missing file, not a database, schema version)
 * that does not repeat the path; the caller prefixes it.
 */
sqlite3		*gw_db_open(const char *path, int flags, char *errbuf,
		    size_t errlen);
void		 gw_db_close(sqlite3 *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; 0 or -1 with errbuf set. */
int		 gw_db_begin(sqlite3 *db, char *errbuf, size_t errlen);
int		 gw_db_commit(sqlite3 *db, char *errbuf, size_t errlen);
void		 gw_db_rollback(sqlite3 *db);

/* Prepares sql; the statement, or NULL with errbuf set. */
sqlite3_stmt	*gw_db_prepare(sqlite3 *db, const char *sql, char *errbuf,
		    size_t errlen);
/* Runs sql (no rows expected); 0 or -1 with errbuf set. */
int		 gw_db_exec(sqlite3 *db, const char *sql, char *errbuf,
		    size_t errlen);

/*
 * PRAGMA data_version of this connection: changes when another connection
 * commits.  The daemons poll it to notice any change, hand edits included.
 * Returns -1 on error.
 */
int64_t		 gw_db_data_version(sqlite3 *db);

/*
 * A 64-bit hash (FNV-1a) of every row the queries return, in one read
 * transaction: the daemons compare it before rebuilding, since
 * data_version also moves for commits they do not depend on.  Types and
 * lengths count, so "ab","c" and "a","bc" differ, and so do rows that
 * move from one query's result to the next.  0, or -1 with errbuf set.
 */
int		 gw_db_fingerprint(sqlite3 *db, const char *const *queries,
		    size_t nqueries, uint64_t *fp, char *errbuf, size_t errlen);

/*
 * Column readers: the text of column i (NULL for NULL), a malloc'd copy
 * of it (NULL for NULL), and its index in the NULL-terminated names (-1
 * for NULL or a word not there: a hand edit that validation will report).
 */
const char	*gw_db_col_text(sqlite3_stmt *st, int i);
char		*gw_db_col_strdup(sqlite3_stmt *st, int i);
int		 gw_db_col_enum(sqlite3_stmt *st, int i,
		    const char *const *names);

#endif /* GW_DB_H */
