#include "frames.h"

#include <string.h>

static uint64_t read_be(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = v << 8 | p[i];
  return v;
}

static void unmask(uint8_t *p, size_t len, const uint8_t key[4]) {
  for (size_t i = 0; i < len; i++) p[i] ^= key[i & 3];
}

/* One frame's payload: a control frame, a whole message, or a fragment of one. */
static ws_read_status_t on_frame(ws_reader_t *reader, int fin, uint8_t opcode, const uint8_t *payload, size_t len, const ws_sink_t *sink, void *ctx) {
  if (opcode >= 0x8) {
    if (!fin || len > 125 || (opcode != WS_OP_CLOSE && opcode != WS_OP_PING && opcode != WS_OP_PONG)) return WS_READ_ERROR;
    return sink->on_control(ctx, opcode, payload, len) ? WS_READ_STOPPED : WS_READ_OK;
  }
  if (opcode == WS_OP_CONTINUATION) {
    if (reader->opcode == 0) return WS_READ_ERROR;
    if (reader->fragments.len + len > WS_MAX_MESSAGE) return WS_READ_ERROR;
    if (buffer_append(&reader->fragments, payload, len) != 0) return WS_READ_ERROR;
    if (!fin) return WS_READ_OK;
    uint8_t whole = reader->opcode;
    reader->opcode = 0;
    int stop = sink->on_message(ctx, whole, buffer_start(&reader->fragments), reader->fragments.len);
    buffer_consume(&reader->fragments, reader->fragments.len);
    return stop ? WS_READ_STOPPED : WS_READ_OK;
  }
  if (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY) return WS_READ_ERROR;
  if (reader->opcode != 0) return WS_READ_ERROR; /* a new message inside a fragmented one */
  if (fin) return sink->on_message(ctx, opcode, payload, len) ? WS_READ_STOPPED : WS_READ_OK;
  reader->opcode = opcode;
  buffer_consume(&reader->fragments, reader->fragments.len);
  return buffer_append(&reader->fragments, payload, len) == 0 ? WS_READ_OK : WS_READ_ERROR;
}

ws_read_status_t ws_read(ws_reader_t *reader, uint8_t *data, size_t len, const ws_sink_t *sink, void *ctx, size_t *consumed, size_t *need) {
  size_t at = 0;
  *need = 0;
  ws_read_status_t status = WS_READ_OK;
  while (len - at >= 2) {
    const uint8_t *p = data + at;
    int fin = p[0] & 0x80;
    uint8_t opcode = p[0] & 0x0f;
    int masked = p[1] & 0x80;
    uint64_t size = p[1] & 0x7f;
    size_t header = 2;
    if (size == 126) {
      if (len - at < 4) break;
      size = read_be(p + 2, 2);
      header = 4;
    } else if (size == 127) {
      if (len - at < 10) break;
      size = read_be(p + 2, 8);
      header = 10;
    }
    if (size > WS_MAX_MESSAGE) {
      status = WS_READ_ERROR;
      break;
    }
    size_t key_at = header;
    if (masked) header += 4;
    if (len - at < header + size) {
      *need = header + (size_t)size;
      break;
    }
    uint8_t *payload = data + at + header;
    if (masked) unmask(payload, (size_t)size, data + at + key_at);
    at += header + (size_t)size;
    status = on_frame(reader, fin, opcode, payload, (size_t)size, sink, ctx);
    if (status != WS_READ_OK) break;
  }
  *consumed = at;
  return status;
}

void ws_reader_free(ws_reader_t *reader) {
  buffer_free(&reader->fragments);
  reader->opcode = 0;
}

size_t ws_client_header_size(size_t len) { return (len < 126 ? 2 : len < 65536 ? 4 : 10) + 4; }

size_t ws_write_client_frame(uint8_t *out, uint8_t opcode, const uint8_t *payload, size_t len, uint32_t mask) {
  size_t at = 0;
  out[at++] = (uint8_t)(0x80 | opcode);
  if (len < 126) {
    out[at++] = (uint8_t)(0x80 | len);
  } else if (len < 65536) {
    out[at++] = 0x80 | 126;
    out[at++] = (uint8_t)(len >> 8);
    out[at++] = (uint8_t)len;
  } else {
    out[at++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--) out[at++] = (uint8_t)((uint64_t)len >> (8 * i));
  }
  uint8_t key[4] = {(uint8_t)(mask >> 24), (uint8_t)(mask >> 16), (uint8_t)(mask >> 8), (uint8_t)mask};
  memcpy(out + at, key, 4);
  at += 4;
  for (size_t i = 0; i < len; i++) out[at + i] = payload[i] ^ key[i & 3];
  return at + len;
}
