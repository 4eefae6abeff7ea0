#include "buffer.h"

#include <stdlib.h>
#include <string.h>

int buffer_reserve(buffer_t *b, size_t more) {
  if (b->off > 0 && b->off + b->len + more > b->cap) {
    memmove(b->data, b->data + b->off, b->len);
    b->off = 0;
  }
  if (b->len + more <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more) cap *= 2;
  uint8_t *data = realloc(b->data, cap);
  if (!data) return -1;
  b->data = data;
  b->cap = cap;
  return 0;
}

int buffer_append(buffer_t *b, const void *bytes, size_t n) {
  if (buffer_reserve(b, n) != 0) return -1;
  memcpy(b->data + b->off + b->len, bytes, n);
  b->len += n;
  return 0;
}

void buffer_consume(buffer_t *b, size_t n) {
  if (n >= b->len) {
    b->off = b->len = 0;
    return;
  }
  b->off += n;
  b->len -= n;
}

void buffer_free(buffer_t *b) {
  free(b->data);
  b->data = NULL;
  b->off = b->len = b->cap = 0;
}
