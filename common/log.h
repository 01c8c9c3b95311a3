/*
 * log: one line per event on stderr, as text or as JSON lines.
 *
 * Text: "2026-11-26T06:39:24.123Z gwhealth warning: backend web/... down".
 * JSON: {"ts":"...","prog":"gwhealth","level":"warning","msg":"..."}.
 * Safe to call from several threads (one write(2) per line).  CLIs use
 * err(3)/warnx(3) instead; this is for the daemons.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdarg.h>

enum gw_log_level {
	GW_LOG_DEBUG,
	GW_LOG_INFO,
	GW_LOG_WARNING,
	GW_LOG_ERROR
};

enum gw_log_format {
	GW_LOG_TEXT,
	GW_LOG_JSON
};

/* prog is kept by reference; call before any thread starts. */
void	gw_log_init(const char *prog, enum gw_log_format fmt,
	    enum gw_log_level min);
/* "text" or "json"; 0 or -1 with *errstr. */
int	gw_log_format_parse(const char *s, enum gw_log_format *fmt,
	    const char **errstr);
void	gw_log(enum gw_log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	gw_vlog(enum gw_log_level level, const char *fmt, va_list ap);
/* Logs at error level and exits 1: impossible states only. */
void	gw_fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/*
 * A daemon's usage exit: "prog: " and the message on stderr when fmt is
 * not NULL, then text, on stdout for status 0 (--help) and on stderr
 * otherwise; exits with status.
 */
void	gw_usage(const char *prog, const char *text, int status,
	    const char *fmt, ...)
	    __attribute__((format(printf, 4, 5), noreturn));
/* Formats one line into buf without writing it (for tests). */
int	gw_log_format_line(char *buf, size_t len, long long now_ms,
	    enum gw_log_level level, const char *msg);

#endif /* GW_LOG_H */
