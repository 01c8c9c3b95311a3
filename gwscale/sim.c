/*
 * sim: the series parser and the replay of `gwscale simulate`.  See sim.h.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "duration.h"
#include "hpa.h"
#include "scale.h"
#include "sim.h"
#include "step.h"
#include "str.h"

/* How much of a bad value an error message quotes. */
#define SIM_QUOTE_MAX	40

/* The state of one parse; the buffers are reused from line to line. */
struct sim_csv {
	struct sim_series *c_ss;
	size_t		 c_cap;		/* rows allocated in c_ss */
	size_t		 c_line;	/* the line being parsed, from 1 */
	int		 c_seen;	/* a line other than comments seen */
	size_t		 c_nfields;	/* fields of the line, all counted */
	const char	**c_fields;	/* the first 1 + nmetrics of them */
	char		*c_buf;		/* the fields' unquoted text */
	size_t		 c_bufcap;
	char		 c_prev[SIM_QUOTE_MAX + 8]; /* previous time, quoted */
	char		*c_err;
	size_t		 c_errlen;
};

static int	sim_fail(struct sim_csv *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* The error of the current line into c_err; returns -1. */
static int
sim_fail(struct sim_csv *c, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(c->c_err, c->c_errlen, "line %zu: ", c->c_line);
	if (n < 0 || (size_t)n >= c->c_errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->c_err + n, c->c_errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * s in double quotes for a message: at most SIM_QUOTE_MAX bytes, "..."
 * after a cut, control characters and quotes as '?' so that a binary file
 * gives a readable line.
 */
static const char *
sim_quote(const char *s, char *buf, size_t len)
{
	size_t	 i, o = 0;

	buf[o++] = '"';
	for (i = 0; i < SIM_QUOTE_MAX && s[i] != '\0' && o + 5 < len; i++)
		buf[o++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    s[i] == '"' ? '?' : s[i];
	if (s[i] != '\0' && o + 5 < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static int
sim_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * Splits line[0..len) into c_fields (NUL-terminated copies in c_buf,
 * quotes removed) and counts them in c_nfields.  max: how many to keep.
 */
static int
sim_split(struct sim_csv *c, const char *line, size_t len, size_t max)
{
	size_t	 i = 0, o = 0, start, end;
	char	*field;
	char	 q[SIM_QUOTE_MAX + 8];

	/* Each field's copy is no longer than its text, plus its NUL. */
	if (c->c_bufcap < 2 * len + 2) {
		c->c_bufcap = 2 * len + 2;
		free(c->c_buf);
		c->c_buf = gw_malloc(c->c_bufcap);
	}
	c->c_nfields = 0;
	for (;;) {
		while (i < len && sim_blank(line[i]))
			i++;
		field = c->c_buf + o;
		if (c->c_nfields < max)
			c->c_fields[c->c_nfields] = field;
		c->c_nfields++;
		if (i < len && line[i] == '"') {
			/* RFC 4180 section 2: "" inside quotes is one. */
			for (i++;; i++) {
				if (i >= len)
					return sim_fail(c, "column %zu: "
					    "unterminated quote",
					    c->c_nfields);
				if (line[i] == '"' && i + 1 < len &&
				    line[i + 1] == '"')
					c->c_buf[o++] = line[i++];
				else if (line[i] == '"')
					break;
				else
					c->c_buf[o++] = line[i];
			}
			for (i++; i < len && sim_blank(line[i]); i++)
				;
			if (i < len && line[i] != ',') {
				c->c_buf[o] = '\0';
				return sim_fail(c, "column %zu: text after the "
				    "closing quote of %s", c->c_nfields,
				    sim_quote(field, q, sizeof(q)));
			}
		} else {
			start = i;
			while (i < len && line[i] != ',')
				i++;
			for (end = i; end > start && sim_blank(line[end - 1]);
			    end--)
				;
			memcpy(c->c_buf + o, line + start, end - start);
			o += end - start;
		}
		c->c_buf[o++] = '\0';
		if (i >= len)
			return 0;
		i++;	/* the comma */
	}
}

/* "15", "7.5": seconds with at most a fraction; finer than a millisecond
 * is dropped, as gw_time_parse() drops it. */
static int
sim_seconds(const char *s, int64_t *ms)
{
	int64_t	 v = 0;
	int	 n;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (*s - '0');
		if (v > SIM_MAX_SPAN_MS / 1000)
			return -2;
	}
	v *= 1000;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		for (n = 100; isdigit((unsigned char)*s); s++, n /= 10)
			v += (*s - '0') * n;
	}
	if (*s != '\0')
		return -1;
	*ms = v;
	return 0;
}

/* A date-time's start: four digits and a dash. */
static int
sim_looks_like_date(const char *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return s[4] == '-';
}

/* The time of the row: its form, its order after the previous row. */
static int
sim_time(struct sim_csv *c, const char *s, int64_t *ms)
{
	struct sim_series	*ss = c->c_ss;
	const char		*why;
	char			 q[SIM_QUOTE_MAX + 8];
	int			 ts, rc;

	if (*s == '\0')
		return sim_fail(c, "column 1: missing time");
	if ((rc = sim_seconds(s, ms)) == 0)
		ts = 0;
	else if (rc == -2)
		return sim_fail(c, "column 1: invalid time %s: more than "
		    "%lld seconds", sim_quote(s, q, sizeof(q)),
		    SIM_MAX_SPAN_MS / 1000);
	else if (*s == '-' && sim_seconds(s + 1, ms) == 0)
		return sim_fail(c, "column 1: invalid time %s: negative",
		    sim_quote(s, q, sizeof(q)));
	else if (gw_time_parse(s, ms, &why) == 0)
		ts = 1;
	else if (sim_looks_like_date(s))
		return sim_fail(c, "column 1: invalid time %s: %s",
		    sim_quote(s, q, sizeof(q)), why);
	else
		return sim_fail(c, "column 1: invalid time %s: expected "
		    "seconds from the start (such as 15 or 7.5) or an RFC 3339 "
		    "time (such as 2026-11-26T09:30:00Z)",
		    sim_quote(s, q, sizeof(q)));
	if (ss->ss_nrows == 0)
		ss->ss_timestamps = ts;
	else if (ts != ss->ss_timestamps)
		return sim_fail(c, "column 1: time %s is %s, and the rows "
		    "before give %s", sim_quote(s, q, sizeof(q)),
		    ts ? "a timestamp" : "seconds",
		    ts ? "seconds" : "timestamps");
	else if (*ms <= ss->ss_times[ss->ss_nrows - 1])
		return sim_fail(c, "column 1: time %s is not after the "
		    "previous row's %s", sim_quote(s, q, sizeof(q)),
		    c->c_prev);
	sim_quote(s, c->c_prev, sizeof(c->c_prev));
	return 0;
}

/* One metric's cell: a finite decimal number, or unavailable. */
static int
sim_value(struct sim_csv *c, size_t col, const char *s, double *v,
    int *avail)
{
	char	*end;
	char	 q[SIM_QUOTE_MAX + 8];

	*v = 0;
	*avail = 0;
	if (*s == '\0' || strcasecmp(s, "null") == 0 ||
	    strcasecmp(s, "nan") == 0)
		return 0;
	/* strtod() also takes hex, "inf" and "nan(...)": not numbers here. */
	if (strspn(s, "0123456789+-.eE") != strlen(s))
		return sim_fail(c, "column %zu: invalid number %s", col,
		    sim_quote(s, q, sizeof(q)));
	errno = 0;
	*v = strtod(s, &end);
	if (end == s || *end != '\0')
		return sim_fail(c, "column %zu: invalid number %s", col,
		    sim_quote(s, q, sizeof(q)));
	if (errno == ERANGE && !isfinite(*v))
		return sim_fail(c, "column %zu: invalid number %s: out of "
		    "range", col, sim_quote(s, q, sizeof(q)));
	*avail = 1;
	return 0;
}

/* "1 metric", "2 metrics": the noun for n. */
static const char *
sim_plural(size_t n, const char *one, const char *more)
{
	return n == 1 ? one : more;
}

static int
sim_row_add(struct sim_csv *c, size_t nm)
{
	struct sim_series	*ss = c->c_ss;
	size_t			 r = ss->ss_nrows, i;
	int64_t			 t;

	if (r == SIM_MAX_ROWS)
		return sim_fail(c, "more than %d rows", SIM_MAX_ROWS);
	if (sim_time(c, c->c_fields[0], &t) == -1)
		return -1;
	if (r == c->c_cap) {
		c->c_cap = c->c_cap == 0 ? 64 : c->c_cap * 2;
		ss->ss_times = gw_reallocarray(ss->ss_times, c->c_cap,
		    sizeof(*ss->ss_times));
		ss->ss_values = gw_reallocarray(ss->ss_values, c->c_cap,
		    (nm ? nm : 1) * sizeof(*ss->ss_values));
		ss->ss_available = gw_reallocarray(ss->ss_available, c->c_cap,
		    (nm ? nm : 1) * sizeof(*ss->ss_available));
	}
	for (i = 0; i < nm; i++)
		if (sim_value(c, i + 2, c->c_fields[i + 1],
		    &ss->ss_values[r * nm + i],
		    &ss->ss_available[r * nm + i]) == -1)
			return -1;
	if (r > 0 && t - ss->ss_times[0] > SIM_MAX_SPAN_MS)
		return sim_fail(c, "column 1: the series spans more than a "
		    "century");
	ss->ss_times[r] = t;
	ss->ss_nrows++;
	return 0;
}

/* One line that is neither blank nor a comment. */
static int
sim_line(struct sim_csv *c, const char *line, size_t len, size_t nm)
{
	const char	*f;

	if (memchr(line, '\0', len) != NULL)
		return sim_fail(c, "NUL byte: not a text file");
	if (sim_split(c, line, len, nm + 1) == -1)
		return -1;
	/* A header: the first line, when no time can start with it. */
	f = c->c_fields[0];
	if (!c->c_seen++ && !isdigit((unsigned char)*f) && *f != '-' &&
	    *f != '+' && *f != '.') {
		if (c->c_nfields != nm + 1)
			return sim_fail(c, "header has %zu %s, expected %zu "
			    "(the time and %zu %s)", c->c_nfields,
			    sim_plural(c->c_nfields, "column", "columns"),
			    nm + 1, nm, sim_plural(nm, "metric", "metrics"));
		return 0;
	}
	if (c->c_nfields != nm + 1)
		return sim_fail(c, "%zu %s, expected %zu (the time and %zu "
		    "%s)", c->c_nfields, sim_plural(c->c_nfields, "column",
		    "columns"), nm + 1, nm, sim_plural(nm, "metric",
		    "metrics"));
	return sim_row_add(c, nm);
}

int
sim_csv_parse(const char *text, size_t len, size_t nmetrics,
    struct sim_series *ss, char *err, size_t errlen)
{
	struct sim_csv	 c;
	const char	*p = text, *end = text + len, *nl;
	size_t		 n, i;
	int		 rc = 0;

	memset(ss, 0, sizeof(*ss));
	ss->ss_nmetrics = nmetrics;
	memset(&c, 0, sizeof(c));
	c.c_ss = ss;
	c.c_err = err;
	c.c_errlen = errlen;
	c.c_fields = gw_calloc(nmetrics + 1, sizeof(*c.c_fields));
	/* A spreadsheet's byte order mark is no part of the first field. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end && rc == 0) {
		c.c_line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		for (i = 0; i < n && sim_blank(p[i]); i++)
			;
		if (i < n && p[i] != '#')
			rc = sim_line(&c, p, n, nmetrics);
		p = nl != NULL ? nl + 1 : end;
	}
	if (rc == 0 && ss->ss_nrows == 0) {
		snprintf(err, errlen, "no rows: expected lines of a time and "
		    "%zu %s", nmetrics, sim_plural(nmetrics, "metric",
		    "metrics"));
		rc = -1;
	}
	free(c.c_fields);
	free(c.c_buf);
	if (rc == -1)
		sim_series_free(ss);
	return rc;
}

void
sim_series_free(struct sim_series *ss)
{
	free(ss->ss_times);
	free(ss->ss_values);
	free(ss->ss_available);
	memset(ss, 0, sizeof(*ss));
}

/*
 * What the live loop keeps in scale_recommendations and scale_events
 * (store.c), in memory: times in ms, in the order they were recorded.
 */
struct sim_hist {
	int64_t	*h_at;
	int32_t	*h_val;
	size_t	 h_n, h_cap;
};

static void
sim_hist_add(struct sim_hist *h, int64_t at, int32_t v)
{
	if (h->h_n == h->h_cap) {
		h->h_cap = h->h_cap == 0 ? 16 : h->h_cap * 2;
		h->h_at = gw_reallocarray(h->h_at, h->h_cap, sizeof(*h->h_at));
		h->h_val = gw_reallocarray(h->h_val, h->h_cap,
		    sizeof(*h->h_val));
	}
	h->h_at[h->h_n] = at;
	h->h_val[h->h_n++] = v;
}

/* Drops what store_history() would not load: at < now - keep.  Times
 * only grow, so nothing dropped is ever needed again. */
static void
sim_hist_prune(struct sim_hist *h, int64_t now, int64_t keep)
{
	size_t	 i;

	for (i = 0; i < h->h_n && h->h_at[i] < now - keep; i++)
		;
	if (i == 0)
		return;
	h->h_n -= i;
	memmove(h->h_at, h->h_at + i, h->h_n * sizeof(*h->h_at));
	memmove(h->h_val, h->h_val + i, h->h_n * sizeof(*h->h_val));
}

static void
sim_hist_free(struct sim_hist *h)
{
	free(h->h_at);
	free(h->h_val);
	memset(h, 0, sizeof(*h));
}

size_t
sim_utf8_len(const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	unsigned char		 lo = 0x80, hi = 0xbf;
	size_t			 n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* A copy of s with every byte of invalid UTF-8 as '?'. */
static char *
sim_utf8_dup(const char *s)
{
	char	*d = gw_strdup(s), *p;
	size_t	 n;

	for (p = d; *p != '\0'; p += n)
		if ((n = sim_utf8_len(p)) == 0) {
			*p = '?';
			n = 1;
		}
	return d;
}

static const char *
sim_word(const struct step_out *so)
{
	switch (so->so_zero) {
	case STEP_ZERO_ACTIVATE:
		return "Activated";
	case STEP_ZERO_DEACTIVATE:
		return "Deactivated";
	case STEP_ZERO_IDLE:
		return "Idle";
	default:
		return so->so_hpa.ho_reason != NULL ? so->so_hpa.ho_reason :
		    "Unknown";
	}
}

/* The decisions of a replay, or -1 with err when there are too many. */
static int
sim_count(const struct sim_series *ss, int64_t interval_ms, size_t *n,
    char *err, size_t errlen)
{
	int64_t	 span = ss->ss_times[ss->ss_nrows - 1] - ss->ss_times[0];
	char	 s1[32], s2[32];

	if (span / interval_ms >= SIM_MAX_DECISIONS) {
		snprintf(err, errlen, "the series spans %s: one decision "
		    "every %s makes more than %d; give a longer --interval",
		    gw_duration_fmt(span, s1, sizeof(s1)),
		    gw_duration_fmt(interval_ms, s2, sizeof(s2)),
		    SIM_MAX_DECISIONS);
		return -1;
	}
	*n = (size_t)(span / interval_ms) + 1;
	return 0;
}

/* The history as step_decide() takes it: ages in whole seconds, as
 * store_history() gives them. */
static struct hpa_rec *
sim_recs_in(const struct sim_hist *h, int64_t now, struct hpa_rec *ir)
{
	size_t	 i;

	/* One more, so that an empty history is not a NULL array. */
	ir = gw_reallocarray(ir, h->h_n + 1, sizeof(*ir));
	for (i = 0; i < h->h_n; i++)
		ir[i] = (struct hpa_rec){ (now - h->h_at[i]) / 1000,
		    h->h_val[i] };
	return ir;
}

static struct hpa_event *
sim_events_in(const struct sim_hist *h, int64_t now, struct hpa_event *ie)
{
	size_t	 i;

	ie = gw_reallocarray(ie, h->h_n + 1, sizeof(*ie));
	for (i = 0; i < h->h_n; i++)
		ie[i] = (struct hpa_event){ (now - h->h_at[i]) / 1000,
		    h->h_val[i] };
	return ie;
}

static void
sim_row_fill(struct sim_row *row, const struct step_in *si,
    const struct step_out *so, int64_t now, int64_t t0, int timestamps)
{
	row->sr_t_ms = now - t0;
	row->sr_at_ms = timestamps ? now : -1;
	row->sr_values = si->si_values;
	row->sr_available = si->si_available;
	row->sr_current = si->si_current;
	row->sr_desired = so->so_desired;
	row->sr_word = sim_word(so);
	row->sr_reason = sim_utf8_dup(so->so_reason);
}

int
sim_replay(const struct gw_scale_target *t, const struct sim_series *ss,
    int32_t start, int64_t interval_ms, struct sim_row **rowsp,
    size_t *nrowsp, char *err, size_t errlen)
{
	struct sim_hist		 recs, evs;
	struct hpa_rec		*ir = NULL;
	struct hpa_event	*ie = NULL;
	struct sim_row		*rows;
	struct step_in		 si;
	struct step_out		 so;
	const size_t		 nm = ss->ss_nmetrics;
	int64_t			 t0, now, active_at, keep = step_keep_ms(t);
	size_t			 n, k, r = 0;
	int32_t			 current = start, rec, ev;

	*rowsp = NULL;
	*nrowsp = 0;
	if (nm != t->st_nmetrics) {
		snprintf(err, errlen, "the series has %zu %s, scale target "
		    "\"%s\" %zu", nm, sim_plural(nm, "metric", "metrics"),
		    t->st_name, t->st_nmetrics);
		return -1;
	}
	if (ss->ss_nrows == 0 || interval_ms <= 0 || start < 0 ||
	    start > GW_SCALE_REPLICAS_MAX) {
		snprintf(err, errlen, "no rows, or invalid interval %lldms or "
		    "start count %d", (long long)interval_ms, (int)start);
		return -1;
	}
	if (sim_count(ss, interval_ms, &n, err, errlen) == -1)
		return -1;
	rows = gw_calloc(n, sizeof(*rows));
	memset(&recs, 0, sizeof(recs));
	memset(&evs, 0, sizeof(evs));
	t0 = active_at = ss->ss_times[0];
	for (k = 0; k < n; k++) {
		now = t0 + (int64_t)k * interval_ms;
		while (r + 1 < ss->ss_nrows && ss->ss_times[r + 1] <= now)
			r++;
		/* First sight: the seed of step.h, kept in the history as
		 * store_decision_write() keeps it. */
		if (k == 0)
			sim_hist_add(&recs, now, current);
		/* What store_history() loads: no older than the windows. */
		sim_hist_prune(&recs, now, keep);
		sim_hist_prune(&evs, now, keep);
		memset(&si, 0, sizeof(si));
		si.si_target = t;
		si.si_values = &ss->ss_values[r * nm];
		si.si_available = &ss->ss_available[r * nm];
		si.si_current = current;
		si.si_status_replicas = -1;
		si.si_recs = ir = sim_recs_in(&recs, now, ir);
		si.si_nrecs = recs.h_n;
		si.si_events = ie = sim_events_in(&evs, now, ie);
		si.si_nevents = evs.h_n;
		si.si_idle_ms = now - active_at;
		step_decide(&si, &so);
		sim_row_fill(&rows[k], &si, &so, now, t0, ss->ss_timestamps);

		/* What sync_record() has store_decision_write() keep. */
		if (so.so_active == 1)
			active_at = now;
		if ((rec = step_record(&so)) >= 0)
			sim_hist_add(&recs, now, rec);
		if (so.so_desired != current &&
		    (ev = step_event(&si, &so)) != 0)
			sim_hist_add(&evs, now, ev);
		/* Every pod is ready by the next decision. */
		current = so.so_desired;
	}
	free(ir);
	free(ie);
	sim_hist_free(&recs);
	sim_hist_free(&evs);
	*rowsp = rows;
	*nrowsp = n;
	return 0;
}

void
sim_rows_free(struct sim_row *rows, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(rows[i].sr_reason);
	free(rows);
}

char *
sim_time_fmt(int64_t ms, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 s = (time_t)(ms / 1000);
	size_t		 n;

	if (gmtime_r(&s, &tm) == NULL ||
	    (n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		snprintf(buf, len, "%lld", (long long)ms);
		return buf;
	}
	if (ms % 1000 != 0)
		snprintf(buf + n, len - n, ".%03dZ", (int)(ms % 1000));
	else
		snprintf(buf + n, len - n, "Z");
	return buf;
}

char *
sim_secs_fmt(int64_t ms, char *buf, size_t len)
{
	int	 n;

	if (ms % 1000 == 0) {
		snprintf(buf, len, "%lld", (long long)(ms / 1000));
		return buf;
	}
	n = snprintf(buf, len, "%lld.%03lld", (long long)(ms / 1000),
	    (long long)(ms < 0 ? -(ms % 1000) : ms % 1000));
	/* "7.500" -> "7.5" */
	while (n > 0 && (size_t)n < len && buf[n - 1] == '0')
		buf[--n] = '\0';
	return buf;
}
