/*
 * switchyard's native load generator: S WebSocket subscribers over C
 * channels and a paced HTTP API publisher, measuring latency from each
 * publication's due time (no coordinated omission), the delivered ratio,
 * closed connections and its own CPU. See bench/native/README section in
 * bench/README.md and `loadgen --help`.
 *
 * Threads: this one (control: command line, stdin commands, window edges,
 * drain, JSON on stdout), one publisher, R receivers; each worker has its own
 * epoll and sleeps in epoll_wait when idle.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "clock.h"
#include "config.h"
#include "publisher.h"
#include "receiver.h"
#include "selftest.h"

/* No publication for this long means nothing more is in flight, ns (as in bench/fanout/step.ts). */
#define QUIET_NS (300 * NS_PER_MS)
/* How often the drain and settle loops look, ms. */
#define POLL_MS 20
/* The longest wait for quiet after a step, ns. */
#define SETTLE_LIMIT_NS (5 * NS_PER_S)
#define MAX_RECEIVERS 64

static config_t cfg;
static publisher_t *publisher;
static receiver_t *receivers[MAX_RECEIVERS];

static const char USAGE[] =
    "usage: loadgen --url ws://HOST:PORT/connection/websocket --api http://HOST:PORT/api --key KEY [options]\n"
    "  --subscribers S          subscriber connections (default 1000); connection j subscribes to channel j mod C\n"
    "  --channels C             channels (default 1), named PREFIX0 … PREFIX(C-1)\n"
    "  --channel-prefix P       channel name prefix (default bench-)\n"
    "  --payload BYTES          publication payload size (default 100)\n"
    "  --http-connections K     keep-alive API connections used in turn (default 32)\n"
    "  --receivers R            receiver threads (default 1)\n"
    "  --connect-concurrency N  handshakes in flight (default 100)\n"
    "  --max-in-flight N        unacknowledged publications before bursts are skipped (default 512)\n"
    "  --no-pipelining          a due burst waits for an idle API connection instead of being pipelined\n"
    "  --nice N                 run every thread at niceness N (-20..19; below 0 needs CAP_SYS_NICE)\n"
    "one step (default mode):\n"
    "  --rate R                 publications per second (all channels)\n"
    "  --burst B                publications per request: 1 = /api/publish, more = /api/batch (default 1)\n"
    "  --warmup S --window S --drain S   seconds (default 0.5, 2.5, 3)\n"
    "--serve: after connecting, read commands on stdin, one per line, each answered with one JSON line:\n"
    "  step rate=<publications/s> burst=<n> start=<ms> from=<ms> to=<ms> drain=<ms>   (times on CLOCK_MONOTONIC)\n"
    "  quit\n"
    "--self-test: check the codecs and the histogram, print the outcome, exit 0 or 1.\n"
    "Output: JSON lines on stdout ({\"type\":\"ready\",…}, {\"type\":\"step\",…}, {\"type\":\"error\",…}).\n";

/* ---- JSON output ---- */

static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') fprintf(out, "\\%c", ch);
    else if (ch < 0x20) fprintf(out, "\\u%04x", ch);
    else fputc(ch, out);
  }
  fputc('"', out);
}

static void report_error(const char *message) {
  fputs("{\"type\":\"error\",\"message\":", stdout);
  json_string(stdout, message);
  fputs("}\n", stdout);
  fflush(stdout);
}

/* ---- readings at the window edges ---- */

/* Thread 0 is the publisher, thread 1 + i receiver i. */
typedef struct {
  int64_t at_ns;
  double user_s;
  double system_s;
  double thread_cpu_s[MAX_RECEIVERS + 1];
  int64_t waited_ns[MAX_RECEIVERS + 1];
} snapshot_t;

static double thread_cpu_seconds(pthread_t thread) {
  clockid_t clock;
  struct timespec ts;
  if (pthread_getcpuclockid(thread, &clock) != 0 || clock_gettime(clock, &ts) != 0) return NAN;
  return (double)timespec_ns(&ts) / 1e9;
}

static void take_snapshot(snapshot_t *s) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  s->at_ns = now_ns();
  s->user_s = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6;
  s->system_s = (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
  s->thread_cpu_s[0] = thread_cpu_seconds(publisher->thread);
  s->waited_ns[0] = meter_waited(&publisher->meter, s->at_ns);
  for (uint32_t i = 0; i < cfg.receivers; i++) {
    s->thread_cpu_s[1 + i] = thread_cpu_seconds(receivers[i]->thread);
    s->waited_ns[1 + i] = meter_waited(&receivers[i]->meter, s->at_ns);
  }
}

/* ---- a step ---- */

typedef struct {
  /* Publications per second and per request. */
  double rate;
  uint32_t burst;
  /* When the first burst is due, and the window [from, to), ms on CLOCK_MONOTONIC; the longest drain, ms. */
  double start_ms;
  double from_ms;
  double to_ms;
  double drain_ms;
} step_spec_t;

static uint64_t recorded_so_far(void) {
  uint64_t total = 0;
  for (uint32_t i = 0; i < cfg.receivers; i++) total += atomic_load_explicit(&receivers[i]->recorded, memory_order_relaxed);
  return total;
}

static int64_t last_receive(void) {
  int64_t last = 0;
  for (uint32_t i = 0; i < cfg.receivers; i++) {
    int64_t t = atomic_load_explicit(&receivers[i]->last_receive_ns, memory_order_relaxed);
    if (t > last) last = t;
  }
  return last;
}

static void print_ms(FILE *out, const char *name, double ms, int comma) {
  if (isfinite(ms)) fprintf(out, "\"%s\":%.3f%s", name, ms, comma ? "," : "");
  else fprintf(out, "\"%s\":null%s", name, comma ? "," : "");
}

static void run_step(const step_spec_t *spec) {
  window_t window = {
      .from_us = (int64_t)ceil(spec->from_ms * 1000),
      .to_us = (int64_t)ceil(spec->to_ms * 1000),
      .from_ns = llround(spec->from_ms * 1e6),
      .to_ns = llround(spec->to_ms * 1e6),
  };
  for (uint32_t i = 0; i < cfg.receivers; i++) {
    receivers[i]->next_window = window;
    mailbox_call(&receivers[i]->box, COMMAND_WINDOW);
  }
  uint64_t errors_before = atomic_load(&publisher->errors);
  publisher->plan = (publish_plan_t){
      .rate = spec->rate,
      .burst = spec->burst,
      .start_us = spec->start_ms * 1000,
      .end_us = window.to_us,
      .count_from_us = window.from_us,
  };
  mailbox_post(&publisher->box, COMMAND_PUBLISH);

  snapshot_t start = {0}, end = {0};
  int measured = window.to_ns > window.from_ns;
  if (measured) {
    sleep_until_ns(window.from_ns);
    take_snapshot(&start);
    sleep_until_ns(window.to_ns);
    take_snapshot(&end);
  }
  mailbox_wait(&publisher->box);
  uint64_t expected = publisher->expected;

  int64_t drain_end = window.to_ns + llround(spec->drain_ms * 1e6);
  for (;;) {
    int64_t now = now_ns();
    if (recorded_so_far() >= expected || now > drain_end) break;
    if (now > window.to_ns + QUIET_NS && now - last_receive() > QUIET_NS) break;
    sleep_ms(POLL_MS);
  }

  static histogram_t latency;
  hist_reset(&latency);
  uint64_t recorded = 0, received = 0, received_in_window = 0, bytes_in_window = 0, disconnected = 0;
  close_count_t closes[MAX_CLOSE_CODES];
  uint32_t close_kinds = 0;
  for (uint32_t i = 0; i < cfg.receivers; i++) {
    mailbox_call(&receivers[i]->box, COMMAND_COLLECT);
    const receiver_report_t *r = &receivers[i]->report;
    hist_add(&latency, &r->latency);
    recorded += r->recorded;
    received += r->received;
    received_in_window += r->received_in_window;
    bytes_in_window += r->bytes_in_window;
    disconnected += r->disconnected;
    for (uint32_t k = 0; k < r->close_kinds; k++) {
      uint32_t j = 0;
      while (j < close_kinds && closes[j].code != r->closes[k].code) j++;
      if (j == close_kinds) {
        if (close_kinds == MAX_CLOSE_CODES) continue;
        closes[close_kinds++] = (close_count_t){.code = r->closes[k].code, .count = 0};
      }
      closes[j].count += r->closes[k].count;
    }
  }

  int64_t settle_end = now_ns() + SETTLE_LIMIT_NS;
  while (now_ns() < settle_end) {
    if (atomic_load(&publisher->in_flight) <= 0 && now_ns() - last_receive() > QUIET_NS / 2) break;
    sleep_ms(POLL_MS);
  }

  FILE *out = stdout;
  double window_s = (double)(window.to_ns - window.from_ns) / 1e9;
  fprintf(out, "{\"type\":\"step\",\"rate\":%.3f,\"burst\":%u,\"windowSeconds\":%.6f,", spec->rate, spec->burst, window_s);
  fprintf(out, "\"publisher\":{\"scheduled\":%llu,\"sent\":%llu,\"skipped\":%llu,\"errors\":%llu,\"dueInWindow\":%llu,\"lagMs\":{",
          (unsigned long long)(publisher->sent + publisher->skipped), (unsigned long long)publisher->sent, (unsigned long long)publisher->skipped,
          (unsigned long long)(atomic_load(&publisher->errors) - errors_before), (unsigned long long)publisher->due_in_window);
  print_ms(out, "p50", (double)hist_percentile(&publisher->lag, 50) / 1000, 1);
  print_ms(out, "p99", (double)hist_percentile(&publisher->lag, 99) / 1000, 1);
  print_ms(out, "max", (double)publisher->lag.max / 1000, 0);
  fprintf(out, "}},\"expected\":%llu,\"recorded\":%llu,\"received\":%llu,\"receivedInWindow\":%llu,\"bytesInWindow\":%llu,", (unsigned long long)expected,
          (unsigned long long)recorded, (unsigned long long)received, (unsigned long long)received_in_window, (unsigned long long)bytes_in_window);
  double nan = NAN;
  int any = latency.total > 0;
  fprintf(out, "\"latencyMs\":{\"count\":%llu,", (unsigned long long)latency.total);
  print_ms(out, "p50", any ? (double)hist_percentile(&latency, 50) / 1000 : nan, 1);
  print_ms(out, "p90", any ? (double)hist_percentile(&latency, 90) / 1000 : nan, 1);
  print_ms(out, "p99", any ? (double)hist_percentile(&latency, 99) / 1000 : nan, 1);
  print_ms(out, "p999", any ? (double)hist_percentile(&latency, 99.9) / 1000 : nan, 1);
  print_ms(out, "max", any ? (double)latency.max / 1000 : nan, 1);
  print_ms(out, "mean", any ? hist_mean(&latency) / 1000 : nan, 0);
  fprintf(out, "},\"disconnected\":%llu,\"closeCodes\":{", (unsigned long long)disconnected);
  for (uint32_t j = 0; j < close_kinds; j++) fprintf(out, "%s\"%u\":%llu", j ? "," : "", closes[j].code, (unsigned long long)closes[j].count);
  fprintf(out, "},\"cpu\":{\"seconds\":%.6f,\"userSeconds\":%.6f,\"systemSeconds\":%.6f},\"threads\":[",
          measured ? (end.user_s + end.system_s) - (start.user_s + start.system_s) : 0.0, measured ? end.user_s - start.user_s : 0.0,
          measured ? end.system_s - start.system_s : 0.0);
  for (uint32_t t = 0; t <= cfg.receivers; t++) {
    double cpu = measured ? end.thread_cpu_s[t] - start.thread_cpu_s[t] : 0;
    double elapsed = measured ? (double)(end.at_ns - start.at_ns) : 0;
    double busy = elapsed > 0 ? 1.0 - (double)(end.waited_ns[t] - start.waited_ns[t]) / elapsed : 0;
    uint64_t reads = t ? receivers[t - 1]->report.reads_in_window : 0, wakeups = t ? receivers[t - 1]->report.wakeups_in_window : 0;
    fprintf(out, "%s{\"role\":\"%s\",\"cpuSeconds\":%.6f,\"busy\":%.4f,\"reads\":%llu,\"wakeups\":%llu}", t ? "," : "", t ? "receiver" : "publisher", cpu,
            busy < 0 ? 0 : busy, (unsigned long long)reads, (unsigned long long)wakeups);
  }
  fputs("]}\n", out);
  fflush(out);
}

/* ---- commands ---- */

static int parse_step(char *line, step_spec_t *spec) {
  *spec = (step_spec_t){.rate = 0, .burst = 1, .start_ms = NAN, .from_ms = NAN, .to_ms = NAN, .drain_ms = 3000};
  for (char *field = strtok(line + 4, " \t\n"); field; field = strtok(NULL, " \t\n")) {
    char *eq = strchr(field, '=');
    if (!eq) return -1;
    *eq = '\0';
    double v = strtod(eq + 1, NULL);
    if (strcmp(field, "rate") == 0) spec->rate = v;
    else if (strcmp(field, "burst") == 0) spec->burst = v >= 1 ? (uint32_t)v : 1;
    else if (strcmp(field, "start") == 0) spec->start_ms = v;
    else if (strcmp(field, "from") == 0) spec->from_ms = v;
    else if (strcmp(field, "to") == 0) spec->to_ms = v;
    else if (strcmp(field, "drain") == 0) spec->drain_ms = v;
    else return -1;
  }
  if (!isfinite(spec->start_ms) || !isfinite(spec->from_ms) || !isfinite(spec->to_ms) || spec->to_ms < spec->from_ms || spec->rate < 0) return -1;
  return 0;
}

static void serve(void) {
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    if (strncmp(line, "quit", 4) == 0) break;
    step_spec_t spec;
    if (strncmp(line, "step", 4) == 0 && parse_step(line, &spec) == 0) run_step(&spec);
    else report_error("unknown or malformed command (use: step rate=… burst=… start=… from=… to=… drain=…, or quit)");
  }
  free(line);
}

/* ---- start-up ---- */

static int parse_args(int argc, char **argv) {
  char url[1024] = "", api[1024] = "", error[256];
  cfg = (config_t){.subscribers = 1000, .channels = 1, .payload_bytes = 100, .http_connections = 32, .receivers = 1, .connect_concurrency = 100,
                   .max_in_flight = 512, .burst = 1, .rate = -1, .warmup_s = 0.5, .window_s = 2.5, .drain_s = 3};
  snprintf(cfg.channel_prefix, sizeof cfg.channel_prefix, "bench-");
  static const struct option options[] = {
      {"url", required_argument, 0, 'u'},           {"api", required_argument, 0, 'a'},
      {"key", required_argument, 0, 'k'},           {"subscribers", required_argument, 0, 's'},
      {"channels", required_argument, 0, 'c'},      {"channel-prefix", required_argument, 0, 'P'},
      {"payload", required_argument, 0, 'p'},       {"http-connections", required_argument, 0, 'K'},
      {"receivers", required_argument, 0, 'R'},     {"connect-concurrency", required_argument, 0, 'C'},
      {"max-in-flight", required_argument, 0, 'M'}, {"burst", required_argument, 0, 'b'},
      {"rate", required_argument, 0, 'r'},          {"warmup", required_argument, 0, 'W'},
      {"window", required_argument, 0, 'w'},        {"drain", required_argument, 0, 'd'},
      {"serve", no_argument, 0, 'S'},               {"self-test", no_argument, 0, 'T'},
      {"no-pipelining", no_argument, 0, 'N'},       {"help", no_argument, 0, 'h'},
      {"nice", required_argument, 0, 'n'},
      {0, 0, 0, 0},
  };
  int option;
  while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
    switch (option) {
      case 'u': snprintf(url, sizeof url, "%s", optarg); break;
      case 'a': snprintf(api, sizeof api, "%s", optarg); break;
      case 'k': snprintf(cfg.api_key, sizeof cfg.api_key, "%s", optarg); break;
      case 's': cfg.subscribers = (uint32_t)strtoul(optarg, NULL, 10); break;
      case 'c': cfg.channels = (uint32_t)strtoul(optarg, NULL, 10); break;
      case 'P': snprintf(cfg.channel_prefix, sizeof cfg.channel_prefix, "%s", optarg); break;
      case 'p': cfg.payload_bytes = (uint32_t)strtoul(optarg, NULL, 10); break;
      case 'K': cfg.http_connections = (uint32_t)strtoul(optarg, NULL, 10); break;
      case 'R': cfg.receivers = (uint32_t)strtoul(optarg, NULL, 10); break;
      case 'C': cfg.connect_concurrency = (uint32_t)strtoul(optarg, NULL, 10); break;
      case 'M': cfg.max_in_flight = (uint32_t)strtoul(optarg, NULL, 10); break;
      case 'b': cfg.burst = (uint32_t)strtoul(optarg, NULL, 10); break;
      case 'r': cfg.rate = strtod(optarg, NULL); break;
      case 'W': cfg.warmup_s = strtod(optarg, NULL); break;
      case 'w': cfg.window_s = strtod(optarg, NULL); break;
      case 'd': cfg.drain_s = strtod(optarg, NULL); break;
      case 'S': cfg.serve = 1; break;
      case 'N': cfg.no_pipelining = 1; break;
      case 'n': {
        char *end = NULL;
        long value = strtol(optarg, &end, 10);
        /* Anything but a whole number is out of range, and refused below. */
        cfg.nice = (end == optarg || *end != '\0' || value < -20 || value > 19) ? 100 : (int)value;
        cfg.nice_set = 1;
        break;
      }
      case 'T': exit(self_test() == 0 ? 0 : 1);
      case 'h': fputs(USAGE, stdout); exit(0);
      default: fputs(USAGE, stderr); return -1;
    }
  }
  const char *bad = NULL;
  if (!url[0] || !api[0]) bad = "--url and --api are required";
  else if (cfg.channels < 1) bad = "--channels must be at least 1";
  else if (cfg.receivers < 1 || cfg.receivers > MAX_RECEIVERS) bad = "--receivers must be 1..64";
  else if (cfg.http_connections < 1 || cfg.http_connections > 4096) bad = "--http-connections must be 1..4096";
  else if (cfg.payload_bytes > (16u << 20)) bad = "--payload must be at most 16 MiB";
  else if (cfg.burst < 1) bad = "--burst must be at least 1";
  else if (cfg.connect_concurrency < 1) bad = "--connect-concurrency must be at least 1";
  else if (!cfg.serve && !(cfg.rate >= 0)) bad = "--rate (publications/s) is required unless --serve";
  else if (cfg.nice_set && (cfg.nice < -20 || cfg.nice > 19)) bad = "--nice must be -20..19";
  if (bad) {
    report_error(bad);
    return -1;
  }
  if (endpoint_parse(url, &cfg.ws, error, sizeof error) != 0 || endpoint_parse(api, &cfg.api, error, sizeof error) != 0) {
    report_error(error);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (parse_args(argc, argv) != 0) return 2;
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  raise_fd_limit();

  /* Before any thread starts (see config.h): a refusal is reported in the ready line, and the run goes on. */
  char nice_error[160] = "";
  if (cfg.nice_set && setpriority(PRIO_PROCESS, 0, cfg.nice) != 0) {
    snprintf(nice_error, sizeof nice_error, "could not set niceness %d: %s", cfg.nice, strerror(errno));
  }
  errno = 0;
  int nice_now = getpriority(PRIO_PROCESS, 0);

  char error[256];
  publisher = publisher_create(&cfg, error, sizeof error);
  if (!publisher || publisher_start(publisher) != 0) {
    report_error(publisher ? "cannot start the publisher thread" : error);
    return 1;
  }
  for (uint32_t i = 0; i < cfg.receivers; i++) {
    receivers[i] = receiver_create(&cfg, i);
    if (!receivers[i] || receiver_start(receivers[i]) != 0) {
      report_error("cannot set up a receiver thread");
      return 1;
    }
  }

  int64_t started = now_ns();
  for (uint32_t i = 0; i < cfg.receivers; i++) mailbox_post(&receivers[i]->box, COMMAND_CONNECT);
  uint64_t connected = 0, failed = 0;
  int64_t settled = started;
  for (uint32_t i = 0; i < cfg.receivers; i++) {
    mailbox_wait(&receivers[i]->box);
    connected += receivers[i]->connect.connected;
    failed += receivers[i]->connect.failed;
    if (receivers[i]->connect.settled_ns > settled) settled = receivers[i]->connect.settled_ns;
  }
  printf("{\"type\":\"ready\",\"connected\":%llu,\"failed\":%llu,\"connectSeconds\":%.6f,\"receivers\":%u,\"httpConnections\":%u,\"nice\":%d,",
         (unsigned long long)connected, (unsigned long long)failed, (double)(settled - started) / 1e9, cfg.receivers, cfg.http_connections, nice_now);
  if (nice_error[0]) {
    fputs("\"niceError\":", stdout);
    json_string(stdout, nice_error);
    fputc(',', stdout);
  }
  fputs("\"errors\":[", stdout);
  int shown = 0;
  for (uint32_t i = 0; i < cfg.receivers; i++) {
    for (uint32_t k = 0; k < receivers[i]->connect.error_count && shown < MAX_ERRORS; k++, shown++) {
      if (shown) fputc(',', stdout);
      json_string(stdout, receivers[i]->connect.errors[k]);
    }
  }
  fputs("]}\n", stdout);
  fflush(stdout);

  if (cfg.serve) {
    serve();
  } else if (failed == 0) {
    double start = (double)now_ns() / 1e6 + 100;
    step_spec_t spec = {.rate = cfg.rate, .burst = cfg.burst, .start_ms = start, .from_ms = start + cfg.warmup_s * 1000};
    spec.to_ms = spec.from_ms + cfg.window_s * 1000;
    spec.drain_ms = cfg.drain_s * 1000;
    run_step(&spec);
  }

  for (uint32_t i = 0; i < cfg.receivers; i++) receiver_destroy(receivers[i]);
  publisher_destroy(publisher);
  return failed == 0 ? 0 : 1;
}
