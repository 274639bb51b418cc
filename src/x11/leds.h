/* The lock LEDs of the desktop (Scroll, Num, Caps Lock) for viewers that
 * want them (rfbproto LED State): found by their XKB indicator names,
 * reported at start and on every change.  Internal to src/x11/. */
#ifndef XRFB_X11_LEDS_H
#define XRFB_X11_LEDS_H

#include <stdbool.h>
#include <X11/XKBlib.h>

#include "rfb/desktop.h"
#include "x11/display.h"

struct x11_leds {
	struct x11_display *disp;
	struct rfb_server *srv; /* NULL until started */
	int index[3];		/* XKB indicator of each RFB bit; -1 if none */
	unsigned state;		/* last reported, RFB bits */
	bool reported;
};

void x11_leds_init(struct x11_leds *leds, struct x11_display *disp);
/* Report the current state to `srv`, and every change from now on. */
void x11_leds_start(struct x11_leds *leds, struct rfb_server *srv);
/* XKB events from the loop: indicator changes, a new keyboard. */
void x11_leds_event(struct x11_leds *leds, XkbEvent *ev);

#endif
