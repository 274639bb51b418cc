/* fuzz_pixfmt: the client pixel format (rfbproto 7.4) as SetPixelFormat
 * carries it, and conversion to it.  Input: a 16-byte PIXEL_FORMAT, then
 * pixels (3 bytes each, R G B).  Properties: reading back what was
 * written gives the same format; a refused format says why; a description
 * fits any buffer; an accepted one converts every pixel to
 * round(c * max / 255) << shift per channel (computed here, not with the
 * engine's tables), inside bits-per-pixel, stored in the client's byte
 * order, and a row converts like its pixels one by one. */
#include <string.h>

#include "fuzz.h"
#include "rfb/pixfmt.h"

#define MAX_PIXELS 512

static uint32_t expect_pixel(const struct rfb_pixfmt *pf, uint32_t rgb)
{
	uint32_t r = rgb >> 16 & 255, g = rgb >> 8 & 255, b = rgb & 255;

	return (uint32_t)(r * (double)pf->rmax / 255 + 0.5) << pf->rshift |
	       (uint32_t)(g * (double)pf->gmax / 255 + 0.5) << pf->gshift |
	       (uint32_t)(b * (double)pf->bmax / 255 + 0.5) << pf->bshift;
}

static void check_write(const struct rfb_pixfmt *pf)
{
	struct rfb_pixfmt back;
	struct buf b;
	struct rd r;

	buf_init(&b);
	rfb_pixfmt_write(&b, pf);
	FUZZ_ASSERT(!b.failed && b.len == 16);
	FUZZ_ASSERT(!b.data[13] && !b.data[14] && !b.data[15]);
	rd_init(&r, b.data, b.len);
	rfb_pixfmt_read(&r, &back);
	FUZZ_ASSERT(!r.overrun && !rd_left(&r));
	FUZZ_ASSERT(back.bpp == pf->bpp && back.depth == pf->depth &&
		    back.big_endian == pf->big_endian &&
		    back.true_colour == pf->true_colour &&
		    back.rmax == pf->rmax && back.gmax == pf->gmax &&
		    back.bmax == pf->bmax && back.rshift == pf->rshift &&
		    back.gshift == pf->gshift && back.bshift == pf->bshift);
	buf_free(&b);
}

static void check_describe(const struct rfb_pixfmt *pf)
{
	char out[80];

	for (size_t n = 1; n <= sizeof(out); n += 13) {
		memset(out, 'x', sizeof(out));
		rfb_pixfmt_describe(pf, out, n);
		FUZZ_ASSERT(memchr(out, 0, n));
		for (size_t i = n; i < sizeof(out); i++)
			FUZZ_ASSERT(out[i] == 'x');
	}
}

static void check_convert(const struct rfb_pixfmt *pf, const uint8_t *p,
			  size_t n)
{
	static struct rfb_pixconv pc;
	static uint32_t src[MAX_PIXELS];
	static uint8_t row[MAX_PIXELS * 4 + 1], one[4];
	unsigned bytes = pf->bpp / 8;
	uint64_t limit = (uint64_t)1 << pf->bpp;

	rfb_pixconv_init(&pc, pf);
	FUZZ_ASSERT(pc.bytes == bytes);
	n = n / 3 < MAX_PIXELS ? n / 3 : MAX_PIXELS;
	for (size_t i = 0; i < n; i++)
		src[i] = (uint32_t)p[3 * i] << 16 | p[3 * i + 1] << 8 |
			 p[3 * i + 2];
	row[n * bytes] = 0xa5;
	rfb_pixconv_row(&pc, row, src, n);
	FUZZ_ASSERT(row[n * bytes] == 0xa5);
	for (size_t i = 0; i < n; i++) {
		uint32_t v = rfb_pixconv_pixel(&pc, src[i]);

		FUZZ_ASSERT(v == expect_pixel(pf, src[i]));
		FUZZ_ASSERT(v < limit);
		rfb_pixconv_put(&pc, one, v);
		for (unsigned k = 0; k < bytes; k++) {
			unsigned sh = 8 * (pf->big_endian ? bytes - 1 - k : k);

			FUZZ_ASSERT(one[k] == (uint8_t)(v >> sh));
		}
		FUZZ_ASSERT(!memcmp(row + i * bytes, one, bytes));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rfb_pixfmt pf;
	const char *why = NULL;
	struct rd r;

	fuzz_init_log();
	if (size < 16)
		return 0;
	rd_init(&r, data, 16);
	rfb_pixfmt_read(&r, &pf);
	FUZZ_ASSERT(!r.overrun && !rd_left(&r));
	check_write(&pf);
	check_describe(&pf);
	if (!rfb_pixfmt_valid(&pf, &why)) {
		FUZZ_ASSERT(why && *why);
		return 0;
	}
	FUZZ_ASSERT(pf.true_colour && pf.depth && pf.depth <= pf.bpp);
	check_convert(&pf, data + 16, size - 16);
	return 0;
}
