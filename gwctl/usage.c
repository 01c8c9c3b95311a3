/*
 * usage: gwctl's usage text, the source of truth for gwctl(8)'s SYNOPSIS
 * (tests/bats/gwctl_docs.bats compares the two).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gwctl.h"

struct usage_cmd {
	const char	*u_name;	/* "service", "get", ... */
	const char	*u_lines;	/* synopsis lines, newline separated */
};

static const struct usage_cmd usage_cmds[] = {
	{ "init", "init" },
	{ "service",
	  "service add NAME [service-options]\n"
	  "service set NAME [service-options]\n"
	  "service rm NAME" },
	{ "backend",
	  "backend add SERVICE ADDR [--weight N] [--state STATE]\n"
	  "backend set SERVICE ADDR [--weight N] [--state STATE]\n"
	  "backend rm SERVICE ADDR\n"
	  "backend drain|enable|disable SERVICE ADDR" },
	{ "route",
	  "route add NAME --service S [route-options]\n"
	  "route set NAME [--service S] [route-options] [--unset FIELD]...\n"
	  "route rm NAME" },
	{ "scale",
	  "scale add NAME --workload [KIND/]NAME --max N --metric SPEC "
	  "[scale-options]\n"
	  "scale set NAME [scale-options]\n"
	  "scale rm NAME [--dry-run]\n"
	  "scale get [NAME]\n"
	  "scale history NAME [--limit N] [--since DURATION|TIME]" },
	{ "get",
	  "get services|backends|routes|all [NAME] [--service S]\n"
	  "get health [SERVICE]\n"
	  "get events [--since DURATION|TIME] [--service S] [--limit N]\n"
	  "get scale" },
	{ "describe", "describe service|backend|route|scale NAME" },
	{ "export", "export" },
	{ "apply", "apply -f FILE [--prune] [--dry-run]" },
	{ "diff", "diff -f FILE [--prune]" },
	{ "validate", "validate -f FILE [--prune]" },
	{ "history", "history [--limit N] [GEN]" },
	{ "rollback", "rollback GEN [--dry-run]" },
	{ "proxy", "proxy info|stats|backends|routes|reload [--socket PATH]" },
	{ "status", "status" },
};

static const char usage_route_opts[] =
"route options:\n"
"  --service S             the service that serves the route (required by add)\n"
"  --host H                exact host or *.suffix (default: any host)\n"
"  --prefix P              match paths under prefix P (default: --prefix /)\n"
"  --path P                match the path P exactly\n"
"  --regex RE              match paths with the POSIX extended regex RE\n"
"  --method M              match method M; repeat for more (default: any)\n"
"  --header K=V            match header K equal to V; K alone: present;\n"
"                          repeatable\n"
"  --rewrite P             replace the matched prefix (or path) with P\n"
"  --priority N            higher wins, -1000000..1000000 (default 0)\n"
"  --timeout D             request timeout for this route (default: the\n"
"                          service's)\n"
"  --response-timeout D    time to the response head for this route\n"
"                          (default: the service's)\n"
"  --set-header K=V        set request header K; repeatable\n"
"  --add-header K=V        add request header K; repeatable\n"
"  --remove-header K       remove request header K; repeatable\n"
"  --set-response-header K=V, --add-response-header K=V,\n"
"  --remove-response-header K\n"
"                          the same for the response\n"
"  --unset FIELD           (set only) clear host, methods, headers, rewrite,\n"
"                          timeout, response-timeout, request-headers or\n"
"                          response-headers\n";

static const char usage_backend_opts[] =
"backend options:\n"
"  --weight N              relative weight, 1..256 (default 1)\n"
"  --state STATE           enabled, drain or disabled (default enabled)\n";

static const char usage_scale_opts[] =
"scale options:\n"
"  --workload [KIND/]NAME  the workload to scale; KIND deployment (default),\n"
"                          statefulset or replicaset (required by add)\n"
"  --namespace NS          its Kubernetes namespace (default default)\n"
"  --max N                 most replicas, 1..100000 (required by add)\n"
"  --min N                 fewest replicas, 0 (scale to zero)..100000\n"
"                          (default 1)\n"
"  --tolerance X           no scaling while current/target is within X of 1,\n"
"                          0 <= X < 1 (default 0.1)\n"
"  --downscale-stabilization D\n"
"                          the window whose highest recommendation is\n"
"                          taken when scaling down without a behavior,\n"
"                          0s..1h (default 5m)\n"
"  --cooldown D            idle time before scaling to zero, 0s..24h\n"
"                          (default 5m)\n"
"  --metric SPEC           a metric as KEY=VALUE,...: type, target, source,\n"
"                          service, metric, url, window, activation, and\n"
"                          query last; repeat for more; set replaces all\n"
"  --behavior JSON|@FILE   the HPA v2 behavior (scaleUp, scaleDown) as JSON\n"
"                          (default: none, the HPA's legacy path)\n"
"  --no-behavior           (set only) back to no behavior\n"
"  --dry-run               print what would change, write nothing\n"
"scale history options:\n"
"  --limit N               the newest N decisions, 0: all (default 20)\n"
"  --since DURATION|TIME   only decisions of the last DURATION or since TIME\n"
"                          (default: all)\n";

static const char usage_proxy_opts[] =
"proxy options:\n"
"  --socket PATH           gwproxy's control socket (default gwproxy.sock\n"
"                          in the database's directory)\n";

static void
usage_service_opts(FILE *fp)
{
	const struct gw_field	*f;
	const char *const	*e;
	char			 flag[64], line[256];
	int			 n;
	size_t			 i;

	fprintf(fp, "service options:\n");
	for (i = 0; i < gw_service_nfields; i++) {
		f = &gw_service_fields[i];
		snprintf(flag, sizeof(flag), "--%s %s", f->f_flag,
		    f->f_type == GW_FT_DURATION ? "D" :
		    f->f_type == GW_FT_ENUM ? "WORD" :
		    f->f_type == GW_FT_STR ? "S" : "N");
		/* A flag too long for its column gets a line of its own. */
		if (strlen(flag) > 23) {
			fprintf(fp, "  %s\n", flag);
			flag[0] = '\0';
		}
		/* Keep to 80 columns: the default goes below when long. */
		n = snprintf(line, sizeof(line), "  %-23s %s (default %s)",
		    flag, f->f_help, f->f_default ? f->f_default : "unset");
		if (n < 80)
			fprintf(fp, "%s\n", line);
		else
			fprintf(fp, "  %-23s %s\n  %-23s (default %s)\n",
			    flag, f->f_help, "",
			    f->f_default ? f->f_default : "unset");
		if (f->f_type != GW_FT_ENUM)
			continue;
		fprintf(fp, "  %-23s one of:", "");
		for (e = f->f_enum; *e != NULL; e++)
			fprintf(fp, " %s", *e);
		fputc('\n', fp);
	}
}

void
usage_print(FILE *fp, const char *command)
{
	const char	*p, *nl;
	size_t		 i;
	int		 first = 1;

	for (i = 0; i < sizeof(usage_cmds) / sizeof(usage_cmds[0]); i++) {
		if (command != NULL && strcmp(command, usage_cmds[i].u_name))
			continue;
		for (p = usage_cmds[i].u_lines; *p != '\0'; p = nl) {
			nl = strchr(p, '\n');
			if (nl == NULL)
				nl = p + strlen(p);
			fprintf(fp, "%s gwctl [global-options] %.*s\n",
			    first ? "usage:" : "      ", (int)(nl - p), p);
			first = 0;
			if (*nl == '\n')
				nl++;
		}
	}
	if (command == NULL)
		fprintf(fp, "       gwctl -h | --help | --version\n");
	fprintf(fp, "global options:\n"
	    "  --db PATH               the database (default $GW_DB, "
	    "else ./gw.db)\n"
	    "  -o, --output FORMAT     table, json or yaml (default table)\n"
	    "  -q, --quiet             print nothing on success\n");
	if (command == NULL || strcmp(command, "service") == 0)
		usage_service_opts(fp);
	if (command == NULL || strcmp(command, "backend") == 0)
		fputs(usage_backend_opts, fp);
	if (command == NULL || strcmp(command, "route") == 0)
		fputs(usage_route_opts, fp);
	if (command == NULL || strcmp(command, "scale") == 0)
		fputs(usage_scale_opts, fp);
	if (command == NULL || strcmp(command, "proxy") == 0)
		fputs(usage_proxy_opts, fp);
}

void
usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gwctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage_print(stderr, command);
	exit(EXIT_USAGE);
}
