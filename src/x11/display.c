#include "x11/display.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <X11/XKBlib.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>
#include <X11/extensions/Xrandr.h>

#include "util/log.h"

/* Xlib has one error handler per process, so the active trap is found
 * through this pointer; the trap itself lives on the caller's stack and
 * the pointer is only non-NULL between x11_trap_begin and x11_trap_end. */
static struct x11_trap *trap_current;

/* Installed for the whole session rather than only inside traps: Xlib's
 * default handler exits the process, and an unexpected error (a window
 * that vanished under us) is worth a log line, not the service. */
static int display_error(Display *dpy, XErrorEvent *ev)
{
	struct x11_trap *t = trap_current;
	char text[128];

	if (t && t->dpy == dpy) {
		if (!t->error)
			t->error = ev->error_code;
		return 0;
	}
	XGetErrorText(dpy, ev->error_code, text, sizeof(text));
	log_warn("X error: %s (request %d.%d, resource 0x%lx)", text,
		 ev->request_code, ev->minor_code, ev->resourceid);
	return 0;
}

/* Xlib cannot continue after an I/O error; the status is documented in
 * backend.h so scripts can tell "display went away" from a crash. */
static int display_io_error(Display *dpy)
{
	log_error("X display closed");
	exit(3);
}

void x11_trap_begin(struct x11_trap *t, Display *dpy)
{
	/* Errors from earlier requests must not land in this trap. */
	XSync(dpy, False);
	t->dpy = dpy;
	t->error = 0;
	t->outer = trap_current;
	trap_current = t;
}

int x11_trap_end(struct x11_trap *t)
{
	/* The errors of the trapped requests arrive only after a round
	 * trip. */
	XSync(t->dpy, False);
	trap_current = t->outer;
	return t->error;
}

static void display_query_damage(struct x11_display *d)
{
	int ev, err, major = 1, minor = 1;

	/* Both extensions refuse requests until the version is agreed. */
	if (XFixesQueryExtension(d->dpy, &ev, &err) &&
	    XFixesQueryVersion(d->dpy, &major, &minor) && major >= 2) {
		d->have_xfixes = true;
		d->xfixes_event = ev;
	}
	major = 1;
	minor = 1;
	if (d->have_xfixes && XDamageQueryExtension(d->dpy, &ev, &err) &&
	    XDamageQueryVersion(d->dpy, &major, &minor)) {
		d->have_damage = true;
		d->damage_event = ev;
	}
}

/* Resizing needs RRSetScreenSize and RRGetScreenSizeRange, from 1.2. */
static void display_query_randr(struct x11_display *d)
{
	int ev, err, major = 0, minor = 0;

	if (XRRQueryExtension(d->dpy, &ev, &err) &&
	    XRRQueryVersion(d->dpy, &major, &minor) &&
	    (major > 1 || (major == 1 && minor >= 2))) {
		d->have_randr = true;
		d->randr_event = ev;
	}
}

static void display_query(struct x11_display *d)
{
	int ev, err, major, minor, opcode;

	d->have_shm = XShmQueryExtension(d->dpy);
	display_query_randr(d);
	display_query_damage(d);
	d->have_xtest = XTestQueryExtension(d->dpy, &ev, &err, &major, &minor);
	major = XkbMajorVersion;
	minor = XkbMinorVersion;
	if (XkbQueryExtension(d->dpy, &opcode, &ev, &err, &major, &minor)) {
		d->have_xkb = true;
		d->xkb_event = ev;
	}
}

static const char *display_class_name(int class)
{
	switch (class) {
	case TrueColor:
		return "TrueColor";
	case DirectColor:
		return "DirectColor";
	case PseudoColor:
		return "PseudoColor";
	case StaticColor:
		return "StaticColor";
	case GrayScale:
		return "GrayScale";
	default:
		return "StaticGray";
	}
}

static void display_log(const struct x11_display *d)
{
	log_info("display %s: %dx%d, depth %d %s; extensions:%s%s%s%s%s%s",
		 d->name, d->width, d->height, d->depth,
		 display_class_name(d->visual->class),
		 d->have_shm ? " MIT-SHM" : "", d->have_damage ? " DAMAGE" : "",
		 d->have_xfixes ? " XFIXES" : "", d->have_xtest ? " XTEST" : "",
		 d->have_xkb ? " XKEYBOARD" : "",
		 d->have_randr ? " RANDR" : "");
}

int x11_display_open(struct x11_display *d, const char *name)
{
	const char *shown = name && *name ? name : getenv("DISPLAY");

	memset(d, 0, sizeof(*d));
	if (!shown || !*shown) {
		log_error("no X display given: set -display or DISPLAY, or "
			  "use -create");
		return -1;
	}
	d->dpy = XOpenDisplay(shown);
	if (!d->dpy) {
		log_error("cannot open display %s: is the X server running, "
			  "and may we connect (XAUTHORITY)? set -display or "
			  "DISPLAY, or use -create",
			  shown);
		return -1;
	}
	XSetErrorHandler(display_error);
	XSetIOErrorHandler(display_io_error);
	d->name = DisplayString(d->dpy);
	d->screen = DefaultScreen(d->dpy);
	d->root = RootWindow(d->dpy, d->screen);
	d->visual = DefaultVisual(d->dpy, d->screen);
	d->depth = DefaultDepth(d->dpy, d->screen);
	d->width = DisplayWidth(d->dpy, d->screen);
	d->height = DisplayHeight(d->dpy, d->screen);
	display_query(d);
	display_log(d);
	return 0;
}

void x11_display_close(struct x11_display *d)
{
	if (!d->dpy)
		return;
	XCloseDisplay(d->dpy);
	d->dpy = NULL;
}
