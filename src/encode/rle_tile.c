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

void enc_rle_put_cpixels(struct buf *b, const struct enc_rle_cpixel *c,
			 const uint32_t *px, size_t n)
{
	uint8_t *o;
	size_t i;
	unsigned k;

	if (buf_reserve(b, n * c->bytes) < 0)
		return;
	o = b->data + b->len;
	for (i = 0; i < n; i++)
		for (k = 0; k < c->bytes; k++)
			*o++ = px[i] >> c->shift[k];
	b->len += n * c->bytes;
}

/* One more than the sum of the bytes; 255 means another byte follows. */
static void rle_put_run_len(struct buf *b, size_t len)
{
	for (len--; len >= 255; len -= 255)
		buf_put_u8(b, 255);
	buf_put_u8(b, len);
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

static void rle_pal_add(struct enc_rle_pal *pal, uint32_t v)
{
	unsigned h = rle_slot(pal, v);

	if (pal->slot[h])
		return;
	if (pal->n == ENC_RLE_MAX_PAL) {
		pal->n++; /* overflowed: stop counting */
		return;
	}
	pal->px[pal->n++] = v;
	pal->slot[h] = pal->n;
}

static void rle_count_run(struct enc_rle_tile *t, uint32_t v, size_t len)
{
	size_t len_bytes = (len - 1) / 255 + 1;

	t->runs++;
	t->rle_len_bytes += len_bytes;
	t->pal_run_bytes += len == 1 ? 1 : 1 + len_bytes;
	if (t->pal.n <= ENC_RLE_MAX_PAL)
		rle_pal_add(&t->pal, v);
}

/* One pass: runs (which continue across rows) and distinct colours. */
void enc_rle_tile_analyse(struct enc_rle_tile *t)
{
	size_t i, start = 0;

	t->pal.n = 0;
	memset(t->pal.slot, 0, sizeof(t->pal.slot));
	t->runs = 0;
	t->rle_len_bytes = 0;
	t->pal_run_bytes = 0;
	for (i = 1; i <= t->n; i++) {
		if (i < t->n && t->px[i] == t->px[start])
			continue;
		rle_count_run(t, t->px[start], i - start);
		start = i;
	}
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
	for (y = 0; y < tr->h; y++, src += p->fb->stride, dst += tr->w)
		for (x = 0; x < tr->w; x++)
			dst[x] = rfb_pixconv_pixel(p->pc, src[x]);
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

/* Indices packed MSB first. */
void enc_rle_put_packed_idx(struct buf *b, const struct enc_rle_tile *t,
			    const struct enc_rle_pal *pal)
{
	unsigned bits = enc_rle_packed_bits(pal->n), acc, nacc;
	const uint32_t *row = t->px;
	int x, y;

	for (y = 0; y < t->h; y++, row += t->w) {
		acc = 0;
		nacc = 0;
		for (x = 0; x < t->w; x++) {
			acc = acc << bits | enc_rle_pal_find(pal, row[x]);
			nacc += bits;
			if (nacc == 8) {
				buf_put_u8(b, acc);
				acc = 0;
				nacc = 0;
			}
		}
		if (nacc)
			buf_put_u8(b, acc << (8 - nacc));
	}
}

/* Runs of one pixel are a bare index; longer ones set the top bit and
 * add a run length. */
void enc_rle_put_pal_runs(struct buf *b, const struct enc_rle_tile *t,
			  const struct enc_rle_pal *pal)
{
	size_t i, start = 0;
	unsigned idx;

	for (i = 1; i <= t->n; i++) {
		if (i < t->n && t->px[i] == t->px[start])
			continue;
		idx = enc_rle_pal_find(pal, t->px[start]);
		if (i - start == 1) {
			buf_put_u8(b, idx);
		} else {
			buf_put_u8(b, idx | 128);
			rle_put_run_len(b, i - start);
		}
		start = i;
	}
}

static void rle_put_plain_runs(struct buf *b, const struct enc_rle_tile *t,
			       const struct enc_rle_cpixel *c)
{
	size_t i, start = 0;

	for (i = 1; i <= t->n; i++) {
		if (i < t->n && t->px[i] == t->px[start])
			continue;
		enc_rle_put_cpixels(b, c, &t->px[start], 1);
		rle_put_run_len(b, i - start);
		start = i;
	}
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
