/*
 * writer: the thread that writes what gwhealth found, so that the event
 * loop never waits for the database.
 *
 * The loop hands it batches of results (writer_offer(), every
 * GH_FLUSH_MS) and discovery answers (writer_discover()).  It writes each
 * batch in one transaction and retries one that failed, locked database
 * included, until it is written: no transition is lost while gwhealth
 * runs.  While it retries, offers are refused and the loop keeps merging
 * results into its own batch (one row per backend), so memory stays
 * bounded by the number of backends.  After a commit that had
 * transitions, or a discovery that changed backends, it says so through
 * an eventfd the loop watches (writer_fd(), writer_events()), so the
 * loop can tell gwproxy or reload; no libevent call crosses threads, and
 * the loop's event_base needs no locks.  It also prunes old transitions.
 * Owns its DB connection.
 */
#ifndef GWHEALTH_WRITER_H
#define GWHEALTH_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

/* What writer_events() reports. */
#define WRITER_WRITTEN	0x01	/* transitions were committed */
#define WRITER_CHANGED	0x02	/* discovery changed backends */
#define WRITER_DONE	0x04	/* a batch was written: offer the next */

struct writer;

/*
 * Starts the thread on db (owned from now on).  retention_ms: prune
 * transitions older than that (0: never).  user: who discovery changes
 * are recorded as (copied).  NULL when the eventfd or the thread cannot
 * be made.
 */
struct writer	*writer_start(sqlite3 *db, int64_t retention_ms,
		    const char *user);
/* The descriptor that becomes readable when there are events. */
int		 writer_fd(const struct writer *w);
/* The WRITER_* events since the last call (read on the loop). */
int		 writer_events(struct writer *w);

/*
 * Takes bt's contents when the writer is free for a new batch (bt is
 * then empty, reusing the writer's old arrays) and returns 1; returns 0
 * and leaves bt alone while an earlier batch waits.
 */
int		 writer_offer(struct writer *w, struct store_batch *bt);

/* Queues a discovery answer; the writer owns sd from now on. */
void		 writer_discover(struct writer *w, struct store_disc *sd);

/*
 * Writes bt and everything pending, trying for up to timeout_ms, then
 * stops the thread and frees the writer.  bt is emptied.
 */
void		 writer_stop(struct writer *w, struct store_batch *bt,
		    int64_t timeout_ms);

/*
 * Writes one discovery answer on db (store_discover()) and logs what it
 * changed; *changed says whether backends changed.  Returns 1 when the
 * database was locked (worth retrying), else 0 (written, unchanged, or
 * failed and logged).  The writer thread's, and --once's.
 */
int		 writer_disc_apply(sqlite3 *db, const struct store_disc *sd,
		    const char *user, int *changed);

#endif /* GWHEALTH_WRITER_H */
