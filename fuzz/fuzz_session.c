/* fuzz_session: a whole client session from its first byte, as a
 * listener hands it on: the sniffer (RFB, HTTP or TLS), for HTTP the
 * front and a WebSocket upgrade, then the real engine with a fake
 * desktop (fuzz/session.h): version, security (None, VNC
 * authentication, VeNCrypt Plain), ClientInit, then messages.
 * Input: one configuration byte, then the client's bytes.
 *   bits 0-2  security offered (configs[] below)
 *   bits 3-5  the client's bytes arrive in chunks of chunks[] bytes
 *   bit 6     not shared: ClientInit's flag matters
 *   bit 7     small caps: cut text, output queue, no clipboard
 * VNC challenges are zeros here, so the answer for "secret" is fixed
 * (fuzz/corpus/session has one); Plain accepts user / pass. */
#include <string.h>

#include "session.h"

#define PLAIN_MAX 32 /* lowered: the limit path is reachable */

static bool check_plain(void *ctx, const char *user, const char *pass,
			char *why)
{
	/* The engine hands over NUL-terminated strings within the cap. */
	FUZZ_ASSERT(strlen(user) <= PLAIN_MAX && strlen(pass) <= PLAIN_MAX);
	return !strcmp(user, "user") && !strcmp(pass, "pass");
}

struct sec_config {
	const char *passwd, *view_passwd;
	bool viewonly;
	uint32_t security[4];
	int nsecurity;
};

static const struct sec_config configs[8] = {
	{ NULL, NULL, false, { RFB_SEC_NONE }, 1 },
	{ "secret", NULL, false, { RFB_SEC_VNCAUTH }, 1 },
	{ NULL, NULL, false, { RFB_VENCRYPT_PLAIN }, 1 },
	{ "secret", "view", false, { RFB_SEC_VNCAUTH }, 1 },
	{ NULL, NULL, false, { RFB_VENCRYPT_PLAIN, RFB_SEC_NONE }, 2 },
	{ "secret", NULL, false,
	  { RFB_SEC_VNCAUTH, RFB_VENCRYPT_PLAIN, RFB_VENCRYPT_TLSPLAIN,
	    RFB_VENCRYPT_X509NONE }, 4 },
	{ NULL, NULL, true, { RFB_SEC_NONE }, 1 },
	{ "secret", NULL, false,
	  { RFB_SEC_NONE, RFB_SEC_VNCAUTH, RFB_VENCRYPT_PLAIN }, 3 },
};

static const size_t chunks[8] = { 0, 1, 2, 3, 7, 13, 64, 512 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sec_config *sc;
	struct rfb_server_opts o = { 0 };
	uint8_t cfg;

	if (size < 1)
		return 0;
	cfg = data[0];
	sc = &configs[cfg & 7];
	o.passwd = sc->passwd;
	o.view_passwd = sc->view_passwd;
	o.viewonly = sc->viewonly;
	memcpy(o.security, sc->security, sizeof(sc->security));
	o.nsecurity = sc->nsecurity;
	o.shared = !(cfg & 0x40);
	o.max_plain = PLAIN_MAX;
	o.check_plain = check_plain;
	if (cfg & 0x80) {
		o.max_cuttext = 64;
		o.max_queue = 16384;
		o.noclipboard = true;
	}
	fz_start_as(o, true);
	fz_feed_chunked(data + 1, size - 1, chunks[cfg >> 3 & 7]);
	fz_end();
	return 0;
}
