/* Viewer input injected with XTEST.  Keysyms are typed through the XKB
 * keymap (x11/keymap.h): the key that gives the keysym in the current
 * group, with Shift, AltGr (LevelThree) or LevelFive pressed or released
 * around it as its level needs, a spare keycode when the layout lacks it.
 * Physical keys (QEMU Extended Key Event) are pressed as they are.
 * Pointer moves and button changes become fake motion and button events.
 * Internal to src/x11/. */
#ifndef XRFB_X11_INPUT_H
#define XRFB_X11_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <X11/XKBlib.h>

#include "x11/display.h"
#include "x11/keymap.h"

struct x11_input {
	struct x11_display *disp;
	bool enabled;		/* XTEST present and not view-only */
	bool have_keymap;	/* XKB keymap read; else core lookups */
	int x, y;		/* last pointer position sent */
	uint16_t buttons;	/* buttons we hold down */
	uint8_t keys_down[32];	/* keycodes we hold down, a bitmap */
	uint32_t down_sym[256]; /* the keysym each held keycode was for */
	struct x11_keymap keymap;
};

/* `viewonly` (or a missing XTEST, warned about once here) turns the
 * input calls into no-ops. */
void x11_input_init(struct x11_input *in, struct x11_display *disp,
		    bool viewonly);
/* Release what we hold and give back the spare keycodes. */
void x11_input_fini(struct x11_input *in);

/* XKB events (map changes) from the loop. */
void x11_input_xkb_event(struct x11_input *in, XkbEvent *ev);

void x11_input_key(struct x11_input *in, uint32_t keysym, bool down);
/* A physical key: `xt` as rfb/desktop.h describes it, `keysym` the
 * fallback (0: none) when the key has no X keycode here. */
void x11_input_key_code(struct x11_input *in, uint32_t keysym, uint32_t xt,
			bool down);
/* (x, y) is clamped to the screen; bit n of `buttons` is button n+1, up
 * to button 9 (forward). */
void x11_input_pointer(struct x11_input *in, int x, int y, uint16_t buttons);

/* Release every key and button we pressed, so nothing stays stuck when
 * the last viewer goes away in the middle of a drag or a chord. */
void x11_input_release_all(struct x11_input *in);

#endif
