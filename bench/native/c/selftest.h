/* Checks of the pure parts (SHA-1, handshake, histogram, stamps, lines, frames split at every byte); `loadgen --self-test`. */
#ifndef LOADGEN_SELFTEST_H
#define LOADGEN_SELFTEST_H

/* Runs every check, prints each failure and a summary on stdout; 0 when all passed. */
int self_test(void);

#endif
