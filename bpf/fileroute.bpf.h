/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ways to put a file in place that no syscall tracepoint of bpf/file.bpf.h sees:
 *
 * - 32-bit syscalls (int $0x80, also from a 64-bit program): x86 fires no syscalls:sys_enter_*
 *   tracepoint for them (ARCH_TRACE_IGNORE_COMPAT_SYSCALLS), only the raw sys_enter one, with
 *   the ia32 numbers. That tracepoint runs for every syscall of the machine, so the program
 *   is a raw_tp (no record copied) that drops every other number before anything else, and
 *   reads the task only for the numbers 64-bit calls share with these.
 * - io_uring requests (IORING_OP_OPENAT, OPENAT2, RENAMEAT, LINKAT): no syscall names the
 *   file. The request tracepoint (io_uring_submit_req, io_uring_submit_sqe before 6.4) fires
 *   after the request's prep copied the path into the kernel (getname()), so the name is
 *   read from the request. Which argument is the request differs between kernels: user
 *   space reads it from the kernel's BTF (user/sensor/kfeatures.c) and loads that program.
 */
#ifndef EMBARGO_FILEROUTE_BPF_H
#define EMBARGO_FILEROUTE_BPF_H

#include "file.bpf.h"

/* arch/x86/entry/syscalls/syscall_32.tbl */
#define IA32_OPEN 5
#define IA32_CREAT 8
#define IA32_LINK 9
#define IA32_UNLINK 10
#define IA32_RENAME 38
#define IA32_OPENAT 295
#define IA32_UNLINKAT 301
#define IA32_RENAMEAT 302
#define IA32_LINKAT 303
#define IA32_RENAMEAT2 353
/* arch/x86/include/asm/processor.h: set in thread_info.status for a 32-bit syscall */
#define TS_COMPAT_FLAG 0x0002

static __always_inline bool compat_number(long id)
{
	switch (id) {
	case IA32_OPEN: case IA32_CREAT: case IA32_LINK: case IA32_UNLINK: case IA32_RENAME:
	case IA32_OPENAT: case IA32_UNLINKAT: case IA32_RENAMEAT: case IA32_LINKAT:
	case IA32_RENAMEAT2:
		return true;
	default:
		return false;
	}
}

/* An int $0x80 call's arguments are ebx, ecx, edx, esi: 32-bit, the pointers too. */
static __always_inline void compat_emit(struct pt_regs *regs, long id, enum path_loop loop)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	__u32 a0, a1, a2, a3, op = FILE_OP_CREATE;
	__s32 dfd = AT_FDCWD_VAL;
	__u64 name;

	if (!compat_number(id) || !(BPF_CORE_READ(task, thread_info.status) & TS_COMPAT_FLAG))
		return;
	a0 = BPF_CORE_READ(regs, bx);
	a1 = BPF_CORE_READ(regs, cx);
	a2 = BPF_CORE_READ(regs, dx);
	a3 = BPF_CORE_READ(regs, si);
	switch (id) {
	case IA32_OPEN:
		if (!(a1 & O_CREAT_FLAG))
			return;
		name = a0;
		break;
	case IA32_CREAT:
		name = a0;
		break;
	case IA32_UNLINK:
		op = FILE_OP_UNLINK;
		name = a0;
		break;
	case IA32_LINK:
	case IA32_RENAME:
		op = id == IA32_LINK ? FILE_OP_LINK : FILE_OP_RENAME;
		name = a1;
		break;
	case IA32_OPENAT:
		if (!(a2 & O_CREAT_FLAG))
			return;
		dfd = a0;
		name = a1;
		break;
	case IA32_UNLINKAT:
		op = FILE_OP_UNLINK;
		dfd = a0;
		name = a1;
		break;
	default:	/* renameat, renameat2, linkat: (olddfd, old, newdfd, new) */
		op = id == IA32_LINKAT ? FILE_OP_LINK : FILE_OP_RENAME;
		dfd = a2;
		name = a3;
	}
	file_emit(op, dfd, (const char *)name, EV_FILE_COMPAT, loop);
}

/* include/uapi/linux/io_uring.h */
#define IORING_OP_OPENAT_NR 18
#define IORING_OP_OPENAT2_NR 28
#define IORING_OP_RENAMEAT_NR 35
#define IORING_OP_LINKAT_NR 39

/*
 * The request and its per-opcode part (io_uring/openclose.c, fs.c; 5.10-5.18 io_uring.c).
 * That part is the first member of struct io_kiocb: a union of every opcode's struct until
 * 5.19, struct io_cmd_data cmd since. A link's struct was io_hardlink before 5.19, io_link
 * since, with the same fields.
 */
struct io_kiocb___emb {
	struct io_cmd_data___emb {
		__u64 data[8];
	} cmd;
	__u8 opcode;
} __attribute__((preserve_access_index));

struct io_open___emb {
	int dfd;
	struct filename *filename;
	struct open_how how;
} __attribute__((preserve_access_index));

struct io_rename___emb {
	int new_dfd;
	struct filename *newpath;
} __attribute__((preserve_access_index));

struct io_link___emb {
	int new_dfd;
	struct filename *newpath;
} __attribute__((preserve_access_index));

struct io_hardlink___emb {
	int new_dfd;
	struct filename *newpath;
} __attribute__((preserve_access_index));

static __always_inline void io_uring_emit(struct io_kiocb___emb *req, enum path_loop loop)
{
	__u8 opcode = BPF_CORE_READ(req, opcode);
	void *cmd = req;
	struct filename *fn;
	__u32 op;
	__s32 dfd;

	if (bpf_core_field_exists(req->cmd))
		cmd = (void *)req + bpf_core_field_offset(req->cmd);
	if (opcode == IORING_OP_OPENAT_NR || opcode == IORING_OP_OPENAT2_NR) {
		struct io_open___emb *o = cmd;

		if (!bpf_core_type_exists(struct io_open___emb) ||
		    !(BPF_CORE_READ(o, how.flags) & O_CREAT_FLAG))
			return;
		op = FILE_OP_CREATE;
		dfd = BPF_CORE_READ(o, dfd);
		fn = BPF_CORE_READ(o, filename);
	} else if (opcode == IORING_OP_RENAMEAT_NR && bpf_core_type_exists(struct io_rename___emb)) {
		struct io_rename___emb *r = cmd;

		op = FILE_OP_RENAME;
		dfd = BPF_CORE_READ(r, new_dfd);
		fn = BPF_CORE_READ(r, newpath);
	} else if (opcode == IORING_OP_LINKAT_NR && bpf_core_type_exists(struct io_link___emb)) {
		struct io_link___emb *l = cmd;

		op = FILE_OP_LINK;
		dfd = BPF_CORE_READ(l, new_dfd);
		fn = BPF_CORE_READ(l, newpath);
	} else if (opcode == IORING_OP_LINKAT_NR &&
		   bpf_core_type_exists(struct io_hardlink___emb)) {
		struct io_hardlink___emb *l = cmd;

		op = FILE_OP_LINK;
		dfd = BPF_CORE_READ(l, new_dfd);
		fn = BPF_CORE_READ(l, newpath);
	} else {
		return;
	}
	if (fn)
		file_emit(op, dfd, BPF_CORE_READ(fn, name), EV_FILE_IO_URING, loop);
}

#endif /* EMBARGO_FILEROUTE_BPF_H */
