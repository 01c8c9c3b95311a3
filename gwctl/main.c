/*
 * gwctl: the operator's tool for the gw database.
 *
 * main() parses the global options, records who runs which command (for
 * the config history) and dispatches.  Global options are accepted before
 * and after the command, as kubectl does: every command parses its own
 * options with opt_next(), which also handles the global ones.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgdb.h"
#include "config.h"
#include "db.h"
#include "gwctl.h"
#include "opt.h"
#include "str.h"

struct gwctl gwctl;

struct command {
	const char	*c_name;
	int		(*c_fn)(int, char **);
};

static const struct command commands[] = {
	{ "init",	cmd_init },
	{ "service",	cmd_service },
	{ "backend",	cmd_backend },
	{ "route",	cmd_route },
	{ "scale",	cmd_scale },
	{ "get",	cmd_get },
	{ "describe",	cmd_describe },
	{ "export",	cmd_export },
	{ "apply",	cmd_apply },
	{ "diff",	cmd_diff },
	{ "validate",	cmd_validate },
	{ "history",	cmd_history },
	{ "rollback",	cmd_rollback },
	{ "proxy",	cmd_proxy },
	{ "status",	cmd_status },
};

static const struct option global_longopts[] = {
	{ "db",		required_argument,	NULL,	OPT_DB },
	{ "output",	required_argument,	NULL,	'o' },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	OPT_VERSION },
	{ NULL,		0,			NULL,	0 }
};

/* Handles one global option; returns 1 when c was one. */
int
opt_global(int c, const char *arg, const char *command)
{
	switch (c) {
	case OPT_DB:
		gwctl.g_db_path = arg;
		return 1;
	case 'o':
		if (strcmp(arg, "table") == 0)
			gwctl.g_output = OUT_TABLE;
		else if (strcmp(arg, "json") == 0)
			gwctl.g_output = OUT_JSON;
		else if (strcmp(arg, "yaml") == 0)
			gwctl.g_output = OUT_YAML;
		else
			usage_error(command, "invalid output format \"%s\": "
			    "expected table, json or yaml", arg);
		gwctl.g_output_set = 1;
		return 1;
	case 'q':
		gwctl.g_quiet = 1;
		return 1;
	case 'h':
		usage_print(stdout, command);
		exit(0);
	case OPT_VERSION:
		printf("gwctl %s\n", GWCTL_VERSION);
		exit(0);
	case '?':
		usage_print(stderr, command);
		exit(EXIT_USAGE);
	case ':':
		usage_print(stderr, command);
		exit(EXIT_USAGE);
	default:
		return 0;
	}
}

/*
 * getopt_long over the command's options plus the global ones.  Returns
 * the next command option, or -1 at the end (positional arguments are then
 * argv[optind..]).  opts must stay the same across calls for one argv.
 */
int
opt_next(int argc, char **argv, const char *command, const char *shortopts,
    const struct option *opts)
{
	static struct option	 merged[64];
	static const struct option *merged_for;
	static char		 shorts[64];
	size_t			 n = 0, i;
	int			 c;

	if (merged_for != opts || opts == NULL) {
		for (i = 0; opts != NULL && opts[i].name != NULL; i++)
			merged[n++] = opts[i];
		for (i = 0; global_longopts[i].name != NULL; i++)
			merged[n++] = global_longopts[i];
		memset(&merged[n], 0, sizeof(merged[n]));
		snprintf(shorts, sizeof(shorts), ":o:qh%s",
		    shortopts ? shortopts : "");
		merged_for = opts;
	}
	for (;;) {
		c = getopt_long(argc, argv, shorts, merged, NULL);
		if (c == -1)
			return -1;
		if (c == ':')
			usage_error(command, "option %s needs an argument",
			    argv[optind - 1]);
		if (c == '?') {
			if (optopt != 0)
				usage_error(command, "unknown option -%c",
				    optopt);
			usage_error(command, "unknown option %s",
			    argv[optind - 1]);
		}
		if (!opt_global(c, optarg, command))
			return c;
	}
}

/* Resets getopt for a new argv (glibc: optind 0 reinitialises). */
void
opt_reset(void)
{
	optind = 0;
}

/* The command line, shell-quoted where needed, for the history. */
static char *
command_line(int argc, char **argv)
{
	struct gw_buf	 b = { 0 };
	const char	*p;
	int		 i;

	gw_buf_puts(&b, "gwctl");
	for (i = 1; i < argc; i++) {
		gw_buf_puts(&b, " ");
		if (argv[i][0] != '\0' &&
		    strspn(argv[i], "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@%+[]") ==
		    strlen(argv[i])) {
			gw_buf_puts(&b, argv[i]);
			continue;
		}
		gw_buf_puts(&b, "'");
		for (p = argv[i]; *p != '\0'; p++) {
			if (*p == '\'')
				gw_buf_puts(&b, "'\\''");
			else
				gw_buf_append(&b, p, 1);
		}
		gw_buf_puts(&b, "'");
	}
	return gw_buf_take(&b);
}

int
main(int argc, char **argv)
{
	size_t		 i;
	int		 c, rc;

	/* Global options before the command; stop at the first word. */
	while ((c = getopt_long(argc, argv, "+:o:qh", global_longopts,
	    NULL)) != -1) {
		if (c == ':')
			usage_error(NULL, "option %s needs an argument",
			    argv[optind - 1]);
		if (c == '?')
			usage_error(NULL, "unknown option %s",
			    argv[optind - 1]);
		opt_global(c, optarg, NULL);
	}
	if (optind >= argc)
		usage_error(NULL, "missing command");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].c_name) != 0)
			continue;
		gwctl.g_command = command_line(argc, argv);
		gwctl.g_user = gw_config_change_user();
		rc = commands[i].c_fn(argc - optind, argv + optind);
		free(gwctl.g_command);
		free(gwctl.g_user);
		return rc;
	}
	usage_error(NULL, "unknown command \"%s\"", argv[optind]);
}
