#include "x11/pixconv.h"

#include <stdlib.h>
#include <string.h>
#include <X11/Xutil.h>

#include "util/log.h"

/* ZPixmap images of a depth use the bits per pixel the server lists for
 * that depth (24-deep images are usually 32 bits per pixel). */
static int pixconv_bpp(Display *dpy, int depth)
{
	XPixmapFormatValues *f;
	int n, bpp = 0;

	f = XListPixmapFormats(dpy, &n);
	for (int i = 0; f && i < n; i++)
		if (f[i].depth == depth)
			bpp = f[i].bits_per_pixel;
	XFree(f);
	return bpp;
}

static bool pixconv_host_msb(void)
{
	const uint16_t one = 1;
	uint8_t first;

	memcpy(&first, &one, 1);
	return first == 0;
}

/* Where channel `c` sits in a pixel, and a table scaling narrow channels
 * (5 or 6 bits) to the full 0..255 range rather than leaving them dim. */
static int pixconv_mask(struct x11_pixconv *pc, int c, unsigned long mask)
{
	int shift = 0, bits = 0;
	unsigned max;

	while (mask && !(mask & 1)) {
		mask >>= 1;
		shift++;
	}
	while (mask & 1) {
		mask >>= 1;
		bits++;
	}
	if (!bits || bits > 16 || mask)
		return -1;
	pc->shift[c] = shift;
	pc->bits[c] = bits;
	if (bits > 8)
		return 0;
	max = (1u << bits) - 1;
	for (unsigned v = 0; v <= max; v++)
		pc->lut[c][v] = (uint8_t)((v * 255 + max / 2) / max);
	return 0;
}

/* Read the default colormap of a colormapped visual into the palette.
 * Returns true if any entry changed. */
static bool pixconv_read_palette(struct x11_pixconv *pc, Display *dpy)
{
	XColor colors[256];
	bool changed = false;
	uint32_t rgb;

	for (int i = 0; i < pc->ncolors; i++)
		colors[i].pixel = (unsigned long)i;
	XQueryColors(dpy, DefaultColormap(dpy, DefaultScreen(dpy)), colors,
		     pc->ncolors);
	for (int i = 0; i < pc->ncolors; i++) {
		rgb = (uint32_t)(colors[i].red >> 8) << 16 |
		      (uint32_t)(colors[i].green >> 8) << 8 |
		      (uint32_t)(colors[i].blue >> 8);
		changed |= pc->palette[i] != rgb;
		pc->palette[i] = rgb;
	}
	return changed;
}

bool x11_pixconv_refresh(struct x11_pixconv *pc, Display *dpy)
{
	return pc->palette && pixconv_read_palette(pc, dpy);
}

static bool pixconv_is_fast(const struct x11_pixconv *pc)
{
	return pc->bpp == 32 && pc->msb == pixconv_host_msb() &&
	       pc->shift[0] == 16 && pc->bits[0] == 8 && pc->shift[1] == 8 &&
	       pc->bits[1] == 8 && pc->shift[2] == 0 && pc->bits[2] == 8;
}

int x11_pixconv_init(struct x11_pixconv *pc, Display *dpy)
{
	int scr = DefaultScreen(dpy);
	Visual *vis = DefaultVisual(dpy, scr);
	int depth = DefaultDepth(dpy, scr);
	int ok;

	memset(pc, 0, sizeof(*pc));
	pc->bpp = pixconv_bpp(dpy, depth);
	pc->msb = ImageByteOrder(dpy) == MSBFirst;
	if (pc->bpp != 8 && pc->bpp != 16 && pc->bpp != 24 && pc->bpp != 32)
		goto unsupported;
	if (vis->class == TrueColor || vis->class == DirectColor) {
		ok = !pixconv_mask(pc, 0, vis->red_mask) &&
		     !pixconv_mask(pc, 1, vis->green_mask) &&
		     !pixconv_mask(pc, 2, vis->blue_mask);
		if (!ok)
			goto unsupported;
		pc->fast = pixconv_is_fast(pc);
		return 0;
	}
	if (depth > 8 || pc->bpp != 8)
		goto unsupported;
	pc->ncolors = 1 << depth;
	pc->palette = calloc(256, sizeof(*pc->palette));
	if (!pc->palette)
		return -1;
	pixconv_read_palette(pc, dpy);
	return 0;

unsupported:
	log_error("unsupported X pixel format: depth %d, %d bits per pixel, "
		  "visual class %d",
		  depth, pc->bpp, vis->class);
	return -1;
}

void x11_pixconv_fini(struct x11_pixconv *pc)
{
	free(pc->palette);
	pc->palette = NULL;
}

static uint32_t pixconv_load(const uint8_t *p, int bpp, bool msb)
{
	switch (bpp) {
	case 8:
		return p[0];
	case 16:
		return msb ? (uint32_t)p[0] << 8 | p[1]
			   : (uint32_t)p[1] << 8 | p[0];
	case 24:
		return msb ? (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]
			   : (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
	default:
		return msb ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				       (uint32_t)p[2] << 8 | p[3]
			   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
				       (uint32_t)p[1] << 8 | p[0];
	}
}

static uint32_t pixconv_channel(const struct x11_pixconv *pc, int c,
				uint32_t pix)
{
	uint32_t v = (pix >> pc->shift[c]) & ((1u << pc->bits[c]) - 1);

	return pc->bits[c] <= 8 ? pc->lut[c][v] : v >> (pc->bits[c] - 8);
}

/* The byte above depth 24 is padding the server may leave dirty; the
 * framebuffer promises it is zero.  Every captured pixel passes here, so
 * it is vectorized even at -O2. */
__attribute__((optimize("tree-vectorize"))) static void
pixconv_fast_row(uint32_t *restrict dst, const uint8_t *restrict src, int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t pix;

		memcpy(&pix, src + 4 * i, 4);
		dst[i] = pix & 0xffffff;
	}
}

/* Padding is mostly zero already: reading is cheaper than writing. */
__attribute__((optimize("tree-vectorize"))) void
x11_pixconv_clear_padding(uint32_t *p, int n)
{
	uint32_t any = 0;

	for (int i = 0; i < n; i++)
		any |= p[i];
	if (!(any & 0xff000000))
		return;
	for (int i = 0; i < n; i++)
		p[i] &= 0xffffff;
}

void x11_pixconv_row(const struct x11_pixconv *pc, uint32_t *dst,
		     const uint8_t *src, int n)
{
	int step = pc->bpp / 8;
	uint32_t pix;

	if (pc->fast) {
		pixconv_fast_row(dst, src, n);
		return;
	}
	for (int i = 0; i < n; i++) {
		pix = pixconv_load(src + step * i, pc->bpp, pc->msb);
		if (pc->palette)
			dst[i] = pc->palette[pix & 0xff];
		else
			dst[i] = pixconv_channel(pc, 0, pix) << 16 |
				 pixconv_channel(pc, 1, pix) << 8 |
				 pixconv_channel(pc, 2, pix);
	}
}
