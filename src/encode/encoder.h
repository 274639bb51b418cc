/* Encoder interface.  Encoders are pure functions of (framebuffer pixels,
 * rectangle, client pixel format, per-client encoder state) -> bytes: no
 * I/O, no globals, so they can run on worker threads. */
#ifndef XRFB_ENCODE_ENCODER_H
#define XRFB_ENCODE_ENCODER_H

#include <stdbool.h>
#include <stdint.h>

#include "rfb/desktop.h"
#include "rfb/pixfmt.h"
#include "util/buf.h"

/* RFB encoding numbers (rfbproto 7.7). */
enum {
	ENC_RAW = 0,
	ENC_COPYRECT = 1,
	ENC_RRE = 2,
	ENC_CORRE = 4,
	ENC_HEXTILE = 5,
	ENC_ZLIB = 6,
	ENC_TIGHT = 7,
	ENC_ZLIBHEX = 8,
	ENC_TRLE = 15,
	ENC_ZRLE = 16,
	ENC_ZYWRLE = 17,
	ENC_PSEUDO_DESKTOP_SIZE = -223,
	ENC_PSEUDO_LAST_RECT = -224,
	ENC_PSEUDO_POINTER_POS = -232,
	ENC_PSEUDO_CURSOR = -239,
	ENC_PSEUDO_XCURSOR = -240,
	ENC_PSEUDO_DESKTOP_NAME = -307,
	ENC_PSEUDO_EXT_DESKTOP_SIZE = -308,
	ENC_PSEUDO_FENCE = -312,
	ENC_PSEUDO_CONTINUOUS_UPDATES = -313,
	ENC_PSEUDO_CURSOR_ALPHA = -314,
	ENC_PSEUDO_QEMU_KEY = -258,
	ENC_PSEUDO_QEMU_LED = -261,
	ENC_PSEUDO_EXT_MOUSE = -316,
	ENC_PSEUDO_EXT_CLIPBOARD = (int32_t)0xc0a1e5ce,
};

/* Everything an encoder may look at for one call. */
struct enc_params {
	const struct rfb_fb *fb;
	const struct rfb_pixconv *pc; /* client format + tables */
	int compress_level; /* 0-9, or -1 for the encoder's default */
	int quality;	    /* 0-9, or -1: lossless only */
	/* Set to true by an encoder whose output for this call is not an
	 * exact copy (JPEG, wavelets), so the engine can refresh it
	 * losslessly later; NULL when the caller does not care. */
	bool *lossy;
	/* The first rectangle of its group (of the update, when not cut)
	 * in this update: where a group's state starts afresh. */
	bool group_first;
};

struct enc_ops {
	int32_t type;
	const char *name;
	/* Per-client state (zlib streams); NULL-returning on OOM.  Encoders
	 * without state set these to NULL. */
	void *(*state_new)(void);
	void (*state_free)(void *state);
	/* Append one or more complete rectangles (12-byte header included)
	 * covering `r` (inside the framebuffer) to `out`.  Returns the number
	 * of rectangles written, or -1 on failure (out->failed or zlib);
	 * after -1 a stream encoder's state no longer matches the client's
	 * decoder, so the client must be dropped. */
	int (*encode)(void *state, const struct enc_params *p,
		      const struct rfb_rect *r, struct buf *out);
	/* Optional (NULL otherwise): like encode, for the rectangles of
	 * group `group` of `ngroups` (at most max_groups) into which one
	 * update was cut.  Calls for different groups of one update may run
	 * at once on different threads; calls within a group run in order,
	 * and the groups' outputs must be sent in group order.  Group 0
	 * always gets the update's first rectangle. */
	int (*encode_group)(void *state, int group, int ngroups,
			    const struct enc_params *p,
			    const struct rfb_rect *r, struct buf *out);
	int max_groups;
	/* Groups per worker thread (0 counts as 1), up to max_groups: more,
	 * smaller bands even out content whose cost varies over the screen
	 * (a photo in one band), for an encoder whose extra groups cost
	 * little. */
	int groups_per_thread;
};

/* The encoder for `type`, or NULL if we do not implement it. */
const struct enc_ops *enc_find(int32_t type);

/* Write a rectangle header (rfbproto 7.6.1). */
void enc_put_rect_header(struct buf *out, const struct rfb_rect *r,
			 int32_t type);

extern const struct enc_ops enc_raw_ops;
extern const struct enc_ops enc_zrle_ops;
extern const struct enc_ops enc_rre_ops;
extern const struct enc_ops enc_corre_ops;
extern const struct enc_ops enc_hextile_ops;
extern const struct enc_ops enc_zlib_ops;
extern const struct enc_ops enc_trle_ops;
extern const struct enc_ops enc_zywrle_ops;
extern const struct enc_ops enc_tight_ops;

#endif
