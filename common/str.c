/*
 * str: safe string helpers, allocation wrappers and a growable buffer.
 * The contracts are in str.h; strlcpy, strlcat and strtonum follow the
 * OpenBSD manual pages word for word.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

/* First allocation of a gw_buf: most lines and small documents fit. */
#define BUF_MIN_CAP	64

static void str_oom(void) __attribute__((noreturn));

/*
 * Out of memory is not recoverable here: say so with a fixed message (no
 * allocation, no stdio buffering) and abort, so a core shows where.
 */
static void
str_oom(void)
{
	/* stderr is unbuffered: this needs no memory. */
	fputs("gw: out of memory\n", stderr);
	abort();
}

size_t
gw_strlcpy(char *dst, const char *src, size_t dstsize)
{
	size_t srclen = strlen(src);

	if (dstsize > 0) {
		size_t n = srclen < dstsize - 1 ? srclen : dstsize - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return srclen;
}

size_t
gw_strlcat(char *dst, const char *src, size_t dstsize)
{
	size_t dlen, srclen = strlen(src);

	/* Like OpenBSD, an unterminated dst counts as dstsize long. */
	dlen = strnlen(dst, dstsize);
	if (dlen == dstsize)
		return dstsize + srclen;
	gw_strlcpy(dst + dlen, src, dstsize - dlen);
	return dlen + srclen;
}

long long
gw_strtonum(const char *s, long long minval, long long maxval,
    const char **errstr)
{
	long long	 ll = 0;
	char		*ep;
	const char	*err = NULL;

	if (minval > maxval) {
		err = "invalid";
		errno = EINVAL;
	} else {
		errno = 0;
		ll = strtoll(s, &ep, 10);
		if (s == ep || *ep != '\0') {
			err = "invalid";
			errno = EINVAL;
		} else if ((ll == LLONG_MIN && errno == ERANGE) ||
		    ll < minval) {
			err = "too small";
			errno = ERANGE;
		} else if ((ll == LLONG_MAX && errno == ERANGE) ||
		    ll > maxval) {
			err = "too large";
			errno = ERANGE;
		}
	}
	if (errstr != NULL)
		*errstr = err;
	return err != NULL ? 0 : ll;
}

void *
gw_malloc(size_t n)
{
	/* malloc(0) may return NULL on success; never hand that out. */
	void *p = malloc(n > 0 ? n : 1);

	if (p == NULL)
		str_oom();
	return p;
}

void *
gw_calloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		str_oom();
	return p;
}

void *
gw_reallocarray(void *p, size_t nmemb, size_t size)
{
	void *np;

	/* An overflowing size is a request no allocator can meet. */
	if (size != 0 && nmemb > SIZE_MAX / size)
		str_oom();
	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((np = realloc(p, nmemb * size)) == NULL)
		str_oom();
	return np;
}

char *
gw_strdup(const char *s)
{
	return gw_strndup(s, strlen(s));
}

char *
gw_strndup(const char *s, size_t n)
{
	char	*p;
	size_t	 len = strnlen(s, n);

	p = gw_malloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
gw_strdup_null(const char *s)
{
	return s != NULL ? gw_strdup(s) : NULL;
}

char *
gw_asprintf(const char *fmt, ...)
{
	struct gw_buf	b = { 0 };
	va_list		ap;

	va_start(ap, fmt);
	gw_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return gw_buf_take(&b);
}

int
gw_streq_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

char *
gw_str_lower(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

int
gw_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Makes room for n more bytes plus the NUL. */
static void
buf_grow(struct gw_buf *b, size_t n)
{
	size_t cap;

	if (n > SIZE_MAX - b->b_len - 1)
		str_oom();
	if (b->b_data != NULL && b->b_len + n + 1 <= b->b_cap)
		return;
	cap = b->b_cap > 0 ? b->b_cap : BUF_MIN_CAP;
	while (cap < b->b_len + n + 1)
		cap = cap > SIZE_MAX / 2 ? b->b_len + n + 1 : cap * 2;
	b->b_data = gw_reallocarray(b->b_data, cap, 1);
	b->b_cap = cap;
}

void
gw_buf_append_grow(struct gw_buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	if (n > 0)
		memcpy(b->b_data + b->b_len, s, n);
	b->b_len += n;
	b->b_data[b->b_len] = '\0';
}

void
gw_buf_puts(struct gw_buf *b, const char *s)
{
	gw_buf_append(b, s, strlen(s));
}

void
gw_buf_printf(struct gw_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gw_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
gw_buf_vprintf(struct gw_buf *b, const char *fmt, va_list ap)
{
	va_list	ap2;
	int	n;

	/* Try the free space first; most calls fit and format only once. */
	buf_grow(b, 0);
	va_copy(ap2, ap);
	n = vsnprintf(b->b_data + b->b_len, b->b_cap - b->b_len, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		/* Only an invalid format or a wide-char conversion fails. */
		b->b_data[b->b_len] = '\0';
		return;
	}
	if ((size_t)n >= b->b_cap - b->b_len) {
		buf_grow(b, (size_t)n);
		va_copy(ap2, ap);
		(void)vsnprintf(b->b_data + b->b_len, b->b_cap - b->b_len,
		    fmt, ap2);
		va_end(ap2);
	}
	b->b_len += (size_t)n;
}

/*
 * RFC 8259, section 7: quote, backslash and the controls below 0x20 must
 * be escaped.  Other bytes, UTF-8 sequences included, are copied as they
 * are; the caller owns their validity.  A NULL string becomes JSON null.
 */
void
gw_buf_json_str(struct gw_buf *b, const char *s)
{
	const unsigned char	*p, *run;
	char			 esc[8];

	if (s == NULL) {
		gw_buf_puts(b, "null");
		return;
	}
	gw_buf_append(b, "\"", 1);
	for (run = p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			strcpy(esc, "\\\"");
			break;
		case '\\':
			strcpy(esc, "\\\\");
			break;
		case '\b':
			strcpy(esc, "\\b");
			break;
		case '\f':
			strcpy(esc, "\\f");
			break;
		case '\n':
			strcpy(esc, "\\n");
			break;
		case '\r':
			strcpy(esc, "\\r");
			break;
		case '\t':
			strcpy(esc, "\\t");
			break;
		default:
			if (*p >= 0x20)
				continue;
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			break;
		}
		/* Flush the plain run before the escape. */
		gw_buf_append(b, (const char *)run, (size_t)(p - run));
		gw_buf_puts(b, esc);
		run = p + 1;
	}
	gw_buf_append(b, (const char *)run, (size_t)(p - run));
	gw_buf_append(b, "\"", 1);
}

const char *
gw_buf_str(const struct gw_buf *b)
{
	return b->b_data != NULL ? b->b_data : "";
}

char *
gw_buf_take(struct gw_buf *b)
{
	char *s = b->b_data;

	if (s == NULL)
		s = gw_strdup("");
	b->b_data = NULL;
	b->b_len = b->b_cap = 0;
	return s;
}

void
gw_buf_free(struct gw_buf *b)
{
	free(b->b_data);
	b->b_data = NULL;
	b->b_len = b->b_cap = 0;
}
