/* 8 bpp colour-map pixel formats (rfbproto 7.4, 7.6.2): we fix the map to
 * 256 colours laid out like BGR233 true colour, so pixels are indices
 * computed by the same conversion tables, and tell the client the map
 * with SetColourMapEntries. */
#include "rfb/internal.h"

#define MSG_SET_COLOUR_MAP_ENTRIES 1

void rfb_colourmap_set(struct rfb_client *c, const struct rfb_pixfmt *pf)
{
	struct rfb_pixfmt tc = *pf;

	tc.true_colour = true;
	tc.depth = 8;
	tc.rmax = 7;
	tc.gmax = 7;
	tc.bmax = 3;
	tc.rshift = 0;
	tc.gshift = 3;
	tc.bshift = 6;
	rfb_pixconv_init(&c->pc, &tc);
	c->colour_map = true;
	buf_put_u8(&c->out, MSG_SET_COLOUR_MAP_ENTRIES);
	buf_put_u8(&c->out, 0);
	buf_put_u16(&c->out, 0);   /* first colour */
	buf_put_u16(&c->out, 256); /* number of colours */
	for (unsigned i = 0; i < 256; i++) {
		buf_put_u16(&c->out, (uint16_t)((i & 7) * 65535u / 7));
		buf_put_u16(&c->out, (uint16_t)((i >> 3 & 7) * 65535u / 7));
		buf_put_u16(&c->out, (uint16_t)((i >> 6) * 65535u / 3));
	}
	rfb_client_flush(c);
}
