/* RRE, CoRRE, Hextile, zlib, TRLE and ZYWRLE, checked by round trips
 * through the strict decoders of rfbdec.h, for many client formats,
 * contents and rectangles, on one state per encoder as on a connection;
 * plus sizes, coverage of every subencoding, and ZYWRLE's modes.
 * libvncclient checks the same encoders end to end
 * (tests/support/decodecheck.c); this finds the cause. */
#include "encode/encoder.h"

#include <stdlib.h>

#include "rfbdec.h"
#include "unit.h"

#define FB_W 300
#define FB_H 200
#define FB_STRIDE 320

static uint32_t fb_px[FB_STRIDE * FB_H];
static const struct rfb_fb fb = { fb_px, FB_W, FB_H, FB_STRIDE };

static const struct fmt_case *const fmts = rfbdec_formats;
#define N_FMTS RFBDEC_N_FORMATS

static const struct rfb_rect rects[] = {
	{ 0, 0, 1, 1 },	    { 299, 199, 1, 1 },	  { 0, 0, 17, 33 },
	{ 10, 3, 130, 70 }, { 17, 29, 283, 150 }, { 0, 0, 300, 200 },
	{ 3, 3, 0, 5 },	    { 250, 100, 50, 37 },
};
#define N_RECTS (sizeof(rects) / sizeof(rects[0]))

enum pattern { P_NOISE, P_SOLID, P_TEXT, P_FEW, P_STRIPES, P_COUNT };

static uint32_t rng_state = 0x2545f491;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Text: ink dots and strokes on paper; few colours: rectangles and a
 * bar wider than 255 (CoRRE cuts it); stripes: two colours alternating
 * every 3 columns, worst case for subrectangles without being noise. */
static void fill(enum pattern p)
{
	static const uint32_t pal[] = { 0xd4d0c8, 0x0a246a, 0xffffff,
					0x808080, 0xe81123, 0x101010 };
	int x, y, i, rx, ry, rw, rh;

	for (i = 0; i < FB_STRIDE * FB_H; i++)
		fb_px[i] = p == P_NOISE ? rnd() & 0xffffff : pal[0];
	for (y = 0; y < FB_H; y++)
		for (x = 0; x < FB_W; x++)
			if ((p == P_TEXT && rnd() % 7 == 0) ||
			    (p == P_STRIPES && (x / 3 + y) % 2))
				fb_px[y * FB_STRIDE + x] = pal[5 - rnd() % 2];
	for (i = 0; p == P_FEW && i < 40; i++) {
		rw = 1 + rnd() % 150;
		rh = 1 + rnd() % 100;
		rx = rnd() % (FB_W - rw + 1);
		ry = rnd() % (FB_H - rh + 1);
		for (y = ry; y < ry + rh; y++)
			for (x = rx; x < rx + rw; x++)
				fb_px[y * FB_STRIDE + x] = pal[i % 5];
	}
	for (x = 0; p == P_FEW && x < FB_W; x++)
		fb_px[80 * FB_STRIDE + x] = pal[1];
}

/* round(v * max / 255) per channel, computed here, not with the tables */
static uint32_t expect_pixel(const struct rfb_pixfmt *pf, uint32_t rgb)
{
	uint32_t r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;

	return (uint32_t)(r * (double)pf->rmax / 255 + 0.5) << pf->rshift |
	       (uint32_t)(g * (double)pf->gmax / 255 + 0.5) << pf->gshift |
	       (uint32_t)(b * (double)pf->bmax / 255 + 0.5) << pf->bshift;
}

/* ---- the round trips ---- */

/* The `n` rectangles an encoder wrote for rc: each of `type` (or Raw,
 * which RRE and CoRRE may fall back to), together covering rc exactly
 * once.  *lossy: a ZYWRLE tile carried coefficients. */
static bool dec_rects(struct rd *in, const struct rfb_rect *rc, int32_t type,
		      int n, uint32_t *got, bool *lossy)
{
	static uint32_t piece[FB_W * FB_H];
	static uint8_t cover[FB_W * FB_H];
	bool rre = type == ENC_RRE || type == ENC_CORRE;
	struct rfb_rect pr;
	int32_t t;
	int i, y, x;

	memset(cover, 0, sizeof(cover));
	for (i = 0; i < n; i++) {
		pr.x = rd_u16(in) - rc->x;
		pr.y = rd_u16(in) - rc->y;
		pr.w = rd_u16(in);
		pr.h = rd_u16(in);
		t = (int32_t)rd_u32(in);
		if ((t != type && !(rre && t == ENC_RAW)) || pr.x < 0 ||
		    pr.y < 0 || pr.x + pr.w > rc->w || pr.y + pr.h > rc->h ||
		    (type == ENC_CORRE && (pr.w > 255 || pr.h > 255)))
			return false;
		dec.seen.types[t]++;
		if (!dec_body(in, &pr, t, piece, lossy))
			return false;
		for (y = 0; y < pr.h; y++) {
			for (x = 0; x < pr.w; x++) {
				if (cover[(pr.y + y) * rc->w + pr.x + x]++)
					return false;
				got[(pr.y + y) * rc->w + pr.x + x] =
					piece[y * pr.w + x];
			}
		}
	}
	for (i = 0; i < rc->w * rc->h; i++)
		if (cover[i] != 1)
			return false;
	return true;
}

static long first_wrong(const struct rfb_pixfmt *pf,
			const struct rfb_rect *rc, const uint32_t *got)
{
	long i, n = (long)rc->w * rc->h;
	int x, y;

	for (i = 0; i < n; i++) {
		x = rc->x + i % rc->w;
		y = rc->y + i / rc->w;
		if (got[i] != expect_pixel(pf, fb_px[y * FB_STRIDE + x]))
			return i;
	}
	return -1;
}

/* One encoder with its own state and the decoder's own zlib stream, as
 * on one connection; the compression level changes as it goes. */
struct enc_case {
	const struct enc_ops *ops;
	int quality;
	void *state;
	int calls;
	unsigned lossy_rects;
};

/* Encode every rectangle into one buffer (after a stand-in message
 * header, so encoders must append), then decode them all in order. */
static bool round_trip(struct enc_case *ec, const struct fmt_case *fc,
		       int pattern)
{
	static uint32_t got[FB_W * FB_H];
	int counts[N_RECTS];
	struct rfb_pixconv pc;
	struct enc_params p = { .fb = &fb,
				.pc = &pc,
				.compress_level = ec->calls++ % 11 - 1,
				.quality = ec->quality };
	const char *name = ec->ops->name;
	struct buf out;
	struct rd in;
	bool ok = true, lossy;
	size_t i;
	long bad;

	rfb_pixconv_init(&pc, &fc->pf);
	buf_init(&out);
	buf_put_u32(&out, 0);
	for (i = 0; i < N_RECTS; i++) {
		counts[i] = ec->ops->encode(ec->state, &p, &rects[i], &out);
		ok &= CHECKF(counts[i] >= 1, "%s %s pattern %d: encode failed",
			     name, fc->name, pattern);
	}
	dec.fc = fc;
	rd_init(&in, out.data + 4, out.len - 4);
	for (i = 0; i < N_RECTS && ok; i++) {
		lossy = false;
		ok = CHECKF(dec_rects(&in, &rects[i], ec->ops->type, counts[i],
				      got, &lossy),
			    "%s %s pattern %d rect %zu: undecodable", name,
			    fc->name, pattern, i);
		ec->lossy_rects += lossy;
		bad = ok && !lossy ? first_wrong(&fc->pf, &rects[i], got) : -1;
		ok = ok && CHECKF(bad < 0,
				  "%s %s pattern %d rect %zu: pixel %ld wrong",
				  name, fc->name, pattern, i, bad);
	}
	ok = ok && CHECKF(!rd_left(&in), "%s %s pattern %d: %zu bytes left",
			  name, fc->name, pattern, rd_left(&in));
	buf_free(&out);
	return ok;
}

/* ZYWRLE's wavelet only where libvncclient can invert it. */
static bool zywrle_format(const struct rfb_pixfmt *pf)
{
	return !pf->big_endian &&
	       ((pf->bpp == 32 && pf->rmax == 255 && pf->rshift == 16) ||
		(pf->bpp == 16 && pf->gmax == 63));
}

static void run_case(struct enc_case *ec)
{
	size_t f;
	int p;
	bool ok = true;

	if (ec->ops->state_new && !CHECK((ec->state = ec->ops->state_new())))
		return;
	dec.trle = ec->ops->type == ENC_TRLE;
	dec.zywrle = ec->ops->type == ENC_ZYWRLE;
	inflateReset(&dec.zs);
	for (f = 0; f < N_FMTS && ok; f++) {
		ec->lossy_rects = 0;
		for (p = 0; p < P_COUNT && ok; p++) {
			fill(p);
			ok = round_trip(ec, &fmts[f], p);
		}
		/* lossless, without subencoding 0, at q9, without a
		 * quality and where the wavelet cannot go */
		if (dec.zywrle && (ec->quality < 0 || ec->quality == 9 ||
				   !zywrle_format(&fmts[f].pf)))
			CHECKF(!ec->lossy_rects, "zywrle q%d %s: wavelet used",
			       ec->quality, fmts[f].name);
		else if (dec.zywrle)
			CHECKF(ec->lossy_rects, "zywrle q%d %s: no wavelet",
			       ec->quality, fmts[f].name);
	}
	if (ec->ops->state_free)
		ec->ops->state_free(ec->state);
}

static void test_round_trips(void)
{
	struct enc_case cases[] = {
		{ .ops = &enc_rre_ops, .quality = -1 },
		{ .ops = &enc_corre_ops, .quality = -1 },
		{ .ops = &enc_hextile_ops, .quality = -1 },
		{ .ops = &enc_zlib_ops, .quality = -1 },
		{ .ops = &enc_trle_ops, .quality = -1 },
		{ .ops = &enc_zywrle_ops, .quality = 9 },
		{ .ops = &enc_zywrle_ops, .quality = 7 },
		{ .ops = &enc_zywrle_ops, .quality = 0 },
		{ .ops = &enc_zywrle_ops, .quality = -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* The patterns must have driven every kind of rectangle and tile. */
static void test_coverage(void)
{
	const struct seen *s = &dec.seen;
	int i, any_packed = 0, any_prle = 0;

	CHECK(s->types[ENC_RRE] && s->types[ENC_CORRE]);
	CHECK(s->types[ENC_RAW]); /* noise falls back to Raw */
	CHECK(s->wide);		  /* RRE coordinates beyond a byte */
	CHECK(s->hextile[1]);	  /* raw */
	CHECK(s->hextile[0]);	  /* background carried over */
	CHECK(s->hextile[2]);	  /* solid, new background */
	CHECK(s->hextile[2 | 4 | 8] || s->hextile[4 | 8]);
	CHECK(s->hextile[8 | 16] || s->hextile[2 | 8 | 16]);
	CHECK(s->hex_carried_fg);
	for (i = 2; i <= 16; i++)
		any_packed += s->sub[i];
	for (i = 130; i < 256; i++)
		any_prle += s->sub[i];
	CHECK(s->sub[0] && s->sub[1] && s->sub[128]);
	CHECK(any_packed && any_prle);
	CHECK(s->sub[127] && s->sub[129]); /* TRLE palette reuse */
}

/* *lossy: what the encoder said about its output. */
static struct buf encode_once(const struct enc_ops *ops, void *state,
			      const struct rfb_pixfmt *pf, int quality,
			      const struct rfb_rect *r, int *ret, bool *lossy)
{
	struct rfb_pixconv pc;
	struct enc_params p = { .fb = &fb,
				.pc = &pc,
				.compress_level = -1,
				.quality = quality,
				.lossy = lossy };
	struct buf b;

	rfb_pixconv_init(&pc, pf);
	buf_init(&b);
	*lossy = false;
	*ret = ops->encode(state, &p, r, &b);
	return b;
}

/* Bytes for the whole framebuffer as 32LE rgb888. */
static size_t size_of(const struct enc_ops *ops, int quality)
{
	const struct rfb_rect all = { 0, 0, FB_W, FB_H };
	void *st = ops->state_new ? ops->state_new() : NULL;
	struct buf b;
	size_t len;
	bool lossy;
	int ret;

	b = encode_once(ops, st, &fmts[0].pf, quality, &all, &ret, &lossy);
	CHECKF(ret >= 1, "%s failed", ops->name);
	len = b.len;
	buf_free(&b);
	if (ops->state_free)
		ops->state_free(st);
	return len;
}

/* Catches encoders that are correct but do not compress, or blow up on
 * noise (RRE must fall back to Raw rather than send a subrectangle per
 * pixel; Hextile must pick raw tiles). */
static void check_size(const struct enc_ops *ops, int quality, size_t max,
		       const char *what)
{
	size_t n = size_of(ops, quality);

	CHECKF(n <= max, "%s %s: %zu bytes > %zu", ops->name, what, n, max);
}

static void test_sizes(void)
{
	size_t raw = 12 + FB_W * FB_H * 4, tiles = 19 * 13;

	fill(P_SOLID);
	check_size(&enc_rre_ops, -1, 64, "solid");
	check_size(&enc_corre_ops, -1, 128, "solid");
	/* one byte per 16x16 tile once the background carries over */
	check_size(&enc_hextile_ops, -1, 12 + tiles + 4, "solid");
	check_size(&enc_zlib_ops, -1, 1000, "solid");
	check_size(&enc_trle_ops, -1, 12 + tiles * 4, "solid");
	fill(P_NOISE);
	/* raw pieces, with a 12-byte header for each */
	check_size(&enc_rre_ops, -1, raw + 12 * 64, "noise");
	check_size(&enc_corre_ops, -1, raw + 12 * 64, "noise");
	check_size(&enc_hextile_ops, -1, raw + tiles, "noise");
	check_size(&enc_trle_ops, -1, raw * 8 / 10, "noise"); /* 3-byte */
	/* the wavelet must pay for itself */
	check_size(&enc_zywrle_ops, 0, size_of(&enc_zywrle_ops, 9) / 2,
		   "q0 noise");
	fill(P_TEXT);
	check_size(&enc_rre_ops, -1, raw / 2, "text");
	check_size(&enc_hextile_ops, -1, raw / 2, "text");
}

/* A level change must reach zlib: level 0 stores, level 9 compresses. */
static void test_levels(void)
{
	const struct rfb_rect all = { 0, 0, FB_W, FB_H };
	void *zs = enc_zlib_ops.state_new();
	struct rfb_pixconv pc;
	struct enc_params p = { .fb = &fb, .pc = &pc, .quality = -1 };
	struct buf b[3];
	int i;

	rfb_pixconv_init(&pc, &fmts[0].pf);
	fill(P_FEW);
	for (i = 0; i < 3; i++) {
		p.compress_level = i == 1 ? 0 : 9;
		buf_init(&b[i]);
		CHECK_EQ(enc_zlib_ops.encode(zs, &p, &all, &b[i]), 1);
	}
	CHECKF(b[0].len * 4 < b[1].len, "level 9: %zu, level 0: %zu",
	       b[0].len, b[1].len);
	CHECKF(b[2].len * 4 < b[1].len, "level 9: %zu, level 0: %zu",
	       b[2].len, b[1].len);
	for (i = 0; i < 3; i++)
		buf_free(&b[i]);
	enc_zlib_ops.state_free(zs);
}

/* ZYWRLE says when it was lossy; at 8 bpp it is ZRLE, byte for byte but
 * for the type. */
static void test_zywrle_modes(void)
{
	static const struct {
		int fmt, quality;
		bool lossy;
	} want[] = {
		{ 0, 0, true },	 { 0, 8, true },   { 0, 9, false },
		{ 0, -1, false }, { 5, 3, true },   { 6, 3, false },
		{ 7, 3, false },  { 2, 3, false },  { 8, 3, false },
	};
	const struct rfb_rect r = { 7, 5, 270, 190 };
	void *zs = enc_zrle_ops.state_new(), *ys = enc_zywrle_ops.state_new();
	struct buf a, b;
	bool lossy;
	int ra, rb;
	size_t i;

	fill(P_NOISE);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		b = encode_once(&enc_zywrle_ops, ys, &fmts[want[i].fmt].pf,
				want[i].quality, &r, &rb, &lossy);
		CHECKF(rb == 1 && lossy == want[i].lossy, "%s q%d: lossy %d",
		       fmts[want[i].fmt].name, want[i].quality, lossy);
		buf_free(&b);
	}
	enc_zywrle_ops.state_free(ys);
	ys = enc_zywrle_ops.state_new();
	a = encode_once(&enc_zrle_ops, zs, &fmts[8].pf, 0, &r, &ra, &lossy);
	b = encode_once(&enc_zywrle_ops, ys, &fmts[8].pf, 0, &r, &rb, &lossy);
	CHECK(ra == 1 && rb == 1 && a.len == b.len && a.len > 12 && !lossy);
	CHECK(a.len == b.len && a.data[11] == ENC_ZRLE &&
	      b.data[11] == ENC_ZYWRLE &&
	      !memcmp(a.data + 12, b.data + 12, a.len - 12));
	buf_free(&a);
	buf_free(&b);
	enc_zrle_ops.state_free(zs);
	enc_zywrle_ops.state_free(ys);
}

static void test_failed_buffer(void)
{
	static const struct enc_ops *const all[] = {
		&enc_rre_ops,  &enc_corre_ops, &enc_hextile_ops,
		&enc_zlib_ops, &enc_trle_ops,  &enc_zywrle_ops,
	};
	const struct rfb_rect r = { 0, 0, 10, 10 };
	struct rfb_pixconv pc;
	struct enc_params p = { .fb = &fb,
				.pc = &pc,
				.compress_level = -1,
				.quality = -1 };
	struct buf b;
	void *st;
	size_t i;

	rfb_pixconv_init(&pc, &fmts[0].pf);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		st = all[i]->state_new ? all[i]->state_new() : NULL;
		buf_init(&b);
		b.failed = true;
		CHECKF(all[i]->encode(st, &p, &r, &b) == -1 && !b.len,
		       "%s", all[i]->name);
		if (all[i]->state_free)
			all[i]->state_free(st);
	}
}

static void test_find(void)
{
	static const struct {
		int32_t type;
		const char *name;
		bool state;
	} want[] = {
		{ ENC_RRE, "rre", false },	 { ENC_CORRE, "corre", false },
		{ ENC_HEXTILE, "hextile", false }, { ENC_ZLIB, "zlib", true },
		{ ENC_TRLE, "trle", false },	 { ENC_ZYWRLE, "zywrle", true },
	};
	const struct enc_ops *ops;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ops = enc_find(want[i].type);
		if (!CHECKF(ops && ops->type == want[i].type, "%s",
			    want[i].name))
			continue;
		CHECK_STR(ops->name, want[i].name);
		CHECK(!ops->state_new == !want[i].state);
		CHECK(!ops->state_free == !want[i].state);
	}
}

int main(void)
{
	if (inflateInit(&dec.zs) != Z_OK)
		return 1;
	buf_init(&dec.raw);
	UNIT_RUN(test_find);
	UNIT_RUN(test_round_trips);
	UNIT_RUN(test_coverage);
	UNIT_RUN(test_sizes);
	UNIT_RUN(test_levels);
	UNIT_RUN(test_zywrle_modes);
	UNIT_RUN(test_failed_buffer);
	inflateEnd(&dec.zs);
	buf_free(&dec.raw);
	return UNIT_DONE();
}
