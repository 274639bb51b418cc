#include "x11/incr.h"

#include <stdlib.h>
#include <string.h>
#include <X11/Xatom.h>

#include "util/log.h"
#include "util/loop.h"
#include "x11/display.h"

/* Qt and GTK switch to INCR at about this size, whatever the server's
 * maximum request: a larger single property only strains the server. */
#define INCR_CHUNK_MAX (256 * 1024)
/* A requestor that took no chunk for this long has given up. */
#define INCR_IDLE_MS 30000

/* --- serving --- */

static void incr_end(struct x11_incr_server *s, struct x11_incr_send *t)
{
	struct x11_trap trap;
	bool shared = false;

	for (int i = 0; i < X11_INCR_SENDS; i++)
		if (&s->send[i] != t && s->send[i].win == t->win)
			shared = true;
	/* Another transfer to the same window still needs the events. */
	if (!shared) {
		x11_trap_begin(&trap, s->dpy);
		XSelectInput(s->dpy, t->win, t->old_mask);
		x11_trap_end(&trap);
	}
	free(t->data);
	memset(t, 0, sizeof(*t));
}

/* A free slot, after ending transfers that stalled; the oldest one if
 * all are busy. */
static struct x11_incr_send *incr_slot(struct x11_incr_server *s)
{
	uint64_t now = loop_now_ms();
	struct x11_incr_send *oldest = &s->send[0];

	for (int i = 0; i < X11_INCR_SENDS; i++) {
		struct x11_incr_send *t = &s->send[i];

		if (t->win && now - t->last_ms > INCR_IDLE_MS)
			incr_end(s, t);
		if (t->last_ms < oldest->last_ms)
			oldest = t;
	}
	for (int i = 0; i < X11_INCR_SENDS; i++)
		if (!s->send[i].win)
			return &s->send[i];
	log_debug("too many clipboard transfers: the oldest is dropped");
	incr_end(s, oldest);
	return oldest;
}

/* Our event mask on `win`, kept to be restored: the window may be one we
 * watch for other reasons, or already in another transfer. */
static long incr_old_mask(struct x11_incr_server *s, Window win)
{
	XWindowAttributes attr;

	for (int i = 0; i < X11_INCR_SENDS; i++)
		if (s->send[i].win == win)
			return s->send[i].old_mask;
	if (!XGetWindowAttributes(s->dpy, win, &attr))
		return NoEventMask;
	return attr.your_event_mask;
}

bool x11_incr_serve(struct x11_incr_server *s, Window win, Atom prop, Atom type,
		    char *data, size_t len)
{
	struct x11_incr_send *t = incr_slot(s);
	long size = (long)len; /* a lower bound on the size, ICCCM says */
	struct x11_trap trap;

	x11_trap_begin(&trap, s->dpy);
	*t = (struct x11_incr_send){ .win = win,
				     .prop = prop,
				     .type = type,
				     .data = data,
				     .len = len,
				     .last_ms = loop_now_ms() };
	t->old_mask = incr_old_mask(s, win);
	/* Before the header: its deletion must not be missed. */
	XSelectInput(s->dpy, win, t->old_mask | PropertyChangeMask);
	XChangeProperty(s->dpy, win, prop, s->incr, 32, PropModeReplace,
			(unsigned char *)&size, 1);
	if (x11_trap_end(&trap)) {
		free(data);
		memset(t, 0, sizeof(*t));
		return false;
	}
	log_debug("clipboard: %zu bytes to 0x%lx in INCR chunks", len, win);
	return true;
}

/* The requestor deleted the property: the next chunk, or the empty one
 * that ends the transfer (and our part in it). */
static void incr_next(struct x11_incr_server *s, struct x11_incr_send *t)
{
	size_t n = t->len - t->off;
	struct x11_trap trap;

	if (n > s->chunk)
		n = s->chunk;
	x11_trap_begin(&trap, s->dpy);
	XChangeProperty(s->dpy, t->win, t->prop, t->type, 8, PropModeReplace,
			(unsigned char *)t->data + t->off, (int)n);
	if (x11_trap_end(&trap) || !n) {
		incr_end(s, t);
		return;
	}
	t->off += n;
	t->last_ms = loop_now_ms();
}

bool x11_incr_server_event(struct x11_incr_server *s, const XPropertyEvent *ev)
{
	for (int i = 0; i < X11_INCR_SENDS; i++) {
		struct x11_incr_send *t = &s->send[i];

		if (!t->win || t->win != ev->window || t->prop != ev->atom)
			continue;
		/* Our own writes come back as NewValue: not a request. */
		if (ev->state == PropertyDelete)
			incr_next(s, t);
		return true;
	}
	return false;
}

void x11_incr_server_init(struct x11_incr_server *s, Display *dpy, Atom incr)
{
	long words = XExtendedMaxRequestSize(dpy);

	memset(s, 0, sizeof(*s));
	s->dpy = dpy;
	s->incr = incr;
	if (!words)
		words = XMaxRequestSize(dpy);
	/* Less the ChangeProperty header, with room to spare. */
	s->chunk = (size_t)words * 4 - 100;
	if (s->chunk > INCR_CHUNK_MAX)
		s->chunk = INCR_CHUNK_MAX;
}

void x11_incr_server_fini(struct x11_incr_server *s)
{
	for (int i = 0; i < X11_INCR_SENDS; i++)
		if (s->send[i].win)
			incr_end(s, &s->send[i]);
}

/* --- receiving --- */

void x11_incr_recv_reset(struct x11_incr_recv *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

void x11_incr_recv_start(struct x11_incr_recv *r, size_t max)
{
	x11_incr_recv_reset(r);
	r->active = true;
	r->max = max;
}

static bool incr_append(struct x11_incr_recv *r, const char *data, size_t n)
{
	size_t cap = r->cap ? r->cap : 64 * 1024;
	char *buf;

	while (cap < r->len + n)
		cap *= 2;
	if (cap != r->cap) {
		buf = realloc(r->buf, cap);
		if (!buf)
			return false;
		r->buf = buf;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	return true;
}

bool x11_incr_recv_chunk(struct x11_incr_recv *r, Atom type, const char *data,
			 size_t n)
{
	if (!r->active)
		return false;
	if (!n) {
		r->active = false;
		return true;
	}
	if (!r->type)
		r->type = type;
	if (r->over)
		return false;
	if (n > r->max - r->len || !incr_append(r, data, n)) {
		r->over = true;
		free(r->buf);
		r->buf = NULL;
		r->len = r->cap = 0;
	}
	return false;
}
