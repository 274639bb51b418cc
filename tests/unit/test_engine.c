/* The RFB engine against a fake desktop over a socketpair: handshakes,
 * authentication, message parsing (split and malformed), updates and
 * input bookkeeping, without an X server. */
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

static uint32_t pixels[FB_W * FB_H];

struct fake {
	uint32_t keys_down[64];
	int nkeys;
	int key_events;
	uint16_t buttons;
	int pointer_events;
	char cut[256];
	size_t cutlen;
	int nclients;
};

static struct fake fake;

static void fake_key(void *ctx, uint32_t keysym, bool down)
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

static void fake_pointer(void *ctx, int x, int y, uint16_t buttons)
{
	fake.pointer_events++;
	fake.buttons = buttons;
}

static void fake_cut(void *ctx, const char *utf8, size_t len)
{
	fake.cutlen = len < sizeof(fake.cut) ? len : sizeof(fake.cut);
	memcpy(fake.cut, utf8, fake.cutlen);
}

static void fake_clients(void *ctx, int n)
{
	fake.nclients = n;
}

static const struct rfb_desktop_ops fake_ops = { fake_key, fake_pointer,
						 fake_cut, fake_clients };

static struct loop *loop;
static struct rfb_server *srv;

static void quit_cb(void *data)
{
	loop_quit(loop, 0);
}

/* Let the server run for a moment. */
static void pump(void)
{
	loop_timer_add(loop, 20, false, quit_cb, NULL);
	loop_run(loop);
}

static bool opt_shared = true;

static void new_server(const char *passwd, bool viewonly, size_t maxcut)
{
	struct rfb_server_opts o = { .name = "fake", .passwd = passwd,
				     .viewonly = viewonly, .shared = opt_shared,
				     .max_cuttext = maxcut };
	struct rfb_fb fb = { pixels, FB_W, FB_H, FB_W };

	memset(&fake, 0, sizeof(fake));
	for (int i = 0; i < FB_W * FB_H; i++)
		pixels[i] = (uint32_t)(i * 2654435761u) & 0xffffff;
	loop = loop_new();
	srv = rfb_server_new(loop, &o, (struct rfb_desktop){ &fake_ops, NULL });
	rfb_server_set_fb(srv, &fb);
}

static void free_server(void)
{
	rfb_server_destroy(srv);
	loop_destroy(loop);
}

/* A connected client socket (our end, blocking with a timeout). */
static int connect_client(void)
{
	int sv[2];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	rfb_server_add_client(srv, net_conn_new_fd(sv[0], "test"));
	pump();
	return sv[1];
}

static void send_bytes(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		CHECKF(false, "short write");
	pump();
}

/* Read exactly n bytes, pumping the server; false on EOF/timeout. */
static bool recv_bytes(int fd, void *p, size_t n)
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
static bool closed_by_server(int fd)
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

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static bool read_serverinit(int fd)
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

static uint8_t clientinit_flag = 1;

/* Handshake with security None at 3.`minor`, sending one byte at a time
 * when `split`. */
static bool handshake_none(int fd, int minor, bool split)
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

static void test_handshakes(void)
{
	static const int minors[] = { 3, 4, 5, 6, 7, 8, 9 };

	for (size_t i = 0; i < sizeof(minors) / sizeof(minors[0]); i++) {
		int fd;

		new_server(NULL, false, 0);
		fd = connect_client();
		CHECKF(handshake_none(fd, minors[i], false), "3.%d",
		       minors[i]);
		CHECK_EQ(fake.nclients, 1);
		close(fd);
		pump();
		CHECK_EQ(fake.nclients, 0);
		free_server();
	}
	new_server(NULL, false, 0);
	close(connect_client());
	free_server();
}

static void test_split_handshake(void)
{
	int fd;

	new_server(NULL, false, 0);
	fd = connect_client();
	CHECK(handshake_none(fd, 8, true));
	close(fd);
	free_server();
}

static void test_bad_version(void)
{
	static const char *const bad[] = { "RFB 004.000\n", "GET / HTTP/1.",
					   "RFB 003.00x\n",
					   "\0\0\0\0\0\0\0\0\0\0\0\0" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char ver[12];
		int fd;

		new_server(NULL, false, 0);
		fd = connect_client();
		recv_bytes(fd, ver, 12);
		send_bytes(fd, bad[i], 12);
		CHECKF(closed_by_server(fd), "version %zu accepted", i);
		close(fd);
		free_server();
	}
}

/* VNC auth at 3.8: the right password gets in, a wrong one gets
 * SecurityResult 1 with a reason, an unoffered type is refused. */
static int vncauth(const char *server_pw, const char *client_pw,
		   uint8_t type)
{
	uint8_t b[64], chal[16], resp[16];
	int fd, ok = -1;

	new_server(server_pw, false, 0);
	fd = connect_client();
	recv_bytes(fd, b, 12);
	send_bytes(fd, "RFB 003.008\n", 12);
	if (!CHECK(recv_bytes(fd, b, 2)) || !CHECK_EQ(b[1], 2))
		goto out;
	send_bytes(fd, &type, 1);
	if (type == 2) {
		CHECK(recv_bytes(fd, chal, 16));
		rfb_auth_vnc_response(client_pw, chal, resp);
		send_bytes(fd, resp, 16);
	}
	if (CHECK(recv_bytes(fd, b, 4)))
		ok = be32(b) == 0;
	if (ok == 0)
		CHECK(recv_bytes(fd, b, 4) && be32(b) > 0 && be32(b) < 64 &&
		      recv_bytes(fd, b + 4, be32(b)));
	if (ok == 0)
		CHECK(closed_by_server(fd));
out:
	close(fd);
	free_server();
	return ok;
}

static void test_vncauth(void)
{
	CHECK_EQ(vncauth("secret", "secret", 2), 1);
	CHECK_EQ(vncauth("secret", "secreT", 2), 0);
	CHECK_EQ(vncauth("12345678", "12345678abc", 2), 1);
	CHECK_EQ(vncauth("secret", "", 1), 0); /* None was not offered */
}

/* The vncpasswd file format: TigerVNC's vncpasswd writes "password" as
 * these 8 bytes. */
static void test_passwd_file(void)
{
	static const uint8_t want[8] = { 0xdb, 0xd8, 0x3c, 0xfd,
					 0x72, 0x7a, 0x14, 0x58 };
	char path[] = "/tmp/xrfb-unit-XXXXXX", full[9], view[9];
	uint8_t got[16];
	const char *why;
	int fd = mkstemp(path);

	close(fd);
	CHECK_EQ(rfb_passwd_write(path, "password", "viewer", &why), 0);
	fd = open(path, O_RDONLY);
	CHECK_EQ(read(fd, got, 16), 16);
	close(fd);
	CHECK(!memcmp(got, want, 8));
	CHECK_EQ(rfb_passwd_read(path, full, view, &why), 0);
	CHECK_STR(full, "password");
	CHECK_STR(view, "viewer");
	chmod(path, 0644);
	CHECK_EQ(rfb_passwd_read(path, full, view, &why), -1);
	unlink(path);
}

static int normal_client(void)
{
	int fd = connect_client();

	CHECK(handshake_none(fd, 8, false));
	return fd;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void send_fbur(int fd, bool inc, unsigned x, unsigned y, unsigned w,
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
static bool check_raw_update(int fd, int x, int y, int w, int h)
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

static void test_updates(void)
{
	struct rfb_rect r = { 5, 6, 7, 8 };
	uint8_t b[16];
	int fd;

	new_server(NULL, false, 0);
	fd = normal_client();
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	check_raw_update(fd, 0, 0, FB_W, FB_H);
	/* Incremental with nothing changed: no update. */
	send_fbur(fd, true, 0, 0, FB_W, FB_H);
	CHECK(recv(fd, b, 1, MSG_DONTWAIT) < 0);
	pixels[6 * FB_W + 5] ^= 0xffffff;
	rfb_server_damage(srv, &r);
	pump();
	check_raw_update(fd, 5, 6, 7, 8);
	/* Out-of-range requests are clipped; the connection stays up. */
	send_fbur(fd, false, 65535, 65535, 10, 10);
	send_fbur(fd, false, 60, 40, 65535, 65535);
	check_raw_update(fd, 60, 40, 4, 8);
	close(fd);
	free_server();
}

static void send_key(int fd, uint32_t keysym, bool down)
{
	uint8_t m[8] = { 4, down, 0, 0, keysym >> 24, keysym >> 16,
			 keysym >> 8, keysym };

	send_bytes(fd, m, 8);
}

static void send_pointer(int fd, uint8_t mask, unsigned x, unsigned y)
{
	uint8_t m[6] = { 5, mask };

	put16(m + 2, x);
	put16(m + 4, y);
	send_bytes(fd, m, 6);
}

/* Keys and buttons a client holds are released when it goes. */
static void test_release_on_disconnect(void)
{
	int fd;

	new_server(NULL, false, 0);
	fd = normal_client();
	send_key(fd, 0xffe1, true); /* Shift_L */
	send_key(fd, 'a', true);
	send_key(fd, 'a', false);
	send_key(fd, 'b', true);
	send_pointer(fd, 1 | 4, 10, 10);
	CHECK_EQ(fake.nkeys, 2);
	CHECK_EQ(fake.buttons, 5);
	close(fd);
	pump();
	CHECK_EQ(fake.nkeys, 0);
	CHECK_EQ(fake.buttons, 0);
	free_server();
}

static void test_viewonly(void)
{
	uint8_t cut[12] = { 6, 0, 0, 0, 0, 0, 0, 4, 'a', 'b', 'c', 'd' };
	int fd;

	new_server(NULL, true, 0);
	fd = normal_client();
	send_key(fd, 'a', true);
	send_pointer(fd, 1, 3, 3);
	send_bytes(fd, cut, sizeof(cut));
	CHECK_EQ(fake.key_events, 0);
	CHECK_EQ(fake.pointer_events, 0);
	CHECK_EQ(fake.cutlen, 0);
	close(fd);
	free_server();
}

/* Latin-1 in, UTF-8 out; over the cap the text is skipped and the
 * stream stays in sync. */
static void test_cut_text(void)
{
	uint8_t cut[11] = { 6, 0, 0, 0, 0, 0, 0, 3, 'a', 0xe9, '\r' };
	uint8_t big[8 + 40] = { 6, 0, 0, 0, 0, 0, 0, 40 };
	int fd;

	new_server(NULL, false, 16);
	fd = normal_client();
	send_bytes(fd, cut, sizeof(cut));
	CHECK_EQ(fake.cutlen, 4);
	CHECK(!memcmp(fake.cut, "a\xc3\xa9\n", 4));
	fake.cutlen = 0;
	send_bytes(fd, big, 20);
	send_bytes(fd, big + 20, sizeof(big) - 20);
	CHECK_EQ(fake.cutlen, 0);
	send_fbur(fd, false, 0, 0, 2, 2);
	check_raw_update(fd, 0, 0, 2, 2);
	close(fd);
	free_server();
}

/* Malformed messages close that client only. */
static void test_bad_messages(void)
{
	static const uint8_t bad_pf[20] = { 0, 0, 0, 0, 24, 24, 0, 1,
					    0, 255, 0, 255, 0, 255, 16, 8, 0 };
	static const uint8_t unknown[1] = { 0x7f };
	static const uint8_t ext_cut[8] = { 6, 0, 0, 0, 0x80, 0, 0, 0 };
	const struct {
		const uint8_t *msg;
		size_t len;
	} cases[] = { { bad_pf, 20 }, { unknown, 1 }, { ext_cut, 8 } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int bystander, fd;

		new_server(NULL, false, 0);
		bystander = normal_client();
		fd = normal_client();
		send_bytes(fd, cases[i].msg, cases[i].len);
		CHECKF(closed_by_server(fd), "case %zu not closed", i);
		send_fbur(bystander, false, 0, 0, 3, 3);
		CHECKF(check_raw_update(bystander, 0, 0, 3, 3),
		       "bystander disturbed in case %zu", i);
		close(fd);
		close(bystander);
		free_server();
	}
}

/* rfbproto 7.3.1: an exclusive ClientInit disconnects the others only
 * under -noshared; under -shared (the default) it is treated as shared. */
static void test_shared_flag(void)
{
	for (int shared = 0; shared < 2; shared++) {
		int a, b;

		opt_shared = shared;
		new_server(NULL, false, 0);
		a = normal_client();
		clientinit_flag = 0;
		b = normal_client();
		clientinit_flag = 1;
		CHECKF(closed_by_server(a) == !shared, "-%sshared",
		       shared ? "" : "no");
		send_fbur(b, false, 0, 0, 1, 1);
		CHECK(check_raw_update(b, 0, 0, 1, 1));
		close(a);
		close(b);
		free_server();
	}
	opt_shared = true;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_ERROR);
	UNIT_RUN(test_handshakes);
	UNIT_RUN(test_split_handshake);
	UNIT_RUN(test_bad_version);
	UNIT_RUN(test_vncauth);
	UNIT_RUN(test_passwd_file);
	UNIT_RUN(test_updates);
	UNIT_RUN(test_release_on_disconnect);
	UNIT_RUN(test_viewonly);
	UNIT_RUN(test_cut_text);
	UNIT_RUN(test_bad_messages);
	UNIT_RUN(test_shared_flag);
	return UNIT_DONE();
}
