/*
 * test_duration: duration and size parsing (every accepted form and every
 * refusal with its reason), canonical formatting and its round trip, and
 * the two clocks.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "t.h"

static void
dur_ok(const char *s, int64_t want)
{
	const char	*errstr = NULL;
	int64_t		 ms = -1;
	int		 rc;

	rc = gw_duration_parse(s, &ms, &errstr);
	T_OK(rc == 0 && ms == want, "duration \"%s\" is %lld ms", s,
	    (long long)want);
	if (rc != 0)
		printf("#   error: %s\n", errstr);
	else if (ms != want)
		printf("#   got %lld\n", (long long)ms);
}

static void
dur_bad(const char *s, const char *want)
{
	const char	*errstr = NULL;
	int64_t		 ms = 12345;
	int		 rc;

	rc = gw_duration_parse(s, &ms, &errstr);
	T_OK(rc == -1, "duration \"%s\" is refused", s);
	T_STREQ(errstr, want, "duration \"%s\": reason", s);
	T_INTEQ(ms, 12345, "duration \"%s\": result untouched", s);
}

static void
test_duration_parse(void)
{
	dur_ok("250ms", 250);
	dur_ok("5s", 5000);
	dur_ok("1m", 60000);
	dur_ok("1m30s", 90000);
	dur_ok("1.5h", 5400000);
	dur_ok("0", 0);
	dur_ok("0s", 0);
	dur_ok("0ms", 0);
	dur_ok("1d", 86400000);
	dur_ok("2h45m", 9900000);
	dur_ok("1.5s", 1500);
	dur_ok("0.25s", 250);
	dur_ok("1.001s", 1001);
	dur_ok("1.0005m", 60030);	/* a whole 30 ms */
	dur_ok("1.500000000000s", 1500);	/* trailing zeros are fine */
	dur_ok("1s500ms", 1500);
	dur_ok("007s", 7000);
	dur_ok("30d", GW_DURATION_MAX_MS);
	dur_ok("720h", GW_DURATION_MAX_MS);
	dur_ok("2592000000ms", GW_DURATION_MAX_MS);

	dur_bad("", "empty");
	dur_bad(NULL, "empty");
	dur_bad("5", "missing unit");
	dur_bad("00", "missing unit");
	dur_bad("1.5", "missing unit");
	dur_bad("1m30", "missing unit");
	dur_bad("5x", "unknown unit");
	dur_bad("5S", "unknown unit");
	dur_bad("5sec", "unknown unit");
	dur_bad("1 s", "unknown unit");
	dur_bad("1s ", "unknown unit");
	dur_bad("5us", "unknown unit");
	dur_bad("-1s", "negative duration");
	dur_bad("+1s", "invalid number");
	dur_bad(" 1s", "invalid number");
	dur_bad("s", "invalid number");
	dur_bad("ms", "invalid number");
	dur_bad(".5s", "invalid number");
	dur_bad("1.s", "invalid number");
	dur_bad("1..5s", "invalid number");
	dur_bad("1.0005s", "finer than a millisecond");
	dur_bad("0.5ms", "finer than a millisecond");
	dur_bad("1.00000000001d", "finer than a millisecond");
	dur_bad("0.000000000000000000001s", "finer than a millisecond");
	dur_bad("30d1ms", "too large");
	dur_bad("31d", "too large");
	dur_bad("2592000001ms", "too large");
	dur_bad("99999999999999999999999s", "too large");
	dur_bad("9223372036854775807ms", "too large");
	dur_bad("29d48h", "too large");
}

static void
dur_fmt(int64_t ms, const char *want)
{
	char buf[64];

	T_STREQ(gw_duration_fmt(ms, buf, sizeof(buf)), want,
	    "duration_fmt(%lld)", (long long)ms);
}

static void
test_duration_fmt(void)
{
	static const int64_t	 samples[] = {
		0, 1, 9, 10, 250, 999, 1000, 1001, 1010, 1100, 1500, 59999,
		60000, 60001, 60250, 61000, 90000, 3599999, 3600000,
		3600001, 5400000, 86399999, 86400000, 86400001, 129600000,
		172800000, GW_DURATION_MAX_MS - 1, GW_DURATION_MAX_MS
	};
	const char		*errstr;
	char			 buf[64], small[4];
	int64_t			 ms, back;
	size_t			 i;
	int			 bad = 0, n = 0;

	dur_fmt(0, "0s");
	dur_fmt(1, "1ms");
	dur_fmt(250, "250ms");
	dur_fmt(1000, "1s");
	dur_fmt(1001, "1.001s");
	dur_fmt(1010, "1.01s");
	dur_fmt(1500, "1.5s");
	dur_fmt(60000, "1m");
	dur_fmt(60250, "1m0.25s");
	dur_fmt(90000, "1m30s");
	dur_fmt(3600000, "1h");
	dur_fmt(3600001, "1h0.001s");
	dur_fmt(5400000, "1h30m");
	dur_fmt(86400000, "1d");
	dur_fmt(129600000, "36h");
	dur_fmt(GW_DURATION_MAX_MS, "30d");

	T_STREQ(gw_duration_fmt(90000, small, sizeof(small)), "1m3",
	    "duration_fmt truncates to the buffer");

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		gw_duration_fmt(samples[i], buf, sizeof(buf));
		if (gw_duration_parse(buf, &back, &errstr) != 0 ||
		    back != samples[i]) {
			printf("# %lld -> \"%s\" does not parse back\n",
			    (long long)samples[i], buf);
			bad++;
		}
	}
	T_INTEQ(bad, 0, "duration_fmt round trip of edge values");

	/* A walk over the whole range with a prime stride, plus near it. */
	bad = 0;
	for (ms = 0; ms <= GW_DURATION_MAX_MS; ms += 7919 * 1237 + 1) {
		int64_t d;

		for (d = 0; d < 3; d++, n++) {
			gw_duration_fmt(ms + d, buf, sizeof(buf));
			if (gw_duration_parse(buf, &back, &errstr) != 0 ||
			    back != ms + d)
				bad++;
		}
	}
	T_INTEQ(bad, 0, "duration_fmt round trip of %d values", n);
}

static void
size_ok(const char *s, int64_t want)
{
	const char	*errstr = NULL;
	int64_t		 v = -1;
	int		 rc;

	rc = gw_size_parse(s, &v, &errstr);
	T_OK(rc == 0 && v == want, "size \"%s\" is %lld bytes", s,
	    (long long)want);
	if (rc != 0)
		printf("#   error: %s\n", errstr);
	else if (v != want)
		printf("#   got %lld\n", (long long)v);
}

static void
size_bad(const char *s, const char *want)
{
	const char	*errstr = NULL;
	int64_t		 v = 12345;

	T_OK(gw_size_parse(s, &v, &errstr) == -1, "size \"%s\" is refused",
	    s);
	T_STREQ(errstr, want, "size \"%s\": reason", s);
	T_INTEQ(v, 12345, "size \"%s\": result untouched", s);
}

static void
test_size(void)
{
	static const int64_t	 samples[] = {
		0, 1, 512, 1000, 1023, 1024, 1025, 65536, 1048576, 1048577,
		1073741824, 3LL << 30, GW_SIZE_MAX_BYTES - 1,
		GW_SIZE_MAX_BYTES
	};
	const char		*errstr;
	char			 buf[32];
	int64_t			 back;
	size_t			 i;
	int			 bad = 0;

	size_ok("64KiB", 65536);
	size_ok("1MiB", 1048576);
	size_ok("1GiB", 1073741824);
	size_ok("10k", 10240);
	size_ok("10K", 10240);
	size_ok("8m", 8388608);
	size_ok("2g", 2147483648LL);
	size_ok("1KB", 1000);
	size_ok("1MB", 1000000);
	size_ok("1GB", 1000000000);
	size_ok("512", 512);
	size_ok("512B", 512);
	size_ok("0", 0);
	size_ok("1024GiB", GW_SIZE_MAX_BYTES);
	size_ok("1099511627776", GW_SIZE_MAX_BYTES);

	size_bad("", "empty");
	size_bad(NULL, "empty");
	size_bad("k", "invalid number");
	size_bad("KiB", "invalid number");
	size_bad("1.5k", "invalid number");
	size_bad("+1k", "invalid number");
	size_bad(" 1k", "invalid number");
	size_bad("-1", "negative size");
	size_bad("10x", "unknown unit");
	size_bad("10kb", "unknown unit");
	size_bad("10kib", "unknown unit");
	size_bad("10 k", "unknown unit");
	size_bad("10k ", "unknown unit");
	size_bad("10KiBB", "unknown unit");
	size_bad("1TiB", "unknown unit");
	size_bad("1025GiB", "too large");
	size_bad("1099511627777", "too large");
	size_bad("99999999999999999999999", "too large");

	T_STREQ(gw_size_fmt(65536, buf, sizeof(buf)), "64KiB", "size_fmt KiB");
	T_STREQ(gw_size_fmt(1048576, buf, sizeof(buf)), "1MiB",
	    "size_fmt MiB");
	T_STREQ(gw_size_fmt(1LL << 30, buf, sizeof(buf)), "1GiB",
	    "size_fmt GiB");
	T_STREQ(gw_size_fmt(1536, buf, sizeof(buf)), "1536B",
	    "size_fmt 1.5 KiB in bytes, exactly");
	T_STREQ(gw_size_fmt((3 << 20) + (1 << 10), buf, sizeof(buf)), "3073KiB",
	    "size_fmt the largest exact unit");
	T_STREQ(gw_size_fmt(1000, buf, sizeof(buf)), "1000B",
	    "size_fmt 1000 bytes");
	T_STREQ(gw_size_fmt(0, buf, sizeof(buf)), "0B", "size_fmt 0");
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		gw_size_fmt(samples[i], buf, sizeof(buf));
		if (gw_size_parse(buf, &back, &errstr) != 0 ||
		    back != samples[i]) {
			printf("# %lld -> \"%s\" does not parse back\n",
			    (long long)samples[i], buf);
			bad++;
		}
	}
	T_INTEQ(bad, 0, "size_fmt round trip");
}

static void
test_clocks(void)
{
	int64_t now = gw_now_ms(), m1, m2;

	/* 2024-01-01 and 2100-01-01 in ms: a sane wall clock. */
	T_OK(now > 1704067200000LL && now < 4102444800000LL,
	    "gw_now_ms is in milliseconds since the epoch");
	m1 = gw_mono_ms();
	m2 = gw_mono_ms();
	T_OK(m1 > 0 && m2 >= m1, "gw_mono_ms does not go back");
}

static void
time_ok(const char *s, int64_t want)
{
	const char	*errstr = NULL;
	int64_t		 ms = -1;

	T_INTEQ(gw_time_parse(s, &ms, &errstr), 0, "time \"%s\" parses (%s)",
	    s, errstr ? errstr : "ok");
	T_INTEQ(ms, want, "time \"%s\"", s);
}

static void
time_bad(const char *s, const char *why)
{
	const char	*errstr = NULL;
	int64_t		 ms = 42;

	T_INTEQ(gw_time_parse(s, &ms, &errstr), -1, "time \"%s\" refused",
	    s);
	T_STREQ(errstr, why, "time \"%s\" says why", s);
	T_INTEQ(ms, 42, "time \"%s\" leaves the result", s);
}

static void
test_time_parse(void)
{
	const char *shape = "expected a time such as 2026-11-26T09:30:00Z";

	time_ok("1970-01-01T00:00:00Z", 0);
	time_ok("2026-11-26T09:30:00Z", 1795685400000LL);
	time_ok("2026-11-26t09:30:00z", 1795685400000LL);
	time_ok("2026-11-26 09:30:00Z", 1795685400000LL);
	time_ok("2026-11-26T10:30:00+01:00", 1795685400000LL);
	time_ok("2026-11-26T04:00:00-05:30", 1795685400000LL);
	time_ok("2026-11-26T09:30:00.25Z", 1795685400250LL);
	time_ok("2026-11-26T09:30:00.123456789Z", 1795685400123LL);
	time_ok("2024-02-29T00:00:00Z", 1709164800000LL);
	time_ok("2000-02-29T00:00:00Z", 951782400000LL);
	time_ok("2016-12-31T23:59:60Z", 1483228799000LL);
	time_bad("", shape);
	time_bad("2026-11-26", shape);
	time_bad("2026-11-26T09:30Z", shape);
	time_bad("2026-11-26T09:30:00", shape);
	time_bad("2026-11-26T09:30:00.Z", shape);
	time_bad("2026-11-26T09:30:00+0100", shape);
	time_bad("2026-11-26T09:30:00Z ", shape);
	time_bad("26-11-26T09:30:00Z", shape);
	time_bad("1h", shape);
	time_bad("2026-13-01T00:00:00Z", "no such date or time");
	time_bad("2026-02-29T00:00:00Z", "no such date or time");
	time_bad("1900-02-29T00:00:00Z", "no such date or time");
	time_bad("2026-04-31T00:00:00Z", "no such date or time");
	time_bad("2026-11-26T24:00:00Z", "no such date or time");
	time_bad("2026-11-26T09:60:00Z", "no such date or time");
	time_bad("2026-11-26T09:30:00+24:00", "no such date or time");
	time_bad("1969-12-31T23:59:59Z", "before 1970");
	time_bad("1970-01-01T00:30:00+01:00", "before 1970");
}

int
main(void)
{
	test_duration_parse();
	test_duration_fmt();
	test_size();
	test_clocks();
	test_time_parse();
	return t_done();
}
