/* Engine extensions against a fake desktop: Fence, ContinuousUpdates,
 * ExtendedDesktopSize/SetDesktopSize, colour maps, cursor shapes,
 * PointerPos, DesktopName, CopyRect and the lossless refresh. */
#include "engine_harness.h"

#include "encode/encoder.h"

#define MAX_RECTS 16

struct rect {
	int x, y, w, h;
	int32_t enc;
	uint8_t data[64]; /* the first payload bytes */
	size_t len;	  /* payload length */
};

struct update {
	int n;
	struct rect r[MAX_RECTS];
};

static unsigned bytes_pp = 4;

/* Payload length of a rectangle we know how to skip; -1 if unknown. */
static long payload_len(int fd, struct rect *r, uint8_t *pre, size_t *npre)
{
	size_t px = (size_t)r->w * r->h, mask = (size_t)(r->w + 7) / 8 * r->h;

	*npre = 0;
	switch (r->enc) {
	case ENC_RAW:
		return (long)(px * bytes_pp);
	case ENC_COPYRECT:
		return 4;
	case ENC_PSEUDO_DESKTOP_SIZE:
	case ENC_PSEUDO_POINTER_POS:
	case ENC_PSEUDO_LAST_RECT:
		return 0;
	case ENC_PSEUDO_EXT_DESKTOP_SIZE:
		if (!recv_bytes(fd, pre, 4))
			return -1;
		*npre = 4;
		return 4 + pre[0] * 16;
	case ENC_PSEUDO_CURSOR_ALPHA:
		return (long)(4 + px * 4);
	case ENC_PSEUDO_CURSOR:
		return (long)(px * bytes_pp + mask);
	case ENC_PSEUDO_XCURSOR:
		return px ? (long)(6 + 2 * mask) : 0;
	case ENC_PSEUDO_DESKTOP_NAME:
		if (!recv_bytes(fd, pre, 4))
			return -1;
		*npre = 4;
		return (long)(4 + be32(pre));
	}
	return -1;
}

static bool read_rect(int fd, struct rect *r)
{
	uint8_t h[12], pre[4], *data;
	size_t npre;
	long len;
	bool ok;

	if (!recv_bytes(fd, h, 12))
		return false;
	r->x = h[0] << 8 | h[1];
	r->y = h[2] << 8 | h[3];
	r->w = h[4] << 8 | h[5];
	r->h = h[6] << 8 | h[7];
	r->enc = (int32_t)be32(h + 8);
	len = payload_len(fd, r, pre, &npre);
	if (!CHECKF(len >= 0, "unexpected encoding %d", r->enc))
		return false;
	data = malloc((size_t)len + 1);
	memcpy(data, pre, npre);
	ok = recv_bytes(fd, data + npre, (size_t)len - npre);
	r->len = (size_t)len;
	memcpy(r->data, data, len < 64 ? (size_t)len : 64);
	free(data);
	return ok;
}

/* Skip other server messages until a FramebufferUpdate; read it. */
static bool read_update(int fd, struct update *u)
{
	uint8_t h[4];

	if (!recv_bytes(fd, h, 4) || !CHECK_EQ(h[0], 0))
		return false;
	u->n = h[2] << 8 | h[3];
	if (!CHECK(u->n <= MAX_RECTS))
		return false;
	for (int i = 0; i < u->n; i++)
		if (!read_rect(fd, &u->r[i]))
			return false;
	return true;
}

static void send_encodings(int fd, const int32_t *e, int n)
{
	uint8_t m[4 + 4 * 16] = { 2, 0, 0, (uint8_t)n };

	for (int i = 0; i < n; i++) {
		m[4 + 4 * i] = (uint8_t)(e[i] >> 24);
		m[5 + 4 * i] = (uint8_t)(e[i] >> 16);
		m[6 + 4 * i] = (uint8_t)(e[i] >> 8);
		m[7 + 4 * i] = (uint8_t)e[i];
	}
	send_bytes(fd, m, 4 + 4 * (size_t)n);
}

static bool nothing_pending(int fd)
{
	uint8_t b;

	pump();
	return recv(fd, &b, 1, MSG_DONTWAIT) < 0;
}

static void send_fence(int fd, uint32_t flags, const char *payload,
		       uint8_t len)
{
	uint8_t m[9 + 255] = { 248, 0, 0, 0, flags >> 24, flags >> 16,
			       flags >> 8, flags, len };

	memcpy(m + 9, payload, len);
	send_bytes(fd, m, 9 + (size_t)len);
}

/* rfbproto 7.5.8: announced on first sight, requests answered with the
 * Request bit and unknown bits cleared, the payload echoed; over 64 bytes
 * of payload closes the client. */
static void test_fence(void)
{
	static const int32_t encs[] = { ENC_RAW, ENC_PSEUDO_FENCE };
	char big[65] = { 0 };
	uint8_t m[12];
	int fd;

	new_server(NULL, false, 0);
	fd = normal_client();
	send_encodings(fd, encs, 2);
	CHECK(recv_bytes(fd, m, 9) && m[0] == 248 && be32(m + 4) >> 31);
	send_encodings(fd, encs, 2);
	CHECK(nothing_pending(fd));
	send_fence(fd, 1u << 31 | 1 | 1u << 5, "abc", 3);
	CHECK(recv_bytes(fd, m, 12));
	CHECK_EQ(m[0], 248);
	CHECK_EQ(be32(m + 4), 1);
	CHECK(m[8] == 3 && !memcmp(m + 9, "abc", 3));
	send_fence(fd, 1, "", 0); /* a response: nothing to answer */
	CHECK(nothing_pending(fd));
	send_fence(fd, 1u << 31, big, 65);
	CHECK(closed_by_server(fd));
	close(fd);
	free_server();
}

static void send_enable_cu(int fd, bool on, int x, int y, int w, int h)
{
	uint8_t m[10] = { 150, on };

	put16(m + 2, (unsigned)x);
	put16(m + 4, (unsigned)y);
	put16(m + 6, (unsigned)w);
	put16(m + 8, (unsigned)h);
	send_bytes(fd, m, 10);
}

/* rfbproto 7.5.7: updates flow without requests while enabled, only for
 * the area asked for; disabling answers EndOfContinuousUpdates. */
static void test_continuous(void)
{
	static const int32_t encs[] = { ENC_RAW,
					ENC_PSEUDO_CONTINUOUS_UPDATES };
	struct rfb_rect in = { 1, 1, 2, 2 }, out = { 40, 40, 2, 2 };
	struct update u;
	uint8_t b;
	int fd;

	new_server(NULL, false, 0);
	fd = normal_client();
	send_encodings(fd, encs, 2);
	CHECK(recv_bytes(fd, &b, 1) && b == 150);
	send_enable_cu(fd, true, 0, 0, 32, 32);
	rfb_server_damage(srv, &in);
	pump();
	CHECK(read_update(fd, &u) && u.n == 1 && u.r[0].x == 1);
	rfb_server_damage(srv, &in);
	pump();
	CHECK(read_update(fd, &u) && u.n == 1);
	rfb_server_damage(srv, &out);
	CHECK(nothing_pending(fd));
	send_enable_cu(fd, false, 0, 0, 0, 0);
	CHECK(recv_bytes(fd, &b, 1) && b == 150);
	rfb_server_damage(srv, &in);
	CHECK(nothing_pending(fd));
	close(fd);
	free_server();
}

/* The ExtendedDesktopSize rectangle of an update, checked. */
static bool eds_is(const struct update *u, int reason, int status, int w,
		   int h)
{
	return u->n == 1 && u->r[0].enc == ENC_PSEUDO_EXT_DESKTOP_SIZE &&
	       u->r[0].x == reason && u->r[0].y == status &&
	       (status || (u->r[0].w == w && u->r[0].h == h));
}

static void send_set_size(int fd, int w, int h, int nscreens)
{
	uint8_t m[8 + 16] = { 251, 0 };

	put16(m + 2, (unsigned)w);
	put16(m + 4, (unsigned)h);
	m[6] = (uint8_t)nscreens;
	m[11] = 7; /* screen id */
	put16(m + 16, (unsigned)w);
	put16(m + 18, (unsigned)h);
	send_bytes(fd, m, 8 + 16 * (size_t)nscreens);
}

static int eds_client(const int32_t *encs, int n)
{
	int fd = normal_client();

	send_encodings(fd, encs, n);
	return fd;
}

/* rfbproto 7.5.9 / 7.8.9 */
static void test_desktop_size(void)
{
	static const int32_t eds[] = { ENC_RAW, ENC_PSEUDO_EXT_DESKTOP_SIZE };
	static const int32_t ds[] = { ENC_RAW, ENC_PSEUDO_DESKTOP_SIZE };
	struct update u;
	int a, b, c, d;

	new_server(NULL, false, 0);
	a = eds_client(eds, 2);
	b = eds_client(eds, 2);
	c = eds_client(ds, 2);
	d = normal_client();
	send_fbur(a, false, 0, 0, FB_W, FB_H);
	CHECK(read_update(a, &u) && eds_is(&u, 0, 0, FB_W, FB_H));
	send_set_size(a, 0, 40, 1);
	send_fbur(a, true, 0, 0, FB_W, FB_H);
	CHECK(read_update(a, &u) && eds_is(&u, 1, RFB_RESIZE_INVALID, 0, 0));
	CHECK_EQ(fake.resize_calls, 0);
	send_set_size(a, 100, 80, 1);
	CHECK_EQ(fake.resize_calls, 1);
	send_fbur(a, true, 0, 0, FB_W, FB_H);
	CHECK(read_update(a, &u) && eds_is(&u, 1, 0, 100, 80));
	CHECK(u.r[0].data[0] == 1 && u.r[0].data[7] == 7); /* echoed */
	send_fbur(b, true, 0, 0, FB_W, FB_H);
	CHECK(read_update(b, &u) && eds_is(&u, 2, 0, 100, 80));
	send_fbur(b, true, 0, 0, 100, 80); /* then the whole new screen */
	CHECK(read_update(b, &u) && u.n == 1 && u.r[0].w == 100 &&
	      u.r[0].h == 80);
	send_fbur(c, true, 0, 0, FB_W, FB_H);
	CHECK(read_update(c, &u) && u.n == 1 &&
	      u.r[0].enc == ENC_PSEUDO_DESKTOP_SIZE && u.r[0].w == 100);
	CHECK(closed_by_server(d));
	fake.resize_status = RFB_RESIZE_PROHIBITED;
	send_set_size(a, 90, 70, 1);
	send_fbur(a, true, 0, 0, 100, 80);
	CHECK(read_update(a, &u) && eds_is(&u, 1, 1, 0, 0));
	send_fbur(b, true, 0, 0, 100, 80);
	CHECK(nothing_pending(b)); /* denied: the others hear nothing */
	send_set_size(c, 90, 70, 1); /* never announced EDS */
	CHECK(closed_by_server(c));
	close(a), close(b), close(c), close(d);
	free_server();
}

/* rfbproto 7.6.2: an 8 bpp colour-map format gets a 256-entry map and
 * pixels that index the nearest entry; other colour-map formats are
 * refused. */
static void test_colour_map(void)
{
	uint8_t pf[20] = { 0, 0, 0, 0, 8, 8, 0, 0 /* not true colour */ };
	uint8_t m[6], e[256 * 6], px[FB_W * FB_H];
	struct update u;
	int fd, bad;

	new_server(NULL, false, 0);
	fd = normal_client();
	send_bytes(fd, pf, 20);
	CHECK(recv_bytes(fd, m, 6) && m[0] == 1 && (m[4] << 8 | m[5]) == 256);
	CHECK(recv_bytes(fd, e, sizeof(e)));
	for (unsigned i = 0; i < 256; i++)
		CHECKF((unsigned)(e[i * 6] << 8 | e[i * 6 + 1]) ==
				       (i & 7) * 65535 / 7 &&
			       (unsigned)(e[i * 6 + 4] << 8 | e[i * 6 + 5]) ==
				       (i >> 6) * 65535 / 3,
		       "colour %u", i);
	bytes_pp = 1;
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	CHECK(recv_bytes(fd, m, 4) && m[0] == 0);
	u.n = 1;
	CHECK(read_rect(fd, &u.r[0]) && u.r[0].len == sizeof(px));
	bytes_pp = 4;
	close(fd);
	/* Check a few pixels through a second read of the same screen. */
	fd = normal_client();
	send_bytes(fd, pf, 20);
	CHECK(recv_bytes(fd, e, 6) && recv_bytes(fd, e, sizeof(e)));
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	CHECK(recv_bytes(fd, m, 4) && recv_bytes(fd, e, 12) &&
	      recv_bytes(fd, px, sizeof(px)));
	for (int i = 0; i < FB_W * FB_H; i += 97) {
		uint32_t p = pixels[i];
		unsigned r = ((p >> 16 & 255) * 7 + 127) / 255;
		unsigned g = ((p >> 8 & 255) * 7 + 127) / 255;
		unsigned b = ((p & 255) * 3 + 127) / 255;

		CHECKF(px[i] == (r | g << 3 | b << 6), "pixel %d", i);
	}
	bad = normal_client();
	pf[4] = 16;
	pf[5] = 16;
	send_bytes(bad, pf, 20);
	CHECK(closed_by_server(bad));
	close(bad);
	close(fd);
	free_server();
}

/* rfbproto 7.8.5, 7.8.6, 7.8.13: the cursor in whichever form the client
 * prefers, resent when it changes. */
static void test_cursor(void)
{
	static const uint32_t argb[4] = { 0xff000000, 0xffffffff, 0x80402010,
					  0x00000000 };
	static const int32_t alpha[] = { ENC_RAW, ENC_PSEUDO_CURSOR_ALPHA };
	static const int32_t rich[] = { ENC_RAW, ENC_PSEUDO_CURSOR };
	static const int32_t xcur[] = { ENC_RAW, ENC_PSEUDO_XCURSOR };
	struct rfb_cursor cur = { 2, 2, 1, 0, argb };
	struct update u;
	int a, r, x;

	new_server(NULL, false, 0);
	rfb_server_set_cursor(srv, &cur);
	a = eds_client(alpha, 2);
	r = eds_client(rich, 2);
	x = eds_client(xcur, 2);
	send_fbur(a, true, 0, 0, 1, 1);
	CHECK(read_update(a, &u) && u.r[0].enc == ENC_PSEUDO_CURSOR_ALPHA &&
	      u.r[0].x == 1 && u.r[0].w == 2);
	/* Raw, then RGBA premultiplied */
	CHECK(be32(u.r[0].data) == 0 && !memcmp(u.r[0].data + 12,
						"\x40\x20\x10\x80", 4));
	send_fbur(r, true, 0, 0, 1, 1);
	CHECK(read_update(r, &u) && u.r[0].enc == ENC_PSEUDO_CURSOR);
	/* pixel 2 unpremultiplied (0x80 alpha doubles it), mask 11 10 */
	CHECK(u.r[0].data[8] == 0x1f && u.r[0].data[10] == 0x7f &&
	      u.r[0].data[16] == 0xc0 && u.r[0].data[17] == 0x80);
	send_fbur(x, true, 0, 0, 1, 1);
	CHECK(read_update(x, &u) && u.r[0].enc == ENC_PSEUDO_XCURSOR);
	/* black/white colours, bitmap (dark) 10 10, mask 11 10 */
	CHECK(u.r[0].data[3] == 255 && u.r[0].data[6] == 0x80 &&
	      u.r[0].data[7] == 0x80 && u.r[0].data[8] == 0xc0 &&
	      u.r[0].data[9] == 0x80);
	send_fbur(a, true, 0, 0, 1, 1);
	CHECK(nothing_pending(a));
	rfb_server_set_cursor(srv, &cur);
	pump();
	CHECK(read_update(a, &u) && u.r[0].enc == ENC_PSEUDO_CURSOR_ALPHA);
	close(a), close(r), close(x);
	free_server();
}

static void test_pointer_pos_and_name(void)
{
	static const int32_t encs[] = { ENC_RAW, ENC_PSEUDO_POINTER_POS,
					ENC_PSEUDO_DESKTOP_NAME };
	struct update u;
	int fd;

	new_server(NULL, false, 0);
	fd = eds_client(encs, 3);
	CHECK(fake.want_pos);
	send_fbur(fd, true, 0, 0, 1, 1);
	CHECK(read_update(fd, &u) && u.n == 1 &&
	      u.r[0].enc == ENC_PSEUDO_DESKTOP_NAME &&
	      !memcmp(u.r[0].data + 4, "fake", 4));
	rfb_server_pointer_moved(srv, 10, 20);
	send_fbur(fd, true, 0, 0, 1, 1);
	CHECK(read_update(fd, &u) && u.n == 1 &&
	      u.r[0].enc == ENC_PSEUDO_POINTER_POS && u.r[0].x == 10 &&
	      u.r[0].y == 20);
	send_pointer(fd, 0, 30, 30); /* its own move is not echoed */
	rfb_server_pointer_moved(srv, 30, 30);
	send_fbur(fd, true, 0, 0, 1, 1);
	CHECK(nothing_pending(fd));
	close(fd);
	pump();
	CHECK(!fake.want_pos);
	free_server();
}

/* rfbproto 7.7.2: a reported move becomes a CopyRect from the right
 * source; where the client's copy of the source is stale, pixels. */
static void test_copyrect(void)
{
	static const int32_t encs[] = { ENC_RAW, ENC_COPYRECT };
	struct rfb_rect dst = { 0, 10, 64, 30 }, stale = { 0, 30, 64, 2 };
	struct update u;
	int fd;

	new_server(NULL, false, 0);
	fd = eds_client(encs, 2);
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	CHECK(read_update(fd, &u) && u.n == 1 && u.r[0].enc == ENC_RAW);
	rfb_server_copy(srv, &dst, 0, -5); /* scrolled up by 5 */
	send_fbur(fd, true, 0, 0, FB_W, FB_H);
	CHECK(read_update(fd, &u) && u.n == 1 &&
	      u.r[0].enc == ENC_COPYRECT && u.r[0].y == 10 &&
	      u.r[0].h == 30 && (u.r[0].data[2] << 8 | u.r[0].data[3]) == 15);
	/* Rows 30-31 changed and were not sent yet; a copy reading them must
	 * be replaced by pixels at rows 25-26, the rest still copied. */
	rfb_server_damage(srv, &stale);
	rfb_server_copy(srv, &dst, 0, -5);
	send_fbur(fd, true, 0, 0, FB_W, FB_H);
	CHECK(read_update(fd, &u) && u.n == 3);
	for (int i = 0; i < u.n; i++) {
		bool in_stale = u.r[i].y < 27 && u.r[i].y + u.r[i].h > 25;

		CHECKF(u.r[i].enc == (in_stale ? ENC_RAW : ENC_COPYRECT),
		       "rect %d at row %d", i, u.r[i].y);
		if (in_stale)
			CHECK(u.r[i].y == 25 && u.r[i].h == 2);
	}
	CHECK(u.r[0].enc == ENC_COPYRECT && u.r[1].enc == ENC_COPYRECT);
	close(fd);
	free_server();
}

/* Lossy output (Tight JPEG) is followed, once quiet, by a lossless copy
 * of the same area without any new damage. */
static void test_lossless_refresh(void)
{
	static const int32_t encs[] = { ENC_TIGHT, -32 + 5 /* quality 5 */ };
	uint8_t h[16];
	int fd;

	new_server(NULL, false, 0);
	fd = eds_client(encs, 2);
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	CHECK(recv_bytes(fd, h, 17 - 1) && be32(h + 12) == ENC_TIGHT);
	CHECK(recv_bytes(fd, h, 1) && h[0] >> 4 == 9); /* JPEG */
	{
		char sink[65536];

		pump();
		while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
	}
	send_fbur(fd, true, 0, 0, FB_W, FB_H);
	CHECK(nothing_pending(fd)); /* not yet: 300 ms of quiet first */
	for (int i = 0; i < 20; i++)
		pump();
	CHECK(recv_bytes(fd, h, 16) && be32(h + 12) == ENC_TIGHT);
	CHECK(recv_bytes(fd, h, 1) && h[0] >> 4 != 9); /* lossless */
	close(fd);
	free_server();
}

/* With continuous updates nothing from the viewer wakes the server: the
 * refresh must come by itself after a lossless update that left lossy
 * areas elsewhere.  (refresh.sh covers the TigerVNC case that once left a
 * strip lossy.) */
static void test_refresh_unprompted(void)
{
	static const int32_t encs[] = { ENC_TIGHT, -32 + 5,
					ENC_PSEUDO_CONTINUOUS_UPDATES };
	struct rfb_rect small = { 0, 0, 8, 8 };
	uint8_t h[17], sink[65536];
	int fd;

	new_server(NULL, false, 0);
	fd = eds_client(encs, 3);
	CHECK(recv_bytes(fd, h, 1) && h[0] == 150);
	send_enable_cu(fd, true, 0, 0, FB_W, FB_H);
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	CHECK(recv_bytes(fd, h, 17) && h[16] >> 4 == 9); /* JPEG */
	pump();
	while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	rfb_server_damage(srv, &small); /* small: lossless */
	pump();
	CHECK(recv_bytes(fd, h, 17) && h[16] >> 4 != 9);
	while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	for (int i = 0; i < 25; i++)
		pump();
	CHECK(recv_bytes(fd, h, 16) && be32(h + 12) == ENC_TIGHT);
	close(fd);
	free_server();
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_ERROR);
	UNIT_RUN(test_fence);
	UNIT_RUN(test_continuous);
	UNIT_RUN(test_desktop_size);
	UNIT_RUN(test_colour_map);
	UNIT_RUN(test_cursor);
	UNIT_RUN(test_pointer_pos_and_name);
	UNIT_RUN(test_copyrect);
	UNIT_RUN(test_lossless_refresh);
	UNIT_RUN(test_refresh_unprompted);
	return UNIT_DONE();
}
