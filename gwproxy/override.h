/*
 * override: runtime changes to backends made through the control socket
 * ("backend drain|enable|disable|weight SERVICE ADDR [N]"), like HAProxy's
 * runtime API.  They sit on top of the DB's config in every snapshot built
 * while gwproxy runs, are not written to the DB, and end with the process:
 * the DB stays the one source of truth for a restart.  Guarded by a mutex;
 * touched only by the admin and reload threads, never a worker.
 */
#ifndef GWPROXY_OVERRIDE_H
#define GWPROXY_OVERRIDE_H

#include <stddef.h>

#include "config.h"
#include "str.h"

/*
 * Records an override of backend addr of service: state (enum gw_admin)
 * or -1 to keep, weight 1..256 or -1 to keep.  cf is the config the
 * caller checked the backend against.  0, or -1 with errbuf naming the
 * bad value.
 */
int	override_set(const struct gw_config *cf, const char *service,
	    const char *addr, int state, int weight, char *errbuf,
	    size_t errlen);
/* Applies every override to the backends of cf (a config being built). */
void	override_apply(struct gw_config *cf);
/* Lists the overrides as text lines and a JSON array field. */
void	override_show(struct gw_buf *text, struct gw_buf *json);

#endif /* GWPROXY_OVERRIDE_H */
