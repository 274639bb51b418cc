/* The cursor for viewers that draw it themselves: its shape from XFixes
 * (sent when it changes while viewers watch, and to the first viewer),
 * and, while some viewer asks for PointerPos, where the pointer is
 * (polled: XQueryPointer every ~50 ms and at each capture tick).
 * Internal to src/x11/. */
#ifndef XRFB_X11_CURSOR_H
#define XRFB_X11_CURSOR_H

#include <stdbool.h>
#include <X11/Xlib.h>

#include "rfb/desktop.h"
#include "util/loop.h"
#include "x11/display.h"

struct x11_cursor {
	struct x11_display *disp;
	struct loop *loop;
	struct rfb_server *srv; /* NULL until the backend starts */
	int nclients;
	bool stale;		  /* the shape changed while nobody watched */
	bool want_pos;		  /* some viewer wants PointerPos */
	struct loop_timer *timer; /* polls the pointer while want_pos */
	int poll_ms;		  /* its interval now */
	int x, y;		  /* last position reported */
	bool pos_known;
};

/* Ask XFixes for cursor change events (a missing XFIXES is logged: the
 * viewers then see no cursor shape). */
void x11_cursor_init(struct x11_cursor *c, struct x11_display *disp,
		     struct loop *loop);
void x11_cursor_fini(struct x11_cursor *c);

/* Consume the event if it is an XFixes cursor change. */
bool x11_cursor_event(struct x11_cursor *c, const XEvent *ev);

/* The number of clients changed: the first one gets the current shape. */
void x11_cursor_set_clients(struct x11_cursor *c, int nclients);

/* Start or stop reporting the pointer position to c->srv. */
void x11_cursor_want_pos(struct x11_cursor *c, bool on);

/* Report the pointer position if it moved (while wanted). */
void x11_cursor_poll(struct x11_cursor *c);

/* The pointer is being moved: poll it often again. */
void x11_cursor_active(struct x11_cursor *c);

#endif
