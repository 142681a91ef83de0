// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargo watch's rules: loaded at start, told to the kernel (hot list, block list),
 * reloaded on SIGHUP or `embargo rules reload` (a broken set keeps the rules in force).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <systemd/sd-daemon.h>

#include "cli/cli.h"
#include "cli/status.h"
#include "cli/watch.h"
#include "core/pipeline.h"
#include "core/scan.h"
#include "enforce/enforce.h"
#include "lib/log.h"
#include "lib/privs.h"
#include "packages/pkgwatch.h"
#include "process/origins.h"
#include "rules/hotlist.h"
#include "rules/rulebook.h"
#include "sensor/sensor.h"

static char *join_errors(const struct rules_errors *errs)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < errs->n; i++)
		len += strlen(errs->msgs[i]) + 1;
	out = calloc(1, len);
	for (size_t i = 0; out && i < errs->n; i++) {
		strcat(out, errs->msgs[i]);
		strcat(out, i + 1 < errs->n ? "\n" : "");
	}
	return out;
}

/* A list the kernel could not be given: said, and sent as a state record (action). */
static void list_failed(struct watch *w, const char *action, int err, const char *consequence)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "failed to set the kernel's %s: %s; %s", action, strerror(-err),
		 consequence);
	log_warn("%s", msg);
	pipeline__state(w->pl, action, "failure", msg, NULL);
}

/* Which executables the rules name, so that their execs wake us at once. */
static void set_hotlist(struct watch *w, const struct ruleset *rs)
{
	struct hotlist hot;
	int err = hotlist__build(rs, &hot);

	if (!err)
		err = sensor__set_hotlist(w->sensor, &hot);
	if (err) {
		list_failed(w, "hotlist", err, "matching execs may wait for the poll tick");
	} else {
		log_info("hot list: %zu names, %zu paths%s", hot.nnames, hot.npaths,
			 hot.dropped ? " (some dropped: the maps are full)" : "");
	}
	hotlist__free(&hot);
}

/* Exact keys of block rules, for the probe to kill by (enforce.h); the rest wait for us. */
static void set_blocklist(struct watch *w, const struct ruleset *rs)
{
	struct hotlist block;
	int err = hotlist__build_block(rs, &block);

	if (!err)
		err = sensor__set_blocklist(w->sensor, &block);
	enforce__rules_changed(w->enforcer);	/* the kernel forgot the files listed: so do we */
	if (err) {
		list_failed(w, "blocklist", err, "block rules act after the match only");
		hotlist__free(&block);
		return;
	}
	/* a kill after the match must not wait for the poll tick */
	sensor__set_urgent_execs(w->sensor,
				 w->opts.enforce == ENFORCE_ON && block.user_space_rules);
	if (block.nnames || block.npaths || block.user_space_rules)
		log_info("block list (enforce %s): %zu names, %zu paths in the kernel; %zu block "
			 "rules decided after the match", enforce__mode_name(w->opts.enforce),
			 block.nnames, block.npaths, block.user_space_rules);
	hotlist__free(&block);
}

/* A [file] block rule under --enforce moves downloads: say at once when this process cannot. */
static void check_quarantine(const struct watch *w, const struct ruleset *rs)
{
	if (w->opts.enforce != ENFORCE_ON || !rs || privs__can_quarantine())
		return;
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];

		if (r->enabled && r->action == ACTION_BLOCK && (r->on & ON_FILE)) {
			log_warn("rule %s quarantines downloads, but embargo lacks CAP_DAC_OVERRIDE "
				 "and CAP_FOWNER: a banned download in a user's directory is "
				 "reported (result: failed), not moved (the service needs "
				 "dist/embargo-enforce.conf)", r->id);
			return;
		}
	}
}

/*
 * Tell the kernel what the rules name: the hot list (wake us at once; failing costs only
 * latency) and the block list. Failures reach the SIEM as state records.
 */
void watch_rules__tell_kernel(struct watch *w)
{
	const struct ruleset *rs = w->rules ? rulebook__rules(w->rules) : NULL;

	set_hotlist(w, rs);
	set_blocklist(w, rs);
	check_quarantine(w, rs);
}

/*
 * New rules, new block list: the banned packages' programs are learned again, quietly (they
 * were reported at start or when installed; the reload itself is a state record).
 */
static void index_vendor_path(void *ctx, const char *path, bool tree)
{
	struct origins *o = ctx;
	int err = tree ? origins__add_tree(o, path) : origins__add_file(o, path);

	if (err && err != -ENOENT)
		log_warn("cannot index the vendor %s %s by inode: %s", tree ? "tree" : "file",
			 path, strerror(-err));
}

void watch_rules__index_vendors(struct watch *w)
{
	struct origins *o = w->rules ? origins__new() : NULL;

	if (o)
		rulebook__vendor_paths(w->rules, index_vendor_path, o);
	pipeline__set_origins(w->pl, o);
	origins__free(w->origins);
	w->origins = o;
	if (o)
		log_debug("%zu vendor files known by inode", origins__len(o));
}

static void relearn_packages(struct watch *w)
{
	struct scan s = { .rules = w->rules, .id = w->identity, .env = &w->env,
			  .enf = w->enforcer };

	if (w->opts.enforce != ENFORCE_OFF)
		scan__packages(&s, pkgwatch__inventory(w->pkg));
}

/*
 * Reload the rules; a broken set keeps the rules in force. The outcome goes to the log, to
 * the SIEM as a state record and, for `embargo rules reload`, into reply (may be NULL).
 */
bool watch_rules__reload(struct watch *w, struct buf *reply, bool json)
{
	struct rules_errors errs = { 0 };
	char msg[160], *joined = NULL;
	bool ok;

	if (!w->rules) {
		snprintf(msg, sizeof(msg), "no rules were loaded at start (%s missing), nothing "
			 "to reload", RULES_DEFAULT_DIR);
		log_warn("%s", msg);
		if (reply)
			status__render_reload(false, msg, NULL, 0, json, reply);
		return false;
	}
	sd_notify(0, "RELOADING=1");
	/* what came before the reload is matched under the old rules */
	sensor__consume(w->sensor);
	pipeline__drain(w->pl);
	output__fold_flush(w->out);	/* summaries name rules about to go */
	ok = !rulebook__reload(w->rules, &errs);
	if (!ok) {
		joined = join_errors(&errs);
		snprintf(msg, sizeof(msg), "rules reload failed; keeping %zu rules (version %s)",
			 rulebook__rules(w->rules)->nrules, rulebook__rules(w->rules)->version);
		log_err("%s:", msg);
		cli__print_rule_errors(&errs);
		pipeline__state(w->pl, "rules-reload", "failure", msg, joined);
	} else {
		snprintf(msg, sizeof(msg), "rules reloaded: %zu rules (version %s)",
			 rulebook__rules(w->rules)->nrules, rulebook__rules(w->rules)->version);
		log_info("%s", msg);
		pipeline__set_rules(w->pl, w->rules);	/* new ELF strings to look for */
		watch_rules__index_vendors(w);
		watch_rules__tell_kernel(w);
		relearn_packages(w);
		pipeline__state(w->pl, "rules-reload", "success", msg, NULL);
	}
	if (reply)
		status__render_reload(ok, msg, errs.msgs, errs.n, json, reply);
	free(joined);
	rules__errors_free(&errs);
	sd_notify(0, "READY=1");
	return ok;
}

/* Rules that do not load stop the start: running without the intended rules is worse. */
int watch_rules__load(struct watch *w)
{
	struct rules_errors errs = { 0 };
	struct stat st;

	if (w->opts.rules.defaulted && stat(RULES_DEFAULT_DIR, &st) && errno == ENOENT) {
		log_warn("no rules: %s does not exist (give --rules PATH); only --all prints "
			 "anything", RULES_DEFAULT_DIR);
		return 0;
	}
	w->rules = rulebook__open_protect(w->opts.rules.paths, w->opts.rules.n, w->protect,
					&errs);
	if (!w->rules) {
		log_err("failed to load rules:");
		cli__print_rule_errors(&errs);
		rules__errors_free(&errs);
		return -EINVAL;
	}
	log_info("loaded %zu rules from %zu files (version %s)", rulebook__rules(w->rules)->nrules,
		 rulebook__rules(w->rules)->nfiles, rulebook__rules(w->rules)->version);
	return 0;
}
