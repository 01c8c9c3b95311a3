/*
 * kubeconfig: the parts of a kubectl kubeconfig file gwscale needs, as a
 * pure function of the file's text.
 *
 * kubeconfig_parse() picks a context (the given one, else current-context)
 * and returns its cluster (server, CA, insecure-skip-tls-verify,
 * proxy-url), its user (token, tokenFile, client certificate and key) and
 * its namespace, with relative paths made absolute against the
 * kubeconfig's directory and *-data fields base64-decoded, as client-go's
 * clientcmd does (k8s.io/client-go/tools/clientcmd/api/v1/types.go,
 * loader.go ResolveLocalPaths).
 *
 * It does no I/O: it neither reads nor checks the files the config names
 * (kube.c does, at kube_open) and does not merge several kubeconfigs (the
 * caller takes the first of a $KUBECONFIG list).  Credential plugins
 * (exec, auth-provider), basic auth and tls-server-name are refused with
 * an error rather than ignored: a silently missing credential would show
 * up later as a puzzling 401 or TLS failure.
 */
#ifndef GWSCALE_KUBECONFIG_H
#define GWSCALE_KUBECONFIG_H

#include <stddef.h>

/* All strings and buffers are malloc'd and owned by the struct; NULL (and
 * length 0) when the kubeconfig does not set them. */
struct kubeconfig {
	char		*kc_context;	/* the context used */
	char		*kc_cluster;	/* its cluster's name */
	char		*kc_user;	/* its user; NULL: anonymous */
	char		*kc_server;	/* cluster.server */
	/* cluster.certificate-authority, absolute. */
	char		*kc_ca_file;
	/* cluster.certificate-authority-data, decoded (PEM). */
	unsigned char	*kc_ca_data;
	size_t		 kc_ca_len;
	int		 kc_insecure;	/* insecure-skip-tls-verify */
	char		*kc_proxy_url;	/* cluster.proxy-url */
	char		*kc_token;	/* user.token */
	char		*kc_token_file;	/* user.tokenFile, absolute */
	/* user.client-certificate, user.client-key, absolute. */
	char		*kc_cert_file;
	char		*kc_key_file;
	/* user.client-certificate-data, user.client-key-data, decoded. */
	unsigned char	*kc_cert_data;
	unsigned char	*kc_key_data;
	size_t		 kc_cert_len;
	size_t		 kc_key_len;
	char		*kc_namespace;	/* context.namespace */
};

/*
 * Parses the kubeconfig text[0..len).  dir is the kubeconfig's directory,
 * against which relative paths are resolved (NULL: leave them relative).
 * context names the context to use; NULL takes current-context.  Returns
 * 0 and fills *kc, or -1 with one line in err naming the bad context,
 * cluster, user, field or YAML line; *kc is then empty (no need to free,
 * freeing is harmless).
 */
int	kubeconfig_parse(const char *text, size_t len, const char *dir,
	    const char *context, struct kubeconfig *kc, char *err,
	    size_t errlen);
/* Frees what *kc owns and zeroes it. */
void	kubeconfig_free(struct kubeconfig *kc);

#endif /* GWSCALE_KUBECONFIG_H */
