/* What ZRLE, TRLE and ZYWRLE share (rfbproto "ZRLE Encoding", RFC 6143
 * 7.7.5 TRLE): CPIXELs, one pass over a tile that finds its palette and
 * runs, the exact size of each subencoding, and writing a tile. */
#ifndef XRFB_ENCODE_RLE_TILE_H
#define XRFB_ENCODE_RLE_TILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encode/encoder.h"

#define ENC_RLE_TILE_MAX 64 /* ZRLE's tiles; TRLE's are 16x16 */
#define ENC_RLE_MAX_PAL 127 /* largest palette a subencoding can announce */
#define ENC_RLE_MAX_PACKED 16
#define ENC_RLE_HASH_BITS 8 /* 256 slots: at most half full */

/* How a client pixel value goes on the wire as a CPIXEL: byte k is
 * (value >> shift[k]). */
struct enc_rle_cpixel {
	unsigned bytes; /* 1, 2, 3 or 4 */
	unsigned shift[4];
};

/* A palette with a hash from colour to index. */
struct enc_rle_pal {
	uint32_t px[ENC_RLE_MAX_PAL];
	int n; /* ENC_RLE_MAX_PAL + 1 once there are too many colours */
	uint8_t slot[1u << ENC_RLE_HASH_BITS]; /* index + 1; 0: empty */
};

/* One tile's pixels in the client's format, and what one pass over them
 * found: the palette (until it overflows), each pixel's index in it, and
 * the cost of its runs. */
struct enc_rle_tile {
	int w, h;
	size_t n;
	uint32_t px[ENC_RLE_TILE_MAX * ENC_RLE_TILE_MAX + 1]; /* + sentinel */
	uint8_t idx[ENC_RLE_TILE_MAX * ENC_RLE_TILE_MAX]; /* if pal fits */
	struct enc_rle_pal pal;
	size_t runs;
	size_t rle_len_bytes; /* run-length bytes, plain RLE */
	size_t pal_run_bytes; /* index and run-length bytes, palette RLE,
			       * if pal fits */
};

enum enc_rle_kind {
	ENC_RLE_RAW,	 /* 0 */
	ENC_RLE_SOLID,	 /* 1 */
	ENC_RLE_PACKED,	 /* 2-16: packed palette */
	ENC_RLE_PLAIN,	 /* 128: plain RLE */
	ENC_RLE_PAL_RLE, /* 130-255: palette RLE */
};

void enc_rle_cpixel_init(struct enc_rle_cpixel *c,
			 const struct rfb_pixconv *pc);
void enc_rle_put_cpixels(struct buf *b, const struct enc_rle_cpixel *c,
			 const uint32_t *px, size_t n);

/* Index of `v` in `pal`, or -1. */
int enc_rle_pal_find(const struct enc_rle_pal *pal, uint32_t v);

/* Load the tile `tr` (at most ENC_RLE_TILE_MAX square) of the
 * framebuffer, converted to the client's format, and analyse it. */
void enc_rle_tile_load(struct enc_rle_tile *t, const struct enc_params *p,
		       const struct rfb_rect *tr);
/* Find the palette and runs of t->px (after changing the pixels). */
void enc_rle_tile_analyse(struct enc_rle_tile *t);

/* Bits per packed index for a palette of n colours. */
unsigned enc_rle_packed_bits(int n);
/* Bytes of packed indices for the tile with a palette of n colours. */
size_t enc_rle_packed_size(const struct enc_rle_tile *t, int n);

/* The subencoding with the fewest bytes, counting raw as `raw_size`
 * (SIZE_MAX: never raw).  Sizes are exact, subencoding byte excluded. */
enum enc_rle_kind enc_rle_choose(const struct enc_rle_tile *t, unsigned cpx,
				 size_t raw_size, size_t *size);

/* Write the subencoding byte and the tile as `kind`. */
void enc_rle_put_tile(struct buf *b, const struct enc_rle_tile *t,
		      const struct enc_rle_cpixel *c, enum enc_rle_kind kind);

/* The packed indices or the palette runs of the tile, indexing `pal`
 * (which holds every colour of the tile), without subencoding byte or
 * palette: for TRLE's palette reuse. */
void enc_rle_put_packed_idx(struct buf *b, const struct enc_rle_tile *t,
			    const struct enc_rle_pal *pal);
void enc_rle_put_pal_runs(struct buf *b, const struct enc_rle_tile *t,
			  const struct enc_rle_pal *pal);

#endif
