/* fuzz_encode: encoder round trips.  Every encoding encodes rectangles of
 * fuzzed content in one of several client pixel formats (or a fuzzed
 * one), through one encoder state as on a connection; spec decoders
 * (tests/unit/rfbdec.h, fuzz/tightdec.h) decode them, and every pixel must
 * come back exact unless the encoder said the rectangle was lossy (JPEG,
 * ZYWRLE's wavelet).  The rectangles must cover the request exactly once.
 * Input: format, encoding, level, quality, then per rectangle
 * x, y, w, h (u16 each, clipped) and a content kind and seed. */
#include <stdlib.h>

#include "encode/encoder.h"
#include "fuzz.h"
#include "rfbdec.h"
#include "tightdec.h"

#define FB_W 320
#define FB_H 240
#define FB_STRIDE 336

static uint32_t fb_px[FB_STRIDE * FB_H];
static const struct rfb_fb fb = { fb_px, FB_W, FB_H, FB_STRIDE };

static const struct fmt_case *const fmts = rfbdec_formats;
#define N_FMTS RFBDEC_N_FORMATS

static const int32_t encodings[] = { ENC_RAW,  ENC_RRE,	 ENC_CORRE,
				     ENC_HEXTILE, ENC_ZLIB, ENC_TRLE,
				     ENC_ZRLE, ENC_ZYWRLE, ENC_TIGHT };
#define N_ENCS (sizeof(encodings) / sizeof(encodings[0]))

/* CPIXEL (rfbproto ZRLE): 3 bytes at 32 bpp, depth <= 24, when the
 * colour bits fit in the 3 bytes that come first in the client's byte
 * order, else in the other 3; else the whole pixel. */
static struct fmt_case fuzzed_case(const struct rfb_pixfmt *pf)
{
	struct fmt_case fc = { "fuzzed", *pf, pf->bpp / 8, 0 };
	uint32_t all = (uint32_t)pf->rmax << pf->rshift |
		       (uint32_t)pf->gmax << pf->gshift |
		       (uint32_t)pf->bmax << pf->bshift;
	bool ls = all < 1u << 24, ms = !(all & 0xff);

	if (pf->bpp != 32 || pf->depth > 24 || !(ls || ms))
		return fc;
	fc.cpx = 3;
	fc.cshift = pf->big_endian ? (ms ? 8 : 0) : (ls ? 0 : 8);
	return fc;
}

static uint32_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Content with the structure encoders look for: flat, few colours,
 * runs, noise, or a palette over the limits (TRLE's 16/127, Tight's). */
static void paint(const struct rfb_rect *r, uint8_t kind, uint8_t seed)
{
	uint32_t pal[300];
	unsigned npal = kind >> 3 == 0 ? 1 : (unsigned)(kind >> 3) * 9 + 1;

	rng = seed * 2654435761u | 1;
	for (unsigned i = 0; i < npal && i < 300; i++)
		pal[i] = rnd() & 0xffffff;
	for (int y = r->y; y < r->y + r->h; y++)
		for (int x = r->x; x < r->x + r->w; x++) {
			uint32_t *p = &fb_px[y * FB_STRIDE + x];

			switch (kind & 7) {
			case 0: /* palette, scattered */
				*p = pal[rnd() % npal];
				break;
			case 1: /* palette, in runs */
				if (rnd() % 8 == 0 || x == r->x)
					*p = pal[rnd() % npal];
				else
					*p = p[-1];
				break;
			case 2:
				*p = rnd() & 0xffffff;
				break;
			case 3: /* stripes of two colours */
				*p = pal[((x / 3 + y) & 1) % npal];
				break;
			case 4: /* a gradient (JPEG's case) */
				*p = (uint32_t)(x & 255) << 16 |
				     (uint32_t)(y & 255) << 8 | (seed & 255);
				break;
			default: /* left as it was */
				break;
			}
		}
}

static uint32_t piece[FB_W * FB_H], got[FB_W * FB_H];
static uint8_t cover[FB_W * FB_H];

static bool dec_one(struct rd *in, const struct rfb_rect *pr, int32_t t,
		    bool *lossy)
{
	if (t == ENC_TIGHT)
		return tdec_rect(in, pr->w, pr->h, piece, lossy);
	return dec_body(in, pr, t, piece, lossy);
}

/* Decode the `n` rectangles written for rc; they must tile it. */
static bool decode_all(struct rd *in, const struct rfb_rect *rc,
		       int32_t type, int n, bool *lossy)
{
	bool rre = type == ENC_RRE || type == ENC_CORRE;

	memset(cover, 0, (size_t)rc->w * rc->h);
	for (int i = 0; i < n; i++) {
		struct rfb_rect pr;
		int32_t t;

		pr.x = rd_u16(in) - rc->x;
		pr.y = rd_u16(in) - rc->y;
		pr.w = rd_u16(in);
		pr.h = rd_u16(in);
		t = (int32_t)rd_u32(in);
		FUZZ_ASSERT(!in->overrun);
		FUZZ_ASSERT(t == type || (rre && t == ENC_RAW));
		FUZZ_ASSERT(pr.x >= 0 && pr.y >= 0 && pr.x + pr.w <= rc->w &&
			    pr.y + pr.h <= rc->h);
		FUZZ_ASSERT(type != ENC_CORRE || (pr.w <= 255 && pr.h <= 255));
		if (!dec_one(in, &pr, t, lossy))
			return false;
		for (int y = 0; y < pr.h; y++) {
			size_t row = (size_t)(pr.y + y) * rc->w + pr.x;

			for (int x = 0; x < pr.w; x++) {
				FUZZ_ASSERT(!cover[row + x]++);
				got[row + x] = piece[y * pr.w + x];
			}
		}
	}
	for (size_t k = 0; k < (size_t)rc->w * rc->h; k++)
		FUZZ_ASSERT(cover[k] == 1);
	return true;
}

static void round_trip(const struct enc_ops *ops, void *st,
		       const struct enc_params *p, const struct rfb_rect *rc)
{
	struct buf out;
	struct rd in;
	bool lossy_enc = false, lossy_dec = false;
	struct enc_params q = *p;
	int n;

	q.lossy = &lossy_enc;
	buf_init(&out);
	buf_put_u32(&out, 0xdeadbeef); /* encoders append */
	n = ops->encode(st, &q, rc, &out);
	FUZZ_ASSERT(n >= 1);
	FUZZ_ASSERT(out.data[0] == 0xde && out.data[3] == 0xef);
	rd_init(&in, out.data + 4, out.len - 4);
	FUZZ_ASSERT(decode_all(&in, rc, ops->type, n, &lossy_dec));
	FUZZ_ASSERT(!rd_left(&in));
	/* A decoder can only see lossiness the encoder owned up to. */
	FUZZ_ASSERT(!lossy_dec || lossy_enc);
	if (!lossy_enc && p->quality < 0)
		FUZZ_ASSERT(!lossy_dec);
	for (int y = 0; y < rc->h && !lossy_dec; y++) {
		const uint32_t *src = fb_px + (rc->y + y) * FB_STRIDE + rc->x;

		for (int x = 0; x < rc->w; x++)
			FUZZ_ASSERT(got[y * rc->w + x] ==
				    rfb_pixconv_pixel(p->pc, src[x]));
	}
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rfb_pixconv pc;
	struct fz_in in = { data, size };
	struct fmt_case fc;
	uint8_t fsel = fz_u8(&in);
	const struct enc_ops *ops = enc_find(encodings[fz_u8(&in) % N_ENCS]);
	struct enc_params p = { &fb, &pc, fz_u8(&in) % 11 - 1,
				fz_u8(&in) % 11 - 1, NULL, false };
	void *st = NULL;
	long area = 0;

	fuzz_init_log();
	if (fsel < 0x80) {
		fc = fmts[fsel % N_FMTS];
	} else {
		struct rfb_pixfmt pf;
		size_t got16;
		const uint8_t *b = fz_bytes(&in, 16, &got16);
		struct rd r;

		rd_init(&r, b, got16);
		if (got16 < 16)
			return 0;
		rfb_pixfmt_read(&r, &pf);
		if (!rfb_pixfmt_valid(&pf, &(const char *){ NULL }))
			return 0;
		fc = fuzzed_case(&pf);
	}
	FUZZ_ASSERT(ops);
	rfb_pixconv_init(&pc, &fc.pf);
	dec.fc = &fc;
	dec.trle = ops->type == ENC_TRLE;
	dec.zywrle = ops->type == ENC_ZYWRLE;
	if (!dec.zs_ready) {
		inflateInit(&dec.zs);
		buf_init(&dec.raw);
		dec.zs_ready = true;
	}
	inflateReset(&dec.zs);
	tdec.pf = &fc.pf;
	tdec_reset();
	if (ops->state_new)
		FUZZ_ASSERT((st = ops->state_new()));
	/* Up to 8 rectangles, 1.5 framebuffers in all: more runs. */
	for (int i = 0; i < 8 && in.n && area < FB_W * FB_H * 3 / 2; i++) {
		struct rfb_rect r;

		r.x = fz_u16(&in) % FB_W;
		r.y = fz_u16(&in) % FB_H;
		r.w = 1 + fz_u16(&in) % (FB_W - r.x);
		r.h = 1 + fz_u16(&in) % (FB_H - r.y);
		area += (long)r.w * r.h;
		paint(&r, fz_u8(&in), fz_u8(&in));
		round_trip(ops, st, &p, &r);
	}
	if (ops->state_free)
		ops->state_free(st);
	return 0;
}
