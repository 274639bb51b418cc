/* The per-connection deflate stream shared by the zlib-based encoders. */
#include "encode/zstream.h"

#include <limits.h>
#include <string.h>

#define ZSTREAM_OUT_CHUNK 4096 /* more than the 6 bytes a sync flush needs */

int enc_zstream_init(struct enc_zstream *z)
{
	memset(z, 0, sizeof(*z));
	/* the client's level is not known yet: start at the default and
	 * let the first rectangle switch, which costs nothing then */
	if (deflateInit(&z->zs, ENC_ZSTREAM_DEFAULT_LEVEL) != Z_OK)
		return -1;
	z->level = ENC_ZSTREAM_DEFAULT_LEVEL;
	return 0;
}

int enc_zstream_init_raw(struct enc_zstream *z)
{
	memset(z, 0, sizeof(*z));
	if (deflateInit2(&z->zs, ENC_ZSTREAM_DEFAULT_LEVEL, Z_DEFLATED, -15, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z->level = ENC_ZSTREAM_DEFAULT_LEVEL;
	return 0;
}

int enc_zstream_reset(struct enc_zstream *z)
{
	return deflateReset(&z->zs) == Z_OK ? 0 : -1;
}

void enc_zstream_fini(struct enc_zstream *z)
{
	deflateEnd(&z->zs);
}

/* Room left over after a deflate call means zlib consumed all the input
 * (and, for Z_SYNC_FLUSH, flushed everything). */
int enc_zstream_write(struct enc_zstream *z, const uint8_t *in, size_t len,
		      int flush, struct buf *out)
{
	size_t room;
	int ret;

	z->zs.next_in = in;
	do {
		/* avail_in is a uInt: feed very long input in slices */
		z->zs.avail_in = len > UINT_MAX ? UINT_MAX : len;
		len -= z->zs.avail_in;
		do {
			if (buf_reserve(out, ZSTREAM_OUT_CHUNK) < 0)
				return -1;
			room = out->cap - out->len;
			z->zs.next_out = out->data + out->len;
			z->zs.avail_out = room > UINT_MAX ? UINT_MAX : room;
			ret = deflate(&z->zs, len ? Z_NO_FLUSH : flush);
			out->len = z->zs.next_out - out->data;
			if (ret != Z_OK && ret != Z_BUF_ERROR)
				return -1;
		} while (z->zs.avail_out == 0);
	} while (len);
	return 0;
}

/* Between rectangles the last sync flush left nothing pending, so
 * deflateParams has nothing to emit; it gets room anyway.  If zlib
 * declines (Z_BUF_ERROR) we keep the old level and retry next time. */
int enc_zstream_set_level(struct enc_zstream *z, int want, struct buf *out)
{
	return enc_zstream_set_params(z, want, z->strategy, out);
}

int enc_zstream_set_params(struct enc_zstream *z, int want, int strategy,
			   struct buf *out)
{
	int level = want < 0 ? ENC_ZSTREAM_DEFAULT_LEVEL : want > 9 ? 9 : want;
	int ret;

	if (level == z->level && strategy == z->strategy)
		return 0;
	if (buf_reserve(out, ZSTREAM_OUT_CHUNK) < 0)
		return -1;
	z->zs.avail_in = 0;
	z->zs.next_out = out->data + out->len;
	z->zs.avail_out = ZSTREAM_OUT_CHUNK;
	ret = deflateParams(&z->zs, level, strategy);
	out->len = z->zs.next_out - out->data;
	if (ret == Z_OK) {
		z->level = level;
		z->strategy = strategy;
	}
	return ret == Z_OK || ret == Z_BUF_ERROR ? 0 : -1;
}
