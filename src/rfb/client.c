/* One client's lifecycle and I/O: reading into the input buffer and
 * handing complete messages to the phase's parser, queueing output and
 * sending it without ever blocking the loop. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfb/internal.h"
#include "util/log.h"

#define READ_CHUNK 65536
/* No handshake message is longer than a Plain login; more unparsed input
 * than this before the normal phase is a flood. */
static size_t handshake_max_input(const struct rfb_client *c)
{
	return 4 * (size_t)c->srv->opts.max_plain + READ_CHUNK;
}

static void client_io(void *data, int fd, unsigned events);

struct rfb_client *rfb_client_new(struct rfb_server *srv,
				  struct net_conn *conn)
{
	struct rfb_client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->srv = srv;
	c->conn = conn;
	c->state = RFB_CS_VERSION;
	c->compress_level = -1;
	c->quality = -1;
	c->enc = ENC_RAW;
	c->led_sent = -1;
	c->out_hold = SIZE_MAX;
	buf_init(&c->in);
	buf_init(&c->out);
	rfb_pixconv_init(&c->pc, &rfb_pixfmt_server);
	rfb_update_init(c);
	if (loop_add_fd(srv->loop, conn->fd, LOOP_IN, client_io, c) < 0) {
		/* On failure the caller still owns conn. */
		c->conn = NULL;
		rfb_client_free(c);
		return NULL;
	}
	return c;
}

void rfb_client_free(struct rfb_client *c)
{
	rfb_vencrypt_abandon(c);
	rfb_update_fini(c);
	if (c->conn) {
		loop_del_fd(c->srv->loop, c->conn->fd);
		net_conn_destroy(c->conn);
	}
	rfb_encjob_free(c->job);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

static void client_shut(struct rfb_client *c)
{
	if (c->state == RFB_CS_CLOSED)
		return;
	if (c->state == RFB_CS_NORMAL) {
		unsigned old = c->caps;

		c->caps = 0;
		rfb_server_caps_changed(c->srv, c, old);
		rfb_input_release(c);
		c->srv->nnormal--;
		c->srv->normal_left = true;
	}
	if (c->hs_timer) {
		loop_timer_del(c->srv->loop, c->hs_timer);
		c->hs_timer = NULL;
	}
	if (c->msg_timer) {
		loop_timer_del(c->srv->loop, c->msg_timer);
		c->msg_timer = NULL;
	}
	c->state = RFB_CS_CLOSED;
	loop_del_fd(c->srv->loop, c->conn->fd);
}

void rfb_client_close(struct rfb_client *c, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	if (c->state == RFB_CS_CLOSED)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	log_info("%s: closed: %s", c->conn->peer, reason);
	client_shut(c);
}

static void set_want_out(struct rfb_client *c, bool want)
{
	if (c->want_out == want || c->state == RFB_CS_CLOSED)
		return;
	c->want_out = want;
	loop_mod_fd(c->srv->loop, c->conn->fd,
		    LOOP_IN | (want ? LOOP_OUT : 0));
}

/* Write as much as the connection takes, then push what its layers
 * hold; 0 or -1 after closing. */
/* Bytes of `out` that may go now: not past an update being encoded. */
static size_t sendable(const struct rfb_client *c)
{
	return c->out.len < c->out_hold ? c->out.len : c->out_hold;
}

static int send_some(struct rfb_client *c)
{
	size_t done = 0, can = sendable(c);
	int ret = 0;

	/* What went is dropped from the queue once at the end: one move of
	 * the rest, not one per write. */
	while (done < can) {
		ssize_t n = net_conn_write(c->conn, c->out.data + done,
					   can - done);

		if (n < 0 && net_conn_again(errno))
			break;
		if (n <= 0) {
			rfb_client_close(c, "write failed: %s",
					 net_conn_strerror(c->conn,
							   n < 0 ? errno : 0));
			ret = -1;
			break;
		}
		done += (size_t)n;
	}
	buf_consume(&c->out, done);
	rfb_cc_sent(&c->cc, done);
	if (c->out_hold != SIZE_MAX)
		c->out_hold -= done;
	if (ret < 0)
		return -1;
	if (net_conn_flush(c->conn) < 0 && !net_conn_again(errno)) {
		rfb_client_close(c, "write failed: %s",
				 net_conn_strerror(c->conn, errno));
		return -1;
	}
	return 0;
}

static bool output_pending(struct rfb_client *c)
{
	return sendable(c) > 0 || net_conn_pending_out(c->conn) > 0;
}

void rfb_client_flush(struct rfb_client *c)
{
	if (c->state == RFB_CS_CLOSED)
		return;
	if (c->out.failed) {
		rfb_client_close(c, "out of memory queueing output");
		return;
	}
	if (send_some(c) < 0)
		return;
	/* What the socket would not take stays queued; a client that lets
	 * it grow past the cap is not reading and must not cost us more. */
	if (c->out.len > c->srv->opts.max_queue) {
		rfb_client_close(c, "not reading: %zu bytes queued (cap %zu)",
				 c->out.len, c->srv->opts.max_queue);
		return;
	}
	if (!output_pending(c) && c->close_after_flush) {
		client_shut(c);
		return;
	}
	if (c->state == RFB_CS_TLS && !output_pending(c)) {
		rfb_vencrypt_start_tls(c);
		if (c->state == RFB_CS_CLOSED)
			return;
		send_some(c);
	}
	set_want_out(c, output_pending(c));
}

void rfb_client_finish(struct rfb_client *c)
{
	c->close_after_flush = true;
	rfb_client_flush(c);
}

/* Bytes of an over-cap ClientCutText are dropped as they arrive, so the
 * cap bounds memory whatever length the client claimed. */
static size_t skip_input(struct rfb_client *c, size_t avail)
{
	size_t n = avail < c->skip ? avail : c->skip;

	c->skip -= n;
	return n;
}

static void parse_input(struct rfb_client *c)
{
	size_t off = 0;

	while (off < c->in.len && c->state != RFB_CS_CLOSED &&
	       !c->close_after_flush) {
		const uint8_t *p = c->in.data + off;
		size_t len = c->in.len - off;
		ssize_t n;

		if (c->skip)
			n = (ssize_t)skip_input(c, len);
		else if (c->state == RFB_CS_NORMAL)
			n = rfb_msg_input(c, p, len);
		else
			n = rfb_handshake_input(c, p, len);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf_consume(&c->in, off);
}

void rfb_client_parse_buffered(struct rfb_client *c)
{
	parse_input(c);
}

static void message_timeout(void *data)
{
	struct rfb_client *c = data;

	c->msg_timer = NULL;
	rfb_client_close(c, "message unfinished: nothing for %d s (%zu bytes "
			    "buffered, %zu to skip)",
			 c->srv->opts.message_ms / 1000, c->in.len, c->skip);
}

/* A normal-phase message begun and not finished (or cut text being
 * skipped) holds memory and parser state: the client must go on sending.
 * Every read that brings bytes restarts the wait. */
static void watch_partial(struct rfb_client *c)
{
	struct loop *l = c->srv->loop;

	if (c->state != RFB_CS_NORMAL)
		return;
	if (!c->in.len && !c->skip) {
		if (c->msg_timer)
			loop_timer_del(l, c->msg_timer);
		c->msg_timer = NULL;
	} else if (c->msg_timer) {
		loop_timer_rearm(l, c->msg_timer, c->srv->opts.message_ms);
	} else {
		c->msg_timer = loop_timer_add(l, c->srv->opts.message_ms, false,
					      message_timeout, c);
	}
}

/* One read; 1 if more may be waiting in the connection's layers. */
static int read_once(struct rfb_client *c)
{
	ssize_t n;

	if (buf_reserve(&c->in, READ_CHUNK) < 0) {
		rfb_client_close(c, "out of memory reading input");
		return -1;
	}
	n = net_conn_read(c->conn, c->in.data + c->in.len, READ_CHUNK);
	if (n < 0 && net_conn_again(errno))
		return 0;
	if (n <= 0) {
		rfb_client_close(c, "%s",
				 n == 0 && !c->conn->error[0] ?
					 "client disconnected" :
					 net_conn_strerror(c->conn, errno));
		return -1;
	}
	c->in.len += (size_t)n;
	if (c->state < RFB_CS_NORMAL && c->in.len > handshake_max_input(c)) {
		rfb_client_close(c, "sent %zu bytes during the handshake",
				 c->in.len);
		return -1;
	}
	if (c->close_after_flush) {
		/* Refused and draining: nothing it says matters now. */
		c->in.len = 0;
		return 0;
	}
	parse_input(c);
	watch_partial(c);
	return c->state != RFB_CS_CLOSED && net_conn_pending_in(c->conn) > 0;
}

/* A TLS or WebSocket layer may have decoded more than one read takes,
 * and poll() would not wake us for it. */
static void read_input(struct rfb_client *c)
{
	while (read_once(c) > 0)
		;
}

static void client_io(void *data, int fd, unsigned events)
{
	struct rfb_client *c = data;

	/* Input first: a viewer's keys must not wait behind our output. */
	if (events & (LOOP_IN | LOOP_ERR))
		read_input(c);
	if (c->state == RFB_CS_CLOSED)
		return;
	/* Reading can make a layer want to write (a TLS handshake). */
	set_want_out(c, output_pending(c));
	if (events & LOOP_OUT)
		rfb_client_flush(c);
	if (c->state == RFB_CS_NORMAL && c->out.len < RFB_OUT_LOW_WATER)
		rfb_update_maybe_send(c);
}
