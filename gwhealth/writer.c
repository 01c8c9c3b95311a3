/*
 * writer: the writing thread; see writer.h.
 *
 * Three batches exist at most: the one being written (wr_work, the
 * thread's), the one waiting (wr_in, handed over by writer_offer()) and
 * the loop's own, still filling.  Order is kept: wr_work is older than
 * wr_in, which is older than the loop's.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "duration.h"
#include "gwhealth.h"
#include "log.h"
#include "store.h"
#include "str.h"
#include "writer.h"

/* Retry delays after a failed write: locked, or another error. */
#define WRITER_BUSY_RETRY_MS	100
#define WRITER_ERROR_RETRY_MS	1000

struct writer {
	pthread_t		 wr_thread;
	pthread_mutex_t		 wr_mtx;
	pthread_cond_t		 wr_cond;
	/* Under wr_mtx. */
	struct store_batch	 wr_in;
	int			 wr_in_full;
	struct store_disc	**wr_disc;	/* owned, oldest first */
	size_t			 wr_ndisc;
	int			 wr_quit;
	int64_t			 wr_stop_at;	/* mono ms; with wr_quit */
	/* The thread's own. */
	sqlite3			*wr_db;
	struct store_batch	 wr_work;
	int64_t			 wr_retention_ms;
	int64_t			 wr_prune_at;	/* mono ms */
	int64_t			 wr_failing_since; /* mono ms; 0: writing */
	int			 wr_efd;	/* eventfd the loop watches */
	atomic_int		 wr_events;	/* WRITER_* not yet read */
	char			*wr_user;
};

/* Tells the loop (from the thread). */
static void
writer_wake(struct writer *w, int what)
{
	uint64_t one = 1;

	atomic_fetch_or(&w->wr_events, what);
	if (write(w->wr_efd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		gw_log(GW_LOG_ERROR, "cannot wake the event loop: %s",
		    strerror(errno));
}

int
writer_fd(const struct writer *w)
{
	return w->wr_efd;
}

int
writer_events(struct writer *w)
{
	uint64_t n;

	/* Drained first: a wake after it is seen at the next readable. */
	while (read(w->wr_efd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		;
	return atomic_exchange(&w->wr_events, 0);
}

static void
writer_prune(struct writer *w)
{
	char	errbuf[512];
	int64_t	n, total = 0;

	if (w->wr_retention_ms == 0 || gw_mono_ms() < w->wr_prune_at)
		return;
	w->wr_prune_at = gw_mono_ms() + GH_PRUNE_EVERY_MS;
	do {
		n = store_prune(w->wr_db, gw_now_ms() - w->wr_retention_ms,
		    errbuf, sizeof(errbuf));
		if (n < 0) {
			gw_log(GW_LOG_WARNING, "cannot prune transitions: %s",
			    errbuf);
			return;
		}
		total += n;
	} while (n == GH_PRUNE_BATCH);
	if (total > 0)
		gw_log(GW_LOG_INFO, "pruned %lld transitions",
		    (long long)total);
}

/* Writes wr_work; 0 when it is written (or was empty), else -1. */
static int
writer_batch(struct writer *w)
{
	char	errbuf[512];
	int	busy;

	if (w->wr_work.bt_nrows == 0 && w->wr_work.bt_ntrans == 0)
		return 0;
	if (store_write(w->wr_db, &w->wr_work, &busy, errbuf,
	    sizeof(errbuf)) == -1) {
		if (w->wr_failing_since == 0) {
			w->wr_failing_since = gw_mono_ms();
			gw_log(GW_LOG_WARNING, "cannot write health (%s), "
			    "retrying: %zu transitions waiting",
			    errbuf, w->wr_work.bt_ntrans);
		}
		return busy ? 1 : -1;
	}
	if (w->wr_failing_since != 0) {
		gw_log(GW_LOG_INFO, "health written again after %lld ms",
		    (long long)(gw_mono_ms() - w->wr_failing_since));
		w->wr_failing_since = 0;
	}
	writer_wake(w, WRITER_DONE |
	    (w->wr_work.bt_ntrans > 0 ? WRITER_WRITTEN : 0));
	store_batch_clear(&w->wr_work);
	return 0;
}

int
writer_disc_apply(sqlite3 *db, const struct store_disc *sd,
    const char *user, int *changed)
{
	char	errbuf[512];
	size_t	added, removed;
	int64_t	gen;
	int	busy;

	*changed = 0;
	gen = store_discover(db, sd, user, &added, &removed, &busy, errbuf,
	    sizeof(errbuf));
	if (gen < 0 && busy)
		return 1;
	if (gen < 0) {
		gw_log(GW_LOG_ERROR, "discovery of service \"%s\" not "
		    "written: %s", sd->sd_service, errbuf);
		return 0;
	}
	if (gen == 0)
		return 0;
	gw_log(GW_LOG_INFO, "discovery of service \"%s\": %zu backends "
	    "added, %zu removed (generation %lld)", sd->sd_service, added,
	    removed, (long long)gen);
	*changed = 1;
	return 0;
}

/* Applies one discovery answer; 1 to retry it (locked), else 0. */
static int
writer_disc(struct writer *w, const struct store_disc *sd)
{
	int changed;

	if (writer_disc_apply(w->wr_db, sd, w->wr_user, &changed) > 0)
		return 1;
	if (changed)
		writer_wake(w, WRITER_CHANGED);
	return 0;
}

/* Waits (wr_mtx held) until there is work, or until ms from now. */
static void
writer_sleep(struct writer *w, int64_t ms)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	while (!w->wr_in_full && w->wr_ndisc == 0 && !w->wr_quit &&
	    pthread_cond_timedwait(&w->wr_cond, &w->wr_mtx, &ts) == 0)
		;
}

static void *
writer_main(void *arg)
{
	struct writer		*w = arg;
	struct store_disc	*sd;
	int64_t			 retry = 0;
	int			 rc;

	pthread_mutex_lock(&w->wr_mtx);
	for (;;) {
		if (w->wr_work.bt_nrows == 0 && w->wr_work.bt_ntrans == 0 &&
		    w->wr_in_full) {
			/* wr_in's arrays go to wr_work, the empty ones back. */
			struct store_batch tmp = w->wr_work;

			w->wr_work = w->wr_in;
			w->wr_in = tmp;
			w->wr_in_full = 0;
		}
		sd = NULL;
		if (w->wr_ndisc > 0) {
			sd = w->wr_disc[0];
			memmove(w->wr_disc, w->wr_disc + 1,
			    --w->wr_ndisc * sizeof(*w->wr_disc));
		}
		if (sd == NULL && w->wr_work.bt_nrows == 0 &&
		    w->wr_work.bt_ntrans == 0) {
			if (w->wr_quit)
				break;
			pthread_mutex_unlock(&w->wr_mtx);
			writer_prune(w);
			pthread_mutex_lock(&w->wr_mtx);
			writer_sleep(w, GH_PRUNE_EVERY_MS);
			continue;
		}
		pthread_mutex_unlock(&w->wr_mtx);
		rc = writer_batch(w);
		if (rc != 0)
			retry = rc > 0 ? WRITER_BUSY_RETRY_MS :
			    WRITER_ERROR_RETRY_MS;
		if (sd != NULL && writer_disc(w, sd) > 0) {
			retry = WRITER_BUSY_RETRY_MS;
			pthread_mutex_lock(&w->wr_mtx);
			/* Back to the front: it is still the oldest. */
			w->wr_disc = gw_reallocarray(w->wr_disc,
			    w->wr_ndisc + 1, sizeof(*w->wr_disc));
			memmove(w->wr_disc + 1, w->wr_disc,
			    w->wr_ndisc++ * sizeof(*w->wr_disc));
			w->wr_disc[0] = sd;
			pthread_mutex_unlock(&w->wr_mtx);
			sd = NULL;
		}
		store_disc_free(sd);
		pthread_mutex_lock(&w->wr_mtx);
		if (retry == 0)
			continue;
		if (w->wr_quit && gw_mono_ms() >= w->wr_stop_at)
			break;
		/* A failed write waits before the next try. */
		pthread_mutex_unlock(&w->wr_mtx);
		nanosleep(&(struct timespec){ retry / 1000,
		    (retry % 1000) * 1000000 }, NULL);
		retry = 0;
		pthread_mutex_lock(&w->wr_mtx);
	}
	if (w->wr_work.bt_ntrans + w->wr_in.bt_ntrans > 0 ||
	    w->wr_ndisc > 0)
		gw_log(GW_LOG_ERROR, "stopping with %zu transitions and %zu "
		    "discoveries not written", w->wr_work.bt_ntrans +
		    w->wr_in.bt_ntrans, w->wr_ndisc);
	pthread_mutex_unlock(&w->wr_mtx);
	return NULL;
}

struct writer *
writer_start(sqlite3 *db, int64_t retention_ms, const char *user)
{
	struct writer	*w;
	sigset_t	 all, old;
	int		 rc;

	w = gw_calloc(1, sizeof(*w));
	if ((w->wr_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->wr_mtx, NULL);
	pthread_cond_init(&w->wr_cond, NULL);
	w->wr_db = db;
	w->wr_retention_ms = retention_ms;
	w->wr_prune_at = gw_mono_ms();
	w->wr_user = gw_strdup(user);
	/* Signals are the loop's: the thread starts with them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&w->wr_thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		close(w->wr_efd);
		pthread_mutex_destroy(&w->wr_mtx);
		pthread_cond_destroy(&w->wr_cond);
		free(w->wr_user);
		free(w);
		return NULL;
	}
	return w;
}

int
writer_offer(struct writer *w, struct store_batch *bt)
{
	struct store_batch	tmp;
	int			taken = 0;

	if (bt->bt_nrows == 0 && bt->bt_ntrans == 0)
		return 1;
	pthread_mutex_lock(&w->wr_mtx);
	if (!w->wr_in_full) {
		tmp = w->wr_in;
		w->wr_in = *bt;
		*bt = tmp;
		store_batch_clear(bt);
		w->wr_in_full = 1;
		taken = 1;
		pthread_cond_signal(&w->wr_cond);
	}
	pthread_mutex_unlock(&w->wr_mtx);
	return taken;
}

void
writer_discover(struct writer *w, struct store_disc *sd)
{
	pthread_mutex_lock(&w->wr_mtx);
	w->wr_disc = gw_reallocarray(w->wr_disc, w->wr_ndisc + 1,
	    sizeof(*w->wr_disc));
	w->wr_disc[w->wr_ndisc++] = sd;
	pthread_cond_signal(&w->wr_cond);
	pthread_mutex_unlock(&w->wr_mtx);
}

void
writer_stop(struct writer *w, struct store_batch *bt, int64_t timeout_ms)
{
	size_t i;

	pthread_mutex_lock(&w->wr_mtx);
	store_batch_append(&w->wr_in, bt);
	store_batch_clear(bt);
	if (w->wr_in.bt_nrows > 0 || w->wr_in.bt_ntrans > 0)
		w->wr_in_full = 1;
	w->wr_quit = 1;
	w->wr_stop_at = gw_mono_ms() + timeout_ms;
	pthread_cond_signal(&w->wr_cond);
	pthread_mutex_unlock(&w->wr_mtx);
	pthread_join(w->wr_thread, NULL);

	for (i = 0; i < w->wr_ndisc; i++)
		store_disc_free(w->wr_disc[i]);
	free(w->wr_disc);
	store_batch_free(&w->wr_in);
	store_batch_free(&w->wr_work);
	gw_db_close(w->wr_db);
	close(w->wr_efd);
	pthread_mutex_destroy(&w->wr_mtx);
	pthread_cond_destroy(&w->wr_cond);
	free(w->wr_user);
	free(w);
}
