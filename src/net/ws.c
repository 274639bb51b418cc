/* WebSocket framing, server side (RFC 6455 section 5).  Client frames are
 * decoded in place in the reader's buffer: headers are collected a byte
 * at a time (they may arrive split across reads), data payloads are
 * unmasked down over the header bytes before them, control payloads go
 * to a small side buffer.  Output is framed into a bounded queue. */
#include "net/ws.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>

#include "util/buf.h"

/* RFC 6455 5.2 opcodes */
enum {
	OP_CONT = 0x0,
	OP_TEXT = 0x1,
	OP_BINARY = 0x2,
	OP_CLOSE = 0x8,
	OP_PING = 0x9,
	OP_PONG = 0xa,
};

#define CTL_MAX 125 /* RFC 6455 5.5: control payloads */

/* Socket reads per read() call that yield only control frames before
 * giving the loop back: a ping flood must not hold it forever. */
#define READ_ROUNDS 16

enum ws_state {
	WS_OPEN,
	WS_CLOSING, /* the client's Close arrived; our echo is queued */
	WS_FAILED,  /* protocol error; our Close is queued */
};

struct ws {
	struct net_conn base;
	struct net_conn *inner;
	enum ws_state state;
	uint64_t max_frame;

	/* The frame being received */
	uint8_t hdr[14];
	size_t hdr_len;
	size_t len_end; /* header offset where the mask key starts */
	bool in_payload;
	bool fin;
	uint8_t opcode;
	uint8_t mask[4];
	unsigned mpos;	 /* payload bytes seen, mod 4 */
	uint64_t left;	 /* payload bytes still to come */
	bool in_message; /* a fragmented data message awaits continuations */
	uint8_t ctl[CTL_MAX];
	size_t ctl_len;

	/* Framed output not yet taken by inner, from out_off on. */
	struct buf out;
	size_t out_off;
};

static size_t queued(const struct ws *w)
{
	return w->out.len - w->out_off;
}

/* Append one unfragmented frame (server frames are never masked). */
static void queue_frame(struct ws *w, uint8_t opcode, const void *p, size_t len)
{
	/* Compact once the sent part is at least half: amortised O(1). */
	if (w->out_off && w->out_off >= w->out.len / 2) {
		buf_consume(&w->out, w->out_off);
		w->out_off = 0;
	}
	buf_put_u8(&w->out, 0x80 | opcode);
	if (len < 126) {
		buf_put_u8(&w->out, (uint8_t)len);
	} else if (len <= 0xffff) {
		buf_put_u8(&w->out, 126);
		buf_put_u16(&w->out, (uint16_t)len);
	} else {
		buf_put_u8(&w->out, 127);
		buf_put_u32(&w->out, (uint32_t)((uint64_t)len >> 32));
		buf_put_u32(&w->out, (uint32_t)len);
	}
	buf_append(&w->out, p, len);
}

static void queue_close(struct ws *w, uint16_t code)
{
	uint8_t p[2] = { code >> 8, code & 0xff };

	queue_frame(w, OP_CLOSE, p, sizeof(p));
}

/* Push the queue into inner: 0 when all of it is out, -1 with errno. */
static int flush_out(struct ws *w)
{
	if (w->out.failed) {
		snprintf(w->base.error, sizeof(w->base.error),
			 "WebSocket: out of memory queueing output");
		errno = ENOMEM;
		return -1;
	}
	while (queued(w)) {
		ssize_t n = net_conn_write(w->inner, w->out.data + w->out_off,
					   queued(w));

		if (n <= 0) {
			if (w->inner->error[0])
				memcpy(w->base.error, w->inner->error,
				       sizeof(w->base.error));
			if (n == 0)
				errno = EPIPE;
			return -1;
		}
		w->out_off += (size_t)n;
	}
	w->out.len = 0;
	w->out_off = 0;
	return net_conn_flush(w->inner);
}

/* A protocol error: say why, queue our Close with `code` and push it out
 * if the socket takes it; the caller then drops the connection. */
__attribute__((format(printf, 3, 4))) static int
fail(struct ws *w, uint16_t code, const char *fmt, ...)
{
	char why[80];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	queue_close(w, code);
	w->state = WS_FAILED;
	flush_out(w);
	/* After the flush: this, not a full socket, is why we stop. */
	snprintf(w->base.error, sizeof(w->base.error), "WebSocket: %s", why);
	errno = EPROTO;
	return -1;
}

/* RFC 6455 5.2: the first two header bytes. */
static int check_flags(struct ws *w)
{
	uint8_t b0 = w->hdr[0], b1 = w->hdr[1], len7 = b1 & 0x7f;

	w->fin = b0 & 0x80;
	w->opcode = b0 & 0x0f;
	/* No extension was negotiated, so no reserved bit may be set. */
	if (b0 & 0x70)
		return fail(w, NET_WS_CLOSE_PROTOCOL, "reserved bits set");
	/* RFC 6455 5.1: the server must close on an unmasked frame. */
	if (!(b1 & 0x80))
		return fail(w, NET_WS_CLOSE_PROTOCOL, "unmasked client frame");
	switch (w->opcode) {
	case OP_CONT:
		if (!w->in_message)
			return fail(w, NET_WS_CLOSE_PROTOCOL,
				    "continuation outside a message");
		break;
	case OP_TEXT:
	case OP_BINARY:
		if (w->in_message)
			return fail(w, NET_WS_CLOSE_PROTOCOL,
				    "new message inside a fragmented one");
		break;
	case OP_CLOSE:
	case OP_PING:
	case OP_PONG:
		/* RFC 6455 5.5 */
		if (!w->fin)
			return fail(w, NET_WS_CLOSE_PROTOCOL,
				    "fragmented control frame");
		if (len7 > CTL_MAX)
			return fail(w, NET_WS_CLOSE_PROTOCOL,
				    "control frame longer than 125 bytes");
		break;
	default:
		return fail(w, NET_WS_CLOSE_PROTOCOL, "unknown opcode %u",
			    w->opcode);
	}
	w->len_end = len7 == 127 ? 10 : len7 == 126 ? 4 : 2;
	return 0;
}

/* RFC 6455 5.2 payload length: checked before anything depends on it. */
static int check_length(struct ws *w)
{
	uint8_t len7 = w->hdr[1] & 0x7f;
	uint64_t len = len7;
	struct rd r;

	rd_init(&r, w->hdr + 2, w->len_end - 2);
	if (len7 == 126) {
		len = rd_u16(&r);
	} else if (len7 == 127) {
		len = (uint64_t)rd_u32(&r) << 32;
		len |= rd_u32(&r);
	}
	if (len >> 63)
		return fail(w, NET_WS_CLOSE_TOO_BIG,
			    "64-bit frame length with the top bit set");
	if (len > w->max_frame)
		return fail(w, NET_WS_CLOSE_TOO_BIG,
			    "frame of %llu bytes (cap %llu)",
			    (unsigned long long)len,
			    (unsigned long long)w->max_frame);
	w->left = len;
	return 0;
}

static bool close_code_valid(unsigned code)
{
	/* RFC 6455 7.4: codes a peer may put on the wire. */
	return (code >= 1000 && code <= 1003) ||
	       (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/* RFC 6455 5.5.1 Close: echo the status code, then the stream ends. */
static int got_close(struct ws *w)
{
	struct rd r;
	unsigned code;

	if (w->ctl_len == 0) {
		queue_frame(w, OP_CLOSE, NULL, 0);
	} else {
		rd_init(&r, w->ctl, w->ctl_len);
		code = rd_u16(&r);
		if (r.overrun || !close_code_valid(code))
			return fail(w, NET_WS_CLOSE_PROTOCOL,
				    "invalid close frame");
		queue_close(w, (uint16_t)code);
	}
	w->state = WS_CLOSING;
	flush_out(w);
	return 0;
}

static int frame_end(struct ws *w)
{
	w->in_payload = false;
	w->hdr_len = 0;
	w->len_end = 2;
	switch (w->opcode) {
	case OP_PING:
		/* RFC 6455 5.5.2.  A client that floods pings without reading
		 * the pongs gets none past the queue cap. */
		if (queued(w) < NET_WS_OUT_QUEUE) {
			queue_frame(w, OP_PONG, w->ctl, w->ctl_len);
			flush_out(w);
		}
		return 0;
	case OP_CLOSE:
		return got_close(w);
	default: /* pong (5.5.3, unsolicited is fine) or the end of data */
		return 0;
	}
}

static int begin_payload(struct ws *w)
{
	memcpy(w->mask, w->hdr + w->len_end, 4);
	w->mpos = 0;
	w->ctl_len = 0;
	w->in_payload = true;
	if (!(w->opcode & 0x8))
		w->in_message = !w->fin;
	return w->left ? 0 : frame_end(w);
}

static int header_byte(struct ws *w, uint8_t b)
{
	w->hdr[w->hdr_len++] = b;
	if (w->hdr_len == 2 && check_flags(w) < 0)
		return -1;
	if (w->hdr_len == w->len_end && check_length(w) < 0)
		return -1;
	if (w->hdr_len == w->len_end + 4)
		return begin_payload(w);
	return 0;
}

/* dst may equal or precede src (decoding in place). */
static void unmask(struct ws *w, uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] ^ w->mask[(w->mpos + i) & 3];
	w->mpos = (w->mpos + n) & 3;
}

/* Decode n wire bytes at p; the data payload is left at the start of p.
 * Returns its length, or -1 on a protocol error.  Stops at a Close. */
static ssize_t decode(struct ws *w, uint8_t *p, size_t n)
{
	size_t in = 0, out = 0, k;

	while (in < n && w->state == WS_OPEN) {
		if (!w->in_payload) {
			if (header_byte(w, p[in++]) < 0)
				return -1;
			continue;
		}
		k = n - in < w->left ? n - in : (size_t)w->left;
		if (w->opcode & 0x8) {
			unmask(w, w->ctl + w->ctl_len, p + in, k);
			w->ctl_len += k;
		} else {
			/* Text frames too: the payload is RFB bytes either
			 * way, never interpreted as text. */
			unmask(w, p + out, p + in, k);
			out += k;
		}
		in += k;
		w->left -= k;
		if (w->left == 0 && frame_end(w) < 0)
			return -1;
	}
	return (ssize_t)out;
}

/* After the client's Close: end of stream once our echo is out.  What
 * else it sends is discarded, so a waiting LOOP_IN cannot spin. */
static ssize_t closing_read(struct ws *w)
{
	uint8_t junk[512];
	ssize_t n;

	if (flush_out(w) == 0)
		return 0;
	if (!net_conn_again(errno))
		return -1;
	n = net_conn_read(w->inner, junk, sizeof(junk));
	if (n <= 0)
		return n;
	errno = EAGAIN;
	return -1;
}

static ssize_t ws_read(struct net_conn *c, void *buf, size_t len)
{
	struct ws *w = (struct ws *)c;
	ssize_t n, d;

	for (int i = 1;; i++) {
		if (w->state == WS_FAILED) {
			errno = EPROTO;
			return -1;
		}
		if (w->state == WS_CLOSING)
			return closing_read(w);
		n = net_conn_read(w->inner, buf, len);
		if (n <= 0) {
			memcpy(c->error, w->inner->error, sizeof(c->error));
			return n;
		}
		d = decode(w, buf, (size_t)n);
		if (d != 0)
			return d;
		/* Only control frames so far.  Stop if poll() will see the
		 * rest; what inner holds is bounded, so finish that. */
		if (i >= READ_ROUNDS && !net_conn_pending_in(w->inner))
			break;
	}
	errno = EAGAIN;
	return -1;
}

static ssize_t ws_write(struct net_conn *c, const void *buf, size_t len)
{
	struct ws *w = (struct ws *)c;
	const uint8_t *p = buf;
	size_t take, k;

	if (w->state == WS_FAILED) {
		errno = EPROTO;
		return -1;
	}
	/* RFC 6455 5.5.1: no data after a Close.  The peer is leaving and
	 * the next read says so; until then its updates go nowhere. */
	if (w->state == WS_CLOSING)
		return (ssize_t)len;
	if (queued(w) >= NET_WS_OUT_QUEUE && flush_out(w) < 0 &&
	    !net_conn_again(errno))
		return -1;
	if (queued(w) >= NET_WS_OUT_QUEUE) {
		errno = EAGAIN;
		return -1;
	}
	take = NET_WS_OUT_QUEUE - queued(w);
	if (take > len)
		take = len;
	for (size_t off = 0; off < take; off += k) {
		k = take - off < NET_WS_OUT_FRAME ? take - off
						  : NET_WS_OUT_FRAME;
		queue_frame(w, OP_BINARY, p + off, k);
	}
	/* Errors surface from the caller's flush; these bytes are ours. */
	flush_out(w);
	return (ssize_t)take;
}

static size_t ws_pending_in(struct net_conn *c)
{
	struct ws *w = (struct ws *)c;

	/* The end of stream is readable once the Close echo is out. */
	if (w->state == WS_CLOSING && !queued(w))
		return 1;
	return net_conn_pending_in(w->inner);
}

static size_t ws_pending_out(struct net_conn *c)
{
	struct ws *w = (struct ws *)c;

	return queued(w) + net_conn_pending_out(w->inner);
}

static int ws_flush(struct net_conn *c)
{
	return flush_out((struct ws *)c);
}

static void ws_destroy(struct net_conn *c)
{
	struct ws *w = (struct ws *)c;

	/* We end it: tell the browser it was on purpose.  Best effort:
	 * whatever the socket takes now, never blocking. */
	if (w->state == WS_OPEN)
		queue_close(w, NET_WS_CLOSE_NORMAL);
	flush_out(w);
	net_conn_destroy(w->inner);
	buf_free(&w->out);
	free(w);
}

static const struct net_conn_ops ws_ops = {
	.read = ws_read,
	.write = ws_write,
	.pending_in = ws_pending_in,
	.pending_out = ws_pending_out,
	.flush = ws_flush,
	.destroy = ws_destroy,
};

struct net_conn *net_ws_new(struct net_conn *inner, uint64_t max_frame)
{
	struct ws *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->base.ops = &ws_ops;
	w->base.fd = inner->fd;
	memcpy(w->base.peer, inner->peer, sizeof(w->base.peer));
	w->inner = inner;
	w->len_end = 2;
	w->max_frame = max_frame ? max_frame : NET_WS_MAX_FRAME;
	buf_init(&w->out);
	return &w->base;
}

static bool is_b64(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') || ch == '+' || ch == '/';
}

bool net_ws_key_valid(const char *key, size_t len)
{
	/* RFC 6455 4.1: 16 bytes are 22 base64 digits and "==". */
	if (len != 24 || key[22] != '=' || key[23] != '=')
		return false;
	for (size_t i = 0; i < 22; i++)
		if (!is_b64(key[i]))
			return false;
	return true;
}

void net_ws_accept(const char *key, size_t len, char out[NET_WS_ACCEPT_LEN + 1])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	uint8_t digest[SHA1_DIGEST_SIZE];
	struct sha1_ctx ctx;

	sha1_init(&ctx);
	sha1_update(&ctx, len, (const uint8_t *)key);
	sha1_update(&ctx, sizeof(guid) - 1, (const uint8_t *)guid);
	sha1_digest(&ctx, sizeof(digest), digest);
	base64_encode_raw(out, sizeof(digest), digest);
	out[NET_WS_ACCEPT_LEN] = '\0';
}
