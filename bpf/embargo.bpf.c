// SPDX-License-Identifier: GPL-2.0-only
/*
 * The process sensors: exec, fork and exit. Each hook exists three times, as tp_btf, raw_tp
 * and classic tracepoint; user space loads one family (kprobes, fentry and LSM are not
 * available on the target kernels) and falls back to the next when it does not load.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "exec.bpf.h"
#include "file.bpf.h"
#include "fileroute.bpf.h"
#include "record.bpf.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline void fork_emit(struct task_struct *parent,
				      struct task_struct *child)
{
	struct ev_fork *e;

	/* threads share their process's table entry */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return;
	stat_inc(STAT_FORK);
	e = record_reserve(EV_FORK, sizeof(*e), true);
	if (!e)
		return;
	task_fill(&e->child, child);
	e->parent_tgid = e->child.ppid;
	pkg_on_fork(BPF_CORE_READ(parent, tgid), e->child.tgid);
	bpf_ringbuf_submit(e, rb_flags());
}

/* Only the last thread of a process to exit ends the process. */
static __always_inline void exit_emit(struct task_struct *task)
{
	struct ev_exit *e;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return;
	stat_inc(STAT_EXIT);
	e = record_reserve(EV_EXIT, sizeof(*e), true);
	if (!e)
		return;
	e->tgid = BPF_CORE_READ(task, tgid);
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->start_boot_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	e->flags = pkg_on_exit(e->tgid);
	bpf_ringbuf_submit(e, rb_flags());
}

/*
 * The programs that walk paths exist twice: with bpf_loop() and, for kernels before 5.17,
 * with a bounded loop (the *_bounded copy; bpf/path.bpf.h). User space loads one of each.
 */
#define EXEC_BTF(name, loop)                                                        \
	int BPF_PROG(name, struct task_struct *task, pid_t old_pid,                 \
		     struct linux_binprm *bprm)                                     \
	{                                                                           \
		return exec_emit(task, bprm, NULL, old_pid, loop);                  \
	}

SEC("tp_btf/sched_process_exec")
EXEC_BTF(handle_exec_btf, PATH_BPF_LOOP)
SEC("tp_btf/sched_process_exec")
EXEC_BTF(handle_exec_btf_bounded, PATH_BOUNDED)
SEC("raw_tp/sched_process_exec")
EXEC_BTF(handle_exec_raw, PATH_BPF_LOOP)
SEC("raw_tp/sched_process_exec")
EXEC_BTF(handle_exec_raw_bounded, PATH_BOUNDED)

/* bprm is not in the classic tracepoint's record: the filename is, the file is mm's */
#define EXEC_TP(name, loop)                                                         \
	int name(struct trace_event_raw_sched_process_exec *ctx)                    \
	{                                                                           \
		struct task_struct *task = (void *)bpf_get_current_task();          \
		const char *filename =                                              \
			(const char *)ctx + (ctx->__data_loc_filename & 0xffff);    \
                                                                                    \
		return exec_emit(task, NULL, filename, ctx->old_pid, loop);         \
	}

SEC("tracepoint/sched/sched_process_exec")
EXEC_TP(handle_exec_tp, PATH_BPF_LOOP)
SEC("tracepoint/sched/sched_process_exec")
EXEC_TP(handle_exec_tp_bounded, PATH_BOUNDED)

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	fork_emit(parent, child);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(handle_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	fork_emit(parent, child);
	return 0;
}

/* The classic fork tracepoint carries no child task: that family has no fork probe. */

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit_btf, struct task_struct *task)
{
	exit_emit(task);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(handle_exit_raw, struct task_struct *task)
{
	exit_emit(task);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int handle_exit_tp(void *ctx)
{
	exit_emit((struct task_struct *)bpf_get_current_task());
	return 0;
}

/*
 * File activity: every family uses these syscall tracepoints (tracefs is mounted if need
 * be). FILE_PROG(name, tracepoint, condition, op, dfd, pathname) makes both loop copies.
 */
#define SYS_ARG(i) ((long)ctx->args[i])
#define FILE_PROG_ONE(prog, tp, loop, cond, op, dfd, pathname)                      \
	SEC("tracepoint/syscalls/" tp)                                              \
	int prog(struct trace_event_raw_sys_enter *ctx)                             \
	{                                                                           \
		if (cond)                                                           \
			file_emit(op, (__s32)(dfd), (const char *)(pathname), 0, loop); \
		return 0;                                                           \
	}
#define FILE_PROG(prog, tp, cond, op, dfd, pathname)                                \
	FILE_PROG_ONE(prog, tp, PATH_BPF_LOOP, cond, op, dfd, pathname)             \
	FILE_PROG_ONE(prog##_bounded, tp, PATH_BOUNDED, cond, op, dfd, pathname)

FILE_PROG(handle_openat, "sys_enter_openat", SYS_ARG(2) & O_CREAT_FLAG, FILE_OP_CREATE,
	  SYS_ARG(0), SYS_ARG(1))
FILE_PROG(handle_open, "sys_enter_open", SYS_ARG(1) & O_CREAT_FLAG, FILE_OP_CREATE,
	  AT_FDCWD_VAL, SYS_ARG(0))
FILE_PROG(handle_creat, "sys_enter_creat", true, FILE_OP_CREATE, AT_FDCWD_VAL, SYS_ARG(0))
FILE_PROG(handle_rename, "sys_enter_rename", true, FILE_OP_RENAME, AT_FDCWD_VAL, SYS_ARG(1))
FILE_PROG(handle_renameat, "sys_enter_renameat", true, FILE_OP_RENAME, SYS_ARG(2),
	  SYS_ARG(3))
FILE_PROG(handle_renameat2, "sys_enter_renameat2", true, FILE_OP_RENAME, SYS_ARG(2),
	  SYS_ARG(3))
FILE_PROG(handle_link, "sys_enter_link", true, FILE_OP_LINK, AT_FDCWD_VAL, SYS_ARG(1))
/* O_TMPFILE's file comes into place here too: linkat(fd, "", ..., AT_EMPTY_PATH) */
FILE_PROG(handle_linkat, "sys_enter_linkat", true, FILE_OP_LINK, SYS_ARG(2), SYS_ARG(3))
FILE_PROG(handle_unlink, "sys_enter_unlink", true, FILE_OP_UNLINK, AT_FDCWD_VAL, SYS_ARG(0))
FILE_PROG(handle_unlinkat, "sys_enter_unlinkat", true, FILE_OP_UNLINK, SYS_ARG(0),
	  SYS_ARG(1))

/*
 * The routes no syscall tracepoint above sees (bpf/fileroute.bpf.h): raw_tp in every family,
 * as the classic tracepoint would copy a record for every syscall of the machine. The
 * io_uring request is the first argument of its tracepoint since 5.19, the second before
 * (an index into ctx must be a constant: one program each); user space loads the one that
 * fits the kernel's tracepoint.
 */
#define ROUTE_PROG(prog, tp, call)                                                  \
	SEC("raw_tp/" tp)                                                           \
	int prog(struct bpf_raw_tracepoint_args *ctx)                               \
	{                                                                           \
		call;                                                               \
		return 0;                                                           \
	}
#define ROUTE_PROGS(suffix, loop)                                                   \
	ROUTE_PROG(handle_compat##suffix, "sys_enter",                              \
		   compat_emit((struct pt_regs *)ctx->args[0], (long)ctx->args[1], loop)) \
	ROUTE_PROG(handle_io_uring_req##suffix, "io_uring_submit_req",              \
		   io_uring_emit((void *)ctx->args[0], loop))                       \
	ROUTE_PROG(handle_io_uring_sqe##suffix, "io_uring_submit_sqe",              \
		   io_uring_emit((void *)ctx->args[0], loop))                       \
	ROUTE_PROG(handle_io_uring_sqe_ctx##suffix, "io_uring_submit_sqe",          \
		   io_uring_emit((void *)ctx->args[1], loop))

ROUTE_PROGS(, PATH_BPF_LOOP)
ROUTE_PROGS(_bounded, PATH_BOUNDED)
