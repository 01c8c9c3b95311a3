/*
 * diff: what differs between two configurations, as a change set in the
 * order the database can take it, and how to print it for people.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "addr.h"
#include "config.h"
#include "gwctl.h"
#include "str.h"

const char *const change_op_names[] = { "create", "update", "delete", NULL };

/* Past-tense words of kubectl apply, by enum change_op. */
static const char *const change_op_done[] = {
	"created", "configured", "deleted"
};

static int
backend_cmp(const struct gw_backend *a, const struct gw_backend *b)
{
	int c;

	if ((c = strcmp(a->be_service, b->be_service)) != 0)
		return c;
	if ((c = strcmp(a->be_host, b->be_host)) != 0)
		return c;
	return (a->be_port > b->be_port) - (a->be_port < b->be_port);
}

static void
cs_add(struct changeset *cs, enum gw_kind kind, enum change_op op,
    const void *before, const void *after)
{
	struct change	*ch;
	const void	*obj = after ? after : before;
	char		 buf[GW_ADDR_STR_MAX + GW_NAME_MAX + 2];

	cs->cs_v = gw_reallocarray(cs->cs_v, cs->cs_n + 1, sizeof(*cs->cs_v));
	ch = &cs->cs_v[cs->cs_n++];
	ch->ch_kind = kind;
	ch->ch_op = op;
	ch->ch_before = before;
	ch->ch_after = after;
	switch (kind) {
	case GW_KIND_SERVICE:
		ch->ch_name = gw_strdup(((const struct gw_service *)obj)->
		    sv_name);
		break;
	case GW_KIND_BACKEND:
		ch->ch_name = gw_strdup(gw_backend_id(obj, buf, sizeof(buf)));
		break;
	case GW_KIND_SCALE:
		ch->ch_name = gw_strdup(((const struct gw_scale_target *)obj)->
		    st_name);
		break;
	default:
		ch->ch_name = gw_strdup(((const struct gw_route *)obj)->
		    rt_name);
		break;
	}
}

/* What diff_kind() needs to know of one kind of object. */
struct diff_ops {
	enum gw_kind	  do_kind;
	size_t		  do_size;	/* of one element */
	int		(*do_cmp)(const void *, const void *);	/* identity */
	int		(*do_equal)(const void *, const void *);
};

static int
service_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gw_service *)a)->sv_name,
	    ((const struct gw_service *)b)->sv_name);
}

static int
service_equal(const void *a, const void *b)
{
	return gw_service_equal(a, b);
}

static int
backend_cmp_v(const void *a, const void *b)
{
	return backend_cmp(a, b);
}

static int
backend_equal(const void *a, const void *b)
{
	return gw_backend_equal(a, b);
}

static int
route_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gw_route *)a)->rt_name,
	    ((const struct gw_route *)b)->rt_name);
}

static int
route_equal(const void *a, const void *b)
{
	return gw_route_equal(a, b);
}

static int
scale_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gw_scale_target *)a)->st_name,
	    ((const struct gw_scale_target *)b)->st_name);
}

static int
scale_equal(const void *a, const void *b)
{
	return gw_scale_target_equal(a, b);
}

static const struct diff_ops diff_services = {
	GW_KIND_SERVICE, sizeof(struct gw_service), service_cmp, service_equal
};
static const struct diff_ops diff_backends = {
	GW_KIND_BACKEND, sizeof(struct gw_backend), backend_cmp_v,
	backend_equal
};
static const struct diff_ops diff_routes = {
	GW_KIND_ROUTE, sizeof(struct gw_route), route_cmp, route_equal
};
static const struct diff_ops diff_scale = {
	GW_KIND_SCALE, sizeof(struct gw_scale_target), scale_cmp, scale_equal
};

/*
 * One merge pass over the sorted arrays o (no elements) and n (nn) of one
 * kind, adding the changes whose op is in want_ops (a bit per enum
 * change_op).
 */
static void
diff_kind(const struct diff_ops *ops, const void *o, size_t no, const void *n,
    size_t nn, int want_ops, struct changeset *cs)
{
	const char	*ob = o, *nb = n, *x, *y;
	size_t		 i = 0, j = 0;
	int		 c;

	while (i < no || j < nn) {
		x = ob + i * ops->do_size;
		y = nb + j * ops->do_size;
		c = i == no ? 1 : j == nn ? -1 : ops->do_cmp(x, y);
		if (c < 0) {
			if (want_ops & (1 << CHANGE_DELETE))
				cs_add(cs, ops->do_kind, CHANGE_DELETE, x,
				    NULL);
			i++;
		} else if (c > 0) {
			if (want_ops & (1 << CHANGE_CREATE))
				cs_add(cs, ops->do_kind, CHANGE_CREATE, NULL,
				    y);
			j++;
		} else {
			if ((want_ops & (1 << CHANGE_UPDATE)) &&
			    !ops->do_equal(x, y))
				cs_add(cs, ops->do_kind, CHANGE_UPDATE, x, y);
			i++;
			j++;
		}
	}
}

#define DIFF_SERVICES(o, n, ops, cs) diff_kind(&diff_services, \
	(o)->cf_services, (o)->cf_nservices, (n)->cf_services, \
	(n)->cf_nservices, ops, cs)
#define DIFF_BACKENDS(o, n, ops, cs) diff_kind(&diff_backends, \
	(o)->cf_backends, (o)->cf_nbackends, (n)->cf_backends, \
	(n)->cf_nbackends, ops, cs)
#define DIFF_ROUTES(o, n, ops, cs) diff_kind(&diff_routes, \
	(o)->cf_routes, (o)->cf_nroutes, (n)->cf_routes, (n)->cf_nroutes, \
	ops, cs)
#define DIFF_SCALE(o, n, ops, cs) diff_kind(&diff_scale, \
	(o)->cf_scale_targets, (o)->cf_nscale_targets, \
	(n)->cf_scale_targets, (n)->cf_nscale_targets, ops, cs)

/*
 * The order keeps every foreign key satisfied at each statement: routes
 * leave first, services and backends arrive before the routes that use
 * them, and services leave last, after the routes that moved away from
 * them.  Scale targets reference nothing the config holds (a metric's
 * service is a name, not a key), but a workload is unique: the targets
 * that leave go first and the updated ones before the new ones, so a
 * workload can pass from one target to another in one change set.
 */
void
diff_configs(const struct gw_config *o, const struct gw_config *n,
    struct changeset *cs)
{
	const int del = 1 << CHANGE_DELETE;
	const int upsert = (1 << CHANGE_CREATE) | (1 << CHANGE_UPDATE);

	cs->cs_v = NULL;
	cs->cs_n = 0;
	DIFF_SCALE(o, n, del, cs);
	DIFF_ROUTES(o, n, del, cs);
	DIFF_SERVICES(o, n, upsert, cs);
	DIFF_BACKENDS(o, n, upsert, cs);
	DIFF_ROUTES(o, n, upsert, cs);
	DIFF_BACKENDS(o, n, del, cs);
	DIFF_SERVICES(o, n, del, cs);
	DIFF_SCALE(o, n, 1 << CHANGE_UPDATE, cs);
	DIFF_SCALE(o, n, 1 << CHANGE_CREATE, cs);
}

void
changeset_free(struct changeset *cs)
{
	size_t i;

	for (i = 0; i < cs->cs_n; i++)
		free(cs->cs_v[i].ch_name);
	free(cs->cs_v);
	cs->cs_v = NULL;
	cs->cs_n = 0;
}

json_t *
change_object_json(enum gw_kind kind, const void *obj)
{
	if (obj == NULL)
		return NULL;
	switch (kind) {
	case GW_KIND_SERVICE:
		return conv_service_json(obj, NULL, 0);
	case GW_KIND_BACKEND:
		return conv_backend_json(obj, CONV_SERVICE);
	case GW_KIND_SCALE:
		return conv_scale_json(obj);
	default:
		return conv_route_json(obj);
	}
}

/* 1 when a is a list of mappings (a scale target's metrics, policies). */
static int
is_object_list(json_t *a)
{
	return json_is_array(a) && json_array_size(a) > 0 &&
	    json_is_object(json_array_get(a, 0));
}

/* One "path: value" line: a string as it is, anything else as JSON. */
static void
flatten_one(json_t *v, const char *path, json_t *out)
{
	char	*text;

	if (json_is_string(v))
		text = gw_strdup(json_string_value(v));
	else if ((text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
	    json_real_flags(v))) == NULL)
		errx(1, "out of memory");
	json_object_set_new(out, path, json_string(text));
	free(text);
}

/*
 * "key: value" lines of a JSON object, nested objects as "a.b", and the
 * mappings in a list as "a.0.b", so one changed setting is one line.
 */
static void
flatten(json_t *j, const char *prefix, json_t *out)
{
	const char	*key;
	json_t		*v, *x;
	char		*path, *ipath;
	size_t		 i;

	json_object_foreach(j, key, v) {
		path = prefix ? gw_asprintf("%s.%s", prefix, key) :
		    gw_strdup(key);
		if (json_is_object(v) && json_object_size(v) > 0) {
			flatten(v, path, out);
		} else if (is_object_list(v)) {
			json_array_foreach(v, i, x) {
				ipath = gw_asprintf("%s.%zu", path, i);
				if (json_is_object(x) && json_object_size(x))
					flatten(x, ipath, out);
				else
					flatten_one(x, ipath, out);
				free(ipath);
			}
		} else
			flatten_one(v, path, out);
		free(path);
	}
}

void
json_field_diff(FILE *fp, json_t *before, json_t *after)
{
	json_t		*fb = json_object(), *fa = json_object(), *vb, *va;
	const char	*key;

	if (before != NULL)
		flatten(before, NULL, fb);
	if (after != NULL)
		flatten(after, NULL, fa);
	/*
	 * A backend's record names its source only when it is dns (see
	 * conv.c): one side without it is static, not unset.
	 */
	if (before != NULL && after != NULL &&
	    (json_object_get(fb, "source") != NULL) !=
	    (json_object_get(fa, "source") != NULL))
		json_object_set_new(json_object_get(fb, "source") != NULL ?
		    fa : fb, "source",
		    json_string(gw_be_source_names[GW_BE_STATIC]));
	json_object_foreach(fb, key, vb) {
		va = json_object_get(fa, key);
		if (va == NULL)
			fprintf(fp, "    %s: %s -> (unset)\n", key,
			    json_string_value(vb));
		else if (!json_equal(va, vb))
			fprintf(fp, "    %s: %s -> %s\n", key,
			    json_string_value(vb), json_string_value(va));
	}
	json_object_foreach(fa, key, va) {
		if (json_object_get(fb, key) != NULL)
			continue;
		if (before == NULL)
			fprintf(fp, "    %s: %s\n", key, json_string_value(va));
		else
			fprintf(fp, "    %s: (unset) -> %s\n", key,
			    json_string_value(va));
	}
	json_decref(fb);
	json_decref(fa);
}

void
changeset_print(FILE *fp, const struct changeset *cs, int verbose)
{
	const struct change	*ch;
	json_t			*jb, *ja;
	size_t			 i;

	for (i = 0; i < cs->cs_n; i++) {
		ch = &cs->cs_v[i];
		fprintf(fp, "%s/%s %s\n", gw_kind_names[ch->ch_kind],
		    ch->ch_name, change_op_done[ch->ch_op]);
		if (!verbose || ch->ch_op == CHANGE_DELETE)
			continue;
		jb = change_object_json(ch->ch_kind, ch->ch_before);
		ja = change_object_json(ch->ch_kind, ch->ch_after);
		json_field_diff(fp, jb, ja);
		json_decref(jb);
		json_decref(ja);
	}
}

char *
changeset_summary(const struct changeset *cs)
{
	const struct change *ch;

	if (cs->cs_n == 0)
		return gw_strdup("no changes");
	ch = &cs->cs_v[0];
	if (cs->cs_n == 1)
		return gw_asprintf("%s/%s %s", gw_kind_names[ch->ch_kind],
		    ch->ch_name, change_op_done[ch->ch_op]);
	return gw_asprintf("%s/%s %s and %zu more", gw_kind_names[ch->ch_kind],
	    ch->ch_name, change_op_done[ch->ch_op], cs->cs_n - 1);
}
