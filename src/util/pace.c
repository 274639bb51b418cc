#include "util/pace.h"

void pace_init(struct pace *p, int fps)
{
	if (fps <= 0)
		fps = PACE_DEFAULT_FPS;
	if (fps > PACE_MAX_FPS)
		fps = PACE_MAX_FPS;
	*p = (struct pace){ .interval_ms = 1000 / fps };
	if (p->interval_ms < 1)
		p->interval_ms = 1;
}

int pace_delay(const struct pace *p, uint64_t now)
{
	uint64_t since;

	if (!p->started || now < p->last_ms)
		return 0;
	since = now - p->last_ms;
	/* One millisecond of slack: the clock is read in whole ms, and a
	 * frame a fraction early is better than a wake-up 1 ms later. */
	if (since + 1 >= (uint64_t)p->interval_ms)
		return 0;
	return p->interval_ms - (int)since;
}

void pace_mark(struct pace *p, uint64_t now)
{
	p->last_ms = now;
	p->started = true;
}
