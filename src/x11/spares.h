/* The spare keycodes we bind to keysyms the layout lacks, least recently
 * used first out.  Only bookkeeping: keymap.c changes the X mapping.
 * Pure.  Internal to src/x11/. */
#ifndef XRFB_X11_SPARES_H
#define XRFB_X11_SPARES_H

#include <stdbool.h>
#include <stdint.h>

/* Enough for a line of text in a script the layout lacks entirely (a
 * letter takes one keycode for both cases); few X servers have more
 * keycodes without symbols anyway. */
#define X11_SPARES_MAX 32

struct x11_spares {
	int n;
	uint8_t kc[X11_SPARES_MAX];    /* bound keycodes */
	uint32_t sym[X11_SPARES_MAX];  /* the keysym each is bound to */
	uint32_t used[X11_SPARES_MAX]; /* clock value at the last use */
	uint32_t clock;
};

void x11_spares_reset(struct x11_spares *s);

/* The slot of keycode `kc`, or -1. */
int x11_spares_find(const struct x11_spares *s, unsigned kc);

/* Record that `kc` is bound to `sym` and used now (a new slot, or a
 * rebinding of its slot).  False if it is new and there is no room. */
bool x11_spares_bind(struct x11_spares *s, unsigned kc, uint32_t sym);

/* Mark `kc` used now, if it is one of ours. */
void x11_spares_touch(struct x11_spares *s, unsigned kc);

/* The least recently used keycode that is not set in `held` (a bitmap of
 * 256 keycodes), to be rebound; 0 if every one is held. */
unsigned x11_spares_victim(const struct x11_spares *s, const uint8_t held[32]);

/* Forget `kc` (somebody else changed its mapping). */
void x11_spares_remove(struct x11_spares *s, unsigned kc);

#endif
