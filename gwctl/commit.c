/*
 * commit: the one path by which gwctl changes the configuration.
 *
 * Under the write lock (BEGIN IMMEDIATE, waiting up to the busy timeout for
 * other writers) it loads the current config, lets the command edit a
 * copy, validates the whole result, and writes the differences and their
 * history as one new generation.  Loading under the lock is what makes
 * concurrent gwctl runs safe: each sees the others' committed work.  Any
 * failure rolls back, so a failed command leaves the database as it was.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "addr.h"
#include "config.h"
#include "db.h"
#include "gwctl.h"
#include "str.h"

struct report_ctx {
	const struct gw_config	*rc_cf;
	const struct gw_config	*rc_filecf;
	const struct conv_src	*rc_src;
	int			 rc_count;	/* problems printed */
};

/* The position prefix "FILE:LINE: " of an object read from a file. */
static void
report_where(const struct report_ctx *rc, enum gw_kind kind, const void *obj,
    const char *field, char *buf, size_t len, int *suppress)
{
	const struct gw_config	*fc = rc->rc_filecf;
	const struct gw_backend	*be;
	json_t			*node = NULL;
	long			 i;
	int			 line;

	buf[0] = '\0';
	if (fc == NULL || rc->rc_src == NULL)
		return;
	switch (kind) {
	case GW_KIND_SERVICE:
		i = gw_config_find_service(fc,
		    ((const struct gw_service *)obj)->sv_name);
		if (i >= 0)
			node = rc->rc_src->cs_services[i];
		break;
	case GW_KIND_BACKEND:
		be = obj;
		i = gw_config_find_backend(fc, be->be_service, be->be_host,
		    be->be_port);
		if (i >= 0)
			node = rc->rc_src->cs_backends[i];
		break;
	case GW_KIND_SCALE:
		i = gw_config_find_scale_target(fc,
		    ((const struct gw_scale_target *)obj)->st_name);
		if (i >= 0)
			node = rc->rc_src->cs_scale_targets[i];
		break;
	default:
		i = gw_config_find_route(fc,
		    ((const struct gw_route *)obj)->rt_name);
		if (i >= 0)
			node = rc->rc_src->cs_routes[i];
		break;
	}
	if (node == NULL)
		return;
	if (conv_src_is_bad(rc->rc_src, node, field)) {
		/* Its own problems were reported while reading the file. */
		buf[0] = '\0';
		*suppress = 1;
		return;
	}
	line = conv_src_line(rc->rc_src, node, field);
	if (line > 0)
		snprintf(buf, len, "%s:%d: ", rc->rc_src->cs_file, line);
	else
		snprintf(buf, len, "%s: ", rc->rc_src->cs_file);
}

static void
report_one(void *arg, enum gw_kind kind, size_t index, const char *field,
    const char *msg)
{
	struct report_ctx	*rc = arg;
	const void		*obj;
	const char		*name;
	char			 where[1024], id[GW_ADDR_STR_MAX + 80];
	int			 suppress = 0;

	switch (kind) {
	case GW_KIND_SERVICE:
		obj = &rc->rc_cf->cf_services[index];
		name = rc->rc_cf->cf_services[index].sv_name;
		break;
	case GW_KIND_BACKEND:
		obj = &rc->rc_cf->cf_backends[index];
		name = gw_backend_id(obj, id, sizeof(id));
		break;
	case GW_KIND_SCALE:
		obj = &rc->rc_cf->cf_scale_targets[index];
		name = rc->rc_cf->cf_scale_targets[index].st_name;
		break;
	default:
		obj = &rc->rc_cf->cf_routes[index];
		name = rc->rc_cf->cf_routes[index].rt_name;
		break;
	}
	report_where(rc, kind, obj, field, where, sizeof(where), &suppress);
	if (suppress)
		return;
	rc->rc_count++;
	/* Messages say "scale target", history and change lines "scale". */
	warnx("%s%s \"%s\": %s", where, kind == GW_KIND_SCALE ?
	    "scale target" : gw_kind_names[kind], name ? name : "", msg);
}

int
report_invalid(const struct gw_config *cf, const struct gw_config *filecf,
    const struct conv_src *src)
{
	struct report_ctx	rc = { cf, filecf, src, 0 };
	struct gw_report	rp = { report_one, &rc };
	int			n;

	n = gw_config_validate(cf, &rp);
	/* Problems of objects already reported still make cf invalid. */
	return rc.rc_count > 0 ? rc.rc_count : n;
}

int
commit_config(int (*edit)(sqlite3 *, struct gw_config *, void *), void *arg,
    const struct commit_opts *co)
{
	struct gw_config	 cur, want;
	struct changeset	 cs = { NULL, 0 };
	sqlite3			*db;
	const char		*path = gw_db_path(gwctl.g_db_path);
	char			 errbuf[512], *summary;
	int			 rc = 1, loaded = 0;

	db = store_open(0);
	gw_config_init(&want);
	/* A dry run only reads: a plain BEGIN takes no write lock. */
	if (gw_db_exec(db, co->co_dry_run ? "BEGIN" : "BEGIN IMMEDIATE",
	    errbuf, sizeof(errbuf)) == -1 ||
	    store_load(db, &cur, errbuf, sizeof(errbuf)) == -1) {
		warnx("%s: %s", path, errbuf);
		goto out;
	}
	loaded = 1;
	gw_config_copy(&want, &cur);
	if (edit(db, &want, arg) == -1)
		goto out;
	gw_config_sort(&want);
	if (report_invalid(&want, co->co_filecf, co->co_src) > 0)
		goto out;
	diff_configs(&cur, &want, &cs);
	if (cs.cs_n == 0 || co->co_dry_run) {
		if (co->co_print && !gwctl.g_quiet) {
			if (cs.cs_n == 0)
				printf("no changes\n");
			changeset_print(stdout, &cs, co->co_verbose);
		}
		rc = co->co_diff_status && cs.cs_n > 0 ? COMMIT_DIFFERS : 0;
		goto out;
	}
	summary = changeset_summary(&cs);
	if (store_write(db, &cs, summary, errbuf, sizeof(errbuf)) == -1 ||
	    gw_db_commit(db, errbuf, sizeof(errbuf)) == -1) {
		free(summary);
		warnx("%s: %s", path, errbuf);
		goto out;
	}
	free(summary);
	if (co->co_print && !gwctl.g_quiet)
		changeset_print(stdout, &cs, co->co_verbose);
	rc = 0;
out:
	gw_db_rollback(db);
	changeset_free(&cs);
	if (loaded)
		gw_config_free(&cur);
	gw_config_free(&want);
	gw_db_close(db);
	return rc;
}
