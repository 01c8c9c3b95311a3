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
	default:
		ch->ch_name = gw_strdup(((const struct gw_route *)obj)->
		    rt_name);
		break;
	}
}

/*
 * One pass over both sorted arrays of a kind, adding the changes whose op
 * is in want_ops (a bit per enum change_op).
 */
static void
diff_services(const struct gw_config *o, const struct gw_config *n,
    int want_ops, struct changeset *cs)
{
	size_t	i = 0, j = 0;
	int	c;

	while (i < o->cf_nservices || j < n->cf_nservices) {
		if (i == o->cf_nservices)
			c = 1;
		else if (j == n->cf_nservices)
			c = -1;
		else
			c = strcmp(o->cf_services[i].sv_name,
			    n->cf_services[j].sv_name);
		if (c < 0) {
			if (want_ops & (1 << CHANGE_DELETE))
				cs_add(cs, GW_KIND_SERVICE, CHANGE_DELETE,
				    &o->cf_services[i], NULL);
			i++;
		} else if (c > 0) {
			if (want_ops & (1 << CHANGE_CREATE))
				cs_add(cs, GW_KIND_SERVICE, CHANGE_CREATE,
				    NULL, &n->cf_services[j]);
			j++;
		} else {
			if ((want_ops & (1 << CHANGE_UPDATE)) &&
			    !gw_service_equal(&o->cf_services[i],
			    &n->cf_services[j]))
				cs_add(cs, GW_KIND_SERVICE, CHANGE_UPDATE,
				    &o->cf_services[i], &n->cf_services[j]);
			i++;
			j++;
		}
	}
}

static void
diff_backends(const struct gw_config *o, const struct gw_config *n,
    int want_ops, struct changeset *cs)
{
	size_t	i = 0, j = 0;
	int	c;

	while (i < o->cf_nbackends || j < n->cf_nbackends) {
		if (i == o->cf_nbackends)
			c = 1;
		else if (j == n->cf_nbackends)
			c = -1;
		else
			c = backend_cmp(&o->cf_backends[i],
			    &n->cf_backends[j]);
		if (c < 0) {
			if (want_ops & (1 << CHANGE_DELETE))
				cs_add(cs, GW_KIND_BACKEND, CHANGE_DELETE,
				    &o->cf_backends[i], NULL);
			i++;
		} else if (c > 0) {
			if (want_ops & (1 << CHANGE_CREATE))
				cs_add(cs, GW_KIND_BACKEND, CHANGE_CREATE,
				    NULL, &n->cf_backends[j]);
			j++;
		} else {
			if ((want_ops & (1 << CHANGE_UPDATE)) &&
			    !gw_backend_equal(&o->cf_backends[i],
			    &n->cf_backends[j]))
				cs_add(cs, GW_KIND_BACKEND, CHANGE_UPDATE,
				    &o->cf_backends[i], &n->cf_backends[j]);
			i++;
			j++;
		}
	}
}

static void
diff_routes(const struct gw_config *o, const struct gw_config *n,
    int want_ops, struct changeset *cs)
{
	size_t	i = 0, j = 0;
	int	c;

	while (i < o->cf_nroutes || j < n->cf_nroutes) {
		if (i == o->cf_nroutes)
			c = 1;
		else if (j == n->cf_nroutes)
			c = -1;
		else
			c = strcmp(o->cf_routes[i].rt_name,
			    n->cf_routes[j].rt_name);
		if (c < 0) {
			if (want_ops & (1 << CHANGE_DELETE))
				cs_add(cs, GW_KIND_ROUTE, CHANGE_DELETE,
				    &o->cf_routes[i], NULL);
			i++;
		} else if (c > 0) {
			if (want_ops & (1 << CHANGE_CREATE))
				cs_add(cs, GW_KIND_ROUTE, CHANGE_CREATE,
				    NULL, &n->cf_routes[j]);
			j++;
		} else {
			if ((want_ops & (1 << CHANGE_UPDATE)) &&
			    !gw_route_equal(&o->cf_routes[i],
			    &n->cf_routes[j]))
				cs_add(cs, GW_KIND_ROUTE, CHANGE_UPDATE,
				    &o->cf_routes[i], &n->cf_routes[j]);
			i++;
			j++;
		}
	}
}

/*
 * The order keeps every foreign key satisfied at each statement: routes
 * leave first, services and backends arrive before the routes that use
 * them, and services leave last, after the routes that moved away from
 * them.
 */
void
diff_configs(const struct gw_config *o, const struct gw_config *n,
    struct changeset *cs)
{
	const int del = 1 << CHANGE_DELETE;
	const int upsert = (1 << CHANGE_CREATE) | (1 << CHANGE_UPDATE);

	cs->cs_v = NULL;
	cs->cs_n = 0;
	diff_routes(o, n, del, cs);
	diff_services(o, n, upsert, cs);
	diff_backends(o, n, upsert, cs);
	diff_routes(o, n, upsert, cs);
	diff_backends(o, n, del, cs);
	diff_services(o, n, del, cs);
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
		return conv_service_json(obj, NULL);
	case GW_KIND_BACKEND:
		return conv_backend_json(obj, 1);
	default:
		return conv_route_json(obj);
	}
}

/* "key: value" lines of a JSON object, nested objects as "a.b". */
static void
flatten(json_t *j, const char *prefix, json_t *out)
{
	const char	*key;
	json_t		*v;
	char		*path, *text;

	json_object_foreach(j, key, v) {
		path = prefix ? gw_asprintf("%s.%s", prefix, key) :
		    gw_strdup(key);
		if (json_is_object(v) && json_object_size(v) > 0) {
			flatten(v, path, out);
		} else {
			if (json_is_string(v))
				text = gw_strdup(json_string_value(v));
			else if ((text = json_dumps(v, JSON_COMPACT |
			    JSON_ENCODE_ANY)) == NULL)
				errx(1, "out of memory");
			json_object_set_new(out, path, json_string(text));
			free(text);
		}
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
