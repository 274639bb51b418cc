#include "net/connect.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"

#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 60000

struct net_connector {
	struct loop *loop;
	char host[256];
	char port[8];
	int fd; /* connect in progress, or -1 */
	int retry_ms;
	struct loop_timer *timer;
	net_accept_cb cb;
	void *data;
};

static void try_connect(void *data);

/* "host", "host:port", "[v6]", "[v6]:port"; a bare v6 literal (two or
 * more colons) has no port. */
static int split_hostport(struct net_connector *nc, const char *s,
			  int defport)
{
	const char *colon = strrchr(s, ':');
	size_t hl;

	snprintf(nc->port, sizeof(nc->port), "%d", defport);
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || (end[1] && end[1] != ':'))
			return -1;
		hl = (size_t)(end - s - 1);
		memcpy(nc->host, s + 1, hl < 255 ? hl : 255);
		colon = end[1] ? end + 1 : NULL;
	} else if (colon && strchr(s, ':') == colon) {
		hl = (size_t)(colon - s);
		memcpy(nc->host, s, hl < 255 ? hl : 255);
	} else {
		snprintf(nc->host, sizeof(nc->host), "%s", s);
		colon = NULL;
	}
	if (colon) {
		char *end;
		long p = strtol(colon + 1, &end, 10);

		if (*end || p <= 0 || p > 65535)
			return -1;
		snprintf(nc->port, sizeof(nc->port), "%ld", p);
	}
	return nc->host[0] ? 0 : -1;
}

struct net_connector *net_connect_start(struct loop *loop,
					const char *hostport, int defport,
					net_accept_cb cb, void *data)
{
	struct net_connector *nc = calloc(1, sizeof(*nc));

	if (!nc)
		return NULL;
	if (split_hostport(nc, hostport, defport) < 0) {
		free(nc);
		return NULL;
	}
	nc->loop = loop;
	nc->fd = -1;
	nc->cb = cb;
	nc->data = data;
	nc->retry_ms = RETRY_FIRST_MS;
	nc->timer = loop_timer_add(loop, 0, false, try_connect, nc);
	return nc;
}

static void retry_later(struct net_connector *nc, const char *why)
{
	log_info("viewer at %s:%s not reachable (%s); retrying in %d s",
		 nc->host, nc->port, why, nc->retry_ms / 1000);
	nc->timer = loop_timer_add(nc->loop, nc->retry_ms, false, try_connect,
				   nc);
	nc->retry_ms = nc->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
							 nc->retry_ms * 2;
}

static void connected(struct net_connector *nc)
{
	struct net_conn *conn = net_conn_new_fd(nc->fd, NULL);

	loop_del_fd(nc->loop, nc->fd);
	if (!conn) {
		close(nc->fd);
		nc->fd = -1;
		retry_later(nc, "out of memory");
		return;
	}
	nc->fd = -1;
	log_info("connected to viewer at %s:%s", nc->host, nc->port);
	nc->cb(nc->data, conn);
}

static void on_writable(void *data, int fd, unsigned events)
{
	struct net_connector *nc = data;
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err == 0) {
		connected(nc);
		return;
	}
	loop_del_fd(nc->loop, fd);
	close(fd);
	nc->fd = -1;
	retry_later(nc, strerror(err));
}

static void try_connect(void *data)
{
	struct net_connector *nc = data;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	int r;

	nc->timer = NULL;
	r = getaddrinfo(nc->host, nc->port, &hints, &res);
	if (r != 0) {
		retry_later(nc, gai_strerror(r));
		return;
	}
	nc->fd = socket(res->ai_family,
			SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (nc->fd < 0 || (connect(nc->fd, res->ai_addr, res->ai_addrlen) < 0 &&
			   errno != EINPROGRESS)) {
		const char *why = strerror(errno);

		if (nc->fd >= 0)
			close(nc->fd);
		nc->fd = -1;
		freeaddrinfo(res);
		retry_later(nc, why);
		return;
	}
	freeaddrinfo(res);
	loop_add_fd(nc->loop, nc->fd, LOOP_OUT, on_writable, nc);
}

void net_connector_destroy(struct net_connector *nc)
{
	if (!nc)
		return;
	if (nc->timer)
		loop_timer_del(nc->loop, nc->timer);
	if (nc->fd >= 0) {
		loop_del_fd(nc->loop, nc->fd);
		close(nc->fd);
	}
	free(nc);
}
