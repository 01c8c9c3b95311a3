/*
 * str: safe string helpers glibc 2.36 lacks or gets wrong.
 *
 * gw_strlcpy/gw_strlcat have OpenBSD semantics (always terminate, return the
 * length they tried to create).  gw_strtonum is OpenBSD strtonum(3).  The
 * allocation wrappers never return NULL: running out of memory is fatal in
 * gw (a half-done config write would be worse), and they say so on stderr.
 * A growable buffer (struct gw_buf) builds output and SQL without fixed
 * limits.  Nothing here does I/O.
 */
#ifndef GW_STR_H
#define GW_STR_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

size_t		 gw_strlcpy(char *dst, const char *src, size_t dstsize);
size_t		 gw_strlcat(char *dst, const char *src, size_t dstsize);
long long	 gw_strtonum(const char *s, long long minval, long long maxval,
		    const char **errstr);

void		*gw_malloc(size_t n);
void		*gw_calloc(size_t nmemb, size_t size);
void		*gw_reallocarray(void *p, size_t nmemb, size_t size);
char		*gw_strdup(const char *s);
char		*gw_strndup(const char *s, size_t n);
/* NULL in, NULL out. */
char		*gw_strdup_null(const char *s);
char		*gw_asprintf(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

/* Equal, treating two NULLs as equal. */
int		 gw_streq_null(const char *a, const char *b);
/* ASCII-only lowercase in place (locale independent); returns s. */
char		*gw_str_lower(char *s);
int		 gw_str_has_prefix(const char *s, const char *prefix);

/* A growable NUL-terminated buffer.  Zero-initialise before use. */
struct gw_buf {
	char	*b_data;	/* owned; NULL until the first append */
	size_t	 b_len;		/* bytes used, not counting the NUL */
	size_t	 b_cap;
};

/* Appends s[0..n); out of line only when the buffer must grow. */
void		 gw_buf_append_grow(struct gw_buf *b, const char *s, size_t n);

static inline void
gw_buf_append(struct gw_buf *b, const char *s, size_t n)
{
	/* Inline: heads are built from many short pieces. */
	if (b->b_data == NULL || n >= b->b_cap - b->b_len) {
		gw_buf_append_grow(b, s, n);
		return;
	}
	memcpy(b->b_data + b->b_len, s, n);
	b->b_len += n;
	b->b_data[b->b_len] = '\0';
}
void		 gw_buf_puts(struct gw_buf *b, const char *s);
void		 gw_buf_printf(struct gw_buf *b, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 gw_buf_vprintf(struct gw_buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal, quotes included. */
void		 gw_buf_json_str(struct gw_buf *b, const char *s);
/* Returns the contents ("" when empty); the buffer still owns them. */
const char	*gw_buf_str(const struct gw_buf *b);
/* Hands the contents to the caller (never NULL) and resets the buffer. */
char		*gw_buf_take(struct gw_buf *b);
void		 gw_buf_free(struct gw_buf *b);

#endif /* GW_STR_H */
