/*
 * route: matching a request to a route of the config, in time that does
 * not grow with the number of routes.
 *
 * route_table_build() compiles the routes of a validated config once per
 * snapshot: regexes are compiled, hosts go into a hash table (exact) and a
 * table of suffixes (*.example.com), paths into hash tables of exact paths
 * and of prefixes, so route_match() costs a few lookups per path segment
 * plus the regex routes of the request's host.
 *
 * Matching (documented in gwproxy(8)):
 *   host     exact (case-insensitive, port ignored, trailing dot ignored)
 *            or *.suffix (matches any name ending in .suffix, not the
 *            suffix itself), or any host;
 *   path     exact: equal; prefix: on segment boundaries, so /api matches
 *            /api, /api/ and /api/x but not /apiary, and a prefix ending in
 *            / matches what starts with it; regex: POSIX ERE matching the
 *            whole path; the path is the request-target up to '?', as sent;
 *   methods  one of the listed ones, if any are listed;
 *   headers  each listed header present (and equal to the value, if one is
 *            given; exact, case-sensitive value).
 * Precedence among the routes that match: higher priority; then an exact
 * path; then the longer prefix; then a regex; then more constraints (an
 * exact host over a wildcard over none, then a longer wildcard suffix, then
 * more methods-and-headers constraints); then the name, so the choice is
 * always the same.
 *
 * The table is immutable after building and may be shared by all worker
 * threads of a snapshot.
 */
#ifndef GWPROXY_ROUTE_H
#define GWPROXY_ROUTE_H

#include <stddef.h>

#include "config.h"

/* What the matcher looks at in a request. */
struct route_req {
	const char	*rq_method;	/* "GET" */
	size_t		 rq_method_len;
	const char	*rq_host;	/* Host as sent (may have a port) */
	size_t		 rq_host_len;
	const char	*rq_path;	/* the target up to '?' */
	size_t		 rq_path_len;
	/*
	 * The value of header name (lowercase) in the request, or NULL;
	 * sets *len.  Called only for routes with header matches.
	 */
	const char	*(*rq_header)(void *arg, const char *name,
			    size_t *len);
	void		*rq_arg;
};

struct route_table;

/*
 * Compiles the routes of cf (which must stay alive and unchanged while
 * the table is used).  Returns NULL with errbuf set when a regex does not
 * compile (validation should have caught it) or memory runs out.
 */
struct route_table	*route_table_build(const struct gw_config *cf,
			    char *errbuf, size_t errlen);
void			 route_table_free(struct route_table *rt);

/* The index in cf->cf_routes of the route for rq, or -1 for none. */
long			 route_match(const struct route_table *rt,
			    const struct route_req *rq);

/*
 * The path to send upstream for a request matched by route r: r's rewrite
 * applied to path (a prefix route replaces the matched prefix, an exact
 * route the whole path; one slash where the prefix and the rest would meet
 * as two), followed by the query part of target unchanged.  Writes at most
 * outlen bytes to out and returns the length it needs (like snprintf,
 * without the NUL), or the target unchanged when r has no rewrite.
 */
size_t			 route_rewrite(const struct gw_route *r,
			    const char *target, size_t target_len, char *out,
			    size_t outlen);

#endif /* GWPROXY_ROUTE_H */
