#include "handshake.h"

#include <string.h>
#include <sys/random.h>

#include "clock.h"

static const char WS_GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static inline uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

/* One 64-byte block into the state `h`. */
static void sha1_block(uint32_t h[5], const uint8_t *p) {
  uint32_t w[80];
  for (int i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 80; i++) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t t = rotl(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = t;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

void sha1(const uint8_t *message, size_t len, uint8_t digest[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  size_t whole = len / 64 * 64;
  for (size_t at = 0; at < whole; at += 64) sha1_block(h, message + at);
  /* The tail, the 0x80 marker, zero padding and the length in bits (big-endian) fill one or two blocks. */
  uint8_t tail[128] = {0};
  size_t rest = len - whole;
  memcpy(tail, message + whole, rest);
  tail[rest] = 0x80;
  size_t blocks = rest + 1 + 8 <= 64 ? 1 : 2;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) tail[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
  for (size_t b = 0; b < blocks; b++) sha1_block(h, tail + 64 * b);
  for (int i = 0; i < 5; i++) {
    digest[4 * i] = (uint8_t)(h[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(h[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(h[i] >> 8);
    digest[4 * i + 3] = (uint8_t)h[i];
  }
}

void base64_encode(const uint8_t *bytes, size_t len, char *out) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t n = (uint32_t)bytes[i] << 16;
    if (i + 1 < len) n |= (uint32_t)bytes[i + 1] << 8;
    if (i + 2 < len) n |= bytes[i + 2];
    out[o++] = alphabet[(n >> 18) & 63];
    out[o++] = alphabet[(n >> 12) & 63];
    out[o++] = i + 1 < len ? alphabet[(n >> 6) & 63] : '=';
    out[o++] = i + 2 < len ? alphabet[n & 63] : '=';
  }
  out[o] = '\0';
}

void ws_make_key(char key[WS_KEY_CHARS + 1]) {
  uint8_t nonce[16];
  if (getrandom(nonce, sizeof nonce, GRND_NONBLOCK) != (ssize_t)sizeof nonce) {
    /* No entropy yet: the key only has to differ between connections. */
    uint64_t x = (uint64_t)now_ns() ^ (uint64_t)(uintptr_t)key;
    for (size_t i = 0; i < sizeof nonce; i++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      nonce[i] = (uint8_t)x;
    }
  }
  base64_encode(nonce, sizeof nonce, key);
}

void ws_accept_of(const char *key, char accept[WS_ACCEPT_CHARS + 1]) {
  uint8_t joined[WS_KEY_CHARS + sizeof WS_GUID];
  size_t key_len = strlen(key);
  if (key_len > WS_KEY_CHARS) key_len = WS_KEY_CHARS;
  memcpy(joined, key, key_len);
  memcpy(joined + key_len, WS_GUID, sizeof WS_GUID - 1);
  uint8_t digest[20];
  sha1(joined, key_len + sizeof WS_GUID - 1, digest);
  base64_encode(digest, sizeof digest, accept);
}
