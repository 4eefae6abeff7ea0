#include "mailbox.h"

#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"

int mailbox_init(mailbox_t *box) {
  pthread_mutex_init(&box->lock, NULL);
  pthread_cond_init(&box->changed, NULL);
  box->command = COMMAND_NONE;
  box->done = 1;
  box->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return box->wake_fd < 0 ? -1 : 0;
}

void mailbox_post(mailbox_t *box, command_t command) {
  pthread_mutex_lock(&box->lock);
  box->command = command;
  box->done = 0;
  pthread_mutex_unlock(&box->lock);
  uint64_t one = 1;
  ssize_t written = write(box->wake_fd, &one, sizeof one);
  (void)written;
}

void mailbox_wait(mailbox_t *box) {
  pthread_mutex_lock(&box->lock);
  while (!box->done) pthread_cond_wait(&box->changed, &box->lock);
  pthread_mutex_unlock(&box->lock);
}

void mailbox_call(mailbox_t *box, command_t command) {
  mailbox_post(box, command);
  mailbox_wait(box);
}

command_t mailbox_take(mailbox_t *box) {
  uint64_t count;
  ssize_t got = read(box->wake_fd, &count, sizeof count);
  (void)got;
  pthread_mutex_lock(&box->lock);
  command_t command = box->command;
  box->command = COMMAND_NONE;
  pthread_mutex_unlock(&box->lock);
  return command;
}

void mailbox_finish(mailbox_t *box) {
  pthread_mutex_lock(&box->lock);
  box->done = 1;
  pthread_cond_broadcast(&box->changed);
  pthread_mutex_unlock(&box->lock);
}

void meter_wait_begins(loop_meter_t *meter) { atomic_store_explicit(&meter->waiting_since_ns, now_ns(), memory_order_relaxed); }

int64_t meter_wait_ends(loop_meter_t *meter) {
  int64_t now = now_ns();
  int64_t since = atomic_exchange_explicit(&meter->waiting_since_ns, 0, memory_order_relaxed);
  if (since > 0) atomic_fetch_add_explicit(&meter->waited_ns, now - since, memory_order_relaxed);
  return now;
}

int64_t meter_waited(loop_meter_t *meter, int64_t now) {
  int64_t since = atomic_load_explicit(&meter->waiting_since_ns, memory_order_relaxed);
  int64_t waited = atomic_load_explicit(&meter->waited_ns, memory_order_relaxed);
  return waited + (since > 0 && now > since ? now - since : 0);
}
