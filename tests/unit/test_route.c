/*
 * test_route: the route matcher and rewriter (gwproxy/route.c) against
 * the contract of gwproxy/route.h: each matching rule, each step of the
 * precedence, host normalisation, rewrites, and a table of 10,000 routes.
 *
 * Every config is validated first, so a test never relies on a route the
 * daemon would refuse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "str.h"
#include "../../gwproxy/route.h"
#include "t.h"

#define SCALE_ROUTES	10000
/* Check every SCALE_STEP-th route of the big table (a prime: all kinds). */
#define SCALE_STEP	37

static struct gw_config	cf;

static void
cf_reset(void)
{
	gw_config_free(&cf);
	gw_config_init(&cf);
	gw_service_init(gw_config_new_service(&cf), "svc");
}

/*
 * Appends a route (host NULL: any).  The pointer is valid until the next
 * append: set what else the test needs at once.
 */
static struct gw_route *
add(const char *name, const char *host, int type, const char *path)
{
	struct gw_route	*r = gw_config_new_route(&cf);

	gw_route_init(r, name, "svc");
	r->rt_host = gw_strdup_null(host);
	r->rt_path_type = type;
	free(r->rt_path);
	r->rt_path = gw_strdup(path);
	return r;
}

static void
add_m(const char *name, const char *host, int type, const char *path,
    const char *methods)
{
	add(name, host, type, path)->rt_methods = gw_strdup(methods);
}

static void
add_p(const char *name, const char *host, int type, const char *path,
    int64_t prio)
{
	add(name, host, type, path)->rt_priority = prio;
}

static void
report(void *arg, enum gw_kind kind, size_t index, const char *field,
    const char *msg)
{
	(void)arg;
	printf("#   invalid %s[%zu] %s: %s\n", gw_kind_names[kind], index,
	    field != NULL ? field : "-", msg);
}

/* Validates cf and builds its table; NULL (and a failed check) if not. */
static struct route_table *
build(const char *what)
{
	struct gw_report	 rp = { report, NULL };
	struct route_table	*t;
	char			 err[256] = "";

	if (gw_config_validate(&cf, &rp) != 0) {
		T_OK(0, "%s: config is valid", what);
		return NULL;
	}
	t = route_table_build(&cf, err, sizeof(err));
	T_OK(t != NULL, "%s: table builds%s%s", what, *err ? ": " : "", err);
	return t;
}

/* Request headers: "name", "value", ..., NULL; counts the lookups. */
struct hdrs {
	const char *const	*h_kv;
	int			 h_calls;
};

static const char *
hdr_get(void *arg, const char *name, size_t *len)
{
	struct hdrs		 *h = arg;
	const char *const	 *kv;

	h->h_calls++;
	for (kv = h->h_kv; kv != NULL && kv[0] != NULL; kv += 2) {
		if (strcmp(kv[0], name) == 0) {
			*len = strlen(kv[1]);
			return kv[1];
		}
	}
	return NULL;
}

static int	hdr_calls;	/* header lookups of the last match */

/* The name of the route for the request, "-" for none. */
static const char *
match_h(const struct route_table *t, const char *method, const char *host,
    const char *path, const char *const *kv)
{
	struct route_req	rq;
	struct hdrs		h = { kv, 0 };
	long			i;

	if (t == NULL)
		return "(no table)";
	memset(&rq, 0, sizeof(rq));
	rq.rq_method = method;
	rq.rq_method_len = method != NULL ? strlen(method) : 0;
	rq.rq_host = host;
	rq.rq_host_len = host != NULL ? strlen(host) : 0;
	rq.rq_path = path;
	rq.rq_path_len = strlen(path);
	rq.rq_header = hdr_get;
	rq.rq_arg = &h;
	i = route_match(t, &rq);
	hdr_calls = h.h_calls;
	if (i == -1)
		return "-";
	if (i < 0 || (size_t)i >= cf.cf_nroutes)
		return "(bad index)";
	return cf.cf_routes[i].rt_name;
}

static const char *
match(const struct route_table *t, const char *method, const char *host,
    const char *path)
{
	return match_h(t, method, host, path, NULL);
}

static void
test_paths(void)
{
	struct route_table	*t;

	cf_reset();
	add("api", NULL, GW_PATH_PREFIX, "/api");
	add("docs-dir", NULL, GW_PATH_PREFIX, "/docs/");
	add("exact", NULL, GW_PATH_EXACT, "/exact");
	add("regex", NULL, GW_PATH_REGEX, "/v[0-9]+");
	add("alt", NULL, GW_PATH_REGEX, "/a|/b");
	t = build("paths");
	T_STREQ(match(t, "GET", "h", "/api"), "api", "prefix /api: /api");
	T_STREQ(match(t, "GET", "h", "/api/"), "api", "prefix /api: /api/");
	T_STREQ(match(t, "GET", "h", "/api/x/y"), "api",
	    "prefix /api: /api/x/y");
	T_STREQ(match(t, "GET", "h", "/apiary"), "-",
	    "prefix /api: not /apiary (segment boundary)");
	T_STREQ(match(t, "GET", "h", "/ap"), "-", "prefix /api: not /ap");
	T_STREQ(match(t, "GET", "h", "/API"), "-",
	    "prefix /api: paths are case-sensitive");
	T_STREQ(match(t, "GET", "h", "/docs/"), "docs-dir",
	    "prefix /docs/: /docs/");
	T_STREQ(match(t, "GET", "h", "/docs/a/b"), "docs-dir",
	    "prefix /docs/: /docs/a/b");
	T_STREQ(match(t, "GET", "h", "/docs"), "-",
	    "prefix /docs/: not /docs");
	T_STREQ(match(t, "GET", "h", "/docsx"), "-",
	    "prefix /docs/: not /docsx");
	T_STREQ(match(t, "GET", "h", "/exact"), "exact", "exact: equal");
	T_STREQ(match(t, "GET", "h", "/exact/"), "-",
	    "exact: not with a trailing slash");
	T_STREQ(match(t, "GET", "h", "/exac"), "-", "exact: not a prefix");
	T_STREQ(match(t, "GET", "h", "/v12"), "regex", "regex: /v12");
	T_STREQ(match(t, "GET", "h", "/v12/x"), "-",
	    "regex: anchored at the end");
	T_STREQ(match(t, "GET", "h", "/x/v12"), "-",
	    "regex: anchored at the start");
	T_STREQ(match(t, "GET", "h", "/a"), "alt",
	    "regex with |: first branch");
	T_STREQ(match(t, "GET", "h", "/b"), "alt",
	    "regex with |: second branch");
	T_STREQ(match(t, "GET", "h", "/ab"), "-",
	    "regex with |: the whole alternation is anchored");
	T_STREQ(match(t, "GET", "h", "/other"), "-", "no route: -1");
	T_STREQ(match(t, "GET", "h", ""), "-", "empty path: -1");
	route_table_free(t);

	cf_reset();
	t = build("no routes");
	T_STREQ(match(t, "GET", "h", "/"), "-", "empty config: -1");
	route_table_free(t);
}

static void
test_trailing_slash(void)
{
	struct route_table	*t;

	cf_reset();
	add("root", NULL, GW_PATH_PREFIX, "/");
	add("api", NULL, GW_PATH_PREFIX, "/api");
	add("api-dir", NULL, GW_PATH_PREFIX, "/api/");
	add("deep", NULL, GW_PATH_PREFIX, "/api/v1");
	t = build("trailing slash");
	T_STREQ(match(t, "GET", "h", "/"), "root", "/ matches /");
	T_STREQ(match(t, "GET", "h", "/apiary"), "root",
	    "/apiary falls to /");
	T_STREQ(match(t, "GET", "h", "/api"), "api", "/api: prefix /api");
	T_STREQ(match(t, "GET", "h", "/api/"), "api-dir",
	    "/api/: the longer prefix /api/");
	T_STREQ(match(t, "GET", "h", "/api/x"), "api-dir",
	    "/api/x: /api/ is longer than /api");
	T_STREQ(match(t, "GET", "h", "/api/v1"), "deep", "/api/v1: /api/v1");
	T_STREQ(match(t, "GET", "h", "/api/v1/x"), "deep",
	    "/api/v1/x: the longest prefix");
	T_STREQ(match(t, "GET", "h", "/api/v10"), "api-dir",
	    "/api/v10: not /api/v1 (segment boundary)");
	T_STREQ(match(t, "GET", "h", "/api//x"), "api-dir",
	    "/api//x: /api/");
	route_table_free(t);
}

static void
test_precedence(void)
{
	struct route_table	*t;
	const char *const	 xa[] = { "x-a", "1", NULL };

	cf_reset();
	add_p("prio-prefix", NULL, GW_PATH_PREFIX, "/", 1);
	add("exact", NULL, GW_PATH_EXACT, "/x");
	add("long", NULL, GW_PATH_PREFIX, "/y/z");
	add("short", NULL, GW_PATH_PREFIX, "/y");
	add("exact-y", NULL, GW_PATH_EXACT, "/y/z/w");
	t = build("priority");
	T_STREQ(match(t, "GET", "h", "/x"), "prio-prefix",
	    "priority beats an exact path");
	T_STREQ(match(t, "GET", "h", "/y/z/w"), "prio-prefix",
	    "priority beats a longer prefix");
	route_table_free(t);

	cf_reset();
	add("root", NULL, GW_PATH_PREFIX, "/");
	add("exact", NULL, GW_PATH_EXACT, "/y/z/w");
	add("long", NULL, GW_PATH_PREFIX, "/y/z");
	add("short", NULL, GW_PATH_PREFIX, "/y");
	add("regex", NULL, GW_PATH_REGEX, "/y/.*");
	add("regex-only", NULL, GW_PATH_REGEX, "/r[0-9]");
	t = build("path kinds");
	T_STREQ(match(t, "GET", "h", "/y/z/w"), "exact",
	    "exact path beats a longer prefix");
	T_STREQ(match(t, "GET", "h", "/y/z/w/v"), "long",
	    "longer prefix wins");
	T_STREQ(match(t, "GET", "h", "/y/q"), "short",
	    "shorter prefix when the longer does not match");
	T_STREQ(match(t, "GET", "h", "/y/zz"), "short",
	    "prefix beats regex");
	T_STREQ(match(t, "GET", "h", "/r1"), "root", "prefix / beats regex");
	route_table_free(t);

	cf_reset();
	add("any", NULL, GW_PATH_REGEX, "/r[0-9]");
	add("rx-long", NULL, GW_PATH_REGEX, "/r.*");
	add_p("neg", NULL, GW_PATH_EXACT, "/n", -5);
	add_p("neg-regex", NULL, GW_PATH_REGEX, "/n", -1);
	t = build("regex only");
	T_STREQ(match(t, "GET", "h", "/n"), "neg-regex",
	    "a regex of higher priority beats an exact path");
	T_STREQ(match(t, "GET", "h", "/r1"), "any",
	    "regexes of equal rank: by name");
	T_STREQ(match(t, "GET", "h", "/rx"), "rx-long",
	    "regex: the one that matches");
	route_table_free(t);

	/*
	 * A regex route that cannot win is never run: the header callback
	 * (checked before the regex) counts the routes examined.
	 */
	cf_reset();
	add_p("win", NULL, GW_PATH_PREFIX, "/", 1);
	gw_route_add_match(add("rx", NULL, GW_PATH_REGEX, "/q.*"), "x-a",
	    NULL);
	t = build("pruning");
	T_STREQ(match_h(t, "GET", "h", "/q", xa), "win",
	    "priority prefix beats a regex with a header");
	T_INTEQ(hdr_calls, 0, "the regex route that cannot win is skipped");
	route_table_free(t);
}

static void
test_constraints(void)
{
	struct route_table	*t;
	const char *const	 xa[] = { "x-a", "1", NULL };
	const char *const	 xab[] = { "x-a", "1", "x-b", "2", NULL };

	cf_reset();
	add("plain", NULL, GW_PATH_PREFIX, "/");
	add_m("get", NULL, GW_PATH_PREFIX, "/", "GET");
	add_m("get-hdr", NULL, GW_PATH_PREFIX, "/", "GET");
	gw_route_add_match(&cf.cf_routes[cf.cf_nroutes - 1], "x-a", NULL);
	add_m("post-5", NULL, GW_PATH_PREFIX, "/", "POST");
	cf.cf_routes[cf.cf_nroutes - 1].rt_priority = 5;
	t = build("constraints");
	T_STREQ(match(t, "GET", "h", "/"), "get",
	    "methods constraint beats none");
	T_STREQ(match_h(t, "GET", "h", "/", xa), "get-hdr",
	    "methods and header beat methods alone");
	T_STREQ(match(t, "PUT", "h", "/"), "plain",
	    "no constraint fits: the plain route");
	T_STREQ(match(t, "POST", "h", "/"), "post-5",
	    "list scan passes a better route that does not fit");
	T_STREQ(match(t, "GET", "h", "/x"), "get",
	    "constraints still decide on a longer path");
	route_table_free(t);

	/* The host is a constraint too, but ranks after the path. */
	cf_reset();
	add("host-root", "a.example.com", GW_PATH_PREFIX, "/");
	add("any-api", NULL, GW_PATH_PREFIX, "/api");
	t = build("path before host");
	T_STREQ(match(t, "GET", "a.example.com", "/api/x"), "any-api",
	    "a longer prefix beats an exact host");
	T_STREQ(match(t, "GET", "a.example.com", "/x"), "host-root",
	    "the exact host's route where it alone matches");
	route_table_free(t);

	/* Equal rank: the name decides, whatever the order in the config. */
	cf_reset();
	gw_route_add_match(add("zeta", NULL, GW_PATH_PREFIX, "/"), "x-a",
	    NULL);
	gw_route_add_match(add("alpha", NULL, GW_PATH_PREFIX, "/"), "x-b",
	    NULL);
	add_m("mid", NULL, GW_PATH_PREFIX, "/", "GET");
	t = build("names, one order");
	T_STREQ(match_h(t, "GET", "h", "/", xab), "alpha",
	    "equal rank: the first name");
	T_STREQ(match_h(t, "GET", "h", "/", xa), "mid",
	    "equal rank: the first name of those that fit");
	route_table_free(t);

	cf_reset();
	add_m("mid", NULL, GW_PATH_PREFIX, "/", "GET");
	gw_route_add_match(add("alpha", NULL, GW_PATH_PREFIX, "/"), "x-b",
	    NULL);
	gw_route_add_match(add("zeta", NULL, GW_PATH_PREFIX, "/"), "x-a",
	    NULL);
	t = build("names, another order");
	T_STREQ(match_h(t, "GET", "h", "/", xab), "alpha",
	    "equal rank: the same route in another config order");
	T_STREQ(match_h(t, "POST", "h", "/", xa), "zeta",
	    "equal rank: the only one that fits");
	route_table_free(t);
}

static void
test_methods(void)
{
	struct route_table	*t;

	cf_reset();
	add_m("rw", NULL, GW_PATH_PREFIX, "/", "GET,POST");
	t = build("methods");
	T_STREQ(match(t, "GET", "h", "/"), "rw", "GET in GET,POST");
	T_STREQ(match(t, "POST", "h", "/"), "rw", "POST in GET,POST");
	T_STREQ(match(t, "PUT", "h", "/"), "-", "PUT not in GET,POST");
	T_STREQ(match(t, "get", "h", "/"), "-",
	    "methods are case-sensitive");
	T_STREQ(match(t, "GE", "h", "/"), "-", "not a part of a method");
	T_STREQ(match(t, "POSTX", "h", "/"), "-", "not a longer method");
	T_STREQ(match(t, "GET,POST", "h", "/"), "-",
	    "not the list itself");
	T_STREQ(match(t, NULL, "h", "/"), "-", "no method: no match");
	route_table_free(t);
}

static void
test_headers(void)
{
	struct route_table	*t;
	const char *const	 canary[] = { "x-env", "canary", NULL };
	const char *const	 canary_uc[] = { "x-env", "Canary", NULL };
	const char *const	 canary_long[] = { "x-env", "canaryx", NULL };
	const char *const	 canary_short[] = { "x-env", "canar", NULL };
	const char *const	 dbg[] = { "x-debug", "", NULL };
	const char *const	 both[] = { "x-debug", "1", "x-user", "u",
	    NULL };
	const char *const	 user[] = { "x-user", "u", NULL };

	cf_reset();
	add("base", NULL, GW_PATH_PREFIX, "/");
	gw_route_add_match(add("value", NULL, GW_PATH_PREFIX, "/"), "x-env",
	    "canary");
	gw_route_add_match(add("present", NULL, GW_PATH_PREFIX, "/"),
	    "x-debug", NULL);
	add("two", NULL, GW_PATH_PREFIX, "/");
	gw_route_add_match(&cf.cf_routes[cf.cf_nroutes - 1], "x-debug", NULL);
	gw_route_add_match(&cf.cf_routes[cf.cf_nroutes - 1], "x-user", "u");
	t = build("headers");
	T_STREQ(match_h(t, "GET", "h", "/", canary), "value",
	    "header value equal");
	T_STREQ(match_h(t, "GET", "h", "/", canary_uc), "base",
	    "header value is case-sensitive");
	T_STREQ(match_h(t, "GET", "h", "/", canary_long), "base",
	    "header value must be equal, not longer");
	T_STREQ(match_h(t, "GET", "h", "/", canary_short), "base",
	    "header value must be equal, not shorter");
	T_STREQ(match_h(t, "GET", "h", "/", dbg), "present",
	    "header present, even empty");
	T_STREQ(match_h(t, "GET", "h", "/", both), "two",
	    "two headers beat one");
	T_STREQ(match_h(t, "GET", "h", "/", user), "base",
	    "every listed header is needed");
	T_STREQ(match(t, "GET", "h", "/"), "base", "no headers: base");
	route_table_free(t);
}

static void
test_hosts(void)
{
	struct route_table	*t;
	char			 longhost[300];

	cf_reset();
	add("exact", "a.example.com", GW_PATH_PREFIX, "/");
	add("wild", "*.example.com", GW_PATH_PREFIX, "/");
	add("wild-b", "*.b.example.com", GW_PATH_PREFIX, "/");
	add("wild-com", "*.com", GW_PATH_PREFIX, "/");
	add("ipv4", "10.0.0.1", GW_PATH_PREFIX, "/");
	add("any", NULL, GW_PATH_PREFIX, "/");
	add("apex", "example.org", GW_PATH_PREFIX, "/");
	t = build("hosts");
	T_STREQ(match(t, "GET", "a.example.com", "/"), "exact",
	    "exact host beats a wildcard");
	T_STREQ(match(t, "GET", "c.example.com", "/"), "wild",
	    "wildcard beats any host");
	T_STREQ(match(t, "GET", "x.y.example.com", "/"), "wild",
	    "wildcard matches deeper names");
	T_STREQ(match(t, "GET", "x.b.example.com", "/"), "wild-b",
	    "the longer wildcard suffix wins");
	T_STREQ(match(t, "GET", "example.com", "/"), "wild-com",
	    "*.example.com does not match example.com itself");
	T_STREQ(match(t, "GET", "foo.com", "/"), "wild-com",
	    "*.com matches foo.com");
	T_STREQ(match(t, "GET", "com", "/"), "any",
	    "*.com does not match com");
	T_STREQ(match(t, "GET", ".example.com", "/"), "wild-com",
	    "*.example.com does not match .example.com");
	T_STREQ(match(t, "GET", "other.org", "/"), "any", "any host");
	T_STREQ(match(t, "GET", "www.example.org", "/"), "any",
	    "an exact host does not match its subdomains");
	T_STREQ(match(t, "GET", "aexample.com", "/"), "wild-com",
	    "a suffix matches on a label boundary only");
	T_STREQ(match(t, "GET", NULL, "/"), "any", "no Host: any host");
	T_STREQ(match(t, "GET", "", "/"), "any", "empty Host: any host");

	T_STREQ(match(t, "GET", "A.Example.COM", "/"), "exact",
	    "host is case-insensitive");
	T_STREQ(match(t, "GET", "a.example.com:8080", "/"), "exact",
	    "port ignored");
	T_STREQ(match(t, "GET", "a.example.com.", "/"), "exact",
	    "trailing dot ignored");
	T_STREQ(match(t, "GET", "A.EXAMPLE.com.:443", "/"), "exact",
	    "uppercase, trailing dot and port together");
	T_STREQ(match(t, "GET", "C.Example.Com:1", "/"), "wild",
	    "wildcard: uppercase and port");
	T_STREQ(match(t, "GET", "a.example.com..", "/"), "any",
	    "only one trailing dot is ignored");
	T_STREQ(match(t, "GET", "10.0.0.1:8080", "/"), "ipv4",
	    "IPv4 host with port");
	T_STREQ(match(t, "GET", "[::1]:8080", "/"), "any",
	    "IPv6 host with port: any host");
	T_STREQ(match(t, "GET", "[2001:db8::a.example.com]", "/"), "any",
	    "IPv6 literal: no wildcard");
	T_STREQ(match(t, "GET", "[::1", "/"), "any",
	    "malformed IPv6 literal: any host");

	memset(longhost, 'a', sizeof(longhost));
	memcpy(longhost + sizeof(longhost) - 13, ".example.com", 13);
	T_STREQ(match(t, "GET", longhost, "/"), "any",
	    "host longer than 253 bytes: any host only");
	route_table_free(t);

	/* Priority first: an any-host route can beat an exact host. */
	cf_reset();
	add("exact", "a.example.com", GW_PATH_EXACT, "/x");
	add_p("any-prio", NULL, GW_PATH_PREFIX, "/", 10);
	add("no-any", "b.example.com", GW_PATH_PREFIX, "/");
	t = build("hosts and priority");
	T_STREQ(match(t, "GET", "a.example.com", "/x"), "any-prio",
	    "priority beats an exact host and path");
	route_table_free(t);

	cf_reset();
	add("exact", "a.example.com", GW_PATH_PREFIX, "/");
	t = build("host required");
	T_STREQ(match(t, "GET", "b.example.com", "/"), "-",
	    "other host, no any-host route: -1");
	T_STREQ(match(t, "GET", NULL, "/"), "-", "no Host: -1");
	route_table_free(t);
}

/* Lengths are honoured: host, path and method are slices of a buffer. */
static void
test_slices(void)
{
	struct route_table	*t;
	struct route_req	 rq;
	const char		*line = "GETX /api/x?q=1 a.example.com:80";
	long			 i;

	cf_reset();
	add_m("api", "a.example.com", GW_PATH_PREFIX, "/api/x", "GET");
	add("rx", NULL, GW_PATH_REGEX, "/api/x");
	t = build("slices");
	memset(&rq, 0, sizeof(rq));
	rq.rq_method = line;
	rq.rq_method_len = 3;
	rq.rq_path = line + 5;
	rq.rq_path_len = 6;
	rq.rq_host = line + 16;
	rq.rq_host_len = 16;
	i = t != NULL ? route_match(t, &rq) : -2;
	T_INTEQ(i, 0, "method, path and host slices");
	rq.rq_method_len = 2;
	i = t != NULL ? route_match(t, &rq) : -2;
	T_INTEQ(i, 1, "method slice GE is not GET");
	rq.rq_method_len = 3;
	rq.rq_host_len = 0;
	i = t != NULL ? route_match(t, &rq) : -2;
	T_INTEQ(i, 1, "regex on a path slice without a NUL");
	rq.rq_path_len = 5;
	i = t != NULL ? route_match(t, &rq) : -2;
	T_INTEQ(i, -1, "regex bounded by the path length");
	route_table_free(t);

	/* No header callback: routes with header matches cannot match. */
	cf_reset();
	gw_route_add_match(add("h", NULL, GW_PATH_PREFIX, "/"), "x-a", NULL);
	t = build("no callback");
	rq.rq_path = "/";
	rq.rq_path_len = 1;
	i = t != NULL ? route_match(t, &rq) : -2;
	T_INTEQ(i, -1, "no rq_header: a header match fails");
	route_table_free(t);
}

static void
test_build_error(void)
{
	struct route_table	*t;
	char			 err[256] = "";

	/* Unvalidated: a regex that does not compile. */
	cf_reset();
	add("ok", NULL, GW_PATH_PREFIX, "/");
	add("bad", NULL, GW_PATH_REGEX, "/[a");
	t = route_table_build(&cf, err, sizeof(err));
	T_OK(t == NULL, "a bad regex fails the build");
	T_OK(strstr(err, "route \"bad\"") != NULL &&
	    strstr(err, "/[a") != NULL, "the error names route and regex: %s",
	    err);
	route_table_free(t);
	route_table_free(NULL);
}

static void
rewrite_case(const char *prefix, int type, const char *rewrite,
    const char *target, const char *want)
{
	struct gw_route	 r;
	char		 out[64];
	size_t		 n;

	gw_route_init(&r, "r", "svc");
	r.rt_path_type = type;
	free(r.rt_path);
	r.rt_path = gw_strdup(prefix);
	r.rt_rewrite = gw_strdup_null(rewrite);
	memset(out, 'X', sizeof(out));
	n = route_rewrite(&r, target, strlen(target), out, sizeof(out));
	T_STREQ(out, want, "%s %s rewrite %s: %s", gw_path_type_names[type],
	    prefix, rewrite != NULL ? rewrite : "(none)", target);
	T_INTEQ(n, strlen(want), "  returns the length");
	gw_route_free(&r);
}

static void
test_rewrite(void)
{
	struct gw_route	 r;
	char		 out[8];
	size_t		 n;

	rewrite_case("/api", GW_PATH_PREFIX, "/", "/api/x", "/x");
	rewrite_case("/api/", GW_PATH_PREFIX, "/", "/api/x", "/x");
	rewrite_case("/api", GW_PATH_PREFIX, "/v2", "/api/x", "/v2/x");
	rewrite_case("/api", GW_PATH_PREFIX, "/v2", "/api", "/v2");
	rewrite_case("/api", GW_PATH_PREFIX, "/", "/api", "/");
	rewrite_case("/api", GW_PATH_PREFIX, "/v2/", "/api/x/", "/v2/x/");
	rewrite_case("/api", GW_PATH_PREFIX, "/v2", "/api/x?a=b&c=/d",
	    "/v2/x?a=b&c=/d");
	rewrite_case("/api", GW_PATH_PREFIX, "/v2", "/api?a=b", "/v2?a=b");
	rewrite_case("/api", GW_PATH_PREFIX, "/", "/api?a=b", "/?a=b");
	rewrite_case("/api", GW_PATH_PREFIX, "/", "/api/?", "/?");
	/* Literal, as NGINX and Envoy do: the rewrite replaces the prefix. */
	rewrite_case("/api/", GW_PATH_PREFIX, "/v2", "/api/x", "/v2x");
	rewrite_case("/", GW_PATH_PREFIX, "/base/", "/x/y", "/base/x/y");
	rewrite_case("/old", GW_PATH_EXACT, "/new", "/old", "/new");
	rewrite_case("/old", GW_PATH_EXACT, "/new", "/old?x=1", "/new?x=1");
	rewrite_case("/old/", GW_PATH_EXACT, "/", "/old/?x", "/?x");
	rewrite_case("/api", GW_PATH_PREFIX, NULL, "/api/x?a=b",
	    "/api/x?a=b");
	rewrite_case("/api", GW_PATH_PREFIX, "/v2", "/other?a",
	    "/other?a");

	gw_route_init(&r, "r", "svc");
	free(r.rt_path);
	r.rt_path = gw_strdup("/api");
	r.rt_rewrite = gw_strdup("/v2");
	memset(out, 'X', sizeof(out));
	n = route_rewrite(&r, "/api/x?a=b", 10, out, 4);
	T_INTEQ(n, 9, "out too small: returns the length needed");
	T_STREQ(out, "/v2", "out too small: cut and terminated");
	T_OK(out[4] == 'X', "out too small: nothing written past outlen");
	n = route_rewrite(&r, "/api/x?a=b", 10, NULL, 0);
	T_INTEQ(n, 9, "outlen 0: only the length");
	n = route_rewrite(&r, "/api/x?a=b", 10, out, 1);
	T_OK(n == 9 && out[0] == '\0', "outlen 1: empty string");
	n = route_rewrite(&r, "/api/x?a=bcdef", 6, out, sizeof(out));
	T_STREQ(out, "/v2/x", "target_len bounds the target");
	T_INTEQ(n, 5, "target_len bounds the length");
	memset(out, 'X', sizeof(out));
	n = route_rewrite(&r, "/api/xyz", 8, out, 8);
	T_OK(n == 7 && strcmp(out, "/v2/xyz") == 0,
	    "output that just fits (7 bytes and the NUL in 8)");
	gw_route_free(&r);
}

/*
 * 10,000 routes of every kind, each on its own host or path, all with a
 * header match so the callback counts the routes the matcher examines:
 * each lookup must examine only the route it finds (a regex route of the
 * request's host is examined before its regex runs).
 */
static void
test_scale(void)
{
	const char *const	 kv[] = { "x-t", "1", NULL };
	struct route_table	*t;
	struct gw_route		*r;
	char			 name[32], host[64], path[64], req[64];
	char			 other[64];
	const char		*got;
	size_t			 i;
	int			 bad = 0, checked = 0, calls = 0, want;

	cf_reset();
	add("default", NULL, GW_PATH_PREFIX, "/");
	for (i = 0; i < SCALE_ROUTES; i++) {
		snprintf(name, sizeof(name), "r%zu", i);
		switch (i % 4) {
		case 0:
			snprintf(host, sizeof(host), "h%zu.example.com", i);
			snprintf(path, sizeof(path), "/p%zu", i);
			r = add(name, host, GW_PATH_PREFIX, path);
			break;
		case 1:
			snprintf(host, sizeof(host), "*.w%zu.example.com", i);
			snprintf(path, sizeof(path), "/e%zu", i);
			r = add(name, host, GW_PATH_EXACT, path);
			break;
		case 2:
			snprintf(path, sizeof(path), "/a%zu/", i);
			r = add(name, NULL, GW_PATH_PREFIX, path);
			break;
		default:
			snprintf(host, sizeof(host), "r%zu.example.com", i);
			snprintf(path, sizeof(path), "/r%zu/[0-9]+", i);
			r = add(name, host, GW_PATH_REGEX, path);
			/* Else the default prefix route beats it. */
			r->rt_priority = 1;
		}
		gw_route_add_match(r, "x-t", NULL);
	}
	t = build("10,000 routes");
	if (t == NULL)
		return;
	for (i = 0; i < SCALE_ROUTES; i += SCALE_STEP) {
		switch (i % 4) {
		case 0:
			snprintf(host, sizeof(host), "H%zu.example.com:80", i);
			snprintf(req, sizeof(req), "/p%zu/x", i);
			/* Route i + 4 exists, on its own host. */
			snprintf(other, sizeof(other), "/p%zu", i + 4);
			break;
		case 1:
			snprintf(host, sizeof(host), "x.y.w%zu.example.com",
			    i);
			snprintf(req, sizeof(req), "/e%zu", i);
			snprintf(other, sizeof(other), "/e%zu", i + 4);
			break;
		case 2:
			snprintf(host, sizeof(host), "h%zu.example.com", i);
			snprintf(req, sizeof(req), "/a%zu/b/c", i);
			/* The prefix ends in '/': not without it. */
			snprintf(other, sizeof(other), "/a%zu", i);
			break;
		default:
			snprintf(host, sizeof(host), "r%zu.example.com", i);
			snprintf(req, sizeof(req), "/r%zu/123", i);
			snprintf(other, sizeof(other), "/r%zu/1", i + 4);
		}
		snprintf(name, sizeof(name), "r%zu", i);
		got = match_h(t, "GET", host, req, kv);
		calls += hdr_calls;
		checked++;
		if (strcmp(got, name) != 0 || hdr_calls != 1) {
			printf("#   %s %s: got %s, %d header lookups\n", host,
			    req, got, hdr_calls);
			bad++;
		}
		/*
		 * Only the default, and no route examined but the regex
		 * route of this host.
		 */
		got = match_h(t, "GET", host, other, kv);
		calls += hdr_calls;
		want = i % 4 == 3 ? 1 : 0;
		if (strcmp(got, "default") != 0 || hdr_calls > want) {
			printf("#   %s %s: got %s, %d header lookups\n", host,
			    other, got, hdr_calls);
			bad++;
		}
	}
	T_INTEQ(bad, 0, "10,000 routes: %d hosts and paths of every kind "
	    "find their route", checked);
	T_OK(calls <= 2 * checked, "10,000 routes: %d routes examined in %d "
	    "lookups", calls, 2 * checked);
	T_STREQ(match_h(t, "GET", "h4.example.com", "/p4", kv), "r4",
	    "10,000 routes: a route on its host");
	T_STREQ(match_h(t, "GET", "h8.example.com", "/p4", kv), "default",
	    "10,000 routes: not on another host");
	T_STREQ(match_h(t, "GET", "w5.example.com", "/e5", kv), "default",
	    "10,000 routes: a wildcard not on its own suffix");
	T_STREQ(match(t, "GET", "h4.example.com", "/p4"), "default",
	    "10,000 routes: header required");
	T_STREQ(match_h(t, "GET", "r7.example.com", "/r7/x", kv), "default",
	    "10,000 routes: regex anchored");
	route_table_free(t);
}

int
main(void)
{
	test_paths();
	test_trailing_slash();
	test_precedence();
	test_constraints();
	test_methods();
	test_headers();
	test_hosts();
	test_slices();
	test_build_error();
	test_rewrite();
	test_scale();
	gw_config_free(&cf);
	return t_done();
}
