/* The RFB engine against a fake desktop over a socketpair: handshakes,
 * authentication, message parsing (split and malformed), updates and
 * input bookkeeping, without an X server. */
#include "engine_harness.h"

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

/* Keysyms X cannot carry (top three bits set) and 0 press nothing. */
static void test_invalid_keysyms(void)
{
	int fd;

	new_server(NULL, false, 0);
	fd = normal_client();
	send_key(fd, 0xffffffff, true);
	send_key(fd, 0x20000000, true);
	send_key(fd, 0, true);
	send_key(fd, 0x1fffffff, true);
	pump();
	CHECK_EQ(fake.key_events, 1);
	close(fd);
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

/* A message begun and left unfinished closes its client message_ms after
 * its last byte; bytes arriving restart the wait, and a client idle
 * between messages is never timed out. */
static void test_message_timeout(void)
{
	static const uint8_t cut[12] = { 6, 0, 0, 0, 0, 0, 0, 60,
					 'a', 'b', 'c', 'd' };
	struct rfb_server_opts o = { .shared = true, .message_ms = 500 };
	uint8_t rest[30];
	int idle, slow, stalled;

	new_server_opts(o);
	idle = normal_client();
	slow = normal_client();
	stalled = normal_client();
	send_bytes(stalled, cut, sizeof(cut));
	send_bytes(slow, cut, 8);
	for (int i = 0; i < 30; i++) /* 30 pumps of 20 ms, a byte each */
		send_bytes(slow, "x", 1);
	CHECK(closed_by_server(stalled));
	memset(rest, 'y', sizeof(rest));
	send_bytes(slow, rest, 30);
	send_fbur(slow, false, 0, 0, 2, 2);
	CHECK(check_raw_update(slow, 0, 0, 2, 2));
	CHECK_EQ(fake.cutlen, 60);
	send_fbur(idle, false, 0, 0, 2, 2);
	CHECK(check_raw_update(idle, 0, 0, 2, 2));
	close(stalled);
	close(slow);
	close(idle);
	free_server();
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
	UNIT_RUN(test_invalid_keysyms);
	UNIT_RUN(test_message_timeout);
	UNIT_RUN(test_viewonly);
	UNIT_RUN(test_cut_text);
	UNIT_RUN(test_bad_messages);
	UNIT_RUN(test_shared_flag);
	return UNIT_DONE();
}
