/* ZRLE encoding (rfbproto "ZRLE Encoding"): 64x64 tiles, each sent solid,
 * palettised, run-length encoded or raw, whichever is smallest, all
 * through one zlib stream that lasts as long as the connection. */
#include "encode/encoder.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#define ZRLE_TILE 64
#define ZRLE_MAX_PAL 127 /* largest palette a subencoding can announce */
#define ZRLE_MAX_PACKED 16
#define ZRLE_HASH_BITS 8 /* 256 slots: at most half full with 127 colours */
#define ZRLE_HASH (1u << ZRLE_HASH_BITS)
#define ZRLE_DEFAULT_LEVEL 6
#define ZRLE_OUT_CHUNK 4096 /* more than the 6 bytes a sync flush needs */

/* How a client pixel value goes on the wire as a CPIXEL: byte k is
 * (value >> shift[k]). */
struct zrle_cpixel {
	unsigned bytes; /* 1, 2, 3 or 4 */
	unsigned shift[4];
};

/* One tile's pixels in the client's format, and what one pass over them
 * found: the palette (until it overflows) and the cost of its runs. */
struct zrle_tile {
	int w, h;
	size_t n;
	uint32_t px[ZRLE_TILE * ZRLE_TILE];
	uint32_t pal[ZRLE_MAX_PAL];
	int npal; /* ZRLE_MAX_PAL + 1 once there are too many colours */
	uint8_t slot[ZRLE_HASH]; /* palette index + 1; 0 is an empty slot */
	size_t runs;
	size_t rle_len_bytes; /* run-length bytes, plain RLE */
	size_t pal_run_bytes; /* index and run-length bytes, palette RLE */
};

enum zrle_kind { ZRLE_RAW, ZRLE_SOLID, ZRLE_PACKED, ZRLE_RLE, ZRLE_PAL_RLE };

struct zrle_state {
	z_stream zs;
	int level;
	struct buf tile; /* one encoded tile, before compression */
	struct zrle_tile t;
};

/* At 32 bpp with depth <= 24, a CPIXEL is three of the pixel's four wire
 * bytes, when they hold every colour bit.  If both the first three and the
 * last three would do, the spec says "least significant", but RealVNC,
 * TigerVNC and libvncclient all use the first three on the wire (the most
 * significant for big endian), so we do too. */
static void zrle_cpixel_init(struct zrle_cpixel *c,
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

static void zrle_put_cpixels(struct buf *b, const struct zrle_cpixel *c,
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
static void zrle_put_run_len(struct buf *b, size_t len)
{
	for (len--; len >= 255; len -= 255)
		buf_put_u8(b, 255);
	buf_put_u8(b, len);
}

/* The hash slot holding v, or the empty slot where it would go. */
static unsigned zrle_slot(const struct zrle_tile *t, uint32_t v)
{
	unsigned h = (v * 2654435761u) >> (32 - ZRLE_HASH_BITS);

	while (t->slot[h] && t->pal[t->slot[h] - 1] != v)
		h = (h + 1) & (ZRLE_HASH - 1);
	return h;
}

/* Palette index of a colour known to be in the palette. */
static unsigned zrle_index(const struct zrle_tile *t, uint32_t v)
{
	return t->slot[zrle_slot(t, v)] - 1;
}

static void zrle_pal_add(struct zrle_tile *t, uint32_t v)
{
	unsigned h = zrle_slot(t, v);

	if (t->slot[h])
		return;
	if (t->npal == ZRLE_MAX_PAL) {
		t->npal++; /* overflowed: stop counting */
		return;
	}
	t->pal[t->npal++] = v;
	t->slot[h] = t->npal;
}

static void zrle_count_run(struct zrle_tile *t, uint32_t v, size_t len)
{
	size_t len_bytes = (len - 1) / 255 + 1;

	t->runs++;
	t->rle_len_bytes += len_bytes;
	t->pal_run_bytes += len == 1 ? 1 : 1 + len_bytes;
	if (t->npal <= ZRLE_MAX_PAL)
		zrle_pal_add(t, v);
}

/* One pass: runs (which continue across rows) and distinct colours. */
static void zrle_analyse(struct zrle_tile *t)
{
	size_t i, start = 0;

	t->npal = 0;
	memset(t->slot, 0, sizeof(t->slot));
	t->runs = 0;
	t->rle_len_bytes = 0;
	t->pal_run_bytes = 0;
	for (i = 1; i <= t->n; i++) {
		if (i < t->n && t->px[i] == t->px[start])
			continue;
		zrle_count_run(t, t->px[start], i - start);
		start = i;
	}
}

static unsigned zrle_packed_bits(int npal)
{
	return npal <= 2 ? 1 : npal <= 4 ? 2 : 4;
}

/* The subencoding with the fewest bytes; the sizes are exact. */
static enum zrle_kind zrle_choose(const struct zrle_tile *t, unsigned cpx)
{
	enum zrle_kind kind = ZRLE_RAW;
	size_t best = t->n * cpx, size, row;

	if (t->npal == 1)
		return ZRLE_SOLID;
	size = t->runs * cpx + t->rle_len_bytes;
	if (size < best) {
		best = size;
		kind = ZRLE_RLE;
	}
	if (t->npal > ZRLE_MAX_PAL)
		return kind;
	size = t->npal * cpx + t->pal_run_bytes;
	if (size < best) {
		best = size;
		kind = ZRLE_PAL_RLE;
	}
	row = (t->w * zrle_packed_bits(t->npal) + 7) / 8;
	size = t->npal * cpx + t->h * row;
	if (t->npal <= ZRLE_MAX_PACKED && size < best)
		kind = ZRLE_PACKED;
	return kind;
}

/* Palette indices packed MSB first; each row starts on a byte. */
static void zrle_put_packed(struct buf *b, const struct zrle_tile *t,
			    const struct zrle_cpixel *c)
{
	unsigned bits = zrle_packed_bits(t->npal), acc, nacc;
	const uint32_t *row = t->px;
	int x, y;

	buf_put_u8(b, t->npal);
	zrle_put_cpixels(b, c, t->pal, t->npal);
	for (y = 0; y < t->h; y++, row += t->w) {
		acc = 0;
		nacc = 0;
		for (x = 0; x < t->w; x++) {
			acc = acc << bits | zrle_index(t, row[x]);
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

static void zrle_put_run(struct buf *b, const struct zrle_tile *t,
			 const struct zrle_cpixel *c, bool pal, size_t start,
			 size_t len)
{
	unsigned idx;

	if (!pal) {
		zrle_put_cpixels(b, c, &t->px[start], 1);
		zrle_put_run_len(b, len);
		return;
	}
	idx = zrle_index(t, t->px[start]);
	if (len == 1) {
		buf_put_u8(b, idx);
		return;
	}
	buf_put_u8(b, idx | 128);
	zrle_put_run_len(b, len);
}

/* Plain RLE (128) or, with `pal`, palette RLE (128 + palette size). */
static void zrle_put_rle(struct buf *b, const struct zrle_tile *t,
			 const struct zrle_cpixel *c, bool pal)
{
	size_t i, start = 0;

	buf_put_u8(b, 128 + (pal ? t->npal : 0));
	if (pal)
		zrle_put_cpixels(b, c, t->pal, t->npal);
	for (i = 1; i <= t->n; i++) {
		if (i < t->n && t->px[i] == t->px[start])
			continue;
		zrle_put_run(b, t, c, pal, start, i - start);
		start = i;
	}
}

static void zrle_put_tile(struct buf *b, struct zrle_tile *t,
			  const struct zrle_cpixel *c)
{
	zrle_analyse(t);
	switch (zrle_choose(t, c->bytes)) {
	case ZRLE_SOLID:
		buf_put_u8(b, 1);
		zrle_put_cpixels(b, c, t->px, 1);
		break;
	case ZRLE_PACKED:
		zrle_put_packed(b, t, c);
		break;
	case ZRLE_RLE:
		zrle_put_rle(b, t, c, false);
		break;
	case ZRLE_PAL_RLE:
		zrle_put_rle(b, t, c, true);
		break;
	case ZRLE_RAW:
		buf_put_u8(b, 0);
		zrle_put_cpixels(b, c, t->px, t->n);
		break;
	}
}

static void zrle_load_tile(struct zrle_tile *t, const struct enc_params *p,
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
}

/* Feed `len` bytes to the stream and append what zlib emits to `out`.
 * Room left over after a call means zlib consumed all the input (and,
 * for Z_SYNC_FLUSH, flushed everything). */
static int zrle_deflate(z_stream *zs, const uint8_t *in, size_t len,
			int flush, struct buf *out)
{
	size_t room;
	int ret;

	zs->next_in = in;
	zs->avail_in = len; /* at most one tile */
	do {
		if (buf_reserve(out, ZRLE_OUT_CHUNK) < 0)
			return -1;
		room = out->cap - out->len;
		zs->next_out = out->data + out->len;
		zs->avail_out = room > UINT_MAX ? UINT_MAX : room;
		ret = deflate(zs, flush);
		out->len = zs->next_out - out->data;
		if (ret != Z_OK && ret != Z_BUF_ERROR)
			return -1;
	} while (zs->avail_out == 0);
	return 0;
}

/* Called between rectangles, when the last sync flush left nothing
 * pending, so deflateParams has nothing to emit; it gets room anyway.
 * If zlib declines (Z_BUF_ERROR) we keep the old level and retry. */
static int zrle_set_level(struct zrle_state *st, int want, struct buf *out)
{
	int level = want < 0 ? ZRLE_DEFAULT_LEVEL : want > 9 ? 9 : want;
	int ret;

	if (level == st->level)
		return 0;
	if (buf_reserve(out, ZRLE_OUT_CHUNK) < 0)
		return -1;
	st->zs.avail_in = 0;
	st->zs.next_out = out->data + out->len;
	st->zs.avail_out = ZRLE_OUT_CHUNK;
	ret = deflateParams(&st->zs, level, Z_DEFAULT_STRATEGY);
	out->len = st->zs.next_out - out->data;
	if (ret == Z_OK)
		st->level = level;
	return ret == Z_OK || ret == Z_BUF_ERROR ? 0 : -1;
}

static int zrle_tile(struct zrle_state *st, const struct enc_params *p,
		     const struct zrle_cpixel *c, const struct rfb_rect *tr,
		     struct buf *out)
{
	zrle_load_tile(&st->t, p, tr);
	buf_clear(&st->tile);
	zrle_put_tile(&st->tile, &st->t, c);
	if (st->tile.failed)
		return -1;
	return zrle_deflate(&st->zs, st->tile.data, st->tile.len, Z_NO_FLUSH,
			    out);
}

static int zrle_tiles(struct zrle_state *st, const struct enc_params *p,
		      const struct rfb_rect *r, struct buf *out)
{
	struct zrle_cpixel c;
	struct rfb_rect tr;

	zrle_cpixel_init(&c, p->pc);
	for (tr.y = r->y; tr.y < r->y + r->h; tr.y += ZRLE_TILE) {
		tr.h = r->y + r->h - tr.y;
		if (tr.h > ZRLE_TILE)
			tr.h = ZRLE_TILE;
		for (tr.x = r->x; tr.x < r->x + r->w; tr.x += ZRLE_TILE) {
			tr.w = r->x + r->w - tr.x;
			if (tr.w > ZRLE_TILE)
				tr.w = ZRLE_TILE;
			if (zrle_tile(st, p, &c, &tr, out) < 0)
				return -1;
		}
	}
	return 0;
}

/* After a failure the stream no longer matches what the client has seen:
 * the caller must drop the connection. */
static int zrle_encode(void *state, const struct enc_params *p,
		       const struct rfb_rect *r, struct buf *out)
{
	struct zrle_state *st = state;
	size_t len_off, len;

	enc_put_rect_header(out, r, ENC_ZRLE);
	len_off = out->len;
	buf_put_u32(out, 0); /* the length, known at the end */
	if (!st || out->failed ||
	    zrle_set_level(st, p->compress_level, out) < 0)
		return -1;
	if (zrle_tiles(st, p, r, out) < 0 ||
	    zrle_deflate(&st->zs, NULL, 0, Z_SYNC_FLUSH, out) < 0)
		return -1;
	len = out->len - len_off - 4;
	if (len > UINT32_MAX)
		return -1;
	buf_set_u32(out, len_off, len);
	return out->failed ? -1 : 1;
}

static void *zrle_state_new(void)
{
	struct zrle_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	/* state_new has no parameters: start at the default level and let
	 * the first encode switch, which costs nothing on a fresh stream */
	if (deflateInit(&st->zs, ZRLE_DEFAULT_LEVEL) != Z_OK) {
		free(st);
		return NULL;
	}
	st->level = ZRLE_DEFAULT_LEVEL;
	buf_init(&st->tile);
	return st;
}

static void zrle_state_free(void *state)
{
	struct zrle_state *st = state;

	if (!st)
		return;
	deflateEnd(&st->zs);
	buf_free(&st->tile);
	free(st);
}

const struct enc_ops enc_zrle_ops = {
	.type = ENC_ZRLE,
	.name = "zrle",
	.state_new = zrle_state_new,
	.state_free = zrle_state_free,
	.encode = zrle_encode,
};
