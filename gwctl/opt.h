/*
 * opt: option parsing shared by gwctl's commands.  Every command accepts
 * the global options (--db, -o, -q, -h) among its own, as kubectl does.
 */
#ifndef GWCTL_OPT_H
#define GWCTL_OPT_H

#include <getopt.h>

/* Long-only option codes start above any character. */
enum {
	OPT_DB = 256,
	OPT_VERSION,
	OPT_FIRST_CMD = 300	/* commands number their options from here */
};

void	opt_reset(void);
int	opt_next(int argc, char **argv, const char *command,
	    const char *shortopts, const struct option *opts);
int	opt_global(int c, const char *arg, const char *command);

#endif /* GWCTL_OPT_H */
