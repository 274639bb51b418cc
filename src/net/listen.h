/* Listening sockets (TCP on any address, unix, or handed over by systemd)
 * feeding accepted connections to one callback. */
#ifndef XRFB_NET_LISTEN_H
#define XRFB_NET_LISTEN_H

#include <stdbool.h>

#include "net/conn.h"
#include "util/loop.h"

struct net_listener;

/* Called for each accepted connection; the callee owns `conn`. */
typedef void (*net_accept_cb)(void *data, struct net_conn *conn);

struct net_listener *net_listener_new(struct loop *loop, net_accept_cb cb,
				      void *data);
void net_listener_destroy(struct net_listener *l);

/* Listen on TCP `port` at `addr`: a name or numeric IPv4/IPv6 address,
 * "localhost" for 127.0.0.1 and ::1, or NULL for every address.  Port 0
 * picks a free port the first time and reuses it for later addresses.
 * 0, or -1 with errno (EADDRINUSE: taken, EADDRNOTAVAIL: no such
 * address, ENOENT: the name does not resolve). */
int net_listener_add_tcp(struct net_listener *l, const char *addr, int port);
/* A unix socket at `path`, mode 0600 (a stale socket file is replaced;
 * anything else there is an error). */
int net_listener_add_unix(struct net_listener *l, const char *path);
/* An already listening socket (systemd socket activation). */
int net_listener_add_fd(struct net_listener *l, int fd);

/* Whether a listening socket only takes connections from this machine
 * (loopback or unix). */
bool net_listener_fd_is_local(int fd);

/* The TCP port bound, or -1 if none. */
int net_listener_port(const struct net_listener *l);

#endif
