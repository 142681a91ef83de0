/* SPDX-License-Identifier: GPL-2.0-only */
/* What every subcommand shares: output format, verbosity, usage errors. */
#ifndef EMBARGO_CLI_H
#define EMBARGO_CLI_H

#include <stdbool.h>

/* Exit codes scripts depend on. */
enum {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1,	/* scan found something, or a check failed */
	EXIT_USAGE = 2,		/* bad usage, or a runtime error */
};

enum output_format {
	FORMAT_AUTO = 0,	/* text on a terminal, JSON lines otherwise */
	FORMAT_TEXT,
	FORMAT_JSON,
};

/* Parse --format's argument; -EINVAL on anything else. */
int cli__parse_format(const char *arg, enum output_format *out);
enum output_format cli__resolve_format(enum output_format f);
/* Print "embargo CMD: MSG" and a hint to --help; returns EXIT_USAGE. */
int cli__usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_watch(int argc, char **argv);

#endif /* EMBARGO_CLI_H */
