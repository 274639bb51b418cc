/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vncview.h: what the libvncclient test viewers (vnctest, vncwatch) share:
 * the address syntax, the client pixel formats, the message pump, and the
 * pixel-for-pixel comparison of the decoded framebuffer with an X display.
 * Header-only (static functions): each support program is one .c file.
 * Define VV_NAME (the program name for messages) before including it.
 */
#ifndef XRFBSHARE_TESTS_VNCVIEW_H
#define XRFBSHARE_TESTS_VNCVIEW_H

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <rfb/rfbclient.h>

#ifndef VV_NAME
#define VV_NAME "vncview"
#endif

static inline double vv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "PORT", "HOST:PORT", "[V6]:PORT", or the path of a unix socket, which
 * libvncclient recognises by stat()ing serverHost (*port is then 0).
 * *host is left alone when s names no host.  False if s is malformed. */
static inline bool vv_parse_port(const char *s, char **host, int *port)
{
	const char *colon = strrchr(s, ':');

	if (strchr(s, '/')) {
		*host = (char *)s;
		*port = 0;
		return true;
	}
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return false;
		*host = strndup(s + 1, end - s - 1);
		colon = end + 1;
	} else if (colon) {
		*host = strndup(s, colon - s);
	}
	if (colon)
		s = colon + 1;
	*port = atoi(s);
	return *port > 0 && *port <= 65535;
}

/*
 * Client pixel formats (rfbproto 7.4 PixelFormat).  libvncclient's decoders
 * other than Raw store pixels in host byte order, so on a little-endian host
 * "32be" (colour in the low 3 bytes) decodes right only with Raw; "32bex"
 * (colour in the high 3 bytes) also with ZRLE, whose 3-byte CPIXELs it
 * reads as a host word.  "8" is BGR233, what most viewers use.
 */
static const struct {
	const char *name;
	int bpp, depth, be, rmax, gmax, bmax, rs, gs, bs;
} vv_formats[] = {
	{ "32le", 32, 24, 0, 255, 255, 255, 16, 8, 0 },
	{ "32be", 32, 24, 1, 255, 255, 255, 16, 8, 0 },
	{ "32bex", 32, 24, 1, 255, 255, 255, 24, 16, 8 },
	{ "16", 16, 16, 0, 31, 63, 31, 11, 5, 0 },
	{ "8", 8, 8, 0, 7, 7, 3, 0, 3, 6 },
};

/* Fill f with the format called name; false if there is none. */
static inline bool vv_set_format(rfbPixelFormat *f, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(vv_formats) / sizeof(vv_formats[0]); i++) {
		if (strcmp(name, vv_formats[i].name))
			continue;
		f->trueColour = 1;
		f->bitsPerPixel = vv_formats[i].bpp;
		f->depth = vv_formats[i].depth;
		f->bigEndian = vv_formats[i].be;
		f->redMax = vv_formats[i].rmax;
		f->greenMax = vv_formats[i].gmax;
		f->blueMax = vv_formats[i].bmax;
		f->redShift = vv_formats[i].rs;
		f->greenShift = vv_formats[i].gs;
		f->blueShift = vv_formats[i].bs;
		return true;
	}
	fprintf(stderr, VV_NAME ": unknown format %s\n", name);
	return false;
}

/* Handle what has arrived within ms milliseconds; false if the link died.
 * A message already in libvncclient's read buffer is invisible to
 * select(), so it is handled without waiting. */
static inline bool vv_pump(rfbClient *cl, int ms)
{
	int n = cl->buffered > 0 ? 1 : WaitForMessage(cl, ms * 1000);

	if (n < 0) {
		fprintf(stderr, VV_NAME ": connection error while waiting\n");
		return false;
	}
	if (n > 0 && !HandleRFBServerMessage(cl)) {
		fprintf(stderr, VV_NAME ": connection lost (server closed or "
					"sent something libvncclient "
					"rejects)\n");
		return false;
	}
	return true;
}

/* ---- comparing with the X display ---- */

/* Where the red, green and blue bits of a pixel value are. */
struct vv_layout {
	unsigned long max[3];
	int shift[3];
};

static inline void vv_layout_from_masks(struct vv_layout *l,
					const unsigned long m[3])
{
	int i;

	for (i = 0; i < 3; i++) {
		unsigned long mask = m[i];

		for (l->shift[i] = 0; mask && !(mask & 1); l->shift[i]++)
			mask >>= 1;
		l->max[i] = mask;
	}
}

static inline void vv_layout_from_format(struct vv_layout *l,
					 const rfbPixelFormat *f)
{
	unsigned long m[3] = { (unsigned long)f->redMax << f->redShift,
			       (unsigned long)f->greenMax << f->greenShift,
			       (unsigned long)f->blueMax << f->blueShift };

	vv_layout_from_masks(l, m);
}

static inline unsigned long vv_chan(const struct vv_layout *l, int i,
				    unsigned long v)
{
	return v >> l->shift[i] & l->max[i];
}

static inline uint32_t vv_fb_pixel(rfbClient *cl, int x, int y)
{
	int bpp = cl->format.bitsPerPixel / 8;
	const uint8_t *p = cl->frameBuffer + ((size_t)y * cl->width + x) * bpp;
	uint32_t v = 0;
	int i;

	for (i = 0; i < bpp; i++) {
		if (cl->format.bigEndian)
			v = v << 8 | p[i];
		else
			v |= (uint32_t)p[i] << (8 * i);
	}
	return v;
}

/*
 * A channel matches if the viewer's value is what some sane conversion of
 * the X value gives: exact when the depths agree, truncated or rounded
 * when the viewer has fewer bits, shifted or scaled when it has more.
 * d is the error scaled by xmax.
 */
static inline bool vv_chan_ok(unsigned long cv, unsigned long cmax,
			      unsigned long xv, unsigned long xmax)
{
	long long d = (long long)cv * xmax - (long long)xv * cmax;

	if (d < 0)
		d = -d;
	if (cmax <= xmax)
		return d < (long long)xmax;
	return d <= (long long)cmax;
}

/* A comparison in progress: the display, both layouts, and the extent of
 * the differences found by the last vv_compare_once(). */
struct vv_cmp {
	struct vv_layout cl, xl; /* viewer and X pixel layouts */
	Display *dpy;
	const char *name; /* of the display, for messages */
	long count;
	int minx, miny, maxx, maxy;
};

static inline bool vv_pixel_ok(const struct vv_cmp *c, uint32_t cp,
			       unsigned long xp)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!vv_chan_ok(vv_chan(&c->cl, i, cp), c->cl.max[i],
				vv_chan(&c->xl, i, xp), c->xl.max[i]))
			return false;
	return true;
}

static inline void vv_report_pixel(const struct vv_cmp *c, int x, int y,
				   uint32_t cp, unsigned long xp)
{
	const struct vv_layout *v = &c->cl, *l = &c->xl;

	fprintf(stderr, "  (%d,%d): viewer 0x%x rgb(%lu,%lu,%lu) of "
			"(%lu,%lu,%lu), X 0x%lx rgb(%lu,%lu,%lu) of (%lu,%lu,%lu)\n",
		x, y, cp, vv_chan(v, 0, cp), vv_chan(v, 1, cp),
		vv_chan(v, 2, cp), v->max[0], v->max[1], v->max[2], xp,
		vv_chan(l, 0, xp), vv_chan(l, 1, xp), vv_chan(l, 2, xp),
		l->max[0], l->max[1], l->max[2]);
}

static inline void vv_count_diff(struct vv_cmp *c, int x, int y)
{
	if (!c->count++) {
		c->minx = c->maxx = x;
		c->miny = c->maxy = y;
	}
	c->minx = x < c->minx ? x : c->minx;
	c->maxx = x > c->maxx ? x : c->maxx;
	c->maxy = y;
}

/* RandR may resize the display under us: an XGetImage racing a shrink
 * fails with BadMatch, which must not end the program (Xlib's default
 * handler exits).  Remember the error; the caller tries again. */
static int vv_x_errors;

static inline int vv_x_error(Display *dpy, XErrorEvent *ev)
{
	vv_x_errors++;
	return 0;
}

/* The root window's current size: DisplayWidth() keeps the size the
 * display had when it was opened, RandR may have changed it since. */
static inline bool vv_root_size(Display *dpy, int *w, int *h)
{
	Window root;
	int x, y;
	unsigned int rw, rh, border, depth;

	if (!XGetGeometry(dpy, DefaultRootWindow(dpy), &root, &x, &y, &rw,
			  &rh, &border, &depth))
		return false;
	*w = (int)rw;
	*h = (int)rh;
	return true;
}

/* Compare once; print up to show differing pixels.  Returns the number
 * of differing pixels, all of them when the sizes differ or the display
 * could not be read (it may be changing size): the caller retries. */
static inline long vv_compare_once(rfbClient *cl, struct vv_cmp *c, int show)
{
	XImage *img = NULL;
	int x, y, w = 0, h = 0;

	if (vv_root_size(c->dpy, &w, &h) && w == cl->width &&
	    h == cl->height)
		img = XGetImage(c->dpy, DefaultRootWindow(c->dpy), 0, 0, w, h,
				AllPlanes, ZPixmap);
	if (!img) {
		XSync(c->dpy, False);
		if (show)
			fprintf(stderr, VV_NAME ": display %s is %dx%d, the "
						"viewer's framebuffer %dx%d%s\n",
				c->name, w, h, cl->width, cl->height,
				vv_x_errors ? " (X errors)" : "");
		return (long)cl->width * cl->height + 1;
	}
	c->count = 0;
	for (y = 0; y < img->height; y++) {
		for (x = 0; x < img->width; x++) {
			uint32_t cp = vv_fb_pixel(cl, x, y);
			unsigned long xp = XGetPixel(img, x, y);

			if (vv_pixel_ok(c, cp, xp))
				continue;
			if (c->count < show)
				vv_report_pixel(c, x, y, cp, xp);
			vv_count_diff(c, x, y);
		}
	}
	XDestroyImage(img);
	if (show && c->count)
		fprintf(stderr, VV_NAME ": %ld pixels differ within (%d,%d)-"
					"(%d,%d)\n", c->count, c->minx,
			c->miny, c->maxx, c->maxy);
	return c->count;
}

/* Open display `name` for comparisons with cl's framebuffer. */
static inline bool vv_open_display(rfbClient *cl, struct vv_cmp *c,
				   const char *name)
{
	Visual *v;

	c->name = name;
	c->dpy = XOpenDisplay(name);
	if (!c->dpy) {
		fprintf(stderr, VV_NAME ": cannot open display %s\n", name);
		return false;
	}
	XSetErrorHandler(vv_x_error);
	v = DefaultVisual(c->dpy, DefaultScreen(c->dpy));
	if (v->class != TrueColor) {
		fprintf(stderr, VV_NAME ": display %s has visual class %d, "
					"not TrueColor\n", name, v->class);
		XCloseDisplay(c->dpy);
		return false;
	}
	vv_layout_from_masks(&c->xl, (unsigned long[3]){ v->red_mask,
			     v->green_mask, v->blue_mask });
	vv_layout_from_format(&c->cl, &cl->format);
	return true;
}

/*
 * Keep handling messages and compare after every update (*updates is the
 * caller's counter of finished updates) and at least every 200 ms, until
 * the framebuffer equals display `name` or `timeout` seconds pass.
 * Returns the milliseconds it took, or -1 (differences printed).
 */
static inline long vv_wait_match(rfbClient *cl, const char *name,
				 double timeout,
				 const unsigned long *updates)
{
	double start = vv_now(), last = 0;
	unsigned long done = *updates - 1;
	struct vv_cmp c;
	long diff = -1;

	if (!vv_open_display(cl, &c, name))
		return -1;
	while (vv_now() - start < timeout) {
		if (*updates != done || vv_now() - last >= 0.2) {
			done = *updates;
			last = vv_now();
			diff = vv_compare_once(cl, &c, 0);
			if (diff == 0)
				break;
		}
		if (!vv_pump(cl, 20))
			break;
	}
	if (diff > 0)
		vv_compare_once(cl, &c, 8);
	XCloseDisplay(c.dpy);
	return diff == 0 ? (long)((vv_now() - start) * 1000) : -1;
}

#endif
