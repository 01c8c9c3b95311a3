/*
 * check: one probe of one backend on the event loop, relayd's
 * check_tcp.c and check_http.c in one state machine.
 *
 * tcp: a non-blocking connect; the check passes when it completes.
 * http: then one request (the spec's method and path, Host the spec's or
 * the backend's address, Connection: close), and the response head read
 * and judged: a status in the expected ranges passes, unless an expected
 * text is set, which must then be in the body (hresp.c).  One deadline,
 * the spec's timeout, covers the lookup of a named backend, the connect
 * and the response.  Sockets close with a RST (SO_LINGER 0, as HAProxy's
 * checks do): a check leaves no TIME_WAIT behind, so 10,000 checks a
 * second do not run out of local ports.
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

struct check_result {
	int		 cr_pass;
	enum hs_reason	 cr_reason;	/* HS_R_NONE when passed */
	int		 cr_status;	/* the HTTP status; 0: none read */
	int64_t		 cr_latency_us;	/* from the start to the verdict */
	int		 cr_errno;	/* socket error, for the log */
};

typedef void	(*check_cb)(void *arg, const struct check_result *res);

struct check;

/* The event_base and evdns_base every check runs on. */
void		 check_init(struct event_base *base, struct evdns_base *dns);

/*
 * Starts a check of host:port with sp (referenced until the end).  sa is
 * the address when host is an IP literal, else NULL and host is looked
 * up.  name is the Host header's default ("10.0.0.1:8080"); copied.
 */
struct check	*check_start(struct hc_spec *sp, const char *host, int port,
		    const struct sockaddr *sa, socklen_t salen,
		    const char *name, check_cb cb, void *arg);
/* Stops a check in flight; its callback will not run. */
void		 check_abort(struct check *ck);

#endif /* GWHEALTH_CHECK_H */
