/*
 * schema: the gw database schema and its migrations.
 *
 * The schema is a public interface, documented column by column in
 * gw-schema(5).  Its version lives in PRAGMA user_version and the file is
 * marked as a gw database by PRAGMA application_id.  A migration takes the
 * database from version N-1 to N; gw_schema_migrate() applies the missing
 * ones in order in one BEGIN IMMEDIATE transaction together with the
 * user_version bump, so a failed step leaves the database as it was.
 *
 * Only gwctl init migrates.  The daemons and every other gwctl command call
 * gw_schema_check() and refuse a database of any other version, saying which
 * version it is and what to run.  This module runs no other SQL.
 */
#ifndef GW_SCHEMA_H
#define GW_SCHEMA_H

#include <sqlite3.h>

/* "gw\0\1" read as a big-endian integer: marks a file as a gw database. */
#define GW_SCHEMA_APPLICATION_ID	0x67770001
/* The version this build reads and writes. */
#define GW_SCHEMA_VERSION		4

/*
 * One migration: the SQL that takes the schema from version mg_to - 1 to
 * mg_to, as a NULL-terminated list of pieces run in order.  Exposed (with the list as an argument to gw_schema_migrate)
 * so the unit tests can drive the mechanism with migrations of their own.
 */
struct gw_migration {
	int		 mg_to;
	const char *const *mg_sql;
};

extern const struct gw_migration gw_migrations[];
extern const int gw_nmigrations;

/*
 * Brings db up to the last version in migs (migs[i].mg_to == i + 1).
 * A fresh database (version 0, no tables) gets the application_id.
 * Returns 0 and sets *from (may be NULL) to the version found, or -1 with
 * errbuf saying why: newer than this build, not a gw database, or the
 * failing step's error.
 */
int	gw_schema_migrate(sqlite3 *db, const struct gw_migration *migs,
	    int nmigs, int *from, char *errbuf, size_t errlen);

/*
 * Checks that db is a gw database at exactly GW_SCHEMA_VERSION.  On
 * mismatch fills errbuf with an operator-facing sentence naming the found
 * version and what to run (gwctl init, or a newer gw) and returns -1.
 */
int	gw_schema_check(sqlite3 *db, char *errbuf, size_t errlen);

/* The version stored in db, or -1 on error. */
int	gw_schema_version(sqlite3 *db);

#endif /* GW_SCHEMA_H */
