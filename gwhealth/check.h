/*
 * check: one probe of one backend on the event loop, relayd's
 * check_tcp.c and check_http.c in one state machine.
 *
 * tcp: a non-blocking connect; the check passes when it completes.
 * http: then one request (the spec's method and path, Host the spec's or
 * the backend's address), and the response head read and judged: a
 * status in the expected ranges passes, unless an expected text is set,
 * which must then be in the body (hresp.c).  One deadline, the spec's
 * timeout, covers the lookup of a named backend, the connect and the
 * response.  Sockets close with a RST (SO_LINGER 0, as HAProxy's checks
 * do): a check leaves no TIME_WAIT behind, so 10,000 checks a second do
 * not run out of local ports.
 *
 * Connection reuse (--http-reuse, Envoy's reuse_connection): when on, an
 * http check of a backend given by its address sends no "Connection:
 * close", and a check that passed on a complete response that lets its
 * connection persist (hresp_end_*) hands that connection to its caller
 * (cr_conn), who gives it to the next check of the same backend.  That
 * check writes its request on it; when the connection turns out closed or
 * reset before any byte of the answer (the backend's idle timeout raced
 * the check), the check goes again at once on a new connection, within
 * the same deadline, and that is no failure.  A failed check never hands
 * out its connection.  When off, every request says "Connection: close"
 * and every check opens its own connection.
 *
 * The callback runs exactly once per check, never from inside
 * check_start(), unless check_abort() came first; the check is freed
 * before it runs.  No thread, no process per check: everything runs on
 * the caller's event_base.
 */
#ifndef GWHEALTH_CHECK_H
#define GWHEALTH_CHECK_H

#include <sys/socket.h>

#include <stdint.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "gwhealth.h"
#include "hstate.h"

/* Bytes of response head an http check reads; more is a protocol error. */
#define CHECK_HEAD_MAX		(16 * 1024)

/*
 * A connection kept between two http checks of one backend.  Whoever
 * holds one owns it: the caller between checks, the check using it
 * meanwhile.  While it waits it stays watched for reading: when the
 * backend closes it (its idle timeout) or sends anything unasked, its
 * socket is closed at once, without a verdict, and the next check that
 * gets it connects anew.
 */
struct check_conn;

struct check_result {
	int		 cr_pass;
	enum hs_reason	 cr_reason;	/* HS_R_NONE when passed */
	int		 cr_status;	/* the HTTP status; 0: none read */
	int64_t		 cr_latency_us;	/* from the start to the verdict */
	int		 cr_errno;	/* socket error, for the log */
	int		 cr_connects;	/* connections opened: 0, 1 or 2 */
	/* The connection to give the next check, or NULL; now the callee's. */
	struct check_conn *cr_conn;
};

typedef void	(*check_cb)(void *arg, const struct check_result *res);

struct check;

/*
 * The event_base and evdns_base every check runs on, and whether http
 * checks keep their connections (--http-reuse).
 */
void		 check_init(struct event_base *base, struct evdns_base *dns,
		    int reuse);

/*
 * Starts a check of host:port with sp (referenced until the end).  sa is
 * the address when host is an IP literal, else NULL and host is looked
 * up (such a backend's connections are never kept: it is looked up at
 * each check).  name is the Host header's default ("10.0.0.1:8080");
 * copied.  cn, when not NULL, is the connection the backend's last check
 * handed out: taken (closed when it cannot serve this check).
 */
struct check	*check_start(struct hc_spec *sp, const char *host, int port,
		    const struct sockaddr *sa, socklen_t salen,
		    const char *name, struct check_conn *cn, check_cb cb,
		    void *arg);
/* Stops a check in flight; its callback will not run. */
void		 check_abort(struct check *ck);
/* Closes a kept connection (with a RST) and frees it; NULL is ignored. */
void		 check_conn_close(struct check_conn *cn);

#endif /* GWHEALTH_CHECK_H */
