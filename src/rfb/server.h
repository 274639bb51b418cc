/* The RFB engine: the set of clients, their handshakes and messages, and
 * update scheduling.  Transport-agnostic (takes struct net_conn) and
 * desktop-agnostic (talks to an rfb_desktop). */
#ifndef XRFB_RFB_SERVER_H
#define XRFB_RFB_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "net/conn.h"
#include "rfb/desktop.h"
#include "util/loop.h"

/* Caps on client-controlled sizes, checked before any allocation. */
#define RFB_DEFAULT_MAX_CUTTEXT (1u << 20)
#define RFB_DEFAULT_MAX_QUEUE (64u << 20)
#define RFB_DEFAULT_HANDSHAKE_MS 30000

struct rfb_server_opts {
	const char *name;	/* desktop name in ServerInit */
	const char *passwd;	/* VNC auth full-access password, or NULL */
	const char *view_passwd; /* VNC auth view-only password, or NULL */
	bool viewonly;		/* all clients view-only */
	bool shared;		/* ignore exclusive requests (-shared) */
	size_t max_cuttext;	/* ClientCutText bytes accepted */
	size_t max_queue;	/* output bytes queued before a drop */
	int handshake_ms;	/* time allowed to reach the normal phase */
};

struct rfb_server *rfb_server_new(struct loop *loop,
				  const struct rfb_server_opts *opts,
				  struct rfb_desktop desk);
/* Closes every client. */
void rfb_server_destroy(struct rfb_server *srv);

/* Serve a new connection; the server owns `conn` from here. */
void rfb_server_add_client(struct rfb_server *srv, struct net_conn *conn);

/* Called whenever a client that reached the normal phase goes away, with
 * the number left (for -once). */
void rfb_server_set_leave_cb(struct rfb_server *srv,
			     void (*cb)(void *data, int nleft), void *data);

int rfb_server_nclients(const struct rfb_server *srv);

#endif
