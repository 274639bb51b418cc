/* JPEG compression for the Tight encoder (rfbproto "Tight Encoding",
 * JpegCompression).  Kept apart so that TurboJPEG is used in one place. */
#ifndef XRFB_ENCODE_TIGHT_JPEG_H
#define XRFB_ENCODE_TIGHT_JPEG_H

#include <stddef.h>
#include <stdint.h>

#include "rfb/desktop.h"

struct enc_tight_jpeg;

/* A compressor and its output buffer; NULL on OOM. */
struct enc_tight_jpeg *enc_tight_jpeg_new(void);
void enc_tight_jpeg_free(struct enc_tight_jpeg *j);

/* Compress `r` (inside `fb`) at RFB quality level 0-9.  On success returns
 * 0 and points *data at *len bytes of JFIF owned by `j`, valid until the
 * next call; -1 on failure. */
int enc_tight_jpeg_compress(struct enc_tight_jpeg *j, const struct rfb_fb *fb,
			    const struct rfb_rect *r, int quality,
			    const uint8_t **data, size_t *len);

#endif
