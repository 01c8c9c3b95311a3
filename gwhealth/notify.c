/*
 * notify: "reload" to gwproxy's control socket on the event loop; see
 * notify.h.  The protocol is common/ctl.h's: one line out, a reply that
 * ends with an empty line back, "error: ..." as its first line when the
 * command failed.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "ctl.h"
#include "duration.h"
#include "gwhealth.h"
#include "log.h"
#include "notify.h"
#include "str.h"

struct notify {
	struct event_base	*nt_base;
	char			*nt_path;	/* NULL: off */
	struct bufferevent	*nt_bev;	/* the exchange in flight */
	int			 nt_again;	/* asked during it */
	int			 nt_failing;	/* a failure was logged */
	int64_t			 nt_sent_ms;	/* mono, for the debug log */
};

static void	notify_send(struct notify *);

struct notify *
notify_new(struct event_base *base, const char *path)
{
	struct notify *nt;

	nt = gw_calloc(1, sizeof(*nt));
	nt->nt_base = base;
	nt->nt_path = gw_strdup_null(path);
	return nt;
}

void
notify_free(struct notify *nt)
{
	if (nt == NULL)
		return;
	if (nt->nt_bev != NULL)
		bufferevent_free(nt->nt_bev);
	free(nt->nt_path);
	free(nt);
}

int
notify_busy(const struct notify *nt)
{
	return nt->nt_bev != NULL || nt->nt_again;
}

/* A failure that is not "gwproxy is not running": logged once. */
static void
notify_failed(struct notify *nt, const char *why)
{
	if (!nt->nt_failing)
		gw_log(GW_LOG_WARNING, "cannot notify gwproxy at %s: %s; it "
		    "reads the database itself", nt->nt_path, why);
	nt->nt_failing = 1;
}

/* Ends the exchange; starts the next one when asked meanwhile. */
static void
notify_done(struct notify *nt)
{
	bufferevent_free(nt->nt_bev);
	nt->nt_bev = NULL;
	if (nt->nt_again) {
		nt->nt_again = 0;
		notify_send(nt);
	}
}

static void
notify_read(struct bufferevent *bev, void *arg)
{
	struct notify		*nt = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 end;
	size_t			 len = evbuffer_get_length(in);
	char			 line[256], *nl;

	/* The reply ends with an empty line: "\n" alone, or "\n\n". */
	end = evbuffer_search(in, "\n\n", 2, NULL);
	if (end.pos < 0 && !(len >= 1 &&
	    *(char *)evbuffer_pullup(in, 1) == '\n')) {
		if (len > GW_CTL_LINE_MAX) {
			notify_failed(nt, "reply too long");
			notify_done(nt);
		}
		return;
	}
	memset(line, 0, sizeof(line));
	evbuffer_copyout(in, line, sizeof(line) - 1);
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	if (strncmp(line, "error: ", 7) == 0) {
		notify_failed(nt, line + 7);
	} else {
		if (nt->nt_failing)
			gw_log(GW_LOG_INFO, "gwproxy at %s answers again",
			    nt->nt_path);
		nt->nt_failing = 0;
		gw_log(GW_LOG_DEBUG, "gwproxy reloaded (%s) in %lld ms", line,
		    (long long)(gw_mono_ms() - nt->nt_sent_ms));
	}
	notify_done(nt);
}

static void
notify_event(struct bufferevent *bev, short what, void *arg)
{
	struct notify	*nt = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		notify_failed(nt, "no answer in time");
	else if (what & BEV_EVENT_ERROR)
		notify_failed(nt, strerror(EVUTIL_SOCKET_ERROR()));
	else
		notify_failed(nt, "closed before answering");
	notify_done(nt);
}

static void
notify_send(struct notify *nt)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { GH_NOTIFY_TIMEOUT_MS / 1000,
				    (GH_NOTIFY_TIMEOUT_MS % 1000) * 1000 };
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(nt->nt_path) >= sizeof(sun.sun_path)) {
		notify_failed(nt, "path too long");
		return;
	}
	gw_strlcpy(sun.sun_path, nt->nt_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		notify_failed(nt, strerror(errno));
		return;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			gw_log(GW_LOG_DEBUG, "gwproxy not running at %s: %s",
			    nt->nt_path, strerror(errno));
		else
			notify_failed(nt, strerror(errno));
		close(fd);
		return;
	}
	nt->nt_bev = bufferevent_socket_new(nt->nt_base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (nt->nt_bev == NULL) {
		close(fd);
		notify_failed(nt, "out of memory");
		return;
	}
	bufferevent_setcb(nt->nt_bev, notify_read, NULL, notify_event, nt);
	bufferevent_set_timeouts(nt->nt_bev, &tv, &tv);
	bufferevent_enable(nt->nt_bev, EV_READ);
	bufferevent_write(nt->nt_bev, "reload\n", 7);
	nt->nt_sent_ms = gw_mono_ms();
}

void
notify_reload(struct notify *nt)
{
	if (nt == NULL || nt->nt_path == NULL)
		return;
	if (nt->nt_bev != NULL) {
		nt->nt_again = 1;
		return;
	}
	notify_send(nt);
}
