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

char LICENSE[] SEC("license") = "GPL";

/*
 * Fork and exit records are small and fixed: reserved in place, zeroed, header filled.
 * size must be a constant: the helper is inlined into each caller.
 */
static __always_inline void *record_reserve(enum ev_type type, __u32 size)
{
	struct ev_header *hdr = bpf_ringbuf_reserve(&emb_events, size, 0);

	if (!hdr) {
		stat_inc(STAT_RB_DROP);
		return NULL;
	}
	__builtin_memset(hdr, 0, size);
	hdr->type = type;
	hdr->abi = EV_ABI_VERSION;
	hdr->size = size;
	hdr->ktime_ns = bpf_ktime_get_boot_ns();
	return hdr;
}

static __always_inline void fork_emit(struct task_struct *parent,
				      struct task_struct *child)
{
	struct ev_fork *e;

	/* threads share their process's table entry */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return;
	stat_inc(STAT_FORK);
	e = record_reserve(EV_FORK, sizeof(*e));
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
	e = record_reserve(EV_EXIT, sizeof(*e));
	if (!e)
		return;
	e->tgid = BPF_CORE_READ(task, tgid);
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->start_boot_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	e->flags = pkg_on_exit(e->tgid);
	bpf_ringbuf_submit(e, rb_flags());
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec_btf, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	return exec_emit(task, bprm, NULL, old_pid);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(handle_exec_raw, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	return exec_emit(task, bprm, NULL, old_pid);
}

SEC("tracepoint/sched/sched_process_exec")
int handle_exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	const char *filename = (const char *)ctx + (ctx->__data_loc_filename & 0xffff);

	return exec_emit(task, NULL, filename, ctx->old_pid);
}

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

/* File activity: every family uses these syscall tracepoints (tracefs is mounted if need be). */
#define SYS_ARG(i) ((long)ctx->args[i])

SEC("tracepoint/syscalls/sys_enter_openat")
int handle_openat(struct trace_event_raw_sys_enter *ctx)
{
	if (SYS_ARG(2) & O_CREAT_FLAG)
		file_emit(FILE_OP_CREATE, (__s32)SYS_ARG(0), (const char *)SYS_ARG(1));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int handle_open(struct trace_event_raw_sys_enter *ctx)
{
	if (SYS_ARG(1) & O_CREAT_FLAG)
		file_emit(FILE_OP_CREATE, AT_FDCWD_VAL, (const char *)SYS_ARG(0));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_creat")
int handle_creat(struct trace_event_raw_sys_enter *ctx)
{
	file_emit(FILE_OP_CREATE, AT_FDCWD_VAL, (const char *)SYS_ARG(0));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_rename")
int handle_rename(struct trace_event_raw_sys_enter *ctx)
{
	file_emit(FILE_OP_RENAME, AT_FDCWD_VAL, (const char *)SYS_ARG(1));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_renameat")
int handle_renameat(struct trace_event_raw_sys_enter *ctx)
{
	file_emit(FILE_OP_RENAME, (__s32)SYS_ARG(2), (const char *)SYS_ARG(3));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_renameat2")
int handle_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	file_emit(FILE_OP_RENAME, (__s32)SYS_ARG(2), (const char *)SYS_ARG(3));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int handle_unlink(struct trace_event_raw_sys_enter *ctx)
{
	file_emit(FILE_OP_UNLINK, AT_FDCWD_VAL, (const char *)SYS_ARG(0));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int handle_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	file_emit(FILE_OP_UNLINK, (__s32)SYS_ARG(0), (const char *)SYS_ARG(1));
	return 0;
}
