/* net/sniff: what a new connection speaks, decided by its first bytes. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/sniff.h"
#include "unit.h"

struct result {
	struct loop *loop;
	int calls;
	enum net_proto proto;
	struct net_conn *conn;
};

static void sniffed(void *data, struct net_conn *conn, enum net_proto proto)
{
	struct result *r = data;

	r->calls++;
	r->proto = proto;
	r->conn = conn;
	loop_quit(r->loop, 0);
}

/* A busy server: the connection is handed to net_sniff from another fd's
 * callback, and its timer is due when that iteration ends, before the
 * new socket was ever polled. */
struct busy {
	struct result *r;
	struct net_conn *conn;
	int wait_ms;
};

static void busy_io(void *data, int fd, unsigned events)
{
	struct busy *b = data;
	char c;

	(void)read(fd, &c, 1);
	loop_del_fd(b->r->loop, fd);
	net_sniff(b->r->loop, b->conn, b->wait_ms, sniffed, b->r);
}

static void run(const char *first, int wait_ms, struct result *r)
{
	int sv[2], kick[2];
	struct busy b;

	memset(r, 0, sizeof(*r));
	r->loop = loop_new();
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pipe(kick) == 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	if (first)
		CHECK(write(sv[1], first, strlen(first)) ==
		      (ssize_t)strlen(first));
	b.r = r;
	b.conn = net_conn_new_fd(sv[0], "test");
	b.wait_ms = wait_ms;
	CHECK(write(kick[1], "k", 1) == 1);
	loop_add_fd(r->loop, kick[0], LOOP_IN, busy_io, &b);
	loop_run(r->loop);
	if (r->conn)
		net_conn_destroy(r->conn);
	loop_destroy(r->loop);
	close(sv[1]);
	close(kick[0]);
	close(kick[1]);
}

/* Bytes that arrived in time decide, even when the loop reaches the
 * timer first. */
static void test_busy_loop(void)
{
	struct result r;

	run("GET / HTTP/1.1\r\n", 0, &r);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.proto, NET_PROTO_HTTP);
	run("\x16\x03\x01", 0, &r);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.proto, NET_PROTO_TLS);
	run(NULL, 0, &r);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.proto, NET_PROTO_RFB);
	CHECK(r.conn != NULL);
}

/* The usual case: the bytes are polled before the timer. */
static void test_in_time(void)
{
	struct result r;

	run("GET / HTTP/1.1\r\n", 1000, &r);
	CHECK_EQ(r.proto, NET_PROTO_HTTP);
	run("RFB 003.008\n", 1000, &r);
	CHECK_EQ(r.proto, NET_PROTO_RFB);
}

int main(void)
{
	UNIT_RUN(test_busy_loop);
	UNIT_RUN(test_in_time);
	return UNIT_DONE();
}
