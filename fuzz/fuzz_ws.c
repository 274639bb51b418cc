/* fuzz_ws: the HTTP front and the WebSocket layer (RFC 6455), with their
 * caps lowered so the limit paths are reached (a 300-byte request head,
 * 200-byte frames).  The first input byte picks:
 *   0  parsers alone: a request head (net_http_req_end / _parse), the
 *      target's path (net_http_file_normalise), a Sec-WebSocket-Key
 *   1  the HTTP front over a socketpair, serving a directory of files,
 *      then what follows an upgrade through the WebSocket layer, whose
 *      data is echoed back (framing both ways)
 *   2  the WebSocket layer alone, from the first frame
 * Bits 2-4 set the chunk size in which the bytes arrive; bit 5 has "/"
 * redirect to vnc.html. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "net/http.h"
#include "net/http_file.h"
#include "net/http_req.h"
#include "net/ws.h"
#include "util/loop.h"

#define MAX_HEADER 300
#define MAX_FRAME 200
#define SECRET "TOP-SECRET-NOT-SERVED"

static struct {
	struct loop *loop;
	int peer, srvfd;
	struct net_conn *ws;
	int idle, last_avail;
	bool ending;
	uint64_t end_ms;
} fw;

/* ---- 0: the parsers ---- */

static void check_span(struct net_http_span s, const char *p, size_t n)
{
	FUZZ_ASSERT(!s.n || (s.p >= p && s.p + s.n <= p + n));
}

static void parsers(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct net_http_req r;
	char rel[64], pr[16], acc[NET_WS_ACCEPT_LEN + 1];
	size_t end = net_http_req_end(p, size, 0);
	int st;

	FUZZ_ASSERT(end <= size);
	if (end && net_http_req_parse(p, end, &r) == 0) {
		check_span(r.method, p, end);
		check_span(r.target, p, end);
		check_span(r.key, p, end);
		check_span(r.version, p, end);
		for (size_t n = 1; n <= sizeof(pr); n += 5) {
			net_http_span_printable(r.target, pr, n);
			FUZZ_ASSERT(strlen(pr) < n);
		}
		if (r.nkeys && net_ws_key_valid(r.key.p, r.key.n))
			net_ws_accept(r.key.p, r.key.n, acc);
	}
	st = net_http_file_normalise(p, size, rel, sizeof(rel));
	if (st == 0) {
		/* Inside the directory: relative, no "..", no NUL. */
		FUZZ_ASSERT(memchr(rel, 0, sizeof(rel)));
		FUZZ_ASSERT(rel[0] != '/');
		FUZZ_ASSERT(strcmp(rel, "..") && strncmp(rel, "../", 3) &&
			    !strstr(rel, "/../"));
		FUZZ_ASSERT(strlen(rel) < 3 ||
			    strcmp(rel + strlen(rel) - 3, "/.."));
	} else {
		FUZZ_ASSERT(st == 400 || st == 403 || st == 404);
	}
}

/* ---- 1, 2: over a connection ---- */

/* A served directory with a file beside it that must never be sent. */
static const char *httpdir(void)
{
	static char dir[64];
	char path[128];
	FILE *f;

	if (dir[0])
		return dir;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_ws.XXXXXX");
	FUZZ_ASSERT(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/secret", dir);
	f = fopen(path, "w");
	FUZZ_ASSERT(f && fputs(SECRET, f) >= 0 && !fclose(f));
	strcat(dir, "/www");
	FUZZ_ASSERT(mkdir(dir, 0700) == 0);
	snprintf(path, sizeof(path), "%s/app", dir);
	FUZZ_ASSERT(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/index.html", dir);
	f = fopen(path, "w");
	FUZZ_ASSERT(f && fputs("<p>hi</p>", f) >= 0 && !fclose(f));
	snprintf(path, sizeof(path), "%s/app/ui.js", dir);
	f = fopen(path, "w");
	FUZZ_ASSERT(f && fputs("ui()", f) >= 0 && !fclose(f));
	snprintf(path, sizeof(path), "%s/app/up", dir);
	FUZZ_ASSERT(symlink("../../secret", path) == 0);
	return dir;
}

static void ws_close(void)
{
	loop_del_fd(fw.loop, fw.ws->fd);
	net_conn_destroy(fw.ws);
	fw.ws = NULL;
}

/* Echo what the client sends, so our framing runs too. */
static void ws_io(void *data, int fd, unsigned events)
{
	static uint8_t buf[4096];

	for (int rounds = 0; fw.ws && rounds < 64; rounds++) {
		ssize_t n = net_conn_read(fw.ws, buf, sizeof(buf));

		if (n < 0 && errno == EAGAIN) {
			if (net_conn_flush(fw.ws) < 0 && errno != EAGAIN)
				ws_close();
			else if (!net_conn_pending_in(fw.ws))
				return;
			continue;
		}
		if (n <= 0) {
			ws_close();
			return;
		}
		if (net_conn_write(fw.ws, buf, (size_t)n) < 0 &&
		    errno != EAGAIN) {
			ws_close();
			return;
		}
	}
}

static void upgraded(void *data, struct net_conn *ws)
{
	FUZZ_ASSERT(!fw.ws);
	fw.ws = ws;
	FUZZ_ASSERT(loop_add_fd(fw.loop, ws->fd, LOOP_IN, ws_io, NULL) == 0);
	/* Bytes after the request may already be in its layers. */
	ws_io(NULL, ws->fd, LOOP_IN);
}

/* Closed by whoever owned it: the front, or ws_close. */
static bool server_gone(void)
{
	return fcntl(fw.srvfd, F_GETFD) < 0;
}

static void prepare(void *data)
{
	static uint8_t tmp[65536];
	ssize_t r;
	int avail = 0;

	while ((r = recv(fw.peer, tmp, sizeof(tmp), MSG_DONTWAIT)) > 0)
		FUZZ_ASSERT(!memmem(tmp, (size_t)r, SECRET, strlen(SECRET)));
	if (server_gone()) {
		loop_quit(fw.loop, 0);
		return;
	}
	if (fw.ending) {
		/* The front lingers up to 2 s for a client that does not
		 * close; ours has.  5 s is a hang. */
		FUZZ_ASSERT(loop_now_ms() - fw.end_ms < 5000);
		return;
	}
	if (ioctl(fw.srvfd, FIONREAD, &avail) < 0)
		avail = 0;
	if (avail == 0 || avail == fw.last_avail)
		fw.idle++;
	else
		fw.idle = 0;
	fw.last_avail = avail;
	if (fw.idle >= (avail ? 100 : 3))
		loop_quit(fw.loop, 0);
}

static void tick(void *data)
{
}

static void run(void)
{
	fw.idle = 0;
	fw.last_avail = -1;
	if (!server_gone())
		loop_run(fw.loop);
}

static void feed(const uint8_t *p, size_t n, size_t chunk)
{
	int stalls = 0;

	while (n && !server_gone() && stalls < 3) {
		size_t k = chunk && chunk < n ? chunk : n;
		ssize_t w = send(fw.peer, p, k, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno != EAGAIN)
			break;
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else {
			stalls++;
		}
		run();
	}
}

static void over_conn(bool http, bool index, const uint8_t *p, size_t n,
		      size_t chunk)
{
	struct net_http_opts o = { .httpdir = httpdir(),
				   .max_header = MAX_HEADER,
				   .ws_max_frame = MAX_FRAME };
	int sv[2];

	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	fw = (typeof(fw)){ .loop = loop_new(), .peer = sv[1], .srvfd = sv[0] };
	loop_timer_add(fw.loop, 0, true, tick, NULL);
	loop_add_prepare(fw.loop, prepare, NULL);
	if (http) {
		if (index)
			o.index = "vnc.html";
		net_http_serve(fw.loop, net_conn_new_fd(sv[0], "fuzz:1"), &o,
			       upgraded, NULL);
	} else {
		upgraded(NULL, net_ws_new(net_conn_new_fd(sv[0], "fuzz:1"),
					  MAX_FRAME));
	}
	feed(p, n, chunk);
	shutdown(fw.peer, SHUT_WR);
	fw.ending = true;
	fw.end_ms = loop_now_ms();
	run();
	close(fw.peer);
	loop_destroy(fw.loop);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t chunks[8] = { 0, 1, 2, 5, 14, 64, 150, 1000 };
	uint8_t mode;

	fuzz_init_log();
	if (size < 1)
		return 0;
	mode = data[0];
	if (mode % 4 == 0)
		parsers(data + 1, size - 1);
	else
		over_conn(mode % 4 == 1, mode & 0x20, data + 1, size - 1,
			  chunks[mode >> 2 & 7]);
	return 0;
}
