/* Addresses and sockets: parsing ws:// and http:// URLs, opening non-blocking TCP connections. */
#ifndef LOADGEN_NET_H
#define LOADGEN_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

/* Where a URL points. */
typedef struct {
  /* Host as written, and "host:port" for the Host header. */
  char host[256];
  char host_header[300];
  int port;
  /* Path without a trailing slash ("/connection/websocket", "/api"). */
  char path[512];
  struct sockaddr_storage addr;
  socklen_t addr_len;
} endpoint_t;

/*
 * Parses `url` (scheme ws or http, default port 80) and resolves its host.
 * Returns 0, or -1 with a reason in `error`.
 */
int endpoint_parse(const char *url, endpoint_t *out, char *error, size_t error_len);

/* A non-blocking TCP socket connecting to `e` (TCP_NODELAY set): the fd, or -1 (errno set). */
int connect_nonblocking(const endpoint_t *e);

/* A connected TCP socket to `e`, made non-blocking after a blocking connect: the fd, or -1 (errno set). */
int connect_blocking(const endpoint_t *e);

/* Raises the soft limit of open files to the hard limit (10,000 connections need it). */
void raise_fd_limit(void);

#endif
