// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>

static enum log_level max_level = LOG_INFO;

void log__set_level(enum log_level level)
{
	max_level = level;
}

enum log_level log__level(void)
{
	return max_level;
}

void log__vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: ", "trace: " };
	char line[4096];
	size_t len;

	if (level > max_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n')
		line[--len] = '\0';
	/* one write per line so concurrent writers never interleave inside a line */
	fprintf(stderr, "embargo: %s%s\n", prefix[level], line);
}

void log__msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log__vmsg(level, fmt, ap);
	va_end(ap);
}

/* libbpf's last warning, so a failed load can say why without -v */
static char libbpf_last[1024];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings are detail of an error we report ourselves: shown with -v */
	enum log_level ours = level == LIBBPF_DEBUG ? LOG_TRACE : LOG_DEBUG;
	char line[1024];
	size_t len;

	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n')
		line[--len] = '\0';
	if (level == LIBBPF_WARN && len)
		snprintf(libbpf_last, sizeof(libbpf_last), "%s", line);
	log__msg(ours, "libbpf: %s", line);
	return 0;
}

const char *log__libbpf_last_warning(void)
{
	return libbpf_last;
}

void log__libbpf_forget(void)
{
	libbpf_last[0] = '\0';
}

void log__capture_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
