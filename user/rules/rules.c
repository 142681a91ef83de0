// SPDX-License-Identifier: GPL-2.0-only
#include "rules/rules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/hex.h"

#include <openssl/evp.h>

#include "lib/hmap.h"
#include "packages/protect.h"
#include "rules/rules_parse.h"

#define MAX_FILE_BYTES (4 << 20)

/* State of one load: the set being built, ids seen, and the version hash. */
struct load {
	struct ruleset *rs;
	struct rules_errors *errs;
	struct hmap ids;	/* hash of id -> first rule with it */
	EVP_MD_CTX *version;
};

/* What one file's top level says. */
struct file_top {
	char *vendor;
	char **refs;
	size_t nrefs;
	yaml_node_t *rules;
};

struct rule_ctx {
	struct load *load;
	struct rule *rule;
	yaml_node_t *match;
	bool has_severity;
};


static char *keep_string(struct ruleset *rs, const char *s)
{
	char **grown = realloc(rs->strings, (rs->nstrings + 1) * sizeof(*grown));
	char *copy = strdup(s);

	if (!grown || !copy) {
		free(copy);
		if (grown)
			rs->strings = grown;
		return NULL;
	}
	rs->strings = grown;
	rs->strings[rs->nstrings++] = copy;
	return copy;
}

static void rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->name);
	free(r->description);
	parse__free_match(r->match);
	parse__free_strings(r->references, r->nreferences);
	free(r);
}

void rules__free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->nrules; i++)
		rule_free(rs->rules[i]);
	free(rs->rules);
	parse__free_strings(rs->strings, rs->nstrings);
	free(rs);
}

void rules__errors_free(struct rules_errors *errs)
{
	parse__free_strings(errs->msgs, errs->n);
	errs->msgs = NULL;
	errs->n = 0;
}

/* FNV-1a: ids are short; collisions are resolved by comparing the strings. */
static uint64_t id_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

static const struct rule *find_id(const struct load *l, const char *id)
{
	const struct rule *r = hmap__get(&l->ids, id_hash(id));

	if (!r || !strcmp(r->id, id))
		return r;
	for (size_t i = 0; i < l->rs->nrules; i++)	/* a hash collision: rare */
		if (!strcmp(l->rs->rules[i]->id, id))
			return l->rs->rules[i];
	return NULL;
}



static void rule_pair(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v,
		      void *arg)
{
	struct rule_ctx *ctx = arg;
	struct rule *r = ctx->rule;
	char **refs;
	size_t n;

	if (!strcmp(key, "id")) {
		r->id = parse__string(p, v, "id");
	} else if (!strcmp(key, "name")) {
		r->name = parse__string(p, v, "name");
	} else if (!strcmp(key, "description")) {
		r->description = parse__string(p, v, "description");
	} else if (!strcmp(key, "severity")) {
		ctx->has_severity = true;	/* a bad value is its own error, not a missing key */
		parse__severity(p, v, &r->severity);
	} else if (!strcmp(key, "on")) {
		parse__on(p, v, &r->on);
	} else if (!strcmp(key, "enabled")) {
		parse__bool(p, v, "enabled", &r->enabled);
	} else if (!strcmp(key, "action")) {
		unsigned int a;

		if (!parse__choice(p, v, "action", rule__action_names, 2, &a))
			r->action = (enum rule_action)a;
	} else if (!strcmp(key, "match")) {
		ctx->match = v;
	} else if (!strcmp(key, "references")) {
		refs = parse__strings(p, v, "a reference", &n);
		parse__free_strings(r->references, r->nreferences);
		r->references = refs;
		r->nreferences = refs ? n : 0;
	} else {
		parse__error(p, k, "unknown key '%s' in a rule (expected id, name, description, "
			     "severity, on, match, references, enabled or action)", key);
	}
}

/*
 * A field must be one the rule's events can carry: package.* on package events and on
 * downloads (file events: what the file's content says it is, process/markers.h)...
 */
static void check_fields(struct parse *p, const struct rule *r, const struct match_node *m,
			 yaml_node_t *at)
{
	static const struct {
		enum field_role role;
		unsigned int on;
		const char *kind, *add;
	} needs[] = {
		{ ROLE_PACKAGE, ON_PACKAGE | ON_FILE, "package (or file)", "package" },
		{ ROLE_FILE, ON_FILE, "file", "file" },
	};

	for (size_t i = 0; i < m->nkids; i++)
		check_fields(p, r, m->kids[i], at);
	if (m->op != MATCH_FIELD || !m->field)
		return;
	/* these are searched for in the file's bytes: only exact text can be */
	if (!strcmp(m->field->name, "embargo.elf.strings")) {
		for (size_t i = 0; i < m->npatterns; i++)
			if (m->patterns[i].glob || m->nocase || !m->patterns[i].text[0])
				parse__error(p, at, "rule '%s': embargo.elf.strings takes exact, "
					     "non-empty strings (no globs, no |i): '%s'",
					     r->id ? r->id : "?", m->patterns[i].text);
	}
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++)
		if (m->field->role == needs[i].role && !(r->on & needs[i].on))
			parse__error(p, at, "rule '%s': %s is only set on %s events; add %s to on:",
				     r->id ? r->id : "?", m->field->name, needs[i].kind,
				     needs[i].add);
}

static int add_references(struct rule *r, const struct file_top *top)
{
	char **grown = realloc(r->references, (r->nreferences + top->nrefs + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	r->references = grown;
	for (size_t i = 0; i < top->nrefs; i++) {
		char *ref = strdup(top->refs[i]);

		if (!ref)
			return -ENOMEM;
		r->references[r->nreferences++] = ref;
	}
	return 0;
}

static int ruleset_add(struct ruleset *rs, struct rule *r)
{
	struct rule **grown = realloc(rs->rules, (rs->nrules + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	rs->rules = grown;
	rs->rules[rs->nrules++] = r;
	return 0;
}

static void parse_rule(struct parse *p, struct load *l, yaml_node_t *n, const struct file_top *top)
{
	struct rule *r = calloc(1, sizeof(*r));
	struct rule_ctx ctx = { .load = l, .rule = r };
	const struct rule *dup;
	size_t before = l->errs->n;

	if (!r)
		return;
	r->enabled = true;
	r->on = ON_PROCESS;
	r->line = n->start_mark.line + 1;
	parse__pairs(p, n, rule_pair, &ctx);
	if (n->type == YAML_MAPPING_NODE) {
		if (!r->id)
			parse__error(p, n, "rule is missing 'id'");
		if (!r->name)
			parse__error(p, n, "rule '%s' is missing 'name'", r->id ? r->id : "?");
		if (!ctx.has_severity)
			parse__error(p, n, "rule '%s' is missing 'severity'", r->id ? r->id : "?");
		if (!ctx.match)
			parse__error(p, n, "rule '%s' is missing 'match'", r->id ? r->id : "?");
	}
	if (ctx.match && (r->match = parse__match(p, ctx.match)))
		check_fields(p, r, r->match, ctx.match);
	if (r->id && (dup = find_id(l, r->id)))
		parse__error(p, n, "duplicate rule id '%s' (first at %s:%u)", r->id, dup->file,
			     dup->line);
	if (l->errs->n != before || add_references(r, top) || ruleset_add(l->rs, r)) {
		rule_free(r);
		return;
	}
	r->vendor = top->vendor;
	r->file = p->file;
	hmap__put(&l->ids, id_hash(r->id), r, NULL);
}

static void top_pair(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v,
		     void *arg)
{
	struct file_top *top = arg;

	if (!strcmp(key, "vendor")) {
		top->vendor = parse__string(p, v, "vendor");
	} else if (!strcmp(key, "references")) {
		top->refs = parse__strings(p, v, "a reference", &top->nrefs);
	} else if (!strcmp(key, "rules")) {
		if (v->type == YAML_SEQUENCE_NODE)
			top->rules = v;
		else
			parse__error(p, v, "rules: must be a list of rules");
	} else if (strcmp(key, "description")) {
		parse__error(p, k, "unknown key '%s' (expected vendor, references, description "
			     "or rules)", key);
	}
}

static void parse_document(struct parse *p, struct load *l, yaml_node_t *root)
{
	struct file_top top = { 0 };

	parse__pairs(p, root, top_pair, &top);
	if (root->type == YAML_MAPPING_NODE && !top.vendor)
		parse__error(p, root, "missing 'vendor'");
	if (root->type == YAML_MAPPING_NODE && !top.rules)
		parse__error(p, root, "missing 'rules'");
	if (top.vendor && top.rules) {
		const char *vendor = keep_string(l->rs, top.vendor);

		free(top.vendor);
		top.vendor = (char *)vendor;
		for (yaml_node_item_t *it = top.rules->data.sequence.items.start;
		     vendor && it < top.rules->data.sequence.items.top; it++) {
			yaml_node_t *n = parse__node(p, *it);

			if (n)
				parse_rule(p, l, n, &top);
		}
	} else {
		free(top.vendor);
	}
	parse__free_strings(top.refs, top.nrefs);
}

static void add_error(struct rules_errors *errs, const char *file, unsigned long line,
		      unsigned long col, const char *msg)
{
	struct parse p = { .file = file, .errs = errs };
	yaml_node_t at = { .start_mark = { .line = line ? line - 1 : 0, .column = col ? col - 1 : 0 } };

	parse__error(&p, &at, "%s", msg);
}

/* Where libyaml says its error is: reader errors give a byte offset, not a mark. */
static void yaml_error(struct load *l, const yaml_parser_t *parser, const char *file,
		       const char *buf, size_t len)
{
	unsigned long line, col;
	char msg[300];

	config__yaml_problem_at(parser, buf, len, &line, &col);
	snprintf(msg, sizeof(msg), "YAML: %s%s%s", parser->problem ? parser->problem : "error",
		 parser->context ? " " : "", parser->context ? parser->context : "");
	add_error(l->errs, file, line, col, msg);
}

/* A second `---` document would be ignored by a reader that stops at the first. */
static void reject_more_documents(struct load *l, yaml_parser_t *parser, const char *file,
				  const char *buf, size_t len)
{
	yaml_document_t doc;
	yaml_node_t *root;

	if (!yaml_parser_load(parser, &doc)) {
		yaml_error(l, parser, file, buf, len);
		return;
	}
	root = yaml_document_get_root_node(&doc);
	if (root)
		add_error(l->errs, file, root->start_mark.line + 1, root->start_mark.column + 1,
			  "more than one YAML document: one rules file holds one");
	yaml_document_delete(&doc);
}

/*
 * libyaml 0.2.5 takes time quadratic in the nesting of flow collections ([[[[...) and
 * has no limit of its own: refuse deep nesting before it parses. Brackets inside quotes
 * and comments do not count; a rule file needs a few levels.
 */
#define MAX_FLOW_DEPTH 256

static bool flow_too_deep(const char *buf, size_t len, unsigned long *line, unsigned long *col)
{
	unsigned long depth = 0, ln = 1, cl = 0;
	char quote = 0;
	bool comment = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		cl++;
		if (c == '\n') {
			ln++, cl = 0, comment = false;
			continue;
		}
		if (comment || (quote && c != quote))
			continue;
		if (quote || c == '"' || c == '\'') {
			quote = quote ? 0 : c;
		} else if (c == '#' && (!i || buf[i - 1] == ' ' || buf[i - 1] == '\t')) {
			comment = true;
		} else if (c == '[' || c == '{') {
			if (++depth > MAX_FLOW_DEPTH) {
				*line = ln, *col = cl;
				return true;
			}
		} else if ((c == ']' || c == '}') && depth) {
			depth--;
		}
	}
	return false;
}

static void load_buffer(struct load *l, const char *name, const char *buf, size_t len)
{
	const char *file = keep_string(l->rs, name);
	struct parse p = { .file = file, .errs = l->errs, .max_conditions = 64 + len / 2 };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;

	unsigned long line, col;

	if (!file)
		return;
	EVP_DigestUpdate(l->version, buf, len);
	if (flow_too_deep(buf, len, &line, &col)) {
		add_error(l->errs, file, line, col, "brackets nested deeper than 256 levels");
		return;
	}
	if (!yaml_parser_initialize(&parser))
		return;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_error(l, &parser, file, buf, len);
		yaml_parser_delete(&parser);
		return;
	}
	p.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root)
		add_error(l->errs, file, 1, 1, "empty rules file");
	else
		parse_document(&p, l, root);
	yaml_document_delete(&doc);
	reject_more_documents(l, &parser, file, buf, len);
	yaml_parser_delete(&parser);
	l->rs->nfiles++;
}

static void load_file(struct load *l, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	ssize_t n = -1;

	if (fd < 0 || fstat(fd, &st)) {
		add_error(l->errs, path, 0, 0, strerror(errno));
	} else if (st.st_size > MAX_FILE_BYTES) {
		add_error(l->errs, path, 0, 0, "file larger than 4 MiB");
	} else if ((buf = malloc((size_t)st.st_size + 1))) {
		n = read(fd, buf, (size_t)st.st_size);
		if (n < 0)
			add_error(l->errs, path, 0, 0, strerror(errno));
		else
			load_buffer(l, path, buf, (size_t)n);
	}
	free(buf);
	if (fd >= 0)
		close(fd);
}

static bool is_rules_file(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && ((len > 5 && !strcmp(name + len - 5, ".yaml")) ||
				  (len > 4 && !strcmp(name + len - 4, ".yml")));
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int rules_file_filter(const struct dirent *de)
{
	return is_rules_file(de->d_name);
}

static void load_path(struct load *l, const char *path)
{
	struct dirent **names;
	struct stat st;
	int n;

	if (stat(path, &st)) {
		add_error(l->errs, path, 0, 0, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		load_file(l, path);
		return;
	}
	n = scandir(path, &names, rules_file_filter, by_name);
	if (n < 0) {
		add_error(l->errs, path, 0, 0, strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		char *full;

		if (asprintf(&full, "%s/%s", path, names[i]->d_name) >= 0) {
			load_file(l, full);
			free(full);
		}
		free(names[i]);
	}
	free(names);
}

static struct ruleset *load_finish(struct load *l)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	EVP_DigestFinal_ex(l->version, md, &md_len);
	EVP_MD_CTX_free(l->version);
	hmap__free(&l->ids);
	hex__encode(md, md_len < 8 ? md_len : 8, l->rs->version, 17);
	if (l->errs->n) {
		rules__free(l->rs);
		return NULL;
	}
	return l->rs;
}

static bool load_start(struct load *l, struct rules_errors *errs)
{
	l->errs = errs;
	hmap__init(&l->ids);
	l->rs = calloc(1, sizeof(*l->rs));
	l->version = EVP_MD_CTX_new();
	if (!l->rs || !l->version || !EVP_DigestInit_ex(l->version, EVP_sha256(), NULL)) {
		free(l->rs);
		EVP_MD_CTX_free(l->version);
		return false;
	}
	return true;
}

struct ruleset *rules__load_protect(char *const *paths, size_t npaths, const struct protect *p,
				    struct rules_errors *errs)
{
	size_t before = errs->n;
	struct load l;

	if (!load_start(&l, errs))
		return NULL;
	for (size_t i = 0; i < npaths; i++)
		load_path(&l, paths[i]);
	if (p && errs->n == before)
		rules__guard(l.rs, p, errs);
	return load_finish(&l);
}

struct ruleset *rules__load(char *const *paths, size_t npaths, struct rules_errors *errs)
{
	char why[300];
	struct protect *p = protect__load("/", why, sizeof(why));
	struct ruleset *rs;

	if (!p) {
		/* fail closed: block rules that cannot be checked are not loaded */
		add_error(errs, "/var/lib/dpkg/status", 0, 0, why);
		return NULL;
	}
	rs = rules__load_protect(paths, npaths, p, errs);
	protect__free(p);
	return rs;
}

struct ruleset *rules__load_buffer(const char *name, const char *buf, size_t len,
				   struct rules_errors *errs)
{
	struct load l;

	if (!load_start(&l, errs))
		return NULL;
	load_buffer(&l, name, buf, len);
	return load_finish(&l);
}


