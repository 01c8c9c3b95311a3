/*
 * Unit tests of common/schema.c and common/db.c: creating the schema,
 * migrating from an older version (with migrations of the test's own),
 * refusing newer versions and foreign files, rolling back a failed
 * migration, and the CHECK constraints that stop bad hand edits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "schema.h"
#include "str.h"
#include "t.h"

static char dir[] = "/tmp/gw-test-schema-XXXXXX";

static char *
tpath(const char *name)
{
	static char buf[4][256];
	static int n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", dir, name);
	return buf[n];
}

static int
q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	int		 v = -12345;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return v;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
exec_ok(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

static sqlite3 *
fresh(const char *name)
{
	char	 errbuf[256];
	sqlite3	*db;
	int	 from = -1;

	db = gw_db_open(tpath(name), GW_DB_CREATE, errbuf, sizeof(errbuf));
	if (db == NULL ||
	    gw_schema_migrate(db, gw_migrations, gw_nmigrations, &from,
	    errbuf, sizeof(errbuf)) == -1) {
		printf("# fresh %s: %s\n", name, errbuf);
		return db;
	}
	return db;
}

static void
test_create(void)
{
	char	 errbuf[256];
	sqlite3	*db;
	int	 from = -1;

	db = gw_db_open(tpath("a.db"), GW_DB_CREATE, errbuf, sizeof(errbuf));
	T_OK(db != NULL, "create opens a new file");
	T_INTEQ(gw_schema_migrate(db, gw_migrations, gw_nmigrations, &from,
	    errbuf, sizeof(errbuf)), 0, "migrate a fresh db");
	T_INTEQ(from, 0, "fresh db was version 0");
	T_INTEQ(gw_schema_version(db), GW_SCHEMA_VERSION, "now the latest "
	    "version");
	T_INTEQ(q_int(db, "PRAGMA application_id"), GW_SCHEMA_APPLICATION_ID,
	    "application_id set");
	T_INTEQ(q_int(db, "SELECT count(*) FROM generations"), 1,
	    "generation 0 recorded");
	T_INTEQ(gw_schema_check(db, errbuf, sizeof(errbuf)), 0,
	    "check accepts it");
	T_INTEQ(gw_schema_migrate(db, gw_migrations, gw_nmigrations, &from,
	    errbuf, sizeof(errbuf)), 0, "migrate again is a no-op");
	T_INTEQ(from, GW_SCHEMA_VERSION, "second migrate found the latest");
	T_INTEQ(q_int(db, "SELECT count(*) FROM generations"), 1,
	    "no duplicate rows after the second migrate");
	gw_db_close(db);

	db = gw_db_open(tpath("a.db"), 0, errbuf, sizeof(errbuf));
	T_OK(db != NULL, "reopen without create checks and succeeds");
	T_OK(db != NULL && q_int(db, "PRAGMA foreign_keys") == 1,
	    "foreign keys on");
	T_OK(db != NULL && q_int(db, "PRAGMA busy_timeout") ==
	    GW_DB_BUSY_TIMEOUT_MS, "busy timeout set");
	gw_db_close(db);
}

static void
test_refusals(void)
{
	char	 errbuf[256];
	sqlite3	*db;
	FILE	*fp;
	int	 from;

	db = gw_db_open(tpath("missing.db"), 0, errbuf, sizeof(errbuf));
	T_OK(db == NULL && strstr(errbuf, "no such database") != NULL &&
	    strstr(errbuf, "gwctl init") != NULL,
	    "missing file: says run gwctl init (%s)", errbuf);
	T_OK(access(tpath("missing.db"), F_OK) == -1,
	    "missing file is not created");

	fp = fopen(tpath("text.db"), "w");
	fputs("this is not a database, just some text long enough to "
	    "fill a header of one hundred bytes for sqlite to look at it "
	    "and refuse it.\n", fp);
	fclose(fp);
	db = gw_db_open(tpath("text.db"), 0, errbuf, sizeof(errbuf));
	T_OK(db == NULL && strstr(errbuf, "not a database") != NULL,
	    "text file refused (%s)", errbuf);

	/* An SQLite database of someone else. */
	sqlite3_open(tpath("other.db"), &db);
	exec_ok(db, "CREATE TABLE users (id INTEGER)");
	sqlite3_close(db);
	db = gw_db_open(tpath("other.db"), 0, errbuf, sizeof(errbuf));
	T_OK(db == NULL && strstr(errbuf, "not a gw database") != NULL,
	    "foreign sqlite db refused by open (%s)", errbuf);
	db = gw_db_open(tpath("other.db"), GW_DB_CREATE, errbuf,
	    sizeof(errbuf));
	T_INTEQ(gw_schema_migrate(db, gw_migrations, gw_nmigrations, &from,
	    errbuf, sizeof(errbuf)), -1, "foreign db not migrated");
	T_OK(strstr(errbuf, "not a gw database") != NULL,
	    "migrate says not a gw database");
	T_INTEQ(q_int(db, "SELECT count(*) FROM sqlite_schema"), 1,
	    "foreign db left as it was");
	gw_db_close(db);

	/* A gw database from a newer gw. */
	db = fresh("newer.db");
	exec_ok(db, "PRAGMA user_version = 99");
	gw_db_close(db);
	db = gw_db_open(tpath("newer.db"), 0, errbuf, sizeof(errbuf));
	T_OK(db == NULL && strstr(errbuf, "version 99 is newer") != NULL &&
	    strstr(errbuf, "upgrade gw") != NULL,
	    "newer version refused by open (%s)", errbuf);
	db = gw_db_open(tpath("newer.db"), GW_DB_CREATE, errbuf,
	    sizeof(errbuf));
	T_INTEQ(gw_schema_migrate(db, gw_migrations, gw_nmigrations, &from,
	    errbuf, sizeof(errbuf)), -1, "newer version not migrated");
	T_INTEQ(gw_schema_version(db), 99, "newer db keeps its version");
	gw_db_close(db);

	/* An older one: only gwctl init may migrate it. */
	db = gw_db_open(tpath("older.db"), GW_DB_CREATE, errbuf,
	    sizeof(errbuf));
	snprintf(errbuf, sizeof(errbuf), "PRAGMA application_id = %d",
	    GW_SCHEMA_APPLICATION_ID);
	exec_ok(db, errbuf);
	gw_db_close(db);
	db = gw_db_open(tpath("older.db"), 0, errbuf, sizeof(errbuf));
	T_OK(db == NULL && strstr(errbuf, "version 0 is older") != NULL &&
	    strstr(errbuf, "gwctl init") != NULL,
	    "older version refused with what to run (%s)", errbuf);
}

/* Migrations of the test's own, to drive the runner from v1 to v3. */
static const char *const m1[] = { "CREATE TABLE t (a INTEGER);", NULL };
static const char *const m2[] = {
	"ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x';",
	"UPDATE t SET b = 'migrated';", NULL
};
static const char *const m3_bad[] = {
	"CREATE TABLE u (c);", "THIS IS NOT SQL;", NULL
};

static void
test_migrations(void)
{
	const struct gw_migration v1[] = { { 1, m1 } };
	const struct gw_migration v2[] = { { 1, m1 }, { 2, m2 } };
	const struct gw_migration v3[] = { { 1, m1 }, { 2, m2 }, { 3, m3_bad } };
	char	 errbuf[256];
	sqlite3	*db;
	int	 from = -1;

	db = gw_db_open(tpath("m.db"), GW_DB_CREATE, errbuf, sizeof(errbuf));
	T_INTEQ(gw_schema_migrate(db, v1, 1, &from, errbuf, sizeof(errbuf)),
	    0, "test schema v1 created");
	exec_ok(db, "INSERT INTO t (a) VALUES (7)");
	T_INTEQ(gw_schema_migrate(db, v2, 2, &from, errbuf, sizeof(errbuf)),
	    0, "v1 -> v2 migration runs");
	T_INTEQ(from, 1, "migration started at version 1");
	T_INTEQ(gw_schema_version(db), 2, "now at version 2");
	T_INTEQ(q_int(db, "SELECT count(*) FROM t WHERE a = 7 AND "
	    "b = 'migrated'"), 1, "data kept and transformed");
	T_INTEQ(gw_schema_migrate(db, v3, 3, &from, errbuf, sizeof(errbuf)),
	    -1, "a failing migration fails");
	T_OK(strstr(errbuf, "syntax error") != NULL, "with SQLite's reason "
	    "(%s)", errbuf);
	T_INTEQ(gw_schema_version(db), 2, "version unchanged after failure");
	T_INTEQ(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE "
	    "name = 'u'"), 0, "partial work of the failed step rolled back");
	gw_db_close(db);
}

/* The real v1 -> v2 step: a v1 database with data, migrated. */
static void
test_v1_to_v2(void)
{
	char	 errbuf[256];
	sqlite3	*db;
	int	 from = -1;

	db = gw_db_open(tpath("v1.db"), GW_DB_CREATE, errbuf, sizeof(errbuf));
	T_INTEQ(gw_schema_migrate(db, gw_migrations, 1, &from, errbuf,
	    sizeof(errbuf)), 0, "a version 1 database made");
	T_INTEQ(gw_schema_version(db), 1, "at version 1");
	T_OK(exec_ok(db, "INSERT INTO services (name, request_timeout_ms) "
	    "VALUES ('web', 9000); INSERT INTO routes (name, service_id, "
	    "timeout_ms) VALUES ('r', 1, 5000)"), "v1 rows stored");
	T_INTEQ(gw_schema_check(db, errbuf, sizeof(errbuf)), -1,
	    "this build refuses a version 1 database");
	T_OK(strstr(errbuf, "version 1 is older") != NULL &&
	    strstr(errbuf, "gwctl init") != NULL, "and says what to run (%s)",
	    errbuf);
	T_INTEQ(gw_schema_migrate(db, gw_migrations, 2, &from,
	    errbuf, sizeof(errbuf)), 0, "v1 -> v2 (%s)", errbuf);
	T_INTEQ(from, 1, "migrated from version 1");
	T_INTEQ(gw_schema_version(db), 2, "now at version 2");
	T_INTEQ(q_int(db, "SELECT request_timeout_ms FROM services"), 9000,
	    "service data kept");
	T_INTEQ(q_int(db, "SELECT response_timeout_ms FROM services"), 0,
	    "new service column takes its default");
	T_INTEQ(q_int(db, "SELECT timeout_ms FROM routes"), 5000,
	    "route data kept");
	T_INTEQ(q_int(db, "SELECT response_timeout_ms IS NULL FROM routes"),
	    1, "new route column is NULL");
	T_OK(!exec_ok(db, "UPDATE services SET response_timeout_ms = -1"),
	    "its CHECK refuses a negative time");
	T_OK(!exec_ok(db, "UPDATE routes SET response_timeout_ms = 0"),
	    "a route's 0 is refused (NULL means the service's)");
	T_INTEQ(gw_schema_migrate(db, gw_migrations, gw_nmigrations, &from,
	    errbuf, sizeof(errbuf)), 0, "and on to the latest (%s)", errbuf);
	T_INTEQ(from, 2, "from version 2");
	T_INTEQ(gw_schema_check(db, errbuf, sizeof(errbuf)), 0,
	    "the migrated database is accepted");
	gw_db_close(db);
}

/* Text of the first column of the first row, in a static buffer. */
static const char *
q_text(sqlite3 *db, const char *sql)
{
	static char	 buf[256];
	sqlite3_stmt	*st;

	gw_strlcpy(buf, "(no row)", sizeof(buf));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return "(bad sql)";
	if (sqlite3_step(st) == SQLITE_ROW)
		gw_strlcpy(buf, sqlite3_column_text(st, 0) != NULL ?
		    (const char *)sqlite3_column_text(st, 0) : "(null)",
		    sizeof(buf));
	sqlite3_finalize(st);
	return buf;
}

/*
 * The real v2 -> v3 step: the health_transitions rebuild keeps every row,
 * the new columns take their defaults, the new CHECKs hold.
 */
static void
test_v2_to_v3(void)
{
	char	 errbuf[256];
	sqlite3	*db;
	int	 from = -1;

	db = gw_db_open(tpath("v2.db"), GW_DB_CREATE, errbuf, sizeof(errbuf));
	T_INTEQ(gw_schema_migrate(db, gw_migrations, 2, &from, errbuf,
	    sizeof(errbuf)), 0, "a version 2 database made");
	T_OK(exec_ok(db, "INSERT INTO services (name, hc_rise) "
	    "VALUES ('web', 4); "
	    "INSERT INTO backends (service_id, host, port, weight) "
	    "VALUES (1, '10.0.0.1', 80, 7); "
	    "INSERT INTO backend_health (backend_id, state, since_at, "
	    "checked_at, fail_streak) VALUES (1, 'down', 1000, 2000, 3); "
	    "INSERT INTO health_transitions (at, service, backend, "
	    "from_state, to_state, reason) VALUES "
	    "(1000, 'web', '10.0.0.1:80', 'unknown', 'up', 'passed'), "
	    "(2000, 'web', '10.0.0.1:80', 'up', 'down', 'timeout')"),
	    "v2 rows stored");
	T_OK(!exec_ok(db, "INSERT INTO health_transitions (at, service, "
	    "backend, from_state, to_state, reason) VALUES (3000, 'web', "
	    "'10.0.0.1:80', 'down', 'ejected', 'x')"),
	    "version 2 knows no 'ejected'");
	T_INTEQ(gw_schema_check(db, errbuf, sizeof(errbuf)), -1,
	    "this build refuses a version 2 database");
	T_OK(strstr(errbuf, "version 2 is older") != NULL,
	    "saying so (%s)", errbuf);
	T_INTEQ(gw_schema_migrate(db, gw_migrations, gw_nmigrations, &from,
	    errbuf, sizeof(errbuf)), 0, "v2 -> latest (%s)", errbuf);
	T_INTEQ(from, 2, "migrated from version 2");
	T_INTEQ(gw_schema_version(db), GW_SCHEMA_VERSION,
	    "now at the latest version");
	T_INTEQ(gw_schema_check(db, errbuf, sizeof(errbuf)), 0,
	    "the migrated database is accepted");

	/* Rows kept. */
	T_INTEQ(q_int(db, "SELECT hc_rise FROM services"), 4,
	    "service data kept");
	T_INTEQ(q_int(db, "SELECT weight FROM backends"), 7,
	    "backend data kept");
	T_INTEQ(q_int(db, "SELECT fail_streak FROM backend_health"), 3,
	    "health kept");
	T_INTEQ(q_int(db, "SELECT count(*) FROM health_transitions"), 2,
	    "both transitions kept");
	T_STREQ(q_text(db, "SELECT group_concat(id || ':' || at || ':' || "
	    "from_state || '>' || to_state || ':' || reason || ':' || source, "
	    "' ') FROM (SELECT * FROM health_transitions ORDER BY id)"),
	    "1:1000:unknown>up:passed:gwhealth 2:2000:up>down:timeout:gwhealth",
	    "with their ids, and gwhealth as their source");
	T_INTEQ(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE "
	    "type = 'index' AND name = 'health_transitions_at' AND "
	    "tbl_name = 'health_transitions'"), 1, "the time index is back");
	T_INTEQ(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE "
	    "name = 'health_transitions_v3'"), 0, "no trace of the rebuild");

	/* New columns and their defaults. */
	T_STREQ(q_text(db, "SELECT coalesce(discovery_dns, 'null') || ' ' || "
	    "discovery_port || ' ' || outlier_5xx || ' ' || outlier_gateway "
	    "|| ' ' || outlier_base_ms || ' ' || outlier_max_ms || ' ' || "
	    "outlier_max_pct FROM services"), "null 80 5 5 30000 300000 50",
	    "new service columns take their defaults");
	T_STREQ(q_text(db, "SELECT source FROM backends"), "static",
	    "an existing backend is static");
	T_STREQ(q_text(db, "SELECT retry_on FROM services"),
	    "connect-failure", "a row keeps its retry_on");
	T_STREQ(q_text(db, "SELECT dflt_value FROM pragma_table_info("
	    "'services') WHERE name = 'retry_on'"),
	    "'connect-failure,reset'", "retry_on's new default");
	T_OK(exec_ok(db, "INSERT INTO services (name) VALUES ('api')"),
	    "a hand insert after the migration");
	T_STREQ(q_text(db, "SELECT retry_on FROM services WHERE "
	    "name = 'api'"), "connect-failure,reset", "takes the new default");
	T_STREQ(q_text(db, "PRAGMA integrity_check"), "ok",
	    "the edited schema is sound");
	T_OK(exec_ok(db, "DELETE FROM services WHERE name = 'api'"),
	    "and goes");

	/* New CHECKs. */
	T_OK(exec_ok(db, "UPDATE services SET discovery_dns = "
	    "'web.default.svc.cluster.local'"), "a DNS name to discover");
	T_OK(!exec_ok(db, "UPDATE services SET discovery_dns = '10.0.0.1'"),
	    "an IPv4 address is not one");
	T_OK(!exec_ok(db, "UPDATE services SET discovery_dns = '::1'"),
	    "nor an IPv6 one");
	T_OK(!exec_ok(db, "UPDATE services SET discovery_dns = 'a b'"),
	    "nor a name with a blank");
	T_OK(!exec_ok(db, "UPDATE services SET discovery_port = 0"),
	    "discovery port 0");
	T_OK(!exec_ok(db, "UPDATE services SET outlier_5xx = 1001"),
	    "consecutive 5xx over 1000");
	T_OK(exec_ok(db, "UPDATE services SET outlier_gateway = 0"),
	    "gateway failures 0: off");
	T_OK(!exec_ok(db, "UPDATE services SET outlier_gateway = -1"),
	    "gateway failures -1");
	T_OK(!exec_ok(db, "UPDATE services SET outlier_base_ms = 0"),
	    "base ejection time 0");
	T_OK(!exec_ok(db, "UPDATE services SET outlier_max_ms = 29999"),
	    "max ejection time under the base");
	T_OK(!exec_ok(db, "UPDATE services SET outlier_max_pct = 101"),
	    "max ejection percent 101");
	T_OK(exec_ok(db, "INSERT INTO backends (service_id, host, port, "
	    "source) VALUES (1, '10.0.0.2', 80, 'dns')"),
	    "a backend found by DNS");
	T_OK(!exec_ok(db, "INSERT INTO backends (service_id, host, port, "
	    "source) VALUES (1, '10.0.0.3', 80, 'file')"), "unknown source");
	T_OK(exec_ok(db, "INSERT INTO health_transitions (at, service, "
	    "backend, from_state, to_state, reason, source) VALUES (3000, "
	    "'web', '10.0.0.1:80', 'up', 'ejected', '5 consecutive 5xx', "
	    "'gwproxy'), (4000, 'web', '10.0.0.1:80', 'ejected', 'up', "
	    "'ejection ended', 'gwproxy')"), "gwproxy's ejection and its end");
	T_OK(!exec_ok(db, "INSERT INTO health_transitions (at, service, "
	    "backend, from_state, to_state, reason, source) VALUES (5000, "
	    "'web', 'x:1', 'up', 'down', 'r', 'gwscale')"), "unknown source");
	T_OK(!exec_ok(db, "INSERT INTO health_transitions (at, service, "
	    "backend, from_state, to_state, reason) VALUES (5000, "
	    "'web', 'x:1', 'up', 'gone', 'r')"), "unknown state");
	T_OK(exec_ok(db, "INSERT INTO backend_ejections VALUES (1, 'h:1', "
	    "1000, 31000, 1, '5 consecutive 5xx'), (1, 'h:2', 1000, 1000, "
	    "2, 'reset')"), "ejections of two instances");
	T_OK(!exec_ok(db, "INSERT INTO backend_ejections VALUES (1, 'h:1', "
	    "1000, 31000, 1, 'again')"), "one per backend and instance");
	T_OK(!exec_ok(db, "INSERT INTO backend_ejections VALUES (2, 'h:3', "
	    "1000, 999, 1, 'r')"), "an end before its start");
	T_OK(!exec_ok(db, "INSERT INTO backend_ejections VALUES (2, 'h:3', "
	    "1000, 2000, 0, 'r')"), "zero ejections");
	T_OK(!exec_ok(db, "INSERT INTO backend_ejections VALUES (9, 'h:3', "
	    "1000, 2000, 1, 'r')"), "a backend that does not exist");
	T_OK(exec_ok(db, "DELETE FROM backends WHERE host = '10.0.0.1'"),
	    "a backend deleted");
	T_INTEQ(q_int(db, "SELECT count(*) FROM backend_ejections"), 0,
	    "its ejections went with it");
	T_INTEQ(q_int(db, "SELECT count(*) FROM health_transitions"), 4,
	    "its transitions stay: the log names, not references");
	gw_db_close(db);
}

static void
test_checks(void)
{
	sqlite3	*db = fresh("c.db");

	T_OK(exec_ok(db, "INSERT INTO services (name) VALUES ('web')"),
	    "a service with defaults is accepted");
	T_OK(exec_ok(db, "INSERT INTO backends (service_id, host, port) "
	    "VALUES (1, '10.0.0.1', 80)"), "a backend is accepted");
	T_INTEQ(q_int(db, "SELECT weight FROM backends"), 1,
	    "weight defaults to 1");
	T_OK(!exec_ok(db, "INSERT INTO services (name) VALUES ('Web')"),
	    "upper-case name rejected");
	T_OK(!exec_ok(db, "INSERT INTO services (name) VALUES ('-x')"),
	    "name starting with a hyphen rejected");
	T_OK(!exec_ok(db, "INSERT INTO services (name, lb_policy) VALUES "
	    "('a', 'fastest')"), "unknown lb policy rejected");
	T_OK(!exec_ok(db, "INSERT INTO services (name, hc_timeout_ms, "
	    "hc_interval_ms) VALUES ('a', 5000, 5000)"),
	    "check timeout not shorter than interval rejected");
	T_OK(!exec_ok(db, "UPDATE backends SET weight = 0"), "weight 0");
	T_OK(!exec_ok(db, "UPDATE backends SET weight = 257"), "weight 257");
	T_OK(!exec_ok(db, "UPDATE backends SET port = 70000"), "port 70000");
	T_OK(!exec_ok(db, "UPDATE backends SET port = 0"), "port 0");
	T_OK(!exec_ok(db, "UPDATE backends SET admin_state = 'off'"),
	    "unknown admin state");
	T_OK(!exec_ok(db, "INSERT INTO backends (service_id, host, port) "
	    "VALUES (1, '10.0.0.1', 80)"), "duplicate backend rejected");
	T_OK(!exec_ok(db, "INSERT INTO backends (service_id, host, port) "
	    "VALUES (9, '10.0.0.2', 80)"), "backend of no service rejected");
	T_OK(exec_ok(db, "INSERT INTO routes (name, service_id, host, path) "
	    "VALUES ('r', 1, '*.example.com', '/api')"), "a route");
	T_OK(!exec_ok(db, "INSERT INTO routes (name, service_id, host) "
	    "VALUES ('r2', 1, '*')"), "host '*' alone rejected");
	T_OK(!exec_ok(db, "INSERT INTO routes (name, service_id, path) "
	    "VALUES ('r3', 1, 'api')"), "relative path rejected");
	T_OK(!exec_ok(db, "INSERT INTO routes (name, service_id, path_type, "
	    "path, rewrite) VALUES ('r4', 1, 'regex', '^/a', '/b')"),
	    "rewrite with regex rejected");
	T_OK(!exec_ok(db, "INSERT INTO route_headers VALUES (1, 'X-A', 'b')"),
	    "upper-case header match name rejected");
	T_OK(!exec_ok(db, "INSERT INTO route_headers VALUES (1, 'x-a', "
	    "'b' || char(10) || 'c')"), "newline in header value rejected");
	T_OK(exec_ok(db, "INSERT INTO route_headers VALUES (1, 'x-a', 'b')"),
	    "a header match");
	T_OK(!exec_ok(db, "INSERT INTO route_header_edits VALUES (1, 0, "
	    "'request', 'remove', 'x-b', 'v')"),
	    "remove edit with a value rejected");
	T_OK(!exec_ok(db, "DELETE FROM services WHERE name = 'web'"),
	    "service in use by a route cannot be deleted");
	T_OK(exec_ok(db, "DELETE FROM routes; DELETE FROM services"),
	    "after the route, it can");
	T_INTEQ(q_int(db, "SELECT count(*) FROM backends"), 0,
	    "its backends went with it");
	T_INTEQ(q_int(db, "SELECT count(*) FROM route_headers"), 0,
	    "route children went with the route");
	gw_db_close(db);
}

static void
test_data_version(void)
{
	char	 errbuf[256];
	sqlite3	*a = fresh("d.db"), *b;
	int64_t	 v1, v2, v3;

	b = gw_db_open(tpath("d.db"), 0, errbuf, sizeof(errbuf));
	v1 = gw_db_data_version(a);
	v2 = gw_db_data_version(a);
	T_OK(v1 >= 0 && v1 == v2, "data_version stable without writes");
	exec_ok(b, "INSERT INTO services (name) VALUES ('x')");
	v3 = gw_db_data_version(a);
	T_OK(v3 != v2, "data_version moves after another connection commits");
	gw_db_close(a);
	gw_db_close(b);
}

int
main(void)
{
	char cmd[512];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_create();
	test_refusals();
	test_migrations();
	test_v1_to_v2();
	test_v2_to_v3();
	test_checks();
	test_data_version();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return t_done();
}
