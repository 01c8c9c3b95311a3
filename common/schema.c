/*
 * schema: the gw database schema (versions 1 to 4) and the migration runner.
 * Every table, column and constraint here is documented in gw-schema(5);
 * change both together.  Durations are integer milliseconds (columns end in
 * _ms), times are integer milliseconds since the Unix epoch (columns end in
 * _at), percentages are integers 0..100 (columns end in _pct) and
 * latencies integer microseconds (columns end in _us).
 *
 * The CHECK constraints mirror the validation in config.c closely enough
 * that a hand edit with sqlite3 cannot store a row the daemons would choke
 * on; config.c stays the precise judge (regex compilation, cross-field
 * rules) and a daemon rejects a snapshot that fails it.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "schema.h"

/* A name of a service, route or scale target: a DNS-label-like token. */
#define NAME_OK(c) \
	"length(" c ") BETWEEN 1 AND 63 AND " c " GLOB '[a-z0-9]*' AND " \
	c " NOT GLOB '*[^a-z0-9._-]*'"
/* A duration in milliseconds between 1 ms and one day. */
#define MS_OK(c)	c " BETWEEN 1 AND 86400000"
/* A host: a DNS name or an IP literal (IPv6 without brackets). */
#define HOST_OK(c) \
	"length(" c ") BETWEEN 1 AND 253 AND " \
	c " NOT GLOB '*[^0-9A-Za-z.:_-]*'"
/* A DNS name to resolve: a host, but not an IPv4 or IPv6 literal. */
#define DNS_OK(c) \
	HOST_OK(c) " AND " c " NOT GLOB '*:*' AND " c " GLOB '*[^0-9.]*'"
/* An HTTP token (RFC 9110, 5.6.2), as used for header names. */
#define TOKEN_OK(c) \
	"length(" c ") BETWEEN 1 AND 256 AND " \
	c " NOT GLOB '*[^A-Za-z0-9!#$%&''*+.^_`|~-]*'"
/* A field value without control characters (RFC 9110, 5.5). */
#define VALUE_OK(c) \
	"length(" c ") <= 8192 AND " \
	c " NOT GLOB ('*[' || char(1) || '-' || char(8) || char(10) || '-' || " \
	"char(31) || char(127) || ']*')"

static const char v1_history[] =
"CREATE TABLE generations (\n"
"	generation	INTEGER PRIMARY KEY CHECK (generation >= 0),\n"
"	created_at	INTEGER NOT NULL CHECK (created_at >= 0),\n"
"	user		TEXT NOT NULL,\n"
"	command		TEXT NOT NULL,\n"
"	summary		TEXT NOT NULL\n"
");\n"
"INSERT INTO generations VALUES (0,\n"
"    CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),\n"
"    'gwctl', 'gwctl init', 'database created');\n"
"CREATE TABLE changes (\n"
"	id		INTEGER PRIMARY KEY,\n"
"	generation	INTEGER NOT NULL REFERENCES generations(generation)\n"
"			    ON DELETE CASCADE,\n"
"	kind		TEXT NOT NULL\n"
"			    CHECK (kind IN ('service', 'backend', 'route')),\n"
"	name		TEXT NOT NULL,\n"
"	op		TEXT NOT NULL\n"
"			    CHECK (op IN ('create', 'update', 'delete')),\n"
"	before_json	TEXT CHECK (before_json IS NULL OR\n"
"			    json_valid(before_json)),\n"
"	after_json	TEXT CHECK (after_json IS NULL OR\n"
"			    json_valid(after_json)),\n"
"	CHECK ((op = 'create') = (before_json IS NULL)),\n"
"	CHECK ((op = 'delete') = (after_json IS NULL))\n"
");\n"
"CREATE INDEX changes_generation ON changes(generation);\n"
"CREATE INDEX changes_object ON changes(kind, name);\n";

static const char v1_services[] =
"CREATE TABLE services (\n"
"	id			INTEGER PRIMARY KEY,\n"
"	name			TEXT NOT NULL UNIQUE CHECK (" NAME_OK("name") "),\n"
"	lb_policy		TEXT NOT NULL DEFAULT 'round_robin'\n"
"	    CHECK (lb_policy IN ('round_robin', 'weighted',\n"
"	    'least_request', 'random', 'hash', 'latency')),\n"
"	hash_key		TEXT NOT NULL DEFAULT 'ip'\n"
"	    CHECK (hash_key = 'ip' OR\n"
"	    (hash_key GLOB 'header:?*' AND " TOKEN_OK("substr(hash_key, 8)") ")\n"
"	    OR (hash_key GLOB 'cookie:?*' AND\n"
"	    " TOKEN_OK("substr(hash_key, 8)") ")),\n"
"	connect_timeout_ms	INTEGER NOT NULL DEFAULT 3000\n"
"	    CHECK (" MS_OK("connect_timeout_ms") "),\n"
"	request_timeout_ms	INTEGER NOT NULL DEFAULT 15000\n"
"	    CHECK (" MS_OK("request_timeout_ms") "),\n"
"	idle_timeout_ms		INTEGER NOT NULL DEFAULT 60000\n"
"	    CHECK (" MS_OK("idle_timeout_ms") "),\n"
"	retries			INTEGER NOT NULL DEFAULT 1\n"
"	    CHECK (retries BETWEEN 0 AND 10),\n"
"	retry_on		TEXT NOT NULL DEFAULT 'connect-failure'\n"
"	    CHECK (length(retry_on) > 0 AND\n"
"	    retry_on NOT GLOB '*[^a-z0-9,-]*'),\n"
"	cb_max_connections	INTEGER NOT NULL DEFAULT 1024\n"
"	    CHECK (cb_max_connections BETWEEN 1 AND 1000000),\n"
"	cb_max_pending		INTEGER NOT NULL DEFAULT 1024\n"
"	    CHECK (cb_max_pending BETWEEN 0 AND 1000000),\n"
"	cb_max_requests		INTEGER NOT NULL DEFAULT 1024\n"
"	    CHECK (cb_max_requests BETWEEN 1 AND 1000000),\n"
"	cb_max_retries		INTEGER NOT NULL DEFAULT 3\n"
"	    CHECK (cb_max_retries BETWEEN 0 AND 1000000),\n"
"	hc_type			TEXT NOT NULL DEFAULT 'tcp'\n"
"	    CHECK (hc_type IN ('none', 'tcp', 'http')),\n"
"	hc_method		TEXT NOT NULL DEFAULT 'GET'\n"
"	    CHECK (length(hc_method) BETWEEN 1 AND 32 AND\n"
"	    hc_method NOT GLOB '*[^A-Z]*'),\n"
"	hc_path			TEXT NOT NULL DEFAULT '/'\n"
"	    CHECK (hc_path GLOB '/*' AND length(hc_path) <= 2048 AND\n"
"	    hc_path NOT GLOB ('*[ ' || char(1) || '-' || char(31) ||\n"
"	    char(127) || ']*')),\n"
"	hc_host			TEXT CHECK (hc_host IS NULL OR\n"
"	    (" HOST_OK("hc_host") ")),\n"
"	hc_expect_status	TEXT NOT NULL DEFAULT '200-399'\n"
"	    CHECK (length(hc_expect_status) > 0 AND\n"
"	    hc_expect_status NOT GLOB '*[^0-9,-]*'),\n"
"	hc_expect_body		TEXT CHECK (hc_expect_body IS NULL OR\n"
"	    length(hc_expect_body) BETWEEN 1 AND 1024),\n"
"	hc_interval_ms		INTEGER NOT NULL DEFAULT 5000\n"
"	    CHECK (hc_interval_ms BETWEEN 100 AND 86400000),\n"
"	hc_fast_interval_ms	INTEGER NOT NULL DEFAULT 1000\n"
"	    CHECK (hc_fast_interval_ms BETWEEN 100 AND 86400000),\n"
"	hc_timeout_ms		INTEGER NOT NULL DEFAULT 1000\n"
"	    CHECK (" MS_OK("hc_timeout_ms") "),\n"
"	hc_rise			INTEGER NOT NULL DEFAULT 2\n"
"	    CHECK (hc_rise BETWEEN 1 AND 100),\n"
"	hc_fall			INTEGER NOT NULL DEFAULT 3\n"
"	    CHECK (hc_fall BETWEEN 1 AND 100),\n"
"	hc_jitter_pct		INTEGER NOT NULL DEFAULT 10\n"
"	    CHECK (hc_jitter_pct BETWEEN 0 AND 50),\n"
"	hc_initial		TEXT NOT NULL DEFAULT 'up'\n"
"	    CHECK (hc_initial IN ('up', 'down')),\n"
"	panic_threshold_pct	INTEGER NOT NULL DEFAULT 0\n"
"	    CHECK (panic_threshold_pct BETWEEN 0 AND 100),\n"
"	CHECK (hc_type = 'none' OR hc_timeout_ms < hc_interval_ms)\n"
");\n";

static const char v1_routes[] =
"CREATE TABLE backends (\n"
"	id		INTEGER PRIMARY KEY,\n"
"	service_id	INTEGER NOT NULL REFERENCES services(id)\n"
"			    ON DELETE CASCADE,\n"
"	host		TEXT NOT NULL CHECK (" HOST_OK("host") "),\n"
"	port		INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),\n"
"	weight		INTEGER NOT NULL DEFAULT 1\n"
"			    CHECK (weight BETWEEN 1 AND 256),\n"
"	admin_state	TEXT NOT NULL DEFAULT 'enabled'\n"
"	    CHECK (admin_state IN ('enabled', 'drain', 'disabled')),\n"
"	UNIQUE (service_id, host, port)\n"
");\n"
"\n"
"CREATE TABLE routes (\n"
"	id		INTEGER PRIMARY KEY,\n"
"	name		TEXT NOT NULL UNIQUE CHECK (" NAME_OK("name") "),\n"
"	priority	INTEGER NOT NULL DEFAULT 0\n"
"			    CHECK (priority BETWEEN -1000000 AND 1000000),\n"
"	host		TEXT CHECK (host IS NULL OR\n"
"	    (length(host) BETWEEN 1 AND 253 AND\n"
"	    host NOT GLOB '*[^0-9a-z.*_-]*' AND\n"
"	    (host NOT GLOB '*[*]*' OR (host GLOB '[*].?*' AND\n"
"	    substr(host, 2) NOT GLOB '*[*]*')))),\n"
"	path_type	TEXT NOT NULL DEFAULT 'prefix'\n"
"	    CHECK (path_type IN ('prefix', 'exact', 'regex')),\n"
"	path		TEXT NOT NULL DEFAULT '/'\n"
"	    CHECK (length(path) BETWEEN 1 AND 2048 AND\n"
"	    (path_type = 'regex' OR path GLOB '/*') AND\n"
"	    path NOT GLOB ('*[' || char(1) || '-' || char(31) ||\n"
"	    char(127) || ']*')),\n"
"	methods		TEXT CHECK (methods IS NULL OR\n"
"	    (length(methods) > 0 AND methods NOT GLOB '*[^A-Z,]*')),\n"
"	service_id	INTEGER NOT NULL REFERENCES services(id)\n"
"			    ON DELETE RESTRICT,\n"
"	rewrite		TEXT CHECK (rewrite IS NULL OR\n"
"	    (path_type <> 'regex' AND rewrite GLOB '/*' AND\n"
"	    length(rewrite) <= 2048)),\n"
"	timeout_ms	INTEGER CHECK (timeout_ms IS NULL OR\n"
"	    (" MS_OK("timeout_ms") "))\n"
");\n"
"CREATE INDEX routes_service ON routes(service_id);\n"
"CREATE INDEX backends_service ON backends(service_id);\n";

static const char v1_route_children[] =
"CREATE TABLE route_headers (\n"
"	route_id	INTEGER NOT NULL REFERENCES routes(id)\n"
"			    ON DELETE CASCADE,\n"
"	name		TEXT NOT NULL CHECK (" TOKEN_OK("name") " AND\n"
"			    name = lower(name)),\n"
"	value		TEXT CHECK (value IS NULL OR (" VALUE_OK("value") ")),\n"
"	PRIMARY KEY (route_id, name)\n"
");\n"
"CREATE TABLE route_header_edits (\n"
"	route_id	INTEGER NOT NULL REFERENCES routes(id)\n"
"			    ON DELETE CASCADE,\n"
"	seq		INTEGER NOT NULL CHECK (seq >= 0),\n"
"	phase		TEXT NOT NULL\n"
"			    CHECK (phase IN ('request', 'response')),\n"
"	op		TEXT NOT NULL CHECK (op IN ('set', 'add', 'remove')),\n"
"	name		TEXT NOT NULL CHECK (" TOKEN_OK("name") "),\n"
"	value		TEXT CHECK ((op = 'remove') = (value IS NULL) AND\n"
"			    (value IS NULL OR (" VALUE_OK("value") "))),\n"
"	PRIMARY KEY (route_id, seq)\n"
");\n";

/* State written by gwhealth. */
static const char v1_health[] =
"CREATE TABLE backend_health (\n"
"	backend_id	INTEGER PRIMARY KEY REFERENCES backends(id)\n"
"			    ON DELETE CASCADE,\n"
"	state		TEXT NOT NULL DEFAULT 'unknown'\n"
"			    CHECK (state IN ('unknown', 'up', 'down')),\n"
"	since_at	INTEGER NOT NULL CHECK (since_at >= 0),\n"
"	checked_at	INTEGER CHECK (checked_at IS NULL OR checked_at >= 0),\n"
"	latency_us	INTEGER CHECK (latency_us IS NULL OR latency_us >= 0),\n"
"	reason		TEXT,\n"
"	pass_streak	INTEGER NOT NULL DEFAULT 0 CHECK (pass_streak >= 0),\n"
"	fail_streak	INTEGER NOT NULL DEFAULT 0 CHECK (fail_streak >= 0),\n"
"	CHECK (pass_streak = 0 OR fail_streak = 0)\n"
");\n"
"CREATE TABLE health_transitions (\n"
"	id		INTEGER PRIMARY KEY,\n"
"	at		INTEGER NOT NULL CHECK (at >= 0),\n"
"	service		TEXT NOT NULL,\n"
"	backend		TEXT NOT NULL,\n"
"	from_state	TEXT NOT NULL\n"
"			    CHECK (from_state IN ('unknown', 'up', 'down')),\n"
"	to_state	TEXT NOT NULL\n"
"			    CHECK (to_state IN ('unknown', 'up', 'down')),\n"
"	reason		TEXT NOT NULL\n"
");\n"
"CREATE INDEX health_transitions_at ON health_transitions(at);\n";

/* State written by gwproxy. */
static const char v1_stats[] =
"CREATE TABLE traffic_stats (\n"
"	at		INTEGER NOT NULL CHECK (at >= 0),\n"
"	interval_ms	INTEGER NOT NULL CHECK (interval_ms > 0),\n"
"	instance	TEXT NOT NULL,\n"
"	service		TEXT NOT NULL,\n"
"	backend		TEXT NOT NULL DEFAULT '',\n"
"	requests	INTEGER NOT NULL DEFAULT 0 CHECK (requests >= 0),\n"
"	responses_2xx	INTEGER NOT NULL DEFAULT 0 CHECK (responses_2xx >= 0),\n"
"	responses_3xx	INTEGER NOT NULL DEFAULT 0 CHECK (responses_3xx >= 0),\n"
"	responses_4xx	INTEGER NOT NULL DEFAULT 0 CHECK (responses_4xx >= 0),\n"
"	responses_5xx	INTEGER NOT NULL DEFAULT 0 CHECK (responses_5xx >= 0),\n"
"	gateway_errors	INTEGER NOT NULL DEFAULT 0\n"
"			    CHECK (gateway_errors >= 0),\n"
"	in_flight	INTEGER NOT NULL DEFAULT 0 CHECK (in_flight >= 0),\n"
"	bytes_in	INTEGER NOT NULL DEFAULT 0 CHECK (bytes_in >= 0),\n"
"	bytes_out	INTEGER NOT NULL DEFAULT 0 CHECK (bytes_out >= 0),\n"
"	latency_p50_us	INTEGER CHECK (latency_p50_us >= 0),\n"
"	latency_p90_us	INTEGER CHECK (latency_p90_us >= 0),\n"
"	latency_p99_us	INTEGER CHECK (latency_p99_us >= 0),\n"
"	PRIMARY KEY (service, backend, at, instance)\n"
");\n"
"CREATE INDEX traffic_stats_at ON traffic_stats(at);\n";

/* Config written by gwctl; recommendations, events, decisions by gwscale. */
static const char v1_scale[] =
"CREATE TABLE scale_targets (\n"
"	id		INTEGER PRIMARY KEY,\n"
"	name		TEXT NOT NULL UNIQUE CHECK (" NAME_OK("name") "),\n"
"	namespace	TEXT NOT NULL DEFAULT 'default'\n"
"			    CHECK (" NAME_OK("namespace") "),\n"
"	workload_kind	TEXT NOT NULL DEFAULT 'deployment'\n"
"	    CHECK (workload_kind IN ('deployment', 'statefulset',\n"
"	    'replicaset')),\n"
"	workload	TEXT NOT NULL CHECK (length(workload) BETWEEN 1 AND 253\n"
"	    AND workload GLOB '[a-z0-9]*' AND\n"
"	    workload NOT GLOB '*[^a-z0-9.-]*'),\n"
"	min_replicas	INTEGER NOT NULL DEFAULT 1 CHECK (min_replicas >= 0),\n"
"	max_replicas	INTEGER NOT NULL CHECK (max_replicas >= 1 AND\n"
"			    max_replicas >= min_replicas),\n"
"	tolerance	REAL NOT NULL DEFAULT 0.1\n"
"			    CHECK (tolerance >= 0 AND tolerance < 1),\n"
"	behavior	TEXT CHECK (behavior IS NULL OR\n"
"			    json_type(behavior) = 'object'),\n"
"	UNIQUE (namespace, workload_kind, workload)\n"
");\n"
"CREATE TABLE scale_metrics (\n"
"	target_id	INTEGER NOT NULL REFERENCES scale_targets(id)\n"
"			    ON DELETE CASCADE,\n"
"	seq		INTEGER NOT NULL CHECK (seq >= 0),\n"
"	source		TEXT NOT NULL\n"
"			    CHECK (source IN ('gateway', 'prometheus')),\n"
"	metric		TEXT NOT NULL CHECK (length(metric) > 0),\n"
"	service		TEXT,\n"
"	prometheus_url	TEXT,\n"
"	target_type	TEXT NOT NULL CHECK (target_type IN ('value',\n"
"	    'average_value', 'utilization')),\n"
"	target_value	REAL NOT NULL CHECK (target_value > 0),\n"
"	PRIMARY KEY (target_id, seq),\n"
"	CHECK ((source = 'prometheus') = (prometheus_url IS NOT NULL))\n"
");\n";

static const char v1_scale_state[] =
"CREATE TABLE scale_recommendations (\n"
"	target_id	INTEGER NOT NULL REFERENCES scale_targets(id)\n"
"			    ON DELETE CASCADE,\n"
"	at		INTEGER NOT NULL CHECK (at >= 0),\n"
"	replicas	INTEGER NOT NULL CHECK (replicas >= 0)\n"
");\n"
"CREATE INDEX scale_recommendations_target\n"
"    ON scale_recommendations(target_id, at);\n"
"CREATE TABLE scale_events (\n"
"	target_id	INTEGER NOT NULL REFERENCES scale_targets(id)\n"
"			    ON DELETE CASCADE,\n"
"	at		INTEGER NOT NULL CHECK (at >= 0),\n"
"	from_replicas	INTEGER NOT NULL CHECK (from_replicas >= 0),\n"
"	to_replicas	INTEGER NOT NULL CHECK (to_replicas >= 0)\n"
");\n"
"CREATE INDEX scale_events_target ON scale_events(target_id, at);\n"
"CREATE TABLE scale_decisions (\n"
"	id		INTEGER PRIMARY KEY,\n"
"	target_id	INTEGER NOT NULL REFERENCES scale_targets(id)\n"
"			    ON DELETE CASCADE,\n"
"	at		INTEGER NOT NULL CHECK (at >= 0),\n"
"	metrics		TEXT NOT NULL CHECK (json_valid(metrics)),\n"
"	current_replicas INTEGER NOT NULL CHECK (current_replicas >= 0),\n"
"	desired_replicas INTEGER NOT NULL CHECK (desired_replicas >= 0),\n"
"	mode		TEXT NOT NULL\n"
"			    CHECK (mode IN ('applied', 'dry-run', 'unchanged',\n"
"			    'failed')),\n"
"	reason		TEXT NOT NULL\n"
");\n"
"CREATE INDEX scale_decisions_target ON scale_decisions(target_id, at);\n";

/* Pieces of one migration, each under C's 4095-byte string limit. */
static const char *const schema_v1[] = {
	v1_history, v1_services, v1_routes, v1_route_children, v1_health,
	v1_stats, v1_scale, v1_scale_state, NULL
};

/*
 * Version 2: a time limit for the response head, per service (0: none
 * but the request timeout) and per route (NULL: the service's).  ADD
 * COLUMN checks the new CHECK constraints against the rows already there,
 * which the defaults pass.
 */
static const char v2_response_timeout[] =
"ALTER TABLE services ADD COLUMN response_timeout_ms INTEGER NOT NULL\n"
"    DEFAULT 0 CHECK (response_timeout_ms BETWEEN 0 AND 86400000);\n"
"ALTER TABLE routes ADD COLUMN response_timeout_ms INTEGER\n"
"    CHECK (response_timeout_ms IS NULL OR\n"
"    (" MS_OK("response_timeout_ms") "));\n";

static const char *const schema_v2[] = { v2_response_timeout, NULL };

/*
 * Version 3: health that traffic follows.  Services name a DNS name whose
 * addresses gwhealth keeps as their backends (source 'dns'), and the
 * passive health (outlier detection) settings of gwproxy, which records
 * the backends it ejects in backend_ejections and in the transitions log.
 * The max >= base rule of the ejection times lives on the second column,
 * added after the first, so both exist when SQLite checks the old rows.
 */
static const char v3_services[] =
"ALTER TABLE services ADD COLUMN discovery_dns TEXT\n"
"    CHECK (discovery_dns IS NULL OR (" DNS_OK("discovery_dns") "));\n"
"ALTER TABLE services ADD COLUMN discovery_port INTEGER NOT NULL\n"
"    DEFAULT 80 CHECK (discovery_port BETWEEN 1 AND 65535);\n"
"ALTER TABLE services ADD COLUMN outlier_5xx INTEGER NOT NULL\n"
"    DEFAULT 5 CHECK (outlier_5xx BETWEEN 0 AND 1000);\n"
"ALTER TABLE services ADD COLUMN outlier_gateway INTEGER NOT NULL\n"
"    DEFAULT 5 CHECK (outlier_gateway BETWEEN 0 AND 1000);\n"
"ALTER TABLE services ADD COLUMN outlier_base_ms INTEGER NOT NULL\n"
"    DEFAULT 30000 CHECK (" MS_OK("outlier_base_ms") ");\n"
"ALTER TABLE services ADD COLUMN outlier_max_ms INTEGER NOT NULL\n"
"    DEFAULT 300000 CHECK (" MS_OK("outlier_max_ms") " AND\n"
"    outlier_max_ms >= outlier_base_ms);\n"
"ALTER TABLE services ADD COLUMN outlier_max_pct INTEGER NOT NULL\n"
"    DEFAULT 50 CHECK (outlier_max_pct BETWEEN 0 AND 100);\n"
"ALTER TABLE backends ADD COLUMN source TEXT NOT NULL DEFAULT 'static'\n"
"    CHECK (source IN ('static', 'dns'));\n";

/*
 * SQLite cannot change a CHECK constraint in place: the transitions log
 * is rebuilt (create, copy, drop, rename, index), its rows kept with the
 * source that wrote them all so far.
 */
static const char v3_transitions[] =
"CREATE TABLE health_transitions_v3 (\n"
"	id		INTEGER PRIMARY KEY,\n"
"	at		INTEGER NOT NULL CHECK (at >= 0),\n"
"	service		TEXT NOT NULL,\n"
"	backend		TEXT NOT NULL,\n"
"	from_state	TEXT NOT NULL CHECK (from_state IN\n"
"			    ('unknown', 'up', 'down', 'ejected')),\n"
"	to_state	TEXT NOT NULL CHECK (to_state IN\n"
"			    ('unknown', 'up', 'down', 'ejected')),\n"
"	reason		TEXT NOT NULL,\n"
"	source		TEXT NOT NULL DEFAULT 'gwhealth'\n"
"			    CHECK (source IN ('gwhealth', 'gwproxy'))\n"
");\n"
"INSERT INTO health_transitions_v3 (id, at, service, backend, from_state,\n"
"    to_state, reason, source)\n"
"    SELECT id, at, service, backend, from_state, to_state, reason,\n"
"    'gwhealth' FROM health_transitions;\n"
"DROP TABLE health_transitions;\n"
"ALTER TABLE health_transitions_v3 RENAME TO health_transitions;\n"
"CREATE INDEX health_transitions_at ON health_transitions(at);\n";

/* State written by gwproxy: the backends its passive health ejected. */
static const char v3_ejections[] =
"CREATE TABLE backend_ejections (\n"
"	backend_id	INTEGER NOT NULL REFERENCES backends(id)\n"
"			    ON DELETE CASCADE,\n"
"	instance	TEXT NOT NULL,\n"
"	ejected_at	INTEGER NOT NULL CHECK (ejected_at >= 0),\n"
"	until_at	INTEGER NOT NULL CHECK (until_at >= ejected_at),\n"
"	ejections	INTEGER NOT NULL CHECK (ejections >= 1),\n"
"	reason		TEXT NOT NULL,\n"
"	PRIMARY KEY (backend_id, instance)\n"
");\n";

/*
 * retry_on's default becomes "connect-failure,reset": a GET whose backend
 * reset the connection before answering goes to another backend, as
 * NGINX's proxy_next_upstream does by default.  Rows keep their value.
 * SQLite changes a column's DEFAULT by editing the table's text in
 * sqlite_schema (its documented procedure for defaults, "ALTER TABLE",
 * section 7); the schema cookie moves with this transaction's other DDL,
 * and RESET makes this connection read the text again.
 */
static const char v3_retry_on[] =
"PRAGMA writable_schema = ON;\n"
"UPDATE sqlite_schema SET sql = replace(sql,\n"
"    'DEFAULT ''connect-failure''', 'DEFAULT ''connect-failure,reset''')\n"
"    WHERE type = 'table' AND name = 'services';\n"
"PRAGMA writable_schema = RESET;\n";

static const char *const schema_v3[] = {
	v3_services, v3_transitions, v3_ejections, v3_retry_on, NULL
};

/*
 * Version 4: gwscale.  Scale targets gain the HPA controller's downscale
 * stabilization window (its --horizontal-pod-autoscaler-downscale-
 * stabilization flag, per target) and KEDA's scale-to-zero cooldown;
 * metrics gain the window their gateway rates are taken over and KEDA's
 * activation threshold.  scale_state is gwscale's memory of a target
 * between runs (seeded, last active), so that a run from cron decides as
 * a long-running loop would; gateway_instances is gwproxy's heartbeat,
 * so that an idle gateway (which writes no traffic_stats) and a stopped
 * one (whose traffic is unknown, never zero) can be told apart.
 */
static const char v4_scale[] =
"ALTER TABLE scale_targets ADD COLUMN downscale_stabilization_ms INTEGER\n"
"    NOT NULL DEFAULT 300000\n"
"    CHECK (downscale_stabilization_ms BETWEEN 0 AND 3600000);\n"
"ALTER TABLE scale_targets ADD COLUMN cooldown_ms INTEGER NOT NULL\n"
"    DEFAULT 300000 CHECK (cooldown_ms BETWEEN 0 AND 86400000);\n"
"ALTER TABLE scale_metrics ADD COLUMN window_ms INTEGER NOT NULL\n"
"    DEFAULT 60000 CHECK (window_ms BETWEEN 1000 AND 86400000);\n"
"ALTER TABLE scale_metrics ADD COLUMN activation REAL NOT NULL\n"
"    DEFAULT 0 CHECK (activation >= 0);\n"
"CREATE TABLE scale_state (\n"
"	target_id	INTEGER PRIMARY KEY REFERENCES scale_targets(id)\n"
"			    ON DELETE CASCADE,\n"
"	seeded_at	INTEGER NOT NULL CHECK (seeded_at >= 0),\n"
"	active_at	INTEGER CHECK (active_at IS NULL OR active_at >= 0),\n"
"	decided_at	INTEGER CHECK (decided_at IS NULL OR decided_at >= 0)\n"
");\n"
"CREATE TABLE gateway_instances (\n"
"	instance	TEXT PRIMARY KEY,\n"
"	started_at	INTEGER NOT NULL CHECK (started_at >= 0),\n"
"	seen_at		INTEGER NOT NULL CHECK (seen_at >= started_at),\n"
"	interval_ms	INTEGER NOT NULL CHECK (interval_ms > 0)\n"
");\n";

/*
 * Scale targets are configuration like services and routes: gwctl
 * records their changes in the history under the kind 'scale'.  The
 * changes table is rebuilt for its CHECK, as health_transitions was in
 * version 3, its rows kept with their ids.
 */
static const char v4_changes[] =
"CREATE TABLE changes_v4 (\n"
"	id		INTEGER PRIMARY KEY,\n"
"	generation	INTEGER NOT NULL REFERENCES generations(generation)\n"
"			    ON DELETE CASCADE,\n"
"	kind		TEXT NOT NULL CHECK (kind IN ('service', 'backend',\n"
"			    'route', 'scale')),\n"
"	name		TEXT NOT NULL,\n"
"	op		TEXT NOT NULL\n"
"			    CHECK (op IN ('create', 'update', 'delete')),\n"
"	before_json	TEXT CHECK (before_json IS NULL OR\n"
"			    json_valid(before_json)),\n"
"	after_json	TEXT CHECK (after_json IS NULL OR\n"
"			    json_valid(after_json)),\n"
"	CHECK ((op = 'create') = (before_json IS NULL)),\n"
"	CHECK ((op = 'delete') = (after_json IS NULL))\n"
");\n"
"INSERT INTO changes_v4 (id, generation, kind, name, op, before_json,\n"
"    after_json)\n"
"    SELECT id, generation, kind, name, op, before_json, after_json\n"
"    FROM changes;\n"
"DROP TABLE changes;\n"
"ALTER TABLE changes_v4 RENAME TO changes;\n"
"CREATE INDEX changes_generation ON changes(generation);\n"
"CREATE INDEX changes_object ON changes(kind, name);\n";

static const char *const schema_v4[] = { v4_scale, v4_changes, NULL };

const struct gw_migration gw_migrations[] = {
	{ 1, schema_v1 },
	{ 2, schema_v2 },
	{ 3, schema_v3 },
	{ 4, schema_v4 },
};
const int gw_nmigrations = sizeof(gw_migrations) / sizeof(gw_migrations[0]);

static int
schema_pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
gw_schema_version(sqlite3 *db)
{
	int v;

	if (schema_pragma_int(db, "PRAGMA user_version", &v) == -1)
		return -1;
	return v;
}

/*
 * A database is ours when it carries our application_id, or when it is
 * brand new: no application_id, version 0 and no tables of anyone else.
 */
static int
schema_identify(sqlite3 *db, int *version, int *fresh, char *errbuf,
    size_t errlen)
{
	int appid, ntables;

	if (schema_pragma_int(db, "PRAGMA application_id", &appid) == -1 ||
	    schema_pragma_int(db, "PRAGMA user_version", version) == -1 ||
	    schema_pragma_int(db, "SELECT count(*) FROM sqlite_schema",
	    &ntables) == -1) {
		snprintf(errbuf, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	*fresh = appid == 0 && *version == 0 && ntables == 0;
	if (!*fresh && appid != GW_SCHEMA_APPLICATION_ID) {
		snprintf(errbuf, errlen, "not a gw database "
		    "(application_id %d, expected %d)", appid,
		    GW_SCHEMA_APPLICATION_ID);
		return -1;
	}
	/*
	 * gwctl init sets the mark and the version in one transaction, so
	 * tables under version 0 mean a hand edit that no migration can
	 * start from.
	 */
	if (!*fresh && *version == 0 && ntables > 0) {
		snprintf(errbuf, errlen, "gw database with tables but schema "
		    "version 0 (PRAGMA user_version was reset by hand); "
		    "restore its user_version or a backup");
		return -1;
	}
	return 0;
}


int
gw_schema_migrate(sqlite3 *db, const struct gw_migration *migs, int nmigs,
    int *from, char *errbuf, size_t errlen)
{
	const char *const	*part;
	char			 sql[128];
	int			 version, fresh, i;
	int			 latest = nmigs > 0 ? migs[nmigs - 1].mg_to : 0;

	/* Identify under the write lock, so two inits cannot race. */
	if (gw_db_exec(db, "BEGIN IMMEDIATE", errbuf, errlen) == -1)
		return -1;
	if (schema_identify(db, &version, &fresh, errbuf, errlen) == -1)
		goto fail;
	if (from != NULL)
		*from = version;
	if (version > latest) {
		snprintf(errbuf, errlen, "database schema version %d is newer "
		    "than this build of gw supports (%d); upgrade gw",
		    version, latest);
		goto fail;
	}
	if (fresh) {
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
		    GW_SCHEMA_APPLICATION_ID);
		if (gw_db_exec(db, sql, errbuf, errlen) == -1)
			goto fail;
	}
	for (i = 0; i < nmigs; i++) {
		if (migs[i].mg_to <= version)
			continue;
		for (part = migs[i].mg_sql; *part != NULL; part++)
			if (gw_db_exec(db, *part, errbuf, errlen) == -1)
				goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    migs[i].mg_to);
		if (gw_db_exec(db, sql, errbuf, errlen) == -1)
			goto fail;
	}
	if (gw_db_exec(db, "COMMIT", errbuf, errlen) == 0)
		return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
gw_schema_check(sqlite3 *db, char *errbuf, size_t errlen)
{
	int version, fresh;

	if (schema_identify(db, &version, &fresh, errbuf, errlen) == -1)
		return -1;
	if (fresh) {
		snprintf(errbuf, errlen, "database is empty; "
		    "run 'gwctl init' to create the schema");
		return -1;
	}
	if (version > GW_SCHEMA_VERSION) {
		snprintf(errbuf, errlen, "database schema version %d is newer "
		    "than this build of gw supports (%d); upgrade gw",
		    version, GW_SCHEMA_VERSION);
		return -1;
	}
	if (version < GW_SCHEMA_VERSION) {
		snprintf(errbuf, errlen, "database schema version %d is older "
		    "than this build of gw uses (%d); run 'gwctl init' to "
		    "migrate it", version, GW_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}
