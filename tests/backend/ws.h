/*
 * ws: the pure parts of gwbackend's WebSocket echo (RFC 6455).
 *
 * The opening handshake's Sec-WebSocket-Accept value (section 4.2.2:
 * base64 of the SHA-1 of the key and a fixed GUID), the frame header
 * (section 5.2) in both directions, and unmasking.  SHA-1 and base64 are
 * here because the libraries gw links have neither (libsodium has no
 * SHA-1) and the handshake needs nothing more.  No I/O, no allocation:
 * backend.c moves the bytes.
 */
#ifndef GWB_WS_H
#define GWB_WS_H

#include <stddef.h>
#include <stdint.h>

#define WS_SHA1_LEN	20
/* base64 of the SHA-1, 28 characters, and a NUL. */
#define WS_ACCEPT_LEN	29
/* The longest frame header: 2 bytes, 8 of extended length, 4 of mask. */
#define WS_HEAD_MAX	14

/* Opcodes, section 5.2. */
#define WS_OP_CONT	0x0
#define WS_OP_TEXT	0x1
#define WS_OP_BINARY	0x2
#define WS_OP_CLOSE	0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xa

/* Close codes, section 7.4.1. */
#define WS_CLOSE_PROTOCOL	1002
#define WS_CLOSE_TOO_BIG	1009

struct ws_frame {
	int		wf_fin;
	int		wf_rsv;		/* RSV1-3; 0 without extensions */
	int		wf_opcode;
	int		wf_masked;
	uint8_t		wf_mask[4];
	uint64_t	wf_len;		/* payload bytes */
	size_t		wf_hlen;	/* header bytes before the payload */
};

void	ws_sha1(const void *data, size_t len, uint8_t out[WS_SHA1_LEN]);
/*
 * Encodes len bytes as base64 (RFC 4648 section 4, padded) into out, which
 * must hold 4 * ((len + 2) / 3) + 1 bytes.  Returns the length written.
 */
size_t	ws_base64(const uint8_t *in, size_t len, char *out);
/*
 * Whether key is a valid Sec-WebSocket-Key: the base64 of 16 bytes
 * (section 4.1, item 7), so 24 characters ending in "==".
 */
int	ws_key_valid(const char *key);
/* The Sec-WebSocket-Accept value for key, NUL terminated. */
void	ws_accept(const char *key, char out[WS_ACCEPT_LEN]);
/*
 * Parses a frame header from the first len bytes of p.  Returns 1 and fills
 * *f, 0 when more bytes are needed, -1 when the 64-bit length has its most
 * significant bit set (section 5.2 forbids it).
 */
int	ws_frame_parse(const uint8_t *p, size_t len, struct ws_frame *f);
/*
 * Writes the header of an unmasked frame (servers never mask, section
 * 5.1) into out and returns its length.
 */
size_t	ws_frame_head(uint8_t out[WS_HEAD_MAX], int fin, int opcode,
	    uint64_t len);
/* XORs len bytes of p with the mask, in place (section 5.3). */
void	ws_unmask(uint8_t *p, size_t len, const uint8_t mask[4]);

#endif /* GWB_WS_H */
