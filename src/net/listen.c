#include "net/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"

#define LISTEN_MAX_FDS 2

struct net_listener {
	struct loop *loop;
	int fds[LISTEN_MAX_FDS];
	int nfds;
	int port;
	net_accept_cb cb;
	void *data;
};

static void on_accept(void *data, int fd, unsigned events)
{
	struct net_listener *l = data;
	struct net_conn *conn;
	int cfd;

	cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept failed: %s", strerror(errno));
		return;
	}
	conn = net_conn_new_fd(cfd, NULL);
	if (!conn) {
		close(cfd);
		log_warn("out of memory accepting a connection");
		return;
	}
	l->cb(l->data, conn);
}

/* Bind one socket; returns fd or -1 with errno. */
static int bind_one(int family, const void *addr, socklen_t alen, bool v6only)
{
	int fd, one = 1, saved;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ v6only },
			   sizeof(int));
	if (bind(fd, addr, alen) < 0 || listen(fd, 16) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* IPv4 first (always there), then IPv6 on the same port when the host has
 * it: dual-stack "::" for all addresses, "::1" for loopback. */
static int bind_all(struct net_listener *l, int port, bool loopback)
{
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	int fd;

	in4.sin_port = htons(port);
	in4.sin_addr.s_addr = htonl(loopback ? INADDR_LOOPBACK : INADDR_ANY);
	in6.sin6_addr = loopback ? in6addr_loopback : in6addr_any;
	fd = bind_one(AF_INET, &in4, sizeof(in4), false);
	if (fd < 0)
		return -1;
	l->fds[l->nfds++] = fd;
	l->port = bound_port(fd);
	in6.sin6_port = htons(l->port);
	fd = bind_one(AF_INET6, &in6, sizeof(in6), true);
	if (fd >= 0)
		l->fds[l->nfds++] = fd;
	else if (errno == EADDRINUSE)
		log_warn("IPv6 port %d is taken; listening on IPv4 only",
			 l->port);
	return 0;
}

struct net_listener *net_listen_tcp(struct loop *loop, int port,
				    bool loopback, net_accept_cb cb,
				    void *data)
{
	struct net_listener *l = calloc(1, sizeof(*l));
	int saved;

	if (!l)
		return NULL;
	l->loop = loop;
	l->cb = cb;
	l->data = data;
	if (bind_all(l, port, loopback) < 0)
		goto err;
	for (int i = 0; i < l->nfds; i++)
		if (loop_add_fd(loop, l->fds[i], LOOP_IN, on_accept, l) < 0)
			goto err;
	return l;
err:
	saved = errno;
	net_listener_destroy(l);
	errno = saved;
	return NULL;
}

int net_listener_port(const struct net_listener *l)
{
	return l->port;
}

void net_listener_destroy(struct net_listener *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->nfds; i++) {
		loop_del_fd(l->loop, l->fds[i]);
		close(l->fds[i]);
	}
	free(l);
}
