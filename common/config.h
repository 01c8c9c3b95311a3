/*
 * config: the gw configuration model (services, backends, routes, and the
 * scale targets of scale.h), the parsers of its values and its
 * validation.
 *
 * One model for every program: gwctl builds it from flags, YAML and the DB
 * and writes it; the daemons load it from the DB into their snapshots.  The
 * same validation runs on both sides, so gwctl never stores what a daemon
 * would reject and a daemon rejects a hand edit that slipped past the
 * schema's CHECK constraints.
 *
 * Service settings are described by a table (gw_service_fields): YAML key,
 * gwctl flag, DB column, type, range and default of each, so the flag
 * parser, the YAML reader, the exporter and the store share one list.
 *
 * Identity: a service and a route by name, a backend by (service, host,
 * port).  A backend's be_source says who owns its row: gwctl (static) or
 * gwhealth's DNS discovery (dns); either way there is one per address.
 * Strings in the model are owned by the object holding them; *_free()
 * releases them.  This module does no I/O and runs no SQL; it names DB
 * columns only so store.c can be table driven.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "confval.h"
#include "scale.h"

#define GW_NAME_MAX		63	/* service and route names */
#define GW_WEIGHT_MIN		1
#define GW_WEIGHT_MAX		256
#define GW_WEIGHT_DEFAULT	1
#define GW_PRIORITY_MIN		(-1000000)
#define GW_PRIORITY_MAX		1000000
#define GW_PATH_MAX		2048	/* route paths, regexes, rewrites */
#define GW_HEADER_VALUE_MAX	8192
#define GW_HEADER_NAME_MAX	256

enum gw_lb {
	GW_LB_ROUND_ROBIN,
	GW_LB_WEIGHTED,
	GW_LB_LEAST_REQUEST,
	GW_LB_RANDOM,
	GW_LB_HASH,
	GW_LB_LATENCY
};
enum gw_hc_type {
	GW_HC_NONE,
	GW_HC_TCP,
	GW_HC_HTTP
};
enum gw_hc_initial {
	GW_HC_INITIAL_UP,
	GW_HC_INITIAL_DOWN
};
enum gw_admin {
	GW_ADMIN_ENABLED,
	GW_ADMIN_DRAIN,
	GW_ADMIN_DISABLED
};
/* Who owns a backend row: gwctl (static) or gwhealth's DNS discovery. */
enum gw_be_source {
	GW_BE_STATIC,
	GW_BE_DNS
};
enum gw_path_type {
	GW_PATH_PREFIX,
	GW_PATH_EXACT,
	GW_PATH_REGEX
};
enum gw_phase {
	GW_PHASE_REQUEST,
	GW_PHASE_RESPONSE
};
enum gw_edit_op {
	GW_EDIT_SET,
	GW_EDIT_ADD,
	GW_EDIT_REMOVE
};

/* NULL-terminated names of each enum, indexed by value; also DB values. */
extern const char *const gw_lb_names[];
extern const char *const gw_hc_type_names[];
extern const char *const gw_hc_initial_names[];
extern const char *const gw_admin_names[];
extern const char *const gw_be_source_names[];
extern const char *const gw_path_type_names[];
extern const char *const gw_phase_names[];
extern const char *const gw_edit_op_names[];

struct gw_service {
	char	*sv_name;
	int	 sv_lb;			/* enum gw_lb */
	char	*sv_hash_key;		/* "ip", "header:NAME", "cookie:NAME" */
	int64_t	 sv_connect_timeout_ms;
	int64_t	 sv_request_timeout_ms;
	int64_t	 sv_idle_timeout_ms;	/* upstream keep-alive idle */
	int64_t	 sv_response_timeout_ms; /* to the response head; 0: none */
	int64_t	 sv_retries;
	char	*sv_retry_on;		/* canonical list, see gw_retry_on_norm */
	int64_t	 sv_max_connections;	/* circuit breaker, per gwproxy */
	int64_t	 sv_max_pending;
	int64_t	 sv_max_requests;
	int64_t	 sv_max_retries;
	int	 sv_hc_type;		/* enum gw_hc_type */
	char	*sv_hc_method;
	char	*sv_hc_path;
	char	*sv_hc_host;		/* NULL: the backend's address */
	char	*sv_hc_expect;		/* canonical status ranges */
	char	*sv_hc_body;		/* NULL: any body */
	int64_t	 sv_hc_interval_ms;
	int64_t	 sv_hc_fast_interval_ms;
	int64_t	 sv_hc_timeout_ms;
	int64_t	 sv_hc_rise;
	int64_t	 sv_hc_fall;
	int64_t	 sv_hc_jitter_pct;
	int	 sv_hc_initial;		/* enum gw_hc_initial */
	int64_t	 sv_panic_pct;		/* 0: off */
	char	*sv_dns_name;		/* discovery; NULL: static only */
	int64_t	 sv_dns_port;		/* port of discovered backends */
	/* Passive health (outlier detection) in gwproxy. */
	int64_t	 sv_eject_5xx;		/* 5xx in a row; 0: off */
	int64_t	 sv_eject_gateway;	/* gateway failures in a row; 0: off */
	int64_t	 sv_eject_base_ms;	/* n-th ejection lasts n * base */
	int64_t	 sv_eject_max_ms;	/* longest ejection, >= base */
	int64_t	 sv_eject_max_pct;	/* most ejected at once; one always */
};

struct gw_backend {
	char	*be_service;
	char	*be_host;		/* lowercase name or literal, no [] */
	int	 be_port;
	int	 be_weight;
	int	 be_state;		/* enum gw_admin */
	int	 be_source;		/* enum gw_be_source */
};

struct gw_hdr_match {
	char	*hm_name;		/* lowercase */
	char	*hm_value;		/* exact value; NULL: header present */
};

struct gw_hdr_edit {
	int	 he_phase;		/* enum gw_phase */
	int	 he_op;			/* enum gw_edit_op */
	char	*he_name;
	char	*he_value;		/* NULL for GW_EDIT_REMOVE only */
};

struct gw_route {
	char			*rt_name;
	int64_t			 rt_priority;	/* higher wins */
	char			*rt_host;	/* NULL: any; "*.suffix" */
	int			 rt_path_type;	/* enum gw_path_type */
	char			*rt_path;	/* path or POSIX ERE */
	char			*rt_methods;	/* NULL: any; "GET,POST" */
	char			*rt_service;
	char			*rt_rewrite;	/* NULL: none */
	int64_t			 rt_timeout_ms;	/* 0: the service's */
	int64_t			 rt_response_timeout_ms; /* 0: the service's */
	struct gw_hdr_match	*rt_headers;	/* sorted by name */
	size_t			 rt_nheaders;
	struct gw_hdr_edit	*rt_edits;	/* applied in order */
	size_t			 rt_nedits;
};

/*
 * A whole configuration.  Arrays are owned; see gw_config_sort().  Scale
 * targets are gwctl's and gwscale's: gw_config_load() leaves them empty,
 * so the daemons that route never see (or reject) them.
 */
struct gw_config {
	struct gw_service	*cf_services;
	size_t			 cf_nservices;
	struct gw_backend	*cf_backends;
	size_t			 cf_nbackends;
	struct gw_route		*cf_routes;
	size_t			 cf_nroutes;
	struct gw_scale_target	*cf_scale_targets;
	size_t			 cf_nscale_targets;
};

/*
 * The table of service settings.  f_off locates the member in struct
 * gw_service; its C type follows f_type.
 */
enum gw_ftype {
	GW_FT_INT,		/* int64_t, f_min..f_max */
	GW_FT_DURATION,		/* int64_t ms, f_min..f_max */
	GW_FT_PERCENT,		/* int64_t, "10%" or "10" */
	GW_FT_ENUM,		/* int, index into f_enum */
	GW_FT_STR		/* char *, canonicalised by f_norm */
};
#define GW_FF_NULLABLE	0x01	/* GW_FT_STR only: NULL allowed */

struct gw_field {
	const char		 *f_group;	/* YAML mapping, or NULL */
	const char		 *f_key;	/* YAML key in that mapping */
	const char		 *f_flag;	/* gwctl long option */
	const char		 *f_column;	/* services column */
	enum gw_ftype		  f_type;
	size_t			  f_off;
	long long		  f_min;
	long long		  f_max;
	const char *const	 *f_enum;
	/* GW_FT_STR: malloc'd canonical form, or NULL and *errstr. */
	char			*(*f_norm)(const char *, const char **);
	int			  f_flags;
	const char		 *f_default;	/* text; NULL: NULL */
	const char		 *f_help;	/* man page and --help wording */
};

extern const struct gw_field	gw_service_fields[];
extern const size_t		gw_service_nfields;

/* The field with that flag name (or "group.key" path); NULL if none. */
const struct gw_field	*gw_service_field_by_flag(const char *flag);
const struct gw_field	*gw_service_field_by_key(const char *group,
			    const char *key);

/*
 * Parses text into the field of sv (freeing the old string).  text NULL
 * or "" sets NULL for a nullable field.  Returns 0, or -1 with *errstr a
 * static reason (the caller names the object and the value).
 */
int	 gw_field_set(const struct gw_field *f, struct gw_service *sv,
	    const char *text, const char **errstr);
/*
 * Canonical text of the field into buf, or for a string field the member
 * itself (never cut short); NULL when the value is NULL.
 */
const char *gw_field_get(const struct gw_field *f,
	    const struct gw_service *sv, char *buf, size_t len);
int	 gw_field_equal(const struct gw_field *f,
	    const struct gw_service *a, const struct gw_service *b);
/* Member pointers, by type, and their read-only twins. */
int64_t	*gw_field_i64(const struct gw_field *f, struct gw_service *sv);
int	*gw_field_enum(const struct gw_field *f, struct gw_service *sv);
char	**gw_field_str(const struct gw_field *f, struct gw_service *sv);
int64_t	 gw_field_i64_get(const struct gw_field *f,
	    const struct gw_service *sv);
int	 gw_field_enum_get(const struct gw_field *f,
	    const struct gw_service *sv);
const char *gw_field_str_get(const struct gw_field *f,
	    const struct gw_service *sv);
/* The YAML key path: "health_check.timeout", or "lb"; may use buf. */
const char *gw_field_path(const struct gw_field *f, char *buf, size_t len);

/* Object lifecycle.  init sets every default; copy deep-copies. */
void	 gw_service_init(struct gw_service *sv, const char *name);
void	 gw_service_copy(struct gw_service *dst,
	    const struct gw_service *src);
void	 gw_service_free(struct gw_service *sv);
int	 gw_service_equal(const struct gw_service *a,
	    const struct gw_service *b);
void	 gw_backend_init(struct gw_backend *be, const char *service,
	    const char *host, int port);
void	 gw_backend_copy(struct gw_backend *dst,
	    const struct gw_backend *src);
void	 gw_backend_free(struct gw_backend *be);
int	 gw_backend_equal(const struct gw_backend *a,
	    const struct gw_backend *b);
void	 gw_route_init(struct gw_route *rt, const char *name,
	    const char *service);
void	 gw_route_copy(struct gw_route *dst, const struct gw_route *src);
void	 gw_route_free(struct gw_route *rt);
int	 gw_route_equal(const struct gw_route *a, const struct gw_route *b);
/* Appends a header match (sorted insert; replaces one of the same name). */
void	 gw_route_add_match(struct gw_route *rt, const char *name,
	    const char *value);
void	 gw_route_add_edit(struct gw_route *rt, int phase, int op,
	    const char *name, const char *value);
/* Canonical order of edits: phase, op, name (case-insensitive). */
int	 gw_hdr_edit_cmp(const struct gw_hdr_edit *a,
	    const struct gw_hdr_edit *b);
void	 gw_route_clear_matches(struct gw_route *rt);
/* Removes the edits of one phase. */
void	 gw_route_clear_edits(struct gw_route *rt, int phase);

/*
 * The text of a backend's identity, "service/host:port" with IPv6
 * bracketed, as used in history and messages.  Returns buf.
 */
char	*gw_backend_id(const struct gw_backend *be, char *buf, size_t len);

void	 gw_config_init(struct gw_config *cf);
void	 gw_config_free(struct gw_config *cf);
void	 gw_config_copy(struct gw_config *dst, const struct gw_config *src);
/*
 * Appenders return a pointer to a new zeroed slot at the end of the array;
 * the caller initialises it.  Any pointer into the array is invalid after
 * the next append.
 */
struct gw_service	*gw_config_new_service(struct gw_config *cf);
struct gw_backend	*gw_config_new_backend(struct gw_config *cf);
struct gw_route		*gw_config_new_route(struct gw_config *cf);
struct gw_scale_target	*gw_config_new_scale_target(struct gw_config *cf);
/* Index of the object, or -1. */
long	 gw_config_find_service(const struct gw_config *cf, const char *name);
long	 gw_config_find_backend(const struct gw_config *cf,
	    const char *service, const char *host, int port);
long	 gw_config_find_route(const struct gw_config *cf, const char *name);
long	 gw_config_find_scale_target(const struct gw_config *cf,
	    const char *name);
/* Free the object at index and close the gap (order kept). */
void	 gw_config_remove_service(struct gw_config *cf, size_t i);
void	 gw_config_remove_backend(struct gw_config *cf, size_t i);
void	 gw_config_remove_route(struct gw_config *cf, size_t i);
void	 gw_config_remove_scale_target(struct gw_config *cf, size_t i);
/*
 * Canonical order: services by name, backends by service, host, port;
 * routes and scale targets by name.  Export, diff and history rely on it.
 */
void	 gw_config_sort(struct gw_config *cf);

/* Value checks and canonicalisers: see confval.h. */

enum gw_kind {
	GW_KIND_SERVICE,
	GW_KIND_BACKEND,
	GW_KIND_ROUTE,
	GW_KIND_SCALE		/* a scale target */
};
extern const char *const gw_kind_names[];	/* "service", ..., "scale" */

/*
 * Called once per problem found by validation.  index is into the
 * config's array of that kind; field is a YAML key path such as
 * "health_check.timeout" or "service" (NULL: the object as a whole); msg
 * is a sentence naming the bad value.
 */
struct gw_report {
	void	(*rp_fn)(void *arg, enum gw_kind kind, size_t index,
		    const char *field, const char *msg);
	void	*rp_arg;
};

/*
 * Validates every object and every reference: values in range, cross-field
 * rules (check timeout shorter than interval, longest ejection not
 * shorter than the base one, rewrite not with regex, a header not both
 * removed and set), backends and routes naming an existing
 * service, unique names and backend addresses, regexes that compile, and
 * no two routes that match exactly the same requests; each scale target
 * with gw_scale_target_check() (one problem per target), unique names and
 * workloads.  A gateway metric's service need not exist: gwscale reports
 * a missing one when it reads the metric.  Reports every problem, not
 * just the first.  Returns the number of problems.
 */
int	 gw_config_validate(const struct gw_config *cf,
	    const struct gw_report *rp);

#endif /* GW_CONFIG_H */
