/*
 * rd: reading a bufferevent's socket without libevent's read path.
 *
 * libevent 2.1 reads a socket with an ioctl(FIONREAD) before every readv
 * and at most 4096 bytes a time (EVBUFFER_MAX_READ), which costs two
 * syscalls per read and several reads per 16 KiB.  A struct rd is a read
 * event of our own on the bufferevent's socket: it reads up to RD_CHUNK
 * bytes straight into the bufferevent's input with one readv(2) and calls
 * the owner's callbacks with bufferevent semantics (data, or EOF and
 * errors as BEV_EVENT_* with BEV_EVENT_READING).  It has no timeouts: the
 * owners keep their deadlines in timers of their own.  The bufferevent
 * keeps writing and connecting; its own reading stays disabled.
 *
 * A callback may free the owner and with it the struct rd: rd touches
 * nothing after calling one.
 */
#ifndef GWPROXY_RD_H
#define GWPROXY_RD_H

#include <event2/bufferevent.h>
#include <event2/event.h>

/* Bytes one read may bring: a 16 KiB body in one syscall. */
#define RD_CHUNK	(32 * 1024)

struct rd {
	struct event		*rd_ev;		/* owned; NULL until rd_init */
	struct bufferevent	*rd_bev;
	bufferevent_data_cb	 rd_readcb;
	bufferevent_event_cb	 rd_eventcb;
	void			*rd_arg;
	int			 rd_on;
};

/* Sets rd up on bev's socket (which must exist); 0 or -1. */
int	rd_init(struct rd *rd, struct event_base *base,
	    struct bufferevent *bev);
void	rd_setcb(struct rd *rd, bufferevent_data_cb readcb,
	    bufferevent_event_cb eventcb, void *arg);
/* Reading on or off. */
void	rd_enable(struct rd *rd);
void	rd_disable(struct rd *rd);
/* Releases the event; before the bufferevent closes the socket. */
void	rd_fini(struct rd *rd);

#endif /* GWPROXY_RD_H */
