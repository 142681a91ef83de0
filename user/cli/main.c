// SPDX-License-Identifier: GPL-2.0-only
/* embargo: enforce a software ban on Linux desktops. main() only dispatches. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/privs.h"

static const char usage[] =
	"Usage: embargo COMMAND [OPTIONS]\n"
	"\n"
	"Watch process execution in the kernel and report banned vendors' software.\n"
	"\n"
	"Commands:\n"
	"  watch     load the probes and report alerts (and process starts) until stopped\n"
	"  rules     check, list or try out rule files\n"
	"  scan      check installed packages, running processes and files against the rules\n"
	"  inspect   identify files by content and show which rules they would trip\n"
	"  status    ask the running daemon for its state, counters and outputs\n"
	"  policy    turn package block rules into apt pins and flatpak filters (apply|check|remove)\n"
	"  quarantine  list or restore the downloads --enforce moved away\n"
	"  enforce   preview what the block rules would kill (enforce preview)\n"
	"  version   print the version\n"
	"  help      print this help\n"
	"\n"
	"Run 'embargo COMMAND --help' for a command's options.\n"
	"Exit codes: 0 ok, 1 findings or failed check, 2 usage or runtime error.\n";

static int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: embargo version\n\nPrint the version and exit.\n");
		return EXIT_OK;
	}
	if (argc > 1)
		return cli__usage_error("version", "unexpected argument '%s'", argv[1]);
	printf("embargo %s\n", EMBARGO_VERSION);
	return EXIT_OK;
}

/* The self-check's canary (cli/watch_selfcheck.c): watch must see this exec, nothing more. */
static int cmd_canary(int argc, char **argv)
{
	(void)argc, (void)argv;
	return EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	fputs(usage, stdout);
	return EXIT_OK;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "watch", cmd_watch },
	{ "rules", cmd_rules },
	{ "inspect", cmd_inspect },
	{ "scan", cmd_scan },
	{ "status", cmd_status },
	{ "policy", cmd_policy },
	{ "quarantine", cmd_quarantine },
	{ "enforce", cmd_enforce },
	{ "version", cmd_version },
	{ "help", cmd_help },
	{ "canary", cmd_canary },	/* not in the usage: only watch runs it */
	{ "--help", cmd_help },
	{ "-h", cmd_help },
	{ "--version", cmd_version },
};

int main(int argc, char **argv)
{
	/* a closed pipe is an error to report, never a signal death */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Before any thread exists, so that every thread inherits it: the capabilities that
	 * write through any path are lent only to quarantine's fd-based work (privs.h).
	 */
	int err = privs__lower();

	if (err)
		fprintf(stderr, "embargo: failed to lower the quarantine's capabilities, "
				"ignoring: %s\n", strerror(-err));
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "embargo: unknown command '%s'\nTry 'embargo help'.\n", argv[1]);
	return EXIT_USAGE;
}
