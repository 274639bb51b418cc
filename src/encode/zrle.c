/* ZRLE encoding (rfbproto "ZRLE Encoding"): 64x64 tiles, each sent solid,
 * palettised, run-length encoded or raw, whichever is smallest, all
 * through one zlib stream that lasts as long as the connection. */
#include "encode/zrle.h"

#include <stdlib.h>

#include "encode/zstream.h"

#define ZRLE_TILE 64

struct enc_zrle_state {
	struct enc_zstream z;
	struct buf tile; /* one encoded tile, before compression */
	struct enc_rle_tile t;
};

static int zrle_tiles(struct enc_zrle_state *st, const struct enc_params *p,
		      const struct rfb_rect *r, struct buf *out,
		      enc_zrle_tile_fn put, void *ctx)
{
	struct enc_rle_cpixel c;
	struct rfb_rect tr;

	enc_rle_cpixel_init(&c, p->pc);
	for (tr.y = r->y; tr.y < r->y + r->h; tr.y += ZRLE_TILE) {
		tr.h = r->y + r->h - tr.y;
		if (tr.h > ZRLE_TILE)
			tr.h = ZRLE_TILE;
		for (tr.x = r->x; tr.x < r->x + r->w; tr.x += ZRLE_TILE) {
			tr.w = r->x + r->w - tr.x;
			if (tr.w > ZRLE_TILE)
				tr.w = ZRLE_TILE;
			enc_rle_tile_load(&st->t, p, &tr);
			buf_clear(&st->tile);
			put(ctx, &st->tile, &st->t, &c);
			if (st->tile.failed ||
			    enc_zstream_write(&st->z, st->tile.data,
					      st->tile.len, Z_NO_FLUSH,
					      out) < 0)
				return -1;
		}
	}
	return 0;
}

int enc_zrle_rect(struct enc_zrle_state *st, const struct enc_params *p,
		  const struct rfb_rect *r, struct buf *out, int32_t type,
		  enc_zrle_tile_fn put, void *ctx)
{
	size_t len_off, len;

	enc_put_rect_header(out, r, type);
	len_off = out->len;
	buf_put_u32(out, 0); /* the length, known at the end */
	if (!st || out->failed ||
	    enc_zstream_set_level(&st->z, p->compress_level, out) < 0)
		return -1;
	if (zrle_tiles(st, p, r, out, put, ctx) < 0 ||
	    enc_zstream_write(&st->z, NULL, 0, Z_SYNC_FLUSH, out) < 0)
		return -1;
	len = out->len - len_off - 4;
	if (len > UINT32_MAX)
		return -1;
	buf_set_u32(out, len_off, len);
	return out->failed ? -1 : 1;
}

/* The smallest subencoding; the sizes are exact. */
static void zrle_put_tile(void *ctx, struct buf *b, struct enc_rle_tile *t,
			  const struct enc_rle_cpixel *c)
{
	size_t size;

	enc_rle_put_tile(b, t, c,
			 enc_rle_choose(t, c->bytes, t->n * c->bytes, &size));
}

static int zrle_encode(void *state, const struct enc_params *p,
		       const struct rfb_rect *r, struct buf *out)
{
	return enc_zrle_rect(state, p, r, out, ENC_ZRLE, zrle_put_tile, NULL);
}

struct enc_zrle_state *enc_zrle_state_new(void)
{
	struct enc_zrle_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	if (enc_zstream_init(&st->z) < 0) {
		free(st);
		return NULL;
	}
	buf_init(&st->tile);
	return st;
}

void enc_zrle_state_free(struct enc_zrle_state *st)
{
	if (!st)
		return;
	enc_zstream_fini(&st->z);
	buf_free(&st->tile);
	free(st);
}

static void *zrle_state_new(void)
{
	return enc_zrle_state_new();
}

static void zrle_state_free(void *state)
{
	enc_zrle_state_free(state);
}

const struct enc_ops enc_zrle_ops = {
	.type = ENC_ZRLE,
	.name = "zrle",
	.state_new = zrle_state_new,
	.state_free = zrle_state_free,
	.encode = zrle_encode,
};
