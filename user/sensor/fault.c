// SPDX-License-Identifier: GPL-2.0-only
#include "sensor/fault.h"

#include <stdlib.h>
#include <string.h>

bool fault__injected(const char *kind, const char *value)
{
	const char *item = getenv("EMBARGO_FAULT"), *item_kind = "";
	size_t kind_len = 0;

	while (item && *item) {
		const char *end = strchrnul(item, ','), *colon = memchr(item, ':', end - item);
		const char *val = colon ? colon + 1 : item;

		if (colon) {
			item_kind = item;
			kind_len = colon - item;
		}
		if (kind_len == strlen(kind) && !strncmp(item_kind, kind, kind_len) &&
		    (size_t)(end - val) == strlen(value) && !strncmp(val, value, end - val))
			return true;
		item = *end ? end + 1 : end;
	}
	return false;
}
