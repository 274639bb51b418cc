/* Clipboard in both directions, as UTF-8 text.  Text from a viewer is
 * offered as the owner of CLIPBOARD and PRIMARY through a hidden window;
 * when another X client takes either selection (seen through XFIXES),
 * its text is converted (UTF8_STRING, else Latin-1 STRING), read and
 * sent to the viewers.  Text larger than a request travels as INCR
 * either way; cfg->max_cuttext caps it.  -noclipboard turns all of it
 * off, -noprimary leaves PRIMARY alone.  Internal to src/x11/. */
#ifndef XRFB_X11_CLIPBOARD_H
#define XRFB_X11_CLIPBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <X11/Xlib.h>

#include "config.h"
#include "rfb/desktop.h"
#include "x11/display.h"
#include "x11/incr.h"

struct x11_clipboard {
	struct x11_display *disp;
	struct rfb_server *srv; /* gets desktop text; NULL until started */
	bool enabled;		/* not -noclipboard */
	int nsel;		/* 2, or 1 (CLIPBOARD only) with -noprimary */
	size_t max;		/* cap on text in either direction */
	Window win;		/* hidden; owns selections, receives data */
	Atom utf8, targets, text_atom, timestamp, incr, stamp;
	Atom sel[2];  /* CLIPBOARD, PRIMARY */
	Atom prop[2]; /* where each is converted */
	bool own[2];  /* we own it */
	char *text;   /* what we offer (from a viewer), UTF-8 */
	size_t len;
	Time owned_since;
	/* The last text both sides agree on: the same text coming back
	 * (our own echo, or PRIMARY repeating CLIPBOARD) is not resent. */
	char *last;
	size_t last_len;
	struct x11_incr_server incr_out;
	struct x11_incr_recv incr_in[2];
};

/* Create the hidden window and subscribe to selection changes, as `cfg`
 * says (max_cuttext, 0: 1 MiB; noclipboard; noprimary). */
void x11_clipboard_init(struct x11_clipboard *cb, struct x11_display *disp,
			const struct config *cfg);
void x11_clipboard_fini(struct x11_clipboard *cb);

/* Text from a viewer (UTF-8, not NUL-terminated): take ownership of the
 * selections and serve it. */
void x11_clipboard_set(struct x11_clipboard *cb, const char *utf8, size_t len);

/* Consume selection events; returns true if `ev` was one of ours. */
bool x11_clipboard_event(struct x11_clipboard *cb, XEvent *ev);

#endif
