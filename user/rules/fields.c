// SPDX-License-Identifier: GPL-2.0-only
/* The catalogue's event, agent, host, rule, package, file and state-record fields. */
#include "rules/fields.h"

#include "rules/fields_getter.h"
#include "rules/rule.h"
#include "sensor/sensor.h"

#include <pthread.h>
#include <stdlib.h>

#define ECS_VERSION "9.4.0"

/* --- event, agent, host ------------------------------------------------------------ */

#define CONST_STR(fn, value)                        \
	GETTER(fn)                                  \
	{                                           \
		v->str = value;                     \
		v->len = sizeof(value) - 1;         \
		return true;                        \
	}

CONST_STR(get_agent_type, "embargo")
CONST_STR(get_agent_version, EMBARGO_VERSION)
CONST_STR(get_ecs_version, ECS_VERSION)
CONST_STR(get_event_module, "embargo")
CONST_STR(get_os_type, "linux")

GETTER(get_event_kind)
{
	static const char *const kinds[] = { "event", "alert", "state" };

	return set_str(v, kinds[ev->kind]);
}

RETURNS(get_event_category, set_str(v, event__category_name(ev->category)))
RETURNS(get_event_type, set_str(v, ev->type))

GETTER(get_event_dataset)
{
	const char *category = event__category_name(ev->category);

	if (!category)
		return false;
	snprintf(v->small, sizeof(v->small), "embargo.%s", category);
	return set_str(v, v->small);
}

RETURNS(get_message, set_str(v, ev->message))
RETURNS(get_error, set_str(v, ev->error))

/* --- heartbeats: counters a SIEM watches for a desktop going quiet or lossy ---------- */

#define HEALTH_NUM(fn, member) RETURNS(fn, ev->health && set_num(v, (long long)ev->health->member))

HEALTH_NUM(get_health_uptime, uptime_s)
HEALTH_NUM(get_health_events, events)
HEALTH_NUM(get_health_alerts, alerts)
HEALTH_NUM(get_health_drops, kernel_drops)
HEALTH_NUM(get_health_spooled, spool_records)
HEALTH_NUM(get_health_evicted, spool_evicted)
HEALTH_NUM(get_health_write_failed, spool_write_failed)
HEALTH_NUM(get_health_hash_pending, hash_pending)
HEALTH_NUM(get_health_hash_oldest, hash_oldest_ms)
HEALTH_NUM(get_health_hash_backlog, hash_backlog)
HEALTH_NUM(get_health_up, outputs_up)
HEALTH_NUM(get_health_down, outputs_down)
RETURNS(get_health_rules_version, ev->health && set_str(v, ev->health->rules_version))
RETURNS(get_health_sensor_state, ev->health && set_str(v, ev->health->sensor_state))

/* --- spool-write-failed: an output that lost records to its spool --------------------- */

RETURNS(get_spool_output, ev->spool_loss && set_str(v, ev->spool_loss->output))
RETURNS(get_spool_write_failed, ev->spool_loss && set_num(v, (long long)ev->spool_loss->records))
RETURNS(get_spool_recovered, ev->spool_loss && set_num(v, ev->spool_loss->recovered))

/* --- the started record: how the previous run ended ----------------------------------- */

#define PREVIOUS(expr) ev->previous_run && (expr)

RETURNS(get_prev_state, PREVIOUS(set_str(v, ev->previous_run->state)))
RETURNS(get_prev_run_id, PREVIOUS(ev->previous_run->run_id[0] &&
				  set_str(v, ev->previous_run->run_id)))
RETURNS(get_prev_sequence, PREVIOUS(ev->previous_run->last_sequence &&
				    set_num(v, (long long)ev->previous_run->last_sequence)))
RETURNS(get_prev_heartbeat, PREVIOUS(ev->previous_run->last_heartbeat_ns &&
				     set_num(v, (long long)ev->previous_run->last_heartbeat_ns)))

/* --- the started record: what the kernel gave the sensors ---------------------------- */

RETURNS(get_caps_kernel, ev->caps && set_str(v, ev->caps->kernel))
RETURNS(get_caps_probes, ev->caps && set_str(v, ev->caps->probes))
RETURNS(get_caps_path_walk, ev->caps && set_str(v, ev->caps->path_walk))
RETURNS(get_caps_fallbacks,
	ev->caps && set_list(v, ev->caps->fallbacks, ev->caps->fallbacks_len))
RETURNS(get_caps_unavailable,
	ev->caps && set_list(v, ev->caps->unavailable, ev->caps->unavailable_len))

/* --- alerts: the rule that matched and why -------------------------------------- */

/* a folded alert: how many identical alerts it stands for, and when they came */
RETURNS(get_alert_count, ev->count && set_num(v, (long long)ev->count))
RETURNS(get_event_start, ev->count && set_num(v, (long long)ev->first_ns))
RETURNS(get_event_end, ev->count && set_num(v, (long long)ev->last_ns))

RETURNS(get_rule_id, set_str(v, ev->rule->id))
RETURNS(get_rule_name, set_str(v, ev->rule->name))
RETURNS(get_rule_description, set_str(v, ev->rule->description))
RETURNS(get_rule_ruleset, set_str(v, ev->rule->vendor))
RETURNS(get_rule_reference, ev->rule->nreferences && set_str(v, ev->rule->references[0]))

/* every reference, NUL-separated: rule.reference can hold only one */
GETTER(get_rule_references)
{
	size_t len = 0;

	if (!ev->rule->nreferences)
		return false;
	for (size_t i = 0; i < ev->rule->nreferences; i++)
		len += strlen(ev->rule->references[i]) + 1;
	v->owned = malloc(len);
	if (!v->owned)
		return false;
	len = 0;
	for (size_t i = 0; i < ev->rule->nreferences; i++) {
		size_t n = strlen(ev->rule->references[i]) + 1;

		memcpy(v->owned + len, ev->rule->references[i], n);
		len += n;
	}
	v->str = v->owned;
	v->len = len;
	return true;
}

RETURNS(get_rule_severity_name, set_str(v, rule__severity_name(ev->rule->severity)))
RETURNS(get_rule_action, set_str(v, rule__action_name(ev->rule->action)))
RETURNS(get_enforce_mode, ev->verdict && set_str(v, ev->verdict->mode))
RETURNS(get_enforce_method, ev->verdict && set_str(v, event__method_name(ev->verdict->method)))
RETURNS(get_enforce_result, ev->verdict && set_str(v, event__result_name(ev->verdict->result)))
RETURNS(get_enforce_programs, ev->verdict && ev->verdict->programs &&
			     set_num(v, (long long)ev->verdict->programs))
RETURNS(get_enforce_processes, ev->verdict && ev->verdict->processes &&
			       set_num(v, (long long)ev->verdict->processes))
RETURNS(get_enforce_protected, ev->verdict && ev->verdict->protected_files &&
			       set_num(v, (long long)ev->verdict->protected_files))
RETURNS(get_enforce_quarantine, ev->verdict && ev->verdict->quarantine_id &&
				set_str(v, ev->verdict->quarantine_id))
RETURNS(get_enforce_delay, ev->verdict && ev->verdict->delay_us &&
			   set_num(v, (long long)ev->verdict->delay_us))
RETURNS(get_event_severity, set_num(v, rule__severity_score(ev->rule->severity)))

GETTER(get_rule_why)
{
	if (!ev->why)
		return false;
	v->str = ev->why;
	v->len = ev->why_len;
	return true;
}

/* "rule ID matched: why; why; ..." for a reader who sees only this line */
GETTER(get_event_reason)
{
	/* each reason's NUL becomes at most "; ": twice its length is always room enough */
	size_t len = sizeof("rule  matched: ") + strlen(ev->rule->id) + 2 * ev->why_len;

	v->owned = malloc(len);
	if (!v->owned)
		return false;
	v->len = (size_t)snprintf(v->owned, len, "rule %s matched: ", ev->rule->id);
	for (const char *w = ev->why; w && w < ev->why + ev->why_len; w += strlen(w) + 1)
		v->len += (size_t)snprintf(v->owned + v->len, len - v->len, "%s%s",
					   w == ev->why ? "" : "; ", w);
	v->str = v->owned;
	return true;
}

/* --- packages and files ----------------------------------------------------------- */

RETURNS(get_package_name, set_str(v, ev->package->name))
RETURNS(get_package_version, set_str(v, ev->package->version))
RETURNS(get_package_type, set_str(v, ev->package->type))
RETURNS(get_package_arch, set_str(v, ev->package->architecture))
RETURNS(get_package_path, set_str(v, ev->package->path))
/* one of ECS's examples, for a user's own install (flatpak --user) */
RETURNS(get_package_scope, ev->package->path && set_str(v, "user-local"))
RETURNS(get_package_previous, set_str(v, ev->package->previous_version))
RETURNS(get_package_installed,
	ev->package->installed_ns && set_num(v, (long long)ev->package->installed_ns))
RETURNS(get_file_path, set_str(v, ev->file->path))
RETURNS(get_file_name, ev->file->path && set_str(v, basename_of(ev->file->path)))

GETTER(get_file_extension)
{
	const char *name, *dot;

	if (!ev->file->path)
		return false;
	name = basename_of(ev->file->path);
	dot = strrchr(name, '.');
	return dot && dot != name && dot[1] && set_str(v, dot + 1);
}

RETURNS(get_file_sha256, set_str(v, ev->file->sha256))
RETURNS(get_timestamp, set_num(v, (long long)ev->time_ns))
RETURNS(get_event_action, set_str(v, ev->action))
RETURNS(get_event_outcome, set_str(v, ev->outcome))
RETURNS(get_host_arch, env->host->arch[0] && set_str(v, env->host->arch))
RETURNS(get_host_id, env->host->id[0] && set_str(v, env->host->id))
RETURNS(get_host_name, set_str(v, env->host->name))
RETURNS(get_host_kernel, env->host->kernel[0] && set_str(v, env->host->kernel))
/* which run of embargo, and the record's number in it: a receiver's check for losses */
RETURNS(get_run_id, env->host->run_id[0] && set_str(v, env->host->run_id))
RETURNS(get_run_start, env->host->run_start_ns && set_num(v, (long long)env->host->run_start_ns))
RETURNS(get_sequence, ev->sequence && set_num(v, (long long)ev->sequence))

/* user.*: the process's (real) user; for a file found in a home (scan), the home's owner */
static bool user_of(const struct event *ev, const struct proc *p, uint32_t *uid)
{
	if (p)
		*uid = p->uid;
	else if (ev->file && ev->file->in_home)
		*uid = ev->file->uid;
	else
		return false;
	return true;
}

GETTER(get_user_id)
{
	uint32_t uid;

	return user_of(ev, p, &uid) && set_id(v, uid);
}

GETTER(get_user_name)
{
	uint32_t uid;

	return user_of(ev, p, &uid) && set_str(v, users__user_name(env->users, uid));
}

#define EVENT(n, t, fn) { n, t, ROLE_EVENT, fn }
#define RULE(n, t, fn) { n, t, ROLE_RULE, fn }
#define PACKAGE(n, fn) { "package." n, FT_KEYWORD, ROLE_PACKAGE, fn }
#define FILE_(n, fn, ...) { "file." n, FT_KEYWORD, ROLE_FILE, fn, __VA_ARGS__ }

static const struct field_def event_fields[] = {
	EVENT("@timestamp", FT_DATE, get_timestamp),
	EVENT("agent.type", FT_KEYWORD, get_agent_type),
	EVENT("agent.version", FT_KEYWORD, get_agent_version),
	EVENT("ecs.version", FT_KEYWORD, get_ecs_version),
	RULE("embargo.alert.count", FT_LONG, get_alert_count),
	EVENT("embargo.capabilities.fallbacks", FT_LIST, get_caps_fallbacks),
	EVENT("embargo.capabilities.kernel", FT_KEYWORD, get_caps_kernel),
	EVENT("embargo.capabilities.path_walk", FT_KEYWORD, get_caps_path_walk),
	EVENT("embargo.capabilities.probes", FT_KEYWORD, get_caps_probes),
	EVENT("embargo.capabilities.unavailable", FT_LIST, get_caps_unavailable),
	RULE("embargo.enforcement.delay_us", FT_LONG, get_enforce_delay),
	RULE("embargo.enforcement.method", FT_KEYWORD, get_enforce_method),
	RULE("embargo.enforcement.mode", FT_KEYWORD, get_enforce_mode),
	RULE("embargo.enforcement.processes", FT_LONG, get_enforce_processes),
	RULE("embargo.enforcement.programs", FT_LONG, get_enforce_programs),
	RULE("embargo.enforcement.protected_files", FT_LONG, get_enforce_protected),
	RULE("embargo.enforcement.quarantine_id", FT_KEYWORD, get_enforce_quarantine),
	RULE("embargo.enforcement.result", FT_KEYWORD, get_enforce_result),
	EVENT("embargo.health.alerts", FT_LONG, get_health_alerts),
	EVENT("embargo.health.events", FT_LONG, get_health_events),
	EVENT("embargo.health.hash_backlog", FT_LONG, get_health_hash_backlog),
	EVENT("embargo.health.hash_oldest_pending_ms", FT_LONG, get_health_hash_oldest),
	EVENT("embargo.health.hash_pending", FT_LONG, get_health_hash_pending),
	EVENT("embargo.health.kernel_drops", FT_LONG, get_health_drops),
	EVENT("embargo.health.outputs_down", FT_LONG, get_health_down),
	EVENT("embargo.health.outputs_up", FT_LONG, get_health_up),
	EVENT("embargo.health.rules_version", FT_KEYWORD, get_health_rules_version),
	EVENT("embargo.health.sensor_state", FT_KEYWORD, get_health_sensor_state),
	EVENT("embargo.health.spool_evicted", FT_LONG, get_health_evicted),
	EVENT("embargo.health.spool_records", FT_LONG, get_health_spooled),
	EVENT("embargo.health.spool_write_failed", FT_LONG, get_health_write_failed),
	EVENT("embargo.health.uptime", FT_LONG, get_health_uptime),
	RULE("embargo.match", FT_LIST, get_rule_why),
	{ "embargo.package.previous_version", FT_KEYWORD, ROLE_PACKAGE, get_package_previous },
	EVENT("embargo.previous_run.last_heartbeat", FT_DATE, get_prev_heartbeat),
	EVENT("embargo.previous_run.last_sequence", FT_LONG, get_prev_sequence),
	EVENT("embargo.previous_run.run_id", FT_KEYWORD, get_prev_run_id),
	EVENT("embargo.previous_run.state", FT_KEYWORD, get_prev_state),
	RULE("embargo.rule.action", FT_KEYWORD, get_rule_action),
	RULE("embargo.rule.references", FT_LIST, get_rule_references),
	RULE("embargo.rule.severity", FT_KEYWORD, get_rule_severity_name),
	EVENT("embargo.run.id", FT_KEYWORD, get_run_id),
	EVENT("embargo.run.start", FT_DATE, get_run_start),
	EVENT("embargo.sequence", FT_LONG, get_sequence),
	EVENT("embargo.spool.output", FT_KEYWORD, get_spool_output),
	EVENT("embargo.spool.recovered", FT_BOOL, get_spool_recovered),
	EVENT("embargo.spool.write_failed", FT_LONG, get_spool_write_failed),
	EVENT("error.message", FT_KEYWORD, get_error),
	EVENT("event.action", FT_KEYWORD, get_event_action),
	EVENT("event.category", FT_LIST, get_event_category),
	EVENT("event.dataset", FT_KEYWORD, get_event_dataset),
	RULE("event.end", FT_DATE, get_event_end),
	EVENT("event.kind", FT_KEYWORD, get_event_kind),
	EVENT("event.module", FT_KEYWORD, get_event_module),
	EVENT("event.outcome", FT_KEYWORD, get_event_outcome),
	RULE("event.reason", FT_KEYWORD, get_event_reason),
	RULE("event.severity", FT_LONG, get_event_severity),
	RULE("event.start", FT_DATE, get_event_start),
	EVENT("event.type", FT_LIST, get_event_type),
	FILE_("extension", get_file_extension),
	FILE_("hash.sha256", get_file_sha256, NULL, CONTENT),
	FILE_("name", get_file_name),
	FILE_("path", get_file_path),
	EVENT("host.architecture", FT_KEYWORD, get_host_arch),
	EVENT("host.hostname", FT_KEYWORD, get_host_name),
	EVENT("host.id", FT_KEYWORD, get_host_id),
	EVENT("host.name", FT_KEYWORD, get_host_name),
	EVENT("host.os.kernel", FT_KEYWORD, get_host_kernel),
	EVENT("host.os.type", FT_KEYWORD, get_os_type),
	EVENT("message", FT_KEYWORD, get_message),
	PACKAGE("architecture", get_package_arch),
	PACKAGE("install_scope", get_package_scope),
	{ "package.installed", FT_DATE, ROLE_PACKAGE, get_package_installed },
	PACKAGE("name", get_package_name),
	PACKAGE("path", get_package_path),
	PACKAGE("type", get_package_type),
	PACKAGE("version", get_package_version),
	RULE("rule.description", FT_KEYWORD, get_rule_description),
	RULE("rule.id", FT_KEYWORD, get_rule_id),
	RULE("rule.name", FT_KEYWORD, get_rule_name),
	RULE("rule.reference", FT_KEYWORD, get_rule_reference),
	RULE("rule.ruleset", FT_KEYWORD, get_rule_ruleset),
	EVENT("user.id", FT_KEYWORD, get_user_id),
	EVENT("user.name", FT_KEYWORD, get_user_name),
};

#define NEVENT (sizeof(event_fields) / sizeof(event_fields[0]))

/* Both halves, merged by name: the JSON order, each object's members contiguous. */
static struct field_def *catalogue;
static size_t ncatalogue;
static pthread_once_t catalogue_once = PTHREAD_ONCE_INIT;

static void merge_halves(void)
{
	size_t n = NEVENT + fields_nprocess, i = 0, j = 0;

	catalogue = malloc(n * sizeof(*catalogue));
	if (!catalogue)
		abort();	/* ~170 rows, once, before any record */
	while (i < NEVENT || j < fields_nprocess)
		if (j == fields_nprocess ||
		    (i < NEVENT && strcmp(event_fields[i].name, fields_process[j].name) < 0))
			catalogue[ncatalogue++] = event_fields[i++];
		else
			catalogue[ncatalogue++] = fields_process[j++];
}

const struct field_def *fields__all(size_t *count)
{
	pthread_once(&catalogue_once, merge_halves);
	*count = ncatalogue;
	return catalogue;
}

bool fields__from_content(const struct field_def *f)
{
	return f->from_content;
}

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct field_def *)elem)->name);
}

const struct field_def *fields__find(const char *name)
{
	size_t n;
	const struct field_def *all = fields__all(&n);

	return bsearch(name, all, n, sizeof(*all), cmp_name);
}

bool fields__get(const struct field_def *f, const struct event *ev,
		 const struct event_env *env, struct field_value *v)
{
	const struct proc *p = f->role == ROLE_PARENT ? ev->parent : ev->proc;

	memset(v, 0, sizeof(*v));
	switch (f->role) {
	case ROLE_EVENT:
		break;
	case ROLE_PROCESS:
	case ROLE_PARENT:
		if (!p)
			return false;
		break;
	case ROLE_PACKAGE:
		if (!ev->package)
			return false;
		break;
	case ROLE_FILE:
		if (!ev->file)
			return false;
		break;
	case ROLE_RULE:
		if (!ev->rule)
			return false;
		break;
	}
	return f->get(ev, p, env, v);
}

void fields__release(struct field_value *v)
{
	free(v->owned);
	v->owned = NULL;
}
