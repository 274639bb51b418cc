#include "net/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"

#define LISTEN_MAX_FDS 16

struct net_listener {
	struct loop *loop;
	int fds[LISTEN_MAX_FDS];
	char *unix_path; /* removed at destroy */
	int nfds;
	int port;
	net_accept_cb cb;
	void *data;
};

struct net_listener *net_listener_new(struct loop *loop, net_accept_cb cb,
				      void *data)
{
	struct net_listener *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->loop = loop;
	l->cb = cb;
	l->data = data;
	l->port = -1;
	return l;
}

void net_listener_destroy(struct net_listener *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->nfds; i++) {
		loop_del_fd(l->loop, l->fds[i]);
		close(l->fds[i]);
	}
	if (l->unix_path)
		unlink(l->unix_path);
	free(l->unix_path);
	free(l);
}

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

static int add_fd(struct net_listener *l, int fd)
{
	if (l->nfds == LISTEN_MAX_FDS) {
		errno = EMFILE;
		return -1;
	}
	if (loop_add_fd(l->loop, fd, LOOP_IN, on_accept, l) < 0)
		return -1;
	l->fds[l->nfds++] = fd;
	return 0;
}

int net_listener_add_fd(struct net_listener *l, int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return add_fd(l, fd);
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

/* Bind one address; IPv6 sockets are v6-only so "::" and "0.0.0.0" can
 * both be bound.  Returns fd or -1 with errno. */
static int bind_one(const struct addrinfo *ai, int port)
{
	struct sockaddr_storage ss;
	int fd, one = 1, saved;

	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) < 0 ||
	    listen(fd, 16) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static struct addrinfo *resolve(const char *addr)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;

	if (getaddrinfo(addr, "0", &hints, &res) != 0) {
		errno = ENOENT;
		return NULL;
	}
	return res;
}

/* "localhost" means both loopbacks, whatever /etc/hosts says (Debian's
 * may not list ::1); a host without IPv6 keeps the IPv4 one. */
static int add_localhost(struct net_listener *l, int port)
{
	int r = net_listener_add_tcp(l, "127.0.0.1", port);

	if (r == 0 && net_listener_add_tcp(l, "::1", port) < 0)
		log_debug("no IPv6 loopback: %s", strerror(errno));
	return r;
}

int net_listener_add_tcp(struct net_listener *l, const char *addr, int port)
{
	struct addrinfo *res, *ai;
	int bound = 0, err = EADDRNOTAVAIL;

	char bare[64];

	if (addr && !strcmp(addr, "localhost"))
		return add_localhost(l, port);
	/* "[::1]" as written in URLs and host:port forms. */
	if (addr && addr[0] == '[' && strlen(addr) < sizeof(bare) &&
	    addr[strlen(addr) - 1] == ']') {
		memcpy(bare, addr + 1, strlen(addr) - 2);
		bare[strlen(addr) - 2] = 0;
		addr = bare;
	}
	res = resolve(addr);
	if (!res)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = bind_one(ai, l->port > 0 && !port ? l->port : port);

		if (fd < 0) {
			/* A host without IPv6 is fine when IPv4 works. */
			if (ai->ai_family != AF_INET6 ||
			    errno != EAFNOSUPPORT)
				err = errno;
			continue;
		}
		if (add_fd(l, fd) < 0) {
			err = errno;
			close(fd);
			continue;
		}
		if (l->port <= 0)
			l->port = bound_port(fd);
		bound++;
	}
	freeaddrinfo(res);
	if (!bound)
		errno = err;
	return bound ? 0 : -1;
}

int net_listener_add_unix(struct net_listener *l, const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(un.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(un.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* Created 0600 from the start: no window where others could
	 * connect. */
	old = umask(077);
	r = bind(fd, (struct sockaddr *)&un, sizeof(un));
	umask(old);
	if (r == 0)
		r = chmod(path, 0600); /* connecting needs write, not exec */
	if (r < 0 || listen(fd, 16) < 0 || add_fd(l, fd) < 0) {
		r = errno;
		close(fd);
		errno = r;
		return -1;
	}
	l->unix_path = strdup(path);
	return 0;
}

bool net_listener_fd_is_local(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return false;
	if (ss.ss_family == AF_UNIX)
		return true;
	if (ss.ss_family == AF_INET)
		return ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >>
			       24 == 127;
	return ss.ss_family == AF_INET6 &&
	       IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
}

int net_listener_port(const struct net_listener *l)
{
	return l->port;
}
