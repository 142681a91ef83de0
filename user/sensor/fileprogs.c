// SPDX-License-Identifier: GPL-2.0-only
#include "sensor/fileprogs.h"

#include <string.h>

/* The io_uring program for the tracepoint kfeatures found, if any. */
static struct bpf_program *io_uring_program(struct embargo_bpf *skel, const struct kfeatures *k)
{
	struct bpf_program *progs[3][2] = {
		{ skel->progs.handle_io_uring_req_bounded, skel->progs.handle_io_uring_req },
		{ skel->progs.handle_io_uring_sqe_bounded, skel->progs.handle_io_uring_sqe },
		{ skel->progs.handle_io_uring_sqe_ctx_bounded,
		  skel->progs.handle_io_uring_sqe_ctx },
	};

	if (!k->io_uring_tp)
		return NULL;
	if (!strcmp(k->io_uring_tp, "io_uring_submit_req"))
		return progs[0][k->bpf_loop];
	return progs[k->io_uring_req_arg ? 2 : 1][k->bpf_loop];
}

void fileprogs__select(struct embargo_bpf *skel, const struct kfeatures *k,
		       struct bpf_program *out[FILE_PROGS])
{
	struct bpf_program *progs[2][FILE_PROGS - 1] = {
		{ skel->progs.handle_openat_bounded, skel->progs.handle_open_bounded,
		  skel->progs.handle_creat_bounded, skel->progs.handle_rename_bounded,
		  skel->progs.handle_renameat_bounded, skel->progs.handle_renameat2_bounded,
		  skel->progs.handle_link_bounded, skel->progs.handle_linkat_bounded,
		  skel->progs.handle_unlink_bounded, skel->progs.handle_unlinkat_bounded,
		  skel->progs.handle_compat_bounded },
		{ skel->progs.handle_openat, skel->progs.handle_open, skel->progs.handle_creat,
		  skel->progs.handle_rename, skel->progs.handle_renameat,
		  skel->progs.handle_renameat2, skel->progs.handle_link, skel->progs.handle_linkat,
		  skel->progs.handle_unlink, skel->progs.handle_unlinkat,
		  skel->progs.handle_compat },
	};

	memcpy(out, progs[k->bpf_loop], sizeof(progs[k->bpf_loop]));
	out[FILE_PROGS - 1] = io_uring_program(skel, k);
}
