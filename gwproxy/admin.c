/*
 * admin: the admin thread.  Off the workers' event loops it serves the
 * admin HTTP listener (/metrics, /ready, /healthz; libevent's evhttp is
 * plenty for that) and the control socket (common/ctl.h's line protocol).
 * It reads only atomics and snapshots, so it never slows a worker.
 */
#define _GNU_SOURCE	/* accept4(2) */
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "addr.h"
#include "config.h"
#include "ctl.h"
#include "duration.h"
#include "gwproxy.h"
#include "log.h"
#include "outlier.h"
#include "override.h"
#include "stats.h"
#include "str.h"

static struct event_base	*admin_base;
static struct evhttp		*admin_http;
static struct event		*ctl_ev;
static int			 ctl_fd = -1;
static pthread_t		 admin_thread;
static int			 admin_running;

/* /metrics: stats.c writes the page (Prometheus text format 0.0.4). */
static void
http_metrics(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*b = evbuffer_new();
	struct gw_buf	 page = { NULL, 0, 0 };

	(void)arg;
	stats_metrics(&page);
	evbuffer_add(b, gw_buf_str(&page), page.b_len);
	gw_buf_free(&page);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* A short text/plain answer of the admin listener. */
static void
http_text(struct evhttp_request *req, int code, const char *reason,
    const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void
http_ready(struct evhttp_request *req, void *arg)
{
	(void)arg;
	if (atomic_load(&px.px_draining))
		http_text(req, 503, "Service Unavailable", "draining\n");
	else
		http_text(req, 200, "OK", "ready\n");
}

static void
http_healthz(struct evhttp_request *req, void *arg)
{
	(void)arg;
	http_text(req, 200, "OK", "ok\n");
}

/*
 * Control socket commands.  Each builds a text body and the inside of a
 * JSON object; ctl.c frames them.
 */
static void
cmd_show_info(struct gw_buf *text, struct gw_buf *json)
{
	struct snapshot *sn = proxy_snapshot();

	gw_buf_printf(text, "version: %s\npid: %d\ngeneration: %lld\n"
	    "workers: %d\nrequests: %llu\nconnections: %llu\n"
	    "reloads: %llu\nreload_failures: %llu\ndraining: %s\n",
	    GWPROXY_VERSION, (int)getpid(), (long long)sn->sn_generation,
	    px.px_nworkers, (unsigned long long)stats_requests_total(),
	    (unsigned long long)stats_connections(),
	    (unsigned long long)atomic_load(&px.px_reloads),
	    (unsigned long long)atomic_load(&px.px_reload_failures),
	    atomic_load(&px.px_draining) ? "yes" : "no");
	gw_buf_printf(json, "\"version\":\"%s\",\"pid\":%d,\"generation\":"
	    "%lld,\"workers\":%d,\"requests\":%llu,\"connections\":%llu,"
	    "\"reloads\":%llu,\"reload_failures\":%llu,\"draining\":%s",
	    GWPROXY_VERSION, (int)getpid(), (long long)sn->sn_generation,
	    px.px_nworkers, (unsigned long long)stats_requests_total(),
	    (unsigned long long)stats_connections(),
	    (unsigned long long)atomic_load(&px.px_reloads),
	    (unsigned long long)atomic_load(&px.px_reload_failures),
	    atomic_load(&px.px_draining) ? "true" : "false");
	snapshot_unref(sn);
}

static const char *const health_words[] = { "unknown", "up", "down" };

static void
cmd_show_backends(struct gw_buf *text, struct gw_buf *json)
{
	struct snapshot			*sn = proxy_snapshot();
	const struct snap_service	*ss;
	const struct snap_backend	*sb;
	size_t				 i, k;
	int64_t				 now_ms = px_wall_ms();
	int				 first = 1, ej;

	gw_buf_puts(json, "\"backends\":[");
	for (i = 0; i < sn->sn_cf.cf_nservices; i++) {
		ss = &sn->sn_services[i];
		for (k = 0; k < ss->ss_nbe; k++) {
			sb = &ss->ss_be[k];
			ej = outlier_ejected(outlier_get(ss->ss_sv->sv_name,
			    sb->sb_be, sb->sb_name), now_ms);
			gw_buf_printf(text, "%s %s weight=%d state=%s "
			    "health=%s usable=%s ejected=%s\n",
			    ss->ss_sv->sv_name, sb->sb_name,
			    sb->sb_be->be_weight,
			    gw_admin_names[sb->sb_be->be_state],
			    health_words[sb->sb_health],
			    sb->sb_usable ? "yes" : "no", ej ? "yes" : "no");
			gw_buf_printf(json, "%s{\"service\":", first ? "" :
			    ",");
			gw_buf_json_str(json, ss->ss_sv->sv_name);
			gw_buf_puts(json, ",\"address\":");
			gw_buf_json_str(json, sb->sb_name);
			gw_buf_printf(json, ",\"weight\":%d,\"state\":\"%s\","
			    "\"health\":\"%s\",\"usable\":%s,"
			    "\"ejected\":%s}", sb->sb_be->be_weight,
			    gw_admin_names[sb->sb_be->be_state],
			    health_words[sb->sb_health],
			    sb->sb_usable ? "true" : "false",
			    ej ? "true" : "false");
			first = 0;
		}
	}
	gw_buf_puts(json, "]");
	snapshot_unref(sn);
}

static void
cmd_show_routes(struct gw_buf *text, struct gw_buf *json)
{
	struct snapshot		*sn = proxy_snapshot();
	const struct gw_route	*rt;
	size_t			 i;

	gw_buf_puts(json, "\"routes\":[");
	for (i = 0; i < sn->sn_cf.cf_nroutes; i++) {
		rt = &sn->sn_cf.cf_routes[i];
		gw_buf_printf(text, "%s priority=%lld host=%s %s=%s "
		    "service=%s\n", rt->rt_name, (long long)rt->rt_priority,
		    rt->rt_host ? rt->rt_host : "*",
		    gw_path_type_names[rt->rt_path_type], rt->rt_path,
		    rt->rt_service);
		gw_buf_printf(json, "%s{\"name\":", i ? "," : "");
		gw_buf_json_str(json, rt->rt_name);
		gw_buf_printf(json, ",\"priority\":%lld,\"host\":",
		    (long long)rt->rt_priority);
		gw_buf_json_str(json, rt->rt_host);
		gw_buf_printf(json, ",\"%s\":",
		    gw_path_type_names[rt->rt_path_type]);
		gw_buf_json_str(json, rt->rt_path);
		gw_buf_puts(json, ",\"service\":");
		gw_buf_json_str(json, rt->rt_service);
		gw_buf_puts(json, "}");
	}
	gw_buf_puts(json, "]");
	snapshot_unref(sn);
}

/* How long a control command waits for its snapshot to be served. */
#define CTL_RELOAD_WAIT_MS	5000

/*
 * reload: waits until the new snapshot serves (or was rejected), so a
 * script can send traffic right after the reply.
 */
static int
ctl_reload(struct gw_buf *out, int json_form, struct gw_buf *text,
    struct gw_buf *json)
{
	struct snapshot *sn;

	if (proxy_reload_wait(CTL_RELOAD_WAIT_MS) == -1) {
		gw_ctl_reply_error(out, json_form, "reload rejected or not "
		    "finished in time; the log says why");
		return -1;
	}
	sn = proxy_snapshot();
	gw_buf_printf(text, "generation %lld\n",
	    (long long)sn->sn_generation);
	gw_buf_printf(json, "\"generation\":%lld",
	    (long long)sn->sn_generation);
	snapshot_unref(sn);
	return 0;
}

/*
 * backend drain|enable|disable SERVICE ADDR, backend weight SERVICE ADDR
 * N: a runtime override (override.h), served from the next snapshot,
 * which this waits for.
 */
static int
ctl_backend(const struct gw_ctl_req *rq, struct gw_buf *out,
    struct gw_buf *text, struct gw_buf *json)
{
	struct snapshot	*sn;
	const char	*verb = rq->rq_argc > 1 ? rq->rq_argv[1] : "";
	const char	*errstr;
	char		 errbuf[512];
	int		 state = -1, weight = -1, want, rc;

	want = strcmp(verb, "weight") == 0 ? 5 : 4;
	if (strcmp(verb, "drain") == 0)
		state = GW_ADMIN_DRAIN;
	else if (strcmp(verb, "enable") == 0)
		state = GW_ADMIN_ENABLED;
	else if (strcmp(verb, "disable") == 0)
		state = GW_ADMIN_DISABLED;
	else if (strcmp(verb, "weight") != 0)
		want = 0;
	if (want == 0 || rq->rq_argc != want) {
		gw_ctl_reply_error(out, rq->rq_json, "usage: backend "
		    "drain|enable|disable SERVICE ADDR, backend weight "
		    "SERVICE ADDR N");
		return -1;
	}
	if (want == 5 && gw_weight_parse(rq->rq_argv[4], &weight,
	    &errstr) == -1) {
		snprintf(errbuf, sizeof(errbuf), "invalid weight \"%s\": %s",
		    rq->rq_argv[4], errstr);
		gw_ctl_reply_error(out, rq->rq_json, errbuf);
		return -1;
	}
	sn = proxy_snapshot();
	rc = override_set(&sn->sn_cf, rq->rq_argv[2], rq->rq_argv[3], state,
	    weight, errbuf, sizeof(errbuf));
	snapshot_unref(sn);
	if (rc == -1) {
		gw_ctl_reply_error(out, rq->rq_json, errbuf);
		return -1;
	}
	if (proxy_reload_wait(CTL_RELOAD_WAIT_MS) == -1) {
		gw_ctl_reply_error(out, rq->rq_json, "override recorded, but "
		    "the reload was rejected or is late; the log says why");
		return -1;
	}
	gw_buf_printf(text, "backend %s %s: %s\n", rq->rq_argv[2],
	    rq->rq_argv[3], want == 5 ? "weight set" : verb);
	gw_buf_puts(json, "\"backend\":");
	gw_buf_json_str(json, rq->rq_argv[3]);
	gw_buf_puts(json, ",\"service\":");
	gw_buf_json_str(json, rq->rq_argv[2]);
	if (want == 5)
		gw_buf_printf(json, ",\"weight\":%d", weight);
	else
		gw_buf_printf(json, ",\"state\":\"%s\"",
		    gw_admin_names[state]);
	return 0;
}

/* Runs one request line; appends the framed reply to out. */
static void
ctl_dispatch(const char *line, struct gw_buf *out)
{
	struct gw_ctl_req	 rq;
	struct gw_buf		 text = { NULL, 0, 0 }, json = { NULL, 0, 0 };
	const char		*errstr, *a0, *a1;

	if (gw_ctl_split(line, &rq, &errstr) == -1) {
		gw_ctl_reply_error(out, 0, errstr);
		return;
	}
	a0 = rq.rq_argv[0];
	a1 = rq.rq_argc > 1 ? rq.rq_argv[1] : "";
	if (strcmp(a0, "show") == 0 && strcmp(a1, "info") == 0)
		cmd_show_info(&text, &json);
	else if (strcmp(a0, "show") == 0 && strcmp(a1, "backends") == 0)
		cmd_show_backends(&text, &json);
	else if (strcmp(a0, "show") == 0 && strcmp(a1, "routes") == 0)
		cmd_show_routes(&text, &json);
	else if (strcmp(a0, "show") == 0 && strcmp(a1, "stats") == 0)
		stats_show(&text, &json);
	else if (strcmp(a0, "show") == 0 && strcmp(a1, "overrides") == 0)
		override_show(&text, &json);
	else if (strcmp(a0, "reload") == 0 && rq.rq_argc == 1) {
		if (ctl_reload(out, rq.rq_json, &text, &json) == -1)
			return;
	} else if (strcmp(a0, "backend") == 0) {
		if (ctl_backend(&rq, out, &text, &json) == -1)
			return;
	} else {
		gw_ctl_reply_error(out, rq.rq_json, "unknown command; try "
		    "show info|stats|backends|routes|overrides, reload, "
		    "backend drain|enable|disable|weight");
		return;
	}
	gw_ctl_reply_ok(out, rq.rq_json, gw_buf_str(&text),
	    gw_buf_str(&json));
	gw_buf_free(&text);
	gw_buf_free(&json);
}

static void
ctl_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct gw_buf	 out = { NULL, 0, 0 };
	char		*line;
	size_t		 n;

	(void)arg;
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
		ctl_dispatch(line, &out);
		free(line);
		bufferevent_write(bev, gw_buf_str(&out), out.b_len);
		gw_buf_free(&out);
	}
	if (evbuffer_get_length(in) > GW_CTL_LINE_MAX) {
		gw_ctl_reply_error(&out, 0, "line too long");
		bufferevent_write(bev, gw_buf_str(&out), out.b_len);
		gw_buf_free(&out);
		bufferevent_free(bev);
	}
}

static void
ctl_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	(void)arg;
	bufferevent_free(bev);
}

static void
ctl_accept(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent	*bev;
	int			 c;

	(void)what;
	(void)arg;
	if ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return;
	if (gw_ctl_peer_allowed(c, NULL) != 1) {
		close(c);
		return;
	}
	bev = bufferevent_socket_new(admin_base, c, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(c);
		return;
	}
	bufferevent_setcb(bev, ctl_read, NULL, ctl_event, NULL);
	bufferevent_enable(bev, EV_READ);
}

static void *
admin_main(void *arg)
{
	(void)arg;
	event_base_dispatch(admin_base);
	return NULL;
}

int
admin_start(const char *admin, char *errbuf, size_t errlen)
{
	struct evhttp_bound_socket	*bound;
	struct sockaddr_storage		 ss;
	struct gw_addr			 a;
	socklen_t			 slen;
	const char			*errstr;
	char				 name[GW_ADDR_STR_MAX];

	if ((admin_base = event_base_new()) == NULL) {
		snprintf(errbuf, errlen, "admin: cannot create an event base");
		return -1;
	}
	if (admin != NULL) {
		if (gw_addr_parse(admin, GW_ADDR_LISTEN, &a, &errstr) == -1) {
			snprintf(errbuf, errlen, "invalid --admin \"%s\": %s",
			    admin, errstr);
			return -1;
		}
		admin_http = evhttp_new(admin_base);
		if (admin_http == NULL || (bound = evhttp_bind_socket_with_handle(
		    admin_http, a.ad_family == GW_ADDR_ANY ? "0.0.0.0" :
		    a.ad_host, (uint16_t)a.ad_port)) == NULL) {
			snprintf(errbuf, errlen, "--admin %s: cannot listen: "
			    "%s", admin, strerror(errno));
			return -1;
		}
		slen = sizeof(ss);
		if (getsockname(evhttp_bound_socket_get_fd(bound),
		    (struct sockaddr *)&ss, &slen) == 0)
			a.ad_port = ntohs(ss.ss_family == AF_INET6 ?
			    ((struct sockaddr_in6 *)&ss)->sin6_port :
			    ((struct sockaddr_in *)&ss)->sin_port);
		evhttp_set_cb(admin_http, "/metrics", http_metrics, NULL);
		evhttp_set_cb(admin_http, "/ready", http_ready, NULL);
		evhttp_set_cb(admin_http, "/healthz", http_healthz, NULL);
		gw_log(GW_LOG_INFO, "admin listening on %s", gw_addr_fmt(
		    a.ad_family == GW_ADDR_ANY ? "0.0.0.0" : a.ad_host,
		    a.ad_port, name, sizeof(name)));
	}
	if (px.px_control_path != NULL) {
		ctl_fd = gw_ctl_listen(px.px_control_path, errbuf, errlen);
		if (ctl_fd == -1)
			return -1;
		ctl_ev = event_new(admin_base, ctl_fd, EV_READ | EV_PERSIST,
		    ctl_accept, NULL);
		event_add(ctl_ev, NULL);
		gw_log(GW_LOG_INFO, "control socket %s", px.px_control_path);
	}
	return 0;
}

int
admin_run(char *errbuf, size_t errlen)
{
	if (pthread_create(&admin_thread, NULL, admin_main, NULL) != 0) {
		snprintf(errbuf, errlen, "cannot start the admin thread");
		return -1;
	}
	admin_running = 1;
	return 0;
}

void
admin_stop(void)
{
	if (!admin_running)
		return;
	event_base_loopbreak(admin_base);
	pthread_join(admin_thread, NULL);
	if (ctl_ev != NULL) {
		event_free(ctl_ev);
		close(ctl_fd);
		unlink(px.px_control_path);
	}
	if (admin_http != NULL)
		evhttp_free(admin_http);
	event_base_free(admin_base);
	admin_running = 0;
}
