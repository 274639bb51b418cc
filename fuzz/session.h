/* Drives the real RFB engine with fuzz input: the fake desktop of
 * tests/unit/engine_harness.h, one client on a socketpair whose bytes
 * come from the input.  fz_feed() writes bytes and runs the loop until the
 * server has read and handled them; fz_end() sends EOF and runs the loop
 * until the server has let the client go, which it must.  What the server
 * sends is read and dropped, after fz_output() has seen it. */
#ifndef XRFB_FUZZ_SESSION_H
#define XRFB_FUZZ_SESSION_H

#include <pthread.h>
#include <sys/ioctl.h>

#include "engine_harness.h"
#include "fuzz.h"
#include "net/http.h"
#include "net/sniff.h"
#include "rfb/internal.h"

/* Linked with --wrap (mk/fuzz.mk).  VNC challenges are all zeros, so an
 * input can carry the answer ... */
ssize_t __wrap_getrandom(void *buf, size_t n, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t n, unsigned flags)
{
	memset(buf, 0, n);
	return (ssize_t)n;
}

/* ... and the Plain check's thread is joined where it would be detached,
 * so its answer is in before the next input byte: runs repeat. */
int __wrap_pthread_detach(pthread_t t);
int __wrap_pthread_detach(pthread_t t)
{
	return pthread_join(t, NULL);
}

struct fz_session {
	int peer;  /* our end */
	int srvfd; /* the server's end, while the client lives */
	int idle;  /* loop rounds with nothing left to read */
	int last_avail;
	bool ending;
	uint64_t end_ms; /* when EOF was sent */
	/* Called with what the server sent; NULL: dropped. */
	void (*output)(const uint8_t *p, size_t n);
};

static struct fz_session fzs;

/* Gone when the engine has no client and nothing else (the sniffer, the
 * HTTP front) holds the connection: its socket is closed. */
static bool fz_client_gone(void)
{
	return srv->clients == NULL && fcntl(fzs.srvfd, F_GETFD) < 0;
}

static void fz_prepare(void *data)
{
	static uint8_t tmp[65536];
	ssize_t r;
	int avail = 0;

	/* Updates being encoded on workers (-threads) are finished here,
	 * so each input takes the same path every time. */
	if (srv->pool)
		pool_drain(srv->pool);
	while ((r = recv(fzs.peer, tmp, sizeof(tmp), MSG_DONTWAIT)) > 0)
		if (fzs.output)
			fzs.output(tmp, (size_t)r);
	if (fz_client_gone()) {
		loop_quit(loop, 0);
		return;
	}
	if (fzs.ending) {
		/* After EOF the client must go; 5 s is a hang. */
		FUZZ_ASSERT(loop_now_ms() - fzs.end_ms < 5000);
		return;
	}
	if (ioctl(fzs.srvfd, FIONREAD, &avail) < 0)
		avail = 0;
	/* Done when all is read, plus rounds for what that input started
	 * (the answer of a Plain check, an update); or when the server
	 * stopped reading (flow control). */
	if (avail == 0 || avail == fzs.last_avail)
		fzs.idle++;
	else
		fzs.idle = 0;
	fzs.last_avail = avail;
	if (fzs.idle >= (avail ? 100 : 3))
		loop_quit(loop, 0);
}

static void fz_tick(void *data)
{
}

/* A WebSocket connection, after its HTTP upgrade, goes to the engine. */
static void fz_upgraded(void *data, struct net_conn *ws)
{
	rfb_server_add_client(srv, ws);
}

/* As the front does (src/front.c), without TLS: TLS is dropped. */
static void fz_sniffed(void *data, struct net_conn *conn, enum net_proto p)
{
	static const struct net_http_opts http = { .max_header = 300,
						   .ws_max_frame = 200 };

	if (!conn)
		return;
	if (p == NET_PROTO_HTTP)
		net_http_serve(loop, conn, &http, fz_upgraded, NULL);
	else if (p == NET_PROTO_RFB)
		rfb_server_add_client(srv, conn);
	else
		net_conn_destroy(conn);
}

/* A server with options `o` (see engine_harness.h: a 64x48 framebuffer)
 * and one client, connected straight to the engine or, with `sniff`,
 * through the sniffer and, for HTTP, the WebSocket upgrade. */
static void fz_start_as(struct rfb_server_opts o, bool sniff)
{
	int sv[2];

	fuzz_init_log();
	/* A failed login is told at once: no timer between inputs. */
	if (!o.auth_fail_delay_ms)
		o.auth_fail_delay_ms = -1;
	new_server_opts(o);
	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	fzs = (struct fz_session){ .peer = sv[1], .srvfd = sv[0] };
	/* A zero-delay timer: poll never sleeps while the harness runs. */
	loop_timer_add(loop, 0, true, fz_tick, NULL);
	loop_add_prepare(loop, fz_prepare, NULL);
	if (sniff)
		net_sniff(loop, net_conn_new_fd(sv[0], "fuzz:1"), NET_SNIFF_MS,
			  fz_sniffed, NULL);
	else
		rfb_server_add_client(srv, net_conn_new_fd(sv[0], "fuzz:1"));
}

HARNESS void fz_start(struct rfb_server_opts o)
{
	fz_start_as(o, false);
}

static void fz_run(void)
{
	fzs.idle = 0;
	fzs.last_avail = -1;
	if (!fz_client_gone())
		loop_run(loop);
}

/* The client sends `n` bytes; false once the server has let it go. */
static bool fz_feed(const void *p, size_t n)
{
	const uint8_t *b = p;
	int stalls = 0;

	while (n && !fz_client_gone() && stalls < 3) {
		ssize_t w = send(fzs.peer, b, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno != EAGAIN)
			break;
		if (w > 0) {
			b += w;
			n -= (size_t)w;
		} else {
			stalls++;
		}
		fz_run();
	}
	fz_run();
	return !fz_client_gone();
}

/* EOF from the client; the server must close it.  Then all is freed. */
static void fz_end(void)
{
	shutdown(fzs.peer, SHUT_WR);
	fzs.ending = true;
	fzs.end_ms = loop_now_ms();
	fz_run();
	free_server();
	close(fzs.peer);
	fzs.output = NULL;
}

/* The whole input as client bytes, in chunks of `chunk` (0: at once). */
HARNESS void fz_feed_chunked(const uint8_t *p, size_t n, size_t chunk)
{
	while (n) {
		size_t k = chunk && chunk < n ? chunk : n;

		if (!fz_feed(p, k))
			return;
		p += k;
		n -= k;
	}
}

#endif
