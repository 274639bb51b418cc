/* The Tight encoder, checked by round trips through a small decoder written
 * here from the spec (rfbproto "Tight Encoding"): lossless rectangles must
 * come back pixel for pixel in every client format, JPEG ones close to the
 * source (PSNR), through one encoder state and one decoder so that the
 * four zlib streams carry over from rectangle to rectangle.  A few byte
 * layouts (TPIXEL, uncompressed data, palettes) are checked by hand. */
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

/* ---- tests ---- */

static const struct rfb_rect rects[] = {
	{ 0, 0, 1, 1 },	       { 2099, 259, 1, 1 }, { 1, 2, 3, 1 },
	{ 5, 5, 4, 1 },	       { 0, 0, 7, 3 },	    { 13, 17, 61, 67 },
	{ 100, 50, 257, 130 }, { 0, 0, 300, 250 },  { 3, 3, 0, 5 },
	{ 40, 7, 2060, 9 },
};

#define N_RECTS (sizeof(rects) / sizeof(rects[0]))

/* Lossless: every format, pattern and rectangle, pixel for pixel, all
 * through one state and one decoder per format. */
static void test_lossless(void)
{
	const struct rfb_rect *r;
	size_t f, i;
	int pat, n;
	void *st;

	for (f = 0; f < N_FMTS; f++) {
		st = enc_tight_ops.state_new();
		dec_init(&fmts[f]);
		for (pat = 0; pat < P_COUNT; pat++) {
			fill(pat);
			for (i = 0, r = rects; i < N_RECTS; i++, r++) {
				n = round_trip(st, r, -1, -1, NULL);
				if (!CHECKF(n >= 0 && same_pixels(r),
					    "%s pattern %d rect %zu",
					    fmts[f].name, pat, i))
					break;
			}
		}
		/* each path was taken, JPEG never */
		CHECK(dec.kinds[K_FILL] && dec.kinds[K_COPY] && dec.small &&
		      !dec.kinds[K_JPEG]);
		CHECK(fmts[f].pf.bpp == 8 ||
		      (dec.kinds[K_MONO] && dec.kinds[K_INDEXED]));
		CHECK(dec.len_bytes[1] && dec.len_bytes[2] && dec.len_bytes[3]);
		dec_fini();
		enc_tight_ops.state_free(st);
	}
}

/* The kind chosen for an area of each pattern: all of its rectangles
 * (a palette bound may cut it in several) are of that kind. */
static void check_kind(size_t f, enum pattern pat, int level, int quality,
		       const struct rfb_rect *r, enum kind want)
{
	void *st = enc_tight_ops.state_new();
	int n;

	dec_init(&fmts[f]);
	fill(pat);
	n = round_trip(st, r, level, quality, NULL);
	CHECKF(n >= 1 && dec.kinds[want] == (unsigned)n,
	       "%s pattern %d level %d quality %d: %d rects, %u of kind %d",
	       fmts[f].name, pat, level, quality, n, dec.kinds[want], want);
	dec_fini();
	enc_tight_ops.state_free(st);
}

static void test_choice(void)
{
	const struct rfb_rect r = { 30, 20, 64, 64 }, tiny = { 0, 0, 16, 16 };

	check_kind(FMT_RGB888, P_SOLID, 6, -1, &r, K_FILL);
	check_kind(FMT_RGB888, P_PAL2, 6, -1, &r, K_MONO);
	check_kind(FMT_RGB888, P_PAL5, 6, -1, &r, K_INDEXED);
	check_kind(FMT_RGB888, P_PAL200, 6, -1, &r, K_INDEXED);
	check_kind(FMT_RGB888, P_PAL300, 6, -1, &r, K_COPY);
	check_kind(FMT_RGB888, P_NOISE, 6, -1, &r, K_COPY);
	/* with a quality level: JPEG once there are many colours */
	check_kind(FMT_RGB888, P_NOISE, 6, 5, &r, K_JPEG);
	check_kind(FMT_RGB888, P_PAL200, -1, 5, &r, K_JPEG);
	check_kind(FMT_RGB888, P_PAL30, 6, 5, &r, K_INDEXED);
	check_kind(FMT_RGB888, P_PAL30, 1, 5, &r, K_JPEG);
	check_kind(FMT_RGB888, P_PAL24, 1, 5, &r, K_INDEXED);
	check_kind(FMT_RGB888, P_SOLID, 6, 5, &r, K_FILL);
	check_kind(FMT_RGB888, P_NOISE, 6, 5, &tiny, K_COPY);
	check_kind(FMT_16BE, P_PHOTO, 6, 0, &r, K_JPEG);
	check_kind(FMT_16LE, P_PAL2, 6, 9, &r, K_MONO);
	/* JPEG needs 16 or 32 bpp; one byte per pixel is already indexed */
	check_kind(FMT_8, P_NOISE, 6, 9, &r, K_COPY);
	check_kind(FMT_8, P_PAL5, 6, 9, &r, K_COPY);
	check_kind(FMT_8, P_PAL2, 6, -1, &r, K_MONO);
}

/* Tiles that share their colours join into one rectangle however many
 * they are: a palette is counted on the union, not the sum. */
static void test_join_palettes(void)
{
	const struct rfb_rect r = { 0, 0, 1024, 64 }; /* 64 tiles */
	static const int quality[] = { -1, 5 };
	void *st;
	int n;

	fill(P_PAL30);
	for (size_t i = 0; i < 2; i++) {
		st = enc_tight_ops.state_new();
		dec_init(&fmts[FMT_RGB888]);
		n = round_trip(st, &r, 6, quality[i], NULL);
		CHECKF(n == 1 && dec.kinds[K_INDEXED] == 1 && same_pixels(&r),
		       "quality %d: %d rects", quality[i], n);
		dec_fini();
		enc_tight_ops.state_free(st);
	}
}

/* Indexed data that looks like a photo (most pixels unlike their
 * neighbours; 30 colours: Huffman-coded, 200: stored) and data that does
 * not take turns in one zlib stream, which changes its parameters between
 * them: every rectangle decodes. */
static void test_noisy_indexed(void)
{
	static const struct rfb_rect rs[] = {
		{ 0, 0, 256, 64 },   /* 30 colours at random */
		{ 0, 64, 256, 64 },  /* 30 in diagonal stripes */
		{ 0, 128, 256, 64 }, /* 200 at random */
	};
	uint32_t pal[200];
	void *st = enc_tight_ops.state_new();
	int i, x, y, n;

	fill(P_PAL30);
	for (i = 0; i < 200; i++)
		pal[i] = rnd() & 0xffffff;
	for (y = 64; y < 192; y++)
		for (x = 0; x < 256; x++)
			fb_px[y * FB_STRIDE + x] =
				y < 128 ? fb_px[(x / 8 + y / 4) % 30] :
					  pal[rnd() % 200];
	dec_init(&fmts[FMT_RGB888]);
	for (i = 0; i < 9; i++) {
		const struct rfb_rect *r = &rs[i * 2 % 3];

		dec_clear_counts();
		n = round_trip(st, r, 2, -1, NULL);
		CHECKF(n > 0 && same_pixels(r) && dec.kinds[K_INDEXED] == (unsigned)n,
		       "turn %d: %d rects, %u indexed", i, n,
		       dec.kinds[K_INDEXED]);
	}
	dec_fini();
	enc_tight_ops.state_free(st);
}

static const uint8_t *encode_one(void *st, size_t f, const struct rfb_rect *r,
				 struct buf *out)
{
	struct rfb_pixconv pc;
	struct enc_params p = { &fb, &pc, 6, -1, NULL, false };

	rfb_pixconv_init(&pc, &fmts[f].pf);
	buf_clear(out);
	if (!CHECK_EQ(enc_tight_ops.encode(st, &p, r, out), 1) ||
	    !CHECK(out->len >= 13))
		return NULL;
	return out->data + 12; /* past the rectangle header */
}

/* TPIXEL and FillCompression bytes, worked out by hand from the spec. */
static void test_fill_bytes(void)
{
	static const struct {
		size_t f;
		unsigned n;
		uint8_t b[4];
	} cases[] = {
		{ FMT_RGB888, 3, { 0x12, 0x34, 0x56 } },
		{ FMT_BE24, 3, { 0x12, 0x34, 0x56 } },
		{ 4 /* bgr888: still R, G, B */, 3, { 0x12, 0x34, 0x56 } },
		{ FMT_DEPTH32, 4, { 0x56, 0x34, 0x12, 0 } },
		/* r 0x12 -> 2, g 0x34 -> 13, b 0x56 -> 10: 0x11aa */
		{ FMT_16LE, 2, { 0xaa, 0x11 } },
		{ FMT_16BE, 2, { 0x11, 0xaa } },
	};
	const struct rfb_rect r = { 7, 9, 33, 21 };
	struct buf out;
	const uint8_t *p;
	size_t i;
	int x, y;
	void *st = enc_tight_ops.state_new();

	buf_init(&out);
	for (y = 0; y < FB_H; y++)
		for (x = 0; x < FB_W; x++)
			fb_px[y * FB_STRIDE + x] = 0x123456;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = encode_one(st, cases[i].f, &r, &out);
		if (!p)
			continue;
		CHECKF(out.len == 13 + cases[i].n && p[0] == 0x80 &&
			       !memcmp(p + 1, cases[i].b, cases[i].n),
		       "fill in %s", fmts[cases[i].f].name);
	}
	buf_free(&out);
	enc_tight_ops.state_free(st);
}

/* Data under 12 bytes goes as is; 12 and more through zlib. */
static void test_small_bytes(void)
{
	/* blue, red, blue x 7, red: 1 bit each, MSB first, padded */
	static const uint8_t mono[] = { 0x40 | 0x10, 1, 1, 0,	 0,   0xff,
					0xff,	     0, 0, 0x40, 0x40 };
	const struct rfb_rect r3 = { 0, 0, 3, 1 }, r4 = { 0, 0, 4, 1 };
	const struct rfb_rect r10 = { 0, 0, 10, 1 }, r11 = { 0, 0, 11, 1 };
	struct buf out;
	const uint8_t *p;
	int i;
	void *st = enc_tight_ops.state_new();

	buf_init(&out);
	for (i = 0; i < 11; i++)
		fb_px[i] = i * 0x1a3b5d;
	/* 11 bytes at 8 bpp, copy filter: as is, stream 0 untouched */
	p = encode_one(st, FMT_8, &r11, &out);
	CHECK(p && out.len == 13 + 11 && p[0] == 0x00);
	for (i = 0; p && i < 11; i++)
		CHECK_EQ(p[1 + i], expect_pixel(&fmts[FMT_8].pf, fb_px[i]));
	fb_px[0] = 0x0000ff;
	fb_px[1] = 0xff0000;
	fb_px[2] = 0x00ff00;
	fb_px[3] = 0x123456;
	/* 3 colours, copy filter: 9 bytes of R, G, B */
	p = encode_one(st, FMT_RGB888, &r3, &out);
	CHECK(p && out.len == 13 + 9 && p[0] == 0x00 &&
	      !memcmp(p + 1, "\0\0\xff\xff\0\0\0\xff\0", 9));
	/* 12 bytes: zlib, with the reset bit of stream 0's first use */
	p = encode_one(st, FMT_RGB888, &r4, &out);
	CHECK(p && p[0] == 0x01 && p[1] == out.len - 14);
	/* mono, stream 1, palette blue then red */
	for (i = 2; i < 9; i++)
		fb_px[i] = 0x0000ff;
	fb_px[9] = 0xff0000;
	p = encode_one(st, FMT_RGB888, &r10, &out);
	CHECK(p && out.len == 12 + sizeof(mono) &&
	      !memcmp(p, mono, sizeof(mono)));
	buf_free(&out);
	enc_tight_ops.state_free(st);
}

/* Random colours, each row but every third a copy of the one above: not
 * noisy enough to be taken for a photo, and not compressible by itself. */
static void fill_rows(void)
{
	fill(P_PAL30);
	for (int y = 0; y < FB_H; y++)
		if (y % 3)
			memcpy(&fb_px[y * FB_STRIDE], &fb_px[(y - 1) * FB_STRIDE],
			       FB_STRIDE * sizeof(*fb_px));
}

/* The streams last: the same rectangle again costs far less, resets are
 * only sent on a stream's first use, and a new encoder state for an old
 * decoder resets what it uses. */
static void test_streams(void)
{
	const struct rfb_rect r = { 10, 10, 120, 90 };
	size_t first, second, f;
	void *st;

	for (f = 0; f < N_FMTS; f++) {
		st = enc_tight_ops.state_new();
		dec_init(&fmts[f]);
		fill_rows();
		dec.sids = dec.resets_seen = 0;
		CHECK(round_trip(st, &r, 6, -1, &first) >= 1);
		CHECK(dec.sids == 1u << (fmts[f].pf.bpp == 8 ? 0 : 2));
		CHECK(dec.resets_seen == dec.sids);
		dec.resets_seen = 0;
		CHECK(round_trip(st, &r, 6, -1, &second) >= 1);
		CHECK(dec.resets_seen == 0 && same_pixels(&r));
		CHECKF(second * 4 < first, "%s: %zu then %zu bytes",
		       fmts[f].name, first, second);
		enc_tight_ops.state_free(st);
		st = enc_tight_ops.state_new();
		dec.resets_seen = 0;
		CHECK(round_trip(st, &r, 6, -1, NULL) >= 1 && dec.resets_seen &&
		      same_pixels(&r));
		enc_tight_ops.state_free(st);
		dec_fini();
	}
}

/* Compression levels, changed between rectangles of one stream. */
static void test_levels(void)
{
	static const int levels[] = { 0, 9, 1, -1, 3, 0 };
	const struct rfb_rect r = { 0, 0, 256, 200 };
	size_t size[6], i;
	int pat;
	void *st = enc_tight_ops.state_new();

	dec_init(&fmts[FMT_RGB888]);
	for (pat = P_PAL5; pat <= P_PAL300; pat += P_PAL300 - P_PAL5) {
		fill(pat);
		for (i = 0; i < 6; i++)
			CHECK(round_trip(st, &r, levels[i], -1, &size[i]) >=
				      1 &&
			      same_pixels(&r));
		CHECKF(size[1] < size[0] && size[5] > size[4],
		       "pattern %d: level 0 %zu, level 9 %zu bytes", pat,
		       size[0], size[1]);
	}
	dec_fini();
	enc_tight_ops.state_free(st);
}

/* Wider than 2048 or over 65536 pixels: several rectangles, each within
 * both limits (the decoder checks), together covering the area once.
 * One colour or noise everywhere: rows of tiles joined as far as the
 * limits let them. */
static void test_split(void)
{
	static const struct {
		struct rfb_rect r;
		int n;
	} cases[] = {
		/* 9 rows of 2048 x 32 (the last 4 high), and 52 x 260 */
		{ { 0, 0, FB_W, FB_H }, 10 },
		{ { 0, 0, 300, 250 }, 2 }, /* 300 x 192, 300 x 58 */
		{ { 40, 7, 2060, 9 }, 2 },
		{ { 1, 1, 256, 256 }, 1 },
		{ { 1, 1, 256, 257 }, 2 },
		{ { 0, 0, 272, 241 }, 2 }, /* 272 x 224, 272 x 17 */
	};
	size_t i;
	int pat, n;
	void *st = enc_tight_ops.state_new();

	dec_init(&fmts[FMT_16LE]);
	for (pat = 0; pat < P_COUNT; pat++) {
		fill(pat);
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			n = round_trip(st, &cases[i].r, 6, -1, NULL);
			CHECKF(n > 0 && same_pixels(&cases[i].r) &&
				       (n == cases[i].n ||
					(pat != P_SOLID && pat != P_NOISE)),
			       "pattern %d rect %zu: %d rects", pat, i, n);
		}
	}
	dec_fini();
	enc_tight_ops.state_free(st);
}

/* ---- one update cut into groups encoded at once ---- */

struct group_arg {
	void *st;
	int k, ngroups;
	const struct rfb_pixconv *pc;
	const struct rfb_rect *rects; /* the group's, in order */
	int nrects, count;
	struct buf out;
};

static void *group_thread(void *data)
{
	struct group_arg *a = data;
	struct enc_params p = { &fb, a->pc, 6, -1, NULL, false };
	int n;

	for (int i = 0; i < a->nrects; i++) {
		n = enc_tight_ops.encode_group(a->st, a->k, a->ngroups, &p,
					       &a->rects[i], &a->out);
		a->count = n < 0 || a->count < 0 ? -1 : a->count + n;
	}
	return NULL;
}

/* Encode the whole framebuffer as `ngroups` bands of two rectangles each
 * (left and right parts), every group on its own thread, then decode the
 * groups' outputs in group order with one decoder; sids[k] gets the
 * streams group k used or reset. */
static bool group_round_trip(void *st, int ngroups, unsigned *sids)
{
	struct rfb_pixconv pc;
	struct rfb_rect rr[4][2];
	struct group_arg a[4];
	pthread_t t[4];
	bool started[4];
	struct rd r;
	bool ok = true;
	int k, i;

	rfb_pixconv_init(&pc, &dec.fc->pf);
	memset(dec.cover, 0, sizeof(dec.cover));
	for (k = 0; k < ngroups; k++) {
		int y0 = FB_H * k / ngroups, y1 = FB_H * (k + 1) / ngroups;

		rr[k][0] = (struct rfb_rect){ 0, y0, 700, y1 - y0 };
		rr[k][1] = (struct rfb_rect){ 700, y0, FB_W - 700, y1 - y0 };
		memset(&a[k], 0, sizeof(a[k]));
		a[k] = (struct group_arg){ .st = st, .k = k,
					   .ngroups = ngroups, .pc = &pc,
					   .rects = rr[k], .nrects = 2 };
		buf_init(&a[k].out);
		started[k] = !pthread_create(&t[k], NULL, group_thread, &a[k]);
		if (!started[k])
			group_thread(&a[k]); /* then one after another */
	}
	for (k = 0; k < ngroups; k++)
		if (started[k])
			pthread_join(t[k], NULL);
	for (k = 0; k < ngroups; k++) {
		ok = ok && CHECKF(a[k].count > 0 && !a[k].out.failed,
				  "group %d of %d", k, ngroups);
		dec.sids = 0;
		rd_init(&r, a[k].out.data, a[k].out.len);
		for (i = 0; i < a[k].count && ok; i++)
			ok = dec_rect(&r);
		ok = ok && CHECK_EQ(rd_left(&r), 0);
		sids[k] = dec.sids;
		buf_free(&a[k].out);
	}
	for (i = 0; i < FB_W * FB_H && ok; i++)
		ok = CHECKF(dec.cover[i] == 1, "pixel %d painted %u times", i,
			    dec.cover[i]);
	return ok;
}

/* Several updates, cut into 2, 3 and 4 groups and whole in turn, through
 * one encoder state and one decoder: pixel for pixel, every time. */
static void test_groups_lossless(void)
{
	static const int plan[] = { 2, 2, 1, 3, 4, 2, 1, 4 };
	const struct rfb_rect all = { 0, 0, FB_W, FB_H };
	static const size_t fs[] = { FMT_RGB888, FMT_16BE, FMT_8 };
	unsigned sids[4];
	size_t f, i;

	for (f = 0; f < sizeof(fs) / sizeof(fs[0]); f++) {
		void *st = enc_tight_ops.state_new();

		dec_init(&fmts[fs[f]]);
		for (i = 0; i < sizeof(plan) / sizeof(plan[0]); i++) {
			fill(i % 2 ? P_PAL30 : i % 3 ? P_NOISE : P_PAL5);
			if (plan[i] == 1)
				CHECK(round_trip(st, &all, 6, -1, NULL) > 0);
			else
				CHECK(group_round_trip(st, plan[i], sids));
			if (!CHECKF(same_pixels(&all), "%s update %zu",
				    fmts[fs[f]].name, i))
				break;
		}
		CHECKF(dec.kinds[K_COPY] &&
			       (dec.kinds[K_INDEXED] || fmts[fs[f]].pf.bpp == 8),
		       "%s: %u indexed, %u copy", fmts[fs[f]].name,
		       dec.kinds[K_INDEXED], dec.kinds[K_COPY]);
		dec_fini();
		enc_tight_ops.state_free(st);
	}
}

/* Group k of n uses (and resets) only its own streams: k*4/n to
 * (k+1)*4/n - 1, so the groups' streams are disjoint. */
static void test_groups_streams(void)
{
	unsigned sids[4], seen;
	int n, k, pat;

	for (n = 2; n <= 4; n++) {
		void *st = enc_tight_ops.state_new();

		dec_init(&fmts[FMT_RGB888]);
		for (pat = 0; pat < 2; pat++) {
			/* full colour and palettes in every band */
			fill(pat ? P_PAL30 : P_NOISE);
			if (!CHECK(group_round_trip(st, n, sids)))
				break;
			seen = 0;
			for (k = 0; k < n; k++) {
				unsigned own = ((1u << (4 / n)) - 1)
					       << (k * (4 / n));

				CHECKF(sids[k] && !(sids[k] & ~own),
				       "%d groups: group %d used streams %#x",
				       n, k, sids[k]);
				CHECK(!(sids[k] & seen));
				seen |= sids[k];
			}
		}
		/* group sizes out of range are refused */
		{
			struct rfb_pixconv pc;
			struct enc_params p = { &fb, &pc, 6, -1, NULL, false };
			const struct rfb_rect r = { 0, 0, 8, 8 };
			struct buf out;

			rfb_pixconv_init(&pc, &fmts[FMT_RGB888].pf);
			buf_init(&out);
			CHECK(enc_tight_ops.encode_group(st, n, n, &p, &r,
							 &out) < 0);
			CHECK(enc_tight_ops.encode_group(st, 0, 5, &p, &r,
							 &out) < 0);
			buf_free(&out);
		}
		dec_fini();
		enc_tight_ops.state_free(st);
	}
	CHECK_EQ(enc_tight_ops.max_groups, 4);
}

static double psnr(const struct rfb_rect *r)
{
	double se = 0, d;
	int x, y, c;

	for (y = r->y; y < r->y + r->h; y++) {
		for (x = r->x; x < r->x + r->w; x++) {
			for (c = 0; c < 24; c += 8) {
				d = (int)(fb_px[y * FB_STRIDE + x] >> c & 255) -
				    (int)(dec.rgb[y * FB_W + x] >> c & 255);
				se += d * d;
			}
		}
	}
	se /= 3.0 * r->w * r->h;
	return se ? 10 * log10(255.0 * 255.0 / se) : 99;
}

/* JPEG in 16 and 32 bpp formats at every quality: close to the source,
 * closer and larger as quality rises; split like the rest. */
static void test_jpeg(void)
{
	static const size_t fs[] = { FMT_RGB888, FMT_BE24, FMT_DEPTH32,
				     7,		 FMT_16LE, FMT_16BE };
	const struct rfb_rect r = { 21, 13, 201, 151 },
			      big = { 0, 0, 300, 250 };
	size_t size[10], i;
	double q[10];
	int level;
	void *st;

	fill(P_PHOTO);
	for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		st = enc_tight_ops.state_new();
		dec_init(&fmts[fs[i]]);
		for (level = 0; level < 10; level++) {
			CHECK(round_trip(st, &r, 6, level, &size[level]) == 1 &&
			      dec.kind == K_JPEG);
			q[level] = psnr(&r);
		}
		CHECKF(q[9] > 45 && q[5] > 36 && q[0] > 29 && q[9] > q[5] &&
			       q[5] > q[0] && size[9] > size[5] &&
			       size[5] > size[0],
		       "%s: %.1f dB %zu bytes at 0, %.1f dB %zu bytes at 9",
		       fmts[fs[i]].name, q[0], size[0], q[9], size[9]);
		CHECK(round_trip(st, &big, 6, 9, NULL) == 2 &&
		      dec.kinds[K_JPEG] == 12 && psnr(&big) > 45);
		dec_fini();
		enc_tight_ops.state_free(st);
	}
}

/* ---- a screen: solid areas, text and a photo in one rectangle ---- */

#define SIDE_W 200				/* a solid side bar */
#define PHOTO_X 832				/* a photo, on the grid */
#define PHOTO_Y 64				/* of 64 x 64 squares */
#define PHOTO_W 384
#define PHOTO_H 128

/* Text in two colours on a light background right of the side bar, with
 * a blank margin on the right, and the photo over it. */
static void fill_screen(void)
{
	int x, y;

	for (y = 0; y < FB_H; y++) {
		for (x = 0; x < FB_W; x++) {
			uint32_t v = 0xeeeee0;

			if (x < SIDE_W)
				v = 0x303848;
			else if (x >= SIDE_W + 8 && x < FB_W - 120 &&
				 y % 14 > 2 && rnd() % 3 == 0)
				v = 0x141428; /* a glyph's pixel */
			if (x >= PHOTO_X && x < PHOTO_X + PHOTO_W &&
			    y >= PHOTO_Y && y < PHOTO_Y + PHOTO_H)
				v = photo_pixel(x, y);
			fb_px[y * FB_STRIDE + x] = v;
		}
	}
}

/* Everything but the photo decoded exactly. */
static bool same_outside_photo(void)
{
	const struct rfb_rect parts[] = {
		{ 0, 0, FB_W, PHOTO_Y },
		{ 0, PHOTO_Y + PHOTO_H, FB_W, FB_H - PHOTO_Y - PHOTO_H },
		{ 0, PHOTO_Y, PHOTO_X, PHOTO_H },
		{ PHOTO_X + PHOTO_W, PHOTO_Y, FB_W - PHOTO_X - PHOTO_W,
		  PHOTO_H },
	};
	bool ok = true;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		ok = same_pixels(&parts[i]) && ok;
	return ok;
}

/* Each part goes as its own kind: the side bar and the margin as fills,
 * the text at 1 bit per pixel, the photo alone as JPEG (or full colour
 * when lossless), in every 32-bit format and in groups. */
static void test_screen(void)
{
	static const size_t fs[] = { FMT_RGB888, FMT_BE24, 4, FMT_16LE };
	const struct rfb_rect all = { 0, 0, FB_W, FB_H };
	const size_t photo = (size_t)PHOTO_W * PHOTO_H;
	size_t i, lossless, jpeg;
	unsigned sids[4];
	void *st;

	fill_screen();
	for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		st = enc_tight_ops.state_new();
		dec_init(&fmts[fs[i]]);
		CHECK(round_trip(st, &all, 2, -1, &lossless) > 0 &&
		      same_pixels(&all));
		CHECKF(dec.area[K_COPY] == photo && !dec.kinds[K_JPEG] &&
			       dec.area[K_FILL] >= (size_t)SIDE_W * FB_H &&
			       dec.area[K_MONO] > (size_t)FB_W * FB_H / 2,
		       "%s lossless: fill %zu mono %zu indexed %zu copy %zu",
		       fmts[fs[i]].name, dec.area[K_FILL], dec.area[K_MONO],
		       dec.area[K_INDEXED], dec.area[K_COPY]);
		dec_clear_counts();
		CHECK(round_trip(st, &all, 2, 8, &jpeg) > 0 &&
		      same_outside_photo());
		CHECKF(dec.area[K_JPEG] == photo && !dec.kinds[K_COPY] &&
			       dec.area[K_FILL] >= (size_t)SIDE_W * FB_H &&
			       dec.area[K_MONO] > (size_t)FB_W * FB_H / 2 &&
			       (jpeg < lossless / 2 || fmts[fs[i]].tpx != 3),
		       "%s JPEG: fill %zu mono %zu jpeg %zu, %zu bytes "
		       "(lossless %zu)",
		       fmts[fs[i]].name, dec.area[K_FILL], dec.area[K_MONO],
		       dec.area[K_JPEG], jpeg, lossless);
		/* in groups too, lossless; bands are not on the photo's
		 * grid, so their tiles at its edges hold text too */
		dec_clear_counts();
		CHECK(group_round_trip(st, 3, sids) && same_pixels(&all));
		CHECK(dec.area[K_COPY] >= photo &&
		      dec.area[K_COPY] < photo * 3 / 2 && dec.area[K_MONO]);
		dec_fini();
		enc_tight_ops.state_free(st);
	}
}

int main(void)
{
	UNIT_RUN(test_lossless);
	UNIT_RUN(test_choice);
	UNIT_RUN(test_join_palettes);
	UNIT_RUN(test_noisy_indexed);
	UNIT_RUN(test_fill_bytes);
	UNIT_RUN(test_small_bytes);
	UNIT_RUN(test_streams);
	UNIT_RUN(test_levels);
	UNIT_RUN(test_split);
	UNIT_RUN(test_groups_lossless);
	UNIT_RUN(test_groups_streams);
	UNIT_RUN(test_jpeg);
	UNIT_RUN(test_screen);
	if (dec.tj)
		tjDestroy(dec.tj);
	return UNIT_DONE();
}
