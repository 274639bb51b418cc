#include "x11/cursor.h"

#include <stdint.h>
#include <stdlib.h>
#include <X11/extensions/XInput2.h>
#include <X11/extensions/Xfixes.h>

#include "util/log.h"

/* One frame at 60 Hz: the viewer's cursor follows smoothly, and a fast
 * mouse costs at most one round trip a frame. */
#define CURSOR_LOOK_MS 16
/* Without XInput 2, the poll interval doubles up to this while the
 * pointer stays still: two wake-ups a second when idle. */
#define CURSOR_POLL_MAX_MS 500

/* XInput 2.2 rather than 2.0: from 2.1 on, raw events reach the root
 * window even while another client grabs the pointer (a drag in a
 * menu).  XI2 events travel as GenericEvents, hence the GE check. */
static void cursor_find_xi2(struct x11_cursor *c)
{
	Display *dpy = c->disp->dpy;
	int ev, err, ge, major = 2, minor = 2;

	if (XQueryExtension(dpy, "XInputExtension", &c->xi_opcode, &ev, &err) &&
	    XQueryExtension(dpy, "Generic Event Extension", &ge, &ev, &err) &&
	    XIQueryVersion(dpy, &major, &minor) == Success && major >= 2) {
		c->have_xi2 = true;
		log_debug("XInput %d.%d: the pointer is read when it moves",
			  major, minor);
		return;
	}
	log_info("XInput 2 missing: the pointer position is polled while "
		 "viewers want it");
}

void x11_cursor_init(struct x11_cursor *c, struct x11_display *disp,
		     struct loop *loop)
{
	*c = (struct x11_cursor){ .disp = disp, .loop = loop, .stale = true };
	if (!disp->have_xfixes) {
		log_warn("XFIXES extension missing: viewers get no cursor "
			 "shape");
	} else {
		XFixesSelectCursorInput(disp->dpy, disp->root,
					XFixesDisplayCursorNotifyMask);
	}
	cursor_find_xi2(c);
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

static void cursor_tick(void *data);

static void cursor_arm(struct x11_cursor *c, int ms)
{
	c->timer = loop_timer_add(c->loop, ms, false, cursor_tick, c);
	if (!c->timer)
		log_error("out of memory arming the pointer timer");
}

static void cursor_disarm(struct x11_cursor *c)
{
	if (c->timer)
		loop_timer_del(c->loop, c->timer);
	c->timer = NULL;
}

/* XQueryPointer; true if the pointer moved since the last report. */
static bool cursor_look(struct x11_cursor *c)
{
	Window root, child;
	int x, y, wx, wy;
	unsigned mask;

	c->looked_ms = loop_now_ms();
	/* False: the pointer is on another screen; nothing to show. */
	if (!XQueryPointer(c->disp->dpy, c->disp->root, &root, &child, &x, &y,
			   &wx, &wy, &mask))
		return false;
	if (c->pos_known && x == c->x && y == c->y)
		return false;
	c->x = x;
	c->y = y;
	c->pos_known = true;
	rfb_server_pointer_moved(c->srv, x, y);
	return true;
}

/* XI2: the look held back to the next frame.  Without XI2: the poll,
 * sooner while the pointer moves, later while it stays still. */
static void cursor_tick(void *data)
{
	struct x11_cursor *c = data;
	bool moved;

	c->timer = NULL; /* a fired one-shot is freed by the loop */
	if (!c->want_pos || !c->srv)
		return;
	moved = cursor_look(c);
	if (c->have_xi2)
		return;
	if (moved)
		c->poll_ms = CURSOR_LOOK_MS;
	else if (c->poll_ms < CURSOR_POLL_MAX_MS)
		c->poll_ms = c->poll_ms * 2 < CURSOR_POLL_MAX_MS
				     ? c->poll_ms * 2
				     : CURSOR_POLL_MAX_MS;
	cursor_arm(c, c->poll_ms);
}

/* The pointer moved (a device, or XTEST for a viewer): look now, or at
 * the end of the frame if we looked less than a frame ago. */
static void cursor_raw_motion(struct x11_cursor *c)
{
	uint64_t since = loop_now_ms() - c->looked_ms;

	if (!c->want_pos || !c->srv || c->timer)
		return;
	if (since >= CURSOR_LOOK_MS)
		cursor_look(c);
	else
		cursor_arm(c, CURSOR_LOOK_MS - (int)since);
}

bool x11_cursor_event(struct x11_cursor *c, const XEvent *ev)
{
	if (c->have_xi2 && ev->type == GenericEvent &&
	    ev->xcookie.extension == c->xi_opcode) {
		/* The event's data is never fetched: that it came is
		 * enough.  Xlib frees it at the next XNextEvent. */
		if (ev->xcookie.evtype == XI_RawMotion)
			cursor_raw_motion(c);
		return true;
	}
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
	if (!c->want_pos || !c->srv)
		return;
	if (cursor_look(c))
		x11_cursor_active(c);
}

void x11_cursor_active(struct x11_cursor *c)
{
	if (!c->want_pos || c->have_xi2 || c->poll_ms <= CURSOR_LOOK_MS)
		return;
	c->poll_ms = CURSOR_LOOK_MS;
	cursor_disarm(c);
	cursor_arm(c, c->poll_ms);
}

/* Raw motion on the root window, from every master pointer; an empty
 * mask deselects. */
static void cursor_select_raw(struct x11_cursor *c, bool on)
{
	unsigned char bits[XIMaskLen(XI_LASTEVENT)] = { 0 };
	XIEventMask m = { XIAllMasterDevices, sizeof(bits), bits };

	if (on)
		XISetMask(bits, XI_RawMotion);
	XISelectEvents(c->disp->dpy, c->disp->root, &m, 1);
}

void x11_cursor_want_pos(struct x11_cursor *c, bool on)
{
	c->want_pos = on;
	cursor_disarm(c);
	if (c->have_xi2)
		cursor_select_raw(c, on);
	if (!on || !c->srv)
		return;
	/* Whoever just asked gets the position now, moved or not. */
	c->pos_known = false;
	cursor_look(c);
	if (!c->have_xi2) {
		c->poll_ms = CURSOR_LOOK_MS;
		cursor_arm(c, c->poll_ms);
	}
}

void x11_cursor_fini(struct x11_cursor *c)
{
	cursor_disarm(c);
}
