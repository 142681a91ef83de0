// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/output/output.c with real outputs: a file, and a TCP output nobody
 * listens to, whose records stay in its spool on a small tmpfs of the test's own
 * (tmpfs_fixture.h). Filling that file system shows what a loss does: counted, said at once
 * on the other output and on stderr (then at most every 10 s), and said on the output that
 * lost records before its next record once it spools again; and how records are numbered
 * (embargo.sequence): the same number everywhere, a gap where a record was lost.
 */
#include <ftw.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tmpfs_fixture.h"

#include "output/output.h"
#include "process/proc.h"
#include "transport/spool.h"

#define UNSET ((uint32_t)-1)
#define SPOOL_LOSS "\"action\":\"spool-write-failed\""

struct fx {
	char root[64];			/* a temp dir outside the tmpfs: the file output */
	char file[96], spool_dir[96], tcp[64], err_log[96];
	struct output_spec specs[2];
	struct host host;
	struct event_env env;
	struct proc proc;
	struct output *out;
	int saved_stderr;
};

static int group_setup(void **state)
{
	(void)state;
	return tmpfs_group_open(512);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* A TCP port nobody listens on: bound, then closed again. */
static int closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->root, "/tmp/embargo-output-test-XXXXXX");
	if (!mkdtemp(fx->root))
		return -1;
	snprintf(fx->file, sizeof(fx->file), "ecs:file:%s/other.json", fx->root);
	snprintf(fx->err_log, sizeof(fx->err_log), "%s/stderr", fx->root);
	snprintf(fx->spool_dir, sizeof(fx->spool_dir), "%s/spool", tmpfs_dir);
	snprintf(fx->tcp, sizeof(fx->tcp), "ecs:tcp://127.0.0.1:%d", closed_port());
	fx->specs[0].spec = fx->file;
	fx->specs[1].spec = fx->tcp;
	strcpy(fx->host.name, "box");
	strcpy(fx->host.id, "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
	fx->env = (struct event_env){ .host = &fx->host, .users = users__new() };
	fx->proc = (struct proc){ .pid = 4242, .ppid = 1, .loginuid = UNSET, .sessionid = UNSET,
				  .comm = "kesl", .exe = "/opt/kaspersky/kesl/bin/kesl" };
	fx->saved_stderr = -1;
	*state = fx;
	return fx->env.users ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	output__free(fx->out);
	users__free(fx->env.users);
	nftw(fx->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	unlink(tmpfs_filler());
	if (tmpfs_dir[0])
		nftw(tmpfs_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static struct fx *open_outputs(void **state)
{
	struct fx *fx = *state;
	struct output_opts opts = { .spool_dir = fx->spool_dir, .spool_max = 1 << 20 };
	char err[256];

	if (!tmpfs_dir[0])
		skip();
	fx->out = output__open(fx->specs, 2, &opts, &fx->env, err, sizeof(err));
	if (!fx->out)
		fail_msg("output__open: %s", err);
	return fx;
}

static void exec_record(struct fx *fx, uint32_t pid)
{
	struct event ev = { .time_ns = host__now_real_ns(), .kind = EVENT_KIND_EVENT,
			    .category = EVENT_CATEGORY_PROCESS, .type = "start",
			    .action = "exec", .proc = &fx->proc };

	fx->proc.pid = pid;
	output__event(fx->out, &ev);
}

/* stderr into a file while a test looks at what is said there */
static void capture_stderr(struct fx *fx)
{
	int fd = open(fx->err_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	fflush(stderr);
	fx->saved_stderr = dup(2);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
}

static void release_stderr(struct fx *fx)
{
	fflush(stderr);
	assert_int_equal(dup2(fx->saved_stderr, 2), 2);
	close(fx->saved_stderr);
	fx->saved_stderr = -1;
}

/* The lines of a file that hold every one of the (NULL-ended) needles. */
static size_t lines_with(const char *path, const char *const *needles)
{
	FILE *f = fopen(path, "re");
	char line[4096];
	size_t n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		bool all = true;

		for (const char *const *w = needles; *w; w++)
			all &= strstr(line, *w) != NULL;
		n += all;
	}
	fclose(f);
	return n;
}

#define LINES_WITH(path, ...) lines_with(path, (const char *const[]){ __VA_ARGS__, NULL })

static uint64_t queued_failed(struct fx *fx)
{
	struct output_status st[2];

	assert_int_equal(output__status(fx->out, st, 2), 2);
	assert_true(st[1].queued && !st[0].queued);
	return st[1].failed;
}

/* A record as the tests look at it: its action ("+recovered" added) and its number. */
struct seen {
	char action[64];
	uint64_t seq;
};

static void seen_of(const char *rec, size_t len, struct seen *out)
{
	const char *a = memmem(rec, len, "\"action\":\"", 10);
	const char *q = memmem(rec, len, "\"sequence\":", 11);

	assert_non_null(a);
	assert_non_null(q);
	a += 10;
	snprintf(out->action, sizeof(out->action), "%.*s%s", (int)strcspn(a, "\""), a,
		 memmem(rec, len, "\"recovered\":true", 16) ? "+recovered" : "");
	out->seq = strtoull(q + 11, NULL, 10);
}

/* The queued output's spool, read after the outputs are closed, in order. */
static size_t spooled(struct fx *fx, struct seen *out, size_t max)
{
	char dir[192], *name;
	struct spool_batch b = { 0 };
	struct spool *s;
	size_t n = 0;
	int err;

	output__free(fx->out);
	fx->out = NULL;
	/* the spool's name is the spec with anything but [A-Za-z0-9.-] as '_' */
	name = strdup(fx->tcp);
	for (char *c = name; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", *c))
			*c = '_';
	snprintf(dir, sizeof(dir), "%s/%s", fx->spool_dir, name);
	free(name);
	s = spool__open(dir, 1 << 20, &err);
	assert_non_null(s);
	while (spool__peek(s, &b, 1 << 20, 0) > 0) {
		for (size_t i = 0; i < b.n && n < max; i++)
			seen_of(b.recs[i].data, b.recs[i].len, &out[n++]);
		assert_int_equal(spool__commit(s, &b), 0);
	}
	spool__batch_free(&b);
	spool__close(s);
	return n;
}

/* The file output's records, in order. */
static size_t written(struct fx *fx, struct seen *out, size_t max)
{
	FILE *f = fopen(fx->file + 9, "re");
	char line[8192];
	size_t n = 0;

	assert_non_null(f);
	while (n < max && fgets(line, sizeof(line), f))
		seen_of(line, strlen(line), &out[n++]);
	fclose(f);
	return n;
}

/*
 * The spool's disk fills up: the loss is counted, said on the other output at once with the
 * count, and said on stderr once (not once per record).
 */
static void test_spool_loss_is_counted_and_said_at_once(void **state)
{
	struct fx *fx = open_outputs(state);
	struct health h = { 0 };
	uint32_t pid = 100;
	char output[96];

	exec_record(fx, pid++);
	assert_int_equal(queued_failed(fx), 0);
	tmpfs_fill(tmpfs_filler());
	capture_stderr(fx);
	while (!queued_failed(fx))
		exec_record(fx, pid++);
	for (int i = 0; i < 20; i++)
		exec_record(fx, pid++);
	output__flush(fx->out);
	release_stderr(fx);
	output__health(fx->out, &h);
	assert_true(h.spool_write_failed >= 20);
	assert_int_equal(h.spool_write_failed, queued_failed(fx));
	/* said at once, with the count: the one record lost so far */
	snprintf(output, sizeof(output), "\"output\":\"%s\"", fx->tcp);
	assert_int_equal(LINES_WITH(fx->file + 9, SPOOL_LOSS, "\"outcome\":\"failure\"", output,
				    "\"write_failed\":1", "\"recovered\":false"), 1);
	assert_int_equal(LINES_WITH(fx->file + 9, SPOOL_LOSS), 1);
	assert_int_equal(LINES_WITH(fx->err_log, "could not be spooled"), 1);
	assert_int_equal(LINES_WITH(fx->err_log, "No space left on device"), 1);
}

/*
 * Room again: before its next record the output that lost records says how many, and the
 * others hear it too. Its own reserve took the first report while the disk was full.
 */
static void test_spool_recovery_is_said_before_the_next_record(void **state)
{
	struct fx *fx = open_outputs(state);
	struct seen recs[64];
	uint32_t pid = 100;
	uint64_t lost;
	char want[64];
	size_t n;

	exec_record(fx, pid++);
	tmpfs_fill(tmpfs_filler());
	while (!queued_failed(fx))
		exec_record(fx, pid++);
	lost = queued_failed(fx);
	assert_int_equal(unlink(tmpfs_filler()), 0);
	exec_record(fx, 999);
	output__flush(fx->out);
	snprintf(want, sizeof(want), "\"write_failed\":%llu", (unsigned long long)lost);
	assert_int_equal(LINES_WITH(fx->file + 9, SPOOL_LOSS, "spools again", want,
				    "\"recovered\":true"), 1);
	n = spooled(fx, recs, 64);
	assert_true(n >= 4);
	/* ..., the report the reserve took, the recovery, the record that came after */
	assert_string_equal(recs[n - 3].action, "spool-write-failed");
	assert_string_equal(recs[n - 2].action, "spool-write-failed+recovered");
	assert_string_equal(recs[n - 1].action, "exec");
}

/*
 * One number a record, the same on every output; the output that lost records sees the gaps
 * where they were, and no number twice.
 */
static void test_records_numbered_with_gaps_where_lost(void **state)
{
	struct fx *fx = open_outputs(state);
	struct seen file[128], spool[128];
	size_t nfile, nspool, j = 0;
	uint32_t pid = 100;
	uint64_t lost;

	for (int i = 0; i < 5; i++)
		exec_record(fx, pid++);
	tmpfs_fill(tmpfs_filler());
	while (queued_failed(fx) < 3)
		exec_record(fx, pid++);
	lost = queued_failed(fx);
	assert_int_equal(unlink(tmpfs_filler()), 0);
	for (int i = 0; i < 5; i++)
		exec_record(fx, pid++);
	assert_int_equal(output__sequence(fx->out), pid - 100 + 2);	/* and loss, recovery */
	output__flush(fx->out);
	nfile = written(fx, file, 128);
	nspool = spooled(fx, spool, 128);
	/* the file got every record: 1, 2, 3... */
	assert_int_equal(nfile, pid - 100 + 2);
	for (size_t i = 0; i < nfile; i++)
		assert_int_equal(file[i].seq, i + 1);
	/* the spool: the same records by the same numbers, but for the lost ones */
	assert_int_equal(nspool, nfile - lost);
	for (size_t i = 0; i < nspool; i++) {
		while (file[j].seq < spool[i].seq)
			j++;
		assert_int_equal(file[j].seq, spool[i].seq);
		assert_string_equal(file[j].action, spool[i].action);
	}
}

/* The started record says how the previous run ended; a run that did not stop in order fails it. */
static void test_started_says_how_the_previous_run_ended(void **state)
{
	struct fx *fx = open_outputs(state);
	struct previous_run unclean = { "unclean", "0e1f-1700000000000000001", 17, 0 };
	struct previous_run clean = { "clean", "0e1f-1700000000000000002", 40, 0 };
	struct previous_run none = { 0 };

	output__started(fx->out, "started", NULL, &unclean);
	output__started(fx->out, "started", NULL, &clean);
	output__started(fx->out, "started", NULL, &none);
	output__started(fx->out, "started", NULL, NULL);
	output__flush(fx->out);
	assert_int_equal(LINES_WITH(fx->file + 9, "\"action\":\"started\"",
				    "\"outcome\":\"failure\"", "\"state\":\"unclean\"",
				    "\"run_id\":\"0e1f-1700000000000000001\"",
				    "\"last_sequence\":17"), 1);
	assert_int_equal(LINES_WITH(fx->file + 9, "\"action\":\"started\"",
				    "\"outcome\":\"success\"", "\"state\":\"clean\""), 1);
	assert_int_equal(LINES_WITH(fx->file + 9, "\"outcome\":\"success\"", "previous_run"), 1);
	assert_int_equal(LINES_WITH(fx->file + 9, "\"action\":\"started\""), 4);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_spool_loss_is_counted_and_said_at_once),
		T(test_spool_recovery_is_said_before_the_next_record),
		T(test_records_numbered_with_gaps_where_lost),
		T(test_started_says_how_the_previous_run_ended),
	};

	return cmocka_run_group_tests(tests, group_setup, tmpfs_group_close);
}
