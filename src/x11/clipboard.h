/* Clipboard in both directions.  Text from a viewer is offered as the
 * owner of CLIPBOARD and PRIMARY through a hidden window; when another X
 * client takes either selection (seen through XFIXES), its text is
 * converted, read and sent to the viewers.  Internal to src/x11/. */
#ifndef XRFB_X11_CLIPBOARD_H
#define XRFB_X11_CLIPBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <X11/Xlib.h>

#include "rfb/desktop.h"
#include "x11/display.h"

struct x11_clipboard {
	struct x11_display *disp;
	struct rfb_server *srv; /* gets desktop text; NULL until started */
	size_t max;		/* cap on text in either direction */
	Window win;		/* hidden; owns selections, receives data */
	Atom clipboard, utf8, targets, text_atom, timestamp, incr, stamp;
	Atom prop[2]; /* where CLIPBOARD / PRIMARY are converted */
	bool own[2];  /* we own CLIPBOARD / PRIMARY */
	char *text;   /* what we offer (from a viewer), UTF-8 */
	size_t len;
	Time owned_since;
	/* The last text both sides agree on: the same text coming back
	 * (our own echo, or PRIMARY repeating CLIPBOARD) is not resent. */
	char *last;
	size_t last_len;
};

/* Create the hidden window and subscribe to selection changes; `max`
 * bytes is the cap on clipboard text (0: 1 MiB). */
void x11_clipboard_init(struct x11_clipboard *cb, struct x11_display *disp,
			size_t max);
void x11_clipboard_fini(struct x11_clipboard *cb);

/* Text from a viewer (UTF-8, not NUL-terminated): take ownership of both
 * selections and serve it. */
void x11_clipboard_set(struct x11_clipboard *cb, const char *utf8, size_t len);

/* Consume selection events; returns true if `ev` was one of ours. */
bool x11_clipboard_event(struct x11_clipboard *cb, XEvent *ev);

#endif
