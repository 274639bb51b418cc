// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vncwatch: a well-behaved libvncclient viewer that stays connected while
 * the hostile-input tests attack the server, and reports whether it kept
 * getting updates and ends with the right picture.
 *
 *   vncwatch [-e ENCODINGS] [-f FORMAT] [-d XDISPLAY] [-t SECONDS]
 *            [-r REPORT] [-p PASSWORD] [HOST:]PORT | /UNIX/SOCKET
 *
 * It keeps asking for incremental updates until SIGTERM/SIGINT or -t
 * seconds, then waits (up to 15 s) for its framebuffer to equal the X
 * display pixel for pixel, and writes key=value lines (see report()).
 * Exit 0 only if it stayed connected and the final picture matched.
 */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rfb/rfbclient.h>

#define VV_NAME "vncwatch"
#include "vncview.h"

/* How long the final picture may take to arrive after the stop. */
#define MATCH_TIMEOUT 15.0

static struct {
	char *host;
	int port;
	const char *encodings, *format, *display, *report, *password;
	double seconds; /* 0: until a signal */
} opt = { .host = "127.0.0.1", .encodings = "zrle raw", .format = "32le" };

static struct {
	double start, last_update;
	long connected_ms; /* -1: never connected */
	unsigned long updates;
	double max_gap;
	bool disconnected;
	int final_match; /* -1: no display to compare with */
	long match_ms;
} st = { .connected_ms = -1, .final_match = -1, .match_ms = -1 };

static void usage(void)
{
	fprintf(stderr, "usage: vncwatch [-e ENCODINGS] [-f FORMAT] "
			"[-d XDISPLAY] [-t SECONDS] [-r REPORT]\n"
			"                [-p PASSWORD] [HOST:]PORT | "
			"/UNIX/SOCKET\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "e:f:d:t:r:p:")) != -1) {
		switch (c) {
		case 'e': opt.encodings = optarg; break;
		case 'f': opt.format = optarg; break;
		case 'd': opt.display = optarg; break;
		case 't': opt.seconds = atof(optarg); break;
		case 'r': opt.report = optarg; break;
		case 'p': opt.password = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1 ||
	    !vv_parse_port(argv[optind], &opt.host, &opt.port))
		usage();
}

/* An update ends a gap: the longest one is the worst stall seen. */
static void note_gap(void)
{
	double t = vv_now();

	if (t - st.last_update > st.max_gap)
		st.max_gap = t - st.last_update;
	st.last_update = t;
}

static void finished_update(rfbClient *cl)
{
	st.updates++;
	note_gap();
}

static char *get_password(rfbClient *cl)
{
	return strdup(opt.password ? opt.password : "");
}

static void client_log(const char *fmt, ...)
{
	va_list ap;

	fputs("vncwatch: libvncclient: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static rfbClient *connect_server(void)
{
	rfbClient *cl = rfbGetClient(8, 3, 4);

	if (!vv_set_format(&cl->format, opt.format))
		exit(2);
	cl->appData.requestedDepth = cl->format.depth;
	cl->appData.encodingsString = opt.encodings;
	cl->appData.shareDesktop = TRUE;
	cl->GetPassword = get_password;
	cl->FinishedFrameBufferUpdate = finished_update;
	free(cl->serverHost);
	cl->serverHost = strdup(opt.host);
	cl->serverPort = opt.port;
	cl->connectTimeout = 10;
	cl->readTimeout = 30;
	/* on failure rfbInitClient frees cl */
	if (!rfbInitClient(cl, NULL, NULL))
		return NULL;
	st.connected_ms = (long)((vv_now() - st.start) * 1000);
	st.last_update = vv_now();
	return cl;
}

/* SIGTERM and SIGINT stay blocked and are polled between messages, so
 * that they never interrupt libvncclient in the middle of a read. */
static sigset_t stop_signals;

static bool stop_requested(void)
{
	struct timespec zero = { 0, 0 };

	return sigtimedwait(&stop_signals, NULL, &zero) > 0;
}

static void watch(rfbClient *cl)
{
	double end = opt.seconds > 0 ? vv_now() + opt.seconds : 0;

	while (!stop_requested() && (!end || vv_now() < end)) {
		if (!vv_pump(cl, 50)) {
			st.disconnected = true;
			break;
		}
	}
	/* the gap still open at the stop counts too */
	if (!st.disconnected)
		note_gap();
}

static void report(void)
{
	FILE *fp = opt.report ? fopen(opt.report, "w") : stdout;

	if (!fp) {
		perror(opt.report);
		exit(1);
	}
	fprintf(fp, "connected_ms=%ld\nupdates=%lu\nmax_gap_ms=%ld\n"
		    "disconnected=%d\n", st.connected_ms, st.updates,
		(long)(st.max_gap * 1000), st.disconnected);
	if (st.final_match < 0)
		fprintf(fp, "final_match=skipped\n");
	else
		fprintf(fp, "final_match=%d\n", st.final_match);
	fprintf(fp, "match_ms=%ld\n", st.match_ms);
	if (fclose(fp)) {
		perror(opt.report);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	rfbClient *cl;

	parse_args(argc, argv);
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);
	rfbClientLog = client_log;
	rfbClientErr = client_log;
	st.start = vv_now();
	cl = connect_server();
	if (!cl) {
		st.disconnected = true;
		report();
		return 1;
	}
	/* the tests start their attacks once they see this */
	printf("connected %dx%d\n", cl->width, cl->height);
	fflush(stdout);
	watch(cl);
	if (!st.disconnected && opt.display) {
		st.match_ms = vv_wait_match(cl, opt.display, MATCH_TIMEOUT,
					    &st.updates);
		st.final_match = st.match_ms >= 0;
	}
	report();
	free(cl->frameBuffer);
	rfbClientCleanup(cl);
	return !st.disconnected && st.final_match != 0 ? 0 : 1;
}
