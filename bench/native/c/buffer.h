/*
 * A growable byte buffer: what a connection has not parsed yet (a partial
 * frame or response) or not written yet (a write that hit EAGAIN).
 */
#ifndef LOADGEN_BUFFER_H
#define LOADGEN_BUFFER_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *data;
  /* Bytes held, from data[off] to data[off + len). */
  size_t off;
  size_t len;
  size_t cap;
} buffer_t;

/* Makes room for `more` bytes after the held ones (moves them to the start first). Returns 0, or -1 when out of memory. */
int buffer_reserve(buffer_t *b, size_t more);
/* Appends `n` bytes. Returns 0, or -1 when out of memory. */
int buffer_append(buffer_t *b, const void *bytes, size_t n);
/* Drops the first `n` held bytes. */
void buffer_consume(buffer_t *b, size_t n);
/* The first held byte. */
static inline uint8_t *buffer_start(const buffer_t *b) { return b->data + b->off; }
/* Frees the memory; the buffer is empty and usable again. */
void buffer_free(buffer_t *b);

#endif
