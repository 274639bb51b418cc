/* Raw encoding (rfbproto "Raw Encoding"): the rectangle's pixels in the
 * client's format, left to right, top to bottom.  No state. */
#include "encode/encoder.h"

static int raw_encode(void *state, const struct enc_params *p,
		      const struct rfb_rect *r, struct buf *out)
{
	const struct rfb_pixconv *pc = p->pc;
	const uint32_t *src;
	size_t row = (size_t)r->w * pc->bytes;
	int y;

	enc_put_rect_header(out, r, ENC_RAW);
	src = p->fb->pixels + (size_t)r->y * p->fb->stride + r->x;
	for (y = 0; y < r->h; y++) {
		/* row by row: a rectangle's total can be large and this
		 * keeps the size arithmetic trivially in range */
		if (buf_reserve(out, row) < 0)
			return -1;
		rfb_pixconv_row(pc, out->data + out->len, src, r->w);
		out->len += row;
		src += p->fb->stride;
	}
	return out->failed ? -1 : 1;
}

const struct enc_ops enc_raw_ops = {
	.type = ENC_RAW,
	.name = "raw",
	.encode = raw_encode,
};
