// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xstate: show which keys and pointer buttons an X display has down.
 *
 *   xstate :N
 *
 * Prints two lines, e.g.
 *   keys: Shift_L a
 *   buttons: 1
 * with nothing after the colon when nothing is held.
 */
#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <stdio.h>

static void print_keys(Display *dpy)
{
	char map[32];
	int i;

	XQueryKeymap(dpy, map);
	printf("keys:");
	for (i = 8; i < 256; i++) {
		KeySym ks;
		const char *name;

		if (!(map[i / 8] & (1 << (i % 8))))
			continue;
		ks = XkbKeycodeToKeysym(dpy, i, 0, 0);
		name = ks ? XKeysymToString(ks) : NULL;
		if (name)
			printf(" %s", name);
		else
			printf(" keycode%d", i);
	}
	printf("\n");
}

static void print_buttons(Display *dpy)
{
	Window root, child;
	int rx, ry, wx, wy, b;
	unsigned int mask;

	XQueryPointer(dpy, DefaultRootWindow(dpy), &root, &child, &rx, &ry,
		      &wx, &wy, &mask);
	printf("buttons:");
	for (b = 1; b <= 5; b++)
		if (mask & (Button1Mask << (b - 1)))
			printf(" %d", b);
	printf("\n");
}

int main(int argc, char **argv)
{
	Display *dpy;

	if (argc != 2) {
		fprintf(stderr, "usage: xstate :N\n");
		return 2;
	}
	dpy = XOpenDisplay(argv[1]);
	if (!dpy) {
		fprintf(stderr, "xstate: cannot open display %s\n", argv[1]);
		return 1;
	}
	print_keys(dpy);
	print_buttons(dpy);
	XCloseDisplay(dpy);
	return 0;
}
