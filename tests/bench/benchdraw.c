// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * benchdraw: the X side of `make bench`.  It draws one scripted workload
 * on a display at a fixed rate and stamps every frame with a marker that
 * encodes a sequence number, so that benchclient can tell which frame it
 * is looking at and how long the frame took to reach it.
 *
 *   benchdraw DISPLAY WORKLOAD SECONDS HZ FIRST_SEQ
 *
 * WORKLOAD is term (a terminal scrolling text with XCopyArea, as xterm
 * does), drag (a window moved over a wallpaper), blink (a text cursor
 * blinking in an editor), full (full-screen changing picture) or idle.
 *
 * Talks to benchclient over stdin/stdout, one line each:
 *   out "ready"            the scene is drawn, marker FIRST_SEQ shown
 *   in  "go"               start the timed phase
 *   out "start T"          T: CLOCK_MONOTONIC ns
 *   out "f SEQ T"          frame SEQ: drawing began at T (marker included)
 *   out "stop T"           the timed phase is over; nothing changes now
 *   in  "quit" or EOF      exit (windows vanish, so only after the check)
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "marker.h"

struct ctx {
	Display *dpy;
	Window root, marker, win;
	GC gc;
	Visual *vis;
	int sw, sh; /* screen */
	int ww, wh; /* workload window */
	XFontStruct *font;
	uint32_t seed;
	Pixmap frames[6];
	int nframes;
	int cols, rows, line; /* term */
	double angle;	      /* drag */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint32_t rnd(struct ctx *c)
{
	c->seed = c->seed * 1103515245u + 12345u;
	return c->seed >> 8;
}

static unsigned long chan(unsigned v, unsigned long mask)
{
	int shift = 0, bits = 0;

	while (!(mask >> shift & 1))
		shift++;
	while (mask >> (shift + bits) & 1)
		bits++;
	return (unsigned long)(v >> (8 - bits)) << shift;
}

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

static void draw_marker(struct ctx *c, uint32_t seq)
{
	uint32_t code = bench_marker_code(seq);
	unsigned long white = rgb(c, 255, 255, 255), black = rgb(c, 0, 0, 0);
	int i;

	for (i = 0; i < BENCH_MARKER_BITS; i++)
		fill(c, c->marker, code >> i & 1 ? white : black,
		     i * BENCH_MARKER_CELL, 0, BENCH_MARKER_CELL,
		     BENCH_MARKER_CELL);
}

/* A photo-like picture, smooth with some grain, in a w x h area of d. */
static void photo(struct ctx *c, Drawable d, int x0, int y0, int w, int h,
		  int phase)
{
	int depth = DefaultDepth(c->dpy, DefaultScreen(c->dpy));
	XImage *img = XCreateImage(c->dpy, c->vis, depth, ZPixmap, 0, NULL, w,
				   1, 32, 0);
	double p = phase * 0.7;
	int x, y;

	img->data = malloc(img->bytes_per_line);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			double v = sin(x * 0.011 + p) + sin(y * 0.017 - p) +
				   sin((x + y) * 0.006 + 2 * p);
			unsigned n = rnd(c) & 3;
			unsigned r = 128 + 40 * v + n;
			unsigned g = 128 + 40 * sin(v * 2 + p) + n;
			unsigned b = 128 - 40 * v + n;

			XPutPixel(img, x, 0, rgb(c, r & 255, g & 255, b & 255));
		}
		XPutImage(c->dpy, d, c->gc, img, 0, 0, x0, y0 + y, w, 1);
	}
	XDestroyImage(img);
}

static const char *word(struct ctx *c);

/* One full-screen "page", as when switching tabs or desktops: text on a
 * tinted background, a side bar, and a photo over a fifth of the screen.
 * Pages differ everywhere (tint, text, picture), yet are as compressible
 * as real screens rather than noise. */
static Pixmap page(struct ctx *c, int i)
{
	int depth = DefaultDepth(c->dpy, DefaultScreen(c->dpy));
	Pixmap pm = XCreatePixmap(c->dpy, c->root, c->sw, c->sh, depth);
	int side = c->sw / 8, y, x;

	fill(c, pm, rgb(c, 236 - 6 * i, 238, 226 + 5 * i), 0, 0, c->sw, c->sh);
	fill(c, pm, rgb(c, 40 + 12 * i, 50, 70), 0, 0, side, c->sh);
	for (y = c->line; y < c->sh; y += c->line) {
		XSetForeground(c->dpy, c->gc, rgb(c, 20, 20 + 10 * i, 40));
		for (x = side + 16; x < c->sw - 120;) {
			const char *w = word(c);
			int n = strlen(w);

			XDrawString(c->dpy, pm, c->gc, x, y, w, n);
			x += (n + 1) * c->font->max_bounds.width;
		}
	}
	photo(c, pm, c->sw / 2, c->sh / 8, c->sw * 2 / 5, c->sh * 4 / 9, i);
	return pm;
}

/* The desktop behind the windows: a vertical gradient with a grid, set as
 * the root background so that the X server repaints what a moving window
 * uncovers, as it does for a wallpaper. */
static void wallpaper(struct ctx *c)
{
	int depth = DefaultDepth(c->dpy, DefaultScreen(c->dpy));
	Pixmap pm = XCreatePixmap(c->dpy, c->root, c->sw, c->sh, depth);
	int y;

	for (y = 0; y < c->sh; y += 2)
		fill(c, pm,
		     rgb(c, 30 + 60 * y / c->sh, 60 + 80 * y / c->sh,
			 110 + 100 * y / c->sh),
		     0, y, c->sw, 2);
	for (y = 0; y < c->sh; y += 96)
		fill(c, pm, rgb(c, 70, 100, 150), 0, y, c->sw, 1);
	XSetWindowBackgroundPixmap(c->dpy, c->root, pm);
	XClearWindow(c->dpy, c->root);
	XFreePixmap(c->dpy, pm);
}

static Window make_window(struct ctx *c, int x, int y, int w, int h,
			  unsigned long bg)
{
	XSetWindowAttributes a = { .override_redirect = True,
				   .background_pixel = bg,
				   .event_mask = ExposureMask };
	Window win = XCreateWindow(
		c->dpy, c->root, x, y, w, h, 0, CopyFromParent, InputOutput,
		CopyFromParent, CWOverrideRedirect | CWBackPixel | CWEventMask,
		&a);

	XMapWindow(c->dpy, win);
	return win;
}

/* clang-format off */
static const char *const words[] = {
	"drwxr-xr-x", "-rw-r--r--", "root", "4096", "Nov", "21", "13:47",
	"libX11.so.6", "include", "pkgconfig", "x86_64-linux-gnu", "share",
	"python3.11", "README.md", "Makefile", "config.status", "src/rfb",
	"update.c", "encode", "capture.o", "1.2.3", "=>", "0x7f3a", "OK",
	"warning:", "unused", "variable", "[PASS]", "make[1]:", "Leaving",
};
/* clang-format on */

static const char *word(struct ctx *c)
{
	return words[rnd(c) % (sizeof(words) / sizeof(*words))];
}

/* One terminal line: ls/compiler-like words, some of them coloured. */
static void term_line(struct ctx *c, Drawable d, int row)
{
	static const unsigned colours[][3] = {
		{ 204, 204, 204 },
		{ 90, 150, 255 },
		{ 120, 220, 90 },
		{ 230, 200, 80 },
	};
	int x = 0, cw = c->font->max_bounds.width;
	int y = row * c->line;

	fill(c, d, rgb(c, 0, 0, 0), 0, y, c->ww, c->line);
	while (x < c->cols - 12) {
		const char *w = word(c);
		const unsigned *k = colours[rnd(c) % 8 < 5 ? 0 : rnd(c) % 4];
		int n = strlen(w);

		XSetForeground(c->dpy, c->gc, rgb(c, k[0], k[1], k[2]));
		XDrawString(c->dpy, d, c->gc, x * cw, y + c->font->ascent, w,
			    n);
		x += n + 1 + rnd(c) % 3;
	}
}

static void editor_text(struct ctx *c)
{
	int r;

	fill(c, c->win, rgb(c, 250, 250, 245), 0, 0, c->ww, c->wh);
	fill(c, c->win, rgb(c, 60, 70, 90), 0, 0, c->ww, 24);
	for (r = 1; r < c->rows; r++) {
		const char *w = word(c);

		XSetForeground(c->dpy, c->gc, rgb(c, 40, 40, 40));
		XDrawString(c->dpy, c->win, c->gc, 12,
			    24 + r * c->line + c->font->ascent - c->line, w,
			    strlen(w));
	}
}

static void setup(struct ctx *c, const char *wl)
{
	int cw = c->font->max_bounds.width;

	c->line = c->font->ascent + c->font->descent;
	wallpaper(c);
	if (!strcmp(wl, "term") || !strcmp(wl, "idle")) {
		c->cols = (c->sw - 160) / cw;
		c->cols = c->cols > 100 ? 100 : c->cols;
		c->rows = (c->sh - 120) / c->line;
		c->rows = c->rows > 48 ? 48 : c->rows;
		c->ww = c->cols * cw;
		c->wh = c->rows * c->line;
		c->win = make_window(c, 120, 90, c->ww, c->wh, rgb(c, 0, 0, 0));
		for (int r = 0; r < c->rows; r++)
			term_line(c, c->win, r);
	} else if (!strcmp(wl, "drag") || !strcmp(wl, "blink")) {
		c->ww = c->sw / 3;
		c->wh = c->sh * 4 / 9;
		c->rows = (c->wh - 24) / c->line;
		c->win =
			make_window(c, (c->sw - c->ww) / 2, (c->sh - c->wh) / 2,
				    c->ww, c->wh, rgb(c, 250, 250, 245));
		editor_text(c);
	} else if (!strcmp(wl, "full")) {
		c->ww = c->sw;
		c->wh = c->sh;
		c->nframes = sizeof(c->frames) / sizeof(*c->frames);
		for (int i = 0; i < c->nframes; i++)
			c->frames[i] = page(c, i);
		c->win = make_window(c, 0, 0, c->ww, c->wh, rgb(c, 0, 0, 0));
		XCopyArea(c->dpy, c->frames[0], c->win, c->gc, 0, 0, c->ww,
			  c->wh, 0, 0);
	}
	XRaiseWindow(c->dpy, c->marker);
}

/* Windows here have no backing store: redraw what the server exposes. */
static void handle_exposes(struct ctx *c, const char *wl, int frame)
{
	XEvent ev;
	bool again = false;

	while (XCheckTypedEvent(c->dpy, Expose, &ev))
		again = again || ev.xexpose.window == c->win;
	if (!again)
		return;
	if (!strcmp(wl, "drag") || !strcmp(wl, "blink"))
		editor_text(c);
	else if (!strcmp(wl, "full"))
		XCopyArea(c->dpy, c->frames[frame % c->nframes], c->win, c->gc,
			  0, 0, c->ww, c->wh, 0, 0);
}

static void frame(struct ctx *c, const char *wl, int n)
{
	if (!strcmp(wl, "term")) {
		/* two new lines a frame: 60 lines/s at 30 Hz */
		int k = 2, keep = (c->rows - k) * c->line;

		XCopyArea(c->dpy, c->win, c->win, c->gc, 0, k * c->line, c->ww,
			  keep, 0, 0);
		for (int r = c->rows - k; r < c->rows; r++)
			term_line(c, c->win, r);
	} else if (!strcmp(wl, "drag")) {
		int rx = (c->sw - c->ww) / 2 - 8, ry = (c->sh - c->wh) / 2 - 8;

		c->angle += 0.04;
		XMoveWindow(c->dpy, c->win,
			    c->sw / 2 - c->ww / 2 + (int)(rx * cos(c->angle)),
			    c->sh / 2 - c->wh / 2 +
				    (int)(ry * sin(2 * c->angle)));
	} else if (!strcmp(wl, "blink")) {
		int cw = c->font->max_bounds.width;

		fill(c, c->win,
		     n & 1 ? rgb(c, 250, 250, 245) : rgb(c, 20, 20, 20),
		     12 + 20 * cw, 24 + 4 * c->line, cw, c->line);
	} else if (!strcmp(wl, "full")) {
		XCopyArea(c->dpy, c->frames[n % c->nframes], c->win, c->gc, 0,
			  0, c->ww, c->wh, 0, 0);
	}
}

static bool read_cmd(const char *want)
{
	char buf[64];

	if (!fgets(buf, sizeof(buf), stdin))
		return false;
	return !strncmp(buf, want, strlen(want));
}

static void sleep_until(int64_t t)
{
	struct timespec ts = { t / 1000000000, t % 1000000000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

static void run(struct ctx *c, const char *wl, double secs, double hz,
		uint32_t seq)
{
	int64_t period = 1e9 / hz, t0 = now_ns(), end = t0 + secs * 1e9;
	int64_t next = t0;
	int n = 0;

	printf("start %lld\n", (long long)t0);
	while (next < end) {
		int64_t t = now_ns();

		if (strcmp(wl, "idle")) {
			frame(c, wl, ++n);
			draw_marker(c, ++seq);
			XSync(c->dpy, False);
			handle_exposes(c, wl, n);
			printf("f %u %lld\n", seq, (long long)t);
		}
		next += period;
		/* a slow frame skips slots rather than bunching up */
		while (next < now_ns())
			next += period;
		sleep_until(next);
	}
	XSync(c->dpy, False);
	printf("stop %lld\n", (long long)now_ns());
}

int main(int argc, char **argv)
{
	struct ctx c = { .seed = 12345 };
	const char *wl;
	uint32_t seq;

	if (argc != 6) {
		fprintf(stderr, "usage: benchdraw DISPLAY "
				"term|drag|blink|full|idle SECONDS HZ "
				"FIRST_SEQ\n");
		return 2;
	}
	wl = argv[2];
	seq = strtoul(argv[5], NULL, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	c.dpy = XOpenDisplay(argv[1]);
	if (!c.dpy) {
		fprintf(stderr, "benchdraw: cannot open display %s\n", argv[1]);
		return 1;
	}
	c.root = DefaultRootWindow(c.dpy);
	c.vis = DefaultVisual(c.dpy, DefaultScreen(c.dpy));
	c.sw = DisplayWidth(c.dpy, DefaultScreen(c.dpy));
	c.sh = DisplayHeight(c.dpy, DefaultScreen(c.dpy));
	c.gc = XCreateGC(c.dpy, c.root, 0, NULL);
	XSetGraphicsExposures(c.dpy, c.gc, False);
	c.font = XLoadQueryFont(c.dpy, "9x18");
	if (!c.font)
		c.font = XLoadQueryFont(c.dpy, "fixed");
	XSetFont(c.dpy, c.gc, c.font->fid);
	c.marker = make_window(&c, 0, 0, BENCH_MARKER_W, BENCH_MARKER_CELL,
			       rgb(&c, 0, 0, 0));
	setup(&c, wl);
	draw_marker(&c, seq);
	XSync(c.dpy, False);
	handle_exposes(&c, wl, 0);
	XSync(c.dpy, False);
	printf("ready\n");
	if (!read_cmd("go"))
		return 0;
	run(&c, wl, atof(argv[3]), atof(argv[4]), seq);
	/* keep the windows until the client has compared the screen */
	while (!read_cmd("quit") && !feof(stdin))
		;
	XCloseDisplay(c.dpy);
	return 0;
}
