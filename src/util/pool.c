/* Workers take jobs from a FIFO under one mutex; finished jobs go to a
 * second list and an eventfd wakes the loop.  Their `done` is called from
 * a timer, which the loop runs after every file descriptor of that round:
 * input that arrived together with a finished job is handled before the
 * job's output.  Nothing here knows what a job is. */
#include "util/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/log.h"

struct pool {
	struct loop *loop;
	pthread_mutex_t lock;
	pthread_cond_t work;  /* a job was queued, or stopping */
	pthread_cond_t idle;  /* a job finished */
	struct pool_job *head, *tail; /* queued */
	struct pool_job *fin_head, *fin_tail; /* run, done not yet called */
	int busy;	      /* queued or running, done not yet called */
	bool stop;
	int efd;
	struct loop_timer *timer; /* delivers the dones; armed by pool_io */
	int nthreads;
	pthread_t threads[POOL_MAX_THREADS];
};

static void push(struct pool_job **head, struct pool_job **tail,
		 struct pool_job *j)
{
	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static struct pool_job *pop(struct pool_job **head, struct pool_job **tail)
{
	struct pool_job *j = *head;

	if (j) {
		*head = j->next;
		if (!*head)
			*tail = NULL;
	}
	return j;
}

static void *worker(void *data)
{
	struct pool *p = data;
	uint64_t one = 1;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct pool_job *j;

		while (!p->head && !p->stop)
			pthread_cond_wait(&p->work, &p->lock);
		j = pop(&p->head, &p->tail);
		if (!j)
			break; /* stopping and nothing left */
		pthread_mutex_unlock(&p->lock);
		j->run(j);
		pthread_mutex_lock(&p->lock);
		push(&p->fin_head, &p->fin_tail, j);
		pthread_cond_broadcast(&p->idle);
		if (write(p->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_warn("waking the loop failed");
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Call `done` for everything finished so far, on the loop thread. */
static void deliver(struct pool *p)
{
	struct pool_job *j;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		j = pop(&p->fin_head, &p->fin_tail);
		if (j)
			p->busy--;
		pthread_mutex_unlock(&p->lock);
		if (!j)
			return;
		j->done(j);
	}
}

static void pool_timer(void *data)
{
	struct pool *p = data;

	p->timer = NULL;
	deliver(p);
}

static void pool_io(void *data, int fd, unsigned events)
{
	struct pool *p = data;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("reading the pool's eventfd failed");
	if (!p->timer)
		p->timer = loop_timer_add(p->loop, 0, false, pool_timer, p);
	if (!p->timer)
		deliver(p); /* out of memory: at once, then */
}

int pool_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > POOL_MAX_THREADS ? POOL_MAX_THREADS : (int)n;
}

static void stop_workers(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
}

struct pool *pool_new(struct loop *loop, int nthreads)
{
	struct pool *p;

	if (nthreads <= 1)
		return NULL;
	if (nthreads > POOL_MAX_THREADS)
		nthreads = POOL_MAX_THREADS;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->loop = loop;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0 || loop_add_fd(loop, p->efd, LOOP_IN, pool_io, p) < 0)
		goto err;
	for (; p->nthreads < nthreads; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p))
			break;
	if (!p->nthreads) {
		loop_del_fd(loop, p->efd);
		goto err;
	}
	return p;

err:
	log_error("cannot start encoder threads: encoding on the main loop");
	if (p->efd >= 0)
		close(p->efd);
	free(p);
	return NULL;
}

void pool_drain(struct pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	while (p->busy > 0) {
		while (!p->fin_head)
			pthread_cond_wait(&p->idle, &p->lock);
		pthread_mutex_unlock(&p->lock);
		deliver(p);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
}

void pool_destroy(struct pool *p)
{
	if (!p)
		return;
	pool_drain(p);
	stop_workers(p);
	loop_del_fd(p->loop, p->efd);
	if (p->timer)
		loop_timer_del(p->loop, p->timer);
	close(p->efd);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void pool_submit(struct pool *p, struct pool_job *job)
{
	if (!p) {
		job->run(job);
		job->done(job);
		return;
	}
	pthread_mutex_lock(&p->lock);
	push(&p->head, &p->tail, job);
	p->busy++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}
