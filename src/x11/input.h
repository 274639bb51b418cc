/* Viewer input injected with XTEST: keysyms become keycodes (with Shift
 * added for keysyms on the shifted level), pointer moves and button
 * changes become fake motion and button events.  Internal to src/x11/. */
#ifndef XRFB_X11_INPUT_H
#define XRFB_X11_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "x11/display.h"

struct x11_input {
	struct x11_display *disp;
	bool enabled;	       /* XTEST present and not view-only */
	int x, y;	       /* last pointer position sent */
	uint16_t buttons;      /* buttons we hold down */
	uint8_t keys_down[32]; /* keycodes we hold down, a bitmap */
	uint32_t down_sym[256]; /* the keysym each held keycode was for */
};

/* `viewonly` (or a missing XTEST, warned about once here) turns the
 * input calls into no-ops. */
void x11_input_init(struct x11_input *in, struct x11_display *disp,
		    bool viewonly);

void x11_input_key(struct x11_input *in, uint32_t keysym, bool down);
/* (x, y) is clamped to the screen; bit n of `buttons` is button n+1. */
void x11_input_pointer(struct x11_input *in, int x, int y, uint16_t buttons);

/* Release every key and button we pressed, so nothing stays stuck when
 * the last viewer goes away in the middle of a drag or a chord. */
void x11_input_release_all(struct x11_input *in);

#endif
