/*
 * The one clock of every reading: CLOCK_MONOTONIC, as Node's process.hrtime
 * reads it, so stamps written here and times the TypeScript driver computes
 * (bench/common/clock.ts) are on the same scale.
 */
#ifndef LOADGEN_CLOCK_H
#define LOADGEN_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_US 1000LL
#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL

/* Nanoseconds on CLOCK_MONOTONIC. */
static inline int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Nanoseconds of a timespec. */
static inline int64_t timespec_ns(const struct timespec *ts) {
  return (int64_t)ts->tv_sec * NS_PER_S + ts->tv_nsec;
}

/* A timespec of nanoseconds. */
static inline struct timespec ns_timespec(int64_t ns) {
  struct timespec ts = {.tv_sec = ns / NS_PER_S, .tv_nsec = ns % NS_PER_S};
  return ts;
}

/* Sleeps until `ns` on CLOCK_MONOTONIC (returns at once when it has passed). */
static inline void sleep_until_ns(int64_t ns) {
  struct timespec ts = ns_timespec(ns);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
  }
}

/* Sleeps `ms` milliseconds. */
static inline void sleep_ms(int64_t ms) { sleep_until_ns(now_ns() + ms * NS_PER_MS); }

#endif
