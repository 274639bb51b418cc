/* TRLE encoding (RFC 6143 7.7.5): ZRLE's tiles, 16x16 and without zlib,
 * plus two subencodings that reuse the previous tile's palette: 127
 * (packed) and 129 (palette RLE).  No state beyond one rectangle.
 *
 * We reuse a palette only straight after a tile that had one (2-16, 127,
 * 129, 130-255): decoders differ on what a raw or solid tile in between
 * does to it (libvncclient keeps the palette over raw tiles and treats a
 * solid colour as a one-entry palette), and this reading is common to
 * all of them. */
#include "encode/encoder.h"

#include <stdlib.h>
#include <string.h>

#include "encode/rle_tile.h"

#define TRLE_TILE 16

struct trle_job {
	struct enc_rle_tile t;
	struct enc_rle_cpixel c;
	struct enc_rle_pal prev; /* the palette the client holds */
	bool have_prev;
};

/* Every colour of the tile is in the previous palette. */
static bool trle_can_reuse(const struct trle_job *j)
{
	int i;

	if (!j->have_prev || j->t.pal.n > j->prev.n)
		return false;
	for (i = 0; i < j->t.pal.n; i++)
		if (enc_rle_pal_find(&j->prev, j->t.pal.px[i]) < 0)
			return false;
	return true;
}

/* 127 or 129 if one beats the best fresh subencoding, else 0. */
static int trle_reuse_kind(const struct trle_job *j, size_t fresh)
{
	size_t packed = SIZE_MAX, runs = j->t.pal_run_bytes;

	if (!trle_can_reuse(j))
		return 0;
	if (j->prev.n <= ENC_RLE_MAX_PACKED)
		packed = enc_rle_packed_size(&j->t, j->prev.n);
	if (packed < fresh && packed <= runs)
		return 127;
	return runs < fresh ? 129 : 0;
}

static void trle_tile(struct trle_job *j, struct buf *out)
{
	size_t fresh;
	enum enc_rle_kind kind;
	int reuse;

	kind = enc_rle_choose(&j->t, j->c.bytes, j->t.n * j->c.bytes, &fresh);
	reuse = trle_reuse_kind(j, fresh);
	if (reuse) {
		buf_put_u8(out, reuse);
		if (reuse == 127)
			enc_rle_put_packed_idx(out, &j->t, &j->prev);
		else
			enc_rle_put_pal_runs(out, &j->t, &j->prev);
		return;
	}
	enc_rle_put_tile(out, &j->t, &j->c, kind);
	j->have_prev = kind == ENC_RLE_PACKED || kind == ENC_RLE_PAL_RLE;
	if (j->have_prev)
		memcpy(&j->prev, &j->t.pal, sizeof(j->prev));
}

static int trle_encode(void *state, const struct enc_params *p,
		       const struct rfb_rect *r, struct buf *out)
{
	struct trle_job *j = malloc(sizeof(*j));
	struct rfb_rect tr;

	enc_put_rect_header(out, r, ENC_TRLE);
	if (!j)
		return -1;
	enc_rle_cpixel_init(&j->c, p->pc);
	j->have_prev = false; /* palettes do not outlive a rectangle */
	for (tr.y = r->y; tr.y < r->y + r->h; tr.y += TRLE_TILE) {
		tr.h = r->y + r->h - tr.y;
		if (tr.h > TRLE_TILE)
			tr.h = TRLE_TILE;
		for (tr.x = r->x; tr.x < r->x + r->w; tr.x += TRLE_TILE) {
			tr.w = r->x + r->w - tr.x;
			if (tr.w > TRLE_TILE)
				tr.w = TRLE_TILE;
			enc_rle_tile_load(&j->t, p, &tr);
			trle_tile(j, out);
		}
	}
	free(j);
	return out->failed ? -1 : 1;
}

const struct enc_ops enc_trle_ops = {
	.type = ENC_TRLE,
	.name = "trle",
	.encode = trle_encode,
};
