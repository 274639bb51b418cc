/* Viewer input (rfbproto 7.5.4 KeyEvent, 7.5.5 PointerEvent, 7.5.11 QEMU
 * Extended Key Event): filtered for view-only clients, clamped to the
 * screen, and remembered so that whatever a client holds is released
 * when it goes. */
#include "rfb/internal.h"
#include "util/log.h"

#define QEMU_EXTENDED_KEY 0
/* X keysyms have the top three bits clear (X11 protocol, "KEYSYM");
 * anything above is no key, and must not reach a keymap. */
#define KEYSYM_MAX 0x1fffffffu

/* Remember a press (or forget a release) of a keysym or, when xt is
 * nonzero, of a physical key. */
static void hold(struct rfb_client *c, uint32_t keysym, uint32_t xt,
		 bool down)
{
	int i;

	for (i = 0; i < c->nheld; i++)
		if (xt ? c->held[i].xt == xt :
			 !c->held[i].xt && c->held[i].keysym == keysym)
			break;
	if (down && i == c->nheld && c->nheld < RFB_MAX_HELD_KEYS)
		c->held[c->nheld++] = (struct rfb_held_key){ keysym, xt };
	else if (!down && i < c->nheld)
		c->held[i] = c->held[--c->nheld];
}

static void press(struct rfb_client *c, uint32_t keysym, uint32_t xt,
		  bool down)
{
	const struct rfb_desktop *d = &c->srv->desk;

	if (xt && d->ops->key_code)
		d->ops->key_code(d->ctx, keysym, xt, down);
	else if (keysym)
		d->ops->key(d->ctx, keysym, down);
}

/* rfbproto 7.5.4 KeyEvent */
ssize_t rfb_input_key(struct rfb_client *c, struct rd *r)
{
	bool down;
	uint32_t keysym;

	if (!rd_has(r, 8))
		return 0;
	rd_skip(r, 1);
	down = rd_u8(r) != 0;
	rd_skip(r, 2);
	keysym = rd_u32(r);
	if (c->viewonly || keysym == 0 || keysym > KEYSYM_MAX)
		return 8;
	hold(c, keysym, 0, down);
	press(c, keysym, 0, down);
	return 8;
}

/* rfbproto 7.5.11: only the Extended Key Event submessage is defined for
 * us; a keycode of 0 carries no key. */
ssize_t rfb_input_qemu(struct rfb_client *c, struct rd *r)
{
	uint32_t keysym, xt;
	bool down;

	if (!rd_has(r, 2))
		return 0;
	rd_skip(r, 1);
	if (rd_u8(r) != QEMU_EXTENDED_KEY) {
		rfb_client_close(c, "unknown QEMU submessage %u", r->p[1]);
		return -1;
	}
	if (!rd_has(r, 10))
		return 0;
	down = rd_u16(r) != 0;
	keysym = rd_u32(r);
	xt = rd_u32(r);
	if (keysym > KEYSYM_MAX)
		keysym = 0;
	if (c->viewonly || (xt == 0 && keysym == 0))
		return 12;
	/* 0xb7 is an old name for Print (0x54). */
	if (xt == 0xb7)
		xt = 0x54;
	hold(c, keysym, xt, down);
	press(c, keysym, xt, down);
	return 12;
}

/* rfbproto 7.5.5 PointerEvent; with ExtendedMouseButtons a set top bit
 * means one more byte of buttons (8 back, 9 forward). */
ssize_t rfb_input_pointer(struct rfb_client *c, struct rd *r)
{
	const struct rfb_fb *fb = &c->srv->fb;
	bool extended = (c->caps & RFB_CAP_EXT_MOUSE) && rd_has(r, 2) &&
			(r->p[1] & 0x80);
	size_t len = extended ? 7 : 6;
	uint16_t buttons;
	int x, y;

	if (!rd_has(r, len))
		return 0;
	rd_skip(r, 1);
	buttons = rd_u8(r);
	x = rd_u16(r);
	y = rd_u16(r);
	if (extended)
		buttons = (uint16_t)((buttons & 0x7f) | rd_u8(r) << 7);
	if (c->viewonly)
		return (ssize_t)len;
	if (x >= fb->width)
		x = fb->width - 1;
	if (y >= fb->height)
		y = fb->height - 1;
	c->buttons = buttons;
	c->px = x;
	c->py = y;
	c->srv->desk.ops->pointer(c->srv->desk.ctx, x, y, buttons);
	return (ssize_t)len;
}

void rfb_input_release(struct rfb_client *c)
{
	const struct rfb_desktop *d = &c->srv->desk;

	for (int i = c->nheld - 1; i >= 0; i--)
		press(c, c->held[i].keysym, c->held[i].xt, false);
	c->nheld = 0;
	if (c->buttons) {
		d->ops->pointer(d->ctx, c->px, c->py, 0);
		c->buttons = 0;
	}
}
