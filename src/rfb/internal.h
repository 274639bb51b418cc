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
#include "rfb/congestion.h"
#include "rfb/desktop.h"
#include "rfb/pixfmt.h"
#include "rfb/server.h"
#include "rfb/throttle.h"
#include "util/buf.h"
#include "util/pace.h"
#include "util/pool.h"

enum rfb_client_state {
	RFB_CS_VERSION,	 /* waiting for ProtocolVersion */
	RFB_CS_SECTYPE,	 /* 3.7+: waiting for the chosen security type */
	RFB_CS_VC_VERSION, /* VeNCrypt: waiting for the client's version */
	RFB_CS_VC_SUBTYPE, /* VeNCrypt: waiting for the chosen subtype */
	RFB_CS_TLS,	   /* VeNCrypt: ack sent, starting TLS */
	RFB_CS_VNCAUTH,	 /* waiting for the 16-byte challenge response */
	RFB_CS_PLAIN,	 /* VeNCrypt Plain: waiting for credentials */
	RFB_CS_PLAIN_WAIT, /* VeNCrypt Plain: credentials being checked */
	RFB_CS_FAILING,	 /* login failed: the answer waits out a delay */
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
#define RFB_MAX_ENC_STATES 12
/* ExtendedDesktopSize rectangles queued for one client; a client sending
 * SetDesktopSize faster than it reads the answers is dropped past it. */
#define RFB_MAX_SIZE_EVENTS 8
/* Updates a viewer may have unprocessed (Fence round trips pending); and
 * how long an unanswered one may take before we stop asking. */
#define RFB_CC_MAX_PINGS 3
#define RFB_CC_PING_TIMEOUT_MS 3000
/* How often a congested link is looked at again. */
#define RFB_CC_POLL_MS 5
/* Quiet time after which areas sent lossily are sent again losslessly. */
#define RFB_REFRESH_MS 300
/* Changes captured ahead go without a fresher capture if the last one is
 * at most this many frames (-fps) old. */
#define RFB_HELD_FRAMES 3

/* Pseudo-encodings a client can announce (bit flags for rfb_client.caps). */
enum {
	RFB_CAP_COPYRECT = 1 << 0,
	RFB_CAP_DESKTOP_SIZE = 1 << 1,
	RFB_CAP_EXT_DESKTOP_SIZE = 1 << 2,
	RFB_CAP_LAST_RECT = 1 << 3,
	RFB_CAP_CURSOR = 1 << 4,	/* rich cursor */
	RFB_CAP_XCURSOR = 1 << 5,
	RFB_CAP_CURSOR_ALPHA = 1 << 6,
	RFB_CAP_POINTER_POS = 1 << 7,
	RFB_CAP_DESKTOP_NAME = 1 << 8,
	RFB_CAP_FENCE = 1 << 9,
	RFB_CAP_CONTINUOUS = 1 << 10,
	RFB_CAP_QEMU_KEY = 1 << 11,
	RFB_CAP_LED = 1 << 12,
	RFB_CAP_EXT_MOUSE = 1 << 13,
	RFB_CAP_EXT_CLIPBOARD = 1 << 14,
};

#define RFB_CAP_ANY_CURSOR \
	(RFB_CAP_CURSOR | RFB_CAP_XCURSOR | RFB_CAP_CURSOR_ALPHA)

/* One ExtendedDesktopSize rectangle (rfbproto 7.8.9) owed to a client. */
struct rfb_size_event {
	uint8_t reason; /* 0 server, 1 this client, 2 another client */
	uint8_t status; /* RFB_RESIZE_* for reason 1 */
	uint16_t w, h;
	uint8_t nscreens; /* 0: our own single screen */
	uint8_t *screens; /* reason 1: the client's own layout, echoed */
};

struct rfb_enc_job;

struct rfb_client {
	struct rfb_server *srv;
	struct net_conn *conn;
	char host[64]; /* peer address without the port: throttling key */
	struct rfb_client *next;
	enum rfb_client_state state;
	int minor; /* negotiated 3.x: 3, 7 or 8 */
	bool viewonly;
	bool close_after_flush;
	bool want_out; /* LOOP_OUT armed */
	struct buf in, out;
	/* While an update is being encoded (job_busy), its bytes belong at
	 * out_hold in `out`: nothing from there on is sent until they are
	 * in.  SIZE_MAX otherwise. */
	size_t out_hold;
	struct rfb_enc_job *job; /* reused for every update */
	bool job_busy;
	/* When its last update went out (0: answered since), and how long
	 * its requests take to come back after one (-1: not known yet). */
	uint64_t sent_ms;
	int reply_ms;
	size_t skip; /* bytes of an oversized ClientCutText to discard */
	uint8_t challenge[16];
	uint32_t subtype;	      /* VeNCrypt subtype chosen, or 0 */
	struct rfb_plain_job *plain; /* Plain check running on a thread */
	struct loop_timer *hs_timer; /* handshake timeout, or the delay
				      * of a failed login's answer */
	char fail_reason[128];	     /* that answer's reason */
	struct loop_timer *msg_timer; /* a message waits for its rest */

	/* What the client asked for (rfbproto 7.5.2, 7.8). */
	struct rfb_pixconv pc;
	bool colour_map; /* 8 bpp colour-map format: pixels are indices */
	int32_t enc;	 /* preferred implemented encoding */
	unsigned caps;	 /* RFB_CAP_* pseudo-encodings it announced */
	unsigned caps_seen; /* ... ever, for first-time announcements */
	int compress_level, quality;
	struct {
		const struct enc_ops *ops;
		void *state;
	} enc_states[RFB_MAX_ENC_STATES];

	/* Update state (rfbproto 7.5.3, 7.5.7). */
	pixman_region32_t damage;    /* changed, not yet sent */
	pixman_region32_t requested; /* asked for since the last update */
	pixman_region32_t copied;    /* to send as CopyRect by copy_dx/dy */
	pixman_region32_t lossy;     /* sent lossily, owed a lossless copy */
	int copy_dx, copy_dy;
	uint64_t lossy_ms;	     /* when lossy was last added to */
	struct loop_timer *refresh_timer;
	struct pace pace;		/* -fps: when the next update may go */
	struct loop_timer *pace_timer;	/* armed while an update waits */
	struct rfb_cc cc;		/* congestion control */
	struct loop_timer *cc_timer;	/* armed while the link is full */
	int pings_out;	   /* our RTT Fences not yet answered */
	uint64_t ping_ms;  /* when the last one went */
	bool no_pings;	   /* it never answered them: stop asking */
	bool update_wanted;
	bool cu_enabled; /* continuous updates (rfbproto 7.5.7) */
	pixman_region32_t cu_area;

	/* Pseudo-rectangles owed to the client. */
	bool size_changed; /* DesktopSize */
	struct rfb_size_event size_events[RFB_MAX_SIZE_EVENTS];
	int nsize_events;  /* ExtendedDesktopSize, in order */
	unsigned cursor_serial; /* cursor shape last sent */
	bool pos_pending;	/* PointerPos */
	bool name_pending;	/* DesktopName */
	int led_sent;		/* LED state last sent, -1: none */
	unsigned owed;		/* RFB_CAP_* acknowledgements owed */
	unsigned clip_text_max; /* ExtendedClipboard: its text size cap */

	/* Input it holds, released when it goes. */
	struct rfb_held_key {
		uint32_t keysym;
		uint32_t xt; /* 0: pressed by keysym */
	} held[RFB_MAX_HELD_KEYS];
	int nheld;
	uint16_t buttons;
	int px, py; /* where its last pointer event put the pointer */
};

struct rfb_server {
	struct loop *loop;
	struct rfb_server_opts opts;
	struct rfb_throttle *throttle;
	struct rfb_desktop desk;
	struct rfb_fb fb;
	/* The SetDesktopSize being applied, for rfb_server_set_fb. */
	struct rfb_client *resizer;
	const uint8_t *resize_screens;
	unsigned resize_nscreens;
	bool resize_answered;
	struct {
		struct rfb_cursor shape; /* argb points into pixels */
		uint32_t *pixels;
		unsigned serial; /* 0: none yet */
	} cursor;
	int pointer_x, pointer_y;
	int leds; /* desktop lock LEDs, -1 until known */
	char *clip;	 /* the desktop's clipboard text (UTF-8) */
	size_t clip_len;
	int npos_clients; /* clients wanting PointerPos */
	struct pool *pool; /* encoder threads; NULL: encode inline */
	/* Jobs reading `fb` in place rather than a copy: no capture may
	 * write it meanwhile.  A capture held back by them sets
	 * capture_waiting, and the jobs built until it runs take copies. */
	int fb_readers;
	bool capture_waiting;
	uint64_t capture_ms; /* when the last capture was allowed */
	bool capturing;	     /* since then, until the loop sleeps */
	int capture_cost_ms; /* how long captures take, smoothed */
	struct rfb_client *clients;
	int nnormal;	  /* clients in the normal phase */
	bool normal_left; /* one of them closed since the last reap */
	void (*leave_cb)(void *data, bool viewer, int nleft);
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
/* Parse input that arrived while the client could not take it (during a
 * Plain check): nothing else would until more bytes come. */
void rfb_client_parse_buffered(struct rfb_client *c);

/* handshake.c: everything before the normal phase.  Each handler returns
 * bytes consumed, 0 when more input is needed, -1 after closing. */
void rfb_handshake_start(struct rfb_client *c);
ssize_t rfb_handshake_input(struct rfb_client *c, const uint8_t *p,
			    size_t len);

/* Security outcome, shared by handshake.c and vencrypt.c. */
void rfb_handshake_auth_ok(struct rfb_client *c, bool viewonly);
void rfb_handshake_auth_failed(struct rfb_client *c, const char *reason);
void rfb_handshake_auth_failed_log(struct rfb_client *c, const char *reason,
				   const char *detail);
void rfb_handshake_send_challenge(struct rfb_client *c);

/* vencrypt.c: VeNCrypt (rfbproto 7.2.19) and its Plain check. */
void rfb_vencrypt_start(struct rfb_client *c);
ssize_t rfb_vencrypt_input(struct rfb_client *c, const uint8_t *p,
			   size_t len);
/* The ack before TLS has left: put the TLS layer in. */
void rfb_vencrypt_start_tls(struct rfb_client *c);
/* The client goes away while a Plain check runs. */
void rfb_vencrypt_abandon(struct rfb_client *c);

/* messages.c: normal-phase client messages (rfbproto 7.5). */
ssize_t rfb_msg_input(struct rfb_client *c, const uint8_t *p, size_t len);
/* Read x, y, w, h (u16 each) and clip them to the framebuffer. */
void rfb_msg_read_rect(struct rd *r, const struct rfb_fb *fb,
		       struct rfb_rect *out);

/* input.c: KeyEvent, PointerEvent, QEMU Extended Key Event. */
ssize_t rfb_input_key(struct rfb_client *c, struct rd *r);
ssize_t rfb_input_pointer(struct rfb_client *c, struct rd *r);
ssize_t rfb_input_qemu(struct rfb_client *c, struct rd *r);
/* Release every key and button the client holds. */
void rfb_input_release(struct rfb_client *c);

/* update.c: FramebufferUpdate (rfbproto 7.6.1) and server messages. */
void rfb_update_init(struct rfb_client *c);
void rfb_update_fini(struct rfb_client *c);
/* Is a capture worth making for the client (it could take an update
 * now, or holds no captured change and no job of its runs; the link has
 * room)? */
bool rfb_update_ready(const struct rfb_client *c);
/* Do captures for the client run while its update is encoded (its jobs
 * copy the pixels first)? */
bool rfb_update_overlap(const struct rfb_client *c);
/* Send an update if one is wanted, something changed and the client's
 * queue has room. */
void rfb_update_maybe_send(struct rfb_client *c);
void rfb_update_set_encodings(struct rfb_client *c, const int32_t *encs,
			      size_t n);
/* The client's state for `ops` (NULL for stateless encoders), created on
 * first use; -1 if it cannot be had. */
int rfb_update_enc_state(struct rfb_client *c, const struct enc_ops *ops,
			 void **state);
/* An update's bytes went into the output queue. */
void rfb_update_sent(struct rfb_client *c);

/* encjob.c: encoding an update, on a worker thread when there is a pool.
 * begin: the client's job, emptied; its buffer takes the update's head.
 * submit: encode `reg` (lossy allowed) then `refresh` (lossless) after
 * `head_count` head rectangles; the bytes reach c->out later (at once
 * without a pool).  -1 if out of memory. */
struct rfb_enc_job *rfb_encjob_begin(struct rfb_client *c);
struct buf *rfb_encjob_out(struct rfb_enc_job *j);
int rfb_encjob_submit(struct rfb_client *c, struct rfb_enc_job *j,
		      pixman_region32_t *reg, pixman_region32_t *refresh,
		      int head_count);
void rfb_encjob_free(struct rfb_enc_job *j);

/* server.c */
/* ClientInit received; false if the sharing policy refused (and closed)
 * the client. */
bool rfb_server_client_ready(struct rfb_server *srv, struct rfb_client *c,
			     bool shared);
bool rfb_server_full(const struct rfb_server *srv);
/* The client's caps changed from `old`: keep the PointerPos count. */
void rfb_server_caps_changed(struct rfb_server *srv, struct rfb_client *c,
			     unsigned old);

/* ext.c: extension messages (Fence, ContinuousUpdates, SetDesktopSize). */
ssize_t rfb_ext_fence(struct rfb_client *c, struct rd *r);
ssize_t rfb_ext_enable_cu(struct rfb_client *c, struct rd *r);
ssize_t rfb_ext_set_desktop_size(struct rfb_client *c, struct rd *r);
/* After an update: a Fence the viewer answers once it has processed the
 * update (congestion control), if it takes Fence and ContinuousUpdates. */
void rfb_ext_ping(struct rfb_client *c);
/* First-time announcements for newly seen pseudo-encodings. */
void rfb_ext_announce(struct rfb_client *c, unsigned newcaps);
/* Queue an ExtendedDesktopSize rectangle; -1 (client closed) if full. */
int rfb_ext_queue_size(struct rfb_client *c, const struct rfb_size_event *e);
void rfb_ext_clear_sizes(struct rfb_client *c);

/* pseudo.c: pseudo-rectangles (rfbproto 7.8).  Each appends one rectangle
 * and returns how many it wrote. */
int rfb_pseudo_desktop_size(struct rfb_client *c);
int rfb_pseudo_ext_sizes(struct rfb_client *c);
int rfb_pseudo_cursor(struct rfb_client *c);
int rfb_pseudo_pointer_pos(struct rfb_client *c);
int rfb_pseudo_desktop_name(struct rfb_client *c);
void rfb_pseudo_last_rect(struct rfb_client *c);
int rfb_pseudo_led(struct rfb_client *c);
int rfb_pseudo_owed(struct rfb_client *c);

/* clipboard.c: ClientCutText/ServerCutText, legacy and extended. */
ssize_t rfb_clipboard_input(struct rfb_client *c, struct rd *r);
void rfb_clipboard_send_caps(struct rfb_client *c);
/* Client text for the desktop: well-formed UTF-8 (U+FFFD for each
 * ill-formed sequence), NULs dropped, CR LF and bare CR made LF.
 * Returns a malloc'd buffer, NULL when out of memory. */
char *rfb_clipboard_clean_utf8(const uint8_t *p, size_t n, size_t *outlen);
/* clipext.c */
ssize_t rfb_clipext_input(struct rfb_client *c, struct rd *r, int64_t len);
void rfb_clipext_notify(struct rfb_client *c);

/* copy.c: CopyRect tracking (rfbproto 7.7.2). */
void rfb_copy_add(struct rfb_client *c, const struct rfb_rect *dst, int dx,
		  int dy);
/* Append the pending copies as CopyRect rectangles; returns the count. */
int rfb_copy_send(struct rfb_client *c);
/* Give up pending copies: their destinations become plain damage. */
void rfb_copy_flatten(struct rfb_client *c);

/* colourmap.c: 8 bpp colour-map formats (rfbproto 7.6.2). */
void rfb_colourmap_set(struct rfb_client *c, const struct rfb_pixfmt *pf);

#endif
