/* A small HTTP/1.1 front for connections whose first bytes are an HTTP
 * request: the WebSocket upgrade a browser viewer (noVNC) asks for, and
 * the viewer's static files.  One request per connection. */
#ifndef XRFB_NET_HTTP_H
#define XRFB_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "net/conn.h"
#include "util/loop.h"

/* The request line and headers must fit here (else 431, then close), by
 * default. */
#define NET_HTTP_MAX_HEADER 8192
#define NET_HTTP_DEFAULT_TIMEOUT_MS 10000

struct net_http_opts {
	/* Directory of static files (e.g. /usr/share/novnc); NULL: none,
	 * every file request gets a 404 saying how to set -httpdir. */
	const char *httpdir;
	/* "/" redirects here (e.g. "vnc.html"); NULL: serve index.html. */
	const char *index;
	/* Time allowed to send the request, and the longest stall while we
	 * send a response; 0: NET_HTTP_DEFAULT_TIMEOUT_MS. */
	int timeout_ms;
	/* Request head bytes accepted; 0: NET_HTTP_MAX_HEADER. */
	size_t max_header;
	/* WebSocket frame payload bytes accepted; 0: NET_WS_MAX_FRAME. */
	uint64_t ws_max_frame;
};

/* Called with the WebSocket layer over the connection once a WebSocket
 * upgrade succeeded; the callee owns `ws` and must watch ws->fd itself
 * (the HTTP front has stopped watching it).  Never called from within
 * net_http_serve. */
typedef void (*net_http_upgraded_cb)(void *data, struct net_conn *ws);

/* Serve `conn` (taking ownership) through `loop`: read one request,
 * answer it, close, or hand the upgraded connection to `upgraded`.
 * `o` is copied; its strings must outlive the connection. */
void net_http_serve(struct loop *loop, struct net_conn *conn,
		    const struct net_http_opts *o,
		    net_http_upgraded_cb upgraded, void *data);

#endif
