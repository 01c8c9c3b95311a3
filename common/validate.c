/*
 * validate: the validation of a whole configuration (gw_config_validate in
 * config.h): every value of every object, the rules between fields, and
 * what spans objects: unique names and addresses, references to services,
 * regexes that compile and routes that match exactly the same requests;
 * and the scale targets, with scale.c's rules and unique names and
 * workloads.
 * Shared by gwctl (before it writes) and the daemons (before they accept a
 * snapshot).  Pure: no I/O.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "config.h"
#include "duration.h"
#include "str.h"

#define CF_PORT_MAX	65535
/* Durations in the schema (MS_OK): 1 ms to one day. */
#define CF_DAY_MS	86400000

/* A caller broke an invariant no input can break. */
static void cf_bug(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
cf_bug(const char *fmt, ...)
{
	va_list ap;

	fputs("gw: validate: bug: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* NULL sorts first, so a half-built object still sorts. */
static int
cf_strcmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/*
 * Validation.  Objects are checked one by one in array order, so problems
 * come out in the order of the config; what spans objects (unique names
 * and addresses, identical routes, references to services) is found first
 * from sorted keys, in O(n log n) for a config of thousands of routes.
 */
struct val {
	const struct gw_config	 *v_cf;
	const struct gw_report	 *v_rp;
	int			  v_n;		/* problems found */
	const char		**v_names;	/* service names, sorted */
	size_t			  v_nnames;
};

/* What val_key() builds a key of. */
enum val_what {
	VAL_SERVICE_NAME,
	VAL_BACKEND_ADDR,
	VAL_ROUTE_NAME,
	VAL_ROUTE_MATCH,
	VAL_SCALE_NAME,
	VAL_SCALE_WORKLOAD
};

struct val_key {
	char	*k_key;		/* owned */
	size_t	 k_idx;
};

#define CF_S(s)		((s) != NULL ? (s) : "")

static void val_report(struct val *, enum gw_kind, size_t, const char *,
    const char *, ...) __attribute__((format(printf, 5, 6)));

static void
val_report(struct val *v, enum gw_kind kind, size_t i, const char *field,
    const char *fmt, ...)
{
	struct gw_buf		 b = { NULL, 0, 0 }, out = { NULL, 0, 0 };
	const unsigned char	*p;
	va_list			 ap;

	v->v_n++;
	if (v->v_rp == NULL || v->v_rp->rp_fn == NULL)
		return;
	va_start(ap, fmt);
	gw_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	/* Values come from files and hand edits: keep a message one line. */
	for (p = (const unsigned char *)gw_buf_str(&b); *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			gw_buf_printf(&out, "\\x%02x", *p);
		else
			gw_buf_append(&out, (const char *)p, 1);
	}
	v->v_rp->rp_fn(v->v_rp->rp_arg, kind, i, field, gw_buf_str(&out));
	gw_buf_free(&b);
	gw_buf_free(&out);
}

static const char *
cf_fmt_num(enum gw_ftype type, long long x, char *buf, size_t len)
{
	if (type == GW_FT_DURATION)
		return gw_duration_fmt(x, buf, len);
	snprintf(buf, len, type == GW_FT_PERCENT ? "%lld%%" : "%lld", x);
	return buf;
}

static int
cf_strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * A comma list of methods in canonical form, or NULL with *errstr and
 * *bad (malloc'd) naming the first bad item.
 */
static char *
cf_methods_norm(const char *s, char **bad, const char **errstr)
{
	char	*copy, *p, *m, **v, *joined = NULL;
	size_t	 n = 0, i;

	copy = gw_strdup(s);
	v = gw_reallocarray(NULL, strlen(s) + 1, sizeof(*v));
	for (p = copy; (m = strsep(&p, ",")) != NULL; n++) {
		if ((v[n] = gw_method_norm(m, errstr)) == NULL) {
			*bad = gw_strdup(m);
			break;
		}
	}
	if (m == NULL)
		joined = gw_methods_join(v, n);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	free(copy);
	return joined;
}

static int
val_hdr_cmp(const void *a, const void *b)
{
	return cf_strcmp_null((*(const struct gw_hdr_match *const *)a)->hm_name,
	    (*(const struct gw_hdr_match *const *)b)->hm_name);
}

/* The header matches of rt sorted by name, whatever order they came in. */
static const struct gw_hdr_match **
val_sorted_headers(const struct gw_route *rt)
{
	const struct gw_hdr_match	**hs;
	size_t				  i;

	hs = gw_reallocarray(NULL, rt->rt_nheaders, sizeof(*hs));
	for (i = 0; i < rt->rt_nheaders; i++)
		hs[i] = &rt->rt_headers[i];
	qsort(hs, rt->rt_nheaders, sizeof(*hs), val_hdr_cmp);
	return hs;
}

/* Length-prefixed, so no value can fake a separator. */
static void
val_key_str(struct gw_buf *b, const char *s)
{
	if (s == NULL)
		gw_buf_puts(b, "-");
	else
		gw_buf_printf(b, "%zu:%s", strlen(s), s);
}

/*
 * What a route matches on, canonicalised where a canonical form exists:
 * host, path type, path, methods and header matches.  Priority, service
 * and edits do not change which requests match.
 */
static char *
val_route_match_key(const struct gw_route *rt)
{
	struct gw_buf			  b = { NULL, 0, 0 };
	const struct gw_hdr_match	**hs;
	const char			 *errstr;
	char				 *host = NULL, *methods = NULL;
	char				 *bad = NULL;
	size_t				  i;

	if (rt->rt_host != NULL &&
	    (host = gw_route_host_norm(rt->rt_host, &errstr)) == NULL)
		host = gw_strdup(rt->rt_host);
	if (rt->rt_methods != NULL &&
	    (methods = cf_methods_norm(rt->rt_methods, &bad, &errstr)) == NULL)
		methods = gw_strdup(rt->rt_methods);
	val_key_str(&b, host);
	gw_buf_printf(&b, "%d;", rt->rt_path_type);
	val_key_str(&b, rt->rt_path);
	val_key_str(&b, methods);
	hs = val_sorted_headers(rt);
	for (i = 0; i < rt->rt_nheaders; i++) {
		val_key_str(&b, hs[i]->hm_name);
		val_key_str(&b, hs[i]->hm_value);
	}
	free(hs);
	free(host);
	free(methods);
	free(bad);
	return gw_buf_take(&b);
}

/* The key of object i for one uniqueness rule; NULL: no key, skip it. */
static char *
val_key(const struct gw_config *cf, enum val_what what, size_t i)
{
	const struct gw_backend		*be;
	const struct gw_scale_target	*st;
	char				*host, *key;

	switch (what) {
	case VAL_SERVICE_NAME:
		return gw_strdup_null(cf->cf_services[i].sv_name);
	case VAL_BACKEND_ADDR:
		be = &cf->cf_backends[i];
		if (be->be_service == NULL || be->be_host == NULL)
			return NULL;
		/* Hosts compare ignoring case, as in find_backend. */
		host = gw_str_lower(gw_strdup(be->be_host));
		key = gw_asprintf("%zu:%s%s;%d", strlen(be->be_service),
		    be->be_service, host, be->be_port);
		free(host);
		return key;
	case VAL_ROUTE_NAME:
		return gw_strdup_null(cf->cf_routes[i].rt_name);
	case VAL_ROUTE_MATCH:
		return val_route_match_key(&cf->cf_routes[i]);
	case VAL_SCALE_NAME:
		return gw_strdup_null(cf->cf_scale_targets[i].st_name);
	case VAL_SCALE_WORKLOAD:
		/* The schema's UNIQUE (namespace, workload_kind, workload). */
		st = &cf->cf_scale_targets[i];
		if (st->st_namespace == NULL || st->st_workload == NULL)
			return NULL;
		return gw_asprintf("%s/%d/%s", st->st_namespace, st->st_kind,
		    st->st_workload);
	}
	cf_bug("val_key: %d", (int)what);
}

static int
val_key_cmp(const void *a, const void *b)
{
	const struct val_key	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->k_key, y->k_key)) != 0)
		return c;
	return (x->k_idx > y->k_idx) - (x->k_idx < y->k_idx);
}

/*
 * For each of the n objects, the index of the first object with the same
 * key: itself when it is the first or has no key.  Sorting by (key,
 * index) puts each group of equals together, earliest first.
 */
static size_t *
val_find_dups(const struct gw_config *cf, enum val_what what, size_t n)
{
	struct val_key	*k;
	size_t		*first, nk = 0, i, j;

	first = gw_reallocarray(NULL, n, sizeof(*first));
	k = gw_reallocarray(NULL, n, sizeof(*k));
	for (i = 0; i < n; i++) {
		first[i] = i;
		if ((k[nk].k_key = val_key(cf, what, i)) != NULL)
			k[nk++].k_idx = i;
	}
	qsort(k, nk, sizeof(*k), val_key_cmp);
	for (i = 0; i < nk; i = j)
		for (j = i + 1; j < nk && strcmp(k[j].k_key, k[i].k_key) == 0;
		    j++)
			first[k[j].k_idx] = k[i].k_idx;
	for (i = 0; i < nk; i++)
		free(k[i].k_key);
	free(k);
	return first;
}

static int
val_has_service(const struct val *v, const char *name)
{
	return name != NULL && bsearch(&name, v->v_names, v->v_nnames,
	    sizeof(*v->v_names), cf_strp_cmp) != NULL;
}

static void
val_field(struct val *v, size_t i, const struct gw_field *f)
{
	const struct gw_service	*sv = &v->v_cf->cf_services[i];
	const char		*p, *s, *errstr;
	char			 path[64], a[32], lo[32], hi[32], *c;
	long long		 x;

	p = gw_field_path(f, path, sizeof(path));
	switch (f->f_type) {
	case GW_FT_INT:
	case GW_FT_PERCENT:
	case GW_FT_DURATION:
		x = gw_field_i64_get(f, sv);
		if (x < f->f_min || x > f->f_max)
			val_report(v, GW_KIND_SERVICE, i, p,
			    "%s %s out of range %s..%s", p,
			    cf_fmt_num(f->f_type, x, a, sizeof(a)),
			    cf_fmt_num(f->f_type, f->f_min, lo, sizeof(lo)),
			    cf_fmt_num(f->f_type, f->f_max, hi, sizeof(hi)));
		break;
	case GW_FT_ENUM:
		x = gw_field_enum_get(f, sv);
		if (x < f->f_min || x > f->f_max)
			val_report(v, GW_KIND_SERVICE, i, p,
			    "invalid %s value %lld", p, x);
		break;
	case GW_FT_STR:
		if ((s = gw_field_str_get(f, sv)) == NULL) {
			if (!(f->f_flags & GW_FF_NULLABLE))
				val_report(v, GW_KIND_SERVICE, i, p,
				    "%s is missing", p);
			break;
		}
		/* A DB row may hold any spelling the schema lets through. */
		if ((c = f->f_norm(s, &errstr)) == NULL)
			val_report(v, GW_KIND_SERVICE, i, p,
			    "invalid %s \"%s\": %s", p, s, errstr);
		else if (strcmp(c, s) != 0)
			val_report(v, GW_KIND_SERVICE, i, p,
			    "%s \"%s\" is not in canonical form \"%s\"", p, s,
			    c);
		free(c);
		break;
	}
}

static void
val_service(struct val *v, size_t i, size_t first)
{
	const struct gw_service	*sv = &v->v_cf->cf_services[i];
	const char		*errstr;
	char			 a[32], b[32];
	size_t			 j;

	if (gw_name_check(sv->sv_name, &errstr) == -1)
		val_report(v, GW_KIND_SERVICE, i, "name",
		    "invalid service name \"%s\": %s", CF_S(sv->sv_name),
		    errstr);
	else if (first != i)
		val_report(v, GW_KIND_SERVICE, i, "name",
		    "duplicate service \"%s\"", sv->sv_name);
	for (j = 0; j < gw_service_nfields; j++)
		val_field(v, i, &gw_service_fields[j]);
	/* A check that outlives its interval would overlap the next one. */
	if (sv->sv_hc_type != GW_HC_NONE &&
	    sv->sv_hc_timeout_ms >= sv->sv_hc_interval_ms)
		val_report(v, GW_KIND_SERVICE, i, "health_check.timeout",
		    "check timeout %s must be shorter than the check "
		    "interval %s",
		    gw_duration_fmt(sv->sv_hc_timeout_ms, a, sizeof(a)),
		    gw_duration_fmt(sv->sv_hc_interval_ms, b, sizeof(b)));
	/* The n-th ejection lasts n * base, capped: the cap is the larger. */
	if (sv->sv_eject_max_ms < sv->sv_eject_base_ms)
		val_report(v, GW_KIND_SERVICE, i,
		    "outlier_detection.max_ejection_time",
		    "outlier_detection.max_ejection_time %s is shorter than "
		    "base_ejection_time %s",
		    gw_duration_fmt(sv->sv_eject_max_ms, a, sizeof(a)),
		    gw_duration_fmt(sv->sv_eject_base_ms, b, sizeof(b)));
}

static void
val_backend(struct val *v, size_t i, size_t first)
{
	const struct gw_backend	*be = &v->v_cf->cf_backends[i];
	const char		*errstr;
	char			 addr[GW_ADDR_STR_MAX];

	if (be->be_service == NULL)
		val_report(v, GW_KIND_BACKEND, i, "service", "missing service");
	else if (!val_has_service(v, be->be_service))
		val_report(v, GW_KIND_BACKEND, i, "service",
		    "unknown service \"%s\"", be->be_service);
	/* Host and port are one "address" key in YAML. */
	if (gw_host_check(be->be_host, NULL, &errstr) == -1)
		val_report(v, GW_KIND_BACKEND, i, "address",
		    "invalid host \"%s\": %s", CF_S(be->be_host), errstr);
	if (be->be_port < 1 || be->be_port > CF_PORT_MAX)
		val_report(v, GW_KIND_BACKEND, i, "address",
		    "port %d out of range 1..%d", be->be_port, CF_PORT_MAX);
	if (be->be_weight < GW_WEIGHT_MIN || be->be_weight > GW_WEIGHT_MAX)
		val_report(v, GW_KIND_BACKEND, i, "weight",
		    "weight %d out of range %d..%d", be->be_weight,
		    GW_WEIGHT_MIN, GW_WEIGHT_MAX);
	if (be->be_state < GW_ADMIN_ENABLED || be->be_state > GW_ADMIN_DISABLED)
		val_report(v, GW_KIND_BACKEND, i, "state",
		    "invalid state %d", be->be_state);
	if (be->be_source < GW_BE_STATIC || be->be_source > GW_BE_DNS)
		val_report(v, GW_KIND_BACKEND, i, "source",
		    "invalid source %d", be->be_source);
	if (first != i)
		val_report(v, GW_KIND_BACKEND, i, NULL,
		    "duplicate backend address %s",
		    gw_addr_fmt(be->be_host, be->be_port, addr, sizeof(addr)));
}

static void
val_route_path(struct val *v, size_t i, const struct gw_route *rt)
{
	const char	*errstr;
	char		 errbuf[256];

	switch (rt->rt_path_type) {
	case GW_PATH_PREFIX:
	case GW_PATH_EXACT:
		if (gw_path_check(rt->rt_path, &errstr) == -1)
			val_report(v, GW_KIND_ROUTE, i,
			    rt->rt_path_type == GW_PATH_EXACT ? "path" :
			    "prefix", "invalid path \"%s\": %s",
			    CF_S(rt->rt_path), errstr);
		break;
	case GW_PATH_REGEX:
		if (gw_regex_check(rt->rt_path, errbuf, sizeof(errbuf)) == -1)
			val_report(v, GW_KIND_ROUTE, i, "regex",
			    "regex \"%s\" does not compile: %s",
			    CF_S(rt->rt_path), errbuf);
		break;
	default:
		val_report(v, GW_KIND_ROUTE, i, NULL, "invalid path type %d",
		    rt->rt_path_type);
	}
	if (rt->rt_rewrite == NULL)
		return;
	if (rt->rt_path_type == GW_PATH_REGEX)
		val_report(v, GW_KIND_ROUTE, i, "rewrite",
		    "rewrite \"%s\" cannot be used with a regex match",
		    rt->rt_rewrite);
	else if (gw_path_check(rt->rt_rewrite, &errstr) == -1)
		val_report(v, GW_KIND_ROUTE, i, "rewrite",
		    "invalid rewrite \"%s\": %s", rt->rt_rewrite, errstr);
}

static void
val_route_headers(struct val *v, size_t i, const struct gw_route *rt)
{
	const struct gw_hdr_match	**hs, *hm;
	const char			 *errstr, *p;
	size_t				  j;

	hs = val_sorted_headers(rt);
	for (j = 0; j < rt->rt_nheaders; j++) {
		hm = hs[j];
		for (p = CF_S(hm->hm_name); *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				break;
		if (gw_header_name_check(hm->hm_name, &errstr) == -1)
			val_report(v, GW_KIND_ROUTE, i, "headers",
			    "invalid header name \"%s\": %s",
			    CF_S(hm->hm_name), errstr);
		else if (*p != '\0')
			val_report(v, GW_KIND_ROUTE, i, "headers",
			    "header name \"%s\" is not lowercase", hm->hm_name);
		else if (j > 0 && strcmp(CF_S(hs[j - 1]->hm_name),
		    hm->hm_name) == 0)
			val_report(v, GW_KIND_ROUTE, i, "headers",
			    "header \"%s\" is matched twice", hm->hm_name);
		if (hm->hm_value != NULL &&
		    gw_header_value_check(hm->hm_value, &errstr) == -1)
			val_report(v, GW_KIND_ROUTE, i, "headers",
			    "invalid value for header \"%s\": %s",
			    CF_S(hm->hm_name), errstr);
	}
	free(hs);
}

static int
val_edit_cmp(const void *a, const void *b)
{
	return gw_hdr_edit_cmp(*(const struct gw_hdr_edit *const *)a,
	    *(const struct gw_hdr_edit *const *)b);
}

/*
 * A header both removed and set (or added) in one phase: the stored order
 * (set, add, remove) would remove what was just set, which no one means.
 * Edits per route are few; the quadratic scan is fine.
 */
static void
val_route_edit_conflicts(struct val *v, size_t i, const struct gw_route *rt)
{
	const struct gw_hdr_edit	*a, *b;
	size_t				 j, k;

	for (j = 0; j < rt->rt_nedits; j++) {
		a = &rt->rt_edits[j];
		if (a->he_op != GW_EDIT_REMOVE || a->he_name == NULL)
			continue;
		for (k = 0; k < rt->rt_nedits; k++) {
			b = &rt->rt_edits[k];
			if (b->he_op == GW_EDIT_REMOVE || b->he_name == NULL ||
			    b->he_phase != a->he_phase ||
			    strcasecmp(a->he_name, b->he_name) != 0)
				continue;
			val_report(v, GW_KIND_ROUTE, i, a->he_phase ==
			    GW_PHASE_RESPONSE ? "response_headers" :
			    "request_headers", "%s header \"%s\" is both "
			    "removed and %s", gw_phase_names[a->he_phase],
			    a->he_name, b->he_op == GW_EDIT_SET ? "set" :
			    "added");
			break;
		}
	}
}

static void
val_route_edits(struct val *v, size_t i, const struct gw_route *rt)
{
	const struct gw_hdr_edit	**es, *he;
	const char			 *errstr, *field;
	size_t				  j;
	int				  phase_ok, op_ok;

	es = gw_reallocarray(NULL, rt->rt_nedits, sizeof(*es));
	for (j = 0; j < rt->rt_nedits; j++) {
		he = es[j] = &rt->rt_edits[j];
		field = he->he_phase == GW_PHASE_RESPONSE ?
		    "response_headers" : "request_headers";
		phase_ok = he->he_phase == GW_PHASE_REQUEST ||
		    he->he_phase == GW_PHASE_RESPONSE;
		op_ok = he->he_op >= GW_EDIT_SET && he->he_op <= GW_EDIT_REMOVE;
		if (!phase_ok)
			val_report(v, GW_KIND_ROUTE, i, field,
			    "invalid header edit phase %d", he->he_phase);
		if (!op_ok)
			val_report(v, GW_KIND_ROUTE, i, field,
			    "invalid header edit operation %d", he->he_op);
		if (gw_header_name_check(he->he_name, &errstr) == -1)
			val_report(v, GW_KIND_ROUTE, i, field,
			    "invalid header name \"%s\" in an edit: %s",
			    CF_S(he->he_name), errstr);
		if (he->he_op == GW_EDIT_REMOVE && he->he_value != NULL)
			val_report(v, GW_KIND_ROUTE, i, field,
			    "removal of header \"%s\" has a value",
			    CF_S(he->he_name));
		else if (op_ok && he->he_op != GW_EDIT_REMOVE &&
		    he->he_value == NULL)
			val_report(v, GW_KIND_ROUTE, i, field,
			    "%s of header \"%s\" has no value",
			    gw_edit_op_names[he->he_op], CF_S(he->he_name));
		else if (he->he_value != NULL &&
		    gw_header_value_check(he->he_value, &errstr) == -1)
			val_report(v, GW_KIND_ROUTE, i, field,
			    "invalid value for header \"%s\": %s",
			    CF_S(he->he_name), errstr);
	}
	/* Sorted, the edits of one (phase, op, name) sit side by side. */
	qsort(es, rt->rt_nedits, sizeof(*es), val_edit_cmp);
	for (j = 1; j < rt->rt_nedits; j++) {
		he = es[j];
		/* Several adds of one header are its several values. */
		if (he->he_op == GW_EDIT_ADD ||
		    he->he_name == NULL || es[j - 1]->he_name == NULL ||
		    gw_hdr_edit_cmp(es[j - 1], he) != 0 ||
		    he->he_phase < GW_PHASE_REQUEST ||
		    he->he_phase > GW_PHASE_RESPONSE ||
		    he->he_op < GW_EDIT_SET || he->he_op > GW_EDIT_REMOVE)
			continue;
		val_report(v, GW_KIND_ROUTE, i, he->he_phase ==
		    GW_PHASE_RESPONSE ? "response_headers" : "request_headers",
		    "more than one \"%s\" edit of %s header \"%s\"",
		    gw_edit_op_names[he->he_op], gw_phase_names[he->he_phase],
		    he->he_name);
	}
	free(es);
	val_route_edit_conflicts(v, i, rt);
}

static void
val_route(struct val *v, size_t i, size_t name_first, size_t match_first)
{
	const struct gw_route	*rt = &v->v_cf->cf_routes[i];
	const char		*errstr;
	char			*c, *bad = NULL, a[32];

	if (gw_name_check(rt->rt_name, &errstr) == -1)
		val_report(v, GW_KIND_ROUTE, i, "name",
		    "invalid route name \"%s\": %s", CF_S(rt->rt_name), errstr);
	else if (name_first != i)
		val_report(v, GW_KIND_ROUTE, i, "name",
		    "duplicate route \"%s\"", rt->rt_name);
	if (rt->rt_service == NULL)
		val_report(v, GW_KIND_ROUTE, i, "service", "missing service");
	else if (!val_has_service(v, rt->rt_service))
		val_report(v, GW_KIND_ROUTE, i, "service",
		    "unknown service \"%s\"", rt->rt_service);
	if (rt->rt_host != NULL) {
		if ((c = gw_route_host_norm(rt->rt_host, &errstr)) == NULL)
			val_report(v, GW_KIND_ROUTE, i, "host",
			    "invalid host \"%s\": %s", rt->rt_host, errstr);
		else if (strcmp(c, rt->rt_host) != 0)
			val_report(v, GW_KIND_ROUTE, i, "host",
			    "host \"%s\" is not in canonical form \"%s\"",
			    rt->rt_host, c);
		free(c);
	}
	val_route_path(v, i, rt);
	if (rt->rt_methods != NULL) {
		if ((c = cf_methods_norm(rt->rt_methods, &bad,
		    &errstr)) == NULL)
			val_report(v, GW_KIND_ROUTE, i, "methods",
			    "invalid method \"%s\" in \"%s\": %s", bad,
			    rt->rt_methods, errstr);
		else if (strcmp(c, rt->rt_methods) != 0)
			val_report(v, GW_KIND_ROUTE, i, "methods",
			    "methods \"%s\" are not in canonical form \"%s\"",
			    rt->rt_methods, c);
		free(c);
		free(bad);
	}
	val_route_headers(v, i, rt);
	val_route_edits(v, i, rt);
	if (rt->rt_timeout_ms != 0 &&
	    (rt->rt_timeout_ms < 1 || rt->rt_timeout_ms > CF_DAY_MS))
		val_report(v, GW_KIND_ROUTE, i, "timeout",
		    "timeout %s out of range 1ms..1d (0: the service's)",
		    gw_duration_fmt(rt->rt_timeout_ms, a, sizeof(a)));
	if (rt->rt_response_timeout_ms != 0 &&
	    (rt->rt_response_timeout_ms < 1 ||
	    rt->rt_response_timeout_ms > CF_DAY_MS))
		val_report(v, GW_KIND_ROUTE, i, "response_timeout",
		    "response timeout %s out of range 1ms..1d (0: the "
		    "service's)", gw_duration_fmt(rt->rt_response_timeout_ms,
		    a, sizeof(a)));
	if (rt->rt_priority < GW_PRIORITY_MIN ||
	    rt->rt_priority > GW_PRIORITY_MAX)
		val_report(v, GW_KIND_ROUTE, i, "priority",
		    "priority %lld out of range %d..%d",
		    (long long)rt->rt_priority, GW_PRIORITY_MIN,
		    GW_PRIORITY_MAX);
	if (match_first != i)
		val_report(v, GW_KIND_ROUTE, i, NULL,
		    "matches exactly the same requests as route \"%s\"",
		    CF_S(v->v_cf->cf_routes[match_first].rt_name));
}

/*
 * One scale target: its own rules (scale.c, which says the first problem
 * only), then what spans targets.  name_first and wl_first as in
 * val_find_dups().
 */
static void
val_scale(struct val *v, size_t i, size_t name_first, size_t wl_first)
{
	const struct gw_scale_target	*st = &v->v_cf->cf_scale_targets[i];
	const struct gw_scale_target	*o;
	char				 field[64], why[512];

	if (gw_scale_target_check(st, field, sizeof(field), why,
	    sizeof(why)) == -1) {
		val_report(v, GW_KIND_SCALE, i, field[0] != '\0' ? field :
		    NULL, "%s", why);
		return;
	}
	if (name_first != i)
		val_report(v, GW_KIND_SCALE, i, "name",
		    "duplicate scale target \"%s\"", st->st_name);
	else if (wl_first != i) {
		o = &v->v_cf->cf_scale_targets[wl_first];
		val_report(v, GW_KIND_SCALE, i, "workload",
		    "workload %s/%s in namespace \"%s\" is already scaled by "
		    "scale target \"%s\"", gw_scale_kind_names[st->st_kind],
		    st->st_workload, st->st_namespace, CF_S(o->st_name));
	}
}

int
gw_config_validate(const struct gw_config *cf, const struct gw_report *rp)
{
	struct val	 v;
	size_t		*sfirst, *bfirst, *rfirst, *mfirst, *tfirst, *wfirst;
	size_t		 i;

	memset(&v, 0, sizeof(v));
	v.v_cf = cf;
	v.v_rp = rp;
	v.v_names = gw_reallocarray(NULL, cf->cf_nservices,
	    sizeof(*v.v_names));
	for (i = 0; i < cf->cf_nservices; i++)
		if (cf->cf_services[i].sv_name != NULL)
			v.v_names[v.v_nnames++] = cf->cf_services[i].sv_name;
	qsort(v.v_names, v.v_nnames, sizeof(*v.v_names), cf_strp_cmp);

	sfirst = val_find_dups(cf, VAL_SERVICE_NAME, cf->cf_nservices);
	bfirst = val_find_dups(cf, VAL_BACKEND_ADDR, cf->cf_nbackends);
	rfirst = val_find_dups(cf, VAL_ROUTE_NAME, cf->cf_nroutes);
	mfirst = val_find_dups(cf, VAL_ROUTE_MATCH, cf->cf_nroutes);
	for (i = 0; i < cf->cf_nservices; i++)
		val_service(&v, i, sfirst[i]);
	for (i = 0; i < cf->cf_nbackends; i++)
		val_backend(&v, i, bfirst[i]);
	for (i = 0; i < cf->cf_nroutes; i++)
		val_route(&v, i, rfirst[i], mfirst[i]);
	tfirst = val_find_dups(cf, VAL_SCALE_NAME, cf->cf_nscale_targets);
	wfirst = val_find_dups(cf, VAL_SCALE_WORKLOAD, cf->cf_nscale_targets);
	for (i = 0; i < cf->cf_nscale_targets; i++)
		val_scale(&v, i, tfirst[i], wfirst[i]);
	free(tfirst);
	free(wfirst);
	free(sfirst);
	free(bfirst);
	free(rfirst);
	free(mfirst);
	free(v.v_names);
	return v.v_n;
}
