/* A Tight decoder for fuzz_encode, written from rfbproto "Tight
 * Encoding": fill, JPEG (decoded, not compared), and basic compression
 * with the copy and palette filters (the ones our encoder uses), through
 * four zlib streams kept across rectangles as on a connection.  Strict:
 * a zlib block must inflate to exactly the rectangle's data. */
#ifndef XRFB_FUZZ_TIGHTDEC_H
#define XRFB_FUZZ_TIGHTDEC_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <turbojpeg.h>

#define ZLIB_CONST
#include <zlib.h>

#include "rfb/pixfmt.h"
#include "util/buf.h"

struct tdec {
	const struct rfb_pixfmt *pf;
	z_stream zs[4];
	unsigned active; /* bit i: zs[i] initialised */
	tjhandle tj;
	uint8_t *buf; /* filtered data of one rectangle */
	size_t cap;
};

static struct tdec tdec;

/* 3 bytes, R G B, for 32 bpp depth 24 with 8-bit channels (rfbproto). */
static unsigned tdec_tpx(void)
{
	const struct rfb_pixfmt *pf = tdec.pf;

	if (pf->bpp == 32 && pf->depth == 24 && pf->rmax == 255 &&
	    pf->gmax == 255 && pf->bmax == 255)
		return 3;
	return pf->bpp / 8;
}

static uint32_t tdec_tpixel_at(const uint8_t *p)
{
	const struct rfb_pixfmt *pf = tdec.pf;
	unsigned n = tdec_tpx();
	uint32_t v = 0;

	if (n == 3)
		return (uint32_t)p[0] << pf->rshift |
		       (uint32_t)p[1] << pf->gshift |
		       (uint32_t)p[2] << pf->bshift;
	for (unsigned k = 0; k < n; k++)
		v |= (uint32_t)p[k] << 8 * (pf->big_endian ? n - 1 - k : k);
	return v;
}

static uint32_t tdec_tpixel(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, tdec_tpx());

	return p ? tdec_tpixel_at(p) : 0;
}

static size_t tdec_compact_len(struct rd *r)
{
	size_t len = 0;

	for (unsigned i = 0; i < 3; i++) {
		uint8_t b = rd_u8(r);

		len |= (size_t)(i < 2 ? b & 0x7f : b) << 7 * i;
		if (!(b & 0x80))
			break;
	}
	return len;
}

static void tdec_reset(void)
{
	for (int i = 0; i < 4; i++)
		if (tdec.active & (1u << i))
			inflateEnd(&tdec.zs[i]);
	tdec.active = 0;
}

static bool tdec_reserve(size_t n)
{
	uint8_t *b;

	if (n <= tdec.cap)
		return true;
	b = realloc(tdec.buf, n);
	if (!b)
		return false;
	tdec.buf = b;
	tdec.cap = n;
	return true;
}

/* Exactly `len` bytes of filtered data into tdec.buf: as they are when
 * fewer than 12, else inflated from a compact-length zlib block. */
static bool tdec_data(struct rd *r, int sid, size_t len)
{
	z_stream *zs = &tdec.zs[sid];
	const uint8_t *p;
	size_t clen;

	if (!tdec_reserve(len + 1))
		return false;
	if (len < 12) {
		p = rd_bytes(r, len);
		return p && memcpy(tdec.buf, p, len);
	}
	clen = tdec_compact_len(r);
	p = rd_bytes(r, clen);
	if (!p)
		return false;
	if (!(tdec.active & (1u << sid))) {
		memset(zs, 0, sizeof(*zs));
		if (inflateInit(zs) != Z_OK)
			return false;
		tdec.active |= 1u << sid;
	}
	zs->next_in = p;
	zs->avail_in = clen;
	zs->next_out = tdec.buf;
	zs->avail_out = len + 1; /* room to spare: see that no more comes */
	return inflate(zs, Z_SYNC_FLUSH) == Z_OK && zs->avail_in == 0 &&
	       zs->avail_out == 1;
}

static bool tdec_jpeg(struct rd *r, int w, int h)
{
	size_t len = tdec_compact_len(r);
	const uint8_t *p = rd_bytes(r, len);

	if (!tdec.tj)
		tdec.tj = tjInitDecompress();
	if (!p || tdec.pf->bpp == 8 || !tdec_reserve((size_t)w * h * 3))
		return false;
	return tjDecompress2(tdec.tj, p, len, tdec.buf, w, 0, h, TJPF_RGB,
			     0) == 0;
}

/* BasicCompression: optional filter id, palette, then pixel data. */
static bool tdec_basic(struct rd *r, unsigned ctl, int w, int h,
		       uint32_t *out)
{
	unsigned filter = ctl & 4 ? rd_u8(r) : 0, npal = 0, bits, tpx;
	uint32_t pal[256];
	size_t row;

	if (filter > 1)
		return false;
	if (filter == 1) {
		npal = rd_u8(r) + 1u;
		if (npal < 2)
			return false;
		for (unsigned i = 0; i < npal; i++)
			pal[i] = tdec_tpixel(r);
	}
	tpx = tdec_tpx();
	bits = filter == 0 ? tpx * 8 : npal == 2 ? 1 : 8;
	row = ((size_t)w * bits + 7) / 8;
	if (r->overrun || !tdec_data(r, ctl & 3, h * row))
		return false;
	for (int y = 0; y < h; y++) {
		const uint8_t *p = tdec.buf + y * row;

		for (int x = 0; x < w; x++) {
			unsigned idx;

			if (filter == 0) {
				out[y * w + x] = tdec_tpixel_at(p + x * tpx);
				continue;
			}
			idx = npal == 2 ? p[x / 8] >> (7 - x % 8) & 1 : p[x];
			if (idx >= npal)
				return false;
			out[y * w + x] = pal[idx];
		}
	}
	return true;
}

/* One Tight rectangle body (after its header) of w x h into out;
 * *lossy when it was JPEG. */
static bool tdec_rect(struct rd *r, int w, int h, uint32_t *out,
		      bool *lossy)
{
	unsigned ctl = rd_u8(r);

	if (w > 2048 || (size_t)w * h > 65536)
		return false;
	for (int i = 0; i < 4; i++) {
		if ((ctl & (1u << i)) && (tdec.active & (1u << i))) {
			inflateEnd(&tdec.zs[i]);
			tdec.active &= ~(1u << i);
		}
	}
	ctl >>= 4;
	if (ctl == 8) {
		uint32_t v = tdec_tpixel(r);

		for (size_t i = 0; i < (size_t)w * h; i++)
			out[i] = v;
	} else if (ctl == 9) {
		*lossy = true;
		if (!tdec_jpeg(r, w, h))
			return false;
	} else if (ctl >= 8 || !tdec_basic(r, ctl, w, h, out)) {
		return false;
	}
	return !r->overrun;
}

#endif
