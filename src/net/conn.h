/* A connection to one peer: a byte stream with non-blocking read/write.
 * Plain sockets now; TLS and WebSocket later wrap one as stream layers. */
#ifndef XRFB_NET_CONN_H
#define XRFB_NET_CONN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct net_conn;

/* A connection is a stack of layers: a socket at the bottom, TLS and
 * WebSocket above it.  A layer may hold bytes poll() cannot see, so the
 * user asks pending_in/pending_out besides waiting on `fd`. */
struct net_conn_ops {
	/* >0 bytes, 0 at end of stream, -1 with errno (EAGAIN or EINTR:
	 * try later, see net_conn_again()). */
	ssize_t (*read)(struct net_conn *c, void *buf, size_t len);
	/* Bytes accepted (possibly into the layer's own buffer), or -1 with
	 * errno (EAGAIN: nothing accepted, try after LOOP_OUT). */
	ssize_t (*write)(struct net_conn *c, const void *buf, size_t len);
	/* Input already decoded and readable without the socket; NULL: 0. */
	size_t (*pending_in)(struct net_conn *c);
	/* Output accepted but not yet on the socket; NULL: 0. */
	size_t (*pending_out)(struct net_conn *c);
	/* Push pending output: 0 when all is out, -1 with errno (EAGAIN:
	 * wait for LOOP_OUT).  NULL: nothing is ever pending. */
	int (*flush)(struct net_conn *c);
	/* Close and free, including the layers below. */
	void (*destroy)(struct net_conn *c);
};

struct net_conn {
	const struct net_conn_ops *ops;
	int fd;	       /* what to poll on */
	char peer[64]; /* "1.2.3.4:5678", "[::1]:5678", "unix" ... */
	/* Why the last read/write failed, when errno alone does not say
	 * (a WebSocket protocol error, a TLS alert); empty otherwise. */
	char error[96];
};

/* Wrap a connected socket (made non-blocking here); takes ownership of fd.
 * `peer` may be NULL to derive it from getpeername(). */
struct net_conn *net_conn_new_fd(int fd, const char *peer);

/* A failed read/write/flush that did nothing and may be retried when the
 * loop says so.  The socket layer retries EINTR itself, but a layer
 * above it (or the fault layer) may pass one up: it is never fatal. */
static inline bool net_conn_again(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

static inline ssize_t net_conn_read(struct net_conn *c, void *buf, size_t n)
{
	return c->ops->read(c, buf, n);
}

static inline ssize_t net_conn_write(struct net_conn *c, const void *buf,
				     size_t n)
{
	return c->ops->write(c, buf, n);
}

static inline size_t net_conn_pending_in(struct net_conn *c)
{
	return c->ops->pending_in ? c->ops->pending_in(c) : 0;
}

static inline size_t net_conn_pending_out(struct net_conn *c)
{
	return c->ops->pending_out ? c->ops->pending_out(c) : 0;
}

static inline int net_conn_flush(struct net_conn *c)
{
	return c->ops->flush ? c->ops->flush(c) : 0;
}

/* inetd mode: the peer on stdin (read) and stdout (write), which may be
 * the same socket.  Takes ownership of both. */
struct net_conn *net_conn_new_stdio(int rfd, int wfd);

/* Close and free. */
void net_conn_destroy(struct net_conn *c);

/* Bytes written but not yet with the peer: the layers' own output plus
 * the socket's send queue, unacknowledged data included (for congestion
 * control; the queue counts as 0 where the kernel cannot say). */
size_t net_conn_unacked(struct net_conn *c);
/* The kernel's smoothed round trip of a TCP connection in ms; -1 for
 * other sockets. */
int net_conn_rtt_ms(struct net_conn *c);

/* The failure text for a read/write that returned -1 or 0. */
const char *net_conn_strerror(const struct net_conn *c, int err);

/* A layer that first returns `len` bytes already read off `inner` (after
 * sniffing what protocol a peer speaks), then reads `inner`.  Takes
 * ownership of inner; copies the bytes.  NULL on OOM (inner is kept). */
struct net_conn *net_conn_new_prefixed(struct net_conn *inner,
				       const void *bytes, size_t len);

/* Describe a socket address as "host:port" / "[v6]:port". */
void net_addr_str(const void *sockaddr, char *out, size_t n);

#endif
