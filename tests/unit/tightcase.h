/* The fixture and decoder of the Tight tests (test_tight.c,
 * test_tight_groups.c): a framebuffer wider than Tight's 2048 with a
 * stride of its own, client formats with their TPIXEL sizes worked out by
 * hand, picture patterns, and a small decoder written from the spec
 * (rfbproto "Tight Encoding") that counts the kinds of rectangle it sees.
 * Header-only, with one static decoder `dec`: include it from one test
 * file. */
#ifndef XRFB_TESTS_TIGHTCASE_H
#define XRFB_TESTS_TIGHTCASE_H

#include "encode/encoder.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#define ZLIB_CONST
#include <turbojpeg.h>
#include <zlib.h>

#include "unit.h"

#define FB_W 2100 /* wider than Tight's 2048 */
#define FB_H 260
#define FB_STRIDE 2112 /* stride > width: the encoder must honour it */

static uint32_t fb_px[FB_STRIDE * FB_H];
static const struct rfb_fb fb = { fb_px, FB_W, FB_H, FB_STRIDE };

#define PF(bpp_, depth_, be_, rm, gm, bm, rs, gs, bs)                          \
	{                                                                      \
		.bpp = bpp_, .depth = depth_, .big_endian = be_,               \
		.true_colour = true, .rmax = rm, .gmax = gm, .bmax = bm,       \
		.rshift = rs, .gshift = gs, .bshift = bs                       \
	}

/* A client format and its TPIXEL size, worked out by hand: 3 only for
 * 32 bpp, depth 24, 8-bit channels. */
struct fmt_case {
	const char *name;
	struct rfb_pixfmt pf;
	unsigned tpx;
};

static const struct fmt_case fmts[] = {
	{ "32LE rgb888", PF(32, 24, 0, 255, 255, 255, 16, 8, 0), 3 },
	{ "32BE rgb888", PF(32, 24, 1, 255, 255, 255, 16, 8, 0), 3 },
	{ "32LE rgb888@24", PF(32, 24, 0, 255, 255, 255, 24, 16, 8), 3 },
	{ "32BE rgb888@24", PF(32, 24, 1, 255, 255, 255, 24, 16, 8), 3 },
	{ "32LE bgr888", PF(32, 24, 0, 255, 255, 255, 0, 8, 16), 3 },
	{ "32LE depth 32", PF(32, 32, 0, 255, 255, 255, 16, 8, 0), 4 },
	{ "32BE 10-bit", PF(32, 30, 1, 1023, 1023, 1023, 20, 10, 0), 4 },
	{ "32LE rgb565", PF(32, 16, 0, 31, 63, 31, 11, 5, 0), 4 },
	{ "16LE rgb565", PF(16, 16, 0, 31, 63, 31, 11, 5, 0), 2 },
	{ "16BE rgb565", PF(16, 16, 1, 31, 63, 31, 11, 5, 0), 2 },
	{ "16LE rgb555", PF(16, 15, 0, 31, 31, 31, 10, 5, 0), 2 },
	{ "8 rgb332", PF(8, 8, 0, 7, 7, 3, 5, 2, 0), 1 },
	{ "8 bgr233", PF(8, 8, 1, 7, 7, 3, 0, 3, 6), 1 },
};

#define N_FMTS (sizeof(fmts) / sizeof(fmts[0]))
#define FMT_RGB888 0
#define FMT_BE24 3
#define FMT_DEPTH32 5
#define FMT_16LE 8
#define FMT_16BE 9
#define FMT_8 11

enum pattern {
	P_SOLID,
	P_PAL2,
	P_PAL5,
	P_PAL24,
	P_PAL30,
	P_PAL200,
	P_PAL300,
	P_NOISE,
	P_PHOTO,
	P_COUNT
};

static uint32_t rng_state = 0x2545f491;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Smooth colour gradients with a little grain: what JPEG is for. */
static uint32_t photo_pixel(int x, int y)
{
	int r = 128 + 100 * sin(x / 37.0) * cos(y / 23.0);
	int g = (x + 2 * y) / 4 % 256;
	int b = 128 + 90 * sin((x + y) / 51.0);

	r += rnd() % 9 - 4;
	g += rnd() % 9 - 4;
	return (uint32_t)(r & 255) << 16 | (uint32_t)(g & 255) << 8 | b;
}

static void fill(enum pattern p)
{
	static const unsigned npal[P_COUNT] = {
		[P_SOLID] = 1,	  [P_PAL2] = 2,	  [P_PAL5] = 5,
		[P_PAL24] = 24,	  [P_PAL30] = 30, [P_PAL200] = 200,
		[P_PAL300] = 300,
	};
	uint32_t pal[300];
	int x, y, i;

	for (i = 0; i < 300; i++)
		pal[i] = rnd() & 0xffffff;
	for (y = 0; y < FB_H; y++) {
		for (x = 0; x < FB_STRIDE; x++) {
			uint32_t *px = &fb_px[y * FB_STRIDE + x];

			if (x >= FB_W)
				*px = 0xff00ff; /* past the width: never sent */
			else if (p == P_NOISE)
				*px = rnd() & 0xffffff;
			else if (p == P_PHOTO)
				*px = photo_pixel(x, y);
			else
				*px = pal[rnd() % npal[p]];
		}
	}
}

/* The client value for a server pixel: round(v * max / 255) per channel,
 * computed here rather than with the library's tables. */
static uint32_t expect_pixel(const struct rfb_pixfmt *pf, uint32_t rgb)
{
	uint32_t r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;

	return (uint32_t)(r * (double)pf->rmax / 255 + 0.5) << pf->rshift |
	       (uint32_t)(g * (double)pf->gmax / 255 + 0.5) << pf->gshift |
	       (uint32_t)(b * (double)pf->bmax / 255 + 0.5) << pf->bshift;
}

/* ---- the decoder ---- */

enum kind { K_FILL, K_JPEG, K_MONO, K_INDEXED, K_COPY, K_COUNT };

struct dec {
	const struct fmt_case *fc;
	z_stream zs[4];
	unsigned active; /* bit i: zs[i] initialised */
	tjhandle tj;
	uint32_t px[FB_W * FB_H];   /* client pixel values */
	uint32_t rgb[FB_W * FB_H];  /* what JPEG rectangles decoded to */
	uint8_t cover[FB_W * FB_H]; /* times each pixel was painted */
	uint8_t buf[FB_W * FB_H * 4 + 1];
	/* what the last rectangle was, and counts over everything */
	enum kind kind;
	unsigned resets;      /* the last rectangle's */
	unsigned resets_seen; /* all since cleared */
	struct rfb_rect r;
	unsigned kinds[K_COUNT], len_bytes[4], small;
	size_t area[K_COUNT]; /* pixels sent as each kind */
	unsigned sids; /* bit i: stream i inflated or reset, since cleared */
};

static struct dec dec;

/* Forget what was counted, keep the streams. */
static void dec_clear_counts(void)
{
	memset(dec.kinds, 0, sizeof(dec.kinds));
	memset(dec.area, 0, sizeof(dec.area));
	memset(dec.len_bytes, 0, sizeof(dec.len_bytes));
	dec.small = 0;
}

static void dec_init(const struct fmt_case *fc)
{
	dec.fc = fc;
	dec.active = 0;
	dec_clear_counts();
	if (!dec.tj)
		dec.tj = tjInitDecompress();
}

static void dec_fini(void)
{
	int i;

	for (i = 0; i < 4; i++)
		if (dec.active & (1u << i))
			inflateEnd(&dec.zs[i]);
	dec.active = 0;
}

static uint32_t get_bytes(const uint8_t *p, unsigned n, bool be)
{
	uint32_t v = 0;
	unsigned k;

	for (k = 0; k < n; k++)
		v |= (uint32_t)p[k] << 8 * (be ? n - 1 - k : k);
	return v;
}

/* A TPIXEL's client value. */
static uint32_t tpixel_at(const uint8_t *p)
{
	const struct rfb_pixfmt *pf = &dec.fc->pf;

	if (dec.fc->tpx == 3)
		return (uint32_t)p[0] << pf->rshift |
		       (uint32_t)p[1] << pf->gshift |
		       (uint32_t)p[2] << pf->bshift;
	return get_bytes(p, dec.fc->tpx, pf->big_endian);
}

static uint32_t dec_tpixel(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, dec.fc->tpx);

	return p ? tpixel_at(p) : 0;
}

static size_t dec_compact_len(struct rd *r)
{
	size_t len = 0;
	unsigned i;
	uint8_t b;

	for (i = 0; i < 3; i++) {
		b = rd_u8(r);
		len |= (size_t)(i < 2 ? b & 0x7f : b) << 7 * i;
		if (i == 2 || !(b & 0x80))
			break;
	}
	dec.len_bytes[i + 1]++;
	return len;
}

static void dec_paint(int i, uint32_t v)
{
	int x = dec.r.x + i % dec.r.w, y = dec.r.y + i / dec.r.w;

	dec.px[y * FB_W + x] = v;
	dec.cover[y * FB_W + x]++;
}

static bool dec_jpeg(struct rd *r)
{
	size_t len = dec_compact_len(r), i, n = (size_t)dec.r.w * dec.r.h;
	const uint8_t *p = rd_bytes(r, len);
	uint8_t *o = dec.buf;
	int x, y;

	if (!CHECK(p) || !CHECK(dec.fc->pf.bpp != 8) ||
	    !CHECK(tjDecompress2(dec.tj, p, len, dec.buf, dec.r.w, 0, dec.r.h,
				 TJPF_RGB, 0) == 0))
		return false;
	for (i = 0; i < n; i++, o += 3) {
		x = dec.r.x + i % dec.r.w;
		y = dec.r.y + i / dec.r.w;
		dec.rgb[y * FB_W + x] = o[0] << 16 | o[1] << 8 | o[2];
		dec_paint(i, 0);
	}
	return true;
}

/* Inflate exactly `len` bytes of filtered data into dec.buf, or take them
 * as they are when there are fewer than 12. */
static bool dec_data(struct rd *r, int sid, size_t len)
{
	z_stream *zs = &dec.zs[sid];
	const uint8_t *p;
	size_t clen;

	if (len < 12) {
		dec.small++;
		p = rd_bytes(r, len);
		return CHECK(p) && memcpy(dec.buf, p, len);
	}
	clen = dec_compact_len(r);
	p = rd_bytes(r, clen);
	if (!CHECK(p))
		return false;
	dec.sids |= 1u << sid;
	if (!(dec.active & (1u << sid))) {
		memset(zs, 0, sizeof(*zs));
		if (!CHECK(inflateInit(zs) == Z_OK))
			return false;
		dec.active |= 1u << sid;
	}
	zs->next_in = p;
	zs->avail_in = clen;
	zs->next_out = dec.buf;
	zs->avail_out = len + 1; /* room to spare: see that no more comes */
	return CHECK(inflate(zs, Z_SYNC_FLUSH) == Z_OK) &&
	       CHECK_EQ(zs->avail_in, 0) && CHECK_EQ(zs->avail_out, 1);
}

/* BasicCompression: optional filter id, palette, then pixel data. */
static bool dec_basic(struct rd *r, unsigned ctl)
{
	size_t n = (size_t)dec.r.w * dec.r.h, i, row;
	unsigned filter = ctl & 4 ? rd_u8(r) : 0, npal = 0, bits;
	uint32_t pal[256];

	if (!CHECK(filter <= 1))
		return false;
	if (filter == 1) {
		npal = rd_u8(r) + 1;
		if (!CHECK(npal >= 2))
			return false;
		for (i = 0; i < npal; i++)
			pal[i] = dec_tpixel(r);
	}
	bits = filter == 0 ? dec.fc->tpx * 8 : npal == 2 ? 1 : 8;
	row = (dec.r.w * bits + 7) / 8;
	dec.kind = filter == 0 ? K_COPY : npal == 2 ? K_MONO : K_INDEXED;
	if (!dec_data(r, ctl & 3, dec.r.h * row))
		return false;
	for (i = 0; i < n; i++) {
		int x = i % dec.r.w, y = i / dec.r.w;
		const uint8_t *p = dec.buf + y * row;

		if (dec.kind == K_COPY)
			dec_paint(i, tpixel_at(p + x * dec.fc->tpx));
		if (dec.kind == K_MONO)
			dec_paint(i, pal[p[x / 8] >> (7 - x % 8) & 1]);
		if (dec.kind == K_INDEXED && p[x] >= npal)
			return CHECKF(false, "index %u of %u", p[x], npal);
		if (dec.kind == K_INDEXED)
			dec_paint(i, pal[p[x]]);
	}
	return true;
}

/* One rectangle: header, compression control, subencoding. */
static bool dec_rect(struct rd *r)
{
	unsigned ctl, i;
	uint32_t v;

	dec.r.x = rd_u16(r);
	dec.r.y = rd_u16(r);
	dec.r.w = rd_u16(r);
	dec.r.h = rd_u16(r);
	if (!CHECK_EQ(rd_u32(r), ENC_TIGHT) ||
	    !CHECK(dec.r.x + dec.r.w <= FB_W && dec.r.y + dec.r.h <= FB_H) ||
	    !CHECK(dec.r.w <= 2048 && dec.r.w * dec.r.h <= 65536))
		return false;
	ctl = rd_u8(r);
	dec.resets = ctl & 15;
	dec.sids |= dec.resets;
	dec.resets_seen |= dec.resets;
	for (i = 0; i < 4; i++) {
		if ((ctl & (1u << i)) && (dec.active & (1u << i))) {
			inflateEnd(&dec.zs[i]);
			dec.active &= ~(1u << i);
		}
	}
	ctl >>= 4;
	if (ctl == 8) {
		dec.kind = K_FILL;
		v = dec_tpixel(r);
		for (i = 0; i < (unsigned)dec.r.w * dec.r.h; i++)
			dec_paint(i, v);
	} else if (ctl == 9) {
		dec.kind = K_JPEG;
		if (!dec_jpeg(r))
			return false;
	} else if (!CHECK(ctl < 8) || !dec_basic(r, ctl)) {
		return false;
	}
	dec.kinds[dec.kind]++;
	dec.area[dec.kind] += (size_t)dec.r.w * dec.r.h;
	return !r->overrun;
}

/* Encode `rect` and decode all of it; -1 on any failure, else the number
 * of rectangles.  Every pixel of `rect` must be painted exactly once. */
static int round_trip(void *st, const struct rfb_rect *rect, int level,
		      int quality, size_t *size)
{
	struct rfb_pixconv pc;
	struct enc_params p = { &fb, &pc, level, quality, NULL, false };
	struct buf out;
	struct rd r;
	int n, i, x, y;
	size_t bad = 0;
	bool ok = true;

	rfb_pixconv_init(&pc, &dec.fc->pf);
	buf_init(&out);
	memset(dec.cover, 0, sizeof(dec.cover));
	n = enc_tight_ops.encode(st, &p, rect, &out);
	if (size)
		*size = out.len;
	rd_init(&r, out.data, out.len);
	for (i = 0; i < n && ok; i++)
		ok = dec_rect(&r);
	ok = CHECK(n >= 0) && ok && CHECK_EQ(rd_left(&r), 0);
	for (y = rect->y; y < rect->y + rect->h && ok; y++)
		for (x = rect->x; x < rect->x + rect->w; x++)
			bad += dec.cover[y * FB_W + x] != 1;
	ok = ok &&
	     CHECKF(!bad, "%s: %zu pixels not painted once", dec.fc->name, bad);
	buf_free(&out);
	return ok ? n : -1;
}

/* The decoded pixels of `rect` equal the source, converted. */
static bool same_pixels(const struct rfb_rect *rect)
{
	int x, y;

	for (y = rect->y; y < rect->y + rect->h; y++) {
		for (x = rect->x; x < rect->x + rect->w; x++) {
			uint32_t want = expect_pixel(&dec.fc->pf,
						     fb_px[y * FB_STRIDE + x]);

			if (dec.px[y * FB_W + x] != want)
				return CHECKF(false,
					      "%s: (%d,%d) is %08x, not %08x",
					      dec.fc->name, x, y,
					      dec.px[y * FB_W + x], want);
		}
	}
	return true;
}

#endif
