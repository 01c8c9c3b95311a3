/*
 * output: aligned tables as kubectl prints them.  Headers are printed as
 * the caller gives them (upper case by convention), columns are padded to
 * their widest cell and separated by three spaces, the last column is not
 * padded (no trailing blanks), and an empty or NULL cell shows "<none>".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "gwctl.h"

/* What an empty cell shows, as kubectl does. */
#define TABLE_NONE	"<none>"
/* Between two columns. */
#define TABLE_GAP	3

/* Rows of cells; row 0 holds the headers.  Owns every cell. */
struct table {
	int	  t_ncols;
	char	**t_cells;		/* t_nrows * t_ncols */
	size_t	  t_nrows;
	size_t	  t_cap;		/* rows allocated */
};

static void
table_add_row(struct table *t, va_list ap)
{
	const char	*s;
	char		**row;
	int		 i;

	if (t->t_nrows == t->t_cap) {
		t->t_cap = t->t_cap ? t->t_cap * 2 : 16;
		t->t_cells = gw_reallocarray(t->t_cells,
		    t->t_cap * (size_t)t->t_ncols, sizeof(*t->t_cells));
	}
	row = t->t_cells + t->t_nrows * (size_t)t->t_ncols;
	for (i = 0; i < t->t_ncols; i++) {
		s = va_arg(ap, const char *);
		row[i] = gw_strdup(s == NULL || *s == '\0' ? TABLE_NONE : s);
	}
	t->t_nrows++;
}

struct table *
table_new(int ncols, ...)
{
	struct table	*t;
	va_list		 ap;

	t = gw_calloc(1, sizeof(*t));
	t->t_ncols = ncols;
	va_start(ap, ncols);
	table_add_row(t, ap);
	va_end(ap);
	return t;
}

void
table_add(struct table *t, ...)
{
	va_list	 ap;

	va_start(ap, t);
	table_add_row(t, ap);
	va_end(ap);
}

/* Display width: UTF-8 characters, so "café" pads like "cafe". */
static size_t
table_width(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void
table_print(struct table *t, FILE *fp)
{
	size_t	*width, r, w;
	char	*cell;
	int	 c;

	width = gw_calloc((size_t)t->t_ncols, sizeof(*width));
	for (r = 0; r < t->t_nrows; r++)
		for (c = 0; c < t->t_ncols; c++) {
			w = table_width(t->t_cells[r * t->t_ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	for (r = 0; r < t->t_nrows; r++) {
		for (c = 0; c < t->t_ncols; c++) {
			cell = t->t_cells[r * t->t_ncols + c];
			fputs(cell, fp);
			if (c == t->t_ncols - 1)
				break;
			fprintf(fp, "%*s",
			    (int)(width[c] - table_width(cell) + TABLE_GAP),
			    "");
		}
		fputc('\n', fp);
	}
	free(width);
}

void
table_free(struct table *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->t_nrows * (size_t)t->t_ncols; i++)
		free(t->t_cells[i]);
	free(t->t_cells);
	free(t);
}
