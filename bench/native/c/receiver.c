#define _GNU_SOURCE
#include "receiver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "lines.h"

/* Reads land here unless a connection holds a partial frame larger than half of it. */
#define SCRATCH_BYTES (256u << 10)
/* The longest handshake response accepted, bytes. */
#define MAX_UPGRADE_BYTES 16384
/* How often handshake deadlines are checked while connecting, ms. */
#define TIMEOUT_CHECK_MS 100

static const char PONG[] = "{}";

static uint32_t next_random(receiver_t *r) {
  uint32_t x = r->rng;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return r->rng = x;
}

/* ---- epoll interest and writes ---- */

static void set_interest(subscriber_t *s, int writing) {
  if (s->writing == writing) return;
  struct epoll_event ev = {.events = EPOLLIN | (writing ? EPOLLOUT : 0), .data.ptr = s};
  epoll_ctl(s->owner->epfd, EPOLL_CTL_MOD, s->fd, &ev);
  s->writing = (uint8_t)writing;
}

/* Writes what it can now and keeps the rest for EPOLLOUT. Returns 0, or -1 when the socket failed. */
static int sub_write(subscriber_t *s, const uint8_t *bytes, size_t n) {
  if (s->out.len == 0) {
    ssize_t w = write(s->fd, bytes, n);
    if (w == (ssize_t)n) return 0;
    if (w < 0) {
      if (errno != EAGAIN && errno != EINTR) return -1;
      w = 0;
    }
    bytes += w;
    n -= (size_t)w;
  }
  if (buffer_append(&s->out, bytes, n) != 0) return -1;
  set_interest(s, 1);
  return 0;
}

static int sub_flush(subscriber_t *s) {
  while (s->out.len > 0) {
    ssize_t w = write(s->fd, buffer_start(&s->out), s->out.len);
    if (w < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    buffer_consume(&s->out, (size_t)w);
  }
  set_interest(s, 0);
  return 0;
}

/* Sends one masked client frame. */
static int sub_send_frame(subscriber_t *s, uint8_t opcode, const void *payload, size_t len) {
  uint8_t frame[512];
  if (ws_client_header_size(len) + len > sizeof frame) return -1;
  size_t size = ws_write_client_frame(frame, opcode, payload, len, next_random(s->owner));
  return sub_write(s, frame, size);
}

/* ---- settling, closing ---- */

static void release(subscriber_t *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  s->state = SUB_CLOSED;
  s->writing = 0;
  buffer_free(&s->in);
  buffer_free(&s->out);
  ws_reader_free(&s->reader);
}

static void settled(receiver_t *r) {
  r->in_progress--;
  r->settled++;
}

/* A connection that failed before it was subscribed. */
static void fail(subscriber_t *s, const char *reason) {
  receiver_t *r = s->owner;
  if (s->state == SUB_READY || s->state == SUB_CLOSED) return;
  if (r->connect.error_count < MAX_ERRORS) {
    snprintf(r->connect.errors[r->connect.error_count++], sizeof r->connect.errors[0], "%s", reason);
  }
  r->connect.failed++;
  int was_started = s->state != SUB_IDLE;
  release(s);
  if (was_started) settled(r);
  else r->settled++;
}

static void count_close(receiver_t *r, uint32_t code) {
  for (uint32_t i = 0; i < r->close_kinds; i++) {
    if (r->closes[i].code == code) {
      r->closes[i].count++;
      return;
    }
  }
  if (r->close_kinds < MAX_CLOSE_CODES) r->closes[r->close_kinds++] = (close_count_t){.code = code, .count = 1};
}

/* The connection closed (close frame with `code`, or 1006 when the socket ended without one). */
static void closed(subscriber_t *s, uint32_t code) {
  if (s->state != SUB_READY) {
    char reason[64];
    snprintf(reason, sizeof reason, "closed with %u before subscribing", code);
    fail(s, reason);
    return;
  }
  s->owner->disconnected_total++;
  count_close(s->owner, code);
  release(s);
}

/* ---- the protocol ---- */

static inline int in_window_ns(const window_t *w, int64_t t) { return t >= w->from_ns && t < w->to_ns; }

static inline void on_publication(receiver_t *r, int64_t stamp_us) {
  int64_t now = r->now;
  r->received++;
  atomic_store_explicit(&r->last_receive_ns, now, memory_order_relaxed);
  if (in_window_ns(&r->window, now)) r->received_in_window++;
  if (stamp_us >= r->window.from_us && stamp_us < r->window.to_us) {
    int64_t latency_us = (now - stamp_us * NS_PER_US + NS_PER_US / 2) / NS_PER_US;
    hist_record(&r->latency, latency_us < 1 ? 1 : (uint64_t)latency_us);
    atomic_store_explicit(&r->recorded, ++r->recorded_count, memory_order_relaxed);
  }
}

static void became_ready(subscriber_t *s) {
  s->state = SUB_READY;
  s->owner->connect.connected++;
  settled(s->owner);
}

/* A text (or binary) message: its lines. Returns nonzero when the connection was closed. */
static int on_message(void *ctx, uint8_t opcode, const uint8_t *payload, size_t len) {
  (void)opcode;
  subscriber_t *s = ctx;
  receiver_t *r = s->owner;
  if (in_window_ns(&r->window, r->now)) r->bytes_in_window += len;
  const uint8_t *p = payload, *end = payload + len;
  while (p < end) {
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) nl = end;
    if (nl > p) {
      line_t line = classify_line(p, (size_t)(nl - p));
      switch (line.kind) {
        case LINE_PUBLICATION:
          on_publication(r, line.stamp_us);
          break;
        case LINE_PING:
          if (sub_send_frame(s, WS_OP_TEXT, PONG, sizeof PONG - 1) != 0) {
            closed(s, 1006);
            return 1;
          }
          break;
        case LINE_REPLY:
          if (s->state != SUB_READY && line.id == 2 && line.subscribe) became_ready(s);
          break;
        case LINE_ERROR:
          if (s->state != SUB_READY) {
            char reason[200];
            int shown = (int)(nl - p) < 160 ? (int)(nl - p) : 160;
            snprintf(reason, sizeof reason, "error reply: %.*s", shown, (const char *)p);
            fail(s, reason);
            return 1;
          }
          break;
        case LINE_OTHER:
          break;
      }
    }
    p = nl + 1;
  }
  return 0;
}

static int on_control(void *ctx, uint8_t opcode, const uint8_t *payload, size_t len) {
  subscriber_t *s = ctx;
  if (opcode == WS_OP_PING) {
    if (sub_send_frame(s, WS_OP_PONG, payload, len) != 0) {
      closed(s, 1006);
      return 1;
    }
    return 0;
  }
  if (opcode == WS_OP_CLOSE) {
    uint32_t code = len >= 2 ? (uint32_t)payload[0] << 8 | payload[1] : 1005;
    uint8_t reply[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    sub_send_frame(s, WS_OP_CLOSE, reply, len >= 2 ? 2 : 0);
    closed(s, code);
    return 1;
  }
  return 0; /* pong */
}

static const ws_sink_t SINK = {.on_message = on_message, .on_control = on_control};

/* ---- the handshake ---- */

/* The value of header `name` (lower case, with the colon) in an HTTP head, or NULL; *len is its length. */
static const char *header_value(const char *head, size_t head_len, const char *name, size_t *len) {
  size_t name_len = strlen(name);
  const char *end = head + head_len;
  for (const char *line = head; line < end;) {
    const char *eol = memmem(line, (size_t)(end - line), "\r\n", 2);
    if (!eol) eol = end;
    if ((size_t)(eol - line) > name_len && strncasecmp(line, name, name_len) == 0) {
      const char *v = line + name_len;
      while (v < eol && (*v == ' ' || *v == '\t')) v++;
      const char *v_end = eol;
      while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t')) v_end--;
      *len = (size_t)(v_end - v);
      return v;
    }
    line = eol + 2;
  }
  return NULL;
}

static void send_upgrade(subscriber_t *s) {
  const config_t *cfg = s->owner->cfg;
  ws_make_key(s->key);
  char request[1024];
  int n = snprintf(request, sizeof request,
                   "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   cfg->ws.path, cfg->ws.host_header, s->key);
  s->state = SUB_UPGRADING;
  if (sub_write(s, (const uint8_t *)request, (size_t)n) != 0) fail(s, "handshake: write failed");
}

/*
 * The handshake response at the start of data[0, len): returns the bytes of
 * its head once complete (then the connect and subscribe commands have been
 * sent), 0 while incomplete, -1 when the connection failed.
 */
static ssize_t read_upgrade(subscriber_t *s, const uint8_t *data, size_t len) {
  const uint8_t *blank = memmem(data, len, "\r\n\r\n", 4);
  if (!blank) {
    if (len > MAX_UPGRADE_BYTES) {
      fail(s, "handshake: response head too long");
      return -1;
    }
    return 0;
  }
  size_t head_len = (size_t)(blank - data) + 4;
  const char *head = (const char *)data;
  if (head_len < 12 || strncmp(head, "HTTP/1.1 101", 12) != 0) {
    const char *eol = memchr(head, '\r', head_len);
    char reason[200];
    snprintf(reason, sizeof reason, "handshake refused: %.*s", (int)((eol ? eol : head + 60) - head), head);
    fail(s, reason);
    return -1;
  }
  char expected[WS_ACCEPT_CHARS + 1];
  ws_accept_of(s->key, expected);
  size_t value_len = 0;
  const char *value = header_value(head, head_len, "sec-websocket-accept:", &value_len);
  if (!value || value_len != WS_ACCEPT_CHARS || memcmp(value, expected, WS_ACCEPT_CHARS) != 0) {
    fail(s, "handshake: wrong or missing Sec-WebSocket-Accept");
    return -1;
  }
  s->state = SUB_SUBSCRIBING;
  char commands[256];
  int n = snprintf(commands, sizeof commands, "{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":\"%s%u\"}}", s->owner->cfg->channel_prefix,
                   s->channel);
  if (sub_send_frame(s, WS_OP_TEXT, commands, (size_t)n) != 0) {
    fail(s, "subscribe: write failed");
    return -1;
  }
  return (ssize_t)head_len;
}

/* ---- reading ---- */

static void sub_readable(receiver_t *r, subscriber_t *s) {
  size_t held = s->in.len;
  uint8_t *data;
  size_t room;
  if (held <= SCRATCH_BYTES / 2) {
    if (held) memcpy(r->scratch, buffer_start(&s->in), held);
    data = r->scratch;
    room = SCRATCH_BYTES - held;
  } else {
    size_t want = s->need > held ? s->need - held : 0;
    if (want < 65536) want = 65536;
    if (buffer_reserve(&s->in, want) != 0) {
      closed(s, 1009);
      return;
    }
    data = buffer_start(&s->in);
    room = s->in.cap - s->in.off - held;
  }
  ssize_t n = read(s->fd, data + held, room);
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    closed(s, 1006);
    return;
  }
  r->now = now_ns();
  if (in_window_ns(&r->window, r->now)) r->reads_in_window++;
  size_t len = held + (size_t)n;
  size_t at = 0;
  if (s->state == SUB_UPGRADING) {
    ssize_t head = read_upgrade(s, data, len);
    if (head < 0) return;
    at = (size_t)head;
  }
  if (s->state != SUB_UPGRADING) {
    size_t used = 0;
    ws_read_status_t status = ws_read(&s->reader, data + at, len - at, &SINK, s, &used, &s->need);
    if (status == WS_READ_STOPPED) return; /* closed inside a callback */
    if (status == WS_READ_ERROR) {
      if (s->state == SUB_READY) {
        closed(s, 1002);
      } else {
        fail(s, "protocol error in the server's frames");
      }
      return;
    }
    at += used;
  }
  /* Keep the unparsed rest (a partial frame or handshake head) for the next read. */
  size_t rest = len - at;
  if (data == r->scratch) {
    s->in.off = s->in.len = 0;
    if (rest && buffer_append(&s->in, data + at, rest) != 0) closed(s, 1009);
    else if (!rest && s->in.cap > (1u << 20)) buffer_free(&s->in);
  } else {
    s->in.len = len;
    buffer_consume(&s->in, at);
  }
}

static void sub_writable(subscriber_t *s) {
  if (s->state == SUB_CONNECTING) {
    int error = 0;
    socklen_t error_len = sizeof error;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &error, &error_len);
    if (error) {
      char reason[128];
      snprintf(reason, sizeof reason, "connect: %s", strerror(error));
      fail(s, reason);
      return;
    }
    set_interest(s, 0);
    send_upgrade(s);
    return;
  }
  if (sub_flush(s) != 0) closed(s, 1006);
}

static void sub_event(receiver_t *r, subscriber_t *s, uint32_t events) {
  if (s->fd < 0) return;
  if (events & (EPOLLOUT | EPOLLERR)) {
    if (s->state == SUB_CONNECTING || s->out.len > 0) sub_writable(s);
    if (s->fd < 0) return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    if (s->state == SUB_CONNECTING) return; /* the connect's outcome comes with EPOLLOUT */
    sub_readable(r, s);
  }
}

/* ---- connecting ---- */

static void sub_start(receiver_t *r, subscriber_t *s) {
  r->in_progress++;
  s->deadline_ns = now_ns() + HANDSHAKE_TIMEOUT_NS;
  s->fd = connect_nonblocking(&r->cfg->ws);
  if (s->fd < 0) {
    char reason[128];
    snprintf(reason, sizeof reason, "connect: %s", strerror(errno));
    s->state = SUB_CONNECTING;
    fail(s, reason);
    return;
  }
  s->state = SUB_CONNECTING;
  s->writing = 1;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = s};
  epoll_ctl(r->epfd, EPOLL_CTL_ADD, s->fd, &ev);
}

/* Starts connections up to the concurrency; finishes the connect command once every connection is settled. */
static void connect_more(receiver_t *r) {
  while (r->started < r->count && r->in_progress < r->concurrency) sub_start(r, &r->subs[r->started++]);
  if (r->settled >= r->count && r->connecting) {
    r->connecting = 0;
    r->connect.settled_ns = now_ns();
    mailbox_finish(&r->box);
  }
}

static void check_deadlines(receiver_t *r) {
  int64_t now = now_ns();
  if (now < r->next_timeout_check_ns) return;
  r->next_timeout_check_ns = now + TIMEOUT_CHECK_MS * NS_PER_MS;
  for (uint32_t i = 0; i < r->started; i++) {
    subscriber_t *s = &r->subs[i];
    if (s->state != SUB_READY && s->state != SUB_CLOSED && s->state != SUB_IDLE && now > s->deadline_ns) {
      fail(s, "no subscribe reply within 20000 ms");
    }
  }
}

/* ---- commands ---- */

static void start_window(receiver_t *r) {
  r->window = r->next_window;
  hist_reset(&r->latency);
  r->recorded_count = r->received = r->received_in_window = r->bytes_in_window = r->reads_in_window = r->wakeups_in_window = 0;
  atomic_store_explicit(&r->recorded, 0, memory_order_relaxed);
  r->disconnected_at_window = r->disconnected_total;
}

static void collect(receiver_t *r) {
  receiver_report_t *out = &r->report;
  memcpy(&out->latency, &r->latency, sizeof out->latency);
  out->recorded = r->recorded_count;
  out->received = r->received;
  out->received_in_window = r->received_in_window;
  out->bytes_in_window = r->bytes_in_window;
  out->reads_in_window = r->reads_in_window;
  out->wakeups_in_window = r->wakeups_in_window;
  out->disconnected = r->disconnected_total - r->disconnected_at_window;
  memcpy(out->closes, r->closes, sizeof out->closes);
  out->close_kinds = r->close_kinds;
}

/* Handles a posted command; returns 1 when the thread should end. */
static int on_command(receiver_t *r) {
  switch (mailbox_take(&r->box)) {
    case COMMAND_CONNECT:
      r->connecting = 1;
      connect_more(r);
      return 0;
    case COMMAND_WINDOW:
      start_window(r);
      mailbox_finish(&r->box);
      return 0;
    case COMMAND_COLLECT:
      collect(r);
      mailbox_finish(&r->box);
      return 0;
    case COMMAND_STOP:
      for (uint32_t i = 0; i < r->count; i++) release(&r->subs[i]);
      mailbox_finish(&r->box);
      return 1;
    case COMMAND_PUBLISH:
    case COMMAND_NONE:
      return 0;
  }
  return 0;
}

static void *receiver_main(void *arg) {
  receiver_t *r = arg;
  struct epoll_event events[256];
  for (;;) {
    meter_wait_begins(&r->meter);
    int n = epoll_wait(r->epfd, events, 256, r->connecting ? TIMEOUT_CHECK_MS : -1);
    int64_t woke = meter_wait_ends(&r->meter);
    if (n < 0 && errno != EINTR) break;
    if (n > 0 && in_window_ns(&r->window, woke)) r->wakeups_in_window++;
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == &r->box) {
        if (on_command(r)) return NULL;
        continue;
      }
      sub_event(r, events[i].data.ptr, events[i].events);
    }
    if (r->connecting) {
      check_deadlines(r);
      connect_more(r);
    }
  }
  return NULL;
}

receiver_t *receiver_create(const config_t *cfg, uint32_t id) {
  receiver_t *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->cfg = cfg;
  r->id = id;
  r->rng = 0x9E3779B9u ^ (id + 1) * 0x85EBCA6Bu ^ (uint32_t)now_ns();
  if (r->rng == 0) r->rng = 1;
  r->count = cfg->subscribers / cfg->receivers + (id < cfg->subscribers % cfg->receivers ? 1 : 0);
  r->concurrency = cfg->connect_concurrency / cfg->receivers;
  if (r->concurrency < 1) r->concurrency = 1;
  r->subs = calloc(r->count ? r->count : 1, sizeof *r->subs);
  r->scratch = malloc(SCRATCH_BYTES);
  r->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (!r->subs || !r->scratch || r->epfd < 0 || mailbox_init(&r->box) != 0) return NULL;
  for (uint32_t k = 0; k < r->count; k++) {
    subscriber_t *s = &r->subs[k];
    s->owner = r;
    s->fd = -1;
    s->index = id + k * cfg->receivers;
    s->channel = s->index % cfg->channels;
    s->state = SUB_IDLE;
  }
  /* Nothing is recorded before the first window. */
  r->window = (window_t){.from_us = INT64_MAX, .to_us = INT64_MAX, .from_ns = INT64_MAX, .to_ns = INT64_MAX};
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &r->box};
  epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->box.wake_fd, &ev);
  return r;
}

int receiver_start(receiver_t *r) { return pthread_create(&r->thread, NULL, receiver_main, r) == 0 ? 0 : -1; }

void receiver_destroy(receiver_t *r) {
  mailbox_call(&r->box, COMMAND_STOP);
  pthread_join(r->thread, NULL);
  close(r->epfd);
  close(r->box.wake_fd);
  free(r->subs);
  free(r->scratch);
  free(r);
}
