/* RFB pixel formats (rfbproto 7.4) and conversion from the server's
 * framebuffer format: 32-bit host-order words 0x00RRGGBB. */
#ifndef XRFB_RFB_PIXFMT_H
#define XRFB_RFB_PIXFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct rfb_pixfmt {
	uint8_t bpp; /* 8, 16 or 32 */
	uint8_t depth;
	bool big_endian;
	bool true_colour;
	uint16_t rmax, gmax, bmax;
	uint8_t rshift, gshift, bshift;
};

/* What ServerInit announces: 32 bpp, depth 24, little endian,
 * red at 16, green at 8, blue at 0 (the framebuffer's own layout). */
extern const struct rfb_pixfmt rfb_pixfmt_server;

/* Parse the 16-byte PIXEL_FORMAT structure (caller checked 16 bytes). */
void rfb_pixfmt_read(struct rd *r, struct rfb_pixfmt *pf);
void rfb_pixfmt_write(struct buf *b, const struct rfb_pixfmt *pf);

/* True if `pf` is a true-colour format we can produce: bpp 8/16/32,
 * 0 < depth <= bpp, each max 2^n-1 with n <= 16... (see .c), channels
 * inside bpp and not overlapping.  On false, *why says what is wrong. */
bool rfb_pixfmt_valid(const struct rfb_pixfmt *pf, const char **why);

/* Printable description for logs, e.g. "32bpp depth 24 LE rgb888". */
void rfb_pixfmt_describe(const struct rfb_pixfmt *pf, char *out, size_t n);

/* Conversion context for one client format: lookup tables so converting a
 * pixel costs three loads and two ORs. */
struct rfb_pixconv {
	struct rfb_pixfmt fmt;
	unsigned bytes; /* bytes per pixel on the wire: bpp / 8 */
	bool identity;  /* client format == server format: memcpy */
	uint32_t rtab[256], gtab[256], btab[256];
};

/* `pf` must have passed rfb_pixfmt_valid(). */
void rfb_pixconv_init(struct rfb_pixconv *pc, const struct rfb_pixfmt *pf);

/* One server pixel (0x00RRGGBB) as the client's pixel value. */
static inline uint32_t rfb_pixconv_pixel(const struct rfb_pixconv *pc,
					 uint32_t rgb)
{
	return pc->rtab[(rgb >> 16) & 0xff] | pc->gtab[(rgb >> 8) & 0xff] |
	       pc->btab[rgb & 0xff];
}

/* Store a client pixel value as pc->bytes bytes in the client's byte
 * order. */
void rfb_pixconv_put(const struct rfb_pixconv *pc, uint8_t *out, uint32_t px);

/* Convert `n` server pixels to client bytes at `out` (n * pc->bytes). */
void rfb_pixconv_row(const struct rfb_pixconv *pc, uint8_t *out,
		     const uint32_t *src, size_t n);

#endif
