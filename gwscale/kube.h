/*
 * kube: gwscale's Kubernetes API client, for the scale subresource only.
 *
 * It reads (GET) and writes (PATCH, application/merge-patch+json) the
 * autoscaling/v1 Scale of a Deployment, StatefulSet or ReplicaSet at
 * /apis/apps/v1/namespaces/NS/RESOURCE/NAME/scale, over HTTPS with
 * libcurl.  kube_open() finds the cluster as kubectl and client-go's
 * rest.InClusterConfig do (flags, a kubeconfig, the pod's service
 * account) and keeps one CURL handle, so requests reuse the connection.
 *
 * Every token file (the service account's, a kubeconfig's tokenFile,
 * --token-file) is read again before each request: projected
 * service-account tokens rotate (by default hourly) and the kubelet
 * rewrites the file in place.  429, 5xx and connection failures are
 * retried with capped exponential backoff and jitter, honouring
 * Retry-After; other errors are not.  A failure leaves one line in the
 * caller's error buffer, naming the request and the server's Status
 * message; the caller logs it (this module writes no log) and maps the
 * enum kube_result to an exit code.
 *
 * What it does not do: watch, list, other resources, credential plugins
 * (exec, auth-provider), HTTP/2-specific tuning, or merging several
 * kubeconfigs (the first of a $KUBECONFIG list is used).  A struct kube
 * is not thread safe: use one per thread.
 */
#ifndef GWSCALE_KUBE_H
#define GWSCALE_KUBE_H

#include <stddef.h>
#include <stdint.h>

/* client-go's per-request default is none; gwscale runs on a schedule,
 * so a stuck request must end before the next sync: milliseconds. */
#define KUBE_DEFAULT_TIMEOUT_MS		10000
#define KUBE_DEFAULT_RETRIES		4
#define KUBE_DEFAULT_BACKOFF_MS		250
/* Backoff doubles up to this, milliseconds. */
#define KUBE_BACKOFF_MAX_MS		8000
/* The API server's Retry-After is usually 1 s; a larger one is honoured
 * up to this, seconds, so that one request never stalls a sync long. */
#define KUBE_RETRY_AFTER_MAX_S		30
#define KUBE_SERVICEACCOUNT_DIR	\
	"/var/run/secrets/kubernetes.io/serviceaccount"

enum kube_kind {
	KUBE_DEPLOYMENT,
	KUBE_STATEFULSET,
	KUBE_REPLICASET
};

/* Outcome classes; gwscale maps them to exit codes.  kube_result_name()
 * gives each a short operator-facing word. */
enum kube_result {
	KUBE_OK = 0,
	/* No usable config; an unreadable token, CA, key or kubeconfig. */
	KUBE_ECONFIG,
	KUBE_EUNAUTHORIZED,	/* 401 */
	KUBE_EFORBIDDEN,	/* 403 */
	KUBE_ENOTFOUND,		/* 404 */
	KUBE_ECONFLICT,		/* 409: the resourceVersion moved on */
	/* 422 and other 4xx; an invalid namespace or name given to us. */
	KUBE_EINVALID,
	/* 429 and 5xx after the retries, connection or TLS failure,
	 * timeout. */
	KUBE_EUNAVAILABLE,
	/* A 2xx that is not a Scale, a 1xx or 3xx, an oversized body. */
	KUBE_EPROTOCOL
};
#define KUBE_NRESULTS	(KUBE_EPROTOCOL + 1)

/* From gwscale's flags; NULL or 0 means unset unless said otherwise. */
struct kube_opts {
	/* --kubeconfig; else $KUBECONFIG (its first non-empty path); else
	 * $HOME/.kube/config. */
	const char	*ko_kubeconfig;
	/* --context: a kubeconfig's context instead of its
	 * current-context.  Set, it also means "use a kubeconfig": the
	 * in-cluster config is then skipped. */
	const char	*ko_context;
	const char	*ko_server;	/* --server URL */
	/*
	 * --token-file, --ca-file, --insecure-skip-tls-verify.  With
	 * --server they are the whole config; otherwise they override the
	 * kubeconfig's or in-cluster values, as kubectl's --token,
	 * --certificate-authority and --insecure-skip-tls-verify do
	 * (insecure drops the CA; a CA file drops insecure).
	 */
	const char	*ko_token_file;
	const char	*ko_ca_file;
	int		 ko_insecure;
	long		 ko_timeout_ms;	/* per request; 0: 10000 */
	/* Retries of 429, 5xx and connection failures; < 0: 4.  Note 0 is
	 * "no retries", not "unset". */
	int		 ko_retries;
	/* First backoff, ms; 0: 250; doubles with jitter, capped at 8 s.
	 * A Retry-After in seconds replaces it, up to 30 s. */
	long		 ko_backoff_ms;
};

/* The Scale subresource (autoscaling/v1). */
struct kube_scale {
	int32_t		 ks_replicas;		/* spec.replicas */
	/* status.replicas, 0 if absent. */
	int32_t		 ks_status_replicas;
	/* metadata.resourceVersion, "" if absent. */
	char		 ks_resource_version[64];
	char		 ks_selector[512];	/* status.selector */
};

struct kube;

/*
 * Config selection, first match wins:
 *  1. ko_server: the flags alone, nothing from a kubeconfig; namespace
 *     "default".
 *  2. A kubeconfig given by ko_kubeconfig or $KUBECONFIG.
 *  3. In-cluster, when KUBERNETES_SERVICE_HOST and _PORT are set and
 *     ko_context is not: https://HOST:PORT (an IPv6 host in brackets),
 *     token, ca.crt and namespace from the service-account directory
 *     ($GWSCALE_SERVICEACCOUNT_DIR, for tests, else
 *     KUBE_SERVICEACCOUNT_DIR).
 *  4. $HOME/.kube/config, if it exists.
 *  5. Else KUBE_ECONFIG, "no Kubernetes configuration: ...".
 * Every file named (token, CA, client certificate and key) is read once
 * here, so a missing one is KUBE_ECONFIG now rather than at the first
 * request.  Returns NULL with *result and one line in err on failure.
 */
struct kube	*kube_open(const struct kube_opts *, int *result, char *err,
		    size_t errlen);
void		 kube_close(struct kube *);
/* The API server's base URL, without a trailing slash. */
const char	*kube_server(const struct kube *);
/* "flags", "in-cluster" or "kubeconfig PATH (context NAME)". */
const char	*kube_source(const struct kube *);
/* The config's default namespace; "default" if it names none. */
const char	*kube_namespace(const struct kube *);

/*
 * GET the Scale of ns/name.  Returns an enum kube_result; on failure err
 * holds one line: "GET URL: 403 Forbidden: MESSAGE", "GET URL: TLS: ...",
 * "GET URL: Failed to connect ... (after 5 attempts)".  ns NULL:
 * kube_namespace().  An invalid ns or name is KUBE_EINVALID, unsent.
 */
int	kube_get_scale(struct kube *, enum kube_kind, const char *ns,
	    const char *name, struct kube_scale *, char *err, size_t errlen);
/*
 * PATCH application/merge-patch+json {"spec":{"replicas":N}}, plus
 * {"metadata":{"resourceVersion":RV}} when rv is not NULL (optimistic
 * concurrency: the server answers 409 if the object changed since RV was
 * read).  *out gets the returned Scale.  Without rv the patch is
 * idempotent, so retrying it after a timeout or 5xx is safe; with rv, a
 * retry after a first attempt that did apply answers 409, and the caller
 * reads the Scale again as after any conflict.  ns NULL: kube_namespace().
 */
int	kube_patch_scale(struct kube *, enum kube_kind, const char *ns,
	    const char *name, int32_t replicas, const char *rv,
	    struct kube_scale *out, char *err, size_t errlen);

/* "deployments", "statefulsets", "replicasets". */
const char	*kube_kind_resource(enum kube_kind);
/* "ok", "config", "unauthorized", "forbidden", "not found", "conflict",
 * "invalid", "unavailable", "protocol". */
const char	*kube_result_name(int);

/* Pieces, exposed for the tests; they do no I/O. */
/* The result class of an HTTP status code (2xx: KUBE_OK). */
int	kube_http_result(long);
/* 1 if the status is retried (429, 5xx). */
int	kube_http_retryable(long);
/* Parses a Scale body; 0, or -1 with err ("not a Scale: ..."). */
int	kube_scale_parse(const char *body, size_t len, struct kube_scale *,
	    char *err, size_t errlen);
/*
 * Formats "CODE PHRASE[: MESSAGE]" for an error response: MESSAGE is the
 * Status object's message (else its reason), else the first line of a
 * plain-text body; PHRASE is the standard reason phrase, else status
 * line's text (statusline may be NULL).  Control characters become
 * spaces: the result is one line.
 */
void	kube_status_format(long code, const char *statusline,
	    const char *body, size_t len, char *buf, size_t buflen);
/* 0 if s is a DNS-1123 label (subdomain: 0, a DNS-1123 subdomain),
 * else -1 with *why. */
int	kube_name_check(const char *s, int subdomain, const char **why);
/*
 * The delay before retry number attempt (0-based): retry_after_s when it
 * is >= 0 (capped at KUBE_RETRY_AFTER_MAX_S), else base_ms << attempt
 * capped at KUBE_BACKOFF_MAX_MS, with jitter taking it down to half at
 * most; rnd is a uniform random number in [0, 1).
 */
long	kube_backoff_ms(long base_ms, int attempt, long retry_after_s,
	    double rnd);

#endif /* GWSCALE_KUBE_H */
