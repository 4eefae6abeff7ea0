#define _GNU_SOURCE
#include "lines.h"

#include <string.h>

static const char PUSH_PREFIX[] = "{\"push\":";
static const char STAMP_PREFIX[] = "{\"t\":";

#define LITERAL(s) (s), (sizeof(s) - 1)

int64_t parse_stamp_us(const uint8_t *p, const uint8_t *end) {
  const uint8_t *start = p;
  int64_t ms = 0;
  while (p < end && *p >= '0' && *p <= '9') ms = ms * 10 + (*p++ - '0');
  if (p == start) return -1;
  int64_t us = ms * 1000;
  if (p < end && *p == '.') {
    p++;
    for (int64_t scale = 100; p < end && *p >= '0' && *p <= '9'; p++, scale /= 10) us += (*p - '0') * scale;
  }
  return us;
}

static int64_t number_after(const uint8_t *line, size_t len, const char *key, size_t key_len) {
  const uint8_t *at = memmem(line, len, key, key_len);
  if (!at) return -1;
  const uint8_t *p = at + key_len, *end = line + len;
  if (p >= end || *p < '0' || *p > '9') return -1;
  int64_t v = 0;
  while (p < end && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
  return v;
}

line_t classify_line(const uint8_t *line, size_t len) {
  line_t out = {.kind = LINE_OTHER, .stamp_us = -1, .id = -1, .subscribe = 0};
  if (len >= sizeof PUSH_PREFIX - 1 && memcmp(line, PUSH_PREFIX, sizeof PUSH_PREFIX - 1) == 0) {
    out.kind = LINE_PUBLICATION;
    const uint8_t *stamp = memmem(line, len, LITERAL(STAMP_PREFIX));
    if (stamp) out.stamp_us = parse_stamp_us(stamp + sizeof STAMP_PREFIX - 1, line + len);
    return out;
  }
  if (len < 2 || line[0] != '{' || line[len - 1] != '}') return out;
  int has_id = memmem(line, len, LITERAL("\"id\":")) != NULL;
  int has_error = memmem(line, len, LITERAL("\"error\":")) != NULL;
  if (!has_id && !has_error) {
    out.kind = LINE_PING;
    return out;
  }
  out.kind = has_error ? LINE_ERROR : LINE_REPLY;
  out.id = number_after(line, len, LITERAL("\"id\":"));
  out.subscribe = memmem(line, len, LITERAL("\"subscribe\":")) != NULL;
  return out;
}
