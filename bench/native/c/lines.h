/*
 * The lines of a message the server sent (Centrifugo joins replies and
 * pushes with '\n'), sorted as the Node load generator sorts them
 * (bench/loadgen/frames.ts and session.ts): a publication push is only
 * searched for its stamp; anything else is a reply (has "id"), an error, or
 * the server's ping (neither: answered with the pong `{}`).
 */
#ifndef LOADGEN_LINES_H
#define LOADGEN_LINES_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  /* A push ({"push":…}); its stamp is read when the payload carries one. */
  LINE_PUBLICATION,
  /* A reply to a command ("id" and no "error"). */
  LINE_REPLY,
  /* A reply with an error. */
  LINE_ERROR,
  /* No "id" and no "error": the server's ping, answered with `{}`. */
  LINE_PING,
  /* Not a JSON object: ignored, as the Node client ignores what JSON.parse rejects. */
  LINE_OTHER,
} line_kind_t;

/* What a line says. */
typedef struct {
  line_kind_t kind;
  /* LINE_PUBLICATION: the due time the payload carries, µs on CLOCK_MONOTONIC; -1 when it carries none. */
  int64_t stamp_us;
  /* LINE_REPLY and LINE_ERROR: the command id (-1 when absent). */
  int64_t id;
  /* LINE_REPLY: it is a subscribe reply. */
  int subscribe;
} line_t;

/* Sorts one line (without its '\n'). */
line_t classify_line(const uint8_t *line, size_t len);

/*
 * Reads the number at p (digits, an optional fraction) as the publisher
 * wrote it: milliseconds with up to 3 decimals. Returns µs, or -1 when there
 * are no digits.
 */
int64_t parse_stamp_us(const uint8_t *p, const uint8_t *end);

#endif
