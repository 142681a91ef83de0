/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ring-buffer bytes -> checked views of the contract structs. Nothing from the kernel is
 * trusted: sizes, lengths and terminators are all checked before anything reads them.
 */
#ifndef EMBARGO_DECODE_H
#define EMBARGO_DECODE_H

#include <stddef.h>

#include "embargo/events.h"

/* An exec record with its variable part split; strings are NULL when absent. */
struct exec_view {
	const struct ev_exec *ev;
	const char *filename;
	const char *interp;	/* NULL when it equals filename */
	const char *exe;	/* path resolved in the kernel */
	const char *exe_in_mount;	/* its tail within the file's own mount (NULL with exe) */
	const char *mnt_root;	/* that mount's root in its filesystem; NULL: the fs root */
	const char *cwd;
	const char *args;	/* NUL-separated; the last one may be cut (args_trunc) */
	size_t args_len;
};

/* Returns the record type (enum ev_type) or -EBADMSG / -EPROTO (abi) / -ENOTSUP. */
int decode__type(const void *data, size_t size);
int decode__exec(const void *data, size_t size, struct exec_view *out);
int decode__fork(const void *data, size_t size, const struct ev_fork **out);
int decode__exit(const void *data, size_t size, const struct ev_exit **out);

int decode__file(const void *data, size_t size, const struct ev_file_op **out);

/* Count the argv strings in buf (a cut last one counts). */
unsigned int decode__args_count(const char *buf, size_t len);

#endif /* EMBARGO_DECODE_H */
