/*
 * kube: the scale subresource over libcurl.  Config selection and file
 * checks at open, then one request loop (kube_request) that rebuilds the
 * headers (and so re-reads the token) for every attempt, classifies the
 * outcome and sleeps between retries.  The contracts are in kube.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "str.h"
#include "kube.h"
#include "kubeconfig.h"

/* Largest file we read (kubeconfig, token, CA, certificate, key): a
 * kubeconfig with embedded certificates for many clusters fits. */
#define KUBE_FILE_MAX		(4 * 1024 * 1024)
/* Largest response body kept: a Scale or a Status is under 1 KiB. */
#define KUBE_BODY_MAX		(1024 * 1024)
/* Most bytes of a non-Status error body quoted in a message. */
#define KUBE_SNIPPET_MAX	200
/* RFC 1123 label and subdomain lengths (validation.IsDNS1123*). */
#define KUBE_DNS_LABEL_MAX	63
#define KUBE_DNS_SUBDOMAIN_MAX	253
#define KUBE_USER_AGENT		"gwscale/0.1"
#define KUBE_API_PREFIX		"/apis/apps/v1/namespaces/"

/* One response; reset before each attempt. */
struct kube_resp {
	long		 kr_code;	/* HTTP status, 0 before one */
	struct gw_buf	 kr_body;	/* owned */
	int		 kr_toobig;	/* body exceeded KUBE_BODY_MAX */
	long		 kr_retry_after; /* seconds, -1 when absent */
	char		 kr_phrase[64];	/* the status line's text */
};

/* Owns every pointer in it. */
struct kube {
	CURL		*k_curl;	/* kept: connection reuse */
	int		 k_global;	/* curl_global_init succeeded */
	char		*k_server;	/* base URL, no trailing '/' */
	char		*k_source;
	char		*k_namespace;
	char		*k_token;	/* static bearer token */
	char		*k_token_file;	/* re-read per request */
	char		*k_ca_file;
	unsigned char	*k_ca_data;
	size_t		 k_ca_len;
	int		 k_insecure;
	char		*k_cert_file;
	char		*k_key_file;
	unsigned char	*k_cert_data;
	unsigned char	*k_key_data;
	size_t		 k_cert_len;
	size_t		 k_key_len;
	char		*k_proxy;
	long		 k_timeout_ms;
	int		 k_retries;
	long		 k_backoff_ms;
	uint64_t	 k_rng;		/* jitter's xorshift state */
	struct kube_resp k_resp;
	char		 k_curlerr[CURL_ERROR_SIZE];
};

static const char *const kube_result_names[KUBE_NRESULTS] = {
	[KUBE_OK] = "ok",
	[KUBE_ECONFIG] = "config",
	[KUBE_EUNAUTHORIZED] = "unauthorized",
	[KUBE_EFORBIDDEN] = "forbidden",
	[KUBE_ENOTFOUND] = "not found",
	[KUBE_ECONFLICT] = "conflict",
	[KUBE_EINVALID] = "invalid",
	[KUBE_EUNAVAILABLE] = "unavailable",
	[KUBE_EPROTOCOL] = "protocol"
};

static int	kube_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Formats err and returns -1, for the config helpers. */
static int
kube_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
kube_kind_resource(enum kube_kind kind)
{
	switch (kind) {
	case KUBE_DEPLOYMENT:
		return "deployments";
	case KUBE_STATEFULSET:
		return "statefulsets";
	case KUBE_REPLICASET:
		return "replicasets";
	}
	return "unknown";
}

const char *
kube_result_name(int r)
{
	if (r < 0 || r >= KUBE_NRESULTS)
		return "unknown";
	return kube_result_names[r];
}

/*
 * Reads path into a NUL-terminated malloc'd buffer.  Returns 0, or -1
 * with errno set (EFBIG past KUBE_FILE_MAX).
 */
static int
kube_read_file(const char *path, char **bufp, size_t *lenp)
{
	struct gw_buf	 b;
	char		 chunk[8192];
	ssize_t		 n;
	int		 fd, saved;

	memset(&b, 0, sizeof(b));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || b.b_len + (size_t)n > KUBE_FILE_MAX) {
			saved = n == -1 ? errno : EFBIG;
			gw_buf_free(&b);
			(void)close(fd);
			errno = saved;
			return -1;
		}
		gw_buf_append(&b, chunk, (size_t)n);
	}
	(void)close(fd);
	*lenp = b.b_len;
	*bufp = gw_buf_take(&b);
	return 0;
}

/* Checks that path can be read, naming what it is in err. */
static int
kube_check_file(const char *what, const char *path, char *err,
    size_t errlen)
{
	char	*buf;
	size_t	 len;

	if (kube_read_file(path, &buf, &len) == -1)
		return kube_err(err, errlen, "%s %s: %s", what, path,
		    strerror(errno));
	free(buf);
	return 0;
}

/*
 * A bearer token, trailing whitespace (the file's newline) removed.  It
 * goes into a header, so only visible ASCII is accepted: a stray CR or LF
 * would end the header early.
 */
static int
kube_token_check(const char *what, char *tok, char *err, size_t errlen)
{
	size_t	 n = strlen(tok), i;

	while (n > 0 && (tok[n - 1] == '\n' || tok[n - 1] == '\r' ||
	    tok[n - 1] == ' ' || tok[n - 1] == '\t'))
		tok[--n] = '\0';
	if (n == 0)
		return kube_err(err, errlen, "%s: empty token", what);
	for (i = 0; i < n; i++)
		if ((unsigned char)tok[i] <= ' ' ||
		    (unsigned char)tok[i] >= 0x7f)
			return kube_err(err, errlen, "%s: the token contains "
			    "a byte that is not visible ASCII (0x%02x)", what,
			    (unsigned char)tok[i]);
	return 0;
}

/* The token to send now (malloc'd), or NULL for anonymous requests. */
static int
kube_token(struct kube *k, char **tokp, char *err, size_t errlen)
{
	char		*tok, what[PATH_MAX + 16];
	size_t		 len;

	*tokp = NULL;
	if (k->k_token_file == NULL && k->k_token == NULL)
		return 0;
	if (k->k_token_file == NULL) {
		tok = gw_strdup(k->k_token);
		(void)snprintf(what, sizeof(what), "token");
	} else {
		if (kube_read_file(k->k_token_file, &tok, &len) == -1)
			return kube_err(err, errlen, "token file %s: %s",
			    k->k_token_file, strerror(errno));
		if (strlen(tok) != len) {
			free(tok);
			return kube_err(err, errlen, "token file %s: "
			    "contains a NUL byte", k->k_token_file);
		}
		(void)snprintf(what, sizeof(what), "token file %s",
		    k->k_token_file);
	}
	if (kube_token_check(what, tok, err, errlen) == -1) {
		free(tok);
		return -1;
	}
	*tokp = tok;
	return 0;
}

/*
 * Sets the server URL: a bare host[:port] gets https:// as client-go's
 * DefaultServerURL gives it; other schemes are refused.
 */
static int
kube_set_server(struct kube *k, const char *url, char *err, size_t errlen)
{
	const char	*p;
	size_t		 n;

	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return kube_err(err, errlen, "server \"%s\": not a "
			    "URL", url);
	if (*url == '\0')
		return kube_err(err, errlen, "server \"\": not a URL");
	free(k->k_server);
	if (strstr(url, "://") == NULL)
		k->k_server = gw_asprintf("https://%s", url);
	else if (strncasecmp(url, "https://", 8) == 0 ||
	    strncasecmp(url, "http://", 7) == 0)
		k->k_server = gw_strdup(url);
	else {
		k->k_server = NULL;
		return kube_err(err, errlen, "server \"%s\": not an http or "
		    "https URL", url);
	}
	n = strlen(k->k_server);
	while (n > 0 && k->k_server[n - 1] == '/')
		k->k_server[--n] = '\0';
	return 0;
}

static int
kube_from_flags(struct kube *k, const struct kube_opts *o, char *err,
    size_t errlen)
{
	if (kube_set_server(k, o->ko_server, err, errlen) == -1)
		return -1;
	k->k_source = gw_strdup("flags");
	k->k_namespace = gw_strdup("default");
	/* kube_override() adds the token, CA and insecure flags. */
	return 0;
}

/* Moves what a parsed kubeconfig holds into k. */
static void
kube_take_kubeconfig(struct kube *k, struct kubeconfig *kc)
{
	k->k_namespace = kc->kc_namespace;
	k->k_token = kc->kc_token;
	k->k_token_file = kc->kc_token_file;
	k->k_ca_file = kc->kc_ca_file;
	k->k_ca_data = kc->kc_ca_data;
	k->k_ca_len = kc->kc_ca_len;
	k->k_insecure = kc->kc_insecure;
	k->k_cert_file = kc->kc_cert_file;
	k->k_key_file = kc->kc_key_file;
	k->k_cert_data = kc->kc_cert_data;
	k->k_key_data = kc->kc_key_data;
	k->k_cert_len = kc->kc_cert_len;
	k->k_key_len = kc->kc_key_len;
	k->k_proxy = kc->kc_proxy_url;
	kc->kc_namespace = kc->kc_token = kc->kc_token_file = NULL;
	kc->kc_ca_file = kc->kc_cert_file = kc->kc_key_file = NULL;
	kc->kc_proxy_url = NULL;
	kc->kc_ca_data = kc->kc_cert_data = kc->kc_key_data = NULL;
}

/* The directory of path, for the kubeconfig's relative paths. */
static char *
kube_dirname(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return gw_strdup(".");
	if (slash == path)
		return gw_strdup("/");
	return gw_strndup(path, (size_t)(slash - path));
}

/*
 * Loads the kubeconfig at path.  Returns 0, -1 with err, or 1 when
 * optional is set and the file does not exist.
 */
static int
kube_from_kubeconfig(struct kube *k, const char *path, const char *context,
    int optional, char *err, size_t errlen)
{
	struct kubeconfig	 kc;
	char			*text, *dir, perr[512];
	size_t			 len;
	int			 rv;

	if (kube_read_file(path, &text, &len) == -1) {
		if (optional && errno == ENOENT)
			return 1;
		return kube_err(err, errlen, "kubeconfig %s: %s", path,
		    strerror(errno));
	}
	dir = kube_dirname(path);
	rv = kubeconfig_parse(text, len, dir, context, &kc, perr,
	    sizeof(perr));
	free(text);
	free(dir);
	if (rv == -1)
		return kube_err(err, errlen, "kubeconfig %s: %s", path, perr);
	if (kube_set_server(k, kc.kc_server, perr, sizeof(perr)) == -1) {
		kubeconfig_free(&kc);
		return kube_err(err, errlen, "kubeconfig %s: %s", path, perr);
	}
	k->k_source = gw_asprintf("kubeconfig %s (context %s)", path,
	    kc.kc_context);
	kube_take_kubeconfig(k, &kc);
	kubeconfig_free(&kc);
	if (k->k_namespace == NULL)
		k->k_namespace = gw_strdup("default");
	return 0;
}

/* The service account's namespace file, or "default" without one, as
 * client-go's inClusterClientConfig.Namespace does. */
static char *
kube_sa_namespace(const char *dir)
{
	char	*path, *ns;
	size_t	 len;

	path = gw_asprintf("%s/namespace", dir);
	if (kube_read_file(path, &ns, &len) == -1) {
		free(path);
		return gw_strdup("default");
	}
	free(path);
	while (len > 0 && (ns[len - 1] == '\n' || ns[len - 1] == ' '))
		ns[--len] = '\0';
	if (len == 0) {
		free(ns);
		return gw_strdup("default");
	}
	return ns;
}

/* rest.InClusterConfig: the service's host and port, the pod's service
 * account token and CA. */
static int
kube_from_incluster(struct kube *k, const char *host, const char *port,
    char *err, size_t errlen)
{
	const char	*dir, *errstr;
	char		*url;
	int		 rv;

	(void)gw_strtonum(port, 1, 65535, &errstr);
	if (errstr != NULL)
		return kube_err(err, errlen, "in-cluster: "
		    "KUBERNETES_SERVICE_PORT \"%s\": %s", port, errstr);
	if ((dir = getenv("GWSCALE_SERVICEACCOUNT_DIR")) == NULL ||
	    *dir == '\0')
		dir = KUBE_SERVICEACCOUNT_DIR;
	/* net.JoinHostPort: an IPv6 literal goes in brackets. */
	if (strchr(host, ':') != NULL && host[0] != '[')
		url = gw_asprintf("https://[%s]:%s", host, port);
	else
		url = gw_asprintf("https://%s:%s", host, port);
	rv = kube_set_server(k, url, err, errlen);
	free(url);
	if (rv == -1)
		return -1;
	k->k_source = gw_strdup("in-cluster");
	k->k_token_file = gw_asprintf("%s/token", dir);
	k->k_ca_file = gw_asprintf("%s/ca.crt", dir);
	k->k_namespace = kube_sa_namespace(dir);
	return 0;
}

/* $KUBECONFIG's first non-empty path (malloc'd), or NULL. */
static char *
kube_env_kubeconfig(void)
{
	const char	*env = getenv("KUBECONFIG"), *p, *colon;

	if (env == NULL)
		return NULL;
	for (p = env; *p != '\0'; p = colon + 1) {
		if ((colon = strchr(p, ':')) == NULL)
			return gw_strdup(p);
		if (colon > p)
			return gw_strndup(p, (size_t)(colon - p));
	}
	return NULL;
}

/* $HOME/.kube/config, the last resort, then the "nothing" error. */
static int
kube_from_home(struct kube *k, const struct kube_opts *o, char *err,
    size_t errlen)
{
	const char	*home = getenv("HOME");
	char		*path;
	int		 rv;

	if (home == NULL || *home == '\0')
		return kube_err(err, errlen, "no Kubernetes configuration: "
		    "no --server, --kubeconfig or $KUBECONFIG, not in a "
		    "cluster (KUBERNETES_SERVICE_HOST unset) and $HOME "
		    "unset");
	path = gw_asprintf("%s/.kube/config", home);
	rv = kube_from_kubeconfig(k, path, o->ko_context, 1, err, errlen);
	if (rv == 1)
		(void)kube_err(err, errlen, "no Kubernetes configuration: "
		    "no --server, --kubeconfig or $KUBECONFIG, %s and no %s",
		    o->ko_context != NULL ? "--context given" :
		    "not in a cluster (KUBERNETES_SERVICE_HOST unset)", path);
	free(path);
	return rv == 0 ? 0 : -1;
}

/* Config selection, in the order kube.h gives. */
static int
kube_select(struct kube *k, const struct kube_opts *o, char *err,
    size_t errlen)
{
	const char	*host, *port;
	char		*path;
	int		 rv;

	if (o->ko_server != NULL)
		return kube_from_flags(k, o, err, errlen);
	path = o->ko_kubeconfig != NULL ? gw_strdup(o->ko_kubeconfig) :
	    kube_env_kubeconfig();
	if (path != NULL) {
		rv = kube_from_kubeconfig(k, path, o->ko_context, 0, err,
		    errlen);
		free(path);
		return rv;
	}
	host = getenv("KUBERNETES_SERVICE_HOST");
	port = getenv("KUBERNETES_SERVICE_PORT");
	if (o->ko_context == NULL && host != NULL && *host != '\0' &&
	    port != NULL && *port != '\0')
		return kube_from_incluster(k, host, port, err, errlen);
	return kube_from_home(k, o, err, errlen);
}

/* --token-file, --ca-file, --insecure-skip-tls-verify over the config. */
static void
kube_override(struct kube *k, const struct kube_opts *o)
{
	if (o->ko_token_file != NULL) {
		free(k->k_token);
		free(k->k_token_file);
		k->k_token = NULL;
		k->k_token_file = gw_strdup(o->ko_token_file);
	}
	if (o->ko_ca_file != NULL || o->ko_insecure) {
		free(k->k_ca_file);
		free(k->k_ca_data);
		k->k_ca_file = gw_strdup_null(o->ko_ca_file);
		k->k_ca_data = NULL;
		k->k_ca_len = 0;
		k->k_insecure = o->ko_insecure;
	}
}

/* Every file the config names must be readable now. */
static int
kube_check_files(struct kube *k, char *err, size_t errlen)
{
	char	*tok;

	if (k->k_ca_file != NULL && kube_check_file("certificate authority",
	    k->k_ca_file, err, errlen) == -1)
		return -1;
	if (k->k_cert_file != NULL && kube_check_file("client certificate",
	    k->k_cert_file, err, errlen) == -1)
		return -1;
	if (k->k_key_file != NULL && kube_check_file("client key",
	    k->k_key_file, err, errlen) == -1)
		return -1;
	if (kube_token(k, &tok, err, errlen) == -1)
		return -1;
	free(tok);
	return 0;
}

/* A blob option; the blob is copied, so k may free its data later. */
static CURLcode
kube_blob(CURL *c, CURLoption opt, unsigned char *data, size_t len)
{
	struct curl_blob	 blob;

	blob.data = data;
	blob.len = len;
	blob.flags = CURL_BLOB_COPY;
	return curl_easy_setopt(c, opt, &blob);
}

/* The TLS options.  Any failure means this libcurl lacks the feature. */
static int
kube_curl_tls(struct kube *k, char *err, size_t errlen)
{
	CURL		*c = k->k_curl;
	CURLcode	 rc = CURLE_OK;

	if (k->k_insecure) {
		rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		rc |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (k->k_ca_file != NULL)
		rc |= curl_easy_setopt(c, CURLOPT_CAINFO, k->k_ca_file);
	if (k->k_ca_data != NULL)
		rc |= kube_blob(c, CURLOPT_CAINFO_BLOB, k->k_ca_data,
		    k->k_ca_len);
	rc |= curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
	rc |= curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	if (k->k_cert_file != NULL)
		rc |= curl_easy_setopt(c, CURLOPT_SSLCERT, k->k_cert_file);
	if (k->k_cert_data != NULL)
		rc |= kube_blob(c, CURLOPT_SSLCERT_BLOB, k->k_cert_data,
		    k->k_cert_len);
	if (k->k_key_file != NULL)
		rc |= curl_easy_setopt(c, CURLOPT_SSLKEY, k->k_key_file);
	if (k->k_key_data != NULL)
		rc |= kube_blob(c, CURLOPT_SSLKEY_BLOB, k->k_key_data,
		    k->k_key_len);
	if (rc != CURLE_OK)
		return kube_err(err, errlen, "libcurl: cannot set the TLS "
		    "options (CA, client certificate or key): this libcurl "
		    "lacks a feature they need");
	return 0;
}

static size_t
kube_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct kube_resp	*r = arg;
	size_t			 n = size * nmemb;

	if (r->kr_body.b_len + n > KUBE_BODY_MAX) {
		r->kr_toobig = 1;
		return 0;	/* makes curl fail with CURLE_WRITE_ERROR */
	}
	gw_buf_append(&r->kr_body, data, n);
	return n;
}

/* A Retry-After value in seconds (RFC 9110 10.2.3 delay-seconds, the
 * form the API server sends), or -1; the HTTP-date form counts as none. */
static long
kube_retry_after(const char *p, const char *end)
{
	long	 v = 0;
	int	 digits = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++)
		if (v < 1000000)
			v = v * 10 + (*p - '0');
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	return digits > 0 && p == end ? v : -1;
}

/* Keeps the status line's reason text and Retry-After. */
static size_t
kube_header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct kube_resp	*r = arg;
	size_t			 n = size * nmemb, i;
	const char		*p, *end = data + n;

	if (n > 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new response (after a 100 Continue, say). */
		r->kr_retry_after = -1;
		r->kr_phrase[0] = '\0';
		p = memchr(data, ' ', n);
		if (p != NULL)
			p = memchr(p + 1, ' ', (size_t)(end - p - 1));
		if (p == NULL)
			return n;
		for (i = 0, p++; p < end && *p != '\r' && *p != '\n' &&
		    i < sizeof(r->kr_phrase) - 1; p++)
			r->kr_phrase[i++] = *p;
		r->kr_phrase[i] = '\0';
	} else if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0)
		r->kr_retry_after = kube_retry_after(data + 12, end);
	return n;
}

/* The options that stay the same for every request. */
static int
kube_curl_init(struct kube *k, char *err, size_t errlen)
{
	CURL		*c;
	CURLcode	 rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return kube_err(err, errlen, "libcurl: initialization failed");
	k->k_global = 1;
	if ((c = k->k_curl = curl_easy_init()) == NULL)
		return kube_err(err, errlen, "libcurl: initialization failed");
	/* Threads: no SIGALRM for DNS timeouts. */
	rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, k->k_curlerr);
	rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, KUBE_USER_AGENT);
	rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, k->k_timeout_ms);
	rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, kube_write_cb);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, &k->k_resp);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, kube_header_cb);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, &k->k_resp);
	if (k->k_proxy != NULL)
		rc |= curl_easy_setopt(c, CURLOPT_PROXY, k->k_proxy);
	if (rc != CURLE_OK)
		return kube_err(err, errlen, "libcurl: cannot set options");
	return kube_curl_tls(k, err, errlen);
}

static void
kube_seed(struct kube *k)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	k->k_rng = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)k;
	if (k->k_rng == 0)
		k->k_rng = 1;
}

/* Uniform in [0, 1): xorshift64 (Marsaglia), ample for jitter. */
static double
kube_rand(struct kube *k)
{
	k->k_rng ^= k->k_rng << 13;
	k->k_rng ^= k->k_rng >> 7;
	k->k_rng ^= k->k_rng << 17;
	return (double)(k->k_rng >> 11) / (double)(UINT64_C(1) << 53);
}

static void
kube_defaults(struct kube *k, const struct kube_opts *o)
{
	k->k_timeout_ms = o->ko_timeout_ms > 0 ? o->ko_timeout_ms :
	    KUBE_DEFAULT_TIMEOUT_MS;
	k->k_retries = o->ko_retries >= 0 ? o->ko_retries :
	    KUBE_DEFAULT_RETRIES;
	k->k_backoff_ms = o->ko_backoff_ms > 0 ? o->ko_backoff_ms :
	    KUBE_DEFAULT_BACKOFF_MS;
	k->k_resp.kr_retry_after = -1;
	kube_seed(k);
}

struct kube *
kube_open(const struct kube_opts *o, int *result, char *err, size_t errlen)
{
	struct kube	*k;

	*result = KUBE_ECONFIG;
	/* client-go's transport refuses this pair as well. */
	if (o->ko_ca_file != NULL && o->ko_insecure) {
		(void)kube_err(err, errlen, "--ca-file and "
		    "--insecure-skip-tls-verify are both given");
		return NULL;
	}
	k = gw_calloc(1, sizeof(*k));
	kube_defaults(k, o);
	if (kube_select(k, o, err, errlen) == -1)
		goto fail;
	kube_override(k, o);
	if (kube_check_files(k, err, errlen) == -1 ||
	    kube_curl_init(k, err, errlen) == -1)
		goto fail;
	*result = KUBE_OK;
	return k;
fail:
	kube_close(k);
	return NULL;
}

void
kube_close(struct kube *k)
{
	if (k == NULL)
		return;
	if (k->k_curl != NULL)
		curl_easy_cleanup(k->k_curl);
	if (k->k_global)
		curl_global_cleanup();
	free(k->k_server);
	free(k->k_source);
	free(k->k_namespace);
	free(k->k_token);
	free(k->k_token_file);
	free(k->k_ca_file);
	free(k->k_ca_data);
	free(k->k_cert_file);
	free(k->k_key_file);
	free(k->k_cert_data);
	free(k->k_key_data);
	free(k->k_proxy);
	gw_buf_free(&k->k_resp.kr_body);
	free(k);
}

const char *
kube_server(const struct kube *k)
{
	return k->k_server;
}

const char *
kube_source(const struct kube *k)
{
	return k->k_source;
}

const char *
kube_namespace(const struct kube *k)
{
	return k->k_namespace;
}

int
kube_http_result(long code)
{
	if (code >= 200 && code < 300)
		return KUBE_OK;
	switch (code) {
	case 401:
		return KUBE_EUNAUTHORIZED;
	case 403:
		return KUBE_EFORBIDDEN;
	case 404:
		return KUBE_ENOTFOUND;
	case 409:
		return KUBE_ECONFLICT;
	case 429:
		return KUBE_EUNAVAILABLE;
	default:
		break;
	}
	if (code >= 400 && code < 500)
		return KUBE_EINVALID;
	if (code >= 500 && code < 600)
		return KUBE_EUNAVAILABLE;
	return KUBE_EPROTOCOL;
}

int
kube_http_retryable(long code)
{
	return code == 429 || (code >= 500 && code < 600);
}

/* RFC 9110 section 15 reason phrases of the codes the API server sends;
 * HTTP/2 has no status line to take them from. */
static const char *
kube_phrase(long code)
{
	static const struct {
		long		 code;
		const char	*phrase;
	} tab[] = {
		{ 200, "OK" }, { 201, "Created" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 408, "Request Timeout" }, { 409, "Conflict" },
		{ 410, "Gone" }, { 413, "Content Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Entity" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" }
	};
	size_t	 i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].code == code)
			return tab[i].phrase;
	return NULL;
}

/* Appends s[0..n) to buf as one line: control bytes become spaces. */
static void
kube_cat_line(char *buf, size_t buflen, const char *s, size_t n)
{
	size_t	 off = strlen(buf), i;

	for (i = 0; i < n && s[i] != '\0' && off + 1 < buflen; i++)
		buf[off++] = (unsigned char)s[i] < ' ' || s[i] == 0x7f ?
		    ' ' : s[i];
	if (off < buflen)
		buf[off] = '\0';
}

/* The message of a Status object (else its reason), or NULL. */
static char *
kube_status_message(const char *body, size_t len)
{
	json_t		*root;
	const char	*kind, *msg = NULL, *reason = NULL;
	char		*out = NULL;

	if ((root = json_loadb(body, len, 0, NULL)) == NULL)
		return NULL;
	if (json_unpack(root, "{s:s, s?s, s?s}", "kind", &kind, "message",
	    &msg, "reason", &reason) == 0 && strcmp(kind, "Status") == 0) {
		if (msg != NULL && *msg != '\0')
			out = gw_strdup(msg);
		else if (reason != NULL && *reason != '\0')
			out = gw_strdup(reason);
	}
	json_decref(root);
	return out;
}

void
kube_status_format(long code, const char *statusline, const char *body,
    size_t len, char *buf, size_t buflen)
{
	const char	*phrase = kube_phrase(code), *nl;
	char		*msg;

	if (phrase == NULL)
		phrase = statusline != NULL && *statusline != '\0' ?
		    statusline : "HTTP error";
	(void)snprintf(buf, buflen, "%ld ", code);
	kube_cat_line(buf, buflen, phrase, strlen(phrase));
	if (body == NULL || len == 0)
		return;
	if ((msg = kube_status_message(body, len)) != NULL) {
		kube_cat_line(buf, buflen, ": ", 2);
		kube_cat_line(buf, buflen, msg, strlen(msg));
		free(msg);
		return;
	}
	/* A proxy's or load balancer's text; not its HTML page. */
	if (body[0] == '<' || body[0] == '{')
		return;
	if ((nl = memchr(body, '\n', len)) != NULL)
		len = (size_t)(nl - body);
	if (len > KUBE_SNIPPET_MAX)
		len = KUBE_SNIPPET_MAX;
	if (len > 0) {
		kube_cat_line(buf, buflen, ": ", 2);
		kube_cat_line(buf, buflen, body, len);
	}
}

/* An int32 member of obj (absent: 0).  -1 when out of range. */
static int
kube_json_int32(json_t *obj, const char *key, int32_t *vp)
{
	json_t		*v = json_object_get(obj, key);
	json_int_t	 i;

	*vp = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return -1;
	i = json_integer_value(v);
	if (i < 0 || i > INT32_MAX)
		return -1;
	*vp = (int32_t)i;
	return 0;
}

/* A string member of obj into buf (absent: "").  -1 if too long. */
static int
kube_json_str(json_t *obj, const char *key, char *buf, size_t buflen)
{
	json_t	*v = json_object_get(obj, key);

	buf[0] = '\0';
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= buflen ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -1;
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
kube_scale_fields(json_t *root, struct kube_scale *s, char *err,
    size_t errlen)
{
	json_t	*spec, *status, *meta;

	spec = json_object_get(root, "spec");
	status = json_object_get(root, "status");
	meta = json_object_get(root, "metadata");
	if (!json_is_object(spec))
		return kube_err(err, errlen, "not a Scale: no spec");
	if (kube_json_int32(spec, "replicas", &s->ks_replicas) == -1)
		return kube_err(err, errlen, "not a Scale: spec.replicas is "
		    "not a replica count");
	if (json_is_object(status) && kube_json_int32(status, "replicas",
	    &s->ks_status_replicas) == -1)
		return kube_err(err, errlen, "not a Scale: status.replicas "
		    "is not a replica count");
	if (json_is_object(meta) && kube_json_str(meta, "resourceVersion",
	    s->ks_resource_version, sizeof(s->ks_resource_version)) == -1)
		return kube_err(err, errlen, "not a Scale: "
		    "metadata.resourceVersion is not a string of at most "
		    "%zu bytes", sizeof(s->ks_resource_version) - 1);
	if (json_is_object(status) && kube_json_str(status, "selector",
	    s->ks_selector, sizeof(s->ks_selector)) == -1)
		return kube_err(err, errlen, "not a Scale: status.selector "
		    "is not a string of at most %zu bytes",
		    sizeof(s->ks_selector) - 1);
	return 0;
}

int
kube_scale_parse(const char *body, size_t len, struct kube_scale *s,
    char *err, size_t errlen)
{
	json_t		*root, *kind;
	json_error_t	 jerr;
	int		 rv;

	memset(s, 0, sizeof(*s));
	if (body == NULL || len == 0)
		return kube_err(err, errlen, "not a Scale: empty body");
	if ((root = json_loadb(body, len, 0, &jerr)) == NULL)
		return kube_err(err, errlen, "not a Scale: invalid JSON: %s",
		    jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return kube_err(err, errlen, "not a Scale: not an object");
	}
	kind = json_object_get(root, "kind");
	if (kind != NULL && (!json_is_string(kind) ||
	    strcmp(json_string_value(kind), "Scale") != 0)) {
		rv = kube_err(err, errlen, "not a Scale: kind \"%s\"",
		    json_is_string(kind) ? json_string_value(kind) : "?");
	} else
		rv = kube_scale_fields(root, s, err, errlen);
	json_decref(root);
	if (rv == -1)
		memset(s, 0, sizeof(*s));
	return rv;
}

static int
kube_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int
kube_name_check(const char *s, int subdomain, const char **why)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > (subdomain ? KUBE_DNS_SUBDOMAIN_MAX :
	    KUBE_DNS_LABEL_MAX)) {
		*why = subdomain ? "must be 1 to 253 characters" :
		    "must be 1 to 63 characters";
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (kube_alnum(s[i]))
			continue;
		if (s[i] == '-' && i > 0 && i < n - 1)
			continue;
		if (s[i] == '.' && subdomain && i > 0 && i < n - 1 &&
		    kube_alnum(s[i - 1]) && kube_alnum(s[i + 1]))
			continue;
		*why = subdomain ? "must be lower case alphanumerics, '-' "
		    "and '.', starting and ending with an alphanumeric "
		    "(RFC 1123 subdomain)" : "must be lower case "
		    "alphanumerics and '-', starting and ending with an "
		    "alphanumeric (RFC 1123 label)";
		return -1;
	}
	return 0;
}

long
kube_backoff_ms(long base_ms, int attempt, long retry_after_s, double rnd)
{
	long	 d = base_ms > 0 ? base_ms : KUBE_DEFAULT_BACKOFF_MS;
	int	 i;

	if (retry_after_s >= 0)
		return (retry_after_s > KUBE_RETRY_AFTER_MAX_S ?
		    KUBE_RETRY_AFTER_MAX_S : retry_after_s) * 1000;
	for (i = 0; i < attempt && d < KUBE_BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > KUBE_BACKOFF_MAX_MS)
		d = KUBE_BACKOFF_MAX_MS;
	/* Jitter: spread clients that failed together (a restarting API
	 * server) over [d/2, d). */
	return d / 2 + (long)((double)(d / 2) * rnd);
}

/* Sleeps ms; -1 when a signal cut it short (so SIGTERM is not held up
 * by a long Retry-After). */
static int
kube_sleep(long ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	return nanosleep(&ts, NULL) == -1 && errno == EINTR ? -1 : 0;
}

/* The URL of ns/name's scale subresource (malloc'd), or NULL. */
static char *
kube_url(struct kube *k, enum kube_kind kind, const char *ns,
    const char *name, char *err, size_t errlen)
{
	const char	*why;

	if (ns == NULL)
		ns = k->k_namespace;
	if (kube_name_check(ns, 0, &why) == -1) {
		(void)kube_err(err, errlen, "invalid namespace \"%s\": %s",
		    ns, why);
		return NULL;
	}
	if (name == NULL || kube_name_check(name, 1, &why) == -1) {
		(void)kube_err(err, errlen, "invalid %s name \"%s\": %s",
		    kube_kind_resource(kind), name != NULL ? name : "",
		    name != NULL ? why : "missing");
		return NULL;
	}
	return gw_asprintf("%s" KUBE_API_PREFIX "%s/%s/%s/scale",
	    k->k_server, ns, kube_kind_resource(kind), name);
}

/* The request's headers, with a freshly read token. */
static int
kube_headers(struct kube *k, int patch, struct curl_slist **hp, char *err,
    size_t errlen)
{
	struct curl_slist	*h = NULL;
	char			*tok, *auth;

	if (kube_token(k, &tok, err, errlen) == -1)
		return -1;
	h = curl_slist_append(h, "Accept: application/json");
	/* Our bodies are tiny: no 100-continue round trip. */
	h = curl_slist_append(h, "Expect:");
	if (patch)
		h = curl_slist_append(h,
		    "Content-Type: application/merge-patch+json");
	if (tok != NULL) {
		auth = gw_asprintf("Authorization: Bearer %s", tok);
		h = curl_slist_append(h, auth);
		explicit_bzero(auth, strlen(auth));
		explicit_bzero(tok, strlen(tok));
		free(auth);
		free(tok);
	}
	if (h == NULL)
		return kube_err(err, errlen, "out of memory");
	*hp = h;
	return 0;
}

/* Connection-level failures worth another try. */
static int
kube_curl_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static int
kube_curl_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return 1;
	default:
		return 0;
	}
}

/* The line for a transfer that got no HTTP response. */
static int
kube_curl_failure(struct kube *k, CURLcode rc, const char *req, char *err,
    size_t errlen)
{
	const char	*msg = k->k_curlerr[0] != '\0' ? k->k_curlerr :
			    curl_easy_strerror(rc);
	long		 oserr = 0;

	if (k->k_resp.kr_toobig) {
		(void)kube_err(err, errlen, "%s: response body larger than "
		    "%d bytes", req, KUBE_BODY_MAX);
		return KUBE_EPROTOCOL;
	}
	(void)curl_easy_getinfo(k->k_curl, CURLINFO_OS_ERRNO, &oserr);
	if (kube_curl_tls_error(rc))
		(void)kube_err(err, errlen, "%s: TLS: %s", req, msg);
	else if (rc == CURLE_COULDNT_CONNECT && oserr != 0)
		/* The URL names host and port; the errno says the rest. */
		(void)kube_err(err, errlen, "%s: connect: %s", req,
		    strerror((int)oserr));
	else if (oserr != 0 && strstr(msg, strerror((int)oserr)) == NULL)
		(void)kube_err(err, errlen, "%s: %s: %s", req, msg,
		    strerror((int)oserr));
	else
		(void)kube_err(err, errlen, "%s: %s", req, msg);
	return KUBE_EUNAVAILABLE;
}

/* Method, URL and body of one request, and what it is called in errors. */
struct kube_req {
	const char	*rq_method;	/* "GET" or "PATCH" */
	const char	*rq_url;
	const char	*rq_body;	/* PATCH only */
	char		*rq_name;	/* "METHOD URL" */
};

static void
kube_curl_request(struct kube *k, const struct kube_req *rq)
{
	CURL	*c = k->k_curl;

	(void)curl_easy_setopt(c, CURLOPT_URL, rq->rq_url);
	if (rq->rq_body != NULL) {
		(void)curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(rq->rq_body));
		(void)curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->rq_body);
		(void)curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST,
		    rq->rq_method);
	} else {
		/* A previous PATCH left its method and body set. */
		(void)curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
		(void)curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
}

/* One attempt.  *retry is set when trying again may help. */
static int
kube_attempt(struct kube *k, const struct kube_req *rq, int *retry,
    char *err, size_t errlen)
{
	struct kube_resp	*r = &k->k_resp;
	struct curl_slist	*h = NULL;
	CURLcode		 rc;
	char			 msg[1024];

	*retry = 0;
	if (kube_headers(k, rq->rq_body != NULL, &h, err, errlen) == -1)
		return KUBE_ECONFIG;
	gw_buf_free(&r->kr_body);
	r->kr_code = 0;
	r->kr_toobig = 0;
	r->kr_retry_after = -1;
	r->kr_phrase[0] = '\0';
	k->k_curlerr[0] = '\0';
	kube_curl_request(k, rq);
	(void)curl_easy_setopt(k->k_curl, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(k->k_curl);
	(void)curl_easy_setopt(k->k_curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		*retry = kube_curl_retryable(rc);
		return kube_curl_failure(k, rc, rq->rq_name, err, errlen);
	}
	(void)curl_easy_getinfo(k->k_curl, CURLINFO_RESPONSE_CODE,
	    &r->kr_code);
	if (kube_http_result(r->kr_code) == KUBE_OK)
		return KUBE_OK;
	kube_status_format(r->kr_code, r->kr_phrase, r->kr_body.b_data,
	    r->kr_body.b_len, msg, sizeof(msg));
	(void)kube_err(err, errlen, "%s: %s", rq->rq_name, msg);
	*retry = kube_http_retryable(r->kr_code);
	return kube_http_result(r->kr_code);
}

/* Appends " (after N attempts)" or " (interrupted after N attempts)"
 * to err, which holds the failure's line. */
static void
kube_err_attempts(char *err, size_t errlen, int interrupted, int n)
{
	char	 suffix[64];

	(void)snprintf(suffix, sizeof(suffix), " (%safter %d attempt%s)",
	    interrupted ? "interrupted " : "", n, n == 1 ? "" : "s");
	(void)gw_strlcat(err, suffix, errlen);
}

/* The request with its retries; bounded by k_retries. */
static int
kube_request(struct kube *k, const struct kube_req *rq, char *err,
    size_t errlen)
{
	int	 attempt, rv, retry;
	long	 delay;

	for (attempt = 0;; attempt++) {
		rv = kube_attempt(k, rq, &retry, err, errlen);
		if (rv == KUBE_OK || !retry || attempt >= k->k_retries)
			break;
		delay = kube_backoff_ms(k->k_backoff_ms, attempt,
		    k->k_resp.kr_retry_after, kube_rand(k));
		if (kube_sleep(delay) == -1) {
			kube_err_attempts(err, errlen, 1, attempt + 1);
			return rv;
		}
	}
	if (rv != KUBE_OK && attempt > 0)
		kube_err_attempts(err, errlen, 0, attempt + 1);
	return rv;
}

/* Runs rq and parses the Scale it returns. */
static int
kube_scale_request(struct kube *k, struct kube_req *rq,
    struct kube_scale *out, char *err, size_t errlen)
{
	const char	*phrase;
	char		 perr[256];
	int		 rv;

	rq->rq_name = gw_asprintf("%s %s", rq->rq_method, rq->rq_url);
	rv = kube_request(k, rq, err, errlen);
	if (rv == KUBE_OK && kube_scale_parse(k->k_resp.kr_body.b_data,
	    k->k_resp.kr_body.b_len, out, perr, sizeof(perr)) == -1) {
		phrase = kube_phrase(k->k_resp.kr_code);
		(void)kube_err(err, errlen, "%s: %ld %s: %s", rq->rq_name,
		    k->k_resp.kr_code, phrase != NULL ? phrase :
		    k->k_resp.kr_phrase, perr);
		rv = KUBE_EPROTOCOL;
	}
	free(rq->rq_name);
	rq->rq_name = NULL;
	return rv;
}

int
kube_get_scale(struct kube *k, enum kube_kind kind, const char *ns,
    const char *name, struct kube_scale *out, char *err, size_t errlen)
{
	struct kube_req	 rq;
	char		*url;
	int		 rv;

	memset(out, 0, sizeof(*out));
	if ((url = kube_url(k, kind, ns, name, err, errlen)) == NULL)
		return KUBE_EINVALID;
	memset(&rq, 0, sizeof(rq));
	rq.rq_method = "GET";
	rq.rq_url = url;
	rv = kube_scale_request(k, &rq, out, err, errlen);
	free(url);
	return rv;
}

/* The merge patch (RFC 7386) body. */
static char *
kube_patch_body(int32_t replicas, const char *rv)
{
	json_t	*patch;
	char	*s, *out;

	/* "" is what a Scale without metadata.resourceVersion gave. */
	if (rv != NULL && *rv != '\0')
		patch = json_pack("{s:{s:i}, s:{s:s}}", "spec", "replicas",
		    (int)replicas, "metadata", "resourceVersion", rv);
	else
		patch = json_pack("{s:{s:i}}", "spec", "replicas",
		    (int)replicas);
	if (patch == NULL ||
	    (s = json_dumps(patch, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		abort();	/* out of memory: see str.h */
	json_decref(patch);
	out = gw_strdup(s);
	free(s);
	return out;
}

int
kube_patch_scale(struct kube *k, enum kube_kind kind, const char *ns,
    const char *name, int32_t replicas, const char *rv,
    struct kube_scale *out, char *err, size_t errlen)
{
	struct kube_req	 rq;
	char		*url, *body;
	int		 res;

	memset(out, 0, sizeof(*out));
	if (replicas < 0) {
		(void)kube_err(err, errlen, "invalid replica count %d",
		    (int)replicas);
		return KUBE_EINVALID;
	}
	if ((url = kube_url(k, kind, ns, name, err, errlen)) == NULL)
		return KUBE_EINVALID;
	body = kube_patch_body(replicas, rv);
	memset(&rq, 0, sizeof(rq));
	rq.rq_method = "PATCH";
	rq.rq_url = url;
	rq.rq_body = body;
	res = kube_scale_request(k, &rq, out, err, errlen);
	free(body);
	free(url);
	return res;
}
