/* Encoders, checked by round trips: a small decoder written here from the
 * spec (rfbproto "Raw Encoding", "ZRLE Encoding") reads what Raw and ZRLE
 * produce, and the result must equal the source converted to the client's
 * format, pixel for pixel, for many formats, patterns and rectangles.
 * ZRLE tiles must also use their smallest subencoding. */
#include "encode/encoder.h"

#include <stdlib.h>

#define ZLIB_CONST
#include <zlib.h>

#include "unit.h"

#define FB_W 300
#define FB_H 200
#define FB_STRIDE 320 /* stride > width: encoders must honour it */
#define TILE 64

static uint32_t fb_px[FB_STRIDE * FB_H];
static const struct rfb_fb fb = { fb_px, FB_W, FB_H, FB_STRIDE };

#define PF(bpp_, depth_, be_, rm, gm, bm, rs, gs, bs)                  \
	{ .bpp = bpp_, .depth = depth_, .big_endian = be_,             \
	  .true_colour = true, .rmax = rm, .gmax = gm, .bmax = bm,     \
	  .rshift = rs, .gshift = gs, .bshift = bs }

/* A client format and, worked out by hand from the spec, its CPIXEL:
 * `cpx` bytes in the client's byte order holding value >> cshift. */
struct fmt_case {
	const char *name;
	struct rfb_pixfmt pf;
	unsigned cpx, cshift;
};

static const struct fmt_case fmts[] = {
	{ "32LE rgb888", PF(32, 24, 0, 255, 255, 255, 16, 8, 0), 3, 0 },
	{ "32BE rgb888", PF(32, 24, 1, 255, 255, 255, 16, 8, 0), 3, 0 },
	{ "32LE rgb888@24", PF(32, 24, 0, 255, 255, 255, 24, 16, 8), 3, 8 },
	{ "32BE rgb888@24", PF(32, 24, 1, 255, 255, 255, 24, 16, 8), 3, 8 },
	{ "32LE depth 32", PF(32, 32, 0, 255, 255, 255, 16, 8, 0), 4, 0 },
	{ "32BE depth 25", PF(32, 25, 1, 255, 255, 255, 16, 8, 0), 4, 0 },
	{ "32BE bgr888", PF(32, 24, 1, 255, 255, 255, 0, 8, 16), 3, 0 },
	{ "32LE 10-bit", PF(32, 30, 0, 1023, 1023, 1023, 20, 10, 0), 4, 0 },
	{ "32BE rgb888@4", PF(32, 24, 1, 255, 255, 255, 20, 12, 4), 4, 0 },
	{ "32LE rgb565", PF(32, 16, 0, 31, 63, 31, 11, 5, 0), 3, 0 },
	/* Bits 8-23: both 3-byte choices would do.  The spec says the low
	 * three; every implementation sends the first three on the wire. */
	{ "32BE rgb565@8", PF(32, 16, 1, 31, 63, 31, 19, 13, 8), 3, 8 },
	{ "32LE rgb565@8", PF(32, 16, 0, 31, 63, 31, 19, 13, 8), 3, 0 },
	{ "16LE rgb565", PF(16, 16, 0, 31, 63, 31, 11, 5, 0), 2, 0 },
	{ "16BE rgb565", PF(16, 16, 1, 31, 63, 31, 11, 5, 0), 2, 0 },
	{ "16LE rgb555", PF(16, 15, 0, 31, 31, 31, 10, 5, 0), 2, 0 },
	{ "16BE odd", PF(16, 12, 1, 15, 63, 3, 12, 4, 10), 2, 0 },
	{ "8 rgb332", PF(8, 8, 0, 7, 7, 3, 5, 2, 0), 1, 0 },
	{ "8 bgr233", PF(8, 8, 1, 7, 7, 3, 0, 3, 6), 1, 0 },
	{ "8 rgb111", PF(8, 3, 0, 1, 1, 1, 7, 3, 0), 1, 0 },
};

static const struct rfb_rect rects[] = {
	{ 0, 0, 1, 1 },	    { 299, 199, 1, 1 },	 { 0, 0, 63, 65 },
	{ 10, 3, 130, 70 }, { 17, 29, 200, 150 }, { 64, 64, 64, 64 },
	{ 0, 0, 300, 200 }, { 3, 3, 0, 5 },	 { 250, 100, 50, 37 },
};

#define N_FMTS (sizeof(fmts) / sizeof(fmts[0]))
#define N_RECTS (sizeof(rects) / sizeof(rects[0]))

enum pattern {
	P_NOISE,
	P_SOLID,
	P_PAL2,
	P_PAL3,
	P_PAL5,
	P_PAL16,
	P_PAL17,
	P_PAL40,
	P_PAL127,
	P_PAL128,
	P_PAL200,
	P_RUNS,
	P_PAL_RUNS,
	P_STRIPES,
	P_COUNT
};

static uint32_t rng_state = 0x12345678;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void fill_runs(const uint32_t *pal, unsigned npal, unsigned maxlen)
{
	unsigned i = 0, len, n = FB_W * FB_H;
	uint32_t v;

	while (i < n) {
		v = pal ? pal[rnd() % npal] : rnd() & 0xffffff;
		len = rnd() % 16 ? 1 + rnd() % maxlen : 200 + rnd() % 1000;
		for (; len && i < n; len--, i++)
			fb_px[i / FB_W * FB_STRIDE + i % FB_W] = v;
	}
}

static void fill(enum pattern p)
{
	static const unsigned npal[P_COUNT] = {
		[P_PAL2] = 2,	  [P_PAL3] = 3,	    [P_PAL5] = 5,
		[P_PAL16] = 16,	  [P_PAL17] = 17,   [P_PAL40] = 40,
		[P_PAL127] = 127, [P_PAL128] = 128, [P_PAL200] = 200,
	};
	uint32_t pal[200];
	int x, y, i;

	for (i = 0; i < 200; i++)
		pal[i] = rnd() & 0xffffff;
	for (i = 0; i < FB_STRIDE * FB_H; i++)
		fb_px[i] = 0xff00ff; /* also the columns past the width */
	if (p == P_RUNS)
		fill_runs(NULL, 0, 12);
	if (p == P_PAL_RUNS)
		fill_runs(pal, 3, 300);
	if (p == P_RUNS || p == P_PAL_RUNS)
		return;
	for (y = 0; y < FB_H; y++) {
		for (x = 0; x < FB_W; x++) {
			uint32_t *px = &fb_px[y * FB_STRIDE + x];

			if (p == P_NOISE)
				*px = rnd() & 0xffffff;
			else if (p == P_SOLID)
				*px = pal[0];
			else if (p == P_STRIPES)
				*px = pal[(x / 3 + y) % 2];
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

struct dec {
	z_stream zs; /* one stream for the whole connection */
	struct buf raw;
	unsigned seen[256]; /* ZRLE subencodings met */
	unsigned suboptimal; /* tiles not sent in their smallest form */
};

static struct dec dec;

static uint32_t get_bytes(const uint8_t *p, unsigned n, bool be)
{
	uint32_t v = 0;
	unsigned k;

	for (k = 0; k < n; k++)
		v |= (uint32_t)p[k] << 8 * (be ? n - 1 - k : k);
	return v;
}

static uint32_t dec_cpixel(struct rd *r, const struct fmt_case *fc)
{
	const uint8_t *p = rd_bytes(r, fc->cpx);

	return p ? get_bytes(p, fc->cpx, fc->pf.big_endian) << fc->cshift : 0;
}

/* The smallest encoding of a tile, subencoding byte excluded. */
static size_t best_size(const uint32_t *t, int w, int h, unsigned cpx)
{
	size_t n = (size_t)w * h, i, len, rle = 0, prle = 0, best = n * cpx;
	uint32_t pal[128];
	int npal = 0, j, bits;

	for (i = 0; i < n; i += len) {
		for (len = 1; i + len < n && t[i + len] == t[i]; len++)
			;
		rle += cpx + 1 + (len - 1) / 255;
		prle += len == 1 ? 1 : 2 + (len - 1) / 255;
		for (j = 0; j < npal && npal < 128 && pal[j] != t[i]; j++)
			;
		if (j == npal && npal < 128)
			pal[npal++] = t[i];
	}
	if (npal == 1)
		return cpx;
	best = rle < best ? rle : best;
	if (npal <= 127 && npal * cpx + prle < best)
		best = npal * cpx + prle;
	bits = npal <= 2 ? 1 : npal <= 4 ? 2 : 4;
	if (npal <= 16 && npal * cpx + h * ((w * bits + 7) / 8) < best)
		best = npal * cpx + h * ((w * bits + 7) / 8);
	return best;
}

static bool dec_run_len(struct rd *r, size_t *len)
{
	uint8_t b;

	*len = 1;
	do {
		b = rd_u8(r);
		*len += b;
	} while (b == 255 && !r->overrun);
	return !r->overrun;
}

/* Plain RLE when pal is NULL, else palette RLE. */
static bool dec_rle(struct rd *r, const struct fmt_case *fc,
		    const uint32_t *pal, int npal, uint32_t *t, size_t n)
{
	size_t i = 0, len = 1;
	uint32_t v;
	uint8_t idx;

	while (i < n) {
		if (pal) {
			idx = rd_u8(r);
			if ((idx & 127) >= npal)
				return false;
			v = pal[idx & 127];
			len = 1;
			if ((idx & 128) && !dec_run_len(r, &len))
				return false;
		} else {
			v = dec_cpixel(r, fc);
			if (!dec_run_len(r, &len))
				return false;
		}
		if (r->overrun || len > n - i)
			return false;
		while (len--)
			t[i++] = v;
	}
	return true;
}

static bool dec_packed(struct rd *r, const uint32_t *pal, int npal,
		       uint32_t *t, int w, int h)
{
	int bits = npal <= 2 ? 1 : npal <= 4 ? 2 : 4, x, y, pos, idx;
	const uint8_t *row;

	for (y = 0; y < h; y++) {
		row = rd_bytes(r, (w * bits + 7) / 8);
		if (!row)
			return false;
		for (x = 0; x < w; x++) {
			pos = x * bits;
			idx = row[pos / 8] >> (8 - bits - pos % 8);
			idx &= (1 << bits) - 1;
			if (idx >= npal)
				return false;
			t[y * w + x] = pal[idx];
		}
	}
	return true;
}

static bool dec_tile(struct rd *r, const struct fmt_case *fc, uint32_t *t,
		     int w, int h)
{
	size_t n = (size_t)w * h, i, start = r->off + 1;
	int sub = rd_u8(r), npal = sub & 127;
	uint32_t pal[127];
	bool ok = true;

	dec.seen[sub]++;
	if (sub == 0) {
		for (i = 0; i < n; i++)
			t[i] = dec_cpixel(r, fc);
	} else if (sub == 1) {
		t[0] = dec_cpixel(r, fc);
		for (i = 1; i < n; i++)
			t[i] = t[0];
	} else if (sub <= 16 || sub == 128 || sub >= 130) {
		for (i = 0; i < (size_t)npal; i++)
			pal[i] = dec_cpixel(r, fc);
		if (sub <= 16)
			ok = dec_packed(r, pal, npal, t, w, h);
		else if (sub == 128)
			ok = dec_rle(r, fc, NULL, 0, t, n);
		else
			ok = dec_rle(r, fc, pal, npal, t, n);
	} else {
		return false; /* 17-127 and 129 are unused */
	}
	if (ok && r->off - start != best_size(t, w, h, fc->cpx))
		dec.suboptimal++;
	return ok && !r->overrun;
}

static bool dec_inflate(const uint8_t *z, size_t len)
{
	int ret;

	buf_clear(&dec.raw);
	dec.zs.next_in = z;
	dec.zs.avail_in = len;
	do {
		if (buf_reserve(&dec.raw, 65536) < 0)
			return false;
		dec.zs.next_out = dec.raw.data + dec.raw.len;
		dec.zs.avail_out = dec.raw.cap - dec.raw.len;
		ret = inflate(&dec.zs, Z_SYNC_FLUSH);
		dec.raw.len = dec.zs.next_out - dec.raw.data;
		if (ret != Z_OK && ret != Z_BUF_ERROR)
			return false;
	} while (dec.zs.avail_out == 0);
	return dec.zs.avail_in == 0;
}

static bool dec_zrle(struct rd *in, const struct fmt_case *fc,
		     const struct rfb_rect *rc, uint32_t *out)
{
	uint32_t len = rd_u32(in), t[TILE * TILE];
	const uint8_t *z = rd_bytes(in, len);
	int tx, ty, tw, th, y;
	struct rd r;

	if (!z || !dec_inflate(z, len))
		return false;
	rd_init(&r, dec.raw.data, dec.raw.len);
	for (ty = 0; ty < rc->h; ty += TILE) {
		th = rc->h - ty < TILE ? rc->h - ty : TILE;
		for (tx = 0; tx < rc->w; tx += TILE) {
			tw = rc->w - tx < TILE ? rc->w - tx : TILE;
			if (!dec_tile(&r, fc, t, tw, th))
				return false;
			for (y = 0; y < th; y++)
				memcpy(out + (size_t)(ty + y) * rc->w + tx,
				       t + y * tw, tw * sizeof(*t));
		}
	}
	return rd_left(&r) == 0;
}

static bool dec_raw(struct rd *in, const struct fmt_case *fc,
		    const struct rfb_rect *rc, uint32_t *out)
{
	unsigned n = fc->pf.bpp / 8;
	const uint8_t *p;
	size_t i;

	for (i = 0; i < (size_t)rc->w * rc->h; i++) {
		p = rd_bytes(in, n);
		if (!p)
			return false;
		out[i] = get_bytes(p, n, fc->pf.big_endian);
	}
	return true;
}

static bool dec_rect(struct rd *in, const struct fmt_case *fc,
		     const struct rfb_rect *rc, int32_t type, uint32_t *out)
{
	bool hdr = rd_u16(in) == rc->x && rd_u16(in) == rc->y &&
		   rd_u16(in) == rc->w && rd_u16(in) == rc->h &&
		   (int32_t)rd_u32(in) == type;

	if (!hdr)
		return false;
	if (type == ENC_RAW)
		return dec_raw(in, fc, rc, out);
	return dec_zrle(in, fc, rc, out);
}

/* ---- the round trips ---- */

/* Index of the first pixel of `rc` that `got` has wrong, or -1. */
static long first_wrong(const struct rfb_pixfmt *pf,
			const struct rfb_rect *rc, const uint32_t *got)
{
	long i, n = (long)rc->w * rc->h;
	uint32_t src;
	int x, y;

	for (i = 0; i < n; i++) {
		x = rc->x + i % rc->w;
		y = rc->y + i / rc->w;
		src = fb_px[y * FB_STRIDE + x];
		if (got[i] != expect_pixel(pf, src))
			return i;
	}
	return -1;
}

/* Encode every rectangle into one buffer (after a stand-in message
 * header, so encoders must append), then decode them all in order. */
static bool round_trip(void *state, const struct enc_ops *ops,
		       const struct fmt_case *fc, int pattern, int level)
{
	static uint32_t got[FB_W * FB_H];
	struct rfb_pixconv pc;
	struct enc_params p = { &fb, &pc, level, -1, NULL, false };
	const struct rfb_rect *rc;
	struct buf out;
	struct rd in;
	bool ok = true;
	size_t i;
	long bad;

	rfb_pixconv_init(&pc, &fc->pf);
	buf_init(&out);
	buf_put_u32(&out, 0x00000009);
	for (i = 0; i < N_RECTS; i++)
		ok &= CHECKF(ops->encode(state, &p, &rects[i], &out) == 1,
			     "%s %s pattern %d: encode failed", ops->name,
			     fc->name, pattern);
	rd_init(&in, out.data + 4, out.len - 4);
	for (i = 0; i < N_RECTS && ok; i++) {
		rc = &rects[i];
		ok = CHECKF(dec_rect(&in, fc, rc, ops->type, got),
			    "%s %s pattern %d rect %zu: undecodable",
			    ops->name, fc->name, pattern, i);
		bad = ok ? first_wrong(&fc->pf, rc, got) : -1;
		ok = ok && CHECKF(bad < 0,
				  "%s %s pattern %d rect %zu: pixel %ld wrong",
				  ops->name, fc->name, pattern, i, bad);
	}
	ok = ok && CHECKF(rd_left(&in) == 0,
			  "%s %s pattern %d: %zu bytes left over", ops->name,
			  fc->name, pattern, rd_left(&in));
	buf_free(&out);
	return ok;
}

/* One ZRLE state and one decoder stream for everything, as on one
 * connection: formats change (SetPixelFormat) and so does the
 * compression level, and the stream must carry on. */
static void test_round_trips(void)
{
	void *zs = enc_zrle_ops.state_new();
	size_t f;
	int p, calls = 0;
	bool ok = true;

	if (!CHECK(zs != NULL))
		return;
	for (f = 0; f < N_FMTS && ok; f++) {
		for (p = 0; p < P_COUNT && ok; p++) {
			fill(p);
			ok = round_trip(NULL, &enc_raw_ops, &fmts[f], p, -1);
			ok = ok && round_trip(zs, &enc_zrle_ops, &fmts[f], p,
					      calls++ % 11 - 1);
		}
	}
	CHECKF(dec.suboptimal == 0, "%u ZRLE tiles not in their smallest form",
	       dec.suboptimal);
	enc_zrle_ops.state_free(zs);
}

static bool seen_any(int from, int to)
{
	for (; from <= to; from++)
		if (dec.seen[from])
			return true;
	return false;
}

/* The patterns must have driven every kind of tile. */
static void test_coverage(void)
{
	CHECK(dec.seen[0]);
	CHECK(dec.seen[1]);
	CHECK(dec.seen[2]);
	CHECK(seen_any(3, 4));
	CHECK(seen_any(5, 16));
	CHECK(dec.seen[128]);
	CHECK(seen_any(130, 255));
}

static void test_find(void)
{
	const struct enc_ops *raw = enc_find(ENC_RAW);
	const struct enc_ops *zrle = enc_find(ENC_ZRLE);

	if (!CHECK(raw == &enc_raw_ops && raw->type == ENC_RAW) ||
	    !CHECK(zrle == &enc_zrle_ops && zrle->type == ENC_ZRLE))
		return;
	CHECK_STR(raw->name, "raw");
	CHECK_STR(zrle->name, "zrle");
	CHECK(raw->state_new == NULL && raw->state_free == NULL);
	CHECK(zrle->state_new && zrle->state_free);
	CHECK(enc_find(ENC_ZLIBHEX) == NULL);
	CHECK(enc_find(ENC_PSEUDO_CURSOR) == NULL);
	CHECK(enc_find(12345) == NULL);
	zrle->state_free(NULL);
}

static void test_rect_header(void)
{
	static const uint8_t want[] = { 0, 1, 0, 2, 3, 4, 0, 5,
					0xff, 0xff, 0xff, 0x11 };
	struct rfb_rect r = { 1, 2, 0x304, 5 };
	struct buf b;

	buf_init(&b);
	enc_put_rect_header(&b, &r, ENC_PSEUDO_CURSOR);
	CHECK(b.len == sizeof(want) && !memcmp(b.data, want, sizeof(want)));
	buf_free(&b);
}

static struct buf encode_once(const struct enc_ops *ops, void *state,
			      const struct rfb_pixfmt *pf,
			      const struct rfb_rect *r, int *ret)
{
	struct rfb_pixconv pc;
	struct enc_params p = { &fb, &pc, -1, -1, NULL, false };
	struct buf b;

	rfb_pixconv_init(&pc, pf);
	buf_init(&b);
	*ret = ops->encode(state, &p, r, &b);
	return b;
}

/* Catches an encoder that is correct but never compresses. */
static void test_sizes(void)
{
	const struct rfb_rect all = { 0, 0, FB_W, FB_H };
	void *zs = enc_zrle_ops.state_new();
	struct buf b;
	int ret;

	fill(P_SOLID);
	b = encode_once(&enc_zrle_ops, zs, &fmts[0].pf, &all, &ret);
	CHECK_EQ(ret, 1);
	CHECKF(b.len < 100, "solid 300x200 took %zu bytes", b.len);
	buf_free(&b);
	b = encode_once(&enc_raw_ops, NULL, &fmts[0].pf, &all, &ret);
	CHECK_EQ(ret, 1);
	CHECK_EQ(b.len, 12 + FB_W * FB_H * 4);
	buf_free(&b);
	fill(P_NOISE);
	b = encode_once(&enc_zrle_ops, zs, &fmts[0].pf, &all, &ret);
	CHECK_EQ(ret, 1);
	/* 3-byte CPIXELs: noise fits in about 3/4 of raw */
	CHECKF(b.len < FB_W * FB_H * 31 / 10, "noise took %zu bytes", b.len);
	buf_free(&b);
	enc_zrle_ops.state_free(zs);
}

/* A changed level must reach zlib: level 0 stores, level 9 compresses. */
static void test_levels(void)
{
	const struct rfb_rect all = { 0, 0, FB_W, FB_H };
	void *zs = enc_zrle_ops.state_new();
	struct rfb_pixconv pc;
	struct enc_params p = { &fb, &pc, 9, -1, NULL, false };
	struct buf b[3];
	int i;

	rfb_pixconv_init(&pc, &fmts[0].pf);
	fill(P_PAL5);
	for (i = 0; i < 3; i++) {
		p.compress_level = i == 1 ? 0 : 9;
		buf_init(&b[i]);
		CHECK_EQ(enc_zrle_ops.encode(zs, &p, &all, &b[i]), 1);
	}
	CHECKF(b[0].len * 4 < b[1].len * 3, "level 9: %zu, level 0: %zu",
	       b[0].len, b[1].len);
	CHECKF(b[2].len * 4 < b[1].len * 3, "level 9: %zu, level 0: %zu",
	       b[2].len, b[1].len);
	for (i = 0; i < 3; i++)
		buf_free(&b[i]);
	enc_zrle_ops.state_free(zs);
}

static void test_failed_buffer(void)
{
	const struct rfb_rect r = { 0, 0, 10, 10 };
	void *zs = enc_zrle_ops.state_new();
	struct rfb_pixconv pc;
	struct enc_params p = { &fb, &pc, -1, -1, NULL, false };
	struct buf b;

	rfb_pixconv_init(&pc, &fmts[0].pf);
	buf_init(&b);
	b.failed = true;
	CHECK_EQ(enc_raw_ops.encode(NULL, &p, &r, &b), -1);
	CHECK_EQ(enc_zrle_ops.encode(zs, &p, &r, &b), -1);
	CHECK_EQ(b.len, 0);
	buf_free(&b);
	enc_zrle_ops.state_free(zs);
}

int main(void)
{
	if (inflateInit(&dec.zs) != Z_OK)
		return 1;
	buf_init(&dec.raw);
	UNIT_RUN(test_find);
	UNIT_RUN(test_rect_header);
	UNIT_RUN(test_round_trips);
	UNIT_RUN(test_coverage);
	UNIT_RUN(test_sizes);
	UNIT_RUN(test_levels);
	UNIT_RUN(test_failed_buffer);
	inflateEnd(&dec.zs);
	buf_free(&dec.raw);
	return UNIT_DONE();
}
