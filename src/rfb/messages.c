/* Normal-phase client-to-server messages (rfbproto 7.5), one handler per
 * message.  Each returns bytes consumed, 0 when the message is not all
 * there yet, or -1 after closing the client. */
#include <stdlib.h>
#include <string.h>

#include "rfb/internal.h"
#include "util/log.h"

enum {
	MSG_SET_PIXEL_FORMAT = 0,
	MSG_SET_ENCODINGS = 2,
	MSG_FB_UPDATE_REQUEST = 3,
	MSG_KEY_EVENT = 4,
	MSG_POINTER_EVENT = 5,
	MSG_CLIENT_CUT_TEXT = 6,
	MSG_ENABLE_CU = 150,
	MSG_CLIENT_FENCE = 248,
	MSG_SET_DESKTOP_SIZE = 251,
};

/* rfbproto 7.5.1 SetPixelFormat */
static ssize_t msg_set_pixel_format(struct rfb_client *c, struct rd *r)
{
	struct rfb_pixfmt pf;
	const char *why;
	char desc[80];

	if (!rd_has(r, 20))
		return 0;
	rd_skip(r, 4);
	rfb_pixfmt_read(r, &pf);
	rfb_pixfmt_describe(&pf, desc, sizeof(desc));
	if (!pf.true_colour && pf.bpp == 8) {
		log_debug("%s: colour-map format %s", c->conn->peer, desc);
		rfb_colourmap_set(c, &pf);
	} else if (!rfb_pixfmt_valid(&pf, &why)) {
		rfb_client_close(c, "unsupported pixel format %s: %s", desc,
				 why);
		return -1;
	} else {
		log_debug("%s: pixel format %s", c->conn->peer, desc);
		c->colour_map = false;
		rfb_pixconv_init(&c->pc, &pf);
	}
	/* Pixels already queued in the old format are fine; everything after
	 * this must be in the new one, so resend the lot. */
	pixman_region32_union_rect(&c->damage, &c->damage, 0, 0,
				   (unsigned)c->srv->fb.width,
				   (unsigned)c->srv->fb.height);
	return 20;
}

/* rfbproto 7.5.2 SetEncodings.  The count is a u16, so the message is at
 * most 256 KiB: within what we buffer without a separate cap. */
static ssize_t msg_set_encodings(struct rfb_client *c, struct rd *r)
{
	int32_t *encs;
	size_t n;

	if (!rd_has(r, 4))
		return 0;
	rd_skip(r, 2);
	n = rd_u16(r);
	if (!rd_has(r, n * 4))
		return 0;
	encs = malloc(n ? n * sizeof(*encs) : 1);
	if (!encs) {
		rfb_client_close(c, "out of memory for %zu encodings", n);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		encs[i] = (int32_t)rd_u32(r);
	rfb_update_set_encodings(c, encs, n);
	free(encs);
	return (ssize_t)(4 + n * 4);
}

/* A non-incremental request from a client that knows ExtendedDesktopSize
 * is answered with the current layout first (rfbproto 7.8.9). */
static void report_layout(struct rfb_client *c)
{
	struct rfb_size_event e = { 0 };

	if (!(c->caps & RFB_CAP_EXT_DESKTOP_SIZE))
		return;
	for (int i = 0; i < c->nsize_events; i++)
		if (c->size_events[i].reason == 0)
			return;
	e.w = (uint16_t)c->srv->fb.width;
	e.h = (uint16_t)c->srv->fb.height;
	rfb_ext_queue_size(c, &e);
}

/* rfbproto 7.5.3 FramebufferUpdateRequest.  The rectangle is clipped to
 * the framebuffer; an empty one still asks for an (empty) update.  With
 * continuous updates on, incremental requests are ignored (7.5.7). */
static ssize_t msg_fb_update_request(struct rfb_client *c, struct rd *r)
{
	unsigned incremental, x, y, w, h;
	const struct rfb_fb *fb = &c->srv->fb;

	if (!rd_has(r, 10))
		return 0;
	rd_skip(r, 1);
	incremental = rd_u8(r);
	x = rd_u16(r);
	y = rd_u16(r);
	w = rd_u16(r);
	h = rd_u16(r);
	if (x > (unsigned)fb->width)
		x = (unsigned)fb->width;
	if (y > (unsigned)fb->height)
		y = (unsigned)fb->height;
	if (w > (unsigned)fb->width - x)
		w = (unsigned)fb->width - x;
	if (h > (unsigned)fb->height - y)
		h = (unsigned)fb->height - y;
	if (incremental && c->cu_enabled)
		return 10;
	if (!incremental)
		report_layout(c);
	pixman_region32_union_rect(&c->requested, &c->requested, (int)x,
				   (int)y, w, h);
	if (!incremental)
		pixman_region32_union_rect(&c->damage, &c->damage, (int)x,
					   (int)y, w, h);
	c->update_wanted = true;
	return 10;
}

static void hold_key(struct rfb_client *c, uint32_t keysym, bool down)
{
	int i;

	for (i = 0; i < c->nheld && c->held_keys[i] != keysym; i++)
		;
	if (down && i == c->nheld && c->nheld < RFB_MAX_HELD_KEYS)
		c->held_keys[c->nheld++] = keysym;
	else if (!down && i < c->nheld)
		c->held_keys[i] = c->held_keys[--c->nheld];
}

/* rfbproto 7.5.4 KeyEvent */
static ssize_t msg_key_event(struct rfb_client *c, struct rd *r)
{
	bool down;
	uint32_t keysym;

	if (!rd_has(r, 8))
		return 0;
	rd_skip(r, 1);
	down = rd_u8(r) != 0;
	rd_skip(r, 2);
	keysym = rd_u32(r);
	if (c->viewonly || keysym == 0)
		return 8;
	hold_key(c, keysym, down);
	c->srv->desk.ops->key(c->srv->desk.ctx, keysym, down);
	return 8;
}

/* rfbproto 7.5.5 PointerEvent; coordinates clamped to the screen. */
static ssize_t msg_pointer_event(struct rfb_client *c, struct rd *r)
{
	const struct rfb_fb *fb = &c->srv->fb;
	uint8_t mask;
	int x, y;

	if (!rd_has(r, 6))
		return 0;
	rd_skip(r, 1);
	mask = rd_u8(r);
	x = rd_u16(r);
	y = rd_u16(r);
	if (c->viewonly)
		return 6;
	if (x >= fb->width)
		x = fb->width - 1;
	if (y >= fb->height)
		y = fb->height - 1;
	c->buttons = mask;
	c->px = x;
	c->py = y;
	c->srv->desk.ops->pointer(c->srv->desk.ctx, x, y, mask);
	return 6;
}

/* Latin-1 to UTF-8; CR LF and bare CR become LF, NULs are dropped. */
static char *latin1_to_utf8(const uint8_t *p, size_t n, size_t *outlen)
{
	char *s = malloc(n * 2 + 1), *o = s;

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];

		if (ch == 0)
			continue;
		if (ch == '\r') {
			*o++ = '\n';
			if (i + 1 < n && p[i + 1] == '\n')
				i++;
		} else if (ch < 0x80) {
			*o++ = (char)ch;
		} else {
			*o++ = (char)(0xc0 | ch >> 6);
			*o++ = (char)(0x80 | (ch & 0x3f));
		}
	}
	*outlen = (size_t)(o - s);
	return s;
}

/* rfbproto 7.5.6 ClientCutText.  Over -maxcuttext the text is skipped
 * without buffering; a negative length means the extended clipboard,
 * which a client may only use after we offered it. */
static ssize_t msg_client_cut_text(struct rfb_client *c, struct rd *r)
{
	uint32_t len;
	size_t ulen;
	char *utf8;

	if (!rd_has(r, 8))
		return 0;
	rd_skip(r, 4);
	len = rd_u32(r);
	if (len & 0x80000000u) {
		rfb_client_close(c, "extended clipboard message without "
				    "negotiating it");
		return -1;
	}
	if (len > c->srv->opts.max_cuttext) {
		log_info("%s: clipboard text of %u bytes over the -maxcuttext "
			 "cap %zu: ignored", c->conn->peer, len,
			 c->srv->opts.max_cuttext);
		c->skip = len;
		return 8;
	}
	if (!rd_has(r, len))
		return 0;
	if (c->viewonly)
		return 8 + (ssize_t)len;
	utf8 = latin1_to_utf8(rd_bytes(r, len), len, &ulen);
	if (!utf8) {
		rfb_client_close(c, "out of memory for clipboard text");
		return -1;
	}
	c->srv->desk.ops->cut_text(c->srv->desk.ctx, utf8, ulen);
	free(utf8);
	return 8 + (ssize_t)len;
}

ssize_t rfb_msg_input(struct rfb_client *c, const uint8_t *p, size_t len)
{
	struct rd r;

	rd_init(&r, p, len);
	switch (p[0]) {
	case MSG_SET_PIXEL_FORMAT:
		return msg_set_pixel_format(c, &r);
	case MSG_SET_ENCODINGS:
		return msg_set_encodings(c, &r);
	case MSG_FB_UPDATE_REQUEST:
		return msg_fb_update_request(c, &r);
	case MSG_KEY_EVENT:
		return msg_key_event(c, &r);
	case MSG_POINTER_EVENT:
		return msg_pointer_event(c, &r);
	case MSG_CLIENT_CUT_TEXT:
		return msg_client_cut_text(c, &r);
	case MSG_ENABLE_CU:
		return rfb_ext_enable_cu(c, &r);
	case MSG_CLIENT_FENCE:
		return rfb_ext_fence(c, &r);
	case MSG_SET_DESKTOP_SIZE:
		return rfb_ext_set_desktop_size(c, &r);
	default:
		rfb_client_close(c, "unknown message type %u", p[0]);
		return -1;
	}
}

void rfb_msg_release_input(struct rfb_client *c)
{
	const struct rfb_desktop *d = &c->srv->desk;

	for (int i = c->nheld - 1; i >= 0; i--)
		d->ops->key(d->ctx, c->held_keys[i], false);
	c->nheld = 0;
	if (c->buttons) {
		d->ops->pointer(d->ctx, c->px, c->py, 0);
		c->buttons = 0;
	}
}
