#define _GNU_SOURCE
#include "publisher.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"

/* Bursts sent per wake-up at most before responses get read again. */
#define BURSTS_PER_WAKE 64
/* The longest response head accepted, bytes. */
#define MAX_RESPONSE_HEAD 65536

size_t make_payload(char *out, int64_t due_us, uint64_t n, uint32_t bytes) {
  int head = sprintf(out, "{\"t\":%lld.%03lld,\"n\":%llu,\"p\":\"", (long long)(due_us / 1000), (long long)(due_us % 1000), (unsigned long long)n);
  size_t padding = bytes > (uint32_t)head + 2 ? bytes - (uint32_t)head - 2 : 0;
  memset(out + head, 'x', padding);
  out[head + padding] = '"';
  out[head + padding + 1] = '}';
  return (size_t)head + padding + 2;
}

/* ---- connections ---- */

static void set_interest(publisher_t *p, http_conn_t *c, int writing) {
  if (c->writing == writing || c->fd < 0) return;
  struct epoll_event ev = {.events = EPOLLIN | (writing ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(p->epfd, EPOLL_CTL_MOD, c->fd, &ev);
  c->writing = writing;
}

static void reconnect(publisher_t *p, http_conn_t *c) {
  int64_t now = now_ns();
  if (now < c->retry_at_ns) return;
  c->retry_at_ns = now + RECONNECT_BACKOFF_NS;
  c->fd = connect_nonblocking(&p->cfg->api);
  if (c->fd < 0) return;
  c->connected = 0;
  c->writing = 1;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
  epoll_ctl(p->epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

/* The connection failed or the server closed it: every request in flight on it failed; it is opened again. */
static void broken(publisher_t *p, http_conn_t *c) {
  for (; c->outstanding > 0; c->outstanding--) {
    atomic_fetch_sub_explicit(&p->in_flight, c->batches[c->head], memory_order_relaxed);
    atomic_fetch_add_explicit(&p->errors, 1, memory_order_relaxed);
    c->head = (c->head + 1) % PIPELINE_DEPTH;
  }
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->connected = 0;
  c->writing = 0;
  buffer_consume(&c->out, c->out.len);
  buffer_consume(&c->in, c->in.len);
  reconnect(p, c);
}

static void flush(publisher_t *p, http_conn_t *c) {
  while (c->out.len > 0) {
    ssize_t w = write(c->fd, buffer_start(&c->out), c->out.len);
    if (w < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      broken(p, c);
      return;
    }
    buffer_consume(&c->out, (size_t)w);
  }
  set_interest(p, c, 0);
}

/* The next idle connection in turn; else the least busy one (pipelined); NULL when none can take a request. */
static http_conn_t *pick(publisher_t *p) {
  http_conn_t *best = NULL;
  for (uint32_t k = 0; k < p->count; k++) {
    uint32_t i = (p->turn + k) % p->count;
    http_conn_t *c = &p->conns[i];
    if (c->fd < 0) reconnect(p, c);
    if (c->fd < 0) continue;
    if (c->connected && c->outstanding == 0) {
      p->turn = (i + 1) % p->count;
      return c;
    }
    if (c->outstanding < PIPELINE_DEPTH && (!best || c->outstanding < best->outstanding)) best = c;
  }
  if (best) p->turn = (uint32_t)(best - p->conns + 1) % p->count;
  return best;
}

/* Whether a connection is idle (opening those that are closed, as pick does). */
static int any_idle(publisher_t *p) {
  for (uint32_t k = 0; k < p->count; k++) {
    http_conn_t *c = &p->conns[k];
    if (c->fd < 0) reconnect(p, c);
    if (c->fd >= 0 && c->connected && c->outstanding == 0) return 1;
  }
  return 0;
}

/* Sends one request carrying `publications`. */
static void send_request(publisher_t *p, http_conn_t *c, const char *head, size_t head_len, const uint8_t *body, size_t body_len, uint32_t publications) {
  c->batches[(c->head + c->outstanding) % PIPELINE_DEPTH] = publications;
  c->outstanding++;
  atomic_fetch_add_explicit(&p->in_flight, publications, memory_order_relaxed);
  size_t written = 0;
  if (c->connected && c->out.len == 0) {
    struct iovec parts[2] = {{.iov_base = (void *)head, .iov_len = head_len}, {.iov_base = (void *)body, .iov_len = body_len}};
    ssize_t w = writev(c->fd, parts, 2);
    if (w < 0) {
      if (errno != EAGAIN && errno != EINTR) {
        broken(p, c);
        return;
      }
      w = 0;
    }
    written = (size_t)w;
  }
  if (written < head_len) buffer_append(&c->out, head + written, head_len - written);
  size_t body_written = written > head_len ? written - head_len : 0;
  if (body_written < body_len) buffer_append(&c->out, body + body_written, body_len - body_written);
  if (c->out.len > 0 && c->connected) set_interest(p, c, 1);
}

/* ---- responses ---- */

static int header_value(const char *head, size_t head_len, const char *name, const char **value, size_t *value_len) {
  size_t name_len = strlen(name);
  const char *end = head + head_len;
  for (const char *line = head; line < end;) {
    const char *eol = memmem(line, (size_t)(end - line), "\r\n", 2);
    if (!eol) eol = end;
    if ((size_t)(eol - line) > name_len && strncasecmp(line, name, name_len) == 0) {
      const char *v = line + name_len;
      while (v < eol && (*v == ' ' || *v == '\t')) v++;
      *value = v;
      *value_len = (size_t)(eol - v);
      return 1;
    }
    line = eol + 2;
  }
  return 0;
}

/*
 * The size of a chunked body starting at data[0, len) (chunk lines, chunks,
 * the last chunk and the final CRLF), or 0 while incomplete.
 */
static size_t chunked_size(const uint8_t *data, size_t len) {
  size_t at = 0;
  for (;;) {
    const uint8_t *eol = memmem(data + at, len - at, "\r\n", 2);
    if (!eol) return 0;
    size_t size = strtoul((const char *)data + at, NULL, 16);
    at = (size_t)(eol - data) + 2;
    if (size == 0) {
      const uint8_t *end = memmem(data + at - 2, len - (at - 2), "\r\n\r\n", 4);
      return end ? (size_t)(end - data) + 4 : 0;
    }
    if (len - at < size + 2) return 0;
    at += size + 2;
  }
}

/* Takes every complete response off the connection's input. */
static void read_responses(publisher_t *p, http_conn_t *c) {
  while (c->in.len > 0) {
    const uint8_t *data = buffer_start(&c->in);
    size_t len = c->in.len;
    const uint8_t *blank = memmem(data, len, "\r\n\r\n", 4);
    if (!blank) {
      if (len > MAX_RESPONSE_HEAD) broken(p, c);
      return;
    }
    size_t head_len = (size_t)(blank - data) + 4;
    int status = len > 12 && memcmp(data, "HTTP/1.", 7) == 0 ? atoi((const char *)data + 9) : 0;
    const char *value;
    size_t value_len;
    size_t total;
    if (header_value((const char *)data, head_len, "transfer-encoding:", &value, &value_len) && memmem(value, value_len, "chunked", 7)) {
      size_t body = chunked_size(data + head_len, len - head_len);
      if (body == 0) return;
      total = head_len + body;
    } else {
      size_t body = header_value((const char *)data, head_len, "content-length:", &value, &value_len) ? strtoul(value, NULL, 10) : 0;
      if (len < head_len + body) return;
      total = head_len + body;
    }
    int ok = status == 200 && !memmem(data + head_len, total - head_len, "\"error\"", 7);
    if (c->outstanding > 0) {
      atomic_fetch_sub_explicit(&p->in_flight, c->batches[c->head], memory_order_relaxed);
      c->head = (c->head + 1) % PIPELINE_DEPTH;
      c->outstanding--;
    }
    if (!ok) atomic_fetch_add_explicit(&p->errors, 1, memory_order_relaxed);
    buffer_consume(&c->in, total);
  }
}

static void conn_event(publisher_t *p, http_conn_t *c, uint32_t events) {
  if (c->fd < 0) return;
  if (events & (EPOLLOUT | EPOLLERR)) {
    if (!c->connected) {
      int error = 0;
      socklen_t error_len = sizeof error;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &error_len);
      if (error) {
        broken(p, c);
        return;
      }
      c->connected = 1;
    }
    flush(p, c);
    if (c->fd < 0) return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    if (!c->connected) return;
    if (buffer_reserve(&c->in, 16384) != 0) {
      broken(p, c);
      return;
    }
    ssize_t n = read(c->fd, buffer_start(&c->in) + c->in.len, c->in.cap - c->in.off - c->in.len);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      broken(p, c);
      return;
    }
    c->in.len += (size_t)n;
    read_responses(p, c);
  }
}

/* ---- pacing ---- */

/*
 * epoll_wait with a timeout in ns (epoll_pwait2, Linux 5.11; called through
 * syscall() so an older libc builds it too), or forever when timeout_ns < 0.
 * On a kernel without it, epoll_wait with the timeout rounded up to a
 * millisecond: publications then leave up to 1 ms late, which their latency shows.
 */
static int wait_events(int epfd, struct epoll_event *events, int max, int64_t timeout_ns) {
  static int no_pwait2;
  if (timeout_ns < 0) return epoll_wait(epfd, events, max, -1);
#ifdef SYS_epoll_pwait2
  if (!no_pwait2) {
    struct timespec timeout = ns_timespec(timeout_ns);
    long n = syscall(SYS_epoll_pwait2, epfd, events, max, &timeout, NULL, 0);
    if (n >= 0 || errno != ENOSYS) return (int)n;
    no_pwait2 = 1;
  }
#endif
  (void)no_pwait2;
  return epoll_wait(epfd, events, max, (int)((timeout_ns + NS_PER_MS - 1) / NS_PER_MS));
}

static int64_t due_of(const publisher_t *p, uint64_t burst) { return llround(p->plan.start_us + (double)burst * p->per_burst_us); }

/* Appends one publication's "channel" and "data" fields to the body. */
static void append_fields(publisher_t *p, uint32_t channel, int64_t due_us) {
  const config_t *cfg = p->cfg;
  buffer_reserve(&p->body, cfg->payload_bytes + 256);
  char *at = (char *)buffer_start(&p->body) + p->body.len;
  int n = sprintf(at, "\"channel\":\"%s%u\",\"data\":", cfg->channel_prefix, channel);
  n += (int)make_payload(at + n, due_us, p->sequence++, cfg->payload_bytes);
  p->body.len += (size_t)n;
}

static void publish_burst(publisher_t *p, int64_t due_us, int64_t now) {
  const config_t *cfg = p->cfg;
  uint32_t burst = p->plan.burst;
  int counted = due_us >= p->plan.count_from_us && due_us < p->plan.end_us;
  buffer_consume(&p->body, p->body.len);
  if (burst > 1) buffer_append(&p->body, "{\"commands\":[", 13);
  for (uint32_t k = 0; k < burst; k++, p->index++) {
    uint32_t channel = (uint32_t)(p->index % cfg->channels);
    if (counted) {
      p->due_in_window++;
      p->expected += subscribers_of(cfg, channel);
    }
    if (burst > 1) buffer_append(&p->body, k ? ",{\"publish\":{" : "{\"publish\":{", k ? 13 : 12);
    else buffer_append(&p->body, "{", 1);
    append_fields(p, channel, due_us);
    buffer_append(&p->body, burst > 1 ? "}}" : "}", burst > 1 ? 2 : 1);
  }
  if (burst > 1) buffer_append(&p->body, "]}", 2);
  if (atomic_load_explicit(&p->in_flight, memory_order_relaxed) >= (int64_t)cfg->max_in_flight) {
    p->skipped += burst;
    return;
  }
  http_conn_t *c = pick(p);
  if (!c) {
    p->skipped += burst;
    atomic_fetch_add_explicit(&p->errors, 1, memory_order_relaxed);
    return;
  }
  int head_len = snprintf(p->request_head, sizeof p->request_head,
                          "POST %s/%s HTTP/1.1\r\nHost: %s\r\nX-API-Key: %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: keep-alive\r\n\r\n",
                          cfg->api.path, burst > 1 ? "batch" : "publish", cfg->api.host_header, cfg->api_key, p->body.len);
  send_request(p, c, p->request_head, (size_t)head_len, buffer_start(&p->body), p->body.len, burst);
  p->sent += burst;
  int64_t late_us = (now - due_us * NS_PER_US) / NS_PER_US;
  hist_record(&p->lag, late_us > 0 ? (uint64_t)late_us : 0);
}

/*
 * Sends every burst that is due (at most BURSTS_PER_WAKE: when behind, the
 * loop reads the waiting responses and comes straight back), and finishes the
 * step after the last one.
 */
static void pace(publisher_t *p) {
  if (!p->active) return;
  int64_t now = now_ns();
  p->waiting_for_idle = 0;
  for (int sent = 0; sent < BURSTS_PER_WAKE && p->next_burst < p->bursts; sent++) {
    int64_t due = due_of(p, p->next_burst);
    if (due * NS_PER_US > now) break;
    /* --no-pipelining: the burst stays due until a response frees a connection (its lateness is latency). */
    if (p->cfg->no_pipelining && !any_idle(p)) {
      p->waiting_for_idle = 1;
      break;
    }
    publish_burst(p, due, now);
    p->next_burst++;
  }
  if (p->next_burst < p->bursts) return;
  p->active = 0;
  mailbox_finish(&p->box);
}

/* How long the loop may sleep: until the next due burst (0 when one is due), or forever between steps. */
static int64_t sleep_ns(const publisher_t *p) {
  if (!p->active) return -1;
  /* Woken by a response; the timeout only retries connections being opened again. */
  if (p->waiting_for_idle) return NS_PER_MS;
  int64_t wait = due_of(p, p->next_burst) * NS_PER_US - now_ns();
  return wait > 0 ? wait : 0;
}

static void begin(publisher_t *p) {
  p->per_burst_us = p->plan.rate > 0 ? (double)p->plan.burst / p->plan.rate * 1e6 : 0;
  /* Every burst due before the end: ceil(span / per burst), corrected for the µs rounding of due times. */
  double span = (double)p->plan.end_us - p->plan.start_us;
  uint64_t bursts = p->per_burst_us > 0 && span > 0 ? (uint64_t)ceil(span / p->per_burst_us) : 0;
  if (p->per_burst_us > 0) {
    while (bursts > 0 && due_of(p, bursts - 1) >= p->plan.end_us) bursts--;
    while (due_of(p, bursts) < p->plan.end_us) bursts++;
  }
  p->bursts = bursts;
  p->next_burst = p->index = 0;
  p->sent = p->skipped = p->due_in_window = p->expected = 0;
  hist_reset(&p->lag);
  if (p->bursts == 0) {
    mailbox_finish(&p->box);
    return;
  }
  p->active = 1;
}

static void *publisher_main(void *arg) {
  publisher_t *p = arg;
  struct epoll_event events[64];
  for (;;) {
    meter_wait_begins(&p->meter);
    int n = wait_events(p->epfd, events, 64, sleep_ns(p));
    meter_wait_ends(&p->meter);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; i++) {
      void *what = events[i].data.ptr;
      if (what == &p->box) {
        command_t command = mailbox_take(&p->box);
        if (command == COMMAND_PUBLISH) begin(p);
        if (command == COMMAND_STOP) {
          for (uint32_t k = 0; k < p->count; k++) {
            if (p->conns[k].fd >= 0) close(p->conns[k].fd);
            p->conns[k].fd = -1;
          }
          mailbox_finish(&p->box);
          return NULL;
        }
      } else {
        conn_event(p, what, events[i].events);
      }
    }
    pace(p);
  }
  return NULL;
}

publisher_t *publisher_create(const config_t *cfg, char *error, size_t error_len) {
  publisher_t *p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(error, error_len, "out of memory");
    return NULL;
  }
  p->cfg = cfg;
  p->count = cfg->http_connections;
  p->conns = calloc(p->count, sizeof *p->conns);
  p->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (!p->conns || p->epfd < 0 || mailbox_init(&p->box) != 0) {
    snprintf(error, error_len, "publisher setup failed: %s", strerror(errno));
    return NULL;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &p->box};
  epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->box.wake_fd, &ev);
  for (uint32_t k = 0; k < p->count; k++) {
    http_conn_t *c = &p->conns[k];
    c->fd = connect_blocking(&cfg->api);
    if (c->fd < 0) {
      snprintf(error, error_len, "HTTP API connection to %s failed: %s", cfg->api.host_header, strerror(errno));
      return NULL;
    }
    c->connected = 1;
    struct epoll_event conn_ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(p->epfd, EPOLL_CTL_ADD, c->fd, &conn_ev);
  }
  return p;
}

int publisher_start(publisher_t *p) { return pthread_create(&p->thread, NULL, publisher_main, p) == 0 ? 0 : -1; }

void publisher_destroy(publisher_t *p) {
  mailbox_call(&p->box, COMMAND_STOP);
  pthread_join(p->thread, NULL);
  close(p->epfd);
  close(p->box.wake_fd);
  for (uint32_t k = 0; k < p->count; k++) {
    buffer_free(&p->conns[k].in);
    buffer_free(&p->conns[k].out);
  }
  buffer_free(&p->body);
  free(p->conns);
  free(p);
}
