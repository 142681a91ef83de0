// SPDX-License-Identifier: GPL-2.0-only
/* The smallest program to exec: the benchmark measures exec, not the program. */
int main(void)
{
	return 0;
}
