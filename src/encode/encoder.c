/* The table of encoders we implement.  Each encoding lives in its own file
 * under src/encode/; adding one means one line here and its extern in
 * encoder.h. */
#include "encode/encoder.h"

#include <stddef.h>

static const struct enc_ops *const enc_table[] = {
	&enc_raw_ops,
	&enc_zrle_ops,
	&enc_rre_ops,
	&enc_corre_ops,
	&enc_hextile_ops,
	&enc_zlib_ops,
	&enc_trle_ops,
	&enc_zywrle_ops,
	&enc_tight_ops,
};

const struct enc_ops *enc_find(int32_t type)
{
	size_t i;

	for (i = 0; i < sizeof(enc_table) / sizeof(enc_table[0]); i++) {
		if (enc_table[i]->type == type)
			return enc_table[i];
	}
	return NULL;
}

/* rfbproto "FramebufferUpdate": x, y, width, height as U16, then the
 * encoding type as S32. */
void enc_put_rect_header(struct buf *out, const struct rfb_rect *r,
			 int32_t type)
{
	buf_put_u16(out, r->x);
	buf_put_u16(out, r->y);
	buf_put_u16(out, r->w);
	buf_put_u16(out, r->h);
	buf_put_u32(out, (uint32_t)type);
}
