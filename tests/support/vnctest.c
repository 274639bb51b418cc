// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnctest: a scriptable VNC viewer for the integration tests, built on
 * libvncclient so that the server is checked by a decoder it did not write.
 *
 *   vnctest [options] [HOST:]PORT | [IPV6]:PORT | /UNIX/SOCKET
 *
 * It connects, waits for the first full update, optionally compares the
 * decoded framebuffer with an X display pixel for pixel, sends scripted
 * input, and exits 0 when everything asked for worked.  See usage().
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <rfb/rfbclient.h>

#define VV_NAME "vnctest"
#include "vncview.h"

struct opts {
	char *host;
	int port;
	const char *format;
	const char *encodings;
	const char *password;
	const char *user;
	const char *x509_ca;
	uint32_t security; /* the only security type accepted; 0: any */
	const char *display;
	const char *wait_file;
	const char *type;
	bool type_shift;
	bool qemu;	/* keys as QEMU Extended Key Events */
	KeySym taps[8]; /* pressed and released before typing */
	int ntaps;
	const char *dump;
	int quality, compress;
	bool no_jpeg;
	double timeout;
	double stay;
	int click_x, click_y, click_button;
	KeySym hold_keys[8];
	int nhold_keys;
	int hold_button;
	bool expect_auth_fail;
	bool expect_cert_fail;
	bool verbose;
};

static struct opts opt = {
	.host = "127.0.0.1",
	.format = "32le",
	.encodings = "zrle raw",
	.quality = -1,
	.compress = -1,
	.timeout = 20,
};

/* What the libvncclient callbacks saw. */
static struct {
	unsigned long updates;
	int fb_allocs; /* the first, then one per DesktopSize change */
	bool password_asked;
	bool auth_refused;
	bool cert_rejected; /* VeNCrypt X.509: the server's was not trusted */
	bool credential_asked;
} seen;

static void usage(void)
{
	fprintf(stderr,
		"usage: vnctest [options] [HOST:]PORT | [IPV6]:PORT | "
		"/UNIX/SOCKET\n"
		"  --format 32le|32be|32bex|16|8  pixel format (default 32le)\n"
		"  --bpp 32|16               same as --format 32le / 16\n"
		"  --encodings LIST          encodings to offer (\"zrle raw\")\n"
		"  --quality N               quality level 0-9 (Tight JPEG, "
		"ZYWRLE)\n"
		"  --compress N              compression level 0-9 (Tight, "
		"Zlib)\n"
		"  --no-jpeg                 Tight without JPEG (lossless)\n"
		"  --password PASS           answer VNC authentication\n"
		"  --expect-auth-fail        succeed only if auth is refused\n"
		"  --user NAME               VeNCrypt Plain user (password: "
		"--password)\n"
		"  --x509-ca FILE            trust anchor for VeNCrypt X509*\n"
		"  --security none|vnc|vencrypt  take only this security type "
		"(default:\n"
		"                            the server's first that "
		"libvncclient has)\n"
		"  --expect-cert-fail        succeed only if the server's "
		"certificate\n"
		"                            is rejected (not trusted by "
		"--x509-ca)\n"
		"  --wait-for FILE           keep receiving updates until FILE "
		"exists\n"
		"  --compare-display :N      compare with the X display\n"
		"  --timeout S               compare/wait limit (default 20)\n"
		"  --type TEXT               type TEXT (UTF-8) as keysyms: "
		"Latin-1 as\n"
		"                            is, other Unicode as "
		"0x01000000+U, \\n Return\n"
		"  --type-shift              press Shift_L around shifted chars\n"
		"  --qemu                    send keys as QEMU Extended Key "
		"Events with\n"
		"                            US-layout XT scancodes (waits "
		"for the\n"
		"                            server to announce them)\n"
		"  --type-qemu TEXT          --qemu --type TEXT (ASCII only)\n"
		"  --tap KEYSYM              press and release KEYSYM before "
		"typing\n"
		"                            (repeatable)\n"
		"  --click X,Y[,BUTTON]      press and release a button\n"
		"  --hold-key KEYSYM         press KEYSYM, never release it "
		"(repeatable)\n"
		"  --hold-button N           press button N, never release it\n"
		"  --stay S                  stay connected S seconds at the end\n"
		"  --then-exit               exit right after the actions\n"
		"  --dump FILE.ppm           write the framebuffer as PPM\n"
		"  --verbose                 show all libvncclient messages\n");
	exit(2);
}

static bool is_trouble(const char *line)
{
	static const char *words[] = { "fail", "error", "unable", "closed",
				       "refused", "unknown", "warning",
				       "too many", "corrupt", "expected" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(line, words[i]))
			return true;
	return false;
}

/* libvncclient logs through these: keep its complaints (all with -v) and
 * notice refusals. */
static void client_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (opt.verbose || is_trouble(line))
		fprintf(stderr, "vnctest: libvncclient: %s", line);
	if (strstr(line, "VNC authentication failed") ||
	    strstr(line, "VNC connection failed"))
		seen.auth_refused = true;
	/* libvncclient's GnuTLS certificate check (tls_gnutls.c) */
	if (strstr(line, "certificate is not trusted") ||
	    strstr(line, "hasn't got a known issuer") ||
	    strstr(line, "does not match hostname"))
		seen.cert_rejected = true;
}

static char *get_password(rfbClient *cl)
{
	seen.password_asked = true;
	return strdup(opt.password ? opt.password : "");
}

/* VeNCrypt: the X.509 trust anchor, or the Plain user and password.
 * libvncclient frees what we return. */
static rfbCredential *get_credential(rfbClient *cl, int type)
{
	rfbCredential *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	seen.credential_asked = true;
	if (type == rfbCredentialTypeX509) {
		if (!opt.x509_ca) {
			fprintf(stderr, "vnctest: the server wants X.509 "
					"VeNCrypt: give --x509-ca FILE\n");
			free(c);
			return NULL;
		}
		c->x509Credential.x509CACertFile = strdup(opt.x509_ca);
		c->x509Credential.x509CrlVerifyMode = rfbX509CrlVerifyNone;
	} else if (type == rfbCredentialTypeUser) {
		seen.password_asked = true;
		c->userCredential.username = strdup(opt.user ? opt.user : "");
		c->userCredential.password =
			strdup(opt.password ? opt.password : "");
	} else {
		free(c);
		return NULL;
	}
	return c;
}

static void finished_update(rfbClient *cl)
{
	seen.updates++;
}

/* libvncclient's own allocator, wrapped to count the resizes. */
static MallocFrameBufferProc lvc_malloc_fb;

static rfbBool malloc_fb(rfbClient *cl)
{
	if (seen.fb_allocs++)
		fprintf(stderr, "vnctest: framebuffer resized to %dx%d\n",
			cl->width, cl->height);
	return lvc_malloc_fb(cl);
}

static void parse_click(const char *s)
{
	int n = sscanf(s, "%d,%d,%d", &opt.click_x, &opt.click_y,
		       &opt.click_button);

	if (n < 2)
		usage();
	if (n == 2)
		opt.click_button = 1;
	if (opt.click_button < 1 || opt.click_button > 8)
		usage();
}

static KeySym parse_keysym(const char *s)
{
	KeySym ks = XStringToKeysym(s);
	char *end;

	if (ks != NoSymbol)
		return ks;
	ks = strtoul(s, &end, 0);
	if (*end || !ks) {
		fprintf(stderr, "vnctest: unknown keysym %s\n", s);
		exit(2);
	}
	return ks;
}

static void add_keysym(KeySym *list, int *n, const char *s)
{
	if (*n == 8) {
		fprintf(stderr, "vnctest: at most 8 keys\n");
		exit(2);
	}
	list[(*n)++] = parse_keysym(s);
}

static void parse_port(const char *s)
{
	if (!vv_parse_port(s, &opt.host, &opt.port))
		usage();
}

static int level(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || end == s || v < 0 || v > 9)
		usage();
	return (int)v;
}

/* rfbproto 7.2 security type numbers */
static uint32_t security_type(const char *s)
{
	if (!strcmp(s, "none"))
		return rfbNoAuth;
	if (!strcmp(s, "vnc"))
		return rfbVncAuth;
	if (!strcmp(s, "vencrypt"))
		return rfbVeNCrypt;
	usage();
	return 0;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", 1, 0, 'f' },	{ "bpp", 1, 0, 'b' },
		{ "encodings", 1, 0, 'e' },	{ "password", 1, 0, 'p' },
		{ "expect-auth-fail", 0, 0, 'A' }, { "wait-for", 1, 0, 'w' },
		{ "compare-display", 1, 0, 'c' }, { "timeout", 1, 0, 't' },
		{ "type", 1, 0, 'k' },		{ "type-shift", 0, 0, 'K' },
		{ "click", 1, 0, 'C' },		{ "hold-key", 1, 0, 'H' },
		{ "hold-button", 1, 0, 'B' },	{ "stay", 1, 0, 's' },
		{ "then-exit", 0, 0, 'x' },	{ "dump", 1, 0, 'd' },
		{ "verbose", 0, 0, 'v' },	{ "quality", 1, 0, 'q' },
		{ "compress", 1, 0, 'z' },	{ "no-jpeg", 0, 0, 'J' },
		{ "user", 1, 0, 'u' },		{ "x509-ca", 1, 0, 'X' },
		{ "expect-cert-fail", 0, 0, 'R' },
		{ "qemu", 0, 0, 'E' },		{ "type-qemu", 1, 0, 'Q' },
		{ "tap", 1, 0, 'T' },		{ "security", 1, 0, 'S' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'f': opt.format = optarg; break;
		case 'b': opt.format = strcmp(optarg, "16") ? "32le" : "16";
			  break;
		case 'e': opt.encodings = optarg; break;
		case 'p': opt.password = optarg; break;
		case 'A': opt.expect_auth_fail = true; break;
		case 'w': opt.wait_file = optarg; break;
		case 'c': opt.display = optarg; break;
		case 't': opt.timeout = atof(optarg); break;
		case 'k': opt.type = optarg; break;
		case 'K': opt.type_shift = true; break;
		case 'C': parse_click(optarg); break;
		case 'H': add_keysym(opt.hold_keys, &opt.nhold_keys, optarg);
			  break;
		case 'T': add_keysym(opt.taps, &opt.ntaps, optarg); break;
		case 'E': opt.qemu = true; break;
		case 'Q': opt.qemu = true; opt.type = optarg; break;
		case 'B': opt.hold_button = atoi(optarg); break;
		case 's': opt.stay = atof(optarg); break;
		case 'x': opt.stay = 0; break;
		case 'd': opt.dump = optarg; break;
		case 'v': opt.verbose = true; break;
		case 'q': opt.quality = level(optarg); break;
		case 'z': opt.compress = level(optarg); break;
		case 'J': opt.no_jpeg = true; break;
		case 'u': opt.user = optarg; break;
		case 'X': opt.x509_ca = optarg; break;
		case 'R': opt.expect_cert_fail = true; break;
		case 'S': opt.security = security_type(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	parse_port(argv[optind]);
}

static rfbClient *connect_server(void)
{
	rfbClient *cl = rfbGetClient(8, 3, 4);

	if (!vv_set_format(&cl->format, opt.format))
		exit(2);
	cl->appData.requestedDepth = cl->format.depth;
	cl->appData.encodingsString = opt.encodings;
	/* libvncclient sends these pseudo-encodings only next to an encoding
	 * that uses them: the compression level with Tight and Zlib, the
	 * quality level with ZYWRLE always (5 unless set) and with Tight
	 * while JPEG is enabled (its default). */
	if (opt.quality >= 0)
		cl->appData.qualityLevel = opt.quality;
	if (opt.compress >= 0)
		cl->appData.compressLevel = opt.compress;
	if (opt.no_jpeg)
		cl->appData.enableJPEG = FALSE;
	cl->appData.shareDesktop = TRUE;
	cl->GetPassword = get_password;
	cl->GetCredential = get_credential;
	/* libvncclient copies the zero-terminated list */
	if (opt.security)
		SetClientAuthSchemes(cl, (uint32_t[]){ opt.security, 0 }, -1);
	cl->FinishedFrameBufferUpdate = finished_update;
	lvc_malloc_fb = cl->MallocFrameBuffer;
	cl->MallocFrameBuffer = malloc_fb;
	free(cl->serverHost);
	cl->serverHost = strdup(opt.host);
	cl->serverPort = opt.port;
	cl->connectTimeout = 10;
	cl->readTimeout = 30;
	/* on failure rfbInitClient frees cl */
	if (!rfbInitClient(cl, NULL, NULL))
		return NULL;
	fprintf(stderr, "vnctest: connected to %s:%d, %dx%d \"%s\", format %s\n",
		opt.host, opt.port, cl->width, cl->height,
		cl->desktopName ? cl->desktopName : "", opt.format);
	return cl;
}

static bool pump_for(rfbClient *cl, double seconds)
{
	double end = vv_now() + seconds, left;

	while ((left = end - vv_now()) > 0)
		if (!vv_pump(cl, left < 0.05 ? (int)(left * 1000) + 1 : 50))
			return false;
	return true;
}

static bool have_update(void)
{
	return seen.updates > 0;
}

static bool wait_file_exists(void)
{
	return access(opt.wait_file, F_OK) == 0;
}

/* Keep handling messages until done() or the time limit. */
static bool pump_until(rfbClient *cl, bool (*done)(void), double limit,
		       const char *what)
{
	double end = vv_now() + limit;

	while (!done()) {
		if (vv_now() > end) {
			fprintf(stderr, "vnctest: no %s within %.0f s\n", what,
				limit);
			return false;
		}
		if (!vv_pump(cl, 50))
			return false;
	}
	return true;
}

/* Compare with the X display until equal or the time limit. */
static bool compare_display(rfbClient *cl)
{
	long ms = vv_wait_match(cl, opt.display, opt.timeout, &seen.updates);

	if (ms >= 0)
		printf("match after %ld ms\n", ms);
	return ms >= 0;
}

/* ---- input ---- */

static bool needs_shift(int ch)
{
	return isupper(ch) || (ch && strchr("~!@#$%^&*()_+{}|:\"<>?", ch));
}

/* The next code point of UTF-8 text at *s, advancing *s; -1 if the bytes
 * are not UTF-8. */
static long utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	int extra = p[0] >= 0xf0 ? 3 : p[0] >= 0xe0 ? 2 : p[0] >= 0xc0 ? 1 : 0;
	long cp = p[0] & (0x7f >> extra);
	int i;

	if ((p[0] >= 0x80 && p[0] < 0xc0) || p[0] >= 0xf8)
		return -1;
	for (i = 1; i <= extra; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*s += extra + 1;
	return cp;
}

/* The keysym a viewer sends for a character: Latin-1 keysyms equal their
 * code points, any other Unicode character is 0x01000000 + its code point
 * (the X convention); NoSymbol for control characters we do not type. */
static KeySym char_keysym(long cp)
{
	if (cp == '\n')
		return XK_Return;
	if (cp == '\t')
		return XK_Tab;
	if (cp == '\b')
		return XK_BackSpace;
	if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff))
		return cp;
	if (cp >= 0x100 && cp <= 0x10ffff)
		return 0x01000000 | cp;
	return NoSymbol;
}

/*
 * QEMU Extended Key Event keycodes (rfbproto 7.7.2.1): XT set-1 make
 * codes, 0xe0-prefixed ones with the high bit set.  Printable keys of a
 * US keyboard, one row at a time from its first scancode.
 */
static const struct {
	unsigned code;
	const char *plain, *shifted;
} xt_rows[] = {
	{ 0x02, "1234567890-=", "!@#$%^&*()_+" },
	{ 0x10, "qwertyuiop[]", "QWERTYUIOP{}" },
	{ 0x1e, "asdfghjkl;'`", "ASDFGHJKL:\"~" },
	{ 0x2b, "\\zxcvbnm,./", "|ZXCVBNM<>?" },
	{ 0x39, " ", " " },
};

static const struct {
	KeySym ks;
	unsigned code;
} xt_keys[] = {
	{ XK_Escape, 0x01 },   { XK_BackSpace, 0x0e },	 { XK_Tab, 0x0f },
	{ XK_Return, 0x1c },   { XK_Control_L, 0x1d },	 { XK_Shift_L, 0x2a },
	{ XK_Shift_R, 0x36 },  { XK_Alt_L, 0x38 },	 { XK_Caps_Lock, 0x3a },
	{ XK_Num_Lock, 0x45 }, { XK_Scroll_Lock, 0x46 }, { XK_Control_R, 0x9d },
	{ XK_Alt_R, 0xb8 },    { XK_Home, 0xc7 },	 { XK_Up, 0xc8 },
	{ XK_Prior, 0xc9 },    { XK_Left, 0xcb },	 { XK_Right, 0xcd },
	{ XK_End, 0xcf },      { XK_Down, 0xd0 },	 { XK_Next, 0xd1 },
	{ XK_Insert, 0xd2 },   { XK_Delete, 0xd3 },	 { XK_Super_L, 0xdb },
	{ XK_Super_R, 0xdc },  { XK_Menu, 0xdd },
};

/* The XT code of the US key typing ASCII `ch`, *shift if it needs Shift;
 * 0 if there is none. */
static unsigned xt_char(long ch, bool *shift)
{
	size_t i;
	const char *p;

	*shift = false;
	if (ch <= 0 || ch > 0x7e)
		return 0;
	for (i = 0; i < sizeof(xt_rows) / sizeof(xt_rows[0]); i++) {
		if ((p = strchr(xt_rows[i].plain, (int)ch)))
			return xt_rows[i].code + (p - xt_rows[i].plain);
		if ((p = strchr(xt_rows[i].shifted, (int)ch))) {
			*shift = true;
			return xt_rows[i].code + (p - xt_rows[i].shifted);
		}
	}
	return 0;
}

/* The XT code of the US key with keysym ks; 0 if unknown. */
static unsigned xt_keysym(KeySym ks)
{
	bool shift;
	size_t i;

	for (i = 0; i < sizeof(xt_keys) / sizeof(xt_keys[0]); i++)
		if (xt_keys[i].ks == ks)
			return xt_keys[i].code;
	if (ks >= XK_F1 && ks <= XK_F10)
		return 0x3b + (unsigned)(ks - XK_F1);
	if (ks == XK_F11 || ks == XK_F12)
		return ks == XK_F11 ? 0x57 : 0x58;
	return xt_char(ks < 0x80 ? (long)ks : 0, &shift);
}

/* One key event: a KeyEvent, or with --qemu a QEMU Extended Key Event for
 * the physical key (xt; found from the keysym when 0). */
static bool send_key_xt(rfbClient *cl, KeySym ks, unsigned xt, bool down)
{
	rfbBool ok;

	if (!opt.qemu) {
		ok = SendKeyEvent(cl, ks, down);
	} else {
		if (!xt)
			xt = xt_keysym(ks);
		if (!xt) {
			fprintf(stderr, "vnctest: no US XT scancode for keysym "
					"0x%lx\n", ks);
			return false;
		}
		ok = SendExtendedKeyEvent(cl, ks, xt, down);
	}
	if (!ok) {
		fprintf(stderr, "vnctest: sending key 0x%lx failed\n", ks);
		return false;
	}
	return true;
}

static bool send_key(rfbClient *cl, KeySym ks, bool down)
{
	return send_key_xt(cl, ks, 0, down);
}

/* One character: its keysym, and with --qemu its XT code and Shift. */
struct stroke {
	KeySym ks;
	unsigned xt;
	bool shift;
};

/* Check and translate all of `s` before sending anything. */
static int plan_text(const char *s, struct stroke *out, int max)
{
	int n = 0;

	while (*s) {
		const char *at = s;
		long cp = utf8_next(&s);
		struct stroke k = { .ks = cp < 0 ? NoSymbol : char_keysym(cp) };

		if (cp < 0 || k.ks == NoSymbol || n == max) {
			fprintf(stderr, "vnctest: cannot type %s at byte %ld "
					"(0x%02x)\n", cp < 0 ? "non-UTF-8" :
					n == max ? "that much" : "a control "
					"character", (long)(at - opt.type),
				(unsigned char)*at);
			return -1;
		}
		if (opt.qemu) {
			k.xt = cp < 0x80 ? xt_char(cp, &k.shift) : 0;
			if (k.ks == XK_Return || k.ks == XK_Tab ||
			    k.ks == XK_BackSpace)
				k.xt = xt_keysym(k.ks);
			if (!k.xt) {
				fprintf(stderr, "vnctest: --qemu types only "
						"what a US keyboard has, not "
						"U+%04lX\n", cp);
				return -1;
			}
		} else {
			k.shift = opt.type_shift && cp < 0x80 &&
				  needs_shift((int)cp);
		}
		out[n++] = k;
	}
	return n;
}

static bool type_text(rfbClient *cl, const char *s)
{
	static struct stroke keys[4096];
	int n = plan_text(s, keys, 4096), i;

	if (n < 0)
		return false;
	for (i = 0; i < n; i++) {
		struct stroke *k = &keys[i];

		if (k->shift && !send_key(cl, XK_Shift_L, true))
			return false;
		if (!send_key_xt(cl, k->ks, k->xt, true) ||
		    !send_key_xt(cl, k->ks, k->xt, false))
			return false;
		if (k->shift && !send_key(cl, XK_Shift_L, false))
			return false;
		if (!pump_for(cl, 0.01))
			return false;
	}
	return true;
}

/* libvncclient sends QEMU Extended Key Events only after the server
 * announced them with an empty -258 rectangle. */
static bool wait_qemu_keys(rfbClient *cl)
{
	double end = vv_now() + 5;

	while (!SupportsClient2Server(cl, rfbQemuEvent)) {
		if (vv_now() > end) {
			fprintf(stderr, "vnctest: the server never announced "
					"QEMU Extended Key Events (-258)\n");
			return false;
		}
		if (!vv_pump(cl, 50))
			return false;
	}
	return true;
}

static bool click(rfbClient *cl)
{
	int mask = 1 << (opt.click_button - 1);

	return SendPointerEvent(cl, opt.click_x, opt.click_y, 0) &&
	       pump_for(cl, 0.05) &&
	       SendPointerEvent(cl, opt.click_x, opt.click_y, mask) &&
	       pump_for(cl, 0.05) &&
	       SendPointerEvent(cl, opt.click_x, opt.click_y, 0);
}

static bool do_input(rfbClient *cl)
{
	int i;

	if (opt.qemu && !wait_qemu_keys(cl))
		return false;
	for (i = 0; i < opt.ntaps; i++)
		if (!send_key(cl, opt.taps[i], true) ||
		    !send_key(cl, opt.taps[i], false) || !pump_for(cl, 0.02))
			return false;
	if (opt.type && !type_text(cl, opt.type))
		return false;
	if (opt.click_button && !click(cl))
		return false;
	for (i = 0; i < opt.nhold_keys; i++)
		if (!send_key(cl, opt.hold_keys[i], true))
			return false;
	if (opt.hold_button &&
	    !SendPointerEvent(cl, cl->width / 2, cl->height / 2,
			      1 << (opt.hold_button - 1)))
		return false;
	return true;
}

/* ---- output ---- */

static bool dump_ppm(rfbClient *cl, const char *path)
{
	FILE *fp = fopen(path, "wb");
	struct vv_layout l;
	int x, y, i;

	if (!fp) {
		fprintf(stderr, "vnctest: %s: %s\n", path, strerror(errno));
		return false;
	}
	vv_layout_from_format(&l, &cl->format);
	fprintf(fp, "P6\n%d %d\n255\n", cl->width, cl->height);
	for (y = 0; y < cl->height; y++) {
		for (x = 0; x < cl->width; x++) {
			uint32_t p = vv_fb_pixel(cl, x, y);

			for (i = 0; i < 3; i++)
				fputc(vv_chan(&l, i, p) * 255 / l.max[i], fp);
		}
	}
	return fclose(fp) == 0;
}

/* Success of --expect-cert-fail: TLS stopped at the certificate check. */
static int cert_fail_result(rfbClient *cl)
{
	if (cl) {
		fprintf(stderr, "vnctest: connected although the server's "
				"certificate should have been rejected\n");
		rfbClientCleanup(cl);
		return 1;
	}
	if (seen.cert_rejected && !seen.password_asked) {
		printf("server certificate rejected as expected\n");
		return 0;
	}
	fprintf(stderr, "vnctest: connection failed, but not by a rejected "
			"certificate (credentials asked: %s, password asked: "
			"%s)\n", seen.credential_asked ? "yes" : "no",
		seen.password_asked ? "yes" : "no");
	return 1;
}

/* Success of --expect-auth-fail: VNC auth was tried and refused. */
static int auth_fail_result(rfbClient *cl)
{
	if (cl) {
		fprintf(stderr, "vnctest: connected although authentication "
				"should have failed\n");
		rfbClientCleanup(cl);
		return 1;
	}
	if (seen.password_asked && seen.auth_refused) {
		printf("authentication refused as expected\n");
		return 0;
	}
	fprintf(stderr, "vnctest: connection failed, but not by a refused "
			"VNC authentication (password asked: %s)\n",
		seen.password_asked ? "yes" : "no");
	return 1;
}

static bool run(rfbClient *cl)
{
	if (!pump_until(cl, have_update, opt.timeout, "FramebufferUpdate"))
		return false;
	if (opt.wait_file &&
	    !pump_until(cl, wait_file_exists, 120, opt.wait_file))
		return false;
	if (opt.display && !compare_display(cl))
		return false;
	if (!do_input(cl))
		return false;
	if (opt.stay > 0 && !pump_for(cl, opt.stay))
		return false;
	if (opt.dump && !dump_ppm(cl, opt.dump))
		return false;
	return true;
}

int main(int argc, char **argv)
{
	rfbClient *cl;
	bool ok;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rfbClientLog = client_log;
	rfbClientErr = client_log;
	cl = connect_server();
	if (opt.expect_auth_fail)
		return auth_fail_result(cl);
	if (opt.expect_cert_fail)
		return cert_fail_result(cl);
	if (!cl) {
		fprintf(stderr, "vnctest: could not connect/initialise "
				"(see above)\n");
		return 1;
	}
	ok = run(cl);
	free(cl->frameBuffer);
	rfbClientCleanup(cl);
	fprintf(stderr, "vnctest: %s after %lu updates, %d resizes\n",
		ok ? "done" : "FAILED", seen.updates,
		seen.fb_allocs ? seen.fb_allocs - 1 : 0);
	return ok ? 0 : 1;
}
