#define _GNU_SOURCE
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int endpoint_parse(const char *url, endpoint_t *out, char *error, size_t error_len) {
  memset(out, 0, sizeof(*out));
  const char *rest;
  if (strncmp(url, "ws://", 5) == 0) {
    rest = url + 5;
  } else if (strncmp(url, "http://", 7) == 0) {
    rest = url + 7;
  } else {
    snprintf(error, error_len, "unsupported URL \"%s\" (ws:// or http:// only)", url);
    return -1;
  }
  const char *slash = strchr(rest, '/');
  const char *authority_end = slash ? slash : rest + strlen(rest);
  const char *colon = memchr(rest, ':', (size_t)(authority_end - rest));
  const char *host_end = colon ? colon : authority_end;
  size_t host_len = (size_t)(host_end - rest);
  if (host_len == 0 || host_len >= sizeof out->host) {
    snprintf(error, error_len, "bad host in URL \"%s\"", url);
    return -1;
  }
  memcpy(out->host, rest, host_len);
  out->port = colon ? atoi(colon + 1) : 80;
  if (out->port <= 0 || out->port > 65535) {
    snprintf(error, error_len, "bad port in URL \"%s\"", url);
    return -1;
  }
  snprintf(out->host_header, sizeof out->host_header, "%s:%d", out->host, out->port);
  snprintf(out->path, sizeof out->path, "%s", slash ? slash : "/");
  size_t path_len = strlen(out->path);
  if (path_len > 1 && out->path[path_len - 1] == '/') out->path[path_len - 1] = '\0';

  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  struct addrinfo *found = NULL;
  char port[8];
  snprintf(port, sizeof port, "%d", out->port);
  int rc = getaddrinfo(out->host, port, &hints, &found);
  if (rc != 0 || !found) {
    snprintf(error, error_len, "cannot resolve \"%s\": %s", out->host, gai_strerror(rc));
    return -1;
  }
  memcpy(&out->addr, found->ai_addr, found->ai_addrlen);
  out->addr_len = found->ai_addrlen;
  freeaddrinfo(found);
  return 0;
}

static void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int connect_nonblocking(const endpoint_t *e) {
  int fd = socket(e->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  set_nodelay(fd);
  if (connect(fd, (const struct sockaddr *)&e->addr, e->addr_len) != 0 && errno != EINPROGRESS) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

int connect_blocking(const endpoint_t *e) {
  int fd = socket(e->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  set_nodelay(fd);
  if (connect(fd, (const struct sockaddr *)&e->addr, e->addr_len) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

void raise_fd_limit(void) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}
