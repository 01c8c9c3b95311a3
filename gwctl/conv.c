/*
 * conv: the configuration model as jansson trees, the one shape of
 * export, apply, diff and history records:
 *
 *   services:
 *   - name: web
 *     lb: round_robin              every gw_service_fields entry, nested
 *     timeouts: {connect: 3s}      under its f_group when it has one
 *     backends:
 *     - {address: 10.0.0.1:8080, weight: 1, state: enabled}
 *   routes:
 *   - {name: api, service: web, priority: 0, prefix: /api, ...}
 *   scale_targets:                 only when there are some
 *   - {name: web, workload: deployment/web, metrics: [...], ...}
 *
 * Services are table driven, so a new setting reaches export and apply
 * without a change here.  Reading checks each value with the model's own
 * parsers and reports every problem of a file, each naming the file, the
 * line, the object and the value, so one run shows an operator all there
 * is to fix.  What needs the whole configuration (references, cross-field
 * rules, overlapping routes) is gw_config_validate()'s, which the caller
 * runs on the result; only duplicates within the file are caught here,
 * because the parallel arrays of struct conv_src need one node per object.
 */
#include <err.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "addr.h"
#include "config.h"
#include "duration.h"
#include "str.h"
#include "gwctl.h"

/* Enough for the text of any JSON number. */
#define CONV_NUM_MAX	64

/* The key of each enum gw_path_type in a route. */
static const char *const conv_path_keys[] = { "prefix", "path", "regex" };
#define CONV_NPATH_KEYS	(sizeof(conv_path_keys) / sizeof(conv_path_keys[0]))

/* Header edit ops, GW_EDIT_SET..GW_EDIT_REMOVE. */
#define CONV_NOPS	(GW_EDIT_REMOVE + 1)

/* How a bad value of each field type is named in messages. */
static const char *const conv_ftype_words[] = {
	[GW_FT_INT] = "number",
	[GW_FT_DURATION] = "duration",
	[GW_FT_PERCENT] = "percentage",
	[GW_FT_ENUM] = "value",
	[GW_FT_STR] = "value"
};

/*
 * One read.  A file's problems are printed with warnx; the first problem
 * of a history record goes to cx_errbuf instead.
 */
struct conv_ctx {
	const char		*cx_file;	/* NULL: a history record */
	const struct yaml_lines	*cx_lines;	/* NULL: no line numbers */
	char			*cx_errbuf;	/* NULL: print */
	size_t			 cx_errlen;
	int			 cx_nerr;
	struct conv_src		*cx_src;	/* marks bad nodes, or NULL */
};

/* The object being read, as messages name it. */
struct conv_obj {
	struct conv_ctx	*ob_cx;
	const char	*ob_kind;	/* "service", ...; NULL: the document */
	const char	*ob_name;	/* NULL until known and valid */
	json_t		*ob_node;	/* its line when a value has none */
	json_t		*ob_near;	/* or the mapping being read, if set */
};

static void	conv_problem(struct conv_obj *, json_t *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	conv_src_bad(struct conv_src *, json_t *);
static json_t	*conv_match_node(json_t *);

/*
 * Reports one problem: "FILE:LINE: KIND \"NAME\": MESSAGE".  at is the
 * node the problem is about; null values have no line (see yamlio.c), so
 * the line of the mapping holding them stands in, else the object's.
 */
static void
conv_problem(struct conv_obj *ob, json_t *at, const char *fmt, ...)
{
	struct conv_ctx	*cx = ob->ob_cx;
	struct gw_buf	 b = { NULL, 0, 0 };
	va_list		 ap;
	int		 line;

	if (cx->cx_errbuf == NULL && cx->cx_file != NULL) {
		line = yamlio_line(cx->cx_lines, at);
		if (line == 0)
			line = yamlio_line(cx->cx_lines, ob->ob_near);
		if (line == 0)
			line = yamlio_line(cx->cx_lines, ob->ob_node);
		if (line > 0)
			gw_buf_printf(&b, "%s:%d: ", cx->cx_file, line);
		else
			gw_buf_printf(&b, "%s: ", cx->cx_file);
	}
	if (ob->ob_kind != NULL && ob->ob_name != NULL)
		gw_buf_printf(&b, "%s \"%s\": ", ob->ob_kind, ob->ob_name);
	else if (ob->ob_kind != NULL)
		gw_buf_printf(&b, "%s: ", ob->ob_kind);
	va_start(ap, fmt);
	gw_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (cx->cx_errbuf == NULL)
		warnx("%s", gw_buf_str(&b));
	else if (cx->cx_nerr == 0)
		gw_strlcpy(cx->cx_errbuf, gw_buf_str(&b), cx->cx_errlen);
	gw_buf_free(&b);
	cx->cx_nerr++;
	/* jansson shares one null: it cannot stand for one place. */
	if (cx->cx_src != NULL && at != NULL && !json_is_null(at))
		conv_src_bad(cx->cx_src, at);
}

static const char *
conv_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "a mapping";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		break;
	}
	return "nothing";
}

/* 0 when v has the type, else -1 after saying what field should be. */
static int
conv_expect(struct conv_obj *ob, const char *field, json_t *v, json_type t)
{
	if (json_typeof(v) == t)
		return 0;
	conv_problem(ob, v, "%s: expected %s, got %s", field,
	    t == JSON_OBJECT ? "a mapping" : "a list", conv_type(v));
	return -1;
}

/*
 * The text of scalar v: a string as YAML gives every scalar, or a number
 * as JSON files and history records write one.  NULL after reporting
 * anything else.
 */
static const char *
conv_scalar(struct conv_obj *ob, const char *field, json_t *v, char *buf,
    size_t len)
{
	const char	*s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		/* C strings end at a NUL: "a\0b" must not pass as "a". */
		if (strlen(s) != json_string_length(v)) {
			conv_problem(ob, v, "%s: contains a NUL byte", field);
			return NULL;
		}
		return s;
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%.17g", json_real_value(v));
		return buf;
	case JSON_NULL:
		conv_problem(ob, v, "%s: missing value", field);
		return NULL;
	default:
		conv_problem(ob, v, "%s: expected a single value, got %s",
		    field, conv_type(v));
		return NULL;
	}
}

/* The text of a required key of j, or NULL after reporting. */
static const char *
conv_required(struct conv_obj *ob, json_t *j, const char *key, char *buf,
    size_t len)
{
	json_t	*v;

	if ((v = json_object_get(j, key)) == NULL || json_is_null(v)) {
		conv_problem(ob, j, "missing %s", key);
		return NULL;
	}
	return conv_scalar(ob, key, v, buf, len);
}

/* "expected one of a, b or c" for a value not in names. */
static void
conv_bad_enum(struct conv_obj *ob, json_t *v, const char *field,
    const char *text, const char *const *names)
{
	struct gw_buf	 b = { NULL, 0, 0 };
	size_t		 i;

	for (i = 0; names[i] != NULL; i++)
		gw_buf_printf(&b, "%s%s", i == 0 ? "" :
		    names[i + 1] == NULL ? " or " : ", ", names[i]);
	conv_problem(ob, v, "%s: invalid value \"%s\": expected %s", field,
	    text, gw_buf_str(&b));
	gw_buf_free(&b);
}

/* The name of an object; NULL (reported) when missing or invalid. */
static const char *
conv_name(struct conv_obj *ob, json_t *j, char *buf, size_t len)
{
	const char	*name, *errstr;

	if ((name = conv_required(ob, j, "name", buf, len)) == NULL)
		return NULL;
	if (gw_name_check(name, &errstr) == -1) {
		conv_problem(ob, json_object_get(j, "name"),
		    "name: invalid name \"%s\": %s", name, errstr);
		return NULL;
	}
	return name;
}

/* json_string() refuses bytes that are not UTF-8; keep them anyway. */
static json_t *
conv_jstr(const char *s)
{
	json_t	*j;

	if ((j = json_string(s)) == NULL)
		j = json_string_nocheck(s);
	return j;
}

/*
 * Services.
 */

static json_t *
conv_field_json(const struct gw_field *f, const struct gw_service *sv)
{
	const char	*text;
	char		 buf[CONV_NUM_MAX];

	if ((text = gw_field_get(f, sv, buf, sizeof(buf))) == NULL)
		return NULL;
	if (f->f_type == GW_FT_INT)
		return json_integer(strtoll(text, NULL, 10));
	return conv_jstr(text);
}

json_t *
conv_service_json(const struct gw_service *sv, const struct gw_config *cf,
    int flags)
{
	const struct gw_backend	*be;
	const struct gw_field	*f;
	json_t			*o, *v, *g, *bes;
	size_t			 i;

	o = json_object();
	json_object_set_new(o, "name", conv_jstr(sv->sv_name));
	for (i = 0; i < gw_service_nfields; i++) {
		f = &gw_service_fields[i];
		if ((v = conv_field_json(f, sv)) == NULL)
			continue;
		if (f->f_group == NULL) {
			json_object_set_new(o, f->f_key, v);
			continue;
		}
		/* A group goes where its first field is, in table order. */
		if ((g = json_object_get(o, f->f_group)) == NULL) {
			g = json_object();
			json_object_set_new(o, f->f_group, g);
		}
		json_object_set_new(g, f->f_key, v);
	}
	if (cf != NULL) {
		bes = json_array();
		for (i = 0; i < cf->cf_nbackends; i++) {
			be = &cf->cf_backends[i];
			if (!gw_streq_null(be->be_service, sv->sv_name) ||
			    (be->be_source == GW_BE_DNS &&
			    !(flags & CONV_DNS)))
				continue;
			json_array_append_new(bes, conv_backend_json(be,
			    flags & ~CONV_SERVICE));
		}
		json_object_set_new(o, "backends", bes);
	}
	return o;
}

static int
conv_is_group(const char *key)
{
	size_t	 i;

	for (i = 0; i < gw_service_nfields; i++)
		if (gw_service_fields[i].f_group != NULL &&
		    strcmp(gw_service_fields[i].f_group, key) == 0)
			return 1;
	return 0;
}

static void
conv_service_field(struct conv_obj *ob, struct gw_service *sv,
    const struct gw_field *f, json_t *v)
{
	const char	*text, *errstr;
	char		*path, num[CONV_NUM_MAX];

	path = f->f_group != NULL ?
	    gw_asprintf("%s.%s", f->f_group, f->f_key) : gw_strdup(f->f_key);
	if (json_is_null(v)) {
		/* "host: ~" clears a nullable field; others need a value. */
		if (gw_field_set(f, sv, NULL, &errstr) == -1)
			conv_problem(ob, v, "%s: missing value", path);
	} else if ((text = conv_scalar(ob, path, v, num, sizeof(num))) ==
	    NULL) {
		/* reported */
	} else if (gw_field_set(f, sv, text, &errstr) == -1) {
		if (f->f_type == GW_FT_ENUM)
			conv_bad_enum(ob, v, path, text, f->f_enum);
		else
			conv_problem(ob, v, "%s: invalid %s \"%s\": %s", path,
			    conv_ftype_words[f->f_type], text, errstr);
	}
	free(path);
}

static void
conv_service_group(struct conv_obj *ob, struct gw_service *sv,
    const char *group, json_t *g)
{
	const struct gw_field	*f;
	const char		*key;
	json_t			*v;

	/* "timeouts:" with nothing under it changes nothing. */
	if (json_is_null(g) || conv_expect(ob, group, g, JSON_OBJECT) == -1)
		return;
	ob->ob_near = g;
	json_object_foreach(g, key, v) {
		if ((f = gw_service_field_by_key(group, key)) != NULL)
			conv_service_field(ob, sv, f, v);
		else
			conv_problem(ob, v, "unknown key \"%s.%s\"", group,
			    key);
	}
	ob->ob_near = NULL;
}

/*
 * Reads one service into sv (always initialised; the caller frees it).
 * In a file its backends node goes to *backends; a history record passes
 * NULL, as its backends have records of their own.  0, or -1 after
 * reporting.
 */
static int
conv_service_parse(struct conv_ctx *cx, json_t *j, struct gw_service *sv,
    json_t **backends)
{
	struct conv_obj		 ob = { cx, "service", NULL, j, NULL };
	const struct gw_field	*f;
	const char		*key;
	json_t			*v;
	char			 num[CONV_NUM_MAX];
	int			 nerr = cx->cx_nerr;

	if (!json_is_object(j)) {
		gw_service_init(sv, NULL);
		conv_problem(&ob, j, "expected a mapping, got %s",
		    conv_type(j));
		return -1;
	}
	ob.ob_name = conv_name(&ob, j, num, sizeof(num));
	gw_service_init(sv, ob.ob_name);
	json_object_foreach(j, key, v) {
		if (strcmp(key, "name") == 0)
			continue;
		if (strcmp(key, "backends") == 0) {
			if (backends != NULL)
				*backends = v;
		} else if ((f = gw_service_field_by_key(NULL, key)) != NULL)
			conv_service_field(&ob, sv, f, v);
		else if (conv_is_group(key))
			conv_service_group(&ob, sv, key, v);
		else
			conv_problem(&ob, v, "unknown key \"%s\"", key);
	}
	return cx->cx_nerr > nerr ? -1 : 0;
}

int
conv_service_from_json(json_t *j, struct gw_service *sv, char *errbuf,
    size_t errlen)
{
	struct conv_ctx	 cx = { NULL, NULL, errbuf, errlen, 0, NULL };

	if (conv_service_parse(&cx, j, sv, NULL) == -1) {
		gw_service_free(sv);
		return -1;
	}
	return 0;
}

/*
 * Backends.
 */

json_t *
conv_backend_json(const struct gw_backend *be, int flags)
{
	json_t	*o;
	char	 addr[GW_ADDR_STR_MAX];

	o = json_object();
	if (flags & CONV_SERVICE)
		json_object_set_new(o, "service", conv_jstr(be->be_service));
	json_object_set_new(o, "address", conv_jstr(gw_addr_fmt(be->be_host,
	    be->be_port, addr, sizeof(addr))));
	json_object_set_new(o, "weight", json_integer(be->be_weight));
	if (be->be_state >= GW_ADMIN_ENABLED &&
	    be->be_state <= GW_ADMIN_DISABLED)
		json_object_set_new(o, "state",
		    json_string(gw_admin_names[be->be_state]));
	else
		json_object_set_new(o, "state", json_integer(be->be_state));
	if (be->be_source == GW_BE_STATIC && !(flags & CONV_SOURCE))
		return o;
	if (be->be_source >= GW_BE_STATIC && be->be_source <= GW_BE_DNS)
		json_object_set_new(o, "source",
		    json_string(gw_be_source_names[be->be_source]));
	else
		json_object_set_new(o, "source", json_integer(be->be_source));
	return o;
}

/*
 * Reads one backend into be (always initialised).  In a file, parent is
 * the enclosing service's name (NULL when it has no valid one); a history
 * record passes nested 0 and names its service itself.
 */
static int
conv_backend_parse(struct conv_ctx *cx, json_t *j, int nested,
    const char *parent, struct gw_backend *be)
{
	struct conv_obj	 ob = { cx, "backend", NULL, j, NULL };
	struct gw_addr	 a;
	const char	*key, *text, *service = parent, *errstr;
	json_t		*v;
	char		 num[CONV_NUM_MAX], snum[CONV_NUM_MAX];
	char		 id[GW_ADDR_STR_MAX + GW_NAME_MAX + 2];
	int		 nerr = cx->cx_nerr, have_addr = 0;

	if (!json_is_object(j)) {
		gw_backend_init(be, parent, NULL, 0);
		conv_problem(&ob, j, "expected a mapping, got %s",
		    conv_type(j));
		return -1;
	}
	if (!nested)
		service = conv_required(&ob, j, "service", snum, sizeof(snum));
	if ((text = conv_required(&ob, j, "address", num, sizeof(num))) !=
	    NULL) {
		if (gw_addr_parse(text, 0, &a, &errstr) == -1)
			conv_problem(&ob, json_object_get(j, "address"),
			    "address: invalid address \"%s\": %s", text,
			    errstr);
		else
			have_addr = 1;
	}
	gw_backend_init(be, service, have_addr ? a.ad_host : NULL,
	    have_addr ? a.ad_port : 0);
	if (have_addr && service != NULL)
		ob.ob_name = gw_backend_id(be, id, sizeof(id));

	json_object_foreach(j, key, v) {
		if (strcmp(key, "address") == 0)
			continue;
		if (strcmp(key, "service") == 0) {
			/* Allowed in a file when it says the obvious. */
			if (!nested || parent == NULL)
				continue;
			if ((text = conv_scalar(&ob, key, v, num,
			    sizeof(num))) != NULL && strcmp(text, parent) != 0)
				conv_problem(&ob, v, "service: \"%s\" is not "
				    "the enclosing service \"%s\"", text,
				    parent);
		} else if (strcmp(key, "weight") == 0) {
			if (json_is_null(v) || (text = conv_scalar(&ob, key,
			    v, num, sizeof(num))) == NULL)
				continue;
			if (gw_weight_parse(text, &be->be_weight, &errstr) ==
			    -1)
				conv_problem(&ob, v, "weight: invalid weight "
				    "\"%s\": %s", text, errstr);
		} else if (strcmp(key, "state") == 0) {
			if (json_is_null(v) || (text = conv_scalar(&ob, key,
			    v, num, sizeof(num))) == NULL)
				continue;
			if (gw_enum_parse(gw_admin_names, text, &be->be_state,
			    &errstr) == -1)
				conv_bad_enum(&ob, v, key, text,
				    gw_admin_names);
		} else if (strcmp(key, "source") == 0) {
			if (json_is_null(v) || (text = conv_scalar(&ob, key,
			    v, num, sizeof(num))) == NULL)
				continue;
			if (gw_enum_parse(gw_be_source_names, text,
			    &be->be_source, &errstr) == -1)
				conv_bad_enum(&ob, v, key, text,
				    gw_be_source_names);
		} else
			conv_problem(&ob, v, "unknown key \"%s\"", key);
	}
	return cx->cx_nerr > nerr ? -1 : 0;
}

int
conv_backend_from_json(json_t *j, struct gw_backend *be, char *errbuf,
    size_t errlen)
{
	struct conv_ctx	 cx = { NULL, NULL, errbuf, errlen, 0, NULL };

	if (conv_backend_parse(&cx, j, 0, NULL, be) == -1) {
		gw_backend_free(be);
		return -1;
	}
	return 0;
}

/*
 * Routes.
 */

/*
 * One phase's header edits: {"set": {...}, "add": {...}, "remove": [...]}.
 * A name with several edits of one op (two adds of Set-Cookie) carries a
 * list of values, so every edit survives the round trip.
 */
static json_t *
conv_edits_json(const struct gw_route *rt, int phase)
{
	const struct gw_hdr_edit	*he;
	json_t				*ops[CONV_NOPS], *o, *old, *val;
	size_t				 i;
	int				 op;

	for (op = 0; op < CONV_NOPS; op++)
		ops[op] = NULL;
	for (i = 0; i < rt->rt_nedits; i++) {
		he = &rt->rt_edits[i];
		if (he->he_phase != phase || he->he_op < GW_EDIT_SET ||
		    he->he_op > GW_EDIT_REMOVE)
			continue;
		if (ops[he->he_op] == NULL)
			ops[he->he_op] = he->he_op == GW_EDIT_REMOVE ?
			    json_array() : json_object();
		if (he->he_op == GW_EDIT_REMOVE) {
			json_array_append_new(ops[he->he_op],
			    conv_jstr(he->he_name));
			continue;
		}
		val = conv_jstr(he->he_value != NULL ? he->he_value : "");
		if ((old = json_object_get(ops[he->he_op], he->he_name)) ==
		    NULL)
			json_object_set_new(ops[he->he_op], he->he_name, val);
		else if (json_is_array(old))
			json_array_append_new(old, val);
		else
			json_object_set_new(ops[he->he_op], he->he_name,
			    json_pack("[O, o]", old, val));
	}
	o = json_object();
	for (op = 0; op < CONV_NOPS; op++)
		if (ops[op] != NULL)
			json_object_set_new(o, gw_edit_op_names[op], ops[op]);
	if (json_object_size(o) == 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
conv_route_json(const struct gw_route *rt)
{
	const char	*p;
	json_t		*o, *a, *h;
	size_t		 i, len;
	char		 buf[64];

	o = json_object();
	json_object_set_new(o, "name", conv_jstr(rt->rt_name));
	json_object_set_new(o, "service", conv_jstr(rt->rt_service));
	json_object_set_new(o, "priority", json_integer(rt->rt_priority));
	if (rt->rt_host != NULL)
		json_object_set_new(o, "host", conv_jstr(rt->rt_host));
	if (rt->rt_path_type >= 0 &&
	    (size_t)rt->rt_path_type < CONV_NPATH_KEYS && rt->rt_path != NULL)
		json_object_set_new(o, conv_path_keys[rt->rt_path_type],
		    conv_jstr(rt->rt_path));
	if (rt->rt_methods != NULL) {
		/* "GET,POST" as ["GET", "POST"]. */
		a = json_array();
		p = rt->rt_methods;
		do {
			len = strcspn(p, ",");
			json_array_append_new(a, json_stringn(p, len));
			p += len;
		} while (*p++ == ',');
		json_object_set_new(o, "methods", a);
	}
	if (rt->rt_nheaders > 0) {
		h = json_object();
		for (i = 0; i < rt->rt_nheaders; i++)
			json_object_set_new(h, rt->rt_headers[i].hm_name,
			    rt->rt_headers[i].hm_value != NULL ?
			    conv_jstr(rt->rt_headers[i].hm_value) :
			    json_null());
		json_object_set_new(o, "headers", h);
	}
	if (rt->rt_rewrite != NULL)
		json_object_set_new(o, "rewrite", conv_jstr(rt->rt_rewrite));
	if (rt->rt_timeout_ms != 0)
		json_object_set_new(o, "timeout", json_string(
		    gw_duration_fmt(rt->rt_timeout_ms, buf, sizeof(buf))));
	if (rt->rt_response_timeout_ms != 0)
		json_object_set_new(o, "response_timeout", json_string(
		    gw_duration_fmt(rt->rt_response_timeout_ms, buf,
		    sizeof(buf))));
	if ((h = conv_edits_json(rt, GW_PHASE_REQUEST)) != NULL)
		json_object_set_new(o, "request_headers", h);
	if ((h = conv_edits_json(rt, GW_PHASE_RESPONSE)) != NULL)
		json_object_set_new(o, "response_headers", h);
	return o;
}

/* One header edit; path is "request_headers.set" and the like. */
static void
conv_route_edit(struct conv_obj *ob, struct gw_route *rt, int phase, int op,
    const char *path, const char *name, json_t *v)
{
	const char	*text, *errstr;
	char		*field, num[CONV_NUM_MAX];

	if (gw_header_name_check(name, &errstr) == -1) {
		conv_problem(ob, v, "%s: invalid header name \"%s\": %s", path,
		    name, errstr);
		return;
	}
	field = gw_asprintf("%s.%s", path, name);
	if ((text = conv_scalar(ob, field, v, num, sizeof(num))) == NULL) {
		/* reported */
	} else if (gw_header_value_check(text, &errstr) == -1)
		conv_problem(ob, v, "%s: invalid header value \"%s\": %s",
		    field, text, errstr);
	else
		gw_route_add_edit(rt, phase, op, name, text);
	free(field);
}

/* Edits of one op given as {NAME: VALUE} or {NAME: [VALUE, ...]}. */
static void
conv_route_edit_map(struct conv_obj *ob, struct gw_route *rt, int phase,
    int op, const char *group, json_t *m)
{
	const char	*name;
	json_t		*v, *item;
	char		*path;
	size_t		 i;

	path = gw_asprintf("%s.%s", group, gw_edit_op_names[op]);
	if (!json_is_null(m) && conv_expect(ob, path, m, JSON_OBJECT) == 0) {
		ob->ob_near = m;
		json_object_foreach(m, name, v) {
			if (!json_is_array(v)) {
				conv_route_edit(ob, rt, phase, op, path, name,
				    v);
				continue;
			}
			json_array_foreach(v, i, item)
				conv_route_edit(ob, rt, phase, op, path, name,
				    item);
		}
		ob->ob_near = NULL;
	}
	free(path);
}

static void
conv_route_edits(struct conv_obj *ob, struct gw_route *rt, int phase,
    const char *group, json_t *g)
{
	const char	*key, *name, *errstr;
	json_t		*v, *item;
	char		*path, num[CONV_NUM_MAX];
	size_t		 i;

	if (json_is_null(g) || conv_expect(ob, group, g, JSON_OBJECT) == -1)
		return;
	json_object_foreach(g, key, v) {
		if (strcmp(key, "set") == 0)
			conv_route_edit_map(ob, rt, phase, GW_EDIT_SET, group,
			    v);
		else if (strcmp(key, "add") == 0)
			conv_route_edit_map(ob, rt, phase, GW_EDIT_ADD, group,
			    v);
		else if (strcmp(key, "remove") != 0)
			conv_problem(ob, v, "unknown key \"%s.%s\"", group,
			    key);
	}
	if ((v = json_object_get(g, "remove")) == NULL || json_is_null(v))
		return;
	path = gw_asprintf("%s.remove", group);
	if (conv_expect(ob, path, v, JSON_ARRAY) == 0) {
		json_array_foreach(v, i, item) {
			if ((name = conv_scalar(ob, path, item, num,
			    sizeof(num))) == NULL)
				continue;
			if (gw_header_name_check(name, &errstr) == -1)
				conv_problem(ob, item, "%s: invalid header "
				    "name \"%s\": %s", path, name, errstr);
			else
				gw_route_add_edit(rt, phase, GW_EDIT_REMOVE,
				    name, NULL);
		}
	}
	free(path);
}

static void
conv_route_headers(struct conv_obj *ob, struct gw_route *rt, json_t *h)
{
	const char	*name, *text, *errstr;
	json_t		*v;
	char		*lname, *field, num[CONV_NUM_MAX];
	size_t		 i;

	if (json_is_null(h) || conv_expect(ob, "headers", h, JSON_OBJECT) ==
	    -1)
		return;
	ob->ob_near = h;
	json_object_foreach(h, name, v) {
		if (gw_header_name_check(name, &errstr) == -1) {
			conv_problem(ob, v, "headers: invalid header name "
			    "\"%s\": %s", name, errstr);
			continue;
		}
		/* Names are case-insensitive: X-Env and x-env are one. */
		lname = gw_str_lower(gw_strdup(name));
		for (i = 0; i < rt->rt_nheaders; i++)
			if (strcmp(rt->rt_headers[i].hm_name, lname) == 0)
				break;
		field = gw_asprintf("headers.%s", name);
		if (i < rt->rt_nheaders)
			conv_problem(ob, v, "headers: duplicate header \"%s\"",
			    lname);
		else if (json_is_null(v))
			gw_route_add_match(rt, lname, NULL);
		else if ((text = conv_scalar(ob, field, v, num,
		    sizeof(num))) == NULL) {
			/* reported */
		} else if (gw_header_value_check(text, &errstr) == -1)
			conv_problem(ob, v, "%s: invalid header value "
			    "\"%s\": %s", field, text, errstr);
		else
			gw_route_add_match(rt, lname, text);
		free(field);
		free(lname);
	}
	ob->ob_near = NULL;
}

static void
conv_route_methods(struct conv_obj *ob, struct gw_route *rt, json_t *m)
{
	const char	*text, *errstr;
	json_t		*v;
	char		**list, *norm, num[CONV_NUM_MAX];
	size_t		 i, n = 0;

	if (json_is_null(m) || conv_expect(ob, "methods", m, JSON_ARRAY) ==
	    -1)
		return;
	list = gw_calloc(json_array_size(m) + 1, sizeof(*list));
	json_array_foreach(m, i, v) {
		if ((text = conv_scalar(ob, "methods", v, num,
		    sizeof(num))) == NULL)
			continue;
		if ((norm = gw_method_norm(text, &errstr)) == NULL)
			conv_problem(ob, v, "methods: invalid method \"%s\": "
			    "%s", text, errstr);
		else
			list[n++] = norm;
	}
	free(rt->rt_methods);
	rt->rt_methods = gw_methods_join(list, n);
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* prefix, path or regex: the one way a route matches paths. */
static void
conv_route_match(struct conv_obj *ob, struct gw_route *rt, int type,
    const char *key, json_t *v)
{
	const char	*text, *errstr;
	char		 num[CONV_NUM_MAX], errbuf[256];

	if ((text = conv_scalar(ob, key, v, num, sizeof(num))) == NULL)
		return;
	if (type == GW_PATH_REGEX) {
		if (gw_regex_check(text, errbuf, sizeof(errbuf)) == -1) {
			conv_problem(ob, v, "regex: invalid regex \"%s\": %s",
			    text, errbuf);
			return;
		}
	} else if (gw_path_check(text, &errstr) == -1) {
		conv_problem(ob, v, "%s: invalid path \"%s\": %s", key, text,
		    errstr);
		return;
	}
	rt->rt_path_type = type;
	free(rt->rt_path);
	rt->rt_path = gw_strdup(text);
}

/* Keys whose null means "not set": the default stays. */
static void
conv_route_scalar(struct conv_obj *ob, struct gw_route *rt, const char *key,
    json_t *v)
{
	const char	*text, *errstr;
	char		*host, num[CONV_NUM_MAX];

	if (json_is_null(v) ||
	    (text = conv_scalar(ob, key, v, num, sizeof(num))) == NULL)
		return;
	if (strcmp(key, "priority") == 0) {
		if (gw_priority_parse(text, &rt->rt_priority, &errstr) == -1)
			conv_problem(ob, v, "priority: invalid priority "
			    "\"%s\": %s", text, errstr);
	} else if (strcmp(key, "host") == 0) {
		if ((host = gw_route_host_norm(text, &errstr)) == NULL)
			conv_problem(ob, v, "host: invalid host \"%s\": %s",
			    text, errstr);
		else {
			free(rt->rt_host);
			rt->rt_host = host;
		}
	} else if (strcmp(key, "rewrite") == 0) {
		if (gw_path_check(text, &errstr) == -1)
			conv_problem(ob, v, "rewrite: invalid path \"%s\": %s",
			    text, errstr);
		else {
			free(rt->rt_rewrite);
			rt->rt_rewrite = gw_strdup(text);
		}
	} else if (strcmp(key, "timeout") == 0) {
		if (gw_duration_parse(text, &rt->rt_timeout_ms, &errstr) == -1)
			conv_problem(ob, v, "timeout: invalid duration "
			    "\"%s\": %s", text, errstr);
	} else if (strcmp(key, "response_timeout") == 0) {
		if (gw_duration_parse(text, &rt->rt_response_timeout_ms,
		    &errstr) == -1)
			conv_problem(ob, v, "response_timeout: invalid "
			    "duration \"%s\": %s", text, errstr);
	}
}

/* Reads one route into rt (always initialised).  0, or -1 if reported. */
static int
conv_route_parse(struct conv_ctx *cx, json_t *j, struct gw_route *rt)
{
	struct conv_obj	 ob = { cx, "route", NULL, j, NULL };
	const char	*key, *service, *match = NULL;
	json_t		*v;
	char		 num[CONV_NUM_MAX], snum[CONV_NUM_MAX];
	size_t		 i;
	int		 nerr = cx->cx_nerr;

	if (!json_is_object(j)) {
		gw_route_init(rt, NULL, NULL);
		conv_problem(&ob, j, "expected a mapping, got %s",
		    conv_type(j));
		return -1;
	}
	ob.ob_name = conv_name(&ob, j, num, sizeof(num));
	service = conv_required(&ob, j, "service", snum, sizeof(snum));
	gw_route_init(rt, ob.ob_name, service);
	json_object_foreach(j, key, v) {
		for (i = 0; i < CONV_NPATH_KEYS; i++)
			if (strcmp(key, conv_path_keys[i]) == 0)
				break;
		if (i < CONV_NPATH_KEYS) {
			if (match != NULL)
				conv_problem(&ob, v, "%s: prefix, path and "
				    "regex exclude each other (%s given too)",
				    key, match);
			else
				conv_route_match(&ob, rt, (int)i, key, v);
			match = key;
		} else if (strcmp(key, "name") == 0 ||
		    strcmp(key, "service") == 0)
			continue;
		else if (strcmp(key, "priority") == 0 ||
		    strcmp(key, "host") == 0 || strcmp(key, "rewrite") == 0 ||
		    strcmp(key, "timeout") == 0 ||
		    strcmp(key, "response_timeout") == 0)
			conv_route_scalar(&ob, rt, key, v);
		else if (strcmp(key, "methods") == 0)
			conv_route_methods(&ob, rt, v);
		else if (strcmp(key, "headers") == 0)
			conv_route_headers(&ob, rt, v);
		else if (strcmp(key, "request_headers") == 0)
			conv_route_edits(&ob, rt, GW_PHASE_REQUEST, key, v);
		else if (strcmp(key, "response_headers") == 0)
			conv_route_edits(&ob, rt, GW_PHASE_RESPONSE, key, v);
		else
			conv_problem(&ob, v, "unknown key \"%s\"", key);
	}
	return cx->cx_nerr > nerr ? -1 : 0;
}

int
conv_route_from_json(json_t *j, struct gw_route *rt, char *errbuf,
    size_t errlen)
{
	struct conv_ctx	 cx = { NULL, NULL, errbuf, errlen, 0, NULL };

	if (conv_route_parse(&cx, j, rt) == -1) {
		gw_route_free(rt);
		return -1;
	}
	return 0;
}

/*
 * Scale targets.
 *
 *   scale_targets:
 *   - name: web
 *     workload: deployment/web      KIND/NAME
 *     namespace: default
 *     min_replicas: 1
 *     max_replicas: 10
 *     tolerance: 0.1
 *     downscale_stabilization: 5m
 *     cooldown: 5m
 *     metrics:
 *     - {source: gateway, service: web, metric: requests_per_second,
 *        type: average_value, target: 100, window: 1m, activation: 0}
 *     - {source: prometheus, url: ..., query: ..., type: value, ...}
 *     behavior: {scaleUp: ..., scaleDown: ...}   the HPA's, camelCase
 *
 * Reading checks types; the ranges and the rules between fields are
 * gw_scale_target_check()'s, run by validation, whose problems name the
 * key path ("metrics.0.target") so they carry the file's line too.
 */

/* A number as JSON: an integer when it is one, so 100 is not "100.0". */
static json_t *
conv_num(double d)
{
	if (d == (double)(long long)d && d > -1e15 && d < 1e15)
		return json_integer((json_int_t)d);
	return json_real(d);
}

/* The word of an enum value, or its number when it has none. */
static json_t *
conv_enum_json(const char *const *names, int max, int v)
{
	if (v >= 0 && v <= max)
		return json_string(names[v]);
	return json_integer(v);
}

static json_t *
conv_metric_json(const struct gw_scale_metric *m)
{
	json_t	*o = json_object();
	char	 d[32];

	json_object_set_new(o, "source", conv_enum_json(gw_scale_source_names,
	    GW_SCALE_PROMETHEUS, m->sm_source));
	if (m->sm_source == GW_SCALE_PROMETHEUS) {
		if (m->sm_url != NULL)
			json_object_set_new(o, "url", conv_jstr(m->sm_url));
		if (m->sm_metric != NULL)
			json_object_set_new(o, "query",
			    conv_jstr(m->sm_metric));
	} else {
		if (m->sm_service != NULL)
			json_object_set_new(o, "service",
			    conv_jstr(m->sm_service));
		if (m->sm_metric != NULL)
			json_object_set_new(o, "metric",
			    conv_jstr(m->sm_metric));
	}
	json_object_set_new(o, "type", conv_enum_json(gw_scale_ttype_names,
	    GW_SCALE_UTILIZATION, m->sm_ttype));
	json_object_set_new(o, "target", conv_num(m->sm_target));
	/* A query gives its own range: a window is written only if set. */
	if (m->sm_source != GW_SCALE_PROMETHEUS ||
	    m->sm_window_ms != GW_SCALE_WINDOW_MS)
		json_object_set_new(o, "window", json_string(gw_duration_fmt(
		    m->sm_window_ms, d, sizeof(d))));
	json_object_set_new(o, "activation", conv_num(m->sm_activation));
	return o;
}

json_t *
conv_scale_json(const struct gw_scale_target *t)
{
	json_t	*o, *a, *b;
	char	*text, d[32];
	size_t	 i;

	o = json_object();
	json_object_set_new(o, "name", conv_jstr(t->st_name));
	if (t->st_kind >= GW_SCALE_DEPLOYMENT &&
	    t->st_kind <= GW_SCALE_REPLICASET)
		text = gw_asprintf("%s/%s", gw_scale_kind_names[t->st_kind],
		    t->st_workload != NULL ? t->st_workload : "");
	else
		text = gw_strdup_null(t->st_workload);
	json_object_set_new(o, "workload", conv_jstr(text));
	free(text);
	json_object_set_new(o, "namespace", conv_jstr(t->st_namespace));
	json_object_set_new(o, "min_replicas", json_integer(t->st_min));
	json_object_set_new(o, "max_replicas", json_integer(t->st_max));
	json_object_set_new(o, "tolerance", conv_num(t->st_tolerance));
	json_object_set_new(o, "downscale_stabilization", json_string(
	    gw_duration_fmt(t->st_downscale_ms, d, sizeof(d))));
	json_object_set_new(o, "cooldown", json_string(gw_duration_fmt(
	    t->st_cooldown_ms, d, sizeof(d))));
	a = json_array();
	for (i = 0; i < t->st_nmetrics; i++)
		json_array_append_new(a, conv_metric_json(&t->st_metrics[i]));
	json_object_set_new(o, "metrics", a);
	/* As stored: every default filled in.  None: the legacy path. */
	if (t->st_has_behavior && t->st_load_err == NULL) {
		if ((text = gw_hpa_behavior_json(&t->st_behavior)) == NULL ||
		    (b = json_loads(text, 0, NULL)) == NULL)
			errx(1, "out of memory");
		free(text);
		json_object_set_new(o, "behavior", b);
	}
	return o;
}

/* A number of a scale target: finite, no trailing junk. */
static int
conv_double(const char *s, double *out)
{
	char	*end;
	double	 d;

	if (*s == '\0' || *s == ' ' || *s == '\t')
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d))
		return -1;
	*out = d;
	return 0;
}

/*
 * Reads the scalar value v of key (path names it in messages) as the
 * type of that key into the member at p.  0 when read, -1 when reported
 * or null (the default stays).
 */
enum conv_stype {
	CONV_S_INT32,		/* int32_t */
	CONV_S_REAL,		/* double */
	CONV_S_DURATION,	/* int64_t ms */
	CONV_S_STR		/* char *, replaced */
};

static int
conv_scale_value(struct conv_obj *ob, const char *path, json_t *v,
    enum conv_stype type, void *p)
{
	const char	*text, *errstr;
	char		 num[CONV_NUM_MAX];
	long long	 n;
	int64_t		 ms;
	double		 d;

	if (json_is_null(v) ||
	    (text = conv_scalar(ob, path, v, num, sizeof(num))) == NULL)
		return -1;
	switch (type) {
	case CONV_S_INT32:
		if (gw_int_parse(text, INT32_MIN, INT32_MAX, &n, &errstr) ==
		    -1) {
			conv_problem(ob, v, "%s: invalid number \"%s\": %s",
			    path, text, errstr);
			return -1;
		}
		*(int32_t *)p = (int32_t)n;
		return 0;
	case CONV_S_REAL:
		if (conv_double(text, &d) == -1) {
			conv_problem(ob, v, "%s: invalid number \"%s\": not a "
			    "number", path, text);
			return -1;
		}
		*(double *)p = d;
		return 0;
	case CONV_S_DURATION:
		if (gw_duration_parse(text, &ms, &errstr) == -1) {
			conv_problem(ob, v, "%s: invalid duration \"%s\": %s",
			    path, text, errstr);
			return -1;
		}
		*(int64_t *)p = ms;
		return 0;
	case CONV_S_STR:
		free(*(char **)p);
		*(char **)p = gw_strdup(text);
		return 0;
	}
	return -1;
}

/* The keys of a metric, with where each goes. */
static const struct conv_mkey {
	const char	*mk_key;
	enum conv_stype	 mk_type;
	size_t		 mk_off;
} conv_mkeys[] = {
	{ "service", CONV_S_STR, offsetof(struct gw_scale_metric, sm_service) },
	{ "metric", CONV_S_STR, offsetof(struct gw_scale_metric, sm_metric) },
	{ "query", CONV_S_STR, offsetof(struct gw_scale_metric, sm_metric) },
	{ "url", CONV_S_STR, offsetof(struct gw_scale_metric, sm_url) },
	{ "target", CONV_S_REAL, offsetof(struct gw_scale_metric, sm_target) },
	{ "window", CONV_S_DURATION,
	    offsetof(struct gw_scale_metric, sm_window_ms) },
	{ "activation", CONV_S_REAL,
	    offsetof(struct gw_scale_metric, sm_activation) },
};

/*
 * Metric i of a target, into m (always initialised).  The source is the
 * one given, else prometheus when a url or a query is, else gateway.
 */
static void
conv_metric_parse(struct conv_obj *ob, json_t *j, size_t i,
    struct gw_scale_metric *m)
{
	const struct conv_mkey	*mk;
	const char		*key, *text, *errstr;
	json_t			*v;
	char			 path[64], num[CONV_NUM_MAX];
	size_t			 k;
	int			 src = -1;

	gw_scale_metric_init(m);
	snprintf(path, sizeof(path), "metric %zu", i + 1);
	if (!json_is_object(j)) {
		conv_problem(ob, j, "%s: expected a mapping, got %s", path,
		    conv_type(j));
		return;
	}
	snprintf(path, sizeof(path), "metric %zu: source", i + 1);
	if ((v = json_object_get(j, "source")) != NULL && !json_is_null(v) &&
	    (text = conv_scalar(ob, path, v, num, sizeof(num))) != NULL &&
	    gw_enum_parse(gw_scale_source_names, text, &src, &errstr) == -1) {
		conv_bad_enum(ob, v, path, text, gw_scale_source_names);
		src = -1;
	}
	if (src == -1)
		src = json_object_get(j, "url") != NULL ||
		    json_object_get(j, "query") != NULL ?
		    GW_SCALE_PROMETHEUS : GW_SCALE_GATEWAY;
	m->sm_source = src;
	json_object_foreach(j, key, v) {
		snprintf(path, sizeof(path), "metric %zu: %s", i + 1, key);
		if (strcmp(key, "source") == 0)
			continue;
		if (strcmp(key, "type") == 0) {
			if (json_is_null(v) || (text = conv_scalar(ob, path, v,
			    num, sizeof(num))) == NULL)
				continue;
			if (gw_enum_parse(gw_scale_ttype_names, text,
			    &m->sm_ttype, &errstr) == -1)
				conv_bad_enum(ob, v, path, text,
				    gw_scale_ttype_names);
			continue;
		}
		for (k = 0; k < sizeof(conv_mkeys) / sizeof(conv_mkeys[0]);
		    k++)
			if (strcmp(key, conv_mkeys[k].mk_key) == 0)
				break;
		if (k == sizeof(conv_mkeys) / sizeof(conv_mkeys[0])) {
			conv_problem(ob, v, "metric %zu: unknown key \"%s\"",
			    i + 1, key);
			continue;
		}
		mk = &conv_mkeys[k];
		if (strcmp(key, "query") == 0 && src == GW_SCALE_GATEWAY)
			conv_problem(ob, v, "%s: only a prometheus metric has "
			    "a query (a gateway metric takes metric: NAME)",
			    path);
		else if (strcmp(key, "metric") == 0 &&
		    src == GW_SCALE_PROMETHEUS)
			conv_problem(ob, v, "%s: a prometheus metric takes "
			    "query: PROMQL", path);
		else
			conv_scale_value(ob, path, v, mk->mk_type,
			    (char *)m + mk->mk_off);
	}
	if ((v = json_object_get(j, "target")) == NULL || json_is_null(v))
		conv_problem(ob, j, "metric %zu: missing target", i + 1);
}

/* Keys of a behavior whose values are integers (HPAScalingRules). */
static const char *const conv_beh_ints[] = {
	"stabilizationWindowSeconds", "value", "periodSeconds", NULL
};

/*
 * A copy of a behavior as read from YAML, whose scalars are all strings,
 * with the integers of the integer fields as JSON integers, as the
 * API's JSON has them.  Anything else stays as it is, for
 * gw_hpa_behavior_from_json() to judge.
 */
static json_t *
conv_beh_typed(json_t *v, const char *key)
{
	const char	*k, *s;
	json_t		*o, *x;
	size_t		 i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		o = json_object();
		json_object_foreach(v, k, x)
			json_object_set_new(o, k, conv_beh_typed(x, k));
		return o;
	case JSON_ARRAY:
		o = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(o, conv_beh_typed(x, NULL));
		return o;
	case JSON_STRING:
		s = json_string_value(v);
		if (key == NULL || gw_scale_name_index(conv_beh_ints, key) ==
		    -1 || *s == '\0' ||
		    strspn(s + (*s == '-'), "0123456789") != strlen(s) -
		    (*s == '-') || strlen(s) > 12)
			break;
		return json_integer(strtoll(s, NULL, 10));
	default:
		break;
	}
	return json_incref(v);
}

/*
 * The node of the original behavior that a message of
 * gw_hpa_behavior_from_json() is about: it starts with the path
 * ("behavior.scaleDown.policies[0].periodSeconds"), and names an unknown
 * field after it.
 */
static json_t *
conv_beh_node(json_t *beh, const char *msg)
{
	const char	*p = msg, *q;
	json_t		*cur = beh, *next;
	size_t		 len;

	if (strncmp(p, "behavior", 8) != 0)
		return beh;
	for (p += 8; *p == '.' || *p == '['; p = q) {
		if (*p == '[') {
			next = json_array_get(cur, strtoul(p + 1, NULL, 10));
			q = strchr(p, ']');
			q = q != NULL ? q + 1 : p + strlen(p);
		} else {
			len = strcspn(p + 1, ".[ :");
			next = json_object_getn(cur, p + 1, len);
			q = p + 1 + len;
		}
		if (next == NULL)
			return cur;
		cur = next;
	}
	if ((q = strstr(p, "unknown field \"")) != NULL &&
	    json_is_object(cur)) {
		q += strlen("unknown field \"");
		if ((next = json_object_getn(cur, q, strcspn(q, "\""))) !=
		    NULL)
			cur = next;
	}
	return cur;
}

static void
conv_scale_behavior(struct conv_obj *ob, struct gw_scale_target *t,
    json_t *v)
{
	json_t	*typed;
	char	 why[512];

	if (json_is_null(v))
		return;		/* none: the legacy path */
	typed = conv_beh_typed(v, NULL);
	if (gw_hpa_behavior_from_json(typed, &t->st_behavior, why,
	    sizeof(why)) == -1)
		conv_problem(ob, conv_beh_node(v, why), "%s", why);
	else
		t->st_has_behavior = 1;
	json_decref(typed);
}

/*
 * Reads one scale target into t (always initialised; the caller frees
 * it).  0, or -1 after reporting.
 */
static int
conv_scale_parse(struct conv_ctx *cx, json_t *j, struct gw_scale_target *t)
{
	struct conv_obj	 ob = { cx, "scale target", NULL, j, NULL };
	const char	*key, *text;
	json_t		*v;
	char		 num[CONV_NUM_MAX], why[512];
	size_t		 i;
	int		 nerr = cx->cx_nerr;

	gw_scale_target_init(t);
	t->st_namespace = gw_strdup("default");
	if (!json_is_object(j)) {
		conv_problem(&ob, j, "expected a mapping, got %s",
		    conv_type(j));
		return -1;
	}
	ob.ob_name = conv_name(&ob, j, num, sizeof(num));
	t->st_name = gw_strdup_null(ob.ob_name);
	json_object_foreach(j, key, v) {
		if (strcmp(key, "name") == 0)
			continue;
		if (strcmp(key, "workload") == 0) {
			if ((text = conv_scalar(&ob, key, v, num,
			    sizeof(num))) == NULL)
				continue;
			free(t->st_workload);
			if (gw_scale_workload_parse(text, &t->st_kind,
			    &t->st_workload, why, sizeof(why)) == -1)
				conv_problem(&ob, v, "workload: invalid "
				    "workload \"%s\": %s", text, why);
		} else if (strcmp(key, "namespace") == 0)
			conv_scale_value(&ob, key, v, CONV_S_STR,
			    &t->st_namespace);
		else if (strcmp(key, "min_replicas") == 0)
			conv_scale_value(&ob, key, v, CONV_S_INT32, &t->st_min);
		else if (strcmp(key, "max_replicas") == 0)
			conv_scale_value(&ob, key, v, CONV_S_INT32, &t->st_max);
		else if (strcmp(key, "tolerance") == 0)
			conv_scale_value(&ob, key, v, CONV_S_REAL,
			    &t->st_tolerance);
		else if (strcmp(key, "downscale_stabilization") == 0)
			conv_scale_value(&ob, key, v, CONV_S_DURATION,
			    &t->st_downscale_ms);
		else if (strcmp(key, "cooldown") == 0)
			conv_scale_value(&ob, key, v, CONV_S_DURATION,
			    &t->st_cooldown_ms);
		else if (strcmp(key, "metrics") == 0) {
			if (json_is_null(v) ||
			    conv_expect(&ob, key, v, JSON_ARRAY) == -1)
				continue;
			ob.ob_near = v;
			t->st_metrics = gw_calloc(json_array_size(v) + 1,
			    sizeof(*t->st_metrics));
			for (i = 0; i < json_array_size(v); i++)
				conv_metric_parse(&ob, json_array_get(v, i),
				    i, &t->st_metrics[t->st_nmetrics++]);
			ob.ob_near = NULL;
		} else if (strcmp(key, "behavior") == 0) {
			if (!json_is_null(v) &&
			    conv_expect(&ob, key, v, JSON_OBJECT) == -1)
				continue;
			conv_scale_behavior(&ob, t, v);
		} else
			conv_problem(&ob, v, "unknown key \"%s\"", key);
	}
	if ((v = json_object_get(j, "workload")) == NULL || json_is_null(v))
		conv_problem(&ob, j, "missing workload");
	if ((v = json_object_get(j, "max_replicas")) == NULL ||
	    json_is_null(v))
		conv_problem(&ob, j, "missing max_replicas");
	if ((v = json_object_get(j, "metrics")) == NULL || json_is_null(v))
		conv_problem(&ob, j, "missing metrics");
	return cx->cx_nerr > nerr ? -1 : 0;
}

int
conv_scale_from_json(json_t *j, struct gw_scale_target *t, char *errbuf,
    size_t errlen)
{
	struct conv_ctx	 cx = { NULL, NULL, errbuf, errlen, 0, NULL };

	if (conv_scale_parse(&cx, j, t) == -1) {
		gw_scale_target_free(t);
		return -1;
	}
	return 0;
}

/*
 * Whole configurations.
 */

json_t *
conv_config_json(const struct gw_config *cf, int flags)
{
	json_t	*o, *a;
	size_t	 i;

	o = json_object();
	a = json_array();
	for (i = 0; i < cf->cf_nservices; i++)
		json_array_append_new(a,
		    conv_service_json(&cf->cf_services[i], cf, flags));
	json_object_set_new(o, "services", a);
	a = json_array();
	for (i = 0; i < cf->cf_nroutes; i++)
		json_array_append_new(a, conv_route_json(&cf->cf_routes[i]));
	json_object_set_new(o, "routes", a);
	/* Only when there are some: a file without them stays as it was. */
	if (cf->cf_nscale_targets == 0)
		return o;
	a = json_array();
	for (i = 0; i < cf->cf_nscale_targets; i++)
		json_array_append_new(a,
		    conv_scale_json(&cf->cf_scale_targets[i]));
	json_object_set_new(o, "scale_targets", a);
	return o;
}

/* Appends node to one of src's arrays, parallel to a config array of n. */
static void
conv_src_push(json_t ***arr, size_t n, json_t *node)
{
	*arr = gw_reallocarray(*arr, n, sizeof(**arr));
	(*arr)[n - 1] = node;
}

/* Remembers node as an object whose problems were already reported. */
static void
conv_src_bad(struct conv_src *src, json_t *node)
{
	src->cs_bad = gw_reallocarray(src->cs_bad, src->cs_nbad + 1,
	    sizeof(*src->cs_bad));
	src->cs_bad[src->cs_nbad++] = node;
}

/* "defined twice", with the first one's line when known. */
static void
conv_dup(struct conv_obj *ob, json_t *first)
{
	int	 line = yamlio_line(ob->ob_cx->cx_lines, first);

	if (line > 0)
		conv_problem(ob, ob->ob_node, "defined twice (first at line "
		    "%d)", line);
	else
		conv_problem(ob, ob->ob_node, "defined twice");
}

static void
conv_backends(struct conv_ctx *cx, json_t *list, const char *service,
    struct gw_config *out, struct conv_src *src)
{
	struct conv_obj		 ob = { cx, "service", service, list, NULL };
	struct gw_backend	 be, *prev;
	json_t			*j;
	size_t			 i, k, first = out->cf_nbackends;
	int			 dup = 0;
	char			 id[GW_ADDR_STR_MAX + GW_NAME_MAX + 2];

	if (json_is_null(list) ||
	    conv_expect(&ob, "backends", list, JSON_ARRAY) == -1)
		return;
	json_array_foreach(list, i, j) {
		conv_backend_parse(cx, j, 1, service, &be);
		for (k = first; be.be_host != NULL && k < out->cf_nbackends;
		    k++) {
			prev = &out->cf_backends[k];
			if (prev->be_port == be.be_port &&
			    strcmp(prev->be_host, be.be_host) == 0) {
				ob.ob_kind = "backend";
				ob.ob_name = service != NULL ?
				    gw_backend_id(&be, id, sizeof(id)) : NULL;
				ob.ob_node = j;
				conv_dup(&ob, src->cs_backends[k]);
				dup = 1;
				break;
			}
		}
		/*
		 * Without an identity (or twice) it cannot be checked.  One
		 * found by DNS is discovery's: a file neither adds nor
		 * changes it, whatever the file says of it.
		 */
		if (be.be_host == NULL || be.be_service == NULL || dup ||
		    be.be_source == GW_BE_DNS) {
			gw_backend_free(&be);
			dup = 0;
			continue;
		}
		*gw_config_new_backend(out) = be;
		conv_src_push(&src->cs_backends, out->cf_nbackends, j);
	}
}

static void
conv_services(struct conv_ctx *cx, json_t *list, struct gw_config *out,
    struct conv_src *src)
{
	struct conv_obj		 ob = { cx, NULL, NULL, list, NULL };
	struct gw_service	 sv;
	json_t			*j, *backends;
	char			*name;
	size_t			 i;
	long			 k;
	int			 dup;

	if (json_is_null(list) ||
	    conv_expect(&ob, "services", list, JSON_ARRAY) == -1)
		return;
	json_array_foreach(list, i, j) {
		backends = NULL;
		conv_service_parse(cx, j, &sv, &backends);
		dup = 0;
		if (sv.sv_name != NULL &&
		    (k = gw_config_find_service(out, sv.sv_name)) >= 0) {
			ob.ob_kind = "service";
			ob.ob_name = sv.sv_name;
			ob.ob_node = j;
			conv_dup(&ob, src->cs_services[k]);
			dup = 1;
		}
		/* sv_name is NULL when the name was reported invalid. */
		name = gw_strdup_null(sv.sv_name);
		if (sv.sv_name == NULL || dup) {
			gw_service_free(&sv);
		} else {
			/* The model takes sv's strings. */
			*gw_config_new_service(out) = sv;
			conv_src_push(&src->cs_services, out->cf_nservices,
			    j);
		}
		if (backends != NULL)
			conv_backends(cx, backends, dup ? NULL : name, out,
			    src);
		free(name);
	}
}

static void
conv_routes(struct conv_ctx *cx, json_t *list, struct gw_config *out,
    struct conv_src *src)
{
	struct conv_obj		 ob = { cx, NULL, NULL, list, NULL };
	struct gw_route		 rt;
	json_t			*j, **seen_node = NULL;
	char			**seen = NULL;
	size_t			 i, k, nseen = 0;
	int			 dup;

	if (json_is_null(list) ||
	    conv_expect(&ob, "routes", list, JSON_ARRAY) == -1)
		return;
	json_array_foreach(list, i, j) {
		conv_route_parse(cx, j, &rt);
		dup = 0;
		/*
		 * Every named route counts for duplicates, also those left
		 * out below, so one run reports both problems.
		 */
		for (k = 0; rt.rt_name != NULL && k < nseen; k++) {
			if (strcmp(seen[k], rt.rt_name) != 0)
				continue;
			ob.ob_kind = "route";
			ob.ob_name = rt.rt_name;
			ob.ob_node = j;
			conv_dup(&ob, seen_node[k]);
			dup = 1;
			break;
		}
		if (rt.rt_name != NULL && !dup) {
			seen = gw_reallocarray(seen, nseen + 1, sizeof(*seen));
			seen_node = gw_reallocarray(seen_node, nseen + 1,
			    sizeof(*seen_node));
			seen[nseen] = gw_strdup(rt.rt_name);
			seen_node[nseen++] = j;
		}
		/*
		 * A route whose match could not be read would be checked
		 * as a catch-all "/" and draw false "same requests" reports.
		 */
		if (rt.rt_name == NULL || rt.rt_service == NULL || dup ||
		    conv_src_is_bad(src, j, "path")) {
			gw_route_free(&rt);
			continue;
		}
		*gw_config_new_route(out) = rt;
		conv_src_push(&src->cs_routes, out->cf_nroutes, j);
	}
	for (k = 0; k < nseen; k++)
		free(seen[k]);
	free(seen);
	free(seen_node);
}

static void
conv_scale_targets(struct conv_ctx *cx, json_t *list, struct gw_config *out,
    struct conv_src *src)
{
	struct conv_obj		 ob = { cx, NULL, NULL, list, NULL };
	struct gw_scale_target	 t;
	json_t			*j;
	size_t			 i;
	long			 k;

	if (json_is_null(list) ||
	    conv_expect(&ob, "scale_targets", list, JSON_ARRAY) == -1)
		return;
	json_array_foreach(list, i, j) {
		conv_scale_parse(cx, j, &t);
		if (t.st_name != NULL && (k = gw_config_find_scale_target(out,
		    t.st_name)) >= 0) {
			ob.ob_kind = "scale target";
			ob.ob_name = t.st_name;
			ob.ob_node = j;
			conv_dup(&ob, src->cs_scale_targets[k]);
			gw_scale_target_free(&t);
			continue;
		}
		if (t.st_name == NULL) {
			gw_scale_target_free(&t);
			continue;
		}
		/* The model takes t's strings. */
		*gw_config_new_scale_target(out) = t;
		conv_src_push(&src->cs_scale_targets, out->cf_nscale_targets,
		    j);
	}
}

int
conv_config_from_json(json_t *doc, const char *file,
    const struct yaml_lines *lines, struct gw_config *out,
    struct conv_src *src)
{
	struct conv_ctx	 cx = { file != NULL ? file : "-", lines, NULL, 0,
			    0, NULL };
	struct conv_obj	 ob = { &cx, NULL, NULL, doc, NULL };
	struct conv_src	 tmp = { cx.cx_file, lines, NULL, NULL, NULL, NULL,
			    NULL, 0 };
	const char	*key;
	json_t		*v;

	gw_config_init(out);
	cx.cx_src = &tmp;
	if (!json_is_object(doc))
		conv_problem(&ob, doc, "expected a mapping of services, "
		    "routes and scale targets, got %s", conv_type(doc));
	else {
		/* In file order, so the messages come out in line order. */
		json_object_foreach(doc, key, v) {
			if (strcmp(key, "services") == 0)
				conv_services(&cx, v, out, &tmp);
			else if (strcmp(key, "routes") == 0)
				conv_routes(&cx, v, out, &tmp);
			else if (strcmp(key, "scale_targets") == 0)
				conv_scale_targets(&cx, v, out, &tmp);
			else
				conv_problem(&ob, v, "unknown key \"%s\"",
				    key);
		}
	}
	if (src == NULL)
		conv_src_free(&tmp);
	else
		*src = tmp;
	return cx.cx_nerr;
}

void
conv_src_free(struct conv_src *src)
{
	if (src == NULL)
		return;
	free(src->cs_services);
	free(src->cs_backends);
	free(src->cs_routes);
	free(src->cs_scale_targets);
	free(src->cs_bad);
	src->cs_services = src->cs_backends = src->cs_routes = NULL;
	src->cs_scale_targets = NULL;
	src->cs_bad = NULL;
	src->cs_nbad = 0;
}

/* Element p (a decimal index of len bytes) of array a, or NULL. */
static json_t *
conv_array_step(json_t *a, const char *p, size_t len)
{
	size_t	 i = 0, k;

	if (len == 0 || len > 6)
		return NULL;
	for (k = 0; k < len; k++) {
		if (p[k] < '0' || p[k] > '9')
			return NULL;
		i = i * 10 + (size_t)(p[k] - '0');
	}
	return json_array_get(a, i);
}

static int
conv_node_bad(const struct conv_src *src, const json_t *node)
{
	size_t i;

	for (i = 0; i < src->cs_nbad; i++)
		if (src->cs_bad[i] == node)
			return 1;
	return 0;
}

int
conv_src_is_bad(const struct conv_src *src, json_t *node, const char *field)
{
	const char	*p, *dot;
	json_t		*cur = node, *next;
	size_t		 len;

	if (src == NULL || node == NULL)
		return 0;
	if (conv_node_bad(src, node))
		return 1;
	for (p = field; p != NULL && *p != '\0' && (json_is_object(cur) ||
	    json_is_array(cur)); p = dot != NULL ? dot + 1 : NULL) {
		dot = strchr(p, '.');
		len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (json_is_array(cur))
			next = conv_array_step(cur, p, len);
		else if ((next = json_object_getn(cur, p, len)) == NULL &&
		    cur == node)
			next = conv_match_node(cur);
		if (next == NULL)
			break;
		if (conv_node_bad(src, next))
			return 1;
		cur = next;
	}
	return 0;
}

/* The node of whichever of prefix, path and regex route node j has. */
static json_t *
conv_match_node(json_t *j)
{
	json_t	*v;
	size_t	 i;

	for (i = 0; i < CONV_NPATH_KEYS; i++)
		if ((v = json_object_get(j, conv_path_keys[i])) != NULL)
			return v;
	return NULL;
}

/*
 * Validation names fields by their YAML path ("health_check.timeout").
 * It may call a route's match "path" whichever key the file used, so a
 * match key not in the node means the one that is.
 */
int
conv_src_line(const struct conv_src *src, json_t *node, const char *field)
{
	const char	*p, *dot;
	json_t		*cur = node, *next;
	size_t		 len, i;
	int		 line, l;

	if (src == NULL || src->cs_lines == NULL || node == NULL)
		return 0;
	line = yamlio_line(src->cs_lines, node);
	for (p = field; p != NULL && *p != '\0' && (json_is_object(cur) ||
	    json_is_array(cur)); p = dot != NULL ? dot + 1 : NULL) {
		dot = strchr(p, '.');
		len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		next = json_is_array(cur) ? conv_array_step(cur, p, len) :
		    json_object_getn(cur, p, len);
		for (i = 0; next == NULL && cur == node && i < CONV_NPATH_KEYS;
		    i++)
			if (strlen(conv_path_keys[i]) == len &&
			    strncmp(p, conv_path_keys[i], len) == 0)
				next = conv_match_node(cur);
		if (next == NULL)
			break;
		if ((l = yamlio_line(src->cs_lines, next)) > 0)
			line = l;
		cur = next;
	}
	return line;
}
