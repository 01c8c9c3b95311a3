/*
 * gwctl: internal interfaces between gwctl's files.
 *
 *   main.c     global options, command dispatch, usage
 *   cmd_obj.c  service/backend/route add|set|rm|drain|enable|disable
 *   cmd_get.c  get, describe, export
 *   cmd_decl.c apply, diff, validate
 *   cmd_hist.c history, rollback
 *   cmd_proxy.c proxy: a running gwproxy, over its control socket
 *   cmd_health.c get health, get events, status: what gwhealth and
 *              gwproxy recorded of the backends' health
 *   cmd_scale.c scale add|set|rm|get|history, get scale: gwscale's
 *              targets and the decisions it recorded
 *   commit.c   the one write path: validate, diff, store, history
 *   diff.c     comparing two configurations into a change set
 *   conv.c     the model to and from JSON trees (jansson)
 *   yamlio.c   YAML files to JSON trees with line numbers, and back
 *   output.c   tables
 *   store.c    all of gwctl's SQL
 *
 * Every command that changes the config goes through commit_config(): it
 * takes the write lock, loads the current config, lets the command build
 * the desired config from it, validates the result as a whole, writes only
 * the differences and records them as one new generation.  A failure
 * anywhere rolls back and leaves the database as it was.
 */
#ifndef GWCTL_H
#define GWCTL_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <sqlite3.h>

#include "config.h"

#define GWCTL_VERSION	"0.1.0"

enum out_format {
	OUT_TABLE,
	OUT_JSON,
	OUT_YAML
};

/* Global state of one gwctl run, set by main(). */
struct gwctl {
	const char	*g_db_path;	/* --db, or NULL: see gw_db_path() */
	enum out_format	 g_output;
	int		 g_output_set;	/* -o given explicitly */
	int		 g_quiet;
	char		*g_command;	/* the command line, for history */
	char		*g_user;	/* who runs it, for history */
};
extern struct gwctl gwctl;

/* Commands: argc/argv start at the command's own name. */
int	cmd_init(int argc, char **argv);
int	cmd_service(int argc, char **argv);
int	cmd_backend(int argc, char **argv);
int	cmd_route(int argc, char **argv);
int	cmd_get(int argc, char **argv);
int	cmd_describe(int argc, char **argv);
int	cmd_export(int argc, char **argv);
int	cmd_apply(int argc, char **argv);
int	cmd_diff(int argc, char **argv);
int	cmd_validate(int argc, char **argv);
int	cmd_history(int argc, char **argv);
int	cmd_rollback(int argc, char **argv);
int	cmd_proxy(int argc, char **argv);
int	cmd_status(int argc, char **argv);
int	cmd_scale(int argc, char **argv);
/* cmd_scale.c: get scale, called by cmd_get. */
int	get_scale(void);
/* The scale targets of cf as a table (scale get, get all). */
void	table_scale(const struct gw_config *cf);
/* cmd_health.c: get health and get events, called by cmd_get. */
int	get_health(const char *service);
int	get_events(const char *since, const char *service, const char *limit);

/* Exit statuses (STYLE.md: 0 success, 1 failure, 2 usage). */
#define EXIT_USAGE	2

/* Prints the usage of one command (or all when NULL) to fp. */
void	usage_print(FILE *fp, const char *command);
/* Usage error: message, usage of command on stderr, exit 2. */
void	usage_error(const char *command, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/*
 * store.c.  Errors are reported by the caller with the errbuf text.
 */
/* Opens the DB at gwctl.g_db_path (checked schema) or exits 1. */
sqlite3	*store_open(int flags);
int	 store_load(sqlite3 *db, struct gw_config *cf, char *errbuf,
	    size_t errlen);
int64_t	 store_generation(sqlite3 *db);

/* One difference between two configurations. */
enum change_op {
	CHANGE_CREATE,
	CHANGE_UPDATE,
	CHANGE_DELETE
};
extern const char *const change_op_names[];	/* "create", ... */

struct change {
	enum gw_kind	 ch_kind;
	enum change_op	 ch_op;
	char		*ch_name;	/* "web", "web/10.0.0.1:80", "api" */
	const void	*ch_before;	/* object in the old config or NULL */
	const void	*ch_after;	/* object in the new config or NULL */
};

struct changeset {
	struct change	*cs_v;		/* owned, in write order */
	size_t		 cs_n;
};

/*
 * Everything that differs between old and new, both sorted with
 * gw_config_sort().  The changes point into old and new, which must
 * outlive cs.  Order: deletions of routes, backends, services, then
 * creations and updates of services, backends, routes (foreign keys).
 */
void	 diff_configs(const struct gw_config *old, const struct gw_config *new,
	    struct changeset *cs);
void	 changeset_free(struct changeset *cs);
/*
 * Prints cs for people: one line per object ("service/web created"), and
 * with verbose the changed fields under it ("  weight: 1 -> 2").
 */
void	 changeset_print(FILE *fp, const struct changeset *cs, int verbose);
/* The history form of one object (conv_*_json), or NULL for NULL. */
json_t	*change_object_json(enum gw_kind kind, const void *obj);
/*
 * Prints the fields that differ between two objects' JSON forms, one
 * "    key: old -> new" line each; before NULL prints every field of after.
 */
void	 json_field_diff(FILE *fp, json_t *before, json_t *after);
/* One-line summary for history: "service/web created and 2 more". */
char	*changeset_summary(const struct changeset *cs);

/*
 * Writes cs to the DB inside the caller's transaction: the row changes,
 * a new generation with its history rows.  Returns the new generation, or
 * -1 with errbuf set.
 */
int64_t	 store_write(sqlite3 *db, const struct changeset *cs,
	    const char *summary, char *errbuf, size_t errlen);

/* History rows, newest first; limit 0 means all. */
struct hist_gen {
	int64_t	 hg_generation;
	int64_t	 hg_created_at;
	char	*hg_user;
	char	*hg_command;
	char	*hg_summary;
};
int	 store_history(sqlite3 *db, int64_t limit, struct hist_gen **out,
	    size_t *n, char *errbuf, size_t errlen);
void	 hist_gen_free(struct hist_gen *v, size_t n);

/* The recorded changes of generations > gen (newest first). */
struct hist_change {
	int64_t	 hc_generation;
	int	 hc_kind;		/* enum gw_kind */
	int	 hc_op;			/* enum change_op */
	char	*hc_name;
	char	*hc_before;		/* JSON text or NULL */
	char	*hc_after;		/* JSON text or NULL */
};
int	 store_changes_after(sqlite3 *db, int64_t gen,
	    struct hist_change **out, size_t *n, char *errbuf, size_t errlen);
/* The recorded changes of exactly generation gen (in write order). */
int	 store_changes_of(sqlite3 *db, int64_t gen, struct hist_change **out,
	    size_t *n, char *errbuf, size_t errlen);
void	 hist_change_free(struct hist_change *v, size_t n);
/* The changes that touched one object, newest first, at most limit. */
int	 store_changes_for(sqlite3 *db, int kind, const char *name,
	    int64_t limit, struct hist_change **out, size_t *n,
	    char *errbuf, size_t errlen);

/*
 * The health of one backend as gwhealth and gwproxy recorded it, for get
 * health and status; times in ms since the epoch, -1 for none.
 */
struct health_row {
	char	*hr_service;
	char	*hr_host;
	int	 hr_port;
	int	 hr_admin;		/* enum gw_admin */
	int	 hr_source;		/* enum gw_be_source */
	int	 hr_hc_type;		/* enum gw_hc_type of the service */
	int	 hr_initial;		/* enum gw_hc_initial of the service */
	char	*hr_state;		/* "up", ...; NULL: no health row */
	int64_t	 hr_since_at;
	int64_t	 hr_checked_at;		/* -1: never checked */
	int64_t	 hr_latency_us;
	char	*hr_reason;
	int64_t	 hr_pass_streak;
	int64_t	 hr_fail_streak;
	int64_t	 hr_eject_until_at;	/* latest end in the future, or -1 */
	char	*hr_eject_reason;	/* of that ejection */
};
/*
 * The backends of service (NULL: every service) with their health and
 * whether a gwproxy has them ejected at now, by service, host and port.
 */
int	 store_health(sqlite3 *db, const char *service, int64_t now,
	    struct health_row **out, size_t *n, char *errbuf, size_t errlen);
void	 health_row_free(struct health_row *v, size_t n);

/* One row of health_transitions. */
struct health_event {
	int64_t	 ev_at;
	char	*ev_service;
	char	*ev_backend;
	char	*ev_from;
	char	*ev_to;
	char	*ev_reason;
	char	*ev_source;
};
/*
 * Transitions at or after since, of service (NULL: all), newest first, at
 * most limit (0: all).
 */
int	 store_events(sqlite3 *db, int64_t since, const char *service,
	    int64_t limit, struct health_event **out, size_t *n, char *errbuf,
	    size_t errlen);
void	 health_event_free(struct health_event *v, size_t n);

/*
 * One row of scale_decisions (gwscale's), with its target's name; for
 * get scale a target without decisions has sd_at -1 and NULL strings.
 */
struct scale_decision {
	int64_t	 sd_id;
	int64_t	 sd_target_id;
	char	*sd_target;
	int64_t	 sd_at;			/* ms since the epoch; -1: none */
	char	*sd_metrics;		/* JSON text as gwscale wrote it */
	int64_t	 sd_current;
	int64_t	 sd_desired;
	char	*sd_mode;
	char	*sd_reason;
};
/* The latest decision of every scale target, by target name. */
int	 store_scale_latest(sqlite3 *db, struct scale_decision **out,
	    size_t *n, char *errbuf, size_t errlen);
/*
 * The decisions of one target at or after since, newest first, at most
 * limit (0: all).
 */
int	 store_scale_decisions(sqlite3 *db, const char *target, int64_t since,
	    int64_t limit, struct scale_decision **out, size_t *n,
	    char *errbuf, size_t errlen);
void	 scale_decision_free(struct scale_decision *v, size_t n);

/*
 * commit.c.  The one write path.  edit() gets the database (inside the
 * transaction, for reads) and the current config (a copy it may change freely) and turns it into the desired one; it returns 0,
 * or -1 after reporting why with warnx (nothing is written).  With dry_run
 * the changes are printed and nothing is written.  Returns the exit
 * status for the command, or COMMIT_DIFFERS for a dry run with
 * co_diff_status that found differences.
 */
#define COMMIT_DIFFERS	3
struct conv_src;
struct commit_opts {
	int			 co_dry_run;
	int			 co_print;	/* print the change lines */
	int			 co_verbose;	/* with the changed fields */
	int			 co_diff_status; /* exit 1 on differences */
	/* Where objects came from, for file:line in messages (or NULL). */
	const struct gw_config	*co_filecf;
	const struct conv_src	*co_src;
};
int	 commit_config(int (*edit)(sqlite3 *db, struct gw_config *cf,
	    void *arg), void *arg, const struct commit_opts *co);
/*
 * Validates cf and reports each problem with warnx, prefixed by the file
 * position when the object is also in filecf, read from a file described
 * by src (both may be NULL).  Returns the number of problems.
 */
int	 report_invalid(const struct gw_config *cf,
	    const struct gw_config *filecf, const struct conv_src *src);

/*
 * conv.c: the model as JSON trees, the shape of export and apply files.
 * A service object carries its backends under "backends" when cf is given.
 * Backends found by DNS discovery are not declarative config: they are
 * written only with CONV_DNS, and always say "source: dns"; a static one
 * says "source: static" only with CONV_SOURCE (get, describe), so export
 * and the history records stay as they were before discovery existed.
 */
#define CONV_SERVICE	0x01	/* a backend names its service */
#define CONV_SOURCE	0x02	/* every backend says its source */
#define CONV_DNS	0x04	/* include the backends found by DNS */
json_t	*conv_service_json(const struct gw_service *sv,
	    const struct gw_config *cf, int flags);
json_t	*conv_backend_json(const struct gw_backend *be, int flags);
json_t	*conv_route_json(const struct gw_route *rt);
/*
 * A scale target in the shape of a file's scale_targets item, every
 * setting written, its behavior (when it has one) as stored.
 */
json_t	*conv_scale_json(const struct gw_scale_target *t);
/*
 * The whole config: {"services": [...], "routes": [...]}, and
 * "scale_targets": [...] when there are some.
 */
json_t	*conv_config_json(const struct gw_config *cf, int flags);

/*
 * Where each object of a config read from a file came from, so later
 * errors can name file:line.  Arrays parallel the config's arrays.
 */
struct yaml_lines;
struct conv_src {
	const char		 *cs_file;	/* name as given, "-" for stdin */
	const struct yaml_lines	 *cs_lines;	/* NULL for non-file input */
	json_t			**cs_services;	/* borrowed nodes */
	json_t			**cs_backends;
	json_t			**cs_routes;
	json_t			**cs_scale_targets;
	json_t			**cs_bad;	/* objects with problems */
	size_t			  cs_nbad;
};
void	 conv_src_free(struct conv_src *src);
/*
 * 1 when the object at node, or the value at its field path, had a
 * problem already reported while reading.
 */
int	 conv_src_is_bad(const struct conv_src *src, json_t *node,
	    const char *field);
/* Line of node's field path ("health_check.timeout"), or of node. */
int	 conv_src_line(const struct conv_src *src, json_t *node,
	    const char *field);

/*
 * Reads a config document.  A backend that says "source: dns" is left out:
 * discovery, not a file, owns those (gwctl get output reads back
 * unchanged).  Reports every problem (unknown keys, bad
 * values, wrong types, duplicate names) with warnx as
 * "FILE:LINE: KIND \"NAME\": ..." and returns the count; 0 means out (and
 * src, when not NULL) hold the whole file.  After problems, out still
 * holds every object whose identity could be read (a bad value left at
 * its default), and src marks those with problems, so the caller can
 * validate the rest and report its problems too.
 */
int	 conv_config_from_json(json_t *doc, const char *file,
	    const struct yaml_lines *lines, struct gw_config *out,
	    struct conv_src *src);
/*
 * Objects from history records (the output of conv_*_json): 0 or -1 with
 * errbuf set.
 */
int	 conv_service_from_json(json_t *j, struct gw_service *sv,
	    char *errbuf, size_t errlen);
int	 conv_backend_from_json(json_t *j, struct gw_backend *be,
	    char *errbuf, size_t errlen);
int	 conv_route_from_json(json_t *j, struct gw_route *rt,
	    char *errbuf, size_t errlen);
int	 conv_scale_from_json(json_t *j, struct gw_scale_target *t,
	    char *errbuf, size_t errlen);

/*
 * yamlio.c.  Loads a YAML (or JSON) file into a jansson tree: mappings
 * become objects (key order kept), sequences arrays, scalars strings,
 * except plain null/~/empty scalars which become JSON null.  Anchors and
 * aliases are resolved by libyaml's loader.  Keeps each node's line.
 * path "-" reads stdin.  Returns the tree, or NULL after warnx with
 * "FILE:LINE: <parser message>".  A file with several documents is an
 * error.
 */
json_t	*yamlio_load(const char *path, struct yaml_lines **lines);
void	 yamlio_lines_free(struct yaml_lines *lines);
/* 1-based line of node, or 0 when unknown. */
int	 yamlio_line(const struct yaml_lines *lines, const json_t *node);
/*
 * Writes j as a block-style YAML document to fp: strings that would read
 * back as anything but that string are quoted.  0 or -1.
 */
int	 yamlio_emit(FILE *fp, json_t *j);

/* ISO 8601 UTC time of ms since the epoch: "2026-11-26T06:39:24Z". */
void	 fmt_time(int64_t ms, char *buf, size_t len);

/* Prints a YAML dump of j with every line indented by two spaces. */
void	 print_yaml_indented(json_t *j);
/* Prints j as -o json (indent 2, key order kept) or yaml. */
void	 print_json_or_yaml(json_t *j);
/*
 * JSON_REAL_PRECISION for dumping j: the fewest digits (15 to 17) that
 * read every real of j back exactly, so 0.1 prints as 0.1.
 */
size_t	 json_real_flags(json_t *j);
/*
 * A duration back from now ("1h") or an RFC 3339 time, as --since takes
 * it: ms since the epoch; NULL is 0.  A bad value is a usage error of
 * command.
 */
int64_t	 since_parse(const char *command, const char *since, int64_t now);

/*
 * output.c: aligned tables, kubectl-style (upper-case headers, columns
 * separated by three spaces, "<none>" for empty cells).
 */
struct table;
struct table	*table_new(int ncols, ...);	/* header strings */
void		 table_add(struct table *t, ...);	/* ncols strings */
void		 table_print(struct table *t, FILE *fp);
void		 table_free(struct table *t);

#endif /* GWCTL_H */
