// SPDX-License-Identifier: GPL-2.0-only
/* The catalogue's process fields: process.*, process.parent.* and embargo.process.* */
#include "rules/fields_getter.h"

#include "process/entity.h"
#include "process/identity.h"
#include "sensor/sensor.h"

#include <stdlib.h>

#define UNSET ((uint32_t)-1)

/* --- a process (the event's, or its parent) ---------------------------------------- */

RETURNS(get_pid, set_num(v, p->pid))
GETTER(get_entity_id)
{
	char buf[33];
	const char *id = entity__of(p, env && env->host ? env->host->id : "", buf);

	if (id == p->entity_id)
		return set_str(v, id);
	v->owned = strdup(id);
	return v->owned && set_str(v, v->owned);
}
RETURNS(get_executable, set_str(v, p->exe))

/* The program's name: the executable's, which a rename of argv[0] or comm cannot change. */
RETURNS(get_name, set_str(v, p->exe ? basename_of(p->exe) : p->comm))
RETURNS(get_comm, set_str(v, p->comm))

GETTER(get_args)
{
	if (!p->args)
		return false;
	v->str = p->args;
	v->len = p->args_len;
	return true;
}

RETURNS(get_args_count, p->args && set_num(v, p->argc))

/* argv joined by spaces, as ps shows it */
GETTER(get_command_line)
{
	if (!p->args || !p->args_len)
		return false;
	v->owned = malloc(p->args_len);
	if (!v->owned)
		return false;
	memcpy(v->owned, p->args, p->args_len);
	for (size_t i = 0; i + 1 < p->args_len; i++)
		if (v->owned[i] == '\0')
			v->owned[i] = ' ';
	v->str = v->owned;
	v->len = p->args_len - 1;
	return true;
}

RETURNS(get_sha256, p->ident && set_str(v, p->ident->sha256))
RETURNS(get_elf_arch, p->ident && p->ident->elf.is_elf && set_str(v, p->ident->elf.arch))
RETURNS(get_elf_build_id, p->ident && p->ident->elf.build_id[0] &&
	set_str(v, p->ident->elf.build_id))
RETURNS(get_elf_soname, p->ident && set_str(v, p->ident->elf.soname))
RETURNS(get_elf_needed, p->ident && set_list(v, p->ident->elf.needed, p->ident->elf.needed_len))
RETURNS(get_elf_sections,
	p->ident && set_list(v, p->ident->elf.sections, p->ident->elf.sections_len))
RETURNS(get_elf_strings,
	p->ident && set_list(v, p->ident->elf.strings, p->ident->elf.strings_len))
RETURNS(get_loader, set_str(v, p->loader))
RETURNS(get_app_type, set_str(v, p->app_type))
RETURNS(get_app_id, set_str(v, p->app_id))
RETURNS(get_app_path, set_str(v, p->app_path))
RETURNS(get_ident_unavailable, p->ident_unavailable && set_num(v, 1))
RETURNS(get_ident_unavailable_reason, set_str(v, p->ident_unavailable))
RETURNS(get_script, set_str(v, p->script))
RETURNS(get_origin_path, set_str(v, p->origin_path))
RETURNS(get_origin_name, p->origin_path && set_str(v, basename_of(p->origin_path)))
RETURNS(get_origin_source, set_str(v, p->origin_source))
RETURNS(get_script_sha256, p->script_ident && set_str(v, p->script_ident->sha256))
RETURNS(get_cwd, set_str(v, p->cwd))
RETURNS(get_start,
	p->start_boot_ns && set_num(v, (long long)host__boot_to_real_ns(p->start_boot_ns)))

RETURNS(get_interactive, set_num(v, p->tty_major != 0))
RETURNS(get_tty_major, p->tty_major && set_num(v, p->tty_major))
RETURNS(get_tty_minor, p->tty_major && set_num(v, p->tty_minor))
RETURNS(get_uid, set_id(v, p->uid))
RETURNS(get_uid_name, set_str(v, users__user_name(env->users, p->uid)))
RETURNS(get_euid, set_id(v, p->euid))
RETURNS(get_euid_name, set_str(v, users__user_name(env->users, p->euid)))
RETURNS(get_gid, set_id(v, p->gid))
RETURNS(get_gid_name, set_str(v, users__group_name(env->users, p->gid)))
RETURNS(get_egid, set_id(v, p->egid))
RETURNS(get_egid_name, set_str(v, users__group_name(env->users, p->egid)))
RETURNS(get_loginuid, p->loginuid != UNSET && set_id(v, p->loginuid))
RETURNS(get_loginuid_name,
	p->loginuid != UNSET && set_str(v, users__user_name(env->users, p->loginuid)))

RETURNS(get_sessionid, p->sessionid != UNSET && set_num(v, p->sessionid))
RETURNS(get_cgroup_id, p->cgroup_id && set_num(v, (long long)p->cgroup_id))
RETURNS(get_mntns, p->mntns && set_num(v, p->mntns))
RETURNS(get_filename, set_str(v, p->filename))
RETURNS(get_interp, set_str(v, p->interp))

GETTER(get_exe_source)
{
	static const char *const names[] = { NULL, "kernel", "proc", "filename", "loader" };

	return set_str(v, names[p->exe_source]);
}

RETURNS(get_exe_deleted, p->exe && set_num(v, p->exe_deleted))
RETURNS(get_args_truncated, p->args_truncated && set_num(v, 1))
RETURNS(get_late, p->late && set_num(v, 1))
RETURNS(get_file_dev, p->file.ino && set_num(v, (long long)p->file.dev))
RETURNS(get_file_ino, p->file.ino && set_num(v, (long long)p->file.ino))
RETURNS(get_file_nlink, p->file.ino && set_num(v, p->file.nlink))
RETURNS(get_file_size, p->file.ino && set_num(v, (long long)p->file.size))
RETURNS(get_file_mtime,
	p->file.ino && set_num(v, p->file.mtime_sec * 1000000000LL + p->file.mtime_nsec))

#define PROC(n, t, fn, ...) { "process." n, t, ROLE_PROCESS, fn, __VA_ARGS__ }
#define PARENT(n, t, fn, ...) { "process.parent." n, t, ROLE_PARENT, fn, __VA_ARGS__ }
#define OURS(n, t, fn, ...) { "embargo.process." n, t, ROLE_PROCESS, fn, __VA_ARGS__ }

const struct field_def fields_process[] = {
	{ "embargo.elf.build_id", FT_KEYWORD, ROLE_PROCESS, get_elf_build_id, NULL, CONTENT },
	{ "embargo.elf.soname", FT_KEYWORD, ROLE_PROCESS, get_elf_soname, NULL, CONTENT },
	{ "embargo.elf.strings", FT_LIST, ROLE_PROCESS, get_elf_strings, NULL, CONTENT },
	OURS("app.id", FT_KEYWORD, get_app_id),
	OURS("app.path", FT_KEYWORD, get_app_path),
	OURS("app.type", FT_KEYWORD, get_app_type),
	OURS("args_truncated", FT_BOOL, get_args_truncated),
	OURS("audit_session_id", FT_LONG, get_sessionid),
	OURS("cgroup_id", FT_LONG, get_cgroup_id),
	OURS("comm", FT_KEYWORD, get_comm),
	OURS("exe.deleted", FT_BOOL, get_exe_deleted),
	OURS("exe.device", FT_LONG, get_file_dev),
	OURS("exe.inode", FT_LONG, get_file_ino),
	OURS("exe.mtime", FT_DATE, get_file_mtime),
	OURS("exe.nlink", FT_LONG, get_file_nlink),
	OURS("exe.size", FT_LONG, get_file_size),
	OURS("exe_source", FT_KEYWORD, get_exe_source),
	OURS("filename", FT_KEYWORD, get_filename),
	OURS("identity_unavailable", FT_BOOL, get_ident_unavailable, NULL, CONTENT),
	OURS("identity_unavailable_reason", FT_KEYWORD, get_ident_unavailable_reason, NULL,
	     CONTENT),
	OURS("interpreter", FT_KEYWORD, get_interp),
	OURS("late", FT_BOOL, get_late),
	OURS("loader", FT_KEYWORD, get_loader),
	OURS("login_user.id", FT_KEYWORD, get_loginuid),
	OURS("login_user.name", FT_KEYWORD, get_loginuid_name),
	OURS("mnt_ns", FT_LONG, get_mntns),
	OURS("origin.name", FT_KEYWORD, get_origin_name),
	OURS("origin.path", FT_KEYWORD, get_origin_path),
	OURS("origin.source", FT_KEYWORD, get_origin_source),
	OURS("script.hash.sha256", FT_KEYWORD, get_script_sha256, NULL, CONTENT),
	OURS("script.path", FT_KEYWORD, get_script),
	{ "group.id", FT_KEYWORD, ROLE_PROCESS, get_gid },
	{ "group.name", FT_KEYWORD, ROLE_PROCESS, get_gid_name },
	PROC("args", FT_LIST, get_args),
	PROC("args_count", FT_LONG, get_args_count),
	PROC("command_line", FT_KEYWORD, get_command_line),
	PROC("elf.architecture", FT_KEYWORD, get_elf_arch, NULL, CONTENT),
	PROC("elf.sections.name", FT_NESTED, get_elf_sections, NULL, CONTENT),
	PROC("elf.shared_libraries", FT_LIST, get_elf_needed, NULL, CONTENT),
	PROC("entity_id", FT_KEYWORD, get_entity_id),
	PROC("executable", FT_KEYWORD, get_executable, "embargo.process.origin.path"),
	PROC("group.id", FT_KEYWORD, get_egid),
	PROC("group.name", FT_KEYWORD, get_egid_name),
	PROC("hash.sha256", FT_KEYWORD, get_sha256, NULL, CONTENT),
	PROC("interactive", FT_BOOL, get_interactive),
	PROC("name", FT_KEYWORD, get_name, "embargo.process.origin.name"),
	PARENT("args", FT_LIST, get_args),
	PARENT("args_count", FT_LONG, get_args_count),
	PARENT("command_line", FT_KEYWORD, get_command_line),
	PARENT("entity_id", FT_KEYWORD, get_entity_id),
	PARENT("executable", FT_KEYWORD, get_executable),
	PARENT("group.id", FT_KEYWORD, get_egid),
	PARENT("group.name", FT_KEYWORD, get_egid_name),
	PARENT("hash.sha256", FT_KEYWORD, get_sha256, NULL, CONTENT),
	PARENT("interactive", FT_BOOL, get_interactive),
	PARENT("name", FT_KEYWORD, get_name),
	PARENT("pid", FT_LONG, get_pid),
	PARENT("real_user.id", FT_KEYWORD, get_uid),
	PARENT("real_user.name", FT_KEYWORD, get_uid_name),
	PARENT("start", FT_DATE, get_start),
	PARENT("user.id", FT_KEYWORD, get_euid),
	PARENT("user.name", FT_KEYWORD, get_euid_name),
	PROC("pid", FT_LONG, get_pid),
	PROC("real_group.id", FT_KEYWORD, get_gid),
	PROC("real_group.name", FT_KEYWORD, get_gid_name),
	PROC("real_user.id", FT_KEYWORD, get_uid),
	PROC("real_user.name", FT_KEYWORD, get_uid_name),
	PROC("start", FT_DATE, get_start),
	PROC("tty.char_device.major", FT_LONG, get_tty_major),
	PROC("tty.char_device.minor", FT_LONG, get_tty_minor),
	PROC("user.id", FT_KEYWORD, get_euid),
	PROC("user.name", FT_KEYWORD, get_euid_name),
	PROC("working_directory", FT_KEYWORD, get_cwd),
};

const size_t fields_nprocess = sizeof(fields_process) / sizeof(fields_process[0]);
