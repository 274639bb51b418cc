/*
 * vncclip: a libvncclient viewer for the clipboard and bell tests.
 *
 *   vncclip [--send TEXT] [--expect TEXT] [--bell DISPLAY]
 *           [--cursor DISPLAY] [--timeout S] [--password PASS] PORT
 *
 * --send puts TEXT (UTF-8 on the command line) on the server's clipboard as
 * a Latin-1 ClientCutText; --expect waits for a ServerCutText equal to TEXT
 * in Latin-1; --bell rings the bell on X display DISPLAY (XBell) and waits
 * for the RFB Bell; --cursor asks for cursor shapes, waits for the first,
 * sets a different cursor on DISPLAY's root window and waits for that one
 * too.  It prints "vncclip: ready" once connected and settled, before it
 * acts.  Exit 0 when everything asked for happened.
 */
#include <X11/Xlib.h>
#include <X11/cursorfont.h>
#include <getopt.h>
#include <rfb/rfbclient.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
	bool bell;
	char *cut;
	int cutlen;
	int cursors;	   /* cursor shapes received */
	int cur_w, cur_h; /* the last one's size */
} seen;

static void got_cursor(rfbClient *cl, int xhot, int yhot, int w, int h,
		       int bpp)
{
	seen.cursors++;
	seen.cur_w = w;
	seen.cur_h = h;
	printf("vncclip: cursor %dx%d hotspot %d,%d\n", w, h, xhot, yhot);
}

static const char *password;

static char *get_password(rfbClient *cl)
{
	return strdup(password ? password : "");
}

static void got_bell(rfbClient *cl)
{
	seen.bell = true;
}

static void got_cut(rfbClient *cl, const char *text, int len)
{
	free(seen.cut);
	seen.cut = malloc((size_t)len + 1);
	memcpy(seen.cut, text, (size_t)len);
	seen.cut[len] = 0;
	seen.cutlen = len;
}

/* UTF-8 (2-byte sequences at most, as the tests use) to Latin-1. */
static char *to_latin1(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) + 1), *o = out;

	while (*p) {
		if (*p >= 0xc0 && p[1]) {
			*o++ = (char)((p[0] & 0x1f) << 6 | (p[1] & 0x3f));
			p += 2;
		} else {
			*o++ = (char)*p++;
		}
	}
	*o = 0;
	return out;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int want_cursors;

static bool done(const char *expect, bool want_bell)
{
	if (want_bell && !seen.bell)
		return false;
	if (seen.cursors < want_cursors)
		return false;
	return !expect || (seen.cut && !strcmp(seen.cut, expect));
}

/* Handle server messages until done() (when `expect_done`) or `limit`
 * seconds.  libvncclient may already hold the next message in its read
 * buffer, where select() cannot see it: handle that first. */
static bool pump(rfbClient *cl, const char *expect, bool bell,
		 bool expect_done, double limit)
{
	double end = now() + limit;

	while (now() < end) {
		int n;

		if (expect_done && done(expect, bell))
			return true;
		n = cl->buffered > 0 ? 1 : WaitForMessage(cl, 100000);
		if (n < 0 || (n > 0 && !HandleRFBServerMessage(cl)))
			return false;
	}
	return !expect_done || done(expect, bell);
}

/* A root window cursor other than the server's default X. */
static void change_cursor(const char *display)
{
	Display *dpy = XOpenDisplay(display);

	if (!dpy) {
		fprintf(stderr, "vncclip: cannot open %s\n", display);
		exit(1);
	}
	XDefineCursor(dpy, DefaultRootWindow(dpy),
		      XCreateFontCursor(dpy, XC_hand2));
	XSync(dpy, False);
	/* Closing the connection would take the cursor away again. */
}

static void ring(const char *display)
{
	Display *dpy = XOpenDisplay(display);

	if (!dpy) {
		fprintf(stderr, "vncclip: cannot open %s\n", display);
		exit(1);
	}
	XBell(dpy, 100);
	XSync(dpy, False);
	XCloseDisplay(dpy);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = { { "send", 1, 0, 's' },
					    { "expect", 1, 0, 'e' },
					    { "bell", 1, 0, 'b' },
					    { "timeout", 1, 0, 't' },
					    { "cursor", 1, 0, 'c' },
					    { "password", 1, 0, 'p' },
					    { 0 } };
	const char *send = NULL, *bell = NULL, *cursor = NULL;
	char *expect = NULL;
	double timeout = 15;
	rfbClient *cl;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 's')
			send = optarg;
		else if (c == 'e')
			expect = to_latin1(optarg);
		else if (c == 'b')
			bell = optarg;
		else if (c == 't')
			timeout = atof(optarg);
		else if (c == 'c')
			cursor = optarg;
		else if (c == 'p')
			password = optarg;
		else
			return 2;
	}
	if (optind != argc - 1)
		return 2;
	cl = rfbGetClient(8, 3, 4);
	cl->Bell = got_bell;
	cl->GotXCutText = got_cut;
	cl->GotCursorShape = got_cursor;
	cl->GetPassword = get_password;
	cl->appData.useRemoteCursor = cursor != NULL;
	cl->serverHost = strdup("127.0.0.1");
	cl->serverPort = atoi(argv[optind]);
	if (!rfbInitClient(cl, NULL, NULL)) {
		fprintf(stderr, "vncclip: cannot connect\n");
		return 1;
	}
	pump(cl, NULL, false, false, 0.5); /* settle: first update, text */
	free(seen.cut);
	seen.cut = NULL;
	printf("vncclip: ready\n");
	fflush(stdout);
	if (send) {
		char *l1 = to_latin1(send);

		SendClientCutText(cl, l1, (int)strlen(l1));
		free(l1);
	}
	if (bell)
		ring(bell);
	if (cursor) {
		want_cursors = 1;
		if (!pump(cl, NULL, false, true, timeout)) {
			fprintf(stderr, "vncclip: no cursor shape arrived\n");
			return 1;
		}
		change_cursor(cursor);
		want_cursors = seen.cursors + 1;
	}
	if (!pump(cl, expect, bell != NULL, true, timeout)) {
		fprintf(stderr, "vncclip: timed out: bell %s, text \"%s\"\n",
			seen.bell ? "seen" : "not seen",
			seen.cut ? seen.cut : "(none)");
		return 1;
	}
	pump(cl, NULL, false, false, send ? 1.0 : 0);
	rfbClientCleanup(cl);
	printf("vncclip: ok\n");
	return 0;
}
