// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/proctable.c (and the user/procfs.c reads it does). Every test
 * gets a fake /proc tree under a fresh mkdtemp() directory and a table reading it.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "unit.h"

#include "decode.h"
#include "proctable.h"

#define HOST "5f0c2e0b8a6d4b1e9c3f7a2d1e0b9c8d"
#define TICK (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK))
#define START (5000 * TICK)	/* the default fake's start time */

struct fixture {
	char root[64];
	struct proctable *pt;
};

/* One process in the fake tree; NULL strings leave the file or link out. */
struct fake {
	uint32_t pid, ppid;
	const char *comm;
	unsigned long long start_ticks;
	int tty_nr;
	uint32_t uid, euid, gid, egid;
	const char *loginuid, *sessionid;
	const char *cmdline;
	size_t cmdline_len;
	const char *exe, *cwd, *mnt;
};

static struct fake fake_default(uint32_t pid)
{
	return (struct fake){
		.pid = pid, .ppid = 1, .comm = "bash", .start_ticks = 5000,
		.uid = 1000, .euid = 1000, .gid = 1000, .egid = 1000,
		.loginuid = "1000", .sessionid = "3",
		.cmdline = "bash\0-l\0", .cmdline_len = 8,
		.exe = "/usr/bin/bash", .cwd = "/home/ada", .mnt = "mnt:[4026531840]",
	};
}

static void put_file(const struct fixture *fx, uint32_t pid, const char *name,
		     const char *data, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u/%s", fx->root, pid, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void put_link(const struct fixture *fx, uint32_t pid, const char *name,
		     const char *target)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%u/%s", fx->root, pid, name);
	assert_int_equal(symlink(target, path), 0);
}

static void write_fake(const struct fixture *fx, const struct fake *f)
{
	char path[128], buf[512];
	int n;

	snprintf(path, sizeof(path), "%s/%u", fx->root, f->pid);
	assert_int_equal(mkdir(path, 0755), 0);
	strcat(path, "/ns");
	assert_int_equal(mkdir(path, 0755), 0);
	/* fields 1-24 as the kernel writes them; tpgid -1, field 22 the start time */
	n = snprintf(buf, sizeof(buf),
		     "%u (%s) S %u %u %u %d -1 4194560 120 0 3 0 5 2 0 0 20 0 1 0 %llu "
		     "8392704 300 18446744073709551615\n",
		     f->pid, f->comm, f->ppid, f->pid, f->pid, f->tty_nr, f->start_ticks);
	put_file(fx, f->pid, "stat", buf, (size_t)n);
	n = snprintf(buf, sizeof(buf),
		     "Name:\t%.15s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%u\nPid:\t%u\n"
		     "PPid:\t%u\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
		     "FDSize:\t64\n",
		     f->comm, f->pid, f->pid, f->ppid, f->uid, f->euid, f->euid, f->euid,
		     f->gid, f->egid, f->egid, f->egid);
	put_file(fx, f->pid, "status", buf, (size_t)n);
	if (f->loginuid)
		put_file(fx, f->pid, "loginuid", f->loginuid, strlen(f->loginuid));
	if (f->sessionid)
		put_file(fx, f->pid, "sessionid", f->sessionid, strlen(f->sessionid));
	if (f->cmdline)
		put_file(fx, f->pid, "cmdline", f->cmdline, f->cmdline_len);
	if (f->exe)
		put_link(fx, f->pid, "exe", f->exe);
	if (f->cwd)
		put_link(fx, f->pid, "cwd", f->cwd);
	if (f->mnt)
		put_link(fx, f->pid, "ns/mnt", f->mnt);
}

/* Write one process and seed the table with it (a seed skips known pids); its entry. */
static struct proc *seed_one(const struct fixture *fx, const struct fake *f)
{
	write_fake(fx, f);
	assert_int_equal(proctable__seed(fx->pt), 1);
	return proctable__get(fx->pt, f->pid);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->root, "/tmp/embargo-proc-XXXXXX");
	if (!mkdtemp(fx->root))
		return -1;
	fx->pt = proctable__new(fx->root, HOST);
	*state = fx;
	return fx->pt ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int err = nftw(fx->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	proctable__free(fx->pt);
	free(fx);
	return err;
}

/* What an exec record says; the task fields not named here get fixed values. */
struct spec {
	uint32_t pid, ppid, flags, argc;
	uint64_t start;
	const char *filename, *interp, *exe, *cwd, *args;
	size_t args_len;
};

#define A(lit) .args = lit, .args_len = sizeof(lit) - 1
#define EXEC(fx, ...) exec_spec(fx, &(struct spec){ __VA_ARGS__ })

static struct ev_exec *record(const struct spec *s, size_t *size)
{
	struct ev_exec *ev = unit_exec_new();

	ev->task = (struct ev_task){
		.tgid = s->pid, .pid = s->pid, .ppid = s->ppid, .uid = 2000, .euid = 0,
		.gid = 2001, .egid = 0, .loginuid = 1000, .sessionid = 7, .mntns = 4026532000u,
		.cgroup_id = 99, .start_boot_ns = s->start, .tty_major = 136, .tty_minor = 2,
		.comm = "kcomm",
	};
	ev->file = (struct ev_file){ .dev = 0x803, .ino = 1234, .size = 4096, .nlink = 1,
				     .mode = 0100755 };
	ev->flags = s->flags;
	ev->argc = s->argc;
	*size = unit_exec_pack(ev, s->filename, s->interp, s->exe, s->cwd, s->args, s->args_len);
	return ev;
}

/* Build, decode and apply an exec record; the record is freed before the checks. */
static struct proc *exec_spec(const struct fixture *fx, const struct spec *s)
{
	size_t size;
	struct ev_exec *ev = record(s, &size);
	struct exec_view v;
	struct proc *p;

	assert_int_equal(decode__exec(ev, size, &v), 0);
	p = proctable__exec(fx->pt, &v);
	free(ev);
	assert_non_null(p);
	return p;
}


/*
 * Run fn in a child, so that an ASan abort fails only the calling test; its exit status.
 * fn must not use cmocka's asserts: a failing one would run the rest of the suite there.
 */
static int in_child(int (*fn)(void *), void *arg)
{
	int status = -1;
	pid_t child;

	fflush(NULL);
	child = fork();
	assert_true(child >= 0);
	if (!child)
		_exit(fn(arg));
	assert_int_equal(waitpid(child, &status, 0), child);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* What entity_id should be: hex of the first 16 bytes of SHA-256("host:pid:ticks"). */
static void sha_id(const char *host, uint32_t pid, uint64_t ticks, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char *in;
	int n = asprintf(&in, "%s:%u:%llu", host, pid, (unsigned long long)ticks);

	assert_true(n > 0);
	assert_int_equal(EVP_Digest(in, (size_t)n, md, &md_len, EVP_sha256(), NULL), 1);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	free(in);
}

/* p's entity id is the one for (HOST, pid, start), the start counted in whole ticks */
static void assert_entity(const struct proc *p, uint32_t pid, uint64_t start_ns)
{
	char want[33];

	sha_id(HOST, pid, start_ns / TICK, want);
	assert_string_equal(p->entity_id, want);
}

/* ---- seeding from /proc ---- */

static void test_seed_finds_each_process(void **state)
{
	static const uint32_t pids[] = { 1, 100, 4242 };
	static const char *const others[] = { "sys", "100x", "0", "self7" };
	struct fixture *fx = *state;
	char path[128];

	for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
		struct fake f = fake_default(pids[i]);

		f.ppid = i ? pids[i - 1] : 0;
		write_fake(fx, &f);
	}
	for (size_t i = 0; i < ARRAY_SIZE(others); i++) {	/* not processes */
		snprintf(path, sizeof(path), "%s/%s", fx->root, others[i]);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	assert_int_equal(proctable__seed(fx->pt), 3);
	assert_int_equal(proctable__len(fx->pt), 3);
	assert_int_equal(proctable__get(fx->pt, 1)->ppid, 0);
	assert_int_equal(proctable__get(fx->pt, 100)->ppid, 1);
	assert_int_equal(proctable__get(fx->pt, 4242)->ppid, 100);
	assert_true(proctable__get(fx->pt, 4242)->from_proc);
	assert_int_equal(proctable__seed(fx->pt), 0);	/* nothing new */
	assert_int_equal(proctable__len(fx->pt), 3);
}

static void test_seed_comm_with_space_and_paren(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(10);

	f.comm = "a) b";
	assert_string_equal(seed_one(fx, &f)->comm, "a) b");
	assert_int_equal(proctable__get(fx->pt, 10)->ppid, 1);
	f = fake_default(11);
	f.comm = "(x) (y)", f.ppid = 77;
	assert_string_equal(seed_one(fx, &f)->comm, "(x) (y)");
	assert_int_equal(proctable__get(fx->pt, 11)->ppid, 77);
	assert_int_equal(proctable__get(fx->pt, 11)->start_boot_ns, START);
}

static void test_seed_real_and_effective_ids(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(20);
	const struct proc *p;

	f.uid = 1000, f.euid = 0, f.gid = 100, f.egid = 50;
	p = seed_one(fx, &f);
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->euid, 0);
	assert_int_equal(p->gid, 100);
	assert_int_equal(p->egid, 50);
}

static void test_seed_loginuid_and_sessionid(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(30);
	const struct proc *p;

	f.loginuid = "1000\n", f.sessionid = "12";
	p = seed_one(fx, &f);
	assert_int_equal(p->loginuid, 1000);
	assert_int_equal(p->sessionid, 12);
	f = fake_default(31);
	f.loginuid = "4294967295", f.sessionid = NULL;	/* unset; file missing */
	p = seed_one(fx, &f);
	assert_int_equal(p->loginuid, UINT32_MAX);
	assert_int_equal(p->sessionid, UINT32_MAX);
}

static void test_seed_tty_from_tty_nr(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(40);
	const struct proc *p;

	f.tty_nr = (136 << 8) | 3;	/* pts/3 */
	p = seed_one(fx, &f);
	assert_int_equal(p->tty_major, 136);
	assert_int_equal(p->tty_minor, 3);
	f = fake_default(41);
	f.tty_nr = (300 & 0xff) | (136 << 8) | ((300 & ~0xff) << 12);	/* pts/300 */
	p = seed_one(fx, &f);
	assert_int_equal(p->tty_major, 136);
	assert_int_equal(p->tty_minor, 300);
	f = fake_default(42);	/* no terminal */
	p = seed_one(fx, &f);
	assert_int_equal(p->tty_major, 0);
	assert_int_equal(p->tty_minor, 0);
}

static void test_seed_start_time_from_ticks(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(50);

	f.start_ticks = 123456789ULL;
	assert_int_equal(seed_one(fx, &f)->start_boot_ns,
			 123456789ULL * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK)));
}

static void test_seed_args_from_cmdline(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(60);
	const struct proc *p;

	f.cmdline = "sh\0-c\0echo a b\0", f.cmdline_len = 15;
	p = seed_one(fx, &f);
	assert_int_equal(p->args_len, 15);
	assert_memory_equal(p->args, "sh\0-c\0echo a b\0", 15);
	assert_int_equal(p->argc, 3);
	assert_false(p->args_truncated);
	f = fake_default(61);
	f.cmdline = "sh\0-c", f.cmdline_len = 5;	/* rewritten: no final NUL */
	p = seed_one(fx, &f);
	assert_int_equal(p->args_len, 6);
	assert_memory_equal(p->args, "sh\0-c\0", 6);
	assert_int_equal(p->argc, 2);
}

static void test_seed_exe_and_cwd_from_links(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(70);
	const struct proc *p = seed_one(fx, &f);

	assert_string_equal(p->exe, "/usr/bin/bash");
	assert_string_equal(p->cwd, "/home/ada");
	assert_int_equal(p->exe_source, EXE_PROC);
	assert_false(p->exe_deleted);
	assert_false(p->late);
	assert_null(p->filename);
	assert_int_equal(p->mntns, 4026531840u);
}

static void test_seed_deleted_exe_suffix_cut(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(80);
	const struct proc *p;

	f.exe = "/tmp/x (deleted)";
	p = seed_one(fx, &f);
	assert_string_equal(p->exe, "/tmp/x");
	assert_true(p->exe_deleted);
	assert_int_equal(p->exe_source, EXE_PROC);
}

/* hex of the first 16 bytes of SHA-256("host:pid:ticks"), and the same from any table */
static void test_seed_entity_id_stable(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(90);
	const struct proc *p = seed_one(fx, &f);
	struct proctable *again = proctable__new(fx->root, HOST);
	char want[33], got[33];

	sha_id(HOST, 90, 5000, want);
	assert_string_equal(p->entity_id, want);
	assert_non_null(again);
	assert_int_equal(proctable__seed(again), 1);
	assert_string_equal(proctable__get(again, 90)->entity_id, want);
	proctable__free(again);
	sha_id("", 1, 0, want);	/* no host id */
	proctable__entity_id("", 1, TICK - 1, got);
	assert_string_equal(got, want);
}

/* ---- kernel records ---- */

#define PY_ARGS "python3\0./run.py\0-v\0"
#define PY_EXEC .filename = "./run.py", .interp = "/usr/bin/python3", \
		.exe = "/usr/bin/python3.11", .cwd = "/srv/app", .argc = 3, A(PY_ARGS)

static void test_exec_uses_kernel_strings(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(100);
	struct proc *p;

	seed_one(fx, &f);
	p = EXEC(fx, .pid = 100, .start = START + 17, PY_EXEC);
	assert_ptr_equal(proctable__get(fx->pt, 100), p);
	assert_int_equal(proctable__len(fx->pt), 1);
	assert_string_equal(p->exe, "/usr/bin/python3.11");
	assert_int_equal(p->exe_source, EXE_KERNEL);
	assert_false(p->exe_deleted);
	assert_string_equal(p->filename, "./run.py");
	assert_string_equal(p->interp, "/usr/bin/python3");
	assert_string_equal(p->cwd, "/srv/app");
	assert_int_equal(p->args_len, sizeof(PY_ARGS) - 1);
	assert_memory_equal(p->args, PY_ARGS, sizeof(PY_ARGS) - 1);
	assert_int_equal(p->argc, 3);
	/* who it is comes from the record too, not from the seeded /proc entry */
	assert_string_equal(p->comm, "kcomm");
	assert_int_equal(p->uid, 2000);
	assert_int_equal(p->euid, 0);
	assert_int_equal(p->start_boot_ns, START + 17);
	assert_int_equal(p->file.ino, 1234);
	assert_false(p->from_proc);
	assert_false(p->late);
}

static void test_exec_unlinked_exe_marked_deleted(void **state)
{
	struct fixture *fx = *state;
	struct proc *p;

	p = EXEC(fx, .pid = 101, .exe = "/tmp/x", .flags = EV_EXEC_EXE_UNLINKED, A("x\0"));
	assert_true(p->exe_deleted);
	assert_int_equal(p->exe_source, EXE_KERNEL);
	p = EXEC(fx, .pid = 102, .exe = "/tmp/y", A("y\0"));
	assert_false(p->exe_deleted);
}

static void test_exec_exe_trunc_falls_back_to_proc(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(110);
	struct proc *p;

	f.exe = "/opt/a/b/c/deep";
	seed_one(fx, &f);
	p = EXEC(fx, .pid = 110, .start = START, .filename = "/opt/deep", .exe = "/cut/path",
		 .cwd = "/", .flags = EV_EXEC_EXE_TRUNC, A("deep\0"));
	assert_string_equal(p->exe, "/opt/a/b/c/deep");
	assert_int_equal(p->exe_source, EXE_PROC);
	assert_false(p->late);
}

static void test_exec_cwd_trunc_falls_back_to_proc(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(111);

	f.cwd = "/very/long/cwd";
	seed_one(fx, &f);
	assert_string_equal(EXEC(fx, .pid = 111, .exe = "/usr/bin/ls", .cwd = "/cut",
				 .flags = EV_EXEC_CWD_TRUNC, A("ls\0"))->cwd,
			    "/very/long/cwd");
}

static void test_exec_relative_filename_joined_to_cwd(void **state)
{
	struct fixture *fx = *state;
	/* no /proc entry: already gone, and the record has no exe */
	struct proc *p = EXEC(fx, .pid = 120, .filename = "./bin/tool", .cwd = "/srv/app",
			      A("tool\0"));

	assert_string_equal(p->exe, "/srv/app/bin/tool");
	assert_int_equal(p->exe_source, EXE_FILENAME);
	assert_true(p->late);
	p = EXEC(fx, .pid = 121, .filename = "././x", .cwd = "/", A("x\0"));
	assert_string_equal(p->exe, "/x");
	assert_int_equal(p->exe_source, EXE_FILENAME);
}

static void test_exec_absolute_filename_when_proc_gone(void **state)
{
	struct fixture *fx = *state;
	struct proc *p = EXEC(fx, .pid = 122, .filename = "/opt/x", .exe = "/trunc",
			      .cwd = "/srv", .flags = EV_EXEC_EXE_TRUNC, A("x\0"));

	assert_string_equal(p->exe, "/opt/x");
	assert_int_equal(p->exe_source, EXE_FILENAME);
	assert_true(p->late);
}

static void test_exec_cut_argv_terminated_argc_kept(void **state)
{
	struct fixture *fx = *state;
	struct proc *p = EXEC(fx, .pid = 130, .exe = "/usr/bin/ls", .argc = 5,
			      .flags = EV_EXEC_ARGS_TRUNC, A("ls\0-l\0/tm"));

	assert_int_equal(p->args_len, 10);
	assert_memory_equal(p->args, "ls\0-l\0/tm\0", 10);
	assert_int_equal(p->argc, 5);
	assert_true(p->args_truncated);
}

static void test_exec_zero_argc_counted_from_args(void **state)
{
	struct fixture *fx = *state;
	/* the tracepoint family has no bprm->argc */
	struct proc *p = EXEC(fx, .pid = 131, .exe = "/usr/bin/ls", A("ls\0-l\0/tmp\0"));

	assert_int_equal(p->argc, 3);
	assert_false(p->args_truncated);
}

static void test_fork_copies_parent_program(void **state)
{
	struct fixture *fx = *state;
	const struct proc *parent = EXEC(fx, .pid = 140, .start = 1000, PY_EXEC);
	struct ev_fork f = {
		.hdr = { EV_FORK, EV_ABI_VERSION, sizeof(f), 1 }, .parent_tgid = 140,
		.child = { .tgid = 141, .pid = 141, .ppid = 140, .uid = 3000, .euid = 3001,
			   .start_boot_ns = 99 * TICK, .comm = "child" },
	};
	struct proc *child = proctable__fork(fx->pt, &f);

	assert_ptr_equal(proctable__get(fx->pt, 141), child);
	assert_int_equal(proctable__len(fx->pt), 2);
	assert_int_equal(child->pid, 141);
	assert_int_equal(child->ppid, 140);
	assert_int_equal(child->uid, 3000);
	assert_int_equal(child->euid, 3001);
	assert_int_equal(child->start_boot_ns, 99 * TICK);
	assert_string_equal(child->comm, "child");
	assert_entity(child, 141, 99 * TICK);
	/* the program is the parent's, in copies of its own */
	assert_string_equal(child->exe, "/usr/bin/python3.11");
	assert_ptr_not_equal(child->exe, parent->exe);
	assert_string_equal(child->cwd, "/srv/app");
	assert_string_equal(child->filename, "./run.py");
	assert_string_equal(child->interp, "/usr/bin/python3");
	assert_int_equal(child->args_len, sizeof(PY_ARGS) - 1);
	assert_memory_equal(child->args, PY_ARGS, sizeof(PY_ARGS) - 1);
	assert_ptr_not_equal(child->args, parent->args);
	assert_int_equal(child->argc, 3);
	assert_int_equal(child->exe_source, EXE_KERNEL);
	assert_int_equal(child->file.ino, 1234);
	assert_false(child->late);
}

static void test_fork_unknown_parent_gone_is_late(void **state)
{
	struct fixture *fx = *state;
	struct ev_fork f = { .hdr = { EV_FORK, EV_ABI_VERSION, sizeof(f), 1 },
			     .child = { .tgid = 150, .ppid = 149, .uid = 5, .comm = "c" },
			     .parent_tgid = 149 };
	struct proc *child = proctable__fork(fx->pt, &f);

	assert_non_null(child);
	assert_int_equal(child->pid, 150);
	assert_int_equal(child->uid, 5);
	assert_null(child->exe);
	assert_int_equal(child->exe_source, EXE_NONE);
	assert_true(child->late);
}

static void test_exit_removes_entry(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(160);
	struct ev_exit e = { .hdr = { EV_EXIT, EV_ABI_VERSION, sizeof(e), 1 }, .tgid = 161 };

	seed_one(fx, &f);
	proctable__exit(fx->pt, &e);	/* unknown: nothing happens */
	assert_int_equal(proctable__len(fx->pt), 1);
	e.tgid = 160;
	proctable__exit(fx->pt, &e);
	assert_null(proctable__get(fx->pt, 160));
	assert_int_equal(proctable__len(fx->pt), 0);
}

static void test_parent_loaded_from_proc(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(170);
	const struct proc *child, *parent;

	f.comm = "parent";
	write_fake(fx, &f);	/* in /proc, not yet in the table */
	child = EXEC(fx, .pid = 171, .ppid = 170, .exe = "/usr/bin/ls", A("ls\0"));
	assert_int_equal(proctable__len(fx->pt), 1);
	parent = proctable__parent(fx->pt, child);
	assert_non_null(parent);
	assert_int_equal(parent->pid, 170);
	assert_string_equal(parent->comm, "parent");
	assert_string_equal(parent->exe, "/usr/bin/bash");
	assert_true(parent->from_proc);
	assert_entity(parent, 170, START);
	assert_int_equal(proctable__len(fx->pt), 2);	/* kept: the same entry again */
	assert_ptr_equal(proctable__parent(fx->pt, child), parent);
}

static void test_parent_gone_or_none_is_null(void **state)
{
	struct fixture *fx = *state;
	struct proc *p = EXEC(fx, .pid = 180, .ppid = 179, .exe = "/usr/bin/ls", A("ls\0"));

	assert_null(proctable__parent(fx->pt, p));	/* 179 is not in /proc */
	p->ppid = 0;
	assert_null(proctable__parent(fx->pt, p));
	assert_int_equal(proctable__len(fx->pt), 1);
}

static void test_reused_pid_replaces_entry(void **state)
{
	struct fixture *fx = *state;
	struct ev_fork f = { .hdr = { EV_FORK, EV_ABI_VERSION, sizeof(f), 1 },
			     .child = { .tgid = 190, .start_boot_ns = 30 * TICK },
			     .parent_tgid = 1 };
	char first[33];
	struct proc *p;

	p = EXEC(fx, .pid = 190, .start = 10 * TICK, .exe = "/bin/old", A("old\0"));
	strcpy(first, p->entity_id);
	p = EXEC(fx, .pid = 190, .start = 20 * TICK, .exe = "/bin/new", A("new\0"));
	assert_ptr_equal(proctable__get(fx->pt, 190), p);
	assert_int_equal(proctable__len(fx->pt), 1);
	assert_string_equal(p->exe, "/bin/new");
	assert_int_equal(p->start_boot_ns, 20 * TICK);
	assert_entity(p, 190, 20 * TICK);
	assert_string_not_equal(p->entity_id, first);
	/* a fork record of the same pid with yet another start time */
	p = proctable__fork(fx->pt, &f);
	assert_ptr_equal(proctable__get(fx->pt, 190), p);
	assert_int_equal(proctable__len(fx->pt), 1);
	assert_entity(p, 190, 30 * TICK);
}

static void test_entity_id_kernel_and_proc_agree_within_tick(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(200);
	char seeded[33], id[33];

	strcpy(seeded, seed_one(fx, &f)->entity_id);
	proctable__entity_id(HOST, 200, START + TICK - 1, id);
	assert_string_equal(id, seeded);
	/* the exec of the seeded process, with the kernel's exact start, keeps its id */
	assert_string_equal(EXEC(fx, .pid = 200, .start = START + TICK - 1,
				 .exe = "/usr/bin/ls", A("ls\0"))->entity_id, seeded);
	proctable__entity_id(HOST, 200, START + TICK, id);	/* a tick later: another */
	assert_string_not_equal(id, seeded);
}

static void test_prune_drops_gone_processes(void **state)
{
	struct fixture *fx = *state;
	struct fake f = fake_default(230);
	char from[128], to[128];

	seed_one(fx, &f);
	f = fake_default(231);
	seed_one(fx, &f);
	/* 300 entries from kernel records whose /proc entries are gone: more than one batch */
	for (uint32_t pid = 1000; pid < 1300; pid++)
		EXEC(fx, .pid = pid, .exe = "/usr/bin/ls", A("ls\0"));
	snprintf(from, sizeof(from), "%s/231", fx->root);	/* 231 exits unseen */
	snprintf(to, sizeof(to), "%s/gone", fx->root);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(proctable__len(fx->pt), 302);
	assert_int_equal(proctable__prune(fx->pt), 301);
	assert_int_equal(proctable__len(fx->pt), 1);
	assert_non_null(proctable__get(fx->pt, 230));
	assert_int_equal(proctable__prune(fx->pt), 0);
}

/* ---- regressions: bugs these tests found, now fixed ---- */

/*
 * An empty cwd (cwd_len 1, which decode__exec accepts) with a relative filename and no
 * usable exe once made path_join() read dir[-1]. Run in a child so that an ASan abort
 * fails only this test.
 */
static int exec_empty_cwd(void *arg)
{
	const struct fixture *fx = arg;
	size_t size;
	struct ev_exec *ev = record(&(struct spec){ .pid = 210, .filename = "x", .cwd = "",
						    A("x\0") }, &size);
	struct exec_view v;

	if (decode__exec(ev, size, &v))
		return 2;
	return proctable__exec(fx->pt, &v) ? 0 : 3;
}

static void test_exec_empty_cwd_relative_filename_no_overread(void **state)
{
	assert_int_equal(in_child(exec_empty_cwd, *state), 0);
}

/*
 * A host id longer than the old fixed input buffer must be hashed whole, with no read
 * past a buffer (it once was: snprintf's untruncated length went to EVP_Digest).
 */
struct long_host {
	char host[301], want[33];
};

static int long_host_id(void *arg)
{
	const struct long_host *lh = arg;
	char got[33];

	proctable__entity_id(lh->host, 7, 100 * TICK, got);
	return strcmp(lh->want, got) ? 1 : 0;
}

static void test_entity_id_long_host_id_no_overread(void **state)
{
	struct long_host lh;

	(void)state;
	memset(lh.host, 'h', 300);
	lh.host[300] = '\0';
	sha_id(lh.host, 7, 100, lh.want);
	assert_int_equal(in_child(long_host_id, &lh), 0);
}

/*
 * A second exec of the same process with no exe, no filename and /proc gone leaves no
 * executable, and must not keep the previous exec's exe_source.
 */
static void test_exec_without_exe_resets_exe_source(void **state)
{
	struct fixture *fx = *state;
	struct proc *p = EXEC(fx, .pid = 220, .exe = "/bin/a", A("a\0"));

	assert_int_equal(p->exe_source, EXE_KERNEL);
	p = EXEC(fx, .pid = 220, .cwd = "/", A("b\0"));
	assert_null(p->exe);
	assert_true(p->late);
	assert_int_equal(p->exe_source, EXE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_seed_finds_each_process),
		T(test_seed_comm_with_space_and_paren),
		T(test_seed_real_and_effective_ids),
		T(test_seed_loginuid_and_sessionid),
		T(test_seed_tty_from_tty_nr),
		T(test_seed_start_time_from_ticks),
		T(test_seed_args_from_cmdline),
		T(test_seed_exe_and_cwd_from_links),
		T(test_seed_deleted_exe_suffix_cut),
		T(test_seed_entity_id_stable),
		T(test_exec_uses_kernel_strings),
		T(test_exec_unlinked_exe_marked_deleted),
		T(test_exec_exe_trunc_falls_back_to_proc),
		T(test_exec_cwd_trunc_falls_back_to_proc),
		T(test_exec_relative_filename_joined_to_cwd),
		T(test_exec_absolute_filename_when_proc_gone),
		T(test_exec_cut_argv_terminated_argc_kept),
		T(test_exec_zero_argc_counted_from_args),
		T(test_fork_copies_parent_program),
		T(test_fork_unknown_parent_gone_is_late),
		T(test_exit_removes_entry),
		T(test_parent_loaded_from_proc),
		T(test_parent_gone_or_none_is_null),
		T(test_reused_pid_replaces_entry),
		T(test_entity_id_kernel_and_proc_agree_within_tick),
		T(test_prune_drops_gone_processes),
		T(test_exec_empty_cwd_relative_filename_no_overread),
		T(test_entity_id_long_host_id_no_overread),
		T(test_exec_without_exe_resets_exe_source),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
