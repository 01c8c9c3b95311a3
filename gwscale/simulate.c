/*
 * simulate: `gwscale simulate TARGET FILE`.  Loads one target from the
 * DB (read-only: a replay writes nothing), reads a metric series (sim.h
 * gives the CSV form), replays it through the target's policy (sim.c,
 * which decides as `gwscale once` does) and prints the replica count over
 * time as a table, JSON or an SVG chart (svg.c).
 */
#include <err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "db.h"
#include "gwscale.h"
#include "scale.h"
#include "sim.h"
#include "store.h"
#include "str.h"
#include "svg.h"

/* The largest series file read: SIM_MAX_ROWS rows of 256 bytes. */
#define SIMULATE_FILE_MAX	(256L * 1024 * 1024)
#define SIMULATE_GAP		3	/* spaces between table columns */

enum simulate_output { SIMULATE_TABLE, SIMULATE_JSON, SIMULATE_SVG };

/* Short column names of the gateway's metrics, by enum gw_scale_gwmetric. */
static const char *const simulate_short[] = {
	"RPS", "IN_FLIGHT", "P50_MS", "P90_MS", "P99_MS", "ERROR_RATE"
};

/*
 * Reads all of path ("-": stdin) into a malloc'd buffer.  Returns 0, or
 * -1 after saying why.
 */
static int
simulate_read(const char *path, const char *name, char **textp, size_t *lenp)
{
	FILE	*fp;
	char	*text = NULL;
	size_t	 len = 0, cap = 0, n;
	int	 rc = 0;

	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (fp == NULL) {
		warn("%s", name);
		return -1;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap == 0 ? 65536 : cap * 2;
			text = gw_reallocarray(text, cap, 1);
		}
		n = fread(text + len, 1, cap - len, fp);
		len += n;
		if (len > SIMULATE_FILE_MAX) {
			warnx("%s: larger than %ld MiB", name,
			    SIMULATE_FILE_MAX / (1024 * 1024));
			rc = -1;
			break;
		}
		if (n == 0) {
			if (ferror(fp)) {
				warn("%s", name);
				rc = -1;
			}
			break;
		}
	}
	if (fp != stdin)
		fclose(fp);
	if (rc == -1) {
		free(text);
		return -1;
	}
	*textp = text;
	*lenp = len;
	return 0;
}

/* Loads the one target; -1 after saying why. */
static int
simulate_load(struct gs *g, const char *target, struct store_target **tgp,
    size_t *ntg)
{
	sqlite3		*db;
	const char	*path = gw_db_path(g->gs_db_path);
	char		 err[512], *name;
	int		 rc;

	if ((db = gw_db_open(path, GW_DB_READONLY, err, sizeof(err))) == NULL) {
		warnx("%s: %s", path, err);
		return -1;
	}
	name = gw_strdup(target);
	rc = store_targets_load(db, &name, 1, tgp, ntg, err, sizeof(err));
	free(name);
	gw_db_close(db);
	if (rc == -1) {
		warnx("%s", err);
		return -1;
	}
	if (*ntg != 1) {
		warnx("scale target \"%s\": no such target", target);
		store_targets_free(*tgp, *ntg);
		return -1;
	}
	/* A hand edit that validation refuses: what sync.c skips. */
	if ((*tgp)[0].tg_err[0] != '\0') {
		warnx("%s", (*tgp)[0].tg_err);
		store_targets_free(*tgp, *ntg);
		return -1;
	}
	return 0;
}

static const char *
simulate_base(const struct gw_scale_metric *m)
{
	int	 i;

	if (m->sm_source != GW_SCALE_GATEWAY)
		return "PROMETHEUS";
	i = gw_scale_name_index(gw_scale_gwmetric_names, m->sm_metric);
	return i >= 0 && (size_t)i < sizeof(simulate_short) /
	    sizeof(simulate_short[0]) ? simulate_short[i] : "METRIC";
}

/* The table's header of metric i: short, and numbered from 1 when
 * another metric of the target has the same. */
static void
simulate_label(const struct gw_scale_target *t, size_t i, char *buf,
    size_t len)
{
	const char	*base = simulate_base(&t->st_metrics[i]);
	size_t		 j;

	for (j = 0; j < t->st_nmetrics; j++)
		if (j != i && strcmp(simulate_base(&t->st_metrics[j]),
		    base) == 0) {
			snprintf(buf, len, "%s_%zu", base, i + 1);
			return;
		}
	snprintf(buf, len, "%s", base);
}

/* The decision's time: the timestamp, or +seconds since the first row. */
static void
simulate_time(const struct sim_row *r, char *buf, size_t len)
{
	char	 s[32];

	if (r->sr_at_ms >= 0)
		sim_time_fmt(r->sr_at_ms, buf, len);
	else
		snprintf(buf, len, "+%s", sim_secs_fmt(r->sr_t_ms, s,
		    sizeof(s)));
}

/*
 * Cell c of the table: row NULL is the header.  Columns: the time, one
 * per metric, CURRENT, DESIRED, REASON.  A metric that could not be read
 * is "-".
 */
static void
simulate_cell(const struct gw_scale_target *t, const struct sim_row *r,
    size_t c, char *buf, size_t len)
{
	size_t	 nm = t->st_nmetrics;

	if (c == 0) {
		if (r == NULL)
			snprintf(buf, len, "TIME");
		else
			simulate_time(r, buf, len);
	} else if (c <= nm) {
		if (r == NULL)
			simulate_label(t, c - 1, buf, len);
		else if (!r->sr_available[c - 1])
			snprintf(buf, len, "-");
		else
			snprintf(buf, len, "%.10g", r->sr_values[c - 1]);
	} else if (r == NULL)
		snprintf(buf, len, "%s", c == nm + 1 ? "CURRENT" :
		    c == nm + 2 ? "DESIRED" : "REASON");
	else if (c == nm + 1)
		snprintf(buf, len, "%d", (int)r->sr_current);
	else if (c == nm + 2)
		snprintf(buf, len, "%d", (int)r->sr_desired);
	else
		snprintf(buf, len, "%s", r->sr_word);
}

/* Columns aligned as gwctl aligns them: widest cell plus a gap. */
static void
simulate_table(const struct gw_scale_target *t, const struct sim_row *rows,
    size_t n)
{
	size_t	 ncols = t->st_nmetrics + 4, *width, i, c, w;
	char	 cell[64];

	width = gw_calloc(ncols, sizeof(*width));
	for (i = 0; i <= n; i++)
		for (c = 0; c < ncols; c++) {
			simulate_cell(t, i == 0 ? NULL : &rows[i - 1], c, cell,
			    sizeof(cell));
			if ((w = strlen(cell)) > width[c])
				width[c] = w;
		}
	for (i = 0; i <= n; i++)
		for (c = 0; c < ncols; c++) {
			simulate_cell(t, i == 0 ? NULL : &rows[i - 1], c, cell,
			    sizeof(cell));
			if (c + 1 == ncols)
				printf("%s\n", cell);
			else
				printf("%-*s", (int)(width[c] +
				    SIMULATE_GAP), cell);
		}
	free(width);
}

/* A number as JSON: an integer when it is one (150, not 150.0). */
static json_t *
simulate_json_num(double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)	/* 2^53 */
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *
simulate_json_row(const struct gw_scale_target *t, const struct sim_row *r)
{
	json_t	*o, *a;
	char	 at[40];
	size_t	 j;

	o = json_object();
	json_object_set_new(o, "t_s", r->sr_t_ms % 1000 == 0 ?
	    json_integer(r->sr_t_ms / 1000) : json_real(r->sr_t_ms / 1000.0));
	if (r->sr_at_ms >= 0)
		json_object_set_new(o, "time", json_string(sim_time_fmt(
		    r->sr_at_ms, at, sizeof(at))));
	a = json_array();
	for (j = 0; j < t->st_nmetrics; j++)
		json_array_append_new(a, r->sr_available[j] ?
		    simulate_json_num(r->sr_values[j]) : json_null());
	json_object_set_new(o, "values", a);
	json_object_set_new(o, "current", json_integer(r->sr_current));
	json_object_set_new(o, "desired", json_integer(r->sr_desired));
	json_object_set_new(o, "reason", json_string(r->sr_word));
	/* sim_replay() made the line valid UTF-8, as JSON needs. */
	json_object_set_new(o, "message", json_string(r->sr_reason));
	return o;
}

/* A scalar as JSON text, for the lines printed around the rows. */
static void
simulate_json_print(json_t *v)
{
	char	*s;

	s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	fputs(s != NULL ? s : "null", stdout);
	free(s);
	json_decref(v);
}

/*
 * The document, written a row a line: a long replay is not held twice
 * in memory, and a row is one line for grep.  Keys in a fixed order
 * (gwscale(8)).
 */
static void
simulate_json(const struct gw_scale_target *t, const struct sim_row *rows,
    size_t n, int64_t interval_ms)
{
	json_t	*o;
	char	*s;
	size_t	 i;

	fputs("{\n  \"target\": ", stdout);
	simulate_json_print(json_string(t->st_name));
	fputs(",\n  \"interval_s\": ", stdout);
	simulate_json_print(interval_ms % 1000 == 0 ?
	    json_integer(interval_ms / 1000) : json_real(interval_ms / 1000.0));
	printf(",\n  \"start_replicas\": %d,\n  \"rows\": [\n",
	    n > 0 ? (int)rows[0].sr_current : 0);
	for (i = 0; i < n; i++) {
		o = simulate_json_row(t, &rows[i]);
		s = json_dumps(o, JSON_PRESERVE_ORDER |
		    JSON_REAL_PRECISION(15));
		printf("    %s%s\n", s != NULL ? s : "null",
		    i + 1 < n ? "," : "");
		free(s);
		json_decref(o);
	}
	fputs("  ]\n}\n", stdout);
}

static int
simulate_output(const char *o)
{
	if (o == NULL || strcmp(o, "table") == 0)
		return SIMULATE_TABLE;
	if (strcmp(o, "json") == 0)
		return SIMULATE_JSON;
	if (strcmp(o, "svg") == 0)
		return SIMULATE_SVG;
	return -1;
}

int
simulate_main(struct gs *g, const char *target, const char *file)
{
	struct store_target		*tg;
	const struct gw_scale_target	*t;
	struct sim_series		 ss;
	struct sim_row			*rows = NULL;
	const char			*name;
	char				*text, *svg, err[512];
	size_t				 ntg, len, n = 0;
	int32_t				 start;
	int				 out, rc = GS_EXIT_FAIL;

	if ((out = simulate_output(g->gs_output)) == -1) {
		warnx("-o: unknown output \"%s\" (table, json or svg)",
		    g->gs_output);
		return GS_EXIT_USAGE;
	}
	if (simulate_load(g, target, &tg, &ntg) == -1)
		return GS_EXIT_FAIL;
	t = &tg[0].tg_t;
	name = strcmp(file, "-") == 0 ? "stdin" : file;
	if (simulate_read(file, name, &text, &len) == -1) {
		store_targets_free(tg, ntg);
		return GS_EXIT_FAIL;
	}
	if (sim_csv_parse(text, len, t->st_nmetrics, &ss, err,
	    sizeof(err)) == -1) {
		warnx("%s: %s", name, err);
		goto out;
	}
	/* A running workload: at min_replicas, or at 1 when that is 0, so
	 * that a replay of a scale-to-zero target shows the way down. */
	start = g->gs_replicas >= 0 ? g->gs_replicas : t->st_min > 1 ?
	    t->st_min : 1;
	if (sim_replay(t, &ss, start, g->gs_interval_ms, &rows, &n, err,
	    sizeof(err)) == -1) {
		warnx("%s: %s", name, err);
		goto out_series;
	}
	if (out == SIMULATE_TABLE)
		simulate_table(t, rows, n);
	else if (out == SIMULATE_JSON)
		simulate_json(t, rows, n, g->gs_interval_ms);
	else {
		svg = svg_render(t, rows, n, g->gs_interval_ms);
		fputs(svg, stdout);
		free(svg);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		warn("stdout");
	else
		rc = GS_EXIT_OK;
	sim_rows_free(rows, n);
out_series:
	sim_series_free(&ss);
out:
	free(text);
	store_targets_free(tg, ntg);
	return rc;
}
