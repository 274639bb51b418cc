/* -create: a private virtual X display (Xvfb) with a terminal on it, for
 * when there is no desktop to share yet. */
#ifndef XRFB_X11_CREATE_H
#define XRFB_X11_CREATE_H

struct x11_create;

/* Start Xvfb sized `geom` ("WxH"; NULL: 1280x800), letting it pick a free
 * display number, then an xterm on it (a missing xterm is only warned
 * about).  Access to the new display needs a fresh cookie: its file is
 * put in XAUTHORITY of our environment, for the backend and the xterm.
 * Both children die with us.  Returns NULL after logging why. */
struct x11_create *x11_create_new(const char *geom);

/* The display name, e.g. ":1"; owned by `c`. */
const char *x11_create_display(const struct x11_create *c);

/* Stop the xterm and Xvfb (SIGTERM, then wait) and remove the cookie
 * file.  NULL is ignored. */
void x11_create_destroy(struct x11_create *c);

#endif
