/* SPDX-License-Identifier: GPL-2.0-only */
/* Facts about this machine that every record carries, and its clocks. */
#ifndef EMBARGO_HOST_H
#define EMBARGO_HOST_H

#include <stdint.h>

struct host {
	char name[256];		/* gethostname() */
	char id[64];		/* /etc/machine-id, "" if unreadable */
	char kernel[65];	/* uname -r */
	char arch[65];		/* uname -m */
	/* this run of embargo: "<boot id>-<start, Unix ns>", the same in all its records */
	char run_id[64];
	uint64_t run_start_ns;	/* wall clock at host__load() */
};

/*
 * Reads from the given root ("" or NULL: /), and starts a run (run_id: the boot id is
 * /proc/sys/kernel/random/boot_id, "noboot" if unreadable); -errno if the host name is
 * unknown.
 */
int host__load(struct host *h, const char *root);
/* A CLOCK_BOOTTIME nanosecond stamp (what BPF records carry) as wall-clock nanoseconds. */
uint64_t host__boot_to_real_ns(uint64_t boot_ns);
/* Wall-clock now, in nanoseconds. */
uint64_t host__now_real_ns(void);
/* Format wall-clock ns as RFC 3339 UTC with milliseconds: 2026-11-23T09:41:02.123Z */
void host__format_time(uint64_t real_ns, char buf[32]);
/* Kernel ticks (/proc/PID/stat starttime) per second: USER_HZ. */
uint64_t host__ticks_per_sec(void);

#endif /* EMBARGO_HOST_H */
