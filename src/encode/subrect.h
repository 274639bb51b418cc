/* What RRE, CoRRE and Hextile share: the background of a block of pixels
 * and a greedy cover of everything else by one-colour subrectangles. */
#ifndef XRFB_ENCODE_SUBRECT_H
#define XRFB_ENCODE_SUBRECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct enc_subrect {
	uint32_t px; /* client pixel value */
	int x, y, w, h;
};

/* A walk over a w x h block (client pixel values, stride w) yielding
 * subrectangles that together paint every pixel that is not `bg`, each
 * only over pixels of its own colour, so their order does not matter. */
struct enc_cover {
	const uint32_t *px;
	int w, h;
	uint32_t bg;
	uint8_t *done; /* w * h flags: pixel already painted */
	size_t pos;    /* where to look for the next unpainted pixel */
};

/* The most common value of px[0..n) (n > 0), counting at most the first
 * few hundred distinct colours: beyond that the block is noise and any
 * background will do. */
uint32_t enc_subrect_background(const uint32_t *px, size_t n);

/* `done` is caller scratch of w * h bytes; it is cleared here. */
void enc_cover_init(struct enc_cover *cv, const uint32_t *px, int w, int h,
		    uint32_t bg, uint8_t *done);
/* The next subrectangle, or false when everything is painted. */
bool enc_cover_next(struct enc_cover *cv, struct enc_subrect *sr);

#endif
