/* ZRLE internals that ZYWRLE reuses: ZYWRLE is ZRLE whose raw tiles may
 * carry wavelet coefficients, through the same kind of zlib stream. */
#ifndef XRFB_ENCODE_ZRLE_H
#define XRFB_ENCODE_ZRLE_H

#include "encode/encoder.h"
#include "encode/rle_tile.h"

struct enc_zrle_state;

/* NULL on OOM. */
struct enc_zrle_state *enc_zrle_state_new(void);
void enc_zrle_state_free(struct enc_zrle_state *st);

/* Write one analysed tile (subencoding byte included) into `b`. */
typedef void (*enc_zrle_tile_fn)(void *ctx, struct buf *b,
				 struct enc_rle_tile *t,
				 const struct enc_rle_cpixel *c);

/* Encode `r` as one rectangle of encoding `type`: 64x64 tiles, each
 * loaded, analysed and handed to `put`, all through the state's stream.
 * Returns 1, or -1 after which the client must be dropped. */
int enc_zrle_rect(struct enc_zrle_state *st, const struct enc_params *p,
		  const struct rfb_rect *r, struct buf *out, int32_t type,
		  enc_zrle_tile_fn put, void *ctx);

#endif
