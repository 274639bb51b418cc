#include "x11/capture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <X11/Xutil.h>

#include "util/log.h"
#include "x11/motion.h"

/* Beyond this many separate boxes, or half the screen, one whole-screen
 * XShmGetImage is cheaper than a round trip per box. */
#define CAPTURE_MAX_BOXES 32

/* Motion is looked for in groups of damage at least this big each way,
 * and not at all in damage scattered over more boxes than the second. */
#define CAPTURE_MOTION_MIN 64
#define CAPTURE_MOTION_BOXES 64

/* Pixels fetched from the server, and where on the screen they start. */
struct capture_src {
	XImage *img;
	int x, y;
	bool owned; /* destroy after use (per-box images) */
};

static void capture_shm_free(struct x11_capture *c, int i)
{
	if (!c->image[i])
		return;
	XShmDetach(c->disp->dpy, &c->shm[i]);
	shmdt(c->shm[i].shmaddr);
	/* XShm images free only their header, never the segment. */
	XDestroyImage(c->image[i]);
	c->image[i] = NULL;
}

static int capture_shm_attach(struct x11_capture *c, XShmSegmentInfo *shm)
{
	struct x11_trap trap;
	int err;

	shm->readOnly = False; /* the server writes into it */
	x11_trap_begin(&trap, c->disp->dpy);
	XShmAttach(c->disp->dpy, shm);
	err = x11_trap_end(&trap);
	/* Both sides are attached (or the server refused): removing the id
	 * now means the kernel frees the segment when the last user
	 * detaches, even if we crash.  Nothing can leak. */
	shmctl(shm->shmid, IPC_RMID, NULL);
	if (err) {
		log_warn("XShmAttach failed (error %d; remote display?): "
			 "capturing with XGetImage",
			 err);
		shmdt(shm->shmaddr);
		return -1;
	}
	return 0;
}

static int capture_shm_new(struct x11_capture *c, int i, int w, int h)
{
	struct x11_display *d = c->disp;
	XShmSegmentInfo *shm = &c->shm[i];
	XImage *img;
	size_t size;

	img = XShmCreateImage(d->dpy, d->visual, (unsigned)d->depth, ZPixmap,
			      NULL, shm, (unsigned)w, (unsigned)h);
	if (!img)
		return -1;
	size = (size_t)img->bytes_per_line * (size_t)img->height;
	shm->shmid = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	if (shm->shmid < 0) {
		log_warn("shmget of %zu bytes failed (%s): capturing with "
			 "XGetImage",
			 size, strerror(errno));
		goto err_image;
	}
	shm->shmaddr = shmat(shm->shmid, NULL, 0);
	if (shm->shmaddr == (char *)-1) {
		log_warn("shmat failed (%s): capturing with XGetImage",
			 strerror(errno));
		shmctl(shm->shmid, IPC_RMID, NULL);
		goto err_image;
	}
	if (capture_shm_attach(c, shm))
		goto err_image;
	img->data = shm->shmaddr;
	c->image[i] = img;
	return 0;

err_image:
	XDestroyImage(img);
	return -1;
}

/* Fetch the box from the server: the whole screen into the shared image,
 * a smaller box into an image header over the start of the same
 * segment, or without shm a fresh XGetImage. */
static int capture_fetch(struct x11_capture *c, const pixman_box32_t *b,
			 struct capture_src *s)
{
	struct x11_display *d = c->disp;
	unsigned w = (unsigned)(b->x2 - b->x1), h = (unsigned)(b->y2 - b->y1);
	bool whole = w == (unsigned)c->fb.width && h == (unsigned)c->fb.height;

	*s = (struct capture_src){ NULL, b->x1, b->y1, true };
	if (!c->use_shm) {
		s->img = XGetImage(d->dpy, d->root, b->x1, b->y1, w, h,
				   AllPlanes, ZPixmap);
		return s->img ? 0 : -1;
	}
	if (whole) {
		s->img = c->image[c->back];
		s->owned = false;
	} else {
		s->img = XShmCreateImage(d->dpy, d->visual, (unsigned)d->depth,
					 ZPixmap, c->shm[c->back].shmaddr,
					 &c->shm[c->back], w, h);
		if (!s->img)
			return -1;
	}
	/* A failure (a server error) is logged by the display's handler. */
	if (XShmGetImage(d->dpy, d->root, s->img, b->x1, b->y1, AllPlanes))
		return 0;
	if (s->owned)
		XDestroyImage(s->img);
	return -1;
}

static void capture_release(struct capture_src *s)
{
	if (s->owned)
		XDestroyImage(s->img);
}

static const uint8_t *capture_src_at(const struct x11_capture *c,
				     const struct capture_src *s, int x, int y)
{
	return (const uint8_t *)s->img->data +
	       (size_t)(y - s->y) * (size_t)s->img->bytes_per_line +
	       (size_t)(x - s->x) * (size_t)(c->conv.bpp / 8);
}

/* Convert one tile row by row; once a row differs, the rest of the tile
 * goes straight into the framebuffer without comparing.  In the server's
 * own format a row whose bytes equal the framebuffer's is unchanged (its
 * padding bytes are zero too), which spares converting it. */
static bool capture_tile(struct x11_capture *c, const struct capture_src *s,
			 int x, int y, int w, int h)
{
	size_t bytes = (size_t)w * sizeof(uint32_t);
	bool changed = false;

	for (int r = y; r < y + h; r++) {
		const uint8_t *src = capture_src_at(c, s, x, r);
		uint32_t *dst = c->fb.pixels + (size_t)r * c->fb.stride + x;

		if (changed) {
			x11_pixconv_row(&c->conv, dst, src, w);
			continue;
		}
		if (c->conv.fast && !memcmp(src, dst, bytes))
			continue;
		x11_pixconv_row(&c->conv, c->row, src, w);
		if (memcmp(c->row, dst, bytes)) {
			memcpy(dst, c->row, bytes);
			changed = true;
		}
	}
	return changed;
}

/* The same for a grab that becomes the framebuffer: rows are compared
 * until one differs; from there on only their padding bytes are cleared
 * in the grab. */
static bool capture_tile_swap(struct x11_capture *c,
			      const struct capture_src *s, int x, int y, int w,
			      int h)
{
	size_t bytes = (size_t)w * sizeof(uint32_t);
	bool changed = false;

	for (int r = y; r < y + h; r++) {
		uint32_t *src = (uint32_t *)capture_src_at(c, s, x, r);
		const uint32_t *old =
			c->fb.pixels + (size_t)r * c->fb.stride + x;

		if (!changed && !memcmp(src, old, bytes))
			continue;
		x11_pixconv_clear_padding(src, w);
		changed = changed || memcmp(src, old, bytes);
	}
	return changed;
}

static void capture_report(struct x11_capture *c, int x, int y, int w, int h)
{
	struct rfb_rect r = { x, y, w, h };

	if (c->srv)
		rfb_server_damage(c->srv, &r);
}

/* Compare the tiles of a tile-aligned box; each run of changed tiles in
 * a tile row is reported as one rectangle. */
static void capture_compare(struct x11_capture *c, const struct capture_src *s,
			    const pixman_box32_t *b, bool swap)
{
	for (int y = b->y1; y < b->y2; y += X11_TILE) {
		int h = b->y2 - y < X11_TILE ? b->y2 - y : X11_TILE;
		int run = -1;

		for (int x = b->x1; x < b->x2; x += X11_TILE) {
			int w = b->x2 - x < X11_TILE ? b->x2 - x : X11_TILE;
			bool changed =
				swap ? capture_tile_swap(c, s, x, y, w, h)
				     : capture_tile(c, s, x, y, w, h);

			if (changed && run < 0)
				run = x;
			if (!changed && run >= 0) {
				capture_report(c, run, y, x - run, h);
				run = -1;
			}
		}
		if (run >= 0)
			capture_report(c, run, y, b->x2 - run, h);
	}
}

static int capture_align(int v, int limit, bool up)
{
	if (up)
		v += X11_TILE - 1;
	v -= v % X11_TILE;
	return v < limit ? v : limit;
}

/* The damage grown to whole tiles and clipped to the screen.  pixman
 * merges the tiles into few y-x banded boxes, stacking equal spans. */
static int capture_tiles(struct x11_capture *c, pixman_region32_t *damage,
			 pixman_region32_t *tiles)
{
	pixman_box32_t *in, *out;
	int n;

	in = pixman_region32_rectangles(damage, &n);
	out = calloc((size_t)n + 1, sizeof(*out));
	if (!out)
		return -1;
	for (int i = 0; i < n; i++) {
		out[i].x1 = capture_align(in[i].x1 > 0 ? in[i].x1 : 0,
					  c->fb.width, false);
		out[i].y1 = capture_align(in[i].y1 > 0 ? in[i].y1 : 0,
					  c->fb.height, false);
		out[i].x2 = capture_align(in[i].x2, c->fb.width, true);
		out[i].y2 = capture_align(in[i].y2, c->fb.height, true);
		if (out[i].x2 <= out[i].x1 || out[i].y2 <= out[i].y1)
			out[i] = (pixman_box32_t){ 0, 0, 0, 0 };
	}
	pixman_region32_init_rects(tiles, out, n);
	free(out);
	return 0;
}

static bool capture_touch(const pixman_box32_t *a, const pixman_box32_t *b)
{
	return a->x1 <= b->x2 && b->x1 <= a->x2 && a->y1 <= b->y2 &&
	       b->y1 <= a->y2;
}

static long capture_area(const pixman_box32_t *b)
{
	return (long)(b->x2 - b->x1) * (b->y2 - b->y1);
}

static void capture_union(pixman_box32_t *a, const pixman_box32_t *b)
{
	a->x1 = a->x1 < b->x1 ? a->x1 : b->x1;
	a->y1 = a->y1 < b->y1 ? a->y1 : b->y1;
	a->x2 = a->x2 > b->x2 ? a->x2 : b->x2;
	a->y2 = a->y2 > b->y2 ? a->y2 : b->y2;
}

/* Merge group j into group i, which touches it; the last group takes
 * j's place. */
static void capture_merge(pixman_box32_t *g, long *area, int *n, int i, int j)
{
	capture_union(&g[i], &g[j]);
	area[i] += area[j];
	(*n)--;
	g[j] = g[*n];
	area[j] = area[*n];
}

/* Boxes that touch, or whose extents come to overlap, form a group: a
 * window moved shows as several y-x banded boxes around its old and new
 * places.  Groups that are big enough, and mostly damage (so the search
 * stays proportional to the damage), are left in g; returns how many.
 * Group extents do not touch each other. */
static int capture_groups(const pixman_box32_t *b, int n, pixman_box32_t *g)
{
	long area[CAPTURE_MOTION_BOXES];
	bool merged = true;
	int kept = 0;

	for (int i = 0; i < n; i++) {
		g[i] = b[i];
		area[i] = capture_area(&b[i]);
	}
	while (merged) {
		merged = false;
		for (int i = 0; i < n; i++)
			for (int j = n - 1; j > i; j--)
				if (capture_touch(&g[i], &g[j])) {
					capture_merge(g, area, &n, i, j);
					merged = true;
				}
	}
	for (int i = 0; i < n; i++)
		if (g[i].x2 - g[i].x1 >= CAPTURE_MOTION_MIN &&
		    g[i].y2 - g[i].y1 >= CAPTURE_MOTION_MIN &&
		    2 * area[i] >= capture_area(&g[i]))
			g[kept++] = g[i];
	return kept;
}

static uint32_t *capture_moved_buf(struct x11_capture *c, size_t len)
{
	uint32_t *p;

	if (len <= c->moved_len)
		return c->moved;
	p = realloc(c->moved, len * sizeof(*p));
	if (!p)
		return NULL;
	c->moved = p;
	c->moved_len = len;
	return p;
}

/* The framebuffer still holds the old pixels of the group.  What moved
 * is written into it from the grab the search used, then reported; the
 * tile comparison that follows, from the same grab, finds those tiles
 * unchanged and reports the rest. */
/* The group's new pixels in the framebuffer's format: the grab itself
 * when it has that format (dirty padding bytes then only make the search
 * miss, never match wrongly), else a converted copy.  Sets *stride. */
static const uint32_t *capture_motion_pixels(struct x11_capture *c,
					     const struct capture_src *s,
					     const pixman_box32_t *g,
					     int *stride)
{
	int w = g->x2 - g->x1, h = g->y2 - g->y1;
	uint32_t *buf;

	if (c->conv.fast && s->img->bytes_per_line % 4 == 0) {
		*stride = s->img->bytes_per_line / 4;
		return (const uint32_t *)capture_src_at(c, s, g->x1, g->y1);
	}
	buf = capture_moved_buf(c, (size_t)w * h);
	if (!buf)
		return NULL;
	for (int r = 0; r < h; r++)
		x11_pixconv_row(&c->conv, buf + (size_t)r * w,
				capture_src_at(c, s, g->x1, g->y1 + r), w);
	*stride = w;
	return buf;
}

static void capture_motion_group(struct x11_capture *c,
				 const struct capture_src *s,
				 const pixman_box32_t *g)
{
	int w = g->x2 - g->x1, h = g->y2 - g->y1, n, stride;
	uint32_t *old = c->fb.pixels + (size_t)g->y1 * c->fb.stride + g->x1;
	const uint32_t *cur = capture_motion_pixels(c, s, g, &stride);
	struct x11_motion mv[X11_MOTION_MAX];

	if (!cur)
		return;
	n = x11_motion_find(old, c->fb.stride, cur, stride, w, h, mv,
			    X11_MOTION_MAX);
	for (int i = 0; i < n; i++) {
		const struct rfb_rect *d = &mv[i].dst;

		for (int r = d->y; r < d->y + d->h; r++) {
			uint32_t *to = old + (size_t)r * c->fb.stride + d->x;
			const uint32_t *from = cur + (size_t)r * stride + d->x;

			/* A grab still has its padding bytes: convert. */
			if (cur == c->moved)
				memcpy(to, from, (size_t)d->w * sizeof(*to));
			else
				x11_pixconv_row(&c->conv, to,
						(const uint8_t *)from, d->w);
		}
	}
	for (int i = 0; i < n; i++) {
		struct rfb_rect d = mv[i].dst;

		d.x += g->x1;
		d.y += g->y1;
		rfb_server_copy(c->srv, &d, mv[i].dx, mv[i].dy);
	}
}

static bool capture_inside(const pixman_box32_t *b, const pixman_box32_t *g)
{
	return b->x1 >= g->x1 && b->y1 >= g->y1 && b->x2 <= g->x2 &&
	       b->y2 <= g->y2;
}

/* All copies of a capture go out before its damage.  Groups do not
 * touch, so no copy reads what another one wrote.  `all` is the whole
 * screen if it was grabbed already. */
static void capture_motion_all(struct x11_capture *c,
			       const struct capture_src *all,
			       const pixman_box32_t *b, int n)
{
	pixman_box32_t g[CAPTURE_MOTION_BOXES];
	int ng;

	if (!c->srv || n > CAPTURE_MOTION_BOXES)
		return;
	ng = capture_groups(b, n, g);
	for (int i = 0; i < ng; i++)
		capture_motion_group(c, all, &g[i]);
}

/* Partial grabs: each motion group is grabbed once, searched, and its
 * boxes compared from that same grab; the other boxes one by one.  The
 * boxes of a group lie inside its extents; groups do not touch. */
static void capture_parts(struct x11_capture *c, const pixman_box32_t *b,
			  int n, bool motion)
{
	pixman_box32_t g[CAPTURE_MOTION_BOXES];
	bool done[CAPTURE_MAX_BOXES] = { false };
	struct capture_src s;
	int ng = 0;

	if (motion && c->srv && n <= CAPTURE_MOTION_BOXES)
		ng = capture_groups(b, n, g);
	for (int i = 0; i < ng; i++) {
		if (capture_fetch(c, &g[i], &s))
			continue;
		capture_motion_group(c, &s, &g[i]);
		for (int j = 0; j < n; j++)
			if (!done[j] && capture_inside(&b[j], &g[i])) {
				capture_compare(c, &s, &b[j], false);
				done[j] = true;
			}
		capture_release(&s);
	}
	for (int j = 0; j < n; j++) {
		if (done[j] || capture_fetch(c, &b[j], &s))
			continue;
		capture_compare(c, &s, &b[j], false);
		capture_release(&s);
	}
}

/* A whole-screen grab becomes the framebuffer.  All of it is compared,
 * not only the damage: what changed elsewhere since the damage was
 * fetched is in the grab too, and must be reported now, not found equal
 * next time. */
static void capture_swap(struct x11_capture *c, const struct capture_src *s)
{
	pixman_box32_t all = { 0, 0, c->fb.width, c->fb.height };

	capture_compare(c, s, &all, true);
	c->back = !c->back;
	c->fb.pixels = (uint32_t *)(void *)c->image[!c->back]->data;
	if (c->srv)
		rfb_server_fb_moved(c->srv, c->fb.pixels);
}

static void capture_boxes(struct x11_capture *c, const pixman_box32_t *b, int n,
			  bool motion)
{
	pixman_box32_t all = { 0, 0, c->fb.width, c->fb.height };
	struct capture_src s;
	long area = 0;

	/* A new colormap changes pixels in place: nothing moved. */
	if (x11_pixconv_refresh(&c->conv, c->disp->dpy)) {
		b = &all;
		n = 1;
		motion = false;
	}
	for (int i = 0; i < n; i++)
		area += (long)(b[i].x2 - b[i].x1) * (b[i].y2 - b[i].y1);
	if (n > CAPTURE_MAX_BOXES || 2 * area > (long)all.x2 * all.y2) {
		if (capture_fetch(c, &all, &s))
			return;
		if (motion)
			capture_motion_all(c, &s, b, n);
		if (c->swap && !s.owned) {
			capture_swap(c, &s);
			return;
		}
		for (int i = 0; i < n; i++)
			capture_compare(c, &s, &b[i], false);
		capture_release(&s);
		return;
	}
	capture_parts(c, b, n, motion);
}

void x11_capture_region(struct x11_capture *c, pixman_region32_t *damage)
{
	pixman_region32_t tiles;
	pixman_box32_t *b;
	int n;

	if (capture_tiles(c, damage, &tiles)) {
		/* The X server forgot this damage already: losing it would
		 * leave those pixels stale until they change again. */
		log_warn("out of memory comparing damage: grabbing the screen");
		x11_capture_all(c);
		return;
	}
	b = pixman_region32_rectangles(&tiles, &n);
	if (n)
		capture_boxes(c, b, n, true);
	pixman_region32_fini(&tiles);
}

void x11_capture_all(struct x11_capture *c)
{
	pixman_box32_t all = { 0, 0, c->fb.width, c->fb.height };

	capture_boxes(c, &all, 1, false);
}

int x11_capture_init(struct x11_capture *c, struct x11_display *d, bool noshm)
{
	memset(c, 0, sizeof(*c));
	c->disp = d;
	if (x11_pixconv_init(&c->conv, d->dpy))
		return -1;
	c->use_shm = d->have_shm && !noshm;
	if (noshm)
		log_info("-noshm: capturing with XGetImage");
	else if (!d->have_shm)
		log_warn("MIT-SHM extension missing: capturing with XGetImage "
			 "(slower)");
	return 0;
}

static void capture_fb_free(struct x11_capture *c)
{
	if (c->swap)
		capture_shm_free(c, !c->back);
	else
		free(c->fb.pixels);
	c->swap = false;
	c->fb.pixels = NULL;
}

/* The framebuffer in a second shared image when the X server's format is
 * ours (see `swap`); else, or if that fails, `pixels`. */
static uint32_t *capture_fb_new(struct x11_capture *c, uint32_t *pixels, int w,
				int h)
{
	int i = !c->back;

	if (!c->use_shm || !c->conv.fast || capture_shm_new(c, i, w, h))
		return pixels;
	if (c->image[i]->bytes_per_line != w * 4) {
		capture_shm_free(c, i);
		return pixels;
	}
	free(pixels);
	c->swap = true;
	return (uint32_t *)(void *)c->image[i]->data;
}

int x11_capture_resize(struct x11_capture *c, int w, int h)
{
	struct rfb_server *srv = c->srv;
	uint32_t *pixels;

	/* Allocated first (untouched pages cost nothing), so that the old
	 * framebuffer stays if there is no memory for a new one. */
	pixels = calloc((size_t)w * (size_t)h, sizeof(*pixels));
	if (!pixels) {
		log_error("out of memory for a %dx%d framebuffer", w, h);
		return -1;
	}
	capture_shm_free(c, c->back);
	capture_fb_free(c);
	free(c->moved); /* sized for the old screen */
	c->moved = NULL;
	c->moved_len = 0;
	if (c->use_shm && capture_shm_new(c, c->back, w, h))
		c->use_shm = false;
	pixels = capture_fb_new(c, pixels, w, h);
	c->fb = (struct rfb_fb){ pixels, w, h, w };
	/* Everything is new to the engine anyway: fill without reports. */
	c->srv = NULL;
	x11_capture_all(c);
	c->srv = srv;
	return 0;
}

void x11_capture_fini(struct x11_capture *c)
{
	capture_shm_free(c, c->back);
	capture_fb_free(c);
	free(c->moved);
	c->moved = NULL;
	x11_pixconv_fini(&c->conv);
}
