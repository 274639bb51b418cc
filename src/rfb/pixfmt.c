/* RFB pixel formats (rfbproto "ServerInit": PIXEL_FORMAT) and the lookup
 * tables that turn server pixels (0x00RRGGBB host words) into a client's
 * pixel values. */
#include "rfb/pixfmt.h"

#include <stdio.h>
#include <string.h>

#define HOST_BIG_ENDIAN (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

const struct rfb_pixfmt rfb_pixfmt_server = {
	.bpp = 32,
	.depth = 24,
	.big_endian = false,
	.true_colour = true,
	.rmax = 255,
	.gmax = 255,
	.bmax = 255,
	.rshift = 16,
	.gshift = 8,
	.bshift = 0,
};

void rfb_pixfmt_read(struct rd *r, struct rfb_pixfmt *pf)
{
	pf->bpp = rd_u8(r);
	pf->depth = rd_u8(r);
	pf->big_endian = rd_u8(r) != 0;
	pf->true_colour = rd_u8(r) != 0;
	pf->rmax = rd_u16(r);
	pf->gmax = rd_u16(r);
	pf->bmax = rd_u16(r);
	pf->rshift = rd_u8(r);
	pf->gshift = rd_u8(r);
	pf->bshift = rd_u8(r);
	rd_skip(r, 3); /* padding */
}

void rfb_pixfmt_write(struct buf *b, const struct rfb_pixfmt *pf)
{
	buf_put_u8(b, pf->bpp);
	buf_put_u8(b, pf->depth);
	buf_put_u8(b, pf->big_endian);
	buf_put_u8(b, pf->true_colour);
	buf_put_u16(b, pf->rmax);
	buf_put_u16(b, pf->gmax);
	buf_put_u16(b, pf->bmax);
	buf_put_u8(b, pf->rshift);
	buf_put_u8(b, pf->gshift);
	buf_put_u8(b, pf->bshift);
	buf_put_zeros(b, 3);
}

/* n if max == 2^n - 1 with n >= 1, else 0.  A u16 max bounds n to 16. */
static unsigned pixfmt_max_bits(uint16_t max)
{
	uint32_t m = max;
	unsigned n = 0;

	if (m == 0 || (m & (m + 1)))
		return 0;
	for (; m; m >>= 1)
		n++;
	return n;
}

struct pixfmt_chan {
	uint16_t max;
	uint8_t shift;
	const char *bad_max, *too_wide;
};

/* Check one channel and add its bits to *used; NULL if it is fine. */
static const char *pixfmt_check_chan(const struct pixfmt_chan *c,
				     unsigned bpp, uint32_t *used)
{
	unsigned n = pixfmt_max_bits(c->max);
	uint32_t mask;

	if (!n)
		return c->bad_max;
	if (c->shift + n > bpp)
		return c->too_wide;
	/* shift + n <= 32 and n >= 1, so the shift is below 32 */
	mask = (uint32_t)c->max << c->shift;
	if (*used & mask)
		return "colour channels overlap";
	*used |= mask;
	return NULL;
}

static const char *pixfmt_problem(const struct rfb_pixfmt *pf)
{
	const struct pixfmt_chan chans[3] = {
		{ pf->rmax, pf->rshift, "red-max is not 2^n-1",
		  "red channel does not fit in bits-per-pixel" },
		{ pf->gmax, pf->gshift, "green-max is not 2^n-1",
		  "green channel does not fit in bits-per-pixel" },
		{ pf->bmax, pf->bshift, "blue-max is not 2^n-1",
		  "blue channel does not fit in bits-per-pixel" },
	};
	uint32_t used = 0;
	const char *why;
	int i;

	if (pf->bpp != 8 && pf->bpp != 16 && pf->bpp != 32)
		return "bits-per-pixel is not 8, 16 or 32";
	/* Depth is only a hint (some clients send depth == bpp), so it is
	 * not checked against the channel bits. */
	if (pf->depth == 0 || pf->depth > pf->bpp)
		return "depth is 0 or above bits-per-pixel";
	if (!pf->true_colour)
		return "colour-map (non true-colour) formats are not supported";
	for (i = 0; i < 3; i++) {
		why = pixfmt_check_chan(&chans[i], pf->bpp, &used);
		if (why)
			return why;
	}
	return NULL;
}

bool rfb_pixfmt_valid(const struct rfb_pixfmt *pf, const char **why)
{
	const char *problem = pixfmt_problem(pf);

	if (problem && why)
		*why = problem;
	return !problem;
}

struct pixfmt_name {
	char letter;
	unsigned bits, shift;
};

/* "rgb565"-style channel names, highest shift first; adds the shifts
 * when the channels are not packed upwards from bit 0. */
static void pixfmt_describe_chans(const struct rfb_pixfmt *pf, char *out,
				  size_t n)
{
	struct pixfmt_name c[3] = {
		{ 'r', pixfmt_max_bits(pf->rmax), pf->rshift },
		{ 'g', pixfmt_max_bits(pf->gmax), pf->gshift },
		{ 'b', pixfmt_max_bits(pf->bmax), pf->bshift },
	};
	struct pixfmt_name t;
	int len, i, j;

	if (!c[0].bits || !c[1].bits || !c[2].bits) {
		snprintf(out, n, "max %u/%u/%u shift %u/%u/%u", pf->rmax,
			 pf->gmax, pf->bmax, pf->rshift, pf->gshift,
			 pf->bshift);
		return;
	}
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2 - i; j++) {
			if (c[j].shift < c[j + 1].shift) {
				t = c[j];
				c[j] = c[j + 1];
				c[j + 1] = t;
			}
		}
	}
	len = snprintf(out, n, "%c%c%c%u%u%u", c[0].letter, c[1].letter,
		       c[2].letter, c[0].bits, c[1].bits, c[2].bits);
	if (c[2].shift == 0 && c[1].shift == c[2].bits &&
	    c[0].shift == c[1].shift + c[1].bits)
		return;
	if (len >= 0 && (size_t)len < n)
		snprintf(out + len, n - len, " shift %u/%u/%u", pf->rshift,
			 pf->gshift, pf->bshift);
}

void rfb_pixfmt_describe(const struct rfb_pixfmt *pf, char *out, size_t n)
{
	const char *order = pf->big_endian ? " BE" : " LE";
	char chans[48];

	if (pf->bpp == 8)
		order = ""; /* byte order means nothing for 1-byte pixels */
	if (!pf->true_colour)
		snprintf(chans, sizeof(chans), "colour-map");
	else
		pixfmt_describe_chans(pf, chans, sizeof(chans));
	snprintf(out, n, "%ubpp depth %u%s %s", pf->bpp, pf->depth, order,
		 chans);
}

/* Scale 8-bit intensities to 0..max, rounded, already shifted into place.
 * The format must be valid: max <= 65535 keeps v * max + 127 in 32 bits,
 * and shift + bits <= 32. */
static void pixconv_fill(uint32_t *tab, uint16_t max, uint8_t shift)
{
	uint32_t v;

	for (v = 0; v < 256; v++)
		tab[v] = ((v * max + 127) / 255) << shift;
}

/* The framebuffer's words are already the client's bytes. */
static bool pixconv_is_identity(const struct rfb_pixfmt *pf)
{
	return pf->bpp == 32 && pf->true_colour &&
	       pf->big_endian == HOST_BIG_ENDIAN && pf->rmax == 255 &&
	       pf->gmax == 255 && pf->bmax == 255 && pf->rshift == 16 &&
	       pf->gshift == 8 && pf->bshift == 0;
}

void rfb_pixconv_init(struct rfb_pixconv *pc, const struct rfb_pixfmt *pf)
{
	pc->fmt = *pf;
	pc->bytes = pf->bpp / 8;
	pc->identity = pixconv_is_identity(pf);
	pixconv_fill(pc->rtab, pf->rmax, pf->rshift);
	pixconv_fill(pc->gtab, pf->gmax, pf->gshift);
	pixconv_fill(pc->btab, pf->bmax, pf->bshift);
}

static inline void put16le(uint8_t *o, uint32_t v)
{
	o[0] = v;
	o[1] = v >> 8;
}

static inline void put16be(uint8_t *o, uint32_t v)
{
	o[0] = v >> 8;
	o[1] = v;
}

static inline void put32le(uint8_t *o, uint32_t v)
{
	o[0] = v;
	o[1] = v >> 8;
	o[2] = v >> 16;
	o[3] = v >> 24;
}

static inline void put32be(uint8_t *o, uint32_t v)
{
	o[0] = v >> 24;
	o[1] = v >> 16;
	o[2] = v >> 8;
	o[3] = v;
}

void rfb_pixconv_put(const struct rfb_pixconv *pc, uint8_t *out, uint32_t px)
{
	bool be = pc->fmt.big_endian;

	if (pc->bytes == 1)
		out[0] = px;
	else if (pc->bytes == 2 && be)
		put16be(out, px);
	else if (pc->bytes == 2)
		put16le(out, px);
	else if (be)
		put32be(out, px);
	else
		put32le(out, px);
}

/* One loop per wire layout so the per-pixel work has no branches. */
void rfb_pixconv_row(const struct rfb_pixconv *pc, uint8_t *out,
		     const uint32_t *src, size_t n)
{
	bool be = pc->fmt.big_endian;
	size_t i;

	if (pc->identity) {
		memcpy(out, src, n * 4);
	} else if (pc->bytes == 1) {
		for (i = 0; i < n; i++)
			out[i] = rfb_pixconv_pixel(pc, src[i]);
	} else if (pc->bytes == 2 && be) {
		for (i = 0; i < n; i++)
			put16be(out + 2 * i, rfb_pixconv_pixel(pc, src[i]));
	} else if (pc->bytes == 2) {
		for (i = 0; i < n; i++)
			put16le(out + 2 * i, rfb_pixconv_pixel(pc, src[i]));
	} else if (be) {
		for (i = 0; i < n; i++)
			put32be(out + 4 * i, rfb_pixconv_pixel(pc, src[i]));
	} else {
		for (i = 0; i < n; i++)
			put32le(out + 4 * i, rfb_pixconv_pixel(pc, src[i]));
	}
}
