/*
 * test_http1_regress: replays every file of tests/fuzz/corpus and
 * tests/fuzz/regress through the invariants the fuzz target checks
 * (tests/fuzz/http1_check.h), so a crash found by `make fuzz` and saved
 * in regress/ stays fixed.  Corpus files named req-ok-*, req-bad-*,
 * resp-ok-* and resp-bad-* also promise a verdict: a stream of valid,
 * complete messages of that type, or one that is refused.
 *
 * The directories are found relative to the working directory, which
 * tests/run sets to the top of the repository; a missing one fails.
 */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "../fuzz/http1_check.h"
#include "t.h"

/* Inputs larger than this are not fuzz inputs; refuse to replay them. */
#define REGRESS_FILE_MAX	(1024 * 1024)

static int
regress_select(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

static char *
regress_read(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if ((buf = malloc(REGRESS_FILE_MAX + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, REGRESS_FILE_MAX + 1, fp);
	if (ferror(fp) || n > REGRESS_FILE_MAX) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	*lenp = n;
	return buf;
}

/* The verdict a corpus file's name promises, or -1 for none. */
static int
regress_promise(const char *name, enum gw_http1_type *type)
{
	static const struct {
		const char		*p_prefix;
		enum gw_http1_type	 p_type;
		int			 p_verdict;
	} promises[] = {
		{ "req-ok-", GW_HTTP1_REQUEST, 1 },
		{ "req-bad-", GW_HTTP1_REQUEST, 0 },
		{ "resp-ok-", GW_HTTP1_RESPONSE, 1 },
		{ "resp-bad-", GW_HTTP1_RESPONSE, 0 }
	};
	size_t	i;

	for (i = 0; i < sizeof(promises) / sizeof(promises[0]); i++)
		if (strncmp(name, promises[i].p_prefix,
		    strlen(promises[i].p_prefix)) == 0) {
			*type = promises[i].p_type;
			return promises[i].p_verdict;
		}
	return -1;
}

static void
regress_dir(const char *dir)
{
	struct dirent		**de;
	enum gw_http1_type	  type;
	const char		 *why;
	char			  path[4096];
	char			 *buf;
	size_t			  len;
	int			  i, n, want;

	if ((n = scandir(dir, &de, regress_select, alphasort)) < 0) {
		T_OK(0, "%s: %s (run from the top of the repository)", dir,
		    strerror(errno));
		return;
	}
	T_OK(n > 0, "%s holds inputs (%d)", dir, n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, de[i]->d_name);
		if ((buf = regress_read(path, &len)) == NULL) {
			T_OK(0, "%s: cannot read", path);
			free(de[i]);
			continue;
		}
		why = http1_check((const uint8_t *)buf, len);
		T_OK(why == NULL, "%s: %s", path, why != NULL ? why :
		    "invariants hold");
		if ((want = regress_promise(de[i]->d_name, &type)) >= 0)
			T_INTEQ(http1_verdict(buf, len, type), want,
			    "%s: %s as its name says", path,
			    want ? "valid and complete" : "refused");
		free(buf);
		free(de[i]);
	}
	free(de);
}

int
main(void)
{
	regress_dir("tests/fuzz/corpus");
	regress_dir("tests/fuzz/regress");
	return t_done();
}
