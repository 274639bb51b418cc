#include "net/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
