// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test binary identity tests ban: it carries a known string in its read-only data
 * (for embargo.elf.strings rules), and with "wait" it stays alive until stdin closes so a
 * test can delete its file while it runs.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char embargo_marker[] = "EMBARGO-TEST-ELF-MARKER: (c) Example Banned Vendor";

int main(int argc, char **argv)
{
	char buf[64];

	if (argc > 1 && !strcmp(argv[1], "wait"))
		while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
			;
	return embargo_marker[0] == 'E' ? 0 : 1;
}
