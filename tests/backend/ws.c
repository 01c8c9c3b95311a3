/*
 * ws: SHA-1, base64 and RFC 6455 frame headers for gwbackend.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ws.h"

/* RFC 6455 section 1.3: appended to the key before hashing. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static const char ws_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static uint32_t
ws_rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

/* One 64-byte block of SHA-1, FIPS 180-4 section 6.1.2. */
static void
ws_sha1_block(uint32_t h[5], const uint8_t *p)
{
	uint32_t	w[80], a, b, c, d, e, f, k, t;
	int		i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = ws_rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = ws_rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = ws_rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void
ws_sha1(const void *data, size_t len, uint8_t out[WS_SHA1_LEN])
{
	const uint8_t	*p = data;
	uint32_t	 h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe,
			    0x10325476, 0xc3d2e1f0 };
	uint8_t		 last[128];
	uint64_t	 bits = (uint64_t)len * 8;
	size_t		 rest, n, i;

	for (; len >= 64; p += 64, len -= 64)
		ws_sha1_block(h, p);
	/* Padding: 0x80, zeros, then the length in bits, big endian. */
	rest = len;
	memset(last, 0, sizeof(last));
	memcpy(last, p, rest);
	last[rest] = 0x80;
	n = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		last[n - 1 - i] = (uint8_t)(bits >> (8 * i));
	ws_sha1_block(h, last);
	if (n == 128)
		ws_sha1_block(h, last + 64);
	for (i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

size_t
ws_base64(const uint8_t *in, size_t len, char *out)
{
	size_t		i, o = 0;
	uint32_t	v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = ws_b64[v >> 18 & 0x3f];
		out[o++] = ws_b64[v >> 12 & 0x3f];
		out[o++] = ws_b64[v >> 6 & 0x3f];
		out[o++] = ws_b64[v & 0x3f];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = ws_b64[v >> 18 & 0x3f];
		out[o++] = ws_b64[v >> 12 & 0x3f];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = ws_b64[v >> 18 & 0x3f];
		out[o++] = ws_b64[v >> 12 & 0x3f];
		out[o++] = ws_b64[v >> 6 & 0x3f];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

int
ws_key_valid(const char *key)
{
	size_t	i;

	if (strlen(key) != 24 || strcmp(key + 22, "==") != 0)
		return 0;
	for (i = 0; i < 22; i++)
		if (strchr(ws_b64, key[i]) == NULL)
			return 0;
	/*
	 * The last character before the padding carries 2 bits of data
	 * and 4 zero bits: only every sixteenth letter is canonical.
	 */
	return (strchr(ws_b64, key[21]) - ws_b64) % 16 == 0;
}

void
ws_accept(const char *key, char out[WS_ACCEPT_LEN])
{
	char	buf[64 + sizeof(ws_guid)];
	uint8_t	sum[WS_SHA1_LEN];
	size_t	klen = strlen(key);

	if (klen > 64)
		klen = 64;	/* callers check ws_key_valid() first */
	memcpy(buf, key, klen);
	memcpy(buf + klen, ws_guid, sizeof(ws_guid) - 1);
	ws_sha1(buf, klen + sizeof(ws_guid) - 1, sum);
	ws_base64(sum, sizeof(sum), out);
}

int
ws_frame_parse(const uint8_t *p, size_t len, struct ws_frame *f)
{
	size_t	need, i;

	if (len < 2)
		return 0;
	memset(f, 0, sizeof(*f));
	f->wf_fin = p[0] >> 7;
	f->wf_rsv = p[0] >> 4 & 0x7;
	f->wf_opcode = p[0] & 0xf;
	f->wf_masked = p[1] >> 7;
	f->wf_len = p[1] & 0x7f;
	need = 2;
	if (f->wf_len == 126)
		need += 2;
	else if (f->wf_len == 127)
		need += 8;
	if (f->wf_masked)
		need += 4;
	if (len < need)
		return 0;
	if (f->wf_len == 126)
		f->wf_len = (uint64_t)p[2] << 8 | p[3];
	else if (f->wf_len == 127) {
		if (p[2] & 0x80)
			return -1;
		f->wf_len = 0;
		for (i = 0; i < 8; i++)
			f->wf_len = f->wf_len << 8 | p[2 + i];
	}
	if (f->wf_masked)
		memcpy(f->wf_mask, p + need - 4, 4);
	f->wf_hlen = need;
	return 1;
}

size_t
ws_frame_head(uint8_t out[WS_HEAD_MAX], int fin, int opcode, uint64_t len)
{
	size_t	n, i;

	out[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0xf));
	if (len < 126) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = 127;
	for (n = 2, i = 0; i < 8; i++)
		out[n++] = (uint8_t)(len >> (8 * (7 - i)));
	return n;
}

void
ws_unmask(uint8_t *p, size_t len, const uint8_t mask[4])
{
	size_t	i;

	for (i = 0; i < len; i++)
		p[i] ^= mask[i & 3];
}
