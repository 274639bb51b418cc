/* CoRRE encoding (rfbproto "CoRRE Encoding"): RRE with one-byte
 * subrectangle positions and sizes, so rectangles are cut into pieces of
 * at most 255x255 and the encoder returns how many it wrote.  Noisy
 * pieces go as Raw, as for RRE, which also keeps the subrectangles of a
 * piece within what libvncclient buffers (640*480 bytes). */
#include "encode/rre.h"

#define CORRE_PIECE 255

static int corre_encode(void *state, const struct enc_params *p,
			const struct rfb_rect *r, struct buf *out)
{
	return enc_rre_rects(p, r, out, ENC_CORRE, CORRE_PIECE);
}

const struct enc_ops enc_corre_ops = {
	.type = ENC_CORRE,
	.name = "corre",
	.encode = corre_encode,
};
