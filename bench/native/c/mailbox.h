/*
 * How the control thread talks to a worker thread (publisher or receiver):
 * it fills the worker's request fields, posts a command (which wakes the
 * worker's epoll through an eventfd), and waits until the worker says done.
 * The mutex orders the request fields before the worker reads them and the
 * worker's answer fields before the control thread reads them.
 */
#ifndef LOADGEN_MAILBOX_H
#define LOADGEN_MAILBOX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* What a worker is asked to do. */
typedef enum {
  COMMAND_NONE = 0,
  /* Receivers: connect and subscribe every connection (done when all are subscribed or failed). */
  COMMAND_CONNECT,
  /* Receivers: start a new measurement window (resets the counters). */
  COMMAND_WINDOW,
  /* Receivers: copy the window's measurements into the report. */
  COMMAND_COLLECT,
  /* Publisher: publish per the step plan (done when the last due burst has gone). */
  COMMAND_PUBLISH,
  /* Everyone: close every connection and end the thread. */
  COMMAND_STOP,
} command_t;

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  /* Readable in the worker's epoll when a command is posted. */
  int wake_fd;
  command_t command;
  int done;
} mailbox_t;

/* Sets up the mailbox (its eventfd). Returns 0, or -1. */
int mailbox_init(mailbox_t *box);
/* Control side: posts `command` and wakes the worker. */
void mailbox_post(mailbox_t *box, command_t command);
/* Control side: waits until the worker has finished the posted command. */
void mailbox_wait(mailbox_t *box);
/* Control side: posts and waits. */
void mailbox_call(mailbox_t *box, command_t command);
/* Worker side (wake_fd readable): takes the posted command (COMMAND_NONE if there is none). */
command_t mailbox_take(mailbox_t *box);
/* Worker side: the command is finished. */
void mailbox_finish(mailbox_t *box);

/*
 * How long a worker's loop waits in epoll_wait, so the control thread can
 * tell how busy the loop was over a window (like Node's event-loop
 * utilization): busy = 1 − waited / elapsed.
 */
typedef struct {
  _Atomic int64_t waited_ns;
  /* When the current wait began; 0 while the loop works. */
  _Atomic int64_t waiting_since_ns;
} loop_meter_t;

/* Before epoll_wait. */
void meter_wait_begins(loop_meter_t *meter);
/* After epoll_wait; returns the time it ended, ns. */
int64_t meter_wait_ends(loop_meter_t *meter);
/* Nanoseconds spent waiting up to `now`, counting a wait in progress. */
int64_t meter_waited(loop_meter_t *meter, int64_t now);

#endif
