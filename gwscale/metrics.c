/*
 * metrics: the current value of a metric, from the gateway's stats or a
 * Prometheus instant query.  See metrics.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "metrics.h"
#include "scale.h"
#include "store.h"
#include "str.h"

struct metrics {
	sqlite3		*m_db;
	CURL		*m_curl;	/* NULL until the first query */
	long		 m_timeout_ms;
};

struct metrics *
metrics_open(sqlite3 *db, long timeout_ms)
{
	struct metrics *m;

	m = gw_calloc(1, sizeof(*m));
	m->m_db = db;
	m->m_timeout_ms = timeout_ms;
	return m;
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->m_curl != NULL)
		curl_easy_cleanup(m->m_curl);
	free(m);
}

/* A sample's value: Prometheus sends it as a string ("NaN", "+Inf"). */
static int
prom_sample(json_t *pair, double *value, char *err, size_t errlen)
{
	const char	*s;
	char		*end;
	double		 d;

	if (!json_is_array(pair) || json_array_size(pair) != 2 ||
	    !json_is_string(json_array_get(pair, 1))) {
		snprintf(err, errlen, "malformed sample");
		return -1;
	}
	s = json_string_value(json_array_get(pair, 1));
	d = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(d)) {
		snprintf(err, errlen, "the value \"%s\" is not a finite number",
		    s);
		return -1;
	}
	*value = d;
	return 0;
}

static int
prom_result(json_t *data, double *value, char *err, size_t errlen)
{
	const char	*type;
	json_t		*res;

	type = json_string_value(json_object_get(data, "resultType"));
	res = json_object_get(data, "result");
	if (type == NULL || res == NULL) {
		snprintf(err, errlen, "no data.resultType or data.result");
		return -1;
	}
	if (strcmp(type, "scalar") == 0)
		return prom_sample(res, value, err, errlen);
	if (strcmp(type, "vector") != 0) {
		snprintf(err, errlen, "result type %s: the query must give a "
		    "vector or a scalar", type);
		return -1;
	}
	if (json_array_size(res) == 0) {
		snprintf(err, errlen, "empty result (no series matched; write "
		    "`or vector(0)` if that means zero)");
		return -1;
	}
	if (json_array_size(res) > 1) {
		snprintf(err, errlen, "%zu series: the query must give one "
		    "(aggregate it, e.g. with sum)", json_array_size(res));
		return -1;
	}
	return prom_sample(json_object_get(json_array_get(res, 0), "value"),
	    value, err, errlen);
}

int
metrics_prom_parse(const char *body, size_t len, double *value, char *err,
    size_t errlen)
{
	json_error_t	 je;
	json_t		*o;
	const char	*status;
	int		 rc = -1;

	if ((o = json_loadb(body, len, 0, &je)) == NULL) {
		snprintf(err, errlen, "not JSON: %s", je.text);
		return -1;
	}
	status = json_string_value(json_object_get(o, "status"));
	if (status == NULL)
		snprintf(err, errlen, "no status in the answer");
	else if (strcmp(status, "success") != 0)
		snprintf(err, errlen, "%s: %s", json_string_value(
		    json_object_get(o, "errorType")) != NULL ?
		    json_string_value(json_object_get(o, "errorType")) :
		    status, json_string_value(json_object_get(o, "error")) !=
		    NULL ? json_string_value(json_object_get(o, "error")) :
		    "no error message");
	else
		rc = prom_result(json_object_get(o, "data"), value, err,
		    errlen);
	json_decref(o);
	return rc;
}

static size_t
prom_write(char *p, size_t size, size_t n, void *arg)
{
	struct gw_buf *b = arg;

	if (b->b_len + size * n > METRICS_BODY_MAX)
		return 0;
	gw_buf_append(b, p, size * n);
	return size * n;
}

static int
prom_query(struct metrics *m, const struct gw_scale_metric *sm,
    double *value, char *err, size_t errlen)
{
	char		 cerr[CURL_ERROR_SIZE] = "";
	struct gw_buf	 body = { 0 };
	char		*q, *url;
	long		 code = 0;
	CURLcode	 cc;
	int		 rc = -1;

	if (m->m_curl == NULL && (m->m_curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	q = curl_easy_escape(m->m_curl, sm->sm_metric, 0);
	url = gw_asprintf("%s%sapi/v1/query?query=%s", sm->sm_url,
	    sm->sm_url[strlen(sm->sm_url) - 1] == '/' ? "" : "/", q);
	curl_free(q);
	curl_easy_reset(m->m_curl);
	curl_easy_setopt(m->m_curl, CURLOPT_URL, url);
	curl_easy_setopt(m->m_curl, CURLOPT_WRITEFUNCTION, prom_write);
	curl_easy_setopt(m->m_curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(m->m_curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(m->m_curl, CURLOPT_TIMEOUT_MS, m->m_timeout_ms);
	curl_easy_setopt(m->m_curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(m->m_curl, CURLOPT_USERAGENT, "gwscale/0.1");
	cc = curl_easy_perform(m->m_curl);
	curl_easy_getinfo(m->m_curl, CURLINFO_RESPONSE_CODE, &code);
	if (cc != CURLE_OK)
		snprintf(err, errlen, "GET %s: %s", sm->sm_url,
		    cerr[0] != '\0' ? cerr : curl_easy_strerror(cc));
	else if (metrics_prom_parse(body.b_data != NULL ? body.b_data : "",
	    body.b_len, value, cerr, sizeof(cerr)) == -1)
		snprintf(err, errlen, "GET %s: %ld: %s", sm->sm_url, code,
		    cerr);
	else if (code != 200)
		snprintf(err, errlen, "GET %s: status %ld", sm->sm_url, code);
	else
		rc = 0;
	gw_buf_free(&body);
	free(url);
	return rc;
}

int
metrics_read(struct metrics *m, const struct gw_scale_metric *sm,
    int64_t now, double *value, char *err, size_t errlen)
{
	int avail;

	if (sm->sm_source == GW_SCALE_PROMETHEUS)
		return prom_query(m, sm, value, err, errlen);
	if (store_gateway_metric(m->m_db, sm->sm_service,
	    gw_scale_name_index(gw_scale_gwmetric_names, sm->sm_metric), now,
	    sm->sm_window_ms, value, &avail, err, errlen) == -1)
		return -1;
	return avail ? 0 : -1;
}
