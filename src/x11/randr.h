/* Screen size through RandR: resizing the X screen when a viewer asks
 * (SetDesktopSize), and noticing resizes made by others (xrandr) so the
 * backend can follow.  Internal to src/x11/. */
#ifndef XRFB_X11_RANDR_H
#define XRFB_X11_RANDR_H

#include <stdbool.h>
#include <X11/Xlib.h>
#include <X11/extensions/Xrandr.h>

#include "x11/display.h"

struct x11_randr {
	struct x11_display *disp;
	RRMode made; /* the mode we made for a virtual monitor, or None */
};

/* Ask for screen change events on the root window.  Without RandR 1.2
 * (logged) the other calls refuse or ignore. */
void x11_randr_init(struct x11_randr *r, struct x11_display *disp);

/* Resize the X screen to w x h.  Monitors that fit stay as they are; a
 * single virtual monitor (a mode without a pixel clock, as on Xvfb)
 * covering the screen follows it on a mode of that size, made if needed
 * (the X server drops modes we make when we disconnect).  Real monitors
 * are never changed: a size they do not fit in is refused.  Returns an
 * RFB_RESIZE_* status, having logged one line why when it is not 0.
 * d->width and d->height are left to the caller. */
int x11_randr_set_size(struct x11_randr *r, int w, int h);

/* Consume the event if it is a RandR screen change, keeping Xlib's idea
 * of the screen up to date; the caller then re-reads the size. */
bool x11_randr_event(struct x11_randr *r, XEvent *ev);

/* The root window's size now (a round trip: after several changes in a
 * row, the events only tell sizes the screen had). */
void x11_randr_root_size(struct x11_randr *r, int *w, int *h);

#endif
