/*
 * cmd_decl: the declarative commands apply, diff and validate.
 *
 * A file describes services (with their backends), routes and scale
 * targets.  Without --prune it is merged into the stored config: every
 * object it names is created or replaced whole (omitted settings take
 * their defaults), the rest is kept.  With --prune the file is the whole
 * config (scale targets only when it has the scale_targets key).  All three
 * commands build that desired config the same way, so validate and diff
 * say exactly what apply would do.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "gwctl.h"
#include "opt.h"
#include "str.h"

struct decl {
	const char		*dc_file;
	int			 dc_prune;
	int			 dc_dry_run;
	json_t			*dc_doc;
	struct yaml_lines	*dc_lines;
	struct gw_config	 dc_cf;		/* the file's objects */
	struct conv_src		 dc_src;
};

/* Parses the command line of apply, diff or validate into dc. */
static void
decl_args(struct decl *dc, const char *cmd, int argc, char **argv,
    int dry_run_ok)
{
	static const struct option opts[] = {
		{ "filename",	required_argument,	NULL,	'f' },
		{ "prune",	no_argument,		NULL,	'p' },
		{ "dry-run",	no_argument,		NULL,	'n' },
		{ NULL,		0,			NULL,	0 }
	};
	int c;

	memset(dc, 0, sizeof(*dc));
	gw_config_init(&dc->dc_cf);
	opt_reset();
	while ((c = opt_next(argc, argv, cmd, "f:", opts)) != -1) {
		switch (c) {
		case 'f':
			if (dc->dc_file != NULL)
				usage_error(cmd, "-f given twice");
			dc->dc_file = optarg;
			break;
		case 'p':
			dc->dc_prune = 1;
			break;
		case 'n':
			if (!dry_run_ok)
				usage_error(cmd, "unknown option %s", "--dry-run");
			dc->dc_dry_run = 1;
			break;
		}
	}
	if (optind != argc)
		usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
	if (dc->dc_file == NULL)
		usage_error(cmd, "missing -f FILE");
}

/* Reads and converts the file; returns the number of problems. */
static int
decl_load(struct decl *dc)
{
	if ((dc->dc_doc = yamlio_load(dc->dc_file, &dc->dc_lines)) == NULL)
		return 1;
	return conv_config_from_json(dc->dc_doc, dc->dc_file, dc->dc_lines,
	    &dc->dc_cf, &dc->dc_src);
}

static void
decl_free(struct decl *dc)
{
	conv_src_free(&dc->dc_src);
	gw_config_free(&dc->dc_cf);
	yamlio_lines_free(dc->dc_lines);
	json_decref(dc->dc_doc);
}

/*
 * The file as the whole config, but for the backends DNS discovery found
 * (which no file holds) of the services the file keeps: pruning them would
 * only make gwhealth add them again.  One the file names is the file's.
 */
static void
decl_prune(struct gw_config *cf, const struct gw_config *fc, int scale)
{
	struct gw_config	 old = *cf;
	const struct gw_backend	*be;
	size_t			 i;

	gw_config_copy(cf, fc);
	/*
	 * Scale targets are pruned only by a file that has the key: one
	 * written before they existed (routes from a ConfigMap) keeps the
	 * targets made with gwctl scale.
	 */
	for (i = 0; !scale && i < old.cf_nscale_targets; i++)
		if (gw_scale_target_copy(gw_config_new_scale_target(cf),
		    &old.cf_scale_targets[i]) == -1)
			errx(1, "out of memory");
	for (i = 0; i < old.cf_nbackends; i++) {
		be = &old.cf_backends[i];
		if (be->be_source != GW_BE_DNS ||
		    gw_config_find_service(cf, be->be_service) < 0 ||
		    gw_config_find_backend(cf, be->be_service, be->be_host,
		    be->be_port) >= 0)
			continue;
		gw_backend_copy(gw_config_new_backend(cf), be);
	}
	gw_config_free(&old);
}

/*
 * Turns the stored config cf into the one the file asks for.  A backend
 * the file names is static, also when DNS discovery found it first: the
 * file takes it over, and discovery leaves static backends alone.
 */
static int
decl_edit(sqlite3 *db, struct gw_config *cf, void *arg)
{
	const struct decl	*dc = arg;
	const struct gw_config	*fc = &dc->dc_cf;
	const struct gw_backend	*fb;
	long			 k;
	size_t			 i;

	(void)db;
	if (dc->dc_prune) {
		decl_prune(cf, fc, json_object_get(dc->dc_doc,
		    "scale_targets") != NULL);
		return 0;
	}
	for (i = 0; i < fc->cf_nservices; i++) {
		k = gw_config_find_service(cf, fc->cf_services[i].sv_name);
		if (k >= 0)
			gw_service_free(&cf->cf_services[k]);
		gw_service_copy(k >= 0 ? &cf->cf_services[k] :
		    gw_config_new_service(cf), &fc->cf_services[i]);
	}
	for (i = 0; i < fc->cf_nbackends; i++) {
		fb = &fc->cf_backends[i];
		k = gw_config_find_backend(cf, fb->be_service, fb->be_host,
		    fb->be_port);
		if (k >= 0)
			gw_backend_free(&cf->cf_backends[k]);
		gw_backend_copy(k >= 0 ? &cf->cf_backends[k] :
		    gw_config_new_backend(cf), fb);
	}
	for (i = 0; i < fc->cf_nroutes; i++) {
		k = gw_config_find_route(cf, fc->cf_routes[i].rt_name);
		if (k >= 0)
			gw_route_free(&cf->cf_routes[k]);
		gw_route_copy(k >= 0 ? &cf->cf_routes[k] :
		    gw_config_new_route(cf), &fc->cf_routes[i]);
	}
	for (i = 0; i < fc->cf_nscale_targets; i++) {
		k = gw_config_find_scale_target(cf,
		    fc->cf_scale_targets[i].st_name);
		if (k >= 0)
			gw_scale_target_free(&cf->cf_scale_targets[k]);
		if (gw_scale_target_copy(k >= 0 ? &cf->cf_scale_targets[k] :
		    gw_config_new_scale_target(cf),
		    &fc->cf_scale_targets[i]) == -1)
			errx(1, "out of memory");
	}
	return 0;
}

/*
 * Validates the config apply would build from the file (merged into the
 * DB when there is one) and reports each problem.  Objects whose problems
 * were reported while reading are left out of the report.  Returns the
 * number of problems.
 */
static int
decl_check(struct decl *dc)
{
	struct gw_config	 cur;
	struct stat		 sb;
	sqlite3			*db;
	const char		*path = gw_db_path(gwctl.g_db_path);
	char			 errbuf[512];
	int			 problems;

	if (stat(path, &sb) == 0) {
		db = store_open(0);
		if (gw_db_exec(db, "BEGIN", errbuf, sizeof(errbuf)) == -1 ||
		    store_load(db, &cur, errbuf, sizeof(errbuf)) == -1)
			errx(1, "%s: %s", path, errbuf);
		decl_edit(db, &cur, dc);
		gw_db_close(db);
	} else {
		/* No DB yet: the file alone.  src follows dc_cf's order. */
		gw_config_copy(&cur, &dc->dc_cf);
	}
	gw_config_sort(&cur);
	problems = report_invalid(&cur, &dc->dc_cf, &dc->dc_src);
	gw_config_free(&cur);
	return problems;
}

int
cmd_apply(int argc, char **argv)
{
	struct commit_opts	co;
	struct decl		dc;
	int			rc = 1;

	decl_args(&dc, "apply", argc, argv, 1);
	if (decl_load(&dc) > 0) {
		/* Say everything that is wrong, not only the first kind. */
		decl_check(&dc);
	} else {
		memset(&co, 0, sizeof(co));
		co.co_dry_run = dc.dc_dry_run;
		co.co_print = 1;
		co.co_verbose = dc.dc_dry_run;
		co.co_filecf = &dc.dc_cf;
		co.co_src = &dc.dc_src;
		rc = commit_config(decl_edit, &dc, &co);
	}
	decl_free(&dc);
	return rc;
}

/*
 * Exit status as diff(1) and kubectl diff: 0 no differences, 1 some,
 * 2 trouble.
 */
int
cmd_diff(int argc, char **argv)
{
	struct commit_opts	co;
	struct decl		dc;
	int			rc = 2;

	decl_args(&dc, "diff", argc, argv, 0);
	if (decl_load(&dc) > 0) {
		decl_check(&dc);
	} else {
		memset(&co, 0, sizeof(co));
		co.co_dry_run = 1;
		co.co_verbose = 1;
		co.co_diff_status = 1;
		co.co_filecf = &dc.dc_cf;
		co.co_src = &dc.dc_src;
		/* Differences are printed even with -q: they are the data. */
		co.co_print = 1;
		gwctl.g_quiet = 0;
		rc = commit_config(decl_edit, &dc, &co);
		rc = rc == COMMIT_DIFFERS ? 1 : rc == 0 ? 0 : 2;
	}
	decl_free(&dc);
	return rc;
}

int
cmd_validate(int argc, char **argv)
{
	struct decl	dc;
	int		problems;

	decl_args(&dc, "validate", argc, argv, 0);
	problems = decl_load(&dc);
	/* A file that did not parse as YAML has nothing more to check. */
	if (dc.dc_doc != NULL)
		problems += decl_check(&dc);
	if (problems == 0 && !gwctl.g_quiet)
		printf("%s: valid\n", dc.dc_file);
	decl_free(&dc);
	return problems ? 1 : 0;
}
