#!/usr/bin/env python3
"""fakeapi.py: a fake Kubernetes API server for the gw tests.

Serves, over HTTPS, what an autoscaler needs of the API: the scale
subresource of deployments, statefulsets and replicasets (apps/v1) with
resourceVersion, the objects themselves, the discovery documents kubectl
reads, bearer-token and client-certificate authentication, and the Status
objects of a real API server (kube-apiserver 1.32, JSON only).  A control
API under /_fake/ (no authentication) creates objects, injects failures
and returns the log of every API request.  Python 3.11 standard library
only.

    fakeapi.py --certdir DIR --port-file FILE --token TOKEN
        [--token-file FILE] [--readonly-token TOKEN] [--log FILE]
        [--listen ADDR]

DIR holds what tests/k8s/mkca.sh makes (server.crt, server.key, ca.crt).
The port (bound as 0) is written to FILE once the server accepts
connections.  SIGTERM and SIGINT stop it, exit status 0.  See
tests/k8s/README.md for the control API.

What it does not do: watch, create, delete, protobuf or YAML bodies,
server-side apply (415), Table output, aggregated discovery (it answers
the legacy documents, as servers before 1.26 do), admission, RBAC beyond
one read-only token.  A strategic merge patch is applied as a JSON merge
patch (the same for Scale; lists in full objects are replaced, not merged).
"""

import argparse
import copy
import datetime
import hashlib
import json
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The API server's body limit (apiserver MaxRequestBodyBytes, 3 MB).
MAX_BODY = 3 * 1024 * 1024
# Idle keep-alive connections are closed after this many seconds.
IDLE_TIMEOUT = 60
INT32_MAX = 2**31 - 1

# The users the bearer tokens stand for: an autoscaler's service account,
# and a viewer that may only read.
TOKEN_USER = "system:serviceaccount:default:gwscale"
READONLY_USER = "system:serviceaccount:default:viewer"

OPTIMISTIC_LOCK_MSG = ("the object has been modified; please apply your "
                       "changes to the latest version and try again")

# The workload resources: plural -> (Kind, singular, short names).
APPS = {
    "deployments": ("Deployment", "deployment", ["deploy"]),
    "statefulsets": ("StatefulSet", "statefulset", ["sts"]),
    "replicasets": ("ReplicaSet", "replicaset", ["rs"]),
}
READ_VERBS = ("get", "list", "watch")

# Patch types the scale subresource and the objects accept, in the
# order the API server lists them (installer.go; no server-side apply).
PATCH_TYPES = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
]

# ObjectMeta's JSON fields, for the strict decoding of a Scale.
META_FIELDS = {
    "name", "generateName", "namespace", "selfLink", "uid",
    "resourceVersion", "generation", "creationTimestamp",
    "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields",
}


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def warn(msg):
    print("fakeapi: " + msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Status objects, as k8s.io/apimachinery/pkg/api/errors builds them.

class ApiError(Exception):
    """A failed API request: an HTTP status and its metav1.Status."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.body = {"kind": "Status", "apiVersion": "v1", "metadata": {},
                     "status": "Failure", "message": message}
        if reason:
            self.body["reason"] = reason
        if details is not None:
            self.body["details"] = details
        self.body["code"] = code
        self.headers = headers or {}


def details(name="", group="", kind="", causes=None, retry=0):
    """StatusDetails with Go's omitempty."""
    d = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    if kind:
        d["kind"] = kind
    if causes:
        d["causes"] = causes
    if retry:
        d["retryAfterSeconds"] = retry
    return d


def qualified(resource, group):
    """schema.GroupResource.String(): "deployments.apps", "pods"."""
    return resource + "." + group if group else resource


def err_not_found(resource, group, name):
    return ApiError(404, "NotFound",
                    '%s "%s" not found' % (qualified(resource, group), name),
                    details(name, group, resource))


def err_path_not_found():
    return ApiError(404, "NotFound",
                    "the server could not find the requested resource", {})


def err_conflict(resource, group, name, why=OPTIMISTIC_LOCK_MSG):
    return ApiError(409, "Conflict",
                    'Operation cannot be fulfilled on %s "%s": %s'
                    % (qualified(resource, group), name, why),
                    details(name, group, resource))


def err_bad_request(message):
    return ApiError(400, "BadRequest", message)


def err_method_not_allowed():
    return ApiError(405, "MethodNotAllowed", "the server does not allow "
                    "this method on the requested resource", {})


def err_unauthorized():
    return ApiError(401, "Unauthorized", "Unauthorized")


def go_value(v):
    """A bad value as field.Error prints it (%v, %q or %#v)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return json.dumps(v, sort_keys=True, ensure_ascii=False)


def field_invalid(path, value, detail):
    """One field.Error of type Invalid, as (field, body)."""
    return (path, "Invalid value: %s: %s" % (go_value(value), detail))


def err_invalid(kind, group, name, errs):
    """errors.NewInvalid(GroupKind{group, kind}, name, errs)."""
    causes = [{"reason": "FieldValueInvalid", "message": body, "field": f}
              for f, body in errs]
    texts = ["%s: %s" % (f, body) for f, body in errs]
    agg = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    gk = kind + "." + group if group else kind
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (gk, name, agg),
                    details(name, group, kind, causes))


def err_patch_failed(message):
    """A JSON patch that does not apply: NewGenericServerResponse(422,
    ..., isUnexpectedResponse false), which drops the reason MESSAGE (it
    goes to the server's log only)."""
    warn("json patch: " + message)
    return ApiError(422, "Invalid", "the server rejected our request due "
                    "to an error in our request", {})


def err_forbidden(attrs, user):
    """responsewriters.Forbidden: RBAC's "cannot VERB resource" message."""
    if not attrs["resource"]:
        return ApiError(403, "Forbidden", 'forbidden: User "%s" cannot %s '
                        'path "%s"' % (user, attrs["verb"], attrs["path"]),
                        {})
    res = attrs["resource"]
    if attrs["subresource"]:
        res += "/" + attrs["subresource"]
    msg = 'User "%s" cannot %s resource "%s" in API group "%s"' % (
        user, attrs["verb"], res, attrs["group"])
    if attrs["namespace"]:
        msg += ' in the namespace "%s"' % attrs["namespace"]
    else:
        msg += " at the cluster scope"
    q = qualified(attrs["resource"], attrs["group"])
    if attrs["name"]:
        msg = '%s "%s" is forbidden: %s' % (q, attrs["name"], msg)
    else:
        msg = "%s is forbidden: %s" % (q, msg)
    return ApiError(403, "Forbidden", msg,
                    details(attrs["name"], attrs["group"], attrs["resource"]))


def injected_error(code, attrs, user, retry):
    """The Status a real server would send with CODE for this request."""
    res, group, name = attrs["resource"], attrs["group"], attrs["name"]
    hdr = {"Retry-After": str(retry)} if retry else {}
    if code == 401:
        e = err_unauthorized()
    elif code == 403:
        e = err_forbidden(attrs, user)
    elif code == 404:
        e = (err_not_found(res, group, name) if res and name
             else err_path_not_found())
    elif code == 409:
        e = (err_conflict(res, group, name) if res and name else
             ApiError(409, "Conflict", "the server reported a conflict", {}))
    elif code == 422:
        if res and name:
            if attrs["subresource"] == "scale":
                kind, kgroup = "Scale", "autoscaling"
            else:
                kind, kgroup = APPS.get(res, (res, None, None))[0], group
            e = err_invalid(kind, kgroup, name, [field_invalid(
                "spec.replicas", -1, "must be greater than or equal to 0")])
        else:
            e = err_patch_failed("injected failure")
    elif code == 400:
        e = err_bad_request("the server rejected our request for an "
                            "unknown reason")
    elif code == 405:
        e = err_method_not_allowed()
    elif code == 406:
        e = ApiError(406, "NotAcceptable", "only the following media types "
                     "are accepted: application/json")
    elif code == 410:
        e = ApiError(410, "Expired", "too old resource version: 1 (2)")
    elif code == 413:
        e = ApiError(413, "RequestEntityTooLarge",
                     "Request entity too large: limit is %d" % MAX_BODY)
    elif code == 415:
        e = err_unsupported_media_type()
    elif code == 429:
        e = ApiError(429, "TooManyRequests",
                     "Too many requests, please try again later.",
                     details(retry=retry or 1))
        hdr = {"Retry-After": str(retry or 1)}
    elif code == 500:
        e = ApiError(500, "InternalError", "Internal error occurred: "
                     "etcdserver: request timed out",
                     details(causes=[{"message":
                                      "etcdserver: request timed out"}]))
    elif code == 503:
        e = ApiError(503, "ServiceUnavailable", "the server is currently "
                     "unable to handle the request",
                     details(retry=retry) if retry else None)
    elif code == 504:
        e = ApiError(504, "Timeout", "Timeout: request did not complete "
                     "within requested timeout - context deadline exceeded",
                     details(retry=retry))
    else:
        raise ValueError("unsupported status %d" % code)
    if retry and "details" in e.body and code not in (429, 503, 504):
        e.body["details"]["retryAfterSeconds"] = retry
    e.headers.update(hdr)
    return e


INJECTABLE = (400, 401, 403, 404, 405, 406, 409, 410, 413, 415, 422, 429,
              500, 503, 504)


def err_unsupported_media_type(types=None):
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - "
                    "accepted media types include: "
                    + ", ".join(types or ["application/json"]))


# ---------------------------------------------------------------------------
# JSON merge patch (RFC 7386) and JSON patch (RFC 6902, with the behaviour
# of gopkg.in/evanphx/json-patch.v4, which the API server uses).

def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


def strip_directives(patch):
    """Drops the $patch, $retainKeys... keys of a strategic merge patch."""
    if isinstance(patch, dict):
        return {k: strip_directives(v) for k, v in patch.items()
                if not k.startswith("$")}
    return patch


def json_equal(a, b):
    """Equality of two JSON values, numbers by type and value (json-patch
    compares scalars by their text, so 3 and 3.0 differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k])
                                            for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y)
                                        for x, y in zip(a, b))
    return a == b


class PatchError(Exception):
    pass


def _unescape(part):
    return part.replace("~1", "/").replace("~0", "~")


def _find(doc, path):
    """findObject(): the container of PATH's last token, and that token."""
    split = path.split("/")
    if len(split) < 2:
        return None, ""
    cur = doc
    for part in split[1:-1]:
        part = _unescape(part)
        if isinstance(cur, dict):
            nxt = cur.get(part)
        else:
            try:
                i = int(part)
                if i < 0:
                    i += len(cur)
                nxt = cur[i] if 0 <= i < len(cur) else None
            except ValueError:
                nxt = None
        if not isinstance(nxt, (dict, list)):
            return None, ""
        cur = nxt
    return cur, _unescape(split[-1])


def _index(con, key, size):
    try:
        i = int(key)
    except ValueError:
        raise PatchError('strconv.Atoi: parsing "%s": invalid syntax' % key)
    if i < 0:
        if i < -size:
            raise PatchError("Unable to access invalid index: %d: invalid "
                             "index referenced" % i)
        i += size
    if i >= size:
        raise PatchError("Unable to access invalid index: %d: invalid "
                         "index referenced" % i)
    return i


def _get(con, key):
    if isinstance(con, dict):
        return con.get(key)
    return con[_index(con, key, len(con))]


def _add(con, key, val):
    if isinstance(con, dict):
        con[key] = val
    elif key == "-":
        con.append(val)
    else:
        try:
            i = int(key)
        except ValueError:
            raise PatchError("value was not a proper array index: '%s': "
                             'strconv.Atoi: parsing "%s": invalid syntax'
                             % (key, key))
        con.insert(_index(con, str(i), len(con) + 1), val)


def _remove(con, key):
    if isinstance(con, dict):
        if key not in con:
            raise PatchError("Unable to remove nonexistent key: %s: "
                             "missing value" % key)
        return con.pop(key)
    return con.pop(_index(con, key, len(con)))


def json_patch(doc, ops):
    """Applies the RFC 6902 operations OPS to a copy of DOC."""
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict):
            raise PatchError("Unexpected kind: unknown")
        kind = op.get("op") if isinstance(op.get("op"), str) else "unknown"
        path = op.get("path")
        if kind in ("add", "remove", "replace", "move", "copy", "test") \
                and not isinstance(path, str):
            raise PatchError("%s operation failed to decode path: "
                             "operation missing path field: missing value"
                             % kind)
        val = copy.deepcopy(op.get("value"))
        if kind == "add":
            con, key = _find(doc, path)
            if con is None:
                raise PatchError('add operation does not apply: doc is '
                                 'missing path: "%s": missing value' % path)
            try:
                _add(con, key, val)
            except PatchError as e:
                raise PatchError("error in add for path: '%s': %s"
                                 % (path, e))
        elif kind == "remove":
            con, key = _find(doc, path)
            if con is None:
                raise PatchError('remove operation does not apply: doc is '
                                 'missing path: "%s": missing value' % path)
            try:
                _remove(con, key)
            except PatchError as e:
                raise PatchError("error in remove for path: '%s': %s"
                                 % (path, e))
        elif kind == "replace":
            if path == "":
                if not isinstance(val, (dict, list)):
                    raise PatchError("replace operation value must be "
                                     "object or array")
                doc = val
                continue
            con, key = _find(doc, path)
            if con is None:
                raise PatchError("replace operation does not apply: doc is "
                                 "missing path: %s: missing value" % path)
            # json-patch.v4 replaces a missing key of an object (adds it).
            if isinstance(con, dict):
                con[key] = val
            else:
                try:
                    con[_index(con, key, len(con))] = val
                except PatchError:
                    raise PatchError("replace operation does not apply: doc "
                                     "is missing key: %s: missing value"
                                     % path)
        elif kind in ("move", "copy"):
            frm = op.get("from")
            if not isinstance(frm, str):
                raise PatchError("%s operation failed to decode from: "
                                 "operation, missing from field: missing "
                                 "value" % kind)
            con, key = _find(doc, frm)
            if con is None:
                raise PatchError("%s operation does not apply: doc is "
                                 "missing from path: %s: missing value"
                                 % (kind, frm))
            try:
                v = (_remove(con, key) if kind == "move"
                     else copy.deepcopy(_get(con, key)))
            except PatchError as e:
                raise PatchError("error in %s for path: '%s': %s"
                                 % (kind, key, e))
            con, key = _find(doc, path)
            if con is None:
                raise PatchError("%s operation does not apply: doc is "
                                 "missing destination path: %s: missing "
                                 "value" % (kind, path))
            _add(con, key, v)
        elif kind == "test":
            if path == "":
                cur = doc
            else:
                con, key = _find(doc, path)
                if con is None:
                    raise PatchError("test operation does not apply: is "
                                     "missing path: %s: missing value"
                                     % path)
                try:
                    cur = _get(con, key)
                except PatchError as e:
                    raise PatchError("error in test for path: '%s': %s"
                                     % (path, e))
            if cur is None and val is None:
                continue
            if cur is None or val is None or not json_equal(cur, val):
                raise PatchError("testing value %s failed: test failed"
                                 % path)
        else:
            raise PatchError("Unexpected kind: %s" % kind)
    return doc


# ---------------------------------------------------------------------------
# Decoding, as the API server's JSON decoder reports errors.

def go_json_type(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (int, float)):
        return "number %s" % json.dumps(v)
    if isinstance(v, list):
        return "array"
    return "object"


def decode_int32(v, gostruct, field):
    """Returns (value, None) or (None, the decoder's error)."""
    if isinstance(v, int) and not isinstance(v, bool) \
            and -2**31 <= v <= INT32_MAX:
        return v, None
    return None, ("json: cannot unmarshal %s into Go struct field %s.%s of "
                  "type int32" % (go_json_type(v), gostruct, field))


def unknown_fields(scale):
    """The fields of a Scale that autoscaling/v1 does not have."""
    out = []
    for k, v in scale.items():
        if k in ("kind", "apiVersion"):
            continue
        if k == "metadata" and isinstance(v, dict):
            out += ["metadata." + f for f in v if f not in META_FIELDS]
        elif k == "spec" and isinstance(v, dict):
            out += ["spec." + f for f in v if f != "replicas"]
        elif k == "status" and isinstance(v, dict):
            out += ["status." + f for f in v
                    if f not in ("replicas", "selector")]
        elif k not in ("metadata", "spec", "status"):
            out.append(k)
    return out


def selector_string(match_labels):
    """metav1.LabelSelectorAsSelector(...).String(): sorted k=v."""
    return ",".join("%s=%s" % (k, match_labels[k])
                    for k in sorted(match_labels))


def go_selector(sel):
    """A *metav1.LabelSelector as %#v prints it."""
    ml = (sel or {}).get("matchLabels") or {}
    labels = ", ".join('"%s":"%s"' % (k, ml[k]) for k in sorted(ml))
    return ("v1.LabelSelector{MatchLabels:map[string]string{%s}, "
            "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}" % labels)


def parse_label_selector(text):
    """labelSelector=: a list of (key, op, values); ValueError if bad."""
    reqs = []
    rx = re.compile(r"\s*(!?)\s*([A-Za-z0-9./_-]+)\s*(?:(==|=|!=)\s*"
                    r"([A-Za-z0-9._-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*"
                    r"(,|$)")
    pos = 0
    while pos < len(text):
        m = rx.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(text)
        neg, key, eq, val, setop, vals, _ = m.groups()
        if neg and (eq or setop):
            raise ValueError(text)
        if neg:
            reqs.append((key, "!", []))
        elif eq:
            reqs.append((key, "!=" if eq == "!=" else "=", [val]))
        elif setop:
            reqs.append((key, setop,
                         [s.strip() for s in vals.split(",") if s.strip()]))
        else:
            reqs.append((key, "exists", []))
        pos = m.end()
    return reqs


def labels_match(labels, reqs):
    for key, op, vals in reqs:
        has = key in labels
        v = labels.get(key)
        if op == "=" and v != vals[0]:
            return False
        if op == "!=" and has and v == vals[0]:
            return False
        if op == "in" and v not in vals:
            return False
        if op == "notin" and has and v in vals:
            return False
        if op == "exists" and not has:
            return False
        if op == "!" and has:
            return False
    return True


# ---------------------------------------------------------------------------
# The objects.

def short_hash(text):
    """A pod-template-hash lookalike (10 of Kubernetes' safe characters)."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    h = hashlib.sha256(text.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in h[:10])


class Obj:
    """One workload object.  doc is its kind, apiVersion, metadata and
    spec; the status is computed from sr (status.replicas), ready and og
    (observedGeneration).  lag: a write leaves the status as it was, as if
    the controller had not caught up yet."""

    def __init__(self, res, doc, sr, ready, og, lag):
        self.res = res
        self.doc = doc
        self.sr = sr
        self.ready = ready
        self.og = og
        self.lag = lag

    @property
    def md(self):
        return self.doc["metadata"]

    @property
    def replicas(self):
        return self.doc["spec"].get("replicas", 0)

    def match_labels(self):
        sel = self.doc["spec"].get("selector") or {}
        return sel.get("matchLabels") or {}

    def status(self):
        """The status, with the omitempty of each apps/v1 type."""
        s = {}

        def put(k, v):
            if v:
                s[k] = v
        name, created = self.md["name"], self.md["creationTimestamp"]
        if self.res == "deployments":
            put("observedGeneration", self.og)
            put("replicas", self.sr)
            put("updatedReplicas", self.sr)
            put("readyReplicas", self.ready)
            put("availableReplicas", self.ready)
            put("unavailableReplicas", max(self.sr - self.ready, 0))
            # Available: at least replicas - maxUnavailable (25%, down).
            ok = self.ready >= self.replicas - self.replicas // 4
            rs = "%s-%s" % (name, short_hash(name)[:9])
            s["conditions"] = [{
                "type": "Available", "status": "True" if ok else "False",
                "lastUpdateTime": created, "lastTransitionTime": created,
                "reason": ("MinimumReplicasAvailable" if ok
                           else "MinimumReplicasUnavailable"),
                "message": ("Deployment has minimum availability." if ok
                            else "Deployment does not have minimum "
                            "availability."),
            }, {
                "type": "Progressing", "status": "True",
                "lastUpdateTime": created, "lastTransitionTime": created,
                "reason": "NewReplicaSetAvailable",
                "message": 'ReplicaSet "%s" has successfully progressed.'
                           % rs,
            }]
        elif self.res == "statefulsets":
            put("observedGeneration", self.og)
            s["replicas"] = self.sr
            put("readyReplicas", self.ready)
            put("currentReplicas", self.sr)
            put("updatedReplicas", self.sr)
            rev = "%s-%s" % (name, short_hash(name)[:10])
            s["currentRevision"] = rev
            s["updateRevision"] = rev
            s["collisionCount"] = 0
            s["availableReplicas"] = self.ready
        else:
            s["replicas"] = self.sr
            put("fullyLabeledReplicas", self.sr)
            put("readyReplicas", self.ready)
            put("availableReplicas", self.ready)
            put("observedGeneration", self.og)
        return s

    def render(self, typed=True):
        """The object as the API returns it (in a list: typed=False)."""
        out = {}
        if typed:
            out["kind"] = self.doc["kind"]
            out["apiVersion"] = "apps/v1"
        out["metadata"] = copy.deepcopy(self.md)
        out["spec"] = copy.deepcopy(self.doc["spec"])
        out["status"] = self.status()
        return out

    def scale(self):
        """registry/apps/*/storage scaleFrom*(): the autoscaling/v1 Scale."""
        spec = {}
        if self.replicas:
            spec["replicas"] = self.replicas    # int32, omitempty
        status = {"replicas": self.sr}
        sel = selector_string(self.match_labels())
        if sel:
            status["selector"] = sel
        md = self.md
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {"name": md["name"],
                             "namespace": md["namespace"],
                             "uid": md["uid"],
                             "resourceVersion": md["resourceVersion"],
                             "creationTimestamp": md["creationTimestamp"]},
                "spec": spec, "status": status}

    def summary(self):
        """The control API's view of it."""
        return {"kind": self.res, "namespace": self.md["namespace"],
                "name": self.md["name"], "replicas": self.replicas,
                "status_replicas": self.sr, "ready": self.ready,
                "status_lag": self.lag, "uid": self.md["uid"],
                "resourceVersion": self.md["resourceVersion"],
                "generation": self.md["generation"],
                "observedGeneration": self.og, "object": self.render()}


def new_doc(res, ns, name, replicas, match_labels, labels, uid, created):
    kind = APPS[res][0]
    template = {
        "metadata": {"creationTimestamp": None,
                     "labels": dict(match_labels)},
        "spec": {
            "containers": [{
                "name": name, "image": "registry.k8s.io/pause:3.10",
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent",
            }],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "securityContext": {},
            "schedulerName": "default-scheduler",
        },
    }
    spec = {"replicas": replicas,
            "selector": {"matchLabels": dict(match_labels)},
            "template": template}
    md = {"name": name, "namespace": ns, "uid": uid, "resourceVersion": "",
          "generation": 1, "creationTimestamp": created,
          "labels": dict(labels)}
    if res == "deployments":
        md["annotations"] = {"deployment.kubernetes.io/revision": "1"}
        spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {
            "maxUnavailable": "25%", "maxSurge": "25%"}}
        spec["revisionHistoryLimit"] = 10
        spec["progressDeadlineSeconds"] = 600
    elif res == "statefulsets":
        spec["serviceName"] = name
        spec["podManagementPolicy"] = "OrderedReady"
        spec["updateStrategy"] = {"type": "RollingUpdate",
                                  "rollingUpdate": {"partition": 0}}
        spec["revisionHistoryLimit"] = 10
        spec["persistentVolumeClaimRetentionPolicy"] = {
            "whenDeleted": "Retain", "whenScaled": "Retain"}
    return {"kind": kind, "apiVersion": "apps/v1", "metadata": md,
            "spec": spec}


class State:
    """Everything the server holds; lock guards all of it."""

    def __init__(self, logfile):
        self.lock = threading.Lock()
        self.objects = {}           # (res, ns, name) -> Obj
        self.rv = 100               # the "etcd revision"
        self.fails = []             # injected failures, oldest first
        self.requests = []          # the request log
        self.logfile = logfile
        self.started = now_rfc3339()
        self.ns_uids = {}

    def next_rv(self):
        self.rv += 1
        return str(self.rv)

    def ns_uid(self, ns):
        return self.ns_uids.setdefault(ns, str(uuid.uuid4()))

    def namespaces(self):
        names = {"default", "kube-system", "kube-public", "kube-node-lease"}
        names.update(k[1] for k in self.objects)
        return sorted(names)

    def record(self, entry):
        self.requests.append(entry)
        if self.logfile:
            with open(self.logfile, "a") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def take_failure(self, method, path):
        """The first injected failure this request matches, consumed."""
        for rule in self.fails:
            if rule["method"] not in ("*", method):
                continue
            if rule["path"] not in path:
                continue
            rule["count"] -= 1
            if rule["count"] <= 0:
                self.fails.remove(rule)
            return dict(rule)
        return None


# ---------------------------------------------------------------------------
# Requests.

def request_attrs(method, segs, query):
    """The RequestInfo the API server derives from a request, for the
    authorizer (RBAC) and its messages."""
    a = {"verb": method.lower(), "path": "/" + "/".join(segs), "group": "",
         "version": "", "resource": "", "subresource": "", "namespace": "",
         "name": ""}
    if segs[:1] == ["api"] and len(segs) >= 2:
        rest = segs[2:]
        a["version"] = segs[1]
    elif segs[:1] == ["apis"] and len(segs) >= 3:
        a["group"], a["version"] = segs[1], segs[2]
        rest = segs[3:]
    else:
        a["verb"] = {"GET": "get", "POST": "post", "PUT": "put",
                     "PATCH": "patch", "DELETE": "delete"}.get(
                         method, method.lower())
        return a
    if not rest:
        a["verb"] = "get" if method == "GET" else method.lower()
        return a
    if rest[0] == "namespaces" and len(rest) >= 2:
        a["namespace"] = rest[1]
        if len(rest) == 2:
            a["resource"], a["name"] = "namespaces", rest[1]
            rest = []
        else:
            rest = rest[2:]
    if rest:
        a["resource"] = rest[0]
        if len(rest) >= 2:
            a["name"] = rest[1]
        if len(rest) >= 3:
            a["subresource"] = rest[2]
    watch = query.get("watch", [""])[0] in ("1", "true")
    a["verb"] = {"GET": ("watch" if watch else
                         "get" if a["name"] else "list"),
                 "POST": "create", "PUT": "update", "PATCH": "patch",
                 "DELETE": "delete" if a["name"] else "deletecollection",
                 }.get(method, method.lower())
    return a


def accepts_json(accept):
    """Whether the Accept header allows plain application/json."""
    if not accept.strip():
        return True
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        mt = fields[0].lower()
        params = {}
        for f in fields[1:]:
            k, _, v = f.partition("=")
            params[k.strip().lower()] = v.strip()
        if params.get("q") in ("0", "0.0", "0.00", "0.000"):
            continue
        if "as" in params:
            continue    # Table, PartialObjectMetadata, discovery v2
        if mt in ("*/*", "application/*", "application/json"):
            return True
    return False


def apps_resource(name, kind, singular, short, verbs):
    r = {"name": name, "singularName": singular, "namespaced": True,
         "kind": kind, "verbs": verbs}
    if short:
        r["shortNames"] = short
        r["categories"] = ["all"]
    return r


def discovery_apps():
    res = []
    for plural in sorted(APPS):
        kind, singular, short = APPS[plural]
        res.append(apps_resource(plural, kind, singular, short,
                                 ["get", "list", "patch", "update"]))
        res.append({"name": plural + "/scale", "singularName": "",
                    "namespaced": True, "group": "autoscaling",
                    "version": "v1", "kind": "Scale",
                    "verbs": ["get", "patch", "update"]})
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": "apps/v1", "resources": res}


def discovery_autoscaling():
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": "autoscaling/v1", "resources": [
                apps_resource("horizontalpodautoscalers",
                              "HorizontalPodAutoscaler",
                              "horizontalpodautoscaler", ["hpa"],
                              ["get", "list"])]}


def discovery_core():
    return {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        {"name": "namespaces", "singularName": "namespace",
         "namespaced": False, "kind": "Namespace", "verbs": ["get", "list"],
         "shortNames": ["ns"]},
        apps_resource("pods", "Pod", "pod", ["po"], ["get", "list"]),
    ]}


def api_group(name):
    gv = {"groupVersion": name + "/v1", "version": "v1"}
    return {"name": name, "versions": [gv], "preferredVersion": gv}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    # The head and the body go out in two writes: with Nagle the second
    # waits for the client's delayed ACK (40 ms a request).
    disable_nagle_algorithm = True
    cfg = None          # the parsed command line
    state = None        # the State

    def setup(self):
        super().setup()
        # The handshake in this thread, not in the accept loop.
        self.request.do_handshake()

    def log_message(self, fmt, *args):
        pass

    def send_response(self, code, message=None):
        # No Server header: the API server sends none.
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def do_GET(self):
        self.dispatch()

    do_PUT = do_PATCH = do_POST = do_DELETE = do_HEAD = do_GET

    # --- plumbing

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in te:
            chunks, size = [], 0
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    break
                size += n
                if size > MAX_BODY:
                    self.close_connection = True
                    return None
                chunks.append(self.rfile.read(n))
                self.rfile.readline(16)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            self.close_connection = True
            return None
        return self.rfile.read(n) if n > 0 else b""

    def write(self, code, body, ctype="application/json", headers=None):
        if isinstance(body, (dict, list)):
            if self.pretty:
                text = json.dumps(body, indent=2, ensure_ascii=False)
            else:
                text = json.dumps(body, separators=(",", ":"),
                                  ensure_ascii=False)
            body = (text + "\n").encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.status = code

    def masked_authorization(self, cert_user):
        h = self.headers.get("Authorization", "")
        if h:
            scheme, _, cred = h.partition(" ")
            return "%s %s\u2026" % (scheme, cred.strip()[:4])
        return "cert:" + cert_user if cert_user else ""

    def cert_user(self):
        try:
            cert = self.request.getpeercert()
        except (ValueError, ssl.SSLError):
            return None
        if not cert:
            return None
        for rdn in cert.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    return v
        return None

    def authenticate(self, cert_user):
        """The user (client certificate first, then the bearer token, as
        the API server's union authenticator), or None."""
        if cert_user:
            return cert_user
        parts = self.headers.get("Authorization", "").split(" ")
        if len(parts) < 2 or parts[0].lower() != "bearer" or not parts[1]:
            return None
        token = parts[1]
        if token == self.cfg.token:
            return TOKEN_USER
        if self.cfg.readonly_token and token == self.cfg.readonly_token:
            return READONLY_USER
        if self.cfg.token_file:
            try:
                with open(self.cfg.token_file) as f:
                    current = f.read().strip()
            except OSError:
                current = ""
            if current and token == current:
                return TOKEN_USER
        return None

    # --- dispatch

    def dispatch(self):
        self.status = 0
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        self.pretty = self.want_pretty(query)
        body = self.read_body()
        if path.startswith("/_fake/") or path == "/_fake":
            self.control(path, body)
            return
        segs = [urllib.parse.unquote(s) for s in path.split("/") if s]
        cert_user = self.cert_user()
        entry = {
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "method": self.command, "path": path, "query": url.query,
            "content_type": self.headers.get("Content-Type", ""),
            "accept": self.headers.get("Accept", ""),
            "authorization": self.masked_authorization(cert_user),
            "user_agent": self.headers.get("User-Agent", ""),
            "body": (body or b"").decode("utf-8", "replace"),
            "status": 0, "user": "", "injected": False,
        }
        try:
            self.api(entry, segs, query, body, cert_user)
        except ApiError as e:
            self.write(e.code, e.body, headers=e.headers)
        except (ConnectionError, TimeoutError):
            raise
        except Exception as e:      # a bug here: a 500, and say so
            warn("internal error on %s %s: %r" % (self.command, path, e))
            err = ApiError(500, "InternalError",
                           "Internal error occurred: %s" % e,
                           details(causes=[{"message": str(e)}]))
            self.write(500, err.body)
        finally:
            entry["status"] = self.status
            with self.state.lock:
                self.state.record(entry)
            warn("%s %s%s %s %d" % (self.command, path,
                                    "?" + url.query if url.query else "",
                                    entry["user"] or "-", self.status))

    def want_pretty(self, query):
        """isPrettyPrint(): ?pretty=, else curl, Wget and browsers."""
        pp = query.get("pretty", [""])[0]
        if pp:
            return pp.lower() in ("1", "t", "true")
        ua = self.headers.get("User-Agent", "")
        return ua.startswith(("curl", "Wget", "Mozilla/5.0"))

    def api(self, entry, segs, query, body, cert_user):
        user = self.authenticate(cert_user)
        if user is None:
            raise err_unauthorized()
        entry["user"] = user
        attrs = request_attrs(self.command, segs, query)
        with self.state.lock:
            rule = self.state.take_failure(self.command, entry["path"])
        if rule:
            if rule.get("delay"):
                time.sleep(rule["delay"])
            if rule.get("status"):
                entry["injected"] = True
                if rule.get("plain") and rule["status"] == 429:
                    self.write(429, "Too many requests, please try again "
                               "later.\n", "text/plain; charset=utf-8",
                               {"Retry-After": str(rule.get("retry_after")
                                                   or 1)})
                    return
                raise injected_error(rule["status"], attrs, user,
                                     rule.get("retry_after") or 0)
        if body is None:
            self.close_connection = True
            raise ApiError(413, "RequestEntityTooLarge",
                           "Request entity too large: limit is %d"
                           % MAX_BODY)
        if user == READONLY_USER and attrs["verb"] not in READ_VERBS:
            raise err_forbidden(attrs, user)
        if not accepts_json(self.headers.get("Accept", "")):
            raise ApiError(406, "NotAcceptable", "only the following media "
                           "types are accepted: application/json")
        self.warnings = {}
        code, out = self.route(segs, query, body)
        headers = {"X-Kubernetes-Pf-Flowschema-Uid": PF_FLOWSCHEMA,
                   "X-Kubernetes-Pf-Prioritylevel-Uid": PF_PRIORITY}
        headers.update(self.warnings)
        if isinstance(out, str):
            headers["X-Content-Type-Options"] = "nosniff"
            self.write(code, out, "text/plain; charset=utf-8", headers)
        else:
            self.write(code, out, headers=headers)

    # --- the API

    def route(self, segs, query, body):
        """(status, JSON or text) for an authenticated, authorized
        request."""
        m = self.command
        n = len(segs)

        def get_only(doc):
            if m != "GET":
                raise err_method_not_allowed()
            return 200, doc

        if segs == ["api"]:
            host = "%s:%d" % (self.cfg.listen, self.server.server_port)
            return get_only({"kind": "APIVersions", "versions": ["v1"],
                             "serverAddressByClientCIDRs": [{
                                 "clientCIDR": "0.0.0.0/0",
                                 "serverAddress": host}]})
        if segs == ["api", "v1"]:
            return get_only(discovery_core())
        if segs[:2] == ["api", "v1"]:
            return self.core(segs[2:], query)
        if segs == ["apis"]:
            return get_only({"kind": "APIGroupList", "apiVersion": "v1",
                             "groups": [api_group("apps"),
                                        api_group("autoscaling")]})
        if n == 2 and segs[0] == "apis" and segs[1] in ("apps",
                                                         "autoscaling"):
            g = api_group(segs[1])
            return get_only({"kind": "APIGroup", "apiVersion": "v1", **g})
        if segs == ["apis", "apps", "v1"]:
            return get_only(discovery_apps())
        if segs == ["apis", "autoscaling", "v1"]:
            return get_only(discovery_autoscaling())
        if segs[:3] == ["apis", "apps", "v1"]:
            return self.apps(segs[3:], query, body)
        if segs[:3] == ["apis", "autoscaling", "v1"]:
            return self.hpas(segs[3:], query)
        if segs == ["version"]:
            return get_only({
                "major": "1", "minor": "32", "gitVersion": "v1.32.0",
                "gitCommit": "70d3cc986aa8221cd1dfb1121852688902d3bf53",
                "gitTreeState": "clean",
                "buildDate": "2024-12-11T17:59:15Z",
                "goVersion": "go1.23.3", "compiler": "gc",
                "platform": "linux/amd64"})
        if n == 1 and segs[0] in ("healthz", "livez", "readyz"):
            return get_only("ok")
        raise err_path_not_found()

    def list_doc(self, kind, items):
        return {"kind": kind, "apiVersion": "apps/v1",
                "metadata": {"resourceVersion": str(self.state.rv)},
                "items": items}

    def selected(self, objs, query):
        try:
            reqs = parse_label_selector(query.get("labelSelector",
                                                  [""])[0])
        except ValueError:
            raise err_bad_request("unable to parse requirement: "
                                  "invalid label selector")
        fields = {}
        for f in filter(None, query.get("fieldSelector", [""])[0]
                        .split(",")):
            k, _, v = f.partition("=")
            k = k.rstrip("=")
            if k not in ("metadata.name", "metadata.namespace"):
                raise err_bad_request('"%s" is not a known field selector: '
                                      'only "metadata.name", '
                                      '"metadata.namespace"' % k)
            fields[k] = v.lstrip("=")
        out = []
        for o in objs:
            if not labels_match(o.md.get("labels") or {}, reqs):
                continue
            if fields.get("metadata.name", o.md["name"]) != o.md["name"]:
                continue
            if fields.get("metadata.namespace",
                          o.md["namespace"]) != o.md["namespace"]:
                continue
            out.append(o)
        return out

    def apps(self, rest, query, body):
        m = self.command
        st = self.state
        if len(rest) == 1 and rest[0] in APPS:          # all namespaces
            ns, res, name, sub = None, rest[0], None, None
        elif len(rest) >= 3 and rest[0] == "namespaces" and rest[2] in APPS \
                and len(rest) <= 5:
            ns, res = rest[1], rest[2]
            name = rest[3] if len(rest) >= 4 else None
            sub = rest[4] if len(rest) == 5 else None
            if sub not in (None, "scale"):
                raise err_path_not_found()
        else:
            raise err_path_not_found()
        kind = APPS[res][0]
        if name is None:
            if m != "GET":
                raise err_method_not_allowed()
            if query.get("watch", [""])[0] in ("1", "true"):
                raise err_method_not_allowed()
            with st.lock:
                objs = [st.objects[k] for k in sorted(st.objects)
                        if k[0] == res and (ns is None or k[1] == ns)]
                objs = self.selected(objs, query)
                return 200, self.list_doc(kind + "List",
                                          [o.render(False) for o in objs])
        with st.lock:
            obj = st.objects.get((res, ns, name))
            if m == "GET":
                if obj is None:
                    raise err_not_found(res, "apps", name)
                return 200, obj.scale() if sub else obj.render()
            if m not in ("PUT", "PATCH"):
                raise err_method_not_allowed()
            dry = "All" in query.get("dryRun", [])
            fv = query.get("fieldValidation", [""])[0] or "Warn"
            if m == "PATCH":
                ctype = self.headers.get("Content-Type", "")
                ctype = ctype.split(";")[0].strip().lower()
                if ctype not in PATCH_TYPES:
                    raise err_unsupported_media_type(PATCH_TYPES)
                if obj is None:
                    raise err_not_found(res, "apps", name)
                current = obj.scale() if sub else obj.render()
                new = self.patched(ctype, body, current)
                strategic = ctype == PATCH_TYPES[2]
                if sub:
                    return 200, self.update_scale(obj, new, "patch", fv,
                                                  dry, strategic, body)
                return 200, self.update_object(obj, new, "patch", dry,
                                               strategic, body)
            # PUT
            ctype = self.headers.get("Content-Type", "") or \
                "application/json"
            if ctype.split(";")[0].strip().lower() != "application/json":
                raise err_unsupported_media_type()
            try:
                new = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                raise err_bad_request(
                    "the object provided is unrecognized (must be of type "
                    "%s): couldn't get version/kind; json parse error: %s"
                    % ("Scale" if sub else kind, e))
            if not isinstance(new, dict):
                raise err_bad_request(
                    "the object provided is unrecognized (must be of type "
                    "%s): couldn't get version/kind; json parse error: "
                    "json: cannot unmarshal %s into Go value of type "
                    "struct { APIVersion string \"json:\\\"apiVersion,"
                    "omitempty\\\"\"; Kind string \"json:\\\"kind,"
                    "omitempty\\\"\" }" % ("Scale" if sub else kind,
                                          go_json_type(new).split()[0]))
            want = (("Scale", "autoscaling/v1") if sub
                    else (kind, "apps/v1"))
            got = (new.get("kind") or want[0],
                   new.get("apiVersion") or want[1])
            if got[1] != want[1]:
                raise err_bad_request(
                    "the API version in the data (%s) does not match the "
                    "expected API version (%s)" % (got[1], want[1]))
            if got[0] != want[0]:
                raise err_bad_request(
                    '%s in version "%s" cannot be handled as a %s: no kind '
                    '"%s" is registered for version "%s" in scheme '
                    '"pkg/api/legacyscheme/scheme.go:30"'
                    % (got[0], want[1].split("/")[-1], want[0], got[0],
                       want[1]))
            if obj is None:
                raise err_not_found(res, "apps", name)
            if sub:
                return 200, self.update_scale(obj, new, "update", fv, dry,
                                              False, body)
            return 200, self.update_object(obj, new, "update", dry, False,
                                           body)

    def patched(self, ctype, body, current):
        """CURRENT with the patch BODY applied (patch.go applyJSPatch)."""
        try:
            patch = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise err_bad_request("error decoding patch: %s" % e)
        if ctype == PATCH_TYPES[0]:
            if not isinstance(patch, list):
                raise err_bad_request(
                    "json: cannot unmarshal %s into Go value of type "
                    "jsonpatch.Patch" % go_json_type(patch).split()[0])
            try:
                return json_patch(current, patch)
            except PatchError as e:
                raise err_patch_failed(str(e))
        if not isinstance(patch, dict):
            msg = ("json: cannot unmarshal %s into Go value of type "
                   "map[string]interface {}" % go_json_type(patch).split()[0])
            if ctype == PATCH_TYPES[1]:
                msg = "error decoding patch: " + msg
            raise err_bad_request(msg)
        if ctype == PATCH_TYPES[2]:
            patch = strip_directives(patch)
        return merge_patch(current, patch)

    def check_name(self, new, obj):
        md = new.get("metadata") if isinstance(new.get("metadata"),
                                               dict) else {}
        name = md.get("name") or ""
        if name != obj.md["name"]:
            raise err_bad_request("the name of the object (%s) does not "
                                  "match the name on the URL (%s)"
                                  % (name, obj.md["name"]))
        ns = md.get("namespace") or ""
        if ns and ns != obj.md["namespace"]:
            raise err_bad_request("the namespace of the object (%s) does "
                                  "not match the namespace on the request "
                                  "(%s)" % (ns, obj.md["namespace"]))
        return md

    def decode_error(self, verb, kind, group_version, strategic, body, new,
                     msg):
        """A body that does not decode: 400 for an update, 422 for a
        patch (the patched object is the bad value)."""
        if verb == "update":
            return err_bad_request('%s in version "%s" cannot be handled as '
                                   'a %s: %s' % (kind, group_version, kind,
                                                 msg))
        if strategic:
            value = go_map(json.loads(body))
        else:
            value = json.dumps(new, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
        return ApiError(422, "Invalid", ' "" is invalid: patch: Invalid '
                        'value: %s: %s' % (json.dumps(value), msg),
                        {"causes": [{"reason": "FieldValueInvalid",
                                     "message": "Invalid value: %s: %s"
                                     % (json.dumps(value), msg),
                                     "field": "patch"}]})

    def check_rv(self, obj, rv, res):
        """Optimistic concurrency: a resourceVersion that is set must be
        the current one ("0" and "" mean unconditional)."""
        if rv in (None, "", "0"):
            return
        if str(rv) != obj.md["resourceVersion"]:
            raise err_conflict(res, "apps", obj.md["name"])

    def update_scale(self, obj, new, verb, fv, dry, strategic, body):
        """scaleUpdatedObjectInfo.UpdatedObject() and the store's update:
        NEW is the Scale the client wants."""
        if not isinstance(new, dict):
            raise err_bad_request("expected input object type to be Scale")
        spec = new.get("spec")
        replicas = 0
        if isinstance(spec, dict) and spec.get("replicas") is not None:
            replicas, msg = decode_int32(spec["replicas"], "ScaleSpec",
                                         "spec.replicas")
            if msg:
                raise self.decode_error(verb, "Scale", "v1", strategic, body,
                                        new, msg)
        elif spec is not None and not isinstance(spec, dict):
            raise self.decode_error(
                verb, "Scale", "v1", strategic, body, new,
                "json: cannot unmarshal %s into Go struct field Scale.spec "
                "of type v1.ScaleSpec" % go_json_type(spec).split()[0])
        unknown = unknown_fields(new)
        if unknown and fv == "Strict":
            msg = "strict decoding error: " + ", ".join(
                'unknown field "%s"' % f for f in unknown)
            if verb == "update":
                raise err_bad_request('Scale in version "v1" cannot be '
                                      'handled as a Scale: ' + msg)
            raise self.decode_error(verb, "Scale", "v1", strategic, body,
                                    new, msg)
        if unknown and fv == "Warn":
            self.warnings["Warning"] = ", ".join(
                '299 - "unknown field \\"%s\\""' % f for f in unknown)
        md = self.check_name(new, obj)
        name = obj.md["name"]
        if replicas < 0:
            raise err_invalid("Scale", "autoscaling", name, [field_invalid(
                "spec.replicas", replicas,
                "must be greater than or equal to 0")])
        uid = md.get("uid") or ""
        if uid and uid != obj.md["uid"]:
            raise err_conflict(obj.res + "/scale", "apps", name,
                               "Precondition failed: UID in precondition: "
                               "%s, UID in object meta: %s"
                               % (uid, obj.md["uid"]))
        self.check_rv(obj, md.get("resourceVersion"), obj.res)
        if replicas == obj.replicas:
            return obj.scale()
        target = copy.deepcopy(obj) if dry else obj
        target.doc["spec"]["replicas"] = replicas
        self.commit(target, spec_changed=True, dry=dry)
        return target.scale()

    def update_object(self, obj, new, verb, dry, strategic, body):
        """An update (or patch) of the whole object.  Only the labels,
        annotations and spec are the client's; status is the status
        subresource's, the rest of metadata the server's."""
        kind = obj.doc["kind"]
        spec = new.get("spec")
        if spec is not None and not isinstance(spec, dict):
            raise self.decode_error(
                verb, kind, "v1", strategic, body, new,
                "json: cannot unmarshal %s into Go struct field %s.spec of "
                "type v1.%sSpec" % (go_json_type(spec).split()[0], kind,
                                    kind))
        spec = copy.deepcopy(spec or {})
        if spec.get("replicas") is None:
            spec["replicas"] = 1        # SetDefaults_*: nil -> 1
        else:
            v, msg = decode_int32(spec["replicas"], kind + "Spec",
                                  "spec.replicas")
            if msg:
                raise self.decode_error(verb, kind, "v1", strategic, body,
                                        new, msg)
        md = self.check_name(new, obj)
        name = obj.md["name"]
        errs = []
        if md.get("uid") and md["uid"] != obj.md["uid"]:
            errs.append(field_invalid("metadata.uid", md["uid"],
                                      "field is immutable"))
        if spec["replicas"] < 0:
            errs.append(field_invalid("spec.replicas", spec["replicas"],
                                      "must be greater than or equal to 0"))
        old_sel = obj.doc["spec"].get("selector")
        if spec.get("selector") != old_sel:
            errs.append(("spec.selector", "Invalid value: %s: field is "
                         "immutable" % go_selector(spec.get("selector"))))
        if errs:
            raise err_invalid(kind, "apps", name, errs)
        self.check_rv(obj, md.get("resourceVersion"), obj.res)
        labels = md.get("labels") or {}
        annotations = md.get("annotations") or {}
        spec_changed = spec != obj.doc["spec"]
        meta_changed = (labels != (obj.md.get("labels") or {}) or
                        annotations != (obj.md.get("annotations") or {}))
        if not spec_changed and not meta_changed:
            return obj.render()
        target = copy.deepcopy(obj) if dry else obj
        target.doc["spec"] = spec
        for k, v in (("labels", labels), ("annotations", annotations)):
            if v:
                target.md[k] = v
            else:
                target.md.pop(k, None)
        # Deployments: annotation changes bump the generation too.
        bump = spec_changed or (meta_changed and obj.res == "deployments"
                                and annotations != (obj.md.get(
                                    "annotations") or {}))
        self.commit(target, spec_changed=bump, dry=dry)
        return target.render()

    def commit(self, obj, spec_changed, dry):
        """Writes OBJ: generation, resourceVersion, and the status the
        controller sets at once (unless it lags)."""
        if spec_changed:
            obj.md["generation"] += 1
        if not obj.lag:
            obj.sr = obj.ready = obj.replicas
            obj.og = obj.md["generation"]
        if not dry:
            obj.md["resourceVersion"] = self.state.next_rv()

    def hpas(self, rest, query):
        if self.command != "GET":
            raise err_method_not_allowed()
        if rest == ["horizontalpodautoscalers"] or (
                len(rest) == 3 and rest[0] == "namespaces"
                and rest[2] == "horizontalpodautoscalers"):
            return 200, {"kind": "HorizontalPodAutoscalerList",
                         "apiVersion": "autoscaling/v1",
                         "metadata": {"resourceVersion": str(self.state.rv)},
                         "items": []}
        if len(rest) == 4 and rest[0] == "namespaces" \
                and rest[2] == "horizontalpodautoscalers":
            raise err_not_found("horizontalpodautoscalers", "autoscaling",
                                rest[3])
        raise err_path_not_found()

    def core(self, rest, query):
        if self.command != "GET":
            raise err_method_not_allowed()
        st = self.state
        with st.lock:
            if rest == ["namespaces"]:
                return 200, {"kind": "NamespaceList", "apiVersion": "v1",
                             "metadata": {"resourceVersion": str(st.rv)},
                             "items": [self.namespace(ns, False)
                                       for ns in st.namespaces()]}
            if len(rest) == 2 and rest[0] == "namespaces":
                if rest[1] not in st.namespaces():
                    raise err_not_found("namespaces", "", rest[1])
                return 200, self.namespace(rest[1], True)
            if rest == ["pods"] or (len(rest) == 3 and rest[0] ==
                                    "namespaces" and rest[2] == "pods"):
                return 200, {"kind": "PodList", "apiVersion": "v1",
                             "metadata": {"resourceVersion": str(st.rv)},
                             "items": []}
            if len(rest) == 4 and rest[0] == "namespaces" \
                    and rest[2] == "pods":
                raise err_not_found("pods", "", rest[3])
        raise err_path_not_found()

    def namespace(self, ns, typed):
        d = {"kind": "Namespace", "apiVersion": "v1"} if typed else {}
        d["metadata"] = {"name": ns, "uid": self.state.ns_uid(ns),
                         "resourceVersion": "1",
                         "creationTimestamp": self.state.started,
                         "labels": {"kubernetes.io/metadata.name": ns}}
        d["spec"] = {"finalizers": ["kubernetes"]}
        d["status"] = {"phase": "Active"}
        return d

    # --- the control API

    def control(self, path, body):
        st = self.state
        parts = [p for p in path.split("/") if p][1:]
        m = self.command
        try:
            try:
                args = json.loads(body or b"{}")
            except ValueError as e:
                raise CtlError(400, "invalid JSON: %s" % e)
            if body is None:
                raise CtlError(413, "body too large")
            if not isinstance(args, dict):
                raise CtlError(400, "the body must be a JSON object")
            with st.lock:
                code, out = self.control_locked(m, parts, args)
        except CtlError as e:
            code, out = e.code, {"error": str(e)}
        self.write(code, out)

    def control_locked(self, m, parts, args):
        st = self.state
        if parts == ["objects"] and m == "GET":
            return 200, [st.objects[k].summary() for k in sorted(st.objects)]
        if parts == ["objects"] and m == "POST":
            return self.put_object(args)
        if len(parts) == 4 and parts[0] == "objects" and m in ("GET",
                                                               "DELETE"):
            key = tuple(parts[1:])
            if key not in st.objects:
                raise CtlError(404, "no object %s" % "/".join(key))
            if m == "GET":
                return 200, st.objects[key].summary()
            del st.objects[key]
            st.next_rv()
            return 200, {}
        if parts == ["fail"] and m == "POST":
            return 200, self.add_failure(args)
        if parts == ["fail"] and m == "GET":
            return 200, st.fails
        if parts == ["fail"] and m == "DELETE":
            st.fails = []
            return 200, {}
        if parts == ["requests"] and m == "GET":
            return 200, st.requests
        if parts == ["reset_log"] and m == "POST":
            st.requests = []
            return 200, {}
        if parts == ["settle"] and m == "POST":
            n = 0
            for o in st.objects.values():
                if any(args.get(k) not in (None, v) for k, v in (
                        ("kind", o.res), ("namespace", o.md["namespace"]),
                        ("name", o.md["name"]))):
                    continue
                if (o.sr, o.ready, o.og) != (o.replicas, o.replicas,
                                             o.md["generation"]):
                    o.sr = o.ready = o.replicas
                    o.og = o.md["generation"]
                    o.md["resourceVersion"] = st.next_rv()
                    n += 1
            return 200, {"settled": n}
        raise CtlError(404, "no control endpoint %s %s"
                       % (m, "/_fake/" + "/".join(parts)))

    def put_object(self, a):
        st = self.state
        res = a.get("kind")
        if res not in APPS:
            raise CtlError(400, 'kind must be one of %s, not "%s"'
                           % (", ".join(sorted(APPS)), res))
        ns = a.get("namespace") or "default"
        name = a.get("name")
        if not isinstance(name, str) or not re.fullmatch(
                r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name):
            raise CtlError(400, "invalid name: %r" % (name,))

        def count(k, default):
            v = a.get(k, default)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise CtlError(400, "%s must be an integer >= 0" % k)
            return v
        replicas = count("replicas", 1)
        ready = count("ready", replicas)
        sr = count("status_replicas", replicas)
        sel = a.get("selector") or {"app": name}
        if not isinstance(sel, dict) or not sel:
            raise CtlError(400, "selector must be an object of labels")
        labels = dict(sel)
        labels.update(a.get("labels") or {})
        old = st.objects.get((res, ns, name))
        uid = a.get("uid") or (old.md["uid"] if old else str(uuid.uuid4()))
        created = old.md["creationTimestamp"] if old else now_rfc3339()
        doc = new_doc(res, ns, name, replicas, sel, labels, uid, created)
        if old:
            doc["metadata"]["generation"] = old.md["generation"] + (
                old.replicas != replicas)
        doc["metadata"]["resourceVersion"] = st.next_rv()
        obj = Obj(res, doc, sr, ready, doc["metadata"]["generation"],
                  bool(a.get("status_lag")))
        st.objects[(res, ns, name)] = obj
        return (200 if old else 201), obj.summary()

    def add_failure(self, a):
        code = a.get("status", 0)
        delay = a.get("delay", 0)
        if isinstance(code, bool) or not isinstance(code, int) or (
                code and code not in INJECTABLE):
            raise CtlError(400, "status must be one of %s"
                           % ", ".join(map(str, INJECTABLE)))
        if not isinstance(delay, (int, float)) or delay < 0:
            raise CtlError(400, "delay must be seconds >= 0")
        if not code and not delay:
            raise CtlError(400, "a failure needs a status or a delay")
        n = a.get("count", 1)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise CtlError(400, "count must be an integer >= 1")
        retry = a.get("retry_after", 0)
        if isinstance(retry, bool) or not isinstance(retry, int) \
                or retry < 0:
            raise CtlError(400, "retry_after must be an integer >= 0")
        rule = {"status": code, "count": n,
                "method": (a.get("method") or "*").upper(),
                "path": a.get("path") or "", "retry_after": retry,
                "delay": delay, "plain": bool(a.get("plain"))}
        self.state.fails.append(rule)
        return rule


class CtlError(Exception):
    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


def go_map(v):
    """A decoded JSON value as Go's %+v prints a map[string]interface{}."""
    if isinstance(v, dict):
        return "map[" + " ".join("%s:%s" % (k, go_map(v[k]))
                                 for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(go_map(x) for x in v) + "]"
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


PF_FLOWSCHEMA = str(uuid.uuid4())
PF_PRIORITY = str(uuid.uuid4())


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        warn("connection from %s: %s" % (client_address[0], exc))


def main():
    p = argparse.ArgumentParser(
        prog="fakeapi.py",
        description="A fake Kubernetes API server for the gw tests.")
    p.add_argument("--certdir", required=True,
                   help="server.crt, server.key and ca.crt (mkca.sh)")
    p.add_argument("--port-file", required=True,
                   help="where to write the port once listening")
    p.add_argument("--token", required=True, help="the accepted bearer token")
    p.add_argument("--token-file",
                   help="a file whose current content is also accepted")
    p.add_argument("--readonly-token",
                   help="a bearer token that may only get and list")
    p.add_argument("--log", help="append each API request as a JSON line")
    p.add_argument("--listen", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1)")
    cfg = p.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(os.path.join(cfg.certdir, "server.crt"),
                            os.path.join(cfg.certdir, "server.key"))
        ctx.load_verify_locations(os.path.join(cfg.certdir, "ca.crt"))
    except (OSError, ssl.SSLError) as e:
        sys.exit("fakeapi.py: %s: %s" % (cfg.certdir, e))
    # Client certificates are optional; one that is given must verify.
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(["http/1.1"])

    Handler.cfg = cfg
    Handler.state = State(cfg.log)
    if ":" in cfg.listen:
        Server.address_family = socket.AF_INET6
    try:
        httpd = Server((cfg.listen, 0), Handler)
    except OSError as e:
        sys.exit("fakeapi.py: listen on %s: %s" % (cfg.listen, e))
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True,
                                   do_handshake_on_connect=False)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    t = threading.Thread(target=httpd.serve_forever,
                         kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    tmp = cfg.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % httpd.server_address[1])
    os.rename(tmp, cfg.port_file)
    warn("listening on https://%s:%d" % (cfg.listen,
                                         httpd.server_address[1]))
    stop.wait()
    httpd.shutdown()
    httpd.server_close()
    warn("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
