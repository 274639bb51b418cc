/* What does a new connection speak?  RFB viewers wait for the server to
 * talk first; browsers send an HTTP request and TLS clients a ClientHello
 * straight away.  So: wait briefly for the peer's first bytes. */
#ifndef XRFB_NET_SNIFF_H
#define XRFB_NET_SNIFF_H

#include "net/conn.h"
#include "util/loop.h"

enum net_proto {
	NET_PROTO_RFB,	/* silent, or bytes that are neither of these */
	NET_PROTO_HTTP, /* "GET ", "HEAD" */
	NET_PROTO_TLS,	/* a TLS handshake record */
};

/* How long a silent peer is given before it is taken for a viewer. */
#define NET_SNIFF_MS 250

/* Called once with the connection (the bytes read while sniffing put
 * back in front), or with conn NULL if the peer went away. */
typedef void (*net_sniff_cb)(void *data, struct net_conn *conn,
			     enum net_proto proto);

/* Takes ownership of `conn` until the callback. */
void net_sniff(struct loop *loop, struct net_conn *conn, int wait_ms,
	       net_sniff_cb cb, void *data);

#endif
