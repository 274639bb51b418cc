/* Reverse connections: dial a listening viewer (vncviewer -listen) and
 * hand the connection over like an accepted one. */
#ifndef XRFB_NET_CONNECT_H
#define XRFB_NET_CONNECT_H

#include "net/listen.h"

struct net_connector;

/* Dial "host[:port]" ("[v6]:port" for IPv6 literals; default port
 * `defport`), retrying with backoff (1 s, doubling up to 60 s) until a
 * connection is made, then call cb once.  NULL on a malformed address. */
struct net_connector *net_connect_start(struct loop *loop,
					const char *hostport, int defport,
					net_accept_cb cb, void *data);
void net_connector_destroy(struct net_connector *nc);

#endif
