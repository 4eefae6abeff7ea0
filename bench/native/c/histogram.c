#include "histogram.h"

#include <string.h>

static inline uint32_t bucket_of(uint64_t v) {
  if (v < HIST_LINEAR) return (uint32_t)v;
  uint32_t exp = 63u - (uint32_t)__builtin_clzll(v); /* ≥ HIST_LINEAR_BITS */
  uint32_t shift = exp - (HIST_LINEAR_BITS - 1);
  uint32_t sub = (uint32_t)(v >> shift); /* in [HIST_HALF, HIST_LINEAR) */
  return HIST_LINEAR + (exp - HIST_LINEAR_BITS) * HIST_HALF + (sub - HIST_HALF);
}

/* The highest value that falls in bucket `i`. */
static uint64_t highest_of(uint32_t i) {
  if (i < HIST_LINEAR) return i;
  uint32_t above = i - HIST_LINEAR;
  uint32_t exp = HIST_LINEAR_BITS + above / HIST_HALF;
  uint32_t shift = exp - (HIST_LINEAR_BITS - 1);
  uint64_t sub = HIST_HALF + above % HIST_HALF;
  return (sub << shift) + ((UINT64_C(1) << shift) - 1);
}

void hist_reset(histogram_t *h) { memset(h, 0, sizeof(*h)); }

void hist_record(histogram_t *h, uint64_t us) {
  if (us > HIST_MAX_US) us = HIST_MAX_US;
  h->counts[bucket_of(us)]++;
  h->total++;
  h->sum += us;
  if (us > h->max) h->max = us;
}

void hist_add(histogram_t *into, const histogram_t *from) {
  if (from->total == 0) return;
  for (uint32_t i = 0; i < HIST_BUCKETS; i++) into->counts[i] += from->counts[i];
  into->total += from->total;
  into->sum += from->sum;
  if (from->max > into->max) into->max = from->max;
}

uint64_t hist_percentile(const histogram_t *h, double p) {
  if (h->total == 0) return 0;
  if (p > 100) p = 100;
  uint64_t rank = (uint64_t)(p / 100.0 * (double)h->total + 0.5);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (uint32_t i = 0; i < HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen >= rank) {
      uint64_t v = highest_of(i);
      return v < h->max ? v : h->max;
    }
  }
  return h->max;
}

double hist_mean(const histogram_t *h) { return h->total ? (double)h->sum / (double)h->total : 0; }
