/*
 * route: the route matcher; route.h states the contract.
 *
 * Layout.  Routes are grouped by what they ask of the host: a group per
 * exact host, a group per wildcard suffix (".example.com" for
 * "*.example.com") and one group for any host.  A group holds a hash table
 * of exact paths and one of prefixes, each leading to the list of routes
 * with that path, and the list of its regex routes.  Every list is sorted
 * best first in the order of route.h (route_ent_cmp()), so a scan of a
 * list stops at the first route that fits the request, or at the first
 * that could not beat the best one found so far.
 *
 * A request costs: a lookup of its host, of each parent suffix of its host
 * and the any-host group; in each of these groups a lookup of its path and
 * of each candidate prefix (two per '/' at most, hashed in one pass); then
 * the regex routes of these groups that could still win.  Nothing there
 * grows with the number of routes.  route_match() allocates nothing.
 *
 * Keys in the hash tables point into the config's strings (route.h: the
 * config outlives the table); everything else belongs to the table.
 */
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "route.h"
#include "str.h"

/* FNV-1a, 64 bits (Fowler, Noll, Vo; draft-eastlake-fnv). */
#define ROUTE_FNV_OFFSET	0xcbf29ce484222325ULL
#define ROUTE_FNV_PRIME		0x100000001b3ULL

/* Slots of a hash table when it gets its first key; it doubles after. */
#define ROUTE_HASH_MIN		8

/*
 * Groups a request can look at: its exact host, one wildcard suffix per
 * '.' in a host of at most GW_ADDR_HOST_MAX bytes, and any host.
 */
#define ROUTE_GROUPS_MAX	(GW_ADDR_HOST_MAX + 2)

/* Kinds of path match, best first (route.h: exact, prefix, regex). */
enum route_kind {
	ROUTE_EXACT,
	ROUTE_PREFIX,
	ROUTE_REGEX
};

/* Kinds of host match, worst first (route.h: exact, wildcard, any). */
enum route_host {
	ROUTE_HOST_ANY,
	ROUTE_HOST_WILD,
	ROUTE_HOST_EXACT
};

/* A route as the matcher sees it: its precedence keys, worked out once. */
struct route_ent {
	const struct gw_route	*re_rt;		/* borrowed from the config */
	long			 re_index;	/* in cf_routes */
	int			 re_kind;	/* enum route_kind */
	size_t			 re_plen;	/* prefix length; 0 otherwise */
	int			 re_host;	/* enum route_host */
	size_t			 re_suffix;	/* length of ".suffix" */
	size_t			 re_nconstr;	/* methods (0 or 1) + headers */
	int			 re_compiled;	/* re_regex needs regfree() */
	regex_t			 re_regex;
};

/* Routes sorted best first once the table is built. */
struct route_list {
	const struct route_ent	**rl_ents;	/* owned array */
	size_t			  rl_n;
	size_t			  rl_cap;
};

/* Open addressing with linear probing, at most half full. */
struct route_slot {
	const char	*sl_key;	/* NULL: empty; borrowed from config */
	size_t		 sl_len;
	uint64_t	 sl_hash;
	void		*sl_val;	/* owned by whoever owns the table */
};

struct route_hash {
	struct route_slot	*rh_slots;	/* owned; NULL while empty */
	size_t			 rh_cap;	/* 0 or a power of two */
	size_t			 rh_n;
};

struct route_group {
	struct route_hash	 rg_exact;	/* path: route_list * */
	struct route_hash	 rg_prefix;	/* prefix: route_list * */
	struct route_list	 rg_regex;
};

struct route_table {
	const struct gw_config	*t_cf;
	struct route_ent	*t_ents;	/* one per route; owned */
	size_t			 t_nents;
	struct route_hash	 t_hosts;	/* host: route_group * */
	struct route_hash	 t_wild;	/* ".suffix": route_group * */
	struct route_group	 t_any;
	/* Longest keys, so a request skips lookups that cannot succeed. */
	size_t			 t_exact_max;
	size_t			 t_prefix_max;
	size_t			 t_wild_max;
};

/* The state of one route_match() call. */
struct route_search {
	const struct route_req		*s_rq;
	const char			*s_path;	/* never NULL */
	size_t				 s_plen;
	const struct route_group	*s_groups[ROUTE_GROUPS_MAX];
	size_t				 s_ngroups;
	const struct route_ent		*s_best;	/* NULL: none yet */
};

/* Where route_rewrite() writes: snprintf(3) semantics. */
struct route_out {
	char	*o_buf;
	size_t	 o_len;
	size_t	 o_pos;		/* bytes needed so far */
};

static uint64_t
route_fnv_step(uint64_t h, unsigned char c)
{
	return (h ^ c) * ROUTE_FNV_PRIME;
}

static uint64_t
route_fnv(const char *s, size_t len)
{
	uint64_t	h = ROUTE_FNV_OFFSET;
	size_t		i;

	for (i = 0; i < len; i++)
		h = route_fnv_step(h, (unsigned char)s[i]);
	return h;
}

static void *
route_hash_get(const struct route_hash *h, const char *key, size_t len,
    uint64_t hash)
{
	const struct route_slot	*sl;
	size_t			 i, mask;

	if (h->rh_n == 0)
		return NULL;
	mask = h->rh_cap - 1;
	/* Never full (at most half), so an empty slot ends every probe. */
	for (i = hash & mask;; i = (i + 1) & mask) {
		sl = &h->rh_slots[i];
		if (sl->sl_key == NULL)
			return NULL;
		if (sl->sl_hash == hash && sl->sl_len == len &&
		    memcmp(sl->sl_key, key, len) == 0)
			return sl->sl_val;
	}
}

static void
route_hash_place(struct route_slot *slots, size_t cap,
    const struct route_slot *in)
{
	size_t	i, mask = cap - 1;

	for (i = in->sl_hash & mask; slots[i].sl_key != NULL;
	    i = (i + 1) & mask)
		;
	slots[i] = *in;
}

/* Adds a key that is not in h yet. */
static void
route_hash_put(struct route_hash *h, const char *key, size_t len,
    uint64_t hash, void *val)
{
	struct route_slot	*old = h->rh_slots, in;
	size_t			 oldcap = h->rh_cap, i;

	if ((h->rh_n + 1) * 2 > h->rh_cap) {
		h->rh_cap = oldcap == 0 ? ROUTE_HASH_MIN : oldcap * 2;
		h->rh_slots = gw_calloc(h->rh_cap, sizeof(*h->rh_slots));
		for (i = 0; i < oldcap; i++)
			if (old[i].sl_key != NULL)
				route_hash_place(h->rh_slots, h->rh_cap,
				    &old[i]);
		free(old);
	}
	in.sl_key = key;
	in.sl_len = len;
	in.sl_hash = hash;
	in.sl_val = val;
	route_hash_place(h->rh_slots, h->rh_cap, &in);
	h->rh_n++;
}

static const char *
route_name(const struct route_ent *e)
{
	return e->re_rt->rt_name != NULL ? e->re_rt->rt_name : "";
}

/*
 * The precedence of route.h as a total order: < 0 when a goes before b.
 * The routes of one list differ only in priority, constraints and name;
 * the other keys decide between lists and groups.  The index comes last
 * only to keep the order total should two names be equal.
 */
static int
route_ent_cmp(const struct route_ent *a, const struct route_ent *b)
{
	int	c;

	if (a->re_rt->rt_priority != b->re_rt->rt_priority)
		return a->re_rt->rt_priority > b->re_rt->rt_priority ? -1 : 1;
	if (a->re_kind != b->re_kind)
		return a->re_kind < b->re_kind ? -1 : 1;
	if (a->re_plen != b->re_plen)
		return a->re_plen > b->re_plen ? -1 : 1;
	if (a->re_host != b->re_host)
		return a->re_host > b->re_host ? -1 : 1;
	if (a->re_suffix != b->re_suffix)
		return a->re_suffix > b->re_suffix ? -1 : 1;
	if (a->re_nconstr != b->re_nconstr)
		return a->re_nconstr > b->re_nconstr ? -1 : 1;
	if ((c = strcmp(route_name(a), route_name(b))) != 0)
		return c;
	return (a->re_index > b->re_index) - (a->re_index < b->re_index);
}

static int
route_entp_cmp(const void *a, const void *b)
{
	return route_ent_cmp(*(const struct route_ent *const *)a,
	    *(const struct route_ent *const *)b);
}

static void
route_list_add(struct route_list *l, const struct route_ent *e)
{
	if (l->rl_n == l->rl_cap) {
		l->rl_cap = l->rl_cap == 0 ? 1 : l->rl_cap * 2;
		l->rl_ents = gw_reallocarray(l->rl_ents, l->rl_cap,
		    sizeof(*l->rl_ents));
	}
	l->rl_ents[l->rl_n++] = e;
}

static void
route_list_sort(struct route_list *l)
{
	if (l->rl_n > 1)
		qsort(l->rl_ents, l->rl_n, sizeof(*l->rl_ents),
		    route_entp_cmp);
}

/* The list of key in h (a table of lists), made when missing. */
static struct route_list *
route_hash_list(struct route_hash *h, const char *key)
{
	struct route_list	*l;
	size_t			 len = strlen(key);
	uint64_t		 hash = route_fnv(key, len);

	if ((l = route_hash_get(h, key, len, hash)) == NULL) {
		l = gw_calloc(1, sizeof(*l));
		route_hash_put(h, key, len, hash, l);
	}
	return l;
}

static void
route_hash_sort_lists(struct route_hash *h)
{
	size_t	i;

	for (i = 0; i < h->rh_cap; i++)
		if (h->rh_slots[i].sl_key != NULL)
			route_list_sort(h->rh_slots[i].sl_val);
}

static void
route_hash_free_lists(struct route_hash *h)
{
	struct route_list	*l;
	size_t			 i;

	for (i = 0; i < h->rh_cap; i++) {
		if (h->rh_slots[i].sl_key == NULL)
			continue;
		l = h->rh_slots[i].sl_val;
		free(l->rl_ents);
		free(l);
	}
	free(h->rh_slots);
}

static void
route_group_sort(struct route_group *g)
{
	route_hash_sort_lists(&g->rg_exact);
	route_hash_sort_lists(&g->rg_prefix);
	route_list_sort(&g->rg_regex);
}

/* Frees what g owns, not g itself (t_any is not allocated). */
static void
route_group_clear(struct route_group *g)
{
	route_hash_free_lists(&g->rg_exact);
	route_hash_free_lists(&g->rg_prefix);
	free(g->rg_regex.rl_ents);
}

static void
route_hash_sort_groups(struct route_hash *h)
{
	size_t	i;

	for (i = 0; i < h->rh_cap; i++)
		if (h->rh_slots[i].sl_key != NULL)
			route_group_sort(h->rh_slots[i].sl_val);
}

static void
route_hash_free_groups(struct route_hash *h)
{
	struct route_group	*g;
	size_t			 i;

	for (i = 0; i < h->rh_cap; i++) {
		if (h->rh_slots[i].sl_key == NULL)
			continue;
		g = h->rh_slots[i].sl_val;
		route_group_clear(g);
		free(g);
	}
	free(h->rh_slots);
}

/* The group of e's host, made when missing; sets e's host keys. */
static struct route_group *
route_group_of(struct route_table *t, struct route_ent *e)
{
	struct route_hash	*h;
	struct route_group	*g;
	const char		*host = e->re_rt->rt_host, *key;
	size_t			 len;
	uint64_t		 hash;

	if (host == NULL) {
		e->re_host = ROUTE_HOST_ANY;
		return &t->t_any;
	}
	if (host[0] == '*' && host[1] == '.') {
		e->re_host = ROUTE_HOST_WILD;
		key = host + 1;
		h = &t->t_wild;
	} else {
		e->re_host = ROUTE_HOST_EXACT;
		key = host;
		h = &t->t_hosts;
	}
	len = strlen(key);
	if (e->re_host == ROUTE_HOST_WILD) {
		e->re_suffix = len;
		if (len > t->t_wild_max)
			t->t_wild_max = len;
	}
	hash = route_fnv(key, len);
	if ((g = route_hash_get(h, key, len, hash)) == NULL) {
		g = gw_calloc(1, sizeof(*g));
		route_hash_put(h, key, len, hash, g);
	}
	return g;
}

/* Anchored as validation checks it (gw_regex_check() in confval.c). */
static int
route_compile(struct route_ent *e, char *errbuf, size_t errlen)
{
	char	*anchored, msg[256];
	int	 rc;

	anchored = gw_asprintf("^(%s)$", e->re_rt->rt_path);
	rc = regcomp(&e->re_regex, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc != 0) {
		regerror(rc, &e->re_regex, msg, sizeof(msg));
		snprintf(errbuf, errlen,
		    "route \"%s\": regex \"%s\" does not compile: %s",
		    route_name(e), e->re_rt->rt_path, msg);
		return -1;
	}
	e->re_compiled = 1;
	return 0;
}

static int
route_add(struct route_table *t, size_t i, char *errbuf, size_t errlen)
{
	const struct gw_route	*r = &t->t_cf->cf_routes[i];
	struct route_ent	*e = &t->t_ents[i];
	struct route_group	*g;
	size_t			 len;

	e->re_rt = r;
	e->re_index = (long)i;
	e->re_nconstr = (r->rt_methods != NULL) + r->rt_nheaders;
	if (r->rt_path == NULL) {
		snprintf(errbuf, errlen, "route \"%s\": no path",
		    route_name(e));
		return -1;
	}
	len = strlen(r->rt_path);
	switch (r->rt_path_type) {
	case GW_PATH_EXACT:
		e->re_kind = ROUTE_EXACT;
		break;
	case GW_PATH_PREFIX:
		e->re_kind = ROUTE_PREFIX;
		e->re_plen = len;
		break;
	case GW_PATH_REGEX:
		e->re_kind = ROUTE_REGEX;
		if (route_compile(e, errbuf, errlen) == -1)
			return -1;
		break;
	default:
		snprintf(errbuf, errlen, "route \"%s\": invalid path type %d",
		    route_name(e), r->rt_path_type);
		return -1;
	}
	g = route_group_of(t, e);
	switch (e->re_kind) {
	case ROUTE_EXACT:
		route_list_add(route_hash_list(&g->rg_exact, r->rt_path), e);
		if (len > t->t_exact_max)
			t->t_exact_max = len;
		break;
	case ROUTE_PREFIX:
		route_list_add(route_hash_list(&g->rg_prefix, r->rt_path), e);
		if (len > t->t_prefix_max)
			t->t_prefix_max = len;
		break;
	default:
		route_list_add(&g->rg_regex, e);
	}
	return 0;
}

struct route_table *
route_table_build(const struct gw_config *cf, char *errbuf, size_t errlen)
{
	struct route_table	*t;
	size_t			 i;

	t = gw_calloc(1, sizeof(*t));
	t->t_cf = cf;
	t->t_nents = cf->cf_nroutes;
	if (t->t_nents > 0)
		t->t_ents = gw_calloc(t->t_nents, sizeof(*t->t_ents));
	for (i = 0; i < t->t_nents; i++) {
		if (route_add(t, i, errbuf, errlen) == -1) {
			route_table_free(t);
			return NULL;
		}
	}
	route_hash_sort_groups(&t->t_hosts);
	route_hash_sort_groups(&t->t_wild);
	route_group_sort(&t->t_any);
	return t;
}

void
route_table_free(struct route_table *t)
{
	size_t	i;

	if (t == NULL)
		return;
	route_hash_free_groups(&t->t_hosts);
	route_hash_free_groups(&t->t_wild);
	route_group_clear(&t->t_any);
	for (i = 0; i < t->t_nents; i++)
		if (t->t_ents[i].re_compiled)
			regfree(&t->t_ents[i].re_regex);
	free(t->t_ents);
	free(t);
}

/* Methods are tokens, compared case-sensitively (RFC 9110, 9.1). */
static int
route_method_ok(const struct gw_route *r, const struct route_req *rq)
{
	const char	*p, *comma;
	size_t		 n, mlen = rq->rq_method_len;

	if (r->rt_methods == NULL)
		return 1;
	if (rq->rq_method == NULL || mlen == 0)
		return 0;
	for (p = r->rt_methods;; p = comma + 1) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n == mlen && memcmp(p, rq->rq_method, n) == 0)
			return 1;
		if (comma == NULL)
			return 0;
	}
}

static int
route_headers_ok(const struct gw_route *r, const struct route_req *rq)
{
	const struct gw_hdr_match	*hm;
	const char			*v;
	size_t				 i, len;

	for (i = 0; i < r->rt_nheaders; i++) {
		hm = &r->rt_headers[i];
		if (rq->rq_header == NULL)
			return 0;
		len = 0;
		if ((v = rq->rq_header(rq->rq_arg, hm->hm_name, &len)) == NULL)
			return 0;
		if (hm->hm_value != NULL && (strlen(hm->hm_value) != len ||
		    memcmp(hm->hm_value, v, len) != 0))
			return 0;
	}
	return 1;
}

/*
 * REG_STARTEND (glibc, the BSDs) bounds the subject, so the path needs no
 * NUL and no copy; glibc reads pmatch[0] for it even with REG_NOSUB.
 * glibc's regexec() holds a mutex of the regex_t while it runs: workers
 * that share one table take turns on a regex route they all evaluate.
 */
static int
route_regex_ok(const struct route_ent *e, const char *path, size_t len)
{
	regmatch_t	pm;

	pm.rm_so = 0;
	pm.rm_eo = (regoff_t)len;
	return regexec(&e->re_regex, path, 1, &pm, REG_STARTEND) == 0;
}

/*
 * Whether e fits the request apart from host and path, which the lookup
 * that found it has matched (except a regex).  The cheap checks go first.
 */
static int
route_fits(const struct route_ent *e, const struct route_search *s)
{
	if (!route_method_ok(e->re_rt, s->s_rq))
		return 0;
	if (!route_headers_ok(e->re_rt, s->s_rq))
		return 0;
	if (e->re_kind == ROUTE_REGEX &&
	    !route_regex_ok(e, s->s_path, s->s_plen))
		return 0;
	return 1;
}

/*
 * Makes the first route of l that fits the request the best one, unless
 * the best so far goes before it.  l is sorted best first: its first
 * route that fits is its best, and after a route that cannot beat the best
 * so far none can.
 */
static void
route_scan(const struct route_list *l, struct route_search *s)
{
	const struct route_ent	*e;
	size_t			 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->rl_n; i++) {
		e = l->rl_ents[i];
		if (s->s_best != NULL && route_ent_cmp(e, s->s_best) >= 0)
			return;
		if (route_fits(e, s)) {
			s->s_best = e;
			return;
		}
	}
}

/*
 * Normalises the host of a Host header into buf (GW_ADDR_HOST_MAX bytes)
 * as route hosts are written: without the port (RFC 9110, 7.2), brackets
 * or one trailing dot, in lowercase (RFC 4343).  Returns its length, or 0
 * when no route host can name it (none, malformed or too long).  *literal
 * says an IPv6 literal, which no wildcard matches.
 */
static size_t
route_host_norm(const char *s, size_t len, char *buf, int *literal)
{
	const char	*end;
	size_t		 i;

	*literal = 0;
	if (s == NULL || len == 0)
		return 0;
	if (s[0] == '[') {
		if ((end = memchr(s, ']', len)) == NULL)
			return 0;
		*literal = 1;
		s++;
		len = (size_t)(end - s);
	} else if ((end = memchr(s, ':', len)) != NULL)
		len = (size_t)(end - s);
	/* As gw_route_host_norm(): "example.com." is example.com. */
	if (len > 1 && s[len - 1] == '.' && s[len - 2] != '.')
		len--;
	if (len == 0 || len > GW_ADDR_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++)
		buf[i] = s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i];
	return len;
}

/*
 * The groups of the request's host, most specific first: the exact host,
 * then each parent suffix from the longest (for a.b.example.com:
 * .b.example.com, .example.com, .com; never the host itself, route.h),
 * then any host.
 */
static void
route_groups(const struct route_table *t, const struct route_req *rq,
    struct route_search *s)
{
	const struct route_group	*g;
	char				 host[GW_ADDR_HOST_MAX];
	size_t				 len, i;
	int				 literal;

	s->s_ngroups = 0;
	len = route_host_norm(rq->rq_host, rq->rq_host_len, host, &literal);
	if (len > 0 && (g = route_hash_get(&t->t_hosts, host, len,
	    route_fnv(host, len))) != NULL)
		s->s_groups[s->s_ngroups++] = g;
	if (len > 0 && !literal && t->t_wild.rh_n > 0) {
		for (i = 1; i < len; i++) {
			if (host[i] != '.' || len - i > t->t_wild_max)
				continue;
			if ((g = route_hash_get(&t->t_wild, host + i, len - i,
			    route_fnv(host + i, len - i))) != NULL)
				s->s_groups[s->s_ngroups++] = g;
		}
	}
	s->s_groups[s->s_ngroups++] = &t->t_any;
}

static void
route_match_exact(const struct route_table *t, struct route_search *s)
{
	uint64_t	h;
	size_t		i;

	if (s->s_plen == 0 || s->s_plen > t->t_exact_max)
		return;
	h = route_fnv(s->s_path, s->s_plen);
	for (i = 0; i < s->s_ngroups; i++)
		route_scan(route_hash_get(&s->s_groups[i]->rg_exact,
		    s->s_path, s->s_plen, h), s);
}

/* Looks up the first len bytes of the path, of hash h, as a prefix. */
static void
route_match_prefix_len(struct route_search *s, size_t len, uint64_t h)
{
	size_t	i;

	for (i = 0; i < s->s_ngroups; i++)
		route_scan(route_hash_get(&s->s_groups[i]->rg_prefix,
		    s->s_path, len, h), s);
}

/*
 * The prefixes that can match on segment boundaries (route.h): for each
 * '/' at k, the path up to it (/api for /api/x) unless that already ends
 * in '/', and up to and including it (/api/); and the whole path.  FNV-1a
 * runs left to right, so one pass hashes them all.
 */
static void
route_match_prefix(const struct route_table *t, struct route_search *s)
{
	const char	*p = s->s_path;
	uint64_t	 h = ROUTE_FNV_OFFSET;
	size_t		 k, max = t->t_prefix_max;

	if (max == 0)
		return;
	for (k = 0; k < s->s_plen; k++) {
		if (k > max)
			return;
		if (p[k] == '/' && k > 0 && p[k - 1] != '/')
			route_match_prefix_len(s, k, h);
		h = route_fnv_step(h, (unsigned char)p[k]);
		if (p[k] == '/' && k + 1 < s->s_plen && k + 1 <= max)
			route_match_prefix_len(s, k + 1, h);
	}
	if (s->s_plen > 0 && s->s_plen <= max)
		route_match_prefix_len(s, s->s_plen, h);
}

/*
 * Exact paths, then prefixes, then regexes: a regex route never beats a
 * path route of its priority, so the regexes of most requests are never
 * run once a path route has matched.
 */
long
route_match(const struct route_table *t, const struct route_req *rq)
{
	struct route_search	s;
	size_t			i;

	s.s_rq = rq;
	s.s_path = rq->rq_path != NULL ? rq->rq_path : "";
	s.s_plen = rq->rq_path != NULL ? rq->rq_path_len : 0;
	s.s_best = NULL;
	route_groups(t, rq, &s);
	route_match_exact(t, &s);
	route_match_prefix(t, &s);
	for (i = 0; i < s.s_ngroups; i++)
		route_scan(&s.s_groups[i]->rg_regex, &s);
	return s.s_best != NULL ? s.s_best->re_index : -1;
}

static void
route_out_append(struct route_out *o, const char *s, size_t n)
{
	size_t	room;

	if (n > 0 && o->o_pos + 1 < o->o_len) {
		room = o->o_len - 1 - o->o_pos;
		memcpy(o->o_buf + o->o_pos, s, n < room ? n : room);
	}
	o->o_pos += n;
}

size_t
route_rewrite(const struct gw_route *r, const char *target,
    size_t target_len, char *out, size_t outlen)
{
	struct route_out	 o = { out, outlen, 0 };
	const char		*q, *rest;
	size_t			 plen, klen, rlen, restlen;

	q = target_len > 0 ? memchr(target, '?', target_len) : NULL;
	plen = q != NULL ? (size_t)(q - target) : target_len;
	klen = r->rt_path != NULL ? strlen(r->rt_path) : 0;
	/*
	 * Validation allows no rewrite with a regex.  A prefix the path does
	 * not start with means the caller matched another route: leave the
	 * target alone rather than cut a wrong piece out of it.
	 */
	if (r->rt_rewrite == NULL || r->rt_path_type == GW_PATH_REGEX ||
	    (r->rt_path_type == GW_PATH_PREFIX && (klen == 0 ||
	    klen > plen || memcmp(target, r->rt_path, klen) != 0)))
		route_out_append(&o, target, target_len);
	else {
		rlen = strlen(r->rt_rewrite);
		route_out_append(&o, r->rt_rewrite, rlen);
		rest = target + plen;
		restlen = 0;
		if (r->rt_path_type == GW_PATH_PREFIX) {
			rest = target + klen;
			restlen = plen - klen;
		}
		/* "/" + "/x" is "/x": one slash where the two meet. */
		if (rlen > 0 && r->rt_rewrite[rlen - 1] == '/' &&
		    restlen > 0 && rest[0] == '/') {
			rest++;
			restlen--;
		}
		route_out_append(&o, rest, restlen);
		route_out_append(&o, target + plen, target_len - plen);
	}
	if (o.o_len > 0)
		o.o_buf[o.o_pos < o.o_len ? o.o_pos : o.o_len - 1] = '\0';
	return o.o_pos;
}
