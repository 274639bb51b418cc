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
	MSG_QEMU = 255,
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

void rfb_msg_read_rect(struct rd *r, const struct rfb_fb *fb,
		       struct rfb_rect *out)
{
	unsigned x = rd_u16(r), y = rd_u16(r), w = rd_u16(r), h = rd_u16(r);

	if (x > (unsigned)fb->width)
		x = (unsigned)fb->width;
	if (y > (unsigned)fb->height)
		y = (unsigned)fb->height;
	if (w > (unsigned)fb->width - x)
		w = (unsigned)fb->width - x;
	if (h > (unsigned)fb->height - y)
		h = (unsigned)fb->height - y;
	*out = (struct rfb_rect){ (int)x, (int)y, (int)w, (int)h };
}

/* rfbproto 7.5.3 FramebufferUpdateRequest.  The rectangle is clipped to
 * the framebuffer; an empty one still asks for an (empty) update.  With
 * continuous updates on, incremental requests are ignored (7.5.7). */
static ssize_t msg_fb_update_request(struct rfb_client *c, struct rd *r)
{
	struct rfb_rect q;
	unsigned incremental;

	if (!rd_has(r, 10))
		return 0;
	rd_skip(r, 1);
	incremental = rd_u8(r);
	rfb_msg_read_rect(r, &c->srv->fb, &q);
	if (incremental && c->cu_enabled)
		return 10;
	if (!incremental)
		report_layout(c);
	pixman_region32_union_rect(&c->requested, &c->requested, q.x, q.y,
				   (unsigned)q.w, (unsigned)q.h);
	if (!incremental)
		pixman_region32_union_rect(&c->damage, &c->damage, q.x, q.y,
					   (unsigned)q.w, (unsigned)q.h);
	c->update_wanted = true;
	return 10;
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
		return rfb_input_key(c, &r);
	case MSG_POINTER_EVENT:
		return rfb_input_pointer(c, &r);
	case MSG_QEMU:
		return rfb_input_qemu(c, &r);
	case MSG_CLIENT_CUT_TEXT:
		return rfb_clipboard_input(c, &r);
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
