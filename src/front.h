/* The way in: every accepted or dialled connection goes through here to
 * the RFB engine.  A viewer speaking first is a browser (HTTP, upgraded
 * to WebSocket) or a TLS client (wss://); a silent one is a VNC viewer. */
#ifndef XRFB_FRONT_H
#define XRFB_FRONT_H

#include "net/conn.h"
#include "net/tls.h"
#include "rfb/server.h"
#include "util/loop.h"

struct front_opts {
	struct rfb_server *srv;
	struct net_tls_creds *tls; /* for wss://; NULL: refuse TLS first */
	const char *httpdir;	   /* web viewer files; NULL: none */
};

struct front;

struct front *front_new(struct loop *loop, const struct front_opts *o);
void front_destroy(struct front *f);

/* A connection from a listener: sniffed, then served. */
void front_accept(struct front *f, struct net_conn *conn);
/* A connection we know speaks RFB (reverse connection, inetd). */
void front_rfb(struct front *f, struct net_conn *conn);

#endif
