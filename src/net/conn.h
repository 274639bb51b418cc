/* A connection to one peer: a byte stream with non-blocking read/write.
 * Plain sockets now; TLS and WebSocket later wrap one as stream layers. */
#ifndef XRFB_NET_CONN_H
#define XRFB_NET_CONN_H

#include <stddef.h>
#include <sys/types.h>

struct net_conn;

struct net_conn_ops {
	/* >0 bytes, 0 at end of stream, -1 with errno (EAGAIN: try later). */
	ssize_t (*read)(struct net_conn *c, void *buf, size_t len);
	ssize_t (*write)(struct net_conn *c, const void *buf, size_t len);
	void (*destroy)(struct net_conn *c);
};

struct net_conn {
	const struct net_conn_ops *ops;
	int fd;	       /* what to poll on */
	char peer[64]; /* "1.2.3.4:5678", "[::1]:5678", "unix" ... */
};

/* Wrap a connected socket (made non-blocking here); takes ownership of fd.
 * `peer` may be NULL to derive it from getpeername(). */
struct net_conn *net_conn_new_fd(int fd, const char *peer);

static inline ssize_t net_conn_read(struct net_conn *c, void *buf, size_t n)
{
	return c->ops->read(c, buf, n);
}

static inline ssize_t net_conn_write(struct net_conn *c, const void *buf,
				     size_t n)
{
	return c->ops->write(c, buf, n);
}

/* Close and free. */
void net_conn_destroy(struct net_conn *c);

/* Describe a socket address as "host:port" / "[v6]:port". */
void net_addr_str(const void *sockaddr, char *out, size_t n);

#endif
