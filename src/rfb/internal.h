/* Engine-internal structures shared by the rfb/ files: the server, its
 * clients, and the functions they call on each other.  Not for x11/ or
 * main; they use server.h and desktop.h. */
#ifndef XRFB_RFB_INTERNAL_H
#define XRFB_RFB_INTERNAL_H

#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "encode/encoder.h"
#include "rfb/desktop.h"
#include "rfb/pixfmt.h"
#include "rfb/server.h"
#include "util/buf.h"

enum rfb_client_state {
	RFB_CS_VERSION,	 /* waiting for ProtocolVersion */
	RFB_CS_SECTYPE,	 /* 3.7+: waiting for the chosen security type */
	RFB_CS_VNCAUTH,	 /* waiting for the 16-byte challenge response */
	RFB_CS_INIT,	 /* waiting for ClientInit */
	RFB_CS_NORMAL,	 /* normal phase */
	RFB_CS_CLOSED,	 /* closed; freed by the server's reaper */
};

/* A client can hold at most this many keys down at once; more is hostile
 * and the extra presses are dropped. */
#define RFB_MAX_HELD_KEYS 32
/* Unsent output bytes above which no new update is generated: flow
 * control, so a slow link gets fewer, fresher updates.  The hard cap that
 * drops a client is opts.max_queue. */
#define RFB_OUT_LOW_WATER (256u << 10)
/* An update with more rectangles than this is sent as its bounding box:
 * cheaper to encode than thousands of tiny rectangles. */
#define RFB_MAX_UPDATE_RECTS 2048
/* Encoders whose per-client state we keep: one slot per encoding type. */
#define RFB_MAX_ENC_STATES 4

struct rfb_client {
	struct rfb_server *srv;
	struct net_conn *conn;
	struct rfb_client *next;
	enum rfb_client_state state;
	int minor; /* negotiated 3.x: 3, 7 or 8 */
	bool viewonly;
	bool close_after_flush;
	bool want_out; /* LOOP_OUT armed */
	struct buf in, out;
	size_t skip; /* bytes of an oversized ClientCutText to discard */
	uint8_t challenge[16];
	struct loop_timer *hs_timer;

	/* What the client asked for. */
	struct rfb_pixconv pc;
	int32_t enc; /* preferred implemented encoding */
	bool want_desktop_size;
	int compress_level, quality;
	struct {
		const struct enc_ops *ops;
		void *state;
	} enc_states[RFB_MAX_ENC_STATES];

	/* Update state (rfbproto 7.5.3). */
	pixman_region32_t damage;    /* changed, not yet sent */
	pixman_region32_t requested; /* asked for since the last update */
	bool update_wanted;
	bool size_changed; /* owes the client a DesktopSize rectangle */

	/* Input it holds, released when it goes. */
	uint32_t held_keys[RFB_MAX_HELD_KEYS];
	int nheld;
	uint16_t buttons;
	int px, py; /* where its last pointer event put the pointer */
};

struct rfb_server {
	struct loop *loop;
	struct rfb_server_opts opts;
	struct rfb_desktop desk;
	struct rfb_fb fb;
	struct rfb_client *clients;
	int nnormal;	  /* clients in the normal phase */
	bool normal_left; /* one of them closed since the last reap */
	void (*leave_cb)(void *data, int nleft);
	void *leave_data;
};

/* client.c: lifecycle and I/O */
struct rfb_client *rfb_client_new(struct rfb_server *srv,
				  struct net_conn *conn);
void rfb_client_free(struct rfb_client *c);
/* Log "peer: reason" and close; the reaper frees it later.  Safe to call
 * more than once and from any handler. */
void rfb_client_close(struct rfb_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Queue what is in c->out for sending and try to send it now. */
void rfb_client_flush(struct rfb_client *c);
/* Send c->out, then close quietly (after a refusal message). */
void rfb_client_finish(struct rfb_client *c);

/* handshake.c: everything before the normal phase.  Each handler returns
 * bytes consumed, 0 when more input is needed, -1 after closing. */
void rfb_handshake_start(struct rfb_client *c);
ssize_t rfb_handshake_input(struct rfb_client *c, const uint8_t *p,
			    size_t len);

/* messages.c: normal-phase client messages (rfbproto 7.5). */
ssize_t rfb_msg_input(struct rfb_client *c, const uint8_t *p, size_t len);
/* Release every key and button the client holds. */
void rfb_msg_release_input(struct rfb_client *c);

/* update.c: FramebufferUpdate (rfbproto 7.6.1) and server messages. */
void rfb_update_init(struct rfb_client *c);
void rfb_update_fini(struct rfb_client *c);
/* Send an update if one is wanted, something changed and the client's
 * queue has room. */
void rfb_update_maybe_send(struct rfb_client *c);
void rfb_update_set_encodings(struct rfb_client *c, const int32_t *encs,
			      size_t n);

/* server.c */
void rfb_server_client_ready(struct rfb_server *srv, struct rfb_client *c,
			     bool shared);

#endif
