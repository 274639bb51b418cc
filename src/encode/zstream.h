/* A deflate stream that lasts as long as the connection, as the Zlib,
 * ZRLE and ZYWRLE encodings need (rfbproto "zlib Encoding": rectangles
 * are compressed and decompressed strictly in order through one stream). */
#ifndef XRFB_ENCODE_ZSTREAM_H
#define XRFB_ENCODE_ZSTREAM_H

#include <stddef.h>
#include <stdint.h>

#define ZLIB_CONST
#include <zlib.h>

#include "util/buf.h"

#define ENC_ZSTREAM_DEFAULT_LEVEL 6

struct enc_zstream {
	z_stream zs;
	int level;
	int strategy; /* Z_DEFAULT_STRATEGY unless set_params said */
};

/* Start at the default level; -1 if zlib fails (out of memory). */
int enc_zstream_init(struct enc_zstream *z);
/* The same without the zlib header (raw deflate), for streams whose
 * header the caller writes (ZRLE's, pieced together from several). */
int enc_zstream_init_raw(struct enc_zstream *z);
/* Forget all history: what follows refers to nothing written before.
 * Call only after a sync flush. */
int enc_zstream_reset(struct enc_zstream *z);
void enc_zstream_fini(struct enc_zstream *z);

/* Switch to compression level `want` (0-9; -1: the default).  Call only
 * between rectangles, after a sync flush. */
int enc_zstream_set_level(struct enc_zstream *z, int want, struct buf *out);

/* The same with a deflate strategy (Z_DEFAULT_STRATEGY, Z_HUFFMAN_ONLY...),
 * which set_level leaves as it was. */
int enc_zstream_set_params(struct enc_zstream *z, int want, int strategy,
			   struct buf *out);

/* Compress `len` bytes into `out`; flush is Z_NO_FLUSH or Z_SYNC_FLUSH
 * (which ends a rectangle: the client can decode all of it).  -1 on
 * failure, after which the stream no longer matches the client's. */
int enc_zstream_write(struct enc_zstream *z, const uint8_t *in, size_t len,
		      int flush, struct buf *out);

#endif
