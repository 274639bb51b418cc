/* Screen capture into the shadow framebuffer: XShm (or XGetImage when
 * shared memory is unavailable), then a tile-by-tile comparison so only
 * pixels that really changed are copied and reported to the engine.
 * Where a large damaged area holds old pixels moved (a scroll, a window
 * dragged), those are reported as copies first.  Internal to src/x11/. */
#ifndef XRFB_X11_CAPTURE_H
#define XRFB_X11_CAPTURE_H

#include <pixman.h>
#include <stdbool.h>
#include <X11/Xlib.h>
#include <X11/extensions/XShm.h>

#include "rfb/desktop.h"
#include "x11/display.h"
#include "x11/pixconv.h"

/* Comparison granularity: small enough that a typed character is a small
 * update, large enough that the per-tile bookkeeping stays negligible. */
#define X11_TILE 32

struct x11_capture {
	struct x11_display *disp;
	struct rfb_server *srv; /* receives damage; NULL until started */
	struct x11_pixconv conv;
	struct rfb_fb fb; /* the shadow framebuffer, ours */
	bool use_shm;
	/* Whole-screen images in shared segments (NULL: none).  Grabs land
	 * in image[back].  When `swap`, the framebuffer is image[!back], and
	 * a whole-screen grab, once compared, becomes the framebuffer: the
	 * X server's format is ours, so no pixel needs copying.  (An image
	 * keeps a pointer to its segment's info: they stay paired.) */
	XShmSegmentInfo shm[2];
	XImage *image[2];
	int back;
	bool swap;
	uint32_t row[X11_TILE]; /* one converted tile row */
	uint32_t *moved;	/* converted pixels searched for motion */
	size_t moved_len;	/* in pixels */
};

/* Prepare the pixel conversion; `noshm` forces XGetImage.  No buffers
 * yet: x11_capture_resize allocates them. */
int x11_capture_init(struct x11_capture *c, struct x11_display *d, bool noshm);
void x11_capture_fini(struct x11_capture *c);

/* (Re)allocate the framebuffer and shared memory for a w x h screen and
 * fill it with a full grab, without reporting damage: the caller hands
 * c->fb to rfb_server_set_fb next, which damages everything. */
int x11_capture_resize(struct x11_capture *c, int w, int h);

/* Grab the tiles `damage` touches (clipped to the screen), copy those
 * that changed into the framebuffer and report them to c->srv; before
 * that, report as copies (rfb_server_copy) the parts of large damaged
 * areas that are old pixels moved. */
void x11_capture_region(struct x11_capture *c, pixman_region32_t *damage);
/* The whole screen, without looking for motion (polling, full grabs). */
void x11_capture_all(struct x11_capture *c);

#endif
