#!/usr/bin/env python3
"""Extract the client side of the captured flows (see capture.sh).

TCP: the client's bytes sent before the server's first byte (the first
flight: the ClientHello, possibly over several segments) go to
tls/raw_<n>_<name>.bin, with the segment sizes printed.
UDP: the client's first four datagrams go to quic/<client>_<k>.bin, one file
per datagram, with their position relative to the server's datagrams printed.
Files are named after the client, told apart by what the capture script
runs: the SNI for TCP (chromium_<n> for Chromium's connections), for UDP the
version (0x6b3343cf: ngtcp2 v2) and the size of the first datagram
(ngtcp2 pads to 1200 bytes, Chromium to 1250; chrome_quic<n> for its
n-th connection).

Only the standard library; pcap (not pcapng) with Ethernet, Linux SLL or
raw IP link types, IPv4 only (the capture runs on 127.0.0.1).
"""
import re
import struct
import sys

PORT = 8443
TCP_NAMES = {
    "openssl.example.com": "openssl_tls13",
    "tls12.example.com": "openssl_tls12",
    "noname": "openssl_nosni",
    "curl.example.org": "curl",
}


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            ip = frame[14:]
        elif linktype == 113:
            ip = frame[16:]
        elif linktype == 101:
            ip = frame
        else:
            raise SystemExit("unsupported link type %d" % linktype)
        if len(ip) < 20 or ip[0] >> 4 != 4:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        proto = ip[9]
        l4 = ip[ihl:total]
        if proto == 6:
            sport, dport, seq = struct.unpack(">HHI", l4[:8])
            doff = (l4[12] >> 4) * 4
            yield "tcp", sport, dport, seq, l4[doff:]
        elif proto == 17:
            sport, dport = struct.unpack(">HH", l4[:4])
            yield "udp", sport, dport, 0, l4[8:]


def main():
    pcap, outdir = sys.argv[1], sys.argv[2]
    tcp = {}     # client port -> {"segs": [(seq, payload)], "done": bool}
    udp = {}     # client port -> list of (direction, payload)
    order = []
    for proto, sport, dport, seq, payload in packets(pcap):
        client = dport if sport == PORT else sport
        from_client = dport == PORT
        key = (proto, client)
        if key not in order:
            order.append(key)
        if proto == "tcp":
            st = tcp.setdefault(client, {"segs": [], "done": False})
            if not payload or st["done"]:
                continue
            if from_client:
                if all(s != seq for s, _ in st["segs"]):
                    st["segs"].append((seq, payload))
            else:
                st["done"] = True
        else:
            udp.setdefault(client, []).append((from_client, payload))
    n = 0
    chromium = 0
    chrome_quic = 0
    for proto, client in order:
        n += 1
        if proto == "tcp":
            segs = sorted(tcp[client]["segs"])
            data = b"".join(p for _, p in segs)
            if not data:
                continue
            m = re.search(rb"[a-z0-9-]+\.example\.(com|org|net)", data)
            name = m.group(0).decode() if m else "noname"
            if name.startswith("chromium"):
                chromium += 1
                name = "chromium_%d" % chromium
            else:
                name = TCP_NAMES.get(name, name)
            path = "%s/tls/%s.bin" % (outdir, name)
            with open(path, "wb") as f:
                f.write(data)
            print(path, len(data), "bytes in segments",
                  [len(p) for _, p in segs])
        else:
            k = 0
            seen_server = 0
            first = next(p for c, p in udp[client] if c)
            if first[1:5].hex() == "6b3343cf":
                name = "ngtcp2_v2"
            elif len(first) == 1200:
                name = "ngtcp2_v1"
            else:
                chrome_quic += 1
                name = "chrome_quic%d" % chrome_quic
            for from_client, payload in udp[client]:
                if not from_client:
                    seen_server += 1
                    continue
                k += 1
                if k > 4:
                    break
                ver = payload[1:5].hex() if payload[0] & 0x80 else "short"
                path = "%s/quic/%s_%d.bin" % (outdir, name, k)
                with open(path, "wb") as f:
                    f.write(payload)
                print(path, len(payload), "bytes, first byte %02x version %s,"
                      " after %d server datagrams" % (payload[0], ver,
                                                      seen_server))


main()
