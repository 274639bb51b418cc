/* Both ends of a TLS connection in one process: the server layer driven
 * only by poll() readiness, the way rfb/client.c drives a connection, and
 * a non-blocking GnuTLS client on the other end of a socketpair (or of a
 * loopback TCP connection).  Also an awkward inner layer to put below. */
#ifndef XRFB_TESTS_TLS_HARNESS_H
#define XRFB_TESTS_TLS_HARNESS_H

#define HARNESS static __attribute__((unused))

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/conn.h"
#include "net/tls.h"
#include "unit.h"
#include "util/buf.h"

/* The server end. */
struct srv {
	struct net_conn *c;
	struct buf in;	    /* plaintext read so far */
	const uint8_t *out; /* plaintext not yet accepted by write() */
	size_t out_len;
	size_t read_max; /* bytes asked per read(); 0: 64 KiB */
	int rc;		 /* 1 open, 0 end of stream, -1 failed */
	int err;	 /* errno of the failure */
};

/* The viewer end. */
struct cli {
	gnutls_session_t s;
	gnutls_certificate_credentials_t x509;
	gnutls_anon_client_credentials_t anon;
	int fd;
	int hs; /* 0 handshaking, 1 done, <0 its gnutls error */
	struct buf in;
	const uint8_t *out;
	size_t out_len;
	int rc; /* 1 open, 0 close_notify, <0 gnutls error */
};

HARNESS void srv_init(struct srv *s, struct net_conn *c)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->rc = 1;
	buf_init(&s->in);
}

HARNESS void srv_free(struct srv *s)
{
	net_conn_destroy(s->c);
	buf_free(&s->in);
}

/* One read, and more while the layer says it holds input: the engine's
 * read_input(). */
HARNESS void srv_read(struct srv *s)
{
	static uint8_t tmp[65536];
	size_t max = s->read_max ? s->read_max : sizeof(tmp);
	ssize_t n;

	do {
		n = net_conn_read(s->c, tmp, max);
		if (n > 0)
			buf_append(&s->in, tmp, (size_t)n);
	} while (n > 0 && net_conn_pending_in(s->c) > 0);
	if (n == 0 || (n < 0 && errno != EAGAIN)) {
		s->err = n < 0 ? errno : 0;
		s->rc = n < 0 ? -1 : 0;
	}
}

/* The engine's send_some(): write what the layer takes, then flush. */
HARNESS void srv_write(struct srv *s)
{
	while (s->out_len) {
		ssize_t n = net_conn_write(s->c, s->out, s->out_len);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			s->err = errno;
			s->rc = -1;
			return;
		}
		s->out += n;
		s->out_len -= (size_t)n;
	}
	if (net_conn_flush(s->c) < 0 && errno != EAGAIN) {
		s->err = errno;
		s->rc = -1;
	}
}

HARNESS void srv_send(struct srv *s, const void *p, size_t n)
{
	s->out = p;
	s->out_len = n;
	srv_write(s);
}

/* One wakeup of the event loop: LOOP_OUT armed only while output is
 * queued, read() only when readable, write/flush only when writable. */
HARNESS void srv_step(struct srv *s)
{
	struct pollfd p = { s->c->fd, POLLIN, 0 };

	if (s->rc <= 0)
		return;
	if (s->out_len || net_conn_pending_out(s->c))
		p.events |= POLLOUT;
	if (poll(&p, 1, 0) <= 0)
		return;
	if (p.revents & (POLLIN | POLLHUP | POLLERR))
		srv_read(s);
	if (s->rc > 0 && (p.revents & POLLOUT))
		srv_write(s);
}

/* prio: the client's priority string; trust: a PEM file to verify the
 * server's certificate against (for `host`), NULL for anonymous. */
HARNESS void cli_init(struct cli *c, int fd, const char *prio,
		      const char *trust, const char *host)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->rc = 1;
	buf_init(&c->in);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	gnutls_init(&c->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	CHECK_EQ(gnutls_priority_set_direct(c->s, prio, NULL), 0);
	if (trust) {
		gnutls_certificate_allocate_credentials(&c->x509);
		CHECK_EQ(gnutls_certificate_set_x509_trust_file(
				 c->x509, trust, GNUTLS_X509_FMT_PEM),
			 1);
		gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, c->x509);
		gnutls_session_set_verify_cert(c->s, host, 0);
	} else {
		gnutls_anon_allocate_client_credentials(&c->anon);
		gnutls_credentials_set(c->s, GNUTLS_CRD_ANON, c->anon);
	}
	gnutls_transport_set_int(c->s, fd);
}

HARNESS void cli_close(struct cli *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

HARNESS void cli_free(struct cli *c)
{
	cli_close(c);
	gnutls_deinit(c->s);
	if (c->x509)
		gnutls_certificate_free_credentials(c->x509);
	if (c->anon)
		gnutls_anon_free_client_credentials(c->anon);
	buf_free(&c->in);
}

/* A viewer that fails the handshake says why and hangs up. */
HARNESS void cli_handshake(struct cli *c)
{
	int r = gnutls_handshake(c->s);

	if (r == 0) {
		c->hs = 1;
	} else if (gnutls_error_is_fatal(r)) {
		c->hs = r;
		gnutls_alert_send_appropriate(c->s, r);
		cli_close(c);
	}
}

HARNESS void cli_step(struct cli *c)
{
	static uint8_t tmp[65536];
	ssize_t n;

	if (c->hs == 0)
		cli_handshake(c);
	if (c->hs != 1 || c->rc <= 0 || c->fd < 0)
		return;
	while (c->out_len) {
		n = gnutls_record_send(c->s, c->out, c->out_len);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			break;
		if (n < 0) {
			c->rc = (int)n;
			return;
		}
		c->out += n;
		c->out_len -= (size_t)n;
	}
	for (;;) {
		n = gnutls_record_recv(c->s, tmp, sizeof(tmp));
		if (n > 0) {
			buf_append(&c->in, tmp, (size_t)n);
			continue;
		}
		if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED)
			c->rc = (int)n;
		break;
	}
}

/* An inner layer as awkward as a WebSocket one may be: it reads the socket
 * in bulk but hands out 5 bytes at a time (the rest shows only through
 * pending_in), and takes 61 bytes per write, refusing every other one. */
struct trickle {
	struct net_conn base;
	struct net_conn *fd;
	uint8_t buf[4096];
	size_t len, off;
	unsigned writes;
};

HARNESS ssize_t trickle_read(struct net_conn *c, void *p, size_t len)
{
	struct trickle *t = (struct trickle *)c;
	ssize_t n;

	if (t->off == t->len) {
		n = net_conn_read(t->fd, t->buf, sizeof(t->buf));
		if (n <= 0)
			return n;
		t->len = (size_t)n;
		t->off = 0;
	}
	n = (ssize_t)(t->len - t->off < 5 ? t->len - t->off : 5);
	n = n < (ssize_t)len ? n : (ssize_t)len;
	memcpy(p, t->buf + t->off, (size_t)n);
	t->off += (size_t)n;
	return n;
}

HARNESS ssize_t trickle_write(struct net_conn *c, const void *p, size_t len)
{
	struct trickle *t = (struct trickle *)c;

	if (t->writes++ % 2 == 0) {
		errno = EAGAIN;
		return -1;
	}
	return net_conn_write(t->fd, p, len < 61 ? len : 61);
}

HARNESS size_t trickle_pending_in(struct net_conn *c)
{
	struct trickle *t = (struct trickle *)c;

	return t->len - t->off;
}

HARNESS void trickle_destroy(struct net_conn *c)
{
	net_conn_destroy(((struct trickle *)c)->fd);
	free(c);
}

static const struct net_conn_ops trickle_ops = {
	.read = trickle_read,
	.write = trickle_write,
	.pending_in = trickle_pending_in,
	.destroy = trickle_destroy,
};

HARNESS double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run both ends until the client has received cli_want bytes and the
 * server srv_want (after the client's handshake), or the server end
 * closes or fails, or 20 s pass.  True if the byte counts were met. */
HARNESS bool run(struct srv *s, struct cli *c, size_t cli_want, size_t srv_want)
{
	double end = now_s() + 20;

	while (now_s() < end) {
		struct pollfd p[2] = { { s->c->fd, POLLIN, 0 },
				       { c->fd, POLLIN, 0 } };

		cli_step(c);
		srv_step(s);
		if (c->hs == 1 && c->in.len >= cli_want &&
		    s->in.len >= srv_want)
			return true;
		if (s->rc <= 0)
			return false;
		if (s->out_len || net_conn_pending_out(s->c))
			p[0].events |= POLLOUT;
		poll(p, c->fd >= 0 ? 2 : 1, 2);
	}
	return false;
}

HARNESS int pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
}

#endif
