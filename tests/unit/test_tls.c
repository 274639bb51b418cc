/* The TLS layer (net/tls.c, net/tls_cert.c) against a real GnuTLS client:
 * anonymous and X.509 handshakes, data both ways in any split, the
 * pending_in/pending_out contract, hostile peers, and the self-signed
 * certificate on disk. */
#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

#include "tls_harness.h"

#define ANON_PRIO "NORMAL:+ANON-ECDH:+ANON-DH"
#define MIB (1024 * 1024)
/* More than the layer holds (64 KiB), in 61-byte writes. */
#define AWK_LEN 100000

static char tmpdir[] = "/tmp/test_tls.XXXXXX";
static char cert_a[256], key_a[256], cert_b[256];
static struct net_tls_creds *anon_creds, *x509_creds;

/* A server layer on one end of a socketpair, a client on the other. */
static void start(struct srv *s, struct cli *c, bool x509, const char *prio,
		  const char *trust, const char *host)
{
	const char *why = "";
	int sv[2];

	CHECK_EQ(pair(sv), 0);
	srv_init(s, net_tls_new(x509 ? x509_creds : anon_creds,
				net_conn_new_fd(sv[0], "test"), x509, &why));
	CHECKF(s->c, "net_tls_new: %s", why);
	cli_init(c, sv[1], prio, trust, host);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 2654435761u + seed) >> 13);
}

static void test_anon_handshake(void)
{
	static const char ver[] = "RFB 003.008\n";
	struct srv s;
	struct cli c;

	start(&s, &c, false, ANON_PRIO, NULL, NULL);
	/* The engine speaks first (SecurityResult, a challenge) without
	 * knowing when the handshake ends: kept, and no LOOP_OUT asked for
	 * while only the peer can move things on. */
	CHECK_EQ(net_conn_write(s.c, ver, 12), 12);
	CHECK_EQ(net_conn_pending_out(s.c), 0);
	if (!CHECK(run(&s, &c, 12, 0)))
		goto out;
	CHECK(!memcmp(c.in.data, ver, 12));
	CHECK_EQ(gnutls_kx_get(c.s), GNUTLS_KX_ANON_ECDH);
	CHECK_EQ(gnutls_protocol_get_version(c.s), GNUTLS_TLS1_2);
	c.out = (const uint8_t *)"hello";
	c.out_len = 5;
	CHECK(run(&s, &c, 12, 5) && !memcmp(s.in.data, "hello", 5));
	/* destroy sends close_notify: a clean end for the viewer */
	net_conn_destroy(s.c);
	s.c = NULL;
	for (int i = 0; i < 100 && c.rc == 1; i++)
		cli_step(&c);
	CHECK_EQ(c.rc, 0);
out:
	srv_free(&s);
	cli_free(&c);
}

static void test_anon_dh(void)
{
	struct srv s;
	struct cli c;

	start(&s, &c, false, "NORMAL:-KX-ALL:+ANON-DH:-VERS-TLS1.3", NULL,
	      NULL);
	srv_send(&s, "x", 1);
	CHECK(run(&s, &c, 1, 0));
	CHECK_EQ(gnutls_kx_get(c.s), GNUTLS_KX_ANON_DH);
	srv_free(&s);
	cli_free(&c);
}

/* A viewer that also offers TLS 1.3 (OpenSSL ones do) must still get
 * anonymous TLS 1.2: 1.3 has no anonymous key exchange. */
static void test_anon_offered_tls13(void)
{
	struct srv s;
	struct cli c;

	start(&s, &c, false, ANON_PRIO, NULL, NULL);
	gnutls_certificate_allocate_credentials(&c.x509);
	gnutls_credentials_set(c.s, GNUTLS_CRD_CERTIFICATE, c.x509);
	srv_send(&s, "x", 1);
	CHECKF(run(&s, &c, 1, 0), "server: %s", s.c->error);
	CHECK_EQ(gnutls_kx_get(c.s), GNUTLS_KX_ANON_ECDH);
	srv_free(&s);
	cli_free(&c);
}

/* 1 MiB each way: the layer splits it into records and caps what it
 * holds; small reads take it back out record by record. */
static void test_bulk(void)
{
	uint8_t *down = malloc(MIB), *up = malloc(MIB);
	struct srv s;
	struct cli c;

	fill(down, MIB, 1);
	fill(up, MIB, 2);
	start(&s, &c, false, ANON_PRIO, NULL, NULL);
	s.read_max = 1000;
	srv_send(&s, down, MIB);
	c.out = up;
	c.out_len = MIB;
	if (CHECK(run(&s, &c, MIB, MIB))) {
		CHECK(c.in.len == MIB && !memcmp(c.in.data, down, MIB));
		CHECK(s.in.len == MIB && !memcmp(s.in.data, up, MIB));
	}
	CHECK_EQ(s.rc, 1);
	srv_free(&s);
	cli_free(&c);
	free(down);
	free(up);
}

/* Decrypted bytes a short read leaves behind are invisible to poll(). */
static void test_pending_in(void)
{
	uint8_t msg[1000], got[1000];
	struct pollfd p;
	struct srv s;
	struct cli c;

	fill(msg, sizeof(msg), 3);
	start(&s, &c, false, ANON_PRIO, NULL, NULL);
	srv_send(&s, "x", 1);
	if (!CHECK(run(&s, &c, 1, 0)))
		goto out;
	CHECK_EQ(net_conn_pending_in(s.c), 0);
	CHECK_EQ(gnutls_record_send(c.s, msg, sizeof(msg)), sizeof(msg));
	p = (struct pollfd){ s.c->fd, POLLIN, 0 };
	CHECK_EQ(poll(&p, 1, 1000), 1);
	CHECK_EQ(net_conn_read(s.c, got, 10), 10);
	CHECK_EQ(net_conn_pending_in(s.c), 990);
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK_EQ(net_conn_read(s.c, got + 10, sizeof(got)), 990);
	CHECK(!memcmp(got, msg, sizeof(msg)));
	CHECK_EQ(net_conn_pending_in(s.c), 0);
	CHECK(net_conn_read(s.c, got, 1) == -1 && errno == EAGAIN);
out:
	srv_free(&s);
	cli_free(&c);
}

/* A peer that does not read: write() stops taking data (EAGAIN) with a
 * bounded amount held, and all it took still arrives intact. */
static void test_write_cap(void)
{
	uint8_t *data = malloc(4 * MIB), *early = malloc(MIB);
	size_t took = 0;
	ssize_t n;
	struct srv s;
	struct cli c;

	fill(data, 4 * MIB, 4);
	fill(early, MIB, 5);
	start(&s, &c, false, ANON_PRIO, NULL, NULL);
	n = net_conn_write(s.c, early, MIB);
	CHECK(n > 0 && n <= 64 * 1024);
	CHECK(net_conn_write(s.c, early, MIB) == -1 && errno == EAGAIN);
	CHECK_EQ(net_conn_pending_out(s.c), 0);
	if (!CHECK(run(&s, &c, (size_t)n, 0)))
		goto out;
	buf_clear(&c.in);
	while ((n = net_conn_write(s.c, data + took, 4 * MIB - took)) > 0)
		took += (size_t)n;
	CHECK(n == -1 && errno == EAGAIN);
	CHECKF(took < 4 * MIB, "took %zu", took);
	CHECKF(net_conn_pending_out(s.c) <= 96 * 1024, "holds %zu",
	       net_conn_pending_out(s.c));
	CHECK(run(&s, &c, took, 0));
	CHECK(c.in.len == took && !memcmp(c.in.data, data, took));
out:
	srv_free(&s);
	cli_free(&c);
	free(data);
	free(early);
}

/* A server layer over a trickle layer over one end of a socketpair. */
static void start_trickle(struct srv *s, struct cli *c)
{
	struct trickle *t = calloc(1, sizeof(*t));
	const char *why = "";
	int sv[2];

	CHECK_EQ(pair(sv), 0);
	t->base.ops = &trickle_ops;
	t->fd = net_conn_new_fd(sv[0], "test");
	t->base.fd = sv[0];
	srv_init(s, net_tls_new(anon_creds, &t->base, false, &why));
	cli_init(c, sv[1], ANON_PRIO, NULL, NULL);
}

static void test_awkward_inner(void)
{
	uint8_t *down = malloc(AWK_LEN), *up = malloc(AWK_LEN);
	struct srv s;
	struct cli c;

	fill(down, AWK_LEN, 5);
	fill(up, AWK_LEN, 6);
	start_trickle(&s, &c);
	srv_send(&s, down, AWK_LEN);
	c.out = up;
	c.out_len = AWK_LEN;
	if (CHECK(run(&s, &c, AWK_LEN, AWK_LEN))) {
		CHECK(!memcmp(c.in.data, down, AWK_LEN));
		CHECK(!memcmp(s.in.data, up, AWK_LEN));
	}
	srv_free(&s);
	cli_free(&c);
	free(down);
	free(up);
}

/* Whole records held by the inner layer count as pending input: nothing
 * else would wake the reader for them. */
static void test_inner_pending(void)
{
	struct pollfd p;
	char got[100];
	struct srv s;
	struct cli c;

	start_trickle(&s, &c);
	srv_send(&s, "x", 1);
	if (!CHECK(run(&s, &c, 1, 0)))
		goto out;
	CHECK_EQ(gnutls_record_send(c.s, "0123456789", 10), 10);
	CHECK_EQ(gnutls_record_send(c.s, "abcdefghij", 10), 10);
	p = (struct pollfd){ s.c->fd, POLLIN, 0 };
	CHECK_EQ(poll(&p, 1, 1000), 1);
	CHECK_EQ(net_conn_read(s.c, got, sizeof(got)), 10);
	CHECK(!memcmp(got, "0123456789", 10));
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK(net_conn_pending_in(s.c) > 0);
	CHECK_EQ(net_conn_read(s.c, got, sizeof(got)), 10);
	CHECK(!memcmp(got, "abcdefghij", 10));
	CHECK_EQ(net_conn_pending_in(s.c), 0);
out:
	srv_free(&s);
	cli_free(&c);
}

static void test_x509(void)
{
	static const char *const good[] = { "localhost", "127.0.0.1", "::1" };
	char host[256] = "";
	struct srv s;
	struct cli c;
	bool ok;

	CHECK(net_tls_creds_have_x509(x509_creds));
	CHECK(!net_tls_creds_have_x509(anon_creds));
	for (int i = 0; i < 3; i++) {
		start(&s, &c, true, "NORMAL", cert_a, good[i]);
		srv_send(&s, "ok", 2);
		ok = run(&s, &c, 2, 0);
		CHECKF(ok, "verify as %s: %s", good[i],
		       c.hs < 0 ? gnutls_strerror(c.hs) : "timeout");
		CHECK_EQ(gnutls_certificate_type_get(c.s), GNUTLS_CRT_X509);
		srv_free(&s);
		cli_free(&c);
	}
	gethostname(host, sizeof(host) - 1);
	start(&s, &c, true, "NORMAL", cert_a, host);
	CHECKF(run(&s, &c, 0, 0), "verify as host name %s", host);
	srv_free(&s);
	cli_free(&c);
}

/* The viewer rejects the certificate and says so: the server end fails
 * with a TLS error rather than waiting. */
static void expect_rejected(const char *prio, const char *trust,
			    const char *host, int cli_err)
{
	struct srv s;
	struct cli c;

	start(&s, &c, true, prio, trust, host);
	CHECK(!run(&s, &c, 0, 1));
	/* the server may fail first; let the viewer read its alert */
	for (int i = 0; i < 100 && c.hs == 0; i++)
		cli_step(&c);
	CHECKF(c.hs == cli_err, "client: %s", gnutls_strerror(c.hs));
	CHECK_EQ(s.rc, -1);
	CHECKF(!strncmp(s.c->error, "TLS: ", 5), "error \"%s\"", s.c->error);
	srv_free(&s);
	cli_free(&c);
}

static void test_x509_rejected(void)
{
	expect_rejected("NORMAL", cert_b, "localhost",
			GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR);
	expect_rejected("NORMAL", cert_a, "example.com",
			GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR);
	/* X509* subtypes never fall back to anonymous key exchange */
	expect_rejected("NORMAL:-KX-ALL:+ANON-ECDH:+ANON-DH", NULL, NULL,
			GNUTLS_E_FATAL_ALERT_RECEIVED);
}

static void test_x509_needs_cert(void)
{
	const char *why = NULL;
	int sv[2];
	struct net_conn *inner;

	CHECK_EQ(pair(sv), 0);
	inner = net_conn_new_fd(sv[0], "test");
	CHECK(!net_tls_new(anon_creds, inner, true, &why));
	CHECK(why && strstr(why, "certificate"));
	net_conn_destroy(inner); /* still ours */
	close(sv[1]);
}

/* Bytes that are no ClientHello: -1 EPROTO, a reason, and it sticks. */
static void expect_garbage_fails(const void *bytes, size_t n)
{
	const char *why = "";
	uint8_t b[16];
	struct net_conn *t;
	struct pollfd p;
	int sv[2];

	CHECK_EQ(pair(sv), 0);
	t = net_tls_new(anon_creds, net_conn_new_fd(sv[0], "t"), false, &why);
	CHECK_EQ(write(sv[1], bytes, n), (ssize_t)n);
	p = (struct pollfd){ sv[0], POLLIN, 0 };
	CHECK_EQ(poll(&p, 1, 1000), 1);
	CHECK(net_conn_read(t, b, sizeof(b)) == -1 && errno == EPROTO);
	CHECKF(!strncmp(t->error, "TLS: ", 5) && strlen(t->error) > 8,
	       "error \"%s\"", t->error);
	CHECK(net_conn_read(t, b, sizeof(b)) == -1 && errno == EPROTO);
	CHECK(net_conn_write(t, "x", 1) == -1 && errno == EPROTO);
	CHECK(net_conn_flush(t) == -1 && errno == EPROTO);
	CHECK_EQ(net_conn_pending_in(t), 0);
	net_conn_destroy(t);
	close(sv[1]);
}

static void test_garbage(void)
{
	/* a handshake record holding a ClientHello 4 bytes long */
	static const char bad_hello[] = "\x16\x03\x01\x00\x08"
					"\x01\x00\x00\x04\xde\xad\xbe\xef";
	uint8_t noise[300];

	expect_garbage_fails("RFB 003.008\n", 12);
	expect_garbage_fails(bad_hello, sizeof(bad_hello) - 1);
	fill(noise, sizeof(noise), 7);
	noise[0] = 0x16;
	expect_garbage_fails(noise, sizeof(noise));
}

/* Wait for the server end to become readable, then serve it. */
static void srv_wake(struct srv *s)
{
	struct pollfd p = { s->c->fd, POLLIN, 0 };

	CHECK_EQ(poll(&p, 1, 1000), 1);
	srv_step(s);
}

/* The viewer goes away after its ClientHello, either with a clean end of
 * stream or leaving our reply unread (which a Unix socket reports as a
 * reset): an error, not a hang, and not a quiet end of stream. */
static void test_close_mid_handshake(void)
{
	for (int unread = 0; unread < 2; unread++) {
		struct srv s;
		struct cli c;

		start(&s, &c, false, ANON_PRIO, NULL, NULL);
		cli_step(&c); /* ClientHello */
		if (!unread)
			shutdown(c.fd, SHUT_WR);
		srv_wake(&s);
		if (unread)
			cli_close(&c);
		CHECK(!run(&s, &c, 0, 1));
		CHECK_EQ(s.rc, -1);
		CHECKF(!strncmp(s.c->error, "TLS: ", 5), "error \"%s\"",
		       s.c->error);
		srv_free(&s);
		cli_free(&c);
	}
}

/* End of stream inside a record: wait for the rest, then fail. */
static void test_eof_mid_record(void)
{
	static const char part[] = "\x16\x03\x01\x01\x00\x01\x00\x00\xfc";
	const char *why = "";
	struct net_conn *t;
	struct pollfd p;
	uint8_t b[16];
	int sv[2];

	CHECK_EQ(pair(sv), 0);
	t = net_tls_new(anon_creds, net_conn_new_fd(sv[0], "t"), false, &why);
	CHECK_EQ(write(sv[1], part, sizeof(part) - 1), sizeof(part) - 1);
	p = (struct pollfd){ sv[0], POLLIN, 0 };
	CHECK_EQ(poll(&p, 1, 1000), 1);
	CHECK(net_conn_read(t, b, sizeof(b)) == -1 && errno == EAGAIN);
	close(sv[1]);
	CHECK_EQ(poll(&p, 1, 1000), 1);
	CHECK(net_conn_read(t, b, sizeof(b)) == -1 && errno == EPROTO);
	CHECKF(!strncmp(t->error, "TLS: ", 5), "error \"%s\"", t->error);
	net_conn_destroy(t);
}

/* A loopback TCP pair, so that the client end can be reset. */
static void tcp_pair(int sv[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	      listen(l, 1) == 0 &&
	      getsockname(l, (struct sockaddr *)&a, &alen) == 0);
	sv[1] = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(connect(sv[1], (struct sockaddr *)&a, sizeof(a)), 0);
	sv[0] = accept(l, NULL, NULL);
	close(l);
}

static void test_reset_mid_handshake(void)
{
	struct linger lg = { 1, 0 };
	const char *why = "";
	struct srv s;
	struct cli c;
	int sv[2];

	tcp_pair(sv);
	srv_init(&s, net_tls_new(anon_creds, net_conn_new_fd(sv[0], NULL),
				 false, &why));
	cli_init(&c, sv[1], ANON_PRIO, NULL, NULL);
	cli_step(&c);
	srv_wake(&s);
	setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	cli_close(&c); /* with unread data and linger 0: RST */
	CHECK(!run(&s, &c, 0, 1));
	CHECK(s.rc == -1 && s.err == ECONNRESET);
	CHECKF(!strcmp(s.c->error, "TLS: Connection reset by peer"),
	       "error \"%s\"", s.c->error);
	srv_free(&s);
	cli_free(&c);
}

/* After the handshake, close_notify or a plain close both read as 0. */
static void test_end_of_stream(void)
{
	for (int bye = 0; bye < 2; bye++) {
		struct srv s;
		struct cli c;

		start(&s, &c, false, ANON_PRIO, NULL, NULL);
		srv_send(&s, "x", 1);
		CHECK(run(&s, &c, 1, 0));
		if (bye)
			CHECK_EQ(gnutls_bye(c.s, GNUTLS_SHUT_WR), 0);
		else
			cli_close(&c);
		CHECK(!run(&s, &c, 1, 1));
		CHECK_EQ(s.rc, 0);
		CHECK_STR(s.c->error, "");
		srv_free(&s);
		cli_free(&c);
	}
}

static bool fingerprint_ok(const char *fp)
{
	if (strlen(fp) != 95)
		return false;
	for (int i = 0; i < 95; i++)
		if (i % 3 == 2 ? fp[i] != ':'
			       : !strchr("0123456789ABCDEF", fp[i]))
			return false;
	return true;
}

/* SHA-256 over the DER, computed here without the module's help. */
static void der_sha256(const char *cert, char *out)
{
	gnutls_datum_t pem = { 0 }, der = { 0 };
	uint8_t md[32];

	CHECK_EQ(gnutls_load_file(cert, &pem), 0);
	CHECK_EQ(gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der), 0);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, md);
	for (int i = 0; i < 32; i++)
		sprintf(out + 3 * i, i < 31 ? "%02X:" : "%02X", md[i]);
	gnutls_free(pem.data);
	gnutls_free(der.data);
}

static void check_cert_fields(const char *path)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t pem = { 0 };
	char cn[256] = "", host[256] = "";
	size_t cnlen = sizeof(cn);
	unsigned ca = 1;
	time_t left;

	gnutls_x509_crt_init(&crt);
	CHECK_EQ(gnutls_load_file(path, &pem), 0);
	CHECK_EQ(gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM), 0);
	gethostname(host, sizeof(host) - 1);
	gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
				      cn, &cnlen);
	CHECK_STR(cn, host);
	left = gnutls_x509_crt_get_expiration_time(crt) - time(NULL);
	CHECKF(left > 3650L * 86400 && left < 3660L * 86400, "left %ld",
	       (long)left);
	CHECK(gnutls_x509_crt_get_activation_time(crt) <= time(NULL));
	CHECK(gnutls_x509_crt_get_basic_constraints(crt, NULL, &ca, NULL) >=
		      0 &&
	      ca == 0);
	CHECK_EQ(gnutls_x509_crt_get_pk_algorithm(crt, NULL), GNUTLS_PK_ECDSA);
	CHECK(gnutls_x509_crt_check_hostname(crt, "localhost"));
	CHECK(gnutls_x509_crt_check_ip(crt, (const uint8_t *)"\x7f\0\0\1", 4,
				       0));
	CHECK(!gnutls_x509_crt_check_hostname(crt, "example.com"));
	gnutls_free(pem.data);
	gnutls_x509_crt_deinit(crt);
}

static void test_selfsigned(void)
{
	char dir[300], fp[NET_TLS_FP_LEN], fp2[NET_TLS_FP_LEN], want[100];
	char *cert = NULL, *key = NULL, *cert2 = NULL, *key2 = NULL;
	const char *why = "";
	struct stat st, st2;

	snprintf(dir, sizeof(dir), "%s/new/xrfbshare", tmpdir);
	CHECKF(net_tls_ensure_selfsigned(dir, &cert, &key, fp, sizeof(fp),
					 &why) == 0,
	       "%s", why);
	if (!CHECK(cert && key))
		return;
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(fingerprint_ok(fp));
	der_sha256(cert, want);
	CHECK_STR(fp, want);
	check_cert_fields(cert);
	/* the second time: the same files, untouched */
	CHECK_EQ(net_tls_ensure_selfsigned(dir, &cert2, &key2, fp2, sizeof(fp2),
					   &why),
		 0);
	CHECK_STR(fp2, fp);
	CHECK_STR(cert2, cert);
	CHECK(stat(key, &st2) == 0 && st2.st_ino == st.st_ino &&
	      st2.st_mtime == st.st_mtime);
	free(cert2);
	free(key2);
	/* a key others can read is refused, half a pair too */
	chmod(key, 0644);
	CHECK_EQ(net_tls_ensure_selfsigned(dir, &cert2, &key2, fp2, sizeof(fp2),
					   &why),
		 -1);
	CHECKF(strstr(why, key) && strstr(why, "chmod 600"), "%s", why);
	unlink(key);
	CHECK_EQ(net_tls_ensure_selfsigned(dir, &cert2, &key2, fp2, sizeof(fp2),
					   &why),
		 -1);
	CHECKF(strstr(why, key) && strstr(why, cert), "%s", why);
	free(cert);
	free(key);
}

static void expect_creds_fail(const char *cert, const char *key,
			      const char *needle)
{
	const char *why = NULL;

	CHECK(!net_tls_creds_new(cert, key, &why));
	CHECKF(why && strstr(why, needle), "\"%s\" lacks \"%s\"",
	       why ? why : "(null)", needle);
}

static void test_creds_errors(void)
{
	char bad[300];
	FILE *f;

	snprintf(bad, sizeof(bad), "%s/bad.pem", tmpdir);
	f = fopen(bad, "w");
	fputs("-----BEGIN CERTIFICATE-----\nnot base64\n", f);
	fclose(f);
	expect_creds_fail("/nonexistent/c.pem", key_a, "/nonexistent/c.pem");
	expect_creds_fail(cert_a, "/nonexistent/k.pem", "/nonexistent/k.pem");
	expect_creds_fail(bad, key_a, bad);
	expect_creds_fail(cert_a, bad, bad);
	expect_creds_fail(cert_b, key_a, "does not belong");
	expect_creds_fail(cert_a, NULL, "key");
}

/* Two self-signed identities: A serves, B is someone else's. */
static void setup(void)
{
	char dir[300], fp[NET_TLS_FP_LEN], *c, *k;
	const char *why = "";

	if (!mkdtemp(tmpdir))
		abort();
	for (int i = 0; i < 2; i++) {
		snprintf(dir, sizeof(dir), "%s/%c", tmpdir, 'a' + i);
		if (net_tls_ensure_selfsigned(dir, &c, &k, fp, sizeof(fp),
					      &why) < 0) {
			printf("setup: %s\n", why);
			abort();
		}
		snprintf(i ? cert_b : cert_a, sizeof(cert_a), "%s", c);
		if (!i)
			snprintf(key_a, sizeof(key_a), "%s", k);
		free(c);
		free(k);
	}
	anon_creds = net_tls_creds_new(NULL, NULL, &why);
	x509_creds = net_tls_creds_new(cert_a, key_a, &why);
	if (!anon_creds || !x509_creds) {
		printf("setup: %s\n", why);
		abort();
	}
}

int main(void)
{
	char cmd[320];

	signal(SIGPIPE, SIG_IGN);
	setup();
	UNIT_RUN(test_anon_handshake);
	UNIT_RUN(test_anon_dh);
	UNIT_RUN(test_anon_offered_tls13);
	UNIT_RUN(test_bulk);
	UNIT_RUN(test_pending_in);
	UNIT_RUN(test_write_cap);
	UNIT_RUN(test_awkward_inner);
	UNIT_RUN(test_inner_pending);
	UNIT_RUN(test_x509);
	UNIT_RUN(test_x509_rejected);
	UNIT_RUN(test_x509_needs_cert);
	UNIT_RUN(test_garbage);
	UNIT_RUN(test_close_mid_handshake);
	UNIT_RUN(test_eof_mid_record);
	UNIT_RUN(test_reset_mid_handshake);
	UNIT_RUN(test_end_of_stream);
	UNIT_RUN(test_selfsigned);
	UNIT_RUN(test_creds_errors);
	net_tls_creds_free(anon_creds);
	net_tls_creds_free(x509_creds);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", tmpdir);
	return UNIT_DONE();
}
