// SPDX-License-Identifier: GPL-2.0-only
#include "lib/host.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

static int read_first_line(const char *root, const char *path, char *buf, size_t size)
{
	char full[4096];
	FILE *f;
	int err = 0;

	snprintf(full, sizeof(full), "%s%s", root ? root : "", path);
	f = fopen(full, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		err = -ENODATA;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return err;
}

/*
 * Which run of embargo a record comes from: the boot, and the start within it. A receiver
 * sees a restart as a new run id, and numbers (embargo.sequence) start again at 1.
 */
static void start_run(struct host *h, const char *root)
{
	char boot[40];

	if (read_first_line(root, "/proc/sys/kernel/random/boot_id", boot, sizeof(boot)) ||
	    !boot[0])
		snprintf(boot, sizeof(boot), "noboot");
	h->run_start_ns = host__now_real_ns();
	snprintf(h->run_id, sizeof(h->run_id), "%s-%llu", boot,
		 (unsigned long long)h->run_start_ns);
}

int host__load(struct host *h, const char *root)
{
	struct utsname uts;

	memset(h, 0, sizeof(*h));
	if (read_first_line(root, "/etc/machine-id", h->id, sizeof(h->id)))
		h->id[0] = '\0';
	start_run(h, root);
	if (!uname(&uts)) {
		snprintf(h->kernel, sizeof(h->kernel), "%s", uts.release);
		snprintf(h->arch, sizeof(h->arch), "%s", uts.machine);
	}
	if (gethostname(h->name, sizeof(h->name) - 1))
		return -errno;
	return 0;
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t host__now_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

/*
 * The offset is read each time (two vDSO calls): it moves when NTP steps the clock, and a
 * stale one would put events at the wrong time in the SIEM.
 */
uint64_t host__boot_to_real_ns(uint64_t boot_ns)
{
	uint64_t boot_now = clock_ns(CLOCK_BOOTTIME);
	uint64_t real_now = clock_ns(CLOCK_REALTIME);

	if (boot_ns > boot_now)
		return real_now;
	return real_now - (boot_now - boot_ns);
}

void host__format_time(uint64_t real_ns, char buf[32])
{
	time_t sec = (time_t)(real_ns / 1000000000ULL);
	unsigned int ms = (unsigned int)(real_ns / 1000000ULL % 1000);
	struct tm tm;

	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 32 - n, ".%03uZ", ms);
}

uint64_t host__ticks_per_sec(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? (uint64_t)hz : 100;
}
