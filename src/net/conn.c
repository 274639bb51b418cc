#include "net/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static ssize_t fd_read(struct net_conn *c, void *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(c->fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n;
}

static ssize_t fd_write(struct net_conn *c, const void *buf, size_t len)
{
	ssize_t n;

	/* MSG_NOSIGNAL: a peer that reset must not kill us with SIGPIPE. */
	do
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

static void fd_destroy(struct net_conn *c)
{
	close(c->fd);
	free(c);
}

static const struct net_conn_ops fd_ops = {
	.read = fd_read,
	.write = fd_write,
	.destroy = fd_destroy,
};

void net_addr_str(const void *sockaddr, char *out, size_t n)
{
	const struct sockaddr *sa = sockaddr;
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = sockaddr;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, n, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = sockaddr;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, n, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else if (sa->sa_family == AF_UNIX) {
		snprintf(out, n, "unix");
	} else {
		snprintf(out, n, "unknown");
	}
}

struct net_conn *net_conn_new_fd(int fd, const char *peer)
{
	struct net_conn *c = calloc(1, sizeof(*c));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1;

	if (!c)
		return NULL;
	c->ops = &fd_ops;
	c->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	/* Small updates (a typed key) must not wait for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (peer)
		snprintf(c->peer, sizeof(c->peer), "%s", peer);
	else if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		net_addr_str(&ss, c->peer, sizeof(c->peer));
	else
		snprintf(c->peer, sizeof(c->peer), "fd %d", fd);
	return c;
}

void net_conn_destroy(struct net_conn *c)
{
	if (c)
		c->ops->destroy(c);
}

const char *net_conn_strerror(const struct net_conn *c, int err)
{
	if (c->error[0])
		return c->error;
	return err ? strerror(err) : "connection closed";
}

struct prefixed {
	struct net_conn base;
	struct net_conn *inner;
	uint8_t *bytes;
	size_t len, off;
};

static ssize_t prefixed_read(struct net_conn *c, void *buf, size_t len)
{
	struct prefixed *p = (struct prefixed *)c;
	size_t n = p->len - p->off;
	ssize_t r;

	if (n == 0) {
		r = net_conn_read(p->inner, buf, len);
		memcpy(c->error, p->inner->error, sizeof(c->error));
		return r;
	}
	if (n > len)
		n = len;
	memcpy(buf, p->bytes + p->off, n);
	p->off += n;
	return (ssize_t)n;
}

static ssize_t prefixed_write(struct net_conn *c, const void *buf,
			      size_t len)
{
	struct prefixed *p = (struct prefixed *)c;
	ssize_t r = net_conn_write(p->inner, buf, len);

	memcpy(c->error, p->inner->error, sizeof(c->error));
	return r;
}

static size_t prefixed_pending_in(struct net_conn *c)
{
	struct prefixed *p = (struct prefixed *)c;

	return p->len - p->off + net_conn_pending_in(p->inner);
}

static size_t prefixed_pending_out(struct net_conn *c)
{
	return net_conn_pending_out(((struct prefixed *)c)->inner);
}

static int prefixed_flush(struct net_conn *c)
{
	return net_conn_flush(((struct prefixed *)c)->inner);
}

static void prefixed_destroy(struct net_conn *c)
{
	struct prefixed *p = (struct prefixed *)c;

	net_conn_destroy(p->inner);
	free(p->bytes);
	free(p);
}

static const struct net_conn_ops prefixed_ops = {
	.read = prefixed_read,
	.write = prefixed_write,
	.pending_in = prefixed_pending_in,
	.pending_out = prefixed_pending_out,
	.flush = prefixed_flush,
	.destroy = prefixed_destroy,
};

struct net_conn *net_conn_new_prefixed(struct net_conn *inner,
				       const void *bytes, size_t len)
{
	struct prefixed *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->bytes = malloc(len ? len : 1);
	if (!p->bytes) {
		free(p);
		return NULL;
	}
	memcpy(p->bytes, bytes, len);
	p->len = len;
	p->inner = inner;
	p->base.ops = &prefixed_ops;
	p->base.fd = inner->fd;
	memcpy(p->base.peer, inner->peer, sizeof(p->base.peer));
	return &p->base;
}

/* inetd: the peer is on stdin/stdout.  Usually both are one socket; when
 * they are two pipes, writes go to wfd, which stays blocking: it is the
 * only client, there is no one else to stall. */
struct stdio_conn {
	struct net_conn base;
	int wfd;
};

static ssize_t stdio_write(struct net_conn *c, const void *buf, size_t len)
{
	struct stdio_conn *s = (struct stdio_conn *)c;
	ssize_t n;

	if (s->wfd == c->fd)
		return fd_write(c, buf, len);
	do
		n = write(s->wfd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static ssize_t stdio_read(struct net_conn *c, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(c->fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static void stdio_destroy(struct net_conn *c)
{
	struct stdio_conn *s = (struct stdio_conn *)c;

	if (s->wfd != c->fd)
		close(s->wfd);
	close(c->fd);
	free(s);
}

static const struct net_conn_ops stdio_ops = {
	.read = stdio_read,
	.write = stdio_write,
	.destroy = stdio_destroy,
};

struct net_conn *net_conn_new_stdio(int rfd, int wfd)
{
	struct stdio_conn *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct stat st;

	if (!s)
		return NULL;
	s->base.ops = &stdio_ops;
	s->base.fd = rfd;
	s->wfd = wfd;
	fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
	if (fstat(rfd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    getpeername(rfd, (struct sockaddr *)&ss, &sl) == 0)
		net_addr_str(&ss, s->base.peer, sizeof(s->base.peer));
	else
		snprintf(s->base.peer, sizeof(s->base.peer), "inetd");
	return &s->base;
}

size_t net_conn_unacked(struct net_conn *c)
{
	int q = 0;

	if (ioctl(c->fd, SIOCOUTQ, &q) < 0 || q < 0)
		q = 0;
	return net_conn_pending_out(c) + (size_t)q;
}

int net_conn_rtt_ms(struct net_conn *c)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_rtt) + sizeof(ti.tcpi_rtt))
		return -1;
	return (int)(ti.tcpi_rtt / 1000);
}
