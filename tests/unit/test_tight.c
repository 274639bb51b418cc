/* The Tight encoder, checked by round trips through a small decoder written
 * here from the spec (rfbproto "Tight Encoding"): lossless rectangles must
 * come back pixel for pixel in every client format, JPEG ones close to the
 * source (PSNR), through one encoder state and one decoder so that the
 * four zlib streams carry over from rectangle to rectangle.  A few byte
 * layouts (TPIXEL, uncompressed data, palettes) are checked by hand. */
#include "tightcase.h"

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
	if (dec.tj)
		tjDestroy(dec.tj);
	return UNIT_DONE();
}
