/*
 * The WebSocket opening handshake of RFC 6455 as a client does it: a random
 * Sec-WebSocket-Key, and the Sec-WebSocket-Accept the server must answer with
 * (base64 of the SHA-1 of the key and the protocol's GUID).
 */
#ifndef LOADGEN_HANDSHAKE_H
#define LOADGEN_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

/* Length of a key and of an accept value, without the NUL. */
#define WS_KEY_CHARS 24
#define WS_ACCEPT_CHARS 28

/* SHA-1 (FIPS 180-4) of `len` bytes into `digest`. */
void sha1(const uint8_t *message, size_t len, uint8_t digest[20]);
/* Standard base64 (with padding) of `len` bytes into `out` (4 × ceil(len/3) chars and a NUL). */
void base64_encode(const uint8_t *bytes, size_t len, char *out);
/* A fresh Sec-WebSocket-Key from 16 random bytes. */
void ws_make_key(char key[WS_KEY_CHARS + 1]);
/* The Sec-WebSocket-Accept a server must send for `key`. */
void ws_accept_of(const char *key, char accept[WS_ACCEPT_CHARS + 1]);

#endif
