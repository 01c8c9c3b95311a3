/*
 * duration: parsing and formatting of durations and byte sizes, parsing of
 * RFC 3339 times, and the two clocks.  The grammar is in duration.h.
 * Arithmetic is exact integer arithmetic on milliseconds and bytes: no
 * floating point, so "0.1s" is 100 ms on every machine and a value either
 * fits or is refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "str.h"

#define MS_SECOND	1000LL
#define MS_MINUTE	(60 * MS_SECOND)
#define MS_HOUR		(60 * MS_MINUTE)
#define MS_DAY		(24 * MS_HOUR)

/*
 * Most fraction digits that can still name a whole number of
 * milliseconds.  After trailing zeros are dropped, a fraction f/10^k with
 * k digits is whole in unit u only when 10^k divides f*u; as f is not a
 * multiple of 10, u alone must supply the 2^k or the 5^k, and the largest
 * unit, a day (2^10 * 3^3 * 5^5 ms), has at most 2^10.  Capping k also
 * keeps f*u below 10^10 * 86400000, well inside int64_t.
 */
#define FRAC_DIGITS_MAX	10

static const struct {
	const char	*du_name;
	int64_t		 du_ms;
} duration_units[] = {
	{ "ms",	1 },
	{ "s",	MS_SECOND },
	{ "m",	MS_MINUTE },
	{ "h",	MS_HOUR },
	{ "d",	MS_DAY },
};

static const struct {
	const char	*su_name;
	int64_t		 su_bytes;
} size_units[] = {
	{ "B",		1 },
	{ "k",		1LL << 10 },
	{ "K",		1LL << 10 },
	{ "KiB",	1LL << 10 },
	{ "m",		1LL << 20 },
	{ "M",		1LL << 20 },
	{ "MiB",	1LL << 20 },
	{ "g",		1LL << 30 },
	{ "G",		1LL << 30 },
	{ "GiB",	1LL << 30 },
	{ "KB",		1000LL },
	{ "MB",		1000LL * 1000 },
	{ "GB",		1000LL * 1000 * 1000 },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
duration_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads the digits at *sp into *v, saturating at max + 1 so that a long
 * run of digits is "too large" rather than an overflow.  Returns the
 * number of digits read.
 */
static size_t
duration_digits(const char **sp, int64_t max, int64_t *v)
{
	const char	*s = *sp;
	size_t		 n = 0;

	*v = 0;
	for (; duration_isdigit(*s); s++, n++) {
		if (*v <= max)
			*v = *v * 10 + (*s - '0');
		if (*v > max)
			*v = max + 1;
	}
	*sp = s;
	return n;
}

int
gw_duration_parse(const char *s, int64_t *ms, const char **errstr)
{
	const char	*p, *unit, *frac;
	int64_t		 total = 0, whole, f, u, part;
	size_t		 nfrac, ulen, i;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return -1;
	}
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	if (*s == '-') {
		*errstr = "negative duration";
		return -1;
	}
	for (p = s; *p != '\0';) {
		if (duration_digits(&p, GW_DURATION_MAX_MS, &whole) == 0) {
			*errstr = "invalid number";
			return -1;
		}
		frac = NULL;
		nfrac = 0;
		if (*p == '.') {
			frac = ++p;
			while (duration_isdigit(*p))
				p++;
			nfrac = (size_t)(p - frac);
			if (nfrac == 0) {
				*errstr = "invalid number";
				return -1;
			}
		}
		/* As in Go, the unit runs to the next number. */
		for (unit = p; *p != '\0' && !duration_isdigit(*p) &&
		    *p != '.'; p++)
			;
		ulen = (size_t)(p - unit);
		if (ulen == 0) {
			*errstr = "missing unit";
			return -1;
		}
		for (i = 0; i < NELEM(duration_units); i++)
			if (strlen(duration_units[i].du_name) == ulen &&
			    strncmp(duration_units[i].du_name, unit,
			    ulen) == 0)
				break;
		if (i == NELEM(duration_units)) {
			*errstr = "unknown unit";
			return -1;
		}
		u = duration_units[i].du_ms;

		/* whole <= max + 1 and u <= 1 day: no overflow here. */
		part = whole * u;
		while (nfrac > 0 && frac[nfrac - 1] == '0')
			nfrac--;
		if (nfrac > 0) {
			int64_t pow10 = 1;

			if (nfrac > FRAC_DIGITS_MAX) {
				*errstr = "finer than a millisecond";
				return -1;
			}
			for (f = 0, i = 0; i < nfrac; i++) {
				f = f * 10 + (frac[i] - '0');
				pow10 *= 10;
			}
			if (f * u % pow10 != 0) {
				*errstr = "finer than a millisecond";
				return -1;
			}
			part += f * u / pow10;
		}
		total += part;
		if (total > GW_DURATION_MAX_MS) {
			*errstr = "too large";
			return -1;
		}
	}
	*ms = total;
	return 0;
}

/*
 * Whole days when the value is a whole number of days, else hours as the
 * largest unit (Go's style: "36h", not "1d12h"), then minutes, then
 * seconds with the milliseconds as a decimal fraction.  Below a second,
 * plain milliseconds.
 */
char *
gw_duration_fmt(int64_t ms, char *buf, size_t len)
{
	char	 tmp[64];
	size_t	 n = 0;
	int64_t	 h, m, sec, frac;
	int	 w;

	if (len == 0)
		return buf;
	if (ms == 0) {
		gw_strlcpy(buf, "0s", len);
		return buf;
	}
	if (ms < MS_SECOND) {
		/* Negative values break the contract; show them plainly. */
		snprintf(tmp, sizeof(tmp), "%lldms", (long long)ms);
		gw_strlcpy(buf, tmp, len);
		return buf;
	}
	if (ms % MS_DAY == 0) {
		snprintf(tmp, sizeof(tmp), "%lldd", (long long)(ms / MS_DAY));
		gw_strlcpy(buf, tmp, len);
		return buf;
	}
	h = ms / MS_HOUR;
	m = ms % MS_HOUR / MS_MINUTE;
	sec = ms % MS_MINUTE / MS_SECOND;
	frac = ms % MS_SECOND;
	tmp[0] = '\0';
	if (h > 0 && (w = snprintf(tmp + n, sizeof(tmp) - n, "%lldh",
	    (long long)h)) > 0)
		n += (size_t)w;
	if (m > 0 && (w = snprintf(tmp + n, sizeof(tmp) - n, "%lldm",
	    (long long)m)) > 0)
		n += (size_t)w;
	if (frac > 0) {
		/* Three digits, trailing zeros dropped: 1.5s, 1.25s. */
		char	digits[4];
		int	i;

		for (i = 2; i >= 0; i--, frac /= 10)
			digits[i] = (char)('0' + frac % 10);
		for (i = 3; digits[i - 1] == '0'; i--)
			;
		digits[i] = '\0';
		snprintf(tmp + n, sizeof(tmp) - n, "%lld.%ss",
		    (long long)sec, digits);
	} else if (sec > 0)
		snprintf(tmp + n, sizeof(tmp) - n, "%llds", (long long)sec);
	gw_strlcpy(buf, tmp, len);
	return buf;
}

int
gw_size_parse(const char *s, int64_t *bytes, const char **errstr)
{
	const char	*p;
	int64_t		 v;
	size_t		 i;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return -1;
	}
	if (*s == '-') {
		*errstr = "negative size";
		return -1;
	}
	p = s;
	if (duration_digits(&p, GW_SIZE_MAX_BYTES, &v) == 0 || *p == '.') {
		*errstr = "invalid number";
		return -1;
	}
	if (*p == '\0') {
		i = 0;		/* plain bytes */
	} else {
		for (i = 0; i < NELEM(size_units); i++)
			if (strcmp(size_units[i].su_name, p) == 0)
				break;
		if (i == NELEM(size_units)) {
			*errstr = "unknown unit";
			return -1;
		}
	}
	/* v <= 2^40 + 1 and the unit <= 2^30: no overflow. */
	v *= size_units[i].su_bytes;
	if (v > GW_SIZE_MAX_BYTES) {
		*errstr = "too large";
		return -1;
	}
	*bytes = v;
	return 0;
}

char *
gw_size_fmt(int64_t bytes, char *buf, size_t len)
{
	static const char	*names[] = { "GiB", "MiB", "KiB" };
	static const int	 shifts[] = { 30, 20, 10 };
	char			 tmp[32];
	size_t			 i;

	for (i = 0; i < NELEM(names); i++) {
		int64_t unit = (int64_t)1 << shifts[i];

		if (bytes > 0 && bytes % unit == 0) {
			snprintf(tmp, sizeof(tmp), "%lld%s",
			    (long long)(bytes / unit), names[i]);
			gw_strlcpy(buf, tmp, len);
			return buf;
		}
	}
	snprintf(tmp, sizeof(tmp), "%lldB", (long long)bytes);
	gw_strlcpy(buf, tmp, len);
	return buf;
}

static int64_t
duration_clock_ms(clockid_t id)
{
	struct timespec ts;

	/* Fails only for an invalid clock id; both used here exist. */
	if (clock_gettime(id, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads exactly n digits at *p into *v and advances *p. */
static int
time_digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

/*
 * Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil), so no time zone or libc is involved.
 */
static int64_t
time_days(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* RFC 3339, section 5.6, with its leap-year rule of Appendix C. */
int
gw_time_parse(const char *s, int64_t *ms, const char **errstr)
{
	static const int mdays[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	const char	*p = s;
	int		 y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, dig;
	int64_t		 frac = 0, t;
	int		 nfrac = 0;

	*errstr = "expected a time such as 2026-11-26T09:30:00Z";
	if (time_digits(&p, 4, &y) == -1 || *p++ != '-' ||
	    time_digits(&p, 2, &mo) == -1 || *p++ != '-' ||
	    time_digits(&p, 2, &d) == -1)
		return -1;
	/* RFC 3339 allows a space for readability (section 5.6, NOTE). */
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (time_digits(&p, 2, &h) == -1 || *p++ != ':' ||
	    time_digits(&p, 2, &mi) == -1 || *p++ != ':' ||
	    time_digits(&p, 2, &sec) == -1)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nfrac++)
			if (nfrac < 3)
				frac = frac * 10 + (*p - '0');
		if (nfrac == 0)
			return -1;
		for (dig = nfrac; dig < 3; dig++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (time_digits(&p, 2, &oh) == -1 || *p++ != ':' ||
		    time_digits(&p, 2, &om) == -1)
			return -1;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 &&
	    (y % 100 != 0 || y % 400 == 0))) ||
	    h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59) {
		*errstr = "no such date or time";
		return -1;
	}
	/* A leap second (:60) counts as the second before it. */
	if (sec == 60)
		sec = 59;
	t = time_days(y, mo, d) * MS_DAY + h * MS_HOUR + mi * MS_MINUTE +
	    sec * MS_SECOND + frac;
	t -= sign * (oh * MS_HOUR + om * MS_MINUTE);
	if (t < 0) {
		*errstr = "before 1970";
		return -1;
	}
	*ms = t;
	return 0;
}

int64_t
gw_now_ms(void)
{
	return duration_clock_ms(CLOCK_REALTIME);
}

int64_t
gw_mono_ms(void)
{
	return duration_clock_ms(CLOCK_MONOTONIC);
}
