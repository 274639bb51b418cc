/* The X connection: opening it, discovering the extensions the backend
 * uses, and trapping X errors around requests that may legitimately fail.
 * Internal to src/x11/. */
#ifndef XRFB_X11_DISPLAY_H
#define XRFB_X11_DISPLAY_H

#include <stdbool.h>
#include <X11/Xlib.h>

struct x11_display {
	Display *dpy;
	const char *name; /* as Xlib resolved it, e.g. ":0" */
	int screen;
	Window root;
	Visual *visual;
	int depth;
	int width, height;
	bool have_shm;
	bool have_damage; /* DAMAGE, and XFIXES which it needs */
	bool have_xfixes;
	bool have_xtest;
	bool have_xkb;
	bool have_randr;  /* RandR 1.2 or later: screen resizing */
	int damage_event; /* first event code of each extension */
	int xfixes_event;
	int xkb_event;
	int randr_event;
};

/* Open `name` (NULL: $DISPLAY), install the error handlers and query the
 * extensions.  Logs a message naming the problem and returns -1 when the
 * display cannot be opened.  An X I/O error later exits with status 3. */
int x11_display_open(struct x11_display *d, const char *name);
void x11_display_close(struct x11_display *d);

/* A scoped X error trap, kept on the caller's stack:
 *	struct x11_trap t;
 *	x11_trap_begin(&t, dpy);
 *	... requests that may fail ...
 *	if (x11_trap_end(&t)) ...
 * Errors raised by the requests in between are recorded instead of being
 * logged.  Traps nest. */
struct x11_trap {
	Display *dpy;
	int error; /* first error code caught, 0 if none */
	struct x11_trap *outer;
};

void x11_trap_begin(struct x11_trap *t, Display *dpy);
/* Returns the first error code caught (0 if none). */
int x11_trap_end(struct x11_trap *t);

#endif
