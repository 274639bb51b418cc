/* When the engine asks the backend for a capture (rfb_server_ready and
 * the desktop's ready op): only while some viewer could use one, and an
 * update waits while the capture it asked for is coming. */
#include "engine_harness.h"
#include "rfb/internal.h"

static int ready_calls;
static bool capture_coming;

static bool fake_ready(void *ctx)
{
	ready_calls++;
	return capture_coming;
}

static struct rfb_desktop_ops ready_ops;

static void ready_server(void)
{
	struct rfb_server_opts o = { .shared = true };

	ready_ops = fake_ops;
	ready_ops.ready = fake_ready;
	new_server_opts(o);
	/* The same server with a desktop that defers captures. */
	srv->desk.ops = &ready_ops;
	ready_calls = 0;
	capture_coming = false;
}

static void test_ready(void)
{
	struct rfb_rect r = { 2, 3, 4, 5 };
	uint8_t b;
	int fd;

	ready_server();
	CHECK(!rfb_server_ready(srv)); /* nobody connected */
	fd = normal_client();
	/* Connected, no change captured for it yet: a capture is useful
	 * (its first request will want the screen). */
	CHECK(rfb_server_ready(srv));
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	CHECK(check_raw_update(fd, 0, 0, FB_W, FB_H));
	/* All it was owed went: the next capture is useful even before it
	 * asks again. */
	CHECK(rfb_server_ready(srv));
	CHECK(ready_calls > 0);
	/* A change captured but not asked for: no more captures. */
	rfb_server_damage(srv, &r);
	CHECK(!rfb_server_ready(srv));
	/* It asks while more is coming: what it holds, captured ahead
	 * just now, goes at once, without asking for a capture. */
	capture_coming = true;
	srv->capture_ms = loop_now_ms();
	ready_calls = 0;
	send_fbur(fd, true, 0, 0, FB_W, FB_H);
	CHECK(check_raw_update(fd, 2, 3, 4, 5));
	/* What it holds is from a capture long ago: a fresher one is worth
	 * waiting for. */
	rfb_server_damage(srv, &r);
	srv->capture_ms = loop_now_ms() - 1000;
	send_fbur(fd, true, 0, 0, FB_W, FB_H);
	pump();
	CHECK(recv(fd, &b, 1, MSG_DONTWAIT) < 0);
	capture_coming = false;
	pump();
	CHECK(check_raw_update(fd, 2, 3, 4, 5));
	capture_coming = true;
	/* Holding nothing, it asks while a capture is coming: the update
	 * waits for it. */
	send_fbur(fd, true, 0, 0, FB_W, FB_H);
	pump();
	CHECK(ready_calls > 0);
	CHECK(recv(fd, &b, 1, MSG_DONTWAIT) < 0);
	rfb_server_damage(srv, &r);
	capture_coming = false;
	pump();
	CHECK(check_raw_update(fd, 2, 3, 4, 5));
	close(fd);
	free_server();
}

/* A capture that moves the framebuffer (a grab taking its place) adds
 * no damage, and the next update reads the new place. */
static void test_fb_moved(void)
{
	static uint32_t other[FB_W * FB_H];
	uint32_t px[FB_W * FB_H];
	uint8_t hdr[16], b;
	int fd;

	ready_server();
	fd = normal_client();
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	CHECK(check_raw_update(fd, 0, 0, FB_W, FB_H));
	for (int i = 0; i < FB_W * FB_H; i++)
		other[i] = pixels[i] ^ 0x00ffffff;
	rfb_server_fb_moved(srv, other);
	CHECK(srv->fb.pixels == other);
	send_fbur(fd, true, 0, 0, FB_W, FB_H);
	pump();
	CHECK(recv(fd, &b, 1, MSG_DONTWAIT) < 0); /* nothing changed */
	rfb_server_damage(srv, &(struct rfb_rect){ 0, 0, FB_W, FB_H });
	pump();
	if (CHECK(recv_bytes(fd, hdr, 16)) &&
	    CHECK(recv_bytes(fd, px, sizeof(px))))
		CHECK(!memcmp(px, other, sizeof(px)));
	close(fd);
	free_server();
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	UNIT_RUN(test_ready);
	UNIT_RUN(test_fb_moved);
	return UNIT_DONE();
}
