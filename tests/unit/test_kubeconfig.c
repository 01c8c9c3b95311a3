/*
 * test_kubeconfig: gwscale's kubeconfig parser on files as kubectl, kind,
 * minikube and cloud CLIs write them, every error it names, and the parts
 * of the Kubernetes client that need no server: config selection in
 * kube_open (flags, $KUBECONFIG, in-cluster, $HOME/.kube/config, against
 * files in a temporary directory), Scale and Status parsing, name checks
 * and the backoff.  The client against a server is tested with
 * tests/k8s/fakeapi.py.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../gwscale/kube.h"
#include "../../gwscale/kubeconfig.h"
#include "t.h"

/* base64 of the PEM-looking texts below (kind writes *-data fields). */
#define CA_PEM	"-----BEGIN CERTIFICATE-----\nMIIBkind-ca\n" \
		"-----END CERTIFICATE-----\n"
#define CA_B64	"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJraW5kLWNh" \
		"Ci0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K"
#define CERT_PEM "-----BEGIN CERTIFICATE-----\nMIIBkind-admin\n" \
		"-----END CERTIFICATE-----\n"
#define CERT_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJraW5kLWFk" \
		"bWluCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K"
#define KEY_PEM	"-----BEGIN RSA PRIVATE KEY-----\nMIIEkind-key\n" \
		"-----END RSA PRIVATE KEY-----\n"
#define KEY_B64	"LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFa2lu" \
		"ZC1rZXkKLS0tLS1FTkQgUlNBIFBSSVZBVEUgS0VZLS0tLS0K"

/* `kind create cluster` then `kind create cluster --name prod`. */
static const char kind_cfg[] =
    "apiVersion: v1\n"
    "clusters:\n"
    "- cluster:\n"
    "    certificate-authority-data: " CA_B64 "\n"
    "    server: https://127.0.0.1:40113\n"
    "  name: kind-kind\n"
    "- cluster:\n"
    "    certificate-authority-data: " CA_B64 "\n"
    "    server: https://127.0.0.1:35671\n"
    "  name: kind-prod\n"
    "contexts:\n"
    "- context:\n"
    "    cluster: kind-kind\n"
    "    user: kind-kind\n"
    "  name: kind-kind\n"
    "- context:\n"
    "    cluster: kind-prod\n"
    "    namespace: gateway\n"
    "    user: kind-prod\n"
    "  name: kind-prod\n"
    "current-context: kind-prod\n"
    "kind: Config\n"
    "preferences: {}\n"
    "users:\n"
    "- name: kind-kind\n"
    "  user:\n"
    "    client-certificate-data: " CERT_B64 "\n"
    "    client-key-data: " KEY_B64 "\n"
    "- name: kind-prod\n"
    "  user:\n"
    "    client-certificate-data: " CERT_B64 "\n"
    "    client-key-data: " KEY_B64 "\n";

/* minikube: files, absolute and (hand-edited) relative; extensions. */
static const char minikube_cfg[] =
    "apiVersion: v1\n"
    "clusters:\n"
    "- cluster:\n"
    "    certificate-authority: /home/ops/.minikube/ca.crt\n"
    "    extensions:\n"
    "    - extension:\n"
    "        last-update: Mon, 02 Jun 2025 10:00:00 UTC\n"
    "        provider: minikube.sigs.k8s.io\n"
    "        version: v1.33.1\n"
    "      name: cluster_info\n"
    "    server: https://192.168.49.2:8443\n"
    "  name: minikube\n"
    "contexts:\n"
    "- context:\n"
    "    cluster: minikube\n"
    "    namespace: default\n"
    "    user: minikube\n"
    "  name: minikube\n"
    "current-context: minikube\n"
    "kind: Config\n"
    "preferences: {}\n"
    "users:\n"
    "- name: minikube\n"
    "  user:\n"
    "    client-certificate: profiles/minikube/client.crt\n"
    "    client-key: ./profiles/minikube/client.key\n";

/* A service-account kubeconfig (token, tokenFile), a staging cluster
 * with insecure-skip-tls-verify, an anonymous user, quoted values. */
static const char sa_cfg[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: ci\n"
    "clusters:\n"
    "- name: prod\n"
    "  cluster:\n"
    "    server: \"https://k8s.example.com:6443/\"\n"
    "    certificate-authority: certs/prod-ca.pem\n"
    "    proxy-url: http://proxy.example.com:3128\n"
    "- name: staging\n"
    "  cluster:\n"
    "    server: https://[fd00::10]:6443\n"
    "    insecure-skip-tls-verify: true\n"
    "contexts:\n"
    "- name: ci\n"
    "  context: {cluster: prod, user: gwscale, namespace: 'edge'}\n"
    "- name: staging\n"
    "  context:\n"
    "    cluster: staging\n"
    "    user: rotating\n"
    "- name: anon\n"
    "  context:\n"
    "    cluster: staging\n"
    "    user: nobody\n"
    "- name: nouser\n"
    "  context:\n"
    "    cluster: prod\n"
    "users:\n"
    "- name: gwscale\n"
    "  user:\n"
    "    token: eyJhbGciOiJSUzI1NiJ9.c2E.sig\n"
    "- name: rotating\n"
    "  user:\n"
    "    tokenFile: /var/run/secrets/tokens/gwscale\n"
    "- name: nobody\n"
    "  user: {}\n";

/* kubectl also reads JSON kubeconfigs. */
static const char json_cfg[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Config\","
    "\"clusters\":[{\"name\":\"c\",\"cluster\":{\"server\":"
    "\"https://10.0.0.1\",\"insecure-skip-tls-verify\":false}}],"
    "\"contexts\":[{\"name\":\"x\",\"context\":{\"cluster\":\"c\","
    "\"user\":\"u\"}}],\"current-context\":\"x\","
    "\"users\":[{\"name\":\"u\",\"user\":{\"token\":\"abc\"}}]}";

/* One user block of the error cases, wrapped in a valid file. */
#define USER_CFG(user)							\
    "clusters:\n- name: c\n  cluster:\n    server: https://h\n"	\
    "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n" \
    "current-context: x\n"						\
    "users:\n- name: u\n  user:\n" user

/* A cluster block of the error cases, wrapped likewise. */
#define CLUSTER_CFG(cluster)						\
    "clusters:\n- name: c\n  cluster:\n" cluster			\
    "contexts:\n- name: x\n  context:\n    cluster: c\n"		\
    "current-context: x\n"

static char	 tmpdir[256];

static int
parse(const char *text, const char *dir, const char *context,
    struct kubeconfig *kc, char *err, size_t errlen)
{
	err[0] = '\0';
	return kubeconfig_parse(text, strlen(text), dir, context, kc, err,
	    errlen);
}

static void
test_kind(void)
{
	struct kubeconfig	 kc;
	char			 err[256];

	T_INTEQ(parse(kind_cfg, "/home/ops/.kube", NULL, &kc, err,
	    sizeof(err)), 0, "kind: parses");
	T_STREQ(kc.kc_context, "kind-prod", "kind: current-context");
	T_STREQ(kc.kc_cluster, "kind-prod", "kind: cluster of the context");
	T_STREQ(kc.kc_user, "kind-prod", "kind: user of the context");
	T_STREQ(kc.kc_server, "https://127.0.0.1:35671", "kind: server");
	T_STREQ(kc.kc_namespace, "gateway", "kind: namespace");
	T_OK(kc.kc_ca_len == strlen(CA_PEM) &&
	    memcmp(kc.kc_ca_data, CA_PEM, kc.kc_ca_len) == 0,
	    "kind: certificate-authority-data decoded");
	T_OK(kc.kc_cert_len == strlen(CERT_PEM) &&
	    memcmp(kc.kc_cert_data, CERT_PEM, kc.kc_cert_len) == 0,
	    "kind: client-certificate-data decoded");
	T_OK(kc.kc_key_len == strlen(KEY_PEM) &&
	    memcmp(kc.kc_key_data, KEY_PEM, kc.kc_key_len) == 0,
	    "kind: client-key-data decoded");
	T_OK(kc.kc_ca_file == NULL && kc.kc_cert_file == NULL &&
	    kc.kc_key_file == NULL && kc.kc_token == NULL &&
	    kc.kc_token_file == NULL && !kc.kc_insecure,
	    "kind: nothing else set");
	kubeconfig_free(&kc);
	T_OK(kc.kc_server == NULL && kc.kc_ca_data == NULL,
	    "kubeconfig_free zeroes");
	kubeconfig_free(&kc);

	T_INTEQ(parse(kind_cfg, NULL, "kind-kind", &kc, err, sizeof(err)), 0,
	    "kind: context override parses");
	T_STREQ(kc.kc_context, "kind-kind", "kind: the given context wins");
	T_STREQ(kc.kc_server, "https://127.0.0.1:40113",
	    "kind: the given context's server");
	T_STREQ(kc.kc_namespace, NULL, "kind: that context has no namespace");
	kubeconfig_free(&kc);
}

static void
test_files(void)
{
	struct kubeconfig	 kc;
	char			 err[256];

	T_INTEQ(parse(minikube_cfg, "/home/ops/.kube", NULL, &kc, err,
	    sizeof(err)), 0, "minikube: parses (extensions ignored)");
	T_STREQ(kc.kc_ca_file, "/home/ops/.minikube/ca.crt",
	    "minikube: absolute path kept");
	T_STREQ(kc.kc_cert_file, "/home/ops/.kube/profiles/minikube/client.crt",
	    "minikube: relative path against the kubeconfig's directory");
	T_STREQ(kc.kc_key_file,
	    "/home/ops/.kube/./profiles/minikube/client.key",
	    "minikube: ./ path against the kubeconfig's directory");
	T_STREQ(kc.kc_namespace, "default", "minikube: namespace");
	T_OK(kc.kc_ca_data == NULL && kc.kc_cert_data == NULL,
	    "minikube: no *-data");
	kubeconfig_free(&kc);

	T_INTEQ(parse(minikube_cfg, NULL, NULL, &kc, err, sizeof(err)), 0,
	    "minikube: parses without a directory");
	T_STREQ(kc.kc_cert_file, "profiles/minikube/client.crt",
	    "no directory: relative path left as is");
	kubeconfig_free(&kc);
}

static void
test_tokens(void)
{
	struct kubeconfig	 kc;
	char			 err[256];

	T_INTEQ(parse(sa_cfg, "/etc/gwscale", NULL, &kc, err, sizeof(err)), 0,
	    "sa: parses");
	T_STREQ(kc.kc_token, "eyJhbGciOiJSUzI1NiJ9.c2E.sig", "sa: token");
	T_STREQ(kc.kc_namespace, "edge", "sa: quoted namespace, flow style");
	T_STREQ(kc.kc_server, "https://k8s.example.com:6443/",
	    "sa: quoted server kept as written");
	T_STREQ(kc.kc_ca_file, "/etc/gwscale/certs/prod-ca.pem",
	    "sa: relative certificate-authority");
	T_STREQ(kc.kc_proxy_url, "http://proxy.example.com:3128",
	    "sa: proxy-url");
	kubeconfig_free(&kc);

	T_INTEQ(parse(sa_cfg, "/etc/gwscale", "staging", &kc, err,
	    sizeof(err)), 0, "staging: parses");
	T_STREQ(kc.kc_token_file, "/var/run/secrets/tokens/gwscale",
	    "staging: tokenFile");
	T_STREQ(kc.kc_token, NULL, "staging: no token");
	T_INTEQ(kc.kc_insecure, 1, "staging: insecure-skip-tls-verify");
	T_STREQ(kc.kc_server, "https://[fd00::10]:6443", "staging: IPv6");
	kubeconfig_free(&kc);

	T_INTEQ(parse(sa_cfg, NULL, "anon", &kc, err, sizeof(err)), 0,
	    "user without credentials: allowed");
	T_OK(kc.kc_token == NULL && kc.kc_token_file == NULL &&
	    kc.kc_cert_data == NULL && kc.kc_cert_file == NULL,
	    "user without credentials: anonymous");
	kubeconfig_free(&kc);
	T_INTEQ(parse(sa_cfg, NULL, "nouser", &kc, err, sizeof(err)), 0,
	    "context without user: allowed");
	T_STREQ(kc.kc_user, NULL, "context without user: no user");
	kubeconfig_free(&kc);

	T_INTEQ(parse(json_cfg, NULL, NULL, &kc, err, sizeof(err)), 0,
	    "JSON kubeconfig parses");
	T_STREQ(kc.kc_token, "abc", "JSON kubeconfig: token");
	T_INTEQ(kc.kc_insecure, 0, "JSON kubeconfig: insecure false");
	kubeconfig_free(&kc);
}

struct err_case {
	const char	*text;
	const char	*context;
	const char	*want;
};

static const struct err_case err_cases[] = {
	{ kind_cfg, "prod", "context \"prod\" not found" },
	{ "apiVersion: v1\nkind: Config\nclusters: []\n", NULL,
	    "no current-context" },
	{ "current-context: \"\"\n", NULL, "no current-context" },
	{ "", NULL, "no current-context" },
	{ "", "x", "context \"x\" not found" },
	{ "contexts:\n- name: y\n  context:\n    cluster: x\n"
	    "current-context: y\n", NULL,
	    "cluster \"x\" of context \"y\" not found" },
	{ "contexts:\n- name: x\n  context: c\ncurrent-context: x\n", NULL,
	    "context \"x\": context: not a mapping" },
	{ "contexts:\n- name: y\n  context:\n    user: u\n"
	    "current-context: y\n", NULL, "context \"y\": no cluster" },
	{ "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
	    "contexts:\n- name: y\n  context:\n    cluster: c\n"
	    "    user: u\ncurrent-context: y\n", NULL,
	    "user \"u\" of context \"y\" not found" },
	{ USER_CFG("    exec:\n      apiVersion: "
	    "client.authentication.k8s.io/v1beta1\n"
	    "      command: gke-gcloud-auth-plugin\n"
	    "      provideClusterInfo: true\n"), NULL,
	    "user \"u\": exec credential plugins are not supported" },
	{ USER_CFG("    auth-provider:\n      name: oidc\n"
	    "      config:\n        client-id: k\n"), NULL,
	    "user \"u\": auth-provider plugins are not supported" },
	{ USER_CFG("    username: admin\n    password: secret\n"), NULL,
	    "user \"u\": basic authentication (username, password) is not "
	    "supported" },
	{ CLUSTER_CFG("    server: https://h\n"
	    "    certificate-authority-data: LS0t*notbase64\n"), NULL,
	    "cluster \"c\": certificate-authority-data: invalid base64" },
	{ CLUSTER_CFG("    server: https://h\n"
	    "    certificate-authority-data: LS0tLQ\n"), NULL,
	    "cluster \"c\": certificate-authority-data: invalid base64" },
	{ USER_CFG("    client-certificate-data: " CERT_B64 "\n"
	    "    client-key-data: x!\n"), NULL,
	    "user \"u\": client-key-data: invalid base64" },
	{ CLUSTER_CFG("    certificate-authority: ca.crt\n"), NULL,
	    "cluster \"c\": no server" },
	{ CLUSTER_CFG("    server:\n"), NULL, "cluster \"c\": no server" },
	{ "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
	    "contexts:\n- name: x\n  context:\n    cluster: c\n"
	    "    namespace: Prod_NS\ncurrent-context: x\n", NULL,
	    "context \"x\": namespace \"Prod_NS\" is not a DNS label" },
	{ CLUSTER_CFG("    server: https://h\n"
	    "    certificate-authority: ca.crt\n"
	    "    certificate-authority-data: " CA_B64 "\n"), NULL,
	    "cluster \"c\": certificate-authority-data and "
	    "certificate-authority are both specified" },
	{ CLUSTER_CFG("    server: https://h\n"
	    "    certificate-authority: ca.crt\n"
	    "    insecure-skip-tls-verify: true\n"), NULL,
	    "cluster \"c\": certificate-authority and "
	    "insecure-skip-tls-verify are both specified" },
	{ CLUSTER_CFG("    server: https://h\n"
	    "    insecure-skip-tls-verify: maybe\n"), NULL,
	    "cluster \"c\": insecure-skip-tls-verify: not a boolean: "
	    "\"maybe\"" },
	{ CLUSTER_CFG("    server: https://h\n"
	    "    tls-server-name: kubernetes\n"), NULL,
	    "cluster \"c\": tls-server-name is not supported" },
	{ CLUSTER_CFG("    server: [https://h]\n"), NULL,
	    "cluster \"c\": server: not a string" },
	{ USER_CFG("    client-certificate: a.crt\n"), NULL,
	    "user \"u\": client-certificate without client-key" },
	{ USER_CFG("    client-key: a.key\n"), NULL,
	    "user \"u\": client-key without client-certificate" },
	{ USER_CFG("    client-certificate: a.crt\n"
	    "    client-certificate-data: " CERT_B64 "\n"
	    "    client-key: a.key\n"), NULL,
	    "user \"u\": client-certificate-data and client-certificate are "
	    "both specified" },
	{ USER_CFG("    client-certificate: a.crt\n"
	    "    client-key-data: " KEY_B64 "\n"
	    "    client-key: a.key\n"), NULL,
	    "user \"u\": client-key-data and client-key are both specified" },
	{ "contexts:\n- name: x\n  context: {cluster: c}\n"
	    "- name: x\n  context: {cluster: d}\ncurrent-context: x\n",
	    NULL, "duplicate context \"x\"" },
	{ "contexts: {x: {cluster: c}}\ncurrent-context: x\n", NULL,
	    "contexts: not a list" },
	{ "- just\n- a list\n", NULL,
	    "not a kubeconfig: the top level is not a mapping" },
	{ "apiVersion: v1\nclusters:\n- cluster:\n    server: https://h\n"
	    "   name: c\n", NULL,
	    "YAML syntax error at line 5: while parsing a block mapping did "
	    "not find expected key" },
	{ "current-context: x\ncontexts: [\n", NULL,
	    "YAML syntax error at line 3: while parsing a flow node did not "
	    "find expected node content" },
	{ "current-context: \"a\\0b\"\n", NULL,
	    "kubeconfig: current-context: contains a NUL byte" },
};

static void
test_errors(void)
{
	struct kubeconfig	 kc;
	char			 err[256];
	size_t			 i;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		T_INTEQ(parse(err_cases[i].text, "/d", err_cases[i].context,
		    &kc, err, sizeof(err)), -1, "error %zu: refused", i);
		T_STREQ(err, err_cases[i].want, "error %zu: message", i);
		T_OK(kc.kc_server == NULL && kc.kc_context == NULL,
		    "error %zu: *kc left empty", i);
	}
	/* A short buffer truncates; it does not overflow. */
	T_INTEQ(parse(kind_cfg, NULL, "production", &kc, err, 10), -1,
	    "short error buffer: refused");
	T_STREQ(err, "context \"", "short error buffer: truncated");
}

static void
test_names(void)
{
	const char	*why = NULL;

	T_STREQ(kube_kind_resource(KUBE_DEPLOYMENT), "deployments",
	    "resource of deployment");
	T_STREQ(kube_kind_resource(KUBE_STATEFULSET), "statefulsets",
	    "resource of statefulset");
	T_STREQ(kube_kind_resource(KUBE_REPLICASET), "replicasets",
	    "resource of replicaset");
	T_STREQ(kube_result_name(KUBE_OK), "ok", "result name ok");
	T_STREQ(kube_result_name(KUBE_ENOTFOUND), "not found",
	    "result name not found");
	T_STREQ(kube_result_name(KUBE_EPROTOCOL), "protocol",
	    "result name protocol");
	T_STREQ(kube_result_name(99), "unknown", "result name out of range");

	T_INTEQ(kube_name_check("default", 0, &why), 0, "label default");
	T_INTEQ(kube_name_check("kube-system", 0, &why), 0, "label with -");
	T_INTEQ(kube_name_check("web.v2", 0, &why), -1, "label with .");
	T_INTEQ(kube_name_check("web.v2", 1, &why), 0, "subdomain with .");
	T_INTEQ(kube_name_check("Web", 1, &why), -1, "upper case");
	T_INTEQ(kube_name_check("-web", 1, &why), -1, "leading -");
	T_INTEQ(kube_name_check("web-", 1, &why), -1, "trailing -");
	T_INTEQ(kube_name_check("a..b", 1, &why), -1, "empty label");
	T_INTEQ(kube_name_check("a.-b", 1, &why), -1, ". next to -");
	T_INTEQ(kube_name_check("../etc", 1, &why), -1, "path traversal");
	T_INTEQ(kube_name_check("a/b", 1, &why), -1, "slash");
	T_INTEQ(kube_name_check("", 1, &why), -1, "empty");
	T_INTEQ(kube_name_check(
	    "a234567890123456789012345678901234567890123456789012345678901234",
	    0, &why), -1, "64-character label");
	T_STREQ(why, "must be 1 to 63 characters", "length reason");
}

static void
test_http(void)
{
	T_INTEQ(kube_http_result(200), KUBE_OK, "200 ok");
	T_INTEQ(kube_http_result(201), KUBE_OK, "201 ok");
	T_INTEQ(kube_http_result(401), KUBE_EUNAUTHORIZED, "401");
	T_INTEQ(kube_http_result(403), KUBE_EFORBIDDEN, "403");
	T_INTEQ(kube_http_result(404), KUBE_ENOTFOUND, "404");
	T_INTEQ(kube_http_result(409), KUBE_ECONFLICT, "409");
	T_INTEQ(kube_http_result(422), KUBE_EINVALID, "422");
	T_INTEQ(kube_http_result(400), KUBE_EINVALID, "400");
	T_INTEQ(kube_http_result(415), KUBE_EINVALID, "415");
	T_INTEQ(kube_http_result(429), KUBE_EUNAVAILABLE, "429");
	T_INTEQ(kube_http_result(500), KUBE_EUNAVAILABLE, "500");
	T_INTEQ(kube_http_result(503), KUBE_EUNAVAILABLE, "503");
	T_INTEQ(kube_http_result(302), KUBE_EPROTOCOL, "302");
	T_INTEQ(kube_http_retryable(429), 1, "429 retried");
	T_INTEQ(kube_http_retryable(500), 1, "500 retried");
	T_INTEQ(kube_http_retryable(504), 1, "504 retried");
	T_INTEQ(kube_http_retryable(409), 0, "409 not retried");
	T_INTEQ(kube_http_retryable(401), 0, "401 not retried");
}

static void
test_scale(void)
{
	static const char full[] = "{\"kind\":\"Scale\",\"apiVersion\":"
	    "\"autoscaling/v1\",\"metadata\":{\"name\":\"web\",\"namespace\":"
	    "\"default\",\"uid\":\"5d4c\",\"resourceVersion\":\"123456\","
	    "\"creationTimestamp\":\"2025-06-02T10:00:00Z\"},\"spec\":"
	    "{\"replicas\":3},\"status\":{\"replicas\":2,\"selector\":"
	    "\"app=web,tier=edge\"}}";
	static const char zero[] = "{\"kind\":\"Scale\",\"spec\":{},"
	    "\"status\":{\"replicas\":0}}";
	struct kube_scale	 s;
	char			 err[256], rv[128];
	size_t			 len = strlen(full);

	T_INTEQ(kube_scale_parse(full, len, &s, err, sizeof(err)), 0,
	    "scale: parses");
	T_INTEQ(s.ks_replicas, 3, "scale: spec.replicas");
	T_INTEQ(s.ks_status_replicas, 2, "scale: status.replicas");
	T_STREQ(s.ks_resource_version, "123456", "scale: resourceVersion");
	T_STREQ(s.ks_selector, "app=web,tier=edge", "scale: selector");
	/* autoscaling/v1 ScaleSpec.Replicas is omitempty: 0 is absent. */
	T_INTEQ(kube_scale_parse(zero, strlen(zero), &s, err, sizeof(err)), 0,
	    "scale to zero: parses");
	T_INTEQ(s.ks_replicas, 0, "scale to zero: spec.replicas 0");
	T_INTEQ(kube_scale_parse("{\"kind\":\"Deployment\",\"spec\":{}}", 31,
	    &s, err, sizeof(err)), -1, "Deployment is not a Scale");
	T_STREQ(err, "not a Scale: kind \"Deployment\"", "kind named");
	T_INTEQ(kube_scale_parse("{\"kind\":\"Status\"}", 17, &s, err,
	    sizeof(err)), -1, "Status is not a Scale");
	T_INTEQ(kube_scale_parse("<html>", 6, &s, err, sizeof(err)), -1,
	    "HTML is not a Scale");
	T_OK(strncmp(err, "not a Scale: invalid JSON: ", 27) == 0,
	    "invalid JSON named: %s", err);
	T_INTEQ(kube_scale_parse("{\"spec\":{\"replicas\":-1}}", 24, &s, err,
	    sizeof(err)), -1, "negative replicas refused");
	T_INTEQ(kube_scale_parse("{\"spec\":{\"replicas\":2147483648}}", 32,
	    &s, err, sizeof(err)), -1, "replicas past int32 refused");
	T_INTEQ(kube_scale_parse("{\"status\":{}}", 13, &s, err,
	    sizeof(err)), -1, "no spec refused");
	T_INTEQ(kube_scale_parse(NULL, 0, &s, err, sizeof(err)), -1,
	    "empty body refused");
	(void)snprintf(rv, sizeof(rv), "{\"spec\":{},\"metadata\":"
	    "{\"resourceVersion\":\"%064d\"}}", 1);
	T_INTEQ(kube_scale_parse(rv, strlen(rv), &s, err, sizeof(err)), -1,
	    "64-byte resourceVersion refused");
}

static void
test_status(void)
{
	static const char forbidden[] = "{\"kind\":\"Status\",\"apiVersion\":"
	    "\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
	    "\"deployments.apps \\\"web\\\" is forbidden: User \\\"x\\\" "
	    "cannot patch resource \\\"deployments/scale\\\" in API group "
	    "\\\"apps\\\" in the namespace \\\"default\\\"\",\"reason\":"
	    "\"Forbidden\",\"details\":{\"name\":\"web\",\"group\":\"apps\","
	    "\"kind\":\"deployments\"},\"code\":403}";
	static const char unauth[] = "{\"kind\":\"Status\",\"apiVersion\":"
	    "\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
	    "\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}";
	static const char ctl[] = "{\"kind\":\"Status\",\"message\":"
	    "\"a\\nb\\tc\"}";
	static const char reason_only[] = "{\"kind\":\"Status\",\"reason\":"
	    "\"TooManyRequests\",\"code\":429}";
	char	 buf[512];

	kube_status_format(403, "Forbidden", forbidden, strlen(forbidden),
	    buf, sizeof(buf));
	T_STREQ(buf, "403 Forbidden: deployments.apps \"web\" is forbidden: "
	    "User \"x\" cannot patch resource \"deployments/scale\" in API "
	    "group \"apps\" in the namespace \"default\"", "403 Status");
	kube_status_format(401, "", unauth, strlen(unauth), buf, sizeof(buf));
	T_STREQ(buf, "401 Unauthorized: Unauthorized", "401 Status, HTTP/2");
	kube_status_format(429, NULL, reason_only, strlen(reason_only), buf,
	    sizeof(buf));
	T_STREQ(buf, "429 Too Many Requests: TooManyRequests",
	    "Status without message: its reason");
	kube_status_format(502, "Bad Gateway", "upstream connect error\nx",
	    24, buf, sizeof(buf));
	T_STREQ(buf, "502 Bad Gateway: upstream connect error",
	    "text body: its first line");
	kube_status_format(503, NULL, "<html><body>down</body></html>", 30,
	    buf, sizeof(buf));
	T_STREQ(buf, "503 Service Unavailable", "HTML body left out");
	kube_status_format(418, "I'm a teapot", "{\"kind\":\"Teapot\"}", 17,
	    buf, sizeof(buf));
	T_STREQ(buf, "418 I'm a teapot", "unknown code: the status line");
	kube_status_format(599, NULL, NULL, 0, buf, sizeof(buf));
	T_STREQ(buf, "599 HTTP error", "unknown code, no status line");
	kube_status_format(500, NULL, ctl, strlen(ctl), buf, sizeof(buf));
	T_STREQ(buf, "500 Internal Server Error: a b c",
	    "control characters become spaces");
	kube_status_format(404, NULL, NULL, 0, buf, 8);
	T_STREQ(buf, "404 Not", "short buffer truncates");
}

static void
test_backoff(void)
{
	long	 d;

	T_INTEQ(kube_backoff_ms(250, 0, -1, 0.0), 125, "first: half at least");
	d = kube_backoff_ms(250, 0, -1, 0.999);
	T_OK(d >= 125 && d < 250, "first: below the base (%ld)", d);
	T_INTEQ(kube_backoff_ms(250, 3, -1, 0.0), 1000, "doubles");
	T_INTEQ(kube_backoff_ms(250, 10, -1, 0.0), 4000, "capped: low end");
	d = kube_backoff_ms(250, 60, -1, 0.999);
	T_OK(d >= 4000 && d < 8000, "capped at 8 s, no overflow (%ld)", d);
	T_INTEQ(kube_backoff_ms(0, 1, -1, 0.0), 250, "0 base: the default");
	T_INTEQ(kube_backoff_ms(250, 2, 3, 0.5), 3000, "Retry-After: 3 s");
	T_INTEQ(kube_backoff_ms(250, 0, 0, 0.5), 0, "Retry-After: 0");
	T_INTEQ(kube_backoff_ms(250, 0, 3600, 0.5), 30000,
	    "Retry-After capped at 30 s");
}

/* Writes text to tmpdir/name; returns the path (static buffer). */
static const char *
put(const char *name, const char *text)
{
	static char	 path[512];
	char		 dir[512], *slash;
	FILE		*fp;

	(void)snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	(void)snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		(void)mkdir(dir, 0700);
	}
	if ((fp = fopen(path, "w")) == NULL) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* kube_open with o; *kp gets the handle (or NULL). */
static int
open_with(const struct kube_opts *o, struct kube **kp, char *err,
    size_t errlen)
{
	int	 result = -1;

	err[0] = '\0';
	*kp = kube_open(o, &result, err, errlen);
	return result;
}

static void
clear_env(void)
{
	(void)unsetenv("KUBECONFIG");
	(void)unsetenv("KUBERNETES_SERVICE_HOST");
	(void)unsetenv("KUBERNETES_SERVICE_PORT");
	(void)unsetenv("GWSCALE_SERVICEACCOUNT_DIR");
	(void)setenv("HOME", tmpdir, 1);
}

static void
test_open_flags(void)
{
	struct kube_opts	 o;
	struct kube		*k;
	char			 err[512], *tok, *ca;

	clear_env();
	memset(&o, 0, sizeof(o));
	o.ko_server = "https://127.0.0.1:6443/";
	o.ko_token_file = tok = strdup(put("flags/token", "test-token\n"));
	o.ko_ca_file = ca = strdup(put("flags/ca.crt", CA_PEM));
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_OK,
	    "flags: open (%s)", err);
	T_STREQ(kube_server(k), "https://127.0.0.1:6443",
	    "flags: trailing / dropped");
	T_STREQ(kube_source(k), "flags", "flags: source");
	T_STREQ(kube_namespace(k), "default", "flags: namespace default");
	kube_close(k);

	o.ko_server = "127.0.0.1:6443";
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_OK,
	    "flags: bare host:port");
	T_STREQ(kube_server(k), "https://127.0.0.1:6443",
	    "flags: https:// added");
	kube_close(k);
	free(tok);
	free(ca);
}

static void
test_open_flags_errors(void)
{
	struct kube_opts	 o;
	struct kube		*k;
	char			 err[512], want[512], *tok, *ca;

	clear_env();
	memset(&o, 0, sizeof(o));
	o.ko_token_file = tok = strdup(put("flags/token", "test-token\n"));
	o.ko_ca_file = ca = strdup(put("flags/ca.crt", CA_PEM));
	o.ko_server = "ftp://h";
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "flags: ftp refused");
	T_STREQ(err, "server \"ftp://h\": not an http or https URL",
	    "flags: ftp message");

	o.ko_server = "https://h";
	o.ko_insecure = 1;
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "flags: CA with insecure refused");
	T_STREQ(err, "--ca-file and --insecure-skip-tls-verify are both "
	    "given", "flags: CA with insecure message");
	o.ko_insecure = 0;

	free(tok);
	o.ko_token_file = tok = strdup(put("flags/empty", "\n"));
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "flags: empty token refused");
	(void)snprintf(want, sizeof(want), "token file %s: empty token",
	    o.ko_token_file);
	T_STREQ(err, want, "flags: empty token message");
	free(tok);
	o.ko_token_file = tok = strdup(put("flags/crlf",
	    "abc\r\nX-Evil: 1\n"));
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "flags: token with a line break refused");
	free(tok);
	o.ko_token_file = "/nonexistent/token";
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "flags: missing token file");
	T_STREQ(err, "token file /nonexistent/token: No such file or "
	    "directory", "flags: missing token file message");
	free(ca);
}

static void
test_open_kubeconfig(void)
{
	struct kube_opts	 o;
	struct kube		*k;
	char			 err[512], want[512], env[1024], *path;

	clear_env();
	memset(&o, 0, sizeof(o));
	path = strdup(put("kc/config", kind_cfg));
	(void)snprintf(env, sizeof(env), ":%s:/nonexistent/other", path);
	(void)setenv("KUBECONFIG", env, 1);
	/* $KUBECONFIG comes before the in-cluster config. */
	(void)setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	(void)setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_OK,
	    "KUBECONFIG: open (%s)", err);
	(void)snprintf(want, sizeof(want), "kubeconfig %s (context "
	    "kind-prod)", path);
	T_STREQ(kube_source(k), want, "KUBECONFIG: first path, source");
	T_STREQ(kube_server(k), "https://127.0.0.1:35671",
	    "KUBECONFIG: server");
	T_STREQ(kube_namespace(k), "gateway", "KUBECONFIG: namespace");
	kube_close(k);

	o.ko_context = "kind-kind";
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_OK,
	    "--context: open");
	T_STREQ(kube_namespace(k), "default", "--context: namespace default");
	kube_close(k);
	o.ko_context = "nope";
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "--context: unknown");
	(void)snprintf(want, sizeof(want), "kubeconfig %s: context \"nope\" "
	    "not found", path);
	T_STREQ(err, want, "--context: unknown, message");
	free(path);
}

static void
test_open_kubeconfig_flags(void)
{
	struct kube_opts	 o;
	struct kube		*k;
	char			 err[512], want[512], *mk;

	clear_env();
	memset(&o, 0, sizeof(o));
	(void)setenv("KUBECONFIG", "/nonexistent/kubeconfig", 1);
	/* --kubeconfig beats $KUBECONFIG; its CA file is relative. */
	o.ko_kubeconfig = mk = strdup(put("kc/minikube", CLUSTER_CFG(
	    "    server: https://192.168.49.2:8443\n"
	    "    certificate-authority: missing/ca.crt\n")));
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "--kubeconfig: missing CA file");
	(void)snprintf(want, sizeof(want), "certificate authority "
	    "%s/kc/missing/ca.crt: No such file or directory", tmpdir);
	T_STREQ(err, want, "--kubeconfig: missing CA names the file");
	o.ko_insecure = 1;
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_OK,
	    "--insecure-skip-tls-verify overrides the kubeconfig's CA");
	kube_close(k);
	o.ko_insecure = 0;
	free(mk);

	o.ko_kubeconfig = "/nonexistent/kubeconfig";
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "--kubeconfig: missing file");
	T_STREQ(err, "kubeconfig /nonexistent/kubeconfig: No such file or "
	    "directory", "--kubeconfig: missing file message");
}

static void
test_open_incluster(void)
{
	struct kube_opts	 o;
	struct kube		*k;
	char			 err[512], sa[512];

	clear_env();
	memset(&o, 0, sizeof(o));
	(void)put("sa/token", "eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.e30.sig\n");
	(void)put("sa/ca.crt", CA_PEM);
	(void)put("sa/namespace", "gateway");
	(void)snprintf(sa, sizeof(sa), "%s/sa", tmpdir);
	(void)setenv("GWSCALE_SERVICEACCOUNT_DIR", sa, 1);
	(void)setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	(void)setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_OK,
	    "in-cluster: open (%s)", err);
	T_STREQ(kube_server(k), "https://10.96.0.1:443", "in-cluster: server");
	T_STREQ(kube_source(k), "in-cluster", "in-cluster: source");
	T_STREQ(kube_namespace(k), "gateway", "in-cluster: namespace file");
	kube_close(k);

	(void)setenv("KUBERNETES_SERVICE_HOST", "fd00:10:96::1", 1);
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_OK,
	    "in-cluster IPv6: open");
	T_STREQ(kube_server(k), "https://[fd00:10:96::1]:443",
	    "in-cluster IPv6: brackets");
	kube_close(k);

	(void)setenv("KUBERNETES_SERVICE_PORT", "https", 1);
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "in-cluster: bad port");
	T_STREQ(err, "in-cluster: KUBERNETES_SERVICE_PORT \"https\": invalid",
	    "in-cluster: bad port message");
	(void)setenv("KUBERNETES_SERVICE_PORT", "443", 1);

	(void)snprintf(sa, sizeof(sa), "%s/nosa", tmpdir);
	(void)setenv("GWSCALE_SERVICEACCOUNT_DIR", sa, 1);
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "in-cluster: no service account");
	T_OK(strstr(err, "/nosa/") != NULL &&
	    strstr(err, "No such file or directory") != NULL,
	    "in-cluster: names the missing file (%s)", err);

	/* --context means a kubeconfig: in-cluster is skipped. */
	o.ko_context = "kind-prod";
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "--context in a pod without a kubeconfig");
	T_OK(strncmp(err, "no Kubernetes configuration: ", 29) == 0 &&
	    strstr(err, "--context given") != NULL,
	    "--context: says why in-cluster was not used (%s)", err);
}

static void
test_open_home(void)
{
	struct kube_opts	 o;
	struct kube		*k;
	char			 err[512], want[512];

	clear_env();
	memset(&o, 0, sizeof(o));
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "nothing configured");
	(void)snprintf(want, sizeof(want), "no Kubernetes configuration: no "
	    "--server, --kubeconfig or $KUBECONFIG, not in a cluster "
	    "(KUBERNETES_SERVICE_HOST unset) and no %s/.kube/config", tmpdir);
	T_STREQ(err, want, "nothing configured: message");
	T_OK(k == NULL, "nothing configured: no handle");

	(void)put(".kube/config", sa_cfg);
	(void)put(".kube/certs/prod-ca.pem", CA_PEM);
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_OK,
	    "$HOME/.kube/config: open (%s)", err);
	T_STREQ(kube_namespace(k), "edge", "$HOME/.kube/config: namespace");
	T_STREQ(kube_server(k), "https://k8s.example.com:6443",
	    "$HOME/.kube/config: server");
	kube_close(k);

	o.ko_context = "staging";
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_ECONFIG,
	    "$HOME/.kube/config: tokenFile missing");
	T_STREQ(err, "token file /var/run/secrets/tokens/gwscale: No such "
	    "file or directory", "tokenFile missing: message");
	o.ko_token_file = put("other-token", "t0ken\n");
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_OK,
	    "--token-file overrides the kubeconfig's tokenFile");
	kube_close(k);
}

static void
test_requests_offline(void)
{
	struct kube_opts	 o;
	struct kube_scale	 s;
	struct kube		*k;
	char			 err[512];

	clear_env();
	memset(&o, 0, sizeof(o));
	/* Nothing listens: only the argument checks run. */
	o.ko_server = "https://127.0.0.1:1";
	T_INTEQ(open_with(&o, &k, err, sizeof(err)), KUBE_OK,
	    "anonymous flags config");
	T_INTEQ(kube_get_scale(k, KUBE_DEPLOYMENT, "Default", "web", &s, err,
	    sizeof(err)), KUBE_EINVALID, "invalid namespace");
	T_OK(strncmp(err, "invalid namespace \"Default\": ", 29) == 0,
	    "invalid namespace named (%s)", err);
	T_INTEQ(kube_patch_scale(k, KUBE_STATEFULSET, "default", "web/../x",
	    2, NULL, &s, err, sizeof(err)), KUBE_EINVALID, "invalid name");
	T_OK(strncmp(err, "invalid statefulsets name \"web/../x\": ", 38)
	    == 0, "invalid name named (%s)", err);
	T_INTEQ(kube_patch_scale(k, KUBE_DEPLOYMENT, NULL, "web", -1, NULL,
	    &s, err, sizeof(err)), KUBE_EINVALID, "negative replicas");
	T_STREQ(err, "invalid replica count -1", "negative replicas message");
	kube_close(k);
}

static void
rm_tree(void)
{
	char	 cmd[600];

	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
}

int
main(void)
{
	const char	*t = getenv("TMPDIR");

	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/test_kubeconfig.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_kind();
	test_files();
	test_tokens();
	test_errors();
	test_names();
	test_http();
	test_scale();
	test_status();
	test_backoff();
	test_open_flags();
	test_open_flags_errors();
	test_open_kubeconfig();
	test_open_kubeconfig_flags();
	test_open_incluster();
	test_open_home();
	test_requests_offline();
	rm_tree();
	return t_done();
}
