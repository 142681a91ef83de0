// SPDX-License-Identifier: GPL-2.0-only
#include "lib/log.h"

#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * What libbpf said since log__libbpf_forget(): its last warning line, and the whole
 * verifier log of the last program the kernel refused (the reason is at its very end, so
 * it is never cut).
 */
static char libbpf_last[1024];
static char *verifier_log;
static char verifier_prog[128];

#define LOG_BEGIN "-- BEGIN PROG LOAD LOG --\n"
#define LOG_END "-- END PROG LOAD LOG --"

/* libbpf prints a refused program's log as "prog 'NAME': -- BEGIN ...\nLOG-- END ...". */
static void keep_verifier_log(const char *msg)
{
	const char *begin = strstr(msg, LOG_BEGIN), *end, *quote;

	if (strncmp(msg, "prog '", 6) || !begin || !(quote = strchr(msg + 6, '\'')) ||
	    quote > begin)
		return;
	begin += strlen(LOG_BEGIN);
	end = strstr(begin, LOG_END);
	free(verifier_log);
	verifier_log = strndup(begin, end ? (size_t)(end - begin) : strlen(begin));
	snprintf(verifier_prog, sizeof(verifier_prog), "%.*s", (int)(quote - msg - 6), msg + 6);
}

/* The last non-empty line of msg, for a one-line reason. */
static void keep_last_line(const char *msg)
{
	size_t len = strlen(msg), start;

	while (len && msg[len - 1] == '\n')
		len--;
	if (!len)
		return;
	for (start = len; start && msg[start - 1] != '\n'; start--)
		;
	snprintf(libbpf_last, sizeof(libbpf_last), "%.*s", (int)(len - start), msg + start);
}

/* Every line on its own: a verifier log is thousands of lines and none may be cut. */
static void print_lines(enum log_level level, const char *msg)
{
	while (*msg) {
		size_t len = strcspn(msg, "\n");

		if (len)
			log__msg(level, "libbpf: %.*s", (int)len, msg);
		msg += len + (msg[len] == '\n');
	}
}

void log__libbpf_message(int level, const char *msg)
{
	/* libbpf's warnings are detail of an error we report ourselves: shown with -v */
	enum log_level ours = level == LIBBPF_DEBUG ? LOG_TRACE : LOG_DEBUG;

	/* libbpf begins its own messages with its name; ours says it already */
	if (!strncmp(msg, "libbpf: ", 8))
		msg += 8;
	if (level == LIBBPF_WARN) {
		keep_verifier_log(msg);
		keep_last_line(msg);
	}
	if (ours <= max_level)
		print_lines(ours, msg);
}

__attribute__((format(printf, 2, 0)))
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		return 0;
	log__libbpf_message(level, msg);
	free(msg);
	return 0;
}

const char *log__libbpf_last_warning(void)
{
	return libbpf_last;
}

const char *log__libbpf_refused(const char **log)
{
	*log = verifier_log;
	return verifier_log ? verifier_prog : NULL;
}

const char *log__tail_lines(const char *text, int lines)
{
	const char *p = text + strlen(text);

	while (p > text && p[-1] == '\n')
		p--;
	while (p > text && lines > 0) {
		p--;
		if (p == text || p[-1] == '\n')
			lines--;
	}
	return p;
}

void log__libbpf_forget(void)
{
	libbpf_last[0] = '\0';
	free(verifier_log);
	verifier_log = NULL;
	verifier_prog[0] = '\0';
}

void log__capture_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
