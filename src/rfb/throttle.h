/* Failed-login throttling per peer address, as TigerVNC does it: after
 * RFB_THROTTLE_FAILS failures an address is blocked for
 * RFB_THROTTLE_BLOCK_MS, and each failure after a block doubles the next
 * block.  A success clears the address. */
#ifndef XRFB_RFB_THROTTLE_H
#define XRFB_RFB_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RFB_THROTTLE_FAILS 5
#define RFB_THROTTLE_BLOCK_MS 10000
/* Addresses remembered; the least recently failed is forgotten first. */
#define RFB_THROTTLE_SLOTS 256

struct rfb_throttle;

struct rfb_throttle *rfb_throttle_new(void);
void rfb_throttle_free(struct rfb_throttle *t);

/* Milliseconds `host` remains blocked at time `now`, 0 if not. */
uint64_t rfb_throttle_blocked(struct rfb_throttle *t, const char *host,
			      uint64_t now);
void rfb_throttle_fail(struct rfb_throttle *t, const char *host,
		       uint64_t now);
void rfb_throttle_ok(struct rfb_throttle *t, const char *host);

/* The address part of a peer name: "1.2.3.4:5" -> "1.2.3.4",
 * "[::1]:5" -> "::1", anything else unchanged. */
void rfb_peer_host(const char *peer, char *out, size_t n);

#endif
