/*
 * gwscale: decides replica counts like the Kubernetes HPA (plus scale to
 * and from zero, as KEDA does) from the gateway's traffic or Prometheus,
 * and writes them to the Kubernetes scale subresource.  main() parses the
 * options and runs one command: once, run, decide or simulate.
 */
#include <err.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "duration.h"
#include "gwscale.h"
#include "kube.h"
#include "log.h"
#include "str.h"

#define GS_VERSION	"gwscale 0.1"

static const char usage_text[] =
"usage: gwscale [--db PATH] [--kubeconfig PATH] [--context NAME]\n"
"               [--server URL] [--token-file PATH] [--ca-file PATH]\n"
"               [--insecure-skip-tls-verify] [--timeout D] [--retries N]\n"
"               [--retention D|off] [--dry-run] [--log-format text|json]\n"
"               [-nv] once [TARGET ...]\n"
"       gwscale [once's options] [--interval D] run [TARGET ...]\n"
"       gwscale decide\n"
"       gwscale [--db PATH] [--replicas N] [--interval D]\n"
"               [-o table|json|svg] simulate TARGET FILE\n"
"       gwscale -h | --help | --version\n"
"options:\n"
"  --db PATH               the database (default $GW_DB, else ./gw.db)\n"
"  --kubeconfig PATH       the kubeconfig (default $KUBECONFIG, else the\n"
"                          in-cluster service account, else\n"
"                          ~/.kube/config)\n"
"  --context NAME          the kubeconfig context (default its\n"
"                          current-context)\n"
"  --server URL            the API server, instead of a kubeconfig\n"
"                          (default none)\n"
"  --token-file PATH       the bearer token, read before each request;\n"
"                          replaces a kubeconfig's (default none)\n"
"  --ca-file PATH          the CA bundle; replaces a kubeconfig's (default\n"
"                          the system's with --server)\n"
"  --insecure-skip-tls-verify  do not verify the server's certificate\n"
"                          (default verify)\n"
"  --timeout D             time limit of one Kubernetes or Prometheus\n"
"                          request (default 10s)\n"
"  --retries N             retries of a Kubernetes request that met 429,\n"
"                          5xx or a network error, with backoff from\n"
"                          250ms doubling (default 4)\n"
"  --retention D|off       how long decisions are kept (default 7d)\n"
"  --dry-run               decide and record, never write to the API\n"
"                          (default write)\n"
"  -n                      print what would be done; write nothing\n"
"                          (default off)\n"
"  --interval D            how often run decides, and simulate's decision\n"
"                          interval (default 15s)\n"
"  --replicas N            simulate: the replica count at the start\n"
"                          (default the target's min_replicas, at least 1)\n"
"  -o table|json|svg       simulate: the output (default table)\n"
"  --log-format text|json  log lines on stderr (default text)\n"
"  -v                      log every metric read (debug level; default\n"
"                          off)\n";

#define usage(status, ...) \
	gw_usage("gwscale", usage_text, (status), __VA_ARGS__)

enum {
	O_DB = 256, O_KUBECONFIG, O_CONTEXT, O_SERVER, O_TOKEN_FILE,
	O_CA_FILE, O_INSECURE, O_TIMEOUT, O_RETENTION, O_DRY_RUN,
	O_INTERVAL, O_REPLICAS, O_RETRIES, O_LOGFMT, O_VERSION
};

static const struct option longopts[] = {
	{ "db",			required_argument,	NULL,	O_DB },
	{ "kubeconfig",		required_argument,	NULL,	O_KUBECONFIG },
	{ "context",		required_argument,	NULL,	O_CONTEXT },
	{ "server",		required_argument,	NULL,	O_SERVER },
	{ "token-file",		required_argument,	NULL,	O_TOKEN_FILE },
	{ "ca-file",		required_argument,	NULL,	O_CA_FILE },
	{ "insecure-skip-tls-verify", no_argument,	NULL,	O_INSECURE },
	{ "timeout",		required_argument,	NULL,	O_TIMEOUT },
	{ "retention",		required_argument,	NULL,	O_RETENTION },
	{ "dry-run",		no_argument,		NULL,	O_DRY_RUN },
	{ "interval",		required_argument,	NULL,	O_INTERVAL },
	{ "replicas",		required_argument,	NULL,	O_REPLICAS },
	{ "retries",		required_argument,	NULL,	O_RETRIES },
	{ "log-format",		required_argument,	NULL,	O_LOGFMT },
	{ "help",		no_argument,		NULL,	'h' },
	{ "version",		no_argument,		NULL,	O_VERSION },
	{ NULL,			0,			NULL,	0 }
};

static int64_t
opt_duration(const char *opt, const char *s, int64_t min, int off_ok)
{
	const char	*e;
	int64_t		 ms;

	if (off_ok && strcmp(s, "off") == 0)
		return 0;
	if (gw_duration_parse(s, &ms, &e) == -1)
		usage(2, "%s: invalid duration \"%s\": %s", opt, s, e);
	if (ms < min)
		usage(2, "%s: invalid duration \"%s\": less than %lldms", opt,
		    s, (long long)min);
	return ms;
}

int
gs_exit_of_kube(int r)
{
	switch (r) {
	case KUBE_OK:			return GS_EXIT_OK;
	case KUBE_ECONFIG:		return GS_EXIT_CONFIG;
	case KUBE_EUNAUTHORIZED:	return GS_EXIT_UNAUTHORIZED;
	case KUBE_EFORBIDDEN:		return GS_EXIT_FORBIDDEN;
	case KUBE_ENOTFOUND:		return GS_EXIT_NOT_FOUND;
	case KUBE_ECONFLICT:		return GS_EXIT_CONFLICT;
	case KUBE_EINVALID:		return GS_EXIT_INVALID;
	case KUBE_EUNAVAILABLE:		return GS_EXIT_UNAVAILABLE;
	default:			return GS_EXIT_FAIL;
	}
}

static void
parse_options(struct gs *g, int argc, char **argv)
{
	enum gw_log_format	 fmt = GW_LOG_TEXT;
	const char		*e;
	int			 ch;

	while ((ch = getopt_long(argc, argv, "hno:v", longopts, NULL)) != -1) {
		switch (ch) {
		case O_DB:		g->gs_db_path = optarg; break;
		case O_KUBECONFIG:	g->gs_kube.ko_kubeconfig = optarg; break;
		case O_CONTEXT:		g->gs_kube.ko_context = optarg; break;
		case O_SERVER:		g->gs_kube.ko_server = optarg; break;
		case O_TOKEN_FILE:	g->gs_kube.ko_token_file = optarg; break;
		case O_CA_FILE:		g->gs_kube.ko_ca_file = optarg; break;
		case O_INSECURE:	g->gs_kube.ko_insecure = 1; break;
		case O_TIMEOUT:
			g->gs_timeout_ms = opt_duration("--timeout", optarg,
			    1, 0);
			break;
		case O_RETENTION:
			g->gs_retention_ms = opt_duration("--retention",
			    optarg, 60000, 1);
			break;
		case O_DRY_RUN:		g->gs_dry_run = 1; break;
		case 'n':		g->gs_print = 1; break;
		case O_INTERVAL:
			g->gs_interval_ms = opt_duration("--interval", optarg,
			    1000, 0);
			break;
		case O_REPLICAS:
			g->gs_replicas = (int32_t)gw_strtonum(optarg, 0,
			    100000, &e);
			if (e != NULL)
				usage(2, "--replicas: invalid count \"%s\": "
				    "%s", optarg, e);
			break;
		case O_RETRIES:
			g->gs_kube.ko_retries = (int)gw_strtonum(optarg, 0,
			    20, &e);
			if (e != NULL)
				usage(2, "--retries: invalid count \"%s\": %s",
				    optarg, e);
			break;
		case 'o':		g->gs_output = optarg; break;
		case O_LOGFMT:
			if (gw_log_format_parse(optarg, &fmt, &e) == -1)
				usage(2, "--log-format: %s", e);
			break;
		case 'v':		g->gs_verbose = 1; break;
		case 'h':		usage(0, NULL);
		case O_VERSION:		puts(GS_VERSION); exit(0);
		default:		usage(2, NULL);
		}
	}
	gw_log_init("gwscale", fmt, g->gs_verbose ? GW_LOG_DEBUG :
	    GW_LOG_INFO);
}

int
main(int argc, char **argv)
{
	struct gs	 g;
	const char	*cmd;

	memset(&g, 0, sizeof(g));
	g.gs_interval_ms = GS_INTERVAL_MS;
	g.gs_timeout_ms = GS_TIMEOUT_MS;
	g.gs_retention_ms = GS_RETENTION_MS;
	g.gs_replicas = -1;
	g.gs_kube.ko_retries = -1;
	parse_options(&g, argc, argv);
	g.gs_kube.ko_timeout_ms = (long)g.gs_timeout_ms;
	if (optind >= argc)
		usage(2, "no command (once, run, decide or simulate)");
	cmd = argv[optind++];
	g.gs_targets = argv + optind;
	g.gs_ntargets = argc - optind;
	if (g.gs_output != NULL && strcmp(cmd, "simulate") != 0)
		usage(2, "-o: only simulate takes it");
	if (g.gs_replicas != -1 && strcmp(cmd, "simulate") != 0)
		usage(2, "--replicas: only simulate takes it");
	if (strcmp(cmd, "decide") == 0) {
		if (g.gs_ntargets != 0)
			usage(2, "decide: unexpected argument \"%s\"",
			    g.gs_targets[0]);
		return decide_main();
	}
	if (strcmp(cmd, "simulate") == 0) {
		if (g.gs_ntargets != 2)
			usage(2, "simulate: expected TARGET FILE");
		return simulate_main(&g, g.gs_targets[0], g.gs_targets[1]);
	}
	if (strcmp(cmd, "once") == 0 || strcmp(cmd, "run") == 0) {
		if (g.gs_print && strcmp(cmd, "run") == 0)
			usage(2, "-n: only once takes it");
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			errx(1, "cannot initialise libcurl");
		return sync_main(&g, cmd[0] == 'r');
	}
	usage(2, "unknown command \"%s\" (once, run, decide or simulate)",
	    cmd);
}
