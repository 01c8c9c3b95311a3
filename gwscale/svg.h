/*
 * svg: `gwscale simulate -o svg`, a replay drawn as a standalone SVG 1.1
 * document an operator opens in a browser.
 *
 * The chart shows each metric's value at every decision against the left
 * axis (one colour each, a gap where the metric could not be read) and
 * the replica count as a step line against the right axis, with the
 * target's min and max replicas as dashed lines, over the time since the
 * first row.  The output depends only on the input (no clock, no locale,
 * numbers at fixed precision), so equal replays give equal bytes.  Pure:
 * it builds a string and does no I/O.
 */
#ifndef GWSCALE_SVG_H
#define GWSCALE_SVG_H

#include <stddef.h>
#include <stdint.h>

#include "scale.h"
#include "sim.h"

/* The chart's size in pixels; the height grows with the legend. */
#define SVG_WIDTH	960
#define SVG_HEIGHT	480

/*
 * The document for the n decisions of a replay of target t at one
 * decision every interval_ms.  Returns a malloc'd NUL-terminated string
 * the caller frees; never NULL (allocation failure is fatal in gw).
 */
char	*svg_render(const struct gw_scale_target *t,
	    const struct sim_row *rows, size_t n, int64_t interval_ms);

#endif /* GWSCALE_SVG_H */
