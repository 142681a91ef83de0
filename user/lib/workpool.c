// SPDX-License-Identifier: GPL-2.0-only
#include "lib/workpool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define WORKERS_LIMIT 16

enum slot_state { SLOT_FREE, SLOT_ALIVE, SLOT_EXITED };

struct worker {
	struct workpool *wp;
	pthread_t thread;
	enum slot_state state;
	bool stuck;			/* its job was given up on; it is still inside */
	struct workpool_job *current;
	int given_up;			/* the answer given for current when abandoned */
};

struct job_list {
	struct workpool_job *head, *tail;
	unsigned int len;
};

struct workpool {
	struct workpool_ops ops;
	void *ctx;
	unsigned int base, max, queue_max;
	int efd;
	pthread_mutex_t lock;		/* everything below */
	pthread_cond_t wake;		/* workers: work or stop */
	pthread_cond_t idle;		/* drain and free: a job or a worker finished */
	struct job_list todo, done;
	struct worker slots[WORKERS_LIMIT];
	unsigned int alive, stuck;
	uint64_t timeouts, refused;
	bool stop;
};

uint64_t workpool__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void list_push(struct job_list *l, struct workpool_job *j)
{
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
	l->len++;
}

static struct workpool_job *list_pop(struct job_list *l)
{
	struct workpool_job *j = l->head;

	if (j) {
		l->head = j->next;
		if (!l->head)
			l->tail = NULL;
		l->len--;
	}
	return j;
}

static uint64_t deadline_of(const struct workpool_job *j)
{
	return __atomic_load_n(&j->deadline_ms, __ATOMIC_RELAXED);
}

static void set_deadline(struct workpool_job *j, uint64_t ms)
{
	__atomic_store_n(&j->deadline_ms, ms, __ATOMIC_RELAXED);
}

static void notify(struct workpool *wp)
{
	uint64_t one = 1;

	/* the counter cannot overflow here; a lost wake-up is caught by the next tick */
	if (write(wp->efd, &one, sizeof(one)) < 0)
		return;
}

/* A worker with nothing stuck beyond the base set leaves, so the pool shrinks back. */
static bool surplus(const struct workpool *wp)
{
	return wp->alive - wp->stuck > wp->base;
}

static void finish_job(struct workpool *wp, struct worker *w, struct workpool_job *j)
{
	j->running = false;
	w->current = NULL;
	if (w->stuck) {
		w->stuck = false;
		wp->stuck--;
	}
	list_push(&wp->done, j);
	notify(wp);
	pthread_cond_broadcast(&wp->idle);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct workpool *wp = w->wp;

	pthread_mutex_lock(&wp->lock);
	for (;;) {
		struct workpool_job *j;

		while (!wp->todo.head && !wp->stop)
			pthread_cond_wait(&wp->wake, &wp->lock);
		if (wp->stop)
			break;
		j = list_pop(&wp->todo);
		j->running = true;
		w->current = j;
		pthread_mutex_unlock(&wp->lock);
		wp->ops.run(wp->ctx, j);
		pthread_mutex_lock(&wp->lock);
		finish_job(wp, w, j);
		if (surplus(wp))
			break;
	}
	w->state = SLOT_EXITED;
	wp->alive--;
	pthread_cond_broadcast(&wp->idle);
	pthread_mutex_unlock(&wp->lock);
	return NULL;
}

/* Under the lock: one more thread, in a free slot (an exited one is joined first). */
static int spawn(struct workpool *wp)
{
	for (unsigned int i = 0; i < wp->max; i++) {
		struct worker *w = &wp->slots[i];

		if (w->state == SLOT_ALIVE)
			continue;
		if (w->state == SLOT_EXITED)
			pthread_join(w->thread, NULL);
		*w = (struct worker){ .wp = wp, .state = SLOT_ALIVE };
		if (pthread_create(&w->thread, NULL, worker_main, w)) {
			w->state = SLOT_FREE;
			return -EAGAIN;
		}
		wp->alive++;
		return 0;
	}
	return -EBUSY;
}

/* Under the lock: keep base workers that are not stuck, within max threads. */
static void replace_stuck(struct workpool *wp)
{
	while (!wp->stop && wp->alive - wp->stuck < wp->base && wp->alive < wp->max)
		if (spawn(wp))
			break;
}

struct workpool *workpool__new(unsigned int workers, unsigned int max_workers,
			       unsigned int queue_max, const struct workpool_ops *ops, void *ctx)
{
	struct workpool *wp;
	pthread_condattr_t attr;

	if (!workers || max_workers < workers || max_workers > WORKERS_LIMIT || !queue_max) {
		errno = EINVAL;
		return NULL;
	}
	wp = calloc(1, sizeof(*wp));
	if (!wp)
		return NULL;
	wp->ops = *ops;
	wp->ctx = ctx;
	wp->base = workers;
	wp->max = max_workers;
	wp->queue_max = queue_max;
	pthread_mutex_init(&wp->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wp->wake, NULL);
	pthread_cond_init(&wp->idle, &attr);
	pthread_condattr_destroy(&attr);
	wp->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wp->efd < 0) {
		workpool__free(wp, 0);
		return NULL;
	}
	pthread_mutex_lock(&wp->lock);
	replace_stuck(wp);
	pthread_mutex_unlock(&wp->lock);
	if (wp->alive < wp->base) {
		workpool__free(wp, 0);
		errno = EAGAIN;
		return NULL;
	}
	return wp;
}

int workpool__fd(const struct workpool *wp)
{
	return wp->efd;
}

int workpool__submit(struct workpool *wp, struct workpool_job *job, uint64_t budget_ms)
{
	uint64_t now = workpool__now_ms();

	*job = (struct workpool_job){ .submitted_ms = now, .deadline_ms = now + budget_ms };
	pthread_mutex_lock(&wp->lock);
	if (wp->todo.len >= wp->queue_max) {
		wp->refused++;
		pthread_mutex_unlock(&wp->lock);
		return -EAGAIN;
	}
	list_push(&wp->todo, job);
	pthread_cond_signal(&wp->wake);
	pthread_mutex_unlock(&wp->lock);
	return 0;
}

void workpool__shorten(struct workpool *wp, struct workpool_job *job, uint64_t budget_ms)
{
	uint64_t due = workpool__now_ms() + budget_ms;

	(void)wp;
	if (due < deadline_of(job))
		set_deadline(job, due);
}

bool workpool__overdue(struct workpool *wp, const struct workpool_job *job)
{
	(void)wp;
	return workpool__now_ms() > deadline_of(job);
}

/* Under the lock: answer a job a worker is inside of now, and count that worker stuck. */
static void abandon_running(struct workpool *wp, struct worker *w, int status)
{
	struct workpool_job *j = w->current;

	j->abandoned = true;
	w->given_up = status;
	set_deadline(j, 0);	/* a run() that checks between chunks stops at once */
	if (!w->stuck) {
		w->stuck = true;
		wp->stuck++;
	}
	wp->timeouts += status == -ETIMEDOUT;
}

/* Under the lock: give up on queued jobs (all, or those overdue at now) with status. */
static bool abandon_queued(struct workpool *wp, uint64_t now, bool all, int status)
{
	struct job_list keep = { 0 };
	struct workpool_job *j;
	bool any = false;

	while ((j = list_pop(&wp->todo))) {
		if (!all && deadline_of(j) >= now) {
			list_push(&keep, j);
			continue;
		}
		j->status = status;
		wp->timeouts += status == -ETIMEDOUT;
		list_push(&wp->done, j);
		any = true;
	}
	wp->todo = keep;
	return any;
}

static bool abandon(struct workpool *wp, uint64_t now, bool all, int status)
{
	bool any = abandon_queued(wp, now, all, status);

	for (unsigned int i = 0; i < wp->max; i++) {
		struct worker *w = &wp->slots[i];

		if (w->state != SLOT_ALIVE || !w->current || w->current->abandoned ||
		    (!all && deadline_of(w->current) >= now))
			continue;
		abandon_running(wp, w, status);
		any = true;
	}
	return any;
}

void workpool__tick(struct workpool *wp)
{
	pthread_mutex_lock(&wp->lock);
	if (abandon(wp, workpool__now_ms(), false, -ETIMEDOUT))
		notify(wp);
	replace_stuck(wp);
	pthread_mutex_unlock(&wp->lock);
}

void workpool__complete(struct workpool *wp)
{
	struct workpool_job *late[WORKERS_LIMIT];
	int late_status[WORKERS_LIMIT];
	struct job_list done;
	struct workpool_job *j;
	unsigned int nlate = 0;
	uint64_t count;

	if (read(wp->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&wp->lock);
	done = wp->done;
	wp->done = (struct job_list){ 0 };
	for (unsigned int i = 0; i < wp->max; i++) {
		struct worker *w = &wp->slots[i];

		if (w->state == SLOT_ALIVE && w->current && w->current->abandoned &&
		    !w->current->answered) {
			w->current->answered = true;
			late_status[nlate] = w->given_up;
			late[nlate++] = w->current;
		}
	}
	pthread_mutex_unlock(&wp->lock);
	/* a worker may finish one of these meanwhile: its release waits for the next call */
	for (unsigned int i = 0; i < nlate; i++)
		wp->ops.answer(wp->ctx, late[i], late_status[i]);
	while ((j = list_pop(&done))) {
		if (!j->answered) {
			j->answered = true;
			wp->ops.answer(wp->ctx, j, j->status);
		}
		wp->ops.release(wp->ctx, j);
	}
}

static unsigned int running_unabandoned(const struct workpool *wp)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < wp->max; i++)
		n += wp->slots[i].state == SLOT_ALIVE && wp->slots[i].current &&
		     !wp->slots[i].current->abandoned;
	return n;
}

static void wait_until(struct workpool *wp, uint64_t due_ms)
{
	struct timespec ts = { .tv_sec = (time_t)(due_ms / 1000),
			       .tv_nsec = (long)(due_ms % 1000) * 1000000 };

	pthread_cond_timedwait(&wp->idle, &wp->lock, &ts);
}

void workpool__drain(struct workpool *wp, uint64_t wait_ms)
{
	uint64_t due = workpool__now_ms() + wait_ms;

	pthread_mutex_lock(&wp->lock);
	while ((wp->todo.head || running_unabandoned(wp)) && workpool__now_ms() < due)
		wait_until(wp, due);
	abandon(wp, 0, true, -ECANCELED);
	pthread_mutex_unlock(&wp->lock);
	notify(wp);
	workpool__complete(wp);
}

void workpool__load(struct workpool *wp, struct workpool_load *out)
{
	uint64_t now = workpool__now_ms(), oldest = now;

	pthread_mutex_lock(&wp->lock);
	*out = (struct workpool_load){ .queued = wp->todo.len, .stuck = wp->stuck,
				       .workers = wp->alive, .timeouts = wp->timeouts,
				       .refused = wp->refused };
	for (const struct workpool_job *j = wp->todo.head; j; j = j->next)
		if (j->submitted_ms < oldest)
			oldest = j->submitted_ms;
	for (unsigned int i = 0; i < wp->max; i++) {
		const struct workpool_job *j = wp->slots[i].current;

		if (wp->slots[i].state != SLOT_ALIVE || !j || j->abandoned)
			continue;
		out->running++;
		if (j->submitted_ms < oldest)
			oldest = j->submitted_ms;
	}
	pthread_mutex_unlock(&wp->lock);
	out->oldest_ms = now - oldest;
}

bool workpool__free(struct workpool *wp, uint64_t wait_ms)
{
	uint64_t due = workpool__now_ms() + wait_ms;
	struct workpool_job *j;
	bool left;

	if (!wp)
		return true;
	pthread_mutex_lock(&wp->lock);
	wp->stop = true;
	pthread_cond_broadcast(&wp->wake);
	while (wp->alive && workpool__now_ms() < due)
		wait_until(wp, due);
	left = wp->alive > 0;
	pthread_mutex_unlock(&wp->lock);
	if (left)
		return false;	/* a worker stuck in a read that never returns keeps the pool */
	for (unsigned int i = 0; i < wp->max; i++)
		if (wp->slots[i].state == SLOT_EXITED)
			pthread_join(wp->slots[i].thread, NULL);
	/* what drain left (late releases of jobs given up on) is freed, never answered */
	while ((j = list_pop(&wp->todo)) || (j = list_pop(&wp->done)))
		wp->ops.release(wp->ctx, j);
	if (wp->efd >= 0)
		close(wp->efd);
	pthread_cond_destroy(&wp->wake);
	pthread_cond_destroy(&wp->idle);
	pthread_mutex_destroy(&wp->lock);
	free(wp);
	return true;
}
