/*
 * sim: `gwscale simulate`'s replay of a metric series through a target's
 * policy, as pure functions.
 *
 * sim_csv_parse() reads the series: one row per line, the time first
 * (seconds from the start, or an RFC 3339 timestamp), then one value per
 * metric of the target in the target's order; an empty cell, "null" or
 * "NaN" is a metric that could not be read at that time.  sim_replay()
 * then decides every interval from the first row's time to the last's by
 * doing what `gwscale once` does at each sync: it keeps the history the
 * live loop keeps in the DB (recommendations, scale events, when the
 * target was last active) in memory and calls step_decide(), the one
 * decision function.  What it does not model: the workload takes the
 * desired count at once (every pod ready at the next decision), and
 * nothing but the series changes between decisions.  No I/O here; the
 * command (simulate.c) reads the file, loads the target and prints.
 */
#ifndef GWSCALE_SIM_H
#define GWSCALE_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "scale.h"

/* Rows of a series: a day at one row a second is 86,400, a year at one a
 * minute 525,600; more is a mistake, and each row is held in memory. */
#define SIM_MAX_ROWS		1000000
/* Decisions of one replay: every one is held in memory (with its reason
 * line) to be printed, and more than this is no chart anyone can read;
 * 200,000 are 34 days at the default 15s interval. */
#define SIM_MAX_DECISIONS	200000
/* Longest span of a series given in seconds, ms: a century, so that times
 * stay far from int64 overflow. */
#define SIM_MAX_SPAN_MS		(100LL * 366 * 24 * 3600 * 1000)

/* A parsed series.  Owns its arrays; free with sim_series_free(). */
struct sim_series {
	size_t		 ss_nrows;
	size_t		 ss_nmetrics;
	/* 1: the times were RFC 3339 timestamps (ss_times are ms since the
	 * epoch); 0: seconds from the start (ss_times are ms). */
	int		 ss_timestamps;
	int64_t		*ss_times;	/* [nrows], strictly increasing */
	/* [nrows * nmetrics], row major: the value, and 0 in ss_available
	 * when the cell said the metric could not be read (the value is
	 * then 0 and meaningless). */
	double		*ss_values;
	int		*ss_available;
};

/* One decision of a replay. */
struct sim_row {
	int64_t		 sr_t_ms;	/* since the first row's time */
	int64_t		 sr_at_ms;	/* ms since the epoch; -1 when the
					   series gave seconds */
	/* The values and availability of the series row in force: the
	 * latest at or before the decision's time.  Point into the series,
	 * which must outlive the rows. */
	const double	*sr_values;
	const int	*sr_available;
	int32_t		 sr_current;
	int32_t		 sr_desired;
	/* One word: the HPA's condition reason, or Activated, Deactivated
	 * or Idle for scale to and from zero; static storage. */
	const char	*sr_word;
	/* step_out's line, invalid UTF-8 (a query cut in a character)
	 * as '?'; owned. */
	char		*sr_reason;
};

/*
 * Parses a CSV series of nmetrics metrics from text[0..len) (need not be
 * NUL terminated).  Lines end in LF or CRLF; blank lines and lines whose
 * first non-blank character is '#' are skipped; fields are separated by
 * commas, blanks around them ignored, and may be double-quoted ("" for a
 * quote); a UTF-8 byte order mark at the start is skipped.  The first
 * line left may be a header naming the columns, recognised by its first
 * field starting with neither a digit, a sign nor a point; it must have
 * the same number of columns as the rows.  Every row has 1 + nmetrics
 * fields.  Returns 0, or -1 with err naming the line, the column and the
 * bad value (`line 7: column 2: invalid number "abc"`) and *ss empty.
 */
int	sim_csv_parse(const char *text, size_t len, size_t nmetrics,
	    struct sim_series *ss, char *err, size_t errlen);
void	sim_series_free(struct sim_series *);

/*
 * Replays ss through target t from start replicas, deciding every
 * interval_ms from the first row's time up to the last row's.  *rows is
 * a malloc'd array of *nrows decisions (free with sim_rows_free()).
 * Returns 0, or -1 with err (a series of another number of metrics, a
 * bad count or interval, too many decisions).
 */
int	sim_replay(const struct gw_scale_target *t, const struct sim_series *ss,
	    int32_t start, int64_t interval_ms, struct sim_row **rows,
	    size_t *nrows, char *err, size_t errlen);
void	sim_rows_free(struct sim_row *, size_t);

/* The length of the valid UTF-8 sequence at s (RFC 3629 section 4: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
size_t	sim_utf8_len(const char *s);

/* Formats ms since the epoch as RFC 3339 in UTC ("2026-11-26T09:30:00Z",
 * with .mmm when not a whole second); returns buf. */
char	*sim_time_fmt(int64_t ms, char *buf, size_t len);
/* Formats a duration in ms as seconds, "15" or "7.5" (no trailing
 * zeros); returns buf. */
char	*sim_secs_fmt(int64_t ms, char *buf, size_t len);

#endif /* GWSCALE_SIM_H */
