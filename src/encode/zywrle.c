/* ZYWRLE encoding (17, Hitachi's "ZRLE with wavelets"; no spec beyond its
 * reference code in libvncserver, whose decoder in libvncclient is what
 * we must match).  It is ZRLE on the wire, except that a tile sent with
 * subencoding 0 holds a whole ZRLE tile again (any subencoding) whose
 * "pixels" are wavelet coefficients; the client decodes that inner tile,
 * then runs the inverse transform over it.  Lossy: high-frequency
 * coefficients are quantised, more at lower quality.
 *
 * The transform, for a tile of W x H with L levels (L from the quality):
 *  - only the top-left w x h, both rounded down to multiples of 2^L, is
 *    transformed; if either is 0 nothing is;
 *  - each pixel's three channels become Y = (R + 2G + B) / 4 - 128,
 *    U = (B - G) / 2, V = (R - G) / 2, as signed bytes cut to the bits the
 *    channel has, and never -128 (the transform wants odd ranges); "B",
 *    "G", "R" are the low, middle and high channel of the pixel, U goes
 *    back into the low one, Y the middle, V the high;
 *  - per level l = 0..L-1, a piecewise-linear Haar step (PLHaar) on pairs
 *    2^l apart along every 2^l-th row, then along every 2^l-th column;
 *  - the coefficients are sent as the tile's pixels in raster order:
 *    for each l the three high bands (odd x and y, odd y, odd x at that
 *    scale), then after the last level the low band, then the pixels
 *    outside w x h as they were: right strip, bottom strip, corner.
 * The client derives L from the quality it asked for, and decoders
 * disagree at quality 9 (libvncserver encodes L = 1, libvncclient decodes
 * L = 0), so we use wavelets only at quality 0-8, with L = 3 - q / 3.  At
 * quality 9, with no quality (lossless only, encoder.h), and for formats
 * libvncclient cannot invert (anything but 16 bpp 5-6-5 and 32 bpp 8-8-8
 * in bits 0-23, little endian) we send lossless tiles and never
 * subencoding 0, which every decoder reads right whatever its L.  At
 * 8 bpp there is no wavelet anywhere: plain ZRLE. */
#include "encode/encoder.h"

#include <stdlib.h>
#include <string.h>

#include "encode/zrle.h"

#define ZYW_TILE ENC_RLE_TILE_MAX
#define ZYW_MAX_LEVEL 3

/* Where each of the transform's three channels lives in a client pixel
 * value: channel k is bits shift[k] .. shift[k] + bits[k] - 1. */
struct zyw_layout {
	bool ok;
	unsigned shift[3], bits[3];
};

enum zyw_mode {
	ZYW_PLAIN,    /* ZRLE as is (8 bpp) */
	ZYW_LOSSLESS, /* ZRLE without raw tiles */
	ZYW_WAVELET,  /* raw tiles carry coefficients */
};

struct zywrle_state {
	struct enc_zrle_state *zrle;
	enum zyw_mode mode;
	int level; /* 1-3 for ZYW_WAVELET */
	bool lossy; /* a tile of this rectangle was */
	struct zyw_layout lay;
	int8_t coef[3][ZYW_TILE * ZYW_TILE]; /* U, Y, V; w x h, stride w */
	uint32_t px[ZYW_TILE * ZYW_TILE];
};

/* Quantiser steps per [L - 1][l]: {Y, U and V}; 0 drops the band.  Our
 * own choice: the client only inverts the transform, so the quantiser is
 * free.  Fine detail of the colour differences goes first, as in JPEG. */
static const uint8_t zyw_step[ZYW_MAX_LEVEL][ZYW_MAX_LEVEL][2] = {
	{ { 16, 0 } },
	{ { 32, 0 }, { 8, 8 } },
	{ { 64, 0 }, { 16, 16 }, { 8, 8 } },
};

static unsigned zyw_bits(uint16_t max)
{
	unsigned n = 0;

	for (; max; max >>= 1)
		n++;
	return n;
}

/* The formats libvncclient can invert (see the top of the file). */
static void zyw_layout_init(struct zyw_layout *lay,
			    const struct rfb_pixfmt *pf)
{
	static const unsigned want16[3][2] = { { 0, 5 }, { 5, 6 }, { 11, 5 } };
	const unsigned shift[3] = { pf->rshift, pf->gshift, pf->bshift };
	const unsigned bits[3] = { zyw_bits(pf->rmax), zyw_bits(pf->gmax),
				   zyw_bits(pf->bmax) };
	unsigned k, c, found = 0;

	lay->ok = false;
	if (pf->big_endian || (pf->bpp != 16 && pf->bpp != 32))
		return;
	for (k = 0; k < 3; k++) {
		lay->shift[k] = pf->bpp == 16 ? want16[k][0] : 8 * k;
		lay->bits[k] = pf->bpp == 16 ? want16[k][1] : 8;
		for (c = 0; c < 3; c++)
			found += shift[c] == lay->shift[k] &&
				 bits[c] == lay->bits[k];
	}
	lay->ok = found == 3;
}

/* Mode and level from the format and the quality pseudo-encoding
 * (rfbproto "JPEG Quality Level"); see the top of the file. */
static void zyw_mode_init(struct zywrle_state *st,
			  const struct enc_params *p)
{
	zyw_layout_init(&st->lay, &p->pc->fmt);
	st->level = 0;
	if (p->pc->bytes == 1)
		st->mode = ZYW_PLAIN;
	else if (p->quality < 0 || p->quality >= 9 || !st->lay.ok)
		st->mode = ZYW_LOSSLESS;
	else
		st->mode = ZYW_WAVELET;
	if (st->mode == ZYW_WAVELET)
		st->level = 3 - p->quality / 3;
}

/* Channel k of v as an 8-bit value, low bits zero. */
static int zyw_chan(const struct zyw_layout *lay, uint32_t v, unsigned k)
{
	return (v >> lay->shift[k] & ((1u << lay->bits[k]) - 1))
	       << (8 - lay->bits[k]);
}

/* Cut to the channel's bits (rounding down), avoiding -128. */
static int8_t zyw_cut(int v, unsigned bits)
{
	int step = 1 << (8 - bits);

	v &= ~(step - 1);
	return v == -128 ? -128 + step : v;
}

static void zyw_to_yuv(struct zywrle_state *st, const uint32_t *px, int tw,
		       int w, int h)
{
	const struct zyw_layout *lay = &st->lay;
	int x, y, r, g, b, i;
	uint32_t v;

	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			v = px[y * tw + x];
			b = zyw_chan(lay, v, 0);
			g = zyw_chan(lay, v, 1);
			r = zyw_chan(lay, v, 2);
			i = y * w + x;
			/* >> on negatives floors (gcc: arithmetic) */
			st->coef[0][i] = zyw_cut((b - g) >> 1, lay->bits[0]);
			st->coef[1][i] = zyw_cut(((r + 2 * g + b) >> 2) - 128,
						 lay->bits[1]);
			st->coef[2][i] = zyw_cut((r - g) >> 1, lay->bits[2]);
		}
	}
}

/* PLHaar (Senecal et al., "An improved N-bit to N-bit reversible
 * Haar-like transform", 2004) on a pair of signed bytes: low band into
 * *a, high into *b.  It is its own inverse, which the client relies on;
 * the sign tests look at bit 7 of the unwrapped sums on purpose. */
static void zyw_plhaar(int8_t *a, int8_t *b)
{
	int x0 = *a, x1 = *b, s0 = x0, s1 = x1;

	if ((x0 ^ x1) & 0x80) {
		x1 += x0;
		if (!((x1 ^ s1) & 0x80))
			x0 -= x1;
	} else {
		x0 -= x1;
		if (!((x0 ^ s0) & 0x80))
			x1 += x0;
	}
	*a = (int8_t)x1;
	*b = (int8_t)x0;
}

/* One level along a line of `len` coefficients `step` apart. */
static void zyw_line(int8_t *d, size_t step, int len, int l)
{
	size_t half = step << l;
	int i;

	for (i = 0; i < len >> (l + 1); i++, d += 2 * half)
		zyw_plhaar(d, d + half);
}

static int zyw_quantise(int c, int step)
{
	int q;

	if (!step)
		return 0;
	q = (abs(c) + step / 2) / step * step;
	if (q > 128 - step)
		q = 128 - step;
	return c < 0 ? -q : q;
}

/* The three high bands of level l start at (2^l, 2^l), (0, 2^l) and
 * (2^l, 0) and repeat every 2^(l+1) in both directions. */
static void zyw_filter(struct zywrle_state *st, int w, int h, int l)
{
	const uint8_t *q = zyw_step[st->level - 1][l];
	int s = 2 << l, band, x, y, k, i;

	for (band = 1; band < 4; band++) {
		for (y = band & 2 ? s / 2 : 0; y < h; y += s) {
			for (x = band & 1 ? s / 2 : 0; x < w; x += s) {
				i = y * w + x;
				for (k = 0; k < 3; k++)
					st->coef[k][i] = zyw_quantise(
						st->coef[k][i], q[k != 1]);
			}
		}
	}
}

static void zyw_transform(struct zywrle_state *st, int w, int h)
{
	int l, x, y, k;

	for (l = 0; l < st->level; l++) {
		for (k = 0; k < 3; k++) {
			for (y = 0; y < h; y += 1 << l)
				zyw_line(st->coef[k] + y * w, 1, w, l);
			for (x = 0; x < w; x += 1 << l)
				zyw_line(st->coef[k] + x, w, h, l);
		}
		zyw_filter(st, w, h, l);
	}
}

/* A coefficient triple as a client pixel value. */
static uint32_t zyw_pixel(const struct zywrle_state *st, int i)
{
	uint32_t v = 0;
	unsigned k;

	for (k = 0; k < 3; k++)
		v |= (uint32_t)((uint8_t)st->coef[k][i] >>
				(8 - st->lay.bits[k]))
		     << st->lay.shift[k];
	return v;
}

/* Band `band` of level l (0: low band), in raster order. */
static uint32_t *zyw_put_band(const struct zywrle_state *st, uint32_t *o,
			      int w, int h, int l, int band)
{
	int s = 2 << l, x, y;

	for (y = band & 2 ? s / 2 : 0; y < h; y += s)
		for (x = band & 1 ? s / 2 : 0; x < w; x += s)
			*o++ = zyw_pixel(st, y * w + x);
	return o;
}

/* Pixels of the tile in rows y0..y1-1, columns x0..x1-1, unchanged. */
static uint32_t *zyw_put_plain(const struct enc_rle_tile *t, uint32_t *o,
			       int x0, int x1, int y0, int y1)
{
	int x, y;

	for (y = y0; y < y1; y++)
		for (x = x0; x < x1; x++)
			*o++ = t->px[y * t->w + x];
	return o;
}

/* Replace the tile's pixels by their coefficients (see the top). */
static void zyw_analyse(struct zywrle_state *st, struct enc_rle_tile *t)
{
	int mask = (1 << st->level) - 1, w = t->w & ~mask, h = t->h & ~mask;
	uint32_t *o = st->px;
	int l;

	if (!w || !h)
		return;
	zyw_to_yuv(st, t->px, t->w, w, h);
	zyw_transform(st, w, h);
	for (l = 0; l < st->level; l++) {
		o = zyw_put_band(st, o, w, h, l, 3);
		o = zyw_put_band(st, o, w, h, l, 2);
		o = zyw_put_band(st, o, w, h, l, 1);
	}
	o = zyw_put_band(st, o, w, h, st->level - 1, 0);
	o = zyw_put_plain(t, o, w, t->w, 0, h);
	o = zyw_put_plain(t, o, 0, w, h, t->h);
	zyw_put_plain(t, o, w, t->w, h, t->h);
	memcpy(t->px, st->px, t->n * sizeof(*t->px));
}

/* Tiles that beat raw losslessly go as in ZRLE.  The rest get the
 * wavelet, where allowed; raw counts as smaller than it is, since
 * quantised coefficients compress well.  Lossless mode never sends raw:
 * plain RLE always exists. */
static void zywrle_put_tile(void *ctx, struct buf *b, struct enc_rle_tile *t,
			    const struct enc_rle_cpixel *c)
{
	struct zywrle_state *st = ctx;
	size_t raw = t->n * c->bytes, size;
	enum enc_rle_kind kind;

	if (st->mode == ZYW_LOSSLESS)
		raw = SIZE_MAX;
	else if (st->mode == ZYW_WAVELET)
		raw >>= st->level;
	kind = enc_rle_choose(t, c->bytes, raw, &size);
	if (kind != ENC_RLE_RAW || st->mode == ZYW_PLAIN) {
		enc_rle_put_tile(b, t, c, kind);
		return;
	}
	buf_put_u8(b, 0);
	zyw_analyse(st, t);
	enc_rle_tile_analyse(t);
	kind = enc_rle_choose(t, c->bytes, t->n * c->bytes, &size);
	enc_rle_put_tile(b, t, c, kind);
	st->lossy = true;
}

static int zywrle_encode(void *state, const struct enc_params *p,
			 const struct rfb_rect *r, struct buf *out)
{
	struct zywrle_state *st = state;
	int ret;

	if (!st)
		return -1;
	zyw_mode_init(st, p);
	st->lossy = false;
	ret = enc_zrle_rect(st->zrle, p, r, out, ENC_ZYWRLE, zywrle_put_tile,
			    st);
	if (st->lossy && p->lossy)
		*p->lossy = true;
	return ret;
}

static void *zywrle_state_new(void)
{
	struct zywrle_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->zrle = enc_zrle_state_new();
	if (!st->zrle) {
		free(st);
		return NULL;
	}
	return st;
}

static void zywrle_state_free(void *state)
{
	struct zywrle_state *st = state;

	if (!st)
		return;
	enc_zrle_state_free(st->zrle);
	free(st);
}

const struct enc_ops enc_zywrle_ops = {
	.type = ENC_ZYWRLE,
	.name = "zywrle",
	.state_new = zywrle_state_new,
	.state_free = zywrle_state_free,
	.encode = zywrle_encode,
};
