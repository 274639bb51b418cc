/* FramebufferUpdate (rfbproto 7.6.1): what each client is owed, which
 * encoder it gets, and building the message. */
#include <stdlib.h>
#include <string.h>

#include "rfb/internal.h"
#include "util/log.h"

/* rfbproto 7.7.x pseudo-encoding ranges */
#define ENC_COMPRESS_LEVEL_0 (-256)
#define ENC_COMPRESS_LEVEL_9 (-247)
#define ENC_QUALITY_LEVEL_0 (-32)
#define ENC_QUALITY_LEVEL_9 (-23)

void rfb_update_init(struct rfb_client *c)
{
	pixman_region32_init(&c->damage);
	pixman_region32_init(&c->requested);
}

void rfb_update_fini(struct rfb_client *c)
{
	pixman_region32_fini(&c->damage);
	pixman_region32_fini(&c->requested);
	for (int i = 0; i < RFB_MAX_ENC_STATES; i++)
		if (c->enc_states[i].ops && c->enc_states[i].state)
			c->enc_states[i].ops->state_free(
				c->enc_states[i].state);
}

/* rfbproto 7.5.2: the first encoding we implement is the preferred one;
 * pseudo-encodings switch features on. */
void rfb_update_set_encodings(struct rfb_client *c, const int32_t *encs,
			      size_t n)
{
	bool have_enc = false;

	c->want_desktop_size = false;
	c->compress_level = -1;
	c->quality = -1;
	c->enc = ENC_RAW;
	for (size_t i = 0; i < n; i++) {
		int32_t e = encs[i];
		const struct enc_ops *ops = enc_find(e);

		if (ops && !have_enc) {
			c->enc = e;
			have_enc = true;
		} else if (e == ENC_PSEUDO_DESKTOP_SIZE) {
			c->want_desktop_size = true;
		} else if (e >= ENC_COMPRESS_LEVEL_0 &&
			   e <= ENC_COMPRESS_LEVEL_9) {
			c->compress_level = e - ENC_COMPRESS_LEVEL_0;
		} else if (e >= ENC_QUALITY_LEVEL_0 &&
			   e <= ENC_QUALITY_LEVEL_9) {
			c->quality = e - ENC_QUALITY_LEVEL_0;
		}
	}
	log_debug("%s: %zu encodings, using %s", c->conn->peer, n,
		  enc_find(c->enc)->name);
}

/* The client's persistent state for an encoder (zlib streams live for the
 * whole connection, rfbproto 7.7.4/7.7.6), created on first use. */
static int enc_state(struct rfb_client *c, const struct enc_ops *ops,
		     void **state)
{
	int i;

	*state = NULL;
	if (!ops->state_new)
		return 0;
	for (i = 0; i < RFB_MAX_ENC_STATES && c->enc_states[i].ops; i++)
		if (c->enc_states[i].ops == ops) {
			*state = c->enc_states[i].state;
			return 0;
		}
	if (i == RFB_MAX_ENC_STATES)
		return -1;
	*state = ops->state_new();
	if (!*state)
		return -1;
	c->enc_states[i].ops = ops;
	c->enc_states[i].state = *state;
	return 0;
}

/* Encode every rectangle of `reg`; returns rectangles written or -1. */
static int encode_region(struct rfb_client *c, pixman_region32_t *reg)
{
	const struct enc_ops *ops = enc_find(c->enc);
	struct enc_params p = { &c->srv->fb, &c->pc, c->compress_level,
				c->quality };
	pixman_box32_t *boxes, ext;
	void *state;
	int n, count = 0;

	if (enc_state(c, ops, &state) < 0)
		return -1;
	boxes = pixman_region32_rectangles(reg, &n);
	if (n > RFB_MAX_UPDATE_RECTS) {
		ext = *pixman_region32_extents(reg);
		boxes = &ext;
		n = 1;
	}
	for (int i = 0; i < n; i++) {
		struct rfb_rect r = { boxes[i].x1, boxes[i].y1,
				      boxes[i].x2 - boxes[i].x1,
				      boxes[i].y2 - boxes[i].y1 };
		int k = ops->encode(state, &p, &r, &c->out);

		if (k < 0)
			return -1;
		count += k;
	}
	return count;
}

/* What to send now: damage the client asked for, inside the screen. */
static void update_region(struct rfb_client *c, pixman_region32_t *reg)
{
	const struct rfb_fb *fb = &c->srv->fb;

	pixman_region32_intersect(reg, &c->damage, &c->requested);
	pixman_region32_intersect_rect(reg, reg, 0, 0, (unsigned)fb->width,
				       (unsigned)fb->height);
}

void rfb_update_maybe_send(struct rfb_client *c)
{
	const struct rfb_fb *fb = &c->srv->fb;
	pixman_region32_t reg;
	size_t hdr;
	int count = 0, k;

	if (c->state != RFB_CS_NORMAL || !c->update_wanted ||
	    c->out.len >= RFB_OUT_LOW_WATER || !fb->pixels)
		return;
	pixman_region32_init(&reg);
	update_region(c, &reg);
	if (!c->size_changed && !pixman_region32_not_empty(&reg))
		goto out;
	hdr = c->out.len;
	buf_put_u8(&c->out, 0); /* FramebufferUpdate */
	buf_put_u8(&c->out, 0);
	buf_put_u16(&c->out, 0); /* patched below */
	if (c->size_changed) {
		/* rfbproto 7.8.2 DesktopSize */
		struct rfb_rect r = { 0, 0, fb->width, fb->height };

		enc_put_rect_header(&c->out, &r, ENC_PSEUDO_DESKTOP_SIZE);
		c->size_changed = false;
		count++;
	}
	k = encode_region(c, &reg);
	if (k < 0) {
		rfb_client_close(c, "encoding an update failed");
		goto out;
	}
	count += k;
	buf_set_u16(&c->out, hdr + 2, (uint16_t)count);
	pixman_region32_subtract(&c->damage, &c->damage, &reg);
	pixman_region32_clear(&c->requested);
	c->update_wanted = false;
	rfb_client_flush(c);
out:
	pixman_region32_fini(&reg);
}
