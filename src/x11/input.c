#include "x11/input.h"

#include <string.h>
#include <X11/extensions/XTest.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>

#include "util/log.h"
#include "x11/keysyms.h"
#include "x11/xtkeys.h"

/* Buttons 1-9: left, middle, right, wheel (4-7), back and forward. */
#define INPUT_BUTTONS 9

static bool input_held(const struct x11_input *in, KeyCode kc)
{
	return in->keys_down[kc / 8] & (1u << (kc % 8));
}

static void input_fake_key(struct x11_input *in, KeyCode kc, bool down)
{
	XTestFakeKeyEvent(in->disp->dpy, kc, down, CurrentTime);
	if (down)
		in->keys_down[kc / 8] |= (uint8_t)(1u << (kc % 8));
	else
		in->keys_down[kc / 8] &= (uint8_t) ~(1u << (kc % 8));
}

/* Release the keys down now (the viewer's or the local user's) that hold
 * any of `mods`; returns how many, their keycodes in `out`. */
static int input_lift_mods(struct x11_input *in, unsigned mods, KeyCode *out,
			   int max)
{
	Display *dpy = in->disp->dpy;
	char keys[32];
	int n = 0;

	XQueryKeymap(dpy, keys);
	for (unsigned kc = 8; kc < 256 && n < max; kc++) {
		if (!(keys[kc / 8] & (1u << (kc % 8))) ||
		    !(x11_keymap_modmap(&in->keymap, kc) & mods))
			continue;
		XTestFakeKeyEvent(dpy, kc, False, CurrentTime);
		out[n++] = (KeyCode)kc;
	}
	return n;
}

/* Press the keys that set `mods`; returns how many, in `out`. */
static int input_press_mods(struct x11_input *in, unsigned mods, KeyCode *out)
{
	int n = 0;

	for (int bit = 0; bit < 8; bit++) {
		KeyCode kc = in->keymap.mod_key[bit];

		if (!(mods & (1u << bit)) || !kc || memchr(out, kc, n))
			continue;
		XTestFakeKeyEvent(in->disp->dpy, kc, True, CurrentTime);
		out[n++] = kc;
	}
	return n;
}

/* Press the key with the level modifiers it needs, then put those back
 * as they were: the modifier keys the viewer holds stay held for the
 * keys that follow, and Ctrl or Alt are never touched (Ctrl+C works). */
static void input_type(struct x11_input *in, const struct x11_keypress *kp,
		       uint32_t keysym)
{
	Display *dpy = in->disp->dpy;
	KeyCode lifted[16], pressed[8];
	int nlift = 0, npress;

	if (kp->clear)
		nlift = input_lift_mods(in, kp->clear, lifted, 16);
	npress = input_press_mods(in, kp->set, pressed);
	input_fake_key(in, kp->kc, true);
	in->down_sym[kp->kc] = keysym;
	while (npress--)
		XTestFakeKeyEvent(dpy, pressed[npress], False, CurrentTime);
	while (nlift--)
		XTestFakeKeyEvent(dpy, lifted[nlift], True, CurrentTime);
}

/* Without XKB: the core keymap's first keycode for the keysym, as is. */
static void input_key_down_core(struct x11_input *in, uint32_t keysym)
{
	KeyCode kc = XKeysymToKeycode(in->disp->dpy, keysym);

	if (!kc) {
		log_debug("keysym 0x%x has no keycode: ignored", keysym);
		return;
	}
	input_fake_key(in, kc, true);
	in->down_sym[kc] = keysym;
}

/* The lookup reads the state after our earlier requests (a round trip),
 * so it sees the modifiers and locks as the key press will meet them. */
static void input_key_down(struct x11_input *in, uint32_t keysym)
{
	struct x11_keypress kp;
	XkbStateRec st;

	if (!in->have_keymap) {
		input_key_down_core(in, keysym);
		return;
	}
	if (XkbGetState(in->disp->dpy, XkbUseCoreKbd, &st) != Success ||
	    !x11_keymap_find(&in->keymap, keysym, &st, in->keys_down, &kp)) {
		log_debug("keysym 0x%x cannot be typed: ignored", keysym);
		return;
	}
	input_type(in, &kp, keysym);
}

/* The same key for a release: the same keysym, or its other case (a
 * viewer whose Shift changed while the key was down releases 'A' after
 * pressing 'a'). */
static bool input_same_key(uint32_t pressed, uint32_t released, bool any_case)
{
	KeySym lp, up, lr, ur;

	if (x11_keysym_same(pressed, released))
		return true;
	if (!any_case)
		return false;
	XConvertCase(pressed, &lp, &up);
	XConvertCase(released, &lr, &ur);
	return x11_keysym_same((uint32_t)lp, (uint32_t)lr);
}

/* Release the keycode this keysym was pressed on.  Releasing a key we
 * never pressed would release the local user's. */
static void input_key_up(struct x11_input *in, uint32_t keysym)
{
	for (int any_case = 0; any_case < 2; any_case++)
		for (unsigned kc = 8; kc < 256; kc++)
			if (input_held(in, (KeyCode)kc) &&
			    input_same_key(in->down_sym[kc], keysym,
					   any_case)) {
				input_fake_key(in, (KeyCode)kc, false);
				return;
			}
}

void x11_input_key(struct x11_input *in, uint32_t keysym, bool down)
{
	if (!in->enabled)
		return;
	if (down)
		input_key_down(in, keysym);
	else
		input_key_up(in, keysym);
	XFlush(in->disp->dpy);
}

/* The key itself, whatever the layout makes of it: the viewer sends its
 * modifiers as keys too, so there is nothing to add or take away. */
void x11_input_key_code(struct x11_input *in, uint32_t keysym, uint32_t xt,
			bool down)
{
	unsigned evdev = x11_xt_to_evdev(xt);
	KeyCode kc = 0;

	if (!in->enabled)
		return;
	if (evdev && in->have_keymap)
		kc = x11_keymap_evdev_key(&in->keymap, evdev);
	if (!kc) {
		if (keysym)
			x11_input_key(in, keysym, down);
		return;
	}
	if (down) {
		input_fake_key(in, kc, true);
		in->down_sym[kc] = keysym;
	} else if (input_held(in, kc)) {
		input_fake_key(in, kc, false);
	}
	XFlush(in->disp->dpy);
}

static int input_clamp(int v, int max)
{
	return v < 0 ? 0 : v >= max ? max - 1 : v;
}

void x11_input_pointer(struct x11_input *in, int x, int y, uint16_t buttons)
{
	Display *dpy = in->disp->dpy;
	uint16_t changed;

	if (!in->enabled)
		return;
	x = input_clamp(x, in->disp->width);
	y = input_clamp(y, in->disp->height);
	if (x != in->x || y != in->y) {
		XTestFakeMotionEvent(dpy, in->disp->screen, x, y, CurrentTime);
		in->x = x;
		in->y = y;
	}
	/* A wheel step arrives as a press message followed by a release
	 * message. */
	buttons &= (1u << INPUT_BUTTONS) - 1;
	changed = buttons ^ in->buttons;
	for (unsigned i = 0; i < INPUT_BUTTONS; i++)
		if (changed & (1u << i))
			XTestFakeButtonEvent(dpy, i + 1, (buttons >> i) & 1,
					     CurrentTime);
	in->buttons = buttons;
	XFlush(dpy);
}

void x11_input_release_all(struct x11_input *in)
{
	if (!in->enabled)
		return;
	for (unsigned kc = 0; kc < 256; kc++)
		if (input_held(in, (KeyCode)kc))
			input_fake_key(in, (KeyCode)kc, false);
	for (unsigned i = 0; i < INPUT_BUTTONS; i++)
		if (in->buttons & (1u << i))
			XTestFakeButtonEvent(in->disp->dpy, i + 1, False,
					     CurrentTime);
	in->buttons = 0;
	XFlush(in->disp->dpy);
}

void x11_input_xkb_event(struct x11_input *in, XkbEvent *ev)
{
	if (in->have_keymap)
		x11_keymap_event(&in->keymap, ev);
}

void x11_input_init(struct x11_input *in, struct x11_display *disp,
		    bool viewonly)
{
	memset(in, 0, sizeof(*in));
	in->disp = disp;
	in->x = in->y = -1;
	if (viewonly)
		return;
	if (!disp->have_xtest) {
		log_warn("XTEST extension missing: viewer input is ignored "
			 "(view-only)");
		return;
	}
	in->enabled = true;
	/* Keep injected input flowing while another client grabs the
	 * server (screen lockers, window manager moves). */
	XTestGrabControl(disp->dpy, True);
	/* Without it (warned about already), keysyms go through the core
	 * keymap. */
	in->have_keymap = !x11_keymap_init(&in->keymap, disp);
}

void x11_input_fini(struct x11_input *in)
{
	x11_input_release_all(in);
	if (in->have_keymap)
		x11_keymap_fini(&in->keymap);
	in->have_keymap = false;
}
