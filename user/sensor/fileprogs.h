/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The file-activity programs to load on this kernel: the syscall tracepoints of
 * bpf/embargo.bpf.c, 32-bit syscalls and io_uring requests (bpf/fileroute.bpf.h).
 */
#ifndef EMBARGO_FILEPROGS_H
#define EMBARGO_FILEPROGS_H

#include "embargo.skel.h"
#include "sensor/kfeatures.h"

#define FILE_PROGS 12

/*
 * The programs, the bpf_loop() or bounded copy of each; NULL where the kernel has no hook
 * for it (io_uring_gap of k says why).
 */
void fileprogs__select(struct embargo_bpf *skel, const struct kfeatures *k,
		       struct bpf_program *out[FILE_PROGS]);

#endif /* EMBARGO_FILEPROGS_H */
