/* Scroll and window-move detection from pixels alone: given the old and
 * the new content of a changed rectangle, find parts of the new content
 * that are old content shifted by some (dx, dy), so they can be sent as
 * CopyRect.  No Xlib here, so it is unit-testable.  Internal to src/x11/. */
#ifndef XRFB_X11_MOTION_H
#define XRFB_X11_MOTION_H

#include <stdint.h>

#include "rfb/desktop.h"

/* Smallest copy reported, on each side: below this, encoding the pixels
 * costs little more than the search. */
#define X11_MOTION_MIN_SIDE 32
/* Most copies reported for one rectangle. */
#define X11_MOTION_MAX 4

/* What is now in `dst` was at (dst.x - dx, dst.y - dy) before. */
struct x11_motion {
	struct rfb_rect dst;
	int dx, dy;
};

/* Search a w x h rectangle: `old` and `cur` point at its top-left pixel
 * in the old and the new image, `old_stride` and `cur_stride` pixels per
 * row.  Writes at most `max` copies to `out`, in rectangle coordinates,
 * and returns their number (0 also when out of memory).  Each copy's dst
 * and source lie inside the rectangle, cur[dst] == old[source] exactly,
 * and neither its dst nor its source overlaps an earlier copy's dst, so
 * the copies can be applied in order.  Work is linear in w * h. */
int x11_motion_find(const uint32_t *old, int old_stride, const uint32_t *cur,
		    int cur_stride, int w, int h, struct x11_motion *out,
		    int max);
/* Old rows the last search hashed (for tests: the search gives up early
 * on content that is all new). */
long x11_motion_rows_hashed(void);

#endif
