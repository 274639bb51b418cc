/* The HTTP front: one request per connection, read and answered without
 * blocking the loop.  A WebSocket upgrade (RFC 6455 4.2) hands the
 * connection on; anything else gets a static file or an error, then the
 * connection closes. */
#include "net/http.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/http_file.h"
#include "net/http_req.h"
#include "net/ws.h"
#include "util/buf.h"
#include "util/log.h"

#define FILE_CHUNK 65536
/* After our answer: how long the client may take to close its side.
 * Closing at once while it still sends would reset the connection and
 * could destroy the answer before the client has read it. */
#define LINGER_MS 2000

enum phase { PH_READ, PH_WRITE, PH_LINGER };

struct http {
	struct loop *loop;
	struct net_conn *conn;
	struct net_http_opts o;
	net_http_upgraded_cb upgraded;
	void *data;
	struct loop_timer *timer; /* request, stall, then linger timeout */
	struct loop_timer *kick;  /* the first read, see net_http_serve */
	enum phase phase;

	char *in; /* o.max_header bytes */
	size_t in_len;
	size_t hdr_end; /* request bytes, up to and with the blank line */

	struct buf out; /* response bytes from out_off on */
	size_t out_off;
	int file;	    /* being sent after `out`, or -1 */
	uint64_t file_left; /* its bytes still to send */
	bool upgrade;	    /* hand the connection over once `out` is sent */
};

static void http_io(void *data, int fd, unsigned events);

static void finish(struct http *h)
{
	loop_del_fd(h->loop, h->conn->fd);
	loop_timer_del(h->loop, h->timer);
	loop_timer_del(h->loop, h->kick);
	net_conn_destroy(h->conn);
	if (h->file >= 0)
		close(h->file);
	buf_free(&h->out);
	free(h->in);
	free(h);
}

static void on_timeout(void *data)
{
	struct http *h = data;

	h->timer = NULL; /* a fired one-shot is gone */
	if (h->phase == PH_READ)
		log_info("%s: HTTP request incomplete after %d ms, closing",
			 h->conn->peer, h->o.timeout_ms);
	else if (h->phase == PH_WRITE)
		log_info("%s: HTTP response stalled for %d ms, closing",
			 h->conn->peer, h->o.timeout_ms);
	finish(h);
}

static void on_kick(void *data)
{
	struct http *h = data;

	h->kick = NULL;
	http_io(h, h->conn->fd, LOOP_IN);
}

__attribute__((format(printf, 2, 3))) static void outf(struct http *h,
						       const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_append(&h->out, line,
			   (size_t)n < sizeof(line) ? (size_t)n
						    : sizeof(line) - 1);
}

static const char *status_text(int status)
{
	switch (status) {
	case 101:
		return "Switching Protocols";
	case 200:
		return "OK";
	case 302:
		return "Found";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 426:
		return "Upgrade Required";
	case 431:
		return "Request Header Fields Too Large";
	default:
		return "Internal Server Error";
	}
}

/* Status line and the headers every non-101 answer carries; `extra` is
 * more header lines, each ending in CRLF. */
static void put_head(struct http *h, int status, const char *type, uint64_t len,
		     const char *extra)
{
	outf(h, "HTTP/1.1 %d %s\r\nServer: xrfbshare\r\n", status,
	     status_text(status));
	if (type)
		outf(h, "Content-Type: %s\r\n", type);
	outf(h, "Content-Length: %llu\r\nConnection: close\r\n%s\r\n",
	     (unsigned long long)len, extra ? extra : "");
}

/* Client text is quoted into the log: no control bytes, bounded. */
static void log_request(struct http *h, const struct net_http_req *r,
			int status, const char *note)
{
	char m[16], t[128];

	net_http_span_printable(
		r ? r->method : (struct net_http_span){ "-", 1 }, m, sizeof(m));
	net_http_span_printable(
		r ? r->target : (struct net_http_span){ "-", 1 }, t, sizeof(t));
	log_info("%s: HTTP %s %s -> %d%s%s%s", h->conn->peer, m, t, status,
		 note ? " (" : "", note ? note : "", note ? ")" : "");
}

/* A short text answer; the body says why, as does the log line. */
static void respond_error(struct http *h, const struct net_http_req *r,
			  int status, const char *why, const char *extra)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "%d %s: %s\n", status,
			 status_text(status), why);

	if (n < 0 || (size_t)n >= sizeof(body))
		n = (int)sizeof(body) - 1;
	put_head(h, status, "text/plain; charset=utf-8", (uint64_t)n, extra);
	if (!r || !net_http_span_is(r->method, "HEAD"))
		buf_append(&h->out, body, (size_t)n);
	log_request(h, r, status, why);
}

/* RFC 6455 4.2.1: 0 if the opening handshake is acceptable, else the
 * status to answer and why. */
static int ws_check(const struct net_http_req *r, const char **why)
{
	*why = NULL;
	if (!net_http_span_is(r->method, "GET") || r->minor < 1)
		*why = "WebSocket needs GET over HTTP/1.1";
	else if (!r->conn_upgrade)
		*why = "Upgrade without Connection: upgrade";
	else if (r->nversions == 0)
		*why = "no Sec-WebSocket-Version";
	else if (r->nkeys != 1 || !net_ws_key_valid(r->key.p, r->key.n))
		*why = "missing or invalid Sec-WebSocket-Key";
	if (*why)
		return 400;
	if (r->nversions > 1 || !net_http_span_is(r->version, "13")) {
		*why = "unsupported Sec-WebSocket-Version";
		return 426;
	}
	return 0;
}

/* RFC 6455 4.2.2: the server's opening handshake. */
static void ws_upgrade(struct http *h, const struct net_http_req *r)
{
	char accept[NET_WS_ACCEPT_LEN + 1];
	const char *why;
	int st = ws_check(r, &why);

	if (st) {
		/* 4.4: a version we do not speak is answered with ours. */
		respond_error(h, r, st, why,
			      st == 426 ? "Sec-WebSocket-Version: 13\r\n"
					: NULL);
		return;
	}
	net_ws_accept(r->key.p, r->key.n, accept);
	outf(h,
	     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n",
	     accept);
	/* Only ever a subprotocol the client offered. */
	if (r->proto_binary)
		outf(h, "Sec-WebSocket-Protocol: binary\r\n");
	outf(h, "\r\n");
	h->upgrade = true;
	log_request(h, r, 101,
		    r->proto_binary ? "WebSocket, binary" : "WebSocket");
}

static const char *file_why(int status)
{
	switch (status) {
	case 400:
		return "malformed path";
	case 403:
		return "outside the served directory";
	default:
		return "no such file";
	}
}

static void serve_file(struct http *h, const struct net_http_req *r)
{
	char rel[1024], loc[1100];
	uint64_t size;
	int st, fd;

	if (!h->o.httpdir) {
		respond_error(h, r, 404,
			      "no web viewer here; start xrfbshare with "
			      "-httpdir DIR (e.g. /usr/share/novnc)",
			      NULL);
		return;
	}
	st = net_http_file_normalise(r->target.p, r->target.n, rel,
				     sizeof(rel));
	if (!st && !rel[0] && h->o.index) {
		snprintf(loc, sizeof(loc), "Location: /%s\r\n", h->o.index);
		respond_error(h, r, 302, "to the viewer", loc);
		return;
	}
	if (!st && !rel[0])
		snprintf(rel, sizeof(rel), "index.html");
	fd = st ? -st : net_http_file_open(h->o.httpdir, rel, &size);
	if (fd < 0) {
		respond_error(h, r, -fd, file_why(-fd), NULL);
		return;
	}
	put_head(h, 200, net_http_file_type(rel), size,
		 "X-Content-Type-Options: nosniff\r\n");
	log_request(h, r, 200, NULL);
	if (net_http_span_is(r->method, "HEAD")) {
		close(fd);
		return;
	}
	h->file = fd;
	h->file_left = size;
}

static void dispatch(struct http *h)
{
	struct net_http_req r;

	if (net_http_req_parse(h->in, h->hdr_end, &r) < 0)
		respond_error(h, NULL, 400, "malformed request", NULL);
	else if (!net_http_span_is(r.method, "GET") &&
		 !net_http_span_is(r.method, "HEAD"))
		respond_error(h, &r, 405, "only GET and HEAD",
			      "Allow: GET, HEAD\r\n");
	else if (r.upgrade_ws)
		ws_upgrade(h, &r);
	else
		serve_file(h, &r);
}

/* Next piece of the file into `out`; -1 when it cannot be read. */
static int refill(struct http *h)
{
	size_t want = h->file_left < FILE_CHUNK ? h->file_left : FILE_CHUNK;
	ssize_t n;

	if (buf_reserve(&h->out, want) < 0)
		return -1;
	n = read(h->file, h->out.data + h->out.len, want);
	if (n <= 0) { /* shrank or failed: the short body tells the client */
		log_warn("%s: HTTP: reading a served file failed",
			 h->conn->peer);
		return -1;
	}
	h->out.len += (size_t)n;
	h->file_left -= (uint64_t)n;
	return 0;
}

static void hand_over(struct http *h);
static void start_linger(struct http *h);

/* Write what the socket takes; 1 when all is out, 0 to wait for
 * LOOP_OUT, -1 on failure. */
static int write_out(struct http *h)
{
	for (;;) {
		ssize_t n;

		if (h->out_off == h->out.len) {
			h->out.len = h->out_off = 0;
			if (!h->file_left)
				break;
			if (refill(h) < 0)
				return -1;
		}
		n = net_conn_write(h->conn, h->out.data + h->out_off,
				   h->out.len - h->out_off);
		if (n < 0 && net_conn_again(errno))
			return 0;
		if (n <= 0)
			return -1;
		h->out_off += (size_t)n;
		/* A client that reads slowly is fine; one that stops is not. */
		loop_timer_rearm(h->loop, h->timer, h->o.timeout_ms);
	}
	if (net_conn_flush(h->conn) < 0)
		return net_conn_again(errno) ? 0 : -1;
	return 1;
}

static void send_response(struct http *h)
{
	int r = write_out(h);

	if (r < 0)
		finish(h);
	else if (r == 0)
		loop_mod_fd(h->loop, h->conn->fd, LOOP_OUT);
	else if (h->upgrade)
		hand_over(h);
	else
		start_linger(h);
}

static void start_linger(struct http *h)
{
	h->phase = PH_LINGER;
	shutdown(h->conn->fd, SHUT_WR);
	loop_mod_fd(h->loop, h->conn->fd, LOOP_IN);
	loop_timer_rearm(h->loop, h->timer, LINGER_MS);
}

/* Drain until the client closes; its bytes are not looked at. */
static void linger_read(struct http *h)
{
	char junk[4096];

	for (int i = 0; i < 16; i++) {
		ssize_t n = net_conn_read(h->conn, junk, sizeof(junk));

		if (n < 0 && net_conn_again(errno))
			return;
		if (n <= 0) {
			finish(h);
			return;
		}
	}
}

/* The connection, with what the client sent after its request (it may
 * not wait for the 101), goes to the WebSocket layer and the callback. */
static void hand_over(struct http *h)
{
	struct net_conn *c = h->conn, *ws = NULL;
	size_t rest = h->in_len - h->hdr_end;
	net_http_upgraded_cb cb = h->upgraded;
	void *data = h->data;

	loop_del_fd(h->loop, c->fd);
	loop_timer_del(h->loop, h->timer);
	loop_timer_del(h->loop, h->kick);
	if (rest) {
		struct net_conn *p =
			net_conn_new_prefixed(c, h->in + h->hdr_end, rest);

		if (!p)
			goto oom;
		c = p;
	}
	ws = net_ws_new(c, h->o.ws_max_frame);
	if (!ws)
		goto oom;
	buf_free(&h->out);
	free(h->in);
	free(h);
	cb(data, ws);
	return;
oom:
	log_error("%s: out of memory starting a WebSocket", c->peer);
	h->conn = c;
	h->timer = h->kick = NULL;
	finish(h);
}

static void got_request(struct http *h)
{
	dispatch(h);
	if (h->out.failed) {
		log_error("%s: HTTP: out of memory", h->conn->peer);
		finish(h);
		return;
	}
	h->phase = PH_WRITE;
	loop_timer_rearm(h->loop, h->timer, h->o.timeout_ms);
	send_response(h);
}

static void too_long(struct http *h)
{
	char why[64];

	snprintf(why, sizeof(why), "request head over %zu bytes",
		 h->o.max_header);
	respond_error(h, NULL, 431, why, NULL);
	h->phase = PH_WRITE;
	send_response(h);
}

static void read_request(struct http *h)
{
	for (;;) {
		size_t from = h->in_len > 3 ? h->in_len - 3 : 0;
		ssize_t n;

		if (h->in_len == h->o.max_header) {
			too_long(h);
			return;
		}
		n = net_conn_read(h->conn, h->in + h->in_len,
				  h->o.max_header - h->in_len);
		if (n < 0 && net_conn_again(errno))
			return;
		if (n <= 0) {
			log_info("%s: HTTP: %s before a full request",
				 h->conn->peer,
				 net_conn_strerror(h->conn, n < 0 ? errno : 0));
			finish(h);
			return;
		}
		h->in_len += (size_t)n;
		h->hdr_end = net_http_req_end(h->in, h->in_len, from);
		if (h->hdr_end) {
			got_request(h);
			return;
		}
	}
}

static void http_io(void *data, int fd, unsigned events)
{
	struct http *h = data;

	if (h->phase == PH_READ)
		read_request(h);
	else if (h->phase == PH_WRITE)
		send_response(h);
	else
		linger_read(h);
}

void net_http_serve(struct loop *loop, struct net_conn *conn,
		    const struct net_http_opts *o,
		    net_http_upgraded_cb upgraded, void *data)
{
	struct http *h = calloc(1, sizeof(*h));

	if (!h)
		goto err;
	h->loop = loop;
	h->conn = conn;
	h->o = *o;
	if (h->o.timeout_ms <= 0)
		h->o.timeout_ms = NET_HTTP_DEFAULT_TIMEOUT_MS;
	if (!h->o.max_header)
		h->o.max_header = NET_HTTP_MAX_HEADER;
	h->in = malloc(h->o.max_header);
	h->upgraded = upgraded;
	h->data = data;
	h->file = -1;
	buf_init(&h->out);
	h->timer = loop_timer_add(loop, h->o.timeout_ms, false, on_timeout, h);
	/* The request may already sit in conn's layers (sniffed bytes, TLS
	 * records) where poll() cannot see it: read once from the loop. */
	h->kick = loop_timer_add(loop, 0, false, on_kick, h);
	if (!h->in || !h->timer || !h->kick ||
	    loop_add_fd(loop, conn->fd, LOOP_IN, http_io, h) < 0) {
		loop_timer_del(loop, h->timer);
		loop_timer_del(loop, h->kick);
		free(h->in);
		free(h);
		goto err;
	}
	return;
err:
	log_error("%s: out of memory serving HTTP", conn->peer);
	net_conn_destroy(conn);
}
