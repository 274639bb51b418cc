#include "net/sniff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct sniff {
	struct loop *loop;
	struct net_conn *conn;
	struct loop_timer *timer;
	uint8_t bytes[8];
	size_t len;
	net_sniff_cb cb;
	void *data;
};

static enum net_proto classify(const uint8_t *b, size_t n)
{
	if (n >= 1 && b[0] == 0x16)
		return NET_PROTO_TLS;
	if (n >= 4 && (!memcmp(b, "GET ", 4) || !memcmp(b, "HEAD", 4)))
		return NET_PROTO_HTTP;
	return NET_PROTO_RFB;
}

/* Could more bytes still turn this into HTTP? */
static bool undecided(const uint8_t *b, size_t n)
{
	return n > 0 && n < 4 && b[0] != 0x16 &&
	       (!memcmp(b, "GET ", n) || !memcmp(b, "HEAD", n));
}

static void finish(struct sniff *s, bool gone)
{
	struct net_conn *conn = s->conn;
	enum net_proto proto = classify(s->bytes, s->len);

	loop_del_fd(s->loop, conn->fd);
	if (s->timer)
		loop_timer_del(s->loop, s->timer);
	if (gone) {
		net_conn_destroy(conn);
		conn = NULL;
	} else if (s->len) {
		struct net_conn *p = net_conn_new_prefixed(conn, s->bytes,
							   s->len);

		if (!p)
			net_conn_destroy(conn);
		conn = p;
	}
	s->cb(s->data, conn, proto);
	free(s);
}

/* A busy loop can reach this timer before it ever polled the socket: what
 * has arrived by now still decides. */
static void on_timeout(void *data)
{
	struct sniff *s = data;
	ssize_t n;

	s->timer = NULL;
	n = net_conn_read(s->conn, s->bytes + s->len,
			  sizeof(s->bytes) - s->len);
	if (n == 0 || (n < 0 && !net_conn_again(errno))) {
		finish(s, true);
		return;
	}
	if (n > 0)
		s->len += (size_t)n;
	finish(s, false);
}

static void on_io(void *data, int fd, unsigned events)
{
	struct sniff *s = data;
	ssize_t n;

	/* A TLS layer below may need to write to progress. */
	if ((events & LOOP_OUT) && net_conn_flush(s->conn) < 0 &&
	    !net_conn_again(errno)) {
		finish(s, true);
		return;
	}
	n = net_conn_read(s->conn, s->bytes + s->len,
			  sizeof(s->bytes) - s->len);
	if (n == 0 || (n < 0 && !net_conn_again(errno))) {
		log_debug("%s: went away before speaking", s->conn->peer);
		finish(s, true);
		return;
	}
	if (n > 0)
		s->len += (size_t)n;
	if (s->len && !undecided(s->bytes, s->len)) {
		finish(s, false);
		return;
	}
	loop_mod_fd(s->loop, fd,
		    LOOP_IN | (net_conn_pending_out(s->conn) ? LOOP_OUT : 0));
}

void net_sniff(struct loop *loop, struct net_conn *conn, int wait_ms,
	       net_sniff_cb cb, void *data)
{
	struct sniff *s = calloc(1, sizeof(*s));

	if (!s) {
		net_conn_destroy(conn);
		return;
	}
	s->loop = loop;
	s->conn = conn;
	s->cb = cb;
	s->data = data;
	/* Without its timer an RFB viewer, which speaks second, would wait
	 * for ever: both or nothing. */
	s->timer = loop_timer_add(loop, wait_ms, false, on_timeout, s);
	if (!s->timer ||
	    loop_add_fd(loop, conn->fd, LOOP_IN | LOOP_OUT, on_io, s) < 0) {
		log_warn("%s: out of memory for a new connection",
			 conn->peer);
		if (s->timer)
			loop_timer_del(loop, s->timer);
		net_conn_destroy(conn);
		free(s);
	}
}
