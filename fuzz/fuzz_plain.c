/* fuzz_plain: VeNCrypt (rfbproto 7.2.19) from its version exchange on:
 * the subtype, then Plain credentials (or VNC authentication) and the
 * rest of the session, through the real engine (fuzz/session.h) with the
 * Plain cap lowered to 16 bytes.  TLS subtypes get a pass-through layer,
 * so what follows their ack is parsed too.  Input: one byte (bits 0-1 the
 * subtypes offered, bits 2-4 the chunk size), then the client's bytes
 * after "RFB 003.008\n" and security type 19.  Plain accepts user / pass;
 * the check must see NUL-terminated strings within the cap, once per
 * login, and only for a Plain subtype. */
#include <string.h>

#include "session.h"

#define PLAIN_MAX 16

static int checks;

static bool check_plain(void *ctx, const char *user, const char *pass,
			char *why)
{
	struct rfb_client *c = srv->clients;

	FUZZ_ASSERT(strlen(user) <= PLAIN_MAX && strlen(pass) <= PLAIN_MAX);
	FUZZ_ASSERT(c && (c->subtype == RFB_VENCRYPT_PLAIN ||
			  c->subtype == RFB_VENCRYPT_TLSPLAIN ||
			  c->subtype == RFB_VENCRYPT_X509PLAIN));
	FUZZ_ASSERT(++checks == 1);
	return !strcmp(user, "user") && !strcmp(pass, "pass");
}

/* TLS that is not: the bytes after the ack go on in the clear. */
static struct net_conn *tls_wrap(void *ctx, struct net_conn *inner, bool x509)
{
	return inner;
}

static const uint32_t offers[4][4] = {
	{ RFB_VENCRYPT_PLAIN },
	{ RFB_VENCRYPT_TLSPLAIN, RFB_VENCRYPT_X509PLAIN },
	{ RFB_VENCRYPT_PLAIN, RFB_VENCRYPT_TLSNONE, RFB_VENCRYPT_TLSVNC },
	{ RFB_VENCRYPT_X509VNC, RFB_VENCRYPT_PLAIN, RFB_VENCRYPT_X509NONE,
	  RFB_VENCRYPT_TLSPLAIN },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t hello[] = { 'R', 'F', 'B', ' ', '0', '0',
					 '3', '.', '0', '0', '8', '\n', 19 };
	static const size_t chunks[8] = { 0, 1, 2, 3, 4, 8, 9, 100 };
	struct rfb_server_opts o = { .shared = true, .passwd = "secret" };
	uint8_t cfg;

	if (size < 1)
		return 0;
	cfg = data[0];
	memcpy(o.security, offers[cfg & 3], sizeof(offers[0]));
	for (o.nsecurity = 0; o.nsecurity < 4 && o.security[o.nsecurity];)
		o.nsecurity++;
	o.max_plain = PLAIN_MAX;
	o.check_plain = check_plain;
	o.tls_wrap = tls_wrap;
	checks = 0;
	fz_start(o);
	if (fz_feed(hello, sizeof(hello)))
		fz_feed_chunked(data + 1, size - 1, chunks[cfg >> 2 & 7]);
	fz_end();
	return 0;
}
