/*
 * addr: parsing host:port addresses as operators write them.
 *
 * Accepted: "10.0.0.1:80", "backend.example:8080", "[::1]:8080",
 * "[2001:db8::1]:443".  An IPv6 literal must be bracketed (an unbracketed
 * "::1:80" is ambiguous).  Hosts are IPv4 dotted quads, IPv6 literals
 * (inet_pton), or DNS names per RFC 1123 (labels of letters, digits and
 * hyphens, 1..63 bytes, total up to 253).  Names are lowercased.  Listen
 * addresses may use "*:PORT" or ":PORT" for any address and port 0 for an
 * ephemeral port (GW_ADDR_LISTEN).  No resolution, no I/O.
 */
#ifndef GW_ADDR_H
#define GW_ADDR_H

#include <stddef.h>

#define GW_ADDR_HOST_MAX	253
/* Longest formatted address: "[" 253 "]:" 65535 NUL, rounded up. */
#define GW_ADDR_STR_MAX		272

#define GW_ADDR_LISTEN	0x01	/* allow "*" / empty host and port 0 */

enum gw_addr_family {
	GW_ADDR_NAME,		/* a DNS name, resolved later */
	GW_ADDR_INET,		/* IPv4 literal */
	GW_ADDR_INET6,		/* IPv6 literal */
	GW_ADDR_ANY		/* "*" or empty, GW_ADDR_LISTEN only */
};

struct gw_addr {
	char			ad_host[GW_ADDR_HOST_MAX + 1]; /* no brackets */
	int			ad_port;
	enum gw_addr_family	ad_family;
};

/*
 * Parses s into *a.  Returns 0, or -1 with *errstr a static reason
 * ("missing port", "invalid port", "port out of range", "invalid host",
 * "IPv6 address must be in brackets", ...).
 */
int	 gw_addr_parse(const char *s, int flags, struct gw_addr *a,
	    const char **errstr);
/* Checks a bare host (no port, no brackets); 0 or -1 with *errstr. */
int	 gw_host_check(const char *host, enum gw_addr_family *family,
	    const char **errstr);
/* Formats host and port, bracketing IPv6: "[::1]:80".  Returns buf. */
char	*gw_addr_fmt(const char *host, int port, char *buf, size_t len);

#endif /* GW_ADDR_H */
