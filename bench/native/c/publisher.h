/*
 * The publisher thread: K keep-alive HTTP/1.1 connections to the server's
 * API, used in turn, paced at a fixed rate by its own wake-ups.
 * Publication i (in bursts of B) is *due* at start + floor(i / B) × B / rate
 * and carries that due time in its payload whenever it actually leaves, as
 * bench/loadgen/pacer.ts and payload.ts do:
 *
 *   {"t":<due, ms, 3 decimals>,"n":<sequence>,"p":"xxx…"}   padded to the payload size
 *
 * so a publisher (or server) that falls behind shows up as latency, not as a
 * lighter load. The thread sleeps in epoll_pwait2 until the next due time
 * (a ns timeout; a timerfd would cost two more syscalls per wake-up). A
 * burst of one goes to /api/publish, a larger one to
 * /api/batch. Requests go to the next idle connection in turn, or, when
 * every connection has one in flight, pipelined on the least busy one.
 */
#ifndef LOADGEN_PUBLISHER_H
#define LOADGEN_PUBLISHER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "buffer.h"
#include "clock.h"
#include "config.h"
#include "histogram.h"
#include "mailbox.h"

/* Requests one connection may have in flight (pipelined). */
#define PIPELINE_DEPTH 256
/* How long a connection that failed waits before it is opened again, ns (the server may be gone). */
#define RECONNECT_BACKOFF_NS (100 * NS_PER_MS)

typedef struct {
  int fd;
  int connected;
  buffer_t out;
  buffer_t in;
  /* Publications in each request in flight, oldest first (a ring). */
  uint32_t batches[PIPELINE_DEPTH];
  uint32_t head;
  uint32_t outstanding;
  /* EPOLLOUT is in its epoll interest. */
  int writing;
  /* A closed connection is opened again no sooner than this, ns. */
  int64_t retry_at_ns;
} http_conn_t;

/* What to publish in a step (set before COMMAND_PUBLISH). */
typedef struct {
  /* Publications per second (all channels), and publications per request. */
  double rate;
  uint32_t burst;
  /* When the first burst is due, µs (CLOCK_MONOTONIC); nothing due at or after end_us is sent. */
  double start_us;
  int64_t end_us;
  /* Publications due in [count_from_us, end_us) are counted (the measurement window). */
  int64_t count_from_us;
} publish_plan_t;

typedef struct {
  const config_t *cfg;
  pthread_t thread;
  int epfd;
  mailbox_t box;
  loop_meter_t meter;
  http_conn_t *conns;
  uint32_t count;
  /* The connection after the last one used. */
  uint32_t turn;

  publish_plan_t plan;
  int active;
  /* With --no-pipelining: a burst is due and every connection has a request in flight. */
  int waiting_for_idle;
  double per_burst_us;
  uint64_t bursts;
  uint64_t next_burst;
  /* Publications built in this step (their channel is index mod C). */
  uint64_t index;
  /* Sequence number of the next publication (the "n" of the payload), over the whole run. */
  uint64_t sequence;

  /* The step's outcome (read after COMMAND_PUBLISH is done). */
  uint64_t sent;
  uint64_t skipped;
  /* Publications due in the window, and the deliveries they should make (× subscribers of their channel). */
  uint64_t due_in_window;
  uint64_t expected;
  /* How late bursts left after their due time, µs. */
  histogram_t lag;

  /* Read by the control thread at any time. */
  _Atomic int64_t in_flight;
  _Atomic uint64_t errors;

  buffer_t body;
  char request_head[1024];
} publisher_t;

/* Connects the K HTTP connections (blocking) and sets up the thread's epoll; NULL with a reason in `error`. */
publisher_t *publisher_create(const config_t *cfg, char *error, size_t error_len);
/* Starts its thread. Returns 0, or -1. */
int publisher_start(publisher_t *p);
/* Stops the thread, closes the connections and frees the publisher. */
void publisher_destroy(publisher_t *p);

/* The payload of a publication due at `due_us` with sequence `n`, exactly `bytes` long when bytes ≥ its head (else just the head); returns its length. */
size_t make_payload(char *out, int64_t due_us, uint64_t n, uint32_t bytes);

#endif
