/*
 * cmd_proxy: gwctl proxy, a running gwproxy's state through its control
 * socket (common/ctl.h).  gwctl sends one command line, "show info" or
 * "reload", prefixed with "json" for -o json and -o yaml, and prints the
 * reply: the text form as gwproxy wrote it, the JSON form reformatted like
 * every other gwctl output.  It never opens the database: the default
 * socket path is only derived from the database's path, the way gwproxy
 * derives it, so both agree without asking the file.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "db.h"
#include "gwctl.h"
#include "opt.h"
#include "str.h"

/*
 * A bound on the whole exchange.  gwproxy answers from memory in its admin
 * thread, so anything slower means it is stuck, and a script should learn
 * that rather than hang.
 */
#define PROXY_TIMEOUT_MS	5000

enum { OPT_SOCKET = OPT_FIRST_CMD };

/* gwctl's word, and the control command it stands for. */
static const struct {
	const char	*pc_word;
	const char	*pc_line;
} proxy_cmds[] = {
	{ "info",	"show info" },
	{ "stats",	"show stats" },
	{ "backends",	"show backends" },
	{ "routes",	"show routes" },
	{ "reload",	"reload" },
};

/* Prints a JSON reply without its "ok" (the exit status says that). */
static int
proxy_print_json(const char *path, const char *reply)
{
	json_t		*j, *ok, *e;
	json_error_t	 jerr;

	if ((j = json_loads(reply, 0, &jerr)) == NULL ||
	    !json_is_object(j) || !json_is_boolean(ok = json_object_get(j,
	    "ok"))) {
		warnx("%s: not a JSON reply from gwproxy", path);
		json_decref(j);
		return 1;
	}
	if (!json_is_true(ok)) {
		e = json_object_get(j, "error");
		warnx("%s: %s", path, json_is_string(e) ? json_string_value(e) :
		    "error");
		json_decref(j);
		return 1;
	}
	json_object_del(j, "ok");
	print_json_or_yaml(j);
	json_decref(j);
	return 0;
}

int
cmd_proxy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket",	required_argument,	NULL,	OPT_SOCKET },
		{ NULL,		0,			NULL,	0 }
	};
	const char	*cmd = NULL;
	char		*path = NULL, *line, *reply, errbuf[1024];
	size_t		 i;
	int		 c, json, rc = 0;

	opt_reset();
	while ((c = opt_next(argc, argv, "proxy", NULL, opts)) != -1)
		if (c == OPT_SOCKET) {
			free(path);
			path = gw_strdup(optarg);
		}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage_error("proxy", "missing command: info, stats, backends, "
		    "routes or reload");
	for (i = 0; i < sizeof(proxy_cmds) / sizeof(proxy_cmds[0]); i++)
		if (strcmp(argv[0], proxy_cmds[i].pc_word) == 0)
			cmd = proxy_cmds[i].pc_line;
	if (cmd == NULL)
		usage_error("proxy", "unknown proxy command \"%s\"", argv[0]);
	if (argc > 1)
		usage_error("proxy", "unexpected argument \"%s\"", argv[1]);
	if (path == NULL)
		path = gw_ctl_default_path(gw_db_path(gwctl.g_db_path));

	json = gwctl.g_output != OUT_TABLE;
	line = gw_asprintf("%s%s", json ? "json " : "", cmd);
	if (gw_ctl_request(path, line, PROXY_TIMEOUT_MS, &reply, errbuf,
	    sizeof(errbuf)) == -1) {
		/* errbuf starts with the path: "PATH: connect: ..." */
		warnx("%s", errbuf);
		rc = 1;
	} else if (json)
		rc = proxy_print_json(path, reply);
	else if (strncmp(reply, "error: ", 7) == 0) {
		warnx("%s: %.*s", path, (int)strcspn(reply + 7, "\n"),
		    reply + 7);
		rc = 1;
	} else if (!gwctl.g_quiet || strcmp(cmd, "reload") != 0)
		fputs(reply, stdout);
	free(reply);
	free(line);
	free(path);
	return rc;
}
