/*
 * hstate: the health state machine and the failure vocabulary; see
 * hstate.h.
 */
#include <stdio.h>

#include "hstate.h"

const char *const hs_state_names[] = { "unknown", "up", "down", NULL };

/*
 * Every reason a check can fail with, as operators read it in logs,
 * backend_health.reason and health_transitions.reason.  gwhealth(8)
 * DIAGNOSTICS lists each (tests/bats/gwhealth_docs.bats checks it).
 */
static const char *const hs_reasons[HS_R_COUNT] = {
	[HS_R_NONE] = "",
	[HS_R_REFUSED] = "connection refused",
	[HS_R_CONNECT_TIMEOUT] = "connect timeout",
	[HS_R_CONNECT_FAILED] = "connect failed",
	[HS_R_TIMEOUT] = "timeout",
	[HS_R_BAD_STATUS] = "bad status",
	[HS_R_BODY_MISMATCH] = "body mismatch",
	[HS_R_RESET] = "reset",
	[HS_R_PROTOCOL] = "protocol error",
	[HS_R_RESOLVE] = "resolve failed",
};

static int64_t
hs_inc(int64_t n)
{
	return n < HS_STREAK_MAX ? n + 1 : n;
}

int
hs_step(const struct hs_health *cur, int passed, int64_t rise, int64_t fall,
    struct hs_health *next)
{
	struct hs_health	h = *cur;
	int			from = cur->hh_state;

	if (passed) {
		h.hh_pass = hs_inc(h.hh_pass);
		h.hh_fail = 0;
		if (h.hh_state == HS_UNKNOWN ||
		    (h.hh_state == HS_DOWN && h.hh_pass >= rise))
			h.hh_state = HS_UP;
	} else {
		h.hh_fail = hs_inc(h.hh_fail);
		h.hh_pass = 0;
		if (h.hh_state == HS_UNKNOWN ||
		    (h.hh_state == HS_UP && h.hh_fail >= fall))
			h.hh_state = HS_DOWN;
	}
	*next = h;		/* next may be cur */
	return h.hh_state != from;
}

int
hs_pending(const struct hs_health *h)
{
	return (h->hh_state == HS_UP && h->hh_fail > 0) ||
	    (h->hh_state == HS_DOWN && h->hh_pass > 0);
}

const char *
hs_reason_str(enum hs_reason r)
{
	if (r < 0 || r >= HS_R_COUNT)
		return "";
	return hs_reasons[r];
}

char *
hs_reason_fmt(enum hs_reason r, int status, char *buf, size_t len)
{
	if (r == HS_R_BAD_STATUS)
		snprintf(buf, len, "%s %d", hs_reasons[r], status);
	else
		snprintf(buf, len, "%s", hs_reason_str(r));
	return buf;
}
