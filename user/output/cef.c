// SPDX-License-Identifier: GPL-2.0-only
#include "output/cef.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rules/fields.h"

/*
 * The header's limits are the ArcSight event schema's (the spec's dictionary covers only
 * the extension): deviceVendor and deviceProduct 63, deviceVersion 31,
 * deviceEventClassId 1023, name 512.
 */
#define VENDOR_MAX	63
#define PRODUCT_MAX	63
#define VERSION_MAX	31
#define CLASS_ID_MAX	1023
#define EVENT_NAME_MAX	512
/* A label is ours and short; 128 is the least any key's label may hold (flexString1Label). */
#define LABEL_MAX	128

/* Severity of what is not an alert: a plain record, and embargo reporting a failure. */
#define SEVERITY_EVENT	1
#define SEVERITY_FAILED	5

enum cef_part {
	CEF_HEADER,	/* escapes \ and | */
	CEF_EXTENSION,	/* escapes \ and =, encodes CR and LF as \r and \n */
};

/* ---- values: valid UTF-8, escaped, cut to the dictionary's length --------------- */

/* One character of a value: the bytes it takes on the wire, and once unescaped. */
struct piece {
	char wire[8];
	size_t wire_len;
	size_t value_len;
};

/*
 * The length of the UTF-8 character at s, or 0 when s starts an invalid sequence; *bad
 * then says how many bytes its maximal subpart has (Unicode 3.9, "U+FFFD Substitution of
 * Maximal Subparts"), which one U+FFFD replaces: what Python's errors="replace" does too,
 * so a checker decoding our bytes sees the same characters.
 */
static size_t utf8_char(const unsigned char *s, size_t len, size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;	/* E0: no overlongs; ED: no surrogates */
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;	/* F0: no overlongs; F4: nothing past U+10FFFF */
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		*bad = 1;
		return 0;
	}
	for (size_t i = 1; i < need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80, hi = 0xbf;
	}
	return need;
}

/*
 * The code point of a control character (C0, DEL, C1), or -1. A SIEM console or a
 * terminal showing the record must not act on one (ESC, CSI 0x9b).
 */
static int control_code(const unsigned char *s, size_t n)
{
	if (n == 1 && (s[0] < 0x20 || s[0] == 0x7f))
		return s[0];
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return s[1];
	return -1;
}

static void piece_escaped(struct piece *pc, char c)
{
	pc->wire[0] = '\\';
	pc->wire[1] = c;
	pc->wire_len = 2;
	pc->value_len = 1;
}

/*
 * The character at s as it goes into a value; returns the input bytes it stands for.
 * Invalid UTF-8 becomes U+FFFD; a control other than CR and LF in the extension becomes
 * the text \xNN (its code point in hex), which on the wire is \\xNN.
 */
static size_t next_piece(enum cef_part part, const unsigned char *s, size_t len,
			 struct piece *pc)
{
	size_t bad = 0, n = utf8_char(s, len, &bad);
	int ctl;

	if (!n) {
		memcpy(pc->wire, "\xef\xbf\xbd", 3);
		pc->wire_len = pc->value_len = 3;
		return bad;
	}
	ctl = control_code(s, n);
	if (s[0] == '\\' || (part == CEF_HEADER && s[0] == '|') ||
	    (part == CEF_EXTENSION && s[0] == '=')) {
		piece_escaped(pc, (char)s[0]);
	} else if (part == CEF_EXTENSION && (ctl == '\n' || ctl == '\r')) {
		piece_escaped(pc, ctl == '\n' ? 'n' : 'r');
	} else if (ctl >= 0) {
		pc->wire_len = (size_t)snprintf(pc->wire, sizeof(pc->wire), "\\\\x%02x", ctl);
		pc->value_len = pc->wire_len - 1;
	} else {
		memcpy(pc->wire, s, n);
		pc->wire_len = pc->value_len = n;
	}
	return n;
}

/*
 * Append s escaped for part, at most max bytes once unescaped. The cut falls between
 * whole characters, so it never splits a UTF-8 sequence or an escape.
 */
static void put_text(struct buf *b, enum cef_part part, const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t used = 0;
	struct piece pc;

	while (len) {
		size_t n = next_piece(part, p, len, &pc);

		if (used + pc.value_len > max)
			break;
		buf__put(b, pc.wire, pc.wire_len);
		used += pc.value_len;
		p += n, len -= n;
	}
}

/* ---- the extension: dictionary keys read from the field catalogue ----------------- */

enum cef_type {
	CEF_STRING,
	CEF_INTEGER,	/* 32-bit */
	CEF_LONG,
	CEF_TIME,	/* milliseconds since the epoch */
};

/* One key and where its value comes from. */
struct mapping {
	const char *key;
	enum cef_type type;
	size_t max;		/* CEF_STRING: the dictionary's length */
	const char *field;	/* ECS field */
	const char *alt;	/* read when field is absent; NULL: none */
	const char *label;	/* custom keys: <key>Label, what the value is */
};

#define STR(key, max, field, ...) { key, CEF_STRING, max, field, __VA_ARGS__ }
#define NUM(key, type, field, ...) { key, type, 0, field, __VA_ARGS__ }

struct ext {
	struct buf *b;
	const struct event *ev;
	const struct event_env *env;
	bool started;
};

static void put_key(struct ext *x, const char *key, const char *suffix)
{
	buf__printf(x->b, "%s%s%s=", x->started ? " " : "", key, suffix);
	x->started = true;
}

static bool read_field(const struct ext *x, const char *name, const struct field_def **f,
		       struct field_value *v)
{
	*f = name ? fields__find(name) : NULL;
	return *f && fields__get(*f, x->ev, x->env, v);
}

static long long clamp_integer(enum cef_type type, long long n)
{
	if (type != CEF_INTEGER)
		return n;
	return n > INT32_MAX ? INT32_MAX : n < INT32_MIN ? INT32_MIN : n;
}

/* The value as the key's type wants it; false (nothing written) when it has none. */
static bool put_value(struct ext *x, const struct mapping *m, const struct field_def *f,
		      const struct field_value *v)
{
	bool number = f->type == FT_LONG || f->type == FT_BOOL;

	if (m->type == CEF_TIME) {
		if (f->type != FT_DATE)
			return false;
		put_key(x, m->key, "");
		buf__printf(x->b, "%lld", v->num / 1000000);
	} else if (m->type != CEF_STRING) {
		if (!number)
			return false;
		put_key(x, m->key, "");
		buf__printf(x->b, "%lld", clamp_integer(m->type, v->num));
	} else if (number) {
		put_key(x, m->key, "");
		buf__printf(x->b, "%lld", v->num);
	} else {
		if (f->type == FT_DATE || !v->len)
			return false;
		put_key(x, m->key, "");
		put_text(x->b, CEF_EXTENSION, v->str, v->len, m->max);
	}
	return true;
}

/* Write one mapping; false when the event has no value for it. */
static bool put_mapping(struct ext *x, const struct mapping *m)
{
	const struct field_def *f;
	struct field_value v;
	bool written;

	if (!read_field(x, m->field, &f, &v) && !read_field(x, m->alt, &f, &v))
		return false;
	written = put_value(x, m, f, &v);
	fields__release(&v);
	if (written && m->label) {
		put_key(x, m->key, "Label");
		put_text(x->b, CEF_EXTENSION, m->label, strlen(m->label), LABEL_MAX);
	}
	return written;
}

static void put_each(struct ext *x, const struct mapping *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_mapping(x, &rows[i]);
}

/* Keys that mean something only together: the first (a file's path) decides for all. */
static void put_group(struct ext *x, const struct mapping *rows, size_t n)
{
	if (n && put_mapping(x, &rows[0]))
		put_each(x, rows + 1, n - 1);
}

#define PUT_EACH(x, rows) put_each(x, rows, sizeof(rows) / sizeof(rows[0]))
#define PUT_GROUP(x, rows) put_group(x, rows, sizeof(rows) / sizeof(rows[0]))

/* Every record: when, what, where, and for alerts why. */
static const struct mapping record_keys[] = {
	NUM("rt", CEF_TIME, "@timestamp"),
	STR("cat", 1023, "event.category"),
	STR("act", 63, "event.action"),
	STR("outcome", 63, "event.outcome"),
	STR("dvchost", 100, "host.name"),
	STR("deviceExternalId", 255, "host.id"),
	/* a state record's message, an alert's rule description: never both */
	STR("msg", 1023, "message", "rule.description"),
	STR("reason", 1023, "event.reason", "error.message"),
	/* a folded alert: how many, from when to when */
	NUM("cnt", CEF_INTEGER, "embargo.alert.count"),
	NUM("start", CEF_TIME, "event.start"),
	NUM("end", CEF_TIME, "event.end"),
	/* the record's number in its run, and the run: "usually increasing numbers" (spec) */
	STR("externalId", 40, "embargo.sequence"),
	NUM("flexDate1", CEF_TIME, "embargo.run.start", NULL, "Run start"),
};

/* The process: the source of the event (the one that ran, installed or wrote). */
static const struct mapping process_keys[] = {
	STR("suser", 1023, "user.name"),
	STR("suid", 1023, "user.id"),
	NUM("spid", CEF_INTEGER, "process.pid"),
	STR("sproc", 1023, "process.name"),
	NUM("deviceCustomDate1", CEF_TIME, "process.start", NULL, "Process start"),
	STR("cs1", 4000, "process.command_line", NULL, "Command line"),
	STR("cs2", 4000, "process.parent.executable", NULL, "Parent executable"),
	STR("cs3", 4000, "process.working_directory", NULL, "Working directory"),
	STR("cs4", 4000, "embargo.process.login_user.name", NULL, "Login user"),
};

/* The user a process runs as, when it is not the one who started it (sudo, setuid). */
static const struct mapping target_user_keys[] = {
	STR("duid", 1023, "process.user.id"),
	STR("duser", 1023, "process.user.name"),
};

/* What the event is about: the program a process runs... */
static const struct mapping executable_keys[] = {
	STR("filePath", 1023, "process.executable"),
	STR("fname", 1023, "process.name"),
	STR("fileHash", 255, "process.hash.sha256"),
};

/* ...or the file a process wrote, and then the writer's program beside it... */
static const struct mapping file_keys[] = {
	STR("filePath", 1023, "file.path"),
	STR("fname", 1023, "file.name"),
	STR("fileHash", 255, "file.hash.sha256"),
};

/* ...or a package: the dictionary has no package keys. */
static const struct mapping package_keys[] = {
	STR("cs5", 4000, "package.name", NULL, "Package name"),
	STR("cs6", 4000, "package.version", NULL, "Package version"),
};

/* The program of the process that installed a package or wrote a file. */
static const struct mapping actor_keys[] = {
	STR("flexString2", 1023, "process.executable", NULL, "Process executable"),
};

static const struct mapping rule_keys[] = {
	STR("flexString1", 1023, "rule.ruleset", NULL, "Rule ruleset"),
};

/* Heartbeats: loss and silence first (cn1..cn3 are the numeric keys there are). */
static const struct mapping health_keys[] = {
	NUM("cn1", CEF_LONG, "embargo.health.events", NULL, "Events"),
	NUM("cn2", CEF_LONG, "embargo.health.alerts", NULL, "Alerts"),
	NUM("cn3", CEF_LONG, "embargo.health.kernel_drops", NULL, "Kernel drops"),
	STR("cs1", 4000, "embargo.health.uptime", NULL, "Uptime seconds"),
	STR("cs2", 4000, "embargo.health.spool_records", NULL, "Spooled records"),
	STR("cs3", 4000, "embargo.health.spool_evicted", NULL, "Evicted records"),
	STR("cs4", 4000, "embargo.health.outputs_up", NULL, "Outputs up"),
	STR("cs5", 4000, "embargo.health.outputs_down", NULL, "Outputs down"),
	STR("cs6", 4000, "embargo.health.rules_version", NULL, "Rules version"),
	STR("flexString1", 1023, "embargo.health.spool_write_failed", NULL, "Records not spooled"),
	STR("flexString2", 1023, "embargo.health.hash_backlog", NULL, "Files refused a hash"),
};

/* The started record: how the run before it ended (docs/outputs.md, "Unclean ends"). */
static const struct mapping previous_run_keys[] = {
	NUM("cn1", CEF_LONG, "embargo.previous_run.last_sequence", NULL,
	    "Previous run last record"),
	STR("cs1", 4000, "embargo.previous_run.state", NULL, "Previous run"),
	STR("cs2", 4000, "embargo.previous_run.run_id", NULL, "Previous run id"),
	NUM("deviceCustomDate2", CEF_TIME, "embargo.previous_run.last_heartbeat", NULL,
	    "Previous run last heartbeat"),
};

/* spool-write-failed: which output lost records, how many since start, and if it is back. */
static const struct mapping spool_loss_keys[] = {
	NUM("cn1", CEF_LONG, "embargo.spool.write_failed", NULL, "Records not spooled"),
	STR("cs1", 4000, "embargo.spool.output", NULL, "Output"),
	STR("cs2", 4000, "embargo.spool.recovered", NULL, "Spooling again"),
};

/* true when both fields are present and differ */
static bool fields_differ(const struct ext *x, const char *a, const char *b)
{
	const struct field_def *fa, *fb;
	struct field_value va, vb;
	bool differ = false;

	if (!read_field(x, a, &fa, &va))
		return false;
	if (read_field(x, b, &fb, &vb)) {
		differ = va.len != vb.len || memcmp(va.str, vb.str, va.len);
		fields__release(&vb);
	}
	fields__release(&va);
	return differ;
}

/* A folded alert is what the spec calls an aggregated event: type=1. */
static void put_aggregated(struct ext *x)
{
	const struct field_def *f;
	struct field_value v;

	if (!read_field(x, "embargo.alert.count", &f, &v))
		return;
	fields__release(&v);
	put_key(x, "type", "");
	buf__puts(x->b, "1");
}

static void put_extension(struct ext *x)
{
	const struct event *ev = x->ev;

	PUT_EACH(x, record_keys);
	put_aggregated(x);
	/* a heartbeat is about embargo alone, and reuses the custom keys */
	if (ev->health) {
		PUT_EACH(x, health_keys);
		return;
	}
	if (ev->spool_loss) {
		PUT_EACH(x, spool_loss_keys);
		return;
	}
	if (ev->previous_run) {
		PUT_EACH(x, previous_run_keys);
		return;
	}
	PUT_EACH(x, process_keys);
	if (fields_differ(x, "user.id", "process.user.id"))
		PUT_GROUP(x, target_user_keys);
	if (ev->file) {
		PUT_GROUP(x, file_keys);
		PUT_EACH(x, actor_keys);
	} else if (ev->package) {
		PUT_EACH(x, package_keys);
		PUT_EACH(x, actor_keys);
	} else {
		PUT_GROUP(x, executable_keys);
	}
	PUT_EACH(x, rule_keys);
}

/* ---- the header ------------------------------------------------------------------ */

static void put_header_field(struct buf *b, const char *s, size_t len, size_t max)
{
	put_text(b, CEF_HEADER, s, len, max);
	buf__putc(b, '|');
}

static void put_header_str(struct buf *b, const char *s, size_t max)
{
	put_header_field(b, s, strlen(s), max);
}

/* A header field from the catalogue; false when the event lacks it or it is empty. */
static bool put_header_from(struct buf *b, const struct ext *x, const char *name, size_t max)
{
	const struct field_def *f;
	struct field_value v;
	bool ok = read_field(x, name, &f, &v) && f->type == FT_KEYWORD && v.len;

	if (ok)
		put_header_field(b, v.str, v.len, max);
	if (f)
		fields__release(&v);
	return ok;
}

/*
 * "process:exec", "package:installed", "state:heartbeat": the kind of record, stable so
 * SIEM content can key on it. An action that repeats its category loses the repeat.
 */
static void format_class_id(const struct event *ev, char *out, size_t size)
{
	const char *category = event__category_name(ev->category);
	const char *prefix = ev->kind == EVENT_KIND_STATE ? "state" : category ? category : "event";
	const char *action = ev->action ? ev->action : "unknown";
	size_t plen = strlen(prefix);

	if (!strncmp(action, prefix, plen) && action[plen] == '-' && action[plen + 1])
		action += plen + 1;
	snprintf(out, size, "%s:%s", prefix, action);
}

/* The class id read as words: "process exec", "state rules reload". */
static void format_name(const char *class_id, char *out, size_t size)
{
	snprintf(out, size, "%s", class_id);
	for (char *c = out; *c; c++)
		if (*c == ':' || *c == '-')
			*c = ' ';
}

/* Rule severities (event.severity 21/47/73/99) onto CEF's Low/Medium/High/Very-High. */
static int cef_severity(const struct ext *x)
{
	const struct field_def *f;
	struct field_value v;

	if (x->ev->kind == EVENT_KIND_ALERT && read_field(x, "event.severity", &f, &v)) {
		int sev = v.num <= 21 ? 3 : v.num <= 47 ? 5 : v.num <= 73 ? 8 : 10;

		fields__release(&v);
		return sev;
	}
	if (x->ev->outcome && !strcmp(x->ev->outcome, "failure"))
		return SEVERITY_FAILED;
	return SEVERITY_EVENT;
}

static void put_header(struct buf *b, const struct ext *x)
{
	char class_id[160], name[160];

	format_class_id(x->ev, class_id, sizeof(class_id));
	format_name(class_id, name, sizeof(name));
	buf__puts(b, "CEF:0|");
	put_header_str(b, "embargo", VENDOR_MAX);
	put_header_str(b, "embargo", PRODUCT_MAX);
	put_header_str(b, EMBARGO_VERSION, VERSION_MAX);
	if (x->ev->kind != EVENT_KIND_ALERT || !put_header_from(b, x, "rule.id", CLASS_ID_MAX))
		put_header_str(b, class_id, CLASS_ID_MAX);
	if (x->ev->kind != EVENT_KIND_ALERT || !put_header_from(b, x, "rule.name", EVENT_NAME_MAX))
		put_header_str(b, name, EVENT_NAME_MAX);
	buf__printf(b, "%d|", cef_severity(x));
}

int cef__write(struct buf *b, const struct event *ev, const struct event_env *env)
{
	struct ext x = { .b = b, .ev = ev, .env = env };

	put_header(b, &x);
	put_extension(&x);
	return buf__error(b);
}
