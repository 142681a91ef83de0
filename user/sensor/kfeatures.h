/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the running kernel offers the sensors, asked before anything is loaded: BTF and the
 * BPF ring buffer (5.8) are required; bpf_loop() (5.17) only chooses how paths are walked.
 * docs/architecture.md says how each feature is chosen.
 */
#ifndef EMBARGO_KFEATURES_H
#define EMBARGO_KFEATURES_H

#include <stdbool.h>
#include <stddef.h>

#define KFEATURES_BTF_PATH "/sys/kernel/btf/vmlinux"

struct kfeatures {
	char release[65];	/* uname -r */
	bool btf;
	bool ringbuf;
	bool bpf_loop;
	/* the io_uring tracepoint that carries the request, and which argument it is;
	 * io_uring_tp NULL: requests are not seen, io_uring_gap says why ("" if the kernel
	 * has no io_uring at all: then there is nothing to miss) */
	const char *io_uring_tp;
	int io_uring_req_arg;
	char io_uring_gap[256];
};

/*
 * Probe the running kernel. Returns 0, or -ENOTSUP when embargo cannot run here, with a
 * one-line reason naming the kernel and what it lacks in why.
 * EMBARGO_FAULT=feature:NAME (btf, ringbuf, bpf_loop, io_uring) pretends NAME is missing, so the
 * tests can take every fallback on a kernel that has it all.
 */
int kfeatures__probe(struct kfeatures *k, char *why, size_t whylen);

#endif /* EMBARGO_KFEATURES_H */
