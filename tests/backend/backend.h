/*
 * backend.h: what the files of gwbackend share.
 *
 * backend.c is main (options, listeners, signals); conn.c owns a client
 * connection (its bufferevent, the request loop, answers, closing);
 * request.c reads a request with http-parser and looks into it (headers,
 * query parameters); endpoint.c decides what each path answers; ws.c is
 * the pure part of the WebSocket echo.  Everything runs on one event loop
 * thread: nothing here locks.
 */
#ifndef GWB_BACKEND_H
#define GWB_BACKEND_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <http_parser.h>

#include "addr.h"
#include "str.h"

/* Request line and header bytes; more is 431 (gwproxy's default too). */
#define BACKEND_HEAD_MAX	(64 * 1024)
/* Request target bytes; more is 414. */
#define BACKEND_TARGET_MAX	(8 * 1024)
/* Header and trailer fields per request; more is 431. */
#define BACKEND_FIELDS_MAX	100
/*
 * Input bytes buffered before reading pauses: what a client pipelining
 * behind a slow answer, or talking to /hang, can make us hold.
 */
#define BACKEND_IN_MAX		(256 * 1024)
/* Output bytes queued before bodies and pipelined answers wait. */
#define BACKEND_OUT_HIGH	(256 * 1024)
/* Output bytes left when the write callback refills (bufferevent low mark). */
#define BACKEND_OUT_LOW		(64 * 1024)
/* /echo returns the body itself up to this many bytes, else null. */
#define BACKEND_ECHO_BODY_MAX	4096
/* Bytes per write of a body sent with Content-Length or until close. */
#define BACKEND_BLOCK		(16 * 1024)
/* Largest piece=; the pattern buffer holds one from any offset. */
#define BACKEND_PIECE_MAX	(64 * 1024)
/* Largest n= (1 TiB) and ms= (one hour): enough for any test. */
#define BACKEND_N_MAX		(1LL << 40)
#define BACKEND_MS_MAX		(3600 * 1000)
/* How long a closing connection reads and discards what still comes. */
#define BACKEND_LINGER_MS	2000
/* WebSocket frames up to 1 MiB are echoed; larger ones close with 1009. */
#define BACKEND_WS_FRAME_MAX	(1024 * 1024)

enum backend_state {
	BACKEND_READING,	/* parsing the next request */
	BACKEND_WAITING,	/* /delay: the timer answers */
	BACKEND_HANGING,	/* /hang: nothing answers */
	BACKEND_STREAMING,	/* /bytes, /slowbody: the body is being made */
	BACKEND_WEBSOCKET,	/* after 101 */
	BACKEND_RESETTING,	/* flushing earlier answers, then RST */
	BACKEND_CLOSING,	/* flushing the output, then LINGERING */
	BACKEND_LINGERING	/* sent FIN; discarding input until EOF */
};

enum backend_framing {
	BACKEND_LENGTH,		/* Content-Length */
	BACKEND_CHUNKED,	/* Transfer-Encoding: chunked */
	BACKEND_EOF,		/* neither: the body ends when we close */
	BACKEND_RAW		/* neither: /headers supplied its own */
};

struct backend_field {
	struct gw_buf	f_name;
	struct gw_buf	f_value;
};

/* A query parameter, percent-decoded; both strings owned. */
struct backend_param {
	char	*p_key;
	char	*p_value;
};

/* The request being read or answered; owned by its connection. */
struct backend_req {
	struct gw_buf		 rq_target;
	struct backend_field	*rq_fields;	/* headers, then trailers */
	size_t			 rq_nfields;
	size_t			 rq_capfields;
	size_t			 rq_nheaders;	/* fields before the body */
	size_t			 rq_headbytes;
	int			 rq_in_name;	/* last callback: a name */
	int			 rq_refuse;	/* status a callback chose */
	const char		*rq_refuse_why;
	int			 rq_method;	/* enum http_method, -1: none */
	int			 rq_minor;	/* HTTP/1.x */
	int			 rq_keepalive;
	uint64_t		 rq_bodylen;
	uint64_t		 rq_fnv;	/* FNV-1a 64 of the body */
	struct gw_buf		 rq_body;	/* its first bytes, for /echo */
	char			*rq_path;	/* the target before '?' */
	struct backend_param	*rq_params;
	size_t			 rq_nparams;
};

struct backend_server;

/* One client connection; owned by the server's list. */
struct backend_conn {
	TAILQ_ENTRY(backend_conn) c_entry;
	struct backend_server	*c_srv;
	struct bufferevent	*c_bev;		/* owned; closes the socket */
	struct event		*c_timer;	/* owned; delays, linger */
	http_parser		 c_parser;
	struct backend_req	 c_req;
	enum backend_state	 c_state;
	int			 c_eof;		/* the client shut its side */
	int			 c_keepalive;	/* for the current answer */
	int			 c_head;	/* HEAD: no body */
	int			 c_ws_frag;	/* inside a fragmented msg */
	uint64_t		 c_gen_left;	/* body bytes still to make */
	uint64_t		 c_gen_off;
	size_t			 c_gen_piece;
	int			 c_gen_ms;
	enum backend_framing	 c_gen_framing;
	char			 c_peer[GW_ADDR_STR_MAX];
};

struct backend_server {
	struct event_base	*s_base;
	const char		*s_name;
	int			 s_verbose;
	int			 s_idle_ms;	/* 0: keep idle connections */
	TAILQ_HEAD(backend_conns, backend_conn) s_conns;
};

/* backend.c */
void	backend_addr_fmt(const struct sockaddr *sa, socklen_t salen,
	    char *buf, size_t len, int *port);

/* request.c */
extern const http_parser_settings req_parser_settings;
void		 req_reset(struct backend_req *rq);
int		 req_parse_target(struct backend_req *rq);
const char	*req_param(const struct backend_req *rq, const char *key);
int		 req_flag(const struct backend_req *rq, const char *key);
int		 req_num(const struct backend_req *rq, const char *key,
		    long long def, long long min, long long max, long long *out,
		    const char **why);
const char	*req_header(const struct backend_req *rq, const char *name);
int		 req_has_token(const struct backend_req *rq, const char *name,
		    const char *token);

/*
 * conn.c.  The functions that return int return -1 when they closed c or
 * started closing it: the caller returns at once and touches c no more.
 */
void		 conn_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
		    struct sockaddr *sa, int salen, void *arg);
void		 conn_free(struct backend_conn *c);
const char	*conn_reason(int status);
int		 conn_bodyless(int status);
void		 conn_log(struct backend_conn *c, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 conn_set_state(struct backend_conn *c,
		    enum backend_state st);
void		 conn_timer_add(struct backend_conn *c, int ms);
int		 conn_close_flush(struct backend_conn *c);
void		 conn_reset(struct backend_conn *c);
int		 conn_done(struct backend_conn *c);
void		 conn_head(struct backend_conn *c, int status,
		    const char *extra, enum backend_framing framing,
		    uint64_t len);
int		 conn_respond(struct backend_conn *c, int status,
		    const char *extra, struct evbuffer *body,
		    enum backend_framing framing);
int		 conn_text(struct backend_conn *c, int status,
		    const char *extra, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
int		 conn_bad_param(struct backend_conn *c, const char *key,
		    const char *why);

/* endpoint.c */
void		 ep_init(void);
int		 ep_dispatch(struct backend_conn *c);
int		 ep_timer(struct backend_conn *c);
int		 ep_gen_fill(struct backend_conn *c);
int		 ep_ws_run(struct backend_conn *c);

#endif /* GWB_BACKEND_H */
