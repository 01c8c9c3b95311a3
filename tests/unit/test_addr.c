/*
 * test_addr: host:port parsing with every accepted form and every refusal
 * with its reason, listen forms with and without GW_ADDR_LISTEN, bare
 * host checks, and the gw_addr_fmt round trip.
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "t.h"

static void
addr_ok(const char *s, int flags, const char *host, int port,
    enum gw_addr_family fam)
{
	struct gw_addr	 a;
	const char	*errstr = NULL;
	int		 rc;

	memset(&a, 0, sizeof(a));
	rc = gw_addr_parse(s, flags, &a, &errstr);
	T_OK(rc == 0, "addr \"%s\" is accepted", s);
	if (rc != 0) {
		printf("#   error: %s\n", errstr);
		return;
	}
	T_STREQ(a.ad_host, host, "addr \"%s\": host", s);
	T_INTEQ(a.ad_port, port, "addr \"%s\": port", s);
	T_INTEQ(a.ad_family, fam, "addr \"%s\": family", s);
}

static void
addr_bad(const char *s, int flags, const char *want)
{
	struct gw_addr	 a;
	const char	*errstr = NULL;

	T_OK(gw_addr_parse(s, flags, &a, &errstr) == -1,
	    "addr \"%.40s\"%s is refused", s,
	    flags & GW_ADDR_LISTEN ? " (listen)" : "");
	T_STREQ(errstr, want, "addr \"%.40s\": reason", s);
}

static void
test_parse(void)
{
	char	 label64[80], name254[300], s[400];
	int	 i;

	addr_ok("10.0.0.1:80", 0, "10.0.0.1", 80, GW_ADDR_INET);
	addr_ok("255.255.255.255:65535", 0, "255.255.255.255", 65535,
	    GW_ADDR_INET);
	addr_ok("[::1]:8080", 0, "::1", 8080, GW_ADDR_INET6);
	addr_ok("[2001:db8::1]:443", 0, "2001:db8::1", 443, GW_ADDR_INET6);
	addr_ok("[2001:DB8::A]:443", 0, "2001:db8::a", 443, GW_ADDR_INET6);
	addr_ok("[::ffff:10.0.0.1]:1", 0, "::ffff:10.0.0.1", 1,
	    GW_ADDR_INET6);
	addr_ok("Backend.Example:8080", 0, "backend.example", 8080,
	    GW_ADDR_NAME);
	addr_ok("localhost:1", 0, "localhost", 1, GW_ADDR_NAME);
	addr_ok("web-1.ns.svc.cluster.local.:80", 0,
	    "web-1.ns.svc.cluster.local", 80, GW_ADDR_NAME);
	addr_ok("_http._tcp.example:80", 0, "_http._tcp.example", 80,
	    GW_ADDR_NAME);
	addr_ok("1a.example:80", 0, "1a.example", 80, GW_ADDR_NAME);
	addr_ok("10.0.0.1:080", 0, "10.0.0.1", 80, GW_ADDR_INET);

	addr_bad(NULL, 0, "empty address");
	addr_bad("", 0, "empty address");
	addr_bad("10.0.0.1", 0, "missing port");
	addr_bad("10.0.0.1:", 0, "missing port");
	addr_bad("backend.example", 0, "missing port");
	addr_bad("10.0.0.1:0", 0, "port out of range");
	addr_bad("10.0.0.1:70000", 0, "port out of range");
	addr_bad("10.0.0.1:65536", 0, "port out of range");
	addr_bad("10.0.0.1:99999999999999999999", 0, "port out of range");
	addr_bad("10.0.0.1:http", 0, "invalid port");
	addr_bad("10.0.0.1:-1", 0, "invalid port");
	addr_bad("10.0.0.1:+80", 0, "invalid port");
	addr_bad("10.0.0.1: 80", 0, "invalid port");
	addr_bad("10.0.0.1:80 ", 0, "invalid port");
	addr_bad("::1:80", 0, "IPv6 address must be in brackets");
	addr_bad("2001:db8::1:443", 0, "IPv6 address must be in brackets");
	addr_bad("[::1]", 0, "missing port");
	addr_bad("[::1]:", 0, "missing port");
	addr_bad("[::1]80", 0, "expected : after ]");
	addr_bad("[::1:80", 0, "missing ]");
	addr_bad("[zz::1]:80", 0, "invalid IPv6 address");
	addr_bad("[]:80", 0, "invalid IPv6 address");
	addr_bad("[10.0.0.1]:80", 0, "invalid IPv6 address");
	addr_bad("[backend]:80", 0, "invalid IPv6 address");
	addr_bad("[fe80::1%eth0]:80", 0, "invalid IPv6 address");
	addr_bad("a[b]:80", 0, "invalid character in host name");
	addr_bad(":80", 0, "missing host");
	addr_bad("*:80", 0, "\"*\" is only for listen addresses");
	addr_bad("a..b:80", 0, "empty label in host name");
	addr_bad(".a:80", 0, "empty label in host name");
	addr_bad(".:80", 0, "empty label in host name");
	addr_bad("a.b..:80", 0, "empty label in host name");
	addr_bad("-a.example:80", 0, "label starts or ends with a hyphen");
	addr_bad("a-.example:80", 0, "label starts or ends with a hyphen");
	addr_bad("a b:80", 0, "invalid character in host name");
	addr_bad("a/b:80", 0, "invalid character in host name");
	addr_bad("caf\xc3\xa9.example:80", 0,
	    "invalid character in host name");
	addr_bad("1.2.3:80", 0, "invalid IPv4 address");
	addr_bad("1.2.3.4.5:80", 0, "invalid IPv4 address");
	addr_bad("256.0.0.1:80", 0, "invalid IPv4 address");
	addr_bad("010.0.0.1:80", 0, "invalid IPv4 address");
	addr_bad("10.0.0.1.:80", 0, "invalid IPv4 address");
	addr_bad("1234:80", 0, "invalid IPv4 address");

	/* A 63-byte label is fine, a 64-byte one is not. */
	memset(label64, 'a', 64);
	label64[64] = '\0';
	snprintf(s, sizeof(s), "%s.example:80", label64);
	addr_bad(s, 0, "label longer than 63 bytes in host name");
	label64[63] = '\0';
	snprintf(s, sizeof(s), "%s.example:80", label64);
	snprintf(name254, sizeof(name254), "%s.example", label64);
	addr_ok(s, 0, name254, 80, GW_ADDR_NAME);

	/* 253 bytes (four 63-byte labels, shortened) pass; 254 do not. */
	for (i = 0; i < 253; i++)
		name254[i] = (i % 64 == 63) ? '.' : 'b';
	name254[253] = '\0';
	snprintf(s, sizeof(s), "%s:80", name254);
	addr_ok(s, 0, name254, 80, GW_ADDR_NAME);
	snprintf(s, sizeof(s), "%s.:80", name254);
	addr_ok(s, 0, name254, 80, GW_ADDR_NAME);
	name254[253] = 'b';
	name254[254] = '\0';
	snprintf(s, sizeof(s), "%s:80", name254);
	addr_bad(s, 0, "host name longer than 253 bytes");
	snprintf(s, sizeof(s), "%s.x:80", name254);
	addr_bad(s, 0, "host name longer than 253 bytes");
}

static void
test_listen(void)
{
	addr_ok("*:80", GW_ADDR_LISTEN, "*", 80, GW_ADDR_ANY);
	addr_ok(":80", GW_ADDR_LISTEN, "*", 80, GW_ADDR_ANY);
	addr_ok(":0", GW_ADDR_LISTEN, "*", 0, GW_ADDR_ANY);
	addr_ok("*:0", GW_ADDR_LISTEN, "*", 0, GW_ADDR_ANY);
	addr_ok("127.0.0.1:0", GW_ADDR_LISTEN, "127.0.0.1", 0, GW_ADDR_INET);
	addr_ok("[::]:8080", GW_ADDR_LISTEN, "::", 8080, GW_ADDR_INET6);
	addr_ok("Localhost:8080", GW_ADDR_LISTEN, "localhost", 8080,
	    GW_ADDR_NAME);

	addr_bad(":0", 0, "missing host");
	addr_bad("*:0", 0, "\"*\" is only for listen addresses");
	addr_bad("127.0.0.1:0", 0, "port out of range");
	addr_bad("*", GW_ADDR_LISTEN, "missing port");
	addr_bad("*:", GW_ADDR_LISTEN, "missing port");
	addr_bad(":", GW_ADDR_LISTEN, "missing port");
	addr_bad("**:80", GW_ADDR_LISTEN, "invalid character in host name");
	addr_bad("[*]:80", GW_ADDR_LISTEN, "invalid IPv6 address");
	addr_bad("[]:80", GW_ADDR_LISTEN, "invalid IPv6 address");
	addr_bad("*:65536", GW_ADDR_LISTEN, "port out of range");
}

static void
host_ok(const char *h, enum gw_addr_family want)
{
	enum gw_addr_family	 fam = (enum gw_addr_family)-1;
	const char		*errstr = NULL;
	int			 rc;

	rc = gw_host_check(h, &fam, &errstr);
	T_OK(rc == 0 && fam == want, "host \"%s\" is accepted", h);
	if (rc != 0)
		printf("#   error: %s\n", errstr);
}

static void
host_bad(const char *h, const char *want)
{
	const char *errstr = NULL;

	T_OK(gw_host_check(h, NULL, &errstr) == -1, "host \"%s\" is refused",
	    h ? h : "(null)");
	T_STREQ(errstr, want, "host \"%s\": reason", h ? h : "(null)");
}

static void
test_host(void)
{
	host_ok("10.0.0.1", GW_ADDR_INET);
	host_ok("::1", GW_ADDR_INET6);
	host_ok("2001:db8::1", GW_ADDR_INET6);
	host_ok("Backend.Example", GW_ADDR_NAME);
	host_ok("backend.example.", GW_ADDR_NAME);
	host_ok("my_svc.ns", GW_ADDR_NAME);
	T_OK(gw_host_check("x", NULL, NULL) == 0, "host: family may be NULL");

	host_bad(NULL, "missing host");
	host_bad("", "missing host");
	host_bad("[::1]", "invalid IPv6 address");
	host_bad("zz::1", "invalid IPv6 address");
	host_bad("10.0.0.1:80", "invalid IPv6 address");
	host_bad("1.2.3", "invalid IPv4 address");
	host_bad("a..b", "empty label in host name");
	host_bad("*", "invalid character in host name");
	host_bad("-x", "label starts or ends with a hyphen");
}

static void
rt(const char *host, int port, const char *want)
{
	struct gw_addr	 a;
	const char	*errstr = NULL;
	char		 buf[GW_ADDR_STR_MAX];
	int		 rc;

	gw_addr_fmt(host, port, buf, sizeof(buf));
	T_STREQ(buf, want, "addr_fmt(\"%.40s\", %d)", host, port);
	rc = gw_addr_parse(buf, GW_ADDR_LISTEN, &a, &errstr);
	T_OK(rc == 0 && strcmp(a.ad_host, host) == 0 && a.ad_port == port,
	    "\"%.40s\" parses back", buf);
	if (rc != 0)
		printf("#   error: %s\n", errstr);
}

static void
test_fmt(void)
{
	char	 host[GW_ADDR_HOST_MAX + 1], want[GW_ADDR_STR_MAX], small[8];
	int	 i;

	rt("10.0.0.1", 80, "10.0.0.1:80");
	rt("::1", 8080, "[::1]:8080");
	rt("2001:db8::1", 443, "[2001:db8::1]:443");
	rt("backend.example", 65535, "backend.example:65535");
	rt("*", 0, "*:0");

	for (i = 0; i < GW_ADDR_HOST_MAX; i++)
		host[i] = (i % 64 == 63) ? '.' : 'c';
	host[GW_ADDR_HOST_MAX] = '\0';
	snprintf(want, sizeof(want), "%s:65535", host);
	rt(host, 65535, want);

	T_STREQ(gw_addr_fmt("::1", 8080, small, sizeof(small)), "[::1]:8",
	    "addr_fmt truncates to the buffer");
}

int
main(void)
{
	test_parse();
	test_listen();
	test_host();
	test_fmt();
	return t_done();
}
