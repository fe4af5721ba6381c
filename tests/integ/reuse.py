#!/usr/bin/env python3
"""reuse.py - a TLS server and clients for test_reuse.sh (issue 12, item 8:
a new connection on a reused 5-tuple starts undecided).

  reuse.py server ADDR PORT CERT KEY
      answers every request ("GET /x ...\\r\\n\\r\\n") with "ok"; after
      /rst it resets the connection (SO_LINGER 0).
  reuse.py reopen SRC SPORT DST DPORT CA FIRST SECOND [rst]
      a connection from SRC:SPORT naming FIRST, one request, closed by the
      client with a reset (or by the server's reset with "rst"); then a
      new connection from the same port naming SECOND: prints "answered"
      or "failed: why".
  reuse.py stray SRC SPORT DST DPORT CA NAME
      a connection naming NAME, one request, then a SYN with another ISN
      from the same port (raw socket), then a second request on the first
      connection: prints "answered" or "failed: why".
Only addresses the test gives (its namespaces, documentation ranges).
"""
import random
import socket
import ssl
import struct
import sys
import time

LINGER0 = struct.pack("ii", 1, 0)


def serve(addr, port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    while True:
        c, _ = ls.accept()
        c.settimeout(10)
        t = c
        try:
            t = ctx.wrap_socket(c, server_side=True)
            buf = b""
            while True:
                d = t.recv(4096)
                if not d:
                    break
                buf += d
                while b"\r\n\r\n" in buf:
                    req, buf = buf.split(b"\r\n\r\n", 1)
                    t.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
                    if b" /rst " in req:
                        t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
                        raise ConnectionAbortedError
        except (OSError, ssl.SSLError, ConnectionAbortedError):
            pass
        finally:
            t.close()


def connect(src, sport, dst, dport, ca, name):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, sport))
    s.settimeout(4)
    s.connect((dst, dport))
    ctx = ssl.create_default_context(cafile=ca)
    return s, ctx.wrap_socket(s, server_hostname=name)


def request(t, path):
    t.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    got = b""
    while not got.endswith(b"ok\n"):
        d = t.recv(4096)
        if not d:
            raise ConnectionError("closed")
        got += d


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def raw_syn(src, sport, dst, dport):
    seq = random.randrange(1 << 32)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 65535, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr))
    hdr = hdr[:16] + struct.pack("!H", csum(ph + hdr)) + hdr[18:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    r.sendto(hdr, (dst, 0))
    r.close()


def attempt(fn):
    try:
        fn()
        print("answered")
    except (OSError, ssl.SSLError, ConnectionError) as e:
        print("failed: %s" % type(e).__name__)


def reopen(src, sport, dst, dport, ca, first, second, how="client"):
    s, t = connect(src, sport, dst, dport, ca, first)
    if how == "rst":
        try:
            request(t, "/rst")
            t.recv(10)
        except (OSError, ssl.SSLError):
            pass
    else:
        request(t, "/a")
        t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
    t.close()
    time.sleep(0.3)

    def again():
        s2, t2 = connect(src, sport, dst, dport, ca, second)
        request(t2, "/b")
        t2.close()
    attempt(again)


def stray(src, sport, dst, dport, ca, name):
    s, t = connect(src, sport, dst, dport, ca, name)
    request(t, "/a")
    raw_syn(src, sport, dst, dport)
    time.sleep(0.3)
    attempt(lambda: request(t, "/b"))
    t.close()


def main(a):
    if a[0] == "server":
        serve(a[1], int(a[2]), a[3], a[4])
    elif a[0] == "reopen":
        reopen(a[1], int(a[2]), a[3], int(a[4]), a[5], a[6], a[7],
               a[8] if len(a) > 8 else "client")
    elif a[0] == "stray":
        stray(a[1], int(a[2]), a[3], int(a[4]), a[5], a[6])


if __name__ == "__main__":
    main(sys.argv[1:])
