#!/usr/bin/python3
"""evade.py - an adversarial client for the namespace tests (issue 12).

It applies, from the client namespace, the published strategies of the
public DPI-evasion tools to a blocked name, and says whether the SERVER
answered that name:

  zapret/nfqws  --dpi-desync=fake,split,split2,disorder,disorder2,fakedsplit,
                multisplit,multidisorder,syndata,hostfakesplit, seqovl,
                --dpi-desync-fooling=ttl,autottl,badsum,badseq,md5sig,
                datanoack,ts
  GoodbyeDPI    -e/-f fragmentation (--native-frag, --reverse-frag,
                --frag-by-sni), --wrong-chksum, --wrong-seq, --set-ttl,
                fake requests, Host header tricks (hOsT, no space after
                "Host:", extra space, mixed-case value)
  Geneva        tamper (flags, seq, checksum, urgent pointer), duplicate,
                fragment (TCP and IP), fake RST / SYN / FIN (TCB teardown,
                TCB desync)

plus the attacks named in issue 12 (a byte beyond the reassembly cap,
islands, an oversized ClientHello, tiny segments past connbytes_cap, an
idle gap, a reused 5-tuple, overlapping segments, DNS and HTTP parser
differentials, QUIC Initial tricks). The code is our own; the tools were
only read for what their options do.

TCP is spoken from raw sockets: the test must block the kernel's own RSTs
in the client namespace (iptables -A OUTPUT -p tcp --tcp-flags RST RST
-m mark ! --mark 0x7e7e -j DROP); our packets carry that mark. A kernel-
like retransmission follows every strategy (the sender retransmits what
the server has not acknowledged, in order), as the real tools rely on the
client's TCP stack to do.

Usage:
  evade.py [--jobs N] [--list] CASE...
  CASE = proto:strategy:target, proto one of tls http dnstcp dns quic;
         target "blocked" or "allowed" (names from --names).
Output, one line per case:  CASE RESULT [detail]
  RESULT: answered (the server answered the request for that name),
          reset, stopped (a forged answer or stop page), silent, alert
          (the TLS server refused the hello), formerr/refused/servfail
          (the resolver refused the query), noconnect, error.
Traffic goes only to the --server address given (documentation ranges).
"""
import argparse
import os
import queue
import random
import socket
import struct
import sys
import threading
import time
import traceback

MARK = 0x7E7E
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4

# ---------------------------------------------------------------- checksums


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip_bytes(addr, v6):
    return socket.inet_pton(socket.AF_INET6 if v6 else socket.AF_INET, addr)


def l4_csum(src, dst, proto, seg, v6):
    if v6:
        ph = src + dst + struct.pack("!IxxxB", len(seg), proto)
    else:
        ph = src + dst + struct.pack("!xBH", proto, len(seg))
    return csum(ph + seg)


# ------------------------------------------------------------- IP builders


def ip4(src, dst, proto, payload, ttl=64, ident=None, frag_off=0, mf=False):
    ident = random.getrandbits(16) if ident is None else ident
    flags = (0x2000 if mf else 0) | (frag_off >> 3)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                      flags, ttl, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ip6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, hlim,
                       src, dst) + payload


def ip4_fragments(pkt, size):
    """Cut an IPv4 packet's payload into fragments of size bytes (x8)."""
    hdr, body = pkt[:20], pkt[20:]
    ident = struct.unpack("!H", hdr[4:6])[0]
    ttl, proto = hdr[8], hdr[9]
    src, dst = hdr[12:16], hdr[16:20]
    out = []
    for off in range(0, len(body), size):
        part = body[off:off + size]
        out.append(ip4(src, dst, proto, part, ttl, ident, off,
                       off + size < len(body)))
    return out


# ---------------------------------------------------------------- network


class Net:
    """Raw senders (v4, v6, marked) and one receiving thread that hands the
    server's packets to whoever registered the local port."""

    def __init__(self, iface, src4, src6):
        self.src4, self.src6 = src4, src6
        self.tx4 = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                 socket.IPPROTO_RAW)
        self.tx6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                                 socket.IPPROTO_RAW)
        for s in (self.tx4, self.tx6):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, MARK)
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                socket.htons(ETH_P_ALL))
        self.rx.bind((iface, 0))
        self.rx.settimeout(0.2)
        self.lock = threading.Lock()
        self.queues = {}
        self.used = set()
        self.icmp = queue.Queue()
        self.stop = False
        threading.Thread(target=self._rx_loop, daemon=True).start()

    def port(self, proto, want=None):
        with self.lock:
            if want is None:
                while True:
                    want = random.randint(20000, 60999)
                    if (proto, want) not in self.used:
                        break
            self.used.add((proto, want))
            q = queue.Queue()
            self.queues[(proto, want)] = q
            return want, q

    def release(self, proto, port):
        with self.lock:
            self.queues.pop((proto, port), None)

    def send(self, pkt, dst, v6):
        if v6:
            self.tx6.sendto(pkt, (dst, 0))
        else:
            self.tx4.sendto(pkt, (dst, 0))

    def _rx_loop(self):
        while not self.stop:
            try:
                frame, addr = self.rx.recvfrom(70000)
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[2] == PACKET_OUTGOING or len(frame) < 34:
                continue
            et = struct.unpack("!H", frame[12:14])[0]
            pkt = frame[14:]
            if et == 0x0800:
                ihl = (pkt[0] & 15) * 4
                proto, ttl = pkt[9], pkt[8]
                if struct.unpack("!H", pkt[6:8])[0] & 0x3FFF:
                    continue
                tot = struct.unpack("!H", pkt[2:4])[0]
                l4 = pkt[ihl:tot]
            elif et == 0x86DD:
                proto, ttl = pkt[6], pkt[7]
                l4 = pkt[40:40 + struct.unpack("!H", pkt[4:6])[0]]
            else:
                continue
            if proto in (1, 58):
                self.icmp.put((proto, l4))
                continue
            if proto not in (6, 17) or len(l4) < 8:
                continue
            dport = struct.unpack("!H", l4[2:4])[0]
            with self.lock:
                q = self.queues.get((proto, dport))
            if q is not None:
                q.put((ttl, l4))


# --------------------------------------------------------------------- TCP

FIN, SYN, RST, PSH, ACK, URG = 1, 2, 4, 8, 16, 32


def tcp_opts(mss=True, sackok=True, ts=None, ws=True, md5=False):
    o = b""
    if mss:
        o += struct.pack("!BBH", 2, 4, 1400)
    if sackok:
        o += b"\x04\x02"
    if ts is not None:
        o += struct.pack("!BBII", 8, 10, ts[0], ts[1])
    if ws:
        o += b"\x01\x03\x03\x07"
    if md5:
        o += b"\x13\x12" + os.urandom(16)
    while len(o) % 4:
        o = b"\x01" + o
    return o


class Tcp:
    """One TCP connection spoken by hand."""

    def __init__(self, net, dst, dport, v6=False, sport=None):
        self.net, self.dst, self.dport, self.v6 = net, dst, dport, v6
        self.sport, self.q = net.port(6, sport)
        self.src = net.src6 if v6 else net.src4
        self.srcb, self.dstb = ip_bytes(self.src, v6), ip_bytes(dst, v6)
        self.isn = random.getrandbits(32)
        self.tsval = random.getrandbits(31) + 1000000
        self.peer_ts = 0
        self.rcv_isn = None
        self.rcv = {}          # server data by offset
        self.acked = 0         # our bytes the server acknowledged
        self.reset = False
        self.fin = False
        self.synack_ttl = None

    def close(self):
        self.net.release(6, self.sport)

    def _ts(self):
        self.tsval += 1
        return (self.tsval, self.peer_ts)

    def raw(self, seq, ack, flags, payload=b"", ttl=64, badsum=False,
            md5=False, ts=True, tsval=None, urg=0, win=65535, opts=None):
        if opts is None:
            t = self._ts() if ts else None
            if t is not None and tsval is not None:
                t = (tsval, t[1])
            opts = tcp_opts(mss=False, sackok=False, ts=t, ws=False, md5=md5)
        hlen = 20 + len(opts)
        seg = struct.pack("!HHIIBBHHH", self.sport, self.dport,
                          seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, hlen << 2,
                          flags, win, 0, urg) + opts + payload
        c = l4_csum(self.srcb, self.dstb, 6, seg, self.v6)
        if badsum:
            c ^= 0x5A5A
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
        if self.v6:
            pkt = ip6(self.srcb, self.dstb, 6, seg, ttl)
        else:
            pkt = ip4(self.srcb, self.dstb, 6, seg, ttl)
        self.net.send(pkt, self.dst, self.v6)
        return pkt

    def ackno(self):
        return (self.rcv_isn + 1 + self.contig()) if self.rcv_isn is not None else 0

    def seg(self, off, data, flags=PSH | ACK, **kw):
        """Data at stream offset off (0: first byte after the SYN)."""
        seq = kw.pop("seq", self.isn + 1 + off)
        ack = kw.pop("ack", self.ackno())
        return self.raw(seq, ack, flags, data, **kw)

    def connect(self, timeout=2.0, syn_payload=b"", syn_ttl=64):
        opts = tcp_opts(ts=(self.tsval, 0))
        for attempt in range(2):
            # a retransmitted SYN carries no data, as Linux's TFO client
            # falls back when its SYN with data goes unanswered
            self.raw(self.isn, 0, SYN, b"" if attempt else syn_payload,
                     ttl=syn_ttl, opts=opts)
            end = time.time() + timeout / 2
            while time.time() < end:
                try:
                    ttl, l4 = self.q.get(timeout=max(0.01, end - time.time()))
                except queue.Empty:
                    break
                fl = l4[13]
                if fl & RST:
                    self.reset = True
                    return False
                if fl & SYN and fl & ACK:
                    self.rcv_isn = struct.unpack("!I", l4[4:8])[0]
                    self.synack_ttl = ttl
                    self._opts(l4)
                    self.raw(self.isn + 1, self.rcv_isn + 1, ACK)
                    return True
        return False

    def _opts(self, l4):
        hlen = (l4[12] >> 4) * 4
        o, i = l4[20:hlen], 0
        while i < len(o):
            k = o[i]
            if k == 0:
                break
            if k == 1:
                i += 1
                continue
            if i + 1 >= len(o):
                break
            ln = o[i + 1]
            if k == 8 and ln == 10:
                self.peer_ts = struct.unpack("!I", o[i + 2:i + 6])[0]
            i += max(ln, 2)

    def contig(self):
        n = 0
        while n in self.rcv:
            n += len(self.rcv[n])
        return n

    def data(self):
        out, n = b"", 0
        while n in self.rcv:
            out += self.rcv[n]
            n += len(self.rcv[n])
        return out

    def pump(self, secs, until=None):
        """Read the server for secs seconds (or until until(self) holds),
        acknowledging its data as a receiver would."""
        end = time.time() + secs
        while time.time() < end:
            if until is not None and until(self):
                return
            try:
                ttl, l4 = self.q.get(timeout=max(0.01, end - time.time()))
            except queue.Empty:
                return
            fl = l4[13]
            if fl & RST:
                self.reset = True
                return
            if self.rcv_isn is None:
                continue
            self._opts(l4)
            if fl & ACK:
                a = (struct.unpack("!I", l4[8:12])[0] - self.isn - 1) & 0xFFFFFFFF
                if a < 1 << 30:
                    self.acked = max(self.acked, a)
            hlen = (l4[12] >> 4) * 4
            pay = l4[hlen:]
            off = (struct.unpack("!I", l4[4:8])[0] - self.rcv_isn - 1) & 0xFFFFFFFF
            if pay and off < 1 << 30 and off not in self.rcv:
                self.rcv[off] = pay
            if fl & FIN:
                self.fin = True
            if pay or fl & FIN:
                self.raw(self.isn + 1 + self.acked_sent(), self.ackno(), ACK)

    def acked_sent(self):
        return getattr(self, "sent_hi", 0)

    def send_stream(self, data, off=0, mss=1400, **kw):
        for i in range(0, len(data), mss):
            self.seg(off + i, data[i:i + mss], **kw)
        self.sent_hi = max(self.acked_sent(), off + len(data))

    def abort(self):
        self.raw(self.isn + 1 + self.acked_sent(), self.ackno(), RST | ACK)


# ------------------------------------------------------------------ payloads


def u16(n):
    return struct.pack("!H", n)


def u24(n):
    return struct.pack("!I", n)[1:]


def ext(t, body):
    return u16(t) + u16(len(body)) + body


def client_hello(name, pad_before_sni=0, alpn=None, quic_tp=None,
                 empty_record=False, records=True):
    """A TLS 1.3 ClientHello for name; returns (bytes, name offset). With
    records, framed in handshake records of at most 16384 bytes."""
    nb = name.encode()
    sni = ext(0, u16(len(nb) + 3) + b"\0" + u16(len(nb)) + nb)
    exts = []
    if pad_before_sni:
        exts.append(ext(21, b"\0" * pad_before_sni))
    exts.append(sni)
    exts.append(ext(10, u16(4) + u16(0x1D) + u16(0x17)))
    exts.append(ext(11, b"\x01\x00"))
    algs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    exts.append(ext(13, u16(2 * len(algs)) + b"".join(u16(a) for a in algs)))
    exts.append(ext(43, b"\x04\x03\x04\x03\x03"))
    exts.append(ext(45, b"\x01\x01"))
    ks = u16(0x1D) + u16(32) + os.urandom(32)
    exts.append(ext(51, u16(len(ks)) + ks))
    if alpn:
        a = b"".join(bytes([len(x)]) + x for x in alpn)
        exts.append(ext(16, u16(len(a)) + a))
    if quic_tp is not None:
        exts.append(ext(0x39, quic_tp))
    sid = b"" if quic_tp is not None else os.urandom(32)
    ciphers = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030]
    body = (b"\x03\x03" + os.urandom(32) + bytes([len(sid)]) + sid +
            u16(2 * len(ciphers)) + b"".join(u16(c) for c in ciphers) +
            b"\x01\x00" + u16(sum(map(len, exts))) + b"".join(exts))
    hs = b"\x01" + u24(len(body)) + body
    name_at = hs.index(sni) + 9
    if not records:
        return hs, name_at
    out, at = b"", None
    if empty_record:
        out += b"\x16\x03\x01\x00\x00"
    for i in range(0, len(hs), 16384):
        part = hs[i:i + 16384]
        if at is None and i <= name_at < i + len(part):
            at = len(out) + 5 + name_at - i
        out += b"\x16\x03\x01" + u16(len(part)) + part
    return out, at


def http_req(host, path="/index.html", host_hdr="Host: ", pre_headers=b"",
             method="GET "):
    hb = host.encode()
    head = (method.encode() + path.encode() + b" HTTP/1.1\r\n" + pre_headers +
            host_hdr.encode())
    req = head + hb + b"\r\nUser-Agent: evade\r\nAccept: */*\r\n\r\n"
    return req, len(head)


def decoy_for(name):
    """An allowed name of the same length (fff.example)."""
    return "f" * max(1, len(name) - 8) + ".example"


def dns_name(name):
    out = b""
    for lab in name.rstrip(".").split("."):
        out += bytes([len(lab)]) + lab.encode()
    return out + b"\0"


def dns_query(name, qtype=1, qid=None, edns_pad=None, rd=True):
    qid = random.getrandbits(16) if qid is None else qid
    arc = 1 if edns_pad is not None else 0
    hdr = struct.pack("!HHHHHH", qid, 0x0100 if rd else 0, 1, 0, 0, arc)
    q = dns_name(name) + struct.pack("!HH", qtype, 1)
    msg = hdr + q
    if edns_pad is not None:
        opt = (u16(12) + u16(edns_pad) + b"\0" * edns_pad) if edns_pad else b""
        msg += b"\0" + struct.pack("!HHIH", 41, 4096, 0, len(opt)) + opt
    return msg, 13


def dns_parse(msg):
    """(rcode, [A addresses]) of a response, or None."""
    try:
        if len(msg) < 12 or not msg[2] & 0x80:
            return None
        rcode = msg[3] & 15
        qd, an = struct.unpack("!HH", msg[4:8])
        i = 12

        def skip(i):
            while True:
                ln = msg[i]
                if ln == 0:
                    return i + 1
                if ln & 0xC0 == 0xC0:
                    return i + 2
                i += 1 + ln
        for _ in range(qd):
            i = skip(i) + 4
        addrs = []
        for _ in range(an):
            i = skip(i)
            t, _c, _ttl, rl = struct.unpack("!HHIH", msg[i:i + 10])
            i += 10
            if t == 1 and rl == 4:
                addrs.append(socket.inet_ntoa(msg[i:i + 4]))
            elif t == 28 and rl == 16:
                addrs.append(socket.inet_ntop(socket.AF_INET6, msg[i:i + 16]))
            i += rl
        return rcode, addrs
    except (IndexError, struct.error):
        return None


# --------------------------------------------------------------- the cases


class Case:
    def __init__(self, opt, proto, strat, target):
        self.o, self.proto, self.strat, self.target = opt, proto, strat, target
        blocked = target == "blocked"
        self.name = opt.blocked if blocked else opt.allowed
        self.real = opt.real_blocked if blocked else opt.real_allowed
        self.path = "/index.html"
        if proto == "url":       # a url entry: same host, blocked path
            self.name = opt.url_host
            self.path = "/u/123/a/file.html" if blocked else "/u/1234/"
        self.v6 = strat.endswith("-v6")
        self.dst = opt.server6 if self.v6 else opt.server
        self.detail = ""

    def payloads(self, name=None, decoy=False):
        """The request (or its decoy twin of the same length, naming an
        allowed name or URL) and the span of what decides it."""
        name = name or self.name
        if decoy and self.proto != "url":
            name = decoy_for(name)
        if self.proto == "tls":
            p, at = client_hello(name)
        elif self.proto in ("http", "url"):
            path = self.path
            if self.proto == "url":
                if decoy:
                    path = path.replace("/u/123/", "/u/124/")
                p, _ = http_req(name, path)
                at = p.index(b" ") + 1
                return p, (at, at + len(path))
            p, at = http_req(name, path)
        else:
            q, at = dns_query(name)
            p, at = u16(len(q)) + q, at + 2
        return p, (at, at + len(name))

    def port(self):
        return {"tls": self.o.tls_port, "http": 80, "url": 80,
                "dnstcp": 53}[self.proto]

    def answered(self, data):
        """Classify what the server sent back on a TCP connection."""
        if self.proto == "tls":
            if len(data) >= 6 and data[0] == 0x16 and data[5] == 2:
                return "answered"
            if data[:1] == b"\x15":
                return "alert"
            return None
        if self.proto in ("http", "url"):
            if b"served host=" in data:
                i = data.index(b"served host=") + 12
                words = data[i:].split(b"\n")[0].split(b" ")
                host = words[0].decode(errors="replace").lower().rstrip(".")
                uri = words[1][4:].decode(errors="replace") if len(words) > 1 else ""
                self.detail = "host=%s uri=%s" % (host, uri[:40])
                if host != self.name.lower():
                    return "other-request"
                if self.proto == "url" and not uri.startswith(
                        self.path.rsplit("/", 1)[0] + "/"):
                    return "other-request"
                return "answered"
            if b" 302 " in data[:20] or b" 451 " in data[:20]:
                return "stopped"
            if data.startswith(b"HTTP/"):
                self.detail = data[:12].decode(errors="replace")
                return "http-error"
            return None
        # dnstcp
        if len(data) < 2:
            return None
        n = struct.unpack("!H", data[:2])[0]
        if len(data) < 2 + n:
            return None
        return self.dns_verdict(data[2:2 + n])

    def dns_verdict(self, msg):
        r = dns_parse(msg)
        if r is None:
            return None
        rcode, addrs = r
        if rcode == 0 and self.real in addrs:
            return "answered"
        if addrs and rcode == 0:
            self.detail = ",".join(addrs)
            return "stopped"
        return {0: "nodata", 1: "formerr", 2: "servfail", 3: "nxdomain",
                5: "refused"}.get(rcode, "rcode%d" % rcode)


# ------------------------------------------------------ TCP strategy bodies
#
# Each takes (case, conn, P, D, span) and sends the crafted packets; P is
# the real request, D a decoy of the same length naming an allowed name,
# span the name's [start, end) in P. The runner then retransmits what the
# server has not acknowledged, as the client's kernel would.

TTL_DECOY = 2  # passes the filter, dies at the router before the server


def s_none(c, conn, P, D, sp):
    conn.send_stream(P)


def at_mid(sp):
    return (sp[0] + sp[1]) // 2


def s_split2(c, conn, P, D, sp):          # nfqws split2 / GoodbyeDPI -e 2
    conn.seg(0, P[:2])
    conn.seg(2, P[2:])
    conn.sent_hi = len(P)


def s_split_mid(c, conn, P, D, sp):       # split inside the name
    m = at_mid(sp)
    conn.seg(0, P[:m])
    conn.seg(m, P[m:])
    conn.sent_hi = len(P)


def s_frag_by_sni(c, conn, P, D, sp):     # GoodbyeDPI --frag-by-sni --native-frag
    conn.seg(0, P[:sp[0]])
    conn.seg(sp[0], P[sp[0]:])
    conn.sent_hi = len(P)


def s_disorder2(c, conn, P, D, sp):       # nfqws disorder2 / GoodbyeDPI --reverse-frag
    m = at_mid(sp)
    conn.seg(m, P[m:])
    time.sleep(0.01)
    conn.seg(0, P[:m])
    conn.sent_hi = len(P)


def cuts(P, sp):
    return sorted({1, sp[0], at_mid(sp), sp[1] - 1, len(P) - 1})


def s_multisplit(c, conn, P, D, sp):
    pts = [0] + cuts(P, sp) + [len(P)]
    for a, b in zip(pts, pts[1:]):
        conn.seg(a, P[a:b])
    conn.sent_hi = len(P)


def s_multidisorder(c, conn, P, D, sp):
    pts = [0] + cuts(P, sp) + [len(P)]
    for a, b in reversed(list(zip(pts, pts[1:]))):
        conn.seg(a, P[a:b])
        time.sleep(0.003)
    conn.sent_hi = len(P)


FOOL = {
    "ttl": dict(ttl=TTL_DECOY),
    "badsum": dict(badsum=True),
    "md5sig": dict(md5=True),
}


def fake_send(conn, off, data, fool):
    """A decoy segment that the server discards (the fooling)."""
    if fool in FOOL:
        conn.seg(off, data, **FOOL[fool])
    elif fool == "badseq":               # nfqws: seq -10000, ack -66000
        conn.seg(off, data, seq=conn.isn + 1 + off - 10000,
                 ack=conn.ackno() - 66000)
    elif fool == "pastseq":              # GoodbyeDPI --wrong-seq
        conn.seg(off, data, seq=conn.isn + 1 + off - len(data))
    elif fool == "datanoack":
        conn.seg(off, data, flags=PSH)
    elif fool == "ts":                   # PAWS: an old timestamp
        conn.seg(off, data, tsval=conn.tsval - 600000)
    else:
        raise ValueError(fool)


def mk_fake(fool):
    def s(c, conn, P, D, sp):            # nfqws fake / GoodbyeDPI fake request
        fake_send(conn, 0, D, fool)
        time.sleep(0.005)
        conn.send_stream(P)
    return s


def mk_fake_disorder(fool):
    def s(c, conn, P, D, sp):            # nfqws fake,disorder2
        fake_send(conn, 0, D, fool)
        m = at_mid(sp)
        conn.seg(m, P[m:])
        conn.seg(0, P[:m])
        conn.sent_hi = len(P)
    return s


def mk_fakedsplit(fool):
    def s(c, conn, P, D, sp):            # nfqws fakedsplit
        m = at_mid(sp)
        for a, b in ((0, m), (m, len(P))):
            fake_send(conn, a, D[a:b], fool)
            conn.seg(a, P[a:b])
            fake_send(conn, a, D[a:b], fool)
        conn.sent_hi = len(P)
    return s


def mk_hostfakesplit(fool):
    def s(c, conn, P, D, sp):            # nfqws hostfakesplit
        a, b = sp
        junk = bytes(random.choice(b"abcdefghijklmnopqrstuvwxyz")
                     for _ in range(b - a))
        conn.seg(0, P[:a])
        fake_send(conn, a, junk, fool)
        conn.seg(a, P[a:b])
        fake_send(conn, a, junk, fool)
        conn.seg(b, P[b:])
        conn.sent_hi = len(P)
    return s


def s_seqovl(c, conn, P, D, sp):           # nfqws --dpi-desync-split-seqovl
    m = at_mid(sp)
    k = 64
    conn.seg(0, os.urandom(k) + P[:m], seq=conn.isn + 1 - k)
    conn.seg(m, P[m:])
    conn.sent_hi = len(P)


def s_dup(c, conn, P, D, sp):              # Geneva duplicate
    conn.send_stream(P)
    conn.send_stream(P)


def s_dup_split_disagree(c, conn, P, D, sp):
    """Geneva duplicate+tamper: the second half first as a decoy copy, then
    the real request; a receiver keeps ... whatever it keeps."""
    m = at_mid(sp)
    conn.seg(m, D[m:])
    conn.seg(0, P)
    conn.sent_hi = len(P)


def s_ofo_overlap(c, conn, P, D, sp):
    """Issue 12: a decoy copy of the name region out of order, then the real
    request overlapping it: veto may keep the hole-filling bytes around its
    copy; the server takes the in-order real bytes."""
    a = max(1, sp[0] - 4)
    conn.seg(a, D[a:sp[1] + 4])
    time.sleep(0.005)
    conn.send_stream(P)


def mk_teardown(kind):
    def s(c, conn, P, D, sp):            # Geneva TCB teardown / desync
        seq = conn.isn + 1
        if kind == "rst-ttl":
            conn.raw(seq, conn.ackno(), RST | ACK, ttl=TTL_DECOY)
        elif kind == "rst-badsum":
            conn.raw(seq, conn.ackno(), RST | ACK, badsum=True)
        elif kind == "rst-inexact":      # in window, not exact: RFC 5961
            conn.raw(seq + 5000, conn.ackno(), RST)
        elif kind == "fin-ttl":
            conn.raw(seq, conn.ackno(), FIN | ACK, ttl=TTL_DECOY)
        elif kind == "syn":              # a second SYN with another ISN
            conn.raw(random.getrandbits(32), 0, SYN,
                     opts=tcp_opts(ts=(conn.tsval, 0)))
        elif kind == "syn-ttl":
            conn.raw(random.getrandbits(32), 0, SYN, ttl=TTL_DECOY,
                     opts=tcp_opts(ts=(conn.tsval, 0)))
        time.sleep(0.02)
        conn.send_stream(P)
    return s


def s_rst_train(c, conn, P, D, sp):
    """Inexact RSTs (the server ignores them, RFC 5961) past connbytes_cap,
    then the request: found by fuzz_stream."""
    for i in range(24):
        conn.raw(conn.isn + 1 + 5000 + 97 * i, conn.ackno(), RST)
    time.sleep(0.02)
    conn.send_stream(P)


def s_ack_train(c, conn, P, D, sp):
    """The legitimate-looking twin of rst-train: window-update ACKs."""
    for i in range(24):
        conn.raw(conn.isn + 1, conn.ackno(), ACK)
    time.sleep(0.02)
    conn.send_stream(P)


def s_syn_ack_train(c, conn, P, D, sp):
    """Found by fuzz_stream: a second SYN (another ISN), then ACKs up to
    connbytes_cap, then the request."""
    conn.seg(len(P) + 100, b"x")        # counted, then dropped by veto
    conn.raw(random.getrandbits(32), 0, SYN, opts=tcp_opts(ts=(conn.tsval, 0)))
    for i in range(21):
        conn.raw(conn.isn + 1, conn.ackno(), ACK)
    time.sleep(0.02)
    conn.send_stream(P)


def s_paws_ack_train(c, conn, P, D, sp):
    """Found by fuzz_stream: pure ACKs with an old timestamp (PAWS: the
    server discards them) up to connbytes_cap, then the request."""
    for i in range(23):
        conn.raw(conn.isn + 1, conn.ackno(), ACK, tsval=conn.tsval - 600000)
    time.sleep(0.02)
    conn.send_stream(P)


def mk_rst_ack_train(old_rst, old_acks):
    def s(c, conn, P, D, sp):
        """Found by fuzz_stream: an inexact RST, then pure ACKs up to
        connbytes_cap, then the request."""
        conn.raw(conn.isn + 1 + 4365, conn.ackno(), RST,
                 tsval=conn.tsval - 600000 if old_rst else None)
        for i in range(22):   # old, but each newer than the last
            conn.raw(conn.isn + 1, conn.ackno(), ACK,
                     tsval=conn.tsval - 600000 if old_acks else None)
        time.sleep(0.02)
        conn.send_stream(P)
    return s


def s_fuzz_rst_ack(c, conn, P, D, sp):
    """The sequence fuzz_stream found: ACKs and inexact RSTs, all with old
    timestamps, interleaved up to connbytes_cap, then the request."""
    def ack():
        conn.raw(conn.isn + 1, conn.ackno(), ACK, tsval=conn.tsval - 600000)

    def rst(d):
        conn.raw(conn.isn + 1 + d, conn.ackno(), RST, tsval=conn.tsval - 600000)
    ack()
    rst(4365)
    for _ in range(4):
        ack()
    rst(4365)
    for _ in range(2):
        ack()
    rst(9506)
    for _ in range(15):
        ack()
    time.sleep(0.02)
    conn.send_stream(P)


def mk_syn_shift(ttl):
    def s(c, conn, P, D, sp):
        """Found by fuzz_stream: a second SYN whose ISN puts the stream's
        start in the middle of the request, then the request from there,
        then its beginning."""
        k = 16
        conn.raw(conn.isn + k, 0, SYN, ttl=ttl, opts=tcp_opts(ts=(conn.tsval, 0)))
        time.sleep(0.01)
        conn.seg(k, P[k:])
        time.sleep(0.01)
        conn.seg(0, P[:k])
        conn.sent_hi = len(P)
    return s


def s_syn_mid(c, conn, P, D, sp):
    """Issue 12 (b): half the request, a SYN with another ISN, the rest."""
    m = at_mid(sp)
    conn.seg(0, P[:m])
    time.sleep(0.01)
    conn.raw(random.getrandbits(32), 0, SYN, opts=tcp_opts(ts=(conn.tsval, 0)))
    time.sleep(0.01)
    conn.seg(m, P[m:])
    conn.sent_hi = len(P)


def s_rst_mid(c, conn, P, D, sp):
    """Issue 12 (d): half the request, an inexact RST, the rest."""
    m = at_mid(sp)
    conn.seg(0, P[:m])
    time.sleep(0.01)
    conn.raw(conn.isn + 1 + m + 3000, conn.ackno(), RST)
    time.sleep(0.01)
    conn.seg(m, P[m:])
    conn.sent_hi = len(P)


def s_urg(c, conn, P, D, sp):
    """Geneva tamper urgptr: one junk byte inside the name, marked urgent;
    the server's socket takes it out of the stream (no SO_OOBINLINE)."""
    k = sp[0] + 1
    W = P[:k] + b"Q" + P[k:]
    c.wire = W
    c.urg_at = k
    conn.seg(0, W, flags=PSH | ACK | URG, urg=k + 1)
    conn.sent_hi = len(W)


def s_overcap(c, conn, P, D, sp):
    """Issue 12 (a): one byte at stream offset 16384 first."""
    conn.seg(16384, b"\0")
    time.sleep(0.01)
    conn.send_stream(P)


def s_islands(c, conn, P, D, sp):
    """Issue 12 (e): eight one-byte islands after the name, then the rest."""
    hi = len(P)
    step = max(2, (hi - sp[1] - 2) // 9)
    offs = [sp[1] + 1 + step * i for i in range(8) if sp[1] + 1 + step * i < hi - 1]
    for o in offs:
        conn.seg(o, P[o:o + 1])
    time.sleep(0.005)
    conn.send_stream(P)


def s_tiny(c, conn, P, D, sp):
    """Issue 12 (h): one-byte segments past connbytes_cap, then the rest."""
    n = min(40, sp[0])
    for i in range(n):
        conn.seg(i, P[i:i + 1])
    conn.seg(n, P[n:])
    conn.sent_hi = len(P)


def s_idle(c, conn, P, D, sp):
    """Issue 12 (c): half, wait past the idle expiry, then the other half."""
    m = at_mid(sp)
    conn.seg(0, P[:m])
    conn.pump(c.o.idle)
    conn.seg(m, P[m:])
    conn.sent_hi = len(P)


def s_idle_gap(c, conn, P, D, sp):
    """Found by fuzz_stream: the first byte, an idle gap past the hold of
    an undecided flow, the first byte again, the request from byte 11,
    then bytes 1-10."""
    conn.seg(0, P[:1])
    conn.pump(c.o.idle)
    conn.seg(0, P[:1])
    time.sleep(0.01)
    conn.seg(11, P[11:])
    time.sleep(0.01)
    conn.seg(1, P[1:11])
    conn.sent_hi = len(P)


def s_idle_handshake(c, conn, P, D, sp):
    """Found by fuzz_stream: the handshake, an idle gap past the idle
    expiry (the flow holds no data yet), the request from byte 11, then
    bytes 0-10."""
    conn.pump(c.o.idle + 1)
    conn.seg(11, P[11:])
    time.sleep(0.01)
    conn.seg(0, P[:11])
    conn.sent_hi = len(P)


def mk_ofo_repeat(old_ts):
    def s(c, conn, P, D, sp):
        """Found by fuzz_stream: the first byte, then the request's tail
        out of order, sent again and again, then the rest."""
        t = len(P) - 13
        conn.seg(0, P[:1])
        for _ in range(8):
            if old_ts:
                conn.seg(t, P[t:], tsval=conn.tsval - 600000)
            else:
                conn.seg(t, P[t:])
            time.sleep(0.003)
        conn.seg(t, P[t:])
        time.sleep(0.01)
        conn.seg(1, P[1:t])
        conn.sent_hi = len(P)
    return s


def s_idle_preconnect(c, conn, P, D, sp):
    """A browser's preconnect: the handshake, an idle gap past the idle
    expiry, then the request in order."""
    conn.pump(c.o.idle + 1)
    conn.send_stream(P)


def s_syndata(c, conn, P, D, sp):
    """nfqws syndata: handled by the runner (the SYN carries the decoy)."""
    conn.send_stream(P)


def s_ipfrag(c, conn, P, D, sp):           # Geneva fragment{ip}
    seq = conn.isn + 1
    opts = tcp_opts(mss=False, sackok=False, ts=conn._ts(), ws=False)
    hlen = 20 + len(opts)
    seg = struct.pack("!HHIIBBHHH", conn.sport, conn.dport, seq, conn.ackno(),
                      hlen << 2, PSH | ACK, 65535, 0, 0) + opts + P
    cs = l4_csum(conn.srcb, conn.dstb, 6, seg, False)
    seg = seg[:16] + struct.pack("!H", cs) + seg[18:]
    pkt = ip4(conn.srcb, conn.dstb, 6, seg)
    for f in ip4_fragments(pkt, 8 * ((hlen + sp[0]) // 8 or 1)):
        conn.net.send(f, conn.dst, False)
    conn.sent_hi = len(P)


TCP_STRATS = {
    "none": s_none,
    "none-v6": s_none,
    "split2": s_split2,
    "split-mid": s_split_mid,
    "frag-by-sni": s_frag_by_sni,
    "disorder2": s_disorder2,
    "multisplit": s_multisplit,
    "multidisorder": s_multidisorder,
    "fake-ttl": mk_fake("ttl"),
    "fake-ttl-v6": mk_fake("ttl"),
    "fake-badsum": mk_fake("badsum"),
    "fake-badseq": mk_fake("badseq"),
    "fake-pastseq": mk_fake("pastseq"),
    "fake-md5sig": mk_fake("md5sig"),
    "fake-datanoack": mk_fake("datanoack"),
    "fake-ts": mk_fake("ts"),
    "fake-disorder-ttl": mk_fake_disorder("ttl"),
    "fakedsplit-ttl": mk_fakedsplit("ttl"),
    "fakedsplit-badsum": mk_fakedsplit("badsum"),
    "hostfakesplit-ttl": mk_hostfakesplit("ttl"),
    "hostfakesplit-md5sig": mk_hostfakesplit("md5sig"),
    "seqovl": s_seqovl,
    "syndata": s_syndata,
    "dup": s_dup,
    "dup-disagree": s_dup_split_disagree,
    "ofo-overlap": s_ofo_overlap,
    "rst-ttl": mk_teardown("rst-ttl"),
    "rst-badsum": mk_teardown("rst-badsum"),
    "rst-inexact": mk_teardown("rst-inexact"),
    "rst-mid": s_rst_mid,
    "rst-train": s_rst_train,
    "ack-train": s_ack_train,
    "syn-ack-train": s_syn_ack_train,
    "paws-ack-train": s_paws_ack_train,
    "rst-ack-train": mk_rst_ack_train(True, True),
    "fuzz-rst-ack": s_fuzz_rst_ack,
    "syn-shift": mk_syn_shift(64),
    "syn-shift-ttl3": mk_syn_shift(3),
    "rst-ack-train-fresh": mk_rst_ack_train(False, False),
    "rst-old-ack-train": mk_rst_ack_train(True, False),
    "fin-ttl": mk_teardown("fin-ttl"),
    "syn-again": mk_teardown("syn"),
    "syn-again-ttl": mk_teardown("syn-ttl"),
    "syn-mid": s_syn_mid,
    "urg": s_urg,
    "overcap": s_overcap,
    "islands": s_islands,
    "tiny-segs": s_tiny,
    "ipfrag": s_ipfrag,
    "idle": s_idle,
    "idle-gap": s_idle_gap,
    "idle-handshake": s_idle_handshake,
    "idle-preconnect": s_idle_preconnect,
    "split-mid-v6": s_split_mid,
    "disorder2-v6": s_disorder2,
    "seqovl-v6": s_seqovl,
    "rst-inexact-v6": mk_teardown("rst-inexact"),
    "syn-shift-v6": mk_syn_shift(64),
    "ofo-repeat": mk_ofo_repeat(False),
    "ofo-repeat-oldts": mk_ofo_repeat(True),
    "reuse-5tuple": s_none,
}

# Strategies that change the request itself (per protocol).


def http_variant(case, strat):
    n, path = case.name, case.path
    if strat == "host-case":                 # GoodbyeDPI -r / hOsT
        return http_req(n, path, "hOsT: ")
    if strat == "host-nospace":              # GoodbyeDPI -s
        return http_req(n, path, "Host:")
    if strat == "host-morespace":            # extra spaces
        return http_req(n, path, "Host:    ")
    if strat == "method-space":              # GoodbyeDPI -a
        return http_req(n, path, method="GET  ")
    if strat == "host-mixcase":              # GoodbyeDPI -m
        return http_req("".join(ch.upper() if i % 2 else ch
                                for i, ch in enumerate(n)), path)
    if strat == "host-dot":
        return http_req(n + ".", path)
    if strat == "host-port-junk":            # issue 12: nginx cuts at ':'
        return http_req(n + ":x", path)
    if strat == "host-userinfo":
        return http_req("u@" + n, path)
    if strat == "abs-other-scheme":          # issue 12: foo://host/...
        r, _ = http_req("other.example", "foo://" + n + path)
        return r, r.index(n.encode())
    if strat == "abs-form":
        r, _ = http_req("other.example", "http://" + n + path)
        return r, r.index(n.encode())
    if strat == "pct-slash":                 # %2F for a slash
        return http_req(n, path.replace("/u/123/", "/u%2F123/")
                        .replace("/index.html", "/index%2Ehtml"))
    if strat == "long-query":                # query over 2048 bytes
        return http_req(n, path + "?" + "a" * 2100)
    if strat == "big-headers":               # headers over 16 KiB
        pad = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 4000) for i in range(5))
        return http_req(n, path, pre_headers=pad)
    if strat == "bare-lf":
        r, at = http_req(n, path)
        return r.replace(b"\r\n", b"\n"), None
    if strat == "http10-spelling":
        r, at = http_req(n, path)
        return r.replace(b"HTTP/1.1", b"HTTP/1.01"), at
    return None


HTTP_STRATS = ["host-case", "host-nospace", "host-morespace", "method-space",
               "host-mixcase", "host-dot", "host-port-junk", "host-userinfo",
               "abs-other-scheme", "abs-form", "pct-slash", "long-query",
               "big-headers", "bare-lf", "http10-spelling", "pipeline",
               "keepalive"]

TLS_STRATS = ["big-hello", "empty-record", "tiny-records"]


def tls_variant(case, strat):
    if strat == "big-hello":                 # issue 12 (f): > 16 KiB hello
        return client_hello(case.name, pad_before_sni=17000)
    if strat == "empty-record":              # an empty handshake record first
        return client_hello(case.name, empty_record=True)
    if strat == "tiny-records":              # the hello in 5-byte records
        hs, at = client_hello(case.name, records=False)
        out = b""
        for i in range(0, len(hs), 5):
            out += b"\x16\x03\x01" + u16(len(hs[i:i + 5])) + hs[i:i + 5]
        return out, None
    return None


# ------------------------------------------------------------- TCP runner


def run_tcp(case):
    o = case.o
    strat = case.strat
    P, sp = case.payloads()
    D, _ = case.payloads(decoy=True)
    body = TCP_STRATS.get(strat, s_none)
    if case.proto in ("http", "url") and strat in HTTP_STRATS:
        if strat == "pipeline":
            a2, _ = http_req(o.allowed)
            P = a2 + P
            sp = (sp[0] + len(a2), sp[1] + len(a2))
        elif strat != "keepalive":
            P, at = http_variant(case, strat)
            if at is None or case.proto == "url":
                at = P.index(b" ") + 1
            sp = (at, at + len(case.name))
    if case.proto == "tls" and strat in TLS_STRATS:
        P, at = tls_variant(case, strat)
        sp = (at, at + len(case.name)) if at is not None else (50, 60)
    case.wire = P
    case.urg_at = None
    sport = None
    if strat == "reuse-5tuple":
        first = Tcp(o.net, case.dst, case.port(), case.v6)
        sport = first.sport
        if first.connect():
            A, _ = case.payloads(name=o.allowed)
            first.send_stream(A)
            first.pump(1.5, until=lambda c: case.answered(c.data()) is not None)
            first.abort()
        first.close()
        time.sleep(0.05)
    conn = Tcp(o.net, case.dst, case.port(), case.v6, sport)
    try:
        synp = D if strat == "syndata" else b""
        if not conn.connect(syn_payload=synp):
            return "reset" if conn.reset else "noconnect"
        if strat == "keepalive":
            A, _ = http_req(o.allowed)
            conn.send_stream(A)
            conn.pump(1.0, until=lambda c: b"\r\n\r\nserved" in c.data()
                      and c.data().endswith(b"\n"))
            first = len(conn.data())
            conn.send_stream(P, off=len(A))
            base = len(A)
            done = lambda c: case.answered(c.data()[first:]) is not None
            for rto in (0.3, 0.6, 0.9):
                conn.pump(rto, until=done)
                if done(conn) or conn.reset:
                    break
                if conn.acked < base + len(P):
                    s = max(conn.acked - base, 0)
                    conn.send_stream(P[s:], off=base + s)
            r = case.answered(conn.data()[first:])
            return r or ("reset" if conn.reset else "silent")
        body(case, conn, P, D, sp)
        W = case.wire
        want = lambda c: (case.answered(c.data()) not in (None,)
                          and not (strat == "pipeline"
                                   and c.data().count(b"served host=") < 2))
        for rto in (0.3, 0.6, 1.0):
            conn.pump(rto, until=want)
            if want(conn) or conn.reset:
                break
            if conn.acked < len(W):
                s = conn.acked
                if case.urg_at is not None and s <= case.urg_at:
                    conn.seg(s, W[s:], flags=PSH | ACK | URG,
                             urg=case.urg_at + 1 - s)
                else:
                    conn.send_stream(W[s:], off=s)
        data = conn.data()
        if strat == "pipeline":
            parts = data.split(b"served host=")
            data = b"served host=" + parts[2] if len(parts) > 2 else b""
        r = case.answered(data)
        if r is None:
            r = "reset" if conn.reset else "silent"
        return r
    finally:
        conn.abort()
        conn.close()


# ------------------------------------------------------------- DNS (UDP)

DNS_STRATS = ["none", "none-v6", "case0x20", "two-questions",
              "two-questions-rev", "fwd-pointer", "trailing-junk",
              "edns-pad", "ancount", "ipfrag", "ttl-decoy-same-id",
              "no-rd"]


def dns_udp_payload(case):
    n, s = case.name, case.strat
    if s == "case0x20":
        return dns_query("".join(ch.upper() if i % 2 else ch
                                 for i, ch in enumerate(n)))[0]
    if s in ("two-questions", "two-questions-rev"):
        first, second = decoy_for(n), n
        if s.endswith("rev"):
            first, second = second, first
        hdr = struct.pack("!HHHHHH", random.getrandbits(16), 0x0100, 2, 0, 0, 0)
        return (hdr + dns_name(first) + b"\0\1\0\1" + dns_name(second) +
                b"\0\1\0\1")
    if s == "fwd-pointer":
        # question 1's name is a pointer forward to question 2's name
        hdr = struct.pack("!HHHHHH", random.getrandbits(16), 0x0100, 2, 0, 0, 0)
        q1 = b"\xc0\x12" + b"\0\1\0\1"
        return hdr + q1 + dns_name(n) + b"\0\1\0\1"
    if s == "trailing-junk":
        return dns_query(n)[0] + os.urandom(7)
    if s == "edns-pad":
        return dns_query(n, edns_pad=1200)[0]
    if s == "ancount":
        q = bytearray(dns_query(n)[0])
        q[7] = 1
        return bytes(q) + b"\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4\xcb\0\x71\x01"
    if s == "no-rd":
        return dns_query(n, rd=False)[0]
    return dns_query(n)[0]


def run_dns(case):
    o = case.o
    fam = socket.AF_INET6 if case.v6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((o.client6 if case.v6 else o.client, 0))
    s.settimeout(0.7)
    q = dns_udp_payload(case)
    dst = (case.dst, 53)
    try:
        for _ in range(2):
            if case.strat == "ipfrag":
                sport = s.getsockname()[1]
                src, dstb = ip_bytes(o.client, False), ip_bytes(case.dst, False)
                u = struct.pack("!HHHH", sport, 53, 8 + len(q), 0) + q
                u = u[:6] + struct.pack("!H", l4_csum(src, dstb, 17, u, False)) + u[8:]
                for f in ip4_fragments(ip4(src, dstb, 17, u), 16):
                    o.net.send(f, case.dst, False)
            elif case.strat == "ttl-decoy-same-id":
                qid = random.getrandbits(16)
                dq = struct.pack("!H", qid) + dns_query(decoy_for(case.name))[0][2:]
                sport = s.getsockname()[1]
                src, dstb = ip_bytes(o.client, False), ip_bytes(case.dst, False)
                u = struct.pack("!HHHH", sport, 53, 8 + len(dq), 0) + dq
                u = u[:6] + struct.pack("!H", l4_csum(src, dstb, 17, u, False)) + u[8:]
                o.net.send(ip4(src, dstb, 17, u, ttl=TTL_DECOY), case.dst, False)
                s.sendto(struct.pack("!H", qid) + q[2:], dst)
            else:
                s.sendto(q, dst)
            try:
                while True:
                    msg, _ = s.recvfrom(4096)
                    v = case.dns_verdict(msg)
                    if v is not None:
                        return v
            except socket.timeout:
                continue
        return "silent"
    finally:
        s.close()


# ------------------------------------------------------------------- QUIC

QUIC_STRATS = ["none", "junk-first", "unknown-version-first",
               "short-first", "short-initial", "dup-crypto", "ttl-decoy",
               "split-crypto-rev", "coalesced-bad-first"]

V1_SALT = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")


def hkdf_extract(salt, ikm):
    import hmac, hashlib
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_label(secret, label, length):
    import hmac, hashlib
    full = b"tls13 " + label
    info = u16(length) + bytes([len(full)]) + full + b"\0"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def quic_keys(dcid, server):
    init = hkdf_extract(V1_SALT, dcid)
    sec = hkdf_label(init, b"server in" if server else b"client in", 32)
    return (hkdf_label(sec, b"quic key", 16), hkdf_label(sec, b"quic iv", 12),
            hkdf_label(sec, b"quic hp", 16))


def varint(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return u16(0x4000 | n)
    return struct.pack("!I", 0x80000000 | n)


def read_varint(b, i):
    first = b[i]
    ln = 1 << (first >> 6)
    v = first & 0x3F
    for k in range(1, ln):
        v = (v << 8) | b[i + k]
    return v, i + ln


def aes_ecb(key, block):
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def quic_initial(dcid, scid, frames, pn=0, version=1, pad_to=1200):
    """One protected client Initial packet carrying frames."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    key, iv, hp = quic_keys(dcid, False)
    pnb = struct.pack("!I", pn)
    hdr_wo_len = (bytes([0xC3]) + struct.pack("!I", version) +
                  bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid +
                  varint(0))
    plen = len(frames) + 4 + 16
    if pad_to:
        need = pad_to - (len(hdr_wo_len) + 2 + plen)
        if need > 0:
            frames += b"\0" * need
            plen += need
    hdr = hdr_wo_len + u16(0x4000 | plen) + pnb
    nonce = bytes(a ^ b for a, b in zip(iv, b"\0" * 8 + pnb))
    ct = AESGCM(key).encrypt(nonce, frames, hdr)
    sample = ct[4 - 4:4 - 4 + 16]  # sample starts 4 bytes after pn start
    mask = aes_ecb(hp, sample)
    pkt = bytearray(hdr + ct)
    pkt[0] ^= mask[0] & 0x0F
    pn_at = len(hdr) - 4
    for i in range(4):
        pkt[pn_at + i] ^= mask[1 + i]
    return bytes(pkt)


def quic_server_hello(dgram, dcid):
    """Does this server datagram hold an Initial with a ServerHello?"""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    key, iv, hp = quic_keys(dcid, True)
    i = 0
    while i < len(dgram):
        b0 = dgram[i]
        if not b0 & 0x80:
            return False
        ver = struct.unpack("!I", dgram[i + 1:i + 5])[0]
        if ver == 0:
            return False
        j = i + 5
        dl = dgram[j]
        j += 1 + dl
        sl = dgram[j]
        j += 1 + sl
        ptype = (b0 >> 4) & 3
        if ptype == 0:
            tl, j = read_varint(dgram, j)
            j += tl
        ln, j = read_varint(dgram, j)
        end = j + ln
        if ptype == 0:
            sample = dgram[j + 4:j + 20]
            mask = aes_ecb(hp, sample)
            first = b0 ^ (mask[0] & 0x0F)
            pnl = (first & 3) + 1
            pnb = bytes(dgram[j + k] ^ mask[1 + k] for k in range(pnl))
            hdr = bytes([first]) + dgram[i + 1:j] + pnb
            nonce = bytearray(iv)
            pn = int.from_bytes(pnb, "big")
            for k in range(8):
                nonce[11 - k] ^= (pn >> (8 * k)) & 0xFF
            try:
                pt = AESGCM(key).decrypt(bytes(nonce), dgram[j + pnl:end], hdr)
            except Exception:
                return False
            k = 0
            while k < len(pt):
                ft = pt[k]
                if ft == 0x06:
                    _, k = read_varint(pt, k + 1)
                    ln2, k = read_varint(pt, k)
                    if pt[k:k + 1] == b"\x02":
                        return True
                    k += ln2
                elif ft in (0x02, 0x03):
                    _, k = read_varint(pt, k + 1)     # largest
                    _, k = read_varint(pt, k)         # delay
                    nr, k = read_varint(pt, k)        # range count
                    _, k = read_varint(pt, k)         # first range
                    for _r in range(2 * nr + (3 if ft == 3 else 0)):
                        _, k = read_varint(pt, k)
                elif ft in (0x00, 0x01):
                    k += 1
                else:
                    return False
        i = end
    return False


def quic_tp(scid):
    p = b""
    p += varint(0x0f) + varint(len(scid)) + scid          # initial_source_connection_id
    p += varint(0x04) + varint(4) + struct.pack("!I", 0x80100000)  # initial_max_data
    p += varint(0x08) + varint(1) + varint(10)            # max_streams_bidi
    p += varint(0x09) + varint(1) + varint(10)            # max_streams_uni
    for k in (0x05, 0x06, 0x07):                          # stream data
        p += varint(k) + varint(4) + struct.pack("!I", 0x80040000)
    p += varint(0x01) + varint(4) + struct.pack("!I", 0x80007530)  # idle timeout
    return p


def crypto_frame(off, data):
    return b"\x06" + varint(off) + varint(len(data)) + data


def run_quic(case):
    o = case.o
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((o.client, 0))
    s.settimeout(0.5)
    dst = (case.dst, o.quic_port)
    dcid, scid = os.urandom(8), os.urandom(8)
    hs, at = client_hello(case.name, alpn=[b"h3"], quic_tp=quic_tp(scid),
                          records=False)
    dhs, _ = client_hello(decoy_for(case.name), alpn=[b"h3"],
                          quic_tp=quic_tp(scid), records=False)
    st = case.strat
    real = quic_initial(dcid, scid, crypto_frame(0, hs))
    sends = []
    if st == "junk-first":
        junk = b"\xc3\0\0\0\1\x08" + dcid + b"\x08" + scid + os.urandom(1200 - 23)
        sends = [junk, real]
    elif st == "unknown-version-first":
        sends = [quic_initial(dcid, scid, crypto_frame(0, dhs), version=0x1A2A3A4A), real]
    elif st == "short-first":
        sends = [quic_initial(dcid, scid, crypto_frame(0, dhs), pad_to=0), real]
    elif st == "short-initial":
        sends = [quic_initial(dcid, scid, crypto_frame(0, hs), pad_to=0)]
    elif st == "dup-crypto":
        # one datagram: CRYPTO with a decoy name, then the real one at the
        # same offsets in a second coalesced packet
        a = quic_initial(dcid, scid, crypto_frame(0, dhs), pn=0, pad_to=0)
        b = quic_initial(dcid, scid, crypto_frame(0, hs), pn=1, pad_to=1200 - len(a))
        sends = [a + b]
    elif st == "coalesced-bad-first":
        bad = bytearray(quic_initial(dcid, scid, crypto_frame(0, dhs), pn=0, pad_to=0))
        bad[-1] ^= 1                      # its tag fails
        b = quic_initial(dcid, scid, crypto_frame(0, hs), pn=1, pad_to=1200 - len(bad))
        sends = [bytes(bad) + b]
    elif st == "split-crypto-rev":
        m = at + 3
        a = quic_initial(dcid, scid, crypto_frame(m, hs[m:]), pn=0)
        b = quic_initial(dcid, scid, crypto_frame(0, hs[:m]), pn=1)
        sends = [a, b]
    elif st == "ttl-decoy":
        d = quic_initial(dcid, scid, crypto_frame(0, dhs))
        sport = s.getsockname()[1]
        src, dstb = ip_bytes(o.client, False), ip_bytes(case.dst, False)
        u = struct.pack("!HHHH", sport, o.quic_port, 8 + len(d), 0) + d
        u = u[:6] + struct.pack("!H", l4_csum(src, dstb, 17, u, False)) + u[8:]
        o.net.send(ip4(src, dstb, 17, u, ttl=TTL_DECOY), case.dst, False)
        time.sleep(0.01)
        sends = [real]
    else:
        sends = [real]
    try:
        for rnd in range(2):
            for d in sends:
                s.sendto(d, dst)
                time.sleep(0.005)
            end = time.time() + 0.8
            try:
                while time.time() < end:
                    msg, _ = s.recvfrom(65536)
                    if quic_server_hello(msg, dcid):
                        return "answered"
            except socket.timeout:
                pass
            if st not in ("short-initial",):
                sends = [real]     # the client retransmits its Initial
        return "silent"
    finally:
        s.close()


# ------------------------------------------------------------------- main


def all_cases():
    out = []
    for proto in ("tls", "http"):
        extra = TLS_STRATS if proto == "tls" else HTTP_STRATS
        for s in list(TCP_STRATS) + extra:
            out.append((proto, s))
    for s in ["none", "split-mid", "disorder2", "fake-ttl", "ofo-overlap",
              "urg", "overcap", "syn-mid", "rst-mid"] + HTTP_STRATS:
        out.append(("url", s))
    for s in ("none", "split-mid", "disorder2", "multidisorder", "fake-ttl",
              "fake-badseq", "rst-inexact", "syn-mid", "urg", "overcap",
              "tiny-segs", "dup-disagree", "ofo-overlap", "reuse-5tuple",
              "dns-padded", "dns-two-msgs", "dns-len-split"):
        out.append(("dnstcp", s))
    for s in DNS_STRATS:
        out.append(("dns", s))
    for s in QUIC_STRATS:
        out.append(("quic", s))
    return out


def dnstcp_variant(case):
    n = case.name
    if case.strat == "dns-padded":           # above the flow cap
        q, at = dns_query(n, edns_pad=20000)
        return u16(len(q)) + q, at + 2
    if case.strat == "dns-two-msgs":
        a, _ = dns_query(decoy_for(n))
        q, at = dns_query(n)
        return u16(len(a)) + a + u16(len(q)) + q, len(a) + 2 + at + 2
    return None


def run_case(opt, spec):
    proto, strat, target = spec.split(":")
    case = Case(opt, proto, strat, target)
    try:
        if proto == "dns":
            r = run_dns(case)
        elif proto == "quic":
            r = run_quic(case)
        elif proto == "dnstcp" and strat in ("dns-padded", "dns-two-msgs",
                                             "dns-len-split"):
            r = run_dnstcp_special(case)
        else:
            r = run_tcp(case)
    except Exception as e:  # a broken case must not hide the others
        r = "error"
        case.detail = "%s: %s" % (type(e).__name__, e)
        if opt.verbose:
            traceback.print_exc()
    return spec, r, case.detail


def run_dnstcp_special(case):
    o = case.o
    conn = Tcp(o.net, case.dst, 53, case.v6)
    try:
        if not conn.connect():
            return "noconnect"
        if case.strat == "dns-len-split":
            P, sp = case.payloads()
            conn.seg(0, P[:1])
            time.sleep(0.01)
            conn.seg(1, P[1:])
            conn.sent_hi = len(P)
        else:
            P, sp = dnstcp_variant(case)
            conn.send_stream(P)
        got = lambda c: case.answered(c.data()[-(len(c.data())):]) is not None
        if case.strat == "dns-two-msgs":
            def second(c):
                d = c.data()
                if len(d) < 2:
                    return None
                n = struct.unpack("!H", d[:2])[0]
                return case.answered(d[2 + n:])
            got = lambda c: second(c) is not None
        for rto in (0.3, 0.6, 1.0):
            conn.pump(rto, until=got)
            if got(conn) or conn.reset:
                break
            if conn.acked < len(P):
                conn.send_stream(P[conn.acked:], off=conn.acked)
        if case.strat == "dns-two-msgs":
            d = conn.data()
            if len(d) >= 2:
                n = struct.unpack("!H", d[:2])[0]
                r = case.answered(d[2 + n:])
                if r:
                    return r
            return "reset" if conn.reset else "silent"
        r = case.answered(conn.data())
        return r or ("reset" if conn.reset else "silent")
    finally:
        conn.abort()
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--client", default="198.51.100.2")
    ap.add_argument("--client6", default="2001:db8:1::2")
    ap.add_argument("--server", default="203.0.113.2")
    ap.add_argument("--server6", default="2001:db8:2::2")
    ap.add_argument("--tls-port", type=int, default=443)
    ap.add_argument("--quic-port", type=int, default=443)
    ap.add_argument("--blocked", default="bad.example")
    ap.add_argument("--allowed", default="allowed.example")
    ap.add_argument("--url-host", default="share.example")
    ap.add_argument("--real-blocked", default="203.0.113.66")
    ap.add_argument("--real-allowed", default="203.0.113.80")
    ap.add_argument("--idle", type=float, default=11.0)
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("cases", nargs="*")
    opt = ap.parse_args()
    for a in (opt.server, opt.server6, opt.client, opt.client6):
        ok = a.startswith(("192.0.2.", "198.51.100.", "203.0.113.", "2001:db8:"))
        if not ok:
            sys.exit("evade.py: %s is not a documentation address" % a)
    if opt.list:
        for p, s in all_cases():
            print("%s:%s" % (p, s))
        return
    opt.net = Net(opt.iface, opt.client, opt.client6)
    cases = opt.cases
    lock = threading.Lock()
    todo = queue.Queue()
    for c in cases:
        todo.put(c)

    def worker():
        while True:
            try:
                spec = todo.get_nowait()
            except queue.Empty:
                return
            spec, r, d = run_case(opt, spec)
            with lock:
                print(spec, r, d, flush=True)

    ts = [threading.Thread(target=worker) for _ in range(max(1, opt.jobs))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    opt.net.stop = True


if __name__ == "__main__":
    main()
