/*
 * svg: a replay as an SVG 1.1 chart.  See svg.h.
 *
 * Layout, in pixels: the title and a note on top, the plot in between,
 * the time axis under it and the legend at the bottom.
 * Coordinates are printed with one decimal and tick labels with %.6g, so
 * the bytes depend on the values alone.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "scale.h"
#include "sim.h"
#include "str.h"
#include "svg.h"

#define SVG_LEFT	72	/* the plot's edges */
#define SVG_RIGHT	(SVG_WIDTH - 72)
#define SVG_TOP		64
#define SVG_BOTTOM	380
#define SVG_LEGEND_Y	438	/* the first legend row's baseline */
#define SVG_LEGEND_ROW	18
#define SVG_LEGEND_COL	408	/* two items a row ... */
#define SVG_LEGEND_CHARS 56	/* ... when every label is this short */
/* Ticks an axis aims at: enough to read values off, few enough that
 * labels do not collide. */
#define SVG_METRIC_TICKS 5
#define SVG_REPLICA_TICKS 8
#define SVG_TIME_TICKS	10
/* A value alone between gaps: a 5 px dash, a new subpath around it. */
#define SVG_DASH	" m-2.5 0 h5"
/* How much of a PromQL query the legend shows. */
#define SVG_QUERY_MAX	40

/* Tableau 10: distinct for the common kinds of colour blindness. */
static const char *const svg_colours[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
	"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
};
#define SVG_NCOLOURS	(sizeof(svg_colours) / sizeof(svg_colours[0]))
#define SVG_REPLICA_COLOUR	"#222222"

/* An axis: values ax_lo (the plot's bottom) to ax_hi (its top), a tick
 * every ax_step. */
struct svg_axis {
	double	 ax_lo, ax_hi, ax_step;
};

/* The length of the UTF-8 sequence of an XML Char at s, or 0: valid
 * UTF-8 without U+FFFE and U+FFFF (XML 1.0 section 2.2). */
static size_t
svg_utf8_len(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n = sim_utf8_len(s);

	if (n == 3 && u[0] == 0xef && u[1] == 0xbf && u[2] >= 0xbe)
		return 0;
	return n;
}

/* s as XML character data or attribute text: the five special
 * characters escaped, what XML cannot hold (control characters, invalid
 * UTF-8) as '?'. */
static void
svg_esc(struct gw_buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	while (*p != '\0') {
		switch (*p) {
		case '&':	gw_buf_puts(b, "&amp;"); p++; continue;
		case '<':	gw_buf_puts(b, "&lt;"); p++; continue;
		case '>':	gw_buf_puts(b, "&gt;"); p++; continue;
		case '"':	gw_buf_puts(b, "&quot;"); p++; continue;
		case '\'':	gw_buf_puts(b, "&apos;"); p++; continue;
		default:	break;
		}
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f ||
		    (n = svg_utf8_len((const char *)p)) == 0) {
			gw_buf_append(b, "?", 1);
			p++;
			continue;
		}
		gw_buf_append(b, (const char *)p, n);
		p += n;
	}
}

/* 1, 2 or 5 times a power of ten, at least x (> 0). */
static double
svg_nice(double x)
{
	double	 p = pow(10, floor(log10(x))), f = x / p;

	if (f <= 1)
		return p;
	if (f <= 2)
		return 2 * p;
	if (f <= 5)
		return 5 * p;
	return 10 * p;
}

/* The metric axis: 0 and every available value, in nice steps. */
static void
svg_metric_axis(const struct sim_row *rows, size_t n, size_t nm,
    struct svg_axis *ax)
{
	double	 lo = 0, hi = 0, v;
	size_t	 i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < nm; j++) {
			if (!rows[i].sr_available[j])
				continue;
			v = rows[i].sr_values[j];
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	if (hi - lo <= 0)
		hi = lo + 1;
	/* Headroom, so that the highest value is not drawn on the edge. */
	hi += (hi - lo) * 0.05;
	ax->ax_step = svg_nice((hi - lo) / SVG_METRIC_TICKS);
	ax->ax_lo = floor(lo / ax->ax_step) * ax->ax_step;
	ax->ax_hi = ceil(hi / ax->ax_step) * ax->ax_step;
	/* Values near DBL_MAX overflow the range: some axis, lines
	 * clipped by svg_y(). */
	if (!isfinite(ax->ax_hi - ax->ax_lo) || !(ax->ax_step > 0)) {
		ax->ax_lo = 0;
		ax->ax_hi = 1;
		ax->ax_step = 0.2;
	}
}

/* The replica axis: 0 to above every count and min_replicas, in whole
 * steps, with a step of headroom so that the line never runs along the
 * plot's top edge. */
static void
svg_replica_axis(const struct gw_scale_target *t, const struct sim_row *rows,
    size_t n, struct svg_axis *ax)
{
	int64_t	 top = t->st_min > 1 ? t->st_min : 1, step = 1, m;
	size_t	 i;

	for (i = 0; i < n; i++) {
		top = rows[i].sr_current > top ? rows[i].sr_current : top;
		top = rows[i].sr_desired > top ? rows[i].sr_desired : top;
	}
	for (m = 1; top / step + 1 > SVG_REPLICA_TICKS; m++)
		step = (m % 3 == 1 ? 2 : m % 3 == 2 ? 5 : 10) *
		    (int64_t)pow(10, (double)((m - 1) / 3));
	ax->ax_step = (double)step;
	ax->ax_lo = 0;
	ax->ax_hi = (double)((top / step + 1) * step);
}

/* The y of v, kept within the plot. */
static double
svg_y(const struct svg_axis *ax, double v)
{
	double	 y = SVG_BOTTOM - (v - ax->ax_lo) / (ax->ax_hi - ax->ax_lo) *
	    (SVG_BOTTOM - SVG_TOP);

	if (!(y >= SVG_TOP))
		return SVG_TOP;
	return y > SVG_BOTTOM ? SVG_BOTTOM : y;
}

static double
svg_x(int64_t t_ms, int64_t span_ms)
{
	return SVG_LEFT + (double)t_ms / (double)span_ms *
	    (SVG_RIGHT - SVG_LEFT);
}

/* A tick label; -0 and rounding noise as the number they stand for. */
static void
svg_tick_label(double v, double step, char *buf, size_t len)
{
	if (fabs(v) < step * 1e-9)
		v = 0;
	snprintf(buf, len, "%.6g", v);
}

/* The time axis's step: a duration people count in, about
 * SVG_TIME_TICKS of them over the span. */
static int64_t
svg_time_step(int64_t span_ms)
{
	static const int64_t steps_s[] = {
		1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
		7200, 10800, 21600, 43200, 86400
	};
	size_t	 i;
	int64_t	 days;

	for (i = 0; i < sizeof(steps_s) / sizeof(steps_s[0]); i++)
		if (span_ms / (steps_s[i] * 1000) <= SVG_TIME_TICKS)
			return steps_s[i] * 1000;
	days = span_ms / (86400000LL * SVG_TIME_TICKS) + 1;
	return days * 86400000LL;
}

/* "0", "45s", "10min", "6h": in the unit of the step. */
static void
svg_time_label(int64_t ms, int64_t step, char *buf, size_t len)
{
	if (ms == 0)
		snprintf(buf, len, "0");
	else if (step < 60000)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else if (step < 3600000)
		snprintf(buf, len, "%lldmin", (long long)(ms / 60000));
	else
		snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
}

/* The legend's name of a metric into l (not escaped): what it reads,
 * its target. */
static void
svg_metric_label(struct gw_buf *l, const struct gw_scale_metric *m)
{
	size_t	 n;

	if (m->sm_source == GW_SCALE_GATEWAY)
		gw_buf_printf(l, "%s@%s", m->sm_metric,
		    m->sm_service != NULL ? m->sm_service : "");
	else {
		n = strlen(m->sm_metric);
		/* Cut on a character boundary, not inside UTF-8. */
		if (n > SVG_QUERY_MAX)
			for (n = SVG_QUERY_MAX; n > 0 &&
			    ((unsigned char)m->sm_metric[n] & 0xc0) == 0x80;
			    n--)
				;
		gw_buf_puts(l, "prometheus: ");
		gw_buf_append(l, m->sm_metric, n);
		if (n < strlen(m->sm_metric))
			gw_buf_puts(l, "...");
	}
	gw_buf_printf(l, " (%s, target %.6g)",
	    gw_scale_ttype_names[m->sm_ttype], m->sm_target);
}

/* Items of a legend row: two when every label fits half the width. */
static size_t
svg_legend_cols(const struct gw_scale_target *t)
{
	struct gw_buf	 l;
	size_t		 i, cols = 2;

	memset(&l, 0, sizeof(l));
	for (i = 0; i < t->st_nmetrics && cols == 2; i++) {
		svg_metric_label(&l, &t->st_metrics[i]);
		if (l.b_len > SVG_LEGEND_CHARS)
			cols = 1;
		gw_buf_free(&l);
	}
	return cols;
}

static void
svg_head(struct gw_buf *b, const struct gw_scale_target *t,
    const struct sim_row *rows, size_t n, int64_t interval_ms, int height)
{
	char	 d[32], at[40];
	int	 start = n > 0 ? (int)rows[0].sr_current : 0;

	gw_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "font-family=\"sans-serif\" font-size=\"12\">\n", SVG_WIDTH,
	    height, SVG_WIDTH, height);
	gw_buf_puts(b, "<title>gwscale simulate: ");
	svg_esc(b, t->st_name);
	gw_buf_puts(b, "</title>\n");
	gw_buf_printf(b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>"
	    "\n", SVG_WIDTH, height);
	gw_buf_printf(b, "<text x=\"%d\" y=\"26\" text-anchor=\"middle\" "
	    "font-size=\"16\" font-weight=\"bold\">", SVG_WIDTH / 2);
	svg_esc(b, t->st_name);
	gw_buf_printf(b, ": %s/", gw_scale_kind_names[t->st_kind]);
	svg_esc(b, t->st_workload);
	gw_buf_puts(b, " in ");
	svg_esc(b, t->st_namespace);
	gw_buf_puts(b, "</text>\n");
	/* What the replay assumes, where the reader looks first. */
	gw_buf_printf(b, "<text x=\"%d\" y=\"46\" text-anchor=\"middle\" "
	    "fill=\"#555555\">gwscale simulate: a decision every %s from %d "
	    "%s", SVG_WIDTH / 2, gw_duration_fmt(interval_ms, d, sizeof(d)),
	    start, start == 1 ? "replica" : "replicas");
	if (n > 0 && rows[0].sr_at_ms >= 0)
		gw_buf_printf(b, " at %s", sim_time_fmt(rows[0].sr_at_ms, at,
		    sizeof(at)));
	gw_buf_puts(b, "; pods taken as ready at once</text>\n");
}

/* Grid, axes, ticks and their labels. */
static void
svg_axes(struct gw_buf *b, const struct svg_axis *ma,
    const struct svg_axis *ra, int64_t span_ms)
{
	char	 l[32];
	double	 v, y, x;
	int64_t	 step, tm;
	int	 i;

	gw_buf_puts(b, "<g id=\"grid\" stroke=\"#e5e5e5\">\n");
	for (i = 0; (v = ma->ax_lo + i * ma->ax_step) <=
	    ma->ax_hi + ma->ax_step / 2; i++) {
		y = svg_y(ma, v);
		gw_buf_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
		    "y2=\"%.1f\"/>\n", SVG_LEFT, y, SVG_RIGHT, y);
	}
	gw_buf_puts(b, "</g>\n<g id=\"metric-axis\" text-anchor=\"end\">\n");
	for (i = 0; (v = ma->ax_lo + i * ma->ax_step) <=
	    ma->ax_hi + ma->ax_step / 2; i++) {
		svg_tick_label(v, ma->ax_step, l, sizeof(l));
		gw_buf_printf(b, "<text x=\"%d\" y=\"%.1f\">%s</text>\n",
		    SVG_LEFT - 6, svg_y(ma, v) + 4, l);
	}
	gw_buf_puts(b, "</g>\n<g id=\"replica-axis\" text-anchor=\"start\">\n");
	for (i = 0; (v = ra->ax_lo + i * ra->ax_step) <=
	    ra->ax_hi + ra->ax_step / 2; i++) {
		y = svg_y(ra, v);
		gw_buf_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
		    "y2=\"%.1f\" stroke=\"#000000\"/>\n", SVG_RIGHT, y,
		    SVG_RIGHT + 4, y);
		gw_buf_printf(b, "<text x=\"%d\" y=\"%.1f\">%.0f</text>\n",
		    SVG_RIGHT + 7, y + 4, v);
	}
	gw_buf_puts(b, "</g>\n<g id=\"time-axis\" text-anchor=\"middle\">\n");
	step = svg_time_step(span_ms);
	for (tm = 0; tm <= span_ms; tm += step) {
		x = svg_x(tm, span_ms);
		gw_buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
		    "y2=\"%d\" stroke=\"#000000\"/>\n", x, SVG_BOTTOM, x,
		    SVG_BOTTOM + 4);
		svg_time_label(tm, step, l, sizeof(l));
		gw_buf_printf(b, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", x,
		    SVG_BOTTOM + 18, l);
	}
	gw_buf_puts(b, "</g>\n");
	gw_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"none\" stroke=\"#000000\"/>\n", SVG_LEFT, SVG_TOP,
	    SVG_RIGHT - SVG_LEFT, SVG_BOTTOM - SVG_TOP);
	gw_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
	    "time since the first row</text>\n", (SVG_LEFT + SVG_RIGHT) / 2,
	    SVG_BOTTOM + 36);
	gw_buf_printf(b, "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" "
	    "transform=\"rotate(-90 18 %d)\">metric value</text>\n",
	    (SVG_TOP + SVG_BOTTOM) / 2, (SVG_TOP + SVG_BOTTOM) / 2);
	gw_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
	    "transform=\"rotate(90 %d %d)\">replicas</text>\n",
	    SVG_WIDTH - 18, (SVG_TOP + SVG_BOTTOM) / 2, SVG_WIDTH - 18,
	    (SVG_TOP + SVG_BOTTOM) / 2);
}

/* min_replicas and max_replicas as dashed lines, when on the chart. */
static void
svg_bounds(struct gw_buf *b, const struct gw_scale_target *t,
    const struct svg_axis *ra)
{
	const char	*what[2] = { "min", "max" };
	int32_t		 v[2] = { t->st_min, t->st_max };
	double		 y;
	int		 i;

	gw_buf_puts(b, "<g id=\"bounds\" stroke=\"#888888\" "
	    "stroke-dasharray=\"6 4\" fill=\"#888888\" "
	    "text-anchor=\"end\">\n");
	for (i = 0; i < 2; i++) {
		if (v[i] <= 0 || v[i] > ra->ax_hi)
			continue;
		y = svg_y(ra, v[i]);
		gw_buf_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
		    "y2=\"%.1f\"/>\n", SVG_LEFT, y, SVG_RIGHT, y);
		gw_buf_printf(b, "<text x=\"%d\" y=\"%.1f\" stroke=\"none\">"
		    "%s %d</text>\n", SVG_RIGHT - 4, y - 4, what[i],
		    (int)v[i]);
	}
	gw_buf_puts(b, "</g>\n");
}

/* Metric j at every decision; a gap where it could not be read, a dash
 * centred on a value between gaps. */
static void
svg_metric_path(struct gw_buf *b, const struct sim_row *rows, size_t n,
    size_t j, const struct svg_axis *ma, int64_t span_ms)
{
	size_t	 i, seg = 0, any = 0;

	gw_buf_printf(b, "<path id=\"metric-%zu\" fill=\"none\" stroke=\"%s\" "
	    "stroke-width=\"1.5\" stroke-linecap=\"round\" "
	    "stroke-linejoin=\"round\" d=\"", j + 1,
	    svg_colours[j % SVG_NCOLOURS]);
	for (i = 0; i < n; i++) {
		if (!rows[i].sr_available[j]) {
			if (seg == 1)
				gw_buf_puts(b, SVG_DASH);
			seg = 0;
			continue;
		}
		gw_buf_printf(b, "%s%c%.1f %.1f", any ? " " : "",
		    seg == 0 ? 'M' : 'L', svg_x(rows[i].sr_t_ms, span_ms),
		    svg_y(ma, rows[i].sr_values[j]));
		seg++;
		any = 1;
	}
	if (seg == 1)
		gw_buf_puts(b, SVG_DASH);
	gw_buf_puts(b, "\"/>\n");
}

/* The count as a step line: each decision's count holds until the
 * next, since the replay takes pods as ready at once. */
static void
svg_replica_path(struct gw_buf *b, const struct sim_row *rows, size_t n,
    const struct svg_axis *ra, int64_t span_ms)
{
	size_t	 i;

	gw_buf_printf(b, "<path id=\"replicas\" fill=\"none\" stroke=\"%s\" "
	    "stroke-width=\"2.5\" d=\"", SVG_REPLICA_COLOUR);
	for (i = 0; i < n; i++) {
		if (i == 0)
			gw_buf_printf(b, "M%.1f %.1f", svg_x(0, span_ms),
			    svg_y(ra, rows[0].sr_current));
		else
			gw_buf_printf(b, " H%.1f",
			    svg_x(rows[i].sr_t_ms, span_ms));
		gw_buf_printf(b, " V%.1f", svg_y(ra, rows[i].sr_desired));
	}
	if (n > 0)
		gw_buf_printf(b, " H%.1f", svg_x(span_ms, span_ms));
	gw_buf_puts(b, "\"/>\n");
}

static void
svg_legend(struct gw_buf *b, const struct gw_scale_target *t, size_t cols)
{
	struct gw_buf	 l;
	size_t		 i;
	int		 x, y;

	memset(&l, 0, sizeof(l));
	gw_buf_puts(b, "<g id=\"legend\">\n");
	for (i = 0; i <= t->st_nmetrics; i++) {
		x = SVG_LEFT + (int)(i % cols) * SVG_LEGEND_COL;
		y = SVG_LEGEND_Y + (int)(i / cols) * SVG_LEGEND_ROW;
		gw_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		    "y2=\"%d\" stroke=\"%s\" stroke-width=\"%s\"/>\n", x,
		    y - 4, x + 24, y - 4, i < t->st_nmetrics ?
		    svg_colours[i % SVG_NCOLOURS] : SVG_REPLICA_COLOUR,
		    i < t->st_nmetrics ? "1.5" : "2.5");
		if (i < t->st_nmetrics)
			svg_metric_label(&l, &t->st_metrics[i]);
		else
			gw_buf_printf(&l, "replicas (min %d, max %d)",
			    (int)t->st_min, (int)t->st_max);
		gw_buf_printf(b, "<text x=\"%d\" y=\"%d\">", x + 30, y);
		svg_esc(b, gw_buf_str(&l));
		gw_buf_free(&l);
		gw_buf_puts(b, "</text>\n");
	}
	gw_buf_puts(b, "</g>\n");
}

char *
svg_render(const struct gw_scale_target *t, const struct sim_row *rows,
    size_t n, int64_t interval_ms)
{
	struct gw_buf	 b;
	struct svg_axis	 ma, ra;
	int64_t		 span_ms;
	size_t		 j, cols = svg_legend_cols(t);
	size_t		 lrows = (t->st_nmetrics + cols) / cols;
	int		 height = SVG_HEIGHT;

	memset(&b, 0, sizeof(b));
	/* A single decision still gets a time axis one interval long. */
	span_ms = n > 0 ? rows[n - 1].sr_t_ms : 0;
	if (span_ms <= 0)
		span_ms = interval_ms > 0 ? interval_ms : 1000;
	if (SVG_LEGEND_Y + (int)(lrows - 1) * SVG_LEGEND_ROW + 24 > height)
		height = SVG_LEGEND_Y + (int)(lrows - 1) * SVG_LEGEND_ROW + 24;
	svg_metric_axis(rows, n, t->st_nmetrics, &ma);
	svg_replica_axis(t, rows, n, &ra);
	svg_head(&b, t, rows, n, interval_ms, height);
	svg_axes(&b, &ma, &ra, span_ms);
	svg_bounds(&b, t, &ra);
	for (j = 0; j < t->st_nmetrics; j++)
		svg_metric_path(&b, rows, n, j, &ma, span_ms);
	svg_replica_path(&b, rows, n, &ra, span_ms);
	svg_legend(&b, t, cols);
	gw_buf_puts(&b, "</svg>\n");
	return gw_buf_take(&b);
}
