/*
 * hstate: the health of one backend as a pure state machine, and the one
 * vocabulary of check failures.
 *
 * A backend is unknown until its first check, which decides at once (up
 * on a pass, down on a failure).  After that it changes only after a run
 * of checks the other way: up becomes down after `fall` failures in a row
 * and down becomes up after `rise` passes in a row (HAProxy's rise/fall,
 * Kubernetes' failureThreshold/successThreshold).  A pass resets the
 * failure streak and a failure the pass streak, so the two are never both
 * non-zero (the backend_health CHECK in gw-schema(5) holds it too).
 *
 * Failure reasons are an enum and one string table; gwhealth(8)
 * DIAGNOSTICS lists every string and a docs test keeps them in step.  No
 * I/O here, no clock: the caller passes what happened.
 */
#ifndef GWHEALTH_HSTATE_H
#define GWHEALTH_HSTATE_H

#include <stddef.h>
#include <stdint.h>

/* Streaks stop counting here: a backend up for 30 years still fits. */
#define HS_STREAK_MAX		1000000000LL
/* Longest reason text: "bad status 599" and the words, NUL included. */
#define HS_REASON_MAX		32

enum hs_state {
	HS_UNKNOWN,
	HS_UP,
	HS_DOWN
};

/* "unknown", "up", "down", NULL: also the values of the DB's state. */
extern const char *const hs_state_names[];

enum hs_reason {
	HS_R_NONE,		/* the check passed */
	HS_R_REFUSED,		/* ECONNREFUSED */
	HS_R_CONNECT_TIMEOUT,	/* no connection within the timeout */
	HS_R_CONNECT_FAILED,	/* unreachable, or another connect error */
	HS_R_TIMEOUT,		/* connected, no verdict within the timeout */
	HS_R_BAD_STATUS,	/* status not in the expected ranges */
	HS_R_BODY_MISMATCH,	/* expected text not in the body */
	HS_R_RESET,		/* connection reset by the backend */
	HS_R_PROTOCOL,		/* not an HTTP/1.x response, or cut short */
	HS_R_RESOLVE,		/* a backend name or discovery name failed */
	HS_R_COUNT
};

/* One backend's health: what hs_step() reads and writes. */
struct hs_health {
	int	hh_state;	/* enum hs_state */
	int64_t	hh_pass;	/* passes in a row, 0..HS_STREAK_MAX */
	int64_t	hh_fail;	/* failures in a row */
};

/*
 * The health after one check that passed (passed != 0) or failed, with
 * the service's rise and fall (both >= 1).  Writes *next (may be cur) and
 * returns 1 when the state changed, 0 when it did not.
 */
int		 hs_step(const struct hs_health *cur, int passed,
		    int64_t rise, int64_t fall, struct hs_health *next);

/*
 * 1 while a change of state is pending: the backend is up with a
 * failure streak, or down with a pass streak (a streak that will flip
 * it if it goes on).  The scheduler checks faster then (HAProxy's
 * fastinter).
 */
int		 hs_pending(const struct hs_health *h);

/* The word of reason r ("connection refused"); "" for HS_R_NONE. */
const char	*hs_reason_str(enum hs_reason r);

/*
 * The reason as stored and logged: the word, and for HS_R_BAD_STATUS
 * the status ("bad status 503").  Returns buf.
 */
char		*hs_reason_fmt(enum hs_reason r, int status, char *buf,
		    size_t len);

#endif /* GWHEALTH_HSTATE_H */
