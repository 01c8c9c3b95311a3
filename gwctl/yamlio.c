/*
 * yamlio: YAML files to jansson trees and back, for apply, diff and
 * validate and for -o yaml.
 *
 * Loading uses libyaml's document loader (which resolves anchors and
 * aliases) and copies the node graph into a jansson tree without typing
 * the scalars: YAML 1.1 would read "on" as true and "010" as 8, and an
 * operator who writes "state: off" or "port: 010" means the text.  conv.c
 * knows what each field is and parses the text itself.  The only scalars
 * given a type are plain null, ~ and empty ones, so "host:" and "host: ~"
 * mean "no host" as they do everywhere else.
 *
 * Emitting is the reverse: block style, and every string that another
 * YAML reader (yq, PyYAML, kubectl) would take for a null, boolean, number
 * or date, or that is not valid plain YAML, is double-quoted.
 */
#include <err.h>
#include <limits.h>
#include <regex.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <yaml.h>

#include "str.h"
#include "gwctl.h"

/*
 * Deepest nesting accepted.  A config is five levels deep; the bound
 * stops an alias that refers to its own ancestor ("&a [*a]") from
 * recursing forever.
 */
#define YAMLIO_DEPTH_MAX	64
/*
 * Most JSON nodes one file may expand to.  Aliases are copied, so a few
 * lines can name an exponential number of nodes ("billion laughs"); a
 * million is some 10000 routes with room to spare.
 */
#define YAMLIO_NODES_MAX	1000000

struct yaml_line {
	const json_t	*yl_node;
	int		 yl_line;		/* 1-based */
};

/*
 * Line of each container and string node of one loaded tree, sorted by
 * node address for bsearch.  Valid while that tree lives.  null has no
 * entry: jansson's null is one shared object, so its address names no
 * place in the file; callers fall back to the enclosing node.
 */
struct yaml_lines {
	struct yaml_line	*yl_v;		/* owned */
	size_t			 yl_n;
	size_t			 yl_cap;
};

struct yamlio_loader {
	const char		*ld_file;	/* for messages */
	yaml_document_t		*ld_doc;
	struct yaml_lines	*ld_lines;
	size_t			 ld_nnodes;
	int			 ld_nerr;	/* problems reported so far */
};

static json_t	*yamlio_node(struct yamlio_loader *, yaml_node_t *, int);

static void
yamlio_lines_add(struct yaml_lines *yl, const json_t *node, size_t line0)
{
	if (yl->yl_n == yl->yl_cap) {
		yl->yl_cap = yl->yl_cap ? yl->yl_cap * 2 : 64;
		yl->yl_v = gw_reallocarray(yl->yl_v, yl->yl_cap,
		    sizeof(*yl->yl_v));
	}
	yl->yl_v[yl->yl_n].yl_node = node;
	yl->yl_v[yl->yl_n].yl_line = line0 >= INT_MAX ? INT_MAX :
	    (int)line0 + 1;
	yl->yl_n++;
}

static int
yamlio_line_cmp(const void *a, const void *b)
{
	const struct yaml_line	*la = a, *lb = b;

	if (la->yl_node == lb->yl_node)
		return 0;
	return (uintptr_t)la->yl_node < (uintptr_t)lb->yl_node ? -1 : 1;
}

int
yamlio_line(const struct yaml_lines *lines, const json_t *node)
{
	struct yaml_line	 key, *found;

	if (lines == NULL || node == NULL || lines->yl_n == 0)
		return 0;
	key.yl_node = node;
	key.yl_line = 0;
	found = bsearch(&key, lines->yl_v, lines->yl_n, sizeof(*lines->yl_v),
	    yamlio_line_cmp);
	return found != NULL ? found->yl_line : 0;
}

void
yamlio_lines_free(struct yaml_lines *lines)
{
	if (lines == NULL)
		return;
	free(lines->yl_v);
	free(lines);
}

/* YAML 1.1 null (2002:null) as a plain scalar, plus the empty value. */
static int
yamlio_is_null(const yaml_node_t *node)
{
	const char	*s = (const char *)node->data.scalar.value;

	if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return strcmp(s, "") == 0 || strcmp(s, "~") == 0 ||
	    strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	    strcmp(s, "NULL") == 0;
}

static json_t *
yamlio_scalar(struct yamlio_loader *ld, yaml_node_t *node)
{
	json_t	*j;

	if (yamlio_is_null(node))
		return json_null();
	j = json_stringn((const char *)node->data.scalar.value,
	    node->data.scalar.length);
	if (j == NULL) {
		/* libyaml checks its input; this is out of memory. */
		warnx("%s:%zu: cannot store string", ld->ld_file,
		    node->start_mark.line + 1);
		return NULL;
	}
	return j;
}

static json_t *
yamlio_sequence(struct yamlio_loader *ld, yaml_node_t *node, int depth)
{
	yaml_node_item_t	*item;
	yaml_node_t		*child;
	json_t			*arr, *v;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (item = node->data.sequence.items.start;
	    item < node->data.sequence.items.top; item++) {
		child = yaml_document_get_node(ld->ld_doc, *item);
		if (child == NULL ||
		    (v = yamlio_node(ld, child, depth + 1)) == NULL) {
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, v);
	}
	return arr;
}

static json_t *
yamlio_mapping(struct yamlio_loader *ld, yaml_node_t *node, int depth)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*kn, *vn;
	json_t			*obj, *v;
	const char		*key;

	if ((obj = json_object()) == NULL)
		return NULL;
	for (pair = node->data.mapping.pairs.start;
	    pair < node->data.mapping.pairs.top; pair++) {
		kn = yaml_document_get_node(ld->ld_doc, pair->key);
		vn = yaml_document_get_node(ld->ld_doc, pair->value);
		if (kn == NULL || vn == NULL)
			goto fail;
		/* Keep going after a bad key so every one is reported. */
		if (kn->type != YAML_SCALAR_NODE) {
			warnx("%s:%zu: mapping key is not a scalar",
			    ld->ld_file, kn->start_mark.line + 1);
			ld->ld_nerr++;
			continue;
		}
		key = (const char *)kn->data.scalar.value;
		if (strlen(key) != kn->data.scalar.length) {
			warnx("%s:%zu: mapping key contains a NUL byte",
			    ld->ld_file, kn->start_mark.line + 1);
			ld->ld_nerr++;
			continue;
		}
		if (json_object_get(obj, key) != NULL) {
			warnx("%s:%zu: duplicate key \"%s\"", ld->ld_file,
			    kn->start_mark.line + 1, key);
			ld->ld_nerr++;
			continue;
		}
		if ((v = yamlio_node(ld, vn, depth + 1)) == NULL)
			goto fail;
		if (json_object_set_new(obj, key, v) == -1)
			goto fail;
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

/*
 * Converts node and its children.  NULL after reporting a problem that
 * stops the load; problems that do not (duplicate keys) are counted in
 * ld_nerr and the load goes on so all of them are reported.
 */
static json_t *
yamlio_node(struct yamlio_loader *ld, yaml_node_t *node, int depth)
{
	json_t	*j = NULL;

	if (depth > YAMLIO_DEPTH_MAX) {
		warnx("%s:%zu: nested deeper than %d levels", ld->ld_file,
		    node->start_mark.line + 1, YAMLIO_DEPTH_MAX);
		return NULL;
	}
	if (++ld->ld_nnodes > YAMLIO_NODES_MAX) {
		warnx("%s:%zu: more than %d nodes (aliases expand)",
		    ld->ld_file, node->start_mark.line + 1, YAMLIO_NODES_MAX);
		return NULL;
	}
	switch (node->type) {
	case YAML_SCALAR_NODE:
		j = yamlio_scalar(ld, node);
		break;
	case YAML_SEQUENCE_NODE:
		j = yamlio_sequence(ld, node, depth);
		break;
	case YAML_MAPPING_NODE:
		j = yamlio_mapping(ld, node, depth);
		break;
	case YAML_NO_NODE:
		break;
	}
	if (j != NULL && !json_is_null(j))
		yamlio_lines_add(ld->ld_lines, j, node->start_mark.line);
	return j;
}

static void
yamlio_parse_error(const char *file, const yaml_parser_t *p)
{
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		warnx("%s: out of memory", file);
		break;
	case YAML_READER_ERROR:
		/* The reader knows the byte offset, not the line. */
		warnx("%s: %s at byte %zu", file, p->problem,
		    p->problem_offset);
		break;
	default:
		warnx("%s:%zu: %s", file, p->problem_mark.line + 1,
		    p->problem != NULL ? p->problem : "syntax error");
		break;
	}
}

json_t *
yamlio_load(const char *path, struct yaml_lines **linesp)
{
	struct yamlio_loader	 ld;
	struct yaml_lines	*lines;
	yaml_parser_t		 parser;
	yaml_document_t		 doc;
	yaml_node_t		*root;
	FILE			*fp;
	json_t			*j = NULL;
	struct stat		 sb;

	*linesp = NULL;
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL) {
		warn("%s", path);
		return NULL;
	} else if (fstat(fileno(fp), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		warnx("%s: is a directory", path);
		fclose(fp);
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		warnx("%s: out of memory", path);
		goto out;
	}
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		yamlio_parse_error(path, &parser);
		goto done;
	}
	if ((root = yaml_document_get_root_node(&doc)) == NULL) {
		warnx("%s: no YAML document", path);
		yaml_document_delete(&doc);
		goto done;
	}

	lines = gw_calloc(1, sizeof(*lines));
	memset(&ld, 0, sizeof(ld));
	ld.ld_file = path;
	ld.ld_doc = &doc;
	ld.ld_lines = lines;
	j = yamlio_node(&ld, root, 0);
	yaml_document_delete(&doc);
	if (j == NULL || ld.ld_nerr > 0)
		goto fail;

	/*
	 * Everything after the first document would be ignored by a reader
	 * that stops there; an apply file is one document, so say so.
	 */
	if (!yaml_parser_load(&parser, &doc)) {
		yamlio_parse_error(path, &parser);
		goto fail;
	}
	if (yaml_document_get_root_node(&doc) != NULL) {
		warnx("%s:%zu: more than one YAML document", path,
		    doc.start_mark.line + 1);
		yaml_document_delete(&doc);
		goto fail;
	}
	yaml_document_delete(&doc);

	qsort(lines->yl_v, lines->yl_n, sizeof(*lines->yl_v),
	    yamlio_line_cmp);
	*linesp = lines;
	goto done;
fail:
	json_decref(j);
	j = NULL;
	yamlio_lines_free(lines);
done:
	yaml_parser_delete(&parser);
out:
	if (fp != stdin)
		fclose(fp);
	return j;
}

/*
 * Strings that YAML 1.1 or 1.2 readers type as numbers, or as dates
 * (PyYAML's timestamp), case-insensitively.  Over-quoting is harmless;
 * under-quoting changes the value.
 */
static const char yamlio_number_re[] =
    "^[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-f_]+|[0-9][0-9_]*"
    "|[0-9][0-9_]*(:[0-5]?[0-9])+)$"
    "|^[-+]?([0-9][0-9_]*)?\\.[0-9_]*(e[-+]?[0-9]+)?$"
    "|^[-+]?[0-9][0-9_]*(\\.[0-9_]*)?e[-+]?[0-9]+$"
    "|^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*$"
    "|^[-+]?\\.(inf|nan)$"
    "|^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?([t ].*)?$";

/* Plain words YAML 1.1 reads as null, booleans, merge or value keys. */
static const char *const yamlio_words[] = {
	"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n",
	"<<", "=", NULL
};

struct yamlio_emitter {
	yaml_emitter_t	em_yaml;
	regex_t		em_number;
};

/* Whether s, written plain, reads back as the same string everywhere. */
static int
yamlio_plain_ok(struct yamlio_emitter *em, const char *s, size_t len)
{
	const char	*const *w;
	size_t		 i;

	if (len == 0 || strlen(s) != len)
		return 0;
	if (strchr("-?:,[]{}#&*!|>'\"%@`", s[0]) != NULL)
		return 0;
	if (s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	if (strstr(s, ": ") != NULL || strstr(s, " #") != NULL)
		return 0;
	for (w = yamlio_words; *w != NULL; w++)
		if (strcasecmp(s, *w) == 0)
			return 0;
	return regexec(&em->em_number, s, 0, NULL, 0) != 0;
}

static int
yamlio_emit_event(struct yamlio_emitter *em, yaml_event_t *ev, int ok)
{
	/* The emitter owns the event from here, even on failure. */
	if (!ok || !yaml_emitter_emit(&em->em_yaml, ev))
		return -1;
	return 0;
}

static int
yamlio_emit_scalar(struct yamlio_emitter *em, const char *s, size_t len,
    int is_string)
{
	yaml_event_t		 ev;
	yaml_scalar_style_t	 style = YAML_PLAIN_SCALAR_STYLE;

	if (is_string && !yamlio_plain_ok(em, s, len))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	return yamlio_emit_event(em, &ev, yaml_scalar_event_initialize(&ev,
	    NULL, NULL, (const yaml_char_t *)s, (int)len, 1, 1, style));
}

static int
yamlio_emit_node(struct yamlio_emitter *em, json_t *j)
{
	yaml_event_t	 ev;
	const char	*key;
	json_t		*v;
	size_t		 i;
	char		 buf[352];	/* %.*g of any double */

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		if (yamlio_emit_event(em, &ev,
		    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		    json_object_size(j) == 0 ? YAML_FLOW_MAPPING_STYLE :
		    YAML_BLOCK_MAPPING_STYLE)) == -1)
			return -1;
		json_object_foreach(j, key, v) {
			if (yamlio_emit_scalar(em, key, strlen(key), 1) == -1 ||
			    yamlio_emit_node(em, v) == -1)
				return -1;
		}
		return yamlio_emit_event(em, &ev,
		    yaml_mapping_end_event_initialize(&ev));
	case JSON_ARRAY:
		if (yamlio_emit_event(em, &ev,
		    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		    json_array_size(j) == 0 ? YAML_FLOW_SEQUENCE_STYLE :
		    YAML_BLOCK_SEQUENCE_STYLE)) == -1)
			return -1;
		json_array_foreach(j, i, v) {
			if (yamlio_emit_node(em, v) == -1)
				return -1;
		}
		return yamlio_emit_event(em, &ev,
		    yaml_sequence_end_event_initialize(&ev));
	case JSON_STRING:
		return yamlio_emit_scalar(em, json_string_value(j),
		    json_string_length(j), 1);
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(j));
		break;
	case JSON_REAL:
		/*
		 * As jansson prints reals, a "1.0" stays a real; with the
		 * fewest digits that read back the same, 0.1 as 0.1.
		 */
		snprintf(buf, sizeof(buf), "%.*g",
		    gw_scale_real_digits(json_real_value(j)),
		    json_real_value(j));
		if (strpbrk(buf, ".eEni") == NULL)
			gw_strlcat(buf, ".0", sizeof(buf));
		break;
	case JSON_TRUE:
		gw_strlcpy(buf, "true", sizeof(buf));
		break;
	case JSON_FALSE:
		gw_strlcpy(buf, "false", sizeof(buf));
		break;
	case JSON_NULL:
		gw_strlcpy(buf, "null", sizeof(buf));
		break;
	}
	return yamlio_emit_scalar(em, buf, strlen(buf), 0);
}

int
yamlio_emit(FILE *fp, json_t *j)
{
	struct yamlio_emitter	 em;
	yaml_event_t		 ev;
	int			 rc = -1;

	if (regcomp(&em.em_number, yamlio_number_re,
	    REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0) {
		warnx("yamlio: cannot compile the number pattern");
		return -1;
	}
	if (!yaml_emitter_initialize(&em.em_yaml)) {
		regfree(&em.em_number);
		return -1;
	}
	yaml_emitter_set_output_file(&em.em_yaml, fp);
	yaml_emitter_set_unicode(&em.em_yaml, 1);
	yaml_emitter_set_indent(&em.em_yaml, 2);
	/* No folding: long values stay on one line for grep and diff. */
	yaml_emitter_set_width(&em.em_yaml, -1);

	if (yamlio_emit_event(&em, &ev, yaml_stream_start_event_initialize(
	    &ev, YAML_UTF8_ENCODING)) == -1 ||
	    yamlio_emit_event(&em, &ev, yaml_document_start_event_initialize(
	    &ev, NULL, NULL, NULL, 1)) == -1 ||
	    yamlio_emit_node(&em, j) == -1 ||
	    yamlio_emit_event(&em, &ev, yaml_document_end_event_initialize(
	    &ev, 1)) == -1 ||
	    yamlio_emit_event(&em, &ev, yaml_stream_end_event_initialize(
	    &ev)) == -1 ||
	    !yaml_emitter_flush(&em.em_yaml)) {
		if (em.em_yaml.problem != NULL)
			warnx("yaml: %s", em.em_yaml.problem);
		goto out;
	}
	rc = 0;
out:
	yaml_emitter_delete(&em.em_yaml);
	regfree(&em.em_number);
	return rc;
}

/* The most digits any real under j needs (gw_scale_real_digits). */
static int
yamlio_real_digits(json_t *j)
{
	const char	*key;
	json_t		*v;
	size_t		 i;
	int		 p = 15, q;

	switch (json_typeof(j)) {
	case JSON_REAL:
		return gw_scale_real_digits(json_real_value(j));
	case JSON_OBJECT:
		json_object_foreach(j, key, v)
			if ((q = yamlio_real_digits(v)) > p)
				p = q;
		return p;
	case JSON_ARRAY:
		json_array_foreach(j, i, v)
			if ((q = yamlio_real_digits(v)) > p)
				p = q;
		return p;
	default:
		return p;
	}
}

size_t
json_real_flags(json_t *j)
{
	return JSON_REAL_PRECISION(yamlio_real_digits(j));
}

void
print_json_or_yaml(json_t *j)
{
	if (gwctl.g_output == OUT_YAML) {
		if (yamlio_emit(stdout, j) == -1)
			warnx("cannot write YAML");
		return;
	}
	if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY |
	    json_real_flags(j)) == -1)
		warnx("cannot write JSON");
	putchar('\n');
}
