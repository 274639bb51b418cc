/* TurboJPEG behind the Tight encoder.  The framebuffer's 0x00RRGGBB words
 * are one of TurboJPEG's own pixel layouts, so rectangles are compressed
 * in place, without a copy. */
#include "encode/tight_jpeg.h"

#include <limits.h>
#include <stdlib.h>

#include <turbojpeg.h>

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define TIGHT_JPEG_PF TJPF_XRGB /* bytes 00 RR GG BB */
#else
#define TIGHT_JPEG_PF TJPF_BGRX /* bytes BB GG RR 00 */
#endif

struct enc_tight_jpeg {
	tjhandle tj;
	unsigned char *buf; /* from tjAlloc, `cap` bytes */
	unsigned long cap;
};

/* RFB quality level -> libjpeg quality and chroma subsampling: the
 * table TurboVNC and TigerVNC document (measured by VirtualGL for even
 * steps in compression ratio, from about 100:1 at 0 to 10:1 at 9), so a
 * viewer's level means the same here.  Chroma is halved both ways (4:2:0)
 * up to 2, across (4:2:2) up to 5, whole from 6 on so that coloured
 * edges stay sharp; 8 is meant to look lossless, 9 nearly is. */
static const struct {
	int quality;
	int subsamp;
} tight_jpeg_levels[10] = {
	{ 15, TJSAMP_420 },  { 29, TJSAMP_420 }, { 41, TJSAMP_420 },
	{ 42, TJSAMP_422 },  { 62, TJSAMP_422 }, { 77, TJSAMP_422 },
	{ 79, TJSAMP_444 },  { 86, TJSAMP_444 }, { 92, TJSAMP_444 },
	{ 100, TJSAMP_444 },
};

struct enc_tight_jpeg *enc_tight_jpeg_new(void)
{
	struct enc_tight_jpeg *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->tj = tjInitCompress();
	if (!j->tj) {
		free(j);
		return NULL;
	}
	return j;
}

void enc_tight_jpeg_free(struct enc_tight_jpeg *j)
{
	if (!j)
		return;
	tjFree(j->buf);
	tjDestroy(j->tj);
	free(j);
}

/* Grow the output buffer to `need` bytes. */
static int tight_jpeg_reserve(struct enc_tight_jpeg *j, unsigned long need)
{
	if (need <= j->cap)
		return 0;
	if (need > INT_MAX) /* tjAlloc takes an int */
		return -1;
	tjFree(j->buf);
	j->buf = tjAlloc(need);
	j->cap = j->buf ? need : 0;
	return j->buf ? 0 : -1;
}

int enc_tight_jpeg_compress(struct enc_tight_jpeg *j, const struct rfb_fb *fb,
			    const struct rfb_rect *r, int quality,
			    const uint8_t **data, size_t *len)
{
	int level = quality < 0 ? 0 : quality > 9 ? 9 : quality;
	int subsamp = tight_jpeg_levels[level].subsamp;
	const uint32_t *src = fb->pixels + (size_t)r->y * fb->stride + r->x;
	unsigned long need = tjBufSize(r->w, r->h, subsamp), size;

	if (need == (unsigned long)-1 || tight_jpeg_reserve(j, need) < 0 ||
	    fb->stride > INT_MAX / 4)
		return -1;
	/* NOREALLOC: TurboJPEG trusts the buffer to hold tjBufSize() bytes,
	 * which tight_jpeg_reserve() made sure of, and never frees it */
	size = j->cap;
	if (tjCompress2(j->tj, (const unsigned char *)src, r->w, fb->stride * 4,
			r->h, TIGHT_JPEG_PF, &j->buf, &size, subsamp,
			tight_jpeg_levels[level].quality, TJFLAG_NOREALLOC) < 0)
		return -1;
	*data = j->buf;
	*len = size;
	return 0;
}
