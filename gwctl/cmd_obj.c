/*
 * cmd_obj: gwctl init, and the imperative editing commands:
 * service add|set|rm, backend add|set|rm|drain|enable|disable,
 * route add|set|rm.
 *
 * Each command parses and checks its arguments before touching the
 * database (a bad value is reported naming the option and the value), then
 * hands an edit function to commit_config(), which validates the whole
 * resulting config and writes it as one generation.  Success is quiet.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "addr.h"
#include "config.h"
#include "db.h"
#include "duration.h"
#include "gwctl.h"
#include "opt.h"
#include "schema.h"
#include "str.h"

enum obj_op {
	OP_ADD,
	OP_SET,
	OP_RM,
	OP_STATE	/* backend drain|enable|disable */
};

static int
op_parse(const char *cmd, const char *word, int allow_state)
{
	if (word == NULL)
		usage_error(cmd, "missing subcommand");
	if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0) {
		usage_print(stdout, cmd);
		exit(0);
	}
	if (strcmp(word, "add") == 0)
		return OP_ADD;
	if (strcmp(word, "set") == 0)
		return OP_SET;
	if (strcmp(word, "rm") == 0)
		return OP_RM;
	if (allow_state && (strcmp(word, "drain") == 0 ||
	    strcmp(word, "enable") == 0 || strcmp(word, "disable") == 0))
		return OP_STATE;
	usage_error(cmd, "unknown subcommand \"%s\"", word);
}

static struct commit_opts quiet_commit = { 0, 0, 0, 0, NULL, NULL };

int
cmd_init(int argc, char **argv)
{
	sqlite3		*db;
	const char	*path;
	char		 errbuf[512];
	int		 from;

	opt_reset();
	while (opt_next(argc, argv, "init", NULL, NULL) != -1)
		;
	if (optind != argc)
		usage_error("init", "unexpected argument \"%s\"",
		    argv[optind]);
	path = gw_db_path(gwctl.g_db_path);
	if ((db = gw_db_open(path, GW_DB_CREATE, errbuf, sizeof(errbuf))) ==
	    NULL)
		errx(1, "%s: %s", path, errbuf);
	if (gw_schema_migrate(db, gw_migrations, gw_nmigrations, &from,
	    errbuf, sizeof(errbuf)) == -1) {
		gw_db_close(db);
		errx(1, "%s: %s", path, errbuf);
	}
	gw_db_close(db);
	if (!gwctl.g_quiet && from == 0)
		printf("%s: created (schema version %d)\n", path,
		    GW_SCHEMA_VERSION);
	else if (!gwctl.g_quiet && from < GW_SCHEMA_VERSION)
		printf("%s: migrated from schema version %d to %d\n", path,
		    from, GW_SCHEMA_VERSION);
	return 0;
}

/*
 * service
 */
#define SVC_MAXSET	64

struct svc_args {
	int			 sa_op;
	const char		*sa_name;
	const struct gw_field	*sa_fields[SVC_MAXSET];
	const char		*sa_values[SVC_MAXSET];
	size_t			 sa_n;
};

static int
svc_edit(sqlite3 *db, struct gw_config *cf, void *arg)
{
	struct svc_args		*sa = arg;
	struct gw_service	*sv;
	const char		*errstr;
	long			 i;
	size_t			 k;

	(void)db;
	i = gw_config_find_service(cf, sa->sa_name);
	if (sa->sa_op == OP_ADD) {
		if (i >= 0) {
			warnx("service \"%s\" already exists", sa->sa_name);
			return -1;
		}
		sv = gw_config_new_service(cf);
		gw_service_init(sv, sa->sa_name);
	} else if (i < 0) {
		warnx("service \"%s\" not found", sa->sa_name);
		return -1;
	} else
		sv = &cf->cf_services[i];
	if (sa->sa_op == OP_RM) {
		for (k = 0; k < cf->cf_nroutes; k++) {
			if (strcmp(cf->cf_routes[k].rt_service,
			    sa->sa_name) != 0)
				continue;
			warnx("service \"%s\" is used by route \"%s\"; "
			    "remove the route or move it to another service "
			    "first", sa->sa_name, cf->cf_routes[k].rt_name);
			return -1;
		}
		/* Its backends go with it, each recorded in the history. */
		for (k = cf->cf_nbackends; k-- > 0;)
			if (strcmp(cf->cf_backends[k].be_service,
			    sa->sa_name) == 0)
				gw_config_remove_backend(cf, k);
		gw_config_remove_service(cf, (size_t)i);
		return 0;
	}
	for (k = 0; k < sa->sa_n; k++)
		if (gw_field_set(sa->sa_fields[k], sv, sa->sa_values[k],
		    &errstr) == -1) {
			/* Checked in cmd_service; cannot fail here. */
			warnx("service \"%s\": invalid %s \"%s\": %s",
			    sa->sa_name, sa->sa_fields[k]->f_flag,
			    sa->sa_values[k], errstr);
			return -1;
		}
	return 0;
}

int
cmd_service(int argc, char **argv)
{
	struct option		 opts[SVC_MAXSET + 1];
	struct svc_args		 sa;
	struct gw_service	 scratch;
	const struct gw_field	*f;
	const char		*errstr;
	size_t			 i;
	int			 c, bad = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_op = op_parse("service", argc > 1 ? argv[1] : NULL, 0);
	memset(opts, 0, sizeof(opts));
	for (i = 0; i < gw_service_nfields && i < SVC_MAXSET; i++) {
		opts[i].name = gw_service_fields[i].f_flag;
		opts[i].has_arg = required_argument;
		opts[i].val = OPT_FIRST_CMD + (int)i;
	}
	if (sa.sa_op == OP_RM)
		memset(opts, 0, sizeof(opts));
	opt_reset();
	while ((c = opt_next(argc - 1, argv + 1, "service", NULL, opts)) !=
	    -1) {
		if (sa.sa_n == SVC_MAXSET)
			usage_error("service", "too many options");
		sa.sa_fields[sa.sa_n] = &gw_service_fields[c - OPT_FIRST_CMD];
		sa.sa_values[sa.sa_n++] = optarg;
	}
	argc -= optind + 1;
	argv += optind + 1;
	if (argc < 1)
		usage_error("service", "missing service name");
	if (argc > 1)
		usage_error("service", "unexpected argument \"%s\"", argv[1]);
	sa.sa_name = argv[0];
	if (gw_name_check(sa.sa_name, &errstr) == -1)
		errx(1, "invalid service name \"%s\": %s", sa.sa_name, errstr);
	if (sa.sa_op == OP_SET && sa.sa_n == 0)
		usage_error("service", "service set: nothing to set");
	/* Check every value now, so all bad ones are named at once. */
	gw_service_init(&scratch, sa.sa_name);
	for (i = 0; i < sa.sa_n; i++) {
		f = sa.sa_fields[i];
		if (gw_field_set(f, &scratch, sa.sa_values[i], &errstr) ==
		    -1) {
			warnx("service \"%s\": invalid %s \"%s\": %s",
			    sa.sa_name, f->f_flag, sa.sa_values[i], errstr);
			bad = 1;
		}
	}
	gw_service_free(&scratch);
	if (bad)
		return 1;
	return commit_config(svc_edit, &sa, &quiet_commit);
}

/*
 * backend
 */
struct be_args {
	int		 ba_op;
	const char	*ba_service;
	struct gw_addr	 ba_addr;
	int		 ba_weight;	/* -1: not given */
	int		 ba_state;	/* -1: not given */
	char		 ba_id[GW_ADDR_STR_MAX + GW_NAME_MAX + 2];
};

static int
be_edit(sqlite3 *db, struct gw_config *cf, void *arg)
{
	struct be_args		*ba = arg;
	struct gw_backend	*be;
	long			 i;

	(void)db;
	i = gw_config_find_backend(cf, ba->ba_service, ba->ba_addr.ad_host,
	    ba->ba_addr.ad_port);
	if (ba->ba_op == OP_ADD && i >= 0 &&
	    cf->cf_backends[i].be_source == GW_BE_DNS) {
		/*
		 * Adding what discovery found makes it static, as added:
		 * discovery no longer removes it when DNS drops it.
		 */
		be = &cf->cf_backends[i];
		be->be_weight = GW_WEIGHT_DEFAULT;
		be->be_state = GW_ADMIN_ENABLED;
		be->be_source = GW_BE_STATIC;
	} else if (ba->ba_op == OP_ADD) {
		if (i >= 0) {
			warnx("backend \"%s\" already exists", ba->ba_id);
			return -1;
		}
		if (gw_config_find_service(cf, ba->ba_service) < 0) {
			warnx("backend \"%s\": unknown service \"%s\"",
			    ba->ba_id, ba->ba_service);
			return -1;
		}
		be = gw_config_new_backend(cf);
		gw_backend_init(be, ba->ba_service, ba->ba_addr.ad_host,
		    ba->ba_addr.ad_port);
	} else if (i < 0) {
		if (gw_config_find_service(cf, ba->ba_service) < 0)
			warnx("backend \"%s\": unknown service \"%s\"",
			    ba->ba_id, ba->ba_service);
		else
			warnx("backend \"%s\" not found", ba->ba_id);
		return -1;
	} else
		be = &cf->cf_backends[i];
	if (ba->ba_op == OP_RM) {
		gw_config_remove_backend(cf, (size_t)i);
		return 0;
	}
	if (ba->ba_weight != -1)
		be->be_weight = ba->ba_weight;
	if (ba->ba_state != -1)
		be->be_state = ba->ba_state;
	return 0;
}

int
cmd_backend(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "weight",	required_argument,	NULL,	'w' },
		{ "state",	required_argument,	NULL,	's' },
		{ NULL,		0,			NULL,	0 }
	};
	static const struct option noopts[] = { { NULL, 0, NULL, 0 } };
	struct be_args	 ba;
	struct gw_backend tmp;
	const char	*errstr, *verb;
	int		 c;

	memset(&ba, 0, sizeof(ba));
	ba.ba_weight = ba.ba_state = -1;
	verb = argc > 1 ? argv[1] : NULL;
	ba.ba_op = op_parse("backend", verb, 1);
	opt_reset();
	while ((c = opt_next(argc - 1, argv + 1, "backend", "",
	    ba.ba_op == OP_ADD || ba.ba_op == OP_SET ? opts : noopts)) != -1) {
		if (c == 'w' && gw_weight_parse(optarg, &ba.ba_weight,
		    &errstr) == -1)
			errx(1, "invalid weight \"%s\": %s", optarg, errstr);
		if (c == 's' && gw_enum_parse(gw_admin_names, optarg,
		    &ba.ba_state, &errstr) == -1)
			errx(1, "invalid state \"%s\": expected enabled, "
			    "drain or disabled", optarg);
	}
	argc -= optind + 1;
	argv += optind + 1;
	if (argc < 2)
		usage_error("backend", "missing %s", argc < 1 ? "service" :
		    "backend address");
	if (argc > 2)
		usage_error("backend", "unexpected argument \"%s\"", argv[2]);
	ba.ba_service = argv[0];
	if (gw_name_check(ba.ba_service, &errstr) == -1)
		errx(1, "invalid service name \"%s\": %s", ba.ba_service,
		    errstr);
	if (gw_addr_parse(argv[1], 0, &ba.ba_addr, &errstr) == -1)
		errx(1, "invalid backend address \"%s\": %s", argv[1], errstr);
	if (ba.ba_op == OP_SET && ba.ba_weight == -1 && ba.ba_state == -1)
		usage_error("backend", "backend set: nothing to set");
	if (ba.ba_op == OP_STATE) {
		ba.ba_state = strcmp(verb, "drain") == 0 ? GW_ADMIN_DRAIN :
		    strcmp(verb, "enable") == 0 ? GW_ADMIN_ENABLED :
		    GW_ADMIN_DISABLED;
		ba.ba_op = OP_SET;
	}
	tmp.be_service = (char *)(uintptr_t)ba.ba_service;
	tmp.be_host = ba.ba_addr.ad_host;
	tmp.be_port = ba.ba_addr.ad_port;
	gw_backend_id(&tmp, ba.ba_id, sizeof(ba.ba_id));
	return commit_config(be_edit, &ba, &quiet_commit);
}
