/*
 * test_ctl: request splitting, the exact bytes of every reply form, the
 * listening socket (mode, live and stale files) and real round trips with
 * a server thread, including a server that never answers and one that
 * hangs up early.  Sockets live in a mkdtemp(3) directory under /tmp.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "duration.h"
#include "str.h"
#include "t.h"

/* Upper bound on any wait in this test; nothing should come near it. */
#define TEST_WAIT_MS	5000

static char	tmpdir[64];

/* A printable prefix of s for a TAP description (one line). */
static const char *
vis(const char *s)
{
	static char	buf[64];
	size_t		i, n = 0, len = strnlen(s, 30);

	for (i = 0; i < len && n + 5 < sizeof(buf); i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    "\\x%02x", (unsigned char)s[i]);
		else
			buf[n++] = s[i];
	}
	buf[n] = '\0';
	return buf;
}

static void
split_bad(const char *line, const char *want)
{
	struct gw_ctl_req	 rq;
	const char		*errstr = NULL;

	T_OK(gw_ctl_split(line, &rq, &errstr) == -1, "split \"%s\" fails",
	    vis(line));
	T_STREQ(errstr, want, "split \"%s\": reason", vis(line));
}

static void
test_split(void)
{
	struct gw_ctl_req	 rq;
	const char		*errstr = NULL;
	char			*line;
	int			 i;

	T_OK(gw_ctl_split("status", &rq, &errstr) == 0 && rq.rq_argc == 1 &&
	    strcmp(rq.rq_argv[0], "status") == 0 && !rq.rq_json,
	    "split one word");
	T_OK(gw_ctl_split("  backend   set  web 10.0.0.1:80 down ", &rq,
	    &errstr) == 0 && rq.rq_argc == 5 && !rq.rq_json &&
	    strcmp(rq.rq_argv[0], "backend") == 0 &&
	    strcmp(rq.rq_argv[3], "10.0.0.1:80") == 0 &&
	    strcmp(rq.rq_argv[4], "down") == 0 && rq.rq_argv[5] == NULL,
	    "split runs of spaces, leading and trailing");
	T_OK(gw_ctl_split("json status", &rq, &errstr) == 0 &&
	    rq.rq_json && rq.rq_argc == 1 &&
	    strcmp(rq.rq_argv[0], "status") == 0, "split json prefix");
	T_OK(gw_ctl_split("status json", &rq, &errstr) == 0 &&
	    !rq.rq_json && rq.rq_argc == 2 &&
	    strcmp(rq.rq_argv[1], "json") == 0,
	    "split: json later on is a word");
	T_OK(gw_ctl_split("jsonx", &rq, &errstr) == 0 && !rq.rq_json &&
	    strcmp(rq.rq_argv[0], "jsonx") == 0, "split: jsonx is a word");
	T_OK(gw_ctl_split("reload\r", &rq, &errstr) == 0 &&
	    rq.rq_argc == 1 && strcmp(rq.rq_argv[0], "reload") == 0,
	    "split forgives a CRLF line end");
	T_OK(gw_ctl_split("say caf\xc3\xa9", &rq, &errstr) == 0 &&
	    strcmp(rq.rq_argv[1], "caf\xc3\xa9") == 0,
	    "split keeps UTF-8 bytes");

	split_bad("", "empty line");
	split_bad("   ", "empty line");
	split_bad("\r", "empty line");
	split_bad("json", "missing command after json");
	split_bad(" json  ", "missing command after json");
	split_bad("a\tb", "control character in line");
	split_bad("a\nb", "control character in line");
	split_bad("a\rb", "control character in line");
	split_bad("a\x7f", "control character in line");
	split_bad("a\x1b[1m", "control character in line");

	line = gw_malloc(GW_CTL_LINE_MAX + 10);
	memset(line, 'a', GW_CTL_LINE_MAX - 1);
	line[GW_CTL_LINE_MAX - 1] = '\0';
	T_OK(gw_ctl_split(line, &rq, &errstr) == 0 && rq.rq_argc == 1 &&
	    strlen(rq.rq_argv[0]) == GW_CTL_LINE_MAX - 1,
	    "split: a line of 4095 bytes plus newline fits");
	line[GW_CTL_LINE_MAX - 1] = 'a';
	line[GW_CTL_LINE_MAX] = '\0';
	split_bad(line, "line too long");
	memset(line, 'a', GW_CTL_LINE_MAX + 9);
	line[GW_CTL_LINE_MAX + 9] = '\0';
	split_bad(line, "line too long");

	line[0] = '\0';
	for (i = 0; i < GW_CTL_ARGV_MAX; i++)
		strcat(line, "w ");
	T_OK(gw_ctl_split(line, &rq, &errstr) == 0 &&
	    rq.rq_argc == GW_CTL_ARGV_MAX, "split: 32 words fit");
	strcat(line, "w");
	split_bad(line, "too many words");
	memmove(line + 5, line, strlen(line) + 1);
	memcpy(line, "json ", 5);
	T_OK(strlen(line) == 5 + 2 * GW_CTL_ARGV_MAX + 1 &&
	    gw_ctl_split(line, &rq, &errstr) == -1,
	    "split: json and 33 words is too many");
	line[strlen(line) - 2] = '\0';
	T_OK(gw_ctl_split(line, &rq, &errstr) == 0 && rq.rq_json &&
	    rq.rq_argc == GW_CTL_ARGV_MAX,
	    "split: the json word does not count");
	free(line);
}

static void
reply_is(struct gw_buf *b, const char *want, const char *what)
{
	T_STREQ(gw_buf_str(b), want, "reply: %s", what);
	gw_buf_free(b);
}

static void
test_replies(void)
{
	struct gw_buf b = { 0 };

	gw_ctl_reply_ok(&b, 0, NULL, NULL);
	reply_is(&b, "\n", "text ok without body is the empty line");
	gw_ctl_reply_ok(&b, 0, "", NULL);
	reply_is(&b, "\n", "text ok with empty body");
	gw_ctl_reply_ok(&b, 0, "generation 7", NULL);
	reply_is(&b, "generation 7\n\n", "text ok one line");
	gw_ctl_reply_ok(&b, 0, "a 1\nb 2\n", "\"x\":1");
	reply_is(&b, "a 1\nb 2\n\n", "text ok lines, fields ignored");
	gw_ctl_reply_ok(&b, 0, "a\n\n\nb", NULL);
	reply_is(&b, "a\nb\n\n", "text ok drops inner empty lines");

	gw_ctl_reply_error(&b, 0, "unknown command \"frob\"");
	reply_is(&b, "error: unknown command \"frob\"\n\n", "text error");
	gw_ctl_reply_error(&b, 0, "bad\nworse\n\n");
	reply_is(&b, "error: bad\nworse\n\n", "text error of two lines");
	gw_ctl_reply_error(&b, 0, NULL);
	reply_is(&b, "error: unknown error\n\n", "text error without msg");

	gw_ctl_reply_ok(&b, 1, "ignored", NULL);
	reply_is(&b, "{\"ok\":true}\n\n", "json ok without fields");
	gw_ctl_reply_ok(&b, 1, NULL, "");
	reply_is(&b, "{\"ok\":true}\n\n", "json ok with empty fields");
	gw_ctl_reply_ok(&b, 1, NULL, "\"generation\":7");
	reply_is(&b, "{\"ok\":true,\"generation\":7}\n\n",
	    "json ok with fields");
	gw_ctl_reply_ok(&b, 1, NULL, "\"a\": [\n  1,\n  2\n]");
	reply_is(&b, "{\"ok\":true,\"a\": [  1,  2]}\n\n",
	    "json ok stays on one line");
	gw_ctl_reply_error(&b, 1, "no such backend \"web\"\\x\n\x01");
	reply_is(&b, "{\"ok\":false,\"error\":"
	    "\"no such backend \\\"web\\\"\\\\x\\n\\u0001\"}\n\n",
	    "json error escapes");

	gw_buf_puts(&b, "keep:");
	gw_ctl_reply_ok(&b, 0, "x", NULL);
	reply_is(&b, "keep:x\n\n", "replies append");
}

static void
tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void
test_listen(void)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	char			 path[128], other[256], err[256], lng[200];
	int			 fd, fd2, s;
	mode_t			 omask;

	tmp_path(path, sizeof(path), "a.sock");
	omask = umask(0);	/* the mode must not depend on the umask */
	fd = gw_ctl_listen(path, err, sizeof(err));
	umask(omask);
	T_OK(fd >= 0, "listen creates the socket");
	if (fd < 0) {
		printf("#   %s\n", err);
		return;
	}
	T_OK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode),
	    "listen: the path is a socket");
	T_INTEQ(st.st_mode & 07777, GW_CTL_MODE, "listen: mode 0660");
	T_OK(fcntl(fd, F_GETFL) & O_NONBLOCK, "listen: fd is non-blocking");
	T_OK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "listen: fd is close-on-exec");

	err[0] = '\0';
	fd2 = gw_ctl_listen(path, err, sizeof(err));
	T_INTEQ(fd2, -1, "listen refuses a path held by a live listener");
	snprintf(other, sizeof(other), "%s: in use by a running daemon",
	    path);
	T_STREQ(err, other, "listen: live listener reason");
	T_OK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode),
	    "listen: the live socket is left in place");
	close(fd);
	unlink(path);

	/* Closed without unlink: what a killed daemon leaves behind. */
	tmp_path(path, sizeof(path), "stale.sock");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	gw_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	T_OK(s >= 0 && bind(s, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    listen(s, 1) == 0, "made a socket to leave stale");
	close(s);
	T_OK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode),
	    "stale socket file exists");
	fd = gw_ctl_listen(path, err, sizeof(err));
	T_OK(fd >= 0, "listen replaces a stale socket");
	if (fd < 0)
		printf("#   %s\n", err);
	T_OK(stat(path, &st) == 0 && (st.st_mode & 07777) == GW_CTL_MODE,
	    "listen: the replacement has mode 0660");
	if (fd >= 0)
		close(fd);
	unlink(path);

	tmp_path(path, sizeof(path), "regular");
	s = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	close(s);
	fd = gw_ctl_listen(path, err, sizeof(err));
	T_INTEQ(fd, -1, "listen refuses a regular file");
	snprintf(other, sizeof(other), "%s: exists and is not a socket",
	    path);
	T_STREQ(err, other, "listen: regular file reason");
	T_OK(stat(path, &st) == 0 && S_ISREG(st.st_mode),
	    "listen leaves the regular file alone");
	unlink(path);

	memset(lng, 'x', sizeof(lng) - 1);
	lng[0] = '/';
	lng[sizeof(lng) - 1] = '\0';
	T_INTEQ(gw_ctl_listen(lng, err, sizeof(err)), -1,
	    "listen refuses a path longer than sun_path");
	T_OK(strstr(err, "socket path too long") != NULL,
	    "listen: long path reason");
	T_INTEQ(gw_ctl_listen("", err, sizeof(err)), -1,
	    "listen refuses an empty path");

	snprintf(path, sizeof(path), "%s/no/such/dir.sock", tmpdir);
	T_INTEQ(gw_ctl_listen(path, err, sizeof(err)), -1,
	    "listen fails in a missing directory");
	T_OK(strstr(err, "bind: No such file or directory") != NULL,
	    "listen: bind failure reason");
}

/* What the server thread does with one connection. */
enum srv_mode {
	SRV_REPLY,		/* read a line, answer it */
	SRV_HANGUP,		/* read a line, send half a reply, close */
	SRV_BIGREPLY		/* read a line, send more than the limit */
};

struct srv {
	int		 sv_lfd;
	enum srv_mode	 sv_mode;
	int		 sv_allowed;	/* gw_ctl_peer_allowed() result */
	uid_t		 sv_uid;
	char		 sv_line[GW_CTL_LINE_MAX + 1];
	char		 sv_err[128];	/* empty when all went well */
};

static int
srv_write(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, s, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *
srv_main(void *arg)
{
	struct srv		*sv = arg;
	struct gw_ctl_req	 rq;
	struct gw_buf		 out = { 0 };
	struct pollfd		 pfd;
	const char		*errstr;
	char			 body[GW_CTL_LINE_MAX + 64], *nl;
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd;

	pfd.fd = sv->sv_lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, TEST_WAIT_MS) != 1) {
		snprintf(sv->sv_err, sizeof(sv->sv_err), "no connection");
		return NULL;
	}
	if ((fd = accept(sv->sv_lfd, NULL, NULL)) == -1) {
		snprintf(sv->sv_err, sizeof(sv->sv_err), "accept: %s",
		    strerror(errno));
		return NULL;
	}
	sv->sv_allowed = gw_ctl_peer_allowed(fd, &sv->sv_uid);
	/* Accepted sockets do not inherit O_NONBLOCK on Linux. */
	while ((nl = memchr(sv->sv_line, '\n', len)) == NULL &&
	    len < GW_CTL_LINE_MAX) {
		n = read(fd, sv->sv_line + len, GW_CTL_LINE_MAX - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (nl == NULL) {
		snprintf(sv->sv_err, sizeof(sv->sv_err), "no request line");
		close(fd);
		return NULL;
	}
	*nl = '\0';
	switch (sv->sv_mode) {
	case SRV_REPLY:
		if (gw_ctl_split(sv->sv_line, &rq, &errstr) == -1)
			gw_ctl_reply_error(&out, 0, errstr);
		else {
			snprintf(body, sizeof(body), "you said %s\nargc %d",
			    rq.rq_argv[0], rq.rq_argc);
			gw_ctl_reply_ok(&out, rq.rq_json, body,
			    "\"said\":\"ok\"");
		}
		break;
	case SRV_HANGUP:
		gw_buf_puts(&out, "partial line\n");
		break;
	case SRV_BIGREPLY:
		/* Just over the limit, then the end: still refused. */
		while (out.b_len <= GW_CTL_REPLY_MAX)
			gw_buf_puts(&out, "0123456789abcde\n");
		gw_buf_puts(&out, "\n");
		break;
	}
	if (srv_write(fd, gw_buf_str(&out), out.b_len) == -1 &&
	    sv->sv_mode != SRV_BIGREPLY)
		snprintf(sv->sv_err, sizeof(sv->sv_err), "write: %s",
		    strerror(errno));
	gw_buf_free(&out);
	close(fd);
	return NULL;
}

/* Runs one request against a fresh server thread in mode. */
static int
round_trip(const char *path, enum srv_mode mode, const char *line,
    char **reply, char *err, size_t errlen, struct srv *sv)
{
	pthread_t	th;
	int		rc;

	memset(sv, 0, sizeof(*sv));
	sv->sv_mode = mode;
	sv->sv_allowed = -2;
	if ((sv->sv_lfd = gw_ctl_listen(path, err, errlen)) == -1)
		return -2;
	if (pthread_create(&th, NULL, srv_main, sv) != 0) {
		close(sv->sv_lfd);
		unlink(path);
		return -2;
	}
	rc = gw_ctl_request(path, line, TEST_WAIT_MS, reply, err, errlen);
	pthread_join(th, NULL);
	close(sv->sv_lfd);
	unlink(path);
	return rc;
}

static void
test_round_trip(void)
{
	struct srv	 sv;
	char		 path[128], err[256], want[300], *reply = NULL;
	int		 rc, lfd;
	int64_t		 t0, el;

	tmp_path(path, sizeof(path), "rt.sock");

	rc = round_trip(path, SRV_REPLY, "hello world", &reply, err,
	    sizeof(err), &sv);
	T_INTEQ(rc, 0, "request: text round trip");
	if (rc != 0)
		printf("#   %s\n", err);
	T_STREQ(sv.sv_err, "", "server saw no error");
	T_INTEQ(sv.sv_allowed, 1, "server: peer_allowed is 1 for our uid");
	T_INTEQ(sv.sv_uid, geteuid(), "server: peer uid is ours");
	T_STREQ(sv.sv_line, "hello world", "server got the request line");
	T_STREQ(reply, "you said hello\nargc 2\n",
	    "client got the reply without its empty line");
	free(reply);
	reply = NULL;

	rc = round_trip(path, SRV_REPLY, "json status", &reply, err,
	    sizeof(err), &sv);
	T_INTEQ(rc, 0, "request: json round trip");
	T_STREQ(reply, "{\"ok\":true,\"said\":\"ok\"}\n",
	    "client got the JSON reply line");
	free(reply);
	reply = NULL;

	rc = round_trip(path, SRV_REPLY, "", &reply, err, sizeof(err), &sv);
	T_INTEQ(rc, 0, "request: an error reply is a successful exchange");
	T_STREQ(reply, "error: empty line\n", "client got the error reply");
	free(reply);
	reply = NULL;

	rc = round_trip(path, SRV_HANGUP, "x", &reply, err, sizeof(err),
	    &sv);
	T_INTEQ(rc, -1, "request: server hangs up mid-reply");
	snprintf(want, sizeof(want), "%s: connection closed before the end "
	    "of the reply", path);
	T_STREQ(err, want, "request: early close reason");
	T_OK(reply == NULL, "request: no reply on failure");

	rc = round_trip(path, SRV_BIGREPLY, "x", &reply, err, sizeof(err),
	    &sv);
	T_INTEQ(rc, -1, "request: reply over 16 MiB is refused");
	snprintf(want, sizeof(want), "%s: reply too long", path);
	T_STREQ(err, want, "request: long reply reason");
	free(reply);
	reply = NULL;

	/* A listener that never accepts: the kernel queues us, nobody talks. */
	lfd = gw_ctl_listen(path, err, sizeof(err));
	T_OK(lfd >= 0, "listener for the timeout test");
	t0 = gw_mono_ms();
	rc = gw_ctl_request(path, "status", 200, &reply, err, sizeof(err));
	el = gw_mono_ms() - t0;
	T_INTEQ(rc, -1, "request: silent server times out");
	snprintf(want, sizeof(want), "%s: timed out", path);
	T_STREQ(err, want, "request: timeout reason");
	T_OK(el >= 190 && el < 2000, "request: timed out after %lld ms "
	    "(200 asked)", (long long)el);
	T_OK(reply == NULL, "request: no reply after a timeout");
	close(lfd);
	unlink(path);

	tmp_path(path, sizeof(path), "missing.sock");
	rc = gw_ctl_request(path, "status", 1000, &reply, err, sizeof(err));
	T_INTEQ(rc, -1, "request: connect to a missing path fails");
	snprintf(want, sizeof(want), "%s: connect: No such file or directory",
	    path);
	T_STREQ(err, want, "request: missing path reason");

	/* A stale socket file: nobody listens. */
	lfd = gw_ctl_listen(path, err, sizeof(err));
	close(lfd);
	rc = gw_ctl_request(path, "status", 1000, &reply, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: connect: Connection refused", path);
	T_OK(rc == -1, "request: connect to a stale socket fails");
	T_STREQ(err, want, "request: stale socket reason");
	unlink(path);

	rc = gw_ctl_request(path, "a\nb", 1000, &reply, err, sizeof(err));
	T_OK(rc == -1 && strcmp(err, "request holds a newline") == 0,
	    "request refuses a line with a newline");
	rc = gw_ctl_request(path, "x", 0, &reply, err, sizeof(err));
	T_OK(rc == -1 && strcmp(err, "invalid timeout 0 ms") == 0,
	    "request refuses a zero timeout");
}

int
main(void)
{
	/* A reader that stops early (| head) must not skip the cleanup. */
	signal(SIGPIPE, SIG_IGN);
	gw_strlcpy(tmpdir, "/tmp/gw-test-ctl.XXXXXX", sizeof(tmpdir));
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_split();
	test_replies();
	test_listen();
	test_round_trip();
	if (rmdir(tmpdir) == -1) {
		/* A leftover file means a test did not clean up. */
		T_OK(0, "rmdir %s: %s", tmpdir, strerror(errno));
	}
	return t_done();
}
