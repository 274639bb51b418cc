/* Background choice and greedy rectangle cover for the RRE family
 * (rfbproto "RRE Encoding": "the near-optimal partition ... is relatively
 * easy to compute"; we settle for greedy). */
#include "encode/subrect.h"

#include <string.h>

#define BG_HASH_BITS 10
#define BG_HASH (1u << BG_HASH_BITS)
#define BG_MAX_COLOURS (BG_HASH / 2) /* keeps probe chains short */

struct bg_slot {
	uint32_t px;
	uint32_t count; /* 0: empty */
};

static void bg_count(struct bg_slot *tab, unsigned *ncol, uint32_t v,
		     uint32_t k)
{
	unsigned h = (v * 2654435761u) >> (32 - BG_HASH_BITS);

	while (tab[h].count && tab[h].px != v)
		h = (h + 1) & (BG_HASH - 1);
	if (tab[h].count) {
		tab[h].count += k;
	} else if (*ncol < BG_MAX_COLOURS) {
		tab[h].px = v;
		tab[h].count = k;
		++*ncol;
	}
}

uint32_t enc_subrect_background(const uint32_t *px, size_t n)
{
	struct bg_slot tab[BG_HASH];
	unsigned ncol = 0, h;
	size_t i, start = 0;
	uint32_t best = px[0], most = 0;

	memset(tab, 0, sizeof(tab));
	/* count runs, not pixels: flat areas cost one probe per run */
	for (i = 1; i <= n; i++) {
		if (i < n && px[i] == px[start])
			continue;
		bg_count(tab, &ncol, px[start], i - start);
		start = i;
	}
	for (h = 0; h < BG_HASH; h++) {
		if (tab[h].count > most) {
			most = tab[h].count;
			best = tab[h].px;
		}
	}
	return best;
}

void enc_cover_init(struct enc_cover *cv, const uint32_t *px, int w, int h,
		    uint32_t bg, uint8_t *done)
{
	cv->px = px;
	cv->w = w;
	cv->h = h;
	cv->bg = bg;
	cv->done = done;
	cv->pos = 0;
	memset(done, 0, (size_t)w * h);
}

/* Pixels of colour c from `row` on, at most `max`. */
static int cover_run(const uint32_t *row, int max, uint32_t c)
{
	int k = 0;

	while (k < max && row[k] == c)
		k++;
	return k;
}

/* The largest rectangle of colour `c` with its top-left corner at
 * (x, y): for each height, as wide as every row allows.  It may include
 * pixels already painted the same colour. */
static void cover_grow(const struct enc_cover *cv, int x, int y, uint32_t c,
		       struct enc_subrect *sr)
{
	const uint32_t *row = cv->px + (size_t)y * cv->w + x;
	int w = cover_run(row, cv->w - x, c), yy;
	long best = w;

	sr->px = c;
	sr->x = x;
	sr->y = y;
	sr->w = w;
	sr->h = 1;
	for (yy = y + 1; yy < cv->h; yy++) {
		row += cv->w;
		w = cover_run(row, w, c);
		if (!w)
			break;
		if ((long)w * (yy - y + 1) > best) {
			best = (long)w * (yy - y + 1);
			sr->w = w;
			sr->h = yy - y + 1;
		}
	}
}

bool enc_cover_next(struct enc_cover *cv, struct enc_subrect *sr)
{
	size_t n = (size_t)cv->w * cv->h;
	int y;

	while (cv->pos < n &&
	       (cv->done[cv->pos] || cv->px[cv->pos] == cv->bg))
		cv->pos++;
	if (cv->pos == n)
		return false;
	cover_grow(cv, cv->pos % cv->w, cv->pos / cv->w, cv->px[cv->pos],
		   sr);
	for (y = sr->y; y < sr->y + sr->h; y++)
		memset(cv->done + (size_t)y * cv->w + sr->x, 1, sr->w);
	return true;
}
