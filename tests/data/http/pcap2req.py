#!/usr/bin/env python3
"""pcap2req.py PCAP PORT OUTDIR PREFIX

Write the client-to-server TCP payload of every connection to PORT in PCAP
(Ethernet or Linux cooked, IPv4/IPv6) as OUTDIR/PREFIX-N.http (N = 1, 2, ...
in order of the connections' first packet), bytes in sequence order.
"""
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        linktype = struct.unpack(endian + "I", hdr[20:24])[0]
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            _, _, caplen, _ = struct.unpack(endian + "IIII", rec)
            yield linktype, f.read(caplen)


def ip_payload(linktype, frame):
    if linktype == 1:		# Ethernet
        etype, off = struct.unpack("!H", frame[12:14])[0], 14
    elif linktype == 113:	# Linux cooked
        etype, off = struct.unpack("!H", frame[14:16])[0], 16
    else:
        raise SystemExit("unsupported link type %d" % linktype)
    return etype, frame[off:]


def tcp_segment(etype, ip):
    if etype == 0x0800:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        if ip[9] != 6:
            return None
        src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:total]
    elif etype == 0x86DD:
        plen = struct.unpack("!H", ip[4:6])[0]
        if ip[6] != 6:
            return None
        src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + plen]
    else:
        return None
    sport, dport, seq = struct.unpack("!HHI", tcp[:8])
    doff = (tcp[12] >> 4) * 4
    flags = tcp[13]
    return (src, sport, dst, dport), seq, flags, tcp[doff:]


def main():
    path, port, outdir, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    flows = {}
    order = []
    for linktype, frame in packets(path):
        etype, ip = ip_payload(linktype, frame)
        seg = tcp_segment(etype, ip)
        if seg is None or seg[0][3] != port:
            continue
        key, seq, flags, data = seg
        if flags & 0x02:		# SYN: a new connection
            flows[key] = {"isn": seq, "bytes": {}}
            order.append(key)
            continue
        if key not in flows or not data:
            continue
        flows[key]["bytes"][(seq - flows[key]["isn"] - 1) & 0xFFFFFFFF] = data
    n = 0
    for key in order:
        chunks = flows[key]["bytes"]
        if not chunks:
            continue
        out, pos = bytearray(), 0
        for off in sorted(chunks):
            data = chunks[off]
            if off + len(data) <= pos:
                continue
            out += data[pos - off:] if off < pos else data
            pos = off + len(data)
        n += 1
        with open("%s/%s-%d.http" % (outdir, prefix, n), "wb") as f:
            f.write(out)


main()
