// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xdraw: draw a scripted, deterministic sequence on an X display so that
 * the tests have something to compare.
 *
 *   xdraw :N text|rects|gradient|scroll|move|all|animate|dirty
 *
 * dirty (not part of all): whole-screen colour bands, different each
 * run, drawn with pixel values whose padding byte (above depth 24) is
 * set, which Xvfb keeps as drawn.
 *
 * Drawing goes to the root window, which keeps its contents after we exit
 * (the tests run Xvfb with -noreset); the window of the "move" scene is
 * kept with RetainPermanent.  Small pauses let a VNC server see the
 * drawing as a stream of changes rather than one final picture.
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ctx {
	Display *dpy;
	Window root;
	GC gc;
	Visual *vis;
	int w, h;
	uint32_t seed;
};

static void pause_ms(struct ctx *c, int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	XSync(c->dpy, False);
	nanosleep(&ts, NULL);
}

/* Our own generator so that every libc draws the same picture. */
static uint32_t rnd(struct ctx *c)
{
	c->seed = c->seed * 1103515245u + 12345u;
	return c->seed >> 8;
}

static unsigned long chan(unsigned v, unsigned long mask)
{
	int shift = 0, bits = 0;

	if (!mask)
		return 0;
	while (!(mask >> shift & 1))
		shift++;
	while (mask >> (shift + bits) & 1)
		bits++;
	return (unsigned long)(v >> (8 - bits)) << shift;
}

/* A pixel value for 8-bit r, g, b on a TrueColor visual. */
static unsigned long rgb(struct ctx *c, unsigned r, unsigned g, unsigned b)
{
	return chan(r, c->vis->red_mask) | chan(g, c->vis->green_mask) |
	       chan(b, c->vis->blue_mask);
}

static void fill(struct ctx *c, Drawable d, unsigned long pix, int x, int y,
		 int w, int h)
{
	XSetForeground(c->dpy, c->gc, pix);
	XFillRectangle(c->dpy, d, c->gc, x, y, w, h);
}

static XFontStruct *load_font(struct ctx *c, const char *name)
{
	XFontStruct *f = XLoadQueryFont(c->dpy, name);

	return f ? f : XLoadQueryFont(c->dpy, "fixed");
}

static void scene_text(struct ctx *c)
{
	static const char *fonts[] = { "fixed", "6x13", "9x15bold", "10x20",
				       "5x7" };
	static const char *words[] = {
		"The quick brown fox jumps over the lazy dog 0123456789",
		"PACK MY BOX WITH FIVE DOZEN LIQUOR JUGS !@#$%^&*()",
		"xrfbshare test pattern: {}[]<>|\\/~`'\";:,.?",
	};
	int i, y = 20;

	fill(c, c->root, rgb(c, 250, 250, 240), 0, 0, c->w, c->h / 2);
	for (i = 0; y < c->h / 2 - 4; i++) {
		XFontStruct *f = load_font(c, fonts[i % 5]);
		const char *s = words[i % 3];
		int x = 4 + (i * 37) % 60;

		XSetFont(c->dpy, c->gc, f->fid);
		XSetForeground(c->dpy, c->gc,
			       rgb(c, i * 53 & 255, i * 97 & 255,
				   255 - (i * 31 & 255)));
		XSetBackground(c->dpy, c->gc, rgb(c, 200, 220, i * 8 & 255));
		if (i % 2)
			XDrawImageString(c->dpy, c->root, c->gc, x, y, s,
					 strlen(s));
		else
			XDrawString(c->dpy, c->root, c->gc, x, y, s,
				    strlen(s));
		y += f->ascent + f->descent + 2;
		XFreeFont(c->dpy, f);
		pause_ms(c, 20);
	}
}

static void scene_rects(struct ctx *c)
{
	int i;

	for (i = 0; i < 400; i++) {
		int w = 1 + rnd(c) % (c->w / 4);
		int h = 1 + rnd(c) % (c->h / 4);
		int x = rnd(c) % c->w - w / 2;
		int y = rnd(c) % c->h - h / 2;
		uint32_t col = rnd(c);

		fill(c, c->root, rgb(c, col & 255, col >> 8 & 255,
				     col >> 16 & 255), x, y, w, h);
		if (i % 20 == 19)
			pause_ms(c, 25);
	}
}

/* A full-colour gradient, put in bands like a video player would. */
static void scene_gradient(struct ctx *c)
{
	int band = 32, y0, x, y;

	for (y0 = 0; y0 < c->h; y0 += band) {
		int h = y0 + band > c->h ? c->h - y0 : band;
		XImage *img = XCreateImage(c->dpy, c->vis,
					   DefaultDepth(c->dpy, 0), ZPixmap,
					   0, NULL, c->w, h, 32, 0);

		img->data = malloc((size_t)img->bytes_per_line * h);
		for (y = 0; y < h; y++)
			for (x = 0; x < c->w; x++)
				XPutPixel(img, x, y,
					  rgb(c, x * 255 / c->w,
					      (y0 + y) * 255 / c->h,
					      (x ^ (y0 + y)) & 255));
		XPutImage(c->dpy, c->root, c->gc, img, 0, 0, 0, y0, c->w, h);
		XDestroyImage(img);
		pause_ms(c, 10);
	}
}

/* A terminal-like region that scrolls up by one line per new line. */
static void scene_scroll(struct ctx *c)
{
	XFontStruct *f = load_font(c, "fixed");
	int lh = f->ascent + f->descent;
	int x0 = c->w / 8, y0 = c->h / 4, w = c->w * 3 / 4, h = lh * 16;
	char line[80];
	int i;

	XSetFont(c->dpy, c->gc, f->fid);
	fill(c, c->root, rgb(c, 0, 0, 64), x0, y0, w, h);
	for (i = 0; i < 40; i++) {
		XCopyArea(c->dpy, c->root, c->root, c->gc, x0, y0 + lh, w,
			  h - lh, x0, y0);
		fill(c, c->root, rgb(c, 0, 0, 64), x0, y0 + h - lh, w, lh);
		snprintf(line, sizeof(line),
			 "line %02d: scrolling text %08x", i, rnd(c));
		XSetForeground(c->dpy, c->gc,
			       rgb(c, 255, 255 - i * 5, 128 + i * 3));
		XDrawString(c->dpy, c->root, c->gc, x0 + 4,
			    y0 + h - f->descent, line, strlen(line));
		pause_ms(c, 15);
	}
	XFreeFont(c->dpy, f);
}

static void paint_window(struct ctx *c, Window win, int w, int h)
{
	int i;

	for (i = 0; i < 8; i++)
		fill(c, win, rgb(c, i * 32, 255 - i * 32, 128), i * w / 8, 0,
		     w / 8 + 1, h);
	XSetForeground(c->dpy, c->gc, rgb(c, 0, 0, 0));
	XDrawString(c->dpy, win, c->gc, 10, h / 2, "moving window", 13);
}

/* A window dragged across the screen; it stays after we exit. */
static void scene_move(struct ctx *c)
{
	XSetWindowAttributes a = { .override_redirect = True,
				   .background_pixel = rgb(c, 255, 255, 0),
				   .border_pixel = rgb(c, 255, 0, 255) };
	int w = c->w / 4, h = c->h / 4, i, steps = 40;
	Window win = XCreateWindow(c->dpy, c->root, 0, 0, w, h, 2,
				   CopyFromParent, InputOutput,
				   CopyFromParent,
				   CWOverrideRedirect | CWBackPixel |
					   CWBorderPixel,
				   &a);
	XEvent ev;

	XSetFont(c->dpy, c->gc, load_font(c, "fixed")->fid);
	XSelectInput(c->dpy, win, ExposureMask);
	XMapRaised(c->dpy, win);
	XWindowEvent(c->dpy, win, ExposureMask, &ev);
	paint_window(c, win, w, h);
	for (i = 1; i <= steps; i++) {
		XMoveWindow(c->dpy, win, (c->w - w - 4) * i / steps,
			    (c->h - h - 4) * i / steps / 2 + c->h / 4);
		pause_ms(c, 20);
		/* repaint what moving uncovered, as a client would */
		while (XCheckWindowEvent(c->dpy, win, ExposureMask, &ev))
			paint_window(c, win, w, h);
	}
	XSetCloseDownMode(c->dpy, RetainPermanent);
}

/* A square sliding along a strip at the top, 20 frames a second, until
 * we are killed: the screen keeps changing while the tests watch for
 * stalls.  It draws over windows too (an xkeyrec may cover the root).
 * Not part of "all". */
static void scene_animate(struct ctx *c)
{
	int strip = c->w < 320 ? c->w : 320, size = 32, x = 0, dx = 8;
	unsigned n;

	XSetSubwindowMode(c->dpy, c->gc, IncludeInferiors);

	for (n = 0;; n++) {
		fill(c, c->root, rgb(c, 16, 16, 48), 0, 0, strip, size);
		fill(c, c->root, rgb(c, n * 40, 255 - n * 20, n * 7), x, 0,
		     size, size);
		if (x + dx < 0 || x + dx + size > strip)
			dx = -dx;
		x += dx;
		pause_ms(c, 50);
	}
}

/* Bands filled with pixel values whose top byte is set. */
static void scene_dirty(struct ctx *c)
{
	struct timespec ts;
	uint32_t base;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	base = (uint32_t)ts.tv_nsec * 2654435761u;

	for (int i = 0; i < 8; i++) {
		uint32_t col = base + (uint32_t)i * 0x3f1d27u;
		unsigned long pix = rgb(c, col & 255, col >> 8 & 255,
					col >> 16 & 255);

		fill(c, c->root, pix | 0xa5000000ul, 0, c->h * i / 8, c->w,
		     c->h * (i + 1) / 8 - c->h * i / 8);
	}
}

static const struct {
	const char *name;
	void (*fn)(struct ctx *c);
} scenes[] = {
	{ "text", scene_text },		{ "rects", scene_rects },
	{ "gradient", scene_gradient }, { "scroll", scene_scroll },
	{ "move", scene_move },
};

#define NSCENES (sizeof(scenes) / sizeof(scenes[0]))

static int run_scene(struct ctx *c, const char *name)
{
	size_t i;

	if (!strcmp(name, "animate")) {
		scene_animate(c);
		return 0;
	}
	if (!strcmp(name, "dirty")) {
		scene_dirty(c);
		return 0;
	}
	for (i = 0; i < NSCENES; i++) {
		if (strcmp(name, "all") && strcmp(name, scenes[i].name))
			continue;
		scenes[i].fn(c);
		if (strcmp(name, "all"))
			return 0;
	}
	return strcmp(name, "all") ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct ctx c = { .seed = 42 };

	if (argc != 3) {
		fprintf(stderr, "usage: xdraw :N text|rects|gradient|scroll|"
				"move|all|animate|dirty\n"
				"  (animate runs until killed)\n");
		return 2;
	}
	c.dpy = XOpenDisplay(argv[1]);
	if (!c.dpy) {
		fprintf(stderr, "xdraw: cannot open display %s\n", argv[1]);
		return 1;
	}
	c.root = DefaultRootWindow(c.dpy);
	c.vis = DefaultVisual(c.dpy, DefaultScreen(c.dpy));
	c.w = DisplayWidth(c.dpy, DefaultScreen(c.dpy));
	c.h = DisplayHeight(c.dpy, DefaultScreen(c.dpy));
	c.gc = XCreateGC(c.dpy, c.root, 0, NULL);
	XSetGraphicsExposures(c.dpy, c.gc, False);
	if (c.vis->class != TrueColor) {
		fprintf(stderr, "xdraw: needs a TrueColor visual\n");
		return 1;
	}
	if (run_scene(&c, argv[2])) {
		fprintf(stderr, "xdraw: unknown scene %s\n", argv[2]);
		return 2;
	}
	XSync(c.dpy, False);
	XCloseDisplay(c.dpy);
	return 0;
}
