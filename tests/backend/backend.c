/*
 * gwbackend: the test and demo backend of gw.
 *
 *	gwbackend [-hv] [--listen addr:port]... [--name name]
 *	    [--port-file path] [--idle-timeout ms]
 *
 * An HTTP/1.1 origin server whose behaviour each request chooses: the path
 * picks an endpoint and the query string its parameters, so the bats tests
 * of gwproxy and `make demo` get backends that echo what reached them,
 * stream, stall, fail or reset on demand.  It sits on bufferevents rather
 * than evhttp because the tests need what evhttp hides: pipelined requests
 * answered in order, bodies delimited by close, a RST, a request never
 * answered, a WebSocket after 101.
 *
 * It listens on 127.0.0.1:0 unless told otherwise, prints "listening on
 * ADDR" for each address once bound, and writes the ports, one a line, to
 * --port-file by rename, so a test starts it on an ephemeral port and
 * polls for the file.  Every answer carries "X-Backend: NAME" (--name,
 * default "backend").  -v logs one line per answer on stderr; otherwise
 * it says nothing.  --idle-timeout closes keep-alive connections idle
 * that long, without a word, as a backend that drops pooled connections.
 * SIGTERM and SIGINT exit 0 at once.
 *
 * Endpoints; "close=1" on any of them makes its answer the last one on
 * the connection (Connection: close):
 *   /echo			200, JSON: the request as received: backend,
 *				peer, method, target, path, version, headers
 *				and trailers ([name, value] in order),
 *				body_length, body_fnv1a64 (16 hex digits) and
 *				body (up to 4 KiB, bytes as Latin-1; else null)
 *   /bytes?n=N			N bytes of the pattern; chunked=1 sends chunks
 *				of piece=P bytes (1000), close=1 alone ends the
 *				body by closing instead of Content-Length
 *   /slowbody?n=N&ms=M		N bytes, piece=P (16) every M ms (100);
 *				chunked=1 and close=1 as for /bytes
 *   /delay?ms=N		the default answer after N ms
 *   /hang			no answer ever; the connection stays open
 *   /status?code=N		status N (200-599), a one-line body (none for
 *				204 and 304)
 *   /reset			closes the connection with a RST
 *   /headers?h=Name:Value	the default answer with those headers added
 *   /ws			WebSocket echo (RFC 6455)
 *   anything else		200, "NAME METHOD TARGET\n"
 * The pattern's byte i (from 0) is 'a' + i % 26.  A request with
 * Expect: 100-continue and a body gets "100 Continue" before its body is
 * read.  A bad parameter is a 400 whose body says which and why.
 *
 * Files: backend.h says what each one does.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <err.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "addr.h"
#include "backend.h"
#include "str.h"

#define BACKEND_NAME_MAX	64
#define BACKEND_LISTEN_MAX	16

/* Formats a socket address as "1.2.3.4:80" or "[::1]:80". */
void
backend_addr_fmt(const struct sockaddr *sa, socklen_t salen, char *buf,
    size_t len, int *port)
{
	char	host[NI_MAXHOST], serv[NI_MAXSERV];
	int	e;

	e = getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV);
	if (e != 0) {
		gw_strlcpy(buf, "?", len);
		*port = 0;
		return;
	}
	*port = atoi(serv);
	gw_addr_fmt(host, *port, buf, len);
}

/* Out of descriptors and the like: the listener retries on its own. */
static void
backend_accept_error_cb(struct evconnlistener *l, void *arg)
{
	(void)l;
	(void)arg;
	warn("accept");
}

static void
backend_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

/* Binds spec (checked by gw_addr_parse()); exits on failure. */
static struct evconnlistener *
backend_listen(struct backend_server *s, const char *spec,
    const struct gw_addr *a, char *bound, size_t boundlen, int *port)
{
	struct evconnlistener	*l;
	struct addrinfo		 hints, *res;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 serv[16];
	int			 e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (a->ad_family == GW_ADDR_ANY)
		hints.ai_family = AF_INET;
	if (a->ad_family == GW_ADDR_INET || a->ad_family == GW_ADDR_INET6)
		hints.ai_flags |= AI_NUMERICHOST;
	snprintf(serv, sizeof(serv), "%d", a->ad_port);
	e = getaddrinfo(a->ad_family == GW_ADDR_ANY ? NULL : a->ad_host, serv,
	    &hints, &res);
	if (e != 0)
		errx(1, "listen %s: %s", spec, gai_strerror(e));
	l = evconnlistener_new_bind(s->s_base, conn_accept_cb, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    -1, res->ai_addr, (int)res->ai_addrlen);
	freeaddrinfo(res);
	if (l == NULL)
		err(1, "listen %s", spec);
	evconnlistener_set_error_cb(l, backend_accept_error_cb);
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss,
	    &sslen) == -1)
		err(1, "listen %s: getsockname", spec);
	backend_addr_fmt((struct sockaddr *)&ss, sslen, bound, boundlen,
	    port);
	return l;
}

/* Writes the ports, one a line, to path through a rename: never half. */
static void
backend_port_file(const char *path, const int *ports, size_t n)
{
	char	*tmp = gw_asprintf("%s.tmp.%ld", path, (long)getpid());
	FILE	*fp;
	size_t	 i;

	if ((fp = fopen(tmp, "w")) == NULL)
		err(1, "%s", tmp);
	for (i = 0; i < n; i++)
		fprintf(fp, "%d\n", ports[i]);
	if (fclose(fp) == EOF)
		err(1, "%s", tmp);
	if (rename(tmp, path) == -1)
		err(1, "rename %s to %s", tmp, path);
	free(tmp);
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: gwbackend [-hv] [--listen addr:port]... "
	    "[--name name] [--port-file path]\n"
	    "                 [--idle-timeout ms]\n");
}

static void
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));

static void
usage_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	usage(stderr);
	exit(2);
}

static int
backend_name_valid(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= BACKEND_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help",		no_argument,		NULL, 'h' },
		{ "idle-timeout",	required_argument,	NULL, 'i' },
		{ "listen",		required_argument,	NULL, 'l' },
		{ "name",		required_argument,	NULL, 'N' },
		{ "port-file",		required_argument,	NULL, 'p' },
		{ "verbose",		no_argument,		NULL, 'v' },
		{ NULL,			0,			NULL, 0 }
	};
	struct backend_server	 srv;
	struct backend_conn	*c;
	struct evconnlistener	*ls[BACKEND_LISTEN_MAX];
	struct event		*sigs[2];
	struct gw_addr		 addrs[BACKEND_LISTEN_MAX];
	const char		*specs[BACKEND_LISTEN_MAX];
	const char		*port_file = NULL, *errstr;
	char			 bound[GW_ADDR_STR_MAX];
	int			 ports[BACKEND_LISTEN_MAX];
	size_t			 nl = 0, i;
	int			 ch;

	memset(&srv, 0, sizeof(srv));
	srv.s_name = "backend";
	TAILQ_INIT(&srv.s_conns);
	while ((ch = getopt_long(argc, argv, "hl:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'i':
			srv.s_idle_ms = (int)gw_strtonum(optarg, 0,
			    BACKEND_MS_MAX, &errstr);
			if (errstr != NULL)
				usage_error("invalid --idle-timeout \"%s\": %s",
				    optarg, errstr);
			break;
		case 'l':
			if (nl == BACKEND_LISTEN_MAX)
				usage_error("more than %d --listen",
				    BACKEND_LISTEN_MAX);
			if (gw_addr_parse(optarg, GW_ADDR_LISTEN, &addrs[nl],
			    &errstr) == -1)
				usage_error("invalid --listen \"%s\": %s",
				    optarg, errstr);
			specs[nl++] = optarg;
			break;
		case 'N':
			if (!backend_name_valid(optarg))
				usage_error("invalid --name \"%s\": want 1 to "
				    "%d letters, digits, '.', '_' or '-'",
				    optarg, BACKEND_NAME_MAX);
			srv.s_name = optarg;
			break;
		case 'p':
			port_file = optarg;
			break;
		case 'v':
			srv.s_verbose = 1;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc)
		usage_error("unexpected argument \"%s\"", argv[optind]);
	if (nl == 0) {
		specs[nl] = "127.0.0.1:0";
		if (gw_addr_parse(specs[nl], GW_ADDR_LISTEN, &addrs[nl],
		    &errstr) == -1)
			errx(1, "default listen address: %s", errstr);
		nl++;
	}

	ep_init();
	/* A client gone mid-write is one closed connection, not our end. */
	signal(SIGPIPE, SIG_IGN);
	if ((srv.s_base = event_base_new()) == NULL)
		errx(1, "event_base_new failed");
	/* Before the port file: a test may signal as soon as it sees it. */
	sigs[0] = evsignal_new(srv.s_base, SIGTERM, backend_signal_cb,
	    srv.s_base);
	sigs[1] = evsignal_new(srv.s_base, SIGINT, backend_signal_cb,
	    srv.s_base);
	if (sigs[0] == NULL || sigs[1] == NULL ||
	    evsignal_add(sigs[0], NULL) == -1 ||
	    evsignal_add(sigs[1], NULL) == -1)
		errx(1, "cannot handle signals");
	for (i = 0; i < nl; i++) {
		ls[i] = backend_listen(&srv, specs[i], &addrs[i], bound,
		    sizeof(bound), &ports[i]);
		printf("listening on %s\n", bound);
	}
	fflush(stdout);
	if (port_file != NULL)
		backend_port_file(port_file, ports, nl);
	if (event_base_dispatch(srv.s_base) == -1)
		errx(1, "event loop failed");

	while ((c = TAILQ_FIRST(&srv.s_conns)) != NULL)
		conn_free(c);
	for (i = 0; i < nl; i++)
		evconnlistener_free(ls[i]);
	event_free(sigs[0]);
	event_free(sigs[1]);
	event_base_free(srv.s_base);
	return 0;
}
