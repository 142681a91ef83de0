/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which program a process really runs when the executable the kernel mapped is only its
 * runner: the dynamic loader run directly (ld.so PROG), or the interpreter of a #! script.
 */
#ifndef EMBARGO_PROGRAM_H
#define EMBARGO_PROGRAM_H

#include <stdbool.h>

#include "process/proctable.h"
#include "process/sandbox.h"

/* Whether this path is a dynamic loader (ld-linux-x86-64.so.2, ld-musl-*.so.1, ...). */
bool program__is_loader(const char *path);
/* For `ld.so [OPTIONS] PROG ARGS`: PROG made absolute against the cwd; NULL otherwise. */
char *program__loader_target(const struct proc *p);
/*
 * p's executable is a dynamic loader known by its identity (sysprogs.h), whatever its name:
 * name the program argv asks it to run, as for ld.so PROG. false when argv names none or p
 * was resolved already.
 */
bool program__run_by_loader(struct proc *p);
/* For a #! script (or a binfmt_misc file): the file executed, absolute; NULL otherwise. */
char *program__script_path(const struct proc *p);

/*
 * Name what p really runs: ld.so PROG becomes PROG (the loader kept aside), a #! script
 * is named beside its interpreter, and a sandboxed app by its package (sb may be NULL).
 */
void program__resolve(struct proc *p, struct sandbox *sb, struct proctable *pt);

#endif /* EMBARGO_PROGRAM_H */
