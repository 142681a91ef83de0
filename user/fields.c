// SPDX-License-Identifier: GPL-2.0-only
#include "fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECS_VERSION "9.4.0"
#define UNSET ((uint32_t)-1)

static bool set_str(struct field_value *v, const char *s)
{
	if (!s)
		return false;
	v->str = s;
	v->len = strlen(s);
	return true;
}

static bool set_num(struct field_value *v, long long n)
{
	v->num = n;
	return true;
}

/* ECS ids (user.id, group.id) are keywords: numbers formatted as strings. */
static bool set_id(struct field_value *v, uint32_t id)
{
	snprintf(v->small, sizeof(v->small), "%u", id);
	return set_str(v, v->small);
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

/* --- event, agent, host ------------------------------------------------------------ */

#define CONST_STR(fn, value)                                                               \
	static bool fn(const struct event *ev, const struct proc *p,                     \
		       const struct event_env *env, struct field_value *v)               \
	{                                                                                \
		(void)ev, (void)p, (void)env;                                            \
		v->str = value;                                                          \
		v->len = sizeof(value) - 1;                                              \
		return true;                                                             \
	}

CONST_STR(get_agent_type, "embargo")
CONST_STR(get_agent_version, EMBARGO_VERSION)
CONST_STR(get_ecs_version, ECS_VERSION)
CONST_STR(get_event_category, "process")
CONST_STR(get_event_kind, "event")
CONST_STR(get_event_module, "embargo")
CONST_STR(get_event_dataset, "embargo.process")
CONST_STR(get_event_type, "start")
CONST_STR(get_os_type, "linux")

static bool get_timestamp(const struct event *ev, const struct proc *p,
			  const struct event_env *env, struct field_value *v)
{
	(void)p, (void)env;
	return set_num(v, (long long)ev->time_ns);
}

static bool get_event_action(const struct event *ev, const struct proc *p,
			     const struct event_env *env, struct field_value *v)
{
	(void)p, (void)env;
	return set_str(v, ev->action);
}

static bool get_host_arch(const struct event *ev, const struct proc *p,
			  const struct event_env *env, struct field_value *v)
{
	(void)ev, (void)p;
	return env->host->arch[0] && set_str(v, env->host->arch);
}

static bool get_host_id(const struct event *ev, const struct proc *p,
			const struct event_env *env, struct field_value *v)
{
	(void)ev, (void)p;
	return env->host->id[0] && set_str(v, env->host->id);
}

static bool get_host_name(const struct event *ev, const struct proc *p,
			  const struct event_env *env, struct field_value *v)
{
	(void)ev, (void)p;
	return set_str(v, env->host->name);
}

static bool get_host_kernel(const struct event *ev, const struct proc *p,
			    const struct event_env *env, struct field_value *v)
{
	(void)ev, (void)p;
	return env->host->kernel[0] && set_str(v, env->host->kernel);
}

/* --- a process (the event's, or its parent) ---------------------------------------- */

#define PROC_GETTER(fn) \
	static bool fn(const struct event *ev, const struct proc *p, \
		       const struct event_env *env, struct field_value *v)

PROC_GETTER(get_pid)
{
	(void)ev, (void)env;
	return set_num(v, p->pid);
}

PROC_GETTER(get_entity_id)
{
	(void)ev, (void)env;
	return set_str(v, p->entity_id);
}

PROC_GETTER(get_executable)
{
	(void)ev, (void)env;
	return set_str(v, p->exe);
}

/* The program's name: the executable's, which a rename of argv[0] or comm cannot change. */
PROC_GETTER(get_name)
{
	(void)ev, (void)env;
	return set_str(v, p->exe ? basename_of(p->exe) : p->comm);
}

PROC_GETTER(get_comm)
{
	(void)ev, (void)env;
	return set_str(v, p->comm);
}

PROC_GETTER(get_args)
{
	(void)ev, (void)env;
	if (!p->args)
		return false;
	v->str = p->args;
	v->len = p->args_len;
	return true;
}

PROC_GETTER(get_args_count)
{
	(void)ev, (void)env;
	return p->args && set_num(v, p->argc);
}

/* argv joined by spaces, as ps shows it */
PROC_GETTER(get_command_line)
{
	(void)ev, (void)env;
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

PROC_GETTER(get_cwd)
{
	(void)ev, (void)env;
	return set_str(v, p->cwd);
}

PROC_GETTER(get_start)
{
	(void)ev, (void)env;
	return p->start_boot_ns && set_num(v, (long long)host__boot_to_real_ns(p->start_boot_ns));
}

PROC_GETTER(get_interactive)
{
	(void)ev, (void)env;
	return set_num(v, p->tty_major != 0);
}

PROC_GETTER(get_tty_major)
{
	(void)ev, (void)env;
	return p->tty_major && set_num(v, p->tty_major);
}

PROC_GETTER(get_tty_minor)
{
	(void)ev, (void)env;
	return p->tty_major && set_num(v, p->tty_minor);
}

PROC_GETTER(get_uid)
{
	(void)ev, (void)env;
	return set_id(v, p->uid);
}

PROC_GETTER(get_uid_name)
{
	(void)ev;
	return set_str(v, users__user_name(env->users, p->uid));
}

PROC_GETTER(get_euid)
{
	(void)ev, (void)env;
	return set_id(v, p->euid);
}

PROC_GETTER(get_euid_name)
{
	(void)ev;
	return set_str(v, users__user_name(env->users, p->euid));
}

PROC_GETTER(get_gid)
{
	(void)ev, (void)env;
	return set_id(v, p->gid);
}

PROC_GETTER(get_gid_name)
{
	(void)ev;
	return set_str(v, users__group_name(env->users, p->gid));
}

PROC_GETTER(get_egid)
{
	(void)ev, (void)env;
	return set_id(v, p->egid);
}

PROC_GETTER(get_egid_name)
{
	(void)ev;
	return set_str(v, users__group_name(env->users, p->egid));
}

PROC_GETTER(get_loginuid)
{
	(void)ev, (void)env;
	return p->loginuid != UNSET && set_id(v, p->loginuid);
}

PROC_GETTER(get_loginuid_name)
{
	(void)ev;
	return p->loginuid != UNSET && set_str(v, users__user_name(env->users, p->loginuid));
}

PROC_GETTER(get_sessionid)
{
	(void)ev, (void)env;
	return p->sessionid != UNSET && set_num(v, p->sessionid);
}

PROC_GETTER(get_cgroup_id)
{
	(void)ev, (void)env;
	return p->cgroup_id && set_num(v, (long long)p->cgroup_id);
}

PROC_GETTER(get_mntns)
{
	(void)ev, (void)env;
	return p->mntns && set_num(v, p->mntns);
}

PROC_GETTER(get_filename)
{
	(void)ev, (void)env;
	return set_str(v, p->filename);
}

PROC_GETTER(get_interp)
{
	(void)ev, (void)env;
	return set_str(v, p->interp);
}

PROC_GETTER(get_exe_source)
{
	static const char *const names[] = { NULL, "kernel", "proc", "filename" };

	(void)ev, (void)env;
	return set_str(v, names[p->exe_source]);
}

PROC_GETTER(get_exe_deleted)
{
	(void)ev, (void)env;
	return p->exe && set_num(v, p->exe_deleted);
}

PROC_GETTER(get_args_truncated)
{
	(void)ev, (void)env;
	return p->args_truncated && set_num(v, 1);
}

PROC_GETTER(get_late)
{
	(void)ev, (void)env;
	return p->late && set_num(v, 1);
}

PROC_GETTER(get_file_dev)
{
	(void)ev, (void)env;
	return p->file.ino && set_num(v, (long long)p->file.dev);
}

PROC_GETTER(get_file_ino)
{
	(void)ev, (void)env;
	return p->file.ino && set_num(v, (long long)p->file.ino);
}

PROC_GETTER(get_file_nlink)
{
	(void)ev, (void)env;
	return p->file.ino && set_num(v, p->file.nlink);
}

PROC_GETTER(get_file_size)
{
	(void)ev, (void)env;
	return p->file.ino && set_num(v, (long long)p->file.size);
}

PROC_GETTER(get_file_mtime)
{
	(void)ev, (void)env;
	return p->file.ino &&
	       set_num(v, p->file.mtime_sec * 1000000000LL + p->file.mtime_nsec);
}

#define EVENT(n, t, fn) { n, t, ROLE_EVENT, fn }
#define PROC(n, t, fn) { "process." n, t, ROLE_PROCESS, fn }
#define PARENT(n, t, fn) { "process.parent." n, t, ROLE_PARENT, fn }
#define OURS(n, t, fn) { "embargo.process." n, t, ROLE_PROCESS, fn }

static const struct field_def all_fields[] = {
	EVENT("@timestamp", FT_DATE, get_timestamp),
	EVENT("agent.type", FT_KEYWORD, get_agent_type),
	EVENT("agent.version", FT_KEYWORD, get_agent_version),
	EVENT("ecs.version", FT_KEYWORD, get_ecs_version),
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
	OURS("interpreter", FT_KEYWORD, get_interp),
	OURS("late", FT_BOOL, get_late),
	OURS("login_user.id", FT_KEYWORD, get_loginuid),
	OURS("login_user.name", FT_KEYWORD, get_loginuid_name),
	OURS("mnt_ns", FT_LONG, get_mntns),
	EVENT("event.action", FT_KEYWORD, get_event_action),
	EVENT("event.category", FT_LIST, get_event_category),
	EVENT("event.dataset", FT_KEYWORD, get_event_dataset),
	EVENT("event.kind", FT_KEYWORD, get_event_kind),
	EVENT("event.module", FT_KEYWORD, get_event_module),
	EVENT("event.type", FT_LIST, get_event_type),
	{ "group.id", FT_KEYWORD, ROLE_PROCESS, get_gid },
	{ "group.name", FT_KEYWORD, ROLE_PROCESS, get_gid_name },
	EVENT("host.architecture", FT_KEYWORD, get_host_arch),
	EVENT("host.hostname", FT_KEYWORD, get_host_name),
	EVENT("host.id", FT_KEYWORD, get_host_id),
	EVENT("host.name", FT_KEYWORD, get_host_name),
	EVENT("host.os.kernel", FT_KEYWORD, get_host_kernel),
	EVENT("host.os.type", FT_KEYWORD, get_os_type),
	PROC("args", FT_LIST, get_args),
	PROC("args_count", FT_LONG, get_args_count),
	PROC("command_line", FT_KEYWORD, get_command_line),
	PROC("entity_id", FT_KEYWORD, get_entity_id),
	PROC("executable", FT_KEYWORD, get_executable),
	PROC("group.id", FT_KEYWORD, get_egid),
	PROC("group.name", FT_KEYWORD, get_egid_name),
	PROC("interactive", FT_BOOL, get_interactive),
	PROC("name", FT_KEYWORD, get_name),
	PARENT("args", FT_LIST, get_args),
	PARENT("args_count", FT_LONG, get_args_count),
	PARENT("command_line", FT_KEYWORD, get_command_line),
	PARENT("entity_id", FT_KEYWORD, get_entity_id),
	PARENT("executable", FT_KEYWORD, get_executable),
	PARENT("group.id", FT_KEYWORD, get_egid),
	PARENT("group.name", FT_KEYWORD, get_egid_name),
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
	{ "user.id", FT_KEYWORD, ROLE_PROCESS, get_uid },
	{ "user.name", FT_KEYWORD, ROLE_PROCESS, get_uid_name },
};

const struct field_def *fields__all(size_t *count)
{
	*count = sizeof(all_fields) / sizeof(all_fields[0]);
	return all_fields;
}

const struct field_def *fields__find(const char *name)
{
	for (size_t i = 0; i < sizeof(all_fields) / sizeof(all_fields[0]); i++)
		if (!strcmp(all_fields[i].name, name))
			return &all_fields[i];
	return NULL;
}

bool fields__get(const struct field_def *f, const struct event *ev,
		 const struct event_env *env, struct field_value *v)
{
	const struct proc *p = f->role == ROLE_PARENT ? ev->parent : ev->proc;

	memset(v, 0, sizeof(*v));
	if (f->role != ROLE_EVENT && !p)
		return false;
	return f->get(ev, p, env, v);
}

void fields__release(struct field_value *v)
{
	free(v->owned);
	v->owned = NULL;
}
