/*
 * confval: the checks and canonicalisers of single configuration values
 * (names, paths, regexes, hosts, methods, header names and values, status
 * ranges, the string settings of a service), shared by every input path:
 * gwctl's flags and YAML, the DB loader and gw_config_validate().
 *
 * A canonicaliser returns the one spelling that is stored and compared, so
 * "get" and "GET" or "500,200-399" and "200-399,500" are the same value to
 * diff and history.  Each function returns 0 (or a malloc'd canonical
 * string) on success, -1 (or NULL) with *errstr a static reason on failure;
 * the caller names the object and the value.  Nothing here knows about
 * whole objects or cross-field rules: that is config.c.  Included by
 * config.h; the limits it checks (GW_NAME_MAX, GW_PATH_MAX, ...) are there.
 */
#ifndef GW_CONFVAL_H
#define GW_CONFVAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * A decimal integer (optional sign, digits only: no blanks) within
 * min..max.  Errors: "not an integer", "out of range".
 */
int	 gw_int_parse(const char *s, long long min, long long max,
	    long long *v, const char **errstr);

/* 1..GW_NAME_MAX of [a-z0-9._-], starting with [a-z0-9]. */
int	 gw_name_check(const char *name, const char **errstr);
int	 gw_weight_parse(const char *s, int *weight, const char **errstr);
int	 gw_priority_parse(const char *s, int64_t *prio, const char **errstr);
/* Exact match against a NULL-terminated name table; *v is the index. */
int	 gw_enum_parse(const char *const *names, const char *s, int *v,
	    const char **errstr);
/* Route host: "api.example.com" or "*.example.com"; lowercased. */
char	*gw_route_host_norm(const char *s, const char **errstr);
/* An absolute path for a prefix/exact match or a rewrite. */
int	 gw_path_check(const char *s, const char **errstr);
/*
 * A POSIX extended regex that compiles anchored as ^(re)$ and cannot
 * escape the anchors.  On failure errbuf holds the reason (regerror(3)
 * text when regcomp(3) refused it).
 */
int	 gw_regex_check(const char *s, char *errbuf, size_t errlen);
/* One method (letters only, as the schema stores), uppercased copy. */
char	*gw_method_norm(const char *s, const char **errstr);
/* Methods joined: sorted, unique, "GET,POST".  n == 0 gives NULL, ok. */
char	*gw_methods_join(char *const *methods, size_t n);
int	 gw_header_name_check(const char *s, const char **errstr);
int	 gw_header_value_check(const char *s, const char **errstr);
/* "200-399", "200,204,300-399": sorted, merged, canonical. */
char	*gw_status_ranges_norm(const char *s, const char **errstr);
/* "ip", "header:NAME" (name lowercased), "cookie:NAME". */
char	*gw_hash_key_norm(const char *s, const char **errstr);
/* Subset of connect-failure,reset,timeout,5xx in that order. */
char	*gw_retry_on_norm(const char *s, const char **errstr);
/* An HTTP method for health checks (letters), uppercased. */
char	*gw_hc_method_norm(const char *s, const char **errstr);
/* An optional Host header for health checks: a valid host, lowercased. */
char	*gw_hc_host_norm(const char *s, const char **errstr);
/*
 * A DNS name for discovery: a valid host that is not an IP literal,
 * lowercased.
 */
char	*gw_dns_name_norm(const char *s, const char **errstr);
/* The body substring a check expects: 1..1024 bytes. */
char	*gw_hc_body_norm(const char *s, const char **errstr);
/* The path (and query) a check requests; rules of gw_path_check(). */
char	*gw_hc_path_norm(const char *s, const char **errstr);

#endif /* GW_CONFVAL_H */
