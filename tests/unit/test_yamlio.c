/*
 * test_yamlio: YAML files to jansson trees with line numbers, and trees
 * back to YAML that reads back the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "str.h"
#include "../../gwctl/gwctl.h"
#include "t.h"

struct gwctl gwctl;

static char	*tdir;

/* Writes text to a new file in the test directory; returns its path. */
static char *
put(const char *name, const char *text)
{
	char	*path;
	FILE	*fp;

	path = gw_asprintf("%s/%s", tdir, name);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
	return path;
}

/*
 * Loads path with stderr captured into msg (the first line, without the
 * program name), so the diagnostics can be compared exactly.
 */
static json_t *
load_msg(const char *path, struct yaml_lines **lines, char *msg, size_t len)
{
	json_t	*j;
	char	*errpath, *p;
	FILE	*fp;
	int	 saved;

	errpath = gw_asprintf("%s/stderr", tdir);
	fflush(stderr);
	saved = dup(2);
	if ((fp = fopen(errpath, "w+")) == NULL) {
		perror(errpath);
		exit(1);
	}
	dup2(fileno(fp), 2);
	j = yamlio_load(path, lines);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	msg[0] = '\0';
	rewind(fp);
	if (fgets(msg, (int)len, fp) != NULL) {
		msg[strcspn(msg, "\n")] = '\0';
		/* warnx(3) prefixes "progname: ". */
		if ((p = strstr(msg, ": ")) != NULL)
			memmove(msg, p + 2, strlen(p + 2) + 1);
	}
	fclose(fp);
	unlink(errpath);
	free(errpath);
	return j;
}

static void
test_lines(void)
{
	struct yaml_lines	*lines;
	json_t			*j, *sv, *hc;
	char			*path;
	const char		*key;
	json_t			*v;
	char			 order[64] = "";

	path = put("lines.yaml",
	    "# comment\n"				/* 1 */
	    "services:\n"				/* 2 */
	    "  - name: web\n"				/* 3 */
	    "    lb: round_robin\n"			/* 4 */
	    "    health_check:\n"			/* 5 */
	    "      path: /healthz\n"			/* 6 */
	    "\n"					/* 7 */
	    "      timeout: 5x\n"			/* 8 */
	    "    backends: []\n"			/* 9 */
	    "routes:\n"					/* 10 */
	    "  - {name: api, service: web}\n");		/* 11 */
	j = yamlio_load(path, &lines);
	T_OK(j != NULL && lines != NULL, "lines: loads");
	if (j == NULL) {
		free(path);
		return;
	}
	sv = json_array_get(json_object_get(j, "services"), 0);
	hc = json_object_get(sv, "health_check");
	T_INTEQ(yamlio_line(lines, j), 2, "lines: root at its first key");
	T_INTEQ(yamlio_line(lines, json_object_get(j, "services")), 3,
	    "lines: sequence");
	T_INTEQ(yamlio_line(lines, sv), 3, "lines: mapping in a sequence");
	T_INTEQ(yamlio_line(lines, json_object_get(sv, "lb")), 4,
	    "lines: scalar");
	T_INTEQ(yamlio_line(lines, hc), 6, "lines: nested mapping");
	T_INTEQ(yamlio_line(lines, json_object_get(hc, "timeout")), 8,
	    "lines: nested scalar after a blank line");
	T_INTEQ(yamlio_line(lines, json_object_get(sv, "backends")), 9,
	    "lines: flow sequence");
	T_INTEQ(yamlio_line(lines, json_object_get(json_array_get(
	    json_object_get(j, "routes"), 0), "service")), 11,
	    "lines: flow mapping value");
	T_INTEQ(yamlio_line(lines, json_null()), 0, "lines: null unknown");
	T_INTEQ(yamlio_line(NULL, j), 0, "lines: no map");
	T_STREQ(json_string_value(json_object_get(hc, "timeout")), "5x",
	    "lines: scalar text kept");
	json_object_foreach(sv, key, v) {
		if (order[0] != '\0')
			gw_strlcat(order, ",", sizeof(order));
		gw_strlcat(order, key, sizeof(order));
	}
	T_STREQ(order, "name,lb,health_check,backends", "lines: key order");
	json_decref(j);
	yamlio_lines_free(lines);
	free(path);
}

static void
test_scalars(void)
{
	struct yaml_lines	*lines;
	json_t			*j;
	char			*path;

	path = put("scalars.yaml",
	    "empty:\n"
	    "tilde: ~\n"
	    "null1: null\n"
	    "null2: Null\n"
	    "null3: NULL\n"
	    "quoted: \"null\"\n"
	    "single: '~'\n"
	    "blank: ''\n"
	    "nULL: nULL\n"
	    "int: 010\n"
	    "bool: off\n"
	    "float: 1e3\n"
	    "alias: &a {x: 1}\n"
	    "copy: *a\n");
	j = yamlio_load(path, &lines);
	T_OK(j != NULL, "scalars: loads");
	T_OK(json_is_null(json_object_get(j, "empty")), "scalars: empty null");
	T_OK(json_is_null(json_object_get(j, "tilde")), "scalars: ~ null");
	T_OK(json_is_null(json_object_get(j, "null1")), "scalars: null");
	T_OK(json_is_null(json_object_get(j, "null2")), "scalars: Null");
	T_OK(json_is_null(json_object_get(j, "null3")), "scalars: NULL");
	T_STREQ(json_string_value(json_object_get(j, "quoted")), "null",
	    "scalars: quoted null is a string");
	T_STREQ(json_string_value(json_object_get(j, "single")), "~",
	    "scalars: quoted ~ is a string");
	T_STREQ(json_string_value(json_object_get(j, "blank")), "",
	    "scalars: quoted empty is a string");
	T_STREQ(json_string_value(json_object_get(j, "nULL")), "nULL",
	    "scalars: nULL is a string");
	T_STREQ(json_string_value(json_object_get(j, "int")), "010",
	    "scalars: numbers stay text");
	T_STREQ(json_string_value(json_object_get(j, "bool")), "off",
	    "scalars: booleans stay text");
	T_STREQ(json_string_value(json_object_get(j, "float")), "1e3",
	    "scalars: floats stay text");
	T_OK(json_equal(json_object_get(j, "alias"),
	    json_object_get(j, "copy")), "scalars: alias resolved");
	T_OK(json_object_get(j, "alias") != json_object_get(j, "copy"),
	    "scalars: alias copied");
	json_decref(j);
	yamlio_lines_free(lines);
	free(path);
}

static void
test_errors(void)
{
	struct yaml_lines	*lines;
	json_t			*j;
	char			*path, *want;
	char			 msg[256];

	path = put("dup.yaml",
	    "a: 1\n"
	    "b:\n"
	    "  c: 2\n"
	    "  c: 3\n");
	j = load_msg(path, &lines, msg, sizeof(msg));
	T_OK(j == NULL && lines == NULL, "errors: duplicate key fails");
	want = gw_asprintf("%s:4: duplicate key \"c\"", path);
	T_STREQ(msg, want, "errors: duplicate key message");
	free(want);
	free(path);

	path = put("syntax.yaml",
	    "a: 1\n"
	    "b: [1, 2\n"
	    "c: 3\n");
	j = load_msg(path, &lines, msg, sizeof(msg));
	T_OK(j == NULL && lines == NULL, "errors: syntax error fails");
	want = gw_asprintf("%s:3:", path);
	T_OK(strncmp(msg, want, strlen(want)) == 0,
	    "errors: syntax error names file and line: %s", msg);
	free(want);
	free(path);

	path = put("multi.yaml",
	    "a: 1\n"
	    "---\n"
	    "b: 2\n");
	j = load_msg(path, &lines, msg, sizeof(msg));
	T_OK(j == NULL && lines == NULL, "errors: two documents fail");
	want = gw_asprintf("%s:2: more than one YAML document", path);
	T_STREQ(msg, want, "errors: two documents message");
	free(want);
	free(path);

	path = put("empty.yaml", "# nothing\n");
	j = load_msg(path, &lines, msg, sizeof(msg));
	T_OK(j == NULL, "errors: no document fails");
	want = gw_asprintf("%s: no YAML document", path);
	T_STREQ(msg, want, "errors: no document message");
	free(want);
	free(path);

	path = put("key.yaml", "[a]: 1\n");
	j = load_msg(path, &lines, msg, sizeof(msg));
	T_OK(j == NULL, "errors: sequence as a key fails");
	free(path);

	path = put("cycle.yaml", "a: &x [*x]\n");
	j = load_msg(path, &lines, msg, sizeof(msg));
	T_OK(j == NULL, "errors: recursive alias fails");
	free(path);

	path = gw_asprintf("%s/missing.yaml", tdir);
	j = load_msg(path, &lines, msg, sizeof(msg));
	T_OK(j == NULL, "errors: missing file fails");
	want = gw_asprintf("%s: No such file or directory", path);
	T_STREQ(msg, want, "errors: missing file message");
	free(want);
	free(path);
}

/* Emits j to a file and loads it back. */
static json_t *
round_trip(json_t *j, char **text)
{
	struct yaml_lines	*lines;
	json_t			*back;
	char			*path;
	FILE			*fp;
	long			 n;

	path = gw_asprintf("%s/emit.yaml", tdir);
	fp = fopen(path, "w+");
	if (fp == NULL || yamlio_emit(fp, j) == -1) {
		free(path);
		if (fp != NULL)
			fclose(fp);
		return NULL;
	}
	fflush(fp);
	n = ftell(fp);
	*text = gw_calloc(1, (size_t)n + 1);
	rewind(fp);
	if (fread(*text, 1, (size_t)n, fp) != (size_t)n)
		(*text)[0] = '\0';
	fclose(fp);
	back = yamlio_load(path, &lines);
	yamlio_lines_free(lines);
	free(path);
	return back;
}

static void
test_emit(void)
{
	static const char *const tricky[] = {
		"yes", "No", "ON", "off", "y", "true", "FALSE", "1", "-1",
		"+1", "010", "0o17", "0b101", "0x1f", "1_000", "1e3", "1.5",
		".5", "-.inf", ".NaN", "1:30", "2024-01-31", "", "a: b",
		"a:", "-x", "- x", "?x", ":x", " lead", "trail ", "#x",
		"a #b", "null", "Null", "~", "<<", "=", "[x]", "{x}", "*x",
		"&x", "!x", "|x", ">x", "'x", "\"x", "%x", "@x", "`x", ",x",
		"two\nlines", "tab\there", "nul\0byte", "---", "...",
		"caf\xc3\xa9", "10.0.0.1:8080", "/api/v1", "x-env", "GET",
	};
	json_t		*j, *back, *arr;
	char		*text = NULL, *shown;
	size_t		 i, len;
	const char	*s;

	arr = json_array();
	for (i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++) {
		s = tricky[i];
		/* The one with a NUL byte inside has its length spelled. */
		len = strcmp(s, "nul") == 0 ? 8 : strlen(s);
		json_array_append_new(arr, json_stringn(s, len));
	}
	j = json_pack("{s:O, s:{s:O}, s:[]}", "values", arr, "keys",
	    "yes", arr, "empty", "");
	for (i = 0; i < json_array_size(arr); i++)
		json_object_set(json_object_get(j, "keys"),
		    json_string_value(json_array_get(arr, i)),
		    json_array_get(arr, i));
	back = round_trip(j, &text);
	T_OK(back != NULL, "emit: loads back");
	T_OK(back != NULL && json_equal(j, back), "emit: tricky strings "
	    "round trip");
	if (back == NULL || !json_equal(j, back))
		printf("# %s", text);
	for (i = 0; back != NULL && i < json_array_size(arr); i++) {
		/* JSON text, so control characters do not break TAP. */
		shown = json_dumps(json_array_get(arr, i), JSON_ENCODE_ANY);
		T_OK(json_equal(json_array_get(arr, i), json_array_get(
		    json_object_get(back, "values"), i)),
		    "emit: %s reads back", shown);
		free(shown);
	}
	json_decref(back);
	json_decref(arr);
	json_decref(j);
	free(text);

	j = json_pack("{s:s, s:i, s:b, s:n, s:[s, {s:s, s:[]}], s:{}}",
	    "name", "web", "port", 80, "tls", 0, "host", "list", "/a",
	    "k", "v", "e", "obj");
	back = round_trip(j, &text);
	T_STREQ(text,
	    "name: web\n"
	    "port: 80\n"
	    "tls: false\n"
	    "host: null\n"
	    "list:\n"
	    "- /a\n"
	    "- k: v\n"
	    "  e: []\n"
	    "obj: {}\n", "emit: block style, flow only when empty");
	T_OK(back != NULL && json_is_null(json_object_get(back, "host")),
	    "emit: null reads back as null");
	T_STREQ(json_string_value(json_object_get(back, "port")), "80",
	    "emit: integers read back as text");
	json_decref(back);
	json_decref(j);
	free(text);
}

int
main(void)
{
	char	 tmpl[] = "/tmp/test_yamlio.XXXXXX";
	char	*cmd;

	if ((tdir = mkdtemp(tmpl)) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_lines();
	test_scalars();
	test_errors();
	test_emit();
	cmd = gw_asprintf("rm -rf '%s'", tdir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", tdir);
	free(cmd);
	return t_done();
}
