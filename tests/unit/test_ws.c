/* The WebSocket layer over a socketpair: frames a browser could send
 * (split, fragmented, interleaved with pings) must give the same byte
 * stream as plain TCP, hostile frames must get the right Close code
 * without allocating, and our output must be framed and bounded.  Last,
 * the real RFB engine is driven through the layer. */
#include <malloc.h>

#include "engine_harness.h"
#include "net/ws.h"
#include "ws_client.h"

static struct net_conn *ws;
static int cfd;

static void open_ws(void)
{
	int sv[2];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	ws = net_ws_new(net_conn_new_fd(sv[0], "test"), 0);
	cfd = sv[1];
	wsc_pump = NULL;
	wsc_reset();
}

static void close_ws(void)
{
	net_conn_destroy(ws);
	close(cfd);
}

/* Read from the layer until n bytes came; false on error or EOF, or if
 * they do not come. */
static bool ws_read_n(void *p, size_t n)
{
	size_t got = 0;

	for (int idle = 0; got < n && idle < 50;) {
		ssize_t r = net_conn_read(ws, (char *)p + got, n - got);

		if (r > 0) {
			got += (size_t)r;
			idle = 0;
		} else if (r < 0 && errno == EAGAIN) {
			struct pollfd pfd = { ws->fd, POLLIN, 0 };

			poll(&pfd, 1, 20);
			idle++;
		} else {
			return false;
		}
	}
	return got == n;
}

/* The layer has nothing to give now (and no error). */
static bool ws_nothing(void)
{
	static char b[65536];

	return net_conn_read(ws, b, sizeof(b)) < 0 && errno == EAGAIN;
}

/* What the next read says about a hostile frame: -1/EPROTO, the error
 * text names `why`, and the client gets a Close with `code`. */
static void expect_fail(int code, const char *why)
{
	char b[64];
	ssize_t r = net_conn_read(ws, b, sizeof(b));

	CHECK_EQ(r, -1);
	CHECK_EQ(errno, EPROTO);
	CHECKF(strstr(ws->error, why), "error \"%s\", wanted \"%s\"", ws->error,
	       why);
	CHECK_EQ(wsc_recv_close(cfd), code);
	/* It stays failed. */
	CHECK(net_conn_read(ws, b, sizeof(b)) < 0 && errno == EPROTO);
	CHECK(net_conn_write(ws, "x", 1) < 0 && errno == EPROTO);
}

static void test_accept_key(void)
{
	char acc[NET_WS_ACCEPT_LEN + 1];
	const char *key = "dGhlIHNhbXBsZSBub25jZQ==";

	/* RFC 6455 1.3 */
	net_ws_accept(key, strlen(key), acc);
	CHECK_STR(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	CHECK(net_ws_key_valid(key, 24));
	CHECK(!net_ws_key_valid("dGhlIHNhbXBsZSBub25jZQ=", 23));
	CHECK(!net_ws_key_valid("dGhlIHNhbXBsZSBub25jZQ= ", 24));
	CHECK(!net_ws_key_valid("dGhlIHNhbXBsZSBub25j*Q==", 24));
	CHECK(!net_ws_key_valid("dGhlIHNhbXBsZSBub25jZQ==AAAA", 28));
	CHECK(!net_ws_key_valid("", 0));
}

static void test_masked(void)
{
	char b[32];

	open_ws();
	CHECK(ws_nothing());
	wsc_send(cfd, WSC_FIN | WSC_BIN, "RFB 003.008\n", 12);
	CHECK(ws_read_n(b, 12) && !memcmp(b, "RFB 003.008\n", 12));
	/* Text frames carry the same stream (never interpreted). */
	wsc_send(cfd, WSC_FIN | WSC_TEXT, "\x01\xff\x00", 3);
	CHECK(ws_read_n(b, 3) && !memcmp(b, "\x01\xff\x00", 3));
	/* An empty data frame is nothing, not the end of the stream. */
	wsc_send(cfd, WSC_FIN | WSC_BIN, "", 0);
	CHECK(ws_nothing());
	close_ws();
}

/* Every header form (7-, 16-, 64-bit length) arriving a byte at a time,
 * with the payload after it. */
static void test_header_split(void)
{
	static const size_t lens[] = { 5, 300, 70000 };
	static uint8_t pay[70000], f[70014], got[70000];

	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 7 + 1);
	for (size_t t = 0; t < 3; t++) {
		size_t n = wsc_frame(f, WSC_FIN | WSC_BIN, pay, lens[t]);
		size_t hl = n - lens[t];

		open_ws();
		for (size_t i = 0; i < hl; i++) {
			wsc_write(cfd, f + i, 1);
			CHECKF(ws_nothing(), "len %zu byte %zu", lens[t], i);
		}
		wsc_write(cfd, f + hl, lens[t]);
		CHECKF(ws_read_n(got, lens[t]), "len %zu", lens[t]);
		CHECK(!memcmp(got, pay, lens[t]));
		close_ws();
	}
}

/* A payload taken out in odd-sized reads: the mask position must carry
 * over from one read to the next. */
static void test_odd_reads(void)
{
	uint8_t pay[1000], got[1000];
	size_t off = 0;

	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 13);
	open_ws();
	wsc_send(cfd, WSC_FIN | WSC_BIN, pay, sizeof(pay));
	for (int tries = 0; off < sizeof(pay) && tries < 1000; tries++) {
		size_t want = sizeof(pay) - off < 7 ? sizeof(pay) - off : 7;
		ssize_t r = net_conn_read(ws, got + off, want);

		if (r > 0)
			off += (size_t)r;
	}
	CHECK_EQ(off, sizeof(pay));
	CHECK(!memcmp(got, pay, sizeof(pay)));
	close_ws();
}

/* An RFB message cut across frames, and a fragmented message with a
 * ping between its fragments (RFC 6455 5.4 allows that). */
static void test_fragments(void)
{
	uint8_t fbur[10] = { 3, 0, 0, 0, 0, 0, 0, 64, 0, 48 }, b[16], b0;
	size_t n;

	open_ws();
	wsc_send(cfd, WSC_FIN | WSC_BIN, fbur, 3);
	wsc_send(cfd, WSC_FIN | WSC_BIN, fbur + 3, 6);
	wsc_send(cfd, WSC_FIN | WSC_BIN, fbur + 9, 1);
	CHECK(ws_read_n(b, 10) && !memcmp(b, fbur, 10));

	wsc_send(cfd, WSC_BIN, "abc", 3);
	wsc_send(cfd, WSC_CONT, "def", 3);
	wsc_send(cfd, WSC_FIN | WSC_PING, "hi", 2);
	wsc_send(cfd, WSC_FIN | WSC_CONT, "ghi", 3);
	CHECK(ws_read_n(b, 9) && !memcmp(b, "abcdefghi", 9));
	CHECK(wsc_recv(cfd, &b0, b, sizeof(b), &n));
	CHECK_EQ(b0, WSC_FIN | WSC_PONG);
	CHECK(n == 2 && !memcmp(b, "hi", 2));
	close_ws();
}

/* Pings between data come back as pongs with their payload; pongs are
 * ignored; the data stream is untouched by either. */
static void test_ping(void)
{
	uint8_t b[200], big[125], b0;
	size_t n;

	memset(big, 'p', sizeof(big));
	open_ws();
	wsc_send(cfd, WSC_FIN | WSC_BIN, "12", 2);
	wsc_send(cfd, WSC_FIN | WSC_PING, big, sizeof(big));
	wsc_send(cfd, WSC_FIN | WSC_PONG, "x", 1);
	wsc_send(cfd, WSC_FIN | WSC_PING, "", 0);
	wsc_send(cfd, WSC_FIN | WSC_BIN, "34", 2);
	CHECK(ws_read_n(b, 4) && !memcmp(b, "1234", 4));
	CHECK(wsc_recv(cfd, &b0, b, sizeof(b), &n));
	CHECK(b0 == (WSC_FIN | WSC_PONG) && n == 125 && !memcmp(b, big, 125));
	CHECK(wsc_recv(cfd, &b0, b, sizeof(b), &n));
	CHECK(b0 == (WSC_FIN | WSC_PONG) && n == 0);
	/* Only pongs for pings: the pong we got sent nothing back. */
	CHECK_EQ(net_conn_pending_out(ws), 0);
	CHECK(recv(cfd, b, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN);
	close_ws();
}

/* A Close is echoed with its code, then the stream ends; data before it
 * in the same read still arrives. */
static void test_close(void)
{
	uint8_t code[2] = { 1000 >> 8, 1000 & 0xff }, b[64];

	open_ws();
	wsc_send(cfd, WSC_FIN | WSC_BIN, "ab", 2);
	wsc_send(cfd, WSC_FIN | WSC_CLOSE, code, 2);
	CHECK_EQ(net_conn_read(ws, b, sizeof(b)), 2);
	CHECK(!memcmp(b, "ab", 2));
	CHECK(net_conn_pending_in(ws) > 0); /* the end, without the socket */
	CHECK_EQ(net_conn_read(ws, b, sizeof(b)), 0);
	CHECK_EQ(ws->error[0], 0);
	CHECK_EQ(wsc_recv_close(cfd), 1000);
	/* Writes after the Close go nowhere, as RFC 6455 5.5.1 wants. */
	CHECK_EQ(net_conn_write(ws, "late", 4), 4);
	CHECK_EQ(net_conn_pending_out(ws), 0);
	CHECK(recv(cfd, b, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN);
	close_ws();

	open_ws();
	wsc_send(cfd, WSC_FIN | WSC_CLOSE, "", 0);
	CHECK_EQ(net_conn_read(ws, b, sizeof(b)), 0);
	CHECK_EQ(wsc_recv_close(cfd), 0);
	close_ws();

	/* A 1-byte close body or a reserved code is a protocol error. */
	open_ws();
	wsc_send(cfd, WSC_FIN | WSC_CLOSE, "x", 1);
	expect_fail(1002, "invalid close");
	close_ws();
	open_ws();
	wsc_send(cfd, WSC_FIN | WSC_CLOSE, "\x03\xed", 2); /* 1005 */
	expect_fail(1002, "invalid close");
	close_ws();
}

static void test_bad_frames(void)
{
	static const struct {
		uint8_t b0;
		size_t len;
		bool masked;
		const char *why;
	} bad[] = {
		{ WSC_FIN | WSC_BIN, 4, false, "unmasked client frame" },
		{ WSC_FIN | WSC_PING, 126, true, "longer than 125" },
		{ WSC_PING, 2, true, "fragmented control" },
		{ WSC_CLOSE, 2, true, "fragmented control" },
		{ WSC_FIN | 3, 2, true, "unknown opcode 3" },
		{ WSC_FIN | 0xb, 2, true, "unknown opcode 11" },
		{ WSC_FIN | 0x40 | WSC_BIN, 2, true, "reserved bits" },
		{ WSC_FIN | 0x10 | WSC_BIN, 2, true, "reserved bits" },
		{ WSC_FIN | WSC_CONT, 2, true, "continuation outside" },
	};
	uint8_t pay[200] = { 0 }, f[214];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unit_test = bad[i].why;
		open_ws();
		wsc_write(cfd, f,
			  wsc_frame_n(f, bad[i].b0, pay, bad[i].len, bad[i].len,
				      bad[i].masked));
		expect_fail(1002, bad[i].why);
		close_ws();
	}
	unit_test = "test_bad_frames";
	/* A new message while a fragmented one is open. */
	open_ws();
	wsc_send(cfd, WSC_BIN, "a", 1);
	wsc_send(cfd, WSC_FIN | WSC_BIN, "b", 1);
	expect_fail(1002, "new message inside");
	close_ws();
}

/* Bytes malloc has handed out, small and mmapped blocks alike. */
static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* A length of 2^63 or over the cap is refused from the header alone:
 * no mask key or payload needed, and nothing allocated for it. */
static void test_huge(void)
{
	static const uint64_t lens[] = { 1ull << 63, ~0ull,
					 (uint64_t)NET_WS_MAX_FRAME + 1,
					 1ull << 40 };
	uint8_t f[16];

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t before = heap_used();

		open_ws();
		/* The 10 header bytes up to the length, no mask key. */
		wsc_write(cfd, f,
			  wsc_frame_n(f, WSC_FIN | WSC_BIN, NULL, lens[i], 0,
				      true) -
				  4);
		expect_fail(1009, lens[i] >> 63 ? "top bit" : "cap");
		CHECKF(heap_used() < before + (1 << 20), "%zu bytes allocated",
		       heap_used() - before);
		close_ws();
	}
	/* Exactly the cap is fine: the layer waits for the payload. */
	open_ws();
	wsc_write(cfd, f,
		  wsc_frame_n(f, WSC_FIN | WSC_BIN, NULL, NET_WS_MAX_FRAME, 0,
			      true));
	CHECK(ws_nothing());
	close_ws();
}

static void flush_ws(void)
{
	struct pollfd pfd = { cfd, POLLIN, 0 };

	net_conn_flush(ws);
	poll(&pfd, 1, 5);
}

/* One data frame from the layer into got + *rd. */
static bool read_frame(uint8_t *got, size_t *rd, size_t n)
{
	size_t k = 0;
	uint8_t b0;

	if (!CHECK(wsc_recv(cfd, &b0, got + *rd, n - *rd, &k)))
		return false;
	CHECK_EQ(b0, WSC_FIN | WSC_BIN);
	CHECKF(k > 0 && k <= NET_WS_OUT_FRAME, "frame of %zu", k);
	*rd += k;
	return true;
}

/* Write everything, the client reading a frame whenever the layer
 * pushes back (wsc_pump flushes the layer while the client waits). */
static void write_all(const uint8_t *p, size_t n, uint8_t *got)
{
	size_t off = 0, rd = 0;

	wsc_pump = flush_ws;
	while (off < n) {
		ssize_t w = net_conn_write(ws, p + off, n - off);

		if (w > 0)
			off += (size_t)w;
		else if (!CHECK(w < 0 && errno == EAGAIN))
			return;
		else if (!read_frame(got, &rd, n))
			return;
	}
	while (rd < n)
		if (!read_frame(got, &rd, n))
			return;
	CHECK_EQ(net_conn_pending_out(ws), 0);
}

/* A large update is split into frames of at most NET_WS_OUT_FRAME and
 * joins back into the same bytes. */
static void test_write_split(void)
{
	size_t n = 3 * NET_WS_OUT_QUEUE + 12345;
	uint8_t *p = malloc(n), *got = calloc(1, n), b0, f[16];
	size_t k;

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i ^ i >> 9);
	open_ws();
	write_all(p, n, got);
	CHECK(!memcmp(p, got, n));
	/* A small write is one frame with a 7-bit length. */
	CHECK_EQ(net_conn_write(ws, "hello", 5), 5);
	CHECK(wsc_recv(cfd, &b0, f, sizeof(f), &k));
	CHECK(b0 == (WSC_FIN | WSC_BIN) && k == 5 && !memcmp(f, "hello", 5));
	/* Destroying an open layer says goodbye properly. */
	net_conn_destroy(ws);
	CHECK_EQ(wsc_recv_close(cfd), 1000);
	close(cfd);
	free(p);
	free(got);
}

/* A client that never reads: the layer's queue stops at its cap and
 * write() says EAGAIN, leaving the caller's own cap in charge. */
static void test_queue_cap(void)
{
	static uint8_t chunk[65536];
	size_t total = 0;
	ssize_t w = 0;

	open_ws();
	for (int i = 0; i < 1000; i++) {
		w = net_conn_write(ws, chunk, sizeof(chunk));
		if (w < 0)
			break;
		total += (size_t)w;
	}
	CHECK(w < 0 && errno == EAGAIN);
	CHECKF(net_conn_pending_out(ws) >= NET_WS_OUT_QUEUE / 2 &&
		       net_conn_pending_out(ws) <= NET_WS_OUT_QUEUE + 64,
	       "%zu pending", net_conn_pending_out(ws));
	CHECK(net_conn_flush(ws) < 0 && errno == EAGAIN);
	CHECKF(total < 16u << 20, "%zu accepted", total);
	/* Pings flooding in meanwhile do not grow it either. */
	for (int i = 0; i < 100; i++)
		wsc_send(cfd, WSC_FIN | WSC_PING, chunk, 125);
	CHECK(ws_nothing());
	CHECKF(net_conn_pending_out(ws) <= NET_WS_OUT_QUEUE + 64, "%zu pending",
	       net_conn_pending_out(ws));
	/* A protocol error now still says what it was, not "full". */
	wsc_write(cfd, "\x82\x00", 2);
	CHECK(net_conn_read(ws, chunk, sizeof(chunk)) < 0 && errno == EPROTO);
	CHECKF(strstr(ws->error, "unmasked"), "error \"%s\"", ws->error);
	close_ws();
}

/* Send each byte as its own frame, with pings in between. */
static void send_split(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		wsc_send(cfd, WSC_FIN | WSC_BIN, b + i, 1);
		if (i % 3 == 0)
			wsc_send(cfd, WSC_FIN | WSC_PING, "p", 1);
	}
	pump();
}

/* The RFB engine through the layer, the client splitting every message
 * across frames and pinging: handshake, then a raw update of the whole
 * screen whose pixels must match. */
static void test_engine(void)
{
	uint8_t b[24], one = 1;
	uint32_t *px = malloc(FB_W * FB_H * 4);
	uint8_t fbur[10] = { 3, 0, 0, 0, 0, 0, 0, FB_W, 0, FB_H };
	int sv[2];

	new_server(NULL, false, 0);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	rfb_server_add_client(srv, net_ws_new(net_conn_new_fd(sv[0], "ws"), 0));
	cfd = sv[1];
	wsc_pump = pump;
	wsc_reset();
	CHECK(wsc_recv_stream(cfd, b, 12) && !memcmp(b, "RFB 003.008\n", 12));
	send_split("RFB 003.008\n", 12);
	CHECK(wsc_recv_stream(cfd, b, 2) && b[0] == 1 && b[1] == 1);
	send_split(&one, 1);
	CHECK(wsc_recv_stream(cfd, b, 4) && be32(b) == 0);
	send_split(&one, 1); /* ClientInit */
	CHECK(wsc_recv_stream(cfd, b, 24) && be32(b + 20) == 4);
	CHECK(wsc_recv_stream(cfd, b, 4) && !memcmp(b, "fake", 4));
	CHECK_EQ(fake.nclients, 1);
	send_split(fbur, sizeof(fbur));
	CHECK(wsc_recv_stream(cfd, b, 16) && b[0] == 0 && b[3] == 1);
	CHECK(wsc_recv_stream(cfd, px, FB_W * FB_H * 4));
	CHECK(!memcmp(px, pixels, FB_W * FB_H * 4));
	/* The viewer leaves with a Close: echoed, and the client is gone. */
	wsc_send(cfd, WSC_FIN | WSC_CLOSE, "\x03\xe9", 2);
	pump();
	CHECK_EQ(wsc_recv_close(cfd), 1001);
	CHECK_EQ(fake.nclients, 0);
	close(cfd);
	free_server();
	free(px);
}

int main(void)
{
	int fds = wsc_count_fds();

	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_WARN);
	UNIT_RUN(test_accept_key);
	UNIT_RUN(test_masked);
	UNIT_RUN(test_header_split);
	UNIT_RUN(test_odd_reads);
	UNIT_RUN(test_fragments);
	UNIT_RUN(test_ping);
	UNIT_RUN(test_close);
	UNIT_RUN(test_bad_frames);
	UNIT_RUN(test_huge);
	UNIT_RUN(test_write_split);
	UNIT_RUN(test_queue_cap);
	UNIT_RUN(test_engine);
	/* Destroying a layer closed the socket under it. */
	unit_test = "fd leak";
	CHECK_EQ(wsc_count_fds(), fds);
	return UNIT_DONE();
}
