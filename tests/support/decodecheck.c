/*
 * decodecheck: every encoder, pixel for pixel, through a real decoder.
 *
 *   decodecheck [-v] [-a] [ENCODING[:qQ][:cC]...]
 *
 * The parent runs the project's RFB engine over a synthetic framebuffer
 * (fake desktop, loopback TCP); for each encoding and client pixel format
 * a forked child connects with libvncclient, asks for that format and
 * encoding, and checks its decoded framebuffer after each of a series of
 * updates (text, gradients, photo, noise, few colours, small rectangles)
 * against the source converted to its format by a formula written here.
 * Pixels must match exactly, ignoring the padding bits of 32 bpp pixels;
 * with a quality below 9 (a lossy request: ZYWRLE, Tight with JPEG) the
 * changed area must instead reach a PSNR floor.  Prints one line per
 * combination; exits 0 only if all passed.  Without arguments: every
 * encoding we implement except tight ("zywrle" alone means q9, q6, q3
 * and q0); :cC sets the compression level, else it varies per format.
 * -v prints each update's size and PSNR; -a also runs the combinations
 * skipped for known libvncclient bugs, to see whether they still fail.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <rfb/rfbclient.h>

#include "testpic.h"

#include "net/listen.h"
#include "rfb/server.h"
#include "util/log.h"
#include "util/loop.h"

#define FB_W 301 /* no multiple of 2, 16, 64 or 255: partial tiles */
#define FB_H 203
#define FB_STRIDE (FB_W + 7)
#define COMBO_TIMEOUT_MS 30000
#define READ_TIMEOUT_S 5 /* a desynchronised stream stalls mid-message */
#define UPDATE_WAIT_US 10000000 /* the first update of a pattern */
#define IDLE_WAIT_US 1500000	/* more updates after a mismatch */
#define REFRESH_WAIT_US 3000000 /* the engine's lossless refresh */

struct fmt {
	const char *name;
	rfbPixelFormat pf;
};

#define PF(bpp, depth, be, rm, gm, bm, rs, gs, bs)                         \
	{ bpp, depth, be, 1, rm, gm, bm, rs, gs, bs, 0, 0 }

static const struct fmt fmts[] = {
	{ "32le rgb888", PF(32, 24, 0, 255, 255, 255, 16, 8, 0) },
	{ "32be rgb888", PF(32, 24, 1, 255, 255, 255, 16, 8, 0) },
	{ "32le rgb888@24", PF(32, 24, 0, 255, 255, 255, 24, 16, 8) },
	{ "32be rgb888@24", PF(32, 24, 1, 255, 255, 255, 24, 16, 8) },
	{ "32le bgr888", PF(32, 24, 0, 255, 255, 255, 0, 8, 16) },
	/* colour in the middle bytes: either 3-byte CPIXEL would do */
	{ "32le rgb565@8", PF(32, 16, 0, 31, 63, 31, 19, 13, 8) },
	{ "32be rgb565@8", PF(32, 16, 1, 31, 63, 31, 19, 13, 8) },
	{ "32le depth32", PF(32, 32, 0, 255, 255, 255, 16, 8, 0) },
	{ "32le 10-bit", PF(32, 30, 0, 1023, 1023, 1023, 20, 10, 0) },
	{ "16le rgb565", PF(16, 16, 0, 31, 63, 31, 11, 5, 0) },
	{ "16be rgb565", PF(16, 16, 1, 31, 63, 31, 11, 5, 0) },
	{ "16le rgb555", PF(16, 15, 0, 31, 31, 31, 10, 5, 0) },
	{ "16be odd", PF(16, 12, 1, 15, 63, 3, 12, 4, 10) },
	{ "8 bgr233", PF(8, 8, 0, 7, 7, 3, 0, 3, 6) },
	{ "8 rgb111", PF(8, 3, 0, 1, 1, 1, 2, 1, 0) },
};
#define NFMTS (sizeof(fmts) / sizeof(fmts[0]))

/* ---- the content ---- */

/* One update: `fill` over rectangle x, y, w, h of the framebuffer.  The
 * PSNR floors apply to lossy requests, for quality 6-8, 3-5 and 0-2; set
 * a little under what our ZYWRLE reaches, so that misplaced coefficients
 * fail.  White noise keeps little but its average at any quality. */
struct pattern {
	const char *name;
	enum testpic_fill fill;
	int x, y, w, h;
	double min_psnr[3];
};

static const struct pattern patterns[] = {
	{ "solid", TP_SOLID, 0, 0, FB_W, FB_H, { 40, 40, 40 } },
	{ "text", TP_TEXT, 0, 0, FB_W, FB_H, { 30, 30, 16 } },
	{ "gradient", TP_GRADIENT, 0, 0, FB_W, FB_H, { 44, 37, 27 } },
	{ "few colours", TP_FEW, 0, 0, FB_W, FB_H, { 30, 30, 25 } },
	{ "photo", TP_PHOTO, 0, 0, FB_W, FB_H, { 27, 24, 22.5 } },
	{ "noise", TP_NOISE, 0, 0, FB_W, FB_H, { 11, 11, 10.5 } },
	{ "mixed", TP_MIXED, 0, 0, FB_W, FB_H, { 16, 16, 15 } },
	{ "small noise", TP_NOISE, 101, 57, 37, 23, { 11, 11, 12 } },
	{ "small photo", TP_PHOTO, 13, 150, 45, 37, { 28, 25, 23.5 } },
	{ "small text", TP_TEXT, 190, 120, 70, 41, { 30, 30, 16 } },
	{ "corner", TP_FEW, FB_W - 5, FB_H - 3, 5, 3, { 30, 30, 25 } },
};
#define NPATS (sizeof(patterns) / sizeof(patterns[0]))

static uint32_t fb_px[FB_STRIDE * FB_H];
static uint32_t *at(int x, int y)
{
	return &fb_px[y * FB_STRIDE + x];
}

/* Deterministic: parent and child each apply it to their own copy. */
static void pattern_apply(size_t k)
{
	const struct pattern *p = &patterns[k];
	/* xorshift must not start at 0 */
	struct testpic t = { fb_px, FB_STRIDE, 0x9e3779b9u * (k + 1) };

	testpic_fill(&t, p->fill, p->x, p->y, p->w, p->h);
}

/* ---- what the client should see ---- */

/* The client value of a server pixel: round(v * max / 255) per channel. */
static uint32_t expect_pixel(const rfbPixelFormat *pf, uint32_t v)
{
	uint32_t r = v >> 16 & 255, g = v >> 8 & 255, b = v & 255;

	return (uint32_t)(r * (double)pf->redMax / 255 + 0.5) << pf->redShift |
	       (uint32_t)(g * (double)pf->greenMax / 255 + 0.5)
		       << pf->greenShift |
	       (uint32_t)(b * (double)pf->blueMax / 255 + 0.5)
		       << pf->blueShift;
}

static uint32_t colour_mask(const rfbPixelFormat *pf)
{
	return (uint32_t)pf->redMax << pf->redShift |
	       (uint32_t)pf->greenMax << pf->greenShift |
	       (uint32_t)pf->blueMax << pf->blueShift;
}

/* The decoded pixel at x, y, padding bits cleared. */
static uint32_t got_pixel(const rfbClient *cl, int x, int y)
{
	const rfbPixelFormat *pf = &cl->format;
	unsigned n = pf->bitsPerPixel / 8, k;
	const uint8_t *p = cl->frameBuffer + ((size_t)y * cl->width + x) * n;
	uint32_t v = 0;

	for (k = 0; k < n; k++)
		v |= (uint32_t)p[k] << 8 * (pf->bigEndian ? n - 1 - k : k);
	return v & colour_mask(pf);
}

/* Channel c (0 red, 1 green, 2 blue) of a client value as 0-255. */
static double chan8(const rfbPixelFormat *pf, uint32_t v, int c)
{
	const unsigned max[3] = { pf->redMax, pf->greenMax, pf->blueMax };
	const unsigned shift[3] = { pf->redShift, pf->greenShift,
				    pf->blueShift };

	return (double)(v >> shift[c] & max[c]) * 255 / max[c];
}

struct verdict {
	long wrong;	 /* pixels that differ */
	int wx, wy;	 /* the first of them */
	uint32_t want, got;
	double psnr;	 /* over the pattern's rectangle */
};

static void compare(const rfbClient *cl, const struct pattern *pat,
		    struct verdict *v)
{
	const rfbPixelFormat *pf = &cl->format;
	double se = 0, d;
	uint32_t want, got;
	long n = 0;

	memset(v, 0, sizeof(*v));
	for (int y = 0; y < FB_H; y++) {
		for (int x = 0; x < FB_W; x++) {
			want = expect_pixel(pf, *at(x, y));
			got = got_pixel(cl, x, y);
			if (want != got && !v->wrong++) {
				v->wx = x;
				v->wy = y;
				v->want = want;
				v->got = got;
			}
			if (x < pat->x || x >= pat->x + pat->w || y < pat->y ||
			    y >= pat->y + pat->h)
				continue;
			for (int c = 0; c < 3; c++) {
				d = chan8(pf, want, c) - chan8(pf, got, c);
				se += d * d;
			}
			n += 3;
		}
	}
	v->psnr = se ? 10 * log10(255.0 * 255 * n / se) : 99;
}

/* ---- one combination ---- */

struct combo {
	char enc[32];	/* libvncclient's name */
	char label[48]; /* as printed */
	int quality;	/* -1: none asked */
	int compress;
	const struct fmt *fmt;
};

/* libvncclient 0.9.14 gets some 32 bpp formats wrong in the ZRLE family
 * (it picks CPIXEL decoders from where the colour bits are, never from
 * the depth), so those combinations are skipped, not failed. */
static const char *lvc_zrle_quirk(const rfbPixelFormat *pf)
{
	uint32_t m = colour_mask(pf);
	bool be = pf->bigEndian;

	if (pf->bitsPerPixel != 32)
		return NULL;
	if ((be && !(m & 0xff)) || (!be && !(m & 0xff000000)))
		return pf->depth > 24 ? "3-byte CPIXELs at depth > 24 (spec: 4)"
				      : NULL;
	if (be && !(m & 0xff000000))
		return "big endian with colour in the low 3 bytes decodes "
		       "shifted on little-endian hosts";
	return NULL;
}

static bool zrle_family(const char *enc)
{
	return !strcmp(enc, "zrle") || !strcmp(enc, "trle") ||
	       !strcmp(enc, "zywrle");
}

/* libvncclient inverts ZYWRLE's wavelet only for 16 bpp 5-6-5 and 32 bpp
 * 8-8-8 in the low three bytes, little endian; elsewhere the server must
 * stay lossless. */
static bool lossy_expected(const struct combo *c)
{
	const rfbPixelFormat *pf = &c->fmt->pf;
	uint32_t m = colour_mask(pf);

	if (c->quality < 0 || c->quality >= 9)
		return false;
	if (strcmp(c->enc, "zywrle"))
		return true;
	if (pf->bigEndian)
		return false;
	if (pf->bitsPerPixel == 16)
		return pf->greenMax == 63 && pf->greenShift == 5 && m == 0xffff;
	return pf->bitsPerPixel == 32 && pf->redMax == 255 &&
	       pf->greenMax == 255 && pf->blueMax == 255 && m == 0xffffff;
}

static int ctl_fd = -1;
static bool update_done;
static bool verbose;
static bool run_quirks;

static void on_finished(rfbClient *cl)
{
	update_done = true;
}

/* Have the parent apply pattern k too (NPATS: nothing), and wait until
 * it has; *sent: the bytes of the previous update. */
static bool ask_pattern(size_t k, uint32_t *sent)
{
	uint8_t b = k;

	if (k < NPATS)
		pattern_apply(k);
	return write(ctl_fd, &b, 1) == 1 &&
	       read(ctl_fd, sent, sizeof(*sent)) == sizeof(*sent);
}

/* Handle messages until a FramebufferUpdate has been drawn: 1, or 0 if
 * nothing came for `usecs`, or -1 if the decoder gave up. */
static int pump(rfbClient *cl, unsigned usecs)
{
	int n;

	update_done = false;
	while (!update_done) {
		/* WaitForMessage does not see what libvncclient buffered */
		if (!cl->buffered) {
			n = WaitForMessage(cl, usecs);
			if (n <= 0)
				return n < 0 ? -1 : 0;
		}
		if (!HandleRFBServerMessage(cl))
			return -1;
	}
	return 1;
}

/* The PSNR floor of pattern k at quality q (0-8). */
static double min_psnr(size_t k, int q)
{
	return patterns[k].min_psnr[2 - q / 3];
}

/* Updates until the picture is right; a server may split one change
 * over several updates, so a mismatch waits a little for more. */
static bool check_pattern(rfbClient *cl, size_t k, int lossy_q,
			  struct verdict *v, const char **why)
{
	int r = pump(cl, UPDATE_WAIT_US);

	while (r > 0) {
		compare(cl, &patterns[k], v);
		if (lossy_q < 0 ? !v->wrong : v->psnr >= min_psnr(k, lossy_q))
			return true;
		r = pump(cl, IDLE_WAIT_US);
	}
	*why = r < 0 ? "libvncclient could not decode the update"
		     : "no (more) update";
	return false;
}

static void report(const struct combo *c, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(const struct combo *c, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%-4s %-12s %-15s ", ok ? "ok" : "FAIL", c->label,
	       c->fmt->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void report_miss(const struct combo *c, size_t k,
			const struct verdict *v, const char *why, bool lossy)
{
	if (lossy)
		report(c, false, "%s: PSNR %.1f dB < %.1f (%s)",
		       patterns[k].name, v->psnr, min_psnr(k, c->quality),
		       why);
	else if (v->wrong)
		report(c, false,
		       "%s: %ld pixels wrong, first (%d,%d) want 0x%x got "
		       "0x%x (%s)",
		       patterns[k].name, v->wrong, v->wx, v->wy, v->want,
		       v->got, why);
	else
		report(c, false, "%s: %s", patterns[k].name, why);
}

static rfbClient *viewer_new(const struct combo *c, int port)
{
	rfbClient *cl = rfbGetClient(8, 3, 4);

	if (!cl)
		return NULL;
	cl->format = c->fmt->pf;
	cl->appData.encodingsString = c->enc;
	cl->appData.compressLevel = c->compress;
	cl->appData.enableJPEG = c->quality >= 0;
	cl->appData.qualityLevel = c->quality < 0 ? 5 : c->quality;
	cl->serverHost = strdup("127.0.0.1");
	cl->serverPort = port;
	cl->FinishedFrameBufferUpdate = on_finished;
	cl->readTimeout = READ_TIMEOUT_S;
	/* rfbInitClient frees the client when it fails */
	return rfbInitClient(cl, NULL, NULL) ? cl : NULL;
}

/* The engine resends lossy areas losslessly once the screen is quiet;
 * after that the picture must be exact. */
static bool await_refresh(rfbClient *cl, struct verdict *v)
{
	do {
		compare(cl, &patterns[NPATS - 1], v);
		if (!v->wrong)
			return true;
	} while (pump(cl, REFRESH_WAIT_US) > 0);
	return false;
}

/* The first update, a solid frame, shows whether the server used the
 * encoding at all: anything but Raw needs a fraction of Raw's bytes, and
 * the viewer offered nothing else. */
static bool encoding_used(const struct combo *c, uint32_t sent)
{
	uint32_t raw = FB_W * FB_H * (c->fmt->pf.bitsPerPixel / 8);

	if (!strcmp(c->enc, "raw"))
		return sent >= raw;
	if (!strcmp(c->enc, "zlib") && c->compress == 0)
		return true; /* level 0 stores: as big as raw */
	return sent < raw / 16;
}

static int viewer_main(const struct combo *c, int port)
{
	bool lossy = lossy_expected(c);
	double worst = 99;
	unsigned long total = 0;
	uint32_t sent;
	struct verdict v;
	const char *why = "";
	rfbClient *cl;
	size_t k;

	if (!ask_pattern(0, &sent))
		return 1;
	cl = viewer_new(c, port);
	if (!cl) {
		report(c, false, "libvncclient could not connect");
		return 1;
	}
	for (k = 0; k < NPATS; k++) {
		if (!check_pattern(cl, k, lossy ? c->quality : -1, &v, &why)) {
			report_miss(c, k, &v, why, lossy);
			return 1;
		}
		if (v.psnr < worst)
			worst = v.psnr;
		if (!ask_pattern(k + 1, &sent))
			return 1;
		if (verbose)
			printf("     %-12s %-15s %-12s %7u bytes, "
			       "PSNR %.1f dB\n",
			       c->label, c->fmt->name, patterns[k].name, sent,
			       v.psnr);
		total += sent;
		if (k == 0 && !encoding_used(c, sent)) {
			report(c, false, "solid frame took %u bytes: was %s "
			       "used?", sent, c->enc);
			return 1;
		}
	}
	if (lossy && !await_refresh(cl, &v)) {
		report_miss(c, NPATS - 1, &v, "no lossless refresh", false);
		return 1;
	}
	if (lossy)
		report(c, true,
		       "%zu updates, %lu bytes, lowest PSNR %.1f dB, then "
		       "exact",
		       NPATS, total, worst);
	else
		report(c, true, "%zu updates, %lu bytes, exact", NPATS, total);
	return 0;
}

/* ---- the server side ---- */

struct harness {
	struct loop *loop;
	struct rfb_server *srv;
	pid_t pid;
	bool timed_out;
	uint32_t sent; /* bytes to the viewer since its last request */
};

static void desk_key(void *ctx, uint32_t keysym, bool down)
{
}

static void desk_pointer(void *ctx, int x, int y, uint16_t buttons)
{
}

static void desk_cut_text(void *ctx, const char *utf8, size_t len)
{
}

static void desk_clients(void *ctx, int nclients)
{
}

/* Optional operations stay NULL. */
static const struct rfb_desktop_ops desk_ops = {
	.key = desk_key,
	.pointer = desk_pointer,
	.cut_text = desk_cut_text,
	.clients_changed = desk_clients,
};

/* A connection that counts what the server sends through it, so the
 * viewer can tell a compressing encoding from a fallback to Raw. */
struct tap_conn {
	struct net_conn base;
	struct net_conn *inner;
	struct harness *h;
};

static struct net_conn *tap_inner(struct net_conn *c)
{
	return ((struct tap_conn *)c)->inner;
}

static ssize_t tap_read(struct net_conn *c, void *buf, size_t len)
{
	return net_conn_read(tap_inner(c), buf, len);
}

static ssize_t tap_write(struct net_conn *c, const void *buf, size_t len)
{
	struct tap_conn *t = (struct tap_conn *)c;
	ssize_t n = net_conn_write(t->inner, buf, len);

	if (n > 0)
		t->h->sent += n;
	return n;
}

static size_t tap_pending_in(struct net_conn *c)
{
	return net_conn_pending_in(tap_inner(c));
}

static size_t tap_pending_out(struct net_conn *c)
{
	return net_conn_pending_out(tap_inner(c));
}

static int tap_flush(struct net_conn *c)
{
	return net_conn_flush(tap_inner(c));
}

static void tap_destroy(struct net_conn *c)
{
	net_conn_destroy(tap_inner(c));
	free(c);
}

static const struct net_conn_ops tap_ops = {
	.read = tap_read,
	.write = tap_write,
	.pending_in = tap_pending_in,
	.pending_out = tap_pending_out,
	.flush = tap_flush,
	.destroy = tap_destroy,
};

static void on_accept(void *data, struct net_conn *conn)
{
	struct harness *h = data;
	struct tap_conn *t = calloc(1, sizeof(*t));

	if (!t) {
		net_conn_destroy(conn);
		return;
	}
	t->base = *conn;
	t->base.ops = &tap_ops;
	t->inner = conn;
	t->h = h;
	rfb_server_add_client(h->srv, &t->base);
}

/* The child asks for pattern k (NPATS: none, it is done): draw it, tell
 * the engine, and answer with the bytes sent since the last request,
 * which is the previous pattern's update. */
static void on_ctl(void *data, int fd, unsigned events)
{
	struct harness *h = data;
	const struct pattern *p;
	struct rfb_rect r;
	uint8_t k;

	if (read(fd, &k, 1) != 1 || k > NPATS) {
		loop_del_fd(h->loop, fd);
		loop_quit(h->loop, 0);
		return;
	}
	if (k < NPATS) {
		p = &patterns[k];
		pattern_apply(k);
		r = (struct rfb_rect){ p->x, p->y, p->w, p->h };
		rfb_server_damage(h->srv, &r);
	}
	if (write(fd, &h->sent, sizeof(h->sent)) != sizeof(h->sent))
		log_warn("decodecheck: control socket: %s", strerror(errno));
	h->sent = 0;
}

static void on_timeout(void *data)
{
	struct harness *h = data;

	h->timed_out = true;
	kill(h->pid, SIGKILL);
}

/* Fork a viewer for `c` and serve it until it is done; true if it
 * passed. */
static bool run_combo(struct harness *h, const struct combo *c, int port)
{
	struct loop_timer *t;
	int sv[2], status;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	fflush(stdout);
	h->pid = fork();
	if (h->pid == 0) {
		close(sv[0]);
		ctl_fd = sv[1];
		_exit(viewer_main(c, port));
	}
	close(sv[1]);
	if (h->pid < 0) {
		close(sv[0]);
		return false;
	}
	h->timed_out = false;
	loop_add_fd(h->loop, sv[0], LOOP_IN, on_ctl, h);
	t = loop_timer_add(h->loop, COMBO_TIMEOUT_MS, false, on_timeout, h);
	loop_run(h->loop);
	if (!h->timed_out)
		loop_timer_del(h->loop, t);
	close(sv[0]);
	if (waitpid(h->pid, &status, 0) < 0)
		return false;
	if (h->timed_out)
		report(c, false, "timed out after %d s",
		       COMBO_TIMEOUT_MS / 1000);
	else if (WIFSIGNALED(status))
		report(c, false, "viewer killed by signal %d",
		       WTERMSIG(status));
	return !h->timed_out && WIFEXITED(status) && !WEXITSTATUS(status);
}

/* ---- the matrix ---- */

static const char *const default_encs[] = {
	"raw", "rre", "corre", "hextile", "zlib", "trle", "zrle", "zywrle",
};
#define NDEFAULT (int)(sizeof(default_encs) / sizeof(default_encs[0]))
static const int zywrle_qualities[] = { 9, 6, 3, 0 };

/* NAME[:qQ][:cC] into c; false if malformed. */
static bool parse_enc(const char *spec, struct combo *c)
{
	const char *p = strchr(spec, ':');
	size_t len = p ? (size_t)(p - spec) : strlen(spec);
	char *end;
	long v;

	if (!len || len >= sizeof(c->enc))
		return false;
	memcpy(c->enc, spec, len);
	c->enc[len] = 0;
	c->quality = -1;
	c->compress = -1;
	for (; p; p = strchr(p + 1, ':')) {
		v = strtol(p + 2, &end, 10);
		if (v < 0 || v > 9 || end == p + 2 || (*end && *end != ':'))
			return false;
		if (p[1] == 'q')
			c->quality = v;
		else if (p[1] == 'c')
			c->compress = v;
		else
			return false;
	}
	return true;
}

struct tally {
	int passed, failed, skipped;
};

static void run_fmts(struct harness *h, struct combo *c, int port,
		     int salt, struct tally *t)
{
	bool vary = c->compress < 0;
	const char *quirk;
	size_t f;

	for (f = 0; f < NFMTS; f++) {
		c->fmt = &fmts[f];
		if (vary) /* libvncclient sends it for zlib and tight only */
			c->compress = (f + salt) % 10;
		snprintf(c->label, sizeof(c->label), "%s", c->enc);
		if (c->quality >= 0)
			snprintf(c->label + strlen(c->label),
				 sizeof(c->label) - strlen(c->label), ":q%d",
				 c->quality);
		quirk = zrle_family(c->enc) ? lvc_zrle_quirk(&c->fmt->pf)
					    : NULL;
		if (quirk && !run_quirks) {
			printf("skip %-12s %-15s libvncclient: %s\n", c->label,
			       c->fmt->name, quirk);
			t->skipped++;
		} else if (run_combo(h, c, port)) {
			t->passed++;
		} else {
			t->failed++;
		}
		if (vary)
			c->compress = -1;
	}
}

static void run_spec(struct harness *h, const char *spec, int port,
		     int salt, struct tally *t)
{
	struct combo c;
	size_t i;

	if (!parse_enc(spec, &c)) {
		printf("FAIL %s: bad encoding (NAME[:qQ][:cC])\n", spec);
		t->failed++;
		return;
	}
	if (strcmp(c.enc, "zywrle") || c.quality >= 0) {
		run_fmts(h, &c, port, salt, t);
		return;
	}
	for (i = 0; i < sizeof(zywrle_qualities) / sizeof(int); i++) {
		c.quality = zywrle_qualities[i];
		run_fmts(h, &c, port, salt, t);
	}
}

int main(int argc, char **argv)
{
	struct rfb_server_opts opts = { .name = "decodecheck", .shared = true };
	const struct rfb_fb fb = { fb_px, FB_W, FB_H, FB_STRIDE };
	struct harness h = { 0 };
	struct net_listener *lis;
	struct tally t = { 0, 0, 0 };
	int i, port;

	while ((i = getopt(argc, argv, "va")) != -1) {
		if (i == 'v')
			verbose = true;
		else if (i == 'a')
			run_quirks = true;
		else
			return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_WARN);
	rfbEnableClientLogging = false;
	h.loop = loop_new();
	if (h.loop)
		h.srv = rfb_server_new(h.loop, &opts,
				       (struct rfb_desktop){ &desk_ops, NULL });
	if (!h.srv)
		return 1;
	rfb_server_set_fb(h.srv, &fb);
	lis = net_listener_new(h.loop, on_accept, &h);
	if (!lis || net_listener_add_tcp(lis, "127.0.0.1", 0) < 0)
		return 1;
	port = net_listener_port(lis);
	if (optind == argc)
		for (i = 0; i < NDEFAULT; i++)
			run_spec(&h, default_encs[i], port, i, &t);
	for (i = optind; i < argc; i++)
		run_spec(&h, argv[i], port, i, &t);
	printf("decodecheck: %d passed, %d failed, %d skipped\n", t.passed,
	       t.failed, t.skipped);
	net_listener_destroy(lis);
	rfb_server_destroy(h.srv);
	loop_destroy(h.loop);
	return t.failed || !t.passed ? 1 : 0;
}
