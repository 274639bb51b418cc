/* Tiles for the RLE family (rfbproto "ZRLE Encoding"; TRLE is the same
 * tile format without zlib, RFC 6143 7.7.5): one pass finds a tile's
 * palette and runs, from which the size of every subencoding is exact,
 * so the caller can pick the smallest. */
#include "encode/rle_tile.h"

#include <string.h>

#define RLE_HASH (1u << ENC_RLE_HASH_BITS)

/* At 32 bpp with depth <= 24, a CPIXEL is three of the pixel's four wire
 * bytes, when they hold every colour bit.  If both the first three and the
 * last three would do, the spec says "least significant", but RealVNC,
 * TigerVNC and libvncclient all use the first three on the wire (the most
 * significant for big endian), so we do too. */
void enc_rle_cpixel_init(struct enc_rle_cpixel *c,
			 const struct rfb_pixconv *pc)
{
	uint32_t used = pc->rtab[255] | pc->gtab[255] | pc->btab[255];
	bool be = pc->fmt.big_endian;
	bool first = !(used & (be ? 0xffu : 0xff000000u));
	bool last = !(used & (be ? 0xff000000u : 0xffu));
	unsigned skip = 0, k, pos;

	c->bytes = pc->bytes;
	if (pc->bytes == 4 && pc->fmt.depth <= 24 && (first || last)) {
		c->bytes = 3;
		skip = first ? 0 : 1;
	}
	for (k = 0; k < c->bytes; k++) {
		pos = skip + k; /* position in the full pixel on the wire */
		c->shift[k] = 8 * (be ? pc->bytes - 1 - pos : pos);
	}
}

/* Raw tiles are most of a photo's bytes: one loop per CPIXEL size. */
static uint8_t *rle_cpixels(uint8_t *o, const struct enc_rle_cpixel *c,
			    const uint32_t *px, size_t n)
{
	unsigned s0 = c->shift[0], s1 = c->shift[1], s2 = c->shift[2];
	unsigned s3 = c->shift[3];
	size_t i;

	switch (c->bytes) {
	case 1:
		for (i = 0; i < n; i++)
			*o++ = px[i] >> s0;
		break;
	case 2:
		for (i = 0; i < n; i++, o += 2) {
			o[0] = px[i] >> s0;
			o[1] = px[i] >> s1;
		}
		break;
	case 3:
		for (i = 0; i < n; i++, o += 3) {
			o[0] = px[i] >> s0;
			o[1] = px[i] >> s1;
			o[2] = px[i] >> s2;
		}
		break;
	default:
		for (i = 0; i < n; i++, o += 4) {
			o[0] = px[i] >> s0;
			o[1] = px[i] >> s1;
			o[2] = px[i] >> s2;
			o[3] = px[i] >> s3;
		}
		break;
	}
	return o;
}

void enc_rle_put_cpixels(struct buf *b, const struct enc_rle_cpixel *c,
			 const uint32_t *px, size_t n)
{
	if (buf_reserve(b, n * c->bytes) < 0)
		return;
	rle_cpixels(b->data + b->len, c, px, n);
	b->len += n * c->bytes;
}

/* One more than the sum of the bytes; 255 means another byte follows. */
static uint8_t *rle_run_len(uint8_t *o, size_t len)
{
	for (len--; len >= 255; len -= 255)
		*o++ = 255;
	*o++ = len;
	return o;
}

/* The hash slot holding v, or the empty slot where it would go. */
static unsigned rle_slot(const struct enc_rle_pal *pal, uint32_t v)
{
	unsigned h = (v * 2654435761u) >> (32 - ENC_RLE_HASH_BITS);

	while (pal->slot[h] && pal->px[pal->slot[h] - 1] != v)
		h = (h + 1) & (RLE_HASH - 1);
	return h;
}

int enc_rle_pal_find(const struct enc_rle_pal *pal, uint32_t v)
{
	return pal->slot[rle_slot(pal, v)] - 1;
}

/* The index of v, added if new; -1 once the palette has overflowed. */
static int rle_pal_add(struct enc_rle_pal *pal, uint32_t v)
{
	unsigned h = rle_slot(pal, v);

	if (pal->slot[h])
		return pal->slot[h] - 1;
	if (pal->n == ENC_RLE_MAX_PAL) {
		pal->n++; /* overflowed: stop counting */
		return -1;
	}
	pal->px[pal->n++] = v;
	pal->slot[h] = pal->n;
	return pal->n - 1;
}

/* One pass: runs (which continue across rows), distinct colours and each
 * pixel's index.  Runs alternate between few colours in text, so the
 * colour two runs back saves most lookups.  Once the palette has
 * overflowed (photos) only the plain runs matter, in a leaner loop. */
void enc_rle_tile_analyse(struct enc_rle_tile *t)
{
	uint32_t *px = t->px, v, back[2] = { 0, 0 };
	size_t i = 0, n = t->n, start, len, runs = 0, len_bytes = 0;
	size_t pal_bytes = 0;
	int idx, back_idx[2] = { -1, -1 };

	t->pal.n = 0;
	memset(t->pal.slot, 0, sizeof(t->pal.slot));
	if (n)
		px[n] = px[n - 1] ^ 1; /* ends the last run */
	while (i < n && t->pal.n <= ENC_RLE_MAX_PAL) {
		v = px[i];
		start = i;
		while (px[++i] == v)
			;
		len = i - start;
		runs++;
		len_bytes += (len - 1) / 255 + 1;
		pal_bytes += len == 1 ? 1 : (len - 1) / 255 + 2;
		idx = v == back[1] && back_idx[1] >= 0 ?
			      back_idx[1] :
			      rle_pal_add(&t->pal, v);
		back[1] = back[0];
		back_idx[1] = back_idx[0];
		back[0] = v;
		back_idx[0] = idx;
		if (len == 1)
			t->idx[start] = idx;
		else
			memset(t->idx + start, idx, len);
	}
	while (i < n) {
		v = px[i];
		start = i;
		while (px[++i] == v)
			;
		runs++;
		len_bytes += (i - start - 1) / 255 + 1;
	}
	t->runs = runs;
	t->rle_len_bytes = len_bytes;
	t->pal_run_bytes = pal_bytes;
}

void enc_rle_tile_load(struct enc_rle_tile *t, const struct enc_params *p,
		       const struct rfb_rect *tr)
{
	const uint32_t *src;
	uint32_t *dst = t->px;
	int x, y;

	t->w = tr->w;
	t->h = tr->h;
	t->n = (size_t)tr->w * tr->h;
	src = p->fb->pixels + (size_t)tr->y * p->fb->stride + tr->x;
	for (y = 0; y < tr->h; y++, src += p->fb->stride, dst += tr->w) {
		if (p->pc->identity) {
			memcpy(dst, src, tr->w * sizeof(*dst));
			continue;
		}
		for (x = 0; x < tr->w; x++)
			dst[x] = rfb_pixconv_pixel(p->pc, src[x]);
	}
	enc_rle_tile_analyse(t);
}

unsigned enc_rle_packed_bits(int n)
{
	return n <= 2 ? 1 : n <= 4 ? 2 : 4;
}

/* Each row starts on a byte. */
size_t enc_rle_packed_size(const struct enc_rle_tile *t, int n)
{
	return (size_t)t->h * ((t->w * enc_rle_packed_bits(n) + 7) / 8);
}

enum enc_rle_kind enc_rle_choose(const struct enc_rle_tile *t, unsigned cpx,
				 size_t raw_size, size_t *size)
{
	enum enc_rle_kind kind = ENC_RLE_RAW;
	size_t best = raw_size, s;
	int npal = t->pal.n;

	if (npal == 1) {
		*size = cpx;
		return ENC_RLE_SOLID;
	}
	s = t->runs * cpx + t->rle_len_bytes;
	if (s < best) {
		best = s;
		kind = ENC_RLE_PLAIN;
	}
	if (npal <= ENC_RLE_MAX_PAL) {
		s = npal * cpx + t->pal_run_bytes;
		if (s < best) {
			best = s;
			kind = ENC_RLE_PAL_RLE;
		}
		s = npal * cpx + enc_rle_packed_size(t, npal);
		if (npal <= ENC_RLE_MAX_PACKED && s < best) {
			best = s;
			kind = ENC_RLE_PACKED;
		}
	}
	*size = best;
	return kind;
}

/* The indices in `pal` of the tile's pixels: the tile's own, or looked
 * up (TRLE's reused palette) into `tmp`. */
static const uint8_t *rle_indices(const struct enc_rle_tile *t,
				  const struct enc_rle_pal *pal, uint8_t *tmp)
{
	uint32_t last;
	uint8_t li;
	size_t i;

	if (pal == &t->pal)
		return t->idx;
	last = t->px[0];
	li = enc_rle_pal_find(pal, last);
	for (i = 0; i < t->n; i++) {
		if (t->px[i] != last) {
			last = t->px[i];
			li = enc_rle_pal_find(pal, last);
		}
		tmp[i] = li;
	}
	return tmp;
}

/* One row of indices packed MSB first; inlined for each constant `bits`
 * so the loop over a byte's pixels unrolls. */
static inline uint8_t *rle_pack_row(uint8_t *o, const uint8_t *row, int w,
				    unsigned bits)
{
	int per = 8 / bits, x, k, rest;
	unsigned acc;

	for (x = 0; x + per <= w; x += per) {
		acc = 0;
		for (k = 0; k < per; k++)
			acc = acc << bits | row[x + k];
		*o++ = acc;
	}
	rest = w - x;
	if (rest) {
		acc = 0;
		for (k = 0; k < rest; k++)
			acc = acc << bits | row[x + k];
		*o++ = acc << (8 - rest * bits);
	}
	return o;
}

/* Each row starts on a byte. */
void enc_rle_put_packed_idx(struct buf *b, const struct enc_rle_tile *t,
			    const struct enc_rle_pal *pal)
{
	uint8_t tmp[ENC_RLE_TILE_MAX * ENC_RLE_TILE_MAX];
	const uint8_t *row = rle_indices(t, pal, tmp);
	unsigned bits = enc_rle_packed_bits(pal->n);
	size_t size = enc_rle_packed_size(t, pal->n);
	uint8_t *o;
	int y;

	if (buf_reserve(b, size) < 0)
		return;
	o = b->data + b->len;
	for (y = 0; y < t->h; y++, row += t->w) {
		if (bits == 1)
			o = rle_pack_row(o, row, t->w, 1);
		else if (bits == 2)
			o = rle_pack_row(o, row, t->w, 2);
		else
			o = rle_pack_row(o, row, t->w, 4);
	}
	b->len += size;
}

/* Runs of one pixel are a bare index; longer ones set the top bit and
 * add a run length.  The runs, so their size, do not depend on `pal`. */
void enc_rle_put_pal_runs(struct buf *b, const struct enc_rle_tile *t,
			  const struct enc_rle_pal *pal)
{
	uint8_t tmp[ENC_RLE_TILE_MAX * ENC_RLE_TILE_MAX];
	const uint8_t *idx = rle_indices(t, pal, tmp);
	size_t i, start = 0;
	uint8_t *o;

	if (buf_reserve(b, t->pal_run_bytes) < 0)
		return;
	o = b->data + b->len;
	for (i = 1; i <= t->n; i++) {
		if (i < t->n && t->px[i] == t->px[start])
			continue;
		if (i - start == 1) {
			*o++ = idx[start];
		} else {
			*o++ = idx[start] | 128;
			o = rle_run_len(o, i - start);
		}
		start = i;
	}
	b->len += t->pal_run_bytes;
}

static void rle_put_plain_runs(struct buf *b, const struct enc_rle_tile *t,
			       const struct enc_rle_cpixel *c)
{
	size_t i, start = 0, size = t->runs * c->bytes + t->rle_len_bytes;
	uint8_t *o;

	if (buf_reserve(b, size) < 0)
		return;
	o = b->data + b->len;
	for (i = 1; i <= t->n; i++) {
		if (i < t->n && t->px[i] == t->px[start])
			continue;
		o = rle_cpixels(o, c, &t->px[start], 1);
		o = rle_run_len(o, i - start);
		start = i;
	}
	b->len += size;
}

void enc_rle_put_tile(struct buf *b, const struct enc_rle_tile *t,
		      const struct enc_rle_cpixel *c, enum enc_rle_kind kind)
{
	const struct enc_rle_pal *pal = &t->pal;

	switch (kind) {
	case ENC_RLE_SOLID:
		buf_put_u8(b, 1);
		enc_rle_put_cpixels(b, c, t->px, 1);
		break;
	case ENC_RLE_PACKED:
		buf_put_u8(b, pal->n);
		enc_rle_put_cpixels(b, c, pal->px, pal->n);
		enc_rle_put_packed_idx(b, t, pal);
		break;
	case ENC_RLE_PLAIN:
		buf_put_u8(b, 128);
		rle_put_plain_runs(b, t, c);
		break;
	case ENC_RLE_PAL_RLE:
		buf_put_u8(b, 128 + pal->n);
		enc_rle_put_cpixels(b, c, pal->px, pal->n);
		enc_rle_put_pal_runs(b, t, pal);
		break;
	case ENC_RLE_RAW:
		buf_put_u8(b, 0);
		enc_rle_put_cpixels(b, c, t->px, t->n);
		break;
	}
}
