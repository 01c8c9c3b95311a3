/*
 * hce: the health check engine; see hce.h.
 *
 * Targets live in an array sorted like the config's backends (service,
 * host, port), so a reload pairs old and new in one merge pass.  Each
 * target owns one timer event; its check (check.c) calls back into
 * hce_checked(), which does the bookkeeping and arms the timer again.
 * A target also owns the connection its last http check kept, if any
 * (--http-reuse), and hands it to its next check.
 */
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "addr.h"
#include "check.h"
#include "duration.h"
#include "gwhealth.h"
#include "hce.h"
#include "hstate.h"
#include "log.h"
#include "sched.h"
#include "store.h"
#include "str.h"

/* The reason of an up transition, which no failure explains. */
#define HCE_PASSED	"passed"

/* One probed backend; owned by the engine's array. */
struct target {
	struct hce		*tg_hce;
	struct hc_spec		*tg_sp;		/* referenced */
	char			*tg_host;
	int			 tg_port;
	char			 tg_name[GW_ADDR_STR_MAX];	/* host:port */
	int64_t			 tg_id;		/* backends.id */
	struct sockaddr_storage	 tg_ss;
	socklen_t		 tg_sslen;	/* 0: a name, looked up */
	struct hs_health	 tg_h;
	int64_t			 tg_since_at;
	int64_t			 tg_checked_at;	/* 0: never */
	int64_t			 tg_latency_us;	/* -1: none */
	char			 tg_reason[HS_REASON_MAX];
	struct event		 tg_timer;
	int64_t			 tg_due_us;	/* when the check is due */
	struct check		*tg_check;	/* in flight, or NULL */
	struct check_conn	*tg_conn;	/* kept, or NULL; owned */
	int			 tg_respec;	/* spec changed in flight */
	TAILQ_ENTRY(target)	 tg_entry;	/* in h_waitq */
	int			 tg_waiting;
	uint64_t		 tg_row_seq;	/* tg_row valid in this batch */
	size_t			 tg_row;
	int			 tg_done;	/* once: checked */
};

TAILQ_HEAD(target_q, target);

struct hce {
	struct event_base	*h_base;
	size_t			 h_max;		/* checks in flight at most */
	size_t			 h_kept_max;	/* kept connections at most */
	size_t			 h_kept;	/* targets with tg_conn */
	int			 h_kept_full;	/* h_kept_max was logged */
	int			 h_once;
	struct target		**h_tg;		/* sorted; owned */
	size_t			 h_ntg;
	size_t			 h_inflight;
	size_t			 h_nwaiting;
	struct target_q		 h_waitq;	/* due, waiting for a slot */
	size_t			 h_ndone;	/* once: checked targets */
	size_t			 h_nstart;	/* first checks of this load */
	struct store_batch	 h_batch;
	uint64_t		 h_seq;		/* bumped when a batch goes */
	uint64_t		 h_rnd;		/* xorshift64* state */
	struct hce_count	 h_count[HCE_NSPANS];	/* by enum hce_span */
	struct event		*h_ev_trans;	/* activated on a transition */
};

static void	hce_fire(evutil_socket_t, short, void *);
static void	hce_start(struct target *);

static int64_t
hce_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* xorshift64*: jitter needs speed, not secrecy. */
static uint32_t
hce_random(struct hce *h)
{
	h->h_rnd ^= h->h_rnd >> 12;
	h->h_rnd ^= h->h_rnd << 25;
	h->h_rnd ^= h->h_rnd >> 27;
	return (uint32_t)((h->h_rnd * 0x2545F4914F6CDD1DULL) >> 32);
}

struct hce *
hce_new(struct event_base *base, size_t max_checks, size_t max_kept,
    int once)
{
	struct hce *h;

	h = gw_calloc(1, sizeof(*h));
	h->h_base = base;
	h->h_max = max_checks > 0 ? max_checks : 1;
	h->h_kept_max = max_kept;
	h->h_once = once;
	h->h_seq = 1;		/* a new target's tg_row_seq 0 is no batch */
	TAILQ_INIT(&h->h_waitq);
	if (getrandom(&h->h_rnd, sizeof(h->h_rnd), 0) !=
	    (ssize_t)sizeof(h->h_rnd))
		h->h_rnd = (uint64_t)hce_now_us();
	h->h_rnd |= 1;
	return h;
}

static void
hce_arm(struct target *tg, int64_t delay_us)
{
	struct timeval tv;

	if (delay_us < 0)
		delay_us = 0;
	tg->tg_due_us = hce_now_us() + delay_us;
	tv.tv_sec = delay_us / 1000000;
	tv.tv_usec = delay_us % 1000000;
	evtimer_add(&tg->tg_timer, &tv);
}

/* The delay of a first check "at once": spread at GH_START_RATE. */
static int64_t
hce_start_delay(struct hce *h)
{
	return (int64_t)(h->h_nstart++ * 1000000 / GH_START_RATE);
}

/* Closes the connection tg keeps, if any. */
static void
hce_unkeep(struct target *tg)
{
	if (tg->tg_conn == NULL)
		return;
	check_conn_close(tg->tg_conn);
	tg->tg_conn = NULL;
	tg->tg_hce->h_kept--;
}

/*
 * Keeps cn, the connection of tg's check that just passed, for its next
 * check; closes it instead when the check ran with a spec since changed
 * or when h_kept_max connections are kept already.
 */
static void
hce_keep(struct hce *h, struct target *tg, struct check_conn *cn)
{
	if (tg->tg_respec || h->h_once || h->h_kept >= h->h_kept_max) {
		if (h->h_kept >= h->h_kept_max && !h->h_kept_full) {
			gw_log(GW_LOG_WARNING, "descriptor limit: %zu "
			    "connections kept, more are closed after each "
			    "check", h->h_kept);
			h->h_kept_full = 1;
		}
		check_conn_close(cn);
		return;
	}
	tg->tg_conn = cn;
	h->h_kept++;
}

static void
hce_target_free(struct target *tg)
{
	struct hce *h = tg->tg_hce;

	hce_unkeep(tg);
	if (tg->tg_check != NULL) {
		check_abort(tg->tg_check);
		h->h_inflight--;
	}
	if (tg->tg_waiting) {
		TAILQ_REMOVE(&h->h_waitq, tg, tg_entry);
		h->h_nwaiting--;
	}
	event_del(&tg->tg_timer);
	spec_unref(tg->tg_sp);
	free(tg->tg_host);
	free(tg);
}

/* A new target for be, with its stored health (sb). */
static struct target *
hce_target_new(struct hce *h, const struct gw_backend *be,
    const struct store_backend *sb, struct hc_spec *sp)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	struct target		*tg;
	enum gw_addr_family	 fam = GW_ADDR_NAME;
	const char		*errstr;

	tg = gw_calloc(1, sizeof(*tg));
	tg->tg_hce = h;
	spec_ref(sp);
	tg->tg_sp = sp;
	tg->tg_host = gw_strdup(be->be_host);
	tg->tg_port = be->be_port;
	gw_addr_fmt(be->be_host, be->be_port, tg->tg_name,
	    sizeof(tg->tg_name));
	tg->tg_id = sb->sb_id;
	tg->tg_latency_us = -1;
	if (gw_host_check(be->be_host, &fam, &errstr) == -1)
		fam = GW_ADDR_NAME;
	if (fam == GW_ADDR_INET) {
		sin = (struct sockaddr_in *)&tg->tg_ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)be->be_port);
		inet_pton(AF_INET, be->be_host, &sin->sin_addr);
		tg->tg_sslen = sizeof(*sin);
	} else if (fam == GW_ADDR_INET6) {
		sin6 = (struct sockaddr_in6 *)&tg->tg_ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)be->be_port);
		inet_pton(AF_INET6, be->be_host, &sin6->sin6_addr);
		tg->tg_sslen = sizeof(*sin6);
	}
	tg->tg_h.hh_state = HS_UNKNOWN;
	tg->tg_since_at = gw_now_ms();
	if (sb->sb_has_health) {
		tg->tg_h.hh_state = sb->sb_state;
		tg->tg_h.hh_pass = sb->sb_pass;
		tg->tg_h.hh_fail = sb->sb_fail;
		tg->tg_since_at = sb->sb_since_at;
		tg->tg_checked_at = sb->sb_checked_at;
		tg->tg_latency_us = sb->sb_latency_us;
		gw_strlcpy(tg->tg_reason, sb->sb_reason,
		    sizeof(tg->tg_reason));
	}
	evtimer_assign(&tg->tg_timer, h->h_base, hce_fire, tg);
	return tg;
}

static int
hce_cmp(const struct target *tg, const struct gw_backend *be)
{
	int c;

	if ((c = strcmp(tg->tg_sp->sp_service, be->be_service)) != 0)
		return c;
	if ((c = strcmp(tg->tg_host, be->be_host)) != 0)
		return c;
	return (tg->tg_port > be->be_port) - (tg->tg_port < be->be_port);
}

/*
 * The spec of each service of cf, NULL for those not probed (type none,
 * or a check that cannot run, which is logged).
 */
static struct hc_spec **
hce_specs(const struct gw_config *cf)
{
	struct hc_spec	**specs;
	const char	 *errstr;
	size_t		  i;

	specs = gw_calloc(cf->cf_nservices + 1, sizeof(*specs));
	for (i = 0; i < cf->cf_nservices; i++) {
		if (cf->cf_services[i].sv_hc_type != GW_HC_TCP &&
		    cf->cf_services[i].sv_hc_type != GW_HC_HTTP)
			continue;
		specs[i] = spec_new(&cf->cf_services[i], &errstr);
		if (specs[i] == NULL)
			gw_log(GW_LOG_ERROR, "service \"%s\": not checked: %s",
			    cf->cf_services[i].sv_name, errstr);
	}
	return specs;
}

/* The spec of be's service (cf's services are sorted by name). */
static struct hc_spec *
hce_spec_of(const struct gw_config *cf, struct hc_spec **specs,
    const struct gw_backend *be, size_t *hint)
{
	size_t i = *hint;

	if (i >= cf->cf_nservices ||
	    strcmp(cf->cf_services[i].sv_name, be->be_service) != 0) {
		for (i = 0; i < cf->cf_nservices; i++)
			if (strcmp(cf->cf_services[i].sv_name,
			    be->be_service) == 0)
				break;
		*hint = i;
	}
	return i < cf->cf_nservices ? specs[i] : NULL;
}

/*
 * A kept target whose spec changed: the new one, checked at once, on a
 * new connection (the one kept, or the one of the check in flight, was
 * made for the old spec).
 */
static void
hce_respec(struct hce *h, struct target *tg, struct hc_spec *sp)
{
	if (spec_equal(tg->tg_sp, sp))
		return;
	spec_unref(tg->tg_sp);
	spec_ref(sp);
	tg->tg_sp = sp;
	hce_unkeep(tg);
	tg->tg_respec = tg->tg_check != NULL;
	if (tg->tg_check == NULL && !tg->tg_waiting && !h->h_once) {
		event_del(&tg->tg_timer);
		hce_arm(tg, hce_start_delay(h));
	}
}

/* Schedules the first check of a new target. */
static void
hce_first(struct hce *h, struct target *tg, int first)
{
	int64_t ival = tg->tg_sp->sp_interval_ms * 1000;

	if (first && tg->tg_h.hh_state != HS_UNKNOWN && !h->h_once)
		hce_arm(tg, (int64_t)((uint64_t)hce_random(h) *
		    (uint64_t)ival >> 32));
	else
		hce_arm(tg, h->h_once ? 0 : hce_start_delay(h));
}

void
hce_load(struct hce *h, const struct gw_config *cf,
    const struct store_backend *bes, int first)
{
	const struct gw_backend	*be;
	struct hc_spec		**specs, *sp;
	struct target		**nv, *tg;
	size_t			 i, j = 0, n = 0, hint = 0;
	int			 c;

	specs = hce_specs(cf);
	nv = gw_calloc(cf->cf_nbackends + 1, sizeof(*nv));
	h->h_nstart = 0;
	for (i = 0; i < cf->cf_nbackends; i++) {
		be = &cf->cf_backends[i];
		sp = hce_spec_of(cf, specs, be, &hint);
		if (sp == NULL || be->be_state == GW_ADMIN_DISABLED)
			continue;
		/* Old targets before this backend are gone. */
		c = 1;
		while (j < h->h_ntg && (c = hce_cmp(h->h_tg[j], be)) < 0)
			hce_target_free(h->h_tg[j++]);
		if (j < h->h_ntg && c == 0 && h->h_tg[j]->tg_id ==
		    bes[i].sb_id) {
			tg = h->h_tg[j++];
			hce_respec(h, tg, sp);
		} else {
			/* Deleted and added again: a new backend. */
			if (j < h->h_ntg && c == 0)
				hce_target_free(h->h_tg[j++]);
			tg = hce_target_new(h, be, &bes[i], sp);
			hce_first(h, tg, first);
		}
		nv[n++] = tg;
	}
	while (j < h->h_ntg)
		hce_target_free(h->h_tg[j++]);
	free(h->h_tg);
	h->h_tg = nv;
	h->h_ntg = n;
	for (i = 0; i < cf->cf_nservices; i++)
		spec_unref(specs[i]);
	free(specs);
}

/* The batch row of tg: its own if it has one waiting, else a new one. */
static void
hce_record(struct hce *h, struct target *tg)
{
	struct store_row *r;

	if (tg->tg_row_seq == h->h_seq && tg->tg_row < h->h_batch.bt_nrows)
		r = &h->h_batch.bt_rows[tg->tg_row];
	else {
		r = store_batch_row(&h->h_batch);
		tg->tg_row = h->h_batch.bt_nrows - 1;
		tg->tg_row_seq = h->h_seq;
	}
	r->sr_id = tg->tg_id;
	gw_strlcpy(r->sr_service, tg->tg_sp->sp_service,
	    sizeof(r->sr_service));
	gw_strlcpy(r->sr_host, tg->tg_host, sizeof(r->sr_host));
	r->sr_port = tg->tg_port;
	r->sr_state = tg->tg_h.hh_state;
	r->sr_since_at = tg->tg_since_at;
	r->sr_checked_at = tg->tg_checked_at;
	r->sr_latency_us = tg->tg_latency_us;
	r->sr_pass = tg->tg_h.hh_pass;
	r->sr_fail = tg->tg_h.hh_fail;
	gw_strlcpy(r->sr_reason, tg->tg_reason, sizeof(r->sr_reason));
}

static void
hce_transition(struct hce *h, struct target *tg, int from)
{
	struct store_trans	*t;
	const char		*why;
	int			 i;

	why = tg->tg_h.hh_state == HS_UP ? HCE_PASSED : tg->tg_reason;
	t = store_batch_trans(&h->h_batch);
	t->st_at = tg->tg_since_at;
	gw_strlcpy(t->st_service, tg->tg_sp->sp_service,
	    sizeof(t->st_service));
	gw_strlcpy(t->st_backend, tg->tg_name, sizeof(t->st_backend));
	t->st_from = from;
	t->st_to = tg->tg_h.hh_state;
	gw_strlcpy(t->st_reason, why, sizeof(t->st_reason));
	gw_log(tg->tg_h.hh_state == HS_DOWN ? GW_LOG_WARNING : GW_LOG_INFO,
	    "backend %s/%s is %s (was %s): %s", tg->tg_sp->sp_service,
	    tg->tg_name, hs_state_names[tg->tg_h.hh_state],
	    hs_state_names[from], why);
	for (i = 0; i < HCE_NSPANS; i++)
		h->h_count[i].ct_transitions++;
	if (h->h_ev_trans != NULL)
		event_active(h->h_ev_trans, EV_TIMEOUT, 1);
}

/* Starts checks that wait for a slot while there are slots. */
static void
hce_unqueue(struct hce *h)
{
	struct target *tg;

	while (h->h_inflight < h->h_max &&
	    (tg = TAILQ_FIRST(&h->h_waitq)) != NULL) {
		TAILQ_REMOVE(&h->h_waitq, tg, tg_entry);
		tg->tg_waiting = 0;
		h->h_nwaiting--;
		hce_start(tg);
	}
}

static void
hce_checked(void *arg, const struct check_result *res)
{
	struct target	*tg = arg;
	struct hce	*h = tg->tg_hce;
	struct hc_spec	*sp = tg->tg_sp;
	int		 from = tg->tg_h.hh_state, i;
	int64_t		 ival;

	tg->tg_check = NULL;
	h->h_inflight--;
	tg->tg_checked_at = gw_now_ms();
	tg->tg_latency_us = res->cr_latency_us;
	hs_reason_fmt(res->cr_reason, res->cr_status, tg->tg_reason,
	    sizeof(tg->tg_reason));
	gw_log(GW_LOG_DEBUG, "check %s/%s: %s%s in %lld us",
	    sp->sp_service, tg->tg_name, res->cr_pass ? "passed" : "failed: ",
	    tg->tg_reason, (long long)res->cr_latency_us);
	for (i = 0; i < HCE_NSPANS; i++) {
		h->h_count[i].ct_checks++;
		h->h_count[i].ct_failed += !res->cr_pass;
		h->h_count[i].ct_connects += (uint64_t)res->cr_connects;
	}
	if (res->cr_conn != NULL)
		hce_keep(h, tg, res->cr_conn);
	tg->tg_respec = 0;
	if (hs_step(&tg->tg_h, res->cr_pass, sp->sp_rise, sp->sp_fall,
	    &tg->tg_h)) {
		tg->tg_since_at = tg->tg_checked_at;
		hce_transition(h, tg, from);
	}
	hce_record(h, tg);
	if (h->h_once) {
		tg->tg_done = 1;
		if (++h->h_ndone == h->h_ntg)
			event_base_loopbreak(h->h_base);
	} else {
		ival = hs_pending(&tg->tg_h) ? sp->sp_fast_ms :
		    sp->sp_interval_ms;
		hce_arm(tg, sched_delay_us(ival, sp->sp_jitter_pct,
		    hce_random(h)));
	}
	hce_unqueue(h);
}

static void
hce_start(struct target *tg)
{
	struct hce		*h = tg->tg_hce;
	struct check_conn	*cn;
	int64_t			 late = hce_now_us() - tg->tg_due_us;
	int			 i;

	if (late < 0)
		late = 0;
	for (i = 0; i < HCE_NSPANS; i++)
		sched_hist_add(&h->h_count[i].ct_late, (uint64_t)late);
	h->h_inflight++;
	/* The kept connection goes to the check, which owns it now. */
	cn = tg->tg_conn;
	if (cn != NULL) {
		tg->tg_conn = NULL;
		h->h_kept--;
	}
	tg->tg_check = check_start(tg->tg_sp, tg->tg_host, tg->tg_port,
	    tg->tg_sslen > 0 ? (struct sockaddr *)&tg->tg_ss : NULL,
	    tg->tg_sslen, tg->tg_name, cn, hce_checked, tg);
}

static void
hce_fire(evutil_socket_t fd, short what, void *arg)
{
	struct target	*tg = arg;
	struct hce	*h = tg->tg_hce;

	(void)fd;
	(void)what;
	if (tg->tg_check != NULL || tg->tg_waiting)
		return;
	if (h->h_inflight >= h->h_max) {
		TAILQ_INSERT_TAIL(&h->h_waitq, tg, tg_entry);
		tg->tg_waiting = 1;
		h->h_nwaiting++;
		return;
	}
	hce_start(tg);
}

void
hce_stop(struct hce *h)
{
	size_t i;

	for (i = 0; i < h->h_ntg; i++)
		hce_target_free(h->h_tg[i]);
	free(h->h_tg);
	h->h_tg = NULL;
	h->h_ntg = 0;
}

void
hce_free(struct hce *h)
{
	if (h == NULL)
		return;
	hce_stop(h);
	store_batch_free(&h->h_batch);
	free(h);
}

void
hce_on_transition(struct hce *h, struct event *ev)
{
	h->h_ev_trans = ev;
}

struct store_batch *
hce_batch(struct hce *h)
{
	return &h->h_batch;
}

void
hce_flush(struct hce *h, int (*offer)(void *, struct store_batch *),
    void *arg)
{
	if (h->h_batch.bt_nrows == 0 && h->h_batch.bt_ntrans == 0)
		return;
	if (offer(arg, &h->h_batch))
		h->h_seq++;
}

size_t
hce_ntargets(const struct hce *h)
{
	return h->h_ntg;
}

size_t
hce_inflight(const struct hce *h)
{
	return h->h_inflight;
}

size_t
hce_waiting(const struct hce *h)
{
	return h->h_nwaiting;
}

size_t
hce_kept(const struct hce *h)
{
	return h->h_kept;
}

void
hce_counts(struct hce *h, enum hce_span span, struct hce_count *out)
{
	*out = h->h_count[span];
	if (span != HCE_TOTAL)
		memset(&h->h_count[span], 0, sizeof(h->h_count[span]));
}

int
hce_once_done(const struct hce *h)
{
	return h->h_ndone >= h->h_ntg;
}
