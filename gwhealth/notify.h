/*
 * notify: telling gwproxy that health changed, over its control socket,
 * without blocking the event loop.
 *
 * notify_reload() sends "reload" (gwctl.8, gwproxy.8: gwproxy answers
 * once a snapshot with the new health serves).  At most one exchange is
 * in flight: asks that come meanwhile make one more exchange after it,
 * however many they are.  A gwproxy that is not running (no socket, or
 * nobody listening) is normal, since gwproxy also reads the database by
 * itself within its poll interval: that is logged at debug level only;
 * other failures (a refused reload, no answer in time, permissions) are
 * logged once until an exchange works again.
 */
#ifndef GWHEALTH_NOTIFY_H
#define GWHEALTH_NOTIFY_H

#include <event2/event.h>

struct notify;

/* path NULL: notifications off (every call is then a no-op). */
struct notify	*notify_new(struct event_base *base, const char *path);
void		 notify_reload(struct notify *nt);
/* 1 while an exchange is in flight or asked for. */
int		 notify_busy(const struct notify *nt);
void		 notify_free(struct notify *nt);

#endif /* GWHEALTH_NOTIFY_H */
