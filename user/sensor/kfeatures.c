// SPDX-License-Identifier: GPL-2.0-only
#include "sensor/kfeatures.h"

#include "sensor/fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* 0 if this process may create BPF maps at all, else -errno (EPERM without CAP_BPF). */
static int may_use_bpf(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The function type of tracepoint tp's BPF programs (btf_trace_TP), NULL if there is none. */
static const struct btf_type *tracepoint_proto(const struct btf *btf, const char *tp)
{
	char name[64];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	if ((id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF)) < 0)
		return NULL;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (!t || !btf_is_ptr(t) || !(t = btf__type_by_id(btf, t->type)) || !btf_is_func_proto(t))
		return NULL;
	return t;
}

/* Whether tracepoint argument i (the proto's first parameter is the BPF context) is a
 * pointer: to struct NAME, or to anything when name is NULL. */
static bool arg_is_pointer(const struct btf *btf, const struct btf_type *proto, int i,
			   const char *name)
{
	const struct btf_type *t;

	if (!proto || i + 1 >= btf_vlen(proto))
		return false;
	t = btf__type_by_id(btf, btf_params(proto)[i + 1].type);
	if (!t || !btf_is_ptr(t))
		return false;
	if (!name)
		return true;
	t = btf__type_by_id(btf, t->type);
	return t && btf_is_struct(t) && !strcmp(btf__name_by_offset(btf, t->name_off), name);
}

/*
 * io_uring's submit tracepoint, with the request (struct io_kiocb) as its first argument
 * since 5.19: io_uring_submit_sqe, renamed io_uring_submit_req in 6.4. Before, the
 * second (ctx, req, opcode, ...), untyped (void *), since 5.10's backport of 5.15's
 * io_uring; earlier kernels' tracepoint carried no request at all.
 */
static void find_io_uring_tp(struct kfeatures *k, const struct btf *btf)
{
	const struct btf_type *sqe = tracepoint_proto(btf, "io_uring_submit_sqe");

	if (arg_is_pointer(btf, tracepoint_proto(btf, "io_uring_submit_req"), 0, "io_kiocb")) {
		k->io_uring_tp = "io_uring_submit_req";
	} else if (arg_is_pointer(btf, sqe, 0, "io_kiocb")) {
		k->io_uring_tp = "io_uring_submit_sqe";
	} else if (sqe && btf_vlen(sqe) >= 8 && arg_is_pointer(btf, sqe, 1, NULL)) {
		k->io_uring_tp = "io_uring_submit_sqe";
		k->io_uring_req_arg = 1;
	}
}

static void probe_io_uring(struct kfeatures *k)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf) {
		snprintf(k->io_uring_gap, sizeof(k->io_uring_gap), "io_uring: the kernel's BTF "
			 "cannot be read (%s): opens, renames and links it submits are not seen",
			 strerror(errno));
		return;
	}
	/* a kernel without io_uring has nothing to miss */
	if (btf__find_by_name_kind(btf, "io_ring_ctx", BTF_KIND_STRUCT) >= 0) {
		if (!fault__injected("feature", "io_uring"))
			find_io_uring_tp(k, btf);
		if (!k->io_uring_tp)
			snprintf(k->io_uring_gap, sizeof(k->io_uring_gap), "io_uring: no request "
				 "tracepoint carries the request on kernel %s: opens, renames and "
				 "links submitted through io_uring are not seen", k->release);
	}
	btf__free(btf);
}

int kfeatures__probe(struct kfeatures *k, char *why, size_t whylen)
{
	struct utsname u;
	int ringbuf, loop;

	memset(k, 0, sizeof(*k));
	snprintf(k->release, sizeof(k->release), "%s", uname(&u) ? "unknown" : u.release);
	k->btf = !access(KFEATURES_BTF_PATH, R_OK) && !fault__injected("feature", "btf");
	/* libbpf's probes say "not there" when the kernel refused to say: ask for a map first */
	if ((ringbuf = may_use_bpf()) < 0) {
		snprintf(why, whylen, "kernel %s refuses embargo BPF: %s (embargo watch needs "
			 "root, or CAP_BPF and CAP_PERFMON)", k->release, strerror(-ringbuf));
		return ringbuf;
	}
	/* 1: there, 0: not there, <0: the kernel would not say */
	ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	/* bpf_loop() is a base helper: if a tracepoint program may call it, every type may */
	loop = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_loop, NULL);
	if (ringbuf < 0 || loop < 0) {
		snprintf(why, whylen, "cannot ask kernel %s for its BPF features: %s (embargo "
			 "watch needs root, or CAP_BPF and CAP_PERFMON)",
			 k->release, strerror(-(ringbuf < 0 ? ringbuf : loop)));
		return -EPERM;
	}
	k->ringbuf = ringbuf == 1 && !fault__injected("feature", "ringbuf");
	k->bpf_loop = loop == 1 && !fault__injected("feature", "bpf_loop");
	if (k->btf)
		probe_io_uring(k);
	if (!k->btf) {
		snprintf(why, whylen, "kernel %s has no BTF (%s): embargo needs a kernel built "
			 "with CONFIG_DEBUG_INFO_BTF", k->release, KFEATURES_BTF_PATH);
		return -ENOTSUP;
	}
	if (!k->ringbuf) {
		snprintf(why, whylen, "kernel %s has no BPF ring buffer: embargo needs Linux 5.8 "
			 "or later", k->release);
		return -ENOTSUP;
	}
	return 0;
}
