/* Security configuration against the fake desktop: VeNCrypt negotiation
 * and Plain (with a fake checker, no TLS), refusals of what was not
 * offered, failed-login throttling per address, session policy. */
#include "engine_harness.h"

#include "rfb/auth.h"
#include "rfb/throttle.h"

static int plain_checks;

static bool check_plain(void *ctx, const char *user, const char *pass,
			char *why)
{
	plain_checks++;
	return !strcmp(user, "alice") && !strcmp(pass, "wonderland");
}

static struct rfb_server_opts sec_opts(const uint32_t *types, int n)
{
	struct rfb_server_opts o = { .passwd = "secret",
				     .check_plain = check_plain };

	for (int i = 0; i < n; i++)
		o.security[i] = types[i];
	o.nsecurity = n;
	return o;
}

/* Version exchange at 3.`minor`; returns the bytes of the type list
 * (3.7+) in types, their count as the result. */
static int hello(int fd, int minor, uint8_t *types)
{
	char ver[13];
	uint8_t n;

	recv_bytes(fd, ver, 12);
	snprintf(ver, sizeof(ver), "RFB 003.%03d\n", minor);
	send_bytes(fd, ver, 12);
	if (!recv_bytes(fd, &n, 1))
		return -1;
	if (n && !recv_bytes(fd, types, n))
		return -1;
	return n;
}

static bool read_reason(int fd, const char *want)
{
	uint8_t l[4];
	char text[256] = "";

	if (!recv_bytes(fd, l, 4) || be32(l) >= sizeof(text) ||
	    !recv_bytes(fd, text, be32(l)))
		return false;
	return CHECKF(strstr(text, want), "reason \"%s\"", text);
}

/* Negotiate VeNCrypt up to the subtype list. */
static int vencrypt_list(int fd, uint32_t *subtypes)
{
	uint8_t b[2], types[16];
	int n = hello(fd, 8, types);
	uint8_t v = RFB_SEC_VENCRYPT, ver[2] = { 0, 2 };

	if (!CHECK(n >= 1))
		return -1;
	send_bytes(fd, &v, 1);
	if (!CHECK(recv_bytes(fd, b, 2) && b[0] == 0 && b[1] == 2))
		return -1;
	send_bytes(fd, ver, 2);
	if (!CHECK(recv_bytes(fd, b, 2) && b[0] == 0))
		return -1;
	for (int i = 0; i < b[1]; i++) {
		uint8_t s[4];

		recv_bytes(fd, s, 4);
		subtypes[i] = be32(s);
	}
	return b[1];
}

static void send_u32(int fd, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	send_bytes(fd, b, 4);
}

static bool plain_login(int fd, const char *user, const char *pass)
{
	uint8_t r[4];

	send_u32(fd, (uint32_t)strlen(user));
	send_u32(fd, (uint32_t)strlen(pass));
	send_bytes(fd, user, strlen(user));
	send_bytes(fd, pass, strlen(pass));
	return recv_bytes(fd, r, 4) && be32(r) == 0;
}

static void test_vencrypt_plain(void)
{
	static const uint32_t types[] = { RFB_SEC_VNCAUTH,
					  RFB_VENCRYPT_PLAIN };
	uint8_t offered[8], one = 1;
	uint32_t sub[8];
	int fd;

	new_server_opts(sec_opts(types, 2));
	fd = connect_client();
	CHECK_EQ(hello(fd, 8, offered), 2);
	CHECK(offered[0] == RFB_SEC_VNCAUTH && offered[1] == RFB_SEC_VENCRYPT);
	close(fd);
	fd = connect_client();
	CHECK(vencrypt_list(fd, sub) == 1 && sub[0] == RFB_VENCRYPT_PLAIN);
	send_u32(fd, RFB_VENCRYPT_PLAIN);
	CHECK(plain_login(fd, "alice", "wonderland"));
	send_bytes(fd, &one, 1);
	CHECK(read_serverinit(fd));
	close(fd);
	fd = connect_client();
	vencrypt_list(fd, sub);
	send_u32(fd, RFB_VENCRYPT_PLAIN);
	CHECK(!plain_login(fd, "alice", "looking-glass"));
	CHECK(read_reason(fd, "Authentication failed"));
	CHECK(closed_by_server(fd));
	CHECK_EQ(plain_checks, 2);
	close(fd);
	free_server();
}

/* The Plain cap is a setting: at it a login goes through, one byte past
 * it is refused with the reason and never checked. */
static void test_plain_cap(void)
{
	static const uint32_t types[] = { RFB_VENCRYPT_PLAIN };
	struct rfb_server_opts o = sec_opts(types, 1);
	uint32_t sub[8];
	int fd;

	o.max_plain = 10;
	new_server_opts(o);
	plain_checks = 0;
	fd = connect_client();
	vencrypt_list(fd, sub);
	send_u32(fd, RFB_VENCRYPT_PLAIN);
	CHECK(plain_login(fd, "alice", "wonderland"));
	close(fd);
	fd = connect_client();
	vencrypt_list(fd, sub);
	send_u32(fd, RFB_VENCRYPT_PLAIN);
	CHECK(!plain_login(fd, "alice", "wonderland!"));
	CHECK(read_reason(fd, "limit 10 each"));
	CHECK_EQ(plain_checks, 1);
	close(fd);
	free_server();
}

/* ClientInit right behind the credentials, before the SecurityResult
 * (found by fuzz_session): it is answered once the check is done, not
 * left in the buffer until the viewer sends more. */
static void test_plain_pipelined(void)
{
	static const uint32_t types[] = { RFB_VENCRYPT_PLAIN };
	static const uint8_t creds[] = { 0, 0, 0, 5, 0, 0, 0, 10, 'a', 'l',
					 'i', 'c', 'e', 'w', 'o', 'n', 'd',
					 'e', 'r', 'l', 'a', 'n', 'd', 1 };
	uint32_t sub[8];
	uint8_t r[4];
	int fd;

	new_server_opts(sec_opts(types, 1));
	fd = connect_client();
	vencrypt_list(fd, sub);
	send_u32(fd, RFB_VENCRYPT_PLAIN);
	send_bytes(fd, creds, sizeof(creds));
	CHECK(recv_bytes(fd, r, 4) && be32(r) == 0);
	CHECK(read_serverinit(fd));
	close(fd);
	free_server();
}

static void test_vencrypt_refusals(void)
{
	static const uint32_t types[] = { RFB_VENCRYPT_PLAIN,
					  RFB_VENCRYPT_TLSNONE };
	uint8_t offered[8], v = RFB_SEC_VENCRYPT, old[2] = { 0, 1 }, b[2];
	uint32_t sub[8];
	int fd;

	new_server_opts(sec_opts(types, 2));
	fd = connect_client(); /* VeNCrypt 0.1 */
	hello(fd, 8, offered);
	send_bytes(fd, &v, 1);
	recv_bytes(fd, b, 2);
	send_bytes(fd, old, 2);
	CHECK(recv_bytes(fd, b, 1) && b[0] == 0xff && closed_by_server(fd));
	close(fd);
	fd = connect_client(); /* a subtype not offered */
	vencrypt_list(fd, sub);
	send_u32(fd, RFB_VENCRYPT_X509VNC);
	CHECK(recv_bytes(fd, b, 1) && b[0] != 1 && closed_by_server(fd));
	close(fd);
	fd = connect_client(); /* TLS offered but unavailable */
	vencrypt_list(fd, sub);
	send_u32(fd, RFB_VENCRYPT_TLSNONE);
	CHECK(recv_bytes(fd, b, 1) && b[0] == 1 && closed_by_server(fd));
	close(fd);
	fd = connect_client(); /* Plain lengths past any sane size */
	plain_checks = 0;
	vencrypt_list(fd, sub);
	send_u32(fd, RFB_VENCRYPT_PLAIN);
	send_u32(fd, 0xffffffff);
	send_u32(fd, 0xffffffff);
	CHECK(closed_by_server(fd));
	CHECK_EQ(plain_checks, 0);
	close(fd);
	fd = connect_client(); /* None chosen while only VeNCrypt offered */
	hello(fd, 8, offered);
	b[0] = RFB_SEC_NONE;
	send_bytes(fd, b, 1);
	CHECK(recv_bytes(fd, offered, 4) && be32(offered) == 1);
	CHECK(read_reason(fd, "not offered"));
	close(fd);
	fd = connect_client(); /* 3.3 cannot do VeNCrypt */
	CHECK(hello(fd, 3, offered) == 0); /* first byte of u32 type 0 */
	recv_bytes(fd, offered, 3);
	CHECK(read_reason(fd, "VeNCrypt"));
	close(fd);
	free_server();
}

static bool vnc_login(int fd, const char *pw)
{
	uint8_t types[8], t = RFB_SEC_VNCAUTH, chal[16], resp[16], r[4];

	if (hello(fd, 8, types) < 1)
		return false;
	send_bytes(fd, &t, 1);
	if (!recv_bytes(fd, chal, 16))
		return false;
	rfb_auth_vnc_response(pw, chal, resp);
	send_bytes(fd, resp, 16);
	return recv_bytes(fd, r, 4) && be32(r) == 0;
}

/* TigerVNC's rule: 5 failures block an address for 10 s; others are
 * not affected. */
static void test_throttle(void)
{
	uint8_t types[8];
	int fd;

	new_server("secret", false, 0);
	for (int i = 0; i < RFB_THROTTLE_FAILS; i++) {
		fd = connect_client_from("10.0.0.1:40000");
		CHECK(!vnc_login(fd, "guess"));
		close(fd);
	}
	fd = connect_client_from("10.0.0.1:40001");
	CHECK_EQ(hello(fd, 8, types), 0);
	CHECK(read_reason(fd, "Too many authentication failures"));
	close(fd);
	fd = connect_client_from("10.0.0.2:40000");
	CHECK(vnc_login(fd, "secret"));
	close(fd);
	free_server();
}

/* The block doubles with each failure after it (10 s, 20 s, 40 s) and
 * a success forgets the address. */
static void test_throttle_doubles(void)
{
	struct rfb_throttle *t = rfb_throttle_new();
	uint64_t now = 1000000;

	for (int i = 0; i < RFB_THROTTLE_FAILS; i++) {
		CHECK_EQ(rfb_throttle_blocked(t, "10.0.0.3", now), 0);
		rfb_throttle_fail(t, "10.0.0.3", now);
	}
	CHECK_EQ(rfb_throttle_blocked(t, "10.0.0.3", now),
		 RFB_THROTTLE_BLOCK_MS);
	CHECK_EQ(rfb_throttle_blocked(t, "10.0.0.4", now), 0);
	now += RFB_THROTTLE_BLOCK_MS;
	CHECK_EQ(rfb_throttle_blocked(t, "10.0.0.3", now), 0);
	rfb_throttle_fail(t, "10.0.0.3", now);
	CHECK_EQ(rfb_throttle_blocked(t, "10.0.0.3", now),
		 2 * RFB_THROTTLE_BLOCK_MS);
	now += 2 * RFB_THROTTLE_BLOCK_MS;
	rfb_throttle_fail(t, "10.0.0.3", now);
	CHECK_EQ(rfb_throttle_blocked(t, "10.0.0.3", now),
		 4 * RFB_THROTTLE_BLOCK_MS);
	rfb_throttle_ok(t, "10.0.0.3");
	CHECK_EQ(rfb_throttle_blocked(t, "10.0.0.3", now), 0);
	rfb_throttle_free(t);
}

static void test_session_policy(void)
{
	struct rfb_server_opts o = { .max_clients = 1 };
	uint8_t types[8];
	int a, b, c;

	new_server_opts(o);
	a = normal_client();
	b = connect_client();
	CHECK_EQ(hello(b, 8, types), 0);
	CHECK(read_reason(b, "Too many viewers"));
	close(a), close(b);
	free_server();

	o = (struct rfb_server_opts){ .shared = false,
				      .dont_disconnect = true };
	new_server_opts(o);
	a = normal_client();
	b = connect_client();
	hello(b, 8, types);
	send_bytes(b, "\x01", 1); /* None */
	CHECK(recv_bytes(b, types, 4) && be32(types) == 0);
	send_bytes(b, "\x00", 1); /* ClientInit: exclusive */
	CHECK(closed_by_server(b));
	send_fbur(a, false, 0, 0, 1, 1);
	CHECK(check_raw_update(a, 0, 0, 1, 1));
	close(a), close(b);
	free_server();

	new_server(NULL, false, 0); /* handshakes at once per address */
	int stalled[RFB_DEFAULT_MAX_PREAUTH];

	for (int i = 0; i < RFB_DEFAULT_MAX_PREAUTH; i++)
		stalled[i] = connect_client_from("10.0.0.3:1");
	c = connect_client_from("10.0.0.3:2");
	CHECK(closed_by_server(c));
	close(c);
	c = connect_client_from("10.0.0.4:1");
	CHECK(handshake_none(c, 8, false));
	close(c);
	for (int i = 0; i < RFB_DEFAULT_MAX_PREAUTH; i++)
		close(stalled[i]);
	free_server();
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_ERROR);
	UNIT_RUN(test_vencrypt_plain);
	UNIT_RUN(test_vencrypt_refusals);
	UNIT_RUN(test_plain_cap);
	UNIT_RUN(test_plain_pipelined);
	UNIT_RUN(test_throttle);
	UNIT_RUN(test_throttle_doubles);
	UNIT_RUN(test_session_policy);
	return UNIT_DONE();
}
