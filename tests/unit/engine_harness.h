/* A fake desktop and a scripted client over a socketpair, shared by the
 * engine unit tests: the RFB engine runs for real, the desktop records what
 * reaches it. */
#ifndef XRFB_TESTS_ENGINE_HARNESS_H
#define XRFB_TESTS_ENGINE_HARNESS_H

/* Not every test file uses every helper. */
#define HARNESS static __attribute__((unused))

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rfb/auth.h"
#include "rfb/server.h"
#include "unit.h"
#include "util/log.h"

#define FB_W 64
#define FB_H 48

#define FB_MAX (128 * 96)
HARNESS uint32_t pixels[FB_MAX];

struct fake {
	uint32_t keys_down[64];
	int nkeys;
	int key_events;
	uint16_t buttons;
	int pointer_events;
	char cut[256];
	size_t cutlen;
	int nclients;
	int resize_calls;
	int resize_status;
	bool want_pos;
	uint32_t xt_down[16]; /* keys pressed by XT code */
	int nxt;
	uint32_t last_xt_keysym;
};

HARNESS struct fake fake;

HARNESS void fake_key(void *ctx, uint32_t keysym, bool down)
{
	fake.key_events++;
	if (down) {
		fake.keys_down[fake.nkeys++] = keysym;
		return;
	}
	for (int i = 0; i < fake.nkeys; i++)
		if (fake.keys_down[i] == keysym)
			fake.keys_down[i] = fake.keys_down[--fake.nkeys];
}

HARNESS void fake_pointer(void *ctx, int x, int y, uint16_t buttons)
{
	fake.pointer_events++;
	fake.buttons = buttons;
}

HARNESS void fake_cut(void *ctx, const char *utf8, size_t len)
{
	fake.cutlen = len < sizeof(fake.cut) ? len : sizeof(fake.cut);
	memcpy(fake.cut, utf8, fake.cutlen);
}

HARNESS void fake_clients(void *ctx, int n)
{
	fake.nclients = n;
}

HARNESS struct rfb_server *srv;

/* SetDesktopSize: status from fake.resize_status; on success the
 * framebuffer takes the new size (pixels has room up to FB_MAX). */
HARNESS int fake_resize(void *ctx, int w, int h)
{
	struct rfb_fb fb = { pixels, w, h, w };

	fake.resize_calls++;
	if (fake.resize_status)
		return fake.resize_status;
	if (w * h > FB_MAX)
		return RFB_RESIZE_NO_RESOURCES;
	rfb_server_set_fb(srv, &fb);
	return RFB_RESIZE_OK;
}

HARNESS void fake_key_code(void *ctx, uint32_t keysym, uint32_t xt,
			   bool down)
{
	fake.key_events++;
	fake.last_xt_keysym = keysym;
	if (down) {
		fake.xt_down[fake.nxt++] = xt;
		return;
	}
	for (int i = 0; i < fake.nxt; i++)
		if (fake.xt_down[i] == xt)
			fake.xt_down[i] = fake.xt_down[--fake.nxt];
}

HARNESS void fake_want_pos(void *ctx, bool on)
{
	fake.want_pos = on;
}

static const struct rfb_desktop_ops fake_ops = {
	.key = fake_key,
	.key_code = fake_key_code,
	.pointer = fake_pointer,
	.cut_text = fake_cut,
	.clients_changed = fake_clients,
	.resize = fake_resize,
	.want_pointer_pos = fake_want_pos,
};

HARNESS struct loop *loop;
HARNESS void quit_cb(void *data)
{
	loop_quit(loop, 0);
}

/* Let the server run for a moment. */
HARNESS void pump(void)
{
	loop_timer_add(loop, 20, false, quit_cb, NULL);
	loop_run(loop);
}

HARNESS bool opt_shared = true;

/* A server with options of the test's choosing (name "fake"). */
HARNESS void new_server_opts(struct rfb_server_opts o)
{
	struct rfb_fb fb = { pixels, FB_W, FB_H, FB_W };

	o.name = "fake";
	memset(&fake, 0, sizeof(fake));
	for (int i = 0; i < FB_W * FB_H; i++)
		pixels[i] = (uint32_t)(i * 2654435761u) & 0xffffff;
	loop = loop_new();
	srv = rfb_server_new(loop, &o, (struct rfb_desktop){ &fake_ops, NULL });
	rfb_server_set_fb(srv, &fb);
}

HARNESS void new_server(const char *passwd, bool viewonly, size_t maxcut)
{
	struct rfb_server_opts o = { .passwd = passwd, .viewonly = viewonly,
				     .shared = opt_shared,
				     .max_cuttext = maxcut };

	new_server_opts(o);
}

HARNESS void free_server(void)
{
	rfb_server_destroy(srv);
	loop_destroy(loop);
}

/* A connected client socket (our end, blocking with a timeout). */
/* A client whose address the server sees as `peer`. */
HARNESS int connect_client_from(const char *peer)
{
	int sv[2];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	rfb_server_add_client(srv, net_conn_new_fd(sv[0], peer));
	pump();
	return sv[1];
}

HARNESS int connect_client(void)
{
	return connect_client_from("test");
}

HARNESS void send_bytes(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		CHECKF(false, "short write");
	pump();
}

/* Read exactly n bytes, pumping the server; false on EOF/timeout. */
HARNESS bool recv_bytes(int fd, void *p, size_t n)
{
	size_t got = 0;

	for (int tries = 0; got < n && tries < 100; tries++) {
		ssize_t r = recv(fd, (char *)p + got, n - got, MSG_DONTWAIT);

		if (r == 0)
			return false;
		if (r > 0)
			got += (size_t)r;
		else
			pump();
	}
	return got == n;
}

/* True if the server closed the connection (EOF after draining). */
HARNESS bool closed_by_server(int fd)
{
	char tmp[4096];

	for (int tries = 0; tries < 50; tries++) {
		ssize_t r = recv(fd, tmp, sizeof(tmp), MSG_DONTWAIT);

		if (r == 0)
			return true;
		if (r < 0 && errno != EAGAIN)
			return true;
		pump();
	}
	return false;
}

HARNESS uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

HARNESS bool read_serverinit(int fd)
{
	uint8_t si[24], name[4];

	if (!CHECK(recv_bytes(fd, si, 24)))
		return false;
	CHECK_EQ(si[0] << 8 | si[1], FB_W);
	CHECK_EQ(si[2] << 8 | si[3], FB_H);
	CHECK_EQ(si[4], 32);
	CHECK_EQ(be32(si + 20), 4);
	return CHECK(recv_bytes(fd, name, 4)) && CHECK(!memcmp(name, "fake", 4));
}

HARNESS uint8_t clientinit_flag = 1;

/* Handshake with security None at 3.`minor`, sending one byte at a time
 * when `split`. */
HARNESS bool handshake_none(int fd, int minor, bool split)
{
	char ver[13];
	uint8_t b[4], one = 1;

	if (!CHECK(recv_bytes(fd, ver, 12)) ||
	    !CHECK(!memcmp(ver, "RFB 003.008\n", 12)))
		return false;
	snprintf(ver, sizeof(ver), "RFB 003.%03d\n", minor);
	if (split)
		for (int i = 0; i < 12; i++)
			send_bytes(fd, ver + i, 1);
	else
		send_bytes(fd, ver, 12);
	if (minor < 7) {
		CHECK(recv_bytes(fd, b, 4) && be32(b) == 1);
	} else {
		CHECK(recv_bytes(fd, b, 2) && b[0] == 1 && b[1] == 1);
		send_bytes(fd, &one, 1);
		if (minor >= 8)
			CHECK(recv_bytes(fd, b, 4) && be32(b) == 0);
	}
	send_bytes(fd, &clientinit_flag, 1); /* ClientInit */
	return read_serverinit(fd);
}

HARNESS int normal_client(void)
{
	int fd = connect_client();

	CHECK(handshake_none(fd, 8, false));
	return fd;
}

HARNESS void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

HARNESS void send_fbur(int fd, bool inc, unsigned x, unsigned y, unsigned w,
		      unsigned h)
{
	uint8_t m[10] = { 3, inc };

	put16(m + 2, x);
	put16(m + 4, y);
	put16(m + 6, w);
	put16(m + 8, h);
	send_bytes(fd, m, 10);
}

/* Read a one-rectangle Raw update at 32 bpp and check its pixels. */
HARNESS bool check_raw_update(int fd, int x, int y, int w, int h)
{
	uint8_t hdr[16];
	uint32_t *px = malloc((size_t)w * h * 4);
	bool ok = false;

	if (!CHECK(recv_bytes(fd, hdr, 16)))
		goto out;
	CHECK_EQ(hdr[0], 0);
	CHECK_EQ(hdr[2] << 8 | hdr[3], 1);
	CHECK_EQ(hdr[4] << 8 | hdr[5], x);
	CHECK_EQ(hdr[6] << 8 | hdr[7], y);
	CHECK_EQ(hdr[8] << 8 | hdr[9], w);
	CHECK_EQ(hdr[10] << 8 | hdr[11], h);
	CHECK_EQ(be32(hdr + 12), 0);
	if (!CHECK(recv_bytes(fd, px, (size_t)w * h * 4)))
		goto out;
	ok = true;
	for (int j = 0; j < h; j++)
		for (int i = 0; i < w; i++)
			ok &= px[j * w + i] == pixels[(y + j) * FB_W + x + i];
	CHECK(ok);
out:
	free(px);
	return ok;
}

HARNESS void send_key(int fd, uint32_t keysym, bool down)
{
	uint8_t m[8] = { 4, down, 0, 0, keysym >> 24, keysym >> 16,
			 keysym >> 8, keysym };

	send_bytes(fd, m, 8);
}

HARNESS void send_pointer(int fd, uint8_t mask, unsigned x, unsigned y)
{
	uint8_t m[6] = { 5, mask };

	put16(m + 2, x);
	put16(m + 4, y);
	send_bytes(fd, m, 6);
}

#endif
