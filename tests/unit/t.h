/*
 * t.h: a tiny TAP producer for gw's C unit tests.
 *
 * Each check prints "ok N - what" or "not ok N - what # file:line";
 * t_done() prints the plan and returns the exit status (1 if any failed).
 * tests/run counts the lines of every test binary and of bats.
 */
#ifndef GW_T_H
#define GW_T_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int t_n, t_failed;

static void t_ok(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), unused));

static void
t_ok(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	t_n++;
	printf("%sok %d - ", ok ? "" : "not ", t_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		printf(" # %s:%d", file, line);
		t_failed++;
	}
	putchar('\n');
	fflush(stdout);
}

static int __attribute__((unused))
t_done(void)
{
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}

#define T_OK(cond, ...)	t_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* Compares two C strings (NULL-safe) and shows both on failure. */
#define T_STREQ(got, want, ...) do {					\
	const char *t_g_ = (got), *t_w_ = (want);			\
	int t_eq_ = (t_g_ == NULL && t_w_ == NULL) ||			\
	    (t_g_ != NULL && t_w_ != NULL && strcmp(t_g_, t_w_) == 0);	\
	t_ok(t_eq_, __FILE__, __LINE__, __VA_ARGS__);			\
	if (!t_eq_)							\
		printf("#   got \"%s\", want \"%s\"\n",			\
		    t_g_ ? t_g_ : "(null)", t_w_ ? t_w_ : "(null)");	\
} while (0)
#define T_INTEQ(got, want, ...) do {					\
	long long t_g_ = (long long)(got), t_w_ = (long long)(want);	\
	t_ok(t_g_ == t_w_, __FILE__, __LINE__, __VA_ARGS__);		\
	if (t_g_ != t_w_)						\
		printf("#   got %lld, want %lld\n", t_g_, t_w_);	\
} while (0)

#endif /* GW_T_H */
