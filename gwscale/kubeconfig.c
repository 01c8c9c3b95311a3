/*
 * kubeconfig: parse a kubeconfig with libyaml's document loader and pick
 * out one context's cluster, user and namespace.  The checks follow
 * clientcmd's validation.go (ConfirmUsable, validateClusterInfo,
 * validateAuthInfo, validateContext), so a file kubectl refuses is
 * refused here with the same complaint, and duplicate names are an error
 * as in clientcmd/api/v1/conversion.go.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>
#include <yaml.h>

#include "str.h"
#include "kubeconfig.h"

/* RFC 1123 label length, the limit of a namespace name. */
#define KC_DNS_LABEL_MAX	63

struct kc_parse {
	yaml_document_t	*kp_doc;
	const char	*kp_dir;	/* may be NULL */
	char		*kp_err;
	size_t		 kp_errlen;
};

static int	kc_error(struct kc_parse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
kc_error(struct kc_parse *kp, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(kp->kp_err, kp->kp_errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The value of key in the mapping map, or NULL (map may be NULL). */
static yaml_node_t *
kc_map_get(struct kc_parse *kp, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(kp->kp_doc, pair->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(kp->kp_doc, pair->value);
	}
	return NULL;
}

/* A plain null (YAML 1.1 null, ~, empty) means "not set", as it does to
 * the Go yaml decoder kubectl uses. */
static int
kc_is_null(const yaml_node_t *n)
{
	const char	*v = (const char *)n->data.scalar.value;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return n->data.scalar.length == 0;
	return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/*
 * *sp gets key's string in map, or NULL when absent, null or empty
 * (clientcmd treats "" as unset).  what names map in messages.
 */
static int
kc_str(struct kc_parse *kp, yaml_node_t *map, const char *key,
    const char *what, const char **sp)
{
	yaml_node_t	*n;

	*sp = NULL;
	if ((n = kc_map_get(kp, map, key)) == NULL)
		return 0;
	if (n->type != YAML_SCALAR_NODE)
		return kc_error(kp, "%s: %s: not a string", what, key);
	if (kc_is_null(n))
		return 0;
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return kc_error(kp, "%s: %s: contains a NUL byte", what, key);
	*sp = (const char *)n->data.scalar.value;
	return 0;
}

/* Like kc_str, for a field that must be a mapping when present. */
static int
kc_map(struct kc_parse *kp, yaml_node_t *map, const char *key,
    const char *what, yaml_node_t **np)
{
	yaml_node_t	*n;

	*np = NULL;
	if ((n = kc_map_get(kp, map, key)) == NULL)
		return 0;
	if (n->type == YAML_SCALAR_NODE && kc_is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return kc_error(kp, "%s: %s: not a mapping", what, key);
	*np = n;
	return 0;
}

/* YAML 1.1 booleans, as the Go yaml decoder reads them. */
static int
kc_bool(struct kc_parse *kp, yaml_node_t *map, const char *key,
    const char *what, int *vp)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	const char	*s;
	size_t		 i;

	*vp = 0;
	if (kc_str(kp, map, key, what, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*vp = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return kc_error(kp, "%s: %s: not a boolean: \"%s\"", what, key, s);
}

/* A path of the kubeconfig, made absolute as ResolveLocalPaths does. */
static int
kc_path(struct kc_parse *kp, yaml_node_t *map, const char *key,
    const char *what, char **pathp)
{
	const char	*s;

	*pathp = NULL;
	if (kc_str(kp, map, key, what, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	if (s[0] == '/' || kp->kp_dir == NULL || kp->kp_dir[0] == '\0')
		*pathp = gw_strdup(s);
	else
		*pathp = gw_asprintf("%s/%s", kp->kp_dir, s);
	return 0;
}

/*
 * A *-data field: standard base64 with padding (Go's []byte in JSON).
 * Whitespace is skipped: a folded or literal block scalar of a long
 * certificate carries line breaks.
 */
static int
kc_data(struct kc_parse *kp, yaml_node_t *map, const char *key,
    const char *what, unsigned char **datap, size_t *lenp)
{
	const char	*s;
	size_t		 slen, cap;

	*datap = NULL;
	*lenp = 0;
	if (kc_str(kp, map, key, what, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	slen = strlen(s);
	cap = slen / 4 * 3 + 3;
	*datap = gw_malloc(cap + 1);
	if (sodium_base642bin(*datap, cap, s, slen, " \t\r\n", lenp, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || *lenp == 0) {
		free(*datap);
		*datap = NULL;
		*lenp = 0;
		return kc_error(kp, "%s: %s: invalid base64", what, key);
	}
	/* Terminated, so PEM text can be printed or compared as a string. */
	(*datap)[*lenp] = '\0';
	return 0;
}

/*
 * The entry named name in the list key of the root ("clusters",
 * "contexts", "users": items of the form {name: N, KIND: {...}}), or NULL
 * in *itemp when there is none.  Names are unique, as in clientcmd.
 */
static int
kc_find(struct kc_parse *kp, yaml_node_t *root, const char *key,
    const char *kind, const char *name, yaml_node_t **itemp)
{
	yaml_node_t	*list, *item;
	yaml_node_item_t *i;
	const char	*n;

	*itemp = NULL;
	if ((list = kc_map_get(kp, root, key)) == NULL ||
	    (list->type == YAML_SCALAR_NODE && kc_is_null(list)))
		return 0;
	if (list->type != YAML_SEQUENCE_NODE)
		return kc_error(kp, "%s: not a list", key);
	for (i = list->data.sequence.items.start;
	    i < list->data.sequence.items.top; i++) {
		item = yaml_document_get_node(kp->kp_doc, *i);
		if (item == NULL || item->type != YAML_MAPPING_NODE)
			return kc_error(kp, "%s: an item is not a mapping",
			    key);
		if (kc_str(kp, item, "name", key, &n) == -1)
			return -1;
		if (n == NULL || strcmp(n, name) != 0)
			continue;
		if (*itemp != NULL)
			return kc_error(kp, "duplicate %s \"%s\"", kind, name);
		*itemp = item;
	}
	return 0;
}

/* The base64 and path fields of a cluster, and clientcmd's checks. */
static int
kc_cluster_tls(struct kc_parse *kp, yaml_node_t *c, const char *what,
    struct kubeconfig *kc)
{
	const char	*s;

	if (kc_path(kp, c, "certificate-authority", what,
	    &kc->kc_ca_file) == -1 ||
	    kc_data(kp, c, "certificate-authority-data", what,
	    &kc->kc_ca_data, &kc->kc_ca_len) == -1 ||
	    kc_bool(kp, c, "insecure-skip-tls-verify", what,
	    &kc->kc_insecure) == -1 ||
	    kc_str(kp, c, "tls-server-name", what, &s) == -1)
		return -1;
	if (kc->kc_ca_file != NULL && kc->kc_ca_data != NULL)
		return kc_error(kp, "%s: certificate-authority-data and "
		    "certificate-authority are both specified", what);
	/* client-go's transport refuses this combination too. */
	if (kc->kc_insecure && (kc->kc_ca_file != NULL ||
	    kc->kc_ca_data != NULL))
		return kc_error(kp, "%s: certificate-authority and "
		    "insecure-skip-tls-verify are both specified", what);
	/* libcurl cannot verify against a name other than the URL's. */
	if (s != NULL)
		return kc_error(kp, "%s: tls-server-name is not supported",
		    what);
	return 0;
}

static int
kc_cluster(struct kc_parse *kp, yaml_node_t *root, struct kubeconfig *kc)
{
	yaml_node_t	*item, *c;
	const char	*s;
	char		 what[300];

	if (kc_find(kp, root, "clusters", "cluster", kc->kc_cluster,
	    &item) == -1)
		return -1;
	if (item == NULL)
		return kc_error(kp, "cluster \"%s\" of context \"%s\" not "
		    "found", kc->kc_cluster, kc->kc_context);
	(void)snprintf(what, sizeof(what), "cluster \"%s\"", kc->kc_cluster);
	if (kc_map(kp, item, "cluster", what, &c) == -1 ||
	    kc_str(kp, c, "server", what, &s) == -1)
		return -1;
	if (s == NULL)
		return kc_error(kp, "%s: no server", what);
	kc->kc_server = gw_strdup(s);
	if (kc_str(kp, c, "proxy-url", what, &s) == -1)
		return -1;
	kc->kc_proxy_url = gw_strdup_null(s);
	return kc_cluster_tls(kp, c, what, kc);
}

/* Credential sources we refuse rather than ignore (see kubeconfig.h). */
static int
kc_user_refused(struct kc_parse *kp, yaml_node_t *u, const char *what)
{
	const char	*user, *pass;

	if (kc_map_get(kp, u, "exec") != NULL)
		return kc_error(kp, "%s: exec credential plugins are not "
		    "supported", what);
	if (kc_map_get(kp, u, "auth-provider") != NULL)
		return kc_error(kp, "%s: auth-provider plugins are not "
		    "supported", what);
	if (kc_str(kp, u, "username", what, &user) == -1 ||
	    kc_str(kp, u, "password", what, &pass) == -1)
		return -1;
	/* Kubernetes 1.19 removed basic authentication. */
	if (user != NULL || pass != NULL)
		return kc_error(kp, "%s: basic authentication (username, "
		    "password) is not supported", what);
	return 0;
}

static int
kc_user_cert(struct kc_parse *kp, yaml_node_t *u, const char *what,
    struct kubeconfig *kc)
{
	int	 cert, key;

	if (kc_path(kp, u, "client-certificate", what,
	    &kc->kc_cert_file) == -1 ||
	    kc_data(kp, u, "client-certificate-data", what,
	    &kc->kc_cert_data, &kc->kc_cert_len) == -1 ||
	    kc_path(kp, u, "client-key", what, &kc->kc_key_file) == -1 ||
	    kc_data(kp, u, "client-key-data", what,
	    &kc->kc_key_data, &kc->kc_key_len) == -1)
		return -1;
	if (kc->kc_cert_file != NULL && kc->kc_cert_data != NULL)
		return kc_error(kp, "%s: client-certificate-data and "
		    "client-certificate are both specified", what);
	if (kc->kc_key_file != NULL && kc->kc_key_data != NULL)
		return kc_error(kp, "%s: client-key-data and client-key are "
		    "both specified", what);
	cert = kc->kc_cert_file != NULL || kc->kc_cert_data != NULL;
	key = kc->kc_key_file != NULL || kc->kc_key_data != NULL;
	if (cert && !key)
		return kc_error(kp, "%s: client-certificate without "
		    "client-key", what);
	if (key && !cert)
		return kc_error(kp, "%s: client-key without "
		    "client-certificate", what);
	return 0;
}

static int
kc_user(struct kc_parse *kp, yaml_node_t *root, struct kubeconfig *kc)
{
	yaml_node_t	*item, *u;
	const char	*s;
	char		 what[300];

	if (kc_find(kp, root, "users", "user", kc->kc_user, &item) == -1)
		return -1;
	if (item == NULL)
		return kc_error(kp, "user \"%s\" of context \"%s\" not found",
		    kc->kc_user, kc->kc_context);
	(void)snprintf(what, sizeof(what), "user \"%s\"", kc->kc_user);
	if (kc_map(kp, item, "user", what, &u) == -1 ||
	    kc_user_refused(kp, u, what) == -1 ||
	    kc_str(kp, u, "token", what, &s) == -1)
		return -1;
	kc->kc_token = gw_strdup_null(s);
	if (kc_path(kp, u, "tokenFile", what, &kc->kc_token_file) == -1)
		return -1;
	return kc_user_cert(kp, u, what, kc);
}

/* validation.IsDNS1123Label, which validateContext applies. */
static int
kc_dns_label(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n > KC_DNS_LABEL_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9'))
			continue;
		if (s[i] != '-' || i == 0 || i == n - 1)
			return 0;
	}
	return 1;
}

static int
kc_context(struct kc_parse *kp, yaml_node_t *root, const char *name,
    struct kubeconfig *kc)
{
	yaml_node_t	*item, *c;
	const char	*s;
	char		 what[300];

	if (name == NULL && kc_str(kp, root, "current-context", "kubeconfig",
	    &name) == -1)
		return -1;
	if (name == NULL)
		return kc_error(kp, "no current-context");
	if (kc_find(kp, root, "contexts", "context", name, &item) == -1)
		return -1;
	if (item == NULL)
		return kc_error(kp, "context \"%s\" not found", name);
	kc->kc_context = gw_strdup(name);
	(void)snprintf(what, sizeof(what), "context \"%s\"", name);
	if (kc_map(kp, item, "context", what, &c) == -1 ||
	    kc_str(kp, c, "cluster", what, &s) == -1)
		return -1;
	if (s == NULL)
		return kc_error(kp, "%s: no cluster", what);
	kc->kc_cluster = gw_strdup(s);
	if (kc_str(kp, c, "user", what, &s) == -1)
		return -1;
	kc->kc_user = gw_strdup_null(s);
	if (kc_str(kp, c, "namespace", what, &s) == -1)
		return -1;
	if (s != NULL && !kc_dns_label(s))
		return kc_error(kp, "%s: namespace \"%s\" is not a DNS label",
		    what, s);
	kc->kc_namespace = gw_strdup_null(s);
	return 0;
}

static int
kc_yaml_error(struct kc_parse *kp, const yaml_parser_t *p)
{
	const char	*problem = p->problem != NULL ? p->problem :
			    "syntax error";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return kc_error(kp, "out of memory");
	case YAML_READER_ERROR:
		/* The reader knows the byte offset, not the line. */
		return kc_error(kp, "YAML: %s at byte %zu", problem,
		    p->problem_offset);
	default:
		if (p->context != NULL)
			return kc_error(kp, "YAML syntax error at line %zu: "
			    "%s %s", p->problem_mark.line + 1, p->context,
			    problem);
		return kc_error(kp, "YAML syntax error at line %zu: %s",
		    p->problem_mark.line + 1, problem);
	}
}

static int
kc_resolve(struct kc_parse *kp, const char *context, struct kubeconfig *kc)
{
	yaml_node_t	*root;

	root = yaml_document_get_root_node(kp->kp_doc);
	/* An empty file is clientcmd's empty config: no context in it. */
	if (root != NULL && root->type == YAML_SCALAR_NODE && kc_is_null(root))
		root = NULL;
	if (root != NULL && root->type != YAML_MAPPING_NODE)
		return kc_error(kp, "not a kubeconfig: the top level is not "
		    "a mapping");
	if (kc_context(kp, root, context, kc) == -1 ||
	    kc_cluster(kp, root, kc) == -1)
		return -1;
	/* No user: anonymous, as is a user entry without credentials. */
	if (kc->kc_user == NULL)
		return 0;
	return kc_user(kp, root, kc);
}

int
kubeconfig_parse(const char *text, size_t len, const char *dir,
    const char *context, struct kubeconfig *kc, char *err, size_t errlen)
{
	struct kc_parse	 kp;
	yaml_parser_t	 parser;
	yaml_document_t	 doc;
	int		 rv = -1;

	memset(kc, 0, sizeof(*kc));
	memset(&kp, 0, sizeof(kp));
	kp.kp_doc = &doc;
	kp.kp_dir = dir;
	kp.kp_err = err;
	kp.kp_errlen = errlen;
	if (!yaml_parser_initialize(&parser))
		return kc_error(&kp, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	if (!yaml_parser_load(&parser, &doc)) {
		kc_yaml_error(&kp, &parser);
		goto out;
	}
	rv = kc_resolve(&kp, context, kc);
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&parser);
	if (rv == -1)
		kubeconfig_free(kc);
	return rv;
}

void
kubeconfig_free(struct kubeconfig *kc)
{
	free(kc->kc_context);
	free(kc->kc_cluster);
	free(kc->kc_user);
	free(kc->kc_server);
	free(kc->kc_ca_file);
	free(kc->kc_ca_data);
	free(kc->kc_proxy_url);
	free(kc->kc_token);
	free(kc->kc_token_file);
	free(kc->kc_cert_file);
	free(kc->kc_key_file);
	free(kc->kc_cert_data);
	free(kc->kc_key_data);
	free(kc->kc_namespace);
	memset(kc, 0, sizeof(*kc));
}
