/*
 * addr: host:port parsing.  The accepted forms are in addr.h; this file
 * adds the details an operator meets in error messages:
 *
 * - IP literals are judged by inet_pton(3), which takes only dotted quads
 *   for IPv4 (no "1.2.3", no octal "010.0.0.1") and RFC 4291 text for
 *   IPv6 (no zone index).
 * - A host of digits and dots only is meant as IPv4; when inet_pton
 *   refuses it, it is "invalid IPv4 address", not a DNS name.
 * - DNS names follow RFC 1123, section 2.1, plus "_" inside labels, as
 *   Kubernetes and SRV names (RFC 2782) use it.  One trailing dot (a fully
 *   qualified name) is accepted and dropped.
 * - A listen address with any host keeps "*" as its host, so that it
 *   formats back to "*:PORT".
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "str.h"

#define ADDR_LABEL_MAX		63	/* RFC 1035, section 2.3.4 */
#define ADDR_PORT_MAX		65535
/* Longer than any IPv6 text form, so a longer one is invalid anyway. */
#define ADDR_INET6_STR_MAX	64

static int
addr_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Checks a DNS name of len bytes (trailing dot already removed). */
static int
addr_name_check(const char *name, size_t len, const char **errstr)
{
	size_t i, start;

	if (len > GW_ADDR_HOST_MAX) {
		*errstr = "host name longer than 253 bytes";
		return -1;
	}
	for (start = 0; start <= len; start = i + 1) {
		for (i = start; i < len && name[i] != '.'; i++) {
			if (!addr_is_alnum(name[i]) && name[i] != '-' &&
			    name[i] != '_') {
				*errstr = "invalid character in host name";
				return -1;
			}
		}
		if (i == start) {
			*errstr = "empty label in host name";
			return -1;
		}
		if (i - start > ADDR_LABEL_MAX) {
			*errstr = "label longer than 63 bytes in host name";
			return -1;
		}
		if (name[start] == '-' || name[i - 1] == '-') {
			*errstr = "label starts or ends with a hyphen";
			return -1;
		}
	}
	return 0;
}

/*
 * Checks host (len bytes, not NUL-terminated) and reports its family.
 * *namelen gets the length to keep: len, or one less when a DNS name
 * ends in a dot.
 */
static int
addr_host_check(const char *host, size_t len, enum gw_addr_family *family,
    size_t *namelen, const char **errstr)
{
	char		 tmp[GW_ADDR_HOST_MAX + 2];
	unsigned char	 in6[sizeof(struct in6_addr)];
	size_t		 i;
	int		 numeric = 1, digits = 0;

	if (len == 0) {
		*errstr = "missing host";
		return -1;
	}
	if (len >= sizeof(tmp)) {
		*errstr = "host name longer than 253 bytes";
		return -1;
	}
	memcpy(tmp, host, len);
	tmp[len] = '\0';
	*namelen = len;
	if (memchr(tmp, ':', len) != NULL) {
		if (inet_pton(AF_INET6, tmp, in6) != 1) {
			*errstr = "invalid IPv6 address";
			return -1;
		}
		*family = GW_ADDR_INET6;
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (tmp[i] >= '0' && tmp[i] <= '9')
			digits = 1;
		else if (tmp[i] != '.')
			numeric = 0;
	}
	if (numeric && digits) {
		if (inet_pton(AF_INET, tmp, in6) != 1) {
			*errstr = "invalid IPv4 address";
			return -1;
		}
		*family = GW_ADDR_INET;
		return 0;
	}
	if (len > 1 && tmp[len - 1] == '.')
		len--;
	if (addr_name_check(tmp, len, errstr) == -1)
		return -1;
	*namelen = len;
	*family = GW_ADDR_NAME;
	return 0;
}

int
gw_host_check(const char *host, enum gw_addr_family *family,
    const char **errstr)
{
	enum gw_addr_family	fam;
	size_t			namelen;

	if (host == NULL) {
		*errstr = "missing host";
		return -1;
	}
	if (addr_host_check(host, strlen(host), &fam, &namelen,
	    errstr) == -1)
		return -1;
	if (family != NULL)
		*family = fam;
	return 0;
}

static int
addr_port(const char *s, int flags, int *port, const char **errstr)
{
	const char	*p;
	long		 v = 0;

	if (*s == '\0') {
		*errstr = "missing port";
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			*errstr = "invalid port";
			return -1;
		}
		if (v <= ADDR_PORT_MAX)
			v = v * 10 + (*p - '0');
	}
	if (v > ADDR_PORT_MAX || (v == 0 && !(flags & GW_ADDR_LISTEN))) {
		*errstr = "port out of range";
		return -1;
	}
	*port = (int)v;
	return 0;
}

int
gw_addr_parse(const char *s, int flags, struct gw_addr *a,
    const char **errstr)
{
	const char		*host, *colon, *end;
	size_t			 hostlen, namelen;
	enum gw_addr_family	 fam;

	if (s == NULL || *s == '\0') {
		*errstr = "empty address";
		return -1;
	}
	if (*s == '[') {
		host = s + 1;
		if ((end = strchr(host, ']')) == NULL) {
			*errstr = "missing ]";
			return -1;
		}
		hostlen = (size_t)(end - host);
		if (end[1] == '\0') {
			*errstr = "missing port";
			return -1;
		}
		if (end[1] != ':') {
			*errstr = "expected : after ]";
			return -1;
		}
		colon = end + 1;
		if (hostlen == 0 || memchr(host, ':', hostlen) == NULL) {
			*errstr = "invalid IPv6 address";
			return -1;
		}
	} else {
		host = s;
		if ((colon = strrchr(s, ':')) == NULL) {
			*errstr = "missing port";
			return -1;
		}
		hostlen = (size_t)(colon - host);
		if (memchr(host, ':', hostlen) != NULL) {
			*errstr = "IPv6 address must be in brackets";
			return -1;
		}
	}
	if (*s != '[' && (hostlen == 0 ||
	    (hostlen == 1 && host[0] == '*'))) {
		if (!(flags & GW_ADDR_LISTEN)) {
			*errstr = hostlen == 0 ? "missing host" :
			    "\"*\" is only for listen addresses";
			return -1;
		}
		fam = GW_ADDR_ANY;
		host = "*";
		namelen = 1;
	} else if (addr_host_check(host, hostlen, &fam, &namelen,
	    errstr) == -1)
		return -1;
	if (addr_port(colon + 1, flags, &a->ad_port, errstr) == -1)
		return -1;
	memcpy(a->ad_host, host, namelen);
	a->ad_host[namelen] = '\0';
	gw_str_lower(a->ad_host);
	a->ad_family = fam;
	return 0;
}

char *
gw_addr_fmt(const char *host, int port, char *buf, size_t len)
{
	if (host != NULL && strchr(host, ':') != NULL)
		snprintf(buf, len, "[%s]:%d", host, port);
	else
		snprintf(buf, len, "%s:%d", host != NULL ? host : "", port);
	return buf;
}
