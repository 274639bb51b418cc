/* WebSocket (RFC 6455) server side as a stream layer: the RFB bytes a
 * viewer such as noVNC sends in masked frames come out of read() as one
 * plain byte stream, and write() frames our bytes as binary messages. */
#ifndef XRFB_NET_WS_H
#define XRFB_NET_WS_H

#include <stdbool.h>
#include <stdint.h>

#include "net/conn.h"

/* Largest frame payload a client may announce, by default.  Payloads are
 * unmasked straight into the reader's buffer and never held whole, so this
 * only rejects absurd lengths (RFB messages are far smaller) with close
 * 1009. */
#define NET_WS_MAX_FRAME (64u << 20)

/* Payload bytes per frame we send: a large framebuffer update goes out as
 * several frames, which the client joins back into one stream. */
#define NET_WS_OUT_FRAME 65536

/* Framed output held in the layer before write() says EAGAIN, so the
 * caller's own queue and its cap stay in charge of a slow reader. */
#define NET_WS_OUT_QUEUE (256u << 10)

/* Close status codes (RFC 6455 7.4.1). */
enum {
	NET_WS_CLOSE_NORMAL = 1000,
	NET_WS_CLOSE_PROTOCOL = 1002,
	NET_WS_CLOSE_TOO_BIG = 1009,
};

/* Length of a Sec-WebSocket-Accept value, without the NUL. */
#define NET_WS_ACCEPT_LEN 28

/* A WebSocket layer over an upgraded connection (the HTTP handshake is
 * done), refusing frames over `max_frame` bytes (0: NET_WS_MAX_FRAME).
 * Takes ownership of inner; NULL on OOM (inner is kept). */
struct net_conn *net_ws_new(struct net_conn *inner, uint64_t max_frame);

/* True if `key` is a valid Sec-WebSocket-Key: base64 of 16 bytes. */
bool net_ws_key_valid(const char *key, size_t len);

/* The Sec-WebSocket-Accept value for a valid key (RFC 6455 4.2.2):
 * base64(SHA-1(key + GUID)), NUL-terminated. */
void net_ws_accept(const char *key, size_t len,
		   char out[NET_WS_ACCEPT_LEN + 1]);

#endif
