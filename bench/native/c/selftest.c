#include "selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "handshake.h"
#include "histogram.h"
#include "lines.h"
#include "publisher.h"

static int failures;
static int checks;

#define CHECK(cond, ...)                  \
  do {                                    \
    checks++;                             \
    if (!(cond)) {                        \
      failures++;                         \
      printf("self-test FAIL: ");         \
      printf(__VA_ARGS__);                \
      printf(" (%s:%d)\n", __FILE__, __LINE__); \
    }                                     \
  } while (0)

static void hex(const uint8_t *bytes, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", bytes[i]);
}

static void test_sha1(void) {
  static const struct {
    const char *in;
    const char *digest;
  } vectors[] = {
      {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
      {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
  };
  for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
    uint8_t digest[20];
    char text[41];
    sha1((const uint8_t *)vectors[i].in, strlen(vectors[i].in), digest);
    hex(digest, 20, text);
    CHECK(strcmp(text, vectors[i].digest) == 0, "sha1(\"%s\") = %s", vectors[i].in, text);
  }
  /* A million 'a's: many whole blocks. */
  size_t n = 1000000;
  uint8_t *many = malloc(n);
  memset(many, 'a', n);
  uint8_t digest[20];
  char text[41];
  sha1(many, n, digest);
  hex(digest, 20, text);
  free(many);
  CHECK(strcmp(text, "34aa973cd4c4daa4f61eeb2bdbad27316534016f") == 0, "sha1(a × 10^6) = %s", text);
  char accept[WS_ACCEPT_CHARS + 1];
  ws_accept_of("dGhlIHNhbXBsZSBub25jZQ==", accept); /* RFC 6455, section 1.3 */
  CHECK(strcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0, "accept = %s", accept);
  char key[WS_KEY_CHARS + 1];
  ws_make_key(key);
  CHECK(strlen(key) == WS_KEY_CHARS && key[22] == '=' && key[23] == '=', "key = %s", key);
}

static void test_histogram(void) {
  static histogram_t h;
  hist_reset(&h);
  for (uint64_t v = 1; v <= 100000; v++) hist_record(&h, v);
  uint64_t p50 = hist_percentile(&h, 50), p99 = hist_percentile(&h, 99), p100 = hist_percentile(&h, 100);
  CHECK(p50 >= 50000 && p50 <= 50000 + 50000 / 1024 + 1, "p50 of 1..100000 = %llu", (unsigned long long)p50);
  CHECK(p99 >= 99000 && p99 <= 99000 + 99000 / 1024 + 1, "p99 of 1..100000 = %llu", (unsigned long long)p99);
  CHECK(p100 == 100000 && h.max == 100000, "max = %llu", (unsigned long long)p100);
  CHECK(h.total == 100000 && hist_mean(&h) > 50000 && hist_mean(&h) < 50001, "mean = %f", hist_mean(&h));
  /* Every value lands in a bucket whose top is within 1/1024 above it. */
  int bad = 0;
  for (uint64_t v = 1; v < (UINT64_C(1) << 34) && !bad; v = v * 3 / 2 + 1) {
    hist_reset(&h);
    hist_record(&h, v);
    h.max = HIST_MAX_US; /* so the percentile shows the bucket's top */
    uint64_t top = hist_percentile(&h, 50);
    uint64_t expect = v > HIST_MAX_US ? HIST_MAX_US : v;
    if (top < expect || (double)(top - expect) > (double)expect / 1024 + 1) bad = 1;
    CHECK(!bad, "value %llu reads back as %llu", (unsigned long long)v, (unsigned long long)top);
  }
  static histogram_t a, b;
  hist_reset(&a);
  hist_reset(&b);
  hist_record(&a, 10);
  hist_record(&b, 30);
  hist_add(&a, &b);
  CHECK(a.total == 2 && a.max == 30 && hist_percentile(&a, 50) == 10, "merge: total %llu max %llu", (unsigned long long)a.total, (unsigned long long)a.max);
}

static void test_lines(void) {
  const char *stamp = "123456789.012";
  CHECK(parse_stamp_us((const uint8_t *)stamp, (const uint8_t *)stamp + strlen(stamp)) == 123456789012LL, "stamp 123456789.012");
  const char *whole = "42,";
  CHECK(parse_stamp_us((const uint8_t *)whole, (const uint8_t *)whole + 3) == 42000, "stamp 42");
  const char *short_fraction = "7.5}";
  CHECK(parse_stamp_us((const uint8_t *)short_fraction, (const uint8_t *)short_fraction + 4) == 7500, "stamp 7.5");
  CHECK(parse_stamp_us((const uint8_t *)"x", (const uint8_t *)"x" + 1) == -1, "no digits");

  char payload[256];
  size_t n = make_payload(payload, 123456789012LL, 42, 100);
  payload[n] = '\0';
  CHECK(n == 100 && strncmp(payload, "{\"t\":123456789.012,\"n\":42,\"p\":\"xx", 33) == 0 && payload[99] == '}', "payload %s", payload);
  n = make_payload(payload, 5, 0, 10);
  payload[n] = '\0';
  CHECK(strcmp(payload, "{\"t\":0.005,\"n\":0,\"p\":\"\"}") == 0, "short payload %s", payload);

  char push[300];
  int len = snprintf(push, sizeof push, "{\"push\":{\"channel\":\"bench-0\",\"pub\":{\"data\":%s}}}", "{\"t\":1000.250,\"n\":1,\"p\":\"xx\"}");
  line_t line = classify_line((const uint8_t *)push, (size_t)len);
  CHECK(line.kind == LINE_PUBLICATION && line.stamp_us == 1000250, "push: kind %d stamp %lld", line.kind, (long long)line.stamp_us);
  const char *nostamp = "{\"push\":{\"channel\":\"c\",\"join\":{}}}";
  line = classify_line((const uint8_t *)nostamp, strlen(nostamp));
  CHECK(line.kind == LINE_PUBLICATION && line.stamp_us == -1, "push without stamp");
  line = classify_line((const uint8_t *)"{}", 2);
  CHECK(line.kind == LINE_PING, "ping");
  const char *reply = "{\"id\":2,\"subscribe\":{}}";
  line = classify_line((const uint8_t *)reply, strlen(reply));
  CHECK(line.kind == LINE_REPLY && line.id == 2 && line.subscribe, "subscribe reply");
  const char *connect = "{\"id\":1,\"connect\":{\"client\":\"x\"}}";
  line = classify_line((const uint8_t *)connect, strlen(connect));
  CHECK(line.kind == LINE_REPLY && line.id == 1 && !line.subscribe, "connect reply");
  const char *error = "{\"id\":2,\"error\":{\"code\":103,\"message\":\"permission denied\"}}";
  line = classify_line((const uint8_t *)error, strlen(error));
  CHECK(line.kind == LINE_ERROR && line.id == 2, "error reply");
  line = classify_line((const uint8_t *)"garbage", 7);
  CHECK(line.kind == LINE_OTHER, "not JSON");
}

/* What the frame reader handed out, as a transcript. */
typedef struct {
  char log[8192];
  size_t used;
} transcript_t;

static int note_message(void *ctx, uint8_t opcode, const uint8_t *p, size_t len) {
  transcript_t *t = ctx;
  t->used += (size_t)snprintf(t->log + t->used, sizeof t->log - t->used, "M%u:%zu:%.*s|", opcode, len, (int)(len > 40 ? 40 : len), (const char *)p);
  return 0;
}

static int note_control(void *ctx, uint8_t opcode, const uint8_t *p, size_t len) {
  transcript_t *t = ctx;
  t->used += (size_t)snprintf(t->log + t->used, sizeof t->log - t->used, "C%u:%zu:%.*s|", opcode, len, (int)len, (const char *)p);
  return 0;
}

static const ws_sink_t NOTE = {.on_message = note_message, .on_control = note_control};

/* A server frame (unmasked unless mask is nonzero). */
static size_t server_frame(uint8_t *out, int fin, uint8_t opcode, const void *payload, size_t len, uint32_t mask) {
  size_t at = 0;
  out[at++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
  uint8_t masked = mask ? 0x80 : 0;
  if (len < 126) {
    out[at++] = (uint8_t)(masked | len);
  } else if (len < 65536) {
    out[at++] = masked | 126;
    out[at++] = (uint8_t)(len >> 8);
    out[at++] = (uint8_t)len;
  } else {
    out[at++] = masked | 127;
    for (int i = 7; i >= 0; i--) out[at++] = (uint8_t)((uint64_t)len >> (8 * i));
  }
  const uint8_t *bytes = payload;
  uint8_t key[4] = {(uint8_t)(mask >> 24), (uint8_t)(mask >> 16), (uint8_t)(mask >> 8), (uint8_t)mask};
  if (mask) {
    memcpy(out + at, key, 4);
    at += 4;
  }
  for (size_t i = 0; i < len; i++) out[at + i] = mask ? bytes[i] ^ key[i & 3] : bytes[i];
  return at + len;
}

/* Feeds `stream` to a fresh reader in pieces cut at `cut` (and the rest at once), keeping partial frames as a socket reader does. */
static void feed(const uint8_t *stream, size_t len, size_t cut, transcript_t *t, int *status) {
  ws_reader_t reader = {0};
  buffer_t held = {0};
  size_t at = 0;
  *status = WS_READ_OK;
  while (at < len && *status == WS_READ_OK) {
    size_t piece = cut && len - at > cut ? cut : len - at;
    buffer_append(&held, stream + at, piece);
    at += piece;
    size_t used, need;
    *status = ws_read(&reader, buffer_start(&held), held.len, &NOTE, t, &used, &need);
    buffer_consume(&held, used);
  }
  CHECK(held.len == 0 || *status != WS_READ_OK, "bytes left over after the last frame: %zu", held.len);
  buffer_free(&held);
  ws_reader_free(&reader);
}

static void test_frames(void) {
  static uint8_t stream[200000];
  size_t len = 0;
  const char *two = "{\"push\":{\"pub\":{\"data\":{\"t\":1.000}}}}\n{\"push\":{\"pub\":{\"data\":{\"t\":2.000}}}}";
  len += server_frame(stream + len, 1, WS_OP_TEXT, two, strlen(two), 0);
  len += server_frame(stream + len, 0, WS_OP_TEXT, "frag-", 5, 0);
  len += server_frame(stream + len, 1, WS_OP_PING, "hi", 2, 0); /* a control frame between fragments */
  len += server_frame(stream + len, 0, WS_OP_CONTINUATION, "ment", 4, 0x11223344);
  len += server_frame(stream + len, 1, WS_OP_CONTINUATION, "ed", 2, 0);
  char medium[300];
  memset(medium, 'm', sizeof medium);
  len += server_frame(stream + len, 1, WS_OP_TEXT, medium, sizeof medium, 0);
  len += server_frame(stream + len, 1, WS_OP_TEXT, "", 0, 0);
  uint8_t close_payload[] = {0x0f, 0xa0, 'b', 'y', 'e'}; /* 4000 */
  len += server_frame(stream + len, 1, WS_OP_CLOSE, close_payload, sizeof close_payload, 0);
  size_t small_len = len;

  transcript_t whole = {0};
  int status;
  feed(stream, small_len, 0, &whole, &status);
  CHECK(status == WS_READ_OK, "status %d", status);
  const char *expected_start = "M1:";
  CHECK(strncmp(whole.log, expected_start, 3) == 0 && strstr(whole.log, "C9:2:hi|M1:11:frag-mented|") && strstr(whole.log, "M1:300:mmmm") &&
            strstr(whole.log, "M1:0:|") && strstr(whole.log, "C8:5:"),
        "transcript %s", whole.log);
  /* Every split point gives the same transcript. */
  for (size_t cut = 1; cut < small_len; cut++) {
    transcript_t t = {0};
    feed(stream, small_len, cut, &t, &status);
    CHECK(status == WS_READ_OK && strcmp(t.log, whole.log) == 0, "cut every %zu bytes: %s", cut, t.log);
    if (failures) break;
  }
  /* A 70,000-byte frame (64-bit length), in pieces of various sizes. */
  static char large[70000];
  memset(large, 'L', sizeof large);
  len = server_frame(stream, 1, WS_OP_TEXT, large, sizeof large, 0);
  size_t cuts[] = {1, 7, 1000, 65536, 69999, 0};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    if (cuts[i] == 1) {
      /* Byte by byte through the header only, then the rest. */
      transcript_t t = {0};
      ws_reader_t reader = {0};
      size_t used, need;
      ws_read_status_t s = ws_read(&reader, stream, 5, &NOTE, &t, &used, &need);
      CHECK(s == WS_READ_OK && used == 0 && need == 0, "partial 64-bit header");
      s = ws_read(&reader, stream, 12, &NOTE, &t, &used, &need);
      CHECK(s == WS_READ_OK && used == 0 && need == 10 + sizeof large, "need %zu", need);
      s = ws_read(&reader, stream, len, &NOTE, &t, &used, &need);
      CHECK(s == WS_READ_OK && used == len && strncmp(t.log, "M1:70000:LLLL", 13) == 0, "large frame");
      ws_reader_free(&reader);
      continue;
    }
    transcript_t t = {0};
    feed(stream, len, cuts[i], &t, &status);
    CHECK(status == WS_READ_OK && strncmp(t.log, "M1:70000:LLLL", 13) == 0, "large frame cut at %zu: %s", cuts[i], t.log);
  }
  /* Protocol errors. */
  transcript_t t = {0};
  len = server_frame(stream, 1, WS_OP_CONTINUATION, "x", 1, 0);
  feed(stream, len, 0, &t, &status);
  CHECK(status == WS_READ_ERROR, "continuation without a message");
  len = server_frame(stream, 1, 0x3, "x", 1, 0);
  feed(stream, len, 0, &t, &status);
  CHECK(status == WS_READ_ERROR, "reserved opcode");

  /* The client writer: masked, readable by the reader, at each length class. */
  size_t sizes[] = {0, 2, 125, 126, 65535, 65536};
  static uint8_t payload[70000], frame[70020];
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    for (size_t k = 0; k < sizes[i]; k++) payload[k] = (uint8_t)('a' + k % 26);
    size_t n = ws_write_client_frame(frame, WS_OP_TEXT, payload, sizes[i], 0xA1B2C3D4);
    CHECK(n == ws_client_header_size(sizes[i]) + sizes[i] && (frame[1] & 0x80), "client frame size %zu", sizes[i]);
    transcript_t seen = {0};
    ws_reader_t reader = {0};
    size_t used, need;
    ws_read_status_t s = ws_read(&reader, frame, n, &NOTE, &seen, &used, &need);
    char head[64];
    snprintf(head, sizeof head, "M1:%zu:", sizes[i]);
    CHECK(s == WS_READ_OK && used == n && strncmp(seen.log, head, strlen(head)) == 0 && (sizes[i] == 0 || seen.log[strlen(head)] == 'a'), "round trip %zu: %s",
          sizes[i], seen.log);
    ws_reader_free(&reader);
  }
}

int self_test(void) {
  test_sha1();
  test_histogram();
  test_lines();
  test_frames();
  printf("self-test: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
