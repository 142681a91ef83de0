// SPDX-License-Identifier: GPL-2.0-only
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli__parse_format(const char *arg, enum output_format *out)
{
	if (!strcmp(arg, "text"))
		*out = FORMAT_TEXT;
	else if (!strcmp(arg, "json"))
		*out = FORMAT_JSON;
	else
		return -EINVAL;
	return 0;
}

enum output_format cli__resolve_format(enum output_format f)
{
	if (f != FORMAT_AUTO)
		return f;
	return isatty(STDOUT_FILENO) ? FORMAT_TEXT : FORMAT_JSON;
}

int cli__usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "embargo %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'embargo %s --help'.\n", cmd);
	return EXIT_USAGE;
}
