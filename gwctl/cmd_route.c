/*
 * cmd_route: gwctl route add|set|rm.
 *
 * Options fill a scratch route and remember which parts were given; add
 * takes the scratch route whole, set copies only the given parts over the
 * stored route (a list option replaces that whole list), and --unset
 * clears a part.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "config.h"
#include "duration.h"
#include "gwctl.h"
#include "opt.h"
#include "str.h"

/* Parts of a route an option can give or --unset can clear. */
#define RT_SERVICE	0x0001
#define RT_HOST		0x0002
#define RT_MATCH	0x0004
#define RT_METHODS	0x0008
#define RT_HEADERS	0x0010
#define RT_REWRITE	0x0020
#define RT_PRIORITY	0x0040
#define RT_TIMEOUT	0x0080
#define RT_REQ_EDITS	0x0100
#define RT_RESP_EDITS	0x0200
#define RT_RTIMEOUT	0x0400

static const struct {
	const char	*u_name;
	int		 u_part;
} unset_names[] = {
	{ "host",		RT_HOST },
	{ "methods",		RT_METHODS },
	{ "headers",		RT_HEADERS },
	{ "rewrite",		RT_REWRITE },
	{ "timeout",		RT_TIMEOUT },
	{ "response-timeout",	RT_RTIMEOUT },
	{ "request-headers",	RT_REQ_EDITS },
	{ "response-headers",	RT_RESP_EDITS },
};

enum {
	O_SERVICE = OPT_FIRST_CMD, O_HOST, O_PREFIX, O_PATH, O_REGEX,
	O_METHOD, O_HEADER, O_REWRITE, O_PRIORITY, O_TIMEOUT, O_SET_HDR,
	O_ADD_HDR, O_RM_HDR, O_SET_RHDR, O_ADD_RHDR, O_RM_RHDR, O_UNSET,
	O_RTIMEOUT
};

static const struct option route_opts[] = {
	{ "service",			required_argument, NULL, O_SERVICE },
	{ "host",			required_argument, NULL, O_HOST },
	{ "prefix",			required_argument, NULL, O_PREFIX },
	{ "path",			required_argument, NULL, O_PATH },
	{ "regex",			required_argument, NULL, O_REGEX },
	{ "method",			required_argument, NULL, O_METHOD },
	{ "header",			required_argument, NULL, O_HEADER },
	{ "rewrite",			required_argument, NULL, O_REWRITE },
	{ "priority",			required_argument, NULL, O_PRIORITY },
	{ "timeout",			required_argument, NULL, O_TIMEOUT },
	{ "response-timeout",		required_argument, NULL, O_RTIMEOUT },
	{ "set-header",			required_argument, NULL, O_SET_HDR },
	{ "add-header",			required_argument, NULL, O_ADD_HDR },
	{ "remove-header",		required_argument, NULL, O_RM_HDR },
	{ "set-response-header",	required_argument, NULL, O_SET_RHDR },
	{ "add-response-header",	required_argument, NULL, O_ADD_RHDR },
	{ "remove-response-header",	required_argument, NULL, O_RM_RHDR },
	{ "unset",			required_argument, NULL, O_UNSET },
	{ NULL,				0,		   NULL, 0 }
};

struct rt_args {
	int		 ra_op;		/* 0 add, 1 set, 2 rm */
	const char	*ra_name;
	struct gw_route	 ra_rt;		/* scratch: the given parts */
	int		 ra_given;	/* RT_* */
	int		 ra_unset;	/* RT_* */
	int		 ra_bad;	/* bad values seen */
};

static void
bad_value(struct rt_args *ra, const char *opt, const char *val,
    const char *why)
{
	warnx("route: invalid --%s \"%s\": %s", opt, val, why);
	ra->ra_bad = 1;
}

/* Splits "K=V" (or "K" when allowed) into a name and a value. */
static int
split_kv(struct rt_args *ra, const char *opt, const char *arg, int need_value,
    char **name, char **value)
{
	const char	*eq = strchr(arg, '='), *errstr;

	*name = eq ? gw_strndup(arg, (size_t)(eq - arg)) : gw_strdup(arg);
	*value = eq ? gw_strdup(eq + 1) : NULL;
	if (gw_header_name_check(*name, &errstr) == -1)
		bad_value(ra, opt, arg, errstr);
	else if (need_value && *value == NULL)
		bad_value(ra, opt, arg, "expected NAME=VALUE");
	else if (*value != NULL &&
	    gw_header_value_check(*value, &errstr) == -1)
		bad_value(ra, opt, arg, errstr);
	else
		return 0;
	free(*name);
	free(*value);
	return -1;
}

static void
opt_edit(struct rt_args *ra, const char *opt, const char *arg, int phase,
    int op)
{
	char *name, *value;

	if (split_kv(ra, opt, arg, op != GW_EDIT_REMOVE, &name, &value) == -1)
		return;
	if (op == GW_EDIT_REMOVE && value != NULL) {
		bad_value(ra, opt, arg, "expected a header name only");
	} else {
		gw_route_add_edit(&ra->ra_rt, phase, op, name, value);
		ra->ra_given |= phase == GW_PHASE_REQUEST ? RT_REQ_EDITS :
		    RT_RESP_EDITS;
	}
	free(name);
	free(value);
}

static void
opt_match(struct rt_args *ra, int type, const char *opt, const char *arg)
{
	char		 errbuf[256];
	const char	*errstr;

	if (ra->ra_given & RT_MATCH)
		usage_error("route", "--prefix, --path and --regex exclude "
		    "each other");
	ra->ra_given |= RT_MATCH;
	if (type == GW_PATH_REGEX) {
		if (gw_regex_check(arg, errbuf, sizeof(errbuf)) == -1)
			bad_value(ra, opt, arg, errbuf);
	} else if (gw_path_check(arg, &errstr) == -1)
		bad_value(ra, opt, arg, errstr);
	ra->ra_rt.rt_path_type = type;
	free(ra->ra_rt.rt_path);
	ra->ra_rt.rt_path = gw_strdup(arg);
}

static void
route_parse_opt(struct rt_args *ra, int c, const char *arg, char ***methods,
    size_t *nmethods)
{
	struct gw_route	*rt = &ra->ra_rt;
	const char	*errstr;
	char		*s, *name, *value;
	size_t		 i;

	switch (c) {
	case O_SERVICE:
		if (gw_name_check(arg, &errstr) == -1)
			bad_value(ra, "service", arg, errstr);
		free(rt->rt_service);
		rt->rt_service = gw_strdup(arg);
		ra->ra_given |= RT_SERVICE;
		break;
	case O_HOST:
		if ((s = gw_route_host_norm(arg, &errstr)) == NULL)
			bad_value(ra, "host", arg, errstr);
		free(rt->rt_host);
		rt->rt_host = s;
		ra->ra_given |= RT_HOST;
		break;
	case O_PREFIX:
		opt_match(ra, GW_PATH_PREFIX, "prefix", arg);
		break;
	case O_PATH:
		opt_match(ra, GW_PATH_EXACT, "path", arg);
		break;
	case O_REGEX:
		opt_match(ra, GW_PATH_REGEX, "regex", arg);
		break;
	case O_METHOD:
		if ((s = gw_method_norm(arg, &errstr)) == NULL) {
			bad_value(ra, "method", arg, errstr);
			break;
		}
		*methods = gw_reallocarray(*methods, *nmethods + 1,
		    sizeof(**methods));
		(*methods)[(*nmethods)++] = s;
		ra->ra_given |= RT_METHODS;
		break;
	case O_HEADER:
		if (split_kv(ra, "header", arg, 0, &name, &value) == -1)
			break;
		gw_str_lower(name);
		for (i = 0; i < rt->rt_nheaders; i++)
			if (strcmp(rt->rt_headers[i].hm_name, name) == 0)
				bad_value(ra, "header", arg,
				    "header named twice");
		gw_route_add_match(rt, name, value);
		ra->ra_given |= RT_HEADERS;
		free(name);
		free(value);
		break;
	case O_REWRITE:
		if (gw_path_check(arg, &errstr) == -1)
			bad_value(ra, "rewrite", arg, errstr);
		free(rt->rt_rewrite);
		rt->rt_rewrite = gw_strdup(arg);
		ra->ra_given |= RT_REWRITE;
		break;
	case O_PRIORITY:
		if (gw_priority_parse(arg, &rt->rt_priority, &errstr) == -1)
			bad_value(ra, "priority", arg, errstr);
		ra->ra_given |= RT_PRIORITY;
		break;
	case O_TIMEOUT:
		if (gw_duration_parse(arg, &rt->rt_timeout_ms, &errstr) == -1)
			bad_value(ra, "timeout", arg, errstr);
		else if (rt->rt_timeout_ms < 1 ||
		    rt->rt_timeout_ms > 86400000)
			bad_value(ra, "timeout", arg,
			    "out of range 1ms..1d");
		ra->ra_given |= RT_TIMEOUT;
		break;
	case O_RTIMEOUT:
		if (gw_duration_parse(arg, &rt->rt_response_timeout_ms,
		    &errstr) == -1)
			bad_value(ra, "response-timeout", arg, errstr);
		else if (rt->rt_response_timeout_ms < 1 ||
		    rt->rt_response_timeout_ms > 86400000)
			bad_value(ra, "response-timeout", arg,
			    "out of range 1ms..1d");
		ra->ra_given |= RT_RTIMEOUT;
		break;
	case O_SET_HDR:
		opt_edit(ra, "set-header", arg, GW_PHASE_REQUEST, GW_EDIT_SET);
		break;
	case O_ADD_HDR:
		opt_edit(ra, "add-header", arg, GW_PHASE_REQUEST, GW_EDIT_ADD);
		break;
	case O_RM_HDR:
		opt_edit(ra, "remove-header", arg, GW_PHASE_REQUEST,
		    GW_EDIT_REMOVE);
		break;
	case O_SET_RHDR:
		opt_edit(ra, "set-response-header", arg, GW_PHASE_RESPONSE,
		    GW_EDIT_SET);
		break;
	case O_ADD_RHDR:
		opt_edit(ra, "add-response-header", arg, GW_PHASE_RESPONSE,
		    GW_EDIT_ADD);
		break;
	case O_RM_RHDR:
		opt_edit(ra, "remove-response-header", arg, GW_PHASE_RESPONSE,
		    GW_EDIT_REMOVE);
		break;
	case O_UNSET:
		for (i = 0; i < sizeof(unset_names) / sizeof(unset_names[0]);
		    i++)
			if (strcmp(arg, unset_names[i].u_name) == 0)
				break;
		if (i == sizeof(unset_names) / sizeof(unset_names[0]))
			usage_error("route", "--unset: unknown field \"%s\"",
			    arg);
		ra->ra_unset |= unset_names[i].u_part;
		break;
	}
}

/* Copies the edits of one phase from src over those of dst. */
static void
copy_edits(struct gw_route *dst, const struct gw_route *src, int phase)
{
	const struct gw_hdr_edit	*he;
	size_t				 i;

	gw_route_clear_edits(dst, phase);
	for (i = 0; i < src->rt_nedits; i++) {
		he = &src->rt_edits[i];
		if (he->he_phase == phase)
			gw_route_add_edit(dst, phase, he->he_op, he->he_name,
			    he->he_value);
	}
}

/* Applies the given parts of ra's scratch route to rt. */
static void
route_apply(struct gw_route *rt, const struct rt_args *ra)
{
	const struct gw_route	*s = &ra->ra_rt;
	int			 g = ra->ra_given, u = ra->ra_unset;
	size_t			 i;

#define SETSTR(m) do { free(rt->m); rt->m = gw_strdup_null(s->m); } while (0)
	if (g & RT_SERVICE)
		SETSTR(rt_service);
	if (g & RT_HOST)
		SETSTR(rt_host);
	if (g & RT_MATCH) {
		rt->rt_path_type = s->rt_path_type;
		SETSTR(rt_path);
	}
	if (g & RT_METHODS)
		SETSTR(rt_methods);
	if (g & RT_REWRITE)
		SETSTR(rt_rewrite);
#undef SETSTR
	if (g & RT_PRIORITY)
		rt->rt_priority = s->rt_priority;
	if (g & RT_TIMEOUT)
		rt->rt_timeout_ms = s->rt_timeout_ms;
	if (g & RT_RTIMEOUT)
		rt->rt_response_timeout_ms = s->rt_response_timeout_ms;
	if (g & RT_HEADERS) {
		gw_route_clear_matches(rt);
		for (i = 0; i < s->rt_nheaders; i++)
			gw_route_add_match(rt, s->rt_headers[i].hm_name,
			    s->rt_headers[i].hm_value);
	}
	if (g & RT_REQ_EDITS)
		copy_edits(rt, s, GW_PHASE_REQUEST);
	if (g & RT_RESP_EDITS)
		copy_edits(rt, s, GW_PHASE_RESPONSE);
	if (u & RT_HOST) {
		free(rt->rt_host);
		rt->rt_host = NULL;
	}
	if (u & RT_METHODS) {
		free(rt->rt_methods);
		rt->rt_methods = NULL;
	}
	if (u & RT_REWRITE) {
		free(rt->rt_rewrite);
		rt->rt_rewrite = NULL;
	}
	if (u & RT_TIMEOUT)
		rt->rt_timeout_ms = 0;
	if (u & RT_RTIMEOUT)
		rt->rt_response_timeout_ms = 0;
	if (u & RT_HEADERS)
		gw_route_clear_matches(rt);
	if (u & RT_REQ_EDITS)
		gw_route_clear_edits(rt, GW_PHASE_REQUEST);
	if (u & RT_RESP_EDITS)
		gw_route_clear_edits(rt, GW_PHASE_RESPONSE);
}

static int
route_edit(sqlite3 *db, struct gw_config *cf, void *arg)
{
	struct rt_args	*ra = arg;
	struct gw_route	*rt;
	long		 i;

	(void)db;
	i = gw_config_find_route(cf, ra->ra_name);
	if (ra->ra_op == 0) {
		if (i >= 0) {
			warnx("route \"%s\" already exists", ra->ra_name);
			return -1;
		}
		rt = gw_config_new_route(cf);
		gw_route_init(rt, ra->ra_name, ra->ra_rt.rt_service);
	} else if (i < 0) {
		warnx("route \"%s\" not found", ra->ra_name);
		return -1;
	} else
		rt = &cf->cf_routes[i];
	if (ra->ra_op == 2) {
		gw_config_remove_route(cf, (size_t)i);
		return 0;
	}
	route_apply(rt, ra);
	return 0;
}

int
cmd_route(int argc, char **argv)
{
	static struct commit_opts	 co;
	struct rt_args			 ra;
	const char			*verb, *errstr;
	char				**methods = NULL;
	size_t				 nmethods = 0, i;
	int				 c, rc;

	memset(&ra, 0, sizeof(ra));
	verb = argc > 1 ? argv[1] : NULL;
	if (verb == NULL)
		usage_error("route", "missing subcommand");
	else if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0) {
		usage_print(stdout, "route");
		exit(0);
	} else if (strcmp(verb, "add") == 0)
		ra.ra_op = 0;
	else if (strcmp(verb, "set") == 0)
		ra.ra_op = 1;
	else if (strcmp(verb, "rm") == 0)
		ra.ra_op = 2;
	else
		usage_error("route", "unknown subcommand \"%s\"", verb);
	gw_route_init(&ra.ra_rt, "scratch", "scratch");
	opt_reset();
	while ((c = opt_next(argc - 1, argv + 1, "route", NULL,
	    ra.ra_op == 2 ? NULL : route_opts)) != -1)
		route_parse_opt(&ra, c, optarg, &methods, &nmethods);
	ra.ra_rt.rt_methods = gw_methods_join(methods, nmethods);
	for (i = 0; i < nmethods; i++)
		free(methods[i]);
	free(methods);
	argc -= optind + 1;
	argv += optind + 1;
	if (argc < 1)
		usage_error("route", "missing route name");
	if (argc > 1)
		usage_error("route", "unexpected argument \"%s\"", argv[1]);
	ra.ra_name = argv[0];
	if (gw_name_check(ra.ra_name, &errstr) == -1)
		errx(1, "invalid route name \"%s\": %s", ra.ra_name, errstr);
	if (ra.ra_op == 0 && !(ra.ra_given & RT_SERVICE))
		usage_error("route", "route add: missing --service");
	if (ra.ra_op == 0 && ra.ra_unset)
		usage_error("route", "route add: --unset is for route set");
	if (ra.ra_op == 1 && !ra.ra_given && !ra.ra_unset)
		usage_error("route", "route set: nothing to set");
	if (ra.ra_given & ra.ra_unset)
		usage_error("route", "a field is both given and --unset");
	rc = 1;
	if (!ra.ra_bad)
		rc = commit_config(route_edit, &ra, &co);
	gw_route_free(&ra.ra_rt);
	return rc;
}
