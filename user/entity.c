// SPDX-License-Identifier: GPL-2.0-only
#include "entity.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "hex.h"
#include "host.h"

/* SHA-256, fetched once: an implicit fetch per digest is a locked lookup (OpenSSL 3). */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const char *entity__of(const struct proc *p, const char *host_id, char buf[33])
{
	if (p->entity_id[0])
		return p->entity_id;
	entity__id(host_id, p->pid, p->start_boot_ns, buf);
	return buf;
}

void entity__id(const char *host_id, uint32_t pid, uint64_t start_boot_ns,
			  char out[33])
{
	/* in ticks, the unit /proc gives, so a seeded entry and a kernel record agree */
	uint64_t ticks = start_boot_ns / (1000000000ULL / host__ticks_per_sec());
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char tail[48];
	int n = snprintf(tail, sizeof(tail), ":%u:%llu", pid, (unsigned long long)ticks);
	/* one context per thread, reused: a new one allocates the provider's state each time */
	static __thread EVP_MD_CTX *ctx;
	bool ok;

	pthread_once(&sha256_once, fetch_sha256);
	if (!ctx && sha256_md)
		ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestInit_ex(ctx, sha256_md, NULL) &&
	     EVP_DigestUpdate(ctx, host_id, strlen(host_id)) &&
	     EVP_DigestUpdate(ctx, tail, (size_t)n) && EVP_DigestFinal_ex(ctx, md, &md_len) &&
	     md_len >= 16;
	if (!ok) {
		snprintf(out, 33, "%016llx%08x", (unsigned long long)ticks, pid);
		return;
	}
	hex__encode(md, 16, out, 33);
}
