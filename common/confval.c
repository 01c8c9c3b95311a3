/*
 * confval: checks and canonicalisers of single configuration values.  The
 * contracts are in confval.h; the limits agree with the CHECK constraints
 * of schema v1 (schema.c), so a value that passes here also passes there.
 *
 * Character classes are spelled out in ASCII rather than taken from
 * <ctype.h>: the answer must not depend on the locale of whoever runs
 * gwctl.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "str.h"

#define CV_STR_(x)	#x
#define CV_STR(x)	CV_STR_(x)

/* Longest method; hc_method's limit in the schema, and ample for HTTP. */
#define CV_METHOD_MAX		32
/* Bytes of a health check's expected body (schema: hc_expect_body). */
#define CV_BODY_MAX		1024
/* HTTP status codes (RFC 9110, section 15: three digits, 1xx..5xx). */
#define CV_STATUS_MIN		100
#define CV_STATUS_MAX		599
/* Longest item of a status list worth reading: "100-599" and blanks. */
#define CV_STATUS_ITEM_MAX	15

static int
cv_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static int
cv_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int
cv_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* RFC 9110, section 5.6.2: tchar. */
static int
cv_tchar(int c)
{
	if (cv_lower(c) || cv_upper(c) || cv_digit(c))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Controls and DEL; a byte at or above 0x80 is not one. */
static int
cv_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * The next item of a comma list at *sp, blanks around it trimmed: returns
 * its start and sets *lenp, moving *sp past the comma (NULL after the last
 * item).  An empty string is one empty item, so "" and "a,,b" both show
 * the caller an empty item to reject.
 */
static const char *
cv_next_item(const char **sp, size_t *lenp)
{
	const char	*s = *sp, *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if ((end = strchr(s, ',')) != NULL)
		*sp = end + 1;
	else {
		end = s + strlen(s);
		*sp = NULL;
	}
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*lenp = (size_t)(end - s);
	return s;
}

int
gw_int_parse(const char *s, long long min, long long max, long long *v,
    const char **errstr)
{
	const char	*p = s, *e;
	long long	 n;

	/*
	 * strtonum(3) alone would take leading blanks and answer "too
	 * large" for a range error; checking the syntax first leaves it only
	 * range errors to find.
	 */
	if (s == NULL) {
		*errstr = "not an integer";
		return -1;
	}
	if (*p == '-' || *p == '+')
		p++;
	if (*p == '\0') {
		*errstr = "not an integer";
		return -1;
	}
	for (; *p != '\0'; p++) {
		if (!cv_digit(*p)) {
			*errstr = "not an integer";
			return -1;
		}
	}
	n = gw_strtonum(s, min, max, &e);
	if (e != NULL) {
		/* Per thread, so the daemons' workers may parse at once. */
		static _Thread_local char range[64];

		snprintf(range, sizeof(range), "out of range %lld..%lld",
		    min, max);
		*errstr = range;
		return -1;
	}
	*v = n;
	return 0;
}

int
gw_name_check(const char *name, const char **errstr)
{
	const char *p;

	if (name == NULL || *name == '\0') {
		*errstr = "empty";
		return -1;
	}
	if (strlen(name) > GW_NAME_MAX) {
		*errstr = "longer than " CV_STR(GW_NAME_MAX) " characters";
		return -1;
	}
	if (!cv_lower(*name) && !cv_digit(*name)) {
		*errstr = "must start with a lowercase letter or a digit";
		return -1;
	}
	for (p = name; *p != '\0'; p++) {
		if (!cv_lower(*p) && !cv_digit(*p) && *p != '.' &&
		    *p != '_' && *p != '-') {
			*errstr = "may contain only a-z, 0-9, '.', '_' and '-'";
			return -1;
		}
	}
	return 0;
}

int
gw_weight_parse(const char *s, int *weight, const char **errstr)
{
	long long v;

	if (gw_int_parse(s, GW_WEIGHT_MIN, GW_WEIGHT_MAX, &v, errstr) == -1)
		return -1;
	*weight = (int)v;
	return 0;
}

int
gw_priority_parse(const char *s, int64_t *prio, const char **errstr)
{
	long long v;

	if (gw_int_parse(s, GW_PRIORITY_MIN, GW_PRIORITY_MAX, &v,
	    errstr) == -1)
		return -1;
	*prio = v;
	return 0;
}

int
gw_enum_parse(const char *const *names, const char *s, int *v,
    const char **errstr)
{
	int i;

	for (i = 0; s != NULL && names[i] != NULL; i++) {
		if (strcmp(names[i], s) == 0) {
			*v = i;
			return 0;
		}
	}
	*errstr = "not one of the allowed values";
	return -1;
}

char *
gw_route_host_norm(const char *s, const char **errstr)
{
	enum gw_addr_family	 fam;
	char			*c, *host;
	size_t			 len;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return NULL;
	}
	/* A Host header names a port apart; the schema has no ':' here. */
	if (strchr(s, ':') != NULL) {
		*errstr = "must be a name or IPv4 address without a port";
		return NULL;
	}
	c = gw_str_lower(gw_strdup(s));
	host = c;
	if (c[0] == '*') {
		if (c[1] != '.' || c[2] == '\0') {
			*errstr = "a wildcard must be \"*.\" and a domain";
			goto fail;
		}
		host = c + 2;
	}
	if (strchr(host, '*') != NULL) {
		*errstr = "a wildcard may only be a leading \"*.\"";
		goto fail;
	}
	/* "example.com." is example.com; keep one spelling of it. */
	len = strlen(host);
	if (len > 1 && host[len - 1] == '.' && host[len - 2] != '.')
		host[len - 1] = '\0';
	if (strlen(c) > GW_ADDR_HOST_MAX) {
		*errstr = "longer than 253 characters";
		goto fail;
	}
	if (gw_host_check(host, &fam, errstr) == -1)
		goto fail;
	if (host != c && fam != GW_ADDR_NAME) {
		*errstr = "a wildcard needs a domain name after \"*.\"";
		goto fail;
	}
	return c;
fail:
	free(c);
	return NULL;
}

int
gw_path_check(const char *s, const char **errstr)
{
	const unsigned char *p;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return -1;
	}
	if (*s != '/') {
		*errstr = "must start with /";
		return -1;
	}
	if (strlen(s) > GW_PATH_MAX) {
		*errstr = "longer than " CV_STR(GW_PATH_MAX) " bytes";
		return -1;
	}
	/* A request target has neither (RFC 9112, section 3.2). */
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == ' ' || cv_ctl(*p)) {
			*errstr = "contains a space or a control character";
			return -1;
		}
	}
	return 0;
}

/*
 * The ']' that closes the bracket expression opening at s (POSIX.1-2017,
 * 9.3.5), or the terminating NUL when there is none.  A ']' right after
 * "[" or "[^" is literal, and so is one inside "[:", "[." or "[=" ... "]".
 */
static const char *
cv_bracket_end(const char *s)
{
	const char	*e;
	char		 term[3];

	s++;
	if (*s == '^')
		s++;
	if (*s == ']')
		s++;
	for (; *s != '\0' && *s != ']'; s++) {
		if (*s == '[' && (s[1] == ':' || s[1] == '.' || s[1] == '=')) {
			term[0] = s[1];
			term[1] = ']';
			term[2] = '\0';
			if ((e = strstr(s + 2, term)) == NULL)
				return s + strlen(s);
			s = e + 1;
		}
	}
	return s;
}

/*
 * Whether every ')' outside brackets and escapes closes a '('.  POSIX
 * leaves an unmatched ')' undefined and glibc takes it literally, so
 * "a)|b" would compile as ^(a)|b)$ and match every path that starts with
 * "a": the anchors would be gone.
 */
static int
cv_regex_parens_ok(const char *s)
{
	int depth = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\\') {
			if (*++s == '\0')
				break;
		} else if (*s == '[') {
			if (*(s = cv_bracket_end(s)) == '\0')
				break;
		} else if (*s == '(')
			depth++;
		else if (*s == ')' && --depth < 0)
			return 0;
	}
	return 1;
}

int
gw_regex_check(const char *s, char *errbuf, size_t errlen)
{
	const unsigned char	*p;
	regex_t			 re;
	char			*anchored;
	int			 rc;

	if (s == NULL || *s == '\0') {
		snprintf(errbuf, errlen, "empty");
		return -1;
	}
	if (strlen(s) > GW_PATH_MAX) {
		snprintf(errbuf, errlen, "longer than %d bytes", GW_PATH_MAX);
		return -1;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (cv_ctl(*p)) {
			snprintf(errbuf, errlen,
			    "contains a control character");
			return -1;
		}
	}
	if (!cv_regex_parens_ok(s)) {
		snprintf(errbuf, errlen, "unmatched ) (write \\) for a "
		    "literal one)");
		return -1;
	}
	/* Compiled as the route matcher does, so its errors show here. */
	anchored = gw_asprintf("^(%s)$", s);
	rc = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc != 0) {
		if (errlen > 0)
			regerror(rc, &re, errbuf, errlen);
		return -1;
	}
	regfree(&re);
	return 0;
}

/*
 * 1..CV_METHOD_MAX letters, uppercased.  Methods are case-sensitive
 * tokens (RFC 9110, section 9.1), but every registered one is uppercase
 * letters and the schema stores only those, so lowercase input is taken
 * as a slip and anything else is refused.
 */
static char *
cv_method(const char *s, const char **errstr)
{
	const char	*p;
	char		*c, *q;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return NULL;
	}
	if (strlen(s) > CV_METHOD_MAX) {
		*errstr = "longer than " CV_STR(CV_METHOD_MAX) " characters";
		return NULL;
	}
	for (p = s; *p != '\0'; p++) {
		if (!cv_lower(*p) && !cv_upper(*p)) {
			*errstr = "a method is letters only";
			return NULL;
		}
	}
	c = gw_strdup(s);
	for (q = c; *q != '\0'; q++)
		if (cv_lower(*q))
			*q = (char)(*q - 'a' + 'A');
	return c;
}

char *
gw_method_norm(const char *s, const char **errstr)
{
	return cv_method(s, errstr);
}

char *
gw_hc_method_norm(const char *s, const char **errstr)
{
	return cv_method(s, errstr);
}

static int
cv_strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *
gw_methods_join(char *const *methods, size_t n)
{
	struct gw_buf	  b = { NULL, 0, 0 };
	const char	**v;
	size_t		  i;

	if (n == 0)
		return NULL;
	v = gw_reallocarray(NULL, n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = methods[i];
	qsort(v, n, sizeof(*v), cv_strp_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
			continue;
		if (b.b_len > 0)
			gw_buf_puts(&b, ",");
		gw_buf_puts(&b, v[i]);
	}
	free(v);
	return gw_buf_take(&b);
}

int
gw_header_name_check(const char *s, const char **errstr)
{
	const char *p;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return -1;
	}
	if (strlen(s) > GW_HEADER_NAME_MAX) {
		*errstr = "longer than " CV_STR(GW_HEADER_NAME_MAX) " bytes";
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (!cv_tchar(*p)) {
			*errstr = "not an HTTP token";
			return -1;
		}
	}
	return 0;
}

int
gw_header_value_check(const char *s, const char **errstr)
{
	const unsigned char *p;

	if (s == NULL) {
		*errstr = "missing";
		return -1;
	}
	if (strlen(s) > GW_HEADER_VALUE_MAX) {
		*errstr = "longer than " CV_STR(GW_HEADER_VALUE_MAX) " bytes";
		return -1;
	}
	/* RFC 9110, section 5.5: HTAB is the one control allowed. */
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (cv_ctl(*p) && *p != '\t') {
			*errstr = "contains a control character";
			return -1;
		}
	}
	return 0;
}

/* One "NNN" or "NNN-NNN" of len bytes into lo..hi; 0 or -1. */
static int
cv_status_item(const char *s, size_t len, int *lo, int *hi,
    const char **errstr)
{
	char		 item[CV_STATUS_ITEM_MAX + 1];
	char		*dash;
	long long	 a, b;

	if (len == 0) {
		*errstr = "empty item in the list";
		return -1;
	}
	if (len > CV_STATUS_ITEM_MAX) {
		*errstr = "not a status code or a range such as 200-399";
		return -1;
	}
	memcpy(item, s, len);
	item[len] = '\0';
	if ((dash = strchr(item, '-')) != NULL)
		*dash++ = '\0';
	/* Digits only: a sign would make "-5" or "200--1" look fine. */
	if (item[0] == '+' || (dash != NULL && *dash == '+') ||
	    gw_int_parse(item, 0, 999, &a, errstr) == -1 ||
	    gw_int_parse(dash != NULL ? dash : item, 0, 999, &b,
	    errstr) == -1) {
		*errstr = "not a status code or a range such as 200-399";
		return -1;
	}
	if (a < CV_STATUS_MIN || b > CV_STATUS_MAX || b < CV_STATUS_MIN ||
	    a > CV_STATUS_MAX) {
		*errstr = "status codes are " CV_STR(CV_STATUS_MIN) " to "
		    CV_STR(CV_STATUS_MAX);
		return -1;
	}
	if (a > b) {
		*errstr = "a range ends before it starts";
		return -1;
	}
	*lo = (int)a;
	*hi = (int)b;
	return 0;
}

char *
gw_status_ranges_norm(const char *s, const char **errstr)
{
	unsigned char	 set[CV_STATUS_MAX + 2];
	struct gw_buf	 b = { NULL, 0, 0 };
	const char	*item;
	size_t		 len;
	int		 lo, hi, i;

	if (s == NULL) {
		*errstr = "empty";
		return NULL;
	}
	/* Mark every status, then print the runs: sorts and merges. */
	memset(set, 0, sizeof(set));
	while (s != NULL) {
		item = cv_next_item(&s, &len);
		if (cv_status_item(item, len, &lo, &hi, errstr) == -1)
			return NULL;
		for (i = lo; i <= hi; i++)
			set[i] = 1;
	}
	for (i = CV_STATUS_MIN; i <= CV_STATUS_MAX; i++) {
		if (!set[i])
			continue;
		for (lo = i; set[i + 1]; i++)
			;
		if (b.b_len > 0)
			gw_buf_puts(&b, ",");
		if (lo == i)
			gw_buf_printf(&b, "%d", lo);
		else
			gw_buf_printf(&b, "%d-%d", lo, i);
	}
	return gw_buf_take(&b);
}

char *
gw_hash_key_norm(const char *s, const char **errstr)
{
	char *c;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return NULL;
	}
	if (strcmp(s, "ip") == 0)
		return gw_strdup(s);
	if (gw_str_has_prefix(s, "header:")) {
		if (gw_header_name_check(s + 7, errstr) == -1)
			return NULL;
		/* Header names are case-insensitive (RFC 9110, 5.1). */
		c = gw_strdup(s);
		gw_str_lower(c + 7);
		return c;
	}
	if (gw_str_has_prefix(s, "cookie:")) {
		/* Cookie names are tokens too and case-sensitive (RFC 6265). */
		if (gw_header_name_check(s + 7, errstr) == -1)
			return NULL;
		return gw_strdup(s);
	}
	*errstr = "must be ip, header:NAME or cookie:NAME";
	return NULL;
}

/* In canonical order. */
static const char *const cv_retry_names[] = {
	"connect-failure", "reset", "timeout", "5xx", NULL
};

char *
gw_retry_on_norm(const char *s, const char **errstr)
{
	struct gw_buf	 b = { NULL, 0, 0 };
	const char	*item;
	size_t		 len;
	unsigned int	 seen = 0;
	int		 i;

	if (s == NULL) {
		*errstr = "empty";
		return NULL;
	}
	while (s != NULL) {
		item = cv_next_item(&s, &len);
		if (len == 0) {
			*errstr = "empty item in the list";
			return NULL;
		}
		for (i = 0; cv_retry_names[i] != NULL; i++)
			if (strlen(cv_retry_names[i]) == len &&
			    strncmp(cv_retry_names[i], item, len) == 0)
				break;
		if (cv_retry_names[i] == NULL) {
			*errstr = "not one of connect-failure, reset, timeout "
			    "and 5xx";
			return NULL;
		}
		seen |= 1U << i;
	}
	for (i = 0; cv_retry_names[i] != NULL; i++) {
		if (!(seen & 1U << i))
			continue;
		if (b.b_len > 0)
			gw_buf_puts(&b, ",");
		gw_buf_puts(&b, cv_retry_names[i]);
	}
	return gw_buf_take(&b);
}

char *
gw_hc_host_norm(const char *s, const char **errstr)
{
	char *c;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return NULL;
	}
	c = gw_str_lower(gw_strdup(s));
	if (gw_host_check(c, NULL, errstr) == -1) {
		free(c);
		return NULL;
	}
	return c;
}

char *
gw_dns_name_norm(const char *s, const char **errstr)
{
	enum gw_addr_family	 fam;
	char			*c;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return NULL;
	}
	c = gw_str_lower(gw_strdup(s));
	if (gw_host_check(c, &fam, errstr) == -1) {
		free(c);
		return NULL;
	}
	/* An address has nothing to discover: it is a static backend. */
	if (fam != GW_ADDR_NAME) {
		*errstr = "an IP address, not a DNS name";
		free(c);
		return NULL;
	}
	return c;
}

char *
gw_hc_body_norm(const char *s, const char **errstr)
{
	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return NULL;
	}
	if (strlen(s) > CV_BODY_MAX) {
		*errstr = "longer than " CV_STR(CV_BODY_MAX) " bytes";
		return NULL;
	}
	return gw_strdup(s);
}

char *
gw_hc_path_norm(const char *s, const char **errstr)
{
	if (gw_path_check(s, errstr) == -1)
		return NULL;
	return gw_strdup(s);
}
