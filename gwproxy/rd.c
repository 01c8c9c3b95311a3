/*
 * rd: reading a bufferevent's socket ourselves; see rd.h.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "rd.h"

static void
rd_ready(evutil_socket_t fd, short what, void *arg)
{
	struct rd		*rd = arg;
	struct evbuffer		*in = bufferevent_get_input(rd->rd_bev);
	struct evbuffer_iovec	 v[2];
	struct iovec		 iov[2];
	struct msghdr		 msg;
	ssize_t			 r;
	size_t			 left;
	int			 n, i;

	(void)what;		/* only EV_READ: rd sets no timeout */
	/*
	 * A socket bufferevent keeps the end of its input frozen and thaws
	 * it only around its own reads; so do we.
	 */
	evbuffer_unfreeze(in, 0);
	if ((n = evbuffer_reserve_space(in, RD_CHUNK, v, 2)) <= 0) {
		evbuffer_freeze(in, 0);
		return;
	}
	for (i = 0; i < n; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len;
	}
	/*
	 * recvmsg(2), not readv(2): the socket call skips the VFS layer
	 * (rw_verify_area, fsnotify) that a read on a file descriptor pays.
	 */
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	r = recvmsg(fd, &msg, 0);
	if (r > 0) {
		left = (size_t)r;
		for (i = 0; i < n && left > 0; i++) {
			if (v[i].iov_len > left)
				v[i].iov_len = left;
			left -= v[i].iov_len;
		}
		evbuffer_commit_space(in, v, i);
		evbuffer_freeze(in, 0);
		rd->rd_readcb(rd->rd_bev, rd->rd_arg);
		return;	/* the callback may have freed rd */
	}
	evbuffer_freeze(in, 0);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	rd_disable(rd);
	rd->rd_eventcb(rd->rd_bev, BEV_EVENT_READING | (r == 0 ?
	    BEV_EVENT_EOF : BEV_EVENT_ERROR), rd->rd_arg);
}

int
rd_init(struct rd *rd, struct event_base *base, struct bufferevent *bev)
{
	memset(rd, 0, sizeof(*rd));
	rd->rd_bev = bev;
	rd->rd_ev = event_new(base, bufferevent_getfd(bev),
	    EV_READ | EV_PERSIST, rd_ready, rd);
	return rd->rd_ev != NULL ? 0 : -1;
}

void
rd_setcb(struct rd *rd, bufferevent_data_cb readcb,
    bufferevent_event_cb eventcb, void *arg)
{
	rd->rd_readcb = readcb;
	rd->rd_eventcb = eventcb;
	rd->rd_arg = arg;
}

void
rd_enable(struct rd *rd)
{
	if (rd->rd_on)
		return;
	rd->rd_on = 1;
	event_add(rd->rd_ev, NULL);
}

void
rd_disable(struct rd *rd)
{
	if (!rd->rd_on)
		return;
	rd->rd_on = 0;
	event_del(rd->rd_ev);
}

void
rd_fini(struct rd *rd)
{
	if (rd->rd_ev != NULL)
		event_free(rd->rd_ev);
	rd->rd_ev = NULL;
	rd->rd_on = 0;
}
