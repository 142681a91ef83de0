// SPDX-License-Identifier: GPL-2.0-only
/*
 * The enforcement tests' banned program: its first act is to write the marker file named by
 * argv[1], so a test can tell "never ran" from "ran, then was killed". With a second
 * argument it then sleeps that many seconds (a target for the user-space kill). Static: no
 * dynamic loader runs before main.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "ran\n", 4) != 4)
		return 1;
	close(fd);
	if (argc > 2)
		sleep((unsigned int)atoi(argv[2]));
	return 0;
}
