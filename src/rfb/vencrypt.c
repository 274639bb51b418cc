/* VeNCrypt (rfbproto 7.2.19): version, subtype, TLS, then None, VNC
 * authentication or Plain.  Plain credentials are checked on a thread of
 * their own (PAM may take seconds) and the answer comes back through an
 * eventfd watched by the loop. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rfb/internal.h"
#include "util/log.h"

struct rfb_plain_job {
	struct rfb_client *c; /* NULL once the client is gone */
	struct loop *loop;
	bool (*check)(void *ctx, const char *user, const char *pass,
		      char *why);
	void *ctx;
	int efd;
	bool ok;
	char why[RFB_PLAIN_WHY]; /* the check's reason for a refusal */
	char *user, *pass; /* NUL-terminated, in `creds` */
	size_t pass_size;
	char creds[];
};

static bool offered(const struct rfb_server_opts *o, uint32_t subtype)
{
	for (int i = 0; i < o->nsecurity; i++)
		if (o->security[i] >= 256 && o->security[i] == subtype)
			return true;
	return false;
}

void rfb_vencrypt_start(struct rfb_client *c)
{
	buf_put_u8(&c->out, 0);
	buf_put_u8(&c->out, 2);
	c->state = RFB_CS_VC_VERSION;
	rfb_client_flush(c);
}

static ssize_t parse_version(struct rfb_client *c, const uint8_t *p,
			     size_t len)
{
	const struct rfb_server_opts *o = &c->srv->opts;
	int n = 0;

	if (len < 2)
		return 0;
	if (p[0] != 0 || p[1] != 2) {
		buf_put_u8(&c->out, 0xff);
		log_info("%s: refused: VeNCrypt version %u.%u (only 0.2)",
			 c->conn->peer, p[0], p[1]);
		rfb_client_finish(c);
		return -1;
	}
	for (int i = 0; i < o->nsecurity; i++)
		n += o->security[i] >= 256;
	buf_put_u8(&c->out, 0);
	buf_put_u8(&c->out, (uint8_t)n);
	for (int i = 0; i < o->nsecurity; i++)
		if (o->security[i] >= 256)
			buf_put_u32(&c->out, o->security[i]);
	c->state = RFB_CS_VC_SUBTYPE;
	rfb_client_flush(c);
	return 2;
}

static bool uses_tls(uint32_t subtype)
{
	return subtype >= RFB_VENCRYPT_TLSNONE &&
	       subtype <= RFB_VENCRYPT_X509PLAIN;
}

static bool uses_x509(uint32_t subtype)
{
	return subtype >= RFB_VENCRYPT_X509NONE;
}

/* What follows the encryption: the subtype's suffix. */
static void start_auth(struct rfb_client *c)
{
	switch (c->subtype) {
	case RFB_VENCRYPT_TLSVNC:
	case RFB_VENCRYPT_X509VNC:
		rfb_handshake_send_challenge(c);
		break;
	case RFB_VENCRYPT_PLAIN:
	case RFB_VENCRYPT_TLSPLAIN:
	case RFB_VENCRYPT_X509PLAIN:
		c->state = RFB_CS_PLAIN;
		break;
	default:
		rfb_handshake_auth_ok(c, false);
	}
}

static ssize_t parse_subtype(struct rfb_client *c, const uint8_t *p,
			     size_t len)
{
	struct rd r;

	if (len < 4)
		return 0;
	rd_init(&r, p, 4);
	c->subtype = rd_u32(&r);
	if (!offered(&c->srv->opts, c->subtype)) {
		buf_put_u8(&c->out, 0); /* not the "1" that means go on */
		log_info("%s: refused: VeNCrypt subtype %u was not offered",
			 c->conn->peer, c->subtype);
		rfb_client_finish(c);
		return -1;
	}
	if (!uses_tls(c->subtype)) {
		start_auth(c);
		return 4;
	}
	if (len > 4) {
		rfb_client_close(c, "sent data before TLS started");
		return -1;
	}
	/* The ack goes in clear; TLS starts once it has left (flush calls
	 * rfb_vencrypt_start_tls). */
	buf_put_u8(&c->out, 1);
	c->state = RFB_CS_TLS;
	rfb_client_flush(c);
	return 4;
}

void rfb_vencrypt_start_tls(struct rfb_client *c)
{
	const struct rfb_server_opts *o = &c->srv->opts;
	struct net_conn *tls = NULL;

	if (o->tls_wrap)
		tls = o->tls_wrap(o->tls_ctx, c->conn, uses_x509(c->subtype));
	if (!tls) {
		rfb_client_close(c, "TLS could not be started");
		return;
	}
	c->conn = tls;
	start_auth(c);
}

static void *plain_thread(void *data)
{
	struct rfb_plain_job *job = data;
	uint64_t one = 1;

	job->ok = job->check(job->ctx, job->user, job->pass, job->why);
	explicit_bzero(job->pass, job->pass_size);
	if (write(job->efd, &one, sizeof(one)) < 0)
		log_error("cannot report a Plain check: %s", strerror(errno));
	return NULL;
}

static void plain_done(void *data, int fd, unsigned events)
{
	struct rfb_plain_job *job = data;
	struct rfb_client *c = job->c;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
		return;
	loop_del_fd(job->loop, fd);
	close(fd);
	if (c) {
		c->plain = NULL;
		if (job->ok) {
			log_info("%s: Plain login as %s", c->conn->peer,
				 job->user);
			rfb_handshake_auth_ok(c, false);
		} else {
			char detail[RFB_PLAIN_WHY + 300];

			snprintf(detail, sizeof(detail),
				 "Plain login as %s refused%s%s", job->user,
				 job->why[0] ? ": " : "", job->why);
			rfb_handshake_auth_failed_log(c, "Authentication failed",
						      detail);
		}
	}
	free(job);
	/* A viewer may have sent ClientInit behind its credentials. */
	if (c && c->state == RFB_CS_INIT)
		rfb_client_parse_buffered(c);
}

void rfb_vencrypt_abandon(struct rfb_client *c)
{
	if (c->plain)
		c->plain->c = NULL;
	c->plain = NULL;
}

static int start_check(struct rfb_client *c, const uint8_t *user,
		       uint32_t ulen, const uint8_t *pass, uint32_t plen)
{
	const struct rfb_server_opts *o = &c->srv->opts;
	struct rfb_plain_job *job =
		calloc(1, sizeof(*job) + (size_t)ulen + plen + 2);
	pthread_t t;

	if (!job)
		return -1;
	job->user = job->creds;
	job->pass = job->creds + ulen + 1;
	job->pass_size = plen + 1;
	memcpy(job->user, user, ulen);
	memcpy(job->pass, pass, plen);
	job->c = c;
	job->loop = c->srv->loop;
	job->check = o->check_plain;
	job->ctx = o->plain_ctx;
	job->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (job->efd < 0 ||
	    loop_add_fd(job->loop, job->efd, LOOP_IN, plain_done, job) < 0)
		goto err;
	if (pthread_create(&t, NULL, plain_thread, job) != 0) {
		loop_del_fd(job->loop, job->efd);
		goto err;
	}
	pthread_detach(t);
	c->plain = job;
	c->state = RFB_CS_PLAIN_WAIT;
	return 0;
err:
	if (job->efd >= 0)
		close(job->efd);
	explicit_bzero(job->pass, job->pass_size);
	free(job);
	return -1;
}

/* Plain: u32 username length, u32 password length, then both; each is
 * capped before anything waits for or stores it. */
static ssize_t parse_plain(struct rfb_client *c, const uint8_t *p,
			   size_t len)
{
	uint32_t ulen, plen, max = c->srv->opts.max_plain;
	char why[96];
	struct rd r;

	if (len < 8)
		return 0;
	rd_init(&r, p, len);
	ulen = rd_u32(&r);
	plen = rd_u32(&r);
	if (ulen > max || plen > max) {
		/* SecurityResult can say why; the viewer is told, not cut. */
		snprintf(why, sizeof(why), "Plain credentials of %u+%u bytes "
			 "(limit %u each)", ulen, plen, max);
		rfb_handshake_auth_failed(c, why);
		return 8;
	}
	if (!rd_has(&r, (size_t)ulen + plen))
		return 0;
	if (!c->srv->opts.check_plain ||
	    start_check(c, p + 8, ulen, p + 8 + ulen, plen) < 0) {
		rfb_handshake_auth_failed(c, "Plain authentication unavailable");
		return 8;
	}
	return 8 + (ssize_t)ulen + plen;
}

ssize_t rfb_vencrypt_input(struct rfb_client *c, const uint8_t *p,
			   size_t len)
{
	switch (c->state) {
	case RFB_CS_VC_VERSION:
		return parse_version(c, p, len);
	case RFB_CS_VC_SUBTYPE:
		return parse_subtype(c, p, len);
	default:
		return parse_plain(c, p, len);
	}
}
