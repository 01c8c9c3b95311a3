/*
 * test_hstate: gwhealth's health state machine as a table (the first
 * check, rise and fall edges, streak resets, rise/fall of 1, streaks
 * carried over from the DB), hs_pending(), and the failure vocabulary.
 */
#include <stdio.h>
#include <string.h>

#include "../../gwhealth/hstate.h"
#include "t.h"

/*
 * One case: a starting health, rise and fall, a run of check results
 * ('P' pass, 'F' failure) and the state after each ('u' up, 'd' down,
 * '?' unknown), with '*' after it when that check changed the state.
 */
struct case_ {
	const char	*name;
	int		 state;		/* enum hs_state */
	int64_t		 pass, fail;	/* streaks stored */
	int64_t		 rise, fall;
	const char	*checks;
	const char	*want;
};

static const struct case_ cases[] = {
	{ "unknown: up on the first pass", HS_UNKNOWN, 0, 0, 2, 3,
	    "P", "u*" },
	{ "unknown: down on the first failure", HS_UNKNOWN, 0, 0, 2, 3,
	    "F", "d*" },
	{ "unknown: first pass even with rise 5", HS_UNKNOWN, 0, 0, 5, 5,
	    "PP", "u*u" },
	{ "up: fall-1 failures keep it up, the fall-th downs it",
	    HS_UP, 0, 0, 2, 3, "FFF", "uud*" },
	{ "up: fall 1 downs at once", HS_UP, 0, 0, 2, 1, "F", "d*" },
	{ "down: rise-1 passes keep it down, the rise-th ups it",
	    HS_DOWN, 0, 0, 2, 3, "PP", "du*" },
	{ "down: rise 1 ups at once", HS_DOWN, 0, 0, 1, 3, "P", "u*" },
	{ "up: a pass resets the failure streak", HS_UP, 0, 0, 2, 3,
	    "FFPFFF", "uuuuud*" },
	{ "down: a failure resets the pass streak", HS_DOWN, 0, 0, 3, 3,
	    "PPFPPP", "dddddu*" },
	{ "flapping never changes state with rise=fall=2", HS_UP, 0, 0, 2,
	    2, "FPFPFP", "uuuuuu" },
	{ "up stays up on passes", HS_UP, 0, 0, 2, 3, "PPPP", "uuuu" },
	{ "down stays down on failures", HS_DOWN, 0, 0, 2, 3, "FFFF",
	    "dddd" },
	{ "a full cycle", HS_UNKNOWN, 0, 0, 2, 2, "PFFPPF",
	    "u*ud*du*u" },
	{ "streaks from the DB count: 2 failures stored, fall 3",
	    HS_UP, 0, 2, 2, 3, "F", "d*" },
	{ "streaks from the DB count: 1 pass stored, rise 2",
	    HS_DOWN, 1, 0, 2, 3, "P", "u*" },
	{ "a stored pass streak is reset by a failure", HS_DOWN, 1, 0, 2,
	    3, "FP", "dd" },
};

static void
run_case(const struct case_ *c)
{
	struct hs_health	h = { c->state, c->pass, c->fail };
	char			got[64];
	size_t			i, n = 0;
	int			changed;

	for (i = 0; c->checks[i] != '\0'; i++) {
		changed = hs_step(&h, c->checks[i] == 'P', c->rise, c->fall,
		    &h);
		got[n++] = h.hh_state == HS_UP ? 'u' :
		    h.hh_state == HS_DOWN ? 'd' : '?';
		if (changed)
			got[n++] = '*';
		/* The streaks: one is the run so far, the other zero. */
		if (c->checks[i] == 'P')
			T_OK(h.hh_pass > 0 && h.hh_fail == 0,
			    "%s: check %zu: pass streak %lld, fail 0",
			    c->name, i + 1, (long long)h.hh_pass);
		else
			T_OK(h.hh_fail > 0 && h.hh_pass == 0,
			    "%s: check %zu: fail streak %lld, pass 0",
			    c->name, i + 1, (long long)h.hh_fail);
	}
	got[n] = '\0';
	T_STREQ(got, c->want, "%s", c->name);
}

static void
test_streaks(void)
{
	struct hs_health	h = { HS_UP, 0, 0 }, next;
	int			i;

	for (i = 0; i < 5; i++)
		hs_step(&h, 1, 2, 3, &h);
	T_INTEQ(h.hh_pass, 5, "passes count up");
	hs_step(&h, 0, 2, 3, &h);
	T_INTEQ(h.hh_pass, 0, "a failure zeroes the pass streak");
	T_INTEQ(h.hh_fail, 1, "and starts the failure streak");
	h.hh_pass = HS_STREAK_MAX;
	h.hh_fail = 0;
	hs_step(&h, 1, 2, 3, &h);
	T_INTEQ(h.hh_pass, HS_STREAK_MAX, "streaks stop at HS_STREAK_MAX");
	/* cur is not changed when next is elsewhere. */
	h.hh_state = HS_UP;
	h.hh_pass = 3;
	h.hh_fail = 0;
	T_INTEQ(hs_step(&h, 0, 2, 1, &next), 1, "a change is reported");
	T_INTEQ(h.hh_state, HS_UP, "cur is left alone");
	T_INTEQ(next.hh_state, HS_DOWN, "next has the new state");
}

static void
test_pending(void)
{
	struct hs_health h;

	h = (struct hs_health){ HS_UNKNOWN, 0, 0 };
	T_OK(!hs_pending(&h), "unknown: nothing pending");
	h = (struct hs_health){ HS_UP, 4, 0 };
	T_OK(!hs_pending(&h), "up with passes: nothing pending");
	h = (struct hs_health){ HS_UP, 0, 1 };
	T_OK(hs_pending(&h), "up with a failure: a change is pending");
	h = (struct hs_health){ HS_DOWN, 0, 7 };
	T_OK(!hs_pending(&h), "down with failures: nothing pending");
	h = (struct hs_health){ HS_DOWN, 1, 0 };
	T_OK(hs_pending(&h), "down with a pass: a change is pending");
}

static void
test_reasons(void)
{
	static const char *const want[HS_R_COUNT] = {
		"", "connection refused", "connect timeout", "connect failed",
		"timeout", "bad status", "body mismatch", "reset",
		"protocol error", "resolve failed"
	};
	char	buf[HS_REASON_MAX];
	int	r, k;

	for (r = 0; r < HS_R_COUNT; r++)
		T_STREQ(hs_reason_str(r), want[r], "reason %d", r);
	for (r = 1; r < HS_R_COUNT; r++)
		for (k = r + 1; k < HS_R_COUNT; k++)
			T_OK(strcmp(hs_reason_str(r), hs_reason_str(k)) != 0,
			    "reasons %d and %d differ", r, k);
	T_STREQ(hs_reason_str(HS_R_COUNT), "", "out of range: empty");
	T_STREQ(hs_reason_fmt(HS_R_BAD_STATUS, 503, buf, sizeof(buf)),
	    "bad status 503", "bad status carries the status");
	T_STREQ(hs_reason_fmt(HS_R_REFUSED, 0, buf, sizeof(buf)),
	    "connection refused", "other reasons are the word");
	T_STREQ(hs_reason_fmt(HS_R_NONE, 200, buf, sizeof(buf)), "",
	    "a pass has no reason");
	T_STREQ(hs_state_names[HS_UNKNOWN], "unknown", "state names");
	T_STREQ(hs_state_names[HS_UP], "up", "state names");
	T_STREQ(hs_state_names[HS_DOWN], "down", "state names");
	T_OK(hs_state_names[3] == NULL, "state names end with NULL");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_streaks();
	test_pending();
	test_reasons();
	return t_done();
}
