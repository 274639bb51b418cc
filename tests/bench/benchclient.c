// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * benchclient: the measuring viewer of `make bench`.  It connects to one
 * VNC server with one encoding, runs benchdraw for each workload on the
 * server's X display and measures what arrives:
 *
 *   - updates/s: FramebufferUpdates carrying at least one rectangle;
 *   - latency: from the start of drawing a frame (benchdraw's timestamp)
 *     to the end of the update in which that frame's marker decodes;
 *   - CPU of the server and of Xvfb (their process CPU clocks, which
 *     /proc/PID/stat also shows) over the timed phase;
 *   - bytes received (TCP_INFO), rectangles, CopyRect rectangles and area;
 *   - pixels that still differ from the X display `--settle` seconds after
 *     the drawing stopped.
 *
 * One line per workload goes to --out (key=value, raw totals) for
 * table.py; a short summary goes to stdout.  libvncclient asks for a new
 * incremental update as soon as one is decoded, as simple viewers do.
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <rfb/rfbclient.h>

#include "marker.h"

static struct {
	const char *label, *encoding, *display, *draw, *out;
	char *workloads;
	int server_pid, xvfb_pid, port;
	double seconds, hz, settle;
	bool verbose;
} opt = {
	.label = "server",
	.encoding = "zrle",
	.workloads = "term,drag,blink,full,idle",
	.seconds = 10,
	.hz = 30,
	.settle = 2,
};

/* One received FramebufferUpdate. */
struct upd {
	int64_t t;
	uint64_t bytes; /* received on the socket so far */
	unsigned rects, copy_rects;
	uint64_t px, copy_px;
};

static struct {
	struct upd *log;
	size_t n, cap;
	struct upd cur; /* the update being decoded */
	/* frames of the current workload, indexed by seq - base */
	uint32_t base;
	size_t nframes;
	int64_t *drawn, *shown;
	int64_t last_seq;
	int64_t start, stop; /* benchdraw's timed phase */
	uint64_t bytes0;     /* received before it */
	bool ready;
} st;

static GotCopyRectProc lib_copy_rect;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *msg)
{
	fprintf(stderr, "benchclient: %s: %s\n", opt.label, msg);
	exit(1);
}

static uint64_t sock_bytes(rfbClient *cl)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(cl->sock, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return 0;
	return ti.tcpi_bytes_received;
}

/* utime + stime of a process (all its threads) in ms from /proc/PID/stat:
 * 10 ms ticks. */
static double stat_cpu_ms(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st_;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu",
			 &ut, &st_) != 2)
		return 0;
	return (ut + st_) * 1000.0 / sysconf(_SC_CLK_TCK);
}

/* CPU time of a process, all its threads including ended ones, in ms; 0
 * if pid is 0.  The process CPU clock counts nanoseconds, which an idle
 * server's fraction of a percent needs; /proc ticks are the fallback. */
static double cpu_ms(int pid)
{
	clockid_t clk;
	struct timespec ts;

	if (!pid)
		return 0;
	if (!clock_getcpuclockid(pid, &clk) && !clock_gettime(clk, &ts))
		return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
	return stat_cpu_ms(pid);
}

static uint32_t fb_pixel(rfbClient *cl, int x, int y)
{
	uint32_t v;

	memcpy(&v, cl->frameBuffer + ((size_t)y * cl->width + x) * 4, 4);
	return v;
}

/* The marker's sequence number in the viewer's framebuffer, or -1. */
static int64_t read_marker(rfbClient *cl)
{
	uint32_t code = 0;
	int i, c = BENCH_MARKER_CELL / 2;

	if (cl->width < BENCH_MARKER_W || cl->height < BENCH_MARKER_CELL)
		return -1;
	/* two pixels of each cell, which must agree */
	for (i = 0; i < BENCH_MARKER_BITS; i++) {
		int x = i * BENCH_MARKER_CELL + c;
		uint32_t g = fb_pixel(cl, x, c) >> 8 & 255;
		uint32_t h = fb_pixel(cl, x - 1, c - 1) >> 8 & 255;

		if (g >= 160 && h >= 160)
			code |= 1u << i;
		else if (g > 96 || h > 96)
			return -1;
	}
	return bench_marker_seq(code);
}

static void got_rect(rfbClient *cl, int x, int y, int w, int h)
{
	st.cur.rects++;
	st.cur.px += (uint64_t)w * h;
}

static void got_copy(rfbClient *cl, int sx, int sy, int w, int h, int dx,
		     int dy)
{
	st.cur.copy_rects++;
	st.cur.copy_px += (uint64_t)w * h;
	lib_copy_rect(cl, sx, sy, w, h, dx, dy);
}

static void finished_update(rfbClient *cl)
{
	int64_t t = now_ns(), seq = read_marker(cl);

	if (st.cur.rects) {
		if (st.n == st.cap) {
			st.cap = st.cap ? 2 * st.cap : 1024;
			st.log = realloc(st.log, st.cap * sizeof(*st.log));
			if (!st.log)
				die("out of memory");
		}
		st.cur.t = t;
		st.cur.bytes = sock_bytes(cl);
		st.log[st.n++] = st.cur;
	}
	memset(&st.cur, 0, sizeof(st.cur));
	/* A garbled marker may pass the check by chance (1 in 4096): only a
	 * frame of the running workload, newer than the last one, counts. */
	if (seq < st.base || (uint64_t)(seq - st.base) >= st.nframes ||
	    seq <= st.last_seq) {
		if (seq >= 0 && opt.verbose)
			fprintf(stderr, "marker %lld ignored\n",
				(long long)seq);
		return;
	}
	st.last_seq = seq;
	if (!st.shown[seq - st.base])
		st.shown[seq - st.base] = t;
}

static rfbBool malloc_fb(rfbClient *cl)
{
	free(cl->frameBuffer);
	cl->frameBuffer = calloc((size_t)cl->width * cl->height, 4);
	return cl->frameBuffer != NULL;
}

static void quiet_log(const char *fmt, ...)
{
}

static rfbClient *connect_server(void)
{
	rfbClient *cl = rfbGetClient(8, 3, 4);
	char *argv[] = { "benchclient", NULL };
	int argc = 1;

	/* The X server's own layout at depth 24, as TigerVNC's viewer asks
	 * for it: no server pays for a pixel conversion. */
	cl->format.redShift = 16;
	cl->format.greenShift = 8;
	cl->format.blueShift = 0;
	cl->serverHost = strdup("127.0.0.1");
	cl->serverPort = opt.port;
	cl->appData.shareDesktop = TRUE;
	cl->appData.useRemoteCursor = TRUE;
	cl->appData.compressLevel = 2;
	if (!strcmp(opt.encoding, "zrle")) {
		cl->appData.encodingsString = "copyrect zrle";
		cl->appData.enableJPEG = FALSE;
	} else if (!strcmp(opt.encoding, "tight")) {
		cl->appData.encodingsString = "copyrect tight";
		cl->appData.enableJPEG = FALSE;
	} else if (!strcmp(opt.encoding, "jpeg")) {
		cl->appData.encodingsString = "copyrect tight";
		cl->appData.enableJPEG = TRUE;
		cl->appData.qualityLevel = 8;
	} else {
		die("encoding is zrle, tight or jpeg");
	}
	cl->MallocFrameBuffer = malloc_fb;
	cl->GotFrameBufferUpdate = got_rect;
	cl->FinishedFrameBufferUpdate = finished_update;
	lib_copy_rect = cl->GotCopyRect;
	cl->GotCopyRect = got_copy;
	if (!rfbInitClient(cl, &argc, argv))
		die("cannot connect");
	return cl;
}

/* The drawing program and the pipes to it. */
struct drawer {
	pid_t pid;
	FILE *in; /* its stdin */
	int out;  /* its stdout */
	char buf[4096];
	size_t len;
};

static void frame_line(const char *line)
{
	unsigned seq;
	long long t;

	if (sscanf(line, "f %u %lld", &seq, &t) == 2) {
		if (seq >= st.base && seq - st.base < st.nframes)
			st.drawn[seq - st.base] = t;
	} else if (sscanf(line, "start %lld", &t) == 1) {
		st.start = t;
	} else if (sscanf(line, "stop %lld", &t) == 1) {
		st.stop = t;
	} else if (!strncmp(line, "ready", 5)) {
		st.ready = true;
	}
}

static void drawer_read(struct drawer *d)
{
	ssize_t n = read(d->out, d->buf + d->len, sizeof(d->buf) - 1 - d->len);
	char *nl, *p;

	if (n <= 0) {
		if (n < 0 && errno == EINTR)
			return;
		die("benchdraw ended early");
	}
	d->len += n;
	d->buf[d->len] = 0;
	p = d->buf;
	while ((nl = strchr(p, '\n'))) {
		*nl = 0;
		frame_line(p);
		p = nl + 1;
	}
	d->len -= p - d->buf;
	memmove(d->buf, p, d->len);
}

/* Serve the connection and the drawer for up to ms milliseconds, or until
 * done() says so. */
static void pump(rfbClient *cl, struct drawer *d, double ms, bool (*done)(void))
{
	int64_t end = now_ns() + ms * 1e6;

	while (!(done && done())) {
		struct pollfd p[2] = { { .fd = cl->sock, .events = POLLIN },
				       { .fd = d ? d->out : -1,
					 .events = POLLIN } };
		int64_t left = end - now_ns();

		if (left <= 0)
			return;
		if (!cl->buffered && poll(p, 2, left / 1000000 + 1) <= 0)
			continue;
		if (cl->buffered || p[0].revents) {
			if (!HandleRFBServerMessage(cl))
				die("connection lost");
		}
		if (p[1].revents)
			drawer_read(d);
	}
}

static void drawer_start(struct drawer *d, const char *wl)
{
	int to[2], from[2];
	char secs[32], hz[32], seq[32];

	snprintf(secs, sizeof(secs), "%g", opt.seconds);
	snprintf(hz, sizeof(hz), "%g", opt.hz);
	snprintf(seq, sizeof(seq), "%u", st.base);
	if (pipe(to) || pipe(from))
		die("pipe");
	d->pid = fork();
	if (d->pid < 0)
		die("fork");
	if (!d->pid) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[1]);
		close(from[0]);
		execl(opt.draw, "benchdraw", opt.display, wl, secs, hz, seq,
		      (char *)NULL);
		perror("benchdraw");
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	d->in = fdopen(to[1], "w");
	d->out = from[0];
	d->len = 0;
}

static void drawer_end(struct drawer *d)
{
	fputs("quit\n", d->in);
	fclose(d->in);
	close(d->out);
	waitpid(d->pid, NULL, 0);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Wrong pixels and their bounding box, to tell a cursor from a stale
 * window at a glance. */
static struct {
	int x0, y0, x1, y1;
} box;

static long count_wrong(rfbClient *cl)
{
	Display *dpy = XOpenDisplay(opt.display);
	XImage *img;
	long wrong = 0;
	int x, y, w, h;

	if (!dpy)
		die("cannot open the X display to compare");
	w = DisplayWidth(dpy, DefaultScreen(dpy));
	h = DisplayHeight(dpy, DefaultScreen(dpy));
	img = XGetImage(dpy, DefaultRootWindow(dpy), 0, 0, w, h, AllPlanes,
			ZPixmap);
	if (!img || w != cl->width || h != cl->height)
		die("cannot read the X display, or size differs");
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			if ((XGetPixel(img, x, y) ^ fb_pixel(cl, x, y)) &
			    0xffffff) {
				if (!wrong++)
					box.x0 = box.x1 = x,
					box.y0 = box.y1 = y;
				box.x0 = x < box.x0 ? x : box.x0;
				box.x1 = x > box.x1 ? x : box.x1;
				box.y1 = y;
			}
	XDestroyImage(img);
	XCloseDisplay(dpy);
	return wrong;
}

static bool is_ready(void)
{
	return st.ready && st.last_seq >= st.base;
}

static bool is_stopped(void)
{
	return st.stop != 0;
}

static void report(const char *wl, double srv_ms, double xvfb_ms, long wrong)
{
	uint64_t bytes = 0, px = 0, copy_px = 0;
	unsigned long ups = 0, rects = 0, copy_rects = 0, shown = 0, frames = 0;
	int64_t *lat = calloc(st.nframes + 1, sizeof(*lat));
	double secs = (st.stop - st.start) / 1e9, p50 = -1, p95 = -1;
	size_t i;
	FILE *f;

	for (i = 0; i < st.n; i++) {
		const struct upd *u = &st.log[i];

		if (u->t < st.start)
			continue;
		if (u->t > st.stop)
			break;
		ups++;
		rects += u->rects;
		px += u->px;
		copy_rects += u->copy_rects;
		copy_px += u->copy_px;
		bytes = u->bytes - st.bytes0;
	}
	for (i = 0; i < st.nframes; i++) {
		frames += st.drawn[i] != 0;
		if (st.drawn[i] && st.shown[i])
			lat[shown++] = st.shown[i] - st.drawn[i];
	}
	if (shown) {
		qsort(lat, shown, sizeof(*lat), cmp_i64);
		p50 = lat[shown / 2] / 1e6;
		p95 = lat[(shown * 95 + 99) / 100 - 1] / 1e6;
	}
	free(lat);
	f = opt.out ? fopen(opt.out, "a") : NULL;
	for (int k = 0; k < 2; k++) {
		FILE *o = k ? f : stdout;

		if (!o)
			continue;
		fprintf(o,
			"server=%s enc=%s wl=%s secs=%.3f frames=%lu "
			"shown=%lu updates=%lu p50=%.2f p95=%.2f "
			"srv_cpu_ms=%.2f xvfb_cpu_ms=%.2f bytes=%llu "
			"rects=%lu px=%llu copy_rects=%lu copy_px=%llu "
			"wrong=%ld wrong_box=%dx%d+%d+%d\n",
			opt.label, opt.encoding, wl, secs, frames, shown, ups,
			p50, p95, srv_ms, xvfb_ms, (unsigned long long)bytes,
			rects, (unsigned long long)px, copy_rects,
			(unsigned long long)copy_px, wrong,
			wrong ? box.x1 - box.x0 + 1 : 0,
			wrong ? box.y1 - box.y0 + 1 : 0, box.x0, box.y0);
	}
	if (f)
		fclose(f);
}

static void run_workload(rfbClient *cl, const char *wl)
{
	struct drawer d;
	double srv0, xvfb0, srv1, xvfb1;
	size_t max = opt.seconds * opt.hz + 16;

	st.nframes = max;
	st.drawn = calloc(max, sizeof(*st.drawn));
	st.shown = calloc(max, sizeof(*st.shown));
	st.start = st.stop = 0;
	st.ready = false;
	st.n = 0;
	st.last_seq = (int64_t)st.base - 1;
	drawer_start(&d, wl);
	/* the scene is set up and on the viewer, with a quiet moment */
	pump(cl, &d, 30000, is_ready);
	if (!is_ready())
		die("the scene did not reach the viewer in 30 s");
	pump(cl, &d, 500, NULL);
	srv0 = cpu_ms(opt.server_pid);
	xvfb0 = cpu_ms(opt.xvfb_pid);
	st.bytes0 = sock_bytes(cl);
	fputs("go\n", d.in);
	fflush(d.in);
	pump(cl, &d, opt.seconds * 1000 + 30000, is_stopped);
	if (!st.stop)
		die("benchdraw did not finish");
	srv1 = cpu_ms(opt.server_pid);
	xvfb1 = cpu_ms(opt.xvfb_pid);
	pump(cl, &d, opt.settle * 1000, NULL);
	report(wl, srv1 - srv0, xvfb1 - xvfb0, count_wrong(cl));
	drawer_end(&d);
	st.base += max;
	free(st.drawn);
	free(st.shown);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: benchclient [options] PORT\n"
		"  --label NAME        server name in the results\n"
		"  --encoding E        zrle, tight (lossless) or jpeg (Tight, "
		"quality 8)\n"
		"  --display :N        the server's X display (required)\n"
		"  --server-pid PID    process whose CPU is the server's\n"
		"  --xvfb-pid PID      the X server's process\n"
		"  --workloads LIST    default term,drag,blink,full,idle\n"
		"  --seconds S         timed phase per workload (10)\n"
		"  --hz HZ             drawing rate (30)\n"
		"  --settle S          wait before comparing pixels (2)\n"
		"  --draw PATH         benchdraw (default: next to this)\n"
		"  --out FILE          append result lines to FILE\n"
		"  -v                  libvncclient's log\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "label", 1, 0, 'l' },	   { "encoding", 1, 0, 'e' },
		{ "display", 1, 0, 'd' },  { "server-pid", 1, 0, 'p' },
		{ "xvfb-pid", 1, 0, 'x' }, { "workloads", 1, 0, 'w' },
		{ "seconds", 1, 0, 's' },  { "hz", 1, 0, 'z' },
		{ "settle", 1, 0, 'S' },   { "draw", 1, 0, 'D' },
		{ "out", 1, 0, 'o' },	   { 0, 0, 0, 0 },
	};
	static char self[PATH_MAX], draw[PATH_MAX + 16];
	int c;

	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (c) {
		case 'l':
			opt.label = optarg;
			break;
		case 'e':
			opt.encoding = optarg;
			break;
		case 'd':
			opt.display = optarg;
			break;
		case 'p':
			opt.server_pid = atoi(optarg);
			break;
		case 'x':
			opt.xvfb_pid = atoi(optarg);
			break;
		case 'w':
			opt.workloads = optarg;
			break;
		case 's':
			opt.seconds = atof(optarg);
			break;
		case 'z':
			opt.hz = atof(optarg);
			break;
		case 'S':
			opt.settle = atof(optarg);
			break;
		case 'D':
			opt.draw = optarg;
			break;
		case 'o':
			opt.out = optarg;
			break;
		case 'v':
			opt.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || !opt.display || opt.seconds <= 0 ||
	    opt.hz <= 0)
		usage();
	opt.port = atoi(argv[optind]);
	if (!opt.draw) {
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char *slash;

		self[n > 0 ? n : 0] = 0;
		slash = strrchr(self, '/');
		if (slash)
			*slash = 0;
		snprintf(draw, sizeof(draw), "%s/benchdraw", self);
		opt.draw = draw;
	}
}

int main(int argc, char **argv)
{
	rfbClient *cl;
	char *wl, *save;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if (!opt.verbose)
		rfbClientLog = rfbClientErr = quiet_log;
	cl = connect_server();
	st.base = 1;
	/* the first full picture */
	pump(cl, NULL, 2000, NULL);
	for (wl = strtok_r(opt.workloads, ",", &save); wl;
	     wl = strtok_r(NULL, ",", &save))
		run_workload(cl, wl);
	rfbClientCleanup(cl);
	return 0;
}
