#include "x11/clipboard.h"

#include <stdlib.h>
#include <string.h>
#include <X11/Xatom.h>
#include <X11/extensions/Xfixes.h>

#include "util/log.h"
#include "x11/utf8.h"

#define CLIP_DEFAULT_MAX (1024 * 1024)

/* Which of our selections `selection` is, -1 if not one we bridge. */
static int clip_index(const struct x11_clipboard *cb, Atom selection)
{
	for (int i = 0; i < cb->nsel; i++)
		if (selection == cb->sel[i])
			return i;
	return -1;
}

/* Remember `text` as what viewers and desktop now share, so that the same
 * text coming back the other way is not sent again. */
static void clip_remember(struct x11_clipboard *cb, char *text, size_t len)
{
	free(cb->last);
	cb->last = text;
	cb->last_len = len;
}

static bool clip_is_last(const struct x11_clipboard *cb, const char *text,
			 size_t len)
{
	return cb->last && cb->last_len == len && !memcmp(cb->last, text, len);
}

/* --- viewer -> desktop: we own the selections --- */

static Bool clip_is_stamp(Display *dpy, XEvent *ev, XPointer arg)
{
	const struct x11_clipboard *cb = (const struct x11_clipboard *)arg;

	return ev->type == PropertyNotify && ev->xproperty.window == cb->win &&
	       ev->xproperty.atom == cb->stamp;
}

/* ICCCM 2.1 wants a real server time for XSetSelectionOwner, not
 * CurrentTime.  Appending nothing to a property of our window makes the
 * server send a PropertyNotify carrying one; it comes back after one
 * round trip, other events stay queued for the loop. */
static Time clip_server_time(struct x11_clipboard *cb)
{
	Display *dpy = cb->disp->dpy;
	XEvent ev;

	XChangeProperty(dpy, cb->win, cb->stamp, XA_STRING, 8, PropModeAppend,
			NULL, 0);
	XIfEvent(dpy, &ev, clip_is_stamp, (XPointer)cb);
	return ev.xproperty.time;
}

static void clip_take(struct x11_clipboard *cb)
{
	Display *dpy = cb->disp->dpy;

	cb->owned_since = clip_server_time(cb);
	for (int i = 0; i < cb->nsel; i++) {
		XSetSelectionOwner(dpy, cb->sel[i], cb->win, cb->owned_since);
		cb->own[i] = XGetSelectionOwner(dpy, cb->sel[i]) == cb->win;
	}
	if (!cb->own[0])
		log_warn("could not take the X clipboard for viewer text");
}

static void clip_too_large(const struct x11_clipboard *cb, size_t len)
{
	log_warn("clipboard text of %zu bytes from a viewer is over the "
		 "%zu-byte cap (-maxcuttext): ignored",
		 len, cb->max);
}

void x11_clipboard_set(struct x11_clipboard *cb, const char *utf8, size_t len)
{
	size_t n;
	char *text;

	if (!cb->enabled)
		return;
	if (len > cb->max) {
		clip_too_large(cb, len);
		return;
	}
	text = x11_utf8_clean(utf8, len, &n);
	if (!text)
		return;
	/* Replacement characters may have grown it. */
	if (n > cb->max) {
		clip_too_large(cb, n);
		free(text);
		return;
	}
	free(cb->text);
	cb->text = text;
	cb->len = n;
	clip_remember(cb, strndup(text, n), n);
	clip_take(cb);
}

/* One property when the text fits in one request, else INCR chunks. */
static bool clip_put(struct x11_clipboard *cb, Window w, Atom prop, Atom type,
		     const char *data, size_t len)
{
	char *copy;

	if (len <= cb->incr_out.chunk) {
		XChangeProperty(cb->disp->dpy, w, prop, type, 8,
				PropModeReplace, (const unsigned char *)data,
				(int)len);
		return true;
	}
	copy = malloc(len);
	if (!copy)
		return false;
	memcpy(copy, data, len);
	return x11_incr_serve(&cb->incr_out, w, prop, type, copy, len);
}

static bool clip_convert(struct x11_clipboard *cb, Window w, Atom target,
			 Atom prop)
{
	Display *dpy = cb->disp->dpy;
	Atom targets[] = { cb->targets, cb->timestamp, cb->utf8, XA_STRING,
			   cb->text_atom };
	long stamp = (long)cb->owned_since;
	char *latin1;
	size_t n;
	bool ok;

	if (target == cb->targets) {
		XChangeProperty(dpy, w, prop, XA_ATOM, 32, PropModeReplace,
				(unsigned char *)targets, 5);
		return true;
	}
	if (target == cb->timestamp) {
		XChangeProperty(dpy, w, prop, XA_INTEGER, 32, PropModeReplace,
				(unsigned char *)&stamp, 1);
		return true;
	}
	/* TEXT lets the owner choose the encoding: UTF-8 loses nothing. */
	if (target == cb->utf8 || target == cb->text_atom)
		return clip_put(cb, w, prop, cb->utf8, cb->text, cb->len);
	if (target != XA_STRING)
		return false;
	latin1 = x11_utf8_to_latin1(cb->text, cb->len, &n);
	ok = latin1 && clip_put(cb, w, prop, XA_STRING, latin1, n);
	free(latin1);
	return ok;
}

/* ICCCM 2.2: answer with the data in the requested property, or with
 * property None to refuse. */
static void clip_request(struct x11_clipboard *cb,
			 const XSelectionRequestEvent *req)
{
	Display *dpy = cb->disp->dpy;
	XSelectionEvent reply = {
		.type = SelectionNotify,
		.requestor = req->requestor,
		.selection = req->selection,
		.target = req->target,
		.time = req->time,
	};
	/* Obsolete clients leave the property None: use the target. */
	Atom prop = req->property ? req->property : req->target;
	int i = clip_index(cb, req->selection);
	bool valid = i >= 0 && cb->own[i] && cb->text &&
		     (req->time == CurrentTime || req->time >= cb->owned_since);
	struct x11_trap trap;

	/* The requestor may vanish at any moment: trap BadWindow. */
	x11_trap_begin(&trap, dpy);
	if (valid && clip_convert(cb, req->requestor, req->target, prop))
		reply.property = prop;
	XSendEvent(dpy, req->requestor, False, NoEventMask, (XEvent *)&reply);
	if (x11_trap_end(&trap))
		log_debug("clipboard requestor 0x%lx went away",
			  req->requestor);
}

static void clip_lost(struct x11_clipboard *cb, const XSelectionClearEvent *ev)
{
	int i = clip_index(cb, ev->selection);

	if (i < 0)
		return;
	cb->own[i] = false;
	for (i = 0; i < cb->nsel; i++)
		if (cb->own[i])
			return;
	free(cb->text);
	cb->text = NULL;
	cb->len = 0;
}

/* --- desktop -> viewers: another client owns a selection --- */

static void clip_owner_changed(struct x11_clipboard *cb,
			       const XFixesSelectionNotifyEvent *ev)
{
	int i = clip_index(cb, ev->selection);

	/* Our own ownership is an echo of viewer text; None means the
	 * owner went away and there is nothing to fetch. */
	if (i < 0 || ev->owner == None || ev->owner == cb->win)
		return;
	/* A transfer from the previous owner is abandoned. */
	x11_incr_recv_reset(&cb->incr_in[i]);
	XConvertSelection(cb->disp->dpy, ev->selection, cb->utf8, cb->prop[i],
			  cb->win, ev->selection_timestamp);
}

static void clip_send(struct x11_clipboard *cb, const char *data, size_t n,
		      Atom type)
{
	size_t len;
	char *text = type == XA_STRING ? x11_latin1_to_utf8(data, n, &len)
				       : x11_utf8_clean(data, n, &len);

	if (!text)
		return;
	if (len > cb->max) {
		log_warn("desktop clipboard text of %zu bytes is over the "
			 "%zu-byte cap (-maxcuttext): not sent",
			 len, cb->max);
		free(text);
		return;
	}
	if (clip_is_last(cb, text, len)) {
		free(text);
		return;
	}
	clip_remember(cb, text, len);
	if (cb->srv)
		rfb_server_cut_text(cb->srv, text, len);
}

static bool clip_is_text(const struct x11_clipboard *cb, Atom type, int format)
{
	return format == 8 && (type == cb->utf8 || type == XA_STRING);
}

/* The conversion of selection `i` arrived in `prop`: the text, or the
 * start of an INCR transfer.  The property is deleted either way; for
 * INCR that asks for the first chunk. */
static void clip_read(struct x11_clipboard *cb, int i, Atom prop)
{
	Display *dpy = cb->disp->dpy;
	unsigned long n, after;
	unsigned char *data = NULL;
	Atom type;
	int format;

	/* One word past the cap tells "too large" from "exactly the cap". */
	if (XGetWindowProperty(dpy, cb->win, prop, 0, (long)(cb->max / 4) + 1,
			       False, AnyPropertyType, &type, &format, &n,
			       &after, &data) != Success)
		return;
	if (type == cb->incr) {
		log_debug("desktop clipboard text comes in INCR chunks");
		x11_incr_recv_start(&cb->incr_in[i], cb->max);
	} else if (format == 8 && (after || n > cb->max))
		log_warn("desktop clipboard text is over the %zu-byte cap "
			 "(-maxcuttext): not sent",
			 cb->max);
	else if (clip_is_text(cb, type, format))
		clip_send(cb, (const char *)data, n, type);
	XDeleteProperty(dpy, cb->win, prop);
	if (data)
		XFree(data);
}

/* Larger than any chunk: a request is at most 16 MiB. */
#define CLIP_CHUNK_WORDS (1L << 23)

/* ICCCM 2.7.2: the owner wrote the next INCR chunk; take it and delete
 * the property to ask for more.  A zero-length chunk ends the text. */
static void clip_read_chunk(struct x11_clipboard *cb, int i)
{
	struct x11_incr_recv *r = &cb->incr_in[i];
	Display *dpy = cb->disp->dpy;
	unsigned long n, after;
	unsigned char *data = NULL;
	Atom type;
	int format;

	if (XGetWindowProperty(dpy, cb->win, cb->prop[i], 0, CLIP_CHUNK_WORDS,
			       False, AnyPropertyType, &type, &format, &n,
			       &after, &data) != Success ||
	    type == None)
		return;
	XDeleteProperty(dpy, cb->win, cb->prop[i]);
	if (after || (n && !clip_is_text(cb, type, format)))
		r->over = true;
	if (x11_incr_recv_chunk(r, type, (const char *)data, n)) {
		if (r->over)
			log_warn("desktop clipboard text is over the %zu-byte "
				 "cap (-maxcuttext) or not text: not sent",
				 cb->max);
		else
			clip_send(cb, r->buf, r->len, r->type);
		x11_incr_recv_reset(r);
	}
	if (data)
		XFree(data);
}

static void clip_notify(struct x11_clipboard *cb, const XSelectionEvent *ev)
{
	int i = clip_index(cb, ev->selection);

	if (i < 0)
		return;
	if (ev->property != None) {
		clip_read(cb, i, ev->property);
		return;
	}
	/* Refused: older clients only speak STRING. */
	if (ev->target == cb->utf8)
		XConvertSelection(cb->disp->dpy, ev->selection, XA_STRING,
				  cb->prop[i], cb->win, ev->time);
}

/* On our window: INCR chunks coming in (and our own traffic, ignored);
 * on others: requestors taking the chunks we serve. */
static bool clip_property(struct x11_clipboard *cb, const XPropertyEvent *ev)
{
	if (ev->window != cb->win)
		return x11_incr_server_event(&cb->incr_out, ev);
	for (int i = 0; i < cb->nsel; i++)
		if (ev->atom == cb->prop[i] && ev->state == PropertyNewValue &&
		    cb->incr_in[i].active)
			clip_read_chunk(cb, i);
	return true;
}

bool x11_clipboard_event(struct x11_clipboard *cb, XEvent *ev)
{
	if (!cb->enabled)
		return false;
	if (cb->disp->have_xfixes &&
	    ev->type == cb->disp->xfixes_event + XFixesSelectionNotify) {
		clip_owner_changed(cb, (XFixesSelectionNotifyEvent *)ev);
		return true;
	}
	switch (ev->type) {
	case SelectionRequest:
		clip_request(cb, &ev->xselectionrequest);
		return true;
	case SelectionClear:
		clip_lost(cb, &ev->xselectionclear);
		return true;
	case SelectionNotify:
		clip_notify(cb, &ev->xselection);
		return true;
	case PropertyNotify:
		return clip_property(cb, &ev->xproperty);
	default:
		return false;
	}
}

static void clip_atoms(struct x11_clipboard *cb)
{
	char *names[] = { "CLIPBOARD",	      "UTF8_STRING",
			  "TARGETS",	      "TEXT",
			  "TIMESTAMP",	      "INCR",
			  "XRFBSHARE_TIME",   "XRFBSHARE_CLIPBOARD",
			  "XRFBSHARE_PRIMARY" };
	Atom a[9];

	XInternAtoms(cb->disp->dpy, names, 9, False, a);
	cb->sel[0] = a[0];
	cb->sel[1] = XA_PRIMARY;
	cb->utf8 = a[1];
	cb->targets = a[2];
	cb->text_atom = a[3];
	cb->timestamp = a[4];
	cb->incr = a[5];
	cb->stamp = a[6];
	cb->prop[0] = a[7];
	cb->prop[1] = a[8];
}

void x11_clipboard_init(struct x11_clipboard *cb, struct x11_display *disp,
			const struct config *cfg)
{
	Display *dpy = disp->dpy;
	unsigned long mask = XFixesSetSelectionOwnerNotifyMask;

	memset(cb, 0, sizeof(*cb));
	cb->disp = disp;
	if (cfg->noclipboard) {
		log_info("clipboard not shared (-noclipboard)");
		return;
	}
	cb->enabled = true;
	cb->nsel = cfg->noprimary ? 1 : 2;
	cb->max = cfg->max_cuttext ? cfg->max_cuttext : CLIP_DEFAULT_MAX;
	clip_atoms(cb);
	x11_incr_server_init(&cb->incr_out, dpy, cb->incr);
	/* Never mapped: it only owns selections and receives their data. */
	cb->win = XCreateSimpleWindow(dpy, disp->root, -1, -1, 1, 1, 0, 0, 0);
	XSelectInput(dpy, cb->win, PropertyChangeMask);
	if (!disp->have_xfixes) {
		log_warn("XFIXES extension missing: desktop clipboard changes "
			 "are not sent to viewers");
		return;
	}
	for (int i = 0; i < cb->nsel; i++)
		XFixesSelectSelectionInput(dpy, cb->win, cb->sel[i], mask);
}

void x11_clipboard_fini(struct x11_clipboard *cb)
{
	if (!cb->enabled)
		return;
	x11_incr_server_fini(&cb->incr_out);
	for (int i = 0; i < 2; i++)
		x11_incr_recv_reset(&cb->incr_in[i]);
	if (cb->win)
		XDestroyWindow(cb->disp->dpy, cb->win);
	cb->win = 0;
	free(cb->text);
	free(cb->last);
	cb->text = cb->last = NULL;
}
