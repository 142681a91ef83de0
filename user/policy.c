// SPDX-License-Identifier: GPL-2.0-only
#include "policy.h"

#include <ctype.h>
#include <string.h>

static const char header[] =
	"# Written by `embargo policy apply` from the rules with action: block (rules version\n"
	"# %s). Do not edit: `embargo policy check` reports changes, `embargo policy apply`\n"
	"# restores the file, `embargo policy remove` takes it away.\n";

/* Package names a package-name condition gives (not under a not:, which wants the others). */
typedef void (*name_fn)(struct buf *out, const char *name, bool nocase);

static void names_of(const struct match_node *n, const struct field_def *f, name_fn fn,
		     struct buf *out)
{
	if (n->op == MATCH_NOT)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		names_of(n->kids[i], f, fn, out);
	if (n->op == MATCH_FIELD && n->field == f)
		for (size_t i = 0; i < n->npatterns; i++)
			fn(out, n->patterns[i].text, n->nocase);
}

static bool blocks_packages(const struct rule *r)
{
	return r->enabled && r->action == ACTION_BLOCK && (r->on & ON_PACKAGE);
}

/* Debian package names are lowercase: a case-blind rule pins the lowercase name. */
static void apt_name(struct buf *out, const char *name, bool nocase)
{
	buf__putc(out, ' ');
	for (const char *c = name; *c; c++)
		buf__putc(out, nocase ? (char)tolower((unsigned char)*c) : *c);
}

int policy__apt(const struct ruleset *rs, struct buf *out)
{
	const struct field_def *f = fields__find("package.name");
	struct buf names = { 0 };
	int err;

	buf__printf(out, header, rs->version);
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];

		if (!blocks_packages(r))
			continue;
		buf__reset(&names);
		names_of(r->match, f, apt_name, &names);
		if (names.len)	/* none: the rule is on other fields, nothing to pin */
			buf__printf(out, "\nExplanation: embargo rule %s: %s\nPackage:%s\n"
					 "Pin: version *\nPin-Priority: -1\n", r->id, r->name,
				    buf__str(&names));
	}
	err = buf__error(&names) ? buf__error(&names) : buf__error(out);
	buf__free(&names);
	return err;
}

/* Flatpak ids are reverse-DNS names (a dot at least); refs of every arch and branch. */
static void flatpak_name(struct buf *out, const char *name, bool nocase)
{
	(void)nocase;	/* flatpak ids are case-sensitive: written as the rule wrote them */
	if (strchr(name, '.'))
		buf__printf(out, "deny %s/*/*\n", name);
}

int policy__flatpak(const struct ruleset *rs, struct buf *out)
{
	const struct field_def *f = fields__find("package.name");

	buf__printf(out, header, rs->version);
	for (size_t i = 0; i < rs->nrules; i++)
		if (blocks_packages(rs->rules[i]))
			names_of(rs->rules[i]->match, f, flatpak_name, out);
	return buf__error(out);
}
