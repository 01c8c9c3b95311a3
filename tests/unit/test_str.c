/*
 * test_str: gw_strlcpy/strlcat, gw_strtonum, the allocation wrappers and
 * struct gw_buf, JSON string escaping above all.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "t.h"

static void
test_strlcpy(void)
{
	char	buf[8];
	size_t	n;

	n = gw_strlcpy(buf, "abc", sizeof(buf));
	T_INTEQ(n, 3, "strlcpy returns the source length");
	T_STREQ(buf, "abc", "strlcpy copies a short string");

	memset(buf, 'x', sizeof(buf));
	n = gw_strlcpy(buf, "0123456789", sizeof(buf));
	T_INTEQ(n, 10, "strlcpy returns the length it tried to create");
	T_STREQ(buf, "0123456", "strlcpy truncates and terminates");

	buf[0] = 'q';
	n = gw_strlcpy(buf, "abc", 0);
	T_OK(n == 3 && buf[0] == 'q', "strlcpy with size 0 writes nothing");

	n = gw_strlcpy(buf, "", sizeof(buf));
	T_OK(n == 0 && buf[0] == '\0', "strlcpy of the empty string");

	gw_strlcpy(buf, "ab", sizeof(buf));
	n = gw_strlcat(buf, "cd", sizeof(buf));
	T_INTEQ(n, 4, "strlcat returns the total length");
	T_STREQ(buf, "abcd", "strlcat appends");

	n = gw_strlcat(buf, "efghij", sizeof(buf));
	T_INTEQ(n, 10, "strlcat returns the length it tried to create");
	T_STREQ(buf, "abcdefg", "strlcat truncates and terminates");

	memset(buf, 'x', sizeof(buf));
	n = gw_strlcat(buf, "abc", sizeof(buf));
	T_INTEQ(n, sizeof(buf) + 3, "strlcat on an unterminated dst");
	T_OK(buf[sizeof(buf) - 1] == 'x', "strlcat leaves it unterminated");
}

static void
test_strtonum(void)
{
	const char	*errstr;
	long long	 v;

	v = gw_strtonum("42", 0, 100, &errstr);
	T_OK(v == 42 && errstr == NULL, "strtonum 42");
	v = gw_strtonum("-5", -10, 10, &errstr);
	T_OK(v == -5 && errstr == NULL, "strtonum -5");
	v = gw_strtonum("100", 0, 100, &errstr);
	T_OK(v == 100 && errstr == NULL, "strtonum at maxval");
	v = gw_strtonum("9223372036854775807", LLONG_MIN, LLONG_MAX,
	    &errstr);
	T_OK(v == LLONG_MAX && errstr == NULL, "strtonum LLONG_MAX");

	v = gw_strtonum("101", 0, 100, &errstr);
	T_STREQ(errstr, "too large", "strtonum above maxval");
	T_OK(v == 0 && errno == ERANGE, "strtonum too large: 0, ERANGE");
	gw_strtonum("-1", 0, 100, &errstr);
	T_STREQ(errstr, "too small", "strtonum below minval");
	gw_strtonum("99999999999999999999", 0, LLONG_MAX, &errstr);
	T_STREQ(errstr, "too large", "strtonum overflow");
	gw_strtonum("-99999999999999999999", LLONG_MIN, 0, &errstr);
	T_STREQ(errstr, "too small", "strtonum underflow");
	v = gw_strtonum("", 0, 100, &errstr);
	T_STREQ(errstr, "invalid", "strtonum empty");
	T_OK(v == 0 && errno == EINVAL, "strtonum invalid: 0, EINVAL");
	gw_strtonum("12x", 0, 100, &errstr);
	T_STREQ(errstr, "invalid", "strtonum trailing junk");
	gw_strtonum("abc", 0, 100, &errstr);
	T_STREQ(errstr, "invalid", "strtonum no digits");
	gw_strtonum("5", 10, 1, &errstr);
	T_STREQ(errstr, "invalid", "strtonum minval > maxval");
}

static void
test_alloc(void)
{
	char	*s, *p;
	int	*a;

	s = gw_strdup("hello");
	T_STREQ(s, "hello", "strdup");
	free(s);
	s = gw_strndup("hello", 3);
	T_STREQ(s, "hel", "strndup cuts");
	free(s);
	s = gw_strndup("hi", 10);
	T_STREQ(s, "hi", "strndup of a shorter string");
	free(s);
	T_OK(gw_strdup_null(NULL) == NULL, "strdup_null(NULL) is NULL");
	s = gw_strdup_null("x");
	T_STREQ(s, "x", "strdup_null copies");
	free(s);
	s = gw_asprintf("%s-%d", "a", 7);
	T_STREQ(s, "a-7", "asprintf");
	free(s);

	p = gw_malloc(0);
	T_OK(p != NULL, "malloc(0) is not NULL");
	free(p);
	a = gw_calloc(4, sizeof(*a));
	T_OK(a[0] == 0 && a[3] == 0, "calloc zeroes");
	a = gw_reallocarray(a, 1000, sizeof(*a));
	a[999] = 5;
	T_OK(a[0] == 0 && a[999] == 5, "reallocarray grows and keeps");
	free(a);
}

static void
test_misc(void)
{
	char s[] = "MiXeD-Case_09.ÄB";

	T_OK(gw_streq_null(NULL, NULL), "streq_null: NULL == NULL");
	T_OK(!gw_streq_null("a", NULL), "streq_null: a != NULL");
	T_OK(!gw_streq_null(NULL, "a"), "streq_null: NULL != a");
	T_OK(gw_streq_null("a", "a"), "streq_null: a == a");
	T_OK(!gw_streq_null("a", "b"), "streq_null: a != b");
	T_STREQ(gw_str_lower(s), "mixed-case_09.Äb",
	    "str_lower changes ASCII only");
	T_OK(gw_str_has_prefix("header:x", "header:"), "has_prefix yes");
	T_OK(gw_str_has_prefix("abc", ""), "has_prefix empty prefix");
	T_OK(!gw_str_has_prefix("head", "header:"), "has_prefix shorter");
	T_OK(!gw_str_has_prefix("cookie:x", "header:"), "has_prefix no");
}

static void
test_buf(void)
{
	struct gw_buf	 b = { 0 };
	char		*s, big[1000];
	int		 i;

	T_STREQ(gw_buf_str(&b), "", "empty buf reads as \"\"");
	s = gw_buf_take(&b);
	T_STREQ(s, "", "take of an empty buf is \"\", not NULL");
	free(s);

	gw_buf_puts(&b, "ab");
	gw_buf_append(&b, "cdef", 2);
	gw_buf_printf(&b, "[%d]", 42);
	T_STREQ(gw_buf_str(&b), "abcd[42]", "puts, append, printf");
	T_INTEQ(b.b_len, 8, "b_len counts the bytes");

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	gw_buf_printf(&b, "%s", big);
	T_INTEQ(b.b_len, 8 + 999, "printf grows the buffer");
	T_OK(b.b_data[b.b_len] == '\0' && b.b_data[8] == 'z' &&
	    b.b_data[b.b_len - 1] == 'z', "grown buffer is intact");
	for (i = 0; i < 10000; i++)
		gw_buf_append(&b, "x", 1);
	T_INTEQ(strlen(gw_buf_str(&b)), 8 + 999 + 10000,
	    "many appends stay terminated");

	s = gw_buf_take(&b);
	T_OK(b.b_data == NULL && b.b_len == 0 && b.b_cap == 0,
	    "take resets the buffer");
	T_INTEQ(strlen(s), 8 + 999 + 10000, "take hands over the data");
	free(s);

	gw_buf_append(&b, "", 0);
	T_STREQ(gw_buf_str(&b), "", "appending nothing");
	gw_buf_free(&b);
	T_OK(b.b_data == NULL && b.b_len == 0, "free resets the buffer");
}

static void
json(const char *in, const char *want, const char *what)
{
	struct gw_buf b = { 0 };

	gw_buf_json_str(&b, in);
	T_STREQ(gw_buf_str(&b), want, "json_str: %s", what);
	gw_buf_free(&b);
}

static void
test_json_str(void)
{
	struct gw_buf b = { 0 };

	json("", "\"\"", "empty");
	json("plain", "\"plain\"", "plain");
	json("a\"b", "\"a\\\"b\"", "quote");
	json("a\\b", "\"a\\\\b\"", "backslash");
	json("l1\nl2\r\t", "\"l1\\nl2\\r\\t\"", "newline, CR, tab");
	json("\b\f", "\"\\b\\f\"", "backspace, form feed");
	json("\x01\x1f", "\"\\u0001\\u001f\"", "other controls");
	json("\x1b[31m", "\"\\u001b[31m\"", "escape character");
	json("caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\"",
	    "UTF-8 left as is");
	json("/ \x7f", "\"/ \x7f\"", "slash and DEL left as is");
	json(NULL, "null", "NULL is null");

	gw_buf_puts(&b, "{\"k\":");
	gw_buf_json_str(&b, "v");
	gw_buf_puts(&b, "}");
	T_STREQ(gw_buf_str(&b), "{\"k\":\"v\"}", "json_str appends");
	gw_buf_free(&b);
}

int
main(void)
{
	test_strlcpy();
	test_strtonum();
	test_alloc();
	test_misc();
	test_buf();
	test_json_str();
	return t_done();
}
