/* The HTTP front over a socketpair and the real loop: WebSocket upgrades
 * accepted and refused, limits (head size, timeout), and static files
 * with their types, lengths and the directory they must not leave. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/http.h"
#include "net/http_file.h"
#include "net/http_req.h"
#include "net/ws.h"
#include "unit.h"
#include "util/log.h"
#include "ws_client.h"

static struct loop *loop;
static struct net_conn *upgraded;
static int nupgraded;
static char dir[64], outside[64];
static struct net_http_opts opts;

static void quit_cb(void *data)
{
	loop_quit(loop, 0);
}

static void pump_ms(int ms)
{
	loop_timer_add(loop, ms, false, quit_cb, NULL);
	loop_run(loop);
}

static void pump(void)
{
	pump_ms(10);
}

static void on_upgraded(void *data, struct net_conn *ws)
{
	nupgraded++;
	upgraded = ws;
}

/* A connection being served; the client's end. */
static int serve(void)
{
	int sv[2];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	upgraded = NULL;
	nupgraded = 0;
	net_http_serve(loop, net_conn_new_fd(sv[0], "test"), &opts, on_upgraded,
		       NULL);
	wsc_pump = pump;
	wsc_reset();
	return sv[1];
}

static void send_str(int fd, const char *s)
{
	wsc_write(fd, s, strlen(s));
	pump();
}

/* Everything until the server closes (false if it does not). */
static bool read_to_eof(int fd, char *buf, size_t cap, size_t *len)
{
	*len = 0;
	for (int idle = 0; idle < 100;) {
		ssize_t r = recv(fd, buf + *len, cap - 1 - *len, MSG_DONTWAIT);

		if (r == 0) {
			buf[*len] = '\0';
			return true;
		}
		if (r > 0) {
			*len += (size_t)r;
			idle = 0;
			if (*len == cap - 1)
				return false;
		} else {
			pump();
			idle++;
		}
	}
	buf[*len] = '\0';
	return false;
}

/* The response head (up to the blank line) without closing. */
static bool read_head(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		if (!wsc_read(fd, buf + n, 1))
			return false;
		n++;
		buf[n] = '\0';
		if (n >= 4 && !memcmp(buf + n - 4, "\r\n\r\n", 4))
			return true;
	}
	return false;
}

/* A complete exchange: request, full response, server closed. */
static int request(const char *req, char *resp, size_t cap, size_t *len)
{
	int fd = serve(), status = -1;

	send_str(fd, req);
	if (CHECKF(read_to_eof(fd, resp, cap, len), "no EOF after %s", req))
		sscanf(resp, "HTTP/1.1 %d ", &status);
	close(fd);
	pump();
	CHECK_EQ(nupgraded, 0);
	return status;
}

static int status_of(const char *req)
{
	static char resp[8192];
	size_t len;

	return request(req, resp, sizeof(resp), &len);
}

/* The body of a response, after its head. */
static const char *body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	return b ? b + 4 : "";
}

#define UPGRADE_HEAD                                                           \
	"GET /websockify HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"        \
	"Connection: Upgrade\r\n"
#define SAMPLE_KEY "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"

/* A good upgrade, the client's first frame in the same packet as its
 * request: 101, the accept value, and the frame through the layer. */
static void test_upgrade(void)
{
	static const char req[] = UPGRADE_HEAD SAMPLE_KEY
		"Sec-WebSocket-Version: 13\r\n"
		"Sec-WebSocket-Protocol: base64, binary\r\n\r\n";
	uint8_t f[sizeof(req) + 32];
	char head[1024], b[64];
	size_t fl;
	int fd = serve();

	memcpy(f, req, sizeof(req) - 1);
	fl = sizeof(req) - 1 +
	     wsc_frame(f + sizeof(req) - 1, WSC_FIN | WSC_BIN, "RFB", 3);
	wsc_write(fd, f, fl);
	pump();
	if (!CHECK(read_head(fd, head, sizeof(head))))
		return;
	CHECK(!strncmp(head, "HTTP/1.1 101 ", 13));
	CHECK(strstr(head, "\r\nSec-WebSocket-Accept: "
			   "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
	CHECK(strstr(head, "\r\nSec-WebSocket-Protocol: binary\r\n"));
	CHECK(strcasestr(head, "\r\nUpgrade: websocket\r\n"));
	CHECK_EQ(nupgraded, 1);
	if (!CHECK(upgraded))
		return;
	CHECK(net_conn_read(upgraded, b, sizeof(b)) == 3 &&
	      !memcmp(b, "RFB", 3));
	CHECK_EQ(net_conn_write(upgraded, "ok", 2), 2);
	CHECK(wsc_recv_stream(fd, b, 2) && !memcmp(b, "ok", 2));
	net_conn_destroy(upgraded);
	close(fd);
}

/* Header names and tokens in any case, Connection as a list; no
 * subprotocol unless "binary" was offered. */
static void test_upgrade_variants(void)
{
	static const char *const reqs[] = {
		"GET / HTTP/1.1\r\nupgrade: WebSocket\r\nCONNECTION: "
		"keep-alive, Upgrade\r\nsec-websocket-key: "
		"dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\n\n",
		UPGRADE_HEAD SAMPLE_KEY
		"Sec-WebSocket-Version: 13\r\n"
		"Sec-WebSocket-Protocol: base64\r\n\r\n",
	};
	char head[1024];

	for (size_t i = 0; i < 2; i++) {
		int fd = serve();

		send_str(fd, reqs[i]);
		CHECKF(read_head(fd, head, sizeof(head)) &&
			       !strncmp(head, "HTTP/1.1 101 ", 13),
		       "request %zu", i);
		CHECK(!strstr(head, "Sec-WebSocket-Protocol"));
		CHECK_EQ(nupgraded, 1);
		net_conn_destroy(upgraded);
		close(fd);
	}
}

static void test_upgrade_refused(void)
{
	static char resp[4096];
	size_t len;

	/* No key, a key that is not 16 bytes, two keys: 400. */
	CHECK_EQ(status_of(UPGRADE_HEAD "Sec-WebSocket-Version: 13\r\n\r\n"),
		 400);
	CHECK_EQ(status_of(UPGRADE_HEAD "Sec-WebSocket-Key: c2hvcnQ=\r\n"
					"Sec-WebSocket-Version: 13\r\n\r\n"),
		 400);
	CHECK_EQ(status_of(UPGRADE_HEAD SAMPLE_KEY SAMPLE_KEY
			   "Sec-WebSocket-Version: 13\r\n\r\n"),
		 400);
	/* No version: 400; another version: 426 naming ours. */
	CHECK_EQ(status_of(UPGRADE_HEAD SAMPLE_KEY "\r\n"), 400);
	CHECK_EQ(request(UPGRADE_HEAD SAMPLE_KEY
			 "Sec-WebSocket-Version: 8\r\n\r\n",
			 resp, sizeof(resp), &len),
		 426);
	CHECK(strstr(resp, "\r\nSec-WebSocket-Version: 13\r\n"));
	/* Not GET, not HTTP/1.1, no Connection: upgrade. */
	CHECK_EQ(status_of("HEAD / HTTP/1.1\r\nUpgrade: websocket\r\n"
			   "Connection: upgrade\r\n" SAMPLE_KEY
			   "Sec-WebSocket-Version: 13\r\n\r\n"),
		 400);
	CHECK_EQ(status_of("GET / HTTP/1.0\r\nUpgrade: websocket\r\n"
			   "Connection: upgrade\r\n" SAMPLE_KEY
			   "Sec-WebSocket-Version: 13\r\n\r\n"),
		 400);
	CHECK_EQ(status_of("GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
			   "Connection: close\r\n" SAMPLE_KEY
			   "Sec-WebSocket-Version: 13\r\n\r\n"),
		 400);
}

/* A head that does not fit in 8 KiB: 431, then the connection closes. */
static void test_head_too_big(void)
{
	static char req[NET_HTTP_MAX_HEADER + 1024], resp[4096];
	size_t len;
	int fd = serve(), status = 0;

	memset(req, 'a', sizeof(req));
	memcpy(req, "GET / HTTP/1.1\r\nX-Big: ", 23);
	wsc_write(fd, req, sizeof(req));
	pump();
	CHECK(read_to_eof(fd, resp, sizeof(resp), &len));
	sscanf(resp, "HTTP/1.1 %d ", &status);
	CHECK_EQ(status, 431);
	CHECK(strstr(resp, "\r\nConnection: close\r\n"));
	close(fd);
	pump();
	/* Exactly at the limit is fine (and finds no httpdir). */
	memset(req, 'a', sizeof(req));
	memcpy(req, "GET / HTTP/1.1\r\nX-Big: ", 23);
	memcpy(req + NET_HTTP_MAX_HEADER - 4, "\r\n\r\n", 5);
	CHECK_EQ(status_of(req), 404);
}

/* The cap is a setting: a lowered one answers 431 past it, and the
 * WebSocket frame cap reaches the layer an upgrade makes. */
static void test_lowered_caps(void)
{
	static const char up[] = "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
				 "Connection: Upgrade\r\nSec-WebSocket-Key: "
				 "dGhlIHNhbXBsZSBub25jZQ==\r\n"
				 "Sec-WebSocket-Version: 13\r\n\r\n";
	/* A masked binary frame announcing 101 bytes. */
	static const uint8_t frame[] = { 0x82, 0xfe, 0, 101, 1, 2, 3, 4 };
	char req[200], b[16];
	int fd;

	opts.max_header = 100;
	opts.ws_max_frame = 100;
	memset(req, 'a', sizeof(req));
	memcpy(req, "GET / HTTP/1.1\r\nX-Big: ", 23);
	memcpy(req + 100 - 4, "\r\n\r\n", 5);
	CHECK_EQ(status_of(req), 404);
	memcpy(req + 100 - 4, "aa\r\n\r\n", 7);
	CHECK_EQ(status_of(req), 431);
	opts.max_header = 0;
	fd = serve();
	wsc_write(fd, up, strlen(up));
	pump();
	if (CHECK(upgraded)) {
		wsc_write(fd, frame, sizeof(frame));
		CHECK(net_conn_read(upgraded, b, sizeof(b)) < 0);
		CHECK(strstr(upgraded->error, "cap 100"));
		net_conn_destroy(upgraded);
	}
	close(fd);
	opts.ws_max_frame = 0;
}

/* A request without its blank line waits, then is closed at the
 * timeout without an answer. */
static void test_stall(void)
{
	char b[64];
	int fd;

	opts.timeout_ms = 150;
	fd = serve();
	send_str(fd, "GET / HTTP/1.1\r\nHost: x\r\n");
	pump_ms(50);
	CHECK(recv(fd, b, sizeof(b), MSG_DONTWAIT) < 0 && errno == EAGAIN);
	pump_ms(200);
	CHECK_EQ(recv(fd, b, sizeof(b), MSG_DONTWAIT), 0);
	close(fd);
	/* Progress does not extend the time: a byte every 50 ms is still
	 * closed at the timeout. */
	fd = serve();
	for (int i = 0; i < 5; i++) {
		/* Fails with EPIPE once the server has closed. */
		send(fd, "GET / HTTP/1.1\r\n" + i, 1, MSG_NOSIGNAL);
		pump_ms(50);
	}
	CHECK_EQ(recv(fd, b, sizeof(b), MSG_DONTWAIT), 0);
	close(fd);
	/* A connection that sends nothing at all goes the same way. */
	fd = serve();
	pump_ms(250);
	CHECK_EQ(recv(fd, b, sizeof(b), MSG_DONTWAIT), 0);
	close(fd);
	opts.timeout_ms = 0;
}

static void put_file(const char *rel, const void *p, size_t n)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	fwrite(p, 1, n, f);
	fclose(f);
}

static void make_tree(void)
{
	char path[256];

	snprintf(dir, sizeof(dir), "/tmp/xrfb_http.XXXXXX");
	snprintf(outside, sizeof(outside), "/tmp/xrfb_out.XXXXXX");
	mkdtemp(dir);
	mkdtemp(outside);
	snprintf(path, sizeof(path), "%s/app", dir);
	mkdir(path, 0755);
	put_file("vnc.html", "<html>vnc</html>\n", 17);
	put_file("index.html", "<html>index</html>\n", 19);
	put_file("app/ui.js", "let x = 1;\n", 11);
	put_file("app/x.css", "a{}", 3);
	put_file("app/logo.svg", "<svg/>", 6);
	put_file("app/noext", "?", 1);
	put_file(".secret", "no", 2);
	snprintf(path, sizeof(path), "%s/secret", outside);
	fclose(fopen(path, "w"));
	/* A link inside the tree is fine, one leading out is not. */
	snprintf(path, sizeof(path), "%s/same.html", dir);
	symlink("vnc.html", path);
	snprintf(path, sizeof(path), "%s/escape", dir);
	symlink(outside, path);
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(p);
}

/* Fetch a file: status, and the body must be `body` with the given
 * Content-Type and Content-Length. */
static void check_get(const char *path, const char *type, const char *body)
{
	static char req[512], resp[8192], want[256];
	size_t len;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	CHECKF(request(req, resp, sizeof(resp), &len) == 200, "%s", path);
	snprintf(want, sizeof(want), "\r\nContent-Type: %s\r\n", type);
	CHECKF(strstr(resp, want), "%s: %s", path, want);
	snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n",
		 strlen(body));
	CHECKF(strstr(resp, want), "%s: %s", path, want);
	CHECKF(!strcmp(body_of(resp), body), "%s body", path);
}

static void test_files(void)
{
	opts.httpdir = dir;
	check_get("/vnc.html", "text/html; charset=utf-8",
		  "<html>vnc</html>\n");
	check_get("/app/ui.js?v=2#x", "text/javascript; charset=utf-8",
		  "let x = 1;\n");
	check_get("//app/./x.css", "text/css; charset=utf-8", "a{}");
	check_get("/app/logo.svg", "image/svg+xml", "<svg/>");
	check_get("/app/noext", "application/octet-stream", "?");
	check_get("/%61pp/ui.js", "text/javascript; charset=utf-8",
		  "let x = 1;\n");
	check_get("/same.html", "text/html; charset=utf-8",
		  "<html>vnc</html>\n");
	check_get("/", "text/html; charset=utf-8", "<html>index</html>\n");
	CHECK_EQ(status_of("GET /nothere.js HTTP/1.1\r\n\r\n"), 404);
	CHECK_EQ(status_of("GET /app HTTP/1.1\r\n\r\n"), 404);
	CHECK_EQ(status_of("GET /.secret HTTP/1.1\r\n\r\n"), 404);
}

/* "/" goes to the viewer when one is named. */
static void test_index(void)
{
	static char resp[4096];
	size_t len;

	opts.httpdir = dir;
	opts.index = "vnc.html";
	CHECK_EQ(request("GET / HTTP/1.1\r\n\r\n", resp, sizeof(resp), &len),
		 302);
	CHECK(strstr(resp, "\r\nLocation: /vnc.html\r\n"));
	opts.index = NULL;
}

static void test_traversal(void)
{
	static const char *const bad[] = {
		"/../etc/passwd",     "/app/../../etc/passwd",
		"/%2e%2e/etc/passwd", "/app/%2E%2E%2F%2e%2e/etc/passwd",
		"/escape/secret",     "/app/..",
	};
	char req[256];

	opts.httpdir = dir;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n\r\n", bad[i]);
		CHECKF(status_of(req) == 403, "%s", bad[i]);
	}
	CHECK_EQ(status_of("GET /a%00b HTTP/1.1\r\n\r\n"), 400);
	CHECK_EQ(status_of("GET /a%zz HTTP/1.1\r\n\r\n"), 400);
	CHECK_EQ(status_of("GET vnc.html HTTP/1.1\r\n\r\n"), 400);
}

/* HEAD: the same head as GET, no body.  Other methods: 405. */
static void test_methods(void)
{
	static char resp[4096];
	size_t len;

	opts.httpdir = dir;
	CHECK_EQ(request("HEAD /vnc.html HTTP/1.1\r\n\r\n", resp, sizeof(resp),
			 &len),
		 200);
	CHECK(strstr(resp, "\r\nContent-Length: 17\r\n"));
	CHECK_STR(body_of(resp), "");
	CHECK_EQ(request("HEAD /nothere HTTP/1.1\r\n\r\n", resp, sizeof(resp),
			 &len),
		 404);
	CHECK(strstr(resp, "\r\nContent-Length: "));
	CHECK_STR(body_of(resp), "");
	CHECK_EQ(request("POST /vnc.html HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
			 resp, sizeof(resp), &len),
		 405);
	CHECK(strstr(resp, "\r\nAllow: GET, HEAD\r\n"));
	CHECK_EQ(status_of("OPTIONS * HTTP/1.1\r\n\r\n"), 405);
	CHECK_EQ(status_of("GET /\r\n\r\n"), 400);
	CHECK_EQ(status_of("GET / HTTP/2.0\r\n\r\n"), 400);
	CHECK_EQ(status_of("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), 400);
	CHECK_EQ(status_of("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n"), 400);
	CHECK_EQ(status_of("GET / HTTP/1.1\r\nno colon\r\n\r\n"), 400);
	CHECK_EQ(status_of("\r\n\r\n"), 400);
}

static void test_no_httpdir(void)
{
	static char resp[4096];
	size_t len;

	opts.httpdir = NULL;
	CHECK_EQ(request("GET /vnc.html HTTP/1.1\r\n\r\n", resp, sizeof(resp),
			 &len),
		 404);
	CHECK(strstr(body_of(resp), "-httpdir"));
}

/* Bytes malloc has handed out, small and mmapped blocks alike. */
static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* A file far larger than one chunk, read slowly: all of it, intact. */
static void test_big_file(void)
{
	size_t n = 3 << 20, got = 0;
	uint8_t *p = malloc(n), *b = malloc(n + 4096);
	char head[512];
	size_t before;
	int fd;

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + (i >> 12));
	put_file("big.wasm", p, n);
	opts.httpdir = dir;
	fd = serve();
	before = heap_used();
	send_str(fd, "GET /big.wasm HTTP/1.1\r\n\r\n");
	/* Streamed: not read whole into memory while the client waits. */
	pump();
	CHECKF(heap_used() < before + (512 << 10), "%zu bytes held",
	       heap_used() - before);
	CHECK(read_head(fd, head, sizeof(head)));
	CHECK(strstr(head, "\r\nContent-Type: application/wasm\r\n"));
	CHECK(strstr(head, "\r\nContent-Length: 3145728\r\n"));
	while (got < n &&
	       wsc_read(fd, b + got, n - got < 4096 ? n - got : 4096))
		got += n - got < 4096 ? n - got : 4096;
	CHECK_EQ(got, n);
	CHECK(!memcmp(p, b, n));
	close(fd);
	pump();
	free(p);
	free(b);
}

/* A client that stops reading mid-file is closed after the timeout. */
static void test_stalled_reader(void)
{
	static char b[65536];
	size_t got = 0;
	ssize_t r;
	int fd;

	opts.httpdir = dir;
	opts.timeout_ms = 150;
	fd = serve();
	send_str(fd, "GET /big.wasm HTTP/1.1\r\n\r\n");
	pump_ms(400);
	while ((r = recv(fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
		got += (size_t)r;
	CHECK_EQ(r, 0);
	CHECKF(got > 0 && got < (3 << 20), "%zu bytes", got);
	close(fd);
	opts.timeout_ms = 0;
}

/* A request that was already read off the socket (while sniffing the
 * protocol) is served though poll() never sees it. */
static void test_prefixed(void)
{
	static const char req[] = "GET /vnc.html HTTP/1.1\r\n\r\n";
	char b[512];
	size_t len;
	int sv[2];

	opts.httpdir = dir;
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	net_http_serve(loop,
		       net_conn_new_prefixed(net_conn_new_fd(sv[0], "pre"), req,
					     sizeof(req) - 1),
		       &opts, on_upgraded, NULL);
	pump();
	CHECK(read_to_eof(sv[1], b, sizeof(b), &len));
	CHECK(!strncmp(b, "HTTP/1.1 200 ", 13));
	close(sv[1]);
	pump();
}

/* The parsers on their own. */
static void test_parsers(void)
{
	static const char head[] = "GET /x HTTP/1.1\r\nUpgrade:  websocket \r\n"
				   "Connection: foo,upgrade\r\n\r\nrest";
	struct net_http_req r;
	char out[64];

	CHECK_EQ(net_http_req_end(head, sizeof(head) - 1, 0), sizeof(head) - 5);
	CHECK_EQ(net_http_req_end(head, sizeof(head) - 7, 0), 0);
	CHECK_EQ(net_http_req_parse(head, sizeof(head) - 5, &r), 0);
	CHECK(r.upgrade_ws && r.conn_upgrade && !r.proto_binary);
	CHECK(net_http_span_is(r.target, "/x") && r.minor == 1);
	CHECK_EQ(net_http_file_normalise("/a/./b//c", 9, out, sizeof(out)), 0);
	CHECK_STR(out, "a/b/c");
	CHECK_EQ(net_http_file_normalise("/a/b/../c", 9, out, sizeof(out)),
		 403);
	CHECK_EQ(net_http_file_normalise("/a/%2e%2E", 9, out, sizeof(out)),
		 403);
	CHECK_EQ(net_http_file_normalise("/abcdef", 7, out, 4), 404);
	net_http_span_printable((struct net_http_span){ "a\x1b[2J\n", 6 }, out,
				sizeof(out));
	CHECK_STR(out, "a?[2J?");
	CHECK_STR(net_http_file_type("a/b.PNG"), "image/png");
	CHECK_STR(net_http_file_type("a.b/c"), "application/octet-stream");
}

int main(void)
{
	int fds;

	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_WARN);
	loop = loop_new();
	make_tree();
	fds = wsc_count_fds();
	UNIT_RUN(test_parsers);
	UNIT_RUN(test_upgrade);
	UNIT_RUN(test_upgrade_variants);
	UNIT_RUN(test_upgrade_refused);
	UNIT_RUN(test_head_too_big);
	UNIT_RUN(test_lowered_caps);
	UNIT_RUN(test_stall);
	UNIT_RUN(test_files);
	UNIT_RUN(test_index);
	UNIT_RUN(test_traversal);
	UNIT_RUN(test_methods);
	UNIT_RUN(test_no_httpdir);
	UNIT_RUN(test_big_file);
	UNIT_RUN(test_stalled_reader);
	UNIT_RUN(test_prefixed);
	/* Every connection closed its socket and file. */
	pump_ms(50);
	unit_test = "fd leak";
	CHECK_EQ(wsc_count_fds(), fds);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	nftw(outside, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	loop_destroy(loop);
	return UNIT_DONE();
}
