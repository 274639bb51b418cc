/* Synthetic desktop content for tests that push pixels through encoders:
 * text, gradients, photo-like images, noise, few-colour window shapes.
 * Deterministic for a given seed, so two processes can paint the same
 * picture.  Pixels are 0x00RRGGBB words, as in struct rfb_fb. */
#ifndef XRFB_TESTS_TESTPIC_H
#define XRFB_TESTS_TESTPIC_H

#include <math.h>
#include <stdint.h>

struct testpic {
	uint32_t *px;
	int stride; /* pixels per row */
	uint32_t rng;
};

enum testpic_fill {
	TP_SOLID,
	TP_TEXT,
	TP_GRADIENT,
	TP_FEW,
	TP_PHOTO,
	TP_NOISE,
	TP_MIXED, /* text, noise, gradient, few colours in quadrants */
};

static inline uint32_t testpic_rnd(struct testpic *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 17;
	t->rng ^= t->rng << 5;
	return t->rng;
}

static inline uint32_t *testpic_at(struct testpic *t, int x, int y)
{
	return &t->px[y * t->stride + x];
}

static inline uint32_t testpic_rgb(int r, int g, int b)
{
	r = r < 0 ? 0 : r > 255 ? 255 : r;
	g = g < 0 ? 0 : g > 255 ? 255 : g;
	b = b < 0 ? 0 : b > 255 ? 255 : b;
	return (uint32_t)r << 16 | g << 8 | b;
}

static inline void testpic_rect(struct testpic *t, int x0, int y0, int w,
				int h, uint32_t v)
{
	for (int y = y0; y < y0 + h; y++)
		for (int x = x0; x < x0 + w; x++)
			*testpic_at(t, x, y) = v;
}

/* A vertical stroke of a glyph whose cell starts at x, y, sometimes with
 * a grey pixel beside it as antialiasing leaves. */
static inline void testpic_stroke(struct testpic *t, int x, int y,
				  uint32_t fg)
{
	int gx = x + testpic_rnd(t) % 5;
	int gy = y + testpic_rnd(t) % 8;
	int len = 1 + testpic_rnd(t) % 4;

	for (int i = 0; i < len && gy + i < y + 11; i++)
		*testpic_at(t, gx, gy + i) = fg;
	if (testpic_rnd(t) % 4 == 0)
		*testpic_at(t, gx + 1, gy) = 0x8a8a8a;
}

/* Lines of 6x11 glyphs of random strokes on paper, some in link blue. */
static inline void testpic_text(struct testpic *t, int x0, int y0, int w,
				int h)
{
	static const uint32_t ink[] = { 0x101010, 0x101010, 0x1a3c9e };
	uint32_t fg;

	testpic_rect(t, x0, y0, w, h, 0xfbfaf5);
	for (int y = y0 + 2; y + 11 <= y0 + h; y += 14) {
		fg = ink[testpic_rnd(t) % 3];
		for (int x = x0 + 2; x + 6 <= x0 + w; x += 7) {
			if (testpic_rnd(t) % 6 == 0)
				continue; /* a space */
			for (int k = 0; k < 10; k++)
				testpic_stroke(t, x, y, fg);
		}
	}
}

static inline void testpic_gradient(struct testpic *t, int x0, int y0,
				    int w, int h)
{
	int dx = w > 1 ? w - 1 : 1, dy = h > 1 ? h - 1 : 1;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			*testpic_at(t, x0 + x, y0 + y) =
				testpic_rgb(255 * x / dx, 255 * y / dy,
					    255 - 128 * (x + y) / (w + h));
}

/* Windows, buttons and borders in five colours, and a title bar across
 * everything (wider than 255: CoRRE must cut it, RRE needs 16 bits). */
static inline void testpic_few(struct testpic *t, int x0, int y0, int w,
			       int h)
{
	static const uint32_t pal[] = { 0xd4d0c8, 0x0a246a, 0xffffff,
					0x808080, 0xe81123 };
	int rw, rh, rx, ry;

	testpic_rect(t, x0, y0, w, h, pal[0]);
	for (int i = 0; i < 30; i++) {
		rw = 1 + testpic_rnd(t) % (w / 2 + 1);
		rh = 1 + testpic_rnd(t) % (h / 2 + 1);
		rx = x0 + testpic_rnd(t) % (w - rw + 1);
		ry = y0 + testpic_rnd(t) % (h - rh + 1);
		testpic_rect(t, rx, ry, rw, rh, pal[3]);
		if (rw > 2 && rh > 2)
			testpic_rect(t, rx + 1, ry + 1, rw - 2, rh - 2,
				     pal[testpic_rnd(t) % 5]);
	}
	testpic_rect(t, x0, y0 + h / 3, w, h / 10, pal[1]);
}

/* Smooth shapes with grain and some sharp dark bars, like a photograph:
 * many colours, so lossy coders get it, and edges, so misplaced
 * coefficients show. */
static inline void testpic_photo(struct testpic *t, int x0, int y0, int w,
				 int h)
{
	double fx, fy;
	int n;

	for (int y = y0; y < y0 + h; y++) {
		for (int x = x0; x < x0 + w; x++) {
			fx = x / 23.0;
			fy = y / 17.0;
			n = (int)(testpic_rnd(t) % 25) - 12;
			if ((x + 2 * y) % 29 < 3)
				n -= 90;
			*testpic_at(t, x, y) =
				testpic_rgb(128 + 90 * sin(fx) * cos(fy) + n,
					    120 + 80 * sin(fx + fy) + n,
					    100 + 70 * cos(fx * 0.7 - fy) + n);
		}
	}
}

/* Paint `f` over x, y, w, h. */
static inline void testpic_fill(struct testpic *t, enum testpic_fill f, int x,
				int y, int w, int h)
{
	int hw = w / 2, hh = h / 2;

	if (f == TP_SOLID)
		testpic_rect(t, x, y, w, h, 0x3a6ea5);
	else if (f == TP_TEXT)
		testpic_text(t, x, y, w, h);
	else if (f == TP_GRADIENT)
		testpic_gradient(t, x, y, w, h);
	else if (f == TP_FEW)
		testpic_few(t, x, y, w, h);
	else if (f == TP_PHOTO)
		testpic_photo(t, x, y, w, h);
	else if (f == TP_NOISE)
		for (int j = y; j < y + h; j++)
			for (int i = x; i < x + w; i++)
				*testpic_at(t, i, j) =
					testpic_rnd(t) & 0xffffff;
	if (f != TP_MIXED)
		return;
	testpic_text(t, x, y, hw, hh);
	testpic_fill(t, TP_NOISE, x + hw, y, w - hw, hh);
	testpic_gradient(t, x, y + hh, hw, h - hh);
	testpic_few(t, x + hw, y + hh, w - hw, h - hh);
}

#endif
