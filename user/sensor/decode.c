// SPDX-License-Identifier: GPL-2.0-only
#include "sensor/decode.h"

#include <errno.h>
#include <string.h>

int decode__type(const void *data, size_t size)
{
	struct ev_header hdr;

	if (size < sizeof(hdr))
		return -EBADMSG;
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.abi != EV_ABI_VERSION)
		return -EPROTO;
	if (hdr.size != size)
		return -EBADMSG;
	switch (hdr.type) {
	case EV_EXEC:
	case EV_FORK:
	case EV_EXIT:
	case EV_FILE:
		return hdr.type;
	default:
		return -ENOTSUP;
	}
}

/* Take the next string of len bytes (NUL included) from data[*off]; len 0: absent. */
static int take_string(const char *data, size_t avail, size_t *off, size_t len,
		       const char **out)
{
	*out = NULL;
	if (!len)
		return 0;
	if (len > avail - *off || data[*off + len - 1] != '\0')
		return -EBADMSG;
	*out = data + *off;
	*off += len;
	return 0;
}

int decode__exec(const void *data, size_t size, struct exec_view *out)
{
	const struct ev_exec *ev = data;
	size_t avail, off = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (decode__type(data, size) != EV_EXEC || size < EV_EXEC_FIXED_SIZE)
		return -EBADMSG;
	avail = size - EV_EXEC_FIXED_SIZE;
	if ((err = take_string(ev->data, avail, &off, ev->filename_len, &out->filename)) ||
	    (err = take_string(ev->data, avail, &off, ev->interp_len, &out->interp)) ||
	    (err = take_string(ev->data, avail, &off, ev->exe_len, &out->exe)) ||
	    (err = take_string(ev->data, avail, &off, ev->mnt_root_len, &out->mnt_root)) ||
	    (err = take_string(ev->data, avail, &off, ev->cwd_len, &out->cwd)))
		return err;
	if (out->exe) {
		if (ev->exe_mnt_off >= ev->exe_len)
			return -EBADMSG;
		out->exe_in_mount = out->exe + ev->exe_mnt_off;
	}
	if (ev->args_len > avail - off || ev->args_len > EV_ARGS_MAX)
		return -EBADMSG;
	out->args = ev->args_len ? ev->data + off : NULL;
	out->args_len = ev->args_len;
	out->ev = ev;
	return 0;
}

int decode__fork(const void *data, size_t size, const struct ev_fork **out)
{
	if (decode__type(data, size) != EV_FORK || size != sizeof(**out))
		return -EBADMSG;
	*out = data;
	return 0;
}

int decode__exit(const void *data, size_t size, const struct ev_exit **out)
{
	if (decode__type(data, size) != EV_EXIT || size != sizeof(**out))
		return -EBADMSG;
	*out = data;
	return 0;
}

unsigned int decode__args_count(const char *buf, size_t len)
{
	unsigned int n = 0;

	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			n++;
	if (len && buf[len - 1] != '\0')
		n++;
	return n;
}

int decode__file(const void *data, size_t size, const struct ev_file_op **out)
{
	const struct ev_file_op *e = data;

	if (decode__type(data, size) != EV_FILE || size != sizeof(*e) || !e->path_len ||
	    e->path_len > EV_PATH_MAX || e->path[e->path_len - 1] != '\0' ||
	    !memchr(e->dir, '\0', sizeof(e->dir)))
		return -EBADMSG;
	*out = e;
	return 0;
}
