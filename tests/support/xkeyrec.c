// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xkeyrec: record the keyboard and mouse input an X display receives.
 *
 *   xkeyrec :N FILE
 *
 * Maps a window covering the screen, gives it the input focus and prints
 * "ready" once both are true.  Each KeyPress is appended to FILE as the
 * UTF-8 text an X application would get for it (Xutf8LookupString through
 * an input context of the C.UTF-8 locale, so any layout and any character
 * works, dead keys and Compose included; Return as "\n"); each button event
 * as a line "button N press|release at X,Y".  FILE is flushed after every
 * event.
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static Window make_window(Display *dpy)
{
	int scr = DefaultScreen(dpy);
	XSetWindowAttributes a = {
		.background_pixel = WhitePixel(dpy, scr),
		.override_redirect = True,
		.event_mask = KeyPressMask | ButtonPressMask |
			      ButtonReleaseMask | StructureNotifyMask,
	};

	return XCreateWindow(dpy, RootWindow(dpy, scr), 0, 0,
			     DisplayWidth(dpy, scr), DisplayHeight(dpy, scr),
			     0, CopyFromParent, InputOutput, CopyFromParent,
			     CWBackPixel | CWOverrideRedirect | CWEventMask,
			     &a);
}

/*
 * The locale's input method, built into Xlib ("@im=none": no IM server):
 * it turns key events into UTF-8 and composes dead keys, as a toolkit
 * would.  Events the IM needs are added to the window's mask.
 */
static XIC make_ic(Display *dpy, Window win)
{
	XWindowAttributes wa;
	unsigned long filter = 0;
	XIM im;
	XIC ic;

	if (!setlocale(LC_ALL, "C.UTF-8") || !XSupportsLocale()) {
		fprintf(stderr, "xkeyrec: Xlib does not support C.UTF-8\n");
		return NULL;
	}
	XSetLocaleModifiers("@im=none");
	im = XOpenIM(dpy, NULL, NULL, NULL);
	if (!im) {
		fprintf(stderr, "xkeyrec: XOpenIM failed\n");
		return NULL;
	}
	ic = XCreateIC(im, XNInputStyle, XIMPreeditNothing | XIMStatusNothing,
		       XNClientWindow, win, XNFocusWindow, win, NULL);
	if (!ic) {
		fprintf(stderr, "xkeyrec: XCreateIC failed\n");
		return NULL;
	}
	XGetICValues(ic, XNFilterEvents, &filter, NULL);
	XGetWindowAttributes(dpy, win, &wa);
	XSelectInput(dpy, win, wa.your_event_mask | filter);
	XSetICFocus(ic);
	return ic;
}

/* Map the window and take the focus; false if it never gets it. */
static int take_focus(Display *dpy, Window win)
{
	struct timespec ts = { 0, 20 * 1000000L };
	Window focus;
	XEvent ev;
	int i, revert;

	XMapRaised(dpy, win);
	do
		XNextEvent(dpy, &ev);
	while (ev.type != MapNotify);
	for (i = 0; i < 100; i++) {
		XSetInputFocus(dpy, win, RevertToParent, CurrentTime);
		XGetInputFocus(dpy, &focus, &revert);
		if (focus == win)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void record_key(FILE *out, XIC ic, XKeyEvent *ev)
{
	char buf[64];
	KeySym ks = NoSymbol;
	Status st;
	int n = Xutf8LookupString(ic, ev, buf, sizeof(buf), &ks, &st);

	if (st != XLookupKeySym && st != XLookupBoth)
		ks = NoSymbol;
	if (ks == XK_Return || ks == XK_KP_Enter)
		fputc('\n', out);
	else if (n > 0 && (st == XLookupChars || st == XLookupBoth))
		fwrite(buf, 1, n, out);
}

static void record_button(FILE *out, XButtonEvent *ev)
{
	fprintf(out, "button %u %s at %d,%d\n", ev->button,
		ev->type == ButtonPress ? "press" : "release", ev->x, ev->y);
}

int main(int argc, char **argv)
{
	Display *dpy;
	Window win;
	FILE *out;
	XEvent ev;
	XIC ic;

	if (argc != 3) {
		fprintf(stderr, "usage: xkeyrec :N FILE\n");
		return 2;
	}
	dpy = XOpenDisplay(argv[1]);
	if (!dpy) {
		fprintf(stderr, "xkeyrec: cannot open display %s\n", argv[1]);
		return 1;
	}
	out = fopen(argv[2], "w");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	win = make_window(dpy);
	ic = make_ic(dpy, win);
	if (!ic)
		return 1;
	if (!take_focus(dpy, win)) {
		fprintf(stderr, "xkeyrec: could not get the input focus\n");
		return 1;
	}
	/* Load Xlib's XKB keymap now, as a long-running application has:
	 * until it is loaded Xlib has not asked for XKB map notifications,
	 * the server then sends this XKB-aware client no MappingNotify
	 * either, and the input method's core keymap, read when the IC was
	 * made, would stay as it was while the VNC server rebinds spare
	 * keycodes. */
	XKeysymToKeycode(dpy, XK_space);
	XSync(dpy, False);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		XNextEvent(dpy, &ev);
		/* the IM swallows the parts of a dead-key sequence */
		if (XFilterEvent(&ev, None))
			continue;
		if (ev.type == MappingNotify)
			XRefreshKeyboardMapping(&ev.xmapping);
		else if (ev.type == KeyPress)
			record_key(out, ic, &ev.xkey);
		else if (ev.type == ButtonPress || ev.type == ButtonRelease)
			record_button(out, &ev.xbutton);
		fflush(out);
	}
}
