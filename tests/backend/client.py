#!/usr/bin/env python3
"""client.py: the raw HTTP/1.1 and WebSocket client of the bats tests.

curl hides what these tests look at (bytes as sent in one write, interim
responses, frames), so this talks to a socket directly.  Standard library
only.  Every wait is bounded by --timeout (seconds, default 5).

  client.py [--host H] [--timeout T] raw PORT
      Sends stdin in one write, then prints everything received until the
      server closes.  Exit 0 on close, 3 on timeout, 4 on a reset; what was
      received is printed in every case.

  client.py [--host H] [--timeout T] continue PORT PATH BODY
      POSTs BODY to PATH with Expect: 100-continue, sending the head alone
      first.  Prints "interim: STATUS-LINE" when an interim response came
      before the body was sent, then the final response.

  client.py [--host H] [--timeout T] ws PORT [--path P] STEP...
      Opens a WebSocket (RFC 6455) and runs the steps in order, printing
      one line per frame received.  Steps:
        text:S        a masked text frame S; reads one frame
        binary:N      N random bytes; reads one frame, compares
        ping:S        a ping; reads one frame (the pong)
        frag:A,B,...  a text message in fragments; reads as many frames
        unmasked:S    an unmasked text frame (a protocol error)
        close:CODE    a close frame; reads one frame, then expects EOF
      Frames print as "text S", "binary N same|differ", "cont S",
      "pong S", "close CODE" (fragments as "text+ S" when FIN is clear),
      and the end of the connection as "eof".
"""
import argparse
import base64
import hashlib
import os
import socket
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OPS = {0: "cont", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


class Reset(Exception):
    pass


def connect(args):
    s = socket.create_connection((args.host, args.port), timeout=args.timeout)
    s.settimeout(args.timeout)
    return s


def recv_all(s):
    """Everything until EOF; the exit status says how it ended."""
    data = b""
    while True:
        try:
            b = s.recv(65536)
        except socket.timeout:
            return data, 3
        except ConnectionResetError:
            return data, 4
        if not b:
            return data, 0
        data += b


def recv_exact(s, buf, n):
    """Reads until buf holds n bytes; returns (buf, ok)."""
    while len(buf) < n:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            raise Reset()
        if not b:
            return buf, False
        buf += b
    return buf, True


def recv_head(s, buf):
    """Reads a response head; returns (head, rest)."""
    while b"\r\n\r\n" not in buf:
        b = s.recv(65536)
        if not b:
            raise EOFError("connection closed in the response head")
        buf += b
    i = buf.index(b"\r\n\r\n") + 4
    return buf[:i], buf[i:]


def cmd_raw(args):
    s = connect(args)
    s.sendall(sys.stdin.buffer.read())
    data, rc = recv_all(s)
    sys.stdout.buffer.write(data)
    return rc


def cmd_continue(args):
    s = connect(args)
    body = args.body.encode()
    s.sendall(b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n"
              b"Expect: 100-continue\r\nConnection: close\r\n\r\n"
              % (args.path.encode(), args.host.encode(), len(body)))
    head, rest = recv_head(s, b"")
    line = head.split(b"\r\n", 1)[0].decode()
    if line.split()[1].startswith("1"):
        print("interim: " + line)
        sys.stdout.flush()
        s.sendall(body)
        data, rc = recv_all(s)
        sys.stdout.buffer.write(rest + data)
    else:
        data, rc = recv_all(s)
        sys.stdout.buffer.write(head + rest + data)
    return rc


def ws_frame(opcode, payload, fin=True, mask=True):
    b1 = (0x80 if fin else 0) | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b1, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b1, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b1, mbit | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


class WsReader:
    def __init__(self, s, buf):
        self.s = s
        self.buf = buf

    def frame(self):
        """One frame: (fin, opcode, payload), or None at EOF."""
        self.buf, ok = recv_exact(self.s, self.buf, 2)
        if not ok:
            return None
        b1, b2 = self.buf[0], self.buf[1]
        if b2 & 0x80:
            raise ValueError("the server sent a masked frame")
        n, hlen = b2 & 0x7F, 2
        if n == 126:
            hlen = 4
        elif n == 127:
            hlen = 10
        self.buf, ok = recv_exact(self.s, self.buf, hlen)
        if not ok:
            return None
        if n == 126:
            n = struct.unpack("!H", self.buf[2:4])[0]
        elif n == 127:
            n = struct.unpack("!Q", self.buf[2:10])[0]
        self.buf, ok = recv_exact(self.s, self.buf, hlen + n)
        if not ok:
            return None
        payload = self.buf[hlen:hlen + n]
        self.buf = self.buf[hlen + n:]
        return bool(b1 & 0x80), b1 & 0x0F, payload


def ws_print(frame, sent=None):
    if frame is None:
        print("eof")
        return False
    fin, op, payload = frame
    name = OPS.get(op, "op%d" % op)
    if op == 2:
        print("binary %d %s" % (len(payload),
                                "same" if payload == sent else "differ"))
    elif op == 8:
        code = struct.unpack("!H", payload[:2])[0] if payload else ""
        print("close %s" % code)
    else:
        print("%s%s %s" % (name, "" if fin else "+",
                           payload.decode("utf-8", "replace")))
    return True


def cmd_ws(args):
    s = connect(args)
    key = base64.b64encode(os.urandom(16))
    s.sendall(b"GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
              b"Sec-WebSocket-Version: 13\r\n\r\n"
              % (args.path.encode(), args.host.encode(), args.port, key))
    head, rest = recv_head(s, b"")
    lines = head.decode("latin-1").split("\r\n")
    print("status " + lines[0].split()[1])
    want = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
    hdrs = {}
    for ln in lines[1:]:
        if ":" in ln:
            k, v = ln.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    if lines[0].split()[1] != "101":
        return 1
    print("accept " + ("ok" if hdrs.get("sec-websocket-accept") == want
                       else "bad"))
    r = WsReader(s, rest)
    try:
        for step in args.steps:
            kind, _, arg = step.partition(":")
            if kind == "text":
                s.sendall(ws_frame(1, arg.encode()))
                ws_print(r.frame())
            elif kind == "binary":
                data = os.urandom(int(arg))
                s.sendall(ws_frame(2, data))
                ws_print(r.frame(), data)
            elif kind == "ping":
                s.sendall(ws_frame(9, arg.encode()))
                ws_print(r.frame())
            elif kind == "frag":
                parts = arg.split(",")
                for i, p in enumerate(parts):
                    s.sendall(ws_frame(1 if i == 0 else 0, p.encode(),
                                       fin=i == len(parts) - 1))
                for _ in parts:
                    ws_print(r.frame())
            elif kind == "unmasked":
                s.sendall(ws_frame(1, arg.encode(), mask=False))
                ws_print(r.frame())
            elif kind == "close":
                s.sendall(ws_frame(8, struct.pack("!H", int(arg))))
                ws_print(r.frame())
                ws_print(r.frame())
            else:
                print("unknown step " + step, file=sys.stderr)
                return 2
            sys.stdout.flush()
    except socket.timeout:
        print("timeout")
        return 3
    except Reset:
        print("reset")
        return 4
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--timeout", type=float, default=5.0)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("raw")
    p.add_argument("port", type=int)
    p.set_defaults(fn=cmd_raw)
    p = sub.add_parser("continue")
    p.add_argument("port", type=int)
    p.add_argument("path")
    p.add_argument("body")
    p.set_defaults(fn=cmd_continue)
    p = sub.add_parser("ws")
    p.add_argument("port", type=int)
    p.add_argument("--path", default="/ws")
    p.add_argument("steps", nargs="*")
    p.set_defaults(fn=cmd_ws)
    args = ap.parse_args()
    sys.exit(args.fn(args))


if __name__ == "__main__":
    main()
