/*
 * vncidle: a libvncclient viewer that stays connected and watches the
 * pointer, for the idle test.
 *
 *   vncidle [--timeout S] PORT
 *
 * It asks for cursor shapes and PointerPos (libvncclient's remote cursor),
 * prints "vncidle: ready" once the first update and a cursor shape have
 * arrived, then "vncidle: pointer X,Y" for every PointerPos, until the
 * server closes the connection (exit 1) or S seconds pass (default 60,
 * exit 0).  It asks for updates the way libvncclient always does: one
 * incremental request outstanding.
 */
#include <getopt.h>
#include <rfb/rfbclient.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cursors, updates;

static void got_cursor(rfbClient *cl, int xhot, int yhot, int w, int h, int bpp)
{
	cursors++;
}

static rfbBool got_pos(rfbClient *cl, int x, int y)
{
	printf("vncidle: pointer %d,%d\n", x, y);
	fflush(stdout);
	return TRUE;
}

static void got_update(rfbClient *cl, int x, int y, int w, int h)
{
	updates++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* libvncclient may already hold the next message in its read buffer,
 * where select() cannot see it: handle that first. */
static bool pump(rfbClient *cl, double limit, bool until_ready)
{
	double end = now() + limit;

	while (now() < end) {
		int n;

		if (until_ready && updates > 0 && cursors > 0)
			return true;
		n = cl->buffered > 0 ? 1 : WaitForMessage(cl, 100000);
		if (n < 0 || (n > 0 && !HandleRFBServerMessage(cl)))
			return false;
	}
	return !until_ready;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = { { "timeout", 1, 0, 't' }, { 0 } };
	double timeout = 60;
	rfbClient *cl;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 't')
			timeout = atof(optarg);
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: vncidle [--timeout S] PORT\n");
		return 2;
	}
	cl = rfbGetClient(8, 3, 4);
	cl->GotCursorShape = got_cursor;
	cl->HandleCursorPos = got_pos;
	cl->GotFrameBufferUpdate = got_update;
	cl->appData.useRemoteCursor = TRUE;
	cl->serverHost = strdup("127.0.0.1");
	cl->serverPort = atoi(argv[optind]);
	if (!rfbInitClient(cl, NULL, NULL)) {
		fprintf(stderr, "vncidle: cannot connect\n");
		return 1;
	}
	if (!pump(cl, 20, true)) {
		fprintf(stderr, "vncidle: no update or cursor shape arrived\n");
		return 1;
	}
	printf("vncidle: ready\n");
	fflush(stdout);
	if (!pump(cl, timeout, false)) {
		fprintf(stderr, "vncidle: the server closed the connection\n");
		return 1;
	}
	rfbClientCleanup(cl);
	return 0;
}
