/* zlib encoding (rfbproto "zlib Encoding"): the rectangle's raw pixels
 * through one zlib stream per connection, flushed (Z_SYNC_FLUSH) at the
 * end of every rectangle so the client can draw it at once. */
#include "encode/encoder.h"

#include <stdlib.h>

#include "encode/zstream.h"

#define ZLIB_CHUNK (64u << 10) /* raw bytes converted per deflate call */

struct zlib_state {
	struct enc_zstream z;
	struct buf raw; /* converted pixels waiting for deflate */
};

/* Convert rows into st->raw and compress them a chunk at a time, so the
 * scratch stays small however big the rectangle. */
static int zlib_rows(struct zlib_state *st, const struct enc_params *p,
		     const struct rfb_rect *r, struct buf *out)
{
	const struct rfb_pixconv *pc = p->pc;
	const uint32_t *src;
	size_t row = (size_t)r->w * pc->bytes;
	int y;

	src = p->fb->pixels + (size_t)r->y * p->fb->stride + r->x;
	for (y = 0; y < r->h; y++, src += p->fb->stride) {
		if (buf_reserve(&st->raw, row) < 0)
			return -1;
		rfb_pixconv_row(pc, st->raw.data + st->raw.len, src, r->w);
		st->raw.len += row;
		if (st->raw.len < ZLIB_CHUNK && y + 1 < r->h)
			continue;
		if (enc_zstream_write(&st->z, st->raw.data, st->raw.len,
				      Z_NO_FLUSH, out) < 0)
			return -1;
		buf_clear(&st->raw);
	}
	return 0;
}

/* After a failure the stream no longer matches the client's. */
static int zlib_encode(void *state, const struct enc_params *p,
		       const struct rfb_rect *r, struct buf *out)
{
	struct zlib_state *st = state;
	size_t len_off, len;

	enc_put_rect_header(out, r, ENC_ZLIB);
	len_off = out->len;
	buf_put_u32(out, 0); /* the length, known at the end */
	if (!st || out->failed ||
	    enc_zstream_set_level(&st->z, p->compress_level, out) < 0)
		return -1;
	buf_clear(&st->raw);
	if (zlib_rows(st, p, r, out) < 0 ||
	    enc_zstream_write(&st->z, NULL, 0, Z_SYNC_FLUSH, out) < 0)
		return -1;
	len = out->len - len_off - 4;
	if (len > UINT32_MAX)
		return -1;
	buf_set_u32(out, len_off, len);
	return out->failed ? -1 : 1;
}

static void *zlib_state_new(void)
{
	struct zlib_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	if (enc_zstream_init(&st->z) < 0) {
		free(st);
		return NULL;
	}
	buf_init(&st->raw);
	return st;
}

static void zlib_state_free(void *state)
{
	struct zlib_state *st = state;

	if (!st)
		return;
	enc_zstream_fini(&st->z);
	buf_free(&st->raw);
	free(st);
}

const struct enc_ops enc_zlib_ops = {
	.type = ENC_ZLIB,
	.name = "zlib",
	.state_new = zlib_state_new,
	.state_free = zlib_state_free,
	.encode = zlib_encode,
};
