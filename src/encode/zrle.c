/* ZRLE encoding (rfbproto "ZRLE Encoding"): 64x64 tiles, each sent solid,
 * palettised, run-length encoded or raw, whichever is smallest, all
 * through one zlib stream that lasts as long as the connection.
 *
 * A large update may be cut into groups encoded at once on several
 * threads (encode_group), although the decoder has a single inflate
 * stream: a deflate stream can be continued by another deflater that
 * refers to nothing before its own start, provided what came before
 * ended on a byte boundary (a sync flush), as pigz does.  Group 0 goes on
 * with the connection's deflater; every other group starts its share of
 * each update with a fresh deflater of its own and its own scratch
 * space.  All deflaters are raw: the 2-byte zlib header is written once,
 * ahead of the first rectangle, and as the stream never ends its Adler-32
 * trailer is never due.  After a cut update the client's window holds
 * the last groups' bytes, no longer what the connection's deflater last
 * compressed, so that one starts afresh before its next rectangle. */
#include "encode/zrle.h"

#include <stdlib.h>

#include "encode/zstream.h"

#define ZRLE_TILE 64
#define ZRLE_MAX_GROUPS 4
/* Without a CompressLevel from the client.  zlib's default, 6, costs
 * 48% more instructions than 2 on 1080p full-screen pages (text, side
 * bar, a photo) for 8.6% fewer bytes: the tiles are mostly run-length
 * coded already, and a photo's raw tiles gain little from a longer
 * search. */
#define ZRLE_DEFAULT_LEVEL 2

/* A deflater and the scratch space to feed it. */
struct zrle_part {
	struct enc_zstream z;
	struct buf tile; /* one encoded tile, before compression */
	struct enc_rle_tile t;
};

struct enc_zrle_state {
	struct zrle_part main; /* whole updates, and group 0 */
	struct zrle_part *group[ZRLE_MAX_GROUPS]; /* [k]: group k > 0 */
	bool header_sent;
	bool stale; /* main's history is not the client's window */
};

static int zrle_tiles(struct zrle_part *pt, const struct enc_params *p,
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
			enc_rle_tile_load(&pt->t, p, &tr);
			buf_clear(&pt->tile);
			put(ctx, &pt->tile, &pt->t, &c);
			if (pt->tile.failed ||
			    enc_zstream_write(&pt->z, pt->tile.data,
					      pt->tile.len, Z_NO_FLUSH,
					      out) < 0)
				return -1;
		}
	}
	return 0;
}

/* RFC 1950: deflate with a 32 KB window, no dictionary; the level bits
 * are informative only. */
static void zrle_put_zlib_header(struct buf *out, int level)
{
	unsigned flevel = level < 2 ? 0 : level < 6 ? 1 : level == 6 ? 2 : 3;
	unsigned cmf = 0x78, flg = flevel << 6;

	flg += 31 - (cmf << 8 | flg) % 31;
	buf_put_u8(out, cmf);
	buf_put_u8(out, flg);
}

/* One rectangle through `pt`'s deflater; `header`: the stream's first. */
static int zrle_part_rect(struct zrle_part *pt, bool header,
			  const struct enc_params *p, const struct rfb_rect *r,
			  struct buf *out, int32_t type, enc_zrle_tile_fn put,
			  void *ctx)
{
	int level = p->compress_level < 0 ? ZRLE_DEFAULT_LEVEL :
					    p->compress_level;
	size_t len_off, len;

	enc_put_rect_header(out, r, type);
	len_off = out->len;
	buf_put_u32(out, 0); /* the length, known at the end */
	if (header)
		zrle_put_zlib_header(out, level);
	if (out->failed || enc_zstream_set_level(&pt->z, level, out) < 0)
		return -1;
	if (zrle_tiles(pt, p, r, out, put, ctx) < 0 ||
	    enc_zstream_write(&pt->z, NULL, 0, Z_SYNC_FLUSH, out) < 0)
		return -1;
	len = out->len - len_off - 4;
	if (len > UINT32_MAX)
		return -1;
	buf_set_u32(out, len_off, len);
	return out->failed ? -1 : 1;
}

/* A rectangle through the connection's deflater. */
static int zrle_main_rect(struct enc_zrle_state *st,
			  const struct enc_params *p, const struct rfb_rect *r,
			  struct buf *out, int32_t type, enc_zrle_tile_fn put,
			  void *ctx)
{
	bool header = !st->header_sent;

	st->header_sent = true;
	return zrle_part_rect(&st->main, header, p, r, out, type, put, ctx);
}

/* The connection's deflater, started afresh if a cut update left the
 * client's window holding other bytes than its history. */
static int zrle_main_fresh(struct enc_zrle_state *st)
{
	if (st->stale && enc_zstream_reset(&st->main.z) < 0)
		return -1;
	st->stale = false;
	return 0;
}

int enc_zrle_rect(struct enc_zrle_state *st, const struct enc_params *p,
		  const struct rfb_rect *r, struct buf *out, int32_t type,
		  enc_zrle_tile_fn put, void *ctx)
{
	if (!st || zrle_main_fresh(st) < 0)
		return -1;
	return zrle_main_rect(st, p, r, out, type, put, ctx);
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

static int zrle_part_init(struct zrle_part *pt)
{
	if (enc_zstream_init_raw(&pt->z) < 0)
		return -1;
	buf_init(&pt->tile);
	return 0;
}

static void zrle_part_fini(struct zrle_part *pt)
{
	enc_zstream_fini(&pt->z);
	buf_free(&pt->tile);
}

/* Group k > 0's deflater, fresh for its first rectangle of an update
 * (made on first use); NULL on OOM or zlib failure. */
static struct zrle_part *zrle_group_part(struct enc_zrle_state *st, int k,
					 bool first)
{
	struct zrle_part *pt = st->group[k];

	if (!pt) {
		pt = malloc(sizeof(*pt));
		if (!pt || zrle_part_init(pt) < 0) {
			free(pt);
			return NULL;
		}
		st->group[k] = pt;
	} else if (first && enc_zstream_reset(&pt->z) < 0) {
		return NULL;
	}
	return pt;
}

/* Group 0 alone touches st->main, st->stale and st->header_sent. */
static int zrle_encode_group(void *state, int group, int ngroups,
			     const struct enc_params *p,
			     const struct rfb_rect *r, struct buf *out)
{
	struct enc_zrle_state *st = state;
	struct zrle_part *pt;

	if (!st || ngroups < 1 || ngroups > ZRLE_MAX_GROUPS || group < 0 ||
	    group >= ngroups)
		return -1;
	if (group == 0) {
		if (p->group_first) {
			if (zrle_main_fresh(st) < 0)
				return -1;
			st->stale = ngroups > 1;
		}
		return zrle_main_rect(st, p, r, out, ENC_ZRLE, zrle_put_tile,
				      NULL);
	}
	pt = zrle_group_part(st, group, p->group_first);
	if (!pt)
		return -1;
	return zrle_part_rect(pt, false, p, r, out, ENC_ZRLE, zrle_put_tile,
			      NULL);
}

struct enc_zrle_state *enc_zrle_state_new(void)
{
	struct enc_zrle_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	if (zrle_part_init(&st->main) < 0) {
		free(st);
		return NULL;
	}
	return st;
}

void enc_zrle_state_free(struct enc_zrle_state *st)
{
	if (!st)
		return;
	zrle_part_fini(&st->main);
	for (int k = 1; k < ZRLE_MAX_GROUPS; k++) {
		if (st->group[k])
			zrle_part_fini(st->group[k]);
		free(st->group[k]);
	}
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
	.encode_group = zrle_encode_group,
	.max_groups = ZRLE_MAX_GROUPS,
	/* a band with a photo costs twice one with text: with two bands a
	 * worker, the other worker takes over */
	.groups_per_thread = 2,
};
