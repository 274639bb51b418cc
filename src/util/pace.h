/* Frame pacing: at most one frame per interval, but a frame that comes
 * after a quiet spell goes at once.  Pure arithmetic on times the caller
 * passes in, so tests can drive it with a fake clock. */
#ifndef XRFB_UTIL_PACE_H
#define XRFB_UTIL_PACE_H

#include <stdbool.h>
#include <stdint.h>

/* Frames per second when none is configured (-fps). */
#define PACE_DEFAULT_FPS 60
#define PACE_MAX_FPS 1000

struct pace {
	int interval_ms; /* 1000 / fps, at least 1 */
	uint64_t last_ms;  /* when the last frame went */
	bool started;	   /* a frame has gone */
};

/* `fps` <= 0: PACE_DEFAULT_FPS. */
void pace_init(struct pace *p, int fps);

/* Milliseconds to wait at `now` before the next frame may go: 0 after a
 * quiet spell (a full interval since the last frame, or none yet). */
int pace_delay(const struct pace *p, uint64_t now);

/* A frame went at `now`. */
void pace_mark(struct pace *p, uint64_t now);

#endif
