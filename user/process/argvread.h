/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * argv read again, whole, for an exec whose argv the kernel cut (EV_ARGS_MAX): an app id or
 * a flag after 16 KiB of padding must still meet the argv rules. Read from
 * /proc/PID/cmdline on a worker with a deadline, never on the event loop: reading another
 * process's memory takes its mmap_lock, which its owner can keep held (a page fault on a
 * stalled FUSE mapping). The loop only opens /proc/PID (a procfs lookup), which pins that
 * process: a pid reused meanwhile reads nothing. The read must begin with the bytes the
 * kernel saw at exec, or it is another exec's argv and is not used.
 */
#ifndef EMBARGO_ARGVREAD_H
#define EMBARGO_ARGVREAD_H

#include <stddef.h>
#include <stdint.h>

#define ARGVREAD_MAX (256u << 10)	/* bytes read at most; past them argv stays cut */
#define ARGVREAD_BUDGET_MS 2000

/*
 * The answer, on the loop's thread: args (NUL-separated, len bytes, malloc'ed: the callee
 * owns it) when err is 0; else NULL and -ESRCH (gone), -ESTALE (another exec's argv),
 * -ETIMEDOUT, -ECANCELED (stopping) or another -errno.
 */
typedef void (*argvread_fn)(void *ctx, void *cookie, char *args, size_t len, int err);

struct argvread;

struct argvread *argvread__new(const char *proc_root, argvread_fn fn, void *ctx);
void argvread__free(struct argvread *a);
/* Readable when answers wait: then argvread__complete(). */
int argvread__fd(const struct argvread *a);
/* Ask for pid's argv, which must begin with seen (seen_len bytes); 0, or -errno at once. */
int argvread__ask(struct argvread *a, uint32_t pid, const char *seen, size_t seen_len,
		  void *cookie);
void argvread__tick(struct argvread *a);
void argvread__complete(struct argvread *a);
void argvread__drain(struct argvread *a, uint64_t wait_ms);

#endif /* EMBARGO_ARGVREAD_H */
