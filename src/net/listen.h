/* TCP listeners feeding accepted connections to a callback. */
#ifndef XRFB_NET_LISTEN_H
#define XRFB_NET_LISTEN_H

#include <stdbool.h>

#include "net/conn.h"
#include "util/loop.h"

struct net_listener;

/* Called for each accepted connection; the callee owns `conn`. */
typedef void (*net_accept_cb)(void *data, struct net_conn *conn);

/* Listen on `port` (0: the kernel picks one) on every address, or only on
 * loopback (127.0.0.1 and ::1) when `loopback`.  NULL with errno set when
 * nothing could be bound (EADDRINUSE: port taken). */
struct net_listener *net_listen_tcp(struct loop *loop, int port,
				    bool loopback, net_accept_cb cb,
				    void *data);
/* The port actually bound. */
int net_listener_port(const struct net_listener *l);
void net_listener_destroy(struct net_listener *l);

#endif
