/* The encoder worker pool: every job runs once and its `done` runs on the
 * loop thread; shutdown finishes queued jobs; and the engine with
 * -threads: updates in order from a copy of the pixels, input read while
 * an update is being encoded, a client leaving while its job waits. */
#include <pthread.h>
#include <stdatomic.h>

#include "engine_harness.h"
#include "rfb/internal.h"
#include "util/pool.h"

struct count_job {
	struct pool_job base;
	int id;
	bool ran, done_on_loop;
};

static atomic_int runs;
static int done_order[64], ndone;
static pthread_t loop_thread;

static void count_run(struct pool_job *j)
{
	((struct count_job *)j)->ran = true;
	atomic_fetch_add(&runs, 1);
}

static void count_done(struct pool_job *j)
{
	struct count_job *c = (struct count_job *)j;

	c->done_on_loop = pthread_equal(pthread_self(), loop_thread);
	if (ndone < 64)
		done_order[ndone++] = c->id;
}

/* A job that holds its worker until released. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static atomic_int gates_waiting;

static void gate_run(struct pool_job *j)
{
	pthread_mutex_lock(&gate_lock);
	atomic_fetch_add(&gates_waiting, 1);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
}

static void gate_done(struct pool_job *j)
{
}

static struct pool_job gates[2] = { { gate_run, gate_done, NULL },
				    { gate_run, gate_done, NULL } };

/* Block every worker of `p` (two of them). */
static void gate_close(struct pool *p)
{
	gate_open = false;
	atomic_store(&gates_waiting, 0);
	pool_submit(p, &gates[0]);
	pool_submit(p, &gates[1]);
	while (atomic_load(&gates_waiting) < 2)
		usleep(1000);
}

static void gate_release(void)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = true;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

static void test_runs_all(void)
{
	struct loop *l = loop_new();
	struct pool *p = pool_new(l, 3);
	struct count_job jobs[50];

	loop_thread = pthread_self();
	atomic_store(&runs, 0);
	ndone = 0;
	if (!CHECK(p))
		return;
	for (int i = 0; i < 50; i++) {
		jobs[i] = (struct count_job){ .base = { count_run, count_done, NULL },
					      .id = i };
		pool_submit(p, &jobs[i].base);
	}
	pool_drain(p);
	CHECK_EQ(atomic_load(&runs), 50);
	CHECK_EQ(ndone, 50);
	for (int i = 0; i < 50; i++)
		CHECK(jobs[i].ran && jobs[i].done_on_loop);
	pool_destroy(p);
	loop_destroy(l);
}

/* Jobs still queued at shutdown run, and their dones are delivered. */
static void test_destroy_pending(void)
{
	struct loop *l = loop_new();
	struct pool *p = pool_new(l, 2);
	struct count_job jobs[10];

	ndone = 0;
	gate_close(p);
	for (int i = 0; i < 10; i++) {
		jobs[i] = (struct count_job){ .base = { count_run, count_done, NULL },
					      .id = i };
		pool_submit(p, &jobs[i].base);
	}
	CHECK_EQ(ndone, 0);
	gate_release();
	pool_destroy(p);
	CHECK_EQ(ndone, 10);
	loop_destroy(l);
}

/* No pool: run, then done, at once. */
static void test_inline(void)
{
	struct count_job j = { .base = { count_run, count_done, NULL }, .id = 7 };

	loop_thread = pthread_self();
	ndone = 0;
	CHECK(pool_new(NULL, 1) == NULL);
	pool_submit(NULL, &j.base);
	CHECK(j.ran && j.done_on_loop);
	CHECK_EQ(ndone, 1);
}

static char order[8];
static int norder;
static atomic_bool job_ran;

static void mark_run(struct pool_job *j)
{
	atomic_store(&job_ran, true);
}

static void mark_done(struct pool_job *j)
{
	order[norder++] = 'o';
}

static void mark_input(void *data, int fd, unsigned events)
{
	char b;

	if (read(fd, &b, 1) == 1)
		order[norder++] = 'i';
}

/* A job that finished while input arrived: the input is handled first,
 * then the job's done (its output). */
static void test_input_first(void)
{
	struct loop *l = loop_new();
	struct pool *p = pool_new(l, 2);
	struct pool_job j = { mark_run, mark_done, NULL };
	int pfd[2];

	if (!CHECK(p) || !CHECK(pipe(pfd) == 0))
		return;
	loop_add_fd(l, pfd[0], LOOP_IN, mark_input, NULL);
	norder = 0;
	atomic_store(&job_ran, false);
	pool_submit(p, &j);
	while (!atomic_load(&job_ran))
		usleep(1000);
	usleep(20000); /* the worker has queued it as finished */
	CHECK(write(pfd[1], "k", 1) == 1);
	loop = l;
	pump();
	CHECK_EQ(norder, 2);
	CHECK(norder == 2 && order[0] == 'i' && order[1] == 'o');
	pool_destroy(p);
	loop_del_fd(l, pfd[0]);
	close(pfd[0]);
	close(pfd[1]);
	loop_destroy(l);
}

static void threaded_server(void)
{
	struct rfb_server_opts o = { .shared = true, .threads = 2 };

	new_server_opts(o);
	CHECK(srv->pool != NULL);
}

/* Read a one-rectangle Raw update of `r` into px (w*h words). */
static bool read_raw(int fd, const struct rfb_rect *r, uint32_t *px)
{
	uint8_t hdr[16];

	if (!CHECK(recv_bytes(fd, hdr, 16)))
		return false;
	CHECK_EQ(hdr[2] << 8 | hdr[3], 1);
	CHECK_EQ(hdr[8] << 8 | hdr[9], r->w);
	CHECK_EQ(hdr[10] << 8 | hdr[11], r->h);
	return CHECK(recv_bytes(fd, px, (size_t)r->w * r->h * 4));
}

/* While a job waits: input is still handled, a Bell queued meanwhile
 * follows the update, and the update shows the pixels from when it was
 * started even though the framebuffer changed since. */
static void test_engine_order(void)
{
	struct rfb_rect all = { 0, 0, FB_W, FB_H };
	static uint32_t before[FB_W * FB_H], got[FB_W * FB_H];
	uint8_t b;
	int fd;

	threaded_server();
	fd = normal_client();
	memcpy(before, pixels, sizeof(before));
	gate_close(srv->pool);
	/* A capture waits (for another viewer): the job reads a copy. */
	srv->capture_waiting = true;
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	CHECK(srv->clients->job_busy);
	CHECK_EQ(srv->fb_readers, 0);
	for (int i = 0; i < FB_W * FB_H; i++)
		pixels[i] ^= 0x00ffffff;
	rfb_server_damage(srv, &all);
	send_key(fd, 0x61, true);
	CHECK_EQ(fake.key_events, 1);
	rfb_server_bell(srv);
	pump();
	CHECK(recv(fd, &b, 1, MSG_DONTWAIT) < 0); /* nothing yet */
	gate_release();
	pump();
	if (read_raw(fd, &all, got))
		CHECK(!memcmp(got, before, sizeof(got)));
	CHECK(recv_bytes(fd, &b, 1) && b == 2); /* Bell */
	send_fbur(fd, true, 0, 0, FB_W, FB_H);
	if (read_raw(fd, &all, got))
		CHECK(!memcmp(got, pixels, sizeof(got)));
	close(fd);
	free_server();
}

/* Jobs read the framebuffer in place while no capture waits: then no
 * capture may run (rfb_server_ready says no), and the first one that
 * waits makes the jobs built after it take copies, so it waits for the
 * jobs already running only.  A viewer whose job runs wants no capture:
 * it gets one once the job is done. */
static void test_engine_in_place(void)
{
	struct rfb_rect all = { 0, 0, FB_W, FB_H };
	static uint32_t got[FB_W * FB_H];
	int fd, fd2;

	threaded_server();
	fd = normal_client();
	fd2 = normal_client();
	send_fbur(fd2, false, 0, 0, FB_W, FB_H);
	read_raw(fd2, &all, got);
	gate_close(srv->pool);
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	CHECK_EQ(srv->fb_readers, 1);
	/* fd2 holds no change and would take one: it must wait. */
	CHECK(!rfb_server_ready(srv));
	CHECK(srv->capture_waiting);
	send_fbur(fd2, false, 0, 0, FB_W, FB_H);
	CHECK(srv->clients->next->job_busy || srv->clients->job_busy);
	CHECK_EQ(srv->fb_readers, 1); /* fd2's job copied the pixels */
	gate_release();
	pump();
	CHECK(read_raw(fd, &all, got) && !memcmp(got, pixels, sizeof(got)));
	CHECK(read_raw(fd2, &all, got) && !memcmp(got, pixels, sizeof(got)));
	CHECK_EQ(srv->fb_readers, 0);
	CHECK(rfb_server_ready(srv));
	CHECK(!srv->capture_waiting);
	close(fd2);
	pump();
	/* Alone, a viewer whose job runs does not want a capture. */
	gate_close(srv->pool);
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	CHECK(!rfb_server_ready(srv));
	CHECK(!srv->capture_waiting);
	/* A resize waits for the job reading the framebuffer. */
	gate_release();
	rfb_server_fb_release(srv);
	CHECK(!srv->clients->job_busy);
	CHECK_EQ(srv->fb_readers, 0);
	CHECK(read_raw(fd, &all, got));
	close(fd);
	free_server();
}

/* A viewer whose requests come back sooner than a capture takes (or one
 * with continuous updates) has no round trip to hide a capture in: the
 * capture overlaps the encoding of its update, whose job copies the
 * pixels. */
static void test_engine_overlap(void)
{
	struct rfb_rect all = { 0, 0, FB_W, FB_H };
	static uint32_t got[FB_W * FB_H];
	struct rfb_client *c;
	int fd;

	threaded_server();
	fd = normal_client();
	c = srv->clients;
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	CHECK(read_raw(fd, &all, got));
	CHECK_EQ(c->reply_ms, -1);
	send_fbur(fd, true, 0, 0, FB_W, FB_H);
	CHECK(c->reply_ms >= 0 && c->reply_ms < 1000);
	srv->capture_cost_ms = 1000; /* captures are slow */
	CHECK(rfb_update_overlap(c));
	gate_close(srv->pool);
	rfb_server_damage(srv, &all);
	pump();
	CHECK(c->job_busy);
	CHECK_EQ(srv->fb_readers, 0);
	CHECK(rfb_server_ready(srv));
	/* Captures are quick: the next one waits for the job. */
	srv->capture_cost_ms = 0;
	CHECK(!rfb_update_overlap(c));
	CHECK(!rfb_server_ready(srv));
	gate_release();
	CHECK(read_raw(fd, &all, got));
	close(fd);
	free_server();
}

/* A client that goes while its update is being encoded is freed only
 * once the job is done with its encoder state. */
static void test_engine_leave(void)
{
	int fd, fd2;

	threaded_server();
	fd = normal_client();
	fd2 = normal_client();
	CHECK_EQ(fake.nclients, 2);
	gate_close(srv->pool);
	send_fbur(fd, false, 0, 0, FB_W, FB_H);
	close(fd);
	pump();
	CHECK_EQ(fake.nclients, 1);
	CHECK(srv->clients && srv->clients->next); /* still held */
	gate_release();
	pump();
	pump();
	CHECK(srv->clients && !srv->clients->next); /* now freed */
	send_fbur(fd2, false, 0, 0, FB_W, FB_H);
	check_raw_update(fd2, 0, 0, FB_W, FB_H);
	/* Shutting down with a job waiting finishes it first. */
	gate_close(srv->pool);
	send_fbur(fd2, false, 0, 0, FB_W, FB_H);
	gate_release();
	free_server();
	close(fd2);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	UNIT_RUN(test_runs_all);
	UNIT_RUN(test_destroy_pending);
	UNIT_RUN(test_inline);
	UNIT_RUN(test_input_first);
	UNIT_RUN(test_engine_order);
	UNIT_RUN(test_engine_in_place);
	UNIT_RUN(test_engine_overlap);
	UNIT_RUN(test_engine_leave);
	return UNIT_DONE();
}
