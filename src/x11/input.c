#include "x11/input.h"

#include <string.h>
#include <X11/XKBlib.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>

#include "util/log.h"

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

/* Shift as the viewer left it: its own Shift key events came through
 * here, so our bitmap knows, without a round trip to the server. */
static bool input_shift_held(const struct x11_input *in)
{
	Display *dpy = in->disp->dpy;
	KeyCode l = XKeysymToKeycode(dpy, XK_Shift_L);
	KeyCode r = XKeysymToKeycode(dpy, XK_Shift_R);

	return (l && input_held(in, l)) || (r && input_held(in, r));
}

/* A keycode giving `keysym` at shift level `level` of the first group,
 * or 0.  Other groups and levels (AltGr) are not handled yet. */
static KeyCode input_find(Display *dpy, KeySym keysym, int level)
{
	int min, max;

	XDisplayKeycodes(dpy, &min, &max);
	for (int kc = min; kc <= max; kc++)
		if (XkbKeycodeToKeysym(dpy, (KeyCode)kc, 0, level) == keysym)
			return (KeyCode)kc;
	return 0;
}

/* Press or release the Shift keys the viewer holds (to type a level-0
 * keysym while it holds Shift), or Shift_L itself when none is held. */
static void input_toggle_shift(struct x11_input *in, bool held, bool press)
{
	Display *dpy = in->disp->dpy;
	KeySym shifts[2] = { XK_Shift_L, XK_Shift_R };

	if (!held) {
		XTestFakeKeyEvent(dpy, XKeysymToKeycode(dpy, XK_Shift_L),
				  press, CurrentTime);
		return;
	}
	for (int i = 0; i < 2; i++) {
		KeyCode kc = XKeysymToKeycode(dpy, shifts[i]);

		if (kc && input_held(in, kc))
			XTestFakeKeyEvent(dpy, kc, !press, CurrentTime);
	}
}

/* Viewers send the keysym they mean ('A', '!', '<'), with or without
 * their own Shift down.  Prefer a key giving it at the current shift
 * level; otherwise flip Shift around the press and restore it. */
static void input_key_down(struct x11_input *in, KeySym keysym)
{
	Display *dpy = in->disp->dpy;
	bool shifted = input_shift_held(in), flip = false;
	KeyCode kc = 0;

	if (in->disp->have_xkb) {
		kc = input_find(dpy, keysym, shifted);
		if (!kc && (kc = input_find(dpy, keysym, !shifted)))
			flip = true;
	}
	if (!kc)
		kc = XKeysymToKeycode(dpy, keysym);
	if (!kc) {
		log_debug("keysym 0x%lx has no keycode: ignored", keysym);
		return;
	}
	if (flip)
		input_toggle_shift(in, shifted, true);
	input_fake_key(in, kc, true);
	in->down_sym[kc] = (uint32_t)keysym;
	if (flip)
		input_toggle_shift(in, shifted, false);
}

/* Release the keycode this keysym was pressed on.  Releasing a key we
 * never pressed would release the local user's. */
static void input_key_up(struct x11_input *in, KeySym keysym)
{
	for (unsigned kc = 0; kc < 256; kc++)
		if (input_held(in, (KeyCode)kc) &&
		    in->down_sym[kc] == keysym) {
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
	/* Bits 0-7 are buttons 1-8; a wheel step arrives as a press
	 * message followed by a release message. */
	buttons &= 0xff;
	changed = buttons ^ in->buttons;
	for (unsigned i = 0; i < 8; i++)
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
	for (unsigned i = 0; i < 8; i++)
		if (in->buttons & (1u << i))
			XTestFakeButtonEvent(in->disp->dpy, i + 1, False,
					     CurrentTime);
	in->buttons = 0;
	XFlush(in->disp->dpy);
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
	if (!disp->have_xkb)
		log_warn("XKEYBOARD extension missing: shifted keysyms are "
			 "sent without Shift");
}
