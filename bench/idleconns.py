#!/usr/bin/env python3
"""Holds N idle keep-alive HTTP/1.1 connections open, for bench/run.

usage: idleconns.py HOST PORT N READYFILE DONEFILE DEADLINE_S

Opens N connections one after the other, sends one GET / on each and reads
the whole response (Content-Length delimited), so each connection has
served a request and is now an idle keep-alive connection.  Then writes
"N_OK N_FAILED" to READYFILE and waits, connections open, until DONEFILE
exists or DEADLINE_S seconds have passed since the start; then closes
everything and exits.  Every step is bounded: a socket timeout per
operation and the overall deadline.  Exit 0 when all N connections served
their request, 1 otherwise.
"""
import os
import socket
import sys
import time

OP_TIMEOUT_S = 5.0      # one connect, send or response read
POLL_S = 0.05           # how often to look for DONEFILE


def one(host, port, req):
    s = socket.create_connection((host, port), timeout=OP_TIMEOUT_S)
    s.sendall(req)
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response head")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    status = head.split(b" ", 2)[1]
    if not status.startswith(b"2"):
        raise ConnectionError("status " + status.decode())
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the body")
        body += chunk
    return s


def main():
    if len(sys.argv) != 7:
        sys.stderr.write(__doc__.splitlines()[2] + "\n")
        return 2
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ready, done, deadline = sys.argv[4], sys.argv[5], float(sys.argv[6])
    end = time.monotonic() + deadline
    req = ("GET / HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port)).encode()
    socks, failed, first_error = [], 0, None
    for _ in range(n):
        if time.monotonic() > end:
            failed += 1
            continue
        try:
            socks.append(one(host, port, req))
        except (OSError, ValueError, IndexError) as e:
            failed += 1
            if first_error is None:
                first_error = e
    if first_error is not None:
        sys.stderr.write("idleconns: %d failed, first: %s\n" %
                         (failed, first_error))
    with open(ready + ".tmp", "w") as f:
        f.write("%d %d\n" % (len(socks), failed))
    os.rename(ready + ".tmp", ready)
    while not os.path.exists(done) and time.monotonic() < end:
        time.sleep(POLL_S)
    for s in socks:
        s.close()
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
