/* What the load generator was asked to do (command line), and the measurement window every thread shares. */
#ifndef LOADGEN_CONFIG_H
#define LOADGEN_CONFIG_H

#include <stdint.h>

#include "net.h"

typedef struct {
  /* The server's WebSocket endpoint and its HTTP API base ("http://127.0.0.1:8000/api"). */
  endpoint_t ws;
  endpoint_t api;
  char api_key[256];
  /* Channel c is named prefix + c ("bench-0", "bench-1", …). */
  char channel_prefix[64];
  /* S subscriber connections over C channels: connection j subscribes to channel j mod C. */
  uint32_t subscribers;
  uint32_t channels;
  /* Size of each publication's data (the JSON payload), bytes. */
  uint32_t payload_bytes;
  /* Keep-alive HTTP connections the publisher uses in turn. */
  uint32_t http_connections;
  /* Receiver threads (each with its own epoll); connection j is held by thread j mod receivers. */
  uint32_t receivers;
  /* Handshakes in flight at once, over all receiver threads. */
  uint32_t connect_concurrency;
  /* A burst is skipped (and counted) rather than sent while this many publications are unacknowledged. */
  uint32_t max_in_flight;
  /*
   * 1: a due burst waits for an idle connection (as an HTTP client pool does; the wait is latency)
   * instead of being pipelined behind a request in flight. uWS closes a connection on which a request
   * arrives while the one before waits for an asynchronous answer (a Redis publish).
   */
  int no_pipelining;
  /* One-shot mode: publications per request (1: /api/publish; more: /api/batch), publications/s, and the step's timing, s. */
  uint32_t burst;
  double rate;
  double warmup_s;
  double window_s;
  double drain_s;
  /* Serve mode: read step commands on stdin instead of running one step. */
  int serve;
  /*
   * --nice: the niceness every thread runs at (-20..19), set before any thread starts, since on Linux
   * it is per thread and a new thread takes its creator's. A server whose threads fill every core
   * otherwise delays the receiver's reads, and the latency measured is the load generator's wait.
   */
  int nice_set;
  int nice;
} config_t;

/* Subscribers of channel `c` (connections j with j mod C = c). */
static inline uint32_t subscribers_of(const config_t *cfg, uint32_t c) {
  return cfg->subscribers / cfg->channels + (c < cfg->subscribers % cfg->channels ? 1 : 0);
}

/*
 * A measurement window: publications due in [from_us, to_us) are recorded
 * (latency, delivered count); receipts in [from_ns, to_ns) count as throughput.
 */
typedef struct {
  int64_t from_us;
  int64_t to_us;
  int64_t from_ns;
  int64_t to_ns;
} window_t;

#endif
