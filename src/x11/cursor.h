/* The cursor for viewers that draw it themselves: its shape from XFixes
 * (sent when it changes while viewers watch, and to the first viewer),
 * and, while some viewer asks for PointerPos, where the pointer is.
 * The position is read with XQueryPointer when XInput 2 raw motion says
 * the pointer moved (at most once a frame), and after each capture; an X
 * server without XInput 2 is polled instead, less often while the pointer
 * stays still.  Idle, nothing here wakes the process.
 * Internal to src/x11/. */
#ifndef XRFB_X11_CURSOR_H
#define XRFB_X11_CURSOR_H

#include <stdbool.h>
#include <stdint.h>
#include <X11/Xlib.h>

#include "rfb/desktop.h"
#include "util/loop.h"
#include "x11/display.h"

struct x11_cursor {
	struct x11_display *disp;
	struct loop *loop;
	struct rfb_server *srv; /* NULL until the backend starts */
	int nclients;
	bool stale;    /* the shape changed while nobody watched */
	bool want_pos; /* some viewer wants PointerPos */
	bool have_xi2; /* raw motion events tell us when to look */
	int xi_opcode; /* XInputExtension's major opcode */
	/* XI2: the look held back to the next frame; without XI2: the next
	 * poll.  NULL when none is due. */
	struct loop_timer *timer;
	uint64_t looked_ms; /* when XQueryPointer last ran */
	int poll_ms;	    /* without XI2: the current poll interval */
	int x, y;	    /* last position reported */
	bool pos_known;
};

/* Ask XFixes for cursor change events (a missing XFIXES is logged: the
 * viewers then see no cursor shape) and look for XInput 2. */
void x11_cursor_init(struct x11_cursor *c, struct x11_display *disp,
		     struct loop *loop);
void x11_cursor_fini(struct x11_cursor *c);

/* Consume the event if it is an XFixes cursor change or an XInput 2 raw
 * motion. */
bool x11_cursor_event(struct x11_cursor *c, const XEvent *ev);

/* The number of clients changed: the first one gets the current shape. */
void x11_cursor_set_clients(struct x11_cursor *c, int nclients);

/* Start or stop reporting the pointer position to c->srv. */
void x11_cursor_want_pos(struct x11_cursor *c, bool on);

/* Report the pointer position if it moved (while wanted); called after
 * each capture, which also catches pointer warps (XWarpPointer makes no
 * raw motion). */
void x11_cursor_poll(struct x11_cursor *c);

/* A viewer moved the pointer: without XInput 2, poll often again. */
void x11_cursor_active(struct x11_cursor *c);

#endif
