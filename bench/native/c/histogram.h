/*
 * A log-linear latency histogram in the manner of HdrHistogram: values are
 * whole microseconds; below 2,048 µs every value has its own bucket, above
 * that each power of two is split into 1,024 buckets, so a value is known to
 * within 1/1,024 (about 3 significant digits, like the hdr-histogram-js
 * histograms of the Node load generator). Values above HIST_MAX_US are
 * counted as HIST_MAX_US.
 *
 *   value (µs)      0 … 2047 | 2048 … 4095 (step 2) | 4096 … 8191 (step 4) | …
 *   bucket          0 … 2047 | 2048 … 3071          | 3072 … 4095          | …
 */
#ifndef LOADGEN_HISTOGRAM_H
#define LOADGEN_HISTOGRAM_H

#include <stdint.h>

/* Buckets of the linear range (one per µs) and bits of a value's position inside a power of two. */
#define HIST_LINEAR_BITS 11
#define HIST_LINEAR (1u << HIST_LINEAR_BITS)
#define HIST_HALF (HIST_LINEAR / 2)
/* The highest power of two kept apart: values up to 2^HIST_TOP_EXP+1 − 1 µs (about 2.4 hours). */
#define HIST_TOP_EXP 32
#define HIST_BUCKETS (HIST_LINEAR + (HIST_TOP_EXP - HIST_LINEAR_BITS + 1) * HIST_HALF)
#define HIST_MAX_US ((UINT64_C(1) << (HIST_TOP_EXP + 1)) - 1)

typedef struct {
  uint64_t counts[HIST_BUCKETS];
  uint64_t total;
  /* Exact largest and sum of the recorded values, µs. */
  uint64_t max;
  uint64_t sum;
} histogram_t;

/* Empties the histogram. */
void hist_reset(histogram_t *h);
/* Records one value, µs. */
void hist_record(histogram_t *h, uint64_t us);
/* Adds every count of `from` into `into`. */
void hist_add(histogram_t *into, const histogram_t *from);
/*
 * The value at percentile `p` (0 < p ≤ 100), µs: the highest value of the
 * bucket that holds the rank round(p/100 × total) (at least 1), never above
 * the exact maximum, as hdr-histogram-js reports it. 0 when empty.
 */
uint64_t hist_percentile(const histogram_t *h, double p);
/* Mean of the recorded values, µs (0 when empty). */
double hist_mean(const histogram_t *h);

#endif
