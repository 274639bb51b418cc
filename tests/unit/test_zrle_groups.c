/* ZRLE updates cut into groups (encode_group, as the worker pool calls it)
 * and whole ones, mixed on one state and decoded through one inflate
 * stream, as a client has: the pieces of several deflaters must make one
 * valid stream, with the zlib header once at its start, and every pixel
 * must come out exact. */
#include "encode/encoder.h"

#include <stdlib.h>

#include "rfbdec.h"
#include "unit.h"

#define FB_W 192
#define FB_H 160

static uint32_t fb_px[FB_W * FB_H];
static const struct rfb_fb fb = { fb_px, FB_W, FB_H, FB_W };

static uint32_t rng_state = 0x9e3779b9;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Noise in the left half (nothing to compress but what the stream's
 * history holds), a few colours with runs in the right half. */
static void fill(void)
{
	static const uint32_t few[] = { 0xffffff, 0x202020, 0x3050a0 };

	for (int y = 0; y < FB_H; y++)
		for (int x = 0; x < FB_W; x++)
			fb_px[y * FB_W + x] = x < FB_W / 2 ?
						      rnd() & 0xffffff :
						      few[(x / 3 + y) % 3];
}

/* An update: its rectangles, cut into `ngroups` groups (1: whole). */
struct update {
	int ngroups;
	int n[4]; /* rectangles per group */
	struct rfb_rect r[8];
};

/* Bands of 32 rows, one or two rectangles each. */
static const struct update updates[] = {
	{ 2, { 1, 1 }, { { 0, 0, 64, 32 }, { 0, 32, 64, 32 } } },
	{ 1, { 1 }, { { 0, 0, 64, 32 } } },
	{ 3,
	  { 2, 1, 2 },
	  { { 0, 0, 64, 32 },
	    { 64, 0, 128, 32 },
	    { 0, 32, 192, 32 },
	    { 0, 64, 64, 32 },
	    { 100, 64, 92, 96 } } },
	{ 1, { 2 }, { { 0, 64, 64, 32 }, { 0, 0, 64, 32 } } },
	{ 4,
	  { 1, 1, 1, 1 },
	  { { 0, 0, 192, 40 },
	    { 0, 40, 192, 40 },
	    { 0, 80, 192, 40 },
	    { 0, 120, 192, 40 } } },
	{ 2, { 1, 1 }, { { 0, 0, 64, 32 }, { 0, 32, 64, 32 } } },
	{ 1, { 1 }, { { 0, 32, 64, 32 } } },
};
#define N_UPDATES (sizeof(updates) / sizeof(updates[0]))

/* Encode `u` at `level` into `msg`: each group into its own buffer, the
 * last group first (the groups share nothing, so any order must do),
 * then appended in group order as the engine sends them. */
static bool encode_update(void *st, const struct update *u, int level,
			  struct buf *msg)
{
	struct rfb_pixconv pc;
	struct enc_params p = { &fb, &pc, level, -1, NULL, false };
	struct buf part[4];
	int first[4], k, i;
	bool ok = true;

	rfb_pixconv_init(&pc, &rfbdec_formats[0].pf);
	for (k = 0, i = 0; k < u->ngroups; i += u->n[k++])
		first[k] = i;
	for (k = u->ngroups - 1; k >= 0; k--) {
		buf_init(&part[k]);
		for (i = first[k]; i < first[k] + u->n[k]; i++) {
			p.group_first = i == first[k];
			if (u->ngroups > 1)
				ok &= enc_zrle_ops.encode_group(
					      st, k, u->ngroups, &p, &u->r[i],
					      &part[k]) == 1;
			else
				ok &= enc_zrle_ops.encode(st, &p, &u->r[i],
							  &part[k]) == 1;
		}
	}
	for (k = 0; k < u->ngroups; k++) {
		buf_append(msg, part[k].data, part[k].len);
		buf_free(&part[k]);
	}
	return ok && !msg->failed;
}

/* Decode the update's rectangles from `in` and compare with the fb. */
static bool check_update(struct rd *in, const struct update *u, int ui)
{
	static uint32_t got[FB_W * FB_H];
	int nrects = 0;

	for (int k = 0; k < u->ngroups; k++)
		nrects += u->n[k];
	for (int i = 0; i < nrects; i++) {
		const struct rfb_rect *r = &u->r[i];
		bool lossy = false, hdr;

		hdr = rd_u16(in) == r->x && rd_u16(in) == r->y &&
		      rd_u16(in) == r->w && rd_u16(in) == r->h &&
		      (int32_t)rd_u32(in) == ENC_ZRLE;
		if (!CHECKF(hdr && dec_body(in, r, ENC_ZRLE, got, &lossy),
			    "update %d rect %d: undecodable", ui, i))
			return false;
		for (int j = 0; j < r->w * r->h; j++)
			if (got[j] != fb_px[(r->y + j / r->w) * FB_W + r->x +
					    j % r->w])
				return CHECKF(false, "update %d rect %d: "
					      "pixel %d wrong", ui, i, j);
	}
	return true;
}

/* Every update decoded straight after it is encoded, all through one
 * inflate stream.  Update 1 repeats update 0's first band ungrouped: a
 * connection stream that went on with its own history after the cut
 * update would refer to bytes the client never had there. */
static void run_updates(int level)
{
	void *st = enc_zrle_ops.state_new();
	bool ok = true;

	if (!CHECK(st != NULL))
		return;
	inflateReset(&dec.zs);
	dec.fc = &rfbdec_formats[0];
	for (size_t ui = 0; ui < N_UPDATES && ok; ui++) {
		struct buf msg;
		struct rd in;

		buf_init(&msg);
		ok = CHECKF(encode_update(st, &updates[ui], level, &msg),
			    "level %d update %zu: encode failed", level, ui);
		rd_init(&in, msg.data, msg.len);
		ok = ok && check_update(&in, &updates[ui], (int)ui) &&
		     CHECKF(!rd_left(&in), "update %zu: %zu bytes left", ui,
			    rd_left(&in));
		buf_free(&msg);
	}
	enc_zrle_ops.state_free(st);
}

static void test_mixed(void)
{
	CHECK(enc_zrle_ops.encode_group != NULL);
	CHECK(enc_zrle_ops.max_groups >= 4);
	for (int level = -1; level <= 9; level++)
		run_updates(level);
}

/* The 2-byte zlib header (RFC 1950) starts the first rectangle's data,
 * whether or not its update was cut; after it only raw deflate data
 * follows, which a raw inflater (no header expected) takes entirely. */
static void check_header(bool cut)
{
	struct update u = updates[cut ? 0 : 1];
	void *st = enc_zrle_ops.state_new();
	z_stream zs = { 0 };
	struct buf msg, raw;
	struct rd in;
	uint32_t len;
	const uint8_t *z;
	int ret = Z_OK;

	if (!CHECK(st != NULL) || !CHECK(inflateInit2(&zs, -15) == Z_OK))
		return;
	buf_init(&msg);
	buf_init(&raw);
	for (int i = 0; i < 3; i++)
		CHECK(encode_update(st, &u, -1, &msg));
	rd_init(&in, msg.data, msg.len);
	for (int i = 0; rd_left(&in) && ret == Z_OK; i++) {
		rd_skip(&in, 12);
		len = rd_u32(&in);
		z = rd_bytes(&in, len);
		if (!CHECK(z != NULL))
			break;
		if (i == 0) {
			if (!CHECKF(len > 2 && (z[0] & 0x0f) == 8 &&
					    (z[0] >> 4) <= 7 &&
					    (z[0] << 8 | z[1]) % 31 == 0 &&
					    !(z[1] & 0x20),
				    "no zlib header: %02x %02x", z[0], z[1]))
				break;
			z += 2;
			len -= 2;
		}
		zs.next_in = z;
		zs.avail_in = len;
		do {
			buf_reserve(&raw, 65536);
			zs.next_out = raw.data;
			zs.avail_out = raw.cap;
			ret = inflate(&zs, Z_SYNC_FLUSH);
		} while (ret == Z_OK && zs.avail_out == 0);
		if (ret == Z_BUF_ERROR)
			ret = Z_OK;
		CHECKF(ret == Z_OK && zs.avail_in == 0,
		       "cut %d rect %d: raw inflate: %d", cut, i, ret);
	}
	inflateEnd(&zs);
	buf_free(&msg);
	buf_free(&raw);
	enc_zrle_ops.state_free(st);
}

static void test_header_once(void)
{
	check_header(true);
	check_header(false);
}

int main(void)
{
	if (inflateInit(&dec.zs) != Z_OK)
		return 1;
	buf_init(&dec.raw);
	fill();
	UNIT_RUN(test_mixed);
	UNIT_RUN(test_header_once);
	inflateEnd(&dec.zs);
	buf_free(&dec.raw);
	return UNIT_DONE();
}
