/* Pixel formats: validation, conversion of known colours to each wire
 * layout, and the PIXEL_FORMAT wire structure. */
#include "rfb/pixfmt.h"

#include <stdlib.h>

#include "unit.h"

#define HOST_BIG_ENDIAN (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

/* bpp, depth, big endian, r/g/b max, r/g/b shift; always true colour */
#define PF(bpp_, depth_, be_, rm, gm, bm, rs, gs, bs)                  \
	((struct rfb_pixfmt){ .bpp = bpp_, .depth = depth_,            \
			      .big_endian = be_, .true_colour = true,  \
			      .rmax = rm, .gmax = gm, .bmax = bm,      \
			      .rshift = rs, .gshift = gs, .bshift = bs })

static const struct rfb_pixfmt
	pf_32le = PF(32, 24, 0, 255, 255, 255, 16, 8, 0),
	pf_32be = PF(32, 24, 1, 255, 255, 255, 16, 8, 0),
	pf_32hi = PF(32, 24, 0, 255, 255, 255, 24, 16, 8),
	pf_565le = PF(16, 16, 0, 31, 63, 31, 11, 5, 0),
	pf_565be = PF(16, 16, 1, 31, 63, 31, 11, 5, 0),
	pf_332 = PF(8, 8, 0, 7, 7, 3, 5, 2, 0),
	pf_bgr233 = PF(8, 8, 0, 7, 7, 3, 0, 3, 6);

static bool pf_equal(const struct rfb_pixfmt *a, const struct rfb_pixfmt *b)
{
	return a->bpp == b->bpp && a->depth == b->depth &&
	       a->big_endian == b->big_endian &&
	       a->true_colour == b->true_colour && a->rmax == b->rmax &&
	       a->gmax == b->gmax && a->bmax == b->bmax &&
	       a->rshift == b->rshift && a->gshift == b->gshift &&
	       a->bshift == b->bshift;
}

static void check_valid(int line, struct rfb_pixfmt pf)
{
	const char *why = "untouched";

	unit_check(rfb_pixfmt_valid(&pf, &why), __FILE__, line,
		   "format should be valid, got \"%s\"", why);
	unit_check(!strcmp(why, "untouched"), __FILE__, line,
		   "why was set for a valid format");
}

/* Invalid, with a reason that mentions `word`. */
static void check_invalid(int line, struct rfb_pixfmt pf, const char *word)
{
	const char *why = NULL;
	bool ok = rfb_pixfmt_valid(&pf, &why);

	unit_check(!ok, __FILE__, line, "format should be invalid");
	unit_check(!ok && why && strstr(why, word), __FILE__, line,
		   "why \"%s\" should mention \"%s\"", why ? why : "(null)",
		   word);
}

#define VALID(pf) check_valid(__LINE__, pf)
#define INVALID(pf, word) check_invalid(__LINE__, pf, word)

static void test_valid(void)
{
	struct rfb_pixfmt pf = PF(8, 8, 1, 7, 7, 3, 5, 2, 0);

	CHECK(rfb_pixfmt_valid(&rfb_pixfmt_server, NULL));
	VALID(pf_32le);
	VALID(pf_32be);
	VALID(pf_32hi);
	VALID(PF(32, 32, 0, 255, 255, 255, 16, 8, 0)); /* depth == bpp */
	VALID(PF(32, 24, 1, 255, 255, 255, 0, 8, 16)); /* bgr */
	VALID(PF(32, 30, 0, 1023, 1023, 1023, 20, 10, 0));
	VALID(PF(32, 32, 0, 65535, 255, 255, 16, 8, 0)); /* 16-bit red */
	VALID(PF(32, 16, 0, 31, 63, 31, 27, 21, 16)); /* 565 up high */
	VALID(pf_565le);
	VALID(pf_565be);
	VALID(PF(16, 15, 0, 31, 31, 31, 10, 5, 0));
	VALID(PF(16, 12, 1, 15, 63, 3, 12, 4, 10)); /* odd maxes */
	VALID(PF(16, 3, 0, 1, 1, 1, 15, 7, 0)); /* 1-bit channels */
	VALID(pf_332);
	VALID(pf_bgr233);
	VALID(pf); /* big-endian flag means nothing at 8 bpp */
	VALID(PF(8, 6, 0, 3, 3, 3, 4, 2, 0));
	VALID(PF(8, 1, 0, 1, 1, 1, 2, 1, 0)); /* depth is only a hint */
}

static void test_invalid(void)
{
	struct rfb_pixfmt pf = pf_332;

	INVALID(PF(0, 0, 0, 255, 255, 255, 16, 8, 0), "bits-per-pixel");
	INVALID(PF(24, 24, 0, 255, 255, 255, 16, 8, 0), "bits-per-pixel");
	INVALID(PF(64, 24, 0, 255, 255, 255, 16, 8, 0), "bits-per-pixel");
	INVALID(PF(12, 12, 0, 15, 15, 15, 8, 4, 0), "bits-per-pixel");
	INVALID(PF(32, 0, 0, 255, 255, 255, 16, 8, 0), "depth");
	INVALID(PF(32, 33, 0, 255, 255, 255, 16, 8, 0), "depth");
	INVALID(PF(16, 17, 0, 31, 63, 31, 11, 5, 0), "depth");
	INVALID(PF(8, 9, 0, 7, 7, 3, 5, 2, 0), "depth");
	pf.true_colour = false;
	INVALID(pf, "colour-map (non true-colour) formats are not supported");
	INVALID(PF(32, 24, 0, 0, 255, 255, 16, 8, 0), "red-max");
	INVALID(PF(32, 24, 0, 255, 254, 255, 16, 8, 0), "green-max");
	INVALID(PF(32, 24, 0, 255, 255, 100, 16, 8, 0), "blue-max");
	INVALID(PF(32, 24, 0, 256, 255, 255, 16, 8, 0), "red-max");
	INVALID(PF(16, 16, 0, 31, 6, 31, 11, 5, 0), "green-max");
	INVALID(PF(32, 24, 0, 255, 255, 255, 12, 8, 0), "overlap");
	INVALID(PF(16, 16, 0, 31, 63, 31, 11, 5, 5), "overlap");
	INVALID(PF(8, 8, 0, 7, 7, 3, 0, 0, 6), "overlap");
	INVALID(PF(16, 16, 0, 31, 63, 31, 12, 5, 0), "red channel");
	INVALID(PF(8, 8, 0, 7, 7, 3, 5, 2, 7), "blue channel");
	INVALID(PF(32, 24, 0, 255, 255, 255, 25, 8, 0), "red channel");
	INVALID(PF(32, 24, 0, 255, 255, 255, 16, 255, 0), "green channel");
	INVALID(PF(16, 16, 0, 65535, 1, 1, 1, 0, 0), "red channel");
	INVALID(PF(32, 24, 0, 255, 255, 255, 16, 8, 32), "blue channel");
}

/* Independent of the tables: round(v * max / 255) for each channel. */
static uint32_t expect_pixel(const struct rfb_pixfmt *pf, uint32_t rgb)
{
	uint32_t r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;

	return (uint32_t)(r * (double)pf->rmax / 255 + 0.5) << pf->rshift |
	       (uint32_t)(g * (double)pf->gmax / 255 + 0.5) << pf->gshift |
	       (uint32_t)(b * (double)pf->bmax / 255 + 0.5) << pf->bshift;
}

static void check_colour(int line, const struct rfb_pixfmt *pf, uint32_t rgb,
			 uint32_t want, const uint8_t *bytes)
{
	struct rfb_pixconv pc;
	uint8_t out[4] = { 0xee, 0xee, 0xee, 0xee };
	uint32_t got;
	unsigned n = pf->bpp / 8;

	rfb_pixconv_init(&pc, pf);
	got = rfb_pixconv_pixel(&pc, rgb);
	unit_check(got == want, __FILE__, line, "%06x -> %x, want %x", rgb,
		   got, want);
	rfb_pixconv_put(&pc, out, got);
	unit_check(!memcmp(out, bytes, n) && (n == 4 || out[n] == 0xee),
		   __FILE__, line, "%06x: wrong bytes %02x %02x %02x %02x",
		   rgb, out[0], out[1], out[2], out[3]);
}

#define COLOUR(pf, rgb, want, ...)                        \
	check_colour(__LINE__, &(pf), rgb, want,          \
		     (const uint8_t[]){ __VA_ARGS__ })

static void test_known_colours(void)
{
	COLOUR(pf_32le, 0x123456, 0x123456, 0x56, 0x34, 0x12, 0x00);
	COLOUR(pf_32be, 0x123456, 0x123456, 0x00, 0x12, 0x34, 0x56);
	COLOUR(pf_32hi, 0x123456, 0x12345600, 0x00, 0x56, 0x34, 0x12);
	COLOUR(pf_565le, 0xff8000, 0xfc00, 0x00, 0xfc);
	COLOUR(pf_565be, 0xff8000, 0xfc00, 0xfc, 0x00);
	COLOUR(pf_565le, 0xffffff, 0xffff, 0xff, 0xff);
	COLOUR(pf_565be, 0x0000ff, 0x001f, 0x00, 0x1f);
	COLOUR(pf_565be, 0x000000, 0x0000, 0x00, 0x00);
	/* 0x84 * 31 / 255 = 16.04, 0x05 * 63 / 255 = 1.24 */
	COLOUR(pf_565le, 0x840500, 0x8020, 0x20, 0x80);
	COLOUR(pf_332, 0xff8000, 0xf0, 0xf0);
	COLOUR(pf_332, 0x0000ff, 0x03, 0x03);
	COLOUR(pf_332, 0xffffff, 0xff, 0xff);
	COLOUR(pf_bgr233, 0xff8000, 0x27, 0x27);
	COLOUR(pf_bgr233, 0x0000ff, 0xc0, 0xc0);
	COLOUR(pf_bgr233, 0x00ff00, 0x38, 0x38);
}

/* Every 8-bit value of each channel against round(v * max / 255). */
static void test_scaling(void)
{
	static const struct rfb_pixfmt fmts[] = {
		PF(32, 24, 0, 255, 255, 255, 16, 8, 0),
		PF(32, 32, 0, 65535, 255, 255, 16, 8, 0),
		PF(32, 30, 1, 1023, 1023, 1023, 0, 10, 20),
		PF(16, 16, 0, 31, 63, 31, 11, 5, 0),
		PF(16, 12, 1, 15, 63, 3, 12, 4, 10),
		PF(8, 3, 0, 1, 1, 1, 7, 3, 0),
		PF(8, 8, 0, 7, 7, 3, 0, 3, 6),
	};
	struct rfb_pixconv pc;
	uint32_t v, rgb, bad;
	size_t i;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		rfb_pixconv_init(&pc, &fmts[i]);
		bad = 0;
		for (v = 0; v < 256; v++) {
			rgb = v << 16 | (255 - v) << 8 | (v * 7 & 255);
			if (rfb_pixconv_pixel(&pc, rgb) !=
			    expect_pixel(&fmts[i], rgb))
				bad++;
		}
		CHECKF(bad == 0, "format %zu: %u wrong values", i, bad);
	}
}

static uint32_t get_bytes(const uint8_t *p, unsigned n, bool be)
{
	uint32_t v = 0;
	unsigned k;

	for (k = 0; k < n; k++)
		v |= (uint32_t)p[k] << 8 * (be ? n - 1 - k : k);
	return v;
}

/* A row of random pixels converts to the same bytes as pixel by pixel,
 * and those bytes read back (in the format's byte order) as the value. */
static void check_row(const struct rfb_pixfmt *pf)
{
	enum { N = 333 };
	uint32_t src[N];
	uint8_t row[N * 4 + 1], one[4];
	struct rfb_pixconv pc;
	unsigned n = pf->bpp / 8, bad = 0;
	size_t i;

	rfb_pixconv_init(&pc, pf);
	for (i = 0; i < N; i++)
		src[i] = (uint32_t)random() & 0xffffff;
	memset(row, 0xa5, sizeof(row)); /* every byte must be written */
	rfb_pixconv_row(&pc, row, src, N);
	for (i = 0; i < N; i++) {
		rfb_pixconv_put(&pc, one, rfb_pixconv_pixel(&pc, src[i]));
		if (memcmp(one, row + i * n, n) ||
		    get_bytes(one, n, pf->big_endian) !=
			    expect_pixel(pf, src[i]))
			bad++;
	}
	CHECKF(bad == 0, "%ubpp be %d: %u wrong pixels", pf->bpp,
	       pf->big_endian, bad);
	CHECK(row[N * n] == 0xa5);
}

static void test_rows(void)
{
	check_row(&pf_32le);
	check_row(&pf_32be);
	check_row(&pf_32hi);
	check_row(&pf_565le);
	check_row(&pf_565be);
	check_row(&pf_332);
	check_row(&pf_bgr233);
	check_row(&PF(32, 24, 1, 255, 255, 255, 0, 8, 16));
}

static void test_identity(void)
{
	struct rfb_pixfmt host = HOST_BIG_ENDIAN ? pf_32be : pf_32le;
	struct rfb_pixfmt other = HOST_BIG_ENDIAN ? pf_32le : pf_32be;
	struct rfb_pixconv pc;

	rfb_pixconv_init(&pc, &host);
	CHECK(pc.identity);
	CHECK_EQ(pc.bytes, 4);
	host.depth = 32;
	rfb_pixconv_init(&pc, &host);
	CHECK(pc.identity);
	rfb_pixconv_init(&pc, &other);
	CHECK(!pc.identity);
	rfb_pixconv_init(&pc, &pf_32hi);
	CHECK(!pc.identity);
	rfb_pixconv_init(&pc, &pf_565le);
	CHECK(!pc.identity);
	CHECK_EQ(pc.bytes, 2);
	rfb_pixconv_init(&pc, &pf_332);
	CHECK_EQ(pc.bytes, 1);
}

static void test_wire_format(void)
{
	static const uint8_t server[16] = { 32, 24, 0, 1, 0, 255, 0, 255,
					    0, 255, 16, 8, 0, 0, 0, 0 };
	static const uint8_t in[16] = { 16, 16, 7, 9, 0, 31, 0, 63,
					0, 31, 11, 5, 0, 0xaa, 0xbb, 0xcc };
	struct rfb_pixfmt pf, odd = PF(16, 12, 1, 15, 63, 3, 12, 4, 10);
	struct buf b;
	struct rd r;

	buf_init(&b);
	buf_put_u8(&b, 0x77); /* writes append */
	rfb_pixfmt_write(&b, &rfb_pixfmt_server);
	CHECK_EQ(b.len, 17);
	CHECK(b.len == 17 && !memcmp(b.data + 1, server, 16));
	rd_init(&r, b.data + 1, 16);
	rfb_pixfmt_read(&r, &pf);
	CHECK(pf_equal(&pf, &rfb_pixfmt_server));
	CHECK_EQ(rd_left(&r), 0);
	CHECK(!r.overrun);

	buf_clear(&b);
	rfb_pixfmt_write(&b, &odd);
	rd_init(&r, b.data, b.len);
	rfb_pixfmt_read(&r, &pf);
	CHECK(pf_equal(&pf, &odd));
	CHECK(b.len == 16 && !b.data[13] && !b.data[14] && !b.data[15]);

	/* any non-zero flag is true; padding is skipped, whatever it holds */
	rd_init(&r, in, sizeof(in));
	rfb_pixfmt_read(&r, &pf);
	CHECK(pf_equal(&pf, &pf_565be));
	CHECK_EQ(rd_left(&r), 0);
	rd_init(&r, in, 15);
	rfb_pixfmt_read(&r, &pf);
	CHECK(r.overrun);
	buf_free(&b);
}

static void test_describe(void)
{
	struct rfb_pixfmt pf = pf_332;
	char s[80];

	rfb_pixfmt_describe(&rfb_pixfmt_server, s, sizeof(s));
	CHECK_STR(s, "32bpp depth 24 LE rgb888");
	rfb_pixfmt_describe(&pf_565be, s, sizeof(s));
	CHECK_STR(s, "16bpp depth 16 BE rgb565");
	rfb_pixfmt_describe(&pf_bgr233, s, sizeof(s));
	CHECK_STR(s, "8bpp depth 8 bgr233");
	rfb_pixfmt_describe(&pf_32hi, s, sizeof(s));
	CHECK_STR(s, "32bpp depth 24 LE rgb888 shift 24/16/8");
	rfb_pixfmt_describe(&PF(32, 24, 0, 255, 254, 255, 16, 8, 0), s,
			    sizeof(s));
	CHECK_STR(s, "32bpp depth 24 LE max 255/254/255 shift 16/8/0");
	pf.true_colour = false;
	rfb_pixfmt_describe(&pf, s, sizeof(s));
	CHECK_STR(s, "8bpp depth 8 colour-map");
	memset(s, 'x', sizeof(s));
	rfb_pixfmt_describe(&pf_32hi, s, 8);
	CHECK_STR(s, "32bpp d");
	CHECK(s[8] == 'x');
}

int main(void)
{
	srandom(1);
	UNIT_RUN(test_valid);
	UNIT_RUN(test_invalid);
	UNIT_RUN(test_known_colours);
	UNIT_RUN(test_scaling);
	UNIT_RUN(test_rows);
	UNIT_RUN(test_identity);
	UNIT_RUN(test_wire_format);
	UNIT_RUN(test_describe);
	return UNIT_DONE();
}
