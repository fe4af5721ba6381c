/* probe.c - the audit's queries, requests and handshakes, and how their
 * answers are read; see probe.h. */
#include <openssl/evp.h>
#include <string.h>

#include "engine/dns.h"
#include "core/bytes.h"
#include "audit/probe.h"
#include "core/util.h"

/* A cursor over an output buffer: writes past cap set `bad`. */
struct wbuf {
	uint8_t *p;
	size_t n, cap;
	bool bad;
};

static void
w_bytes(struct wbuf *w, const void *d, size_t n)
{
	if (w->bad || n > w->cap - w->n) {
		w->bad = true;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->n, d, n);
	w->n += n;
}

static void
w_u8(struct wbuf *w, unsigned v)
{
	uint8_t b = (uint8_t)v;

	w_bytes(w, &b, 1);
}

static void
w_u16(struct wbuf *w, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	w_bytes(w, b, 2);
}

/* Reserve a length field of `size` bytes; returns its offset. */
static size_t
w_len_open(struct wbuf *w, size_t size)
{
	size_t at = w->n;
	static const uint8_t z[3];

	w_bytes(w, z, size);
	return at;
}

/* Fill the length field at `at` (size bytes) with the bytes since. */
static void
w_len_close(struct wbuf *w, size_t at, size_t size)
{
	size_t len;

	if (w->bad)
		return;
	len = w->n - at - size;
	for (size_t i = 0; i < size; i++)
		w->p[at + i] = (uint8_t)(len >> (8 * (size - 1 - i)));
}

static int
w_done(const struct wbuf *w)
{
	return w->bad ? -1 : (int)w->n;
}

/* --- DNS ---------------------------------------------------------------- */

/* The name in wire form; false if it is not a usable name. */
static bool
w_dns_name(struct wbuf *w, const char *name)
{
	size_t total = 1;
	const char *s = name;

	if (*s == '\0')
		return false;
	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);
		if (n == 0 || n > DNS_LABEL_MAX) {
			if (n == 0 && dot == NULL)
				break;
			return false;
		}
		total += n + 1;
		w_u8(w, (unsigned)n);
		w_bytes(w, s, n);
		s += n;
		if (*s == '.')
			s++;
	}
	w_u8(w, 0);
	return total <= DNS_NAME_WIRE_MAX;
}

int
probe_dns_query(const char *name, uint16_t qtype, uint16_t id, bool edns,
    bool tcp, uint8_t *out, size_t cap)
{
	struct wbuf w = {out, 0, cap, false};
	size_t at = 0;

	if (tcp)
		at = w_len_open(&w, 2);
	w_u16(&w, id);
	w_u16(&w, 0x0100);		/* RD */
	w_u16(&w, 1);
	w_u16(&w, 0);
	w_u16(&w, 0);
	w_u16(&w, edns ? 1 : 0);
	if (!w_dns_name(&w, name))
		return -1;
	w_u16(&w, qtype);
	w_u16(&w, DNS_CLASS_IN);
	if (edns) {
		w_u8(&w, 0);		/* root */
		w_u16(&w, DNS_TYPE_OPT);
		w_u16(&w, DNS_ANSWER_UDP_SIZE);
		w_u16(&w, 0);		/* extended RCODE, version */
		w_u16(&w, 0);		/* DO clear */
		w_u16(&w, 0);		/* no options */
	}
	if (tcp)
		w_len_close(&w, at, 2);
	return w_done(&w);
}

/* Skip a (possibly compressed) name at *off. */
static bool
skip_name(const uint8_t *m, size_t len, size_t *off)
{
	size_t o = *off;

	for (unsigned hops = 0; hops < 128; hops++) {
		if (o >= len)
			return false;
		if (m[o] == 0) {
			*off = o + 1;
			return true;
		}
		if ((m[o] & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return false;
			*off = o + 2;	/* a pointer ends the name here */
			return true;
		}
		if (m[o] & 0xc0)
			return false;
		o += 1 + m[o];
	}
	return false;
}


/* The options of an OPT record's RDATA: the first EDE. */
static void
read_opt(const uint8_t *d, size_t len, struct probe_dns_reply *r)
{
	size_t o = 0;

	r->edns = true;
	while (o + 4 <= len) {
		uint16_t code = rd16(d + o), olen = rd16(d + o + 2);
		o += 4;
		if (olen > len - o)
			return;
		if (code == DNS_EDNS_OPT_EDE && olen >= 2 && !r->has_ede) {
			size_t t = 0;
			r->has_ede = true;
			r->ede = rd16(d + o);
			for (size_t i = 2; i < olen && t + 1 <
			    sizeof(r->ede_text); i++) {
				uint8_t c = d[o + i];
				r->ede_text[t++] = c >= 0x20 && c < 0x7f ?
				    (char)c : '?';
			}
			r->ede_text[t] = '\0';
		}
		o += olen;
	}
}

/* One resource record at *off; `section` 0 answer, 1 authority, 2 extra. */
static bool
read_rr(const uint8_t *m, size_t len, size_t *off, int section,
    struct probe_dns_reply *r)
{
	uint16_t type, rdlen;
	size_t o = *off;

	if (!skip_name(m, len, &o) || o + 10 > len)
		return false;
	type = rd16(m + o);
	rdlen = rd16(m + o + 8);
	o += 10;
	if (rdlen > len - o)
		return false;
	if (section == 0 && r->naddr < PROBE_ADDRS &&
	    ((type == DNS_TYPE_A && rdlen == 4) ||
	    (type == DNS_TYPE_AAAA && rdlen == 16))) {
		r->addr[r->naddr].family = rdlen == 4 ? 4 : 6;
		memcpy(r->addr[r->naddr].a, m + o, rdlen);
		r->naddr++;
	}
	if (section == 2 && type == DNS_TYPE_OPT)
		read_opt(m + o, rdlen, r);
	*off = o + rdlen;
	return true;
}

int
probe_dns_reply_parse(const uint8_t *m, size_t len, struct probe_dns_reply *r)
{
	uint16_t qd, counts[3];
	size_t off = DNS_HDR_LEN;

	memset(r, 0, sizeof(*r));
	if (len < DNS_HDR_LEN || !(m[2] & 0x80))
		return -1;
	r->id = rd16(m);
	r->rcode = m[3] & 0x0f;
	qd = rd16(m + 4);
	r->ancount = counts[0] = rd16(m + 6);
	counts[1] = rd16(m + 8);
	counts[2] = rd16(m + 10);
	for (unsigned i = 0; i < qd; i++) {
		if (!skip_name(m, len, &off) || off + 4 > len)
			return -1;
		off += 4;
	}
	for (int s = 0; s < 3; s++)
		for (unsigned i = 0; i < counts[s]; i++)
			if (!read_rr(m, len, &off, s, r))
				return -1;
	return 0;
}

bool
probe_dns_blocked(const struct probe_dns_reply *r, const struct probe_stop *st)
{
	if (r->has_ede && r->ede >= DNS_EDE_BLOCKED &&
	    r->ede <= DNS_EDE_PROHIBITED)
		return true;
	for (unsigned i = 0; st != NULL && i < r->naddr; i++) {
		if (r->addr[i].family == 4 && st->has4 &&
		    memcmp(r->addr[i].a, &st->a4, 4) == 0)
			return true;
		if (r->addr[i].family == 6 && st->has6 &&
		    memcmp(r->addr[i].a, &st->a6, 16) == 0)
			return true;
	}
	return false;
}

/* --- HTTP --------------------------------------------------------------- */

int
probe_http_request(const char *host, const char *path, char *out, size_t cap)
{
	int n;

	if (path[0] != '/' || strpbrk(path, " \r\n") != NULL ||
	    strpbrk(host, " \r\n/") != NULL || host[0] == '\0')
		return -1;
	n = snprintf(out, cap, "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: veto-audit\r\nAccept: */*\r\nConnection: close\r\n\r\n",
	    path, host);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* The value of a header in [p, end) (the header block, after the status
 * line), or NULL. */
static const uint8_t *
header_value(const uint8_t *p, const uint8_t *end, const char *name,
    size_t *vlen)
{
	size_t nl = strlen(name);

	while (p < end) {
		const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *lend = eol ? eol : end;
		if ((size_t)(lend - p) > nl && p[nl] == ':' &&
		    strncasecmp((const char *)p, name, nl) == 0) {
			const uint8_t *v = p + nl + 1;
			while (v < lend && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(lend - v);
			while (*vlen > 0 && (v[*vlen - 1] == '\r' ||
			    v[*vlen - 1] == ' '))
				(*vlen)--;
			return v;
		}
		p = lend + 1;
	}
	return NULL;
}

static bool
has_param(const uint8_t *v, size_t len, const char *param)
{
	const uint8_t *q = memchr(v, '?', len);
	size_t pl = strlen(param);

	if (q == NULL)
		return false;
	for (const uint8_t *p = q; p + pl < v + len; p++)
		if ((*p == '?' || *p == '&') && memcmp(p + 1, param, pl) == 0)
			return true;
	return false;
}

enum probe_http
probe_http_classify(const uint8_t *buf, size_t len, const char *stop_url,
    int *status)
{
	const uint8_t *hend, *loc;
	size_t loclen;
	int code;

	if (len >= 5 && memcmp(buf, "HTTP/", 5) != 0)
		return PROBE_HTTP_GARBAGE;
	if (len < 5 && memcmp(buf, "HTTP/", len) != 0)
		return PROBE_HTTP_GARBAGE;
	hend = memmem(buf, len, "\r\n\r\n", 4);
	if (hend == NULL)
		return PROBE_HTTP_NEED_MORE;
	/* "HTTP/1.1 302 ..." */
	if (hend - buf < 12 || buf[8] != ' ' || buf[9] < '1' || buf[9] > '5' ||
	    buf[10] < '0' || buf[10] > '9' || buf[11] < '0' || buf[11] > '9')
		return PROBE_HTTP_GARBAGE;
	code = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	*status = code;
	if (code == 451)
		return PROBE_HTTP_BLOCKED;
	if (code != 301 && code != 302 && code != 303 && code != 307 &&
	    code != 308)
		return PROBE_HTTP_PASSED;
	loc = header_value(buf, hend + 2, "Location", &loclen);
	if (loc == NULL)
		return PROBE_HTTP_PASSED;
	if (has_param(loc, loclen, "feed=") && has_param(loc, loclen, "entry="))
		return PROBE_HTTP_BLOCKED;
	if (stop_url != NULL && stop_url[0] != '\0' &&
	    loclen >= strlen(stop_url) &&
	    memcmp(loc, stop_url, strlen(stop_url)) == 0)
		return PROBE_HTTP_BLOCKED;
	return PROBE_HTTP_PASSED;
}

/* --- TLS ---------------------------------------------------------------- */

static void
ext_server_name(struct wbuf *w, const char *sni)
{
	size_t a, b, c;

	w_u16(w, 0x0000);
	a = w_len_open(w, 2);
	b = w_len_open(w, 2);
	w_u8(w, 0);		/* host_name */
	c = w_len_open(w, 2);
	w_bytes(w, sni, strlen(sni));
	w_len_close(w, c, 2);
	w_len_close(w, b, 2);
	w_len_close(w, a, 2);
}

static void
ext_list16(struct wbuf *w, unsigned type, const uint16_t *v, size_t n,
    int lenbytes)
{
	size_t a, b;

	w_u16(w, type);
	a = w_len_open(w, 2);
	b = w_len_open(w, (size_t)lenbytes);
	for (size_t i = 0; i < n; i++)
		w_u16(w, v[i]);
	w_len_close(w, b, (size_t)lenbytes);
	w_len_close(w, a, 2);
}

static void
ext_alpn(struct wbuf *w, const char *alpn)
{
	size_t a, b, c;

	w_u16(w, 0x0010);
	a = w_len_open(w, 2);
	b = w_len_open(w, 2);
	c = w_len_open(w, 1);
	w_bytes(w, alpn, strlen(alpn));
	w_len_close(w, c, 1);
	w_len_close(w, b, 2);
	w_len_close(w, a, 2);
}

static void
ext_key_share(struct wbuf *w, const uint8_t key[32])
{
	size_t a, b;

	w_u16(w, 0x0033);
	a = w_len_open(w, 2);
	b = w_len_open(w, 2);
	w_u16(w, 0x001d);	/* x25519 */
	w_u16(w, 32);
	w_bytes(w, key, 32);
	w_len_close(w, b, 2);
	w_len_close(w, a, 2);
}

/* QUIC transport parameters (RFC 9000 18.2), values as 1-byte varints
 * where they fit, else 2 or 4 bytes. */
static void
tp_varint(struct wbuf *w, uint64_t v)
{
	if (v < 64) {
		w_u8(w, (unsigned)v);
	} else if (v < 16384) {
		w_u16(w, (unsigned)(0x4000 | v));
	} else {
		w_u16(w, (unsigned)(0x8000 | (v >> 16)));
		w_u16(w, (unsigned)(v & 0xffff));
	}
}

static void
tp_int(struct wbuf *w, unsigned id, uint64_t v)
{
	uint8_t tmp[8];
	struct wbuf t = {tmp, 0, sizeof(tmp), false};

	tp_varint(&t, v);
	tp_varint(w, id);
	tp_varint(w, t.n);
	w_bytes(w, tmp, t.n);
}

static void
ext_quic_tp(struct wbuf *w, const uint8_t *scid, size_t scid_len)
{
	size_t a;

	w_u16(w, 0x0039);
	a = w_len_open(w, 2);
	tp_int(w, 0x01, 30000);		/* max_idle_timeout */
	tp_int(w, 0x04, 1048576);	/* initial_max_data */
	tp_int(w, 0x05, 262144);	/* ..._stream_data_bidi_local */
	tp_int(w, 0x06, 262144);	/* ..._stream_data_bidi_remote */
	tp_int(w, 0x07, 262144);	/* ..._stream_data_uni */
	tp_int(w, 0x08, 100);		/* initial_max_streams_bidi */
	tp_int(w, 0x09, 100);		/* initial_max_streams_uni */
	tp_varint(w, 0x0f);		/* initial_source_connection_id */
	tp_varint(w, scid_len);
	w_bytes(w, scid, scid_len);
	w_len_close(w, a, 2);
}

static void
hello_body(struct wbuf *w, const struct probe_hello *h)
{
	static const uint16_t suites13[] = {0x1301, 0x1302, 0x1303};
	static const uint16_t suites12[] = {0xc02b, 0xc02f, 0xc02c, 0xc030,
	    0xcca9, 0xcca8, 0x009c, 0x009d};
	static const uint16_t groups[] = {0x001d, 0x0017, 0x0018};
	static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503,
	    0x0805, 0x0501, 0x0806, 0x0601, 0x0807};
	static const uint16_t v13[] = {0x0304}, v1312[] = {0x0304, 0x0303};
	size_t cs, ex;

	w_u16(w, 0x0303);
	w_bytes(w, h->random, 32);
	w_u8(w, h->quic ? 0 : 32);
	if (!h->quic)
		w_bytes(w, h->session_id, 32);
	cs = w_len_open(w, 2);
	for (size_t i = 0; i < ARRAY_LEN(suites13); i++)
		w_u16(w, suites13[i]);
	for (size_t i = 0; !h->quic && i < ARRAY_LEN(suites12); i++)
		w_u16(w, suites12[i]);
	w_len_close(w, cs, 2);
	w_u8(w, 1);		/* compression: null */
	w_u8(w, 0);
	ex = w_len_open(w, 2);
	if (h->sni != NULL)
		ext_server_name(w, h->sni);
	ext_list16(w, 0x000a, groups, ARRAY_LEN(groups), 2);
	if (!h->quic) {
		w_u16(w, 0x000b);	/* ec_point_formats: uncompressed */
		w_u16(w, 2);
		w_u8(w, 1);
		w_u8(w, 0);
	}
	ext_list16(w, 0x000d, sigalgs, ARRAY_LEN(sigalgs), 2);
	if (h->alpn != NULL)
		ext_alpn(w, h->alpn);
	if (h->quic)
		ext_list16(w, 0x002b, v13, 1, 1);
	else
		ext_list16(w, 0x002b, v1312, 2, 1);
	w_u16(w, 0x002d);		/* psk_key_exchange_modes: psk_dhe_ke */
	w_u16(w, 2);
	w_u8(w, 1);
	w_u8(w, 1);
	ext_key_share(w, h->key_share);
	if (h->quic)
		ext_quic_tp(w, h->scid, h->scid_len);
	w_len_close(w, ex, 2);
}

int
probe_client_hello(const struct probe_hello *h, uint8_t *out, size_t cap)
{
	struct wbuf w = {out, 0, cap, false};
	size_t rec = 0, hs;

	if (h->sni != NULL && (h->sni[0] == '\0' || strlen(h->sni) > 255))
		return -1;
	if (h->alpn != NULL && (h->alpn[0] == '\0' || strlen(h->alpn) > 255))
		return -1;
	if (h->quic && (h->scid == NULL || h->scid_len > QUIC_CID_MAX))
		return -1;
	if (!h->quic) {
		w_u8(&w, 22);		/* handshake record */
		w_u16(&w, 0x0301);
		rec = w_len_open(&w, 2);
	}
	w_u8(&w, 1);			/* ClientHello */
	hs = w_len_open(&w, 3);
	hello_body(&w, h);
	w_len_close(&w, hs, 3);
	if (!h->quic)
		w_len_close(&w, rec, 2);
	return w_done(&w);
}

enum probe_tls
probe_tls_classify(const uint8_t *buf, size_t len)
{
	if (len == 0)
		return PROBE_TLS_NEED_MORE;
	if (buf[0] == 21)
		return PROBE_TLS_ALERT;
	if (buf[0] != 22)
		return PROBE_TLS_OTHER;
	if (len < 6)
		return PROBE_TLS_NEED_MORE;
	if (buf[1] != 3)
		return PROBE_TLS_OTHER;
	return buf[5] == 2 ? PROBE_TLS_SERVER_HELLO : PROBE_TLS_OTHER;
}

/* --- QUIC --------------------------------------------------------------- */

static int
seal(const struct quic_keys *k, uint8_t *pkt, size_t hdr_len, size_t pn_off,
    size_t plain_len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t mask[32];
	int outl, ok;

	if (c == NULL)
		return -1;
	/* packet number 0: the nonce is the IV itself */
	ok = EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k->key, k->iv) > 0 &&
	    EVP_EncryptUpdate(c, NULL, &outl, pkt, (int)hdr_len) > 0 &&
	    EVP_EncryptUpdate(c, pkt + hdr_len, &outl, pkt + hdr_len,
	    (int)plain_len) > 0 &&
	    EVP_EncryptFinal_ex(c, pkt + hdr_len + outl, &outl) > 0 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16,
	    pkt + hdr_len + plain_len) > 0 &&
	    EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k->hp, NULL) > 0 &&
	    EVP_EncryptUpdate(c, mask, &outl, pkt + pn_off + 4, 16) > 0;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return -1;
	pkt[0] ^= mask[0] & 0x0f;
	pkt[pn_off] ^= mask[1];
	pkt[pn_off + 1] ^= mask[2];
	return 0;
}

int
probe_quic_initial(struct quic_ctx *qc, const uint8_t *dcid, size_t dcid_len,
    const uint8_t *scid, size_t scid_len, const uint8_t *crypto,
    size_t crypto_len, uint8_t *out, size_t cap)
{
	struct wbuf w = {out, 0, cap, false};
	struct quic_keys k;
	size_t hdr_len, pn_off, plain_len;

	if (dcid_len < 8 || dcid_len > QUIC_CID_MAX || scid_len > QUIC_CID_MAX ||
	    cap < PROBE_INITIAL_LEN || crypto_len > 1000)
		return -1;
	if (quic_keys_derive(qc, QUIC_V1, dcid, dcid_len, &k) == -1)
		return -1;
	w_u8(&w, 0xc1);			/* Initial, 2-byte packet number */
	w_u16(&w, QUIC_V1 >> 16);
	w_u16(&w, QUIC_V1 & 0xffff);
	w_u8(&w, (unsigned)dcid_len);
	w_bytes(&w, dcid, dcid_len);
	w_u8(&w, (unsigned)scid_len);
	w_bytes(&w, scid, scid_len);
	w_u8(&w, 0);			/* no token */
	hdr_len = w.n + 2 + 2;		/* Length (2-byte varint), pn */
	plain_len = PROBE_INITIAL_LEN - hdr_len - 16;
	w_u16(&w, (unsigned)(0x4000 | (plain_len + 2 + 16)));
	pn_off = w.n;
	w_u16(&w, 0);			/* packet number 0 */
	w_u8(&w, 0x06);			/* CRYPTO, offset 0 */
	w_u8(&w, 0);
	w_u16(&w, (unsigned)(0x4000 | crypto_len));
	w_bytes(&w, crypto, crypto_len);
	while (!w.bad && w.n < hdr_len + plain_len)
		w_u8(&w, 0);		/* PADDING */
	if (w.bad || seal(&k, out, hdr_len, pn_off, plain_len) == -1)
		return -1;
	return PROBE_INITIAL_LEN;
}
