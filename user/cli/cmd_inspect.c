// SPDX-License-Identifier: GPL-2.0-only
/* embargo inspect FILE...: what a file is by content, and which rules it would trip. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "process/filefacts.h"
#include "lib/json.h"
#include "lib/log.h"
#include "rules/rulebook.h"

static const char inspect_usage[] =
	"Usage: embargo inspect [--rules PATH]... [--format text|json] FILE...\n"
	"\n"
	"Print each file's identity (SHA-256, ELF architecture, build-id, soname, needed\n"
	"libraries, sections, rule strings found, owning Debian package) and the rules that\n"
	"would raise an alert if root ran it. Exit 0 when no rule matches, 1 when one does,\n"
	"2 when a file cannot be read. Without --rules: " RULES_DEFAULT_DIR " if it exists.\n";

struct found {
	const struct rule *rules[64];
	size_t n;
};

static void on_match(void *ctx, const struct rule *r, const char *why, size_t why_len)
{
	struct found *f = ctx;

	(void)why, (void)why_len;
	if (f->n < sizeof(f->rules) / sizeof(f->rules[0]))
		f->rules[f->n++] = r;
}

static void put_list(const char *label, const char *list, size_t len)
{
	printf("  %-10s", label);
	if (!list || !len)
		printf(" -");
	for (const char *s = list; s && s < list + len; s += strlen(s) + 1)
		printf(" %s%s", s, s + strlen(s) + 1 < list + len ? "," : "");
	printf("\n");
}

static void print_text(const struct file_as_proc *fp, const char *owner, const struct found *f)
{
	const struct file_ident *id = fp->proc.ident;
	const struct elf_info *elf = id ? &id->elf : NULL;

	printf("%s\n", fp->exe);
	printf("  %-10s %s\n", "sha256", id ? id->sha256 : "- (not a regular file)");
	printf("  %-10s %llu bytes\n", "size", (unsigned long long)fp->proc.file.size);
	printf("  %-10s %s%s\n", "type", elf && elf->is_elf ? "ELF " : "not ELF",
	       elf && elf->is_elf ? elf->arch : "");
	if (elf && elf->is_elf) {
		printf("  %-10s %s\n", "build-id", elf->build_id[0] ? elf->build_id : "-");
		printf("  %-10s %s\n", "soname", elf->soname ? elf->soname : "-");
		put_list("needed", elf->needed, elf->needed_len);
		put_list("strings", elf->strings, elf->strings_len);
	}
	printf("  %-10s %s\n", "package", owner ? owner : "- (no Debian package lists it)");
	printf("  %-10s", "rules");
	if (!f->n)
		printf(" none");
	for (size_t i = 0; i < f->n; i++)
		printf(" %s (%s)%s", f->rules[i]->id, rule__severity_name(f->rules[i]->severity),
		       i + 1 < f->n ? "," : "");
	printf("\n");
}

static void json_list(struct json_writer *w, const char *key, const char *list, size_t len,
		      const char *member)
{
	if (!list || !len)
		return;
	json__begin_array(w, key);
	for (const char *s = list; s < list + len; s += strlen(s) + 1) {
		if (member)
			json__array_object_string_n(w, member, s, strlen(s));
		else
			json__array_string(w, s);
	}
	json__end_array(w);
}

/* ECS file.* and package.* where ECS has them, embargo.* for the rest. */
static void print_json(struct json_writer *w, const struct file_as_proc *fp, const char *owner,
		       const struct found *f)
{
	const struct file_ident *id = fp->proc.ident;
	const struct elf_info *elf = id && id->elf.is_elf ? &id->elf : NULL;

	json__begin(w);
	if (elf) {
		json__string(w, "embargo.elf.build_id", elf->build_id[0] ? elf->build_id : NULL);
		json__string(w, "embargo.elf.soname", elf->soname);
		json_list(w, "embargo.elf.strings", elf->strings, elf->strings_len, NULL);
	}
	json__begin_array(w, "embargo.rules");
	for (size_t i = 0; i < f->n; i++)
		json__array_string(w, f->rules[i]->id);
	json__end_array(w);
	if (elf) {
		json__string(w, "file.elf.architecture", elf->arch);
		json_list(w, "file.elf.sections", elf->sections, elf->sections_len, "name");
		json_list(w, "file.elf.shared_libraries", elf->needed, elf->needed_len, NULL);
	}
	json__string(w, "file.hash.sha256", id ? id->sha256 : NULL);
	json__string(w, "file.name", strrchr(fp->exe, '/') + 1);
	json__string(w, "file.path", fp->exe);
	json__ulong(w, "file.size", fp->proc.file.size);
	json__string(w, "package.name", owner);
	if (!json__end(w))
		printf("%s\n", json__buf(w));
}

static struct rulebook *open_rules(struct rule_paths *paths)
{
	struct rules_errors errs = { 0 };
	struct rulebook *rb;
	struct stat st;

	if (paths->defaulted && stat(RULES_DEFAULT_DIR, &st))
		return NULL;
	rb = rulebook__open(paths->paths, paths->n, &errs);
	if (!rb) {
		log_err("failed to load rules:");
		cli__print_rule_errors(&errs);
	}
	rules__errors_free(&errs);
	return rb;
}

struct inspect {
	struct identity *id;
	struct rulebook *rb;		/* NULL: no rules */
	struct event_env env;
	enum output_format format;
	struct json_writer w;
};

static int inspect_one(struct inspect *in, const char *path, int *rc)
{
	struct file_as_proc fp;
	struct found found = { 0 };
	struct event ev = { .category = EVENT_CATEGORY_PROCESS, .type = "start",
			    .action = "inspect" };
	char *owner;
	int err = filefacts__as_proc(path, in->id, &fp);

	if (err) {
		fprintf(stderr, "embargo inspect: %s: %s\n", path, strerror(-err));
		return err;
	}
	ev.proc = &fp.proc;
	if (in->rb)
		rulebook__match(in->rb, ON_PROCESS, MATCH_ALL_RULES, &ev, &in->env, on_match, &found);
	owner = filefacts__dpkg_owner(fp.exe);
	if (in->format == FORMAT_JSON)
		print_json(&in->w, &fp, owner, &found);
	else
		print_text(&fp, owner, &found);
	if (found.n && *rc == EXIT_OK)
		*rc = EXIT_FINDINGS;
	free(owner);
	filefacts__release(&fp);
	return 0;
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct rule_paths paths = { 0 };
	struct host host;
	struct inspect in = { .env = { .host = &host }, .format = FORMAT_TEXT };
	bool failed = false;
	int c, rc = EXIT_OK;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:f:h", longopts, NULL)) != -1) {
		if ((c == 'r' || c == 'f') &&
		    !(rc = cli__rules_or_format(c, optarg, "inspect", &paths, &in.format)))
			continue;
		cli__free_rule_paths(&paths);
		if (c == 'h') {
			fputs(inspect_usage, stdout);
			return EXIT_OK;
		}
		if (c == 'r' || c == 'f')
			return rc;
		if (c == ':')
			return cli__usage_error("inspect", "option '%s' needs a value",
						argv[optind - 1]);
		return cli__usage_error("inspect", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind >= argc) {
		cli__free_rule_paths(&paths);
		return cli__usage_error("inspect", "give the files to inspect");
	}
	host__load(&host, NULL);
	in.env.users = users__new();
	in.id = identity__new("/proc", 0);
	if (cli__finish_rule_paths(&paths) || !in.env.users || !in.id)
		failed = true;
	if (!failed && !(in.rb = open_rules(&paths)) && !paths.defaulted)
		failed = true;
	if (in.rb)
		identity__set_scanner(in.id, rulebook__strscan(in.rb));
	json__init(&in.w);
	for (int i = optind; !failed && i < argc; i++)
		if (inspect_one(&in, argv[i], &rc))
			rc = EXIT_USAGE;	/* the others are still inspected */
	json__free(&in.w);
	rulebook__free(in.rb);
	identity__free(in.id);
	users__free(in.env.users);
	cli__free_rule_paths(&paths);
	return failed ? EXIT_USAGE : rc;
}
