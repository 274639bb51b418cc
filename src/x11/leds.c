#include "x11/leds.h"

#include <string.h>

#include "util/log.h"

/* In the order of the RFB bits: 0 Scroll, 1 Num, 2 Caps. */
static const char *const leds_names[3] = { "Scroll Lock", "Num Lock",
					   "Caps Lock" };

/* Indicator indices belong to the keymap: found again for a new one. */
static void leds_find(struct x11_leds *leds)
{
	Display *dpy = leds->disp->dpy;

	for (int i = 0; i < 3; i++) {
		Atom name = XInternAtom(dpy, leds_names[i], False);
		int ndx;

		leds->index[i] = -1;
		if (XkbGetNamedIndicator(dpy, name, &ndx, NULL, NULL, NULL))
			leds->index[i] = ndx;
	}
}

/* `xkb_state`: XKB's indicator bits, one per index. */
static void leds_report(struct x11_leds *leds, unsigned long xkb_state)
{
	unsigned state = 0;

	for (int i = 0; i < 3; i++)
		if (leds->index[i] >= 0 && (xkb_state >> leds->index[i]) & 1)
			state |= 1u << i;
	if (!leds->srv || (leds->reported && state == leds->state))
		return;
	leds->state = state;
	leds->reported = true;
	rfb_server_led_state(leds->srv, state);
}

static void leds_read(struct x11_leds *leds)
{
	unsigned state = 0;

	if (XkbGetIndicatorState(leds->disp->dpy, XkbUseCoreKbd, &state) ==
	    Success)
		leds_report(leds, state);
}

void x11_leds_event(struct x11_leds *leds, XkbEvent *ev)
{
	if (!leds->disp->have_xkb)
		return;
	if (ev->any.xkb_type == XkbIndicatorStateNotify) {
		leds_report(leds, ev->indicators.state);
	} else if (ev->any.xkb_type == XkbNewKeyboardNotify) {
		leds_find(leds);
		leds_read(leds);
	}
}

void x11_leds_init(struct x11_leds *leds, struct x11_display *disp)
{
	memset(leds, 0, sizeof(*leds));
	leds->disp = disp;
	for (int i = 0; i < 3; i++)
		leds->index[i] = -1;
	if (disp->have_xkb)
		leds_find(leds);
}

void x11_leds_start(struct x11_leds *leds, struct rfb_server *srv)
{
	leds->srv = srv;
	if (leds->disp->have_xkb)
		leds_read(leds);
}
