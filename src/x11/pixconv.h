/* Conversion of X ZPixmap image rows to the framebuffer's 0x00RRGGBB
 * words, for whatever format the X server uses.  Internal to src/x11/. */
#ifndef XRFB_X11_PIXCONV_H
#define XRFB_X11_PIXCONV_H

#include <stdbool.h>
#include <stdint.h>
#include <X11/Xlib.h>

struct x11_pixconv {
	int bpp;      /* bits per pixel of the images: 8, 16, 24 or 32 */
	bool msb;     /* image byte order is MSBFirst */
	bool fast;    /* 32 bpp, host byte order, red ff0000 green ff00 */
	int shift[3]; /* red, green, blue: position of the mask's low bit */
	int bits[3];  /* and its width */
	uint8_t lut[3][256]; /* channel value -> 8 bits, for bits <= 8 */
	uint32_t *palette;   /* pixel -> 0x00RRGGBB for colormapped visuals */
	int ncolors;	     /* entries used in it */
};

/* Describe the images of the default visual and depth of `dpy`.  Returns
 * -1 (logged) for formats it cannot convert. */
int x11_pixconv_init(struct x11_pixconv *pc, Display *dpy);
void x11_pixconv_fini(struct x11_pixconv *pc);

/* Colormapped visuals only: re-read the colormap, one round trip.  Cells
 * change without any damage, so true means "every pixel may look
 * different now". */
bool x11_pixconv_refresh(struct x11_pixconv *pc, Display *dpy);

/* Convert `n` pixels starting at `src` into `dst`. */
void x11_pixconv_row(const struct x11_pixconv *pc, uint32_t *dst,
		     const uint8_t *src, int n);
/* Fast format only: clear the padding byte of n pixels in place (the
 * framebuffer's promise), writing only if some byte is set. */
void x11_pixconv_clear_padding(uint32_t *p, int n);

#endif
