/* The RRE writer CoRRE shares: they differ only in the size of the
 * subrectangle coordinates (rfbproto "CoRRE Encoding"). */
#ifndef XRFB_ENCODE_RRE_H
#define XRFB_ENCODE_RRE_H

#include "encode/encoder.h"

/* Encode `r` as RRE (type ENC_RRE) or CoRRE (ENC_CORRE) rectangles of at
 * most `piece` pixels square; pieces that would be bigger than raw pixels
 * are split, then sent as Raw.  Returns the number of rectangles, or -1. */
int enc_rre_rects(const struct enc_params *p, const struct rfb_rect *r,
		  struct buf *out, int32_t type, int piece);

#endif
