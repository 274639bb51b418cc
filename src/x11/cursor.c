#include "x11/cursor.h"

#include <stdint.h>
#include <stdlib.h>
#include <X11/extensions/Xfixes.h>

#include "util/log.h"

/* Often enough that a viewer's own cursor follows the desktop's
 * smoothly, rarely enough that the round trips cost nothing; while the
 * pointer rests, the interval doubles up to CURSOR_REST_MS, so an idle
 * desktop with a viewer costs next to nothing. */
#define CURSOR_POLL_MS 50
#define CURSOR_REST_MS 800

void x11_cursor_init(struct x11_cursor *c, struct x11_display *disp,
		     struct loop *loop)
{
	*c = (struct x11_cursor){ .disp = disp, .loop = loop, .stale = true };
	if (!disp->have_xfixes) {
		log_warn("XFIXES extension missing: viewers get no cursor "
			 "shape");
		return;
	}
	XFixesSelectCursorInput(disp->dpy, disp->root,
				XFixesDisplayCursorNotifyMask);
}

void x11_cursor_fini(struct x11_cursor *c)
{
	if (c->timer)
		loop_timer_del(c->loop, c->timer);
	c->timer = NULL;
}

/* XFixes gives one `unsigned long` per pixel (64 bits on LP64), ARGB
 * premultiplied in the low 32 bits.  The top-left w x h of it. */
static void cursor_convert(uint32_t *argb, const XFixesCursorImage *img, int w,
			   int h)
{
	for (int y = 0; y < h; y++) {
		const unsigned long *src = img->pixels + (size_t)y * img->width;

		for (int x = 0; x < w; x++)
			argb[(size_t)y * w + x] = (uint32_t)src[x];
	}
}

/* Images beyond the engine's limit are cut to it, as long as the hotspot
 * stays inside. */
static void cursor_send(struct x11_cursor *c)
{
	XFixesCursorImage *img;
	struct rfb_cursor cur;
	uint32_t *argb;

	img = XFixesGetCursorImage(c->disp->dpy);
	if (!img)
		return;
	cur = (struct rfb_cursor){ img->width, img->height, img->xhot,
				   img->yhot, NULL };
	cur.width = cur.width < RFB_MAX_CURSOR_SIDE ? cur.width
						    : RFB_MAX_CURSOR_SIDE;
	cur.height = cur.height < RFB_MAX_CURSOR_SIDE ? cur.height
						      : RFB_MAX_CURSOR_SIDE;
	argb = malloc((size_t)cur.width * cur.height * sizeof(*argb) + 1);
	if (argb && cur.hot_x < cur.width && cur.hot_y < cur.height) {
		cursor_convert(argb, img, cur.width, cur.height);
		cur.argb = argb;
		rfb_server_set_cursor(c->srv, &cur);
		c->stale = false;
	} else if (argb) {
		log_debug("cursor %dx%d with its hotspot at %d,%d not sent",
			  img->width, img->height, img->xhot, img->yhot);
	}
	free(argb);
	XFree(img);
}

bool x11_cursor_event(struct x11_cursor *c, const XEvent *ev)
{
	if (!c->disp->have_xfixes ||
	    ev->type != c->disp->xfixes_event + XFixesCursorNotify)
		return false;
	c->stale = true;
	if (c->srv && c->nclients > 0)
		cursor_send(c);
	return true;
}

void x11_cursor_set_clients(struct x11_cursor *c, int nclients)
{
	int was = c->nclients;

	c->nclients = nclients;
	if (nclients > 0 && was <= 0 && c->stale && c->srv &&
	    c->disp->have_xfixes)
		cursor_send(c);
}

void x11_cursor_poll(struct x11_cursor *c)
{
	Window root, child;
	int x, y, wx, wy;
	unsigned mask;

	if (!c->want_pos || !c->srv)
		return;
	/* False: the pointer is on another screen; nothing to show. */
	if (!XQueryPointer(c->disp->dpy, c->disp->root, &root, &child, &x, &y,
			   &wx, &wy, &mask))
		return;
	if (c->pos_known && x == c->x && y == c->y)
		return;
	c->x = x;
	c->y = y;
	c->pos_known = true;
	rfb_server_pointer_moved(c->srv, x, y);
}

void x11_cursor_active(struct x11_cursor *c)
{
	if (c->timer && c->poll_ms > CURSOR_POLL_MS) {
		c->poll_ms = CURSOR_POLL_MS;
		loop_timer_rearm(c->loop, c->timer, c->poll_ms);
	}
}

static void cursor_tick(void *data)
{
	struct x11_cursor *c = data;
	int x = c->x, y = c->y;

	x11_cursor_poll(c);
	if (x != c->x || y != c->y)
		c->poll_ms = CURSOR_POLL_MS;
	else if (c->poll_ms < CURSOR_REST_MS)
		c->poll_ms *= 2;
	if (c->timer)
		loop_timer_rearm(c->loop, c->timer, c->poll_ms);
}

void x11_cursor_want_pos(struct x11_cursor *c, bool on)
{
	c->want_pos = on;
	if (!on) {
		if (c->timer)
			loop_timer_del(c->loop, c->timer);
		c->timer = NULL;
		return;
	}
	/* Whoever just asked gets the position now, moved or not. */
	c->pos_known = false;
	x11_cursor_poll(c);
	c->poll_ms = CURSOR_POLL_MS;
	if (!c->timer)
		c->timer = loop_timer_add(c->loop, CURSOR_POLL_MS, true,
					  cursor_tick, c);
	if (!c->timer)
		log_error("out of memory arming the pointer timer");
}
