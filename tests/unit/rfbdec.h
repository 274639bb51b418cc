/* Decoders for the encoder round-trip tests, written from the specs
 * (rfbproto "Encodings"; RFC 6143 7.7.5 for TRLE) and stricter than real
 * ones: subrectangles inside their rectangle or tile, Hextile's carried
 * colours only where the spec allows them, TRLE palettes reused only
 * straight after a palette tile.  Header-only, with one static decoder
 * `dec`: include it from one test file, inflateInit(&dec.zs) and
 * buf_init(&dec.raw) first, set dec.fc (and dec.trle, dec.zywrle) before
 * decoding, then call dec_body() for each rectangle. */
#ifndef XRFB_TESTS_RFBDEC_H
#define XRFB_TESTS_RFBDEC_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#include "encode/encoder.h"

#define PF(bpp_, depth_, be_, rm, gm, bm, rs, gs, bs)                  \
	{ .bpp = bpp_, .depth = depth_, .big_endian = be_,             \
	  .true_colour = true, .rmax = rm, .gmax = gm, .bmax = bm,     \
	  .rshift = rs, .gshift = gs, .bshift = bs }

/* A client format and its CPIXEL, worked out by hand from the spec:
 * `cpx` bytes in the client's byte order holding value >> cshift. */
struct fmt_case {
	const char *name;
	struct rfb_pixfmt pf;
	unsigned cpx, cshift;
};

/* Client formats the round-trip checks cover: both byte orders, odd
 * shifts, depth 32, 16 and 8 bpp. */
static const struct fmt_case rfbdec_formats[] = {
	{ "32LE rgb888", PF(32, 24, 0, 255, 255, 255, 16, 8, 0), 3, 0 },
	{ "32BE rgb888", PF(32, 24, 1, 255, 255, 255, 16, 8, 0), 3, 0 },
	{ "32LE rgb888@24", PF(32, 24, 0, 255, 255, 255, 24, 16, 8), 3, 8 },
	{ "32LE depth 32", PF(32, 32, 0, 255, 255, 255, 16, 8, 0), 4, 0 },
	{ "32BE rgb565@8", PF(32, 16, 1, 31, 63, 31, 19, 13, 8), 3, 8 },
	{ "16LE rgb565", PF(16, 16, 0, 31, 63, 31, 11, 5, 0), 2, 0 },
	{ "16BE rgb565", PF(16, 16, 1, 31, 63, 31, 11, 5, 0), 2, 0 },
	{ "16LE rgb555", PF(16, 15, 0, 31, 31, 31, 10, 5, 0), 2, 0 },
	{ "8 bgr233", PF(8, 8, 0, 7, 7, 3, 0, 3, 6), 1, 0 },
	{ "8 rgb111", PF(8, 3, 0, 1, 1, 1, 7, 3, 0), 1, 0 },
};
#define RFBDEC_N_FORMATS (sizeof(rfbdec_formats) / sizeof(rfbdec_formats[0]))

/* Everything a decoder saw, for coverage checks. */
struct seen {
	unsigned types[32];	 /* rectangle encodings */
	unsigned hextile[32];	 /* Hextile masks */
	unsigned hex_carried_fg; /* mono subrects on an inherited fg */
	unsigned sub[256];	 /* TRLE/ZRLE subencodings */
	unsigned wide;		 /* RRE subrects wider or further than 255 */
};

struct dec {
	const struct fmt_case *fc;
	z_stream zs; /* one stream per connection, as the client has */
	bool zs_ready;
	struct buf raw;
	struct seen seen;
	/* ZRLE family */
	bool trle, zywrle;
	uint32_t pal[127];
	int npal; /* 0: no palette to reuse */
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

static uint32_t dec_pixel(struct rd *r)
{
	unsigned n = dec.fc->pf.bpp / 8;
	const uint8_t *p = rd_bytes(r, n);

	return p ? get_bytes(p, n, dec.fc->pf.big_endian) : 0;
}

static uint32_t dec_cpixel(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, dec.fc->cpx);

	return p ? get_bytes(p, dec.fc->cpx, dec.fc->pf.big_endian)
			   << dec.fc->cshift
		 : 0;
}

/* Fill x, y, w, h of the w0-wide block `out`, which must hold it. */
static bool dec_fill(uint32_t *out, int w0, int h0, int x, int y, int w,
		     int h, uint32_t v)
{
	int i, j;

	if (w < 1 || h < 1 || x + w > w0 || y + h > h0)
		return false;
	for (j = y; j < y + h; j++)
		for (i = x; i < x + w; i++)
			out[j * w0 + i] = v;
	return true;
}

/* rfbproto "RRE Encoding" / "CoRRE Encoding" */
static bool dec_rre(struct rd *r, const struct rfb_rect *rc, uint32_t *out,
		    bool compact)
{
	uint32_t n = rd_u32(r), i, v;
	int x, y, w, h;

	if (!dec_fill(out, rc->w, rc->h, 0, 0, rc->w, rc->h, dec_pixel(r)) &&
	    rc->w && rc->h)
		return false;
	for (i = 0; i < n && !r->overrun; i++) {
		v = dec_pixel(r);
		x = compact ? rd_u8(r) : rd_u16(r);
		y = compact ? rd_u8(r) : rd_u16(r);
		w = compact ? rd_u8(r) : rd_u16(r);
		h = compact ? rd_u8(r) : rd_u16(r);
		if (x + w > 255 || y + h > 255)
			dec.seen.wide++;
		if (!dec_fill(out, rc->w, rc->h, x, y, w, h, v))
			return false;
	}
	return !r->overrun;
}

/* rfbproto "Hextile Encoding", with its rules on what carries over. */
static bool dec_hextile_tile(struct rd *r, uint32_t *t, int w, int h,
			     bool *bg_ok, uint32_t *bg, bool *fg_ok,
			     uint32_t *fg)
{
	unsigned mask = rd_u8(r), n, i, xy, wh;

	dec.seen.hextile[mask & 31]++;
	if (mask & 1) {
		for (i = 0; i < (unsigned)(w * h); i++)
			t[i] = dec_pixel(r);
		*bg_ok = *fg_ok = false;
		return !r->overrun;
	}
	if (mask & 2) {
		*bg = dec_pixel(r);
		*bg_ok = true;
	}
	if ((mask & 4) && (mask & 16))
		return false;
	if (mask & 4) {
		*fg = dec_pixel(r);
		*fg_ok = true;
	}
	if (!*bg_ok || !dec_fill(t, w, h, 0, 0, w, h, *bg))
		return false;
	if (!(mask & 8))
		return !r->overrun;
	if (!(mask & 20) && *fg_ok)
		dec.seen.hex_carried_fg++;
	if (!(mask & 16) && !*fg_ok)
		return false;
	for (n = rd_u8(r), i = 0; i < n && !r->overrun; i++) {
		if (mask & 16)
			*fg = dec_pixel(r);
		xy = rd_u8(r);
		wh = rd_u8(r);
		if (!dec_fill(t, w, h, xy >> 4, xy & 15, (wh >> 4) + 1,
			      (wh & 15) + 1, *fg))
			return false;
	}
	if (mask & 16)
		*fg_ok = false;
	return !r->overrun;
}

typedef bool (*tile_fn)(struct rd *r, uint32_t *t, int w, int h,
			void *ctx);

/* Tiles of `size`, left to right, top to bottom, into `out`. */
static bool dec_tiles(struct rd *r, const struct rfb_rect *rc, uint32_t *out,
		      int size, tile_fn fn, void *ctx)
{
	static uint32_t t[64 * 64];
	int tx, ty, tw, th, y;

	for (ty = 0; ty < rc->h; ty += size) {
		th = rc->h - ty < size ? rc->h - ty : size;
		for (tx = 0; tx < rc->w; tx += size) {
			tw = rc->w - tx < size ? rc->w - tx : size;
			if (!fn(r, t, tw, th, ctx))
				return false;
			for (y = 0; y < th; y++)
				memcpy(out + (size_t)(ty + y) * rc->w + tx,
				       t + y * tw, tw * sizeof(*t));
		}
	}
	return true;
}

struct hextile_carry {
	bool bg_ok, fg_ok;
	uint32_t bg, fg;
};

static bool hextile_tile_fn(struct rd *r, uint32_t *t, int w, int h,
			    void *ctx)
{
	struct hextile_carry *c = ctx;

	return dec_hextile_tile(r, t, w, h, &c->bg_ok, &c->bg, &c->fg_ok,
				&c->fg);
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

/* Runs of palette indices (pal) or of CPIXELs (pal NULL). */
static bool dec_runs(struct rd *r, const uint32_t *pal, int npal,
		     uint32_t *t, size_t n)
{
	size_t i = 0, len = 1;
	uint8_t idx;
	uint32_t v;

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
			v = dec_cpixel(r);
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

/* A ZRLE tile, or TRLE's (127/129 reuse dec.pal), or ZYWRLE's (0 wraps
 * a tile of coefficients, which is parsed but not compared: *lossy). */
static bool dec_rle_tile(struct rd *r, uint32_t *t, int w, int h,
			 void *ctx)
{
	size_t n = (size_t)w * h, i;
	int sub = rd_u8(r), npal = sub & 127;
	bool ok = true, *lossy = ctx;

	dec.seen.sub[sub]++;
	if (sub == 0 && dec.zywrle && dec.fc->pf.bpp != 8 && lossy) {
		*lossy = true;
		return dec_rle_tile(r, t, w, h, NULL);
	}
	if (sub == 127 || sub == 129) {
		if (!dec.trle || !dec.npal || (sub == 127 && dec.npal > 16))
			return false;
		return sub == 127 ? dec_packed(r, dec.pal, dec.npal, t, w, h)
				  : dec_runs(r, dec.pal, dec.npal, t, n);
	}
	dec.npal = 0;
	if (sub == 0) {
		for (i = 0; i < n; i++)
			t[i] = dec_cpixel(r);
	} else if (sub == 1) {
		t[0] = dec_cpixel(r);
		for (i = 1; i < n; i++)
			t[i] = t[0];
	} else if (sub <= 16 || sub >= 130) {
		for (i = 0; i < (size_t)npal; i++)
			dec.pal[i] = dec_cpixel(r);
		ok = sub <= 16 ? dec_packed(r, dec.pal, npal, t, w, h)
			       : dec_runs(r, dec.pal, npal, t, n);
		dec.npal = npal;
	} else if (sub == 128) {
		ok = dec_runs(r, NULL, 0, t, n);
	} else {
		return false;
	}
	return ok && !r->overrun;
}

/* The zlib data of a rectangle, through the connection's stream. */
static bool dec_inflate(struct rd *in, struct rd *out)
{
	uint32_t len = rd_u32(in);
	const uint8_t *z = rd_bytes(in, len);
	int ret;

	if (!z)
		return false;
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
	rd_init(out, dec.raw.data, dec.raw.len);
	return dec.zs.avail_in == 0;
}

static bool dec_raw(struct rd *r, const struct rfb_rect *rc, uint32_t *out)
{
	size_t i;

	for (i = 0; i < (size_t)rc->w * rc->h; i++)
		out[i] = dec_pixel(r);
	return !r->overrun;
}

/* One rectangle of any of our encodings into out (rc->w wide). */
static bool dec_body(struct rd *in, const struct rfb_rect *rc, int32_t type,
		     uint32_t *out, bool *lossy)
{
	struct hextile_carry hc = { false, false, 0, 0 };
	struct rd z;

	dec.npal = 0; /* TRLE palettes do not outlive a rectangle */
	switch (type) {
	case ENC_RAW:
		return dec_raw(in, rc, out);
	case ENC_RRE:
	case ENC_CORRE:
		return dec_rre(in, rc, out, type == ENC_CORRE);
	case ENC_HEXTILE:
		return dec_tiles(in, rc, out, 16, hextile_tile_fn, &hc);
	case ENC_TRLE:
		return dec_tiles(in, rc, out, 16, dec_rle_tile, lossy);
	case ENC_ZLIB:
		return dec_inflate(in, &z) && dec_raw(&z, rc, out) &&
		       !rd_left(&z);
	case ENC_ZRLE:
	case ENC_ZYWRLE:
		return dec_inflate(in, &z) &&
		       dec_tiles(&z, rc, out, 64, dec_rle_tile, lossy) &&
		       !rd_left(&z);
	}
	return false;
}

#endif
