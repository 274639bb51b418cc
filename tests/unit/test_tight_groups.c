/* The Tight encoder on whole screens: one update cut into groups encoded
 * at once on several threads and decoded through one set of streams,
 * JPEG quality against PSNR, and a screen of solid areas, text and a
 * photo cut by content (fills, 1-bit text, JPEG only for the photo).
 * The fixture and decoder are tightcase.h's. */
#include "tightcase.h"

/* ---- one update cut into groups encoded at once ---- */

struct group_arg {
	void *st;
	int k, ngroups;
	const struct rfb_pixconv *pc;
	const struct rfb_rect *rects; /* the group's, in order */
	int nrects, count;
	struct buf out;
};

static void *group_thread(void *data)
{
	struct group_arg *a = data;
	struct enc_params p = { &fb, a->pc, 6, -1, NULL, false };
	int n;

	for (int i = 0; i < a->nrects; i++) {
		n = enc_tight_ops.encode_group(a->st, a->k, a->ngroups, &p,
					       &a->rects[i], &a->out);
		a->count = n < 0 || a->count < 0 ? -1 : a->count + n;
	}
	return NULL;
}

/* Encode the whole framebuffer as `ngroups` bands of two rectangles each
 * (left and right parts), every group on its own thread, then decode the
 * groups' outputs in group order with one decoder; sids[k] gets the
 * streams group k used or reset. */
static bool group_round_trip(void *st, int ngroups, unsigned *sids)
{
	struct rfb_pixconv pc;
	struct rfb_rect rr[4][2];
	struct group_arg a[4];
	pthread_t t[4];
	bool started[4];
	struct rd r;
	bool ok = true;
	int k, i;

	rfb_pixconv_init(&pc, &dec.fc->pf);
	memset(dec.cover, 0, sizeof(dec.cover));
	for (k = 0; k < ngroups; k++) {
		int y0 = FB_H * k / ngroups, y1 = FB_H * (k + 1) / ngroups;

		rr[k][0] = (struct rfb_rect){ 0, y0, 700, y1 - y0 };
		rr[k][1] = (struct rfb_rect){ 700, y0, FB_W - 700, y1 - y0 };
		memset(&a[k], 0, sizeof(a[k]));
		a[k] = (struct group_arg){ .st = st, .k = k,
					   .ngroups = ngroups, .pc = &pc,
					   .rects = rr[k], .nrects = 2 };
		buf_init(&a[k].out);
		started[k] = !pthread_create(&t[k], NULL, group_thread, &a[k]);
		if (!started[k])
			group_thread(&a[k]); /* then one after another */
	}
	for (k = 0; k < ngroups; k++)
		if (started[k])
			pthread_join(t[k], NULL);
	for (k = 0; k < ngroups; k++) {
		ok = ok && CHECKF(a[k].count > 0 && !a[k].out.failed,
				  "group %d of %d", k, ngroups);
		dec.sids = 0;
		rd_init(&r, a[k].out.data, a[k].out.len);
		for (i = 0; i < a[k].count && ok; i++)
			ok = dec_rect(&r);
		ok = ok && CHECK_EQ(rd_left(&r), 0);
		sids[k] = dec.sids;
		buf_free(&a[k].out);
	}
	for (i = 0; i < FB_W * FB_H && ok; i++)
		ok = CHECKF(dec.cover[i] == 1, "pixel %d painted %u times", i,
			    dec.cover[i]);
	return ok;
}

/* Several updates, cut into 2, 3 and 4 groups and whole in turn, through
 * one encoder state and one decoder: pixel for pixel, every time. */
static void test_groups_lossless(void)
{
	static const int plan[] = { 2, 2, 1, 3, 4, 2, 1, 4 };
	const struct rfb_rect all = { 0, 0, FB_W, FB_H };
	static const size_t fs[] = { FMT_RGB888, FMT_16BE, FMT_8 };
	unsigned sids[4];
	size_t f, i;

	for (f = 0; f < sizeof(fs) / sizeof(fs[0]); f++) {
		void *st = enc_tight_ops.state_new();

		dec_init(&fmts[fs[f]]);
		for (i = 0; i < sizeof(plan) / sizeof(plan[0]); i++) {
			fill(i % 2 ? P_PAL30 : i % 3 ? P_NOISE : P_PAL5);
			if (plan[i] == 1)
				CHECK(round_trip(st, &all, 6, -1, NULL) > 0);
			else
				CHECK(group_round_trip(st, plan[i], sids));
			if (!CHECKF(same_pixels(&all), "%s update %zu",
				    fmts[fs[f]].name, i))
				break;
		}
		CHECKF(dec.kinds[K_COPY] &&
			       (dec.kinds[K_INDEXED] || fmts[fs[f]].pf.bpp == 8),
		       "%s: %u indexed, %u copy", fmts[fs[f]].name,
		       dec.kinds[K_INDEXED], dec.kinds[K_COPY]);
		dec_fini();
		enc_tight_ops.state_free(st);
	}
}

/* Group k of n uses (and resets) only its own streams: k*4/n to
 * (k+1)*4/n - 1, so the groups' streams are disjoint. */
static void test_groups_streams(void)
{
	unsigned sids[4], seen;
	int n, k, pat;

	for (n = 2; n <= 4; n++) {
		void *st = enc_tight_ops.state_new();

		dec_init(&fmts[FMT_RGB888]);
		for (pat = 0; pat < 2; pat++) {
			/* full colour and palettes in every band */
			fill(pat ? P_PAL30 : P_NOISE);
			if (!CHECK(group_round_trip(st, n, sids)))
				break;
			seen = 0;
			for (k = 0; k < n; k++) {
				unsigned own = ((1u << (4 / n)) - 1)
					       << (k * (4 / n));

				CHECKF(sids[k] && !(sids[k] & ~own),
				       "%d groups: group %d used streams %#x",
				       n, k, sids[k]);
				CHECK(!(sids[k] & seen));
				seen |= sids[k];
			}
		}
		/* group sizes out of range are refused */
		{
			struct rfb_pixconv pc;
			struct enc_params p = { &fb, &pc, 6, -1, NULL, false };
			const struct rfb_rect r = { 0, 0, 8, 8 };
			struct buf out;

			rfb_pixconv_init(&pc, &fmts[FMT_RGB888].pf);
			buf_init(&out);
			CHECK(enc_tight_ops.encode_group(st, n, n, &p, &r,
							 &out) < 0);
			CHECK(enc_tight_ops.encode_group(st, 0, 5, &p, &r,
							 &out) < 0);
			buf_free(&out);
		}
		dec_fini();
		enc_tight_ops.state_free(st);
	}
	CHECK_EQ(enc_tight_ops.max_groups, 4);
}

static double psnr(const struct rfb_rect *r)
{
	double se = 0, d;
	int x, y, c;

	for (y = r->y; y < r->y + r->h; y++) {
		for (x = r->x; x < r->x + r->w; x++) {
			for (c = 0; c < 24; c += 8) {
				d = (int)(fb_px[y * FB_STRIDE + x] >> c & 255) -
				    (int)(dec.rgb[y * FB_W + x] >> c & 255);
				se += d * d;
			}
		}
	}
	se /= 3.0 * r->w * r->h;
	return se ? 10 * log10(255.0 * 255.0 / se) : 99;
}

/* JPEG in 16 and 32 bpp formats at every quality: close to the source,
 * closer and larger as quality rises; split like the rest. */
static void test_jpeg(void)
{
	static const size_t fs[] = { FMT_RGB888, FMT_BE24, FMT_DEPTH32,
				     7,		 FMT_16LE, FMT_16BE };
	const struct rfb_rect r = { 21, 13, 201, 151 },
			      big = { 0, 0, 300, 250 };
	size_t size[10], i;
	double q[10];
	int level;
	void *st;

	fill(P_PHOTO);
	for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		st = enc_tight_ops.state_new();
		dec_init(&fmts[fs[i]]);
		for (level = 0; level < 10; level++) {
			CHECK(round_trip(st, &r, 6, level, &size[level]) == 1 &&
			      dec.kind == K_JPEG);
			q[level] = psnr(&r);
		}
		CHECKF(q[9] > 45 && q[5] > 36 && q[0] > 29 && q[9] > q[5] &&
			       q[5] > q[0] && size[9] > size[5] &&
			       size[5] > size[0],
		       "%s: %.1f dB %zu bytes at 0, %.1f dB %zu bytes at 9",
		       fmts[fs[i]].name, q[0], size[0], q[9], size[9]);
		CHECK(round_trip(st, &big, 6, 9, NULL) == 2 &&
		      dec.kinds[K_JPEG] == 12 && psnr(&big) > 45);
		dec_fini();
		enc_tight_ops.state_free(st);
	}
}

/* ---- a screen: solid areas, text and a photo in one rectangle ---- */

#define SIDE_W 200				/* a solid side bar */
#define PHOTO_X 832				/* a photo, on the grid */
#define PHOTO_Y 64				/* of 64 x 64 squares */
#define PHOTO_W 384
#define PHOTO_H 128

/* Text in two colours on a light background right of the side bar, with
 * a blank margin on the right, and the photo over it. */
static void fill_screen(void)
{
	int x, y;

	for (y = 0; y < FB_H; y++) {
		for (x = 0; x < FB_W; x++) {
			uint32_t v = 0xeeeee0;

			if (x < SIDE_W)
				v = 0x303848;
			else if (x >= SIDE_W + 8 && x < FB_W - 120 &&
				 y % 14 > 2 && rnd() % 3 == 0)
				v = 0x141428; /* a glyph's pixel */
			if (x >= PHOTO_X && x < PHOTO_X + PHOTO_W &&
			    y >= PHOTO_Y && y < PHOTO_Y + PHOTO_H)
				v = photo_pixel(x, y);
			fb_px[y * FB_STRIDE + x] = v;
		}
	}
}

/* Everything but the photo decoded exactly. */
static bool same_outside_photo(void)
{
	const struct rfb_rect parts[] = {
		{ 0, 0, FB_W, PHOTO_Y },
		{ 0, PHOTO_Y + PHOTO_H, FB_W, FB_H - PHOTO_Y - PHOTO_H },
		{ 0, PHOTO_Y, PHOTO_X, PHOTO_H },
		{ PHOTO_X + PHOTO_W, PHOTO_Y, FB_W - PHOTO_X - PHOTO_W,
		  PHOTO_H },
	};
	bool ok = true;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		ok = same_pixels(&parts[i]) && ok;
	return ok;
}

/* Each part goes as its own kind: the side bar and the margin as fills,
 * the text at 1 bit per pixel, the photo alone as JPEG (or full colour
 * when lossless), in every 32-bit format and in groups. */
static void test_screen(void)
{
	static const size_t fs[] = { FMT_RGB888, FMT_BE24, 4, FMT_16LE };
	const struct rfb_rect all = { 0, 0, FB_W, FB_H };
	const size_t photo = (size_t)PHOTO_W * PHOTO_H;
	size_t i, lossless, jpeg;
	unsigned sids[4];
	void *st;

	fill_screen();
	for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		st = enc_tight_ops.state_new();
		dec_init(&fmts[fs[i]]);
		CHECK(round_trip(st, &all, 2, -1, &lossless) > 0 &&
		      same_pixels(&all));
		CHECKF(dec.area[K_COPY] == photo && !dec.kinds[K_JPEG] &&
			       dec.area[K_FILL] >= (size_t)SIDE_W * FB_H &&
			       dec.area[K_MONO] > (size_t)FB_W * FB_H / 2,
		       "%s lossless: fill %zu mono %zu indexed %zu copy %zu",
		       fmts[fs[i]].name, dec.area[K_FILL], dec.area[K_MONO],
		       dec.area[K_INDEXED], dec.area[K_COPY]);
		dec_clear_counts();
		CHECK(round_trip(st, &all, 2, 8, &jpeg) > 0 &&
		      same_outside_photo());
		CHECKF(dec.area[K_JPEG] == photo && !dec.kinds[K_COPY] &&
			       dec.area[K_FILL] >= (size_t)SIDE_W * FB_H &&
			       dec.area[K_MONO] > (size_t)FB_W * FB_H / 2 &&
			       (jpeg < lossless / 2 || fmts[fs[i]].tpx != 3),
		       "%s JPEG: fill %zu mono %zu jpeg %zu, %zu bytes "
		       "(lossless %zu)",
		       fmts[fs[i]].name, dec.area[K_FILL], dec.area[K_MONO],
		       dec.area[K_JPEG], jpeg, lossless);
		/* in groups too, lossless; bands are not on the photo's
		 * grid, so their tiles at its edges hold text too */
		dec_clear_counts();
		CHECK(group_round_trip(st, 3, sids) && same_pixels(&all));
		CHECK(dec.area[K_COPY] >= photo &&
		      dec.area[K_COPY] < photo * 3 / 2 && dec.area[K_MONO]);
		dec_fini();
		enc_tight_ops.state_free(st);
	}
}

int main(void)
{
	UNIT_RUN(test_groups_lossless);
	UNIT_RUN(test_groups_streams);
	UNIT_RUN(test_jpeg);
	UNIT_RUN(test_screen);
	if (dec.tj)
		tjDestroy(dec.tj);
	return UNIT_DONE();
}
