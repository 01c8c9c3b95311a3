/*
 * log: the daemons' event log on stderr.
 *
 * A line is built whole in a stack buffer and written with one write(2),
 * so lines of concurrent threads do not interleave: a pipe keeps writes up
 * to PIPE_BUF bytes whole, and a terminal or an O_APPEND file takes each
 * write as one piece.  Nothing here allocates: logging must work when
 * memory is short.  A message that does not fit is cut at a character
 * boundary and ends in "...", and a cut JSON line is still valid JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Longest message before escaping; longer ones are cut. */
#define LOG_MSG_MAX	4096
/* Longest line, escapes, timestamp and newline included. */
#define LOG_LINE_MAX	8192

static const char	*log_prog = "gw";
static enum gw_log_format log_fmt = GW_LOG_TEXT;
static enum gw_log_level log_min = GW_LOG_INFO;

static const char *const log_level_names[] = {
	"debug", "info", "warning", "error"
};

/* A bounded output cursor over the caller's buffer. */
struct log_out {
	char	*lo_buf;
	size_t	 lo_cap;	/* bytes usable, the NUL excluded */
	size_t	 lo_pos;
};

static int
log_put(struct log_out *o, const char *s, size_t n)
{
	if (n > o->lo_cap - o->lo_pos)
		return -1;
	memcpy(o->lo_buf + o->lo_pos, s, n);
	o->lo_pos += n;
	return 0;
}

static int
log_puts(struct log_out *o, const char *s)
{
	return log_put(o, s, strlen(s));
}

/*
 * The escape for byte c, or NULL when c stands for itself.  Text lines
 * escape what would break "one event, one line" or drive a terminal;
 * JSON escapes what RFC 8259, section 7 requires.
 */
static const char *
log_escape(unsigned char c, int json, char *tmp, size_t tmplen)
{
	switch (c) {
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return json ? "\\t" : NULL;
	case '"':
		return json ? "\\\"" : NULL;
	case '\\':
		return json ? "\\\\" : NULL;
	case '\b':
		return json ? "\\b" : "\\x08";
	case '\f':
		return json ? "\\f" : "\\x0c";
	}
	if (c < 0x20 || (c == 0x7f && !json)) {
		snprintf(tmp, tmplen, json ? "\\u%04x" : "\\x%02x", c);
		return tmp;
	}
	return NULL;
}

/*
 * Length of s[0..len) without a trailing incomplete UTF-8 sequence, so a
 * cut never leaves half a character.
 */
static size_t
log_utf8_trim(const char *s, size_t len)
{
	size_t		i = len, need;
	unsigned char	c;

	while (i > 0 && len - i < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || (c = (unsigned char)s[i - 1]) < 0xc0)
		return len;
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	return len - (i - 1) < need ? i - 1 : len;
}

/* Escaped length of s. */
static size_t
log_esclen(const char *s, int json)
{
	const unsigned char	*p;
	const char		*e;
	char			 tmp[8];
	size_t			 n = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		n += (e = log_escape(*p, json, tmp, sizeof(tmp))) != NULL ?
		    strlen(e) : 1;
	return n;
}

/* Writes s escaped, cutting it with "..." when fewer than need fit. */
static int
log_put_escaped(struct log_out *o, const char *s, int json, size_t reserve)
{
	const unsigned char	*p;
	const char		*e;
	char			 tmp[8];
	size_t			 start = o->lo_pos, cap;
	int			 cut = 0;

	if (reserve > o->lo_cap - o->lo_pos)
		return -1;
	cap = o->lo_cap - reserve;
	if (o->lo_pos + log_esclen(s, json) > cap) {
		if (cap - o->lo_pos < 3)
			return -1;
		cap -= 3;
		cut = 1;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		e = log_escape(*p, json, tmp, sizeof(tmp));
		if (e == NULL) {
			if (o->lo_pos + 1 > cap)
				break;
			o->lo_buf[o->lo_pos++] = (char)*p;
		} else {
			if (o->lo_pos + strlen(e) > cap)
				break;
			memcpy(o->lo_buf + o->lo_pos, e, strlen(e));
			o->lo_pos += strlen(e);
		}
	}
	if (cut) {
		o->lo_pos = start + log_utf8_trim(o->lo_buf + start,
		    o->lo_pos - start);
		memcpy(o->lo_buf + o->lo_pos, "...", 3);
		o->lo_pos += 3;
	}
	return 0;
}

/* RFC 3339 UTC with milliseconds: 2026-11-26T06:39:24.123Z. */
static int
log_timestamp(long long now_ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		sec;
	long long	ms;
	size_t		n;

	sec = (time_t)(now_ms / 1000);
	ms = now_ms % 1000;
	if (ms < 0) {
		ms += 1000;
		sec--;
	}
	if (gmtime_r(&sec, &tm) == NULL)
		return -1;
	if ((n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		return -1;
	if ((size_t)snprintf(buf + n, len - n, ".%03lldZ", ms) >= len - n)
		return -1;
	return 0;
}

/*
 * Uses the program name and format given to gw_log_init().  Returns the
 * line's length, its newline included, or -1 when len cannot hold even
 * the line without its message.
 */
int
gw_log_format_line(char *buf, size_t len, long long now_ms,
    enum gw_log_level level, const char *msg)
{
	struct log_out	 o;
	char		 ts[64];
	const char	*lvl;
	int		 json = log_fmt == GW_LOG_JSON;

	if (len == 0 || log_timestamp(now_ms, ts, sizeof(ts)) == -1)
		return -1;
	if ((unsigned)level >= sizeof(log_level_names) /
	    sizeof(log_level_names[0]))
		level = GW_LOG_ERROR;
	lvl = log_level_names[level];
	o.lo_buf = buf;
	o.lo_cap = len - 1;
	o.lo_pos = 0;
	if (json) {
		if (log_puts(&o, "{\"ts\":\"") == -1 ||
		    log_puts(&o, ts) == -1 ||
		    log_puts(&o, "\",\"prog\":\"") == -1 ||
		    log_put_escaped(&o, log_prog, 1, 0) == -1 ||
		    log_puts(&o, "\",\"level\":\"") == -1 ||
		    log_puts(&o, lvl) == -1 ||
		    log_puts(&o, "\",\"msg\":\"") == -1 ||
		    log_put_escaped(&o, msg, 1, 3) == -1 ||
		    log_puts(&o, "\"}\n") == -1)
			return -1;
	} else {
		if (log_puts(&o, ts) == -1 || log_puts(&o, " ") == -1 ||
		    log_put_escaped(&o, log_prog, 0, 0) == -1 ||
		    log_puts(&o, " ") == -1 || log_puts(&o, lvl) == -1 ||
		    log_puts(&o, ": ") == -1 ||
		    log_put_escaped(&o, msg, 0, 1) == -1 ||
		    log_puts(&o, "\n") == -1)
			return -1;
	}
	buf[o.lo_pos] = '\0';
	return (int)o.lo_pos;
}

void
gw_log_init(const char *prog, enum gw_log_format fmt, enum gw_log_level min)
{
	log_prog = prog;
	log_fmt = fmt;
	log_min = min;
}

int
gw_log_format_parse(const char *s, enum gw_log_format *fmt,
    const char **errstr)
{
	if (strcmp(s, "text") == 0)
		*fmt = GW_LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*fmt = GW_LOG_JSON;
	else {
		*errstr = "unknown log format (text or json)";
		return -1;
	}
	return 0;
}

void
gw_vlog(enum gw_log_level level, const char *fmt, va_list ap)
{
	struct timespec	 ts;
	char		 msg[LOG_MSG_MAX], line[LOG_LINE_MAX];
	const char	*p;
	size_t		 n;
	ssize_t		 w;
	int		 len, saved_errno = errno;

	if (level < log_min)
		return;
	/* %m and the caller's next errno check both want errno intact. */
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (len < 0)
		(void)snprintf(msg, sizeof(msg), "(bad log format \"%s\")",
		    fmt);
	else if ((size_t)len >= sizeof(msg)) {
		n = log_utf8_trim(msg, sizeof(msg) - 4);
		memcpy(msg + n, "...", 4);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	len = gw_log_format_line(line, sizeof(line),
	    (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, level, msg);
	if (len > 0) {
		for (p = line, n = (size_t)len; n > 0; p += w, n -= (size_t)w)
			if ((w = write(STDERR_FILENO, p, n)) == -1) {
				if (errno != EINTR)
					break;
				w = 0;
			}
	}
	errno = saved_errno;
}

void
gw_log(enum gw_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gw_vlog(level, fmt, ap);
	va_end(ap);
}

void
gw_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gw_vlog(GW_LOG_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

void
gw_usage(const char *prog, const char *text, int status, const char *fmt,
    ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "%s: ", prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(text, status == 0 ? stdout : stderr);
	exit(status);
}
