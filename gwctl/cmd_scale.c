/*
 * cmd_scale: gwctl scale add|set|rm|get|history, and get scale: the
 * scale targets gwscale follows (common/scale.h) and the decisions it
 * recorded of them.
 *
 * The editing commands work as route's do: options are read into a
 * scratch target, remembering which settings were given; add takes the
 * scratch target whole, set copies the given settings over the stored
 * target (any --metric replaces the whole list), and commit_config()
 * validates the result with gw_scale_target_check() and writes it as one
 * generation.  Success is quiet.
 */
#include <err.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "config.h"
#include "db.h"
#include "duration.h"
#include "gwctl.h"
#include "opt.h"
#include "scale.h"
#include "str.h"

/* gwctl scale history shows this many decisions unless --limit says. */
#define SCALE_HISTORY_LIMIT	20
/* A --behavior @FILE larger than this is surely not a behavior. */
#define SCALE_BEHAVIOR_MAX	(1024 * 1024)

enum scale_op {
	SC_ADD,
	SC_SET,
	SC_RM,
	SC_GET,
	SC_HISTORY
};

/* Settings an option can give. */
#define SC_WORKLOAD	0x0001
#define SC_NAMESPACE	0x0002
#define SC_MAX		0x0004
#define SC_MIN		0x0008
#define SC_TOLERANCE	0x0010
#define SC_DOWNSCALE	0x0020
#define SC_COOLDOWN	0x0040
#define SC_METRICS	0x0080
#define SC_BEHAVIOR	0x0100
#define SC_NO_BEHAVIOR	0x0200

enum {
	O_WORKLOAD = OPT_FIRST_CMD, O_NAMESPACE, O_MAX, O_MIN, O_TOLERANCE,
	O_DOWNSCALE, O_COOLDOWN, O_METRIC, O_BEHAVIOR, O_NO_BEHAVIOR,
	O_DRY_RUN, O_LIMIT, O_SINCE
};

static const struct option scale_edit_opts[] = {
	{ "workload",		required_argument,	NULL, O_WORKLOAD },
	{ "namespace",		required_argument,	NULL, O_NAMESPACE },
	{ "max",		required_argument,	NULL, O_MAX },
	{ "min",		required_argument,	NULL, O_MIN },
	{ "tolerance",		required_argument,	NULL, O_TOLERANCE },
	{ "downscale-stabilization", required_argument,	NULL, O_DOWNSCALE },
	{ "cooldown",		required_argument,	NULL, O_COOLDOWN },
	{ "metric",		required_argument,	NULL, O_METRIC },
	{ "behavior",		required_argument,	NULL, O_BEHAVIOR },
	{ "no-behavior",	no_argument,		NULL, O_NO_BEHAVIOR },
	{ "dry-run",		no_argument,		NULL, O_DRY_RUN },
	{ NULL,			0,			NULL, 0 }
};
static const struct option scale_rm_opts[] = {
	{ "dry-run",	no_argument,		NULL,	O_DRY_RUN },
	{ NULL,		0,			NULL,	0 }
};
static const struct option scale_history_opts[] = {
	{ "limit",	required_argument,	NULL,	O_LIMIT },
	{ "since",	required_argument,	NULL,	O_SINCE },
	{ NULL,		0,			NULL,	0 }
};

/* The option values as given; they point into argv. */
struct sc_args {
	int			 sc_op;		/* enum scale_op */
	const char		*sc_name;
	int			 sc_given;	/* SC_* */
	int			 sc_dry_run;
	const char		*sc_workload;
	const char		*sc_namespace;
	const char		*sc_max;
	const char		*sc_min;
	const char		*sc_tolerance;
	const char		*sc_downscale;
	const char		*sc_cooldown;
	const char		*sc_behavior;	/* JSON or @FILE */
	const char		**sc_metrics;	/* owned array */
	size_t			 sc_nmetrics;
	const char		*sc_limit;
	const char		*sc_since;
	struct gw_scale_target	 sc_t;		/* scratch: the given ones */
};

static enum scale_op
scale_op_parse(const char *word)
{
	static const char *const words[] = { "add", "set", "rm", "get",
	    "history", NULL };
	int i;

	if (word == NULL)
		usage_error("scale", "missing subcommand");
	if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0) {
		usage_print(stdout, "scale");
		exit(0);
	}
	if ((i = gw_scale_name_index(words, word)) == -1)
		usage_error("scale", "unknown subcommand \"%s\"", word);
	return (enum scale_op)i;
}

/* Records option c of the command line in sa. */
static void
scale_opt(struct sc_args *sa, int c, const char *arg)
{
	switch (c) {
	case O_WORKLOAD:
		sa->sc_workload = arg;
		sa->sc_given |= SC_WORKLOAD;
		break;
	case O_NAMESPACE:
		sa->sc_namespace = arg;
		sa->sc_given |= SC_NAMESPACE;
		break;
	case O_MAX:
		sa->sc_max = arg;
		sa->sc_given |= SC_MAX;
		break;
	case O_MIN:
		sa->sc_min = arg;
		sa->sc_given |= SC_MIN;
		break;
	case O_TOLERANCE:
		sa->sc_tolerance = arg;
		sa->sc_given |= SC_TOLERANCE;
		break;
	case O_DOWNSCALE:
		sa->sc_downscale = arg;
		sa->sc_given |= SC_DOWNSCALE;
		break;
	case O_COOLDOWN:
		sa->sc_cooldown = arg;
		sa->sc_given |= SC_COOLDOWN;
		break;
	case O_METRIC:
		sa->sc_metrics = gw_reallocarray(sa->sc_metrics,
		    sa->sc_nmetrics + 1, sizeof(*sa->sc_metrics));
		sa->sc_metrics[sa->sc_nmetrics++] = arg;
		sa->sc_given |= SC_METRICS;
		break;
	case O_BEHAVIOR:
		sa->sc_behavior = arg;
		sa->sc_given |= SC_BEHAVIOR;
		break;
	case O_NO_BEHAVIOR:
		sa->sc_given |= SC_NO_BEHAVIOR;
		break;
	case O_DRY_RUN:
		sa->sc_dry_run = 1;
		break;
	case O_LIMIT:
		sa->sc_limit = arg;
		break;
	case O_SINCE:
		sa->sc_since = arg;
		break;
	}
}

/* The text of --behavior: the argument, or the file after '@' ("@-"). */
static char *
scale_behavior_text(const char *arg)
{
	struct gw_buf	 b = { NULL, 0, 0 };
	const char	*path;
	char		 buf[8192];
	size_t		 n;
	FILE		*fp;

	if (arg[0] != '@')
		return gw_strdup(arg);
	path = arg + 1;
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		gw_buf_append(&b, buf, n);
		if (b.b_len > SCALE_BEHAVIOR_MAX)
			errx(1, "%s: larger than %d bytes", path,
			    SCALE_BEHAVIOR_MAX);
	}
	if (ferror(fp))
		err(1, "%s", path);
	if (fp != stdin)
		fclose(fp);
	if (b.b_data == NULL)
		return gw_strdup("");
	return gw_buf_take(&b);
}

/* "scale target "NAME": invalid --OPT "VALUE": WHY", and counts it. */
static void
scale_bad(struct sc_args *sa, int *bad, const char *opt, const char *val,
    const char *why)
{
	warnx("scale target \"%s\": invalid --%s \"%s\": %s", sa->sc_name,
	    opt, val, why);
	*bad = 1;
}

/*
 * Reads every given value into the scratch target, naming each bad one.
 * Ranges and the rules between settings are validation's.  0, or -1
 * when some value did not read.
 */
static int
scale_read(struct sc_args *sa)
{
	struct gw_scale_target	*t = &sa->sc_t;
	const char		*errstr;
	char			*text, *end, why[512];
	long long		 n;
	size_t			 i;
	int			 bad = 0;

	gw_scale_target_init(t);
	t->st_name = gw_strdup(sa->sc_name);
	t->st_namespace = gw_strdup(sa->sc_namespace != NULL ?
	    sa->sc_namespace : "default");
	if (sa->sc_workload != NULL && gw_scale_workload_parse(
	    sa->sc_workload, &t->st_kind, &t->st_workload, why,
	    sizeof(why)) == -1)
		scale_bad(sa, &bad, "workload", sa->sc_workload, why);
	if (sa->sc_max != NULL) {
		if (gw_int_parse(sa->sc_max, INT32_MIN, INT32_MAX, &n,
		    &errstr) == -1)
			scale_bad(sa, &bad, "max", sa->sc_max, errstr);
		t->st_max = (int32_t)n;
	}
	if (sa->sc_min != NULL) {
		if (gw_int_parse(sa->sc_min, INT32_MIN, INT32_MAX, &n,
		    &errstr) == -1)
			scale_bad(sa, &bad, "min", sa->sc_min, errstr);
		t->st_min = (int32_t)n;
	}
	if (sa->sc_tolerance != NULL) {
		errno = 0;
		t->st_tolerance = strtod(sa->sc_tolerance, &end);
		if (*sa->sc_tolerance == '\0' || *end != '\0' || errno != 0 ||
		    !isfinite(t->st_tolerance))
			scale_bad(sa, &bad, "tolerance", sa->sc_tolerance,
			    "not a number");
	}
	if (sa->sc_downscale != NULL && gw_duration_parse(sa->sc_downscale,
	    &t->st_downscale_ms, &errstr) == -1)
		scale_bad(sa, &bad, "downscale-stabilization",
		    sa->sc_downscale, errstr);
	if (sa->sc_cooldown != NULL && gw_duration_parse(sa->sc_cooldown,
	    &t->st_cooldown_ms, &errstr) == -1)
		scale_bad(sa, &bad, "cooldown", sa->sc_cooldown, errstr);
	if (sa->sc_nmetrics > 0)
		t->st_metrics = gw_calloc(sa->sc_nmetrics,
		    sizeof(*t->st_metrics));
	for (i = 0; i < sa->sc_nmetrics; i++) {
		if (gw_scale_metric_parse(sa->sc_metrics[i],
		    &t->st_metrics[t->st_nmetrics], why, sizeof(why)) == -1)
			scale_bad(sa, &bad, "metric", sa->sc_metrics[i], why);
		else
			t->st_nmetrics++;
	}
	if (sa->sc_behavior != NULL) {
		text = scale_behavior_text(sa->sc_behavior);
		if (gw_hpa_behavior_parse(text, &t->st_behavior, why,
		    sizeof(why)) == -1) {
			warnx("scale target \"%s\": %s", sa->sc_name, why);
			bad = 1;
		}
		t->st_has_behavior = 1;
		free(text);
	}
	return bad ? -1 : 0;
}

/* Copies the given settings of the scratch target over t. */
static void
scale_apply(struct gw_scale_target *t, const struct sc_args *sa)
{
	const struct gw_scale_target	*s = &sa->sc_t;
	struct gw_scale_target		 tmp;
	size_t				 i;
	int				 g = sa->sc_given;

	if (g & SC_WORKLOAD) {
		t->st_kind = s->st_kind;
		free(t->st_workload);
		t->st_workload = gw_strdup_null(s->st_workload);
	}
	if (g & SC_NAMESPACE) {
		free(t->st_namespace);
		t->st_namespace = gw_strdup_null(s->st_namespace);
	}
	if (g & SC_MAX)
		t->st_max = s->st_max;
	if (g & SC_MIN)
		t->st_min = s->st_min;
	if (g & SC_TOLERANCE)
		t->st_tolerance = s->st_tolerance;
	if (g & SC_DOWNSCALE)
		t->st_downscale_ms = s->st_downscale_ms;
	if (g & SC_COOLDOWN)
		t->st_cooldown_ms = s->st_cooldown_ms;
	if (g & SC_BEHAVIOR) {
		t->st_has_behavior = 1;
		t->st_behavior = s->st_behavior;
		free(t->st_load_err);
		t->st_load_err = NULL;
	}
	if (g & SC_NO_BEHAVIOR) {
		t->st_has_behavior = 0;
		gw_hpa_default_behavior(&t->st_behavior);
		free(t->st_load_err);
		t->st_load_err = NULL;
	}
	if (g & SC_METRICS) {
		/* The whole list: copy the scratch target's, keep the rest. */
		if (gw_scale_target_copy(&tmp, s) == -1)
			errx(1, "out of memory");
		for (i = 0; i < t->st_nmetrics; i++)
			gw_scale_metric_free(&t->st_metrics[i]);
		free(t->st_metrics);
		t->st_metrics = tmp.st_metrics;
		t->st_nmetrics = tmp.st_nmetrics;
		tmp.st_metrics = NULL;
		tmp.st_nmetrics = 0;
		gw_scale_target_free(&tmp);
	}
}

static int
scale_edit(sqlite3 *db, struct gw_config *cf, void *arg)
{
	struct sc_args	*sa = arg;
	long		 i;

	(void)db;
	i = gw_config_find_scale_target(cf, sa->sc_name);
	if (sa->sc_op == SC_ADD) {
		if (i >= 0) {
			warnx("scale target \"%s\" already exists",
			    sa->sc_name);
			return -1;
		}
		if (gw_scale_target_copy(gw_config_new_scale_target(cf),
		    &sa->sc_t) == -1)
			errx(1, "out of memory");
		return 0;
	}
	if (i < 0) {
		warnx("scale target \"%s\" not found", sa->sc_name);
		return -1;
	}
	if (sa->sc_op == SC_RM)
		gw_config_remove_scale_target(cf, (size_t)i);
	else
		scale_apply(&cf->cf_scale_targets[i], sa);
	return 0;
}

/*
 * Showing targets and decisions.
 */

/* Loads the config read-only and opens the DB for more reads. */
static sqlite3 *
scale_load(struct gw_config *cf)
{
	sqlite3	*db = store_open(0);
	char	 errbuf[512];

	if (gw_db_exec(db, "BEGIN", errbuf, sizeof(errbuf)) == -1 ||
	    store_load(db, cf, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s: %s", gw_db_path(gwctl.g_db_path), errbuf);
	return db;
}

static const char *
scale_workload(const struct gw_scale_target *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", t->st_kind >= GW_SCALE_DEPLOYMENT &&
	    t->st_kind <= GW_SCALE_REPLICASET ?
	    gw_scale_kind_names[t->st_kind] : "?",
	    t->st_workload != NULL ? t->st_workload : "");
	return buf;
}

/* d with the fewest digits that read back the same: 0.1, 250.5. */
static const char *
scale_num(double d, char *buf, size_t len)
{
	switch (gw_scale_real_digits(d)) {
	case 15:
		snprintf(buf, len, "%.15g", d);
		break;
	case 16:
		snprintf(buf, len, "%.16g", d);
		break;
	default:
		snprintf(buf, len, "%.17g", d);
		break;
	}
	return buf;
}

/* "web/requests_per_second" or "prometheus": a metric in a table. */
static void
scale_metric_label(struct gw_buf *b, const char *source,
    const char *service, const char *metric)
{
	if (source != NULL && strcmp(source, "prometheus") == 0)
		gw_buf_puts(b, "prometheus");
	else if (service != NULL)
		gw_buf_printf(b, "%s/%s", service, metric != NULL ? metric :
		    "?");
	else
		gw_buf_puts(b, metric != NULL ? metric : "?");
}

void
table_scale(const struct gw_config *cf)
{
	const struct gw_scale_target	*t;
	const struct gw_scale_metric	*m;
	struct gw_buf			 b = { NULL, 0, 0 };
	struct table			*tb;
	char				 wl[300], mn[16], mx[16], num[32];
	size_t				 i, k;

	tb = table_new(7, "NAME", "NAMESPACE", "WORKLOAD", "MIN", "MAX",
	    "METRICS", "BEHAVIOR");
	for (i = 0; i < cf->cf_nscale_targets; i++) {
		t = &cf->cf_scale_targets[i];
		for (k = 0; k < t->st_nmetrics; k++) {
			m = &t->st_metrics[k];
			if (k > 0)
				gw_buf_puts(&b, ",");
			scale_metric_label(&b, m->sm_source ==
			    GW_SCALE_PROMETHEUS ? "prometheus" : "gateway",
			    m->sm_service, m->sm_metric);
			gw_buf_printf(&b, "=%s", scale_num(m->sm_target, num,
			    sizeof(num)));
		}
		snprintf(mn, sizeof(mn), "%d", t->st_min);
		snprintf(mx, sizeof(mx), "%d", t->st_max);
		table_add(tb, t->st_name, t->st_namespace,
		    scale_workload(t, wl, sizeof(wl)), mn, mx, gw_buf_str(&b),
		    t->st_has_behavior ? "yes" : "no");
		gw_buf_free(&b);
	}
	table_print(tb, stdout);
	table_free(tb);
}

/* A decision as JSON: every column, the metrics parsed. */
static json_t *
decision_json(const struct scale_decision *sd)
{
	json_t	*o, *m;
	char	 when[32];

	o = json_object();
	json_object_set_new(o, "id", json_integer(sd->sd_id));
	json_object_set_new(o, "target_id", json_integer(sd->sd_target_id));
	json_object_set_new(o, "target", json_string(sd->sd_target));
	fmt_time(sd->sd_at, when, sizeof(when));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "time_ms", json_integer(sd->sd_at));
	json_object_set_new(o, "current_replicas",
	    json_integer(sd->sd_current));
	json_object_set_new(o, "desired_replicas",
	    json_integer(sd->sd_desired));
	json_object_set_new(o, "mode", json_string(sd->sd_mode));
	json_object_set_new(o, "reason", json_string(sd->sd_reason));
	/* gwscale writes valid JSON (a CHECK says so); else the text. */
	if (sd->sd_metrics == NULL)
		m = json_null();
	else if ((m = json_loads(sd->sd_metrics, JSON_DECODE_ANY, NULL)) ==
	    NULL)
		m = json_string(sd->sd_metrics);
	json_object_set_new(o, "metrics", m);
	return o;
}

/*
 * The metrics of a decision for a table cell:
 * "web/requests_per_second=250.5/100", one per metric, comma separated;
 * a value that could not be read shows "unavailable".
 */
static char *
decision_metrics(const char *text)
{
	struct gw_buf	 b = { NULL, 0, 0 };
	json_t		*a, *e, *v;
	char		 num[32];
	size_t		 i;

	if (text == NULL)
		return gw_strdup("");
	if ((a = json_loads(text, JSON_DECODE_ANY, NULL)) == NULL ||
	    !json_is_array(a)) {
		json_decref(a);
		return gw_strdup(text);
	}
	json_array_foreach(a, i, e) {
		if (i > 0)
			gw_buf_puts(&b, ", ");
		scale_metric_label(&b, json_string_value(json_object_get(e,
		    "source")), json_string_value(json_object_get(e,
		    "service")), json_string_value(json_object_get(e,
		    "metric")));
		v = json_object_get(e, "value");
		if (json_is_number(v))
			gw_buf_printf(&b, "=%s", scale_num(json_number_value(v),
			    num, sizeof(num)));
		else
			gw_buf_puts(&b, "=unavailable");
		if (json_is_number(v = json_object_get(e, "target")))
			gw_buf_printf(&b, "/%s", scale_num(json_number_value(v),
			    num, sizeof(num)));
	}
	json_decref(a);
	if (b.b_data == NULL)
		return gw_strdup("");
	return gw_buf_take(&b);
}

/* gwctl scale get [NAME]. */
static int
scale_get(const char *name)
{
	struct gw_config		 cf;
	struct scale_decision		*sd;
	const struct gw_scale_target	*t;
	sqlite3				*db;
	json_t				*j;
	char				 errbuf[512], when[32];
	size_t				 i, n;
	long				 k = -1;

	db = scale_load(&cf);
	if (name != NULL &&
	    (k = gw_config_find_scale_target(&cf, name)) < 0)
		errx(1, "scale target \"%s\" not found", name);
	if (gwctl.g_output != OUT_TABLE) {
		if (k >= 0)
			j = conv_scale_json(&cf.cf_scale_targets[k]);
		else {
			j = json_array();
			for (i = 0; i < cf.cf_nscale_targets; i++)
				json_array_append_new(j, conv_scale_json(
				    &cf.cf_scale_targets[i]));
		}
		print_json_or_yaml(j);
		json_decref(j);
	} else if (k < 0) {
		table_scale(&cf);
	} else {
		t = &cf.cf_scale_targets[k];
		j = conv_scale_json(t);
		json_object_del(j, "name");
		printf("Name: %s\nSettings:\n", t->st_name);
		print_yaml_indented(j);
		json_decref(j);
		if (store_scale_decisions(db, name, 0, 1, &sd, &n, errbuf,
		    sizeof(errbuf)) == -1)
			errx(1, "%s: %s", gw_db_path(gwctl.g_db_path), errbuf);
		printf("Last decision:");
		if (n == 0)
			printf(" <none>\n");
		else {
			fmt_time(sd[0].sd_at, when, sizeof(when));
			printf(" %s %lld -> %lld (%s): %s\n", when,
			    (long long)sd[0].sd_current,
			    (long long)sd[0].sd_desired, sd[0].sd_mode,
			    sd[0].sd_reason);
		}
		scale_decision_free(sd, n);
	}
	gw_config_free(&cf);
	gw_db_close(db);
	return 0;
}

/* gwctl scale history NAME [--limit N] [--since TIME]. */
static int
scale_history(const char *name, const char *limit_s, const char *since_s)
{
	struct gw_config	 cf;
	struct scale_decision	*sd;
	struct table		*tb;
	sqlite3			*db;
	json_t			*list;
	const char		*errstr;
	char			 errbuf[512], when[32], cur[24], want[24];
	char			*metrics;
	int64_t			 limit = SCALE_HISTORY_LIMIT, since;
	size_t			 i, n;

	if (limit_s != NULL) {
		limit = gw_strtonum(limit_s, 0, INT64_MAX, &errstr);
		if (errstr != NULL)
			usage_error("scale", "invalid --limit \"%s\": %s",
			    limit_s, errstr);
	}
	since = since_parse("scale", since_s, gw_now_ms());
	db = scale_load(&cf);
	if (gw_config_find_scale_target(&cf, name) < 0)
		errx(1, "scale target \"%s\" not found", name);
	if (store_scale_decisions(db, name, since, limit, &sd, &n, errbuf,
	    sizeof(errbuf)) == -1)
		errx(1, "%s: %s", gw_db_path(gwctl.g_db_path), errbuf);
	if (gwctl.g_output != OUT_TABLE) {
		list = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(list, decision_json(&sd[i]));
		print_json_or_yaml(list);
		json_decref(list);
	} else {
		tb = table_new(6, "TIME", "CURRENT", "DESIRED", "MODE",
		    "METRICS", "REASON");
		for (i = 0; i < n; i++) {
			fmt_time(sd[i].sd_at, when, sizeof(when));
			snprintf(cur, sizeof(cur), "%lld",
			    (long long)sd[i].sd_current);
			snprintf(want, sizeof(want), "%lld",
			    (long long)sd[i].sd_desired);
			metrics = decision_metrics(sd[i].sd_metrics);
			table_add(tb, when, cur, want, sd[i].sd_mode, metrics,
			    sd[i].sd_reason);
			free(metrics);
		}
		table_print(tb, stdout);
		table_free(tb);
	}
	scale_decision_free(sd, n);
	gw_config_free(&cf);
	gw_db_close(db);
	return 0;
}

/* gwctl get scale: every target with its latest decision. */
int
get_scale(void)
{
	struct gw_config		 cf;
	struct scale_decision		*sd;
	const struct gw_scale_target	*t;
	const struct scale_decision	*d;
	struct table			*tb;
	sqlite3				*db;
	json_t				*list, *o;
	char				 errbuf[512], when[32], wl[300];
	char				 mn[16], mx[16], reps[48];
	size_t				 i, k, n;

	db = scale_load(&cf);
	if (store_scale_latest(db, &sd, &n, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s: %s", gw_db_path(gwctl.g_db_path), errbuf);
	list = json_array();
	tb = table_new(9, "NAME", "NAMESPACE", "WORKLOAD", "MIN", "MAX",
	    "DECIDED", "REPLICAS", "MODE", "REASON");
	for (i = 0; i < cf.cf_nscale_targets; i++) {
		t = &cf.cf_scale_targets[i];
		/* Both by name; a row without a target has none. */
		for (d = NULL, k = 0; k < n; k++)
			if (gw_streq_null(sd[k].sd_target, t->st_name) &&
			    sd[k].sd_at >= 0)
				d = &sd[k];
		o = json_object();
		json_object_set_new(o, "name", json_string(t->st_name));
		json_object_set_new(o, "namespace",
		    json_string(t->st_namespace));
		json_object_set_new(o, "workload", json_string(
		    scale_workload(t, wl, sizeof(wl))));
		json_object_set_new(o, "min_replicas", json_integer(t->st_min));
		json_object_set_new(o, "max_replicas", json_integer(t->st_max));
		json_object_set_new(o, "last_decision", d != NULL ?
		    decision_json(d) : json_null());
		json_array_append_new(list, o);
		snprintf(mn, sizeof(mn), "%d", t->st_min);
		snprintf(mx, sizeof(mx), "%d", t->st_max);
		when[0] = reps[0] = '\0';
		if (d != NULL) {
			fmt_time(d->sd_at, when, sizeof(when));
			snprintf(reps, sizeof(reps), "%lld -> %lld",
			    (long long)d->sd_current, (long long)d->sd_desired);
		}
		table_add(tb, t->st_name, t->st_namespace, wl, mn, mx, when,
		    reps, d != NULL ? d->sd_mode : NULL,
		    d != NULL ? d->sd_reason : NULL);
	}
	if (gwctl.g_output != OUT_TABLE)
		print_json_or_yaml(list);
	else
		table_print(tb, stdout);
	json_decref(list);
	table_free(tb);
	scale_decision_free(sd, n);
	gw_config_free(&cf);
	gw_db_close(db);
	return 0;
}

/* The usage errors of an edit, after the options are read. */
static void
scale_check_usage(const struct sc_args *sa)
{
	int g = sa->sc_given;

	if (sa->sc_op == SC_ADD) {
		if (g & SC_NO_BEHAVIOR)
			usage_error("scale", "scale add: --no-behavior is for "
			    "scale set");
		if (!(g & SC_WORKLOAD))
			usage_error("scale", "scale add: missing --workload");
		if (!(g & SC_MAX))
			usage_error("scale", "scale add: missing --max");
		if (!(g & SC_METRICS))
			usage_error("scale", "scale add: missing --metric");
	}
	if (sa->sc_op == SC_SET && g == 0)
		usage_error("scale", "scale set: nothing to set");
	if ((g & SC_BEHAVIOR) && (g & SC_NO_BEHAVIOR))
		usage_error("scale", "--behavior and --no-behavior exclude "
		    "each other");
}

int
cmd_scale(int argc, char **argv)
{
	struct commit_opts	 co;
	struct sc_args		 sa;
	const struct option	*opts;
	const char		*errstr;
	int			 c, rc = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sc_op = scale_op_parse(argc > 1 ? argv[1] : NULL);
	opts = sa.sc_op == SC_ADD || sa.sc_op == SC_SET ? scale_edit_opts :
	    sa.sc_op == SC_RM ? scale_rm_opts : sa.sc_op == SC_HISTORY ?
	    scale_history_opts : NULL;
	opt_reset();
	while ((c = opt_next(argc - 1, argv + 1, "scale", NULL, opts)) != -1)
		scale_opt(&sa, c, optarg);
	argc -= optind + 1;
	argv += optind + 1;
	if (sa.sc_op == SC_GET && argc == 0)
		return scale_get(NULL);
	if (argc < 1)
		usage_error("scale", "missing scale target name");
	if (argc > 1)
		usage_error("scale", "unexpected argument \"%s\"", argv[1]);
	sa.sc_name = argv[0];
	if (gw_name_check(sa.sc_name, &errstr) == -1)
		errx(1, "invalid scale target name \"%s\": %s", sa.sc_name,
		    errstr);
	if (sa.sc_op == SC_GET)
		return scale_get(sa.sc_name);
	if (sa.sc_op == SC_HISTORY)
		return scale_history(sa.sc_name, sa.sc_limit, sa.sc_since);
	scale_check_usage(&sa);
	memset(&co, 0, sizeof(co));
	co.co_dry_run = sa.sc_dry_run;
	co.co_print = co.co_verbose = sa.sc_dry_run;
	if (scale_read(&sa) == 0)
		rc = commit_config(scale_edit, &sa, &co);
	gw_scale_target_free(&sa.sc_t);
	free(sa.sc_metrics);
	return rc;
}
