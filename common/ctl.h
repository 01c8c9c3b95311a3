/*
 * ctl: the control-socket line protocol shared by the daemons and gwctl.
 *
 * A client connects to a UNIX stream socket and sends one command per
 * line: words separated by spaces, at most GW_CTL_LINE_MAX bytes.  A line
 * may start with the word "json" to ask for the JSON form of the reply.
 * The reply is text lines ending with one empty line.  A text reply to a
 * failed command has "error: " and a reason as its first line.  A JSON
 * reply is one line holding one object, {"ok":true,...} or
 * {"ok":false,"error":"..."}, then the empty line.
 *
 * Server side: gw_ctl_listen() binds the socket with mode 0660 (replacing a
 * stale one left by a dead process, refusing to steal a live one) and
 * gw_ctl_peer_allowed() checks the peer with SO_PEERCRED (root, the
 * daemon's own uid, or the daemon's group as the peer's primary group).
 * Framing is gw_ctl_split() on each received line and gw_ctl_reply_*() to
 * build the answer; the daemon's event loop does the I/O.  Client side: gw_ctl_request() is a blocking round trip with a
 * deadline, for gwctl and the tests.
 */
#ifndef GW_CTL_H
#define GW_CTL_H

#include <stddef.h>
#include <sys/types.h>

#include "str.h"

/* Longest request line, newline included; longer ones are refused. */
#define GW_CTL_LINE_MAX		4096
/* Most words in one request line. */
#define GW_CTL_ARGV_MAX		32
/* Longest reply gw_ctl_request() accepts: 16 MiB. */
#define GW_CTL_REPLY_MAX	(16 * 1024 * 1024)
/* File mode of the socket: owner and group may connect. */
#define GW_CTL_MODE		0660

/*
 * Binds and listens on path.  Returns the non-blocking listening fd, or -1
 * with errbuf set (path too long, in use by a live daemon, bind failed).
 */
/*
 * gwproxy.sock in the directory of the database db_path: where gwproxy
 * serves its control socket unless told otherwise, and where gwctl and
 * gwhealth look for it.  malloc'd.
 */
char	*gw_ctl_default_path(const char *db_path);

int	 gw_ctl_listen(const char *path, char *errbuf, size_t errlen);

/*
 * 1 when the peer on fd may issue commands (uid 0, our euid, or primary
 * gid our egid), 0 when it may not, -1 when SO_PEERCRED fails.  *uid (may be NULL) gets the peer uid.
 */
int	 gw_ctl_peer_allowed(int fd, uid_t *uid);

/* One parsed request line. */
struct gw_ctl_req {
	int	 rq_json;		/* "json" prefix seen */
	int	 rq_argc;
	char	*rq_argv[GW_CTL_ARGV_MAX];	/* point into rq_line */
	char	 rq_line[GW_CTL_LINE_MAX];
};

/*
 * Splits line (without its newline) into rq.  Returns 0, or -1 with
 * *errstr for an empty line, too long a line, too many words or a
 * control character.
 */
int	 gw_ctl_split(const char *line, struct gw_ctl_req *rq,
	    const char **errstr);

/*
 * Reply builders: append a complete reply (terminating empty line
 * included) to out.  For ok replies, body is the text form (lines, may be
 * empty or NULL) and json_fields the inside of the JSON object without
 * braces (may be empty or NULL), e.g. "\"generation\":7".
 */
void	 gw_ctl_reply_ok(struct gw_buf *out, int json, const char *body,
	    const char *json_fields);
void	 gw_ctl_reply_error(struct gw_buf *out, int json, const char *msg);

/*
 * Client: connects to path, sends line plus newline, reads the reply up to
 * and excluding its terminating empty line into *reply (caller frees).
 * timeout_ms bounds the whole exchange.  Returns 0, or -1 with errbuf set
 * (connect failed, timed out, reply too long, connection closed early).
 */
int	 gw_ctl_request(const char *path, const char *line, int timeout_ms,
	    char **reply, char *errbuf, size_t errlen);

#endif /* GW_CTL_H */
