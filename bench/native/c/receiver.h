/*
 * A receiver thread: its share of the subscriber connections (connection j
 * of S belongs to thread j mod R), one epoll, and what it measures in the
 * current window. Each connection speaks the client protocol exactly as the
 * Node load generator (bench/loadgen/session.ts): WebSocket handshake, one
 * frame `{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"…"}}`,
 * subscribed on the reply with id 2, the pong `{}` for every line that has
 * neither "id" nor "error" (the server's ping), publication pushes read for
 * their stamp only.
 */
#ifndef LOADGEN_RECEIVER_H
#define LOADGEN_RECEIVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "buffer.h"
#include "config.h"
#include "frames.h"
#include "handshake.h"
#include "histogram.h"
#include "mailbox.h"

/* Failure reasons a connect report keeps. */
#define MAX_ERRORS 5
/* Distinct close codes counted. */
#define MAX_CLOSE_CODES 16
/* A connection that is not subscribed within this time has failed, ns (as in session.ts). */
#define HANDSHAKE_TIMEOUT_NS (20 * NS_PER_S)

typedef enum { SUB_IDLE, SUB_CONNECTING, SUB_UPGRADING, SUB_SUBSCRIBING, SUB_READY, SUB_CLOSED } sub_state_t;

typedef struct receiver receiver_t;

/* One subscriber connection. */
typedef struct {
  receiver_t *owner;
  int fd;
  /* Its index j among all S connections, and its channel j mod C. */
  uint32_t index;
  uint32_t channel;
  uint8_t state;
  /* EPOLLOUT is in its epoll interest (bytes wait in `out`, or the TCP connect is pending). */
  uint8_t writing;
  int64_t deadline_ns;
  /* Bytes read and not parsed yet (a partial frame), bytes not written yet. */
  buffer_t in;
  buffer_t out;
  /* Size of the partial frame in `in` when its header is complete, else 0. */
  size_t need;
  ws_reader_t reader;
  char key[WS_KEY_CHARS + 1];
} subscriber_t;

/* How many connections closed with one code. */
typedef struct {
  uint32_t code;
  uint64_t count;
} close_count_t;

/* How connecting went. */
typedef struct {
  uint64_t connected;
  uint64_t failed;
  char errors[MAX_ERRORS][200];
  uint32_t error_count;
  /* When the last connection was settled (subscribed or failed), ns. */
  int64_t settled_ns;
} connect_report_t;

/* What a receiver measured in the current window (copied on COMMAND_COLLECT). */
typedef struct {
  /* Latency (µs) of each publication due in the window: receipt − due. */
  histogram_t latency;
  /* Publications due in the window that arrived (= latency.total). */
  uint64_t recorded;
  /* Publications received since the window was set, whenever due. */
  uint64_t received;
  /* Publications received inside the window, and the message bytes (without WebSocket framing) received inside it. */
  uint64_t received_in_window;
  uint64_t bytes_in_window;
  /* read() calls that returned data, and epoll_wait calls that returned events, inside the window. */
  uint64_t reads_in_window;
  uint64_t wakeups_in_window;
  /* Connections the server closed since the window was set, and every close code since connecting. */
  uint64_t disconnected;
  close_count_t closes[MAX_CLOSE_CODES];
  uint32_t close_kinds;
} receiver_report_t;

struct receiver {
  const config_t *cfg;
  uint32_t id;
  pthread_t thread;
  int epfd;
  mailbox_t box;
  loop_meter_t meter;
  subscriber_t *subs;
  uint32_t count;
  /* Where reads land (connections without a partial frame share it). */
  uint8_t *scratch;
  uint32_t rng;
  /* The time of the read being parsed, ns. */
  int64_t now;

  /* Connecting: connections started, in progress and settled; the outcome. */
  int connecting;
  uint32_t started;
  uint32_t in_progress;
  uint32_t settled;
  uint32_t concurrency;
  int64_t next_timeout_check_ns;
  connect_report_t connect;

  /* The window (set from `next_window` on COMMAND_WINDOW) and what was measured in it. */
  window_t next_window;
  window_t window;
  histogram_t latency;
  uint64_t recorded_count;
  uint64_t received;
  uint64_t received_in_window;
  uint64_t bytes_in_window;
  uint64_t reads_in_window;
  uint64_t wakeups_in_window;
  uint64_t disconnected_total;
  uint64_t disconnected_at_window;
  close_count_t closes[MAX_CLOSE_CODES];
  uint32_t close_kinds;
  /* Read by the control thread while the window drains. */
  _Atomic uint64_t recorded;
  _Atomic int64_t last_receive_ns;

  receiver_report_t report;
};

/* A receiver for connections j ≡ id (mod cfg->receivers); NULL when out of memory. */
receiver_t *receiver_create(const config_t *cfg, uint32_t id);
/* Starts its thread. Returns 0, or -1. */
int receiver_start(receiver_t *r);
/* Stops the thread (closing every connection) and frees the receiver. */
void receiver_destroy(receiver_t *r);

#endif
