/*
 * test_log: the exact text and JSON line formats at a fixed time, escaping
 * (one event is one line), cutting of long messages, the level filter,
 * the write to stderr and gw_fatalx's exit status.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "t.h"

/* 2026-11-26T06:39:24.123Z */
#define NOW_MS		1795675164123LL

static void
line_is(long long now, enum gw_log_level level, const char *msg,
    const char *want, const char *what)
{
	char	buf[512];
	int	n;

	n = gw_log_format_line(buf, sizeof(buf), now, level, msg);
	T_STREQ(n >= 0 ? buf : NULL, want, "%s", what);
	T_INTEQ(n, strlen(want), "%s: length returned", what);
}

static void
test_text(void)
{
	gw_log_init("gwhealth", GW_LOG_TEXT, GW_LOG_DEBUG);
	line_is(NOW_MS, GW_LOG_WARNING, "backend web/10.0.0.1:80 down",
	    "2026-11-26T06:39:24.123Z gwhealth warning: "
	    "backend web/10.0.0.1:80 down\n", "text warning line");
	line_is(NOW_MS, GW_LOG_DEBUG, "d",
	    "2026-11-26T06:39:24.123Z gwhealth debug: d\n", "text debug");
	line_is(NOW_MS, GW_LOG_INFO, "i",
	    "2026-11-26T06:39:24.123Z gwhealth info: i\n", "text info");
	line_is(NOW_MS, GW_LOG_ERROR, "e",
	    "2026-11-26T06:39:24.123Z gwhealth error: e\n", "text error");
	line_is(946684799999LL, GW_LOG_INFO, "y2k",
	    "1999-12-31T23:59:59.999Z gwhealth info: y2k\n",
	    "text timestamp rolls over correctly");
	line_is(0, GW_LOG_INFO, "",
	    "1970-01-01T00:00:00.000Z gwhealth info: \n",
	    "text epoch, empty message");
	line_is(NOW_MS, GW_LOG_INFO, "a\nb\r\nc",
	    "2026-11-26T06:39:24.123Z gwhealth info: a\\nb\\r\\nc\n",
	    "text escapes newlines: one event, one line");
	line_is(NOW_MS, GW_LOG_INFO, "\x1b[2J\x7f\tq\"\\ caf\xc3\xa9",
	    "2026-11-26T06:39:24.123Z gwhealth info: "
	    "\\x1b[2J\\x7f\tq\"\\ caf\xc3\xa9\n",
	    "text escapes terminal controls, keeps tab, quotes, UTF-8");
}

static void
test_json(void)
{
	gw_log_init("gwhealth", GW_LOG_JSON, GW_LOG_DEBUG);
	line_is(NOW_MS, GW_LOG_WARNING, "backend down",
	    "{\"ts\":\"2026-11-26T06:39:24.123Z\",\"prog\":\"gwhealth\","
	    "\"level\":\"warning\",\"msg\":\"backend down\"}\n",
	    "json warning line");
	line_is(NOW_MS, GW_LOG_ERROR, "x",
	    "{\"ts\":\"2026-11-26T06:39:24.123Z\",\"prog\":\"gwhealth\","
	    "\"level\":\"error\",\"msg\":\"x\"}\n", "json error line");
	line_is(NOW_MS, GW_LOG_INFO, "q\"b\\s\nn\tt\x01\x7f caf\xc3\xa9",
	    "{\"ts\":\"2026-11-26T06:39:24.123Z\",\"prog\":\"gwhealth\","
	    "\"level\":\"info\",\"msg\":"
	    "\"q\\\"b\\\\s\\nn\\tt\\u0001\x7f caf\xc3\xa9\"}\n",
	    "json escapes per RFC 8259");
	gw_log_init("odd\"prog", GW_LOG_JSON, GW_LOG_DEBUG);
	line_is(NOW_MS, GW_LOG_DEBUG, "m",
	    "{\"ts\":\"2026-11-26T06:39:24.123Z\",\"prog\":\"odd\\\"prog\","
	    "\"level\":\"debug\",\"msg\":\"m\"}\n", "json escapes prog too");
}

static void
test_cut(void)
{
	char	 buf[64], jbuf[98], msg[200];
	int	 n;

	memset(msg, 'a', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';

	gw_log_init("p", GW_LOG_TEXT, GW_LOG_DEBUG);
	n = gw_log_format_line(buf, sizeof(buf), NOW_MS, GW_LOG_INFO, msg);
	T_INTEQ(n, sizeof(buf) - 1, "text: a long message fills the buffer");
	T_STREQ(buf, "2026-11-26T06:39:24.123Z p info: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaa...\n", "text: cut with ...");

	gw_log_init("p", GW_LOG_JSON, GW_LOG_DEBUG);
	n = gw_log_format_line(buf, sizeof(buf), NOW_MS, GW_LOG_INFO, msg);
	T_INTEQ(n, -1, "json: 64 bytes cannot hold the fixed part");
	n = gw_log_format_line(jbuf, sizeof(jbuf), NOW_MS, GW_LOG_INFO,
	    "\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"");
	T_INTEQ(n, sizeof(jbuf) - 2, "json: cut line length");
	T_STREQ(jbuf, "{\"ts\":\"2026-11-26T06:39:24.123Z\",\"prog\":\"p\","
	    "\"level\":\"info\",\"msg\":\"\\\"\\\"\\\"\\\"\\\"\\\"\\\""
	    "\\\"\\\"\\\"\\\"\\\"...\"}\n",
	    "json: cut between escapes, still an object");

	/* The escape "\n" never splits; "é" is never cut in half. */
	gw_log_init("p", GW_LOG_TEXT, GW_LOG_DEBUG);
	strcpy(msg, "\n\n\n\n\n\n\n\n\n\n\n\n\n\n");
	n = gw_log_format_line(buf, 51, NOW_MS, GW_LOG_INFO, msg);
	T_STREQ(buf, "2026-11-26T06:39:24.123Z p info: \\n\\n\\n\\n\\n\\n"
	    "...\n", "text: an escape is not split");
	T_INTEQ(n, 49, "text: cut before a whole escape");
	strcpy(msg, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	    "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	n = gw_log_format_line(buf, 45, NOW_MS, GW_LOG_INFO, msg);
	T_STREQ(buf, "2026-11-26T06:39:24.123Z p info: "
	    "\xc3\xa9\xc3\xa9\xc3\xa9...\n", "text: UTF-8 is cut whole");
	T_INTEQ(n, 43, "text: UTF-8 cut length");

	n = gw_log_format_line(buf, 20, NOW_MS, GW_LOG_INFO, "x");
	T_INTEQ(n, -1, "a buffer too small for the prefix is -1");
	n = gw_log_format_line(buf, 0, NOW_MS, GW_LOG_INFO, "x");
	T_INTEQ(n, -1, "a zero-length buffer is -1");
}

static void
test_format_parse(void)
{
	enum gw_log_format	 fmt = GW_LOG_JSON;
	const char		*errstr = NULL;

	T_OK(gw_log_format_parse("text", &fmt, &errstr) == 0 &&
	    fmt == GW_LOG_TEXT, "format_parse text");
	T_OK(gw_log_format_parse("json", &fmt, &errstr) == 0 &&
	    fmt == GW_LOG_JSON, "format_parse json");
	T_OK(gw_log_format_parse("JSON", &fmt, &errstr) == -1,
	    "format_parse is case sensitive");
	T_STREQ(errstr, "unknown log format (text or json)",
	    "format_parse reason");
	errstr = NULL;
	T_OK(gw_log_format_parse("", &fmt, &errstr) == -1 && errstr != NULL,
	    "format_parse empty");
}

/* Runs gw_log with stderr on a pipe and returns what it wrote. */
static const char *
capture(enum gw_log_level level, const char *msg)
{
	static char	buf[8192];
	int		p[2], saved;
	ssize_t		n;

	if (pipe(p) == -1 || (saved = dup(STDERR_FILENO)) == -1)
		return "(pipe failed)";
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	errno = EPIPE;
	gw_log(level, "%s %d", msg, 42);
	buf[0] = errno == EPIPE ? '\0' : '!';	/* errno must survive */
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = read(p[0], buf + 1, sizeof(buf) - 2);
	close(p[0]);
	buf[n > 0 ? n + 1 : 1] = '\0';
	return buf;
}

static void
test_write(void)
{
	const char	*out;
	int		 st, p[2], ok;
	pid_t		 pid;
	char		 buf[512], big[5000];
	ssize_t		 n;

	gw_log_init("gwtest", GW_LOG_TEXT, GW_LOG_INFO);
	out = capture(GW_LOG_INFO, "hello");
	T_OK(out[0] == '\0', "gw_log keeps errno");
	ok = strlen(out + 1) == 24 + strlen(" gwtest info: hello 42\n") &&
	    strcmp(out + 25, " gwtest info: hello 42\n") == 0 &&
	    out[1] == '2' && out[11] == 'T' && out[24] == 'Z';
	T_OK(ok, "gw_log writes one text line to stderr");
	if (!ok)
		printf("#   got \"%s\"\n", out + 1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	out = capture(GW_LOG_INFO, big);
	T_INTEQ(strlen(out + 1), 24 + strlen(" gwtest info: ") + 4095 + 1,
	    "gw_log cuts a message longer than 4 KiB");
	T_OK(strlen(out + 1) > 5 &&
	    strcmp(out + strlen(out + 1) - 4, "a...\n") == 0,
	    "gw_log marks the cut message with ...");
	out = capture(GW_LOG_DEBUG, "hidden");
	T_STREQ(out + 1, "", "gw_log drops levels below the minimum");

	gw_log_init("gwtest", GW_LOG_JSON, GW_LOG_WARNING);
	out = capture(GW_LOG_INFO, "hidden");
	T_STREQ(out + 1, "", "json: info is below warning");
	out = capture(GW_LOG_ERROR, "boom");
	T_OK(strncmp(out + 1, "{\"ts\":\"", 7) == 0 &&
	    strstr(out + 1, "Z\",\"prog\":\"gwtest\",\"level\":\"error\","
	    "\"msg\":\"boom 42\"}\n") != NULL, "gw_log writes a JSON line");

	if (pipe(p) == -1 || (pid = fork()) == -1) {
		T_OK(0, "fork for gw_fatalx");
		return;
	}
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		gw_log_init("gwtest", GW_LOG_TEXT, GW_LOG_ERROR);
		gw_fatalx("impossible state %d", 7);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 1, "gw_fatalx exits 1");
	T_OK(strstr(buf, " gwtest error: impossible state 7\n") != NULL,
	    "gw_fatalx logs at error level");
}

int
main(void)
{
	test_text();
	test_json();
	test_cut();
	test_format_parse();
	test_write();
	return t_done();
}
