/* TLS as a connection layer.  GnuTLS never touches the socket: its push
 * function appends ciphertext to `out`, which we hand to the inner layer
 * whenever the caller reads, writes or flushes.  So gnutls never sees
 * EAGAIN on output -- no "call again with the same data" rule to honour --
 * and the handshake never waits for the socket to become writable: only
 * the peer's bytes, through read(), move it on. */
#include "net/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"

/* Ciphertext queued here, and plaintext written before the handshake is
 * done, stay under this (plus one record): past it write() says EAGAIN,
 * so a peer that stops reading meets the caller's own queue cap. */
#define TLS_OUT_CAP (64 * 1024)

/* Non-fatal results (warning alerts) retried within one call; past this
 * the call returns EAGAIN, so one chatty peer cannot hold the loop. */
#define TLS_RETRIES 8

struct net_tls_creds {
	gnutls_anon_server_credentials_t anon;
	gnutls_certificate_credentials_t x509;
};

struct tls {
	struct net_conn base;
	struct net_conn *inner;
	gnutls_session_t s;
	struct buf out;	  /* ciphertext the inner layer has not taken */
	struct buf early; /* plaintext written during the handshake */
	bool ready;	  /* handshake done */
	int io_errno;	  /* why the inner layer failed a pull or push */
	int failed;	  /* errno of the first fatal error; 0: none */
};

static char why_buf[512];

const char *net_tls_why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	return why_buf;
}

/* An unreadable file gets named before gnutls says something vaguer. */
static int check_readable(const char *what, const char *path, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*why = net_tls_why("cannot read TLS %s %s: %s", what, path,
				   strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int load_x509(struct net_tls_creds *cr, const char *cert,
		     const char *key, const char **why)
{
	char fp[NET_TLS_FP_LEN];
	int r;

	/* The certificate is parsed on its own first: a clearer error, and
	 * gnutls 3.7 leaks when set_x509_key_file meets a malformed one. */
	if (net_tls_fingerprint(cert, fp, sizeof(fp), why) < 0 ||
	    check_readable("key", key, why) < 0)
		return -1;
	r = gnutls_certificate_allocate_credentials(&cr->x509);
	if (r == 0)
		r = gnutls_certificate_set_x509_key_file(cr->x509, cert, key,
							 GNUTLS_X509_FMT_PEM);
	if (r == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
		*why = net_tls_why(
			"TLS key %s does not belong to certificate %s: "
			"give the key the certificate was made for",
			key, cert);
		return -1;
	}
	if (r < 0) {
		*why = net_tls_why(
			"TLS key %s: %s (an unencrypted PEM private key "
			"is expected)",
			key, gnutls_strerror(r));
		return -1;
	}
	/* DHE for TLS 1.2 viewers that lack ECDHE. */
	gnutls_certificate_set_known_dh_params(cr->x509,
					       GNUTLS_SEC_PARAM_MEDIUM);
	return 0;
}

struct net_tls_creds *net_tls_creds_new(const char *cert_file,
					const char *key_file, const char **why)
{
	struct net_tls_creds *cr = calloc(1, sizeof(*cr));
	int r;

	if (!cr) {
		*why = "out of memory";
		return NULL;
	}
	if (!cert_file != !key_file) {
		*why = "a TLS certificate needs both a certificate file and "
		       "its key file";
		goto err;
	}
	r = gnutls_anon_allocate_server_credentials(&cr->anon);
	if (r == 0)
		r = gnutls_anon_set_server_known_dh_params(
			cr->anon, GNUTLS_SEC_PARAM_MEDIUM);
	if (r < 0) {
		*why = net_tls_why("TLS: anonymous credentials: %s",
				   gnutls_strerror(r));
		goto err;
	}
	if (cert_file && load_x509(cr, cert_file, key_file, why) < 0)
		goto err;
	return cr;
err:
	net_tls_creds_free(cr);
	return NULL;
}

void net_tls_creds_free(struct net_tls_creds *cr)
{
	if (!cr)
		return;
	if (cr->anon)
		gnutls_anon_free_server_credentials(cr->anon);
	if (cr->x509)
		gnutls_certificate_free_credentials(cr->x509);
	free(cr);
}

bool net_tls_creds_have_x509(const struct net_tls_creds *cr)
{
	return cr->x509 != NULL;
}

/* The first failure wins and sticks: every later call repeats it. */
static int fail_with(struct tls *t, int err, const char *fmt, ...)
{
	va_list ap;

	if (!t->failed) {
		t->failed = err;
		va_start(ap, fmt);
		vsnprintf(t->base.error, sizeof(t->base.error), fmt, ap);
		va_end(ap);
	}
	errno = t->failed;
	return -1;
}

/* The inner layer failed: its own text if it has one (a WebSocket
 * error), else the errno's. */
static int fail_io(struct tls *t, int err)
{
	if (!err)
		err = EPIPE;
	if (t->inner->error[0])
		return fail_with(t, err, "%s", t->inner->error);
	return fail_with(t, err, "TLS: %s", strerror(err));
}

/* After a failure, read/write/flush keep reporting it. */
static int fail_again(struct tls *t)
{
	errno = t->failed;
	return -1;
}

static int fail_tls(struct tls *t, int r)
{
	if (r == GNUTLS_E_PULL_ERROR || r == GNUTLS_E_PUSH_ERROR)
		return fail_io(t, t->io_errno);
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED)
		return fail_with(t, EPROTO, "TLS: peer sent fatal alert: %s",
				 gnutls_alert_get_name(gnutls_alert_get(t->s)));
	return fail_with(t, EPROTO, "TLS: %s", gnutls_strerror(r));
}

static ssize_t tls_push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
	struct tls *t = p;

	buf_append(&t->out, data, len);
	if (t->out.failed) {
		t->io_errno = ENOMEM;
		gnutls_transport_set_errno(t->s, ENOMEM);
		return -1;
	}
	return (ssize_t)len;
}

static ssize_t tls_pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
	struct tls *t = p;
	ssize_t n = net_conn_read(t->inner, data, len);

	if (n < 0) {
		t->io_errno = errno;
		gnutls_transport_set_errno(t->s, errno);
	}
	return n;
}

/* gnutls asks this before a read that has a deadline.  We set none, and a
 * layer in an event loop must never wait: "go ahead", and the pull says
 * EAGAIN if there is nothing. */
static int tls_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	return 1;
}

/* Hand queued ciphertext to the inner layer: 0 when all of it is taken,
 * -1 with EAGAIN when some is left, -1 with another errno on failure. */
static int drain(struct tls *t)
{
	while (t->out.len) {
		ssize_t n = net_conn_write(t->inner, t->out.data, t->out.len);

		if (n < 0 && net_conn_again(errno))
			return -1;
		if (n <= 0)
			return fail_io(t, n < 0 ? errno : 0);
		buf_consume(&t->out, (size_t)n);
	}
	return 0;
}

/* A failure the peer may hear about: gnutls sends no alert by itself, and
 * a viewer showing "handshake failure" beats "connection closed". */
static int fail_alert(struct tls *t, int r)
{
	fail_tls(t, r);
	gnutls_alert_send_appropriate(t->s, r);
	drain(t);
	return fail_again(t);
}

/* Encrypt all of p into `out`; records go whole, as push never refuses. */
static int seal(struct tls *t, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = gnutls_record_send(t->s, p, len);

		if (n < 0)
			return fail_tls(t, (int)n);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void log_session(struct tls *t)
{
	char *desc;

	if (log_get_level() < LOG_DEBUG)
		return;
	desc = gnutls_session_get_desc(t->s);
	log_debug("%s: TLS: %s", t->base.peer, desc ? desc : "?");
	gnutls_free(desc);
}

/* Move the handshake on with what the peer has sent: 0 once it is done
 * (and the early plaintext sealed), -1 with EAGAIN while it waits for the
 * peer, or the failure. */
static int handshake(struct tls *t)
{
	int r = GNUTLS_E_AGAIN;

	for (int i = 0; i < TLS_RETRIES; i++) {
		r = gnutls_handshake(t->s);
		if (r == 0 || r == GNUTLS_E_AGAIN || gnutls_error_is_fatal(r))
			break;
	}
	if (r < 0 && gnutls_error_is_fatal(r))
		return fail_alert(t, r);
	if (drain(t) < 0 && !net_conn_again(errno))
		return -1;
	if (r < 0) {
		errno = EAGAIN;
		return -1;
	}
	t->ready = true;
	log_session(t);
	if (seal(t, t->early.data, t->early.len) < 0)
		return -1;
	buf_free(&t->early);
	if (drain(t) < 0 && !net_conn_again(errno))
		return -1;
	return 0;
}

/* One gnutls_record_recv with the non-fatal results dealt with. */
static ssize_t recv_plain(struct tls *t, void *buf, size_t len)
{
	for (int i = 0; i < TLS_RETRIES; i++) {
		ssize_t r = gnutls_record_recv(t->s, buf, len);

		if (r >= 0)
			return r; /* 0: close_notify */
		if (r == GNUTLS_E_AGAIN)
			break;
		/* A viewer that just closes its socket is leaving, not an
		 * attack: RFB messages carry their own lengths. */
		if (r == GNUTLS_E_PREMATURE_TERMINATION)
			return 0;
		if (r == GNUTLS_E_REHANDSHAKE)
			r = gnutls_alert_send(t->s, GNUTLS_AL_WARNING,
					      GNUTLS_A_NO_RENEGOTIATION);
		if (r < 0 && gnutls_error_is_fatal((int)r))
			return fail_alert(t, (int)r);
	}
	errno = EAGAIN;
	return -1;
}

static ssize_t tls_read(struct net_conn *c, void *buf, size_t len)
{
	struct tls *t = (struct tls *)c;
	ssize_t r;
	int err;

	if (t->failed)
		return fail_again(t);
	if (!t->ready && handshake(t) < 0)
		return -1;
	r = recv_plain(t, buf, len);
	err = errno;
	/* Reading can produce output (alerts, key updates).  A failure to
	 * send it surfaces now only if there is no data to return first. */
	if (drain(t) < 0 && !net_conn_again(errno) && r < 0)
		return -1;
	errno = err;
	return r;
}

static ssize_t tls_write(struct net_conn *c, const void *buf, size_t len)
{
	struct tls *t = (struct tls *)c;
	struct buf *q = t->ready ? &t->out : &t->early;

	if (t->failed)
		return fail_again(t);
	if (drain(t) < 0 && !net_conn_again(errno))
		return -1;
	if (q->len >= TLS_OUT_CAP) {
		errno = EAGAIN;
		return -1;
	}
	if (len > TLS_OUT_CAP - q->len)
		len = TLS_OUT_CAP - q->len;
	if (!t->ready) {
		buf_append(&t->early, buf, len);
		return t->early.failed ? fail_io(t, ENOMEM) : (ssize_t)len;
	}
	if (seal(t, buf, len) < 0)
		return -1;
	if (drain(t) < 0 && !net_conn_again(errno))
		return -1;
	return (ssize_t)len;
}

static size_t tls_pending_in(struct net_conn *c)
{
	struct tls *t = (struct tls *)c;

	if (t->failed)
		return 0;
	/* Bytes the inner layer holds count too: poll() cannot see them,
	 * and they may finish a record. */
	return net_conn_pending_in(t->inner) +
	       (t->ready ? gnutls_record_check_pending(t->s) : 0);
}

static size_t tls_pending_out(struct net_conn *c)
{
	struct tls *t = (struct tls *)c;

	return t->out.len + net_conn_pending_out(t->inner);
}

static int tls_flush(struct net_conn *c)
{
	struct tls *t = (struct tls *)c;

	if (t->failed)
		return fail_again(t);
	if (drain(t) < 0)
		return -1;
	if (net_conn_flush(t->inner) < 0)
		return net_conn_again(errno) ? -1 : fail_io(t, errno);
	return 0;
}

static void tls_destroy(struct net_conn *c)
{
	struct tls *t = (struct tls *)c;

	/* close_notify without waiting for the peer's, as the socket closes
	 * next: best effort, what the socket will not take now is lost. */
	if (t->ready && !t->failed) {
		gnutls_bye(t->s, GNUTLS_SHUT_WR);
		if (drain(t) == 0)
			net_conn_flush(t->inner);
	}
	gnutls_deinit(t->s);
	net_conn_destroy(t->inner);
	buf_free(&t->out);
	buf_free(&t->early);
	free(t);
}

static const struct net_conn_ops tls_ops = {
	.read = tls_read,
	.write = tls_write,
	.pending_in = tls_pending_in,
	.pending_out = tls_pending_out,
	.flush = tls_flush,
	.destroy = tls_destroy,
};

/* Anonymous sessions offer only anonymous key exchange, in TLS 1.2 (1.3
 * has none): from a viewer that also offers certificate suites or TLS 1.3,
 * gnutls would pick those and then fail for want of a certificate. */
static int session_init(struct tls *t, struct net_tls_creds *cr, bool x509)
{
	int r = gnutls_init(&t->s, GNUTLS_SERVER | GNUTLS_NONBLOCK);

	if (r < 0)
		return r;
	if (x509) {
		r = gnutls_priority_set_direct(t->s, "NORMAL", NULL);
		if (r == 0)
			r = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE,
						   cr->x509);
	} else {
		r = gnutls_priority_set_direct(
			t->s, "NORMAL:-VERS-TLS1.3:-KX-ALL:+ANON-ECDH:+ANON-DH",
			NULL);
		if (r == 0)
			r = gnutls_credentials_set(t->s, GNUTLS_CRD_ANON,
						   cr->anon);
	}
	if (r < 0) {
		gnutls_deinit(t->s);
		return r;
	}
	gnutls_transport_set_ptr(t->s, t);
	gnutls_transport_set_push_function(t->s, tls_push);
	gnutls_transport_set_pull_function(t->s, tls_pull);
	gnutls_transport_set_pull_timeout_function(t->s, tls_pull_timeout);
	/* The caller's handshake timer is the only deadline. */
	gnutls_handshake_set_timeout(t->s, 0);
	return 0;
}

struct net_conn *net_tls_new(struct net_tls_creds *creds,
			     struct net_conn *inner, bool x509,
			     const char **why)
{
	struct tls *t;
	int r;

	if (x509 && !creds->x509) {
		*why = "X.509 TLS asked for, but no certificate is loaded";
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		*why = "out of memory";
		return NULL;
	}
	r = session_init(t, creds, x509);
	if (r < 0) {
		*why = net_tls_why("TLS session: %s", gnutls_strerror(r));
		free(t);
		return NULL;
	}
	t->inner = inner;
	t->base.ops = &tls_ops;
	t->base.fd = inner->fd;
	memcpy(t->base.peer, inner->peer, sizeof(t->base.peer));
	buf_init(&t->out);
	buf_init(&t->early);
	return &t->base;
}
