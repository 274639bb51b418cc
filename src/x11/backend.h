/* The X11 backend: shares an existing X display through rfb/desktop.h.
 * It captures the screen (XShm + XDamage, or XGetImage and polling as
 * fallbacks) into a shadow framebuffer it owns, injects viewer input with
 * XTEST (keysyms typed through the desktop's XKB layout, physical keys
 * by keycode), forwards the bell and the lock LEDs, and bridges the
 * clipboard both ways.  Keysyms the layout lacks are bound to spare
 * keycodes for the moment; destroy gives them back.
 *
 * If the X connection is lost (the X server exits or the display is
 * closed), the backend logs "X display closed" and exits the process with
 * status 3: a script can tell "the display went away" from a failure. */
#ifndef XRFB_X11_BACKEND_H
#define XRFB_X11_BACKEND_H

#include "config.h"
#include "rfb/desktop.h"
#include "util/loop.h"

struct x11_backend;

/* Open cfg->display (NULL: $DISPLAY), check the extensions and log which
 * ones are used.  Returns NULL after logging a message that names the
 * problem and the fix.  `loop` and `cfg` must outlive the backend. */
struct x11_backend *x11_backend_new(struct loop *loop,
				    const struct config *cfg);

/* The ops and context the engine calls into; valid until destroy. */
struct rfb_desktop x11_backend_desktop(struct x11_backend *b);

/* Grab the screen, hand the framebuffer to `srv` (rfb_server_set_fb) and
 * start watching the X connection from the loop.  Capture then runs
 * whenever at least one client is connected.  Returns 0 or -1. */
int x11_backend_start(struct x11_backend *b, struct rfb_server *srv);

/* A default desktop name, "host:display", e.g. "build7:0"; owned by the
 * backend. */
const char *x11_backend_name(struct x11_backend *b);

/* Release input held down, the X resources, the shared memory, and close
 * the display.  NULL is ignored. */
void x11_backend_destroy(struct x11_backend *b);

#endif
