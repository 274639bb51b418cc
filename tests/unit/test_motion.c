/* Scroll and move detection on synthetic images: scrolls both ways with
 * new lines appearing, a window moved over a background, no motion at
 * all, and repeated content.  Every copy reported, in every test, is
 * checked to be exact: new[dst] == old[dst - d], inside the rectangle,
 * not touching earlier copies' destinations. */
#include "x11/motion.h"

#include <stdlib.h>

#include "unit.h"

#define W 320
#define H 240

static uint32_t rng_state = 12345;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static uint32_t *img_new(int w, int h)
{
	return calloc((size_t)w * (size_t)h, sizeof(uint32_t));
}

static void fill_noise(uint32_t *p, int stride, int x, int y, int w, int h)
{
	for (int r = y; r < y + h; r++)
		for (int c = x; c < x + w; c++)
			p[r * stride + c] = rnd() & 0xffffff;
}

/* Terminal-like text: lines 12 rows high, 9 rows of two-colour "glyph"
 * pixels and 3 blank rows, on a flat background. */
static void text_line(uint32_t *p, int stride, int w, int y, int rows)
{
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < w; c++)
			p[(y + r) * stride + c] =
				(y + r) % 12 < 9 && rnd() % 3 == 0 ? 0xe0e0e0
								   : 0x101010;
}

static void fill_text(uint32_t *p, int stride, int w, int h)
{
	for (int y = 0; y < h; y++)
		text_line(p, stride, w, y, 1);
}

static int rect_contains(const struct rfb_rect *r, int x, int y, int w, int h)
{
	return r->x >= x && r->y >= y && r->x + r->w <= x + w &&
	       r->y + r->h <= y + h;
}

static int rects_overlap(const struct rfb_rect *a, const struct rfb_rect *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h &&
	       b->y < a->y + a->h;
}

/* The contract of x11_motion_find, for each of the n copies. */
static bool check_copies(int line, const uint32_t *old, int os,
			 const uint32_t *cur, int ns, int w, int h,
			 const struct x11_motion *mv, int n)
{
	bool ok = true;

	for (int i = 0; i < n; i++) {
		struct rfb_rect d = mv[i].dst;
		struct rfb_rect s = { d.x - mv[i].dx, d.y - mv[i].dy, d.w,
				      d.h };
		bool exact = true;

		ok &= unit_check(d.w >= X11_MOTION_MIN_SIDE &&
					 d.h >= X11_MOTION_MIN_SIDE,
				 __FILE__, line, "copy %d is %dx%d", i, d.w,
				 d.h);
		if (!unit_check(rect_contains(&d, 0, 0, w, h) &&
					rect_contains(&s, 0, 0, w, h),
				__FILE__, line, "copy %d outside", i)) {
			ok = false;
			continue;
		}
		for (int y = 0; y < d.h && exact; y++)
			exact = !memcmp(&cur[(d.y + y) * ns + d.x],
					&old[(s.y + y) * os + s.x],
					(size_t)d.w * sizeof(uint32_t));
		ok &= unit_check(exact, __FILE__, line,
				 "copy %d (%d,%d %dx%d by %d,%d) is not exact",
				 i, d.x, d.y, d.w, d.h, mv[i].dx, mv[i].dy);
		for (int k = 0; k < i; k++)
			ok &= unit_check(!rects_overlap(&mv[k].dst, &d) &&
						 !rects_overlap(&mv[k].dst, &s),
					 __FILE__, line,
					 "copy %d touches copy %d's dst", i, k);
	}
	return ok;
}

static int find(const uint32_t *old, const uint32_t *cur, int w, int h,
		struct x11_motion *mv, int line)
{
	int n = x11_motion_find(old, w, cur, w, w, h, mv, X11_MOTION_MAX);

	check_copies(line, old, w, cur, w, w, h, mv, n);
	return n;
}

/* The rows of the copies with offset (0, dy), summed. */
static long rows_copied(const struct x11_motion *mv, int n, int dy, int w)
{
	long rows = 0;

	for (int i = 0; i < n; i++)
		if (mv[i].dx == 0 && mv[i].dy == dy && mv[i].dst.w == w)
			rows += mv[i].dst.h;
	return rows;
}

/* Content moves by dy (negative: up, as a terminal scrolls); the rows
 * uncovered get fresh text. */
static void scroll_case(int dy)
{
	uint32_t *old = img_new(W, H), *cur = img_new(W, H);
	struct x11_motion mv[X11_MOTION_MAX];
	int n;

	fill_text(old, W, W, H);
	for (int y = 0; y < H; y++) {
		if (y - dy >= 0 && y - dy < H)
			memcpy(&cur[y * W], &old[(y - dy) * W], W * 4);
		else
			text_line(cur, W, W, y, 1);
	}
	n = find(old, cur, W, H, mv, __LINE__);
	CHECKF(n >= 1, "scroll by %d: no copy", dy);
	CHECKF(rows_copied(mv, n, dy, W) >= H - abs(dy) - 2,
	       "scroll by %d: %ld rows copied of %d", dy,
	       rows_copied(mv, n, dy, W), H - abs(dy));
	free(old);
	free(cur);
}

static void test_scroll(void)
{
	static const int dys[] = { -1, -12, -13, -36, -100, 1, 7, 25, 150 };

	for (size_t i = 0; i < sizeof(dys) / sizeof(dys[0]); i++)
		scroll_case(dys[i]);
}

/* A terminal scrolls left of a scrollbar that stays where it is. */
static void test_scroll_beside_static(void)
{
	uint32_t *old = img_new(W, H), *cur = img_new(W, H);
	struct x11_motion mv[X11_MOTION_MAX];
	const int tw = 256, dy = -24;
	int n;

	fill_text(old, W, tw, H);
	fill_noise(old, W, tw, 0, W - tw, H);
	memcpy(cur, old, W * H * 4);
	for (int y = 0; y < H; y++) {
		if (y - dy < H)
			memcpy(&cur[y * W], &old[(y - dy) * W], tw * 4);
		else
			text_line(cur, W, tw, y, 1);
	}
	n = find(old, cur, W, H, mv, __LINE__);
	if (!CHECK(n >= 1))
		goto out;
	CHECK_EQ(mv[0].dx, 0);
	CHECK_EQ(mv[0].dy, dy);
	CHECK_EQ(mv[0].dst.x, 0);
	CHECK_EQ(mv[0].dst.w, tw);
	CHECK_EQ(mv[0].dst.h, H + dy);
out:
	free(old);
	free(cur);
}

/* A 120x90 window of noise at (40, 50) moves by (dx, dy) over a
 * background; where it was, the background shows again. */
static void move_case(int dx, int dy, bool flat_background)
{
	uint32_t *bg = img_new(W, H), *old, *cur;
	struct x11_motion mv[X11_MOTION_MAX];
	struct rfb_rect win = { 40 + dx, 50 + dy, 120, 90 };
	int n;

	if (flat_background)
		for (int i = 0; i < W * H; i++)
			bg[i] = 0x336699;
	else
		fill_noise(bg, W, 0, 0, W, H);
	old = img_new(W, H);
	cur = img_new(W, H);
	memcpy(old, bg, W * H * 4);
	memcpy(cur, bg, W * H * 4);
	fill_noise(old, W, 40, 50, win.w, win.h);
	for (int y = 0; y < win.h; y++)
		memcpy(&cur[(win.y + y) * W + win.x], &old[(50 + y) * W + 40],
		       (size_t)win.w * 4);
	n = find(old, cur, W, H, mv, __LINE__);
	if (!CHECKF(n >= 1 && mv[0].dx == dx && mv[0].dy == dy,
		    "move by %d,%d (flat %d): %d copies, first by %d,%d", dx,
		    dy, flat_background, n, n ? mv[0].dx : 0, n ? mv[0].dy : 0))
		goto out;
	/* Over noise only the window itself can match; over a flat
	 * background some of the background may come along. */
	if (!flat_background)
		CHECKF(!memcmp(&mv[0].dst, &win, sizeof(win)),
		       "move by %d,%d: dst %d,%d %dx%d", dx, dy, mv[0].dst.x,
		       mv[0].dst.y, mv[0].dst.w, mv[0].dst.h);
	else
		CHECKF(rect_contains(&win, mv[0].dst.x, mv[0].dst.y,
				     mv[0].dst.w, mv[0].dst.h),
		       "move by %d,%d: window not covered", dx, dy);
out:
	free(bg);
	free(old);
	free(cur);
}

static void test_window_move(void)
{
	static const int d[][2] = { { 17, 9 },	{ -30, 25 }, { 5, -40 },
				    { 0, 50 },	{ 60, 0 },   { -1, -1 },
				    { 100, 90 } };

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		move_case(d[i][0], d[i][1], false);
		move_case(d[i][0], d[i][1], true);
	}
}

static void test_no_motion(void)
{
	uint32_t *old = img_new(W, H), *cur = img_new(W, H);
	struct x11_motion mv[X11_MOTION_MAX];

	fill_text(old, W, W, H);
	memcpy(cur, old, W * H * 4);
	CHECK_EQ(find(old, cur, W, H, mv, __LINE__), 0);
	/* Scattered edits: changed, but nothing moved. */
	for (int i = 0; i < 40; i++)
		fill_noise(cur, W, (int)(rnd() % (W - 16)),
			   (int)(rnd() % (H - 8)), 16, 8);
	CHECK_EQ(find(old, cur, W, H, mv, __LINE__), 0);
	/* Everything replaced. */
	fill_text(cur, W, W, H);
	CHECK_EQ(find(old, cur, W, H, mv, __LINE__), 0);
	fill_noise(cur, W, 0, 0, W, H);
	CHECK_EQ(find(old, cur, W, H, mv, __LINE__), 0);
	/* All new: the search gave up after a quarter of the old rows it
	 * hashes (every fourth). */
	CHECK(x11_motion_rows_hashed() > 0);
	CHECK(x11_motion_rows_hashed() <= H / 4 / 4 + 1);
	/* Scrolled, but a band of rows a shade off: close is not equal,
	 * and the copies found must leave that band out. */
	for (int y = 0; y < H - 12; y++)
		for (int x = 0; x < W; x++)
			cur[y * W + x] =
				old[(y + 12) * W + x] ^ (y >= 100 && y < 140);
	CHECK(find(old, cur, W, H, mv, __LINE__) >= 1);
	/* Too small to bother. */
	CHECK_EQ(x11_motion_find(old, W, cur, W, X11_MOTION_MIN_SIDE - 1, H, mv,
				 X11_MOTION_MAX),
		 0);
	free(old);
	free(cur);
}

/* The same 12-row line over and over, then scrolled: probes are
 * ambiguous, and whatever is reported must still be exact. */
/* A window moved within a large rectangle of otherwise new content is
 * still found, though the search first hashes a quarter of the rows. */
static void test_move_in_new_content(void)
{
	int w = 640, h = 480, found = 0;
	uint32_t *old = img_new(w, h), *cur = img_new(w, h);
	struct x11_motion mv[X11_MOTION_MAX];

	for (int t = 0; t < 20; t++) {
		int x = 40 + (int)(rnd() % 200), y = 30 + (int)(rnd() % 150);
		int dx = (int)(rnd() % 60) - 30, dy = (int)(rnd() % 60) - 30;

		fill_noise(old, w, 0, 0, w, h);
		fill_noise(cur, w, 0, 0, w, h);
		for (int r = 0; r < 200; r++)
			memcpy(cur + (size_t)(y + dy + r) * w + x + dx,
			       old + (size_t)(y + r) * w + x, 300 * 4);
		found += find(old, cur, w, h, mv, __LINE__) > 0;
	}
	CHECK(found >= 18);
	free(old);
	free(cur);
}

static void test_repeated_rows(void)
{
	uint32_t *old = img_new(W, H), *cur = img_new(W, H);
	struct x11_motion mv[X11_MOTION_MAX];

	text_line(old, W, W, 0, 12);
	for (int y = 12; y < H; y++)
		memcpy(&old[y * W], &old[(y - 12) * W], W * 4);
	memcpy(cur, &old[5 * W], (size_t)(H - 5) * W * 4);
	text_line(cur, W, W, H - 5, 5);
	find(old, cur, W, H, mv, __LINE__);
	/* Blank screen, one line of text appears and one moves. */
	memset(old, 0, W * H * 4);
	memset(cur, 0, W * H * 4);
	text_line(old, W, W, 100, 12);
	text_line(cur, W, W, 40, 12);
	memcpy(&cur[160 * W], &old[100 * W], 12 * W * 4);
	find(old, cur, W, H, mv, __LINE__);
	free(old);
	free(cur);
}

/* The old image holds the same 100 rows twice; scrolled by 30, parts of
 * the new one are also old content shifted by -130 or +70.  Copies for
 * several offsets would overlap: only the first may cover the area. */
static void test_competing_offsets(void)
{
	uint32_t *old = img_new(W, H), *cur = img_new(W, H);
	struct x11_motion mv[X11_MOTION_MAX];
	int n;

	fill_noise(old, W, 0, 0, W, 100);
	memcpy(&old[100 * W], old, 100 * W * 4);
	fill_noise(old, W, 0, 200, W, H - 200);
	memcpy(cur, &old[30 * W], (size_t)(H - 30) * W * 4);
	fill_noise(cur, W, 0, H - 30, W, 30);
	n = find(old, cur, W, H, mv, __LINE__);
	if (CHECK(n >= 1))
		CHECK(mv[0].dy == -30 && mv[0].dst.h == H - 30);
	free(old);
	free(cur);
}

/* Rectangles inside bigger images with different strides, and `max`. */
static void test_strides(void)
{
	const int os = W + 24, ns = W + 8, dy = -20;
	uint32_t *old = img_new(os, H + 10), *cur = img_new(ns, H + 10);
	const uint32_t *o = old + 10 * os + 16, *nw = cur + 5 * ns + 4;
	struct x11_motion mv[X11_MOTION_MAX];
	int n;

	fill_noise(old, os, 0, 0, os, H + 10);
	fill_noise(cur, ns, 0, 0, ns, H + 10);
	for (int y = 0; y < H + dy; y++)
		memcpy(&cur[(5 + y) * ns + 4], &o[(y - dy) * os], W * 4);
	n = x11_motion_find(o, os, nw, ns, W, H, mv, 1);
	check_copies(__LINE__, o, os, nw, ns, W, H, mv, n);
	if (CHECK_EQ(n, 1))
		CHECK(mv[0].dy == dy && mv[0].dst.y == 0 &&
		      mv[0].dst.h == H + dy && mv[0].dst.w == W);
	free(old);
	free(cur);
}

/* Random mixtures with few colours, where coincidences abound: the
 * exactness of whatever is found is the point. */
static void test_random_invariant(void)
{
	uint32_t *old = img_new(W, H), *cur = img_new(W, H);
	struct x11_motion mv[X11_MOTION_MAX];
	int copies = 0;

	for (int t = 0; t < 300; t++) {
		int dx = (int)(rnd() % 41) - 20, dy = (int)(rnd() % 81) - 40;
		uint32_t colours = 2 + rnd() % 3;

		for (int i = 0; i < W * H; i++)
			old[i] = (rnd() % colours) * 0x404040;
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				int sx = x - dx, sy = y - dy;
				bool in = sx >= 0 && sx < W && sy >= 0 &&
					  sy < H && rnd() % 3000;

				cur[y * W + x] =
					in ? old[sy * W + sx]
					   : (rnd() % colours) * 0x404040;
			}
		copies += find(old, cur, W, H, mv, __LINE__);
	}
	/* Or the checks above saw nothing. */
	CHECK(copies >= 300);
	free(old);
	free(cur);
}

int main(void)
{
	UNIT_RUN(test_scroll);
	UNIT_RUN(test_scroll_beside_static);
	UNIT_RUN(test_window_move);
	UNIT_RUN(test_no_motion);
	UNIT_RUN(test_move_in_new_content);
	UNIT_RUN(test_repeated_rows);
	UNIT_RUN(test_competing_offsets);
	UNIT_RUN(test_strides);
	UNIT_RUN(test_random_invariant);
	return UNIT_DONE();
}
