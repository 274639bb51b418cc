/* The desktop's keyboard as XKB describes it, kept current through
 * XkbMapNotify and XkbNewKeyboardNotify.  It answers "which key, with
 * which level modifiers added or taken away, types this keysym in the
 * current state", binding a spare keycode (least recently used first)
 * when the current group has no key for it.  Internal to src/x11/. */
#ifndef XRFB_X11_KEYMAP_H
#define XRFB_X11_KEYMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <X11/XKBlib.h>

#include "x11/display.h"
#include "x11/spares.h"

struct x11_keymap {
	struct x11_display *disp;
	XkbDescPtr xkb;		  /* NULL: no XKB, or fetching failed */
	XkbMapChangesRec changes; /* announced, not fetched yet */
	bool reload;		  /* a new keyboard: fetch everything */
	bool evdev;		  /* keycodes are evdev codes + 8 */
	/* Real modifiers that choose shift levels (Shift, LevelThree,
	 * LevelFive) and, for each modifier bit, a key that sets it. */
	unsigned level_mods;
	KeyCode mod_key[8];
	struct x11_spares spares;
};

/* How to type a keysym: press `set` (with mod_key), release the keys
 * holding `clear`, press and release kc, then undo both. */
struct x11_keypress {
	KeyCode kc;
	unsigned set, clear;
};

/* Fetch the keymap.  -1 without XKB (the caller falls back to the core
 * keymap). */
int x11_keymap_init(struct x11_keymap *km, struct x11_display *disp);
/* Give the spare keycodes back (NoSymbol) and free the keymap. */
void x11_keymap_fini(struct x11_keymap *km);

/* An XKB event from the loop: map changes are noted and fetched before
 * the next lookup. */
void x11_keymap_event(struct x11_keymap *km, XkbEvent *ev);

/* Find how to type `keysym` in state `st`, binding a spare keycode if
 * need be (never one set in `held`, a bitmap of the keycodes we hold).
 * False if it cannot be typed. */
bool x11_keymap_find(struct x11_keymap *km, uint32_t keysym,
		     const XkbStateRec *st, const uint8_t held[32],
		     struct x11_keypress *out);

/* The modifier bits key `kc` sets (its modifier map). */
unsigned x11_keymap_modmap(const struct x11_keymap *km, unsigned kc);

/* The X keycode of a Linux KEY_* code, 0 if the server does not number
 * its keys evdev + 8 or has no symbols on that key. */
KeyCode x11_keymap_evdev_key(struct x11_keymap *km, unsigned evdev);

#endif
