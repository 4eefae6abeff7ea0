/*
 * WebSocket framing (RFC 6455) as a client needs it, apart from any socket:
 * the reader takes whatever bytes arrived, hands out every complete message
 * (text or binary, reassembled from fragments) and control frame, and leaves
 * a partial frame for the next call; the writer builds masked client frames.
 *
 *   byte 0: FIN(1) RSV(3) opcode(4)   byte 1: MASK(1) length(7)
 *   length 126: 16-bit length follows; 127: 64-bit length follows
 *   MASK: 4-byte key follows (clients must mask, servers must not)
 */
#ifndef LOADGEN_FRAMES_H
#define LOADGEN_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buffer.h"

#define WS_OP_CONTINUATION 0x0
#define WS_OP_TEXT 0x1
#define WS_OP_BINARY 0x2
#define WS_OP_CLOSE 0x8
#define WS_OP_PING 0x9
#define WS_OP_PONG 0xA

/* The largest message the reader accepts, bytes (a frame or a reassembled message). */
#define WS_MAX_MESSAGE (64u << 20)

/* The reader's state between calls: the fragments of a message in progress. */
typedef struct {
  buffer_t fragments;
  /* Opcode of the message in progress (text or binary); 0 when none. */
  uint8_t opcode;
} ws_reader_t;

/*
 * Where the reader hands its output. A callback returns 0 to go on, anything
 * else to stop parsing (the connection was closed).
 */
typedef struct {
  /* A complete text or binary message. */
  int (*on_message)(void *ctx, uint8_t opcode, const uint8_t *payload, size_t len);
  /* A close, ping or pong frame. */
  int (*on_control)(void *ctx, uint8_t opcode, const uint8_t *payload, size_t len);
} ws_sink_t;

/* What ws_read did. */
typedef enum {
  WS_READ_OK = 0,
  /* A callback asked to stop. */
  WS_READ_STOPPED = 1,
  /* The stream broke the protocol (reserved opcode, bad fragmentation, oversized message). */
  WS_READ_ERROR = 2,
} ws_read_status_t;

/*
 * Parses the complete frames at the start of data[0, len) (unmasking masked
 * ones in place) and sets *consumed to the bytes they took. When a frame is
 * cut short and its header is complete, *need is its whole size in bytes
 * (else 0), so the caller can make room for it.
 */
ws_read_status_t ws_read(ws_reader_t *reader, uint8_t *data, size_t len, const ws_sink_t *sink, void *ctx, size_t *consumed, size_t *need);

/* Frees the reader's memory. */
void ws_reader_free(ws_reader_t *reader);

/* Bytes of the header of a masked client frame with a payload of `len`. */
size_t ws_client_header_size(size_t len);

/*
 * Writes a masked client frame (FIN set) into `out`, which must hold
 * ws_client_header_size(len) + len bytes; returns its size.
 */
size_t ws_write_client_frame(uint8_t *out, uint8_t opcode, const uint8_t *payload, size_t len, uint32_t mask);

#endif
