/* Pseudo-rectangles (rfbproto 7.8): desktop size, cursor shape, pointer
 * position, desktop name, LastRect.  Each appends to c->out. */
#include <stdlib.h>
#include <string.h>

#include "rfb/internal.h"

static void header(struct rfb_client *c, int x, int y, int w, int h,
		   int32_t enc)
{
	struct rfb_rect r = { x, y, w, h };

	enc_put_rect_header(&c->out, &r, enc);
}

/* rfbproto 7.8.2 DesktopSize */
int rfb_pseudo_desktop_size(struct rfb_client *c)
{
	header(c, 0, 0, c->srv->fb.width, c->srv->fb.height,
	       ENC_PSEUDO_DESKTOP_SIZE);
	return 1;
}

/* Our screen layout: one screen covering the framebuffer. */
static void put_own_screen(struct rfb_client *c, int w, int h)
{
	buf_put_u32(&c->out, 1); /* id */
	buf_put_u16(&c->out, 0);
	buf_put_u16(&c->out, 0);
	buf_put_u16(&c->out, (uint16_t)w);
	buf_put_u16(&c->out, (uint16_t)h);
	buf_put_u32(&c->out, 0); /* flags */
}

/* rfbproto 7.8.9 ExtendedDesktopSize: every queued event, in order. */
int rfb_pseudo_ext_sizes(struct rfb_client *c)
{
	int n = c->nsize_events;

	for (int i = 0; i < n; i++) {
		struct rfb_size_event *e = &c->size_events[i];

		header(c, e->reason, e->status, e->w, e->h,
		       ENC_PSEUDO_EXT_DESKTOP_SIZE);
		buf_put_u8(&c->out, e->nscreens ? e->nscreens : 1);
		buf_put_zeros(&c->out, 3);
		if (e->nscreens)
			buf_append(&c->out, e->screens, e->nscreens * 16u);
		else
			put_own_screen(c, e->w, e->h);
	}
	rfb_ext_clear_sizes(c);
	return n;
}

/* Straight (not premultiplied) colour of an opaque cursor pixel. */
static uint32_t unpremultiply(uint32_t argb)
{
	unsigned a = argb >> 24, ch[3];

	if (a == 0 || a == 255)
		return argb & 0xffffff;
	for (int i = 0; i < 3; i++) {
		unsigned v = (argb >> (16 - 8 * i)) & 0xff;

		ch[i] = v * 255 / a > 255 ? 255 : v * 255 / a;
	}
	return ch[0] << 16 | ch[1] << 8 | ch[2];
}

/* The 1-bit-per-pixel rows the cursor encodings share, MSB leftmost;
 * bit set where pick(pixel) is true. */
static void put_bitmap(struct rfb_client *c, const struct rfb_cursor *cur,
		       bool (*pick)(uint32_t argb))
{
	for (int y = 0; y < cur->height; y++) {
		const uint32_t *row = cur->argb + (size_t)y * cur->width;

		for (int x = 0; x < cur->width; x += 8) {
			uint8_t byte = 0;

			for (int b = 0; b < 8 && x + b < cur->width; b++)
				if (pick(row[x + b]))
					byte |= (uint8_t)(0x80 >> b);
			buf_put_u8(&c->out, byte);
		}
	}
}

static bool opaque(uint32_t argb)
{
	return argb >> 24 >= 128;
}

/* XCursor foreground is black: opaque pixels darker than mid-grey. */
static bool dark(uint32_t argb)
{
	uint32_t rgb = unpremultiply(argb);
	unsigned sum = (rgb >> 16) + ((rgb >> 8) & 0xff) + (rgb & 0xff);

	return opaque(argb) && sum < 3 * 128;
}

/* rfbproto 7.8.13 Cursor With Alpha, sent with the Raw encoding: RGBA,
 * premultiplied, as XFixes gives it. */
static void put_alpha_cursor(struct rfb_client *c,
			     const struct rfb_cursor *cur)
{
	size_t n = (size_t)cur->width * cur->height;

	buf_put_u32(&c->out, ENC_RAW);
	for (size_t i = 0; i < n; i++) {
		uint32_t p = cur->argb[i];
		uint8_t rgba[4] = { p >> 16, p >> 8, p, p >> 24 };

		buf_append(&c->out, rgba, 4);
	}
}

/* rfbproto 7.8.5 Cursor: pixels in the client's format, then a mask. */
static void put_rich_cursor(struct rfb_client *c,
			    const struct rfb_cursor *cur)
{
	size_t n = (size_t)cur->width * cur->height;
	uint8_t px[4];

	for (size_t i = 0; i < n; i++) {
		uint32_t rgb = opaque(cur->argb[i]) ?
				       unpremultiply(cur->argb[i]) : 0;

		rfb_pixconv_put(&c->pc, px, rfb_pixconv_pixel(&c->pc, rgb));
		buf_append(&c->out, px, c->pc.bytes);
	}
	put_bitmap(c, cur, opaque);
}

/* rfbproto 7.8.6 XCursor: black and white, then bitmap and mask. */
static void put_x_cursor(struct rfb_client *c, const struct rfb_cursor *cur)
{
	static const uint8_t colours[6] = { 0, 0, 0, 255, 255, 255 };

	if (cur->width == 0 || cur->height == 0)
		return;
	buf_append(&c->out, colours, sizeof(colours));
	put_bitmap(c, cur, dark);
	put_bitmap(c, cur, opaque);
}

int rfb_pseudo_cursor(struct rfb_client *c)
{
	const struct rfb_cursor *cur = &c->srv->cursor.shape;
	int32_t enc = (c->caps & RFB_CAP_CURSOR_ALPHA) ?
			      ENC_PSEUDO_CURSOR_ALPHA :
		      (c->caps & RFB_CAP_CURSOR) ? ENC_PSEUDO_CURSOR :
						   ENC_PSEUDO_XCURSOR;

	header(c, cur->hot_x, cur->hot_y, cur->width, cur->height, enc);
	if (enc == ENC_PSEUDO_CURSOR_ALPHA)
		put_alpha_cursor(c, cur);
	else if (enc == ENC_PSEUDO_CURSOR)
		put_rich_cursor(c, cur);
	else
		put_x_cursor(c, cur);
	c->cursor_serial = c->srv->cursor.serial;
	return 1;
}

/* rfbproto 7.8.7 PointerPos */
int rfb_pseudo_pointer_pos(struct rfb_client *c)
{
	header(c, c->srv->pointer_x, c->srv->pointer_y, 0, 0,
	       ENC_PSEUDO_POINTER_POS);
	c->pos_pending = false;
	return 1;
}

/* rfbproto 7.8.11 DesktopName */
int rfb_pseudo_desktop_name(struct rfb_client *c)
{
	const char *name = c->srv->opts.name;
	uint32_t len = (uint32_t)strlen(name);

	header(c, 0, 0, 0, 0, ENC_PSEUDO_DESKTOP_NAME);
	buf_put_u32(&c->out, len);
	buf_append(&c->out, name, len);
	c->name_pending = false;
	return 1;
}

/* rfbproto 7.8.17 QEMU LED State */
int rfb_pseudo_led(struct rfb_client *c)
{
	header(c, 0, 0, 0, 0, ENC_PSEUDO_QEMU_LED);
	buf_put_u8(&c->out, (uint8_t)c->srv->leds);
	c->led_sent = c->srv->leds;
	return 1;
}

/* Empty rectangles acknowledging QEMU Extended Key Event (7.8.14) and
 * ExtendedMouseButtons (7.8.20). */
int rfb_pseudo_owed(struct rfb_client *c)
{
	int n = 0;

	if (c->owed & RFB_CAP_QEMU_KEY) {
		header(c, 0, 0, 0, 0, ENC_PSEUDO_QEMU_KEY);
		n++;
	}
	if (c->owed & RFB_CAP_EXT_MOUSE) {
		header(c, 0, 0, 0, 0, ENC_PSEUDO_EXT_MOUSE);
		n++;
	}
	c->owed = 0;
	return n;
}

/* rfbproto 7.8.4 LastRect */
void rfb_pseudo_last_rect(struct rfb_client *c)
{
	header(c, 0, 0, 0, 0, ENC_PSEUDO_LAST_RECT);
}
