/*
 * ctl: the control-socket protocol.  The wire format is in ctl.h; this
 * file holds the socket setup, the framing and a blocking client.
 *
 * The reply's end is an empty line, so a reply can hold no empty line of
 * its own: the builders drop empty lines from text bodies and newlines
 * from JSON fields (where, outside strings, they are only whitespace).
 */
#define _GNU_SOURCE		/* SO_PEERCRED, struct ucred, SOCK_CLOEXEC */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "duration.h"
#include "str.h"

/* Pending connections; gwctl and gwhealth connect briefly and rarely. */
#define CTL_BACKLOG	16
/* Bytes read per read(2) by the client. */
#define CTL_READ_CHUNK	4096

static int
ctl_sockaddr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (path[0] == '\0' ||
	    gw_strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path))
		return -1;
	return 0;
}

/*
 * Decides whether the file at path, which made bind(2) fail, may be
 * replaced: a socket nobody accepts on is what a dead daemon leaves.  A
 * live listener or any other kind of file is refused.  Another daemon
 * starting at the same moment can still race us; the DB's single-writer
 * rules, not this check, are what keep that safe.
 */
static int
ctl_remove_stale(const char *path, const struct sockaddr_un *sun,
    char *errbuf, size_t errlen)
{
	struct stat	st;
	int		fd, rc, saved;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(errbuf, errlen, "%s: exists and is not a socket",
		    path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(errbuf, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Non-blocking: a listener with a full queue answers EAGAIN. */
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	saved = errno;
	close(fd);
	if (rc == 0 || saved == EAGAIN) {
		snprintf(errbuf, errlen, "%s: in use by a running daemon",
		    path);
		return -1;
	}
	if (saved != ECONNREFUSED && saved != ENOENT) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(saved));
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(errbuf, errlen, "%s: cannot remove stale socket: %s",
		    path, strerror(errno));
		return -1;
	}
	return 0;
}

int
gw_ctl_listen(const char *path, char *errbuf, size_t errlen)
{
	struct sockaddr_un	sun;
	mode_t			omask;
	int			fd, rc, saved;

	if (ctl_sockaddr(path, &sun) == -1) {
		snprintf(errbuf, errlen, "%s: socket path %s", path,
		    path[0] == '\0' ? "empty" : "too long");
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(errbuf, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/*
	 * The umask keeps the socket from ever being wider than 0660, even
	 * for the moment between bind and chmod; chmod then makes it exactly
	 * 0660 whatever the umask was.  umask is per process: callers set
	 * up the socket before starting threads.
	 */
	omask = umask(0117);
	rc = bind(fd, (const struct sockaddr *)&sun, sizeof(sun));
	if (rc == -1 && errno == EADDRINUSE) {
		if (ctl_remove_stale(path, &sun, errbuf, errlen) == -1) {
			umask(omask);
			close(fd);
			return -1;
		}
		rc = bind(fd, (const struct sockaddr *)&sun, sizeof(sun));
	}
	saved = errno;
	umask(omask);
	if (rc == -1) {
		snprintf(errbuf, errlen, "%s: bind: %s", path,
		    strerror(saved));
		close(fd);
		return -1;
	}
	if (chmod(path, GW_CTL_MODE) == -1 ||
	    listen(fd, CTL_BACKLOG) == -1) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

int
gw_ctl_peer_allowed(int fd, uid_t *uid)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -1;
	if (uid != NULL)
		*uid = cred.uid;
	/*
	 * The socket is 0660 so the daemon's group may use it: a peer of
	 * that primary group is let in too.  SO_PEERCRED carries no
	 * supplementary groups, so those are not.
	 */
	return cred.uid == 0 || cred.uid == geteuid() ||
	    cred.gid == getegid();
}

int
gw_ctl_split(const char *line, struct gw_ctl_req *rq, const char **errstr)
{
	size_t	 len, i;
	char	*p;
	int	 first = 1;

	rq->rq_json = 0;
	rq->rq_argc = 0;
	memset(rq->rq_argv, 0, sizeof(rq->rq_argv));
	if (line == NULL) {
		*errstr = "empty line";
		return -1;
	}
	/* The newline counts against the limit; len + 1 must fit. */
	if ((len = strnlen(line, GW_CTL_LINE_MAX)) >= GW_CTL_LINE_MAX) {
		*errstr = "line too long";
		return -1;
	}
	/* Clients that end lines with CRLF (telnet, nc -C) are forgiven. */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f) {
			*errstr = "control character in line";
			return -1;
		}
	}
	memcpy(rq->rq_line, line, len);
	rq->rq_line[len] = '\0';

	for (p = rq->rq_line; *p != '\0';) {
		if (*p == ' ') {
			*p++ = '\0';
			continue;
		}
		if (first && strncmp(p, "json", 4) == 0 &&
		    (p[4] == ' ' || p[4] == '\0'))
			rq->rq_json = 1;
		else {
			if (rq->rq_argc == GW_CTL_ARGV_MAX) {
				*errstr = "too many words";
				return -1;
			}
			rq->rq_argv[rq->rq_argc++] = p;
		}
		first = 0;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	if (rq->rq_argc == 0) {
		*errstr = rq->rq_json ? "missing command after json" :
		    "empty line";
		return -1;
	}
	return 0;
}

/* Appends s as lines, each ending in a newline, skipping empty ones. */
static void
ctl_put_lines(struct gw_buf *out, const char *s)
{
	const char	*nl;
	size_t		 n;

	while (*s != '\0') {
		nl = strchr(s, '\n');
		n = nl != NULL ? (size_t)(nl - s) : strlen(s);
		if (n > 0) {
			gw_buf_append(out, s, n);
			gw_buf_append(out, "\n", 1);
		}
		s += n + (nl != NULL);
	}
}

void
gw_ctl_reply_ok(struct gw_buf *out, int json, const char *body,
    const char *json_fields)
{
	const char *p;

	if (!json) {
		if (body != NULL)
			ctl_put_lines(out, body);
		gw_buf_append(out, "\n", 1);
		return;
	}
	gw_buf_puts(out, "{\"ok\":true");
	if (json_fields != NULL && *json_fields != '\0') {
		gw_buf_append(out, ",", 1);
		for (p = json_fields; *p != '\0'; p++)
			if (*p != '\n' && *p != '\r')
				gw_buf_append(out, p, 1);
	}
	gw_buf_puts(out, "}\n\n");
}

void
gw_ctl_reply_error(struct gw_buf *out, int json, const char *msg)
{
	struct gw_buf line = { 0 };

	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	if (json) {
		gw_buf_puts(out, "{\"ok\":false,\"error\":");
		gw_buf_json_str(out, msg);
		gw_buf_puts(out, "}\n\n");
		return;
	}
	gw_buf_puts(&line, "error: ");
	gw_buf_puts(&line, msg);
	ctl_put_lines(out, gw_buf_str(&line));
	gw_buf_append(out, "\n", 1);
	gw_buf_free(&line);
}

/*
 * Waits until fd is ready for events or the deadline passes.  Returns 0
 * when ready, -1 with errno ETIMEDOUT or poll's error.
 */
static int
ctl_wait(int fd, short events, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		rc;

	for (;;) {
		if ((left = deadline - gw_mono_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (rc > 0)
			return 0;
		if (rc == -1 && errno != EINTR)
			return -1;
	}
}

/* Connects with a deadline; a full listen queue is waited out. */
static int
ctl_connect(const char *path, int64_t deadline, char *errbuf, size_t errlen)
{
	struct sockaddr_un	sun;
	struct timeval		tv;
	int64_t			left;
	int			fd;

	if (ctl_sockaddr(path, &sun) == -1) {
		snprintf(errbuf, errlen, "%s: socket path %s", path,
		    path[0] == '\0' ? "empty" : "too long");
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(errbuf, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Linux bounds a blocking AF_UNIX connect by SO_SNDTIMEO. */
	left = deadline - gw_mono_ms();
	if (left < 1)
		left = 1;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000 * 1000);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			snprintf(errbuf, errlen, "%s: connect: timed out",
			    path);
		else
			snprintf(errbuf, errlen, "%s: connect: %s", path,
			    strerror(errno));
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		snprintf(errbuf, errlen, "fcntl: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
ctl_send(int fd, const char *s, size_t n, int64_t deadline)
{
	ssize_t w;

	while (n > 0) {
		/* MSG_NOSIGNAL: a daemon gone away is an error, not SIGPIPE. */
		if ((w = send(fd, s, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (ctl_wait(fd, POLLOUT, deadline) == -1)
					return -1;
			} else if (errno != EINTR)
				return -1;
			continue;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Length of the reply in b before its terminating empty line, or -1 when
 * that line has not arrived.  from is where new bytes start.
 */
static ssize_t
ctl_reply_end(const struct gw_buf *b, size_t from)
{
	const char	*d = gw_buf_str(b);
	size_t		 i;

	if (b->b_len > 0 && d[0] == '\n')
		return 0;
	for (i = from > 0 ? from - 1 : 0; i + 1 < b->b_len; i++)
		if (d[i] == '\n' && d[i + 1] == '\n')
			return (ssize_t)i + 1;
	return -1;
}

int
gw_ctl_request(const char *path, const char *line, int timeout_ms,
    char **reply, char *errbuf, size_t errlen)
{
	struct gw_buf	 b = { 0 };
	char		 chunk[CTL_READ_CHUNK];
	int64_t		 deadline;
	ssize_t		 n, end = -1;
	size_t		 len = strlen(line), from;
	int		 fd;

	*reply = NULL;
	if (len + 1 > GW_CTL_LINE_MAX || strchr(line, '\n') != NULL) {
		snprintf(errbuf, errlen, "request %s",
		    len + 1 > GW_CTL_LINE_MAX ? "too long" :
		    "holds a newline");
		return -1;
	}
	if (timeout_ms <= 0) {
		snprintf(errbuf, errlen, "invalid timeout %d ms", timeout_ms);
		return -1;
	}
	deadline = gw_mono_ms() + timeout_ms;
	if ((fd = ctl_connect(path, deadline, errbuf, errlen)) == -1)
		return -1;

	gw_buf_append(&b, line, len);
	gw_buf_append(&b, "\n", 1);
	if (ctl_send(fd, b.b_data, b.b_len, deadline) == -1) {
		snprintf(errbuf, errlen, "%s: send: %s", path,
		    errno == ETIMEDOUT ? "timed out" : strerror(errno));
		goto fail;
	}
	b.b_len = 0;
	b.b_data[0] = '\0';

	while (end == -1) {
		if (b.b_len > GW_CTL_REPLY_MAX) {
			snprintf(errbuf, errlen, "%s: reply too long", path);
			goto fail;
		}
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (ctl_wait(fd, POLLIN, deadline) == -1) {
				snprintf(errbuf, errlen, "%s: %s", path,
				    errno == ETIMEDOUT ? "timed out" :
				    strerror(errno));
				goto fail;
			}
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(errbuf, errlen, "%s: read: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0) {
			snprintf(errbuf, errlen, "%s: connection closed "
			    "before the end of the reply", path);
			goto fail;
		}
		from = b.b_len;
		gw_buf_append(&b, chunk, (size_t)n);
		end = ctl_reply_end(&b, from);
	}
	close(fd);
	if ((size_t)end > GW_CTL_REPLY_MAX) {
		snprintf(errbuf, errlen, "%s: reply too long", path);
		gw_buf_free(&b);
		return -1;
	}
	/* Drop the empty line and anything a confused server sent after. */
	b.b_len = (size_t)end;
	b.b_data[end] = '\0';
	*reply = gw_buf_take(&b);
	return 0;

 fail:
	close(fd);
	gw_buf_free(&b);
	return -1;
}

char *
gw_ctl_default_path(const char *db_path)
{
	char *copy = gw_strdup(db_path), *path;

	path = gw_asprintf("%s/gwproxy.sock", dirname(copy));
	free(copy);
	return path;
}
